//! The policy a pull request brings: `--policy-ref REF` reads the gate's policy as it is at a git
//! ref (`git show REF:path`), and the report says at the top when the pull request changes a
//! policy that judged it, with the effect (roles newly allowed, scopes widened, exceptions added,
//! rules switched off). Knowledge of policies lives here, not in the publishers.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{bail, Context as _};

/// Runs `git ARGS` in the working directory; `Ok(None)` when git ran and said no.
fn git(args: &[&str]) -> anyhow::Result<Option<Vec<u8>>> {
    let output = Command::new("git")
        .args(args)
        .output()
        .context("--policy-ref needs git on PATH")?;
    Ok(output.status.success().then_some(output.stdout))
}

/// Fails unless `rev` names a commit (a typo must not silently judge by nothing).
pub fn verify_ref(rev: &str) -> anyhow::Result<()> {
    if rev.starts_with('-') {
        bail!("--policy-ref '{rev}' is not a git ref");
    }
    match git(&["rev-parse", "--verify", "--quiet", &format!("{rev}^{{commit}}")])? {
        Some(_) => Ok(()),
        None => bail!(
            "--policy-ref '{rev}': no such commit in this repository (fetch it first, e.g. `git fetch origin {}`)",
            rev.trim_start_matches("origin/")
        ),
    }
}

/// `path` as git's `REV:./path` wants it: relative to the working directory.
fn git_path(path: &Path) -> String {
    let relative = std::env::current_dir()
        .ok()
        .and_then(|cwd| path.strip_prefix(&cwd).ok().map(Path::to_path_buf))
        .unwrap_or_else(|| path.to_path_buf());
    let text = relative.to_string_lossy().replace('\\', "/");
    format!("./{}", text.trim_start_matches("./"))
}

/// The text of `path` at `rev`, `None` when the file does not exist there.
pub fn show_at(rev: &str, path: &Path) -> anyhow::Result<Option<String>> {
    let spec = format!("{rev}:{}", git_path(path));
    if git(&["cat-file", "-e", &spec])?.is_none() {
        return Ok(None);
    }
    let bytes = git(&["show", &spec])?.with_context(|| format!("git show {spec} failed"))?;
    String::from_utf8(bytes)
        .map(Some)
        .with_context(|| format!("{spec} is not UTF-8"))
}

/// Loads the policy `path` as it is at `rev`; a file missing there is an error (fail closed).
pub fn load_at(rev: &str, path: &Path) -> anyhow::Result<policy::LoadedPolicy> {
    let text = show_at(rev, path)?.with_context(|| {
        format!(
            "--policy-ref {rev}: {} does not exist at {rev}",
            path.display()
        )
    })?;
    let name = format!("{rev}:{}", path.display());
    Ok(policy::LoadedPolicy {
        policy: policy::Policy::from_str(&name, &text)?,
        source: policy::PolicySource::File(path.to_path_buf()),
    })
}

/// The nearest `rolegate.yaml` of `template` as the tree is at `rev` (discovery at the ref, so a
/// pull request cannot add a weaker policy closer to its templates).
pub fn nearest_at(rev: &str, template: &Path) -> anyhow::Result<Option<PathBuf>> {
    let template = std::path::absolute(template).unwrap_or_else(|_| template.to_path_buf());
    let top = git(&["rev-parse", "--show-toplevel"])?
        .map(|b| PathBuf::from(String::from_utf8_lossy(&b).trim()))
        .context("--policy-ref: not inside a git repository")?;
    let mut dir = template.parent().map(Path::to_path_buf);
    while let Some(d) = dir {
        let candidate = d.join(policy::POLICY_FILE_NAME);
        let spec = format!("{rev}:{}", git_path(&candidate));
        if git(&["cat-file", "-e", &spec])?.is_some() {
            return Ok(Some(candidate));
        }
        if d == top || !d.starts_with(&top) {
            break;
        }
        dir = d.parent().map(Path::to_path_buf);
    }
    Ok(None)
}

/// The base to compare the policy with: `--policy-ref`, else the pull request's target branch
/// from GitHub Actions (`GITHUB_BASE_REF`) or Azure Pipelines (`SYSTEM_PULLREQUEST_TARGETBRANCH`).
pub fn base_ref(policy_ref: Option<&str>) -> Option<String> {
    if let Some(r) = policy_ref {
        return Some(r.to_string());
    }
    let var = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
    var("GITHUB_BASE_REF")
        .or_else(|| var("SYSTEM_PULLREQUEST_TARGETBRANCH"))
        .map(|b| format!("origin/{}", b.trim().trim_start_matches("refs/heads/")))
}

/// One policy file's change between the base and the working tree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyChange {
    pub path: String,
    /// Whether the file is new (absent at the base).
    pub added: bool,
    /// The effects that weaken the gate, one line each.
    pub effects: Vec<String>,
}

/// Compares each policy file with its text at `base`. Files that did not change are left out;
/// when the base cannot be read (a shallow clone), that is said instead of silently passing.
pub fn compare(base: &str, files: &[PathBuf]) -> Result<Vec<PolicyChange>, String> {
    if verify_ref(base).is_err() {
        return Err(format!(
            "cannot compare the policy with {base}: it is not in this clone (check out with fetch-depth: 0)"
        ));
    }
    let mut out = Vec::new();
    for path in files {
        let Ok(head_text) = std::fs::read_to_string(path) else {
            continue;
        };
        let base_text = show_at(base, path).map_err(|e| format!("{e:#}"))?;
        if base_text.as_deref() == Some(head_text.as_str()) {
            continue;
        }
        let name = path.display().to_string();
        let Ok(head) = policy::Policy::from_str(&name, &head_text) else {
            continue;
        };
        let base_policy = match &base_text {
            Some(text) => policy::Policy::from_str(&name, text).ok(),
            None => Some(policy::Policy::embedded_default().policy),
        };
        let effects = match base_policy {
            Some(b) => effects(&b, &head),
            None => vec!["the policy at the base does not parse; compare by hand".into()],
        };
        out.push(PolicyChange {
            path: name,
            added: base_text.is_none(),
            effects,
        });
    }
    Ok(out)
}

/// What `head` allows that `base` did not: the ways a policy change weakens the gate.
pub fn effects(base: &policy::Policy, head: &policy::Policy) -> Vec<String> {
    use policy::Level;
    let mut out = Vec::new();
    let lower = |s: &str| s.to_ascii_lowercase();
    let head_denied: Vec<String> = head.denied_roles().iter().map(|r| lower(&r.text)).collect();
    for role in base.denied_roles() {
        if !head_denied.contains(&lower(&role.text)) {
            out.push(format!(
                "role newly allowed: '{}' is no longer denied",
                role.text
            ));
        }
    }
    for w in head.workloads() {
        let before = base.workloads().iter().find(|b| b.name == w.name);
        let roles = |rule: Option<&policy::WorkloadRule>| -> Vec<String> {
            rule.and_then(|r| r.grants.as_ref())
                .map(|gs| {
                    gs.iter()
                        .flat_map(|g| g.roles.iter().map(|r| lower(&r.text)))
                        .collect()
                })
                .unwrap_or_default()
        };
        let scopes = |rule: Option<&policy::WorkloadRule>| -> Vec<policy::ScopeLevel> {
            rule.and_then(|r| r.grants.as_ref())
                .map(|gs| {
                    gs.iter()
                        .flat_map(|g| g.scopes.clone().unwrap_or_default())
                        .collect()
                })
                .unwrap_or_default()
        };
        let had = roles(before);
        let had_scopes = scopes(before);
        for g in w.grants.iter().flatten() {
            for role in &g.roles {
                if !had.contains(&lower(&role.text)) {
                    out.push(format!(
                        "role newly allowed: '{}' for workload '{}'",
                        role.text, w.name
                    ));
                }
            }
            for scope in g.scopes.iter().flatten() {
                if before.is_some() && !had_scopes.contains(scope) {
                    out.push(format!(
                        "scope widened: workload '{}' may be granted at {} scope",
                        w.name,
                        scope_name(*scope)
                    ));
                }
            }
        }
        if w.grants.is_none() && before.is_some_and(|b| b.grants.is_some()) {
            out.push(format!(
                "role newly allowed: workload '{}' no longer lists its grants (any role the other settings allow)",
                w.name
            ));
        }
    }
    let (b, h) = (base.max_scope_level().value, head.max_scope_level().value);
    if h < b {
        out.push(format!(
            "scope widened: max_scope {} → {}",
            scope_name(b),
            scope_name(h)
        ));
    }
    for e in head.exceptions() {
        let existed = base.exceptions().iter().any(|x| {
            x.rule == e.rule
                && x.owner == e.owner
                && x.expires == e.expires
                && x.reason == e.reason
                && x.workload.as_ref().map(|p| p.as_str())
                    == e.workload.as_ref().map(|p| p.as_str())
                && x.identity.as_ref().map(|p| p.as_str())
                    == e.identity.as_ref().map(|p| p.as_str())
                && x.role.as_ref().map(|r| &r.text) == e.role.as_ref().map(|r| &r.text)
                && x.scope.as_ref().map(|p| p.as_str()) == e.scope.as_ref().map(|p| p.as_str())
        });
        if !existed {
            let mut on = Vec::new();
            if let Some(p) = &e.workload {
                on.push(format!("workload '{}'", p.as_str()));
            }
            if let Some(p) = &e.identity {
                on.push(format!("identity '{}'", p.as_str()));
            }
            if let Some(r) = &e.role {
                on.push(format!("role '{}'", r.text));
            }
            if let Some(p) = &e.scope {
                on.push(format!("scope '{}'", p.as_str()));
            }
            let on = if on.is_empty() {
                String::new()
            } else {
                format!(" for {}", on.join(", "))
            };
            out.push(format!(
                "exception added: {}{on} (owner: {}, expires {}): {}",
                e.rule, e.owner, e.expires, e.reason
            ));
        }
    }
    let rank = |l: Level| match l {
        Level::Error => 3,
        Level::Warning => 2,
        Level::Note => 1,
        Level::Off => 0,
    };
    for meta in rules::registry() {
        let default = match meta.default_severity {
            rules::Severity::Error => Level::Error,
            rules::Severity::Warning => Level::Warning,
            _ => Level::Note,
        };
        let (b, h) = (
            base.severity_for(meta.id, default),
            head.severity_for(meta.id, default),
        );
        if rank(h) < rank(b) {
            if h == Level::Off {
                out.push(format!("rule switched off: {} ({})", meta.id, meta.name));
            } else {
                out.push(format!(
                    "rule downgraded: {} ({}) {} → {}",
                    meta.id,
                    meta.name,
                    b.as_str(),
                    h.as_str()
                ));
            }
        }
    }
    let (b, h) = (base.unresolved().value, head.unresolved().value);
    if b != h && b == policy::UnresolvedMode::Fail {
        out.push(format!(
            "unresolved values no longer fail the gate (unresolved: {})",
            match h {
                policy::UnresolvedMode::Warn => "warn",
                _ => "ignore",
            }
        ));
    }
    for p in head.external_principals() {
        if !base
            .external_principals()
            .iter()
            .any(|x| x.id.eq_ignore_ascii_case(&p.id))
        {
            out.push(format!(
                "external principal allowed: {} ({})",
                p.id, p.reason
            ));
        }
    }
    out
}

fn scope_name(level: policy::ScopeLevel) -> &'static str {
    use policy::ScopeLevel::*;
    match level {
        Tenant => "tenant",
        ManagementGroup => "management-group",
        Subscription => "subscription",
        ResourceGroup => "resource-group",
        Resource => "resource",
        ChildResource => "child-resource",
    }
}

/// The Markdown section at the top of the report.
pub fn markdown(base: &str, changes: &[PolicyChange], judged_at_ref: bool) -> String {
    let mut out = String::new();
    for change in changes {
        out.push_str(&format!(
            "> [!WARNING]\n> **This pull request {} the policy that judges it:** `{}` (compared with `{base}`).\n",
            if change.added { "adds" } else { "changes" },
            change.path
        ));
        if change.effects.is_empty() {
            out.push_str("> - no role, scope, exception or rule is weakened by the change\n");
        }
        for effect in &change.effects {
            out.push_str(&format!("> - {effect}\n"));
        }
        out.push_str(if judged_at_ref {
            "> \n> Judged by the policy at the base (`--policy-ref`): the change applies once merged.\n\n"
        } else {
            "> \n> Judged by the changed policy. Use `--policy-ref` to judge by the base branch's policy.\n\n"
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(text: &str) -> policy::Policy {
        policy::Policy::from_str("rolegate.yaml", text).unwrap()
    }

    #[test]
    fn lists_what_a_change_weakens() {
        let base =
            policy("version: 1\nmax_scope: resource-group\ndenied_roles: [Owner, Contributor]\n");
        let head = policy(
            "version: 1\nmax_scope: subscription\ndenied_roles: [Owner]\nseverity:\n  RA004: off\nexceptions:\n  - rule: RA002\n    workload: app-*\n    reason: migration\n    owner: alice@example.com\n    expires: 2027-01-31\n",
        );
        let text = effects(&base, &head).join("\n");
        assert!(
            text.contains("role newly allowed: 'Contributor' is no longer denied"),
            "{text}"
        );
        assert!(
            text.contains("scope widened: max_scope resource-group → subscription"),
            "{text}"
        );
        assert!(text.contains("exception added: RA002 for workload 'app-*' (owner: alice@example.com, expires 2027-01-31): migration"), "{text}");
        assert!(text.contains("rule switched off: RA004"), "{text}");
        assert!(effects(&head, &head).is_empty());
    }
}
