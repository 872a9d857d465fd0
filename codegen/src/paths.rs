//! Walking the operations of an OpenAPI document: [`bank_openapi::operations`], re-exported for
//! the generator's modules, and an operation's parameters as they apply to it.

pub use bank_openapi::operations::*;

use serde_json::Value;

/// The parameters that apply to `op`: its path item's first, each replaced by the operation's
/// own of the same name and place; `$ref`s followed (an unresolvable one is left out).
pub fn parameters<'a>(doc: &'a Value, op: &Operation<'a>) -> Vec<&'a Value> {
    let item = doc.pointer(&format!(
        "/paths/{}",
        bank_openapi::pointer::escape(op.route)
    ));
    let mut out: Vec<&Value> = Vec::new();
    let lists = [
        item.and_then(|i| i.get("parameters")),
        op.op.get("parameters"),
    ];
    for p in lists
        .into_iter()
        .flatten()
        .filter_map(Value::as_array)
        .flatten()
    {
        let p = match p.get("$ref").and_then(Value::as_str) {
            Some(r) => match doc.pointer(r.trim_start_matches('#')) {
                Some(target) => target,
                None => continue,
            },
            None => p,
        };
        let key = |v: &Value| (v.get("name").cloned(), v.get("in").cloned());
        out.retain(|kept| key(kept) != key(p));
        out.push(p);
    }
    out
}
