//! What can go wrong talking to the tenant. No variant carries a token.

/// A failed credential or REST call.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// `--auth` names a method whose environment is incomplete, or no method fits.
    #[error("{0}")]
    Auth(String),
    /// The credential could not get a token.
    #[error("cannot get a token for {scope}: {message}")]
    Credential { scope: String, message: String },
    /// An endpoint flag is not a URL.
    #[error("the {name} endpoint '{url}' is not usable: {message}")]
    Endpoint {
        name: &'static str,
        url: String,
        message: String,
    },
    /// The service answered with an error status.
    #[error("{url} answered {status}{}: {message}", code.as_deref().map(|c| format!(" {c}")).unwrap_or_default())]
    Status {
        url: String,
        status: u16,
        code: Option<String>,
        message: String,
    },
    /// Still throttled after the retries allowed, or asked to wait longer than allowed.
    #[error("{url} is throttling (429): asked to wait {seconds} s, longer than rolegate waits")]
    Throttled { url: String, seconds: u64 },
    /// The answer is not the shape the API documents.
    #[error("{url}: malformed response: {message}")]
    Malformed { url: String, message: String },
    /// Connect, timeout, TLS or read errors after the retries.
    #[error("{0}")]
    Transport(String),
    /// The client was shut down.
    #[error("the client was closed")]
    Closed,
}

impl Error {
    /// The HTTP status, when the service answered.
    pub fn status(&self) -> Option<u16> {
        match self {
            Error::Status { status, .. } => Some(*status),
            Error::Throttled { .. } => Some(429),
            _ => None,
        }
    }
}
