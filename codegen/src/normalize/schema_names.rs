//! Component schemas that would share a Rust name, renamed ([`rename_colliding_schemas`]).

use std::collections::BTreeSet;

use serde_json::{Map, Value};

use bank_openapi::walk::visit_objects_mut;

use super::record;
use crate::load::escape_pointer;

/// Component schemas whose names give one Rust name (`OBRate1_0` and `OB_Rate1_0` are both
/// `ObRate10`): the later ones, in name order, are renamed (`OB_Rate1_0_2`) and every `$ref` to
/// them follows. A component whose `title` is its own name loses the title (typify would
/// otherwise wrap the type in itself). Recorded ([`CHOICES`](bank_openapi::ext::CHOICES)).
pub(super) fn rename_colliding_schemas(doc: &mut Value) {
    let rust = crate::naming::type_name;
    let inline = inline_type_names(doc);
    let mut inline_clashes: Vec<(String, String)> = Vec::new();
    let Some(schemas) = doc
        .pointer_mut("/components/schemas")
        .and_then(Value::as_object_mut)
    else {
        return;
    };
    let mut choices = Vec::new();
    for (name, schema) in schemas.iter_mut() {
        if let Some(map) = schema.as_object_mut()
            && map
                .get("title")
                .and_then(Value::as_str)
                .is_some_and(|t| rust(t) == rust(name))
        {
            map.remove("title");
            choices.push((
                format!(
                    "/components/schemas/{}/title",
                    crate::load::escape_pointer(name)
                ),
                "a title that is the schema's own name, dropped".to_owned(),
            ));
        }
    }
    let mut names: Vec<String> = schemas.keys().cloned().collect();
    names.sort();
    let mut taken: BTreeSet<String> = BTreeSet::new();
    let mut renames: Vec<(String, String)> = Vec::new();
    for name in &names {
        if let Some(at) = inline.get(&rust(name)) {
            // typify names an inline schema this way too (both types would be declared).
            let new = free_name(name, schemas, &taken, &inline);
            taken.insert(rust(&new));
            inline_clashes.push((name.clone(), at.clone()));
            renames.push((name.clone(), new));
            continue;
        }
        if taken.insert(rust(name)) {
            continue;
        }
        let new = free_name(name, schemas, &taken, &inline);
        taken.insert(rust(&new));
        renames.push((name.clone(), new));
    }
    for (old, new) in &renames {
        if let Some(schema) = schemas.shift_remove(old) {
            schemas.insert(new.clone(), schema);
        }
        let whose = match inline_clashes.iter().find(|(n, _)| n == old) {
            Some((_, at)) => format!("the name typify gives the inline schema at {at}"),
            None => "another schema's".to_owned(),
        };
        choices.push((
            format!("/components/schemas/{}", crate::load::escape_pointer(old)),
            format!(
                "renamed `{new}` (Rust `{}`): its Rust name `{}` is {whose}",
                rust(new),
                rust(old)
            ),
        ));
    }
    if !renames.is_empty() {
        let targets: Vec<(String, String)> = renames
            .iter()
            .map(|(o, n)| {
                (
                    format!("#/components/schemas/{}", crate::load::escape_pointer(o)),
                    format!("#/components/schemas/{}", crate::load::escape_pointer(n)),
                )
            })
            .collect();
        visit_objects_mut(doc, &mut |map| {
            if let Some(Value::String(r)) = map.get_mut("$ref")
                && let Some((_, new)) = targets.iter().find(|(old, _)| old == r)
            {
                *r = new.clone();
            }
        });
    }
    for (at, choice) in choices {
        record(doc, at, choice);
    }
}

/// A schema name `name_2`, `name_3`, … whose Rust name is free.
fn free_name(
    name: &str,
    schemas: &Map<String, Value>,
    taken: &BTreeSet<String>,
    inline: &std::collections::BTreeMap<String, String>,
) -> String {
    let rust = crate::naming::type_name;
    let mut n = 2;
    loop {
        let candidate = format!("{name}_{n}");
        if !schemas.contains_key(&candidate)
            && !taken.contains(&rust(&candidate))
            && !inline.contains_key(&rust(&candidate))
        {
            return candidate;
        }
        n += 1;
    }
}

/// The Rust names typify gives the inline schemas of component properties that become types of
/// their own (objects with properties, string enums, unions, intersections; array items), with
/// the pointer of the first schema named so: `<Parent>_<property>` in Pascal case (`Item` added
/// for an array's items), or the schema's `title`.
fn inline_type_names(doc: &Value) -> std::collections::BTreeMap<String, String> {
    fn makes_type(schema: &Value) -> bool {
        let many = |k: &str| {
            schema
                .get(k)
                .and_then(Value::as_array)
                .is_some_and(|a| a.len() > 1)
        };
        schema.get("$ref").is_none()
            && (schema
                .get("properties")
                .and_then(Value::as_object)
                .is_some_and(|p| !p.is_empty())
                || schema
                    .get("enum")
                    .and_then(Value::as_array)
                    .is_some_and(|e| e.iter().any(Value::is_string))
                || many("oneOf")
                || many("anyOf")
                || many("allOf"))
    }
    fn walk(
        parent: &str,
        schema: &Value,
        at: &str,
        depth: usize,
        out: &mut std::collections::BTreeMap<String, String>,
    ) {
        if depth > 12 {
            return;
        }
        for (prop, p) in schema
            .get("properties")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
        {
            let suggested = crate::naming::inline_type_name(parent, prop);
            let here = format!("{at}/properties/{}", escape_pointer(prop));
            let (schema, suggested, here) = match p.get("items") {
                Some(items) if p.get("type").and_then(Value::as_str) == Some("array") => {
                    (items, format!("{suggested}Item"), format!("{here}/items"))
                }
                _ => (p, suggested, here),
            };
            if !makes_type(schema) {
                continue;
            }
            let name = crate::naming::type_name(
                schema
                    .get("title")
                    .and_then(Value::as_str)
                    .unwrap_or(&suggested),
            );
            out.entry(name.clone()).or_insert_with(|| here.clone());
            walk(&name, schema, &here, depth + 1, out);
        }
    }
    let mut out = std::collections::BTreeMap::new();
    for (name, schema) in doc
        .pointer("/components/schemas")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
    {
        let rust = crate::naming::type_name(name);
        let at = format!("/components/schemas/{}", escape_pointer(name));
        walk(&rust, schema, &at, 0, &mut out);
        // A component that is an array of inline types: typify names its items `<Name>Item`
        // (a `List` of objects declares `ListItem`, as a component `ListItem` would).
        if schema.get("type").and_then(Value::as_str) == Some("array")
            && let Some(items) = schema.get("items")
            && makes_type(items)
        {
            let suggested = format!("{rust}Item");
            let named = crate::naming::type_name(
                items
                    .get("title")
                    .and_then(Value::as_str)
                    .unwrap_or(&suggested),
            );
            let here = format!("{at}/items");
            out.entry(named.clone()).or_insert_with(|| here.clone());
            walk(&named, items, &here, 1, &mut out);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use bank_openapi::ext;
    use serde_json::json;

    #[test]
    fn schemas_with_one_rust_name_are_renamed_and_refs_follow() {
        let mut doc = json!({
            "paths": {"/r": {"get": {"responses": {"200": {"description": "", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/OB_Rate1_0"}}}}}}}},
            "components": {"schemas": {
                "OBRate1_0": {"type": "object"},
                "OB_Rate1_0": {"type": "object", "title": "OB_Rate1_0"},
                "Other": {"$ref": "#/components/schemas/OB_Rate1_0"}
            }}
        });
        rename_colliding_schemas(&mut doc);
        let schemas = doc["components"]["schemas"].as_object().expect("schemas");
        assert!(schemas.contains_key("OBRate1_0") && schemas.contains_key("OB_Rate1_0_2"));
        assert!(!schemas.contains_key("OB_Rate1_0"));
        assert_eq!(
            schemas["Other"]["$ref"],
            "#/components/schemas/OB_Rate1_0_2"
        );
        assert_eq!(
            doc.pointer("/paths/~1r/get/responses/200/content/application~1json/schema/$ref"),
            Some(&json!("#/components/schemas/OB_Rate1_0_2"))
        );
        assert!(
            schemas["OB_Rate1_0_2"].get("title").is_none(),
            "own-name title dropped"
        );
        assert_eq!(doc[ext::CHOICES].as_array().map(Vec::len), Some(2));
    }

    #[test]
    fn a_schema_named_like_another_schemas_inline_type_is_renamed() {
        // `payment_options.card` is an inline union: typify names it `PaymentOptionsCard`, the
        // Rust name of the component `payment_options_card` too.
        let mut doc = json!({"components": {"schemas": {
            "payment_options": {"type": "object", "properties": {
                "card": {"anyOf": [
                    {"$ref": "#/components/schemas/payment_options_card"},
                    {"type": "string"}
                ]},
                "plain": {"$ref": "#/components/schemas/payment_options_card"}
            }},
            "payment_options_card": {"type": "object", "properties": {"brand": {"type": "string"}}}
        }}});
        rename_colliding_schemas(&mut doc);
        assert!(
            doc.pointer("/components/schemas/payment_options_card_2")
                .is_some()
        );
        assert_eq!(
            doc.pointer("/components/schemas/payment_options/properties/plain/$ref"),
            Some(&json!("#/components/schemas/payment_options_card_2"))
        );
        let choice = doc[ext::CHOICES][0]["choice"].as_str().expect("recorded");
        assert!(
            choice.contains("is the name typify gives the inline schema at /components/schemas/payment_options/properties/card"),
            "{choice}"
        );
    }

    #[test]
    fn a_schema_named_like_an_array_components_items_is_renamed() {
        // `List` is an array of inline objects: typify names them `ListItem`, the Rust name of
        // the component `ListItem` too (E0428 at `cargo check` before this rename).
        let mut doc = json!({"components": {"schemas": {
            "Holder": {"type": "object", "properties": {
                "list": {"$ref": "#/components/schemas/List"},
                "item": {"$ref": "#/components/schemas/ListItem"}
            }},
            "List": {"type": "array", "items": {"type": "object", "properties": {"q": {"type": "string"}}}},
            "ListItem": {"type": "object", "properties": {"w": {"type": "string"}}}
        }}});
        rename_colliding_schemas(&mut doc);
        assert!(doc.pointer("/components/schemas/ListItem_2").is_some());
        assert!(doc.pointer("/components/schemas/ListItem").is_none());
        assert_eq!(
            doc.pointer("/components/schemas/Holder/properties/item/$ref"),
            Some(&json!("#/components/schemas/ListItem_2"))
        );
        let choice = doc[ext::CHOICES][0]["choice"].as_str().expect("recorded");
        assert!(
            choice.contains(
                "the name typify gives the inline schema at /components/schemas/List/items"
            ),
            "{choice}"
        );
    }
}
