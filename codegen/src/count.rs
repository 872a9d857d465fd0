//! A file's nodes counted as the parser reads them, before any value is built: a document
//! whose nodes (YAML aliases expanded) pass the cap is refused while counting, in little memory,
//! at the JSON pointer where it passed it; an alias bomb that trips the YAML parser's own
//! repetition limit is located the same way.

use std::cell::{Cell, RefCell};
use std::fmt;

use serde::de::{
    self, DeserializeSeed, Deserializer, EnumAccess, MapAccess, SeqAccess, VariantAccess, Visitor,
};

use crate::load::escape_pointer;

/// What counting found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Counted {
    /// Within the cap: this many nodes.
    Within(u64),
    /// The cap was passed at this JSON pointer.
    OverCap(String),
    /// The YAML parser's repetition limit on aliases was hit at this JSON pointer.
    Repetition(String),
    /// The parser failed for another reason (reported by the real parse).
    Malformed,
}

/// Count the nodes of JSON text, up to `cap`.
pub(crate) fn json(text: &str, cap: u64) -> Counted {
    let tally = Tally::new(cap);
    let mut de = serde_json::Deserializer::from_str(text);
    let result = Count(&tally).deserialize(&mut de).and_then(|()| de.end());
    tally.outcome(result.map_err(|e| e.to_string()))
}

/// Count the nodes of YAML text, aliases expanded, up to `cap`.
pub(crate) fn yaml(text: &str, cap: u64) -> Counted {
    let tally = Tally::new(cap);
    let result = Count(&tally).deserialize(yaml_serde::Deserializer::from_str(text));
    tally.outcome(result.map_err(|e| e.to_string()))
}

/// The running count and where the reader is.
struct Tally {
    count: Cell<u64>,
    cap: u64,
    path: RefCell<Vec<String>>,
    over: Cell<bool>,
}

impl Tally {
    fn new(cap: u64) -> Self {
        Tally {
            count: Cell::new(0),
            cap,
            path: RefCell::new(Vec::new()),
            over: Cell::new(false),
        }
    }

    fn pointer(&self) -> String {
        self.path
            .borrow()
            .iter()
            .map(|k| format!("/{}", escape_pointer(k)))
            .collect()
    }

    fn tick<E: de::Error>(&self) -> Result<(), E> {
        let n = self.count.get() + 1;
        self.count.set(n);
        if n > self.cap {
            self.over.set(true);
            return Err(E::custom("over the node cap"));
        }
        Ok(())
    }

    fn outcome(&self, result: Result<(), String>) -> Counted {
        match result {
            Ok(()) => Counted::Within(self.count.get()),
            Err(_) if self.over.get() => Counted::OverCap(self.pointer()),
            Err(message) if message.contains("repetition limit exceeded") => {
                Counted::Repetition(self.pointer())
            }
            Err(_) => Counted::Malformed,
        }
    }
}

/// Counts one value (and everything inside it).
#[derive(Clone, Copy)]
struct Count<'a>(&'a Tally);

impl<'de> DeserializeSeed<'de> for Count<'_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Count<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any value")
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<(), E> {
        self.0.tick()
    }
    fn visit_i64<E: de::Error>(self, _: i64) -> Result<(), E> {
        self.0.tick()
    }
    fn visit_u64<E: de::Error>(self, _: u64) -> Result<(), E> {
        self.0.tick()
    }
    fn visit_i128<E: de::Error>(self, _: i128) -> Result<(), E> {
        self.0.tick()
    }
    fn visit_u128<E: de::Error>(self, _: u128) -> Result<(), E> {
        self.0.tick()
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<(), E> {
        self.0.tick()
    }
    fn visit_str<E: de::Error>(self, _: &str) -> Result<(), E> {
        self.0.tick()
    }
    fn visit_bytes<E: de::Error>(self, _: &[u8]) -> Result<(), E> {
        self.0.tick()
    }
    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        self.0.tick()
    }
    fn visit_none<E: de::Error>(self) -> Result<(), E> {
        self.0.tick()
    }
    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        self.deserialize(deserializer)
    }
    fn visit_newtype_struct<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        self.deserialize(deserializer)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        self.0.tick()?;
        self.0.path.borrow_mut().push(String::new());
        let mut index = 0u64;
        loop {
            if let Some(last) = self.0.path.borrow_mut().last_mut() {
                *last = index.to_string();
            }
            if seq.next_element_seed(self)?.is_none() {
                break;
            }
            index += 1;
        }
        self.0.path.borrow_mut().pop();
        Ok(())
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        self.0.tick()?;
        while let Some(key) = map.next_key_seed(Key(self.0))? {
            self.0.path.borrow_mut().push(key);
            map.next_value_seed(self)?;
            self.0.path.borrow_mut().pop();
        }
        Ok(())
    }

    /// A YAML tag (`!tag value`): the value counts.
    fn visit_enum<A: EnumAccess<'de>>(self, data: A) -> Result<(), A::Error> {
        let (_, variant) = data.variant_seed(Key(self.0))?;
        variant.newtype_variant_seed(self)
    }
}

/// A mapping key, kept as text for the pointer (a mapping or sequence as a key is counted and
/// shown as `?`).
#[derive(Clone, Copy)]
struct Key<'a>(&'a Tally);

impl<'de> DeserializeSeed<'de> for Key<'_> {
    type Value = String;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<String, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Key<'_> {
    type Value = String;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a mapping key")
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<String, E> {
        Ok(v.to_string())
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<String, E> {
        Ok(v.to_string())
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<String, E> {
        Ok(v.to_string())
    }
    fn visit_i128<E: de::Error>(self, v: i128) -> Result<String, E> {
        Ok(v.to_string())
    }
    fn visit_u128<E: de::Error>(self, v: u128) -> Result<String, E> {
        Ok(v.to_string())
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<String, E> {
        Ok(v.to_string())
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<String, E> {
        Ok(v.to_owned())
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<String, E> {
        Ok(v)
    }
    fn visit_bytes<E: de::Error>(self, _: &[u8]) -> Result<String, E> {
        Ok("?".to_owned())
    }
    fn visit_unit<E: de::Error>(self) -> Result<String, E> {
        Ok("null".to_owned())
    }
    fn visit_none<E: de::Error>(self) -> Result<String, E> {
        Ok("null".to_owned())
    }
    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<String, D::Error> {
        self.deserialize(deserializer)
    }
    fn visit_newtype_struct<D: Deserializer<'de>>(
        self,
        deserializer: D,
    ) -> Result<String, D::Error> {
        self.deserialize(deserializer)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<String, A::Error> {
        Count(self.0).visit_seq(seq).map(|()| "?".to_owned())
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<String, A::Error> {
        Count(self.0).visit_map(map).map(|()| "?".to_owned())
    }
    fn visit_enum<A: EnumAccess<'de>>(self, data: A) -> Result<String, A::Error> {
        Count(self.0).visit_enum(data).map(|()| "?".to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nodes_are_counted_with_aliases_expanded_and_the_cap_is_located() {
        assert_eq!(
            json(r#"{"a": [1, 2, {"b": null}]}"#, 100),
            Counted::Within(6)
        );
        assert_eq!(
            yaml("a: &x [1, 2]\nb: *x\nc: *x\n", 100),
            Counted::Within(10)
        );
        assert_eq!(
            json(r#"{"a": [1, 2, {"b/c": [1, 2, 3]}]}"#, 6),
            Counted::OverCap("/a/2/b~1c/0".to_owned())
        );
        assert_eq!(
            yaml("a: &x [1, 2, 3]\nb: [*x, *x]\n", 8),
            Counted::OverCap("/b/0/1".to_owned())
        );
        assert_eq!(json("{", 10), Counted::Malformed);
    }
}
