//! The checked-in `docs/rules/` must match what the registry generates.

use std::path::Path;

#[test]
fn checked_in_rule_docs_are_fresh() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/rules");
    let stale = rules::docs::stale_files(&dir).expect("docs/rules is readable");
    assert!(
        stale.is_empty(),
        "docs/rules is stale; run `cargo run -p rolegate-rules --bin rules-doc -- docs/rules`:\n  {}",
        stale.join("\n  ")
    );
}
