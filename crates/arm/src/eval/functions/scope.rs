//! Scope functions: `resourceGroup`, `subscription`, `managementGroup`, `tenant`.

use super::super::EvalError;
use super::{f, Call, Def};
use crate::context::TargetScope;
use crate::value::{Object, Origin, Unknown, Value};

pub(super) const FUNCTIONS: &[Def] = &[
    f("resourcegroup", 0, 2, resource_group),
    f("subscription", 0, 1, subscription),
    f("managementgroup", 0, 1, management_group),
    f("tenant", 0, 0, tenant),
];

/// What an unknown deployment location says (`resourceGroup().location` without --location).
pub const LOCATION_NOT_GIVEN: &str = "the deployment location (not given: pass --location)";

fn not_evaluated(what: &str) -> Value {
    Value::Unknown(Unknown::new(Origin::NotEvaluated {
        what: what.to_string(),
    }))
}

fn obj(pairs: Vec<(&str, Value)>) -> Value {
    let mut o = Object::new();
    for (k, v) in pairs {
        o.insert(k.to_string(), v);
    }
    Value::Object(o)
}

fn resource_group(c: &Call<'_, '_>) -> Result<Value, EvalError> {
    let ctx = c.it.scope.context();
    if c.args.is_empty() && c.it.scope.target_scope() != TargetScope::ResourceGroup {
        return Err(c.err("resourceGroup() is only available when deploying to a resource group"));
    }
    let (sub, rg) = match c.args.len() {
        0 => (ctx.subscription_id.clone(), ctx.resource_group.clone()),
        1 => (ctx.subscription_id.clone(), c.str(0)?.to_string()),
        _ => (c.str(0)?.to_string(), c.str(1)?.to_string()),
    };
    let same = c.args.is_empty();
    Ok(obj(vec![
        (
            "id",
            Value::String(format!("/subscriptions/{sub}/resourceGroups/{rg}")),
        ),
        ("name", Value::String(rg)),
        ("type", Value::from("Microsoft.Resources/resourceGroups")),
        (
            "location",
            if same && ctx.is_placeholder("location") {
                // The placeholder is no fact: a template that branches or looks up on the
                // location must not fail (or pass) on 'westus'.
                not_evaluated(LOCATION_NOT_GIVEN)
            } else if same {
                Value::String(ctx.location.clone())
            } else {
                not_evaluated("location of another resource group")
            },
        ),
        // The live resource group's tags: not part of the deployment context.
        (
            "tags",
            not_evaluated("tags of the resource group (read from Azure at deployment)"),
        ),
        (
            "properties",
            obj(vec![("provisioningState", Value::from("Succeeded"))]),
        ),
    ]))
}

fn subscription(c: &Call<'_, '_>) -> Result<Value, EvalError> {
    let ctx = c.it.scope.context();
    if c.args.is_empty()
        && matches!(
            c.it.scope.target_scope(),
            TargetScope::ManagementGroup | TargetScope::Tenant
        )
    {
        return Err(c.err(
            "subscription() is only available when deploying to a subscription or resource group",
        ));
    }
    let sub = match c.args.first() {
        Some(_) => c.str(0)?.to_string(),
        None => ctx.subscription_id.clone(),
    };
    Ok(obj(vec![
        ("id", Value::String(format!("/subscriptions/{sub}"))),
        ("subscriptionId", Value::String(sub)),
        ("tenantId", Value::String(ctx.tenant_id.clone())),
        ("displayName", not_evaluated("subscription display name")),
    ]))
}

fn management_group(c: &Call<'_, '_>) -> Result<Value, EvalError> {
    let ctx = c.it.scope.context();
    let name = match c.args.first() {
        Some(_) => c.str(0)?.to_string(),
        None => {
            if c.it.scope.target_scope() != TargetScope::ManagementGroup {
                return Err(c.err(
                    "managementGroup() is only available when deploying to a management group",
                ));
            }
            ctx.management_group.clone()
        }
    };
    Ok(obj(vec![
        (
            "id",
            Value::String(format!(
                "/providers/Microsoft.Management/managementGroups/{name}"
            )),
        ),
        ("name", Value::String(name)),
        ("type", Value::from("Microsoft.Management/managementGroups")),
        (
            "properties",
            obj(vec![
                ("tenantId", Value::String(ctx.tenant_id.clone())),
                (
                    "displayName",
                    not_evaluated("management group display name"),
                ),
            ]),
        ),
    ]))
}

fn tenant(c: &Call<'_, '_>) -> Result<Value, EvalError> {
    let tid = c.it.scope.context().tenant_id.clone();
    Ok(obj(vec![
        ("id", Value::String(format!("/tenants/{tid}"))),
        ("tenantId", Value::String(tid)),
        ("countryCode", not_evaluated("tenant country code")),
        ("displayName", not_evaluated("tenant display name")),
    ]))
}

#[cfg(test)]
mod tests {
    use super::super::super::evaluate_string;
    use super::super::testing::{ok, TestScope};
    use crate::context::{DeploymentContext, TargetScope};
    use serde_json::json;

    #[test]
    fn resource_group_tags_are_the_live_groups_so_unknown() {
        // `resourceGroup().tags['env']` is no error: the tags are read from Azure at deployment.
        let v = ok("[resourceGroup().tags['env']]");
        assert!(v["$unknown"]
            .as_str()
            .is_some_and(|s| s.contains("tags of the resource group")));
    }

    #[test]
    fn scopes_come_from_the_context() {
        assert_eq!(
            ok("[resourceGroup().id]"),
            json!("/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rolegate-rg")
        );
        // The placeholder location is no fact: unknown until --location gives one.
        assert!(ok("[resourceGroup().location]")["$unknown"]
            .as_str()
            .is_some_and(|s| s.contains("--location")));
        let given = TestScope {
            context: DeploymentContext::builder()
                .location(Some("eastus".into()))
                .build(),
            ..TestScope::default()
        };
        assert_eq!(
            evaluate_string("[resourceGroup().location]", &given).map(|v| v.to_json()),
            Ok(json!("eastus"))
        );
        assert_eq!(
            ok("[subscription().subscriptionId]"),
            json!("00000000-0000-0000-0000-000000000000")
        );
        assert_eq!(
            ok("[tenant().id]"),
            json!("/tenants/00000000-0000-0000-0000-000000000000")
        );
        let scope = TestScope {
            context: DeploymentContext::builder()
                .subscription_id(Some("s1".into()))
                .management_group(Some("mg1".into()))
                .build(),
            target: Some(TargetScope::ManagementGroup),
            ..TestScope::default()
        };
        assert_eq!(
            evaluate_string("[managementGroup().id]", &scope).map(|v| v.to_json()),
            Ok(json!(
                "/providers/Microsoft.Management/managementGroups/mg1"
            ))
        );
        let e = evaluate_string("[resourceGroup()]", &scope).unwrap_err();
        assert!(e.message.contains("only available"));
        assert!(evaluate_string("[subscription()]", &scope).is_err());
    }
}
