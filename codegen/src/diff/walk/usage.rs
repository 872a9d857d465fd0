//! Which operations use which component schema, and in which direction: a graph of the `$ref`s
//! directly inside each component, walked from each operation's parameters, request body,
//! responses and callbacks.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use super::paths::operations_of;
use super::{EMPTY, obj};
use crate::diff::rules::Direction;

/// For every component schema (`#/components/schemas/X`), the operations that use it, by the
/// direction they use it in, from both documents.
///
/// Each component's direct references are collected once; an operation's reach is then a walk
/// over that graph, not over the document, so the cost stays linear in the document's size plus
/// operations × schemas they reach.
pub(super) fn usage(
    old: &Value,
    new: &Value,
) -> BTreeMap<String, BTreeMap<Direction, BTreeSet<String>>> {
    let mut out: BTreeMap<String, BTreeMap<Direction, BTreeSet<String>>> = BTreeMap::new();
    for doc in [old, new] {
        let graph = component_graph(doc);
        for (route, item) in obj(doc.get("paths").unwrap_or(EMPTY)) {
            for (label, _, op) in operations_of(route, item) {
                let mut request = Vec::new();
                request.extend(item.get("parameters"));
                request.extend(op.get("parameters"));
                request.extend(op.get("requestBody"));
                let mut response = Vec::new();
                response.extend(op.get("responses"));
                response.extend(op.get("callbacks"));
                for (dir, roots) in [
                    (Direction::Request, request),
                    (Direction::Response, response),
                ] {
                    for name in reachable(doc, &graph, &roots) {
                        out.entry(name.to_owned())
                            .or_default()
                            .entry(dir)
                            .or_default()
                            .insert(label.clone());
                    }
                }
            }
        }
    }
    out
}

/// Every `$ref` string directly inside `v` (not following them).
fn direct_refs<'v>(v: &'v Value, out: &mut BTreeSet<&'v str>) {
    match v {
        Value::Object(m) => {
            if let Some(r) = m.get("$ref").and_then(Value::as_str) {
                out.insert(r);
            }
            for child in m.values() {
                direct_refs(child, out);
            }
        }
        Value::Array(a) => a.iter().for_each(|c| direct_refs(c, out)),
        _ => {}
    }
}

/// For each component of any kind (`#/components/<kind>/<name>`), the refs directly inside it.
fn component_graph(doc: &Value) -> BTreeMap<String, BTreeSet<&str>> {
    let mut graph = BTreeMap::new();
    for (kind, entries) in obj(doc.get("components").unwrap_or(EMPTY)) {
        for (name, value) in obj(entries) {
            let mut refs = BTreeSet::new();
            direct_refs(value, &mut refs);
            graph.insert(format!("#/components/{kind}/{name}"), refs);
        }
    }
    graph
}

/// Every `#/components/schemas/…` reachable from `roots`, through any `$ref`.
fn reachable<'g>(
    doc: &Value,
    graph: &'g BTreeMap<String, BTreeSet<&str>>,
    roots: &[&Value],
) -> BTreeSet<&'g str> {
    let _ = doc;
    let mut start = BTreeSet::new();
    for root in roots {
        direct_refs(root, &mut start);
    }
    let mut seen: BTreeSet<&'g str> = BTreeSet::new();
    let mut stack: Vec<&'g str> = start
        .into_iter()
        .filter_map(|r| graph.get_key_value(r).map(|(k, _)| k.as_str()))
        .collect();
    while let Some(r) = stack.pop() {
        if !seen.insert(r) {
            continue;
        }
        for next in graph.get(r).into_iter().flatten() {
            if let Some((k, _)) = graph.get_key_value(*next)
                && !seen.contains(k.as_str())
            {
                stack.push(k.as_str());
            }
        }
    }
    seen.retain(|r| r.starts_with("#/components/schemas/"));
    seen
}
