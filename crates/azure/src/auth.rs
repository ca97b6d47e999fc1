//! Credentials: which azure_identity credential `--auth` means, built from the environment CI
//! systems set, and GitHub Actions OIDC as a client assertion.

use std::fmt;
use std::str::FromStr;
use std::sync::Arc;

use azure_core::credentials::{Secret, TokenCredential};
use azure_core::http::{ClientMethodOptions, ClientOptions};
use azure_identity::{
    AzureCliCredential, AzureCliCredentialOptions, AzurePipelinesCredential,
    AzurePipelinesCredentialOptions, ClientAssertion, ClientAssertionCredential,
    ClientAssertionCredentialOptions, ClientSecretCredential, ClientSecretCredentialOptions,
    ManagedIdentityCredential, ManagedIdentityCredentialOptions, UserAssignedId,
    WorkloadIdentityCredential, WorkloadIdentityCredentialOptions,
};
use base64::Engine as _;

use crate::error::Error;

/// How to authenticate (`--auth`). [`AuthMethod::VARIANTS`] lists them with their flag values
/// and help, so a front end (the CLI's clap parser) offers exactly these.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum AuthMethod {
    /// The first method whose environment is present, in the order below; Azure CLI last.
    #[default]
    Auto,
    /// `az account get-access-token` (local runs, or after `azure/login`).
    Cli,
    /// `IDENTITY_ENDPOINT` + `IDENTITY_HEADER` (App Service style), else IMDS.
    ManagedIdentity,
    /// A federated token file (`AZURE_FEDERATED_TOKEN_FILE`), or Azure Pipelines' OIDC endpoint.
    WorkloadIdentity,
    /// GitHub Actions' OIDC token exchanged for an Entra token (`id-token: write`).
    GithubOidc,
    /// `AZURE_CLIENT_SECRET`.
    ClientSecret,
}

impl AuthMethod {
    /// Every method, in the order `--help` lists them.
    pub const VARIANTS: &'static [AuthMethod] = &[
        AuthMethod::Auto,
        AuthMethod::Cli,
        AuthMethod::ManagedIdentity,
        AuthMethod::WorkloadIdentity,
        AuthMethod::GithubOidc,
        AuthMethod::ClientSecret,
    ];

    /// The flag value.
    pub fn as_str(self) -> &'static str {
        match self {
            AuthMethod::Auto => "auto",
            AuthMethod::Cli => "cli",
            AuthMethod::ManagedIdentity => "managed-identity",
            AuthMethod::WorkloadIdentity => "workload-identity",
            AuthMethod::GithubOidc => "github-oidc",
            AuthMethod::ClientSecret => "client-secret",
        }
    }

    /// What the method reads, for `--help`.
    pub fn help(self) -> &'static str {
        match self {
            AuthMethod::Auto => "The first method whose environment is present (GitHub OIDC, workload identity, client secret, managed identity), else the Azure CLI",
            AuthMethod::Cli => "Azure CLI (`az login` or `azure/login`)",
            AuthMethod::ManagedIdentity => "Managed identity (IDENTITY_ENDPOINT/IDENTITY_HEADER, else IMDS); AZURE_CLIENT_ID picks a user-assigned one",
            AuthMethod::WorkloadIdentity => "Workload identity federation (AZURE_FEDERATED_TOKEN_FILE, or an Azure Pipelines service connection)",
            AuthMethod::GithubOidc => "GitHub Actions OIDC (`permissions: id-token: write`, AZURE_CLIENT_ID, AZURE_TENANT_ID)",
            AuthMethod::ClientSecret => "Client secret (AZURE_TENANT_ID, AZURE_CLIENT_ID, AZURE_CLIENT_SECRET)",
        }
    }
}

impl fmt::Display for AuthMethod {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A string that is no `--auth` method.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown authentication method '{0}' (expected one of: {expected})",
    expected = AuthMethod::VARIANTS.iter().map(|m| m.as_str()).collect::<Vec<_>>().join(", ")
)]
pub struct UnknownAuthMethod(pub String);

impl FromStr for AuthMethod {
    type Err = UnknownAuthMethod;

    /// The method whose flag value is `s` (exact, as `--auth` spells it).
    fn from_str(s: &str) -> Result<AuthMethod, UnknownAuthMethod> {
        AuthMethod::VARIANTS
            .iter()
            .copied()
            .find(|m| m.as_str() == s)
            .ok_or_else(|| UnknownAuthMethod(s.to_string()))
    }
}

/// How to build the credential.
#[derive(Debug, Clone, Default)]
pub struct AuthConfig {
    pub method: AuthMethod,
    /// Entra authority for sovereign clouds (`https://login.microsoftonline.us`); default: the
    /// `AZURE_AUTHORITY_HOST` variable, else the public cloud.
    pub authority_host: Option<String>,
    /// Tenant id, when not in `AZURE_TENANT_ID`.
    pub tenant_id: Option<String>,
    /// Options of the credentials' own HTTP pipeline (tests point its transport at a local
    /// authority; the Entra credentials refuse a non-https authority host).
    pub client_options: ClientOptions,
}

/// A credential and what it is, in words (`github-oidc (ACTIONS_ID_TOKEN_REQUEST_URL)`).
pub struct Credential {
    pub credential: Arc<dyn TokenCredential>,
    pub method: AuthMethod,
    pub description: String,
}

impl fmt::Debug for Credential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credential")
            .field("description", &self.description)
            .finish_non_exhaustive()
    }
}

/// Builds the credential `config` asks for from the environment `env` (a function so tests need
/// not touch the process environment).
pub fn credential(
    config: &AuthConfig,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Credential, Error> {
    let get = |k: &str| env(k).filter(|v| !v.trim().is_empty());
    let method = match config.method {
        AuthMethod::Auto => auto_method(&get),
        m => m,
    };
    let tenant = || {
        config
            .tenant_id
            .clone()
            .or_else(|| get("AZURE_TENANT_ID"))
            .ok_or_else(|| Error::Auth(format!("--auth {method} needs AZURE_TENANT_ID")))
    };
    let client_id = || {
        get("AZURE_CLIENT_ID")
            .ok_or_else(|| Error::Auth(format!("--auth {method} needs AZURE_CLIENT_ID")))
    };
    let mut options = config.client_options.clone();
    if let Some(host) = config
        .authority_host
        .clone()
        .or_else(|| get("AZURE_AUTHORITY_HOST"))
    {
        let mut custom = azure_core::cloud::CustomConfiguration::default();
        custom.authority_host = host;
        options.cloud = Some(Arc::new(custom.into()));
    }
    let sdk = |e: azure_core::Error| Error::Auth(format!("--auth {method}: {e}"));
    let (credential, description): (Arc<dyn TokenCredential>, String) = match method {
        // `auto` was resolved above; Azure CLI is also its last resort.
        AuthMethod::Auto | AuthMethod::Cli => (
            AzureCliCredential::new(Some(AzureCliCredentialOptions {
                tenant_id: config.tenant_id.clone(),
                ..Default::default()
            }))
            .map_err(sdk)?,
            "cli (az account get-access-token)".into(),
        ),
        AuthMethod::ManagedIdentity => {
            let user_assigned_id = get("AZURE_CLIENT_ID").map(UserAssignedId::ClientId);
            let how = if get("IDENTITY_ENDPOINT").is_some() {
                "IDENTITY_ENDPOINT"
            } else {
                "IMDS"
            };
            let which = if user_assigned_id.is_some() {
                ", user-assigned AZURE_CLIENT_ID"
            } else {
                ""
            };
            (
                ManagedIdentityCredential::new(Some(ManagedIdentityCredentialOptions {
                    user_assigned_id,
                    client_options: options,
                }))
                .map_err(sdk)?,
                format!("managed-identity ({how}{which})"),
            )
        }
        AuthMethod::WorkloadIdentity => {
            let pipelines = (
                get("AZURESUBSCRIPTION_SERVICE_CONNECTION_ID"),
                get("SYSTEM_ACCESSTOKEN"),
                get("SYSTEM_OIDCREQUESTURI"),
            );
            if let (Some(connection), Some(token), Some(_)) = pipelines {
                let tenant = get("AZURESUBSCRIPTION_TENANT_ID").map_or_else(tenant, Ok)?;
                let client = get("AZURESUBSCRIPTION_CLIENT_ID").map_or_else(client_id, Ok)?;
                (
                    AzurePipelinesCredential::new(
                        tenant,
                        client,
                        &connection,
                        Secret::new(token),
                        Some(AzurePipelinesCredentialOptions {
                            credential_options: ClientAssertionCredentialOptions {
                                client_options: options,
                            },
                        }),
                    )
                    .map_err(sdk)?,
                    "workload-identity (Azure Pipelines service connection)".into(),
                )
            } else {
                let file = get("AZURE_FEDERATED_TOKEN_FILE").ok_or_else(|| {
                    Error::Auth(
                        "--auth workload-identity needs AZURE_FEDERATED_TOKEN_FILE, or an Azure Pipelines \
                         service connection (AZURESUBSCRIPTION_SERVICE_CONNECTION_ID, SYSTEM_ACCESSTOKEN)"
                            .into(),
                    )
                })?;
                (
                    WorkloadIdentityCredential::new(Some(WorkloadIdentityCredentialOptions {
                        credential_options: ClientAssertionCredentialOptions {
                            client_options: options,
                        },
                        client_id: Some(client_id()?),
                        tenant_id: Some(tenant()?),
                        token_file_path: Some(file.into()),
                    }))
                    .map_err(sdk)?,
                    "workload-identity (AZURE_FEDERATED_TOKEN_FILE)".into(),
                )
            }
        }
        AuthMethod::GithubOidc => {
            let url = get("ACTIONS_ID_TOKEN_REQUEST_URL").ok_or_else(|| {
                Error::Auth(
                    "--auth github-oidc needs ACTIONS_ID_TOKEN_REQUEST_URL: give the job `permissions: id-token: write`"
                        .into(),
                )
            })?;
            let token = get("ACTIONS_ID_TOKEN_REQUEST_TOKEN").ok_or_else(|| {
                Error::Auth("--auth github-oidc needs ACTIONS_ID_TOKEN_REQUEST_TOKEN".into())
            })?;
            (
                ClientAssertionCredential::new(
                    tenant()?,
                    client_id()?,
                    GitHubOidc::new(url, token),
                    Some(ClientAssertionCredentialOptions {
                        client_options: options,
                    }),
                )
                .map_err(sdk)?,
                "github-oidc (ACTIONS_ID_TOKEN_REQUEST_URL)".into(),
            )
        }
        AuthMethod::ClientSecret => {
            let secret = get("AZURE_CLIENT_SECRET").ok_or_else(|| {
                Error::Auth("--auth client-secret needs AZURE_CLIENT_SECRET".into())
            })?;
            (
                ClientSecretCredential::new(
                    &tenant()?,
                    client_id()?,
                    Secret::new(secret),
                    Some(ClientSecretCredentialOptions {
                        client_options: options,
                    }),
                )
                .map_err(sdk)?,
                "client-secret (AZURE_CLIENT_SECRET)".into(),
            )
        }
    };
    Ok(Credential {
        credential,
        method,
        description,
    })
}

/// The method `auto` picks: the first whose environment is present.
fn auto_method(get: &dyn Fn(&str) -> Option<String>) -> AuthMethod {
    if get("ACTIONS_ID_TOKEN_REQUEST_URL").is_some() && get("AZURE_CLIENT_ID").is_some() {
        AuthMethod::GithubOidc
    } else if get("AZURE_FEDERATED_TOKEN_FILE").is_some()
        || get("AZURESUBSCRIPTION_SERVICE_CONNECTION_ID").is_some()
    {
        AuthMethod::WorkloadIdentity
    } else if get("AZURE_CLIENT_SECRET").is_some() {
        AuthMethod::ClientSecret
    } else if get("IDENTITY_ENDPOINT").is_some() {
        AuthMethod::ManagedIdentity
    } else {
        AuthMethod::Cli
    }
}

/// The audience GitHub's OIDC token must carry for Entra's token exchange.
pub const GITHUB_OIDC_AUDIENCE: &str = "api://AzureADTokenExchange";

/// GitHub Actions' OIDC token as a client assertion: a fresh one per call (they live minutes;
/// `ClientAssertionCredential` caches the Entra token it buys).
pub struct GitHubOidc {
    url: String,
    request_token: Secret,
    http: reqwest::Client,
}

impl GitHubOidc {
    /// From `ACTIONS_ID_TOKEN_REQUEST_URL` and `ACTIONS_ID_TOKEN_REQUEST_TOKEN`.
    pub fn new(url: String, request_token: String) -> GitHubOidc {
        GitHubOidc {
            url,
            request_token: Secret::new(request_token),
            http: reqwest::Client::new(),
        }
    }
}

impl fmt::Debug for GitHubOidc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GitHubOidc")
            .field("url", &crate::client::strip_query(&self.url))
            .finish_non_exhaustive()
    }
}

#[async_trait::async_trait]
impl ClientAssertion for GitHubOidc {
    async fn secret(&self, _: Option<ClientMethodOptions<'_>>) -> azure_core::Result<String> {
        use azure_core::error::ErrorKind;
        let fail = |m: String| azure_core::Error::with_message(ErrorKind::Credential, m);
        let mut url = reqwest::Url::parse(&self.url)
            .map_err(|e| fail(format!("ACTIONS_ID_TOKEN_REQUEST_URL is not a URL: {e}")))?;
        url.query_pairs_mut()
            .append_pair("audience", GITHUB_OIDC_AUDIENCE);
        let response = self
            .http
            .get(url)
            .header(
                "authorization",
                format!("bearer {}", self.request_token.secret()),
            )
            .header("accept", "application/json")
            .send()
            .await
            .map_err(|e| {
                fail(format!(
                    "GitHub OIDC token request failed: {}",
                    e.without_url()
                ))
            })?;
        let status = response.status();
        if !status.is_success() {
            return Err(fail(format!("GitHub OIDC token request answered {status}")));
        }
        let bytes = response.bytes().await.map_err(|e| {
            fail(format!(
                "GitHub OIDC answer unreadable: {}",
                e.without_url()
            ))
        })?;
        let body: serde_json::Value = serde_json::from_slice(&bytes)
            .map_err(|e| fail(format!("GitHub OIDC answer is not JSON: {e}")))?;
        body.get("value")
            .and_then(serde_json::Value::as_str)
            .map(str::to_string)
            .ok_or_else(|| fail("GitHub OIDC answer has no `value`".into()))
    }
}

/// The `oid` claim of a JWT access token, read without verifying it (only to name who rolegate
/// ran as; ARM verified the token).
pub fn token_object_id(token: &str) -> Option<String> {
    let payload = token.split('.').nth(1)?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload.trim_end_matches('='))
        .ok()?;
    let claims: serde_json::Value = serde_json::from_slice(&bytes).ok()?;
    claims
        .get("oid")
        .and_then(serde_json::Value::as_str)
        .map(str::to_ascii_lowercase)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_method_parses_from_its_flag_value_and_nothing_else_does() {
        for m in AuthMethod::VARIANTS {
            assert_eq!(m.as_str().parse::<AuthMethod>(), Ok(*m));
            assert_eq!(m.to_string(), m.as_str());
        }
        let err = "CLI".parse::<AuthMethod>().expect_err("case matters");
        assert_eq!(
            err.to_string(),
            "unknown authentication method 'CLI' (expected one of: auto, cli, managed-identity, workload-identity, github-oidc, client-secret)"
        );
    }

    fn env<'a>(vars: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |k| {
            vars.iter()
                .find(|(name, _)| *name == k)
                .map(|(_, v)| v.to_string())
        }
    }

    #[test]
    fn auto_picks_the_method_whose_environment_is_present() {
        let pick = |vars: &[(&str, &str)]| auto_method(&env(vars));
        assert_eq!(
            pick(&[
                ("ACTIONS_ID_TOKEN_REQUEST_URL", "u"),
                ("AZURE_CLIENT_ID", "c")
            ]),
            AuthMethod::GithubOidc
        );
        assert_eq!(
            pick(&[("AZURE_FEDERATED_TOKEN_FILE", "/f")]),
            AuthMethod::WorkloadIdentity
        );
        assert_eq!(
            pick(&[("AZURE_CLIENT_SECRET", "s")]),
            AuthMethod::ClientSecret
        );
        assert_eq!(
            pick(&[("IDENTITY_ENDPOINT", "http://x")]),
            AuthMethod::ManagedIdentity
        );
        assert_eq!(pick(&[]), AuthMethod::Cli);
    }

    #[test]
    fn a_method_without_its_environment_says_what_is_missing() {
        let config = AuthConfig {
            method: AuthMethod::GithubOidc,
            ..Default::default()
        };
        let e = credential(&config, &env(&[])).unwrap_err();
        assert!(e.to_string().contains("id-token: write"), "{e}");
        let config = AuthConfig {
            method: AuthMethod::ClientSecret,
            ..Default::default()
        };
        let e = credential(&config, &env(&[("AZURE_TENANT_ID", "t")])).unwrap_err();
        assert!(e.to_string().contains("AZURE_CLIENT_SECRET"), "{e}");
    }

    #[test]
    fn the_object_id_is_read_from_the_token_claims() {
        let claims = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .encode(br#"{"oid":"ABC-1","aud":"x"}"#);
        assert_eq!(
            token_object_id(&format!("h.{claims}.sig")).as_deref(),
            Some("abc-1")
        );
        assert_eq!(token_object_id("opaque"), None);
        assert_eq!(token_object_id("a.!!.b"), None);
    }
}
