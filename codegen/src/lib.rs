//! The bank client generator: `specs/<api>/` → `crates/<api>/`.
//!
//! ```text
//! load → convert (Swagger 2.0 → OpenAPI 3.0) → fix (Overlay 1.0) → normalise (policy)
//!      → check refs and shapes → generate (progenitor + typify) → post-process → format → write
//! ```
//!
//! [`prepare`] runs the pipeline up to the normalised document (used by tests, the diff and the
//! sandbox); [`generate`] produces every output file in memory; [`write`] puts them on disk
//! atomically and [`check`] compares them with what is there.

#![warn(missing_docs)]

pub mod boxing;
pub mod builder_errors;
pub mod bundle;
pub mod config;
pub mod constants;
mod count;
pub mod diff;
pub mod docs;
pub mod enums;
pub mod error;
pub mod escape;
pub mod examples;
pub mod generate;
pub mod json;
pub mod limits;
pub mod load;
pub mod mocks;
pub mod naming;
pub mod normalize;
mod output;
pub mod overlay;
pub mod paths;
pub mod refs;
pub mod registry;
pub mod shapes;
pub mod structure;
pub mod surface;
pub mod swagger2;
pub mod validate;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use bank_openapi::ext;
use serde_json::Value;

pub use config::{Api, discover};
pub use error::{Error, Result};

/// Time spent per stage for one API (for `cargo xtask generate --timings`).
#[derive(Debug, Default, Clone)]
pub struct Timings {
    /// `(stage, duration)` in pipeline order.
    pub stages: Vec<(&'static str, Duration)>,
}

impl Timings {
    fn time<T>(&mut self, stage: &'static str, f: impl FnOnce() -> T) -> T {
        let start = Instant::now();
        let out = f();
        self.stages.push((stage, start.elapsed()));
        out
    }

    /// Sum over all stages.
    pub fn total(&self) -> Duration {
        self.stages.iter().map(|(_, d)| *d).sum()
    }
}

/// The bank's document as published, in OpenAPI 3.0 form: loaded and (for Swagger 2.0)
/// converted, with no fixes and no normalisation. `crates/<api>/published.json` holds it, so that
/// the sandbox and the tests hold answers and requests to the bank's own word.
pub fn published(api: &Api, timings: &mut Timings) -> Result<Value> {
    Ok(published_noted(api, timings)?.0)
}

/// [`published`], and what reading it had to decide ([`load::Document::notes`]).
fn published_noted(api: &Api, timings: &mut Timings) -> Result<(Value, Vec<Value>)> {
    let doc_path = api.document_path();
    let doc = timings.time("load", || load::load(&doc_path))?;
    let value = timings.time("convert", || match doc.version {
        load::SpecVersion::Swagger2 => swagger2::convert(&doc_path, &doc.value),
        load::SpecVersion::OpenApi30 => Ok(doc.value),
    })?;
    refs::check(&doc_path, &value)?;
    Ok((value, doc.notes))
}

/// Load, convert, fix and normalise one API's document; check its refs and shapes.
pub fn prepare(api: &Api, timings: &mut Timings) -> Result<Value> {
    Ok(prepare_both(api, timings)?.1)
}

/// The published document ([`published`]) and the normalised one ([`prepare`]).
fn prepare_both(api: &Api, timings: &mut Timings) -> Result<(Value, Value)> {
    let doc_path = api.document_path();
    let (published, notes) = published_noted(api, timings)?;
    let mut value = published.clone();
    if let Some(fixes_path) = api.fixes_path() {
        timings.time("fix", || -> Result<()> {
            let text = std::fs::read_to_string(&fixes_path)
                .map_err(|e| Error::io(&fixes_path, "read", e))?;
            let overlay = overlay::parse(&fixes_path, &text)?;
            overlay::apply(&fixes_path, &overlay, &mut value)?;
            Ok(())
        })?;
        refs::check(&doc_path, &value)?;
    }
    timings.time("normalise", || {
        normalize::normalise(&doc_path, &mut value, &api.config.normalise)?;
        escape::record_renamed_identifiers(&mut value);
        Ok::<_, Error>(())
    })?;
    if !notes.is_empty()
        && let Some(root) = value.as_object_mut()
    {
        let list = root
            .entry(ext::CHOICES)
            .or_insert_with(|| Value::Array(Vec::new()));
        if let Some(list) = list.as_array_mut() {
            list.splice(0..0, notes);
        }
    }
    timings.time("check shapes", || shapes::check(&doc_path, &value))?;
    Ok((published, value))
}

/// One file the generator owns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutputFile {
    /// Path relative to the workspace root.
    pub path: PathBuf,
    /// Full content.
    pub content: String,
}

/// Method name → what the normaliser decided about its operation ([`ext::EMPTY_SUCCESS`],
/// [`ext::CONTENT_TYPE`]).
fn operation_notes(doc: &Value) -> std::collections::BTreeMap<String, surface::OperationNotes> {
    paths::operations(doc)
        .filter_map(|op| {
            let notes = surface::OperationNotes {
                empty_success: op
                    .op
                    .get(ext::EMPTY_SUCCESS)
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .filter_map(|s| s.as_str()?.parse().ok())
                    .collect(),
                content_type: op
                    .op
                    .get(ext::CONTENT_TYPE)
                    .and_then(Value::as_str)
                    .map(str::to_owned),
                comma_separated: mocks::comma_separated_queries(doc, &op),
            };
            let id = op.id()?;
            (notes != surface::OperationNotes::default()).then(|| (naming::method_name(id), notes))
        })
        .collect()
}

/// Generate every output file of one API in memory.
pub fn generate_api(api: &Api, timings: &mut Timings) -> Result<Vec<OutputFile>> {
    let (published, mut doc) = prepare_both(api, timings)?;
    let doc_path = api.document_path();
    let spec_rel = format!("specs/{}", api.name);
    let tokens = timings.time("generate", || generate::client_tokens(&doc_path, &doc))?;
    let (header, file, boxed) = timings.time("post-process", || -> Result<_> {
        let mut file: syn::File =
            syn::parse2(tokens).map_err(|e| Error::Format { path: doc_path.clone(), message: e.to_string() })?;
        let twice = generate::duplicate_type_names(&file);
        if !twice.is_empty() {
            return Err(Error::Generate {
                path: doc_path.clone(),
                message: format!(
                    "typify declares these types twice (a schema's name and the name it gives another schema): {}; rename one in the fixes overlay",
                    twice.iter().map(|n| format!("`{n}`")).collect::<Vec<_>>().join(", ")
                ),
            });
        }
        if api.config.normalise.tolerant_enums {
            enums::make_tolerant(&mut file);
        }
        let boxed = boxing::box_large_members(&mut file);
        surface::apply(
            &mut file,
            doc.get(ext::CLIENT_ID_PATH_PARAMETER).and_then(Value::as_str),
            &operation_notes(&doc),
        );
        let servers: syn::File = syn::parse2(constants::tokens(&doc_path, &api.name, &doc)?)
            .map_err(|e| Error::Format { path: doc_path.clone(), message: e.to_string() })?;
        file.items.extend(servers.items);
        let mock_tokens = generate::mock_tokens(&doc_path, &doc)?;
        let mock = mocks::module(mock_tokens, &doc)
            .map_err(|message| Error::Generate { path: doc_path.clone(), message: format!("typed mocks: {message}") })?;
        file.items.extend(mock.items);
        let header = format!(
            "// @generated by `cargo xtask generate` from {spec_rel}/ ({}{}). Do not edit: change the spec or its fixes and regenerate.",
            api.config.api.document,
            api.config.api.fixes.as_ref().map(|f| format!(" + {f}")).unwrap_or_default()
        );
        let names = generate::type_names(&file);
        let tests: syn::File = syn::parse2(generate::examples_test(&doc, &names))
            .map_err(|e| Error::Format { path: doc_path.clone(), message: e.to_string() })?;
        file.items.extend(tests.items);
        builder_errors::name_types_in_builder_errors(&mut file);
        // Every doc string of the file, the document's text in it made safe to print as a comment.
        docs::fence_code_blocks(&mut file);
        Ok((header, file, boxed))
    })?;
    for b in &boxed {
        normalize::record(
            &mut doc,
            format!("types::{}::{}", b.union, b.variant),
            format!("boxed: {}", boxing::reason(b.size)),
        );
    }
    let source = timings.time("format", || generate::format_file(&header, &file));
    let pretty = |v: &Value| {
        let mut json = serde_json::to_string_pretty(v).expect("a JSON value always serialises");
        json.push('\n');
        json
    };
    let crate_dir = PathBuf::from("crates").join(&api.name);
    Ok(vec![
        OutputFile {
            path: crate_dir.join("src/generated.rs"),
            content: source,
        },
        OutputFile {
            path: crate_dir.join("openapi.json"),
            content: pretty(&doc),
        },
        OutputFile {
            path: crate_dir.join("published.json"),
            content: pretty(&published),
        },
        OutputFile {
            path: crate_dir.join("Cargo.toml"),
            content: cargo_toml(api, &published),
        },
    ])
}

/// The crate version: `api.toml`'s version with the bank document's `info.version` as build
/// metadata (characters semver does not allow there become `-`).
pub fn crate_version(api: &Api, published: &Value) -> String {
    let document = published
        .pointer("/info/version")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' || c == '-' {
                c
            } else {
                '-'
            }
        })
        .collect::<String>();
    let document = document.trim_matches(['.', '-']);
    if document.is_empty() {
        api.config.api.version.clone()
    } else {
        format!("{}+{document}", api.config.api.version)
    }
}

fn cargo_toml(api: &Api, published: &Value) -> String {
    format!(
        r#"# @generated by `cargo xtask generate` from specs/{name}/api.toml. Do not edit.
[package]
name = "{name}"
description = {description}
# api.toml's version + the bank document's info.version as build metadata.
version = "{version}"
edition.workspace = true
rust-version.workspace = true
license.workspace = true
publish.workspace = true
readme.workspace = true
include = ["src/**", "openapi.json", "published.json", "CHANGELOG.md"]

[dependencies]
bank-runtime = {{ path = "../bank-runtime", version = "{runtime}" }}
progenitor-client.workspace = true
reqwest.workspace = true
serde.workspace = true
serde_json.workspace = true
chrono = {{ workspace = true, features = ["serde"] }}
uuid = {{ workspace = true, features = ["serde"] }}
regress.workspace = true

[features]
# Typed per-operation mocks (`mock`) for tests of a service.
test-util = ["bank-runtime/test-util"]
"#,
        name = api.name,
        // A TOML string whatever the title holds (quotes, line breaks).
        description = toml::Value::String(format!(
            "Typed client for {}, generated from specs/{}/.",
            api.config.api.title, api.name
        )),
        version = crate_version(api, published),
        runtime = normalize::RUNTIME_VERSION,
    )
}

/// Select APIs by name (all when `names` is empty).
pub fn select<'a>(apis: &'a [Api], names: &[String]) -> Result<Vec<&'a Api>> {
    if names.is_empty() {
        return Ok(apis.iter().collect());
    }
    names
        .iter()
        .map(|n| {
            apis.iter()
                .find(|a| &a.name == n)
                .ok_or_else(|| Error::UnknownApi {
                    name: n.clone(),
                    known: apis
                        .iter()
                        .map(|a| a.name.as_str())
                        .collect::<Vec<_>>()
                        .join(", "),
                })
        })
        .collect()
}

/// Generate the selected APIs (all when `names` is empty); nothing is written.
pub fn generate(root: &Path, names: &[String]) -> Result<Vec<(String, Timings, Vec<OutputFile>)>> {
    let apis = discover(&root.join("specs"))?;
    let mut out = Vec::new();
    for api in select(&apis, names)? {
        let mut timings = Timings::default();
        let files = generate_api(api, &mut timings)?;
        out.push((api.name.clone(), timings, files));
    }
    // The registry lists every API, whichever were selected.
    let mut timings = Timings::default();
    let registry = timings.time("registry", || registry::files(&apis))?;
    out.push(("bank-apis".to_owned(), timings, registry));
    Ok(out)
}

/// Write files under `root` atomically: every file goes to a temporary sibling first and is
/// renamed into place only when all were written. A failure leaves the old files as they were.
///
/// Only paths inside `root` are written: a path that is absolute or has a `..` component, or
/// whose folder leads out of the (canonicalised) root through a symbolic link, is refused with
/// [`Error::OutsideRoot`] before anything is created (`output.rs`).
pub fn write(root: &Path, files: &[OutputFile]) -> Result<usize> {
    output::write(root, files)
}

/// A generated file whose checked-in content differs from what the specs produce.
#[derive(Debug, Clone)]
pub struct Stale {
    /// Path relative to the workspace root.
    pub path: PathBuf,
    /// Unified diff, checked-in → expected.
    pub diff: String,
}

/// Compare generated output with the files on disk.
pub fn stale(root: &Path, files: &[OutputFile]) -> Vec<Stale> {
    files
        .iter()
        .filter_map(|f| {
            let on_disk = std::fs::read_to_string(root.join(&f.path)).unwrap_or_default();
            (on_disk != f.content).then(|| Stale {
                path: f.path.clone(),
                diff: similar::TextDiff::from_lines(&on_disk, &f.content)
                    .unified_diff()
                    .context_radius(3)
                    .header(
                        &format!("a/{} (checked in)", f.path.display()),
                        &format!("b/{} (generated)", f.path.display()),
                    )
                    .to_string(),
            })
        })
        .collect()
}

/// The workspace root (the folder holding `specs/` and a `[workspace]` manifest), found at run
/// time: upward from `CARGO_MANIFEST_DIR` when cargo set it for this process (`cargo run`,
/// `cargo test`), otherwise upward from the current directory. Never baked in at compile time, so
/// checkouts that share one target directory each find their own tree.
pub fn workspace_root() -> Result<PathBuf> {
    let manifest_dir = std::env::var_os("CARGO_MANIFEST_DIR").map(PathBuf::from);
    let cwd = std::env::current_dir().ok();
    let starts: Vec<PathBuf> = manifest_dir.into_iter().chain(cwd).collect();
    starts
        .iter()
        .find_map(|start| find_workspace_root(start))
        .ok_or_else(|| Error::NoWorkspace {
            searched: starts
                .iter()
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>()
                .join(", "),
        })
}

/// The nearest folder at or above `start` that holds `specs/` and a `Cargo.toml` declaring
/// `[workspace]`.
pub fn find_workspace_root(start: &Path) -> Option<PathBuf> {
    start.ancestors().find_map(|dir| {
        let manifest = std::fs::read_to_string(dir.join("Cargo.toml")).ok()?;
        let is_workspace = manifest.lines().any(|l| l.trim() == "[workspace]");
        (is_workspace && dir.join("specs").is_dir()).then(|| dir.to_path_buf())
    })
}
