//! `cargo xtask diff`: argument handling and output; the comparison is `bank_codegen::diff`.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

use bank_codegen::diff::{self, Level};

pub const USAGE: &str = "\
usage:
  cargo xtask diff <api> <new-document>        the committed document of <api> against a new file
  cargo xtask diff <api> --rev <git-rev>       the document at <git-rev> against the working tree
  cargo xtask diff <api> <new> --rev <rev>     the document at <rev> against a new file
  cargo xtask diff <old-file> <new-file>       any two documents (Swagger 2.0 or OpenAPI 3.0)
  cargo xtask diff --rules                     the rule catalogue
options:
  --format text|markdown|json   (text by default; colour on a terminal unless NO_COLOR is set)
  --fail-on breaking|non-breaking|info   exit 1 when a change of that level or worse is found
exit status: 0 done, 1 --fail-on threshold reached, 2 bad input";

#[derive(Clone, Copy, PartialEq)]
enum Format {
    Text,
    Markdown,
    Json,
}

/// One side of the comparison: a name for messages and the text.
struct Side {
    label: String,
    path: PathBuf,
    text: String,
}

/// Run `diff` with its arguments (after the command name).
pub fn run(root: &Path, args: &[String]) -> ExitCode {
    match run_inner(root, args) {
        Ok(code) => code,
        Err(message) => {
            eprintln!("error: {}", crate::terminal_safe(&message));
            ExitCode::from(2)
        }
    }
}

fn run_inner(root: &Path, args: &[String]) -> Result<ExitCode, String> {
    let mut positional = Vec::new();
    let mut format = Format::Text;
    let mut fail_on: Option<Level> = None;
    let mut rev: Option<String> = None;
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        let mut value = |name: &str| {
            it.next()
                .cloned()
                .ok_or(format!("{name} needs a value\n{USAGE}"))
        };
        match arg.as_str() {
            "--format" => {
                format = match value("--format")?.as_str() {
                    "text" => Format::Text,
                    "markdown" | "md" => Format::Markdown,
                    "json" => Format::Json,
                    other => {
                        return Err(format!("unknown format `{other}` (text, markdown, json)"));
                    }
                }
            }
            "--fail-on" => {
                fail_on = match value("--fail-on")?.as_str() {
                    "breaking" => Some(Level::Breaking),
                    "non-breaking" => Some(Level::NonBreaking),
                    "info" => Some(Level::Info),
                    "none" => None,
                    other => {
                        return Err(format!(
                            "unknown level `{other}` (breaking, non-breaking, info, none)"
                        ));
                    }
                }
            }
            "--rev" => rev = Some(value("--rev")?),
            "--rules" => {
                for rule in diff::rules::catalogue().values() {
                    println!("{:<58} {:<12} {}", rule.id, rule.level.as_str(), rule.why);
                }
                return Ok(ExitCode::SUCCESS);
            }
            "-h" | "--help" => {
                println!("{USAGE}");
                return Ok(ExitCode::SUCCESS);
            }
            flag if flag.starts_with("--") => {
                return Err(format!("unknown option {flag}\n{USAGE}"));
            }
            _ => positional.push(arg.clone()),
        }
    }
    let (old, new) = sides(root, &positional, rev.as_deref())?;
    // Harmless violations (an operation without `responses`, …) are read past, each named.
    let prepare = |s: &Side| {
        let (value, warnings) =
            diff::prepare_lenient(&s.path, &s.text).map_err(|e| e.to_string())?;
        for warning in warnings {
            eprintln!("warning: {}", crate::terminal_safe(&warning));
        }
        Ok::<_, String>(value)
    };
    let mut report = diff::diff(&prepare(&old)?, &prepare(&new)?);
    // The documents' words reach the terminal (or a Markdown page) without escape sequences or
    // invisible reordering; JSON escapes its own.
    if !matches!(format, Format::Json) {
        for change in &mut report.changes {
            change.message = crate::terminal_safe(&change.message);
            change.pointer = crate::terminal_safe(&change.pointer);
            for operation in &mut change.operations {
                *operation = crate::terminal_safe(operation);
            }
        }
    }
    let title = crate::terminal_safe(&format!("{} → {}", old.label, new.label));
    match format {
        Format::Text => {
            let colour = std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none();
            print!("{}", report.to_text(&title, colour));
        }
        Format::Markdown => print!("{}", report.to_markdown(&title)),
        Format::Json => println!(
            "{}",
            serde_json::to_string_pretty(&report.to_json()).map_err(|e| e.to_string())?
        ),
    }
    let failed =
        fail_on.is_some_and(|threshold| report.changes.iter().any(|c| c.level <= threshold));
    Ok(if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

/// A document the diff is given, read boundedly (a regular file, within the caps of
/// `bank_codegen::limits`).
fn read_document(path: &Path) -> Result<String, String> {
    let limits = bank_codegen::limits::Limits::from_env().map_err(|e| e.to_string())?;
    bank_codegen::limits::read_document(path, &limits).map_err(|e| e.to_string())
}

/// Work out the old and new documents from the arguments.
fn sides(root: &Path, positional: &[String], rev: Option<&str>) -> Result<(Side, Side), String> {
    let api_document = |name: &str| -> Result<Option<PathBuf>, String> {
        let apis = bank_codegen::discover(&root.join("specs")).map_err(|e| e.to_string())?;
        Ok(apis
            .into_iter()
            .find(|a| a.name == name)
            .map(|a| a.document_path()))
    };
    let read_file = |p: &str| -> Result<Side, String> {
        let path = PathBuf::from(p);
        let text = read_document(&path)?;
        Ok(Side {
            label: p.to_owned(),
            path,
            text,
        })
    };
    let at_rev = |path: &Path, rev: &str| -> Result<Side, String> {
        let rel = path.strip_prefix(root).unwrap_or(path);
        let spec = format!("{rev}:{}", rel.display());
        let out = Command::new("git")
            .arg("-C")
            .arg(root)
            .args(["show", &spec])
            .output()
            .map_err(|e| format!("running git: {e}"))?;
        if !out.status.success() {
            return Err(format!(
                "git show {spec}: {}",
                String::from_utf8_lossy(&out.stderr).trim()
            ));
        }
        let text = String::from_utf8(out.stdout).map_err(|e| format!("{spec}: not UTF-8: {e}"))?;
        Ok(Side {
            label: spec.clone(),
            path: PathBuf::from(spec),
            text,
        })
    };
    let working = |path: &Path| -> Result<Side, String> {
        let text = read_document(path)?;
        let label = path
            .strip_prefix(root)
            .unwrap_or(path)
            .display()
            .to_string();
        Ok(Side {
            label,
            path: path.to_path_buf(),
            text,
        })
    };
    match positional {
        [first, rest @ ..] if rest.len() <= 1 => {
            if let Some(document) = api_document(first)? {
                let old = match rev {
                    Some(r) => at_rev(&document, r)?,
                    None => working(&document)?,
                };
                let new = match (rest.first(), rev) {
                    (Some(file), _) => read_file(file)?,
                    (None, Some(_)) => working(&document)?,
                    (None, None) => {
                        return Err(format!(
                            "`{first}`: give the new document, or --rev\n{USAGE}"
                        ));
                    }
                };
                return Ok((old, new));
            }
            match (rest.first(), rev) {
                (Some(new), None) => Ok((read_file(first)?, read_file(new)?)),
                (Some(new), Some(r)) => Ok((at_rev(&PathBuf::from(first), r)?, read_file(new)?)),
                (None, Some(r)) => {
                    let path = PathBuf::from(first);
                    Ok((at_rev(&path, r)?, working(&path)?))
                }
                (None, None) => Err(format!(
                    "`{first}` is neither an API under specs/ nor paired with a second file\n{USAGE}"
                )),
            }
        }
        _ => Err(USAGE.to_owned()),
    }
}
