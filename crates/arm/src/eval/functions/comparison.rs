//! Comparison functions: `coalesce`, `equals`, `greater`, `greaterOrEquals`, `less`, `lessOrEquals`.

use std::cmp::Ordering;

use super::super::ast::Expr;
use super::super::interp::Interp;
use super::super::EvalError;
use super::{f, lazy, values_equal, Call, Def, MANY};
use crate::value::{Unknown, Value};

pub(super) const FUNCTIONS: &[Def] = &[
    lazy("coalesce", 1, MANY, coalesce),
    f("equals", 2, 2, equals),
    f("greater", 2, 2, |c| compare(c, |o| o == Ordering::Greater)),
    f("greaterorequals", 2, 2, |c| {
        compare(c, |o| o != Ordering::Less)
    }),
    f("less", 2, 2, |c| compare(c, |o| o == Ordering::Less)),
    f("lessorequals", 2, 2, |c| {
        compare(c, |o| o != Ordering::Greater)
    }),
];

/// First non-null argument; stops at the first known non-null one.
fn coalesce(it: &Interp<'_>, _node: &Expr, name: &str, args: &[Expr]) -> Result<Value, EvalError> {
    let mut unknowns = Vec::new();
    for a in args {
        let v = match it.eval(a) {
            Ok(v) => v,
            Err(e) if !unknowns.is_empty() => Value::Unknown(super::logical::failed_operand(&e)),
            Err(e) => return Err(e),
        };
        match v {
            Value::Null => {}
            Value::Unknown(u) => unknowns.push(u),
            v if unknowns.is_empty() => return Ok(v),
            v => {
                unknowns.extend(v.unknowns().into_iter().cloned());
                return Ok(Value::Unknown(Unknown::derived(name, unknowns)));
            }
        }
    }
    if unknowns.is_empty() {
        Ok(Value::Null)
    } else {
        Ok(Value::Unknown(Unknown::derived(name, unknowns)))
    }
}

fn equals(c: &Call<'_, '_>) -> Result<Value, EvalError> {
    Ok(Value::Bool(values_equal(c.arg(0), c.arg(1))))
}

/// Orders strings the way .NET's invariant culture does for ASCII: case-insensitive first, and
/// on a tie lower case before upper case (so `greater('A', 'a')` is true, as documented).
pub(crate) fn compare_strings(a: &str, b: &str) -> Ordering {
    let folded = a
        .chars()
        .flat_map(char::to_lowercase)
        .cmp(b.chars().flat_map(char::to_lowercase));
    if folded != Ordering::Equal {
        return folded;
    }
    for (x, y) in a.chars().zip(b.chars()) {
        if x != y {
            return if x.is_lowercase() && y.is_uppercase() {
                Ordering::Less
            } else if x.is_uppercase() && y.is_lowercase() {
                Ordering::Greater
            } else {
                x.cmp(&y)
            };
        }
    }
    a.len().cmp(&b.len())
}

/// Orders two numbers or two strings; `None` for anything else.
pub(crate) fn order(a: &Value, b: &Value) -> Option<Ordering> {
    match (a, b) {
        (Value::Int(x), Value::Int(y)) => Some(x.cmp(y)),
        (Value::Int(x), Value::Float(y)) => (*x as f64).partial_cmp(y),
        (Value::Float(x), Value::Int(y)) => x.partial_cmp(&(*y as f64)),
        (Value::Float(x), Value::Float(y)) => x.partial_cmp(y),
        (Value::String(x), Value::String(y)) => Some(compare_strings(x, y)),
        _ => None,
    }
}

fn compare(c: &Call<'_, '_>, test: fn(Ordering) -> bool) -> Result<Value, EvalError> {
    match order(c.arg(0), c.arg(1)) {
        Some(o) => Ok(Value::Bool(test(o))),
        None => Err(c.err(format!(
            "cannot compare a value of type {} with a value of type {}; both must be integers or both strings",
            c.arg(0).type_name(),
            c.arg(1).type_name()
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{fails, ok};
    use serde_json::json;

    #[test]
    fn comparisons() {
        assert_eq!(ok("[greater(1, 2)]"), json!(false));
        assert_eq!(ok("[greater('A', 'a')]"), json!(true));
        assert_eq!(ok("[greaterOrEquals('A', 'a')]"), json!(true));
        assert_eq!(ok("[lessOrEquals('A', 'a')]"), json!(false));
        assert_eq!(ok("[less('apple', 'Banana')]"), json!(true));
        assert_eq!(
            ok("[equals(createArray(1, 'a'), createArray(1, 'a'))]"),
            json!(true)
        );
        assert_eq!(
            ok("[equals(createObject('A', 1), createObject('a', 1))]"),
            json!(true)
        );
        assert_eq!(ok("[equals('a', 'A')]"), json!(false));
        assert_eq!(ok("[coalesce(null(), null(), 'x')]"), json!("x"));
        assert_eq!(ok("[coalesce(null())]"), json!(null));
    }

    #[test]
    fn errors() {
        assert!(fails("[greater(1, 'a')]")
            .message
            .contains("cannot compare"));
        assert!(fails("[equals(1)]").message.contains("expects 2"));
    }

    #[test]
    fn unknown_equals_is_unknown() {
        assert!(ok("[equals(utcNow(), 'x')]").get("$unknown").is_some());
    }
}
