//! `cargo xtask semver-probe`: the diff's rule catalogue judged against what the generated code
//! really does.
//!
//! Each probe in `xtask/semver-probes.yaml` is a small document before and after one change, and
//! a user's code written against the "before" client. The command checks that the diff reports
//! the probe's rule, generates both clients with the real generator, and compiles the user's code
//! against each (one `cargo check --keep-going` over a scratch workspace under
//! `target/semver-probe/`). Then:
//!
//! - the code must compile against "before" (else the probe is wrong);
//! - a rule the catalogue calls non-breaking must leave the code compiling against "after";
//! - a rule it calls breaking must stop the code compiling, or the probe must name the run-time
//!   break (`runtime: …`: the bank refuses what it accepted, a builder reports a missing field);
//! - the compile result must be what the probe expects.
//!
//! Exit 0 when every probe agrees with the catalogue, 1 otherwise (each disagreement is named),
//! 2 on bad input.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::process::{Command, ExitCode};
use std::time::Instant;

use bank_codegen::diff::Level;
use serde_json::{Value, json};

/// One probe, as written in the YAML file.
struct Probe {
    rule: String,
    compiles: bool,
    runtime: Option<String>,
    before: Value,
    after: Value,
    user: String,
}

pub fn run(root: &Path, args: &[String]) -> ExitCode {
    if let Some(arg) = args.first() {
        eprintln!("unknown argument `{arg}`\nusage: cargo xtask semver-probe");
        return ExitCode::from(2);
    }
    match probe(root) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    }
}

fn probe(root: &Path) -> Result<bool, String> {
    let started = Instant::now();
    let file = root.join("xtask/semver-probes.yaml");
    let text = std::fs::read_to_string(&file).map_err(|e| format!("{}: {e}", file.display()))?;
    let probes = parse(&file, &text)?;
    let scratch = root.join("target/semver-probe");
    for dir in ["specs", "crates"] {
        let _ = std::fs::remove_dir_all(scratch.join(dir));
    }
    // The rule each probe is about, and every rule its change triggers.
    let mut found: Vec<BTreeSet<String>> = Vec::new();
    for (i, probe) in probes.iter().enumerate() {
        for (side, doc) in [("before", &probe.before), ("after", &probe.after)] {
            write_spec(&scratch, &format!("p{i}-{side}"), doc)?;
        }
        let report = bank_codegen::diff::diff_files(
            &scratch.join(format!("specs/p{i}-before/openapi.json")),
            &scratch.join(format!("specs/p{i}-after/openapi.json")),
        )
        .map_err(|e| e.to_string())?;
        found.push(report.changes.iter().map(|c| c.id.clone()).collect());
    }
    let apis = bank_codegen::discover(&scratch.join("specs")).map_err(|e| e.to_string())?;
    for api in &apis {
        let mut timings = bank_codegen::Timings::default();
        let files = bank_codegen::generate_api(api, &mut timings)
            .map_err(|e| format!("{}: {e}", api.name))?;
        let file = |name: &str| {
            files
                .iter()
                .find(|f| f.path.ends_with(name))
                .map(|f| f.content.as_str())
                .ok_or_else(|| format!("{}: no {name} generated", api.name))
        };
        let (generated, manifest) = (file("src/generated.rs")?, file("Cargo.toml")?);
        for document in ["openapi.json", "published.json"] {
            write(
                &scratch.join("crates").join(&api.name).join(document),
                file(document)?,
            )?;
        }
        let (index, _) = api.name[1..]
            .split_once('-')
            .ok_or_else(|| format!("{}: not a probe name", api.name))?;
        let index: usize = index.parse().map_err(|e| format!("{}: {e}", api.name))?;
        write_crate(
            &scratch,
            &api.name,
            generated,
            manifest,
            &probes[index].user,
        )?;
    }
    write_workspace(root, &scratch)?;
    let (built, failed) = check(&scratch)?;

    let catalogue: BTreeMap<String, Level> = bank_codegen::diff::rules::catalogue()
        .iter()
        .map(|(id, rule)| (id.clone(), rule.level))
        .collect();
    let mut agree = true;
    println!("{:<48} {:<13} {:<10} verdict", "rule", "catalogue", "after");
    for (i, probe) in probes.iter().enumerate() {
        let level = catalogue.get(&probe.rule).copied();
        let before_ok = built.contains(&format!("u{i}-before"));
        let after_ok = built.contains(&format!("u{i}-after"));
        let mut problems = Vec::new();
        for side in ["before", "after"] {
            if failed.contains_key(&format!("p{i}-{side}")) {
                problems.push(format!("the generated \"{side}\" client does not compile"));
            }
        }
        problems.extend(judge(level, after_ok, probe.runtime.is_some()));
        if !found[i].contains(&probe.rule) {
            problems.push(format!(
                "the diff does not report it (it reports: {})",
                found[i].iter().cloned().collect::<Vec<_>>().join(", ")
            ));
        }
        if !before_ok {
            let error = failed.get(&format!("u{i}-before"));
            problems.push(format!(
                "the user's code does not compile against \"before\": {}",
                error.map(String::as_str).unwrap_or("its client failed")
            ));
        }
        if after_ok != probe.compiles {
            problems.push(format!(
                "expected the code to {} against \"after\"",
                if probe.compiles { "compile" } else { "fail" }
            ));
        }
        let verdict = if problems.is_empty() {
            match (&probe.runtime, failed.get(&format!("u{i}-after"))) {
                (Some(why), None) => format!("agrees (breaks at run time: {why})"),
                (_, Some(error)) => format!("agrees ({error})"),
                _ => "agrees".to_owned(),
            }
        } else {
            agree = false;
            if let Some(error) = failed.get(&format!("u{i}-after")) {
                problems.push(format!("the compiler says: {error}"));
            }
            format!("DISAGREES: {}", problems.join("; "))
        };
        println!(
            "{:<48} {:<13} {:<10} {verdict}",
            probe.rule,
            level.map(Level::as_str).unwrap_or("?"),
            if after_ok { "compiles" } else { "fails" },
        );
    }
    println!(
        "{} probes, {} in {:.1} s",
        probes.len(),
        if agree {
            "all agree with the catalogue"
        } else {
            "some disagree"
        },
        started.elapsed().as_secs_f64()
    );
    Ok(agree)
}

/// Where the catalogue's level and the compiler disagree: a non-breaking or documentation-only
/// rule must leave the user's code compiling; a breaking one must stop it compiling unless the
/// probe names the run-time break.
fn judge(level: Option<Level>, after_compiles: bool, names_runtime_break: bool) -> Vec<String> {
    match level {
        None => vec!["no such rule in the catalogue".to_owned()],
        Some(level @ (Level::NonBreaking | Level::Info)) if !after_compiles => vec![format!(
            "the catalogue says {}, but the user's code stops compiling",
            level.as_str()
        )],
        Some(Level::Breaking) if after_compiles && !names_runtime_break => vec![
            "the catalogue says breaking, but the user's code still compiles and the probe names \
             no run-time break"
                .to_owned(),
        ],
        _ => Vec::new(),
    }
}

/// The probes of the YAML file, each with its two documents built on the skeleton.
fn parse(file: &Path, text: &str) -> Result<Vec<Probe>, String> {
    let value = bank_codegen::load::parse_value(file, text).map_err(|e| e.to_string())?;
    let list = value
        .get("probes")
        .and_then(Value::as_array)
        .ok_or_else(|| format!("{}: `probes` must be a list", file.display()))?;
    let defaults = value.get("defaults").cloned().unwrap_or(Value::Null);
    list.iter()
        .enumerate()
        .map(|(i, p)| {
            let at = |what: &str| format!("{}: probes[{i}]: {what}", file.display());
            let text = |key: &str| p.get(key).and_then(Value::as_str).map(str::to_owned);
            let rule = text("rule").ok_or_else(|| at("`rule` must be a string"))?;
            let compiles = p
                .get("compiles")
                .and_then(Value::as_bool)
                .ok_or_else(|| at("`compiles` must be true or false"))?;
            let part = |key: &str, side: &str| {
                p.get(format!("{key}_{side}"))
                    .or_else(|| p.get(key))
                    .or_else(|| defaults.get(key))
                    .cloned()
                    .ok_or_else(|| at(&format!("no `{key}_{side}`, `{key}` or default `{key}`")))
            };
            let doc = |side: &str| -> Result<Value, String> {
                Ok(skeleton(
                    part("thing", side)?,
                    part("reply", side)?,
                    part("params", side)?,
                ))
            };
            Ok(Probe {
                before: doc("before")?,
                after: doc("after")?,
                user: text("user").ok_or_else(|| at("`user` must be Rust code"))?,
                runtime: text("runtime"),
                compiles,
                rule,
            })
        })
        .collect()
}

/// One operation, `POST /things/{path parameters…}`, with its parameters, a `Thing` body and a
/// `Reply` answer.
fn skeleton(thing: Value, reply: Value, params: Value) -> Value {
    let mut path = "/things".to_owned();
    for p in params.as_array().into_iter().flatten() {
        if p.get("in").and_then(Value::as_str) == Some("path")
            && let Some(name) = p.get("name").and_then(Value::as_str)
        {
            path.push_str(&format!("/{{{name}}}"));
        }
    }
    json!({
        "openapi": "3.0.3",
        "info": {"title": "probe", "version": "1"},
        "paths": {path: {"post": {
            "operationId": "put_thing",
            "parameters": params,
            "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Thing"}}}},
            "responses": {"200": {"description": "ok", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Reply"}}}}}
        }}},
        "components": {"schemas": {"Thing": thing, "Reply": reply}}
    })
}

fn write(path: &Path, content: &str) -> Result<(), String> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    }
    std::fs::write(path, content).map_err(|e| format!("{}: {e}", path.display()))
}

fn write_spec(scratch: &Path, name: &str, doc: &Value) -> Result<(), String> {
    let dir = scratch.join("specs").join(name);
    write(
        &dir.join("api.toml"),
        "[api]\ntitle = \"semver probe\"\ndocument = \"openapi.json\"\nsource = \"xtask/semver-probes.yaml\"\n",
    )?;
    let text = serde_json::to_string_pretty(doc).map_err(|e| e.to_string())?;
    write(&dir.join("openapi.json"), &text)
}

/// Two crates: `p{i}-{side}` holding the generated client as a bank crate does, and
/// `u{i}-{side}` holding the user's code, depending on it as `api` (so `#[non_exhaustive]` and
/// privacy apply as they do to a real user).
fn write_crate(
    scratch: &Path,
    name: &str,
    generated: &str,
    manifest: &str,
    user: &str,
) -> Result<(), String> {
    let dir = scratch.join("crates").join(name);
    // The generated manifest, as a bank crate has it, with `bank-runtime` from the workspace.
    let manifest = manifest
        .lines()
        .map(|line| {
            if line.starts_with("bank-runtime") {
                "bank-runtime.workspace = true"
            } else {
                line
            }
        })
        .collect::<Vec<_>>()
        .join("\n");
    write(&dir.join("Cargo.toml"), &manifest)?;
    write(
        &dir.join("src/lib.rs"),
        "#![allow(warnings, clippy::all)]\n#[rustfmt::skip]\nmod generated;\npub use generated::*;\nbank_runtime::client_hooks!(Client);\n",
    )?;
    write(&dir.join("src/generated.rs"), generated)?;
    let user_name = format!("u{}", &name[1..]);
    let dir = scratch.join("crates").join(&user_name);
    write(
        &dir.join("Cargo.toml"),
        &format!(
            "[package]\nname = \"{user_name}\"\nversion = \"0.0.0\"\nedition = \"2024\"\npublish = false\n\n\
             [dependencies]\napi = {{ package = \"{name}\", path = \"../{name}\" }}\n\
             bank-runtime.workspace = true\nserde_json.workspace = true\n"
        ),
    )?;
    write(
        &dir.join("src/lib.rs"),
        &format!("#![allow(warnings, clippy::all)]\n//! The user's code.\n{user}\n"),
    )
}

/// The scratch workspace: the root's dependency versions and lock file, `bank-runtime` by path.
fn write_workspace(root: &Path, scratch: &Path) -> Result<(), String> {
    let manifest = std::fs::read_to_string(root.join("Cargo.toml")).map_err(|e| e.to_string())?;
    let table = |name: &str| {
        manifest
            .split(&format!("[{name}]"))
            .nth(1)
            .and_then(|rest| rest.split("\n[").next())
            .ok_or_else(|| format!("the root Cargo.toml has no [{name}]"))
    };
    let (package, deps) = (
        table("workspace.package")?,
        table("workspace.dependencies")?,
    );
    let runtime = root.join("crates/bank-runtime");
    write(
        &scratch.join("Cargo.toml"),
        &format!(
            "[workspace]\nresolver = \"3\"\nmembers = [\"crates/*\"]\n\n[workspace.package]{package}\n[workspace.dependencies]\nbank-runtime = {{ path = {:?} }}\n{deps}\n",
            runtime.display().to_string()
        ),
    )?;
    std::fs::copy(root.join("Cargo.lock"), scratch.join("Cargo.lock"))
        .map_err(|e| format!("copying Cargo.lock: {e}"))?;
    Ok(())
}

/// `cargo check` every probe crate: the names of those that built, and of those with errors.
fn check(scratch: &Path) -> Result<(BTreeSet<String>, BTreeMap<String, String>), String> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let output = Command::new(cargo)
        .current_dir(scratch)
        .args([
            "check",
            "--workspace",
            "--keep-going",
            "--message-format=json",
        ])
        .env("CARGO_TARGET_DIR", scratch.join("target"))
        .env_remove("RUSTFLAGS")
        .output()
        .map_err(|e| format!("running cargo: {e}"))?;
    let (mut built, mut failed) = (BTreeSet::new(), BTreeMap::new());
    for line in String::from_utf8_lossy(&output.stdout).lines() {
        let Ok(message) = serde_json::from_str::<Value>(line) else {
            continue;
        };
        let Some(target) = message.pointer("/target/name").and_then(Value::as_str) else {
            continue;
        };
        let target = target.replace('_', "-");
        match message.get("reason").and_then(Value::as_str) {
            Some("compiler-artifact") => {
                built.insert(target);
            }
            Some("compiler-message")
                if message.pointer("/message/level").and_then(Value::as_str) == Some("error") =>
            {
                let text = message
                    .pointer("/message/message")
                    .and_then(Value::as_str)
                    .unwrap_or("");
                failed.entry(target).or_insert_with(|| text.to_owned());
            }
            _ => {}
        }
    }
    if !output.status.success() && failed.is_empty() {
        return Err(format!(
            "cargo check failed without a compiler error:\n{}",
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    Ok((built, failed))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_level_the_compiler_contradicts_is_a_disagreement() {
        // Non-breaking or info, and the code stops compiling.
        assert!(!judge(Some(Level::NonBreaking), false, false).is_empty());
        assert!(!judge(Some(Level::Info), false, false).is_empty());
        // Breaking, the code still compiles, and no run-time break is named.
        assert!(!judge(Some(Level::Breaking), true, false).is_empty());
        // An unknown rule.
        assert!(!judge(None, true, false).is_empty());
    }

    #[test]
    fn a_level_the_compiler_confirms_agrees() {
        assert!(judge(Some(Level::NonBreaking), true, false).is_empty());
        assert!(judge(Some(Level::Info), true, false).is_empty());
        assert!(judge(Some(Level::Breaking), false, false).is_empty());
        assert!(judge(Some(Level::Breaking), true, true).is_empty());
    }

    #[test]
    fn probes_file_parses_and_names_known_rules() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"))
            .parent()
            .expect("root");
        let file = root.join("xtask/semver-probes.yaml");
        let text = std::fs::read_to_string(&file).expect("probes file");
        let probes = parse(&file, &text).expect("parses");
        assert!(probes.len() >= 40, "{} probes", probes.len());
        let catalogue = bank_codegen::diff::rules::catalogue();
        for probe in &probes {
            assert!(catalogue.contains_key(&probe.rule), "{}", probe.rule);
            assert_ne!(
                probe.before, probe.after,
                "{} changes something",
                probe.rule
            );
        }
    }

    #[test]
    fn a_probe_without_compiles_is_refused_with_its_index() {
        let file = Path::new("probes.yaml");
        let err = parse(file, "probes:\n  - rule: x\n    user: y\n")
            .err()
            .expect("refused");
        assert!(
            err.contains("probes[0]") && err.contains("compiles"),
            "{err}"
        );
    }
}
