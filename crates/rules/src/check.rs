//! The check run: every rule over the model, then the policy's severities and exceptions.

use access::AccessModel;
use arm::plan::DeploymentPlan;
use policy::{Level, Policy, UnresolvedMode};

use crate::context::{CheckOptions, Cx};
use crate::finding::{Finding, Severity, Suppression};
use crate::registry::{lookup, RuleMeta};

/// One rule's check: reads the context, appends findings with the rule's default severity.
type CheckFn = fn(&Cx, &mut Vec<Finding>);

/// Every rule with its check, in catalogue order.
fn checks() -> [(&'static RuleMeta, CheckFn); 33] {
    use crate::{
        evaluation as ev, identity as mi, live as lv, role_assignment as ra, secrets as sc,
    };
    [
        (
            &mi::workload_without_identity::RULE,
            mi::workload_without_identity::check,
        ),
        (
            &mi::identity_used_but_not_attached::RULE,
            mi::identity_used_but_not_attached::check,
        ),
        (
            &mi::invalid_identity_shape::RULE,
            mi::invalid_identity_shape::check,
        ),
        (
            &mi::identity_kind_mismatch::RULE,
            mi::identity_kind_mismatch::check,
        ),
        (
            &mi::shared_user_assigned_identity::RULE,
            mi::shared_user_assigned_identity::check,
        ),
        (
            &mi::connector_without_mi_support::RULE,
            mi::connector_without_mi_support::check,
        ),
        (&mi::audience_mismatch::RULE, mi::audience_mismatch::check),
        (
            &mi::oauth_connection_where_mi_possible::RULE,
            mi::oauth_connection_where_mi_possible::check,
        ),
        (&ra::missing_grant::RULE, ra::missing_grant::check),
        (&ra::privileged_role::RULE, ra::privileged_role::check),
        (&ra::scope_too_broad::RULE, ra::scope_too_broad::check),
        (
            &ra::grant_not_in_policy::RULE,
            ra::grant_not_in_policy::check,
        ),
        (
            &ra::broader_role_than_needed::RULE,
            ra::broader_role_than_needed::check,
        ),
        (
            &ra::hardcoded_principal::RULE,
            ra::hardcoded_principal::check,
        ),
        (
            &ra::principal_type_missing::RULE,
            ra::principal_type_missing::check,
        ),
        (
            &ra::unstable_assignment_name::RULE,
            ra::unstable_assignment_name::check,
        ),
        (&ra::duplicate_grant::RULE, ra::duplicate_grant::check),
        (&ra::unknown_role::RULE, ra::unknown_role::check),
        (
            &ra::grant_to_unused_identity::RULE,
            ra::grant_to_unused_identity::check,
        ),
        (&sc::secret_in_template::RULE, sc::secret_in_template::check),
        (
            &sc::secret_parameter_not_secure::RULE,
            sc::secret_parameter_not_secure::check,
        ),
        (
            &sc::secure_data_missing::RULE,
            sc::secure_data_missing::check,
        ),
        (
            &sc::key_based_auth_where_mi_possible::RULE,
            sc::key_based_auth_where_mi_possible::check,
        ),
        (&ev::unresolved_grant::RULE, ev::unresolved_grant::check),
        (
            &ev::unresolved_condition::RULE,
            ev::unresolved_condition::check,
        ),
        (&ev::template_error::RULE, ev::template_error::check),
        (
            &ev::unresolved_call_target::RULE,
            ev::unresolved_call_target::check,
        ),
        (&lv::stale_assignment::RULE, lv::stale_assignment::check),
        (&lv::identity_drift::RULE, lv::identity_drift::check),
        (
            &lv::assignment_conflict::RULE,
            lv::assignment_conflict::check,
        ),
        (
            &lv::out_of_policy_existing_grant::RULE,
            lv::out_of_policy_existing_grant::check,
        ),
        (
            &lv::permissive_custom_role::RULE,
            lv::permissive_custom_role::check,
        ),
        (&lv::live_check_failed::RULE, lv::live_check_failed::check),
    ]
}

/// Runs every rule over the model and plans, and applies the policy: severity overrides (`off`
/// drops a rule), the `unresolved` mode for EV001/EV002/EV004, and exceptions (a covering exception in
/// force marks the finding suppressed; an expired one no longer applies and is reported as a note).
/// Each finding is given the planned resource its location lies in ([`Finding::resource`]).
/// Findings come back ordered by file, line, column and rule.
pub fn check(
    model: &AccessModel,
    plans: &[DeploymentPlan],
    policy: &Policy,
    options: &CheckOptions<'_>,
) -> Vec<Finding> {
    let cx = Cx::new(model, plans, policy, *options);
    let mut findings = Vec::new();
    for (rule, run) in checks() {
        let Some(mut severity) = severity_for(policy, rule) else {
            continue;
        };
        // `--live-errors warn`: reads that failed are reported without failing the gate.
        if rule.id == crate::live::live_check_failed::RULE.id
            && severity == Severity::Error
            && options.live.is_some_and(|l| l.errors_are_warnings)
        {
            severity = Severity::Warning;
        }
        let start = findings.len();
        run(&cx, &mut findings);
        for f in &mut findings[start..] {
            // A rule may lower one finding below its default (MI006 where nothing better than a
            // well-kept secret is possible); the policy's level for the rule still caps it.
            f.severity = if f.severity < rule.default_severity {
                f.severity.min(severity)
            } else {
                severity
            };
        }
    }
    apply_exceptions(policy, options, &mut findings);
    // After exceptions, which match on the subject only: the context never changes what is suppressed.
    crate::resource_context::attach(plans, &mut findings);
    // The message is part of the order so that identical findings (one template run with two
    // parameter files finds the same thing twice) end up side by side for `dedup`.
    findings.sort_by(|a, b| {
        (
            &a.location.file,
            a.location.line,
            a.location.column,
            &a.rule,
            &a.message,
        )
            .cmp(&(
                &b.location.file,
                b.location.line,
                b.location.column,
                &b.rule,
                &b.message,
            ))
    });
    findings.dedup();
    findings
}

/// The severity a rule runs at under this policy, or `None` when it is off.
/// The severity `policy` gives `rule` (`None`: turned off). For rules a caller raises outside the
/// access model, such as EV005 (unused inline suppression, found by reading the Bicep source).
pub fn severity_for(policy: &Policy, rule: &RuleMeta) -> Option<Severity> {
    let default = match rule.default_severity {
        Severity::Error => Level::Error,
        Severity::Warning => Level::Warning,
        Severity::Note => Level::Note,
    };
    // The `unresolved` mode decides EV001 (fail closed by default) and whether EV002 and EV004
    // are shown.
    let default = match (rule.id, policy.unresolved().value) {
        (_, UnresolvedMode::Ignore) if matches!(rule.id, "EV001" | "EV002" | "EV004") => Level::Off,
        ("EV001", UnresolvedMode::Warn) => Level::Warning,
        _ => default,
    };
    match policy.severity_for(rule.id, default) {
        Level::Error => Some(Severity::Error),
        Level::Warning => Some(Severity::Warning),
        Level::Note => Some(Severity::Note),
        Level::Off => None,
    }
}

/// Marks findings covered by an exception in force; reports expired exceptions that would have
/// covered a finding.
fn apply_exceptions(policy: &Policy, options: &CheckOptions<'_>, findings: &mut Vec<Finding>) {
    let mut notes = Vec::new();
    for f in findings.iter_mut() {
        let role = f.subject.role.as_deref().map(policy::RoleRef::from_text);
        let subject = policy::Subject {
            workload: f.subject.workload.as_deref(),
            identity: f.subject.identity.as_deref(),
            role,
            scope: f.subject.scope.as_deref(),
        };
        if let Some(e) = policy.exception_for(&f.rule, &subject, options.today) {
            f.suppressed = Some(Suppression {
                reason: e.reason.clone(),
                owner: e.owner.clone(),
                expires: e.expires.to_string(),
                location: e.location.clone(),
                directive: None,
            });
            continue;
        }
        for e in policy.exceptions() {
            if e.is_expired(options.today) && e.covers(&f.rule, &subject) {
                f.labels.push(crate::finding::Label {
                    location: e.location.clone(),
                    message: format!(
                        "an exception (owner {}) covered this until {}; it has expired",
                        e.owner, e.expires
                    ),
                });
                let name = lookup(&f.rule).map(|r| r.name).unwrap_or_default();
                let note = Finding {
                    rule: f.rule.clone(),
                    name: name.to_string(),
                    severity: Severity::Note,
                    message: format!(
                        "the policy exception for {} owned by {} expired on {} and no longer applies (reason given: {})",
                        f.rule, e.owner, e.expires, e.reason
                    ),
                    location: e.location.clone(),
                    labels: Vec::new(),
                    fix: Some("renew the exception with a new expiry date, or fix the finding it covered".to_string()),
                    subject: f.subject.clone(),
                    suppressed: None,
                    resource: None,
                };
                if !notes.contains(&note) {
                    notes.push(note);
                }
            }
        }
    }
    findings.extend(notes);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::*;

    fn contributor_model() -> AccessModel {
        secret_reader_granted(CONTRIBUTOR, SUBSCRIPTION)
    }

    fn run(m: &AccessModel, p: &Policy) -> Vec<Finding> {
        check(m, &[], p, &CheckOptions::new(today(), catalogue()))
    }

    fn ids(f: &[Finding]) -> Vec<&str> {
        let mut v: Vec<&str> = f.iter().map(|f| f.rule.as_str()).collect();
        v.sort();
        v.dedup();
        v
    }

    #[test]
    fn the_seed_mistake_gives_privileged_role_broad_scope_and_missing_grant() {
        let f = run(&contributor_model(), &default_policy());
        assert_eq!(ids(&f), ["RA001", "RA002", "RA003", "SC003"]);
        assert!(f.iter().all(|f| f.suppressed.is_none()));
    }

    #[test]
    fn severity_overrides_apply_and_off_drops_the_rule() {
        let p = policy("version: 1\nseverity:\n  RA003: warning\n  SC003: off\n");
        let f = run(&contributor_model(), &p);
        assert_eq!(ids(&f), ["RA001", "RA002", "RA003"]);
        let ra003 = f.iter().find(|f| f.rule == "RA003").map(|f| f.severity);
        assert_eq!(ra003, Some(Severity::Warning));
    }

    #[test]
    fn exceptions_in_force_suppress_and_expired_ones_are_reported() {
        let live = policy("version: 1\nexceptions:\n  - rule: RA002\n    workload: recon\n    reason: migration\n    owner: team-pay\n    expires: 2099-01-01\n");
        let f = run(&contributor_model(), &live);
        let ra002 = f.iter().find(|f| f.rule == "RA002");
        assert!(ra002
            .and_then(|f| f.suppressed.as_ref())
            .is_some_and(|s| s.owner == "team-pay"));

        let expired = policy("version: 1\nexceptions:\n  - rule: RA002\n    workload: recon\n    reason: migration\n    owner: team-pay\n    expires: 2020-01-01\n");
        let f = run(&contributor_model(), &expired);
        let ra002: Vec<&Finding> = f.iter().filter(|f| f.rule == "RA002").collect();
        assert_eq!(ra002.len(), 2, "the finding plus the expiry note");
        assert!(ra002.iter().all(|f| f.suppressed.is_none()));
        assert!(ra002
            .iter()
            .any(|f| f.severity == Severity::Note && f.message.contains("expired on 2020-01-01")));
    }

    #[test]
    fn unresolved_mode_sets_ev001() {
        let mut m = model();
        let mut p = external_principal("x");
        p.kind = access::PrincipalKind::Unresolved;
        m.grants.push(grant(KV_SECRETS_USER, RG, p));
        let sev = |text: &str| {
            run(&m, &policy(text))
                .iter()
                .find(|f| f.rule == "EV001")
                .map(|f| f.severity)
        };
        assert_eq!(sev("version: 1\n"), Some(Severity::Error));
        assert_eq!(
            sev("version: 1\nunresolved: warn\n"),
            Some(Severity::Warning)
        );
        assert_eq!(sev("version: 1\nunresolved: ignore\n"), None);
    }

    #[test]
    fn findings_are_given_their_planned_resource_and_exceptions_still_apply() {
        // A plan whose declarations sit where the test model's grant (/resources/2) and workload
        // (/resources/0) are declared.
        let template = serde_json::json!({
            "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
            "languageVersion": "2.0",
            "resources": {
                "recon": {"type": "Microsoft.Logic/workflows", "apiVersion": "2019-05-01", "name": "recon"},
                "vault": {"type": "Microsoft.KeyVault/vaults", "apiVersion": "2023-07-01", "name": "kv1"},
                "contributorGrant": {"type": "Microsoft.Authorization/roleAssignments", "apiVersion": "2022-04-01",
                    "name": "5f0c1d9e-0000-4000-8000-000000000001", "properties": {}}
            }
        });
        let template = template.to_string();
        let doc = arm::Document::parse(std::path::Path::new("main.json"), &template);
        let plan = doc.ok().and_then(|d| {
            arm::expand::expand_document(std::sync::Arc::new(d), &Default::default()).ok()
        });
        let Some(mut plan) = plan else {
            panic!("the test template expands");
        };
        // Symbolic resources are keyed by name; the test model points at array indexes.
        for (i, r) in plan.resources.iter_mut().enumerate() {
            r.location.pointer = format!("/resources/{i}");
        }
        let live = policy("version: 1\nexceptions:\n  - rule: RA002\n    workload: recon\n    reason: migration\n    owner: team-pay\n    expires: 2099-01-01\n");
        let options = CheckOptions::new(today(), catalogue());
        let without = check(&contributor_model(), &[], &live, &options);
        let with = check(&contributor_model(), &[plan], &live, &options);
        let ra002 = |f: &[Finding]| f.iter().find(|f| f.rule == "RA002").cloned();
        let (Some(before), Some(after)) = (ra002(&without), ra002(&with)) else {
            panic!("RA002 in both runs");
        };
        assert_eq!(before.resource, None, "no plans, no context");
        assert_eq!(
            after.suppressed, before.suppressed,
            "exceptions are unaffected"
        );
        let context = after.resource.expect("the grant's declaration is planned");
        assert_eq!(context.symbol.as_deref(), Some("contributorGrant"));
        // Apart from the context, the findings are the same.
        let strip = |mut f: Vec<Finding>| {
            f.iter_mut().for_each(|f| f.resource = None);
            f
        };
        assert_eq!(strip(with), without);
    }

    #[test]
    fn every_registered_rule_has_a_check() {
        let ids: Vec<&str> = checks().iter().map(|(r, _)| r.id).collect();
        // EV005 is raised by the caller that reads the Bicep source, not from the access model.
        let raised_elsewhere = [crate::evaluation::unused_suppression::RULE.id];
        let registered: Vec<&str> = crate::registry()
            .iter()
            .map(|r| r.id)
            .filter(|id| !raised_elsewhere.contains(id))
            .collect();
        assert_eq!(ids, registered);
    }

    #[test]
    fn one_template_run_twice_reports_each_finding_once() {
        // dev and prod parameter files: the same workflow, without an identity, planned twice.
        let mut m = model();
        let mut dev = workflow("recon", None);
        dev.usages.clear();
        let mut prod = dev.clone();
        prod.source = 1;
        m.workloads.extend([dev, prod]);
        let findings = run(&m, &default_policy());
        let rules: Vec<&str> = findings.iter().map(|f| f.rule.as_str()).collect();
        assert_eq!(rules, ["MI001"], "{findings:#?}");
    }
}
