//! Builds deployment plans in code, for tests that do not depend on expansion.
//!
//! Body strings with a `$` prefix become unknowns:
//! `$rt:<type>|<id>|<path>` runtime property, `$param:<name>` parameter without value,
//! `$kvref:<name>` Key Vault reference, `$list:<function>|<id>` list call, `$newguid` newGuid().

#![allow(dead_code)]

use std::sync::Arc;

use arm::plan::{
    ConditionStatus, DeploymentPlan, ParameterSource, PlannedDeployment, PlannedParameter,
    PlannedResource,
};
use arm::{DeploymentContext, Location, Origin, ResourceRef, TargetScope, Unknown, Value};

pub const RG: &str =
    "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rolegate-rg";

/// Full id of a resource in the placeholder resource group.
pub fn rid(ty: &str, name: &str) -> String {
    let mut parts = ty.split('/');
    let ns = parts.next().unwrap_or_default();
    let mut id = format!("{RG}/providers/{ns}");
    for (t, n) in parts.zip(name.split('/')) {
        id.push_str(&format!("/{t}/{n}"));
    }
    id
}

/// A runtime-property unknown string for the DSL.
pub fn rt(ty: &str, name: &str, path: &str) -> String {
    format!("$rt:{ty}|{}|{path}", rid(ty, name))
}

fn to_value(json: &serde_json::Value) -> Value {
    match json {
        serde_json::Value::String(s) if s.starts_with('$') => {
            let (kind, rest) = s[1..].split_once(':').unwrap_or((&s[1..], ""));
            let origin = match kind {
                "rt" => {
                    let p: Vec<&str> = rest.split('|').collect();
                    Origin::RuntimeProperty {
                        resource: ResourceRef {
                            id: p[1].into(),
                            resource_type: p[0].into(),
                            name: p[1].rsplit('/').next().unwrap_or_default().into(),
                            symbol: p.get(3).map(|s| s.to_string()),
                        },
                        path: p[2].into(),
                    }
                }
                "param" => Origin::Parameter {
                    name: rest.into(),
                    key_vault_reference: false,
                },
                "kvref" => Origin::Parameter {
                    name: rest.into(),
                    key_vault_reference: true,
                },
                "list" => {
                    let (f, id) = rest.split_once('|').unwrap_or((rest, ""));
                    Origin::ListCall {
                        function: f.into(),
                        resource_id: id.into(),
                    }
                }
                "newguid" => Origin::NonDeterministic {
                    function: "newGuid".into(),
                },
                _ => return Value::String(s.clone()),
            };
            Value::Unknown(Unknown::new(origin))
        }
        serde_json::Value::Array(a) => Value::Array(a.iter().map(to_value).collect()),
        serde_json::Value::Object(o) => {
            Value::Object(o.iter().map(|(k, v)| (k.clone(), to_value(v))).collect())
        }
        other => Value::from_json(other),
    }
}

pub struct PlanBuilder {
    pub plan: DeploymentPlan,
}

impl PlanBuilder {
    pub fn new() -> PlanBuilder {
        PlanBuilder::at("main.json")
    }

    pub fn at(template: &str) -> PlanBuilder {
        let context = DeploymentContext::default();
        PlanBuilder {
            plan: DeploymentPlan {
                template: template.into(),
                parameter_files: vec![],
                context,
                target_scope: TargetScope::ResourceGroup,
                resources: vec![],
                deployments: vec![PlannedDeployment {
                    path: String::new(),
                    name: "rolegate".into(),
                    scope: RG.into(),
                    target_scope: TargetScope::ResourceGroup,
                    expression_scope: "inner".into(),
                    template_file: template.into(),
                    expanded: true,
                    generator: None,
                    condition: ConditionStatus::Deployed,
                    location: loc(template, ""),
                    outputs: Default::default(),
                }],
                parameters: vec![],
                outputs: Default::default(),
                unresolved: vec![],
                diagnostics: vec![],
                documents: vec![],
                guid_arguments: Default::default(),
            },
        }
    }

    /// A resource in the root deployment, at the resource group scope.
    pub fn resource(self, ty: &str, name: &str, body: serde_json::Value) -> PlanBuilder {
        self.full(ty, name, RG, "", body, None)
    }

    /// A resource with every detail: scope, deployment path, and declared JSON if not the body.
    pub fn full(
        mut self,
        ty: &str,
        name: &str,
        scope: &str,
        deployment: &str,
        body: serde_json::Value,
        declared: Option<serde_json::Value>,
    ) -> PlanBuilder {
        let index = self.plan.resources.len();
        let id = if ty.eq_ignore_ascii_case("Microsoft.Authorization/roleAssignments") {
            format!("{scope}/providers/Microsoft.Authorization/roleAssignments/{name}")
        } else {
            rid(ty, name)
        };
        let mut declared = declared.unwrap_or_else(|| body.clone());
        if let serde_json::Value::Object(o) = &mut declared {
            o.entry("name")
                .or_insert_with(|| serde_json::Value::String(name.into()));
        }
        self.plan.resources.push(PlannedResource {
            resource_type: ty.into(),
            name: name.into(),
            name_value: to_value(&serde_json::Value::String(name.into())),
            id,
            scope: scope.into(),
            symbol: None,
            api_version: None,
            existing: false,
            condition: ConditionStatus::Deployed,
            deployment: deployment.into(),
            copy: None,
            location: loc(&self.plan.template, &format!("/resources/{index}")),
            body: to_value(&body),
            declared: Arc::new(declared),
        });
        self
    }

    /// A nested deployment (module) at `path` with a condition.
    pub fn deployment(
        mut self,
        path: &str,
        scope: &str,
        condition: ConditionStatus,
    ) -> PlanBuilder {
        self.plan.deployments.push(PlannedDeployment {
            path: path.into(),
            name: path.rsplit('/').next().unwrap_or(path).into(),
            scope: scope.into(),
            target_scope: TargetScope::ResourceGroup,
            expression_scope: "inner".into(),
            template_file: self.plan.template.clone(),
            expanded: true,
            generator: None,
            condition,
            location: loc(&self.plan.template, ""),
            outputs: Default::default(),
        });
        self
    }

    pub fn parameter(
        mut self,
        deployment: &str,
        name: &str,
        source: ParameterSource,
        secure: bool,
        value: serde_json::Value,
    ) -> PlanBuilder {
        self.plan.parameters.push(PlannedParameter {
            deployment: deployment.into(),
            name: name.into(),
            declared_type: if secure {
                "securestring".into()
            } else {
                "string".into()
            },
            secure,
            has_default: false,
            source,
            value: to_value(&value),
            location: loc(&self.plan.template, &format!("/parameters/{name}")),
        });
        self
    }

    pub fn build(self) -> DeploymentPlan {
        self.plan
    }
}

pub fn loc(file: &str, pointer: &str) -> Location {
    Location {
        file: file.into(),
        line: 1,
        column: 1,
        pointer: pointer.into(),
        bicep: None,
    }
}
