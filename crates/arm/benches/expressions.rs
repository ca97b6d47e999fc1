//! Parsing and evaluating typical template expressions.

use std::collections::HashMap;

use arm::eval::{evaluate_expr, evaluate_string, parse, EvalError, EvalScope, UserFunction};
use arm::{DeploymentContext, Origin, ResourceRef, TargetScope, Unknown, Value};
use criterion::{black_box, criterion_group, criterion_main, Criterion};

/// A scope with a few parameters and a `reference()` that returns runtime unknowns.
struct Scope {
    context: DeploymentContext,
    parameters: HashMap<String, Value>,
}

impl EvalScope for Scope {
    fn context(&self) -> &DeploymentContext {
        &self.context
    }
    fn target_scope(&self) -> TargetScope {
        TargetScope::ResourceGroup
    }
    fn parameter(&self, name: &str) -> Result<Value, EvalError> {
        self.parameters
            .get(name)
            .cloned()
            .ok_or_else(|| EvalError::new(format!("no parameter {name}")))
    }
    fn variable(&self, name: &str) -> Result<Value, EvalError> {
        Err(EvalError::new(format!("no variable {name}")))
    }
    fn copy_index(&self, _: Option<&str>) -> Result<i64, EvalError> {
        Ok(0)
    }
    fn deployment(&self) -> Value {
        Value::Null
    }
    fn user_function(&self, _: &str, _: &str) -> Option<UserFunction> {
        None
    }
    fn reference(&self, target: &Value, _: Option<&Value>, _: bool) -> Result<Value, EvalError> {
        Ok(Value::Unknown(Unknown::new(Origin::RuntimeProperty {
            resource: ResourceRef {
                id: target.to_display_string(),
                resource_type: "Microsoft.Logic/workflows".into(),
                name: "wf".into(),
                symbol: None,
            },
            path: String::new(),
        })))
    }
    fn references(&self, _: &str, _: bool) -> Result<Value, EvalError> {
        Ok(Value::Array(Vec::new()))
    }
}

const ROLE_ASSIGNMENT_NAME: &str = "[guid(resourceId('Microsoft.KeyVault/vaults', parameters('vaultName')), resourceId('Microsoft.Logic/workflows', parameters('workflowName')), subscriptionResourceId('Microsoft.Authorization/roleDefinitions', '4633458b-17de-408a-b874-0445c86b69e6'))]";
const NESTED_FORMAT: &str = "[format('{0}-{1}-{2}', toLower(concat(parameters('prefix'), '-', uniqueString(resourceGroup().id))), padLeft(string(add(copyIndex(), 1)), 3, '0'), replace(format('{0}.{1}', parameters('workflowName'), parameters('vaultName')), '.', '-'))]";
const PRINCIPAL: &str = "[reference(resourceId('Microsoft.Logic/workflows', parameters('workflowName')), '2019-05-01', 'full').identity.principalId]";
const LAMBDA_1000: &str = "[length(filter(map(range(0, 1000), lambda('i', createObject('name', format('item{0}', lambdaVariables('i')), 'even', equals(mod(lambdaVariables('i'), 2), 0)))), lambda('x', lambdaVariables('x').even)))]";

fn scope() -> Scope {
    let mut parameters = HashMap::new();
    parameters.insert("vaultName".into(), Value::from("kv-prod"));
    parameters.insert("workflowName".into(), Value::from("wf-orders"));
    parameters.insert("prefix".into(), Value::from("Contoso"));
    Scope {
        context: DeploymentContext::default(),
        parameters,
    }
}

fn benches(c: &mut Criterion) {
    let scope = scope();
    for (name, text) in [
        ("role_assignment_guid", ROLE_ASSIGNMENT_NAME),
        ("nested_format_concat", NESTED_FORMAT),
        ("reference_principal", PRINCIPAL),
        ("lambda_1000_items", LAMBDA_1000),
    ] {
        // Sanity: the benchmarked expression evaluates.
        if let Err(e) = evaluate_string(text, &scope) {
            panic!("{name}: {e}");
        }
        c.bench_function(&format!("parse/{name}"), |b| {
            b.iter(|| parse(black_box(text)))
        });
        let expr = match parse(text) {
            Ok(e) => e,
            Err(e) => panic!("{name}: {e}"),
        };
        c.bench_function(&format!("evaluate/{name}"), |b| {
            b.iter(|| evaluate_expr(black_box(&expr), &scope))
        });
        c.bench_function(&format!("parse_and_evaluate/{name}"), |b| {
            b.iter(|| evaluate_string(black_box(text), &scope))
        });
    }
}

criterion_group!(expressions, benches);
criterion_main!(expressions);
