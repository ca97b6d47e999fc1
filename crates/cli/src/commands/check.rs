//! `rolegate check`: expand the templates, build the access model, judge it against the policy, and
//! write the report to stdout and to every requested file. Exit 0 pass, 1 fail, 2 bad input.

use std::io::{IsTerminal, Write as _};
use std::path::{Path, PathBuf};

use anyhow::Context as _;
use arm::discover::TemplateInput;
use arm::plan::{ConditionStatus, DeploymentPlan};
use report::{
    ContextInfo, GrantRow, IdentityKind, IdentityRow, MarkdownOptions, PolicyGroup, PolicyInfo,
    Report, ReportInput, RuleInfo, SourceCache, TemplateInfo, TextOptions,
};
use rules::{Finding, Severity};

use crate::args::{CheckArgs, FailOn, OutputFormat};

pub fn run(args: CheckArgs) -> anyhow::Result<u8> {
    let context = args.context.to_context();
    // An explicit policy first: a broken policy is bad input, reported before any template work.
    let policy_ref = args.policy_ref.as_deref();
    if let Some(rev) = policy_ref {
        crate::commands::policy_change::verify_ref(rev)?;
    }
    let explicit = match (args.policy.as_deref(), policy_ref) {
        // --policy-ref: the policy file as it is at the ref (embedded ones have no history).
        (Some(path), Some(rev)) if !path.to_string_lossy().starts_with("embedded:") => {
            Some((crate::commands::policy_change::load_at(rev, path)?, path))
        }
        (Some(path), _) => Some((load_explicit_policy(path)?, path)),
        (None, _) => None,
    };
    let inputs = crate::inputs::collect(&args.paths)?;
    let choices = match explicit {
        Some((loaded, path)) => vec![PolicyChoice {
            info: policy_info(&loaded, Some(path)),
            loaded,
            members: (0..inputs.len()).collect(),
        }],
        // Discovered per template, still before expansion, so a broken rolegate.yaml is reported
        // (file:line:col, exit 2) before any template is evaluated.
        None => discover_policies(&inputs, policy_ref)?,
    };
    let policy_note = policy_change_note(&choices, policy_ref);
    let options = crate::inputs::options(&args.parameters, &args.context)?;
    let plans = crate::inputs::expand(&inputs, &options)?;
    let mut catalogue = access::RoleCatalogue::builtin();
    for file in &args.roles {
        catalogue
            .load_custom(file)
            .with_context(|| format!("{}: cannot read role definitions", file.display()))?;
    }
    // `--live`: read the tenant before judging; roles it defines join the catalogue.
    let live = match args.live.live {
        true => Some(crate::live::read(
            &args.live,
            &args.context,
            &plans,
            &mut catalogue,
        )?),
        false => None,
    };
    let check_options = rules::CheckOptions::new(policy::Date::today_utc(), &catalogue);
    let check_options = match &live {
        Some(facts) => check_options.with_live(facts),
        None => check_options,
    };
    // Each policy judges its own templates as one deployment unit: its own access model (so
    // cross-template links are seen only within a group) and its own exceptions and severities.
    let mut findings = Vec::with_capacity(choices.len());
    let mut groups = Vec::with_capacity(choices.len());
    let mut bicep_maps = Vec::new();
    for (choice, plans) in choices.iter().zip(split_plans(plans, &choices)) {
        let (group, mut group_findings) =
            judge_group(plans, &choice.loaded, choice.info.clone(), &check_options);
        // Templates from Bicep: findings point at Bicep lines, inline suppressions apply.
        let maps = crate::bicep::source_maps(&group.plans);
        crate::bicep::attach(&mut group_findings, &maps, &choice.loaded.policy);
        bicep_maps.extend(maps);
        findings.push(group_findings);
        groups.push(group);
    }
    let with_plan = args.format == OutputFormat::Json || args.json.is_some();
    let mut report = build_report(
        Judged {
            groups: &groups,
            findings,
            rules: rule_catalogue(),
            context: &context,
            live: live.as_ref(),
        },
        threshold(args.fail_on),
        with_plan,
    );
    crate::bicep::locate_rows(&mut report, &bicep_maps);
    // Labels can point into any policy that judged, and the embedded one is no file on disk.
    let sources = SourceCache::new();
    for choice in &choices {
        sources.insert(choice.loaded.policy.name(), choice.loaded.policy.text());
    }
    // Templates compiled from Bicep in memory have no file on disk either.
    for (name, text) in crate::bicep::compiled_text() {
        sources.insert(&name, &text);
    }
    let code = emit_with_note(&report, &args, &sources, &policy_note)?;
    if let Some(service) = args.publish.and_then(crate::commands::publish::resolve) {
        publish_report(&report, &args, service, &policy_note);
    }
    // Judged and reported (EV003), but the input itself is broken: nothing passes on it.
    if crate::inputs::report_broken(groups.iter().flat_map(|g| &g.plans)) {
        return Ok(crate::EXIT_BAD_INPUT);
    }
    Ok(code)
}

/// One policy's judgement of its plans: the access model over them and the rules' findings.
pub fn judge_group(
    plans: Vec<DeploymentPlan>,
    loaded: &policy::LoadedPolicy,
    info: PolicyInfo,
    options: &rules::CheckOptions<'_>,
) -> (PolicyRun, Vec<Finding>) {
    let mut model = access::build_all(&plans, options.catalogue);
    // What the tenant answers (the deployer's object id) is no longer unresolved.
    if let Some(live) = options.live {
        live.enrich(&mut model);
    }
    let findings = rules::check(&model, &plans, loaded, options);
    (
        PolicyRun {
            policy: info,
            plans,
            model,
        },
        findings,
    )
}

/// The report `check` writes for plans judged by one policy (no file output, no exit code):
/// what the benchmark and the robustness test run.
pub fn judge_one(
    plans: Vec<DeploymentPlan>,
    loaded: &policy::LoadedPolicy,
    catalogue: &access::RoleCatalogue,
    context: &arm::DeploymentContext,
    with_plan: bool,
) -> Report {
    let options = rules::CheckOptions::new(policy::Date::today_utc(), catalogue);
    let (group, findings) = judge_group(plans, loaded, policy_info(loaded, None), &options);
    build_report(
        Judged {
            groups: std::slice::from_ref(&group),
            findings: vec![findings],
            rules: rule_catalogue(),
            context,
            live: None,
        },
        Severity::Error,
        with_plan,
    )
}

/// A policy chosen for a run and the template inputs (indices) it judges.
struct PolicyChoice {
    loaded: policy::LoadedPolicy,
    info: PolicyInfo,
    members: Vec<usize>,
}

/// Loads `--policy FILE` or `--policy embedded:NAME`.
fn load_explicit_policy(path: &Path) -> anyhow::Result<policy::LoadedPolicy> {
    let text = path.to_string_lossy();
    Ok(match text.strip_prefix("embedded:") {
        Some(name) => policy::Policy::embedded(name).with_context(|| {
            format!(
                "no embedded policy '{name}' (known: {})",
                policy::EMBEDDED_POLICIES.join(", ")
            )
        })?,
        None => policy::Policy::load(path)?,
    })
}

/// Each template's policy, as cargo-deny finds `deny.toml`: the nearest `rolegate.yaml` in the
/// template's directory or its parents, else the embedded default. Templates that resolve to the
/// same file share one choice (in order of first appearance); each file is loaded once.
/// With `policy_ref`, discovery and loading happen in the tree as it is at that git ref.
fn discover_policies(
    inputs: &[TemplateInput],
    policy_ref: Option<&str>,
) -> anyhow::Result<Vec<PolicyChoice>> {
    let mut keyed: Vec<(Option<PathBuf>, PolicyChoice)> = Vec::new();
    for (index, input) in inputs.iter().enumerate() {
        let nearest = match policy_ref {
            Some(rev) => crate::commands::policy_change::nearest_at(rev, &input.template)?,
            None => policy::nearest_policy_file(&input.template),
        };
        if let Some((_, choice)) = keyed.iter_mut().find(|(key, _)| *key == nearest) {
            choice.members.push(index);
            continue;
        }
        let loaded = match (&nearest, policy_ref) {
            (Some(path), Some(rev)) => {
                crate::commands::policy_change::load_at(rev, &relative(path))?
            }
            // Loaded by the path the user would type, so labels into it read like template paths.
            (Some(path), None) => policy::Policy::load(&relative(path))?,
            (None, _) => policy::Policy::embedded_default(),
        };
        let info = policy_info(&loaded, None);
        tracing::debug!(policy = %loaded.source, template = %input.template.display(), "policy discovered");
        keyed.push((
            nearest,
            PolicyChoice {
                loaded,
                info,
                members: vec![index],
            },
        ));
    }
    Ok(keyed.into_iter().map(|(_, choice)| choice).collect())
}

/// Moves each plan (one per template input, in input order) into its policy's group.
fn split_plans(plans: Vec<DeploymentPlan>, choices: &[PolicyChoice]) -> Vec<Vec<DeploymentPlan>> {
    let mut slots: Vec<Option<DeploymentPlan>> = plans.into_iter().map(Some).collect();
    choices
        .iter()
        .map(|choice| {
            choice
                .members
                .iter()
                .filter_map(|&i| slots.get_mut(i).and_then(Option::take))
                .collect()
        })
        .collect()
}

/// Describes a loaded policy for the report: given with `--policy` (`explicit` is the argument),
/// discovered, or the embedded default.
pub fn policy_info(loaded: &policy::LoadedPolicy, explicit: Option<&Path>) -> PolicyInfo {
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
    PolicyInfo::new(source, path, loaded.policy.text())
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

/// One policy's share of a run: the plans it judged and the access model built from them.
pub struct PolicyRun {
    pub policy: PolicyInfo,
    pub plans: Vec<DeploymentPlan>,
    pub model: access::AccessModel,
}

/// Everything a run judged, before it becomes a [`Report`].
pub struct Judged<'a> {
    /// One entry per policy, in order of first appearance; the first is the report's `policy`.
    pub groups: &'a [PolicyRun],
    /// The findings of each group, in the order of `groups`.
    pub findings: Vec<Vec<Finding>>,
    pub rules: Vec<RuleInfo>,
    pub context: &'a arm::DeploymentContext,
    /// What `--live` read from the tenant, for the rows' real ids.
    pub live: Option<&'a access::live::LiveFacts>,
}

/// Builds the report: templates, identities and the identity → role → scope rows come from each
/// group's access model; the plan view is redacted.
pub fn build_report(judged: Judged<'_>, fail_on: Severity, with_plan: bool) -> Report {
    let groups = judged.groups;
    let first_policy = groups.first().map_or_else(
        || policy_info(&policy::Policy::embedded_default(), None),
        |g| g.policy.clone(),
    );
    let mut context = ContextInfo::from(judged.context);
    context.live = judged.live.map(crate::live::info);
    let mut input = ReportInput::new(first_policy, context);
    input.fail_on = fail_on;
    input.rules = judged.rules;
    for (index, findings) in judged.findings.into_iter().enumerate() {
        input
            .finding_policies
            .extend(std::iter::repeat_n(index, findings.len()));
        input.findings.extend(findings);
    }
    input.policies = groups
        .iter()
        .map(|g| PolicyGroup {
            policy: g.policy.clone(),
            templates: g.plans.iter().map(|p| p.template.clone()).collect(),
        })
        .collect();
    input.templates = groups
        .iter()
        .flat_map(|g| &g.plans)
        .map(|plan| TemplateInfo {
            path: plan.template.clone(),
            parameter_files: plan.parameter_files.clone(),
            digest: std::fs::read(&plan.template)
                .ok()
                .map(|bytes| format!("sha256:{}", report::sha256_hex(&bytes))),
            resources: plan.resources.len(),
            // Report::new links each template to its entry in `policies`.
            policy: None,
        })
        .collect();
    input.identities = merge_identity_rows(groups.iter().flat_map(|g| identities(&g.model)));
    input.grants = groups
        .iter()
        .enumerate()
        .flat_map(|(index, g)| {
            grants(&g.model).into_iter().map(move |row| GrantRow {
                policy: Some(index),
                ..row
            })
        })
        .collect();
    if let Some(facts) = judged.live {
        crate::live::enrich_rows(&mut input.identities, &mut input.grants, facts);
    }
    if with_plan {
        input.plan = Some(plan_view(groups));
    }
    Report::new(input)
}

/// Identity rows of several groups: an identity several groups refer to (a shared user-assigned
/// identity) is one row listing every workload that uses it.
fn merge_identity_rows(rows: impl Iterator<Item = IdentityRow>) -> Vec<IdentityRow> {
    let mut out: Vec<IdentityRow> = Vec::new();
    for row in rows {
        match out.iter_mut().find(|r| r.id.eq_ignore_ascii_case(&row.id)) {
            Some(existing) => {
                for workload in row.workloads {
                    if !existing.workloads.contains(&workload) {
                        existing.workloads.push(workload);
                    }
                }
            }
            None => out.push(row),
        }
    }
    out
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
            display: if workload.name.contains('{') {
                rules::reviewer_words::system_identity_display(model, &workload.id)
            } else {
                format!("{} (system-assigned)", short_name(&workload.name))
            },
            kind: IdentityKind::SystemAssigned,
            workloads: vec![workload.id.as_str().to_string()],
            // A system-assigned principal id only exists once Azure creates the identity.
            principal_id: None,
            client_id: None,
            location: Some(workload.location.clone()),
        });
    }
    for identity in &model.identities {
        out.push(IdentityRow {
            id: identity.id.as_str().to_string(),
            display: rules::reviewer_words::user_identity_display(model, &identity.id),
            kind: IdentityKind::UserAssigned,
            workloads: identity
                .attached_to
                .iter()
                .map(|w| w.as_str().to_string())
                .collect(),
            principal_id: None,
            client_id: None,
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
            // The key keeps the provenance (JSON `identity`); the display is in a reviewer's words.
            let display = rules::reviewer_words::identity_display(model, p);
            let (kind, identity) = match p.kind {
                PrincipalKind::SystemAssigned => (
                    "system-assigned",
                    system_identity_key(resource.as_deref().unwrap_or("?")),
                ),
                PrincipalKind::UserAssigned => (
                    "user-assigned",
                    resource.clone().unwrap_or_else(|| p.provenance.clone()),
                ),
                PrincipalKind::External => (
                    "external",
                    p.id.clone().unwrap_or_else(|| p.provenance.clone()),
                ),
                PrincipalKind::Parameter => (
                    "parameter",
                    format!("parameter '{}'", p.parameter.as_deref().unwrap_or("?")),
                ),
                PrincipalKind::Unresolved => ("unresolved", p.provenance.clone()),
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
                policy: None,
                assignment_id: None,
            }
        })
        .collect()
}

/// What `--format json` shows of the plans: resources and deployments without their evaluated
/// bodies, parameters without values (they may be secrets), plus the access model (with several
/// policy groups, their models' lists joined); every string passes through the credential redactor.
fn plan_view(groups: &[PolicyRun]) -> serde_json::Value {
    use serde_json::json;
    let plans: Vec<serde_json::Value> = groups
        .iter()
        .flat_map(|g| &g.plans)
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
    let access = groups
        .iter()
        .map(|g| serde_json::to_value(&g.model).unwrap_or(serde_json::Value::Null))
        .reduce(join_models)
        .unwrap_or(serde_json::Value::Null);
    let mut view = json!({
        "deployments": plans,
        "access": access,
    });
    redact_strings(&mut view);
    view
}

/// Joins two serialized access models: list fields are concatenated, other fields keep the first
/// model's value (the version), so the view keeps the access-model shape.
fn join_models(mut into: serde_json::Value, other: serde_json::Value) -> serde_json::Value {
    if let (Some(into_map), serde_json::Value::Object(other_map)) = (into.as_object_mut(), other) {
        for (key, value) in other_map {
            match (into_map.get_mut(&key), value) {
                (Some(serde_json::Value::Array(list)), serde_json::Value::Array(more)) => {
                    list.extend(more)
                }
                (None, value) => {
                    into_map.insert(key, value);
                }
                _ => {}
            }
        }
    }
    into
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

/// The section at the top of the Markdown when the pull request changes a policy file that
/// judged (compared with `--policy-ref` or the PR's target branch); empty otherwise.
fn policy_change_note(choices: &[PolicyChoice], policy_ref: Option<&str>) -> String {
    use crate::commands::policy_change as pc;
    let Some(base) = pc::base_ref(policy_ref) else {
        return String::new();
    };
    let files: Vec<PathBuf> = choices
        .iter()
        .filter_map(|c| match &c.loaded.source {
            policy::PolicySource::File(path) => Some(path.clone()),
            policy::PolicySource::Embedded(_) => None,
        })
        .collect();
    match pc::compare(&base, &files) {
        Ok(changes) => {
            for change in &changes {
                eprintln!(
                    "warning: this change {} the policy {} ({} effects that weaken the gate; see the report)",
                    if change.added { "adds" } else { "modifies" },
                    change.path,
                    change.effects.len()
                );
            }
            pc::markdown(&base, &changes, policy_ref.is_some())
        }
        Err(why) => {
            eprintln!("warning: {why}");
            format!("> [!NOTE]\n> {why}\n\n")
        }
    }
}

/// Posts the report to the pull request (`--publish`): a failure is a warning, never a change of
/// the exit code.
fn publish_report(
    report: &Report,
    args: &CheckArgs,
    service: crate::args::PublishService,
    policy_note: &str,
) {
    let markdown = policy_note.to_string()
        + &report::markdown::render(
            report,
            &MarkdownOptions {
                full_report: args.markdown_artifact.clone(),
                ..MarkdownOptions::default()
            },
        );
    let doc = match publish::ReportDoc::parse(&report::json::render(report)) {
        Ok(doc) => doc,
        Err(e) => {
            eprintln!("warning: the report was not posted: {e}");
            return;
        }
    };
    let key = match &args.comment_key {
        Some(key) => publish::sanitize_key(key),
        None => publish::default_key(&doc),
    };
    let publication = publish::Publication {
        report: doc,
        markdown,
        key,
        run_time: publish::now_utc(),
    };
    crate::commands::publish::post(
        service,
        &publication,
        &crate::commands::publish::PostOptions {
            logging_commands: true,
            // Only the text report shares stdout with the logging commands; any machine-readable
            // format keeps stdout to itself.
            logging_to_stderr: args.format != OutputFormat::Text,
            ..Default::default()
        },
    );
}

/// Writes stdout and every requested file; returns the exit code of the verdict.
pub fn emit(report: &Report, args: &CheckArgs, sources: &SourceCache) -> anyhow::Result<u8> {
    emit_with_note(report, args, sources, "")
}

/// [`emit`], with `note` (the policy-change section) at the top of the Markdown.
pub fn emit_with_note(
    report: &Report,
    args: &CheckArgs,
    sources: &SourceCache,
    note: &str,
) -> anyhow::Result<u8> {
    let markdown_options = MarkdownOptions {
        full_report: args.markdown_artifact.clone(),
        source_link: crate::bicep::source_link_from_env(|k| std::env::var(k).ok()),
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
        write(
            path,
            &(note.to_string() + &report::markdown::render(report, &markdown_options)),
        )?;
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
