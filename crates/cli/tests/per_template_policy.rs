//! End to end: without `--policy`, `rolegate check` judges each template by the nearest
//! `rolegate.yaml` of that template (a monorepo with one policy per app), in one report with one
//! verdict; with `--policy` one policy judges everything.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

const REPORT_SCHEMA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/report.schema.json");

/// A Logic App whose system identity is granted Contributor on its resource group (RA002 under
/// the default denied roles). Both apps deploy the same template, so the same workload id and
/// identity key appear in both groups: only the policy differs.
const TEMPLATE: &str = r#"{
  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
  "contentVersion": "1.0.0.0",
  "resources": [
    {
      "type": "Microsoft.Logic/workflows",
      "apiVersion": "2019-05-01",
      "name": "wf-app",
      "location": "westeurope",
      "identity": { "type": "SystemAssigned" },
      "properties": { "definition": { "triggers": {}, "actions": {} } }
    },
    {
      "type": "Microsoft.Authorization/roleAssignments",
      "apiVersion": "2022-04-01",
      "name": "[guid(resourceGroup().id, 'wf-app', 'contributor')]",
      "dependsOn": ["[resourceId('Microsoft.Logic/workflows', 'wf-app')]"],
      "properties": {
        "roleDefinitionId": "[subscriptionResourceId('Microsoft.Authorization/roleDefinitions', 'b24988ac-6180-42a0-ab88-20f7382dd24c')]",
        "principalId": "[reference(resourceId('Microsoft.Logic/workflows', 'wf-app'), '2019-05-01', 'full').identity.principalId]",
        "principalType": "ServicePrincipal"
      }
    }
  ]
}
"#;

/// app-a excepts the Contributor grant (an exception with an owner and a far expiry); app-b has
/// the default denied roles and no exception.
const POLICY_WITH_EXCEPTION: &str = "version: 1
exceptions:
  - rule: RA002
    workload: wf-app
    role: Contributor
    reason: Legacy deployment, narrowed in APP-1
    owner: app-a-team@contoso.com
    expires: 2999-12-31
";
const POLICY_STRICT_ON_CONTRIBUTOR: &str = "version: 1\n";

fn rolegate(args: &[&str], dir: &Path) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_rolegate"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .output()
        .expect("run rolegate");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// `<tmp>/<name>/infra/app-{a,b}/{main.json,rolegate.yaml}`; returns `<tmp>/<name>`.
fn monorepo(name: &str, policy_a: &str, policy_b: &str) -> PathBuf {
    let root = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&root);
    for (app, policy) in [("app-a", policy_a), ("app-b", policy_b)] {
        let dir = root.join("infra").join(app);
        std::fs::create_dir_all(&dir).expect("scratch dir");
        std::fs::write(dir.join("main.json"), TEMPLATE).expect("write template");
        std::fs::write(dir.join("rolegate.yaml"), policy).expect("write policy");
    }
    root
}

fn json_report(stdout: &str, stderr: &str) -> Value {
    serde_json::from_str(stdout)
        .unwrap_or_else(|e| panic!("stdout is not JSON ({e}); stderr: {stderr}\n{stdout}"))
}

fn schema_errors(report: &Value) -> Vec<String> {
    let schema: Value =
        serde_json::from_str(&std::fs::read_to_string(REPORT_SCHEMA).expect("schema file"))
            .expect("schema JSON");
    let validator = jsonschema::draft202012::new(&schema).expect("valid schema");
    validator
        .iter_errors(report)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect()
}

/// The RA002 findings whose primary location is in `app`'s template.
fn ra002_in<'a>(report: &'a Value, app: &str) -> Vec<&'a Value> {
    report["findings"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default()
        .iter()
        .filter(|f| {
            f["rule"] == "RA002"
                && f["location"]["file"]
                    .as_str()
                    .is_some_and(|file| file.ends_with(&format!("{app}/main.json")))
        })
        .collect()
}

#[test]
fn each_template_is_judged_by_its_own_rolegate_yaml() {
    let root = monorepo(
        "per-template-policy",
        POLICY_WITH_EXCEPTION,
        POLICY_STRICT_ON_CONTRIBUTOR,
    );
    let (code, stdout, stderr) = rolegate(&["check", "infra", "--format", "json"], &root);
    assert_eq!(code, 1, "app-b's policy fails the gate\nstderr: {stderr}");
    let report = json_report(&stdout, &stderr);
    assert!(
        schema_errors(&report).is_empty(),
        "{:#?}",
        schema_errors(&report)
    );
    assert_eq!(report["verdict"], "fail");

    // app-a's exception covers its own finding only; app-b's identical finding still fails.
    let in_a = ra002_in(&report, "app-a");
    let in_b = ra002_in(&report, "app-b");
    assert_eq!(in_a.len(), 1, "{stdout}");
    assert!(in_a[0].get("suppressed").is_some(), "{}", in_a[0]);
    assert_eq!(in_b.len(), 1, "{stdout}");
    assert!(in_b[0].get("suppressed").is_none(), "{}", in_b[0]);
    assert_eq!(report["summary"]["suppressed"], 1);
    assert_eq!(report["summary"]["failing"], 1);

    // Both policies are named, each with the template it judged; `policy` is the first group's.
    let policies = report["policies"].as_array().expect("policies[]");
    assert_eq!(policies.len(), 2, "{}", report["policies"]);
    let path_of = |i: usize| policies[i]["path"].as_str().unwrap_or_default();
    assert!(
        path_of(0).ends_with("app-a/rolegate.yaml"),
        "{}",
        path_of(0)
    );
    assert!(
        path_of(1).ends_with("app-b/rolegate.yaml"),
        "{}",
        path_of(1)
    );
    assert_eq!(policies[0]["source"], "discovered");
    assert_eq!(policies[0]["templates"][0], "infra/app-a/main.json");
    assert_eq!(policies[1]["templates"][0], "infra/app-b/main.json");
    assert_ne!(policies[0]["digest"], policies[1]["digest"]);
    assert_eq!(report["policy"]["path"], policies[0]["path"]);
    for template in report["templates"].as_array().expect("templates[]") {
        let own = if template["path"] == "infra/app-a/main.json" {
            0
        } else {
            1
        };
        assert_eq!(template["policy"], own, "{template}");
    }
    // Each Contributor row is rated by its own policy: excepted in app-a, failing in app-b.
    let verdicts: Vec<(u64, &str)> = report["grants"]
        .as_array()
        .expect("grants[]")
        .iter()
        .map(|g| {
            (
                g["policy"].as_u64().unwrap_or(99),
                g["verdict"].as_str().unwrap_or_default(),
            )
        })
        .collect();
    assert_eq!(verdicts, vec![(0, "pass"), (1, "fail")]);

    // The text report says which policy judged which template.
    let (code, text, _) = rolegate(&["check", "infra"], &root);
    assert_eq!(code, 1);
    assert!(
        text.contains("app-a/rolegate.yaml (nearest rolegate.yaml)")
            && text.contains("for infra/app-a/main.json"),
        "{text}"
    );
    assert!(text.contains("for infra/app-b/main.json"), "{text}");

    // Alone, app-a passes under its own policy.
    let (code, _, stderr) = rolegate(&["check", "infra/app-a"], &root);
    assert_eq!(code, 0, "{stderr}");
}

#[test]
fn a_policy_that_allows_the_role_passes_only_its_own_template() {
    // app-a denies no roles; app-b keeps the defaults.
    let root = monorepo(
        "per-template-denied-roles",
        "version: 1\ndenied_roles: []\n",
        POLICY_STRICT_ON_CONTRIBUTOR,
    );
    let (code, stdout, stderr) = rolegate(&["check", "infra", "--format", "json"], &root);
    assert_eq!(code, 1, "{stderr}");
    let report = json_report(&stdout, &stderr);
    assert!(ra002_in(&report, "app-a").is_empty(), "{stdout}");
    assert_eq!(ra002_in(&report, "app-b").len(), 1, "{stdout}");

    // Swap: app-b allows, app-a forbids; the finding moves with the policy.
    let root = monorepo(
        "per-template-denied-roles-swapped",
        POLICY_STRICT_ON_CONTRIBUTOR,
        "version: 1\ndenied_roles: []\n",
    );
    let (code, stdout, stderr) = rolegate(&["check", "infra", "--format", "json"], &root);
    assert_eq!(code, 1, "{stderr}");
    let report = json_report(&stdout, &stderr);
    assert_eq!(ra002_in(&report, "app-a").len(), 1, "{stdout}");
    assert!(ra002_in(&report, "app-b").is_empty(), "{stdout}");

    // Both allow: one pass for the whole run.
    let allow = "version: 1\ndenied_roles: []\n";
    let root = monorepo("per-template-both-allow", allow, allow);
    let (code, _, stderr) = rolegate(&["check", "infra"], &root);
    assert_eq!(code, 0, "{stderr}");
}

#[test]
fn explicit_policy_judges_every_template() {
    let root = monorepo(
        "per-template-explicit",
        POLICY_WITH_EXCEPTION,
        POLICY_STRICT_ON_CONTRIBUTOR,
    );
    let (code, stdout, stderr) = rolegate(
        &[
            "check",
            "infra",
            "--policy",
            "embedded:default",
            "--format",
            "json",
        ],
        &root,
    );
    assert_eq!(code, 1, "{stderr}");
    let report = json_report(&stdout, &stderr);
    assert_eq!(report["policies"].as_array().map(Vec::len), Some(1));
    assert_eq!(report["policy"]["source"], "explicit");
    assert_eq!(
        report["policies"][0]["templates"].as_array().map(Vec::len),
        Some(2)
    );
    // app-a's exception is not in force: both findings fail.
    for app in ["app-a", "app-b"] {
        let found = ra002_in(&report, app);
        assert_eq!(found.len(), 1, "{app}: {stdout}");
        assert!(found[0].get("suppressed").is_none(), "{app}: {}", found[0]);
    }
}

#[test]
fn one_policy_for_all_templates_reports_as_before() {
    let root = monorepo(
        "per-template-one-group",
        POLICY_STRICT_ON_CONTRIBUTOR,
        POLICY_STRICT_ON_CONTRIBUTOR,
    );
    // Move the policies up: both templates now resolve to infra/rolegate.yaml.
    for app in ["app-a", "app-b"] {
        std::fs::remove_file(root.join("infra").join(app).join("rolegate.yaml")).expect("rm");
    }
    std::fs::write(
        root.join("infra/rolegate.yaml"),
        POLICY_STRICT_ON_CONTRIBUTOR,
    )
    .expect("write");
    let (code, stdout, stderr) = rolegate(&["check", "infra", "--format", "json"], &root);
    assert_eq!(code, 1, "{stderr}");
    let report = json_report(&stdout, &stderr);
    let policies = report["policies"].as_array().expect("policies[]");
    assert_eq!(policies.len(), 1);
    assert!(policies[0]["path"]
        .as_str()
        .is_some_and(|p| p.ends_with("infra/rolegate.yaml")));
    assert_eq!(policies[0]["templates"].as_array().map(Vec::len), Some(2));
    let (_, text, _) = rolegate(&["check", "infra"], &root);
    let policy_lines: Vec<&str> = text.lines().filter(|l| l.starts_with("policy: ")).collect();
    assert_eq!(policy_lines.len(), 1, "{text}");
    assert!(
        policy_lines[0].ends_with(']'),
        "one policy: no per-template list: {text}"
    );
}

#[test]
fn a_broken_policy_of_one_app_is_bad_input_before_any_template_is_judged() {
    let root = monorepo(
        "per-template-broken",
        POLICY_WITH_EXCEPTION,
        "version: 1\nmax_scope: everywhere\n",
    );
    let (code, stdout, stderr) = rolegate(&["check", "infra"], &root);
    assert_eq!(code, 2, "stdout: {stdout}\nstderr: {stderr}");
    assert!(
        stderr.contains("app-b/rolegate.yaml:2:12"),
        "no file:line:col of the broken policy: {stderr}"
    );
    assert!(stdout.is_empty(), "nothing judged: {stdout}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn policy_which_lists_each_template_when_policies_differ() {
    let root = monorepo(
        "per-template-which",
        POLICY_WITH_EXCEPTION,
        POLICY_STRICT_ON_CONTRIBUTOR,
    );
    let (code, out, err) = rolegate(&["policy", "which", "infra"], &root);
    assert_eq!(code, 0, "{err}");
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 2, "{out}");
    assert!(
        lines[0].starts_with("infra/app-a/main.json: ")
            && lines[0].ends_with("app-a/rolegate.yaml"),
        "{out}"
    );
    assert!(
        lines[1].starts_with("infra/app-b/main.json: ")
            && lines[1].ends_with("app-b/rolegate.yaml"),
        "{out}"
    );
    // One policy for everything under the path: one line, as before.
    let (code, out, err) = rolegate(&["policy", "which", "infra/app-b"], &root);
    assert_eq!(code, 0, "{err}");
    assert_eq!(out.lines().count(), 1, "{out}");
    assert!(out.trim().ends_with("app-b/rolegate.yaml"), "{out}");
}
