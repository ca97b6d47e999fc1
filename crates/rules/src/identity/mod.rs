//! MI: how managed identities are attached to workloads.

pub mod audience_mismatch;
pub mod connector_without_mi_support;
pub mod identity_kind_mismatch;
pub mod identity_used_but_not_attached;
pub mod invalid_identity_shape;
pub mod oauth_connection_where_mi_possible;
pub mod shared_user_assigned_identity;
pub mod workload_without_identity;
