//! Logic Apps Standard: `connections.json` and `<workflow>/workflow.json` files in the template's
//! directory tree, attached to the plan's Standard workloads.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use arm::plan::PlannedResource;
use arm::source::escape_pointer_segment;
use arm::{Document, Location, Value};

use super::usages::{resolve_named_target, resolve_workflow_expressions, ConnInfo, Walk};
use super::workloads::workload_plan;
use super::{str_at, value_at, Ctx};
use crate::model::{
    AccessModel, ApiConnection, AuthType, ConnectionAuth, CredentialKind, CredentialSource,
    CredentialUse, DiagnosticLevel, ModelDiagnostic, Needs, SecureData, Usage, UsageIdentity,
    UsageKind, WorkloadPlan,
};
use crate::resource_id::ResourceId;
use crate::services::Service;

/// How deep and how wide we look for Standard project files.
const MAX_DEPTH: usize = 6;
const MAX_ENTRIES: usize = 5000;

/// Finds `connections.json` and `workflow.json` files under `dir`.
fn find_files(dir: &Path) -> (Vec<PathBuf>, Vec<PathBuf>) {
    let mut connections = Vec::new();
    let mut workflows = Vec::new();
    let mut stack = vec![(dir.to_path_buf(), 0usize)];
    let mut seen = 0usize;
    while let Some((d, depth)) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        let mut entries: Vec<_> = entries.flatten().map(|e| e.path()).collect();
        entries.sort();
        for p in entries {
            seen += 1;
            if seen > MAX_ENTRIES {
                return (connections, workflows);
            }
            let name = p
                .file_name()
                .and_then(|n| n.to_str())
                .unwrap_or_default()
                .to_string();
            if p.is_dir() {
                if depth < MAX_DEPTH
                    && !name.starts_with('.')
                    && name != "node_modules"
                    && name != "target"
                {
                    stack.push((p, depth + 1));
                }
            } else if name.eq_ignore_ascii_case("connections.json") {
                connections.push(p);
            } else if name.eq_ignore_ascii_case("workflow.json") {
                workflows.push(p);
            }
        }
    }
    connections.sort();
    workflows.sort();
    (connections, workflows)
}

/// App settings of a site: `siteConfig.appSettings[]` and `sites/config` `appsettings` resources.
fn app_settings(ctx: &Ctx, site: &PlannedResource) -> HashMap<String, Value> {
    let mut out = HashMap::new();
    if let Some(Value::Array(items)) =
        value_at(&site.body, &["properties", "siteConfig", "appSettings"])
    {
        for item in items {
            if let (Some(n), Some(v)) = (str_at(item, &["name"]), item.get("value")) {
                out.insert(n.to_ascii_lowercase(), v.clone());
            }
        }
    }
    let config_name = format!("{}/appsettings", site.name).to_ascii_lowercase();
    for r in &ctx.plan.resources {
        if r.resource_type
            .eq_ignore_ascii_case("Microsoft.Web/sites/config")
            && r.name.to_ascii_lowercase() == config_name
        {
            if let Some(Value::Object(o)) = r.get("properties") {
                for (k, v) in o {
                    out.insert(k.to_ascii_lowercase(), v.clone());
                }
            }
        }
    }
    out
}

fn file_location(doc: &Document, segs: &[&str]) -> Location {
    let mut pointer = String::new();
    for s in segs {
        pointer.push('/');
        pointer.push_str(&escape_pointer_segment(s));
    }
    doc.locate(&pointer)
}

/// Adds Standard connections and workflow usages found beside the template.
pub(crate) fn collect(ctx: &Ctx, model: &mut AccessModel) {
    let sites: Vec<&PlannedResource> = ctx
        .plan
        .resources
        .iter()
        .filter(|r| workload_plan(r) == Some(WorkloadPlan::Standard))
        .collect();
    let Some(first) = sites.first() else { return };
    let dir = Path::new(&ctx.plan.template)
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default();
    let dir = if dir.as_os_str().is_empty() {
        PathBuf::from(".")
    } else {
        dir
    };
    let (mut conn_files, mut wf_files) = find_files(&dir);
    if conn_files.is_empty() && wf_files.is_empty() {
        // Common layout: `deploy/template.json` beside `logic/connections.json`; look up to two levels up
        // (`deploy/classic/template.json` needs two levels), never further.
        let mut up = dir.clone();
        for _ in 0..2 {
            up = match up.parent() {
                Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
                _ => up.join(".."),
            };
            (conn_files, wf_files) = find_files(&up);
            if !conn_files.is_empty() || !wf_files.is_empty() {
                break;
            }
        }
    }
    if conn_files.is_empty() && wf_files.is_empty() {
        return;
    }
    if sites.len() > 1 {
        model.diagnostics.push(ModelDiagnostic {
            level: DiagnosticLevel::Warning,
            code: "standard-files-ambiguous".into(),
            message: format!(
                "{} Logic Apps Standard sites in the plan; workflow files under {} are attributed to each",
                sites.len(),
                dir.display()
            ),
            location: first.location.clone(),
        });
    }
    for site in &sites {
        let settings = app_settings(ctx, site);
        let mut managed = HashMap::new();
        let mut providers = HashMap::new();
        let mut conn_usages = Vec::new();
        for file in &conn_files {
            let Some(doc) = load_project_file(file, site, model) else {
                continue;
            };
            let value = Value::from_json(&doc.value);
            let project_params = project_parameters(file);
            read_connections(
                ctx,
                site,
                &doc,
                &value,
                &settings,
                &project_params,
                &mut managed,
                &mut providers,
                &mut conn_usages,
                model,
            );
        }
        let mut referenced = Vec::new();
        let mut usages = Vec::new();
        let mut credentials = Vec::new();
        for file in &wf_files {
            let Some(doc) = load_project_file(file, site, model) else {
                continue;
            };
            let value = Value::from_json(&doc.value);
            let Some(definition) = value.get("definition") else {
                continue;
            };
            let workflow = file
                .parent()
                .and_then(|p| p.file_name())
                .and_then(|n| n.to_str())
                .unwrap_or("workflow")
                .to_string();
            let mut params = HashMap::new();
            if let Some(Value::Object(defs)) = definition.get("parameters") {
                for (k, v) in defs {
                    if let Some(d) = v.get("defaultValue") {
                        params.insert(k.to_ascii_lowercase(), d.clone());
                    }
                }
            }
            let locate = |segs: &[String]| {
                let mut path = vec!["definition"];
                path.extend(segs.iter().map(String::as_str));
                file_location(&doc, &path)
            };
            let mut walk = Walk {
                ctx,
                resource: None,
                locate: &locate,
                definition_path: vec![format!("{workflow}/workflow.json"), "definition".into()],
                params,
                app_settings: settings.clone(),
                variables: HashMap::new(),
                connections: managed.clone(),
                service_providers: providers.clone(),
                holder: site.id.clone(),
                usages: Vec::new(),
                credentials: Vec::new(),
                referenced: Vec::new(),
            };
            walk.definition(definition);
            for mut u in walk.usages {
                u.action = format!("{workflow}/{}", u.action);
                usages.push(u);
            }
            credentials.append(&mut walk.credentials);
            referenced.append(&mut walk.referenced);
        }
        // Connections no workflow file uses are still access the app holds.
        for (key, u) in conn_usages {
            if !referenced.contains(&key) {
                usages.push(u);
            }
        }
        model.credentials.append(&mut credentials);
        let id = ResourceId::parse(&site.id);
        if let Some(w) = model.workloads.iter_mut().find(|w| w.id == id) {
            w.usages.append(&mut usages);
        }
    }
}

/// `parameters.json` beside `connections.json`: `{name: {type, value}}`, keys lower case.
fn project_parameters(connections_file: &Path) -> HashMap<String, Value> {
    let mut out = HashMap::new();
    let Some(dir) = connections_file.parent() else {
        return out;
    };
    let Ok(doc) = Document::load(&dir.join("parameters.json")) else {
        return out;
    };
    if let serde_json::Value::Object(o) = &doc.value {
        for (k, v) in o {
            if let Some(value) = v.get("value") {
                out.insert(k.to_ascii_lowercase(), Value::from_json(value));
            }
        }
    }
    out
}

/// A whole-string `@parameters('x')` replaced by the project parameter's value.
fn project_parameter(v: &Value, params: &HashMap<String, Value>) -> Value {
    v.as_str()
        .and_then(super::credentials::workflow_parameter_reference)
        .and_then(|name| params.get(&name.to_ascii_lowercase()).cloned())
        .unwrap_or_else(|| v.clone())
}

fn auth_of(
    block: Option<&Value>,
    settings: &HashMap<String, Value>,
) -> (AuthType, Option<UsageIdentity>, Option<String>) {
    let Some(a) = block else {
        return (AuthType::None, None, None);
    };
    let t = AuthType::parse(str_at(a, &["type"]).unwrap_or_default());
    let identity =
        (t == AuthType::ManagedServiceIdentity).then(|| match str_at(a, &["identity"]) {
            Some(s) if !s.trim().is_empty() && !s.eq_ignore_ascii_case("SystemAssigned") => {
                UsageIdentity::UserAssigned(ResourceId::parse(&resolve_workflow_expressions(
                    s,
                    &HashMap::new(),
                    settings,
                    &HashMap::new(),
                )))
            }
            _ => UsageIdentity::SystemAssigned,
        });
    let audience = str_at(a, &["audience"])
        .map(|s| resolve_workflow_expressions(s, &HashMap::new(), settings, &HashMap::new()));
    (t, identity, audience)
}

#[allow(clippy::too_many_arguments)]
fn read_connections(
    ctx: &Ctx,
    site: &PlannedResource,
    doc: &Document,
    value: &Value,
    settings: &HashMap<String, Value>,
    project_params: &HashMap<String, Value>,
    managed: &mut HashMap<String, ConnInfo>,
    providers: &mut HashMap<String, ConnInfo>,
    conn_usages: &mut Vec<(String, Usage)>,
    model: &mut AccessModel,
) {
    let file = doc.file_name();
    // The site's template run (pushed before the builder parts run).
    let source = model.sources.len().saturating_sub(1);
    let resolve =
        |s: &str| resolve_workflow_expressions(s, &HashMap::new(), settings, &HashMap::new());
    if let Some(Value::Object(conns)) = value.get("managedApiConnections") {
        for (name, c) in conns {
            let api_id = str_at(c, &["api", "id"]).map(&resolve);
            let api = api_id.as_deref().map(|id| {
                id.trim_end_matches('/')
                    .rsplit('/')
                    .next()
                    .unwrap_or(id)
                    .to_ascii_lowercase()
            });
            let service = api.as_deref().and_then(Service::from_connector);
            // `authentication` is the token store; `connectionProperties.authentication` the target.
            // `authentication` may be `@parameters('x')` read from the project's parameters.json.
            let store_block = c
                .get("authentication")
                .map(|a| project_parameter(a, project_params));
            let store = auth_of(store_block.as_ref(), settings);
            let target_auth = auth_of(
                value_at(c, &["connectionProperties", "authentication"]),
                settings,
            );
            let (auth, identity, audience) = if target_auth.0 != AuthType::None {
                target_auth
            } else {
                store.clone()
            };
            let conn_auth = match (&store.0, &auth) {
                (_, AuthType::ManagedServiceIdentity) | (AuthType::ManagedServiceIdentity, _) => {
                    ConnectionAuth::ManagedIdentity
                }
                (AuthType::Raw | AuthType::ActiveDirectoryOAuth | AuthType::Basic, _) => {
                    ConnectionAuth::Key
                }
                _ => ConnectionAuth::Unknown,
            };
            let location = file_location(doc, &["managedApiConnections", name]);
            let secret_field = match store.0 {
                AuthType::Raw => Some(("parameter", CredentialKind::RawAuthorization)),
                AuthType::ActiveDirectoryOAuth => Some(("secret", CredentialKind::ClientSecret)),
                AuthType::Basic => Some(("password", CredentialKind::BasicPassword)),
                _ => None,
            };
            if let (Some((field, kind)), Some(block)) = (secret_field, store_block.as_ref()) {
                if let Some(v) = str_at(block, &[field]) {
                    model.credentials.push(CredentialUse {
                        kind,
                        source: if v.trim_start().starts_with('@') {
                            CredentialSource::WorkflowExpression {
                                text: v.trim().to_string(),
                            }
                        } else {
                            CredentialSource::Literal
                        },
                        resource: site.id.clone(),
                        path: format!(
                            "{file}#/managedApiConnections/{name}/authentication/{field}"
                        ),
                        service,
                        location: file_location(
                            doc,
                            &["managedApiConnections", name, "authentication"],
                        ),
                    });
                }
            }
            let connection_id = str_at(c, &["connection", "id"])
                .map(&resolve)
                .unwrap_or_else(|| name.clone());
            // The id usually holds `@appsetting()` parts; then the plan's connection of that name
            // (when there is exactly one) is the one meant.
            let conn_name = connection_id.rsplit('/').next().unwrap_or(name).to_string();
            let plan_conn = model
                .connections
                .iter()
                .find(|m| m.id.eq_ignore_ascii_case(&connection_id))
                .or_else(|| {
                    // A Standard project's connections.json names connections a sibling
                    // template deploys: the one connection of that name in the model (never
                    // a guess between several).
                    let mut same = model.connections.iter().filter(|m| {
                        m.name
                            .rsplit('/')
                            .next()
                            .is_some_and(|n| n.eq_ignore_ascii_case(&conn_name))
                    });
                    match (same.next(), same.next()) {
                        (Some(only), None) => Some(only),
                        _ => None,
                    }
                })
                .cloned();
            let target = plan_conn.as_ref().and_then(|p| p.target.clone());
            let target_resource = plan_conn.as_ref().and_then(|p| p.target_resource.clone());
            let info = ConnInfo {
                name: name.clone(),
                auth: if conn_auth == ConnectionAuth::Key {
                    AuthType::ConnectionKey
                } else {
                    auth.clone()
                },
                identity: identity.clone(),
                audience: audience.clone(),
                service,
                target_resource: target_resource.clone(),
            };
            conn_usages.push((
                name.to_ascii_lowercase(),
                Usage {
                    action: format!("connections.json#/managedApiConnections/{name}"),
                    element: "connection".into(),
                    kind: UsageKind::ManagedApiConnection,
                    auth: info.auth.clone(),
                    identity,
                    audience,
                    target: Some(connection_id.clone()),
                    method: None,
                    service,
                    target_resource,
                    connection: Some(name.clone()),
                    needs: Needs::default(),
                    secure_data: SecureData::default(),
                    location: location.clone(),
                },
            ));
            managed.insert(name.to_ascii_lowercase(), info);
            if plan_conn.is_none() {
                model.connections.push(ApiConnection {
                    id: connection_id,
                    name: name.clone(),
                    api,
                    api_id,
                    kind: Some("V2".into()),
                    auth: conn_auth,
                    parameter_value_set: None,
                    secret_parameters: Vec::new(),
                    service,
                    target,
                    target_resource: None,
                    access_policies: Vec::new(),
                    deployed: ctx.deployed(site),
                    location,
                    source,
                });
            }
        }
    }
    if let Some(Value::Object(conns)) = value.get("serviceProviderConnections") {
        for (name, c) in conns {
            let provider = str_at(c, &["serviceProvider", "id"]).unwrap_or_default();
            let service = Service::from_service_provider(provider);
            let set = str_at(c, &["parameterSetName"]).unwrap_or_default();
            let auth_type =
                str_at(c, &["parameterValues", "authProvider", "Type"]).unwrap_or_default();
            let msi = set.eq_ignore_ascii_case("ManagedServiceIdentity")
                || auth_type.eq_ignore_ascii_case("ManagedServiceIdentity");
            let identity =
                msi.then(
                    || match str_at(c, &["parameterValues", "authProvider", "Identity"]) {
                        Some(s) if !s.trim().is_empty() => {
                            UsageIdentity::UserAssigned(ResourceId::parse(&resolve(s)))
                        }
                        _ => UsageIdentity::SystemAssigned,
                    },
                );
            let mut target = None;
            let mut has_key = false;
            if let Some(Value::Object(vals)) = c.get("parameterValues") {
                for (k, v) in vals {
                    let Some(s) = v.as_str() else { continue };
                    let lk = k.to_ascii_lowercase();
                    if lk.contains("connectionstring") || crate::secret_name::looks_secret(k) {
                        has_key = true;
                        model.credentials.push(CredentialUse {
                            kind: CredentialKind::ConnectionParameter,
                            source: if s.trim_start().starts_with('@') {
                                CredentialSource::WorkflowExpression {
                                    text: s.trim().to_string(),
                                }
                            } else {
                                CredentialSource::Literal
                            },
                            resource: site.id.clone(),
                            path: format!(
                                "{file}#/serviceProviderConnections/{name}/parameterValues/{k}"
                            ),
                            service,
                            location: file_location(
                                doc,
                                &["serviceProviderConnections", name, "parameterValues", k],
                            ),
                        });
                    } else if lk.contains("namespace")
                        || lk.contains("endpoint")
                        || lk.contains("uri")
                    {
                        target = Some(resolve(s));
                    }
                }
            }
            // An `@appsetting()` that stayed unresolved may still name the resource by provenance.
            let target_resource = target
                .as_deref()
                .zip(service)
                .and_then(|(t, s)| resolve_named_target(ctx, s, t))
                .or_else(|| {
                    let setting = c.get("parameterValues").and_then(|v| match v {
                        Value::Object(o) => o
                            .values()
                            .filter_map(Value::as_str)
                            .find(|s| s.contains("appsetting("))
                            .map(str::to_string),
                        _ => None,
                    })?;
                    let key = setting.split('\'').nth(1)?.to_ascii_lowercase();
                    match settings.get(&key)? {
                        Value::Unknown(u) => u.roots().into_iter().find_map(|o| match o {
                            arm::Origin::RuntimeProperty { resource, .. } => {
                                Some(ResourceId::parse(&resource.id))
                            }
                            _ => None,
                        }),
                        _ => None,
                    }
                });
            let auth = if msi {
                AuthType::ManagedServiceIdentity
            } else if has_key {
                AuthType::ConnectionKey
            } else {
                AuthType::Other(set.to_string())
            };
            let location = file_location(doc, &["serviceProviderConnections", name]);
            let info = ConnInfo {
                name: name.clone(),
                auth: auth.clone(),
                identity: identity.clone(),
                audience: None,
                service,
                target_resource: target_resource.clone(),
            };
            conn_usages.push((
                name.to_ascii_lowercase(),
                Usage {
                    action: format!("connections.json#/serviceProviderConnections/{name}"),
                    element: "connection".into(),
                    kind: UsageKind::ServiceProvider,
                    auth,
                    identity,
                    audience: None,
                    target,
                    method: None,
                    service,
                    target_resource,
                    connection: Some(name.clone()),
                    needs: Needs::default(),
                    secure_data: SecureData::default(),
                    location,
                },
            ));
            providers.insert(name.to_ascii_lowercase(), info);
        }
    }
}

/// Reads a workflow project file (connections.json, workflow.json); an unreadable one becomes an
/// error diagnostic at the file (or at the site when the error has no position).
fn load_project_file(
    file: &Path,
    site: &PlannedResource,
    model: &mut AccessModel,
) -> Option<Document> {
    match Document::load(file) {
        Ok(doc) => Some(doc),
        Err(e) => {
            model.diagnostics.push(ModelDiagnostic {
                level: DiagnosticLevel::Error,
                code: "standard-file-unreadable".into(),
                message: e.to_string(),
                location: e.location().unwrap_or_else(|| site.location.clone()),
            });
            None
        }
    }
}
