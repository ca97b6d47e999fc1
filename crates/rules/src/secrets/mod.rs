//! SC: secrets and secure data.

pub mod key_based_auth_where_mi_possible;
pub mod secret_in_template;
pub mod secret_parameter_not_secure;
pub mod secure_data_missing;
