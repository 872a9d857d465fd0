//! The banks' date and date-time layouts that are not RFC 3339, each as its own type whose parse
//! error names the layout it expected. Layouts and patterns come from the one formats table,
//! [`bank_openapi::formats`].

use std::fmt;

/// A date or date-time text that does not match the layout its field declares.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LayoutError {
    /// The text as received.
    pub input: String,
    /// The layout the field uses, as the spec writes it (`dd-MM-yyyy`).
    pub layout: &'static str,
    /// chrono's reason.
    pub reason: String,
}

impl fmt::Display for LayoutError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "`{}` does not match the layout {}: {}",
            self.input, self.layout, self.reason
        )
    }
}

impl std::error::Error for LayoutError {}

macro_rules! layout_type {
    ($(#[$doc:meta])* $name:ident, $inner:ty, $format:path) => {
        $(#[$doc])*
        #[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub struct $name(pub $inner);

        impl $name {
            /// The layout as the spec writes it.
            pub const LAYOUT: &'static str = $format.name;
            /// The chrono pattern of the layout.
            const PATTERN: &'static str = $format.pattern();

            /// The chrono value.
            pub fn get(self) -> $inner {
                self.0
            }
        }

        impl From<$inner> for $name {
            fn from(v: $inner) -> Self {
                $name(v)
            }
        }

        impl std::str::FromStr for $name {
            type Err = LayoutError;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                <$inner>::parse_from_str(s, Self::PATTERN)
                    .map($name)
                    .map_err(|e| LayoutError { input: s.to_owned(), layout: Self::LAYOUT, reason: e.to_string() })
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Display::fmt(&self.0.format(Self::PATTERN), f)
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, concat!(stringify!($name), "({})"), self)
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.collect_str(self)
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let text = <std::borrow::Cow<'de, str>>::deserialize(d)?;
                text.parse().map_err(serde::de::Error::custom)
            }
        }
    };
}

layout_type!(
    /// A date written `dd-MM-yyyy` (`31-03-2020`), as BCC's FinancialAPI sends dates.
    DateDmy, chrono::NaiveDate, bank_openapi::formats::DATE_DMY
);
layout_type!(
    /// A date-time written `yyyy-MM-dd HH:mm:ss` (`2019-12-10 00:00:00`), bank local time.
    DateTimeYmdHms, chrono::NaiveDateTime, bank_openapi::formats::DATE_TIME_YMD_HMS
);
layout_type!(
    /// A date-time written `dd-MM-yyyy HH:mm:ss` (`23-02-2021 15:08:23`), bank local time.
    DateTimeDmyHms, chrono::NaiveDateTime, bank_openapi::formats::DATE_TIME_DMY_HMS
);
layout_type!(
    /// A date-time written `dd.MM.yyyy HH:mm:ss` (`06.10.2023 10:07:23`), bank local time.
    DateTimeDmyHmsDots, chrono::NaiveDateTime, bank_openapi::formats::DATE_TIME_DMY_HMS_DOTS
);

/// An RFC 3339 date-time that keeps the offset it was written with (`2023-02-11T04:44:31+06:00`
/// reads and writes back as `+06:00`, not as UTC).
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct DateTime(pub chrono::DateTime<chrono::FixedOffset>);

impl DateTime {
    /// The chrono value.
    pub fn get(self) -> chrono::DateTime<chrono::FixedOffset> {
        self.0
    }
}

impl From<chrono::DateTime<chrono::FixedOffset>> for DateTime {
    fn from(v: chrono::DateTime<chrono::FixedOffset>) -> Self {
        DateTime(v)
    }
}

impl std::str::FromStr for DateTime {
    type Err = LayoutError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        chrono::DateTime::parse_from_rfc3339(s)
            .map(DateTime)
            .map_err(|e| LayoutError {
                input: s.to_owned(),
                layout: "RFC 3339 date-time",
                reason: e.to_string(),
            })
    }
}

impl fmt::Display for DateTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true))
    }
}

impl fmt::Debug for DateTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DateTime({self})")
    }
}

impl serde::Serialize for DateTime {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for DateTime {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}
