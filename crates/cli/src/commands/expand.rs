//! `rolegate expand`.

use anyhow::bail;

use crate::args::ExpandArgs;

pub fn run(_args: ExpandArgs) -> anyhow::Result<u8> {
    bail!("`rolegate expand` is being built")
}
