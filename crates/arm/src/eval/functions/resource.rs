//! Resource functions: `resourceId`, `subscriptionResourceId`, `tenantResourceId`,
//! `extensionResourceId`, `managementGroupResourceId`, `reference`, `references`, `list*`,
//! `pickZones`, `providers`, `roleDefinitions`.

use super::super::EvalError;
use super::{f, fu, Call, Def, MANY};
use crate::context::TargetScope;
use crate::eval::interp::Interp;
use crate::value::{Origin, Unknown, Value};

pub(super) const FUNCTIONS: &[Def] = &[
    f("resourceid", 2, MANY, resource_id),
    f("subscriptionresourceid", 2, MANY, subscription_resource_id),
    f("tenantresourceid", 2, MANY, tenant_resource_id),
    f("extensionresourceid", 3, MANY, extension_resource_id),
    f(
        "managementgroupresourceid",
        2,
        MANY,
        management_group_resource_id,
    ),
    fu("reference", 1, 3, reference),
    f("references", 1, 2, references),
    f("pickzones", 3, 5, pick_zones),
    f("providers", 1, 2, providers),
    f("roledefinitions", 1, 1, role_definitions),
];

/// The definition every `list*` function (`listKeys`, `listSecrets`, ...) shares.
pub(super) const LIST_DEF: Def = fu("list*", 1, 3, list_call);

/// `list`, `listKeys`, `listAccountSas`, `listCallbackUrl`, ...: anything starting with `list`.
pub(super) fn is_list_function(lower: &str) -> bool {
    lower.starts_with("list")
}

/// `Namespace/type1/type2` with names `n1`, `n2` → `providers/Namespace/type1/n1/type2/n2`.
fn provider_path(c: &Call<'_, '_>, type_index: usize) -> Result<String, EvalError> {
    let full_type = c.str(type_index)?;
    let mut segments = full_type.split('/').filter(|s| !s.is_empty());
    let namespace = segments.next().unwrap_or_default();
    let types: Vec<&str> = segments.collect();
    if namespace.is_empty() || types.is_empty() {
        return Err(c.err(format!(
            "'{full_type}' is not a resource type (expected 'Namespace/type')"
        )));
    }
    let mut names = Vec::new();
    for i in type_index + 1..c.args.len() {
        names.extend(c.str(i)?.split('/').filter(|s| !s.is_empty()));
    }
    if names.len() != types.len() {
        return Err(c.err(format!(
            "the resource type '{full_type}' needs {} name segment(s) but {} were given",
            types.len(),
            names.len()
        )));
    }
    let mut path = format!("providers/{namespace}");
    for (t, n) in types.iter().zip(&names) {
        path.push('/');
        path.push_str(t);
        path.push('/');
        path.push_str(n);
    }
    Ok(path)
}

/// Whether `s` has the shape of a resource type, `Namespace/type[/child...]`: a full resource id
/// (`/subscriptions/...`) also contains `/` but starts with one.
fn is_resource_type(s: &str) -> bool {
    !s.starts_with('/') && s.contains('/') && s.split('/').all(|seg| !seg.is_empty())
}

/// Index of the resource type among the first `max_before + 1` arguments: the first that has the
/// shape of a type, else (for the error message) the first that contains `/`.
fn type_index(c: &Call<'_, '_>, max_before: usize) -> Result<usize, EvalError> {
    let leading = || c.args.iter().enumerate().take(max_before + 1);
    leading()
        .find(|(_, v)| v.as_str().is_some_and(is_resource_type))
        .or_else(|| leading().find(|(_, v)| v.as_str().is_some_and(|s| s.contains('/'))))
        .map(|(i, _)| i)
        .ok_or_else(|| c.err("no resource type ('Namespace/type') among the first arguments"))
}

/// `resourceId([subscriptionId], [resourceGroupName], resourceType, resourceName1, ...)`.
///
/// The optional leading arguments are told apart by position and by the deployment's scope, as
/// ARM does ("requires fully qualified resource type as one of first three arguments for resource
/// at resource group scope, or first two arguments for resource at subscription scope"): two
/// leading arguments are subscription and resource group; one is the resource group at resource
/// group scope and the subscription at subscription scope. A resource group name may itself look
/// like a GUID, so the shape of the value decides nothing. Values are not validated: ARM builds the
/// id from whatever is given (a full `/subscriptions/<id>` passed as the subscription gives a
/// malformed id, as in Azure/bicep#10885).
/// `concat(<partial id>, '/providers/Microsoft.ManagedIdentity/Identities/default')`, the older way
/// to read a system identity: known text extends a [`Origin::PartialResourceId`]. `None` unless every
/// argument is text or a partial id, with at least one partial id.
pub(super) fn partial_id_concat(values: &[Value]) -> Option<Value> {
    let mut id = String::new();
    let mut resource_type = None;
    let mut inputs = Vec::new();
    for value in values {
        match value {
            Value::String(text) => id.push_str(text),
            Value::Unknown(u) => match u.origin() {
                Origin::PartialResourceId {
                    id: part,
                    resource_type: ty,
                    ..
                } => {
                    id.push_str(part);
                    resource_type.get_or_insert_with(|| ty.clone());
                    inputs.push(u.clone());
                }
                _ => return None,
            },
            _ => return None,
        }
    }
    Some(Value::Unknown(Unknown::new(Origin::PartialResourceId {
        id,
        resource_type: resource_type?,
        inputs,
    })))
}

/// The `*resourceId()` functions given unknown name or scope parts: evaluates them with the unknowns
/// rendered as `{...}` so the result still names the resource type, as an
/// [`Origin::PartialResourceId`]. `None` for other functions or when that evaluation fails.
pub(super) fn partial_resource_id(
    it: &Interp<'_>,
    name: &str,
    position: usize,
    imp: fn(&Call<'_, '_>) -> Result<Value, EvalError>,
    values: &[Value],
    unknowns: &[Unknown],
) -> Option<Value> {
    const ID_FUNCTIONS: [&str; 5] = [
        "resourceid",
        "subscriptionresourceid",
        "tenantresourceid",
        "managementgroupresourceid",
        "extensionresourceid",
    ];
    if unknowns.is_empty() {
        return None;
    }
    let lower = name.to_ascii_lowercase();
    if lower == "format" || lower == "concat" {
        return partial_path(it, name, position, imp, values, unknowns);
    }
    if !ID_FUNCTIONS.contains(&lower.as_str()) {
        return None;
    }
    let resource_type = values
        .iter()
        .filter_map(Value::as_str)
        .find(|s| is_resource_type(s))?
        .to_string();
    let rendered: Vec<Value> = values
        .iter()
        .map(|v| match v {
            Value::Unknown(_) => Value::String(v.to_display_string()),
            other => other.clone(),
        })
        .collect();
    let call = Call {
        it,
        name,
        position,
        args: rendered,
    };
    let id = imp(&call).ok()?.as_str()?.to_string();
    Some(Value::Unknown(Unknown::new(Origin::PartialResourceId {
        id,
        resource_type,
        inputs: unknowns.to_vec(),
    })))
}

/// Stands for an unknown argument while `format()`/`concat()` text is built, so the literal parts
/// can be read for a resource type: no unknown's description can contain it.
const HOLE: char = '\u{1}';

/// The text `format()`/`concat()` builds with each whole unknown argument replaced by a hole
/// (`HOLE` index `HOLE`), and the unknowns' descriptions by index. `None` when an unknown sits
/// inside an array or object argument, or the call fails.
fn text_with_holes(
    it: &Interp<'_>,
    name: &str,
    position: usize,
    imp: fn(&Call<'_, '_>) -> Result<Value, EvalError>,
    values: &[Value],
) -> Option<(String, Vec<String>)> {
    // Only whole unknown arguments can be placed; an unknown inside an array or object cannot.
    if values
        .iter()
        .any(|v| !matches!(v, Value::Unknown(_)) && v.contains_unknown())
    {
        return None;
    }
    let mut holes = Vec::new();
    let rendered: Vec<Value> = values
        .iter()
        .map(|v| match v {
            // A resource id with unknown name parts is text up to those parts:
            // `concat(<vnet id>, '/subnets/', x)` is a subnet of that network. Kept only when
            // no unknown part holds a `/`, so its segments still read.
            Value::Unknown(u) if whole_segment_unknowns(u) => match u.origin() {
                Origin::PartialResourceId { id, .. } => Value::String(id.clone()),
                _ => Value::Null,
            },
            Value::Unknown(_) => {
                holes.push(v.to_display_string());
                Value::String(format!("{HOLE}{}{HOLE}", holes.len() - 1))
            }
            other => other.clone(),
        })
        .collect();
    let call = Call {
        it,
        name,
        position,
        args: rendered,
    };
    let text = imp(&call).ok()?.as_str()?.to_string();
    Some((text, holes))
}

/// Whether `u` is a resource id whose unknown parts (`{...}`) each lie within one segment.
fn whole_segment_unknowns(u: &Unknown) -> bool {
    let Origin::PartialResourceId { id, .. } = u.origin() else {
        return false;
    };
    let mut depth = 0usize;
    for c in id.chars() {
        match c {
            '{' => depth += 1,
            '}' => depth = depth.saturating_sub(1),
            '/' | HOLE if depth > 0 => return false,
            _ => {}
        }
    }
    depth == 0
}

/// `format()`/`concat()` text with unknown arguments that is not a resource path: an unknown that
/// keeps its literal parts ([`Unknown::derived_text`]), so two names built from the same unknown
/// with different text (`format('dependencies-{0}', s)`, `format('ai-{0}', s)`) are different
/// values even though they print alike. `None` for other functions.
pub(super) fn partial_text(
    it: &Interp<'_>,
    name: &str,
    position: usize,
    imp: fn(&Call<'_, '_>) -> Result<Value, EvalError>,
    values: &[Value],
    unknowns: &[Unknown],
) -> Option<Value> {
    let lower = name.to_ascii_lowercase();
    if unknowns.is_empty() || (lower != "format" && lower != "concat") {
        return None;
    }
    let (text, _) = text_with_holes(it, name, position, imp, values)?;
    Some(Value::Unknown(Unknown::derived_text(
        name,
        text,
        unknowns.to_vec(),
    )))
}

/// `format('Microsoft.Storage/storageAccounts/{0}', x)` or `concat('/subscriptions/', s, ...,
/// '/providers/Microsoft.Web/sites/', x)` with `x` unknown: the text still names a resource of a
/// known type (relative `Namespace/type/name` path or full id), so it becomes an
/// [`Origin::PartialResourceId`] with the unknown parts rendered as `{...}`. `None` when the
/// literal parts do not spell a resource path (or an unknown sits in the type itself).
fn partial_path(
    it: &Interp<'_>,
    name: &str,
    position: usize,
    imp: fn(&Call<'_, '_>) -> Result<Value, EvalError>,
    values: &[Value],
    unknowns: &[Unknown],
) -> Option<Value> {
    let (text, holes) = text_with_holes(it, name, position, imp, values)?;
    let resource_type = path_type(&text)?;
    // Put each unknown's description back in place of its hole.
    let mut id = String::with_capacity(text.len());
    let mut parts = text.split(HOLE);
    id.push_str(parts.next().unwrap_or_default());
    while let (Some(index), Some(rest)) = (parts.next(), parts.next()) {
        let i: usize = index.parse().ok()?;
        id.push_str(holes.get(i)?);
        id.push_str(rest);
    }
    Some(Value::Unknown(Unknown::new(Origin::PartialResourceId {
        id,
        resource_type,
        inputs: unknowns.to_vec(),
    })))
}

/// The resource type a path with holes names: `Namespace/type/name[/type/name...]`, or a full id
/// whose last `/providers/` is followed by such a path. The namespace and type segments must be
/// literal; names may hold unknowns.
fn path_type(text: &str) -> Option<String> {
    // A full id (or one whose scope is itself unknown): the path after its last `/providers/`.
    let lower = text.to_ascii_lowercase();
    let relative = match lower.rfind("/providers/") {
        Some(at) => &text[at + "/providers/".len()..],
        None if text.starts_with('/') => return None,
        None => text,
    };
    let segments: Vec<&str> = relative.trim_end_matches('/').split('/').collect();
    if segments.len() < 3 || segments.len().is_multiple_of(2) {
        return None;
    }
    let literal = |s: &str| {
        !s.is_empty()
            && !s.contains(HOLE)
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-' || c == '_')
    };
    // A provider namespace: dot-separated words (`Microsoft.Storage`), not a version (`v1.0`).
    let namespace = segments[0];
    if !literal(namespace)
        || !namespace.contains('.')
        || !namespace
            .split('.')
            .all(|w| w.chars().next().is_some_and(|c| c.is_ascii_alphabetic()))
    {
        return None;
    }
    let mut ty = namespace.to_string();
    for (i, seg) in segments.iter().enumerate().skip(1) {
        if i % 2 == 1 {
            if !literal(seg) {
                return None;
            }
            ty.push('/');
            ty.push_str(seg);
        } else if seg.is_empty() {
            return None;
        }
    }
    // At least one unknown must be in the path (else the value would have been known).
    text.contains(HOLE).then_some(ty)
}

fn resource_id(c: &Call<'_, '_>) -> Result<Value, EvalError> {
    let ctx = c.it.scope.context();
    let target = c.it.scope.target_scope();
    let t = type_index(c, 2)?;
    let path = provider_path(c, t)?;
    let subscription = |s: &str| format!("/subscriptions/{}", s.trim_start_matches('/'));
    let prefix = match t {
        0 => match target {
            TargetScope::ResourceGroup => ctx.resource_group_scope(),
            TargetScope::Subscription => ctx.subscription_scope(),
            TargetScope::ManagementGroup => ctx.management_group_scope(),
            TargetScope::Tenant => String::new(),
        },
        1 if target == TargetScope::Subscription => subscription(c.str(0)?),
        1 => format!(
            "/subscriptions/{}/resourceGroups/{}",
            ctx.subscription_id,
            c.str(0)?
        ),
        _ => format!("{}/resourceGroups/{}", subscription(c.str(0)?), c.str(1)?),
    };
    Ok(Value::String(format!("{prefix}/{path}")))
}

fn subscription_resource_id(c: &Call<'_, '_>) -> Result<Value, EvalError> {
    let t = type_index(c, 1)?;
    let sub = if t == 1 {
        c.str(0)?.to_string()
    } else {
        c.it.scope.context().subscription_id.clone()
    };
    Ok(Value::String(format!(
        "/subscriptions/{sub}/{}",
        provider_path(c, t)?
    )))
}

fn tenant_resource_id(c: &Call<'_, '_>) -> Result<Value, EvalError> {
    Ok(Value::String(format!("/{}", provider_path(c, 0)?)))
}

fn management_group_resource_id(c: &Call<'_, '_>) -> Result<Value, EvalError> {
    let t = type_index(c, 1)?;
    let mg = if t == 1 {
        c.str(0)?.to_string()
    } else {
        c.it.scope.context().management_group.clone()
    };
    Ok(Value::String(format!(
        "/providers/Microsoft.Management/managementGroups/{mg}/{}",
        provider_path(c, t)?
    )))
}

fn extension_resource_id(c: &Call<'_, '_>) -> Result<Value, EvalError> {
    let base = c.str(0)?.trim_end_matches('/');
    Ok(Value::String(format!("{base}/{}", provider_path(c, 1)?)))
}

fn reference(c: &Call<'_, '_>) -> Result<Value, EvalError> {
    let full = match c.args.get(2) {
        None => false,
        Some(Value::String(s)) => s.eq_ignore_ascii_case("full"),
        Some(Value::Unknown(_)) => false,
        Some(_) => return Err(c.expected(2, "the string 'Full'")),
    };
    if !matches!(c.arg(0), Value::String(_) | Value::Unknown(_)) {
        return Err(c.expected(0, "a resource id, name or symbolic name"));
    }
    c.it.scope
        .reference(c.arg(0), c.args.get(1), full)
        .map_err(|e| c.scope_err(e))
}

fn references(c: &Call<'_, '_>) -> Result<Value, EvalError> {
    let symbol = c.str(0)?;
    let full = match c.args.get(1) {
        None => false,
        Some(Value::String(s)) => s.eq_ignore_ascii_case("full"),
        Some(_) => return Err(c.expected(1, "the string 'Full'")),
    };
    c.it.scope
        .references(symbol, full)
        .map_err(|e| c.scope_err(e))
}

/// Keys and secrets come from the live resource: always unknown.
fn list_call(c: &Call<'_, '_>) -> Result<Value, EvalError> {
    Ok(Value::Unknown(Unknown::new(Origin::ListCall {
        function: c.name.to_string(),
        resource_id: c.arg(0).to_display_string(),
    })))
}

/// Regions with availability zones (public Azure), for `pickZones`.
const ZONAL_REGIONS: &[&str] = &[
    "australiaeast",
    "brazilsouth",
    "canadacentral",
    "centralindia",
    "centralus",
    "eastasia",
    "eastus",
    "eastus2",
    "francecentral",
    "germanywestcentral",
    "israelcentral",
    "italynorth",
    "japaneast",
    "japanwest",
    "koreacentral",
    "mexicocentral",
    "newzealandnorth",
    "northeurope",
    "norwayeast",
    "polandcentral",
    "qatarcentral",
    "southafricanorth",
    "southcentralus",
    "southeastasia",
    "spaincentral",
    "swedencentral",
    "switzerlandnorth",
    "uaenorth",
    "uksouth",
    "westeurope",
    "westus2",
    "westus3",
    "chinanorth3",
    "usgovvirginia",
];

/// Resource providers whose resources can be zonal.
const ZONAL_NAMESPACES: &[&str] = &[
    "microsoft.compute",
    "microsoft.network",
    "microsoft.storage",
    "microsoft.sql",
    "microsoft.documentdb",
    "microsoft.cache",
    "microsoft.containerservice",
    "microsoft.web",
    "microsoft.dbforpostgresql",
    "microsoft.dbformysql",
    "microsoft.eventhub",
    "microsoft.servicebus",
    "microsoft.keyvault",
    "microsoft.containerregistry",
    "microsoft.app",
    "microsoft.apimanagement",
];

/// `pickZones(namespace, type, location, count = 1, offset = 0)`, from a built-in table of zonal
/// regions (the live answer needs the platform's metadata).
fn pick_zones(c: &Call<'_, '_>) -> Result<Value, EvalError> {
    let namespace = c.str(0)?.to_ascii_lowercase();
    c.str(1)?;
    let location: String = c
        .str(2)?
        .chars()
        .filter(|ch| !ch.is_whitespace())
        .collect::<String>()
        .to_ascii_lowercase();
    let count = if c.args.len() > 3 { c.int(3)? } else { 1 };
    let offset = if c.args.len() > 4 { c.int(4)? } else { 0 };
    if !(1..=3).contains(&count) || !(0..=2).contains(&offset) {
        return Err(c.err("the number of zones must be 1 to 3 and the offset 0 to 2"));
    }
    if !ZONAL_REGIONS.contains(&location.as_str())
        || !ZONAL_NAMESPACES.contains(&namespace.as_str())
    {
        return Ok(Value::Array(Vec::new()));
    }
    Ok(Value::Array(
        (0..count)
            .map(|i| Value::String(((offset + i) % 3 + 1).to_string()))
            .collect(),
    ))
}

fn providers(c: &Call<'_, '_>) -> Result<Value, EvalError> {
    let ns = c.str(0)?;
    Ok(Value::Unknown(Unknown::new(Origin::NotEvaluated {
        what: format!("providers('{ns}'): resource provider metadata needs the live platform"),
    })))
}

fn role_definitions(c: &Call<'_, '_>) -> Result<Value, EvalError> {
    let role = c.str(0)?;
    Ok(Value::Unknown(Unknown::new(Origin::NotEvaluated {
        what: format!("roleDefinitions('{role}'): the role catalogue of the tenant"),
    })))
}

#[cfg(test)]
mod tests {
    use super::super::super::evaluate_string;
    use super::super::testing::{fails, ok, TestScope};
    use crate::context::{DeploymentContext, TargetScope};
    use serde_json::json;

    const RG: &str =
        "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rolegate-rg";

    #[test]
    fn path_type_reads_only_resource_paths() {
        use super::{path_type, HOLE};
        let hole = format!("{HOLE}0{HOLE}");
        assert_eq!(
            path_type(&format!("Microsoft.Web/sites/{hole}/config/appsettings")),
            Some("Microsoft.Web/sites/config".to_string())
        );
        assert_eq!(
            path_type(&format!("{RG}/providers/Microsoft.KeyVault/vaults/{hole}")),
            Some("Microsoft.KeyVault/vaults".to_string())
        );
        // Not resource paths: a URL, a Graph path, a name, a scope held by the unknown itself.
        assert_eq!(path_type(&format!("https://{hole}.vault.azure.net/")), None);
        assert_eq!(path_type(&format!("v1.0/users/{hole}")), None);
        assert_eq!(path_type(&format!("{hole}-kv")), None);
        assert_eq!(
            path_type(&format!("{hole}/providers/Microsoft.Authorization/locks/x")),
            Some("Microsoft.Authorization/locks".to_string())
        );
        // The type itself unknown: no type to keep.
        assert_eq!(path_type(&format!("Microsoft.Web/{hole}/x")), None);
    }

    #[test]
    fn resource_ids() {
        assert_eq!(
            ok("[resourceId('Microsoft.Network/virtualNetworks/subnets', 'vnet', 'default')]"),
            json!(format!(
                "{RG}/providers/Microsoft.Network/virtualNetworks/vnet/subnets/default"
            ))
        );
        assert_eq!(
            ok("[resourceId('otherRg', 'Microsoft.Storage/storageAccounts', 'st')]"),
            json!("/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/otherRg/providers/Microsoft.Storage/storageAccounts/st")
        );
        assert_eq!(
            ok("[resourceId('s2', 'rg2', 'Microsoft.Web/sites', 'app')]"),
            json!("/subscriptions/s2/resourceGroups/rg2/providers/Microsoft.Web/sites/app")
        );
        assert_eq!(
            ok("[subscriptionResourceId('Microsoft.Authorization/roleDefinitions', 'acdd72a7-3385-48ef-bd42-f606fba81ae7')]"),
            json!("/subscriptions/00000000-0000-0000-0000-000000000000/providers/Microsoft.Authorization/roleDefinitions/acdd72a7-3385-48ef-bd42-f606fba81ae7")
        );
        assert_eq!(
            ok("[tenantResourceId('Microsoft.Authorization/roleDefinitions', 'r1')]"),
            json!("/providers/Microsoft.Authorization/roleDefinitions/r1")
        );
        assert_eq!(
            ok("[managementGroupResourceId('mg1', 'Microsoft.Authorization/policyDefinitions', 'p')]"),
            json!("/providers/Microsoft.Management/managementGroups/mg1/providers/Microsoft.Authorization/policyDefinitions/p")
        );
        assert_eq!(
            ok("[extensionResourceId(resourceId('Microsoft.KeyVault/vaults', 'kv'), 'Microsoft.Authorization/roleAssignments', 'g')]"),
            json!(format!("{RG}/providers/Microsoft.KeyVault/vaults/kv/providers/Microsoft.Authorization/roleAssignments/g"))
        );
    }

    #[test]
    fn resource_id_optional_subscription_and_resource_group() {
        // deployment-script-with-storage: both given (the subscription as a full id, by mistake).
        assert_eq!(
            ok("[resourceId('11111111-2222-3333-4444-555555555555', 'rg2', 'Microsoft.ManagedIdentity/userAssignedIdentities', 'id1')]"),
            json!("/subscriptions/11111111-2222-3333-4444-555555555555/resourceGroups/rg2/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id1")
        );
        assert_eq!(
            ok("[resourceId(subscription().id, resourceGroup().name, 'Microsoft.ManagedIdentity/userAssignedIdentities', 'id1')]"),
            json!("/subscriptions/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rolegate-rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id1")
        );
        // At resource group scope one leading argument is the resource group, even GUID-shaped.
        assert_eq!(
            ok("[resourceId('11111111-2222-3333-4444-555555555555', 'Microsoft.Web/sites', 'app')]"),
            json!("/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/11111111-2222-3333-4444-555555555555/providers/Microsoft.Web/sites/app")
        );
    }

    #[test]
    fn resource_id_at_subscription_scope_takes_one_leading_subscription() {
        let scope = TestScope {
            context: DeploymentContext::builder()
                .subscription_id(Some("s1".into()))
                .build(),
            target: Some(TargetScope::Subscription),
            ..TestScope::default()
        };
        assert_eq!(
            evaluate_string(
                "[resourceId('s2', 'Microsoft.Resources/resourceGroups', 'rg')]",
                &scope
            )
            .map(|v| v.to_json()),
            Ok(json!(
                "/subscriptions/s2/providers/Microsoft.Resources/resourceGroups/rg"
            ))
        );
    }

    #[test]
    fn resource_id_defaults_follow_the_target_scope() {
        let scope = TestScope {
            context: DeploymentContext::builder()
                .subscription_id(Some("s1".into()))
                .build(),
            target: Some(TargetScope::Subscription),
            ..TestScope::default()
        };
        assert_eq!(
            evaluate_string(
                "[resourceId('Microsoft.Resources/resourceGroups', 'rg')]",
                &scope
            )
            .map(|v| v.to_json()),
            Ok(json!(
                "/subscriptions/s1/providers/Microsoft.Resources/resourceGroups/rg"
            ))
        );
    }

    #[test]
    fn errors() {
        assert!(fails("[resourceId('Microsoft.Web/sites')]")
            .message
            .contains("expects at least 2"));
        assert!(
            fails("[resourceId('Microsoft.Network/virtualNetworks/subnets', 'vnet')]")
                .message
                .contains("needs 2")
        );
        assert!(fails("[resourceId('a', 'b', 'c', 'd')]")
            .message
            .contains("no resource type"));
    }

    #[test]
    fn runtime_values_are_unknown_with_provenance() {
        let v = ok("[reference(resourceId('Microsoft.Logic/workflows', 'wf1'), '2019-05-01', 'Full').identity.principalId]");
        let text = v["$unknown"].as_str().unwrap_or_default().to_string();
        assert!(
            text.contains("runtime property identity.principalId"),
            "{text}"
        );
        let keys = ok("[listKeys(resourceId('Microsoft.Storage/storageAccounts', 'st'), '2023-01-01').keys[0].value]");
        assert!(keys["$unknown"]
            .as_str()
            .is_some_and(|s| s.contains("listKeys()")));
    }

    #[test]
    fn pick_zones_uses_the_zone_table() {
        assert_eq!(
            ok("[pickZones('Microsoft.Compute', 'virtualMachines', 'westus2')]"),
            json!(["1"])
        );
        assert_eq!(
            ok("[pickZones('Microsoft.Compute', 'virtualMachines', 'northcentralus')]"),
            json!([])
        );
        assert_eq!(
            ok("[pickZones('Microsoft.Cdn', 'profiles', 'westus2')]"),
            json!([])
        );
        assert_eq!(
            ok("[pickZones('Microsoft.Network', 'publicIPAddresses', 'West US 2', 3)]"),
            json!(["1", "2", "3"])
        );
    }
}
