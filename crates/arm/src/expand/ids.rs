//! Resource ids: composing them from type, name and scope, and reading scopes back out of them.

use crate::context::TargetScope;

/// The id of a deployment scope: `""` for the tenant, else the subscription / resource group /
/// management group id.
pub fn scope_id(level: TargetScope, subscription: &str, resource_group: &str, mg: &str) -> String {
    match level {
        TargetScope::Tenant => String::new(),
        TargetScope::ManagementGroup => {
            format!("/providers/Microsoft.Management/managementGroups/{mg}")
        }
        TargetScope::Subscription => format!("/subscriptions/{subscription}"),
        TargetScope::ResourceGroup => {
            format!("/subscriptions/{subscription}/resourceGroups/{resource_group}")
        }
    }
}

/// Full resource id of `full_type` named `full_name` under `scope` (a scope id, `""` for the tenant).
///
/// Type segments and name segments alternate after the namespace:
/// `Microsoft.Storage/storageAccounts/blobServices` + `acct/default` →
/// `{scope}/providers/Microsoft.Storage/storageAccounts/acct/blobServices/default`.
pub fn resource_id(scope: &str, full_type: &str, full_name: &str) -> String {
    let scope = scope.trim_end_matches('/');
    let types: Vec<&str> = full_type.split('/').collect();
    let names: Vec<&str> = if full_name.is_empty() {
        Vec::new()
    } else {
        full_name.split('/').collect()
    };
    // Resource groups are not providers-style resources: their id is the scope id itself.
    if types.len() == 2
        && types[0].eq_ignore_ascii_case("Microsoft.Resources")
        && types[1].eq_ignore_ascii_case("resourceGroups")
        && names.len() == 1
    {
        return format!("{scope}/resourceGroups/{}", names[0]);
    }
    let mut id = String::with_capacity(scope.len() + full_type.len() + full_name.len() + 16);
    id.push_str(scope);
    id.push_str("/providers/");
    id.push_str(types[0]);
    let pairs = (types.len() - 1).max(names.len());
    for i in 0..pairs {
        id.push('/');
        id.push_str(types.get(i + 1).copied().unwrap_or("{type}"));
        id.push('/');
        id.push_str(names.get(i).copied().unwrap_or("{name}"));
    }
    id
}

/// The legacy extension form: type `NS/t/providers/ext` named `n/ExtNamespace/extName`
/// (e.g. `Microsoft.Storage/storageAccounts/providers/roleAssignments` named
/// `acct/Microsoft.Authorization/guid`). Returns (extended resource type, its name, extension type,
/// extension name) when the type has that shape.
pub fn split_legacy_extension(
    full_type: &str,
    full_name: &str,
) -> Option<(String, String, String, String)> {
    let types: Vec<&str> = full_type.split('/').collect();
    let p = types
        .iter()
        .position(|t| t.eq_ignore_ascii_case("providers"))?;
    if p < 2 || p + 1 >= types.len() {
        return None;
    }
    let names: Vec<&str> = full_name.split('/').collect();
    // parent names: one per parent type segment after the namespace
    let parent_names = p - 1;
    if names.len() < parent_names + 2 {
        return None;
    }
    let parent_type = types[..p].join("/");
    let parent_name = names[..parent_names].join("/");
    let ext_namespace = names[parent_names];
    let ext_type = format!("{ext_namespace}/{}", types[p + 1..].join("/"));
    let ext_name = names[parent_names + 1..].join("/");
    Some((parent_type, parent_name, ext_type, ext_name))
}

/// What a scope id names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ScopeKind {
    Tenant,
    ManagementGroup(String),
    Subscription(String),
    ResourceGroup(String, String),
    /// Anything below a resource group (a resource), or an id we cannot read.
    Other,
}

/// Reads a deployment scope id (`/`, management group, subscription, resource group).
pub fn parse_scope(id: &str) -> ScopeKind {
    let trimmed = id.trim().trim_end_matches('/');
    if trimmed.is_empty() {
        return ScopeKind::Tenant;
    }
    let segs: Vec<&str> = trimmed.trim_start_matches('/').split('/').collect();
    let eq = |a: &str, b: &str| a.eq_ignore_ascii_case(b);
    match segs.as_slice() {
        [p, ns, mgs, mg]
            if eq(p, "providers")
                && eq(ns, "Microsoft.Management")
                && eq(mgs, "managementGroups") =>
        {
            ScopeKind::ManagementGroup((*mg).to_string())
        }
        [ns, mgs, mg] if eq(ns, "Microsoft.Management") && eq(mgs, "managementGroups") => {
            ScopeKind::ManagementGroup((*mg).to_string())
        }
        [s, sub] if eq(s, "subscriptions") => ScopeKind::Subscription((*sub).to_string()),
        [s, sub, r, rg] if eq(s, "subscriptions") && eq(r, "resourceGroups") => {
            ScopeKind::ResourceGroup((*sub).to_string(), (*rg).to_string())
        }
        _ => ScopeKind::Other,
    }
}

/// Reads type and name from a full resource id (the last `providers` segment).
pub fn type_and_name_from_id(id: &str) -> Option<(String, String)> {
    let segs: Vec<&str> = id.trim_start_matches('/').split('/').collect();
    let p = segs
        .iter()
        .rposition(|s| s.eq_ignore_ascii_case("providers"))?;
    let rest = &segs[p + 1..];
    if rest.len() < 3 {
        // `/subscriptions/x/resourceGroups/y`
        if let ScopeKind::ResourceGroup(_, rg) = parse_scope(id) {
            return Some(("Microsoft.Resources/resourceGroups".into(), rg));
        }
        return None;
    }
    let mut types = vec![rest[0]];
    let mut names = Vec::new();
    for pair in rest[1..].chunks(2) {
        types.push(pair[0]);
        if let Some(n) = pair.get(1) {
            names.push(*n);
        }
    }
    Some((types.join("/"), names.join("/")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn composes_ids() {
        assert_eq!(
            resource_id(
                "/subscriptions/s/resourceGroups/r",
                "Microsoft.Storage/storageAccounts/blobServices",
                "acct/default"
            ),
            "/subscriptions/s/resourceGroups/r/providers/Microsoft.Storage/storageAccounts/acct/blobServices/default"
        );
        assert_eq!(
            resource_id("", "Microsoft.Management/managementGroups", "mg1"),
            "/providers/Microsoft.Management/managementGroups/mg1"
        );
        assert_eq!(
            resource_id(
                "/subscriptions/s",
                "Microsoft.Resources/resourceGroups",
                "rg"
            ),
            "/subscriptions/s/resourceGroups/rg"
        );
    }

    #[test]
    fn splits_legacy_role_assignment() {
        let (pt, pn, et, en) = split_legacy_extension(
            "Microsoft.Storage/storageAccounts/providers/roleAssignments",
            "acct/Microsoft.Authorization/1234",
        )
        .unwrap();
        assert_eq!(pt, "Microsoft.Storage/storageAccounts");
        assert_eq!(pn, "acct");
        assert_eq!(et, "Microsoft.Authorization/roleAssignments");
        assert_eq!(en, "1234");
        assert!(split_legacy_extension("Microsoft.Storage/storageAccounts", "a").is_none());
    }

    #[test]
    fn reads_scopes_and_ids() {
        assert_eq!(parse_scope("/"), ScopeKind::Tenant);
        assert_eq!(
            parse_scope("/subscriptions/a/resourceGroups/b"),
            ScopeKind::ResourceGroup("a".into(), "b".into())
        );
        assert_eq!(
            parse_scope("Microsoft.Management/managementGroups/m"),
            ScopeKind::ManagementGroup("m".into())
        );
        assert_eq!(
            type_and_name_from_id(
                "/subscriptions/a/resourceGroups/b/providers/Microsoft.Web/sites/s/config/web"
            ),
            Some(("Microsoft.Web/sites/config".into(), "s/web".into()))
        );
    }
}
