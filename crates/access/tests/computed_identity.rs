//! An `identity` computed by an expression that evaluates to none with the parameters given,
//! through real expansion: the model says so and names the parameters it reads.

use std::path::{Path, PathBuf};

use access::{build, AccessModel, ComputedIdentity, RoleCatalogue};

/// The Azure Verified Modules shape (avm/res/logic/workflow): `identity` from a variable that reads
/// `managedIdentities` directly and through a second variable (with `lambdaVariables`, no variable).
const TEMPLATE: &str = r#"{
  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
  "contentVersion": "1.0.0.0",
  "parameters": {
    "managedIdentities": { "type": "object", "nullable": true },
    "fixed": { "type": "string", "defaultValue": "SystemAssigned" }
  },
  "variables": {
    "formattedUserAssignedIdentities": "[reduce(map(coalesce(tryGet(parameters('managedIdentities'), 'userAssignedResourceIds'), createArray()), lambda('id', createObject(format('{0}', lambdaVariables('id')), createObject()))), createObject(), lambda('cur', 'next', union(lambdaVariables('cur'), lambdaVariables('next'))))]",
    "identity": "[if(not(empty(parameters('managedIdentities'))), createObject('type', if(coalesce(tryGet(parameters('managedIdentities'), 'systemAssigned'), false()), 'SystemAssigned', 'None'), 'userAssignedIdentities', if(not(empty(variables('formattedUserAssignedIdentities'))), variables('formattedUserAssignedIdentities'), null())), null())]"
  },
  "resources": [
    {
      "type": "Microsoft.Logic/workflows",
      "apiVersion": "2019-05-01",
      "name": "computed",
      "location": "westeurope",
      "identity": "[variables('identity')]",
      "properties": { "definition": {} }
    },
    {
      "type": "Microsoft.Logic/workflows",
      "apiVersion": "2019-05-01",
      "name": "absent",
      "location": "westeurope",
      "properties": { "definition": {} }
    },
    {
      "type": "Microsoft.Logic/workflows",
      "apiVersion": "2019-05-01",
      "name": "literal",
      "location": "westeurope",
      "identity": { "type": "[parameters('fixed')]" },
      "properties": { "definition": {} }
    }
  ]
}"#;

fn write_template(name: &str, text: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("rolegate-access-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let path = dir.join(name);
    std::fs::write(&path, text).expect("temp template written");
    path
}

fn model(path: &Path) -> AccessModel {
    let plan = arm::expand_file(path, &arm::ExpandOptions::default()).expect("template expands");
    build(&plan, &RoleCatalogue::builtin())
}

#[test]
fn identity_that_evaluates_to_none_names_the_parameter() {
    let path = write_template("computed-identity.json", TEMPLATE);
    let m = model(&path);
    let _ = std::fs::remove_file(&path);
    let w = |name: &str| {
        m.workloads
            .iter()
            .find(|w| w.name == name)
            .unwrap_or_else(|| panic!("no workload {name}"))
    };
    let computed = w("computed");
    assert!(!computed.identity.has_identity());
    assert_eq!(
        computed.identity.computed,
        Some(ComputedIdentity {
            evaluates_to_null: true,
            parameters: vec!["managedIdentities".to_string()],
        })
    );
    assert_eq!(w("absent").identity.computed, None);
    let literal = w("literal");
    assert!(literal.identity.has_identity());
    assert_eq!(
        literal.identity.computed,
        Some(ComputedIdentity {
            evaluates_to_null: false,
            parameters: vec!["fixed".to_string()],
        })
    );
}

/// The real module, when the corpus is present.
#[test]
fn avm_logic_workflow_identity_is_computed_from_managed_identities() {
    let file = Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/corpus/avm/avm/res/logic/workflow/main.json"
    ));
    if !file.exists() {
        println!("skipped: corpus file {} absent", file.display());
        return;
    }
    let mut options = arm::ExpandOptions::default();
    options
        .overrides
        .push(("name".to_string(), serde_json::json!("wf-avm")));
    let plan = arm::expand_file(file, &options).expect("AVM workflow expands");
    let m = build(&plan, &RoleCatalogue::builtin());
    let wf = m
        .workloads
        .iter()
        .find(|w| {
            w.resource_type
                .eq_ignore_ascii_case("Microsoft.Logic/workflows")
        })
        .expect("the workflow is a workload");
    let computed = wf.identity.computed.as_ref().expect("identity is computed");
    assert!(computed.evaluates_to_null);
    assert_eq!(computed.parameters, vec!["managedIdentities".to_string()]);
}
