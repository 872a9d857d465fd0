//! A seeded, bounded property test over the real documents under `specs/`: each iteration
//! mutates one API's document (keys deleted, duplicated or renamed to hostile text, types
//! swapped, huge numbers, dangling and `..` references, random unicode) and runs what
//! `cargo xtask generate` runs (load → convert → fix → normalise → generate, in memory) and the
//! diff against the original. Nothing may panic (each iteration runs under `catch_unwind`; a
//! failure names its seed and mutations), and every error must be located (its text names the
//! file and a place in it). `FUZZ_ITERATIONS` and `FUZZ_SEED` change the run.

#[allow(dead_code)]
#[path = "hostile/support.rs"]
mod support;

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde_json::{Map, Value, json};

/// SplitMix64: small, seeded, the same everywhere.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// Pieces of hostile text random strings are made of.
const PIECES: &[&str] = &[
    "a",
    "Z",
    "0",
    "9",
    "_",
    "-",
    " ",
    "\n",
    "\r\n",
    "\t",
    "\"",
    "'",
    "\\",
    "*/",
    "/*",
    "//",
    "\"#",
    "r#\"",
    "#",
    "{",
    "}",
    "$",
    "~",
    "/",
    "..",
    "%2e",
    "\u{202E}",
    "\u{2066}",
    "\u{200B}",
    "\u{FEFF}",
    "\u{0}",
    "\u{7}",
    "\u{1b}[31m",
    "Ж",
    "ё",
    "😀",
    "👨‍👩‍👧",
    "ﷺ",
    "𝔘",
    "fn",
    "type",
    "self",
    "Self",
    "crate",
    "1st",
    "::",
    "<",
    ">",
    "&",
    ";",
    "\u{10FFFF}",
    "\u{301}",
];

fn random_text(rng: &mut Rng) -> String {
    let len = rng.below(12);
    (0..len).map(|_| *rng.pick(PIECES)).collect()
}

/// Every JSON pointer of `v`.
fn pointers(v: &Value, at: &mut String, out: &mut Vec<String>) {
    out.push(at.clone());
    let len = at.len();
    match v {
        Value::Object(map) => {
            for (k, child) in map {
                at.push('/');
                at.push_str(&bank_codegen::load::escape_pointer(k));
                pointers(child, at, out);
                at.truncate(len);
            }
        }
        Value::Array(items) => {
            for (i, child) in items.iter().enumerate() {
                at.push_str(&format!("/{i}"));
                pointers(child, at, out);
                at.truncate(len);
            }
        }
        _ => {}
    }
}

/// A random node of `doc`, as a pointer; objects only when `objects`.
fn node(rng: &mut Rng, doc: &Value, objects: bool) -> Option<String> {
    let mut all = Vec::new();
    pointers(doc, &mut String::new(), &mut all);
    if objects {
        all.retain(|p| doc.pointer(p).is_some_and(Value::is_object));
    }
    (!all.is_empty()).then(|| rng.pick(&all).clone())
}

/// Placeholder replaced in the text by an integer beyond 64 bits.
const BIG: &str = "__FUZZ_BIG_INTEGER__";

/// Apply one random mutation; what it did.
fn mutate(rng: &mut Rng, doc: &mut Value) -> String {
    let kind = rng.below(9);
    let Some(at) = node(rng, doc, matches!(kind, 0..=2)) else {
        return "nothing to mutate".to_owned();
    };
    let target = doc.pointer_mut(&at).expect("a pointer of the document");
    match kind {
        0 => {
            let map = target.as_object_mut().expect("object");
            if map.is_empty() {
                return format!("delete nothing at {at}");
            }
            let key = map
                .keys()
                .nth(rng.below(map.len()))
                .cloned()
                .unwrap_or_default();
            map.shift_remove(&key);
            format!("delete {at}/{key}")
        }
        1 => {
            let map = target.as_object_mut().expect("object");
            let Some((key, value)) = map
                .iter()
                .nth(rng.below(map.len().max(1)))
                .map(|(k, v)| (k.clone(), v.clone()))
            else {
                return format!("duplicate nothing at {at}");
            };
            let copy = format!("{key}{}", random_text(rng));
            map.insert(copy.clone(), value);
            format!("duplicate {at}/{key} as {copy:?}")
        }
        2 => {
            let map = target.as_object_mut().expect("object");
            let Some(key) = map.keys().nth(rng.below(map.len().max(1))).cloned() else {
                return format!("rename nothing at {at}");
            };
            let value = map.shift_remove(&key).unwrap_or_default();
            let new = random_text(rng);
            let entries: Vec<(String, Value)> = std::mem::take(map).into_iter().collect();
            let mut rebuilt = Map::new();
            rebuilt.insert(new.clone(), value);
            rebuilt.extend(entries);
            *map = rebuilt;
            format!("rename {at}/{key} to {new:?}")
        }
        3 => {
            let swapped = match target.take() {
                Value::Object(map) => Value::Array(map.into_values().collect()),
                Value::Array(items) => Value::Object(
                    items
                        .into_iter()
                        .enumerate()
                        .map(|(i, v)| (i.to_string(), v))
                        .collect(),
                ),
                Value::String(s) => json!(s.len()),
                Value::Number(n) => json!(n.to_string()),
                Value::Bool(b) => json!([b]),
                Value::Null => json!({}),
            };
            *target = swapped;
            format!("swap the type of {at}")
        }
        4 => {
            let choices = [
                json!(1e308),
                json!(-1e308),
                json!(u64::MAX),
                json!(i64::MIN),
                json!(1e-300),
                json!(BIG),
            ];
            let huge = rng.pick(&choices).clone();
            *target = huge.clone();
            format!("huge number {huge} at {at}")
        }
        5 => {
            let r = format!(
                "#/{}/{}",
                rng.pick(&["components/schemas", "definitions", "nowhere", "paths"]),
                random_text(rng)
            );
            *target = json!({"$ref": r});
            format!("dangling $ref {r:?} at {at}")
        }
        6 => {
            let r = *rng.pick(&[
                "../../crates/bank-runtime/build.rs",
                "../../../../../../etc/passwd",
                "/dev/zero",
                "./../api.toml",
                "HTTP://example.com/x.yaml",
                "file:///etc/passwd",
                "//server/share/x.yaml",
                "api.toml#/api",
            ]);
            *target = json!({"$ref": r});
            format!("outside $ref {r:?} at {at}")
        }
        7 => {
            let text = random_text(rng);
            *target = json!(text);
            format!("text {text:?} at {at}")
        }
        _ => {
            let mut all = Vec::new();
            pointers(doc, &mut String::new(), &mut all);
            let r = format!("#{}", rng.pick(&all));
            let target = doc.pointer_mut(&at).expect("still there");
            *target = json!({"$ref": r});
            format!("$ref {r:?} at {at}")
        }
    }
}

/// One API's folder copied for the run (with and without its fixes), and its document.
struct Subject {
    name: String,
    dir: PathBuf,
    document: String,
    value: Value,
    fixes: bool,
}

fn copy_api(api: &bank_codegen::Api, to: &Path) {
    std::fs::create_dir_all(to).expect("dir");
    for entry in std::fs::read_dir(&api.dir).expect("api dir") {
        let entry = entry.expect("entry");
        if entry.file_type().expect("type").is_file() {
            std::fs::copy(entry.path(), to.join(entry.file_name())).expect("copy");
        }
    }
}

#[test]
fn mutated_real_documents_never_panic_and_every_error_is_located() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("workspace");
    let iterations: u64 = std::env::var("FUZZ_ITERATIONS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(300);
    let base_seed: u64 = std::env::var("FUZZ_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(0x5EED_2022);
    let scratch = support::folder("fuzz", &[]);
    let mut subjects = Vec::new();
    for api in bank_codegen::discover(&root.join("specs")).expect("specs") {
        for fixes in [true, false] {
            if !fixes && api.config.api.fixes.is_none() {
                continue;
            }
            let dir = scratch
                .join(format!("{}-{fixes}", api.name))
                .join("specs")
                .join(&api.name);
            copy_api(&api, &dir);
            if !fixes {
                let toml = std::fs::read_to_string(dir.join("api.toml")).expect("toml");
                let toml: String = toml
                    .lines()
                    .filter(|l| !l.starts_with("fixes ="))
                    .map(|l| format!("{l}\n"))
                    .collect();
                std::fs::write(dir.join("api.toml"), toml).expect("toml");
            }
            let text = std::fs::read_to_string(api.document_path()).expect("document");
            subjects.push(Subject {
                name: api.name.clone(),
                dir,
                document: api.config.api.document.clone(),
                value: bank_codegen::load::parse_value(&api.document_path(), &text)
                    .expect("parses"),
                fixes,
            });
        }
    }
    let originals: Vec<Value> = subjects
        .iter()
        .map(|s| {
            let path = s.dir.join(&s.document);
            let text = std::fs::read_to_string(&path).expect("document");
            bank_codegen::diff::prepare(&path, &text).expect("the real document prepares")
        })
        .collect();

    let start = Instant::now();
    let mut failures = Vec::new();
    let (mut generated, mut refused) = (0, 0);
    for i in 0..iterations {
        let seed = base_seed.wrapping_add(i);
        let mut rng = Rng(seed);
        let which = rng.below(subjects.len());
        let subject = &subjects[which];
        let mut doc = subject.value.clone();
        let count = 1 + rng.below(4);
        let mutations: Vec<String> = (0..count).map(|_| mutate(&mut rng, &mut doc)).collect();
        let json = rng.below(2) == 0;
        let mut text = if json {
            serde_json::to_string_pretty(&doc).expect("json")
        } else {
            yaml_serde::to_string(&doc).expect("yaml")
        };
        let digits = "340282366920938463463374607431768211457";
        for quoted in [format!("\"{BIG}\""), format!("'{BIG}'"), BIG.to_owned()] {
            text = text.replace(&quoted, digits);
        }
        let path = subject.dir.join(&subject.document);
        let folder = subject.dir.display().to_string();
        std::fs::write(&path, &text).expect("write the mutated document");
        let label = format!(
            "seed {seed} ({} {}, {}): {}",
            subject.name,
            if subject.fixes {
                "with fixes"
            } else {
                "without fixes"
            },
            if json { "JSON" } else { "YAML" },
            mutations.join("; ")
        );
        let run = catch_unwind(AssertUnwindSafe(|| {
            let api = bank_codegen::discover(subject.dir.parent().expect("specs"))
                .expect("discover")
                .remove(0);
            let generate = bank_codegen::generate_api(&api, &mut bank_codegen::Timings::default());
            let diff = bank_codegen::diff::prepare(&path, &text).map(|new| {
                bank_codegen::diff::diff(&originals[which], &new)
                    .changes
                    .len()
            });
            (generate.map(|files| files.len()), diff)
        }));
        match run {
            Err(payload) => {
                let message = payload
                    .downcast_ref::<&str>()
                    .map(|s| (*s).to_owned())
                    .or_else(|| payload.downcast_ref::<String>().cloned())
                    .unwrap_or_default();
                failures.push(format!("{label}\n    panicked: {message}"));
            }
            Ok((generate, diff)) => {
                for (stage, error) in [("generate", generate.err()), ("diff", diff.err())] {
                    let Some(error) = error else { continue };
                    let shown = error.to_string();
                    // Located in the document, or in a file of its folder a reference brought.
                    if !support::located(&error) || !shown.contains(&folder) {
                        failures.push(format!("{label}\n    {stage}: not located: {shown}"));
                    }
                    if stage == "generate" {
                        refused += 1;
                    }
                }
                generated += 1;
            }
        }
    }
    let took = start.elapsed();
    eprintln!(
        "{iterations} iterations in {took:.1?}: {} refused with a located error, {} generated",
        refused,
        generated - refused
    );
    assert!(
        failures.is_empty(),
        "{} of {iterations} iterations failed (rerun one with FUZZ_SEED=<seed> FUZZ_ITERATIONS=1):\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert!(
        took < Duration::from_millis(250) * iterations.max(1) as u32,
        "{iterations} iterations took {took:?}"
    );
}
