//! Following local `$ref`s (`#/components/schemas/Order`).

use serde_json::Value;

/// The local pointer a node's `$ref` names (`/components/schemas/Order`), if it has one.
pub fn target(v: &Value) -> Option<&str> {
    v.get("$ref")
        .and_then(Value::as_str)
        .and_then(|r| r.strip_prefix('#'))
}

/// The node a local `$ref` names (one step), or `v` itself when it is no reference or the
/// reference does not resolve (the generator's ref check reports those).
pub fn deref<'a>(doc: &'a Value, v: &'a Value) -> &'a Value {
    match target(v) {
        Some(pointer) => doc.pointer(pointer).unwrap_or(v),
        None => v,
    }
}

/// Follow `$ref`s until a node that is not one (at most 32 steps, so a cycle ends), returning
/// the node and the pointer of the last reference followed (`None` when `v` was no reference).
pub fn resolve<'a>(doc: &'a Value, v: &'a Value) -> (&'a Value, Option<&'a str>) {
    let mut node = v;
    let mut last = None;
    for _ in 0..32 {
        match target(node).and_then(|p| doc.pointer(p).map(|t| (p, t))) {
            Some((pointer, next)) => {
                last = Some(pointer);
                node = next;
            }
            None => break,
        }
    }
    (node, last)
}
