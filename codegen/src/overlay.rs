//! Declared fixes: an [OpenAPI Overlay 1.0](https://spec.openapis.org/overlay/v1.0.0.html) file
//! beside each bank document, applied to the converted OpenAPI 3.0 document.
//!
//! JSONPath targets survive a bank reordering its document. Two rules are stricter than the
//! Overlay specification, on purpose: every action must say why (`description`), and an action
//! whose target matches nothing is an error — after a bank update that means the fix needs review.

use std::path::Path;

use serde::Deserialize;
use serde_json::Value;
use serde_json_path::JsonPath;

use crate::error::{Error, Result};

/// An Overlay 1.0 document.
#[derive(Debug, Clone, Deserialize)]
pub struct Overlay {
    /// The Overlay version (`1.0.0`).
    pub overlay: String,
    /// Title and version of the overlay itself.
    pub info: OverlayInfo,
    /// The document this overlay is written for (informational).
    #[serde(default)]
    pub extends: Option<String>,
    /// The fixes, applied in order.
    pub actions: Vec<Action>,
}

/// `info` of an overlay.
#[derive(Debug, Clone, Deserialize)]
pub struct OverlayInfo {
    /// What the overlay is.
    pub title: String,
    /// Its version.
    pub version: String,
}

/// One fix.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Action {
    /// A JSONPath (RFC 9535) selecting the nodes to change.
    pub target: String,
    /// Why the fix exists. Required here.
    #[serde(default)]
    pub description: Option<String>,
    /// Merged into each selected node (objects recursively; arrays appended; scalars replaced).
    #[serde(default)]
    pub update: Option<Value>,
    /// Removes each selected node from its parent.
    #[serde(default)]
    pub remove: bool,
}

/// Parse an overlay file, checking that every action has a reason and exactly one effect.
pub fn parse(path: &Path, text: &str) -> Result<Overlay> {
    let value = crate::load::parse_value(path, text)?;
    let overlay: Overlay = serde_json::from_value(value)
        .map_err(|e| Error::invalid(path, "/", format!("not an Overlay 1.0 document: {e}")))?;
    if !overlay.overlay.starts_with("1.") {
        return Err(Error::invalid(
            path,
            "/overlay",
            format!("unsupported Overlay version {}", overlay.overlay),
        ));
    }
    for (i, action) in overlay.actions.iter().enumerate() {
        let pointer = format!("/actions/{i}");
        if action
            .description
            .as_deref()
            .is_none_or(|d| d.trim().is_empty())
        {
            return Err(Error::invalid(
                path,
                pointer,
                "every fix must say why in `description`",
            ));
        }
        if action.remove == action.update.is_some() {
            return Err(Error::invalid(
                path,
                pointer,
                "a fix needs exactly one of `update` or `remove: true`",
            ));
        }
        JsonPath::parse(&action.target).map_err(|e| {
            Error::invalid(
                path,
                format!("{pointer}/target"),
                format!("bad JSONPath `{}`: {e}", action.target),
            )
        })?;
    }
    Ok(overlay)
}

/// Apply every action in order. Every fix whose target matches nothing is reported, all at once
/// (one error, or [`Error::Several`]); the others are still applied so that later targets see
/// the document they were written for.
pub fn apply(path: &Path, overlay: &Overlay, doc: &mut Value) -> Result<usize> {
    let mut changed = 0;
    let mut vanished = Vec::new();
    for (i, action) in overlay.actions.iter().enumerate() {
        // Parsed once in `parse`; parsing again here cannot fail.
        let jsonpath = JsonPath::parse(&action.target)
            .map_err(|e| Error::invalid(path, format!("/actions/{i}/target"), e.to_string()))?;
        let pointers: Vec<String> = jsonpath
            .query_located(doc)
            .locations()
            .map(|l| l.to_json_pointer())
            .collect();
        if pointers.is_empty() {
            vanished.push(Error::FixTargetVanished {
                path: path.to_path_buf(),
                index: i + 1,
                description: action.description.clone().unwrap_or_default(),
                target: action.target.clone(),
            });
            continue;
        }
        if action.remove {
            // Remove deepest-last positions first so array indices stay valid.
            for pointer in pointers.iter().rev() {
                remove_at(doc, pointer);
            }
        } else if let Some(update) = &action.update {
            for pointer in &pointers {
                if let Some(node) = doc.pointer_mut(pointer) {
                    merge(node, update);
                }
            }
        }
        changed += pointers.len();
    }
    match vanished.len() {
        0 => Ok(changed),
        1 => Err(vanished.remove(0)),
        _ => Err(Error::Several(vanished)),
    }
}

fn remove_at(doc: &mut Value, pointer: &str) {
    let Some((parent, last)) = pointer.rsplit_once('/') else {
        return;
    };
    let key = bank_openapi::pointer::unescape(last);
    match doc.pointer_mut(parent) {
        Some(Value::Object(map)) => {
            map.shift_remove(&key);
        }
        Some(Value::Array(items)) => {
            if let Ok(i) = key.parse::<usize>()
                && i < items.len()
            {
                items.remove(i);
            }
        }
        _ => {}
    }
}

/// Overlay `update` semantics: objects merge recursively, arrays append, anything else replaces.
fn merge(target: &mut Value, update: &Value) {
    match (target, update) {
        (Value::Object(t), Value::Object(u)) => {
            for (k, v) in u {
                match t.get_mut(k) {
                    Some(existing) if existing.is_object() && v.is_object() => merge(existing, v),
                    _ => {
                        t.insert(k.clone(), v.clone());
                    }
                }
            }
        }
        (Value::Array(t), Value::Array(u)) => t.extend(u.iter().cloned()),
        (Value::Array(t), u) => t.push(u.clone()),
        (t, u) => *t = u.clone(),
    }
}
