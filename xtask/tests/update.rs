//! `cargo xtask update` on a copy of the tree (specs, generated crates, manifests, CHANGELOGs)
//! with fixture updates of the FinancialAPI document: additive → minor, a removed operation →
//! major, a vanished fix target refused with the tree unchanged, `--dry-run` writing nothing,
//! and bad input refused with exit status 2.

mod common;

use common::{copy_dir, text, workspace};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Output;

/// A copy of what `update` reads and writes: the root manifest, `specs/`, and every crate's
/// manifest, CHANGELOG and generated files.
fn tree() -> tempfile::TempDir {
    let here = workspace();
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::copy(here.join("Cargo.toml"), dir.path().join("Cargo.toml")).expect("manifest");
    copy_dir(&here.join("specs"), &dir.path().join("specs"));
    for entry in std::fs::read_dir(here.join("crates")).expect("crates") {
        let from = entry.expect("entry").path();
        let to = dir
            .path()
            .join("crates")
            .join(from.file_name().expect("name"));
        std::fs::create_dir_all(to.join("src")).expect("crate dir");
        for file in [
            "Cargo.toml",
            "CHANGELOG.md",
            "openapi.json",
            "published.json",
            "src/generated.rs",
            "src/lib.rs",
        ] {
            if from.join(file).exists() {
                std::fs::copy(from.join(file), to.join(file)).expect("copy");
            }
        }
    }
    dir
}

/// Every file under `dir` with its content, to show a run changed nothing.
fn snapshot(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    fn walk(dir: &Path, out: &mut BTreeMap<PathBuf, Vec<u8>>) {
        for entry in std::fs::read_dir(dir).expect("read dir") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                if path.file_name().is_some_and(|n| n == "target") {
                    continue;
                }
                walk(&path, out);
            } else {
                out.insert(path.clone(), std::fs::read(&path).expect("read"));
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, &mut out);
    out
}

fn xtask(dir: &Path, args: &[&str]) -> Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(args)
        .current_dir(dir)
        .env_remove("CARGO_MANIFEST_DIR")
        .env("SOURCE_DATE_EPOCH", "1796256000")
        .output()
        .expect("xtask runs")
}

/// The FinancialAPI document with `edit` applied, written to `name` in `dir`.
fn fixture(dir: &Path, name: &str, edit: impl FnOnce(String) -> String) -> String {
    let text = std::fs::read_to_string(workspace().join("specs/bcc-financial/swagger.yaml"))
        .expect("the FinancialAPI document");
    let path = dir.join(name);
    std::fs::write(&path, edit(text)).expect("fixture");
    path.display().to_string()
}

fn version_of(manifest: &Path) -> String {
    let text = std::fs::read_to_string(manifest).expect("manifest");
    text.lines()
        .find_map(|l| l.strip_prefix("version = \""))
        .and_then(|r| r.split('"').next())
        .expect("a version")
        .to_owned()
}

fn add_optional_field(text: String) -> String {
    text.replacen(
        "  version: 1.2.2",
        "  version: 1.2.3",
        1,
    )
    .replacen(
        "  AccountInformation:\n    description: Информация о счете\n    type: object\n    properties:\n",
        "  AccountInformation:\n    description: Информация о счете\n    type: object\n    properties:\n      nickname:\n        type: string\n        description: Название счета\n",
        1,
    )
}

#[test]
fn an_additive_update_is_a_minor_bump_with_a_changelog_entry() {
    let dir = tree();
    let update = fixture(dir.path(), "additive.yaml", add_optional_field);
    let run = xtask(dir.path(), &["update", "bcc-financial", &update]);
    assert!(run.status.success(), "{}", text(&run));
    let out = text(&run);
    assert!(out.contains("bump: minor"), "{out}");
    let crate_dir = dir.path().join("crates/bcc-financial");
    assert_eq!(version_of(&crate_dir.join("Cargo.toml")), "0.1.1+1.2.3");
    let changelog = std::fs::read_to_string(crate_dir.join("CHANGELOG.md")).expect("changelog");
    let newest = changelog.find("## 0.1.1+1.2.3").expect("the new entry");
    let first = changelog.find("## 0.1.0+1.2.2").expect("the first release");
    assert!(newest < first, "newest first:\n{changelog}");
    assert!(
        changelog.contains("AccountInformation`.nickname added"),
        "{changelog}"
    );
    assert!(
        changelog.contains("`GET /{appid}/accounts/{iban}`"),
        "{changelog}"
    );
    // The facade re-exports it: a patch bump there too, and every requirement moved.
    assert_eq!(
        version_of(&dir.path().join("crates/banks/Cargo.toml")),
        "0.1.1"
    );
    let facade =
        std::fs::read_to_string(dir.path().join("crates/banks/Cargo.toml")).expect("facade");
    assert!(
        facade.contains(r#"bcc-financial = { path = "../bcc-financial", version = "0.1.1""#),
        "{facade}"
    );
    // The previous document is kept, the new one is in place.
    let previous = dir.path().join("specs/bcc-financial/previous/swagger.yaml");
    assert!(
        std::fs::read_to_string(previous)
            .expect("kept")
            .contains("version: 1.2.2")
    );
    assert!(
        std::fs::read_to_string(dir.path().join("specs/bcc-financial/swagger.yaml"))
            .expect("new")
            .contains("version: 1.2.3")
    );
    // The regenerated crate is what `generate` makes from the new specs.
    let check = xtask(dir.path(), &["check", "bcc-financial"]);
    assert!(check.status.success(), "{}", text(&check));
}

#[test]
fn a_removed_operation_is_a_major_bump() {
    let dir = tree();
    let update = fixture(dir.path(), "removed.yaml", |text| {
        let a = text.find("  /{appid}/messages:\n").expect("messages");
        let b = text
            .find("  /{appid}/information/taxpayer/{iin}:\n")
            .expect("taxpayer");
        format!("{}{}", &text[..a], &text[b..])
    });
    let run = xtask(dir.path(), &["update", "bcc-financial", &update]);
    assert!(run.status.success(), "{}", text(&run));
    assert!(text(&run).contains("bump: major"), "{}", text(&run));
    assert!(text(&run).contains("path-removed"), "{}", text(&run));
    assert_eq!(
        version_of(&dir.path().join("crates/bcc-financial/Cargo.toml")),
        "0.2.0+1.2.2"
    );
    assert_eq!(
        version_of(&dir.path().join("crates/banks/Cargo.toml")),
        "0.2.0"
    );
}

#[test]
fn a_vanished_fix_target_is_refused_and_the_tree_is_unchanged() {
    let dir = tree();
    // The fixes set `AccountBalanceInformation.balance`; the update drops that property.
    let update = fixture(dir.path(), "vanished.yaml", |text| {
        let start = text
            .find("  AccountBalanceInformation:")
            .expect("definition");
        let at = start + text[start..].find("      balance:\n").expect("balance");
        let end = at + 1 + text[at + 1..].find("\n      ").map(|i| i + 1).unwrap_or(0);
        let mut rest = text[end..].to_owned();
        // Skip the rest of the balance property's lines (deeper indentation).
        while rest.starts_with("        ") {
            rest = rest
                .split_once('\n')
                .map(|(_, r)| r.to_owned())
                .unwrap_or_default();
        }
        format!("{}{}", &text[..at], rest)
    });
    let before = snapshot(dir.path());
    let run = xtask(dir.path(), &["update", "bcc-financial", &update]);
    assert_eq!(run.status.code(), Some(2), "{}", text(&run));
    let out = text(&run);
    assert!(
        out.contains("AccountBalanceInformation") && out.contains("nothing was written"),
        "{out}"
    );
    let mut after = snapshot(dir.path());
    after.retain(|p, _| !p.ends_with("vanished.yaml"));
    let mut before = before;
    before.retain(|p, _| !p.ends_with("vanished.yaml"));
    assert_eq!(before, after, "the tree is unchanged");
}

#[test]
fn a_dry_run_writes_nothing() {
    let dir = tree();
    let update = fixture(dir.path(), "additive.yaml", add_optional_field);
    let before = snapshot(dir.path());
    let run = xtask(
        dir.path(),
        &["update", "bcc-financial", &update, "--dry-run"],
    );
    assert!(run.status.success(), "{}", text(&run));
    let out = text(&run);
    assert!(
        out.contains("dry run: would write") && out.contains("## 0.1.1+1.2.3"),
        "{out}"
    );
    assert_eq!(before, snapshot(dir.path()), "nothing written");
}

#[test]
fn bad_input_is_refused_naming_the_file_with_status_2() {
    let dir = tree();
    let before = snapshot(dir.path());
    let write = |name: &str, content: &str| {
        let path = dir.path().join(name);
        std::fs::write(&path, content).expect("fixture");
        path.display().to_string()
    };
    let cases = [
        (
            write("missing.yaml", "").replace("missing", "absent"),
            "absent.yaml",
        ),
        (write("garbage.yaml", "{ not: [yaml"), "garbage.yaml"),
        (
            write(
                "v31.json",
                r#"{"openapi": "3.1.0", "info": {"title": "x", "version": "1"}, "paths": {}}"#,
            ),
            "3.1",
        ),
        (
            std::fs::read_to_string(workspace().join("specs/globus-cfront/openapi.yaml"))
                .map(|t| write("globus.yaml", &t))
                .expect("globus"),
            "no operation in common",
        ),
        (
            fixture(dir.path(), "empty.yaml", |text| {
                let a = text.find("paths:\n").expect("paths");
                let b = text.find("\ndefinitions:").expect("definitions");
                format!("{}paths: {{}}{}", &text[..a], &text[b..])
            }),
            "remove every operation",
        ),
    ];
    for (file, expected) in &cases {
        let run = xtask(dir.path(), &["update", "bcc-financial", file]);
        let out = text(&run);
        assert_eq!(run.status.code(), Some(2), "{file}: {out}");
        assert!(
            out.contains(expected),
            "{file}: expected `{expected}` in {out}"
        );
    }
    let mut after = snapshot(dir.path());
    let fixtures = [
        "missing.yaml",
        "garbage.yaml",
        "v31.json",
        "globus.yaml",
        "empty.yaml",
    ];
    after.retain(|p, _| !fixtures.iter().any(|f| p.ends_with(f)));
    let mut before = before;
    before.retain(|p, _| !fixtures.iter().any(|f| p.ends_with(f)));
    assert_eq!(before, after, "nothing written");
}

#[test]
fn a_layout_restored_document_needs_the_banks_material_and_must_match_it() {
    let dir = tree();
    let broker = workspace().join("specs/bcc-broker");
    let document = std::fs::read_to_string(broker.join("swagger.yaml")).expect("document");
    let source = std::fs::read_to_string(broker.join("source.txt")).expect("source");
    let write = |name: &str, content: &str| {
        let path = dir.path().join(name);
        std::fs::write(&path, content).expect("fixture");
        path.display().to_string()
    };
    let new_document = write(
        "broker.yaml",
        &document.replacen("version: 1.0.0", "version: 1.0.1", 1),
    );
    let run = xtask(dir.path(), &["update", "bcc-broker", &new_document]);
    assert_eq!(run.status.code(), Some(2), "{}", text(&run));
    assert!(text(&run).contains("--source"), "{}", text(&run));
    let stale = write("stale.txt", &source);
    let run = xtask(
        dir.path(),
        &["update", "bcc-broker", &new_document, "--source", &stale],
    );
    assert_eq!(run.status.code(), Some(2), "{}", text(&run));
    assert!(
        text(&run).contains("differ beyond whitespace"),
        "{}",
        text(&run)
    );
    let matching = write(
        "matching.txt",
        &source.replacen("version: 1.0.0", "version: 1.0.1", 1),
    );
    let run = xtask(
        dir.path(),
        &[
            "update",
            "bcc-broker",
            &new_document,
            "--source",
            &matching,
            "--dry-run",
        ],
    );
    assert!(run.status.success(), "{}", text(&run));
}
