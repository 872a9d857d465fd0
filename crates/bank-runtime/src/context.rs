//! [`Context`]: what a generated client carries besides its base URL and reqwest client.

use std::fmt;
use std::sync::Arc;

/// Per-client runtime state shared by every request of a generated client.
#[derive(Clone, Default)]
pub struct Context {
    inner: Arc<Inner>,
}

#[derive(Default)]
struct Inner {
    api: &'static str,
}

impl Context {
    /// A context for the named API (used in logs and errors).
    pub fn new(api: &'static str) -> Self {
        Context {
            inner: Arc::new(Inner { api }),
        }
    }

    /// The API's name.
    pub fn api(&self) -> &'static str {
        self.inner.api
    }

    /// Prepare a request before it is sent. progenitor adds an `api-version` header carrying
    /// the spec's `info.version`; no bank knows it, so it is removed.
    pub fn prepare(&self, request: &mut reqwest::Request) {
        request.headers_mut().remove("api-version");
    }
}

impl fmt::Debug for Context {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Context")
            .field("api", &self.inner.api)
            .finish()
    }
}
