//! `cargo xtask new` on a full copy of the workspace: a small document becomes a compiling,
//! tested crate; a document whose generated code does not compile is removed again (the
//! workspace still builds); refusals write nothing.

mod common;

use common::{copy_workspace, text, workspace};
use std::path::Path;
use std::process::{Command, Output};

fn xtask(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(args)
        .current_dir(dir)
        .env_remove("CARGO_MANIFEST_DIR")
        // Its own target directory: the outer `cargo test` may hold the workspace's.
        .env(
            "CARGO_TARGET_DIR",
            workspace().join("target/xtask-new-test"),
        )
        .output()
        .expect("xtask runs")
}

fn fixture(name: &str) -> String {
    workspace()
        .join("xtask/tests/fixtures")
        .join(name)
        .display()
        .to_string()
}

#[test]
fn a_new_document_becomes_a_compiling_crate_and_a_broken_one_leaves_nothing() {
    let dir = copy_workspace();
    let root = dir.path();
    let lock = std::fs::read(root.join("Cargo.lock")).expect("lock");

    // Refusals first: nothing written.
    for (args, expected) in [
        (
            vec!["new", "Shop", &fixture("new-shop.yaml")],
            "not an API name",
        ),
        (
            vec!["new", "bcc-financial", &fixture("new-shop.yaml")],
            "already exists",
        ),
        (vec!["new", "shop", "/nonexistent.yaml"], "nonexistent.yaml"),
    ] {
        let run = xtask(root, &args);
        assert_eq!(run.status.code(), Some(2), "{}", text(&run));
        assert!(text(&run).contains(expected), "{}", text(&run));
    }
    assert!(!root.join("specs/shop").exists() && !root.join("crates/shop").exists());

    // Operation ids that give one method name (`getThing`, `get_thing`): a located refusal.
    let run = xtask(
        root,
        &["new", "duplicate", &fixture("new-duplicate-methods.yaml")],
    );
    assert_eq!(run.status.code(), Some(2), "{}", text(&run));
    assert!(
        text(&run).contains("gives the method name `get_thing`"),
        "{}",
        text(&run)
    );
    assert!(!root.join("specs/duplicate").exists() && !root.join("crates/duplicate").exists());

    // A crate that does not pass `cargo check` (here: cargo cannot build for the target it is
    // given) is removed again, and Cargo.lock restored.
    let run = std::process::Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(["new", "unbuilt", &fixture("new-shop.yaml")])
        .current_dir(root)
        .env_remove("CARGO_MANIFEST_DIR")
        .env(
            "CARGO_TARGET_DIR",
            workspace().join("target/xtask-new-test"),
        )
        .env("CARGO_BUILD_TARGET", "no-such-target-triple")
        .output()
        .expect("xtask runs");
    assert_eq!(run.status.code(), Some(2), "{}", text(&run));
    assert!(
        text(&run).contains("cargo check -p unbuilt` failed"),
        "{}",
        text(&run)
    );
    assert!(!root.join("specs/unbuilt").exists() && !root.join("crates/unbuilt").exists());
    assert_eq!(std::fs::read(root.join("Cargo.lock")).expect("lock"), lock);

    // A good document: specs, a hand-written lib.rs, the generated crate, compiling.
    let run = xtask(root, &["new", "shop-payments", &fixture("new-shop.yaml")]);
    assert!(run.status.success(), "{}", text(&run));
    for file in [
        "specs/shop-payments/openapi.yaml",
        "specs/shop-payments/api.toml",
        "specs/shop-payments/SOURCE.md",
        "specs/shop-payments/fixes.overlay.yaml",
        "specs/shop-payments/known-quirks.yaml",
        "crates/shop-payments/src/lib.rs",
        "crates/shop-payments/src/generated.rs",
        "crates/shop-payments/Cargo.toml",
        "crates/shop-payments/CHANGELOG.md",
    ] {
        assert!(root.join(file).exists(), "{file}");
    }
    assert_eq!(
        std::fs::read_to_string(root.join("specs/shop-payments/openapi.yaml")).expect("doc"),
        std::fs::read_to_string(fixture("new-shop.yaml")).expect("fixture"),
        "the document as received"
    );
    let manifest =
        std::fs::read_to_string(root.join("crates/shop-payments/Cargo.toml")).expect("manifest");
    assert!(manifest.contains("version = \"0.1.0+2.1.0\""), "{manifest}");
    // Real-world shapes handled by default, each choice printed: JSON among media types, string
    // enums with numbers and duplicates, an enum listing `unknown`, two schemas with one Rust
    // name (or the name typify gives an array component's items), a nullable schema titled with
    // its own name, a union member over 1 KiB (boxed). The
    // crate compiles.
    let run = xtask(root, &["new", "shapes-api", &fixture("new-shapes.yaml")]);
    let out = text(&run);
    assert!(run.status.success(), "{out}");
    for choice in [
        "used as application/json; also documented, not generated: application/xml",
        "values of a string enum read as strings",
        "listed twice, kept once",
        "renamed `OB_Rate1_0_2`",
        // A component named like the items typify names for an array component.
        "renamed `LabelsItem_2` (Rust `LabelsItem2`): its Rust name `LabelsItem` is the name typify gives the inline schema at /components/schemas/Labels/items",
        "a title that is the schema's own name, dropped",
        "204 without a body beside a typed 2xx: the answer is an Option, None for 204",
        "a `application/jwt` request body: sent as the text you give (a String), Content-Type `application/jwt`",
        "types::CustomerRef::Customer — boxed: about 1.4 KiB by value (estimated)",
        // Names that are no Rust identifiers, renamed.
        "method `_1st_call`, builder `builder::_1stCall`, constant `operations::_1ST_CALL`",
        "method `self_`",
        "type `types::X1stCall`",
        "variant `MerchantAction::Self_`",
    ] {
        assert!(out.contains(choice), "{choice}: {out}");
    }
    let generated =
        std::fs::read_to_string(root.join("crates/shapes-api/src/generated.rs")).expect("code");
    assert!(
        generated.contains("UnknownValue(::std::string::String)"),
        "the catch-all does not clash"
    );
    // A tolerant enum takes every string: in a union it is tried after the other members.
    let union = &generated[generated.find("pub enum Choice").expect("the union")..];
    let union = &union[..union.find('}').expect("its end")];
    assert!(
        union.find("String(").expect("string member") < union.find("State(").expect("enum member"),
        "{union}"
    );
    // Over HTTP (the runtime's mock bank): a `204` answers `None` without reading a body, a `200`
    // the typed answer (its expanded customer boxed), and the JWT body goes out as the text given
    // with its documented Content-Type; a typed mock matches a path value with regex
    // metacharacters as itself. `--lib` runs the example round trips (hostile labels and
    // examples among them).
    http_test(root, "shapes-api", HTTP_TEST, &["--lib"]);
    // `type: number` parameters (path, query, `$ref`'d) compile as exact decimals.
    let run = xtask(root, &["new", "numbers-api", &fixture("new-numbers.yaml")]);
    assert!(run.status.success(), "{}", text(&run));
    let generated =
        std::fs::read_to_string(root.join("crates/numbers-api/src/generated.rs")).expect("code");
    assert!(
        generated.contains("TryInto<::bank_runtime::DecimalParam>"),
        "exact parameters"
    );
    // Array query parameters (`tags` exploded, `ids` with `explode: false`): the client sends
    // each as declared (`tags=a&tags=b`, `ids=1,2`), the typed mocks compile, match two values of
    // each as the client sends them, and answer the document's error type.
    let run = xtask(root, &["new", "arrays-api", &fixture("new-arrays.yaml")]);
    assert!(run.status.success(), "{}", text(&run));
    http_test(root, "arrays-api", ARRAYS_HTTP_TEST, &[]);
    // A document split over several files: they come along, the crate compiles.
    let run = xtask(root, &["new", "split-pets", &fixture("multi/pets.yaml")]);
    assert!(run.status.success(), "{}", text(&run));
    for file in ["openapi.yaml", "common.yaml", "schemas/pet.yaml"] {
        assert!(root.join("specs/split-pets").join(file).exists(), "{file}");
    }
    // The workspace's tools still work, and the new crates are up to date.
    let check = xtask(root, &["check"]);
    assert!(check.status.success(), "{}", text(&check));
    assert!(text(&check).contains("up to date"), "{}", text(&check));
}

/// Run `source` as `tests/http.rs` of the generated crate `krate` (feature `test-util`, tokio as
/// a dev-dependency, `more` cargo arguments), then put the crate back as generated.
fn http_test(root: &Path, krate: &str, source: &str, more: &[&str]) {
    let tests = root.join("crates").join(krate).join("tests");
    std::fs::create_dir_all(&tests).expect("tests dir");
    std::fs::write(tests.join("http.rs"), source).expect("test file");
    let manifest = root.join("crates").join(krate).join("Cargo.toml");
    let generated_manifest = std::fs::read_to_string(&manifest).expect("manifest");
    std::fs::write(
        &manifest,
        format!("{generated_manifest}\n[dev-dependencies]\ntokio.workspace = true\n"),
    )
    .expect("manifest");
    let test = Command::new(env!("CARGO"))
        .args([
            "test",
            "-p",
            krate,
            "--features",
            "test-util",
            "--test",
            "http",
        ])
        .args(more)
        .current_dir(root)
        .env_remove("CARGO_MANIFEST_DIR")
        .env(
            "CARGO_TARGET_DIR",
            workspace().join("target/xtask-new-test"),
        )
        .output()
        .expect("cargo test runs");
    assert!(test.status.success(), "{krate}: {}", text(&test));
    std::fs::write(&manifest, generated_manifest).expect("manifest back as generated");
    std::fs::remove_dir_all(&tests).expect("test removed");
}

/// Run inside the generated `shapes-api` crate (feature `test-util`): the runtime's mock bank on
/// loopback answers `204` for one rate and `200` for another, and checks what each request carried.
const HTTP_TEST: &str = r###"
use bank_runtime::mock::MockServer;

#[tokio::test]
async fn a_body_less_204_is_none_and_a_jwt_body_keeps_its_media_type() {
    let server = MockServer::start().await;
    let unchanged_rate = server.httpmock().mock(|when, then| {
        when.method("PUT")
            .path("/rates/r1")
            .header("content-type", "application/jwt")
            .body("eyJhbGciOiJQUzI1NiJ9.e30.c2ln");
        then.status(204);
    });
    let replaced_rate = server.httpmock().mock(|when, then| {
        when.method("PUT").path("/rates/r2").body("a.b.c");
        then.status(200)
            .header("content-type", "application/json")
            .body(r##"{"choice": "pending", "customer": {"id": "c1", "home": {"city": "Almaty"}}}"##);
    });
    let client = shapes_api::Client::new_with_client(
        &server.base_url(),
        reqwest::Client::new(),
        bank_runtime::Context::new("shapes"),
    );
    let unchanged = client.put_rate().id("r1").body("eyJhbGciOiJQUzI1NiJ9.e30.c2ln").send().await.expect("204");
    assert_eq!(unchanged.status().as_u16(), 204);
    assert!(unchanged.into_inner().is_none());
    unchanged_rate.assert();

    let replaced = client.put_rate().id("r2").body("a.b.c").bank().await.expect("200");
    let rates = replaced.expect("a body");
    assert_eq!(serde_json::to_value(&rates).expect("json")["choice"], "pending");
    // The expanded customer, a union member over 1 KiB, arrives boxed; `From` takes it by value.
    let Some(shapes_api::types::CustomerRef::Customer(customer)) = &rates.customer else {
        panic!("an expanded customer: {rates:?}");
    };
    assert_eq!(customer.id, "c1");
    let again = shapes_api::types::CustomerRef::from((**customer).clone());
    assert_eq!(rates.customer.as_ref(), Some(&again));
    replaced_rate.assert();
}

#[tokio::test]
async fn a_path_value_with_regex_metacharacters_matches_itself_only() {
    use shapes_api::mock::MockServerExt as _;
    let server = MockServer::start().await;
    let item: shapes_api::types::X1stCall =
        serde_json::from_value(serde_json::json!({"type": "t", "kind": "self"})).expect("an item");
    server
        ._1st_call(|when, then| {
            when.id("a.b+c");
            then.ok(&item);
        })
        .times(1);
    let client = shapes_api::Client::new_with_client(
        &server.base_url(),
        reqwest::Client::new(),
        bank_runtime::Context::new("shapes"),
    );
    // `.` and `+` are no pattern: `aXbc` and `a.bbc` (which `a.b+c` as a pattern matches) do not.
    for other in ["aXbc", "a.bbc"] {
        let answer = client._1st_call().id(other).send().await;
        assert!(answer.is_err(), "{other}: {answer:?}");
    }
    let answer = client._1st_call().id("a.b+c").send().await.expect("matched");
    assert_eq!(answer.into_inner(), item);
    assert_eq!(
        shapes_api::MerchantAction::for_status(&shapes_api::types::Kind::Self_),
        shapes_api::MerchantAction::Self_
    );
}
"###;

/// Run inside the generated `arrays-api` crate (feature `test-util`): what the client sends for
/// array query parameters of both styles, and the typed mock matching two values of each.
const ARRAYS_HTTP_TEST: &str = r###"
use arrays_api::mock::{MockServer, MockServerExt as _};
use arrays_api::types::{Item, Problem};

fn client(server: &MockServer) -> arrays_api::Client {
    arrays_api::Client::new_with_client(
        &server.base_url(),
        reqwest::Client::new(),
        bank_runtime::Context::new("arrays"),
    )
}

fn item(id: i64, tag: &str) -> Item {
    serde_json::from_value(serde_json::json!({"id": id, "tag": tag})).expect("an item")
}

/// Both styles go out as the document declares them: `tags` (exploded) repeats its name, `ids`
/// (`explode: false`) is one pair of comma-separated values (the comma percent-encoded).
#[tokio::test]
async fn each_style_goes_out_as_the_document_declares_it() {
    let server = MockServer::start().await;
    let raw = server.httpmock().mock(|when, then| {
        when.path("/items").is_true(|request| {
            request.uri().query() == Some("ids=1%2C2&tags=a+b&tags=c%26d")
        });
        then.status(200).header("content-type", "application/json").body("[]");
    });
    let found = client(&server)
        .find_items()
        .tags(vec!["a b".to_owned(), "c&d".to_owned()])
        .ids(vec![1, 2])
        .bank()
        .await
        .expect("the raw mock matched the query string");
    assert!(found.is_empty());
    raw.assert();
}

/// The typed mock matches two values of each array parameter, in order, and nothing less; its
/// typed error answers with the document's error type.
#[tokio::test]
async fn the_typed_mock_matches_two_values_of_each_array_parameter() {
    let server = MockServer::start().await;
    let tags = vec!["a b".to_owned(), "c&d".to_owned()];
    let ids = vec![1i64, 2];
    let answer = vec![item(1, "a b"), item(2, "c&d")];
    server
        .find_items(|when, then| {
            when.tags(&tags).ids(&ids);
            then.ok(&answer);
        })
        .times(1);
    let problem: Problem = serde_json::from_value(
        serde_json::json!({"code": "BAD_FILTER", "detail": "unknown tag"}),
    )
    .expect("a problem");
    server
        .find_items(|when, then| {
            when.tags(&vec!["x".to_owned(), "y".to_owned()]).ids(None);
            then.error(400, &problem);
        })
        .times(1);
    let client = client(&server);
    // One value of two, or the two in another order: no match.
    let one = client.find_items().tags(vec!["a b".to_owned()]).ids(ids.clone()).bank().await;
    assert!(one.is_err(), "{one:?}");
    let swapped = client.find_items().tags(tags.clone()).ids(vec![2, 1]).bank().await;
    assert!(swapped.is_err(), "{swapped:?}");
    let found = client
        .find_items()
        .tags(tags.clone())
        .ids(ids.clone())
        .bank()
        .await
        .expect("matched");
    assert_eq!(found, answer);
    let err = client
        .find_items()
        .tags(vec!["x".to_owned(), "y".to_owned()])
        .bank()
        .await
        .expect_err("the typed error");
    assert_eq!(err.status, Some(400), "{err:?}");
    assert!(err.message.contains("unknown tag") || err.code.as_deref() == Some("BAD_FILTER"), "{err:?}");
}
"###;
