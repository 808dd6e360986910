//! `/api/v1/anfragen` for the members of a Fachstelle (the systems of the Stellen): the
//! inbox of requests to their Stellen, one request with what is needed to judge the case and
//! the documents in scope, a Rückfrage to the Bauaufsicht, the Stellungnahme with its
//! Nebenbestimmungen (and its correction), and the attachments to it (raw upload, list,
//! removal by the attachment's document id, `DELETE /api/v1/anlagen/{id}`, like
//! `DELETE /api/v1/documents/{id}` for a Bauvorlage).
//!
//! An `anfrage` is the same request the Bauaufsicht reads as `/api/v1/beteiligungen/{bid}`;
//! every change is the same step of `plankammer_verfahren::fachstelle` the pages call.

use super::beteiligungen::{BeteiligungOut, RueckfrageOut, StellungnahmeOut, stellungnahmen_out};
use super::dokumente::{VersionOut, version_out};
use super::eingabe::JsonEingabe;
use super::seite::Seitenabfrage;
use crate::error::{ApiError, ApiErrorBody, ApiResult};
use crate::sitzung::ApiCaller;
use crate::{AppError, AppState, seite};
use axum::body::Body;
use axum::extract::{DefaultBodyLimit, Path, Query, State};
use axum::http::StatusCode;
use axum::routing::{delete, get, post, put};
use axum::{Json, Router};
use plankammer_domain::beteiligung::Zustimmung;
use plankammer_domain::codeliste;
use plankammer_storage::antrag::Antrag;
use plankammer_storage::beteiligung::Beteiligung;
use plankammer_verfahren::dokumente::Ziel;
use plankammer_verfahren::fachstelle::{
    Nebenbestimmungsangabe, StellungnahmeEingabe, anlagen_aenderbar, kann_fragen,
    kann_stellungnahme,
};
use plankammer_verfahren::statuszeile;
use plankammer_verfahren::zugriff::{darf_dokumente_lesen, darf_handeln};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::collections::hash_map::Entry;
use utoipa::{OpenApi, ToSchema};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/anfragen", get(eingang))
        .route("/api/v1/anfragen/{bid}", get(anfrage))
        .route("/api/v1/anfragen/{bid}/rueckfragen", post(rueckfrage))
        .route("/api/v1/anfragen/{bid}/stellungnahmen", post(stellungnahme))
        .route("/api/v1/anfragen/{bid}/anlagen", get(anlagen))
        .route("/api/v1/anlagen/{id}", delete(anlage_entfernen))
}

/// Routes that read large bodies: no default body limit, they enforce their own.
pub fn upload_router() -> Router<AppState> {
    Router::new()
        .route(
            "/api/v1/anfragen/{bid}/anlagen/{dateiname}",
            put(anlage_hochladen),
        )
        .layer(DefaultBodyLimit::disable())
}

#[derive(OpenApi)]
#[openapi(
    paths(
        eingang,
        anfrage,
        rueckfrage,
        stellungnahme,
        anlagen,
        anlage_hochladen,
        anlage_entfernen
    ),
    components(schemas(
        AnfrageZeileOut,
        AnfrageSeite,
        AnfrageOut,
        VorhabenOut,
        UnterlageOut,
        AnlageOut,
        AnlageSeite,
        RueckfrageIn,
        StellungnahmeIn,
        NebenbestimmungIn
    )),
    tags((name = "fachstelle", description = "Die Anfragen einer Fachstelle: Eingang, Unterlagen, Rückfragen, Stellungnahme mit Nebenbestimmungen und Anlagen"))
)]
pub struct Doc;

// --- The inbox --------------------------------------------------------------------------------

/// A request in the Stelle's inbox, with its case's Aktenzeichen and name.
#[derive(Serialize, ToSchema)]
pub struct AnfrageZeileOut {
    #[serde(flatten)]
    pub anfrage: BeteiligungOut,
    pub aktenzeichen: Option<String>,
    /// What is to be built.
    pub bezeichnung: String,
}

seite!(
    AnfrageSeite,
    AnfrageZeileOut,
    "A page of a Stelle's requests, earliest deadline first; withdrawn ones included."
);

#[utoipa::path(get, path = "/api/v1/anfragen", tag = "fachstelle", params(Seitenabfrage),
    responses((status = 200, body = AnfrageSeite, description = "Die Anfragen an die Stellen, für die die Person arbeitet"),
        (status = 401, body = ApiErrorBody), (status = 403, body = ApiErrorBody, description = "Nur Mitglieder von Fachstellen"), (status = 422, body = ApiErrorBody)))]
pub async fn eingang(
    State(st): State<AppState>,
    caller: ApiCaller,
    Query(q): Query<Seitenabfrage>,
) -> ApiResult<Json<AnfrageSeite>> {
    let alle = st.verfahren.anfragen_des_mitglieds(caller.akteur()).await?;
    let (seite, weiter) = q.blaettere(alle)?;
    let mut faelle: HashMap<i64, Antrag> = HashMap::new();
    let mut eintraege = Vec::with_capacity(seite.len());
    for b in seite {
        let a = match faelle.entry(b.vorgang_id) {
            Entry::Occupied(e) => e.into_mut(),
            Entry::Vacant(e) => e.insert(st.db.antrag(b.vorgang_id).await?),
        };
        eintraege.push(AnfrageZeileOut {
            aktenzeichen: a.aktenzeichen.as_ref().map(|az| az.to_string()),
            bezeichnung: a.bezeichnung.clone(),
            anfrage: b.into(),
        });
    }
    Ok(Json(AnfrageSeite { eintraege, weiter }))
}

// --- One request ------------------------------------------------------------------------------

/// What a Stelle learns of the case — what it needs to judge it, no more: never the
/// Bauherrschaft or the Entwurfsverfasser.
#[derive(Serialize, ToSchema)]
pub struct VorhabenOut {
    pub vorgang_id: i64,
    pub aktenzeichen: Option<String>,
    pub bezeichnung: String,
    /// `baugenehmigung`, `vereinfacht`, `freistellung` or `vorbescheid`.
    pub verfahren: Option<String>,
    pub status: String,
    /// Street, number, postcode, place.
    pub anschrift: String,
    pub gemeinde_ags: String,
    pub gemeinde: String,
    pub gemarkung: String,
    pub flur: String,
    pub flurstuecke: Vec<String>,
    /// `baumassnahmeart` code and name.
    pub massnahme: String,
    pub massnahme_bezeichnung: Option<String>,
    /// `gebaeudeklasse` code, empty when not given.
    pub gebaeudeklasse: String,
}

impl From<&Antrag> for VorhabenOut {
    fn from(a: &Antrag) -> Self {
        let g = a.angaben.clone().unwrap_or_default();
        let anschrift = [
            format!("{} {}", g.grundstueck.strasse, g.grundstueck.hausnummer),
            format!("{} {}", g.grundstueck.plz, g.grundstueck.ort),
        ]
        .iter()
        .map(|x| x.trim().to_string())
        .filter(|x| !x.is_empty())
        .collect::<Vec<_>>()
        .join(", ");
        VorhabenOut {
            vorgang_id: a.id,
            aktenzeichen: a.aktenzeichen.as_ref().map(|az| az.to_string()),
            bezeichnung: a.bezeichnung.clone(),
            verfahren: a.verfahren.map(|v| v.slug().into()),
            status: statuszeile(a.zustand),
            anschrift,
            gemeinde_ags: g.grundstueck.gemeinde_ags,
            gemeinde: g.grundstueck.gemeinde,
            gemarkung: g.grundstueck.gemarkung,
            flur: g.grundstueck.flur,
            flurstuecke: g
                .grundstueck
                .flurstuecke
                .iter()
                .map(|f| f.to_string())
                .collect(),
            massnahme_bezeichnung: codeliste::baumassnahmearten()
                .name(&g.bauvorhaben.massnahme)
                .map(str::to_string),
            massnahme: g.bauvorhaben.massnahme,
            gebaeudeklasse: g.bauvorhaben.gebaeudeklasse,
        }
    }
}

/// A document version the Stelle may read through its request.
#[derive(Serialize, ToSchema)]
pub struct UnterlageOut {
    pub dokument_id: i64,
    pub bezeichnung: String,
    /// `anlagen_3.0` code.
    pub anlageart: Option<String>,
    pub version_id: i64,
    pub version_nummer: i64,
    pub dateiname: String,
    pub fassung_nummer: i64,
    /// From a later Fassung the Bauaufsicht shared.
    pub spaeter_freigegeben: bool,
    pub download: String,
    /// The comments on this plan the Stelle sees (and where it adds one).
    pub kommentare: String,
}

/// One of the Stelle's attachments to its Stellungnahme.
#[derive(Serialize, ToSchema)]
pub struct AnlageOut {
    pub dokument_id: i64,
    /// The Stellungnahmen (ids) that carry it; empty: not submitted yet.
    pub abgegeben_mit: Vec<i64>,
    /// Not part of a submitted Stellungnahme: may still be removed.
    pub entfernbar: bool,
    /// The file with its pipeline state and findings.
    pub version: VersionOut,
}

seite!(
    AnlageSeite,
    AnlageOut,
    "A page of a request's attachments, in upload order."
);

/// One request as its Stelle works on it.
#[derive(Serialize, ToSchema)]
pub struct AnfrageOut {
    #[serde(flatten)]
    pub anfrage: BeteiligungOut,
    pub vorhaben: VorhabenOut,
    /// The documents in scope (empty when the request was withdrawn before anyone opened it).
    pub unterlagen: Vec<UnterlageOut>,
    /// The Stelle may still act (not withdrawn).
    pub darf_handeln: bool,
    /// The Stelle may read the documents (not withdrawn before anyone opened the request).
    pub darf_lesen: bool,
    /// A Rückfrage may be asked now.
    pub kann_fragen: bool,
    /// A (first) Stellungnahme may be given now; after the deadline it is flagged late.
    pub kann_stellungnahme: bool,
    /// Attachments may be added or removed now.
    pub anlagen_aenderbar: bool,
    pub rueckfragen: Vec<RueckfrageOut>,
    /// Oldest first; a correction names the one it replaces.
    pub stellungnahmen: Vec<StellungnahmeOut>,
    pub anlagen: Vec<AnlageOut>,
}

async fn anlagen_out(st: &AppState, b: &Beteiligung) -> Result<Vec<AnlageOut>, AppError> {
    let mut out = Vec::new();
    for a in st.db.anlagen(b.id).await? {
        out.push(AnlageOut {
            dokument_id: a.dokument_id,
            entfernbar: a.abgegeben_mit.is_empty(),
            abgegeben_mit: a.abgegeben_mit,
            version: version_out(st, a.version).await?,
        });
    }
    Ok(out)
}

#[utoipa::path(get, path = "/api/v1/anfragen/{bid}", tag = "fachstelle", params(("bid" = i64, Path, description = "Anfrage")),
    responses((status = 200, body = AnfrageOut, description = "Die Anfrage; das erste Lesen durch ein Mitglied beginnt die Bearbeitung („in_bearbeitung“), wie auf der Seite"),
        (status = 401, body = ApiErrorBody), (status = 404, body = ApiErrorBody, description = "Keine Anfrage an eine Stelle der Person")))]
pub async fn anfrage(
    State(st): State<AppState>,
    caller: ApiCaller,
    Path(bid): Path<i64>,
) -> ApiResult<Json<AnfrageOut>> {
    let b = st.verfahren.anfrage_oeffnen(caller.akteur(), bid).await?;
    let a = st.db.antrag(b.vorgang_id).await?;
    let unterlagen = st
        .verfahren
        .sichtbare_versionen(&b)
        .await?
        .into_iter()
        .map(|v| UnterlageOut {
            download: format!("/api/v1/versions/{}/download", v.version_id),
            kommentare: format!("/api/v1/versions/{}/kommentare", v.version_id),
            dokument_id: v.dokument_id,
            bezeichnung: v.bezeichnung,
            anlageart: v.anlageart.map(String::from),
            version_id: v.version_id,
            version_nummer: v.version_nummer,
            dateiname: v.dateiname,
            fassung_nummer: v.fassung_nummer,
            spaeter_freigegeben: v.spaeter_freigegeben,
        })
        .collect();
    let rueckfragen = st
        .db
        .rueckfragen(b.id)
        .await?
        .into_iter()
        .map(RueckfrageOut::from)
        .collect();
    let stellungnahmen = stellungnahmen_out(&st.db, &b).await?;
    let liste = st.db.stellungnahmen(b.id).await?;
    let anlagen = anlagen_out(&st, &b).await?;
    Ok(Json(AnfrageOut {
        vorhaben: (&a).into(),
        unterlagen,
        darf_handeln: darf_handeln(&b),
        darf_lesen: darf_dokumente_lesen(&b),
        kann_fragen: kann_fragen(&b),
        kann_stellungnahme: kann_stellungnahme(&b),
        anlagen_aenderbar: anlagen_aenderbar(&b, &liste),
        rueckfragen,
        stellungnahmen,
        anlagen,
        anfrage: b.into(),
    }))
}

// --- Rückfrage and Stellungnahme ------------------------------------------------------------

/// A question to the Bauaufsicht (Zwischennachricht, XBau 0305).
#[derive(Deserialize, ToSchema)]
#[schema(example = json!({ "frage": "Gibt es eine Feuerwehrzufahrt?", "an_antragsteller": true }))]
pub struct RueckfrageIn {
    pub frage: String,
    /// Suggest that the Bauaufsicht pass it on to the applicants.
    #[serde(default)]
    pub an_antragsteller: bool,
}

#[utoipa::path(post, path = "/api/v1/anfragen/{bid}/rueckfragen", tag = "fachstelle", params(("bid" = i64, Path, description = "Anfrage")), request_body = RueckfrageIn,
    responses((status = 201, body = RueckfrageOut, description = "Gestellt; die Anfrage wartet auf die Antwort, die Bauaufsicht erhält eine E-Mail"),
        (status = 401, body = ApiErrorBody), (status = 404, body = ApiErrorBody),
        (status = 409, body = ApiErrorBody, description = "Zurückgezogen, oder eine Rückfrage ist noch offen"), (status = 422, body = ApiErrorBody)))]
pub async fn rueckfrage(
    State(st): State<AppState>,
    caller: ApiCaller,
    Path(bid): Path<i64>,
    JsonEingabe(body): JsonEingabe<RueckfrageIn>,
) -> ApiResult<(StatusCode, Json<RueckfrageOut>)> {
    let rid = st
        .verfahren
        .rueckfrage_stellen(caller.akteur(), bid, &body.frage, body.an_antragsteller)
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(st.db.rueckfrage(rid).await?.into()),
    ))
}

/// One Nebenbestimmung of a Stellungnahme.
#[derive(Deserialize, ToSchema)]
#[schema(example = json!({
    "art": "2", "text": "Rauchwarnmelder in allen Aufenthaltsräumen", "begruendung": "§ 14 Abs. 2 HBO"
}))]
pub struct NebenbestimmungIn {
    /// `nebenbestimmungart_3.0`: `1` Bedingung, `2` Auflage, `3` Vorbehalt, `4` Hinweis, …
    pub art: String,
    pub text: String,
    /// Why the Stelle asks for it.
    #[serde(default)]
    pub begruendung: String,
}

/// A Stellungnahme (XBau 0303), or the correction of the current one.
#[derive(Deserialize, ToSchema)]
#[schema(example = json!({
    "tenor": "Dem Vorhaben wird aus Sicht des Brandschutzes unter Auflagen zugestimmt.",
    "zustimmung": "mit_nebenbestimmungen",
    "nebenbestimmungen": [
        {"art": "2", "text": "Die Fenster der Aufenthaltsräume im Dachgeschoss sind als Rettungsfenster auszuführen.", "begruendung": "§ 36 Abs. 3 HBO"},
        {"art": "4", "text": "Rauchwarnmelder nach § 14 Abs. 2 HBO."}
    ],
    "begruendung": "Die Unterlagen wurden geprüft.",
    "ersetzt": null
}))]
pub struct StellungnahmeIn {
    #[serde(default)]
    pub tenor: String,
    /// `ja`, `nein` or `mit_nebenbestimmungen`.
    #[serde(default)]
    pub zustimmung: String,
    #[serde(default)]
    pub nebenbestimmungen: Vec<NebenbestimmungIn>,
    #[serde(default)]
    pub begruendung: String,
    /// A correction: the id of the current Stellungnahme it replaces.
    pub ersetzt: Option<i64>,
}

impl StellungnahmeIn {
    fn eingabe(self) -> StellungnahmeEingabe {
        StellungnahmeEingabe {
            tenor: self.tenor,
            // A value that is no code is no choice: refused with the other problems.
            zustimmung: Zustimmung::from_code(self.zustimmung.trim()),
            nebenbestimmungen: self
                .nebenbestimmungen
                .into_iter()
                .map(|n| Nebenbestimmungsangabe {
                    art: n.art,
                    text: n.text,
                    begruendung: n.begruendung,
                })
                .collect(),
            begruendung: self.begruendung,
            ersetzt: self.ersetzt,
        }
    }
}

#[utoipa::path(post, path = "/api/v1/anfragen/{bid}/stellungnahmen", tag = "fachstelle", params(("bid" = i64, Path, description = "Anfrage")), request_body = StellungnahmeIn,
    responses((status = 201, body = StellungnahmeOut, description = "Abgegeben (nach Fristende als verspätet gekennzeichnet) mit den vorhandenen Anlagen; die Bauaufsicht erhält eine E-Mail"),
        (status = 401, body = ApiErrorBody), (status = 404, body = ApiErrorBody),
        (status = 409, body = ApiErrorBody, description = "Zurückgezogen, schon abgegeben (dann als Korrektur mit `ersetzt`), oder schon korrigiert"),
        (status = 422, body = ApiErrorBody, description = "Jeder Fehler der Eingabe als deutscher Satz")))]
pub async fn stellungnahme(
    State(st): State<AppState>,
    caller: ApiCaller,
    Path(bid): Path<i64>,
    JsonEingabe(body): JsonEingabe<StellungnahmeIn>,
) -> ApiResult<(StatusCode, Json<StellungnahmeOut>)> {
    let sid = st
        .verfahren
        .stellungnahme_abgeben(caller.akteur(), bid, &body.eingabe())
        .await?;
    let b = st
        .verfahren
        .beteiligung_des_mitglieds(caller.akteur(), bid)
        .await?;
    let out = stellungnahmen_out(&st.db, &b)
        .await?
        .into_iter()
        .find(|s| s.id == sid)
        .ok_or(AppError::NotFound)?;
    Ok((StatusCode::CREATED, Json(out)))
}

// --- Attachments ----------------------------------------------------------------------------

#[utoipa::path(get, path = "/api/v1/anfragen/{bid}/anlagen", tag = "fachstelle", params(("bid" = i64, Path, description = "Anfrage"), Seitenabfrage),
    responses((status = 200, body = AnlageSeite), (status = 401, body = ApiErrorBody), (status = 404, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub async fn anlagen(
    State(st): State<AppState>,
    caller: ApiCaller,
    Path(bid): Path<i64>,
    Query(q): Query<Seitenabfrage>,
) -> ApiResult<Json<AnlageSeite>> {
    let b = st
        .verfahren
        .beteiligung_des_mitglieds(caller.akteur(), bid)
        .await?;
    let (eintraege, weiter) = q.blaettere(anlagen_out(&st, &b).await?)?;
    Ok(Json(AnlageSeite { eintraege, weiter }))
}

#[utoipa::path(put, path = "/api/v1/anfragen/{bid}/anlagen/{dateiname}", tag = "fachstelle",
    params(("bid" = i64, Path, description = "Anfrage"), ("dateiname" = String, Path)),
    request_body(content = Vec<u8>, content_type = "application/pdf"),
    responses((status = 201, body = AnlageOut, description = "Gespeichert; die Prüfung läuft wie bei Bauvorlagen"), (status = 401, body = ApiErrorBody), (status = 404, body = ApiErrorBody),
        (status = 409, body = ApiErrorBody, description = "Zurückgezogen, oder keine Stellungnahme (mehr) möglich"),
        (status = 413, body = ApiErrorBody, description = "Zu groß, oder schon so viele Anlagen, wie eine Anfrage haben kann"),
        (status = 422, body = ApiErrorBody, description = "Leer oder kein PDF")))]
pub async fn anlage_hochladen(
    State(st): State<AppState>,
    caller: ApiCaller,
    Path((bid, dateiname)): Path<(i64, String)>,
    body: Body,
) -> ApiResult<(StatusCode, Json<AnlageOut>)> {
    let ziel = st.verfahren.anlagen_ziel(caller.akteur(), bid).await?;
    if ziel.hoechstens() == 0 {
        return Err(ziel.zu_viele().into());
    }
    let version = st
        .verfahren
        .hochladen(
            caller.akteur(),
            &ziel.antrag,
            Ziel::Anlage {
                beteiligung_id: bid,
            },
            &dateiname,
            st.config.hochladegrenzen(),
            body.into_data_stream(),
        )
        .await
        .map_err(|e| ApiError(e.als_fehler().into()))?;
    Ok((
        StatusCode::CREATED,
        Json(AnlageOut {
            dokument_id: version.dokument_id,
            abgegeben_mit: vec![],
            entfernbar: true,
            version: version_out(&st, version).await?,
        }),
    ))
}

#[utoipa::path(delete, path = "/api/v1/anlagen/{id}", tag = "fachstelle",
    params(("id" = i64, Path, description = "Dokument der Anlage")),
    responses((status = 204, description = "Entfernt"), (status = 401, body = ApiErrorBody), (status = 404, body = ApiErrorBody),
        (status = 409, body = ApiErrorBody, description = "Teil einer abgegebenen Stellungnahme, oder die Anfrage ist zurückgezogen")))]
pub async fn anlage_entfernen(
    State(st): State<AppState>,
    caller: ApiCaller,
    Path(did): Path<i64>,
) -> ApiResult<StatusCode> {
    // The request the attachment belongs to; the step decides whether this person may.
    let bid = st
        .db
        .anlage_beteiligung(did)
        .await?
        .ok_or(AppError::NotFound)?;
    st.verfahren
        .anlage_entfernen(caller.akteur(), bid, did)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
