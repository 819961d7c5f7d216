//! The generated Cloudflare `User` as the models emitter writes it when the
//! spec says `x-apigen.unknown-fields: keep`: the same fields and serde
//! attributes as `cloudflare_access_users_models::types::User` (generated
//! with the default, `ignore`), plus the flattened map of unknown fields.
//! The decode benchmark compares the two to price the setting.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// `types::User` with unknown fields kept.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct UserKept {
    /// UUID.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Whether the user has authenticated with Access.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub access_seat: Option<bool>,
    /// Active devices.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub active_device_count: Option<f64>,
    /// Creation time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_at: Option<DateTime<Utc>>,
    /// Email.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// Whether the user has logged into WARP.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gateway_seat: Option<bool>,
    /// Last login.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_successful_login: Option<DateTime<Utc>>,
    /// Name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Seat id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seat_uid: Option<String>,
    /// User id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uid: Option<String>,
    /// Last update.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updated_at: Option<DateTime<Utc>>,
    /// Properties not declared by the schema.
    #[serde(flatten)]
    pub additional_properties: BTreeMap<String, serde_json::Value>,
}

/// `body` with two fields the spec does not name added to every user (a
/// flag and a small object), as an API ahead of its spec would send.
pub fn with_unknown_fields(body: &str) -> String {
    body.replace(
        r#""uid":"#,
        r#""risk_score":0.25,"device_posture":{"os":"macOS","managed":true},"uid":"#,
    )
}
