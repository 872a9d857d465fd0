//! One error type for the whole pipeline. Every variant names the file and, where it has one,
//! the location inside it (a JSON pointer, a YAML line and column, or an overlay action).

use std::path::PathBuf;

/// Convenience alias used across the crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong between a spec on disk and a generated crate.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// No workspace (a `[workspace]` `Cargo.toml` beside `specs/`) above the places searched.
    #[error("no workspace with specs/ found above {searched}; run from inside the checkout")]
    NoWorkspace {
        /// The folders the search started from.
        searched: String,
    },
    /// A file could not be read or written.
    #[error("{}: {action}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// What was being done (`read`, `write`, `rename`).
        action: &'static str,
        /// The underlying error.
        source: std::io::Error,
    },
    /// The document is not well-formed YAML or JSON.
    #[error("{}:{line}:{column}: malformed {format}: {message}", path.display())]
    Syntax {
        /// The file.
        path: PathBuf,
        /// `YAML`, `JSON` or `TOML`.
        format: &'static str,
        /// 1-based line (0 when unknown).
        line: usize,
        /// 1-based column (0 when unknown).
        column: usize,
        /// The parser's message.
        message: String,
    },
    /// The document parses but is not something the pipeline accepts.
    #[error("{}: {pointer}: {message}", path.display())]
    Invalid {
        /// The file.
        path: PathBuf,
        /// JSON pointer to the offending node (`/` for the root).
        pointer: String,
        /// What is wrong.
        message: String,
    },
    /// A `$ref` points at nothing.
    #[error("{}: {pointer}: dangling $ref `{target}`: {}", path.display(), dangling_fix(target))]
    DanglingRef {
        /// The file.
        path: PathBuf,
        /// JSON pointer to the `$ref`.
        pointer: String,
        /// The reference as written.
        target: String,
    },
    /// A declared fix no longer matches anything, usually after a bank update.
    #[error(
        "{}: fix #{index} ({description}) matches nothing: target `{target}` has vanished from the document; \
         re-check the fix against the bank's update",
        path.display()
    )]
    FixTargetVanished {
        /// The overlay file.
        path: PathBuf,
        /// 1-based index of the action.
        index: usize,
        /// The action's `description` (its reason).
        description: String,
        /// The JSONPath target.
        target: String,
    },
    /// An operation has a shape progenitor cannot generate (it would panic or miscompile).
    #[error("{}: {pointer}: {operation}: unsupported shape: {reason}", path.display())]
    UnsupportedShape {
        /// The spec file.
        path: PathBuf,
        /// JSON pointer into the converted OpenAPI 3.0 document.
        pointer: String,
        /// `METHOD /path`.
        operation: String,
        /// What progenitor cannot handle and how to fix it.
        reason: String,
    },
    /// Several problems of one document, all found in one run (each located).
    #[error("{} problems:\n{}", .0.len(), .0.iter().map(|e| format!("  - {e}")).collect::<Vec<_>>().join("\n"))]
    Several(Vec<Error>),
    /// progenitor or typify returned an error.
    #[error("{}: code generation failed: {message}", path.display())]
    Generate {
        /// The spec file.
        path: PathBuf,
        /// progenitor's message.
        message: String,
    },
    /// progenitor panicked; the panic was caught.
    #[error("{}: progenitor panicked (a shape the pre-check does not know yet): {message}", path.display())]
    GeneratorPanic {
        /// The spec file.
        path: PathBuf,
        /// The panic payload.
        message: String,
    },
    /// The generated code did not parse as Rust (a bug in the pipeline, reported rather than written).
    #[error("{}: generated code does not parse: {message}", path.display())]
    Format {
        /// The spec file.
        path: PathBuf,
        /// syn's message.
        message: String,
    },
    /// A document is larger, deeper or more repetitive than a cap allows ([`crate::limits`]): the
    /// file and the place where the cap was crossed, the cap, and how to raise it.
    #[error(
        "{}: {pointer}: {what}: over the cap of {cap} {unit}; if the document really is this large, \
         raise the cap with the environment variable {setting}",
        path.display()
    )]
    Cap {
        /// The file where the cap was crossed (the file holding the `$ref` that crossed it).
        path: PathBuf,
        /// JSON pointer to the place (`/` for the whole file).
        pointer: String,
        /// What was too large.
        what: String,
        /// The cap.
        cap: u64,
        /// What the cap counts (`bytes per file`, `nodes`, `levels`).
        unit: &'static str,
        /// The environment variable that raises the cap.
        setting: &'static str,
    },
    /// A path the generator was asked to write lies outside the workspace root it was given (an
    /// absolute path, a `..` component, or a folder that leads out through a symbolic link).
    #[error("refusing to write {}: {reason}; only files inside {} are written", path.display(), root.display())]
    OutsideRoot {
        /// The path as asked for.
        path: PathBuf,
        /// The workspace root.
        root: PathBuf,
        /// Why it is outside.
        reason: String,
    },
    /// An environment variable that sets a cap does not hold a whole number.
    #[error("environment variable {name}={value:?} is not a whole number")]
    Setting {
        /// The variable.
        name: &'static str,
        /// What it holds.
        value: String,
    },
    /// A name on the command line or in the workspace that does not exist.
    #[error("unknown API `{name}`; known: {known}")]
    UnknownApi {
        /// What was asked for.
        name: String,
        /// The APIs found under `specs/`.
        known: String,
    },
}

/// The fix to write for a dangling `$ref`: where the missing schema goes, as an overlay action.
fn dangling_fix(target: &str) -> String {
    let pointer = target.strip_prefix('#').unwrap_or(target);
    match pointer.rsplit_once('/') {
        Some((parent, name)) if parent.starts_with('/') && !name.is_empty() => format!(
            "the document defines nothing there; define it with a fix (target `${}`, update `{{{name}: …}}`) \
             or point the $ref at a schema that exists",
            parent.replace('/', ".")
        ),
        _ => {
            "only local references (`#/…`) and files beside the document are read; point it at one"
                .into()
        }
    }
}

impl Error {
    pub(crate) fn invalid(
        path: &std::path::Path,
        pointer: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        let pointer = pointer.into();
        Error::Invalid {
            path: path.to_path_buf(),
            pointer: if pointer.is_empty() {
                "/".into()
            } else {
                pointer
            },
            message: message.into(),
        }
    }

    /// An I/O error on `path` while doing `action` (`read`, `write`).
    pub fn io(path: &std::path::Path, action: &'static str, source: std::io::Error) -> Self {
        Error::Io {
            path: path.to_path_buf(),
            action,
            source,
        }
    }
}
