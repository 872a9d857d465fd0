//! `cargo run -p bank-sandbox -- [--port 8080] [--bind 127.0.0.1] [--config sandbox.toml] [--state FILE]`
//!
//! Prints the URL of each API and the admin token (`Authorization: Bearer …` under
//! `/_sandbox/`): the configuration's `[admin] token`, else the environment's
//! `BANK_SANDBOX_ADMIN_TOKEN`, else a random one made at start, and the web console's address
//! (`/_sandbox/ui`, see `bank_sandbox::ui`). Exchanges are recorded, for the console.

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::process::ExitCode;

use bank_sandbox::{Config, Sandbox, spec::Bank};

const USAGE: &str = "usage: bank-sandbox [--port 8080] [--bind 127.0.0.1] [--config sandbox.toml] [--state FILE]\n\
     (a --bind address other than loopback needs an admin token: [admin] token or BANK_SANDBOX_ADMIN_TOKEN)";

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt().init();
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut port = 8080u16;
    let mut bind = IpAddr::from([127, 0, 0, 1]);
    let mut config = Config::default();
    let mut state = None;
    // Whether the configuration file sets `record_exchanges` (otherwise the binary records).
    let mut recording_chosen = false;
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        let value = it.next();
        match (arg.as_str(), value) {
            ("--port", Some(p)) => match p.parse() {
                Ok(p) => port = p,
                Err(_) => return fail(&format!("--port: `{p}` is not a port")),
            },
            ("--bind", Some(ip)) => match ip.parse() {
                Ok(ip) => bind = ip,
                Err(_) => return fail(&format!("--bind: `{ip}` is not an IP address")),
            },
            ("--config", Some(path)) => match Config::load(&PathBuf::from(path)) {
                Ok(c) => {
                    config = c;
                    recording_chosen = std::fs::read_to_string(path)
                        .ok()
                        .and_then(|text| text.parse::<toml::Table>().ok())
                        .is_some_and(|table| table.contains_key("record_exchanges"));
                }
                Err(e) => return fail(&e.to_string()),
            },
            ("--state", Some(path)) => state = Some(PathBuf::from(path)),
            ("-h" | "--help", _) => {
                println!("{USAGE}");
                return ExitCode::SUCCESS;
            }
            _ => return fail(&format!("unexpected `{arg}`\n{USAGE}")),
        }
    }
    if config.admin.token.is_none()
        && let Ok(token) = std::env::var(bank_sandbox::config::ADMIN_TOKEN_ENV)
    {
        config.admin.token = Some(token);
    }
    // The console shows the requests and answers that touched a resource: the binary records
    // them (a ring buffer, [limits] exchanges and exchange_bytes, credentials redacted) unless
    // the configuration file says `record_exchanges = false`.
    if !recording_chosen {
        config.record_exchanges = true;
    }
    let addr = SocketAddr::new(bind, port);
    let sandbox = match Sandbox::start(config, addr, state).await {
        Ok(s) => s,
        Err(e) => return fail(&e.to_string()),
    };
    println!("bank sandbox on {}", sandbox.url());
    for bank in Bank::ALL {
        println!("  {:<14} {}", bank.prefix(), sandbox.base_url(bank));
    }
    println!("admin token: {}", sandbox.admin_token());
    println!("  (/_sandbox/ needs `Authorization: Bearer <admin token>` and JSON bodies)");
    println!(
        "console: {}/_sandbox/ui (log in with the admin token)",
        sandbox.url()
    );
    println!(
        "credentials: see crates/sandbox/README.md (defaults in config.rs); Ctrl-C stops and saves the state"
    );
    let _ = tokio::signal::ctrl_c().await;
    sandbox.stop().await;
    ExitCode::SUCCESS
}

fn fail(message: &str) -> ExitCode {
    eprintln!("error: {message}");
    ExitCode::from(2)
}
