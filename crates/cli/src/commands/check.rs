//! `rolegate check`: expand the templates, build the access model, judge it against the policy, and
//! write the report to stdout and to every requested file. Exit 0 pass, 1 fail, 2 bad input.

use std::io::{IsTerminal, Write as _};
use std::path::Path;

use anyhow::Context as _;
use arm::plan::{ConditionStatus, DeploymentPlan};
use report::{
    ContextInfo, GrantRow, IdentityKind, IdentityRow, MarkdownOptions, PolicyInfo, Report,
    ReportInput, RuleInfo, SourceCache, TemplateInfo, TextOptions,
};
use rules::{Finding, Severity};

use crate::args::{CheckArgs, FailOn, OutputFormat};

pub fn run(args: CheckArgs) -> anyhow::Result<u8> {
    let context = args.context.to_context();
    let first = args
        .paths
        .first()
        .context("give at least one template or directory")?;
    // The policy first: a broken policy is bad input, reported before any template work.
    let (policy, policy_info) = load_policy(args.policy.as_deref(), first)?;
    let plans = crate::inputs::expand_paths(&args.paths, &args.parameters, &args.context)?;
    let mut catalogue = access::RoleCatalogue::builtin();
    for file in &args.roles {
        catalogue
            .load_custom(file)
            .with_context(|| format!("{}: cannot read role definitions", file.display()))?;
    }
    let model = access::build_all(&plans, &catalogue);
    let options = rules::CheckOptions::new(policy::Date::today_utc(), &catalogue);
    let findings = rules::check(&model, &plans, &policy, &options);
    let with_plan = args.format == OutputFormat::Json || args.json.is_some();
    let report = build_report(
        Judged {
            plans: &plans,
            model: &model,
            findings,
            rules: rule_catalogue(),
            policy: policy_info,
            context: &context,
        },
        threshold(args.fail_on),
        with_plan,
    );
    // Labels can point into the embedded policy, which is no file on disk.
    let sources = SourceCache::new();
    sources.insert(policy.policy.name(), policy.policy.text());
    let code = emit(&report, &args, &sources)?;
    // Judged and reported (EV003), but the input itself is broken: nothing passes on it.
    if crate::inputs::report_broken(&plans) {
        return Ok(crate::EXIT_BAD_INPUT);
    }
    Ok(code)
}

/// Loads the policy: `--policy FILE` (or `embedded:NAME`), else the nearest `rolegate.yaml` for the
/// first path, else the embedded default. Says which in the returned [`PolicyInfo`].
pub fn load_policy(
    explicit: Option<&Path>,
    first_path: &Path,
) -> anyhow::Result<(policy::LoadedPolicy, PolicyInfo)> {
    let loaded = match explicit {
        Some(path) => {
            let text = path.to_string_lossy();
            match text.strip_prefix("embedded:") {
                Some(name) => policy::Policy::embedded(name).with_context(|| {
                    format!(
                        "no embedded policy '{name}' (known: {})",
                        policy::EMBEDDED_POLICIES.join(", ")
                    )
                })?,
                None => policy::Policy::load(path)?,
            }
        }
        None => policy::discover(first_path)?,
    };
    let (source, path) = match (&loaded.source, explicit) {
        (_, Some(given)) => (
            report::PolicySource::Explicit,
            Some(given.display().to_string()),
        ),
        (policy::PolicySource::File(found), None) => (
            report::PolicySource::Discovered,
            Some(relative(found).display().to_string()),
        ),
        (policy::PolicySource::Embedded(_), None) => (report::PolicySource::EmbeddedDefault, None),
    };
    let info = PolicyInfo::new(source, path, loaded.policy.text());
    Ok((loaded, info))
}

/// `path` relative to the working directory when it is inside it (discovery returns absolute paths,
/// reports read better with the path the user would type).
fn relative(path: &Path) -> std::path::PathBuf {
    std::env::current_dir()
        .ok()
        .and_then(|cwd| path.strip_prefix(cwd).ok().map(Path::to_path_buf))
        .unwrap_or_else(|| path.to_path_buf())
}

/// Every registered rule, for SARIF rule metadata and JUnit test cases.
pub fn rule_catalogue() -> Vec<RuleInfo> {
    rules::registry()
        .iter()
        .map(|meta| RuleInfo {
            id: meta.id.to_string(),
            name: meta.name.to_string(),
            summary: meta.summary(),
            help: meta.doc(),
            default_severity: meta.default_severity,
        })
        .collect()
}

/// The severity threshold a `--fail-on` value means.
pub fn threshold(fail_on: FailOn) -> Severity {
    match fail_on {
        FailOn::Error => Severity::Error,
        FailOn::Warning => Severity::Warning,
    }
}

/// Everything a run judged, before it becomes a [`Report`].
pub struct Judged<'a> {
    pub plans: &'a [DeploymentPlan],
    pub model: &'a access::AccessModel,
    pub findings: Vec<Finding>,
    pub rules: Vec<RuleInfo>,
    pub policy: PolicyInfo,
    pub context: &'a arm::DeploymentContext,
}

/// Builds the report: templates, identities and the identity → role → scope rows come from the
/// access model; the plan view is redacted.
pub fn build_report(judged: Judged<'_>, fail_on: Severity, with_plan: bool) -> Report {
    let mut input = ReportInput::new(judged.policy, ContextInfo::from(judged.context));
    input.fail_on = fail_on;
    input.rules = judged.rules;
    input.findings = judged.findings;
    input.templates = judged
        .plans
        .iter()
        .map(|plan| TemplateInfo {
            path: plan.template.clone(),
            parameter_files: plan.parameter_files.clone(),
            digest: std::fs::read(&plan.template)
                .ok()
                .map(|bytes| format!("sha256:{}", report::sha256_hex(&bytes))),
            resources: plan.resources.len(),
        })
        .collect();
    input.identities = identities(judged.model);
    input.grants = grants(judged.model);
    if with_plan {
        input.plan = Some(plan_view(judged.plans, judged.model));
    }
    Report::new(input)
}

/// The key findings use for a workload's system-assigned identity (`Finding.subject.identity`).
pub fn system_identity_key(workload_id: &str) -> String {
    format!("system-assigned of {workload_id}")
}

fn identities(model: &access::AccessModel) -> Vec<IdentityRow> {
    let mut out = Vec::new();
    for workload in &model.workloads {
        if !workload.identity.system_assigned || workload.deployed == ConditionStatus::Skipped {
            continue;
        }
        out.push(IdentityRow {
            id: system_identity_key(workload.id.as_str()),
            display: format!("{} (system-assigned)", short_name(&workload.name)),
            kind: IdentityKind::SystemAssigned,
            workloads: vec![workload.id.as_str().to_string()],
            // A system-assigned principal id only exists once Azure creates the identity.
            principal_id: None,
            location: Some(workload.location.clone()),
        });
    }
    for identity in &model.identities {
        out.push(IdentityRow {
            id: identity.id.as_str().to_string(),
            display: format!("{} (user-assigned)", identity.name),
            kind: IdentityKind::UserAssigned,
            workloads: identity
                .attached_to
                .iter()
                .map(|w| w.as_str().to_string())
                .collect(),
            principal_id: None,
            location: Some(identity.location.clone()),
        });
    }
    out
}

fn short_name(name: &str) -> &str {
    name.rsplit('/').next().unwrap_or(name)
}

fn grants(model: &access::AccessModel) -> Vec<GrantRow> {
    use access::PrincipalKind;
    model
        .grants
        .iter()
        .filter(|g| g.deployed != ConditionStatus::Skipped)
        .map(|g| {
            let p = &g.principal;
            let resource = p.resource.as_ref().map(|r| r.as_str().to_string());
            let resource_name = p
                .resource
                .as_ref()
                .and_then(|r| r.name().map(str::to_string))
                .unwrap_or_else(|| "?".into());
            let (kind, identity, display) = match p.kind {
                PrincipalKind::SystemAssigned => (
                    "system-assigned",
                    system_identity_key(resource.as_deref().unwrap_or("?")),
                    format!("{resource_name} (system-assigned)"),
                ),
                PrincipalKind::UserAssigned => (
                    "user-assigned",
                    resource.clone().unwrap_or_else(|| p.provenance.clone()),
                    format!("{resource_name} (user-assigned)"),
                ),
                PrincipalKind::External => {
                    let id = p.id.clone().unwrap_or_else(|| p.provenance.clone());
                    ("external", id.clone(), format!("external principal {id}"))
                }
                PrincipalKind::Parameter => {
                    let name = p.parameter.clone().unwrap_or_else(|| "?".into());
                    (
                        "parameter",
                        format!("parameter '{name}'"),
                        format!("parameter '{name}'"),
                    )
                }
                PrincipalKind::Unresolved => (
                    "unresolved",
                    p.provenance.clone(),
                    format!("unresolved ({})", p.provenance),
                ),
            };
            GrantRow {
                identity,
                identity_display: display,
                principal_kind: kind.into(),
                principal_id: p.id.clone(),
                role: g.role.name.clone().unwrap_or_else(|| g.role.id.clone()),
                role_id: Some(g.role.id.clone()),
                scope: g.scope.as_str().to_string(),
                scope_level: Some(g.scope_level.as_str().to_string()),
                location: Some(g.location.clone()),
                verdict: Default::default(),
                rules: Vec::new(),
            }
        })
        .collect()
}

/// What `--format json` shows of the plans: resources and deployments without their evaluated
/// bodies, parameters without values (they may be secrets), plus the access model; every string
/// passes through the credential redactor.
fn plan_view(plans: &[DeploymentPlan], model: &access::AccessModel) -> serde_json::Value {
    use serde_json::json;
    let plans: Vec<serde_json::Value> = plans
        .iter()
        .map(|plan| {
            json!({
                "template": plan.template,
                "parameter_files": plan.parameter_files,
                "target_scope": plan.target_scope,
                "resources": plan.resources.iter().map(|r| json!({
                    "type": r.resource_type,
                    "name": r.name,
                    "id": r.id,
                    "scope": r.scope,
                    "symbol": r.symbol,
                    "existing": r.existing,
                    "condition": r.condition,
                    "deployment": r.deployment,
                    "location": r.location,
                })).collect::<Vec<_>>(),
                "deployments": plan.deployments.iter().map(|d| json!({
                    "path": d.path,
                    "name": d.name,
                    "scope": d.scope,
                    "template_file": d.template_file,
                    "expanded": d.expanded,
                    "condition": d.condition,
                    "location": d.location,
                })).collect::<Vec<_>>(),
                "unresolved": plan.unresolved,
                "diagnostics": plan.diagnostics,
            })
        })
        .collect();
    let mut view = json!({
        "deployments": plans,
        "access": serde_json::to_value(model).unwrap_or(serde_json::Value::Null),
    });
    redact_strings(&mut view);
    view
}

fn redact_strings(value: &mut serde_json::Value) {
    match value {
        serde_json::Value::String(s) => {
            let redacted = report::source::redact_text(s);
            if redacted != *s {
                *s = redacted;
            }
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(redact_strings),
        serde_json::Value::Object(map) => map.values_mut().for_each(redact_strings),
        _ => {}
    }
}

/// Writes stdout and every requested file; returns the exit code of the verdict.
pub fn emit(report: &Report, args: &CheckArgs, sources: &SourceCache) -> anyhow::Result<u8> {
    let markdown_options = MarkdownOptions {
        full_report: args.markdown_artifact.clone(),
        ..MarkdownOptions::default()
    };
    if let Some(path) = &args.json {
        write(path, &report::json::render(report))?;
    }
    if let Some(path) = &args.sarif {
        write(path, &report::sarif::render(report))?;
    }
    if let Some(path) = &args.junit {
        write(path, &report::junit::render(report))?;
    }
    if let Some(path) = &args.markdown {
        write(path, &report::markdown::render(report, &markdown_options))?;
    }
    if let Some(path) = &args.evidence {
        let commit = report::CommitInfo::from_env(|k| std::env::var(k).ok());
        write(path, &report::evidence::render(report, commit))?;
    }
    let stdout = match args.format {
        OutputFormat::Json => report::json::render(report) + "\n",
        OutputFormat::Text => {
            let color = std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none();
            report::text::render(report, sources, TextOptions { color })
        }
    };
    // A closed pipe (`rolegate check ... | head`) is not an error of the check.
    let mut out = std::io::stdout().lock();
    if let Err(e) = out.write_all(stdout.as_bytes()).and_then(|()| out.flush()) {
        if e.kind() != std::io::ErrorKind::BrokenPipe {
            return Err(anyhow::Error::from(e).context("cannot write to stdout"));
        }
    }
    Ok(report.verdict.exit_code())
}

fn write(path: &Path, text: &str) -> anyhow::Result<()> {
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent)
            .with_context(|| format!("cannot create {}", parent.display()))?;
    }
    std::fs::write(path, text).with_context(|| format!("cannot write {}", path.display()))
}
