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
    /// Which request bodies are signed, when any are.
    pub signing: Option<SigningSpec>,
    /// Operations other than GET that are safe to repeat (`x-idempotent`), by method name.
    pub idempotent_operations: &'static [&'static str],
    /// How the bank refuses inside a successful answer (`x-refusal`), when it does.
    pub refusal: Option<RefusalSpec>,
    /// The path parameter that carries the client id (`x-client-id-path-parameter`;
    /// FinancialAPI: `appid`). Generated builders start with the [`Context`](crate::Context)'s
    /// client id in it.
    pub client_id_path_parameter: Option<&'static str>,
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
    /// Whether a 2xx body is a refusal.
    pub fn refuses(&self, body: &[u8]) -> bool {
        serde_json::from_slice::<serde_json::Value>(body)
            .ok()
            .and_then(|v| v.get(self.property).and_then(serde_json::Value::as_bool))
            == Some(self.equals)
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

/// Which request bodies are signed, and in which header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SigningSpec {
    /// The header carrying the signature.
    pub header: &'static str,
    /// The operations whose body is signed, by method name.
    pub operations: &'static [&'static str],
}

impl ApiSpec {
    /// The base URL of the environment named `name` (`production`, `test`, …).
    pub fn server(&self, name: &str) -> Option<&'static str> {
        self.servers
            .iter()
            .find(|(env, _)| *env == name)
            .map(|(_, url)| *url)
    }
}
