//! Budgets that keep hostile templates from hanging or exhausting memory.

/// Evaluation limits. The defaults follow ARM's own limits where it documents them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// Longest expression accepted, in characters (ARM documents 24,576; some slack for
    /// generated templates).
    pub max_expression_chars: usize,
    /// Deepest nesting of calls, property accesses and user-function/lambda invocations.
    pub max_nesting_depth: usize,
    /// Evaluation steps (nodes evaluated plus lambda/loop iterations) per top-level evaluation.
    pub max_steps: u64,
    /// Largest string a function may build, in bytes.
    pub max_string_bytes: usize,
    /// Largest array or object a function may build, in elements.
    pub max_collection_len: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_expression_chars: 131_072,
            max_nesting_depth: 128,
            max_steps: 5_000_000,
            max_string_bytes: 4 * 1024 * 1024,
            max_collection_len: 100_000,
        }
    }
}
