//! `rolegate publish github|azure-devops --json REPORT.json [--markdown REPORT.md]`: posts a report
//! computed earlier, and `check --publish`'s posting step. Posting never changes the verdict: the
//! exit code is the report's (0 pass, 1 fail); what could not be posted is a one-line warning.

use std::path::Path;

use anyhow::Context as _;
use publish::{Limits, Publication, ReportDoc, Secret};

use crate::args::{PublishArgs, PublishService, PublishTarget};

pub fn run(args: PublishArgs) -> anyhow::Result<u8> {
    let text = std::fs::read_to_string(&args.json)
        .with_context(|| format!("{}: cannot read the JSON report", args.json.display()))?;
    let report = ReportDoc::parse(&text).with_context(|| args.json.display().to_string())?;
    let markdown = match &args.markdown {
        Some(path) => std::fs::read_to_string(path)
            .with_context(|| format!("{}: cannot read the Markdown report", path.display()))?,
        None => publish::report::summary_markdown(&report),
    };
    let run_time = match &args.run_time {
        Some(given) => publish::valid_run_time(given).with_context(|| {
            format!("--run-time '{given}': expected a UTC time like 2026-12-02T16:46:19Z")
        })?,
        None => event_run_time()
            .or_else(|| file_time(&args.json))
            .unwrap_or_else(publish::now_utc),
    };
    let key = match &args.comment_key {
        Some(key) => publish::sanitize_key(key),
        None => publish::default_key(&report),
    };
    let code = report.verdict.exit_code();
    let publication = Publication {
        report,
        markdown,
        key,
        run_time,
    };
    post(
        args.service,
        &publication,
        &PostOptions {
            pull_request: args.pull_request,
            head_sha: args.head_sha.clone(),
            no_summary: args.no_summary,
            logging_commands: !args.no_logging_commands,
            // `publish` prints no report: stdout is the logging commands' own.
            logging_to_stderr: false,
        },
    );
    Ok(code)
}

/// Options of one posting.
#[derive(Debug, Clone, Default)]
pub struct PostOptions {
    pub pull_request: Option<u64>,
    pub head_sha: Option<String>,
    pub no_summary: bool,
    pub logging_commands: bool,
    /// Print the Azure Pipelines logging commands on stderr instead of stdout: `check --format
    /// json` prints the report on stdout, and `check --format json > report.json` or `| jq` must
    /// get JSON only. The agent runs them from stderr too: Microsoft's page
    /// (learn.microsoft.com/azure/devops/pipelines/scripts/logging-commands) speaks of stdout, but
    /// the agent's handlers send both streams to the command parser
    /// (microsoft/azure-pipelines-agent, src/Agent.Worker/Handlers/NodeHandler.cs:
    /// `StepHost.OutputDataReceived += OnDataReceived; StepHost.ErrorDataReceived +=
    /// OnDataReceived;`, and `OnDataReceived` calls `CommandManager.TryProcessCommand`), and
    /// script steps run through such Node tasks (Bash, CmdLine).
    pub logging_to_stderr: bool,
}

/// The service `--publish TARGET` means here: `auto` looks at the CI's variables.
pub fn resolve(target: PublishTarget) -> Option<PublishService> {
    let set = |name: &str| {
        std::env::var(name)
            .ok()
            .is_some_and(|v| v.eq_ignore_ascii_case("true"))
    };
    match target {
        PublishTarget::Github => Some(PublishService::Github),
        PublishTarget::AzureDevops => Some(PublishService::AzureDevops),
        PublishTarget::Auto if set("GITHUB_ACTIONS") => Some(PublishService::Github),
        PublishTarget::Auto if set("TF_BUILD") => Some(PublishService::AzureDevops),
        PublishTarget::Auto => {
            tracing::debug!(
                "--publish auto: neither GitHub Actions nor Azure Pipelines, nothing posted"
            );
            None
        }
    }
}

/// Posts and prints what happened (stderr; Azure Pipelines logging commands on stdout, or on
/// stderr with [`PostOptions::logging_to_stderr`]). Every line passes through the token scrubber.
pub fn post(service: PublishService, publication: &Publication, options: &PostOptions) {
    let env = |name: &str| std::env::var(name).ok();
    let (name, token) = match service {
        PublishService::Github => ("GitHub", env("GITHUB_TOKEN")),
        PublishService::AzureDevops => ("Azure DevOps", env("SYSTEM_ACCESSTOKEN")),
    };
    let token = Secret::new(token.unwrap_or_default());
    let result = match service {
        PublishService::Github => {
            let overrides = publish::github::Overrides {
                pull_request: options.pull_request,
                head_sha: options.head_sha.clone(),
                no_summary: options.no_summary,
            };
            publish::github::Target::from_env(&env, &overrides).and_then(|target| {
                publish::block_on(publish::github::publish(
                    &target,
                    publication,
                    Limits::from_env(&env),
                ))
                .and_then(|r| r)
            })
        }
        PublishService::AzureDevops => {
            let base = std::env::current_dir().unwrap_or_default();
            publish::azure_devops::Target::from_env(&env, &base).and_then(|target| {
                publish::block_on(publish::azure_devops::publish(
                    &target,
                    publication,
                    publish::azure_devops::Options {
                        logging_commands: options.logging_commands,
                    },
                    Limits::from_env(&env),
                ))
                .and_then(|r| r)
            })
        }
    };
    match result {
        Ok(outcome) => {
            for line in &outcome.stdout {
                if options.logging_to_stderr {
                    eprintln!("{}", token.scrub(line));
                } else {
                    println!("{}", token.scrub(line));
                }
            }
            for line in &outcome.done {
                eprintln!("rolegate: {}", token.scrub(line));
            }
            for line in &outcome.warnings {
                eprintln!("warning: {}", token.scrub(line));
            }
        }
        Err(e) => eprintln!(
            "warning: the report was not posted to {name}: {}",
            token.scrub(&e.to_string())
        ),
    }
}

/// `workflow_run.run_started_at` of the event (the run that computed the report, when a
/// `workflow_run` workflow publishes it).
fn event_run_time() -> Option<String> {
    let path = std::env::var("GITHUB_EVENT_PATH").ok()?;
    let event: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).ok()?).ok()?;
    event
        .pointer("/workflow_run/run_started_at")
        .and_then(serde_json::Value::as_str)
        .and_then(publish::valid_run_time)
}

/// When `check` wrote the report.
fn file_time(path: &Path) -> Option<String> {
    let modified = std::fs::metadata(path).ok()?.modified().ok()?;
    let secs = modified
        .duration_since(std::time::UNIX_EPOCH)
        .ok()?
        .as_secs();
    Some(publish::time::format_unix(secs))
}
