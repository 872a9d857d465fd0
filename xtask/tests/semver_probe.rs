//! The diff's rule catalogue against the compiler: every probe in `xtask/semver-probes.yaml`
//! compiles user code written against a "before" client with the "after" one, and the result must
//! match the rule's level (`cargo xtask semver-probe`). Builds a scratch workspace under
//! `target/semver-probe/` (about 45 s on a cold cache, 2 cores; 10 s warm).

use std::path::Path;
use std::process::Command;

#[test]
fn every_schema_and_parameter_rule_agrees_with_the_compiler() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("workspace");
    let output = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .arg("semver-probe")
        .current_dir(root)
        .output()
        .expect("xtask runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(stdout.contains("all agree with the catalogue"), "{stdout}");
    assert!(!stdout.contains("DISAGREES"), "{stdout}");
}
