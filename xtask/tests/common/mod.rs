//! Helpers the xtask integration tests share: the workspace root, the files git knows, a copy of
//! the workspace or of a folder, and a run's whole output.
//!
//! Each test target includes it (`mod common;`) and uses a part of it.
#![allow(dead_code)]

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

/// The files git knows under the workspace (tracked, or untracked and not ignored) that match
/// `pathspecs` (all of them when none), relative to the root: the one `git ls-files` of these
/// tests.
pub fn git_files(pathspecs: &[&str]) -> Vec<PathBuf> {
    let listed = Command::new("git")
        .current_dir(workspace())
        .args([
            "ls-files",
            "--cached",
            "--others",
            "--exclude-standard",
            "-z",
            "--",
        ])
        .args(pathspecs)
        .output()
        .expect("git runs");
    assert!(listed.status.success(), "git ls-files");
    listed
        .stdout
        .split(|b| *b == 0)
        .filter(|f| !f.is_empty())
        .map(|f| PathBuf::from(std::str::from_utf8(f).expect("utf-8 path")))
        .collect()
}

/// Copy every file git knows (tracked, or untracked and not ignored) of the workspace into
/// `into`.
pub fn copy_workspace_into(into: &Path) {
    let root = workspace();
    for rel in git_files(&[]) {
        let (from, to) = (root.join(&rel), into.join(&rel));
        if !from.is_file() {
            continue;
        }
        std::fs::create_dir_all(to.parent().expect("parent")).expect("dir");
        std::fs::copy(&from, &to).expect("copy");
    }
}

/// Copy the folder `from` with everything in it to `to` (created).
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("create dir");
    for entry in std::fs::read_dir(from).expect("read dir") {
        let entry = entry.expect("entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("type").is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).expect("copy");
        }
    }
}

/// A copy of the workspace in a temporary folder ([`copy_workspace_into`]).
pub fn copy_workspace() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    copy_workspace_into(dir.path());
    dir
}
