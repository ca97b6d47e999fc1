//! Numeric functions: `add`, `sub`, `mul`, `div`, `mod`, `int`, `float`, `min`, `max`, `copyIndex`.

use super::super::EvalError;
use super::{f, Call, Def, MANY};
use crate::value::Value;

pub(super) const FUNCTIONS: &[Def] = &[
    f("add", 2, 2, |c| arith(c, i64::checked_add)),
    f("sub", 2, 2, |c| arith(c, i64::checked_sub)),
    f("mul", 2, 2, |c| arith(c, i64::checked_mul)),
    f("div", 2, 2, div),
    f("mod", 2, 2, modulo),
    f("int", 1, 1, int),
    f("float", 1, 1, float),
    f("min", 1, MANY, |c| min_max(c, true)),
    f("max", 1, MANY, |c| min_max(c, false)),
    f("copyindex", 0, 2, copy_index),
];

fn arith(c: &Call<'_, '_>, op: fn(i64, i64) -> Option<i64>) -> Result<Value, EvalError> {
    let (a, b) = (c.int(0)?, c.int(1)?);
    op(a, b)
        .map(Value::Int)
        .ok_or_else(|| c.err(format!("integer overflow with {a} and {b}")))
}

fn div(c: &Call<'_, '_>) -> Result<Value, EvalError> {
    let (a, b) = (c.int(0)?, c.int(1)?);
    if b == 0 {
        return Err(c.err("division by zero"));
    }
    a.checked_div(b)
        .map(Value::Int)
        .ok_or_else(|| c.err("integer overflow"))
}

fn modulo(c: &Call<'_, '_>) -> Result<Value, EvalError> {
    let (a, b) = (c.int(0)?, c.int(1)?);
    if b == 0 {
        return Err(c.err("division by zero"));
    }
    a.checked_rem(b)
        .map(Value::Int)
        .ok_or_else(|| c.err("integer overflow"))
}

fn int(c: &Call<'_, '_>) -> Result<Value, EvalError> {
    match c.arg(0) {
        Value::Int(i) => Ok(Value::Int(*i)),
        // .NET Convert.ToInt64 rounds half to even.
        Value::Float(x) if x.is_finite() && x.abs() < 9.2e18 => {
            Ok(Value::Int(x.round_ties_even() as i64))
        }
        Value::String(s) => s
            .trim()
            .parse::<i64>()
            .map(Value::Int)
            .map_err(|_| c.err(format!("'{s}' is not an integer"))),
        _ => Err(c.expected(0, "a string or number")),
    }
}

fn float(c: &Call<'_, '_>) -> Result<Value, EvalError> {
    match c.arg(0) {
        Value::Int(i) => Ok(Value::Float(*i as f64)),
        Value::Float(x) => Ok(Value::Float(*x)),
        Value::String(s) => s
            .trim()
            .parse::<f64>()
            .ok()
            .filter(|x| x.is_finite())
            .map(Value::Float)
            .ok_or_else(|| c.err(format!("'{s}' is not a number"))),
        _ => Err(c.expected(0, "a string or number")),
    }
}

/// `min`/`max` over integers given as arguments or as one array.
fn min_max(c: &Call<'_, '_>, min: bool) -> Result<Value, EvalError> {
    // Arguments are integers or arrays of integers, mixed as given (docs/functions.md).
    let items = c.args.iter().flat_map(|v| match v {
        Value::Array(a) => a.iter().collect::<Vec<_>>(),
        other => vec![other],
    });
    let mut best: Option<i64> = None;
    for v in items {
        let n = match v {
            Value::Int(n) => *n,
            other => {
                return Err(c.err(format!(
                    "every value must be an integer, but a value of type {} was given",
                    other.type_name()
                )))
            }
        };
        best = Some(match best {
            Some(b) if min => b.min(n),
            Some(b) => b.max(n),
            None => n,
        });
    }
    best.map(Value::Int)
        .ok_or_else(|| c.err("needs at least one value"))
}

fn copy_index(c: &Call<'_, '_>) -> Result<Value, EvalError> {
    // copyIndex(), copyIndex(offset), copyIndex('loop'), copyIndex('loop', offset).
    let (name, offset) = match (c.args.first(), c.args.get(1)) {
        (None, _) => (None, 0),
        (Some(Value::String(s)), None) => (Some(s.as_str()), 0),
        (Some(Value::Int(o)), None) => (None, *o),
        (Some(Value::String(s)), Some(_)) => (Some(s.as_str()), c.int(1)?),
        _ => return Err(c.expected(0, "a loop name or an integer offset")),
    };
    let index = c.it.scope.copy_index(name).map_err(|e| c.scope_err(e))?;
    index
        .checked_add(offset)
        .map(Value::Int)
        .ok_or_else(|| c.err("integer overflow"))
}

#[cfg(test)]
mod tests {
    use super::super::testing::{fails, ok};
    use serde_json::json;

    #[test]
    fn numbers() {
        assert_eq!(ok("[add(5, 3)]"), json!(8));
        assert_eq!(ok("[sub(7, 3)]"), json!(4));
        assert_eq!(ok("[mul(5, -3)]"), json!(-15));
        assert_eq!(ok("[div(8, 3)]"), json!(2));
        assert_eq!(ok("[div(-7, 2)]"), json!(-3));
        assert_eq!(ok("[mod(7, 3)]"), json!(1));
        assert_eq!(ok("[mod(-7, 3)]"), json!(-1));
        assert_eq!(ok("[int('4')]"), json!(4));
        assert_eq!(ok("[float('1.5')]"), json!(1.5));
        assert_eq!(ok("[min(createArray(0, 3, 2))]"), json!(0));
        assert_eq!(ok("[max(0, 3, 2)]"), json!(3));
    }

    #[test]
    fn errors() {
        assert!(fails("[div(1, 0)]").message.contains("division by zero"));
        assert!(fails("[add(9223372036854775807, 1)]")
            .message
            .contains("overflow"));
        assert!(fails("[int('x')]").message.contains("not an integer"));
        assert!(fails("[add('a', 1)]").message.contains("integer"));
        assert!(fails("[copyIndex()]").message.contains("copy loop"));
        assert!(fails("[min(createArray())]")
            .message
            .contains("at least one"));
    }
}
