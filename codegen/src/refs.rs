//! `$ref` resolution: every local reference must point at something.

use std::path::Path;

use serde_json::Value;

use crate::error::{Error, Result};

/// Check every `$ref` in the document; report the first dangling one with its location.
pub fn check(path: &Path, doc: &Value) -> Result<()> {
    crate::json::visit_objects(doc, &mut |map, pointer| {
        let Some(r) = map.get("$ref") else {
            return Ok(());
        };
        let Some(target) = r.as_str() else {
            return Err(Error::invalid(
                path,
                format!("{pointer}/$ref"),
                "`$ref` must be a string",
            ));
        };
        let resolves = match target.strip_prefix('#') {
            Some(p) => doc.pointer(p).is_some(),
            None => false,
        };
        if !resolves {
            return Err(Error::DanglingRef {
                path: path.to_path_buf(),
                pointer: format!("{pointer}/$ref"),
                target: target.to_owned(),
            });
        }
        Ok(())
    })
}

/// The node a local `$ref` names (one step), or `v` itself when it is no reference or the
/// reference does not resolve (`check` reports those).
pub fn deref<'a>(doc: &'a Value, v: &'a Value) -> &'a Value {
    match v
        .get("$ref")
        .and_then(Value::as_str)
        .and_then(|r| r.strip_prefix('#'))
    {
        Some(pointer) => doc.pointer(pointer).unwrap_or(v),
        None => v,
    }
}
