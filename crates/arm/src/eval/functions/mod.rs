//! Every template function, one file per family, behind one registry.

use std::collections::HashMap;
use std::sync::OnceLock;

use super::ast::Expr;
use super::interp::{error_at, Interp};
use super::EvalError;
use crate::value::{Object, Unknown, Value};

mod array;
mod cidr;
mod comparison;
mod date;
mod deployment;
pub(crate) mod format;
pub mod hash;
mod lambda;
mod lenient_json;
mod logical;
mod numeric;
mod object;
mod resource;
pub(crate) mod scope;
mod string;
mod uri_parts;
pub(crate) mod user;

/// How a function receives its arguments.
#[derive(Clone, Copy)]
pub(crate) enum Imp {
    /// Arguments evaluated first. Unless `handles_unknown`, unknown arguments give a derived unknown.
    Eager(fn(&Call<'_, '_>) -> Result<Value, EvalError>),
    /// Arguments passed unevaluated (`if`, `and`, lambdas, ...).
    Lazy(fn(&Interp<'_>, &Expr, &str, &[Expr]) -> Result<Value, EvalError>),
}

/// A registry entry.
#[derive(Clone, Copy)]
pub(crate) struct Def {
    /// Lower-case name.
    pub name: &'static str,
    pub min: usize,
    /// `usize::MAX` for variadic.
    pub max: usize,
    /// True if the function copes with unknown arguments itself (keeps known structure).
    pub handles_unknown: bool,
    /// True if only the shape of its arguments matters (keys, length, order), not the values
    /// inside: an argument that is unknown as a whole makes the result unknown, unknown values
    /// inside a known array or object do not.
    pub structural: bool,
    pub imp: Imp,
}

/// An eager function of the given unknown-handling kind.
const fn eager(
    name: &'static str,
    min: usize,
    max: usize,
    handles_unknown: bool,
    structural: bool,
    imp: fn(&Call<'_, '_>) -> Result<Value, EvalError>,
) -> Def {
    Def {
        name,
        min,
        max,
        handles_unknown,
        structural,
        imp: Imp::Eager(imp),
    }
}

/// Shorthand for an eager function that derives an unknown from unknown arguments.
pub(crate) const fn f(
    name: &'static str,
    min: usize,
    max: usize,
    imp: fn(&Call<'_, '_>) -> Result<Value, EvalError>,
) -> Def {
    eager(name, min, max, false, false, imp)
}

/// An eager function that only looks at the shape of its arguments (see [`Def::structural`]).
pub(crate) const fn fs(
    name: &'static str,
    min: usize,
    max: usize,
    imp: fn(&Call<'_, '_>) -> Result<Value, EvalError>,
) -> Def {
    eager(name, min, max, false, true, imp)
}

/// An eager function that handles unknown arguments itself.
pub(crate) const fn fu(
    name: &'static str,
    min: usize,
    max: usize,
    imp: fn(&Call<'_, '_>) -> Result<Value, EvalError>,
) -> Def {
    eager(name, min, max, true, false, imp)
}

/// A lazy function.
pub(crate) const fn lazy(
    name: &'static str,
    min: usize,
    max: usize,
    imp: fn(&Interp<'_>, &Expr, &str, &[Expr]) -> Result<Value, EvalError>,
) -> Def {
    Def {
        name,
        min,
        max,
        handles_unknown: true,
        structural: false,
        imp: Imp::Lazy(imp),
    }
}

pub(crate) const MANY: usize = usize::MAX;

fn registry() -> &'static HashMap<&'static str, Def> {
    static REGISTRY: OnceLock<HashMap<&'static str, Def>> = OnceLock::new();
    REGISTRY.get_or_init(|| {
        let mut map = HashMap::new();
        for family in [
            array::FUNCTIONS,
            cidr::FUNCTIONS,
            comparison::FUNCTIONS,
            date::FUNCTIONS,
            deployment::FUNCTIONS,
            lambda::FUNCTIONS,
            logical::FUNCTIONS,
            numeric::FUNCTIONS,
            object::FUNCTIONS,
            resource::FUNCTIONS,
            scope::FUNCTIONS,
            string::FUNCTIONS,
            uri_parts::FUNCTIONS,
        ] {
            for def in family {
                map.insert(def.name, *def);
            }
        }
        map
    })
}

/// True if `name` is a built-in template function (case-insensitive; `list*` included).
pub fn is_known_function(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    registry().contains_key(lower.as_str()) || resource::is_list_function(&lower)
}

/// Evaluates a call node.
pub(crate) fn call(
    it: &Interp<'_>,
    node: &Expr,
    namespace: Option<&str>,
    name: &str,
    args: &[Expr],
) -> Result<Value, EvalError> {
    if let Some(ns) = namespace {
        return user::call_user_function(it, node, ns, name, args);
    }
    // Lower-case into a stack buffer: calls are hot and names are short.
    let mut buf = [0u8; 64];
    let lower = if name.len() <= buf.len() {
        let bytes = &mut buf[..name.len()];
        bytes.copy_from_slice(name.as_bytes());
        bytes.make_ascii_lowercase();
        std::str::from_utf8(bytes).unwrap_or(name)
    } else {
        name
    };
    let def = match registry().get(lower) {
        Some(def) => *def,
        None if resource::is_list_function(&lower.to_ascii_lowercase()) => resource::LIST_DEF,
        None => {
            let values = eval_args(it, args)?;
            return match it.scope.call_extension(name, &values) {
                Some(r) => r.map_err(|e| at_call(e, node.position, name)),
                None => Err(error_at(
                    node.position,
                    format!("the template function '{name}' is not valid"),
                )),
            };
        }
    };
    if args.len() < def.min || args.len() > def.max {
        return Err(error_at(
            node.position,
            arity_message(name, &def, args.len()),
        ));
    }
    match def.imp {
        Imp::Lazy(imp) => imp(it, node, name, args),
        Imp::Eager(imp) => {
            let values = eval_args(it, args)?;
            let blocked = if def.structural {
                values.iter().any(|v| matches!(v, Value::Unknown(_)))
            } else {
                values.iter().any(Value::contains_unknown)
            };
            if !def.handles_unknown && blocked {
                let unknowns: Vec<Unknown> = if def.structural {
                    values
                        .iter()
                        .filter_map(Value::as_unknown)
                        .cloned()
                        .collect()
                } else {
                    values.iter().flat_map(|v| v.unknowns()).cloned().collect()
                };
                if let Some(partial) =
                    resource::partial_resource_id(it, name, node.position, imp, &values, &unknowns)
                {
                    return Ok(partial);
                }
                if let Some(partial) =
                    resource::partial_text(it, name, node.position, imp, &values, &unknowns)
                {
                    return Ok(partial);
                }
                if !unknowns.is_empty() {
                    // The known arguments are part of the value: `guid(x, 'a')` and `guid(x, 'b')`
                    // are two values however alike they print.
                    return Ok(Value::Unknown(Unknown::derived_text(
                        name,
                        known_arguments(&values),
                        unknowns,
                    )));
                }
            }
            let call = Call {
                it,
                name,
                position: node.position,
                args: values,
            };
            imp(&call)
        }
    }
}

/// The arguments of a call with each unknown replaced by a hole: what tells two derived unknowns
/// from the same inputs apart (see [`crate::value::Origin::Derived`]).
fn known_arguments(values: &[Value]) -> String {
    fn write(v: &Value, out: &mut String) {
        match v {
            Value::Unknown(_) => out.push('\u{1}'),
            Value::Array(items) => {
                out.push('[');
                for item in items {
                    write(item, out);
                    out.push(',');
                }
                out.push(']');
            }
            Value::Object(o) => {
                out.push('{');
                for (k, item) in o {
                    out.push_str(&serde_json::Value::String(k.clone()).to_string());
                    out.push(':');
                    write(item, out);
                    out.push(',');
                }
                out.push('}');
            }
            other => out.push_str(&other.to_json().to_string()),
        }
    }
    let mut out = String::new();
    for v in values {
        write(v, &mut out);
        out.push('\u{2}');
    }
    out
}

fn arity_message(name: &str, def: &Def, got: usize) -> String {
    let expected = if def.min == def.max {
        format!("{}", def.min)
    } else if def.max == MANY {
        format!("at least {}", def.min)
    } else {
        format!("between {} and {}", def.min, def.max)
    };
    format!("the template function '{name}' expects {expected} argument(s) but got {got}")
}

fn at_call(mut e: EvalError, position: usize, name: &str) -> EvalError {
    if e.position == 0 {
        e.position = position;
        if !e.message.contains(name) {
            e.message = format!("{name}: {}", e.message);
        }
    }
    e
}

pub(crate) fn eval_args(it: &Interp<'_>, args: &[Expr]) -> Result<Vec<Value>, EvalError> {
    args.iter().map(|a| it.eval(a)).collect()
}

/// An eager call: its evaluated arguments and where it is.
pub(crate) struct Call<'a, 'i> {
    pub it: &'a Interp<'i>,
    /// The name as written.
    pub name: &'a str,
    pub position: usize,
    pub args: Vec<Value>,
}

impl Call<'_, '_> {
    /// An error naming this function, at its position.
    pub fn err(&self, message: impl std::fmt::Display) -> EvalError {
        error_at(self.position, format!("{}: {message}", self.name))
    }

    /// Attaches this call's position to an error raised by the scope.
    pub fn scope_err(&self, e: EvalError) -> EvalError {
        at_call(e, self.position, self.name)
    }

    fn type_err(&self, i: usize, expected: &str) -> EvalError {
        let got = self.args.get(i).map_or("nothing", Value::type_name);
        self.err(format!(
            "argument {} must be {expected}, but a value of type {got} was given",
            i + 1
        ))
    }

    /// Argument `i`, or null when absent.
    pub fn arg(&self, i: usize) -> &Value {
        static NULL: Value = Value::Null;
        self.args.get(i).unwrap_or(&NULL)
    }

    /// Argument `i` as a string.
    pub fn str(&self, i: usize) -> Result<&str, EvalError> {
        match self.args.get(i) {
            Some(Value::String(s)) => Ok(s),
            _ => Err(self.type_err(i, "a string")),
        }
    }

    /// Argument `i` as an integer (integral floats accepted).
    pub fn int(&self, i: usize) -> Result<i64, EvalError> {
        match self.args.get(i) {
            Some(Value::Int(n)) => Ok(*n),
            Some(Value::Float(x)) if x.fract() == 0.0 && x.abs() < 9.2e18 => Ok(*x as i64),
            _ => Err(self.type_err(i, "an integer")),
        }
    }

    /// Argument `i` as a boolean.
    pub fn bool(&self, i: usize) -> Result<bool, EvalError> {
        match self.args.get(i) {
            Some(Value::Bool(b)) => Ok(*b),
            _ => Err(self.type_err(i, "a boolean")),
        }
    }

    /// Argument `i` as an array.
    pub fn array(&self, i: usize) -> Result<&[Value], EvalError> {
        match self.args.get(i) {
            Some(Value::Array(a)) => Ok(a),
            _ => Err(self.type_err(i, "an array")),
        }
    }

    /// Argument `i` as an object.
    pub fn object(&self, i: usize) -> Result<&Object, EvalError> {
        match self.args.get(i) {
            Some(Value::Object(o)) => Ok(o),
            _ => Err(self.type_err(i, "an object")),
        }
    }

    /// A type error for argument `i`.
    pub fn expected(&self, i: usize, what: &str) -> EvalError {
        self.type_err(i, what)
    }

    /// Checks a string against the size budget.
    pub fn check_string(&self, s: String) -> Result<Value, EvalError> {
        if s.len() > self.it.limits.max_string_bytes {
            return Err(self.err(format!(
                "the result is {} bytes long; the limit is {}",
                s.len(),
                self.it.limits.max_string_bytes
            )));
        }
        Ok(Value::String(s))
    }

    /// Checks a collection length against the size budget.
    pub fn check_len(&self, len: usize) -> Result<(), EvalError> {
        if len > self.it.limits.max_collection_len {
            return Err(self.err(format!(
                "the result has {len} elements; the limit is {}",
                self.it.limits.max_collection_len
            )));
        }
        Ok(())
    }

    /// All unknowns among the arguments.
    pub fn unknowns(&self) -> Vec<Unknown> {
        self.args
            .iter()
            .flat_map(|v| v.unknowns())
            .cloned()
            .collect()
    }

    /// A derived unknown named after this function from its unknown arguments.
    pub fn derived(&self) -> Value {
        Value::Unknown(Unknown::derived(self.name, self.unknowns()))
    }
}

/// ARM's `string()` rendering: strings as-is, booleans `True`/`False`, JSON for the rest.
pub(crate) fn to_arm_string(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Bool(true) => "True".into(),
        Value::Bool(false) => "False".into(),
        Value::Null => String::new(),
        Value::Int(i) => i.to_string(),
        Value::Unknown(_) => v.to_display_string(),
        other => other.to_json().to_string(),
    }
}

/// Deep equality as ARM's `equals` sees it: case-sensitive strings, case-insensitive keys,
/// integers equal to integral floats.
pub(crate) fn values_equal(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Int(x), Value::Float(y)) | (Value::Float(y), Value::Int(x)) => (*x as f64) == *y,
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| values_equal(p, q))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter().all(|(k, v)| {
                    crate::value::object_get(y, k).is_some_and(|w| values_equal(v, w))
                })
        }
        _ => a == b,
    }
}

#[cfg(test)]
pub(crate) mod testing;
