//! The console's pages, as maud templates: every value goes through maud's escaping (a
//! customer's name of `<script>…` is text), the markup has no inline script or style (the CSP
//! allows neither), and each page marks the part that follows the sandbox as `#live`
//! ([`super::live`]) and keeps its forms outside it.

use std::collections::{BTreeSet, HashMap};

use maud::{DOCTYPE, Markup, html};

use super::ROOT;
use super::forms::{CLOCK_UNITS, FAULT_FLAGS};
use super::session::Notice;
use crate::conformance::Exchange;
use crate::resource::Resource;
use crate::spec::Bank;
use crate::state::{Delivery, Shared};

/// The console's style sheet.
pub const CSS: &str = include_str!("console.css");

/// What every page of a session shows around its content.
#[derive(Debug)]
pub struct Frame<'a> {
    /// The CSRF token its forms carry (none for a request with the admin token).
    pub csrf: Option<&'a str>,
    /// What the last action did, shown once.
    pub notice: Option<Notice>,
    /// This page's path and query, where its forms come back to.
    pub back: String,
}

/// The banks' offset (UTC+05:00), in which the sandbox's times are shown, as its answers give
/// them.
fn offset() -> chrono::FixedOffset {
    chrono::FixedOffset::east_opt(5 * 3600)
        .unwrap_or_else(|| chrono::FixedOffset::east_opt(0).expect("UTC"))
}

/// A time of the sandbox's clock.
fn when(ms: u64) -> Markup {
    let t = chrono::DateTime::from_timestamp_millis(i64::try_from(ms).unwrap_or(i64::MAX))
        .unwrap_or_default()
        .with_timezone(&offset());
    html! {
        time datetime=(t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)) {
            (t.date_naive()) " " (t.time())
        }
    }
}

/// A duration in words (`3 d 4 h 5 min 6 s`).
fn span(ms: u64) -> String {
    let s = ms / 1000;
    let parts = [
        (s / 86_400, "d"),
        (s / 3600 % 24, "h"),
        (s / 60 % 60, "min"),
        (s % 60, "s"),
    ];
    let words: Vec<String> = parts
        .iter()
        .filter(|(n, _)| *n > 0)
        .map(|(n, unit)| format!("{n} {unit}"))
        .collect();
    if words.is_empty() {
        format!("{ms} ms")
    } else {
        words.join(" ")
    }
}

/// The console's URL of an API's resources.
pub fn api_url(bank: Bank) -> String {
    format!("{ROOT}/api/{}", bank.prefix())
}

/// The console's URL of one resource.
pub fn resource_url(bank: Bank, id: &str) -> String {
    let escaped: String = id
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect();
    format!("{}/{escaped}", api_url(bank))
}

/// Every resource of `bank`, newest first.
fn resources(shared: &Shared, bank: Bank) -> Vec<Resource> {
    let mut all = bank.sim().resources(shared, bank);
    all.sort_by(|a, b| {
        b.created_ms()
            .cmp(&a.created_ms())
            .then_with(|| a.id.cmp(&b.id))
    });
    all
}

/// The page around `live` (what follows the sandbox) and `actions` (the forms below it).
fn layout(
    shared: &Shared,
    frame: &Frame<'_>,
    title: &str,
    live: Markup,
    actions: Markup,
) -> Markup {
    layout_with(shared, frame, title, html! {}, live, actions)
}

/// [`layout`] with `lead` (a form above what follows the sandbox: the filters).
fn layout_with(
    shared: &Shared,
    frame: &Frame<'_>,
    title: &str,
    lead: Markup,
    live: Markup,
    actions: Markup,
) -> Markup {
    let now = shared.now_ms();
    let ahead = shared
        .clock_offset_ms
        .load(std::sync::atomic::Ordering::Acquire);
    let version = *shared.changes.borrow();
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " · bank sandbox" }
                link rel="stylesheet" href={ (ROOT) "/static/console.css" };
                script src={ (ROOT) "/static/console.js" } defer {}
            }
            body {
                header {
                    nav {
                        a.brand href=(ROOT) { "bank sandbox" }
                        @for bank in Bank::ALL {
                            a href=(api_url(bank)) title=(bank.title()) { (bank.prefix()) }
                        }
                        a href={ (ROOT) "/deliveries" } { "deliveries" }
                        a href={ (ROOT) "/steering" } { "steering" }
                    }
                    @if let Some(csrf) = frame.csrf {
                        form.logout method="post" action={ (ROOT) "/logout" } {
                            input type="hidden" name="csrf" value=(csrf);
                            button { "Log out" }
                        }
                    }
                }
                main {
                    h1 { (title) }
                    @if let Some(notice) = &frame.notice {
                        p.notice.ok[notice.ok].error[!notice.ok] #notice role="status" { (notice.text) }
                    }
                    (lead)
                    div #live data-version=(version) {
                        p.clock {
                            "Sandbox clock: " span #clock { (when(now)) }
                            @if ahead > 0 { " (" (span(ahead)) " ahead of the system's)" }
                        }
                        (live)
                    }
                    (actions)
                }
            }
        }
    }
}

/// The hidden fields of every action form: the CSRF token and the page to come back to.
fn hidden(frame: &Frame<'_>) -> Markup {
    html! {
        @if let Some(csrf) = frame.csrf { input type="hidden" name="csrf" value=(csrf); }
        input type="hidden" name="back" value=(frame.back);
    }
}

/// An action form posting to `/_sandbox/ui/steer/<action>`.
fn action(frame: &Frame<'_>, name: &str, fields: Markup, button: &str) -> Markup {
    html! {
        form.action #{ "form-" (name) } method="post" action={ (ROOT) "/steer/" (name) } {
            (hidden(frame))
            (fields)
            button type="submit" { (button) }
        }
    }
}

/// The login form (`problem`: why the last try failed).
pub fn login(problem: Option<&str>) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { "Log in · bank sandbox" }
                link rel="stylesheet" href={ (ROOT) "/static/console.css" };
            }
            body.login {
                main {
                    h1 { "bank sandbox console" }
                    @if let Some(problem) = problem { p.notice.error role="alert" { (problem) } }
                    form #login method="post" action={ (ROOT) "/login" } {
                        label for="token" { "Admin token" }
                        input #token type="password" name="token" autocomplete="off" required;
                        button type="submit" { "Log in" }
                    }
                    p.hint {
                        "The sandbox prints its admin token at start ([admin] token, or "
                        code { (crate::config::ADMIN_TOKEN_ENV) } "). The session lasts while the
                        sandbox runs, in this browser only."
                    }
                }
            }
        }
    }
}

/// The overview: every API with its resources, the deliveries, the steering, the exchanges.
pub fn overview(shared: &Shared, frame: &Frame<'_>) -> Markup {
    let (attempts, failed) = shared.read(|s| {
        (
            s.deliveries.len(),
            s.deliveries.iter().filter(|d| !d.delivered()).count(),
        )
    });
    let report = shared.steering.report();
    let exchanges = shared
        .exchanges
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .len();
    let live = html! {
        table #apis {
            thead { tr { th { "API" } th { "prefix" } th { "simulation" } th.num { "resources" } th { "latest change" } } }
            tbody {
                @for bank in Bank::ALL {
                    @let all = resources(shared, bank);
                    tr {
                        td { a href=(api_url(bank)) { (bank.title()) } }
                        td { code { "/" (bank.prefix()) } }
                        td { @if bank.hand_written() { "hand-written" } @else { "generic (from its document)" } }
                        td.num { (all.len()) }
                        td { @if let Some(latest) = all.iter().map(Resource::updated_ms).max() { (when(latest)) } }
                    }
                }
            }
        }
        ul.facts {
            li { a href={ (ROOT) "/deliveries" } { (attempts) " callback and postLink attempts" } ", " (failed) " not delivered" }
            li { a href={ (ROOT) "/steering" } { (report.faults.len()) " faults, " (report.declines.len()) " declines, " (report.callback_failures.len()) " failing callback URLs" } " steered" }
            li {
                @if shared.config.record_exchanges { (exchanges) " exchanges recorded (credentials redacted)" }
                @else { "Exchanges are not recorded (" code { "record_exchanges = true" } " in the configuration records them)." }
            }
        }
    };
    layout(shared, frame, "Overview", live, clock_form(frame))
}

/// The form that moves the sandbox's clock forward.
fn clock_form(frame: &Frame<'_>) -> Markup {
    action(
        frame,
        "clock",
        html! {
            fieldset {
                legend { "Advance the clock" }
                label { "by " input type="number" name="amount" min="1" value="5" required; }
                select name="unit" aria-label="unit" {
                    @for (unit, _) in CLOCK_UNITS { option value=(unit) selected[*unit == "minutes"] { (unit) } }
                }
            }
        },
        "Advance",
    )
}

/// An API's resources, newest first, filtered by client and status.
pub fn api(shared: &Shared, frame: &Frame<'_>, bank: Bank, query: &[(String, String)]) -> Markup {
    let get = |name: &str| {
        query
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.trim().to_owned())
            .filter(|v| !v.is_empty())
    };
    let (client, status) = (get("client"), get("status"));
    let all = resources(shared, bank);
    let statuses: BTreeSet<&str> = all.iter().map(|r| r.status.as_str()).collect();
    let wanted = |r: &&Resource| {
        let client_matches = client.as_deref().is_none_or(|c| {
            let c = c.to_lowercase();
            [
                Some(&r.client),
                r.name.as_ref(),
                r.owner.as_ref(),
                r.reference.as_ref(),
            ]
            .into_iter()
            .flatten()
            .any(|v| v.to_lowercase().contains(&c))
        });
        client_matches && status.as_deref().is_none_or(|s| r.status == s)
    };
    let shown: Vec<&Resource> = all.iter().filter(wanted).collect();
    let filters = html! {
        form.filters #filters method="get" action=(api_url(bank)) {
            label { "client " input type="search" name="client" value=[client.as_deref()] placeholder="phone, name, id…"; }
            label { "status "
                select name="status" {
                    option value="" { "any" }
                    @for s in &statuses { option value=(s) selected[status.as_deref() == Some(*s)] { (s) } }
                }
            }
            button type="submit" { "Filter" }
        }
    };
    let live = html! {
        p { (shown.len()) " of " (all.len()) " resources" }
        table #resources {
            thead { tr { th { "id" } th { "kind" } th { "client" } th { "status" } th.num { "amount" } th { "last change" } } }
            tbody {
                @for r in &shown {
                    tr data-id=(r.id) {
                        td { a.id href=(resource_url(bank, &r.id)) { (r.id) } }
                        td { (r.kind) }
                        td {
                            (r.client)
                            @if let Some(name) = &r.name { br; span.name { (name) } }
                        }
                        td { span.status { (r.status) } }
                        td.num { @if let Some(a) = &r.amount { (a) } }
                        td { (when(r.updated_ms())) }
                    }
                }
            }
        }
    };
    let title = format!("{} — {}", bank.title(), bank.prefix());
    layout_with(
        shared,
        frame,
        &title,
        filters,
        live,
        fault_form(frame, Some(bank)),
    )
}

/// The fault form: for one API (`bank`), or any (a choice of API).
fn fault_form(frame: &Frame<'_>, bank: Option<Bank>) -> Markup {
    let banks: Vec<Bank> = bank.map_or_else(|| Bank::ALL.to_vec(), |b| vec![b]);
    let mut operations: Vec<(&str, &str)> = banks
        .iter()
        .flat_map(|b| b.api().operations.iter().map(|o| (o.name, b.prefix())))
        .collect();
    operations.extend(
        banks
            .iter()
            .filter(|b| b.token_path().is_some())
            .map(|b| (crate::steer::TOKEN, b.prefix())),
    );
    action(
        frame,
        "fault",
        html! {
            fieldset {
                legend { "Add a fault" }
                @match bank {
                    Some(b) => input type="hidden" name="bank" value=(b.prefix());,
                    None => label { "API " select name="bank" { @for b in Bank::ALL { option value=(b.prefix()) { (b.prefix()) } } } },
                }
                label { "operation " input name="operation" list="operations" placeholder="every operation"; }
                datalist #operations { @for (name, prefix) in &operations { option value=(name) { (prefix) } } }
                label { "client " input name="client" placeholder="every client"; }
                label { "times " input type="number" name="times" min="1" placeholder="until cleared"; }
                label { "status " input type="number" name="status" min="400" max="599" placeholder="503"; }
                label { "latency (ms) " input type="number" name="latency_ms" min="0"; }
                @for flag in FAULT_FLAGS { label.check { input type="checkbox" name=(flag); " " (flag.replace('_', " ")) } }
            }
        },
        "Add fault",
    )
}

/// The steering forms for a URL that callbacks go to.
fn callback_failure_form(frame: &Frame<'_>, url: Option<&str>) -> Markup {
    action(
        frame,
        "callback-failure",
        html! {
            fieldset {
                legend { "Make callbacks fail" }
                label { "URL " input type="url" name="url" value=[url] required size="40"; }
                label { "times " input type="number" name="times" min="1" value="1" required; }
            }
        },
        "Fail callbacks",
    )
}

/// Whether an exchange names `needle` in its path, query, request or answer.
fn touches(exchange: &Exchange, needles: &[&str]) -> bool {
    let texts = [
        Some(exchange.path.as_bytes()),
        exchange.query.as_deref().map(str::as_bytes),
        Some(&exchange.body[..]),
        exchange.answer.as_deref(),
    ];
    texts.into_iter().flatten().any(|text| {
        needles
            .iter()
            .any(|n| text.windows(n.len()).any(|w| w == n.as_bytes()))
    })
}

/// A body shown as text: JSON pretty-printed, anything else as it came.
fn body_text(bytes: &[u8]) -> String {
    serde_json::from_slice::<serde_json::Value>(bytes)
        .ok()
        .and_then(|v| serde_json::to_string_pretty(&v).ok())
        .unwrap_or_else(|| String::from_utf8_lossy(bytes).into_owned())
}

/// One resource: its facts, status history, callbacks and exchanges (`None`: no such resource).
pub fn resource(shared: &Shared, frame: &Frame<'_>, bank: Bank, id: &str) -> Option<Markup> {
    let r = resources(shared, bank).into_iter().find(|r| r.id == id)?;
    let deliveries: Vec<Delivery> = shared.read(|s| {
        s.deliveries
            .iter()
            .filter(|d| d.about.as_deref() == Some(id))
            .cloned()
            .collect()
    });
    // The bank's id, and the client's own reference when it is long enough to mean this one.
    let mut needles = vec![r.id.as_str()];
    if let Some(reference) = r.reference.as_deref().filter(|x| x.len() >= 6) {
        needles.push(reference);
    }
    let exchanges: Vec<Exchange> = shared
        .exchanges
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .iter()
        .filter(|e| e.bank == bank && touches(e, &needles))
        .cloned()
        .collect();
    let live = html! {
        dl.facts #facts {
            dt { "status" } dd { span.status #status { (r.status) } }
            dt { "client" } dd { (r.client) }
            @if let Some(name) = &r.name { dt { "name" } dd #name { (name) } }
            @if let Some(owner) = &r.owner { dt { "made by" } dd { (owner) } }
            @if let Some(reference) = &r.reference { dt { "client's reference" } dd { (reference) } }
            @if let Some(amount) = &r.amount { dt { "amount" } dd { (amount) } }
            @if let Some(url) = &r.callback_url { dt { "callbacks to" } dd { code { (url) } } }
            @for (label, value) in &r.details { dt { (label) } dd { (value) } }
        }
        h2 { "Status history" }
        table #history {
            thead { tr { th { "status" } th { "since (sandbox clock)" } } }
            tbody { @for change in &r.history { tr { td { span.status { (change.status) } } td { (when(change.at_ms)) } } } }
        }
        h2 { "Callbacks" }
        @if deliveries.is_empty() { p { "No callback sent for it." } }
        @else { (delivery_table(&deliveries, &HashMap::new(), None)) }
        h2 { "Exchanges" }
        @if !shared.config.record_exchanges {
            p { "Exchanges are not recorded (" code { "record_exchanges = true" } " in the configuration records them)." }
        } @else if exchanges.is_empty() {
            p { "No recorded exchange names it (the latest " (shared.config.limits.exchanges) " are kept)." }
        } @else {
            table #exchanges {
                thead { tr { th { "time" } th { "request" } th { "status" } th { "bodies (credentials redacted)" } } }
                tbody {
                    @for (i, e) in exchanges.iter().enumerate() {
                        tr {
                            td { (when(e.at_ms)) }
                            td { code { (e.method) " " (e.path) @if let Some(q) = &e.query { "?" (q) } } }
                            td { (e.status) }
                            td {
                                details #{ "exchange-" (i) } {
                                    summary { "request and answer" }
                                    @if !e.body.is_empty() { pre { (body_text(&e.body)) } }
                                    @if let Some(answer) = &e.answer { pre { (body_text(answer)) } }
                                }
                            }
                        }
                    }
                }
            }
        }
    };
    let actions = html! {
        @if !r.decline_keys.is_empty() {
            section.actions {
                h2 { "Steer" }
                p.hint { "A decline applies when the bank decides: a resource already decided keeps its status." }
                @for (label, key) in &r.decline_keys {
                    (action(frame, "decline", html! {
                        input type="hidden" name="bank" value=(bank.prefix());
                        input type="hidden" name="key" value=(key);
                    }, &format!("Decline {label}")))
                }
            }
        }
        (callback_failure_form(frame, r.callback_url.as_deref()))
    };
    Some(layout(
        shared,
        frame,
        &format!("{} {}", r.kind, r.id),
        live,
        actions,
    ))
}

/// Every attempt in `deliveries` (numbered from `first` when given), linked to the resources
/// `owners` knows.
fn delivery_table(
    deliveries: &[Delivery],
    owners: &HashMap<String, Bank>,
    first: Option<u64>,
) -> Markup {
    html! {
        table.deliveries #deliveries {
            thead { tr {
                @if first.is_some() { th.num { "#" } }
                th { "time" } th { "what" } th { "about" } th { "URL" } th.num { "attempt" } th { "result" } th { "body" }
            } }
            tbody {
                @for (i, d) in deliveries.iter().enumerate().rev() {
                    @let n = first.unwrap_or(0) + i as u64 + 1;
                    tr.delivered[d.delivered()].failed[!d.delivered()] {
                        @if first.is_some() { td.num { (n) } }
                        td { (when(d.at_ms)) }
                        td { (d.what) }
                        td {
                            @if let Some(about) = &d.about {
                                @match owners.get(about) {
                                    Some(bank) => a href=(resource_url(*bank, about)) { (about) },
                                    None => (about),
                                }
                            }
                        }
                        td { code { (d.url) } }
                        td.num.attempt { (d.attempt) }
                        td.result {
                            @if d.delivered() { "delivered (" (d.status.unwrap_or_default()) ")" }
                            @else if let Some(status) = d.status { "failed (" (status) ")" }
                            @else if d.sent { "failed (no answer)" }
                            @else { "failed (not sent)" }
                            @if let Some(reason) = &d.reason { br; small { (reason) } }
                        }
                        td {
                            @if let Some(body) = &d.body {
                                details #{ "delivery-" (n) } { summary { "body" } pre { (body_text(body.as_bytes())) } }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// Every callback and postLink attempt, newest first.
pub fn deliveries(shared: &Shared, frame: &Frame<'_>) -> Markup {
    let (all, first) = shared.read(|s| (s.deliveries.to_vec(), s.deliveries.dropped()));
    let owners: HashMap<String, Bank> = Bank::ALL
        .into_iter()
        .flat_map(|bank| {
            resources(shared, bank)
                .into_iter()
                .map(move |r| (r.id, bank))
        })
        .collect();
    let delivered = all.iter().filter(|d| d.delivered()).count();
    let live = html! {
        p { (all.len()) " attempts, " (delivered) " delivered, " (all.len() - delivered) " failed"
            @if first > 0 { " (the " (first) " oldest are no longer kept: [limits] deliveries)" } }
        @if all.is_empty() { p { "No callback or postLink sent yet." } }
        @else { (delivery_table(&all, &owners, Some(first))) }
    };
    layout(
        shared,
        frame,
        "Deliveries",
        live,
        callback_failure_form(frame, None),
    )
}

/// What is steered, and the forms that steer.
pub fn steering(shared: &Shared, frame: &Frame<'_>) -> Markup {
    let report = shared.steering.report();
    let live = html! {
        h2 { "Faults" }
        @if report.faults.is_empty() { p { "None." } }
        @else {
            table #faults {
                thead { tr { th.num { "id" } th { "fault" } th.num { "hits" } th { "remaining" } } }
                tbody { @for f in &report.faults { tr {
                    td.num { (f.id.0) }
                    td { code { (serde_json::to_string(&f.fault).unwrap_or_default()) } }
                    td.num { (f.hits) }
                    td { @match f.remaining { Some(n) => (n), None => "until cleared" } }
                } } }
            }
        }
        h2 { "Declines" }
        @if report.declines.is_empty() { p { "None." } }
        @else { ul #declines { @for d in &report.declines { li { (d.bank) ": " code { (d.key) } } } } }
        h2 { "Failing callbacks" }
        @if report.callback_failures.is_empty() { p { "None." } }
        @else { ul #callback-failures { @for c in &report.callback_failures { li { code { (c.url) } ": " @if c.times == 0 { "its failures are used up" } @else { "the next " (c.times) " fail" } } } } }
    };
    let actions = html! {
        section.actions {
            (action(frame, "decline", html! {
                fieldset {
                    legend { "Decline an order, an application or a client" }
                    label { "API " select name="bank" { @for b in Bank::ALL { option value=(b.prefix()) { (b.prefix()) } } } }
                    label { "key " input name="key" required placeholder="order id, merchant order id, phone, PINFL…"; }
                }
            }, "Decline"))
            (callback_failure_form(frame, None))
            (fault_form(frame, None))
            (clock_form(frame))
            (action(frame, "clear", html! {}, "Clear steering"))
        }
    };
    layout(shared, frame, "Steering", live, actions)
}

/// No such page or resource.
pub fn not_found(frame: &Frame<'_>, path: &str) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en" {
            head { meta charset="utf-8"; title { "Not found · bank sandbox" } link rel="stylesheet" href={ (ROOT) "/static/console.css" }; }
            body { main {
                h1 { "Not found" }
                p { "The console has no page " code { (ROOT) (path) } "." }
                p { a href=(ROOT) { "The overview" } @if frame.csrf.is_some() { " lists what there is." } }
            } }
        }
    }
}
