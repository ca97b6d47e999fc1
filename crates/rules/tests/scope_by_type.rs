//! Scopes judged by type and level (issue 11, classes A, C and S of the reviewer's sample): a
//! role assignment's scope whose *name* is known only at deployment is still a resource of a known
//! type at a known level, and is judged as such; EV001 is for scopes whose level or type is
//! unknown. Each class has a template under `tests/fixtures/scope/`, checked end to end.

mod common;

use access::{AccessModel, PrincipalKind, ScopeLevel};
use common::of;

fn run(fixture: &str) -> (AccessModel, Vec<rules::Finding>) {
    let plan = common::fixture_plan(&format!("scope/{fixture}"), &arm::ExpandOptions::default());
    common::check_plans(&[plan], &common::default_policy())
}

// Class A: a scope named by a parameter without value is still a typed resource.
#[test]
fn a_scope_named_by_a_parameter_is_judged_by_its_type_and_level() {
    let (model, f) = run("scope-named-by-parameter.json");
    let relay = model
        .grants
        .iter()
        .find(|g| g.scope.resource_type().as_deref() == Some("Microsoft.Relay/namespaces"))
        .expect("the grant on the Relay namespace");
    assert_eq!(relay.scope_level, ScopeLevel::Resource);
    let rg = model
        .grants
        .iter()
        .find(|g| g.role.name.as_deref() == Some("Contributor"))
        .expect("the grant on the resource group named by parameter");
    assert_eq!(rg.scope_level, ScopeLevel::ResourceGroup);

    // A subnet of a network named by parameter, in the legacy `…/providers/roleAssignments`
    // form with `properties.scope` built by `concat()`: a child resource of a known type.
    let subnet = model
        .grants
        .iter()
        .find(|g| g.role.name.as_deref() == Some("Network Contributor"))
        .expect("the grant on the subnet");
    assert_eq!(subnet.scope_level, ScopeLevel::ChildResource);
    assert_eq!(
        subnet.scope.resource_type().as_deref(),
        Some("Microsoft.Network/virtualNetworks/subnets")
    );
    assert!(
        f.iter().any(|x| x.message.contains(
            "'Network Contributor' on Microsoft.Network/virtualNetworks/subnets named by parameters 'vnetName' and 'subnetName'"
        )),
        "{f:#?}"
    );

    let ev001 = of(&f, "EV001");
    // Neither the namespace nor the resource group named by parameter is "unknown scope"...
    assert!(
        !ev001.iter().any(|x| x.message.contains("relay")
            || x.message.contains("rgName")
            || x.message.contains("subnet")),
        "{ev001:#?}"
    );
    // ...but a scope that is wholly a parameter is: its level is unknown.
    assert_eq!(ev001.len(), 1, "{ev001:#?}");
    assert!(
        ev001[0].message.contains("the scope of")
            && ev001[0].message.contains("parameter 'targetScope'"),
        "{ev001:#?}"
    );
    // The grants are judged: Owner on the namespace and Contributor on the group are reported,
    // and the namespace prints readably.
    let judged: Vec<&rules::Finding> = f
        .iter()
        .filter(|x| {
            x.message
                .contains("Microsoft.Relay/namespaces named by parameter 'relayNamespaceName'")
        })
        .collect();
    assert!(
        judged.iter().any(|x| x.message.contains("'Owner'")),
        "{f:#?}"
    );
    assert!(
        f.iter()
            .any(|x| x.rule.starts_with("RA")
                && x.message.contains("'Contributor' on resource group")),
        "{f:#?}"
    );
}

// Class C: scope and principal from sibling modules named from `utcNow()`.
#[test]
fn module_outputs_are_followed_when_module_names_are_unknown() {
    let (model, f) = run("module-outputs-named-by-utcnow.json");
    let g = model
        .grants
        .iter()
        .find(|g| g.role.name.as_deref() == Some("Storage Blob Data Contributor"))
        .expect("the grant in the assignments module");
    // The principal is the identity the `ai-…` module declares, not an unknown.
    assert_eq!(g.principal.kind, PrincipalKind::UserAssigned, "{g:#?}");
    assert!(g
        .principal
        .resource
        .as_ref()
        .is_some_and(|r| r.as_str().ends_with("/agent-identity")));
    // The scope is a storage account (the one the `dependencies-…` module declares).
    assert_eq!(g.scope_level, ScopeLevel::Resource);
    assert_eq!(
        g.scope.resource_type().as_deref(),
        Some("Microsoft.Storage/storageAccounts")
    );
    // A role-definition id under the storage account (named at deployment) still names its
    // role: Storage Blob Data Reader, not an unknown role.
    assert!(
        model
            .grants
            .iter()
            .any(|g| g.role.name.as_deref() == Some("Storage Blob Data Reader")),
        "{:#?}",
        model.grants
    );
    assert!(of(&f, "EV001").is_empty(), "{f:#?}");
    // No message names the assignment by `utcNow()`: its name is a guid of other inputs.
    assert!(
        !f.iter()
            .any(|x| x.message.contains("role assignment named by utcNow()")),
        "{f:#?}"
    );
}

// Class S: a subscription created by `Microsoft.Subscription/aliases` is a subscription.
#[test]
fn a_subscription_created_by_an_alias_is_a_subscription_and_the_role_is_what_is_unknown() {
    let (model, f) = run("subscription-from-alias.json");
    let g = model.grants.first().expect("the grant");
    assert_eq!(g.scope_level, ScopeLevel::Subscription);
    let ev001 = of(&f, "EV001");
    assert!(
        !ev001.iter().any(|x| x.message.contains("scope")),
        "{ev001:#?}"
    );
    // What the gate cannot judge is the role, which is not a built-in one.
    let ra010 = of(&f, "RA010");
    assert_eq!(ra010.len(), 1, "{f:#?}");
    assert!(
        ra010[0]
            .message
            .contains("48d15605-70a3-4676-bb6a-792f403786b5")
            && ra010[0].message.contains("subscription"),
        "{ra010:#?}"
    );
}
