//! Values in parameter files that stand for a value still to be given: fill-in placeholders
//! (`""`, `{}`) and the Azure Quickstart Templates CI tokens (`GEN-UNIQUE-8`,
//! `GET-PREREQ-vnetName`, `GEN-PASSWORD`...), which that CI replaces before it deploys.
//!
//! Taking them literally turns "no value yet" into false template errors: `""` fails `minLength`
//! or gives `resourceId()` a missing name segment, `{}` has none of the properties the template
//! reads, `GEN-UNIQUE-8` is 12 characters long and `GET-PREREQ-location` is not an allowed
//! location. Placeholders are unknown values, reported once at their line in the parameters file.
//!
//! A CI token that the declaration accepts as it is (a plain string parameter: most tokens name a
//! resource) is kept as a stand-in name, like the placeholder resource group name: it only names
//! things, and a resource named by it is still the same resource everywhere in the template.
//! `GEN-UNIQUE-N` becomes a stand-in of exactly N characters, and `GEN-UNIQUE` one of 18 (what the
//! CI generates), each made from the parameter's name: the CI generates a different value for each
//! parameter, so two resources named by two such parameters stay two resources. A token the
//! declaration does not accept (`allowedValues`, another type, a length outside the bounds) is
//! unknown.

use serde_json::Value as Json;

use crate::template::ParameterDecl;

/// What a parameters-file value stands for, when it is not a value of its own.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Placeholder {
    /// `""` or `{}` where the template needs a value: written as given.
    Empty(&'static str),
    /// A quickstart CI token; `length` for `GEN-UNIQUE-N` (the generated string has N characters).
    CiToken { token: String, length: Option<i64> },
}

/// Length of the string the CI generates for `GEN-UNIQUE` ("alpha numeric value with a length
/// of 18 characters", Azure Quickstart Templates contribution guide).
const UNIQUE_LENGTH: i64 = 18;

/// How a placeholder is read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Reading {
    /// An unknown value.
    Unknown,
    /// A known stand-in string (a CI token the declaration accepts; `GEN-UNIQUE-N` resized).
    StandIn(String),
}

impl Placeholder {
    /// Words for the diagnostic: what the file holds.
    pub(crate) fn describe(&self) -> String {
        match self {
            Placeholder::Empty(text) => format!("placeholder {text}"),
            Placeholder::CiToken { token, .. } => {
                format!("quickstart CI token '{token}', replaced before deployment")
            }
        }
    }

    /// Unknown, or the stand-in a CI token keeps when `decl` accepts it.
    pub(crate) fn reading(&self, decl: &ParameterDecl) -> Reading {
        let Placeholder::CiToken { token, length } = self else {
            return Reading::Unknown;
        };
        let ty = decl.declared_type.to_ascii_lowercase();
        if ty != "string" || decl.allowed_values.is_some() {
            return Reading::Unknown;
        }
        let text = match length {
            Some(n) => stand_in(&decl.name, *n),
            // The CI documents 18 characters; a declaration that bounds the length gets one
            // within its bounds (the CI's value is not checked against them here).
            None if token == "GEN-UNIQUE" => {
                let n = decl
                    .max_length
                    .map_or(UNIQUE_LENGTH, |max| UNIQUE_LENGTH.min(max));
                stand_in(&decl.name, decl.min_length.map_or(n, |min| n.max(min)))
            }
            None => token.clone(),
        };
        let len = text.chars().count() as i64;
        let fits =
            decl.min_length.is_none_or(|m| len >= m) && decl.max_length.is_none_or(|m| len <= m);
        if fits {
            Reading::StandIn(text)
        } else {
            Reading::Unknown
        }
    }
}

/// `GEN-UNIQUE-N`'s stand-in for parameter `parameter`: N lower-case letters and digits (what the
/// CI generates), made from the parameter's name, so the same parameter always gives the same
/// name and two parameters give two names (the CI generates one value per parameter: reading them
/// alike would merge distinct resources into one). It starts with the name's first letters, so a
/// reader can tell which parameter named the resource, and ends with a hash of the whole name.
fn stand_in(parameter: &str, n: i64) -> String {
    let n = n.clamp(0, 64) as usize;
    let letters: String = parameter
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect();
    let hash = crate::eval::unique_string(&[parameter]);
    // Room for four hash characters, enough to tell apart names that share their first letters;
    // names shorter than that are all hash after one letter (resource names often must start
    // with one).
    let keep = if n > 4 { n - 4 } else { n.min(1) };
    let mut out: String = letters.chars().take(keep).collect();
    out.extend(hash.chars().cycle().take(n - out.chars().count()));
    out
}

/// Whether `value`, given for `decl` in a parameters file, is a placeholder.
///
/// `""` counts for a string parameter that has no default, or that `""` does not fit
/// (`minLength`, `allowedValues`). A default of `""` makes `""` a value the author planned for
/// (`condition: not(empty(parameters('userObjectId')))`), so it is kept. `{}` counts for an
/// object parameter with no default. A CI token counts whatever the declared type
/// (`GET-PREREQ-workspaces` stands for an array).
///
/// With `empty_defaults`, a default of `""` no longer keeps `""` (the retry of a run that failed
/// on such a value).
pub(crate) fn classify(
    value: &Json,
    decl: &ParameterDecl,
    empty_defaults: bool,
) -> Option<Placeholder> {
    let ty = decl.declared_type.to_ascii_lowercase();
    match value {
        Json::String(s) if s.is_empty() && matches!(ty.as_str(), "string" | "securestring") => {
            let does_not_fit = decl.min_length.is_some_and(|m| m > 0)
                || decl
                    .allowed_values
                    .as_ref()
                    .is_some_and(|a| !a.contains(&Json::String(String::new())));
            let planned = matches!(&decl.default, Some(Json::String(d)) if d.is_empty());
            (decl.default.is_none() || does_not_fit || (empty_defaults && planned))
                .then_some(Placeholder::Empty("''"))
        }
        Json::Object(o)
            if o.is_empty()
                && matches!(ty.as_str(), "object" | "secureobject")
                && decl.default.is_none() =>
        {
            Some(Placeholder::Empty("{}"))
        }
        Json::String(s) => ci_token(s),
        _ => None,
    }
}

/// Whether a parameters-file string is an Azure Quickstart Templates CI token (`GEN-GUID`,
/// `GEN-AZUREAD-OBJECTID`, `GET-PREREQ-principalId`...), a value the CI replaces before it deploys.
pub fn is_ci_token(text: &str) -> bool {
    ci_token(text).is_some()
}

/// `GEN-UNIQUE`, `GEN-UNIQUE-N`, `GEN-<WORD>...` (upper case), `GET-PREREQ-<name>`.
fn ci_token(text: &str) -> Option<Placeholder> {
    let token = || text.to_string();
    if let Some(rest) = text.strip_prefix("GET-PREREQ-") {
        let ok = !rest.is_empty()
            && rest
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
        return ok.then(|| Placeholder::CiToken {
            token: token(),
            length: None,
        });
    }
    let rest = text.strip_prefix("GEN-")?;
    if rest.is_empty()
        || !rest
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '-')
    {
        return None;
    }
    let length = rest
        .strip_prefix("UNIQUE-")
        .and_then(|n| n.parse::<i64>().ok());
    Some(Placeholder::CiToken {
        token: token(),
        length,
    })
}

/// A `GEN-UNIQUE-N` length that the parameter's `minLength`/`maxLength` reject: then the CI's
/// value fails too, and that is a real error.
pub(crate) fn length_problem(placeholder: &Placeholder, decl: &ParameterDecl) -> Option<String> {
    let Placeholder::CiToken {
        token,
        length: Some(n),
    } = placeholder
    else {
        return None;
    };
    let too_short = decl.min_length.is_some_and(|m| *n < m);
    let too_long = decl.max_length.is_some_and(|m| *n > m);
    (too_short || too_long).then(|| {
        format!("'{token}' stands for a string of length {n}, outside minLength/maxLength")
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn decl(ty: &str, default: Option<Json>) -> ParameterDecl {
        ParameterDecl {
            name: "p".into(),
            declared_type: ty.into(),
            secure: false,
            nullable: false,
            default,
            allowed_values: None,
            min_value: None,
            max_value: None,
            min_length: None,
            max_length: None,
            pointer: "/parameters/p".into(),
        }
    }

    #[test]
    fn empty_values_are_placeholders_only_where_no_real_default_is_overridden() {
        let s = decl("string", None);
        assert_eq!(
            classify(&json!(""), &s, false),
            Some(Placeholder::Empty("''"))
        );
        // A default of "" plans for "": kept.
        let planned = decl("String", Some(json!("")));
        assert_eq!(classify(&json!(""), &planned, false), None);
        // ... unless the run that kept it failed (see expand_document).
        assert_eq!(
            classify(&json!(""), &planned, true),
            Some(Placeholder::Empty("''"))
        );
        // A real default overridden by "" on purpose, unless "" does not fit.
        let with_default = decl("string", Some(json!("eastus")));
        assert_eq!(classify(&json!(""), &with_default, false), None);
        let mut min = with_default.clone();
        min.min_length = Some(1);
        assert_eq!(
            classify(&json!(""), &min, false),
            Some(Placeholder::Empty("''"))
        );
        assert_eq!(
            classify(&json!({}), &decl("object", None), false),
            Some(Placeholder::Empty("{}"))
        );
        assert_eq!(
            classify(&json!({}), &decl("object", Some(json!({}))), false),
            None
        );
        assert_eq!(classify(&json!("x"), &s, false), None);
        assert_eq!(classify(&json!([]), &decl("array", None), false), None);
        assert_eq!(classify(&json!(0), &decl("int", None), false), None);
    }

    #[test]
    fn quickstart_ci_tokens() {
        let s = decl("string", None);
        for text in [
            "GEN-UNIQUE",
            "GEN-PASSWORD",
            "GEN-GUID",
            "GEN-SSH-PUB-KEY",
            "GET-PREREQ-location",
            "GET-PREREQ-existingWorkspacesToQuery",
        ] {
            assert!(
                matches!(
                    classify(&json!(text), &s, false),
                    Some(Placeholder::CiToken { length: None, .. })
                ),
                "{text}"
            );
        }
        assert_eq!(
            classify(&json!("GEN-UNIQUE-8"), &s, false),
            Some(Placeholder::CiToken {
                token: "GEN-UNIQUE-8".into(),
                length: Some(8)
            })
        );
        // Not tokens: lower case, a prefix of something else, an empty tail.
        for text in [
            "gen-unique",
            "GEN-",
            "GET-PREREQ-",
            "GENERAL",
            "my-GEN-UNIQUE",
        ] {
            assert_eq!(classify(&json!(text), &s, false), None, "{text}");
        }
        let mut bounded = s.clone();
        bounded.min_length = Some(2);
        bounded.max_length = Some(10);
        let eight = classify(&json!("GEN-UNIQUE-8"), &bounded, false).unwrap();
        assert_eq!(length_problem(&eight, &bounded), None);
        let twelve = classify(&json!("GEN-UNIQUE-12"), &bounded, false).unwrap();
        assert!(length_problem(&twelve, &bounded).is_some());
    }

    #[test]
    fn tokens_the_declaration_accepts_are_stand_in_names() {
        let mut name = decl("string", None);
        name.max_length = Some(16);
        let eight = classify(&json!("GEN-UNIQUE-8"), &name, false).unwrap();
        let Reading::StandIn(text) = eight.reading(&name) else {
            panic!("GEN-UNIQUE-8 fits a name of at most 16 characters");
        };
        assert_eq!(text.len(), 8);
        assert!(text.starts_with('p'), "{text}");
        let prereq = classify(&json!("GET-PREREQ-vnet"), &name, false).unwrap();
        assert_eq!(
            prereq.reading(&name),
            Reading::StandIn("GET-PREREQ-vnet".into())
        );
        // Too long as written, another type, allowed values, secure: unknown.
        let long = classify(&json!("GET-PREREQ-vnetName"), &name, false).unwrap();
        assert_eq!(long.reading(&name), Reading::Unknown);
        let array = decl("array", None);
        let token = classify(&json!("GET-PREREQ-list"), &array, false).unwrap();
        assert_eq!(token.reading(&array), Reading::Unknown);
        let mut location = decl("string", None);
        location.allowed_values = Some(vec![json!("eastus")]);
        let token = classify(&json!("GET-PREREQ-location"), &location, false).unwrap();
        assert_eq!(token.reading(&location), Reading::Unknown);
        let secure = decl("securestring", None);
        let token = classify(&json!("GEN-PASSWORD"), &secure, false).unwrap();
        assert_eq!(token.reading(&secure), Reading::Unknown);
        assert_eq!(Placeholder::Empty("''").reading(&name), Reading::Unknown);
    }

    fn stand_in_for(parameter: &str, token: &str, max_length: Option<i64>) -> String {
        let mut d = decl("string", None);
        d.name = parameter.into();
        d.max_length = max_length;
        match classify(&json!(token), &d, false).map(|p| p.reading(&d)) {
            Some(Reading::StandIn(text)) => text,
            other => panic!("{token} for {parameter}: {other:?}"),
        }
    }

    // Issue 11 class Z: the CI generates one value per parameter, so one stand-in per parameter.
    #[test]
    fn each_parameter_gets_its_own_stand_in_and_keeps_it() {
        let primary = stand_in_for("workflowNamePrimary", "GEN-UNIQUE-10", None);
        let secondary = stand_in_for("workflowNameSecondary", "GEN-UNIQUE-10", None);
        assert_ne!(primary, secondary);
        assert_eq!(
            primary,
            stand_in_for("workflowNamePrimary", "GEN-UNIQUE-10", None)
        );
        for text in [&primary, &secondary] {
            assert_eq!(text.len(), 10, "{text}");
            assert!(
                text.chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit()),
                "{text}"
            );
            // The name's first letters tell the reader which parameter it stands for.
            assert!(text.starts_with("workfl"), "{text}");
        }
        // Short lengths still start with a letter and still differ.
        let a = stand_in_for("nameA", "GEN-UNIQUE-3", None);
        let b = stand_in_for("nameB", "GEN-UNIQUE-3", None);
        assert_eq!((a.len(), b.len()), (3, 3));
        assert!(a.starts_with('n') && b.starts_with('n'));
        assert_ne!(a, b);
        // GEN-UNIQUE: 18 characters, as the CI generates, within the declared bounds.
        let unique = stand_in_for("siteName", "GEN-UNIQUE", None);
        assert_eq!(unique.len(), 18, "{unique}");
        assert_ne!(unique, stand_in_for("planName", "GEN-UNIQUE", None));
        assert_eq!(stand_in_for("vmName", "GEN-UNIQUE", Some(15)).len(), 15);
    }
}
