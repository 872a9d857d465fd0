//! `cargo xtask new <api> <document>`: a new bank's document becomes a crate of the workspace.
//!
//! It writes `specs/<api>/` (the document as received, `api.toml`, `SOURCE.md` to fill in, an
//! empty fixes overlay, `known-quirks.yaml` with the document's own example contradictions) and
//! `crates/<api>/` (the hand-written `src/lib.rs`, a CHANGELOG, and everything `generate` makes),
//! and the API's row in the registry (`crates/bank-apis/`).
//! Generation runs on a scratch copy first, so a document the generator refuses writes nothing;
//! after writing, `cargo check -p <api>` (all targets and features: the typed mocks too) must
//! pass, or every new file is removed again (and `Cargo.lock` restored): the workspace builds
//! before and after, whatever happens.

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

use bank_codegen::OutputFile;
use bank_codegen::limits::Limits;
use serde_json::Value;

pub const USAGE: &str = "\
usage: cargo xtask new <api> <document> [--title TITLE] [--no-check]
  <api>         the folder and crate name: lower case, digits and `-` (e.g. halyk-payments)
  <document>    the bank's document as received: YAML or JSON, Swagger 2.0 or OpenAPI 3.0
  --title       the API's title (default: the document's info.title)
  --no-check    skip `cargo check` of the new crate (it is then your next step)
exit status: 0 done, 2 refused (nothing written)";

/// Run `new` with its arguments (after the command name).
pub fn run(root: &Path, args: &[String]) -> ExitCode {
    crate::all_or_nothing(new(root, args))
}

fn new(root: &Path, args: &[String]) -> Result<(), String> {
    let mut positional = Vec::new();
    let (mut title, mut check) = (None, true);
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--no-check" => check = false,
            "--title" => title = Some(it.next().ok_or(format!("--title needs a value\n{USAGE}"))?),
            flag if flag.starts_with("--") => {
                return Err(format!("unknown option {flag}\n{USAGE}"));
            }
            _ => positional.push(arg.clone()),
        }
    }
    let [name, document] = positional.as_slice() else {
        return Err(USAGE.to_owned());
    };
    if name.is_empty()
        || !name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        || name.starts_with('-')
        || name.ends_with('-')
    {
        return Err(format!(
            "`{name}` is not an API name: lower case letters, digits and `-`"
        ));
    }
    for taken in [
        root.join("specs").join(name),
        root.join("crates").join(name),
    ] {
        if taken.exists() {
            return Err(format!("{} already exists", taken.display()));
        }
    }
    let document = PathBuf::from(document);
    let shown = document.display().to_string();
    // The document and every file it refers to are read boundedly, from inside its folder only.
    let limits = Limits::from_env().map_err(|e| e.to_string())?;
    let text =
        bank_codegen::limits::read_document(&document, &limits).map_err(|e| e.to_string())?;
    let (loaded, brought) =
        bank_codegen::load::parse_bundled(&document, &text, &limits).map_err(|e| e.to_string())?;
    let swagger = loaded.value.get("swagger").is_some();
    let json = text.trim_start().starts_with('{');
    let file_name = match (swagger, json) {
        (true, true) => "swagger.json",
        (true, false) => "swagger.yaml",
        (false, true) => "openapi.json",
        (false, false) => "openapi.yaml",
    };
    // The title and the file's name are a stranger's text too: they go into TOML, YAML,
    // Markdown and a Rust doc comment as one plain line.
    let title = plain(title.map(String::as_str).unwrap_or_else(|| {
        loaded
            .value
            .pointer("/info/title")
            .and_then(Value::as_str)
            .unwrap_or(name)
    }));
    let title = if title.is_empty() {
        name.clone()
    } else {
        title
    };
    let received = plain(
        &document
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default(),
    );

    // The spec folder, staged and generated from before anything is written.
    let mut specs: Vec<(String, String)> = vec![
        (file_name.to_owned(), text.clone()),
        (
            "api.toml".to_owned(),
            api_toml(&title, file_name, &received),
        ),
        ("fixes.overlay.yaml".to_owned(), overlay(&title, file_name)),
        ("SOURCE.md".to_owned(), source_md(name, &title, &received)),
    ];
    // A split document brings its files along, at the same relative places (each inside the
    // document's folder: `bundle` refused any other), as they were read; none may stand in for a
    // file `new` writes itself.
    for part in brought {
        let relative = part.relative.display().to_string();
        match specs.iter().find(|(file, _)| *file == relative) {
            Some((_, content)) if *content == part.text => {}
            Some(_) => {
                return Err(format!(
                    "{}: the document refers to `{relative}`, a file `new` writes itself: rename it",
                    part.path.display()
                ));
            }
            None => specs.push((relative, part.text)),
        }
    }
    if specs.iter().any(|(file, _)| file == "known-quirks.yaml") {
        return Err(
            "the document refers to `known-quirks.yaml`, a file `new` writes itself: rename it"
                .to_owned(),
        );
    }
    specs.push((
        "known-quirks.yaml".to_owned(),
        bank_codegen::structure::known_quirks_yaml(&bank_codegen::structure::example_violations(
            &loaded.value,
        )),
    ));
    let scratch = root.join("target/xtask-new").join(name);
    let _ = std::fs::remove_dir_all(&scratch);
    std::fs::create_dir_all(&scratch).map_err(|e| format!("{}: {e}", scratch.display()))?;
    let staged = scratch.join("specs").join(name);
    let spec_dir = PathBuf::from("specs").join(name);
    // Staged through the same check as the final write: nothing lands outside the scratch copy.
    let staged_files: Vec<OutputFile> = specs
        .iter()
        .map(|(file, content)| OutputFile {
            path: spec_dir.join(file),
            content: content.clone(),
        })
        .collect();
    bank_codegen::write(&scratch, &staged_files).map_err(|e| e.to_string())?;
    let apis = bank_codegen::discover(&scratch.join("specs")).map_err(|e| e.to_string())?;
    let api = apis
        .iter()
        .find(|a| a.name == *name)
        .ok_or("the staged API was not found")?;
    let mut timings = bank_codegen::Timings::default();
    // Problems name the document as the user gave it, not the staged copy.
    let staged_document = staged.join(file_name).display().to_string();
    let mut files = bank_codegen::generate_api(api, &mut timings).map_err(|e| {
        let mut text = e.to_string().replace(&staged_document, &shown);
        if swagger {
            text.push_str(
                "\n(JSON pointers are into the document's OpenAPI 3.0 form: `/components/schemas/X` \
                 is Swagger's `/definitions/X`)",
            );
        }
        text
    })?;
    for (file, content) in specs {
        files.push(OutputFile {
            path: spec_dir.join(file),
            content,
        });
    }
    let crate_dir = PathBuf::from("crates").join(name);
    files.push(OutputFile {
        path: crate_dir.join("src/lib.rs"),
        content: lib_rs(name, &title),
    });
    let version = files
        .iter()
        .find(|f| f.path.ends_with("Cargo.toml"))
        .and_then(|f| {
            f.content
                .lines()
                .find_map(|l| l.strip_prefix("version = \""))
                .and_then(|r| r.split('"').next())
                .map(str::to_owned)
        })
        .unwrap_or_else(|| "0.1.0".to_owned());
    files.push(OutputFile {
        path: crate_dir.join("CHANGELOG.md"),
        content: format!(
            "# Changelog — {name}\n\nEach release of this crate, newest first; `cargo xtask update` adds the entries.\n\n## {version}\n\nFirst release, generated from {title} (`specs/{name}/{file_name}`).\n"
        ),
    });

    // The registry of APIs (crates/bank-apis) gains the new one's row.
    let mut all = bank_codegen::discover(&root.join("specs")).map_err(|e| e.to_string())?;
    all.push(api.clone());
    all.sort_by(|a, b| a.name.cmp(&b.name));
    let registry = bank_codegen::registry::files(&all).map_err(|e| e.to_string())?;
    let registry_before: Vec<(PathBuf, Option<Vec<u8>>)> = registry
        .iter()
        .map(|f| (f.path.clone(), std::fs::read(root.join(&f.path)).ok()))
        .collect();
    files.extend(registry);

    let lock = std::fs::read(root.join("Cargo.lock")).ok();
    let result = write_and_check(root, name, &files, check);
    if result.is_err() {
        for (path, content) in &registry_before {
            let _ = match content {
                Some(content) => std::fs::write(root.join(path), content),
                None => std::fs::remove_file(root.join(path)),
            };
        }
        // Everything `new` created goes again: both folders did not exist before it ran.
        let _ = std::fs::remove_dir_all(root.join("specs").join(name));
        let _ = std::fs::remove_dir_all(root.join("crates").join(name));
        let _ = match &lock {
            Some(lock) => std::fs::write(root.join("Cargo.lock"), lock),
            None => std::fs::remove_file(root.join("Cargo.lock")),
        };
    }
    result?;
    println!(
        "next: fill in specs/{name}/SOURCE.md and api.toml's `source`, declare fixes in \
         specs/{name}/fixes.overlay.yaml, then cargo test -p {name}"
    );
    Ok(())
}

/// Write the new files (every path inside the workspace) and `cargo check` the new crate.
fn write_and_check(
    root: &Path,
    name: &str,
    files: &[OutputFile],
    check: bool,
) -> Result<(), String> {
    let written = bank_codegen::write(root, files).map_err(|e| e.to_string())?;
    println!(
        "wrote {written} file(s) under specs/{name}/, crates/{name}/ and the registry (crates/bank-apis/)"
    );
    crate::print_choices(files);
    if !check {
        return Ok(());
    }
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let output = Command::new(cargo)
        .current_dir(root)
        .args([
            "check",
            "-p",
            name,
            "--all-targets",
            "--all-features",
            "--message-format=short",
        ])
        .output()
        .map_err(|e| format!("running cargo check: {e}; the new files were removed again"))?;
    if !output.status.success() {
        let errors: Vec<String> = String::from_utf8_lossy(&output.stderr)
            .lines()
            .filter(|l| l.contains("error"))
            .take(20)
            .map(str::to_owned)
            .collect();
        return Err(format!(
            "`cargo check -p {name}` failed, so the new files were removed again:\n{}",
            errors.join("\n")
        ));
    }
    println!("cargo check -p {name}: the new crate compiles");
    Ok(())
}

/// Text from the document (or its file name) made safe for the files `new` writes around it
/// (TOML and YAML strings and comments, Markdown, a Rust doc comment, the generated
/// `Cargo.toml`'s description): one line, no control or invisible formatting characters
/// (bidirectional overrides included), `"` and `\` replaced.
fn plain(text: &str) -> String {
    let mapped: String = text
        .chars()
        .map(|c| match c {
            '"' => '\'',
            '\\' => '/',
            c if c.is_control() || crate::invisible(c) => ' ',
            c => c,
        })
        .collect();
    mapped.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn api_toml(title: &str, document: &str, received: &str) -> String {
    format!(
        "# {title}: created by `cargo xtask new` from {received}.\n[api]\ntitle = \"{title}\"\ndocument = \"{document}\"\nfixes = \"fixes.overlay.yaml\"\nsource = \"{received}, as received (say where it comes from in SOURCE.md)\"\n# The generated crate's version (bumped by `cargo xtask update`); build metadata: the document's info.version.\nversion = \"0.1.0\"\n\n[normalise]\nexact-numbers = true\nopen-responses = true\ntolerant-enums = true\nstringify-examples = true\n"
    )
}

fn overlay(title: &str, document: &str) -> String {
    let title = format!("{title} — declared fixes");
    format!(
        "# Declared fixes on top of the document (OpenAPI Overlay 1.0). Targets are JSONPath into the\n# document after conversion to OpenAPI 3.0; every action says why. A target that matches nothing\n# fails generation.\noverlay: 1.0.0\ninfo:\n  title: \"{title}\"\n  version: 1.0.0\nextends: {document}\nactions: []\n"
    )
}

fn source_md(name: &str, title: &str, received: &str) -> String {
    format!(
        "## {name} — {title}\n\n**Source.** `{received}`, as received. Say who published it, where, when, and in which form.\n\n**What was changed.** Nothing: the document is as received. Fixes, if any, are declared in\n`fixes.overlay.yaml`, each with its reason.\n\n**Inferences.** None yet. List every inference here, item by item.\n"
    )
}

fn lib_rs(name: &str, title: &str) -> String {
    format!(
        "//! Typed client for {title}.\n//!\n//! The client, its builders and the `types` are generated by `cargo xtask generate` from\n//! `specs/{name}/` into `generated.rs`; this file holds what is written by hand. Base URLs\n//! per environment are in [`servers`].\n\n#![warn(missing_docs)]\n\n#[rustfmt::skip]\n#[allow(missing_docs, clippy::all, unused_imports, dead_code, rustdoc::all)]\nmod generated;\n\npub use generated::*;\n\nbank_runtime::client_hooks!(Client);\n"
    )
}
