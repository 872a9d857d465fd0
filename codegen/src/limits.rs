//! Caps on what a document may make the generator read and build, and the one bounded way a
//! document's files are read.
//!
//! A bank's document is data from a stranger: it must not make the generator read forever, read
//! a device, or build a value that does not fit in memory. Each cap is a located
//! [`Error::Cap`] naming the file, the place, the cap and the environment variable that raises it:
//!
//! | cap | default | raised with |
//! |---|---|---|
//! | bytes per file (the document and each file it refers to) | 64 MiB | `BANK_CODEGEN_MAX_FILE_BYTES` |
//! | JSON nodes of a file as parsed (YAML aliases expanded) and of the bundled document | 5,000,000 | `BANK_CODEGEN_MAX_NODES` |
//! | nesting depth of the bundled document, and of a chain of references across files | 256 | `BANK_CODEGEN_MAX_DEPTH` |
//!
//! The parsers add their own limits, which cannot be raised: 128 levels of nesting within one
//! file (JSON and YAML), and the YAML parser's repetition limit on alias expansion (an alias bomb).
//!
//! Only regular files are read: a FIFO, a device, a socket or a directory is refused from its
//! metadata, before it is opened; it is opened non-blocking all the same (a file swapped for a
//! FIFO in between cannot block), checked again through the open handle, and read through
//! `take(cap + 1)`, so a file that grows while it is read is still read boundedly.

use std::io::Read;
use std::path::Path;

use crate::error::{Error, Result};

/// Environment variable raising the bytes-per-file cap.
pub const MAX_FILE_BYTES_VAR: &str = "BANK_CODEGEN_MAX_FILE_BYTES";
/// Environment variable raising the nodes cap.
pub const MAX_NODES_VAR: &str = "BANK_CODEGEN_MAX_NODES";
/// Environment variable raising the depth cap.
pub const MAX_DEPTH_VAR: &str = "BANK_CODEGEN_MAX_DEPTH";

/// The caps one load works under.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Bytes per file.
    pub file_bytes: u64,
    /// JSON nodes per file as parsed (YAML aliases expanded), and of the bundled document.
    pub nodes: u64,
    /// Nesting levels of the bundled document, and references followed one inside another.
    pub depth: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits::DEFAULT
    }
}

impl Limits {
    /// 64 MiB per file, 5 million nodes, 256 levels.
    pub const DEFAULT: Limits = Limits {
        file_bytes: 64 * 1024 * 1024,
        nodes: 5_000_000,
        depth: 256,
    };

    /// The defaults, each replaced by its environment variable when set
    /// ([`MAX_FILE_BYTES_VAR`], [`MAX_NODES_VAR`], [`MAX_DEPTH_VAR`]; `_` may group digits).
    pub fn from_env() -> Result<Limits> {
        Limits::from_lookup(|name| std::env::var_os(name))
    }

    /// [`Limits::from_env`] with the variables looked up by `lookup`.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<std::ffi::OsString>) -> Result<Limits> {
        let var = |name: &'static str, default: u64| -> Result<u64> {
            let Some(value) = lookup(name) else {
                return Ok(default);
            };
            let value = value.to_string_lossy().into_owned();
            value
                .replace('_', "")
                .trim()
                .parse::<u64>()
                .map_err(|_| Error::Setting { name, value })
        };
        let d = Limits::DEFAULT;
        Ok(Limits {
            file_bytes: var(MAX_FILE_BYTES_VAR, d.file_bytes)?,
            nodes: var(MAX_NODES_VAR, d.nodes)?,
            depth: usize::try_from(var(MAX_DEPTH_VAR, d.depth as u64)?).unwrap_or(usize::MAX),
        })
    }

    /// The cap error for a file over [`Limits::file_bytes`].
    pub(crate) fn too_large(&self, path: &Path, pointer: &str, what: String) -> Error {
        Error::Cap {
            path: path.to_path_buf(),
            pointer: pointer_or_root(pointer),
            what,
            cap: self.file_bytes,
            unit: "bytes per file",
            setting: MAX_FILE_BYTES_VAR,
        }
    }

    /// The cap error for more than [`Limits::nodes`] nodes.
    pub(crate) fn too_many_nodes(&self, path: &Path, pointer: &str, what: String) -> Error {
        Error::Cap {
            path: path.to_path_buf(),
            pointer: pointer_or_root(pointer),
            what,
            cap: self.nodes,
            unit: "nodes",
            setting: MAX_NODES_VAR,
        }
    }

    /// The cap error for nesting deeper than [`Limits::depth`].
    pub(crate) fn too_deep(&self, path: &Path, pointer: &str, what: String) -> Error {
        Error::Cap {
            path: path.to_path_buf(),
            pointer: pointer_or_root(pointer),
            what,
            cap: self.depth as u64,
            unit: "levels",
            setting: MAX_DEPTH_VAR,
        }
    }
}

fn pointer_or_root(pointer: &str) -> String {
    if pointer.is_empty() {
        "/".to_owned()
    } else {
        pointer.to_owned()
    }
}

/// Why a file was not read.
#[derive(Debug)]
pub enum Unreadable {
    /// Not a regular file: what it is instead (`a FIFO`, `a directory`, …). Nothing was read.
    NotRegular(&'static str),
    /// Larger than the cap: its size, or at least how much was read before stopping.
    TooLarge(u64),
    /// The operating system's error.
    Io(std::io::Error),
    /// Not UTF-8: the offset of the first invalid byte.
    NotUtf8(usize),
}

impl std::fmt::Display for Unreadable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Unreadable::NotRegular(kind) => {
                write!(
                    f,
                    "is {kind}, not a regular file: refused without reading it"
                )
            }
            Unreadable::TooLarge(size) => write!(f, "is {size} bytes or more"),
            Unreadable::Io(e) => write!(f, "{e}"),
            Unreadable::NotUtf8(at) => write!(f, "is not UTF-8 text (byte {at})"),
        }
    }
}

/// What a file that is not a regular file is.
fn kind(file_type: &std::fs::FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if file_type.is_fifo() {
            return "a FIFO";
        }
        if file_type.is_char_device() {
            return "a character device";
        }
        if file_type.is_block_device() {
            return "a block device";
        }
        if file_type.is_socket() {
            return "a socket";
        }
    }
    if file_type.is_dir() {
        "a directory"
    } else if file_type.is_symlink() {
        "a symbolic link"
    } else {
        "not a regular file"
    }
}

/// Read a regular file of at most `max` bytes as UTF-8 text: refused from its metadata when it
/// is not a regular file or is larger, opened non-blocking, checked again through the handle, and
/// read through `take(max + 1)`.
pub fn read_regular(path: &Path, max: u64) -> std::result::Result<String, Unreadable> {
    let meta = std::fs::metadata(path).map_err(Unreadable::Io)?;
    if !meta.is_file() {
        return Err(Unreadable::NotRegular(kind(&meta.file_type())));
    }
    if meta.len() > max {
        return Err(Unreadable::TooLarge(meta.len()));
    }
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NONBLOCK | libc::O_NOCTTY);
    }
    let file = options.open(path).map_err(Unreadable::Io)?;
    let meta = file.metadata().map_err(Unreadable::Io)?;
    if !meta.is_file() {
        return Err(Unreadable::NotRegular(kind(&meta.file_type())));
    }
    let capacity = usize::try_from(meta.len().min(max)).unwrap_or(0);
    read_capped(file, max, capacity)
}

/// Read at most `max` bytes of UTF-8 text from `reader` (one more byte is read to tell a reader
/// of exactly `max` bytes from a longer one).
pub fn read_capped(
    reader: impl Read,
    max: u64,
    capacity: usize,
) -> std::result::Result<String, Unreadable> {
    let mut bytes = Vec::with_capacity(capacity.saturating_add(1));
    reader
        .take(max.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(Unreadable::Io)?;
    if bytes.len() as u64 > max {
        return Err(Unreadable::TooLarge(bytes.len() as u64));
    }
    String::from_utf8(bytes).map_err(|e| Unreadable::NotUtf8(e.utf8_error().valid_up_to()))
}

/// Read the document at `path` (or any file a command is given) under `limits`: a located
/// error when it is not a regular file, is over the bytes cap, or is not UTF-8.
pub fn read_document(path: &Path, limits: &Limits) -> Result<String> {
    read_regular(path, limits.file_bytes).map_err(|e| match e {
        Unreadable::TooLarge(size) => {
            limits.too_large(path, "/", format!("the file is {size} bytes or more"))
        }
        Unreadable::Io(source) => Error::io(path, "read", source),
        other => Error::invalid(path, "/", format!("the file {other}")),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_endless_reader_is_read_up_to_the_cap_and_refused() {
        let err = read_capped(std::io::repeat(b'a'), 1000, 0).expect_err("endless");
        assert!(matches!(err, Unreadable::TooLarge(1001)), "{err}");
        let text = read_capped(&b"abc"[..], 3, 3).expect("exactly the cap");
        assert_eq!(text, "abc");
    }

    #[test]
    fn devices_fifos_and_folders_are_refused_without_reading() {
        for (path, kind) in [("/dev/zero", "a character device"), ("/tmp", "a directory")] {
            let err = read_regular(Path::new(path), 100).expect_err(path);
            assert!(
                matches!(err, Unreadable::NotRegular(k) if k == kind),
                "{path}: {err}"
            );
        }
    }

    #[test]
    fn settings_come_from_the_environment_or_are_refused() {
        let limits = Limits::from_lookup(|name| (name == MAX_DEPTH_VAR).then(|| "1_000".into()))
            .expect("set");
        assert_eq!(limits.depth, 1000);
        assert_eq!(limits.nodes, Limits::DEFAULT.nodes);
        let err = Limits::from_lookup(|name| (name == MAX_NODES_VAR).then(|| "many".into()))
            .expect_err("not a number");
        assert!(err.to_string().contains(MAX_NODES_VAR), "{err}");
        assert_eq!(
            Limits::from_lookup(|_| None).expect("default"),
            Limits::DEFAULT
        );
    }
}
