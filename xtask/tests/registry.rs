//! Releases a service can consume: `cargo xtask registry DIR` packages every published crate
//! together (verification on) into a Cargo registry in a folder, and a service crate outside
//! the workspace (`xtask/tests/registry-service/`: an order, its callbacks and a balance, tested
//! with the typed mocks and with the sandbox) builds and passes its tests depending on `banks`
//! and `bank-sandbox` from that registry, as a user of a team's private registry does — not
//! by path. Cargo is kept off the internet (`CARGO_HTTP_PROXY` points nowhere): everything
//! comes from the registry folder and the crates already downloaded, pinned by a copy of the
//! workspace's lock file.

mod common;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use common::{copy_dir, text, workspace};
use serde_json::Value;
use sha2::{Digest, Sha256};

/// Shared with the other tests that build a copy of the workspace (the outer `cargo test` may
/// hold the workspace's own target directory).
fn target_dir() -> PathBuf {
    workspace().join("target/xtask-new-test")
}

/// A proxy nobody listens on: a request of Cargo's to the internet fails instead of leaving.
const NO_INTERNET: &str = "http://127.0.0.1:9";

fn cargo(dir: &Path, args: &[&str]) -> Output {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    Command::new(cargo)
        .args(args)
        .current_dir(dir)
        .env_remove("CARGO_MANIFEST_DIR")
        .env_remove("CARGO_NET_OFFLINE")
        .env("CARGO_TARGET_DIR", target_dir())
        .env("CARGO_HTTP_PROXY", NO_INTERNET)
        .env("CARGO_TERM_COLOR", "never")
        .output()
        .expect("cargo runs")
}

fn registry(dir: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(["registry", dir.to_str().expect("UTF-8"), "--offline"])
        .current_dir(workspace())
        .env("CARGO_TARGET_DIR", target_dir())
        .env("CARGO_HTTP_PROXY", NO_INTERNET)
        .output()
        .expect("xtask runs")
}

/// `(name, version)` of every crate the workspace publishes (each with a CHANGELOG.md).
fn published() -> BTreeSet<(String, String)> {
    let mut out = BTreeSet::new();
    for entry in std::fs::read_dir(workspace().join("crates")).expect("crates") {
        let dir = entry.expect("entry").path();
        if !dir.join("CHANGELOG.md").exists() {
            continue;
        }
        let manifest: toml::Table =
            toml::from_str(&std::fs::read_to_string(dir.join("Cargo.toml")).expect("manifest"))
                .expect("TOML");
        let field = |key: &str| manifest["package"][key].as_str().expect(key).to_owned();
        out.insert((field("name"), field("version")));
    }
    out
}

/// The registry caches Cargo made for registries at `file://` URLs (named `-<hash>`), so that
/// the ones this test adds can be removed after it.
fn file_registry_caches() -> BTreeSet<PathBuf> {
    let home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo")));
    let mut out = BTreeSet::new();
    for kind in ["index", "cache", "src"] {
        let Some(dir) = home.as_ref().map(|h| h.join("registry").join(kind)) else {
            continue;
        };
        for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
            if entry.file_name().to_string_lossy().starts_with('-') {
                out.insert(entry.path());
            }
        }
    }
    out
}

#[test]
fn a_service_outside_the_workspace_builds_and_tests_against_the_registry() {
    let caches_before = file_registry_caches();
    let temp = tempfile::tempdir().expect("temp dir");
    let dir = temp.path().join("registry");

    let out = registry(&dir);
    assert!(out.status.success(), "cargo xtask registry: {}", text(&out));

    // Every published crate is in the index, once, and its .crate is the one the index names.
    let crates = published();
    assert!(crates.len() >= 10, "{crates:?}");
    let config: Value = serde_json::from_str(
        &std::fs::read_to_string(dir.join("index/config.json")).expect("config.json"),
    )
    .expect("JSON");
    let dl = config["dl"].as_str().expect("dl");
    for (name, version) in &crates {
        let file = match name.len() {
            1 | 2 => unreachable!("no crate has so short a name"),
            3 => format!("3/{}/{name}", &name[..1]),
            _ => format!("{}/{}/{name}", &name[..2], &name[2..4]),
        };
        let lines = std::fs::read_to_string(dir.join("index").join(&file)).expect("an index file");
        let entries: Vec<Value> = lines
            .lines()
            .map(|l| serde_json::from_str(l).expect("an index line"))
            .collect();
        let [entry] = entries.as_slice() else {
            panic!("{name}: one version expected, found {lines}");
        };
        assert_eq!(entry["vers"], *version, "{name}");
        let url = dl.replace("{crate}", name).replace("{version}", version);
        let path = url.strip_prefix("file://").expect("a file URL");
        let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{path}: {e}"));
        let cksum: String = Sha256::digest(&bytes)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        assert_eq!(entry["cksum"], cksum, "{name}");
        // Dependencies between the published crates stay in this registry; others name
        // crates.io.
        for dep in entry["deps"].as_array().expect("deps") {
            let inside = crates.iter().any(|(n, _)| dep["name"] == *n);
            assert_eq!(dep["registry"].is_null(), inside, "{name}: {dep}");
        }
    }
    let log = Command::new("git")
        .args(["log", "--oneline"])
        .current_dir(dir.join("index"))
        .output()
        .expect("git");
    assert_eq!(text(&log).lines().count(), 2, "{}", text(&log));

    // Packaged again from the same sources: the same bytes, nothing added.
    let again = registry(&dir);
    assert!(again.status.success(), "{}", text(&again));
    assert_eq!(
        String::from_utf8_lossy(&again.stdout)
            .matches("already in the registry (same contents)")
            .count(),
        crates.len(),
        "{}",
        text(&again)
    );

    // The service, outside the workspace, names the registry as a user of a private one does.
    let service = temp.path().join("checkout-service");
    copy_dir(&workspace().join("xtask/tests/registry-service"), &service);
    std::fs::create_dir_all(service.join(".cargo")).expect("mkdir");
    std::fs::write(
        service.join(".cargo/config.toml"),
        format!(
            "[registries.bank-clients]\nindex = \"{}\"\n",
            config["dl"]
                .as_str()
                .expect("dl")
                .replace("/crates/{crate}-{version}.crate", "/index")
        ),
    )
    .expect("config");
    // Versions pinned as the workspace tested them (and nothing to fetch from crates.io).
    std::fs::copy(workspace().join("Cargo.lock"), service.join("Cargo.lock")).expect("lock");
    let tested = cargo(&service, &["test"]);
    let caches_after = file_registry_caches();
    for added in caches_after.difference(&caches_before) {
        let _ = std::fs::remove_dir_all(added);
    }
    let output = text(&tested);
    assert!(tested.status.success(), "the service's tests: {output}");
    assert!(
        output.contains("banks v0.1.0 (registry `bank-clients`)"),
        "banks came from the registry: {output}"
    );
    assert!(
        !output.contains("Compiling banks v0.1.0 (/"),
        "banks was built from a path: {output}"
    );
    for test in [
        "balance_sale_and_callback_against_the_typed_mocks ... ok",
        "a_sale_completes_through_callbacks_and_the_balance_is_read ... ok",
    ] {
        assert!(output.contains(test), "{test}: {output}");
    }
}
