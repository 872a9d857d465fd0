//! `cargo xtask screenshots`: the sandbox console's pictures in its README, taken again by the
//! test suite's own browser. Runs the workspace test `console::screenshots_of_every_page`
//! (headless Chromium over WebDriver against a sandbox with a few orders, a failing callback, a
//! decline and a fault) with `BANK_CONSOLE_SCREENSHOTS` pointing at `crates/sandbox/docs/`, where
//! it writes `console-<page>.png` (1280 px wide, the browser's laptop-sized window).

use std::path::Path;
use std::process::{Command, ExitCode};

/// Where the pictures go, under the workspace root.
pub const DOCS: &str = "crates/sandbox/docs";

/// Take the screenshots; the test's output shows each file written.
pub fn run(root: &Path, args: &[String]) -> ExitCode {
    if let Some(arg) = args.first() {
        eprintln!("cargo xtask screenshots takes no argument (got `{arg}`)");
        return ExitCode::from(2);
    }
    let dir = root.join(DOCS);
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let status = Command::new(cargo)
        .current_dir(root)
        .args([
            "test",
            "-p",
            "e2e",
            "--test",
            "console",
            "--",
            "--exact",
            "screenshots_of_every_page",
            "--nocapture",
        ])
        .env("BANK_CONSOLE_SCREENSHOTS", &dir)
        // Without a browser the test would skip; here that is a failure.
        .env("CI", "true")
        .status();
    match status {
        Ok(s) if s.success() => {
            println!("screenshots in {}", dir.display());
            ExitCode::SUCCESS
        }
        Ok(s) => {
            eprintln!("the screenshots test failed ({s})");
            ExitCode::FAILURE
        }
        Err(e) => {
            eprintln!("running cargo: {e}");
            ExitCode::FAILURE
        }
    }
}
