//! The one walk over a document's objects, with the JSON pointer of each; and which keys hold
//! data (examples, defaults, enum values, tables) rather than document structure, so that no walk
//! mistakes a payload for a schema.

use serde_json::{Map, Value};

use crate::pointer::escape;

/// Keys whose values are data, not part of the document's structure.
pub const DATA_KEYS: &[&str] = &[
    "example",
    "examples",
    "default",
    "enum",
    crate::ext::ERROR_CODES,
];

/// Call `f` on every object of `v` outside [`DATA_KEYS`], with its JSON pointer, depth first in
/// document order; the first error stops the walk.
pub fn visit_objects<E>(
    v: &Value,
    f: &mut impl FnMut(&Map<String, Value>, &str) -> Result<(), E>,
) -> Result<(), E> {
    walk(v, &mut String::new(), f)
}

fn walk<E>(
    v: &Value,
    pointer: &mut String,
    f: &mut impl FnMut(&Map<String, Value>, &str) -> Result<(), E>,
) -> Result<(), E> {
    match v {
        Value::Object(map) => {
            f(map, pointer)?;
            for (key, child) in map {
                if DATA_KEYS.contains(&key.as_str()) {
                    continue;
                }
                let len = pointer.len();
                pointer.push('/');
                pointer.push_str(&escape(key));
                walk(child, pointer, f)?;
                pointer.truncate(len);
            }
        }
        Value::Array(items) => {
            for (i, child) in items.iter().enumerate() {
                let len = pointer.len();
                pointer.push('/');
                pointer.push_str(&i.to_string());
                walk(child, pointer, f)?;
                pointer.truncate(len);
            }
        }
        _ => {}
    }
    Ok(())
}

/// Call `f` on every object of `v` outside [`DATA_KEYS`], mutably, children before their parent
/// is left (the parent is visited first, then its children as they are after `f`).
pub fn visit_objects_mut(v: &mut Value, f: &mut impl FnMut(&mut Map<String, Value>)) {
    match v {
        Value::Object(map) => {
            f(map);
            for (key, child) in map.iter_mut() {
                if !DATA_KEYS.contains(&key.as_str()) {
                    visit_objects_mut(child, f);
                }
            }
        }
        Value::Array(items) => {
            for child in items {
                visit_objects_mut(child, f);
            }
        }
        _ => {}
    }
}
