//! Swagger 2.0 → OpenAPI 3.0.3, on `serde_json::Value`.
//!
//! Written here because the converters on crates.io drop `properties` / `required` of schemas
//! without `type: object` or fail on the BCC documents. Every `x-*` key is kept where it stood.
//! The output is compared against a reference conversion by swagger2openapi in the tests.

use std::path::Path;

use bank_openapi::ext;
use serde_json::{Map, Value, json};

use crate::error::{Error, Result};
use crate::load::escape_pointer;

mod document;

use document::{security_scheme, servers};

/// The operations of a Swagger 2.0 Path Item: `paths::METHODS` without `trace`, which 2.0 lacks.
const METHODS: [&str; 7] = ["get", "put", "post", "delete", "options", "head", "patch"];

/// Convert a Swagger 2.0 document to OpenAPI 3.0.3.
pub fn convert(path: &Path, doc: &Value) -> Result<Value> {
    let root = doc
        .as_object()
        .ok_or_else(|| Error::invalid(path, "/", "the document is not a mapping"))?;
    let mut out = Map::new();
    out.insert("openapi".into(), json!("3.0.3"));
    let info = root
        .get("info")
        .cloned()
        .ok_or_else(|| Error::invalid(path, "/info", "`info` is required"))?;
    out.insert("info".into(), info);
    if let Some(servers) = servers(root) {
        out.insert("servers".into(), servers);
    }
    let global_consumes = media_list(root.get("consumes"));
    let global_produces = media_list(root.get("produces"));
    let ctx = Ctx {
        path,
        consumes: &global_consumes,
        produces: &global_produces,
        root,
    };

    let mut paths = Map::new();
    if let Some(src) = root.get("paths").and_then(Value::as_object) {
        for (route, item) in src {
            let pointer = format!("/paths/{}", escape_pointer(route));
            paths.insert(route.clone(), ctx.path_item(item, &pointer)?);
        }
    } else {
        return Err(Error::invalid(path, "/paths", "`paths` is required"));
    }
    out.insert("paths".into(), Value::Object(paths));

    let mut components = Map::new();
    if let Some(defs) = root.get("definitions").and_then(Value::as_object) {
        let schemas = defs.iter().map(|(k, v)| (k.clone(), schema(v))).collect();
        components.insert("schemas".into(), Value::Object(schemas));
    }
    if let Some(responses) = root.get("responses").and_then(Value::as_object) {
        let mut conv = Map::new();
        for (k, v) in responses {
            conv.insert(k.clone(), ctx.response(v, &global_produces));
        }
        components.insert("responses".into(), Value::Object(conv));
    }
    if let Some(params) = root.get("parameters").and_then(Value::as_object) {
        let mut plain = Map::new();
        let mut bodies = Map::new();
        for (k, p) in params {
            match p.get("in").and_then(Value::as_str) {
                Some("body") => {
                    bodies.insert(k.clone(), ctx.body(p, &global_consumes));
                }
                Some("formData") => {
                    bodies.insert(k.clone(), ctx.form(&[p], &global_consumes));
                }
                _ => {
                    plain.insert(
                        k.clone(),
                        ctx.parameter(p, &format!("/parameters/{}", escape_pointer(k)))?,
                    );
                }
            }
        }
        if !plain.is_empty() {
            components.insert("parameters".into(), Value::Object(plain));
        }
        if !bodies.is_empty() {
            components.insert("requestBodies".into(), Value::Object(bodies));
        }
    }
    if let Some(defs) = root.get("securityDefinitions").and_then(Value::as_object) {
        let mut schemes = Map::new();
        for (k, v) in defs {
            schemes.insert(k.clone(), security_scheme(path, k, v)?);
        }
        components.insert("securitySchemes".into(), Value::Object(schemes));
    }
    if !components.is_empty() {
        out.insert("components".into(), Value::Object(components));
    }
    for key in ["security", "tags", "externalDocs"] {
        if let Some(v) = root.get(key) {
            out.insert(key.into(), v.clone());
        }
    }
    for (k, v) in root {
        if ext::is_extension(k) {
            out.insert(k.clone(), v.clone());
        }
    }
    let mut out = Value::Object(out);
    rewrite_refs(&mut out);
    Ok(out)
}

fn media_list(v: Option<&Value>) -> Vec<String> {
    v.and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|m| m.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

struct Ctx<'a> {
    path: &'a Path,
    consumes: &'a [String],
    produces: &'a [String],
    root: &'a Map<String, Value>,
}

impl Ctx<'_> {
    fn path_item(&self, item: &Value, pointer: &str) -> Result<Value> {
        let Some(item) = item.as_object() else {
            return Err(Error::invalid(
                self.path,
                pointer,
                "a path item must be a mapping",
            ));
        };
        let mut out = Map::new();
        for (key, value) in item {
            if METHODS.contains(&key.as_str()) {
                out.insert(
                    key.clone(),
                    self.operation(value, &format!("{pointer}/{key}"))?,
                );
            } else if key == "parameters" {
                // Path-level body parameters have no 3.0 home; the 2.0 documents here have none.
                let mut params = Vec::new();
                for (i, p) in value.as_array().into_iter().flatten().enumerate() {
                    if !is_body_like(self.resolve_param(p)) {
                        params.push(self.parameter(p, &format!("{pointer}/parameters/{i}"))?);
                    }
                }
                out.insert(key.clone(), Value::Array(params));
            } else {
                out.insert(key.clone(), value.clone());
            }
        }
        Ok(Value::Object(out))
    }

    fn resolve_param<'v>(&'v self, p: &'v Value) -> &'v Value {
        match p
            .get("$ref")
            .and_then(Value::as_str)
            .and_then(|r| r.strip_prefix("#/parameters/"))
        {
            Some(name) => self
                .root
                .get("parameters")
                .and_then(|ps| ps.get(name))
                .unwrap_or(p),
            None => p,
        }
    }

    fn operation(&self, op: &Value, pointer: &str) -> Result<Value> {
        let Some(op) = op.as_object() else {
            return Err(Error::invalid(
                self.path,
                pointer,
                "an operation must be a mapping",
            ));
        };
        let consumes = op
            .get("consumes")
            .map(|c| media_list(Some(c)))
            .unwrap_or_else(|| self.consumes.to_vec());
        let produces = op
            .get("produces")
            .map(|c| media_list(Some(c)))
            .unwrap_or_else(|| self.produces.to_vec());
        let mut out = Map::new();
        let mut body: Option<Value> = None;
        let mut form: Vec<&Value> = Vec::new();
        let mut params = Vec::new();
        for (key, value) in op {
            match key.as_str() {
                "consumes" | "produces" | "schemes" => {}
                "parameters" => {
                    let list = value.as_array().ok_or_else(|| {
                        Error::invalid(self.path, format!("{pointer}/parameters"), "must be a list")
                    })?;
                    for (i, p) in list.iter().enumerate() {
                        let resolved = self.resolve_param(p);
                        match resolved.get("in").and_then(Value::as_str) {
                            Some("body") => match p.get("$ref").and_then(Value::as_str) {
                                Some(r) => {
                                    let name = r.trim_start_matches("#/parameters/");
                                    body = Some(
                                        json!({ "$ref": format!("#/components/requestBodies/{name}") }),
                                    );
                                }
                                None => body = Some(self.body(p, &consumes)),
                            },
                            Some("formData") => form.push(resolved),
                            _ => params
                                .push(self.parameter(p, &format!("{pointer}/parameters/{i}"))?),
                        }
                    }
                }
                "responses" => {
                    let mut responses = Map::new();
                    for (status, r) in value.as_object().into_iter().flatten() {
                        let converted = match r.get("$ref").and_then(Value::as_str) {
                            Some(rf) => json!({ "$ref": rf }),
                            None => self.response(r, &produces),
                        };
                        responses.insert(status.clone(), converted);
                    }
                    out.insert("responses".into(), Value::Object(responses));
                }
                _ => {
                    out.insert(key.clone(), value.clone());
                }
            }
        }
        if !params.is_empty() {
            out.insert("parameters".into(), Value::Array(params));
        }
        if !form.is_empty() {
            body = Some(self.form(&form, &consumes));
        }
        if let Some(body) = body {
            out.insert("requestBody".into(), body);
            // The 2.0 body parameter's name, where swagger2openapi -b puts it.
            let body_name = op
                .get("parameters")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .map(|p| self.resolve_param(p))
                .find(|p| p.get("in").and_then(Value::as_str) == Some("body"))
                .and_then(|p| p.get("name").cloned());
            if let Some(name) = body_name {
                out.insert(ext::CODEGEN_REQUEST_BODY_NAME.into(), name);
            }
        }
        // Keep the conventional key order: parameters and requestBody before responses.
        let mut ordered = Map::new();
        let order = [
            "tags",
            "summary",
            "description",
            "externalDocs",
            "operationId",
            "parameters",
            "requestBody",
        ];
        for k in order {
            if let Some(v) = out.remove(k) {
                ordered.insert(k.into(), v);
            }
        }
        ordered.extend(out);
        Ok(Value::Object(ordered))
    }

    fn parameter(&self, p: &Value, pointer: &str) -> Result<Value> {
        if let Some(r) = p.get("$ref") {
            return Ok(json!({ "$ref": r }));
        }
        let Some(p) = p.as_object() else {
            return Err(Error::invalid(
                self.path,
                pointer,
                "a parameter must be a mapping",
            ));
        };
        let mut out = Map::new();
        let mut sch = Map::new();
        for (key, value) in p {
            match key.as_str() {
                "name" | "in" | "description" | "required" | "deprecated" | "allowEmptyValue" => {
                    out.insert(key.clone(), value.clone());
                }
                "collectionFormat" => match value.as_str() {
                    Some("csv") | None => {
                        out.insert(
                            "style".into(),
                            json!(if p.get("in") == Some(&json!("query")) {
                                "form"
                            } else {
                                "simple"
                            }),
                        );
                        out.insert("explode".into(), json!(false));
                    }
                    Some("multi") => {
                        out.insert("style".into(), json!("form"));
                        out.insert("explode".into(), json!(true));
                    }
                    Some("ssv") => {
                        out.insert("style".into(), json!("spaceDelimited"));
                    }
                    Some("pipes") => {
                        out.insert("style".into(), json!("pipeDelimited"));
                    }
                    Some(other) => {
                        return Err(Error::invalid(
                            self.path,
                            format!("{pointer}/collectionFormat"),
                            format!("collectionFormat `{other}` has no OpenAPI 3.0 equivalent"),
                        ));
                    }
                },
                "example" => {
                    out.insert("example".into(), value.clone());
                }
                k if ext::is_extension(k) => {
                    out.insert(key.clone(), value.clone());
                }
                _ => {
                    sch.insert(key.clone(), value.clone());
                }
            }
        }
        if p.get("in").and_then(Value::as_str) == Some("path") {
            out.insert("required".into(), json!(true));
        }
        out.insert("schema".into(), schema(&Value::Object(sch)));
        Ok(Value::Object(out))
    }

    fn body(&self, p: &Value, consumes: &[String]) -> Value {
        let mut out = Map::new();
        if let Some(d) = p.get("description") {
            out.insert("description".into(), d.clone());
        }
        let sch = p.get("schema").map(schema).unwrap_or_else(|| json!({}));
        let media = if consumes.is_empty() {
            vec!["application/json".to_owned()]
        } else {
            consumes.to_vec()
        };
        let content: Map<String, Value> = media
            .iter()
            .map(|m| (m.clone(), json!({ "schema": sch.clone() })))
            .collect();
        out.insert("content".into(), Value::Object(content));
        if let Some(r) = p.get("required") {
            out.insert("required".into(), r.clone());
        }
        for (k, v) in p.as_object().into_iter().flatten() {
            if ext::is_extension(k) {
                out.insert(k.clone(), v.clone());
            }
        }
        Value::Object(out)
    }

    fn form(&self, params: &[&Value], consumes: &[String]) -> Value {
        let mut properties = Map::new();
        let mut required = Vec::new();
        for p in params {
            let Some(name) = p.get("name").and_then(Value::as_str) else {
                continue;
            };
            let mut sch = p.as_object().cloned().unwrap_or_default();
            for k in ["name", "in", "required", "allowEmptyValue"] {
                sch.remove(k);
            }
            properties.insert(name.to_owned(), schema(&Value::Object(sch)));
            if p.get("required") == Some(&json!(true)) {
                required.push(json!(name));
            }
        }
        let mut object = Map::new();
        object.insert("type".into(), json!("object"));
        object.insert("properties".into(), Value::Object(properties));
        if !required.is_empty() {
            object.insert("required".into(), Value::Array(required));
        }
        let media = consumes
            .iter()
            .find(|m| {
                m.as_str() == "multipart/form-data"
                    || m.as_str() == "application/x-www-form-urlencoded"
            })
            .cloned()
            .unwrap_or_else(|| "application/x-www-form-urlencoded".into());
        json!({ "content": { media: { "schema": Value::Object(object) } } })
    }

    fn response(&self, r: &Value, produces: &[String]) -> Value {
        let mut out = Map::new();
        out.insert(
            "description".into(),
            r.get("description").cloned().unwrap_or_else(|| json!("")),
        );
        if let Some(headers) = r.get("headers").and_then(Value::as_object) {
            let conv: Map<String, Value> = headers
                .iter()
                .map(|(name, h)| {
                    let mut header = Map::new();
                    let mut sch = h.as_object().cloned().unwrap_or_default();
                    if let Some(d) = sch.remove("description") {
                        header.insert("description".into(), d);
                    }
                    header.insert("schema".into(), schema(&Value::Object(sch)));
                    (name.clone(), Value::Object(header))
                })
                .collect();
            out.insert("headers".into(), Value::Object(conv));
        }
        if let Some(sch) = r.get("schema") {
            let sch = schema(sch);
            let media = if produces.is_empty() {
                vec!["application/json".to_owned()]
            } else {
                produces.to_vec()
            };
            let examples = r.get("examples").and_then(Value::as_object);
            let content: Map<String, Value> = media
                .iter()
                .map(|m| {
                    let mut media_type = Map::new();
                    media_type.insert("schema".into(), sch.clone());
                    if let Some(ex) = examples.and_then(|e| e.get(m)) {
                        media_type.insert("example".into(), ex.clone());
                    }
                    (m.clone(), Value::Object(media_type))
                })
                .collect();
            out.insert("content".into(), Value::Object(content));
        }
        for (k, v) in r.as_object().into_iter().flatten() {
            if ext::is_extension(k) {
                out.insert(k.clone(), v.clone());
            }
        }
        Value::Object(out)
    }
}

fn is_body_like(p: &Value) -> bool {
    matches!(
        p.get("in").and_then(Value::as_str),
        Some("body") | Some("formData")
    )
}

/// Convert a Schema Object: `x-nullable` → `nullable`, `type: file` → binary string,
/// a string `discriminator` → `{propertyName}`; everything else (including `properties` and
/// `required` of schemas without `type: object`) is kept as written.
pub fn schema(s: &Value) -> Value {
    match s {
        Value::Object(map) => {
            let mut out = Map::new();
            for (k, v) in map {
                match k.as_str() {
                    ext::NULLABLE => {
                        out.insert("nullable".into(), v.clone());
                    }
                    "type" if v == "file" => {
                        out.insert("type".into(), json!("string"));
                        out.insert("format".into(), json!("binary"));
                    }
                    "discriminator" if v.is_string() => {
                        out.insert("discriminator".into(), json!({ "propertyName": v }));
                    }
                    "properties" | "definitions" | "patternProperties" => {
                        let props = v
                            .as_object()
                            .map(|p| p.iter().map(|(n, s)| (n.clone(), schema(s))).collect());
                        out.insert(
                            k.clone(),
                            props.map(Value::Object).unwrap_or_else(|| v.clone()),
                        );
                    }
                    "items" | "additionalProperties" | "not" => {
                        out.insert(k.clone(), if v.is_object() { schema(v) } else { v.clone() });
                    }
                    "allOf" | "anyOf" | "oneOf" => {
                        let list = v.as_array().map(|a| a.iter().map(schema).collect());
                        out.insert(
                            k.clone(),
                            list.map(Value::Array).unwrap_or_else(|| v.clone()),
                        );
                    }
                    _ => {
                        out.insert(k.clone(), v.clone());
                    }
                }
            }
            Value::Object(out)
        }
        other => other.clone(),
    }
}

fn rewrite_refs(v: &mut Value) {
    match v {
        Value::Object(map) => {
            if let Some(Value::String(r)) = map.get_mut("$ref") {
                for (from, to) in [
                    ("#/definitions/", "#/components/schemas/"),
                    ("#/parameters/", "#/components/parameters/"),
                    ("#/responses/", "#/components/responses/"),
                ] {
                    if let Some(rest) = r.strip_prefix(from) {
                        *r = format!("{to}{rest}");
                        break;
                    }
                }
            }
            map.values_mut().for_each(rewrite_refs);
        }
        Value::Array(items) => items.iter_mut().for_each(rewrite_refs),
        _ => {}
    }
}
