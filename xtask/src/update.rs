//! `cargo xtask update <api> <document>`: a bank's new document becomes a release in one step.
//!
//! Everything is computed in memory and in a scratch copy of the API's folder first; only when
//! every step passed are the files written, all at once (`bank_codegen::write`: staged, then
//! renamed). A step that fails leaves the tree as it was and exits 2.
//!
//! 1. read and check the new document (YAML or JSON, Swagger 2.0 or OpenAPI 3.0; 3.1 refused);
//!    refuse one that has no operation, or none in common with the current one;
//! 2. apply the declared fixes and generate the client from it (a fix whose target vanished
//!    names the fix and stops);
//! 3. report the document's example contradictions that `known-quirks.yaml` does not list;
//! 4. print the diff against the current document and decide the bump from it;
//! 5. bump the crate's version (`api.toml`; Cargo's rule for `0.x`: a breaking change bumps the
//!    minor number, anything else the patch number), and the facade's, which re-exports it; move
//!    every workspace requirement on them; prepend CHANGELOG entries;
//! 6. keep the previous document as `specs/<api>/previous/<document>`, write the new one (and
//!    `--source FILE` as `source.txt`), and the regenerated crate.
//!
//! With `--semver-checks`, after writing, `cargo semver-checks` compares the regenerated crate
//! with `HEAD`; when it asks for more than the diff did, the update says so and takes the larger
//! bump. `--dry-run` prints all of it and writes nothing.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

use bank_codegen::OutputFile;
use bank_codegen::diff::{self, Bump, Level, Report};
use bank_codegen::limits::{Limits, read_document};
use serde_json::Value;

pub const USAGE: &str = "\
usage: cargo xtask update <api> <new-document> [--source FILE] [--dry-run] [--semver-checks]
  <new-document>    the bank's new document (restored or reconstructed the documented way for
                    bcc-broker and bcc-financial), YAML or JSON, Swagger 2.0 or OpenAPI 3.0
  --source FILE     the raw material as received, kept as specs/<api>/source.txt
  --dry-run         print the diff, the versions and the CHANGELOG entries; write nothing
  --semver-checks   cross-check the bump with cargo-semver-checks (installed if missing)
exit status: 0 done, 2 bad input or a step refused (nothing written)";

/// The facade crate that re-exports every generated crate.
const FACADE: &str = "banks";

/// Run `update` with its arguments (after the command name).
pub fn run(root: &Path, args: &[String]) -> ExitCode {
    crate::all_or_nothing(update(root, args))
}

/// The parsed command line.
struct Args {
    api: String,
    document: PathBuf,
    source: Option<PathBuf>,
    dry_run: bool,
    semver_checks: bool,
}

fn parse_args(args: &[String]) -> Result<Args, String> {
    let mut positional = Vec::new();
    let (mut source, mut dry_run, mut semver_checks) = (None, false, false);
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--dry-run" => dry_run = true,
            "--semver-checks" => semver_checks = true,
            "--source" => {
                source = Some(PathBuf::from(
                    it.next().ok_or(format!("--source needs a file\n{USAGE}"))?,
                ));
            }
            flag if flag.starts_with("--") => {
                return Err(format!("unknown option {flag}\n{USAGE}"));
            }
            _ => positional.push(arg.clone()),
        }
    }
    match positional.as_slice() {
        [api, document] => Ok(Args {
            api: api.clone(),
            document: PathBuf::from(document),
            source,
            dry_run,
            semver_checks,
        }),
        _ => Err(USAGE.to_owned()),
    }
}

fn update(root: &Path, args: &[String]) -> Result<(), String> {
    let args = parse_args(args)?;
    let apis = bank_codegen::discover(&root.join("specs")).map_err(|e| e.to_string())?;
    let api = apis.iter().find(|a| a.name == args.api).ok_or_else(|| {
        let known: Vec<&str> = apis.iter().map(|a| a.name.as_str()).collect();
        format!("no API `{}` under specs/ ({})", args.api, known.join(", "))
    })?;
    let shown = args.document.display().to_string();
    // Every file the update is given is read boundedly (a regular file, within the caps).
    let limits = Limits::from_env().map_err(|e| e.to_string())?;
    let read = |path: &Path| read_document(path, &limits).map_err(|e| e.to_string());

    // 1. The new document, checked as the generator and the diff read it.
    let new_text = read(&args.document)?;
    let new = diff::prepare(&args.document, &new_text).map_err(|e| e.to_string())?;
    let old_path = api.document_path();
    let old_text = read(&old_path)?;
    let old = diff::prepare(&old_path, &old_text).map_err(|e| e.to_string())?;
    let (old_ops, new_ops) = (operation_keys(&old), operation_keys(&new));
    if new_ops.is_empty() {
        return Err(format!(
            "{shown}: the update has no operation: it would remove every operation of {}",
            api.name
        ));
    }
    if old_ops.intersection(&new_ops).next().is_none() {
        return Err(format!(
            "{shown}: no operation in common with {} ({} now, {} in the file): is it another API's document?",
            api.name,
            old_ops.len(),
            new_ops.len()
        ));
    }
    match (&args.source, api.config.api.layout_restored) {
        (Some(raw), layout_restored) => {
            let material = read(raw)?;
            let collapse = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ");
            if layout_restored && collapse(&material) != collapse(&new_text) {
                return Err(format!(
                    "{shown} is not {} with its layout restored: they differ beyond whitespace \
                     (specs/{}/SOURCE.md describes the restoring step)",
                    raw.display(),
                    api.name
                ));
            }
        }
        (None, true) => {
            return Err(format!(
                "{}'s document is the bank's material with its layout restored: give that \
                 material with --source FILE, so that source.txt and the document stay one text",
                api.name
            ));
        }
        (None, false) => {}
    }

    // 4. The diff and the bump it asks for.
    let report = diff::diff(&old, &new);
    let summary = report.summary();
    let title = format!(
        "{}: specs/{}/{} → {shown}",
        api.name, api.name, api.config.api.document
    );
    println!("{}", crate::terminal_safe(&report.to_text(&title, false)));
    let versions = Versions::read(root, &api.name, &api.config.api.version)?;
    let examples_checked = std::cell::Cell::new(false);
    // The CHANGELOGs as they are before anything is written: a second plan (after the
    // cross-check) prepends to these, not to the first plan's result.
    let changelogs: Vec<(String, String)> = [api.name.as_str(), FACADE]
        .iter()
        .map(|name| {
            let path = format!("crates/{name}/CHANGELOG.md");
            let text = std::fs::read_to_string(root.join(&path))
                .unwrap_or_else(|_| format!("# Changelog — {name}\n"));
            (path, text)
        })
        .collect();
    let changelog = |path: &str| {
        changelogs
            .iter()
            .find(|(p, _)| p == path)
            .map(|(_, t)| t.clone())
            .unwrap_or_default()
    };
    // Everything the update writes, for a bump: the diff's, or a larger one cargo-semver-checks
    // asks for.
    let plan = |bump: Bump| -> Result<Vec<OutputFile>, String> {
        let crate_version = bumped(&api.config.api.version, bump)?;
        println!(
            "bump: {} — {} breaking, {} non-breaking, {} documentation → {} {} → {}",
            bump_name(bump),
            summary.breaking,
            summary.non_breaking,
            summary.info,
            api.name,
            api.config.api.version,
            crate_version
        );

        // 2. Fixes and generation, on a scratch copy of the API's folder with the new document.
        let scratch = root.join("target/xtask-update").join(&api.name);
        let _ = std::fs::remove_dir_all(&scratch);
        let staged_dir = scratch.join("specs").join(&api.name);
        copy_dir(&api.dir, &staged_dir)?;
        std::fs::write(staged_dir.join(&api.config.api.document), &new_text)
            .map_err(|e| format!("{}: {e}", staged_dir.display()))?;
        let api_toml = set_version(
            &std::fs::read_to_string(api.dir.join("api.toml")).map_err(|e| e.to_string())?,
            &crate_version,
        )?;
        std::fs::write(staged_dir.join("api.toml"), &api_toml).map_err(|e| e.to_string())?;
        let staged = bank_codegen::discover(&scratch.join("specs")).map_err(|e| e.to_string())?;
        let staged = staged
            .iter()
            .find(|a| a.name == api.name)
            .ok_or("the staged API was not found")?;
        let mut timings = bank_codegen::Timings::default();
        let generated = bank_codegen::generate_api(staged, &mut timings).map_err(|e| {
            format!(
                "{e}\n(the update's document, with the declared fixes of specs/{}/)",
                api.name
            )
        })?;

        // 3. Example contradictions the quirks file does not list (reported once).
        if !examples_checked.replace(true) {
            report_examples(api, &args.document, &new_text)?;
        }

        // 5. Versions, requirements and CHANGELOGs.
        let published = generated
            .iter()
            .find(|f| f.path.ends_with("published.json"))
            .and_then(|f| serde_json::from_str::<Value>(&f.content).ok())
            .unwrap_or(Value::Null);
        let full_version = bank_codegen::crate_version(staged, &published);
        let facade_version = bumped(&versions.facade, bump)?;
        let today = today();
        let old_doc_version = old
            .pointer("/info/version")
            .and_then(Value::as_str)
            .unwrap_or("?");
        let new_doc_version = new
            .pointer("/info/version")
            .and_then(Value::as_str)
            .unwrap_or("?");
        let entry = changelog_entry(
            &full_version,
            &today,
            &format!(
                "From {} {old_doc_version} to {new_doc_version} (`specs/{}/{}`). Bump: {}.",
                api.config.api.title,
                api.name,
                api.config.api.document,
                bump_name(bump)
            ),
            &report,
        );
        let facade_entry = format!(
            "## {facade_version} — {today}\n\n- `{}` {} → {full_version}, re-exported here: {} \
             breaking, {} non-breaking, {} documentation change(s); see `crates/{}/CHANGELOG.md`.\n",
            api.name,
            versions.generated_full,
            summary.breaking,
            summary.non_breaking,
            summary.info,
            api.name
        );
        println!(
            "\nCHANGELOG entry for {}:\n\n{}",
            api.name,
            crate::terminal_safe(&entry)
        );
        if bump != Bump::None {
            println!("CHANGELOG entry for {FACADE}:\n\n{facade_entry}");
        }

        let mut files: Vec<OutputFile> = generated;
        // The registry's requirement on the crate follows its new version.
        let mut all = bank_codegen::discover(&root.join("specs")).map_err(|e| e.to_string())?;
        for listed in all.iter_mut().filter(|a| a.name == api.name) {
            *listed = staged.clone();
        }
        files.extend(bank_codegen::registry::files(&all).map_err(|e| e.to_string())?);
        let spec_rel = PathBuf::from("specs").join(&api.name);
        files.push(OutputFile {
            path: spec_rel.join("previous").join(&api.config.api.document),
            content: old_text.clone(),
        });
        files.push(OutputFile {
            path: spec_rel.join(&api.config.api.document),
            content: new_text.clone(),
        });
        files.push(OutputFile {
            path: spec_rel.join("api.toml"),
            content: api_toml,
        });
        if let Some(raw) = &args.source {
            let text = read(raw)?;
            files.push(OutputFile {
                path: spec_rel.join("source.txt"),
                content: text,
            });
        }
        let path = format!("crates/{}/CHANGELOG.md", api.name);
        files.push(prepend(&path, &changelog(&path), &entry));
        if bump != Bump::None {
            let path = format!("crates/{FACADE}/CHANGELOG.md");
            files.push(prepend(&path, &changelog(&path), &facade_entry));
            files.extend(requirements(
                root,
                &[
                    (api.name.as_str(), crate_version.as_str()),
                    (FACADE, facade_version.as_str()),
                ],
                &facade_version,
            )?);
        }
        dedup_last(&mut files);
        Ok(files)
    };
    let bump = summary.suggested_bump;
    let files = plan(bump)?;

    if args.dry_run {
        println!("dry run: would write {} file(s):", files.len());
        for f in &files {
            println!("  {}", f.path.display());
        }
        return Ok(());
    }
    let written = bank_codegen::write(root, &files).map_err(|e| e.to_string())?;
    println!("wrote {written} file(s)");
    if args.semver_checks
        && let Some(larger) = semver_checks(root, &api.name, bump)?
    {
        println!(
            "semver: cargo-semver-checks needs a {} bump where the diff said {}: taking the larger",
            bump_name(larger),
            bump_name(bump)
        );
        let files = plan(larger)?;
        bank_codegen::write(root, &files).map_err(|e| e.to_string())?;
    }
    println!("tag after committing: cargo xtask tags");
    Ok(())
}

/// Print the new document's example contradictions that `known-quirks.yaml` does not list.
fn report_examples(api: &bank_codegen::Api, document: &Path, text: &str) -> Result<(), String> {
    let doc = bank_codegen::load::parse(document, text).map_err(|e| e.to_string())?;
    let listed = bank_codegen::structure::listed_quirks(&api.dir.join("known-quirks.yaml"))
        .map_err(|e| e.to_string())?;
    let found = bank_codegen::structure::example_violations(&doc.value);
    let unlisted: Vec<&(String, String)> = found
        .iter()
        .filter(|(at, _)| !listed.contains_key(at))
        .collect();
    if unlisted.is_empty() {
        println!("examples: every contradiction is a listed quirk");
        return Ok(());
    }
    println!(
        "examples: {} contradiction(s) not in specs/{}/known-quirks.yaml (read them, then \
         UPDATE_KNOWN_QUIRKS=1 cargo test -p bank-codegen --test specs):",
        unlisted.len(),
        api.name
    );
    for (at, why) in unlisted {
        println!(
            "  {}: {}",
            crate::terminal_safe(at),
            crate::terminal_safe(why)
        );
    }
    Ok(())
}

/// `cargo xtask tags`: every published crate (a crate with a `CHANGELOG.md`) as
/// `<crate>-v<version>`, and the `git tag` commands for those not tagged yet.
pub fn tags(root: &Path) -> ExitCode {
    let existing: BTreeSet<String> = Command::new("git")
        .current_dir(root)
        .args(["tag", "--list"])
        .output()
        .map(|o| {
            String::from_utf8_lossy(&o.stdout)
                .lines()
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default();
    let published = match crate::registry::published_crates(root) {
        Ok(published) => published,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let mut missing = Vec::new();
    for crate::registry::Published { name, version, .. } in published {
        let tag = format!("{name}-v{version}");
        let state = if existing.contains(&tag) {
            "tagged"
        } else {
            missing.push(tag.clone());
            "to tag"
        };
        println!("{tag:<40} {state}");
    }
    if !missing.is_empty() {
        println!("\nafter committing the release:");
        for tag in &missing {
            println!("  git tag {tag}");
        }
    }
    ExitCode::SUCCESS
}

/// The first `key = "value"` of a manifest (its `[package]` name or version).
pub(crate) fn manifest_field(manifest: &str, key: &str) -> Option<String> {
    manifest
        .lines()
        .find_map(|l| l.strip_prefix(&format!("{key} = \"")))
        .and_then(|rest| rest.split('"').next())
        .map(str::to_owned)
}

/// `METHOD /path` of every operation, parameter names blanked as the diff matches them.
fn operation_keys(doc: &Value) -> BTreeSet<String> {
    bank_codegen::paths::operations(doc)
        .map(|op| {
            format!(
                "{} {}",
                op.method.to_uppercase(),
                diff::blank_params(op.route)
            )
        })
        .collect()
}

fn bump_name(bump: Bump) -> &'static str {
    match bump {
        Bump::None => "none (no change)",
        Bump::Patch => "patch (documentation only)",
        Bump::Minor => "minor (additions only)",
        Bump::Major => "major (breaking changes)",
    }
}

/// `version` bumped by `bump`, with Cargo's rule for `0.x`: a breaking change bumps the minor
/// number, anything else the patch number.
pub fn bumped(version: &str, bump: Bump) -> Result<String, String> {
    let core = version.split('+').next().unwrap_or(version);
    let parts: Vec<u64> = core
        .split('.')
        .map(|p| p.parse::<u64>())
        .collect::<Result<_, _>>()
        .map_err(|_| format!("version `{version}` is not MAJOR.MINOR.PATCH"))?;
    let [major, minor, patch] = parts.as_slice() else {
        return Err(format!("version `{version}` is not MAJOR.MINOR.PATCH"));
    };
    let (major, minor, patch) = (*major, *minor, *patch);
    Ok(match (bump, major) {
        (Bump::None, _) => format!("{major}.{minor}.{patch}"),
        (Bump::Major, 0) => format!("0.{}.0", minor + 1),
        (Bump::Major, _) => format!("{}.0.0", major + 1),
        (Bump::Minor, 0) | (Bump::Patch, _) => format!("{major}.{minor}.{}", patch + 1),
        (Bump::Minor, _) => format!("{major}.{}.0", minor + 1),
    })
}

/// `api.toml` with its `version` set.
fn set_version(text: &str, version: &str) -> Result<String, String> {
    let mut found = false;
    let out: Vec<String> = text
        .lines()
        .map(|line| {
            if !found && line.trim_start().starts_with("version =") {
                found = true;
                format!("version = \"{version}\"")
            } else {
                line.to_owned()
            }
        })
        .collect();
    if !found {
        return Err("api.toml has no `version = …` line in [api]".to_owned());
    }
    Ok(out.join("\n") + "\n")
}

/// The versions the update moves from.
struct Versions {
    facade: String,
    generated_full: String,
}

impl Versions {
    fn read(root: &Path, api: &str, fallback: &str) -> Result<Versions, String> {
        let version_of = |path: &Path| -> Result<String, String> {
            let text =
                std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
            manifest_field(&text, "version")
                .ok_or_else(|| format!("{}: no version", path.display()))
        };
        Ok(Versions {
            facade: version_of(&root.join("crates").join(FACADE).join("Cargo.toml"))?,
            generated_full: version_of(&root.join("crates").join(api).join("Cargo.toml"))
                .unwrap_or_else(|_| fallback.to_owned()),
        })
    }
}

/// A CHANGELOG entry from the diff: the changes by level, each with the operations it touches.
fn changelog_entry(version: &str, date: &str, intro: &str, report: &Report) -> String {
    let mut out = format!("## {version} — {date}\n\n{intro}\n");
    for (level, heading) in [
        (Level::Breaking, "Breaking"),
        (Level::NonBreaking, "Added"),
        (Level::Info, "Documentation"),
    ] {
        let changes: Vec<_> = report.changes.iter().filter(|c| c.level == level).collect();
        if changes.is_empty() {
            continue;
        }
        out.push_str(&format!("\n### {heading}\n\n"));
        for c in changes {
            let place = if c.operations.is_empty() {
                "(document)".to_owned()
            } else {
                c.operations
                    .iter()
                    .map(|o| format!("`{o}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            out.push_str(&format!("- {place}: {} (`{}`)\n", c.message, c.id));
        }
    }
    if report.changes.is_empty() {
        out.push_str("\nNo change to the document.\n");
    }
    out
}

/// The CHANGELOG `text` (at `path`) with `entry` before its first release heading.
fn prepend(path: &str, text: &str, entry: &str) -> OutputFile {
    let at = text.find("\n## ").map(|i| i + 1).unwrap_or(text.len());
    let mut out = text[..at].to_owned();
    if !out.ends_with("\n\n") {
        out.push('\n');
    }
    out.push_str(entry);
    out.push('\n');
    out.push_str(&text[at..]);
    OutputFile {
        path: PathBuf::from(path),
        content: out,
    }
}

/// Every workspace manifest's requirement on the moved crates set to their new versions, and the
/// facade's own version.
fn requirements(
    root: &Path,
    moved: &[(&str, &str)],
    facade_version: &str,
) -> Result<Vec<OutputFile>, String> {
    let mut out = Vec::new();
    let crates = std::fs::read_dir(root.join("crates")).map_err(|e| e.to_string())?;
    let mut manifests: Vec<PathBuf> = crates
        .filter_map(|e| e.ok())
        .map(|e| e.path().join("Cargo.toml"))
        .filter(|p| p.exists())
        .collect();
    manifests.sort();
    for manifest in manifests {
        let text = std::fs::read_to_string(&manifest).map_err(|e| e.to_string())?;
        if text.starts_with("# @generated") {
            continue; // regenerated: their requirement is the runtime's
        }
        let is_facade = manifest.parent().and_then(Path::file_name) == Some(FACADE.as_ref());
        let mut changed = false;
        let mut in_package = false;
        let lines: Vec<String> = text
            .lines()
            .map(|line| {
                if line.starts_with('[') {
                    in_package = line == "[package]";
                }
                if is_facade && in_package && line.starts_with("version = ") {
                    changed = true;
                    return format!("version = \"{facade_version}\"");
                }
                for (name, version) in moved {
                    if line.starts_with(&format!("{name} = {{"))
                        && line.contains("path = ")
                        && let Some(start) = line.find("version = \"")
                    {
                        let rest = &line[start + 11..];
                        if let Some(end) = rest.find('"') {
                            changed = true;
                            return format!("{}{version}{}", &line[..start + 11], &rest[end..]);
                        }
                    }
                }
                line.to_owned()
            })
            .collect();
        if changed {
            let path = manifest
                .strip_prefix(root)
                .map_err(|e| e.to_string())?
                .to_path_buf();
            out.push(OutputFile {
                path,
                content: lines.join("\n") + "\n",
            });
        }
    }
    Ok(out)
}

/// Keep the last of several outputs for one path.
fn dedup_last(files: &mut Vec<OutputFile>) {
    let mut seen = BTreeSet::new();
    let mut keep: Vec<OutputFile> = Vec::new();
    for f in files.drain(..).rev() {
        if seen.insert(f.path.clone()) {
            keep.push(f);
        }
    }
    keep.reverse();
    *files = keep;
}

/// Copy the API's folder into the scratch copy: folders and regular files only (a symbolic
/// link, a FIFO or a device in it is refused, not followed or read).
fn copy_dir(from: &Path, to: &Path) -> Result<(), String> {
    std::fs::create_dir_all(to).map_err(|e| format!("{}: {e}", to.display()))?;
    for entry in std::fs::read_dir(from).map_err(|e| format!("{}: {e}", from.display()))? {
        let entry = entry.map_err(|e| e.to_string())?;
        let target = to.join(entry.file_name());
        let kind = entry.file_type().map_err(|e| e.to_string())?;
        if kind.is_dir() {
            copy_dir(&entry.path(), &target)?;
        } else if kind.is_file() {
            std::fs::copy(entry.path(), &target)
                .map_err(|e| format!("{}: {e}", target.display()))?;
        } else {
            return Err(format!(
                "{}: not a regular file or folder: the API's folder holds files only",
                entry.path().display()
            ));
        }
    }
    Ok(())
}

/// Today's date (UTC), `YYYY-MM-DD`; `SOURCE_DATE_EPOCH` overrides it for reproducible output.
fn today() -> String {
    let secs = std::env::var("SOURCE_DATE_EPOCH")
        .ok()
        .and_then(|s| s.parse::<i64>().ok())
        .unwrap_or_else(|| chrono::Utc::now().timestamp());
    civil_date(secs)
}

/// `YYYY-MM-DD` of a Unix time (UTC).
fn civil_date(secs: i64) -> String {
    chrono::DateTime::from_timestamp(secs, 0)
        .unwrap_or_default()
        .date_naive()
        .to_string()
}

/// Cross-check with cargo-semver-checks (installed when missing): the regenerated crate in the
/// working tree against `HEAD`, judged as if it were a patch release so that every lint runs (a
/// version that already moved to a breaking number would make it skip them). The larger bump
/// when it needs more than `bump`.
fn semver_checks(root: &Path, api: &str, bump: Bump) -> Result<Option<Bump>, String> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let installed = Command::new(&cargo)
        .args(["semver-checks", "--version"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !installed {
        println!("installing cargo-semver-checks (once)…");
        let status = Command::new(&cargo)
            .args(["install", "cargo-semver-checks", "--locked"])
            .status()
            .map_err(|e| format!("cargo install: {e}"))?;
        if !status.success() {
            return Err("cargo install cargo-semver-checks failed".to_owned());
        }
    }
    let output = Command::new(&cargo)
        .current_dir(root)
        .args([
            "semver-checks",
            "check-release",
            "-p",
            api,
            "--baseline-rev",
            "HEAD",
            "--release-type",
            "patch",
        ])
        .output()
        .map_err(|e| format!("cargo semver-checks: {e}"))?;
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    println!("{text}");
    // "semver requires new major version" / "… new minor version" (semver's terms).
    let required = if text.contains("requires new major version") {
        Bump::Major
    } else if text.contains("requires new minor version") {
        Bump::Minor
    } else {
        Bump::Patch
    };
    if required > bump {
        println!(
            "semver: cargo-semver-checks requires {}; the diff said {}",
            bump_name(required),
            bump_name(bump)
        );
        Ok(Some(required))
    } else {
        println!(
            "semver: cargo-semver-checks agrees: it requires {}, the diff said {}",
            bump_name(required),
            bump_name(bump)
        );
        Ok(None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_bump_by_cargo_rules() {
        assert_eq!(bumped("0.1.0", Bump::Major).unwrap(), "0.2.0");
        assert_eq!(bumped("0.1.0", Bump::Minor).unwrap(), "0.1.1");
        assert_eq!(bumped("0.1.3", Bump::Patch).unwrap(), "0.1.4");
        assert_eq!(bumped("1.2.3", Bump::Major).unwrap(), "2.0.0");
        assert_eq!(bumped("1.2.3", Bump::Minor).unwrap(), "1.3.0");
        assert_eq!(bumped("1.2.3+1.2.2", Bump::None).unwrap(), "1.2.3");
        assert!(bumped("one", Bump::Major).is_err());
    }

    #[test]
    fn dates_are_civil_utc() {
        assert_eq!(civil_date(0), "1970-01-01");
        assert_eq!(civil_date(1_796_256_000), "2026-12-03");
        assert_eq!(civil_date(951_782_400), "2000-02-29");
    }
}
