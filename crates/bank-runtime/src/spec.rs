//! [`ApiSpec`]: what the runtime and the facade need to know about one API, generated into its
//! client crate as `SPEC` from the normalised document (servers, OAuth2, signed and idempotent
//! operations). Every generated crate has one, with empty parts where its document has nothing,
//! so code over the banks reads them all the same way.

/// One API's facts, as its document declares them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ApiSpec {
    /// The API's name (its crate's name: `bcc-financial`), in logs and errors.
    pub name: &'static str,
    /// Base URLs per environment as `(x-environment, URL)`, in the document's order.
    pub servers: &'static [(&'static str, &'static str)],
    /// The OAuth2 flow, when the document declares one.
    pub oauth2: Option<OAuth2Spec>,
    /// HTTP authentication (`type: http`), when the document declares it (an OAuth2 flow, when
    /// there is one too, is what clients use for calls).
    pub http_auth: Option<HttpAuth>,
    /// Which request bodies are signed, when any are.
    pub signing: Option<SigningSpec>,
    /// How the bank refuses inside a successful answer (`x-refusal`), when it does.
    pub refusal: Option<RefusalSpec>,
    /// The path parameter that carries the client id (`x-client-id-path-parameter`;
    /// FinancialAPI: `appid`). Generated builders start with the [`Context`](crate::Context)'s
    /// client id in it.
    pub client_id_path_parameter: Option<&'static str>,
    /// Every operation with its parameters, for tools that call operations by name (the CLI).
    pub operations: &'static [OperationSpec],
}

/// One operation of the document, as a tool calling it by name needs it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OperationSpec {
    /// The `operationId` (`createOrder`).
    pub id: &'static str,
    /// The client's method name (`create_order`).
    pub name: &'static str,
    /// `GET`, `POST`, …
    pub method: &'static str,
    /// The path template below the base URL (`/{appid}/accounts`).
    pub path: &'static str,
    /// The summary (or the first line of the description).
    pub summary: &'static str,
    /// Path, query and header parameters, path-item ones included.
    pub parameters: &'static [ParameterSpec],
    /// A JSON request body: `Some(required)`, or `None` without one.
    pub body: Option<bool>,
    /// An envelope operation: `{id, params}` in, `{id, result, error}` out, where an `error` in a
    /// 2xx answer is the bank's refusal (BaaS Gateway).
    pub envelope: bool,
    /// A 2xx answer of this operation is the API's refusal schema ([`ApiSpec::refusal`]), so
    /// the call path looks for a refusal in it; other answers are looked at only when they do
    /// not read as their documented type.
    pub refusal: bool,
    /// The document marks it safe to repeat although its method is not (`x-idempotent`: a
    /// read-only lookup sent as POST); GET, HEAD and OPTIONS are repeatable without it.
    pub idempotent: bool,
    /// Its request body must be signed ([`ApiSpec::signing`] names the header).
    pub signed: bool,
}

/// One parameter of an operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ParameterSpec {
    /// Its name in the request (`dateFrom`).
    pub name: &'static str,
    /// `path`, `query` or `header`.
    pub location: &'static str,
    /// Whether the operation requires it.
    pub required: bool,
    /// Its description (may be empty).
    pub description: &'static str,
}

/// A refusal inside a 2xx answer: the top-level `property` of the JSON body equals `equals`
/// (BCC FinancialAPI: `success: false`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RefusalSpec {
    /// The property (`success`).
    pub property: &'static str,
    /// The value that means "refused" (`false`).
    pub equals: bool,
}

impl RefusalSpec {
    /// Whether a 2xx body is a refusal. Reads only the top-level `property`: the other values
    /// are skipped, not built (this runs on every successful answer of the API).
    pub fn refuses(&self, body: &[u8]) -> bool {
        let mut deserializer = serde_json::Deserializer::from_slice(body);
        let found =
            match serde::Deserializer::deserialize_any(&mut deserializer, Probe(self.property)) {
                Ok(found) => found,
                // Keys with escapes cannot be borrowed: read the whole value instead.
                Err(_) => serde_json::from_slice::<serde_json::Value>(body)
                    .ok()
                    .and_then(|v| v.get(self.property).and_then(serde_json::Value::as_bool)),
            };
        found == Some(self.equals)
    }
}

/// An OAuth2 flow as the document declares it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OAuth2Spec {
    /// The token endpoint: a full URL, or a path on the API's base URL when it starts with `/`.
    pub token_url: &'static str,
    /// The grant.
    pub grant: Grant,
    /// The scopes.
    pub scopes: &'static [&'static str],
}

impl OAuth2Spec {
    /// The token URL for an API served at `base`: the document's URL, or its path on `base`.
    pub fn token_url_on(&self, base: &str) -> String {
        if self.token_url.starts_with('/') {
            format!("{}{}", base.trim_end_matches('/'), self.token_url)
        } else {
            self.token_url.to_owned()
        }
    }
}

/// An OAuth2 grant type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Grant {
    /// `client_credentials`: the client id and secret only.
    ClientCredentials,
    /// `password`: the client plus a user's login and password.
    Password,
}

/// An HTTP authentication scheme a document declares (`type: http`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HttpAuth {
    /// `scheme: basic`: a login and password on every request.
    Basic,
    /// `scheme: bearer`: a token the caller holds, on every request; also an OAuth2 flow only a
    /// person's consent runs (authorization code, implicit, OpenID Connect), whose access token
    /// the caller obtains and brings.
    Bearer,
}

/// How request bodies are signed: the header (which operations: [`OperationSpec::signed`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SigningSpec {
    /// The header carrying the signature.
    pub header: &'static str,
}

/// An operation name the API's document does not list: what was given and the API.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownOperation {
    /// The API (`globus-cfront`).
    pub api: &'static str,
    /// The name given.
    pub given: String,
}

impl std::fmt::Display for UnknownOperation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} has no operation `{}` (give its operationId or the client's method name)",
            self.api,
            self.given.escape_debug()
        )
    }
}

impl std::error::Error for UnknownOperation {}

impl OperationSpec {
    /// Safe to send again: its method is ([`REPEATABLE_METHODS`](crate::retry::REPEATABLE_METHODS))
    /// or the document marks it idempotent.
    pub fn repeatable(&self) -> bool {
        self.idempotent || crate::retry::REPEATABLE_METHODS.contains(&self.method)
    }
}

impl ApiSpec {
    /// Whether `op` is the API's own token endpoint (the document lists it as an operation, as
    /// BaaS's `getToken` is): clients get tokens through their token cache, never by calling it.
    pub fn is_token_operation(&self, op: &OperationSpec) -> bool {
        self.oauth2
            .is_some_and(|o| o.token_url.starts_with('/') && o.token_url == op.path)
    }

    /// The operation named `name`: its `operationId` (`createOrder`) or the client's method name
    /// (`create_order`).
    pub fn operation(&self, name: &str) -> Result<&'static OperationSpec, UnknownOperation> {
        self.operations
            .iter()
            .find(|o| o.id == name || o.name == name)
            .ok_or_else(|| UnknownOperation {
                api: self.name,
                given: name.to_owned(),
            })
    }

    /// The base URL of the environment named `name` (`production`, `test`, …).
    pub fn server(&self, name: &str) -> Option<&'static str> {
        self.servers
            .iter()
            .find(|(env, _)| *env == name)
            .map(|(_, url)| *url)
    }
}

/// Finds the boolean value of one top-level property of a JSON object, skipping the rest.
struct Probe(&'static str);

impl<'de> serde::de::Visitor<'de> for Probe {
    type Value = Option<bool>;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "a JSON object")
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Option<bool>, A::Error> {
        let mut found = None;
        while let Some(key) = map.next_key::<&'de str>()? {
            if key == self.0 {
                found = map.next_value::<Option<bool>>().unwrap_or(None);
                if found.is_none() {
                    return Ok(None);
                }
            } else {
                map.next_value::<serde::de::IgnoredAny>()?;
            }
        }
        Ok(found)
    }

    fn visit_unit<E>(self) -> Result<Option<bool>, E> {
        Ok(None)
    }

    fn visit_bool<E>(self, _: bool) -> Result<Option<bool>, E> {
        Ok(None)
    }

    fn visit_i64<E>(self, _: i64) -> Result<Option<bool>, E> {
        Ok(None)
    }

    fn visit_u64<E>(self, _: u64) -> Result<Option<bool>, E> {
        Ok(None)
    }

    fn visit_f64<E>(self, _: f64) -> Result<Option<bool>, E> {
        Ok(None)
    }

    fn visit_str<E>(self, _: &str) -> Result<Option<bool>, E> {
        Ok(None)
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, _: A) -> Result<Option<bool>, A::Error> {
        Ok(None)
    }
}

#[cfg(test)]
mod tests {
    use super::RefusalSpec;

    #[test]
    fn a_refusal_is_read_from_the_top_level_property_only() {
        let spec = RefusalSpec {
            property: "success",
            equals: false,
        };
        for (body, refused) in [
            (r#"{"success": false, "code": 1}"#, true),
            (
                r#"{"code": 1, "nested": {"success": false}, "success": false}"#,
                true,
            ),
            (r#"{"success": true}"#, false),
            (r#"{"nested": {"success": false}}"#, false),
            (r#"{"success": "false"}"#, false),
            (r#"{"succ\u0065ss": false}"#, true),
            (r#"[{"success": false}]"#, false),
            ("not json", false),
            ("", false),
            (r#"{"success": false"#, false),
        ] {
            assert_eq!(spec.refuses(body.as_bytes()), refused, "{body}");
        }
    }
}
