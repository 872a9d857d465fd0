//! The rule catalogue: every kind of change the diff reports, as a [`RuleId`] with a stable id, its
//! level for a user of this workspace's generated client, and why. Levels live here and only
//! here, in [`RuleId::level`]'s one exhaustive `match` (in `levels.rs`, beside the ids and the
//! reasons); the schema-rule parts (direction, subject, change, constraint) are in `schema.rs`.

mod levels;
mod schema;

use std::collections::BTreeMap;
use std::sync::OnceLock;

pub use schema::{Constraint, Direction, PropertyChange, SchemaChange, Subject, Tighter};

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

/// Every kind of change the diff reports. Its [`Display`](std::fmt::Display) is the rule's stable id.
///
/// The unit variants are rules about the document, paths, operations, servers, security,
/// parameters, bodies and responses; [`RuleId::Schema`] and [`RuleId::Property`] are the schema
/// rules, one per direction, subject and change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum RuleId {
    /// `info-changed`.
    InfoChanged,
    /// `server-added`.
    ServerAdded,
    /// `server-removed`.
    ServerRemoved,
    /// `server-url-changed`.
    ServerUrlChanged,
    /// `security-scheme-added`.
    SecuritySchemeAdded,
    /// `security-scheme-removed`.
    SecuritySchemeRemoved,
    /// `security-scheme-type-changed`.
    SecuritySchemeTypeChanged,
    /// `security-token-url-changed`.
    SecurityTokenUrlChanged,
    /// `security-scope-added`.
    SecurityScopeAdded,
    /// `security-scope-removed`.
    SecurityScopeRemoved,
    /// `path-added`.
    PathAdded,
    /// `path-removed`.
    PathRemoved,
    /// `path-parameter-renamed`.
    PathParameterRenamed,
    /// `operation-added`.
    OperationAdded,
    /// `operation-removed`.
    OperationRemoved,
    /// `operation-id-changed`.
    OperationIdChanged,
    /// `operation-deprecated`.
    OperationDeprecated,
    /// `operation-undeprecated`.
    OperationUndeprecated,
    /// `operation-description-changed`.
    OperationDescriptionChanged,
    /// `operation-tags-changed`.
    OperationTagsChanged,
    /// `operation-extension-changed`.
    OperationExtensionChanged,
    /// `operation-security-added`.
    OperationSecurityAdded,
    /// `operation-security-removed`.
    OperationSecurityRemoved,
    /// `operation-scope-added`.
    OperationScopeAdded,
    /// `operation-scope-removed`.
    OperationScopeRemoved,
    /// `request-parameter-added-required`.
    RequestParameterAddedRequired,
    /// `request-parameter-added`.
    RequestParameterAdded,
    /// `request-parameter-removed`.
    RequestParameterRemoved,
    /// `request-parameter-became-required`.
    RequestParameterBecameRequired,
    /// `request-parameter-became-optional`.
    RequestParameterBecameOptional,
    /// `request-parameter-location-changed`.
    RequestParameterLocationChanged,
    /// `request-parameter-description-changed`.
    RequestParameterDescriptionChanged,
    /// `request-body-added-required`.
    RequestBodyAddedRequired,
    /// `request-body-added`.
    RequestBodyAdded,
    /// `request-body-removed`.
    RequestBodyRemoved,
    /// `request-body-became-required`.
    RequestBodyBecameRequired,
    /// `request-body-became-optional`.
    RequestBodyBecameOptional,
    /// `request-media-type-added`.
    RequestMediaTypeAdded,
    /// `request-media-type-removed`.
    RequestMediaTypeRemoved,
    /// `response-success-status-added`.
    ResponseSuccessStatusAdded,
    /// `response-success-status-removed`.
    ResponseSuccessStatusRemoved,
    /// `response-error-status-added`.
    ResponseErrorStatusAdded,
    /// `response-error-status-removed`.
    ResponseErrorStatusRemoved,
    /// `response-error-body-changed`.
    ResponseErrorBodyChanged,
    /// `response-media-type-added`.
    ResponseMediaTypeAdded,
    /// `response-media-type-removed`.
    ResponseMediaTypeRemoved,
    /// `response-header-added`.
    ResponseHeaderAdded,
    /// `response-header-removed`.
    ResponseHeaderRemoved,
    /// `callback-added`.
    CallbackAdded,
    /// `callback-removed`.
    CallbackRemoved,
    /// `schema-added`.
    SchemaAdded,
    /// `schema-removed`.
    SchemaRemoved,
    /// `description-changed`.
    DescriptionChanged,
    /// `example-changed`.
    ExampleChanged,
    /// `{direction}-{subject}-{change}` (`response-body-type-changed`). The differ uses
    /// [`Subject::Parameter`] only with [`Direction::Request`]; the catalogue lists the five
    /// combinations that occur.
    Schema(Direction, Subject, SchemaChange),
    /// `{direction}-property-{change}` (`request-property-added-required`).
    Property(Direction, PropertyChange),
}

/// The rules that are not schema rules, in catalogue order.
const FIXED: [RuleId; 54] = {
    use RuleId::*;
    [
        InfoChanged,
        ServerAdded,
        ServerRemoved,
        ServerUrlChanged,
        SecuritySchemeAdded,
        SecuritySchemeRemoved,
        SecuritySchemeTypeChanged,
        SecurityTokenUrlChanged,
        SecurityScopeAdded,
        SecurityScopeRemoved,
        PathAdded,
        PathRemoved,
        PathParameterRenamed,
        OperationAdded,
        OperationRemoved,
        OperationIdChanged,
        OperationDeprecated,
        OperationUndeprecated,
        OperationDescriptionChanged,
        OperationTagsChanged,
        OperationExtensionChanged,
        OperationSecurityAdded,
        OperationSecurityRemoved,
        OperationScopeAdded,
        OperationScopeRemoved,
        RequestParameterAddedRequired,
        RequestParameterAdded,
        RequestParameterRemoved,
        RequestParameterBecameRequired,
        RequestParameterBecameOptional,
        RequestParameterLocationChanged,
        RequestParameterDescriptionChanged,
        RequestBodyAddedRequired,
        RequestBodyAdded,
        RequestBodyRemoved,
        RequestBodyBecameRequired,
        RequestBodyBecameOptional,
        RequestMediaTypeAdded,
        RequestMediaTypeRemoved,
        ResponseSuccessStatusAdded,
        ResponseSuccessStatusRemoved,
        ResponseErrorStatusAdded,
        ResponseErrorStatusRemoved,
        ResponseErrorBodyChanged,
        ResponseMediaTypeAdded,
        ResponseMediaTypeRemoved,
        ResponseHeaderAdded,
        ResponseHeaderRemoved,
        CallbackAdded,
        CallbackRemoved,
        SchemaAdded,
        SchemaRemoved,
        DescriptionChanged,
        ExampleChanged,
    ]
};

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
