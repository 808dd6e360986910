//! `/api/v1/cases`: the applicant's way from a draft to the submission — open a case, fill
//! in its Angaben, read the checklist, invite the Bauherrschaft and take its Freizeichnung,
//! submit, answer a Nachforderung — and what everyone who sees a case reads of it: the
//! timeline, the Fassungen and their comparison, the Befunde and deadlines, a full-text
//! search of the plans.

use super::eingabe::JsonEingabe;
use super::seite::Seitenabfrage;
use crate::error::{ApiErrorBody, ApiResult};
use crate::sitzung::ApiCaller;
use crate::{AppError, AppState, seite};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use plankammer_domain::antrag::{Angaben, AngabenEingabe};
use plankammer_domain::freizeichnung::{Aenderung, Freizeichnungsinhalt};
use plankammer_domain::verfahren::Verfahrensart;
use plankammer_storage::antrag::{Antrag, FassungsDokument};
use plankammer_verfahren::freizeichnung::{FreizeichnungsZustand, Freizeichnungsstand};
use plankammer_verfahren::pruefung::Fassungsvergleich;
use plankammer_verfahren::{Verfahren, statuszeile};
use serde::{Deserialize, Serialize};
use utoipa::{OpenApi, ToSchema};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/cases", get(list_cases).post(create_case))
        .route("/api/v1/cases/{id}", get(get_case))
        .route(
            "/api/v1/cases/{id}/angaben",
            get(get_angaben).put(put_angaben),
        )
        .route("/api/v1/cases/{id}/checkliste", get(checkliste))
        .route(
            "/api/v1/cases/{id}/beteiligte",
            get(beteiligte).post(einladen),
        )
        .route("/api/v1/einladungen/{secret}/annahme", post(annehmen))
        .route("/api/v1/cases/{id}/freizeichnung", post(freizeichnen))
        .route("/api/v1/cases/{id}/einreichung", post(einreichen))
        .route("/api/v1/cases/{id}/nachreichung", post(nachreichen))
        .route("/api/v1/cases/{id}/ruecknahme", post(zuruecknehmen))
        .route("/api/v1/cases/{id}/zeitleiste", get(zeitleiste))
        .route("/api/v1/cases/{id}/fassungen", get(fassungen))
        .route(
            "/api/v1/cases/{id}/fassungsvergleich",
            get(fassungsvergleich),
        )
        .route("/api/v1/cases/{id}/befunde", get(befunde))
        .route("/api/v1/cases/{id}/fristen", get(fristen))
        .route("/api/v1/cases/{id}/search", get(search))
}

#[derive(OpenApi)]
#[openapi(
    paths(
        list_cases,
        create_case,
        get_case,
        get_angaben,
        put_angaben,
        checkliste,
        beteiligte,
        einladen,
        annehmen,
        freizeichnen,
        einreichen,
        nachreichen,
        zuruecknehmen,
        zeitleiste,
        fassungen,
        fassungsvergleich,
        befunde,
        fristen,
        search
    ),
    components(schemas(
        CaseOut,
        VorgangSeite,
        NewCase,
        AngabenIn,
        AngabenOut,
        Angaben,
        AngabenEingabe,
        plankammer_domain::antrag::Grundstueck,
        plankammer_domain::antrag::Bauvorhaben,
        plankammer_domain::antrag::Bauherrschaft,
        plankammer_domain::antrag::Entwurfsverfasser,
        ChecklisteOut,
        PositionOut,
        FreizeichnungOut,
        Freizeichnungsinhalt,
        plankammer_domain::freizeichnung::GezeichneteUnterlage,
        Aenderung,
        BeteiligterOut,
        EinladungIn,
        RuecknahmeIn,
        EingangOut,
        FassungOut,
        FassungsDokumentOut,
        EreignisOut,
        EreignisSeite,
        VergleichOut,
        ErsetzungOut,
        SeitenaenderungOut,
        BefundOut,
        FristOut,
        SearchHit
    ))
)]
pub struct Doc;

/// A case.
#[derive(Serialize, ToSchema)]
#[schema(example = json!({
    "id": 7, "bezeichnung": "Neubau Einfamilienhaus mit Garage", "erstellt": 1780000000000_i64,
    "zustand": "eingegangen", "status": "Eingegangen", "status_code": "14",
    "verfahren": "vereinfacht", "aktenzeichen": "BA-2026-00001", "eingereicht": 1780000500000_i64,
    "gemeinde_ags": "06611000", "naechste_frist": null
}))]
pub struct CaseOut {
    pub id: i64,
    pub bezeichnung: String,
    /// Unix milliseconds.
    pub erstellt: i64,
    /// The state: `entwurf`, `eingegangen`, `nachforderung`, `nachgereicht`,
    /// `vollstaendig`, `beteiligung`, `beteiligung_abgeschlossen`, `genehmigt`, …
    pub zustand: String,
    /// The status line with its `statusbauportal_3.0` code.
    pub status: String,
    pub status_code: Option<String>,
    /// `baugenehmigung`, `vereinfacht`, `freistellung`, `vorbescheid`; none in a fresh draft.
    pub verfahren: Option<String>,
    pub aktenzeichen: Option<String>,
    /// Unix milliseconds of the submission.
    pub eingereicht: Option<i64>,
    pub gemeinde_ags: Option<String>,
    /// The last day of the earliest open deadline (`YYYY-MM-DD`).
    pub naechste_frist: Option<String>,
}

impl From<Antrag> for CaseOut {
    fn from(a: Antrag) -> Self {
        CaseOut {
            id: a.id,
            status: statuszeile(a.zustand),
            status_code: match a.verfahren {
                Some(v) => a.zustand.statusbauportal_code_im(v),
                None => a.zustand.statusbauportal_code(),
            }
            .map(str::to_string),
            zustand: a.zustand.slug().into(),
            verfahren: a.verfahren.map(|v| v.slug().into()),
            aktenzeichen: a.aktenzeichen.map(String::from),
            eingereicht: a.eingereicht_at,
            gemeinde_ags: a.gemeinde_ags,
            naechste_frist: a.naechste_frist.map(|d| d.to_string()),
            bezeichnung: a.bezeichnung,
            erstellt: a.created_at,
        }
    }
}

seite!(VorgangSeite, CaseOut, "A page of cases, newest first.");

#[utoipa::path(get, path = "/api/v1/cases", tag = "vorgaenge", params(Seitenabfrage),
    responses((status = 200, body = VorgangSeite, description = "Antragstellende: die eigenen Vorgänge und die, an denen sie als Bauherrschaft beteiligt sind. Bauaufsicht und Verwaltung: die eingereichten Vorgänge der Behörde."),
        (status = 401, body = ApiErrorBody), (status = 403, body = ApiErrorBody, description = "Fachstellen erreichen Vorgänge über ihre Anfragen")))]
pub async fn list_cases(
    State(st): State<AppState>,
    caller: ApiCaller,
    Query(q): Query<Seitenabfrage>,
) -> ApiResult<Json<VorgangSeite>> {
    let liste = st
        .verfahren
        .vorgaenge(caller.akteur(), q.nach_id()?, q.limit() + 1)
        .await?;
    let (eintraege, weiter) = q.schneide(liste, |a| a.id);
    Ok(Json(VorgangSeite {
        eintraege: eintraege.into_iter().map(CaseOut::from).collect(),
        weiter,
    }))
}

/// A new case: only its name (the Angaben follow with `PUT …/angaben`), or with its
/// Angaben at once.
#[derive(Deserialize, ToSchema)]
#[schema(example = json!({ "bezeichnung": "Neubau Einfamilienhaus mit Garage" }))]
pub struct NewCase {
    /// What is to be built, e.g. "Neubau Einfamilienhaus mit Garage".
    #[serde(default)]
    pub bezeichnung: String,
    /// The complete Angaben; then `bezeichnung` may be left out.
    pub angaben: Option<AngabenIn>,
}

#[utoipa::path(post, path = "/api/v1/cases", tag = "vorgaenge", request_body = NewCase,
    responses((status = 201, body = CaseOut), (status = 401, body = ApiErrorBody), (status = 403, body = ApiErrorBody, description = "Nur Antragstellende legen Vorgänge an"), (status = 422, body = ApiErrorBody)))]
pub async fn create_case(
    State(st): State<AppState>,
    caller: ApiCaller,
    JsonEingabe(body): JsonEingabe<NewCase>,
) -> ApiResult<(StatusCode, Json<CaseOut>)> {
    let id = match &body.angaben {
        Some(g) => st.verfahren.anlegen(caller.akteur(), &g.eingabe()).await?,
        None => {
            st.verfahren
                .neuer_entwurf(caller.akteur(), &body.bezeichnung)
                .await?
        }
    };
    Ok((StatusCode::CREATED, Json(st.db.antrag(id).await?.into())))
}

#[utoipa::path(get, path = "/api/v1/cases/{id}", tag = "vorgaenge", params(("id" = i64, Path)),
    responses((status = 200, body = CaseOut), (status = 401, body = ApiErrorBody), (status = 404, body = ApiErrorBody)))]
pub async fn get_case(
    State(st): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<i64>,
) -> ApiResult<Json<CaseOut>> {
    Ok(Json(
        st.verfahren.vorgang(caller.akteur(), id).await?.into(),
    ))
}

/// The Angaben of a case as a client sends them.
#[derive(Deserialize, Serialize, ToSchema)]
#[schema(example = json!({
    "verfahren": "vereinfacht",
    "angaben": {
        "bauvorhaben": {"bezeichnung": "Neubau Einfamilienhaus mit Garage", "massnahme": "11", "gebaeudeklasse": "1"},
        "grundstueck": {"strasse": "Lindenweg", "hausnummer": "12", "plz": "34117", "ort": "Kassel",
            "gemeinde_ags": "06611000", "gemarkung": "Musterhausen", "flur": "7", "flurstuecke": ["123/4"]},
        "bauherrschaft": {"name": "Jana Becker", "anschrift": "Goethestraße 41, 34119 Kassel", "email": ""},
        "entwurfsverfasser": {"name": "Anna Architektin", "kammer": "Architekten- und Stadtplanerkammer Hessen", "mitgliedsnummer": "12345"}
    }
}))]
pub struct AngabenIn {
    /// `baugenehmigung`, `vereinfacht`, `freistellung` or `vorbescheid`.
    pub verfahren: String,
    /// Bauvorhaben (its `bezeichnung` names the case), Grundstück, Bauherrschaft,
    /// Entwurfsverfasser/in. The Gemeinde's name is taken from its AGS.
    pub angaben: Angaben,
}

impl AngabenIn {
    fn eingabe(&self) -> AngabenEingabe {
        let mut f = AngabenEingabe::aus(None, &self.angaben.bauvorhaben.bezeichnung, &self.angaben);
        f.verfahren = self.verfahren.clone();
        f
    }
}

/// The stored Angaben of a case.
#[derive(Serialize, ToSchema)]
pub struct AngabenOut {
    pub verfahren: Option<String>,
    pub bezeichnung: String,
    /// `null` while the applicant has not entered them.
    pub angaben: Option<Angaben>,
    /// May they still be changed (a draft of the caller)?
    pub aenderbar: bool,
}

#[utoipa::path(get, path = "/api/v1/cases/{id}/angaben", tag = "vorgaenge", params(("id" = i64, Path)),
    responses((status = 200, body = AngabenOut), (status = 401, body = ApiErrorBody), (status = 404, body = ApiErrorBody)))]
pub async fn get_angaben(
    State(st): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<i64>,
) -> ApiResult<Json<AngabenOut>> {
    let a = st
        .verfahren
        .akte_lesen(caller.akteur(), id, "angaben", caller.lesart())
        .await?;
    Ok(Json(AngabenOut {
        aenderbar: Verfahren::ist_eigentuemer(caller.akteur(), &a)
            && a.zustand == plankammer_domain::vorgang::Zustand::Entwurf,
        verfahren: a.verfahren.map(|v| v.slug().into()),
        bezeichnung: a.bezeichnung,
        angaben: a.angaben,
    }))
}

#[utoipa::path(put, path = "/api/v1/cases/{id}/angaben", tag = "vorgaenge", params(("id" = i64, Path)), request_body = AngabenIn,
    responses((status = 200, body = CaseOut), (status = 401, body = ApiErrorBody), (status = 403, body = ApiErrorBody), (status = 404, body = ApiErrorBody),
        (status = 409, body = ApiErrorBody, description = "Der Antrag ist bereits eingereicht"), (status = 422, body = ApiErrorBody, description = "Jede fehlende oder falsche Angabe als deutscher Satz")))]
pub async fn put_angaben(
    State(st): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<i64>,
    JsonEingabe(body): JsonEingabe<AngabenIn>,
) -> ApiResult<Json<CaseOut>> {
    st.verfahren
        .angaben_speichern(caller.akteur(), id, &body.eingabe())
        .await?;
    Ok(Json(st.db.antrag(id).await?.into()))
}

/// One required or optional Bauvorlage of the procedure.
#[derive(Serialize, ToSchema)]
pub struct PositionOut {
    /// `anlagen_3.0` code.
    pub anlageart: String,
    pub name: String,
    /// "erforderlich", "bei Bedarf" …
    pub anforderung: String,
    pub vorhanden: bool,
    /// Missing or with an error: blocks the submission.
    pub blockiert: bool,
    pub text: String,
}

/// The checklist of a case and whether it may be submitted.
#[derive(Serialize, ToSchema)]
pub struct ChecklisteOut {
    /// `null` while no procedure is chosen.
    pub positionen: Option<Vec<PositionOut>>,
    /// A document is still being checked.
    pub laufend: bool,
    /// Everything that keeps the owner from submitting (checklist, Angaben, Bauherrschaft),
    /// as German sentences; empty when the case may be submitted. Only for the owner.
    pub hindernisse: Vec<String>,
    pub hinweise: Vec<String>,
    /// The Freizeichnung of each invited person of the Bauherrschaft: what it covers and
    /// whether it still holds.
    pub freizeichnungen: Vec<FreizeichnungOut>,
}

/// The Freizeichnung of one person of the Bauherrschaft. It covers the Angaben (as a digest)
/// and the exact document versions at the time of signing; a later change of either
/// invalidates it (after submission only changes of what describes the Vorhaben — see
/// `docs/decisions/0006-freizeichnung.md`), and it must be given again before submission
/// or Nachreichung.
#[derive(Serialize, ToSchema)]
#[schema(example = json!({
    "beteiligter_id": 3, "name": "Jana Becker",
    "zustand": "ungueltig", "freigezeichnet": 1780000200000_i64,
    "sha256": "5d41402abc4b2a76b9719d911017c592c1b1a0f5e0a8e3d2b7c9f1e2d3a4b5c6",
    "gezeichnet": {
        "angaben_sha256": "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
        "unterlagen": [{ "dokument_id": 12, "version_id": 31, "sha256": "2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae", "anlageart": "2001", "bezeichnung": "Grundrisse" }]
    },
    "aenderungen": [{ "art": "neue_version", "dokument_id": 12, "bezeichnung": "Grundrisse", "anlageart": "2001" }],
    "hindernis": "Die Bauherrschaft (Jana Becker) muss den geänderten Antrag erneut freizeichnen: von „Grundrisse“ gibt es eine neue Version."
}))]
pub struct FreizeichnungOut {
    pub beteiligter_id: i64,
    pub name: String,
    /// `nicht_angenommen` (invited), `offen` (not signed), `gueltig`, `ungueltig` (changed
    /// since; must be signed again).
    pub zustand: String,
    /// Unix milliseconds of the last Freizeichnung.
    pub freigezeichnet: Option<i64>,
    /// SHA-256 of what it covers: the Angaben digest and each document's id, version and
    /// content hash.
    pub sha256: Option<String>,
    /// What it covers.
    pub gezeichnet: Option<Freizeichnungsinhalt>,
    /// What changed since, as far as it invalidates the Freizeichnung.
    pub aenderungen: Vec<Aenderung>,
    /// The blocking item for an invalid Freizeichnung, in German.
    pub hindernis: Option<String>,
}

impl From<Freizeichnungsstand> for FreizeichnungOut {
    fn from(f: Freizeichnungsstand) -> Self {
        FreizeichnungOut {
            hindernis: f.hindernis(),
            beteiligter_id: f.beteiligter_id,
            name: f.name,
            zustand: match f.zustand {
                FreizeichnungsZustand::NichtAngenommen => "nicht_angenommen",
                FreizeichnungsZustand::Offen => "offen",
                FreizeichnungsZustand::Gueltig => "gueltig",
                FreizeichnungsZustand::Ungueltig => "ungueltig",
            }
            .into(),
            freigezeichnet: f.freigezeichnet_at,
            sha256: f.sha256,
            gezeichnet: f.gezeichnet,
            aenderungen: f.aenderungen,
        }
    }
}

#[utoipa::path(get, path = "/api/v1/cases/{id}/checkliste", tag = "vorgaenge", params(("id" = i64, Path)),
    responses((status = 200, body = ChecklisteOut), (status = 401, body = ApiErrorBody), (status = 404, body = ApiErrorBody)))]
pub async fn checkliste(
    State(st): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<i64>,
) -> ApiResult<Json<ChecklisteOut>> {
    let a = st.verfahren.vorgang(caller.akteur(), id).await?;
    let stand = st.verfahren.checklistenstand(&a).await?;
    let hindernisse = if Verfahren::ist_eigentuemer(caller.akteur(), &a)
        && a.zustand == plankammer_domain::vorgang::Zustand::Entwurf
    {
        st.verfahren
            .einreichungshindernisse(&a, stand.as_ref().map(|s| &s.auswertung))
            .await?
    } else {
        vec![]
    };
    Ok(Json(ChecklisteOut {
        laufend: stand.as_ref().is_some_and(|s| s.laufend),
        hinweise: stand
            .as_ref()
            .map(|s| s.auswertung.hinweise.clone())
            .unwrap_or_default(),
        positionen: stand.map(|s| {
            s.auswertung
                .positionen
                .iter()
                .map(|p| PositionOut {
                    anlageart: p.anlageart.clone(),
                    name: p.name.clone(),
                    anforderung: p.anforderung.bezeichnung(),
                    vorhanden: p.vorhanden,
                    blockiert: p.blockiert,
                    text: p.text.clone(),
                })
                .collect()
        }),
        hindernisse,
        freizeichnungen: st
            .verfahren
            .freizeichnungen(&a)
            .await?
            .into_iter()
            .map(FreizeichnungOut::from)
            .collect(),
    }))
}

/// An invited Bauherrschaft.
#[derive(Serialize, ToSchema)]
pub struct BeteiligterOut {
    pub id: i64,
    pub name: String,
    pub email: String,
    pub eingeladen: i64,
    pub angenommen: Option<i64>,
    pub freigezeichnet: Option<i64>,
    /// `nicht_angenommen`, `offen`, `gueltig`, `ungueltig` (see [`FreizeichnungOut`]).
    pub freizeichnung: String,
}

seite!(
    BeteiligterSeite,
    BeteiligterOut,
    "A page of the case's Bauherrschaft, in the order invited."
);

#[utoipa::path(get, path = "/api/v1/cases/{id}/beteiligte", tag = "vorgaenge", params(("id" = i64, Path), Seitenabfrage),
    responses((status = 200, body = BeteiligterSeite), (status = 401, body = ApiErrorBody), (status = 404, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub async fn beteiligte(
    State(st): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<i64>,
    Query(q): Query<Seitenabfrage>,
) -> ApiResult<Json<BeteiligterSeite>> {
    let a = st.verfahren.vorgang(caller.akteur(), id).await?;
    let (seite, weiter) = q.blaettere(st.db.beteiligte(a.id).await?)?;
    let stand = st.verfahren.freizeichnungen(&a).await?;
    Ok(Json(BeteiligterSeite {
        eintraege: seite
            .into_iter()
            .map(|b| BeteiligterOut {
                freizeichnung: stand
                    .iter()
                    .find(|f| f.beteiligter_id == b.id)
                    .map(|f| FreizeichnungOut::from(f.clone()).zustand)
                    .unwrap_or_default(),
                id: b.id,
                name: b.name,
                email: b.email,
                eingeladen: b.eingeladen_at,
                angenommen: b.angenommen_at,
                freigezeichnet: b.freigezeichnet_at,
            })
            .collect(),
        weiter,
    }))
}

/// Whom to invite as Bauherrschaft.
#[derive(Deserialize, ToSchema)]
#[schema(example = json!({ "name": "Jana Becker", "email": "becker@example.org" }))]
pub struct EinladungIn {
    pub name: String,
    pub email: String,
}

#[utoipa::path(post, path = "/api/v1/cases/{id}/beteiligte", tag = "vorgaenge", params(("id" = i64, Path)), request_body = EinladungIn,
    responses((status = 201, description = "Eingeladen; die Person erhält eine E-Mail mit dem Link"), (status = 401, body = ApiErrorBody), (status = 403, body = ApiErrorBody), (status = 404, body = ApiErrorBody), (status = 409, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub async fn einladen(
    State(st): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<i64>,
    JsonEingabe(body): JsonEingabe<EinladungIn>,
) -> ApiResult<StatusCode> {
    st.verfahren
        .einladen(caller.akteur(), id, &body.name, &body.email)
        .await?;
    Ok(StatusCode::CREATED)
}

#[utoipa::path(post, path = "/api/v1/einladungen/{secret}/annahme", tag = "vorgaenge", params(("secret" = String, Path, description = "Aus dem Link der Einladungs-E-Mail")),
    responses((status = 200, body = CaseOut, description = "Angenommen; der Vorgang ist jetzt sichtbar"), (status = 401, body = ApiErrorBody), (status = 422, body = ApiErrorBody, description = "Ungültig, schon angenommen, oder für eine andere Adresse")))]
pub async fn annehmen(
    State(st): State<AppState>,
    caller: ApiCaller,
    Path(secret): Path<String>,
) -> ApiResult<Json<CaseOut>> {
    let id = st
        .verfahren
        .einladung_annehmen(caller.akteur(), &secret)
        .await?;
    Ok(Json(st.db.antrag(id).await?.into()))
}

#[utoipa::path(post, path = "/api/v1/cases/{id}/freizeichnung", tag = "vorgaenge", params(("id" = i64, Path)),
    responses((status = 204, description = "Die Bauherrschaft hat den Antrag freigezeichnet: die Angaben und die jetzigen Fassungen der Unterlagen (mit ihren SHA-256). Vor dem Einreichen und erneut, wenn eine Änderung die Freizeichnung ungültig gemacht hat (auch während einer Nachforderung)"), (status = 401, body = ApiErrorBody), (status = 403, body = ApiErrorBody, description = "Nur die eingeladene Bauherrschaft"), (status = 404, body = ApiErrorBody), (status = 409, body = ApiErrorBody, description = "Bereits gültig freigezeichnet, oder keine Freizeichnung mehr nötig")))]
pub async fn freizeichnen(
    State(st): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<i64>,
) -> ApiResult<StatusCode> {
    st.verfahren.freizeichnen(caller.akteur(), id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The Eingangsbestätigung.
#[derive(Serialize, ToSchema)]
#[schema(example = json!({ "aktenzeichen": "BA-2026-00001", "fassung": 1, "unterlagen": 8 }))]
pub struct EingangOut {
    pub aktenzeichen: String,
    /// The number of the frozen Fassung (1).
    pub fassung: i64,
    /// Documents in it.
    pub unterlagen: usize,
}

#[utoipa::path(post, path = "/api/v1/cases/{id}/einreichung", tag = "vorgaenge", params(("id" = i64, Path)),
    responses((status = 201, body = EingangOut, description = "Eingereicht: Aktenzeichen, Fassung 1, Eingangsbestätigung per E-Mail"), (status = 401, body = ApiErrorBody), (status = 403, body = ApiErrorBody), (status = 404, body = ApiErrorBody),
        (status = 409, body = ApiErrorBody, description = "Bereits eingereicht, oder der Antrag wurde nach der Freizeichnung geändert und muss erneut freigezeichnet werden"), (status = 422, body = ApiErrorBody, description = "Was noch fehlt, als deutsche Sätze")))]
pub async fn einreichen(
    State(st): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<i64>,
) -> ApiResult<(StatusCode, Json<EingangOut>)> {
    let e = st.verfahren.einreichen(caller.akteur(), id).await?;
    Ok((
        StatusCode::CREATED,
        Json(EingangOut {
            aktenzeichen: e.aktenzeichen.into(),
            fassung: e.fassung,
            unterlagen: e.unterlagen,
        }),
    ))
}

/// A Fassung: a frozen state of the whole document set.
#[derive(Serialize, ToSchema)]
pub struct FassungOut {
    pub nummer: i64,
    pub erstellt: i64,
    pub dokumente: Vec<FassungsDokumentOut>,
}

/// A document in the version a Fassung holds.
#[derive(Serialize, ToSchema)]
pub struct FassungsDokumentOut {
    pub dokument_id: i64,
    pub bezeichnung: String,
    pub anlageart: Option<String>,
    pub version_id: i64,
    pub version: i64,
    pub dateiname: String,
    pub sha256: String,
}

impl From<FassungsDokument> for FassungsDokumentOut {
    fn from(d: FassungsDokument) -> Self {
        FassungsDokumentOut {
            dokument_id: d.dokument_id,
            bezeichnung: d.bezeichnung,
            anlageart: d.anlageart.map(String::from),
            version_id: d.version_id,
            version: d.version_nummer,
            dateiname: d.dateiname,
            sha256: d.sha256,
        }
    }
}

#[utoipa::path(post, path = "/api/v1/cases/{id}/nachreichung", tag = "vorgaenge", params(("id" = i64, Path)),
    responses((status = 201, body = FassungOut, description = "Die nachgereichten Unterlagen als nächste Fassung"), (status = 401, body = ApiErrorBody), (status = 403, body = ApiErrorBody), (status = 404, body = ApiErrorBody), (status = 409, body = ApiErrorBody, description = "Es ist nichts nachgefordert, oder die Bauherrschaft muss geänderte Pläne oder Antragsunterlagen erst erneut freizeichnen"), (status = 422, body = ApiErrorBody, description = "Eine Unterlage wird noch geprüft")))]
pub async fn nachreichen(
    State(st): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<i64>,
) -> ApiResult<(StatusCode, Json<FassungOut>)> {
    let f = st.verfahren.nachreichen(caller.akteur(), id).await?;
    let dokumente = st
        .db
        .fassung_dokumente(f.id)
        .await?
        .into_iter()
        .map(FassungsDokumentOut::from)
        .collect();
    Ok((
        StatusCode::CREATED,
        Json(FassungOut {
            nummer: f.nummer,
            erstellt: f.created_at,
            dokumente,
        }),
    ))
}

/// Why the application is withdrawn (optional).
#[derive(Deserialize, ToSchema, Default)]
#[serde(default)]
#[schema(example = json!({ "grund": "Das Grundstück wird nicht gekauft." }))]
pub struct RuecknahmeIn {
    pub grund: String,
}

#[utoipa::path(post, path = "/api/v1/cases/{id}/ruecknahme", tag = "vorgaenge", params(("id" = i64, Path)), request_body = RuecknahmeIn,
    responses((status = 204, description = "Zurückgenommen: der Vorgang ist beendet (Status 15), die Fristen enden, Antragsteller und Bauaufsicht werden benachrichtigt"), (status = 401, body = ApiErrorBody), (status = 403, body = ApiErrorBody), (status = 404, body = ApiErrorBody), (status = 409, body = ApiErrorBody, description = "Ein Entwurf oder ein abgeschlossener Vorgang kann nicht zurückgezogen werden"), (status = 422, body = ApiErrorBody)))]
pub async fn zuruecknehmen(
    State(st): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<i64>,
    JsonEingabe(body): JsonEingabe<RuecknahmeIn>,
) -> ApiResult<StatusCode> {
    st.verfahren
        .zurueckziehen(caller.akteur(), id, &body.grund)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// An entry of the timeline.
#[derive(Serialize, ToSchema)]
pub struct EreignisOut {
    pub id: i64,
    /// Unix milliseconds.
    pub wann: i64,
    /// The person; `null`: the system (a deadline).
    pub wer: Option<String>,
    /// The kind, e.g. `einreichen`, `nachfordern`, `beteiligung_angefragt`.
    pub art: String,
    pub text: String,
    /// For a state change: the new state and its `statusbauportal_3.0` code.
    pub zustand: Option<String>,
    pub status_code: Option<String>,
}

seite!(
    EreignisSeite,
    EreignisOut,
    "A page of the timeline, oldest first."
);

#[utoipa::path(get, path = "/api/v1/cases/{id}/zeitleiste", tag = "vorgaenge", params(("id" = i64, Path), Seitenabfrage),
    responses((status = 200, body = EreignisSeite, description = "Antragstellende sehen die Einträge der Beteiligung nicht, die nur die Behörden betreffen"), (status = 401, body = ApiErrorBody), (status = 404, body = ApiErrorBody)))]
pub async fn zeitleiste(
    State(st): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<i64>,
    Query(q): Query<Seitenabfrage>,
) -> ApiResult<Json<EreignisSeite>> {
    let alle: Vec<EreignisOut> = st
        .verfahren
        .zeitleiste(caller.akteur(), id)
        .await?
        .into_iter()
        .map(|e| EreignisOut {
            id: e.id,
            wann: e.at,
            wer: e.user_name,
            art: e.art.slug().into(),
            text: e.text,
            zustand: e.zustand.map(|z| z.slug().into()),
            status_code: e.status_code,
        })
        .collect();
    let (eintraege, weiter) = q.blaettere(alle)?;
    Ok(Json(EreignisSeite { eintraege, weiter }))
}

seite!(
    FassungSeite,
    FassungOut,
    "A page of the case's Fassungen, oldest first."
);

#[utoipa::path(get, path = "/api/v1/cases/{id}/fassungen", tag = "vorgaenge", params(("id" = i64, Path), Seitenabfrage),
    responses((status = 200, body = FassungSeite), (status = 401, body = ApiErrorBody), (status = 404, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub async fn fassungen(
    State(st): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<i64>,
    Query(q): Query<Seitenabfrage>,
) -> ApiResult<Json<FassungSeite>> {
    let a = st.verfahren.vorgang(caller.akteur(), id).await?;
    let (seite, weiter) = q.blaettere(st.db.fassungen(a.id).await?)?;
    let mut out = Vec::new();
    for f in seite {
        out.push(FassungOut {
            nummer: f.nummer,
            erstellt: f.created_at,
            dokumente: st
                .db
                .fassung_dokumente(f.id)
                .await?
                .into_iter()
                .map(FassungsDokumentOut::from)
                .collect(),
        });
    }
    Ok(Json(FassungSeite {
        eintraege: out,
        weiter,
    }))
}

/// A page that changed.
#[derive(Serialize, ToSchema)]
pub struct SeitenaenderungOut {
    pub nummer: i64,
    pub grund: String,
}

/// A document whose version changed.
#[derive(Serialize, ToSchema)]
pub struct ErsetzungOut {
    pub alt: FassungsDokumentOut,
    pub neu: FassungsDokumentOut,
    pub gleicher_inhalt: bool,
    /// `null` while the pipeline has not read both versions.
    pub seiten: Option<Vec<SeitenaenderungOut>>,
}

/// What changed from the second-last to the last Fassung.
#[derive(Serialize, ToSchema)]
pub struct VergleichOut {
    pub von: i64,
    pub nach: i64,
    pub hinzugefuegt: Vec<FassungsDokumentOut>,
    pub entfernt: Vec<FassungsDokumentOut>,
    pub ersetzt: Vec<ErsetzungOut>,
    pub unveraendert: usize,
}

impl From<Fassungsvergleich> for VergleichOut {
    fn from(v: Fassungsvergleich) -> Self {
        VergleichOut {
            von: v.von,
            nach: v.nach,
            hinzugefuegt: v.hinzugefuegt.into_iter().map(Into::into).collect(),
            entfernt: v.entfernt.into_iter().map(Into::into).collect(),
            ersetzt: v
                .ersetzt
                .into_iter()
                .map(|e| ErsetzungOut {
                    alt: e.alt.into(),
                    neu: e.neu.into(),
                    gleicher_inhalt: e.gleicher_inhalt,
                    seiten: e.seiten.map(|s| {
                        s.into_iter()
                            .map(|x| SeitenaenderungOut {
                                nummer: x.nummer,
                                grund: x.grund,
                            })
                            .collect()
                    }),
                })
                .collect(),
            unveraendert: v.unveraendert,
        }
    }
}

#[utoipa::path(get, path = "/api/v1/cases/{id}/fassungsvergleich", tag = "pruefung", params(("id" = i64, Path)),
    responses((status = 200, body = VergleichOut), (status = 204, description = "Weniger als zwei Fassungen"), (status = 401, body = ApiErrorBody), (status = 404, body = ApiErrorBody, description = "Nur für die Bauaufsicht der Behörde")))]
pub async fn fassungsvergleich(
    State(st): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<i64>,
) -> ApiResult<axum::response::Response> {
    use axum::response::IntoResponse;
    Ok(
        match st.verfahren.fassungsvergleich(caller.akteur(), id).await? {
            Some(v) => Json(VergleichOut::from(v)).into_response(),
            None => StatusCode::NO_CONTENT.into_response(),
        },
    )
}

/// A Befund of the formelle Prüfung.
#[derive(Serialize, ToSchema)]
pub struct BefundOut {
    pub id: i64,
    /// The round of the Prüfung (1, 2, …).
    pub runde: i64,
    /// `formellebefundeart_2.0` code.
    pub code: String,
    pub art: String,
    pub text: String,
    pub dokument_id: Option<i64>,
    pub erstellt: i64,
}

seite!(
    BefundSeite,
    BefundOut,
    "A page of the case's Befunde, by round."
);

#[utoipa::path(get, path = "/api/v1/cases/{id}/befunde", tag = "pruefung", params(("id" = i64, Path), Seitenabfrage),
    responses((status = 200, body = BefundSeite), (status = 401, body = ApiErrorBody), (status = 404, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub async fn befunde(
    State(st): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<i64>,
    Query(q): Query<Seitenabfrage>,
) -> ApiResult<Json<BefundSeite>> {
    let a = st.verfahren.vorgang(caller.akteur(), id).await?;
    let (seite, weiter) = q.blaettere(st.db.befunde(a.id).await?)?;
    Ok(Json(BefundSeite {
        eintraege: seite
            .into_iter()
            .map(|b| BefundOut {
                art: plankammer_domain::codeliste::formelle_befunde()
                    .name(&b.code)
                    .unwrap_or_default()
                    .to_string(),
                id: b.id,
                runde: b.runde,
                code: b.code,
                text: b.text,
                dokument_id: b.dokument_id,
                erstellt: b.created_at,
            })
            .collect(),
        weiter,
    }))
}

/// A deadline of a case.
#[derive(Serialize, ToSchema)]
pub struct FristOut {
    pub id: i64,
    pub vorgang_id: i64,
    /// `nachforderung` or `entscheidung`.
    pub art: String,
    pub rechtsgrundlage: String,
    /// The day of the event (not counted), `YYYY-MM-DD`.
    pub start: String,
    /// The last day, `YYYY-MM-DD`.
    pub ende: String,
    /// Why it ends on that day, in German.
    pub erklaerung: String,
    /// `laeuft`, `faellig`, `ausgeloest`, `erledigt`.
    pub zustand: String,
}

impl From<plankammer_storage::antrag::Frist> for FristOut {
    fn from(f: plankammer_storage::antrag::Frist) -> Self {
        FristOut {
            id: f.id,
            vorgang_id: f.vorgang_id,
            art: f.art.slug().into(),
            rechtsgrundlage: f.rechtsgrundlage,
            start: f.start.to_string(),
            ende: f.ende.to_string(),
            erklaerung: f.erklaerung,
            zustand: f.zustand.slug().into(),
        }
    }
}

seite!(
    FristSeite,
    FristOut,
    "A page of the case's deadlines, by their last day."
);

#[utoipa::path(get, path = "/api/v1/cases/{id}/fristen", tag = "vorgaenge", params(("id" = i64, Path), Seitenabfrage),
    responses((status = 200, body = FristSeite, description = "Antragstellende: die laufenden Fristen; Bauaufsicht: alle"), (status = 401, body = ApiErrorBody), (status = 404, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub async fn fristen(
    State(st): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<i64>,
    Query(q): Query<Seitenabfrage>,
) -> ApiResult<Json<FristSeite>> {
    let alle = st
        .verfahren
        .fristen_des_vorgangs(caller.akteur(), id)
        .await?;
    let (seite, weiter) = q.blaettere(alle)?;
    Ok(Json(FristSeite {
        eintraege: seite.into_iter().map(FristOut::from).collect(),
        weiter,
    }))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SearchQuery {
    /// Words to find (all of them), e.g. `Brandwand Garage`.
    q: String,
    /// Entries per page, 1–200 (default 50).
    limit: Option<i64>,
    /// The `weiter` of the previous page.
    nach: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct SearchHit {
    pub version_id: i64,
    pub seite: i64,
    /// The passage, hits marked with « ».
    pub auszug: String,
}

seite!(SearchSeite, SearchHit, "A page of search hits, best first.");

#[utoipa::path(get, path = "/api/v1/cases/{id}/search", tag = "vorgaenge", params(("id" = i64, Path), SearchQuery),
    responses((status = 200, body = SearchSeite, description = "Seiten der Bauvorlagen, die alle Wörter enthalten, beste zuerst (höchstens 50)"), (status = 401, body = ApiErrorBody), (status = 404, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub async fn search(
    State(st): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<i64>,
    Query(q): Query<SearchQuery>,
) -> ApiResult<Json<SearchSeite>> {
    let treffer = st.verfahren.suche(caller.akteur(), id, &q.q).await?;
    let seite = Seitenabfrage {
        limit: q.limit,
        nach: q.nach,
    };
    let (treffer, weiter) = seite.blaettere(treffer)?;
    Ok(Json(SearchSeite {
        eintraege: treffer
            .into_iter()
            .map(|t| SearchHit {
                version_id: t.version_id,
                seite: t.seite,
                auszug: t.auszug,
            })
            .collect(),
        weiter,
    }))
}

/// The procedure of a query parameter.
pub fn verfahren_angabe(s: Option<&str>) -> Result<Option<Verfahrensart>, AppError> {
    match s.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(v) => Verfahrensart::from_slug(v).map(Some).ok_or_else(|| {
            AppError::Invalid(
                "Unbekannte Verfahrensart; erlaubt: baugenehmigung, vereinfacht, freistellung, vorbescheid.".into(),
            )
        }),
    }
}
