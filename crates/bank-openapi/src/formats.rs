//! The one table of string and number `format`s the banks use: how each is written (its layout
//! and chrono pattern), how it is checked, which runtime type holds it, and a sample value.
//! The generator's normalisation (which type), the validator (which layout), the example maker
//! (which sample) and the runtime's date types (which pattern) all read it.

/// How a format's text is checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Check {
    /// A date in a chrono pattern.
    Date(&'static str),
    /// A date-time without offset in a chrono pattern (bank local time).
    NaiveDateTime(&'static str),
    /// An RFC 3339 date-time.
    Rfc3339,
    /// A hyphenated UUID (`8-4-4-4-12` hex digits).
    Uuid,
    /// Nothing to check in the text (a number format, or a free-form one).
    None,
}

/// One format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Format {
    /// The JSON type it applies to (`string`, `number`).
    pub json_type: &'static str,
    /// The `format` value as a document writes it (`dd-MM-yyyy`).
    pub name: &'static str,
    /// How its text is checked.
    pub check: Check,
    /// The `bank-runtime` type that holds it exactly (`DateDmy`), when the runtime has one.
    pub runtime_type: Option<&'static str>,
    /// A valid value, for examples the generator has to make up.
    pub sample: &'static str,
}

/// `number` / `decimal`: money, held exactly.
pub const DECIMAL: Format = Format {
    json_type: "number",
    name: "decimal",
    check: Check::None,
    runtime_type: Some("Decimal"),
    sample: "0",
};
/// `date`: `yyyy-MM-dd` (RFC 3339 full-date).
pub const DATE: Format = Format {
    json_type: "string",
    name: "date",
    check: Check::Date("%Y-%m-%d"),
    runtime_type: None,
    sample: "2020-03-31",
};
/// `date-time`: RFC 3339, offset kept as written.
pub const DATE_TIME: Format = Format {
    json_type: "string",
    name: "date-time",
    check: Check::Rfc3339,
    runtime_type: Some("DateTime"),
    sample: "2020-03-31T10:00:00+06:00",
};
/// `uuid`.
pub const UUID: Format = Format {
    json_type: "string",
    name: "uuid",
    check: Check::Uuid,
    runtime_type: None,
    sample: "00000000-0000-4000-8000-000000000000",
};
/// `dd-MM-yyyy` (`31-03-2020`): BCC FinancialAPI dates.
pub const DATE_DMY: Format = Format {
    json_type: "string",
    name: "dd-MM-yyyy",
    check: Check::Date("%d-%m-%Y"),
    runtime_type: Some("DateDmy"),
    sample: "31-03-2020",
};
/// `yyyy-MM-dd HH:mm:ss` (`2019-12-10 21:33:44`): BCC payment and message date-times.
pub const DATE_TIME_YMD_HMS: Format = Format {
    json_type: "string",
    name: "yyyy-MM-dd HH:mm:ss",
    check: Check::NaiveDateTime("%Y-%m-%d %H:%M:%S"),
    runtime_type: Some("DateTimeYmdHms"),
    sample: "2020-03-31 10:00:00",
};
/// `dd-MM-yyyy HH:mm:ss` (`23-02-2021 15:08:23`): BCC statement v2 date-times.
pub const DATE_TIME_DMY_HMS: Format = Format {
    json_type: "string",
    name: "dd-MM-yyyy HH:mm:ss",
    check: Check::NaiveDateTime("%d-%m-%Y %H:%M:%S"),
    runtime_type: Some("DateTimeDmyHms"),
    sample: "31-03-2020 10:00:00",
};
/// `dd.MM.yyyy HH:mm:ss` (`06.10.2023 10:07:23`): broker date-times.
pub const DATE_TIME_DMY_HMS_DOTS: Format = Format {
    json_type: "string",
    name: "dd.MM.yyyy HH:mm:ss",
    check: Check::NaiveDateTime("%d.%m.%Y %H:%M:%S"),
    runtime_type: Some("DateTimeDmyHmsDots"),
    sample: "31.03.2020 10:00:00",
};

/// Every format with a meaning here; others (`byte`, `password`, `int64`, …) are not checked.
pub const FORMATS: &[Format] = &[
    DECIMAL,
    DATE,
    DATE_TIME,
    UUID,
    DATE_DMY,
    DATE_TIME_YMD_HMS,
    DATE_TIME_DMY_HMS,
    DATE_TIME_DMY_HMS_DOTS,
];

/// The format named `name` (`format:` value), if the table has it.
pub fn find(name: &str) -> Option<&'static Format> {
    FORMATS.iter().find(|f| f.name == name)
}

impl Format {
    /// Whether `s` is written in this format.
    pub fn accepts(&self, s: &str) -> bool {
        match self.check {
            Check::Date(pattern) => chrono::NaiveDate::parse_from_str(s, pattern).is_ok(),
            Check::NaiveDateTime(pattern) => {
                chrono::NaiveDateTime::parse_from_str(s, pattern).is_ok()
            }
            Check::Rfc3339 => chrono::DateTime::parse_from_rfc3339(s).is_ok(),
            Check::Uuid => {
                s.len() == 36
                    && s.chars().enumerate().all(|(i, c)| {
                        if [8, 13, 18, 23].contains(&i) {
                            c == '-'
                        } else {
                            c.is_ascii_hexdigit()
                        }
                    })
            }
            Check::None => true,
        }
    }

    /// The chrono pattern of a date or naive date-time format (`""` for the others), usable in
    /// constants (the runtime's date types are built from it).
    pub const fn pattern(&self) -> &'static str {
        match self.check {
            Check::Date(p) | Check::NaiveDateTime(p) => p,
            _ => "",
        }
    }
}

/// The checked string format that `s` is written in, trying the table in order (so a bank's
/// layout is named when a value or example does not follow its declared `format`).
pub fn layout_of(s: &str) -> Option<&'static Format> {
    FORMATS
        .iter()
        .find(|f| f.check != Check::None && f.json_type == "string" && f.accepts(s))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_sample_is_in_its_own_format_and_names_are_unique() {
        for f in FORMATS {
            assert!(f.accepts(f.sample), "{}: {}", f.name, f.sample);
            assert_eq!(FORMATS.iter().filter(|g| g.name == f.name).count(), 1);
        }
        assert_eq!(layout_of("31-03-2020").map(|f| f.name), Some("dd-MM-yyyy"));
        assert!(!DATE.accepts("31-03-2020"));
    }
}
