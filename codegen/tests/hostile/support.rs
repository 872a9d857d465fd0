//! What the hostile-document suite shares: throwaway folders of files, a watchdog that fails a
//! case running past its time, and the checks of an outcome (a located error, or output that is
//! safe: parsing Rust with no injected item, no raw bidirectional control character).

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use bank_codegen::{Error, OutputFile};
use proc_macro2::{TokenStream, TokenTree};
use quote::ToTokens;

/// The payload's function name: no generated item may be called this.
pub const INJECTED: &str = "injected";

/// Text that would become code if printed unescaped into a comment, a string or a raw string:
/// a line break, `*/`, quotes, `"#`, and a right-to-left override.
pub const PAYLOAD: &str =
    "x\n*/ fn injected() {} /* \" ; fn injected() {} // \"# ; fn injected() {} r#\" \u{202E}cba";

/// A folder under the system temp dir, removed when dropped.
pub struct Folder(pub PathBuf);

impl std::ops::Deref for Folder {
    type Target = Path;
    fn deref(&self) -> &Path {
        &self.0
    }
}

impl Drop for Folder {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A fresh folder holding `files` (path, text), for the case `name`.
pub fn folder(name: &str, files: &[(&str, &str)]) -> Folder {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let dir = std::env::temp_dir().join(format!(
        "hostile-{name}-{}-{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("folder");
    for (file, text) in files {
        put(&dir.join(file), text);
    }
    Folder(dir)
}

/// Write `text` at `path`, creating its folder.
pub fn put(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().expect("parent")).expect("dir");
    std::fs::write(path, text).expect("write");
}

/// Run `f` on a thread of its own (8 MiB of stack, as a program's main thread has) and fail
/// when it runs past `limit`; how long it took.
pub fn within<T: Send + 'static>(
    what: &str,
    limit: Duration,
    f: impl FnOnce() -> T + Send + 'static,
) -> (T, Duration) {
    let (send, receive) = std::sync::mpsc::channel();
    let start = Instant::now();
    std::thread::Builder::new()
        .name(what.to_owned())
        .stack_size(8 << 20)
        .spawn(move || {
            let _ = send.send(f());
        })
        .expect("thread");
    match receive.recv_timeout(limit) {
        Ok(out) => (out, start.elapsed()),
        Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {
            panic!("{what}: still running after {limit:?} (unbounded?)")
        }
        Err(e) => panic!("{what}: the case panicked ({e})"),
    }
}

/// Whether an error's text names a file and a place in it: every item of [`Error::Several`],
/// and otherwise `file: /pointer`, `file:line:column`, or a fix's number.
pub fn located(error: &Error) -> bool {
    match error {
        Error::Several(all) => !all.is_empty() && all.iter().all(located),
        Error::Invalid { pointer, .. }
        | Error::DanglingRef { pointer, .. }
        | Error::UnsupportedShape { pointer, .. }
        | Error::Cap { pointer, .. } => pointer.starts_with('/'),
        Error::Syntax { line, .. } => *line > 0,
        Error::FixTargetVanished { .. } | Error::OutsideRoot { .. } => true,
        _ => false,
    }
}

/// Check a refused case: located, its text naming `file` and holding every one of `expected`;
/// the text.
pub fn refused(name: &str, error: &Error, file: &str, expected: &[&str]) -> String {
    let text = error.to_string();
    assert!(located(error), "{name}: not located: {text}");
    assert!(text.contains(file), "{name}: does not name {file}: {text}");
    for e in expected {
        assert!(text.contains(e), "{name}: expected `{e}` in: {text}");
    }
    text
}

/// The code's tokens, every group opened, comments and literals aside.
fn idents(stream: TokenStream, out: &mut Vec<String>) {
    for tree in stream {
        match tree {
            TokenTree::Ident(i) => out.push(i.to_string()),
            TokenTree::Group(g) => idents(g.stream(), out),
            _ => {}
        }
    }
}

/// Characters rustc refuses in comments and literals (`text_direction_codepoint_in_*`).
pub fn bidi(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// Check generated files: the Rust parses, no identifier is the payload's function, no raw
/// bidirectional control character is left (rustc refuses them), the manifest is TOML with
/// the generated keys only, the JSON files parse.
pub fn safe_output(name: &str, files: &[OutputFile]) {
    for f in files {
        let path = f.path.display().to_string();
        if path.ends_with(".rs") {
            assert!(
                !f.content.chars().any(bidi),
                "{name}: {path} holds a raw bidirectional control character"
            );
            let file = syn::parse_file(&f.content)
                .unwrap_or_else(|e| panic!("{name}: {path} does not parse: {e}"));
            let mut found = Vec::new();
            idents(file.into_token_stream(), &mut found);
            assert!(
                !found.iter().any(|i| i == INJECTED),
                "{name}: {path} has the payload as code (`fn {INJECTED}`)"
            );
        } else if path.ends_with(".json") {
            serde_json::from_str::<serde_json::Value>(&f.content)
                .unwrap_or_else(|e| panic!("{name}: {path} is not JSON: {e}"));
        } else if path.ends_with("Cargo.toml") {
            let manifest: toml::Table = toml::from_str(&f.content)
                .unwrap_or_else(|e| panic!("{name}: {path} is not TOML: {e}"));
            let package = manifest["package"].as_table().expect("[package]");
            for key in package.keys() {
                assert!(
                    [
                        "name",
                        "description",
                        "version",
                        "edition",
                        "rust-version",
                        "license",
                        "publish",
                        "readme",
                        "include"
                    ]
                    .contains(&key.as_str()),
                    "{name}: {path}: injected key `{key}` in [package]"
                );
            }
            for table in manifest.keys() {
                assert!(
                    ["package", "dependencies", "features"].contains(&table.as_str()),
                    "{name}: {path}: injected table [{table}]"
                );
            }
        }
    }
}

/// A throwaway `specs/demo/` holding `document` (`openapi.json`) and an `api.toml` with `title`.
pub fn api(dir: &Path, document: &str, title: &str) -> bank_codegen::Api {
    let api_dir = dir.join("specs/demo");
    put(&api_dir.join("openapi.json"), document);
    let title = toml::Value::String(title.to_owned());
    put(
        &api_dir.join("api.toml"),
        &format!("[api]\ntitle = {title}\ndocument = \"openapi.json\"\nsource = \"test\"\n"),
    );
    bank_codegen::discover(&dir.join("specs"))
        .expect("discover")
        .remove(0)
}
