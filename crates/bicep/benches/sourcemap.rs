//! Source-map cost: parsing a large AVM module's Bicep and mapping its compiled template (about
//! 300 KB of JSON) from scratch, as `rolegate check` does once per Bicep template; and the parser
//! alone on the example with a module.

use std::hint::black_box;
use std::path::Path;

use criterion::{criterion_group, criterion_main, Criterion};

const AVM: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../../shared/corpus/avm/avm/res/web/site"
);
const EXAMPLE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../examples/payment-reconciliation/bad"
);

fn bench(c: &mut Criterion) {
    for (name, dir) in [("avm-web-site", AVM), ("example", EXAMPLE)] {
        let dir = Path::new(dir);
        let (json, source) = (dir.join("main.json"), dir.join("main.bicep"));
        let (Ok(document), Ok(text)) =
            (arm::Document::load(&json), std::fs::read_to_string(&source))
        else {
            eprintln!("skipped {name}: {} is absent", dir.display());
            continue;
        };
        c.bench_function(&format!("parse/{name}"), |b| {
            b.iter(|| bicep::syntax::parse(black_box(&text)))
        });
        c.bench_function(&format!("map/{name}"), |b| {
            b.iter(|| bicep::SourceMap::from_source(black_box(&document), &source, &text))
        });
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
