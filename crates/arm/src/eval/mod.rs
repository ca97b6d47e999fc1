//! Evaluating template expressions (`"[concat('a', parameters('b'))]"`).
//!
//! The evaluator knows the expression language and every template function; what a template or a
//! deployment provides (parameters, variables, `copyIndex()`, `reference()`, user-defined functions,
//! the deployment context) comes through [`EvalScope`], implemented by template evaluation.

use crate::context::{DeploymentContext, TargetScope};
use crate::value::Value;

/// Why an expression could not be evaluated. Callers add the file location.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{message} (in expression `{expression}` at character {position})")]
pub struct EvalError {
    pub message: String,
    /// The whole expression text as written (including the surrounding `[` `]`).
    pub expression: String,
    /// 1-based character position inside `expression` where the problem is.
    pub position: usize,
}

impl EvalError {
    /// An error not tied to a position yet; the evaluator fills expression and position in.
    pub fn new(message: impl Into<String>) -> EvalError {
        EvalError {
            message: message.into(),
            expression: String::new(),
            position: 0,
        }
    }
}

/// A user-defined function (`functions[].members`), as declared.
#[derive(Debug, Clone, PartialEq)]
pub struct UserFunction {
    /// Parameter names with declared types, in order.
    pub parameters: Vec<(String, String)>,
    /// Declared output type.
    pub output_type: String,
    /// The output value expression (JSON, usually a `[...]` string).
    pub output_value: serde_json::Value,
}

/// What the surrounding template and deployment provide to an expression.
pub trait EvalScope {
    /// The deployment target (`subscription()`, `resourceGroup()`, default ids for `resourceId()`).
    fn context(&self) -> &DeploymentContext;
    /// Level of the current deployment (decides what `resourceId()` defaults to).
    fn target_scope(&self) -> TargetScope;
    /// `parameters(name)`
    fn parameter(&self, name: &str) -> Result<Value, EvalError>;
    /// `variables(name)`
    fn variable(&self, name: &str) -> Result<Value, EvalError>;
    /// `copyIndex()` / `copyIndex('loop')`, without offset.
    fn copy_index(&self, loop_name: Option<&str>) -> Result<i64, EvalError>;
    /// `deployment()`
    fn deployment(&self) -> Value;
    /// A user-defined function `namespace.name`.
    fn user_function(&self, namespace: &str, name: &str) -> Option<UserFunction>;
    /// `reference(target, apiVersion?, 'Full'?)`: `target` is a resource id, a symbolic name or a
    /// deployment; the result is the known state (nested deployment outputs) or an unknown naming it.
    fn reference(
        &self,
        target: &Value,
        api_version: Option<&Value>,
        full: bool,
    ) -> Result<Value, EvalError>;
    /// `references(symbol, 'Full'?)` over a copy loop of a symbolic resource.
    fn references(&self, symbol: &str, full: bool) -> Result<Value, EvalError>;
    /// Functions the scope provides itself (e.g. a future `resourceInfo()`); `None` means not provided.
    fn call_extension(&self, _name: &str, _args: &[Value]) -> Option<Result<Value, EvalError>> {
        None
    }
}

/// True if `text` is an expression (`[...]` and not an `[[` escape).
pub fn is_expression(text: &str) -> bool {
    text.starts_with('[') && text.ends_with(']') && !text.starts_with("[[")
}
