//! Walks the syntax tree: literals, calls, property and index access, with budgets and unknowns.

use std::cell::{Cell, RefCell};

use super::ast::{Expr, ExprKind};
use super::limits::Limits;
use super::{functions, EvalError, EvalScope};
use crate::value::{object_get, Origin, Unknown, Value};

/// Evaluation state shared by one top-level evaluation, including nested user functions.
pub(crate) struct Interp<'s> {
    pub scope: &'s dyn EvalScope,
    pub limits: &'s Limits,
    /// Steps used so far, shared with nested interpreters for user functions.
    pub steps: &'s Cell<u64>,
    /// Current nesting depth (calls, user functions, lambdas).
    pub depth: &'s Cell<usize>,
    /// Variables of the lambdas being evaluated, innermost last.
    pub lambda_vars: RefCell<Vec<(String, Value)>>,
}

/// An error at `position` (1-based), the expression text filled in by the caller.
pub(crate) fn error_at(position: usize, message: impl Into<String>) -> EvalError {
    EvalError {
        message: message.into(),
        expression: String::new(),
        position,
    }
}

impl<'s> Interp<'s> {
    /// Counts one step against the budget.
    pub fn step(&self, position: usize) -> Result<(), EvalError> {
        let used = self.steps.get() + 1;
        self.steps.set(used);
        if used > self.limits.max_steps {
            return Err(error_at(
                position,
                format!(
                    "evaluation exceeded its budget of {} steps",
                    self.limits.max_steps
                ),
            ));
        }
        Ok(())
    }

    /// Evaluates a node.
    pub fn eval(&self, e: &Expr) -> Result<Value, EvalError> {
        self.step(e.position)?;
        let depth = self.depth.get() + 1;
        if depth > self.limits.max_nesting_depth {
            return Err(error_at(
                e.position,
                format!(
                    "evaluation nests deeper than {} levels",
                    self.limits.max_nesting_depth
                ),
            ));
        }
        self.depth.set(depth);
        let result = self.eval_inner(e);
        self.depth.set(depth - 1);
        result
    }

    fn eval_inner(&self, e: &Expr) -> Result<Value, EvalError> {
        match &e.kind {
            ExprKind::String(s) => Ok(Value::String(s.clone())),
            ExprKind::Int(i) => Ok(Value::Int(*i)),
            ExprKind::Call {
                namespace,
                name,
                args,
            } => functions::call(self, e, namespace.as_deref(), name, args),
            ExprKind::Property { target, name, safe } => {
                let t = self.eval(target)?;
                property(t, name, *safe, e.position)
            }
            ExprKind::Index {
                target,
                index,
                safe,
            } => {
                let t = self.eval(target)?;
                let i = self.eval(index)?;
                index_value(t, &i, *safe, e.position)
            }
        }
    }

    /// Looks up a lambda variable, innermost first.
    pub fn lambda_var(&self, name: &str) -> Option<Value> {
        self.lambda_vars
            .borrow()
            .iter()
            .rev()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.clone())
    }
}

/// Extends a runtime-property unknown's path, or derives a new unknown.
pub(crate) fn unknown_member(u: &Unknown, segment: &str, operation: String) -> Value {
    match u.origin() {
        Origin::RuntimeProperty { resource, path } => {
            let path = if path.is_empty() {
                segment.trim_start_matches('.').to_string()
            } else if segment.starts_with('[') {
                format!("{path}{segment}")
            } else {
                format!("{path}.{}", segment.trim_start_matches('.'))
            };
            Value::Unknown(Unknown::new(Origin::RuntimeProperty {
                resource: resource.clone(),
                path,
            }))
        }
        _ => Value::Unknown(Unknown::derived(operation, vec![u.clone()])),
    }
}

/// `target.name` (case-insensitive, as ARM looks members up).
pub(crate) fn property(
    target: Value,
    name: &str,
    safe: bool,
    position: usize,
) -> Result<Value, EvalError> {
    match target {
        Value::Object(ref o) => match object_get(o, name) {
            Some(v) => Ok(v.clone()),
            None if safe => Ok(Value::Null),
            None => {
                let available: Vec<&str> = o.keys().map(String::as_str).take(20).collect();
                Err(error_at(
                    position,
                    format!(
                        "the property '{name}' does not exist; available properties are '{}'",
                        available.join(", ")
                    ),
                ))
            }
        },
        Value::Unknown(u) => Ok(unknown_member(&u, name, format!("property '{name}'"))),
        Value::Null if safe => Ok(Value::Null),
        other => Err(error_at(
            position,
            format!(
                "cannot read property '{name}' of a value of type {}",
                other.type_name()
            ),
        )),
    }
}

/// `target[index]`: arrays by integer, objects by string.
pub(crate) fn index_value(
    target: Value,
    index: &Value,
    safe: bool,
    position: usize,
) -> Result<Value, EvalError> {
    match (target, index) {
        (Value::Object(o), Value::String(k)) => match object_get(&o, k) {
            Some(v) => Ok(v.clone()),
            None if safe => Ok(Value::Null),
            None => property(Value::Object(o), k, false, position),
        },
        (Value::Array(a), Value::Int(i)) => {
            let got = usize::try_from(*i).ok().and_then(|i| a.get(i));
            match got {
                Some(v) => Ok(v.clone()),
                None if safe => Ok(Value::Null),
                None => Err(error_at(
                    position,
                    format!(
                        "index {i} is out of range for an array of length {}",
                        a.len()
                    ),
                )),
            }
        }
        (_, Value::Unknown(u)) => Ok(Value::Unknown(Unknown::derived("index", vec![u.clone()]))),
        (Value::Unknown(u), Value::String(k)) => {
            Ok(unknown_member(&u, k, format!("property '{k}'")))
        }
        (Value::Unknown(u), Value::Int(i)) => {
            Ok(unknown_member(&u, &format!("[{i}]"), format!("index {i}")))
        }
        (Value::Null, _) if safe => Ok(Value::Null),
        (t, i) => Err(error_at(
            position,
            format!(
                "cannot index a value of type {} with a value of type {}",
                t.type_name(),
                i.type_name()
            ),
        )),
    }
}
