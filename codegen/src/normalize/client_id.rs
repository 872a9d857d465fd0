//! The client-id path parameter, checked and recorded at the root ([`client_id_prefix`]).

use std::path::Path;

use bank_openapi::ext;
use serde_json::Value;

use crate::error::{Error, Result};
use crate::load::escape_pointer;
use crate::paths::operations;

/// Check that the client-id parameter is a path parameter of at least one operation, and record
/// it at the root: the generated builders then start with the client's id in it.
pub(super) fn client_id_prefix(path: &Path, doc: &mut Value, name: &str) -> Result<()> {
    let found = operations(doc).any(|o| {
        let mut params: Vec<&Value> =
            o.op.get("parameters")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .collect();
        if let Some(item) = doc
            .pointer(&format!("/paths/{}/parameters", escape_pointer(o.route)))
            .and_then(Value::as_array)
        {
            params.extend(item);
        }
        params.into_iter().any(|p| {
            let p = bank_openapi::refs::deref(doc, p);
            p.get("in").and_then(Value::as_str) == Some("path")
                && p.get("name").and_then(Value::as_str) == Some(name)
        })
    });
    if !found {
        return Err(Error::invalid(
            path,
            "/paths",
            format!(
                "api.toml names `{name}` as the client-id path parameter, but no operation has a path parameter `{name}`"
            ),
        ));
    }
    if let Some(root) = doc.as_object_mut() {
        root.insert(
            ext::CLIENT_ID_PATH_PARAMETER.into(),
            Value::String(name.to_owned()),
        );
    }
    Ok(())
}
