//! Security plumbing in one place: response headers (a strict Content-Security-Policy that
//! allows only our own origin), the CSRF guard for every state-changing request, and the
//! static assets (KERN UX, htmx, pdf.js) served by Plankammer itself, never from a CDN.
//!
//! The policy needs nothing extra for pdf.js: its module and its worker come from our own
//! origin (`script-src 'self'`, which `worker-src` falls back to), it runs with
//! `isEvalSupported: false` (no `'unsafe-eval'`) and without WebAssembly (no
//! `'wasm-unsafe-eval'`; the decoders' JavaScript fallback is used).

use crate::sitzung::{ANON_CSRF_COOKIE, SessionInfo, bearer};
use crate::{AppError, AppState};
use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum_extra::extract::cookie::CookieJar;
use futures::StreamExt;
use std::path::Path;
use tower_http::services::ServeDir;
use tower_http::set_header::SetResponseHeaderLayer;

/// Largest body the router accepts by default (forms and JSON). Routes that take uploads
/// raise it for themselves.
pub const MAX_FORM_BODY: usize = 1024 * 1024;

pub const CSP: &str = "default-src 'self'; img-src 'self' data: blob:; style-src 'self'; script-src 'self'; \
     font-src 'self'; connect-src 'self'; object-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

/// axum's extractors (Path, Query, Form, Multipart, the body limit) refuse bad input with
/// an English `text/plain` answer ("Cannot parse `abc` to a `i64`", "missing field …").
/// Here, once for every route, such an answer becomes the product's own: a German page for
/// people, problem details for the API. The English original goes to the log only. A path
/// segment that does not parse (an id like "abc") names nothing: 404.
pub async fn ablehnungen(req: Request, next: Next) -> Response {
    let api = req.uri().path().starts_with("/api/");
    let resp = next.run(req).await;
    let status = resp.status();
    let text_plain = resp
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/plain"));
    let abgelehnt = matches!(status.as_u16(), 400 | 413 | 415 | 422);
    if !(abgelehnt && text_plain) {
        return resp;
    }
    let original = axum::body::to_bytes(resp.into_body(), 4096)
        .await
        .unwrap_or_default();
    let original = String::from_utf8_lossy(&original);
    tracing::info!(status = status.as_u16(), detail = %original.trim(), "request refused by an extractor");
    let fehler = if status.as_u16() == 413 {
        AppError::TooLarge("Die Anfrage ist größer als erlaubt.".into())
    } else if original.starts_with("Invalid URL") {
        AppError::NotFound
    } else if status.as_u16() == 415 {
        AppError::Invalid("Die Anfrage hat ein Format, das hier nicht angenommen wird.".into())
    } else {
        AppError::Invalid(
            "Die Anfrage ist ungültig: eine Angabe im Formular oder in der Adresse fehlt oder hat nicht die erwartete Form."
                .into(),
        )
    };
    if api {
        crate::error::ApiError(fehler).into_response()
    } else {
        fehler.into_response()
    }
}

/// HSTS under an https `PUBLIC_URL`: a year, subdomains included (the authority's host
/// serves nothing over plain http once it is on https).
/// The default policy with further form targets (the origins of the OpenID providers).
pub fn csp_header(ziele: &[String]) -> HeaderValue {
    let mut csp = CSP.to_string();
    for z in ziele {
        csp.push(' ');
        csp.push_str(z);
    }
    HeaderValue::from_str(&csp).unwrap_or_else(|_| HeaderValue::from_static(CSP))
}

pub const HSTS: &str = "max-age=31536000; includeSubDomains";

pub async fn headers(State(st): State<AppState>, req: Request, next: Next) -> Response {
    let mut resp = next.run(req).await;
    let h = resp.headers_mut();
    if st.config.secure_cookies {
        h.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static(HSTS),
        );
    }
    // A handler may set a stricter policy (downloads: `sandbox`); otherwise the default,
    // whose form-action also names the OpenID providers (sign-in and sign-out forms end
    // there with a redirect).
    if !h.contains_key(header::CONTENT_SECURITY_POLICY) {
        h.insert(header::CONTENT_SECURITY_POLICY, st.csp.clone());
    }
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    h.insert(
        "permissions-policy",
        HeaderValue::from_static("camera=(), microphone=(), geolocation=(), interest-cohort=()"),
    );
    h.insert(
        "cross-origin-opener-policy",
        HeaderValue::from_static("same-origin"),
    );
    if !h.contains_key(header::CACHE_CONTROL) {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    resp
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Every POST, PUT, PATCH and DELETE must prove it comes from our own pages: the token of the
/// session (or, before login, the double-submit cookie) in the `_csrf` form field or the
/// `X-CSRF-Token` header, and no foreign `Origin`. Requests with a bearer token carry no
/// ambient credentials and are exempt; the token is checked by the route.
pub async fn csrf_guard(
    State(_state): State<AppState>,
    jar: CookieJar,
    req: Request,
    next: Next,
) -> Response {
    let unsafe_method = matches!(
        *req.method(),
        Method::POST | Method::PUT | Method::PATCH | Method::DELETE
    );
    // A token is judged alone only on the API (never by cookies there, see ApiCaller), and
    // browsers do not send Authorization headers across sites. Pages are authenticated by
    // the session cookie, so a Bearer header there skips nothing.
    if !unsafe_method || (req.uri().path().starts_with("/api/") && bearer(req.headers()).is_some())
    {
        return next.run(req).await;
    }
    if let Some(origin) = req
        .headers()
        .get(header::ORIGIN)
        .and_then(|o| o.to_str().ok())
    {
        let host = req
            .headers()
            .get(header::HOST)
            .and_then(|h| h.to_str().ok())
            .unwrap_or("");
        let origin_host = origin.split("://").nth(1).unwrap_or("");
        if origin != "null" && origin_host != host {
            tracing::warn!("refused a cross-origin state-changing request");
            return AppError::Csrf.into_response_for(&req);
        }
    }
    let expected = match req
        .extensions()
        .get::<Option<SessionInfo>>()
        .cloned()
        .flatten()
    {
        Some(s) => Some(s.csrf_token),
        None => jar.get(ANON_CSRF_COOKIE).map(|c| c.value().to_string()),
    };
    let Some(expected) = expected.filter(|e| !e.is_empty()) else {
        return AppError::Csrf.into_response_for(&req);
    };
    if let Some(h) = req
        .headers()
        .get("x-csrf-token")
        .and_then(|v| v.to_str().ok())
    {
        if constant_time_eq(h.as_bytes(), expected.as_bytes()) {
            return next.run(req).await;
        }
        return AppError::Csrf.into_response_for(&req);
    }
    let content_type = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if content_type.starts_with("multipart/form-data") {
        // A file upload from a page without JavaScript carries the token as its first field
        // (never in the URL, where logs and the browser history would keep it). Only a short
        // prefix of the stream is read; the whole body is handed on unchanged.
        let Some(boundary) = multipart_boundary(content_type) else {
            return AppError::Csrf.into_response_for(&req);
        };
        let (parts, body) = req.into_parts();
        let mut stream = body.into_data_stream();
        let mut prefix = bytes::BytesMut::new();
        let presented = loop {
            match erstes_csrf_feld(&prefix, &boundary) {
                Some(found) => break found,
                None if prefix.len() >= MAX_MULTIPART_CSRF_PREFIX => break None,
                None => match stream.next().await {
                    Some(Ok(chunk)) => prefix.extend_from_slice(&chunk),
                    _ => break None,
                },
            }
        };
        let prefix = prefix.freeze();
        let body = Body::from_stream(
            futures::stream::once(async move { Ok::<_, axum::Error>(prefix) }).chain(stream),
        );
        let req = Request::from_parts(parts, body);
        return match presented {
            Some(p) if constant_time_eq(p.as_bytes(), expected.as_bytes()) => next.run(req).await,
            _ => AppError::Csrf.into_response_for(&req),
        };
    }
    let is_form = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.starts_with("application/x-www-form-urlencoded"));
    if !is_form {
        return AppError::Csrf.into_response_for(&req);
    }
    // Read the form (bounded), check its `_csrf` field, and hand the same bytes on.
    let (parts, body) = req.into_parts();
    let bytes = match axum::body::to_bytes(body, MAX_FORM_BODY).await {
        Ok(b) => b,
        Err(_) => {
            let req = Request::from_parts(parts, Body::empty());
            return AppError::TooLarge("Das Formular ist zu groß.".into()).into_response_for(&req);
        }
    };
    let presented = url::form_urlencoded::parse(&bytes)
        .find(|(k, _)| k == "_csrf")
        .map(|(_, v)| v.into_owned());
    let req = Request::from_parts(parts, Body::from(bytes));
    match presented {
        Some(p) if constant_time_eq(p.as_bytes(), expected.as_bytes()) => next.run(req).await,
        _ => AppError::Csrf.into_response_for(&req),
    }
}

/// Most bytes of a multipart body read to find its `_csrf` field (the field and its part
/// headers are well under 1 KiB; anything longer is not one of our forms).
const MAX_MULTIPART_CSRF_PREFIX: usize = 8 * 1024;

/// The boundary of a `multipart/form-data` content type, quoted or not.
fn multipart_boundary(content_type: &str) -> Option<String> {
    content_type.split(';').skip(1).find_map(|p| {
        let (k, v) = p.trim().split_once('=')?;
        (k.trim().eq_ignore_ascii_case("boundary"))
            .then(|| v.trim().trim_matches('"').to_string())
            .filter(|b| !b.is_empty() && b.len() <= 200)
    })
}

/// The value of the `_csrf` field when it is the first part of a multipart body.
/// `None`: more bytes are needed to decide; `Some(None)`: the first part is something else.
fn erstes_csrf_feld(prefix: &[u8], boundary: &str) -> Option<Option<String>> {
    fn finde(h: &[u8], n: &[u8]) -> Option<usize> {
        h.windows(n.len()).position(|w| w == n)
    }
    let start = format!("--{boundary}\r\n");
    let start = start.as_bytes();
    if prefix.len() < start.len() {
        return (!start.starts_with(prefix)).then_some(None);
    }
    if !prefix.starts_with(start) {
        return Some(None);
    }
    let rest = &prefix[start.len()..];
    let kopf_ende = finde(rest, b"\r\n\r\n")?;
    let kopf = String::from_utf8_lossy(&rest[..kopf_ende]);
    let ist_csrf = kopf.lines().any(|l| {
        let l = l.to_ascii_lowercase();
        l.starts_with("content-disposition:") && l.contains("name=\"_csrf\"")
    });
    if !ist_csrf {
        return Some(None);
    }
    let wert = &rest[kopf_ende + 4..];
    let ende = finde(wert, format!("\r\n--{boundary}").as_bytes())?;
    Some(String::from_utf8(wert[..ende].to_vec()).ok())
}

/// What `/static/…` serves, as (URL prefix, folder below the web directory): the page
/// assets of `web/static`, and of the npm packages only what the pages load (KERN UX, htmx;
/// of pdf.js the built library, its fonts, CMaps and the decoders' fallback), never a
/// package's other files. The Dockerfile copies each folder into the image (a test checks).
pub const ASSET_ORDNER: &[(&str, &str)] = &[
    ("/static/kern", "node_modules/@kern-ux/native/dist"),
    ("/static/htmx", "node_modules/htmx.org/dist"),
    ("/static/pdfjs/build", "node_modules/pdfjs-dist/build"),
    (
        "/static/pdfjs/standard_fonts",
        "node_modules/pdfjs-dist/standard_fonts",
    ),
    ("/static/pdfjs/cmaps", "node_modules/pdfjs-dist/cmaps"),
    ("/static/pdfjs/wasm", "node_modules/pdfjs-dist/wasm"),
    ("/static", "static"),
];

/// The router of [`ASSET_ORDNER`].
pub fn static_router(web_dir: &Path) -> Router<AppState> {
    let cache = SetResponseHeaderLayer::overriding(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=3600"),
    );
    ASSET_ORDNER
        .iter()
        .fold(Router::new(), |r, (pfad, ordner)| {
            r.nest_service(pfad, ServeDir::new(web_dir.join(ordner)))
        })
        .layer(cache)
}

#[cfg(test)]
mod tests {
    use super::*;

    const B: &str = "----abc123";

    fn teil(name: &str, wert: &str) -> String {
        format!("--{B}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{wert}\r\n")
    }

    #[test]
    fn boundary_quoted_or_not() {
        assert_eq!(
            multipart_boundary("multipart/form-data; boundary=xyz").as_deref(),
            Some("xyz")
        );
        assert_eq!(
            multipart_boundary("multipart/form-data; charset=utf-8; BOUNDARY=\"a b\"").as_deref(),
            Some("a b")
        );
        assert_eq!(multipart_boundary("multipart/form-data"), None);
        assert_eq!(multipart_boundary("multipart/form-data; boundary="), None);
    }

    #[test]
    fn csrf_as_first_field_is_found() {
        let body = format!(
            "{}--{B}\r\nContent-Disposition: form-data; name=\"datei\"; filename=\"a.pdf\"\r\n\r\n%PDF",
            teil("_csrf", "tok-123")
        );
        assert_eq!(
            erstes_csrf_feld(body.as_bytes(), B),
            Some(Some("tok-123".into()))
        );
    }

    #[test]
    fn a_prefix_asks_for_more_bytes() {
        let body = teil("_csrf", "tok-123");
        for n in [0, 5, 20, body.len() - 3] {
            assert_eq!(erstes_csrf_feld(&body.as_bytes()[..n], B), None, "{n}");
        }
    }

    #[test]
    fn anything_else_first_is_refused() {
        // The file before the token, a preamble, another boundary, a look-alike name.
        let datei_zuerst = format!("{}{}", teil("datei", "%PDF"), teil("_csrf", "t"));
        assert_eq!(erstes_csrf_feld(datei_zuerst.as_bytes(), B), Some(None));
        let praeambel = format!("hallo\r\n{}", teil("_csrf", "t"));
        assert_eq!(erstes_csrf_feld(praeambel.as_bytes(), B), Some(None));
        assert_eq!(
            erstes_csrf_feld(teil("_csrf", "t").as_bytes(), "other"),
            Some(None)
        );
        let aehnlich = teil("_csrf2", "t");
        assert_eq!(erstes_csrf_feld(aehnlich.as_bytes(), B), Some(None));
        let kaputt =
            format!("--{B}\r\nContent-Disposition: form-data; name=\"_csrf\"\r\n\r\n\u{0}\u{ff}");
        assert_eq!(erstes_csrf_feld(kaputt.as_bytes(), B), None);
    }
}
