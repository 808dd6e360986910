//! `/api/v1/xbau`: the HTTP exchange of XBau messages with partner systems (application
//! portals, Fachstellen's own systems), in the pull model of XTA. A partner posts a message
//! with the files beside it as one multipart request, and fetches its outbox — the answers
//! (1180, 1100) and its cases' messages (1120, 1121, 0201, 1170, 0205) — acknowledging each
//! message it fetched. It authenticates with its own secret (`Authorization: Bearer
//! pkx_…`), which the tenant admin issued under „Verwaltung → XBau“.
//!
//! Everything that decides is the procedure's (`plankammer_verfahren::xbau_austausch`);
//! this adapter moves bytes: the message (at most 5 MB, in memory), each file written to
//! a temporary folder while hashed (never in memory whole).

use crate::error::ApiErrorBody;
use crate::error::{ApiError, ApiResult};
use crate::{AppError, AppState};
use axum::body::Body;
use axum::extract::{DefaultBodyLimit, Multipart, Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use futures::StreamExt;
use plankammer_storage::xbau::XbauPartner;
use plankammer_verfahren::dokumente::zeitbegrenzt;
use plankammer_verfahren::xbau_austausch::{
    EingehendeNachricht, Empfang, MAX_BEILAGEN, Zwischenablage,
};
use plankammer_xbau::pruefung::MAX_NACHRICHT;
use serde::Serialize;
use utoipa::{OpenApi, ToSchema};

/// The message and its files: no default body limit, the handler enforces its own.
pub fn upload_router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/xbau/nachrichten", post(empfangen))
        .layer(DefaultBodyLimit::disable())
}

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/xbau/postausgang", get(postausgang))
        .route("/api/v1/xbau/postausgang/{uuid}", get(nachricht))
        .route("/api/v1/xbau/postausgang/{uuid}/anlagen/{nr}", get(beilage))
        .route("/api/v1/xbau/postausgang/{uuid}/abgeholt", post(abgeholt))
}

#[derive(OpenApi)]
#[openapi(
    paths(empfangen, postausgang, nachricht, beilage, abgeholt),
    components(schemas(Grund, EmpfangOut, BeilageOut, AusgehendOut)),
    tags((name = "xbau", description = "XBau-2.6-Austausch mit Partnersystemen (Antragsportale, Fachstellen mit eigenem System) im Abholmodell: Nachrichten einliefern, den Postausgang abholen und quittieren. Anmeldung mit dem Zugangsschlüssel des Partnersystems (`pkx_…`) aus „Verwaltung → XBau“."))
)]
pub struct Doc;

/// The partner behind the request's secret, or 401.
async fn partner(st: &AppState, headers: &HeaderMap) -> Result<XbauPartner, ApiError> {
    let secret = crate::sitzung::bearer(headers).unwrap_or_default();
    match st.verfahren.xbau_partner_anmelden(secret).await? {
        Some(p) => Ok(p),
        None => Err(ApiError(AppError::NotLoggedIn { return_to: None })),
    }
}

#[derive(Debug, Serialize, ToSchema)]
struct Grund {
    /// `xbau-fehlerkennzahlen` 2.2.
    code: String,
    text: String,
}

#[derive(Debug, Serialize, ToSchema)]
struct EmpfangOut {
    /// `angenommen` or `zurueckgewiesen`.
    ergebnis: &'static str,
    /// The UUID of the message posted (if it could be read).
    uuid: Option<String>,
    /// The UUID of the answer in the outbox: the acknowledgement (1180) or the refusal (1100).
    antwort: String,
    aktenzeichen: Option<String>,
    gruende: Vec<Grund>,
}

/// POST a message: the part `nachricht` (the XML) first, then one part per file beside it,
/// named by its `anlage` entry's `dateiname` (the part's file name). 200 when taken, 422
/// when refused (the reasons in German, the `1100` in the outbox), 413 beyond the limits.
#[utoipa::path(post, path = "/api/v1/xbau/nachrichten", tag = "xbau",
    request_body(content_type = "multipart/form-data", description = "Zuerst das Feld `nachricht` (das XML, höchstens 5 MB), dann je Datei neben der Nachricht ein Teil, dessen Dateiname dem `dateiname` ihres `anlage`-Eintrags entspricht."),
    responses((status = 200, body = EmpfangOut, description = "Angenommen; die Quittung (1180) liegt im Postausgang"),
              (status = 401, body = ApiErrorBody), (status = 413, body = ApiErrorBody, description = "Nachricht, Datei oder Dateien zusammen zu groß"),
              (status = 422, body = ApiErrorBody, content_type = "application/problem+json", description = "Zurückgewiesen; zusätzlich `ergebnis` (\"zurueckgewiesen\"), `uuid` (der eingelieferten Nachricht), `antwort` (UUID der Rückweisung 1100 im Postausgang) und `gruende` (Liste aus `code` nach xbau-fehlerkennzahlen 2.2 und deutschem `text`)")))]
async fn empfangen(State(st): State<AppState>, req: axum::extract::Request) -> ApiResult<Response> {
    use axum::extract::FromRequest;
    // Who sends comes first: nothing of the body is read for an unknown sender.
    let p = partner(&st, req.headers()).await?;
    let mut form = Multipart::from_request(req, &st).await.map_err(|e| {
        AppError::Invalid(format!(
            "Die Anfrage muss multipart/form-data sein: die Nachricht im Feld „nachricht“, jede Datei als eigener Teil ({e})."
        ))
    })?;
    let grenzen = st.config.hochladegrenzen();
    let ablage = Zwischenablage::neu().await.map_err(AppError::internal)?;
    let mut xml: Option<Vec<u8>> = None;
    let mut beilagen = Vec::new();
    let mut summe: u64 = 0;
    loop {
        let feld = match form.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(e) => {
                return Err(AppError::Invalid(format!(
                    "Die Anfrage ist kein lesbares multipart/form-data ({e})."
                ))
                .into());
            }
        };
        let name = feld.name().unwrap_or_default().to_string();
        if name == "nachricht" && xml.is_none() {
            let mut puffer = Vec::new();
            let mut strom = zeitbegrenzt(feld, grenzen.leerlauf, grenzen.gesamt);
            while let Some(teil) = strom.next().await {
                let teil = teil.map_err(|e| {
                    AppError::Invalid(format!(
                        "Die Übertragung der Nachricht ist abgebrochen ({e})."
                    ))
                })?;
                if puffer.len() + teil.len() > MAX_NACHRICHT {
                    return Err(AppError::TooLarge(format!(
                        "Die Nachricht ist größer als {} MB; die Dateien gehören als eigene Teile neben die Nachricht.",
                        MAX_NACHRICHT / (1024 * 1024)
                    ))
                    .into());
                }
                puffer.extend_from_slice(&teil);
            }
            xml = Some(puffer);
            continue;
        }
        if xml.is_none() {
            return Err(AppError::Invalid(
                "Der erste Teil der Anfrage muss die Nachricht sein (Feld „nachricht“).".into(),
            )
            .into());
        }
        if beilagen.len() >= MAX_BEILAGEN {
            return Err(AppError::TooLarge(format!(
                "Höchstens {MAX_BEILAGEN} Dateien je Nachricht."
            ))
            .into());
        }
        let dateiname = feld
            .file_name()
            .map(str::to_string)
            .filter(|n| !n.trim().is_empty())
            .unwrap_or(name);
        let rest = grenzen.vorgang.saturating_sub(summe);
        let strom = zeitbegrenzt(feld, grenzen.leerlauf, grenzen.gesamt);
        let b = ablage
            .aufnehmen(&dateiname, strom, grenzen.datei.min(rest))
            .await
            .map_err(|m| {
                if m.contains("größer als") {
                    AppError::TooLarge(m)
                } else {
                    AppError::Invalid(m)
                }
            })?;
        summe += b.groesse;
        beilagen.push(b);
    }
    let Some(xml) = xml else {
        return Err(AppError::Invalid(
            "Die Anfrage enthält keine Nachricht (Feld „nachricht“).".into(),
        )
        .into());
    };
    let empfang = st
        .verfahren
        .xbau_empfangen(&p, EingehendeNachricht { xml, beilagen }, grenzen)
        .await?;
    drop(ablage);
    Ok(match empfang {
        Empfang::Angenommen {
            uuid,
            quittung,
            aktenzeichen,
            ..
        } => (
            StatusCode::OK,
            Json(EmpfangOut {
                ergebnis: "angenommen",
                uuid: Some(uuid),
                antwort: quittung,
                aktenzeichen,
                gruende: Vec::new(),
            }),
        )
            .into_response(),
        // A refusal is a problem (RFC 9457) like every refusal of the API, with the XBau
        // error codes and the refusal's UUID as extension members.
        Empfang::Zurueckgewiesen {
            uuid,
            rueckweisung,
            gruende,
        } => {
            let detail = format!(
                "Die Nachricht wurde zurückgewiesen: {}",
                gruende
                    .iter()
                    .map(|(c, t)| format!("{t} ({c})"))
                    .collect::<Vec<_>>()
                    .join(" ")
            );
            let mut r = (
                StatusCode::UNPROCESSABLE_ENTITY,
                Json(serde_json::json!({
                    "type": "https://plankammer.de/probleme/xbau-zurueckgewiesen",
                    "title": "Nachricht zurückgewiesen",
                    "status": 422,
                    "detail": detail,
                    "fehler": "xbau_zurueckgewiesen",
                    "meldung": detail,
                    "ergebnis": "zurueckgewiesen",
                    "uuid": uuid,
                    "antwort": rueckweisung,
                    "gruende": gruende
                        .into_iter()
                        .map(|(code, text)| Grund { code, text })
                        .collect::<Vec<_>>(),
                })),
            )
                .into_response();
            r.headers_mut().insert(
                header::CONTENT_TYPE,
                header::HeaderValue::from_static("application/problem+json"),
            );
            r
        }
    })
}

#[derive(Debug, Serialize, ToSchema)]
struct BeilageOut {
    nr: usize,
    dokumentid: String,
    dateiname: String,
    sha256: String,
    groesse: i64,
    mime: String,
    /// Where to fetch it.
    href: String,
}

#[derive(Debug, Serialize, ToSchema)]
struct AusgehendOut {
    uuid: String,
    /// The message type (root element), e.g. `prozessnachrichten.statusFuerAntragsportal.1170`.
    nachricht: String,
    /// The UUID of the message it answers.
    bezug: Option<String>,
    /// Milliseconds since 1970 (when it was put into the outbox).
    bereit_at: i64,
    href: String,
    anlagen: Vec<BeilageOut>,
}

/// What the partner has not acknowledged yet, oldest first (at most 100 per call).
#[utoipa::path(get, path = "/api/v1/xbau/postausgang", tag = "xbau",
    responses((status = 200, body = Vec<AusgehendOut>, description = "Noch nicht quittierte Nachrichten, die ältesten zuerst (höchstens 100)"), (status = 401, body = ApiErrorBody)))]
async fn postausgang(
    State(st): State<AppState>,
    headers: HeaderMap,
) -> ApiResult<Json<Vec<AusgehendOut>>> {
    let p = partner(&st, &headers).await?;
    let liste = st.verfahren.xbau_postausgang(&p).await?;
    Ok(Json(
        liste
            .into_iter()
            .map(|e| {
                let href = format!("/api/v1/xbau/postausgang/{}", e.uuid);
                AusgehendOut {
                    anlagen: e
                        .beilagen
                        .into_iter()
                        .enumerate()
                        .map(|(nr, b)| BeilageOut {
                            nr,
                            href: format!("{href}/anlagen/{nr}"),
                            dokumentid: b.dokumentid,
                            dateiname: b.dateiname,
                            sha256: b.sha256,
                            groesse: b.groesse,
                            mime: b.mime,
                        })
                        .collect(),
                    uuid: e.uuid,
                    nachricht: e.nachricht,
                    bezug: e.bezug_uuid,
                    bereit_at: e.at,
                    href,
                }
            })
            .collect(),
    ))
}

/// One outgoing message's XML.
#[utoipa::path(get, path = "/api/v1/xbau/postausgang/{uuid}", tag = "xbau", params(("uuid" = String, Path)),
    responses((status = 200, content_type = "application/xml", description = "Die Nachricht (gegen die XBau-Schemata geprüft)"), (status = 401, body = ApiErrorBody), (status = 404, body = ApiErrorBody)))]
async fn nachricht(
    State(st): State<AppState>,
    headers: HeaderMap,
    Path(uuid): Path<String>,
) -> ApiResult<Response> {
    let p = partner(&st, &headers).await?;
    let e = st.verfahren.xbau_ausgehend(&p, &uuid).await?;
    Ok((
        [(header::CONTENT_TYPE, "application/xml; charset=utf-8")],
        e.xml,
    )
        .into_response())
}

/// A file beside an outgoing message (audited).
#[utoipa::path(get, path = "/api/v1/xbau/postausgang/{uuid}/anlagen/{nr}", tag = "xbau", params(("uuid" = String, Path), ("nr" = usize, Path)),
    responses((status = 200, content_type = "application/pdf", description = "Die Datei neben der Nachricht (ihr SHA-256 steht im `anlage`-Eintrag)"), (status = 401, body = ApiErrorBody), (status = 404, body = ApiErrorBody)))]
async fn beilage(
    State(st): State<AppState>,
    headers: HeaderMap,
    Path((uuid, nr)): Path<(String, usize)>,
) -> ApiResult<Response> {
    let p = partner(&st, &headers).await?;
    let (b, inhalt) = st.verfahren.xbau_beilage(&p, &uuid, nr).await?;
    let mut r = Response::new(Body::from_stream(inhalt.daten));
    let h = r.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        b.mime
            .parse()
            .unwrap_or(header::HeaderValue::from_static("application/octet-stream")),
    );
    h.insert(header::CONTENT_LENGTH, inhalt.groesse.into());
    if let Ok(v) = format!(
        "attachment; filename=\"{}\"",
        plankammer_xbau::nachrichten::dateiname(&b.dateiname)
    )
    .parse()
    {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    Ok(r)
}

/// The partner acknowledges a message it fetched: it leaves the outbox. 204; 404 when
/// there is no unfetched message of this UUID.
#[utoipa::path(post, path = "/api/v1/xbau/postausgang/{uuid}/abgeholt", tag = "xbau", params(("uuid" = String, Path)),
    responses((status = 204, description = "Quittiert: die Nachricht verlässt den Postausgang"), (status = 401, body = ApiErrorBody), (status = 404, body = ApiErrorBody)))]
async fn abgeholt(
    State(st): State<AppState>,
    headers: HeaderMap,
    Path(uuid): Path<String>,
) -> ApiResult<StatusCode> {
    let p = partner(&st, &headers).await?;
    st.verfahren.xbau_abgeholt(&p, &uuid).await?;
    Ok(StatusCode::NO_CONTENT)
}
