//! Every document in `specs/` is valid Swagger 2.0 / OpenAPI 3.0 with resolving `$ref`s, and every
//! example in it agrees with its schema — or is listed in `specs/<api>/known-quirks.yaml` as a
//! contradiction in the bank's own document. A new contradiction fails, and so does a listed one
//! that has gone (the bank fixed it: take it off the list).

use std::collections::BTreeMap;

use bank_codegen::{discover, load, structure, workspace_root};

#[test]
fn every_document_is_structurally_valid() {
    let apis = discover(&workspace_root().expect("the workspace root").join("specs"))
        .expect("specs/ is readable");
    assert!(apis.len() >= 2, "APIs found: {}", apis.len());
    for api in &apis {
        let doc = load::load(&api.document_path()).unwrap_or_else(|e| panic!("{e}"));
        structure::check(&doc).unwrap_or_else(|e| panic!("{e}"));
        // And the converted form is OpenAPI 3.0 as the generator reads it.
        bank_codegen::prepare(api, &mut Default::default()).unwrap_or_else(|e| panic!("{e}"));
    }
}

#[test]
fn examples_agree_with_schemas_or_are_known_quirks() {
    let apis = discover(&workspace_root().expect("the workspace root").join("specs"))
        .expect("specs/ is readable");
    let mut problems = Vec::new();
    for api in &apis {
        let doc = load::load(&api.document_path()).unwrap_or_else(|e| panic!("{e}"));
        let found: BTreeMap<String, String> = structure::example_violations(&doc.value)
            .into_iter()
            .collect();
        let quirks_path = api.dir.join("known-quirks.yaml");
        if std::env::var_os("UPDATE_KNOWN_QUIRKS").is_some() {
            let found: Vec<(String, String)> = found.clone().into_iter().collect();
            let text = structure::known_quirks_yaml(&found);
            std::fs::write(&quirks_path, text).expect("write known-quirks.yaml");
            continue;
        }
        let listed = structure::listed_quirks(&quirks_path).unwrap_or_else(|e| panic!("{e}"));
        for (at, why) in &found {
            if !listed.contains_key(at) {
                problems.push(format!("{}: {at}: {why} (not a listed quirk)", api.name));
            }
        }
        for at in listed.keys() {
            if !found.contains_key(at) {
                problems.push(format!(
                    "{}: {at}: listed as a quirk but the example now agrees with its schema",
                    api.name
                ));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn the_broker_document_is_the_banks_text_with_line_breaks_restored() {
    let dir = workspace_root()
        .expect("the workspace root")
        .join("specs/bcc-broker");
    let api = bank_codegen::discover(dir.parent().expect("specs"))
        .expect("specs")
        .into_iter()
        .find(|a| a.name == "bcc-broker")
        .expect("bcc-broker");
    assert!(
        api.config.api.layout_restored,
        "api.toml declares the restoration"
    );
    let collapse = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ");
    let restored = std::fs::read_to_string(dir.join("swagger.yaml")).expect("swagger.yaml");
    let published = std::fs::read_to_string(dir.join("source.txt")).expect("source.txt");
    assert!(
        collapse(&restored) == collapse(&published),
        "swagger.yaml differs from the bank's text beyond whitespace"
    );
    assert!(restored.lines().count() > 400, "line breaks are restored");
    let doc = load::load(&dir.join("swagger.yaml")).expect("loads");
    assert_eq!(doc.version, load::SpecVersion::Swagger2);
    assert_eq!(doc.value["paths"].as_object().map(|p| p.len()), Some(4));
    assert_eq!(
        doc.value["definitions"].as_object().map(|d| d.len()),
        Some(14)
    );
}

#[test]
fn the_financial_document_has_every_operation_of_the_dump() {
    let dir = workspace_root()
        .expect("the workspace root")
        .join("specs/bcc-financial");
    let doc = load::load(&dir.join("swagger.yaml")).expect("loads");
    let dump = std::fs::read_to_string(dir.join("source.txt")).expect("source.txt");
    let paths = doc.value["paths"].as_object().expect("paths");
    // Every path the dump lists is in the document, and nothing else.
    let listed: Vec<&str> = dump.lines().filter(|l| l.starts_with('/')).collect();
    assert_eq!(listed.len(), paths.len(), "{listed:?}");
    for p in listed {
        assert!(paths.contains_key(p), "{p} from the dump is missing");
    }
    let operations: usize = paths
        .values()
        .map(|item| item.as_object().map_or(0, |m| m.len()))
        .sum();
    assert_eq!(operations, 12);
    for op in ["createPayment", "createPaymentMt", "createPaymentBase64"] {
        let found = paths
            .values()
            .flat_map(|i| i.as_object().into_iter().flatten())
            .find(|(_, o)| o["operationId"] == op);
        let (_, o) = found.unwrap_or_else(|| panic!("{op} missing"));
        let params = o["parameters"].as_array().expect("parameters");
        assert!(
            params
                .iter()
                .any(|p| p["$ref"] == "#/parameters/x-jws-signature"),
            "{op} requires x-jws-signature"
        );
    }
    assert_eq!(doc.value["info"]["x-ibm-name"], "financial-api");
}
