//! Command-line arguments.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

/// rolegate: least-privilege deployment gate for Azure managed identities.
#[derive(Debug, Parser)]
#[command(name = "rolegate", version, about)]
pub struct Cli {
    /// More log output on stderr (-v info, -vv debug).
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
    /// Log format on stderr: text or json.
    #[arg(long, global = true, value_name = "FORMAT")]
    pub log_format: Option<String>,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Evaluate a template and print its outputs as JSON.
    Eval(EvalArgs),
    /// Expand a template (or every template in a directory) into a deployment plan.
    Expand(ExpandArgs),
    /// Judge templates against the least-privilege policy (exit 0 pass, 1 fail, 2 bad input).
    Check(Box<CheckArgs>),
    /// Work with least-privilege policies: validate, show, locate, print the schema, write a starter.
    Policy(PolicyArgs),
    /// Print a rule's documentation (by id like RA002 or name like privileged-role); without one, list the rules.
    Explain(ExplainArgs),
    /// Show the access model: each workload's identities, grants (identity → role → scope) and usages.
    Plan(PlanArgs),
    /// Post a report computed earlier (`check --json`) to the pull request: GitHub comment, check
    /// run and job summary, or Azure DevOps thread, status and logging commands.
    Publish(PublishArgs),
    /// Map every JSON value of a compiled template to the Bicep file, line and column that produced it.
    Sourcemap(SourcemapArgs),
}

/// The deployment target; absent values use documented placeholders.
#[derive(Debug, Args, Clone, Default)]
pub struct ContextArgs {
    /// Subscription id (placeholder: 00000000-0000-0000-0000-000000000000).
    #[arg(long, global = true, env = "ROLEGATE_SUBSCRIPTION_ID")]
    pub subscription_id: Option<String>,
    /// Resource group name (placeholder: rolegate-rg).
    #[arg(long, global = true, env = "ROLEGATE_RESOURCE_GROUP")]
    pub resource_group: Option<String>,
    /// Location (placeholder: westus).
    #[arg(long, global = true, env = "ROLEGATE_LOCATION")]
    pub location: Option<String>,
    /// Tenant id (placeholder: 00000000-0000-0000-0000-000000000000).
    #[arg(long, global = true, env = "ROLEGATE_TENANT_ID")]
    pub tenant_id: Option<String>,
    /// Management group name (placeholder: rolegate-mg).
    #[arg(long, global = true, env = "ROLEGATE_MANAGEMENT_GROUP")]
    pub management_group: Option<String>,
    /// Deployment name (placeholder: rolegate).
    #[arg(long, global = true, env = "ROLEGATE_DEPLOYMENT_NAME")]
    pub deployment_name: Option<String>,
}

impl ContextArgs {
    /// The deployment context these flags describe.
    pub fn to_context(&self) -> arm::DeploymentContext {
        arm::DeploymentContext::builder()
            .subscription_id(self.subscription_id.clone())
            .resource_group(self.resource_group.clone())
            .location(self.location.clone())
            .tenant_id(self.tenant_id.clone())
            .management_group(self.management_group.clone())
            .deployment_name(self.deployment_name.clone())
            .build()
    }
}

/// Parameter inputs shared by every command that reads templates.
#[derive(Debug, Args, Clone, Default)]
pub struct ParameterArgs {
    /// Parameters file (deploymentParameters.json or compiled .bicepparam); repeatable, later wins.
    #[arg(short = 'p', long = "parameters", value_name = "FILE")]
    pub parameter_files: Vec<PathBuf>,
    /// Parameter override NAME=VALUE (VALUE parsed as JSON when it parses, else a string); repeatable.
    #[arg(long = "param", value_name = "NAME=VALUE")]
    pub params: Vec<String>,
}

#[derive(Debug, Args)]
pub struct EvalArgs {
    /// The template file.
    pub template: PathBuf,
    #[command(flatten)]
    pub parameters: ParameterArgs,
    #[command(flatten)]
    pub context: ContextArgs,
}

#[derive(Debug, Args)]
pub struct ExpandArgs {
    /// A template file or a directory of templates.
    pub path: PathBuf,
    #[command(flatten)]
    pub parameters: ParameterArgs,
    #[command(flatten)]
    pub context: ContextArgs,
    /// Output format.
    #[arg(long, value_enum, default_value_t = OutputFormat::Json)]
    pub format: OutputFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum OutputFormat {
    Text,
    Json,
}

/// Which findings fail the gate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum FailOn {
    /// Errors only (warnings are reported but pass).
    #[default]
    Error,
    /// Errors and warnings.
    Warning,
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Template files or directories of templates.
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// Policy file for every template (`embedded:default`, `embedded:strict` for the built-in
    /// ones). Default: for each template, the nearest rolegate.yaml in its directory or its
    /// parents, else the embedded default.
    #[arg(long, value_name = "FILE")]
    pub policy: Option<PathBuf>,
    #[command(flatten)]
    pub parameters: ParameterArgs,
    #[command(flatten)]
    pub context: ContextArgs,
    /// Output format on stdout.
    #[arg(long, value_enum, default_value_t = OutputFormat::Text)]
    pub format: OutputFormat,
    /// Lowest severity that fails the gate.
    #[arg(long, value_enum, default_value_t = FailOn::Error)]
    pub fail_on: FailOn,
    /// Custom role definitions (`az role definition list --output json`); repeatable.
    #[arg(long = "roles", value_name = "FILE")]
    pub roles: Vec<PathBuf>,
    /// Also write the JSON report to FILE.
    #[arg(long, value_name = "FILE")]
    pub json: Option<PathBuf>,
    /// Also write SARIF 2.1.0 to FILE.
    #[arg(long, value_name = "FILE")]
    pub sarif: Option<PathBuf>,
    /// Also write JUnit XML to FILE.
    #[arg(long, value_name = "FILE")]
    pub junit: Option<PathBuf>,
    /// Also write the Markdown report (PR comment, job summary) to FILE.
    #[arg(long, value_name = "FILE")]
    pub markdown: Option<PathBuf>,
    /// Where the full report lives, named in the Markdown when it has to be truncated.
    #[arg(long, value_name = "NAME")]
    pub markdown_artifact: Option<String>,
    /// Also write the audit evidence pack to FILE.
    #[arg(long, value_name = "FILE")]
    pub evidence: Option<PathBuf>,
    /// Post the verdict to the pull request: `github`, `azure-devops`, or `auto` (GitHub Actions
    /// or Azure Pipelines when detected, nothing elsewhere). Posting never changes the exit code.
    #[arg(long, value_enum, value_name = "TARGET")]
    pub publish: Option<PublishTarget>,
    /// The gate's name on the pull request: one comment, check run, thread and status per key
    /// (several gates in one PR). Default: the templates' directory and the --policy file.
    #[arg(long, value_name = "NAME")]
    pub comment_key: Option<String>,
    /// Judge by the policy as it is at this git ref (e.g. origin/main) instead of the working
    /// tree, so a pull request cannot weaken the gate that judges it.
    #[arg(long, value_name = "REF")]
    pub policy_ref: Option<String>,
    /// Boxed: the live flags would make `check` the one large variant of [`Command`].
    #[command(flatten)]
    pub live: Box<LiveArgs>,
}

/// Where `check --publish` posts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum PublishTarget {
    /// GitHub (GITHUB_* variables of GitHub Actions).
    Github,
    /// Azure DevOps (SYSTEM_* and BUILD_* variables of Azure Pipelines).
    AzureDevops,
    /// GitHub when GITHUB_ACTIONS is set, Azure DevOps when TF_BUILD is, else nothing.
    Auto,
}

/// The service `rolegate publish` posts to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum PublishService {
    /// GitHub: sticky comment, check run with annotations, job summary.
    Github,
    /// Azure DevOps: sticky PR thread, PR status, logging commands.
    AzureDevops,
}

#[derive(Debug, Args)]
pub struct PublishArgs {
    /// `github` or `azure-devops`.
    #[arg(value_enum)]
    pub service: PublishService,
    /// The JSON report (`check --json FILE`).
    #[arg(long, value_name = "FILE")]
    pub json: PathBuf,
    /// The Markdown report (`check --markdown FILE`); default: a summary made from the JSON.
    #[arg(long, value_name = "FILE")]
    pub markdown: Option<PathBuf>,
    /// The gate's name on the pull request (see `check --comment-key`).
    #[arg(long, value_name = "NAME")]
    pub comment_key: Option<String>,
    /// The pull request number (default: from the event payload / SYSTEM_PULLREQUEST_PULLREQUESTID).
    #[arg(long, value_name = "N")]
    pub pull_request: Option<u64>,
    /// The pull request's head commit (default: from the event payload).
    #[arg(long, value_name = "SHA")]
    pub head_sha: Option<String>,
    /// When the report was computed, UTC RFC 3339 (default: workflow_run.run_started_at of the
    /// event, else the JSON file's modification time); an older run never overwrites a newer one.
    #[arg(long, value_name = "TIME")]
    pub run_time: Option<String>,
    /// Do not write the GitHub job summary (the caller already did).
    #[arg(long)]
    pub no_summary: bool,
    /// Do not print Azure Pipelines logging commands (the caller prints its own).
    #[arg(long)]
    pub no_logging_commands: bool,
}

/// Live tenant verification (`check --live`): read-only, see docs/live.md.
#[derive(Debug, Args, Clone, Default)]
pub struct LiveArgs {
    /// Also verify against the live tenant (read-only): stale assignments, identity drift,
    /// assignment conflicts, existing grants outside the policy, custom roles (LV001-LV006).
    /// Needs --subscription-id.
    #[arg(long)]
    pub live: bool,
    /// How --live authenticates; `auto` uses the first method whose environment is present.
    #[arg(
        long,
        value_parser = auth_methods(),
        default_value_t = azure::AuthMethod::Auto,
        value_name = "METHOD"
    )]
    pub auth: azure::AuthMethod,
    /// ARM endpoint (sovereign clouds, e.g. https://management.usgovcloudapi.net).
    #[arg(
        long,
        value_name = "URL",
        default_value = "https://management.azure.com"
    )]
    pub arm_endpoint: String,
    /// Microsoft Graph endpoint (sovereign clouds, e.g. https://graph.microsoft.us).
    #[arg(
        long,
        value_name = "URL",
        default_value = "https://graph.microsoft.com"
    )]
    pub graph_endpoint: String,
    /// Entra authority for sovereign clouds (default: AZURE_AUTHORITY_HOST, else the public cloud).
    #[arg(long, value_name = "URL")]
    pub authority_host: Option<String>,
    /// What a failed tenant read does: fail the gate (default) or only warn.
    #[arg(long, value_enum, default_value_t = LiveErrors::Fail, value_name = "MODE")]
    pub live_errors: LiveErrors,
}

/// `--auth` values: the azure crate's methods with their help (clap stays out of that library),
/// so clap lists, checks and suggests exactly the methods it knows.
fn auth_methods() -> impl clap::builder::TypedValueParser<Value = azure::AuthMethod> {
    use clap::builder::{PossibleValue, PossibleValuesParser, TypedValueParser};
    PossibleValuesParser::new(
        azure::AuthMethod::VARIANTS
            .iter()
            .map(|m| PossibleValue::new(m.as_str()).help(m.help())),
    )
    .try_map(|name| name.parse::<azure::AuthMethod>())
}

/// `--live-errors` modes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum LiveErrors {
    /// A read that failed fails the gate (LV006 is an error).
    #[default]
    Fail,
    /// A read that failed is a warning.
    Warn,
}

#[derive(Debug, Args)]
pub struct PolicyArgs {
    #[command(subcommand)]
    pub command: PolicyCommand,
}

#[derive(Debug, Subcommand)]
pub enum PolicyCommand {
    /// Validate a policy file (default: the one `check` would use for the current directory).
    Validate(PolicyValidateArgs),
    /// Print which policy `check` would use for a template or directory (per template when a
    /// directory's templates have different ones).
    Which(PolicyWhichArgs),
    /// Print a built-in policy (`default` or `strict`).
    Show(PolicyShowArgs),
    /// Print the policy JSON Schema.
    Schema,
    /// Write a starting policy from a template's current grants and usages.
    Init(Box<PolicyInitArgs>),
}

#[derive(Debug, Args)]
pub struct PolicyInitArgs {
    /// The template file.
    pub template: PathBuf,
    #[command(flatten)]
    pub parameters: ParameterArgs,
    #[command(flatten)]
    pub context: ContextArgs,
    /// Where to write (default: rolegate.yaml beside the template).
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Print the policy on stdout instead of writing a file.
    #[arg(long, conflicts_with = "output")]
    pub stdout: bool,
    /// Overwrite an existing file.
    #[arg(long)]
    pub force: bool,
}

#[derive(Debug, Args)]
pub struct PolicyValidateArgs {
    /// The policy file; `embedded:NAME` for a built-in one.
    pub file: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct PolicyWhichArgs {
    /// A template file or directory (default: the current directory).
    pub path: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct PolicyShowArgs {
    /// `default` or `strict`.
    #[arg(default_value = "default")]
    pub name: String,
}

#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// Rule id (e.g. RA002) or name (e.g. privileged-role).
    pub rule: Option<String>,
}

#[derive(Debug, Args)]
pub struct PlanArgs {
    /// Template files or directories of templates.
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    #[command(flatten)]
    pub parameters: ParameterArgs,
    #[command(flatten)]
    pub context: ContextArgs,
    /// Custom role definitions (`az role definition list --output json`), added to the built-in roles.
    #[arg(long, value_name = "FILE")]
    pub roles: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = OutputFormat::Text)]
    pub format: OutputFormat,
}

#[derive(Debug, Args)]
pub struct SourcemapArgs {
    /// The compiled template (`bicep build` output).
    pub template: PathBuf,
    /// Its Bicep source (default: the `.bicep` file of the same stem beside the template).
    #[arg(long, value_name = "FILE.bicep")]
    pub bicep: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = OutputFormat::Json)]
    pub format: OutputFormat,
}
