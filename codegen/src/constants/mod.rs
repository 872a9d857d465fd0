//! Constants a generated crate carries beside progenitor's client, each read from one place in
//! the normalised spec so that the hand-written layer never repeats a bank fact:
//! `servers` (base URLs per environment), `auth` (the OAuth2 flow), `signing` (the signature's
//! header), `operations` (every operation as the `Operation` enum: id, method name, idempotent,
//! signed, envelope), `error_codes` (the bank's numbered error table as an enum) and `SPEC`
//! (`bank_runtime::ApiSpec`, all of it in one value). Every module is emitted for every API,
//! empty where the spec has nothing, so code over all the banks reads them the same way.

use std::path::Path;

use bank_openapi::ext;
use quote::quote;
use serde_json::Value;

use crate::error::{Error, Result};
use crate::naming;
use crate::paths::operations;

mod error_codes;
mod operation_enum;

use error_codes::error_code_tokens;
use operation_enum::{envelope_tokens, operation_tokens};

/// Every constant module of a generated crate, in a stable order.
pub fn tokens(path: &Path, api: &str, doc: &Value) -> Result<proc_macro2::TokenStream> {
    let servers = server_tokens(path, doc)?;
    let signing = signing_tokens(doc);
    let auth = auth_tokens(doc);
    let operations = operation_tokens(path, doc)?;
    let envelopes = envelope_tokens(path, doc)?;
    let error_codes = error_code_tokens(path, doc)?;
    let merchant_actions = merchant_action_tokens(path, doc)?;
    let refusal = refusal_tokens(path, doc)?;
    let http_auth = http_auth_tokens(doc);
    let client_id = match doc
        .get(ext::CLIENT_ID_PATH_PARAMETER)
        .and_then(Value::as_str)
    {
        Some(name) => quote! { ::std::option::Option::Some(#name) },
        None => quote! { ::std::option::Option::None },
    };
    Ok(quote! {
        /// This API's facts in one value, for the runtime and the facade.
        pub const SPEC: ::bank_runtime::ApiSpec = ::bank_runtime::ApiSpec {
            name: #api,
            servers: servers::ALL,
            oauth2: auth::OAUTH2,
            http_auth: #http_auth,
            signing: signing::SPEC,
            refusal: #refusal,
            client_id_path_parameter: #client_id,
            operations: operations::SPECS,
        };
        /// The normalised document this crate was generated from (`openapi.json`): what the
        /// sandbox routes and validates with.
        pub const OPENAPI_JSON: &str = include_str!("../openapi.json");
        /// The bank's document as published, in OpenAPI 3.0 form without our fixes
        /// (`published.json`): what the sandbox's answers are held to.
        pub const PUBLISHED_JSON: &str = include_str!("../published.json");
        #servers #signing #auth #operations #envelopes #error_codes #merchant_actions
    })
}

/// The `x-refusal` of a component schema (`{property, equals}`: a refusal inside a 2xx answer)
/// as `Some(RefusalSpec)`, or `None`.
fn refusal_tokens(path: &Path, doc: &Value) -> Result<proc_macro2::TokenStream> {
    let found = doc
        .pointer("/components/schemas")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
        .find_map(|(name, s)| s.get(ext::REFUSAL).map(|r| (name, r)));
    let Some((schema, refusal)) = found else {
        return Ok(quote! { None });
    };
    let property = refusal.get("property").and_then(Value::as_str);
    let equals = refusal.get("equals").and_then(Value::as_bool);
    let (Some(property), Some(equals)) = (property, equals) else {
        return Err(Error::Invalid {
            path: path.to_path_buf(),
            pointer: format!(
                "/components/schemas/{}/{}",
                crate::load::escape_pointer(schema),
                ext::REFUSAL
            ),
            message: "must be {property: <name>, equals: <true|false>}".into(),
        });
    };
    Ok(quote! { Some(::bank_runtime::RefusalSpec { property: #property, equals: #equals }) })
}

/// The name of the component schema that carries `x-refusal`, when one does.
fn refusal_schema(doc: &Value) -> Option<&str> {
    doc.pointer("/components/schemas")
        .and_then(Value::as_object)?
        .iter()
        .find(|(_, s)| s.get(ext::REFUSAL).is_some())
        .map(|(name, _)| name.as_str())
}

/// Whether a 2xx JSON answer of `op` is the component schema `schema` (a `$ref` to it, or an
/// `allOf` that includes it).
fn answers_with(op: &Value, schema: &str) -> bool {
    let target = format!(
        "#/components/schemas/{}",
        bank_openapi::pointer::escape(schema)
    );
    let is_it = |s: &Value| {
        s.get("$ref").and_then(Value::as_str) == Some(target.as_str())
            || s.get("allOf").and_then(Value::as_array).is_some_and(|all| {
                all.iter()
                    .any(|p| p.get("$ref").and_then(Value::as_str) == Some(target.as_str()))
            })
    };
    op.get("responses")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
        .filter(|(status, _)| status.starts_with('2'))
        .filter_map(|(_, r)| r.pointer("/content/application~1json/schema"))
        .any(is_it)
}

/// `MerchantAction` when an enum schema carries `x-merchant-actions` (`action: [status, …]`):
/// one variant per action, `Unknown` for a status the table does not place, and `for_status`.
fn merchant_action_tokens(path: &Path, doc: &Value) -> Result<proc_macro2::TokenStream> {
    let Some((schema, table)) = doc
        .pointer("/components/schemas")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
        .find_map(|(name, s)| s.get(ext::MERCHANT_ACTIONS).map(|t| (name, t)))
    else {
        return Ok(quote! {});
    };
    let pointer = format!(
        "/components/schemas/{}/{}",
        crate::load::escape_pointer(schema),
        ext::MERCHANT_ACTIONS
    );
    let invalid = |message: &str| Error::Invalid {
        path: path.to_path_buf(),
        pointer: pointer.clone(),
        message: message.to_owned(),
    };
    let table = table
        .as_object()
        .ok_or_else(|| invalid("must map each action to a list of statuses"))?;
    let ty =
        naming::ident_or_reason(&naming::type_name(schema), "name").map_err(|e| invalid(&e))?;
    let mut variants = Vec::new();
    let mut arms = Vec::new();
    // Variant → the action named so first; `Unknown` is the catch-all's.
    let mut named: std::collections::BTreeMap<String, String> = Default::default();
    for (action, statuses) in table {
        let statuses: Vec<&str> = statuses
            .as_array()
            .ok_or_else(|| invalid("each action maps to a list of statuses"))?
            .iter()
            .map(|s| s.as_str().ok_or_else(|| invalid("statuses are strings")))
            .collect::<Result<_>>()?;
        let variant = naming::type_name(action);
        let at = format!("{pointer}/{}", crate::load::escape_pointer(action));
        let clash = |other: &str| Error::Invalid {
            path: path.to_path_buf(),
            pointer: at.clone(),
            message: format!(
                "the action `{}` gives the variant `MerchantAction::{variant}`, as {other} does; rename one with a fix",
                crate::escape::line_comment(action)
            ),
        };
        if variant == "Unknown" {
            return Err(clash("the catch-all for statuses the table does not place"));
        }
        if let Some(first) = named.get(&variant) {
            return Err(clash(&format!(
                "the action `{}` at {pointer}/{}",
                crate::escape::line_comment(first),
                crate::load::escape_pointer(first)
            )));
        }
        named.insert(variant.clone(), action.clone());
        let ident = naming::ident_or_reason(&variant, "name").map_err(|e| Error::Invalid {
            path: path.to_path_buf(),
            pointer: at.clone(),
            message: e,
        })?;
        let doc_line = format!("`{action}`: {}.", statuses.join(", "));
        variants.push(quote! { #[doc = #doc_line] #ident, });
        arms.push(quote! { #( #statuses )|* => MerchantAction::#ident, });
    }
    let enum_doc = format!(
        "What the merchant may do with an order in a given status: the spec's `{schema}.x-merchant-actions`."
    );
    Ok(quote! {
        #[doc = #enum_doc]
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum MerchantAction {
            #(#variants)*
            /// A status the table does not place (one the bank added later).
            Unknown,
        }

        impl MerchantAction {
            /// The action for a status.
            pub fn for_status(status: &types::#ty) -> Self {
                match status.as_str() {
                    #(#arms)*
                    _ => MerchantAction::Unknown,
                }
            }
        }
    })
}

/// `pub mod servers`: one constant per server of the document, named by its `x-environment`
/// (added by a fix where the bank names none), plus `ALL`.
fn server_tokens(path: &Path, doc: &Value) -> Result<proc_macro2::TokenStream> {
    let mut items = Vec::new();
    let mut names = Vec::new();
    for (i, server) in doc
        .get("servers")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .enumerate()
    {
        let Some(template) = server.get("url").and_then(Value::as_str) else {
            continue;
        };
        // `https://{host}` → the variable's default, as the spec defines it.
        let mut url = template.to_owned();
        for (name, var) in server
            .get("variables")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
        {
            if let Some(default) = var.get("default").and_then(Value::as_str) {
                url = url.replace(&format!("{{{name}}}"), default);
            }
        }
        let url = url.as_str();
        let env = match server.get(ext::ENVIRONMENT).and_then(Value::as_str) {
            Some(env) if bank_openapi::environments::ALL.contains(&env) => env.to_owned(),
            Some(env) => {
                return Err(Error::Invalid {
                    path: path.to_path_buf(),
                    pointer: format!("/servers/{i}/{}", ext::ENVIRONMENT),
                    message: format!(
                        "`{env}` is not an environment name the facade knows ({})",
                        bank_openapi::environments::ALL.join(", ")
                    ),
                });
            }
            None => format!("server-{i}"),
        };
        let ident = naming::ident_or_reason(&naming::environment_constant(&env), "name").map_err(
            |message| Error::Invalid {
                path: path.to_path_buf(),
                pointer: format!("/servers/{i}"),
                message,
            },
        )?;
        let mut doc_line = format!("`{env}`: {url}");
        if let Some(d) = server.get("description").and_then(Value::as_str) {
            doc_line.push_str("\n\n");
            doc_line.push_str(d);
        }
        // A host the document marks as not real (RFC 2606 `.invalid`: "the bank gives it") is
        // documented but is no environment a client can be built for.
        let placeholder = url
            .split("://")
            .nth(1)
            .and_then(|rest| rest.split(['/', ':']).next())
            .is_some_and(|host| host.ends_with(".invalid"));
        if placeholder {
            doc_line.push_str(
                "\n\nA placeholder (`.invalid`): not in [`ALL`]; use the base URL the bank gives.",
            );
        }
        items.push(quote! {
            #[doc = #doc_line]
            pub const #ident: &str = #url;
        });
        if !placeholder {
            names.push((env, ident));
        }
    }
    let pairs = names.iter().map(|(env, ident)| quote! { (#env, #ident) });
    Ok(quote! {
        /// Base URLs of this API per environment, from the spec's `servers` (path stem included).
        pub mod servers {
            #(#items)*
            /// Every environment a client can be built for as `(name, base URL)`, in the spec's
            /// order (placeholder hosts left out).
            pub const ALL: &[(&str, &str)] = &[#(#pairs),*];
        }
    })
}

/// `pub mod auth`: the OAuth2 flow when the spec declares one (client credentials, or password):
/// its token URL (absolute, or relative to the base URL), the grant and the scopes.
fn auth_tokens(doc: &Value) -> proc_macro2::TokenStream {
    let flows = doc
        .pointer("/components/securitySchemes")
        .and_then(Value::as_object)
        .into_iter()
        .flat_map(|m| m.values())
        .filter_map(|s| s.get("flows").and_then(Value::as_object))
        .flat_map(|flows| flows.iter());
    let Some((grant, flow)) = flows
        .into_iter()
        .find(|(name, _)| matches!(name.as_str(), "clientCredentials" | "password"))
    else {
        return quote! {
            /// OAuth2 as the spec declares it: none.
            pub mod auth {
                /// The OAuth2 flow: the spec declares none.
                pub const OAUTH2: ::std::option::Option<::bank_runtime::OAuth2Spec> = None;
            }
        };
    };
    let grant = match grant.as_str() {
        "password" => quote! { ::bank_runtime::Grant::Password },
        _ => quote! { ::bank_runtime::Grant::ClientCredentials },
    };
    let url = flow
        .get("tokenUrl")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let scopes: Vec<&str> = flow
        .get("scopes")
        .and_then(Value::as_object)
        .map(|m| m.keys().map(String::as_str).collect())
        .unwrap_or_default();
    quote! {
        /// OAuth2 as the spec declares it.
        pub mod auth {
            /// The token endpoint: a full URL, or a path on the API's base URL when it starts with `/`.
            pub const TOKEN_URL: &str = #url;
            /// The scopes of this API.
            pub const SCOPES: &[&str] = &[#(#scopes),*];
            /// The OAuth2 flow.
            pub const OAUTH2: ::std::option::Option<::bank_runtime::OAuth2Spec> =
                Some(::bank_runtime::OAuth2Spec { token_url: TOKEN_URL, grant: #grant, scopes: SCOPES });
        }
    }
}

/// The document's HTTP authentication (`type: http`, `scheme: basic | bearer`, the first one
/// declared) as `Some(HttpAuth)`; `Bearer` too when its only OAuth2 flows need a person's consent
/// (authorization code, implicit, OpenID Connect), whose token the caller brings; or `None`.
fn http_auth_tokens(doc: &Value) -> proc_macro2::TokenStream {
    let schemes: Vec<&Value> = doc
        .pointer("/components/securitySchemes")
        .and_then(Value::as_object)
        .into_iter()
        .flat_map(|m| m.values())
        .collect();
    let scheme = schemes
        .iter()
        .filter(|s| s.get("type").and_then(Value::as_str) == Some("http"))
        .find_map(|s| s.get("scheme").and_then(Value::as_str))
        .map(str::to_ascii_lowercase);
    // A token only a person's consent gives (OAuth2 authorization code or implicit, OpenID
    // Connect) is one the caller brings: sent as a bearer token, as the flows' tokens are.
    let flows_run_here = schemes.iter().any(|s| {
        s.get("flows")
            .and_then(Value::as_object)
            .is_some_and(|f| f.contains_key("clientCredentials") || f.contains_key("password"))
    });
    let consent_only = !flows_run_here
        && schemes.iter().any(|s| {
            matches!(
                s.get("type").and_then(Value::as_str),
                Some("oauth2" | "openIdConnect")
            )
        });
    match scheme.as_deref() {
        Some("basic") => quote! { ::std::option::Option::Some(::bank_runtime::HttpAuth::Basic) },
        Some("bearer") => quote! { ::std::option::Option::Some(::bank_runtime::HttpAuth::Bearer) },
        _ if consent_only => {
            quote! { ::std::option::Option::Some(::bank_runtime::HttpAuth::Bearer) }
        }
        _ => quote! { ::std::option::Option::None },
    }
}

/// `pub mod signing`: when operations carry `x-signature-header` (set by a fix), the header the
/// runtime signs their bodies in (which operations: `Operation::signed`); otherwise none.
fn signing_tokens(doc: &Value) -> proc_macro2::TokenStream {
    let header =
        operations(doc).find_map(|op| op.op.get(ext::SIGNATURE_HEADER).and_then(Value::as_str));
    let Some(header) = header else {
        return quote! {
            /// Request bodies to sign: none in this spec.
            pub mod signing {
                /// No signing.
                pub const SPEC: ::std::option::Option<::bank_runtime::SigningSpec> = None;
            }
        };
    };
    quote! {
        /// How request bodies are signed, from the spec (`x-signature-header`; which operations:
        /// [`Operation::signed`](super::operations::Operation::signed)).
        pub mod signing {
            /// The header that carries the signature.
            pub const HEADER: &str = #header;
            /// The header, for the runtime.
            pub const SPEC: ::std::option::Option<::bank_runtime::SigningSpec> =
                Some(::bank_runtime::SigningSpec { header: HEADER });
        }
    }
}
