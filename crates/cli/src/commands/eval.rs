//! `rolegate eval`.

use anyhow::bail;

use crate::args::EvalArgs;

pub fn run(_args: EvalArgs) -> anyhow::Result<u8> {
    bail!("`rolegate eval` is being built")
}
