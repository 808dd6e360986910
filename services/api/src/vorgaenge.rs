//! Cases and their documents through `/api/v1`: open a case, upload plans (multipart for
//! browsers, a raw `PUT` for API clients), list documents with their pipeline state and
//! findings, download a version (audited, as attachment), retry a failed stage.

use crate::auth::ApiCaller;
use crate::error::{ApiError, ApiErrorBody, ApiResult};
use crate::upload::{self, UploadError, Ziel};
use crate::{AppError, AppState};
use axum::body::Body;
use axum::extract::{DefaultBodyLimit, Multipart, Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::{Json, Router};
use plankammer_domain::zugriff::{Akteur, darf_vorgang_anlegen};
use plankammer_storage::audit::AuditEvent;
use plankammer_storage::dokumente::{Version, Vorgang};
use plankammer_storage::now_millis;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

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
        .route("/api/v1/cases", post(create_case))
        .route("/api/v1/cases/{id}", get(get_case))
        .route("/api/v1/cases/{id}/documents", get(list_documents))
        .route("/api/v1/cases/{id}/search", get(search))
        .route("/api/v1/versions/{id}", get(get_version))
        .route("/api/v1/versions/{id}/download", get(download))
        .route("/api/v1/versions/{id}/preview", get(preview))
        .route("/api/v1/versions/{id}/pages/{n}/thumbnail", get(thumbnail))
        .route("/api/v1/versions/{id}/retry", post(retry))
}

pub fn akteur(c: &ApiCaller) -> Akteur {
    Akteur {
        user_id: c.user_id(),
        tenant_id: c.tenant_id(),
        role: c.role(),
    }
}

async fn sichtbarer_vorgang(st: &AppState, a: &Akteur, id: i64) -> Result<Vorgang, AppError> {
    let antrag = st.db.antrag(id).await?;
    // Owner, tenant, and the Bauherrschaft that accepted its invitation.
    if crate::ablauf::darf_sehen(&st.db, a, &antrag).await? {
        Ok(antrag.vorgang())
    } else {
        Err(AppError::NotFound)
    }
}

/// A version whose content the caller may read. A Fachstelle member sees only what the
/// Beteiligung's access rule allows (`fachstelle_seiten::fachstelle_darf_version_sehen`);
/// everything else is 404.
async fn sichtbare_version(
    st: &AppState,
    a: &Akteur,
    id: i64,
) -> Result<(Vorgang, Version), AppError> {
    let version = st.db.version(id).await?;
    if a.role == plankammer_domain::Role::Fachstelle {
        return match crate::fachstelle_seiten::fachstelle_darf_version_sehen(
            &st.db, a.user_id, &version,
        )
        .await?
        {
            Some(_) => Ok((st.db.antrag(version.vorgang_id).await?.vorgang(), version)),
            None => Err(AppError::NotFound),
        };
    }
    // A stamped plan of a Bescheid that is not issued yet: only the Bauaufsicht.
    if a.role != plankammer_domain::Role::Bauaufsicht
        && st.db.ist_unerlassener_stempel(version.id).await?
    {
        return Err(AppError::NotFound);
    }
    // A Stelle's attachment: only the Bauaufsicht of the tenant besides the Stelle.
    if crate::fachstelle_seiten::anlage_sichtbar(&st.db, a, &version).await? == Some(false) {
        return Err(AppError::NotFound);
    }
    let v = sichtbarer_vorgang(st, a, version.vorgang_id).await?;
    Ok((v, version))
}

#[derive(Serialize, ToSchema)]
pub struct CaseOut {
    pub id: i64,
    pub bezeichnung: String,
    /// Unix milliseconds.
    pub erstellt: i64,
}

impl From<Vorgang> for CaseOut {
    fn from(v: Vorgang) -> Self {
        CaseOut {
            id: v.id,
            bezeichnung: v.bezeichnung,
            erstellt: v.created_at,
        }
    }
}

#[derive(Deserialize, ToSchema)]
pub struct NewCase {
    /// What is to be built, e.g. "Neubau Einfamilienhaus mit Garage".
    pub bezeichnung: String,
}

#[utoipa::path(post, path = "/api/v1/cases", tag = "vorgaenge", request_body = NewCase,
    responses((status = 201, body = CaseOut), (status = 401, body = ApiErrorBody), (status = 403, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub async fn create_case(
    State(st): State<AppState>,
    caller: ApiCaller,
    Json(body): Json<NewCase>,
) -> ApiResult<(StatusCode, Json<CaseOut>)> {
    if !darf_vorgang_anlegen(caller.role()) {
        return Err(AppError::Forbidden.into());
    }
    let b = body.bezeichnung.trim();
    if b.is_empty() || b.chars().count() > 300 {
        return Err(AppError::Invalid(
            "Bitte beschreiben Sie das Vorhaben (höchstens 300 Zeichen).".into(),
        )
        .into());
    }
    let v = st
        .db
        .create_vorgang(caller.tenant_id(), caller.user_id(), b, now_millis())
        .await?;
    Ok((StatusCode::CREATED, Json(v.into())))
}

#[utoipa::path(get, path = "/api/v1/cases/{id}", tag = "vorgaenge", params(("id" = i64, Path)),
    responses((status = 200, body = CaseOut), (status = 401, body = ApiErrorBody), (status = 404, body = ApiErrorBody)))]
pub async fn get_case(
    State(st): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<i64>,
) -> ApiResult<Json<CaseOut>> {
    Ok(Json(
        sichtbarer_vorgang(&st, &akteur(&caller), id).await?.into(),
    ))
}

#[derive(Serialize, ToSchema)]
pub struct StageOut {
    /// `validate`, `extract`, `metadata` or `preview`.
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

async fn version_out(st: &AppState, v: Version) -> Result<VersionOut, AppError> {
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

#[utoipa::path(get, path = "/api/v1/cases/{id}/documents", tag = "vorgaenge", params(("id" = i64, Path)),
    responses((status = 200, body = Vec<DocumentOut>), (status = 401, body = ApiErrorBody), (status = 404, body = ApiErrorBody)))]
pub async fn list_documents(
    State(st): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<i64>,
) -> ApiResult<Json<Vec<DocumentOut>>> {
    let v = sichtbarer_vorgang(&st, &akteur(&caller), id).await?;
    let mut out = Vec::new();
    for d in st.db.dokumente(v.id).await? {
        let mut versionen = Vec::new();
        for ver in d.versionen {
            versionen.push(version_out(&st, ver).await?);
        }
        out.push(DocumentOut {
            id: d.id,
            bezeichnung: d.bezeichnung,
            anlageart: d.anlageart,
            versionen,
        });
    }
    Ok(Json(out))
}

#[utoipa::path(get, path = "/api/v1/versions/{id}", tag = "vorgaenge", params(("id" = i64, Path)),
    responses((status = 200, body = VersionOut), (status = 401, body = ApiErrorBody), (status = 404, body = ApiErrorBody)))]
pub async fn get_version(
    State(st): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<i64>,
) -> ApiResult<Json<VersionOut>> {
    let (_, v) = sichtbare_version(&st, &akteur(&caller), id).await?;
    Ok(Json(version_out(&st, v).await?))
}

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

#[utoipa::path(get, path = "/api/v1/versions/{id}/download", tag = "vorgaenge", params(("id" = i64, Path)),
    responses((status = 200, content_type = "application/pdf", description = "Die Datei, als Anhang"), (status = 401, body = ApiErrorBody), (status = 404, body = ApiErrorBody)))]
pub async fn download(
    State(st): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<i64>,
) -> ApiResult<Response> {
    let (v, version) = sichtbare_version(&st, &akteur(&caller), id).await?;
    let (size, stream) = st
        .blobs
        .get_stream(&version.sha256)
        .await
        .map_err(AppError::internal)?;
    st.db
        .audit_now(
            AuditEvent {
                tenant_id: Some(v.tenant_id),
                actor_user_id: Some(caller.user_id()),
                action: "dokument.lesen",
                object_type: "dokument_version",
                object_id: Some(version.id.to_string()),
                detail: serde_json::json!({ "vorgang_id": v.id, "via": if caller.via_token.is_some() { "schluessel" } else { "sitzung" } }),
            },
            now_millis(),
        )
        .await?;
    Ok(pdf_anhang(stream, size, &version.dateiname))
}

/// A stored PDF as a download: attachment with a safe file name, sandboxed by its own CSP,
/// never cached. Every route that hands out a document's bytes answers with this.
pub fn pdf_anhang<S, E>(stream: S, size: u64, dateiname: &str) -> Response
where
    S: futures::Stream<Item = Result<bytes::Bytes, E>> + Send + 'static,
    E: Into<axum::BoxError>,
{
    let mut resp = Body::from_stream(stream).into_response();
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/pdf"),
    );
    h.insert(header::CONTENT_LENGTH, HeaderValue::from(size));
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
    let (_, v) = sichtbare_version(&st, &akteur(&caller), id).await?;
    st.db.retry_failed_stufen(v.id, now_millis()).await?;
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
    (len > max).then(|| AppError::TooLarge(UploadError::DateiZuGross(max).meldung()))
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
    responses((status = 201, body = VersionOut), (status = 401, body = ApiErrorBody), (status = 404, body = ApiErrorBody), (status = 413, body = ApiErrorBody), (status = 422, body = ApiErrorBody, description = "Leer oder kein PDF")))]
pub async fn upload_raw(
    State(st): State<AppState>,
    caller: ApiCaller,
    Path((id, dateiname)): Path<(i64, String)>,
    Query(q): Query<RawUploadQuery>,
    headers: HeaderMap,
    body: Body,
) -> ApiResult<(StatusCode, Json<VersionOut>)> {
    let a = akteur(&caller);
    let v = upload::vorgang_fuer_upload(&st.db, &a, id).await?;
    if let Some(e) = declared_too_large(&headers, st.config.upload_max_file) {
        return Err(e.into());
    }
    let anlageart = upload::check_anlageart(q.anlageart.as_deref())?;
    let ziel = Ziel::NeuesDokument {
        bezeichnung: q.bezeichnung.as_deref().unwrap_or(""),
        anlageart,
    };
    let version = upload::speichere(&st, &a, &v, ziel, &dateiname, body.into_data_stream())
        .await
        .map_err(|e| ApiError(e.into_app()))?;
    Ok((StatusCode::CREATED, Json(version_out(&st, version).await?)))
}

#[utoipa::path(put, path = "/api/v1/documents/{id}/versions/{dateiname}", tag = "vorgaenge",
    params(("id" = i64, Path, description = "Dokument"), ("dateiname" = String, Path)),
    request_body(content = Vec<u8>, content_type = "application/pdf"),
    responses((status = 201, body = VersionOut), (status = 401, body = ApiErrorBody), (status = 404, body = ApiErrorBody), (status = 413, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub async fn upload_version_raw(
    State(st): State<AppState>,
    caller: ApiCaller,
    Path((dokument_id, dateiname)): Path<(i64, String)>,
    headers: HeaderMap,
    body: Body,
) -> ApiResult<(StatusCode, Json<VersionOut>)> {
    let a = akteur(&caller);
    let vorgang_id = st
        .db
        .dokument_vorgang(dokument_id)
        .await
        .map_err(AppError::from)?;
    let v = upload::vorgang_fuer_upload(&st.db, &a, vorgang_id).await?;
    if let Some(e) = declared_too_large(&headers, st.config.upload_max_file) {
        return Err(e.into());
    }
    let version = upload::speichere(
        &st,
        &a,
        &v,
        Ziel::NeueVersion { dokument_id },
        &dateiname,
        body.into_data_stream(),
    )
    .await
    .map_err(|e| ApiError(e.into_app()))?;
    Ok((StatusCode::CREATED, Json(version_out(&st, version).await?)))
}

#[utoipa::path(post, path = "/api/v1/cases/{id}/documents", tag = "vorgaenge", params(("id" = i64, Path)),
    request_body(content_type = "multipart/form-data", description = "Felder: optional `anlageart` (gilt für die folgenden Dateien), dann eine oder mehrere Dateien im Feld `datei`. Ohne JavaScript: CSRF-Token als Abfrageparameter `_csrf`."),
    responses((status = 201, body = Vec<UploadedFile>, description = "Alle Dateien angenommen"), (status = 401, body = ApiErrorBody), (status = 404, body = ApiErrorBody),
              (status = 413, body = Vec<UploadedFile>, description = "Mindestens eine Datei zu groß; die übrigen sind gespeichert"),
              (status = 422, body = Vec<UploadedFile>, description = "Mindestens eine Datei abgelehnt; die übrigen sind gespeichert")))]
pub async fn upload_multipart(
    State(st): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<i64>,
    headers: HeaderMap,
    mut form: Multipart,
) -> ApiResult<Response> {
    let a = akteur(&caller);
    let v = upload::vorgang_fuer_upload(&st.db, &a, id).await?;
    let max_request = st
        .config
        .upload_max_file
        .saturating_mul(st.config.upload_max_files as u64)
        .saturating_add(1 << 20);
    if let Some(e) = declared_too_large(&headers, max_request) {
        return Err(e.into());
    }
    let (dateien, status) = upload::speichere_formular(&st, &a, &v, &mut form).await?;
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

#[derive(Deserialize, utoipa::IntoParams)]
pub struct SearchQuery {
    /// Words to find (all of them), e.g. `Brandwand Garage`.
    q: String,
}

#[derive(Serialize, ToSchema)]
pub struct SearchHit {
    pub version_id: i64,
    pub seite: i64,
    /// The passage, hits marked with « ».
    pub auszug: String,
}

#[utoipa::path(get, path = "/api/v1/cases/{id}/search", tag = "vorgaenge", params(("id" = i64, Path), SearchQuery),
    responses((status = 200, body = Vec<SearchHit>, description = "Seiten der Bauvorlagen, die alle Wörter enthalten, beste zuerst (höchstens 50)"), (status = 401, body = ApiErrorBody), (status = 404, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub async fn search(
    State(st): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<i64>,
    Query(q): Query<SearchQuery>,
) -> ApiResult<Json<Vec<SearchHit>>> {
    let v = sichtbarer_vorgang(&st, &akteur(&caller), id).await?;
    if q.q.chars().count() > 200 {
        return Err(
            AppError::Invalid("Die Suche ist zu lang (höchstens 200 Zeichen).".into()).into(),
        );
    }
    let hits = st.db.suche(v.id, &q.q).await?;
    // The search covers the Bauvorlagen; a Stelle's attachments are not among them.
    let anlagen = st.db.anlagen_versionen_des_vorgangs(v.id).await?;
    Ok(Json(
        hits.into_iter()
            .filter(|t| !anlagen.contains(&t.version_id))
            .map(|t| SearchHit {
                version_id: t.version_id,
                seite: t.seite,
                auszug: t.auszug,
            })
            .collect(),
    ))
}

/// Serves a stored preview image, audited like any read of the document's content.
async fn serve_png(
    st: &AppState,
    caller: &ApiCaller,
    v: &Vorgang,
    version: &Version,
    sha: &str,
    what: &str,
) -> ApiResult<Response> {
    let bytes = st.blobs.get_bytes(sha).await.map_err(AppError::internal)?;
    st.db
        .audit_now(
            AuditEvent {
                tenant_id: Some(v.tenant_id),
                actor_user_id: Some(caller.user_id()),
                action: "dokument.vorschau",
                object_type: "dokument_version",
                object_id: Some(version.id.to_string()),
                detail: serde_json::json!({ "vorgang_id": v.id, "bild": what }),
            },
            now_millis(),
        )
        .await?;
    let mut resp = Body::from(bytes).into_response();
    resp.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static("image/png"));
    resp.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, max-age=3600"),
    );
    Ok(resp)
}

#[utoipa::path(get, path = "/api/v1/versions/{id}/preview", tag = "vorgaenge", params(("id" = i64, Path)),
    responses((status = 200, content_type = "image/png", description = "Große Vorschau der ersten Seite"), (status = 401, body = ApiErrorBody), (status = 404, body = ApiErrorBody, description = "Unbekannt oder noch nicht erzeugt")))]
pub async fn preview(
    State(st): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<i64>,
) -> ApiResult<Response> {
    let (v, version) = sichtbare_version(&st, &akteur(&caller), id).await?;
    let sha = st
        .db
        .vorschau_gross(version.id)
        .await?
        .ok_or(AppError::NotFound)?;
    serve_png(&st, &caller, &v, &version, &sha, "gross").await
}

#[utoipa::path(get, path = "/api/v1/versions/{id}/pages/{n}/thumbnail", tag = "vorgaenge", params(("id" = i64, Path), ("n" = i64, Path, description = "Seite, ab 1")),
    responses((status = 200, content_type = "image/png", description = "Vorschaubild der Seite"), (status = 401, body = ApiErrorBody), (status = 404, body = ApiErrorBody)))]
pub async fn thumbnail(
    State(st): State<AppState>,
    caller: ApiCaller,
    Path((id, n)): Path<(i64, i64)>,
) -> ApiResult<Response> {
    let (v, version) = sichtbare_version(&st, &akteur(&caller), id).await?;
    let sha = st
        .db
        .seiten(version.id)
        .await?
        .into_iter()
        .find(|s| s.nummer == n)
        .and_then(|s| s.vorschau_sha256)
        .ok_or(AppError::NotFound)?;
    serve_png(&st, &caller, &v, &version, &sha, &format!("seite {n}")).await
}
