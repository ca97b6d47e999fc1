//! Inline suppressions in Bicep, reviewed like code: `#disable-next-line rolegate-RA008 reason`
//! silences that rule's findings on the next line (Bicep's own directive, so the Bicep linter and
//! editors accept it; a `// reason` comment after the codes works too). Bicep's own
//! `#disable-next-line secure-secrets-in-params` also silences rolegate's matching secret rule.

use crate::syntax::File;

/// The prefix that makes a `#disable-next-line` code name a rolegate rule: `rolegate-RA008`.
pub const CODE_PREFIX: &str = "rolegate-";

/// Bicep linter rules whose suppression also silences the rolegate rule that checks the same thing.
pub const BICEP_EQUIVALENTS: &[(&str, &str)] = &[("secure-secrets-in-params", "SC002")];

/// One rule silenced on one line by a directive.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InlineSuppression {
    /// The `.bicep` file, as shown in positions.
    pub file: String,
    /// Where the directive is (1-based line and column).
    pub directive_line: u32,
    pub directive_column: u32,
    /// The line it silences: the next line that is not another directive.
    pub line: u32,
    /// The code as written, e.g. `rolegate-RA008` or `secure-secrets-in-params`.
    pub code: String,
    /// The rolegate rule id it silences, e.g. `RA008`.
    pub rule: String,
    /// The author's reason (may be empty; the report shows it).
    pub reason: String,
    /// True for a Bicep linter code (it serves Bicep too, so it is never reported as unused).
    pub bicep_linter: bool,
}

/// Every rolegate-relevant suppression in a parsed file named `file`.
pub fn suppressions(file: &str, syntax: &File) -> Vec<InlineSuppression> {
    let directive_lines: Vec<u32> = syntax.directives.iter().map(|d| d.line).collect();
    let mut out = Vec::new();
    for directive in &syntax.directives {
        let mut line = directive.line + 1;
        while directive_lines.contains(&line) {
            line += 1;
        }
        for code in &directive.codes {
            let (rule, bicep_linter) = match code
                .get(..CODE_PREFIX.len())
                .filter(|p| p.eq_ignore_ascii_case(CODE_PREFIX))
            {
                Some(_) => (code[CODE_PREFIX.len()..].to_ascii_uppercase(), false),
                None => match BICEP_EQUIVALENTS
                    .iter()
                    .find(|(bicep, _)| bicep.eq_ignore_ascii_case(code))
                {
                    Some((_, rule)) => (rule.to_string(), true),
                    None => continue,
                },
            };
            out.push(InlineSuppression {
                file: file.to_string(),
                directive_line: directive.line,
                directive_column: directive.column,
                line,
                code: code.clone(),
                rule,
                reason: directive.reason.clone(),
                bicep_linter,
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::parse;

    #[test]
    fn rolegate_codes_and_bicep_equivalents_are_read_other_codes_ignored() {
        let text = "\
#disable-next-line rolegate-RA008 rolegate-ra007 name fixed by the platform
resource a 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: 'x'
}
#disable-next-line secure-secrets-in-params // demo only
#disable-next-line no-unused-params
param pwd string
";
        let found = suppressions("main.bicep", &parse(text));
        let summary: Vec<_> = found
            .iter()
            .map(|s| (s.rule.as_str(), s.line, s.bicep_linter, s.reason.as_str()))
            .collect();
        assert_eq!(
            summary,
            vec![
                ("RA008", 2, false, "name fixed by the platform"),
                ("RA007", 2, false, "name fixed by the platform"),
                ("SC002", 7, true, "demo only"),
            ]
        );
    }
}
