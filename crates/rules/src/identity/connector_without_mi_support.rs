//! MI006: a managed API connection whose connector cannot use a managed identity.

use access::{ConnectionAuth, CredentialSource, CredentialUse};

use crate::context::{connection_finding, used_by, workload_words, Cx};
use crate::finding::{Finding, Severity};
use crate::registry::RuleMeta;
use crate::violation::Violation;

crate::declare_rule! {
    /// ## What it does
    /// Flags a managed API connection (`Microsoft.Web/connections`) used by a workflow whose
    /// connector does not support managed-identity authentication, so the connection has to hold a
    /// key, password or OAuth token.
    ///
    /// Trigger-only connectors that hold no credential at all (Microsoft Defender for Cloud's
    /// alert and recommendation triggers, `ascalert` and `ascassessment`) are not flagged; a
    /// connection of a connector that does support managed identity but was set up with a
    /// person's sign-in is MI008's finding. A connection's workflow is looked up in the
    /// connection's own template run only. A connection whose name is known only at deployment
    /// is named by the known part of its name (`'<location>-office365'` for
    /// `concat(parameters('location'), '-office365')`), else its symbolic name or line.
    ///
    /// The message and fix follow what stands on the far side:
    /// - a protocol or service that accepts no Microsoft Entra identity at all (FTP, SFTP, SMTP,
    ///   SendGrid, Twilio, ServiceNow, Slack, ...): no identity can replace the secret, so the fix
    ///   is to keep it out of the template (a `securestring` parameter fed by a Key Vault
    ///   reference). When every stored secret already comes from a `securestring` parameter, a Key
    ///   Vault reference or a `list*()` call at deployment, the finding is a note;
    /// - Microsoft 365 connectors that act as a signed-in person (Office 365 Outlook, SharePoint
    ///   Online): Microsoft Graph accepts the workflow's managed identity with an application
    ///   permission (Mail.Send limited to one mailbox, Sites.Selected on one site), so the fix is
    ///   an HTTP action to Graph;
    /// - B2B connectors (AS2, X12, EDIFACT) store the integration account's callback URL; read
    ///   with `listCallbackUrl()` at deployment it is never in the template (a note).
    ///
    /// ## Why is this bad?
    /// The point of a managed identity is that no secret exists. A connector without managed
    /// identity support forces a stored credential that someone must create, rotate and protect,
    /// and that anyone with `Microsoft.Web/connections` access can reuse. Often the same service
    /// is reachable through a built-in HTTP action with `ManagedServiceIdentity` authentication or
    /// through another connector that supports it.
    ///
    /// ## Example
    /// ```json
    /// { "type": "Microsoft.Web/connections", "name": "sftp",
    ///   "properties": { "api": { "id": "[subscriptionResourceId('Microsoft.Web/locations/managedApis', parameters('location'), 'sftpwithssh')]" },
    ///                   "parameterValues": { "password": "[parameters('sftpPassword')]" } } }
    /// ```
    ///
    /// Use instead: a connector or built-in action that authenticates with the workflow's identity,
    /// e.g. Azure Blob Storage with managed identity:
    /// ```json
    /// { "type": "Microsoft.Web/connections", "name": "azureblob",
    ///   "properties": { "api": { "id": "[subscriptionResourceId('Microsoft.Web/locations/managedApis', parameters('location'), 'azureblob')]" },
    ///                   "parameterValueSet": { "name": "managedIdentityAuth", "values": {} } } }
    /// ```
    ///
    /// ## References
    /// - [Connectors that support managed identity authentication](https://learn.microsoft.com/azure/logic-apps/authenticate-with-managed-identity#limitations-for-managed-identity-authentication)
    /// - [Use Azure Key Vault to pass secure parameter values during deployment](https://learn.microsoft.com/azure/azure-resource-manager/templates/key-vault-parameter)
    /// - [Microsoft Graph: user sendMail, application permission Mail.Send](https://learn.microsoft.com/graph/api/user-sendmail)
    /// - [Limit application permissions to specific Exchange Online mailboxes](https://learn.microsoft.com/graph/auth-limit-mailbox-access)
    pub const RULE = ("MI006", "connector-without-mi-support", Identity, Warning);
}

/// A connection whose connector cannot use a managed identity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnectorWithoutMiSupport {
    /// The connection in words.
    pub connection: String,
    /// The managed API name, e.g. `sftpwithssh`.
    pub connector: String,
    /// The workflow using it, in words, if known.
    pub workload: Option<String>,
    /// The connection is authorised by a person's sign-in (its credential is their token).
    pub oauth: bool,
    /// What the connector reaches, and so what can replace the stored credential.
    pub far_side: FarSide,
    /// Where the stored secrets come from, in words (`securestring parameter 'ftpPassword'`);
    /// empty when the connection holds no secret the template supplies.
    pub secret_sources: Vec<String>,
    /// Every stored secret comes from a `securestring` parameter, a Key Vault reference or a
    /// `list*()` call at deployment: nothing secret is written in the template or its files.
    pub secret_kept_safe: bool,
}

/// What stands on the far side of a connector that has no managed-identity authentication.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FarSide {
    /// A protocol or third-party service with credentials of its own that accepts no Microsoft
    /// Entra identity at all (FTP, SFTP, SMTP, SendGrid, Twilio, ServiceNow, Slack, ...): no
    /// managed identity can replace the stored secret; keeping it safe is the fix.
    NoEntra(&'static str),
    /// Microsoft 365 data behind Microsoft Graph: the connector acts as a signed-in person, but
    /// Graph itself accepts the workflow's managed identity with an application permission.
    Graph {
        /// The service, e.g. `Office 365 Outlook`.
        service: &'static str,
        /// The Graph call and least application permission that do the connector's usual job.
        via: &'static str,
    },
    /// Business-to-business connectors (AS2, X12, EDIFACT) authorised by the integration
    /// account's callback URL, a key into the integration account.
    IntegrationAccount,
    /// A connector rolegate knows nothing more about.
    Unknown,
}

/// The far side of connectors without managed-identity support that rolegate knows.
pub fn far_side(api: &str) -> FarSide {
    const NO_ENTRA: &[(&str, &str)] = &[
        ("ftp", "an FTP server"),
        ("sftp", "an SFTP server"),
        ("sftpwithssh", "an SFTP server"),
        ("smtp", "an SMTP server"),
        ("sendgrid", "SendGrid"),
        ("twilio", "Twilio"),
        ("service-now", "ServiceNow"),
        ("slack", "Slack"),
        ("salesforce", "Salesforce"),
        ("gmail", "Gmail"),
        ("dropbox", "Dropbox"),
        ("jira", "Jira"),
        ("github", "GitHub"),
        ("mailchimp", "Mailchimp"),
    ];
    // Microsoft Graph: send mail as a mailbox with the application permission Mail.Send, limited
    // to that mailbox by an Exchange Online application access policy; reach one SharePoint site
    // with Sites.Selected, granted on that site.
    const GRAPH: &[(&str, &str, &str)] = &[
        (
            "office365",
            "Office 365 Outlook",
            "an HTTP action to Microsoft Graph (`POST https://graph.microsoft.com/v1.0/users/{sender}/sendMail`, audience `https://graph.microsoft.com`) authenticated by the workflow's managed identity, with the Graph application permission Mail.Send granted to that identity (an app role assignment) and limited to the sender's mailbox by an Exchange Online application access policy",
        ),
        (
            "sharepointonline",
            "SharePoint Online",
            "an HTTP action to Microsoft Graph (audience `https://graph.microsoft.com`) authenticated by the workflow's managed identity, with the Graph application permission Sites.Selected granted to that identity and access given on the one site it uses",
        ),
    ];
    const INTEGRATION_ACCOUNT: &[&str] = &["as2", "x12", "edifact"];
    let lower = api.to_ascii_lowercase();
    if let Some((_, what)) = NO_ENTRA.iter().find(|(n, _)| *n == lower) {
        return FarSide::NoEntra(what);
    }
    if let Some((_, service, via)) = GRAPH.iter().find(|(n, _, _)| *n == lower) {
        return FarSide::Graph { service, via };
    }
    if INTEGRATION_ACCOUNT.contains(&lower.as_str()) {
        return FarSide::IntegrationAccount;
    }
    FarSide::Unknown
}

impl ConnectorWithoutMiSupport {
    /// "from securestring parameter 'ftpPassword'", or nothing when no source is known.
    fn source_phrase(&self) -> String {
        if self.secret_sources.is_empty() {
            String::new()
        } else {
            format!(" (from {})", self.secret_sources.join(", "))
        }
    }

    /// How to keep the stored secret out of the template, when it is not yet.
    fn keep_safe(&self) -> &'static str {
        if self.secret_kept_safe {
            "keep the value in Key Vault (a Key Vault reference in the parameter file) and rotate it"
        } else {
            "pass it as a `securestring` parameter whose value comes from Key Vault (a Key Vault reference in the parameter file), never written in the template or a parameter file"
        }
    }
}

impl Violation for ConnectorWithoutMiSupport {
    fn rule(&self) -> &'static RuleMeta {
        &RULE
    }

    fn message(&self) -> String {
        let user = used_by(self.workload.as_deref());
        let head = format!(
            "{}{user} uses connector '{}'",
            self.connection, self.connector
        );
        let person = "the token of the person who signs in on it after deployment, and acts with that person's access";
        match self.far_side {
            FarSide::NoEntra(what) if self.oauth => format!(
                "{head}: {what} accepts no Microsoft Entra identity, so no managed identity can replace the stored credential; the connection holds {person}"
            ),
            FarSide::NoEntra(what) => format!(
                "{head}: {what} accepts no Microsoft Entra identity, so no managed identity can replace the secret the connection stores{}",
                self.source_phrase()
            ),
            FarSide::Graph { service, .. } => format!(
                "{head}, which has no managed-identity authentication: the {service} connection holds {person}"
            ),
            FarSide::IntegrationAccount => format!(
                "{head}, which has no managed-identity authentication: the connection stores the integration account's callback URL, a key to the integration account{}",
                self.source_phrase()
            ),
            FarSide::Unknown => format!(
                "{head}, which does not support managed identity authentication, so it must hold a stored {}{}",
                if self.oauth {
                    "credential (the token of the person who signs in on it)"
                } else {
                    "secret"
                },
                self.source_phrase()
            ),
        }
    }

    fn fix(&self) -> Option<String> {
        Some(match self.far_side {
            FarSide::NoEntra(_) if self.oauth => "authorise the connection with a dedicated account that holds only what the workflow needs, not a person's own account; a managed identity cannot be used here".to_string(),
            FarSide::NoEntra(_) => format!(
                "a managed identity cannot be used here; {}",
                self.keep_safe()
            ),
            FarSide::Graph { via, .. } => format!("replace the connector with {via}"),
            FarSide::IntegrationAccount if self.secret_kept_safe => "a managed identity cannot be used with this connector; the key is read at deployment and not written in the template, so keep the integration account's keys rotated".to_string(),
            FarSide::IntegrationAccount => format!(
                "a managed identity cannot be used with this connector; read the callback URL with `listCallbackUrl()` at deployment, or {}",
                self.keep_safe()
            ),
            FarSide::Unknown => format!(
                "if the service accepts Microsoft Entra tokens, call it with an HTTP action authenticated by the workflow's managed identity; otherwise {}",
                self.keep_safe()
            ),
        })
    }
}

/// Managed API connectors known to support managed identity authentication (Logic Apps docs).
pub const MI_CAPABLE_CONNECTORS: &[&str] = &[
    "arm",
    "azureautomation",
    "azureblob",
    "azuredatafactory",
    "azuredataexplorer",
    "azureeventgrid",
    "azureeventgridpublish",
    "azurefile",
    "azuretables",
    "azurequeues",
    "documentdb",
    "eventhubs",
    "keyvault",
    "kusto",
    "servicebus",
    "sql",
    "azuremonitorlogs",
    "azureloganalyticsdatacollector",
    "office365users",
    "azureappconfiguration",
    "azurevm",
    "azureresourcegraph",
    "azurecommunicationservicessms",
    "azureopenai",
    "aisearch",
    // Microsoft Sentinel: "Managed identity" is one of its connection types (Logic Apps docs).
    "azuresentinel",
    // Container Instance, Data Lake, HTTP with Microsoft Entra ID (Logic Apps docs).
    "aci",
    "azuredatalake",
    "webcontents",
];

/// Trigger-only connectors whose connections hold no credential at all: Microsoft Defender for
/// Cloud's alert and recommendation triggers are fired by Defender for Cloud itself (workflow
/// automation), so the connection is created without parameters and stores no secret.
pub const NO_CREDENTIAL_CONNECTORS: &[&str] = &["ascalert", "ascassessment"];

/// Whether the managed API named `api` (last segment of its id) supports managed identity.
pub fn connector_supports_mi(api: &str) -> bool {
    MI_CAPABLE_CONNECTORS
        .iter()
        .any(|c| c.eq_ignore_ascii_case(api))
}

/// Every deployed connection whose connector cannot use a managed identity.
pub(crate) fn check(cx: &Cx, out: &mut Vec<Finding>) {
    for (c, api, user) in cx.deployed_connections() {
        if c.auth == ConnectionAuth::ManagedIdentity {
            continue;
        }
        if connector_supports_mi(api) {
            // Supported but configured with keys: SC004's finding (MI008 for OAuth consent).
            continue;
        }
        if NO_CREDENTIAL_CONNECTORS
            .iter()
            .any(|n| n.eq_ignore_ascii_case(api))
        {
            continue;
        }
        let secrets: Vec<&CredentialUse> = cx
            .model
            .credentials
            .iter()
            .filter(|u| u.resource.eq_ignore_ascii_case(&c.id))
            .collect();
        let written = |u: &CredentialUse| default_written(cx, c.source, &u.source);
        let secret_kept_safe =
            !secrets.is_empty() && secrets.iter().all(|u| kept_safe(&u.source) && !written(u));
        let oauth = c.auth == ConnectionAuth::OAuthConsent;
        let far_side = far_side(api);
        let violation = ConnectorWithoutMiSupport {
            connection: crate::naming::connection_words(cx, c),
            connector: api.to_string(),
            workload: user.map(workload_words),
            oauth,
            far_side,
            secret_sources: source_words(&secrets, |u| written(u)),
            secret_kept_safe,
        };
        let mut finding = connection_finding(&violation, c, user);
        // Nothing better is possible: the identity cannot be used, and the secret is handled
        // as it should be (never in the template or its files).
        if secret_kept_safe
            && !oauth
            && matches!(far_side, FarSide::NoEntra(_) | FarSide::IntegrationAccount)
        {
            finding.severity = Severity::Note;
        }
        out.push(finding);
    }
}

/// Whether a secret's value never appears in the template or its files.
fn kept_safe(source: &CredentialSource) -> bool {
    matches!(
        source,
        CredentialSource::Parameter { secure: true, .. }
            | CredentialSource::KeyVaultReference { .. }
            | CredentialSource::ListCall { .. }
    )
}

/// Whether a parameter secret takes its value from a default written in the template (a
/// `securestring` with `defaultValue: 'admin'` is still written in the template).
fn default_written(cx: &Cx, source: usize, secret: &CredentialSource) -> bool {
    let CredentialSource::Parameter { name, .. } = secret else {
        return false;
    };
    cx.plans.get(source).is_some_and(|plan| {
        plan.parameters.iter().any(|p| {
            p.name.eq_ignore_ascii_case(name)
                && p.source == arm::plan::ParameterSource::Default
                && p.value.as_str().is_some_and(|v| !v.trim().is_empty())
        })
    })
}

/// Where each stored secret comes from, in words, each once.
fn source_words(
    secrets: &[&CredentialUse],
    written: impl Fn(&CredentialUse) -> bool,
) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for u in secrets {
        let words = match &u.source {
            CredentialSource::Parameter { name, secure: true } if written(u) => {
                format!("securestring parameter '{name}', whose default value is written in the template")
            }
            CredentialSource::Parameter { name, secure: true } => {
                format!("securestring parameter '{name}'")
            }
            CredentialSource::Parameter {
                name,
                secure: false,
            } => {
                format!("plain string parameter '{name}', kept in the deployment history")
            }
            CredentialSource::KeyVaultReference { name } => {
                format!("a Key Vault reference for parameter '{name}'")
            }
            CredentialSource::ListCall { function } => {
                // The builder keeps the name lower-cased; print the ones reviewers meet as written.
                let name = match function.as_str() {
                    "listcallbackurl" => "listCallbackUrl",
                    "listkeys" => "listKeys",
                    other => other,
                };
                format!("{name}() at deployment")
            }
            CredentialSource::Literal => "a value written in the template".to_string(),
            _ => continue,
        };
        if !out.contains(&words) {
            out.push(words);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::*;

    #[test]
    fn fires_for_a_connector_without_managed_identity_support() {
        let mut m = model();
        m.connections
            .push(connection("sftp", "sftpwithssh", ConnectionAuth::Key));
        let f = run_rule(&m, &default_policy(), check);
        assert_eq!(f.len(), 1);
        assert!(f[0].message.contains("connector 'sftpwithssh'"));
    }

    #[test]
    fn silent_for_credential_free_defender_triggers_and_sentinel() {
        let mut m = model();
        for api in ["ascalert", "ascassessment"] {
            m.connections
                .push(connection(api, api, ConnectionAuth::OAuthConsent));
        }
        m.connections.push(connection(
            "sentinel",
            "azuresentinel",
            ConnectionAuth::OAuthConsent,
        ));
        assert!(run_rule(&m, &default_policy(), check).is_empty());
    }

    #[test]
    fn the_user_is_found_in_the_connection_own_template_run_only() {
        let mut m = model();
        let mut c = connection("office365", "office365", ConnectionAuth::OAuthConsent);
        c.source = 1;
        m.connections.push(c);
        // Another template of the directory has a workflow using a connection of the same name.
        let mut w = workflow("other-template", Some(system()));
        let mut u = msi_usage("Send", access::UsageIdentity::SystemAssigned);
        u.connection = Some("office365".into());
        w.usages.push(u);
        m.workloads.push(w);
        let f = run_rule(&m, &default_policy(), check);
        assert_eq!(f.len(), 1);
        assert!(!f[0].message.contains("other-template"), "{}", f[0].message);
    }

    #[test]
    fn silent_for_capable_connectors_and_managed_identity_auth() {
        let mut m = model();
        m.connections
            .push(connection("blob", "azureblob", ConnectionAuth::Key));
        m.connections.push(connection(
            "kv",
            "keyvault",
            ConnectionAuth::ManagedIdentity,
        ));
        assert!(run_rule(&m, &default_policy(), check).is_empty());
    }
}
