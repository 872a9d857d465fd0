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
///
/// A zero offset is written back the way it came (`Z` or `+00:00`), so that a value read and
/// written again keeps its text; equality, order and hashing compare the instant and offset only.
#[derive(Clone, Copy)]
pub struct DateTime {
    value: chrono::DateTime<chrono::FixedOffset>,
    /// A zero offset was written `Z` (or the value was made in code).
    zulu: bool,
}

impl PartialEq for DateTime {
    fn eq(&self, other: &Self) -> bool {
        self.value == other.value && self.value.offset() == other.value.offset()
    }
}

impl Eq for DateTime {}

impl PartialOrd for DateTime {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for DateTime {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.value.cmp(&other.value).then_with(|| {
            self.value
                .offset()
                .local_minus_utc()
                .cmp(&other.value.offset().local_minus_utc())
        })
    }
}

impl std::hash::Hash for DateTime {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.value.hash(state);
        self.value.offset().local_minus_utc().hash(state);
    }
}

impl DateTime {
    /// A date-time with its offset (a zero offset is written `Z`).
    pub fn new(value: chrono::DateTime<chrono::FixedOffset>) -> Self {
        DateTime { value, zulu: true }
    }

    /// The chrono value.
    pub fn get(self) -> chrono::DateTime<chrono::FixedOffset> {
        self.value
    }
}

impl From<chrono::DateTime<chrono::FixedOffset>> for DateTime {
    fn from(v: chrono::DateTime<chrono::FixedOffset>) -> Self {
        DateTime::new(v)
    }
}

impl std::str::FromStr for DateTime {
    type Err = LayoutError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        chrono::DateTime::parse_from_rfc3339(s)
            .map(|value| DateTime {
                value,
                zulu: !s.trim_end().ends_with("00:00"),
            })
            .map_err(|e| LayoutError {
                input: s.to_owned(),
                layout: "RFC 3339 date-time",
                reason: e.to_string(),
            })
    }
}

impl fmt::Display for DateTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(
            &self
                .value
                .to_rfc3339_opts(chrono::SecondsFormat::AutoSi, self.zulu),
        )
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

#[cfg(test)]
mod offset_text_tests {
    use super::DateTime;

    #[test]
    fn a_zero_offset_is_written_back_as_it_came() {
        for text in [
            "2024-01-01T10:00:00Z",
            "2024-01-01T10:00:00+00:00",
            "2023-02-11T04:44:31+06:00",
            "2023-02-11T04:44:31.250-03:30",
        ] {
            let value: DateTime = text.parse().expect("RFC 3339");
            assert_eq!(value.to_string(), text);
            let json = serde_json::to_string(&value).expect("serialises");
            assert_eq!(json, format!("\"{text}\""));
        }
        let z: DateTime = "2024-01-01T10:00:00Z".parse().expect("z");
        let plus: DateTime = "2024-01-01T10:00:00+00:00".parse().expect("plus");
        assert_eq!(z, plus, "the same instant and offset");
    }
}
