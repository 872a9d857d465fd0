//! Who may use the console. A browser cannot send the admin token as a header when it follows a
//! link, so the console has a login: the admin token pasted into `/_sandbox/ui/login` opens a
//! [session](Sessions) named by a cookie (`HttpOnly; SameSite=Strict; Path=/_sandbox/ui`), with
//! a CSRF token of its own that every form carries and that is compared in constant time
//! ([`Who::allows`]). A request that carries the admin token itself (`Authorization: Bearer …`,
//! as a script would) needs neither.
//!
//! Sessions live in memory (lost at restart), at most [`MAX_SESSIONS`] (one more ends the one
//! used longest ago), each for [`IDLE`] without use. Their lock is a leaf: nothing else is
//! locked while it is held.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use axum::http::HeaderMap;

use crate::access::{bearer, new_token, same};

/// The session cookie's name.
pub const COOKIE: &str = "bank_sandbox_console";

/// How many sessions are kept at once.
pub const MAX_SESSIONS: usize = 64;

/// How long a session lasts without use (by the system's clock, not the sandbox's, which tests
/// move forward).
pub const IDLE: Duration = Duration::from_secs(12 * 3600);

/// A message shown once, on the next page of the session (what an action did, or why not).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    /// Whether the action was carried out.
    pub ok: bool,
    /// What to say.
    pub text: String,
}

#[derive(Debug)]
struct Session {
    csrf: String,
    notice: Option<Notice>,
    seen: Instant,
}

/// The console's sessions.
#[derive(Debug, Default)]
pub struct Sessions {
    inner: Mutex<HashMap<String, Session>>,
}

/// Who makes a request to the console.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Who {
    /// A logged-in browser: its session id and CSRF token.
    Session {
        /// The session's id (the cookie's value).
        id: String,
        /// The token its forms carry.
        csrf: String,
    },
    /// A request carrying the admin token (`Authorization: Bearer …`).
    Admin,
}

impl Who {
    /// The CSRF token the session's forms carry (none for [`Who::Admin`]).
    pub fn csrf(&self) -> Option<&str> {
        match self {
            Who::Session { csrf, .. } => Some(csrf),
            Who::Admin => None,
        }
    }

    /// Whether a form posted with `given` as its CSRF token may act: the session's token,
    /// compared in constant time; a request with the admin token needs none.
    pub fn allows(&self, given: Option<&str>) -> bool {
        match self {
            Who::Session { csrf, .. } => given.is_some_and(|g| same(g, csrf)),
            Who::Admin => true,
        }
    }
}

impl Sessions {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Session>> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Open a session: its id (for the cookie).
    pub fn open(&self) -> Result<String, String> {
        let id = new_token()?;
        let csrf = new_token()?;
        let mut sessions = self.lock();
        sessions.retain(|_, s| s.seen.elapsed() < IDLE);
        if sessions.len() >= MAX_SESSIONS
            && let Some(oldest) = sessions
                .iter()
                .min_by_key(|(_, s)| s.seen)
                .map(|(id, _)| id.clone())
        {
            sessions.remove(&oldest);
        }
        sessions.insert(
            id.clone(),
            Session {
                csrf,
                notice: None,
                seen: Instant::now(),
            },
        );
        Ok(id)
    }

    /// Who the request is: a live session its cookie names, or the admin token it carries.
    pub fn who(&self, admin_token: &str, headers: &HeaderMap) -> Option<Who> {
        if bearer(headers).is_some_and(|b| same(b, admin_token)) {
            return Some(Who::Admin);
        }
        let id = cookie(headers)?;
        let mut sessions = self.lock();
        let session = sessions.get_mut(&id)?;
        if session.seen.elapsed() >= IDLE {
            sessions.remove(&id);
            return None;
        }
        session.seen = Instant::now();
        Some(Who::Session {
            csrf: session.csrf.clone(),
            id,
        })
    }

    /// End a session.
    pub fn close(&self, id: &str) {
        self.lock().remove(id);
    }

    /// Keep `notice` for the session's next page.
    pub fn notify(&self, who: &Who, notice: Notice) {
        if let Who::Session { id, .. } = who
            && let Some(session) = self.lock().get_mut(id)
        {
            session.notice = Some(notice);
        }
    }

    /// The notice kept for the session, once.
    pub fn take_notice(&self, who: &Who) -> Option<Notice> {
        match who {
            Who::Session { id, .. } => self.lock().get_mut(id)?.notice.take(),
            Who::Admin => None,
        }
    }
}

/// The session id the request's cookie names.
pub fn cookie(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all("cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == COOKIE)
        .map(|(_, value)| value.to_owned())
}

/// The `Set-Cookie` value that names the session `id`: not readable by scripts, never sent by
/// another site's request, only to the console.
pub fn set_cookie(id: &str) -> String {
    format!(
        "{COOKIE}={id}; HttpOnly; SameSite=Strict; Path={}",
        super::ROOT
    )
}

/// The `Set-Cookie` value that removes the session cookie.
pub fn clear_cookie() -> String {
    format!(
        "{COOKIE}=; HttpOnly; SameSite=Strict; Path={}; Max-Age=0",
        super::ROOT
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with(name: &'static str, value: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(name, value.parse().expect("a header value"));
        h
    }

    #[test]
    fn a_session_is_found_by_its_cookie_and_its_forms_by_their_token() {
        let sessions = Sessions::default();
        let admin = "a".repeat(64);
        let id = sessions.open().expect("random");
        let who = sessions
            .who(&admin, &with("cookie", &format!("x=1; {COOKIE}={id}")))
            .expect("the session");
        let csrf = who.csrf().expect("a token").to_owned();
        assert!(who.allows(Some(&csrf)));
        assert!(!who.allows(Some("nope")));
        assert!(!who.allows(None));
        assert_eq!(
            sessions.who(&admin, &with("cookie", "bank_sandbox_console=forged")),
            None
        );
        assert_eq!(
            sessions.who(&admin, &with("authorization", &format!("Bearer {admin}"))),
            Some(Who::Admin)
        );
        assert_eq!(
            sessions.who(&admin, &with("authorization", "Bearer wrong")),
            None
        );
        sessions.notify(
            &who,
            Notice {
                ok: true,
                text: "done".into(),
            },
        );
        assert_eq!(
            sessions.take_notice(&who).map(|n| n.text).as_deref(),
            Some("done")
        );
        assert_eq!(sessions.take_notice(&who), None);
        sessions.close(&id);
        assert_eq!(
            sessions.who(&admin, &with("cookie", &format!("{COOKIE}={id}"))),
            None
        );
    }

    #[test]
    fn sessions_are_bounded() {
        let sessions = Sessions::default();
        let first = sessions.open().expect("random");
        for _ in 0..MAX_SESSIONS {
            sessions.open().expect("random");
        }
        assert_eq!(sessions.lock().len(), MAX_SESSIONS);
        assert!(!sessions.lock().contains_key(&first));
        assert!(set_cookie("x").contains("HttpOnly; SameSite=Strict; Path=/_sandbox/ui"));
    }
}
