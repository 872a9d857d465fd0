//! Command-line handling shared by the examples: `--base-url URL` (required: the sandbox's or the
//! bank's), other `--name value` options with defaults that match the sandbox.

use std::collections::BTreeMap;

/// Parsed `--name value` options.
pub struct Args(BTreeMap<String, String>);

impl Args {
    /// Parse the process arguments; `usage` is printed on `--help` or a stray argument.
    pub fn parse(usage: &str) -> Args {
        Args::from(std::env::args().skip(1), usage)
    }

    /// Parse `--name value` pairs.
    pub fn from(args: impl IntoIterator<Item = String>, usage: &str) -> Args {
        let mut out = BTreeMap::new();
        let mut it = args.into_iter();
        while let Some(arg) = it.next() {
            match (arg.strip_prefix("--"), it.next()) {
                (Some("help"), _) | (None, _) | (Some(_), None) => {
                    eprintln!("{usage}");
                    std::process::exit(if arg == "--help" { 0 } else { 2 });
                }
                (Some(name), Some(value)) => {
                    out.insert(name.to_owned(), value);
                }
            }
        }
        if !out.contains_key("base-url") {
            eprintln!("--base-url is required\n{usage}");
            std::process::exit(2);
        }
        Args(out)
    }

    /// An option, or its default.
    pub fn get(&self, name: &str, default: &str) -> String {
        self.0
            .get(name)
            .cloned()
            .unwrap_or_else(|| default.to_owned())
    }

    /// The base URL, without a trailing slash.
    pub fn base_url(&self) -> String {
        self.get("base-url", "").trim_end_matches('/').to_owned()
    }
}

/// Print a step.
pub fn step(n: u32, what: &str) {
    println!("{n}. {what}");
}
