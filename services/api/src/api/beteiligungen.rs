//! `/api/v1` for the Bauaufsicht's side of the Beteiligung: the Stellen it may ask about a
//! case (its tenant's own and the Land-wide ones; `/api/v1/stellen` is the administration's
//! management of the tenant's Stellen), asking one or more of them in one step, the requests of a case and the
//! running ones of the tenant, one request with what came back (Rückfragen, Stellungnahmen
//! with their Nebenbestimmungen and attachments), withdrawing and extending a request,
//! answering or passing on a Rückfrage, deciding on a late Stellungnahme, letting a Stelle
//! see the others' plan comments and sharing a later Fassung with it.
//!
//! Every change is the same step of `plankammer_verfahren::beteiligung` the pages call.

use super::eingabe::JsonEingabe;
use super::pruefung::VerlaengerungIn;
use super::seite::Seitenabfrage;
use crate::error::{ApiErrorBody, ApiResult};
use crate::sitzung::ApiCaller;
use crate::{AppError, AppState, seite};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::routing::{get, post, put};
use axum::{Json, Router};
use plankammer_domain::beteiligung::Rolle;
use plankammer_storage::Db;
use plankammer_storage::beteiligung::{Beteiligung, Rueckfrage, Stelle, Stellungnahme};
use plankammer_storage::dokumente::Version;
use plankammer_verfahren::beteiligung::{Anfrage, Beteiligen, Unlesbar, standardrolle};
use plankammer_verfahren::fachstelle::aktuelle;
use serde::{Deserialize, Serialize};
use utoipa::{OpenApi, ToSchema};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/cases/{id}/stellen", get(stellen))
        .route(
            "/api/v1/cases/{id}/beteiligungen",
            get(beteiligungen_des_vorgangs).post(anfragen),
        )
        .route("/api/v1/beteiligungen", get(laufende))
        .route("/api/v1/beteiligungen/{bid}", get(beteiligung))
        .route(
            "/api/v1/beteiligungen/{bid}/zuruecknahme",
            post(zuruecknahme),
        )
        .route(
            "/api/v1/beteiligungen/{bid}/verlaengerung",
            post(verlaengerung),
        )
        .route(
            "/api/v1/beteiligungen/{bid}/rueckfragen/{rid}/antwort",
            post(antwort),
        )
        .route(
            "/api/v1/beteiligungen/{bid}/rueckfragen/{rid}/weitergabe",
            post(weitergabe),
        )
        .route(
            "/api/v1/beteiligungen/{bid}/stellungnahmen/{sid}/entscheidung",
            post(entscheidung),
        )
        .route(
            "/api/v1/beteiligungen/{bid}/sichtbarkeit",
            put(sichtbarkeit),
        )
        .route(
            "/api/v1/beteiligungen/{bid}/fassungsfreigabe",
            post(fassungsfreigabe),
        )
}

#[derive(OpenApi)]
#[openapi(
    paths(
        stellen,
        beteiligungen_des_vorgangs,
        anfragen,
        laufende,
        beteiligung,
        zuruecknahme,
        verlaengerung,
        antwort,
        weitergabe,
        entscheidung,
        sichtbarkeit,
        fassungsfreigabe
    ),
    components(schemas(
        StelleOut,
        StelleSeite,
        BeteiligungOut,
        BeteiligungSeite,
        BeteiligungAkteOut,
        RueckfrageOut,
        StellungnahmeOut,
        NebenbestimmungOut,
        AnlageVerweisOut,
        BeteiligenIn,
        AnfrageIn,
        ZuruecknahmeIn,
        AntwortIn,
        EntscheidungIn,
        SichtbarkeitIn,
        FassungsfreigabeIn
    )),
    tags((name = "beteiligung", description = "Beteiligung der Stellen durch die Bauaufsicht: anfragen, zurückziehen, verlängern, Rückfragen beantworten, verspätete Stellungnahmen, Freigaben"))
)]
pub struct Doc;

// --- What goes out ------------------------------------------------------------------------

/// A Stelle the tenant may ask (its own, or a Land-wide one).
#[derive(Serialize, ToSchema)]
#[schema(example = json!({
    "id": 3, "name": "Brandschutzdienststelle", "rechtsbereich": "Brandschutz",
    "landesweit": false, "gemeinde_ags": null, "standardrolle": "1"
}))]
pub struct StelleOut {
    pub id: i64,
    pub name: String,
    pub rechtsbereich: String,
    /// Every Bauaufsicht of the Land may ask it.
    pub landesweit: bool,
    /// The Gemeinde it speaks for (8-digit AGS), asked for its Einvernehmen (§ 36 BauGB).
    pub gemeinde_ags: Option<String>,
    /// The role it is asked in when none is given (`beteiligungrolle_2.0`: `1` zuständige
    /// Stelle, `2` sachverständige Stelle, `3` Gemeinde).
    pub standardrolle: String,
}

impl From<Stelle> for StelleOut {
    fn from(s: Stelle) -> Self {
        StelleOut {
            standardrolle: standardrolle(&s).code().into(),
            id: s.id,
            landesweit: s.tenant_id.is_none(),
            name: s.name,
            rechtsbereich: s.rechtsbereich,
            gemeinde_ags: s.gemeinde_ags,
        }
    }
}

seite!(StelleSeite, StelleOut, "A page of Stellen, by name.");

/// A request to a Stelle (Beteiligung).
#[derive(Serialize, ToSchema)]
#[schema(example = json!({
    "id": 12, "vorgang_id": 7, "stelle_id": 3, "stelle": "Brandschutzdienststelle",
    "rolle": "1", "rolle_bezeichnung": "Zuständige Stelle", "rechtsbereich": "Brandschutz",
    "notiz": "Bitte Zufahrt prüfen", "umfang": null, "fassung_id": 4, "freigegebene_fassung_id": null,
    "zustand": "in_bearbeitung", "zustand_bezeichnung": "In Bearbeitung",
    "start": "2026-03-02", "ende": "2026-04-02", "rechtsgrundlage": "§ 70 Abs. 1 HBO",
    "erklaerung": "Fristbeginn 03.03.2026 …", "behoerdlich_gesetzt": false,
    "schweigefolge": "zustimmung", "fiktion": null, "andere_kommentare_sichtbar": false,
    "grund": null, "angefragt": 1780000000000_i64, "geoeffnet": 1780000500000_i64
}))]
pub struct BeteiligungOut {
    pub id: i64,
    pub vorgang_id: i64,
    pub stelle_id: i64,
    /// The Stelle's name.
    pub stelle: String,
    /// `beteiligungrolle_2.0`: `1` zuständige Stelle, `2` sachverständige Stelle, `3` Gemeinde.
    pub rolle: String,
    pub rolle_bezeichnung: String,
    pub rechtsbereich: String,
    /// The Bauaufsicht's note to the Stelle.
    pub notiz: String,
    /// The documents (ids) the Stelle states its view on; `null`: all.
    pub umfang: Option<Vec<i64>>,
    /// The Fassung current when the Stelle was asked.
    pub fassung_id: Option<i64>,
    /// A later Fassung shared with the Stelle.
    pub freigegebene_fassung_id: Option<i64>,
    /// `angefragt`, `in_bearbeitung`, `rueckfrage`, `stellungnahme_abgegeben`,
    /// `frist_abgelaufen` or `zurueckgezogen`.
    pub zustand: String,
    pub zustand_bezeichnung: String,
    /// The day of the request (not counted), `YYYY-MM-DD`.
    pub start: String,
    /// The last day of the deadline, `YYYY-MM-DD`.
    pub ende: String,
    pub rechtsgrundlage: String,
    /// Why the deadline ends on that day (one sentence per line).
    pub erklaerung: String,
    /// Set by the case worker instead of the engine's proposal.
    pub behoerdlich_gesetzt: bool,
    /// What silence means when the deadline passes: `zustimmung`, `einvernehmen` or `keine`.
    pub schweigefolge: String,
    /// Unix milliseconds when the consequence of silence was recorded.
    pub fiktion: Option<i64>,
    /// The Stelle sees the plan comments of the other Stellen.
    pub andere_kommentare_sichtbar: bool,
    /// The reason of a withdrawal.
    pub grund: Option<String>,
    /// Unix milliseconds.
    pub angefragt: i64,
    /// Unix milliseconds of the first opening by a member of the Stelle.
    pub geoeffnet: Option<i64>,
}

impl From<Beteiligung> for BeteiligungOut {
    fn from(b: Beteiligung) -> Self {
        BeteiligungOut {
            id: b.id,
            vorgang_id: b.vorgang_id,
            stelle_id: b.stelle_id,
            stelle: b.stelle_name,
            rolle: b.rolle.code().into(),
            rolle_bezeichnung: b.rolle.bezeichnung().into(),
            rechtsbereich: b.rechtsbereich,
            notiz: b.notiz,
            umfang: b.umfang,
            fassung_id: b.fassung_id,
            freigegebene_fassung_id: b.freigegeben_fassung_id,
            zustand: b.zustand.slug().into(),
            zustand_bezeichnung: b.zustand.bezeichnung_bei(b.schweigefolge).into(),
            start: b.start.to_string(),
            ende: b.ende.to_string(),
            rechtsgrundlage: b.rechtsgrundlage,
            erklaerung: b.erklaerung,
            behoerdlich_gesetzt: b.behoerdlich_gesetzt,
            schweigefolge: b.schweigefolge.code().into(),
            fiktion: b.fiktion_at,
            andere_kommentare_sichtbar: b.andere_kommentare_sichtbar,
            grund: b.grund,
            angefragt: b.angefragt_at,
            geoeffnet: b.geoeffnet_at,
        }
    }
}

seite!(
    BeteiligungSeite,
    BeteiligungOut,
    "A page of requests to Stellen, earliest deadline first."
);

/// A Stelle's Rückfrage (Zwischennachricht) and its answer.
#[derive(Serialize, ToSchema)]
pub struct RueckfrageOut {
    pub id: i64,
    pub frage: String,
    /// The Stelle suggests passing the question on to the applicants.
    pub an_antragsteller: bool,
    /// The answer suspended the deadline (§ 209 BGB).
    pub hemmt_frist: bool,
    pub antwort: Option<String>,
    /// Unix milliseconds.
    pub gestellt: i64,
    pub beantwortet: Option<i64>,
    /// When the Bauaufsicht passed it on to the applicants.
    pub weitergegeben: Option<i64>,
}

impl From<Rueckfrage> for RueckfrageOut {
    fn from(r: Rueckfrage) -> Self {
        RueckfrageOut {
            id: r.id,
            frage: r.frage,
            an_antragsteller: r.an_antragsteller,
            hemmt_frist: r.hemmt_frist,
            antwort: r.antwort,
            gestellt: r.gestellt_at,
            beantwortet: r.beantwortet_at,
            weitergegeben: r.weitergegeben_at,
        }
    }
}

/// A Nebenbestimmung of a Stellungnahme.
#[derive(Serialize, ToSchema)]
pub struct NebenbestimmungOut {
    /// `nebenbestimmungart_3.0`: `1` Bedingung, `2` Auflage, `3` Vorbehalt, `4` Hinweis, …
    pub art: String,
    pub art_bezeichnung: Option<String>,
    pub text: String,
    pub begruendung: String,
}

/// An attachment a Stellungnahme carries, as frozen at its submission.
#[derive(Serialize, ToSchema)]
pub struct AnlageVerweisOut {
    pub version_id: i64,
    pub dateiname: String,
    /// Bytes.
    pub groesse: i64,
    pub download: String,
}

impl From<Version> for AnlageVerweisOut {
    fn from(v: Version) -> Self {
        AnlageVerweisOut {
            download: format!("/api/v1/versions/{}/download", v.id),
            version_id: v.id,
            dateiname: v.dateiname,
            groesse: v.groesse,
        }
    }
}

/// A Stellungnahme of a Stelle (XBau 0303). Immutable; a correction is a new one that
/// replaces it (`ersetzt_id`).
#[derive(Serialize, ToSchema)]
pub struct StellungnahmeOut {
    pub id: i64,
    pub beteiligung_id: i64,
    /// The Stellungnahme this one corrects.
    pub ersetzt_id: Option<i64>,
    /// Not replaced by a correction.
    pub aktuell: bool,
    pub tenor: String,
    /// `ja`, `nein` or `mit_nebenbestimmungen`.
    pub zustimmung: String,
    pub zustimmung_bezeichnung: String,
    pub nebenbestimmungen: Vec<NebenbestimmungOut>,
    pub begruendung: String,
    /// Given after the deadline or its fiction (§ 70 Abs. 1 Satz 4 HBO).
    pub verspaetet: bool,
    /// The Bauaufsicht's decision on a late one; `null`: not decided (or not late).
    pub beruecksichtigt: Option<bool>,
    /// Unix milliseconds.
    pub abgegeben: i64,
    pub anlagen: Vec<AnlageVerweisOut>,
}

/// A request's Stellungnahmen, oldest first, each with the attachments it carries.
pub async fn stellungnahmen_out(
    db: &Db,
    b: &Beteiligung,
) -> Result<Vec<StellungnahmeOut>, AppError> {
    let liste = db.stellungnahmen(b.id).await?;
    let links = db.anlagen_verknuepfungen(b.id).await?;
    let aktuell = aktuelle(&liste).map(|s| s.id);
    Ok(liste
        .into_iter()
        .map(|s| stellungnahme_out(s, b, aktuell, &links))
        .collect())
}

fn stellungnahme_out(
    s: Stellungnahme,
    b: &Beteiligung,
    aktuell: Option<i64>,
    links: &[(i64, Version)],
) -> StellungnahmeOut {
    let zustimmung_bezeichnung =
        plankammer_verfahren::fachstelle::zustimmung_text(b, s.zustimmung).into();
    StellungnahmeOut {
        anlagen: links
            .iter()
            .filter(|(sid, _)| *sid == s.id)
            .map(|(_, v)| v.clone().into())
            .collect(),
        aktuell: Some(s.id) == aktuell,
        id: s.id,
        beteiligung_id: s.beteiligung_id,
        ersetzt_id: s.ersetzt_id,
        tenor: s.tenor,
        zustimmung: s.zustimmung.code().into(),
        zustimmung_bezeichnung,
        nebenbestimmungen: s
            .nebenbestimmungen
            .into_iter()
            .map(|n| NebenbestimmungOut {
                art_bezeichnung: n.art_bezeichnung().map(str::to_string),
                art: n.art,
                text: n.text,
                begruendung: n.begruendung,
            })
            .collect(),
        begruendung: s.begruendung,
        verspaetet: s.verspaetet,
        beruecksichtigt: s.beruecksichtigt,
        abgegeben: s.created_at,
    }
}

/// One request with what came back from the Stelle.
#[derive(Serialize, ToSchema)]
pub struct BeteiligungAkteOut {
    #[serde(flatten)]
    pub beteiligung: BeteiligungOut,
    pub rueckfragen: Vec<RueckfrageOut>,
    /// Oldest first; corrections name the one they replace.
    pub stellungnahmen: Vec<StellungnahmeOut>,
}

// --- Reading --------------------------------------------------------------------------------

#[utoipa::path(get, path = "/api/v1/cases/{id}/stellen", tag = "beteiligung", params(("id" = i64, Path), Seitenabfrage),
    responses((status = 200, body = StelleSeite, description = "Die Stellen, die die Behörde zu diesem Vorgang anfragen kann: ihre eigenen und die landesweiten"),
        (status = 401, body = ApiErrorBody), (status = 404, body = ApiErrorBody, description = "Kein Vorgang der eigenen Behörde, oder nicht die Bauaufsicht"), (status = 422, body = ApiErrorBody)))]
pub async fn stellen(
    State(st): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<i64>,
    Query(q): Query<Seitenabfrage>,
) -> ApiResult<Json<StelleSeite>> {
    st.verfahren
        .vorgang_der_bauaufsicht(caller.akteur(), id)
        .await?;
    let alle: Vec<StelleOut> = st
        .verfahren
        .anfragbare_stellen(caller.akteur())
        .await?
        .into_iter()
        .map(StelleOut::from)
        .collect();
    let (eintraege, weiter) = q.blaettere(alle)?;
    Ok(Json(StelleSeite { eintraege, weiter }))
}

#[utoipa::path(get, path = "/api/v1/cases/{id}/beteiligungen", tag = "beteiligung", params(("id" = i64, Path), Seitenabfrage),
    responses((status = 200, body = BeteiligungSeite, description = "Alle Anfragen zu diesem Vorgang, auch beantwortete und zurückgezogene"),
        (status = 401, body = ApiErrorBody), (status = 404, body = ApiErrorBody, description = "Kein Vorgang der eigenen Behörde, oder nicht die Bauaufsicht"), (status = 422, body = ApiErrorBody)))]
pub async fn beteiligungen_des_vorgangs(
    State(st): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<i64>,
    Query(q): Query<Seitenabfrage>,
) -> ApiResult<Json<BeteiligungSeite>> {
    let a = st
        .verfahren
        .vorgang_der_bauaufsicht(caller.akteur(), id)
        .await?;
    let alle: Vec<BeteiligungOut> = st
        .db
        .beteiligungen(a.id)
        .await?
        .into_iter()
        .map(BeteiligungOut::from)
        .collect();
    let (eintraege, weiter) = q.blaettere(alle)?;
    Ok(Json(BeteiligungSeite { eintraege, weiter }))
}

#[utoipa::path(get, path = "/api/v1/beteiligungen", tag = "beteiligung", params(Seitenabfrage),
    responses((status = 200, body = BeteiligungSeite, description = "Die laufenden Anfragen aller Vorgänge der Behörde, früheste Frist zuerst"),
        (status = 401, body = ApiErrorBody), (status = 403, body = ApiErrorBody, description = "Nur die Bauaufsicht"), (status = 422, body = ApiErrorBody)))]
pub async fn laufende(
    State(st): State<AppState>,
    caller: ApiCaller,
    Query(q): Query<Seitenabfrage>,
) -> ApiResult<Json<BeteiligungSeite>> {
    let alle: Vec<BeteiligungOut> = st
        .verfahren
        .laufende_beteiligungen(caller.akteur())
        .await?
        .into_iter()
        .map(BeteiligungOut::from)
        .collect();
    let (eintraege, weiter) = q.blaettere(alle)?;
    Ok(Json(BeteiligungSeite { eintraege, weiter }))
}

#[utoipa::path(get, path = "/api/v1/beteiligungen/{bid}", tag = "beteiligung", params(("bid" = i64, Path, description = "Anfrage")),
    responses((status = 200, body = BeteiligungAkteOut), (status = 401, body = ApiErrorBody),
        (status = 404, body = ApiErrorBody, description = "Keine Anfrage eines Vorgangs der eigenen Behörde, oder nicht die Bauaufsicht")))]
pub async fn beteiligung(
    State(st): State<AppState>,
    caller: ApiCaller,
    Path(bid): Path<i64>,
) -> ApiResult<Json<BeteiligungAkteOut>> {
    let (b, _) = st
        .verfahren
        .beteiligung_der_bauaufsicht(caller.akteur(), bid)
        .await?;
    let rueckfragen = st
        .db
        .rueckfragen(b.id)
        .await?
        .into_iter()
        .map(RueckfrageOut::from)
        .collect();
    let stellungnahmen = stellungnahmen_out(&st.db, &b).await?;
    Ok(Json(BeteiligungAkteOut {
        beteiligung: b.into(),
        rueckfragen,
        stellungnahmen,
    }))
}

// --- Asking ----------------------------------------------------------------------------------

/// One Stelle to ask.
#[derive(Deserialize, ToSchema)]
#[schema(example = json!({
    "stelle_id": 5, "rolle": "2", "rechtsbereich": "Denkmalschutz", "notiz": "Bitte die Fassade prüfen",
    "umfang": [41, 42], "ende": "2026-05-04"
}))]
pub struct AnfrageIn {
    pub stelle_id: i64,
    /// `beteiligungrolle_2.0` code; default: the Stelle's `standardrolle`.
    pub rolle: Option<String>,
    #[serde(default)]
    pub rechtsbereich: String,
    /// A note to the Stelle.
    #[serde(default)]
    pub notiz: String,
    /// The documents (ids of the newest Fassung) the Stelle is to state its view on;
    /// `null` or left out: all of them.
    pub umfang: Option<Vec<i64>>,
    /// The last day, `YYYY-MM-DD`; left out: the engine's proposal. Another Werktag is
    /// recorded as „behördlich gesetzt“.
    pub ende: Option<String>,
}

/// Stellen to ask about a case, in one step.
#[derive(Deserialize, ToSchema)]
#[schema(example = json!({
    "anfragen": [
        {"stelle_id": 3, "rolle": "1", "rechtsbereich": "Brandschutz", "notiz": "Bitte Zufahrt prüfen"},
        {"stelle_id": 5, "umfang": [41, 42], "ende": "2026-05-04"}
    ]
}))]
pub struct BeteiligenIn {
    pub anfragen: Vec<AnfrageIn>,
}

impl BeteiligenIn {
    fn eingabe(self) -> Beteiligen {
        Beteiligen {
            anfragen: self
                .anfragen
                .into_iter()
                .map(|a| {
                    let rolle = a.rolle.as_deref().map(str::trim).filter(|r| !r.is_empty());
                    let gelesen = rolle.and_then(Rolle::from_code);
                    Anfrage {
                        stelle_id: a.stelle_id,
                        // A code that is no role is refused by the step, with the Stelle's name.
                        unlesbar: if rolle.is_some() && gelesen.is_none() {
                            vec![Unlesbar::Rolle]
                        } else {
                            vec![]
                        },
                        rolle: gelesen,
                        rechtsbereich: a.rechtsbereich,
                        notiz: a.notiz,
                        umfang: a.umfang,
                        ende: a.ende,
                    }
                })
                .collect(),
            unlesbare_stellen: vec![],
        }
    }
}

#[utoipa::path(post, path = "/api/v1/cases/{id}/beteiligungen", tag = "beteiligung", params(("id" = i64, Path)), request_body = BeteiligenIn,
    responses((status = 201, body = Vec<BeteiligungOut>, description = "Angefragt; der Vorgang ist in der Beteiligung (08), jede Stelle erhält eine E-Mail"),
        (status = 401, body = ApiErrorBody), (status = 404, body = ApiErrorBody),
        (status = 409, body = ApiErrorBody, description = "Der Zustand des Vorgangs erlaubt es nicht, oder der Bescheid wird gerade erlassen"),
        (status = 422, body = ApiErrorBody, description = "Jeder Fehler der Eingabe als deutscher Satz, mit dem Namen der Stelle")))]
pub async fn anfragen(
    State(st): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<i64>,
    JsonEingabe(body): JsonEingabe<BeteiligenIn>,
) -> ApiResult<(StatusCode, Json<Vec<BeteiligungOut>>)> {
    let ids = st
        .verfahren
        .stellen_anfragen(caller.akteur(), id, &body.eingabe())
        .await?;
    let mut out = Vec::with_capacity(ids.len());
    for bid in ids {
        out.push(st.db.beteiligung(bid).await?.into());
    }
    Ok((StatusCode::CREATED, Json(out)))
}

// --- Acting on a request ----------------------------------------------------------------------

/// The withdrawal of a request.
#[derive(Deserialize, ToSchema)]
#[schema(example = json!({ "grund": "Versehentlich doppelt angefragt" }))]
pub struct ZuruecknahmeIn {
    pub grund: String,
}

#[utoipa::path(post, path = "/api/v1/beteiligungen/{bid}/zuruecknahme", tag = "beteiligung", params(("bid" = i64, Path, description = "Anfrage")), request_body = ZuruecknahmeIn,
    responses((status = 204, description = "Zurückgezogen; war es die letzte offene Anfrage, ist die Beteiligung abgeschlossen (09)"),
        (status = 401, body = ApiErrorBody), (status = 404, body = ApiErrorBody),
        (status = 409, body = ApiErrorBody, description = "Die Anfrage ist nicht mehr offen"), (status = 422, body = ApiErrorBody, description = "Ohne Grund")))]
pub async fn zuruecknahme(
    State(st): State<AppState>,
    caller: ApiCaller,
    Path(bid): Path<i64>,
    JsonEingabe(body): JsonEingabe<ZuruecknahmeIn>,
) -> ApiResult<StatusCode> {
    st.verfahren
        .beteiligung_zurueckziehen(caller.akteur(), bid, &body.grund)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(post, path = "/api/v1/beteiligungen/{bid}/verlaengerung", tag = "beteiligung", params(("bid" = i64, Path, description = "Anfrage")), request_body = VerlaengerungIn,
    responses((status = 204, description = "Verlängert (behördlich gesetzt)"), (status = 401, body = ApiErrorBody), (status = 404, body = ApiErrorBody),
        (status = 409, body = ApiErrorBody, description = "Nicht mehr offen, oder die Frist ist schon abgelaufen"),
        (status = 422, body = ApiErrorBody, description = "Kein Werktag, nicht nach dem bisherigen Ende, oder ohne Grund")))]
pub async fn verlaengerung(
    State(st): State<AppState>,
    caller: ApiCaller,
    Path(bid): Path<i64>,
    JsonEingabe(body): JsonEingabe<VerlaengerungIn>,
) -> ApiResult<StatusCode> {
    st.verfahren
        .beteiligung_verlaengern(caller.akteur(), bid, &body.neues_ende, &body.grund)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The answer to a Stelle's Rückfrage.
#[derive(Deserialize, ToSchema)]
#[schema(example = json!({ "antwort": "Ja, über den Lindenweg.", "hemmt_frist": true }))]
pub struct AntwortIn {
    pub antwort: String,
    /// The days the question was open do not count (§ 209 BGB): the deadline ends later.
    #[serde(default)]
    pub hemmt_frist: bool,
}

#[utoipa::path(post, path = "/api/v1/beteiligungen/{bid}/rueckfragen/{rid}/antwort", tag = "beteiligung",
    params(("bid" = i64, Path, description = "Anfrage"), ("rid" = i64, Path, description = "Rückfrage")), request_body = AntwortIn,
    responses((status = 204, description = "Beantwortet; die Stelle erhält eine E-Mail"), (status = 401, body = ApiErrorBody), (status = 404, body = ApiErrorBody),
        (status = 409, body = ApiErrorBody, description = "Schon beantwortet, oder die Frist ist abgelaufen und kann nicht mehr gehemmt werden"),
        (status = 422, body = ApiErrorBody)))]
pub async fn antwort(
    State(st): State<AppState>,
    caller: ApiCaller,
    Path((bid, rid)): Path<(i64, i64)>,
    JsonEingabe(body): JsonEingabe<AntwortIn>,
) -> ApiResult<StatusCode> {
    st.verfahren
        .rueckfrage_beantworten(caller.akteur(), bid, rid, &body.antwort, body.hemmt_frist)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(post, path = "/api/v1/beteiligungen/{bid}/rueckfragen/{rid}/weitergabe", tag = "beteiligung",
    params(("bid" = i64, Path, description = "Anfrage"), ("rid" = i64, Path, description = "Rückfrage")),
    responses((status = 204, description = "An die Antragstellenden weitergegeben (E-Mail)"), (status = 401, body = ApiErrorBody), (status = 404, body = ApiErrorBody),
        (status = 409, body = ApiErrorBody, description = "Schon weitergegeben oder beantwortet")))]
pub async fn weitergabe(
    State(st): State<AppState>,
    caller: ApiCaller,
    Path((bid, rid)): Path<(i64, i64)>,
) -> ApiResult<StatusCode> {
    st.verfahren
        .rueckfrage_weitergeben(caller.akteur(), bid, rid)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Whether a late Stellungnahme is considered (§ 70 Abs. 1 Satz 4 HBO).
#[derive(Deserialize, ToSchema)]
#[schema(example = json!({ "beruecksichtigen": true }))]
pub struct EntscheidungIn {
    pub beruecksichtigen: bool,
}

#[utoipa::path(post, path = "/api/v1/beteiligungen/{bid}/stellungnahmen/{sid}/entscheidung", tag = "beteiligung",
    params(("bid" = i64, Path, description = "Anfrage"), ("sid" = i64, Path, description = "Stellungnahme")), request_body = EntscheidungIn,
    responses((status = 204, description = "Entschieden"), (status = 401, body = ApiErrorBody), (status = 404, body = ApiErrorBody),
        (status = 409, body = ApiErrorBody, description = "Schon entschieden, oder nicht verspätet"), (status = 422, body = ApiErrorBody)))]
pub async fn entscheidung(
    State(st): State<AppState>,
    caller: ApiCaller,
    Path((bid, sid)): Path<(i64, i64)>,
    JsonEingabe(body): JsonEingabe<EntscheidungIn>,
) -> ApiResult<StatusCode> {
    st.verfahren
        .verspaetete_entscheiden(caller.akteur(), bid, sid, Some(body.beruecksichtigen))
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Whether the Stelle sees the plan comments of the other Stellen.
#[derive(Deserialize, ToSchema)]
#[schema(example = json!({ "andere_kommentare_sichtbar": true }))]
pub struct SichtbarkeitIn {
    pub andere_kommentare_sichtbar: bool,
}

#[utoipa::path(put, path = "/api/v1/beteiligungen/{bid}/sichtbarkeit", tag = "beteiligung", params(("bid" = i64, Path, description = "Anfrage")), request_body = SichtbarkeitIn,
    responses((status = 204, description = "Gesetzt"), (status = 401, body = ApiErrorBody), (status = 404, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub async fn sichtbarkeit(
    State(st): State<AppState>,
    caller: ApiCaller,
    Path(bid): Path<i64>,
    JsonEingabe(body): JsonEingabe<SichtbarkeitIn>,
) -> ApiResult<StatusCode> {
    st.verfahren
        .sichtbarkeit_setzen(caller.akteur(), bid, body.andere_kommentare_sichtbar)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A later Fassung of the case to share with the Stelle.
#[derive(Deserialize, ToSchema)]
#[schema(example = json!({ "fassung_id": 9 }))]
pub struct FassungsfreigabeIn {
    pub fassung_id: i64,
}

#[utoipa::path(post, path = "/api/v1/beteiligungen/{bid}/fassungsfreigabe", tag = "beteiligung", params(("bid" = i64, Path, description = "Anfrage")), request_body = FassungsfreigabeIn,
    responses((status = 204, description = "Geteilt; die Stelle sieht die Unterlagen ihres Umfangs auch in dieser Fassung und erhält eine E-Mail"),
        (status = 401, body = ApiErrorBody), (status = 404, body = ApiErrorBody),
        (status = 409, body = ApiErrorBody, description = "Die Anfrage ist zurückgezogen"),
        (status = 422, body = ApiErrorBody, description = "Keine spätere Fassung dieses Vorgangs")))]
pub async fn fassungsfreigabe(
    State(st): State<AppState>,
    caller: ApiCaller,
    Path(bid): Path<i64>,
    JsonEingabe(body): JsonEingabe<FassungsfreigabeIn>,
) -> ApiResult<StatusCode> {
    st.verfahren
        .fassung_teilen(caller.akteur(), bid, Some(body.fassung_id))
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
