//! The hand-written baseline: serde types with the same fields and field
//! types as the generated models, and the envelope a person would write to
//! unwrap a Cloudflare response.

use chrono::{DateTime, Utc};
use serde::Deserialize;

/// A hand-written Cloudflare response envelope. `messages` and unknown
/// fields are skipped, as the runtime skips them.
#[derive(Debug, Deserialize)]
pub struct Envelope<T, M = ()> {
    /// `success`.
    pub success: bool,
    /// `errors`, kept as JSON values (the runtime keeps them the same way).
    #[serde(default)]
    pub errors: Vec<serde_json::Value>,
    /// `result`.
    pub result: T,
    /// `result_info`.
    #[serde(default = "none")]
    pub result_info: Option<M>,
}

fn none<M>() -> Option<M> {
    None
}

/// A hand-written Access user: the eleven fields of the generated
/// `cloudflare_access_users_models::types::User`, with the same types.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct User {
    /// UUID.
    pub id: Option<String>,
    /// Whether the user has authenticated with Access.
    pub access_seat: Option<bool>,
    /// Active devices.
    pub active_device_count: Option<f64>,
    /// Creation time.
    pub created_at: Option<DateTime<Utc>>,
    /// Email.
    pub email: Option<String>,
    /// Whether the user has logged into WARP.
    pub gateway_seat: Option<bool>,
    /// Last successful login.
    pub last_successful_login: Option<DateTime<Utc>>,
    /// Name.
    pub name: Option<String>,
    /// Seat id.
    pub seat_uid: Option<String>,
    /// User id.
    pub uid: Option<String>,
    /// Last update.
    pub updated_at: Option<DateTime<Utc>>,
}

/// A hand-written `result_info`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct ResultInfo {
    /// Results on this page.
    pub count: Option<f64>,
    /// This page.
    pub page: Option<f64>,
    /// Page size.
    pub per_page: Option<f64>,
    /// All results.
    pub total_count: Option<f64>,
    /// Number of pages.
    pub total_pages: Option<f64>,
}

/// Decodes a response body the hand-written way: `serde_json::from_slice`
/// into [`Envelope`], failing unless `success` is true.
pub fn decode<T, M>(body: &[u8]) -> Result<Envelope<T, M>, String>
where
    T: serde::de::DeserializeOwned,
    M: serde::de::DeserializeOwned,
{
    let envelope: Envelope<T, M> = serde_json::from_slice(body).map_err(|e| e.to_string())?;
    if !envelope.success {
        return Err(format!("unsuccessful: {:?}", envelope.errors));
    }
    Ok(envelope)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hand_and_generated_types_agree() {
        let body = crate::fixtures::list_body(0, 4, 1, 4, 1);
        let hand = decode::<Vec<User>, ResultInfo>(body.as_bytes()).unwrap();
        let generated = decode::<
            Vec<cloudflare_access_users_models::types::User>,
            cloudflare_access_users_models::types::ResultInfo,
        >(body.as_bytes())
        .unwrap();
        assert_eq!(hand.result.len(), generated.result.len());
        for (h, g) in hand.result.iter().zip(&generated.result) {
            assert_eq!(h.id, g.id);
            assert_eq!(h.created_at, g.created_at);
            assert_eq!(h.active_device_count, g.active_device_count);
        }
        assert_eq!(hand.result_info.unwrap().total_pages, Some(1.0));
    }
}
