//! The console's steering forms: each posted form is turned into the JSON body the admin API
//! takes ([`crate::admin`]) and read by the same parser into the same types ([`Decline`],
//! [`CallbackFailure`], [`Fault`]), then carried out by the same [`crate::steer::Steering`]
//! methods (and [`Shared::try_advance_clock`] for the clock): a form can do nothing the admin
//! API cannot, and is refused with the same messages.

use serde_json::{Map, Value, json};

use crate::admin::parse;
use crate::state::Shared;
use crate::steer::{CallbackFailure, Decline, Fault};

/// A posted form's fields.
pub struct Form(Vec<(String, String)>);

impl Form {
    /// An `application/x-www-form-urlencoded` body.
    pub fn parse(body: &[u8]) -> Form {
        Form(crate::auth::form(body))
    }

    /// A field's value, trimmed (`None` when absent or empty).
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.trim())
            .filter(|v| !v.is_empty())
    }
}

/// The actions the console posts to (`/_sandbox/ui/steer/<action>`).
pub const ACTIONS: &[&str] = &["decline", "callback-failure", "fault", "clear", "clock"];

/// The units the clock form offers, in milliseconds.
pub const CLOCK_UNITS: &[(&str, u64)] = &[
    ("seconds", 1_000),
    ("minutes", 60_000),
    ("hours", 3_600_000),
    ("days", 86_400_000),
];

/// The boolean fields of a [`Fault`] (check boxes).
pub const FAULT_FLAGS: &[&str] = &[
    "expired_token",
    "malformed",
    "drop_after_commit",
    "reset_mid_body",
    "hang",
];

/// The number fields of a [`Fault`].
const FAULT_NUMBERS: &[&str] = &["times", "status", "latency_ms"];

/// Carry out `action` with `form`: what was done, or why not (the admin API's message).
pub fn act(shared: &Shared, action: &str, form: &Form) -> Result<String, String> {
    let steering = &shared.steering;
    match action {
        "decline" => {
            let decline: Decline = as_admin(&json!({
                "bank": form.get("bank").unwrap_or_default(),
                "key": form.get("key").unwrap_or_default(),
            }))?;
            let said = format!(
                "{} declines `{}` when it decides",
                decline.bank, decline.key
            );
            steering
                .decline(decline.bank, decline.key)
                .map_err(|e| e.to_string())?;
            Ok(said)
        }
        "callback-failure" => {
            let failure: CallbackFailure = as_admin(&json!({
                "url": form.get("url").unwrap_or_default(),
                "times": number(form, "times")?.unwrap_or(Value::Null),
            }))?;
            let said = format!(
                "the next {} callbacks to {} fail",
                failure.times, failure.url
            );
            steering
                .fail_callbacks(failure.url, failure.times)
                .map_err(|e| e.to_string())?;
            Ok(said)
        }
        "fault" => {
            let mut body = Map::new();
            for name in ["bank", "operation", "client"] {
                if let Some(value) = form.get(name) {
                    body.insert(name.to_owned(), json!(value));
                }
            }
            for name in FAULT_NUMBERS {
                if let Some(value) = number(form, name)? {
                    body.insert((*name).to_owned(), value);
                }
            }
            for name in FAULT_FLAGS {
                if form.get(name).is_some() {
                    body.insert((*name).to_owned(), json!(true));
                }
            }
            let fault: Fault = as_admin(&Value::Object(body))?;
            let bank = fault.bank;
            let id = steering.fault(fault).map_err(|e| e.to_string())?;
            Ok(format!("fault {} set on {bank}", id.0))
        }
        "clear" => {
            steering.clear();
            Ok("steering cleared: no faults, declines or failing callbacks".to_owned())
        }
        "clock" => {
            let amount = form
                .get("amount")
                .ok_or("amount: how far to move the clock")?
                .parse::<u64>()
                .map_err(|_| "amount: a whole number".to_owned())?;
            let unit = form.get("unit").unwrap_or("seconds");
            let (_, per) = CLOCK_UNITS
                .iter()
                .find(|(name, _)| *name == unit)
                .ok_or_else(|| format!("unit: one of {}", unit_names()))?;
            let ms = amount.checked_mul(*per).ok_or("amount: too far")?;
            shared.try_advance_clock(ms)?;
            Ok(format!("the clock moved {amount} {unit} forward"))
        }
        other => Err(format!(
            "no console action `{other}` (there are: {})",
            ACTIONS.join(", ")
        )),
    }
}

fn unit_names() -> String {
    CLOCK_UNITS
        .iter()
        .map(|(n, _)| *n)
        .collect::<Vec<_>>()
        .join(", ")
}

/// A number field as JSON (`None` when empty), or the field's error.
fn number(form: &Form, name: &str) -> Result<Option<Value>, String> {
    form.get(name)
        .map(|v| {
            v.parse::<u64>()
                .map(Value::from)
                .map_err(|_| format!("{name}: `{v}` is not a whole number"))
        })
        .transpose()
}

/// `body` read as the admin API reads its JSON bodies.
fn as_admin<T: serde::de::DeserializeOwned>(body: &Value) -> Result<T, String> {
    parse(body.to_string().as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms_become_the_admin_apis_bodies() {
        let form = Form::parse(b"bank=globus-cfront&times=2&client=+&key=a%3Cb");
        assert_eq!(form.get("client"), None);
        assert_eq!(form.get("key"), Some("a<b"));
        assert_eq!(number(&form, "times"), Ok(Some(json!(2))));
        let fault: Fault = as_admin(&json!({"bank": "globus-cfront", "operation": "create_order", "times": 2, "status": 503, "hang": true}))
            .expect("a fault");
        assert!(fault.hang);
        assert_eq!(fault.times, Some(2));
        assert!(number(&Form::parse(b"times=x"), "times").is_err());
        let err = as_admin::<Decline>(&json!({"bank": "nowhere", "key": "k"})).expect_err("no API");
        assert!(err.contains("nowhere"), "{err}");
    }
}
