//! Object functions: `createObject`, `items`, `json`, `null`, `objectKeys`, `shallowMerge`, `tryGet`.
//! (`contains`, `empty`, `intersection`, `length` and `union` live with the array functions.)

use super::super::interp::unknown_member;
use super::super::EvalError;
use super::comparison::compare_strings;
use super::{f, fs, fu, Call, Def, MANY};
use crate::value::{object_get, Object, Value};

pub(super) const FUNCTIONS: &[Def] = &[
    fu("createobject", 0, MANY, create_object),
    fs("items", 1, 1, items),
    f("json", 1, 1, json),
    f("null", 0, 0, |_| Ok(Value::Null)),
    fs("objectkeys", 1, 1, object_keys),
    f("shallowmerge", 1, 1, shallow_merge),
    fu("tryget", 2, MANY, try_get),
];

fn create_object(c: &Call<'_, '_>) -> Result<Value, EvalError> {
    if !c.args.len().is_multiple_of(2) {
        return Err(c.err("needs an even number of arguments (key, value pairs)"));
    }
    c.check_len(c.args.len() / 2)?;
    let mut out = Object::new();
    for pair in (0..c.args.len()).step_by(2) {
        match c.arg(pair) {
            Value::String(k) => {
                out.insert(k.clone(), c.arg(pair + 1).clone());
            }
            Value::Unknown(_) => return Ok(c.derived()),
            _ => return Err(c.expected(pair, "a string (a key)")),
        }
    }
    Ok(Value::Object(out))
}

/// `[{key, value}]`, sorted by key as ARM does.
fn items(c: &Call<'_, '_>) -> Result<Value, EvalError> {
    let mut entries: Vec<(&String, &Value)> = c.object(0)?.iter().collect();
    entries.sort_by(|a, b| compare_strings(a.0, b.0));
    Ok(Value::Array(
        entries
            .into_iter()
            .map(|(k, v)| {
                let mut o = Object::new();
                o.insert("key".into(), Value::String(k.clone()));
                o.insert("value".into(), v.clone());
                Value::Object(o)
            })
            .collect(),
    ))
}

fn json(c: &Call<'_, '_>) -> Result<Value, EvalError> {
    let text = c.str(0)?;
    // ARM parses with Newtonsoft.Json, which accepts more than strict JSON (e.g. `.25`).
    super::lenient_json::parse_arm_json(text)
        .map_err(|e| c.err(format!("the argument is not valid JSON: {e}")))
}

fn object_keys(c: &Call<'_, '_>) -> Result<Value, EvalError> {
    Ok(Value::Array(
        c.object(0)?
            .keys()
            .map(|k| Value::String(k.clone()))
            .collect(),
    ))
}

fn shallow_merge(c: &Call<'_, '_>) -> Result<Value, EvalError> {
    let mut out = Object::new();
    // A null list merges nothing; null entries are skipped (docs/functions.md).
    if matches!(c.arg(0), Value::Null) {
        return Ok(Value::Object(out));
    }
    for (i, v) in c.array(0)?.iter().enumerate() {
        if matches!(v, Value::Null) {
            continue;
        }
        let Value::Object(o) = v else {
            return Err(c.err(format!(
                "element {i} must be an object, but is of type {}",
                v.type_name()
            )));
        };
        for (k, v) in o {
            match out.iter_mut().find(|(key, _)| key.eq_ignore_ascii_case(k)) {
                Some((_, old)) => *old = v.clone(),
                None => {
                    out.insert(k.clone(), v.clone());
                }
            }
        }
    }
    Ok(Value::Object(out))
}

/// `tryGet(value, key or index, ...)`: null when any step is missing; on a runtime-property
/// unknown it extends the path like `.name` does.
fn try_get(c: &Call<'_, '_>) -> Result<Value, EvalError> {
    let mut current = c.arg(0).clone();
    for (i, key) in c.args.iter().enumerate().skip(1) {
        current = match (&current, key) {
            (Value::Object(o), Value::String(k)) => {
                object_get(o, k).cloned().unwrap_or(Value::Null)
            }
            (Value::Array(a), Value::Int(n)) => usize::try_from(*n)
                .ok()
                .and_then(|n| a.get(n))
                .cloned()
                .unwrap_or(Value::Null),
            // Bicep's `a.?b[^1]` compiles to the index `{value: 1, fromEnd: true}`.
            (Value::Array(a), Value::Object(k))
                if matches!(object_get(k, "value"), Some(Value::Int(_))) =>
            {
                let n = match object_get(k, "value") {
                    Some(Value::Int(n)) => *n,
                    _ => 0,
                };
                let from_end = matches!(object_get(k, "fromEnd"), Some(Value::Bool(true)));
                let index = if from_end {
                    usize::try_from(n)
                        .ok()
                        .filter(|n| *n >= 1)
                        .and_then(|n| a.len().checked_sub(n))
                } else {
                    usize::try_from(n).ok()
                };
                index.and_then(|i| a.get(i)).cloned().unwrap_or(Value::Null)
            }
            (Value::Unknown(u), Value::String(k)) => unknown_member(u, k, format!("tryGet '{k}'")),
            (Value::Unknown(u), Value::Int(n)) => {
                unknown_member(u, &format!("[{n}]"), format!("tryGet {n}"))
            }
            (_, Value::Unknown(_)) | (Value::Unknown(_), _) => return Ok(c.derived()),
            // A null key finds nothing, like a missing one (docs/functions.md).
            (Value::Null, _) | (_, Value::Null) => return Ok(Value::Null),
            (Value::Object(_), _) => return Err(c.expected(i, "a string (a key)")),
            (Value::Array(_), _) => return Err(c.expected(i, "an integer (an index)")),
            (other, _) => {
                return Err(c.err(format!(
                    "cannot look up a key in a value of type {}",
                    other.type_name()
                )))
            }
        };
    }
    Ok(current)
}

#[cfg(test)]
mod tests {
    use super::super::testing::{fails, ok};
    use serde_json::json;

    #[test]
    fn objects() {
        assert_eq!(
            ok("[createObject('intProp', 1, 'stringProp', 'abc', 'boolProp', true())]"),
            json!({"intProp": 1, "stringProp": "abc", "boolProp": true})
        );
        assert_eq!(
            ok("[items(createObject('b', 2, 'a', 1))]"),
            json!([{"key": "a", "value": 1}, {"key": "b", "value": 2}])
        );
        assert_eq!(ok("[json('{\"a\": [1, 2.5]}')]"), json!({"a": [1, 2.5]}));
        assert_eq!(ok("[json('null')]"), json!(null));
        // Newtonsoft leniency, as ARM parses (container-app-acr quickstart: `json('.25')`).
        assert_eq!(ok("[json('.25')]"), json!(0.25));
        assert_eq!(ok("[json('{''one'': ''a''}')]"), json!({"one": "a"}));
        assert_eq!(ok("[empty(null())]"), json!(true));
        assert_eq!(
            ok("[objectKeys(createObject('a', 1, 'b', 2))]"),
            json!(["a", "b"])
        );
        assert_eq!(
            ok("[shallowMerge(createArray(createObject('a', 1, 'n', createObject('x', 1)), createObject('n', createObject('y', 2))))]"),
            json!({"a": 1, "n": {"y": 2}})
        );
        assert_eq!(
            ok("[tryGet(createObject('a', createArray(5, 6)), 'a', 1)]"),
            json!(6)
        );
        assert_eq!(ok("[tryGet(createObject('a', 1), 'b')]"), json!(null));
    }

    #[test]
    fn errors() {
        assert!(fails("[createObject('a')]").message.contains("even number"));
        assert!(fails("[json('{nope')]").message.contains("not valid JSON"));
        assert!(fails("[objectKeys(1)]").message.contains("an object"));
        assert!(fails("[createObject(1, 2)]").message.contains("a key"));
    }

    #[test]
    fn try_get_index_from_end_object() {
        // Bicep writes `x.?list[^1]` as tryGet(x, 'list', {value: 1, fromEnd: true}).
        assert_eq!(
            ok("[tryGet(createObject('list', createArray('a', 'b')), 'list', createObject('value', 1, 'fromEnd', true()))]"),
            json!("b")
        );
        assert_eq!(
            ok("[tryGet(createArray('a', 'b'), createObject('value', 0, 'fromEnd', false()))]"),
            json!("a")
        );
        assert_eq!(
            ok("[tryGet(createArray('a'), createObject('value', 3, 'fromEnd', true()))]"),
            json!(null)
        );
    }

    #[test]
    fn try_get_extends_runtime_path() {
        let v = ok("[tryGet(reference('/x/wf', '2019-05-01', 'Full'), 'identity', 'principalId')]");
        assert!(v["$unknown"]
            .as_str()
            .is_some_and(|s| s.contains("identity.principalId")));
    }
}
