//! Every renderer over one fixture report: snapshots (so format changes are reviewed), schema and
//! shape validation, size limits, and the promise that no credential reaches any output.

use arm::Location;
use report::markdown::{self, MarkdownOptions};
use report::{
    evidence, json, junit, sarif, text, CommitInfo, ContextInfo, GrantRow, IdentityKind,
    IdentityRow, PolicyInfo, PolicySource, Report, ReportInput, RowVerdict, RuleInfo, SourceCache,
    TemplateInfo, TextOptions, ToolInfo, Verdict,
};
use rules::finding::Subject;
use rules::{Finding, Label, ResourceContext, Severity, Suppression};

const TEMPLATE: &str = "examples/payment-reconciliation/bad/main.json";
const POLICY: &str = "examples/payment-reconciliation/bad/rolegate.yaml";
const WORKFLOW: &str =
    "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rolegate-rg/providers/Microsoft.Logic/workflows/wf-payments";
const SUB: &str = "/subscriptions/00000000-0000-0000-0000-000000000000";
const VAULT: &str = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rolegate-rg/providers/Microsoft.KeyVault/vaults/kv-payments";

fn template_text() -> String {
    let mut lines = vec!["{".to_string(); 60];
    lines[11] = r#"      "identity": { "type": "SystemAssigned" },"#.into();
    lines[24] = r#"          "connectionString": "Endpoint=sb://ns.servicebus.windows.net/;SharedAccessKeyName=Root;SharedAccessKey=SUPERSECRETKEY123=","#.into();
    lines[40] = r#"      "type": "Microsoft.Authorization/roleAssignments","#.into();
    lines[44] = r#"        "roleDefinitionId": "[subscriptionResourceId('Microsoft.Authorization/roleDefinitions', 'b24988ac-6180-42a0-ab88-20f7382dd24c')]","#.into();
    lines.join("\n")
}

fn policy_text() -> String {
    "version: 1\ndeny_roles:\n  - Owner\n  - Contributor\nmax_scope: resource-group\n".into()
}

fn loc(file: &str, line: u32, column: u32, pointer: &str) -> Location {
    Location {
        file: file.into(),
        line,
        column,
        pointer: pointer.into(),
        bicep: None,
    }
}

fn system_identity() -> String {
    format!("system-assigned of {WORKFLOW}")
}

fn findings() -> Vec<Finding> {
    vec![
        Finding {
            rule: "RA003".into(),
            name: "scope-too-broad".into(),
            severity: Severity::Error,
            message: "wf-payments (system-assigned) is granted Contributor at subscription scope; the policy allows at most resource-group".into(),
            location: loc(TEMPLATE, 41, 7, "/resources/1"),
            labels: vec![Label {
                location: loc(POLICY, 5, 12, "/max_scope"),
                message: "maximum scope set here".into(),
            }],
            fix: Some("scope the assignment to the vault kv-payments".into()),
            subject: Subject {
                workload: Some(WORKFLOW.into()),
                identity: Some(system_identity()),
                role: Some("Contributor".into()),
                scope: Some(SUB.into()),
            },
            suppressed: None,
            resource: Some(contributor_grant()),
        },
        Finding {
            rule: "RA002".into(),
            name: "privileged-role".into(),
            severity: Severity::Error,
            message: "wf-payments (system-assigned) is granted Contributor, a privileged role the policy denies".into(),
            location: loc(TEMPLATE, 45, 9, "/resources/1/properties/roleDefinitionId"),
            labels: vec![Label {
                location: loc(POLICY, 4, 5, "/deny_roles/1"),
                message: "denied here".into(),
            }],
            fix: Some("grant Key Vault Secrets User on kv-payments: the workflow only reads secrets".into()),
            subject: Subject {
                workload: Some(WORKFLOW.into()),
                identity: Some(system_identity()),
                role: Some("Contributor".into()),
                scope: Some(SUB.into()),
            },
            suppressed: None,
            resource: Some(contributor_grant()),
        },
        Finding {
            rule: "SC001".into(),
            name: "secret-in-template".into(),
            severity: Severity::Error,
            message: "the connection string of connection sb-claims holds a literal SharedAccessKey".into(),
            location: loc(TEMPLATE, 25, 11, "/resources/2/properties/parameterValues/connectionString"),
            labels: vec![],
            fix: Some("use managed identity authentication for Service Bus".into()),
            subject: Subject::default(),
            suppressed: Some(Suppression {
                reason: "legacy connector, replaced in Q3".into(),
                owner: "payments-team".into(),
                expires: "2099-12-31".into(),
                location: loc(POLICY, 9, 5, "/exceptions/0"),
                directive: None,
            }),
            resource: None,
        },
        Finding {
            rule: "MI004".into(),
            name: "identity-kind-mismatch".into(),
            severity: Severity::Warning,
            message: "wf-payments uses a system-assigned identity; the policy prefers user-assigned for workflows rebuilt often".into(),
            location: loc(TEMPLATE, 12, 7, "/resources/0/identity"),
            labels: vec![],
            fix: None,
            subject: Subject {
                workload: Some(WORKFLOW.into()),
                identity: Some(system_identity()),
                role: None,
                scope: None,
            },
            suppressed: None,
            // Hand-written JSON: no symbol, so the type and name.
            resource: Some(ResourceContext {
                resource_type: "Microsoft.Logic/workflows".into(),
                name: Some("wf-payments".into()),
                ..ResourceContext::default()
            }),
        },
    ]
}

/// The role assignment as compiled from Bicep: `resource contributorGrant` in `module grants`.
fn contributor_grant() -> ResourceContext {
    ResourceContext {
        resource_type: "Microsoft.Authorization/roleAssignments".into(),
        name: Some("{guid of runtime property identity.principalId of Microsoft.Logic/workflows/wf-payments}".into()),
        symbol: Some("contributorGrant".into()),
        module: Some("grants".into()),
        generator: Some("bicep".into()),
        ..ResourceContext::default()
    }
}

fn fixture(fail_on: Severity) -> Report {
    let mut input = ReportInput::new(
        PolicyInfo::new(
            PolicySource::Discovered,
            Some(POLICY.into()),
            &policy_text(),
        ),
        ContextInfo::from(&arm::DeploymentContext::default()),
    );
    input.tool = ToolInfo {
        name: "rolegate".into(),
        version: "0.0.0-test".into(),
        information_uri: "https://github.com/rolegate/rolegate".into(),
    };
    input.fail_on = fail_on;
    input.templates = vec![TemplateInfo {
        path: TEMPLATE.into(),
        parameter_files: vec!["examples/payment-reconciliation/bad/main.parameters.json".into()],
        digest: Some(format!(
            "sha256:{}",
            report::sha256_hex(template_text().as_bytes())
        )),
        resources: 3,
        policy: None,
    }];
    input.rules = vec![
        rule("MI004", "identity-kind-mismatch", Severity::Warning),
        rule("RA002", "privileged-role", Severity::Error),
        rule("RA003", "scope-too-broad", Severity::Error),
        rule("SC001", "secret-in-template", Severity::Error),
    ];
    input.identities = vec![IdentityRow {
        id: system_identity(),
        display: "wf-payments (system-assigned)".into(),
        kind: IdentityKind::SystemAssigned,
        workloads: vec![WORKFLOW.into()],
        principal_id: Some(
            "runtime property identity.principalId of Microsoft.Logic/workflows/wf-payments".into(),
        ),
        client_id: None,
        location: Some(loc(TEMPLATE, 12, 7, "/resources/0/identity")),
    }];
    input.grants = vec![
        GrantRow {
            identity: system_identity(),
            identity_display: "wf-payments (system-assigned)".into(),
            principal_kind: "system-assigned".into(),
            principal_id: None,
            role: "Contributor".into(),
            role_id: Some("b24988ac-6180-42a0-ab88-20f7382dd24c".into()),
            scope: SUB.into(),
            scope_level: Some("subscription".into()),
            location: Some(loc(TEMPLATE, 41, 7, "/resources/1")),
            verdict: RowVerdict::Pass,
            rules: vec![],
            policy: None,
            assignment_id: None,
        },
        GrantRow {
            identity: system_identity(),
            identity_display: "wf-payments (system-assigned)".into(),
            principal_kind: "system-assigned".into(),
            principal_id: None,
            role: "Key Vault Secrets User".into(),
            role_id: Some("4633458b-17de-408a-b874-0445c86b69e6".into()),
            scope: VAULT.into(),
            scope_level: Some("resource".into()),
            location: Some(loc(TEMPLATE, 50, 7, "/resources/3")),
            verdict: RowVerdict::Pass,
            rules: vec![],
            policy: None,
            assignment_id: None,
        },
    ];
    input.findings = findings();
    Report::new(input)
}

fn rule(id: &str, name: &str, severity: Severity) -> RuleInfo {
    RuleInfo {
        id: id.into(),
        name: name.into(),
        summary: format!("{} (summary)", name.replace('-', " ")),
        help: format!("## What it does\nChecks {name}.\n"),
        default_severity: severity,
    }
}

fn sources() -> SourceCache {
    let cache = SourceCache::new();
    cache.insert(TEMPLATE, &template_text());
    cache.insert(POLICY, &policy_text());
    cache
}

#[test]
fn verdict_and_rows() {
    let r = fixture(Severity::Error);
    assert_eq!(r.verdict, Verdict::Fail);
    assert_eq!(r.verdict.exit_code(), 1);
    assert_eq!(r.grants[0].verdict, RowVerdict::Fail);
    assert_eq!(r.grants[0].rules, vec!["RA002", "RA003"]);
    assert_eq!(r.grants[1].verdict, RowVerdict::Pass);
    assert_eq!(
        (
            r.summary.errors,
            r.summary.warnings,
            r.summary.suppressed,
            r.summary.failing
        ),
        (2, 1, 1, 2)
    );
    // Findings come out in file order, whatever order the rules produced them in.
    let order: Vec<&str> = r.findings.iter().map(|f| f.rule.as_str()).collect();
    assert_eq!(order, vec!["MI004", "SC001", "RA003", "RA002"]);
}

#[test]
fn text_snapshot() {
    let out = text::render(
        &fixture(Severity::Error),
        &sources(),
        TextOptions { color: false },
    );
    assert!(!out.contains('\x1b'), "no colour unless asked");
    insta::assert_snapshot!("text", out);
}

#[test]
fn text_colour_only_when_asked() {
    let out = text::render(
        &fixture(Severity::Error),
        &sources(),
        TextOptions { color: true },
    );
    assert!(out.contains("\x1b[1;31merror[RA002]"));
}

#[test]
fn text_without_source_files_still_names_locations() {
    let out = text::render(
        &fixture(Severity::Error),
        &SourceCache::new(),
        TextOptions::default(),
    );
    assert!(out.contains(&format!("--> {TEMPLATE}:45:9")), "{out}");
    assert!(out.contains("= denied here"), "{out}");
}

#[test]
fn markdown_snapshot() {
    let out = markdown::render(&fixture(Severity::Error), &MarkdownOptions::default());
    assert!(out.starts_with("## ❌ rolegate: FAIL"), "verdict first");
    insta::assert_snapshot!("markdown", out);
}

#[test]
fn sarif_snapshot() {
    insta::assert_snapshot!("sarif", sarif::render(&fixture(Severity::Error)));
}

#[test]
fn junit_snapshot() {
    insta::assert_snapshot!("junit", junit::render(&fixture(Severity::Error)));
}

#[test]
fn fail_on_warning_turns_the_warning_into_a_failure() {
    let r = fixture(Severity::Warning);
    assert_eq!(r.summary.failing, 3);
    let xml = junit::render(&r);
    assert!(xml.contains(r#"<failure type="MI004""#), "{xml}");
    let relaxed = junit::render(&fixture(Severity::Error));
    assert!(!relaxed.contains(r#"<failure type="MI004""#));
    assert!(relaxed.contains(
        "<system-out>examples/payment-reconciliation/bad/main.json:12:7: warning [MI004]"
    ));
}

#[test]
fn json_report_matches_its_schema() {
    let schema_path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/report.schema.json");
    let schema: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(schema_path).unwrap()).unwrap();
    let validator = jsonschema::draft202012::new(&schema).unwrap();
    let mut r = fixture(Severity::Error);
    r.plan = Some(serde_json::json!({"resources": []}));
    let value: serde_json::Value = serde_json::from_str(&json::render(&r)).unwrap();
    let errors: Vec<String> = validator
        .iter_errors(&value)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
    assert_eq!(value["verdict"], "fail");
    assert_eq!(value["findings"][0]["rule"], "MI004");
    assert_eq!(value["findings"][0]["location"]["line"], 12);

    assert_eq!(
        value["findings"][0]["resource"]["type"],
        "Microsoft.Logic/workflows"
    );
    assert!(
        value["findings"][1].get("resource").is_none(),
        "no context, no key"
    );
    assert_eq!(
        value["findings"][2]["resource"]["symbol"],
        "contributorGrant"
    );
    assert_eq!(value["findings"][2]["resource"]["module"], "grants");
    assert_eq!(value["findings"][2]["resource"]["generator"], "bicep");

    // The schema can fail: a report with a bad verdict is rejected.
    let mut bad = value.clone();
    bad["verdict"] = "maybe".into();
    assert!(!validator.is_valid(&bad));
    // And it describes the resource context: a context without a type is rejected.
    let mut bad = value.clone();
    bad["findings"][2]["resource"] = serde_json::json!({"copy_index": "three"});
    assert!(!validator.is_valid(&bad));

    // And the JSON reads back into the same report.
    let back: Report = serde_json::from_value(value).unwrap();
    assert_eq!(back, r);
}

/// The parts of the SARIF 2.1.0 schema that code scanning relies on.
const SARIF_SHAPE: &str = r##"{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "type": "object",
  "required": ["version", "runs", "$schema"],
  "properties": {
    "version": {"const": "2.1.0"},
    "runs": {"type": "array", "minItems": 1, "items": {
      "type": "object", "required": ["tool", "results"],
      "properties": {
        "tool": {"type": "object", "required": ["driver"], "properties": {"driver": {
          "type": "object", "required": ["name", "rules"],
          "properties": {"rules": {"type": "array", "items": {
            "type": "object", "required": ["id", "shortDescription", "help", "defaultConfiguration"],
            "properties": {
              "shortDescription": {"$ref": "#/$defs/message"},
              "help": {"$ref": "#/$defs/message"},
              "defaultConfiguration": {"type": "object", "properties": {"level": {"$ref": "#/$defs/level"}}}
            }}}}}}},
        "results": {"type": "array", "items": {
          "type": "object", "required": ["ruleId", "level", "message", "locations"],
          "properties": {
            "ruleIndex": {"type": "integer", "minimum": 0},
            "level": {"$ref": "#/$defs/level"},
            "message": {"$ref": "#/$defs/message"},
            "locations": {"type": "array", "minItems": 1, "items": {"$ref": "#/$defs/location"}},
            "relatedLocations": {"type": "array", "items": {"$ref": "#/$defs/location"}},
            "suppressions": {"type": "array", "items": {"type": "object", "required": ["kind"],
              "properties": {"kind": {"enum": ["inSource", "external"]}}}},
            "partialFingerprints": {"type": "object", "additionalProperties": {"type": "string"}}
          }}}
      }}}
  },
  "$defs": {
    "level": {"enum": ["none", "note", "warning", "error"]},
    "message": {"type": "object", "required": ["text"], "properties": {"text": {"type": "string"}}},
    "location": {"type": "object", "required": ["physicalLocation"], "properties": {"physicalLocation": {
      "type": "object", "required": ["artifactLocation", "region"],
      "properties": {
        "artifactLocation": {"type": "object", "required": ["uri"], "properties": {"uri": {"type": "string", "minLength": 1}}},
        "region": {"type": "object", "required": ["startLine", "startColumn"], "properties": {
          "startLine": {"type": "integer", "minimum": 1}, "startColumn": {"type": "integer", "minimum": 1}}}
      }}}}
  }
}"##;

#[test]
fn sarif_has_the_shape_code_scanning_needs() {
    let shape: serde_json::Value = serde_json::from_str(SARIF_SHAPE).unwrap();
    let validator = jsonschema::draft202012::new(&shape).unwrap();
    let r = fixture(Severity::Error);
    let log: serde_json::Value = serde_json::from_str(&sarif::render(&r)).unwrap();
    let errors: Vec<String> = validator
        .iter_errors(&log)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
    let results = log["runs"][0]["results"].as_array().unwrap();
    assert_eq!(results.len(), 4);
    let rules = log["runs"][0]["tool"]["driver"]["rules"]
        .as_array()
        .unwrap();
    for result in results {
        let index = result["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(
            rules[index]["id"], result["ruleId"],
            "ruleIndex points at its rule"
        );
    }
    let suppressed: Vec<&serde_json::Value> = results
        .iter()
        .filter(|r| r.get("suppressions").is_some())
        .collect();
    assert_eq!(suppressed.len(), 1);
    assert_eq!(suppressed[0]["ruleId"], "SC001");
    // The shape check can fail: a result without a location is rejected.
    let mut broken = log.clone();
    broken["runs"][0]["results"][0]["locations"] = serde_json::json!([]);
    assert!(!validator.is_valid(&broken));
}

#[test]
fn markdown_stays_under_the_limit_and_says_where_the_rest_is() {
    let mut input = ReportInput::new(
        PolicyInfo::new(PolicySource::EmbeddedDefault, None, "x"),
        ContextInfo::default(),
    );
    let base = findings().remove(1);
    input.findings = (0..2_000)
        .map(|i| {
            let mut f = base.clone();
            f.location.line = i + 1;
            f.message = format!("{} #{i} {}", f.message, "x".repeat(40));
            f
        })
        .collect();
    input.grants = fixture(Severity::Error).grants;
    let r = Report::new(input);
    let options = MarkdownOptions {
        full_report: Some("rolegate-report".into()),
        ..MarkdownOptions::default()
    };
    let out = markdown::render(&r, &options);
    let n = out.chars().count();
    assert!(
        n <= options.max_chars && n < markdown::GITHUB_COMMENT_LIMIT,
        "{n}"
    );
    assert!(out.starts_with("## ❌ rolegate: FAIL: 2000 errors"));
    assert!(
        out.contains("| wf-payments (system-assigned) | Contributor |"),
        "table kept"
    );
    assert!(
        out.contains("findings not shown; the full report is in `rolegate-report`"),
        "{}",
        &out[out.len() - 300..]
    );
    assert!(n > options.max_chars - 2_000, "fills the space it has: {n}");

    let small = MarkdownOptions {
        max_chars: 1_000,
        ..MarkdownOptions::default()
    };
    let out = markdown::render(&r, &small);
    assert!(out.chars().count() <= 1_000);
    assert!(out.contains("not shown"));
}

#[test]
fn evidence_pack_names_identities_roles_scopes_policy_and_commit() {
    let r = fixture(Severity::Error);
    let commit = CommitInfo::from_env(|k| (k == "GITHUB_SHA").then(|| "0123abc".to_string()));
    let value: serde_json::Value = serde_json::from_str(&evidence::render(&r, commit)).unwrap();
    assert_eq!(value["kind"], "rolegate-evidence");
    assert_eq!(value["commit"]["sha"], "0123abc");
    assert_eq!(value["policy"]["digest"], r.policy.digest);
    assert_eq!(value["identities"][0]["kind"], "system-assigned");
    assert_eq!(value["grants"][0]["role"], "Contributor");
    assert_eq!(value["grants"][0]["scope"], SUB);
    assert_eq!(value["grants"][0]["verdict"], "fail");
    assert_eq!(
        value["findings"][1]["exception"],
        "legacy connector, replaced in Q3 (owner payments-team, expires 2099-12-31)"
    );
    assert!(value["templates"][0]["digest"]
        .as_str()
        .unwrap()
        .starts_with("sha256:"));
    let resources: Vec<&str> = value["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|f| f["resource"].as_str())
        .collect();
    assert!(
        resources.contains(&"grants/contributorGrant"),
        "{resources:?}"
    );
}

#[test]
fn no_output_contains_the_secret_in_the_template() {
    let r = fixture(Severity::Warning);
    let outputs = [
        text::render(&r, &sources(), TextOptions::default()),
        json::render(&r),
        sarif::render(&r),
        junit::render(&r),
        markdown::render(&r, &MarkdownOptions::default()),
        evidence::render(&r, None),
    ];
    for out in outputs {
        assert!(!out.contains("SUPERSECRETKEY"), "{out}");
    }
    // The snippet still shows the line, masked.
    let t = text::render(&r, &sources(), TextOptions::default());
    assert!(t.contains(r#""connectionString": "****""#), "{t}");
}

/// The fixture with its findings compiled from Bicep: RA003 in a module file, MI004 silenced in
/// the source by `#disable-next-line`.
fn bicep_fixture() -> Report {
    let mut r = fixture(Severity::Error);
    for f in &mut r.findings {
        let (file, line) = match f.rule.as_str() {
            "RA003" => ("examples/x/modules/grant.bicep", 10),
            _ => ("examples/x/main.bicep", 41),
        };
        f.location.bicep = Some(arm::SourcePosition {
            file: file.into(),
            line,
            column: 3,
        });
        if f.rule == "MI004" {
            f.suppressed = Some(Suppression {
                reason: "migrating next sprint".into(),
                owner: String::new(),
                expires: String::new(),
                location: Location {
                    bicep: Some(arm::SourcePosition {
                        file: "examples/x/main.bicep".into(),
                        line: 40,
                        column: 1,
                    }),
                    ..loc("examples/x/main.bicep", 40, 1, "")
                },
                directive: Some("rolegate-MI004".into()),
            });
        }
    }
    r
}

#[test]
fn bicep_locations_lead_in_every_format() {
    let r = bicep_fixture();
    // JSON: `location.bicep` and `suppressed.directive`, valid against the schema.
    let schema_path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/report.schema.json");
    let schema: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(schema_path).unwrap()).unwrap();
    let validator = jsonschema::draft202012::new(&schema).unwrap();
    let value: serde_json::Value = serde_json::from_str(&json::render(&r)).unwrap();
    let errors: Vec<String> = validator
        .iter_errors(&value)
        .map(|e| e.to_string())
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
    let ra003 = value["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "RA003")
        .unwrap();
    assert_eq!(
        ra003["location"]["bicep"],
        serde_json::json!({"file": "examples/x/modules/grant.bicep", "line": 10, "column": 3})
    );
    let mut bad = value.clone();
    bad["findings"][0]["location"]["bicep"] = serde_json::json!({"file": "main.bicep"});
    assert!(!validator.is_valid(&bad), "a Bicep position needs its line");

    // Text: the Bicep line first, the compiled JSON after it; the inline suppression named.
    let out = text::render(&r, &SourceCache::new(), TextOptions::default());
    assert!(
        out.contains("--> examples/x/modules/grant.bicep:10:3")
            && out.contains(&format!("= compiled: {TEMPLATE}:41:7")),
        "{out}"
    );
    assert!(
        out.contains("suppressed by `#disable-next-line rolegate-MI004` at examples/x/main.bicep:40:1: migrating next sprint"),
        "{out}"
    );

    // SARIF: Bicep is the primary physical location, the JSON a related one.
    let log = sarif::to_value(&r);
    let result = log["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["ruleId"] == "RA003")
        .unwrap();
    assert_eq!(
        result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "examples/x/modules/grant.bicep"
    );
    assert!(result["relatedLocations"]
        .as_array()
        .unwrap()
        .iter()
        .any(
            |l| l["physicalLocation"]["artifactLocation"]["uri"] == TEMPLATE
                && l["physicalLocation"]["region"]["startLine"] == 41
        ));
    let suppressed = log["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["ruleId"] == "MI004")
        .unwrap();
    assert_eq!(suppressed["suppressions"][0]["kind"], "inSource");

    // Markdown: links to the Bicep line when the source tree's URL is known.
    let options = MarkdownOptions {
        source_link: Some("https://github.com/o/r/blob/abc".into()),
        ..MarkdownOptions::default()
    };
    let md = markdown::render(&r, &options);
    assert!(
        md.contains("[`examples/x/modules/grant.bicep:10:3`](https://github.com/o/r/blob/abc/examples/x/modules/grant.bicep#L10)"),
        "{md}"
    );
    assert!(md.contains("Suppressed in the source by `#disable-next-line rolegate-MI004`"));
}

#[test]
fn grant_tables_name_roles_and_scopes_known_only_at_deployment_in_reviewer_words() {
    let mut report = fixture(Severity::Error);
    report.grants.push(GrantRow {
        identity: "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rolegate-rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/{parameter 'identityName' (no value given)}".into(),
        identity_display: "user-assigned identity named by parameter 'identityName'".into(),
        principal_kind: "user-assigned".into(),
        principal_id: None,
        role: "{coalesce of tryGet of parameter 'roleId' (no value given) and parameter 'roleId' (no value given)}".into(),
        role_id: None,
        scope: "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rolegate-rg/providers/Microsoft.Storage/storageAccounts/{format of toLower of parameter 'accountName' (no value given)}".into(),
        scope_level: Some("resource".into()),
        location: Some(loc(TEMPLATE, 60, 7, "/resources/4")),
        verdict: RowVerdict::Warn,
        rules: vec!["EV001".into()],
        policy: None,
        assignment_id: None,
    });
    let terminal = text::render(&report, &sources(), TextOptions::default());
    let comment = markdown::render(&report, &MarkdownOptions::default());
    for out in [&terminal, &comment] {
        assert!(out.contains("role named by parameter 'roleId'"), "{out}");
        assert!(
            out.contains("storage account named by parameter 'accountName'"),
            "{out}"
        );
        for leak in ["(no value given)", "coalesce of", "{format of"] {
            assert!(!out.contains(leak), "`{leak}` in {out}");
        }
    }
    // Machines keep the provenance.
    let json = json::render(&report);
    assert!(json.contains("{coalesce of tryGet of parameter 'roleId'"));
}
