//! Hostile documents through the commands, on a copy of the workspace: `new` (a reference to
//! `../../crates/bank-runtime/build.rs`, a symbolic link leaving the folder, `/dev/zero`, a FIFO,
//! a 100 MB document, references fanned out, a URL, a part standing in for `api.toml`), `update`
//! (the same, and a FIFO as `--source`), `diff` (fan-out, alias bombs, deep nesting, a huge file,
//! a device, a FIFO; each under a 1 GiB address-space limit), `generate` (a planted spec folder
//! leaving itself), and `new` on a document whose every text is made to escape from the generated
//! code's comments and strings, which must compile without the payload as code. Each run ends
//! in its time; nothing is written outside the workspace copy (its parent folder is checked for
//! strays) and no file outside `specs/<api>/` and `crates/<api>/` changes. The same attacks at
//! the library level: `codegen/tests/hostile.rs`.

mod common;

use common::{copy_workspace_into, text, workspace};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

/// A temporary folder holding the workspace copy (`ws/`) and the attacker's files beside it.
struct Arena {
    dir: tempfile::TempDir,
}

impl Arena {
    fn new() -> Arena {
        let dir = tempfile::tempdir().expect("temp dir");
        copy_workspace_into(&dir.path().join("ws"));
        Arena { dir }
    }

    fn ws(&self) -> PathBuf {
        self.dir.path().join("ws")
    }

    /// An attacker's file beside the workspace copy.
    fn put(&self, rel: &str, text: &str) -> PathBuf {
        let path = self.dir.path().join(rel);
        std::fs::create_dir_all(path.parent().expect("parent")).expect("dir");
        std::fs::write(&path, text).expect("write");
        path
    }

    /// Every file under the arena but the workspace copy, and every file of the workspace copy
    /// (its `target/` aside), with their content.
    fn snapshot(&self) -> (Vec<PathBuf>, BTreeMap<PathBuf, Vec<u8>>) {
        fn walk(dir: &Path, skip: &Path, out: &mut Vec<PathBuf>) {
            for entry in std::fs::read_dir(dir).expect("read dir") {
                let path = entry.expect("entry").path();
                if path == skip {
                    continue;
                }
                let meta = std::fs::symlink_metadata(&path).expect("metadata");
                out.push(path.clone());
                if meta.is_dir() {
                    walk(&path, skip, out);
                }
            }
        }
        let mut outside = Vec::new();
        walk(self.dir.path(), &self.ws(), &mut outside);
        outside.sort();
        let mut inside = Vec::new();
        walk(&self.ws(), &self.ws().join("target"), &mut inside);
        let files = inside
            .into_iter()
            .filter(|p| std::fs::symlink_metadata(p).is_ok_and(|m| m.is_file()))
            .map(|p| {
                let content = std::fs::read(&p).expect("read");
                (p, content)
            })
            .collect();
        (outside, files)
    }

    /// Fail when a file appeared beside the workspace copy, or a file of the copy changed other
    /// than under `specs/<api>/` and `crates/<api>/` of `apis` (and `Cargo.lock`, which a new
    /// crate extends).
    fn unchanged_but(&self, before: &(Vec<PathBuf>, BTreeMap<PathBuf, Vec<u8>>), apis: &[&str]) {
        let after = self.snapshot();
        assert_eq!(before.0, after.0, "strays beside the workspace copy");
        let ws = self.ws();
        let allowed = |path: &Path| {
            let rel = path.strip_prefix(&ws).expect("inside");
            rel == Path::new("Cargo.lock")
                || rel.starts_with("crates/bank-apis")
                || apis.iter().any(|api| {
                    rel.starts_with(Path::new("specs").join(api))
                        || rel.starts_with(Path::new("crates").join(api))
                })
        };
        for (path, content) in &after.1 {
            if before.1.get(path) != Some(content) {
                assert!(allowed(path), "{} changed", path.display());
            }
        }
        for path in before.1.keys() {
            assert!(
                after.1.contains_key(path) || allowed(path),
                "{} removed",
                path.display()
            );
        }
    }
}

/// The built xtask in `dir`, stopped after `limit` (the run fails then); its output and time.
fn xtask_within(dir: &Path, args: &[&str], limit: Duration, memory: bool) -> (Output, Duration) {
    let mut command = if memory {
        // The address space capped at 1 GiB: a run that tries to hold a bomb dies instead.
        let mut c = Command::new("sh");
        c.args([
            "-c",
            "ulimit -v 1048576 && exec \"$0\" \"$@\"",
            env!("CARGO_BIN_EXE_xtask"),
        ]);
        c
    } else {
        Command::new(env!("CARGO_BIN_EXE_xtask"))
    };
    let child = command
        .args(args)
        .current_dir(dir)
        .env_remove("CARGO_MANIFEST_DIR")
        // Its own target directory (shared with tests/new.rs): the outer `cargo test` may hold
        // the workspace's.
        .env(
            "CARGO_TARGET_DIR",
            workspace().join("target/xtask-new-test"),
        )
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("xtask runs");
    let id = child.id();
    let start = Instant::now();
    let (send, receive) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = send.send(child.wait_with_output());
    });
    match receive.recv_timeout(limit) {
        Ok(output) => (output.expect("output"), start.elapsed()),
        Err(_) => {
            let _ = Command::new("kill").arg("-9").arg(id.to_string()).status();
            panic!("xtask {args:?}: still running after {limit:?}");
        }
    }
}

/// A refused run: exit status 2 (1 for `generate`), each of `expected` in its output.
fn refused(name: &str, dir: &Path, args: &[&str], expected: &[&str], memory: bool) {
    let (run, took) = xtask_within(dir, args, Duration::from_secs(60), memory);
    let out = text(&run);
    assert!(
        matches!(run.status.code(), Some(1 | 2)),
        "{name}: {:?}\n{out}",
        run.status
    );
    for e in expected {
        assert!(out.contains(e), "{name}: expected `{e}` in:\n{out}");
    }
    assert!(!out.contains("panicked"), "{name}: {out}");
    let first = out
        .lines()
        .find(|l| l.starts_with("error"))
        .unwrap_or_default();
    eprintln!("[{name}] {took:.2?}: {first}");
}

fn mkfifo(path: &Path) {
    let status = Command::new("mkfifo").arg(path).status().expect("mkfifo");
    assert!(status.success(), "mkfifo");
}

const HEAD: &str = "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths:\n  /a:\n    get:\n      operationId: getA\n      responses:\n        '200': {description: ok, content: {application/json: {schema: {$ref: '#/components/schemas/A'}}}}\n";

/// A document whose schema `A` is `reference`.
fn referring(reference: &str) -> String {
    format!("{HEAD}components:\n  schemas:\n    A: {{$ref: '{reference}'}}\n")
}

/// `levels` schemas, each referring to the next twice.
fn fan_out(levels: usize) -> String {
    let mut out = String::new();
    for i in 0..levels {
        out.push_str(&format!(
            "L{i}: {{type: object, properties: {{a: {{$ref: '#/L{n}'}}, b: {{$ref: '#/L{n}'}}}}}}\n",
            n = i + 1
        ));
    }
    out.push_str(&format!("L{levels}: {{type: string}}\n"));
    out
}

/// A file of 100 MB (sparse past its head).
fn huge(path: &Path, head: &str) {
    std::fs::write(path, head).expect("head");
    std::fs::OpenOptions::new()
        .write(true)
        .open(path)
        .expect("open")
        .set_len(100 << 20)
        .expect("grow");
}

#[test]
fn new_refuses_hostile_documents_and_writes_nothing_outside() {
    let arena = Arena::new();
    let ws = arena.ws();
    // The attack of issue 22: the document's folder is `attack/doc/`, two levels below the
    // arena, so `../../crates/bank-runtime/build.rs` is the attacker's own build script, which
    // `new` used to copy to `ws/specs/<api>/../../crates/bank-runtime/build.rs`.
    arena.put(
        "crates/bank-runtime/build.rs",
        "# fn main() { std::process::exit(1) }\n",
    );
    arena.put("outside.yaml", "type: string\n");
    let doc = |name: &str, text: &str| {
        arena
            .put(&format!("attack/doc/{name}"), text)
            .display()
            .to_string()
    };
    let traversal = doc(
        "traversal.yaml",
        &referring("../../crates/bank-runtime/build.rs"),
    );
    let link = doc("link-out.yaml", &referring("link.yaml"));
    std::os::unix::fs::symlink(
        arena.dir.path().join("outside.yaml"),
        arena.dir.path().join("attack/doc/link.yaml"),
    )
    .expect("link");
    let fifo = arena.dir.path().join("attack/doc/pipe.yaml");
    mkfifo(&fifo);
    let fifo_part = doc("fifo-part.yaml", &referring("pipe.yaml"));
    let fan = doc("fan.yaml", &referring("levels.yaml#/L0"));
    doc("levels.yaml", &fan_out(40));
    let url = doc("url.yaml", &referring("HTTPS://example.com/a.yaml"));
    let toml = doc("toml-part.yaml", &referring("api.toml#/A"));
    doc("api.toml", "A: {type: string}\n");
    let big = arena.dir.path().join("attack/doc/huge.yaml");
    huge(&big, HEAD);
    let before = arena.snapshot();

    let fifo = fifo.display().to_string();
    let big = big.display().to_string();
    for (name, document, expected) in [
        (
            "new-traversal",
            traversal.as_str(),
            "outside the document's folder",
        ),
        ("new-symlink-out", &link, "outside the document's folder"),
        (
            "new-dev-zero",
            "/dev/zero",
            "a character device, not a regular file",
        ),
        ("new-fifo-document", &fifo, "a FIFO, not a regular file"),
        ("new-fifo-part", &fifo_part, "a FIFO, not a regular file"),
        ("new-fan-out", &fan, "over the cap of 5000000 nodes"),
        ("new-url", &url, "a `HTTPS:` URL"),
        (
            "new-part-named-api-toml",
            &toml,
            "a file `new` writes itself",
        ),
        ("new-100MB", &big, "over the cap of 67108864 bytes per file"),
    ] {
        refused(
            name,
            &ws,
            &["new", "hostile", document, "--no-check"],
            &[expected, "nothing was written"],
            true,
        );
    }
    assert!(!ws.join("specs/hostile").exists() && !ws.join("crates/hostile").exists());
    arena.unchanged_but(&before, &[]);
}

#[test]
fn update_diff_and_generate_refuse_hostile_documents() {
    let arena = Arena::new();
    let ws = arena.ws();
    arena.put("crates/bank-runtime/build.rs", "fn main() {}\n");
    let financial =
        std::fs::read_to_string(ws.join("specs/bcc-financial/swagger.yaml")).expect("document");
    // The FinancialAPI document with one schema turned into a reference out of its folder.
    let evil = financial.replacen(
        "  AccountInformation:\n",
        "  AccountInformation:\n    $ref: '../../crates/bank-runtime/build.rs'\n  Unused:\n",
        1,
    );
    let evil = arena
        .put("attack/doc/swagger.yaml", &evil)
        .display()
        .to_string();
    let fifo = arena.dir.path().join("attack/doc/source.fifo");
    mkfifo(&fifo);
    let fifo = fifo.display().to_string();
    let big = arena.dir.path().join("attack/doc/huge.yaml");
    huge(&big, HEAD);
    let big = big.display().to_string();
    let fan = arena
        .put("attack/doc/fan.yaml", &referring("levels.yaml#/L0"))
        .display()
        .to_string();
    arena.put("attack/doc/levels.yaml", &fan_out(40));
    let mut bomb = String::from(HEAD);
    bomb.push_str("x-a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
    for (prev, name) in ["a", "b", "c", "d", "e", "f", "g", "h"]
        .iter()
        .zip(["b", "c", "d", "e", "f", "g", "h", "i"])
    {
        bomb.push_str(&format!(
            "x-{name}: &{name} [{}]\n",
            vec![format!("*{prev}"); 9].join(", ")
        ));
    }
    let bomb = arena
        .put("attack/doc/bomb.yaml", &bomb)
        .display()
        .to_string();
    let linear = format!(
        "{HEAD}x-a: &a [{}]\nx-b: [{}]\n",
        vec!["0"; 20_000].join(", "),
        vec!["*a"; 20_000].join(", ")
    );
    let linear = arena
        .put("attack/doc/linear.yaml", &linear)
        .display()
        .to_string();
    let deep = format!(
        "{HEAD}x-deep: {}1{}\n",
        "[".repeat(10_000),
        "]".repeat(10_000)
    );
    let deep = arena
        .put("attack/doc/deep.yaml", &deep)
        .display()
        .to_string();
    let plain = arena
        .put(
            "attack/doc/plain.yaml",
            &referring("#/components/schemas/B").replace(
                "    A: {$ref: '#/components/schemas/B'}\n",
                "    A: {type: string}\n",
            ),
        )
        .display()
        .to_string();
    let financial_copy = arena
        .put("attack/doc/financial.yaml", &financial)
        .display()
        .to_string();
    let before = arena.snapshot();

    fn update<'a>(args: &[&'a str]) -> Vec<&'a str> {
        [&["update", "bcc-financial"], args].concat()
    }
    for (name, args, expected) in [
        (
            "update-traversal",
            update(&[evil.as_str()]),
            "outside the document's folder",
        ),
        (
            "update-dev-zero",
            update(&["/dev/zero"]),
            "a character device",
        ),
        ("update-100MB", update(&[big.as_str()]), "bytes per file"),
        (
            "update-fifo-source",
            update(&[evil.as_str(), "--source", fifo.as_str()]),
            "outside the document's folder",
        ),
        (
            "update-fan-out",
            update(&[fan.as_str()]),
            "over the cap of 5000000 nodes",
        ),
    ] {
        refused(name, &ws, &args, &[expected, "nothing was written"], true);
    }
    // `--source` is read only when the document passed: a FIFO there is refused too.
    refused(
        "update-fifo-as-source",
        &ws,
        &[
            "update",
            "bcc-financial",
            &financial_copy,
            "--source",
            &fifo,
        ],
        &["a FIFO, not a regular file"],
        true,
    );
    for (name, file, expected) in [
        (
            "diff-fan-out",
            fan.as_str(),
            "over the cap of 5000000 nodes",
        ),
        ("diff-alias-bomb", bomb.as_str(), "repetition limit"),
        (
            "diff-alias-linear",
            linear.as_str(),
            "YAML aliases expanded",
        ),
        (
            "diff-deep-nesting",
            deep.as_str(),
            "recursion limit exceeded",
        ),
        ("diff-100MB", big.as_str(), "bytes per file"),
        ("diff-dev-zero", "/dev/zero", "a character device"),
        ("diff-fifo", fifo.as_str(), "a FIFO"),
        (
            "diff-traversal",
            evil.as_str(),
            "outside the document's folder",
        ),
    ] {
        refused(name, &ws, &["diff", &plain, file], &[expected], true);
    }
    arena.unchanged_but(&before, &[]);

    // A spec folder planted in the workspace whose document leaves it: `generate` refuses.
    std::fs::create_dir_all(ws.join("specs/planted")).expect("dir");
    std::fs::write(
        ws.join("specs/planted/api.toml"),
        "[api]\ntitle = \"Planted\"\ndocument = \"openapi.yaml\"\nsource = \"test\"\n",
    )
    .expect("toml");
    std::fs::write(
        ws.join("specs/planted/openapi.yaml"),
        referring("../../crates/bank-runtime/src/lib.rs"),
    )
    .expect("doc");
    let before = arena.snapshot();
    refused(
        "generate-planted",
        &ws,
        &["generate", "planted"],
        &[
            "specs/planted/openapi.yaml: /components/schemas/A/$ref",
            "outside the document's folder",
        ],
        true,
    );
    arena.unchanged_but(&before, &[]);
}

/// Text made to escape from comments and strings: a line break, `*/`, quotes, `"#`, a
/// right-to-left override.
const PAYLOAD: &str =
    "x\n*/ fn injected() {} /* \" ; fn injected() {} // \"# ; fn injected() {} r#\" \u{202E}cba";

/// One document with the payload everywhere a text can be, and operation ids that are Rust
/// keywords or start with a digit.
fn text_attack() -> String {
    let p = PAYLOAD;
    let op = |id: &str| {
        serde_json::json!({
            "operationId": id,
            "summary": p,
            "description": p,
            "parameters": [{"name": "mode", "in": "query", "description": p, "schema": {"type": "string", "enum": ["a", p]}}],
            "responses": {"200": {"description": p, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Item"}}}}}
        })
    };
    serde_json::json!({
        "openapi": "3.0.3",
        "info": {"title": format!("{p}\nbuild = \"evil.rs\""), "version": "1", "description": p},
        "servers": [{"url": "https://bank.example/api", "description": p}],
        "paths": {
            "/type": {"get": op("type")},
            "/fn": {"get": op("fn")},
            "/first": {"get": op("1stCall")},
            "/payload": {"get": op(p)}
        },
        "components": {"schemas": {"Item": {
            "type": "object",
            "description": p,
            "properties": {
                "state": {"type": "string", "enum": ["open", p], "description": p},
                (p): {"type": "string", "example": p, "description": p}
            },
            "example": {"state": "open", (p): p}
        }}}
    })
    .to_string()
}

#[test]
fn new_turns_hostile_text_into_a_compiling_crate_without_the_payload_as_code() {
    let arena = Arena::new();
    let ws = arena.ws();
    let document = arena
        .put("attack/text.json", &text_attack())
        .display()
        .to_string();
    let before = arena.snapshot();
    let (run, took) = xtask_within(
        &ws,
        &["new", "text-attack", &document],
        Duration::from_secs(600),
        false,
    );
    let out = text(&run);
    eprintln!(
        "[new-text-attack] {took:.2?}: {}",
        out.lines().last().unwrap_or_default()
    );
    assert!(run.status.success(), "{out}");
    assert!(
        out.contains("cargo check -p text-attack: the new crate compiles"),
        "{out}"
    );
    let generated =
        std::fs::read_to_string(ws.join("crates/text-attack/src/generated.rs")).expect("generated");
    let lib = std::fs::read_to_string(ws.join("crates/text-attack/src/lib.rs")).expect("lib.rs");
    for (name, code) in [("generated.rs", &generated), ("lib.rs", &lib)] {
        assert!(
            !code
                .lines()
                .any(|l| l.trim_start().starts_with("fn injected")),
            "{name}: the payload became code"
        );
        assert!(
            !code.contains('\u{202E}'),
            "{name}: a raw right-to-left override"
        );
    }
    let manifest: toml::Table = toml::from_str(
        &std::fs::read_to_string(ws.join("crates/text-attack/Cargo.toml")).expect("manifest"),
    )
    .expect("the manifest is TOML");
    assert!(manifest["package"].get("build").is_none(), "{manifest:?}");
    let api: toml::Table = toml::from_str(
        &std::fs::read_to_string(ws.join("specs/text-attack/api.toml")).expect("api.toml"),
    )
    .expect("api.toml is TOML");
    assert_eq!(
        api["api"]["document"].as_str(),
        Some("openapi.json"),
        "{api:?}"
    );
    arena.unchanged_but(&before, &["text-attack"]);
    // The workspace's tools still work, and the new crate is up to date.
    let (check, _) = xtask_within(
        &ws,
        &["check", "text-attack"],
        Duration::from_secs(120),
        false,
    );
    assert!(check.status.success(), "{}", text(&check));
}
