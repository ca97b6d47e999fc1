//! SC001, SC002 and SC004 through real expansion of small templates: secret-by-name needs a type
//! and values that can hold a secret, placeholders are no secrets, and key-based auth is judged in
//! what deploys (the branch taken, resources whose condition holds).

mod common;

use serde_json::{json, Value};

fn findings(template: Value, rule: &str) -> Vec<rules::Finding> {
    common::only(common::check_template(&template), rule)
}

fn template(parameters: Value, resources: Value) -> Value {
    json!({
        "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
        "contentVersion": "1.0.0.0",
        "parameters": parameters,
        "resources": resources
    })
}

#[test]
fn sc002_secret_by_name_needs_a_type_and_values_that_can_hold_one() {
    let t = template(
        json!({
            "adminPassword": {"type": "string"},
            "sasToken": {"type": "string"},
            // A choice among fixed values.
            "signingKey": {"type": "string", "allowedValues": ["primaryKey", "secondaryKey"], "defaultValue": "primaryKey"},
            // Types that cannot hold a secret.
            "enablePassword": {"type": "bool", "defaultValue": true},
            "passwordLength": {"type": "int", "defaultValue": 16},
            // Names about a secret, or another thing.
            "TokenGeneration": {"type": "string", "defaultValue": "v2"},
            "keyVaultSecretName": {"type": "string", "defaultValue": "db"},
            "secretUri": {"type": "string", "defaultValue": ""},
            "customerManagedKey": {"type": "object", "defaultValue": {}},
            "secretsExportConfiguration": {"type": "object", "defaultValue": {}},
            "adminSshKeyPath": {"type": "string", "defaultValue": "/home/a/.ssh/authorized_keys"}
        }),
        json!([]),
    );
    let f = findings(t, "SC002");
    let named: Vec<&str> = f.iter().map(|f| f.message.as_str()).collect();
    assert_eq!(f.len(), 2, "{named:#?}");
    assert!(named[0].contains("'adminPassword'"), "{}", named[0]);
    assert!(named[1].contains("'sasToken'"), "{}", named[1]);
}

#[test]
fn sc001_placeholder_defaults_are_not_secrets() {
    let t = template(
        json!({
            "apiKey": {"type": "securestring", "defaultValue": "Enter the key"},
            "storageKey": {"type": "securestring", "defaultValue": "<your-storage-key>"},
            "sftpPassword": {"type": "securestring", "defaultValue": "Winter2024!"}
        }),
        json!([]),
    );
    let f = findings(t, "SC001");
    assert_eq!(f.len(), 1, "{f:#?}");
    assert!(f[0].message.contains("'sftpPassword'"), "{}", f[0].message);
    assert!(
        !f[0].message.contains("Winter2024!"),
        "a secret never reaches a report"
    );
}

/// A function app whose storage connection string holds an account key from `listKeys()` when
/// `useKeys`, deployed when `deployConnection`.
fn storage_setting(use_keys: bool, deploy_connection: bool) -> Value {
    template(
        json!({
            "useKeys": {"type": "bool", "defaultValue": use_keys},
            "deployConnection": {"type": "bool", "defaultValue": deploy_connection},
            // No value: the identity branch is known only at deployment.
            "blobEndpoint": {"type": "string"}
        }),
        json!([
            {
                "type": "Microsoft.Storage/storageAccounts", "apiVersion": "2023-01-01",
                "name": "st", "location": "westeurope", "kind": "StorageV2", "sku": {"name": "Standard_LRS"}
            },
            {
                "type": "Microsoft.Web/sites", "apiVersion": "2022-09-01", "name": "orders",
                "location": "westeurope", "kind": "functionapp",
                "condition": "[parameters('deployConnection')]",
                "identity": {"type": "SystemAssigned"},
                "properties": {"siteConfig": {"appSettings": [{
                    "name": "ReportsStorage",
                    "value": "[if(parameters('useKeys'), concat('DefaultEndpointsProtocol=https;AccountName=st;AccountKey=', listKeys(resourceId('Microsoft.Storage/storageAccounts', 'st'), '2023-01-01').keys[0].value), parameters('blobEndpoint'))]"
                }]}}
            }
        ]),
    )
}

#[test]
fn sc004_judges_the_branch_taken_and_deployed_resources_only() {
    let keyed = findings(storage_setting(true, true), "SC004");
    assert_eq!(keyed.len(), 1, "{keyed:#?}");
    assert!(
        keyed[0].message.contains("app setting 'ReportsStorage'"),
        "{}",
        keyed[0].message
    );
    // The identity branch is taken: the listKeys() text in the other branch is not deployed.
    assert!(findings(storage_setting(false, true), "SC004").is_empty());
    // The site is not deployed at all.
    assert!(findings(storage_setting(true, false), "SC004").is_empty());
}

#[test]
fn sc004_names_the_setting_of_the_template_it_was_found_in() {
    // Two templates of one directory deploy a site with the same id and other settings.
    let site = |settings: Value| {
        template(
            json!({}),
            json!([{
                "type": "Microsoft.Web/sites", "apiVersion": "2022-09-01", "name": "orders",
                "location": "westeurope", "kind": "functionapp",
                "identity": {"type": "SystemAssigned"},
                "properties": {"siteConfig": {"appSettings": settings}}
            }]),
        )
    };
    let first = site(json!([{"name": "WEBSITE_NODE_DEFAULT_VERSION", "value": "~18"}]));
    let second = site(json!([
        {"name": "APP_KIND", "value": "workflowApp"},
        {"name": "ReportsStorage", "value": "[concat('DefaultEndpointsProtocol=https;AccountName=st;AccountKey=', listKeys(resourceId('Microsoft.Storage/storageAccounts', 'st'), '2023-01-01').keys[0].value)]"}
    ]));
    let plans = [
        common::plan_of("a.json", &first),
        common::plan_of("b.json", &second),
    ];
    let f = common::only(
        common::check_plans(&plans, &common::default_policy()).1,
        "SC004",
    );
    assert_eq!(f.len(), 1, "{f:#?}");
    assert!(
        f[0].message
            .starts_with("app setting 'ReportsStorage' of web app 'orders'"),
        "{}",
        f[0].message
    );
}
