//! What every rule's violation struct provides, and how it becomes a [`Finding`].

use arm::Location;

use crate::finding::{Finding, Label, Subject};
use crate::registry::RuleMeta;

/// One instance of a rule's mistake, holding the values found; it formats the user-facing text.
pub trait Violation {
    /// The rule this violation belongs to.
    fn rule(&self) -> &'static RuleMeta;
    /// What is wrong, in a reviewer's words (identity, role, scope by name).
    fn message(&self) -> String;
    /// The proposed fix, when there is a concrete one.
    fn fix(&self) -> Option<String> {
        None
    }
}

impl Finding {
    /// A finding for `violation` at `location`, with the rule's default severity.
    pub fn new(violation: &dyn Violation, location: Location) -> Finding {
        let rule = violation.rule();
        Finding {
            rule: rule.id.to_string(),
            name: rule.name.to_string(),
            severity: rule.default_severity,
            // Provenance chains stay in the plan JSON and `-v`; messages say what decides a value.
            message: crate::reviewer_words::reviewer_text(&violation.message()),
            location,
            labels: Vec::new(),
            fix: violation
                .fix()
                .map(|f| crate::reviewer_words::reviewer_text(&f)),
            subject: Subject::default(),
            suppressed: None,
            resource: None,
        }
    }

    /// Adds a secondary location (the policy line involved, the identity's declaration, ...).
    pub fn with_label(mut self, location: Option<Location>, message: impl Into<String>) -> Finding {
        if let Some(location) = location {
            self.labels.push(Label {
                location,
                // Labels name resources too ("attached to … '{…}'"): in the message's words.
                message: crate::reviewer_words::reviewer_text(&message.into()),
            });
        }
        self
    }

    /// Sets what the finding is about.
    pub fn with_subject(mut self, subject: Subject) -> Finding {
        self.subject = subject;
        self
    }
}
