//! `/api/v1` for the Bescheid: the case worker's draft (with the defaults a new one starts
//! with: the Nebenbestimmungen of the Stellungnahmen that count, the tenant's
//! Rechtsbehelfsbelehrung, every plan of the newest Fassung), issuing it and where issuing
//! stands, a retry of a failed issuing job; the issued Bescheid's PDF and its stamped plans
//! for whoever sees the case. The same steps as the pages
//! ([`plankammer_verfahren::bescheid`]).

use super::eingabe::JsonEingabe;
use crate::error::{ApiErrorBody, ApiResult};
use crate::gemeinsam::download::pdf_anhang;
use crate::sitzung::ApiCaller;
use crate::{AppError, AppState};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Json, Router};
use plankammer_domain::bescheid::{Gebuehr, euro, gebuehren_summe};
use plankammer_domain::codeliste;
use plankammer_storage::antrag::Antrag;
use plankammer_storage::bescheid::BescheidAkte;
use plankammer_verfahren::bescheid::{
    Downloads, Entwurfseingabe, Erlassantrag, Erlassstand, GebZeile, NbZeile, betrag_feld,
    betrag_in_cent, ist_plan,
};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use utoipa::{OpenApi, ToSchema};

pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/api/v1/cases/{id}/bescheid",
            get(get_bescheid).put(put_bescheid),
        )
        .route(
            "/api/v1/cases/{id}/bescheid/erlass",
            get(get_erlass).post(post_erlass),
        )
        .route(
            "/api/v1/cases/{id}/bescheid/erlass/wiederholung",
            post(wiederholen),
        )
        .route("/api/v1/cases/{id}/bescheid/pdf", get(bescheid_pdf))
        .route("/api/v1/cases/{id}/bescheid/plaene/{did}", get(plan_pdf))
}

#[derive(OpenApi)]
#[openapi(
    paths(
        get_bescheid,
        put_bescheid,
        post_erlass,
        get_erlass,
        wiederholen,
        bescheid_pdf,
        plan_pdf
    ),
    components(schemas(
        BescheidOut,
        BescheidNebenbestimmungOut,
        BescheidQuelleOut,
        BescheidGebuehrOut,
        BescheidPlanOut,
        BescheidEntwurfIn,
        BescheidNebenbestimmungIn,
        BescheidGebuehrIn,
        ErlassstandOut,
        BescheidDownloadsOut,
        GestempelterPlanOut
    )),
    tags((name = "bescheid", description = "Entwurf und Erlass des Bescheids (Bauaufsicht); der erlassene Bescheid und die gestempelten Pläne für alle, die den Vorgang sehen"))
)]
pub struct Doc;

// --- Output ---------------------------------------------------------------------------------

/// The Stellungnahme a Nebenbestimmung was carried over from.
#[derive(Serialize, ToSchema)]
pub struct BescheidQuelleOut {
    pub stellungnahme_id: i64,
    /// The Stelle that asked for it; `null` when the Stellungnahme no longer counts.
    pub stelle: Option<String>,
}

/// A Nebenbestimmung of the draft.
#[derive(Serialize, ToSchema)]
pub struct BescheidNebenbestimmungOut {
    /// `nebenbestimmungart_3.0`: 1 Bedingung, 2 Auflage, 3 Vorbehalt, 4 Hinweis, 5 auflösende,
    /// 6 aufschiebende Bedingung.
    pub art: String,
    pub art_bezeichnung: Option<String>,
    pub text: String,
    /// The Stelle's reasons, carried over with it.
    pub begruendung: String,
    /// `null`: the Bauaufsicht's own.
    pub quelle: Option<BescheidQuelleOut>,
}

/// A fee line of the draft.
#[derive(Serialize, ToSchema)]
pub struct BescheidGebuehrOut {
    pub beschreibung: String,
    /// In cents; negative for a reduction.
    pub betrag_cent: i64,
    /// "1.234,56 €".
    pub betrag: String,
}

/// A document of the newest Fassung, which the Bescheid may approve.
#[derive(Serialize, ToSchema)]
pub struct BescheidPlanOut {
    pub dokument_id: i64,
    pub bezeichnung: String,
    pub anlageart: Option<String>,
    pub dateiname: String,
    pub version: i64,
    pub sha256: String,
    /// A plan (Lageplan, Grundrisse, Schnitte, Ansichten …): approved and stamped by default.
    pub plan: bool,
}

/// The Bescheid of a case as the case worker drafts it: the stored draft, or the defaults a
/// new one starts with (`bescheid_id` null).
#[derive(Serialize, ToSchema)]
#[schema(example = json!({
    "vorgang_id": 7, "bescheid_id": 3, "tenor": "genehmigung",
    "tenor_text": "Die Baugenehmigung für das Vorhaben „Neubau Einfamilienhaus“ wird erteilt.",
    "begruendung": "", "rechtsbehelfsbelehrung": "Gegen diesen Bescheid kann innerhalb eines Monats Widerspruch erhoben werden.",
    "nebenbestimmungen": [{"art": "2", "art_bezeichnung": "Auflage", "text": "Die Feuerwehrzufahrt ist dauerhaft freizuhalten.", "begruendung": "", "quelle": {"stellungnahme_id": 11, "stelle": "Brandschutzdienststelle"}}],
    "gebuehren": [{"beschreibung": "Genehmigungsgebühr", "betrag_cent": 123456, "betrag": "1.234,56 €"}],
    "summe": "1.234,56 €", "plaene": [21, 22],
    "angebot": [{"dokument_id": 21, "bezeichnung": "Lageplan", "anlageart": "1803", "dateiname": "lageplan.pdf", "version": 1, "sha256": "9f2c…", "plan": true}],
    "bearbeitbar": true, "hindernisse": [], "erlass": null
}))]
pub struct BescheidOut {
    pub vorgang_id: i64,
    /// `null`: nothing stored yet; what is shown is the suggestion a new draft starts with.
    pub bescheid_id: Option<i64>,
    /// `genehmigung`, `ablehnung` or `vorbescheid`.
    pub tenor: String,
    pub tenor_text: String,
    pub begruendung: String,
    pub rechtsbehelfsbelehrung: String,
    pub nebenbestimmungen: Vec<BescheidNebenbestimmungOut>,
    pub gebuehren: Vec<BescheidGebuehrOut>,
    /// The sum of the fees, `null` when there are none.
    pub summe: Option<String>,
    /// The documents the Bescheid approves.
    pub plaene: Vec<i64>,
    /// What can be approved: the documents of the newest Fassung.
    pub angebot: Vec<BescheidPlanOut>,
    /// The draft can still be changed (issuing has not begun, the case is not closed).
    pub bearbeitbar: bool,
    /// Why the stored draft cannot be issued now, as German sentences; empty when it can.
    pub hindernisse: Vec<String>,
    /// Where issuing stands, once it began.
    pub erlass: Option<ErlassstandOut>,
}

/// A stamped plan of an issued Bescheid.
#[derive(Serialize, ToSchema)]
pub struct GestempelterPlanOut {
    pub dokument_id: i64,
    pub bezeichnung: String,
    pub version_id: i64,
    pub dateiname: String,
    /// Where to download it.
    pub download: String,
}

/// The downloads of an issued Bescheid.
#[derive(Serialize, ToSchema)]
pub struct BescheidDownloadsOut {
    /// "Baugenehmigung", "Ablehnung des Bauantrags", "Vorbescheid".
    pub titel: String,
    pub nummer: Option<String>,
    /// `YYYY-MM-DD`.
    pub datum: Option<String>,
    /// Where to download the Bescheid (PDF).
    pub pdf: String,
    pub plaene: Vec<GestempelterPlanOut>,
}

/// Where issuing a Bescheid stands.
#[derive(Serialize, ToSchema)]
#[schema(example = json!({
    "erlassen": false, "fehlgeschlagen": false, "fehler": null, "fortschritt": 40,
    "notiz": "Pläne werden gestempelt (1 von 2)", "nummer": "BA-2026-00001-B1", "downloads": null
}))]
pub struct ErlassstandOut {
    pub erlassen: bool,
    /// The issuing job failed for good; `POST …/erlass/wiederholung` queues it again.
    pub fehlgeschlagen: bool,
    /// The job's German reason, when it failed.
    pub fehler: Option<String>,
    /// Percent.
    pub fortschritt: i64,
    pub notiz: Option<String>,
    pub nummer: Option<String>,
    /// Once issued.
    pub downloads: Option<BescheidDownloadsOut>,
}

fn downloads_out(vorgang_id: i64, d: Downloads) -> BescheidDownloadsOut {
    BescheidDownloadsOut {
        titel: d.titel.into(),
        nummer: d.nummer,
        datum: d.datum.map(|t| t.format("%Y-%m-%d").to_string()),
        pdf: format!("/api/v1/cases/{vorgang_id}/bescheid/pdf"),
        plaene: d
            .plaene
            .into_iter()
            .map(|p| GestempelterPlanOut {
                download: format!(
                    "/api/v1/cases/{vorgang_id}/bescheid/plaene/{}",
                    p.dokument_id
                ),
                dokument_id: p.dokument_id,
                bezeichnung: p.bezeichnung,
                version_id: p.version_id,
                dateiname: p.dateiname,
            })
            .collect(),
    }
}

impl From<Erlassstand> for ErlassstandOut {
    fn from(s: Erlassstand) -> Self {
        ErlassstandOut {
            erlassen: s.erlassen,
            fehlgeschlagen: s.fehlgeschlagen,
            fehler: s.fehler,
            fortschritt: s.fortschritt,
            notiz: s.notiz,
            nummer: s.nummer,
            downloads: s.downloads.map(|d| downloads_out(s.vorgang_id, d)),
        }
    }
}

/// The draft (or the defaults of a new one) with what the case worker needs around it.
async fn bescheid_out(
    st: &AppState,
    a: &Antrag,
    akte: Option<&BescheidAkte>,
) -> Result<BescheidOut, AppError> {
    let f = st.verfahren.formular(a, akte).await?;
    let stelle_von: HashMap<i64, String> = st
        .verfahren
        .zaehlende_stellungnahmen(a.id)
        .await?
        .into_iter()
        .map(|s| (s.id.0, s.stelle_name))
        .collect();
    let arten = codeliste::nebenbestimmungsarten();
    let betraege: Vec<Gebuehr> = f
        .gebuehren
        .iter()
        .map(|g| Gebuehr {
            beschreibung: g.beschreibung.clone(),
            betrag_cent: betrag_in_cent(&g.betrag).unwrap_or_default(),
        })
        .collect();
    let summe = gebuehren_summe(&betraege)
        .filter(|_| !betraege.is_empty())
        .map(euro);
    let gebuehren: Vec<BescheidGebuehrOut> = betraege
        .into_iter()
        .map(|g| BescheidGebuehrOut {
            betrag: euro(g.betrag_cent),
            beschreibung: g.beschreibung,
            betrag_cent: g.betrag_cent,
        })
        .collect();
    let angebot = st
        .verfahren
        .plan_angebot(a.id)
        .await?
        .iter()
        .map(|d| BescheidPlanOut {
            dokument_id: d.dokument_id,
            bezeichnung: d.bezeichnung.clone(),
            anlageart: d.anlageart.as_ref().map(|x| x.code().to_string()),
            dateiname: d.dateiname.clone(),
            version: d.version_nummer,
            sha256: d.sha256.clone(),
            plan: ist_plan(d),
        })
        .collect();
    let beantragt = akte.is_some_and(BescheidAkte::ist_beantragt);
    let (hindernisse, erlass) = match akte {
        Some(b) => (
            st.verfahren.erlass_hindernisse(a, b).await?,
            if beantragt {
                Some(st.verfahren.erlass_stand(a, b).await?.into())
            } else {
                None
            },
        ),
        None => (vec![], None),
    };
    Ok(BescheidOut {
        vorgang_id: a.id,
        bescheid_id: akte.map(|b| b.id),
        tenor: f.tenor,
        tenor_text: f.tenor_text,
        begruendung: f.begruendung,
        rechtsbehelfsbelehrung: f.rechtsbehelfsbelehrung,
        nebenbestimmungen: f
            .nebenbestimmungen
            .into_iter()
            .map(|z| BescheidNebenbestimmungOut {
                art_bezeichnung: arten.name(&z.art).map(str::to_string),
                quelle: z.quelle.map(|id| BescheidQuelleOut {
                    stellungnahme_id: id,
                    stelle: stelle_von.get(&id).cloned(),
                }),
                art: z.art,
                text: z.text,
                begruendung: z.begruendung,
            })
            .collect(),
        gebuehren,
        summe,
        plaene: f.plaene,
        angebot,
        bearbeitbar: !beantragt && !a.zustand.ist_abgeschlossen(),
        hindernisse,
        erlass,
    })
}

// --- The draft ------------------------------------------------------------------------------

#[utoipa::path(get, path = "/api/v1/cases/{id}/bescheid", tag = "bescheid", params(("id" = i64, Path)),
    responses((status = 200, body = BescheidOut, description = "Der gespeicherte Entwurf, sonst der Vorschlag für einen neuen"), (status = 401, body = ApiErrorBody),
        (status = 404, body = ApiErrorBody, description = "Kein Vorgang der eigenen Behörde, oder keine Bauaufsicht")))]
pub async fn get_bescheid(
    State(st): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<i64>,
) -> ApiResult<Json<BescheidOut>> {
    let (a, akte) = st
        .verfahren
        .bescheid_der_bauaufsicht(caller.akteur(), id)
        .await?;
    Ok(Json(bescheid_out(&st, &a, akte.as_ref()).await?))
}

/// A carried-over or own Nebenbestimmung.
#[derive(Deserialize, ToSchema)]
#[schema(example = json!({"art": "2", "text": "Die Feuerwehrzufahrt ist dauerhaft freizuhalten.", "begruendung": "", "quelle": 11}))]
pub struct BescheidNebenbestimmungIn {
    /// `nebenbestimmungart_3.0` code, e.g. `2` (Auflage).
    pub art: String,
    pub text: String,
    /// The Stelle's reasons (kept only with a `quelle`).
    #[serde(default)]
    pub begruendung: String,
    /// The Stellungnahme (of this case, one that counts) it is carried over from; `null` for
    /// the Bauaufsicht's own.
    #[serde(default)]
    pub quelle: Option<i64>,
}

/// A fee line.
#[derive(Deserialize, ToSchema)]
#[schema(example = json!({"beschreibung": "Genehmigungsgebühr", "betrag_cent": 123456}))]
pub struct BescheidGebuehrIn {
    pub beschreibung: String,
    /// In cents, at most 1 Mrd. €; negative for a reduction (the sum may not be negative).
    pub betrag_cent: i64,
}

/// The whole draft: it replaces the stored one.
#[derive(Deserialize, ToSchema)]
#[schema(example = json!({
    "tenor": "genehmigung",
    "tenor_text": "Die Baugenehmigung für das Vorhaben „Neubau Einfamilienhaus“ wird erteilt.",
    "begruendung": "Das Vorhaben ist zulässig.",
    "rechtsbehelfsbelehrung": "Gegen diesen Bescheid kann innerhalb eines Monats Widerspruch erhoben werden.",
    "nebenbestimmungen": [{"art": "2", "text": "Die Feuerwehrzufahrt ist dauerhaft freizuhalten.", "quelle": 11}, {"art": "4", "text": "Der Baubeginn ist anzuzeigen."}],
    "gebuehren": [{"beschreibung": "Genehmigungsgebühr", "betrag_cent": 123456}],
    "plaene": [21, 22]
}))]
pub struct BescheidEntwurfIn {
    /// `genehmigung`, `ablehnung` or `vorbescheid`.
    #[serde(default)]
    pub tenor: String,
    #[serde(default)]
    pub tenor_text: String,
    /// Required for an Ablehnung.
    #[serde(default)]
    pub begruendung: String,
    #[serde(default)]
    pub rechtsbehelfsbelehrung: String,
    #[serde(default)]
    pub nebenbestimmungen: Vec<BescheidNebenbestimmungIn>,
    #[serde(default)]
    pub gebuehren: Vec<BescheidGebuehrIn>,
    /// Documents of the newest Fassung the Bescheid approves (a Genehmigung at least one).
    #[serde(default)]
    pub plaene: Vec<i64>,
}

impl BescheidEntwurfIn {
    /// The draft as the step takes it (the form's rows, amounts as German text).
    fn eingabe(self) -> Entwurfseingabe {
        let mut plaene = Vec::new();
        for p in self.plaene {
            if !plaene.contains(&p) {
                plaene.push(p);
            }
        }
        Entwurfseingabe {
            tenor: self.tenor.trim().to_string(),
            tenor_text: self.tenor_text,
            begruendung: self.begruendung,
            rechtsbehelfsbelehrung: self.rechtsbehelfsbelehrung,
            nebenbestimmungen: self
                .nebenbestimmungen
                .into_iter()
                .map(|n| NbZeile {
                    art: n.art.trim().to_string(),
                    text: n.text,
                    begruendung: n.begruendung,
                    quelle: n.quelle,
                    ..NbZeile::default()
                })
                .collect(),
            gebuehren: self
                .gebuehren
                .into_iter()
                .map(|g| GebZeile {
                    beschreibung: g.beschreibung,
                    betrag: betrag_feld(g.betrag_cent),
                })
                .collect(),
            plaene,
            ..Entwurfseingabe::default()
        }
    }
}

#[utoipa::path(put, path = "/api/v1/cases/{id}/bescheid", tag = "bescheid", params(("id" = i64, Path)), request_body = BescheidEntwurfIn,
    responses((status = 200, body = BescheidOut, description = "Gespeichert"), (status = 401, body = ApiErrorBody), (status = 404, body = ApiErrorBody),
        (status = 409, body = ApiErrorBody, description = "Der Bescheid wird bereits erlassen, oder der Vorgang ist nicht (mehr) bei der Bauaufsicht"),
        (status = 422, body = ApiErrorBody, description = "Jeder Fehler des Entwurfs als deutscher Satz")))]
pub async fn put_bescheid(
    State(st): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<i64>,
    JsonEingabe(body): JsonEingabe<BescheidEntwurfIn>,
) -> ApiResult<Json<BescheidOut>> {
    st.verfahren
        .entwurf_speichern(caller.akteur(), id, &body.eingabe())
        .await?;
    let (a, akte) = st
        .verfahren
        .bescheid_der_bauaufsicht(caller.akteur(), id)
        .await?;
    Ok(Json(bescheid_out(&st, &a, akte.as_ref()).await?))
}

// --- Issuing ----------------------------------------------------------------------------------

#[utoipa::path(post, path = "/api/v1/cases/{id}/bescheid/erlass", tag = "bescheid", params(("id" = i64, Path)),
    responses((status = 202, body = ErlassstandOut, description = "Der Erlass ist festgehalten (Nummer und Datum stehen fest); die Hintergrundaufgabe stempelt die Pläne und erstellt den Bescheid"),
        (status = 200, body = ErlassstandOut, description = "Schon vorher festgehalten: nichts geändert"),
        (status = 401, body = ApiErrorBody), (status = 404, body = ApiErrorBody),
        (status = 409, body = ApiErrorBody, description = "Kein Entwurf, oder er kann so nicht erlassen werden: die Gründe als deutsche Sätze")))]
pub async fn post_erlass(
    State(st): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<i64>,
) -> ApiResult<(StatusCode, Json<ErlassstandOut>)> {
    let status = match st.verfahren.erlassen(caller.akteur(), id).await? {
        Erlassantrag::Beantragt { .. } => StatusCode::ACCEPTED,
        Erlassantrag::SchonBeantragt { .. } => StatusCode::OK,
    };
    let stand = st.verfahren.bescheid_stand(caller.akteur(), id).await?;
    Ok((status, Json(stand.into())))
}

#[utoipa::path(get, path = "/api/v1/cases/{id}/bescheid/erlass", tag = "bescheid", params(("id" = i64, Path)),
    responses((status = 200, body = ErlassstandOut), (status = 401, body = ApiErrorBody),
        (status = 404, body = ApiErrorBody, description = "Kein Vorgang der eigenen Behörde, oder der Erlass hat nicht begonnen")))]
pub async fn get_erlass(
    State(st): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<i64>,
) -> ApiResult<Json<ErlassstandOut>> {
    Ok(Json(
        st.verfahren
            .bescheid_stand(caller.akteur(), id)
            .await?
            .into(),
    ))
}

#[utoipa::path(post, path = "/api/v1/cases/{id}/bescheid/erlass/wiederholung", tag = "bescheid", params(("id" = i64, Path)),
    responses((status = 202, body = ErlassstandOut, description = "Die fehlgeschlagene Hintergrundaufgabe wird erneut ausgeführt"),
        (status = 200, body = ErlassstandOut, description = "Der Erlass ist nicht fehlgeschlagen: nichts zu tun"),
        (status = 401, body = ApiErrorBody), (status = 404, body = ApiErrorBody, description = "Kein laufender Erlass")))]
pub async fn wiederholen(
    State(st): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<i64>,
) -> ApiResult<(StatusCode, Json<ErlassstandOut>)> {
    let status = if st.verfahren.erneut_versuchen(caller.akteur(), id).await? {
        StatusCode::ACCEPTED
    } else {
        StatusCode::OK
    };
    let stand = st.verfahren.bescheid_stand(caller.akteur(), id).await?;
    Ok((status, Json(stand.into())))
}

// --- Downloads ------------------------------------------------------------------------------

#[utoipa::path(get, path = "/api/v1/cases/{id}/bescheid/pdf", tag = "bescheid", params(("id" = i64, Path)),
    responses((status = 200, content_type = "application/pdf", description = "Der erlassene Bescheid, als Anhang (protokolliert)"), (status = 401, body = ApiErrorBody),
        (status = 404, body = ApiErrorBody, description = "Nicht erlassen, oder der Vorgang ist nicht sichtbar (Fachstellen nie)")))]
pub async fn bescheid_pdf(
    State(st): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<i64>,
) -> ApiResult<Response> {
    let (_, dateiname, inhalt) = st
        .verfahren
        .bescheid_herunterladen(caller.akteur(), id, caller.lesart())
        .await?;
    Ok(pdf_anhang(inhalt, &dateiname))
}

#[utoipa::path(get, path = "/api/v1/cases/{id}/bescheid/plaene/{did}", tag = "bescheid",
    params(("id" = i64, Path), ("did" = i64, Path, description = "Das Dokument des genehmigten Plans")),
    responses((status = 200, content_type = "application/pdf", description = "Der Plan mit Genehmigungsvermerk, als Anhang (protokolliert)"), (status = 401, body = ApiErrorBody),
        (status = 404, body = ApiErrorBody, description = "Kein gestempelter Plan dieses Bescheids, oder nicht sichtbar")))]
pub async fn plan_pdf(
    State(st): State<AppState>,
    caller: ApiCaller,
    Path((id, did)): Path<(i64, i64)>,
) -> ApiResult<Response> {
    let (_, version, inhalt) = st
        .verfahren
        .gestempelten_plan_herunterladen(caller.akteur(), id, did, caller.lesart())
        .await?;
    Ok(pdf_anhang(inhalt, &version.dateiname))
}
