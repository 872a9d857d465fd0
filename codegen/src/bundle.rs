//! Documents split over several files: every `$ref` to another file (`./schemas/pet.yaml`,
//! `common.yaml#/components/schemas/Error`) is replaced by what it points at, read relative to the
//! file that holds the reference; references inside those files follow the same rule, `#…` ones
//! included (they point into their own file). The result is one document, as the generator and the
//! diff read it.
//!
//! The files are a stranger's data, read under these rules, each broken one an error naming the
//! file and the JSON pointer of the reference:
//!
//! - a referenced file, its `..` and symbolic links resolved (canonicalised), must lie inside the
//!   canonical folder of the document: `../../crates/x/build.rs`, a symbolic link leaving the
//!   folder and an absolute path are refused;
//! - a URL of any scheme (`http:`, `HTTPS:`, `file:`, `ftp:`, … in any case) and a network path
//!   (`//server/share`, `\\server\share`) are refused;
//! - only regular files are read, boundedly ([`crate::limits::read_regular`]): a FIFO, a device
//!   or a directory is refused without being read;
//! - a cycle across files is found on canonical paths (`x/../a.yaml` is `a.yaml`);
//! - before anything is inlined, the result is measured, each referenced fragment once: its
//!   nodes and nesting must stay within [`Limits`], and so must the chain of references
//!   followed one inside another. A schema referring to the next one twice, forty times over,
//!   is refused in microseconds instead of being built.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::rc::Rc;

use serde_json::Value;

use crate::error::{Error, Result};
use crate::limits::{Limits, Unreadable};
use crate::load::escape_pointer;

/// A file a document brought besides itself, as it was read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Part {
    /// Its canonical path.
    pub path: PathBuf,
    /// Its path relative to the canonical folder of the document: only normal components (no
    /// `..`, not absolute).
    pub relative: PathBuf,
    /// Its text.
    pub text: String,
}

/// Whether `doc` refers to any other file.
pub fn has_external_refs(doc: &Value) -> bool {
    match doc {
        Value::Object(map) => map.iter().any(|(k, v)| {
            (k == "$ref" && v.as_str().is_some_and(|r| !r.starts_with('#'))) || has_external_refs(v)
        }),
        Value::Array(items) => items.iter().any(has_external_refs),
        _ => false,
    }
}

/// The document at `path` (whose content is `doc`) with every reference to another file
/// inlined, under `limits`; the files it read.
pub fn bundle(path: &Path, doc: &mut Value, limits: &Limits) -> Result<Vec<Part>> {
    let mut bundler = Bundler::new(path, limits)?;
    let main = bundler.main.clone();
    bundler.measure(&main, true, doc, &mut String::new(), 1)?;
    bundler.inline(&main, true, doc, &mut String::new())?;
    Ok(bundler.parts())
}

/// The reference `value` holds, if it is one this file's bundling follows (`main`: the document
/// itself, whose `#…` references stay).
fn reference(value: &Value, main: bool) -> Option<&str> {
    value
        .as_object()?
        .get("$ref")?
        .as_str()
        .filter(|r| !main || !r.starts_with('#'))
}

/// Why a reference's file part is refused before any file is looked at.
fn refused(file_part: &str) -> Option<String> {
    let network = ["//", "\\\\", "/\\", "\\/"];
    if network.iter().any(|p| file_part.starts_with(p)) {
        return Some(
            "is a network (UNC) path: only files beside the document are read; copy the file into \
             the document's folder and refer to it by its relative path"
                .to_owned(),
        );
    }
    if let Some(scheme) = url_scheme(file_part) {
        return Some(format!(
            "is a remote reference (a `{scheme}:` URL): only files beside the document are read; \
             download it next to the document and refer to the file by its relative path"
        ));
    }
    if Path::new(file_part).is_absolute() || file_part.starts_with('\\') {
        return Some(
            "is an absolute path: refer to the document's files by their path relative to the \
             file that refers to them"
                .to_owned(),
        );
    }
    None
}

/// The scheme of a URL (`HTTPS` in `HTTPS://…`, `file` in `file:/etc/passwd`): letters, then
/// letters, digits, `+`, `-` or `.`, then `:` (RFC 3986). A relative path with a colon in its
/// first segment must start with `./`.
fn url_scheme(s: &str) -> Option<&str> {
    let (scheme, _) = s.split_once(':')?;
    let mut chars = scheme.chars();
    let first = chars.next()?;
    (first.is_ascii_alphabetic() && chars.all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c)))
        .then_some(scheme)
}

/// How much one reference brings: its nodes and its height (1 for a scalar), references inside
/// it inlined.
#[derive(Debug, Clone, Copy)]
struct Size {
    nodes: u64,
    height: usize,
}

/// A file read for the bundle.
struct Loaded {
    value: Rc<Value>,
    relative: PathBuf,
    text: String,
}

/// One bundling: the files read, the references resolved and the sizes measured.
struct Bundler<'l> {
    limits: &'l Limits,
    /// The canonical folder of the document.
    folder: PathBuf,
    /// The folder as the document's path gives it (for messages).
    shown_folder: PathBuf,
    /// The document's path under the canonical folder.
    main: PathBuf,
    /// The document's path as given.
    shown_main: PathBuf,
    files: BTreeMap<PathBuf, Loaded>,
    /// `(file, reference)` → `(canonical target, fragment)`.
    resolved: HashMap<(PathBuf, String), (PathBuf, String)>,
    /// `(canonical target, fragment)` → what it brings.
    sizes: HashMap<(PathBuf, String), Size>,
    /// The references being followed, one inside another.
    stack: Vec<(PathBuf, String)>,
    /// Nodes of the bundled document met so far, in the document's own walk.
    total: u64,
}

impl<'l> Bundler<'l> {
    fn new(path: &Path, limits: &'l Limits) -> Result<Self> {
        let shown_folder = match path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        let folder = std::fs::canonicalize(&shown_folder).map_err(|e| {
            Error::invalid(
                path,
                "/",
                format!(
                    "references to other files are read relative to the document's folder {}, which cannot be resolved: {e}",
                    shown_folder.display()
                ),
            )
        })?;
        let main = folder.join(path.file_name().unwrap_or_default());
        Ok(Bundler {
            limits,
            folder,
            shown_folder,
            main,
            shown_main: path.to_path_buf(),
            files: BTreeMap::new(),
            resolved: HashMap::new(),
            sizes: HashMap::new(),
            stack: Vec::new(),
            total: 0,
        })
    }

    /// The files read, in path order.
    fn parts(self) -> Vec<Part> {
        self.files
            .into_iter()
            .map(|(path, loaded)| Part {
                path,
                relative: loaded.relative,
                text: loaded.text,
            })
            .collect()
    }

    /// A canonical file's path as messages show it: under the folder as given.
    fn shown(&self, file: &Path) -> PathBuf {
        if file == self.main {
            return self.shown_main.clone();
        }
        match file.strip_prefix(&self.folder) {
            Ok(relative) => self.shown_folder.join(relative),
            Err(_) => file.to_path_buf(),
        }
    }

    fn located(&self, file: &Path, at: &str, message: String) -> Error {
        Error::invalid(&self.shown(file), at, message)
    }

    /// The canonical file and the fragment `reference` (held by `file` at `at`) names.
    fn resolve(&mut self, file: &Path, reference: &str, at: &str) -> Result<(PathBuf, String)> {
        let key = (file.to_path_buf(), reference.to_owned());
        if let Some(found) = self.resolved.get(&key) {
            return Ok(found.clone());
        }
        let (file_part, fragment) = reference.split_once('#').unwrap_or((reference, ""));
        let target = if file_part.is_empty() {
            file.to_path_buf()
        } else {
            if let Some(why) = refused(file_part) {
                return Err(self.located(file, at, format!("`{reference}` {why}")));
            }
            let joined = file.parent().unwrap_or(&self.folder).join(file_part);
            let canonical = std::fs::canonicalize(&joined).map_err(|e| {
                self.located(
                    file,
                    at,
                    format!("`{reference}`: {}: {e}", self.shown(&joined).display()),
                )
            })?;
            if !canonical.starts_with(&self.folder) {
                return Err(self.located(
                    file,
                    at,
                    format!(
                        "`{reference}` leads to {}, outside the document's folder {} (`..` and \
                         symbolic links resolved): a split document's files must be inside its folder",
                        canonical.display(),
                        self.folder.display()
                    ),
                ));
            }
            canonical
        };
        let found = (target, fragment.to_owned());
        self.resolved.insert(key, found.clone());
        Ok(found)
    }

    /// Read and parse `target` once (for `reference`, held by `file` at `at`).
    fn load(&mut self, target: &Path, file: &Path, reference: &str, at: &str) -> Result<()> {
        if self.files.contains_key(target) {
            return Ok(());
        }
        let shown = self.shown(target);
        let text =
            crate::limits::read_regular(target, self.limits.file_bytes).map_err(|e| match e {
                Unreadable::TooLarge(size) => self.limits.too_large(
                    &self.shown(file),
                    at,
                    format!("`{reference}`: {} is {size} bytes or more", shown.display()),
                ),
                other => self.located(
                    file,
                    at,
                    format!("`{reference}`: {} {other}", shown.display()),
                ),
            })?;
        let value = crate::load::parse_value_with(&shown, &text, self.limits)?;
        let relative = target
            .strip_prefix(&self.folder)
            .map(Path::to_path_buf)
            .unwrap_or_default();
        self.files.insert(
            target.to_path_buf(),
            Loaded {
                value: Rc::new(value),
                relative,
                text,
            },
        );
        Ok(())
    }

    /// The value `fragment` points at in the loaded `target`.
    fn fragment(
        &self,
        target: &Path,
        fragment: &str,
        file: &Path,
        reference: &str,
        at: &str,
    ) -> Result<Rc<Value>> {
        let doc = Rc::clone(&self.files[target].value);
        if doc.pointer(fragment).is_none() {
            return Err(self.located(
                file,
                at,
                format!(
                    "`{reference}`: {} has nothing at `{fragment}`",
                    self.shown(target).display()
                ),
            ));
        }
        Ok(doc)
    }

    /// Count `nodes` more of the bundled document at `at` in `file` (the document's own walk).
    fn count(&mut self, file: &Path, at: &str, nodes: u64) -> Result<()> {
        self.total = self.total.saturating_add(nodes);
        if self.total > self.limits.nodes {
            return Err(self.limits.too_many_nodes(
                &self.shown(file),
                at,
                "the document, its references inlined, passes the node cap here (references \
                 fanned out?)"
                    .to_owned(),
            ));
        }
        Ok(())
    }

    /// What `value` (at `at` in `file`, `depth` levels down the bundled document) brings, its
    /// references inlined; every cap checked on the way.
    fn measure(
        &mut self,
        file: &Path,
        main: bool,
        value: &Value,
        at: &mut String,
        depth: usize,
    ) -> Result<Size> {
        if let Some(reference) = reference(value, main) {
            let at_ref = format!("{at}/$ref");
            let size = self.measure_reference(file, reference, &at_ref, depth)?;
            if main {
                self.count(file, &at_ref, size.nodes)?;
            }
            return Ok(size);
        }
        if depth > self.limits.depth {
            return Err(self.limits.too_deep(
                &self.shown(file),
                at,
                "the document, its references inlined, nests deeper than the cap here".to_owned(),
            ));
        }
        if main {
            self.count(file, at, 1)?;
        }
        let mut size = Size {
            nodes: 1,
            height: 1,
        };
        let mut add = |this: &mut Self, child: &Value, at: &str, inner: Size| -> Result<()> {
            size.nodes = size.nodes.saturating_add(inner.nodes);
            size.height = size.height.max(inner.height.saturating_add(1));
            if size.nodes > this.limits.nodes {
                let at = match reference(child, main) {
                    Some(_) => format!("{at}/$ref"),
                    None => at.to_owned(),
                };
                return Err(this.limits.too_many_nodes(
                    &this.shown(file),
                    &at,
                    "references inlined here bring the document past the node cap (references \
                     fanned out?)"
                        .to_owned(),
                ));
            }
            Ok(())
        };
        match value {
            Value::Object(map) => {
                for (k, child) in map {
                    let len = at.len();
                    at.push('/');
                    at.push_str(&escape_pointer(k));
                    // Examples and defaults are data: a `$ref` key there is not a reference.
                    let inner = if crate::json::DATA_KEYS.contains(&k.as_str()) {
                        self.measure_data(file, main, child, at, depth + 1)?
                    } else {
                        self.measure(file, main, child, at, depth + 1)?
                    };
                    add(self, child, at, inner)?;
                    at.truncate(len);
                }
            }
            Value::Array(items) => {
                for (i, child) in items.iter().enumerate() {
                    let len = at.len();
                    at.push_str(&format!("/{i}"));
                    let inner = self.measure(file, main, child, at, depth + 1)?;
                    add(self, child, at, inner)?;
                    at.truncate(len);
                }
            }
            _ => {}
        }
        Ok(size)
    }

    /// What a data value (an example, a default) brings: itself, no reference followed.
    fn measure_data(
        &mut self,
        file: &Path,
        main: bool,
        value: &Value,
        at: &str,
        depth: usize,
    ) -> Result<Size> {
        fn size(value: &Value) -> Size {
            let children: Box<dyn Iterator<Item = &Value>> = match value {
                Value::Object(map) => Box::new(map.values()),
                Value::Array(items) => Box::new(items.iter()),
                _ => Box::new(std::iter::empty()),
            };
            children.fold(
                Size {
                    nodes: 1,
                    height: 1,
                },
                |acc, child| {
                    let inner = size(child);
                    Size {
                        nodes: acc.nodes.saturating_add(inner.nodes),
                        height: acc.height.max(inner.height + 1),
                    }
                },
            )
        }
        let found = size(value);
        if depth.saturating_add(found.height) - 1 > self.limits.depth {
            return Err(self.limits.too_deep(
                &self.shown(file),
                at,
                "the document, its references inlined, nests deeper than the cap in this data"
                    .to_owned(),
            ));
        }
        if main {
            self.count(file, at, found.nodes)?;
        }
        Ok(found)
    }

    /// What `reference` (held by `file` at `at`, `depth` levels down) brings; measured once per
    /// target and fragment.
    fn measure_reference(
        &mut self,
        file: &Path,
        reference: &str,
        at: &str,
        depth: usize,
    ) -> Result<Size> {
        let key = self.resolve(file, reference, at)?;
        if let Some(size) = self.sizes.get(&key).copied() {
            let deepest = depth.saturating_add(size.height) - 1;
            if deepest > self.limits.depth {
                return Err(self.limits.too_deep(
                    &self.shown(file),
                    at,
                    format!("`{reference}` inlined here nests the document {deepest} levels deep"),
                ));
            }
            return Ok(size);
        }
        if self.stack.contains(&key) {
            return Err(self.located(
                file,
                at,
                format!(
                    "`{reference}` refers back to itself across files (a recursive schema split over \
                     files is not supported; keep it in one file)"
                ),
            ));
        }
        if self.stack.len() >= self.limits.depth {
            return Err(self.limits.too_deep(
                &self.shown(file),
                at,
                format!("`{reference}` is one more reference followed inside the others"),
            ));
        }
        let (target, fragment) = key.clone();
        self.load(&target, file, reference, at)?;
        let doc = self.fragment(&target, &fragment, file, reference, at)?;
        let node = doc.pointer(&fragment).unwrap_or(&Value::Null);
        self.stack.push(key.clone());
        let size = self.measure(&target, false, node, &mut fragment.clone(), depth)?;
        self.stack.pop();
        self.sizes.insert(key, size);
        Ok(size)
    }

    /// Inline the references in `value`, which sits at `at` in `file` (measured first: every
    /// file is loaded and every cap holds).
    fn inline(
        &mut self,
        file: &Path,
        main: bool,
        value: &mut Value,
        at: &mut String,
    ) -> Result<()> {
        if let Some(reference) = reference(value, main).map(str::to_owned) {
            let at_ref = format!("{at}/$ref");
            let (target, fragment) = self.resolve(file, &reference, &at_ref)?;
            self.load(&target, file, &reference, &at_ref)?;
            let doc = self.fragment(&target, &fragment, file, &reference, &at_ref)?;
            let mut resolved = doc.pointer(&fragment).cloned().unwrap_or_default();
            self.inline(&target, false, &mut resolved, &mut fragment.clone())?;
            *value = resolved;
            return Ok(());
        }
        match value {
            Value::Object(map) => {
                for (k, child) in map.iter_mut() {
                    // Examples and defaults are data: a `$ref` key there is not a reference.
                    if crate::json::DATA_KEYS.contains(&k.as_str()) {
                        continue;
                    }
                    let len = at.len();
                    at.push('/');
                    at.push_str(&escape_pointer(k));
                    self.inline(file, main, child, at)?;
                    at.truncate(len);
                }
            }
            Value::Array(items) => {
                for (i, child) in items.iter_mut().enumerate() {
                    let len = at.len();
                    at.push_str(&format!("/{i}"));
                    self.inline(file, main, child, at)?;
                    at.truncate(len);
                }
            }
            _ => {}
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn folder(name: &str, files: &[(&str, &str)]) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("bundle-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        for (file, text) in files {
            let path = dir.join(file);
            std::fs::create_dir_all(path.parent().expect("parent")).expect("dir");
            std::fs::write(path, text).expect("write");
        }
        dir
    }

    const MAIN: &str = "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths: {}\ncomponents:\n  schemas:\n    A: {$ref: './a.yaml'}\n    Local: {type: string}\n    UsesLocal: {$ref: '#/components/schemas/Local'}\n";

    #[test]
    fn references_to_other_files_are_inlined_relative_to_their_file() {
        let dir = folder(
            "ok",
            &[
                ("main.yaml", MAIN),
                (
                    "a.yaml",
                    "type: object\nproperties:\n  b: {$ref: 'sub/b.yaml#/B'}\n",
                ),
                (
                    "sub/b.yaml",
                    "B: {type: object, properties: {c: {$ref: '#/C'}}}\nC: {type: integer}\n",
                ),
            ],
        );
        let doc = crate::load::load(&dir.join("main.yaml")).expect("bundled");
        let a = &doc.value["components"]["schemas"]["A"];
        assert_eq!(a["properties"]["b"]["properties"]["c"]["type"], "integer");
        assert_eq!(
            doc.value["components"]["schemas"]["UsesLocal"]["$ref"], "#/components/schemas/Local",
            "the document's own references stay"
        );
    }

    #[test]
    fn missing_files_fragments_remote_urls_and_cycles_are_located_errors() {
        for (name, a, expected) in [
            ("missing", "$ref: './nowhere.yaml'", "nowhere.yaml"),
            (
                "fragment",
                "$ref: './b.yaml#/Nope'",
                "has nothing at `/Nope`",
            ),
            (
                "remote",
                "$ref: 'https://example.com/a.yaml'",
                "remote reference",
            ),
            (
                "cycle",
                "type: object\nproperties:\n  self: {$ref: './a.yaml'}\n",
                "refers back to itself",
            ),
        ] {
            let dir = folder(
                name,
                &[("main.yaml", MAIN), ("a.yaml", a), ("b.yaml", "B: {}\n")],
            );
            let err = crate::load::load(&dir.join("main.yaml")).expect_err(name);
            let text = err.to_string();
            assert!(text.contains(expected), "{name}: {text}");
            assert!(text.contains("/$ref"), "{name}: located: {text}");
        }
    }
}
