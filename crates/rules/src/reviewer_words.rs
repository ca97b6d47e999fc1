//! Finding messages in a reviewer's words: a value known only at deployment is rendered into ids
//! and names as its provenance chain (`{format of substring of uniqueString of parameter 'name'
//! (no value given)}`), which the plan JSON and `-v` logs keep; a message says only what the
//! reviewer needs: which parameters (or `newGuid()`, or which resource's deployed state) decide
//! it ("Logic App workflow named by parameter 'name'").
//!
//! The report's tables (grants, identities) and every renderer use the same words through
//! [`identity_display`], [`role_display`] and [`scope_display`], so a name reads alike in a
//! finding's message, the terminal table, the PR comment and SARIF.

/// `text` with every rendered unknown (`{...}` group) replaced by what decides it. A quoted
/// unknown after a noun (`workflow '{…}'`) becomes `workflow named by parameter 'x'`; unknown
/// parts of a longer name or id become `<…>`, and what decides them follows the name once
/// (`subnets '<…>/default' (<…> from parameter 'v')`). Text without such groups is returned
/// unchanged.
pub fn reviewer_text(text: &str) -> String {
    if !text.contains('{') {
        return text.to_string();
    }
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    // Whether a quoted name is open, and the unknown parts of the name or id being written (what
    // decides them is said once, after it).
    let mut in_quote = false;
    let mut parts: Vec<String> = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c != '{' {
            if c == '\'' {
                let before = i.checked_sub(1).map(|j| chars[j]);
                let after = chars.get(i + 1).copied();
                if in_quote && !after.is_some_and(char::is_alphanumeric) {
                    // The closing quote of a name.
                    in_quote = false;
                    out.push(c);
                    push_parts_legend(&mut out, &mut parts);
                    i += 1;
                    continue;
                }
                if !in_quote && !before.is_some_and(char::is_alphanumeric) {
                    in_quote = true;
                }
            } else if c.is_whitespace() && !in_quote {
                push_parts_legend(&mut out, &mut parts);
            }
            out.push(c);
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
            in_quote = false;
            i = end + 2;
        } else if !in_quote
            && (out.is_empty() || out.ends_with(char::is_whitespace))
            && chars
                .get(end + 1)
                .is_none_or(|c| c.is_whitespace() || matches!(c, ',' | ';' | ':' | ')'))
        {
            // A whole unquoted word (`workflows {…} (Logic App)`, `… : {…}`): after a noun,
            // "named by"; else what decides it.
            let before = out.trim_end().to_string();
            let last_word = before.split_whitespace().last().unwrap_or("");
            let noun = last_word.ends_with(|c: char| c.is_alphanumeric())
                && !NOT_NOUNS.contains(&last_word.to_ascii_lowercase().as_str());
            if noun {
                out.truncate(before.len());
                out.push_str(" named by ");
            }
            out.push_str(&phrase);
            i = end + 1;
        } else {
            // Part of a longer name or id: a placeholder; what decides it follows the name.
            out.push_str(UNKNOWN_PART);
            parts.push(inner);
            i = end + 1;
        }
    }
    push_parts_legend(&mut out, &mut parts);
    out
}

/// Stands for a part of a name or id known only at deployment.
const UNKNOWN_PART: &str = "<…>";

/// After a name or id with unknown parts: ` (<…> from parameter 'x')`, once for all its parts.
/// Trailing punctuation of an unquoted id stays after the note.
fn push_parts_legend(out: &mut String, parts: &mut Vec<String>) {
    if parts.is_empty() {
        return;
    }
    let phrase = describe(&parts.join(" "));
    parts.clear();
    let kept = out.len() - out.trim_end_matches([',', ';', ':', '.', ')']).len();
    let punctuation = out.split_off(out.len() - kept);
    let note = if phrase == UNKNOWN_PHRASE {
        format!(" ({UNKNOWN_PART} known only at deployment)")
    } else {
        format!(" ({UNKNOWN_PART} from {phrase})")
    };
    out.push_str(&note);
    out.push_str(&punctuation);
}

/// How the report's tables name the identity a grant is to: `name (system-assigned)` when the
/// name is known; else in a finding's words ("the system-assigned identity of web app named by
/// parameter 'app'"); the kubelet or add-on identity an AKS cluster manages by its cluster.
pub fn identity_display(model: &access::AccessModel, principal: &access::Principal) -> String {
    use access::PrincipalKind;
    match (principal.kind, &principal.resource) {
        (PrincipalKind::SystemAssigned, Some(id)) => match id.name().filter(|n| !n.contains('{')) {
            Some(name) => format!("{name} (system-assigned)"),
            None => system_identity_display(model, id),
        },
        (PrincipalKind::UserAssigned, Some(id)) => user_identity_display(model, id),
        (PrincipalKind::External, _) => match &principal.id {
            Some(id) => format!("external principal {id}"),
            None => format!("external principal ({})", decided_by(&principal.provenance)),
        },
        (PrincipalKind::Parameter, _) => {
            format!(
                "parameter '{}'",
                principal.parameter.as_deref().unwrap_or("?")
            )
        }
        (PrincipalKind::Deployer, _) => {
            "the identity that runs the deployment (deployer())".to_string()
        }
        (PrincipalKind::Invalid, _) => format!("invalid principal ({})", principal.provenance),
        _ => match failed_expression_line(&principal.provenance) {
            // An evaluation error (EV003) left it unknown: point at the error, not the engine text.
            Some(line) => format!("not evaluated (see the template error at line {line})"),
            None => format!("unresolved ({})", decided_by(&principal.provenance)),
        },
    }
}

/// The line of `an expression that failed to evaluate (line N)`, the engine's words for a value an
/// evaluation error left unknown.
pub(crate) fn failed_expression_line(provenance: &str) -> Option<u32> {
    const MARK: &str = "an expression that failed to evaluate (line ";
    let at = provenance.find(MARK)? + MARK.len();
    let rest = &provenance[at..];
    rest[..rest.find(')')?].parse().ok()
}

/// The user-assigned identity `id` as the tables name it: `name (user-assigned)`; "the kubelet
/// identity of AKS cluster 'aks'" for one a cluster manages; "user-assigned identity named by
/// parameter 'x'" when its name is known only at deployment.
pub fn user_identity_display(model: &access::AccessModel, id: &access::ResourceId) -> String {
    let managed = model
        .identities
        .iter()
        .find(|i| &i.id == id)
        .and_then(|i| i.managed_by.as_ref());
    if let Some(m) = managed {
        return reviewer_text(&format!(
            "the {} identity of {}",
            m.feature,
            model
                .workload(&m.resource)
                .map(crate::context::workload_words)
                .unwrap_or_else(|| crate::context::resource_words(&m.resource))
        ));
    }
    match id.name().filter(|n| !n.contains('{')) {
        Some(name) => format!("{name} (user-assigned)"),
        None => reviewer_text(&crate::context::user_identity_words(id)),
    }
}

/// "the system-assigned identity of web app named by parameter 'app'": the identity of workload
/// `id` (a resource of `model`) whose name is known only at deployment.
pub fn system_identity_display(model: &access::AccessModel, id: &access::ResourceId) -> String {
    let owner = model
        .workload(id)
        .map(crate::context::workload_words)
        .unwrap_or_else(|| crate::context::resource_words(id));
    reviewer_text(&format!("the system-assigned identity of {owner}"))
}

/// A grant's scope for the report's tables: the resource id when it is known; else the resource
/// in a finding's words ("resource group named by parameter 'rg'").
pub fn scope_display(scope: &str) -> String {
    if !scope.contains('{') {
        return scope.to_string();
    }
    reviewer_text(&crate::context::resource_words(&access::ResourceId::parse(
        scope,
    )))
}

/// A grant's role for the report's tables: its name, or what decides it ("role named by parameter
/// 'roleId'").
pub fn role_display(role: &str) -> String {
    let t = role.trim();
    let chars: Vec<char> = t.chars().collect();
    let whole_group =
        t.starts_with('{') && group_end(&chars, 0) == Some(chars.len().saturating_sub(1));
    if whole_group && looks_like_provenance(&t[1..t.len() - 1]) {
        return format!("role named by {}", describe(&t[1..t.len() - 1]));
    }
    reviewer_text(role)
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
pub fn decided_by(chain: &str) -> String {
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

/// What [`describe`] says when nothing names what decides a value.
const UNKNOWN_PHRASE: &str = "a value known only at deployment";

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
        if let Some(source) = runtime_source(inner) {
            sources.push(source);
        }
    }
    if sources.is_empty() && inner.contains(arm::eval::LOCATION_NOT_GIVEN) {
        // The deployment location when no --location was given (the placeholder is no fact).
        return arm::eval::LOCATION_NOT_GIVEN.to_string();
    }
    if sources.is_empty() {
        // What the engine could not evaluate, in its own words ("deployer().objectId: the
        // identity running the deployment", "an expression that failed to evaluate").
        if let Some(at) = inner.find(NOT_EVALUATED) {
            return inner[at + NOT_EVALUATED.len()..].to_string();
        }
        return UNKNOWN_PHRASE.to_string();
    }
    sources.join(" and ")
}

/// How the engine writes a value it could not evaluate (`not evaluated: <what>`).
const NOT_EVALUATED: &str = "not evaluated: ";

/// The first value of a deployed resource in the chain, in words: `runtime property
/// properties.clientId of Microsoft.ManagedIdentity/userAssignedIdentities/mi` → "the deployed
/// clientId of Microsoft.ManagedIdentity/userAssignedIdentities/mi"; a deployment's output →
/// "output 'x' of Microsoft.Resources/deployments/d"; `runtime state of X` → "the deployed
/// state of X".
fn runtime_source(inner: &str) -> Option<String> {
    let at = inner.find("runtime ")?;
    let after = &inner[at + "runtime ".len()..];
    let of = after.find(" of ")?;
    let resource: String = after[of + 4..]
        .chars()
        .take_while(|c| !c.is_whitespace() && *c != '{' && *c != '}')
        .collect();
    if resource.is_empty() {
        return None;
    }
    let what = match after[..of].strip_prefix("property ") {
        Some(path) => match path.split_once("outputs.") {
            Some((_, output)) => {
                let name = output.split('.').next().unwrap_or(output);
                return Some(format!("output '{name}' of {resource}"));
            }
            None => format!("the deployed {}", path.rsplit('.').next().unwrap_or(path)),
        },
        None => "the deployed state".to_string(),
    };
    Some(format!("{what} of {resource}"))
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
            "on '/subscriptions/0/resourceGroups/rg/providers/<…>' (<…> from parameter 'galleryName') is"
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
    }

    #[test]
    fn names_mixing_known_and_unknown_parts_say_what_decides_them_once() {
        // A known segment beside an unknown one: the name keeps its known part.
        assert_eq!(
            reviewer_text("subnets '{parameter 'v' (no value given)}/default' is"),
            "subnets '<…>/default' (<…> from parameter 'v') is"
        );
        // Several unknown parts of one name: one note for all of them.
        assert_eq!(
            reviewer_text("on '/subscriptions/{parameter 's' (no value given)}/resourceGroups/{format of parameter 'rg' (no value given)}' is"),
            "on '/subscriptions/<…>/resourceGroups/<…>' (<…> from parameters 's' and 'rg') is"
        );
        // An unquoted id: the note follows it, before its punctuation.
        assert_eq!(
            reviewer_text(
                "scope /subscriptions/0/resourceGroups/{guid of newGuid() at deployment time}, and"
            ),
            "scope /subscriptions/0/resourceGroups/<…> (<…> from newGuid()), and"
        );
        // Apostrophes inside words do not open a quote.
        assert_eq!(
            reviewer_text(
                "the workflow's call to 'https://x/{parameter 'p' (no value given)}/y' fails"
            ),
            "the workflow's call to 'https://x/<…>/y' (<…> from parameter 'p') fails"
        );
    }

    #[test]
    fn unquoted_unknown_words_read_as_what_decides_them() {
        assert_eq!(
            reviewer_text("Microsoft.Logic/workflows {parameter 'name' (no value given)} (Logic App Consumption)"),
            "Microsoft.Logic/workflows named by parameter 'name' (Logic App Consumption)"
        );
        assert_eq!(
            reviewer_text("role of role assignment {parameter 'n' (no value given)}: {coalesce of parameter 'r' (no value given)}"),
            "role of role assignment named by parameter 'n': parameter 'r'"
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
            "the deployed principalId of Microsoft.CognitiveServices/accounts/cs"
        );
        // A client id where a principal id belongs says so.
        assert_eq!(
            decided_by("runtime property properties.clientId of Microsoft.ManagedIdentity/userAssignedIdentities/mi"),
            "the deployed clientId of Microsoft.ManagedIdentity/userAssignedIdentities/mi"
        );
        assert_eq!(
            decided_by("guid of runtime property properties.outputs.uaiName.value of Microsoft.Resources/deployments/ids"),
            "output 'uaiName' of Microsoft.Resources/deployments/ids"
        );
        assert_eq!(
            decided_by("runtime state of Microsoft.Storage/storageAccounts/sa"),
            "the deployed state of Microsoft.Storage/storageAccounts/sa"
        );
        // What the engine could not evaluate, in its words, without the engine's prefix.
        assert_eq!(
            decided_by("not evaluated: deployer().objectId: the identity running the deployment"),
            "deployer().objectId: the identity running the deployment"
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
