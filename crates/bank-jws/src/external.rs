//! [`CommandSigner`]: signing by an external program, for keys no Rust crate can use (GOST
//! 34.10 / 34.310 keys on Kazakhstan's NCA tokens, alg `ECGOST34310`).
//!
//! The program runs as a tokio child process ([`Signer::sign_async`]): the bytes to sign are
//! written to its standard input while its standard output and standard error are read, so a
//! body larger than a pipe buffer can never deadlock on full pipes, and waiting for it never
//! blocks the async runtime. It has a [`timeout`](CommandSigner::timeout) of its own, after which
//! it is killed (and reaped); dropping the signing future (the runtime's call deadline) kills it
//! too. A program that exits before reading everything (a missing token, a wrong PIN) is reported
//! with its exit status and standard error, never as a bare "Broken pipe".
//!
//! The synchronous [`Signer::sign`] runs the same code on a current-thread runtime of its own
//! (on a scoped thread when called inside a tokio runtime), so it works from any context and has
//! the same timeout.
//!
//! Killing reaches the program itself, not processes it started: a wrapper script should `exec`
//! the real tool.

use std::io;
use std::process::{ExitStatus, Stdio};
use std::time::Duration;

use bank_runtime::SignError;
use base64::Engine;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWriteExt};
use tokio::process::{Child, ChildStdin, Command};

use crate::{SignatureFuture, Signer};

/// How long a [`CommandSigner`] waits for its program by default: 30 seconds (a PIN prompt on a
/// hardware token can take a few; a hung one should not hold a payment for longer).
pub const DEFAULT_COMMAND_TIMEOUT: Duration = Duration::from_secs(30);

/// At most this much of a program's standard error goes into an error (its last bytes): 2 KiB.
pub const MAX_STDERR_IN_ERROR: usize = 2048;

/// Runs `program args…` with the bytes to sign on standard input and reads the signature,
/// Base64-encoded, from standard output. A non-zero exit, an exit before reading the whole input,
/// or undecodable output is an error that names the program and carries its exit status and (the
/// end of) its standard error; a program that does not finish within the
/// [`timeout`](Self::timeout) is killed and the error says so.
#[derive(Debug, Clone)]
pub struct CommandSigner {
    program: String,
    args: Vec<String>,
    algorithm: String,
    chain: Vec<Vec<u8>>,
    timeout: Duration,
}

/// What the program did, once it finished in time.
struct Outcome {
    written: io::Result<()>,
    stdout: io::Result<Vec<u8>>,
    stderr: io::Result<Tail>,
    status: io::Result<ExitStatus>,
}

/// The last [`MAX_STDERR_IN_ERROR`] bytes of a stream, and whether earlier ones were dropped.
#[derive(Default)]
struct Tail {
    bytes: Vec<u8>,
    cut: bool,
}

impl CommandSigner {
    /// A signer that runs `program` with `args`, announcing `algorithm` and the DER `chain`, with
    /// the [`DEFAULT_COMMAND_TIMEOUT`].
    pub fn new(
        program: impl Into<String>,
        args: Vec<String>,
        algorithm: impl Into<String>,
        chain: Vec<Vec<u8>>,
    ) -> Self {
        CommandSigner {
            program: program.into(),
            args,
            algorithm: algorithm.into(),
            chain,
            timeout: DEFAULT_COMMAND_TIMEOUT,
        }
    }

    /// How long one signing may take, from starting the program to its exit; past it the
    /// program is killed and signing fails. Default [`DEFAULT_COMMAND_TIMEOUT`].
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Run the program over `data`: start it, exchange bytes, wait, within the timeout.
    async fn run(&self, data: &[u8]) -> Result<Vec<u8>, SignError> {
        let mut child = Command::new(&self.program)
            .args(&self.args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            // Dropping the future (a cancelled call) kills the program; tokio reaps it.
            .kill_on_drop(true)
            .spawn()
            .map_err(|e| SignError(format!("starting {}: {e}", self.program)))?;
        match tokio::time::timeout(self.timeout, exchange(&mut child, data)).await {
            Ok(outcome) => self.read(outcome, data.len()),
            Err(_elapsed) => {
                // Killed and waited for here, so no process is left behind, not even a zombie.
                let killed = match child.kill().await {
                    Ok(()) => "it was killed".to_owned(),
                    Err(e) => format!("killing it failed: {e}"),
                };
                Err(SignError(format!(
                    "{} did not finish within {:?}; {killed}",
                    self.program, self.timeout
                )))
            }
        }
    }

    /// The signature, or why there is none.
    fn read(&self, outcome: Outcome, size: usize) -> Result<Vec<u8>, SignError> {
        let status = outcome
            .status
            .map_err(|e| SignError(format!("waiting for {}: {e}", self.program)))?;
        let stderr = outcome.stderr.unwrap_or_default();
        if !status.success() {
            return Err(self.failure("exited", status, &stderr));
        }
        match outcome.written {
            Ok(()) => {}
            // It closed its input early yet exited 0: whatever it printed is not a signature of
            // these bytes.
            Err(e) if e.kind() == io::ErrorKind::BrokenPipe => {
                return Err(self.failure(
                    &format!("exited before reading the whole input ({size} bytes)"),
                    status,
                    &stderr,
                ));
            }
            Err(e) => return Err(SignError(format!("writing to {}: {e}", self.program))),
        }
        let stdout = outcome
            .stdout
            .map_err(|e| SignError(format!("reading from {}: {e}", self.program)))?;
        let text = String::from_utf8_lossy(&stdout);
        base64::engine::general_purpose::STANDARD
            .decode(text.trim())
            .map_err(|e| SignError(format!("{} printed no Base64 signature: {e}", self.program)))
    }

    /// "`program` exited with `status`: `stderr`" — what a user needs to see why signing failed.
    fn failure(&self, what: &str, status: ExitStatus, stderr: &Tail) -> SignError {
        let text = String::from_utf8_lossy(&stderr.bytes);
        let text = text.trim();
        let detail = match (text.is_empty(), stderr.cut) {
            (true, _) => "no output on standard error".to_owned(),
            (false, false) => text.to_owned(),
            (false, true) => format!("…{text}"),
        };
        SignError(format!("{} {what} ({status}): {detail}", self.program))
    }
}

/// Write `data` to the child's standard input while reading its standard output and error, and
/// wait for it to exit, all at once (so that no full pipe can stall the others).
async fn exchange(child: &mut Child, data: &[u8]) -> Outcome {
    let stdin = child.stdin.take();
    let stdout = child.stdout.take();
    let stderr = child.stderr.take();
    let (written, stdout, stderr, status) = tokio::join!(
        write_all(stdin, data),
        read_all(stdout),
        read_tail(stderr),
        child.wait(),
    );
    Outcome {
        written,
        stdout,
        stderr,
        status,
    }
}

/// Write `data` and close the pipe (end of input).
async fn write_all(stdin: Option<ChildStdin>, data: &[u8]) -> io::Result<()> {
    match stdin {
        Some(mut stdin) => {
            stdin.write_all(data).await?;
            stdin.shutdown().await
        }
        None => Ok(()),
    }
}

/// Everything on the stream.
async fn read_all(stream: Option<impl AsyncRead + Unpin>) -> io::Result<Vec<u8>> {
    let mut bytes = Vec::new();
    if let Some(mut stream) = stream {
        stream.read_to_end(&mut bytes).await?;
    }
    Ok(bytes)
}

/// The stream read to its end, keeping its last [`MAX_STDERR_IN_ERROR`] bytes.
async fn read_tail(stream: Option<impl AsyncRead + Unpin>) -> io::Result<Tail> {
    let mut tail = Tail::default();
    let Some(mut stream) = stream else {
        return Ok(tail);
    };
    let mut chunk = [0u8; 4096];
    loop {
        let n = stream.read(&mut chunk).await?;
        if n == 0 {
            return Ok(tail);
        }
        tail.bytes.extend_from_slice(&chunk[..n]);
        if tail.bytes.len() > MAX_STDERR_IN_ERROR {
            let excess = tail.bytes.len() - MAX_STDERR_IN_ERROR;
            tail.bytes.drain(..excess);
            tail.cut = true;
        }
    }
}

impl Signer for CommandSigner {
    fn algorithm(&self) -> &str {
        &self.algorithm
    }

    /// Runs [`sign_async`](Signer::sign_async) to completion on a current-thread runtime of its
    /// own — on a scoped thread when called inside a tokio runtime, which cannot be blocked on
    /// from within — so it works from any context, with the same timeout. It blocks the calling
    /// thread: in async code, await `sign_async` (or the runtime's `sign_body`) instead.
    fn sign(&self, data: &[u8]) -> Result<Vec<u8>, SignError> {
        let run = || {
            tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .map_err(|e| SignError(format!("starting a runtime for {}: {e}", self.program)))?
                .block_on(self.run(data))
        };
        if tokio::runtime::Handle::try_current().is_err() {
            return run();
        }
        std::thread::scope(|scope| match scope.spawn(run).join() {
            Ok(result) => result,
            Err(panic) => std::panic::resume_unwind(panic),
        })
    }

    /// Runs the program as a tokio child process: never blocks the runtime, bounded by the
    /// [`timeout`](CommandSigner::timeout), and dropping the future kills the program.
    fn sign_async<'a>(&'a self, data: &'a [u8]) -> SignatureFuture<'a> {
        Box::pin(self.run(data))
    }

    fn certificate_chain(&self) -> &[Vec<u8>] {
        &self.chain
    }
}
