//! `rolegate plan` end to end: text and JSON output on a fixture, JSON validated against
//! docs/access-model.schema.json.

use std::process::Command;

const FIXTURE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/plan/logicapp-keyvault/main.json"
);
const SCHEMA: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../docs/access-model.schema.json"
);

fn rolegate(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_rolegate"))
        .args(args)
        .output()
        .expect("run rolegate");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn validate(instance: &serde_json::Value) -> Vec<String> {
    let schema: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(SCHEMA).expect("schema file"))
            .expect("schema JSON");
    let validator = jsonschema::draft202012::new(&schema).expect("valid schema");
    validator
        .iter_errors(instance)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect()
}

#[test]
fn json_output_matches_the_schema_and_the_template() {
    let (code, stdout, stderr) = rolegate(&["plan", "--format", "json", FIXTURE]);
    assert_eq!(code, 0, "{stderr}");
    let json: serde_json::Value = serde_json::from_str(&stdout).expect("JSON output");
    let errors = validate(&json);
    assert!(errors.is_empty(), "{errors:#?}");

    let wf = &json["workloads"][0];
    assert_eq!(wf["type"], "Microsoft.Logic/workflows");
    assert_eq!(wf["name"], "wf-orders");
    assert_eq!(wf["identity"]["system_assigned"], true);
    assert_eq!(wf["identity"]["user_assigned"], serde_json::json!([]));
    let usage = &wf["usages"][0];
    assert_eq!(usage["action"], "Scope_1/actions/Get_secret");
    assert_eq!(usage["auth"], "ManagedServiceIdentity");
    assert_eq!(usage["identity"], "SystemAssigned");
    assert_eq!(usage["audience"], "https://vault.azure.net");
    assert_eq!(
        usage["target"],
        "https://kv-orders.vault.azure.net/secrets/db-password?api-version=7.4"
    );
    assert_eq!(usage["secure_data"]["inputs"], true);

    let g = &json["grants"][0];
    assert_eq!(g["role"]["id"], "4633458b-17de-408a-b874-0445c86b69e6");
    assert_eq!(g["role"]["name"], "Key Vault Secrets User");
    assert!(g["scope"]
        .as_str()
        .unwrap_or_default()
        .ends_with("/providers/Microsoft.KeyVault/vaults/kv-orders"));
    assert_eq!(g["scope_level"], "resource");
    assert_eq!(g["principal"]["kind"], "system-assigned");
    assert_eq!(g["principal"]["resource"], wf["id"]);
    assert_eq!(g["principal_type"], "ServicePrincipal");
    assert_eq!(g["location"]["line"], 59);
    assert_eq!(g["location"]["pointer"], "/resources/3");

    let ops = &json["grants"][1];
    assert_eq!(ops["principal"]["kind"], "parameter");
    assert_eq!(
        ops["principal"]["id"],
        "0d0c0b0a-1111-2222-3333-444455556666"
    );
    assert_eq!(ops["role"]["name"], "Contributor");
    assert_eq!(ops["scope_level"], "resource-group");
}

#[test]
fn text_output_is_a_table_per_workload() {
    let (code, stdout, stderr) = rolegate(&["plan", FIXTURE]);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stdout.contains("Microsoft.Logic/workflows wf-orders (Logic App Consumption)"),
        "{stdout}"
    );
    assert!(
        stdout.contains("system-assigned → Key Vault Secrets User → "),
        "{stdout}"
    );
    assert!(
        stdout
            .contains("Scope_1/actions/Get_secret [http] ManagedServiceIdentity (system-assigned)"),
        "{stdout}"
    );
    assert!(stdout.contains("parameter opsGroupId = 0d0c0b0a-1111-2222-3333-444455556666 → Contributor [privileged]"), "{stdout}");
}

/// Names, roles and scopes known only at deployment read as what decides them in the text; the
/// JSON keeps the provenance chains.
#[test]
fn text_output_names_unknowns_by_what_decides_them() {
    let fixture = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/plan/unknown-names/main.json"
    );
    let (code, stdout, stderr) = rolegate(&["plan", fixture]);
    assert_eq!(code, 0, "{stderr}");
    for expected in [
        "Microsoft.Web/sites named by parameter 'appName' (resource)",
        "user-assigned identity named by parameter 'identityName' → role named by parameter 'roleId' → storage account named by parameter 'accountName' (resource)",
        // An element of an array parameter is a parameter principal (issue 11 class T).
        "parameter readers → Reader → ",
    ] {
        assert!(stdout.contains(expected), "`{expected}` in {stdout}");
    }
    for leak in ["{", "(no value given)", "of format of", "index 0 of"] {
        assert!(!stdout.contains(leak), "`{leak}` in {stdout}");
    }
    let (code, json, stderr) = rolegate(&["plan", "--format", "json", fixture]);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        json.contains("parameter 'appName' (no value given)"),
        "{json}"
    );
}

#[test]
fn custom_roles_and_bad_input() {
    let (code, _, stderr) = rolegate(&["plan", "--roles", "/nonexistent/roles.json", FIXTURE]);
    assert_eq!(code, 2);
    assert!(stderr.contains("/nonexistent/roles.json"), "{stderr}");
    let (code, _, _) = rolegate(&["plan", "/nonexistent/template.json"]);
    assert_eq!(code, 2);
}

/// Every real template with Logic Apps or role assignments: `plan --format json` succeeds or fails
/// as bad input (exit 2), never panics, and its JSON always matches the schema.
#[test]
fn corpus_plans_match_the_schema() {
    let corpus = std::path::Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/corpus"
    ));
    if !corpus.is_dir() {
        println!("skipped: {} is absent", corpus.display());
        return;
    }
    let mut templates = Vec::new();
    for sub in ["quickstarts", "samples"] {
        collect(&corpus.join(sub), &mut templates);
    }
    templates.sort();
    assert!(templates.len() > 40, "found {} templates", templates.len());
    let mut checked = 0;
    for t in &templates {
        let path = t.display().to_string();
        let (code, stdout, stderr) = rolegate(&["plan", "--format", "json", &path]);
        assert!(code == 0 || code == 2, "{path}: exit {code}: {stderr}");
        assert!(!stderr.contains("panicked"), "{path}: {stderr}");
        if code != 0 {
            continue;
        }
        let json: serde_json::Value = serde_json::from_str(&stdout).expect("JSON output");
        let errors = validate(&json);
        assert!(errors.is_empty(), "{path}: {errors:#?}");
        checked += 1;
    }
    assert!(checked > 40, "only {checked} templates planned");
}

fn collect(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            collect(&p, out);
        } else if p.extension().is_some_and(|x| x == "json") {
            let text = std::fs::read_to_string(&p).unwrap_or_default();
            let relevant = text.contains("deploymentTemplate.json")
                && (text.contains("Microsoft.Logic/workflows")
                    || text.contains("roleAssignments")
                    || text.contains("workflowapp"));
            if relevant {
                out.push(p);
            }
        }
    }
}
