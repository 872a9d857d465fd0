//! The rule catalogue: every kind of change the diff reports, as a [`RuleId`] with a stable id, its
//! level for a user of this workspace's generated client, and why. Each rule is written once, as
//! a row of the table in `table.rs` (one `macro_rules!` declaring the enum, the list and the
//! lookups; the schema rules' level and reason from one `match` per family); the schema-rule
//! parts (direction, subject, change, constraint) are in `schema.rs`.

mod schema;
mod table;

use std::collections::BTreeMap;
use std::sync::OnceLock;

pub use schema::{Constraint, Direction, PropertyChange, SchemaChange, Subject, Tighter};
pub use table::RuleId;

use table::FIXED;

/// How a change affects code that uses the generated client.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Level {
    /// Code that compiled and worked may stop compiling or start failing.
    Breaking,
    /// Something new; existing code keeps compiling and working.
    NonBreaking,
    /// Documentation only (descriptions, examples, extensions).
    Info,
}

impl Level {
    /// `breaking`, `non-breaking`, `info`.
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Breaking => "breaking",
            Level::NonBreaking => "non-breaking",
            Level::Info => "info",
        }
    }
}

/// One rule of the catalogue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rule {
    /// Stable id (`request-property-became-required`).
    pub id: String,
    /// Its level.
    pub level: Level,
    /// Why, for a user of the generated client.
    pub why: String,
}

/// Where schemas occur, in catalogue order.
const SCHEMA_SITES: [(Direction, Subject); 5] = [
    (Direction::Request, Subject::Parameter),
    (Direction::Request, Subject::Body),
    (Direction::Request, Subject::Property),
    (Direction::Response, Subject::Body),
    (Direction::Response, Subject::Property),
];

impl RuleId {
    /// Every rule, in catalogue order: the fixed rules, then per direction and subject the schema
    /// rules (followed, for properties, by the property rules).
    pub fn all() -> Vec<RuleId> {
        let mut out = FIXED.to_vec();
        for (d, s) in SCHEMA_SITES {
            out.extend(
                SchemaChange::all()
                    .into_iter()
                    .map(|c| RuleId::Schema(d, s, c)),
            );
            if s == Subject::Property {
                out.extend(PropertyChange::ALL.map(|c| RuleId::Property(d, c)));
            }
        }
        out
    }

    /// The stable id (`request-property-became-required`).
    pub fn id(&self) -> String {
        self.to_string()
    }

    /// The catalogue entry.
    pub fn rule(&self) -> Rule {
        Rule {
            id: self.id(),
            level: self.level(),
            why: self.why().into_owned(),
        }
    }
}

/// Every rule as declared, in declaration order (ids are unique; a test checks it).
pub fn declared() -> Vec<Rule> {
    RuleId::all().iter().map(RuleId::rule).collect()
}

/// The whole catalogue, by id.
pub fn catalogue() -> &'static BTreeMap<String, Rule> {
    static RULES: OnceLock<BTreeMap<String, Rule>> = OnceLock::new();
    RULES.get_or_init(|| declared().into_iter().map(|r| (r.id.clone(), r)).collect())
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;

    #[test]
    fn every_rule_id_is_unique_and_in_the_catalogue() {
        let all = RuleId::all();
        let ids: BTreeSet<String> = all.iter().map(RuleId::id).collect();
        assert_eq!(ids.len(), all.len(), "rule ids are unique");
        assert_eq!(catalogue().len(), all.len());
        for id in &all {
            let rule = &catalogue()[&id.id()];
            assert_eq!((rule.level, rule.why.as_str()), (id.level(), &*id.why()));
            assert!(!rule.why.is_empty(), "{id} says why");
        }
    }

    #[test]
    fn constraint_ids_are_the_kebab_case_keyword() {
        for c in Constraint::ALL {
            assert_eq!(
                c.id_part(),
                heck::ToKebabCase::to_kebab_case(c.keyword()),
                "{c:?}"
            );
        }
    }
}
