//! `rolegate check --live` end to end: the binary authenticates with a managed identity through
//! `IDENTITY_ENDPOINT`, reads ARM and Graph from servers on 127.0.0.1 that speak their wire formats,
//! and reports LV findings in `findings[]`. The template is the payment-reconciliation example
//! (`examples/payment-reconciliation/good`), which passes offline.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use wiremock::matchers::{header, method, path, query_param, query_param_is_missing};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

const SUB: &str = "11111111-1111-4111-8111-111111111111";
const RG: &str = "rg-pay";
/// The workflow's system identity today.
const WF_PRINCIPAL: &str = "aaaaaaaa-0000-4000-8000-000000000001";
/// The workflow's identity before it was recreated: deleted from the directory.
const OLD_PRINCIPAL: &str = "5c1f0000-0000-4000-8000-000000000002";
const OTHER_PRINCIPAL: &str = "bbbbbbbb-0000-4000-8000-000000000003";
const DEPLOYER: &str = "d0d0d0d0-0000-4000-8000-00000000000d";
const KV_SECRETS_USER: &str = "4633458b-17de-408a-b874-0445c86b69e6";
const READER: &str = "acdd72a7-3385-48ef-bd42-f606fba81ae7";
const CONTRIBUTOR: &str = "b24988ac-6180-42a0-ab88-20f7382dd24c";
/// The planned assignment's name with the real subscription and resource group (`guid()` as
/// Azure computes it; checked against the plan in `a_conflict_...`).
const PLANNED_NAME: &str = "f4c941e4-feec-58ec-ab52-bb00f2f5138c";
/// A JWT whose claims name the deployer; the signature part is a marker no output may contain.
const TOKEN: &str = "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.eyJvaWQiOiJkMGQwZDBkMC0wMDAwLTQwMDAtODAwMC0wMDAwMDAwMDAwMGQiLCJhdWQiOiJhcm0ifQ.SECRET-TOKEN-MARKER";
const MARKER: &str = "SECRET-TOKEN-MARKER";
const IDENTITY_HEADER: &str = "test-identity-header";

fn example() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/payment-reconciliation/good")
}

fn vault() -> String {
    format!("/subscriptions/{SUB}/resourceGroups/{RG}/providers/Microsoft.KeyVault/vaults/kv-payrec-prod-weu")
}

fn workflow() -> String {
    format!("/subscriptions/{SUB}/resourceGroups/{RG}/providers/Microsoft.Logic/workflows/payment-reconciliation")
}

fn assignments_path(scope: &str) -> String {
    format!("{scope}/providers/Microsoft.Authorization/roleAssignments")
}

fn assignment(name: &str, scope: &str, role: &str, principal: &str) -> Value {
    json!({
        "id": format!("{}/{name}", assignments_path(scope)),
        "name": name,
        "type": "Microsoft.Authorization/roleAssignments",
        "properties": {
            "roleDefinitionId": format!("/subscriptions/{SUB}/providers/Microsoft.Authorization/roleDefinitions/{role}"),
            "principalId": principal,
            "principalType": "ServicePrincipal",
            "scope": scope,
            "createdOn": "2025-01-01T00:00:00Z"
        }
    })
}

/// The planned grant (Key Vault Secrets User for the workflow on the vault) as it exists in the
/// tenant after an earlier deployment, under its planned name.
fn planned_assignment() -> Value {
    assignment(PLANNED_NAME, &vault(), KV_SECRETS_USER, WF_PRINCIPAL)
}

/// Any GET of the vault's role assignments, answered with `response`.
fn vault_assignments(response: ResponseTemplate) -> Mock {
    Mock::given(method("GET"))
        .and(path(assignments_path(&vault())))
        .respond_with(response)
}

/// A token's `expires_on`: an hour from now, in seconds since the epoch.
fn in_an_hour() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() + 3600)
        .unwrap_or(0)
}

/// The token endpoint, ARM and Graph, each a server on 127.0.0.1.
struct Tenant {
    identity: MockServer,
    arm: MockServer,
    graph: MockServer,
    dir: PathBuf,
}

impl Tenant {
    /// A tenant where the workflow exists with its system identity and nothing is assigned yet.
    async fn start(name: &str) -> Tenant {
        let identity = MockServer::start().await;
        let arm = MockServer::start().await;
        let graph = MockServer::start().await;
        let expires = in_an_hour();
        // App Service managed identity protocol (api-version 2019-08-01).
        Mock::given(method("GET"))
            .and(path("/msi/token"))
            .and(query_param("api-version", "2019-08-01"))
            .and(header("x-identity-header", IDENTITY_HEADER))
            .respond_with(move |req: &Request| {
                let resource = query(req, "resource").unwrap_or_default();
                ResponseTemplate::new(200).set_body_json(json!({
                    "access_token": TOKEN,
                    "expires_on": expires.to_string(),
                    "token_type": "Bearer",
                    "resource": resource,
                }))
            })
            .mount(&identity)
            .await;
        let tenant = Tenant {
            identity,
            arm,
            graph,
            dir: Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("live-{name}")),
        };
        let _ = std::fs::remove_dir_all(&tenant.dir);
        std::fs::create_dir_all(&tenant.dir).expect("a temp dir");
        tenant
            .workflow(
                json!({"type": "SystemAssigned", "principalId": WF_PRINCIPAL, "tenantId": "t"}),
                5,
            )
            .await;
        tenant
            .principal(WF_PRINCIPAL, Some("payment-reconciliation"))
            .await;
        tenant.principal(DEPLOYER, Some("rolegate-ci")).await;
        tenant
            .principal(OTHER_PRINCIPAL, Some("ops-automation"))
            .await;
        tenant.principal(OLD_PRINCIPAL, None).await;
        tenant
    }

    /// The workflow as deployed; later calls take precedence over earlier ones.
    async fn workflow(&self, identity: Value, priority: u8) {
        Mock::given(method("GET"))
            .and(path(workflow()))
            .and(query_param("api-version", "2019-05-01"))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!({
                "id": workflow(), "name": "payment-reconciliation", "type": "Microsoft.Logic/workflows",
                "location": "westeurope", "identity": identity, "properties": {"state": "Enabled"}
            })))
            .with_priority(priority)
            .mount(&self.arm)
            .await;
    }

    /// A Graph service principal; `None` as the name: deleted (404 Request_ResourceNotFound).
    async fn principal(&self, id: &str, name: Option<&str>) {
        let response = match name {
            Some(name) => ResponseTemplate::new(200).set_body_json(json!({
                "id": id, "displayName": name, "appId": format!("app-{name}"),
                "servicePrincipalType": "ManagedIdentity"
            })),
            None => ResponseTemplate::new(404).set_body_json(json!({
                "error": {"code": "Request_ResourceNotFound", "message": format!("Resource '{id}' does not exist")}
            })),
        };
        Mock::given(method("GET"))
            .and(path(format!("/v1.0/servicePrincipals/{id}")))
            .and(header("authorization", format!("Bearer {TOKEN}").as_str()))
            .respond_with(response)
            .mount(&self.graph)
            .await;
    }

    /// The assignments at `scope` (`atScope()`), one list per page, linked by `nextLink`.
    async fn assignments_at(&self, scope: &str, pages: Vec<Vec<Value>>) {
        let count = pages.len();
        for (i, items) in pages.into_iter().enumerate() {
            let mut body = json!({"value": items});
            if i + 1 < count {
                body["nextLink"] = json!(format!(
                    "{}{}?api-version=2022-04-01&$filter=atScope()&$skiptoken={}",
                    self.arm.uri(),
                    assignments_path(scope),
                    i + 1
                ));
            }
            let mock = Mock::given(method("GET"))
                .and(path(assignments_path(scope)))
                .and(query_param("api-version", "2022-04-01"))
                .and(query_param("$filter", "atScope()"))
                .and(header("authorization", format!("Bearer {TOKEN}").as_str()));
            let mock = if i == 0 {
                mock.and(query_param_is_missing("$skiptoken"))
            } else {
                mock.and(query_param("$skiptoken", i.to_string().as_str()))
            };
            mock.respond_with(ResponseTemplate::new(200).set_body_json(body))
                .mount(&self.arm)
                .await;
        }
    }

    /// Every assignment `principal` holds at, above or below the workload's resource group
    /// (`assignedTo()`).
    async fn held_by(&self, principal: &str, items: Vec<Value>) {
        Mock::given(method("GET"))
            .and(path(assignments_path(&format!(
                "/subscriptions/{SUB}/resourceGroups/{RG}"
            ))))
            .and(query_param(
                "$filter",
                format!("assignedTo('{principal}')").as_str(),
            ))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!({"value": items})))
            .mount(&self.arm)
            .await;
    }

    /// `rolegate check ARGS --live --auth managed-identity` against this tenant's servers.
    fn command(&self, template_dir: &Path, args: &[&str]) -> Command {
        self.command_with_auth(template_dir, "managed-identity", args)
    }

    /// `rolegate check ARGS --live --auth AUTH` against this tenant's servers.
    fn command_with_auth(&self, template_dir: &Path, auth: &str, args: &[&str]) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_rolegate"));
        cmd.current_dir(template_dir)
            .env(
                "IDENTITY_ENDPOINT",
                format!("{}/msi/token", self.identity.uri()),
            )
            .env("IDENTITY_HEADER", IDENTITY_HEADER)
            .env_remove("AZURE_CLIENT_ID")
            .env_remove("ROLEGATE_SUBSCRIPTION_ID")
            .env_remove("ROLEGATE_RESOURCE_GROUP")
            .env("NO_COLOR", "1")
            .args(["check"])
            .args(args)
            .args([
                "--live",
                "--auth",
                auth,
                "--arm-endpoint",
                &self.arm.uri(),
                "--graph-endpoint",
                &self.graph.uri(),
            ]);
        cmd
    }

    /// `rolegate check main.json -p main.parameters.json --live ... --subscription-id SUB
    /// --resource-group RG --format json` over the example.
    fn check(&self, extra: &[&str]) -> Output {
        let mut args = vec!["--format", "json"];
        args.extend_from_slice(extra);
        self.command(&example(), &example_args(&args))
            .output()
            .expect("rolegate runs")
    }

    /// Asserts that every request ARM received carried the tenant's bearer token.
    async fn assert_arm_saw_the_token(&self) {
        let arm = self.arm.received_requests().await.unwrap_or_default();
        assert!(!arm.is_empty());
        assert!(arm.iter().all(
            |r| r.headers.get("authorization").and_then(|v| v.to_str().ok())
                == Some(&format!("Bearer {TOKEN}"))
        ));
    }
}

/// `main.json -p main.parameters.json --subscription-id SUB --resource-group RG` and `extra`,
/// for the example.
fn example_args<'a>(extra: &[&'a str]) -> Vec<&'a str> {
    let mut args = vec![
        "main.json",
        "-p",
        "main.parameters.json",
        "--subscription-id",
        SUB,
        "--resource-group",
        RG,
    ];
    args.extend_from_slice(extra);
    args
}

fn report(out: &Output) -> Value {
    assert_ne!(out.status.code(), Some(101), "panicked: {}", stderr(out));
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not JSON ({e}); stderr: {}; stdout: {}",
            stderr(out),
            String::from_utf8_lossy(&out.stdout)
        )
    })
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).to_string()
}

fn findings<'a>(report: &'a Value, rule: &str) -> Vec<&'a Value> {
    report["findings"]
        .as_array()
        .map(|f| f.iter().filter(|f| f["rule"] == rule).collect())
        .unwrap_or_default()
}

fn rules(report: &Value) -> Vec<String> {
    report["findings"]
        .as_array()
        .map(|f| {
            f.iter()
                .map(|f| f["rule"].as_str().unwrap_or_default().to_string())
                .collect()
        })
        .unwrap_or_default()
}

/// The value of query parameter `key` in a request the fakes received.
fn query(request: &Request, key: &str) -> Option<String> {
    request
        .url
        .query_pairs()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.to_string())
}

async fn requests_to(server: &MockServer, path_is: &str) -> Vec<Request> {
    server
        .received_requests()
        .await
        .unwrap_or_default()
        .into_iter()
        .filter(|r| r.url.path() == path_is)
        .collect()
}

#[tokio::test]
async fn a_clean_tenant_passes_and_the_token_comes_from_identity_endpoint_and_reaches_no_output() {
    let t = Tenant::start("clean").await;
    // The planned assignment already exists, under its planned name: a redeploy, no finding.
    t.assignments_at(&vault(), vec![vec![planned_assignment()]])
        .await;
    t.held_by(WF_PRINCIPAL, vec![planned_assignment()]).await;
    let files = [
        "report.json",
        "report.sarif",
        "report.md",
        "evidence.json",
        "junit.xml",
    ];
    let paths: Vec<String> = files
        .iter()
        .map(|f| t.dir.join(f).display().to_string())
        .collect();
    let out = t.check(&[
        "--json",
        &paths[0],
        "--sarif",
        &paths[1],
        "--markdown",
        &paths[2],
        "--evidence",
        &paths[3],
        "--junit",
        &paths[4],
        "-vv",
    ]);
    let r = report(&out);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(r["verdict"], "pass", "{:?}", rules(&r));
    assert!(
        stderr(&out).contains("managed-identity (IDENTITY_ENDPOINT)"),
        "says which credential it used: {}",
        stderr(&out)
    );

    // One token per audience through the App Service protocol, with the identity header.
    let token_requests = requests_to(&t.identity, "/msi/token").await;
    let resources: Vec<String> = token_requests
        .iter()
        .filter_map(|r| query(r, "resource"))
        .collect();
    assert!(resources.contains(&t.arm.uri()), "{resources:?}");
    assert!(resources.contains(&t.graph.uri()), "{resources:?}");
    // ARM saw the bearer token.
    t.assert_arm_saw_the_token().await;

    // No output carries the token: stdout, stderr (with -vv), every report file.
    assert!(!String::from_utf8_lossy(&out.stdout).contains(MARKER));
    assert!(!stderr(&out).contains(MARKER));
    for p in &paths {
        let text = std::fs::read_to_string(p).expect("written");
        assert!(!text.contains(MARKER), "{p} contains the token");
    }

    // The report says how the tenant was read, and still fits its schema.
    let live = &r["context"]["live"];
    assert_eq!(live["auth"], "managed-identity (IDENTITY_ENDPOINT)");
    assert_eq!(live["arm_endpoint"], t.arm.uri().as_str());
    assert_eq!(
        live["signed_in_as"],
        format!("rolegate-ci ({DEPLOYER})").as_str()
    );
    assert_eq!(live["assignments"], 1);
    assert_eq!(live["errors"], 0);
    let schema: Value = serde_json::from_str(
        &std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../docs/report.schema.json"
        ))
        .expect("schema file"),
    )
    .expect("schema JSON");
    let validator = jsonschema::draft202012::new(&schema).expect("valid schema");
    let problems: Vec<String> = validator
        .iter_errors(&r)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(problems.is_empty(), "{problems:?}");

    // The terminal and the PR comment say it too.
    let text = t
        .command(&example(), &example_args(&["--markdown", &paths[2]]))
        .output()
        .expect("runs");
    let text = String::from_utf8_lossy(&text.stdout).to_string();
    assert!(
        text.contains(&format!("live tenant: read as rolegate-ci ({DEPLOYER}) with managed-identity (IDENTITY_ENDPOINT): 1 role assignments")),
        "{text}"
    );
    let markdown = std::fs::read_to_string(&paths[2]).expect("markdown");
    assert!(
        markdown.contains("**Live tenant:** read as rolegate-ci"),
        "{markdown}"
    );

    // The evidence pack names the real principal id, client id and assignment id.
    let evidence: Value =
        serde_json::from_str(&std::fs::read_to_string(&paths[3]).expect("evidence")).expect("json");
    let identity = &evidence["identities"][0];
    assert_eq!(identity["principal_id"], WF_PRINCIPAL);
    assert_eq!(identity["client_id"], "app-payment-reconciliation");
    assert_eq!(
        evidence["context"]["live"]["auth"],
        "managed-identity (IDENTITY_ENDPOINT)"
    );
    let grant = &evidence["grants"][0];
    assert_eq!(grant["principal_id"], WF_PRINCIPAL);
    assert_eq!(
        grant["assignment_id"],
        format!("{}/{PLANNED_NAME}", assignments_path(&vault()))
    );
}

#[tokio::test]
async fn a_stale_assignment_on_the_third_page_is_reported_with_the_command_that_removes_it() {
    let t = Tenant::start("stale").await;
    let stale = assignment(
        "0b5e0000-0000-4000-8000-00000000000a",
        &vault(),
        KV_SECRETS_USER,
        OLD_PRINCIPAL,
    );
    t.assignments_at(
        &vault(),
        vec![
            vec![planned_assignment()],
            vec![assignment(
                "0b5e0000-0000-4000-8000-00000000000b",
                &vault(),
                READER,
                OTHER_PRINCIPAL,
            )],
            vec![stale.clone()],
        ],
    )
    .await;
    let out = t.check(&[]);
    let r = report(&out);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let lv001 = findings(&r, "LV001");
    assert_eq!(lv001.len(), 1, "{:?}", rules(&r));
    let command = format!(
        "az role assignment delete --ids {}",
        stale["id"].as_str().unwrap_or_default()
    );
    let message = lv001[0]["message"].as_str().unwrap_or_default();
    assert!(message.contains(OLD_PRINCIPAL), "{message}");
    assert!(message.contains(&command), "{message}");
    assert_eq!(lv001[0]["fix"], command.as_str());
    // It points at the planned grant on that scope, in the user's file.
    assert_eq!(lv001[0]["location"]["file"], "main.json");
    // Every page was read, each once.
    let pages: Vec<Option<String>> = requests_to(&t.arm, &assignments_path(&vault()))
        .await
        .iter()
        .map(|r| query(r, "$skiptoken"))
        .collect();
    assert_eq!(pages, [None, Some("1".into()), Some("2".into())]);
    // The existing principals are not stale.
    assert!(!message.contains(OTHER_PRINCIPAL));
}

#[tokio::test]
async fn a_429_is_retried_after_its_retry_after() {
    let t = Tenant::start("throttled").await;
    vault_assignments(
        ResponseTemplate::new(429)
            .insert_header("retry-after", "1")
            .set_body_json(json!({"error": {"code": "TooManyRequests", "message": "slow down"}})),
    )
    .up_to_n_times(1)
    .with_priority(1)
    .mount(&t.arm)
    .await;
    t.assignments_at(
        &vault(),
        vec![vec![assignment(
            "0b5e0000-0000-4000-8000-00000000000a",
            &vault(),
            KV_SECRETS_USER,
            OLD_PRINCIPAL,
        )]],
    )
    .await;
    let started = Instant::now();
    let out = t.check(&[]);
    let r = report(&out);
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "waited Retry-After"
    );
    assert_eq!(
        findings(&r, "LV001").len(),
        1,
        "{:?} {}",
        rules(&r),
        stderr(&out)
    );
    assert!(findings(&r, "LV006").is_empty(), "the retry succeeded");
    let tries = requests_to(&t.arm, &assignments_path(&vault())).await;
    assert_eq!(tries.len(), 2);
}

#[tokio::test]
async fn a_deployed_identity_the_template_changes_is_drift() {
    let t = Tenant::start("drift").await;
    let old_ua = format!("/subscriptions/{SUB}/resourceGroups/{RG}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id-old");
    // Today the workflow runs as a user-assigned identity only; the template turns on a system one.
    t.workflow(json!({
        "type": "UserAssigned",
        "userAssignedIdentities": {old_ua.clone(): {"principalId": OTHER_PRINCIPAL, "clientId": "c-old"}}
    }), 1)
    .await;
    let out = t.check(&[]);
    let r = report(&out);
    let lv002 = findings(&r, "LV002");
    let messages: Vec<&str> = lv002.iter().filter_map(|f| f["message"].as_str()).collect();
    assert_eq!(lv002.len(), 2, "{messages:?}");
    assert!(
        messages
            .iter()
            .any(|m| m.contains("creates one with a new principal id")),
        "{messages:?}"
    );
    assert!(
        messages
            .iter()
            .any(|m| m.contains("detaches") && m.contains("id-old")),
        "{messages:?}"
    );
    assert_eq!(lv002[0]["location"]["pointer"], "/resources/1/identity");
    assert_eq!(out.status.code(), Some(1));
}

#[tokio::test]
async fn the_same_grant_under_another_name_is_a_conflict_named_with_the_real_guid() {
    let t = Tenant::start("conflict").await;
    let portal_made = "9a9a0000-0000-4000-8000-00000000000c";
    t.assignments_at(
        &vault(),
        vec![vec![assignment(
            portal_made,
            &vault(),
            KV_SECRETS_USER,
            WF_PRINCIPAL,
        )]],
    )
    .await;
    let out = t.check(&[]);
    let r = report(&out);
    // The planned name is the one `guid()` gives with the real context, as the plan shows it.
    let planned = r["plan"]["access"]["grants"][0]["name"]
        .as_str()
        .unwrap_or_default();
    assert_eq!(planned, PLANNED_NAME);
    let lv003 = findings(&r, "LV003");
    assert_eq!(lv003.len(), 1, "{:?}", rules(&r));
    let message = lv003[0]["message"].as_str().unwrap_or_default();
    assert!(message.contains("RoleAssignmentExists"), "{message}");
    assert!(
        message.contains(portal_made) && message.contains(PLANNED_NAME),
        "{message}"
    );
    assert_eq!(out.status.code(), Some(1));

    // With placeholders the name differs: only the real context can be compared with the tenant.
    let offline = Command::new(env!("CARGO_BIN_EXE_rolegate"))
        .current_dir(example())
        .args([
            "check",
            "main.json",
            "-p",
            "main.parameters.json",
            "--format",
            "json",
        ])
        .env_remove("ROLEGATE_SUBSCRIPTION_ID")
        .env_remove("ROLEGATE_RESOURCE_GROUP")
        .output()
        .expect("runs");
    let offline = report(&offline);
    assert_ne!(offline["plan"]["access"]["grants"][0]["name"], PLANNED_NAME);
}

#[tokio::test]
async fn a_403_names_the_missing_permission_and_scope_and_fails_unless_downgraded() {
    let t = Tenant::start("forbidden").await;
    vault_assignments(ResponseTemplate::new(403).set_body_json(json!({"error": {
        "code": "AuthorizationFailed",
        "message": "The client does not have authorization to perform action 'Microsoft.Authorization/roleAssignments/read'"
    }})))
    .mount(&t.arm)
    .await;
    let out = t.check(&[]);
    let r = report(&out);
    assert_eq!(
        out.status.code(),
        Some(1),
        "a read that failed fails the gate"
    );
    let lv006 = findings(&r, "LV006");
    assert_eq!(lv006.len(), 1, "{:?}", rules(&r));
    let message = lv006[0]["message"].as_str().unwrap_or_default();
    assert!(
        message.contains(&format!(
            "permission Microsoft.Authorization/roleAssignments/read is missing at {}",
            vault()
        )),
        "{message}"
    );
    assert!(message.contains("AuthorizationFailed"), "{message}");
    assert_eq!(lv006[0]["severity"], "error");

    let out = t.check(&["--live-errors", "warn"]);
    let r = report(&out);
    assert_eq!(out.status.code(), Some(0), "{:?}", rules(&r));
    assert_eq!(findings(&r, "LV006")[0]["severity"], "warning");
}

#[tokio::test]
async fn a_malformed_answer_is_reported_not_a_panic() {
    let t = Tenant::start("malformed").await;
    vault_assignments(ResponseTemplate::new(200).set_body_string("<html>gateway</html>"))
        .mount(&t.arm)
        .await;
    Mock::given(method("GET"))
        .and(path(workflow()))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "identity": {"type": "SystemAssigned", "userAssignedIdentities": "not an object"}
        })))
        .with_priority(1)
        .mount(&t.arm)
        .await;
    let out = t.check(&[]);
    let r = report(&out);
    assert_eq!(out.status.code(), Some(1));
    let messages: Vec<&str> = findings(&r, "LV006")
        .iter()
        .filter_map(|f| f["message"].as_str())
        .collect();
    assert_eq!(messages.len(), 2, "{messages:?}");
    assert!(
        messages.iter().all(|m| m.contains("malformed response")),
        "{messages:?}"
    );
}

#[tokio::test]
async fn grants_the_principal_already_holds_outside_the_template_and_policy_are_reported() {
    let t = Tenant::start("existing").await;
    let rg = format!("/subscriptions/{SUB}/resourceGroups/{RG}");
    t.held_by(
        WF_PRINCIPAL,
        vec![
            planned_assignment(),
            assignment(
                "c0c00000-0000-4000-8000-00000000000e",
                &rg,
                CONTRIBUTOR,
                WF_PRINCIPAL,
            ),
        ],
    )
    .await;
    let out = t.check(&[]);
    let r = report(&out);
    let lv004 = findings(&r, "LV004");
    assert_eq!(lv004.len(), 1, "{:?}", rules(&r));
    let message = lv004[0]["message"].as_str().unwrap_or_default();
    assert!(
        message.contains("'Contributor'") && message.contains("denies"),
        "{message}"
    );
    assert!(message.contains(WF_PRINCIPAL), "{message}");
    assert_eq!(out.status.code(), Some(1));
}

#[tokio::test]
async fn custom_roles_are_fetched_and_judged_and_the_deployer_is_answered() {
    let t = Tenant::start("roles").await;
    let custom = "c0ffee00-0000-4000-8000-000000000005";
    Mock::given(method("GET"))
        // Read at the grant's scope (the resource group), where Reader suffices.
        .and(path(format!("/subscriptions/{SUB}/resourceGroups/{RG}/providers/Microsoft.Authorization/roleDefinitions/{custom}")))
        .and(query_param("api-version", "2022-04-01"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "id": format!("/subscriptions/{SUB}/providers/Microsoft.Authorization/roleDefinitions/{custom}"),
            "name": custom,
            "type": "Microsoft.Authorization/roleDefinitions",
            "properties": {
                "roleName": "Ops Storage Helper",
                "type": "CustomRole",
                "permissions": [{"actions": ["Microsoft.Storage/*"], "notActions": [], "dataActions": [], "notDataActions": []}],
                "assignableScopes": [format!("/subscriptions/{SUB}")]
            }
        })))
        .mount(&t.arm)
        .await;
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/live");
    let args = [
        "roles.json",
        "--policy",
        "embedded:default",
        "--subscription-id",
        SUB,
        "--resource-group",
        RG,
        "--format",
        "json",
    ];
    let without_live = Command::new(env!("CARGO_BIN_EXE_rolegate"))
        .current_dir(&dir)
        .arg("check")
        .args(args)
        .output()
        .expect("runs");
    let offline = report(&without_live);
    let offline_rules = rules(&offline);
    assert!(
        offline_rules.contains(&"RA010".to_string()),
        "{offline_rules:?}"
    );
    assert!(
        offline_rules.contains(&"EV001".to_string()),
        "{offline_rules:?}"
    );

    let out = t.command(&dir, &args).output().expect("runs");
    let r = report(&out);
    let live_rules = rules(&r);
    // The custom role is known now: judged, not unknown.
    assert!(!live_rules.contains(&"RA010".to_string()), "{live_rules:?}");
    let lv005 = findings(&r, "LV005");
    assert_eq!(lv005.len(), 1, "{live_rules:?}");
    let message = lv005[0]["message"].as_str().unwrap_or_default();
    assert!(
        message.contains("Ops Storage Helper") && message.contains("Microsoft.Storage/*"),
        "{message}"
    );
    // deployer() is the identity rolegate signed in as: no longer unresolved, named from Graph.
    assert!(!live_rules.contains(&"EV001".to_string()), "{live_rules:?}");
    let displays: Vec<&str> = r["grants"]
        .as_array()
        .map(|g| {
            g.iter()
                .filter_map(|g| g["identity_display"].as_str())
                .collect()
        })
        .unwrap_or_default();
    assert!(
        displays.contains(&format!("rolegate-ci ({DEPLOYER})").as_str()),
        "{displays:?}"
    );
    assert!(
        displays.contains(&format!("ops-automation ({OTHER_PRINCIPAL})").as_str()),
        "{displays:?}"
    );
}

#[tokio::test]
async fn live_without_a_subscription_or_a_token_is_bad_input() {
    let t = Tenant::start("no-sub").await;
    let out = t
        .command(
            &example(),
            &[
                "main.json",
                "-p",
                "main.parameters.json",
                "--format",
                "json",
            ],
        )
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("--live needs --subscription-id"),
        "{}",
        stderr(&out)
    );

    // The identity endpoint refuses: nothing could be read, so nothing is judged.
    let refusing = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(
            ResponseTemplate::new(400).set_body_json(
                json!({"error": "invalid_request", "error_description": "no identity"}),
            ),
        )
        .mount(&refusing)
        .await;
    let out = t
        .command(
            &example(),
            &[
                "main.json",
                "-p",
                "main.parameters.json",
                "--subscription-id",
                SUB,
                "--format",
                "json",
            ],
        )
        .env("IDENTITY_ENDPOINT", format!("{}/msi/token", refusing.uri()))
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("cannot get a token"),
        "{}",
        stderr(&out)
    );
    assert!(t
        .arm
        .received_requests()
        .await
        .unwrap_or_default()
        .is_empty());
}

/// `--auth cli`: azure_identity's AzureCliCredential runs `/bin/sh -c "cd /bin && az account
/// get-access-token -o json --scope <endpoint>/.default"` with the process's PATH, so a stand-in
/// `az` on PATH answers as the Azure CLI does (2.54+: `accessToken`, `expires_on`, `tokenType`).
#[cfg(unix)]
#[tokio::test]
async fn the_azure_cli_credential_gets_its_token_from_az_on_path() {
    use std::os::unix::fs::PermissionsExt;

    let t = Tenant::start("azure-cli").await;
    t.assignments_at(&vault(), vec![vec![planned_assignment()]])
        .await;
    t.held_by(WF_PRINCIPAL, vec![]).await;
    let bin = t.dir.join("bin");
    std::fs::create_dir_all(&bin).expect("bin");
    let calls = t.dir.join("az-calls");
    let expires = in_an_hour();
    let az = bin.join("az");
    std::fs::write(
        &az,
        format!(
            "#!/bin/sh\necho \"$*\" >> '{}'\n[ \"$1 $2\" = \"account get-access-token\" ] || exit 64\nprintf '%s' '{}'\n",
            calls.display(),
            json!({"accessToken": TOKEN, "expiresOn": "2099-01-01 00:00:00.000000",
                   "expires_on": expires, "subscription": SUB, "tenant": "t", "tokenType": "Bearer"})
        ),
    )
    .expect("write az");
    std::fs::set_permissions(&az, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    let out = t
        .command_with_auth(
            &example(),
            "cli",
            &example_args(&["--format", "json", "-vv"]),
        )
        // Only the stand-in `az`, and the shell the credential runs it with.
        .env("PATH", format!("{}:/bin:/usr/bin", bin.display()))
        .env_remove("IDENTITY_ENDPOINT")
        .env_remove("IDENTITY_HEADER")
        .output()
        .expect("rolegate runs");
    let r = report(&out);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(
        r["context"]["live"]["auth"],
        "cli (az account get-access-token)"
    );
    assert_eq!(
        r["context"]["live"]["signed_in_as"],
        format!("rolegate-ci ({DEPLOYER})").as_str()
    );
    // One `az` call per audience, each for `<endpoint>/.default`.
    let calls = std::fs::read_to_string(&calls).expect("az was called");
    for endpoint in [t.arm.uri(), t.graph.uri()] {
        assert!(
            calls.contains(&format!(
                "account get-access-token -o json --scope {endpoint}/.default"
            )),
            "{calls}"
        );
    }
    // ARM saw the token az printed; no output repeats it.
    t.assert_arm_saw_the_token().await;
    assert!(!String::from_utf8_lossy(&out.stdout).contains(MARKER));
    assert!(!stderr(&out).contains(MARKER));
}
