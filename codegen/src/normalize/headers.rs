//! Header parameters named in lower case ([`lowercase_header_names`]).

use std::path::Path;

use serde_json::Value;

use crate::error::{Error, Result};
use crate::load::escape_pointer;
use crate::paths::METHODS;

/// Whether `c` may appear in an HTTP header name (RFC 9110 `tchar`).
fn is_token_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || "!#$%&'*+-.^_`|~".contains(c)
}

/// Header parameters (`in: header`, of operations, path items and `components/parameters`) get
/// their names in lower case (`Xero-Tenant-Id` → `xero-tenant-id`), each change recorded as a
/// choice: header names are case-insensitive on the wire, and the HTTP library the generated code
/// sends them with takes a name as written only in lower case (progenitor's
/// `header_map.append("Xero-Tenant-Id", …)` panics at the first call otherwise). A name no header
/// can have (a space, a colon, non-ASCII) is a located error.
pub(super) fn lowercase_header_names(path: &Path, doc: &mut Value) -> Result<()> {
    let mut lists: Vec<String> = vec!["/components/parameters".to_owned()];
    if let Some(paths) = doc.get("paths").and_then(Value::as_object) {
        for (route, item) in paths {
            let at = format!("/paths/{}", escape_pointer(route));
            lists.push(format!("{at}/parameters"));
            if let Some(item) = item.as_object() {
                for method in item.keys().filter(|k| METHODS.contains(&k.as_str())) {
                    lists.push(format!("{at}/{method}/parameters"));
                }
            }
        }
    }
    let mut choices = Vec::new();
    for list in lists {
        let Some(found) = doc.pointer_mut(&list) else {
            continue;
        };
        // `parameters` lists are arrays; `components/parameters` is a map.
        let entries: Vec<(String, &mut Value)> = match found {
            Value::Array(items) => items
                .iter_mut()
                .enumerate()
                .map(|(i, p)| (format!("{list}/{i}"), p))
                .collect(),
            Value::Object(map) => map
                .iter_mut()
                .map(|(k, p)| (format!("{list}/{}", escape_pointer(k)), p))
                .collect(),
            _ => continue,
        };
        for (at, parameter) in entries {
            if parameter.get("in").and_then(Value::as_str) != Some("header") {
                continue;
            }
            let Some(name) = parameter.get("name").and_then(Value::as_str) else {
                continue;
            };
            if name.is_empty() || !name.chars().all(is_token_char) {
                return Err(Error::Invalid {
                    path: path.to_path_buf(),
                    pointer: format!("{at}/name"),
                    message: format!(
                        "`{}` cannot be an HTTP header name (letters, digits and !#$%&'*+-.^_`|~ only); rename it with a fix",
                        name.escape_debug()
                    ),
                });
            }
            let lower = name.to_ascii_lowercase();
            if lower != name {
                choices.push((
                    format!("{at}/name"),
                    format!(
                        "header `{name}` sent as `{lower}` (header names are case-insensitive; the HTTP library takes them in lower case)"
                    ),
                ));
                parameter["name"] = Value::String(lower);
            }
        }
    }
    for (at, choice) in choices {
        super::record(doc, at, choice);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn header_names_are_lower_case_and_impossible_ones_are_located() {
        let mut doc = json!({
            "components": {"parameters": {"tenant": {"name": "Xero-Tenant-Id", "in": "header"}}},
            "paths": {"/things": {
                "parameters": [{"name": "X-Trace", "in": "header"}],
                "get": {"parameters": [
                    {"name": "Idempotency-Key", "in": "header"},
                    {"name": "Page", "in": "query"},
                    {"$ref": "#/components/parameters/tenant"}
                ]}
            }}
        });
        lowercase_header_names(Path::new("t.yaml"), &mut doc).expect("valid names");
        assert_eq!(
            doc["components"]["parameters"]["tenant"]["name"],
            "xero-tenant-id"
        );
        assert_eq!(doc["paths"]["/things"]["parameters"][0]["name"], "x-trace");
        let op = &doc["paths"]["/things"]["get"]["parameters"];
        assert_eq!(op[0]["name"], "idempotency-key");
        assert_eq!(op[1]["name"], "Page", "a query parameter keeps its case");
        let choices = super::super::test_choices(&doc);
        assert_eq!(choices.len(), 3, "{choices:?}");
        assert!(
            choices.contains(&"/paths/~1things/get/parameters/0/name — header `Idempotency-Key` sent as `idempotency-key` (header names are case-insensitive; the HTTP library takes them in lower case)".to_owned()),
            "{choices:?}"
        );

        let mut bad = json!({"paths": {"/x": {"get": {"parameters": [
            {"name": "Bad Name", "in": "header"}
        ]}}}});
        let err = lowercase_header_names(Path::new("t.yaml"), &mut bad).expect_err("a space");
        let text = err.to_string();
        assert!(text.contains("/paths/~1x/get/parameters/0/name"), "{text}");
        assert!(text.contains("cannot be an HTTP header name"), "{text}");
    }
}
