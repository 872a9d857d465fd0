//! `cargo xtask generate | check | list | diff | bench-diff | screenshots …` — the workspace's entry points
//! (`cargo xtask help` prints them). Argument parsing only; the work is in `bank-codegen`.

use std::process::ExitCode;

mod bench;
mod corpus;
mod diff;
mod new;
mod probe;
mod public_api;
mod registry;
mod screenshots;
mod update;

#[global_allocator]
static ALLOCATOR: bench::Counting = bench::Counting;

const USAGE: &str = "\
usage:
  cargo xtask generate [--timings] [API...]   regenerate crates/<api>/ from specs/<api>/
  cargo xtask check [API...]                  fail with a diff when generated files are stale
  cargo xtask list                            the APIs under specs/
  cargo xtask diff ...                        what changed between two spec versions (diff --help)
  cargo xtask bench-diff [--paths N]          time and peak memory of diff on a large synthetic spec
  cargo xtask semver-probe                    the diff's rules judged by compiling user code before/after
  cargo xtask update <api> <document> ...     a bank's new document → regenerated, bumped, CHANGELOG (update --help)
  cargo xtask tags                            the release tags (<crate>-v<version>) still to create
  cargo xtask new <api> <document>            a new bank's document → specs/<api>/ and a compiling crate (new --help)
  cargo xtask corpus [--only ID,...]          public real-world documents through new, check and test (corpus --help)
  cargo xtask public-api [--check]            the banks crate's public surface → crates/banks/public-api.txt
  cargo xtask registry <dir> [--name NAME]    the published crates, packaged and verified, as a Cargo registry (registry --help)
  cargo xtask screenshots                     the sandbox console's pictures → crates/sandbox/docs/*.png (needs chromium)";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some((command, rest)) = args.split_first() else {
        eprintln!("{USAGE}");
        return ExitCode::from(2);
    };
    let root = match bank_codegen::workspace_root() {
        Ok(root) => root,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    if command == "diff" {
        return diff::run(&root, rest);
    }
    if command == "bench-diff" {
        return bench::run(&root, rest);
    }
    if command == "semver-probe" {
        return probe::run(&root, rest);
    }
    if command == "screenshots" {
        return screenshots::run(&root, rest);
    }
    if command == "public-api" {
        return ExitCode::from(public_api::run(&root, rest) as u8);
    }
    // Commands with a usage of their own: `--help` prints it, anything else runs them.
    let with_usage: [(&str, &str, Command); 4] = [
        ("update", update::USAGE, update::run),
        ("registry", registry::USAGE, registry::run),
        ("new", new::USAGE, new::run),
        ("corpus", corpus::USAGE, corpus::run),
    ];
    if let Some((_, usage, run)) = with_usage.iter().find(|(name, _, _)| name == command) {
        if rest.iter().any(|a| a == "--help" || a == "-h") {
            println!("{usage}");
            return ExitCode::SUCCESS;
        }
        return run(&root, rest);
    }
    if command == "tags" {
        return update::tags(&root);
    }
    let timings = rest.iter().any(|a| a == "--timings");
    let names: Vec<String> = rest
        .iter()
        .filter(|a| !a.starts_with("--"))
        .cloned()
        .collect();
    if let Some(flag) = rest
        .iter()
        .find(|a| a.starts_with("--") && *a != "--timings")
    {
        eprintln!("unknown option {flag}\n{USAGE}");
        return ExitCode::from(2);
    }
    let result = match command.as_str() {
        "generate" => generate(&root, &names, timings),
        "check" => check(&root, &names),
        "list" => bank_codegen::discover(&root.join("specs")).map(|apis| {
            for api in apis {
                println!("{:<16} {}", api.name, api.config.api.title);
            }
            ExitCode::SUCCESS
        }),
        "help" | "--help" | "-h" => {
            println!("{USAGE}");
            Ok(ExitCode::SUCCESS)
        }
        other => {
            eprintln!("unknown command `{other}`\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    result.unwrap_or_else(|e| {
        eprintln!("error: {}", terminal_safe(&e.to_string()));
        ExitCode::FAILURE
    })
}

/// A command's entry point: the workspace root and the arguments after its name.
type Command = fn(&std::path::Path, &[String]) -> ExitCode;

/// Whether `c` is an invisible formatting character: bidirectional marks, embeddings, overrides
/// and isolates, zero-width characters, line and paragraph separators, the byte-order mark.
pub fn invisible(c: char) -> bool {
    matches!(
        c,
        '\u{061C}' | '\u{200B}'..='\u{200F}' | '\u{2028}'..='\u{202E}' | '\u{2060}'..='\u{2069}' | '\u{FEFF}'
    )
}

/// Text that may carry a document's words, made safe for the terminal: control characters
/// (newlines and tabs aside) and invisible formatting characters shown as `\u{…}`, so a document
/// can neither send escape sequences nor reorder what is printed.
pub fn terminal_safe(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c != '\n' && c != '\t' && (c.is_control() || invisible(c)) {
            out.push_str(&format!("\\u{{{:x}}}", u32::from(c)));
        } else {
            out.push(c);
        }
    }
    out
}

/// The end of a command that writes all or nothing: success, or the refusal on stderr with
/// "nothing was written" and exit status 2.
pub fn all_or_nothing(result: Result<(), String>) -> ExitCode {
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {}\nnothing was written", terminal_safe(&message));
            ExitCode::from(2)
        }
    }
}

/// The normaliser's choices where the document allowed several (recorded in the normalised
/// `openapi.json`), printed so that none is silent.
pub fn print_choices(files: &[bank_codegen::OutputFile]) {
    let choices = files
        .iter()
        .find(|f| f.path.ends_with("openapi.json"))
        .and_then(|f| serde_json::from_str::<serde_json::Value>(&f.content).ok())
        .and_then(|doc| doc.get(bank_openapi::ext::CHOICES).cloned());
    for choice in choices.iter().filter_map(|c| c.as_array()).flatten() {
        println!(
            "    chose: {} — {}",
            terminal_safe(choice["at"].as_str().unwrap_or_default()),
            terminal_safe(choice["choice"].as_str().unwrap_or_default())
        );
    }
}

fn generate(
    root: &std::path::Path,
    names: &[String],
    timings: bool,
) -> bank_codegen::Result<ExitCode> {
    let start = std::time::Instant::now();
    let generated = bank_codegen::generate(root, names)?;
    let elapsed = start.elapsed();
    let files: Vec<_> = generated
        .iter()
        .flat_map(|(_, _, f)| f.iter().cloned())
        .collect();
    let changed = bank_codegen::write(root, &files)?;
    for (name, t, files) in &generated {
        let lines: usize = files.iter().map(|f| f.content.lines().count()).sum();
        println!("{name:<16} {} files, {lines} lines", files.len());
        print_choices(files);
        if timings {
            for (stage, d) in &t.stages {
                println!("    {stage:<14} {:>8.2} ms", d.as_secs_f64() * 1e3);
            }
            println!(
                "    {:<14} {:>8.2} ms",
                "total",
                t.total().as_secs_f64() * 1e3
            );
        }
    }
    if timings {
        println!(
            "all APIs: {:.2} ms ({} build)",
            elapsed.as_secs_f64() * 1e3,
            if cfg!(debug_assertions) {
                "debug"
            } else {
                "release"
            }
        );
    }
    println!("{changed} file(s) changed");
    Ok(ExitCode::SUCCESS)
}

fn check(root: &std::path::Path, names: &[String]) -> bank_codegen::Result<ExitCode> {
    let generated = bank_codegen::generate(root, names)?;
    let files: Vec<_> = generated
        .iter()
        .flat_map(|(_, _, f)| f.iter().cloned())
        .collect();
    let stale = bank_codegen::stale(root, &files);
    if stale.is_empty() {
        println!("generated code is up to date ({} files)", files.len());
        return Ok(ExitCode::SUCCESS);
    }
    for s in &stale {
        print!("{}", s.diff);
    }
    eprintln!(
        "error: {} generated file(s) are stale: {}\nrun `cargo xtask generate` and commit the result",
        stale.len(),
        stale
            .iter()
            .map(|s| s.path.display().to_string())
            .collect::<Vec<_>>()
            .join(", ")
    );
    Ok(ExitCode::FAILURE)
}
