fn main() {
    let path = std::env::args().nth(1).unwrap();
    let plan = arm::expand::expand_file(
        std::path::Path::new(&path),
        &arm::expand::ExpandOptions::default(),
    )
    .unwrap();
    for d in &plan.diagnostics {
        println!("{:?} {} {} @ {:?}", d.level, d.code, d.message, d.location);
    }
}
