//! Where a bank's document contradicts itself: a `format` its own example does not follow.
//!
//! BCC's FinancialAPI declares `format: date` (`yyyy-MM-dd`) on fields whose examples, and whose
//! real values, are `31-03-2020`. A value written the way the document's own example is written
//! follows the bank's real practice; any other layout, a wrong type or a missing required field
//! still breaks the document. `specs/<api>/known-quirks.yaml` lists every such example (a test
//! keeps the list equal to what the document holds).

use serde_json::Value;

use crate::formats;
use crate::validate::{Kind, Violation};

/// Whether `violation` (found validating `value` against `doc`) is a `format` the schema's own
/// `example` breaks in the same way: the value is written in the very layout of the example.
pub fn shown_by_example(doc: &Value, violation: &Violation, value: &Value) -> bool {
    let Kind::Format(_) = &violation.kind else {
        return false;
    };
    let Some(example) = doc
        .pointer(&violation.schema_at)
        .and_then(|s| s.get("example"))
        .and_then(Value::as_str)
    else {
        return false;
    };
    let Some(actual) = value.pointer(&violation.at).and_then(Value::as_str) else {
        return false;
    };
    match (formats::layout_of(example), formats::layout_of(actual)) {
        (Some(documented), Some(written)) => documented.name == written.name,
        _ => false,
    }
}

/// The violations of `violations` that [`shown_by_example`] does not excuse.
pub fn unexcused(doc: &Value, violations: Vec<Violation>, value: &Value) -> Vec<Violation> {
    violations
        .into_iter()
        .filter(|v| !shown_by_example(doc, v, value))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn only_the_examples_own_layout_is_excused() {
        let doc = json!({"components": {"schemas": {"A": {"type": "object", "properties": {
            "d": {"type": "string", "format": "date", "example": "31-03-2020"},
            "n": {"type": "string", "format": "date"}
        }}}}});
        let check = |value: Value| {
            let found = crate::validate::validate_at(&doc, "/components/schemas/A", &value);
            unexcused(&doc, found, &value)
        };
        assert!(check(json!({"d": "01-02-2021"})).is_empty());
        assert_eq!(check(json!({"d": "01.02.2021 10:00:00"})).len(), 1);
        assert_eq!(
            check(json!({"d": 5})).len(),
            1,
            "a wrong type is never excused"
        );
        assert_eq!(
            check(json!({"n": "01-02-2021"})).len(),
            1,
            "no example, no excuse"
        );
        assert!(check(json!({"d": "2021-02-01"})).is_empty());
    }
}
