//! `cargo test` catches drift: the checked-in generated files are exactly what the specs produce
//! (the same comparison as `cargo xtask check`).

#[test]
fn generated_code_is_fresh() {
    let root = bank_codegen::workspace_root().expect("the workspace root");
    let generated =
        bank_codegen::generate(&root, &[]).unwrap_or_else(|e| panic!("generation failed: {e}"));
    let files: Vec<_> = generated.into_iter().flat_map(|(_, _, f)| f).collect();
    let stale = bank_codegen::stale(&root, &files);
    let diffs: String = stale.iter().map(|s| s.diff.clone()).collect();
    assert!(
        stale.is_empty(),
        "stale generated files; run `cargo xtask generate`:\n{diffs}"
    );
}

#[test]
fn generation_is_deterministic() {
    let root = bank_codegen::workspace_root().expect("the workspace root");
    let a = bank_codegen::generate(&root, &[]).expect("generates");
    let b = bank_codegen::generate(&root, &[]).expect("generates");
    let flat = |g: Vec<(String, bank_codegen::Timings, Vec<bank_codegen::OutputFile>)>| -> Vec<_> {
        g.into_iter().flat_map(|(_, _, f)| f).collect()
    };
    assert_eq!(flat(a), flat(b));
}
