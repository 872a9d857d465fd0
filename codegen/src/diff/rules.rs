//! The rule catalogue: every kind of change the diff reports, with a stable id, its level for a
//! user of this workspace's generated client, and why. Levels live here and only here.

use std::collections::BTreeMap;
use std::sync::OnceLock;

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

use Level::{Breaking, Info, NonBreaking};

/// Rules about the document, paths, operations, servers and security.
const FIXED: &[(&str, Level, &str)] = &[
    (
        "info-changed",
        Info,
        "title, version or description of the document; no generated code depends on it",
    ),
    (
        "server-added",
        NonBreaking,
        "a new `servers::` constant; existing ones are unchanged",
    ),
    (
        "server-removed",
        Breaking,
        "its `servers::` constant disappears and `Environment` for it stops building",
    ),
    (
        "server-url-changed",
        NonBreaking,
        "the constant keeps its name and takes the new URL on regeneration",
    ),
    (
        "security-scheme-added",
        NonBreaking,
        "a new way to authenticate; existing operations are unchanged",
    ),
    (
        "security-scheme-removed",
        Breaking,
        "operations that used it now authenticate differently; the facade's builder may need other credentials",
    ),
    (
        "security-scheme-type-changed",
        Breaking,
        "the facade must obtain credentials another way (e.g. API key instead of OAuth2)",
    ),
    (
        "security-token-url-changed",
        NonBreaking,
        "`auth::TOKEN_URL` follows on regeneration",
    ),
    (
        "security-scope-added",
        NonBreaking,
        "a new scope is available; `auth::SCOPES` follows on regeneration",
    ),
    (
        "security-scope-removed",
        Breaking,
        "a token requested with that scope is refused; applications registered for it must change",
    ),
    (
        "path-added",
        NonBreaking,
        "new operations become new client methods",
    ),
    (
        "path-removed",
        Breaking,
        "the client methods of its operations disappear",
    ),
    (
        "path-parameter-renamed",
        Breaking,
        "the builder method for the parameter is renamed (`.id()` → `.order_id()`)",
    ),
    ("operation-added", NonBreaking, "a new client method"),
    (
        "operation-removed",
        Breaking,
        "the client method disappears",
    ),
    (
        "operation-id-changed",
        Breaking,
        "progenitor names the method after the operationId: the method is renamed",
    ),
    (
        "operation-deprecated",
        Info,
        "the method still exists; plan to move off it",
    ),
    ("operation-undeprecated", Info, "documentation only"),
    (
        "operation-description-changed",
        Info,
        "summary or description: documentation only",
    ),
    (
        "operation-tags-changed",
        Info,
        "tags only group documentation",
    ),
    (
        "operation-extension-changed",
        Info,
        "an `x-` extension or other keyword the generator does not read",
    ),
    (
        "operation-security-added",
        Breaking,
        "calls that needed no credentials now need them",
    ),
    (
        "operation-security-removed",
        NonBreaking,
        "credentials are no longer needed; sending them is harmless",
    ),
    (
        "operation-scope-added",
        Breaking,
        "tokens without the new scope are refused",
    ),
    (
        "operation-scope-removed",
        NonBreaking,
        "a scope is no longer needed",
    ),
    (
        "request-parameter-added-required",
        Breaking,
        "calls without the new parameter fail when sent (the builder reports it missing)",
    ),
    (
        "request-parameter-added",
        NonBreaking,
        "a new optional builder method",
    ),
    (
        "request-parameter-removed",
        Breaking,
        "its builder method disappears",
    ),
    (
        "request-parameter-became-required",
        Breaking,
        "calls that left it out now fail when sent",
    ),
    (
        "request-parameter-became-optional",
        NonBreaking,
        "calls that set it still work",
    ),
    (
        "request-parameter-location-changed",
        NonBreaking,
        "the builder method is the same; the client sends it in the new place once regenerated",
    ),
    (
        "request-parameter-description-changed",
        Info,
        "documentation only",
    ),
    (
        "request-body-added-required",
        Breaking,
        "calls must now set a body",
    ),
    (
        "request-body-added",
        NonBreaking,
        "a new optional `.body()`",
    ),
    (
        "request-body-removed",
        Breaking,
        "`.body()` disappears from the builder",
    ),
    (
        "request-body-became-required",
        Breaking,
        "calls without a body now fail when sent",
    ),
    (
        "request-body-became-optional",
        NonBreaking,
        "calls that set it still work",
    ),
    (
        "request-media-type-added",
        NonBreaking,
        "another encoding is accepted",
    ),
    (
        "request-media-type-removed",
        Breaking,
        "the client's encoding changes, or the operation cannot be generated as before",
    ),
    (
        "response-success-status-added",
        NonBreaking,
        "another success answer is documented",
    ),
    (
        "response-success-status-removed",
        Breaking,
        "the documented success type changes or disappears",
    ),
    (
        "response-error-status-added",
        Info,
        "error answers are read by the runtime into `BankError`, not typed per status",
    ),
    (
        "response-error-status-removed",
        Info,
        "error answers are read by the runtime into `BankError`, not typed per status",
    ),
    (
        "response-error-body-changed",
        Info,
        "error bodies are read by the runtime into `BankError` (code and message), not by generated types",
    ),
    (
        "response-media-type-added",
        NonBreaking,
        "another encoding may be answered",
    ),
    (
        "response-media-type-removed",
        Breaking,
        "the documented success body changes encoding or disappears",
    ),
    (
        "response-header-added",
        Info,
        "headers are available on `ResponseValue`; no generated type changes",
    ),
    (
        "response-header-removed",
        Info,
        "code reading the header by name finds nothing",
    ),
    (
        "callback-added",
        NonBreaking,
        "a new webhook the bank may send",
    ),
    (
        "callback-removed",
        Info,
        "the bank no longer documents the webhook; its parser type may stay",
    ),
    ("schema-added", NonBreaking, "a new type in `types::`"),
    (
        "schema-removed",
        Breaking,
        "its type disappears from `types::` (a rename is a removal plus an addition)",
    ),
    (
        "description-changed",
        Info,
        "a description or title: documentation only",
    ),
    (
        "example-changed",
        Info,
        "examples feed only the generated round-trip tests",
    ),
];

/// Which side of the wire a schema is on, as seen from the client.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Direction {
    /// Sent by the client (parameters, request bodies).
    Request,
    /// Read by the client (response bodies, callbacks).
    Response,
}

impl Direction {
    /// `request` or `response`.
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::Request => "request",
            Direction::Response => "response",
        }
    }
}

/// What a schema describes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Subject {
    /// A parameter's schema.
    Parameter,
    /// A body's top-level schema.
    Body,
    /// A property or array item, at any depth.
    Property,
}

impl Subject {
    /// `parameter`, `body`, `property`.
    pub fn as_str(self) -> &'static str {
        match self {
            Subject::Parameter => "parameter",
            Subject::Body => "body",
            Subject::Property => "property",
        }
    }
}

/// Schema rules, per direction and subject: `{direction}-{subject}-{what}`.
fn schema_rules(d: Direction, s: Subject) -> Vec<(String, Level, String)> {
    let req = d == Direction::Request;
    let on = |what: &str| format!("{}-{}-{what}", d.as_str(), s.as_str());
    let mut out = vec![
        (on("type-changed"), Breaking, "the generated Rust type changes".to_owned()),
        (
            on("format-changed"),
            Breaking,
            "the format decides the Rust type (date, date-time, uuid, int64, exact decimal)".to_owned(),
        ),
        (
            on("enum-value-added"),
            NonBreaking,
            if req {
                "a new variant to send; existing ones still work".to_owned()
            } else {
                "generated enums keep unknown values in `Unknown(String)`, so an old client still reads it; \
                 exhaustive matches in your code gain a variant on regeneration only"
                    .to_owned()
            },
        ),
        (
            on("enum-value-removed"),
            Breaking,
            if req {
                "the variant disappears; sending it is refused".to_owned()
            } else {
                "the variant disappears from the generated enum; code naming it stops compiling".to_owned()
            },
        ),
        (
            on("became-nullable"),
            if req { NonBreaking } else { Breaking },
            if req {
                "null is now accepted as well".to_owned()
            } else {
                "the field becomes `Option<T>` (or may be null); code reading `T` must handle `None`".to_owned()
            },
        ),
        (
            on("became-not-nullable"),
            if req { Breaking } else { NonBreaking },
            if req {
                "sending null is refused".to_owned()
            } else {
                "null no longer arrives".to_owned()
            },
        ),
        (
            on("enum-restricted"),
            Breaking,
            "the value is now limited to listed values: the generated type changes from a string to an enum".to_owned(),
        ),
        (
            on("enum-unrestricted"),
            Breaking,
            "the value is no longer limited to listed values: the generated type changes from an enum to a string".to_owned(),
        ),
        (
            on("composition-changed"),
            Breaking,
            "allOf / oneOf / anyOf members changed in number or kind: the generated type changes".to_owned(),
        ),
        (
            on("ref-changed"),
            Breaking,
            "the schema now refers to another component: the generated type is another type".to_owned(),
        ),
        (
            on("additional-properties-changed"),
            NonBreaking,
            "extra keys are read tolerantly either way; a pure map type may change shape on regeneration".to_owned(),
        ),
        (on("default-changed"), Info, "the bank's default when the value is left out".to_owned()),
        (on("deprecated"), Info, "documentation only".to_owned()),
        (
            on("keyword-changed"),
            Info,
            "a keyword the generator does not turn into code (readOnly, xml, an extension)".to_owned(),
        ),
    ];
    for kw in CONSTRAINTS {
        let name = kebab(kw.keyword);
        out.push((
            on(&format!("{name}-tightened")),
            if req { Breaking } else { Info },
            if req {
                format!(
                    "values the bank accepted before may be refused (`{}`)",
                    kw.keyword
                )
            } else {
                format!("the bank promises narrower values (`{}`)", kw.keyword)
            },
        ));
        out.push((
            on(&format!("{name}-loosened")),
            NonBreaking,
            if req {
                format!("more values are accepted (`{}`)", kw.keyword)
            } else {
                format!(
                    "wider values may arrive (`{}`); regenerate, since validating newtypes of an old client \
                     would refuse them",
                    kw.keyword
                )
            },
        ));
    }
    if s == Subject::Property {
        out.extend([
            (
                on("added-required"),
                if req { Breaking } else { NonBreaking },
                if req {
                    "a new required field: builders report it missing and struct literals stop compiling".to_owned()
                } else {
                    "a new field to read; unknown fields were already tolerated".to_owned()
                },
            ),
            (
                on("added"),
                NonBreaking,
                if req {
                    "a new optional field (builders are unaffected)".to_owned()
                } else {
                    "a new field to read; unknown fields were already tolerated".to_owned()
                },
            ),
            (
                on("removed"),
                Breaking,
                if req {
                    "the field disappears from the generated struct; code setting it stops compiling".to_owned()
                } else {
                    "the field disappears from the generated struct; code reading it stops compiling".to_owned()
                },
            ),
            (
                on("became-required"),
                Breaking,
                if req {
                    "calls that left it out now fail".to_owned()
                } else {
                    "the field changes from `Option<T>` to `T`: code matching on `Some` stops compiling".to_owned()
                },
            ),
            (
                on("became-optional"),
                if req { NonBreaking } else { Breaking },
                if req {
                    "calls that set it still work (builders take `T` for `Option<T>`)".to_owned()
                } else {
                    "the field changes from `T` to `Option<T>`: code reading `T` stops compiling".to_owned()
                },
            ),
        ]);
    }
    out
}

/// A numeric or textual constraint and which way is tighter.
pub struct Constraint {
    /// The JSON Schema keyword.
    pub keyword: &'static str,
    /// How a new value compares with the old.
    pub tighter: Tighter,
}

/// Which change of a constraint narrows what is valid.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tighter {
    /// A smaller value is tighter (`maxLength`, `maximum`, `maxItems`).
    Smaller,
    /// A larger value is tighter (`minLength`, `minimum`, `minItems`).
    Larger,
    /// Any change, or adding it, is tighter; removing it is looser (`pattern`, `multipleOf`).
    Changed,
    /// `true` is tighter (`exclusiveMinimum`, `exclusiveMaximum`, `uniqueItems`).
    True,
}

/// The constraints the diff compares.
pub const CONSTRAINTS: &[Constraint] = &[
    Constraint {
        keyword: "maxLength",
        tighter: Tighter::Smaller,
    },
    Constraint {
        keyword: "minLength",
        tighter: Tighter::Larger,
    },
    Constraint {
        keyword: "pattern",
        tighter: Tighter::Changed,
    },
    Constraint {
        keyword: "maximum",
        tighter: Tighter::Smaller,
    },
    Constraint {
        keyword: "minimum",
        tighter: Tighter::Larger,
    },
    Constraint {
        keyword: "exclusiveMaximum",
        tighter: Tighter::True,
    },
    Constraint {
        keyword: "exclusiveMinimum",
        tighter: Tighter::True,
    },
    Constraint {
        keyword: "multipleOf",
        tighter: Tighter::Changed,
    },
    Constraint {
        keyword: "maxItems",
        tighter: Tighter::Smaller,
    },
    Constraint {
        keyword: "minItems",
        tighter: Tighter::Larger,
    },
    Constraint {
        keyword: "uniqueItems",
        tighter: Tighter::True,
    },
    Constraint {
        keyword: "maxProperties",
        tighter: Tighter::Smaller,
    },
    Constraint {
        keyword: "minProperties",
        tighter: Tighter::Larger,
    },
];

/// `maxLength` → `max-length`.
pub fn kebab(keyword: &str) -> String {
    heck::ToKebabCase::to_kebab_case(keyword)
}

/// Every rule as declared, in declaration order (ids are unique; a test checks it).
pub fn declared() -> Vec<Rule> {
    let mut out: Vec<Rule> = FIXED
        .iter()
        .map(|(id, level, why)| Rule {
            id: (*id).to_owned(),
            level: *level,
            why: (*why).to_owned(),
        })
        .collect();
    for d in [Direction::Request, Direction::Response] {
        for s in [Subject::Parameter, Subject::Body, Subject::Property] {
            if d == Direction::Response && s == Subject::Parameter {
                continue;
            }
            out.extend(schema_rules(d, s).into_iter().map(|(id, level, why)| Rule {
                id,
                level,
                why,
            }));
        }
    }
    out
}

/// The whole catalogue, by id.
pub fn catalogue() -> &'static BTreeMap<String, Rule> {
    static RULES: OnceLock<BTreeMap<String, Rule>> = OnceLock::new();
    RULES.get_or_init(|| declared().into_iter().map(|r| (r.id.clone(), r)).collect())
}

/// The rule for an id the differ emits. Every id the differ can emit is in the catalogue (a test
/// checks it); an unknown id would be a bug in this crate, reported as `info` rather than lost.
pub fn level(id: &str) -> Level {
    catalogue().get(id).map(|r| r.level).unwrap_or(Level::Info)
}
