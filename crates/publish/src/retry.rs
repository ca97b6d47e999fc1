//! When to retry a request and how long to wait: 5xx and rate limits (429, GitHub's secondary
//! limits as 403 with `Retry-After` or `x-ratelimit-remaining: 0`), honouring `Retry-After` and
//! `x-ratelimit-reset`, bounded in attempts and in total waiting time.

use std::time::Duration;

use http::HeaderMap;

/// Bounds on retrying.
#[derive(Debug, Clone, Copy)]
pub struct RetryPolicy {
    /// Attempts per request, the first included.
    pub attempts: u32,
    /// First backoff when the service names no wait; doubled each retry.
    pub base: Duration,
    /// The most one request may spend waiting between attempts, in total. A service asking for
    /// longer (a rate limit resetting in an hour) makes the request fail instead.
    pub budget: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            attempts: 4,
            base: Duration::from_secs(1),
            budget: Duration::from_secs(60),
        }
    }
}

/// What to do after an answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// Use the answer.
    Done,
    /// Wait, then try again.
    Retry(Duration),
    /// Retrying is warranted but out of bounds (attempts or time): fail with this reason.
    GiveUp(String),
}

impl RetryPolicy {
    /// The decision for `status` on attempt `attempt` (1-based), having waited `waited` so far.
    /// `now_unix` is the current time, for `x-ratelimit-reset`.
    pub fn decide(
        &self,
        status: u16,
        headers: &HeaderMap,
        attempt: u32,
        waited: Duration,
        now_unix: u64,
    ) -> Decision {
        let rate_limited = status == 429
            || (status == 403
                && (headers.contains_key("retry-after")
                    || header(headers, "x-ratelimit-remaining").as_deref() == Some("0")));
        if !(rate_limited || (500..600).contains(&status)) {
            return Decision::Done;
        }
        if attempt >= self.attempts {
            return Decision::GiveUp(format!("still HTTP {status} after {attempt} attempts"));
        }
        let asked = retry_after(headers).or_else(|| {
            header(headers, "x-ratelimit-reset")
                .and_then(|v| v.trim().parse::<u64>().ok())
                .map(|reset| Duration::from_secs(reset.saturating_sub(now_unix)))
        });
        let wait = asked.unwrap_or_else(|| self.base.saturating_mul(1 << (attempt - 1).min(6)));
        if waited + wait > self.budget {
            return Decision::GiveUp(format!(
                "HTTP {status}: the service asks to wait {}s, more than the {}s rolegate waits",
                wait.as_secs(),
                self.budget.as_secs()
            ));
        }
        Decision::Retry(wait)
    }

    /// The decision after a transport error (no answer) on attempt `attempt`.
    pub fn decide_transport(&self, attempt: u32, waited: Duration) -> Decision {
        if attempt >= self.attempts {
            return Decision::GiveUp(format!("no answer after {attempt} attempts"));
        }
        let wait = self.base.saturating_mul(1 << (attempt - 1).min(6));
        if waited + wait > self.budget {
            return Decision::GiveUp("no answer within the retry time".into());
        }
        Decision::Retry(wait)
    }
}

fn header(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
}

/// `Retry-After` in seconds (the HTTP-date form is rare in these APIs and treated as absent).
fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    header(headers, "retry-after")
        .and_then(|v| v.trim().parse::<u64>().ok())
        .map(Duration::from_secs)
}

/// Seconds since the Unix epoch.
pub fn now_unix() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, v.parse().unwrap());
        }
        h
    }

    #[test]
    fn honours_retry_after_and_reset() {
        let p = RetryPolicy::default();
        let none = HeaderMap::new();
        assert_eq!(p.decide(200, &none, 1, Duration::ZERO, 0), Decision::Done);
        assert_eq!(p.decide(404, &none, 1, Duration::ZERO, 0), Decision::Done);
        assert_eq!(
            p.decide(502, &none, 1, Duration::ZERO, 0),
            Decision::Retry(Duration::from_secs(1))
        );
        assert_eq!(
            p.decide(502, &none, 2, Duration::ZERO, 0),
            Decision::Retry(Duration::from_secs(2))
        );
        assert_eq!(
            p.decide(429, &headers(&[("retry-after", "3")]), 1, Duration::ZERO, 0),
            Decision::Retry(Duration::from_secs(3))
        );
        let reset = headers(&[
            ("x-ratelimit-remaining", "0"),
            ("x-ratelimit-reset", "1005"),
        ]);
        assert_eq!(
            p.decide(403, &reset, 1, Duration::ZERO, 1000),
            Decision::Retry(Duration::from_secs(5))
        );
        // A plain 403 (read-only token) is an answer, not a rate limit.
        assert_eq!(p.decide(403, &none, 1, Duration::ZERO, 0), Decision::Done);
    }

    #[test]
    fn bounded_in_attempts_and_time() {
        let p = RetryPolicy::default();
        let none = HeaderMap::new();
        assert!(matches!(
            p.decide(503, &none, 4, Duration::ZERO, 0),
            Decision::GiveUp(_)
        ));
        let long = headers(&[("retry-after", "3600")]);
        assert!(matches!(
            p.decide(429, &long, 1, Duration::ZERO, 0),
            Decision::GiveUp(_)
        ));
    }
}
