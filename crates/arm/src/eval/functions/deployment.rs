//! Deployment functions: `deployment`, `environment`, `parameters`, `variables`, `deployer`.

use super::super::EvalError;
use super::{f, Call, Def};
use crate::value::{Origin, Unknown, Value};

pub(super) const FUNCTIONS: &[Def] = &[
    f("deployment", 0, 0, |c| Ok(c.it.scope.deployment())),
    f("environment", 0, 0, |_| Ok(environment())),
    f("parameters", 1, 1, parameters),
    f("variables", 1, 1, variables),
    f("deployer", 0, 0, deployer),
    f("externalinputs", 1, 1, external_inputs),
    f("extensions", 1, 1, extensions),
];

/// `externalInputs('name')` in compiled `.bicepparam` files: supplied by a tool at deployment.
fn external_inputs(c: &Call<'_, '_>) -> Result<Value, EvalError> {
    Ok(Value::Unknown(Unknown::new(Origin::NotEvaluated {
        what: format!("external input '{}'", c.str(0)?),
    })))
}

/// `extensions('alias')` (Bicep extensions): their configuration is given at deployment.
fn extensions(c: &Call<'_, '_>) -> Result<Value, EvalError> {
    Ok(Value::Unknown(Unknown::new(Origin::NotEvaluated {
        what: format!("configuration of extension '{}'", c.str(0)?),
    })))
}

fn parameters(c: &Call<'_, '_>) -> Result<Value, EvalError> {
    let name = c.str(0)?;
    c.it.scope.parameter(name).map_err(|e| c.scope_err(e))
}

fn variables(c: &Call<'_, '_>) -> Result<Value, EvalError> {
    let name = c.str(0)?;
    c.it.scope.variable(name).map_err(|e| c.scope_err(e))
}

/// The identity running the deployment is only known at deployment time.
fn deployer(c: &Call<'_, '_>) -> Result<Value, EvalError> {
    let unknown = |what: &str| {
        Value::Unknown(Unknown::new(Origin::NotEvaluated {
            what: format!("deployer().{what}: the identity running the deployment"),
        }))
    };
    let mut o = crate::value::Object::new();
    o.insert("objectId".into(), unknown("objectId"));
    o.insert("userPrincipalName".into(), unknown("userPrincipalName"));
    o.insert(
        "tenantId".into(),
        Value::String(c.it.scope.context().tenant_id.clone()),
    );
    Ok(Value::Object(o))
}

/// `environment()` for global Azure (AzureCloud), as the documentation prints it.
pub(crate) fn environment() -> Value {
    Value::from_json(&serde_json::json!({
        "name": "AzureCloud",
        "gallery": "https://gallery.azure.com/",
        "graph": "https://graph.windows.net/",
        "portal": "https://portal.azure.com",
        "graphAudience": "https://graph.windows.net/",
        "activeDirectoryDataLake": "https://datalake.azure.net/",
        "batch": "https://batch.core.windows.net/",
        "media": "https://rest.media.azure.net",
        "sqlManagement": "https://management.core.windows.net:8443/",
        "vmImageAliasDoc": "https://raw.githubusercontent.com/Azure/azure-rest-api-specs/master/arm-compute/quickstart-templates/aliases.json",
        "resourceManager": "https://management.azure.com/",
        "authentication": {
            "loginEndpoint": "https://login.microsoftonline.com/",
            "audiences": ["https://management.core.windows.net/", "https://management.azure.com/"],
            "tenant": "common",
            "identityProvider": "AAD"
        },
        "suffixes": {
            "acrLoginServer": ".azurecr.io",
            "azureDatalakeAnalyticsCatalogAndJob": "azuredatalakeanalytics.net",
            "azureDatalakeStoreFileSystem": "azuredatalakestore.net",
            "azureFrontDoorEndpointSuffix": "azurefd.net",
            "keyvaultDns": ".vault.azure.net",
            "sqlServerHostname": ".database.windows.net",
            "storage": "core.windows.net"
        }
    }))
}

#[cfg(test)]
mod tests {
    use super::super::super::evaluate_string;
    use super::super::testing::{fails, ok, TestScope};
    use crate::value::Value;
    use serde_json::json;

    #[test]
    fn parameters_and_variables() {
        let mut scope = TestScope::default();
        scope.parameters.insert("p".into(), Value::from("x"));
        scope.variables.insert("v".into(), Value::Int(2));
        assert_eq!(
            evaluate_string("[parameters('p')]", &scope),
            Ok(Value::from("x"))
        );
        assert_eq!(
            evaluate_string("[variables('v')]", &scope),
            Ok(Value::Int(2))
        );
        let e = evaluate_string("[concat('a', parameters('nope'))]", &scope).unwrap_err();
        assert!(e.message.contains("nope"));
        assert_eq!(e.position, 14, "points at the parameters() call");
    }

    #[test]
    fn environment_is_global_azure() {
        assert_eq!(
            ok("[environment().suffixes.keyvaultDns]"),
            json!(".vault.azure.net")
        );
        assert_eq!(ok("[environment().name]"), json!("AzureCloud"));
        assert!(fails("[parameters(1)]").message.contains("string"));
        assert!(ok("[externalInputs('sys_cli_0')]")["$unknown"]
            .as_str()
            .is_some_and(|s| s.contains("sys_cli_0")));
        assert!(ok("[extensions('k8s').config.namespace]")
            .get("$unknown")
            .is_some());
    }
}
