//! TEMPORARY minimal evaluator so expansion can be built and tested before the real evaluator
//! (`crate::eval`, branch `expr`) lands. Delete when merging `expr`.
#![allow(dead_code)]

use crate::eval::{is_expression, EvalError, EvalScope};
use crate::value::{Object, Origin, Unknown, Value};

pub fn evaluate_string(text: &str, scope: &dyn EvalScope) -> Result<Value, EvalError> {
    if !is_expression(text) {
        if let Some(rest) = text.strip_prefix("[[") {
            return Ok(Value::String(format!("[{rest}")));
        }
        return Ok(Value::String(text.to_string()));
    }
    let inner = &text[1..text.len() - 1];
    let mut p = P {
        s: inner.as_bytes(),
        i: 0,
    };
    let e = p.expr().map_err(|m| err(text, m, p.i))?;
    eval(&e, scope).map_err(|mut e| {
        e.expression = text.into();
        e
    })
}

fn err(text: &str, m: String, pos: usize) -> EvalError {
    EvalError {
        message: m,
        expression: text.into(),
        position: pos + 2,
    }
}

enum E {
    S(String),
    I(i64),
    Call(String, Vec<E>),
    Prop(Box<E>, String),
    Idx(Box<E>, Box<E>),
}

struct P<'a> {
    s: &'a [u8],
    i: usize,
}

impl P<'_> {
    fn ws(&mut self) {
        while self.i < self.s.len() && self.s[self.i].is_ascii_whitespace() {
            self.i += 1;
        }
    }
    fn expr(&mut self) -> Result<E, String> {
        self.ws();
        let mut e = match self.s.get(self.i) {
            Some(b'\'') => {
                self.i += 1;
                let mut out = Vec::new();
                loop {
                    match self.s.get(self.i) {
                        None => return Err("unterminated string".into()),
                        Some(b'\'') if self.s.get(self.i + 1) == Some(&b'\'') => {
                            out.push(b'\'');
                            self.i += 2;
                        }
                        Some(b'\'') => {
                            self.i += 1;
                            break;
                        }
                        Some(c) => {
                            out.push(*c);
                            self.i += 1;
                        }
                    }
                }
                E::S(String::from_utf8_lossy(&out).into_owned())
            }
            Some(c) if c.is_ascii_digit() || *c == b'-' => {
                let st = self.i;
                self.i += 1;
                while self.i < self.s.len() && self.s[self.i].is_ascii_digit() {
                    self.i += 1;
                }
                let t = std::str::from_utf8(&self.s[st..self.i]).unwrap_or("0");
                E::I(t.parse().map_err(|_| format!("bad number {t}"))?)
            }
            Some(c) if c.is_ascii_alphabetic() => {
                let name = self.ident();
                self.ws();
                if self.s.get(self.i) != Some(&b'(') {
                    return Err(format!("expected ( after {name}"));
                }
                self.i += 1;
                let mut args = Vec::new();
                self.ws();
                if self.s.get(self.i) == Some(&b')') {
                    self.i += 1;
                } else {
                    loop {
                        args.push(self.expr()?);
                        self.ws();
                        match self.s.get(self.i) {
                            Some(b',') => self.i += 1,
                            Some(b')') => {
                                self.i += 1;
                                break;
                            }
                            _ => return Err("expected , or )".into()),
                        }
                    }
                }
                E::Call(name, args)
            }
            _ => return Err("unexpected character".into()),
        };
        loop {
            self.ws();
            match self.s.get(self.i) {
                Some(b'.') => {
                    self.i += 1;
                    let n = self.ident();
                    e = E::Prop(Box::new(e), n);
                }
                Some(b'[') => {
                    self.i += 1;
                    let ix = self.expr()?;
                    self.ws();
                    if self.s.get(self.i) != Some(&b']') {
                        return Err("expected ]".into());
                    }
                    self.i += 1;
                    e = E::Idx(Box::new(e), Box::new(ix));
                }
                _ => return Ok(e),
            }
        }
    }
    fn ident(&mut self) -> String {
        let st = self.i;
        while self.i < self.s.len()
            && (self.s[self.i].is_ascii_alphanumeric() || self.s[self.i] == b'_' || self.s[self.i] == b'.' && false)
        {
            self.i += 1;
        }
        String::from_utf8_lossy(&self.s[st..self.i]).into_owned()
    }
}

fn member(v: Value, key: &str) -> Result<Value, EvalError> {
    match v {
        Value::Unknown(u) => Ok(Value::Unknown(extend(u, key))),
        Value::Object(_) => v
            .get(key)
            .cloned()
            .ok_or_else(|| EvalError::new(format!("property '{key}' does not exist"))),
        other => Err(EvalError::new(format!(
            "cannot read property '{key}' of {}",
            other.type_name()
        ))),
    }
}

fn extend(u: Unknown, key: &str) -> Unknown {
    match u.origin() {
        Origin::RuntimeProperty { resource, path } => Unknown::new(Origin::RuntimeProperty {
            resource: resource.clone(),
            path: if path.is_empty() {
                key.to_string()
            } else {
                format!("{path}.{key}")
            },
        }),
        _ => u,
    }
}

fn s(v: &Value) -> String {
    v.to_display_string()
}

fn eval(e: &E, sc: &dyn EvalScope) -> Result<Value, EvalError> {
    match e {
        E::S(x) => Ok(Value::String(x.clone())),
        E::I(i) => Ok(Value::Int(*i)),
        E::Prop(b, k) => member(eval(b, sc)?, k),
        E::Idx(b, i) => {
            let b = eval(b, sc)?;
            let i = eval(i, sc)?;
            match (b, i) {
                (Value::Array(a), Value::Int(n)) => a
                    .get(n as usize)
                    .cloned()
                    .ok_or_else(|| EvalError::new("index out of range")),
                (b, Value::String(k)) => member(b, &k),
                (Value::Unknown(u), _) => Ok(Value::Unknown(u)),
                _ => Err(EvalError::new("bad index")),
            }
        }
        E::Call(name, args) => {
            let lname = name.to_ascii_lowercase();
            if lname == "if" && args.len() == 3 {
                return match eval(&args[0], sc)? {
                    Value::Bool(true) => eval(&args[1], sc),
                    Value::Bool(false) => eval(&args[2], sc),
                    Value::Unknown(u) => Ok(Value::Unknown(Unknown::derived("if", vec![u]))),
                    _ => Err(EvalError::new("if needs a bool")),
                };
            }
            let a: Vec<Value> = args
                .iter()
                .map(|x| eval(x, sc))
                .collect::<Result<_, _>>()?;
            call(&lname, a, sc)
        }
    }
}

fn unknowns(a: &[Value]) -> Vec<Unknown> {
    a.iter().filter_map(|v| v.as_unknown().cloned()).collect()
}

fn call(name: &str, a: Vec<Value>, sc: &dyn EvalScope) -> Result<Value, EvalError> {
    let str_arg = |i: usize| -> Result<String, EvalError> {
        a.get(i)
            .map(s)
            .ok_or_else(|| EvalError::new(format!("{name}: missing argument {}", i + 1)))
    };
    let ctx = sc.context();
    Ok(match name {
        "parameters" => sc.parameter(&str_arg(0)?)?,
        "variables" => sc.variable(&str_arg(0)?)?,
        "copyindex" => {
            let (loop_name, off) = match a.as_slice() {
                [] => (None, 0),
                [Value::Int(o)] => (None, *o),
                [Value::String(n)] => (Some(n.clone()), 0),
                [Value::String(n), Value::Int(o)] => (Some(n.clone()), *o),
                _ => return Err(EvalError::new("bad copyIndex args")),
            };
            Value::Int(sc.copy_index(loop_name.as_deref())? + off)
        }
        "deployment" => sc.deployment(),
        "reference" => {
            let full = a
                .get(2)
                .and_then(Value::as_str)
                .map(|x| x.eq_ignore_ascii_case("full"))
                .unwrap_or(false);
            sc.reference(&a[0], a.get(1), full)?
        }
        "references" => sc.references(&str_arg(0)?, a.len() > 1)?,
        _ if !unknowns(&a).is_empty() && name != "createobject" && name != "createarray" => {
            Value::Unknown(Unknown::derived(name, unknowns(&a)))
        }
        "concat" => {
            if a.iter().all(|v| matches!(v, Value::Array(_))) && !a.is_empty() {
                Value::Array(
                    a.into_iter()
                        .flat_map(|v| match v {
                            Value::Array(x) => x,
                            _ => vec![],
                        })
                        .collect(),
                )
            } else {
                Value::String(a.iter().map(s).collect())
            }
        }
        "format" => {
            let f = str_arg(0)?;
            let mut out = f.clone();
            for (i, v) in a.iter().skip(1).enumerate() {
                out = out.replace(&format!("{{{i}}}"), &s(v));
            }
            Value::String(out)
        }
        "string" => Value::String(s(&a[0])),
        "tolower" => Value::String(str_arg(0)?.to_lowercase()),
        "toupper" => Value::String(str_arg(0)?.to_uppercase()),
        "equals" => Value::Bool(a.first() == a.get(1)),
        "not" => Value::Bool(!matches!(a.first(), Some(Value::Bool(true)))),
        "and" => Value::Bool(a.iter().all(|v| *v == Value::Bool(true))),
        "or" => Value::Bool(a.iter().any(|v| *v == Value::Bool(true))),
        "true" => Value::Bool(true),
        "false" => Value::Bool(false),
        "null" => Value::Null,
        "add" => match (&a[0], &a[1]) {
            (Value::Int(x), Value::Int(y)) => Value::Int(x + y),
            _ => return Err(EvalError::new("add needs ints")),
        },
        "sub" => match (&a[0], &a[1]) {
            (Value::Int(x), Value::Int(y)) => Value::Int(x - y),
            _ => return Err(EvalError::new("sub needs ints")),
        },
        "mul" => match (&a[0], &a[1]) {
            (Value::Int(x), Value::Int(y)) => Value::Int(x * y),
            _ => return Err(EvalError::new("mul needs ints")),
        },
        "int" => match &a[0] {
            Value::Int(x) => Value::Int(*x),
            Value::String(x) => Value::Int(x.parse().map_err(|_| EvalError::new("int"))?),
            _ => return Err(EvalError::new("int")),
        },
        "length" => match &a[0] {
            Value::Array(x) => Value::Int(x.len() as i64),
            Value::String(x) => Value::Int(x.chars().count() as i64),
            Value::Object(x) => Value::Int(x.len() as i64),
            _ => return Err(EvalError::new("length")),
        },
        "range" => match (&a[0], &a[1]) {
            (Value::Int(x), Value::Int(y)) => Value::Array((*x..x + y).map(Value::Int).collect()),
            _ => return Err(EvalError::new("range")),
        },
        "createarray" => Value::Array(a),
        "createobject" => {
            let mut o = Object::new();
            for pair in a.chunks(2) {
                if let [k, v] = pair {
                    o.insert(s(k), v.clone());
                }
            }
            Value::Object(o)
        }
        "empty" => Value::Bool(match &a[0] {
            Value::Array(x) => x.is_empty(),
            Value::String(x) => x.is_empty(),
            Value::Object(x) => x.is_empty(),
            Value::Null => true,
            _ => false,
        }),
        "json" => Value::from_json(
            &serde_json::from_str(&str_arg(0)?).map_err(|e| EvalError::new(e.to_string()))?,
        ),
        "guid" => Value::String(format!("guid-{}", a.iter().map(s).collect::<Vec<_>>().join("-"))),
        "uniquestring" => Value::String("uniq".into()),
        "subscription" => Value::Object(
            [
                ("id".to_string(), Value::from(ctx.subscription_scope())),
                ("subscriptionId".to_string(), Value::from(ctx.subscription_id.clone())),
                ("tenantId".to_string(), Value::from(ctx.tenant_id.clone())),
            ]
            .into_iter()
            .collect(),
        ),
        "resourcegroup" => Value::Object(
            [
                ("id".to_string(), Value::from(ctx.resource_group_scope())),
                ("name".to_string(), Value::from(ctx.resource_group.clone())),
                ("location".to_string(), Value::from(ctx.location.clone())),
            ]
            .into_iter()
            .collect(),
        ),
        "resourceid" | "subscriptionresourceid" | "tenantresourceid" | "extensionresourceid" => {
            let mut parts: Vec<String> = a.iter().map(s).collect();
            let base = match name {
                "extensionresourceid" => parts.remove(0),
                "tenantresourceid" => String::new(),
                "subscriptionresourceid" => {
                    if parts.len() > 1 && parts[0].len() == 36 && !parts[0].contains('.') {
                        format!("/subscriptions/{}", parts.remove(0))
                    } else {
                        ctx.subscription_scope()
                    }
                }
                _ => {
                    let ti = parts.iter().position(|p| p.contains('.')).unwrap_or(0);
                    let pre: Vec<String> = parts.drain(..ti).collect();
                    match pre.as_slice() {
                        [sub, rg] => format!("/subscriptions/{sub}/resourceGroups/{rg}"),
                        [rg] => format!("/subscriptions/{}/resourceGroups/{rg}", ctx.subscription_id),
                        _ => match sc.target_scope() {
                            crate::TargetScope::ResourceGroup => ctx.resource_group_scope(),
                            crate::TargetScope::Subscription => ctx.subscription_scope(),
                            crate::TargetScope::ManagementGroup => ctx.management_group_scope(),
                            crate::TargetScope::Tenant => String::new(),
                        },
                    }
                }
            };
            let ty = parts.first().cloned().unwrap_or_default();
            let tys: Vec<&str> = ty.split('/').collect();
            let mut id = format!("{base}/providers/{}", tys.first().unwrap_or(&""));
            for (i, n) in parts.iter().skip(1).enumerate() {
                id.push_str(&format!("/{}/{}", tys.get(i + 1).unwrap_or(&""), n));
            }
            Value::String(id)
        }
        other => {
            if let Some((ns, f)) = other.split_once('.') {
                let _ = (ns, f);
            }
            return Err(EvalError::new(format!("unknown function '{other}'")));
        }
    })
}
