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

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

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
    let names = runtime_tree("banks", &["rustls", "globus"]);
    assert!(names.contains("globus-cfront"), "{names:?}");
    for absent in [
        "ring",
        "p12-keystore",
        "bank-jws",
        "bcc-broker",
        "bcc-financial",
        "baas-gateway",
    ] {
        assert!(!names.contains(absent), "{absent} is compiled: {names:?}");
    }
}
