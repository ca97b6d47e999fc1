//! What both clients share: the bounded retry loop with a per-attempt timeout, error messages
//! from the services' JSON, and percent-encoding of path parts.

use std::future::Future;
use std::time::Duration;

use http::HeaderMap;

use crate::retry::{now_unix, Decision};
use crate::{Limits, PublishError, Secret};

/// An answer: status, headers and body text.
pub(crate) struct Answer {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: String,
}

/// Sends with `send` until a 2xx answer (returned), an answer not worth retrying (an error with
/// the service's message), or the retry bounds are reached. `send` returns a transport error as
/// text already free of the token; every message is scrubbed again here.
pub(crate) async fn with_retries<F, Fut>(
    limits: &Limits,
    token: &Secret,
    method: &str,
    path: &str,
    mut send: F,
) -> Result<Answer, PublishError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<Answer, String>>,
{
    let mut attempt = 0;
    let mut waited = Duration::ZERO;
    loop {
        attempt += 1;
        tracing::debug!(method, path, attempt, "request");
        let decision = match tokio::time::timeout(limits.request, send()).await {
            Ok(Ok(answer)) => {
                match limits.retry.decide(
                    answer.status,
                    &answer.headers,
                    attempt,
                    waited,
                    now_unix(),
                ) {
                    Decision::Done if (200..300).contains(&answer.status) => return Ok(answer),
                    Decision::Done => {
                        return Err(PublishError::Http {
                            method: method.into(),
                            path: path.into(),
                            status: answer.status,
                            message: token.scrub(&error_message(&answer.body)),
                        })
                    }
                    Decision::GiveUp(why) => {
                        return Err(PublishError::Http {
                            method: method.into(),
                            path: path.into(),
                            status: answer.status,
                            message: format!(
                                "{why}: {}",
                                token.scrub(&error_message(&answer.body))
                            ),
                        })
                    }
                    retry => retry,
                }
            }
            Ok(Err(message)) => match limits.retry.decide_transport(attempt, waited) {
                Decision::Retry(wait) => Decision::Retry(wait),
                _ => {
                    return Err(PublishError::Transport {
                        method: method.into(),
                        path: path.into(),
                        message: token.scrub(&message),
                    })
                }
            },
            Err(_) => match limits.retry.decide_transport(attempt, waited) {
                Decision::Retry(wait) => Decision::Retry(wait),
                _ => {
                    return Err(PublishError::Transport {
                        method: method.into(),
                        path: path.into(),
                        message: format!("no answer within {}s", limits.request.as_secs()),
                    })
                }
            },
        };
        if let Decision::Retry(wait) = decision {
            tracing::info!(path, attempt, wait_s = wait.as_secs_f32(), "retrying");
            tokio::time::sleep(wait).await;
            waited += wait;
        }
    }
}

/// The service's `{"message": ...}`, else the start of the body.
pub(crate) fn error_message(body: &str) -> String {
    serde_json::from_str::<serde_json::Value>(body)
        .ok()
        .and_then(|v| {
            v.get("message")
                .and_then(serde_json::Value::as_str)
                .map(str::to_string)
        })
        .unwrap_or_else(|| body.chars().take(200).collect())
}

/// Percent-encodes `text` for a URL path; `/` is kept when `keep_slash`.
pub(crate) fn encode(text: &str, keep_slash: bool) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            b'/' if keep_slash => "/".to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// An error and its sources on one line.
pub(crate) fn chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}
