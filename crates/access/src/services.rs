//! Audience → service → the RBAC actions a call needs: the one table of service facts.
//!
//! Sources (see `shared/docs/domain.md` §3 and §4 for the full citations):
//! - audiences: azure-docs `services-support-managed-identities.md` [SVC-MI], `authenticate-with-
//!   managed-identity.md` [MI-LA] (Key Vault without trailing slash, Storage with it), Event Grid
//!   `authenticate-with-microsoft-entra-id.md` [EG], App Configuration SDK audience constants [APPCFG];
//! - data actions: the built-in role definitions (`az role definition list`, [DUMP]): Key Vault Secrets
//!   User (`secrets/getSecret/action`), Storage Blob/Queue/Table Data roles, Service Bus / Event Hubs
//!   Data Sender/Receiver (`Microsoft.ServiceBus/*/send/action` matches
//!   `Microsoft.ServiceBus/namespaces/messages/send/action`), EventGrid Data Sender
//!   (`Microsoft.EventGrid/events/send/action`), Cosmos DB SQL data roles [COSMOS];
//! - control plane: ARM authorises `{type}/read|write|delete` and `{type}/{action}/action`.

use serde::Serialize;

use crate::model::Needs;

/// A service a workload calls.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Service {
    /// Azure Resource Manager (control plane).
    Arm,
    /// Key Vault (secrets, keys, certificates).
    #[serde(rename = "keyvault")]
    KeyVault,
    /// Blob storage.
    StorageBlob,
    /// Queue storage.
    StorageQueue,
    /// Table storage.
    StorageTable,
    /// Azure Files.
    StorageFile,
    /// Service Bus.
    #[serde(rename = "servicebus")]
    ServiceBus,
    /// Event Hubs.
    #[serde(rename = "eventhubs")]
    EventHubs,
    /// Event Grid.
    #[serde(rename = "eventgrid")]
    EventGrid,
    /// Azure SQL (contained database users, not RBAC).
    Sql,
    /// Cosmos DB (SQL role assignments, not ARM RBAC).
    #[serde(rename = "cosmosdb")]
    CosmosDb,
    /// Microsoft Graph (Entra app roles, not ARM RBAC).
    Graph,
    /// App Configuration.
    #[serde(rename = "appconfig")]
    AppConfiguration,
}

/// Facts about one service.
#[derive(Debug, Clone, Copy)]
pub struct ServiceSpec {
    /// The service.
    pub service: Service,
    /// Audiences the service accepts, exactly as they must be written.
    pub audiences: &'static [&'static str],
    /// Host suffixes of its endpoints (`<name><suffix>`), lower case; an empty-name host is exact.
    /// Azure Government and Azure China endpoints are listed beside the public cloud's.
    pub host_suffixes: &'static [&'static str],
    /// ARM type of the resource named by the host, if any.
    pub resource_type: Option<&'static str>,
    /// Whether Azure RBAC role assignments authorise data access.
    pub rbac: bool,
    /// Whether the service takes only the audience form listed (with or without its trailing
    /// slash, as documented: Key Vault without, Storage with). Other services accept both.
    pub exact_slash: bool,
}

/// The service table.
pub const SERVICES: &[ServiceSpec] = &[
    ServiceSpec {
        service: Service::Arm,
        // ARM's own wrong-audience error lists these as allowed, each with and without the slash.
        audiences: &[
            "https://management.azure.com/",
            "https://management.core.windows.net/",
            "https://management.usgovcloudapi.net/",
            "https://management.chinacloudapi.cn/",
        ],
        // Public cloud, Azure Government and Azure China.
        host_suffixes: &[
            "management.azure.com",
            "management.usgovcloudapi.net",
            "management.chinacloudapi.cn",
        ],
        resource_type: None,
        exact_slash: false,
        rbac: true,
    },
    ServiceSpec {
        service: Service::KeyVault,
        audiences: &["https://vault.azure.net"],
        host_suffixes: &[
            ".vault.azure.net",
            ".vault.usgovcloudapi.net",
            ".vault.azure.cn",
        ],
        resource_type: Some("Microsoft.KeyVault/vaults"),
        exact_slash: true,
        rbac: true,
    },
    ServiceSpec {
        service: Service::StorageBlob,
        audiences: &["https://storage.azure.com/"],
        host_suffixes: &[
            ".blob.core.windows.net",
            ".dfs.core.windows.net",
            ".blob.core.usgovcloudapi.net",
            ".blob.core.chinacloudapi.cn",
        ],
        resource_type: Some("Microsoft.Storage/storageAccounts"),
        exact_slash: true,
        rbac: true,
    },
    ServiceSpec {
        service: Service::StorageQueue,
        audiences: &["https://storage.azure.com/"],
        host_suffixes: &[
            ".queue.core.windows.net",
            ".queue.core.usgovcloudapi.net",
            ".queue.core.chinacloudapi.cn",
        ],
        resource_type: Some("Microsoft.Storage/storageAccounts"),
        exact_slash: true,
        rbac: true,
    },
    ServiceSpec {
        service: Service::StorageTable,
        audiences: &["https://storage.azure.com/"],
        host_suffixes: &[
            ".table.core.windows.net",
            ".table.core.usgovcloudapi.net",
            ".table.core.chinacloudapi.cn",
        ],
        resource_type: Some("Microsoft.Storage/storageAccounts"),
        exact_slash: true,
        rbac: true,
    },
    ServiceSpec {
        service: Service::StorageFile,
        audiences: &["https://storage.azure.com/"],
        host_suffixes: &[".file.core.windows.net"],
        resource_type: Some("Microsoft.Storage/storageAccounts"),
        exact_slash: true,
        rbac: true,
    },
    ServiceSpec {
        service: Service::ServiceBus,
        audiences: &["https://servicebus.azure.net"],
        host_suffixes: &[".servicebus.windows.net"],
        resource_type: Some("Microsoft.ServiceBus/namespaces"),
        exact_slash: false,
        rbac: true,
    },
    ServiceSpec {
        service: Service::EventHubs,
        audiences: &["https://eventhubs.azure.net"],
        // Event Hubs namespaces share the Service Bus host suffix; the plan or audience decides.
        host_suffixes: &[".servicebus.windows.net"],
        resource_type: Some("Microsoft.EventHub/namespaces"),
        exact_slash: false,
        rbac: true,
    },
    ServiceSpec {
        service: Service::EventGrid,
        audiences: &["https://eventgrid.azure.net"],
        host_suffixes: &[".eventgrid.azure.net"],
        resource_type: Some("Microsoft.EventGrid/topics"),
        exact_slash: false,
        rbac: true,
    },
    ServiceSpec {
        service: Service::Sql,
        audiences: &["https://database.windows.net/"],
        host_suffixes: &[".database.windows.net"],
        resource_type: Some("Microsoft.Sql/servers"),
        exact_slash: false,
        rbac: false,
    },
    ServiceSpec {
        service: Service::CosmosDb,
        audiences: &["https://cosmos.azure.com"],
        host_suffixes: &[".documents.azure.com"],
        resource_type: Some("Microsoft.DocumentDB/databaseAccounts"),
        exact_slash: false,
        rbac: false,
    },
    ServiceSpec {
        service: Service::Graph,
        audiences: &["https://graph.microsoft.com"],
        host_suffixes: &["graph.microsoft.com"],
        resource_type: None,
        exact_slash: false,
        rbac: false,
    },
    ServiceSpec {
        service: Service::AppConfiguration,
        audiences: &["https://appconfig.azure.com", "https://azconfig.io"],
        host_suffixes: &[".azconfig.io"],
        resource_type: Some("Microsoft.AppConfiguration/configurationStores"),
        exact_slash: false,
        rbac: true,
    },
];

impl Service {
    /// Its entry in [`SERVICES`].
    pub fn spec(self) -> &'static ServiceSpec {
        SERVICES
            .iter()
            .find(|s| s.service == self)
            .unwrap_or(&SERVICES[0])
    }

    /// The default audience when none is written: ARM (`https://management.azure.com/`).
    pub const DEFAULT_AUDIENCE: &'static str = "https://management.azure.com/";

    /// Whether `audience` is one the service accepts: exactly as listed for services that take only
    /// one form (trailing slash included), either form for the others (ARM, Graph, ...), or an
    /// account-specific endpoint audience for storage and Cosmos DB. Whitespace is never accepted:
    /// Entra ID does not trim the resource it is asked for.
    pub fn accepts_audience(self, audience: &str) -> bool {
        let a = audience;
        if a.trim() != a {
            return false;
        }
        let spec = self.spec();
        if spec.audiences.iter().any(|x| {
            x.eq_ignore_ascii_case(a)
                || (!spec.exact_slash
                    && x.trim_end_matches('/')
                        .eq_ignore_ascii_case(a.strip_suffix('/').unwrap_or(a)))
        }) {
            return true;
        }
        let host = host_of(a).unwrap_or_default();
        matches!(
            self,
            Service::StorageBlob
                | Service::StorageQueue
                | Service::StorageTable
                | Service::StorageFile
                | Service::CosmosDb
                | Service::AppConfiguration
        ) && self.spec().host_suffixes.iter().any(|s| host.ends_with(s))
    }

    /// The service an audience is for (exact audiences first, then endpoint hosts; trailing-slash
    /// variants are recognised so that a wrong slash can be reported).
    pub fn from_audience(audience: &str) -> Option<Service> {
        let a = audience.trim().trim_end_matches('/').to_ascii_lowercase();
        for spec in SERVICES {
            if spec
                .audiences
                .iter()
                .any(|x| x.trim_end_matches('/').eq_ignore_ascii_case(&a))
            {
                return Some(spec.service);
            }
        }
        // An endpoint audience whose account part is a run-time value
        // (`https://@{triggerBody()?['account']}.blob.core.windows.net/`) still names its service.
        let (authority, _, _) = split_uri(&a)?;
        let host = authority.rsplit('@').next().unwrap_or(authority);
        let host = if is_expression_segment(authority) {
            authority
        } else {
            host
        };
        Service::from_host(host).map(|(s, _)| s)
    }

    /// The service and resource name an endpoint host names, e.g. `kv1.vault.azure.net` →
    /// (Key Vault, `kv1`). Event Hubs hosts are reported as Service Bus (same suffix).
    pub fn from_host(host: &str) -> Option<(Service, Option<String>)> {
        let host = host.trim().to_ascii_lowercase();
        for spec in SERVICES {
            if spec.service == Service::EventHubs {
                continue;
            }
            for suffix in spec.host_suffixes {
                if !suffix.starts_with('.') {
                    if host == *suffix {
                        return Some((spec.service, None));
                    }
                } else if let Some(name) = host.strip_suffix(suffix) {
                    // Event Grid topic hosts are `<topic>.<region>-1.eventgrid.azure.net`.
                    let name = name.split('.').next().unwrap_or(name);
                    if !name.is_empty() {
                        return Some((spec.service, Some(name.to_string())));
                    }
                }
            }
        }
        None
    }

    /// The service a managed API connector (`managedApis/<api>`) reaches.
    pub fn from_connector(api: &str) -> Option<Service> {
        Some(match api.to_ascii_lowercase().as_str() {
            "keyvault" => Service::KeyVault,
            "azureblob" | "azuredatalake" => Service::StorageBlob,
            "azurequeues" => Service::StorageQueue,
            "azuretables" => Service::StorageTable,
            "azurefile" => Service::StorageFile,
            "servicebus" => Service::ServiceBus,
            "eventhubs" => Service::EventHubs,
            "azureeventgridpublish" | "azureeventgrid" => Service::EventGrid,
            "arm" | "azureautomation" | "aci" | "azurevm" | "azuredatafactory" => Service::Arm,
            "sql" => Service::Sql,
            "documentdb" | "cosmosdb" => Service::CosmosDb,
            "appconfiguration" => Service::AppConfiguration,
            _ => return None,
        })
    }

    /// The service a Standard built-in connector (`/serviceProviders/<id>`) reaches.
    pub fn from_service_provider(id: &str) -> Option<Service> {
        let last = id.trim_end_matches('/').rsplit('/').next().unwrap_or(id);
        Some(match last.to_ascii_lowercase().as_str() {
            "servicebus" => Service::ServiceBus,
            "azureblob" => Service::StorageBlob,
            "azurequeues" | "azurequeue" => Service::StorageQueue,
            "azuretables" | "azuretable" => Service::StorageTable,
            "azurefile" => Service::StorageFile,
            "eventhub" | "eventhubs" => Service::EventHubs,
            "keyvault" => Service::KeyVault,
            "sql" => Service::Sql,
            "azurecosmosdb" | "documentdb" => Service::CosmosDb,
            "eventgridpublisher" => Service::EventGrid,
            "appconfiguration" => Service::AppConfiguration,
            _ => return None,
        })
    }

    /// The service of an ARM resource type (for targets found through provenance).
    pub fn from_resource_type(resource_type: &str) -> Option<Service> {
        let t = resource_type.to_ascii_lowercase();
        Some(if t.starts_with("microsoft.keyvault/vaults") {
            Service::KeyVault
        } else if t.starts_with("microsoft.storage/storageaccounts/queueservices") {
            Service::StorageQueue
        } else if t.starts_with("microsoft.storage/storageaccounts/tableservices") {
            Service::StorageTable
        } else if t.starts_with("microsoft.storage/storageaccounts/fileservices") {
            Service::StorageFile
        } else if t.starts_with("microsoft.storage/storageaccounts") {
            Service::StorageBlob
        } else if t.starts_with("microsoft.servicebus/namespaces") {
            Service::ServiceBus
        } else if t.starts_with("microsoft.eventhub/namespaces") {
            Service::EventHubs
        } else if t.starts_with("microsoft.eventgrid/") {
            Service::EventGrid
        } else if t.starts_with("microsoft.sql/servers") {
            Service::Sql
        } else if t.starts_with("microsoft.documentdb/databaseaccounts") {
            Service::CosmosDb
        } else if t.starts_with("microsoft.appconfiguration/configurationstores") {
            Service::AppConfiguration
        } else {
            return None;
        })
    }

    /// What a call needs, from the HTTP method and the URI path (after the host, before `?`).
    /// `query` is the query string (without `?`). Unknown methods are treated as reads for GET-like
    /// defaults so that a need is never silently empty for an RBAC service.
    pub fn needs(self, method: Option<&str>, path: &str, query: &str) -> Needs {
        let method = method.unwrap_or("GET").to_ascii_uppercase();
        let segs: Vec<&str> = path_segments(path);
        let data = |a: &str| Needs {
            data_actions: vec![a.to_string()],
            ..Needs::default()
        };
        match self {
            Service::KeyVault => {
                let kind = segs.first().map(|s| s.to_ascii_lowercase());
                let has_name = segs.len() >= 2;
                match (kind.as_deref(), method.as_str()) {
                    (Some("keys"), "GET") => data("Microsoft.KeyVault/vaults/keys/read"),
                    (Some("keys"), _) => {
                        let op = segs.get(3).or(segs.get(2)).copied().unwrap_or("encrypt");
                        data(&format!(
                            "Microsoft.KeyVault/vaults/keys/{}/action",
                            op.to_ascii_lowercase()
                        ))
                    }
                    (Some("certificates"), "GET") => {
                        data("Microsoft.KeyVault/vaults/certificates/read")
                    }
                    (Some("certificates"), _) => {
                        data("Microsoft.KeyVault/vaults/certificates/create/action")
                    }
                    (_, "PUT") => data("Microsoft.KeyVault/vaults/secrets/setSecret/action"),
                    (_, "DELETE") => data("Microsoft.KeyVault/vaults/secrets/delete"),
                    (Some("secrets"), _) if !has_name => {
                        data("Microsoft.KeyVault/vaults/secrets/readMetadata/action")
                    }
                    _ => data("Microsoft.KeyVault/vaults/secrets/getSecret/action"),
                }
            }
            Service::StorageBlob | Service::StorageFile => {
                let prefix = if self == Service::StorageBlob {
                    "Microsoft.Storage/storageAccounts/blobServices/containers/blobs"
                } else {
                    "Microsoft.Storage/storageAccounts/fileServices/fileshares/files"
                };
                match method.as_str() {
                    "PUT" | "POST" | "PATCH" => data(&format!("{prefix}/write")),
                    "DELETE" => data(&format!("{prefix}/delete")),
                    _ => data(&format!("{prefix}/read")),
                }
            }
            Service::StorageQueue => {
                let p = "Microsoft.Storage/storageAccounts/queueServices/queues/messages";
                let peek = query.to_ascii_lowercase().contains("peekonly=true");
                match method.as_str() {
                    "POST" | "PUT" => data(&format!("{p}/add/action")),
                    "DELETE" => data(&format!("{p}/delete")),
                    _ if peek => data(&format!("{p}/read")),
                    _ => data(&format!("{p}/process/action")),
                }
            }
            Service::StorageTable => {
                let p = "Microsoft.Storage/storageAccounts/tableServices/tables/entities";
                match method.as_str() {
                    "GET" | "HEAD" => data(&format!("{p}/read")),
                    "DELETE" => data(&format!("{p}/delete")),
                    _ => data(&format!("{p}/write")),
                }
            }
            Service::ServiceBus | Service::EventHubs => {
                let ns = if self == Service::ServiceBus {
                    "Microsoft.ServiceBus"
                } else {
                    "Microsoft.EventHub"
                };
                // Only a POST to `<entity>/messages` (or its `batch`) sends; peeks, locks,
                // completes and deletes under `messages/...` or `subscriptions/...` receive.
                let last = segs
                    .last()
                    .map(|s| s.to_ascii_lowercase())
                    .unwrap_or_default();
                let before_last = segs
                    .len()
                    .checked_sub(2)
                    .and_then(|i| segs.get(i))
                    .map(|s| s.to_ascii_lowercase())
                    .unwrap_or_default();
                let sends = matches!(method.as_str(), "POST" | "PUT")
                    && (last == "messages" || (last == "batch" && before_last == "messages"))
                    && !segs.iter().any(|s| s.eq_ignore_ascii_case("subscriptions"));
                let receive = (!sends && !segs.is_empty()) || method == "DELETE";
                if receive {
                    data(&format!("{ns}/namespaces/messages/receive/action"))
                } else {
                    data(&format!("{ns}/namespaces/messages/send/action"))
                }
            }
            Service::EventGrid => data("Microsoft.EventGrid/events/send/action"),
            Service::AppConfiguration => match method.as_str() {
                "GET" | "HEAD" => {
                    data("Microsoft.AppConfiguration/configurationStores/keyValues/read")
                }
                "DELETE" => data("Microsoft.AppConfiguration/configurationStores/keyValues/delete"),
                _ => data("Microsoft.AppConfiguration/configurationStores/keyValues/write"),
            },
            Service::CosmosDb => {
                let p = "Microsoft.DocumentDB/databaseAccounts/sqlDatabases/containers/items";
                match method.as_str() {
                    "GET" => data(&format!("{p}/read")),
                    "POST" => data(&format!("{p}/create")),
                    "PUT" | "PATCH" => data(&format!("{p}/replace")),
                    "DELETE" => data(&format!("{p}/delete")),
                    _ => data(&format!("{p}/read")),
                }
            }
            Service::Arm => arm_needs(&method, &segs),
            // Authorised outside Azure RBAC: nothing an ARM role assignment could satisfy.
            Service::Sql | Service::Graph => Needs::default(),
        }
    }
}

/// The ARM action for a control-plane call: `{type}/read|write|delete`, or `{type}/{op}/action` for a
/// POST to an operation under a resource. The type comes from the literal provider and type
/// segments, so names known only at run time (`/subscriptions/@{x}/providers/Microsoft.Security/tasks`)
/// still give the action; a type segment that is itself a run-time value gives an unknown need.
/// Calls that need no role assignment (tenant-level lists, Resource Graph queries, reads of
/// built-in policy and role definitions) need nothing.
fn arm_needs(method: &str, segs: &[&str]) -> Needs {
    let literal = |s: &str| !is_expression_segment(s);
    let action = |a: String| Needs {
        actions: vec![a],
        ..Needs::default()
    };
    let Some(p) = segs
        .iter()
        .rposition(|s| s.eq_ignore_ascii_case("providers"))
    else {
        return match segs {
            // Tenant-level lists: every principal may call them; they return what it can see.
            [s] if (s.eq_ignore_ascii_case("subscriptions")
                || s.eq_ignore_ascii_case("tenants"))
                && method == "GET" =>
            {
                Needs::default()
            }
            // `/subscriptions/{s}[/resourceGroups[/{rg}]][/<collection>]`: the type is
            // `Microsoft.Resources/subscriptions` plus the literal keyword segments, e.g. listing
            // `/subscriptions/s/resourceGroups/rg/resources` needs
            // `Microsoft.Resources/subscriptions/resourceGroups/resources/read`.
            [s, rest @ ..] if s.eq_ignore_ascii_case("subscriptions") && !rest.is_empty() => {
                let keywords: Vec<&str> = rest.iter().skip(1).step_by(2).copied().collect();
                if keywords.iter().any(|k| !literal(k)) || keywords.len() > 2 {
                    return Needs::unknown();
                }
                let mut ty = "Microsoft.Resources/subscriptions".to_string();
                for k in keywords {
                    ty.push('/');
                    ty.push_str(if k.eq_ignore_ascii_case("resourceGroups") {
                        "resourceGroups"
                    } else {
                        k
                    });
                }
                action(format!("{ty}/{}", verb(method)))
            }
            _ => Needs::unknown(),
        };
    };
    let Some(ns) = segs.get(p + 1).filter(|s| literal(s)) else {
        return Needs::unknown();
    };
    let rest = &segs[(p + 2).min(segs.len())..];
    // Type segments (every other one) must be literal; names between them may be run-time values.
    if rest.iter().step_by(2).any(|s| !literal(s)) {
        return Needs::unknown();
    }
    let tenant_level = p == 0;
    if tenant_level && no_grant_needed(method, ns, rest) {
        return Needs::default();
    }
    let mut ty = ns.to_string();
    for t in rest.iter().step_by(2) {
        ty.push('/');
        ty.push_str(t);
    }
    // An odd-length rest ends with a collection or an operation name.
    if rest.len() % 2 == 1 && method == "POST" {
        // `.../workflows/wf/triggers/manual/run`: the type path ends with the operation.
        let op_start = ty.rfind('/').unwrap_or(0);
        let (base, op) = ty.split_at(op_start);
        action(format!("{base}{op}/action"))
    } else {
        action(format!("{ty}/{}", verb(method)))
    }
}

/// Tenant-level calls (`/providers/<ns>/...`) any principal may make without a role assignment:
/// Resource Graph queries (they return only what the caller can already read) and reads of the
/// built-in policy and role definitions, which every signed-in principal can read.
fn no_grant_needed(method: &str, ns: &str, rest: &[&str]) -> bool {
    if ns.eq_ignore_ascii_case("Microsoft.ResourceGraph") {
        return true;
    }
    let first = rest.first().copied().unwrap_or_default();
    ns.eq_ignore_ascii_case("Microsoft.Authorization")
        && method == "GET"
        && [
            "policyDefinitions",
            "policySetDefinitions",
            "roleDefinitions",
        ]
        .iter()
        .any(|t| t.eq_ignore_ascii_case(first))
}

/// Whether a path segment holds a workflow expression (`@{...}`) or an unknown template value
/// (rendered `{...}`), i.e. is only known at run time.
pub fn is_expression_segment(segment: &str) -> bool {
    segment.contains("@{") || segment.starts_with('@') || segment.contains('{')
}

fn verb(method: &str) -> &'static str {
    match method {
        "PUT" | "PATCH" => "write",
        "DELETE" => "delete",
        "POST" => "action",
        _ => "read",
    }
}

/// Byte offsets of `s` that lie inside a workflow expression (`@{...}`, quotes and nested braces
/// honoured), so that URI delimiters inside expressions (`triggerBody()?['id']`) are not taken for
/// the URI's own.
fn expression_mask(s: &str) -> Vec<bool> {
    let bytes = s.as_bytes();
    let mut mask = vec![false; bytes.len()];
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'@' && bytes.get(i + 1) == Some(&b'{') {
            let start = i;
            let mut depth = 0usize;
            let mut quoted = false;
            i += 1;
            while i < bytes.len() {
                match (bytes[i], quoted) {
                    (b'\'', _) => quoted = !quoted,
                    (b'{', false) => depth += 1,
                    (b'}', false) => {
                        depth = depth.saturating_sub(1);
                        if depth == 0 {
                            break;
                        }
                    }
                    _ => {}
                }
                i += 1;
            }
            let end = (i + 1).min(bytes.len());
            mask[start..end].iter_mut().for_each(|m| *m = true);
            i = end;
        } else {
            i += 1;
        }
    }
    mask
}

/// The first offset at or after `from` holding one of `delims` outside any workflow expression.
fn find_outside(s: &str, mask: &[bool], from: usize, delims: &[u8]) -> Option<usize> {
    s.as_bytes()
        .iter()
        .enumerate()
        .skip(from)
        .find(|(i, b)| !mask[*i] && delims.contains(b))
        .map(|(i, _)| i)
}

/// Splits a URI into (authority, path, query), workflow expressions kept whole: the authority
/// ends at the first `/`, `?`, `#` or expression (`https://management.azure.com@{path}` is host
/// `management.azure.com`, path `@{path}`).
fn split_uri(uri: &str) -> Option<(&str, &str, &str)> {
    let t = uri.trim();
    let start = t.find("://")? + 3;
    let mask = expression_mask(t);
    let host_end = {
        let delim = find_outside(t, &mask, start, b"/?#");
        // An expression right after `://` is (part of) the host; one after a literal host is the
        // path glued on without a slash.
        let expr = (start..t.len())
            .find(|&i| mask[i] && i > start && !mask[i - 1])
            .filter(|&i| !t[start..i].ends_with('.'));
        match (delim, expr) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }
    .unwrap_or(t.len());
    let path_end = find_outside(t, &mask, host_end, b"?#").unwrap_or(t.len());
    let query = if t.as_bytes().get(path_end) == Some(&b'?') {
        let q_end = find_outside(t, &mask, path_end + 1, b"#").unwrap_or(t.len());
        &t[path_end + 1..q_end]
    } else {
        ""
    };
    Some((&t[start..host_end], &t[host_end..path_end], query))
}

/// The host of a URI (`https://host:port/path` → `host`), lower case; `None` when the host is
/// only known at run time.
pub fn host_of(uri: &str) -> Option<String> {
    let (authority, _, _) = split_uri(uri)?;
    let host = authority.rsplit('@').next()?;
    let host = host.split(':').next()?;
    if host.is_empty() || is_expression_segment(host) {
        None
    } else {
        Some(host.to_ascii_lowercase())
    }
}

/// The path and query of a URI (`https://h/a/b?x=1` → (`/a/b`, `x=1`)). A `?` or `/` inside a
/// workflow expression belongs to the expression; doubled slashes (`.../@{x}` joined to `/...`)
/// are one, as ARM reads them.
pub fn path_and_query(uri: &str) -> (String, String) {
    let Some((_, path, query)) = split_uri(uri) else {
        return (String::new(), String::new());
    };
    let mut clean = String::with_capacity(path.len());
    for c in path.chars() {
        if !(c == '/' && clean.ends_with('/')) {
            clean.push(c);
        }
    }
    (clean, query.to_string())
}

/// The segments of a URI path, split at slashes outside workflow expressions, empty ones dropped.
pub fn path_segments(path: &str) -> Vec<&str> {
    let mask = expression_mask(path);
    let mut out = Vec::new();
    let mut start = 0;
    for (i, b) in path.bytes().enumerate() {
        if b == b'/' && !mask[i] {
            if i > start {
                out.push(&path[start..i]);
            }
            start = i + 1;
        }
    }
    if path.len() > start {
        out.push(&path[start..]);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn audiences_and_slashes() {
        assert!(Service::KeyVault.accepts_audience("https://vault.azure.net"));
        assert!(!Service::KeyVault.accepts_audience("https://vault.azure.net/"));
        assert_eq!(
            Service::from_audience("https://vault.azure.net/"),
            Some(Service::KeyVault)
        );
        assert!(Service::StorageBlob.accepts_audience("https://storage.azure.com/"));
        assert!(!Service::StorageBlob.accepts_audience("https://storage.azure.com"));
        assert!(Service::StorageBlob.accepts_audience("https://acct.blob.core.windows.net"));
        assert_eq!(
            Service::from_audience("https://management.azure.com"),
            Some(Service::Arm)
        );
    }

    #[test]
    fn hosts() {
        assert_eq!(
            Service::from_host("KV1.vault.azure.net"),
            Some((Service::KeyVault, Some("kv1".into())))
        );
        assert_eq!(
            Service::from_host("topic1.westus-1.eventgrid.azure.net"),
            Some((Service::EventGrid, Some("topic1".into())))
        );
        assert_eq!(
            Service::from_host("management.azure.com"),
            Some((Service::Arm, None))
        );
        assert_eq!(Service::from_host("example.com"), None);
    }

    #[test]
    fn needs_by_method_and_path() {
        let n = Service::KeyVault.needs(Some("GET"), "/secrets/s1", "api-version=7.4");
        assert_eq!(
            n.data_actions,
            ["Microsoft.KeyVault/vaults/secrets/getSecret/action"]
        );
        let n = Service::KeyVault.needs(Some("GET"), "/secrets", "");
        assert_eq!(
            n.data_actions,
            ["Microsoft.KeyVault/vaults/secrets/readMetadata/action"]
        );
        let n = Service::StorageBlob.needs(Some("PUT"), "/c/b.txt", "");
        assert_eq!(
            n.data_actions,
            ["Microsoft.Storage/storageAccounts/blobServices/containers/blobs/write"]
        );
        let n = Service::StorageQueue.needs(Some("POST"), "/q/messages", "");
        assert_eq!(
            n.data_actions,
            ["Microsoft.Storage/storageAccounts/queueServices/queues/messages/add/action"]
        );
        let n = Service::ServiceBus.needs(Some("POST"), "/q/messages", "");
        assert_eq!(
            n.data_actions,
            ["Microsoft.ServiceBus/namespaces/messages/send/action"]
        );
        let n = Service::ServiceBus.needs(Some("DELETE"), "/q/messages/head", "");
        assert_eq!(
            n.data_actions,
            ["Microsoft.ServiceBus/namespaces/messages/receive/action"]
        );
        let n = Service::Arm.needs(
            Some("GET"),
            "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Web/sites/a",
            "",
        );
        assert_eq!(n.actions, ["Microsoft.Web/sites/read"]);
        let n = Service::Arm.needs(Some("POST"), "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Logic/workflows/w/triggers/manual/run", "");
        assert_eq!(n.actions, ["Microsoft.Logic/workflows/triggers/run/action"]);
        let n = Service::Arm.needs(Some("POST"), "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/a/listKeys", "");
        assert_eq!(
            n.actions,
            ["Microsoft.Storage/storageAccounts/listKeys/action"]
        );
        let n = Service::Arm.needs(Some("PUT"), "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/a/blobServices/default/containers/c", "");
        assert_eq!(
            n.actions,
            ["Microsoft.Storage/storageAccounts/blobServices/containers/write"]
        );
        assert!(Service::Sql.needs(Some("GET"), "/", "").is_empty());
    }

    #[test]
    fn arm_needs_from_literal_segments_with_run_time_names() {
        let n = Service::Arm.needs(
            Some("GET"),
            "/subscriptions/@{triggerBody()?['sub']}/providers/Microsoft.Security/tasks",
            "",
        );
        assert_eq!(n.actions, ["Microsoft.Security/tasks/read"]);
        assert!(!n.unknown);
        // A type segment that is a run-time value, or a path that is one: unknown, not nothing.
        let n = Service::Arm.needs(Some("GET"), "/subscriptions/s/providers/@{x}/tasks", "");
        assert!(n.unknown && n.is_empty());
        assert!(
            Service::Arm
                .needs(Some("GET"), "@{body('a')?['id']}", "")
                .unknown
        );
        let n = Service::Arm.needs(
            Some("GET"),
            "/subscriptions/@{x}/resourceGroups/@{y}/resources",
            "",
        );
        assert_eq!(
            n.actions,
            ["Microsoft.Resources/subscriptions/resourceGroups/resources/read"]
        );
        let n = Service::Arm.needs(Some("DELETE"), "/subscriptions/s/resourcegroups/rg", "");
        assert_eq!(
            n.actions,
            ["Microsoft.Resources/subscriptions/resourceGroups/delete"]
        );
        // Calls every principal may make.
        for (m, p) in [
            ("GET", "/subscriptions"),
            ("GET", "/tenants"),
            ("POST", "/providers/Microsoft.ResourceGraph/resources"),
            (
                "GET",
                "/providers/Microsoft.Authorization/roleDefinitions/acdd72a7",
            ),
        ] {
            let n = Service::Arm.needs(Some(m), p, "");
            assert!(n.is_empty() && !n.unknown, "{p}");
        }
    }

    #[test]
    fn uri_parts_keep_workflow_expressions_whole() {
        let uri = "https://management.azure.com/subscriptions/@{triggerBody()?['s']}/providers/Microsoft.Security/tasks?api-version=1";
        assert_eq!(
            path_and_query(uri),
            (
                "/subscriptions/@{triggerBody()?['s']}/providers/Microsoft.Security/tasks"
                    .to_string(),
                "api-version=1".to_string()
            )
        );
        let glued = "https://management.azure.com@{variables('p')}?api-version=1";
        assert_eq!(host_of(glued).as_deref(), Some("management.azure.com"));
        assert_eq!(path_and_query(glued).0, "@{variables('p')}");
        assert_eq!(
            path_and_query("https://management.azure.com//subscriptions/s").0,
            "/subscriptions/s"
        );
        assert_eq!(host_of("https://@{parameters('h')}/x"), None);
        assert_eq!(
            Service::from_audience("https://@{triggerBody()?['a']}.blob.core.windows.net/"),
            Some(Service::StorageBlob)
        );
    }

    #[test]
    fn trailing_slash_only_matters_where_the_service_requires_a_form() {
        assert!(Service::Arm.accepts_audience("https://management.azure.com"));
        assert!(Service::Arm.accepts_audience("https://management.azure.com/"));
        assert!(Service::Graph.accepts_audience("https://graph.microsoft.com/"));
        assert!(!Service::KeyVault.accepts_audience("https://vault.azure.net/"));
        assert!(!Service::KeyVault.accepts_audience("https://vault.azure.net "));
        assert!(!Service::Arm.accepts_audience(" https://management.azure.com/"));
    }

    #[test]
    fn uri_parts() {
        assert_eq!(
            host_of("https://a.vault.azure.net:443/secrets/x").as_deref(),
            Some("a.vault.azure.net")
        );
        assert_eq!(
            path_and_query("https://h/a/b?x=1"),
            ("/a/b".to_string(), "x=1".to_string())
        );
    }
}
