//! `cargo xtask corpus --no-build` on two of the public documents: one generates as published,
//! the other (a document with dangling `$ref`s) lists every problem, each located; the table
//! says which is which. (The full run, with `cargo check` and `cargo test` of every document, is
//! a bench-style command, not part of the test suite.)

mod common;

use common::{text, workspace};
use std::process::Command;

#[test]
fn the_corpus_generates_or_locates_every_problem() {
    let run = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(["corpus", "--no-build", "--only", "xero-bankfeeds,square"])
        .current_dir(workspace())
        .env_remove("CARGO_MANIFEST_DIR")
        .output()
        .expect("xtask runs");
    let out = text(&run);
    assert!(run.status.success(), "{out}");
    assert!(
        out.contains("| xero-bankfeeds | openapi-3.0.0 | 35 KB | yes ("),
        "{out}"
    );
    assert!(
        out.contains("| square | swagger-2.0 | 1.7 MB | no: 19 problems, 19 located |"),
        "{out}"
    );
    assert!(
        out.contains("xtask/corpus/square.json: /components/schemas/GiftCard/properties/type/$ref: dangling $ref"),
        "problems name the document as received: {out}"
    );
    assert!(
        out.contains("1 of 2 generated as published; 0 panicked."),
        "{out}"
    );

    let unknown = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(["corpus", "--only", "nonesuch"])
        .current_dir(workspace())
        .env_remove("CARGO_MANIFEST_DIR")
        .output()
        .expect("xtask runs");
    assert_eq!(unknown.status.code(), Some(2), "{}", text(&unknown));
    assert!(
        text(&unknown).contains("no document `nonesuch`"),
        "{}",
        text(&unknown)
    );
}
