//! LV006: a read from the tenant failed, so a live check could not be made.

use crate::context::Cx;
use crate::finding::{Finding, Subject};
use crate::live::{facts, location_for};
use crate::registry::RuleMeta;
use crate::violation::Violation;

crate::declare_rule! {
    /// ## What it does
    /// With `--live`, reports every read from ARM or Microsoft Graph that failed (403, 404 of a
    /// page, throttling beyond the retries, timeouts, malformed answers), naming the permission
    /// the read needs and the scope it needs it at. By default this fails the gate:
    /// `--live-errors warn` makes it a warning.
    ///
    /// ## Why is this bad?
    /// A live check that could not read the tenant found nothing, which is not the same as
    /// finding nothing wrong. Passing silently would let a stale assignment or a conflict through
    /// exactly when rolegate lacks the access to see it.
    ///
    /// ## Example
    /// `GET /subscriptions/…/resourceGroups/rg/providers/Microsoft.Authorization/roleAssignments`
    /// answers 403 `AuthorizationFailed`.
    ///
    /// Use instead: give the identity rolegate runs as `Reader` on the scopes the templates
    /// grant on (it includes `Microsoft.Authorization/roleAssignments/read` and
    /// `roleDefinitions/read`), and Microsoft Graph `Application.Read.All` to tell deleted
    /// principals apart.
    ///
    /// ## References
    /// - [Azure built-in roles: Reader](https://learn.microsoft.com/azure/role-based-access-control/built-in-roles/general#reader)
    /// - [Microsoft Graph: get servicePrincipal permissions](https://learn.microsoft.com/graph/api/serviceprincipal-get)
    pub const RULE = ("LV006", "live-check-failed", Live, Error);
}

/// A failed read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LiveCheckFailed {
    pub what: String,
    pub permission: String,
    pub scope: String,
    pub status: Option<u16>,
    pub message: String,
}

impl Violation for LiveCheckFailed {
    fn rule(&self) -> &'static RuleMeta {
        &RULE
    }

    fn message(&self) -> String {
        match self.status {
            Some(403) => format!(
                "cannot read {}: permission {} is missing at {} ({}); the live checks that need it were not made",
                self.what, self.permission, self.scope, self.message
            ),
            _ => format!(
                "cannot read {} (needs {} at {}): {}; the live checks that need it were not made",
                self.what, self.permission, self.scope, self.message
            ),
        }
    }

    fn fix(&self) -> Option<String> {
        Some(format!(
            "grant the identity rolegate runs as {} at {} (Reader includes the ARM reads), or pass `--live-errors warn` to report without failing",
            self.permission, self.scope
        ))
    }
}

pub(crate) fn check(cx: &Cx, out: &mut Vec<Finding>) {
    let Some(facts) = facts(cx) else {
        return;
    };
    for e in &facts.errors {
        let Some(location) = location_for(cx, &e.scope) else {
            continue;
        };
        let violation = LiveCheckFailed {
            what: e.what.clone(),
            permission: e.permission.clone(),
            scope: e.scope.clone(),
            status: e.status,
            message: e.message.clone(),
        };
        out.push(Finding::new(&violation, location).with_subject(Subject {
            scope: Some(e.scope.clone()),
            ..Subject::default()
        }));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::live::run_live;
    use crate::testing::*;
    use access::live::{LiveError, LiveFacts};

    #[test]
    fn a_403_names_the_permission_and_points_at_the_grant_on_that_scope() {
        let m = secret_reader_granted(KV_SECRETS_USER, &kv_id("kv1"));
        let mut facts = LiveFacts::default();
        facts.errors.push(LiveError {
            what: "role assignments".into(),
            scope: kv_id("kv1"),
            status: Some(403),
            permission: "Microsoft.Authorization/roleAssignments/read".into(),
            message: "AuthorizationFailed".into(),
        });
        let f = run_live(&m, &default_policy(), &facts, check);
        assert_eq!(f.len(), 1);
        assert!(f[0]
            .message
            .contains("permission Microsoft.Authorization/roleAssignments/read is missing at"));
        assert_eq!(f[0].location, m.grants[0].location);
    }
}
