//! `$ref` resolution: every local reference must point at something.

use std::path::Path;

use serde_json::Value;

use crate::error::{Error, Result};

/// Check every `$ref` in the document; every dangling one is reported at once (one error, or
/// [`Error::Several`]), each with its location.
pub fn check(path: &Path, doc: &Value) -> Result<()> {
    let mut found = Vec::new();
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
            found.push(Error::DanglingRef {
                path: path.to_path_buf(),
                pointer: format!("{pointer}/$ref"),
                target: target.to_owned(),
            });
        }
        Ok(())
    })?;
    match found.len() {
        0 => Ok(()),
        1 => Err(found.remove(0)),
        _ => Err(Error::Several(found)),
    }
}

pub use bank_openapi::refs::deref;
