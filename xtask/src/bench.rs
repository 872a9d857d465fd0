//! `cargo xtask bench-diff`: the spec diff on a large synthetic document against a modified copy,
//! with wall time per stage and peak heap (counted by this binary's allocator), printed.

use std::alloc::{GlobalAlloc, Layout, System};
use std::path::Path;
use std::process::ExitCode;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use bank_openapi::ext;
use serde_json::{Value, json};

/// The system allocator, counting live and peak bytes.
pub struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

// SAFETY: every call is forwarded to `System` unchanged; only counters are added.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: same contract as the caller's.
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            let live = LIVE.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
            PEAK.fetch_max(live, Ordering::Relaxed);
        }
        p
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: same contract as the caller's.
        unsafe { System.dealloc(ptr, layout) };
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: same contract as the caller's.
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            if new_size > layout.size() {
                let live = LIVE.fetch_add(new_size - layout.size(), Ordering::Relaxed) + new_size
                    - layout.size();
                PEAK.fetch_max(live, Ordering::Relaxed);
            } else {
                LIVE.fetch_sub(layout.size() - new_size, Ordering::Relaxed);
            }
        }
        p
    }
}

/// A bank-like OpenAPI 3.0 document with `paths` paths (GET + POST each) over `paths / 6`
/// shared schemas of 12 properties, which refer to 40 shared line-item schemas.
pub fn synthetic(paths: usize) -> Value {
    let schemas = (paths / 6).max(1);
    let mut components = serde_json::Map::new();
    for s in 0..schemas {
        let mut props = serde_json::Map::new();
        for p in 0..12 {
            let prop = match p % 4 {
                0 => {
                    json!({"type": "string", "maxLength": 64, "description": format!("Поле {p} сущности {s}")})
                }
                1 => json!({"type": "number", "description": "Сумма", "example": 12345.67}),
                2 => json!({"type": "string", "enum": ["NEW", "IN_PROGRESS", "DONE"]}),
                _ => {
                    json!({"type": "array", "items": {"$ref": format!("#/components/schemas/Line{}", s % 40)}})
                }
            };
            props.insert(format!("field{p}"), prop);
        }
        components.insert(
            format!("Entity{s}"),
            json!({"type": "object", "required": ["field0", "field1"], "properties": props}),
        );
    }
    for l in 0..40.min(schemas) {
        components.insert(
            format!("Line{l}"),
            json!({"type": "object", "properties": {"sku": {"type": "string"}, "price": {"type": "number"}, "qty": {"type": "integer", "minimum": 1}}}),
        );
    }
    let mut path_map = serde_json::Map::new();
    for i in 0..paths {
        let schema = json!({"$ref": format!("#/components/schemas/Entity{}", i % schemas)});
        path_map.insert(
            format!("/api/v1/resource{i}/{{id}}"),
            json!({
                "get": {
                    "operationId": format!("getResource{i}"),
                    "summary": format!("Получить ресурс {i}"),
                    "parameters": [
                        {"name": "id", "in": "path", "required": true, "schema": {"type": "string"}},
                        {"name": "dateFrom", "in": "query", "schema": {"type": "string", "format": "date"}},
                        {"name": "page", "in": "query", "schema": {"type": "integer", "minimum": 0}}
                    ],
                    "responses": {
                        "200": {"description": "OK", "content": {"application/json": {"schema": schema}}},
                        "400": {"description": "Ошибка", "content": {"application/json": {"schema": {"type": "object", "properties": {"code": {"type": "integer"}, "message": {"type": "string"}}}}}}
                    }
                },
                "post": {
                    "operationId": format!("updateResource{i}"),
                    "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "string"}}],
                    "requestBody": {"required": true, "content": {"application/json": {"schema": schema}}},
                    "responses": {"200": {"description": "OK", "content": {"application/json": {"schema": schema}}}}
                }
            }),
        );
    }
    json!({
        "openapi": "3.0.3",
        "info": {"title": "Synthetic bank", "version": "1.0"},
        "servers": [{"url": "https://bank.example/api", (ext::ENVIRONMENT): "production"}],
        "paths": path_map,
        "components": {"schemas": components}
    })
}

/// The same document with changes spread through it: removed and renamed operations, new
/// required properties, type and enum changes in shared schemas.
pub fn modified(mut doc: Value) -> Value {
    let paths = doc["paths"].as_object_mut().expect("paths");
    let keys: Vec<String> = paths.keys().cloned().collect();
    for (i, key) in keys.iter().enumerate() {
        match i % 50 {
            0 => {
                paths.remove(key);
            }
            1 => paths[key]["get"]["operationId"] = json!(format!("fetchResource{i}")),
            2 => {
                if let Some(params) = paths[key]["get"]["parameters"].as_array_mut() {
                    params.push(json!({"name": "branch", "in": "query", "required": true, "schema": {"type": "string"}}));
                }
            }
            _ => {}
        }
    }
    let schemas = doc["components"]["schemas"]
        .as_object_mut()
        .expect("schemas");
    for (i, (_, schema)) in schemas.iter_mut().enumerate() {
        match i % 20 {
            0 => schema["properties"]["field1"]["type"] = json!("string"),
            1 => {
                schema["properties"]["field2"]["enum"] =
                    json!(["NEW", "IN_PROGRESS", "DONE", "RETURNED"])
            }
            2 => {
                schema["properties"]["currency"] = json!({"type": "string"});
                schema["required"] = json!(["field0", "field1", "currency"]);
            }
            _ => {}
        }
    }
    doc
}

/// Run the benchmark and print the figures.
pub fn run(root: &Path, args: &[String]) -> ExitCode {
    let paths = args
        .iter()
        .position(|a| a == "--paths")
        .and_then(|i| args.get(i + 1))
        .and_then(|n| n.parse().ok())
        .unwrap_or(4000);
    let dir = root.join("target/bench-diff");
    if let Err(e) = std::fs::create_dir_all(&dir) {
        eprintln!("error: {}: {e}", dir.display());
        return ExitCode::from(2);
    }
    let old = synthetic(paths);
    let new = modified(old.clone());
    let (old_path, new_path) = (dir.join("old.json"), dir.join("new.json"));
    let (old_text, new_text) = (
        serde_json::to_string_pretty(&old).expect("JSON"),
        serde_json::to_string_pretty(&new).expect("JSON"),
    );
    let size = old_text.len() + new_text.len();
    for (p, t) in [(&old_path, &old_text), (&new_path, &new_text)] {
        if let Err(e) = std::fs::write(p, t) {
            eprintln!("error: {}: {e}", p.display());
            return ExitCode::from(2);
        }
    }
    drop((old, new, old_text, new_text));
    println!(
        "documents: {} + {} bytes ({paths} paths each), {} build",
        std::fs::metadata(&old_path).map(|m| m.len()).unwrap_or(0),
        std::fs::metadata(&new_path).map(|m| m.len()).unwrap_or(0),
        if cfg!(debug_assertions) {
            "debug"
        } else {
            "release"
        }
    );
    let mut best = f64::MAX;
    for round in 1..=3 {
        let baseline = LIVE.load(Ordering::Relaxed);
        PEAK.store(baseline, Ordering::Relaxed);
        let start = Instant::now();
        let staged = || -> bank_codegen::Result<(bank_codegen::diff::Report, [f64; 3])> {
            let read = |p: &Path| {
                std::fs::read_to_string(p).map_err(|e| bank_codegen::Error::io(p, "read", e))
            };
            let t0 = Instant::now();
            let (old_text, new_text) = (read(&old_path)?, read(&new_path)?);
            let t1 = Instant::now();
            let old = bank_codegen::diff::prepare(&old_path, &old_text)?;
            let new = bank_codegen::diff::prepare(&new_path, &new_text)?;
            drop((old_text, new_text));
            let t2 = Instant::now();
            let report = bank_codegen::diff::diff(&old, &new);
            let t3 = Instant::now();
            Ok((
                report,
                [
                    (t1 - t0).as_secs_f64(),
                    (t2 - t1).as_secs_f64(),
                    (t3 - t2).as_secs_f64(),
                ],
            ))
        };
        let (report, stages) = match staged() {
            Ok(r) => r,
            Err(e) => {
                eprintln!("error: {e}");
                return ExitCode::from(2);
            }
        };
        println!(
            "  read {:.0} ms, parse + check + convert {:.0} ms, compare {:.0} ms",
            stages[0] * 1e3,
            stages[1] * 1e3,
            stages[2] * 1e3
        );
        let elapsed = start.elapsed().as_secs_f64();
        best = best.min(elapsed);
        let peak = PEAK.load(Ordering::Relaxed) - baseline;
        let s = report.summary();
        println!(
            "round {round}: read + load + diff {:.0} ms; peak heap {:.1} MB = {:.1}× the documents; {} changes ({} breaking, {} non-breaking, {} info)",
            elapsed * 1e3,
            peak as f64 / 1e6,
            peak as f64 / size as f64,
            report.changes.len(),
            s.breaking,
            s.non_breaking,
            s.info
        );
    }
    println!(
        "best: {:.0} ms (target < 1000 ms; memory target < 10× the documents)",
        best * 1e3
    );
    ExitCode::SUCCESS
}
