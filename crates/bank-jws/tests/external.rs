//! External signers awaited in async code: a hung program is killed at the signer's timeout or
//! when its future is dropped, and never blocks the runtime meanwhile; failures name the program
//! with its status and (bounded) standard error; large bodies; the blocking `sign` from inside a
//! runtime; `sign_body` gives what `header_value` gives.
//!
//! A hung program reports its pid through a FIFO once it runs, and the tests wait for its death on
//! its pidfd (readable once it has exited), not on sleeps.

use std::io::{BufRead, BufReader};
use std::os::fd::{FromRawFd, OwnedFd};
use std::path::{Path, PathBuf};
use std::time::Duration;

use bank_jws::{CommandSigner, JwsSigner, KeySigner, MAX_STDERR_IN_ERROR, Profile, Signer};
use bank_runtime::BodySigner;
use tokio::io::Interest;
use tokio::io::unix::AsyncFd;
use tokio::sync::oneshot;

/// A folder removed when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> TempDir {
        let dir = std::env::temp_dir().join(format!("bank-jws-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("temp dir");
        TempDir(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A signer whose program never answers, and its pid once it runs.
struct Hung {
    signer: CommandSigner,
    pid: oneshot::Receiver<u32>,
    _dir: TempDir,
}

fn hung(name: &str) -> Hung {
    let dir = TempDir::new(name);
    let fifo = dir.0.join("pid");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .expect("mkfifo runs");
    assert!(made.success(), "mkfifo {}", fifo.display());
    let (pid_tx, pid) = oneshot::channel();
    let path = fifo.clone();
    // A blocking read on a thread of its own: opening waits for the program to open the FIFO, and
    // the line is its pid.
    std::thread::spawn(move || {
        let mut reader = BufReader::new(std::fs::File::open(&path).expect("open the FIFO"));
        let mut line = String::new();
        reader.read_line(&mut line).expect("the pid");
        let _ = pid_tx.send(line.trim().parse().expect("a pid"));
    });
    let signer = CommandSigner::new(
        "sh",
        vec![
            "-c".into(),
            r#"echo $$ >"$1"; exec sleep 600"#.into(),
            "sh".into(),
            fifo.display().to_string(),
        ],
        "ECGOST34310",
        vec![],
    );
    Hung {
        signer,
        pid,
        _dir: dir,
    }
}

/// A handle on process `pid` that can be awaited until it exits (Linux 5.3+).
struct Process(AsyncFd<OwnedFd>);

impl Process {
    fn open(pid: u32) -> Process {
        // SAFETY: pidfd_open takes a pid and flags and returns a new descriptor or -1.
        let fd = unsafe { libc::syscall(libc::SYS_pidfd_open, pid as libc::pid_t, 0) };
        assert!(
            fd >= 0,
            "pidfd_open({pid}): {}",
            std::io::Error::last_os_error()
        );
        // SAFETY: `fd` is a descriptor just returned to us and owned by nobody else.
        let fd = unsafe { OwnedFd::from_raw_fd(fd as i32) };
        // SAFETY: the `OwnedFd` keeps the descriptor open for as long as the `AsyncFd` holds it.
        let fd = unsafe { AsyncFd::register_with_interest(fd, Interest::READABLE) };
        Process(fd.expect("a pidfd can be polled"))
    }

    /// Until the process has exited (its pidfd turns readable).
    async fn exited(&self) {
        let _ready = self.0.readable().await.expect("pidfd poll");
    }
}

/// Whether `pid` is a live process (not gone, not a zombie).
fn running(pid: u32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Err(_) => false,
        Ok(stat) => {
            let state = stat.rsplit(") ").next().and_then(|s| s.chars().next());
            !matches!(state, Some('Z' | 'X') | None)
        }
    }
}

fn sh(script: &str) -> CommandSigner {
    CommandSigner::new(
        "sh",
        vec!["-c".into(), script.into()],
        "ECGOST34310",
        vec![b"cert".to_vec()],
    )
}

#[tokio::test(flavor = "current_thread")]
async fn a_hung_signer_times_out_and_is_killed() {
    let Hung { signer, pid, _dir } = hung("timeout");
    let mut signing = signer.sign_async(b"{}");
    let pid = tokio::select! {
        r = &mut signing => panic!("signing ended before the program ran: {r:?}"),
        pid = pid => pid.expect("the program reported its pid"),
    };
    assert!(running(pid));
    let process = Process::open(pid);
    // Real time until the program runs; from here the clock jumps to the 30 s timeout as soon as
    // the runtime is idle.
    tokio::time::pause();
    let err = signing.await.expect_err("timed out");
    assert_eq!(
        err.to_string(),
        "signing failed: sh did not finish within 30s; it was killed"
    );
    process.exited().await;
    assert!(
        !Path::new(&format!("/proc/{pid}")).exists(),
        "killed and reaped, not left a zombie"
    );
}

#[tokio::test(flavor = "current_thread")]
async fn a_hung_signer_awaited_under_a_timeout_leaves_the_runtime_free() {
    let Hung { signer, pid, _dir } = hung("free");
    // Were signing to block the thread, it would return at this timeout, before the other task
    // ran, and the race below would say so.
    let signer = signer.timeout(Duration::from_secs(5));
    let (ping, pinged) = oneshot::channel::<u32>();
    let (pong, ponged) = oneshot::channel::<u32>();
    let other = tokio::spawn(async move {
        let n = pinged.await.expect("pinged");
        pong.send(n + 1).expect("pong");
    });
    // Boxed, so that dropping it below drops the future itself.
    let mut signing = Box::pin(tokio::time::timeout(
        Duration::from_secs(60),
        signer.sign_async(b"{}"),
    ));
    let progress = async {
        let pid = pid.await.expect("the program reported its pid");
        ping.send(41).expect("ping");
        (pid, ponged.await.expect("the other task answered"))
    };
    let pid = tokio::select! {
        biased;
        r = &mut signing => panic!("signing ended before the other task ran: {r:?}"),
        (pid, answer) = progress => {
            assert_eq!(answer, 42, "the other task ran while the signer hung");
            pid
        }
    };
    other.await.expect("the other task finished");
    assert!(running(pid), "the signer is still being awaited");
    let process = Process::open(pid);
    drop(signing);
    process.exited().await;
    assert!(!running(pid), "dropping the future killed the program");
}

#[tokio::test(flavor = "current_thread")]
async fn dropping_the_sign_future_kills_the_signer() {
    let Hung { signer, pid, _dir } = hung("drop");
    // Through the runtime's entry point, as a call's deadline drops it.
    let jws = JwsSigner::new(signer, Profile::UnprotectedHeader);
    let mut signing = jws.sign_body(b"{}");
    let pid = tokio::select! {
        r = &mut signing => panic!("signing ended before the program ran: {r:?}"),
        pid = pid => pid.expect("the program reported its pid"),
    };
    assert!(running(pid));
    let process = Process::open(pid);
    drop(signing);
    process.exited().await;
    assert!(!running(pid));
}

#[tokio::test(flavor = "current_thread")]
async fn a_failing_signer_is_named_with_its_status_and_the_end_of_its_stderr() {
    let failing = sh("echo token not inserted >&2; exit 3");
    let err = failing.sign_async(b"{}").await.expect_err("exit 3");
    assert_eq!(
        err.to_string(),
        "signing failed: sh exited (exit status: 3): token not inserted"
    );
    // A tool that floods its standard error: the error keeps the end, bounded.
    let chatty =
        sh("head -c 100000 /dev/zero | tr '\\0' x >&2; echo ' the PIN is locked' >&2; exit 4");
    let text = chatty
        .sign_async(b"{}")
        .await
        .expect_err("exit 4")
        .to_string();
    assert!(
        text.starts_with("signing failed: sh exited (exit status: 4): …xxx"),
        "{text}"
    );
    assert!(text.ends_with("xxx the PIN is locked"), "{text}");
    assert!(
        text.len() < MAX_STDERR_IN_ERROR + 100,
        "{} bytes",
        text.len()
    );
    let silent = sh("cat >/dev/null; exit 1");
    assert_eq!(
        silent
            .sign_async(b"{}")
            .await
            .expect_err("exit 1")
            .to_string(),
        "signing failed: sh exited (exit status: 1): no output on standard error"
    );
    let missing = CommandSigner::new("/nonexistent/kalkan-sign", vec![], "ECGOST34310", vec![]);
    let text = missing
        .sign_async(b"{}")
        .await
        .expect_err("absent")
        .to_string();
    assert!(
        text.starts_with("signing failed: starting /nonexistent/kalkan-sign:"),
        "{text}"
    );
}

/// More than any pipe buffer (64 KiB on Linux).
const LARGE: usize = (1 << 20) + 17;

#[tokio::test(flavor = "current_thread")]
async fn a_large_body_is_signed_asynchronously_without_deadlock() {
    // Writes to stderr before reading (filling that pipe too), reads everything, then prints the
    // number of bytes it read, Base64-encoded.
    let counting = sh("head -c 200000 /dev/zero >&2; n=$(wc -c); printf %s \"$n\" | base64");
    let signature = counting
        .sign_async(&vec![b'{'; LARGE])
        .await
        .expect("signs");
    assert_eq!(
        String::from_utf8(signature).expect("text").trim(),
        LARGE.to_string()
    );
    let partial = sh("head -c 10 >/dev/null; printf c2lnbmVk");
    let err = partial
        .sign_async(&vec![b'x'; LARGE])
        .await
        .expect_err("did not read it all");
    assert!(
        err.to_string()
            .contains("sh exited before reading the whole input (1048593 bytes)"),
        "{err}"
    );
}

#[tokio::test(flavor = "current_thread")]
async fn the_blocking_sign_works_inside_a_runtime_and_has_the_timeout_too() {
    let quick = sh("cat >/dev/null; printf c2lnbmVk");
    assert_eq!(quick.sign(b"{}").expect("signs"), b"signed");
    let hung = sh("exec sleep 600").timeout(Duration::from_millis(200));
    let started = std::time::Instant::now();
    let err = hung.sign(b"{}").expect_err("timed out");
    assert_eq!(
        err.to_string(),
        "signing failed: sh did not finish within 200ms; it was killed"
    );
    assert!(started.elapsed() < Duration::from_secs(10));
}

#[test]
fn the_blocking_sign_has_the_timeout_outside_a_runtime() {
    let hung = sh("exec sleep 600").timeout(Duration::from_millis(200));
    let err = hung.sign(b"{}").expect_err("timed out");
    assert!(err.to_string().contains("it was killed"), "{err}");
}

#[tokio::test(flavor = "current_thread")]
async fn sign_body_gives_the_header_value() {
    let fixture = |name: &str| {
        std::fs::read(format!("{}/tests/keys/{name}", env!("CARGO_MANIFEST_DIR"))).expect("fixture")
    };
    let body = fixture("body.json");
    // RS256 is deterministic, so both ways must give the same bytes.
    for profile in Profile::ALL.iter().copied() {
        let key = KeySigner::from_pem(&fixture("rsa.key.pem"), &fixture("rsa.cert.pem"))
            .expect("RSA key");
        let jws = JwsSigner::new(key, profile);
        assert_eq!(
            jws.sign_body(&body).await.expect("signs"),
            jws.header_value(&body).expect("signs"),
            "{profile}"
        );
    }
    let external = JwsSigner::new(
        sh("cat >/dev/null; printf c2lnbmVk"),
        Profile::UnprotectedHeader,
    );
    assert_eq!(
        external.sign_body(&body).await.expect("signs"),
        external.header_value(&body).expect("signs")
    );
}
