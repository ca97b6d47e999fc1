//! Building the access model from deployment plans.

use arm::plan::DeploymentPlan;

use crate::catalogue::RoleCatalogue;
use crate::model::{AccessModel, PlanSource};

/// Builds the access model of one plan.
pub fn build(plan: &DeploymentPlan, catalogue: &RoleCatalogue) -> AccessModel {
    build_all(std::slice::from_ref(plan), catalogue)
}

/// Builds one access model over several plans (e.g. every template of a directory).
pub fn build_all(plans: &[DeploymentPlan], _catalogue: &RoleCatalogue) -> AccessModel {
    let mut model = AccessModel::default();
    for plan in plans {
        model.sources.push(PlanSource {
            template: plan.template.clone(),
            parameter_files: plan.parameter_files.clone(),
            deployment_scope: plan.context.resource_group_scope(),
            placeholders: plan
                .context
                .placeholders
                .iter()
                .map(|s| s.to_string())
                .collect(),
        });
    }
    model
}
