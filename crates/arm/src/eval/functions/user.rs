//! User-defined functions (`namespace.name(...)`): evaluated where only their own parameters exist
//! (and, in `languageVersion` 2.0 templates, the template's variables).

use std::cell::RefCell;

use super::super::ast::Expr;
use super::super::interp::{error_at, Interp};
use super::super::{EvalError, EvalScope, UserFunction};
use super::eval_args;
use crate::context::{DeploymentContext, TargetScope};
use crate::value::Value;

/// The scope a user function body sees: its parameters, the template's variables only in
/// `languageVersion` 2.0; no copyIndex, no reference.
struct FunctionScope<'a> {
    outer: &'a dyn EvalScope,
    qualified: String,
    params: Vec<(String, Value)>,
}

impl EvalScope for FunctionScope<'_> {
    fn context(&self) -> &DeploymentContext {
        self.outer.context()
    }
    fn target_scope(&self) -> TargetScope {
        self.outer.target_scope()
    }
    fn parameter(&self, name: &str) -> Result<Value, EvalError> {
        self.params
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.clone())
            .ok_or_else(|| {
                EvalError::new(format!(
                    "the user function '{}' has no parameter '{name}'",
                    self.qualified
                ))
            })
    }
    fn variable(&self, name: &str) -> Result<Value, EvalError> {
        if self.outer.user_functions_read_variables() {
            return self.outer.variable(name);
        }
        Err(EvalError::new(format!(
            "user function '{}' cannot read variables('{name}'): in a template without languageVersion 2.0 user functions only see their parameters",
            self.qualified
        )))
    }
    fn user_functions_read_variables(&self) -> bool {
        self.outer.user_functions_read_variables()
    }
    fn record_guid(&self, guid: &str, arguments: &[&str]) {
        self.outer.record_guid(guid, arguments)
    }
    fn copy_index(&self, _loop_name: Option<&str>) -> Result<i64, EvalError> {
        Err(EvalError::new(format!(
            "user function '{}' cannot use copyIndex()",
            self.qualified
        )))
    }
    fn deployment(&self) -> Value {
        self.outer.deployment()
    }
    fn user_function(&self, namespace: &str, name: &str) -> Option<UserFunction> {
        self.outer.user_function(namespace, name)
    }
    fn reference(
        &self,
        _target: &Value,
        _api_version: Option<&Value>,
        _full: bool,
    ) -> Result<Value, EvalError> {
        Err(EvalError::new(format!(
            "user function '{}' cannot use reference()",
            self.qualified
        )))
    }
    fn references(&self, _symbol: &str, _full: bool) -> Result<Value, EvalError> {
        Err(EvalError::new(format!(
            "user function '{}' cannot use references()",
            self.qualified
        )))
    }
    fn call_extension(&self, name: &str, args: &[Value]) -> Option<Result<Value, EvalError>> {
        self.outer.call_extension(name, args)
    }
    fn is_deployed_principal_id(&self, u: &crate::value::Unknown) -> bool {
        self.outer.is_deployed_principal_id(u)
    }
}

/// Evaluates `ns.name(args)`.
pub(crate) fn call_user_function(
    it: &Interp<'_>,
    node: &Expr,
    namespace: &str,
    name: &str,
    args: &[Expr],
) -> Result<Value, EvalError> {
    let qualified = format!("{namespace}.{name}");
    let Some(function) = it.scope.user_function(namespace, name) else {
        return Err(error_at(
            node.position,
            format!("the user-defined function '{qualified}' is not defined"),
        ));
    };
    if args.len() != function.parameters.len() {
        return Err(error_at(
            node.position,
            format!(
                "the user-defined function '{qualified}' expects {} argument(s) but got {}",
                function.parameters.len(),
                args.len()
            ),
        ));
    }
    let values = eval_args(it, args)?;
    let params = function
        .parameters
        .iter()
        .map(|(n, _)| n.clone())
        .zip(values)
        .collect();
    let scope = FunctionScope {
        outer: it.scope,
        qualified: qualified.clone(),
        params,
    };
    let inner = Interp {
        scope: &scope,
        limits: it.limits,
        steps: it.steps,
        depth: it.depth,
        lambda_vars: RefCell::new(Vec::new()),
    };
    super::super::json_in(&inner, &function.output_value).map_err(|e| {
        let detail = if e.expression.is_empty() {
            e.message
        } else {
            format!(
                "{} (in `{}` at character {})",
                e.message, e.expression, e.position
            )
        };
        error_at(
            node.position,
            format!("in user-defined function '{qualified}': {detail}"),
        )
    })
}
