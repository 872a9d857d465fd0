//! Which values a schema admits: `enum` lists (values added or removed, a list appearing or
//! going away) and the numeric and textual constraints, tightened or loosened.

use serde_json::Value;

use super::{Differ, EMPTY, Site, text};
use crate::diff::rules::{Constraint, SchemaChange, Tighter};

impl<'a> Differ<'a> {
    pub(super) fn enum_values(&mut self, site: &Site<'_>, o: &Value, n: &Value, what: &str) {
        let (oe, ne) = (
            o.get("enum").and_then(Value::as_array),
            n.get("enum").and_then(Value::as_array),
        );
        match (oe, ne) {
            (Some(a), Some(b)) => {
                for v in a.iter().filter(|v| !b.contains(v)) {
                    self.emit(
                        site.rule(SchemaChange::EnumValueRemoved),
                        site.operations,
                        site.at("/enum"),
                        format!("{what}: enum value {} removed", text(v)),
                    );
                }
                for v in b.iter().filter(|v| !a.contains(v)) {
                    self.emit(
                        site.rule(SchemaChange::EnumValueAdded),
                        site.operations,
                        site.at("/enum"),
                        format!("{what}: enum value {} added", text(v)),
                    );
                }
            }
            (None, Some(b)) => self.emit(
                site.rule(SchemaChange::EnumRestricted),
                site.operations,
                site.at("/enum"),
                format!("{what}: now limited to {} value(s)", b.len()),
            ),
            (Some(_), None) => self.emit(
                site.rule(SchemaChange::EnumUnrestricted),
                site.operations,
                site.at("/enum"),
                format!("{what}: no longer limited to listed values"),
            ),
            (None, None) => {}
        }
    }

    pub(super) fn constraints(&mut self, site: &Site<'_>, o: &Value, n: &Value, what: &str) {
        for c in Constraint::ALL {
            let (a, b) = (o.get(c.keyword()), n.get(c.keyword()));
            if a == b {
                continue;
            }
            let num = |v: Option<&Value>| v.and_then(Value::as_f64);
            let truthy = |v: Option<&Value>| v.and_then(Value::as_bool).unwrap_or(false);
            let tightened = match c.tighter() {
                Tighter::Smaller => match (num(a), num(b)) {
                    (Some(x), Some(y)) => y < x,
                    (None, Some(_)) => true,
                    _ => false,
                },
                Tighter::Larger => match (num(a), num(b)) {
                    (Some(x), Some(y)) => y > x,
                    (None, Some(_)) => true,
                    _ => false,
                },
                Tighter::Changed => b.is_some(),
                Tighter::True => !truthy(a) && truthy(b),
            };
            let change = if tightened {
                SchemaChange::Tightened(c)
            } else {
                SchemaChange::Loosened(c)
            };
            self.emit(
                site.rule(change),
                site.operations,
                site.at(&format!("/{}", c.keyword())),
                format!(
                    "{what}: {} {} → {}",
                    c.keyword(),
                    text(a.unwrap_or(EMPTY)),
                    text(b.unwrap_or(EMPTY))
                ),
            );
        }
    }
}
