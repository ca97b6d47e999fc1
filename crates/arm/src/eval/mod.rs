//! Evaluating template expressions (`"[concat('a', parameters('b'))]"`).
//!
//! The evaluator knows the expression language and every template function; what a template or a
//! deployment provides (parameters, variables, `copyIndex()`, `reference()`, user-defined functions,
//! the deployment context) comes through [`EvalScope`], implemented by template evaluation.

use std::cell::{Cell, RefCell};

use crate::context::{DeploymentContext, TargetScope};
use crate::value::Value;

mod ast;
mod functions;
mod interp;
mod limits;
mod parser;

pub use ast::{Expr, ExprKind};
pub use functions::hash::{guid, unique_string};
pub use functions::is_known_function;
pub use functions::scope::LOCATION_NOT_GIVEN;
pub use limits::Limits;

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
    /// Whether user-defined function bodies may read the template's `variables()`: yes in
    /// `languageVersion` 2.0 templates (Bicep 0.30+ emits such functions), no in classic ones.
    fn user_functions_read_variables(&self) -> bool {
        false
    }
    /// Called with every `guid()` the evaluator computes from known arguments: the result and
    /// its arguments as evaluated. A GUID is a one-way hash, so this is how a known name keeps
    /// saying which inputs it was made from (rules ask whether a role assignment name changes
    /// with its principal). Scopes that do not keep them ignore it.
    fn record_guid(&self, _guid: &str, _arguments: &[&str]) {}
    /// Whether `u` is the principal id of a managed identity that exists once the deployment has
    /// run: a user-assigned identity's `principalId`, or `identity.principalId` of a resource of
    /// the deployment whose identity type includes `SystemAssigned`. Unknown now, it is then a
    /// non-empty GUID, so `empty()` of it is false and `length()` 36. Scopes that cannot tell
    /// say no.
    fn is_deployed_principal_id(&self, _u: &crate::value::Unknown) -> bool {
        false
    }
    /// Functions the scope provides itself (e.g. a future `resourceInfo()`); `None` means not provided.
    fn call_extension(&self, _name: &str, _args: &[Value]) -> Option<Result<Value, EvalError>> {
        None
    }
}

/// True if `text` is an expression (`[...]` and not an `[[` escape).
pub fn is_expression(text: &str) -> bool {
    text.len() >= 2 && text.starts_with('[') && text.ends_with(']') && !text.starts_with("[[")
}

/// Parses an expression, given either bracketed (`[concat('a', 'b')]`) or bare
/// (`concat('a', 'b')`). Positions in the tree and in errors count characters of `text`.
pub fn parse(text: &str) -> Result<Expr, EvalError> {
    parser::parse_with(text, &Limits::default())
}

/// Evaluates a template string: `[...]` is an expression, `[[...` an escaped literal (one `[`
/// dropped), anything else a literal string.
pub fn evaluate_string(text: &str, scope: &dyn EvalScope) -> Result<Value, EvalError> {
    evaluate_string_with(text, scope, &Limits::default())
}

/// [`evaluate_string`] with explicit budgets.
pub fn evaluate_string_with(
    text: &str,
    scope: &dyn EvalScope,
    limits: &Limits,
) -> Result<Value, EvalError> {
    let steps = Cell::new(0);
    let depth = Cell::new(0);
    let it = interp::Interp {
        scope,
        limits,
        steps: &steps,
        depth: &depth,
        lambda_vars: RefCell::new(Vec::new()),
    };
    string_in(&it, text)
}

fn string_in(it: &interp::Interp<'_>, text: &str) -> Result<Value, EvalError> {
    if let Some(rest) = text.strip_prefix("[[") {
        return Ok(Value::String(format!("[{rest}")));
    }
    if !is_expression(text) {
        return Ok(Value::String(text.to_string()));
    }
    let expr = parser::parse_with(text, it.limits)?;
    it.eval(&expr).map_err(|mut e| {
        if e.expression.is_empty() {
            e.expression = text.to_string();
        }
        e
    })
}

/// Evaluates every string (and object key) inside a JSON value, deeply.
pub fn evaluate_json(json: &serde_json::Value, scope: &dyn EvalScope) -> Result<Value, EvalError> {
    evaluate_json_with(json, scope, &Limits::default())
}

/// [`evaluate_json`] with explicit budgets (shared by the whole value).
pub fn evaluate_json_with(
    json: &serde_json::Value,
    scope: &dyn EvalScope,
    limits: &Limits,
) -> Result<Value, EvalError> {
    let steps = Cell::new(0);
    let depth = Cell::new(0);
    let it = interp::Interp {
        scope,
        limits,
        steps: &steps,
        depth: &depth,
        lambda_vars: RefCell::new(Vec::new()),
    };
    json_in(&it, json)
}

pub(crate) fn json_in(
    it: &interp::Interp<'_>,
    json: &serde_json::Value,
) -> Result<Value, EvalError> {
    Ok(match json {
        serde_json::Value::String(s) => string_in(it, s)?,
        serde_json::Value::Array(a) => {
            Value::Array(a.iter().map(|v| json_in(it, v)).collect::<Result<_, _>>()?)
        }
        serde_json::Value::Object(o) => {
            let mut out = crate::value::Object::with_capacity(o.len());
            for (k, v) in o {
                // ARM evaluates expressions in property names too (e.g. userAssignedIdentities keys).
                let key = match string_in(it, k)? {
                    Value::String(s) => s,
                    other => other.to_display_string(),
                };
                out.insert(key, json_in(it, v)?);
            }
            Value::Object(out)
        }
        other => Value::from_json(other),
    })
}

/// Evaluates a parsed expression. Error positions refer to the text it was parsed from; the
/// error's `expression` is the tree rendered back to text.
pub fn evaluate_expr(expr: &Expr, scope: &dyn EvalScope) -> Result<Value, EvalError> {
    let limits = Limits::default();
    let steps = Cell::new(0);
    let depth = Cell::new(0);
    let it = interp::Interp {
        scope,
        limits: &limits,
        steps: &steps,
        depth: &depth,
        lambda_vars: RefCell::new(Vec::new()),
    };
    it.eval(expr).map_err(|mut e| {
        if e.expression.is_empty() {
            e.expression = format!("[{expr}]");
        }
        e
    })
}

#[cfg(test)]
mod tests;
