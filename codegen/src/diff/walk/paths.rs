//! Paths and operations: paths matched with parameter names blanked (so a renamed path
//! parameter is not a removed path), operations added or removed, an operation's id,
//! deprecation, documentation, extensions and security requirements; parameters, bodies,
//! responses and callbacks are handed to their own modules.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use super::parameters::{Param, merged_params};
use super::{Differ, EMPTY, obj, text};
use crate::diff::rules::RuleId;
use crate::load::escape_pointer;
use crate::paths::METHODS;

/// `/orders/{id}` → `/orders/{}`: how the diff matches operations (a renamed parameter is not a
/// removed path).
pub fn blank_params(route: &str) -> String {
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
pub(super) fn route_params(route: &str) -> Vec<&str> {
    route
        .split('{')
        .skip(1)
        .filter_map(|s| s.split('}').next())
        .collect()
}

impl<'a> Differ<'a> {
    pub(super) fn paths(&mut self) {
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
                    RuleId::PathRemoved,
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
                    RuleId::PathAdded,
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
                    RuleId::PathParameterRenamed,
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
                    RuleId::OperationRemoved,
                    std::slice::from_ref(&label),
                    format!("/paths/{}/{method}", escape_pointer(old_route)),
                    format!("{label} removed"),
                ),
                (None, Some(_)) => self.emit(
                    RuleId::OperationAdded,
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
                RuleId::OperationIdChanged,
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
                RuleId::OperationDeprecated,
                &ops,
                format!("{pointer}/deprecated"),
                format!("{label} deprecated"),
            ),
            (true, false) => self.emit(
                RuleId::OperationUndeprecated,
                &ops,
                format!("{pointer}/deprecated"),
                format!("{label} no longer deprecated"),
            ),
            _ => {}
        }
        for key in ["summary", "description"] {
            if o.get(key) != n.get(key) {
                self.emit(
                    RuleId::OperationDescriptionChanged,
                    &ops,
                    format!("{pointer}/{key}"),
                    format!("{key} changed"),
                );
            }
        }
        if o.get("tags") != n.get("tags") {
            self.emit(
                RuleId::OperationTagsChanged,
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
                    RuleId::OperationExtensionChanged,
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
                RuleId::OperationSecurityAdded,
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
                RuleId::OperationSecurityRemoved,
                ops,
                at,
                "no longer requires authentication".into(),
            );
            return;
        }
        for (scheme, scopes) in &nr {
            match or.get(scheme) {
                None => self.emit(
                    RuleId::OperationSecurityAdded,
                    ops,
                    at.clone(),
                    format!("security requirement `{scheme}` added"),
                ),
                Some(old_scopes) => {
                    for s in scopes.difference(old_scopes) {
                        self.emit(
                            RuleId::OperationScopeAdded,
                            ops,
                            at.clone(),
                            format!("`{scheme}` now needs scope `{s}`"),
                        );
                    }
                    for s in old_scopes.difference(scopes) {
                        self.emit(
                            RuleId::OperationScopeRemoved,
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
                RuleId::OperationSecurityRemoved,
                ops,
                at.clone(),
                format!("security requirement `{scheme}` removed"),
            );
        }
    }
}

/// Each operation of a path item: (`METHOD /path`, method, operation).
pub(super) fn operations_of<'v>(
    route: &str,
    item: &'v Value,
) -> Vec<(String, &'static str, &'v Value)> {
    METHODS
        .iter()
        .filter_map(|m| {
            item.get(*m)
                .map(|op| (format!("{} {route}", m.to_uppercase()), *m, op))
        })
        .collect()
}
