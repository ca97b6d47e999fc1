//! The `rolegate` binary: parses arguments, picks inputs and outputs, calls the library crates.

use std::process::ExitCode;

use clap::Parser;

use rolegate::args::{Cli, Command};
use rolegate::{commands, EXIT_BAD_INPUT, EXIT_OK};

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() {
                EXIT_BAD_INPUT
            } else {
                EXIT_OK
            };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    init_logging(cli.verbose, cli.log_format.as_deref());
    let result = match cli.command {
        Command::Eval(args) => commands::eval::run(args),
        Command::Expand(args) => commands::expand::run(args),
        Command::Check(args) => commands::check::run(*args),
        Command::Policy(args) => commands::policy::run(args),
        Command::Explain(args) => commands::explain::run(args),
        Command::Plan(args) => commands::plan::run(args),
        Command::Publish(args) => commands::publish::run(args),
        Command::Sourcemap(args) => commands::sourcemap::run(args),
    };
    // Compiled `.bicepparam` files may hold secrets: never leave them behind.
    rolegate::bicep::cleanup();
    match result {
        Ok(code) => ExitCode::from(code),
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::from(EXIT_BAD_INPUT)
        }
    }
}

fn init_logging(verbose: u8, format: Option<&str>) {
    let level = match verbose {
        0 => "warn",
        1 => "info",
        2 => "debug",
        _ => "trace",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_env("ROLEGATE_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(level));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    if format == Some("json") {
        builder.json().init();
    } else {
        builder.init();
    }
}
