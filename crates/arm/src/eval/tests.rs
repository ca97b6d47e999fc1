//! Tests of the expression language itself: syntax, positions, escapes, budgets, unknowns,
//! user-defined functions.

use super::functions::testing::{fails, ok, TestScope};
use super::*;
use crate::value::{Origin, Unknown};
use serde_json::json;

#[test]
fn literals_escapes_and_strings() {
    let scope = TestScope::default();
    assert_eq!(evaluate_string("plain", &scope), Ok(Value::from("plain")));
    assert_eq!(
        evaluate_string("[[not an expression]", &scope),
        Ok(Value::from("[not an expression]"))
    );
    assert_eq!(ok("['it''s']"), json!("it's"));
    assert_eq!(ok("[ concat( 'a' , 'b' ) ]"), json!("ab"));
    assert_eq!(ok("[-5]"), json!(-5));
    assert_eq!(ok("[add(-2, 3)]"), json!(1));
    assert_eq!(
        ok("[CONCAT('a')]"),
        json!("a"),
        "function names are case-insensitive"
    );
    assert!(evaluate_string("[]", &scope).is_err());
}

#[test]
fn property_and_index_access() {
    assert_eq!(ok("[createObject('a', createArray(1, 2)).a[1]]"), json!(2));
    assert_eq!(ok("[createObject('a', 1)['A']]"), json!(1));
    assert_eq!(ok("[createObject('a', null())?.a?.b]"), json!(null));
    assert_eq!(ok("[createObject('a', 1)?.b]"), json!(null));
    assert_eq!(ok("[createArray(1)?[5]]"), json!(null));
    assert_eq!(ok("[json('{\"my-prop\": 3}').my-prop]"), json!(3));
}

#[test]
fn syntax_errors_have_positions() {
    let cases: &[(&str, usize, &str)] = &[
        ("[concat('a', 'b']", 17, "expected ',' or ')'"),
        ("[concat('a)]", 9, "unterminated string"),
        ("[concat('a') x]", 14, "unexpected 'x'"),
        ("[foo]", 5, "expected '('"),
        ("[1.5]", 2, "no decimal literals"),
        ("[a.]", 4, "expected a function name"),
        ("[concat('a').]", 14, "expected a property name"),
        ("[99999999999999999999]", 2, "64-bit integer"),
        ("[,]", 2, "expected a function call"),
        ("[concat('a')?y]", 14, "expected '.' or '['"),
    ];
    for (text, position, message) in cases {
        let e = parse(text).expect_err(text);
        assert_eq!(e.position, *position, "{text}: {e}");
        assert!(e.message.contains(message), "{text}: {e}");
        assert_eq!(e.expression, *text);
    }
    // Bare form counts from the first character.
    assert_eq!(parse("concat('a'").map_err(|e| e.position), Err(11));
}

#[test]
fn evaluation_errors_have_positions() {
    let e = fails("[concat('a', nope())]");
    assert_eq!(e.position, 14);
    assert!(e.message.contains("'nope' is not valid"));
    assert_eq!(e.expression, "[concat('a', nope())]");
    let e = fails("[createObject('a', 1).b]");
    assert_eq!(e.position, 22);
    assert!(e.message.contains("'b' does not exist"));
    let e = fails("[createArray(1)[3]]");
    assert!(e.message.contains("out of range"));
    assert!(fails("[createArray(1)['x']]")
        .message
        .contains("cannot index"));
}

#[test]
fn budgets_stop_hostile_input() {
    let deep = format!("[{}1{}]", "string(".repeat(300), ")".repeat(300));
    assert!(parse(&deep)
        .expect_err("too deep")
        .message
        .contains("nests deeper"));
    let long = format!("['{}']", "a".repeat(200_000));
    assert!(parse(&long)
        .expect_err("too long")
        .message
        .contains("limit"));
    // Exponential growth is capped by the string budget.
    let scope = TestScope::default();
    let limits = Limits {
        max_string_bytes: 1000,
        ..Limits::default()
    };
    let e = evaluate_string_with("[padLeft('a', 5000, 'x')]", &scope, &limits).expect_err("big");
    assert!(e.message.contains("limit"));
    let limits = Limits {
        max_steps: 100,
        ..Limits::default()
    };
    let e = evaluate_string_with(
        "[map(range(0, 1000), lambda('x', lambdaVariables('x')))]",
        &scope,
        &limits,
    )
    .expect_err("steps");
    assert!(e.message.contains("budget"));
}

#[test]
fn evaluate_json_is_deep_and_evaluates_keys() {
    let scope = TestScope::default();
    let json = json!({
        "a": "[concat('x', 'y')]",
        "[concat('k', '1')]": {"b": ["[[lit]", 1, true, null]}
    });
    assert_eq!(
        evaluate_json(&json, &scope).map(|v| v.to_json()),
        Ok(json!({"a": "xy", "k1": {"b": ["[lit]", 1, true, null]}}))
    );
}

#[test]
fn evaluate_expr_renders_the_expression_in_errors() {
    let expr = parse("[concat('a', nope())]").expect("parses");
    assert_eq!(expr.to_string(), "concat('a', nope())");
    let e = evaluate_expr(&expr, &TestScope::default()).expect_err("fails");
    assert_eq!(e.expression, "[concat('a', nope())]");
    assert_eq!(e.position, 14);
}

#[test]
fn rules_can_inspect_guid_arguments() {
    let expr = parse("[guid(resourceGroup().id, parameters('p'))]").expect("parses");
    assert!(expr.is_call_of("GUID"));
    let args = expr.call_args().unwrap_or_default();
    assert_eq!(args.len(), 2);
    assert!(matches!(&args[0].kind, ExprKind::Property { name, .. } if name == "id"));
    assert_eq!(args[1].call_name(), Some("parameters"));
}

#[test]
fn runtime_property_paths_extend() {
    let v = evaluate_string(
        "[reference('/x/providers/Microsoft.Logic/workflows/wf1', '2019-05-01', 'full').identity.principalId]",
        &TestScope::default(),
    )
    .expect("evaluates");
    match v.as_unknown().map(Unknown::origin) {
        Some(Origin::RuntimeProperty { path, resource }) => {
            assert_eq!(path, "identity.principalId");
            assert_eq!(resource.name, "wf1");
        }
        other => panic!("unexpected {other:?}"),
    }
    let v = evaluate_string(
        "[reference('/x/uami').userAssignedIdentities['/id'].principalId]",
        &TestScope::default(),
    )
    .expect("evaluates");
    match v.as_unknown().map(Unknown::origin) {
        Some(Origin::RuntimeProperty { path, .. }) => {
            assert_eq!(path, "properties.userAssignedIdentities./id.principalId")
        }
        other => panic!("unexpected {other:?}"),
    }
}

#[test]
fn derived_unknowns_keep_their_roots() {
    let v = evaluate_string(
        "[guid(resourceGroup().id, reference('/x/wf', '1', 'Full').identity.principalId, 'r')]",
        &TestScope::default(),
    )
    .expect("evaluates");
    let u = v.as_unknown().expect("unknown");
    assert!(matches!(u.origin(), Origin::Derived { operation, .. } if operation == "guid"));
    assert!(matches!(u.roots()[..], [Origin::RuntimeProperty { .. }]));
}

#[test]
fn user_functions_see_only_their_parameters() {
    let mut scope = TestScope::default();
    scope.variables.insert("v".into(), Value::from("outer"));
    scope.functions.insert(
        "ns.greet".into(),
        UserFunction {
            parameters: vec![("name".into(), "string".into())],
            output_type: "string".into(),
            output_value: json!("[concat('Hello, ', parameters('name'))]"),
        },
    );
    scope.functions.insert(
        "ns.bad".into(),
        UserFunction {
            parameters: vec![],
            output_type: "string".into(),
            output_value: json!("[variables('v')]"),
        },
    );
    assert_eq!(
        evaluate_string("[ns.greet('World')]", &scope),
        Ok(Value::from("Hello, World"))
    );
    let e = evaluate_string("[concat('x', ns.bad())]", &scope).expect_err("variables hidden");
    assert!(e.message.contains("user-defined function 'ns.bad'"));
    assert_eq!(e.position, 14);
    assert!(evaluate_string("[ns.greet()]", &scope)
        .expect_err("arity")
        .message
        .contains("expects 1"));
    assert!(evaluate_string("[ns.nope()]", &scope)
        .expect_err("missing")
        .message
        .contains("not defined"));
}

#[test]
fn guid_matches_the_rfc_4122_version_5_construction() {
    // Cross-checked with Python's uuid.uuid5(UUID('11fb06fb-712d-4ddd-98c7-e71bbd588830'), 'abc'),
    // an independent implementation of the same construction.
    assert_eq!(
        ok("[guid('abc')]"),
        json!("a9b46cc2-65a6-5559-9f14-7091827ab32f")
    );
}

#[test]
fn is_known_function_covers_list_star() {
    assert!(is_known_function("listKeys"));
    assert!(is_known_function("UNIQUESTRING"));
    assert!(!is_known_function("nope"));
}
