//! The comparison itself: two converted OpenAPI 3.0 documents in, a list of located changes out.
//!
//! Operations are matched by method and path template with parameter names blanked, so
//! `/orders/{id}` → `/orders/{orderId}` is a renamed parameter, not a removed path. Schemas are
//! compared through `$ref`s; where both sides refer to the same component the comparison stops,
//! because each component is compared once on its own and reported with every operation that
//! uses it.

use std::collections::{BTreeMap, BTreeSet, HashSet};

use serde_json::{Map, Value};

use super::Change;
use super::rules::{CONSTRAINTS, Direction, Subject, Tighter, kebab, level};
use crate::load::escape_pointer;
use crate::paths::METHODS;

/// Where a schema comparison is: direction, subject, affected operations and JSON pointer.
#[derive(Clone)]
struct Site<'a> {
    dir: Direction,
    subject: Subject,
    operations: &'a [String],
    pointer: String,
}

impl Site<'_> {
    fn at(&self, suffix: &str) -> String {
        format!("{}{suffix}", self.pointer)
    }
}

/// Compares two documents.
pub struct Differ<'a> {
    old: &'a Value,
    new: &'a Value,
    changes: Vec<Change>,
    /// Pairs of `$ref` targets being compared, to stop on recursive schemas.
    active: HashSet<(String, String)>,
}

const EMPTY: &Value = &Value::Null;

fn obj(v: &Value) -> &Map<String, Value> {
    static EMPTY_MAP: std::sync::OnceLock<Map<String, Value>> = std::sync::OnceLock::new();
    v.as_object()
        .unwrap_or_else(|| EMPTY_MAP.get_or_init(Map::new))
}

/// The object under `key` on both sides (empty when absent).
fn members<'v>(
    o: &'v Value,
    n: &'v Value,
    key: &str,
) -> (&'v Map<String, Value>, &'v Map<String, Value>) {
    (
        obj(o.get(key).unwrap_or(EMPTY)),
        obj(n.get(key).unwrap_or(EMPTY)),
    )
}

fn text(v: &Value) -> String {
    match v {
        Value::String(s) => format!("{s:?}"),
        Value::Null => "nothing".into(),
        other => other.to_string(),
    }
}

/// `/orders/{id}` → `/orders/{}`.
fn blank_params(route: &str) -> String {
    let mut out = String::with_capacity(route.len());
    let mut inside = false;
    for c in route.chars() {
        match c {
            '{' => {
                inside = true;
                out.push_str("{}");
            }
            '}' => inside = false,
            _ if inside => {}
            _ => out.push(c),
        }
    }
    out
}

/// Names of the `{…}` parameters of a route, in order.
fn route_params(route: &str) -> Vec<&str> {
    route
        .split('{')
        .skip(1)
        .filter_map(|s| s.split('}').next())
        .collect()
}

fn is_success(status: &str) -> bool {
    status.starts_with('2')
}

impl<'a> Differ<'a> {
    /// A differ of `old` against `new` (both OpenAPI 3.0, as the pipeline's convert step yields).
    pub fn new(old: &'a Value, new: &'a Value) -> Self {
        Differ {
            old,
            new,
            changes: Vec::new(),
            active: HashSet::new(),
        }
    }

    /// Every change, in discovery order.
    pub fn run(mut self) -> Vec<Change> {
        self.info();
        self.servers();
        self.security_schemes();
        self.paths();
        self.components();
        self.changes
    }

    fn emit(&mut self, id: String, operations: &[String], pointer: String, message: String) {
        self.changes.push(Change {
            level: level(&id),
            id,
            operations: operations.to_vec(),
            pointer,
            message,
        });
    }

    fn info(&mut self) {
        for key in ["title", "version", "description"] {
            let (o, n) = (
                self.old.pointer(&format!("/info/{key}")).unwrap_or(EMPTY),
                self.new.pointer(&format!("/info/{key}")).unwrap_or(EMPTY),
            );
            if o != n {
                self.emit(
                    "info-changed".into(),
                    &[],
                    format!("/info/{key}"),
                    format!("info.{key}: {} → {}", text(o), text(n)),
                );
            }
        }
    }

    fn servers(&mut self) {
        let list = |doc: &Value| -> Vec<(String, String)> {
            doc.get("servers")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .enumerate()
                .map(|(i, s)| {
                    let url = s
                        .get("url")
                        .and_then(Value::as_str)
                        .unwrap_or_default()
                        .to_owned();
                    let name = s
                        .get("x-environment")
                        .and_then(Value::as_str)
                        .map(str::to_owned)
                        .unwrap_or_else(|| format!("#{i}"));
                    (name, url)
                })
                .collect()
        };
        let (old, new) = (list(self.old), list(self.new));
        for (i, (name, url)) in old.iter().enumerate() {
            let by_name = new
                .iter()
                .position(|(n, _)| n == name && !name.starts_with('#'));
            let by_url = new.iter().position(|(_, u)| u == url);
            match (by_name, by_url) {
                (_, Some(_)) => {}
                (Some(j), None) => self.emit(
                    "server-url-changed".into(),
                    &[],
                    format!("/servers/{j}/url"),
                    format!("server `{name}`: {url} → {}", new[j].1),
                ),
                (None, None) => self.emit(
                    "server-removed".into(),
                    &[],
                    format!("/servers/{i}"),
                    format!("server `{name}` ({url}) removed"),
                ),
            }
        }
        for (j, (name, url)) in new.iter().enumerate() {
            let known = old
                .iter()
                .any(|(n, u)| u == url || (n == name && !name.starts_with('#')));
            if !known {
                self.emit(
                    "server-added".into(),
                    &[],
                    format!("/servers/{j}"),
                    format!("server `{name}` ({url}) added"),
                );
            }
        }
    }

    fn security_schemes(&mut self) {
        let schemes =
            |doc: &'a Value| obj(doc.pointer("/components/securitySchemes").unwrap_or(EMPTY));
        let (old, new) = (schemes(self.old), schemes(self.new));
        for (name, o) in old {
            let pointer = format!("/components/securitySchemes/{}", escape_pointer(name));
            let Some(n) = new.get(name) else {
                self.emit(
                    "security-scheme-removed".into(),
                    &[],
                    pointer,
                    format!("security scheme `{name}` removed"),
                );
                continue;
            };
            if o.get("type") != n.get("type") || o.get("scheme") != n.get("scheme") {
                self.emit(
                    "security-scheme-type-changed".into(),
                    &[],
                    format!("{pointer}/type"),
                    format!(
                        "security scheme `{name}`: {} → {}",
                        scheme_kind(o),
                        scheme_kind(n)
                    ),
                );
                continue;
            }
            let (of, nf) = members(o, n, "flows");
            for (flow, of_v) in of {
                let Some(nf_v) = nf.get(flow) else {
                    self.emit(
                        "security-scheme-type-changed".into(),
                        &[],
                        format!("{pointer}/flows"),
                        format!("security scheme `{name}`: OAuth2 flow `{flow}` removed"),
                    );
                    continue;
                };
                if of_v.get("tokenUrl") != nf_v.get("tokenUrl") {
                    self.emit(
                        "security-token-url-changed".into(),
                        &[],
                        format!("{pointer}/flows/{flow}/tokenUrl"),
                        format!(
                            "security scheme `{name}`: token URL {} → {}",
                            text(of_v.get("tokenUrl").unwrap_or(EMPTY)),
                            text(nf_v.get("tokenUrl").unwrap_or(EMPTY))
                        ),
                    );
                }
                let (os, ns) = members(of_v, nf_v, "scopes");
                for scope in os.keys().filter(|s| !ns.contains_key(*s)) {
                    self.emit(
                        "security-scope-removed".into(),
                        &[],
                        format!("{pointer}/flows/{flow}/scopes"),
                        format!("security scheme `{name}`: scope `{scope}` removed"),
                    );
                }
                for scope in ns.keys().filter(|s| !os.contains_key(*s)) {
                    self.emit(
                        "security-scope-added".into(),
                        &[],
                        format!("{pointer}/flows/{flow}/scopes/{}", escape_pointer(scope)),
                        format!("security scheme `{name}`: scope `{scope}` added"),
                    );
                }
            }
            for flow in nf.keys().filter(|f| !of.contains_key(*f)) {
                self.emit(
                    "security-scheme-added".into(),
                    &[],
                    format!("{pointer}/flows/{flow}"),
                    format!("security scheme `{name}`: OAuth2 flow `{flow}` added"),
                );
            }
            self.describe(&[], &pointer, o, n, &format!("security scheme `{name}`"));
        }
        for name in new.keys().filter(|n| !old.contains_key(*n)) {
            self.emit(
                "security-scheme-added".into(),
                &[],
                format!("/components/securitySchemes/{}", escape_pointer(name)),
                format!("security scheme `{name}` added"),
            );
        }
    }

    /// `description-changed` / `example-changed` for the documentation keys of two nodes.
    fn describe(&mut self, ops: &[String], pointer: &str, o: &Value, n: &Value, what: &str) {
        for key in ["description", "title"] {
            if o.get(key) != n.get(key) {
                self.emit(
                    "description-changed".into(),
                    ops,
                    format!("{pointer}/{key}"),
                    format!("{what}: {key} changed"),
                );
            }
        }
        for key in ["example", "examples"] {
            if o.get(key) != n.get(key) {
                self.emit(
                    "example-changed".into(),
                    ops,
                    format!("{pointer}/{key}"),
                    format!("{what}: {key} changed"),
                );
            }
        }
    }

    fn paths(&mut self) {
        let index = |doc: &'a Value| -> BTreeMap<String, (&'a str, &'a Value)> {
            obj(doc.get("paths").unwrap_or(EMPTY))
                .iter()
                .map(|(route, item)| (blank_params(route), (route.as_str(), item)))
                .collect()
        };
        let (old, new) = (index(self.old), index(self.new));
        for (key, (route, item)) in &old {
            let Some((new_route, new_item)) = new.get(key) else {
                let ops: Vec<String> = operations_of(route, item)
                    .into_iter()
                    .map(|(l, _, _)| l)
                    .collect();
                self.emit(
                    "path-removed".into(),
                    &ops,
                    format!("/paths/{}", escape_pointer(route)),
                    format!("path {route} removed"),
                );
                continue;
            };
            self.path(route, item, new_route, new_item);
        }
        for (key, (route, item)) in &new {
            if !old.contains_key(key) {
                let ops: Vec<String> = operations_of(route, item)
                    .into_iter()
                    .map(|(l, _, _)| l)
                    .collect();
                self.emit(
                    "path-added".into(),
                    &ops,
                    format!("/paths/{}", escape_pointer(route)),
                    format!("path {route} added"),
                );
            }
        }
    }

    fn path(&mut self, old_route: &str, old_item: &'a Value, route: &str, item: &'a Value) {
        let pointer = format!("/paths/{}", escape_pointer(route));
        let all_ops: Vec<String> = operations_of(route, item)
            .into_iter()
            .map(|(l, _, _)| l)
            .collect();
        for (i, (o, n)) in route_params(old_route)
            .into_iter()
            .zip(route_params(route))
            .enumerate()
        {
            if o != n {
                self.emit(
                    "path-parameter-renamed".into(),
                    &all_ops,
                    pointer.clone(),
                    format!(
                        "path parameter #{} renamed: {{{o}}} → {{{n}}} ({old_route} → {route})",
                        i + 1
                    ),
                );
            }
        }
        for method in METHODS {
            let label = format!("{} {route}", method.to_uppercase());
            let op_pointer = format!("{pointer}/{method}");
            match (old_item.get(method), item.get(method)) {
                (Some(o), Some(n)) => {
                    let (o_params, n_params) = (
                        merged_params(self.old, old_item, o, old_route, route, method),
                        merged_params(self.new, item, n, route, route, method),
                    );
                    self.operation(&label, &op_pointer, o, n, o_params, n_params);
                }
                (Some(_), None) => self.emit(
                    "operation-removed".into(),
                    std::slice::from_ref(&label),
                    format!("/paths/{}/{method}", escape_pointer(old_route)),
                    format!("{label} removed"),
                ),
                (None, Some(_)) => self.emit(
                    "operation-added".into(),
                    std::slice::from_ref(&label),
                    op_pointer,
                    format!("{label} added"),
                ),
                (None, None) => {}
            }
        }
    }

    fn operation(
        &mut self,
        label: &str,
        pointer: &str,
        o: &'a Value,
        n: &'a Value,
        o_params: Vec<Param<'a>>,
        n_params: Vec<Param<'a>>,
    ) {
        let ops = [label.to_owned()];
        if o.get("operationId") != n.get("operationId") {
            self.emit(
                "operation-id-changed".into(),
                &ops,
                format!("{pointer}/operationId"),
                format!(
                    "operationId {} → {} (the generated method is renamed)",
                    text(o.get("operationId").unwrap_or(EMPTY)),
                    text(n.get("operationId").unwrap_or(EMPTY))
                ),
            );
        }
        let deprecated = |v: &Value| {
            v.get("deprecated")
                .and_then(Value::as_bool)
                .unwrap_or(false)
        };
        match (deprecated(o), deprecated(n)) {
            (false, true) => self.emit(
                "operation-deprecated".into(),
                &ops,
                format!("{pointer}/deprecated"),
                format!("{label} deprecated"),
            ),
            (true, false) => self.emit(
                "operation-undeprecated".into(),
                &ops,
                format!("{pointer}/deprecated"),
                format!("{label} no longer deprecated"),
            ),
            _ => {}
        }
        for key in ["summary", "description"] {
            if o.get(key) != n.get(key) {
                self.emit(
                    "operation-description-changed".into(),
                    &ops,
                    format!("{pointer}/{key}"),
                    format!("{key} changed"),
                );
            }
        }
        if o.get("tags") != n.get("tags") {
            self.emit(
                "operation-tags-changed".into(),
                &ops,
                format!("{pointer}/tags"),
                format!(
                    "tags {} → {}",
                    text(o.get("tags").unwrap_or(EMPTY)),
                    text(n.get("tags").unwrap_or(EMPTY))
                ),
            );
        }
        self.security(&ops, pointer, o, n);
        self.parameters(&ops, pointer, o_params, n_params);
        self.request_body(&ops, pointer, o.get("requestBody"), n.get("requestBody"));
        self.responses(&ops, pointer, o, n);
        self.callbacks(&ops, pointer, o, n);
        const KNOWN: &[&str] = &[
            "operationId",
            "deprecated",
            "summary",
            "description",
            "tags",
            "security",
            "parameters",
            "requestBody",
            "responses",
            "callbacks",
            "externalDocs",
            "servers",
        ];
        let keys: BTreeSet<&String> = obj(o).keys().chain(obj(n).keys()).collect();
        for key in keys {
            if !KNOWN.contains(&key.as_str()) && o.get(key) != n.get(key) {
                self.emit(
                    "operation-extension-changed".into(),
                    &ops,
                    format!("{pointer}/{}", escape_pointer(key)),
                    format!("`{key}` changed"),
                );
            }
        }
    }

    fn security(&mut self, ops: &[String], pointer: &str, o: &Value, n: &Value) {
        let requirements = |doc: &Value, op: &Value| -> BTreeMap<String, BTreeSet<String>> {
            let list = op.get("security").or_else(|| doc.get("security"));
            let mut out = BTreeMap::new();
            for req in list.and_then(Value::as_array).into_iter().flatten() {
                for (scheme, scopes) in obj(req) {
                    let set: &mut BTreeSet<String> = out.entry(scheme.clone()).or_default();
                    set.extend(
                        scopes
                            .as_array()
                            .into_iter()
                            .flatten()
                            .filter_map(Value::as_str)
                            .map(str::to_owned),
                    );
                }
            }
            out
        };
        let (or, nr) = (requirements(self.old, o), requirements(self.new, n));
        let at = format!("{pointer}/security");
        if or.is_empty() && !nr.is_empty() {
            self.emit(
                "operation-security-added".into(),
                ops,
                at.clone(),
                format!(
                    "now requires {}",
                    nr.keys().cloned().collect::<Vec<_>>().join(" or ")
                ),
            );
            return;
        }
        if !or.is_empty() && nr.is_empty() {
            self.emit(
                "operation-security-removed".into(),
                ops,
                at,
                "no longer requires authentication".into(),
            );
            return;
        }
        for (scheme, scopes) in &nr {
            match or.get(scheme) {
                None => self.emit(
                    "operation-security-added".into(),
                    ops,
                    at.clone(),
                    format!("security requirement `{scheme}` added"),
                ),
                Some(old_scopes) => {
                    for s in scopes.difference(old_scopes) {
                        self.emit(
                            "operation-scope-added".into(),
                            ops,
                            at.clone(),
                            format!("`{scheme}` now needs scope `{s}`"),
                        );
                    }
                    for s in old_scopes.difference(scopes) {
                        self.emit(
                            "operation-scope-removed".into(),
                            ops,
                            at.clone(),
                            format!("`{scheme}` no longer needs scope `{s}`"),
                        );
                    }
                }
            }
        }
        for scheme in or.keys().filter(|s| !nr.contains_key(*s)) {
            self.emit(
                "operation-security-removed".into(),
                ops,
                at.clone(),
                format!("security requirement `{scheme}` removed"),
            );
        }
    }

    fn parameters(
        &mut self,
        ops: &[String],
        pointer: &str,
        old: Vec<Param<'a>>,
        new: Vec<Param<'a>>,
    ) {
        for o in &old {
            let same = new.iter().find(|n| n.key == o.key);
            let moved = new.iter().find(|n| {
                n.name == o.name && n.location != o.location && !old.iter().any(|x| x.key == n.key)
            });
            match (same, moved) {
                (Some(n), _) => self.parameter(ops, o, n),
                (None, Some(n)) => {
                    self.emit(
                        "request-parameter-location-changed".into(),
                        ops,
                        n.pointer.clone(),
                        format!(
                            "parameter `{}` moved from {} to {}",
                            o.name, o.location, n.location
                        ),
                    );
                    self.parameter(ops, o, n);
                }
                (None, None) => self.emit(
                    "request-parameter-removed".into(),
                    ops,
                    o.pointer.clone(),
                    format!("{} parameter `{}` removed", o.location, o.name),
                ),
            }
        }
        for n in &new {
            let known = old.iter().any(|o| {
                o.key == n.key || (o.name == n.name && !new.iter().any(|x| x.key == o.key))
            });
            if !known {
                let required = n
                    .value
                    .get("required")
                    .and_then(Value::as_bool)
                    .unwrap_or(false);
                self.emit(
                    if required {
                        "request-parameter-added-required"
                    } else {
                        "request-parameter-added"
                    }
                    .into(),
                    ops,
                    n.pointer.clone(),
                    format!(
                        "{} {} parameter `{}` added",
                        if required { "required" } else { "optional" },
                        n.location,
                        n.name
                    ),
                );
            }
        }
        let _ = pointer;
    }

    fn parameter(&mut self, ops: &[String], o: &Param<'a>, n: &Param<'a>) {
        let required = |p: &Param| {
            p.value
                .get("required")
                .and_then(Value::as_bool)
                .unwrap_or(false)
        };
        match (required(o), required(n)) {
            (false, true) => self.emit(
                "request-parameter-became-required".into(),
                ops,
                n.pointer.clone(),
                format!("parameter `{}` became required", n.name),
            ),
            (true, false) => self.emit(
                "request-parameter-became-optional".into(),
                ops,
                n.pointer.clone(),
                format!("parameter `{}` became optional", n.name),
            ),
            _ => {}
        }
        let deprecated = |p: &Param| {
            p.value
                .get("deprecated")
                .and_then(Value::as_bool)
                .unwrap_or(false)
        };
        if !deprecated(o) && deprecated(n) {
            self.emit(
                "request-parameter-deprecated".into(),
                ops,
                n.pointer.clone(),
                format!("parameter `{}` deprecated", n.name),
            );
        }
        for key in ["description", "example", "examples"] {
            if o.value.get(key) != n.value.get(key) {
                self.emit(
                    if key == "description" {
                        "request-parameter-description-changed"
                    } else {
                        "example-changed"
                    }
                    .into(),
                    ops,
                    format!("{}/{key}", n.pointer),
                    format!("parameter `{}`: {key} changed", n.name),
                );
            }
        }
        for key in obj(o.value)
            .keys()
            .chain(obj(n.value).keys())
            .collect::<BTreeSet<_>>()
        {
            let handled = [
                "name",
                "in",
                "required",
                "deprecated",
                "description",
                "example",
                "examples",
                "schema",
            ];
            if !handled.contains(&key.as_str()) && o.value.get(key) != n.value.get(key) {
                self.emit(
                    "request-parameter-keyword-changed".into(),
                    ops,
                    format!("{}/{}", n.pointer, escape_pointer(key)),
                    format!("parameter `{}`: `{key}` changed", n.name),
                );
            }
        }
        let site = Site {
            dir: Direction::Request,
            subject: Subject::Parameter,
            operations: ops,
            pointer: format!("{}/schema", n.pointer),
        };
        let label = format!("parameter `{}`", n.name);
        self.schema(
            &site,
            o.value.get("schema").unwrap_or(EMPTY),
            n.value.get("schema").unwrap_or(EMPTY),
            &label,
        );
    }

    fn request_body(
        &mut self,
        ops: &[String],
        pointer: &str,
        o: Option<&'a Value>,
        n: Option<&'a Value>,
    ) {
        let at = format!("{pointer}/requestBody");
        let resolve_old = o.map(|v| self.resolve_in(self.old, v));
        let resolve_new = n.map(|v| self.resolve_in(self.new, v));
        let required = |v: &Value| v.get("required").and_then(Value::as_bool).unwrap_or(false);
        match (resolve_old, resolve_new) {
            (None, None) => {}
            (Some(_), None) => self.emit(
                "request-body-removed".into(),
                ops,
                at,
                "request body removed".into(),
            ),
            (None, Some(n)) => {
                let id = if required(n) {
                    "request-body-added-required"
                } else {
                    "request-body-added"
                };
                self.emit(id.into(), ops, at, "request body added".into());
            }
            (Some(o), Some(n)) => {
                match (required(o), required(n)) {
                    (false, true) => self.emit(
                        "request-body-became-required".into(),
                        ops,
                        format!("{at}/required"),
                        "request body became required".into(),
                    ),
                    (true, false) => self.emit(
                        "request-body-became-optional".into(),
                        ops,
                        format!("{at}/required"),
                        "request body became optional".into(),
                    ),
                    _ => {}
                }
                self.describe(ops, &at, o, n, "request body");
                self.content(ops, &at, o, n, Direction::Request, "request");
            }
        }
    }

    fn content(
        &mut self,
        ops: &[String],
        at: &str,
        o: &'a Value,
        n: &'a Value,
        dir: Direction,
        what: &str,
    ) {
        let (oc, nc) = members(o, n, "content");
        let prefix = dir.as_str();
        for (mt, om) in oc {
            let mt_pointer = format!("{at}/content/{}", escape_pointer(mt));
            let Some(nm) = nc.get(mt) else {
                self.emit(
                    format!("{prefix}-media-type-removed"),
                    ops,
                    mt_pointer,
                    format!("{what} media type `{mt}` removed"),
                );
                continue;
            };
            self.describe(ops, &mt_pointer, om, nm, &format!("{what} `{mt}`"));
            let site = Site {
                dir,
                subject: Subject::Body,
                operations: ops,
                pointer: format!("{mt_pointer}/schema"),
            };
            self.schema(
                &site,
                om.get("schema").unwrap_or(EMPTY),
                nm.get("schema").unwrap_or(EMPTY),
                &format!("{what} body"),
            );
        }
        for mt in nc.keys().filter(|m| !oc.contains_key(*m)) {
            self.emit(
                format!("{prefix}-media-type-added"),
                ops,
                format!("{at}/content/{}", escape_pointer(mt)),
                format!("{what} media type `{mt}` added"),
            );
        }
    }

    fn responses(&mut self, ops: &[String], pointer: &str, o: &'a Value, n: &'a Value) {
        let (or, nr) = members(o, n, "responses");
        for (status, ov) in or {
            let at = format!("{pointer}/responses/{}", escape_pointer(status));
            let success = is_success(status);
            let Some(nv) = nr.get(status) else {
                let id = if success {
                    "response-success-status-removed"
                } else {
                    "response-error-status-removed"
                };
                self.emit(id.into(), ops, at, format!("response {status} removed"));
                continue;
            };
            let (ov, nv) = (self.resolve_in(self.old, ov), self.resolve_in(self.new, nv));
            self.describe(ops, &at, ov, nv, &format!("response {status}"));
            let (oh, nh) = members(ov, nv, "headers");
            for h in oh.keys().filter(|h| !nh.contains_key(*h)) {
                self.emit(
                    "response-header-removed".into(),
                    ops,
                    format!("{at}/headers"),
                    format!("response {status}: header `{h}` removed"),
                );
            }
            for h in nh.keys().filter(|h| !oh.contains_key(*h)) {
                self.emit(
                    "response-header-added".into(),
                    ops,
                    format!("{at}/headers/{}", escape_pointer(h)),
                    format!("response {status}: header `{h}` added"),
                );
            }
            if success {
                self.content(
                    ops,
                    &at,
                    ov,
                    nv,
                    Direction::Response,
                    &format!("response {status}"),
                );
            } else {
                self.error_body(ops, &at, ov, nv, status);
            }
        }
        for status in nr.keys().filter(|s| !or.contains_key(*s)) {
            let id = if is_success(status) {
                "response-success-status-added"
            } else {
                "response-error-status-added"
            };
            self.emit(
                id.into(),
                ops,
                format!("{pointer}/responses/{}", escape_pointer(status)),
                format!("response {status} added"),
            );
        }
    }

    /// Error bodies are read by the runtime, not typed: one informational change when they differ.
    fn error_body(&mut self, ops: &[String], at: &str, o: &Value, n: &Value, status: &str) {
        let (oc, nc) = (
            o.get("content").unwrap_or(EMPTY),
            n.get("content").unwrap_or(EMPTY),
        );
        let strip = |v: &Value| -> Value {
            let mut v = v.clone();
            for media in v.as_object_mut().into_iter().flat_map(|m| m.values_mut()) {
                if let Some(m) = media.as_object_mut() {
                    m.remove("example");
                    m.remove("examples");
                }
            }
            v
        };
        if strip(oc) == strip(nc) {
            for (mt, om) in obj(oc) {
                if let Some(nm) = nc.get(mt) {
                    for key in ["example", "examples"] {
                        if om.get(key) != nm.get(key) {
                            self.emit(
                                "example-changed".into(),
                                ops,
                                format!("{at}/content/{}/{key}", escape_pointer(mt)),
                                format!("response {status}: {key} changed"),
                            );
                        }
                    }
                }
            }
            return;
        }
        // Both refer to the same component: its own comparison reports the change once.
        let refs = |c: &Value| -> BTreeSet<String> {
            obj(c)
                .values()
                .filter_map(|m| {
                    m.pointer("/schema/$ref")
                        .and_then(Value::as_str)
                        .map(str::to_owned)
                })
                .collect()
        };
        if !refs(oc).is_empty() && refs(oc) == refs(nc) && obj(oc).keys().eq(obj(nc).keys()) {
            return;
        }
        self.emit(
            "response-error-body-changed".into(),
            ops,
            format!("{at}/content"),
            format!("response {status}: error body changed"),
        );
    }

    fn callbacks(&mut self, ops: &[String], pointer: &str, o: &'a Value, n: &'a Value) {
        let (oc, nc) = members(o, n, "callbacks");
        for (name, ov) in oc {
            let at = format!("{pointer}/callbacks/{}", escape_pointer(name));
            let Some(nv) = nc.get(name) else {
                self.emit(
                    "callback-removed".into(),
                    ops,
                    at,
                    format!("callback `{name}` removed"),
                );
                continue;
            };
            for (expr, oi) in obj(ov) {
                let Some(ni) = nv.get(expr) else {
                    self.emit(
                        "callback-removed".into(),
                        ops,
                        at.clone(),
                        format!("callback `{name}` {expr} removed"),
                    );
                    continue;
                };
                for method in METHODS {
                    if let (Some(oop), Some(nop)) = (oi.get(method), ni.get(method)) {
                        let cb_at = format!("{at}/{}/{method}", escape_pointer(expr));
                        let (ob, nb) = (oop.get("requestBody"), nop.get("requestBody"));
                        if let (Some(ob), Some(nb)) = (ob, nb) {
                            let (ob, nb) =
                                (self.resolve_in(self.old, ob), self.resolve_in(self.new, nb));
                            // The bank sends it and the merchant reads it: response rules apply.
                            self.content(
                                ops,
                                &format!("{cb_at}/requestBody"),
                                ob,
                                nb,
                                Direction::Response,
                                &format!("callback `{name}`"),
                            );
                        }
                    }
                }
            }
        }
        for name in nc.keys().filter(|k| !oc.contains_key(*k)) {
            self.emit(
                "callback-added".into(),
                ops,
                format!("{pointer}/callbacks/{}", escape_pointer(name)),
                format!("callback `{name}` added"),
            );
        }
    }

    /// Follow `$ref`s (to any component kind) to the node they name; the node itself otherwise.
    fn resolve_in(&self, doc: &'a Value, v: &'a Value) -> &'a Value {
        let mut current = v;
        for _ in 0..32 {
            match current
                .get("$ref")
                .and_then(Value::as_str)
                .and_then(|r| r.strip_prefix('#'))
            {
                Some(pointer) => match doc.pointer(pointer) {
                    Some(target) => current = target,
                    None => return current,
                },
                None => return current,
            }
        }
        current
    }

    fn components(&mut self) {
        let schemas = |doc: &'a Value| obj(doc.pointer("/components/schemas").unwrap_or(EMPTY));
        let (old, new) = (schemas(self.old), schemas(self.new));
        let usage = usage(self.old, self.new);
        for (name, o) in old {
            let pointer = format!("/components/schemas/{}", escape_pointer(name));
            let key = format!("#/components/schemas/{name}");
            let users = usage.get(&key);
            let Some(n) = new.get(name) else {
                let ops: Vec<String> = users
                    .map(|u| {
                        u.values()
                            .flatten()
                            .cloned()
                            .collect::<BTreeSet<_>>()
                            .into_iter()
                            .collect()
                    })
                    .unwrap_or_default();
                self.emit(
                    "schema-removed".into(),
                    &ops,
                    pointer,
                    format!(
                        "schema `{name}` removed (type `{}` disappears)",
                        crate::generate::rust_type_name(name)
                    ),
                );
                continue;
            };
            let dirs: Vec<(Direction, Vec<String>)> = match users {
                Some(u) if !u.is_empty() => u
                    .iter()
                    .map(|(d, ops)| (*d, ops.iter().cloned().collect()))
                    .collect(),
                _ => vec![(Direction::Response, Vec::new())],
            };
            for (dir, ops) in dirs {
                let site = Site {
                    dir,
                    subject: Subject::Body,
                    operations: &ops,
                    pointer: pointer.clone(),
                };
                self.active.insert((key.clone(), key.clone()));
                self.schema_resolved(&site, o, n, &format!("schema `{name}`"));
                self.active.remove(&(key.clone(), key.clone()));
            }
        }
        for name in new.keys().filter(|n| !old.contains_key(*n)) {
            self.emit(
                "schema-added".into(),
                &[],
                format!("/components/schemas/{}", escape_pointer(name)),
                format!(
                    "schema `{name}` added (type `{}`)",
                    crate::generate::rust_type_name(name)
                ),
            );
        }
    }

    /// Compare two schemas found at the same place.
    fn schema(&mut self, site: &Site<'_>, o: &'a Value, n: &'a Value, what: &str) {
        let (o_ref, n_ref) = (
            o.get("$ref").and_then(Value::as_str),
            n.get("$ref").and_then(Value::as_str),
        );
        if let (Some(a), Some(b)) = (o_ref, n_ref) {
            if a == b {
                // The component is compared once, on its own, for every operation using it.
                return;
            }
            self.emit(
                format!(
                    "{}-{}-ref-changed",
                    site.dir.as_str(),
                    site.subject.as_str()
                ),
                site.operations,
                site.at("/$ref"),
                format!("{what}: {a} → {b}"),
            );
            let pair = (a.to_owned(), b.to_owned());
            if !self.active.insert(pair.clone()) {
                return;
            }
            let (ro, rn) = (self.resolve_in(self.old, o), self.resolve_in(self.new, n));
            self.schema_resolved(site, ro, rn, what);
            self.active.remove(&pair);
            return;
        }
        let (ro, rn) = (self.resolve_in(self.old, o), self.resolve_in(self.new, n));
        self.schema_resolved(site, ro, rn, what);
    }

    fn schema_resolved(&mut self, site: &Site<'_>, o: &'a Value, n: &'a Value, what: &str) {
        let on = |what_changed: &str| {
            format!(
                "{}-{}-{what_changed}",
                site.dir.as_str(),
                site.subject.as_str()
            )
        };
        // Composition: members compared in order.
        let mut composed = false;
        for key in ["allOf", "oneOf", "anyOf"] {
            let (om, nm) = (
                o.get(key).and_then(Value::as_array),
                n.get(key).and_then(Value::as_array),
            );
            match (om, nm) {
                (None, None) => {}
                (Some(a), Some(b)) if a.len() == b.len() => {
                    composed = true;
                    for (i, (x, y)) in a.iter().zip(b).enumerate() {
                        let member = Site {
                            pointer: site.at(&format!("/{key}/{i}")),
                            ..site.clone()
                        };
                        self.schema(&member, x, y, what);
                    }
                }
                _ => {
                    self.emit(
                        on("composition-changed"),
                        site.operations,
                        site.at(&format!("/{key}")),
                        format!(
                            "{what}: {key} with {} member(s) → {}",
                            om.map_or(0, Vec::len),
                            nm.map_or(0, Vec::len)
                        ),
                    );
                    return;
                }
            }
        }
        let (ot, nt) = (o.get("type"), n.get("type"));
        if ot != nt && !(composed && (ot.is_none() || nt.is_none())) {
            self.emit(
                on("type-changed"),
                site.operations,
                site.at("/type"),
                format!(
                    "{what}: type {} → {}",
                    text(ot.unwrap_or(EMPTY)),
                    text(nt.unwrap_or(EMPTY))
                ),
            );
            return;
        }
        if o.get("format") != n.get("format") {
            self.emit(
                on("format-changed"),
                site.operations,
                site.at("/format"),
                format!(
                    "{what}: format {} → {}",
                    text(o.get("format").unwrap_or(EMPTY)),
                    text(n.get("format").unwrap_or(EMPTY))
                ),
            );
        }
        self.enum_values(site, o, n, what);
        let nullable = |v: &Value| v.get("nullable").and_then(Value::as_bool).unwrap_or(false);
        match (nullable(o), nullable(n)) {
            (false, true) => self.emit(
                on("became-nullable"),
                site.operations,
                site.at("/nullable"),
                format!("{what} became nullable"),
            ),
            (true, false) => self.emit(
                on("became-not-nullable"),
                site.operations,
                site.at("/nullable"),
                format!("{what} is no longer nullable"),
            ),
            _ => {}
        }
        self.constraints(site, o, n, what);
        if o.get("default") != n.get("default") {
            self.emit(
                on("default-changed"),
                site.operations,
                site.at("/default"),
                format!(
                    "{what}: default {} → {}",
                    text(o.get("default").unwrap_or(EMPTY)),
                    text(n.get("default").unwrap_or(EMPTY))
                ),
            );
        }
        let deprecated = |v: &Value| {
            v.get("deprecated")
                .and_then(Value::as_bool)
                .unwrap_or(false)
        };
        if !deprecated(o) && deprecated(n) {
            self.emit(
                on("deprecated"),
                site.operations,
                site.at("/deprecated"),
                format!("{what} deprecated"),
            );
        }
        self.describe(site.operations, &site.pointer, o, n, what);
        self.properties(site, o, n, what);
        if let (Some(oi), Some(ni)) = (o.get("items"), n.get("items")) {
            let items = Site {
                subject: Subject::Property,
                pointer: site.at("/items"),
                ..site.clone()
            };
            self.schema(&items, oi, ni, &format!("{what}[]"));
        }
        match (o.get("additionalProperties"), n.get("additionalProperties")) {
            (Some(a @ Value::Object(_)), Some(b @ Value::Object(_))) => {
                let values = Site {
                    subject: Subject::Property,
                    pointer: site.at("/additionalProperties"),
                    ..site.clone()
                };
                self.schema(&values, a, b, &format!("{what}{{*}}"));
            }
            (a, b) if a != b => self.emit(
                on("additional-properties-changed"),
                site.operations,
                site.at("/additionalProperties"),
                format!(
                    "{what}: additionalProperties {} → {}",
                    text(a.unwrap_or(EMPTY)),
                    text(b.unwrap_or(EMPTY))
                ),
            ),
            _ => {}
        }
        const HANDLED: &[&str] = &[
            "$ref",
            "allOf",
            "oneOf",
            "anyOf",
            "type",
            "format",
            "enum",
            "nullable",
            "default",
            "deprecated",
            "description",
            "title",
            "example",
            "examples",
            "properties",
            "required",
            "items",
            "additionalProperties",
            "x-enum-descriptions",
            "x-enum-varnames",
        ];
        let keys: BTreeSet<&String> = obj(o).keys().chain(obj(n).keys()).collect();
        for key in keys {
            let constraint = CONSTRAINTS.iter().any(|c| c.keyword == key);
            if !constraint && !HANDLED.contains(&key.as_str()) && o.get(key) != n.get(key) {
                self.emit(
                    on("keyword-changed"),
                    site.operations,
                    site.at(&format!("/{}", escape_pointer(key))),
                    format!("{what}: `{key}` changed"),
                );
            }
        }
    }

    fn enum_values(&mut self, site: &Site<'_>, o: &Value, n: &Value, what: &str) {
        let (oe, ne) = (
            o.get("enum").and_then(Value::as_array),
            n.get("enum").and_then(Value::as_array),
        );
        let on = |c: &str| format!("{}-{}-{c}", site.dir.as_str(), site.subject.as_str());
        match (oe, ne) {
            (Some(a), Some(b)) => {
                for v in a.iter().filter(|v| !b.contains(v)) {
                    self.emit(
                        on("enum-value-removed"),
                        site.operations,
                        site.at("/enum"),
                        format!("{what}: enum value {} removed", text(v)),
                    );
                }
                for v in b.iter().filter(|v| !a.contains(v)) {
                    self.emit(
                        on("enum-value-added"),
                        site.operations,
                        site.at("/enum"),
                        format!("{what}: enum value {} added", text(v)),
                    );
                }
            }
            (None, Some(b)) => self.emit(
                on("enum-restricted"),
                site.operations,
                site.at("/enum"),
                format!("{what}: now limited to {} value(s)", b.len()),
            ),
            (Some(_), None) => self.emit(
                on("enum-unrestricted"),
                site.operations,
                site.at("/enum"),
                format!("{what}: no longer limited to listed values"),
            ),
            (None, None) => {}
        }
    }

    fn constraints(&mut self, site: &Site<'_>, o: &Value, n: &Value, what: &str) {
        for c in CONSTRAINTS {
            let (a, b) = (o.get(c.keyword), n.get(c.keyword));
            if a == b {
                continue;
            }
            let num = |v: Option<&Value>| v.and_then(Value::as_f64);
            let truthy = |v: Option<&Value>| v.and_then(Value::as_bool).unwrap_or(false);
            let tightened = match c.tighter {
                Tighter::Smaller => match (num(a), num(b)) {
                    (Some(x), Some(y)) => y < x,
                    (None, Some(_)) => true,
                    _ => false,
                },
                Tighter::Larger => match (num(a), num(b)) {
                    (Some(x), Some(y)) => y > x,
                    (None, Some(_)) => true,
                    _ => false,
                },
                Tighter::Changed => b.is_some(),
                Tighter::True => !truthy(a) && truthy(b),
            };
            let change = if tightened { "tightened" } else { "loosened" };
            self.emit(
                format!(
                    "{}-{}-{}-{change}",
                    site.dir.as_str(),
                    site.subject.as_str(),
                    kebab(c.keyword)
                ),
                site.operations,
                site.at(&format!("/{}", c.keyword)),
                format!(
                    "{what}: {} {} → {}",
                    c.keyword,
                    text(a.unwrap_or(EMPTY)),
                    text(b.unwrap_or(EMPTY))
                ),
            );
        }
    }

    fn properties(&mut self, site: &Site<'_>, o: &'a Value, n: &'a Value, what: &str) {
        let (op, np) = members(o, n, "properties");
        let required = |v: &Value| -> BTreeSet<String> {
            v.get("required")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect()
        };
        let (or, nr) = (required(o), required(n));
        let dir = site.dir.as_str();
        for (name, ov) in op {
            let at = site.at(&format!("/properties/{}", escape_pointer(name)));
            let label = format!("{what}.{name}");
            let Some(nv) = np.get(name) else {
                self.emit(
                    format!("{dir}-property-removed"),
                    site.operations,
                    at,
                    format!("{label} removed"),
                );
                continue;
            };
            match (or.contains(name), nr.contains(name)) {
                (false, true) => self.emit(
                    format!("{dir}-property-became-required"),
                    site.operations,
                    at.clone(),
                    format!("{label} became required"),
                ),
                (true, false) => self.emit(
                    format!("{dir}-property-became-optional"),
                    site.operations,
                    at.clone(),
                    format!("{label} became optional"),
                ),
                _ => {}
            }
            let child = Site {
                subject: Subject::Property,
                pointer: at,
                ..site.clone()
            };
            self.schema(&child, ov, nv, &label);
        }
        for name in np.keys().filter(|k| !op.contains_key(*k)) {
            let at = site.at(&format!("/properties/{}", escape_pointer(name)));
            let id = if nr.contains(name) {
                format!("{dir}-property-added-required")
            } else {
                format!("{dir}-property-added")
            };
            let kind = if nr.contains(name) {
                "required"
            } else {
                "optional"
            };
            self.emit(
                id,
                site.operations,
                at,
                format!("{what}.{name} added ({kind})"),
            );
        }
    }
}

fn scheme_kind(s: &Value) -> String {
    let t = s.get("type").and_then(Value::as_str).unwrap_or("?");
    match s.get("scheme").and_then(Value::as_str) {
        Some(scheme) => format!("{t} ({scheme})"),
        None => t.to_owned(),
    }
}

/// A parameter of an operation, path-level ones merged in.
struct Param<'a> {
    /// `(in, name)`; path parameters by position (`path`, `#0`) so renames match.
    key: (String, String),
    name: String,
    location: String,
    value: &'a Value,
    pointer: String,
}

fn merged_params<'a>(
    doc: &'a Value,
    item: &'a Value,
    op: &'a Value,
    route: &str,
    pointer_route: &str,
    method: &str,
) -> Vec<Param<'a>> {
    let resolve = |v: &'a Value| crate::refs::deref(doc, v);
    let positions = route_params(route);
    let mut out: Vec<Param<'a>> = Vec::new();
    let lists = [
        (
            item.get("parameters"),
            format!("/paths/{}/parameters", escape_pointer(pointer_route)),
        ),
        (op.get("parameters"), String::new()),
    ];
    for (list, base) in lists {
        for (i, raw) in list
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .enumerate()
        {
            let p = resolve(raw);
            let name = p
                .get("name")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned();
            let location = p
                .get("in")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned();
            let key = if location == "path" {
                match positions.iter().position(|n| *n == name) {
                    Some(pos) => ("path".to_owned(), format!("#{pos}")),
                    None => (location.clone(), name.clone()),
                }
            } else {
                (location.clone(), name.clone())
            };
            let pointer = if base.is_empty() {
                format!(
                    "/paths/{}/{method}/parameters/{i}",
                    escape_pointer(pointer_route)
                )
            } else {
                format!("{base}/{i}")
            };
            // Operation-level parameters override path-level ones with the same key.
            out.retain(|q| q.key != key);
            out.push(Param {
                key,
                name,
                location,
                value: p,
                pointer,
            });
        }
    }
    out
}

/// Each operation of a path item: (`METHOD /path`, method, operation).
fn operations_of<'v>(route: &str, item: &'v Value) -> Vec<(String, &'static str, &'v Value)> {
    METHODS
        .iter()
        .filter_map(|m| {
            item.get(*m)
                .map(|op| (format!("{} {route}", m.to_uppercase()), *m, op))
        })
        .collect()
}

/// For every component schema (`#/components/schemas/X`), the operations that use it, by the
/// direction they use it in, from both documents.
///
/// Each component's direct references are collected once; an operation's reach is then a walk
/// over that graph, not over the document, so the cost stays linear in the document's size plus
/// operations × schemas they reach.
fn usage(old: &Value, new: &Value) -> BTreeMap<String, BTreeMap<Direction, BTreeSet<String>>> {
    let mut out: BTreeMap<String, BTreeMap<Direction, BTreeSet<String>>> = BTreeMap::new();
    for doc in [old, new] {
        let graph = component_graph(doc);
        for (route, item) in obj(doc.get("paths").unwrap_or(EMPTY)) {
            for (label, _, op) in operations_of(route, item) {
                let mut request = Vec::new();
                request.extend(item.get("parameters"));
                request.extend(op.get("parameters"));
                request.extend(op.get("requestBody"));
                let mut response = Vec::new();
                response.extend(op.get("responses"));
                response.extend(op.get("callbacks"));
                for (dir, roots) in [
                    (Direction::Request, request),
                    (Direction::Response, response),
                ] {
                    for name in reachable(doc, &graph, &roots) {
                        out.entry(name.to_owned())
                            .or_default()
                            .entry(dir)
                            .or_default()
                            .insert(label.clone());
                    }
                }
            }
        }
    }
    out
}

/// Every `$ref` string directly inside `v` (not following them).
fn direct_refs<'v>(v: &'v Value, out: &mut BTreeSet<&'v str>) {
    match v {
        Value::Object(m) => {
            if let Some(r) = m.get("$ref").and_then(Value::as_str) {
                out.insert(r);
            }
            for child in m.values() {
                direct_refs(child, out);
            }
        }
        Value::Array(a) => a.iter().for_each(|c| direct_refs(c, out)),
        _ => {}
    }
}

/// For each component of any kind (`#/components/<kind>/<name>`), the refs directly inside it.
fn component_graph(doc: &Value) -> BTreeMap<String, BTreeSet<&str>> {
    let mut graph = BTreeMap::new();
    for (kind, entries) in obj(doc.get("components").unwrap_or(EMPTY)) {
        for (name, value) in obj(entries) {
            let mut refs = BTreeSet::new();
            direct_refs(value, &mut refs);
            graph.insert(format!("#/components/{kind}/{name}"), refs);
        }
    }
    graph
}

/// Every `#/components/schemas/…` reachable from `roots`, through any `$ref`.
fn reachable<'g>(
    doc: &Value,
    graph: &'g BTreeMap<String, BTreeSet<&str>>,
    roots: &[&Value],
) -> BTreeSet<&'g str> {
    let _ = doc;
    let mut start = BTreeSet::new();
    for root in roots {
        direct_refs(root, &mut start);
    }
    let mut seen: BTreeSet<&'g str> = BTreeSet::new();
    let mut stack: Vec<&'g str> = start
        .into_iter()
        .filter_map(|r| graph.get_key_value(r).map(|(k, _)| k.as_str()))
        .collect();
    while let Some(r) = stack.pop() {
        if !seen.insert(r) {
            continue;
        }
        for next in graph.get(r).into_iter().flatten() {
            if let Some((k, _)) = graph.get_key_value(*next)
                && !seen.contains(k.as_str())
            {
                stack.push(k.as_str());
            }
        }
    }
    seen.retain(|r| r.starts_with("#/components/schemas/"));
    seen
}
