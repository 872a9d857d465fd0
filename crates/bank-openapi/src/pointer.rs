//! JSON pointers (RFC 6901).

/// Escape one reference token: `~` → `~0`, `/` → `~1`.
pub fn escape(token: &str) -> String {
    token.replace('~', "~0").replace('/', "~1")
}

/// Unescape one reference token: `~1` → `/`, `~0` → `~` (in that order, as RFC 6901 says).
pub fn unescape(token: &str) -> String {
    token.replace("~1", "/").replace("~0", "~")
}

/// `pointer` with one more token, escaped.
pub fn join(pointer: &str, token: &str) -> String {
    format!("{pointer}/{}", escape(token))
}

/// The unescaped tokens of a pointer (`/a~1b/c` → `["a/b", "c"]`); none for `""`.
pub fn tokens(pointer: &str) -> Vec<String> {
    if pointer.is_empty() {
        return Vec::new();
    }
    pointer
        .trim_start_matches('/')
        .split('/')
        .map(unescape)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_the_two_escapes() {
        let token = "a/b~c";
        assert_eq!(escape(token), "a~1b~0c");
        assert_eq!(unescape(&escape(token)), token);
        assert_eq!(unescape("~01"), "~1", "~0 is undone last");
        assert_eq!(
            tokens(&join("/paths", "/orders/{id}")),
            ["paths", "/orders/{id}"]
        );
        assert!(tokens("").is_empty());
    }
}
