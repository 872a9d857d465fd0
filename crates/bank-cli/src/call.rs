//! One call: the request built from the operation's table and the arguments, sent through the
//! facade's context (token, signature, retries), the answer as JSON or the bank's error.

use std::io::Read;

use bank_runtime::{BankError, OperationSpec};
use clap::ArgMatches;
use serde_json::{Value, json};

use crate::apis::{self, Target};
use crate::command::{BODY, CONFIG};

/// Why a call did not succeed.
pub enum Failure {
    /// Bad usage or configuration (exit status 2).
    Usage(String),
    /// The bank or the network refused (exit status 1).
    Bank(BankError),
}

impl From<String> for Failure {
    fn from(message: String) -> Self {
        Failure::Usage(message)
    }
}

/// Run the command `matches` describes; the answer, pretty-printed.
pub async fn run(matches: &ArgMatches) -> Result<String, Failure> {
    let (api_name, api_matches) = matches
        .subcommand()
        .ok_or_else(|| "name an API (bank --help)".to_owned())?;
    let api = bank_apis::find(api_name).ok_or_else(|| format!("no API `{api_name}`"))?;
    let (op_name, op_matches) = api_matches
        .subcommand()
        .ok_or_else(|| format!("name an operation (bank {api_name} --help)"))?;
    let op = api
        .spec
        .operation(op_name)
        .ok()
        .filter(|o| !api.spec.is_token_operation(o))
        .ok_or_else(|| format!("{api_name} has no operation `{op_name}`"))?;
    let config = config(matches.get_one::<String>(CONFIG))?;
    let prefix = format!("{}_", banks::env_prefix(api.spec));
    let section = config
        .get(api_name)
        .and_then(toml::Value::as_table)
        .cloned();
    let lookup = move |name: &str| -> Option<String> {
        std::env::var(name).ok().or_else(|| {
            let key = name.strip_prefix(&prefix)?.to_ascii_lowercase();
            match section.as_ref()?.get(&key)? {
                toml::Value::String(s) => Some(s.clone()),
                other => Some(other.to_string()),
            }
        })
    };
    let target = apis::connect(api_name, &lookup)?;
    send(api.spec, op, &target, op_matches).await
}

/// The config file's tables: `--config FILE`, else `BANK_CONFIG`, else none.
fn config(path: Option<&String>) -> Result<toml::Table, String> {
    let Some(path) = path.cloned().or_else(|| std::env::var("BANK_CONFIG").ok()) else {
        return Ok(toml::Table::new());
    };
    refuse_if_shared(&path)?;
    let text = std::fs::read_to_string(&path).map_err(|e| format!("{path}: {e}"))?;
    text.parse::<toml::Table>()
        .map_err(|e| format!("{path}: not TOML: {e}"))
}

/// A config file holds secrets: one that its group or others may read is refused, with the
/// command that fixes it.
#[cfg(unix)]
fn refuse_if_shared(path: &str) -> Result<(), String> {
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(path)
        .map_err(|e| format!("{path}: {e}"))?
        .permissions()
        .mode();
    if mode & 0o077 != 0 {
        return Err(format!(
            "{path} holds credentials but its group or others may read it (mode {:03o}); \
             run `chmod 600 {path}`",
            mode & 0o777
        ));
    }
    Ok(())
}

/// Other systems: permissions are not checked.
#[cfg(not(unix))]
fn refuse_if_shared(_: &str) -> Result<(), String> {
    Ok(())
}

/// The body: from a file, or standard input for `-`; JSON checked before anything is sent.
fn body(source: &str) -> Result<Vec<u8>, String> {
    let trimmed = source.trim_start();
    if trimmed.starts_with('{') || trimmed.starts_with('[') {
        return Err(
            "--body takes a file, or - for standard input: bodies are not read from the command \
             line (they may carry personal data that shells keep in their history)"
                .to_owned(),
        );
    }
    let (name, bytes) = if source == "-" {
        let mut bytes = Vec::new();
        std::io::stdin()
            .read_to_end(&mut bytes)
            .map_err(|e| format!("standard input: {e}"))?;
        ("standard input".to_owned(), bytes)
    } else {
        let bytes = std::fs::read(source).map_err(|e| format!("{source}: {e}"))?;
        (source.to_owned(), bytes)
    };
    serde_json::from_slice::<Value>(&bytes).map_err(|e| format!("{name}: not JSON: {e}"))?;
    Ok(bytes)
}

/// Build, send and read one call.
async fn send(
    spec: &'static bank_runtime::ApiSpec,
    op: &OperationSpec,
    target: &Target,
    matches: &ArgMatches,
) -> Result<String, Failure> {
    let api = spec.name;
    let value = |name: &str| matches.get_one::<String>(name).cloned();
    let mut url = reqwest::Url::parse(&target.base)
        .map_err(|e| format!("{api}: base URL {}: {e}", target.base))?;
    {
        let mut segments = url
            .path_segments_mut()
            .map_err(|()| format!("{api}: base URL {} cannot take a path", target.base))?;
        segments.pop_if_empty();
        for segment in op.path.trim_start_matches('/').split('/') {
            match segment.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
                Some(name) => {
                    let given = value(name).or_else(|| {
                        (spec.client_id_path_parameter == Some(name))
                            .then(|| target.context.client_id().map(str::to_owned))
                            .flatten()
                    });
                    let given = given.ok_or_else(|| format!("{} needs --{name}", op.name))?;
                    segments.push(&given);
                }
                None => {
                    segments.push(segment);
                }
            }
        }
    }
    let query: Vec<(&str, String)> = op
        .parameters
        .iter()
        .filter(|p| p.location == "query")
        .filter_map(|p| value(p.name).map(|v| (p.name, v)))
        .collect();
    let method = reqwest::Method::from_bytes(op.method.as_bytes())
        .map_err(|e| format!("{api}: method {}: {e}", op.method))?;
    let mut request = target
        .http
        .request(method, url)
        .header(reqwest::header::ACCEPT, "application/json");
    if !query.is_empty() {
        request = request.query(&query);
    }
    for p in op.parameters.iter().filter(|p| p.location == "header") {
        if let Some(v) = value(p.name) {
            request = request.header(p.name, v);
        }
    }
    if op.body.is_some()
        && let Some(source) = value(BODY)
    {
        request = request
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .body(body(&source)?);
    }
    let request = request
        .build()
        .map_err(|e| format!("{api}: {}: {e}", op.name))?;
    // The one call path: token, signature, attempts, deadline, refusal and envelope checks.
    let answer = target
        .context
        .call(&target.http, request, op.name)
        .await
        .map_err(Failure::Bank)?;
    // Read untyped, an answer could hide a refusal the document does not place here.
    if let Some(refused) = answer.refusal(target.context.api()) {
        return Err(Failure::Bank(refused));
    }
    let (status, bytes) = (answer.status, answer.body);
    if bytes.is_empty() {
        return Ok(json!({ "status": status }).to_string());
    }
    match serde_json::from_slice::<Value>(&bytes) {
        Ok(value) => Ok(serde_json::to_string_pretty(&value).unwrap_or_default()),
        Err(_) => Ok(String::from_utf8_lossy(&bytes).into_owned()),
    }
}

/// The bank's error as JSON, for standard error.
pub fn error_json(error: &BankError) -> String {
    let value = json!({
        "error": {
            "api": error.api,
            "kind": format!("{:?}", error.kind),
            "status": error.status,
            "code": error.code,
            "message": error.message,
            "request_id": error.request_id,
            "outcome": format!("{:?}", error.outcome()),
            "transient": error.is_transient(),
        }
    });
    serde_json::to_string_pretty(&value).unwrap_or_default()
}
