//! Finding messages in a reviewer's words: a value known only at deployment is rendered into ids
//! and names as its provenance chain (`{format of substring of uniqueString of parameter 'name'
//! (no value given)}`), which the plan JSON and `-v` logs keep; a message says only what the
//! reviewer needs: which parameters (or `newGuid()`, or which resource's deployed state) decide
//! it ("Logic App workflow named by parameter 'name'").

/// `text` with every rendered unknown (`{...}` group) replaced by what decides it. A quoted
/// unknown after a noun (`workflow '{…}'`) becomes `workflow named by parameter 'x'`; one inside a
/// longer id becomes `{parameter 'x'}`. Text without such groups is returned unchanged.
pub(crate) fn reviewer_text(text: &str) -> String {
    if !text.contains('{') {
        return text.to_string();
    }
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < chars.len() {
        if chars[i] != '{' {
            out.push(chars[i]);
            i += 1;
            continue;
        }
        let Some(end) = group_end(&chars, i) else {
            // Unbalanced: leave the rest as it is.
            out.extend(&chars[i..]);
            break;
        };
        let mut inner: String = chars[i + 1..end].iter().collect();
        // A quoted name made only of unknowns between `/` (`subnets '{…}/{…}'`, a child
        // resource whose every name segment is unknown) is one name: read its groups together.
        let mut end = end;
        if out.ends_with('\'') && looks_like_provenance(&inner) {
            if let Some((last, joined)) = slash_joined_groups(&chars, end) {
                end = last;
                inner.push(' ');
                inner.push_str(&joined);
            }
        }
        if !looks_like_provenance(&inner) {
            out.extend(&chars[i..=end]);
            i = end + 1;
            continue;
        }
        let phrase = describe(&inner);
        // A name cut at a `/` inside a longer rendered unknown keeps its outer closing braces:
        // they belong to this group.
        while chars.get(end + 1) == Some(&'}') {
            end += 1;
        }
        // `'{…}'` as a whole quoted name: "workflow named by …", "the grant of the role named by …".
        let quoted_whole = out.ends_with('\'') && chars.get(end + 1) == Some(&'\'');
        if quoted_whole {
            out.pop();
            let before = out.trim_end().to_string();
            let last_word = before.split_whitespace().last().unwrap_or("");
            let noun = last_word.ends_with(|c: char| c.is_alphanumeric() || c == ')')
                && !NOT_NOUNS.contains(&last_word.to_ascii_lowercase().as_str());
            out.truncate(before.len());
            if noun {
                out.push_str(" named by ");
            } else if before.is_empty()
                || before.ends_with("grant of")
                || before.ends_with("granted")
            {
                // Messages about a grant start with, or name, its role.
                if !before.is_empty() {
                    out.push(' ');
                }
                out.push_str("the role named by ");
            } else {
                out.push_str(" the one named by ");
            }
            out.push_str(&phrase);
            i = end + 2;
        } else {
            out.push('{');
            out.push_str(&phrase);
            out.push('}');
            i = end + 1;
        }
    }
    out
}

/// After the group closing at `end`: more `/{…}` groups up to a closing quote, each a rendered
/// unknown. Returns the index of the last group's `}` and the groups' inner text, joined; `None`
/// when there is no further group or anything else stands between them.
fn slash_joined_groups(chars: &[char], end: usize) -> Option<(usize, String)> {
    let mut at = end;
    let mut joined = String::new();
    while chars.get(at + 1) == Some(&'/') && chars.get(at + 2) == Some(&'{') {
        let close = group_end(chars, at + 2)?;
        let inner: String = chars[at + 3..close].iter().collect();
        if !looks_like_provenance(&inner) {
            return None;
        }
        joined.push(' ');
        joined.push_str(&inner);
        at = close;
    }
    (at != end && chars.get(at + 1) == Some(&'\'')).then_some((at, joined))
}

/// Words after which a quoted name is not the name of the noun before it.
const NOT_NOUNS: &[&str] = &[
    "of", "to", "by", "on", "at", "in", "from", "granted", "is", "and", "or", "with", "for",
];

/// A provenance chain written out (`index 0 of parameter 'ids' (no value given)`, what a
/// `depends on` holds) in a reviewer's words; other text (an id, a sentence) is returned as is,
/// with its rendered unknowns shortened.
pub(crate) fn decided_by(chain: &str) -> String {
    let t = chain.trim();
    // An id with parts known only at deployment depends on what decides those parts.
    if t.starts_with('/') && t.contains('{') {
        return describe(t);
    }
    // A chain written out, or one whole rendered unknown (`{parameter 'x' (no value given)}`).
    let whole_group = t.starts_with('{')
        && group_end(&t.chars().collect::<Vec<_>>(), 0) == Some(t.chars().count() - 1);
    if (whole_group || !t.starts_with('{')) && looks_like_provenance(t) {
        return describe(t);
    }
    reviewer_text(chain)
}

/// The index of the `}` closing the `{` at `start`.
fn group_end(chars: &[char], start: usize) -> Option<usize> {
    let mut depth = 0usize;
    for (j, &c) in chars.iter().enumerate().skip(start) {
        match c {
            '{' => depth += 1,
            '}' => {
                depth -= 1;
                if depth == 0 {
                    return Some(j);
                }
            }
            _ => {}
        }
    }
    None
}

/// Whether a `{…}` group is a rendered unknown (not a format placeholder like `{0}`, not JSON).
fn looks_like_provenance(inner: &str) -> bool {
    [
        "parameter '",
        "runtime ",
        "() at deployment time",
        "not evaluated",
        "resource id ",
        "() of ",
        " of ",
    ]
    .iter()
    .any(|m| inner.contains(m))
}

/// What decides an unknown, in a few words.
fn describe(inner: &str) -> String {
    let mut parameters: Vec<&str> = Vec::new();
    let mut rest = inner;
    while let Some(at) = rest.find("parameter '") {
        let after = &rest[at + "parameter '".len()..];
        let Some(close) = after.find('\'') else {
            break;
        };
        let name = &after[..close];
        if !parameters.contains(&name) {
            parameters.push(name);
        }
        rest = &after[close..];
    }
    let mut sources: Vec<String> = Vec::new();
    match parameters.as_slice() {
        [] => {}
        [one] => sources.push(format!("parameter '{one}'")),
        many => {
            let quoted: Vec<String> = many.iter().map(|p| format!("'{p}'")).collect();
            let (last, first) = quoted.split_last().unwrap_or((&quoted[0], &[]));
            sources.push(format!("parameters {} and {last}", first.join(", ")));
        }
    }
    for function in ["newGuid", "utcNow"] {
        if inner.contains(&format!("{function}() at deployment time")) {
            sources.push(format!("{function}()"));
        }
    }
    if sources.is_empty() {
        if let Some(resource) = runtime_resource(inner) {
            sources.push(format!("the deployed state of {resource}"));
        }
    }
    if sources.is_empty() && inner.contains(arm::eval::LOCATION_NOT_GIVEN) {
        // The deployment location when no --location was given (the placeholder is no fact).
        return arm::eval::LOCATION_NOT_GIVEN.to_string();
    }
    if sources.is_empty() {
        // What the engine could not evaluate says why (`not evaluated: templateLink.uri`).
        if let Some(at) = inner.find("not evaluated: ") {
            return inner[at..].to_string();
        }
        return "a value known only at deployment".to_string();
    }
    sources.join(" and ")
}

/// `Microsoft.X/y/name` from the first `runtime property … of <type>/<name>` in the chain.
fn runtime_resource(inner: &str) -> Option<String> {
    let at = inner.find("runtime ")?;
    let after = &inner[at..];
    let of = after.find(" of ")?;
    let resource: String = after[of + 4..]
        .chars()
        .take_while(|c| !c.is_whitespace() && *c != '{' && *c != '}')
        .collect();
    (!resource.is_empty()).then_some(resource)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unknown_location_reads_as_the_deployment_location() {
        assert_eq!(
            reviewer_text("API connection '{concat of not evaluated: the deployment location (not given: pass --location)}' used by x"),
            "API connection named by the deployment location (not given: pass --location) used by x"
        );
    }

    #[test]
    fn quoted_unknown_names_say_what_names_them() {
        assert_eq!(
            reviewer_text("Logic App workflow '{parameter 'logicAppName' (no value given)}' has no managed identity"),
            "Logic App workflow named by parameter 'logicAppName' has no managed identity"
        );
        assert_eq!(
            reviewer_text("the grant of '{coalesce of tryGet of parameter 'roleDefinitionIdOrName' (no value given) and parameter 'roleDefinitionIdOrName' (no value given)}' on x"),
            "the grant of the role named by parameter 'roleDefinitionIdOrName' on x"
        );
    }

    #[test]
    fn unknown_parts_of_ids_name_their_inputs_once() {
        assert_eq!(
            reviewer_text("on '/subscriptions/0/resourceGroups/rg/providers/{format of parameter 'galleryName' (no value given)}' is"),
            "on '/subscriptions/0/resourceGroups/rg/providers/{parameter 'galleryName'}' is"
        );
        assert_eq!(
            reviewer_text("identity '{format of resourceId of runtime property properties.outputs.uaiName.value of Microsoft.Resources/deployments/{format of substring of uniqueString of format of utcNow() at deployment time}}' is"),
            "identity named by utcNow() is"
        );
        assert_eq!(
            reviewer_text("storage account '{parameter 'accountName' (no value given)}}' to"),
            "storage account named by parameter 'accountName' to"
        );
        assert_eq!(
            reviewer_text("image '{take of format of newGuid() at deployment time}' and"),
            "image named by newGuid() and"
        );
        assert_eq!(
            reviewer_text("on Microsoft.Network/virtualNetworks/subnets '{parameter 'vnetName' (no value given)}/{parameter 'subnet' (no value given)}' is"),
            "on Microsoft.Network/virtualNetworks/subnets named by parameters 'vnetName' and 'subnet' is"
        );
        // A known segment between them: not one unknown name.
        assert_eq!(
            reviewer_text("subnets '{parameter 'v' (no value given)}/default' is"),
            "subnets '{parameter 'v'}/default' is"
        );
    }

    #[test]
    fn chains_written_out_say_what_decides_them() {
        assert_eq!(
            decided_by("index 0 of parameter 'arcNodePrincipalIds' (no value given)"),
            "parameter 'arcNodePrincipalIds'"
        );
        assert_eq!(
            decided_by("not of empty of runtime property identity.principalId of Microsoft.CognitiveServices/accounts/cs"),
            "the deployed state of Microsoft.CognitiveServices/accounts/cs"
        );
        assert_eq!(
            decided_by("/subscriptions/0/resourceGroups/rg"),
            "/subscriptions/0/resourceGroups/rg"
        );
        assert_eq!(
            decided_by("/subscriptions/0/resourceGroups/rg/providers/{format of parameter 'galleryName' (no value given)}"),
            "parameter 'galleryName'"
        );
    }

    #[test]
    fn other_braces_are_left_alone() {
        for t in [
            "format('{0}-{1}', a)",
            "subnets '{...}/{...}'",
            "no braces at all",
        ] {
            assert_eq!(reviewer_text(t), t);
        }
    }
}
