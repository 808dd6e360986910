//! Operations: liveness, readiness, Prometheus metrics, and request accounting.

use crate::{AppState, READY_TIMEOUT};
use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use std::fmt::Write;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;
use tracing::Instrument;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics))
}

/// Request counters of this process, by status class, and total latency.
#[derive(Default)]
pub struct Metrics {
    by_class: [AtomicU64; 5],
    latency_micros: AtomicU64,
    requests: AtomicU64,
}

/// Middleware: a tracing span per request (method and route, never query strings: they can
/// carry personal data) and the request counters.
pub async fn track(State(st): State<AppState>, req: Request, next: Next) -> Response {
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_string())
        .unwrap_or_else(|| "unmatched".into());
    let span = tracing::info_span!("request", method = %req.method(), route = %route);
    let start = Instant::now();
    let resp = next.run(req).instrument(span.clone()).await;
    let elapsed = start.elapsed();
    let class = (resp.status().as_u16() / 100).clamp(1, 5) as usize - 1;
    st.metrics.by_class[class].fetch_add(1, Ordering::Relaxed);
    st.metrics.requests.fetch_add(1, Ordering::Relaxed);
    st.metrics
        .latency_micros
        .fetch_add(elapsed.as_micros() as u64, Ordering::Relaxed);
    span.in_scope(|| {
        tracing::debug!(
            status = resp.status().as_u16(),
            ms = elapsed.as_millis() as u64,
            "request done"
        )
    });
    resp
}

async fn healthz() -> &'static str {
    "ok"
}

async fn readyz(State(st): State<AppState>) -> Response {
    let db = tokio::time::timeout(READY_TIMEOUT, st.db.ping()).await;
    let blobs = tokio::time::timeout(READY_TIMEOUT, st.blobs.ping()).await;
    let db_ok = matches!(db, Ok(Ok(())));
    let blobs_ok = matches!(blobs, Ok(Ok(())));
    if !db_ok {
        tracing::warn!(result = ?db.map(|r| r.map_err(|e| e.to_string())), "readiness: database not reachable");
    }
    if !blobs_ok {
        tracing::warn!(result = ?blobs.map(|r| r.map_err(|e| e.to_string())), "readiness: object store not reachable");
    }
    let body = serde_json::json!({
        "datenbank": if db_ok { "ok" } else { "nicht erreichbar" },
        "dokumentenspeicher": if blobs_ok { "ok" } else { "nicht erreichbar" },
    });
    let status = if db_ok && blobs_ok {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (status, Json(body)).into_response()
}

async fn metrics(State(st): State<AppState>, headers: axum::http::HeaderMap) -> Response {
    if let Some(expected) = &st.config.metrics_token
        && crate::sitzung::bearer(&headers) != Some(expected.as_str())
    {
        return (StatusCode::UNAUTHORIZED, "metrics need a bearer token\n").into_response();
    }
    let mut out = String::new();
    let _ = writeln!(
        out,
        "# HELP plankammer_http_requests_total HTTP requests answered by this process, by status class."
    );
    let _ = writeln!(out, "# TYPE plankammer_http_requests_total counter");
    for (i, c) in st.metrics.by_class.iter().enumerate() {
        let _ = writeln!(
            out,
            "plankammer_http_requests_total{{status=\"{}xx\"}} {}",
            i + 1,
            c.load(Ordering::Relaxed)
        );
    }
    let _ = writeln!(
        out,
        "# HELP plankammer_http_request_duration_seconds Time spent answering HTTP requests."
    );
    let _ = writeln!(
        out,
        "# TYPE plankammer_http_request_duration_seconds summary"
    );
    let _ = writeln!(
        out,
        "plankammer_http_request_duration_seconds_sum {:.6}",
        st.metrics.latency_micros.load(Ordering::Relaxed) as f64 / 1e6
    );
    let _ = writeln!(
        out,
        "plankammer_http_request_duration_seconds_count {}",
        st.metrics.requests.load(Ordering::Relaxed)
    );
    match st.db.job_counts(None).await {
        Ok(counts) => {
            let _ = writeln!(out, "# HELP plankammer_jobs Jobs in the queue, by state.");
            let _ = writeln!(out, "# TYPE plankammer_jobs gauge");
            for (s, n) in counts {
                let _ = writeln!(out, "plankammer_jobs{{state=\"{}\"}} {n}", s.code());
            }
        }
        Err(e) => tracing::warn!(error = %e, "metrics: job counts unavailable"),
    }
    match st.db.outbox_counts().await {
        Ok((sent, failed, pending)) => {
            let _ = writeln!(
                out,
                "# HELP plankammer_outbox_backlog Mails waiting to be delivered."
            );
            let _ = writeln!(out, "# TYPE plankammer_outbox_backlog gauge");
            let _ = writeln!(out, "plankammer_outbox_backlog {pending}");
            let _ = writeln!(
                out,
                "# HELP plankammer_outbox_mails Mails in the outbox by outcome."
            );
            let _ = writeln!(out, "# TYPE plankammer_outbox_mails gauge");
            let _ = writeln!(out, "plankammer_outbox_mails{{outcome=\"sent\"}} {sent}");
            let _ = writeln!(
                out,
                "plankammer_outbox_mails{{outcome=\"failed\"}} {failed}"
            );
        }
        Err(e) => tracing::warn!(error = %e, "metrics: outbox counts unavailable"),
    }
    let mut resp = out.into_response();
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
    );
    resp
}
