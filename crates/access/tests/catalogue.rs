//! The built-in catalogue: lookups, wildcard semantics on real roles, privilege classes, the
//! narrowest-role helper, and freshness of the committed file against the generator.

use std::path::Path;

use access::catalogue::{generate_catalogue_json, parse_role_list};
use access::{PrivilegeClass, RoleCatalogue, RoleSource};

fn roles() -> RoleCatalogue {
    let c = RoleCatalogue::builtin();
    assert!(c.len() > 900, "built-in catalogue has {} roles", c.len());
    c
}

#[test]
fn lookup_by_guid_full_id_and_name() {
    let c = roles();
    let by_id = c
        .get("4633458b-17de-408a-b874-0445c86b69e6")
        .map(|r| r.name.clone());
    assert_eq!(by_id.as_deref(), Some("Key Vault Secrets User"));
    let full = c.get("/subscriptions/x/providers/Microsoft.Authorization/roleDefinitions/2A2B9908-6EA1-4AE2-8E65-A410DF84E7D1");
    assert_eq!(
        full.map(|r| r.name.as_str()),
        Some("Storage Blob Data Reader")
    );
    assert_eq!(
        c.by_name("owner").map(|r| r.id.as_str()),
        Some("8e3af657-a8ff-443c-a75c-2fe8c4bcb635")
    );
    assert!(
        c.get("2a2b9908-6b94-4a3d-8e5a-a7d8f8cc8a12").is_none(),
        "the widely copied wrong GUID"
    );
}

#[test]
fn wildcard_semantics_on_real_roles() {
    let c = roles();
    let owner = c.by_name("Owner").expect("Owner");
    let contributor = c.by_name("Contributor").expect("Contributor");
    let reader = c.by_name("Reader").expect("Reader");
    let secrets_user = c.by_name("Key Vault Secrets User").expect("KVSU");
    let kv_admin = c.by_name("Key Vault Administrator").expect("KVA");
    assert!(owner.allows("Microsoft.Authorization/roleAssignments/write"));
    assert!(contributor.allows("Microsoft.KeyVault/vaults/write"));
    assert!(
        !contributor.allows("Microsoft.Authorization/roleAssignments/write"),
        "notActions subtract"
    );
    assert!(
        !contributor.allows_data("Microsoft.KeyVault/vaults/secrets/getSecret/action"),
        "actions never grant data actions"
    );
    assert!(reader.allows("microsoft.web/SITES/read"));
    assert!(!reader.allows("Microsoft.Web/sites/write"));
    assert!(secrets_user.allows_data("Microsoft.KeyVault/vaults/secrets/getSecret/action"));
    assert!(!secrets_user.allows_data("Microsoft.KeyVault/vaults/secrets/setSecret/action"));
    assert!(kv_admin.allows_data("Microsoft.KeyVault/vaults/keys/encrypt/action"));
    let mio = c.by_name("Managed Identity Operator").expect("MIO");
    assert!(mio.allows("Microsoft.ManagedIdentity/userAssignedIdentities/assign/action"));
}

#[test]
fn privilege_classes() {
    let c = roles();
    let class = |n: &str| c.by_name(n).map(|r| r.privilege);
    for n in [
        "Owner",
        "Contributor",
        "User Access Administrator",
        "Role Based Access Control Administrator",
    ] {
        assert_eq!(class(n), Some(PrivilegeClass::Privileged), "{n}");
    }
    for n in [
        "Key Vault Administrator",
        "Key Vault Secrets Officer",
        "Key Vault Contributor",
        "Storage Account Contributor",
        "Storage Blob Data Owner",
        "Logic App Contributor",
        "Managed Identity Operator",
        "Website Contributor",
    ] {
        assert_eq!(class(n), Some(PrivilegeClass::Sensitive), "{n}");
    }
    for n in [
        "Reader",
        "Key Vault Secrets User",
        "Storage Blob Data Reader",
        "Azure Service Bus Data Sender",
        "Logic App Operator",
    ] {
        assert_eq!(class(n), Some(PrivilegeClass::Standard), "{n}");
    }
}

#[test]
fn narrowest_builtin_role() {
    let c = roles();
    let pick = |data: &[&str]| {
        let data: Vec<String> = data.iter().map(|s| s.to_string()).collect();
        c.narrowest_builtin_for(&[], &data).map(|r| r.name.clone())
    };
    assert_eq!(
        pick(&["Microsoft.KeyVault/vaults/secrets/getSecret/action"]).as_deref(),
        Some("Key Vault Secrets User")
    );
    assert_eq!(
        pick(&["Microsoft.Storage/storageAccounts/blobServices/containers/blobs/read"]).as_deref(),
        Some("Storage Blob Data Reader")
    );
    assert_eq!(
        pick(&["Microsoft.ServiceBus/namespaces/messages/send/action"]).as_deref(),
        Some("Azure Service Bus Data Sender")
    );
    assert_eq!(
        pick(&["Microsoft.Storage/storageAccounts/queueServices/queues/messages/add/action"])
            .as_deref(),
        Some("Storage Queue Data Message Sender")
    );
    assert_eq!(
        pick(&["Microsoft.EventGrid/events/send/action"]).as_deref(),
        Some("EventGrid Data Sender")
    );
    assert_eq!(
        c.narrowest_builtin_for(&[], &[]).map(|r| r.name.clone()),
        None
    );
}

#[test]
fn custom_roles_file_adds_roles() {
    let dir = std::env::temp_dir().join(format!("rolegate-roles-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap_or_default();
    let file = dir.join("roles.json");
    std::fs::write(&file, r#"[{"name":"abcdefab-0000-0000-0000-000000000001","roleName":"Workflow Runner","roleType":"CustomRole","permissions":[{"actions":["Microsoft.Logic/workflows/*"],"notActions":[],"dataActions":[],"notDataActions":[]}]}]"#).unwrap_or_default();
    let mut c = roles();
    let n = c.load_custom(&file);
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(n.ok(), Some(1));
    let r = c.by_name("workflow runner").expect("custom role");
    assert_eq!(r.source, RoleSource::Custom);
    assert!(r.allows("Microsoft.Logic/workflows/triggers/run/action"));
    assert!(c.load_custom(Path::new("/nonexistent/roles.json")).is_err());
}

#[test]
fn committed_catalogue_is_what_the_generator_produces() {
    let input = Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/data/builtin-roles.json"
    ));
    let Ok(text) = std::fs::read_to_string(input) else {
        println!("skipped: {} is absent", input.display());
        return;
    };
    let roles =
        parse_role_list("builtin-roles.json", &text, RoleSource::BuiltIn).expect("parse dump");
    let committed = include_str!("../data/builtin-roles.json");
    assert!(
        generate_catalogue_json(roles) == committed,
        "crates/access/data/builtin-roles.json is stale: run `cargo run -p rolegate-access --bin role-catalogue -- ../shared/data/builtin-roles.json > crates/access/data/builtin-roles.json`"
    );
}

#[test]
fn compiled_builtins_equal_the_committed_catalogue() {
    // build.rs turns data/builtin-roles.json into static tables; every role must come out of them
    // exactly as the JSON says, by GUID and by name.
    let committed: Vec<access::RoleDefinition> =
        serde_json::from_str(include_str!("../data/builtin-roles.json")).expect("catalogue JSON");
    let c = RoleCatalogue::builtin();
    assert_eq!(c.len(), committed.len());
    for role in &committed {
        assert_eq!(c.get(&role.id), Some(role), "by GUID: {}", role.name);
        let by_name = c.by_name(&role.name.to_uppercase()).map(|r| r.id.as_str());
        assert!(by_name.is_some(), "by name: {}", role.name);
    }
    assert_eq!(c.iter().count(), committed.len());
}

#[test]
fn an_added_role_replaces_the_builtin_of_its_guid() {
    let mut c = roles();
    let before = c.len();
    let reader = c.by_name("Reader").expect("Reader").clone();
    c.add(access::RoleDefinition::new(
        &reader.id,
        "Reader (tenant copy)",
        vec![],
        RoleSource::Custom,
    ));
    assert_eq!(c.len(), before, "replaced, not added");
    assert_eq!(
        c.get(&reader.id).map(|r| r.source),
        Some(RoleSource::Custom)
    );
    assert_eq!(
        c.by_name("reader").map(|r| r.name.as_str()),
        Some("Reader (tenant copy)"),
        "the built-in's name now finds the replacement"
    );
    // A replaced built-in is no longer offered as the narrowest built-in role.
    let read = vec!["Microsoft.Resources/subscriptions/resourceGroups/read".to_string()];
    assert_ne!(
        c.narrowest_builtin_for(&read, &[]).map(|r| r.id.as_str()),
        Some(reader.id.as_str())
    );
    assert!(RoleCatalogue::empty().get(&reader.id).is_none());
}
