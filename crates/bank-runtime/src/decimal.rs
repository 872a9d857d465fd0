//! [`Decimal`]: exact money that reads and writes JSON numbers.

use std::fmt;
use std::str::FromStr;

use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde::{Deserialize, Serialize, Serializer};
use serde_json::value::RawValue;

/// serde_json's private marker for raw values; `RawValue` itself is built on it.
const RAW_TOKEN: &str = "$serde_json::private::RawValue";

/// An exact decimal amount (up to 28 significant digits) that is a JSON *number* on the wire.
///
/// The banks send money as JSON numbers (`27508779.81`) and sometimes as strings
/// (`"27508779.81"`); both are read exactly from the JSON text, never through `f64`, and written
/// back as a number with the same digits. Outside serde_json (YAML, buffered untagged enums) the
/// value arrives already parsed by that format; integers and strings stay exact, floats are taken
/// at their shortest round-trip text.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Decimal(pub rust_decimal::Decimal);

impl Decimal {
    /// The inner `rust_decimal::Decimal`.
    pub fn get(self) -> rust_decimal::Decimal {
        self.0
    }
}

impl From<rust_decimal::Decimal> for Decimal {
    fn from(d: rust_decimal::Decimal) -> Self {
        Decimal(d)
    }
}

impl From<Decimal> for rust_decimal::Decimal {
    fn from(d: Decimal) -> Self {
        d.0
    }
}

impl From<i64> for Decimal {
    fn from(i: i64) -> Self {
        Decimal(i.into())
    }
}

/// A text that is not an exact decimal number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecimalError {
    /// The text as received.
    pub input: String,
    /// Why it was rejected.
    pub reason: String,
}

impl fmt::Display for DecimalError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "`{}` is not an exact decimal amount: {}",
            self.input, self.reason
        )
    }
}

impl std::error::Error for DecimalError {}

impl FromStr for Decimal {
    type Err = DecimalError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let t = s.trim();
        let parsed = if t.contains(['e', 'E']) {
            rust_decimal::Decimal::from_scientific(t)
        } else {
            rust_decimal::Decimal::from_str_exact(t)
        };
        parsed.map(Decimal).map_err(|e| DecimalError {
            input: s.to_owned(),
            reason: e.to_string(),
        })
    }
}

impl fmt::Display for Decimal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

impl fmt::Debug for Decimal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Decimal({})", self.0)
    }
}

impl Serialize for Decimal {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let raw = RawValue::from_string(self.0.to_string()).map_err(serde::ser::Error::custom)?;
        raw.serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for Decimal {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_newtype_struct(RAW_TOKEN, DecimalVisitor)
    }
}

struct DecimalVisitor;

impl DecimalVisitor {
    fn parse<E: de::Error>(text: &str) -> Result<Decimal, E> {
        let text = text.trim();
        let unquoted;
        let number = if text.starts_with('"') {
            unquoted = serde_json::from_str::<String>(text).map_err(E::custom)?;
            unquoted.as_str()
        } else {
            text
        };
        number.parse::<Decimal>().map_err(E::custom)
    }
}

impl<'de> Visitor<'de> for DecimalVisitor {
    type Value = Decimal;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a decimal amount as a JSON number or a numeric string")
    }

    // serde_json hands raw values over as a one-entry map holding the exact source text.
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Decimal, A::Error> {
        let key: Option<String> = map.next_key()?;
        if key.as_deref() != Some(RAW_TOKEN) {
            return Err(de::Error::invalid_type(de::Unexpected::Map, &self));
        }
        let raw: String = map.next_value()?;
        Self::parse(&raw)
    }

    fn visit_newtype_struct<D: Deserializer<'de>>(self, d: D) -> Result<Decimal, D::Error> {
        d.deserialize_any(self)
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Decimal, E> {
        v.parse().map_err(E::custom)
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Decimal, E> {
        Ok(Decimal(v.into()))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Decimal, E> {
        Ok(Decimal(v.into()))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Decimal, E> {
        if !v.is_finite() {
            return Err(E::custom(format!("{v} is not a decimal amount")));
        }
        // Shortest round-trip text of the float the format already produced.
        Self::parse(&format!("{v}"))
    }
}

/// An exact decimal in a query, path or header parameter, where a JSON number cannot go: written
/// as its text (`10.50`), read from text or a number. Generated builders take it for the
/// document's `type: number` parameters (with `exact-numbers`); a [`Decimal`] converts into it.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct DecimalParam(pub Decimal);

impl From<Decimal> for DecimalParam {
    fn from(d: Decimal) -> Self {
        DecimalParam(d)
    }
}

impl From<DecimalParam> for Decimal {
    fn from(d: DecimalParam) -> Self {
        d.0
    }
}

impl FromStr for DecimalParam {
    type Err = DecimalError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        s.parse().map(DecimalParam)
    }
}

impl TryFrom<&str> for DecimalParam {
    type Error = DecimalError;

    fn try_from(s: &str) -> Result<Self, Self::Error> {
        s.parse()
    }
}

impl fmt::Display for DecimalParam {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

impl fmt::Debug for DecimalParam {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DecimalParam({})", self.0.0)
    }
}

impl Serialize for DecimalParam {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for DecimalParam {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Decimal::deserialize(deserializer).map(DecimalParam)
    }
}

#[cfg(test)]
mod param_tests {
    use super::*;

    #[test]
    fn a_parameter_decimal_is_its_text_in_a_query() {
        let value: DecimalParam = "1.000000000000000001".parse().expect("exact");
        let query = serde_urlencoded_like(&value);
        assert_eq!(query, "1.000000000000000001");
        assert_eq!(value.to_string(), "1.000000000000000001");
        let back: DecimalParam = serde_json::from_str("10.50").expect("a number");
        assert_eq!(back.to_string(), "10.50");
    }

    /// What a text serializer sees: `collect_str` through serde_json's string form.
    fn serde_urlencoded_like(value: &DecimalParam) -> String {
        serde_json::to_value(value)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default()
    }
}
