//! The rule catalogue as one table: each rule that is not a schema rule is one row (variant, stable
//! id, level, reason) of `rule_table!`, which declares [`RuleId`], the list of those rules in
//! catalogue order and the exhaustive lookups of id, level and reason, so a rule is written once
//! and none falls back to a default level. The
//! schema rules, one per direction, subject and change, come from one `match` per family
//! ([`schema_rule`], [`property_rule`]) that gives level and reason together.

use std::borrow::Cow;
use std::fmt;

use super::Level;
use super::schema::{Direction, PropertyChange, SchemaChange, Subject};

/// Declares [`RuleId`] from the rows `Variant = "id", Level, "reason";` (in catalogue order, which
/// is also the variants' order), the schema-rule variants after them, `FIXED` (every row's rule)
/// and the exhaustive lookups of each rule's level, reason and id (`RuleId::level`,
/// `RuleId::why`, `Display`).
macro_rules! rule_table {
    ($( $variant:ident = $id:literal, $level:ident, $why:expr; )*) => {
        /// Every kind of change the diff reports. Its [`Display`](std::fmt::Display) is the rule's
        /// stable id.
        ///
        /// The unit variants are rules about the document, paths, operations, servers, security,
        /// parameters, bodies and responses; [`RuleId::Schema`] and [`RuleId::Property`] are the
        /// schema rules, one per direction, subject and change.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum RuleId {
            $(
                #[doc = concat!("`", $id, "`.")]
                $variant,
            )*
            /// `{direction}-{subject}-{change}` (`response-body-type-changed`). The differ uses
            /// [`Subject::Parameter`] only with [`Direction::Request`]; the catalogue lists the five
            /// combinations that occur.
            Schema(Direction, Subject, SchemaChange),
            /// `{direction}-property-{change}` (`request-property-added-required`).
            Property(Direction, PropertyChange),
        }

        /// The rules that are not schema rules, in catalogue order.
        pub(super) const FIXED: &[RuleId] = &[$(RuleId::$variant),*];

        impl RuleId {
            /// The rule's level: how the change affects code that uses the generated client.
            pub fn level(&self) -> Level {
                match *self {
                    $(RuleId::$variant => Level::$level,)*
                    RuleId::Schema(d, _, change) => schema_rule(d, change).0,
                    RuleId::Property(d, change) => property_rule(d, change).0,
                }
            }

            /// Why the rule has its level, for a user of the generated client.
            pub fn why(&self) -> Cow<'static, str> {
                match *self {
                    $(RuleId::$variant => Cow::Borrowed($why),)*
                    RuleId::Schema(d, _, change) => schema_rule(d, change).1,
                    RuleId::Property(d, change) => Cow::Borrowed(property_rule(d, change).1),
                }
            }
        }

        impl fmt::Display for RuleId {
            /// The stable id.
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                match self {
                    $(RuleId::$variant => f.write_str($id),)*
                    RuleId::Schema(d, s, change) => {
                        write!(f, "{}-{}-{change}", d.as_str(), s.as_str())
                    }
                    RuleId::Property(d, change) => {
                        write!(f, "{}-property-{}", d.as_str(), change.as_str())
                    }
                }
            }
        }
    };
}

rule_table! {
    InfoChanged = "info-changed", Info,
        "title, version or description of the document; no generated code depends on it";
    ServerAdded = "server-added", NonBreaking,
        "a new `servers::` constant; existing ones are unchanged";
    ServerRemoved = "server-removed", Breaking,
        "its `servers::` constant disappears and `Environment` for it stops building";
    ServerUrlChanged = "server-url-changed", NonBreaking,
        "the constant keeps its name and takes the new URL on regeneration";
    SecuritySchemeAdded = "security-scheme-added", NonBreaking,
        "a new way to authenticate; existing operations are unchanged";
    SecuritySchemeRemoved = "security-scheme-removed", Breaking,
        "operations that used it now authenticate differently; the facade's builder may need other credentials";
    SecuritySchemeTypeChanged = "security-scheme-type-changed", Breaking,
        "the facade must obtain credentials another way (e.g. API key instead of OAuth2)";
    SecurityTokenUrlChanged = "security-token-url-changed", NonBreaking,
        "`auth::TOKEN_URL` follows on regeneration";
    SecurityScopeAdded = "security-scope-added", NonBreaking,
        "a new scope is available; `auth::SCOPES` follows on regeneration";
    SecurityScopeRemoved = "security-scope-removed", Breaking,
        "a token requested with that scope is refused; applications registered for it must change";
    PathAdded = "path-added", NonBreaking,
        "new operations become new client methods";
    PathRemoved = "path-removed", Breaking,
        "the client methods of its operations disappear";
    PathParameterRenamed = "path-parameter-renamed", Breaking,
        "the builder method for the parameter is renamed (`.id()` → `.order_id()`)";
    OperationAdded = "operation-added", NonBreaking,
        "a new client method";
    OperationRemoved = "operation-removed", Breaking,
        "the client method disappears";
    OperationIdChanged = "operation-id-changed", Breaking,
        "progenitor names the method after the operationId: the method is renamed";
    OperationDeprecated = "operation-deprecated", Info,
        "the method still exists; plan to move off it";
    OperationUndeprecated = "operation-undeprecated", Info,
        "documentation only";
    OperationDescriptionChanged = "operation-description-changed", Info,
        "summary or description: documentation only";
    OperationTagsChanged = "operation-tags-changed", Info,
        "tags only group documentation";
    OperationExtensionChanged = "operation-extension-changed", Info,
        "an `x-` extension or other keyword the generator does not read";
    OperationSecurityAdded = "operation-security-added", Breaking,
        "calls that needed no credentials now need them";
    OperationSecurityRemoved = "operation-security-removed", NonBreaking,
        "credentials are no longer needed; sending them is harmless";
    OperationScopeAdded = "operation-scope-added", Breaking,
        "tokens without the new scope are refused";
    OperationScopeRemoved = "operation-scope-removed", NonBreaking,
        "a scope is no longer needed";
    RequestParameterAddedRequired = "request-parameter-added-required", Breaking,
        "calls without the new parameter fail when sent (the builder reports it missing)";
    RequestParameterAdded = "request-parameter-added", NonBreaking,
        "a new optional builder method";
    RequestParameterRemoved = "request-parameter-removed", Breaking,
        "its builder method disappears";
    RequestParameterBecameRequired = "request-parameter-became-required", Breaking,
        "calls that left it out now fail when sent";
    RequestParameterBecameOptional = "request-parameter-became-optional", NonBreaking,
        "calls that set it still work";
    RequestParameterLocationChanged = "request-parameter-location-changed", NonBreaking,
        "the builder method is the same; the client sends it in the new place once regenerated";
    RequestParameterDescriptionChanged = "request-parameter-description-changed", Info,
        "documentation only";
    RequestBodyAddedRequired = "request-body-added-required", Breaking,
        "calls must now set a body";
    RequestBodyAdded = "request-body-added", NonBreaking,
        "a new optional `.body()`";
    RequestBodyRemoved = "request-body-removed", Breaking,
        "`.body()` disappears from the builder";
    RequestBodyBecameRequired = "request-body-became-required", Breaking,
        "calls without a body now fail when sent";
    RequestBodyBecameOptional = "request-body-became-optional", NonBreaking,
        "calls that set it still work";
    RequestMediaTypeAdded = "request-media-type-added", NonBreaking,
        "another encoding is accepted";
    RequestMediaTypeRemoved = "request-media-type-removed", Breaking,
        "the client's encoding changes, or the operation cannot be generated as before";
    ResponseSuccessStatusAdded = "response-success-status-added", NonBreaking,
        "another success answer is documented";
    ResponseSuccessStatusRemoved = "response-success-status-removed", Breaking,
        "the documented success type changes or disappears";
    ResponseErrorStatusAdded = "response-error-status-added", Info,
        "error answers are read by the runtime into `BankError`, not typed per status";
    ResponseErrorStatusRemoved = "response-error-status-removed", Info,
        "error answers are read by the runtime into `BankError`, not typed per status";
    ResponseErrorBodyChanged = "response-error-body-changed", Info,
        "error bodies are read by the runtime into `BankError` (code and message), not by generated types";
    ResponseMediaTypeAdded = "response-media-type-added", NonBreaking,
        "another encoding may be answered";
    ResponseMediaTypeRemoved = "response-media-type-removed", Breaking,
        "the documented success body changes encoding or disappears";
    ResponseHeaderAdded = "response-header-added", Info,
        "headers are available on `ResponseValue`; no generated type changes";
    ResponseHeaderRemoved = "response-header-removed", Info,
        "code reading the header by name finds nothing";
    CallbackAdded = "callback-added", NonBreaking,
        "a new webhook the bank may send";
    CallbackRemoved = "callback-removed", Info,
        "the bank no longer documents the webhook; its parser type may stay";
    SchemaAdded = "schema-added", NonBreaking,
        "a new type in `types::`";
    SchemaRemoved = "schema-removed", Breaking,
        "its type disappears from `types::` (a rename is a removal plus an addition)";
    DescriptionChanged = "description-changed", Info,
        "a description or title: documentation only";
    ExampleChanged = "example-changed", Info,
        "examples feed only the generated round-trip tests";
}

/// A schema rule's level and reason (the subject changes neither).
fn schema_rule(direction: Direction, change: SchemaChange) -> (Level, Cow<'static, str>) {
    use Direction::{Request, Response};
    use Level::{Breaking, Info, NonBreaking};
    use SchemaChange as S;
    let (level, why) = match (direction, change) {
        (_, S::TypeChanged) => (Breaking, "the generated Rust type changes"),
        (_, S::FormatChanged) => (
            Breaking,
            "the format decides the Rust type (date, date-time, uuid, int64, exact decimal)",
        ),
        (Request, S::EnumValueAdded) => (
            NonBreaking,
            "a new variant to send; existing ones still work",
        ),
        (Response, S::EnumValueAdded) => (
            NonBreaking,
            "generated enums keep unknown values in `Unknown(String)`, so an old client still reads it; \
             exhaustive matches in your code gain a variant on regeneration only",
        ),
        (Request, S::EnumValueRemoved) => {
            (Breaking, "the variant disappears; sending it is refused")
        }
        (Response, S::EnumValueRemoved) => (
            Breaking,
            "the variant disappears from the generated enum; code naming it stops compiling",
        ),
        (Request, S::BecameNullable) => (
            Breaking,
            "null is now accepted, and the generated type becomes `Option<T>`: builder setters take \
             `TryInto<Option<T>>`, so an owned `T` still converts but a `&str` (or anything that only \
             converts into `T`) stops compiling",
        ),
        (Response, S::BecameNullable) => (
            Breaking,
            "the field becomes `Option<T>` (or may be null); code reading `T` must handle `None`",
        ),
        (Request, S::BecameNotNullable) => (
            Breaking,
            "sending null is refused, and the generated type changes from `Option<T>` to `T`",
        ),
        (Response, S::BecameNotNullable) => (
            Breaking,
            "null no longer arrives, but the generated type changes from `Option<T>` to `T`: \
             code handling `None` stops compiling",
        ),
        (_, S::EnumRestricted) => (
            Breaking,
            "the value is now limited to listed values: the generated type changes from a string to an enum",
        ),
        (_, S::EnumUnrestricted) => (
            Breaking,
            "the value is no longer limited to listed values: the generated type changes from an enum to a string",
        ),
        (_, S::CompositionChanged) => (
            Breaking,
            "allOf / oneOf / anyOf members changed in number or kind: the generated type changes",
        ),
        (_, S::RefChanged) => (
            Breaking,
            "the schema now refers to another component: the generated type is another type",
        ),
        (_, S::AdditionalPropertiesChanged) => (
            NonBreaking,
            "extra keys are read tolerantly either way; a pure map type may change shape on regeneration",
        ),
        (_, S::DefaultChanged) => (Info, "the bank's default when the value is left out"),
        (_, S::Deprecated) => (Info, "documentation only"),
        (_, S::KeywordChanged) => (
            Info,
            "a keyword the generator does not turn into code (readOnly, xml, an extension)",
        ),
        (_, S::Tightened(c) | S::Loosened(c)) if c.shapes_rust_type() => {
            return (
                Breaking,
                format!(
                    "`{}` decides the generated Rust type (a validating string newtype, the integer type, \
                     the collection): code naming the old type may stop compiling, and values may be \
                     refused or no longer fit",
                    c.keyword()
                )
                .into(),
            );
        }
        (Request, S::Tightened(c)) => {
            return (
                Breaking,
                format!(
                    "values the bank accepted before may be refused (`{}`)",
                    c.keyword()
                )
                .into(),
            );
        }
        (Response, S::Tightened(c)) => {
            return (
                Info,
                format!("the bank promises narrower values (`{}`)", c.keyword()).into(),
            );
        }
        (Request, S::Loosened(c)) => {
            return (
                NonBreaking,
                format!("more values are accepted (`{}`)", c.keyword()).into(),
            );
        }
        (Response, S::Loosened(c)) => {
            return (
                NonBreaking,
                format!(
                    "wider values may arrive (`{}`); regenerate, since validating newtypes of an old client \
                     would refuse them",
                    c.keyword()
                )
                .into(),
            );
        }
    };
    (level, Cow::Borrowed(why))
}

/// A property rule's level and reason.
fn property_rule(direction: Direction, change: PropertyChange) -> (Level, &'static str) {
    use Direction::{Request, Response};
    use Level::{Breaking, NonBreaking};
    use PropertyChange as P;
    match (direction, change) {
        (Request, P::AddedRequired) => (
            Breaking,
            "a new required field: builders report it missing when the request is built (generated \
             structs are `#[non_exhaustive]`, so there are no struct literals to break)",
        ),
        (Response, P::AddedRequired) => (
            NonBreaking,
            "a new field to read; unknown fields were already tolerated",
        ),
        (Request, P::Added) => (
            NonBreaking,
            "a new optional field (builders are unaffected)",
        ),
        (Response, P::Added) => (
            NonBreaking,
            "a new field to read; unknown fields were already tolerated",
        ),
        (Request, P::Removed) => (
            Breaking,
            "the field disappears from the generated struct; code setting it stops compiling",
        ),
        (Response, P::Removed) => (
            Breaking,
            "the field disappears from the generated struct; code reading it stops compiling",
        ),
        (Request, P::BecameRequired) => (Breaking, "calls that left it out now fail"),
        (Response, P::BecameRequired) => (
            Breaking,
            "the field changes from `Option<T>` to `T`: code matching on `Some` stops compiling",
        ),
        (Request, P::BecameOptional) => (
            Breaking,
            "the field becomes `Option<T>`: builder setters take `TryInto<Option<T>>`, so an owned `T` \
             still converts but a `&str` (or anything that only converts into `T`) stops compiling",
        ),
        (Response, P::BecameOptional) => (
            Breaking,
            "the field changes from `T` to `Option<T>`: code reading `T` stops compiling",
        ),
    }
}
