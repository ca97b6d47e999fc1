//! The checked-in files: the schema is fresh, the shipped policies load, discovery finds the
//! nearest `rolegate.yaml`.

use std::path::{Path, PathBuf};

use policy::{
    discover, IdentityKind, Policy, PolicySource, RoleRef, ScopeLevel, UnresolvedMode, WorkloadRef,
};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

#[test]
fn checked_in_schema_is_fresh() {
    let path = repo().join("policies/policy.schema.json");
    let on_disk = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        on_disk == policy::schema::generate_text(),
        "policies/policy.schema.json is stale; regenerate it with\n  cargo run -p rolegate-policy --bin policy-schema > policies/policy.schema.json"
    );
}

#[test]
fn schema_is_a_valid_draft_2020_12_schema() {
    let schema = policy::schema::generate();
    assert_eq!(
        schema["$schema"],
        "https://json-schema.org/draft/2020-12/schema"
    );
    assert!(jsonschema::draft202012::meta::is_valid(&schema));
    assert_eq!(
        schema["additionalProperties"], false,
        "unknown keys must be errors"
    );
}

#[test]
fn shipped_policies_validate_and_say_what_they_should() {
    let default = Policy::embedded_default();
    assert_eq!(default.source, PolicySource::Embedded("default"));
    assert_eq!(default.source.to_string(), "embedded default");
    assert!(
        default.policy.text().contains("version: 1"),
        "the real file, not the fallback"
    );
    assert_eq!(default.unresolved().value, UnresolvedMode::Fail);
    assert_eq!(default.max_scope_level().value, ScopeLevel::ResourceGroup);
    for role in policy::DEFAULT_DENIED_ROLES {
        let denied = default
            .role_denied(&RoleRef::from_text(role))
            .expect("denied by default");
        assert!(denied.explicit, "default.yaml states {role}");
    }
    let wf = WorkloadRef::new("Microsoft.Logic/workflows", "any");
    assert!(
        default
            .identity_requirement(&wf)
            .expect("logic apps")
            .required
    );
    let std =
        WorkloadRef::new("Microsoft.Web/sites", "x").with_kind(Some("functionapp,workflowapp"));
    assert!(default.identity_requirement(&std).is_some());

    let strict = Policy::embedded_strict().expect("strict validates");
    assert_eq!(strict.max_scope_level().value, ScopeLevel::Resource);
    assert_eq!(
        strict.identity_requirement(&wf).map(|r| r.kind),
        Some(IdentityKind::User)
    );
    assert!(strict
        .role_denied(&RoleRef::from_text("Storage Account Contributor"))
        .is_some());

    // The files on disk are the embedded ones.
    for name in policy::EMBEDDED_POLICIES {
        let path = repo().join(format!("policies/{name}.yaml"));
        let loaded = Policy::load(&path).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(loaded.source, PolicySource::File(path));
        assert!(Policy::embedded(name).is_some());
    }
    assert!(Policy::embedded("lenient").is_none());
}

/// A scratch directory tree under the target dir, removed first so runs do not interfere.
fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("infra/app/nested")).expect("create scratch dirs");
    dir
}

#[test]
fn discovery_finds_the_nearest_policy_upwards() {
    let root = scratch("discover-nearest");
    let template = root.join("infra/app/nested/main.json");
    std::fs::write(&template, "{}").expect("write template");
    std::fs::write(
        root.join("rolegate.yaml"),
        "version: 1\nmax_scope: subscription\n",
    )
    .expect("write");

    let found = discover(&template).expect("valid");
    assert_eq!(found.max_scope_level().value, ScopeLevel::Subscription);
    match &found.source {
        PolicySource::File(p) => assert!(
            p.ends_with("discover-nearest/rolegate.yaml"),
            "{}",
            p.display()
        ),
        other => panic!("expected a file, got {other}"),
    }

    // A nearer one wins; a directory target starts at itself.
    std::fs::write(
        root.join("infra/app/rolegate.yaml"),
        "version: 1\nmax_scope: resource\n",
    )
    .expect("write");
    assert_eq!(
        discover(&template).expect("valid").max_scope_level().value,
        ScopeLevel::Resource
    );
    assert_eq!(
        discover(&root.join("infra/app"))
            .expect("valid")
            .max_scope_level()
            .value,
        ScopeLevel::Resource
    );
    assert_eq!(
        discover(&root.join("infra"))
            .expect("valid")
            .max_scope_level()
            .value,
        ScopeLevel::Subscription
    );
}

#[test]
fn discovery_reports_an_invalid_policy_instead_of_falling_back() {
    let root = scratch("discover-invalid");
    std::fs::write(
        root.join("infra/rolegate.yaml"),
        "version: 1\nmax_scop: resource\n",
    )
    .expect("write");
    let error = discover(&root.join("infra/app/nested")).expect_err("invalid policy is an error");
    assert!(
        error
            .to_string()
            .contains("rolegate.yaml:2:1: unknown key `max_scop`"),
        "{error}"
    );
}

#[test]
fn discovery_falls_back_to_the_embedded_default() {
    // The filesystem root has no rolegate.yaml on any sane machine; skip if it does.
    if Path::new("/rolegate.yaml").exists() {
        eprintln!("skipping: /rolegate.yaml exists on this machine");
        return;
    }
    let dir = std::env::temp_dir().join(format!("rolegate-no-policy-{}", std::process::id()));
    let _ = std::fs::create_dir_all(&dir);
    if dir.ancestors().any(|d| d.join("rolegate.yaml").is_file()) {
        eprintln!("skipping: a rolegate.yaml above {}", dir.display());
        return;
    }
    let found = discover(&dir.join("main.json")).expect("default");
    assert_eq!(found.source, PolicySource::Embedded("default"));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn docs_example_is_a_valid_policy() {
    let docs = std::fs::read_to_string(repo().join("docs/policy.md")).unwrap_or_default();
    let start = docs.find("```yaml\n").map(|i| i + 8);
    let Some(start) = start else {
        panic!("docs/policy.md has no yaml example");
    };
    let end = docs[start..].find("```").map_or(docs.len(), |i| start + i);
    let example = &docs[start..end];
    if let Err(e) = Policy::from_str("docs/policy.md", example) {
        panic!("the example in docs/policy.md is not valid:\n{e}");
    }
}

#[test]
fn every_shipped_policy_validates() {
    let dir = repo().join("policies");
    let mut count = 0;
    for entry in std::fs::read_dir(&dir).expect("policies/ exists").flatten() {
        let path = entry.path();
        if path.extension().and_then(|e| e.to_str()) == Some("yaml") {
            Policy::load(&path).unwrap_or_else(|e| panic!("{e}"));
            count += 1;
        }
    }
    assert!(
        count >= 5,
        "default, strict and one per example; found {count}"
    );
}

#[test]
fn per_example_policies_are_the_examples_own() {
    for example in [
        "payment-reconciliation",
        "claims-queue",
        "compliance-export",
    ] {
        let shipped = std::fs::read_to_string(repo().join(format!("policies/{example}.yaml")))
            .unwrap_or_default();
        let in_example =
            std::fs::read_to_string(repo().join(format!("examples/{example}/good/rolegate.yaml")))
                .unwrap_or_default();
        // Only the schema path differs (each file points at the schema relative to itself).
        let normalize = |t: &str| {
            t.lines()
                .filter(|l| !l.contains("yaml-language-server"))
                .collect::<Vec<_>>()
                .join("\n")
        };
        assert!(!shipped.is_empty(), "policies/{example}.yaml is missing");
        assert_eq!(
            normalize(&shipped),
            normalize(&in_example),
            "policies/{example}.yaml differs from examples/{example}/good/rolegate.yaml; copy it over"
        );
    }
}
