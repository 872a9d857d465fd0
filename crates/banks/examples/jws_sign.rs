//! Print the `x-jws-signature` header value for a payment body, so that an integrator can check
//! the signature with any JOSE tool.
//!
//! ```sh
//! cargo run -p banks --example jws_sign -- --key KEY.pem --cert CERT.pem [--profile unprotected-header|protected-header] < body.json
//! cargo run -p banks --example jws_sign -- --p12 KEY.p12 --password PASS < body.json
//! ```
//! The default profile is the form the bank's document defines (`unprotected-header`);
//! `--profile protected-header` gives RFC 7515 with a protected header instead.
//! `--decode` prints the JWS JSON message instead of its Base64.

use std::io::Read;
use std::process::ExitCode;

use banks::BodySigner as _;
use banks::jws::{JwsSigner, KeySigner, Profile};

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("jws_sign: {e}");
            ExitCode::from(2)
        }
    }
}

fn run() -> Result<(), String> {
    let mut args = std::env::args().skip(1);
    let (mut key, mut cert, mut p12, mut password, mut profile, mut decode) =
        (None, None, None, None, Profile::default(), false);
    while let Some(arg) = args.next() {
        let mut value = || args.next().ok_or_else(|| format!("{arg} needs a value"));
        match arg.as_str() {
            "--key" => key = Some(value()?),
            "--cert" => cert = Some(value()?),
            "--p12" => p12 = Some(value()?),
            "--password" => password = Some(value()?),
            "--profile" => profile = value()?.parse()?,
            "--decode" => decode = true,
            other => return Err(format!("unknown argument {other}")),
        }
    }
    let read = |path: &str| std::fs::read(path).map_err(|e| format!("{path}: {e}"));
    let signer = match (key, p12) {
        (Some(key), None) => {
            let cert = cert.as_deref().map(read).transpose()?.unwrap_or_default();
            KeySigner::from_pem(&read(&key)?, &cert).map_err(|e| format!("{key}: {e}"))?
        }
        (None, Some(p12)) => {
            KeySigner::from_pkcs12(&read(&p12)?, password.as_deref().unwrap_or(""))
                .map_err(|e| format!("{p12}: {e}"))?
        }
        _ => {
            return Err(
                "give --key KEY.pem [--cert CERT.pem] or --p12 FILE [--password PASS]".into(),
            );
        }
    };
    let mut body = Vec::new();
    std::io::stdin()
        .read_to_end(&mut body)
        .map_err(|e| format!("reading the body from standard input: {e}"))?;
    let jws = JwsSigner::new(signer, profile);
    if decode {
        let message = jws.message(&body).map_err(|e| e.to_string())?;
        println!("{message:#}");
    } else {
        println!("{}", jws.header_value(&body).map_err(|e| e.to_string())?);
    }
    Ok(())
}
