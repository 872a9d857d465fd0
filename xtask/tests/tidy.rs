//! Repository rules as tests, in the spirit of rust-analyzer's `tidy`: what must hold for the
//! architecture to stay as ARCHITECTURE.md describes it.
//!
//! - No crate that runs in a user's service or in the sandbox depends on the generator (nor on
//!   progenitor-impl, typify-impl, syn or a YAML parser), directly or through another crate.
//! - A bank fact written in one place: date-layout patterns only in the formats table, the
//!   transient statuses only in `bank_runtime::retry`, environment names only in
//!   `bank_openapi::environments`, the sandbox's BCC token path only in its bank registry.
//! - Every hand-written module opens with a `//!` doc comment; every generated file says
//!   `@generated` on its first line.
//! - The facade compiles only the banks a service enables (a Globus-only build has no ring, no
//!   PKCS#12 stack, no other bank).
//! - No hand-written source file is over 1,000 lines ([`MAX_LINES`]).
//! - Extension keys (`x-…`) have one home, `bank_openapi::ext`: no other hand-written non-test
//!   source writes one out.
//! - No hand-written source lists the APIs (two API names outside tests): the generated
//!   registry does.

mod common;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use common::git_files;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("workspace")
        .to_path_buf()
}

/// The crates whose code runs in a user's service or in the sandbox.
const RUNTIME_CRATES: &[&str] = &[
    "bank-openapi",
    "bank-runtime",
    "bank-jws",
    "banks",
    "bank-sandbox",
    "bcc-broker",
    "bcc-financial",
    "globus-cfront",
    "baas-gateway",
];

/// What none of them may pull in at run time.
const GENERATOR_ONLY: &[&str] = &[
    "bank-codegen",
    "progenitor-impl",
    "typify-impl",
    "syn",
    "prettyplease",
    "yaml_serde",
    "libyaml-rs",
    "openapiv3",
];

/// The packages `krate` reaches through run-time (normal) dependencies on this host, proc macros
/// excluded (they run in the compiler, not in the service), from `cargo tree`.
fn runtime_tree(krate: &str, features: &[&str]) -> BTreeSet<String> {
    let mut args = vec![
        "tree",
        "--offline",
        "-p",
        krate,
        "-e",
        "normal,no-proc-macro",
        "--prefix",
        "none",
    ];
    if !features.is_empty() {
        args.push("--no-default-features");
        args.push("--features");
    }
    let joined = features.join(",");
    if !features.is_empty() {
        args.push(&joined);
    }
    let out = Command::new(env!("CARGO"))
        .args(&args)
        .current_dir(root())
        .output()
        .expect("cargo tree runs");
    assert!(
        out.status.success(),
        "cargo {}: {}",
        args.join(" "),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| l.split_whitespace().next())
        .map(str::to_owned)
        .collect()
}

#[test]
fn nothing_that_runs_in_a_service_or_the_sandbox_depends_on_the_generator() {
    let mut offences = Vec::new();
    for krate in RUNTIME_CRATES {
        let tree = runtime_tree(krate, &[]);
        assert!(tree.contains(*krate), "{krate} is in its own tree");
        for banned in GENERATOR_ONLY {
            if tree.contains(*banned) {
                offences.push(format!(
                    "{krate} reaches {banned} (cargo tree -p {krate} -e normal,no-proc-macro -i {banned})"
                ));
            }
        }
    }
    assert!(offences.is_empty(), "{}", offences.join("\n"));
}

/// Hand-written Rust sources (generated files and build output excluded).
/// Whether a file says `@generated` on its first line (the registry's `lib.rs`): checked by
/// `cargo xtask check`, not by the rules for hand-written code.
fn generated(path: &Path) -> bool {
    std::fs::read_to_string(path)
        .ok()
        .and_then(|t| t.lines().next().map(|l| l.contains("@generated")))
        .unwrap_or(false)
}

/// Every hand-written Rust source file of the workspace.
fn sources() -> Vec<PathBuf> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
            let path = entry.path();
            let name = entry.file_name();
            if path.is_dir() {
                if name != "target" && name != ".git" {
                    walk(&path, out);
                }
            } else if path.extension().is_some_and(|e| e == "rs")
                && name != "generated.rs"
                && !generated(&path)
            {
                out.push(path);
            }
        }
    }
    let root = root();
    let mut out = Vec::new();
    for dir in ["codegen", "crates", "xtask", "tests"] {
        walk(&root.join(dir), &mut out);
    }
    out.sort();
    out
}

fn rel(path: &Path) -> String {
    path.strip_prefix(root())
        .unwrap_or(path)
        .display()
        .to_string()
}

#[test]
fn each_fact_list_has_one_home() {
    // (what, a literal that only its home writes, the home)
    let facts: &[(&str, &str, &str)] = &[
        (
            "date layouts",
            "\"%d-%m-%Y",
            "crates/bank-openapi/src/formats.rs",
        ),
        (
            "date layouts",
            "\"%Y-%m-%d",
            "crates/bank-openapi/src/formats.rs",
        ),
        (
            "date layouts",
            "\"%d.%m.%Y",
            "crates/bank-openapi/src/formats.rs",
        ),
        (
            "transient statuses",
            "408, 429",
            "crates/bank-runtime/src/retry.rs",
        ),
        (
            "transient statuses",
            "429 | 500",
            "crates/bank-runtime/src/retry.rs",
        ),
        (
            "environment names",
            "\"alternative-production\"",
            "crates/bank-openapi/src/environments.rs",
        ),
        (
            "the sandbox's BCC token path",
            "\"/oauth/token\"",
            "crates/sandbox/src/auth.rs",
        ),
        (
            "BaaS operation ids",
            "\"getToken\"",
            "crates/baas-gateway/src/generated.rs",
        ),
    ];
    let mut offences = Vec::new();
    for path in sources() {
        let r = rel(&path);
        // Tests and benches may name their own mock servers' paths and fixtures.
        if r.starts_with("tests/") || r.contains("/tests/") || r.contains("/benches/") {
            continue;
        }
        let text = std::fs::read_to_string(&path).expect("read");
        for (what, literal, home) in facts {
            if r != *home && text.contains(literal) {
                offences.push(format!("{r}: {what} ({literal}) belong in {home}"));
            }
        }
    }
    assert!(offences.is_empty(), "{}", offences.join("\n"));
}

#[test]
fn every_module_says_what_it_holds_and_generated_files_say_so() {
    let mut offences = Vec::new();
    for path in sources() {
        let text = std::fs::read_to_string(&path).expect("read");
        if !text.trim_start().starts_with("//!") {
            offences.push(format!("{}: no `//!` module doc comment", rel(&path)));
        }
    }
    for entry in std::fs::read_dir(root().join("crates")).expect("crates") {
        let generated = entry.expect("entry").path().join("src/generated.rs");
        if let Ok(text) = std::fs::read_to_string(&generated)
            && !text
                .lines()
                .next()
                .is_some_and(|l| l.contains("@generated"))
        {
            offences.push(format!("{}: first line lacks @generated", rel(&generated)));
        }
    }
    assert!(offences.is_empty(), "{}", offences.join("\n"));
}

#[test]
fn a_globus_only_service_compiles_neither_ring_nor_pkcs12_nor_other_banks() {
    // `globus` is the deprecated name of the `globus-cfront` feature: the same build.
    for feature in ["globus-cfront", "globus"] {
        let names = runtime_tree("banks", &["rustls", feature]);
        assert!(names.contains("globus-cfront"), "{feature}: {names:?}");
        for absent in [
            "ring",
            "p12-keystore",
            "bank-jws",
            "bcc-broker",
            "bcc-financial",
            "baas-gateway",
        ] {
            assert!(
                !names.contains(absent),
                "{feature}: {absent} is compiled: {names:?}"
            );
        }
    }
}

/// The longest a hand-written source file may be.
const MAX_LINES: usize = 1000;

/// Every Rust file git knows (tracked, or untracked and not ignored) that is not generated (its
/// first line says `@generated`), relative to the root, with its text.
fn hand_written_rust() -> Vec<(String, String)> {
    let root = root();
    git_files(&["*.rs"])
        .into_iter()
        .filter_map(|rel| {
            let text = std::fs::read_to_string(root.join(&rel)).ok()?;
            let generated = text
                .lines()
                .next()
                .is_some_and(|l| l.contains("@generated"));
            (!generated).then(|| (rel.display().to_string(), text))
        })
        .collect()
}

#[test]
fn no_hand_written_source_file_is_over_a_thousand_lines() {
    let offences: Vec<String> = hand_written_rust()
        .into_iter()
        .filter_map(|(rel, text)| {
            let lines = text.lines().count();
            (lines > MAX_LINES).then(|| {
                format!(
                    "{rel}:{}: {lines} lines, over {MAX_LINES}: split it into modules",
                    MAX_LINES + 1
                )
            })
        })
        .collect();
    assert!(offences.is_empty(), "{}", offences.join("\n"));
}

/// The home of the extension keys.
const EXTENSION_HOME: &str = "crates/bank-openapi/src/ext.rs";

/// Every extension key declared in [`EXTENSION_HOME`] (`pub const NAME: &str = "x-…";`), with
/// its constant's name.
fn extension_keys() -> Vec<(String, String)> {
    let text = std::fs::read_to_string(root().join(EXTENSION_HOME)).expect("the extension keys");
    let keys: Vec<(String, String)> = text
        .lines()
        .filter_map(|l| {
            let (name, rest) = l.strip_prefix("pub const ")?.split_once(": &str = \"")?;
            let key = rest.strip_suffix("\";")?;
            key.starts_with("x-")
                .then(|| (key.to_owned(), name.to_owned()))
        })
        .collect();
    assert!(
        keys.len() > 10,
        "{EXTENSION_HOME} declares the keys: {keys:?}"
    );
    keys
}

/// A test file: under a `tests/`, `benches/` or `examples/` folder (the e2e package is the
/// `tests/` folder itself). In other files, what follows a `#[cfg(test)]` at the start of a line
/// is test code too.
fn is_test_file(rel: &str) -> bool {
    rel.starts_with("tests/")
        || ["/tests/", "/benches/", "/examples/"]
            .iter()
            .any(|d| rel.contains(d))
}

/// Where `key` is written out on `line` as a string literal or a JSON pointer's segment: quoted
/// (`"x-refusal"`) or between slashes and quotes (`"/servers/0/x-environment"`), not inside prose
/// (`` `x-refusal` `` in a message).
fn writes_key(line: &str, key: &str) -> bool {
    line.match_indices(key).any(|(at, _)| {
        let before = line[..at].chars().next_back();
        let after = line[at + key.len()..].chars().next();
        matches!(before, Some('"' | '/')) && matches!(after, Some('"' | '/'))
    })
}

/// Tests are exempt: they build documents as JSON text (`json!({"x-merchant-actions": …})`) and
/// assert on the normalised document's text, where the key as written is the point.
#[test]
fn extension_keys_are_written_only_in_their_home() {
    let keys = extension_keys();
    let mut offences = Vec::new();
    for (rel, text) in hand_written_rust() {
        if rel == EXTENSION_HOME || is_test_file(&rel) {
            continue;
        }
        for (i, line) in text.lines().enumerate() {
            if line.starts_with("#[cfg(test)]") {
                break;
            }
            if line.trim_start().starts_with("//") {
                continue;
            }
            for (key, name) in &keys {
                if writes_key(line, key) {
                    offences.push(format!(
                        "{rel}:{}: extension key `{key}` written out: use bank_openapi::ext::{name}",
                        i + 1
                    ));
                }
            }
        }
    }
    assert!(offences.is_empty(), "{}", offences.join("\n"));
}

/// The APIs of the workspace: the folders of `specs/`.
fn api_names() -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(root().join("specs"))
        .expect("specs/")
        .filter_map(|e| {
            let e = e.ok()?;
            e.file_type()
                .ok()?
                .is_dir()
                .then(|| e.file_name().to_string_lossy().into_owned())
        })
        .collect();
    names.sort();
    assert!(names.len() >= 4, "specs/ holds the APIs: {names:?}");
    names
}

/// The API names `line` writes out as string literals (`"globus-cfront"`), leaving out a cargo
/// feature's name (`feature = "globus-cfront"`: a hand-written module is gated by its API's
/// feature) and comments.
fn api_literals<'a>(line: &str, names: &'a [String]) -> Vec<&'a str> {
    let code = line.split("//").next().unwrap_or_default();
    names
        .iter()
        .filter(|name| {
            let quoted = format!("\"{name}\"");
            code.match_indices(&quoted)
                .any(|(at, _)| !code[..at].trim_end().ends_with("feature ="))
        })
        .map(String::as_str)
        .collect()
}

/// No hand-written source lists the APIs: the list is the generated registry (`bank_apis::ALL`),
/// so a fifth API needs no hand edit to be in the sandbox, the CLI and the facade. A file may
/// name one API (a bank's own module); naming two or more outside tests is a list kept by hand.
#[test]
fn no_hand_written_source_lists_the_apis() {
    let names = api_names();
    let mut offences = Vec::new();
    for (rel, text) in hand_written_rust() {
        if is_test_file(&rel) {
            continue;
        }
        let mut named: BTreeSet<&str> = BTreeSet::new();
        let mut first_line = BTreeSet::new();
        for (i, line) in text.lines().enumerate() {
            if line.starts_with("#[cfg(test)]") {
                break;
            }
            if line.trim_start().starts_with("//") {
                continue;
            }
            for name in api_literals(line, &names) {
                if named.insert(name) {
                    first_line.insert(format!("{rel}:{}: \"{name}\"", i + 1));
                }
            }
        }
        if named.len() >= 2 {
            offences.push(format!(
                "{rel} names {} APIs, a list kept by hand: read them from bank_apis::ALL (or the \
                 API's own SPEC)\n  {}",
                named.len(),
                first_line.into_iter().collect::<Vec<_>>().join("\n  ")
            ));
        }
    }
    assert!(offences.is_empty(), "{}", offences.join("\n"));
}

#[test]
fn an_api_list_is_caught_and_feature_gates_and_comments_are_not() {
    let names: Vec<String> = ["bcc-broker", "globus-cfront"].map(String::from).to_vec();
    assert_eq!(
        api_literals(
            r#"const APIS: &[&str] = &["bcc-broker", "globus-cfront"];"#,
            &names
        ),
        ["bcc-broker", "globus-cfront"]
    );
    assert!(api_literals(r#"#[cfg(feature = "globus-cfront")]"#, &names).is_empty());
    assert!(api_literals(r#"let x = 1; // "globus-cfront""#, &names).is_empty());
}
