//! Load a spec (YAML or JSON) into a `serde_json::Value` and detect its version.
//!
//! YAML is read with `yaml_serde` into its own value type first and converted by hand, because
//! YAML mapping keys such as `200:` are integers that `serde_json::Value` would reject.

use std::path::{Path, PathBuf};

use serde_json::{Map, Number, Value};

use crate::count::Counted;
use crate::error::{Error, Result};
use crate::limits::Limits;

/// The kinds of document the pipeline accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SpecVersion {
    /// Swagger / OpenAPI 2.0 (converted to 3.0 before anything else).
    Swagger2,
    /// OpenAPI 3.0.x.
    OpenApi30,
}

/// A loaded document: where it came from, what it is, and its content.
#[derive(Debug, Clone)]
pub struct Document {
    /// The file it was read from.
    pub path: PathBuf,
    /// Its declared version.
    pub version: SpecVersion,
    /// The content, key order preserved.
    pub value: Value,
    /// What reading had to decide (`{at, choice}`, as the normaliser records its choices): an
    /// integer too large for JSON's 64-bit numbers kept as its exact digits, say.
    pub notes: Vec<Value>,
}

/// Read and parse a file, then detect its version (caps from the environment:
/// [`Limits::from_env`]).
pub fn load(path: &Path) -> Result<Document> {
    load_with(path, &Limits::from_env()?)
}

/// [`load`] under the given caps: the file is read boundedly ([`crate::limits::read_document`]).
pub fn load_with(path: &Path, limits: &Limits) -> Result<Document> {
    let text = crate::limits::read_document(path, limits)?;
    parse_with(path, &text, limits)
}

/// Parse text already in memory (JSON when it starts with `{`, YAML otherwise); references to
/// other files are read relative to `path` ([`crate::bundle`]).
pub fn parse(path: &Path, text: &str) -> Result<Document> {
    parse_with(path, text, &Limits::from_env()?)
}

/// [`parse`] under the given caps.
pub fn parse_with(path: &Path, text: &str, limits: &Limits) -> Result<Document> {
    Ok(parse_bundled(path, text, limits)?.0)
}

/// [`parse_with`], and the other files the document brought ([`crate::bundle::Part`]), each as
/// it was read.
pub fn parse_bundled(
    path: &Path,
    text: &str,
    limits: &Limits,
) -> Result<(Document, Vec<crate::bundle::Part>)> {
    let (mut value, notes) = parse_value_noted(path, text, limits)?;
    // A document split over several files becomes one (references read relative to `path`).
    let parts = if crate::bundle::has_external_refs(&value) {
        crate::bundle::bundle(path, &mut value, limits)?
    } else {
        Vec::new()
    };
    let version = detect_version(path, &value)?;
    Ok((
        Document {
            path: path.to_path_buf(),
            version,
            value,
            notes,
        },
        parts,
    ))
}

/// Parse YAML or JSON text into a JSON value, without looking at what it describes.
pub fn parse_value(path: &Path, text: &str) -> Result<Value> {
    parse_value_with(path, text, &Limits::from_env()?)
}

/// [`parse_value`] under the given caps.
pub fn parse_value_with(path: &Path, text: &str, limits: &Limits) -> Result<Value> {
    Ok(parse_value_noted(path, text, limits)?.0)
}

/// How many integers beyond 64 bits one document may have before reading gives up.
const MAX_BIG_INTEGERS: usize = 1000;

/// [`parse_value`], with what reading had to decide ([`Document::notes`]).
fn parse_value_noted(path: &Path, text: &str, limits: &Limits) -> Result<(Value, Vec<Value>)> {
    if text.len() as u64 > limits.file_bytes {
        return Err(limits.too_large(path, "/", format!("the text is {} bytes", text.len())));
    }
    // A byte-order mark is an encoding marker, not content (the YAML reader would otherwise see
    // a second document).
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let json = text.trim_start().starts_with('{');
    // Counted before anything is built: a file too large to hold (an alias bomb) is refused here.
    match if json {
        crate::count::json(text, limits.nodes)
    } else {
        crate::count::yaml(text, limits.nodes)
    } {
        Counted::Within(_) | Counted::Malformed => {}
        Counted::OverCap(pointer) => {
            let aliases = if !json && text.contains('&') {
                ", YAML aliases expanded"
            } else {
                ""
            };
            return Err(limits.too_many_nodes(
                path,
                &pointer,
                format!("the file passes the node cap here{aliases}"),
            ));
        }
        Counted::Repetition(pointer) => {
            return Err(Error::invalid(
                path,
                pointer,
                "YAML aliases repeat the same nodes more often than the YAML parser allows (an alias \
                 bomb?): its repetition limit cannot be raised; write the repeated parts out",
            ));
        }
    }
    if json {
        return serde_json::from_str(text)
            .map(|v| (v, Vec::new()))
            .map_err(|e| Error::Syntax {
                path: path.to_path_buf(),
                format: "JSON",
                line: e.line(),
                column: e.column(),
                message: e.to_string(),
            });
    }
    // An integer beyond 64 bits (an example such as `55677577464787638476446`) has no place in a
    // JSON number: it is read as a string of its exact digits, and the choice is noted.
    let mut text = std::borrow::Cow::Borrowed(text);
    let mut notes = Vec::new();
    let yaml: yaml_serde::Value = loop {
        let e = match yaml_serde::from_str::<yaml_serde::Value>(&text) {
            Ok(yaml) => break yaml,
            Err(e) => e,
        };
        let location = e.location().map(|l| (l.line(), l.column()));
        let message = e.to_string();
        let big = message.contains("as u128") || message.contains("as i128");
        if let (true, Some((line, column))) = (big && notes.len() < MAX_BIG_INTEGERS, location)
            && let Some((quoted, digits)) = quote_integer_at(&text, line, column)
        {
            notes.push(serde_json::json!({
                "at": format!("{}:{line}:{column}", path.file_name().map(|n| n.to_string_lossy()).unwrap_or_default()),
                "choice": format!("integer {digits} does not fit JSON's 64-bit numbers: read as the string of its digits"),
            }));
            text = std::borrow::Cow::Owned(quoted);
            continue;
        }
        // An error the parser places nowhere (several documents in one file) is the file's.
        let Some((line, column)) = location else {
            return Err(Error::invalid(
                path,
                "/",
                format!("malformed YAML: {message}"),
            ));
        };
        return Err(Error::Syntax {
            path: path.to_path_buf(),
            format: "YAML",
            line,
            column,
            message,
        });
    };
    Ok((yaml_to_json(path, yaml, &mut String::new())?, notes))
}

/// `text` with the integer starting at 1-based `line` and `column` in double quotes, and the
/// integer; `None` when no integer starts there.
fn quote_integer_at(text: &str, line: usize, column: usize) -> Option<(String, String)> {
    let mut offset = 0;
    for (i, l) in text.split_inclusive('\n').enumerate() {
        if i + 1 == line {
            let start = offset + l.char_indices().nth(column.checked_sub(1)?)?.0;
            let rest = &text[start..];
            let sign = usize::from(rest.starts_with(['-', '+']));
            let len = sign + rest[sign..].bytes().take_while(u8::is_ascii_digit).count();
            if len == sign {
                return None;
            }
            let digits = rest[..len].to_owned();
            return Some((
                format!("{}\"{digits}\"{}", &text[..start], &text[start + len..]),
                digits,
            ));
        }
        offset += l.len();
    }
    None
}

fn yaml_to_json(path: &Path, yaml: yaml_serde::Value, pointer: &mut String) -> Result<Value> {
    Ok(match yaml {
        yaml_serde::Value::Null => Value::Null,
        yaml_serde::Value::Bool(b) => Value::Bool(b),
        yaml_serde::Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                Value::Number(i.into())
            } else if let Some(u) = n.as_u64() {
                Value::Number(u.into())
            } else {
                let f = n.as_f64().unwrap_or(f64::NAN);
                Value::Number(Number::from_f64(f).ok_or_else(|| {
                    Error::invalid(
                        path,
                        pointer.clone(),
                        format!("number `{n}` has no JSON representation"),
                    )
                })?)
            }
        }
        yaml_serde::Value::String(s) => Value::String(s),
        yaml_serde::Value::Sequence(items) => {
            let mut out = Vec::with_capacity(items.len());
            for (i, item) in items.into_iter().enumerate() {
                let len = pointer.len();
                pointer.push_str(&format!("/{i}"));
                out.push(yaml_to_json(path, item, pointer)?);
                pointer.truncate(len);
            }
            Value::Array(out)
        }
        yaml_serde::Value::Mapping(map) => {
            let mut out = Map::new();
            for (key, value) in map {
                let key = match key {
                    yaml_serde::Value::String(s) => s,
                    yaml_serde::Value::Number(n) => n.to_string(),
                    yaml_serde::Value::Bool(b) => b.to_string(),
                    other => {
                        return Err(Error::invalid(
                            path,
                            pointer.clone(),
                            format!("mapping key {other:?} is not a string, number or boolean"),
                        ));
                    }
                };
                let len = pointer.len();
                pointer.push('/');
                pointer.push_str(&escape_pointer(&key));
                let value = yaml_to_json(path, value, pointer)?;
                pointer.truncate(len);
                if out.insert(key.clone(), value).is_some() {
                    return Err(Error::invalid(
                        path,
                        pointer.clone(),
                        format!("duplicate key `{key}`"),
                    ));
                }
            }
            Value::Object(out)
        }
        yaml_serde::Value::Tagged(tagged) => yaml_to_json(path, tagged.value, pointer)?,
    })
}

fn detect_version(path: &Path, value: &Value) -> Result<SpecVersion> {
    let Some(root) = value.as_object() else {
        return Err(Error::invalid(path, "/", "the document is not a mapping"));
    };
    if let Some(v) = root.get("swagger") {
        return match v.as_str() {
            Some("2.0") => Ok(SpecVersion::Swagger2),
            _ => Err(Error::invalid(
                path,
                "/swagger",
                format!("unsupported Swagger version {v}; only \"2.0\" exists"),
            )),
        };
    }
    match root.get("openapi") {
        Some(Value::String(v)) if v.starts_with("3.0.") => Ok(SpecVersion::OpenApi30),
        Some(Value::String(v)) if v.starts_with("3.1") || v.starts_with("3.2") => {
            Err(Error::invalid(
                path,
                "/openapi",
                format!(
                    "OpenAPI {v} is not supported: the generator (progenitor) reads OpenAPI 3.0.x and Swagger 2.0"
                ),
            ))
        }
        Some(v) => Err(Error::invalid(
            path,
            "/openapi",
            format!("unsupported OpenAPI version {v}"),
        )),
        None => Err(Error::invalid(
            path,
            "/",
            "neither `swagger: \"2.0\"` nor `openapi: 3.0.x` is present",
        )),
    }
}

pub use bank_openapi::pointer::escape as escape_pointer;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_byte_order_mark_is_not_content() {
        let doc = parse(
            Path::new("bom.yaml"),
            "\u{feff}openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths: {}\n",
        )
        .expect("parses");
        assert_eq!(doc.version, SpecVersion::OpenApi30);
        let json = parse_value(Path::new("bom.json"), "\u{feff}{\"a\": 1}").expect("parses");
        assert_eq!(json, serde_json::json!({"a": 1}));
    }

    #[test]
    fn integers_beyond_64_bits_keep_their_digits_and_are_noted() {
        let text = "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths: {}\nx-a:\n  ref: 55677577464787638476446\n  neg: [-170141183460469231731687303715884105727]\n  small: 12\n";
        let doc = parse(Path::new("big.yaml"), text).expect("parses");
        assert_eq!(
            doc.value["x-a"]["ref"],
            serde_json::json!("55677577464787638476446")
        );
        assert_eq!(
            doc.value["x-a"]["neg"][0],
            serde_json::json!("-170141183460469231731687303715884105727")
        );
        assert_eq!(doc.value["x-a"]["small"], serde_json::json!(12));
        assert_eq!(doc.notes.len(), 2, "{:?}", doc.notes);
        assert_eq!(doc.notes[0]["at"], serde_json::json!("big.yaml:5:8"));
    }
}
