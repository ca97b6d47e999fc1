//! The `rolegate` command line as a library: argument types, one module per command, and the
//! shared input handling. `main.rs` only parses arguments and maps results to exit codes; benches
//! and tests drive the same pipeline through these modules.

pub mod args;
pub mod bicep;
pub mod commands;
pub mod inputs;
pub mod live;
pub mod modules;

/// Exit code: the gate passed / the command succeeded.
pub const EXIT_OK: u8 = 0;
/// Exit code: the policy failed.
pub const EXIT_POLICY_FAILED: u8 = 1;
/// Exit code: bad input or usage; nothing was judged.
pub const EXIT_BAD_INPUT: u8 = 2;
