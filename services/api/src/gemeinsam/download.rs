//! Handing out stored files: a PDF as an attachment with a safe file name, sandboxed by its
//! own Content-Security-Policy and never cached; a preview image. Every route that hands
//! out a document's bytes answers with these (the step it called has audited the read).

use axum::body::Body;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use plankammer_verfahren::dokumente::Inhalt;

/// `Content-Disposition` with an ASCII fallback and the UTF-8 name (RFC 6266 / 5987).
pub fn content_disposition(dateiname: &str) -> HeaderValue {
    let ascii: String = dateiname
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || ".-_ ".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    let encoded: String = url::form_urlencoded::byte_serialize(dateiname.as_bytes())
        .collect::<String>()
        .replace('+', "%20");
    HeaderValue::from_str(&format!(
        "attachment; filename=\"{ascii}\"; filename*=UTF-8''{encoded}"
    ))
    .unwrap_or(HeaderValue::from_static("attachment"))
}

/// A stored PDF as a download: attachment with a safe file name, sandboxed by its own CSP,
/// never cached.
pub fn pdf_anhang(inhalt: Inhalt, dateiname: &str) -> Response {
    let mut resp = Body::from_stream(inhalt.daten).into_response();
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/pdf"),
    );
    h.insert(header::CONTENT_LENGTH, HeaderValue::from(inhalt.groesse));
    h.insert(header::CONTENT_DISPOSITION, content_disposition(dateiname));
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("sandbox; default-src 'none'"),
    );
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-store"),
    );
    resp
}

/// A preview image (PNG), cacheable by the browser for an hour.
pub fn png(bytes: bytes::Bytes) -> Response {
    let mut resp = Body::from(bytes).into_response();
    resp.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static("image/png"));
    resp.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, max-age=3600"),
    );
    resp
}
