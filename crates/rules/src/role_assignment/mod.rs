//! RA: role assignments.

pub mod broader_role_than_needed;
pub mod duplicate_grant;
pub mod grant_not_in_policy;
pub mod grant_to_unused_identity;
pub mod hardcoded_principal;
pub mod missing_grant;
pub mod principal_type_missing;
pub mod privileged_role;
pub mod scope_too_broad;
pub(crate) mod support;
pub mod unknown_role;
pub mod unstable_assignment_name;
