//! The comparison itself: two converted OpenAPI 3.0 documents in, a list of located changes out.
//!
//! Operations are matched by method and path template with parameter names blanked, so
//! `/orders/{id}` → `/orders/{orderId}` is a renamed parameter, not a removed path. Schemas are
//! compared through `$ref`s; where both sides refer to the same component the comparison stops,
//! because each component is compared once on its own and reported with every operation that
//! uses it.
//!
//! This module holds the [`Differ`], [`Differ::run`]'s order of comparison, `emit` and the
//! helpers every part shares; each submodule compares one kind of thing: `document` (info,
//! servers, security schemes), `paths` (paths, operations, security requirements), `parameters`,
//! `bodies` (request bodies, content, responses, error bodies, callbacks), `schemas` (component
//! schemas, schema comparison, properties), `values` (enum values and constraints) and `usage`
//! (which operations use which component).

mod bodies;
mod document;
mod parameters;
mod paths;
pub use paths::blank_params;
mod schemas;
mod usage;
mod values;

use std::collections::HashSet;

use serde_json::{Map, Value};

use super::Change;
use super::rules::{Direction, RuleId, SchemaChange, Subject};

/// Where a schema comparison is: direction, subject, affected operations and JSON pointer.
#[derive(Clone)]
struct Site<'a> {
    dir: Direction,
    subject: Subject,
    operations: &'a [String],
    pointer: String,
}

impl Site<'_> {
    fn at(&self, suffix: &str) -> String {
        format!("{}{suffix}", self.pointer)
    }

    /// The schema rule for `change` here.
    fn rule(&self, change: SchemaChange) -> RuleId {
        RuleId::Schema(self.dir, self.subject, change)
    }
}

/// Compares two documents.
pub struct Differ<'a> {
    old: &'a Value,
    new: &'a Value,
    changes: Vec<Change>,
    /// Pairs of `$ref` targets being compared, to stop on recursive schemas.
    active: HashSet<(String, String)>,
}

const EMPTY: &Value = &Value::Null;

fn obj(v: &Value) -> &Map<String, Value> {
    static EMPTY_MAP: std::sync::OnceLock<Map<String, Value>> = std::sync::OnceLock::new();
    v.as_object()
        .unwrap_or_else(|| EMPTY_MAP.get_or_init(Map::new))
}

/// The object under `key` on both sides (empty when absent).
fn members<'v>(
    o: &'v Value,
    n: &'v Value,
    key: &str,
) -> (&'v Map<String, Value>, &'v Map<String, Value>) {
    (
        obj(o.get(key).unwrap_or(EMPTY)),
        obj(n.get(key).unwrap_or(EMPTY)),
    )
}

fn text(v: &Value) -> String {
    match v {
        Value::String(s) => format!("{s:?}"),
        Value::Null => "nothing".into(),
        other => other.to_string(),
    }
}

impl<'a> Differ<'a> {
    /// A differ of `old` against `new` (both OpenAPI 3.0, as the pipeline's convert step yields).
    pub fn new(old: &'a Value, new: &'a Value) -> Self {
        Differ {
            old,
            new,
            changes: Vec::new(),
            active: HashSet::new(),
        }
    }

    /// Every change, in discovery order.
    pub fn run(mut self) -> Vec<Change> {
        self.info();
        self.servers();
        self.security_schemes();
        self.paths();
        self.components();
        self.changes
    }

    /// Record a change under rule `id`, which decides its level.
    fn emit(&mut self, id: RuleId, operations: &[String], pointer: String, message: String) {
        self.changes.push(Change {
            id: id.id(),
            level: id.level(),
            operations: operations.to_vec(),
            pointer,
            message,
        });
    }

    /// `description-changed` / `example-changed` for the documentation keys of two nodes.
    fn describe(&mut self, ops: &[String], pointer: &str, o: &Value, n: &Value, what: &str) {
        for key in ["description", "title"] {
            if o.get(key) != n.get(key) {
                self.emit(
                    RuleId::DescriptionChanged,
                    ops,
                    format!("{pointer}/{key}"),
                    format!("{what}: {key} changed"),
                );
            }
        }
        for key in ["example", "examples"] {
            if o.get(key) != n.get(key) {
                self.emit(
                    RuleId::ExampleChanged,
                    ops,
                    format!("{pointer}/{key}"),
                    format!("{what}: {key} changed"),
                );
            }
        }
    }

    /// Follow `$ref`s (to any component kind) to the node they name; the node itself otherwise.
    fn resolve_in(&self, doc: &'a Value, v: &'a Value) -> &'a Value {
        bank_openapi::refs::resolve(doc, v).0
    }
}
