//! The proof that a fifth bank needs no hand edit: `cargo xtask new` on a public document that is
//! not one of the four (Xero Bank Feeds, from `xtask/corpus/`) in a copy of the workspace, then,
//! with no other edit, the copy's sandbox serves it and its CLI (`bank <api> <op>`, which calls
//! through the facade's generic client) calls every operation: each answer is valid against the
//! bank's published document, the sandbox's resource state links a creation to its read, and a
//! fault steered on one operation is hit. `git status` of the copy lists only the new folders and
//! generated files.

mod common;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdout, Command, Output, Stdio};

use common::{copy_workspace, text, workspace};
use serde_json::{Value, json};

const API: &str = "xero-bankfeeds";

/// The copy's own target directory, shared with the other `new` tests (the outer `cargo test`
/// may hold the workspace's).
fn target_dir() -> PathBuf {
    workspace().join("target/xtask-new-test")
}

fn run(dir: &Path, program: &Path, args: &[&str]) -> Output {
    Command::new(program)
        .args(args)
        .current_dir(dir)
        .env_remove("CARGO_MANIFEST_DIR")
        .env("CARGO_TARGET_DIR", target_dir())
        .output()
        .unwrap_or_else(|e| panic!("{} runs: {e}", program.display()))
}

fn git(dir: &Path, args: &[&str]) -> String {
    let out = Command::new("git")
        .args(["-c", "user.name=test", "-c", "user.email=test@invalid"])
        .args(args)
        .current_dir(dir)
        .output()
        .expect("git runs");
    assert!(out.status.success(), "git {args:?}: {}", text(&out));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The copy's sandbox, stopped when dropped.
struct Sandbox {
    child: Child,
    /// Kept open: the sandbox prints to it.
    _stdout: BufReader<ChildStdout>,
    /// The new API's base URL.
    base_url: String,
    /// The sandbox's root URL and admin token.
    url: String,
    admin_token: String,
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Sandbox {
    /// Steer a 503 on the next call of `operation` (its method name or operationId): the
    /// fault's id.
    fn fault(&self, operation: &str) -> Value {
        let fault = json!({"bank": API, "operation": operation, "status": 503, "times": 1});
        let (status, answer) = post_json(&self.url, "/_sandbox/faults", &self.admin_token, &fault);
        assert_eq!(status, 201, "{answer}");
        serde_json::from_str::<Value>(&answer).expect("JSON")["id"].clone()
    }
}

/// Start the copy's sandbox binary on a free port and read where it serves the new API.
fn start_sandbox(binary: &Path) -> Sandbox {
    let mut child = Command::new(binary)
        .args(["--port", "0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("the sandbox starts");
    let mut stdout = BufReader::new(child.stdout.take().expect("stdout"));
    let (mut url, mut base_url, mut admin_token) = (None, None, None);
    let mut seen = String::new();
    while admin_token.is_none() {
        let mut line = String::new();
        // The sandbox prints these lines once it listens; end of output is a crash.
        let read = stdout
            .read_line(&mut line)
            .expect("read the sandbox's output");
        assert!(read > 0, "the sandbox stopped before it was ready: {seen}");
        seen.push_str(&line);
        if let Some(rest) = line.strip_prefix("bank sandbox on ") {
            url = Some(rest.trim().to_owned());
        } else if let Some(rest) = line.trim().strip_prefix(API) {
            base_url = Some(rest.trim().to_owned());
        } else if let Some(rest) = line.strip_prefix("admin token: ") {
            admin_token = Some(rest.trim().to_owned());
        }
    }
    Sandbox {
        child,
        _stdout: stdout,
        base_url: base_url.unwrap_or_else(|| panic!("the sandbox serves {API}: {seen}")),
        url: url.expect("the sandbox's URL"),
        admin_token: admin_token.expect("an admin token"),
    }
}

/// POST `body` to `path` of the sandbox at `url` with the admin token: the status and the body.
fn post_json(url: &str, path: &str, token: &str, body: &Value) -> (u16, String) {
    admin(url, "POST", path, token, Some(body))
}

/// GET `path` of the sandbox at `url` with the admin token: the status and the body.
fn get_json(url: &str, path: &str, token: &str) -> (u16, String) {
    admin(url, "GET", path, token, None)
}

/// One admin request over one HTTP/1.1 connection (`connection: close`).
fn admin(url: &str, method: &str, path: &str, token: &str, body: Option<&Value>) -> (u16, String) {
    use std::io::{Read, Write};
    let host = url
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .to_owned();
    let mut stream = std::net::TcpStream::connect(&host).expect("connect to the sandbox");
    let body = body.map(Value::to_string).unwrap_or_default();
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nhost: {host}\r\nauthorization: Bearer {token}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    )
    .expect("send");
    let mut answer = String::new();
    stream.read_to_string(&mut answer).expect("read the answer");
    let status = answer
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("an HTTP answer: {answer}"));
    let body = answer
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_owned())
        .unwrap_or_default();
    (status, body)
}

/// One operation of the normalised document, as the CLI names it.
struct Op {
    id: String,
    method: String,
    path: String,
    op: Value,
    /// The path item's parameters and then the operation's.
    parameters: Vec<Value>,
}

fn operations(doc: &Value) -> Vec<Op> {
    let mut out = Vec::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        let shared = item["parameters"].as_array().cloned().unwrap_or_default();
        for (method, op) in item.as_object().expect("path item") {
            if let Some(id) = op.get("operationId").and_then(Value::as_str) {
                let mut parameters = shared.clone();
                parameters.extend(op["parameters"].as_array().cloned().unwrap_or_default());
                out.push(Op {
                    id: id.to_owned(),
                    method: method.to_uppercase(),
                    path: path.clone(),
                    op: op.clone(),
                    parameters,
                });
            }
        }
    }
    out
}

/// The single documented 2xx answer of `op`: its status and schema pointer in the published
/// document.
fn success_schema(published: &Value, op: &Op) -> (String, String) {
    let responses = &published["paths"][&op.path][op.method.to_lowercase()]["responses"];
    let (status, _) = responses
        .as_object()
        .expect("responses")
        .iter()
        .find(|(s, _)| s.starts_with('2'))
        .unwrap_or_else(|| panic!("{} documents a success", op.id));
    let pointer = format!(
        "/paths/{}/{}/responses/{status}/content/application~1json/schema",
        op.path.replace('~', "~0").replace('/', "~1"),
        op.method.to_lowercase()
    );
    (status.clone(), pointer)
}

#[test]
fn a_fifth_bank_is_in_the_sandbox_the_cli_and_the_facade_once_onboarded() {
    let dir = copy_workspace();
    let root = dir.path();
    git(root, &["init", "-q"]);
    git(root, &["add", "-A"]);
    git(root, &["commit", "-qm", "the workspace as it is"]);

    // Onboarding: one command.
    let document = workspace().join("xtask/corpus/xero-bankfeeds.yaml");
    let new = run(
        root,
        Path::new(env!("CARGO_BIN_EXE_xtask")),
        &[
            "new",
            API,
            &document.display().to_string(),
            "--title",
            "Xero Bank Feeds",
        ],
    );
    assert!(new.status.success(), "{}", text(&new));

    // What changed: the new folders, and files that say they are generated.
    let status = git(root, &["status", "--porcelain", "--untracked-files=all"]);
    let mut generated = Vec::new();
    for line in status.lines() {
        let path = line[3..].trim_matches('"');
        if path.starts_with(&format!("specs/{API}/")) || path.starts_with(&format!("crates/{API}/"))
        {
            continue;
        }
        if path == "Cargo.lock" {
            // cargo's own record of the new crate.
            generated.push(path.to_owned());
            continue;
        }
        let content = std::fs::read_to_string(root.join(path)).unwrap_or_default();
        let first = content.lines().next().unwrap_or_default();
        assert!(
            first.contains("@generated"),
            "`new` changed {path}, which is not generated: a person would have to edit it\n{status}"
        );
        generated.push(path.to_owned());
    }
    assert!(
        generated.iter().any(|p| p.starts_with("crates/bank-apis/")),
        "the registry lists the new API: {status}"
    );
    println!(
        "git status after `new`:\n{status}\n{}",
        git(root, &["diff", "--stat"])
    );

    // The copy's sandbox and CLI, built as they are.
    let build = run(
        root,
        Path::new(env!("CARGO")),
        &["build", "-p", "bank-sandbox", "-p", "bank-cli", "--bins"],
    );
    assert!(build.status.success(), "{}", text(&build));
    let bin = target_dir().join("debug");
    let sandbox = start_sandbox(&bin.join("bank-sandbox"));

    let published: Value = serde_json::from_str(
        &std::fs::read_to_string(root.join(format!("crates/{API}/published.json")))
            .expect("published.json"),
    )
    .expect("published JSON");
    let normalised: Value = serde_json::from_str(
        &std::fs::read_to_string(root.join(format!("crates/{API}/openapi.json")))
            .expect("openapi.json"),
    )
    .expect("normalised JSON");
    let scratch = tempfile::tempdir().expect("scratch");
    let prefix = API.to_uppercase().replace('-', "_");
    let cli = |args: &[String]| -> Output {
        Command::new(bin.join("bank"))
            .args(args)
            .env(format!("{prefix}_ENVIRONMENT"), &sandbox.base_url)
            .env(format!("{prefix}_TOKEN"), "sandbox-token")
            .output()
            .expect("the CLI runs")
    };
    // The CLI lists the API and its operations.
    let help = cli(&[API.to_owned(), "--help".to_owned()]);
    let ops = operations(&normalised);
    assert!(ops.len() >= 7, "{} operations", ops.len());
    for op in &ops {
        assert!(
            text(&help).contains(&bank_codegen::naming::method_name(&op.id)),
            "{}: {}",
            op.id,
            text(&help)
        );
    }

    // Every operation, creations first so that reads find what they made.
    let mut ordered: Vec<&Op> = ops.iter().filter(|o| o.method == "POST").collect();
    ordered.extend(ops.iter().filter(|o| o.method != "POST"));
    let mut created: std::collections::BTreeMap<String, String> = Default::default();
    for op in ordered {
        let mut args = vec![API.to_owned(), bank_codegen::naming::method_name(&op.id)];
        for parameter in &op.parameters {
            let parameter = bank_openapi::refs::deref(&normalised, parameter);
            if parameter["required"] != json!(true) {
                continue;
            }
            let name = parameter["name"].as_str().expect("name");
            let value = match parameter["in"].as_str() {
                // An id this run created under the collection, or one the document shows.
                Some("path") => created
                    .iter()
                    .find(|(collection, _)| op.path.starts_with(collection.as_str()))
                    .map(|(_, id)| id.clone())
                    .unwrap_or_else(|| "00000000-0000-0000-0000-000000000001".to_owned()),
                _ => match bank_openapi::sample::value(&normalised, &parameter["schema"]) {
                    Value::String(s) => s,
                    other => other.to_string(),
                },
            };
            args.push(format!("--{name}"));
            args.push(value);
        }
        if let Some(body) = op.op.get("requestBody") {
            let body = bank_openapi::refs::deref(&normalised, body);
            let schema = &body["content"]["application/json"]["schema"];
            let value = bank_openapi::sample::value(&normalised, schema);
            let file = scratch.path().join(format!("{}.json", op.id));
            std::fs::write(&file, value.to_string()).expect("body file");
            args.push("--body".to_owned());
            args.push(file.display().to_string());
        }
        let out = cli(&args);
        assert!(
            out.status.success(),
            "bank {}: {}",
            args.join(" "),
            text(&out)
        );
        let answer: Value = serde_json::from_slice(&out.stdout)
            .unwrap_or_else(|e| panic!("{}: the CLI prints JSON ({e}): {}", op.id, text(&out)));
        let (status, pointer) = success_schema(&published, op);
        let violations = bank_openapi::validate::validate_at(&published, &pointer, &answer);
        assert!(
            violations.is_empty(),
            "{} ({status}) breaks the published document: {violations:?}\n{answer}",
            op.id
        );
        if op.method == "POST" {
            let id = answer
                .get("id")
                .or_else(|| answer.pointer("/items/0/id"))
                .and_then(Value::as_str);
            if let Some(id) = id {
                created.insert(format!("{}/", op.path), id.to_owned());
            }
        }
    }

    // A fault steered on one operation is hit by the next call of it, and only by it: a
    // creation (a POST: never repeated by the client) answered 503 once.
    let args = [
        API.to_owned(),
        "create_statements".to_owned(),
        "--xero-tenant-id".to_owned(),
        TENANT.to_owned(),
        "--body".to_owned(),
        scratch
            .path()
            .join("createStatements.json")
            .display()
            .to_string(),
    ];
    sandbox.fault("create_statements");
    let faulted = cli(&args);
    assert_eq!(faulted.status.code(), Some(1), "{}", text(&faulted));
    assert!(text(&faulted).contains("503"), "{}", text(&faulted));
    let again = cli(&args);
    assert!(again.status.success(), "once: {}", text(&again));

    // A service of the team's own, outside the workspace: the facade's generic client over the
    // new crate, typed, `.bank()` on every operation; a read the sandbox fails once (503) is
    // retried by the runtime, and the fault's record shows it was hit.
    let fault_id = sandbox.fault("getStatements");
    let service = scratch.path().join("service");
    std::fs::create_dir_all(service.join("src")).expect("service dir");
    let crates = root.join("crates");
    std::fs::write(
        service.join("Cargo.toml"),
        format!(
            "[package]\nname = \"fifth-service\"\nversion = \"0.1.0\"\nedition = \"2024\"\npublish = false\n\n[workspace]\n\n[dependencies]\nbanks = {{ path = {banks:?} }}\n{API} = {{ path = {api:?} }}\nserde_json = \"1\"\nuuid = \"1\"\ntokio = {{ version = \"1\", features = [\"macros\", \"rt\"] }}\n",
            banks = crates.join("banks").display().to_string(),
            api = crates.join(API).display().to_string(),
        ),
    )
    .expect("manifest");
    std::fs::write(service.join("src/main.rs"), SERVICE).expect("main.rs");
    std::fs::copy(root.join("Cargo.lock"), service.join("Cargo.lock")).expect("the copy's lock");
    let ran = Command::new(env!("CARGO"))
        .args(["run", "--offline", "--quiet", "--"])
        .arg(&sandbox.base_url)
        .arg(scratch.path())
        .current_dir(&service)
        .env_remove("CARGO_MANIFEST_DIR")
        .env("CARGO_TARGET_DIR", target_dir())
        .output()
        .expect("cargo runs");
    assert!(ran.status.success(), "{}", text(&ran));
    assert!(
        String::from_utf8_lossy(&ran.stdout).contains("every operation answered: 7"),
        "{}",
        text(&ran)
    );
    let (status, answer) = get_json(
        &sandbox.url,
        &format!("/_sandbox/faults/{fault_id}"),
        &sandbox.admin_token,
    );
    assert_eq!(status, 200, "{answer}");
    let record: Value = serde_json::from_str(&answer).expect("JSON");
    assert_eq!(record["hits"], 1, "{record}");
}

/// A Xero tenant id (a UUID, as the document's `xero-tenant-id` header takes).
const TENANT: &str = "00000000-0000-0000-0000-0000000000aa";

/// The service: every operation of the new API through `banks::Generic`, typed, its bodies the
/// ones the CLI sent (files under the folder given).
const SERVICE: &str = r#"
use banks::{Environment, Generic, generic::Credentials};
use xero_bankfeeds::types;

const TENANT: &str = "00000000-0000-0000-0000-0000000000aa";

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let base = args.next().ok_or("the base URL")?;
    let bodies = std::path::PathBuf::from(args.next().ok_or("the bodies' folder")?);
    let body = |name: &str| -> Result<serde_json::Value, Box<dyn std::error::Error>> {
        Ok(serde_json::from_str(&std::fs::read_to_string(bodies.join(name))?)?)
    };
    let client = Generic::<xero_bankfeeds::Client>::builder()
        .credentials(Credentials::bearer("sandbox-token"))
        .environment(Environment::Custom(base))
        .build()?;
    let fallback = uuid::Uuid::from_u128(1);
    let feeds: types::FeedConnections = serde_json::from_value(body("createFeedConnections.json")?)?;
    let created = client.create_feed_connections().xero_tenant_id(TENANT).body(feeds).bank().await?;
    let feed = created.items.first().and_then(|f| f.id).unwrap_or(fallback);
    client.get_feed_connection().id(feed).xero_tenant_id(TENANT).bank().await?;
    client.get_feed_connections().xero_tenant_id(TENANT).bank().await?;
    let statements: types::Statements = serde_json::from_value(body("createStatements.json")?)?;
    let made = client.create_statements().xero_tenant_id(TENANT).body(statements).bank().await?;
    let statement = made.items.first().and_then(|s| s.id).unwrap_or(fallback);
    client.get_statement().statement_id(statement).xero_tenant_id(TENANT).bank().await?;
    // The sandbox answers this one 503 first: a read, retried.
    client.get_statements().xero_tenant_id(TENANT).bank().await?;
    let gone: types::FeedConnections = serde_json::from_value(body("deleteFeedConnections.json")?)?;
    client.delete_feed_connections().xero_tenant_id(TENANT).body(gone).bank().await?;
    println!("every operation answered: 7");
    Ok(())
}

"#;
