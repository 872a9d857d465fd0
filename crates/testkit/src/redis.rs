//! A real `redis-server` for the tests (Debian's package; `.ci/run` installs it when missing),
//! on a free loopback port with a temporary folder, stopped when dropped. Never a mock.

use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Set (to anything) where a missing `redis-server` must fail the tests instead of skipping
/// them; `.ci/run` sets it.
pub const REQUIRE_VARIABLE: &str = "BANKS_TESTS_REQUIRE_SERVERS";

/// A running `redis-server`.
#[derive(Debug)]
pub struct RedisServer {
    child: Option<Child>,
    port: u16,
    dir: tempfile::TempDir,
}

/// Whether `redis-server` can be run here; when not, says so on stderr (and panics when
/// [`REQUIRE_VARIABLE`] is set, as in CI).
pub fn available() -> bool {
    let found = Command::new("redis-server")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !found {
        let message = "redis-server is not installed (Debian: apt-get install redis-server; \
                       .ci/run installs it): the Redis token-store tests are skipped";
        assert!(std::env::var_os(REQUIRE_VARIABLE).is_none(), "{message}");
        eprintln!("SKIPPED: {message}");
    }
    found
}

impl RedisServer {
    /// Start a server on a free port (a few ports are tried: another process may take the one
    /// found free before the server binds it). Panics, naming why, when none starts.
    pub fn start() -> RedisServer {
        let mut last = String::new();
        for _ in 0..5 {
            let port = std::net::TcpListener::bind("127.0.0.1:0")
                .and_then(|l| l.local_addr())
                .expect("a free port")
                .port();
            let mut server = RedisServer {
                child: None,
                port,
                dir: tempfile::tempdir().expect("a temporary folder"),
            };
            match server.spawn() {
                Ok(()) => return server,
                Err(e) => last = e,
            }
        }
        panic!("redis-server did not start: {last}");
    }

    /// `redis://127.0.0.1:<port>`.
    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    /// Its port.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Stop the server (Redis is down: connections refused).
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Start it again on the same port, empty (a restarted Redis without persistence). Panics
    /// when the port was taken meanwhile.
    pub fn restart(&mut self) {
        self.stop();
        if let Err(e) = self.spawn() {
            panic!("redis-server did not restart on port {}: {e}", self.port);
        }
    }

    fn spawn(&mut self) -> Result<(), String> {
        let dir: PathBuf = self.dir.path().to_path_buf();
        let mut child = Command::new("redis-server")
            .args(["--bind", "127.0.0.1", "--port"])
            .arg(self.port.to_string())
            .args([
                "--save",
                "",
                "--appendonly",
                "no",
                "--protected-mode",
                "yes",
                "--dir",
            ])
            .arg(&dir)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("redis-server: {e}"))?;
        // Ready when it accepts a connection; a server that exits (port taken) is a failure.
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Ok(Some(status)) = child.try_wait() {
                return Err(format!("exited with {status} (port {} taken?)", self.port));
            }
            if TcpStream::connect(("127.0.0.1", self.port)).is_ok() {
                self.child = Some(child);
                return Ok(());
            }
            if Instant::now() > deadline {
                let _ = child.kill();
                return Err("not accepting connections within 30 s".into());
            }
            // Polling a process's start, bounded by the deadline above.
            std::thread::sleep(Duration::from_millis(5));
        }
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        self.stop();
    }
}
