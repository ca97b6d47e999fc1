//! Posts a rolegate report to a pull request.
//!
//! Publishers read the JSON report (`docs/report.schema.json`) and its Markdown rendering; they
//! know nothing of rules. One gate keeps one comment (GitHub) or one thread (Azure DevOps), found by
//! a hidden marker that carries the gate's key, the head commit and the run time, so reruns edit it
//! in place and an older run never overwrites a newer one.
//!
//! - [`github`]: sticky issue comment, check run with annotations (50 per request), job summary.
//! - [`azure_devops`]: sticky PR thread (closed "fixed" on pass, reactivated on fail), PR status
//!   with a stable context, `##vso` logging commands.
//! - [`report`]: the parts of the JSON report a publisher reads.
//! - [`marker`], [`retry`], [`secret`]: the shared mechanics.

pub mod azure_devops;
pub mod github;
mod http;
pub mod marker;
pub mod report;
pub mod retry;
pub mod secret;
pub mod time;

pub use marker::{default_key, sanitize_key, Marker};
pub use report::ReportDoc;
pub use secret::Secret;
pub use time::{now_utc, valid_run_time};

use std::time::Duration;

/// What to publish: the report, its Markdown, the gate's key and the run it comes from.
#[derive(Debug, Clone)]
pub struct Publication {
    /// The parsed JSON report.
    pub report: ReportDoc,
    /// The Markdown report (comment body, job summary).
    pub markdown: String,
    /// The gate's key: one comment, thread, check run and status per key.
    pub key: String,
    /// When the report was computed (UTC, `YYYY-MM-DDTHH:MM:SSZ`); orders reruns.
    pub run_time: String,
}

/// What a publisher did: lines to show the user, and warnings that did not stop it.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Outcome {
    /// What was posted, one line each.
    pub done: Vec<String>,
    /// What could not be posted and why, one line each (never fatal to the verdict).
    pub warnings: Vec<String>,
    /// Lines for stdout (Azure Pipelines logging commands).
    pub stdout: Vec<String>,
}

/// A publishing failure that stopped the publisher. Messages never contain the token.
#[derive(Debug, thiserror::Error)]
pub enum PublishError {
    /// A required environment variable is missing or empty.
    #[error("{0} is not set: {1}")]
    MissingEnv(&'static str, &'static str),
    /// The environment or event payload is unusable.
    #[error("{0}")]
    Config(String),
    /// The service answered with an error status.
    #[error("{method} {path}: HTTP {status}: {message}")]
    Http {
        method: String,
        path: String,
        status: u16,
        message: String,
    },
    /// No answer (connection refused, timeout) after the retries.
    #[error("{method} {path}: {message}")]
    Transport {
        method: String,
        path: String,
        message: String,
    },
    /// The service answered with something that is not what its API documents.
    #[error("{method} {path}: unexpected response: {message}")]
    Malformed {
        method: String,
        path: String,
        message: String,
    },
    /// The token may not write to the pull request (e.g. a fork's read-only token).
    #[error("{0}")]
    Forbidden(String),
}

impl PublishError {
    /// The HTTP status, when the service answered with one.
    pub fn status(&self) -> Option<u16> {
        match self {
            PublishError::Http { status, .. } => Some(*status),
            _ => None,
        }
    }
}

/// Time limits for one request and the whole retry loop.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Connect timeout.
    pub connect: Duration,
    /// One request, from sending to the last byte of the answer.
    pub request: Duration,
    /// Retry policy.
    pub retry: retry::RetryPolicy,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            connect: Duration::from_secs(10),
            request: Duration::from_secs(30),
            retry: retry::RetryPolicy::default(),
        }
    }
}

impl Limits {
    /// The defaults, with the request timeout from `ROLEGATE_HTTP_TIMEOUT` (seconds) when set.
    pub fn from_env(env: &dyn Fn(&str) -> Option<String>) -> Limits {
        let mut limits = Limits::default();
        if let Some(secs) = env("ROLEGATE_HTTP_TIMEOUT").and_then(|v| v.trim().parse::<u64>().ok())
        {
            limits.request = Duration::from_secs(secs.clamp(1, 600));
            limits.connect = limits.connect.min(limits.request);
        }
        limits
    }
}

/// Runs a publisher's future on a runtime of its own: the CLI is synchronous, and octocrab must be
/// built inside a Tokio runtime.
pub fn block_on<F: std::future::Future>(future: F) -> Result<F::Output, PublishError> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| PublishError::Config(format!("cannot start the async runtime: {e}")))?;
    Ok(runtime.block_on(future))
}
