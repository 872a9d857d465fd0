//! `cargo xtask public-api [--check]`: the facade's public surface as a text file kept in the
//! repository (`crates/banks/public-api.txt`), so that a change to what users can name is a
//! visible diff in review, and CI fails when the file was not updated with it.
//!
//! The surface is read from rustdoc's JSON output (`--output-format json`, unstable: enabled on
//! the stable toolchain with `RUSTC_BOOTSTRAP=1`, as cargo-public-api's own CI does), walked from
//! the crate's root: every public module, item, re-export, field, variant, inherent method and
//! trait implementation, one line each, sorted. Items hidden from the docs (`#[doc(hidden)]`)
//! are not in it; a re-export of another crate's item is one line naming its source (the
//! generated crates keep their own `CHANGELOG.md`).

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;

use serde_json::Value;

/// `public-api --help`.
pub const USAGE: &str = "\
usage: cargo xtask public-api [--check]
  writes the public API of the `banks` crate to crates/banks/public-api.txt (from rustdoc's JSON)
  --check   compare instead of writing: exit 1 with the difference when the file is stale";

/// The crate whose surface is kept, and where.
const CRATE: &str = "banks";
const SNAPSHOT: &str = "crates/banks/public-api.txt";

/// Run the command: 0 when written or up to date, 1 when stale, 2 on bad usage or failure.
pub fn run(root: &Path, args: &[String]) -> i32 {
    let check = match args {
        [] => false,
        [flag] if flag == "--check" => true,
        [flag] if flag == "-h" || flag == "--help" => {
            println!("{USAGE}");
            return 0;
        }
        _ => {
            eprintln!("{USAGE}");
            return 2;
        }
    };
    let surface = match surface(root) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: {e}");
            return 2;
        }
    };
    let path = root.join(SNAPSHOT);
    if check {
        let kept = std::fs::read_to_string(&path).unwrap_or_default();
        if kept == surface {
            println!(
                "{SNAPSHOT} is up to date ({} lines)",
                surface.lines().count()
            );
            return 0;
        }
        let kept: BTreeSet<&str> = kept.lines().collect();
        let now: BTreeSet<&str> = surface.lines().collect();
        eprintln!("{SNAPSHOT} is stale: run `cargo xtask public-api` and review the difference");
        for gone in kept.difference(&now) {
            eprintln!("- {gone}");
        }
        for new in now.difference(&kept) {
            eprintln!("+ {new}");
        }
        return 1;
    }
    match std::fs::write(&path, &surface) {
        Ok(()) => {
            println!("wrote {SNAPSHOT} ({} lines)", surface.lines().count());
            0
        }
        Err(e) => {
            eprintln!("error: writing {SNAPSHOT}: {e}");
            2
        }
    }
}

/// The crate's public surface, one sorted line per item.
fn surface(root: &Path) -> Result<String, String> {
    let target = root.join("target");
    let out = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
        .args(["rustdoc", "-p", CRATE, "--lib", "--quiet", "--"])
        .args(["-Z", "unstable-options", "--output-format", "json"])
        .current_dir(root)
        .env("RUSTC_BOOTSTRAP", "1")
        .env("CARGO_TARGET_DIR", &target)
        .output()
        .map_err(|e| format!("running cargo rustdoc: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "cargo rustdoc -p {CRATE} failed:\n{}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    let json = target.join("doc").join(format!("{CRATE}.json"));
    let text =
        std::fs::read_to_string(&json).map_err(|e| format!("reading {}: {e}", json.display()))?;
    let doc: Value = serde_json::from_str(&text).map_err(|e| format!("{}: {e}", json.display()))?;
    let mut lines = BTreeSet::new();
    let root_id = doc["root"].to_string();
    Walk {
        doc: &doc,
        lines: &mut lines,
    }
    .item(&root_id, CRATE);
    let mut out = String::new();
    for line in lines {
        out.push_str(&line);
        out.push('\n');
    }
    Ok(out)
}

/// A walk over the rustdoc index from the root, collecting lines.
struct Walk<'a> {
    doc: &'a Value,
    lines: &'a mut BTreeSet<String>,
}

impl Walk<'_> {
    fn get(&self, id: &str) -> Option<&Value> {
        self.doc["index"].get(id)
    }

    /// The item `id`, named `path`.
    fn item(&mut self, id: &str, path: &str) {
        let Some(item) = self.get(id).cloned() else {
            return;
        };
        let inner = &item["inner"];
        let Some((kind, body)) = inner.as_object().and_then(|m| m.iter().next()) else {
            return;
        };
        match kind.as_str() {
            "module" => {
                self.lines.insert(format!("pub mod {path}"));
                for child in body["items"].as_array().into_iter().flatten() {
                    self.child(&child.to_string(), path);
                }
            }
            "struct" => {
                self.lines
                    .insert(format!("pub struct {path}{}", generics(&body["generics"])));
                for field in body["kind"]["plain"]["fields"]
                    .as_array()
                    .into_iter()
                    .flatten()
                {
                    if let Some(f) = self.get(&field.to_string()) {
                        self.lines.insert(format!(
                            "pub {path}::{}: {}",
                            f["name"].as_str().unwrap_or("?"),
                            ty(&f["inner"]["struct_field"])
                        ));
                    }
                }
                self.impls(body, path);
            }
            "enum" => {
                self.lines
                    .insert(format!("pub enum {path}{}", generics(&body["generics"])));
                for variant in body["variants"].as_array().into_iter().flatten() {
                    if let Some(v) = self.get(&variant.to_string()) {
                        self.lines
                            .insert(format!("pub {path}::{}", v["name"].as_str().unwrap_or("?")));
                    }
                }
                self.impls(body, path);
            }
            "trait" => {
                self.lines.insert(format!("pub trait {path}"));
                for member in body["items"].as_array().into_iter().flatten() {
                    if let Some(m) = self.get(&member.to_string()).cloned() {
                        let name = m["name"].as_str().unwrap_or("?");
                        self.member(&m, &format!("{path}::{name}"));
                    }
                }
            }
            "function" => {
                self.lines.insert(function(path, body));
            }
            "constant" => {
                self.lines
                    .insert(format!("pub const {path}: {}", ty(&body["type"])));
            }
            "type_alias" => {
                self.lines
                    .insert(format!("pub type {path} = {}", ty(&body["type"])));
            }
            "macro" => {
                self.lines.insert(format!("macro {path}!"));
            }
            other => {
                self.lines.insert(format!("{other} {path}"));
            }
        }
    }

    /// A module's child: an item, or a re-export (of this crate's item: walked under its new
    /// name; of another crate's: one line naming the source).
    fn child(&mut self, id: &str, parent: &str) {
        let Some(item) = self.get(id).cloned() else {
            return;
        };
        if let Some(import) = item["inner"].get("use") {
            let name = import["name"].as_str().unwrap_or("?");
            let source = import["source"].as_str().unwrap_or("?");
            let glob = import["is_glob"].as_bool() == Some(true);
            match import["id"].as_u64().map(|t| t.to_string()) {
                Some(target) if self.get(&target).is_some() && !glob => {
                    self.item(&target, &format!("{parent}::{name}"));
                }
                _ if glob => {
                    self.lines
                        .insert(format!("pub use {parent}::* = {source}::*"));
                }
                _ => {
                    self.lines
                        .insert(format!("pub use {parent}::{name} = {source}"));
                }
            }
            return;
        }
        let name = item["name"].as_str().unwrap_or("?");
        self.item(id, &format!("{parent}::{name}"));
    }

    /// The inherent methods and the trait implementations (not auto traits, not blanket ones)
    /// of a struct or enum.
    fn impls(&mut self, body: &Value, path: &str) {
        for imp in body["impls"].as_array().into_iter().flatten() {
            let Some(imp) = self.get(&imp.to_string()).cloned() else {
                continue;
            };
            let imp = &imp["inner"]["impl"];
            if imp["is_synthetic"].as_bool() == Some(true) || !imp["blanket_impl"].is_null() {
                continue;
            }
            // `Builder<Financial>` written from the item's public path: `banks::Builder<Financial>`.
            let written = ty(&imp["for"]);
            let last = path.rsplit("::").next().unwrap_or(path);
            let target = match written.strip_prefix(last) {
                Some(args) => format!("{path}{args}"),
                None => written,
            };
            match imp.get("trait").filter(|t| !t.is_null()) {
                // Derive plumbing, not surface.
                Some(t) if t["path"] == "StructuralPartialEq" => {}
                Some(t) => {
                    self.lines.insert(format!(
                        "impl{} {} for {target}",
                        generics(&imp["generics"]),
                        path_of(t)
                    ));
                }
                None => {
                    for member in imp["items"].as_array().into_iter().flatten() {
                        if let Some(m) = self.get(&member.to_string()).cloned() {
                            if m["visibility"] != "public" {
                                continue;
                            }
                            let name = m["name"].as_str().unwrap_or("?");
                            self.member(&m, &format!("{target}::{name}"));
                        }
                    }
                }
            }
        }
    }

    /// A method, associated constant or type.
    fn member(&mut self, m: &Value, path: &str) {
        let inner = &m["inner"];
        if let Some(f) = inner.get("function") {
            self.lines.insert(function(path, f));
        } else if let Some(c) = inner.get("assoc_const") {
            self.lines
                .insert(format!("const {path}: {}", ty(&c["type"])));
        } else if inner.get("assoc_type").is_some() {
            self.lines.insert(format!("type {path}"));
        }
    }
}

/// `pub [const] [async] fn path(args) -> out`.
fn function(path: &str, f: &Value) -> String {
    let header = &f["header"];
    let mut line = String::from("pub ");
    if header["is_const"].as_bool() == Some(true) {
        line.push_str("const ");
    }
    if header["is_async"].as_bool() == Some(true) {
        line.push_str("async ");
    }
    let inputs: Vec<String> = f["sig"]["inputs"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|pair| {
            let name = pair[0].as_str().unwrap_or("_");
            let t = ty(&pair[1]);
            if name == "self" {
                match t.as_str() {
                    "Self" => "self".to_owned(),
                    "&Self" => "&self".to_owned(),
                    "&mut Self" => "&mut self".to_owned(),
                    other => format!("self: {other}"),
                }
            } else {
                format!("{name}: {t}")
            }
        })
        .collect();
    line.push_str(&format!(
        "fn {path}{}({})",
        generics(&f["generics"]),
        inputs.join(", ")
    ));
    let output = &f["sig"]["output"];
    if !output.is_null() {
        line.push_str(&format!(" -> {}", ty(output)));
    }
    line
}

/// `<A: Api, T>`: the type parameters and their bounds (synthetic `impl Trait` ones left out).
fn generics(g: &Value) -> String {
    let params: Vec<String> = g["params"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|p| {
            let name = p["name"].as_str()?;
            let kind = &p["kind"];
            if let Some(t) = kind.get("type") {
                if t["is_synthetic"].as_bool() == Some(true) {
                    return None;
                }
                let bounds = bounds(&t["bounds"]);
                return Some(if bounds.is_empty() {
                    name.to_owned()
                } else {
                    format!("{name}: {bounds}")
                });
            }
            if kind.get("lifetime").is_some() {
                return Some(name.to_owned());
            }
            kind.get("const")
                .map(|c| format!("const {name}: {}", ty(&c["type"])))
        })
        .collect();
    if params.is_empty() {
        String::new()
    } else {
        format!("<{}>", params.join(", "))
    }
}

/// `Trait + 'a` from a list of generic bounds.
fn bounds(list: &Value) -> String {
    list.as_array()
        .into_iter()
        .flatten()
        .filter_map(|b| {
            if let Some(t) = b.get("trait_bound") {
                let modifier = if t["modifier"] == "maybe" { "?" } else { "" };
                return Some(format!("{modifier}{}", path_of(&t["trait"])));
            }
            b.get("outlives").and_then(Value::as_str).map(str::to_owned)
        })
        .collect::<Vec<_>>()
        .join(" + ")
}

/// A resolved path with its generic arguments (`Result<T, BankError>`), its last segment only
/// for the crate's own items written with `crate::`.
fn path_of(p: &Value) -> String {
    let path = p["path"].as_str().unwrap_or("?");
    let path = path
        .strip_prefix("crate::")
        .map_or(path, |rest| rest.rsplit("::").next().unwrap_or(rest));
    format!("{path}{}", args(&p["args"]))
}

/// `<A, B>` or `(A) -> B` generic arguments.
fn args(a: &Value) -> String {
    if let Some(angle) = a.get("angle_bracketed") {
        let mut parts: Vec<String> = angle["args"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|arg| {
                if let Some(t) = arg.get("type") {
                    ty(t)
                } else if let Some(l) = arg.get("lifetime").and_then(Value::as_str) {
                    l.to_owned()
                } else if let Some(c) = arg.get("const") {
                    c["expr"].as_str().unwrap_or("_").to_owned()
                } else {
                    "_".to_owned()
                }
            })
            .collect();
        for c in angle["constraints"].as_array().into_iter().flatten() {
            let name = c["name"].as_str().unwrap_or("?");
            if let Some(t) = c["binding"].get("equality").and_then(|e| e.get("type")) {
                parts.push(format!("{name} = {}", ty(t)));
            } else if let Some(b) = c["binding"].get("constraint") {
                parts.push(format!("{name}: {}", bounds(b)));
            }
        }
        if parts.is_empty() {
            String::new()
        } else {
            format!("<{}>", parts.join(", "))
        }
    } else if let Some(paren) = a.get("parenthesized") {
        let inputs: Vec<String> = paren["inputs"]
            .as_array()
            .into_iter()
            .flatten()
            .map(ty)
            .collect();
        let output = if paren["output"].is_null() {
            String::new()
        } else {
            format!(" -> {}", ty(&paren["output"]))
        };
        format!("({}){output}", inputs.join(", "))
    } else {
        String::new()
    }
}

/// A type as Rust writes it (roughly: enough that a change shows).
fn ty(t: &Value) -> String {
    let Some((kind, v)) = t.as_object().and_then(|m| m.iter().next()) else {
        return "?".to_owned();
    };
    match kind.as_str() {
        "resolved_path" => path_of(v),
        "generic" | "primitive" => v.as_str().unwrap_or("?").to_owned(),
        "borrowed_ref" => {
            let lifetime = v["lifetime"]
                .as_str()
                .map(|l| format!("{l} "))
                .unwrap_or_default();
            let m = if v["is_mutable"].as_bool() == Some(true) {
                "mut "
            } else {
                ""
            };
            format!("&{lifetime}{m}{}", ty(&v["type"]))
        }
        "raw_pointer" => {
            let m = if v["is_mutable"].as_bool() == Some(true) {
                "mut"
            } else {
                "const"
            };
            format!("*{m} {}", ty(&v["type"]))
        }
        "slice" => format!("[{}]", ty(v)),
        "array" => format!("[{}; {}]", ty(&v["type"]), v["len"].as_str().unwrap_or("_")),
        "tuple" => {
            let parts: Vec<String> = v.as_array().into_iter().flatten().map(ty).collect();
            format!("({})", parts.join(", "))
        }
        "impl_trait" => format!("impl {}", bounds(v)),
        "dyn_trait" => {
            let traits: Vec<String> = v["traits"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|t| path_of(&t["trait"]))
                .collect();
            let lifetime = v["lifetime"]
                .as_str()
                .map(|l| format!(" + {l}"))
                .unwrap_or_default();
            format!("dyn {}{lifetime}", traits.join(" + "))
        }
        "qualified_path" => {
            let trait_path = v["trait"]
                .as_object()
                .map(|_| path_of(&v["trait"]))
                .unwrap_or_default();
            let name = v["name"].as_str().unwrap_or("?");
            if trait_path.is_empty() {
                format!("{}::{name}", ty(&v["self_type"]))
            } else {
                format!("<{} as {trait_path}>::{name}", ty(&v["self_type"]))
            }
        }
        "function_pointer" => "fn(…)".to_owned(),
        "infer" => "_".to_owned(),
        other => other.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn types_and_signatures_read_as_rust() {
        let result = json!({"resolved_path": {"path": "Result", "id": 1, "args": {"angle_bracketed": {
            "args": [{"type": {"generic": "T"}}, {"type": {"resolved_path": {"path": "crate::config::BuildError", "id": 2, "args": null}}}],
            "constraints": []}}}});
        assert_eq!(ty(&result), "Result<T, BuildError>");
        let f = json!({"header": {"is_const": false, "is_async": true},
            "generics": {"params": [], "where_predicates": []},
            "sig": {"inputs": [["self", {"borrowed_ref": {"lifetime": null, "is_mutable": false, "type": {"generic": "Self"}}}],
                               ["name", {"borrowed_ref": {"lifetime": null, "is_mutable": false, "type": {"primitive": "str"}}}]],
                    "output": result}});
        assert_eq!(
            function("banks::X::get", &f),
            "pub async fn banks::X::get(&self, name: &str) -> Result<T, BuildError>"
        );
    }
}
