//! Operation ids where the document has none ([`derive_operation_ids`]).

use bank_openapi::ext;
use serde_json::{Value, json};

use crate::paths::METHODS;

/// Operations without an `operationId` get one from their path: `/pre-approved` → `pre_approved`,
/// prefixed with the method only when the path has more than one operation.
pub(super) fn derive_operation_ids(doc: &mut Value) {
    let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) else {
        return;
    };
    for (route, item) in paths.iter_mut() {
        let Some(item) = item.as_object_mut() else {
            continue;
        };
        let count = item
            .keys()
            .filter(|k| METHODS.contains(&k.as_str()))
            .count();
        for (method, op) in item.iter_mut() {
            if !METHODS.contains(&method.as_str()) {
                continue;
            }
            let Some(op) = op.as_object_mut() else {
                continue;
            };
            if op.contains_key("operationId") {
                continue;
            }
            let stem: Vec<String> = route
                .split('/')
                .filter(|s| !s.is_empty() && !s.starts_with('{'))
                .map(|s| s.replace(['-', '.'], "_").to_lowercase())
                .collect();
            let stem = if stem.is_empty() {
                "root".to_owned()
            } else {
                stem.join("_")
            };
            let id = if count > 1 {
                format!("{method}_{stem}")
            } else {
                stem
            };
            op.insert("operationId".into(), json!(id));
            op.insert(
                ext::OPERATION_ID_DERIVED.into(),
                json!(format!("derived from `{} {route}`", method.to_uppercase())),
            );
        }
    }
}
