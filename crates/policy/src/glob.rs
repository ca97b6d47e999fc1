//! Case-insensitive globs, as Azure compares names and types case-insensitively.

use std::fmt;

/// A compiled case-insensitive glob. `*` matches any run of characters, `/` included, so that
/// `/subscriptions/*/resourceGroups/rg-*` works on resource ids; `?`, `[abc]` and `{a,b}` work too.
#[derive(Clone)]
pub struct Pattern {
    text: String,
    matcher: globset::GlobMatcher,
}

impl Pattern {
    /// Compiles `text`; the error message says what is wrong with it.
    pub fn new(text: &str) -> Result<Pattern, String> {
        let glob = globset::GlobBuilder::new(text.trim())
            .case_insensitive(true)
            .literal_separator(false)
            .backslash_escape(true)
            .build()
            .map_err(|e| e.kind().to_string())?;
        Ok(Pattern {
            text: text.to_owned(),
            matcher: glob.compile_matcher(),
        })
    }

    /// Whether `candidate` matches.
    pub fn is_match(&self, candidate: &str) -> bool {
        self.matcher.is_match(candidate)
    }

    /// The glob as written.
    pub fn as_str(&self) -> &str {
        &self.text
    }
}

impl fmt::Debug for Pattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Pattern({:?})", self.text)
    }
}

impl fmt::Display for Pattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(glob: &str, text: &str) -> bool {
        Pattern::new(glob)
            .map(|p| p.is_match(text))
            .unwrap_or(false)
    }

    #[test]
    fn case_insensitive_and_crosses_slashes() {
        assert!(m("microsoft.logic/WORKFLOWS", "Microsoft.Logic/workflows"));
        assert!(m("wf-*", "WF-Payments"));
        assert!(m(
            "/subscriptions/*/resourceGroups/rg-*",
            "/subscriptions/123/resourcegroups/RG-a"
        ));
        assert!(m(
            "Microsoft.{Logic/workflows,Web/sites}",
            "microsoft.web/sites"
        ));
        assert!(m("kv-?", "kv-1"));
        assert!(!m("kv-?", "kv-12"));
        assert!(!m("wf-*", "app-wf-1"));
    }

    #[test]
    fn invalid_glob_is_an_error() {
        assert!(Pattern::new("kv-[a").is_err());
        assert!(Pattern::new("{a,b").is_err());
    }
}
