//! rolegate's access model: from a deployment plan, which identity can do what, where, and what each
//! workload calls with which identity.
//!
//! - [`model`]: the [`AccessModel`] and its parts (workloads, identities, grants, usages, credentials).
//! - [`catalogue`]: the role catalogue (built-in, custom, template roles) and wildcard semantics.
//! - [`resource_id`]: typed resource ids and scope arithmetic.
//! - [`services`]: audience → service → needed actions table.
//! - [`live`]: facts read from the live tenant (`check --live`), judged by the LV rules.
//! - [`build`]: builds the model from one plan, [`build_all`] from several.

pub mod catalogue;
pub mod live;
pub mod model;
pub mod resource_id;
pub mod secret_name;
pub mod services;

mod builder;

pub use builder::{build, build_all};
pub use catalogue::{PrivilegeClass, RoleCatalogue, RoleDefinition};
pub use model::*;
pub use resource_id::{ResourceId, ScopeLevel};
pub use services::Service;
