//! `specs/<api>/api.toml`: which document, which fixes, and the normalisation policy of one API.

use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::error::{Error, Result};

/// One API as declared in `specs/<api>/api.toml`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApiConfig {
    /// What the API is.
    pub api: ApiSection,
    /// How the converted document is normalised before generation.
    #[serde(default)]
    pub normalise: Policy,
}

/// `[api]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApiSection {
    /// Human title, e.g. `BCC Smart Online Broker`.
    pub title: String,
    /// The bank's document (or our hand-written one), relative to the API folder.
    pub document: String,
    /// The Overlay 1.0 file of declared fixes, relative to the API folder.
    #[serde(default)]
    pub fixes: Option<String>,
    /// Where the document comes from, one line (goes into the generated crate docs).
    pub source: String,
    /// The generated crate's version, without build metadata: `cargo xtask update` bumps it by
    /// what the bank's update breaks; the generated `Cargo.toml` adds the document's
    /// `info.version` as build metadata (`0.2.0+1.3.0`).
    #[serde(default = "first_version")]
    pub version: String,
    /// The document is `source.txt` with only its layout restored (line breaks, indentation):
    /// whitespace-collapsed, the two are equal (bcc-broker). `cargo xtask update` then requires
    /// the bank's material (`--source`) and checks the restored document against it.
    #[serde(default, rename = "layout-restored")]
    pub layout_restored: bool,
}

fn first_version() -> String {
    "0.1.0".to_owned()
}

/// `[normalise]`: the per-API policy.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Policy {
    /// Every `type: number` in a body schema becomes `bank_runtime::Decimal` (exact, JSON number).
    #[serde(default = "yes")]
    pub exact_numbers: bool,
    /// `additionalProperties: false` / `true` removed from schemas the bank sends us, so that a new
    /// field does not fail deployed clients (and no flatten map buffers the body).
    #[serde(default = "yes")]
    pub open_responses: bool,
    /// String enums keep unknown values (`Unknown(String)`) instead of failing to deserialise.
    #[serde(default = "yes")]
    pub tolerant_enums: bool,
    /// Number or boolean `example`s on `type: string` schemas are written as strings (the bank's
    /// Swagger pages show `123` where the wire carries `"123"`).
    #[serde(default = "yes")]
    pub stringify_examples: bool,
    /// Keep the documented schemas of error responses (4xx, 5xx, `default`) in the generated view.
    /// Off: error answers reach the runtime whole (status, headers, raw body), so an empty 401 or
    /// an HTML 502 page is reported with its status instead of as a body that failed to decode.
    #[serde(default)]
    pub typed_errors: bool,
    /// A path parameter the bank defines as the client id (BCC FinancialAPI: `/{appid}/…`,
    /// «Уникальный идентификатор приложения (ClientId)»), recorded as
    /// `x-client-id-path-parameter`: every generated builder with it starts with the client's id
    /// already set (a call may still set another), so no call has to repeat it.
    #[serde(default)]
    pub client_id_path_parameter: Option<String>,
}

fn yes() -> bool {
    true
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            exact_numbers: true,
            open_responses: true,
            tolerant_enums: true,
            stringify_examples: true,
            typed_errors: false,
            client_id_path_parameter: None,
        }
    }
}

/// An API found under `specs/`.
#[derive(Debug, Clone)]
pub struct Api {
    /// Folder name under `specs/`; also the crate folder and package name under `crates/`.
    pub name: String,
    /// `specs/<name>/`.
    pub dir: PathBuf,
    /// The parsed `api.toml`.
    pub config: ApiConfig,
}

impl Api {
    /// Path of the document.
    pub fn document_path(&self) -> PathBuf {
        self.dir.join(&self.config.api.document)
    }

    /// Path of the fixes, when declared.
    pub fn fixes_path(&self) -> Option<PathBuf> {
        self.config.api.fixes.as_ref().map(|f| self.dir.join(f))
    }

    /// The Rust crate name (`bcc-broker` → `bcc_broker`).
    pub fn crate_ident(&self) -> String {
        self.name.replace('-', "_")
    }
}

/// Every API folder under `specs_dir` that has an `api.toml`, sorted by name.
pub fn discover(specs_dir: &Path) -> Result<Vec<Api>> {
    let entries = std::fs::read_dir(specs_dir).map_err(|e| Error::io(specs_dir, "read", e))?;
    let mut apis = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|e| Error::io(specs_dir, "read", e))?;
        let toml_path = entry.path().join("api.toml");
        if !toml_path.is_file() {
            continue;
        }
        let text =
            std::fs::read_to_string(&toml_path).map_err(|e| Error::io(&toml_path, "read", e))?;
        let config: ApiConfig = toml::from_str(&text).map_err(|e| {
            let (line, column) = e.span().map(|s| line_col(&text, s.start)).unwrap_or((0, 0));
            Error::Syntax {
                path: toml_path.clone(),
                format: "TOML",
                line,
                column,
                message: e.message().to_owned(),
            }
        })?;
        apis.push(Api {
            name: entry.file_name().to_string_lossy().into_owned(),
            dir: entry.path(),
            config,
        });
    }
    apis.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(apis)
}

fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}
