//! The `--state` file: it holds live tokens, so it is written for its owner only, and it must
//! survive a crash and never be shared by two sandboxes.
//!
//! - **One sandbox per file.** At start the sandbox takes an advisory exclusive lock (`flock`) on
//!   a lock file beside the state, `.<name>.lock`, and holds it for its life (released by
//!   [`StateFile::release`] at stop, or by the kernel when the process dies, even by SIGKILL).
//!   A second sandbox on the same file refuses to start ([`StateFile::open`]). The lock is on a
//!   file of its own because the state file itself is replaced by every write. `flock` comes
//!   from `rustix` (already in the dependency tree; a safe wrapper, so no `unsafe` here): std's
//!   `File::try_lock` needs Rust 1.89, above the workspace's MSRV.
//! - **Atomic, durable writes** ([`StateFile::write`]): a temporary file of a unique name in the
//!   same directory (`.<name>.<pid>.<random>.tmp`, created new with mode 0600), written, fsync'd,
//!   renamed over the state file, then the directory fsync'd. A crash at any point leaves either
//!   the old file or the new one. Temporary files a crashed sandbox left are removed at start
//!   (the lock says no other sandbox is writing them).
//!
//! On platforms other than Unix the lock and the file mode are left out.

use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// A state file and the lock that makes this sandbox its only writer.
#[derive(Debug)]
pub struct StateFile {
    path: PathBuf,
    lock: Mutex<Option<File>>,
}

impl StateFile {
    /// Lock `path` for this sandbox (an error names the other sandbox's lock when it is taken)
    /// and remove the temporary files a crashed writer left.
    pub fn open(path: &Path) -> Result<StateFile, String> {
        let lock_path = sibling(path, ".lock")?;
        let lock = owner_only(
            std::fs::OpenOptions::new()
                .create(true)
                .truncate(false)
                .write(true),
        )
        .open(&lock_path)
        .map_err(|e| format!("{}: {e}", lock_path.display()))?;
        try_lock(&lock).map_err(|e| {
            format!(
                "{}: another sandbox uses this state file (it holds {}): stop it or give this one \
                 another --state file ({e})",
                path.display(),
                lock_path.display()
            )
        })?;
        remove_stale_temporaries(path);
        Ok(StateFile {
            path: path.to_owned(),
            lock: Mutex::new(Some(lock)),
        })
    }

    /// The state file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Replace the file's content with `bytes`, atomically and durably (see the module). Refused
    /// once the lock is released.
    pub fn write(&self, bytes: &[u8]) -> std::io::Result<()> {
        let held = self.lock.lock().unwrap_or_else(|p| p.into_inner());
        if held.is_none() {
            return Err(std::io::Error::other(
                "the state file was released: this sandbox stopped",
            ));
        }
        let tmp = sibling(
            &self.path,
            &format!(
                ".{}.{}.tmp",
                std::process::id(),
                uuid::Uuid::new_v4().simple()
            ),
        )
        .map_err(std::io::Error::other)?;
        let written = (|| {
            let mut file =
                owner_only(std::fs::OpenOptions::new().write(true).create_new(true)).open(&tmp)?;
            file.write_all(bytes)?;
            file.sync_all()?;
            drop(file);
            std::fs::rename(&tmp, &self.path)?;
            sync_directory(&self.path)
        })();
        if written.is_err() {
            let _ = std::fs::remove_file(&tmp);
        }
        written
    }

    /// Let another sandbox take the file (at stop, after the last write).
    pub fn release(&self) {
        self.lock.lock().unwrap_or_else(|p| p.into_inner()).take();
    }
}

/// `<dir>/.<name><suffix>` beside `path`.
fn sibling(path: &Path, suffix: &str) -> Result<PathBuf, String> {
    let name = path
        .file_name()
        .ok_or_else(|| format!("{}: not a file name", path.display()))?;
    Ok(path.with_file_name(format!(".{}{suffix}", name.to_string_lossy())))
}

/// Remove `.<name>.*.tmp` beside `path`: left by a writer that died (we hold the lock).
fn remove_stale_temporaries(path: &Path) {
    let (Some(name), Some(dir)) = (path.file_name(), directory(path)) else {
        return;
    };
    let prefix = format!(".{}.", name.to_string_lossy());
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let file = entry.file_name().to_string_lossy().into_owned();
        if file.starts_with(&prefix) && file.ends_with(".tmp") {
            tracing::info!(file = %entry.path().display(), "removing a temporary state file a stopped sandbox left");
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

fn directory(path: &Path) -> Option<&Path> {
    match path.parent() {
        Some(p) if p.as_os_str().is_empty() => Some(Path::new(".")),
        other => other,
    }
}

#[cfg(unix)]
fn owner_only(options: &mut std::fs::OpenOptions) -> &mut std::fs::OpenOptions {
    use std::os::unix::fs::OpenOptionsExt;
    options.mode(0o600)
}

#[cfg(not(unix))]
fn owner_only(options: &mut std::fs::OpenOptions) -> &mut std::fs::OpenOptions {
    options
}

#[cfg(unix)]
fn try_lock(file: &File) -> std::io::Result<()> {
    rustix::fs::flock(file, rustix::fs::FlockOperation::NonBlockingLockExclusive)
        .map_err(std::io::Error::from)
}

#[cfg(not(unix))]
fn try_lock(_file: &File) -> std::io::Result<()> {
    Ok(())
}

/// fsync the directory holding `path`, so that the rename itself survives a crash.
#[cfg(unix)]
fn sync_directory(path: &Path) -> std::io::Result<()> {
    match directory(path) {
        Some(dir) => File::open(dir)?.sync_all(),
        None => Ok(()),
    }
}

#[cfg(not(unix))]
fn sync_directory(_path: &Path) -> std::io::Result<()> {
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!(
            "bank-sandbox-persist-{name}-{}",
            uuid::Uuid::new_v4().simple()
        ));
        std::fs::create_dir_all(&dir).expect("a scratch directory");
        dir
    }

    #[test]
    fn writes_are_owner_only_and_a_second_writer_is_refused_until_release() {
        let dir = scratch("lock");
        let path = dir.join("state.json");
        std::fs::write(dir.join(".state.json.99.dead.tmp"), b"{").expect("a stale file");
        let first = StateFile::open(&path).expect("the first takes it");
        assert!(
            !dir.join(".state.json.99.dead.tmp").exists(),
            "a stale temporary is removed"
        );
        first.write(b"{\"a\": 1}").expect("written");
        first.write(b"{\"a\": 2}").expect("written again");
        assert_eq!(std::fs::read(&path).expect("read"), b"{\"a\": 2}");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).expect("meta").permissions().mode();
            assert_eq!(mode & 0o777, 0o600, "{mode:o}");
        }
        let leftovers: Vec<_> = std::fs::read_dir(&dir)
            .expect("list")
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".tmp"))
            .collect();
        assert!(leftovers.is_empty(), "{leftovers:?}");
        #[cfg(unix)]
        {
            let err = StateFile::open(&path).expect_err("a second sandbox");
            assert!(
                err.contains("another sandbox uses this state file"),
                "{err}"
            );
        }
        first.release();
        assert!(first.write(b"{}").is_err(), "released: no more writes");
        StateFile::open(&path).expect("free again");
        let _ = std::fs::remove_dir_all(dir);
    }
}
