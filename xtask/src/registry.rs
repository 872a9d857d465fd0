//! `cargo xtask registry <dir>`: the published crates as a Cargo registry in a folder — an
//! index (a git repository in Cargo's index format) and the `.crate` files — the way a team's
//! private registry holds them.
//!
//! Every published crate (a crate with a `CHANGELOG.md`, [`published_crates`]) is packaged
//! together by `cargo package`, verification on, from a staged copy of the workspace whose
//! manifests name the registry (the repository's own manifests name none, so that depending
//! by git tag needs no registry configured). Each crate's index entry is read from the
//! manifest Cargo normalised into its package; a version already in the registry with other
//! contents is refused, as every registry refuses it. Nothing is written unless everything
//! packaged.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

use serde_json::{Value, json};
use sha2::{Digest, Sha256};

/// `cargo xtask registry --help`.
pub const USAGE: &str = "\
usage: cargo xtask registry <dir> [--name NAME] [--offline]
  <dir>       the registry's folder: index/ (a git repository in Cargo's index format) and
              crates/ (the .crate files); made when missing, added to when it holds releases
  --name      the registry's name in the packaged manifests (default bank-clients): a service
              names it in .cargo/config.toml as [registries.NAME] index = \"file://<dir>/index\"
              and depends with banks = { version = \"0.1\", registry = \"NAME\" }
  --offline   package without the network (every dependency already downloaded)
Every published crate (each with a CHANGELOG.md) is packaged together, verification on, from a
staged copy of the workspace (under the target directory) whose manifests name the registry.
A version already in the registry with other contents is refused: bump it.
exit status: 0 done, 2 refused (nothing written)";

/// The default name of the registry in the packaged manifests.
const DEFAULT_NAME: &str = "bank-clients";
/// Where dependencies from crates.io point in a registry's index.
const CRATES_IO_INDEX: &str = "https://github.com/rust-lang/crates.io-index";

/// A crate the workspace publishes.
#[derive(Debug, Clone)]
pub struct Published {
    /// Its package name.
    pub name: String,
    /// Its version.
    pub version: String,
    /// Its folder under `crates/`.
    pub dir: PathBuf,
}

/// Every published crate: a folder of `crates/` with a `CHANGELOG.md`, in folder order.
pub fn published_crates(root: &Path) -> Result<Vec<Published>, String> {
    let entries = std::fs::read_dir(root.join("crates"))
        .map_err(|e| format!("{}: {e}", root.join("crates").display()))?;
    let mut dirs: Vec<PathBuf> = entries.filter_map(|e| e.ok()).map(|e| e.path()).collect();
    dirs.sort();
    let mut out = Vec::new();
    for dir in dirs {
        if !dir.join("CHANGELOG.md").exists() {
            continue;
        }
        let manifest_path = dir.join("Cargo.toml");
        let manifest = std::fs::read_to_string(&manifest_path)
            .map_err(|e| format!("{}: {e}", manifest_path.display()))?;
        let field = |key| {
            crate::update::manifest_field(&manifest, key)
                .ok_or_else(|| format!("{}: no `{key} = \"…\"`", manifest_path.display()))
        };
        out.push(Published {
            name: field("name")?,
            version: field("version")?,
            dir,
        });
    }
    Ok(out)
}

/// Run `registry` with its arguments (after the command name).
pub fn run(root: &Path, args: &[String]) -> ExitCode {
    crate::all_or_nothing(registry(root, args))
}

fn registry(root: &Path, args: &[String]) -> Result<(), String> {
    let (mut dir, mut name, mut offline) = (None, DEFAULT_NAME.to_owned(), false);
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--name" => {
                name = it
                    .next()
                    .ok_or(format!("--name needs a value\n{USAGE}"))?
                    .clone()
            }
            "--offline" => offline = true,
            flag if flag.starts_with("--") => {
                return Err(format!("unknown option {flag}\n{USAGE}"));
            }
            _ if dir.is_none() => dir = Some(PathBuf::from(arg)),
            _ => return Err(USAGE.to_owned()),
        }
    }
    let dir = dir.ok_or_else(|| USAGE.to_owned())?;
    if name.is_empty()
        || !name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        return Err(format!(
            "--name `{name}`: a registry name is ASCII letters, digits, `-` and `_`"
        ));
    }
    std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let dir = dir
        .canonicalize()
        .map_err(|e| format!("{}: {e}", dir.display()))?;
    let index_url = file_url(&dir.join("index"));
    let dl = format!(
        "{}/{{crate}}-{{version}}.crate",
        file_url(&dir.join("crates"))
    );

    let published = published_crates(root)?;
    if published.is_empty() {
        return Err(format!(
            "no crate under {}/crates has a CHANGELOG.md",
            root.display()
        ));
    }
    let target = target_dir(root);
    let stage = target.join("registry-stage");
    stage_workspace(root, &stage, &published, &name, &index_url)?;
    let index = Index::open(&dir.join("index"), &dl)?;
    package(&stage, &target, &published, &name, offline)?;

    // Everything is checked before anything is written.
    let mut plan = Vec::new();
    for krate in &published {
        let file = target
            .join("package")
            .join(format!("{}-{}.crate", krate.name, krate.version));
        let bytes = std::fs::read(&file).map_err(|e| format!("{}: {e}", file.display()))?;
        let cksum = hex(&Sha256::digest(&bytes));
        let normalised = target
            .join("package")
            .join(format!("{}-{}", krate.name, krate.version))
            .join("Cargo.toml");
        let entry = index_entry(&normalised, &cksum, &index_url)?;
        let state = index.state(&krate.name, &krate.version, &cksum)?;
        plan.push((krate, bytes, entry, state));
    }
    let crates_dir = dir.join("crates");
    std::fs::create_dir_all(&crates_dir).map_err(|e| format!("{}: {e}", crates_dir.display()))?;
    let mut added = Vec::new();
    for (krate, bytes, entry, state) in &plan {
        let shown = format!("{} {}", krate.name, krate.version);
        match state {
            State::Present => println!("{shown:<36} already in the registry (same contents)"),
            State::New => {
                let file = crates_dir.join(format!("{}-{}.crate", krate.name, krate.version));
                write_atomically(&file, bytes)?;
                index.append(&krate.name, entry)?;
                println!("{shown:<36} added ({} bytes)", bytes.len());
                added.push(shown);
            }
        }
    }
    if !added.is_empty() {
        index.commit(&format!("Add {}", added.join(", ")))?;
    }
    println!(
        "\nregistry `{name}` in {}\n\na service's .cargo/config.toml:\n  [registries.{name}]\n  index = \"{index_url}\"\n\
         and its Cargo.toml:\n  banks = {{ version = \"0.1\", registry = \"{name}\" }}",
        dir.display()
    );
    Ok(())
}

/// The target directory Cargo builds in: `CARGO_TARGET_DIR` or the workspace's `target/`.
fn target_dir(root: &Path) -> PathBuf {
    match std::env::var_os("CARGO_TARGET_DIR") {
        Some(dir) if Path::new(&dir).is_absolute() => PathBuf::from(dir),
        Some(dir) => root.join(dir),
        None => root.join("target"),
    }
}

/// A copy of the workspace's files (those git tracks or would track) in `stage`, whose
/// manifests publish to `name`: the root's `publish = false` becomes `publish = ["name"]`, the
/// crates that do not publish say `publish = false`, and every versioned path dependency of a
/// published crate names the registry (`registry = "name"`), as Cargo requires of a crate
/// published anywhere but crates.io.
fn stage_workspace(
    root: &Path,
    stage: &Path,
    published: &[Published],
    name: &str,
    index_url: &str,
) -> Result<(), String> {
    let listed = Command::new("git")
        .current_dir(root)
        .args([
            "ls-files",
            "-z",
            "--cached",
            "--others",
            "--exclude-standard",
        ])
        .output()
        .map_err(|e| format!("git ls-files: {e} (the registry is made from a git checkout)"))?;
    if !listed.status.success() {
        return Err(format!(
            "git ls-files in {}: {}",
            root.display(),
            String::from_utf8_lossy(&listed.stderr).trim()
        ));
    }
    if stage.exists() {
        std::fs::remove_dir_all(stage).map_err(|e| format!("{}: {e}", stage.display()))?;
    }
    for file in listed.stdout.split(|b| *b == 0).filter(|f| !f.is_empty()) {
        let relative = Path::new(std::str::from_utf8(file).map_err(|_| {
            format!(
                "a file name git lists is not UTF-8: {}",
                String::from_utf8_lossy(file)
            )
        })?);
        let from = root.join(relative);
        if !from.is_file() {
            continue; // deleted in the working tree
        }
        let to = stage.join(relative);
        if let Some(parent) = to.parent() {
            std::fs::create_dir_all(parent).map_err(|e| format!("{}: {e}", parent.display()))?;
        }
        std::fs::copy(&from, &to).map_err(|e| format!("{}: {e}", from.display()))?;
    }

    let root_manifest = stage.join("Cargo.toml");
    let text = read(&root_manifest)?;
    if !text.lines().any(|l| l.trim() == "publish = false") {
        return Err(
            "Cargo.toml: [workspace.package] has no `publish = false` to turn into the registry"
                .into(),
        );
    }
    let text = text
        .lines()
        .map(|l| {
            if l.trim() == "publish = false" {
                format!("publish = [\"{name}\"]")
            } else {
                l.to_owned()
            }
        })
        .collect::<Vec<_>>()
        .join("\n");
    write(&root_manifest, &(text + "\n"))?;

    let manifests = members(stage)?;
    for manifest in manifests {
        let relative = manifest
            .strip_prefix(stage)
            .map_err(|_| format!("{} is outside the stage", manifest.display()))?;
        let publishes = published
            .iter()
            .any(|p| root.join(relative).parent() == Some(p.dir.as_path()));
        let text = read(&manifest)?;
        let mut out = String::new();
        for line in text.lines() {
            let trimmed = line.trim_start();
            let line = if trimmed == "publish.workspace = true" && !publishes {
                "publish = false".to_owned()
            } else if publishes && line.contains("path = \"") && line.contains("version = \"") {
                let Some((key, table)) = line.split_once("= {") else {
                    return Err(format!(
                        "{}: a path dependency not written `name = {{ path = …, version = … }}`: {line}",
                        relative.display()
                    ));
                };
                format!("{key}= {{ registry = \"{name}\",{table}")
            } else {
                line.to_owned()
            };
            out.push_str(&line);
            out.push('\n');
        }
        write(&manifest, &out)?;
    }

    let config = stage.join(".cargo/config.toml");
    let mut text = if config.exists() {
        read(&config)?
    } else {
        String::new()
    };
    text.push_str(&format!("\n[registries.{name}]\nindex = \"{index_url}\"\n"));
    std::fs::create_dir_all(stage.join(".cargo")).map_err(|e| format!("{e}"))?;
    write(&config, &text)
}

/// Every member manifest under the stage (not the root's).
fn members(stage: &Path) -> Result<Vec<PathBuf>, String> {
    let mut out = Vec::new();
    let mut dirs = vec![stage.to_path_buf()];
    while let Some(dir) = dirs.pop() {
        let entries = std::fs::read_dir(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        for entry in entries.filter_map(|e| e.ok()) {
            let path = entry.path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.file_name().is_some_and(|n| n == "Cargo.toml") && dir != stage {
                out.push(path);
            }
        }
    }
    out.sort();
    Ok(out)
}

/// `cargo package` of every published crate together, verified, for the registry.
fn package(
    stage: &Path,
    target: &Path,
    published: &[Published],
    name: &str,
    offline: bool,
) -> Result<(), String> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut command = Command::new(cargo);
    command
        .current_dir(stage)
        .env("CARGO_TARGET_DIR", target)
        .args(["package", "--registry", name, "--allow-dirty", "--locked"]);
    if offline {
        command.arg("--offline");
    }
    for krate in published {
        command.args(["-p", &krate.name]);
    }
    println!(
        "packaging {} crates (verified) in {}",
        published.len(),
        stage.display()
    );
    let status = command
        .status()
        .map_err(|e| format!("cargo package: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!(
            "cargo package failed ({status}); see its output above"
        ))
    }
}

/// One line of the index: the crate's entry as Cargo reads it, from the manifest Cargo
/// normalised into the package (`<target>/package/<name>-<version>/Cargo.toml`).
fn index_entry(normalised: &Path, cksum: &str, index_url: &str) -> Result<Value, String> {
    let text = read(normalised)?;
    let manifest: toml::Table =
        toml::from_str(&text).map_err(|e| format!("{}: {e}", normalised.display()))?;
    let at = |what: &str| format!("{}: {what}", normalised.display());
    let package = manifest
        .get("package")
        .and_then(|p| p.as_table())
        .ok_or_else(|| at("no [package]"))?;
    let string = |key: &str| package.get(key).and_then(|v| v.as_str()).map(str::to_owned);
    let name = string("name").ok_or_else(|| at("no package.name"))?;
    let version = string("version").ok_or_else(|| at("no package.version"))?;

    let mut deps = Vec::new();
    let mut sections: Vec<(Option<String>, &toml::Table)> = vec![(None, &manifest)];
    if let Some(targets) = manifest.get("target").and_then(|t| t.as_table()) {
        for (cfg, table) in targets {
            let table = table
                .as_table()
                .ok_or_else(|| at(&format!("target.{cfg} is not a table")))?;
            sections.push((Some(cfg.clone()), table));
        }
    }
    for (cfg, section) in sections {
        for (key, kind) in [
            ("dependencies", "normal"),
            ("dev-dependencies", "dev"),
            ("build-dependencies", "build"),
        ] {
            let Some(table) = section.get(key).and_then(|t| t.as_table()) else {
                continue;
            };
            for (dep_name, spec) in table {
                deps.push(
                    dependency(dep_name, spec, kind, cfg.as_deref(), index_url)
                        .map_err(|e| at(&format!("{key}.{dep_name}: {e}")))?,
                );
            }
        }
    }
    deps.sort_by(|a, b| a["name"].as_str().cmp(&b["name"].as_str()));

    // Features in the newer syntax (`dep:`, `name?/feature`) go in `features2`, as crates.io
    // writes them, so that older Cargo versions skip rather than misread them.
    let (mut features, mut features2) = (BTreeMap::new(), BTreeMap::new());
    if let Some(table) = manifest.get("features").and_then(|f| f.as_table()) {
        for (feature, enables) in table {
            let enables: Vec<String> = enables
                .as_array()
                .ok_or_else(|| at(&format!("features.{feature} is not a list")))?
                .iter()
                .map(|v| {
                    v.as_str()
                        .map(str::to_owned)
                        .ok_or_else(|| at("a feature not a string"))
                })
                .collect::<Result<_, _>>()?;
            if enables
                .iter()
                .any(|e| e.starts_with("dep:") || e.contains("?/"))
            {
                features2.insert(feature.clone(), enables);
            } else {
                features.insert(feature.clone(), enables);
            }
        }
    }
    let mut entry = json!({
        "name": name,
        "vers": version,
        "deps": deps,
        "cksum": cksum,
        "features": features,
        "yanked": false,
        "links": string("links"),
        "rust_version": string("rust-version"),
    });
    if !features2.is_empty() {
        entry["features2"] = json!(features2);
        entry["v"] = json!(2);
    }
    Ok(entry)
}

/// One dependency of an index entry.
fn dependency(
    name: &str,
    spec: &toml::Value,
    kind: &str,
    target: Option<&str>,
    index_url: &str,
) -> Result<Value, String> {
    let empty = toml::Table::new();
    let (req, table) = match spec {
        toml::Value::String(req) => (req.clone(), &empty),
        toml::Value::Table(table) => (
            table
                .get("version")
                .and_then(|v| v.as_str())
                .ok_or("no version (a registry cannot hold a path or git dependency)")?
                .to_owned(),
            table,
        ),
        _ => return Err("neither a version nor a table".into()),
    };
    let flag =
        |key: &str, default: bool| table.get(key).and_then(|v| v.as_bool()).unwrap_or(default);
    let features: Vec<&str> = table
        .get("features")
        .and_then(|f| f.as_array())
        .map(|a| a.iter().filter_map(|v| v.as_str()).collect())
        .unwrap_or_default();
    // The same registry is written as none; anything else by its index.
    let registry = match table.get("registry-index").and_then(|v| v.as_str()) {
        Some(url) if url == index_url => Value::Null,
        Some(url) => json!(url),
        None => json!(CRATES_IO_INDEX),
    };
    Ok(json!({
        "name": name,
        "req": req,
        "features": features,
        "optional": flag("optional", false),
        "default_features": flag("default-features", true),
        "target": target,
        "kind": kind,
        "registry": registry,
        "package": table.get("package").and_then(|v| v.as_str()),
    }))
}

/// Whether a crate version is new to the registry or already there with the same contents.
enum State {
    New,
    Present,
}

/// The registry's index: a git repository of one file per crate, a JSON line per version.
struct Index {
    dir: PathBuf,
}

impl Index {
    /// The index at `dir`, made (with its `config.json` naming where `.crate` files are
    /// downloaded from) when missing.
    fn open(dir: &Path, dl: &str) -> Result<Index, String> {
        let config = dir.join("config.json");
        let wanted = serde_json::to_string_pretty(&json!({ "dl": dl })).expect("JSON") + "\n";
        if config.exists() {
            let found: Value = serde_json::from_str(&read(&config)?)
                .map_err(|e| format!("{}: {e}", config.display()))?;
            if found["dl"] != json!(dl) {
                return Err(format!(
                    "{}: downloads from {} , not {dl}: a registry made elsewhere",
                    config.display(),
                    found["dl"]
                ));
            }
            return Ok(Index {
                dir: dir.to_path_buf(),
            });
        }
        std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        let index = Index {
            dir: dir.to_path_buf(),
        };
        index.git(&["init", "--quiet"])?;
        write(&config, &wanted)?;
        index.commit("A registry of the bank clients")?;
        Ok(index)
    }

    /// The index file of crate `name`, where Cargo looks for it.
    fn file(&self, name: &str) -> PathBuf {
        let lower = name.to_lowercase();
        let prefix = match lower.len() {
            1 => "1".to_owned(),
            2 => "2".to_owned(),
            3 => format!("3/{}", &lower[..1]),
            _ => format!("{}/{}", &lower[..2], &lower[2..4]),
        };
        self.dir.join(prefix).join(lower)
    }

    /// Whether `name` `version` is new, the same, or (an error) there with other contents.
    fn state(&self, name: &str, version: &str, cksum: &str) -> Result<State, String> {
        let file = self.file(name);
        if !file.exists() {
            return Ok(State::New);
        }
        for line in read(&file)?.lines().filter(|l| !l.trim().is_empty()) {
            let entry: Value =
                serde_json::from_str(line).map_err(|e| format!("{}: {e}", file.display()))?;
            if entry["vers"] == json!(version) {
                return if entry["cksum"] == json!(cksum) {
                    Ok(State::Present)
                } else {
                    Err(format!(
                        "{name} {version} is in the registry with other contents (checksum {} , \
                         now {cksum}): a registry never replaces a version; bump it \
                         (`cargo xtask update` or the crate's Cargo.toml and CHANGELOG.md)",
                        entry["cksum"]
                    ))
                };
            }
        }
        Ok(State::New)
    }

    /// Adds a version's line to its crate's file.
    fn append(&self, name: &str, entry: &Value) -> Result<(), String> {
        let file = self.file(name);
        let mut text = if file.exists() {
            read(&file)?
        } else {
            String::new()
        };
        text.push_str(&serde_json::to_string(entry).expect("JSON"));
        text.push('\n');
        if let Some(parent) = file.parent() {
            std::fs::create_dir_all(parent).map_err(|e| format!("{}: {e}", parent.display()))?;
        }
        write_atomically(&file, text.as_bytes())
    }

    /// Commits the index (Cargo reads a git index at its last commit).
    fn commit(&self, message: &str) -> Result<(), String> {
        self.git(&["add", "--all"])?;
        self.git(&[
            "-c",
            "user.name=cargo xtask registry",
            "-c",
            "user.email=xtask@localhost",
            "-c",
            "commit.gpgsign=false",
            "commit",
            "--quiet",
            "--message",
            message,
        ])
    }

    fn git(&self, args: &[&str]) -> Result<(), String> {
        let output = Command::new("git")
            .current_dir(&self.dir)
            .args(args)
            .output()
            .map_err(|e| format!("git {}: {e}", args.join(" ")))?;
        if output.status.success() {
            Ok(())
        } else {
            Err(format!(
                "git {} in {}: {}",
                args.join(" "),
                self.dir.display(),
                String::from_utf8_lossy(&output.stderr).trim()
            ))
        }
    }
}

/// A `file://` URL of an absolute path, every byte outside the unreserved set and `/`
/// percent-encoded.
fn file_url(path: &Path) -> String {
    let mut url = String::from("file://");
    for byte in path.to_string_lossy().bytes() {
        if byte.is_ascii_alphanumeric() || b"/-._~".contains(&byte) {
            url.push(byte as char);
        } else {
            url.push_str(&format!("%{byte:02X}"));
        }
    }
    url
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn read(path: &Path) -> Result<String, String> {
    std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))
}

fn write(path: &Path, text: &str) -> Result<(), String> {
    std::fs::write(path, text).map_err(|e| format!("{}: {e}", path.display()))
}

/// Written beside, then renamed: a reader sees the old file or the new one, never a part.
fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), String> {
    let partial = path.with_extension("partial");
    std::fs::write(&partial, bytes).map_err(|e| format!("{}: {e}", partial.display()))?;
    std::fs::rename(&partial, path).map_err(|e| format!("{}: {e}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn index_files_are_where_cargo_looks() {
        let index = Index {
            dir: PathBuf::from("/r"),
        };
        assert_eq!(index.file("a"), Path::new("/r/1/a"));
        assert_eq!(index.file("ab"), Path::new("/r/2/ab"));
        assert_eq!(index.file("Abc"), Path::new("/r/3/a/abc"));
        assert_eq!(index.file("banks"), Path::new("/r/ba/nk/banks"));
    }

    #[test]
    fn a_version_is_never_replaced() {
        let dir = tempfile::tempdir().expect("temp");
        let index = Index {
            dir: dir.path().to_path_buf(),
        };
        assert!(matches!(
            index.state("banks", "0.1.0", "aa"),
            Ok(State::New)
        ));
        index
            .append(
                "banks",
                &json!({"name": "banks", "vers": "0.1.0", "cksum": "aa"}),
            )
            .expect("append");
        assert!(matches!(
            index.state("banks", "0.1.0", "aa"),
            Ok(State::Present)
        ));
        assert!(matches!(
            index.state("banks", "0.1.1", "bb"),
            Ok(State::New)
        ));
        let refused = index.state("banks", "0.1.0", "bb").err().expect("refused");
        assert!(refused.contains("never replaces a version"), "{refused}");
    }

    #[test]
    fn file_urls_escape_what_a_url_cannot_hold() {
        assert_eq!(file_url(Path::new("/a b/c+d")), "file:///a%20b/c%2Bd");
    }

    #[test]
    fn an_entry_names_the_registry_of_each_dependency() {
        let dir = tempfile::tempdir().expect("temp");
        let manifest = dir.path().join("Cargo.toml");
        std::fs::write(
            &manifest,
            r#"
[package]
name = "banks"
version = "0.1.0"
rust-version = "1.88"

[features]
default = ["rustls"]
rustls = ["reqwest/rustls"]
jws = ["dep:bank-jws"]

[dependencies.bank-jws]
version = "0.1.0"
optional = true
default-features = false
registry-index = "file:///reg/index"

[dependencies.reqwest]
version = "0.13"
features = ["json"]

[target.'cfg(unix)'.dev-dependencies.elsewhere]
version = "1"
package = "other-name"
registry-index = "https://example.org/index"
"#,
        )
        .expect("write");
        let entry = index_entry(&manifest, "00", "file:///reg/index").expect("entry");
        assert_eq!(
            entry["features"],
            json!({"default": ["rustls"], "rustls": ["reqwest/rustls"]})
        );
        assert_eq!(entry["features2"], json!({"jws": ["dep:bank-jws"]}));
        assert_eq!(entry["v"], json!(2));
        assert_eq!(entry["rust_version"], json!("1.88"));
        let deps = entry["deps"].as_array().expect("deps");
        assert_eq!(deps[0]["name"], json!("bank-jws"));
        assert_eq!(deps[0]["registry"], Value::Null);
        assert_eq!(deps[0]["optional"], json!(true));
        assert_eq!(deps[0]["default_features"], json!(false));
        assert_eq!(deps[1]["name"], json!("elsewhere"));
        assert_eq!(deps[1]["package"], json!("other-name"));
        assert_eq!(deps[1]["kind"], json!("dev"));
        assert_eq!(deps[1]["target"], json!("cfg(unix)"));
        assert_eq!(deps[1]["registry"], json!("https://example.org/index"));
        assert_eq!(deps[2]["registry"], json!(CRATES_IO_INDEX));
        assert_eq!(deps[2]["features"], json!(["json"]));
    }
}
