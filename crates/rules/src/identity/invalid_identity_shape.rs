//! MI003: an identity block Azure rejects or tools misread.

use access::IdentityProblem;

use crate::context::{workload_words, Cx};
use crate::finding::Finding;
use crate::registry::RuleMeta;
use crate::violation::Violation;

crate::declare_rule! {
    /// ## What it does
    /// Flags identity blocks that Azure rejects or that are easily misread: a Consumption workflow
    /// (`Microsoft.Logic/workflows`) with both system- and user-assigned identities or with more
    /// than one user-assigned identity, `UserAssigned` without any `userAssignedIdentities`,
    /// `userAssignedIdentities` under a type that does not include `UserAssigned`, and
    /// `identity.type` strings that are not `None`, `SystemAssigned`, `UserAssigned` or
    /// `SystemAssigned, UserAssigned` (with or without the space).
    ///
    /// ## Why is this bad?
    /// Consumption Logic Apps take either the system-assigned identity or one user-assigned
    /// identity, never both: ARM fails the deployment. A misspelt type is rejected too, or read
    /// differently by different tools, so a reviewer cannot tell which identity runs the workflow.
    ///
    /// ## Example
    /// ```json
    /// {
    ///   "type": "Microsoft.Logic/workflows",
    ///   "identity": {
    ///     "type": "SystemAssigned, UserAssigned",
    ///     "userAssignedIdentities": { "[variables('uamiId')]": {} }
    ///   }
    /// }
    /// ```
    ///
    /// Use instead:
    /// ```json
    /// {
    ///   "type": "Microsoft.Logic/workflows",
    ///   "identity": {
    ///     "type": "UserAssigned",
    ///     "userAssignedIdentities": { "[variables('uamiId')]": {} }
    ///   }
    /// }
    /// ```
    ///
    /// ## References
    /// - [Logic Apps: enable a managed identity (Consumption limits)](https://learn.microsoft.com/azure/logic-apps/authenticate-with-managed-identity)
    /// - [Microsoft.Logic/workflows template reference](https://learn.microsoft.com/azure/templates/microsoft.logic/workflows)
    pub const RULE = ("MI003", "invalid-identity-shape", Identity, Error);
}

/// What is wrong with the identity block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Shape {
    /// Consumption workflow with system and user identities.
    BothOnConsumption,
    /// Consumption workflow with this many user-assigned identities.
    SeveralUserAssignedOnConsumption(usize),
    /// `UserAssigned` but no identities listed.
    UserAssignedWithoutIdentities,
    /// An `identity.type` string Azure does not know.
    UnknownType(String),
    /// `userAssignedIdentities` is listed but the type does not include `UserAssigned`.
    UserAssignedListIgnored,
}

/// An identity block of the wrong shape.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidIdentityShape {
    /// The workload in words.
    pub workload: String,
    pub shape: Shape,
}

impl Violation for InvalidIdentityShape {
    fn rule(&self) -> &'static RuleMeta {
        &RULE
    }

    fn message(&self) -> String {
        let w = &self.workload;
        match &self.shape {
            Shape::BothOnConsumption => format!(
                "{w} declares both a system-assigned and a user-assigned identity; a Consumption Logic App takes only one of them, so ARM rejects it"
            ),
            Shape::SeveralUserAssignedOnConsumption(n) => format!(
                "{w} declares {n} user-assigned identities; a Consumption Logic App takes at most one"
            ),
            Shape::UserAssignedWithoutIdentities => format!(
                "{w} has identity type 'UserAssigned' but lists no userAssignedIdentities"
            ),
            Shape::UnknownType(t) => format!(
                "{w} has identity type '{t}', which is not one of None, SystemAssigned, UserAssigned, 'SystemAssigned, UserAssigned'"
            ),
            Shape::UserAssignedListIgnored => format!(
                "{w} lists userAssignedIdentities but its identity type does not include 'UserAssigned', so they are not attached"
            ),
        }
    }

    fn fix(&self) -> Option<String> {
        Some(match &self.shape {
            Shape::BothOnConsumption | Shape::SeveralUserAssignedOnConsumption(_) => {
                "keep exactly one identity: 'SystemAssigned', or 'UserAssigned' with a single entry".to_string()
            }
            Shape::UserAssignedWithoutIdentities => {
                "list the identity's resource id under `userAssignedIdentities`, or use 'SystemAssigned'".to_string()
            }
            Shape::UserAssignedListIgnored => {
                "include 'UserAssigned' in `identity.type`, or remove the unused `userAssignedIdentities`".to_string()
            }
            Shape::UnknownType(_) => {
                "use 'SystemAssigned', 'UserAssigned' or (Standard only) 'SystemAssigned, UserAssigned'".to_string()
            }
        })
    }
}

/// Every identity block with a shape problem the model found.
pub(crate) fn check(cx: &Cx, out: &mut Vec<Finding>) {
    for w in &cx.model.workloads {
        if w.existing {
            continue;
        }
        for problem in &w.identity.problems {
            let shape = match problem {
                IdentityProblem::ConsumptionBothKinds => Shape::BothOnConsumption,
                IdentityProblem::ConsumptionMultipleUserAssigned { count } => {
                    Shape::SeveralUserAssignedOnConsumption(*count)
                }
                IdentityProblem::UserAssignedListEmpty => Shape::UserAssignedWithoutIdentities,
                IdentityProblem::UnknownType { value } => Shape::UnknownType(value.clone()),
                IdentityProblem::UserAssignedListIgnored => Shape::UserAssignedListIgnored,
                // Unknown until deployment: reported by the EV rules, not a shape error.
                IdentityProblem::UnresolvedType { .. }
                | IdentityProblem::UnresolvedUserAssigned { .. } => continue,
            };
            let violation = InvalidIdentityShape {
                workload: workload_words(w),
                shape,
            };
            out.push(cx.identity_finding(&violation, w));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::*;

    #[test]
    fn fires_for_both_kinds_on_consumption() {
        let mut m = model();
        let mut w = workflow("wf1", Some(system()));
        w.identity
            .problems
            .push(IdentityProblem::ConsumptionBothKinds);
        m.workloads.push(w);
        let f = run_rule(&m, &default_policy(), check);
        assert_eq!(f.len(), 1);
        assert!(f[0]
            .message
            .contains("both a system-assigned and a user-assigned"));
    }

    #[test]
    fn unresolved_type_is_not_a_shape_error() {
        let mut m = model();
        let mut w = workflow("wf1", Some(system()));
        w.identity.problems.push(IdentityProblem::UnresolvedType {
            depends_on: "parameter 'identityType'".into(),
        });
        m.workloads.push(w.clone());
        assert!(run_rule(&m, &default_policy(), check).is_empty());
        w.identity.problems = vec![IdentityProblem::UnknownType {
            value: "SystemAssigned,UserAsigned".into(),
        }];
        m.workloads = vec![w];
        let f = run_rule(&m, &default_policy(), check);
        assert!(f[0].message.contains("'SystemAssigned,UserAsigned'"));
    }
}
