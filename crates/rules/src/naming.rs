//! Naming a resource whose name is known only at deployment by what is known of it (its role and
//! scope, its symbol, the literal part of its name), not by the inputs that decide the name:
//! "roleAssignments named by parameter 'uamiName' and utcNow()" blames an input that is not what
//! the finding is about (issue 11, Messages).

use access::{ApiConnection, Grant};
use arm::plan::PlannedResource;
use arm::value::{Origin, Unknown};
use arm::Value;

use crate::context::{resource_words, Cx};

/// The hole `format()`/`concat()` leave in the known text of a name for each unknown argument
/// (`\u{1}<index>\u{1}`, see `arm`'s `text_with_holes`).
const HOLE: char = '\u{1}';

/// The known part of a name built around unknowns (`concat(parameters('location'), '-office365')`
/// → `<location>-office365`), each unknown shown as `<what decides it>`. `None` when the name is
/// no such text or its literal part holds no letter or digit (nothing a reviewer could recognise).
pub(crate) fn known_part(name: &Value) -> Option<String> {
    let Value::Unknown(u) = name else {
        return None;
    };
    let Origin::Derived {
        inputs,
        text: Some(text),
        ..
    } = u.origin()
    else {
        return None;
    };
    let mut out = String::new();
    let mut literal = false;
    let mut parts = text.split(HOLE);
    let first = parts.next().unwrap_or_default();
    literal |= first.chars().any(char::is_alphanumeric);
    out.push_str(first);
    let holes = text.matches(HOLE).count() / 2;
    while let (Some(index), Some(rest)) = (parts.next(), parts.next()) {
        // Holes number the unknown arguments; when they do not line up with the inputs (an
        // argument that is a partly known resource id has no hole), none is named.
        let input = index
            .parse::<usize>()
            .ok()
            .filter(|_| holes == inputs.len())
            .and_then(|i| inputs.get(i));
        out.push('<');
        out.push_str(&input.map(hole_words).unwrap_or_else(|| "…".to_string()));
        out.push('>');
        literal |= rest.chars().any(char::is_alphanumeric);
        out.push_str(rest);
    }
    literal.then_some(out)
}

/// A short word for what decides one unknown part of a name: the parameter's name, `location`,
/// `utcNow()`, else `…`.
fn hole_words(u: &Unknown) -> String {
    let roots = u.roots();
    match roots.as_slice() {
        [Origin::Parameter { name, .. }] => name.clone(),
        [Origin::NonDeterministic { function }] => format!("{function}()"),
        [Origin::NotEvaluated { what }] if what.contains("location") => "location".to_string(),
        _ => "…".to_string(),
    }
}

/// A planned resource in words for a finding about it: `type 'name'` when its name is known;
/// else a role assignment by its role or scope, a custom role by its `roleName`, any resource by
/// the known part of its name, its symbolic name, or its line.
pub(crate) fn planned_resource_words(cx: &Cx, r: &PlannedResource) -> String {
    if !r.name.contains('{') {
        return format!("{} '{}'", r.resource_type, r.name);
    }
    let short = r
        .resource_type
        .rsplit('/')
        .next()
        .unwrap_or(&r.resource_type);
    if short.eq_ignore_ascii_case("roleAssignments") {
        if let Some(g) = cx.model.grants.iter().find(|g| g.location == r.location) {
            if let Some(words) = grant_words(cx, g) {
                return words;
            }
        }
    }
    let noun = if short.eq_ignore_ascii_case("roleDefinitions") {
        if let Some(name) = r
            .get("properties")
            .and_then(|p| p.get("roleName"))
            .and_then(Value::as_str)
        {
            return format!("custom role '{name}'");
        }
        "custom role definition"
    } else if short.eq_ignore_ascii_case("roleAssignments") {
        "role assignment"
    } else {
        &r.resource_type
    };
    unknown_name_words(noun, &r.name_value, r.symbol.as_deref(), r.location.line)
}

/// A role assignment by what is known of it: "the role assignment of 'Contributor' on resource
/// group 'rg'", or of the role alone, or on the scope alone. `None` when neither is known.
fn grant_words(cx: &Cx, g: &Grant) -> Option<String> {
    let role = (!g.role.id.contains('{') && !g.role.id.is_empty()).then(|| cx.role_name(g));
    let scope = (!g.scope.has_unknown_level_or_type()).then(|| resource_words(&g.scope));
    match (role, scope) {
        (Some(role), Some(scope)) => Some(format!("the role assignment of '{role}' on {scope}")),
        (Some(role), None) => Some(format!("the role assignment of '{role}'")),
        (None, Some(scope)) => Some(format!("the role assignment on {scope}")),
        (None, None) => None,
    }
}

/// A resource whose name is not known: by the known part of its name, else its symbolic name,
/// else its line.
fn unknown_name_words(
    resource_type: &str,
    name: &Value,
    symbol: Option<&str>,
    line: u32,
) -> String {
    if let Some(known) = known_part(name) {
        return format!("{resource_type} '{known}'");
    }
    if let Some(symbol) = symbol {
        return format!("{resource_type} '{symbol}' (its symbolic name)");
    }
    format!("the {resource_type} at line {line}")
}

/// An API connection in words: `API connection 'name'`, or when its name is known only at
/// deployment, by the known part of its name (`'<location>-office365'`), symbol or line.
pub(crate) fn connection_words(cx: &Cx, c: &ApiConnection) -> String {
    if !c.name.contains('{') {
        return format!("API connection '{}'", c.name);
    }
    let declared = cx
        .plans
        .get(c.source)
        .and_then(|p| p.resources.iter().find(|r| r.location == c.location));
    match declared {
        Some(r) => {
            let words = unknown_name_words(
                "API connection",
                &r.name_value,
                r.symbol.as_deref(),
                r.location.line,
            );
            words.replacen("the API connection at", "the API connection declared at", 1)
        }
        None => format!("the API connection declared at line {}", c.location.line),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text_unknown(text: &str, inputs: Vec<Unknown>) -> Value {
        Value::Unknown(Unknown::derived_text("concat", text, inputs))
    }

    #[test]
    fn the_known_part_of_a_name_names_each_unknown_by_what_decides_it() {
        let location = Unknown::new(Origin::NotEvaluated {
            what: "the deployment location (not given: pass --location)".into(),
        });
        let v = text_unknown("\u{1}0\u{1}-office365", vec![location]);
        assert_eq!(known_part(&v).as_deref(), Some("<location>-office365"));
        let p = Unknown::new(Origin::Parameter {
            name: "prefix".into(),
            key_vault_reference: false,
        });
        let v = text_unknown("\u{1}0\u{1}-api", vec![p]);
        assert_eq!(known_part(&v).as_deref(), Some("<prefix>-api"));
    }

    #[test]
    fn a_name_with_no_literal_letters_has_no_known_part() {
        let now = Unknown::new(Origin::NonDeterministic {
            function: "utcNow".into(),
        });
        assert_eq!(known_part(&text_unknown("\u{1}0\u{1}-", vec![now])), None);
        assert_eq!(known_part(&Value::String("x".into())), None);
    }
}
