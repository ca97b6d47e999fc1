//! The deployment context: where a template is deployed, as `subscription()`, `resourceGroup()` and
//! friends see it.

use serde::Serialize;

/// Placeholder subscription id used when `--subscription-id` is absent.
pub const PLACEHOLDER_SUBSCRIPTION_ID: &str = "00000000-0000-0000-0000-000000000000";
/// Placeholder tenant id used when `--tenant-id` is absent.
pub const PLACEHOLDER_TENANT_ID: &str = "00000000-0000-0000-0000-000000000000";
/// Placeholder resource group used when `--resource-group` is absent.
pub const PLACEHOLDER_RESOURCE_GROUP: &str = "rolegate-rg";
/// Placeholder location used when `--location` is absent.
pub const PLACEHOLDER_LOCATION: &str = "westus";
/// Placeholder management group used when `--management-group` is absent.
pub const PLACEHOLDER_MANAGEMENT_GROUP: &str = "rolegate-mg";
/// Placeholder deployment name used when `--deployment-name` is absent.
pub const PLACEHOLDER_DEPLOYMENT_NAME: &str = "rolegate";

/// The level a template deploys at, told by its `$schema`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, PartialOrd, Ord)]
#[serde(rename_all = "camelCase")]
pub enum TargetScope {
    Tenant,
    ManagementGroup,
    Subscription,
    ResourceGroup,
}

impl TargetScope {
    /// Reads the scope from a `$schema` URL; unknown or absent schemas mean resource group, as ARM assumes.
    pub fn from_schema(schema: &str) -> TargetScope {
        let lower = schema.to_ascii_lowercase();
        if lower.contains("subscriptiondeploymenttemplate") {
            TargetScope::Subscription
        } else if lower.contains("managementgroupdeploymenttemplate") {
            TargetScope::ManagementGroup
        } else if lower.contains("tenantdeploymenttemplate") {
            TargetScope::Tenant
        } else {
            TargetScope::ResourceGroup
        }
    }
}

/// Facts about the deployment target. Fields that were not supplied hold documented placeholders,
/// and `placeholders` lists which, so reports can say so.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DeploymentContext {
    pub subscription_id: String,
    pub resource_group: String,
    pub location: String,
    pub tenant_id: String,
    pub management_group: String,
    pub deployment_name: String,
    /// Names of the fields above that are placeholders (`subscription_id`, ...).
    pub placeholders: Vec<&'static str>,
}

impl Default for DeploymentContext {
    fn default() -> Self {
        DeploymentContext::builder().build()
    }
}

impl DeploymentContext {
    /// Starts a context where every field is a placeholder until set.
    pub fn builder() -> DeploymentContextBuilder {
        DeploymentContextBuilder::default()
    }

    /// Whether `field` (`location`, `subscription_id`, ...) holds a placeholder, not a given value.
    pub fn is_placeholder(&self, field: &str) -> bool {
        self.placeholders.contains(&field)
    }

    /// `/subscriptions/{id}`
    pub fn subscription_scope(&self) -> String {
        format!("/subscriptions/{}", self.subscription_id)
    }

    /// `/subscriptions/{id}/resourceGroups/{rg}`
    pub fn resource_group_scope(&self) -> String {
        format!(
            "/subscriptions/{}/resourceGroups/{}",
            self.subscription_id, self.resource_group
        )
    }

    /// `/providers/Microsoft.Management/managementGroups/{mg}`
    pub fn management_group_scope(&self) -> String {
        format!(
            "/providers/Microsoft.Management/managementGroups/{}",
            self.management_group
        )
    }
}

/// Builds a [`DeploymentContext`]; every field left unset becomes its placeholder.
#[derive(Debug, Default, Clone)]
pub struct DeploymentContextBuilder {
    subscription_id: Option<String>,
    resource_group: Option<String>,
    location: Option<String>,
    tenant_id: Option<String>,
    management_group: Option<String>,
    deployment_name: Option<String>,
}

macro_rules! setter {
    ($name:ident) => {
        /// Sets the field; `None` keeps the placeholder.
        pub fn $name(mut self, value: Option<String>) -> Self {
            self.$name = value;
            self
        }
    };
}

impl DeploymentContextBuilder {
    setter!(subscription_id);
    setter!(resource_group);
    setter!(location);
    setter!(tenant_id);
    setter!(management_group);
    setter!(deployment_name);

    /// Fills in placeholders and records which were used.
    pub fn build(self) -> DeploymentContext {
        let mut placeholders = Vec::new();
        let mut take = |value: Option<String>, field: &'static str, placeholder: &str| {
            value.unwrap_or_else(|| {
                placeholders.push(field);
                placeholder.to_string()
            })
        };
        let subscription_id = take(
            self.subscription_id,
            "subscription_id",
            PLACEHOLDER_SUBSCRIPTION_ID,
        );
        let resource_group = take(
            self.resource_group,
            "resource_group",
            PLACEHOLDER_RESOURCE_GROUP,
        );
        let location = take(self.location, "location", PLACEHOLDER_LOCATION);
        let tenant_id = take(self.tenant_id, "tenant_id", PLACEHOLDER_TENANT_ID);
        let management_group = take(
            self.management_group,
            "management_group",
            PLACEHOLDER_MANAGEMENT_GROUP,
        );
        let deployment_name = take(
            self.deployment_name,
            "deployment_name",
            PLACEHOLDER_DEPLOYMENT_NAME,
        );
        DeploymentContext {
            subscription_id,
            resource_group,
            location,
            tenant_id,
            management_group,
            deployment_name,
            placeholders,
        }
    }
}
