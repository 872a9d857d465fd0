//! Each rule's id, level and reason: one exhaustive `match` apiece over [`RuleId`], so a new rule
//! does not compile until it has all three, and no id falls back to a default level.

use std::borrow::Cow;
use std::fmt;

use super::schema::{Direction, PropertyChange, SchemaChange};
use super::{Level, RuleId};

impl RuleId {
    /// The rule's level: how the change affects code that uses the generated client.
    pub fn level(&self) -> Level {
        use Direction::{Request, Response};
        use Level::{Breaking, Info, NonBreaking};
        use PropertyChange as P;
        use RuleId::*;
        use SchemaChange as S;
        match *self {
            InfoChanged => Info,
            ServerAdded => NonBreaking,
            ServerRemoved => Breaking,
            ServerUrlChanged => NonBreaking,
            SecuritySchemeAdded => NonBreaking,
            SecuritySchemeRemoved => Breaking,
            SecuritySchemeTypeChanged => Breaking,
            SecurityTokenUrlChanged => NonBreaking,
            SecurityScopeAdded => NonBreaking,
            SecurityScopeRemoved => Breaking,
            PathAdded => NonBreaking,
            PathRemoved => Breaking,
            PathParameterRenamed => Breaking,
            OperationAdded => NonBreaking,
            OperationRemoved => Breaking,
            OperationIdChanged => Breaking,
            OperationDeprecated => Info,
            OperationUndeprecated => Info,
            OperationDescriptionChanged => Info,
            OperationTagsChanged => Info,
            OperationExtensionChanged => Info,
            OperationSecurityAdded => Breaking,
            OperationSecurityRemoved => NonBreaking,
            OperationScopeAdded => Breaking,
            OperationScopeRemoved => NonBreaking,
            RequestParameterAddedRequired => Breaking,
            RequestParameterAdded => NonBreaking,
            RequestParameterRemoved => Breaking,
            RequestParameterBecameRequired => Breaking,
            RequestParameterBecameOptional => NonBreaking,
            RequestParameterLocationChanged => NonBreaking,
            RequestParameterDescriptionChanged => Info,
            RequestBodyAddedRequired => Breaking,
            RequestBodyAdded => NonBreaking,
            RequestBodyRemoved => Breaking,
            RequestBodyBecameRequired => Breaking,
            RequestBodyBecameOptional => NonBreaking,
            RequestMediaTypeAdded => NonBreaking,
            RequestMediaTypeRemoved => Breaking,
            ResponseSuccessStatusAdded => NonBreaking,
            ResponseSuccessStatusRemoved => Breaking,
            ResponseErrorStatusAdded => Info,
            ResponseErrorStatusRemoved => Info,
            ResponseErrorBodyChanged => Info,
            ResponseMediaTypeAdded => NonBreaking,
            ResponseMediaTypeRemoved => Breaking,
            ResponseHeaderAdded => Info,
            ResponseHeaderRemoved => Info,
            CallbackAdded => NonBreaking,
            CallbackRemoved => Info,
            SchemaAdded => NonBreaking,
            SchemaRemoved => Breaking,
            DescriptionChanged => Info,
            ExampleChanged => Info,
            Schema(_, _, S::TypeChanged) => Breaking,
            Schema(_, _, S::FormatChanged) => Breaking,
            Schema(_, _, S::EnumValueAdded) => NonBreaking,
            Schema(_, _, S::EnumValueRemoved) => Breaking,
            Schema(_, _, S::BecameNullable) => Breaking,
            Schema(_, _, S::BecameNotNullable) => Breaking,
            Schema(_, _, S::EnumRestricted) => Breaking,
            Schema(_, _, S::EnumUnrestricted) => Breaking,
            Schema(_, _, S::CompositionChanged) => Breaking,
            Schema(_, _, S::RefChanged) => Breaking,
            Schema(_, _, S::AdditionalPropertiesChanged) => NonBreaking,
            Schema(_, _, S::DefaultChanged) => Info,
            Schema(_, _, S::Deprecated) => Info,
            Schema(_, _, S::KeywordChanged) => Info,
            Schema(_, _, S::Tightened(c) | S::Loosened(c)) if c.shapes_rust_type() => Breaking,
            Schema(Request, _, S::Tightened(_)) => Breaking,
            Schema(Response, _, S::Tightened(_)) => Info,
            Schema(_, _, S::Loosened(_)) => NonBreaking,
            Property(Request, P::AddedRequired) => Breaking,
            Property(Response, P::AddedRequired) => NonBreaking,
            Property(_, P::Added) => NonBreaking,
            Property(_, P::Removed) => Breaking,
            Property(_, P::BecameRequired) => Breaking,
            Property(Request, P::BecameOptional) => Breaking,
            Property(Response, P::BecameOptional) => Breaking,
        }
    }

    /// Why the rule has its level, for a user of the generated client.
    pub fn why(&self) -> Cow<'static, str> {
        use Direction::{Request, Response};
        use PropertyChange as P;
        use RuleId::*;
        use SchemaChange as S;
        let why = match *self {
            InfoChanged => {
                "title, version or description of the document; no generated code depends on it"
            }
            ServerAdded => "a new `servers::` constant; existing ones are unchanged",
            ServerRemoved => {
                "its `servers::` constant disappears and `Environment` for it stops building"
            }
            ServerUrlChanged => "the constant keeps its name and takes the new URL on regeneration",
            SecuritySchemeAdded => "a new way to authenticate; existing operations are unchanged",
            SecuritySchemeRemoved => {
                "operations that used it now authenticate differently; the facade's builder may need other credentials"
            }
            SecuritySchemeTypeChanged => {
                "the facade must obtain credentials another way (e.g. API key instead of OAuth2)"
            }
            SecurityTokenUrlChanged => "`auth::TOKEN_URL` follows on regeneration",
            SecurityScopeAdded => {
                "a new scope is available; `auth::SCOPES` follows on regeneration"
            }
            SecurityScopeRemoved => {
                "a token requested with that scope is refused; applications registered for it must change"
            }
            PathAdded => "new operations become new client methods",
            PathRemoved => "the client methods of its operations disappear",
            PathParameterRenamed => {
                "the builder method for the parameter is renamed (`.id()` → `.order_id()`)"
            }
            OperationAdded => "a new client method",
            OperationRemoved => "the client method disappears",
            OperationIdChanged => {
                "progenitor names the method after the operationId: the method is renamed"
            }
            OperationDeprecated => "the method still exists; plan to move off it",
            OperationUndeprecated => "documentation only",
            OperationDescriptionChanged => "summary or description: documentation only",
            OperationTagsChanged => "tags only group documentation",
            OperationExtensionChanged => {
                "an `x-` extension or other keyword the generator does not read"
            }
            OperationSecurityAdded => "calls that needed no credentials now need them",
            OperationSecurityRemoved => {
                "credentials are no longer needed; sending them is harmless"
            }
            OperationScopeAdded => "tokens without the new scope are refused",
            OperationScopeRemoved => "a scope is no longer needed",
            RequestParameterAddedRequired => {
                "calls without the new parameter fail when sent (the builder reports it missing)"
            }
            RequestParameterAdded => "a new optional builder method",
            RequestParameterRemoved => "its builder method disappears",
            RequestParameterBecameRequired => "calls that left it out now fail when sent",
            RequestParameterBecameOptional => "calls that set it still work",
            RequestParameterLocationChanged => {
                "the builder method is the same; the client sends it in the new place once regenerated"
            }
            RequestParameterDescriptionChanged => "documentation only",
            RequestBodyAddedRequired => "calls must now set a body",
            RequestBodyAdded => "a new optional `.body()`",
            RequestBodyRemoved => "`.body()` disappears from the builder",
            RequestBodyBecameRequired => "calls without a body now fail when sent",
            RequestBodyBecameOptional => "calls that set it still work",
            RequestMediaTypeAdded => "another encoding is accepted",
            RequestMediaTypeRemoved => {
                "the client's encoding changes, or the operation cannot be generated as before"
            }
            ResponseSuccessStatusAdded => "another success answer is documented",
            ResponseSuccessStatusRemoved => "the documented success type changes or disappears",
            ResponseErrorStatusAdded | ResponseErrorStatusRemoved => {
                "error answers are read by the runtime into `BankError`, not typed per status"
            }
            ResponseErrorBodyChanged => {
                "error bodies are read by the runtime into `BankError` (code and message), not by generated types"
            }
            ResponseMediaTypeAdded => "another encoding may be answered",
            ResponseMediaTypeRemoved => {
                "the documented success body changes encoding or disappears"
            }
            ResponseHeaderAdded => {
                "headers are available on `ResponseValue`; no generated type changes"
            }
            ResponseHeaderRemoved => "code reading the header by name finds nothing",
            CallbackAdded => "a new webhook the bank may send",
            CallbackRemoved => "the bank no longer documents the webhook; its parser type may stay",
            SchemaAdded => "a new type in `types::`",
            SchemaRemoved => {
                "its type disappears from `types::` (a rename is a removal plus an addition)"
            }
            DescriptionChanged => "a description or title: documentation only",
            ExampleChanged => "examples feed only the generated round-trip tests",
            Schema(_, _, S::TypeChanged) => "the generated Rust type changes",
            Schema(_, _, S::FormatChanged) => {
                "the format decides the Rust type (date, date-time, uuid, int64, exact decimal)"
            }
            Schema(Request, _, S::EnumValueAdded) => {
                "a new variant to send; existing ones still work"
            }
            Schema(Response, _, S::EnumValueAdded) => {
                "generated enums keep unknown values in `Unknown(String)`, so an old client still reads it; \
                 exhaustive matches in your code gain a variant on regeneration only"
            }
            Schema(Request, _, S::EnumValueRemoved) => {
                "the variant disappears; sending it is refused"
            }
            Schema(Response, _, S::EnumValueRemoved) => {
                "the variant disappears from the generated enum; code naming it stops compiling"
            }
            Schema(Request, _, S::BecameNullable) => {
                "null is now accepted, and the generated type becomes `Option<T>`: builder setters take \
                 `TryInto<Option<T>>`, so an owned `T` still converts but a `&str` (or anything that only \
                 converts into `T`) stops compiling"
            }
            Schema(Response, _, S::BecameNullable) => {
                "the field becomes `Option<T>` (or may be null); code reading `T` must handle `None`"
            }
            Schema(Request, _, S::BecameNotNullable) => {
                "sending null is refused, and the generated type changes from `Option<T>` to `T`"
            }
            Schema(Response, _, S::BecameNotNullable) => {
                "null no longer arrives, but the generated type changes from `Option<T>` to `T`: \
                 code handling `None` stops compiling"
            }
            Schema(_, _, S::EnumRestricted) => {
                "the value is now limited to listed values: the generated type changes from a string to an enum"
            }
            Schema(_, _, S::EnumUnrestricted) => {
                "the value is no longer limited to listed values: the generated type changes from an enum to a string"
            }
            Schema(_, _, S::CompositionChanged) => {
                "allOf / oneOf / anyOf members changed in number or kind: the generated type changes"
            }
            Schema(_, _, S::RefChanged) => {
                "the schema now refers to another component: the generated type is another type"
            }
            Schema(_, _, S::AdditionalPropertiesChanged) => {
                "extra keys are read tolerantly either way; a pure map type may change shape on regeneration"
            }
            Schema(_, _, S::DefaultChanged) => "the bank's default when the value is left out",
            Schema(_, _, S::Deprecated) => "documentation only",
            Schema(_, _, S::KeywordChanged) => {
                "a keyword the generator does not turn into code (readOnly, xml, an extension)"
            }
            Schema(_, _, S::Tightened(c) | S::Loosened(c)) if c.shapes_rust_type() => {
                return format!(
                    "`{}` decides the generated Rust type (a validating string newtype, the integer type, \
                     the collection): code naming the old type may stop compiling, and values may be \
                     refused or no longer fit",
                    c.keyword()
                )
                .into();
            }
            Schema(Request, _, S::Tightened(c)) => {
                return format!(
                    "values the bank accepted before may be refused (`{}`)",
                    c.keyword()
                )
                .into();
            }
            Schema(Response, _, S::Tightened(c)) => {
                return format!("the bank promises narrower values (`{}`)", c.keyword()).into();
            }
            Schema(Request, _, S::Loosened(c)) => {
                return format!("more values are accepted (`{}`)", c.keyword()).into();
            }
            Schema(Response, _, S::Loosened(c)) => {
                return format!(
                    "wider values may arrive (`{}`); regenerate, since validating newtypes of an old client \
                     would refuse them",
                    c.keyword()
                )
                .into();
            }
            Property(Request, P::AddedRequired) => {
                "a new required field: builders report it missing when the request is built (generated \
                 structs are `#[non_exhaustive]`, so there are no struct literals to break)"
            }
            Property(Response, P::AddedRequired) => {
                "a new field to read; unknown fields were already tolerated"
            }
            Property(Request, P::Added) => "a new optional field (builders are unaffected)",
            Property(Response, P::Added) => {
                "a new field to read; unknown fields were already tolerated"
            }
            Property(Request, P::Removed) => {
                "the field disappears from the generated struct; code setting it stops compiling"
            }
            Property(Response, P::Removed) => {
                "the field disappears from the generated struct; code reading it stops compiling"
            }
            Property(Request, P::BecameRequired) => "calls that left it out now fail",
            Property(Response, P::BecameRequired) => {
                "the field changes from `Option<T>` to `T`: code matching on `Some` stops compiling"
            }
            Property(Request, P::BecameOptional) => {
                "the field becomes `Option<T>`: builder setters take `TryInto<Option<T>>`, so an owned `T` \
                 still converts but a `&str` (or anything that only converts into `T`) stops compiling"
            }
            Property(Response, P::BecameOptional) => {
                "the field changes from `T` to `Option<T>`: code reading `T` stops compiling"
            }
        };
        Cow::Borrowed(why)
    }
}

impl fmt::Display for RuleId {
    /// The stable id.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use RuleId::*;
        let id = match self {
            InfoChanged => "info-changed",
            ServerAdded => "server-added",
            ServerRemoved => "server-removed",
            ServerUrlChanged => "server-url-changed",
            SecuritySchemeAdded => "security-scheme-added",
            SecuritySchemeRemoved => "security-scheme-removed",
            SecuritySchemeTypeChanged => "security-scheme-type-changed",
            SecurityTokenUrlChanged => "security-token-url-changed",
            SecurityScopeAdded => "security-scope-added",
            SecurityScopeRemoved => "security-scope-removed",
            PathAdded => "path-added",
            PathRemoved => "path-removed",
            PathParameterRenamed => "path-parameter-renamed",
            OperationAdded => "operation-added",
            OperationRemoved => "operation-removed",
            OperationIdChanged => "operation-id-changed",
            OperationDeprecated => "operation-deprecated",
            OperationUndeprecated => "operation-undeprecated",
            OperationDescriptionChanged => "operation-description-changed",
            OperationTagsChanged => "operation-tags-changed",
            OperationExtensionChanged => "operation-extension-changed",
            OperationSecurityAdded => "operation-security-added",
            OperationSecurityRemoved => "operation-security-removed",
            OperationScopeAdded => "operation-scope-added",
            OperationScopeRemoved => "operation-scope-removed",
            RequestParameterAddedRequired => "request-parameter-added-required",
            RequestParameterAdded => "request-parameter-added",
            RequestParameterRemoved => "request-parameter-removed",
            RequestParameterBecameRequired => "request-parameter-became-required",
            RequestParameterBecameOptional => "request-parameter-became-optional",
            RequestParameterLocationChanged => "request-parameter-location-changed",
            RequestParameterDescriptionChanged => "request-parameter-description-changed",
            RequestBodyAddedRequired => "request-body-added-required",
            RequestBodyAdded => "request-body-added",
            RequestBodyRemoved => "request-body-removed",
            RequestBodyBecameRequired => "request-body-became-required",
            RequestBodyBecameOptional => "request-body-became-optional",
            RequestMediaTypeAdded => "request-media-type-added",
            RequestMediaTypeRemoved => "request-media-type-removed",
            ResponseSuccessStatusAdded => "response-success-status-added",
            ResponseSuccessStatusRemoved => "response-success-status-removed",
            ResponseErrorStatusAdded => "response-error-status-added",
            ResponseErrorStatusRemoved => "response-error-status-removed",
            ResponseErrorBodyChanged => "response-error-body-changed",
            ResponseMediaTypeAdded => "response-media-type-added",
            ResponseMediaTypeRemoved => "response-media-type-removed",
            ResponseHeaderAdded => "response-header-added",
            ResponseHeaderRemoved => "response-header-removed",
            CallbackAdded => "callback-added",
            CallbackRemoved => "callback-removed",
            SchemaAdded => "schema-added",
            SchemaRemoved => "schema-removed",
            DescriptionChanged => "description-changed",
            ExampleChanged => "example-changed",
            Schema(d, s, change) => {
                return write!(f, "{}-{}-{change}", d.as_str(), s.as_str());
            }
            Property(d, change) => return write!(f, "{}-property-{}", d.as_str(), change.as_str()),
        };
        f.write_str(id)
    }
}
