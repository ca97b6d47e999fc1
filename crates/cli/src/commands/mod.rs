//! One module per subcommand.

pub mod check;
pub mod eval;
pub mod expand;
pub mod explain;
pub mod plan;
pub mod policy;
pub mod policy_change;
pub mod publish;
pub mod sourcemap;
