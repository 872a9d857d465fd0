//! A real browser for the console's tests: Debian's headless Chromium, driven over WebDriver by
//! its `chromedriver` (packages `chromium` and `chromium-driver`; `.ci/run` installs them when
//! missing) through fantoccini, over plain HTTP on 127.0.0.1.
//!
//! Nothing here sleeps to synchronise: chromedriver is ready when it says so on its output, and
//! a page is ready when the element a test waits for is in its DOM ([`Browser::wait`], polled
//! until [`DEADLINE`]).
#![allow(dead_code)]

use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;

use fantoccini::elements::Element;
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::json;
use tokio::io::{AsyncBufReadExt, BufReader};

/// Longest a test waits for an element to appear before it fails.
pub const DEADLINE: Duration = Duration::from_secs(30);

/// How often [`Browser::wait_text`] looks again.
const POLL: Duration = Duration::from_millis(50);

/// The viewport: a laptop's screen (the README's screenshots have this size).
pub const VIEWPORT: (u32, u32) = (1280, 800);

/// The browser and its driver binaries: `BANK_CHROMIUM` and `BANK_CHROMEDRIVER`, else Debian's.
fn binaries() -> Option<(PathBuf, PathBuf)> {
    let pick = |var: &str, default: &str| {
        let path = std::env::var_os(var).map_or_else(|| PathBuf::from(default), PathBuf::from);
        path.is_file().then_some(path)
    };
    Some((
        pick("BANK_CHROMIUM", "/usr/bin/chromium")?,
        pick("BANK_CHROMEDRIVER", "/usr/bin/chromedriver")?,
    ))
}

/// A headless Chromium session; its chromedriver (and the browser under it) is killed when it
/// drops.
pub struct Browser {
    /// The WebDriver session.
    pub client: Client,
    driver: tokio::process::Child,
    _profile: bank_testkit::TempDir,
}

/// A free port for chromedriver, which cannot be given port 0: bound, read and released (another
/// process may take it in between; [`Browser::start`] then tries another).
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

impl Browser {
    /// Start one, or `None` (with the reason printed) when this machine has no Chromium and
    /// chromedriver. Under CI (`CI` or `BANKS_TESTS_REQUIRE_SERVERS` set), which installs them, their absence fails the test.
    pub async fn start() -> Option<Browser> {
        let Some((chromium, chromedriver)) = binaries() else {
            let message = "SKIPPED: the console's browser tests need /usr/bin/chromium and \
                 /usr/bin/chromedriver (apt-get install chromium chromium-driver), or \
                 BANK_CHROMIUM and BANK_CHROMEDRIVER";
            assert!(
                std::env::var_os("CI").is_none()
                    && std::env::var_os(bank_testkit::redis::REQUIRE_VARIABLE).is_none(),
                "{message} (CI installs them)"
            );
            eprintln!("{message}");
            return None;
        };
        let mut last = String::new();
        for _ in 0..5 {
            let port = free_port();
            match Self::on_port(&chromium, &chromedriver, port).await {
                Ok(browser) => return Some(browser),
                Err(why) => last = why,
            }
        }
        panic!("chromedriver did not start: {last}");
    }

    async fn on_port(
        chromium: &std::path::Path,
        chromedriver: &std::path::Path,
        port: u16,
    ) -> Result<Browser, String> {
        let mut command = tokio::process::Command::new(chromedriver);
        command
            .arg(format!("--port={port}"))
            .arg("--allowed-ips=127.0.0.1")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            // Its own process group, so that dropping the browser ends Chromium too.
            .process_group(0);
        let mut driver = command
            .spawn()
            .map_err(|e| format!("{chromedriver:?}: {e}"))?;
        let stdout = driver.stdout.take().ok_or("no output")?;
        let mut lines = BufReader::new(stdout).lines();
        let ready = tokio::time::timeout(DEADLINE, async {
            while let Ok(Some(line)) = lines.next_line().await {
                if line.contains("started successfully") {
                    return Ok(());
                }
            }
            Err("chromedriver exited (its port taken?)".to_owned())
        })
        .await
        .map_err(|_| "chromedriver said nothing in 30 s".to_owned())?;
        ready?;
        // Keep draining its output, so that it never blocks on a full pipe.
        tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
        let profile = bank_testkit::tempdir().map_err(|e| e.to_string())?;
        let args = vec![
            "--headless".to_owned(),
            "--no-sandbox".to_owned(),
            "--disable-gpu".to_owned(),
            "--disable-quic".to_owned(),
            "--no-first-run".to_owned(),
            "--disable-background-networking".to_owned(),
            "--disable-component-update".to_owned(),
            "--disable-sync".to_owned(),
            // No crash handler: it would run in a session of its own, beyond the group killed.
            "--disable-breakpad".to_owned(),
            "--disable-crash-reporter".to_owned(),
            "--disable-dev-shm-usage".to_owned(),
            "--hide-scrollbars".to_owned(),
            format!("--window-size={},{}", VIEWPORT.0, VIEWPORT.1),
            format!("--user-data-dir={}", profile.path().display()),
        ];
        let mut capabilities = serde_json::Map::new();
        capabilities.insert("browserName".into(), json!("chrome"));
        capabilities.insert(
            "goog:chromeOptions".into(),
            json!({ "binary": chromium, "args": args }),
        );
        let client = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
            .capabilities(capabilities)
            .connect(&format!("http://127.0.0.1:{port}"))
            .await
            .map_err(|e| format!("a WebDriver session: {e}"))?;
        Ok(Browser {
            client,
            driver,
            _profile: profile,
        })
    }

    /// Go to `url`.
    pub async fn goto(&self, url: &str) {
        self.client.goto(url).await.expect("navigates");
    }

    /// The element `css` finds once it is in the page (polled until [`DEADLINE`]).
    pub async fn wait(&self, css: &str) -> Element {
        self.client
            .wait()
            .at_most(DEADLINE)
            .every(POLL)
            .for_element(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("no `{css}` within {DEADLINE:?}: {e}"))
    }

    /// Wait until the text of the element `css` finds satisfies `ready` (polled until
    /// [`DEADLINE`]); its text then.
    pub async fn wait_text(&self, css: &str, what: &str, ready: impl Fn(&str) -> bool) -> String {
        let deadline = tokio::time::Instant::now() + DEADLINE;
        let mut seen = String::new();
        while tokio::time::Instant::now() < deadline {
            if let Ok(element) = self.client.find(Locator::Css(css)).await
                && let Ok(text) = element.text().await
            {
                if ready(&text) {
                    return text;
                }
                seen = text;
            }
            // The polling interval (not a synchronisation: the deadline bounds the wait).
            tokio::time::sleep(POLL).await;
        }
        panic!("`{css}` never showed {what} within {DEADLINE:?}; last seen: {seen:?}");
    }

    /// How many elements `css` finds now.
    pub async fn count(&self, css: &str) -> usize {
        self.client
            .find_all(Locator::Css(css))
            .await
            .map_or(0, |all| all.len())
    }

    /// The texts of the elements `css` finds now.
    pub async fn texts(&self, css: &str) -> Vec<String> {
        let mut texts = Vec::new();
        for element in self
            .client
            .find_all(Locator::Css(css))
            .await
            .unwrap_or_default()
        {
            texts.push(element.text().await.unwrap_or_default());
        }
        texts
    }

    /// Type `text` into the field `css` finds (cleared first).
    pub async fn fill(&self, css: &str, text: &str) {
        let field = self.wait(css).await;
        field.clear().await.expect("cleared");
        field.send_keys(text).await.expect("typed");
    }

    /// Choose the option of value `value` in the select `css` finds.
    pub async fn select(&self, css: &str, value: &str) {
        self.wait(css)
            .await
            .select_by_value(value)
            .await
            .unwrap_or_else(|e| panic!("no option {value} in `{css}`: {e}"));
    }

    /// Click what `css` finds.
    pub async fn click(&self, css: &str) {
        self.wait(css).await.click().await.expect("clicked");
    }

    /// The page as a PNG.
    pub async fn screenshot(&self) -> Vec<u8> {
        self.client.screenshot().await.expect("a screenshot")
    }

    /// End the session (the browser closes; the driver is killed on drop).
    pub async fn close(self) {
        let _ = self.client.clone().close().await;
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        // A test that failed never closed the session: end the driver's whole process group,
        // Chromium included (the child itself is killed on drop as well).
        if let Some(pid) = self.driver.id() {
            let _ = std::process::Command::new("kill")
                .args(["-s", "KILL", "--", &format!("-{pid}")])
                .stderr(Stdio::null())
                .status();
        }
    }
}
