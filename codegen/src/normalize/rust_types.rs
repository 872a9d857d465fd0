//! `x-rust-type` on the schemas the runtime holds exactly: numbers as `Decimal`
//! ([`mark_numbers`]; `DecimalParam` in parameters, [`mark_number_parameters`]) and the formats
//! table's date layouts ([`mark_formats`]).

use serde_json::{Value, json};

use bank_openapi::ext;
use bank_openapi::formats;
use bank_openapi::walk::visit_objects_mut;

use super::{RUNTIME_CRATE, RUNTIME_VERSION};
use crate::load::escape_pointer;

/// The `x-rust-type` value naming the runtime's type `name`.
fn rust_type(name: &str) -> Value {
    json!({
        "crate": RUNTIME_CRATE,
        "version": RUNTIME_VERSION,
        "path": format!("{}::{name}", RUNTIME_CRATE.replace('-', "_")),
    })
}

/// Query, path and header values are written as text (`serde_urlencoded`, `to_string`), where an
/// exact decimal cannot be a JSON number: with `exact-numbers`, `type: number` parameters —
/// operation, path-item and `components/parameters` ones — become `bank_runtime::DecimalParam`
/// (sent as its exact text); without it they stay `f64`.
pub(super) fn mark_number_parameters(doc: &mut Value) {
    let mut places: Vec<String> = vec!["/components/parameters".to_owned()];
    for (route, item) in doc
        .get("paths")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
    {
        let base = format!("/paths/{}", escape_pointer(route));
        places.push(format!("{base}/parameters"));
        for method in item.as_object().into_iter().flatten().map(|(m, _)| m) {
            places.push(format!("{base}/{}/parameters", escape_pointer(method)));
        }
    }
    for place in places {
        let Some(holder) = doc.pointer_mut(&place) else {
            continue;
        };
        let params: Vec<&mut Value> = match holder {
            Value::Array(list) => list.iter_mut().collect(),
            Value::Object(map) => map.values_mut().collect(),
            _ => continue,
        };
        for p in params {
            if let Some(schema) = p.get_mut("schema").and_then(Value::as_object_mut)
                && schema.get("type") == Some(&json!("number"))
                && !schema.contains_key(ext::RUST_TYPE)
            {
                schema.insert("format".into(), json!(formats::DECIMAL.name));
                schema.insert(ext::RUST_TYPE.into(), rust_type("DecimalParam"));
            }
        }
    }
}

/// Every schema with `type: number` (any format) becomes `bank_runtime::Decimal`.
pub(super) fn mark_numbers(v: &mut Value) {
    visit_objects_mut(v, &mut |map| {
        if map.get("type") == Some(&json!("number")) && !map.contains_key(ext::RUST_TYPE) {
            map.insert("format".into(), json!(formats::DECIMAL.name));
            map.insert(
                ext::RUST_TYPE.into(),
                rust_type(formats::DECIMAL.runtime_type.unwrap_or("Decimal")),
            );
        }
    });
}

/// Every schema whose `type` and `format` the formats table gives a runtime type (the banks' date
/// layouts) gets that type.
pub(super) fn mark_formats(v: &mut Value) {
    visit_objects_mut(v, &mut |map| {
        let (Some(Value::String(ty)), Some(Value::String(format))) =
            (map.get("type"), map.get("format"))
        else {
            return;
        };
        // The formats table says which runtime type holds each format exactly.
        if let Some(rust) = formats::find(format)
            .filter(|f| f.json_type == ty)
            .and_then(|f| f.runtime_type)
            && !map.contains_key(ext::RUST_TYPE)
        {
            let rt = rust_type(rust);
            map.insert(ext::RUST_TYPE.into(), rt);
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn number_parameters_are_exact_text_refs_included() {
        let mut doc = json!({
            "paths": {"/q/{amount}": {
                "parameters": [{"name": "amount", "in": "path", "required": true, "schema": {"type": "number"}}],
                "get": {"parameters": [
                    {"name": "rate", "in": "query", "schema": {"type": "number", "format": "double"}},
                    {"$ref": "#/components/parameters/Fee"}
                ]}
            }},
            "components": {
                "parameters": {"Fee": {"name": "fee", "in": "query", "schema": {"type": "number"}}},
                "schemas": {"Total": {"type": "number"}}
            }
        });
        mark_number_parameters(&mut doc);
        mark_numbers(&mut doc);
        let rust = |p: &str| {
            doc.pointer(p)
                .and_then(|s| s[ext::RUST_TYPE]["path"].as_str())
                .map(str::to_owned)
        };
        assert_eq!(
            rust("/paths/~1q~1{amount}/parameters/0/schema").as_deref(),
            Some("bank_runtime::DecimalParam")
        );
        assert_eq!(
            rust("/paths/~1q~1{amount}/get/parameters/0/schema").as_deref(),
            Some("bank_runtime::DecimalParam")
        );
        assert_eq!(
            rust("/components/parameters/Fee/schema").as_deref(),
            Some("bank_runtime::DecimalParam")
        );
        assert_eq!(
            rust("/components/schemas/Total").as_deref(),
            Some("bank_runtime::Decimal"),
            "bodies stay JSON numbers"
        );
    }
}
