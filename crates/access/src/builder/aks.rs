//! Identities an AKS cluster creates and manages for features of its own: the kubelet identity
//! and the add-on identities (Application Gateway Ingress Controller, monitoring agent, Key Vault
//! secrets provider, ...). Templates grant them roles through runtime properties of the cluster,
//! `reference(aks).identityProfile.kubeletidentity.objectId` and
//! `reference(aks).addonProfiles.<add-on>.identity.objectId`; without this module such a grant's
//! principal is "unresolved" and the gate cannot judge it, although it is an identity this
//! deployment creates with the cluster.
//!
//! Sources (Microsoft Learn):
//! - "Use a managed identity in AKS" (azure/aks/use-managed-identity): "If you don't specify a
//!   user-assigned managed identity for kubelet, AKS creates a system-assigned kubelet identity in
//!   the node resource group."
//! - `ManagedClusterProperties.IdentityProfile`: "The user identity associated with the managed
//!   cluster. This identity will be used by the kubelet. [...] The only accepted key is
//!   `kubeletidentity`, with value of `resourceId`: `/subscriptions/.../userAssignedIdentities/...`"
//!   (a pre-created kubelet identity the template may name itself).
//! - `ManagedClusterAddonProfile.identity` (`clientId`, `objectId`, `resourceId`): the
//!   user-assigned identity AKS creates for an add-on.
//!
//! The identity's resource id lives in the node resource group under a name AKS picks, so it is
//! modelled with those parts unknown (`{...}`): the gate judges the grant, and the live check
//! does not look up an id it would have to guess.

use arm::{Origin, Value};

use super::{str_at, Ctx};
use crate::model::{AccessModel, ManagedBy, Principal, PrincipalKind, UserAssignedIdentity};
use crate::resource_id::ResourceId;

/// Type of AKS clusters.
const AKS_TYPE: &str = "Microsoft.ContainerService/managedClusters";

/// The feature an AKS runtime property path names an identity of: `kubelet` for
/// `identityProfile.kubeletidentity.objectId`, `<add-on> add-on` for
/// `addonProfiles.<add-on>.identity.objectId` (with or without the leading `properties.`).
fn feature_of(path: &str) -> Option<String> {
    let p = path.strip_prefix("properties.").unwrap_or(path);
    let lower = p.to_ascii_lowercase();
    if lower == "identityprofile.kubeletidentity.objectid" {
        return Some("kubelet".to_string());
    }
    let rest = lower.strip_prefix("addonprofiles.")?;
    let addon_len = rest.strip_suffix(".identity.objectid")?.len();
    let start = "addonprofiles.".len();
    let addon = &p[start..start + addon_len];
    (!addon.is_empty() && !addon.contains('.')).then(|| format!("{addon} add-on"))
}

/// Models every grant of this plan (from `first_grant` on) whose principal is an AKS cluster's
/// kubelet or add-on identity: the principal becomes that identity (a pre-created kubelet
/// identity the cluster names, else an identity managed by the cluster), and the identity is
/// added to the model. Returns which cluster uses each such identity, for [`attach`] once the
/// workloads' own attachments are linked.
pub(crate) fn collect(
    ctx: &Ctx,
    model: &mut AccessModel,
    first_grant: usize,
) -> Vec<(ResourceId, ResourceId)> {
    let mut resolved = Vec::new();
    let mut used_by = Vec::new();
    for grant in &mut model.grants[first_grant..] {
        if grant.principal.kind != PrincipalKind::Unresolved {
            continue;
        }
        let Value::Unknown(u) = &grant.principal_value else {
            continue;
        };
        // The principal id is exactly the runtime property (possibly through module outputs and
        // parameters, which keep the origin), not something derived from it.
        let roots = u.roots();
        let [Origin::RuntimeProperty { resource, path }] = roots.as_slice() else {
            continue;
        };
        if !resource.resource_type.eq_ignore_ascii_case(AKS_TYPE) {
            continue;
        }
        let Some(feature) = feature_of(path) else {
            continue;
        };
        let cluster_id = ResourceId::parse(&resource.id);
        let cluster = ctx.resource(&resource.id);
        // A pre-created kubelet identity named by the cluster is an ordinary user-assigned one.
        let named = (feature == "kubelet")
            .then(|| {
                cluster.and_then(|c| {
                    str_at(
                        &c.body,
                        &[
                            "properties",
                            "identityProfile",
                            "kubeletidentity",
                            "resourceId",
                        ],
                    )
                })
            })
            .flatten()
            .map(ResourceId::parse)
            .filter(|id| id.is_absolute() && !id.has_unknown_parts());
        let provenance = u.to_string();
        if let Some(id) = named {
            used_by.push((id.clone(), cluster_id.clone()));
            grant.principal = Principal {
                kind: PrincipalKind::UserAssigned,
                resource: Some(id),
                id: None,
                parameter: None,
                provenance,
            };
            resolved.push((grant.name.clone(), grant.location.file.clone(), None));
            continue;
        }
        let node_group = cluster
            .and_then(|c| str_at(&c.body, &["properties", "nodeResourceGroup"]))
            .map(str::to_string)
            .unwrap_or_else(|| format!("{{node resource group of {}}}", resource.name));
        let subscription = cluster_id.subscription().unwrap_or("{subscription}");
        let id = ResourceId::parse(&format!(
            "/subscriptions/{subscription}/resourceGroups/{node_group}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/{{{feature} identity of {}}}",
            resource.name
        ));
        used_by.push((id.clone(), cluster_id.clone()));
        grant.principal = Principal {
            kind: PrincipalKind::UserAssigned,
            resource: Some(id.clone()),
            id: None,
            parameter: None,
            provenance,
        };
        let identity = UserAssignedIdentity {
            name: format!("{feature} identity of {}", resource.name),
            id,
            // Not declared in the template: AKS creates it with the cluster.
            declared: false,
            existing: cluster.is_some_and(|c| c.existing),
            deployed: cluster.map(|c| ctx.deployed(c)),
            attached_to: vec![cluster_id.clone()],
            location: cluster
                .map(|c| c.location.clone())
                .unwrap_or_else(|| grant.location.clone()),
            managed_by: Some(ManagedBy {
                resource: cluster_id,
                resource_type: resource.resource_type.clone(),
                feature,
            }),
        };
        resolved.push((
            grant.name.clone(),
            grant.location.file.clone(),
            Some(identity),
        ));
    }
    for (name, file, identity) in resolved {
        // The principal is known now: it is no longer among the values the model could not know.
        let what = format!("principal of role assignment {name}");
        model
            .unresolved
            .retain(|u| u.what != what || u.location.file != file);
        if let Some(identity) = identity {
            if !model.identities.iter().any(|i| i.id == identity.id) {
                model.identities.push(identity);
            }
        }
    }
    used_by
}

/// Records the cluster that uses each kubelet or add-on identity in the identity's
/// `attached_to` (the cluster's `identity` block does not list them), after
/// `workloads::link_identities` has linked the workloads' own attachments.
pub(crate) fn attach(model: &mut AccessModel, used_by: &[(ResourceId, ResourceId)]) {
    for (identity, cluster) in used_by {
        if let Some(i) = model.identities.iter_mut().find(|i| &i.id == identity) {
            if !i.attached_to.contains(cluster) {
                i.attached_to.push(cluster.clone());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kubelet_and_add_on_paths() {
        assert_eq!(
            feature_of("properties.identityProfile.kubeletidentity.objectId").as_deref(),
            Some("kubelet")
        );
        assert_eq!(
            feature_of("properties.addonProfiles.ingressApplicationGateway.identity.objectId")
                .as_deref(),
            Some("ingressApplicationGateway add-on")
        );
        assert_eq!(
            feature_of("addonProfiles.omsagent.identity.objectId").as_deref(),
            Some("omsagent add-on")
        );
        // The client id is not a principal (object) id; the cluster's own identity is not an add-on.
        assert_eq!(
            feature_of("properties.addonProfiles.omsagent.identity.clientId"),
            None
        );
        assert_eq!(feature_of("identity.principalId"), None);
    }
}
