//! `bank`: call any operation of the four bank APIs from the command line, with the facade's
//! authentication (OAuth2 tokens, HTTP Basic, JWS-signed payments), the answer printed as JSON.
//!
//! ```sh
//! bank --help                                   # the APIs
//! bank globus-cfront --help                     # its operations, each with its summary
//! bank globus-cfront get_order_state --body order.json
//! bank bcc-financial get_account --iban KZ218560000000000001
//! echo '{"amount": 10}' | bank bcc-financial create_payment --body -
//! ```
//!
//! The operations, their parameters and bodies come from each API's generated
//! `SPEC.operations` (its normalised document). Credentials and environment are the facade's
//! variables (`GLOBUS_CFRONT_LOGIN`, `…_PASSWORD`, `…_ENVIRONMENT`; see `banks::Builder::from_lookup`),
//! or the same keys in lower case in a TOML file given with `--config` or `BANK_CONFIG`, one table
//! per API (`[globus-cfront] login = "…"`). Bodies are read only from a file or standard input.
//! Nothing the CLI prints carries a token, a secret or a signature.
//!
//! Exit status: 0 on success, 1 when the bank (or the network) refuses, 2 on bad usage or
//! configuration.

mod apis;
mod call;
mod command;

use std::process::ExitCode;

fn main() -> ExitCode {
    let matches = match command::tree().try_get_matches() {
        Ok(m) => m,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { 2 } else { 0 });
        }
    };
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: starting the runtime: {e}");
            return ExitCode::from(2);
        }
    };
    match runtime.block_on(call::run(&matches)) {
        Ok(answer) => {
            println!("{answer}");
            ExitCode::SUCCESS
        }
        Err(call::Failure::Usage(message)) => {
            eprintln!("error: {message}");
            ExitCode::from(2)
        }
        Err(call::Failure::Bank(error)) => {
            eprintln!("{}", call::error_json(&error));
            ExitCode::from(1)
        }
    }
}
