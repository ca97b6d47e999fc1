//! Key- and secret-based credentials: where they are and where their values come from (never the
//! values themselves).

use arm::plan::PlannedResource;
use arm::{Origin, Value};

use super::{json_get_path, plain_parameter_reference, value_at, Ctx};
use crate::model::{AccessModel, CredentialKind, CredentialSource, CredentialUse};
use crate::services::Service;

/// Where a credential value at `path` of resource `r` comes from, reading the declared expression
/// first (a parameter-file value evaluates to a plain string, but was written as `parameters()`).
pub(crate) fn source_of(
    ctx: &Ctx,
    r: Option<&PlannedResource>,
    path: &[&str],
    value: Option<&Value>,
) -> CredentialSource {
    if let Some(r) = r {
        if let Some(raw) = json_get_path(&r.declared, path).and_then(|v| v.as_str()) {
            if let Some(src) = source_of_expression(ctx, r, raw) {
                return src;
            }
        }
    }
    match value {
        Some(Value::Unknown(u)) => {
            for root in u.roots() {
                match root {
                    Origin::Parameter {
                        name,
                        key_vault_reference: true,
                    } => return CredentialSource::KeyVaultReference { name: name.clone() },
                    Origin::Parameter { name, .. } => {
                        let secure = r
                            .and_then(|r| ctx.parameter(&r.deployment, name))
                            .is_some_and(|p| p.secure);
                        return CredentialSource::Parameter {
                            name: name.clone(),
                            secure,
                        };
                    }
                    Origin::ListCall { function, .. } => {
                        return CredentialSource::ListCall {
                            function: function.clone(),
                        }
                    }
                    _ => {}
                }
            }
            CredentialSource::Unresolved {
                depends_on: u.to_string(),
            }
        }
        Some(Value::String(s)) if s.trim_start().starts_with('@') => {
            // `@parameters('p')` reads the workflow parameter, whose value the resource sets.
            if let (Some(r), Some(p)) = (r, workflow_parameter_reference(s)) {
                let inner = ["properties", "parameters", p.as_str(), "value"];
                let v = value_at(&r.body, &inner);
                if v.is_some() {
                    return source_of(ctx, Some(r), &inner, v);
                }
            }
            CredentialSource::WorkflowExpression {
                text: s.trim().to_string(),
            }
        }
        _ => CredentialSource::Literal,
    }
}

/// Classifies an ARM expression (`[...]`) that produces a credential.
fn source_of_expression(ctx: &Ctx, r: &PlannedResource, raw: &str) -> Option<CredentialSource> {
    let t = raw.trim();
    if !(t.starts_with('[') && t.ends_with(']')) || t.starts_with("[[") {
        return None;
    }
    let lower = t.to_ascii_lowercase();
    if let Some(f) = list_function(&lower) {
        return Some(CredentialSource::ListCall { function: f });
    }
    if plain_parameter_reference(t).is_some() {
        let raw_json = serde_json::Value::String(t.to_string());
        if let Some((name, source, secure)) = ctx.trace_parameter(&r.deployment, &raw_json) {
            if source == arm::plan::ParameterSource::KeyVaultReference {
                return Some(CredentialSource::KeyVaultReference { name });
            }
            return Some(CredentialSource::Parameter { name, secure });
        }
    }
    if let Some(start) = lower.find("parameters('") {
        let rest = &t[start + "parameters('".len()..];
        let name = rest.split('\'').next().unwrap_or_default().to_string();
        let secure = ctx
            .parameter(&r.deployment, &name)
            .is_some_and(|p| p.secure);
        return Some(CredentialSource::Parameter { name, secure });
    }
    None
}

/// `listKeys`, `listSecrets`, ... when the expression calls a `list*` function.
fn list_function(lower_expr: &str) -> Option<String> {
    let mut search = lower_expr;
    while let Some(i) = search.find("list") {
        let before = search[..i].chars().last();
        let rest = &search[i..];
        let name: String = rest
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric())
            .collect();
        let boundary = before.is_none_or(|c| !c.is_ascii_alphanumeric() && c != '.');
        if boundary && rest[name.len()..].trim_start().starts_with('(') {
            return Some(name);
        }
        search = &search[i + 4..];
    }
    None
}

/// `p` when `text` is `@parameters('p')` or `@{parameters('p')}`.
pub(crate) fn workflow_parameter_reference(text: &str) -> Option<String> {
    let t = text.trim();
    let inner = t
        .strip_prefix("@{")
        .and_then(|s| s.strip_suffix('}'))
        .or_else(|| t.strip_prefix('@'))?;
    let args = inner
        .trim()
        .strip_prefix("parameters(")?
        .strip_suffix(')')?;
    let name = args.trim().strip_prefix('\'')?.strip_suffix('\'')?;
    (!name.contains('\'')).then(|| name.to_string())
}

/// Scans every resource's declared strings for connection strings with keys, SAS signatures and
/// `list*()` calls. Nested deployments are scanned only for the parameters they pass (their inner
/// resources are plan resources of their own).
pub(crate) fn collect(ctx: &Ctx, model: &mut AccessModel) {
    // Connection parameters and auth blocks were reported with more context already.
    let known: std::collections::HashSet<(String, String)> = model
        .credentials
        .iter()
        .map(|c| (c.resource.to_ascii_lowercase(), c.path.to_ascii_lowercase()))
        .collect();
    for r in &ctx.plan.resources {
        let is_deployment = r
            .resource_type
            .eq_ignore_ascii_case("Microsoft.Resources/deployments");
        let root = if is_deployment {
            match json_get_path(&r.declared, &["properties", "parameters"]) {
                Some(p) => (p, vec!["properties".to_string(), "parameters".to_string()]),
                None => continue,
            }
        } else {
            (r.declared.as_ref(), Vec::new())
        };
        let mut found = Vec::new();
        scan(root.0, &mut root.1.clone(), &mut found);
        for (path, kind, service) in found {
            if known.contains(&(
                r.id.to_ascii_lowercase(),
                path.join("/").to_ascii_lowercase(),
            )) {
                continue;
            }
            let segs: Vec<&str> = path.iter().map(String::as_str).collect();
            let value = value_at(&r.body, &segs);
            // The declared text may hold a key only in a branch this deployment does not take
            // (`if(useIdentity, ..., listKeys(...))`): the evaluated value decides. A fully known
            // value without a key is no key; an unknown one holds a `list*()` result only when
            // it was made from one; no evaluated value at all is nothing deployed.
            let Some(value) = value else {
                continue;
            };
            if !value.contains_unknown() && !known_value_carries_key(value) {
                continue;
            }
            if let Value::Unknown(u) = value {
                let from_list_call = u
                    .roots()
                    .iter()
                    .any(|o| matches!(o, Origin::ListCall { .. }));
                let calls_list = json_get_path(&r.declared, &segs)
                    .and_then(|v| v.as_str())
                    .is_some_and(|t| list_function(&t.to_ascii_lowercase()).is_some());
                if calls_list && !from_list_call {
                    continue;
                }
            }
            let value = Some(value);
            let source = source_of(ctx, Some(r), &segs, value);
            model.credentials.push(CredentialUse {
                kind,
                source,
                resource: r.id.clone(),
                path: path.join("/"),
                service,
                location: ctx.locate(r, &segs),
            });
        }
        collect_evaluated(ctx, r, is_deployment, model);
    }
}

/// The evaluated body catches what the declared text hides: `[variables('conn')]` whose variable
/// holds a `listKeys()` connection string, or a literal key string kept in a variable. Values
/// another credential of the same resource already covers (same path, an ancestor or a
/// descendant) are skipped, so the text scan and this pass never report one value twice.
fn collect_evaluated(ctx: &Ctx, r: &PlannedResource, is_deployment: bool, model: &mut AccessModel) {
    let (start, prefix): (Option<&Value>, Vec<String>) = if is_deployment {
        (
            value_at(&r.body, &["properties", "parameters"]),
            vec!["properties".to_string(), "parameters".to_string()],
        )
    } else {
        (Some(&r.body), Vec::new())
    };
    let Some(start) = start else {
        return;
    };
    let mut found = Vec::new();
    scan_evaluated(start, &mut prefix.clone(), &mut found);
    let resource = r.id.to_ascii_lowercase();
    for (path, kind, service) in found {
        let joined = path.join("/");
        let lower = joined.to_ascii_lowercase();
        let covered = model.credentials.iter().any(|c| {
            c.resource.eq_ignore_ascii_case(&resource) && {
                let other = c.path.to_ascii_lowercase();
                other == lower
                    || lower.starts_with(&format!("{other}/"))
                    || other.starts_with(&format!("{lower}/"))
            }
        });
        if covered {
            continue;
        }
        let segs: Vec<&str> = path.iter().map(String::as_str).collect();
        // A module parameter passed down from the parent is reported where the parent writes it
        // (the parent's `properties.parameters`), not again inside the module.
        if !is_deployment && passed_by_parent(ctx, r, &segs) {
            continue;
        }
        let value = value_at(&r.body, &segs);
        let source = source_of(ctx, Some(r), &segs, value);
        model.credentials.push(CredentialUse {
            kind,
            source,
            resource: r.id.clone(),
            path: joined,
            service,
            location: ctx.locate(r, &segs),
        });
    }
}

/// Whether the declared value at `path` (or the nearest declared ancestor) is a plain
/// `[parameters('x')]` whose value the parent deployment passes.
fn passed_by_parent(ctx: &Ctx, r: &PlannedResource, path: &[&str]) -> bool {
    for len in (0..=path.len()).rev() {
        let Some(declared) = json_get_path(&r.declared, &path[..len]) else {
            continue;
        };
        let Some(text) = declared.as_str() else {
            return false;
        };
        let Some(name) = plain_parameter_reference(text) else {
            return false;
        };
        return ctx
            .parameter(&r.deployment, &name)
            .is_some_and(|p| p.source == arm::plan::ParameterSource::Parent);
    }
    false
}

/// Key-carrying values of an evaluated body: unknowns built from a `list*()` call in a place that
/// holds credentials, and known strings with a key or signature anywhere.
fn scan_evaluated(
    v: &Value,
    path: &mut Vec<String>,
    out: &mut Vec<(Vec<String>, CredentialKind, Option<Service>)>,
) {
    match v {
        Value::Object(o) => {
            for (k, child) in o {
                // The workflow's auth blocks are reported with their usage.
                if k.eq_ignore_ascii_case("authentication") {
                    continue;
                }
                path.push(k.clone());
                scan_evaluated(child, path, out);
                path.pop();
            }
        }
        Value::Array(a) => {
            for (i, child) in a.iter().enumerate() {
                path.push(i.to_string());
                scan_evaluated(child, path, out);
                path.pop();
            }
        }
        Value::String(s) => {
            // Evaluated strings are no expressions: only literal keys and signatures count.
            if let Some((kind, service)) = classify_string(s).filter(|(k, _)| {
                matches!(
                    k,
                    CredentialKind::ConnectionStringKey | CredentialKind::SasSignature
                )
            }) {
                out.push((path.clone(), kind, service));
            }
        }
        Value::Unknown(u) => {
            if !holds_credentials(path) {
                return;
            }
            let list = u.roots().into_iter().find_map(|o| match o {
                Origin::ListCall {
                    function,
                    resource_id,
                } => Some((function.as_str(), resource_id.as_str())),
                _ => None,
            });
            if let Some((function, resource_id)) = list {
                out.push((
                    path.clone(),
                    list_call_kind(function),
                    list_call_service(resource_id),
                ));
            }
        }
        _ => {}
    }
}

/// Whether a body path is a place for credentials: connection parameters, app settings,
/// connection strings, workflow and module parameters, key- or secret-named properties. Other
/// `list*()` uses (e.g. a callback URL in a tag) are not key-based authentication.
fn holds_credentials(path: &[String]) -> bool {
    let lower: Vec<String> = path.iter().map(|s| s.to_ascii_lowercase()).collect();
    let segs: Vec<&str> = lower.iter().map(String::as_str).collect();
    if segs.starts_with(&["properties", "parameters"]) {
        return true;
    }
    segs.iter().any(|s| {
        matches!(
            *s,
            "parametervalues" | "parametervalueset" | "appsettings" | "connectionstrings"
        ) || [
            "connectionstring",
            "accountkey",
            "accesskey",
            "sharedkey",
            "primarykey",
            "secondarykey",
            "password",
            "secret",
        ]
        .iter()
        .any(|w| s.contains(w))
    })
}

/// The credential kind of an unknown computed from a `list*()` call (e.g. a connection string
/// built in a variable from `listKeys()`), whatever name the place holding it has.
pub(crate) fn list_call_value_kind(v: &Value) -> Option<CredentialKind> {
    let Value::Unknown(u) = v else {
        return None;
    };
    u.roots().into_iter().find_map(|o| match o {
        Origin::ListCall { function, .. } => Some(list_call_kind(function)),
        _ => None,
    })
}

/// What a `list*()` function returns, as a credential kind.
fn list_call_kind(function: &str) -> CredentialKind {
    let f = function.to_ascii_lowercase();
    if f.contains("callbackurl") || f.contains("sas") {
        CredentialKind::SasSignature
    } else if f.contains("connectionstring") {
        CredentialKind::ConnectionStringKey
    } else {
        CredentialKind::ListKeys
    }
}

/// The service whose keys a `list*()` call reads, from the resource id it was given.
fn list_call_service(resource_id: &str) -> Option<Service> {
    let id = crate::ResourceId::parse(resource_id);
    id.resource_type()
        .and_then(|t| Service::from_resource_type(&t))
}

fn scan(
    v: &serde_json::Value,
    path: &mut Vec<String>,
    out: &mut Vec<(Vec<String>, CredentialKind, Option<Service>)>,
) {
    match v {
        serde_json::Value::Object(o) => {
            for (k, child) in o {
                // The workflow's auth blocks are reported with their usage.
                if k.eq_ignore_ascii_case("authentication") {
                    continue;
                }
                path.push(k.clone());
                scan(child, path, out);
                path.pop();
            }
        }
        serde_json::Value::Array(a) => {
            for (i, child) in a.iter().enumerate() {
                path.push(i.to_string());
                scan(child, path, out);
                path.pop();
            }
        }
        serde_json::Value::String(s) => {
            if let Some(hit) = classify_string(s) {
                out.push((path.clone(), hit.0, hit.1));
            }
        }
        _ => {}
    }
}

/// Whether an evaluated, fully known value still holds a key, signature or connection string.
fn known_value_carries_key(v: &Value) -> bool {
    match v {
        Value::String(s) => classify_string(s).is_some(),
        Value::Array(a) => a.iter().any(known_value_carries_key),
        Value::Object(o) => o.values().any(known_value_carries_key),
        _ => false,
    }
}

/// What kind of credential a string holds, if any.
pub(crate) fn classify_string(s: &str) -> Option<(CredentialKind, Option<Service>)> {
    // Every pattern below needs `=` (keys, signatures) or is an expression (`list*()`).
    if !s.contains('=') && !s.trim_start().starts_with('[') {
        return None;
    }
    let lower = s.to_ascii_lowercase();
    if lower.contains("accountkey=") {
        return Some((
            CredentialKind::ConnectionStringKey,
            Some(Service::StorageBlob),
        ));
    }
    if lower.contains("sharedaccesskey=") {
        let service = if lower.contains("entitypath=") && lower.contains("eventhub") {
            Service::EventHubs
        } else {
            Service::ServiceBus
        };
        return Some((CredentialKind::ConnectionStringKey, Some(service)));
    }
    if (lower.contains("://") || lower.starts_with('?'))
        && (lower.contains("&sig=") || lower.contains("?sig="))
    {
        return Some((CredentialKind::SasSignature, None));
    }
    let t = lower.trim();
    if t.starts_with('[') && !t.starts_with("[[") {
        if let Some(f) = list_function(t) {
            // `listCallbackUrl` and friends are SAS URLs; `listKeys` and the rest are keys.
            let kind = if f.contains("callbackurl") {
                CredentialKind::SasSignature
            } else {
                CredentialKind::ListKeys
            };
            return Some((kind, None));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings() {
        assert_eq!(
            classify_string("[concat('DefaultEndpointsProtocol=https;AccountName=', v, ';AccountKey=', listKeys(x, '2019-06-01').keys[0].value)]").map(|c| c.0),
            Some(CredentialKind::ConnectionStringKey)
        );
        assert_eq!(
            classify_string("[listKeys(resourceId('Microsoft.Storage/storageAccounts', 'a'), '2021-01-01').keys[0].value]").map(|c| c.0),
            Some(CredentialKind::ListKeys)
        );
        assert_eq!(
            classify_string("https://x.blob.core.windows.net/c?sv=2020&sig=abc").map(|c| c.0),
            Some(CredentialKind::SasSignature)
        );
        assert_eq!(classify_string("[parameters('listing')]"), None);
        assert_eq!(classify_string("plain"), None);
    }

    #[test]
    fn workflow_parameter_refs() {
        assert_eq!(
            workflow_parameter_reference("@parameters('pwd')").as_deref(),
            Some("pwd")
        );
        assert_eq!(
            workflow_parameter_reference("@{parameters('pwd')}").as_deref(),
            Some("pwd")
        );
        assert_eq!(workflow_parameter_reference("@body('x')"), None);
    }
}
