//! ARM and Microsoft Graph over plain reqwest against configurable base URLs: bearer tokens from
//! an azure_identity credential, `nextLink` paging, 429 `Retry-After` and 5xx retries with bounded
//! backoff, a timeout per request, and a bound on requests in flight.
//!
//! Plain reqwest rather than azure_core's pipeline because its bearer policy refuses non-https
//! URLs, and sovereign clouds and tests need any base URL. Tokens live only in request headers:
//! no error, log line or `Debug` output carries one.

use std::sync::Arc;
use std::time::Duration;

use azure_core::credentials::TokenCredential;
use reqwest::StatusCode;
use serde_json::Value;
use tokio::sync::Semaphore;

use crate::error::Error;

/// The ARM management endpoint of the public cloud.
pub const PUBLIC_ARM: &str = "https://management.azure.com";
/// The Microsoft Graph endpoint of the public cloud.
pub const PUBLIC_GRAPH: &str = "https://graph.microsoft.com";

/// Which service a request goes to (each has its own token audience).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Api {
    Arm,
    Graph,
}

/// Limits of a [`Client`].
#[derive(Debug, Clone)]
pub struct Limits {
    /// Timeout of one request (connect, send, read the body).
    pub timeout: Duration,
    /// Attempts per request, the first included (429, 5xx and transport errors are retried).
    pub attempts: u32,
    /// First backoff; doubled on each retry.
    pub backoff: Duration,
    /// The longest `Retry-After` honoured; a longer one fails the read instead of stalling the gate.
    pub max_retry_after: Duration,
    /// Requests in flight at once.
    pub concurrency: usize,
    /// Pages followed per list, so a server that keeps sending `nextLink` cannot loop forever.
    pub max_pages: usize,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            timeout: Duration::from_secs(30),
            attempts: 4,
            backoff: Duration::from_millis(500),
            max_retry_after: Duration::from_secs(60),
            concurrency: 8,
            max_pages: 200,
        }
    }
}

/// Reads ARM and Graph as one identity.
pub struct Client {
    http: reqwest::Client,
    credential: Arc<dyn TokenCredential>,
    arm: String,
    graph: String,
    limits: Limits,
    permits: Semaphore,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("arm", &self.arm)
            .field("graph", &self.graph)
            .finish_non_exhaustive()
    }
}

impl Client {
    /// A client for these endpoints (base URLs without a trailing path, e.g.
    /// `https://management.usgovcloudapi.net`).
    pub fn new(
        credential: Arc<dyn TokenCredential>,
        arm: &str,
        graph: &str,
        limits: Limits,
    ) -> Result<Client, Error> {
        for (name, url) in [("ARM", arm), ("Graph", graph)] {
            let parsed = reqwest::Url::parse(url).map_err(|e| Error::Endpoint {
                name,
                url: url.to_string(),
                message: e.to_string(),
            })?;
            if !matches!(parsed.scheme(), "https" | "http") {
                return Err(Error::Endpoint {
                    name,
                    url: url.to_string(),
                    message: "not an http(s) URL".into(),
                });
            }
        }
        let http = reqwest::Client::builder()
            .timeout(limits.timeout)
            .connect_timeout(limits.timeout)
            .build()
            .map_err(|e| Error::Transport(e.to_string()))?;
        Ok(Client {
            http,
            credential,
            arm: arm.trim_end_matches('/').to_string(),
            graph: graph.trim_end_matches('/').to_string(),
            permits: Semaphore::new(limits.concurrency.max(1)),
            limits,
        })
    }

    /// The ARM base URL.
    pub fn arm(&self) -> &str {
        &self.arm
    }

    /// The Graph base URL.
    pub fn graph(&self) -> &str {
        &self.graph
    }

    fn base(&self, api: Api) -> &str {
        match api {
            Api::Arm => &self.arm,
            Api::Graph => &self.graph,
        }
    }

    /// The token scope of an API: its base URL with `/.default`, as Entra expects for
    /// `https://management.azure.com` and `https://graph.microsoft.com` and their sovereign twins.
    pub fn scope(&self, api: Api) -> String {
        format!("{}/.default", self.base(api))
    }

    async fn token(&self, api: Api) -> Result<azure_core::credentials::AccessToken, Error> {
        let scope = self.scope(api);
        self.credential
            .get_token(&[scope.as_str()], None)
            .await
            .map_err(|e| Error::Credential {
                scope,
                message: e.to_string(),
            })
    }

    /// The object id (`oid` claim) of the identity the ARM token was issued to, when the token is a
    /// JWT that carries one. The claim is read, never the token printed.
    pub async fn signed_in_object_id(&self) -> Result<Option<String>, Error> {
        let token = self.token(Api::Arm).await?;
        Ok(crate::auth::token_object_id(token.token.secret()))
    }

    /// GET `path` (relative to the API's base URL, query included) as JSON; `None` on 404.
    pub async fn get(&self, api: Api, path: &str) -> Result<Option<Value>, Error> {
        let url = format!("{}{}", self.base(api), path);
        self.get_url(api, &url).await
    }

    /// GET a list (`value` array) and every page after it (`nextLink` in ARM,
    /// `@odata.nextLink` in Graph); `None` on 404 of the first page.
    pub async fn list(&self, api: Api, path: &str) -> Result<Option<Vec<Value>>, Error> {
        let mut url = format!("{}{}", self.base(api), path);
        let mut items = Vec::new();
        for page in 0.. {
            if page >= self.limits.max_pages {
                return Err(Error::Malformed {
                    url: strip_query(&url),
                    message: format!("more than {} pages", self.limits.max_pages),
                });
            }
            let Some(body) = self.get_url(api, &url).await? else {
                return if page == 0 {
                    Ok(None)
                } else {
                    Err(Error::Status {
                        url: strip_query(&url),
                        status: 404,
                        code: None,
                        message: "a nextLink page was not found".into(),
                    })
                };
            };
            let Some(values) = body.get("value").and_then(Value::as_array) else {
                return Err(Error::Malformed {
                    url: strip_query(&url),
                    message: "a list response without a `value` array".into(),
                });
            };
            items.extend(values.iter().cloned());
            let next = body
                .get("nextLink")
                .or_else(|| body.get("@odata.nextLink"))
                .and_then(Value::as_str)
                .filter(|s| !s.is_empty());
            match next {
                None => break,
                Some(next) => {
                    // The token goes only where the user pointed rolegate.
                    if !same_origin(next, self.base(api)) {
                        return Err(Error::Malformed {
                            url: strip_query(&url),
                            message: format!(
                                "nextLink points outside {}: {}",
                                self.base(api),
                                strip_query(next)
                            ),
                        });
                    }
                    url = next.to_string();
                }
            }
        }
        Ok(Some(items))
    }

    async fn get_url(&self, api: Api, url: &str) -> Result<Option<Value>, Error> {
        let shown = strip_query(url);
        let mut attempt = 0;
        loop {
            attempt += 1;
            let last = attempt >= self.limits.attempts;
            let token = self.token(api).await?;
            let permit = self.permits.acquire().await.map_err(|_| Error::Closed)?;
            let sent = self
                .http
                .get(url)
                .bearer_auth(token.token.secret())
                .header("accept", "application/json")
                .send()
                .await;
            let response = match sent {
                Ok(r) => r,
                Err(e) => {
                    drop(permit);
                    let message = transport_message(&e);
                    if last {
                        return Err(Error::Transport(format!("{shown}: {message}")));
                    }
                    tracing::debug!(url = %shown, attempt, error = %message, "retrying");
                    tokio::time::sleep(self.backoff(attempt)).await;
                    continue;
                }
            };
            let status = response.status();
            let retry_after = retry_after(response.headers());
            let body = response.bytes().await;
            drop(permit);
            let body = match body {
                Ok(b) => b,
                Err(e) if !last => {
                    tracing::debug!(url = %shown, attempt, error = %transport_message(&e), "retrying");
                    tokio::time::sleep(self.backoff(attempt)).await;
                    continue;
                }
                Err(e) => {
                    return Err(Error::Transport(format!(
                        "{shown}: {}",
                        transport_message(&e)
                    )))
                }
            };
            if status == StatusCode::TOO_MANY_REQUESTS || status.is_server_error() {
                let wait = retry_after.unwrap_or_else(|| self.backoff(attempt));
                if wait > self.limits.max_retry_after {
                    return Err(Error::Throttled {
                        url: shown,
                        seconds: wait.as_secs(),
                    });
                }
                if !last {
                    tracing::debug!(url = %shown, status = status.as_u16(), wait_ms = wait.as_millis() as u64, "retrying");
                    tokio::time::sleep(wait).await;
                    continue;
                }
            }
            if status == StatusCode::NOT_FOUND {
                return Ok(None);
            }
            if !status.is_success() {
                let (code, message) = error_body(&body);
                return Err(Error::Status {
                    url: shown,
                    status: status.as_u16(),
                    code,
                    message,
                });
            }
            return serde_json::from_slice(&body)
                .map(Some)
                .map_err(|e| Error::Malformed {
                    url: shown,
                    message: format!("the body is not JSON: {e}"),
                });
        }
    }

    fn backoff(&self, attempt: u32) -> Duration {
        self.limits
            .backoff
            .saturating_mul(1 << attempt.saturating_sub(1).min(6))
    }
}

/// `Retry-After` in seconds (the HTTP-date form is rare on ARM and falls back to the backoff).
fn retry_after(headers: &reqwest::header::HeaderMap) -> Option<Duration> {
    let text = headers.get("retry-after")?.to_str().ok()?;
    text.trim().parse::<u64>().ok().map(Duration::from_secs)
}

/// ARM and Graph error bodies: `{"error": {"code", "message"}}`.
fn error_body(body: &[u8]) -> (Option<String>, String) {
    let parsed: Option<Value> = serde_json::from_slice(body).ok();
    let error = parsed.as_ref().and_then(|v| v.get("error"));
    let code = error
        .and_then(|e| e.get("code"))
        .and_then(Value::as_str)
        .map(str::to_string);
    let message = error
        .and_then(|e| e.get("message"))
        .and_then(Value::as_str)
        .map(str::to_string)
        .unwrap_or_else(|| {
            let text = String::from_utf8_lossy(body);
            text.chars().take(200).collect()
        });
    (code, message)
}

/// A transport error in words, without the URL reqwest appends (the caller names it).
fn transport_message(e: &reqwest::Error) -> String {
    let kind = if e.is_timeout() {
        "timed out"
    } else if e.is_connect() {
        "cannot connect"
    } else {
        "transport error"
    };
    let mut source = std::error::Error::source(e);
    let mut detail = String::new();
    while let Some(s) = source {
        detail = s.to_string();
        source = s.source();
    }
    if detail.is_empty() {
        kind.to_string()
    } else {
        format!("{kind}: {detail}")
    }
}

/// The URL without its query (filters and skip tokens make messages long and say little).
pub(crate) fn strip_query(url: &str) -> String {
    url.split('?').next().unwrap_or(url).to_string()
}

fn same_origin(url: &str, base: &str) -> bool {
    match (reqwest::Url::parse(url), reqwest::Url::parse(base)) {
        (Ok(a), Ok(b)) => a.origin() == b.origin(),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_links_must_stay_on_the_endpoint() {
        assert!(same_origin(
            "https://management.azure.com/x?$skiptoken=1",
            "https://management.azure.com"
        ));
        assert!(!same_origin(
            "https://evil.example/x",
            "https://management.azure.com"
        ));
    }

    #[test]
    fn error_bodies_give_code_and_message() {
        let (code, message) =
            error_body(br#"{"error":{"code":"AuthorizationFailed","message":"no"}}"#);
        assert_eq!(code.as_deref(), Some("AuthorizationFailed"));
        assert_eq!(message, "no");
        assert_eq!(error_body(b"<html>").1, "<html>");
    }
}
