//! [`CommandSigner`]: signing by an external program, for keys no Rust crate can use (GOST
//! 34.10 / 34.310 keys on Kazakhstan's NCA tokens, alg `ECGOST34310`).

use std::io::Write;
use std::process::{Command, Stdio};

use bank_runtime::SignError;
use base64::Engine;

use crate::Signer;

/// Runs `program args…` with the bytes to sign on standard input and reads the signature,
/// Base64-encoded, from standard output. A non-zero exit or undecodable output is an error that
/// carries the program's standard error.
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
        if let Some(mut stdin) = child.stdin.take() {
            stdin
                .write_all(data)
                .map_err(|e| SignError(format!("writing to {}: {e}", self.program)))?;
        }
        let output = child
            .wait_with_output()
            .map_err(|e| SignError(format!("waiting for {}: {e}", self.program)))?;
        if !output.status.success() {
            return Err(SignError(format!(
                "{} exited with {}: {}",
                self.program,
                output.status,
                String::from_utf8_lossy(&output.stderr).trim()
            )));
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
