//! The page's gate: a request turns into a 403 unless it names our host and port, carries
//! the start-up token (in the URL once, then in a cookie) and — when it changes anything —
//! is a POST from the page's own origin; every response gets the security headers.

use super::state::App;
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::sync::Arc;

/// `default-src 'self'` and nothing looser: scripts, styles and pictures come from this
/// server only, and no inline script runs.
const CSP: &str = "default-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";
/// The same for PDFs, which the browser's own viewer shows in a frame of its own.
const CSP_PDF: &str = "default-src 'self'; base-uri 'none'; form-action 'self'";

/// Checks the request and adds the security headers to whatever answers it.
pub(crate) async fn guard(State(app): State<Arc<App>>, req: Request, next: Next) -> Response {
    let mut resp = match admit(&app, &req) {
        Admit::Pass => {
            let changes = req.method() == Method::POST;
            let resp = next.run(req).await;
            if changes {
                // Also after the change: a reading begun while it was made is stale too.
                app.reading.touch();
            }
            resp
        }
        Admit::SetCookie(location) => {
            let cookie = format!(
                "{}={}; HttpOnly; SameSite=Strict; Path=/",
                cookie_name(app.port),
                app.token
            );
            let mut r = (StatusCode::SEE_OTHER, "").into_response();
            if let (Ok(c), Ok(l)) = (
                HeaderValue::from_str(&cookie),
                HeaderValue::from_str(&location),
            ) {
                r.headers_mut().insert(header::SET_COOKIE, c);
                r.headers_mut().insert(header::LOCATION, l);
            }
            r
        }
        Admit::Refuse(why) => forbidden(why),
    };
    secure_headers(resp.headers_mut());
    resp
}

enum Admit {
    Pass,
    /// The token came in the URL: set the cookie and show the same page without it.
    SetCookie(String),
    Refuse(&'static str),
}

fn admit(app: &App, req: &Request) -> Admit {
    let Some(host) = allowed_host(req.headers(), app.port) else {
        return Admit::Refuse(
            "this address is not medpacket's. Open the address that `medpacket serve` printed, starting with http://127.0.0.1",
        );
    };
    let cookie_ok = cookie_token(req.headers(), &cookie_name(app.port))
        .is_some_and(|t| same(t.as_bytes(), app.token.as_bytes()));
    let query_token = req.uri().query().and_then(|q| {
        q.split('&')
            .find_map(|pair| pair.strip_prefix("token="))
            .map(str::to_string)
    });
    let query_ok = query_token
        .as_deref()
        .is_some_and(|t| same(t.as_bytes(), app.token.as_bytes()));
    if !cookie_ok && !query_ok {
        return Admit::Refuse(
            "the page needs its key. Open the full address that `medpacket serve` printed (it ends in ?token=…); each start of medpacket makes a new one",
        );
    }
    let method = req.method();
    if method != Method::GET && method != Method::HEAD {
        if method != Method::POST {
            return Admit::Refuse("only the page's own forms may change anything");
        }
        let origin = req
            .headers()
            .get(header::ORIGIN)
            .and_then(|v| v.to_str().ok());
        if origin != Some(format!("http://{host}").as_str()) {
            return Admit::Refuse(
                "changes are accepted only from medpacket's own page. Use the page medpacket opened",
            );
        }
        // The folder or packet.toml may change: what was read before is read again.
        app.reading.touch();
        return Admit::Pass;
    }
    if query_ok {
        return Admit::SetCookie(req.uri().path().to_string());
    }
    Admit::Pass
}

/// The Host header, lower-cased, when it is 127.0.0.1 or localhost on our port.
fn allowed_host(headers: &HeaderMap, port: u16) -> Option<String> {
    let host = headers
        .get(header::HOST)?
        .to_str()
        .ok()?
        .to_ascii_lowercase();
    let ok = host == format!("127.0.0.1:{port}") || host == format!("localhost:{port}");
    ok.then_some(host)
}

/// One cookie per port: two servers on one computer keep their keys apart.
fn cookie_name(port: u16) -> String {
    format!("medpacket-{port}")
}

fn cookie_token<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .find_map(|pair| {
            let (k, v) = pair.trim().split_once('=')?;
            (k == name).then_some(v)
        })
}

/// Compares without stopping at the first difference.
fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn forbidden(why: &str) -> Response {
    (
        StatusCode::FORBIDDEN,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        format!("Forbidden: {why}.\n"),
    )
        .into_response()
}

fn secure_headers(h: &mut HeaderMap) {
    let pdf = h
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"application/pdf"));
    let csp = if pdf { CSP_PDF } else { CSP };
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(csp),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    // Medical records: nothing is kept in the browser's cache.
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    if !pdf {
        h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_must_name_loopback_and_our_port() {
        let mut h = HeaderMap::new();
        for (host, ok) in [
            ("127.0.0.1:8080", true),
            ("LOCALHOST:8080", true),
            ("127.0.0.1:8081", false),
            ("evil.example:8080", false),
            ("127.0.0.1", false),
            ("[::1]:8080", false),
        ] {
            h.insert(header::HOST, HeaderValue::from_static(host));
            assert_eq!(allowed_host(&h, 8080).is_some(), ok, "{host}");
        }
    }

    #[test]
    fn cookie_is_found_among_others() {
        let mut h = HeaderMap::new();
        h.insert(
            header::COOKIE,
            HeaderValue::from_static("a=1; medpacket-80=abc; medpacket-8=x"),
        );
        assert_eq!(cookie_token(&h, "medpacket-80"), Some("abc"));
        assert_eq!(cookie_token(&h, "medpacket-8"), Some("x"));
        assert_eq!(cookie_token(&h, "medpacket-81"), None);
        assert!(same(b"abc", b"abc") && !same(b"abc", b"abd") && !same(b"ab", b"abc"));
    }
}
