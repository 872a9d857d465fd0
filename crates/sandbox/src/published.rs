//! Answers in the form the bank's document declares.
//!
//! The simulations build answers from the generated types, which carry our declared fixes (an
//! amount the bank declares as a string is an exact decimal there, written as a JSON number).
//! Before an answer leaves, [`conform`] writes it as the bank's published document declares it,
//! so clients meet the bank's real form; [`check`] then holds it to that document, excusing only
//! a `format` the document's own example contradicts in the same way
//! ([`bank_openapi::quirks::shown_by_example`], e.g. `dd-MM-yyyy` under `format: date`).

use std::collections::BTreeSet;

use serde_json::Value;

use bank_openapi::refs::resolve;
use bank_openapi::validate::{Violation, validate_with};

use crate::spec::{Operation, Spec};

/// The response schema the published document gives `op` for `status`, with its pointer.
pub fn response_schema<'a>(
    spec: &'a Spec,
    op: &Operation,
    status: u16,
) -> Option<(&'a Value, String)> {
    let base = format!(
        "/paths/{}/{}/responses/{status}",
        bank_openapi::pointer::escape(&op.route),
        op.method.to_lowercase()
    );
    let response = spec.doc.pointer(&base)?;
    let (response, via) = resolve(&spec.doc, response);
    let base = via.map(str::to_owned).unwrap_or(base);
    let schema = response.pointer("/content/application~1json/schema")?;
    Some((schema, format!("{base}/content/application~1json/schema")))
}

/// The answer `bytes` rewritten where the published schema declares a string and the answer
/// holds a number (amounts the fixes read as decimals): the number's text, exactly as serialised,
/// becomes the string. Bytes that are not JSON are returned as they are.
pub fn conform(doc: &Value, schema: &Value, bytes: &[u8]) -> Vec<u8> {
    let Ok(value) = serde_json::from_slice::<Value>(bytes) else {
        return bytes.to_vec();
    };
    let mut targets = BTreeSet::new();
    numbers_declared_strings(doc, schema, &value, &mut String::new(), &mut targets, 0);
    if targets.is_empty() {
        return bytes.to_vec();
    }
    let mut out = Vec::with_capacity(bytes.len() + 2 * targets.len());
    let mut rewriter = Rewriter {
        bytes,
        pos: 0,
        out: &mut out,
        targets: &targets,
    };
    match rewriter.value(&mut String::new()) {
        Some(()) => out,
        None => bytes.to_vec(),
    }
}

/// Pointers of the numbers in `value` whose published schema says `type: string`.
fn numbers_declared_strings(
    doc: &Value,
    schema: &Value,
    value: &Value,
    at: &mut String,
    out: &mut BTreeSet<String>,
    depth: usize,
) {
    if depth > 64 {
        return;
    }
    let (schema, _) = resolve(doc, schema);
    for part in schema
        .get("allOf")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        numbers_declared_strings(doc, part, value, at, out, depth + 1);
    }
    match value {
        Value::Number(_) if schema.get("type").and_then(Value::as_str) == Some("string") => {
            out.insert(at.clone());
        }
        Value::Array(items) => {
            if let Some(item) = schema.get("items") {
                for (i, v) in items.iter().enumerate() {
                    let len = at.len();
                    at.push_str(&format!("/{i}"));
                    numbers_declared_strings(doc, item, v, at, out, depth + 1);
                    at.truncate(len);
                }
            }
        }
        Value::Object(map) => {
            let props = schema.get("properties").and_then(Value::as_object);
            let extra = schema.get("additionalProperties").filter(|a| a.is_object());
            for (name, v) in map {
                if let Some(p) = props.and_then(|p| p.get(name)).or(extra) {
                    let len = at.len();
                    at.push('/');
                    at.push_str(&bank_openapi::pointer::escape(name));
                    numbers_declared_strings(doc, p, v, at, out, depth + 1);
                    at.truncate(len);
                }
            }
        }
        _ => {}
    }
}

/// Copies JSON text token by token, tracking the pointer of each value, and quotes the numbers
/// at the target pointers (their text untouched, so no digit is lost to a float).
struct Rewriter<'a> {
    bytes: &'a [u8],
    pos: usize,
    out: &'a mut Vec<u8>,
    targets: &'a BTreeSet<String>,
}

impl Rewriter<'_> {
    fn ws(&mut self) {
        while let Some(b) = self.bytes.get(self.pos).filter(|b| b.is_ascii_whitespace()) {
            self.out.push(*b);
            self.pos += 1;
        }
    }

    fn expect(&mut self, byte: u8) -> Option<()> {
        self.ws();
        (self.bytes.get(self.pos) == Some(&byte)).then(|| {
            self.out.push(byte);
            self.pos += 1;
        })
    }

    /// A string token, copied; its decoded text returned.
    fn string(&mut self) -> Option<String> {
        let start = self.pos;
        self.pos += 1;
        loop {
            match self.bytes.get(self.pos)? {
                b'\\' => self.pos += 2,
                b'"' => break,
                _ => self.pos += 1,
            }
        }
        self.pos += 1;
        let token = &self.bytes[start..self.pos];
        self.out.extend_from_slice(token);
        serde_json::from_slice(token).ok()
    }

    fn value(&mut self, at: &mut String) -> Option<()> {
        self.ws();
        match *self.bytes.get(self.pos)? {
            b'{' => {
                self.out.push(b'{');
                self.pos += 1;
                self.ws();
                if self.bytes.get(self.pos) == Some(&b'}') {
                    self.out.push(b'}');
                    self.pos += 1;
                    return Some(());
                }
                loop {
                    self.ws();
                    let key = self.string()?;
                    self.expect(b':')?;
                    let len = at.len();
                    at.push('/');
                    at.push_str(&bank_openapi::pointer::escape(&key));
                    self.value(at)?;
                    at.truncate(len);
                    self.ws();
                    match *self.bytes.get(self.pos)? {
                        b',' => {
                            self.out.push(b',');
                            self.pos += 1;
                        }
                        b'}' => {
                            self.out.push(b'}');
                            self.pos += 1;
                            return Some(());
                        }
                        _ => return None,
                    }
                }
            }
            b'[' => {
                self.out.push(b'[');
                self.pos += 1;
                self.ws();
                if self.bytes.get(self.pos) == Some(&b']') {
                    self.out.push(b']');
                    self.pos += 1;
                    return Some(());
                }
                let mut i = 0usize;
                loop {
                    let len = at.len();
                    at.push_str(&format!("/{i}"));
                    self.value(at)?;
                    at.truncate(len);
                    i += 1;
                    self.ws();
                    match *self.bytes.get(self.pos)? {
                        b',' => {
                            self.out.push(b',');
                            self.pos += 1;
                        }
                        b']' => {
                            self.out.push(b']');
                            self.pos += 1;
                            return Some(());
                        }
                        _ => return None,
                    }
                }
            }
            b'"' => self.string().map(|_| ()),
            _ => {
                let start = self.pos;
                while self
                    .bytes
                    .get(self.pos)
                    .is_some_and(|b| !matches!(b, b',' | b'}' | b']') && !b.is_ascii_whitespace())
                {
                    self.pos += 1;
                }
                let token = &self.bytes[start..self.pos];
                let quote = self.targets.contains(at.as_str());
                if quote {
                    self.out.push(b'"');
                }
                self.out.extend_from_slice(token);
                if quote {
                    self.out.push(b'"');
                }
                Some(())
            }
        }
    }
}

/// What in `value` breaks the published schema at `schema_at`, less the excused quirks.
pub fn check(doc: &Value, schema: &Value, schema_at: &str, value: &Value) -> Vec<Violation> {
    let found = validate_with(doc, schema, schema_at, value);
    bank_openapi::quirks::unexcused(doc, found, value)
}
