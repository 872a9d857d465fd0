//! An operation's parameters, path-level ones merged in: added, removed, moved to another
//! location, required or not, deprecated, documented, and their schemas (request side).

use std::collections::BTreeSet;

use serde_json::Value;

use super::paths::route_params;
use super::{Differ, EMPTY, Site, obj};
use crate::diff::rules::{Direction, RuleId, SchemaChange, Subject};
use crate::load::escape_pointer;

/// A parameter of an operation, path-level ones merged in.
pub(super) struct Param<'a> {
    /// `(in, name)`; path parameters by position (`path`, `#0`) so renames match.
    key: (String, String),
    name: String,
    location: String,
    value: &'a Value,
    pointer: String,
}

pub(super) fn merged_params<'a>(
    doc: &'a Value,
    item: &'a Value,
    op: &'a Value,
    route: &str,
    pointer_route: &str,
    method: &str,
) -> Vec<Param<'a>> {
    let resolve = |v: &'a Value| crate::refs::deref(doc, v);
    let positions = route_params(route);
    let mut out: Vec<Param<'a>> = Vec::new();
    let lists = [
        (
            item.get("parameters"),
            format!("/paths/{}/parameters", escape_pointer(pointer_route)),
        ),
        (op.get("parameters"), String::new()),
    ];
    for (list, base) in lists {
        for (i, raw) in list
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .enumerate()
        {
            let p = resolve(raw);
            let name = p
                .get("name")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned();
            let location = p
                .get("in")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned();
            let key = if location == "path" {
                match positions.iter().position(|n| *n == name) {
                    Some(pos) => ("path".to_owned(), format!("#{pos}")),
                    None => (location.clone(), name.clone()),
                }
            } else {
                (location.clone(), name.clone())
            };
            let pointer = if base.is_empty() {
                format!(
                    "/paths/{}/{method}/parameters/{i}",
                    escape_pointer(pointer_route)
                )
            } else {
                format!("{base}/{i}")
            };
            // Operation-level parameters override path-level ones with the same key.
            out.retain(|q| q.key != key);
            out.push(Param {
                key,
                name,
                location,
                value: p,
                pointer,
            });
        }
    }
    out
}

impl<'a> Differ<'a> {
    pub(super) fn parameters(
        &mut self,
        ops: &[String],
        pointer: &str,
        old: Vec<Param<'a>>,
        new: Vec<Param<'a>>,
    ) {
        for o in &old {
            let same = new.iter().find(|n| n.key == o.key);
            let moved = new.iter().find(|n| {
                n.name == o.name && n.location != o.location && !old.iter().any(|x| x.key == n.key)
            });
            match (same, moved) {
                (Some(n), _) => self.parameter(ops, o, n),
                (None, Some(n)) => {
                    self.emit(
                        RuleId::RequestParameterLocationChanged,
                        ops,
                        n.pointer.clone(),
                        format!(
                            "parameter `{}` moved from {} to {}",
                            o.name, o.location, n.location
                        ),
                    );
                    self.parameter(ops, o, n);
                }
                (None, None) => self.emit(
                    RuleId::RequestParameterRemoved,
                    ops,
                    o.pointer.clone(),
                    format!("{} parameter `{}` removed", o.location, o.name),
                ),
            }
        }
        for n in &new {
            let known = old.iter().any(|o| {
                o.key == n.key || (o.name == n.name && !new.iter().any(|x| x.key == o.key))
            });
            if !known {
                let required = n
                    .value
                    .get("required")
                    .and_then(Value::as_bool)
                    .unwrap_or(false);
                self.emit(
                    if required {
                        RuleId::RequestParameterAddedRequired
                    } else {
                        RuleId::RequestParameterAdded
                    },
                    ops,
                    n.pointer.clone(),
                    format!(
                        "{} {} parameter `{}` added",
                        if required { "required" } else { "optional" },
                        n.location,
                        n.name
                    ),
                );
            }
        }
        let _ = pointer;
    }

    fn parameter(&mut self, ops: &[String], o: &Param<'a>, n: &Param<'a>) {
        let required = |p: &Param| {
            p.value
                .get("required")
                .and_then(Value::as_bool)
                .unwrap_or(false)
        };
        match (required(o), required(n)) {
            (false, true) => self.emit(
                RuleId::RequestParameterBecameRequired,
                ops,
                n.pointer.clone(),
                format!("parameter `{}` became required", n.name),
            ),
            (true, false) => self.emit(
                RuleId::RequestParameterBecameOptional,
                ops,
                n.pointer.clone(),
                format!("parameter `{}` became optional", n.name),
            ),
            _ => {}
        }
        let deprecated = |p: &Param| {
            p.value
                .get("deprecated")
                .and_then(Value::as_bool)
                .unwrap_or(false)
        };
        // The parameter object's own `deprecated` and other keywords are reported under the
        // rules of its schema (`request-parameter-deprecated`, `request-parameter-keyword-changed`).
        if !deprecated(o) && deprecated(n) {
            self.emit(
                RuleId::Schema(
                    Direction::Request,
                    Subject::Parameter,
                    SchemaChange::Deprecated,
                ),
                ops,
                n.pointer.clone(),
                format!("parameter `{}` deprecated", n.name),
            );
        }
        for key in ["description", "example", "examples"] {
            if o.value.get(key) != n.value.get(key) {
                self.emit(
                    if key == "description" {
                        RuleId::RequestParameterDescriptionChanged
                    } else {
                        RuleId::ExampleChanged
                    },
                    ops,
                    format!("{}/{key}", n.pointer),
                    format!("parameter `{}`: {key} changed", n.name),
                );
            }
        }
        for key in obj(o.value)
            .keys()
            .chain(obj(n.value).keys())
            .collect::<BTreeSet<_>>()
        {
            let handled = [
                "name",
                "in",
                "required",
                "deprecated",
                "description",
                "example",
                "examples",
                "schema",
            ];
            if !handled.contains(&key.as_str()) && o.value.get(key) != n.value.get(key) {
                self.emit(
                    RuleId::Schema(
                        Direction::Request,
                        Subject::Parameter,
                        SchemaChange::KeywordChanged,
                    ),
                    ops,
                    format!("{}/{}", n.pointer, escape_pointer(key)),
                    format!("parameter `{}`: `{key}` changed", n.name),
                );
            }
        }
        let site = Site {
            dir: Direction::Request,
            subject: Subject::Parameter,
            operations: ops,
            pointer: format!("{}/schema", n.pointer),
        };
        let label = format!("parameter `{}`", n.name);
        self.schema(
            &site,
            o.value.get("schema").unwrap_or(EMPTY),
            n.value.get("schema").unwrap_or(EMPTY),
            &label,
        );
    }
}
