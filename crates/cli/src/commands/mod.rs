//! One module per subcommand.

pub mod eval;
pub mod expand;
pub mod policy;
