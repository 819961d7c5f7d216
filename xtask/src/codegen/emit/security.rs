//! An operation's `security`: the `Operation::SECURITY` constant of the
//! models crate, and what the client method's docs say about it.

use proc_macro2::TokenStream;
use quote::quote;

use crate::codegen::ir::{Api, AuthMethod, Operation, Security};

/// `const SECURITY` of the operation's `Operation` impl (nothing for the
/// default, any method).
pub fn security_const(op: &Operation) -> TokenStream {
    match &op.security {
        Security::Any => quote!(),
        Security::None => quote! {
            const SECURITY: ::apigen_runtime::Security = ::apigen_runtime::Security::None;
        },
        Security::Alternatives(indices) => {
            let indices = indices
                .iter()
                .map(|i| proc_macro2::Literal::usize_unsuffixed(*i));
            quote! {
            const SECURITY: ::apigen_runtime::Security =
                ::apigen_runtime::Security::Alternatives(&[#(#indices),*]);
            }
        }
    }
}

/// The spec's scheme name(s) of a method, as inline code.
pub fn scheme_names(method: &AuthMethod) -> String {
    match method {
        AuthMethod::Bearer { scheme, .. }
        | AuthMethod::OAuth2ClientCredentials { scheme, .. }
        | AuthMethod::Basic { scheme, .. }
        | AuthMethod::AccessToken { scheme, .. } => format!("`{scheme}`"),
        AuthMethod::ApiKeys { schemes, .. } => {
            let names: Vec<String> = schemes.iter().map(|s| format!("`{s}`")).collect();
            names.join(" + ")
        }
    }
}

/// The client method's docs on authentication, when the operation does
/// not take the API's default.
pub fn client_facts(api: &Api, op: &Operation) -> Vec<String> {
    match &op.security {
        Security::Any => Vec::new(),
        Security::None => {
            vec!["Needs no authentication: no credentials are sent (`security: []`).".to_owned()]
        }
        Security::Alternatives(indices) if indices.is_empty() => {
            vec!["No supported security scheme: no credentials are sent.".to_owned()]
        }
        Security::Alternatives(indices) => {
            let names: Vec<String> = indices
                .iter()
                .filter_map(|i| api.auth.get(*i))
                .map(scheme_names)
                .collect();
            vec![format!(
                "Authenticates with the first of {} for which the client has credentials; no other credentials are sent.",
                names.join(", ")
            )]
        }
    }
}
