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
use axum::response::Response;
use axum_extra::extract::cookie::CookieJar;
use std::path::Path;
use tower_http::services::ServeDir;
use tower_http::set_header::SetResponseHeaderLayer;

/// Largest body the router accepts by default (forms and JSON). Routes that take uploads
/// raise it for themselves.
pub const MAX_FORM_BODY: usize = 1024 * 1024;

pub const CSP: &str = "default-src 'self'; img-src 'self' data: blob:; style-src 'self'; script-src 'self'; \
     font-src 'self'; connect-src 'self'; object-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

pub async fn headers(req: Request, next: Next) -> Response {
    let mut resp = next.run(req).await;
    let h = resp.headers_mut();
    // A handler may set a stricter policy (downloads: `sandbox`); otherwise the default.
    if !h.contains_key(header::CONTENT_SECURITY_POLICY) {
        h.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(CSP),
        );
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
    if !unsafe_method || bearer(req.headers()).is_some() {
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
        // A file upload from a page without JavaScript carries the token in the query.
        let presented = req.uri().query().and_then(|q| {
            url::form_urlencoded::parse(q.as_bytes())
                .find(|(k, _)| k == "_csrf")
                .map(|(_, v)| v.into_owned())
        });
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

/// `/static/…` from `web/static`; `/static/kern/…`, `/static/htmx/…` and `/static/pdfjs/…`
/// from the npm packages.
pub fn static_router(web_dir: &Path) -> Router<AppState> {
    let cache = SetResponseHeaderLayer::overriding(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=3600"),
    );
    Router::new()
        .nest_service(
            "/static/kern",
            ServeDir::new(web_dir.join("node_modules/@kern-ux/native/dist")),
        )
        .nest_service(
            "/static/htmx",
            ServeDir::new(web_dir.join("node_modules/htmx.org/dist")),
        )
        // pdf.js (the plan viewer): only the built library, its fonts, CMaps and the
        // decoders' fallback, never the package's other files.
        .nest_service(
            "/static/pdfjs/build",
            ServeDir::new(web_dir.join("node_modules/pdfjs-dist/build")),
        )
        .nest_service(
            "/static/pdfjs/standard_fonts",
            ServeDir::new(web_dir.join("node_modules/pdfjs-dist/standard_fonts")),
        )
        .nest_service(
            "/static/pdfjs/cmaps",
            ServeDir::new(web_dir.join("node_modules/pdfjs-dist/cmaps")),
        )
        .nest_service(
            "/static/pdfjs/wasm",
            ServeDir::new(web_dir.join("node_modules/pdfjs-dist/wasm")),
        )
        .nest_service("/static", ServeDir::new(web_dir.join("static")))
        .layer(cache)
}
