//! [`CommandSigner`]: signing by an external program, for keys no Rust crate can use (GOST
//! 34.10 / 34.310 keys on Kazakhstan's NCA tokens, alg `ECGOST34310`).
//!
//! The bytes to sign are written to the program's standard input on a thread of their own while
//! standard output and standard error are read, so a body larger than a pipe buffer can never
//! deadlock on full pipes. A program that exits before reading everything (a missing token, a
//! wrong PIN) is reported with its exit status and standard error, never as a bare "Broken pipe".

use std::io::{self, Write};
use std::process::{Command, ExitStatus, Stdio};

use bank_runtime::SignError;
use base64::Engine;

use crate::Signer;

/// Runs `program args…` with the bytes to sign on standard input and reads the signature,
/// Base64-encoded, from standard output. A non-zero exit, an exit before reading the whole input,
/// or undecodable output is an error that carries the program's exit status and standard error.
#[derive(Debug, Clone)]
pub struct CommandSigner {
    program: String,
    args: Vec<String>,
    algorithm: String,
    chain: Vec<Vec<u8>>,
}

impl CommandSigner {
    /// A signer that runs `program` with `args`, announcing `algorithm` and the DER `chain`.
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
        }
    }

    /// "`program` exited with `status`: `stderr`" — what a user needs to see why signing failed.
    fn failure(&self, what: &str, status: ExitStatus, stderr: &[u8]) -> SignError {
        let stderr = String::from_utf8_lossy(stderr);
        let stderr = stderr.trim();
        let detail = if stderr.is_empty() {
            "no output on standard error".to_owned()
        } else {
            stderr.to_owned()
        };
        SignError(format!("{} {what} ({status}): {detail}", self.program))
    }
}

impl Signer for CommandSigner {
    fn algorithm(&self) -> &str {
        &self.algorithm
    }

    fn sign(&self, data: &[u8]) -> Result<Vec<u8>, SignError> {
        let mut child = Command::new(&self.program)
            .args(&self.args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| SignError(format!("starting {}: {e}", self.program)))?;
        let stdin = child.stdin.take();
        // The writer runs beside `wait_with_output`, which drains stdout and stderr; the scope
        // joins it before the result is read. Dropping `stdin` at the end closes the pipe (EOF).
        let (written, output) = std::thread::scope(|scope| {
            let writer = scope.spawn(move || -> io::Result<()> {
                match stdin {
                    Some(mut stdin) => stdin.write_all(data),
                    None => Ok(()),
                }
            });
            let output = child.wait_with_output();
            let written = writer
                .join()
                .unwrap_or_else(|_| Err(io::Error::other("the writer thread panicked")));
            (written, output)
        });
        let output = output.map_err(|e| SignError(format!("waiting for {}: {e}", self.program)))?;
        if !output.status.success() {
            return Err(self.failure("exited", output.status, &output.stderr));
        }
        match written {
            Ok(()) => {}
            // It closed its input early yet exited 0: whatever it printed is not a signature of
            // these bytes.
            Err(e) if e.kind() == io::ErrorKind::BrokenPipe => {
                return Err(self.failure(
                    &format!(
                        "exited before reading the whole input ({} bytes)",
                        data.len()
                    ),
                    output.status,
                    &output.stderr,
                ));
            }
            Err(e) => {
                return Err(SignError(format!("writing to {}: {e}", self.program)));
            }
        }
        let text = String::from_utf8_lossy(&output.stdout);
        base64::engine::general_purpose::STANDARD
            .decode(text.trim())
            .map_err(|e| SignError(format!("{} printed no Base64 signature: {e}", self.program)))
    }

    fn certificate_chain(&self) -> &[Vec<u8>] {
        &self.chain
    }
}
