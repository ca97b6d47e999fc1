//! Why a policy could not be loaded. Every problem in the file names file:line:column.

use std::fmt;

use arm::Location;

/// What kind of problem a diagnostic reports (callers and tests can match on it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DiagnosticKind {
    /// Not valid YAML (also: duplicate keys, an empty file).
    Syntax,
    /// A key the format does not know (often a typo).
    UnknownKey,
    /// A required key is missing.
    MissingKey,
    /// A value of the wrong type or outside the allowed values.
    InvalidValue,
    /// `version` is not one this rolegate reads.
    UnsupportedVersion,
    /// A glob that does not compile.
    InvalidGlob,
    /// A date that is not a real `YYYY-MM-DD` day.
    InvalidDate,
}

/// One problem in a policy file, at a position.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// Where the problem is (file, line, column, JSON pointer of the value).
    pub location: Location,
    /// What kind of problem.
    pub kind: DiagnosticKind,
    /// What is wrong, for people.
    pub message: String,
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.location, self.message)
    }
}

/// A policy that could not be read or is not valid.
#[derive(Debug, Clone, thiserror::Error)]
pub enum PolicyError {
    /// The file could not be read.
    #[error("{file}: cannot read policy: {message}")]
    Io {
        /// The path as given.
        file: String,
        /// The operating system's reason.
        message: String,
    },
    /// The file was read but is not a valid policy; at least one diagnostic.
    #[error("{}", render(.diagnostics))]
    Invalid {
        /// The path as given (or the embedded policy's name).
        file: String,
        /// Every problem found, in file order.
        diagnostics: Vec<Diagnostic>,
    },
}

impl PolicyError {
    /// The diagnostics, when the file was read.
    pub fn diagnostics(&self) -> &[Diagnostic] {
        match self {
            PolicyError::Io { .. } => &[],
            PolicyError::Invalid { diagnostics, .. } => diagnostics,
        }
    }
}

fn render(diagnostics: &[Diagnostic]) -> String {
    let lines: Vec<String> = diagnostics.iter().map(ToString::to_string).collect();
    lines.join("\n")
}
