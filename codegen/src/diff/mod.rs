//! What changed between two versions of a bank's spec, and what it breaks for users of the
//! generated client.
//!
//! Both documents go through the pipeline's load and convert steps first (so Swagger 2.0 and
//! OpenAPI 3.0 of the same API compare equal), then [`walk::Differ`] compares them and every
//! change is classified by the [`rules`] catalogue.

pub mod rules;
mod walk;

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

use serde_json::Value;

use crate::error::Result;
use crate::load::SpecVersion;
pub use rules::{Level, Rule};
pub use walk::blank_params;

/// One change, located and classified.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Change {
    /// The rule's stable id.
    pub id: String,
    /// Its level (from the catalogue).
    pub level: Level,
    /// The operations it affects (`METHOD /path`); empty for document-wide changes.
    pub operations: Vec<String>,
    /// JSON pointer into the new document (into the old one for removals).
    pub pointer: String,
    /// What changed, in words.
    pub message: String,
}

/// The version bump a generated crate needs for a set of changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Bump {
    /// Nothing changed.
    None,
    /// Documentation only.
    Patch,
    /// Additions only.
    Minor,
    /// At least one breaking change.
    Major,
}

/// Counts per level and the suggested bump.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Summary {
    /// Breaking changes.
    pub breaking: usize,
    /// Non-breaking changes.
    #[serde(rename = "non-breaking")]
    pub non_breaking: usize,
    /// Informational changes.
    pub info: usize,
    /// The semver bump the generated crate needs.
    pub suggested_bump: Bump,
}

/// The result of a diff.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    /// Every change, breaking first, then by operation and pointer.
    pub changes: Vec<Change>,
}

impl Report {
    /// Counts and bump.
    pub fn summary(&self) -> Summary {
        let count = |l: Level| self.changes.iter().filter(|c| c.level == l).count();
        let (breaking, non_breaking, info) = (
            count(Level::Breaking),
            count(Level::NonBreaking),
            count(Level::Info),
        );
        let suggested_bump = if breaking > 0 {
            Bump::Major
        } else if non_breaking > 0 {
            Bump::Minor
        } else if info > 0 {
            Bump::Patch
        } else {
            Bump::None
        };
        Summary {
            breaking,
            non_breaking,
            info,
            suggested_bump,
        }
    }

    /// Whether any change is breaking.
    pub fn has_breaking(&self) -> bool {
        self.changes.iter().any(|c| c.level == Level::Breaking)
    }

    /// The changes grouped by where they apply (`METHOD /path`, several operations joined, or
    /// `(document)`), groups with breaking changes first.
    pub fn groups(&self) -> Vec<(String, Vec<&Change>)> {
        let mut groups: BTreeMap<String, Vec<&Change>> = BTreeMap::new();
        for c in &self.changes {
            groups.entry(operation_label(c)).or_default().push(c);
        }
        let mut out: Vec<(String, Vec<&Change>)> = groups.into_iter().collect();
        out.sort_by_key(|(label, changes)| {
            (
                changes.iter().map(|c| c.level).min().unwrap_or(Level::Info),
                label == "(document)",
                label.clone(),
            )
        });
        out
    }

    /// JSON for tools: `{changes: [{id, level, operation, operations, pointer, message}], summary}`.
    pub fn to_json(&self) -> Value {
        let changes: Vec<Value> = self
            .changes
            .iter()
            .map(|c| {
                serde_json::json!({
                    "id": c.id,
                    "level": c.level.as_str(),
                    "operation": (!c.operations.is_empty()).then(|| c.operations.join(", ")),
                    "operations": c.operations,
                    "pointer": c.pointer,
                    "message": c.message,
                })
            })
            .collect();
        serde_json::json!({ "changes": changes, "summary": self.summary() })
    }

    /// Markdown for a pull request or a CHANGELOG entry.
    pub fn to_markdown(&self, title: &str) -> String {
        let s = self.summary();
        let mut out = format!(
            "## {title}\n\n**{} breaking, {} non-breaking, {} info**; suggested bump: **{}**\n",
            s.breaking,
            s.non_breaking,
            s.info,
            bump_name(s.suggested_bump)
        );
        for (label, changes) in self.groups() {
            let _ = write!(
                out,
                "\n### `{label}`\n\n| level | rule | change | where |\n|---|---|---|---|\n"
            );
            for c in changes {
                let _ = writeln!(
                    out,
                    "| {} | `{}` | {} | `{}` |",
                    c.level.as_str(),
                    c.id,
                    c.message.replace('|', "\\|"),
                    c.pointer
                );
            }
        }
        out
    }

    /// Human text, grouped by operation, breaking first; ANSI colour when `colour` is set.
    pub fn to_text(&self, title: &str, colour: bool) -> String {
        let paint = |level: Level, s: &str| -> String {
            if !colour {
                return s.to_owned();
            }
            let code = match level {
                Level::Breaking => "1;31",
                Level::NonBreaking => "32",
                Level::Info => "2",
            };
            format!("\x1b[{code}m{s}\x1b[0m")
        };
        let s = self.summary();
        if self.changes.is_empty() {
            return format!("{title}: no changes\n");
        }
        let mut out = format!(
            "{title}: {} breaking, {} non-breaking, {} info; suggested bump: {}\n",
            s.breaking,
            s.non_breaking,
            s.info,
            bump_name(s.suggested_bump)
        );
        for (label, changes) in self.groups() {
            let _ = write!(out, "\n{label}\n");
            for c in changes {
                let level = format!("{:<12}", c.level.as_str());
                let _ = writeln!(
                    out,
                    "  {} {}: {}\n  {:<12} at {}",
                    paint(c.level, &level),
                    c.id,
                    c.message,
                    "",
                    c.pointer
                );
            }
        }
        out
    }
}

fn bump_name(b: Bump) -> &'static str {
    match b {
        Bump::None => "none",
        Bump::Patch => "patch",
        Bump::Minor => "minor",
        Bump::Major => "major",
    }
}

fn operation_label(c: &Change) -> String {
    if c.operations.is_empty() {
        "(document)".to_owned()
    } else {
        c.operations.join(", ")
    }
}

/// Parse a document for diffing (YAML or JSON text; `path` names it in errors) and bring it to
/// OpenAPI 3.0 the way the generator does.
pub fn prepare(path: &Path, text: &str) -> Result<Value> {
    prepare_lenient(path, text).map(|(value, _)| value)
}

/// [`prepare`], with the harmless violations it read past (an operation without `responses`, …)
/// as located warnings for the caller to show.
pub fn prepare_lenient(path: &Path, text: &str) -> Result<(Value, Vec<String>)> {
    let doc = crate::load::parse(path, text)?;
    let warnings = crate::structure::check_structure_lenient(&doc)?;
    prepare_checked(path, doc).map(|value| (value, warnings))
}

fn prepare_checked(path: &Path, doc: crate::load::Document) -> Result<Value> {
    match doc.version {
        SpecVersion::Swagger2 => {
            let value = crate::swagger2::convert(path, &doc.value)?;
            crate::refs::check(path, &value)?;
            Ok(value)
        }
        SpecVersion::OpenApi30 => Ok(doc.value),
    }
}

/// Compare two prepared documents.
pub fn diff(old: &Value, new: &Value) -> Report {
    let mut changes = walk::Differ::new(old, new).run();
    changes.sort_by(|a, b| {
        (a.level, operation_label(a), &a.pointer, &a.id).cmp(&(
            b.level,
            operation_label(b),
            &b.pointer,
            &b.id,
        ))
    });
    changes.dedup();
    Report { changes }
}

/// Read, prepare and compare two files.
pub fn diff_files(old: &Path, new: &Path) -> Result<Report> {
    let read =
        |p: &Path| std::fs::read_to_string(p).map_err(|e| crate::error::Error::io(p, "read", e));
    let (o, n) = (prepare(old, &read(old)?)?, prepare(new, &read(new)?)?);
    Ok(diff(&o, &n))
}
