//! A small in-memory scope for unit tests.

use std::collections::HashMap;

use super::super::{evaluate_string, EvalError, EvalScope, UserFunction};
use crate::context::{DeploymentContext, TargetScope};
use crate::value::{Origin, ResourceRef, Unknown, Value};

#[derive(Default)]
pub(crate) struct TestScope {
    pub context: DeploymentContext,
    pub target: Option<TargetScope>,
    pub parameters: HashMap<String, Value>,
    pub variables: HashMap<String, Value>,
    pub functions: HashMap<String, UserFunction>,
    pub copy_index: Option<i64>,
}

impl EvalScope for TestScope {
    fn context(&self) -> &DeploymentContext {
        &self.context
    }
    fn target_scope(&self) -> TargetScope {
        self.target.unwrap_or(TargetScope::ResourceGroup)
    }
    fn parameter(&self, name: &str) -> Result<Value, EvalError> {
        self.parameters
            .get(name)
            .cloned()
            .ok_or_else(|| EvalError::new(format!("the parameter '{name}' is not defined")))
    }
    fn variable(&self, name: &str) -> Result<Value, EvalError> {
        self.variables
            .get(name)
            .cloned()
            .ok_or_else(|| EvalError::new(format!("the variable '{name}' is not defined")))
    }
    fn copy_index(&self, _loop_name: Option<&str>) -> Result<i64, EvalError> {
        self.copy_index
            .ok_or_else(|| EvalError::new("copyIndex() is only valid inside a copy loop"))
    }
    fn deployment(&self) -> Value {
        Value::from_json(&serde_json::json!({"name": self.context.deployment_name}))
    }
    fn user_function(&self, namespace: &str, name: &str) -> Option<UserFunction> {
        self.functions.get(&format!("{namespace}.{name}")).cloned()
    }
    fn reference(
        &self,
        target: &Value,
        _api_version: Option<&Value>,
        full: bool,
    ) -> Result<Value, EvalError> {
        let id = target.to_display_string();
        let name = id.rsplit('/').next().unwrap_or_default().to_string();
        Ok(Value::Unknown(Unknown::new(Origin::RuntimeProperty {
            resource: ResourceRef {
                id: id.clone(),
                resource_type: "Test/type".into(),
                name,
                symbol: None,
            },
            path: if full {
                String::new()
            } else {
                "properties".into()
            },
        })))
    }
    fn references(&self, symbol: &str, _full: bool) -> Result<Value, EvalError> {
        Err(EvalError::new(format!("no loop '{symbol}'")))
    }
}

/// Evaluates `text` in a default test scope.
pub(crate) fn eval(text: &str) -> Result<Value, EvalError> {
    evaluate_string(text, &TestScope::default())
}

/// Evaluates `text` and converts to JSON, panicking with the error (tests only).
pub(crate) fn ok(text: &str) -> serde_json::Value {
    match eval(text) {
        Ok(v) => v.to_json(),
        Err(e) => panic!("{text}: {e}"),
    }
}

/// Evaluates `text`, expecting an error; returns it.
pub(crate) fn fails(text: &str) -> EvalError {
    match eval(text) {
        Ok(v) => panic!("{text}: expected an error, got {:?}", v.to_json()),
        Err(e) => e,
    }
}
