//! Credentials and the REST client against servers on 127.0.0.1 speaking the token-endpoint, GitHub
//! OIDC and ARM wire formats.
//!
//! Entra credentials refuse a non-https authority, so the credential's own transport is pointed at
//! the local authority (`Redirect`): the request the credential builds is sent unchanged except for
//! scheme, host and port.

use std::sync::Arc;
use std::time::{Duration, Instant};

use azure::{Api, AuthConfig, AuthMethod, Client, Limits};
use azure_core::credentials::{AccessToken, Secret, TokenCredential, TokenRequestOptions};
use azure_core::http::{
    AsyncRawResponse, ClientOptions, HttpClient, Request, RetryOptions, Transport,
};
use serde_json::json;
use wiremock::matchers::{body_string_contains, header, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

const TENANT: &str = "72f988bf-86f1-41af-91ab-2d7cd011db47";

/// Sends what the credential builds to a local server instead of its https authority.
#[derive(Debug)]
struct Redirect {
    port: u16,
    inner: Arc<dyn HttpClient>,
}

#[async_trait::async_trait]
impl HttpClient for Redirect {
    async fn execute_request(&self, request: &Request) -> azure_core::Result<AsyncRawResponse> {
        let mut request = request.clone();
        let url = request.url_mut();
        let _ = url.set_scheme("http");
        let _ = url.set_host(Some("127.0.0.1"));
        let _ = url.set_port(Some(self.port));
        self.inner.execute_request(&request).await
    }
}

fn redirected(authority: &MockServer) -> ClientOptions {
    ClientOptions {
        transport: Some(Transport::new(Arc::new(Redirect {
            port: authority.address().port(),
            inner: azure_core::http::new_http_client(None),
        }))),
        retry: RetryOptions::none(),
        ..Default::default()
    }
}

fn env(vars: Vec<(&'static str, String)>) -> impl Fn(&str) -> Option<String> {
    move |k| vars.iter().find(|(n, _)| *n == k).map(|(_, v)| v.clone())
}

async fn entra_token(authority: &MockServer, must_contain: &str, token: &str) {
    Mock::given(method("POST"))
        .and(path(format!("/{TENANT}/oauth2/v2.0/token")))
        .and(body_string_contains(must_contain))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "token_type": "Bearer", "expires_in": 3600, "ext_expires_in": 3600, "access_token": token
        })))
        .mount(authority)
        .await;
}

async fn arm_expecting(token: &str) -> MockServer {
    let arm = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/subscriptions/s1"))
        .and(header("authorization", format!("Bearer {token}").as_str()))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"id": "/subscriptions/s1"})))
        .mount(&arm)
        .await;
    arm
}

/// A client that reads ARM from `arm` with `credential` (Graph is not read).
fn arm_client(credential: Arc<dyn TokenCredential>, arm: &MockServer) -> Client {
    Client::new(
        credential,
        &arm.uri(),
        "https://graph.invalid",
        Limits::default(),
    )
    .expect("client")
}

#[tokio::test]
async fn github_oidc_is_a_client_assertion_exchanged_at_the_authority() {
    let github = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/idtoken"))
        .and(query_param("api-version", "2.0"))
        .and(query_param("audience", "api://AzureADTokenExchange"))
        .and(header("authorization", "bearer gh-request-token"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"count": 1, "value": "github.oidc.jwt"})),
        )
        .mount(&github)
        .await;
    let authority = MockServer::start().await;
    entra_token(
        &authority,
        "client_assertion=github.oidc.jwt",
        "entra-token-1",
    )
    .await;
    let arm = arm_expecting("entra-token-1").await;

    let config = AuthConfig {
        method: AuthMethod::Auto,
        authority_host: Some("https://login.microsoftonline.com".into()),
        tenant_id: None,
        client_options: redirected(&authority),
    };
    let vars = env(vec![
        (
            "ACTIONS_ID_TOKEN_REQUEST_URL",
            format!("{}/idtoken?api-version=2.0", github.uri()),
        ),
        ("ACTIONS_ID_TOKEN_REQUEST_TOKEN", "gh-request-token".into()),
        ("AZURE_TENANT_ID", TENANT.into()),
        ("AZURE_CLIENT_ID", "app-client-id".into()),
    ]);
    let credential = azure::credential(&config, &vars).expect("a credential");
    assert_eq!(
        credential.method,
        AuthMethod::GithubOidc,
        "auto picks GitHub OIDC"
    );
    assert!(!format!("{credential:?}").contains("gh-request-token"));
    let client = arm_client(credential.credential, &arm);
    let body = client
        .get(Api::Arm, "/subscriptions/s1")
        .await
        .expect("read");
    assert_eq!(body, Some(json!({"id": "/subscriptions/s1"})));

    let exchanged = authority.received_requests().await.unwrap_or_default();
    assert_eq!(exchanged.len(), 1);
    let form = String::from_utf8_lossy(&exchanged[0].body).to_string();
    assert!(form.contains("client_id=app-client-id"), "{form}");
    assert!(form.contains("client_assertion_type=urn%3Aietf%3Aparams%3Aoauth%3Aclient-assertion-type%3Ajwt-bearer"), "{form}");
    // The token is asked for the ARM endpoint's audience.
    let scope = format!("{}/.default", arm.uri());
    let encoded: String = url_encode(&scope);
    assert!(form.contains(&encoded), "{form} lacks {encoded}");
}

fn url_encode(text: &str) -> String {
    let mut out = String::new();
    for b in text.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'*' => {
                out.push(b as char)
            }
            b' ' => out.push('+'),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

#[tokio::test]
async fn a_client_secret_is_exchanged_at_the_authority() {
    let authority = MockServer::start().await;
    entra_token(&authority, "client_secret=s3cret", "entra-token-2").await;
    let arm = arm_expecting("entra-token-2").await;
    let config = AuthConfig {
        method: AuthMethod::ClientSecret,
        authority_host: Some("https://login.microsoftonline.us".into()),
        tenant_id: Some(TENANT.into()),
        client_options: redirected(&authority),
    };
    let vars = env(vec![
        ("AZURE_CLIENT_ID", "app-client-id".into()),
        ("AZURE_CLIENT_SECRET", "s3cret".into()),
    ]);
    let credential = azure::credential(&config, &vars).expect("a credential");
    let client = arm_client(credential.credential, &arm);
    assert!(client
        .get(Api::Arm, "/subscriptions/s1")
        .await
        .expect("read")
        .is_some());
    assert!(!format!("{client:?}").contains("entra-token-2"));
}

/// A credential with a fixed token, for client behaviour.
#[derive(Debug)]
struct Fixed;

#[async_trait::async_trait]
impl TokenCredential for Fixed {
    async fn get_token(
        &self,
        _: &[&str],
        _: Option<TokenRequestOptions<'_>>,
    ) -> azure_core::Result<AccessToken> {
        Ok(AccessToken {
            token: Secret::new("fixed-token"),
            expires_on: time::OffsetDateTime::now_utc() + time::Duration::hours(1),
        })
    }
}

fn fast(limits: Limits) -> Limits {
    Limits {
        backoff: Duration::from_millis(10),
        ..limits
    }
}

fn client(arm: &MockServer, limits: Limits) -> Client {
    Client::new(Arc::new(Fixed), &arm.uri(), &arm.uri(), fast(limits)).expect("client")
}

#[tokio::test]
async fn server_errors_are_retried_a_bounded_number_of_times() {
    let arm = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(
            ResponseTemplate::new(503)
                .set_body_json(json!({"error": {"code": "ServiceUnavailable", "message": "busy"}})),
        )
        .mount(&arm)
        .await;
    let c = client(
        &arm,
        Limits {
            attempts: 3,
            ..Limits::default()
        },
    );
    let e = c.get(Api::Arm, "/x").await.expect_err("fails");
    assert_eq!(e.status(), Some(503));
    assert!(e.to_string().contains("ServiceUnavailable"), "{e}");
    assert_eq!(arm.received_requests().await.unwrap_or_default().len(), 3);
}

#[tokio::test]
async fn a_retry_after_longer_than_allowed_fails_at_once() {
    let arm = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(429).insert_header("retry-after", "3600"))
        .mount(&arm)
        .await;
    let c = client(&arm, Limits::default());
    let e = c.get(Api::Arm, "/x").await.expect_err("fails");
    assert!(
        matches!(e, azure::Error::Throttled { seconds: 3600, .. }),
        "{e}"
    );
    assert_eq!(arm.received_requests().await.unwrap_or_default().len(), 1);
}

/// A server that answers `{}` to every GET after `delay`.
async fn slow_server(delay: Duration) -> MockServer {
    let arm = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_delay(delay)
                .set_body_json(json!({})),
        )
        .mount(&arm)
        .await;
    arm
}

#[tokio::test]
async fn a_slow_server_times_out() {
    let arm = slow_server(Duration::from_secs(3)).await;
    let c = client(
        &arm,
        Limits {
            timeout: Duration::from_millis(200),
            attempts: 2,
            ..Limits::default()
        },
    );
    let started = Instant::now();
    let e = c.get(Api::Arm, "/x").await.expect_err("times out");
    assert!(e.to_string().contains("timed out"), "{e}");
    assert!(started.elapsed() < Duration::from_secs(3));
}

#[tokio::test]
async fn requests_in_flight_are_bounded() {
    let arm = slow_server(Duration::from_millis(300)).await;
    let c = Arc::new(client(
        &arm,
        Limits {
            concurrency: 2,
            ..Limits::default()
        },
    ));
    let started = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..6 {
        let c = c.clone();
        tasks.spawn(async move { c.get(Api::Arm, &format!("/x{i}")).await });
    }
    while let Some(r) = tasks.join_next().await {
        assert!(r.expect("joined").expect("read").is_some());
    }
    // Six requests of 300 ms, two at a time: three rounds.
    assert!(
        started.elapsed() >= Duration::from_millis(900),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn a_next_link_to_another_host_is_refused() {
    let arm = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/list"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "value": [], "nextLink": "https://elsewhere.invalid/list?$skiptoken=1"
        })))
        .mount(&arm)
        .await;
    let c = client(&arm, Limits::default());
    let e = c.list(Api::Arm, "/list").await.expect_err("refused");
    assert!(e.to_string().contains("nextLink points outside"), "{e}");
}
