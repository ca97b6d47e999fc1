//! Issue 11, sample classes AA, V, W, X, end to end: modules of a directory run are judged through
//! their callers; a grant left unknown by a template error points at the error; a principal value
//! that is not an object id is a template error; `deployer().objectId` is the identity running the
//! deployment, which the policy can allow.

use std::path::{Path, PathBuf};
use std::process::Command;

fn rolegate(args: &[&str]) -> (i32, serde_json::Value, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_rolegate"))
        .args(args)
        .output()
        .expect("run rolegate");
    let json = serde_json::from_slice(&out.stdout).unwrap_or(serde_json::Value::Null);
    (
        out.status.code().unwrap_or(-1),
        json,
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("rolegate-callers-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("modules")).unwrap();
    dir
}

fn write(path: &Path, text: &str) {
    std::fs::write(path, text).unwrap();
}

fn findings(report: &serde_json::Value) -> Vec<&serde_json::Value> {
    report["findings"]
        .as_array()
        .map(|f| f.iter().collect())
        .unwrap_or_default()
}

fn rules_in(report: &serde_json::Value, file_ends: &str) -> Vec<String> {
    findings(report)
        .into_iter()
        .filter(|f| {
            f["location"]["file"]
                .as_str()
                .is_some_and(|p| p.replace('\\', "/").ends_with(file_ends))
        })
        .filter_map(|f| f["rule"].as_str().map(str::to_string))
        .collect()
}

/// A pass-through role assignment module: everything is the caller's input.
const MODULE: &str = r#"{
  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
  "contentVersion": "1.0.0.0",
  "parameters": {
    "principalId": {"type": "string"},
    "roleDefinitionId": {"type": "string"},
    "name": {"type": "string"}
  },
  "resources": [{
    "type": "Microsoft.Authorization/roleAssignments",
    "apiVersion": "2022-04-01",
    "name": "[parameters('name')]",
    "properties": {
      "principalId": "[parameters('principalId')]",
      "principalType": "ServicePrincipal",
      "roleDefinitionId": "[parameters('roleDefinitionId')]"
    }
  }]
}"#;

/// A caller that declares a user-assigned identity and gives it Reader through the module, either
/// inline (`template`) or linked (`templateLink`).
fn caller(how: &str) -> String {
    format!(
        r#"{{
  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
  "contentVersion": "1.0.0.0",
  "resources": [
    {{"type": "Microsoft.ManagedIdentity/userAssignedIdentities", "apiVersion": "2023-01-31",
      "name": "id-app", "location": "westeurope"}},
    {{"type": "Microsoft.Resources/deployments", "apiVersion": "2022-09-01", "name": "grant",
      "dependsOn": ["[resourceId('Microsoft.ManagedIdentity/userAssignedIdentities', 'id-app')]"],
      "properties": {{
        "mode": "Incremental",
        "expressionEvaluationOptions": {{"scope": "inner"}},
        "parameters": {{
          "principalId": {{"value": "[reference(resourceId('Microsoft.ManagedIdentity/userAssignedIdentities', 'id-app'), '2023-01-31').principalId]"}},
          "roleDefinitionId": {{"value": "[subscriptionResourceId('Microsoft.Authorization/roleDefinitions', 'acdd72a7-3385-48ef-bd42-f606fba81ae7')]"}},
          "name": {{"value": "[guid(resourceGroup().id, 'id-app', 'reader')]"}}
        }},
        {how}
      }}}}
  ]
}}"#
    )
}

#[test]
fn a_module_inlined_by_another_template_of_the_run_is_judged_through_its_caller() {
    let dir = temp_dir("inline");
    write(&dir.join("modules/ra.json"), MODULE);
    write(
        &dir.join("main.json"),
        &caller(&format!(r#""template": {MODULE}"#)),
    );
    let (code, report, stderr) = rolegate(&["check", dir.to_str().unwrap(), "--format", "json"]);
    assert!(code == 0 || code == 1, "exit {code}: {stderr}");
    // Run alone, the module's inputs have no value: RA006/EV001 on a pass-through. Not so here.
    assert!(
        rules_in(&report, "modules/ra.json").is_empty(),
        "{report:#}"
    );
    let templates: Vec<&str> = report["templates"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|t| t["path"].as_str())
        .collect();
    assert_eq!(templates.len(), 1, "{templates:?}");
    assert!(templates[0].ends_with("main.json"));
    // Listed, not dropped: which caller judged it, and how.
    let through = report["checked_through"]
        .as_array()
        .expect("checked_through");
    assert_eq!(through.len(), 1, "{through:?}");
    assert!(through[0]["path"].as_str().unwrap().ends_with("ra.json"));
    assert!(through[0]["checked_through"]
        .as_str()
        .unwrap()
        .ends_with("main.json"));
    assert_eq!(through[0]["how"], "inline nested deployment");
    // The grant is judged at the call, to the caller's identity: no parameter principal.
    let grants = report["grants"].as_array().unwrap();
    assert_eq!(grants.len(), 1, "{grants:#?}");
    assert_eq!(grants[0]["principal_kind"], "user-assigned");
    // The text report says so on its "checked" lines.
    let out = Command::new(env!("CARGO_BIN_EXE_rolegate"))
        .args(["check", dir.to_str().unwrap()])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("checked through their callers, not alone:")
            && text.contains("ra.json (inline nested deployment of"),
        "{text}"
    );
    // Named on the command line, the file is run alone as asked.
    let module = dir.join("modules/ra.json");
    let (_, alone, _) = rolegate(&["check", module.to_str().unwrap(), "--format", "json"]);
    assert!(!rules_in(&alone, "ra.json").is_empty(), "{alone:#}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_module_linked_by_relative_path_or_called_from_bicep_is_judged_through_its_caller() {
    let dir = temp_dir("linked");
    write(&dir.join("modules/ra.json"), MODULE);
    write(
        &dir.join("main.json"),
        &caller(r#""templateLink": {"relativePath": "modules/ra.json"}"#),
    );
    let (code, report, stderr) = rolegate(&["check", dir.to_str().unwrap(), "--format", "json"]);
    assert!(code == 0 || code == 1, "exit {code}: {stderr}");
    // The caller's run reads the linked file (its findings point there), with the caller's values:
    // no parameter principal, no unresolved role.
    let rules = rules_in(&report, "modules/ra.json");
    assert!(
        !rules.iter().any(|r| r == "RA006" || r == "EV001"),
        "{rules:?}"
    );
    assert_eq!(report["templates"].as_array().unwrap().len(), 1);
    let grants = report["grants"].as_array().unwrap();
    assert_eq!(grants.len(), 1, "{grants:#?}");
    assert_eq!(grants[0]["principal_kind"], "user-assigned");
    let through = report["checked_through"]
        .as_array()
        .expect("checked_through");
    assert_eq!(through[0]["how"], "templateLink.relativePath");

    // A Bicep `module` of a JSON file, with the compiled JSON of the Bicep file in the run.
    let bicep_dir = temp_dir("bicep");
    write(&bicep_dir.join("modules/ra.json"), MODULE);
    write(
        &bicep_dir.join("main.bicep"),
        "resource id 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {\n  name: 'id-app'\n  location: 'westeurope'\n}\nmodule grant './modules/ra.json' = {\n  name: 'grant'\n  params: {\n    principalId: id.properties.principalId\n    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', 'acdd72a7-3385-48ef-bd42-f606fba81ae7')\n    name: guid(resourceGroup().id, 'id-app', 'reader')\n  }\n}\n",
    );
    // What `bicep build` writes: the JSON module inline.
    let compiled = caller(&format!(r#""template": {MODULE}"#));
    write(&bicep_dir.join("main.json"), &compiled);
    let (_, report, stderr) = rolegate(&["check", bicep_dir.to_str().unwrap(), "--format", "json"]);
    assert!(
        rules_in(&report, "modules/ra.json").is_empty(),
        "{report:#} {stderr}"
    );
    let through = report["checked_through"]
        .as_array()
        .expect("checked_through");
    assert_eq!(through[0]["how"], "Bicep module");
    assert!(through[0]["checked_through"]
        .as_str()
        .unwrap()
        .ends_with("main.bicep"));
    let _ = std::fs::remove_dir_all(&dir);
    let _ = std::fs::remove_dir_all(&bicep_dir);
}

#[test]
fn a_grant_left_unknown_by_a_template_error_points_at_the_error() {
    let dir = temp_dir("tenant");
    // subscription() fails at tenant scope: EV003 names it; nothing is missing.
    let file = dir.join("tenant.json");
    write(
        &file,
        r#"{
  "$schema": "https://schema.management.azure.com/schemas/2019-08-01/tenantDeploymentTemplate.json#",
  "contentVersion": "1.0.0.0",
  "resources": [{
    "type": "Microsoft.Authorization/roleAssignments",
    "apiVersion": "2022-04-01",
    "name": "8f4e8d52-0c5b-4a55-9c1e-1c1d5e2f3a4b",
    "properties": {
      "principalId": "[subscription().subscriptionId]",
      "roleDefinitionId": "/providers/Microsoft.Authorization/roleDefinitions/acdd72a7-3385-48ef-bd42-f606fba81ae7"
    }
  }]
}"#,
    );
    let (_, report, stderr) = rolegate(&["check", file.to_str().unwrap(), "--format", "json"]);
    let all = findings(&report);
    let ev003: Vec<_> = all.iter().filter(|f| f["rule"] == "EV003").collect();
    assert_eq!(ev003.len(), 1, "{report:#} {stderr}");
    let line = ev003[0]["location"]["line"].as_u64().unwrap();
    let ev001: Vec<_> = all.iter().filter(|f| f["rule"] == "EV001").collect();
    assert_eq!(ev001.len(), 1, "{report:#}");
    for f in ev001 {
        let message = f["message"].as_str().unwrap();
        assert!(
            message.contains(&format!(
                "could not be evaluated: see the template error at line {line}"
            )),
            "{message}"
        );
        assert!(!message.contains("not evaluated:"), "{message}");
        assert!(
            !message.contains("cannot be known before deployment"),
            "{message}"
        );
        let fix = f["fix"].as_str().unwrap_or_default();
        assert!(
            fix.contains("correct the expression") && !fix.contains("--param"),
            "{fix}"
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_principal_that_is_not_an_object_id_is_one_template_error_per_loop() {
    let dir = temp_dir("cosmos");
    let file = dir.join("cosmos.json");
    write(
        &file,
        r#"{
  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
  "contentVersion": "1.0.0.0",
  "parameters": {
    "servicePrincipalIds": {"type": "array", "defaultValue": ["a", "b"]}
  },
  "resources": [
    {"type": "Microsoft.DocumentDB/databaseAccounts", "apiVersion": "2023-04-15", "name": "cosmos-a",
     "location": "westeurope", "properties": {"databaseAccountOfferType": "Standard", "locations": [{"locationName": "westeurope"}]}},
    {"type": "Microsoft.DocumentDB/databaseAccounts/sqlRoleAssignments", "apiVersion": "2023-04-15",
     "name": "[format('cosmos-a/{0}', guid(parameters('servicePrincipalIds')[copyIndex()]))]",
     "copy": {"name": "ra", "count": "[length(parameters('servicePrincipalIds'))]"},
     "dependsOn": ["[resourceId('Microsoft.DocumentDB/databaseAccounts', 'cosmos-a')]"],
     "properties": {
       "principalId": "[parameters('servicePrincipalIds')[copyIndex()]]",
       "roleDefinitionId": "[resourceId('Microsoft.DocumentDB/databaseAccounts/sqlRoleDefinitions', 'cosmos-a', '00000000-0000-0000-0000-000000000001')]",
       "scope": "[resourceId('Microsoft.DocumentDB/databaseAccounts', 'cosmos-a')]"
     }}
  ]
}"#,
    );
    let (_, report, stderr) = rolegate(&["check", file.to_str().unwrap(), "--format", "json"]);
    let all = findings(&report);
    assert!(all.iter().all(|f| f["rule"] != "EV001"), "{report:#}");
    let invalid: Vec<_> = all
        .iter()
        .filter(|f| f["rule"] == "EV003")
        .filter(|f| f["message"].as_str().unwrap().contains("not an object id"))
        .collect();
    assert_eq!(invalid.len(), 1, "{report:#} {stderr}");
    let message = invalid[0]["message"].as_str().unwrap();
    assert!(
        message.contains("'a', 'b'")
            && message.contains("parameter 'servicePrincipalIds'")
            && message.contains("ARM rejects"),
        "{message}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_grant_to_the_deployer_is_an_external_principal_the_policy_can_allow() {
    let dir = temp_dir("deployer");
    let file = dir.join("devbox.json");
    write(
        &file,
        r#"{
  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
  "contentVersion": "1.0.0.0",
  "parameters": {"principalId": {"type": "string", "defaultValue": "[deployer().objectId]"}},
  "resources": [
    {"type": "Microsoft.DevCenter/projects", "apiVersion": "2024-02-01", "name": "proj",
     "location": "westeurope", "properties": {}},
    {"type": "Microsoft.Authorization/roleAssignments", "apiVersion": "2022-04-01",
     "name": "[guid(resourceGroup().id, parameters('principalId'), 'devbox')]",
     "scope": "[format('Microsoft.DevCenter/projects/{0}', 'proj')]",
     "dependsOn": ["[resourceId('Microsoft.DevCenter/projects', 'proj')]"],
     "properties": {
       "principalId": "[parameters('principalId')]",
       "roleDefinitionId": "[subscriptionResourceId('Microsoft.Authorization/roleDefinitions', '45d50f46-0b78-4001-a660-4198cbe8cd05')]",
       "description": "Allows deployer to create dev boxes"
     }}
  ]
}"#,
    );
    let (_, report, stderr) = rolegate(&["check", file.to_str().unwrap(), "--format", "json"]);
    let all = findings(&report);
    assert!(
        all.iter().all(|f| f["rule"] != "EV001"),
        "{report:#} {stderr}"
    );
    let ra006: Vec<_> = all.iter().filter(|f| f["rule"] == "RA006").collect();
    assert_eq!(ra006.len(), 1, "{report:#}");
    let message = ra006[0]["message"].as_str().unwrap();
    assert!(
        message.contains("granted to the identity that runs the deployment (deployer())")
            && message.contains("DevCenter Dev Box User"),
        "{message}"
    );
    let fix = ra006[0]["fix"].as_str().unwrap();
    assert!(
        fix.contains("--live") && fix.contains("deployer") && !fix.contains("--param"),
        "{fix}"
    );
    // The policy allows whoever runs the deployment.
    let policy = dir.join("rolegate.yaml");
    write(
        &policy,
        "version: 1\nexternal_principals:\n  - id: deployer\n    reason: developers deploy their own dev box project\n",
    );
    let (code, allowed, stderr) = rolegate(&[
        "check",
        file.to_str().unwrap(),
        "--policy",
        policy.to_str().unwrap(),
        "--format",
        "json",
    ]);
    assert!(code == 0 || code == 1, "exit {code}: {stderr}");
    let rules: Vec<&str> = findings(&allowed)
        .iter()
        .filter_map(|f| f["rule"].as_str())
        .collect();
    assert!(
        !rules.contains(&"RA006") && !rules.contains(&"EV001"),
        "{rules:?}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_module_its_caller_does_not_deploy_is_run_alone() {
    let dir = temp_dir("skipped");
    write(&dir.join("modules/ra.json"), MODULE);
    // The caller deploys the module only when asked: with the default, nobody judges the module
    // through it, so it is run alone as before (nothing is lost).
    let text = caller(&format!(r#""template": {MODULE}"#)).replace(
        r#""name": "grant","#,
        r#""name": "grant", "condition": "[parameters('grant')]","#,
    );
    let text = text.replacen(
        r#""resources": ["#,
        r#""parameters": {"grant": {"type": "bool", "defaultValue": false}},
  "resources": ["#,
        1,
    );
    write(&dir.join("main.json"), &text);
    let (code, report, stderr) = rolegate(&["check", dir.to_str().unwrap(), "--format", "json"]);
    assert!(code == 0 || code == 1, "exit {code}: {stderr}");
    assert_eq!(
        report["templates"].as_array().unwrap().len(),
        2,
        "{report:#}"
    );
    assert!(report.get("checked_through").is_none(), "{report:#}");
    assert!(
        !rules_in(&report, "modules/ra.json").is_empty(),
        "{report:#}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_module_deployed_once_per_item_of_an_empty_list_is_still_judged_through_its_caller() {
    let dir = temp_dir("loop");
    write(&dir.join("modules/ra.json"), MODULE);
    // AVM's shape: one module deployment per item of the caller's `roleAssignments` list, which
    // is empty by default. The module's inputs are the items: run alone it has none.
    let text = caller(&format!(r#""template": {MODULE}"#))
        .replace(
            r#""name": "grant","#,
            r#""name": "[format('grant-{0}', copyIndex())]", "copy": {"name": "grants", "count": "[length(parameters('roleAssignments'))]"},"#,
        )
        .replacen(
            r#""resources": ["#,
            r#""parameters": {"roleAssignments": {"type": "array", "defaultValue": []}},
  "resources": ["#,
            1,
        );
    write(&dir.join("main.json"), &text);
    let (code, report, stderr) = rolegate(&["check", dir.to_str().unwrap(), "--format", "json"]);
    assert!(code == 0 || code == 1, "exit {code}: {stderr}");
    assert_eq!(
        report["templates"].as_array().unwrap().len(),
        1,
        "{report:#}"
    );
    assert!(
        rules_in(&report, "modules/ra.json").is_empty(),
        "{report:#}"
    );
    assert_eq!(report["checked_through"].as_array().map(Vec::len), Some(1));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_quickstart_ci_token_as_principal_is_a_parameter_principal_not_an_invalid_id() {
    let dir = temp_dir("ci-token-principal");
    let file = dir.join("azuredeploy.json");
    write(
        &file,
        r#"{
  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
  "contentVersion": "1.0.0.0",
  "parameters": {"principalId": {"type": "string"}},
  "resources": [
    {"type": "Microsoft.Authorization/roleAssignments", "apiVersion": "2022-04-01",
     "name": "[guid(resourceGroup().id, parameters('principalId'), 'reader')]",
     "properties": {
       "roleDefinitionId": "[subscriptionResourceId('Microsoft.Authorization/roleDefinitions', 'acdd72a7-3385-48ef-bd42-f606fba81ae7')]",
       "principalId": "[parameters('principalId')]"
     }}
  ]
}"#,
    );
    write(
        &dir.join("azuredeploy.parameters.json"),
        r#"{
  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentParameters.json#",
  "contentVersion": "1.0.0.0",
  "parameters": {"principalId": {"value": "GEN-AZUREAD-OBJECTID"}}
}"#,
    );
    let (_, report, _) = rolegate(&["check", dir.to_str().unwrap(), "--format", "json"]);
    let all = findings(&report);
    assert!(
        all.iter().all(|f| !f["message"]
            .as_str()
            .unwrap_or_default()
            .contains("not an object id")),
        "{report:#}"
    );
    assert!(
        all.iter().any(|f| f["rule"] == "RA006"
            && f["message"]
                .as_str()
                .unwrap_or_default()
                .contains("parameter 'principalId'")),
        "{report:#}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_client_id_where_the_principal_id_belongs_is_a_template_error() {
    let dir = temp_dir("client-id-principal");
    let file = dir.join("main.json");
    write(
        &file,
        r#"{
  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
  "contentVersion": "1.0.0.0",
  "resources": [
    {"type": "Microsoft.ManagedIdentity/userAssignedIdentities", "apiVersion": "2023-01-31",
     "name": "export-id", "location": "westeurope"},
    {"type": "Microsoft.Authorization/roleAssignments", "apiVersion": "2022-04-01",
     "name": "[guid(resourceGroup().id, 'export-id', 'reader')]",
     "dependsOn": ["[resourceId('Microsoft.ManagedIdentity/userAssignedIdentities', 'export-id')]"],
     "properties": {
       "roleDefinitionId": "[subscriptionResourceId('Microsoft.Authorization/roleDefinitions', 'acdd72a7-3385-48ef-bd42-f606fba81ae7')]",
       "principalId": "[reference(resourceId('Microsoft.ManagedIdentity/userAssignedIdentities', 'export-id'), '2023-01-31').clientId]",
       "principalType": "ServicePrincipal"
     }}
  ]
}"#,
    );
    let (_, report, _) = rolegate(&["check", file.to_str().unwrap(), "--format", "json"]);
    let all = findings(&report);
    assert!(all.iter().all(|f| f["rule"] != "EV001"), "{report:#}");
    let wrong: Vec<_> = all
        .iter()
        .filter(|f| f["rule"] == "EV003")
        .filter(|f| {
            f["message"].as_str().unwrap_or_default().contains(
                "the client id of Microsoft.ManagedIdentity/userAssignedIdentities 'export-id'",
            )
        })
        .collect();
    assert_eq!(wrong.len(), 1, "{report:#}");
    assert!(
        wrong[0]["message"]
            .as_str()
            .unwrap_or_default()
            .contains("read the principalId property instead"),
        "{report:#}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
