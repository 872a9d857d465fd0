//! What a key of a Responses Object means: `200`, `2XX`, `404`, `5XX`, `default`.

/// The class of a response key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Class {
    /// 1xx (informational) or 3xx (redirect).
    Other,
    /// 2xx: the documented success.
    Success,
    /// 4xx or 5xx: an error.
    Error,
    /// `default`: every status not listed, treated as an error answer (the banks document their
    /// successes explicitly).
    Default,
}

impl Class {
    /// Whether the key describes an error answer (4xx, 5xx or `default`).
    pub fn is_error(self) -> bool {
        matches!(self, Class::Error | Class::Default)
    }
}

/// The class of a response key: the first digit decides (`2XX` is a success, `4XX` an error).
pub fn class(key: &str) -> Class {
    match key.as_bytes().first() {
        _ if key == "default" => Class::Default,
        Some(b'2') => Class::Success,
        Some(b'4' | b'5') => Class::Error,
        _ => Class::Other,
    }
}

/// Whether the key is a success (2xx).
pub fn is_success(key: &str) -> bool {
    class(key) == Class::Success
}

/// Whether the key is an error answer (4xx, 5xx, `default`).
pub fn is_error(key: &str) -> bool {
    class(key).is_error()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_classed_by_their_first_digit() {
        assert!(is_success("200") && is_success("2XX") && !is_success("default"));
        assert!(is_error("404") && is_error("5XX") && is_error("default"));
        assert_eq!(class("302"), Class::Other);
    }
}
