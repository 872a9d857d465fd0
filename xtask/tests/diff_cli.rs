//! `cargo xtask diff` as users run it: exit status 0 / 1 (`--fail-on`) / 2 (bad input), the
//! three formats, an API name with `--rev`.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn xtask(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .expect("xtask runs")
}

fn scratch(name: &str, text: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("xtask-diff-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let path = dir.join(name);
    std::fs::write(&path, text).expect("write");
    path
}

const OLD: &str = "openapi: 3.0.3
info: {title: t, version: '1'}
paths:
  /orders:
    post:
      operationId: createOrder
      requestBody:
        content:
          application/json:
            schema: {type: object, properties: {amount: {type: number}}}
      responses: {'200': {description: OK}}
";

fn s(p: &Path) -> &str {
    p.to_str().expect("UTF-8 path")
}

#[test]
fn fail_on_breaking_exits_1_and_json_lists_the_change() {
    let old = scratch("old.yaml", OLD);
    let new = scratch(
        "new.yaml",
        &OLD.replace(
            "properties: {amount: {type: number}}",
            "required: [currency], properties: {amount: {type: number}, currency: {type: string}}",
        ),
    );
    let plain = xtask(&["diff", s(&old), s(&new)]);
    assert_eq!(
        plain.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&plain.stderr)
    );
    let text = String::from_utf8_lossy(&plain.stdout);
    assert!(
        text.contains("request-property-added-required") && text.contains("POST /orders"),
        "{text}"
    );

    let failing = xtask(&[
        "diff",
        s(&old),
        s(&new),
        "--fail-on",
        "breaking",
        "--format",
        "json",
    ]);
    assert_eq!(failing.status.code(), Some(1));
    let json: serde_json::Value = serde_json::from_slice(&failing.stdout).expect("JSON on stdout");
    assert_eq!(json["changes"][0]["id"], "request-property-added-required");
    assert_eq!(json["summary"]["suggested_bump"], "major");

    let markdown = xtask(&["diff", s(&old), s(&new), "--format", "markdown"]);
    assert!(String::from_utf8_lossy(&markdown.stdout).contains("| breaking |"));

    let same = xtask(&["diff", s(&old), s(&old), "--fail-on", "breaking"]);
    assert_eq!(same.status.code(), Some(0));
}

#[test]
fn bad_input_exits_2_naming_file_and_location() {
    let missing = xtask(&["diff", "no/such/old.yaml", "no/such/new.yaml"]);
    assert_eq!(missing.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("no/such/old.yaml"));

    let old = scratch("valid.yaml", OLD);
    let broken = scratch(
        "broken.yaml",
        "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths:\n  /a: [1, 2\n",
    );
    let out = xtask(&["diff", s(&old), s(&broken)]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("broken.yaml:"), "{err}");

    let unknown = xtask(&["diff", s(&old), s(&old), "--format", "xml"]);
    assert_eq!(unknown.status.code(), Some(2));
}

#[test]
fn an_api_name_diffs_its_committed_document() {
    let out = xtask(&["diff", "globus-cfront", "--rev", "HEAD", "--format", "json"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert!(json["changes"].is_array());
    let spec = Path::new(env!("CARGO_MANIFEST_DIR")).join("../specs/globus-cfront/openapi.yaml");
    let against_itself = xtask(&["diff", "globus-cfront", s(&spec), "--fail-on", "info"]);
    assert_eq!(against_itself.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&against_itself.stdout).contains("no changes"));
}

#[test]
fn harmless_violations_are_read_past_with_a_located_warning() {
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let (old, new) = (
        fixtures.join("diff-no-responses-old.yaml"),
        fixtures.join("diff-no-responses-new.yaml"),
    );
    let out = xtask(&[
        "diff",
        old.to_str().expect("utf-8"),
        new.to_str().expect("utf-8"),
    ]);
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
    );
    assert_eq!(out.status.code(), Some(0), "{stdout}{stderr}");
    assert!(stdout.contains("path-added: path /c added"), "{stdout}");
    assert!(
        stderr.contains("/paths/~1a/get/responses: the operation documents no response"),
        "{stderr}"
    );
    assert!(
        stderr.contains("/paths/~1b~1{id}/get/parameters/0: a path parameter not marked"),
        "{stderr}"
    );
}

#[test]
fn documents_split_over_several_files_are_compared_whole() {
    let multi = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/multi");
    let out = xtask(&[
        "diff",
        multi.join("pets.yaml").to_str().expect("utf-8"),
        multi.join("pets-v2.yaml").to_str().expect("utf-8"),
    ]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    assert!(
        stdout.contains("response 200 body.age added (optional)"),
        "{stdout}"
    );
}
