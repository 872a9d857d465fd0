//! Error responses moved out of the generated view ([`untype_error_responses`]).

use bank_openapi::ext;
use serde_json::{Map, Value};

use crate::paths::METHODS;

/// Move error responses out of the generated view into `x-error-responses`: progenitor then hands
/// every error answer over whole (status, headers, raw body) and the runtime's `BankError` reads
/// it, whatever its shape. (Documented body-less errors would have their body discarded, and
/// documented typed ones would fail to decode an HTML page or an empty 401, losing the status.)
pub(super) fn untype_error_responses(doc: &mut Value) {
    let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) else {
        return;
    };
    for item in paths.values_mut() {
        for (method, op) in item.as_object_mut().into_iter().flatten() {
            if !METHODS.contains(&method.as_str()) {
                continue;
            }
            let Some(op) = op.as_object_mut() else {
                continue;
            };
            let Some(responses) = op.get_mut("responses").and_then(Value::as_object_mut) else {
                continue;
            };
            let errors: Vec<String> = responses
                .keys()
                .filter(|s| bank_openapi::status::is_error(s))
                .cloned()
                .collect();
            if errors.is_empty() || errors.len() == responses.len() {
                continue;
            }
            let mut moved = Map::new();
            for status in errors {
                if let Some(r) = responses.shift_remove(&status) {
                    moved.insert(status, r);
                }
            }
            op.insert(ext::ERROR_RESPONSES.into(), Value::Object(moved));
        }
    }
}
