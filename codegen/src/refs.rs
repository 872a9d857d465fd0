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

pub use bank_openapi::refs::deref;
