//! `cargo xtask corpus`: every public document of `xtask/corpus/` through `new`, `cargo check`
//! and `cargo test`, as a new user would, with a table of what happened.
//!
//! The documents are real-world ones (banks, open-banking standards, payment providers), kept
//! byte for byte as published at a pinned commit; `xtask/corpus/corpus.toml` names each one's
//! source, licence and SHA-256, checked before use. Everything runs on a scratch copy of the
//! workspace under `target/corpus/` (its own target directory, kept between runs), so the
//! checkout is never touched. `new` runs as a separate process: a panic shows as one, not as a
//! crash of the whole run.

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Output};
use std::time::{Duration, Instant};

use serde::Deserialize;
use sha2::{Digest, Sha256};

/// `corpus --help`.
pub const USAGE: &str = "\
usage: cargo xtask corpus [--only ID[,ID...]] [--no-build]
  runs `new` (generation), `cargo check` and `cargo test` of the generated crate for every
  document listed in xtask/corpus/corpus.toml, on a scratch copy of the workspace under
  target/corpus/, and prints a table (also written to target/corpus/report.md)
  --only       just these documents (ids from corpus.toml)
  --no-build   generation only: skip cargo check and cargo test
exit status: 0 when no document made the generator panic, 1 otherwise, 2 on bad usage";

/// `xtask/corpus/corpus.toml`.
#[derive(Deserialize)]
struct Manifest {
    document: Vec<Entry>,
}

/// One document of the corpus and where it comes from.
#[derive(Deserialize)]
struct Entry {
    id: String,
    file: String,
    format: String,
    repo: String,
    commit: String,
    path: String,
    license: String,
    sha256: String,
    about: String,
}

/// What happened to one document.
#[derive(Default)]
struct Outcome {
    generated: bool,
    panicked: bool,
    /// Problems reported by the generator (all of them, from one run).
    problems: Vec<String>,
    /// Normaliser choices printed by `new`.
    choices: usize,
    compiled: Option<bool>,
    compile_errors: Vec<String>,
    /// `(passed, failed)` of `cargo test -p`.
    tests: Option<(usize, usize)>,
    failures: Vec<String>,
    generate_time: Duration,
    check_time: Duration,
    test_time: Duration,
}

impl Outcome {
    /// Passed as published: generated, compiled and its own tests green.
    fn passed(&self) -> bool {
        self.generated && self.compiled == Some(true) && matches!(self.tests, Some((_, 0)))
    }
}

/// Run `corpus` with its arguments (after the command name).
pub fn run(root: &Path, args: &[String]) -> ExitCode {
    let mut only: Option<Vec<String>> = None;
    let mut build = true;
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--no-build" => build = false,
            "--only" => match it.next() {
                Some(list) => only = Some(list.split(',').map(str::to_owned).collect()),
                None => {
                    eprintln!("--only needs a list of ids\n{USAGE}");
                    return ExitCode::from(2);
                }
            },
            other => {
                eprintln!("unknown argument {other}\n{USAGE}");
                return ExitCode::from(2);
            }
        }
    }
    match corpus(root, only.as_deref(), build) {
        Ok(code) => code,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::from(2)
        }
    }
}

fn corpus(root: &Path, only: Option<&[String]>, build: bool) -> Result<ExitCode, String> {
    let dir = root.join("xtask/corpus");
    let manifest_path = dir.join("corpus.toml");
    let text = std::fs::read_to_string(&manifest_path)
        .map_err(|e| format!("{}: {e}", manifest_path.display()))?;
    let manifest: Manifest =
        toml::from_str(&text).map_err(|e| format!("{}: {e}", manifest_path.display()))?;
    if let Some(only) = only {
        for id in only {
            if !manifest.document.iter().any(|d| &d.id == id) {
                return Err(format!(
                    "no document `{id}` in {}; known: {}",
                    manifest_path.display(),
                    manifest
                        .document
                        .iter()
                        .map(|d| d.id.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ));
            }
        }
    }
    let chosen: Vec<&Entry> = manifest
        .document
        .iter()
        .filter(|d| only.is_none_or(|o| o.contains(&d.id)))
        .collect();
    // Every fixture is checked before anything runs: a changed file is not the published one.
    for entry in &chosen {
        let path = dir.join(&entry.file);
        let bytes = std::fs::read(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        let digest = hex(&Sha256::digest(&bytes));
        if digest != entry.sha256 {
            return Err(format!(
                "{}: SHA-256 is {digest}, corpus.toml says {} — the fixture is not the document \
                 published at {}@{}:{}",
                path.display(),
                entry.sha256,
                entry.repo,
                entry.commit,
                entry.path
            ));
        }
    }

    let base = root.join("target/corpus");
    let scratch = base.join("workspace");
    let target = base.join("target");
    copy_workspace(root, &scratch)?;
    println!(
        "scratch workspace: {} (target directory {})",
        scratch.display(),
        target.display()
    );
    let exe = std::env::current_exe().map_err(|e| format!("the xtask binary: {e}"))?;
    let mut rows = Vec::new();
    for entry in &chosen {
        let api = format!("corpus-{}", entry.id);
        let document = dir.join(&entry.file);
        println!("\n== {} ({}, {})", entry.id, entry.format, size(&document));
        let outcome = one(&exe, &scratch, &target, &api, &document, build);
        print_outcome(&outcome);
        rows.push((*entry, document, outcome));
    }
    let report = report(&rows, build);
    println!("\n{report}");
    let report_path = base.join("report.md");
    std::fs::write(&report_path, &report).map_err(|e| format!("{}: {e}", report_path.display()))?;
    println!("(written to {})", report_path.display());
    Ok(if rows.iter().any(|(_, _, o)| o.panicked) {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

/// `new`, `cargo check` and `cargo test` for one document.
fn one(
    exe: &Path,
    scratch: &Path,
    target: &Path,
    api: &str,
    document: &Path,
    build: bool,
) -> Outcome {
    let mut outcome = Outcome::default();
    let started = Instant::now();
    let generated = Command::new(exe)
        .current_dir(scratch)
        .args(["new", api])
        .arg(document)
        .arg("--no-check")
        .env_remove("CARGO_MANIFEST_DIR")
        .output();
    outcome.generate_time = started.elapsed();
    let generated = match generated {
        Ok(output) => output,
        Err(e) => {
            outcome.problems.push(format!("running xtask new: {e}"));
            return outcome;
        }
    };
    let (stdout, stderr) = (
        String::from_utf8_lossy(&generated.stdout),
        String::from_utf8_lossy(&generated.stderr),
    );
    outcome.panicked = stderr.contains("panicked at") || generated.status.code() == Some(101);
    outcome.generated = generated.status.success();
    outcome.choices = stdout
        .lines()
        .filter(|l| l.trim_start().starts_with("chose: "))
        .count();
    if !outcome.generated {
        outcome.problems = problems(&stderr);
        return outcome;
    }
    if !build {
        return outcome;
    }
    let started = Instant::now();
    let checked = cargo(
        scratch,
        target,
        &[
            "check",
            "-p",
            api,
            "--all-targets",
            "--all-features",
            "--message-format=short",
        ],
    );
    outcome.check_time = started.elapsed();
    let checked = match checked {
        Ok(output) => output,
        Err(e) => {
            outcome.compile_errors.push(e);
            outcome.compiled = Some(false);
            return outcome;
        }
    };
    outcome.compiled = Some(checked.status.success());
    if !checked.status.success() {
        outcome.compile_errors = String::from_utf8_lossy(&checked.stderr)
            .lines()
            .filter(|l| l.contains(": error") || l.starts_with("error"))
            .map(str::to_owned)
            .collect();
        return outcome;
    }
    let started = Instant::now();
    let tested = cargo(
        scratch,
        target,
        &["test", "-p", api, "--all-features", "--no-fail-fast"],
    );
    outcome.test_time = started.elapsed();
    match tested {
        Ok(output) => {
            let stdout = String::from_utf8_lossy(&output.stdout);
            let (mut passed, mut failed) = (0, 0);
            for line in stdout.lines() {
                if let Some(rest) = line.strip_prefix("test result: ") {
                    passed += count(rest, "passed");
                    failed += count(rest, "failed");
                }
                if line.starts_with("test ") && line.ends_with("FAILED") {
                    outcome.failures.push(line.to_owned());
                }
            }
            if !output.status.success() && failed == 0 {
                // The tests did not build or run: say so rather than report zero failures.
                failed = 1;
                outcome.failures.extend(
                    String::from_utf8_lossy(&output.stderr)
                        .lines()
                        .filter(|l| l.contains("error"))
                        .take(10)
                        .map(str::to_owned),
                );
            }
            outcome.tests = Some((passed, failed));
        }
        Err(e) => {
            outcome.tests = Some((0, 1));
            outcome.failures.push(e);
        }
    }
    outcome
}

fn cargo(scratch: &Path, target: &Path, args: &[&str]) -> Result<Output, String> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    Command::new(cargo)
        .current_dir(scratch)
        .args(args)
        .env("CARGO_TARGET_DIR", target)
        // Each crate is built once: incremental caches would only fill the disk (gigabytes for
        // a document the size of Stripe's).
        .env("CARGO_INCREMENTAL", "0")
        .env_remove("CARGO_MANIFEST_DIR")
        .output()
        .map_err(|e| format!("running cargo {}: {e}", args.join(" ")))
}

/// The problems in `new`'s error output: one per `  - ` line of a multi-problem report, or the
/// single `error:` line.
fn problems(stderr: &str) -> Vec<String> {
    let listed: Vec<String> = stderr
        .lines()
        .filter_map(|l| l.strip_prefix("  - "))
        .map(str::to_owned)
        .collect();
    if !listed.is_empty() {
        return listed;
    }
    let first: Vec<String> = stderr
        .lines()
        .filter(|l| !l.is_empty() && *l != "nothing was written")
        .map(|l| l.strip_prefix("error: ").unwrap_or(l).to_owned())
        .collect();
    vec![first.join(" / ")]
}

/// A problem is located when, right after the file it names, it gives a place in that file: a
/// JSON pointer (`….yaml: /paths/…`), a line and column (`….yaml:12:3:`), or an overlay fix
/// (`….yaml: fix #2`).
fn located(problem: &str) -> bool {
    [".yaml", ".yml", ".json"].iter().any(|ext| {
        problem.match_indices(ext).any(|(i, _)| {
            let rest = &problem[i + ext.len()..];
            rest.starts_with(": /")
                || rest.starts_with(": fix #")
                || rest
                    .strip_prefix(':')
                    .is_some_and(|r| r.starts_with(|c: char| c.is_ascii_digit() && c != '0'))
        })
    })
}

/// `N passed` / `N failed` from a `test result: ok. 3 passed; 0 failed; …` line.
fn count(summary: &str, what: &str) -> usize {
    summary
        .split(';')
        .find_map(|part| {
            let mut words = part.split_whitespace().rev();
            match (words.next(), words.next()) {
                (Some(word), Some(n)) if word == what => n.parse().ok(),
                _ => None,
            }
        })
        .unwrap_or(0)
}

fn print_outcome(outcome: &Outcome) {
    if outcome.panicked {
        println!("   PANIC in the generator");
    }
    if !outcome.generated {
        let located = outcome.problems.iter().filter(|p| located(p)).count();
        println!(
            "   not generated: {} problem(s), {located} located ({:.1} s)",
            outcome.problems.len(),
            outcome.generate_time.as_secs_f64()
        );
        for problem in &outcome.problems {
            println!("     - {problem}");
        }
        return;
    }
    println!(
        "   generated ({:.1} s, {} normaliser choice(s))",
        outcome.generate_time.as_secs_f64(),
        outcome.choices
    );
    match outcome.compiled {
        Some(true) => println!("   compiled ({:.1} s)", outcome.check_time.as_secs_f64()),
        Some(false) => {
            println!(
                "   does not compile: {} error line(s) ({:.1} s)",
                outcome.compile_errors.len(),
                outcome.check_time.as_secs_f64()
            );
            for error in outcome.compile_errors.iter().take(15) {
                println!("     {error}");
            }
        }
        None => {}
    }
    if let Some((passed, failed)) = outcome.tests {
        println!(
            "   tests: {passed} passed, {failed} failed ({:.1} s)",
            outcome.test_time.as_secs_f64()
        );
        for failure in &outcome.failures {
            println!("     {failure}");
        }
    }
}

fn report(rows: &[(&Entry, PathBuf, Outcome)], build: bool) -> String {
    let mut out = String::from(
        "| document | format | size | generated as published | compiled | own tests | fixes needed | source |\n|---|---|---:|---|---|---|---|---|\n",
    );
    for (entry, document, o) in rows {
        let generated = if o.panicked {
            "PANIC".to_owned()
        } else if o.generated {
            format!("yes ({} choices)", o.choices)
        } else {
            let located = o.problems.iter().filter(|p| located(p)).count();
            format!("no: {} problems, {located} located", o.problems.len())
        };
        let compiled = match o.compiled {
            Some(true) => "yes".to_owned(),
            Some(false) => format!("no ({} errors)", o.compile_errors.len()),
            None => "—".to_owned(),
        };
        let tests = match o.tests {
            Some((passed, failed)) => format!("{passed} passed, {failed} failed"),
            None => "—".to_owned(),
        };
        let fixes = if o.passed() {
            "none".to_owned()
        } else if !o.generated {
            o.problems.len().to_string()
        } else if o.compiled == Some(false) {
            "see compile errors".to_owned()
        } else if let Some((_, failed)) = o.tests {
            format!("{failed} failing test(s)")
        } else {
            "—".to_owned()
        };
        out.push_str(&format!(
            "| {} | {} | {} | {generated} | {compiled} | {tests} | {fixes} | {} |\n",
            entry.id,
            entry.format,
            size(document),
            entry.repo,
        ));
    }
    let total = rows.len();
    let generated = rows.iter().filter(|(_, _, o)| o.generated).count();
    let panicked = rows.iter().filter(|(_, _, o)| o.panicked).count();
    out.push_str(&format!(
        "\n{generated} of {total} generated as published; {panicked} panicked.\n"
    ));
    if build {
        let compiled = rows
            .iter()
            .filter(|(_, _, o)| o.compiled == Some(true))
            .count();
        let passed = rows.iter().filter(|(_, _, o)| o.passed()).count();
        out.push_str(&format!(
            "{compiled} of {total} compiled; {passed} of {total} ({:.0} %) generated, compiled and passed their own tests.\n",
            100.0 * passed as f64 / total.max(1) as f64
        ));
    }
    for (entry, _, _) in rows {
        out.push_str(&format!(
            "\n- `{}`: {} — {}@{} `{}`; licence: {}",
            entry.id,
            entry.about,
            entry.repo,
            &entry.commit[..entry.commit.len().min(12)],
            entry.path,
            entry.license
        ));
    }
    out.push('\n');
    out
}

fn size(path: &Path) -> String {
    let bytes = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
    if bytes >= 1 << 20 {
        format!("{:.1} MB", bytes as f64 / f64::from(1 << 20))
    } else {
        format!("{} KB", bytes.div_ceil(1024))
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A fresh copy of every file git knows under `root` (tracked, or untracked and not ignored),
/// without the corpus itself, at `to`.
fn copy_workspace(root: &Path, to: &Path) -> Result<(), String> {
    let listed = Command::new("git")
        .current_dir(root)
        .args([
            "ls-files",
            "--cached",
            "--others",
            "--exclude-standard",
            "-z",
        ])
        .output()
        .map_err(|e| format!("running git ls-files: {e}"))?;
    if !listed.status.success() {
        return Err(format!(
            "git ls-files failed: {}",
            String::from_utf8_lossy(&listed.stderr)
        ));
    }
    if to.exists() {
        std::fs::remove_dir_all(to).map_err(|e| format!("{}: {e}", to.display()))?;
    }
    for file in listed.stdout.split(|b| *b == 0).filter(|f| !f.is_empty()) {
        let rel = Path::new(std::str::from_utf8(file).map_err(|e| e.to_string())?);
        if rel.starts_with("xtask/corpus") {
            continue;
        }
        let (from, dest) = (root.join(rel), to.join(rel));
        if !from.is_file() {
            continue;
        }
        if let Some(parent) = dest.parent() {
            std::fs::create_dir_all(parent).map_err(|e| format!("{}: {e}", parent.display()))?;
        }
        std::fs::copy(&from, &dest).map_err(|e| format!("{}: {e}", dest.display()))?;
    }
    Ok(())
}
