//! The parts of a schema rule's id: which side of the wire, what the schema describes, and what
//! changed (a keyword, a constraint tightened or loosened, a property).

use std::fmt;

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
    /// A parameter's schema (always on the request side).
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

/// A numeric or textual constraint the diff compares.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Constraint {
    /// `maxLength`.
    MaxLength,
    /// `minLength`.
    MinLength,
    /// `pattern`.
    Pattern,
    /// `maximum`.
    Maximum,
    /// `minimum`.
    Minimum,
    /// `exclusiveMaximum`.
    ExclusiveMaximum,
    /// `exclusiveMinimum`.
    ExclusiveMinimum,
    /// `multipleOf`.
    MultipleOf,
    /// `maxItems`.
    MaxItems,
    /// `minItems`.
    MinItems,
    /// `uniqueItems`.
    UniqueItems,
    /// `maxProperties`.
    MaxProperties,
    /// `minProperties`.
    MinProperties,
}

impl Constraint {
    /// Every constraint, in the order the diff compares them and the catalogue lists them.
    pub const ALL: [Constraint; 13] = [
        Constraint::MaxLength,
        Constraint::MinLength,
        Constraint::Pattern,
        Constraint::Maximum,
        Constraint::Minimum,
        Constraint::ExclusiveMaximum,
        Constraint::ExclusiveMinimum,
        Constraint::MultipleOf,
        Constraint::MaxItems,
        Constraint::MinItems,
        Constraint::UniqueItems,
        Constraint::MaxProperties,
        Constraint::MinProperties,
    ];

    /// The JSON Schema keyword (`maxLength`).
    pub fn keyword(self) -> &'static str {
        match self {
            Constraint::MaxLength => "maxLength",
            Constraint::MinLength => "minLength",
            Constraint::Pattern => "pattern",
            Constraint::Maximum => "maximum",
            Constraint::Minimum => "minimum",
            Constraint::ExclusiveMaximum => "exclusiveMaximum",
            Constraint::ExclusiveMinimum => "exclusiveMinimum",
            Constraint::MultipleOf => "multipleOf",
            Constraint::MaxItems => "maxItems",
            Constraint::MinItems => "minItems",
            Constraint::UniqueItems => "uniqueItems",
            Constraint::MaxProperties => "maxProperties",
            Constraint::MinProperties => "minProperties",
        }
    }

    /// Whether the generator turns the keyword into the Rust type itself: a string with
    /// `maxLength`, `minLength` or `pattern` is a validating newtype (a plain `String` without
    /// them), integer bounds choose the integer type (`minimum: 1` gives `NonZeroU32`,
    /// `minimum: 0` an unsigned type, bounds without a `format` the smallest type that fits), and
    /// `uniqueItems` changes the collection. Adding, removing or moving such a keyword can change
    /// the type user code names; the others only validate values. `cargo xtask semver-probe`
    /// checks this against the generator.
    pub fn shapes_rust_type(self) -> bool {
        matches!(
            self,
            Constraint::MaxLength
                | Constraint::MinLength
                | Constraint::Pattern
                | Constraint::Maximum
                | Constraint::Minimum
                | Constraint::ExclusiveMaximum
                | Constraint::ExclusiveMinimum
                | Constraint::UniqueItems
        )
    }

    /// The keyword as it appears in rule ids (`max-length`).
    pub fn id_part(self) -> &'static str {
        match self {
            Constraint::MaxLength => "max-length",
            Constraint::MinLength => "min-length",
            Constraint::Pattern => "pattern",
            Constraint::Maximum => "maximum",
            Constraint::Minimum => "minimum",
            Constraint::ExclusiveMaximum => "exclusive-maximum",
            Constraint::ExclusiveMinimum => "exclusive-minimum",
            Constraint::MultipleOf => "multiple-of",
            Constraint::MaxItems => "max-items",
            Constraint::MinItems => "min-items",
            Constraint::UniqueItems => "unique-items",
            Constraint::MaxProperties => "max-properties",
            Constraint::MinProperties => "min-properties",
        }
    }

    /// How a new value compares with the old.
    pub fn tighter(self) -> Tighter {
        match self {
            Constraint::MaxLength
            | Constraint::Maximum
            | Constraint::MaxItems
            | Constraint::MaxProperties => Tighter::Smaller,
            Constraint::MinLength
            | Constraint::Minimum
            | Constraint::MinItems
            | Constraint::MinProperties => Tighter::Larger,
            Constraint::Pattern | Constraint::MultipleOf => Tighter::Changed,
            Constraint::ExclusiveMaximum
            | Constraint::ExclusiveMinimum
            | Constraint::UniqueItems => Tighter::True,
        }
    }
}

/// A change to a schema, wherever the schema is (`{direction}-{subject}-{change}`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum SchemaChange {
    /// `type-changed`.
    TypeChanged,
    /// `format-changed`.
    FormatChanged,
    /// `enum-value-added`.
    EnumValueAdded,
    /// `enum-value-removed`.
    EnumValueRemoved,
    /// `became-nullable`.
    BecameNullable,
    /// `became-not-nullable`.
    BecameNotNullable,
    /// `enum-restricted`: an `enum` list appeared.
    EnumRestricted,
    /// `enum-unrestricted`: the `enum` list went away.
    EnumUnrestricted,
    /// `composition-changed`: allOf / oneOf / anyOf members changed in number or kind.
    CompositionChanged,
    /// `ref-changed`.
    RefChanged,
    /// `additional-properties-changed`.
    AdditionalPropertiesChanged,
    /// `default-changed`.
    DefaultChanged,
    /// `deprecated`.
    Deprecated,
    /// `keyword-changed`: a keyword the generator does not turn into code.
    KeywordChanged,
    /// `{constraint}-tightened`.
    Tightened(Constraint),
    /// `{constraint}-loosened`.
    Loosened(Constraint),
}

impl SchemaChange {
    /// Every schema change, in catalogue order: the plain changes, then each constraint
    /// tightened and loosened.
    pub fn all() -> Vec<SchemaChange> {
        use SchemaChange::*;
        let mut out = vec![
            TypeChanged,
            FormatChanged,
            EnumValueAdded,
            EnumValueRemoved,
            BecameNullable,
            BecameNotNullable,
            EnumRestricted,
            EnumUnrestricted,
            CompositionChanged,
            RefChanged,
            AdditionalPropertiesChanged,
            DefaultChanged,
            Deprecated,
            KeywordChanged,
        ];
        for c in Constraint::ALL {
            out.extend([Tightened(c), Loosened(c)]);
        }
        out
    }
}

impl fmt::Display for SchemaChange {
    /// The id suffix (`type-changed`, `max-length-tightened`).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use SchemaChange::*;
        let plain = match self {
            TypeChanged => "type-changed",
            FormatChanged => "format-changed",
            EnumValueAdded => "enum-value-added",
            EnumValueRemoved => "enum-value-removed",
            BecameNullable => "became-nullable",
            BecameNotNullable => "became-not-nullable",
            EnumRestricted => "enum-restricted",
            EnumUnrestricted => "enum-unrestricted",
            CompositionChanged => "composition-changed",
            RefChanged => "ref-changed",
            AdditionalPropertiesChanged => "additional-properties-changed",
            DefaultChanged => "default-changed",
            Deprecated => "deprecated",
            KeywordChanged => "keyword-changed",
            Tightened(c) => return write!(f, "{}-tightened", c.id_part()),
            Loosened(c) => return write!(f, "{}-loosened", c.id_part()),
        };
        f.write_str(plain)
    }
}

/// A change to the properties of an object schema (`{direction}-property-{change}`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum PropertyChange {
    /// `added-required`.
    AddedRequired,
    /// `added` (optional).
    Added,
    /// `removed`.
    Removed,
    /// `became-required`.
    BecameRequired,
    /// `became-optional`.
    BecameOptional,
}

impl PropertyChange {
    /// Every property change, in catalogue order.
    pub const ALL: [PropertyChange; 5] = [
        PropertyChange::AddedRequired,
        PropertyChange::Added,
        PropertyChange::Removed,
        PropertyChange::BecameRequired,
        PropertyChange::BecameOptional,
    ];

    /// The id suffix (`added-required`).
    pub fn as_str(self) -> &'static str {
        match self {
            PropertyChange::AddedRequired => "added-required",
            PropertyChange::Added => "added",
            PropertyChange::Removed => "removed",
            PropertyChange::BecameRequired => "became-required",
            PropertyChange::BecameOptional => "became-optional",
        }
    }
}
