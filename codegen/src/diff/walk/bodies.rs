//! Bodies: the request body, media types and their schemas, responses (success statuses typed,
//! error statuses read by the runtime), response headers, error bodies and callbacks (whose
//! bodies the bank sends, so response rules apply).

use std::collections::BTreeSet;

use serde_json::Value;

use super::{Differ, EMPTY, Site, members, obj};
use crate::diff::rules::{Direction, RuleId, Subject};
use crate::load::escape_pointer;
use crate::paths::METHODS;

fn is_success(status: &str) -> bool {
    bank_openapi::status::is_success(status)
}

impl<'a> Differ<'a> {
    pub(super) fn request_body(
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
                RuleId::RequestBodyRemoved,
                ops,
                at,
                "request body removed".into(),
            ),
            (None, Some(n)) => {
                let id = if required(n) {
                    RuleId::RequestBodyAddedRequired
                } else {
                    RuleId::RequestBodyAdded
                };
                self.emit(id, ops, at, "request body added".into());
            }
            (Some(o), Some(n)) => {
                match (required(o), required(n)) {
                    (false, true) => self.emit(
                        RuleId::RequestBodyBecameRequired,
                        ops,
                        format!("{at}/required"),
                        "request body became required".into(),
                    ),
                    (true, false) => self.emit(
                        RuleId::RequestBodyBecameOptional,
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
        let (added, removed) = match dir {
            Direction::Request => (
                RuleId::RequestMediaTypeAdded,
                RuleId::RequestMediaTypeRemoved,
            ),
            Direction::Response => (
                RuleId::ResponseMediaTypeAdded,
                RuleId::ResponseMediaTypeRemoved,
            ),
        };
        for (mt, om) in oc {
            let mt_pointer = format!("{at}/content/{}", escape_pointer(mt));
            let Some(nm) = nc.get(mt) else {
                self.emit(
                    removed,
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
                added,
                ops,
                format!("{at}/content/{}", escape_pointer(mt)),
                format!("{what} media type `{mt}` added"),
            );
        }
    }

    pub(super) fn responses(&mut self, ops: &[String], pointer: &str, o: &'a Value, n: &'a Value) {
        let (or, nr) = members(o, n, "responses");
        for (status, ov) in or {
            let at = format!("{pointer}/responses/{}", escape_pointer(status));
            let success = is_success(status);
            let Some(nv) = nr.get(status) else {
                let id = if success {
                    RuleId::ResponseSuccessStatusRemoved
                } else {
                    RuleId::ResponseErrorStatusRemoved
                };
                self.emit(id, ops, at, format!("response {status} removed"));
                continue;
            };
            let (ov, nv) = (self.resolve_in(self.old, ov), self.resolve_in(self.new, nv));
            self.describe(ops, &at, ov, nv, &format!("response {status}"));
            let (oh, nh) = members(ov, nv, "headers");
            for h in oh.keys().filter(|h| !nh.contains_key(*h)) {
                self.emit(
                    RuleId::ResponseHeaderRemoved,
                    ops,
                    format!("{at}/headers"),
                    format!("response {status}: header `{h}` removed"),
                );
            }
            for h in nh.keys().filter(|h| !oh.contains_key(*h)) {
                self.emit(
                    RuleId::ResponseHeaderAdded,
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
                RuleId::ResponseSuccessStatusAdded
            } else {
                RuleId::ResponseErrorStatusAdded
            };
            self.emit(
                id,
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
                                RuleId::ExampleChanged,
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
            RuleId::ResponseErrorBodyChanged,
            ops,
            format!("{at}/content"),
            format!("response {status}: error body changed"),
        );
    }

    pub(super) fn callbacks(&mut self, ops: &[String], pointer: &str, o: &'a Value, n: &'a Value) {
        let (oc, nc) = members(o, n, "callbacks");
        for (name, ov) in oc {
            let at = format!("{pointer}/callbacks/{}", escape_pointer(name));
            let Some(nv) = nc.get(name) else {
                self.emit(
                    RuleId::CallbackRemoved,
                    ops,
                    at,
                    format!("callback `{name}` removed"),
                );
                continue;
            };
            for (expr, oi) in obj(ov) {
                let Some(ni) = nv.get(expr) else {
                    self.emit(
                        RuleId::CallbackRemoved,
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
                RuleId::CallbackAdded,
                ops,
                format!("{pointer}/callbacks/{}", escape_pointer(name)),
                format!("callback `{name}` added"),
            );
        }
    }
}
