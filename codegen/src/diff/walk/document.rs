//! The document as a whole: `info`, `servers` and the security schemes (types, OAuth2 flows,
//! token URLs, scopes).

use bank_openapi::ext;
use serde_json::Value;

use super::{Differ, EMPTY, members, obj, text};
use crate::diff::rules::RuleId;
use crate::load::escape_pointer;

impl<'a> Differ<'a> {
    pub(super) fn info(&mut self) {
        for key in ["title", "version", "description"] {
            let (o, n) = (
                self.old.pointer(&format!("/info/{key}")).unwrap_or(EMPTY),
                self.new.pointer(&format!("/info/{key}")).unwrap_or(EMPTY),
            );
            if o != n {
                self.emit(
                    RuleId::InfoChanged,
                    &[],
                    format!("/info/{key}"),
                    format!("info.{key}: {} → {}", text(o), text(n)),
                );
            }
        }
    }

    pub(super) fn servers(&mut self) {
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
                        .get(ext::ENVIRONMENT)
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
                    RuleId::ServerUrlChanged,
                    &[],
                    format!("/servers/{j}/url"),
                    format!("server `{name}`: {url} → {}", new[j].1),
                ),
                (None, None) => self.emit(
                    RuleId::ServerRemoved,
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
                    RuleId::ServerAdded,
                    &[],
                    format!("/servers/{j}"),
                    format!("server `{name}` ({url}) added"),
                );
            }
        }
    }

    pub(super) fn security_schemes(&mut self) {
        let schemes =
            |doc: &'a Value| obj(doc.pointer("/components/securitySchemes").unwrap_or(EMPTY));
        let (old, new) = (schemes(self.old), schemes(self.new));
        for (name, o) in old {
            let pointer = format!("/components/securitySchemes/{}", escape_pointer(name));
            let Some(n) = new.get(name) else {
                self.emit(
                    RuleId::SecuritySchemeRemoved,
                    &[],
                    pointer,
                    format!("security scheme `{name}` removed"),
                );
                continue;
            };
            if o.get("type") != n.get("type") || o.get("scheme") != n.get("scheme") {
                self.emit(
                    RuleId::SecuritySchemeTypeChanged,
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
                        RuleId::SecuritySchemeTypeChanged,
                        &[],
                        format!("{pointer}/flows"),
                        format!("security scheme `{name}`: OAuth2 flow `{flow}` removed"),
                    );
                    continue;
                };
                if of_v.get("tokenUrl") != nf_v.get("tokenUrl") {
                    self.emit(
                        RuleId::SecurityTokenUrlChanged,
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
                        RuleId::SecurityScopeRemoved,
                        &[],
                        format!("{pointer}/flows/{flow}/scopes"),
                        format!("security scheme `{name}`: scope `{scope}` removed"),
                    );
                }
                for scope in ns.keys().filter(|s| !os.contains_key(*s)) {
                    self.emit(
                        RuleId::SecurityScopeAdded,
                        &[],
                        format!("{pointer}/flows/{flow}/scopes/{}", escape_pointer(scope)),
                        format!("security scheme `{name}`: scope `{scope}` added"),
                    );
                }
            }
            for flow in nf.keys().filter(|f| !of.contains_key(*f)) {
                self.emit(
                    RuleId::SecuritySchemeAdded,
                    &[],
                    format!("{pointer}/flows/{flow}"),
                    format!("security scheme `{name}`: OAuth2 flow `{flow}` added"),
                );
            }
            self.describe(&[], &pointer, o, n, &format!("security scheme `{name}`"));
        }
        for name in new.keys().filter(|n| !old.contains_key(*n)) {
            self.emit(
                RuleId::SecuritySchemeAdded,
                &[],
                format!("/components/securitySchemes/{}", escape_pointer(name)),
                format!("security scheme `{name}` added"),
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
