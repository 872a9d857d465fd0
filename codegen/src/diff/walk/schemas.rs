//! Schemas: each component schema compared once for the operations that use it, and two schemas
//! at the same place compared through `$ref`s, composition, type, format, nullability, defaults,
//! deprecation, items, additional properties, other keywords and properties.

use std::collections::BTreeSet;

use bank_openapi::ext;
use serde_json::Value;

use super::usage::usage;
use super::{Differ, EMPTY, Site, members, obj, text};
use crate::diff::rules::{Constraint, Direction, PropertyChange, RuleId, SchemaChange, Subject};
use crate::load::escape_pointer;

impl<'a> Differ<'a> {
    pub(super) fn components(&mut self) {
        let schemas = |doc: &'a Value| obj(doc.pointer("/components/schemas").unwrap_or(EMPTY));
        let (old, new) = (schemas(self.old), schemas(self.new));
        let usage = usage(self.old, self.new);
        for (name, o) in old {
            let pointer = format!("/components/schemas/{}", escape_pointer(name));
            let key = format!("#/components/schemas/{name}");
            let users = usage.get(&key);
            let Some(n) = new.get(name) else {
                let ops: Vec<String> = users
                    .map(|u| {
                        u.values()
                            .flatten()
                            .cloned()
                            .collect::<BTreeSet<_>>()
                            .into_iter()
                            .collect()
                    })
                    .unwrap_or_default();
                self.emit(
                    RuleId::SchemaRemoved,
                    &ops,
                    pointer,
                    format!(
                        "schema `{name}` removed (type `{}` disappears)",
                        crate::naming::type_name(name)
                    ),
                );
                continue;
            };
            let dirs: Vec<(Direction, Vec<String>)> = match users {
                Some(u) if !u.is_empty() => u
                    .iter()
                    .map(|(d, ops)| (*d, ops.iter().cloned().collect()))
                    .collect(),
                _ => vec![(Direction::Response, Vec::new())],
            };
            for (dir, ops) in dirs {
                let site = Site {
                    dir,
                    subject: Subject::Body,
                    operations: &ops,
                    pointer: pointer.clone(),
                };
                self.active.insert((key.clone(), key.clone()));
                self.schema_resolved(&site, o, n, &format!("schema `{name}`"));
                self.active.remove(&(key.clone(), key.clone()));
            }
        }
        for name in new.keys().filter(|n| !old.contains_key(*n)) {
            self.emit(
                RuleId::SchemaAdded,
                &[],
                format!("/components/schemas/{}", escape_pointer(name)),
                format!(
                    "schema `{name}` added (type `{}`)",
                    crate::naming::type_name(name)
                ),
            );
        }
    }

    /// Compare two schemas found at the same place.
    pub(super) fn schema(&mut self, site: &Site<'_>, o: &'a Value, n: &'a Value, what: &str) {
        let (o_ref, n_ref) = (
            o.get("$ref").and_then(Value::as_str),
            n.get("$ref").and_then(Value::as_str),
        );
        if let (Some(a), Some(b)) = (o_ref, n_ref) {
            if a == b {
                // The component is compared once, on its own, for every operation using it.
                return;
            }
            self.emit(
                site.rule(SchemaChange::RefChanged),
                site.operations,
                site.at("/$ref"),
                format!("{what}: {a} → {b}"),
            );
            let pair = (a.to_owned(), b.to_owned());
            if !self.active.insert(pair.clone()) {
                return;
            }
            let (ro, rn) = (self.resolve_in(self.old, o), self.resolve_in(self.new, n));
            self.schema_resolved(site, ro, rn, what);
            self.active.remove(&pair);
            return;
        }
        let (ro, rn) = (self.resolve_in(self.old, o), self.resolve_in(self.new, n));
        self.schema_resolved(site, ro, rn, what);
    }

    fn schema_resolved(&mut self, site: &Site<'_>, o: &'a Value, n: &'a Value, what: &str) {
        // Composition: members compared in order.
        let mut composed = false;
        for key in ["allOf", "oneOf", "anyOf"] {
            let (om, nm) = (
                o.get(key).and_then(Value::as_array),
                n.get(key).and_then(Value::as_array),
            );
            match (om, nm) {
                (None, None) => {}
                (Some(a), Some(b)) if a.len() == b.len() => {
                    composed = true;
                    for (i, (x, y)) in a.iter().zip(b).enumerate() {
                        let member = Site {
                            pointer: site.at(&format!("/{key}/{i}")),
                            ..site.clone()
                        };
                        self.schema(&member, x, y, what);
                    }
                }
                _ => {
                    self.emit(
                        site.rule(SchemaChange::CompositionChanged),
                        site.operations,
                        site.at(&format!("/{key}")),
                        format!(
                            "{what}: {key} with {} member(s) → {}",
                            om.map_or(0, Vec::len),
                            nm.map_or(0, Vec::len)
                        ),
                    );
                    return;
                }
            }
        }
        let (ot, nt) = (o.get("type"), n.get("type"));
        if ot != nt && !(composed && (ot.is_none() || nt.is_none())) {
            self.emit(
                site.rule(SchemaChange::TypeChanged),
                site.operations,
                site.at("/type"),
                format!(
                    "{what}: type {} → {}",
                    text(ot.unwrap_or(EMPTY)),
                    text(nt.unwrap_or(EMPTY))
                ),
            );
            return;
        }
        if o.get("format") != n.get("format") {
            self.emit(
                site.rule(SchemaChange::FormatChanged),
                site.operations,
                site.at("/format"),
                format!(
                    "{what}: format {} → {}",
                    text(o.get("format").unwrap_or(EMPTY)),
                    text(n.get("format").unwrap_or(EMPTY))
                ),
            );
        }
        self.enum_values(site, o, n, what);
        let nullable = |v: &Value| v.get("nullable").and_then(Value::as_bool).unwrap_or(false);
        match (nullable(o), nullable(n)) {
            (false, true) => self.emit(
                site.rule(SchemaChange::BecameNullable),
                site.operations,
                site.at("/nullable"),
                format!("{what} became nullable"),
            ),
            (true, false) => self.emit(
                site.rule(SchemaChange::BecameNotNullable),
                site.operations,
                site.at("/nullable"),
                format!("{what} is no longer nullable"),
            ),
            _ => {}
        }
        self.constraints(site, o, n, what);
        if o.get("default") != n.get("default") {
            self.emit(
                site.rule(SchemaChange::DefaultChanged),
                site.operations,
                site.at("/default"),
                format!(
                    "{what}: default {} → {}",
                    text(o.get("default").unwrap_or(EMPTY)),
                    text(n.get("default").unwrap_or(EMPTY))
                ),
            );
        }
        let deprecated = |v: &Value| {
            v.get("deprecated")
                .and_then(Value::as_bool)
                .unwrap_or(false)
        };
        if !deprecated(o) && deprecated(n) {
            self.emit(
                site.rule(SchemaChange::Deprecated),
                site.operations,
                site.at("/deprecated"),
                format!("{what} deprecated"),
            );
        }
        self.describe(site.operations, &site.pointer, o, n, what);
        self.properties(site, o, n, what);
        if let (Some(oi), Some(ni)) = (o.get("items"), n.get("items")) {
            let items = Site {
                subject: Subject::Property,
                pointer: site.at("/items"),
                ..site.clone()
            };
            self.schema(&items, oi, ni, &format!("{what}[]"));
        }
        match (o.get("additionalProperties"), n.get("additionalProperties")) {
            (Some(a @ Value::Object(_)), Some(b @ Value::Object(_))) => {
                let values = Site {
                    subject: Subject::Property,
                    pointer: site.at("/additionalProperties"),
                    ..site.clone()
                };
                self.schema(&values, a, b, &format!("{what}{{*}}"));
            }
            (a, b) if a != b => self.emit(
                site.rule(SchemaChange::AdditionalPropertiesChanged),
                site.operations,
                site.at("/additionalProperties"),
                format!(
                    "{what}: additionalProperties {} → {}",
                    text(a.unwrap_or(EMPTY)),
                    text(b.unwrap_or(EMPTY))
                ),
            ),
            _ => {}
        }
        const HANDLED: &[&str] = &[
            "$ref",
            "allOf",
            "oneOf",
            "anyOf",
            "type",
            "format",
            "enum",
            "nullable",
            "default",
            "deprecated",
            "description",
            "title",
            "example",
            "examples",
            "properties",
            "required",
            "items",
            "additionalProperties",
            ext::ENUM_DESCRIPTIONS,
            ext::ENUM_VARNAMES,
        ];
        let keys: BTreeSet<&String> = obj(o).keys().chain(obj(n).keys()).collect();
        for key in keys {
            let constraint = Constraint::ALL.iter().any(|c| c.keyword() == key);
            if !constraint && !HANDLED.contains(&key.as_str()) && o.get(key) != n.get(key) {
                self.emit(
                    site.rule(SchemaChange::KeywordChanged),
                    site.operations,
                    site.at(&format!("/{}", escape_pointer(key))),
                    format!("{what}: `{key}` changed"),
                );
            }
        }
    }

    fn properties(&mut self, site: &Site<'_>, o: &'a Value, n: &'a Value, what: &str) {
        let (op, np) = members(o, n, "properties");
        let required = |v: &Value| -> BTreeSet<String> {
            v.get("required")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect()
        };
        let (or, nr) = (required(o), required(n));
        for (name, ov) in op {
            let at = site.at(&format!("/properties/{}", escape_pointer(name)));
            let label = format!("{what}.{name}");
            let Some(nv) = np.get(name) else {
                self.emit(
                    RuleId::Property(site.dir, PropertyChange::Removed),
                    site.operations,
                    at,
                    format!("{label} removed"),
                );
                continue;
            };
            match (or.contains(name), nr.contains(name)) {
                (false, true) => self.emit(
                    RuleId::Property(site.dir, PropertyChange::BecameRequired),
                    site.operations,
                    at.clone(),
                    format!("{label} became required"),
                ),
                (true, false) => self.emit(
                    RuleId::Property(site.dir, PropertyChange::BecameOptional),
                    site.operations,
                    at.clone(),
                    format!("{label} became optional"),
                ),
                _ => {}
            }
            let child = Site {
                subject: Subject::Property,
                pointer: at,
                ..site.clone()
            };
            self.schema(&child, ov, nv, &label);
        }
        for name in np.keys().filter(|k| !op.contains_key(*k)) {
            let at = site.at(&format!("/properties/{}", escape_pointer(name)));
            let id = if nr.contains(name) {
                RuleId::Property(site.dir, PropertyChange::AddedRequired)
            } else {
                RuleId::Property(site.dir, PropertyChange::Added)
            };
            let kind = if nr.contains(name) {
                "required"
            } else {
                "optional"
            };
            self.emit(
                id,
                site.operations,
                at,
                format!("{what}.{name} added ({kind})"),
            );
        }
    }
}
