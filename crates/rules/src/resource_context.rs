//! Which planned resource each finding points into, so a report can say "resource `kvAccess` in
//! module `secrets`" to someone who edits the `.bicep` file, not the compiled JSON.

use std::collections::HashMap;

use arm::plan::{DeploymentPlan, PlannedResource};

use crate::finding::{Finding, ResourceContext, Subject};

/// A declaration's planned resources with the generator of the template that declares them and
/// the symbolic module path of the deployment they are in.
type Candidates<'p> = Vec<(&'p PlannedResource, Option<&'p str>, Option<String>)>;

/// Sets [`Finding::resource`] on every finding whose primary location lies inside a planned
/// resource's declaration (the innermost one: a resource in a nested template wins over the
/// deployment that holds it).
pub(crate) fn attach(plans: &[DeploymentPlan], findings: &mut [Finding]) {
    if plans.is_empty() || findings.is_empty() {
        return;
    }
    let declarations = declarations(plans);
    for finding in findings {
        finding.resource = context_for(&declarations, finding);
    }
}

/// Planned resources by (file, JSON pointer of their declaration). Copy-loop instances, a module
/// deployed twice and plans of one template with other parameter files share a declaration.
fn declarations(plans: &[DeploymentPlan]) -> HashMap<(&str, &str), Candidates<'_>> {
    let mut out: HashMap<(&str, &str), Candidates<'_>> = HashMap::new();
    for plan in plans {
        let generators: HashMap<&str, Option<&str>> = plan
            .deployments
            .iter()
            .map(|d| (d.path.as_str(), d.generator.as_deref()))
            .collect();
        let symbols = module_symbols(plan);
        for resource in &plan.resources {
            let generator = generators
                .get(resource.deployment.as_str())
                .copied()
                .flatten();
            let module_symbol = symbolic_path(&symbols, &resource.deployment);
            out.entry((
                resource.location.file.as_str(),
                resource.location.pointer.as_str(),
            ))
            .or_default()
            .push((resource, generator, module_symbol));
        }
    }
    out
}

/// Symbolic names of module declarations by the deployment path they open (`app`, `app/secrets`).
fn module_symbols(plan: &DeploymentPlan) -> HashMap<String, &str> {
    plan.resources
        .iter()
        .filter(|r| {
            r.resource_type
                .eq_ignore_ascii_case("Microsoft.Resources/deployments")
        })
        .filter_map(|r| {
            let symbol = r.symbol.as_deref()?;
            let name = r.name.rsplit('/').next()?;
            let path = if r.deployment.is_empty() {
                name.to_string()
            } else {
                format!("{}/{name}", r.deployment)
            };
            Some((path, symbol))
        })
        .collect()
}

/// `app/secrets` as `appModule/secretsModule`, when every level has a symbolic name.
fn symbolic_path(symbols: &HashMap<String, &str>, deployment: &str) -> Option<String> {
    if deployment.is_empty() {
        return None;
    }
    let mut path = String::new();
    let mut out = Vec::new();
    for segment in deployment.split('/') {
        if !path.is_empty() {
            path.push('/');
        }
        path.push_str(segment);
        out.push(*symbols.get(&path)?);
    }
    Some(out.join("/"))
}

/// The context of the declaration whose pointer is the longest prefix of the finding's pointer,
/// compared whole segments at a time (so `/resources/1` never contains `/resources/10`).
fn context_for(
    declarations: &HashMap<(&str, &str), Candidates<'_>>,
    finding: &Finding,
) -> Option<ResourceContext> {
    let file = finding.location.file.as_str();
    let mut pointer = finding.location.pointer.as_str();
    loop {
        if let Some(candidates) = declarations.get(&(file, pointer)) {
            return context(candidates, &finding.subject);
        }
        // Pointer segments escape `/` as `~1`, so every `/` is a segment boundary.
        pointer = &pointer[..pointer.rfind('/')?];
    }
}

/// One context for a declaration's resources: the instance the finding names when it names one
/// (its workload or identity is that resource), else what all instances share.
fn context(candidates: &Candidates<'_>, subject: &Subject) -> Option<ResourceContext> {
    let named = |id: &Option<String>, r: &PlannedResource| {
        id.as_deref()
            .is_some_and(|id| id.eq_ignore_ascii_case(&r.id))
    };
    let narrowed: Candidates<'_> = candidates
        .iter()
        .filter(|(r, _, _)| named(&subject.workload, r) || named(&subject.identity, r))
        .cloned()
        .collect();
    let candidates = if narrowed.is_empty() {
        candidates
    } else {
        &narrowed
    };
    let (first, generator, _) = candidates.first()?;
    let mut instances: Vec<(&str, &str, Option<i64>)> = candidates
        .iter()
        .map(|(r, _, _)| {
            (
                r.deployment.as_str(),
                r.name.as_str(),
                r.copy.as_ref().map(|c| c.index),
            )
        })
        .collect();
    instances.sort_unstable();
    instances.dedup();
    Some(ResourceContext {
        resource_type: first.resource_type.clone(),
        name: common(candidates, |r| Some(r.name.clone())),
        symbol: first.symbol.clone(),
        module: common(candidates, |r| {
            Some(r.deployment.clone()).filter(|d| !d.is_empty())
        }),
        module_symbol: {
            let mut symbols = candidates.iter().map(|(_, _, s)| s.clone());
            let first = symbols.next().flatten();
            symbols.all(|s| s == first).then_some(first).flatten()
        },
        copy_loop: first.copy.as_ref().map(|c| c.name.clone()),
        // One instance standing for a loop of unknown length is no instance of it: no index.
        copy_index: common(candidates, |r| {
            r.copy
                .as_ref()
                .filter(|c| !c.count_unknown)
                .map(|c| c.index)
        }),
        instances: (instances.len() > 1).then_some(instances.len()),
        generator: generator.map(str::to_string),
    })
}

/// The value every candidate has, or `None` when they differ.
fn common<T: PartialEq>(
    candidates: &Candidates<'_>,
    value: impl Fn(&PlannedResource) -> Option<T>,
) -> Option<T> {
    let mut values = candidates.iter().map(|(r, _, _)| value(r));
    let first = values.next()??;
    values.all(|v| v.as_ref() == Some(&first)).then_some(first)
}

#[cfg(test)]
mod tests {
    use std::path::{Path, PathBuf};
    use std::sync::Arc;

    use arm::expand::{expand_document, expand_file, ExpandOptions};
    use arm::{Document, Location};
    use serde_json::json;

    use super::*;
    use crate::violation::Violation;

    const RG_SCHEMA: &str =
        "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#";

    struct Probe;
    impl Violation for Probe {
        fn rule(&self) -> &'static crate::RuleMeta {
            &crate::role_assignment::privileged_role::RULE
        }
        fn message(&self) -> String {
            "probe".into()
        }
    }

    fn plan(template: serde_json::Value) -> DeploymentPlan {
        let text = serde_json::to_string_pretty(&template).expect("JSON");
        let doc = Document::parse(Path::new("main.json"), &text).expect("parses");
        expand_document(Arc::new(doc), &ExpandOptions::default()).expect("expands")
    }

    fn at(file: &str, pointer: &str) -> Finding {
        Finding::new(
            &Probe,
            Location {
                file: file.into(),
                line: 1,
                column: 1,
                pointer: pointer.into(),
                bicep: None,
            },
        )
    }

    fn context_at(plans: &[DeploymentPlan], finding: Finding) -> Option<ResourceContext> {
        let mut findings = vec![finding];
        attach(plans, &mut findings);
        findings.pop().and_then(|f| f.resource)
    }

    fn vault(name: &str) -> serde_json::Value {
        json!({"type": "Microsoft.KeyVault/vaults", "apiVersion": "2023-07-01", "name": name})
    }

    #[test]
    fn the_longest_prefix_on_a_segment_boundary_wins() {
        let resources: Vec<_> = (0..11).map(|i| vault(&format!("kv-{i}"))).collect();
        let plans = [plan(json!({"$schema": RG_SCHEMA, "resources": resources}))];
        let name =
            |pointer: &str| context_at(&plans, at("main.json", pointer)).and_then(|c| c.name);
        assert_eq!(name("/resources/1").as_deref(), Some("kv-1"));
        assert_eq!(name("/resources/1/properties/x").as_deref(), Some("kv-1"));
        assert_eq!(name("/resources/10/properties").as_deref(), Some("kv-10"));
        assert_eq!(name("/resources"), None, "the array is no resource");
        assert_eq!(name("/parameters/p"), None);
        assert_eq!(
            context_at(&plans, at("other.json", "/resources/1")),
            None,
            "same pointer, other file"
        );
    }

    #[test]
    fn findings_in_a_nested_template_name_the_module_and_the_generator() {
        let plans = [plan(json!({
            "$schema": RG_SCHEMA,
            "metadata": {"_generator": {"name": "bicep"}},
            "resources": [
                {"type": "Microsoft.Resources/deployments", "apiVersion": "2022-09-01", "name": "app",
                 "properties": {"mode": "Incremental", "expressionEvaluationOptions": {"scope": "inner"},
                    "template": {"$schema": RG_SCHEMA, "metadata": {"_generator": {"name": "bicep"}},
                        "resources": [
                            {"type": "Microsoft.Resources/deployments", "apiVersion": "2022-09-01", "name": "secrets",
                             "properties": {"mode": "Incremental", "expressionEvaluationOptions": {"scope": "inner"},
                                "template": {"$schema": RG_SCHEMA, "resources": [vault("kv-inner")]}}}]}}}
            ]
        }))];
        let inner = "/resources/0/properties/template/resources/0/properties/template/resources/0";
        let c = context_at(&plans, at("main.json", &format!("{inner}/properties/sku")))
            .expect("inside the vault");
        assert_eq!(c.name.as_deref(), Some("kv-inner"));
        assert_eq!(c.module.as_deref(), Some("app/secrets"));
        assert_eq!(c.generator, None, "the innermost template does not say");
        assert_eq!(
            c.describe(),
            "resource Microsoft.KeyVault/vaults 'kv-inner' in module 'app/secrets'"
        );

        // Inside the module's declaration but outside its resources: the module itself.
        let m = context_at(
            &plans,
            at(
                "main.json",
                "/resources/0/properties/template/resources/0/properties/parameters",
            ),
        )
        .expect("inside the module declaration");
        assert!(m.is_module());
        assert_eq!(m.name.as_deref(), Some("secrets"));
        assert_eq!(m.module.as_deref(), Some("app"));
        assert_eq!(m.generator.as_deref(), Some("bicep"));
        assert_eq!(m.describe(), "module 'secrets' in module 'app'");

        let root = context_at(&plans, at("main.json", "/resources/0/properties/mode"))
            .expect("the root's module");
        assert_eq!(root.module, None, "declared by the root deployment");
    }

    #[test]
    fn findings_in_a_relative_path_module_match_resources_of_that_file() {
        let dir = std::env::temp_dir().join(format!("rolegate-rules-ctx-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("modules")).expect("temp dir");
        let write = |path: PathBuf, value: serde_json::Value| {
            std::fs::write(path, value.to_string()).expect("write");
        };
        write(
            dir.join("modules/kv.json"),
            json!({"$schema": RG_SCHEMA, "resources": [vault("kv-linked")]}),
        );
        write(
            dir.join("main.json"),
            json!({"$schema": RG_SCHEMA, "resources": [
                vault("kv-root"),
                {"type": "Microsoft.Resources/deployments", "apiVersion": "2022-09-01", "name": "vaults",
                 "properties": {"mode": "Incremental", "templateLink": {"relativePath": "modules/kv.json"}}}]}),
        );
        let expanded = expand_file(&dir.join("main.json"), &ExpandOptions::default());
        let _ = std::fs::remove_dir_all(&dir);
        let plans = [expanded.expect("expands")];
        let linked = plans[0]
            .resources
            .iter()
            .find(|r| r.name == "kv-linked")
            .map(|r| r.location.file.clone())
            .expect("the linked vault is planned");
        let root = plans[0].resources[0].location.file.clone();

        let c = context_at(&plans, at(&linked, "/resources/0/properties")).expect("in module");
        assert_eq!(c.name.as_deref(), Some("kv-linked"));
        assert_eq!(c.module.as_deref(), Some("vaults"));
        let c = context_at(&plans, at(&root, "/resources/0/properties")).expect("in root");
        assert_eq!(
            c.name.as_deref(),
            Some("kv-root"),
            "same pointer, the root file"
        );
        assert_eq!(c.module, None);
    }

    #[test]
    fn copy_loop_instances_are_told_apart_only_when_the_finding_names_one() {
        let plans = [plan(json!({"$schema": RG_SCHEMA, "resources": [
            {"type": "Microsoft.Logic/workflows", "apiVersion": "2019-05-01",
             "name": "[format('wf-{0}', copyIndex())]", "copy": {"name": "flows", "count": 3}}]}))];
        let ambiguous = context_at(&plans, at("main.json", "/resources/0")).expect("in the loop");
        assert_eq!(ambiguous.copy_loop.as_deref(), Some("flows"));
        assert_eq!(ambiguous.instances, Some(3));
        assert_eq!((ambiguous.name, ambiguous.copy_index), (None, None));

        let mut named = at("main.json", "/resources/0/identity");
        named.subject.workload = Some(plans[0].resources[2].id.to_ascii_uppercase());
        let one = context_at(&plans, named).expect("in the loop");
        assert_eq!(one.name.as_deref(), Some("wf-2"));
        assert_eq!(one.copy_index, Some(2));
        assert_eq!(one.instances, None);
        assert_eq!(
            one.describe(),
            "resource Microsoft.Logic/workflows 'wf-2' [2]"
        );
    }

    #[test]
    fn symbolic_templates_name_the_symbol() {
        let plans = [plan(json!({
            "$schema": RG_SCHEMA,
            "languageVersion": "2.0",
            "metadata": {"_generator": {"name": "bicep"}},
            "resources": {
                "vault": vault("kv-1"),
                "kvAccess": {"type": "Microsoft.Authorization/roleAssignments", "apiVersion": "2022-04-01",
                    "scope": "[format('Microsoft.KeyVault/vaults/{0}', 'kv-1')]",
                    "name": "[guid('kv-1', 'reader')]",
                    "properties": {"principalId": "00000000-0000-0000-0000-000000000001",
                                   "roleDefinitionId": "[subscriptionResourceId('Microsoft.Authorization/roleDefinitions', '4633458b-17de-408a-b874-0445c86b69e6')]"}}
            }
        }))];
        let c = context_at(
            &plans,
            at("main.json", "/resources/kvAccess/properties/principalId"),
        )
        .expect("inside kvAccess");
        assert_eq!(c.symbol.as_deref(), Some("kvAccess"));
        assert_eq!(c.generator.as_deref(), Some("bicep"));
        assert_eq!(c.label(), "kvAccess");
        assert_eq!(c.describe(), "resource 'kvAccess'");
        assert_eq!(c.qualified_name(), "kvAccess");
    }

    #[test]
    fn symbolic_modules_are_named_by_their_symbols() {
        let module = |name: &str, inner: serde_json::Value| {
            json!({"type": "Microsoft.Resources/deployments", "apiVersion": "2022-09-01", "name": name,
                   "properties": {"mode": "Incremental", "expressionEvaluationOptions": {"scope": "inner"},
                      "template": {"$schema": RG_SCHEMA, "languageVersion": "2.0", "resources": inner}}})
        };
        let plans = [plan(json!({
            "$schema": RG_SCHEMA,
            "languageVersion": "2.0",
            "resources": {
                "appModule": module("app-deploy", json!({
                    "secretsModule": module("secrets-deploy", json!({"vault": vault("kv-inner")}))
                }))
            }
        }))];
        let inner = "/resources/appModule/properties/template/resources/secretsModule/properties/template/resources/vault";
        let c = context_at(&plans, at("main.json", &format!("{inner}/properties")))
            .expect("inside the vault");
        assert_eq!(c.module.as_deref(), Some("app-deploy/secrets-deploy"));
        assert_eq!(c.module_symbol.as_deref(), Some("appModule/secretsModule"));
        assert_eq!(
            c.describe(),
            "resource 'vault' in module 'appModule/secretsModule' (deployment 'app-deploy/secrets-deploy')"
        );
        assert_eq!(c.qualified_name(), "appModule/secretsModule/vault");
    }

    #[test]
    fn plans_of_one_template_with_other_parameters_share_what_agrees() {
        let template = |name: &str| json!({"$schema": RG_SCHEMA, "resources": [vault("kv-shared"), vault(name)]});
        let plans = [plan(template("kv-dev")), plan(template("kv-prod"))];
        let shared = context_at(&plans, at("main.json", "/resources/0")).expect("vault 0");
        assert_eq!(shared.name.as_deref(), Some("kv-shared"));
        assert_eq!(shared.instances, None, "the same resource in both plans");
        let differs = context_at(&plans, at("main.json", "/resources/1")).expect("vault 1");
        assert_eq!(differs.name, None);
        assert_eq!(differs.instances, Some(2));
    }
}
