//! Lambda functions: `filter`, `map`, `reduce`, `sort`, `toObject`, `groupBy`, `mapValues`, and
//! `lambda` / `lambdaVariables` themselves.

use std::cmp::Ordering;

use super::super::ast::{Expr, ExprKind};
use super::super::interp::{error_at, Interp};
use super::super::EvalError;
use super::{lazy, to_arm_string, Def, MANY};
use crate::value::{Object, Unknown, Value};

pub(super) const FUNCTIONS: &[Def] = &[
    lazy("filter", 2, 2, filter),
    lazy("map", 2, 2, map),
    lazy("reduce", 3, 3, reduce),
    lazy("sort", 2, 2, sort),
    lazy("toobject", 2, 3, to_object),
    lazy("groupby", 2, 2, group_by),
    lazy("mapvalues", 2, 2, map_values),
    lazy("lambda", 1, MANY, lambda_alone),
    lazy("lambdavariables", 1, 1, lambda_variables),
];

/// A lambda argument: its parameter names and body.
struct Lambda<'e> {
    params: Vec<String>,
    body: &'e Expr,
}

fn lambda_of<'e>(
    fname: &str,
    e: &'e Expr,
    min: usize,
    max: usize,
) -> Result<Lambda<'e>, EvalError> {
    let ExprKind::Call {
        namespace: None,
        name,
        args,
    } = &e.kind
    else {
        return Err(error_at(
            e.position,
            format!("{fname}: expected a lambda(...) here"),
        ));
    };
    if !name.eq_ignore_ascii_case("lambda") || args.is_empty() {
        return Err(error_at(
            e.position,
            format!("{fname}: expected a lambda(...) here"),
        ));
    }
    let (body, names) = args
        .split_last()
        .ok_or_else(|| error_at(e.position, "empty lambda"))?;
    let mut params = Vec::new();
    for n in names {
        match &n.kind {
            ExprKind::String(s) => params.push(s.clone()),
            _ => {
                return Err(error_at(
                    n.position,
                    format!("{fname}: lambda parameter names must be string literals"),
                ))
            }
        }
    }
    if params.len() < min || params.len() > max {
        return Err(error_at(
            e.position,
            format!(
                "{fname}: the lambda must take {} parameter(s), but takes {}",
                if min == max {
                    min.to_string()
                } else {
                    format!("{min} to {max}")
                },
                params.len()
            ),
        ));
    }
    Ok(Lambda { params, body })
}

impl Lambda<'_> {
    /// Calls the lambda; extra arguments beyond its parameters are ignored (optional index).
    fn call(&self, it: &Interp<'_>, args: Vec<Value>) -> Result<Value, EvalError> {
        it.step(self.body.position)?;
        let n = self.params.len();
        {
            let mut vars = it.lambda_vars.borrow_mut();
            for (p, v) in self.params.iter().zip(args) {
                vars.push((p.clone(), v));
            }
        }
        let result = it.eval(self.body);
        let mut vars = it.lambda_vars.borrow_mut();
        let keep = vars.len().saturating_sub(n);
        vars.truncate(keep);
        result
    }
}

/// Evaluates the collection argument; `Err(Value)` short-circuits with an unknown.
fn collection(
    it: &Interp<'_>,
    node: &Expr,
    fname: &str,
    e: &Expr,
) -> Result<Result<Vec<Value>, Value>, EvalError> {
    match it.eval(e)? {
        Value::Array(a) => Ok(Ok(a)),
        Value::Unknown(u) => Ok(Err(Value::Unknown(Unknown::derived(fname, vec![u])))),
        other => Err(error_at(
            node.position,
            format!(
                "{fname}: argument 1 must be an array, but a value of type {} was given",
                other.type_name()
            ),
        )),
    }
}

macro_rules! items_or_return {
    ($e:expr) => {
        match $e? {
            Ok(items) => items,
            Err(unknown) => return Ok(unknown),
        }
    };
}

fn filter(it: &Interp<'_>, node: &Expr, name: &str, args: &[Expr]) -> Result<Value, EvalError> {
    let items = items_or_return!(collection(it, node, name, &args[0]));
    let l = lambda_of(name, &args[1], 1, 2)?;
    let mut out = Vec::new();
    for (i, item) in items.into_iter().enumerate() {
        match l.call(it, vec![item.clone(), Value::Int(i as i64)])? {
            Value::Bool(true) => out.push(item),
            Value::Bool(false) => {}
            Value::Unknown(u) => return Ok(Value::Unknown(Unknown::derived(name, vec![u]))),
            other => {
                return Err(error_at(
                    node.position,
                    format!(
                        "{name}: the lambda must return a boolean, but returned {}",
                        other.type_name()
                    ),
                ))
            }
        }
    }
    Ok(Value::Array(out))
}

fn map(it: &Interp<'_>, node: &Expr, name: &str, args: &[Expr]) -> Result<Value, EvalError> {
    let items = items_or_return!(collection(it, node, name, &args[0]));
    let l = lambda_of(name, &args[1], 1, 2)?;
    let out = items
        .into_iter()
        .enumerate()
        .map(|(i, item)| l.call(it, vec![item, Value::Int(i as i64)]))
        .collect::<Result<_, _>>()?;
    Ok(Value::Array(out))
}

fn reduce(it: &Interp<'_>, node: &Expr, name: &str, args: &[Expr]) -> Result<Value, EvalError> {
    let items = items_or_return!(collection(it, node, name, &args[0]));
    let mut acc = it.eval(&args[1])?;
    let l = lambda_of(name, &args[2], 2, 3)?;
    for (i, item) in items.into_iter().enumerate() {
        acc = l.call(it, vec![acc, item, Value::Int(i as i64)])?;
    }
    Ok(acc)
}

/// Stable merge sort with a fallible "a comes before b" lambda; never panics on an inconsistent one.
fn sort(it: &Interp<'_>, node: &Expr, name: &str, args: &[Expr]) -> Result<Value, EvalError> {
    let items = items_or_return!(collection(it, node, name, &args[0]));
    let l = lambda_of(name, &args[1], 2, 2)?;
    let before = |a: &Value, b: &Value| -> Result<Option<bool>, EvalError> {
        match l.call(it, vec![a.clone(), b.clone()])? {
            Value::Bool(x) => Ok(Some(x)),
            Value::Unknown(_) => Ok(None),
            other => Err(error_at(
                node.position,
                format!(
                    "{name}: the lambda must return a boolean, but returned {}",
                    other.type_name()
                ),
            )),
        }
    };
    let mut unknown = false;
    let sorted = merge_sort(items, &mut |a, b| {
        Ok(match before(b, a)? {
            Some(true) => Ordering::Greater,
            Some(false) => Ordering::Less,
            None => {
                unknown = true;
                Ordering::Less
            }
        })
    })?;
    if unknown {
        return Ok(Value::Unknown(Unknown::derived(
            name,
            sorted.iter().flat_map(|v| v.unknowns()).cloned().collect(),
        )));
    }
    Ok(Value::Array(sorted))
}

/// `cmp(a, b) == Greater` means b goes first.
fn merge_sort(
    mut items: Vec<Value>,
    cmp: &mut dyn FnMut(&Value, &Value) -> Result<Ordering, EvalError>,
) -> Result<Vec<Value>, EvalError> {
    if items.len() <= 1 {
        return Ok(items);
    }
    let right = items.split_off(items.len() / 2);
    let left = merge_sort(items, cmp)?;
    let right = merge_sort(right, cmp)?;
    let mut out = Vec::with_capacity(left.len() + right.len());
    let mut l = left.into_iter().peekable();
    let mut r = right.into_iter().peekable();
    loop {
        match (l.peek(), r.peek()) {
            (Some(a), Some(b)) => {
                if cmp(a, b)? == Ordering::Greater {
                    out.extend(r.next());
                } else {
                    out.extend(l.next());
                }
            }
            (Some(_), None) => out.extend(l.next()),
            (None, Some(_)) => out.extend(r.next()),
            (None, None) => break,
        }
    }
    Ok(out)
}

fn key_string(it_name: &str, node: &Expr, v: Value) -> Result<String, EvalError> {
    match v {
        Value::String(s) => Ok(s),
        Value::Int(_) | Value::Bool(_) => Ok(to_arm_string(&v)),
        Value::Unknown(u) => Ok(Value::Unknown(u).to_display_string()),
        other => Err(error_at(
            node.position,
            format!(
                "{it_name}: keys must be strings, but the lambda returned {}",
                other.type_name()
            ),
        )),
    }
}

fn to_object(it: &Interp<'_>, node: &Expr, name: &str, args: &[Expr]) -> Result<Value, EvalError> {
    let items = items_or_return!(collection(it, node, name, &args[0]));
    let key = lambda_of(name, &args[1], 1, 1)?;
    let value = args.get(2).map(|e| lambda_of(name, e, 1, 1)).transpose()?;
    let mut out = Object::new();
    for item in items {
        let k = key_string(name, node, key.call(it, vec![item.clone()])?)?;
        let v = match &value {
            Some(l) => l.call(it, vec![item])?,
            None => item,
        };
        out.insert(k, v);
    }
    Ok(Value::Object(out))
}

fn group_by(it: &Interp<'_>, node: &Expr, name: &str, args: &[Expr]) -> Result<Value, EvalError> {
    let items = items_or_return!(collection(it, node, name, &args[0]));
    let key = lambda_of(name, &args[1], 1, 1)?;
    let mut out = Object::new();
    for item in items {
        let k = key_string(name, node, key.call(it, vec![item.clone()])?)?;
        if let Value::Array(group) = out.entry(k).or_insert_with(|| Value::Array(Vec::new())) {
            group.push(item);
        }
    }
    Ok(Value::Object(out))
}

fn map_values(it: &Interp<'_>, node: &Expr, name: &str, args: &[Expr]) -> Result<Value, EvalError> {
    let object = match it.eval(&args[0])? {
        Value::Object(o) => o,
        Value::Unknown(u) => return Ok(Value::Unknown(Unknown::derived(name, vec![u]))),
        other => {
            return Err(error_at(
                node.position,
                format!(
                    "{name}: argument 1 must be an object, but a value of type {} was given",
                    other.type_name()
                ),
            ))
        }
    };
    let l = lambda_of(name, &args[1], 1, 1)?;
    let mut out = Object::new();
    for (k, v) in object {
        out.insert(k, l.call(it, vec![v])?);
    }
    Ok(Value::Object(out))
}

fn lambda_alone(_: &Interp<'_>, node: &Expr, name: &str, _: &[Expr]) -> Result<Value, EvalError> {
    Err(error_at(
        node.position,
        format!("{name}: a lambda can only be an argument of filter, map, reduce, sort, toObject, groupBy or mapValues"),
    ))
}

fn lambda_variables(
    it: &Interp<'_>,
    node: &Expr,
    name: &str,
    args: &[Expr],
) -> Result<Value, EvalError> {
    let var = match it.eval(&args[0])? {
        Value::String(s) => s,
        other => {
            return Err(error_at(
                node.position,
                format!(
                    "{name}: the variable name must be a string, not {}",
                    other.type_name()
                ),
            ))
        }
    };
    it.lambda_var(&var).ok_or_else(|| {
        error_at(
            node.position,
            format!("{name}: no lambda variable '{var}' is in scope"),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::super::testing::{fails, ok};
    use serde_json::json;

    const DOGS: &str = "createArray(createObject('name', 'Evie', 'age', 5), createObject('name', 'Casper', 'age', 3), createObject('name', 'Indy', 'age', 2))";

    fn with_dogs(t: &str) -> serde_json::Value {
        ok(&t.replace("DOGS", DOGS))
    }

    #[test]
    fn lambdas() {
        assert_eq!(
            with_dogs(
                "[filter(DOGS, lambda('dog', greaterOrEquals(lambdaVariables('dog').age, 3)))]"
            )
            .as_array()
            .map(Vec::len),
            Some(2)
        );
        assert_eq!(
            with_dogs("[map(DOGS, lambda('dog', lambdaVariables('dog').name))]"),
            json!(["Evie", "Casper", "Indy"])
        );
        assert_eq!(
            with_dogs("[map(DOGS, lambda('dog', 'i', lambdaVariables('i')))]"),
            json!([0, 1, 2])
        );
        assert_eq!(
            with_dogs("[reduce(DOGS, 0, lambda('cur', 'next', add(lambdaVariables('cur'), lambdaVariables('next').age)))]"),
            json!(10)
        );
        assert_eq!(
            with_dogs("[map(sort(DOGS, lambda('a', 'b', less(lambdaVariables('a').age, lambdaVariables('b').age))), lambda('d', lambdaVariables('d').name))]"),
            json!(["Indy", "Casper", "Evie"])
        );
        assert_eq!(
            with_dogs("[toObject(DOGS, lambda('d', lambdaVariables('d').name), lambda('d', lambdaVariables('d').age))]"),
            json!({"Evie": 5, "Casper": 3, "Indy": 2})
        );
        assert_eq!(
            ok("[groupBy(createArray('foo', 'bar', 'baz'), lambda('x', substring(lambdaVariables('x'), 0, 1)))]"),
            json!({"f": ["foo"], "b": ["bar", "baz"]})
        );
        assert_eq!(
            ok("[mapValues(createObject('a', 'x'), lambda('v', toUpper(lambdaVariables('v'))))]"),
            json!({"a": "X"})
        );
        // Nested lambdas see outer variables.
        assert_eq!(
            ok("[map(createArray(1, 2), lambda('x', map(createArray(10), lambda('y', add(lambdaVariables('x'), lambdaVariables('y'))))))]"),
            json!([[11], [12]])
        );
    }

    #[test]
    fn errors() {
        assert!(fails("[lambdaVariables('x')]")
            .message
            .contains("no lambda variable"));
        assert!(fails("[map(createArray(1), 'x')]")
            .message
            .contains("expected a lambda"));
        assert!(fails("[filter(createArray(1), lambda('x', 1))]")
            .message
            .contains("boolean"));
        assert!(fails("[reduce(createArray(1), 0, lambda('x', 1))]")
            .message
            .contains("2 to 3"));
        assert!(fails("[lambda('x', 1)]")
            .message
            .contains("only be an argument"));
        assert!(fails("[map('abc', lambda('x', 1))]")
            .message
            .contains("must be an array"));
    }

    #[test]
    fn inconsistent_sort_lambda_does_not_panic() {
        let v = ok("[sort(range(0, 50), lambda('a', 'b', true()))]");
        assert_eq!(v.as_array().map(Vec::len), Some(50));
    }
}
