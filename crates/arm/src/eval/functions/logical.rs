//! Logical functions: `and`, `or`, `not`, `bool`, `true`, `false`, `if`.

use super::super::ast::Expr;
use super::super::interp::{error_at, Interp};
use super::super::EvalError;
use super::{f, lazy, Call, Def, MANY};
use crate::value::{Origin, Unknown, Value};

pub(super) const FUNCTIONS: &[Def] = &[
    lazy("and", 1, MANY, and_or),
    lazy("or", 1, MANY, and_or),
    f("not", 1, 1, not),
    f("bool", 1, 1, bool_fn),
    f("true", 0, 0, |_| Ok(Value::Bool(true))),
    f("false", 0, 0, |_| Ok(Value::Bool(false))),
    lazy("if", 3, 3, if_fn),
    f("fail", 1, 1, fail),
];

/// `fail(message)` (Bicep's `fail()`): evaluation stops with the template author's message.
fn fail(c: &Call<'_, '_>) -> Result<Value, EvalError> {
    Err(c.err(format!("the template failed on purpose: {}", c.str(0)?)))
}

/// `and`/`or` stop at the first deciding value, so a guard like `and(not(empty(a)), a[0])` is safe.
fn and_or(it: &Interp<'_>, node: &Expr, name: &str, args: &[Expr]) -> Result<Value, EvalError> {
    let is_and = name.eq_ignore_ascii_case("and");
    let mut unknowns = Vec::new();
    for (i, a) in args.iter().enumerate() {
        let v = match it.eval(a) {
            Ok(v) => v,
            // Only reached at deployment if the unknown operands before it do not decide: its
            // failure is one possible outcome, not a certain one.
            Err(e) if !unknowns.is_empty() => Value::Unknown(failed_operand(&e)),
            Err(e) => return Err(e),
        };
        match v {
            Value::Bool(b) if b != is_and => return Ok(Value::Bool(b)),
            Value::Bool(_) => {}
            Value::Unknown(u) => unknowns.push(u),
            other => {
                return Err(error_at(
                    node.position,
                    format!(
                        "{name}: argument {} must be a boolean, but a value of type {} was given",
                        i + 1,
                        other.type_name()
                    ),
                ))
            }
        }
    }
    if unknowns.is_empty() {
        Ok(Value::Bool(is_and))
    } else {
        Ok(Value::Unknown(Unknown::derived(name, unknowns)))
    }
}

/// The unknown standing for an operand that fails to evaluate after an unknown operand that
/// may make it unnecessary (`and`, `or`, `coalesce`).
pub(super) fn failed_operand(e: &EvalError) -> Unknown {
    Unknown::new(Origin::NotEvaluated {
        what: format!(
            "an operand reached only if earlier unknown operands do not decide ({})",
            e.message
        ),
    })
}

fn not(c: &Call<'_, '_>) -> Result<Value, EvalError> {
    Ok(Value::Bool(!c.bool(0)?))
}

fn bool_fn(c: &Call<'_, '_>) -> Result<Value, EvalError> {
    match c.arg(0) {
        Value::Bool(b) => Ok(Value::Bool(*b)),
        Value::Int(i) => Ok(Value::Bool(*i != 0)),
        Value::String(s) if s.eq_ignore_ascii_case("true") => Ok(Value::Bool(true)),
        Value::String(s) if s.eq_ignore_ascii_case("false") => Ok(Value::Bool(false)),
        Value::String(s) => Err(c.err(format!("'{s}' is not 'true' or 'false'"))),
        _ => Err(c.expected(0, "a boolean, string or integer")),
    }
}

/// Only the chosen branch is evaluated, as ARM does; an unknown condition yields an unknown that
/// depends on the condition and on whatever both branches depend on.
fn if_fn(it: &Interp<'_>, node: &Expr, name: &str, args: &[Expr]) -> Result<Value, EvalError> {
    match it.eval(&args[0])? {
        Value::Bool(true) => it.eval(&args[1]),
        Value::Bool(false) => it.eval(&args[2]),
        Value::Unknown(u) => {
            let mut inputs = vec![u];
            for branch in &args[1..] {
                // A branch may only be valid when the condition holds; its errors do not count.
                if let Ok(v) = it.eval(branch) {
                    inputs.extend(v.unknowns().into_iter().cloned());
                }
            }
            Ok(Value::Unknown(Unknown::derived(name, inputs)))
        }
        other => Err(error_at(
            node.position,
            format!(
                "{name}: the condition must be a boolean, but a value of type {} was given",
                other.type_name()
            ),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{fails, ok};
    use serde_json::json;

    #[test]
    fn logic() {
        assert_eq!(ok("[and(true(), false())]"), json!(false));
        assert_eq!(ok("[or(false(), true())]"), json!(true));
        assert_eq!(ok("[not(true())]"), json!(false));
        assert_eq!(ok("[bool('TRUE')]"), json!(true));
        assert_eq!(ok("[bool(0)]"), json!(false));
        assert_eq!(ok("[if(true(), 'a', 'b')]"), json!("a"));
        // Only the chosen branch is evaluated.
        assert_eq!(ok("[if(false(), createArray()[3], 'b')]"), json!("b"));
        assert_eq!(ok("[and(false(), createArray()[3])]"), json!(false));
    }

    #[test]
    fn errors() {
        assert!(fails("[not('x')]").message.contains("boolean"));
        assert!(fails("[if(1, 'a', 'b')]").message.contains("condition"));
        assert!(fails("[if(true(), 'a')]").message.contains("expects 3"));
        assert!(fails("[bool('maybe')]").message.contains("maybe"));
        assert!(fails("[fail('bad config')]").message.contains("bad config"));
        assert_eq!(ok("[if(true(), 'ok', fail('never'))]"), json!("ok"));
    }

    #[test]
    fn unknown_condition_stays_unknown() {
        let v = ok("[if(equals(newGuid(), 'x'), 'a', 'b')]");
        assert!(v["$unknown"]
            .as_str()
            .is_some_and(|s| s.contains("newGuid")));
    }
}
