//! Writing the generator's files under a workspace root, and nowhere else ([`crate::write`]).
//!
//! Every path is checked before anything is created: it must be relative with only normal
//! components (no `..`, no root, no prefix). The root is canonicalised, and each folder on the
//! way to a file is resolved as it is reached (or created): one that leads out of the root
//! through a symbolic link is refused. A file is staged beside its target under a fresh name
//! (created exclusively, so a planted link is not followed) and renamed into place only when all
//! were staged; a failure removes what was staged and the folders it created.

use std::io::Write as _;
use std::path::{Component, Path, PathBuf};

use crate::OutputFile;
use crate::error::{Error, Result};

/// Write `files` under `root` atomically; how many changed.
pub(crate) fn write(root: &Path, files: &[OutputFile]) -> Result<usize> {
    let canonical_root = std::fs::canonicalize(root).map_err(|e| Error::io(root, "resolve", e))?;
    for f in files {
        check_relative(&canonical_root, &f.path)?;
    }
    let mut created: Vec<PathBuf> = Vec::new();
    let mut staged: Vec<(PathBuf, PathBuf)> = Vec::new();
    let result = stage(&canonical_root, files, &mut created, &mut staged);
    if let Err(e) = result {
        for (tmp, _) in &staged {
            let _ = std::fs::remove_file(tmp);
        }
        for dir in created.iter().rev() {
            let _ = std::fs::remove_dir(dir);
        }
        return Err(e);
    }
    for (tmp, target) in &staged {
        std::fs::rename(tmp, target).map_err(|e| Error::io(target, "rename", e))?;
    }
    Ok(staged.len())
}

/// Refuse a path that is not relative with normal components only.
fn check_relative(root: &Path, path: &Path) -> Result<()> {
    let refuse = |reason: &str| Error::OutsideRoot {
        path: path.to_path_buf(),
        root: root.to_path_buf(),
        reason: reason.to_owned(),
    };
    if path.as_os_str().is_empty() {
        return Err(refuse("the path is empty"));
    }
    for component in path.components() {
        match component {
            Component::Normal(_) | Component::CurDir => {}
            Component::ParentDir => return Err(refuse("the path has a `..` component")),
            Component::RootDir | Component::Prefix(_) => {
                return Err(refuse("the path is absolute"));
            }
        }
    }
    if path.file_name().is_none() {
        return Err(refuse("the path names no file"));
    }
    Ok(())
}

/// Stage every file that changed beside its target; the folders created and the staged files
/// are recorded for the caller to undo.
fn stage(
    root: &Path,
    files: &[OutputFile],
    created: &mut Vec<PathBuf>,
    staged: &mut Vec<(PathBuf, PathBuf)>,
) -> Result<()> {
    for f in files {
        let dir = folder_inside(root, &f.path, created)?;
        let name = f.path.file_name().unwrap_or_default();
        let target = dir.join(name);
        let unchanged = std::fs::symlink_metadata(&target).is_ok_and(|m| m.is_file())
            && std::fs::read(&target).ok().as_deref() == Some(f.content.as_bytes());
        if unchanged {
            continue;
        }
        let mut tmp_name = name.to_os_string();
        tmp_name.push(".xtask-tmp");
        let tmp = dir.join(tmp_name);
        match std::fs::remove_file(&tmp) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(Error::io(&tmp, "remove", e)),
        }
        let mut file = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&tmp)
            .map_err(|e| Error::io(&tmp, "write", e))?;
        staged.push((tmp.clone(), target));
        file.write_all(f.content.as_bytes())
            .map_err(|e| Error::io(&tmp, "write", e))?;
    }
    Ok(())
}

/// The folder of `path` (relative to `root`), every folder on the way resolved and checked to
/// stay inside `root`, or created (and recorded in `created`).
fn folder_inside(root: &Path, path: &Path, created: &mut Vec<PathBuf>) -> Result<PathBuf> {
    let mut dir = root.to_path_buf();
    let parent = path.parent().unwrap_or(Path::new(""));
    for component in parent.components() {
        let Component::Normal(name) = component else {
            continue;
        };
        let next = dir.join(name);
        match std::fs::symlink_metadata(&next) {
            Ok(_) => {
                let resolved =
                    std::fs::canonicalize(&next).map_err(|e| Error::io(&next, "resolve", e))?;
                if !resolved.starts_with(root) {
                    return Err(Error::OutsideRoot {
                        path: path.to_path_buf(),
                        root: root.to_path_buf(),
                        reason: format!(
                            "{} leads to {} through a symbolic link",
                            next.display(),
                            resolved.display()
                        ),
                    });
                }
                if !resolved.is_dir() {
                    return Err(Error::io(
                        &next,
                        "create",
                        std::io::Error::other("a file is in the way of a folder"),
                    ));
                }
                dir = resolved;
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                std::fs::create_dir(&next).map_err(|e| Error::io(&next, "create", e))?;
                created.push(next.clone());
                dir = next;
            }
            Err(e) => return Err(Error::io(&next, "resolve", e)),
        }
    }
    Ok(dir)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(path: &str) -> OutputFile {
        OutputFile {
            path: PathBuf::from(path),
            content: format!("{path}\n"),
        }
    }

    #[test]
    fn paths_outside_the_root_are_refused_before_anything_is_written() {
        let base = std::env::temp_dir().join(format!("output-outside-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&base);
        let root = base.join("root");
        std::fs::create_dir_all(&root).expect("root");
        std::fs::create_dir_all(base.join("elsewhere")).expect("elsewhere");
        std::os::unix::fs::symlink(base.join("elsewhere"), root.join("link")).expect("link");
        for (bad, reason) in [
            ("../escape.txt", "`..`"),
            ("a/../../escape.txt", "`..`"),
            ("/tmp/escape.txt", "absolute"),
            ("", "empty"),
            ("link/escape.txt", "symbolic link"),
        ] {
            let err = write(&root, &[file("crates/x/ok.txt"), file(bad)]).expect_err(bad);
            let text = err.to_string();
            assert!(matches!(err, Error::OutsideRoot { .. }), "{bad}: {text}");
            assert!(text.contains(reason), "{bad}: {text}");
            assert!(!root.join("crates").exists(), "{bad}: nothing created");
        }
        assert_eq!(
            std::fs::read_dir(base.join("elsewhere"))
                .expect("dir")
                .count(),
            0
        );
        assert_eq!(
            std::fs::read_dir(&base).expect("dir").count(),
            2,
            "no stray beside the root"
        );
        let written =
            write(&root, &[file("crates/x/a.json"), file("crates/x/a.yaml")]).expect("written");
        assert_eq!(written, 2);
        assert_eq!(
            std::fs::read_to_string(root.join("crates/x/a.json")).expect("a.json"),
            "crates/x/a.json\n",
            "files with one stem are staged apart"
        );
        let _ = std::fs::remove_dir_all(&base);
    }
}
