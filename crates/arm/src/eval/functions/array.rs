//! Array functions (several also accept strings and objects, as ARM overloads them): `array`,
//! `concat`, `contains`, `createArray`, `empty`, `first`, `last`, `indexOf`, `lastIndexOf`,
//! `intersection`, `union`, `length`, `range`, `skip`, `take`, `flatten`, `indexFromEnd`,
//! `tryIndexFromEnd`.

use super::super::EvalError;
use super::{f, fs, fu, to_arm_string, values_equal, Call, Def, MANY};
use crate::value::{object_get, Object, Unknown, Value};

pub(super) const FUNCTIONS: &[Def] = &[
    fu("array", 1, 1, array),
    fu("concat", 0, MANY, concat),
    fu("contains", 2, 2, contains),
    fu("createarray", 0, MANY, create_array),
    fu("empty", 1, 1, empty),
    fu("first", 1, 1, |c| first_last(c, true)),
    fu("last", 1, 1, |c| first_last(c, false)),
    f("indexof", 2, 2, |c| index_of(c, false)),
    f("lastindexof", 2, 2, |c| index_of(c, true)),
    f("intersection", 2, MANY, intersection),
    fu("union", 1, MANY, union),
    fu("length", 1, 1, length),
    f("range", 2, 2, range),
    fs("skip", 2, 2, |c| skip_take(c, true)),
    fs("take", 2, 2, |c| skip_take(c, false)),
    f("flatten", 1, 1, flatten),
    fu("indexfromend", 2, 2, |c| index_from_end(c, false)),
    fu("tryindexfromend", 2, 2, |c| index_from_end(c, true)),
    f("distinct", 1, 1, distinct),
];

/// First occurrence of each value, in order.
fn distinct(c: &Call<'_, '_>) -> Result<Value, EvalError> {
    let mut out: Vec<Value> = Vec::new();
    for v in c.array(0)? {
        if !out.iter().any(|w| values_equal(v, w)) {
            out.push(v.clone());
        }
    }
    Ok(Value::Array(out))
}

fn array(c: &Call<'_, '_>) -> Result<Value, EvalError> {
    Ok(match c.arg(0) {
        Value::Array(a) => Value::Array(a.clone()),
        other => Value::Array(vec![other.clone()]),
    })
}

/// Arrays concatenate; anything else concatenates as strings.
fn concat(c: &Call<'_, '_>) -> Result<Value, EvalError> {
    let first_known = c.args.iter().find(|v| !matches!(v, Value::Unknown(_)));
    if let Some(Value::Array(_)) = first_known {
        if c.args.iter().any(|v| matches!(v, Value::Unknown(_))) {
            return Ok(c.derived());
        }
        let mut out = Vec::new();
        for (i, v) in c.args.iter().enumerate() {
            match v {
                Value::Array(a) => out.extend(a.iter().cloned()),
                Value::Null => {}
                _ => return Err(c.expected(i, "an array, like the first argument")),
            }
            c.check_len(out.len())?;
        }
        return Ok(Value::Array(out));
    }
    if c.args.iter().any(Value::contains_unknown) {
        if let Some(partial) = super::resource::partial_id_concat(&c.args) {
            return Ok(partial);
        }
        let unknowns = c.unknowns();
        return Ok(super::resource::partial_resource_id(
            c.it, c.name, c.position, concat, &c.args, &unknowns,
        )
        .or_else(|| {
            super::resource::partial_text(c.it, c.name, c.position, concat, &c.args, &unknowns)
        })
        .unwrap_or_else(|| c.derived()));
    }
    let mut out = String::new();
    for (i, v) in c.args.iter().enumerate() {
        match v {
            Value::Array(_) | Value::Object(_) => {
                return Err(c.expected(i, "a string, like the first argument"))
            }
            other => out.push_str(&to_arm_string(other)),
        }
        if out.len() > c.it.limits.max_string_bytes {
            return c.check_string(out);
        }
    }
    c.check_string(out)
}

/// Known whenever the answer does not depend on an unknown: a key of an object whose values are
/// unknown, or an array holding a known element equal to the item.
fn contains(c: &Call<'_, '_>) -> Result<Value, EvalError> {
    match (c.arg(0), c.arg(1)) {
        (Value::Unknown(_), _) | (_, Value::Unknown(_)) => return Ok(c.derived()),
        (Value::Object(_), _) => {}
        (Value::Array(a), item) => {
            if a.iter()
                .any(|v| !v.contains_unknown() && !item.contains_unknown() && values_equal(v, item))
            {
                return Ok(Value::Bool(true));
            }
            if item.contains_unknown() || a.iter().any(Value::contains_unknown) {
                return Ok(c.derived());
            }
        }
        _ if c.args.iter().any(Value::contains_unknown) => return Ok(c.derived()),
        _ => {}
    }
    Ok(Value::Bool(match (c.arg(0), c.arg(1)) {
        (Value::String(s), item) => s.contains(to_arm_string(item).as_str()),
        (Value::Array(a), item) => a.iter().any(|v| values_equal(v, item)),
        (Value::Object(o), Value::String(k)) => object_get(o, k).is_some(),
        (Value::Object(_), _) => return Err(c.expected(1, "a string (the key)")),
        _ => return Err(c.expected(0, "a string, array or object")),
    }))
}

fn create_array(c: &Call<'_, '_>) -> Result<Value, EvalError> {
    c.check_len(c.args.len())?;
    Ok(Value::Array(c.args.clone()))
}

/// Only the shape counts: unknowns inside a known array or object do not make it unknown. The
/// principal id of an identity the deployment creates is never empty once it exists.
fn empty(c: &Call<'_, '_>) -> Result<Value, EvalError> {
    Ok(Value::Bool(match c.arg(0) {
        Value::Unknown(u) if c.it.scope.is_deployed_principal_id(u) => false,
        Value::Unknown(_) => return Ok(c.derived()),
        Value::Null => true,
        Value::String(s) => s.is_empty(),
        Value::Array(a) => a.is_empty(),
        Value::Object(o) => o.is_empty(),
        _ => return Err(c.expected(0, "a string, array or object")),
    }))
}

fn first_last(c: &Call<'_, '_>, first: bool) -> Result<Value, EvalError> {
    match c.arg(0) {
        Value::Array(a) => Ok((if first { a.first() } else { a.last() })
            .cloned()
            .unwrap_or(Value::Null)),
        Value::String(s) => {
            let ch = if first {
                s.chars().next()
            } else {
                s.chars().next_back()
            };
            Ok(Value::String(ch.map(String::from).unwrap_or_default()))
        }
        Value::Unknown(_) => Ok(c.derived()),
        // Null in, null out (docs/functions.md), as Bicep's `first(p)` over a nullable `p` reads.
        Value::Null => Ok(Value::Null),
        _ => Err(c.expected(0, "an array or a string")),
    }
}

/// Strings compare case-insensitively (as documented: `indexOf('test', 'T')` is 0); array
/// items by value.
fn index_of(c: &Call<'_, '_>, last: bool) -> Result<Value, EvalError> {
    match (c.arg(0), c.arg(1)) {
        (Value::String(s), Value::String(needle)) => {
            let hay: Vec<char> = s.chars().flat_map(char::to_lowercase).collect();
            let pat: Vec<char> = needle.chars().flat_map(char::to_lowercase).collect();
            if pat.is_empty() {
                return Ok(Value::Int(
                    if last { hay.len() as i64 - 1 } else { 0 }.max(0),
                ));
            }
            let mut positions = hay
                .windows(pat.len())
                .enumerate()
                .filter(|(_, w)| *w == pat.as_slice());
            let found = if last {
                positions.next_back()
            } else {
                positions.next()
            };
            Ok(Value::Int(found.map_or(-1, |(i, _)| i as i64)))
        }
        (Value::String(_), _) => Err(c.expected(1, "a string")),
        (Value::Array(a), item) => {
            let mut it = a.iter().enumerate().filter(|(_, v)| values_equal(v, item));
            let found = if last { it.next_back() } else { it.next() };
            Ok(Value::Int(found.map_or(-1, |(i, _)| i as i64)))
        }
        _ => Err(c.expected(0, "an array or a string")),
    }
}

fn intersection(c: &Call<'_, '_>) -> Result<Value, EvalError> {
    match c.arg(0) {
        Value::Array(first) => {
            let mut out: Vec<Value> = Vec::new();
            for v in first {
                let everywhere = c.args[1..].iter().all(|other| match other {
                    Value::Array(a) => a.iter().any(|w| values_equal(v, w)),
                    _ => false,
                });
                if everywhere && !out.iter().any(|w| values_equal(v, w)) {
                    out.push(v.clone());
                }
            }
            for (i, other) in c.args.iter().enumerate() {
                if !matches!(other, Value::Array(_)) {
                    return Err(c.expected(i, "an array, like the first argument"));
                }
            }
            Ok(Value::Array(out))
        }
        Value::Object(first) => {
            let mut out = Object::new();
            for (i, other) in c.args.iter().enumerate() {
                if !matches!(other, Value::Object(_)) {
                    return Err(c.expected(i, "an object, like the first argument"));
                }
            }
            for (k, v) in first {
                let everywhere = c.args[1..]
                    .iter()
                    .all(|o| o.get(k).is_some_and(|w| values_equal(v, w)));
                if everywhere {
                    out.insert(k.clone(), v.clone());
                }
            }
            Ok(Value::Object(out))
        }
        _ => Err(c.expected(0, "an array or an object")),
    }
}

/// Objects merge (nested objects recursively, later values win); arrays join without duplicates.
fn union(c: &Call<'_, '_>) -> Result<Value, EvalError> {
    if c.args.iter().any(|v| matches!(v, Value::Unknown(_))) {
        return Ok(c.derived());
    }
    // A null argument contributes nothing (docs/functions.md); all null gives null.
    if c.args.iter().any(|v| matches!(v, Value::Null)) {
        let rest: Vec<Value> = c
            .args
            .iter()
            .filter(|v| !matches!(v, Value::Null))
            .cloned()
            .collect();
        if rest.is_empty() {
            return Ok(Value::Null);
        }
        let call = Call {
            it: c.it,
            name: c.name,
            position: c.position,
            args: rest,
        };
        return union(&call);
    }
    match c.arg(0) {
        Value::Array(_) => {
            let mut out: Vec<Value> = Vec::new();
            for (i, v) in c.args.iter().enumerate() {
                let Value::Array(a) = v else {
                    return Err(c.expected(i, "an array, like the first argument"));
                };
                for item in a {
                    // Unknown items cannot be compared; keep each.
                    if item.contains_unknown() || !out.iter().any(|w| values_equal(item, w)) {
                        out.push(item.clone());
                    }
                }
                c.check_len(out.len())?;
            }
            Ok(Value::Array(out))
        }
        Value::Object(_) => {
            let mut out = Object::new();
            for (i, v) in c.args.iter().enumerate() {
                let Value::Object(o) = v else {
                    return Err(c.expected(i, "an object, like the first argument"));
                };
                merge_into(&mut out, o);
            }
            Ok(Value::Object(out))
        }
        _ => Err(c.expected(0, "an array or an object")),
    }
}

fn merge_into(out: &mut Object, add: &Object) {
    for (k, v) in add {
        let existing = out
            .iter_mut()
            .find(|(key, _)| key.eq_ignore_ascii_case(k))
            .map(|(_, val)| val);
        match (existing, v) {
            (Some(Value::Object(old)), Value::Object(new)) => merge_into(old, new),
            (Some(old), new) => *old = new.clone(),
            (None, new) => {
                out.insert(k.clone(), new.clone());
            }
        }
    }
}

/// Known for arrays even when their elements are unknown.
fn length(c: &Call<'_, '_>) -> Result<Value, EvalError> {
    Ok(Value::Int(match c.arg(0) {
        Value::String(s) => s.encode_utf16().count() as i64,
        Value::Array(a) => a.len() as i64,
        Value::Object(o) => o.len() as i64,
        Value::Null => 0,
        // A principal id is a GUID: 36 characters.
        Value::Unknown(u) if c.it.scope.is_deployed_principal_id(u) => 36,
        Value::Unknown(_) => return Ok(c.derived()),
        _ => return Err(c.expected(0, "a string, array or object")),
    }))
}

fn range(c: &Call<'_, '_>) -> Result<Value, EvalError> {
    let (start, count) = (c.int(0)?, c.int(1)?);
    if !(0..=10_000).contains(&count) {
        return Err(c.err(format!("the count {count} must be between 0 and 10000")));
    }
    if start
        .checked_add(count)
        .is_none_or(|end| end > i64::from(i32::MAX))
    {
        return Err(c.err("the sum of start and count must not exceed 2147483647"));
    }
    Ok(Value::Array(
        (start..start + count).map(Value::Int).collect(),
    ))
}

fn skip_take(c: &Call<'_, '_>, skip: bool) -> Result<Value, EvalError> {
    let n = usize::try_from(c.int(1)?.max(0)).unwrap_or(usize::MAX);
    match c.arg(0) {
        Value::Array(a) => {
            let n = n.min(a.len());
            Ok(Value::Array(if skip { &a[n..] } else { &a[..n] }.to_vec()))
        }
        Value::String(s) => Ok(Value::String(if skip {
            s.chars().skip(n).collect()
        } else {
            s.chars().take(n).collect()
        })),
        Value::Null => Ok(Value::Null),
        _ => Err(c.expected(0, "an array or a string")),
    }
}

fn flatten(c: &Call<'_, '_>) -> Result<Value, EvalError> {
    let mut out = Vec::new();
    for v in c.array(0)? {
        match v {
            Value::Array(inner) => out.extend(inner.iter().cloned()),
            other => {
                return Err(c.err(format!(
                    "every element must be an array, but one is of type {}",
                    other.type_name()
                )))
            }
        }
    }
    c.check_len(out.len())?;
    Ok(Value::Array(out))
}

/// `indexFromEnd(array, 1)` is the last element (Bicep's `a[^1]`).
fn index_from_end(c: &Call<'_, '_>, try_: bool) -> Result<Value, EvalError> {
    if let Value::Unknown(u) = c.arg(0) {
        return Ok(Value::Unknown(Unknown::derived(c.name, vec![u.clone()])));
    }
    let a = c.array(0)?;
    let n = match c.arg(1) {
        Value::Unknown(_) => return Ok(c.derived()),
        _ => c.int(1)?,
    };
    let item = usize::try_from(n)
        .ok()
        .filter(|n| *n >= 1 && *n <= a.len())
        .and_then(|n| a.get(a.len() - n));
    match item {
        Some(v) => Ok(v.clone()),
        None if try_ => Ok(Value::Null),
        None => Err(c.err(format!(
            "index {n} from the end is out of range for an array of length {}",
            a.len()
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{fails, ok};
    use serde_json::json;

    #[test]
    fn arrays() {
        assert_eq!(ok("[array('efgh')]"), json!(["efgh"]));
        assert_eq!(
            ok("[concat(createArray(1, 2), createArray(3))]"),
            json!([1, 2, 3])
        );
        assert_eq!(ok("[concat('a', 'b', 1)]"), json!("ab1"));
        assert_eq!(ok("[contains(createArray('a', 'b'), 'b')]"), json!(true));
        assert_eq!(ok("[contains('OneTwoThree', 'e')]"), json!(true));
        assert_eq!(ok("[contains(createObject('One', 1), 'one')]"), json!(true));
        assert_eq!(ok("[empty(createArray())]"), json!(true));
        assert_eq!(ok("[empty('')]"), json!(true));
        assert_eq!(ok("[first(createArray('one', 'two'))]"), json!("one"));
        assert_eq!(ok("[last('One Two Three')]"), json!("e"));
        assert_eq!(ok("[indexOf('test', 'T')]"), json!(0));
        assert_eq!(ok("[lastIndexOf('test', 't')]"), json!(3));
        assert_eq!(ok("[indexOf('abcdef', 'CD')]"), json!(2));
        assert_eq!(ok("[indexOf('abcdef', 'z')]"), json!(-1));
        assert_eq!(ok("[indexOf(createArray('a', 'b', 'a'), 'a')]"), json!(0));
        assert_eq!(
            ok("[lastIndexOf(createArray('a', 'b', 'a'), 'a')]"),
            json!(2)
        );
        assert_eq!(
            ok("[intersection(createArray('one', 'two', 'three'), createArray('two', 'three'))]"),
            json!(["two", "three"])
        );
        assert_eq!(
            ok("[union(createArray('one', 'two'), createArray('two', 'three'))]"),
            json!(["one", "two", "three"])
        );
        assert_eq!(
            ok("[union(createObject('a', createObject('x', 1)), createObject('a', createObject('y', 2)))]"),
            json!({"a": {"x": 1, "y": 2}})
        );
        assert_eq!(ok("[length('abc')]"), json!(3));
        assert_eq!(ok("[range(5, 3)]"), json!([5, 6, 7]));
        assert_eq!(ok("[skip(createArray(1, 2, 3), 2)]"), json!([3]));
        assert_eq!(ok("[take('abcdef', 3)]"), json!("abc"));
        assert_eq!(ok("[skip('abc', 10)]"), json!(""));
        assert_eq!(ok("[take(createArray(1, 2), -1)]"), json!([]));
        assert_eq!(
            ok("[flatten(createArray(createArray(1), createArray(2, 3)))]"),
            json!([1, 2, 3])
        );
        assert_eq!(ok("[indexFromEnd(createArray(1, 2, 3), 1)]"), json!(3));
        assert_eq!(
            ok("[tryIndexFromEnd(createArray(1, 2, 3), 4)]"),
            json!(null)
        );
    }

    #[test]
    fn errors() {
        assert!(fails("[range(0, 10001)]").message.contains("10000"));
        assert!(fails("[concat(createArray(1), 'a')]")
            .message
            .contains("argument 2"));
        assert!(fails("[first(1)]").message.contains("array or a string"));
        assert!(fails("[indexFromEnd(createArray(1), 2)]")
            .message
            .contains("out of range"));
        assert!(fails("[flatten(createArray(1))]")
            .message
            .contains("must be an array"));
    }

    #[test]
    fn unknowns_keep_structure() {
        assert_eq!(ok("[length(createArray(newGuid(), 'a'))]"), json!(2));
        let v = ok("[concat(createArray(newGuid()), createArray('a'))]");
        assert_eq!(v[1], json!("a"));
        assert!(v[0].get("$unknown").is_some());
        assert!(ok("[concat('a', newGuid())]").get("$unknown").is_some());
        assert!(ok("[contains(createArray(newGuid()), 'a')]")
            .get("$unknown")
            .is_some());
        assert!(ok("[empty(utcNow())]").get("$unknown").is_some());
    }
}
