//! `rolegate policy`: validate, locate, show and describe policies; write a starting policy.

use std::path::{Path, PathBuf};

use access::{AccessModel, PrincipalKind, ResourceId};
use policy::{
    Date, Draft, DraftGrant, DraftWorkload, IdentityKind, LoadedPolicy, Policy, PolicyError,
    ScopeLevel,
};

use crate::args::{PolicyArgs, PolicyCommand, PolicyInitArgs};
use crate::{EXIT_BAD_INPUT, EXIT_OK};

/// Runs a `rolegate policy` subcommand.
pub fn run(args: PolicyArgs) -> anyhow::Result<u8> {
    match args.command {
        PolicyCommand::Validate(a) => Ok(validate(a.file.as_deref())),
        PolicyCommand::Which(a) => Ok(which(a.path.as_deref().unwrap_or(Path::new(".")))),
        PolicyCommand::Show(a) => Ok(show(&a.name)),
        PolicyCommand::Schema => {
            print!("{}", policy::schema::generate_text());
            Ok(EXIT_OK)
        }
        PolicyCommand::Init(a) => init(&a),
    }
}

fn init(args: &PolicyInitArgs) -> anyhow::Result<u8> {
    if args.template.is_dir() {
        anyhow::bail!(
            "{}: give one template file; policy init writes the policy for one deployment",
            args.template.display()
        );
    }
    let options = crate::inputs::options(&args.parameters, &args.context)?;
    let plan = crate::bicep::expand_file(&args.template, &options)?
        .map_err(|e| anyhow::anyhow!("{}: cannot expand: {e}", args.template.display()))?;
    let model = access::build(&plan, &access::RoleCatalogue::builtin());
    let draft = draft_from_model(
        &model,
        args.template.display().to_string(),
        Some(Date::today_utc()),
    );
    let text = draft.render();
    // What we write must be a policy we can read; a failure here is our bug, reported as such.
    if let Err(e) = Policy::from_str("generated policy", &text) {
        anyhow::bail!("policy init wrote an invalid policy (a rolegate bug):\n{e}");
    }
    if args.stdout {
        print!("{text}");
        return Ok(EXIT_OK);
    }
    let path = args
        .output
        .clone()
        .unwrap_or_else(|| default_init_path(&args.template));
    if path.exists() && !args.force {
        anyhow::bail!(
            "{} exists; use --force to overwrite or --stdout to print",
            path.display()
        );
    }
    std::fs::write(&path, text)
        .map_err(|e| anyhow::anyhow!("{}: cannot write: {e}", path.display()))?;
    eprintln!(
        "wrote {} ({} workloads, {} grants); review it before committing",
        path.display(),
        draft.workloads.len(),
        draft
            .workloads
            .iter()
            .map(|w| w.grants.len())
            .sum::<usize>()
    );
    Ok(EXIT_OK)
}

/// Resolves a `--policy` argument: `embedded:NAME` or a file path. Shared with `check`.
pub fn load_policy_arg(arg: &Path) -> Result<LoadedPolicy, PolicyError> {
    if let Some(name) = arg.to_str().and_then(|s| s.strip_prefix("embedded:")) {
        return Policy::embedded(name).ok_or_else(|| PolicyError::Io {
            file: arg.display().to_string(),
            message: format!(
                "no built-in policy named `{name}` (built-in: {})",
                policy::EMBEDDED_POLICIES.join(", ")
            ),
        });
    }
    Policy::load(arg)
}

fn report(result: Result<LoadedPolicy, PolicyError>) -> u8 {
    match result {
        Ok(loaded) => {
            println!("policy {} is valid", loaded.source);
            EXIT_OK
        }
        Err(error) => {
            eprintln!("{error}");
            EXIT_BAD_INPUT
        }
    }
}

fn validate(file: Option<&Path>) -> u8 {
    match file {
        Some(path) => report(load_policy_arg(path)),
        None => report(policy::discover(Path::new("."))),
    }
}

/// Prints the policy `check` would use for `path`. For a directory that is one line per template
/// when its templates resolve to different policies (`check` judges each by its nearest one).
fn which(path: &Path) -> u8 {
    let templates = if path.is_dir() {
        arm::discover::find_templates(path)
    } else {
        Vec::new()
    };
    if templates.is_empty() {
        return match policy::discover(path) {
            Ok(loaded) => {
                println!("{}", loaded.source);
                EXIT_OK
            }
            Err(error) => {
                eprintln!("{error}");
                EXIT_BAD_INPUT
            }
        };
    }
    // Each distinct file is loaded (and so validated) once, as `check` does.
    let mut loaded: Vec<(Option<PathBuf>, policy::PolicySource)> = Vec::new();
    let mut per_template = Vec::with_capacity(templates.len());
    for input in &templates {
        let nearest = policy::nearest_policy_file(&input.template);
        let source = match loaded.iter().find(|(key, _)| *key == nearest) {
            Some((_, source)) => source.clone(),
            None => {
                let result = match &nearest {
                    Some(file) => Policy::load(file),
                    None => Ok(Policy::embedded_default()),
                };
                match result {
                    Ok(policy) => {
                        loaded.push((nearest, policy.source.clone()));
                        policy.source
                    }
                    Err(error) => {
                        eprintln!("{error}");
                        return EXIT_BAD_INPUT;
                    }
                }
            }
        };
        per_template.push((input.template.display().to_string(), source));
    }
    match loaded.as_slice() {
        [(_, only)] => println!("{only}"),
        _ => {
            for (template, source) in per_template {
                println!("{template}: {source}");
            }
        }
    }
    EXIT_OK
}

fn show(name: &str) -> u8 {
    match name {
        "default" => print!("{}", policy::DEFAULT_POLICY),
        "strict" => print!("{}", policy::STRICT_POLICY),
        other => {
            eprintln!(
                "no built-in policy named `{other}` (built-in: {})",
                policy::EMBEDDED_POLICIES.join(", ")
            );
            return EXIT_BAD_INPUT;
        }
    }
    EXIT_OK
}

/// The policy's scope level for the access model's (`None` when the scope is unreadable).
fn scope_level(level: access::ScopeLevel) -> Option<ScopeLevel> {
    ScopeLevel::parse(level.as_str())
}

/// Type and name of a scope as the policy's `target` matches them.
fn target_of(scope: &ResourceId) -> (String, String) {
    let ty = scope.resource_type().unwrap_or_else(|| "?".to_owned());
    let name = match scope.level() {
        access::ScopeLevel::Resource | access::ScopeLevel::ChildResource => scope.full_name(),
        _ => scope.name().map(str::to_owned),
    };
    (ty, name.unwrap_or_else(|| scope.as_str().to_owned()))
}

/// What a starting policy needs from an access model: every workload with its identity kind and
/// the grants its identities hold, literal principals, shared identities, and what is unclear.
pub fn draft_from_model(model: &AccessModel, source: String, today: Option<Date>) -> Draft {
    let mut draft = Draft {
        source,
        today,
        ..Draft::default()
    };
    for w in &model.workloads {
        let identity = match (
            w.identity.system_assigned,
            w.identity.user_assigned.is_empty(),
        ) {
            (true, true) => Some(IdentityKind::System),
            (true, false) => Some(IdentityKind::Any),
            (false, false) => Some(IdentityKind::User),
            (false, true) => None,
        };
        let mut held: Vec<&access::Grant> = model
            .grants_to(PrincipalKind::SystemAssigned, &w.id)
            .collect();
        for uami in &w.identity.user_assigned {
            held.extend(model.grants_to(PrincipalKind::UserAssigned, uami));
        }
        let mut grants = Vec::new();
        for g in &held {
            let Some(level) = scope_level(g.scope_level) else {
                draft.notes.push(format!(
                    "grant `{}` ({}) has a scope only known at deployment: {}",
                    g.name, g.location, g.scope
                ));
                continue;
            };
            let (target_type, target_name) = target_of(&g.scope);
            grants.push(DraftGrant {
                role_name: g.role.name.clone(),
                role_id: g.role.id.clone(),
                target_type,
                target_name,
                scope_level: level,
            });
        }
        let missing = w
            .usages
            .iter()
            .filter(|u| u.identity.is_some() && !u.needs.is_empty())
            .filter_map(|u| {
                let target = u.target_resource.as_ref()?;
                let covered = held.iter().any(|g| target.is_at_or_under(&g.scope));
                (!covered).then(|| {
                    let mut needs = u.needs.data_actions.clone();
                    needs.extend(u.needs.actions.iter().cloned());
                    format!("{} calls {} ({})", u.action, target, needs.join(", "))
                })
            })
            .collect();
        draft.workloads.push(DraftWorkload {
            resource_type: w.resource_type.clone(),
            name: w.name.clone(),
            kind: w.kind.clone(),
            identity,
            grants,
            missing,
        });
    }
    for g in &model.grants {
        let role = g.role.name.as_deref().unwrap_or(&g.role.id);
        match g.principal.kind {
            PrincipalKind::External => {
                if let Some(id) = &g.principal.id {
                    draft
                        .external_principals
                        .push((id.clone(), format!("{role} on {}", g.scope)));
                }
            }
            PrincipalKind::Parameter
            | PrincipalKind::Unresolved
            | PrincipalKind::Deployer
            | PrincipalKind::Invalid => draft.notes.push(format!(
                "grant `{}` ({}) gives {role} to a principal not known before deployment: {}",
                g.name, g.location, g.principal.provenance
            )),
            PrincipalKind::SystemAssigned | PrincipalKind::UserAssigned => {}
        }
    }
    draft.external_principals.sort();
    draft
        .external_principals
        .dedup_by(|a, b| a.0.eq_ignore_ascii_case(&b.0));
    for identity in &model.identities {
        if identity.attached_to.len() > 1 {
            let users = identity
                .attached_to
                .iter()
                .map(|id| id.name().unwrap_or(id.as_str()).to_owned())
                .collect();
            draft.shared_identities.push((identity.name.clone(), users));
        }
    }
    draft
}

/// Where `policy init` writes by default: `rolegate.yaml` beside the template.
pub fn default_init_path(template: &Path) -> PathBuf {
    let dir = if template.is_dir() {
        template
    } else {
        template.parent().unwrap_or(Path::new("."))
    };
    dir.join(policy::POLICY_FILE_NAME)
}
