//! Documents made to attack the generator and the diff, at the library level (load, bundle,
//! generate, the diff's prepare): references leaving the document's folder (`..`, absolute
//! paths, symbolic links, `/dev/zero`), files that are not files (a FIFO, a device, a folder),
//! URLs and network paths, cycles spelt two ways, references fanned out exponentially, nesting
//! ten thousand deep, YAML alias bombs, a 100 MB document; and text made to escape from the
//! comments and strings of the generated code (`hostile/text.rs`). Each ends in a located error
//! or safe output, within its time (a watchdog fails a case that runs on). Run with
//! `--nocapture` to see every outcome. The same attacks through the `xtask` commands, in a copy
//! of the workspace: `xtask/tests/hostile.rs`.

#[path = "hostile/support.rs"]
mod support;
#[path = "hostile/text.rs"]
mod text;

use std::path::{Path, PathBuf};
use std::time::Duration;

use bank_codegen::Error;
use bank_codegen::limits::Limits;
use support::{Folder, folder, put, refused, within};

const HEAD: &str = "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths: {}\n";

/// A document whose one schema is `reference`.
fn referring(reference: &str) -> String {
    format!("{HEAD}components:\n  schemas:\n    A: {{$ref: '{reference}'}}\n")
}

/// Load `main` (in `dir`) under the default caps on a watched thread; the error and the time.
fn load_err(name: &str, dir: &Path, main: &str, limit: Duration) -> (Error, Duration) {
    let path = dir.join(main);
    let (result, took) = within(name, limit, move || {
        bank_codegen::load::load_with(&path, &Limits::DEFAULT).map(|_| ())
    });
    (result.expect_err(name), took)
}

/// Load `main` from `dir` and check the refusal: located in `file`, holding `expected`.
fn refuse(name: &str, dir: &Folder, main: &str, file: &str, expected: &[&str]) -> String {
    let (err, took) = load_err(name, dir, main, Duration::from_secs(20));
    let text = refused(name, &err, file, expected);
    eprintln!("[{name}] {took:.2?}: {text}");
    text
}

/// Up to the filesystem root from anywhere under the temp dir.
fn to_root() -> String {
    "../".repeat(40)
}

#[test]
fn references_leaving_the_folder_are_refused() {
    let outside = "type: string\n";
    let cases: Vec<(&str, String, Vec<&str>)> = vec![
        (
            "dot-dot",
            "../outside.yaml".into(),
            vec!["outside the document's folder"],
        ),
        (
            "dot-dot-nested",
            "sub/../../outside.yaml#/".into(),
            vec!["outside the document's folder"],
        ),
        (
            "traversal-to-build-script",
            "../crates/bank-runtime/build.rs".into(),
            vec!["build.rs, outside the document's folder"],
        ),
        ("absolute", "/etc/passwd".into(), vec!["absolute path"]),
        ("dev-zero", "/dev/zero".into(), vec!["absolute path"]),
        (
            "dot-dot-dev-zero",
            format!("{}dev/zero", to_root()),
            vec!["/dev/zero, outside the document's folder"],
        ),
        (
            "symlink-file-out",
            "link.yaml".into(),
            vec!["outside.yaml, outside the document's folder"],
        ),
        (
            "symlink-folder-out",
            "linkdir/outside.yaml".into(),
            vec!["outside the document's folder"],
        ),
        (
            "symlink-to-dev-zero",
            "zero.yaml".into(),
            vec!["/dev/zero, outside the document's folder"],
        ),
    ];
    for (name, reference, expected) in cases {
        let dir = folder(
            name,
            &[
                ("outside.yaml", outside),
                ("crates/bank-runtime/build.rs", "fn main() {}\n"),
                ("doc/main.yaml", &referring(&reference)),
                ("doc/sub/keep.yaml", "{}\n"),
            ],
        );
        std::os::unix::fs::symlink(dir.join("outside.yaml"), dir.join("doc/link.yaml"))
            .expect("link");
        std::os::unix::fs::symlink(&dir.0, dir.join("doc/linkdir")).expect("link");
        std::os::unix::fs::symlink("/dev/zero", dir.join("doc/zero.yaml")).expect("link");
        let text = refuse(name, &dir, "doc/main.yaml", "main.yaml", &expected);
        assert!(
            text.contains("/components/schemas/A/$ref"),
            "{name}: {text}"
        );
    }
}

#[test]
fn urls_and_network_paths_are_refused() {
    for (name, reference, expected) in [
        ("file-url", "file:///etc/passwd", "a `file:` URL"),
        ("file-url-relative", "file:a.yaml", "a `file:` URL"),
        ("http-upper", "HTTP://example.com/a.yaml", "a `HTTP:` URL"),
        (
            "https-mixed",
            "HtTpS://example.com/a.yaml#/A",
            "a `HtTpS:` URL",
        ),
        ("ftp", "ftp://example.com/a.yaml", "a `ftp:` URL"),
        (
            "unc-backslash",
            "\\\\server\\share\\a.yaml",
            "network (UNC) path",
        ),
        ("unc-slash", "//server/share/a.yaml", "network (UNC) path"),
        ("drive", "C:\\Windows\\a.yaml", "a `C:` URL"),
    ] {
        let dir = folder(
            name,
            &[("main.yaml", &referring(reference)), ("a.yaml", "A: {}\n")],
        );
        refuse(name, &dir, "main.yaml", "main.yaml", &[expected, "/$ref"]);
    }
    // Inside a referenced file, located there.
    let dir = folder(
        "url-in-part",
        &[
            ("main.yaml", &referring("part.yaml")),
            (
                "part.yaml",
                "type: object\nproperties:\n  p: {$ref: 'HTTPS://example.com/x.yaml'}\n",
            ),
        ],
    );
    refuse(
        "url-in-part",
        &dir,
        "main.yaml",
        "part.yaml: /properties/p/$ref",
        &["a `HTTPS:` URL"],
    );
}

fn mkfifo(path: &Path) {
    let c = std::ffi::CString::new(path.as_os_str().as_encoded_bytes()).expect("path");
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0, "mkfifo");
}

#[test]
fn files_that_are_not_regular_are_refused_without_reading() {
    let dir = folder(
        "special",
        &[
            ("fifo.yaml", ""),
            ("dir.yaml/x", ""),
            ("main-fifo.yaml", &referring("pipe.yaml")),
            ("main-dir.yaml", &referring("dir.yaml")),
            ("main-link.yaml", &referring("to-pipe.yaml")),
            ("main-bytes.yaml", &referring("bytes.yaml")),
        ],
    );
    mkfifo(&dir.join("pipe.yaml"));
    std::os::unix::fs::symlink(dir.join("pipe.yaml"), dir.join("to-pipe.yaml")).expect("link");
    std::fs::write(dir.join("bytes.yaml"), b"A: \xff\xfe\n").expect("bytes");
    refuse(
        "fifo",
        &dir,
        "main-fifo.yaml",
        "main-fifo.yaml",
        &["is a FIFO, not a regular file"],
    );
    refuse(
        "directory",
        &dir,
        "main-dir.yaml",
        "main-dir.yaml",
        &["is a directory"],
    );
    refuse(
        "link-to-fifo",
        &dir,
        "main-link.yaml",
        "main-link.yaml",
        &["is a FIFO"],
    );
    refuse(
        "not-utf8",
        &dir,
        "main-bytes.yaml",
        "main-bytes.yaml",
        &["not UTF-8"],
    );
    // The document itself: a FIFO, a device.
    refuse(
        "document-fifo",
        &dir,
        "pipe.yaml",
        "pipe.yaml",
        &["is a FIFO"],
    );
    let (err, _) = load_err(
        "document-dev-zero",
        Path::new("/dev"),
        "zero",
        Duration::from_secs(5),
    );
    let text = refused(
        "document-dev-zero",
        &err,
        "/dev/zero",
        &["a character device"],
    );
    eprintln!("[document-dev-zero]: {text}");
}

#[test]
fn cycles_are_found_on_canonical_paths() {
    let dir = folder(
        "cycle",
        &[
            ("main.yaml", &referring("a.yaml")),
            (
                "a.yaml",
                "type: object\nproperties:\n  again: {$ref: 'x/../a.yaml'}\n",
            ),
            ("x/keep.yaml", "{}\n"),
            ("main-alias.yaml", &referring("b.yaml")),
            (
                "b.yaml",
                "type: object\nproperties:\n  again: {$ref: 'alias.yaml'}\n",
            ),
        ],
    );
    std::os::unix::fs::symlink(dir.join("b.yaml"), dir.join("alias.yaml")).expect("link");
    refuse(
        "cycle-dot-dot",
        &dir,
        "main.yaml",
        "a.yaml",
        &["refers back to itself"],
    );
    refuse(
        "cycle-symlink",
        &dir,
        "main-alias.yaml",
        "b.yaml",
        &["refers back to itself"],
    );
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

#[test]
fn fanned_out_references_are_refused_before_they_are_built() {
    let dir = folder(
        "fan-out",
        &[
            ("main.yaml", &referring("fan.yaml#/L0")),
            ("fan.yaml", &fan_out(40)),
        ],
    );
    let (err, took) = load_err("fan-out-40", &dir, "main.yaml", Duration::from_secs(20));
    let text = refused(
        "fan-out-40",
        &err,
        "fan.yaml",
        &["nodes", "BANK_CODEGEN_MAX_NODES", "/$ref"],
    );
    assert!(matches!(err, Error::Cap { unit: "nodes", .. }), "{text}");
    assert!(took < Duration::from_secs(2), "fan-out took {took:?}");
    eprintln!("[fan-out-40] {took:.2?}: {text}");

    // Fanned out from the document itself: many references to one large fragment.
    let big: String = format!("Big: [{}]\n", vec!["1"; 20_000].join(", "));
    let mut main = format!("{HEAD}components:\n  schemas:\n");
    for i in 0..300 {
        main.push_str(&format!("    S{i}: {{$ref: 'big.yaml#/Big'}}\n"));
    }
    let dir = folder("fan-main", &[("main.yaml", &main), ("big.yaml", &big)]);
    let (err, took) = load_err("fan-out-main", &dir, "main.yaml", Duration::from_secs(20));
    let text = refused("fan-out-main", &err, "main.yaml", &["nodes", "/$ref"]);
    eprintln!("[fan-out-main] {took:.2?}: {text}");

    // A reasonable fan-out (ten levels, 2,047 schemas) is not refused.
    let dir = folder(
        "fan-fine",
        &[
            ("main.yaml", &referring("fan.yaml#/L0")),
            ("fan.yaml", &fan_out(10)),
        ],
    );
    bank_codegen::load::load_with(&dir.join("main.yaml"), &Limits::DEFAULT).expect("ten levels");
}

/// `levels` nested flow mappings (`{a: {a: … inner …}}`), as YAML (a comment first: text
/// starting with `{` is read as JSON).
fn nested(levels: usize, inner: &str) -> String {
    format!(
        "# nested\n{}{inner}{}\n",
        "{a: ".repeat(levels),
        "}".repeat(levels)
    )
}

#[test]
fn deep_nesting_is_refused() {
    let json = format!(
        "{{\"openapi\": \"3.0.3\", \"info\": {{\"title\": \"t\", \"version\": \"1\"}}, \"paths\": {{}}, \"x-deep\": {}1{}}}",
        "[".repeat(10_000),
        "]".repeat(10_000)
    );
    let yaml = format!(
        "{HEAD}x-deep: {}1{}\n",
        "[".repeat(10_000),
        "]".repeat(10_000)
    );
    let dir = folder("deep", &[("deep.json", &json), ("deep.yaml", &yaml)]);
    refuse(
        "nested-arrays-json",
        &dir,
        "deep.json",
        "deep.json:1:",
        &["recursion limit exceeded"],
    );
    refuse(
        "nested-arrays-yaml",
        &dir,
        "deep.yaml",
        "deep.yaml:4:",
        &["recursion limit exceeded"],
    );

    // 100 levels per file, three files: past 256 once inlined.
    let dir = folder(
        "deep-files",
        &[
            ("main.yaml", &referring("d1.yaml")),
            ("d1.yaml", &nested(100, "{$ref: 'd2.yaml'}")),
            ("d2.yaml", &nested(100, "{$ref: 'd3.yaml'}")),
            ("d3.yaml", &nested(100, "x")),
        ],
    );
    let text = refuse(
        "nested-across-files",
        &dir,
        "main.yaml",
        "d3.yaml",
        &["levels", "BANK_CODEGEN_MAX_DEPTH"],
    );
    assert!(text.contains("nests deeper than the cap"), "{text}");

    // 300 files, each only a reference to the next: the chain of references is capped.
    let mut files: Vec<(String, String)> = (0..300)
        .map(|i| (format!("c{i}.yaml"), format!("$ref: 'c{}.yaml'\n", i + 1)))
        .collect();
    files.push(("c300.yaml".into(), "type: string\n".into()));
    files.push(("main.yaml".into(), referring("c0.yaml")));
    let borrowed: Vec<(&str, &str)> = files
        .iter()
        .map(|(a, b)| (a.as_str(), b.as_str()))
        .collect();
    let dir = folder("chain", &borrowed);
    refuse(
        "reference-chain-300",
        &dir,
        "main.yaml",
        "c255.yaml: /$ref",
        &["one more reference followed inside the others"],
    );

    // Sixty levels in each of three files (180) is fine.
    let dir = folder(
        "deep-fine",
        &[
            ("main.yaml", &referring("d1.yaml")),
            ("d1.yaml", &nested(60, "{$ref: 'd2.yaml'}")),
            ("d2.yaml", &nested(60, "{$ref: 'd3.yaml'}")),
            ("d3.yaml", &nested(60, "x")),
        ],
    );
    bank_codegen::load::load_with(&dir.join("main.yaml"), &Limits::DEFAULT).expect("180 levels");
}

#[test]
fn yaml_alias_bombs_are_refused() {
    // The billion laughs: nine levels of nine aliases, refused by the YAML parser's repetition
    // limit (kept so), located.
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
    // Linear: one anchor of 20,000 items, aliased 20,000 times (400 million nodes): within the
    // parser's repetition limit, refused by the node cap while counting.
    let linear = format!(
        "{HEAD}x-a: &a [{}]\nx-b: [{}]\n",
        vec!["0"; 20_000].join(", "),
        vec!["*a"; 20_000].join(", ")
    );
    let dir = folder(
        "bomb",
        &[
            ("bomb.yaml", &bomb),
            ("linear.yaml", &linear),
            ("main.yaml", &referring("bomb.yaml#/x-i")),
        ],
    );
    let text = refuse(
        "alias-bomb",
        &dir,
        "bomb.yaml",
        "bomb.yaml: /x-",
        &["repetition limit"],
    );
    assert!(text.contains("alias bomb"), "{text}");
    let (err, took) = load_err("alias-linear", &dir, "linear.yaml", Duration::from_secs(20));
    let text = refused(
        "alias-linear",
        &err,
        "linear.yaml: /x-b/",
        &["YAML aliases expanded", "BANK_CODEGEN_MAX_NODES"],
    );
    eprintln!("[alias-linear] {took:.2?}: {text}");
    // A bomb in a referenced file is refused as that file is read.
    refuse(
        "alias-bomb-in-part",
        &dir,
        "main.yaml",
        "bomb.yaml: /x-",
        &["repetition limit"],
    );
}

/// A file of `size` bytes starting with `head` (sparse: nothing is written past the head).
fn sized(path: &Path, head: &str, size: u64) {
    put(path, head);
    std::fs::OpenOptions::new()
        .write(true)
        .open(path)
        .expect("open")
        .set_len(size)
        .expect("grow");
}

#[test]
fn oversized_files_are_refused_without_being_read() {
    let dir = folder("huge", &[("main.yaml", &referring("huge-part.yaml"))]);
    sized(&dir.join("huge.yaml"), HEAD, 100 << 20);
    sized(&dir.join("huge-part.yaml"), "type: string\n", 100 << 20);
    let (err, took) = load_err("huge-document", &dir, "huge.yaml", Duration::from_secs(20));
    let text = refused(
        "huge-document",
        &err,
        "huge.yaml",
        &["104857600 bytes", "BANK_CODEGEN_MAX_FILE_BYTES"],
    );
    assert!(took < Duration::from_secs(1), "{took:?}");
    eprintln!("[huge-document-100MB] {took:.2?}: {text}");
    let (err, took) = load_err("huge-part", &dir, "main.yaml", Duration::from_secs(20));
    let text = refused(
        "huge-part",
        &err,
        "main.yaml: /components/schemas/A/$ref",
        &["huge-part.yaml is 104857600 bytes"],
    );
    assert!(took < Duration::from_secs(1), "{took:?}");
    eprintln!("[huge-part-100MB] {took:.2?}: {text}");
    // Text already in memory is held to the same cap.
    let limits = Limits {
        file_bytes: 10,
        ..Limits::DEFAULT
    };
    let err =
        bank_codegen::load::parse_with(Path::new("small.yaml"), HEAD, &limits).expect_err("cap");
    refused(
        "text-over-cap",
        &err,
        "small.yaml",
        &["over the cap of 10 bytes per file"],
    );
}

#[test]
fn the_diff_and_the_generator_read_documents_under_the_same_rules() {
    let dir = folder(
        "diff",
        &[
            ("outside.yaml", "type: string\n"),
            ("doc/main.yaml", &referring("../outside.yaml")),
        ],
    );
    let path = dir.join("doc/main.yaml");
    let text = std::fs::read_to_string(&path).expect("read");
    let err = bank_codegen::diff::prepare(&path, &text).expect_err("diff refuses");
    eprintln!(
        "[diff-dot-dot]: {}",
        refused(
            "diff",
            &err,
            "main.yaml",
            &["outside the document's folder"]
        )
    );

    let dir = folder("generate", &[("outside.yaml", "type: string\n")]);
    let api = support::api(
        &dir,
        "{\"openapi\": \"3.0.3\", \"info\": {\"title\": \"t\", \"version\": \"1\"}, \"paths\": {}, \
         \"components\": {\"schemas\": {\"A\": {\"$ref\": \"../../outside.yaml\"}}}}",
        "Demo",
    );
    let err = bank_codegen::generate_api(&api, &mut bank_codegen::Timings::default())
        .expect_err("generate refuses");
    eprintln!(
        "[generate-dot-dot]: {}",
        refused(
            "generate",
            &err,
            "openapi.json",
            &["outside the document's folder"]
        )
    );
}

#[test]
fn a_split_document_inside_its_folder_still_loads() {
    let dir = folder(
        "fine",
        &[
            ("main.yaml", &referring("real/a.yaml")),
            (
                "real/a.yaml",
                "type: object\nproperties:\n  b: {$ref: '../sub/../b.yaml#/B'}\n",
            ),
            ("b.yaml", "B: {type: integer}\n"),
            ("sub/keep.yaml", "{}\n"),
        ],
    );
    std::os::unix::fs::symlink(dir.join("real/a.yaml"), dir.join("link.yaml")).expect("link");
    put(&dir.join("main-link.yaml"), &referring("link.yaml"));
    for main in ["main.yaml", "main-link.yaml"] {
        let doc = bank_codegen::load::load_with(&dir.join(main), &Limits::DEFAULT).expect(main);
        assert_eq!(
            doc.value["components"]["schemas"]["A"]["properties"]["b"]["type"], "integer",
            "{main}"
        );
    }
    let (_, parts) = bank_codegen::load::parse_bundled(
        &dir.join("main.yaml"),
        &referring("real/a.yaml"),
        &Limits::DEFAULT,
    )
    .expect("parts");
    let relative: Vec<PathBuf> = parts.into_iter().map(|p| p.relative).collect();
    assert_eq!(
        relative,
        [PathBuf::from("b.yaml"), PathBuf::from("real/a.yaml")]
    );
}
