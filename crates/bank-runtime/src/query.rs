//! Query parameters in the form a document declares beyond what progenitor writes: an array
//! with `style: form, explode: false` is one pair with the values joined by commas
//! (`ids=1,2`), where progenitor writes one pair per value (`ids=1&ids=2`). The generated code
//! sends such a parameter through [`CommaSeparated`]; the typed mocks match it the same way.

use serde::Serialize;
use serde::ser::SerializeSeq;

/// One query pair `name=v1,v2,…` for an array (or an optional array: no pair when absent, nor
/// for an empty array), each value written as its JSON scalar (a string as it is, a number or a
/// boolean as its text).
pub struct CommaSeparated<'a, T: ?Sized> {
    name: &'static str,
    value: &'a T,
}

impl<'a, T: Serialize + ?Sized> CommaSeparated<'a, T> {
    /// The parameter `name` with `value` (a `Vec`, a slice, or an `Option` of one).
    pub fn new(name: &'static str, value: &'a T) -> Self {
        CommaSeparated { name, value }
    }

    /// The joined text (`None` when there is nothing to send), or why a value cannot be one.
    pub fn joined(&self) -> Result<Option<String>, String> {
        let value = serde_json::to_value(self.value).map_err(|e| e.to_string())?;
        let items = match value {
            serde_json::Value::Null => return Ok(None),
            serde_json::Value::Array(items) => items,
            other => vec![other],
        };
        if items.is_empty() {
            return Ok(None);
        }
        let texts = items
            .into_iter()
            .map(|item| match item {
                serde_json::Value::String(s) => Ok(s),
                serde_json::Value::Number(n) => Ok(n.to_string()),
                serde_json::Value::Bool(b) => Ok(b.to_string()),
                other => Err(format!(
                    "`{}`: {other} is no scalar a comma-separated list can carry",
                    self.name
                )),
            })
            .collect::<Result<Vec<String>, String>>()?;
        Ok(Some(texts.join(",")))
    }
}

impl<T: Serialize + ?Sized> Serialize for CommaSeparated<'_, T> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let joined = self.joined().map_err(serde::ser::Error::custom)?;
        let mut seq = serializer.serialize_seq(Some(usize::from(joined.is_some())))?;
        if let Some(joined) = joined {
            seq.serialize_element(&(self.name, joined))?;
        }
        seq.end()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn query<T: Serialize + ?Sized>(name: &'static str, value: &T) -> String {
        serde_urlencoded::to_string(CommaSeparated::new(name, value)).expect("encodes")
    }

    #[test]
    fn arrays_are_one_pair_of_comma_joined_values() {
        assert_eq!(query("ids", &vec![1_i64, 2]), "ids=1%2C2");
        assert_eq!(query("tags", &["a b", "c"]), "tags=a+b%2Cc");
        assert_eq!(query("ids", &None::<Vec<i64>>), "");
        assert_eq!(query("ids", &Some(vec![true])), "ids=true");
        assert_eq!(query("ids", &Vec::<i64>::new()), "");
        let nested = vec![vec![1]];
        assert!(serde_urlencoded::to_string(CommaSeparated::new("x", &nested)).is_err());
    }
}
