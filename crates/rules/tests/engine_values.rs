//! Issue 11, engine-side classes of the second reviewer sample: values the engine read wrongly,
//! each with a small template of its own under `tests/fixtures/engine/`, checked end to end
//! (expand, model, rules).
//!
//! - T: a principal that is an element of an array parameter is a parameter principal (RA006),
//!   not an unresolved one (EV001), and one finding stands for a loop of unknown length.
//! - U: a custom role the template declares, named from a value known only at deployment, is that
//!   role (judged by its permissions), not an unknown one.
//! - Y: the principal id of an identity the deployment creates is never empty: conditions on
//!   `empty()` or `length()` of it are decided.
//! - Z: each parameter given `GEN-UNIQUE-N` names its own resource.

mod common;

use access::{PrincipalKind, RoleSource};
use common::{check_plans, default_policy, fixture_plan, of};
use policy::Policy;

const GUID_A: &str = "6a3c1e2d-1111-4222-8333-944455556666";
const GUID_B: &str = "0d0c0b0a-1111-2222-3333-444455556666";
const GUID_C: &str = "3f6c2b8e-9a41-4d7e-b5c0-8e2f1a7d4c93";

struct Run {
    plans: Vec<arm::plan::DeploymentPlan>,
    model: access::AccessModel,
    findings: Vec<rules::Finding>,
}

/// `tests/fixtures/engine/<name>` expanded with `options`, checked under `policy`.
fn run_with(name: &str, options: arm::ExpandOptions, policy: &Policy) -> Run {
    let plans = vec![fixture_plan(&format!("engine/{name}"), &options)];
    let (model, findings) = check_plans(&plans, policy);
    Run {
        plans,
        model,
        findings,
    }
}

fn run(name: &str) -> Run {
    run_with(name, arm::ExpandOptions::default(), &default_policy())
}

// ---- T: elements of array parameters ------------------------------------------------------------

#[test]
fn t_an_element_of_an_array_parameter_is_a_parameter_principal_like_a_scalar_one() {
    let r = run("array-parameter-principals.json");
    assert!(of(&r.findings, "EV001").is_empty(), "{:#?}", r.findings);
    let ra006 = of(&r.findings, "RA006");
    assert_eq!(ra006.len(), 3, "{ra006:#?}");
    let message = |needle: &str| {
        ra006
            .iter()
            .find(|f| f.message.contains(needle))
            .unwrap_or_else(|| panic!("no RA006 with {needle:?}: {ra006:#?}"))
    };
    message("given by parameter 'ownerPrincipalId'");
    // One finding per loop of unknown length, about each principal the deployer will list, and
    // no made-up instance index.
    let contributors = message("given by each element of parameter 'contributorPrincipals'");
    let readers = message("given by each element of parameter 'readers'");
    for f in [contributors, readers] {
        let resource = f.resource.as_ref().expect("resource context");
        assert_eq!(resource.copy_index, None, "{f:#?}");
        assert!(!f.message.contains("index 0"), "{}", f.message);
    }
    let grants: Vec<_> = r
        .model
        .grants
        .iter()
        .filter(|g| g.principal.parameter.as_deref() == Some("readers"))
        .collect();
    assert_eq!(grants.len(), 1);
    assert_eq!(grants[0].principal.kind, PrincipalKind::Parameter);
    assert!(grants[0].principal_is_each_of_parameter());
    // The plan says the loop's count is unknown.
    let copy = r.plans[0]
        .resources
        .iter()
        .find_map(|res| res.copy.as_ref().filter(|c| c.name == "contributors"))
        .expect("contributors loop");
    assert!(copy.count_unknown);
}

#[test]
fn t_given_elements_keep_their_parameter_origin_and_the_policy_allows_them_by_id() {
    let options = arm::ExpandOptions {
        overrides: vec![
            ("ownerPrincipalId".into(), serde_json::json!(GUID_A)),
            (
                "contributorPrincipals".into(),
                serde_json::json!([GUID_A, GUID_B]),
            ),
            (
                "readers".into(),
                serde_json::json!([{ "principalId": GUID_C }]),
            ),
        ],
        ..arm::ExpandOptions::default()
    };
    let r = run_with(
        "array-parameter-principals.json",
        options.clone(),
        &default_policy(),
    );
    assert!(of(&r.findings, "EV001").is_empty(), "{:#?}", r.findings);
    let ra006 = of(&r.findings, "RA006");
    // Owner, the contributors (one finding for the loop's two instances), the reader: each a
    // principal from a parameter, none "literal".
    assert_eq!(ra006.len(), 3, "{ra006:#?}");
    for f in &ra006 {
        assert!(!f.message.contains("literal"), "{}", f.message);
        assert!(f.message.contains("given by parameter '"), "{}", f.message);
    }
    assert!(ra006
        .iter()
        .any(|f| f.message.contains("given by parameter 'readers'")));
    let contributors = ra006
        .iter()
        .find(|f| {
            f.message
                .contains("given by parameter 'contributorPrincipals'")
        })
        .expect("contributors");
    assert_eq!(
        contributors.resource.as_ref().and_then(|r| r.instances),
        Some(2)
    );
    // Judged like `parameters('p')`: listing the ids in `external_principals` silences them.
    let policy = Policy::from_str(
        "allowed.yaml",
        &format!(
            "version: 1\nexternal_principals:\n  - id: {GUID_A}\n    reason: owners\n  - id: {GUID_B}\n    reason: operators\n  - id: {GUID_C}\n    reason: auditors\n"
        ),
    )
    .expect("policy");
    let allowed = run_with("array-parameter-principals.json", options, &policy);
    assert!(
        of(&allowed.findings, "RA006").is_empty(),
        "{:#?}",
        allowed.findings
    );
}

// ---- U: custom roles the template declares --------------------------------------------------------

#[test]
fn u_a_declared_custom_role_named_from_an_unknown_is_that_role() {
    let r = run("template-custom-role.json");
    let role_of = |name: &str| {
        r.model
            .grants
            .iter()
            .find(|g| {
                g.name_expression
                    .as_deref()
                    .is_some_and(|n| n.contains(name))
            })
            .unwrap_or_else(|| panic!("no grant named with {name}"))
            .role
            .clone()
    };
    // Named by a parameter with no value: the same `guid(parameters('imageRoleName'))`.
    let image = role_of("image-reader");
    assert_eq!(image.source, RoleSource::Template, "{image:#?}");
    // Named by `utcNow()` through a parameter default: the same unknown, so the same role.
    let builder = role_of("'builder'");
    assert_eq!(builder.source, RoleSource::Template, "{builder:#?}");
    // A role id no declaration is named by stays unknown.
    let elsewhere = role_of("elsewhere");
    assert_eq!(elsewhere.source, RoleSource::Unknown, "{elsewhere:#?}");

    // Only that last grant is unresolved.
    let ev001 = of(&r.findings, "EV001");
    assert_eq!(ev001.len(), 1, "{ev001:#?}");
    assert!(ev001[0].message.contains("role of"), "{}", ev001[0].message);
    assert_eq!(
        ev001[0].resource.as_ref().and_then(|c| c.name.as_deref()),
        r.model
            .grants
            .iter()
            .find(|g| g.role.source == RoleSource::Unknown)
            .map(|g| g.name.as_str())
    );
    // Their permissions are judged: the workflow's image listing is covered (no RA001), and the
    // role with `*` is broader than that call needs (RA005), named by what names it.
    assert!(of(&r.findings, "RA001").is_empty(), "{:#?}", r.findings);
    let ra005 = of(&r.findings, "RA005");
    assert_eq!(ra005.len(), 1, "{ra005:#?}");
    assert!(
        ra005[0]
            .message
            .contains("is granted the role named by utcNow() on resource group"),
        "{}",
        ra005[0].message
    );
}

// ---- Y: principal ids of declared identities are never empty ---------------------------------------

#[test]
fn y_empty_or_length_of_a_declared_identity_principal_is_decided() {
    let r = run("declared-principal-not-empty.json");
    let status = |deployment: &str, name_part: &str| {
        r.plans[0]
            .resources
            .iter()
            .find(|res| {
                res.resource_type
                    .eq_ignore_ascii_case("Microsoft.Authorization/roleAssignments")
                    && res.deployment == deployment
                    && res
                        .declared
                        .get("name")
                        .and_then(|n| n.as_str())
                        .is_some_and(|n| n.contains(name_part))
            })
            .unwrap_or_else(|| panic!("no assignment {name_part} in '{deployment}'"))
            .condition
            .clone()
    };
    // Through a module output of `reference(account, 'full').identity.principalId`, with the
    // account's identity given by a parameter default `{type: SystemAssigned}`.
    assert_eq!(
        status("aiServicesRoles", "'reader'"),
        arm::plan::ConditionStatus::Deployed
    );
    // `length()` of a user-assigned identity's principal id is 36.
    assert_eq!(status("", "'id-app'"), arm::plan::ConditionStatus::Deployed);
    // An identity whose type is not known may have no principal: still an assumption.
    assert!(matches!(
        status("", "'ai-maybe'"),
        arm::plan::ConditionStatus::Assumed { .. }
    ));
    let ev002 = of(&r.findings, "EV002");
    assert_eq!(ev002.len(), 1, "{ev002:#?}");
    // Said as what is unknown: whether it has a system-assigned identity, not "the deployed
    // state of" the account.
    assert!(
        ev002[0].message.contains(
            "depends on whether Microsoft.CognitiveServices/accounts/ai-maybe has a system-assigned identity"
        ),
        "{}",
        ev002[0].message
    );
}

// ---- Z: one stand-in per GEN-UNIQUE parameter -----------------------------------------------------

#[test]
fn z_two_parameters_given_gen_unique_name_two_resources() {
    let options = arm::ExpandOptions {
        parameter_files: vec![std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/engine/gen-unique/azuredeploy.parameters.json")],
        ..arm::ExpandOptions::default()
    };
    let r = run_with("gen-unique/azuredeploy.json", options, &default_policy());
    let names: Vec<&str> = r.model.workloads.iter().map(|w| w.name.as_str()).collect();
    assert_eq!(names.len(), 2, "{names:?}");
    assert_ne!(names[0], names[1]);
    for name in &names {
        assert_eq!(name.len(), 10, "{name}");
    }
    let mi001 = of(&r.findings, "MI001");
    assert_eq!(mi001.len(), 2, "{mi001:#?}");
    for name in names {
        assert_eq!(
            mi001
                .iter()
                .filter(|f| f.message.contains(&format!("'{name}'")))
                .count(),
            1,
            "{mi001:#?}"
        );
    }
}
