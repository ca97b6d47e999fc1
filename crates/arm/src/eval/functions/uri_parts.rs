//! `parseUri(uriString)` and `buildUri(uriComponent)` (ARM and Bicep since 2025): a URI as an
//! object `{scheme, host, port, path, query}` and back.
//!
//! Source: Microsoft Learn, "String functions for Bicep" (`buildUri`, `parseUri`, ms.date
//! 06/19/2025): `buildUri` takes one object with `scheme` (required), `host` (required), `port`
//! (int or null; null means the scheme's default port), `path` (required) and `query` (the query
//! string *including* its leading `?`, empty when absent); `parseUri` returns the same object.
//! Bicep's type for the object (Azure/bicep `SystemNamespaceType.GetParseOrBuildUriReturnType`)
//! requires `scheme` and `host` only; `port`, `path` and `query` are optional. Decisions the page
//! leaves open are listed in `docs/functions.md`.

use super::super::EvalError;
use super::{f, Call, Def};
use crate::value::{object_get, Object, Value};

pub(super) const FUNCTIONS: &[Def] = &[
    f("parseuri", 1, 1, parse_uri),
    f("builduri", 1, 1, build_uri),
];

/// The port a scheme uses when none is written (as .NET's `System.Uri.Port` reports it).
fn default_port(scheme: &str) -> Option<i64> {
    match scheme.to_ascii_lowercase().as_str() {
        "http" | "ws" => Some(80),
        "https" | "wss" => Some(443),
        "ftp" => Some(21),
        _ => None,
    }
}

fn parse_uri(c: &Call<'_, '_>) -> Result<Value, EvalError> {
    let text = c.str(0)?.trim();
    let Some((scheme, rest)) = text.split_once("://") else {
        return Err(c.err(format!(
            "'{text}' is not an absolute URI (no scheme followed by '://')"
        )));
    };
    if scheme.is_empty()
        || !scheme
            .chars()
            .all(|ch| ch.is_ascii_alphanumeric() || matches!(ch, '+' | '-' | '.'))
    {
        return Err(c.err(format!("'{text}' has no valid scheme")));
    }
    // The fragment is not part of the documented object; it is dropped.
    let rest = rest.split_once('#').map_or(rest, |(r, _)| r);
    let authority_end = rest.find(['/', '?']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(authority_end);
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let (host, port) =
        split_host_port(host_port).ok_or_else(|| c.err(format!("'{text}' has an invalid port")))?;
    if host.is_empty() {
        return Err(c.err(format!("'{text}' has no host")));
    }
    let (path, query) = match tail.find('?') {
        Some(i) => (&tail[..i], &tail[i..]),
        None => (tail, ""),
    };
    let path = if path.is_empty() { "/" } else { path };
    let mut out = Object::new();
    out.insert("scheme".into(), Value::String(scheme.to_ascii_lowercase()));
    out.insert("host".into(), Value::String(host.to_string()));
    out.insert(
        "port".into(),
        port.or_else(|| default_port(scheme))
            .map_or(Value::Null, Value::Int),
    );
    out.insert("path".into(), Value::String(path.to_string()));
    out.insert("query".into(), Value::String(query.to_string()));
    Ok(Value::Object(out))
}

/// `host[:port]`, IPv6 literals in brackets; `None` for a port that is not a number in range.
fn split_host_port(authority: &str) -> Option<(&str, Option<i64>)> {
    let (host, port) = if authority.starts_with('[') {
        match authority.find(']') {
            Some(end) => {
                let (h, rest) = authority.split_at(end + 1);
                (h, rest.strip_prefix(':'))
            }
            None => return None,
        }
    } else {
        match authority.rsplit_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (authority, None),
        }
    };
    match port {
        None | Some("") => Some((host, None)),
        Some(p) => {
            let n: i64 = p.parse().ok()?;
            (0..=65535).contains(&n).then_some((host, Some(n)))
        }
    }
}

fn build_uri(c: &Call<'_, '_>) -> Result<Value, EvalError> {
    let parts = c.object(0)?;
    let text = |key: &str, required: bool| -> Result<String, EvalError> {
        match object_get(parts, key) {
            Some(Value::String(s)) => Ok(s.clone()),
            None | Some(Value::Null) if !required => Ok(String::new()),
            None | Some(Value::Null) => Err(c.err(format!("the component '{key}' is required"))),
            Some(other) => Err(c.err(format!(
                "the component '{key}' must be a string, but is of type {}",
                other.type_name()
            ))),
        }
    };
    let scheme = text("scheme", true)?;
    let host = text("host", true)?;
    let path = text("path", false)?;
    let query = text("query", false)?;
    if scheme.is_empty() || host.is_empty() {
        return Err(c.err("the components 'scheme' and 'host' must not be empty"));
    }
    let port = match object_get(parts, "port") {
        None | Some(Value::Null) => None,
        Some(Value::Int(p)) if (0..=65535).contains(p) => Some(*p),
        Some(other) => {
            return Err(c.err(format!(
                "the component 'port' must be an integer from 0 to 65535 or null, not {}",
                other.to_display_string()
            )))
        }
    };
    let mut out = format!("{}://{host}", scheme.to_ascii_lowercase());
    // Like .NET's UriBuilder, a port equal to the scheme's default is not written.
    if let Some(p) = port.filter(|p| Some(*p) != default_port(&scheme)) {
        out.push_str(&format!(":{p}"));
    }
    if !path.starts_with('/') {
        out.push('/');
    }
    out.push_str(&path);
    if !query.is_empty() {
        if !query.starts_with('?') {
            out.push('?');
        }
        out.push_str(&query);
    }
    c.check_string(out)
}

#[cfg(test)]
mod tests {
    use super::super::testing::{fails, ok};
    use serde_json::json;

    /// The components of the documented `buildUri` example (Microsoft Learn, "String functions
    /// for Bicep", buildUri).
    const DOC_COMPONENTS: &str = "createObject('scheme', 'https', 'host', 'mystorage.blob.core.windows.net', 'port', 8080, 'path', '/templates/nestedTemplate.json', 'query', '?st=2025-05-09')";
    const DOC_URI: &str =
        "https://mystorage.blob.core.windows.net:8080/templates/nestedTemplate.json?st=2025-05-09";

    #[test]
    fn build_uri_from_the_documented_components() {
        assert_eq!(ok(&format!("[buildUri({DOC_COMPONENTS})]")), json!(DOC_URI));
    }

    #[test]
    fn parse_uri_gives_the_documented_components_back() {
        assert_eq!(
            ok(&format!("[parseUri('{DOC_URI}')]")),
            json!({"scheme": "https", "host": "mystorage.blob.core.windows.net", "port": 8080,
                   "path": "/templates/nestedTemplate.json", "query": "?st=2025-05-09"})
        );
        // Round trip.
        assert_eq!(
            ok(&format!("[buildUri(parseUri('{DOC_URI}'))]")),
            json!(DOC_URI)
        );
    }

    #[test]
    fn defaults_port_null_and_missing_query() {
        // A null port means the scheme's default, which is not written.
        assert_eq!(
            ok("[buildUri(createObject('scheme', 'https', 'host', 'example.com', 'port', null(), 'path', 'a/b'))]"),
            json!("https://example.com/a/b")
        );
        assert_eq!(
            ok("[parseUri('https://example.com')]"),
            json!({"scheme": "https", "host": "example.com", "port": 443, "path": "/", "query": ""})
        );
        assert_eq!(ok("[parseUri('custom://h/x').port]"), json!(null));
    }

    #[test]
    fn invalid_input_is_an_error() {
        assert!(fails("[parseUri('not a uri')]")
            .message
            .contains("absolute URI"));
        assert!(fails("[parseUri('https://h:99999/')]")
            .message
            .contains("port"));
        assert!(fails("[buildUri(createObject('host', 'h', 'path', '/'))]")
            .message
            .contains("scheme"));
        // Path is optional (Bicep's type requires scheme and host only).
        assert_eq!(
            ok("[buildUri(createObject('scheme', 'http', 'host', 'h', 'port', 8080))]"),
            json!("http://h:8080/")
        );
    }
}
