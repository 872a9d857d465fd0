//! Helpers the xtask integration tests share: the workspace root, a copy of it, and a run's
//! whole output.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The workspace root.
pub fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("workspace")
        .to_path_buf()
}

/// A run's standard output and error, together.
pub fn text(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// Copy every file git knows (tracked, or untracked and not ignored) of the workspace into
/// `into`.
#[allow(dead_code)]
pub fn copy_workspace_into(into: &Path) {
    let root = workspace();
    let listed = Command::new("git")
        .current_dir(&root)
        .args([
            "ls-files",
            "--cached",
            "--others",
            "--exclude-standard",
            "-z",
        ])
        .output()
        .expect("git runs");
    assert!(listed.status.success(), "git ls-files");
    for file in listed.stdout.split(|b| *b == 0).filter(|f| !f.is_empty()) {
        let rel = Path::new(std::str::from_utf8(file).expect("utf-8 path"));
        let (from, to) = (root.join(rel), into.join(rel));
        if !from.is_file() {
            continue;
        }
        std::fs::create_dir_all(to.parent().expect("parent")).expect("dir");
        std::fs::copy(&from, &to).expect("copy");
    }
}

/// A copy of the workspace in a temporary folder ([`copy_workspace_into`]).
#[allow(dead_code)]
pub fn copy_workspace() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    copy_workspace_into(dir.path());
    dir
}
