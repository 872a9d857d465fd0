//! Every crate a service depends on (each with a CHANGELOG.md) passes `cargo package --list`:
//! versions on path dependencies, licence, description, readme; the generated crates ship their
//! documents (`openapi.json`, `published.json`) and CHANGELOG.

use std::path::Path;
use std::process::Command;

#[test]
fn every_published_crate_packages_with_what_it_needs() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("workspace");
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut checked = 0;
    let mut entries: Vec<_> = std::fs::read_dir(root.join("crates"))
        .expect("crates")
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .collect();
    entries.sort();
    for dir in entries {
        if !dir.join("CHANGELOG.md").exists() {
            continue;
        }
        let manifest = std::fs::read_to_string(dir.join("Cargo.toml")).expect("manifest");
        let name = manifest
            .lines()
            .find_map(|l| l.strip_prefix("name = \""))
            .and_then(|r| r.split('"').next())
            .expect("a name")
            .to_owned();
        let output = Command::new(&cargo)
            .current_dir(root)
            .args([
                "package",
                "--list",
                "--allow-dirty",
                "--offline",
                "-p",
                &name,
            ])
            .output()
            .expect("cargo runs");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(output.status.success(), "{name}: {stderr}");
        let files: Vec<String> = String::from_utf8_lossy(&output.stdout)
            .lines()
            .map(str::to_owned)
            .collect();
        let has = |f: &str| files.iter().any(|l| l == f);
        assert!(
            has("Cargo.toml") && has("README.md") && has("CHANGELOG.md"),
            "{name}: {files:?}"
        );
        // An API's crate (its folder named after one of specs/) ships its documents.
        let api = dir
            .file_name()
            .is_some_and(|n| root.join("specs").join(n).is_dir());
        if api {
            for f in [
                "openapi.json",
                "published.json",
                "src/generated.rs",
                "src/lib.rs",
            ] {
                assert!(has(f), "{name} ships {f}: {files:?}");
            }
        }
        // Path dependencies carry a version (a registry needs one).
        for line in manifest.lines() {
            if line.contains("path = \"../") && !line.contains("version = ") {
                assert!(
                    manifest
                        .split("\n[dev-dependencies]")
                        .nth(1)
                        .is_some_and(|dev| dev.contains(line)),
                    "{name}: a path dependency without a version: {line}"
                );
            }
        }
        checked += 1;
    }
    assert!(checked >= 8, "{checked} crates checked");
}
