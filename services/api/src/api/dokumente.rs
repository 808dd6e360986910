//! `/api/v1` for documents: upload plans (multipart for browsers, a raw `PUT` for API
//! clients), list documents with their pipeline state and findings, download a version
//! (audited, as attachment), previews, retry a failed stage.

use super::eingabe::JsonEingabe;
use super::seite::Seitenabfrage;
use crate::error::{ApiError, ApiErrorBody, ApiResult};
use crate::gemeinsam::download::{pdf_anhang, png};
use crate::seite;
use crate::sitzung::ApiCaller;
use crate::upload;
use crate::{AppError, AppState};
use axum::body::Body;
use axum::extract::{DefaultBodyLimit, Multipart, Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::{Json, Router};
use plankammer_storage::dokumente::Version;
use plankammer_verfahren::dokumente::{HochladeFehler, Ziel, anlageart_angabe};
use serde::{Deserialize, Serialize};
use utoipa::{OpenApi, ToSchema};

/// Routes that read large bodies: no default body limit, they enforce their own.
pub fn upload_router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/cases/{id}/documents", post(upload_multipart))
        .route("/api/v1/cases/{id}/documents/{dateiname}", put(upload_raw))
        .route(
            "/api/v1/documents/{id}/versions/{dateiname}",
            put(upload_version_raw),
        )
        .layer(DefaultBodyLimit::disable())
}

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/cases/{id}/documents", get(list_documents))
        .route("/api/v1/versions/{id}", get(get_version))
        .route("/api/v1/versions/{id}/download", get(download))
        .route("/api/v1/versions/{id}/preview", get(preview))
        .route("/api/v1/versions/{id}/pages/{n}/thumbnail", get(thumbnail))
        .route("/api/v1/versions/{id}/retry", post(retry))
        .route("/api/v1/documents/{id}", axum::routing::delete(withdraw))
        .route("/api/v1/documents/{id}/anlageart", put(set_anlageart))
        .route("/api/v1/cases/{id}/anlagearten", put(set_anlagearten))
}

#[derive(OpenApi)]
#[openapi(
    paths(
        list_documents,
        upload_multipart,
        upload_raw,
        upload_version_raw,
        get_version,
        download,
        retry,
        preview,
        thumbnail,
        withdraw,
        set_anlageart,
        set_anlagearten
    ),
    components(schemas(
        DocumentOut,
        VersionOut,
        StageOut,
        MetaOut,
        FindingOut,
        PageOut,
        UploadedFile,
        AnlageartIn,
        AnlageartenIn,
        AnlageartZuordnung,
        AnlageartenOut
    ))
)]
pub struct Doc;

#[derive(Serialize, ToSchema)]
pub struct StageOut {
    /// `validate`, `extract`, `metadata`, `preview` or `volltext` (the full text of scanned
    /// pages, for search, after everything else).
    pub stufe: String,
    /// `queued`, `running`, `succeeded` or `failed`.
    pub zustand: String,
    pub fortschritt: i64,
    pub notiz: Option<String>,
    pub fehler: Option<String>,
    pub versuche: i64,
}

#[derive(Serialize, ToSchema)]
pub struct FindingOut {
    pub code: String,
    /// `fehler`, `warnung` or `hinweis`.
    pub schwere: String,
    pub meldung: String,
    pub seite: Option<u32>,
}

#[derive(Serialize, ToSchema)]
pub struct PageOut {
    pub nummer: i64,
    pub breite_mm: f64,
    pub hoehe_mm: f64,
    /// `A0`…`A4` or `Sonderformat`.
    pub format: String,
    /// `hoch` or `quer`.
    pub ausrichtung: String,
    pub scan_dpi: Option<i64>,
    /// `textebene` or `ocr`, once text was read.
    pub text_quelle: Option<String>,
    /// URL of the page's thumbnail (PNG), once rendered.
    pub vorschau: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct MetaOut {
    /// `bauherr`, `bauvorhaben`, `planinhalt`, `massstab`, `plannummer`, `index`, `datum`,
    /// `entwurfsverfasser`, `geschoss`, `planart`, `anlageart`.
    pub feld: String,
    pub wert: String,
    /// `textebene` or `ocr`.
    pub quelle: String,
    pub seite: i64,
    /// 0.0–1.0.
    pub konfidenz: f64,
}

#[derive(Serialize, ToSchema)]
pub struct VersionOut {
    pub id: i64,
    pub dokument_id: i64,
    pub nummer: i64,
    pub dateiname: String,
    pub groesse: i64,
    pub sha256: String,
    pub hochgeladen: i64,
    pub download: String,
    pub stufen: Vec<StageOut>,
    pub feststellungen: Vec<FindingOut>,
    pub seiten: Vec<PageOut>,
    /// Plan metadata read from the title block.
    pub metadaten: Vec<MetaOut>,
    /// URL of the large preview of page 1 (PNG), once rendered.
    pub vorschau: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct DocumentOut {
    pub id: i64,
    pub bezeichnung: String,
    /// Document type chosen by the uploader (XBau `anlagen_3.0` code).
    pub anlageart: Option<String>,
    pub versionen: Vec<VersionOut>,
}

pub async fn version_out(st: &AppState, v: Version) -> Result<VersionOut, AppError> {
    let stufen = st
        .db
        .stufen(v.id)
        .await?
        .into_iter()
        .map(|(stufe, j)| StageOut {
            stufe,
            zustand: j.state.code().into(),
            fortschritt: j.progress,
            notiz: j.progress_note,
            fehler: j.last_error,
            versuche: j.attempts,
        })
        .collect();
    let feststellungen = st
        .db
        .feststellungen(v.id)
        .await?
        .into_iter()
        .map(|f| FindingOut {
            code: f.code,
            schwere: f.schwere.code().into(),
            meldung: f.meldung,
            seite: f.seite,
        })
        .collect();
    let seiten = st
        .db
        .seiten(v.id)
        .await?
        .into_iter()
        .map(|s| PageOut {
            vorschau: s
                .vorschau_sha256
                .as_ref()
                .map(|_| format!("/api/v1/versions/{}/pages/{}/thumbnail", v.id, s.nummer)),
            nummer: s.nummer,
            breite_mm: s.breite_mm,
            hoehe_mm: s.hoehe_mm,
            format: s.format,
            ausrichtung: s.ausrichtung,
            scan_dpi: s.scan_dpi,
            text_quelle: s.text_quelle,
        })
        .collect();
    let metadaten = st
        .db
        .metadaten(v.id)
        .await?
        .into_iter()
        .map(|m| MetaOut {
            feld: m.feld,
            wert: m.wert,
            quelle: m.quelle,
            seite: m.seite,
            konfidenz: m.konfidenz,
        })
        .collect();
    let vorschau = st
        .db
        .vorschau_gross(v.id)
        .await?
        .map(|_| format!("/api/v1/versions/{}/preview", v.id));
    Ok(VersionOut {
        vorschau,
        metadaten,
        download: format!("/api/v1/versions/{}/download", v.id),
        id: v.id,
        dokument_id: v.dokument_id,
        nummer: v.nummer,
        dateiname: v.dateiname,
        groesse: v.groesse,
        sha256: v.sha256,
        hochgeladen: v.created_at,
        stufen,
        feststellungen,
        seiten,
    })
}

seite!(
    DocumentSeite,
    DocumentOut,
    "A page of the case's documents, in the order added."
);

#[utoipa::path(get, path = "/api/v1/cases/{id}/documents", tag = "vorgaenge", params(("id" = i64, Path), Seitenabfrage),
    responses((status = 200, body = DocumentSeite), (status = 401, body = ApiErrorBody), (status = 404, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub async fn list_documents(
    State(st): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<i64>,
    Query(q): Query<Seitenabfrage>,
) -> ApiResult<Json<DocumentSeite>> {
    let v = st
        .verfahren
        .akte_lesen(caller.akteur(), id, "dokumente", caller.lesart())
        .await?;
    let (seite, weiter) = q.blaettere(st.db.dokumente(v.id).await?)?;
    let mut out = Vec::new();
    for d in seite {
        let mut versionen = Vec::new();
        for ver in d.versionen {
            versionen.push(version_out(&st, ver).await?);
        }
        out.push(DocumentOut {
            id: d.id,
            bezeichnung: d.bezeichnung,
            anlageart: d.anlageart.map(String::from),
            versionen,
        });
    }
    Ok(Json(DocumentSeite {
        eintraege: out,
        weiter,
    }))
}

#[utoipa::path(get, path = "/api/v1/versions/{id}", tag = "vorgaenge", params(("id" = i64, Path)),
    responses((status = 200, body = VersionOut), (status = 401, body = ApiErrorBody), (status = 404, body = ApiErrorBody)))]
pub async fn get_version(
    State(st): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<i64>,
) -> ApiResult<Json<VersionOut>> {
    let (_, v) = st
        .verfahren
        .version_lesen(caller.akteur(), id, caller.lesart())
        .await?;
    Ok(Json(version_out(&st, v).await?))
}

#[utoipa::path(get, path = "/api/v1/versions/{id}/download", tag = "vorgaenge", params(("id" = i64, Path)),
    responses((status = 200, content_type = "application/pdf", description = "Die Datei, als Anhang"), (status = 401, body = ApiErrorBody), (status = 404, body = ApiErrorBody)))]
pub async fn download(
    State(st): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<i64>,
) -> ApiResult<Response> {
    let (_, version, inhalt) = st
        .verfahren
        .version_herunterladen(caller.akteur(), id, caller.lesart())
        .await?;
    Ok(pdf_anhang(inhalt, &version.dateiname))
}

#[utoipa::path(post, path = "/api/v1/versions/{id}/retry", tag = "vorgaenge", params(("id" = i64, Path)),
    responses((status = 202, description = "Fehlgeschlagene Stufen werden erneut ausgeführt"), (status = 401, body = ApiErrorBody), (status = 404, body = ApiErrorBody)))]
pub async fn retry(
    State(st): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<i64>,
) -> ApiResult<StatusCode> {
    if caller.role() == plankammer_domain::Role::Fachstelle {
        // A Stelle reads documents; it does not run the pipeline.
        return Err(AppError::NotFound.into());
    }
    let (a, v) = st.verfahren.version(caller.akteur(), id).await?;
    st.verfahren
        .erneut_pruefen(caller.akteur(), a.id, v.id)
        .await?;
    Ok(StatusCode::ACCEPTED)
}

#[derive(Serialize, ToSchema)]
pub struct UploadedFile {
    pub dateiname: String,
    /// `true` when stored; otherwise `meldung` says why not.
    pub angenommen: bool,
    pub meldung: Option<String>,
    pub version: Option<VersionOut>,
}

/// Refuses a request whose declared length is beyond any limit, before reading it.
fn declared_too_large(headers: &HeaderMap, max: u64) -> Option<AppError> {
    let len = headers
        .get(header::CONTENT_LENGTH)?
        .to_str()
        .ok()?
        .parse::<u64>()
        .ok()?;
    (len > max).then(|| AppError::TooLarge(HochladeFehler::DateiZuGross(max).meldung()))
}

#[derive(Deserialize, utoipa::IntoParams)]
pub struct RawUploadQuery {
    /// XBau `anlagen_3.0` code of the document, e.g. `2001`.
    anlageart: Option<String>,
    /// Name of the document; default: the file name.
    bezeichnung: Option<String>,
}

#[utoipa::path(put, path = "/api/v1/cases/{id}/documents/{dateiname}", tag = "vorgaenge",
    params(("id" = i64, Path), ("dateiname" = String, Path), RawUploadQuery),
    request_body(content = Vec<u8>, content_type = "application/pdf"),
    responses((status = 201, body = VersionOut), (status = 401, body = ApiErrorBody), (status = 404, body = ApiErrorBody),
        (status = 409, body = ApiErrorBody, description = "Nicht im Entwurf oder in einer Nachforderung, oder dieselbe Datei ist bereits die aktuelle Version einer Unterlage des Vorgangs (`detail` nennt sie); nichts wird gespeichert",
            example = json!({"type": "https://plankammer.de/probleme/konflikt", "title": "Konflikt", "status": 409,
                "detail": "Diese Datei ist bereits als „Grundriss EG“ hochgeladen.", "fehler": "konflikt",
                "meldung": "Diese Datei ist bereits als „Grundriss EG“ hochgeladen."})),
        (status = 413, body = ApiErrorBody), (status = 422, body = ApiErrorBody, description = "Leer oder kein PDF")))]
pub async fn upload_raw(
    State(st): State<AppState>,
    caller: ApiCaller,
    Path((id, dateiname)): Path<(i64, String)>,
    Query(q): Query<RawUploadQuery>,
    headers: HeaderMap,
    body: Body,
) -> ApiResult<(StatusCode, Json<VersionOut>)> {
    let v = st
        .verfahren
        .vorgang_fuer_aenderung(caller.akteur(), id)
        .await?;
    if let Some(e) = declared_too_large(&headers, st.config.upload_max_file) {
        return Err(e.into());
    }
    let anlageart = anlageart_angabe(q.anlageart.as_deref())?;
    let ziel = Ziel::NeuesDokument {
        bezeichnung: q.bezeichnung.as_deref().unwrap_or(""),
        anlageart: anlageart.as_ref(),
    };
    let version = st
        .verfahren
        .hochladen(
            caller.akteur(),
            &v,
            ziel,
            &dateiname,
            st.config.hochladegrenzen(),
            body.into_data_stream(),
        )
        .await
        .map_err(|e| ApiError(e.als_fehler().into()))?;
    Ok((StatusCode::CREATED, Json(version_out(&st, version).await?)))
}

#[utoipa::path(put, path = "/api/v1/documents/{id}/versions/{dateiname}", tag = "vorgaenge",
    params(("id" = i64, Path, description = "Dokument"), ("dateiname" = String, Path)),
    request_body(content = Vec<u8>, content_type = "application/pdf"),
    responses((status = 201, body = VersionOut), (status = 401, body = ApiErrorBody), (status = 404, body = ApiErrorBody),
        (status = 409, body = ApiErrorBody, description = "Nicht im Entwurf oder in einer Nachforderung, oder dieselbe Datei ist bereits die aktuelle Version einer Unterlage des Vorgangs (auch dieser); nichts wird gespeichert"),
        (status = 413, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub async fn upload_version_raw(
    State(st): State<AppState>,
    caller: ApiCaller,
    Path((dokument_id, dateiname)): Path<(i64, String)>,
    headers: HeaderMap,
    body: Body,
) -> ApiResult<(StatusCode, Json<VersionOut>)> {
    let vorgang_id = st
        .db
        .dokument_vorgang(dokument_id)
        .await
        .map_err(AppError::from)?;
    let v = st
        .verfahren
        .vorgang_fuer_aenderung(caller.akteur(), vorgang_id)
        .await?;
    if let Some(e) = declared_too_large(&headers, st.config.upload_max_file) {
        return Err(e.into());
    }
    let version = st
        .verfahren
        .hochladen(
            caller.akteur(),
            &v,
            Ziel::NeueVersion { dokument_id },
            &dateiname,
            st.config.hochladegrenzen(),
            body.into_data_stream(),
        )
        .await
        .map_err(|e| ApiError(e.als_fehler().into()))?;
    Ok((StatusCode::CREATED, Json(version_out(&st, version).await?)))
}

#[utoipa::path(post, path = "/api/v1/cases/{id}/documents", tag = "vorgaenge", params(("id" = i64, Path)),
    request_body(content_type = "multipart/form-data", description = "Felder: optional `anlageart` (gilt für die folgenden Dateien), dann eine oder mehrere Dateien im Feld `datei`. Ohne JavaScript: CSRF-Token als Abfrageparameter `_csrf`."),
    responses((status = 201, body = Vec<UploadedFile>, description = "Alle Dateien angenommen"), (status = 401, body = ApiErrorBody), (status = 404, body = ApiErrorBody),
              (status = 413, body = Vec<UploadedFile>, description = "Eine Datei zu groß oder mehr Dateien als erlaubt: die Liste nennt jede gelesene Datei mit ihrem Ergebnis; die angenommenen sind gespeichert, der Rest der Anfrage wurde nicht gelesen"),
              (status = 422, body = Vec<UploadedFile>, description = "Mindestens eine Datei abgelehnt (leer, kein PDF, oder schon als aktuelle Version einer Unterlage des Vorgangs vorhanden: `meldung` nennt sie); die übrigen sind gespeichert")))]
pub async fn upload_multipart(
    State(st): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<i64>,
    headers: HeaderMap,
    mut form: Multipart,
) -> ApiResult<Response> {
    let v = st
        .verfahren
        .vorgang_fuer_aenderung(caller.akteur(), id)
        .await?;
    let max_request = st
        .config
        .upload_max_file
        .saturating_mul(st.config.upload_max_files as u64)
        .saturating_add(1 << 20);
    if declared_too_large(&headers, max_request).is_some() {
        return Err(AppError::TooLarge(format!(
            "Die Anfrage ist größer als erlaubt (höchstens {} Dateien zu je höchstens {}).",
            st.config.upload_max_files,
            upload::mb(st.config.upload_max_file)
        ))
        .into());
    }
    let (dateien, status) = upload::speichere_formular(&st, caller.akteur(), &v, &mut form).await?;
    let mut results = Vec::new();
    for d in dateien {
        results.push(match d.ergebnis {
            Ok(version) => UploadedFile {
                dateiname: d.dateiname,
                angenommen: true,
                meldung: None,
                version: Some(version_out(&st, version).await?),
            },
            Err(meldung) => UploadedFile {
                dateiname: d.dateiname,
                angenommen: false,
                meldung: Some(meldung),
                version: None,
            },
        });
    }
    Ok((status, Json(results)).into_response())
}

#[utoipa::path(get, path = "/api/v1/versions/{id}/preview", tag = "vorgaenge", params(("id" = i64, Path)),
    responses((status = 200, content_type = "image/png", description = "Große Vorschau der ersten Seite"), (status = 401, body = ApiErrorBody), (status = 404, body = ApiErrorBody, description = "Unbekannt oder noch nicht erzeugt")))]
pub async fn preview(
    State(st): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<i64>,
) -> ApiResult<Response> {
    Ok(png(st
        .verfahren
        .vorschau(caller.akteur(), id, None)
        .await?))
}

#[utoipa::path(get, path = "/api/v1/versions/{id}/pages/{n}/thumbnail", tag = "vorgaenge", params(("id" = i64, Path), ("n" = i64, Path, description = "Seite, ab 1")),
    responses((status = 200, content_type = "image/png", description = "Vorschaubild der Seite"), (status = 401, body = ApiErrorBody), (status = 404, body = ApiErrorBody)))]
pub async fn thumbnail(
    State(st): State<AppState>,
    caller: ApiCaller,
    Path((id, n)): Path<(i64, i64)>,
) -> ApiResult<Response> {
    Ok(png(st
        .verfahren
        .vorschau(caller.akteur(), id, Some(n))
        .await?))
}

/// Removes a document from the case's current set: the owner, or the Bauaufsicht, while
/// the documents may change (Entwurf, Nachforderung). Nothing submitted is lost: a Fassung
/// that holds the document keeps it and its bytes.
#[utoipa::path(delete, path = "/api/v1/documents/{id}", tag = "vorgaenge", params(("id" = i64, Path, description = "Dokument")),
    responses((status = 204, description = "Aus dem aktuellen Stand genommen; frühere Fassungen behalten es"), (status = 401, body = ApiErrorBody),
        (status = 403, body = ApiErrorBody, description = "Sieht den Vorgang, darf seine Unterlagen aber nicht ändern (z. B. die Bauherrschaft)"),
        (status = 404, body = ApiErrorBody),
        (status = 409, body = ApiErrorBody, description = "Nur im Entwurf oder während einer Nachforderung",
            example = json!({"type": "https://plankammer.de/probleme/konflikt", "title": "Konflikt", "status": 409,
                "detail": "Unterlagen können nur im Entwurf oder während einer Nachforderung geändert werden.", "fehler": "konflikt",
                "meldung": "Unterlagen können nur im Entwurf oder während einer Nachforderung geändert werden."}))))]
pub async fn withdraw(
    State(st): State<AppState>,
    caller: ApiCaller,
    Path(did): Path<i64>,
) -> ApiResult<StatusCode> {
    let id = st.db.dokument_vorgang(did).await?;
    st.verfahren
        .dokument_entfernen(caller.akteur(), id, did)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The type of a document.
#[derive(Deserialize, ToSchema)]
#[schema(example = json!({ "anlageart": "2001" }))]
pub struct AnlageartIn {
    /// `anlagen_3.0` code, e.g. `2001` (Grundrisse).
    pub anlageart: String,
}

#[utoipa::path(put, path = "/api/v1/documents/{id}/anlageart", tag = "vorgaenge", params(("id" = i64, Path, description = "Dokument")), request_body = AnlageartIn,
    responses((status = 204, description = "Die Anlageart ist gesetzt"), (status = 401, body = ApiErrorBody), (status = 403, body = ApiErrorBody), (status = 404, body = ApiErrorBody), (status = 409, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub async fn set_anlageart(
    State(st): State<AppState>,
    caller: ApiCaller,
    Path(did): Path<i64>,
    JsonEingabe(body): JsonEingabe<AnlageartIn>,
) -> ApiResult<StatusCode> {
    let id = st.db.dokument_vorgang(did).await?;
    st.verfahren
        .anlageart_setzen(caller.akteur(), id, did, &body.anlageart)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Most documents typed in one request.
pub const MAX_ANLAGEARTEN: usize = 500;

/// One document and its type.
#[derive(Deserialize, ToSchema)]
pub struct AnlageartZuordnung {
    /// Document of the case's current set.
    pub dokument: i64,
    /// `anlagen_3.0` code.
    pub anlageart: String,
}

/// Several documents typed at once, as the case page's typing form does.
#[derive(Deserialize, ToSchema)]
#[schema(example = json!({ "anlagearten": [
    { "dokument": 41, "anlageart": "1502" }, { "dokument": 42, "anlageart": "2001" } ] }))]
pub struct AnlageartenIn {
    pub anlagearten: Vec<AnlageartZuordnung>,
}

#[derive(Serialize, ToSchema)]
pub struct AnlageartenOut {
    /// How many documents got their type.
    pub gesetzt: usize,
}

/// Types several documents of a case at once: all or nothing (an unknown code or a document
/// outside the case's current set changes none of them). The same step as the case page's
/// typing form; each change is audited.
#[utoipa::path(put, path = "/api/v1/cases/{id}/anlagearten", tag = "vorgaenge", params(("id" = i64, Path, description = "Vorgang")), request_body = AnlageartenIn,
    responses((status = 200, body = AnlageartenOut, description = "Alle Anlagearten sind gesetzt"), (status = 401, body = ApiErrorBody), (status = 403, body = ApiErrorBody),
        (status = 404, body = ApiErrorBody, description = "Vorgang unbekannt"),
        (status = 409, body = ApiErrorBody, description = "Nur im Entwurf oder während einer Nachforderung"),
        (status = 422, body = ApiErrorBody, description = "Unbekannte Anlageart, ein Dokument außerhalb des aktuellen Stands, leere oder zu lange Liste")))]
pub async fn set_anlagearten(
    State(st): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<i64>,
    JsonEingabe(body): JsonEingabe<AnlageartenIn>,
) -> ApiResult<Json<AnlageartenOut>> {
    if body.anlagearten.is_empty() {
        return Err(AppError::Invalid("Die Liste der Anlagearten ist leer.".into()).into());
    }
    if body.anlagearten.len() > MAX_ANLAGEARTEN {
        return Err(AppError::Invalid(format!(
            "Höchstens {MAX_ANLAGEARTEN} Unterlagen auf einmal."
        ))
        .into());
    }
    let arten: Vec<(i64, String)> = body
        .anlagearten
        .into_iter()
        .map(|z| (z.dokument, z.anlageart))
        .collect();
    let gesetzt = st
        .verfahren
        .anlagearten_setzen(caller.akteur(), id, &arten)
        .await?;
    Ok(Json(AnlageartenOut { gesetzt }))
}
