//! Case-insensitive globs, as Azure compares names and types case-insensitively.

use std::fmt;

/// A compiled case-insensitive glob. `*` matches any run of characters, `/` included, so that
/// `/subscriptions/*/resourceGroups/rg-*` works on resource ids; `?`, `[abc]` and `{a,b}` work too.
#[derive(Clone)]
pub struct Pattern {
    text: String,
    matcher: Matcher,
}

/// Most policy globs are literals with `*` or `?` (`wf-pay-*`, `Microsoft.KeyVault/vaults`):
/// those are matched directly, because building a regex per glob made loading a large policy
/// cost ~0.5 ms per workload rule. Classes, alternatives and escapes go to globset.
#[derive(Clone)]
enum Matcher {
    /// Lowercased pattern using only `*` and `?` as wildcards (bytes when it is ASCII, so that
    /// matching ASCII names, the usual case, needs no allocation).
    Simple {
        chars: Vec<char>,
        ascii: Option<Vec<u8>>,
    },
    Glob(globset::GlobMatcher),
}

/// `*` and `?` match any run / any one character (`/` included); both sides already folded.
fn wildcard_match<T: PartialEq + Copy>(pattern: &[T], text: &[T], star: T, any: T) -> bool {
    let (mut p, mut t) = (0, 0);
    let mut backtrack: Option<(usize, usize)> = None;
    while t < text.len() {
        if p < pattern.len() && pattern[p] != star && (pattern[p] == any || pattern[p] == text[t]) {
            p += 1;
            t += 1;
        } else if p < pattern.len() && pattern[p] == star {
            backtrack = Some((p, t));
            p += 1;
        } else if let Some((sp, st)) = backtrack {
            p = sp + 1;
            t = st + 1;
            backtrack = Some((sp, st + 1));
        } else {
            return false;
        }
    }
    pattern[p..].iter().all(|c| *c == star)
}

fn fold(text: &str) -> Vec<char> {
    text.chars().flat_map(char::to_lowercase).collect()
}

impl Pattern {
    /// Compiles `text`; the error message says what is wrong with it.
    pub fn new(text: &str) -> Result<Pattern, String> {
        let trimmed = text.trim();
        if !trimmed.contains(['[', ']', '{', '}', '\\']) {
            let ascii = trimmed
                .is_ascii()
                .then(|| trimmed.to_ascii_lowercase().into_bytes());
            return Ok(Pattern {
                text: text.to_owned(),
                matcher: Matcher::Simple {
                    chars: fold(trimmed),
                    ascii,
                },
            });
        }
        let glob = globset::GlobBuilder::new(text.trim())
            .case_insensitive(true)
            .literal_separator(false)
            .backslash_escape(true)
            .build()
            .map_err(|e| e.kind().to_string())?;
        Ok(Pattern {
            text: text.to_owned(),
            matcher: Matcher::Glob(glob.compile_matcher()),
        })
    }

    /// Whether `candidate` matches.
    pub fn is_match(&self, candidate: &str) -> bool {
        match &self.matcher {
            Matcher::Simple {
                ascii: Some(pattern),
                ..
            } if candidate.is_ascii() => {
                if candidate.len() <= 256 {
                    let mut buf = [0u8; 256];
                    let folded = &mut buf[..candidate.len()];
                    folded.copy_from_slice(candidate.as_bytes());
                    folded.make_ascii_lowercase();
                    wildcard_match(pattern, folded, b'*', b'?')
                } else {
                    let folded = candidate.to_ascii_lowercase().into_bytes();
                    wildcard_match(pattern, &folded, b'*', b'?')
                }
            }
            Matcher::Simple { chars, .. } => wildcard_match(chars, &fold(candidate), '*', '?'),
            Matcher::Glob(glob) => glob.is_match(candidate),
        }
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
        assert!(m("é*", "ÉTÉ"), "non-ASCII names fold too");
        assert!(!m("kv-?", "kv-12"));
        assert!(!m("wf-*", "app-wf-1"));
    }

    #[test]
    fn simple_and_full_globs_agree() {
        let cases = [
            ("*", ""),
            ("*", "a/b"),
            ("a*b*c", "aXbYc"),
            ("a*b*c", "abcbc"),
            ("a*b*c", "acb"),
            ("**", "x"),
            ("*x", "xxx"),
            ("?x*", "ax"),
            ("?x*", "x"),
            ("kv-*-prod", "KV-1-PROD"),
            ("kv-*-prod", "kv--prod"),
            ("kv-*-prod", "kv-prod"),
            ("wf", "WF"),
            ("wf", "wf2"),
            ("*é", "x"),
            (
                "/subscriptions/*/resourceGroups/rg",
                "/subscriptions/1/2/resourcegroups/RG",
            ),
        ];
        for (glob, text) in cases {
            let full = globset::GlobBuilder::new(glob)
                .case_insensitive(true)
                .literal_separator(false)
                .build()
                .map(|g| g.compile_matcher().is_match(text));
            assert_eq!(Some(m(glob, text)), full.ok(), "{glob} vs {text}");
        }
    }

    #[test]
    fn invalid_glob_is_an_error() {
        assert!(Pattern::new("kv-[a").is_err());
        assert!(Pattern::new("{a,b").is_err());
    }
}
