//! The built xtask works on the tree it is run in, not on the checkout it was compiled from: two
//! checkouts sharing one target directory (git worktrees with a global `CARGO_TARGET_DIR`) each
//! check their own `specs/`.

mod common;

use common::copy_dir;
use std::path::Path;
use std::process::{Command, Output};

/// Copy the files `cargo xtask check` reads and compares into `to`.
fn copy_tree(from: &Path, to: &Path) {
    std::fs::copy(from.join("Cargo.toml"), to.join("Cargo.toml")).expect("manifest");
    copy_dir(&from.join("specs"), &to.join("specs"));
    for api in std::fs::read_dir(from.join("specs")).expect("specs") {
        let api = api.expect("entry");
        if !api.file_type().expect("type").is_dir() {
            continue;
        }
        let name = api.file_name();
        let crate_dir = from.join("crates").join(&name);
        let target = to.join("crates").join(&name);
        std::fs::create_dir_all(target.join("src")).expect("crate dir");
        for file in [
            "Cargo.toml",
            "openapi.json",
            "published.json",
            "src/generated.rs",
        ] {
            if crate_dir.join(file).exists() {
                std::fs::copy(crate_dir.join(file), target.join(file)).expect("copy");
            }
        }
    }
    // The registry of APIs, generated from all of them.
    std::fs::create_dir_all(to.join("crates/bank-apis/src")).expect("registry dir");
    for file in ["Cargo.toml", "src/lib.rs"] {
        let path = Path::new("crates/bank-apis").join(file);
        std::fs::copy(from.join(&path), to.join(&path)).expect("copy");
    }
}

/// The built xtask run in `dir` as a user would run the binary there (no cargo around it).
fn xtask_in(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(args)
        .current_dir(dir)
        .env_remove("CARGO_MANIFEST_DIR")
        .output()
        .expect("xtask runs")
}

#[test]
fn a_built_xtask_checks_the_tree_it_runs_in() {
    let here = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("workspace");
    let copy = tempfile::tempdir().expect("temp dir");
    copy_tree(here, copy.path());

    let fresh = xtask_in(copy.path(), &["check"]);
    assert!(
        fresh.status.success(),
        "the copy is fresh: {}",
        String::from_utf8_lossy(&fresh.stderr)
    );

    // Make the copy's generated document stale: the check must see the copy, not this checkout
    // (which stays fresh).
    let json = copy.path().join("crates/bcc-broker/openapi.json");
    let mut text = std::fs::read_to_string(&json).expect("read");
    text.push_str("\n// edited in the copy\n");
    std::fs::write(&json, text).expect("write");
    // From a sub-folder too: the root is found by searching upward.
    let stale = xtask_in(
        &copy.path().join("specs/bcc-broker"),
        &["check", "bcc-broker"],
    );
    let stderr = String::from_utf8_lossy(&stale.stderr);
    assert_eq!(stale.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("crates/bcc-broker/openapi.json"),
        "{stderr}"
    );

    // An API removed from the copy is gone from the copy's list only.
    std::fs::remove_dir_all(copy.path().join("specs/globus-cfront")).expect("remove");
    let list = xtask_in(copy.path(), &["list"]);
    let listed = String::from_utf8_lossy(&list.stdout);
    assert!(list.status.success());
    assert!(
        listed.contains("bcc-broker") && !listed.contains("globus-cfront"),
        "{listed}"
    );
}

#[test]
fn outside_any_workspace_xtask_says_so() {
    let empty = tempfile::tempdir().expect("temp dir");
    let out = xtask_in(empty.path(), &["list"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("no workspace with specs/"), "{stderr}");
}
