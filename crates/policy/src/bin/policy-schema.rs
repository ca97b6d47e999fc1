//! Prints the policy JSON Schema: `cargo run -p rolegate-policy --bin policy-schema > policies/policy.schema.json`.

fn main() {
    print!("{}", policy::schema::generate_text());
}
