//! Key-based credentials that only the evaluated body shows (through a variable), through real
//! expansion of an in-code template.

use std::path::Path;
use std::sync::Arc;

use access::{build, AccessModel, CredentialKind, CredentialSource, RoleCatalogue, Service};

const TEMPLATE: &str = r#"{
  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
  "contentVersion": "1.0.0.0",
  "parameters": { "storageName": { "type": "string", "defaultValue": "stkeys" } },
  "variables": {
    "storageId": "[resourceId('Microsoft.Storage/storageAccounts', parameters('storageName'))]",
    "conn": "[concat('DefaultEndpointsProtocol=https;AccountName=', parameters('storageName'), ';AccountKey=', listKeys(variables('storageId'), '2023-01-01').keys[0].value)]",
    "literalConn": "DefaultEndpointsProtocol=https;AccountName=stkeys;AccountKey=bm90LWEta2V5",
    "sbConn": "[listKeys(resourceId('Microsoft.ServiceBus/namespaces/authorizationRules', 'sb1', 'RootManageSharedAccessKey'), '2021-11-01').primaryConnectionString]"
  },
  "resources": [
    {
      "type": "Microsoft.Web/sites",
      "apiVersion": "2022-09-01",
      "name": "la-std",
      "location": "westeurope",
      "kind": "functionapp,workflowapp",
      "identity": { "type": "SystemAssigned" },
      "properties": {
        "siteConfig": {
          "appSettings": [
            { "name": "AzureWebJobsStorage", "value": "[variables('conn')]" },
            { "name": "Direct", "value": "[concat('AccountKey=', listKeys(variables('storageId'), '2023-01-01').keys[0].value)]" },
            { "name": "Literal", "value": "[variables('literalConn')]" },
            { "name": "Plain", "value": "[parameters('storageName')]" }
          ]
        }
      }
    },
    {
      "type": "Microsoft.Web/connections",
      "apiVersion": "2016-06-01",
      "name": "servicebus",
      "location": "westeurope",
      "properties": {
        "api": { "id": "[subscriptionResourceId('Microsoft.Web/locations/managedApis', 'westeurope', 'servicebus')]" },
        "parameterValues": { "endpoint": "[variables('sbConn')]" }
      }
    },
    {
      "type": "Microsoft.Resources/deployments",
      "apiVersion": "2022-09-01",
      "name": "inner",
      "properties": {
        "mode": "Incremental",
        "expressionEvaluationOptions": { "scope": "inner" },
        "parameters": { "storageConnection": { "value": "[variables('conn')]" } },
        "template": {
          "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
          "contentVersion": "1.0.0.0",
          "parameters": { "storageConnection": { "type": "securestring" } },
          "resources": [
            {
              "type": "Microsoft.Web/sites/config",
              "apiVersion": "2022-09-01",
              "name": "la-std2/appsettings",
              "properties": { "AzureWebJobsStorage": "[parameters('storageConnection')]" }
            }
          ]
        }
      }
    }
  ]
}"#;

fn model() -> AccessModel {
    let doc = arm::Document::parse(Path::new("keys-through-variables.json"), TEMPLATE)
        .expect("template parses");
    let plan = arm::expand_document(Arc::new(doc), &arm::ExpandOptions::default())
        .expect("template expands");
    build(&plan, &RoleCatalogue::builtin())
}

#[test]
fn keys_through_variables_are_credentials_once_each() {
    let m = model();
    let at = |resource_end: &str, path: &str| {
        let hits: Vec<_> = m
            .credentials
            .iter()
            .filter(|c| c.resource.ends_with(resource_end) && c.path == path)
            .collect();
        assert!(
            hits.len() <= 1,
            "{resource_end} {path} reported {} times",
            hits.len()
        );
        hits.first().copied().cloned()
    };
    let settings = "properties/siteConfig/appSettings";

    // `[variables('conn')]`: invisible to the text scan, a listKeys() value once evaluated.
    let via_variable = at("/sites/la-std", &format!("{settings}/0/value"))
        .unwrap_or_else(|| panic!("variable-held key missed: {:#?}", m.credentials));
    assert_eq!(via_variable.kind, CredentialKind::ListKeys);
    assert_eq!(via_variable.service, Some(Service::StorageBlob));
    assert_eq!(
        via_variable.source,
        CredentialSource::ListCall {
            function: "listKeys".into()
        }
    );

    // Written inline: the text scan's finding, not a second one from the evaluated pass.
    let direct = at("/sites/la-std", &format!("{settings}/1/value")).expect("inline key");
    assert_eq!(direct.kind, CredentialKind::ConnectionStringKey);

    // A literal key kept in a variable is a literal secret (SC001's business).
    let literal = at("/sites/la-std", &format!("{settings}/2/value")).expect("literal key");
    assert_eq!(literal.kind, CredentialKind::ConnectionStringKey);
    assert_eq!(literal.source, CredentialSource::Literal);

    // A plain parameter is no credential.
    assert!(at("/sites/la-std", &format!("{settings}/3/value")).is_none());

    // Connection parameter without a secret-sounding name, holding a listKeys() value.
    let sb = at(
        "/connections/servicebus",
        "properties/parameterValues/endpoint",
    )
    .expect("connection parameter from a variable");
    assert_eq!(sb.kind, CredentialKind::ListKeys);
    assert!(m
        .connections
        .iter()
        .any(|c| c.name == "servicebus" && c.auth == access::ConnectionAuth::Key));

    // Passed to a module: reported where the parent writes it, not again inside the module.
    let passed = at(
        "/deployments/inner",
        "properties/parameters/storageConnection/value",
    )
    .expect("module parameter from a variable");
    assert_eq!(passed.service, Some(Service::StorageBlob));
    assert!(
        !m.credentials
            .iter()
            .any(|c| c.resource.ends_with("/config/appsettings")),
        "reported twice: {:#?}",
        m.credentials
    );
}
