//! The command tree, from the APIs' generated operation tables: `bank <api> <operation>
//! [--<parameter> VALUE]… [--body FILE|-]`. clap names the closest subcommand or argument when
//! one is mistyped.

use clap::{Arg, ArgAction, Command};

use crate::apis;

/// `--config FILE`.
pub const CONFIG: &str = "config";
/// `--body FILE|-`.
pub const BODY: &str = "body";

/// The whole command.
pub fn tree() -> Command {
    let mut bank = Command::new("bank")
        .about("Call the bank APIs: any operation, the facade's auth, JSON out")
        .after_help(
            "Credentials and environment: the facade's variables (e.g. GLOBUS_CFRONT_LOGIN, \
             GLOBUS_CFRONT_PASSWORD, GLOBUS_CFRONT_ENVIRONMENT=test|production|URL), or the same \
             keys in lower case in a TOML table per API in --config FILE (or BANK_CONFIG).",
        )
        .subcommand_required(true)
        .arg_required_else_help(true)
        .arg(
            Arg::new(CONFIG)
                .long(CONFIG)
                .global(true)
                .value_name("FILE")
                .help("TOML file with a table of settings per API ([globus-cfront] login = \"…\")"),
        );
    for api in apis::ALL {
        let mut command = Command::new(api.spec.name)
            .about(api.title)
            .subcommand_required(true)
            .arg_required_else_help(true);
        // The token endpoint is not offered: the CLI authenticates by itself and prints no token.
        for op in api
            .spec
            .operations
            .iter()
            .filter(|op| !api.spec.is_token_operation(op))
        {
            command = command.subcommand(operation(api, op));
        }
        bank = bank.subcommand(command);
    }
    bank
}

fn operation(api: &apis::Api, op: &bank_runtime::OperationSpec) -> Command {
    let mut command = Command::new(op.name)
        .about(op.summary)
        .long_about(format!("{} {}: {}", op.method, op.path, op.summary));
    for p in op.parameters {
        let defaulted = api.spec.client_id_path_parameter == Some(p.name);
        let mut help = format!("{} parameter", p.location);
        if !p.description.is_empty() {
            help.push_str(": ");
            help.push_str(p.description);
        }
        if defaulted {
            help.push_str(" (default: the client id)");
        }
        command = command.arg(
            Arg::new(p.name)
                .long(p.name)
                .value_name("VALUE")
                .action(ArgAction::Set)
                .required(p.required && !defaulted)
                .help(help),
        );
    }
    if let Some(required) = op.body {
        command = command.arg(
            Arg::new(BODY)
                .long(BODY)
                .value_name("FILE")
                .required(required)
                .help("the JSON request body: a file, or - for standard input"),
        );
    }
    command
}
