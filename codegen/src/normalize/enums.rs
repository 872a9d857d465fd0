//! `enum` lists the generators cannot take: tidied ([`tidy_enums`]), or read as a plain string
//! where typify cannot give the values distinct Rust names ([`enums_without_distinct_names`]).

use bank_openapi::ext;
use serde_json::Value;

use super::record;
use crate::naming::type_name;

/// `enum` lists the generators cannot take: a value listed twice (typify panics) is listed once;
/// a `type: string` enum with unquoted numbers or booleans (`[1, 2]`, YAML's `yes`) lists them as
/// the strings they stand for. Recorded ([`ext::CHOICES`](ext::CHOICES)).
pub(super) fn tidy_enums(doc: &mut Value) {
    // Found first (the walk is read-only), then changed by pointer.
    let mut fixes: Vec<(String, Vec<Value>, Vec<String>)> = Vec::new();
    let _ = bank_openapi::walk::visit_objects(doc, &mut |map, at| -> std::result::Result<(), ()> {
        let Some(values) = map.get("enum").and_then(Value::as_array) else {
            return Ok(());
        };
        let is_string = map.get("type").and_then(Value::as_str) == Some("string");
        let mut notes = Vec::new();
        let mut tidy: Vec<Value> = values.clone();
        if is_string && tidy.iter().any(|v| !v.is_string() && !v.is_null()) {
            let before: Vec<String> = tidy.iter().map(Value::to_string).collect();
            for v in tidy.iter_mut() {
                let text = match &*v {
                    Value::String(_) | Value::Null => continue,
                    Value::Number(n) => n.to_string(),
                    Value::Bool(b) => b.to_string(),
                    other => other.to_string(),
                };
                *v = Value::String(text);
            }
            notes.push(format!(
                "values of a string enum read as strings: [{}]",
                before.join(", ")
            ));
        }
        let mut seen: Vec<Value> = Vec::new();
        let mut dropped = Vec::new();
        tidy.retain(|v| {
            if seen.contains(v) {
                dropped.push(v.to_string());
                false
            } else {
                seen.push(v.clone());
                true
            }
        });
        if !dropped.is_empty() {
            notes.push(format!("listed twice, kept once: {}", dropped.join(", ")));
        }
        if !notes.is_empty() {
            fixes.push((at.to_owned(), tidy, notes));
        }
        Ok(())
    });
    for (at, tidy, notes) in fixes {
        if let Some(map) = doc.pointer_mut(&at).and_then(Value::as_object_mut) {
            map.insert("enum".into(), Value::Array(tidy));
        }
        for note in notes {
            record(doc, format!("{at}/enum"), note);
        }
    }
}

/// The values of `values` whose variant names clash after both of typify's namings (the plain
/// one, then the one writing elided characters as `X`); none when it can name them all.
fn clashing_variant_names(values: &[&str]) -> Vec<String> {
    let clashes = |name: &dyn Fn(&str) -> String| {
        let mut seen: std::collections::BTreeMap<String, Vec<&str>> = Default::default();
        for v in values {
            seen.entry(name(v)).or_default().push(v);
        }
        seen.into_values()
            .filter(|vs| vs.len() > 1)
            .flatten()
            .map(str::to_owned)
            .collect::<Vec<_>>()
    };
    if clashes(&type_name).is_empty() {
        return Vec::new();
    }
    clashes(&|v: &str| {
        type_name(&v.replace(
            |c: char| c == '_' || !unicode_ident::is_xid_continue(c),
            "X",
        ))
    })
}

/// A string enum whose values typify cannot give distinct Rust names (`Etc/GMT+1` and
/// `Etc/GMT-1` are both `EtcGmt1`; typify panics) is read as a plain string, its values kept in
/// `x-enum-values`. Recorded ([`ext::CHOICES`](ext::CHOICES)).
pub(super) fn enums_without_distinct_names(doc: &mut Value) {
    let mut found: Vec<(String, Vec<String>)> = Vec::new();
    let _ = bank_openapi::walk::visit_objects(doc, &mut |map, at| -> std::result::Result<(), ()> {
        if at
            .split('/')
            .any(|s| s == "example" || s == "examples" || s == ext::EXAMPLES)
        {
            return Ok(());
        }
        let Some(values) = map.get("enum").and_then(Value::as_array) else {
            return Ok(());
        };
        let strings: Vec<&str> = values.iter().filter_map(Value::as_str).collect();
        let clashing = clashing_variant_names(&strings);
        if !clashing.is_empty() {
            found.push((at.to_owned(), clashing));
        }
        Ok(())
    });
    for (at, clashing) in found {
        if let Some(map) = doc.pointer_mut(&at).and_then(Value::as_object_mut)
            && let Some(values) = map.remove("enum")
        {
            map.insert(ext::ENUM_VALUES.into(), values);
        }
        let shown: Vec<String> = clashing.iter().take(6).map(|v| format!("`{v}`")).collect();
        record(
            doc,
            format!("{at}/enum"),
            format!(
                "enum values that give one Rust name ({}{}): read as a plain string, the values kept in x-enum-values",
                shown.join(", "),
                if clashing.len() > shown.len() {
                    ", …"
                } else {
                    ""
                }
            ),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::normalize::test_choices as choices;
    use serde_json::json;

    #[test]
    fn string_enums_are_tidied_and_recorded() {
        let mut doc = json!({"components": {"schemas": {
            "Code": {"type": "string", "enum": [1, "2", 2, true, "a", "a"]},
            "Level": {"type": "integer", "enum": [1, 1, 2]}
        }}});
        tidy_enums(&mut doc);
        assert_eq!(
            doc["components"]["schemas"]["Code"]["enum"],
            json!(["1", "2", "true", "a"])
        );
        assert_eq!(
            doc["components"]["schemas"]["Level"]["enum"],
            json!([1, 2]),
            "integers stay"
        );
        let choices = doc[ext::CHOICES].as_array().expect("recorded");
        assert_eq!(choices.len(), 3, "{choices:?}");
    }

    #[test]
    fn enums_whose_values_give_one_rust_name_become_plain_strings() {
        let mut doc = json!({"components": {"schemas": {
            "Zone": {"type": "string", "enum": ["Etc/GMT+1", "Etc/GMT-1", "UTC"]},
            "Sign": {"type": "string", "enum": ["a-b", "a_b"]},
            "Fine": {"type": "string", "enum": ["+1", "-1", "one"]}
        }}});
        enums_without_distinct_names(&mut doc);
        let zone = &doc["components"]["schemas"]["Zone"];
        assert!(zone.get("enum").is_none());
        assert_eq!(
            zone[ext::ENUM_VALUES],
            json!(["Etc/GMT+1", "Etc/GMT-1", "UTC"])
        );
        // `a-b` and `a_b`: `AB` both, then `AXb` both.
        assert!(doc["components"]["schemas"]["Sign"].get("enum").is_none());
        assert_eq!(
            doc["components"]["schemas"]["Fine"]["enum"],
            json!(["+1", "-1", "one"])
        );
        let all = choices(&doc);
        assert!(
            all[0].contains("enum values that give one Rust name (`Etc/GMT+1`, `Etc/GMT-1`)"),
            "{all:?}"
        );
    }
}
