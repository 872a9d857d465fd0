//! Every Rust example a README shows is compiled (and, where it can run alone, run): each
//! ` ```rust ` block of `README.md` and `crates/*/README.md` is, whitespace aside, the region
//! between `// README: begin` and `// README: end` of a Rust file the workspace builds (the
//! root README's is `crates/banks/examples/readme.rs`, the sandbox's the test
//! `crates/sandbox/tests/readme.rs`). The guide's examples are doctests (`cargo test --doc`).

mod common;

use common::{git_files, workspace};

/// The ` ```rust ` blocks of a Markdown text.
fn rust_blocks(markdown: &str) -> Vec<String> {
    let mut blocks = Vec::new();
    let mut current: Option<String> = None;
    for line in markdown.lines() {
        let fence = line.trim_start();
        match &mut current {
            None if fence.starts_with("```rust") => current = Some(String::new()),
            Some(block) if fence.starts_with("```") => {
                blocks.push(std::mem::take(block));
                current = None;
            }
            Some(block) => {
                block.push_str(line);
                block.push('\n');
            }
            None => {}
        }
    }
    blocks
}

/// The text between each `// README: begin` and `// README: end` of a Rust source.
fn regions(source: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current: Option<String> = None;
    for line in source.lines() {
        match line.trim() {
            "// README: begin" => current = Some(String::new()),
            "// README: end" => out.extend(current.take()),
            _ => {
                if let Some(region) = &mut current {
                    region.push_str(line);
                    region.push('\n');
                }
            }
        }
    }
    out
}

/// The text with all whitespace and trailing commas removed (rustfmt may wrap a line the README
/// keeps whole, and then ends its last argument with a comma).
fn squeezed(text: &str) -> String {
    let compact: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    compact
        .replace(",)", ")")
        .replace(",]", "]")
        .replace(",}", "}")
}

#[test]
fn every_readme_rust_example_is_a_compiled_region() {
    let root = workspace();
    let compiled: Vec<(String, String)> = git_files(&["*.rs"])
        .into_iter()
        .filter_map(|rel| {
            let text = std::fs::read_to_string(root.join(&rel)).ok()?;
            Some((rel.display().to_string(), text))
        })
        .flat_map(|(rel, text)| {
            regions(&text)
                .into_iter()
                .map(move |r| (rel.clone(), squeezed(&r)))
        })
        .collect();
    assert!(compiled.len() >= 2, "the README regions: {compiled:?}");
    let mut missing = Vec::new();
    let mut checked = 0;
    for readme in git_files(&["README.md", "crates/*/README.md"]) {
        let text = std::fs::read_to_string(root.join(&readme)).expect("README");
        for block in rust_blocks(&text) {
            checked += 1;
            if !compiled
                .iter()
                .any(|(_, region)| *region == squeezed(&block))
            {
                missing.push(format!(
                    "{}: this ```rust block is in no `// README: begin … end` region of a \
                     compiled file (copy it into an example or a test between the markers):\n{block}",
                    readme.display()
                ));
            }
        }
    }
    assert!(checked >= 2, "README rust blocks found: {checked}");
    assert!(missing.is_empty(), "{}", missing.join("\n"));
}

#[test]
fn blocks_and_regions_are_read_as_written() {
    let markdown = "x\n```rust\nlet a = 1;\n```\n```sh\nls\n```\n```rust\nb();\n```\n";
    assert_eq!(rust_blocks(markdown), ["let a = 1;\n", "b();\n"]);
    let source = "fn main() {\n    // README: begin\n    let a = 1;\n    // README: end\n}\n";
    assert_eq!(regions(source), ["    let a = 1;\n"]);
    assert_eq!(squeezed("let  a =\n 1;"), "leta=1;");
    assert_eq!(squeezed("f(\n    a,\n    b,\n)"), squeezed("f(a, b)"));
}
