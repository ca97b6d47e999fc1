//! Usages: what workflow actions and triggers call, with which authentication and identity, and
//! the managed API connections they go through.

use std::collections::HashMap;

use arm::plan::PlannedResource;
use arm::{Location, Origin, Value};

use super::credentials::source_of;
use super::{str_at, value_at, Ctx};
use crate::model::{
    AccessModel, ApiConnection, AuthType, ConnectionAuth, CredentialKind, CredentialUse, Needs,
    SecureData, Usage, UsageIdentity, UsageKind,
};
use crate::resource_id::{ResourceId, ScopeLevel};
use crate::services::{host_of, path_and_query, Service};

/// Stands in for an absent member, so lookups need not clone.
static NULL: Value = Value::Null;

/// Connector authentication and target, as seen by the actions that use a connection.
#[derive(Debug, Clone)]
pub(crate) struct ConnInfo {
    pub name: String,
    pub auth: AuthType,
    pub identity: Option<UsageIdentity>,
    pub audience: Option<String>,
    pub service: Option<Service>,
    pub target_resource: Option<ResourceId>,
}

/// Everything an action walk needs besides the action itself.
pub(crate) struct Walk<'a, 'p> {
    pub ctx: &'a Ctx<'p>,
    /// The ARM resource holding the definition (for declared expressions and locations).
    pub resource: Option<&'p PlannedResource>,
    /// Maps a pointer path (relative to the definition) to a location.
    pub locate: &'a dyn Fn(&[String]) -> Location,
    /// Path from the resource body to the definition (`properties/definition`), for credentials.
    pub definition_path: Vec<String>,
    /// Workflow parameter values (`properties.parameters.<p>.value`, else definition defaults).
    pub params: HashMap<String, Value>,
    /// App settings of the Standard site, for `@appsetting('x')`.
    pub app_settings: HashMap<String, Value>,
    /// Workflow variables known at deployment (see [`known_variables`]), filled by
    /// [`Walk::definition`]; keys lower case.
    pub variables: HashMap<String, Value>,
    /// Managed API connections by key (`$connections` key or `referenceName`), lower case.
    pub connections: HashMap<String, ConnInfo>,
    /// Standard service-provider connections by name, lower case.
    pub service_providers: HashMap<String, ConnInfo>,
    /// Label of what holds the resource (its id) for credentials.
    pub holder: String,
    pub usages: Vec<Usage>,
    pub credentials: Vec<CredentialUse>,
    /// Connection keys referenced by some action.
    pub referenced: Vec<String>,
}

impl Walk<'_, '_> {
    /// Walks `actions` and `triggers` of a definition.
    pub fn definition(&mut self, definition: &Value) {
        self.variables = known_variables(definition, &self.params, &self.app_settings);
        for (key, element) in [("triggers", "trigger"), ("actions", "action")] {
            if let Some(Value::Object(items)) = definition.get(key) {
                self.items(items, &[key.to_string()], element);
            }
        }
    }

    fn items(&mut self, items: &arm::value::Object, prefix: &[String], element: &str) {
        for (name, action) in items {
            let mut segs = prefix.to_vec();
            segs.push(name.clone());
            self.item(action, &segs, element);
            // Nested containers: Scope/Foreach/Until/If `actions`, If `else`, Switch cases/default.
            if let Some(Value::Object(inner)) = action.get("actions") {
                let mut p = segs.clone();
                p.push("actions".into());
                self.items(inner, &p, "action");
            }
            for branch in ["else", "default"] {
                if let Some(Value::Object(inner)) =
                    action.get(branch).and_then(|b| b.get("actions"))
                {
                    let mut p = segs.clone();
                    p.extend([branch.to_string(), "actions".into()]);
                    self.items(inner, &p, "action");
                }
            }
            if let Some(Value::Object(cases)) = action.get("cases") {
                for (case, body) in cases {
                    if let Some(Value::Object(inner)) = body.get("actions") {
                        let mut p = segs.clone();
                        p.extend(["cases".to_string(), case.clone(), "actions".into()]);
                        self.items(inner, &p, "action");
                    }
                }
            }
        }
    }

    fn item(&mut self, action: &Value, segs: &[String], element: &str) {
        let ty = str_at(action, &["type"])
            .unwrap_or_default()
            .to_ascii_lowercase();
        let inputs = action.get("inputs").unwrap_or(&NULL);
        let path = segs[1..].join("/");
        let secure_data = secure_data(action);
        let location = (self.locate)(segs);
        let usage = match ty.as_str() {
            "http" => self.http(UsageKind::Http, inputs, segs, &["inputs"]),
            "httpwebhook" => {
                let sub = inputs.get("subscribe").unwrap_or(&NULL);
                self.http(UsageKind::Webhook, sub, segs, &["inputs", "subscribe"])
            }
            "function" => {
                let mut u = self.http(UsageKind::Function, inputs, segs, &["inputs"]);
                if u.target.is_none() {
                    u.target = str_at(inputs, &["function", "id"]).map(str::to_string);
                }
                u
            }
            "apimanagement" => {
                let mut u = self.http(UsageKind::Apim, inputs, segs, &["inputs"]);
                if u.target.is_none() {
                    u.target = str_at(inputs, &["api", "id"]).map(str::to_string);
                }
                u
            }
            "apiconnection" | "apiconnectionwebhook" | "apiconnectionnotification" => {
                self.api_connection(inputs)
            }
            "serviceprovider" => self.service_provider(inputs),
            _ => return,
        };
        self.usages.push(Usage {
            action: path,
            element: element.to_string(),
            secure_data,
            location,
            ..usage
        });
    }

    /// HTTP-like actions: `inputs.uri`, `inputs.method`, `inputs.authentication`.
    fn http(&mut self, kind: UsageKind, inputs: &Value, segs: &[String], at: &[&str]) -> Usage {
        let auth_block = inputs.get("authentication");
        let credentials_before = self.credentials.len();
        let mut usage = blank(kind);
        usage.method = str_at(inputs, &["method"]).map(str::to_ascii_uppercase);
        let uri = inputs.get("uri");
        usage.target = uri.map(|u| self.resolve(u));
        if let Some(a) = auth_block {
            usage.auth = match a.get("type") {
                Some(Value::String(t)) => AuthType::parse(&self.resolve_str(t)),
                Some(other) => AuthType::Other(other.to_display_string()),
                None => AuthType::None,
            };
            if usage.auth == AuthType::ManagedServiceIdentity {
                usage.identity = Some(self.identity(a.get("identity")));
            }
            // An empty audience is the designer's blank field: the runtime uses the default.
            usage.audience = a
                .get("audience")
                .map(|v| self.resolve(v))
                .filter(|a| !a.is_empty());
            self.auth_credentials(&usage.auth, a, segs, at);
        }
        let (service, target_resource, needs) = self.target(
            uri,
            usage.target.as_deref(),
            usage.method.as_deref(),
            usage.audience.as_deref(),
        );
        usage.service = service;
        usage.target_resource = target_resource;
        usage.needs = needs;
        // Fail closed: a managed-identity call the gate cannot place (its URI or host is a run-time
        // value) still gets a token for its audience; with no audience, or an ARM one, that is Azure
        // Resource Manager, whose need is then unknown rather than nothing.
        if usage.auth == AuthType::ManagedServiceIdentity && usage.service.is_none() {
            let audience = usage.audience.as_deref().map(str::trim);
            match audience {
                None => {
                    usage.service = Some(Service::Arm);
                    usage.needs = Needs::unknown();
                }
                Some(a) if a.contains('@') || a.contains('{') => usage.needs = Needs::unknown(),
                Some(_) => {}
            }
        }
        // Secrets found in this auth block authenticate to the service the call reaches.
        for c in self.credentials.iter_mut().skip(credentials_before) {
            c.service = service;
        }
        usage
    }

    /// Secrets carried by non-MSI auth blocks.
    fn auth_credentials(&mut self, auth: &AuthType, block: &Value, segs: &[String], at: &[&str]) {
        let fields: &[(&str, CredentialKind)] = match auth {
            AuthType::Basic => &[("password", CredentialKind::BasicPassword)],
            AuthType::ActiveDirectoryOAuth => &[
                ("secret", CredentialKind::ClientSecret),
                ("pfx", CredentialKind::ClientCertificate),
                ("password", CredentialKind::ClientCertificate),
            ],
            AuthType::Raw => &[("value", CredentialKind::RawAuthorization)],
            AuthType::ClientCertificate => &[
                ("pfx", CredentialKind::ClientCertificate),
                ("password", CredentialKind::ClientCertificate),
            ],
            _ => &[],
        };
        for (field, kind) in fields {
            let Some(v) = block.get(field) else { continue };
            let mut rel: Vec<String> = segs.to_vec();
            rel.extend(at.iter().map(|s| s.to_string()));
            rel.extend(["authentication".to_string(), field.to_string()]);
            let mut full = self.definition_path.clone();
            full.extend(rel.iter().cloned());
            let full_refs: Vec<&str> = full.iter().map(String::as_str).collect();
            let source = source_of(self.ctx, self.resource, &full_refs, Some(v));
            self.credentials.push(CredentialUse {
                kind: *kind,
                source,
                resource: self.holder.clone(),
                path: full.join("/"),
                service: None,
                location: (self.locate)(&rel),
            });
        }
    }

    /// `ApiConnection*` actions: the connection named by `inputs.host.connection`.
    fn api_connection(&mut self, inputs: &Value) -> Usage {
        let mut usage = blank(UsageKind::ManagedApiConnection);
        usage.method = str_at(inputs, &["method"]).map(str::to_ascii_uppercase);
        let path = str_at(inputs, &["path"]).map(|p| self.resolve_str(p));
        let key = connection_key(inputs);
        let info = key
            .as_ref()
            .and_then(|k| self.connections.get(&k.to_ascii_lowercase()))
            .cloned();
        if let Some(k) = &key {
            self.referenced.push(k.to_ascii_lowercase());
        }
        usage.connection = info.as_ref().map(|i| i.name.clone()).or(key);
        usage.target = path.clone();
        match info {
            Some(info) => {
                usage.auth = info.auth.clone();
                usage.identity = info.identity.clone();
                usage.audience = info.audience.clone();
                usage.service = info.service;
                usage.target_resource = info.target_resource.clone();
                if let Some(service) = info.service {
                    let p = path.as_deref().unwrap_or("");
                    usage.needs = service.needs(usage.method.as_deref(), p, "");
                    if service == Service::KeyVault {
                        usage.target_resource =
                            child_resource(self.ctx, service, usage.target_resource.as_ref(), p)
                                .or(usage.target_resource);
                    }
                }
            }
            None => usage.auth = AuthType::Other("unknown-connection".into()),
        }
        usage
    }

    /// Standard built-in connector actions (`ServiceProvider`).
    fn service_provider(&mut self, inputs: &Value) -> Usage {
        let mut usage = blank(UsageKind::ServiceProvider);
        let cfg = inputs.get("serviceProviderConfiguration");
        let name = cfg.and_then(|c| str_at(c, &["connectionName"]));
        let op = cfg
            .and_then(|c| str_at(c, &["operationId"]))
            .unwrap_or_default()
            .to_ascii_lowercase();
        let info = name.and_then(|n| self.service_providers.get(&n.to_ascii_lowercase()).cloned());
        usage.connection = name.map(str::to_string);
        usage.target = (!op.is_empty()).then(|| op.clone());
        usage.method = Some(operation_method(&op).to_string());
        if let Some(info) = info {
            usage.auth = info.auth;
            usage.identity = info.identity;
            usage.service = info.service.or_else(|| {
                cfg.and_then(|c| str_at(c, &["serviceProviderId"]))
                    .and_then(Service::from_service_provider)
            });
            usage.target_resource = info.target_resource;
        } else {
            usage.auth = AuthType::Other("unknown-connection".into());
            usage.service = cfg
                .and_then(|c| str_at(c, &["serviceProviderId"]))
                .and_then(Service::from_service_provider);
        }
        if let Some(service) = usage.service {
            usage.needs = service.needs(usage.method.as_deref(), "", "");
        }
        usage
    }

    /// `authentication.identity`: absent or `SystemAssigned` means the system-assigned identity.
    fn identity(&self, v: Option<&Value>) -> UsageIdentity {
        match v {
            None | Some(Value::Null) => UsageIdentity::SystemAssigned,
            Some(Value::String(s)) => {
                let s = self.resolve_str(s);
                if s.trim().is_empty() || s.trim().eq_ignore_ascii_case("SystemAssigned") {
                    UsageIdentity::SystemAssigned
                } else {
                    UsageIdentity::UserAssigned(ResourceId::parse(&s))
                }
            }
            Some(other) => {
                UsageIdentity::UserAssigned(ResourceId::parse(&other.to_display_string()))
            }
        }
    }

    /// A value as text, workflow `@parameters()`/`@appsetting()` references substituted.
    fn resolve(&self, v: &Value) -> String {
        match v {
            Value::String(s) => self.resolve_str(s),
            other => other.to_display_string(),
        }
    }

    fn resolve_str(&self, s: &str) -> String {
        resolve_workflow_expressions(s, &self.params, &self.app_settings, &self.variables)
    }

    /// Service, target resource and needs of a call to `uri`.
    fn target(
        &self,
        uri: Option<&Value>,
        resolved: Option<&str>,
        method: Option<&str>,
        audience: Option<&str>,
    ) -> (Option<Service>, Option<ResourceId>, Needs) {
        let audience_service = audience.and_then(Service::from_audience);
        if let Some(text) = resolved.filter(|t| t.contains("://")) {
            if let Some(host) = host_of(text) {
                if let Some((mut service, name)) = Service::from_host(&host) {
                    let (path, query) = path_and_query(text);
                    let mut base = None;
                    if let Some(name) = name.as_deref() {
                        base = find_named(self.ctx, service, name);
                        if service == Service::ServiceBus {
                            let eh = self.ctx.find("Microsoft.EventHub/namespaces", name);
                            if (base.is_none() && eh.is_some())
                                || audience_service == Some(Service::EventHubs)
                            {
                                service = Service::EventHubs;
                                base = eh.map(|r| ResourceId::parse(&r.id)).or(base);
                            }
                        }
                    }
                    let target = if service == Service::Arm {
                        arm_target(&path)
                    } else {
                        child_resource(self.ctx, service, base.as_ref(), &path).or(base)
                    };
                    return (Some(service), target, service.needs(method, &path, &query));
                }
            }
        }
        // An unknown URI (e.g. `reference(kv).vaultUri`) still names the resource it comes from.
        if let Some(Value::Unknown(u)) = uri {
            for root in u.roots() {
                if let Origin::RuntimeProperty { resource, .. } = root {
                    if let Some(service) = Service::from_resource_type(&resource.resource_type) {
                        let service = match (service, audience_service) {
                            (
                                Service::StorageBlob,
                                Some(
                                    s @ (Service::StorageQueue
                                    | Service::StorageTable
                                    | Service::StorageFile),
                                ),
                            ) => s,
                            _ => service,
                        };
                        return (
                            Some(service),
                            Some(ResourceId::parse(&resource.id)),
                            service.needs(method, "", ""),
                        );
                    }
                }
            }
        }
        match audience_service {
            Some(s) => (Some(s), None, s.needs(method, "", "")),
            None => (None, None, Needs::default()),
        }
    }
}

fn blank(kind: UsageKind) -> Usage {
    Usage {
        action: String::new(),
        element: String::new(),
        kind,
        auth: AuthType::None,
        identity: None,
        audience: None,
        target: None,
        method: None,
        service: None,
        target_resource: None,
        connection: None,
        needs: Needs::default(),
        secure_data: SecureData::default(),
        location: Location {
            file: String::new(),
            line: 0,
            column: 0,
            pointer: String::new(),
            bicep: None,
        },
    }
}

fn secure_data(action: &Value) -> SecureData {
    let mut out = SecureData::default();
    if let Some(Value::Array(props)) = value_at(
        action,
        &["runtimeConfiguration", "secureData", "properties"],
    ) {
        for p in props.iter().filter_map(Value::as_str) {
            match p.to_ascii_lowercase().as_str() {
                "inputs" => out.inputs = true,
                "outputs" => out.outputs = true,
                _ => {}
            }
        }
    }
    out
}

/// The connection key an `ApiConnection` action uses: `referenceName` (Standard) or the key in
/// `@parameters('$connections')['<key>']['connectionId']` (Consumption).
fn connection_key(inputs: &Value) -> Option<String> {
    let conn = value_at(inputs, &["host", "connection"])?;
    if let Some(r) = str_at(conn, &["referenceName"]) {
        return Some(r.to_string());
    }
    let name = str_at(conn, &["name"])?;
    let lower = name.to_ascii_lowercase();
    let i = lower.find("$connections")?;
    let rest = &name[i..];
    let open = rest.find("['")?;
    let key = &rest[open + 2..];
    let close = key.find('\'')?;
    Some(key[..close].to_string())
}

/// HTTP method equivalent of a service-provider operation id.
fn operation_method(op: &str) -> &'static str {
    if op.contains("delete")
        || op.contains("receive")
        || op.contains("complete")
        || op.contains("peeklock")
    {
        "DELETE"
    } else if [
        "send", "upload", "create", "put", "write", "append", "add", "update", "publish", "insert",
        "set",
    ]
    .iter()
    .any(|w| op.contains(w))
    {
        "POST"
    } else {
        "GET"
    }
}

/// The plan resource of `service`'s type named `name`.
fn find_named(ctx: &Ctx, service: Service, name: &str) -> Option<ResourceId> {
    let types: Vec<&str> = match service {
        Service::EventGrid => vec![
            "Microsoft.EventGrid/topics",
            "Microsoft.EventGrid/domains",
            "Microsoft.EventGrid/namespaces",
        ],
        _ => service.spec().resource_type.into_iter().collect(),
    };
    types
        .iter()
        .find_map(|t| ctx.find(t, name))
        .map(|r| ResourceId::parse(&r.id))
}

/// The child resource a data-plane path names under `base` (secret, container, queue, table,
/// Service Bus queue/topic, event hub).
fn child_resource(
    ctx: &Ctx,
    service: Service,
    base: Option<&ResourceId>,
    path: &str,
) -> Option<ResourceId> {
    let base = base?;
    let segs: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    let clean = |s: &str| -> Option<String> {
        let s = s.split('(').next().unwrap_or(s);
        (!s.is_empty() && !s.contains(['@', '{', '}', '\''])).then(|| s.to_string())
    };
    let b = base.as_str().trim_end_matches('/');
    let id = match service {
        Service::KeyVault => {
            let kind = segs.first()?.to_ascii_lowercase();
            if !matches!(kind.as_str(), "secrets" | "keys" | "certificates") {
                return None;
            }
            format!("{b}/{kind}/{}", clean(segs.get(1)?)?)
        }
        Service::StorageBlob => format!(
            "{b}/blobServices/default/containers/{}",
            clean(segs.first()?)?
        ),
        Service::StorageQueue => {
            format!("{b}/queueServices/default/queues/{}", clean(segs.first()?)?)
        }
        Service::StorageTable => {
            let t = clean(segs.first()?)?;
            if t.eq_ignore_ascii_case("Tables") {
                return None;
            }
            format!("{b}/tableServices/default/tables/{t}")
        }
        Service::ServiceBus => {
            let e = clean(segs.first()?)?;
            let topic = format!("{b}/topics/{e}");
            if ctx.resource(&topic).is_some() {
                topic
            } else {
                format!("{b}/queues/{e}")
            }
        }
        Service::EventHubs => format!("{b}/eventhubs/{}", clean(segs.first()?)?),
        _ => return None,
    };
    Some(ResourceId::parse(&id))
}

/// The scope an ARM REST path acts on: the longest head of the path that is a scope (a trailing
/// collection or operation dropped: `.../workflows/wf/runs` acts on `wf`,
/// `/subscriptions/s/providers/Microsoft.Security/pricings` on subscription `s`, and a tenant-level
/// provider call such as `/providers/Microsoft.Management/getEntities` on the tenant root).
fn arm_target(path: &str) -> Option<ResourceId> {
    let segs = crate::services::path_segments(path);
    if !path.starts_with('/') || segs.is_empty() {
        return None;
    }
    let tenant_call = segs[0].eq_ignore_ascii_case("providers");
    (0..=segs.len()).rev().find_map(|n| {
        if n == 0 && !tenant_call {
            return None;
        }
        let id = ResourceId::parse(&format!("/{}", segs[..n].join("/")));
        (id.level() != ScopeLevel::Unknown).then_some(id)
    })
}

/// Substitutes `@{parameters('p')}`, `@{appsetting('s')}`, `@{variables('v')}` (a variable known at
/// deployment, see [`known_variables`]), members of them (`variables('api')['subscriptionId']`) and
/// literal-only calls such as `@{encodeURIComponent('x')}` in a workflow string; a whole-string
/// `@parameters('p')` becomes the value. Anything else is kept as written.
pub(crate) fn resolve_workflow_expressions(
    s: &str,
    params: &HashMap<String, Value>,
    settings: &HashMap<String, Value>,
    variables: &HashMap<String, Value>,
) -> String {
    let lookup = |expr: &str| -> Option<String> {
        let e = expr.trim();
        for (func, map) in [
            ("parameters", params),
            ("appsetting", settings),
            ("variables", variables),
        ] {
            let Some((name, members)) = member_access(e, func) else {
                continue;
            };
            let mut v = map.get(&name.to_ascii_lowercase())?;
            for m in &members {
                v = match v {
                    Value::Object(o) => o
                        .iter()
                        .find(|(k, _)| k.eq_ignore_ascii_case(m))
                        .map(|(_, v)| v)?,
                    Value::Array(a) => a.get(m.parse::<usize>().ok()?)?,
                    _ => return None,
                };
            }
            return match v {
                // A member still holding a run-time expression stays as written.
                Value::String(s) if func == "variables" && has_runtime_expression(s) => None,
                Value::String(s) => Some(s.clone()),
                other => Some(other.to_display_string()),
            };
        }
        // Identity-like calls wrapped around a single literal (encodeURIComponent('x')): the literal.
        literal_through_pure_calls(e)
    };
    let t = s.trim();
    if t.starts_with('@') && !t.starts_with("@{") && !t.starts_with("@@") {
        return lookup(&t[1..]).unwrap_or_else(|| s.to_string());
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find("@{") {
        out.push_str(&rest[..i]);
        let after = &rest[i + 2..];
        match closing_brace(after) {
            Some(j) => {
                let expr = &after[..j];
                match lookup(expr) {
                    Some(v) => out.push_str(&v),
                    None => out.push_str(&rest[i..i + 2 + j + 1]),
                }
                rest = &after[j + 1..];
            }
            None => {
                out.push_str(&rest[i..]);
                rest = "";
            }
        }
    }
    out.push_str(rest);
    out
}

/// The offset of the `}` closing an `@{` expression body (quotes and nested braces honoured).
fn closing_brace(body: &str) -> Option<usize> {
    let mut depth = 0usize;
    let mut quoted = false;
    for (i, c) in body.char_indices() {
        match (c, quoted) {
            ('\'', _) => quoted = !quoted,
            ('{', false) => depth += 1,
            ('}', false) if depth == 0 => return Some(i),
            ('}', false) => depth -= 1,
            _ => {}
        }
    }
    None
}

/// `func('name')` followed by member accesses (`['a']`, `?['a']`, `[0]`, `.a`): the name and the
/// members, for `func` one of the workflow lookup functions.
fn member_access(expr: &str, func: &str) -> Option<(String, Vec<String>)> {
    let e = expr.trim();
    if e.len() < func.len() || !e[..func.len()].eq_ignore_ascii_case(func) {
        return None;
    }
    let rest = e[func.len()..].trim_start().strip_prefix('(')?.trim_start();
    let rest = rest.strip_prefix('\'')?;
    let close = rest.find('\'')?;
    let name = rest[..close].to_string();
    let mut rest = rest[close + 1..].trim_start().strip_prefix(')')?;
    let mut members = Vec::new();
    loop {
        rest = rest.trim_start();
        if rest.is_empty() {
            return Some((name, members));
        }
        rest = rest.strip_prefix('?').unwrap_or(rest);
        if let Some(r) = rest.strip_prefix('[') {
            let r = r.trim_start();
            let (member, after) = if let Some(q) = r.strip_prefix('\'') {
                let end = q.find('\'')?;
                (q[..end].to_string(), &q[end + 1..])
            } else {
                let end = r.find(']')?;
                let index = r[..end].trim();
                index.parse::<usize>().ok()?;
                (index.to_string(), &r[end..])
            };
            rest = after.trim_start().strip_prefix(']')?;
            members.push(member);
        } else if let Some(r) = rest.strip_prefix('.') {
            let end = r
                .find(|c: char| !(c.is_alphanumeric() || c == '_'))
                .unwrap_or(r.len());
            if end == 0 {
                return None;
            }
            members.push(r[..end].to_string());
            rest = &r[end..];
        } else {
            return None;
        }
    }
}

/// Workflow variables whose value is known at deployment: initialised once (`InitializeVariable`,
/// at any depth) from a value with no run-time expression, and never changed afterwards (no
/// `SetVariable`, `Append…`, `Increment…` or `Decrement…` names it). Keys lower case.
pub(crate) fn known_variables(
    definition: &Value,
    params: &HashMap<String, Value>,
    settings: &HashMap<String, Value>,
) -> HashMap<String, Value> {
    let mut inits: HashMap<String, (usize, Value)> = HashMap::new();
    let mut changed: Vec<String> = Vec::new();
    fn walk(items: &Value, inits: &mut HashMap<String, (usize, Value)>, changed: &mut Vec<String>) {
        let Value::Object(items) = items else { return };
        for (_, action) in items {
            let ty = str_at(action, &["type"])
                .unwrap_or_default()
                .to_ascii_lowercase();
            match ty.as_str() {
                "initializevariable" => {
                    if let Some(Value::Array(vars)) = value_at(action, &["inputs", "variables"]) {
                        for v in vars {
                            let Some(name) = str_at(v, &["name"]) else {
                                continue;
                            };
                            let entry = inits
                                .entry(name.to_ascii_lowercase())
                                .or_insert((0, Value::Null));
                            entry.0 += 1;
                            entry.1 = v.get("value").cloned().unwrap_or(Value::Null);
                        }
                    }
                }
                "setvariable"
                | "appendtostringvariable"
                | "appendtoarrayvariable"
                | "incrementvariable"
                | "decrementvariable" => {
                    if let Some(name) = str_at(action, &["inputs", "name"]) {
                        changed.push(name.to_ascii_lowercase());
                    }
                }
                _ => {}
            }
            if let Some(inner) = action.get("actions") {
                walk(inner, inits, changed);
            }
            for branch in ["else", "default"] {
                if let Some(inner) = action.get(branch).and_then(|b| b.get("actions")) {
                    walk(inner, inits, changed);
                }
            }
            if let Some(Value::Object(cases)) = action.get("cases") {
                for (_, body) in cases {
                    if let Some(inner) = body.get("actions") {
                        walk(inner, inits, changed);
                    }
                }
            }
        }
    }
    if let Some(actions) = definition.get("actions") {
        walk(actions, &mut inits, &mut changed);
    }
    let empty = HashMap::new();
    inits
        .into_iter()
        .filter(|(name, (count, _))| *count == 1 && !changed.contains(name))
        .filter_map(|(name, (_, value))| {
            let value = resolve_value(&value, params, settings, &empty)?;
            Some((name, value))
        })
        .collect()
}

/// Whether a workflow string still holds an expression (`@{...}`, or a whole-string `@f(...)`).
fn has_runtime_expression(s: &str) -> bool {
    let t = s.trim_start();
    s.contains("@{") || (t.starts_with('@') && !t.starts_with("@@"))
}

/// A workflow value with its parameter and app-setting references substituted, or `None` when some
/// string still holds a run-time expression (`@body(...)`, `@{triggerBody()}`) or a value unknown
/// at deployment.
fn resolve_value(
    v: &Value,
    params: &HashMap<String, Value>,
    settings: &HashMap<String, Value>,
    variables: &HashMap<String, Value>,
) -> Option<Value> {
    Some(match v {
        Value::String(s) => {
            let r = resolve_workflow_expressions(s, params, settings, variables);
            if has_runtime_expression(&r) {
                return None;
            }
            Value::String(r)
        }
        // Members are judged one by one: a lookup of a run-time member stays unresolved, a lookup
        // of a known one resolves (`variables('api')['subscriptionId']`).
        Value::Object(o) => {
            let mut out = o.clone();
            for (_, member) in out.iter_mut() {
                if let Some(v) = resolve_value(member, params, settings, variables) {
                    *member = v;
                }
            }
            Value::Object(out)
        }
        Value::Array(a) => Value::Array(
            a.iter()
                .map(|x| resolve_value(x, params, settings, variables).unwrap_or_else(|| x.clone()))
                .collect(),
        ),
        Value::Unknown(_) => return None,
        other => other.clone(),
    })
}

/// `x` for `'x'` or pure string calls around it (`encodeURIComponent(encodeURIComponent('x'))`).
fn literal_through_pure_calls(expr: &str) -> Option<String> {
    const PURE: &[&str] = &[
        "encodeuricomponent",
        "decodeuricomponent",
        "uricomponent",
        "string",
        "trim",
    ];
    let e = expr.trim();
    if let Some(lit) = e.strip_prefix('\'').and_then(|x| x.strip_suffix('\'')) {
        return (!lit.contains('\'')).then(|| lit.to_string());
    }
    let open = e.find('(')?;
    if !PURE.contains(&e[..open].trim().to_ascii_lowercase().as_str()) {
        return None;
    }
    literal_through_pure_calls(e[open + 1..].strip_suffix(')')?)
}

/// Known values of workflow parameters: `properties.parameters.<p>.value`, else the definition's
/// `defaultValue`; keys lower case.
pub(crate) fn workflow_params(body: &Value) -> HashMap<String, Value> {
    let mut out = HashMap::new();
    if let Some(Value::Object(defs)) = value_at(body, &["properties", "definition", "parameters"]) {
        for (k, v) in defs {
            if let Some(d) = v.get("defaultValue") {
                out.insert(k.to_ascii_lowercase(), d.clone());
            }
        }
    }
    if let Some(Value::Object(ps)) = value_at(body, &["properties", "parameters"]) {
        for (k, v) in ps {
            if let Some(val) = v.get("value") {
                out.insert(k.to_ascii_lowercase(), val.clone());
            }
        }
    }
    out
}

/// Parameters that name the resource a connection reaches.
const TARGET_PARAMETERS: &[&str] = &[
    "vaultName",
    "accountName",
    "storageaccount",
    "namespaceEndpoint",
    "fullyQualifiedNamespace",
    "blobStorageEndpoint",
    "queueStorageEndpoint",
    "tableStorageEndpoint",
    "serviceBusNamespace",
    "eventHubNamespace",
    "server",
    "databaseAccount",
];

/// Adds `Microsoft.Web/connections` resources.
pub(crate) fn collect_connections(ctx: &Ctx, source: usize, model: &mut AccessModel) {
    for r in &ctx.plan.resources {
        if !r
            .resource_type
            .eq_ignore_ascii_case("Microsoft.Web/connections")
        {
            continue;
        }
        let props = r.get("properties").cloned().unwrap_or_default();
        // An id with unknown parts (the location of `.../locations/{location}/managedApis/as2`
        // when no --location is given) still ends in the connector's name.
        let api_id = str_at(&props, &["api", "id"])
            .map(str::to_string)
            .or_else(|| match value_at(&props, &["api", "id"]) {
                Some(Value::Unknown(u)) => match u.origin() {
                    Origin::PartialResourceId { id, .. } if !id.ends_with('}') => Some(id.clone()),
                    _ => None,
                },
                _ => None,
            });
        // When the id did not evaluate, the connector name is still the end of the last literal
        // of the declared expression (`...'/managedApis/azureblob')]`).
        let api = api_id
            .as_deref()
            .map(|id| {
                id.trim_end_matches('/')
                    .rsplit('/')
                    .next()
                    .unwrap_or(id)
                    .to_ascii_lowercase()
            })
            .or_else(|| {
                let raw = super::json_get_path(&r.declared, &["properties", "api", "id"])?;
                let lit = raw.as_str()?.rsplit('\'').nth(1)?.rsplit('/').next()?;
                (!lit.is_empty()).then(|| lit.to_ascii_lowercase())
            });
        let pvs = str_at(&props, &["parameterValueSet", "name"]).map(str::to_string);
        let pvt = str_at(&props, &["parameterValueType"]).unwrap_or_default();
        let mut secret_parameters = Vec::new();
        let mut target = None;
        for (section, vals) in [
            (
                vec!["properties", "parameterValues"],
                value_at(&props, &["parameterValues"]),
            ),
            (
                vec!["properties", "parameterValueSet", "values"],
                value_at(&props, &["parameterValueSet", "values"]),
            ),
        ] {
            let Some(Value::Object(vals)) = vals else {
                continue;
            };
            for (k, v) in vals {
                // `parameterValueSet.values.<k>` wraps the value in `{value: ...}`.
                let v = v.get("value").unwrap_or(v);
                if TARGET_PARAMETERS.iter().any(|t| t.eq_ignore_ascii_case(k)) {
                    target = target.or_else(|| v.as_str().map(str::to_string));
                }
                let mut path: Vec<&str> = section.clone();
                path.push(k);
                let literal_key = v
                    .as_str()
                    .and_then(super::credentials::classify_string)
                    .map(|c| c.0)
                    // A `list*()` value under a name that does not sound secret (e.g. a
                    // connection string built in a variable, passed as `endpoint`).
                    .or_else(|| {
                        (!crate::secret_name::looks_secret(k))
                            .then(|| super::credentials::list_call_value_kind(v))
                            .flatten()
                    });
                if crate::secret_name::looks_secret(k) || literal_key.is_some() {
                    secret_parameters.push(k.clone());
                    let source = source_of(ctx, Some(r), &path, Some(v));
                    model.credentials.push(CredentialUse {
                        kind: literal_key.unwrap_or(CredentialKind::ConnectionParameter),
                        source,
                        resource: r.id.clone(),
                        path: path.join("/"),
                        service: api.as_deref().and_then(Service::from_connector),
                        location: ctx.locate(r, &path),
                    });
                }
            }
        }
        let managed_identity = pvs.as_deref().is_some_and(|n| {
            let n = n.to_ascii_lowercase();
            n == "managedidentityauth" || n.contains("managedidentity") || n == "oauthmi"
        }) || pvt.eq_ignore_ascii_case("Alternative");
        let has_values =
            matches!(props.get("parameterValues"), Some(Value::Object(o)) if !o.is_empty());
        let auth = if managed_identity {
            ConnectionAuth::ManagedIdentity
        } else if !secret_parameters.is_empty() {
            ConnectionAuth::Key
        } else if !has_values && pvs.is_none() {
            ConnectionAuth::OAuthConsent
        } else {
            ConnectionAuth::Unknown
        };
        let service = api.as_deref().and_then(Service::from_connector);
        let target_resource = target
            .as_deref()
            .zip(service)
            .and_then(|(t, s)| resolve_named_target(ctx, s, t));
        model.connections.push(ApiConnection {
            id: r.id.clone(),
            name: r.name.clone(),
            api,
            api_id,
            kind: str_at(&r.body, &["kind"]).map(str::to_string),
            auth,
            parameter_value_set: pvs,
            secret_parameters,
            service,
            target,
            target_resource,
            access_policies: Vec::new(),
            deployed: ctx.deployed(r),
            location: r.location.clone(),
            source,
        });
    }
    // `<connection>/<objectId>` access policies name who may use a connection.
    for r in &ctx.plan.resources {
        if !r
            .resource_type
            .eq_ignore_ascii_case("Microsoft.Web/connections/accessPolicies")
            || ctx.deployed(r) == arm::plan::ConditionStatus::Skipped
        {
            continue;
        }
        let path = ["properties", "principal", "identity", "objectId"];
        let raw = super::json_get_path(&r.declared, &path);
        let principal = super::grants::classify_principal(ctx, r, value_at(&r.body, &path), raw);
        let parent = ResourceId::parse(&r.id).parent();
        if let Some(c) = model.connections.iter_mut().find(|c| {
            parent
                .as_ref()
                .is_some_and(|p| ResourceId::parse(&c.id) == *p)
        }) {
            c.access_policies.push(principal);
        }
    }
}

/// A connection target written as a name (`kv1`) or an endpoint (`sb://ns.servicebus.windows.net/`).
pub(crate) fn resolve_named_target(
    ctx: &Ctx,
    service: Service,
    target: &str,
) -> Option<ResourceId> {
    let name = match host_of(target) {
        Some(h) => Service::from_host(&h).and_then(|(_, n)| n)?,
        None => target.trim().split('.').next()?.to_string(),
    };
    find_named(ctx, service, &name).or_else(|| {
        (service == Service::ServiceBus)
            .then(|| find_named(ctx, Service::EventHubs, &name))
            .flatten()
    })
}

/// Adds the usages of every Consumption workflow's definition.
pub(crate) fn collect(ctx: &Ctx, model: &mut AccessModel) {
    let workload_index: HashMap<ResourceId, usize> = model
        .workloads
        .iter()
        .enumerate()
        .map(|(i, w)| (w.id.clone(), i))
        .collect();
    for r in &ctx.plan.resources {
        if !r
            .resource_type
            .eq_ignore_ascii_case("Microsoft.Logic/workflows")
        {
            continue;
        }
        let Some(definition) = value_at(&r.body, &["properties", "definition"]) else {
            continue;
        };
        let params = workflow_params(&r.body);
        let connections = consumption_connections(r, model.sources.len().saturating_sub(1), model);
        let locate = |segs: &[String]| {
            let mut path = vec!["properties", "definition"];
            path.extend(segs.iter().map(String::as_str));
            ctx.locate(r, &path)
        };
        let mut walk = Walk {
            ctx,
            resource: Some(r),
            locate: &locate,
            definition_path: vec!["properties".into(), "definition".into()],
            params,
            app_settings: HashMap::new(),
            variables: HashMap::new(),
            connections,
            service_providers: HashMap::new(),
            holder: r.id.clone(),
            usages: Vec::new(),
            credentials: Vec::new(),
            referenced: Vec::new(),
        };
        walk.definition(definition);
        model.credentials.append(&mut walk.credentials);
        if let Some(&i) = workload_index.get(&ResourceId::parse(&r.id)) {
            model.workloads[i].usages.append(&mut walk.usages);
        }
    }
}

/// `properties.parameters.$connections.value.<key>` of a Consumption workflow, joined with the
/// `Microsoft.Web/connections` resources of the model.
fn consumption_connections(
    r: &PlannedResource,
    source: usize,
    model: &AccessModel,
) -> HashMap<String, ConnInfo> {
    let mut out = HashMap::new();
    let Some(Value::Object(conns)) = value_at(
        &r.body,
        &["properties", "parameters", "$connections", "value"],
    ) else {
        return out;
    };
    for (key, entry) in conns {
        let connection_id = str_at(entry, &["connectionId"]).unwrap_or_default();
        let api_of_entry = str_at(entry, &["id"]).map(|id| {
            id.trim_end_matches('/')
                .rsplit('/')
                .next()
                .unwrap_or(id)
                .to_ascii_lowercase()
        });
        let resource = model
            .connections
            .iter()
            // By full id anywhere; by bare name only within this template run (names coincide
            // across templates of a directory: `office365`, `azureblob`).
            .find(|c| c.id.eq_ignore_ascii_case(connection_id))
            .or_else(|| {
                model.connections.iter().find(|c| {
                    c.source == source
                        && str_at(entry, &["connectionName"])
                            .is_some_and(|n| n.eq_ignore_ascii_case(&c.name))
                })
            })
            .or_else(|| {
                // The id did not evaluate (a parameter without value): the only connection of
                // the same connector in the plan is the one meant.
                let api = api_of_entry
                    .clone()
                    .unwrap_or_else(|| key.to_ascii_lowercase());
                let mut same = model
                    .connections
                    .iter()
                    .filter(|c| c.source == source && c.api.as_deref() == Some(api.as_str()));
                match (same.next(), same.next()) {
                    (Some(only), None) if connection_id.is_empty() => Some(only),
                    _ => None,
                }
            });
        let api = str_at(entry, &["id"])
            .map(|id| {
                id.trim_end_matches('/')
                    .rsplit('/')
                    .next()
                    .unwrap_or(id)
                    .to_string()
            })
            .or_else(|| resource.and_then(|c| c.api.clone()))
            .unwrap_or_else(|| key.clone());
        let service = Service::from_connector(&api);
        let auth_block = value_at(entry, &["connectionProperties", "authentication"]);
        let (auth, identity, audience) = match auth_block {
            Some(a) => {
                let t = AuthType::parse(str_at(a, &["type"]).unwrap_or_default());
                let identity =
                    (t == AuthType::ManagedServiceIdentity).then(|| match a.get("identity") {
                        Some(Value::String(s)) if !s.eq_ignore_ascii_case("SystemAssigned") => {
                            UsageIdentity::UserAssigned(ResourceId::parse(s))
                        }
                        Some(Value::Unknown(u)) => UsageIdentity::UserAssigned(ResourceId::parse(
                            &Value::Unknown(u.clone()).to_display_string(),
                        )),
                        _ => UsageIdentity::SystemAssigned,
                    });
                (t, identity, str_at(a, &["audience"]).map(str::to_string))
            }
            None => match resource.map(|c| c.auth) {
                // The connection is MI-enabled but the workflow does not say which identity: the
                // runtime uses the system-assigned one.
                Some(ConnectionAuth::ManagedIdentity) => (
                    AuthType::ManagedServiceIdentity,
                    Some(UsageIdentity::SystemAssigned),
                    None,
                ),
                Some(ConnectionAuth::Key) => (AuthType::ConnectionKey, None, None),
                Some(ConnectionAuth::OAuthConsent) => {
                    (AuthType::Other("OAuthConsent".into()), None, None)
                }
                _ => (AuthType::Other("unknown-connection".into()), None, None),
            },
        };
        out.insert(
            key.to_ascii_lowercase(),
            ConnInfo {
                name: resource
                    .map(|c| c.name.clone())
                    .unwrap_or_else(|| key.clone()),
                auth,
                identity,
                audience,
                service,
                target_resource: resource.and_then(|c| c.target_resource.clone()),
            },
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn workflow_expression_substitution() {
        let mut params = HashMap::new();
        params.insert("vault".to_string(), Value::from("kv1"));
        let settings = HashMap::new();
        assert_eq!(
            resolve_workflow_expressions("https://@{parameters('vault')}.vault.azure.net/secrets/@{encodeURIComponent('s1')}", &params, &settings, &settings),
            "https://kv1.vault.azure.net/secrets/s1"
        );
        assert_eq!(
            resolve_workflow_expressions("@parameters('vault')", &params, &settings, &settings),
            "kv1"
        );
        assert_eq!(
            resolve_workflow_expressions("@body('x')", &params, &settings, &settings),
            "@body('x')"
        );
        assert_eq!(
            resolve_workflow_expressions(
                "/secrets/@{encodeURIComponent(encodeURIComponent('a'))}/value",
                &params,
                &settings,
                &settings
            ),
            "/secrets/a/value"
        );
    }

    #[test]
    fn arm_targets_are_the_scope_a_call_acts_on() {
        let t = |p: &str| arm_target(p).map(|id| id.as_str().to_string());
        assert_eq!(
            t("/subscriptions/s/resourceGroups/rg/providers/Microsoft.Logic/workflows/wf/runs"),
            Some(
                "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Logic/workflows/wf".into()
            )
        );
        assert_eq!(
            t("/subscriptions/s/providers/Microsoft.Security/assessments"),
            Some("/subscriptions/s".into())
        );
        assert_eq!(
            t("/providers/Microsoft.Management/getEntities"),
            Some("/".into())
        );
        assert_eq!(t("@{body('x')?['id']}"), None);
    }

    #[test]
    fn variables_initialised_once_from_template_values_are_known() {
        let definition = Value::from_json(&serde_json::json!({"actions": {
            "Init": {"type": "InitializeVariable", "inputs": {"variables": [
                {"name": "Api", "type": "Object", "value": {"sub": "s1", "fromTrigger": "@triggerBody()?['x']"}},
                {"name": "Counter", "type": "Integer", "value": 0}
            ]}},
            "Loop": {"type": "Until", "actions": {
                "Bump": {"type": "IncrementVariable", "inputs": {"name": "Counter", "value": 1}}
            }}
        }}));
        let none = HashMap::new();
        let vars = known_variables(&definition, &none, &none);
        assert!(vars.contains_key("api") && !vars.contains_key("counter"));
        let r = |s: &str| resolve_workflow_expressions(s, &none, &none, &vars);
        assert_eq!(
            r("/subscriptions/@{variables('Api')?['sub']}"),
            "/subscriptions/s1"
        );
        // A member that is itself a run-time value stays as written.
        assert_eq!(
            r("@{variables('Api')['fromTrigger']}"),
            "@{variables('Api')['fromTrigger']}"
        );
    }

    #[test]
    fn connection_keys() {
        let v = Value::from_json(
            &serde_json::json!({"host": {"connection": {"name": "@parameters('$connections')['keyvault_1']['connectionId']"}}}),
        );
        assert_eq!(connection_key(&v).as_deref(), Some("keyvault_1"));
        let v =
            Value::from_json(&serde_json::json!({"host": {"connection": {"referenceName": "kv"}}}));
        assert_eq!(connection_key(&v).as_deref(), Some("kv"));
    }
}
