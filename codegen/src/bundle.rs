//! Documents split over several files: every `$ref` to another file (`./schemas/pet.yaml`,
//! `common.yaml#/components/schemas/Error`) is replaced by what it points at, read relative to the
//! file that holds the reference; references inside those files follow the same rule, `#…` ones
//! included (they point into their own file). The result is one document, as the generator and the
//! diff read it. A missing file, a fragment that points nowhere, a remote URL or a cycle across
//! files is an error naming the file and the pointer of the reference.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::error::{Error, Result};
use crate::load::escape_pointer;

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

/// The document at `path` with every reference to another file inlined; the files it read.
pub fn bundle(path: &Path, doc: &mut Value) -> Result<Vec<PathBuf>> {
    let mut files: BTreeMap<PathBuf, Value> = BTreeMap::new();
    inline(
        path,
        true,
        doc,
        &mut String::new(),
        &mut Vec::new(),
        &mut files,
    )?;
    Ok(files.into_keys().collect())
}

/// Inline the references in `value`, which sits at `at` in `file` (`main`: the document itself,
/// whose `#…` references stay).
fn inline(
    file: &Path,
    main: bool,
    value: &mut Value,
    at: &mut String,
    stack: &mut Vec<(PathBuf, String)>,
    files: &mut BTreeMap<PathBuf, Value>,
) -> Result<()> {
    if let Some(reference) = value
        .as_object()
        .and_then(|m| m.get("$ref"))
        .and_then(Value::as_str)
        .map(str::to_owned)
        && (!main || !reference.starts_with('#'))
    {
        let located = |message: String| Error::invalid(file, format!("{at}/$ref"), message);
        if reference.starts_with("http://") || reference.starts_with("https://") {
            return Err(located(format!(
                "`{reference}` is a remote reference: download it next to the document and refer to the file"
            )));
        }
        let (file_part, fragment) = reference.split_once('#').unwrap_or((&reference, ""));
        let target = if file_part.is_empty() {
            file.to_path_buf()
        } else {
            file.parent().unwrap_or(Path::new(".")).join(file_part)
        };
        let key = (target.clone(), fragment.to_owned());
        if stack.contains(&key) {
            return Err(located(format!(
                "`{reference}` refers back to itself across files (a recursive schema split over files is not supported; keep it in one file)"
            )));
        }
        if !files.contains_key(&target) {
            let text = std::fs::read_to_string(&target)
                .map_err(|e| located(format!("`{reference}`: {}: {e}", target.display())))?;
            let parsed = crate::load::parse_value(&target, &text)?;
            files.insert(target.clone(), parsed);
        }
        let mut resolved = files[&target].pointer(fragment).cloned().ok_or_else(|| {
            located(format!(
                "`{reference}`: {} has nothing at `{fragment}`",
                target.display()
            ))
        })?;
        stack.push(key);
        inline(
            &target,
            false,
            &mut resolved,
            &mut fragment.to_owned(),
            stack,
            files,
        )?;
        stack.pop();
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
                inline(file, main, child, at, stack, files)?;
                at.truncate(len);
            }
        }
        Value::Array(items) => {
            for (i, child) in items.iter_mut().enumerate() {
                let len = at.len();
                at.push_str(&format!("/{i}"));
                inline(file, main, child, at, stack, files)?;
                at.truncate(len);
            }
        }
        _ => {}
    }
    Ok(())
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
