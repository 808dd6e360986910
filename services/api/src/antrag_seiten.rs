//! The architect's side of the Online-Antragsassistent: a case with its procedure and its
//! Angaben (Bauvorhaben, Grundstück, Beteiligte; "once only" from the profile and earlier
//! cases), the live checklist, the invitation of the Bauherrschaft and its Freizeichnung,
//! the submission (Aktenzeichen, Fassung 1, Eingangsbestätigung) and the Nachreichung.
//!
//! Every state change goes through [`crate::ablauf::wechsle`]; every page decides access
//! with [`crate::ablauf::darf_sehen`].

use crate::ablauf::{self, Mitteilung, Wechsel};
use crate::auth::{ANON_CSRF_COOKIE, CurrentUser, SessionInfo};
use crate::templates::render;
use crate::vorgang_seiten::akteur;
use crate::{AppError, AppState, error::PageResult};
use axum::Router;
use axum::extract::{Extension, Form, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};
use chrono::Datelike;
use minijinja::context;
use plankammer_domain::codeliste;
use plankammer_domain::feststellung::Schwere;
use plankammer_domain::notification::Notification;
use plankammer_domain::verfahren::{
    Auswertung, Checkliste, HochgeladenesDokument, Verfahrensart, standard_checkliste,
};
use plankammer_domain::vorgang::{Ereignis, Zustand};
use plankammer_domain::{Email, Role, frist};
use plankammer_storage::antrag::{Antrag, NeuesEreignis};
use plankammer_storage::jobs::JobState;
use plankammer_storage::{Db, StoreError, now_millis, random_token, sha256_hex};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use std::collections::HashSet;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/vorgaenge/neu", get(neu_formular).post(neu_anlegen))
        .route(
            "/vorgaenge/{id}/angaben",
            get(angaben_formular).post(angaben_speichern),
        )
        .route("/vorgaenge/{id}/checkliste", get(checkliste_fragment))
        .route("/vorgaenge/{id}/beteiligte", post(einladen))
        .route("/vorgaenge/{id}/freizeichnen", post(freizeichnen))
        .route("/vorgaenge/{id}/einreichen", post(einreichen))
        .route("/vorgaenge/{id}/nachreichen", post(nachreichen))
        .route(
            "/vorgaenge/{id}/dokumente/{did}/entfernen",
            post(dokument_entfernen),
        )
        .route("/einladung/{secret}", get(einladung).post(einladung_konto))
        .route("/einladung/{secret}/annehmen", post(einladung_annehmen))
}

// --- Access -----------------------------------------------------------------------------

/// The case, if this person may see it (owner, tenant, accepted Bauherrschaft); else 404.
pub async fn sichtbarer_antrag(
    st: &AppState,
    u: &CurrentUser,
    id: i64,
) -> Result<Antrag, AppError> {
    let a = st.db.antrag(id).await?;
    if ablauf::darf_sehen(&st.db, &akteur(u), &a).await? {
        Ok(a)
    } else {
        Err(AppError::NotFound)
    }
}

fn ist_eigentuemer(u: &CurrentUser, a: &Antrag) -> bool {
    u.role() == Role::Antragsteller
        && u.user_id() == a.owner_user_id
        && u.tenant_id() == a.tenant_id
}

/// The owner's case; others who may see it get 403, the rest 404.
async fn eigener_antrag(st: &AppState, u: &CurrentUser, id: i64) -> Result<Antrag, AppError> {
    let a = sichtbarer_antrag(st, u, id).await?;
    if ist_eigentuemer(u, &a) {
        Ok(a)
    } else {
        Err(AppError::Forbidden)
    }
}

/// Today in Germany, from the product's one clock.
pub use plankammer_storage::heute_berlin;

fn nachricht_zu(e: StoreError, konflikt: &str) -> AppError {
    match e {
        StoreError::Conflict(_) => AppError::Conflict(konflikt.to_string()),
        e => e.into(),
    }
}

// --- Angaben ----------------------------------------------------------------------------

/// The form of the Angaben, flat as the browser sends it.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct AngabenForm {
    pub verfahren: String,
    pub bezeichnung: String,
    pub massnahme: String,
    pub gebaeudeklasse: String,
    pub strasse: String,
    pub hausnummer: String,
    pub plz: String,
    pub ort: String,
    pub gemeinde: String,
    pub gemarkung: String,
    pub flur: String,
    /// Comma-, semicolon- or line-separated.
    pub flurstuecke: String,
    pub bh_name: String,
    pub bh_anschrift: String,
    pub bh_email: String,
    pub ev_name: String,
    pub ev_kammer: String,
    pub ev_nummer: String,
}

fn s(v: &Value, pfad: &[&str]) -> String {
    let mut x = v;
    for p in pfad {
        x = &x[*p];
    }
    x.as_str().unwrap_or_default().to_string()
}

impl AngabenForm {
    fn aus_antrag(a: &Antrag) -> AngabenForm {
        let g = &a.angaben;
        let mut f = AngabenForm {
            verfahren: a.verfahren.clone().unwrap_or_default(),
            bezeichnung: a.bezeichnung.clone(),
            ..Default::default()
        };
        f.uebernimm_vorhaben(g);
        f.uebernimm_grundstueck(g);
        f.uebernimm_bauherrschaft(g);
        f.ev_name = s(g, &["entwurfsverfasser", "name"]);
        f.ev_kammer = s(g, &["entwurfsverfasser", "kammer"]);
        f.ev_nummer = s(g, &["entwurfsverfasser", "mitgliedsnummer"]);
        f
    }

    fn uebernimm_vorhaben(&mut self, g: &Value) {
        self.massnahme = s(g, &["bauvorhaben", "massnahme"]);
        self.gebaeudeklasse = s(g, &["bauvorhaben", "gebaeudeklasse"]);
    }

    fn uebernimm_grundstueck(&mut self, g: &Value) {
        let gr = &g["grundstueck"];
        self.strasse = s(gr, &["strasse"]);
        self.hausnummer = s(gr, &["hausnummer"]);
        self.plz = s(gr, &["plz"]);
        self.ort = s(gr, &["ort"]);
        self.gemeinde = s(gr, &["gemeinde_ags"]);
        self.gemarkung = s(gr, &["gemarkung"]);
        self.flur = s(gr, &["flur"]);
        self.flurstuecke = gr["flurstuecke"]
            .as_array()
            .map(|l| {
                l.iter()
                    .filter_map(|x| x.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            })
            .unwrap_or_default();
    }

    fn uebernimm_bauherrschaft(&mut self, g: &Value) {
        self.bh_name = s(g, &["bauherrschaft", "name"]);
        self.bh_anschrift = s(g, &["bauherrschaft", "anschrift"]);
        self.bh_email = s(g, &["bauherrschaft", "email"]);
    }
}

/// The checked Angaben: (Verfahrensart, JSON, AGS), or the German reasons why not.
pub fn pruefe_angaben(f: &AngabenForm) -> Result<(Verfahrensart, Value, String), Vec<String>> {
    let mut fehler = Vec::new();
    let t = |x: &str| x.trim().to_string();
    let mut pflicht = |wert: &str, name: &str| {
        if wert.trim().is_empty() {
            fehler.push(format!("Bitte geben Sie {name} an."));
        }
    };
    pflicht(&f.strasse, "die Straße des Grundstücks");
    pflicht(&f.hausnummer, "die Hausnummer");
    pflicht(&f.ort, "den Ort");
    pflicht(&f.gemarkung, "die Gemarkung");
    pflicht(&f.flur, "die Flur");
    pflicht(&f.bh_name, "den Namen der Bauherrschaft");
    pflicht(&f.bh_anschrift, "die Anschrift der Bauherrschaft");
    pflicht(
        &f.ev_name,
        "den Namen der Entwurfsverfasserin oder des Entwurfsverfassers",
    );
    pflicht(
        &f.ev_kammer,
        "die Kammer der Entwurfsverfasserin oder des Entwurfsverfassers",
    );
    pflicht(&f.ev_nummer, "die Mitgliedsnummer bei der Kammer");
    let verfahren = Verfahrensart::from_slug(f.verfahren.trim());
    if verfahren.is_none() {
        fehler.push("Bitte wählen Sie die Verfahrensart.".into());
    }
    let bezeichnung = t(&f.bezeichnung);
    if bezeichnung.is_empty() || bezeichnung.chars().count() > 300 {
        fehler.push("Bitte beschreiben Sie das Vorhaben (höchstens 300 Zeichen).".into());
    }
    if !codeliste::baumassnahmearten().enthaelt(f.massnahme.trim()) {
        fehler.push("Bitte wählen Sie die Art der Maßnahme.".into());
    }
    if !f.gebaeudeklasse.trim().is_empty()
        && !codeliste::gebaeudeklassen().enthaelt(f.gebaeudeklasse.trim())
    {
        fehler.push("Bitte wählen Sie eine Gebäudeklasse aus der Liste.".into());
    }
    let plz = t(&f.plz);
    if plz.len() != 5 || !plz.chars().all(|c| c.is_ascii_digit()) {
        fehler.push("Die Postleitzahl muss aus fünf Ziffern bestehen.".into());
    }
    let ags = t(&f.gemeinde);
    let gemeinde = codeliste::gemeinden_hessen().name(&ags);
    if ags.is_empty() {
        fehler.push("Bitte wählen Sie die Gemeinde des Grundstücks.".into());
    } else if gemeinde.is_none() {
        fehler.push(format!(
            "Der Gemeindeschlüssel „{ags}“ gehört zu keiner hessischen Gemeinde. Bitte wählen Sie die Gemeinde aus der Liste."
        ));
    }
    let flurstuecke: Vec<String> = f
        .flurstuecke
        .split([',', ';', '\n'])
        .map(str::trim)
        .filter(|x| !x.is_empty())
        .map(str::to_string)
        .collect();
    if flurstuecke.is_empty() {
        fehler.push("Bitte geben Sie mindestens ein Flurstück an.".into());
    } else if flurstuecke.len() > 50 {
        fehler.push("Bitte geben Sie höchstens 50 Flurstücke an.".into());
    }
    let bh_email = t(&f.bh_email);
    if !bh_email.is_empty() && Email::parse(&bh_email).is_err() {
        fehler.push("Die E-Mail-Adresse der Bauherrschaft ist nicht gültig.".into());
    }
    let zu_lang = [
        &f.strasse,
        &f.hausnummer,
        &f.ort,
        &f.gemarkung,
        &f.flur,
        &f.bh_name,
        &f.bh_anschrift,
        &f.ev_name,
        &f.ev_kammer,
        &f.ev_nummer,
    ]
    .iter()
    .any(|x| x.chars().count() > 300);
    if zu_lang {
        fehler.push("Jede Angabe darf höchstens 300 Zeichen lang sein.".into());
    }
    match verfahren {
        Some(v) if fehler.is_empty() => {
            let angaben = json!({
                "bauvorhaben": {
                    "bezeichnung": bezeichnung,
                    "massnahme": t(&f.massnahme),
                    "gebaeudeklasse": t(&f.gebaeudeklasse),
                },
                "grundstueck": {
                    "strasse": t(&f.strasse),
                    "hausnummer": t(&f.hausnummer),
                    "plz": plz,
                    "ort": t(&f.ort),
                    "gemeinde_ags": ags,
                    "gemeinde": gemeinde.unwrap_or_default(),
                    "gemarkung": t(&f.gemarkung),
                    "flur": t(&f.flur),
                    "flurstuecke": flurstuecke,
                },
                "bauherrschaft": {
                    "name": t(&f.bh_name),
                    "anschrift": t(&f.bh_anschrift),
                    "email": bh_email,
                },
                "entwurfsverfasser": {
                    "name": t(&f.ev_name),
                    "kammer": t(&f.ev_kammer),
                    "mitgliedsnummer": t(&f.ev_nummer),
                },
            });
            Ok((v, angaben, ags))
        }
        _ => Err(fehler),
    }
}

/// Are the stored Angaben complete enough to submit? The German reasons if not.
pub fn fehlende_angaben(a: &Antrag) -> Vec<String> {
    if a.angaben.get("bauvorhaben").is_none() {
        return vec![
            "Die Angaben zum Bauvorhaben, zum Grundstück und zu den Beteiligten fehlen noch."
                .into(),
        ];
    }
    match pruefe_angaben(&AngabenForm::aus_antrag(a)) {
        Ok(_) => vec![],
        Err(f) => f,
    }
}

#[derive(Deserialize, Default)]
struct VorlageQuery {
    vorlage: Option<usize>,
}

#[derive(Serialize)]
struct Option_ {
    code: String,
    name: String,
}

fn optionen(l: &codeliste::Codeliste) -> Vec<Option_> {
    l.eintraege
        .iter()
        .map(|e| Option_ {
            code: e.code.clone(),
            name: e.name.clone(),
        })
        .collect()
}

fn vorlage_text(g: &Value) -> String {
    let gr = &g["grundstueck"];
    format!(
        "{} – {} {}, {} {}",
        s(g, &["bauherrschaft", "name"]),
        s(gr, &["strasse"]),
        s(gr, &["hausnummer"]),
        s(gr, &["plz"]),
        s(gr, &["ort"])
    )
}

#[allow(clippy::too_many_arguments)]
async fn angaben_seite(
    st: &AppState,
    u: &CurrentUser,
    vorgang_id: Option<i64>,
    f: &AngabenForm,
    fehler: &[String],
    status: StatusCode,
) -> PageResult<Response> {
    let fruehere: Vec<Value> = st
        .db
        .fruehere_angaben(u.user_id(), vorgang_id.unwrap_or(0), 10)
        .await?
        .into_iter()
        .filter(|g| g.get("bauherrschaft").is_some())
        .collect();
    let vorlagen: Vec<Value> = fruehere
        .iter()
        .enumerate()
        .map(|(i, g)| json!({ "index": i, "text": vorlage_text(g) }))
        .collect();
    let mut bauherren: Vec<String> = fruehere
        .iter()
        .map(|g| s(g, &["bauherrschaft", "name"]))
        .filter(|x| !x.is_empty())
        .collect();
    bauherren.sort();
    bauherren.dedup();
    let verfahren: Vec<Value> = Verfahrensart::ALL
        .iter()
        .map(|v| json!({ "slug": v.slug(), "text": v.bezeichnung_mit_paragraph() }))
        .collect();
    let action = match vorgang_id {
        Some(id) => format!("/vorgaenge/{id}/angaben"),
        None => "/vorgaenge/neu".to_string(),
    };
    let html = render(
        "antrag_angaben.html",
        context! {
            layout => crate::pages::layout(u, "/start"),
            vorgang_id, action, f, fehler, vorlagen, bauherren, verfahren,
            massnahmen => optionen(codeliste::baumassnahmearten()),
            gebaeudeklassen => optionen(codeliste::gebaeudeklassen()),
            gemeinden => optionen(codeliste::gemeinden_hessen()),
        },
    )?;
    Ok((status, html).into_response())
}

/// Prefills the Entwurfsverfasser/in from the profile, and takes Grundstück and
/// Bauherrschaft from an earlier case when asked to.
async fn vorbelegen(
    st: &AppState,
    u: &CurrentUser,
    f: &mut AngabenForm,
    ausser: i64,
    vorlage: Option<usize>,
) -> Result<(), AppError> {
    if f.ev_name.is_empty() {
        f.ev_name = u.member().user.display_name.clone();
    }
    let profil = st.db.profil(u.user_id()).await?;
    if f.ev_kammer.is_empty() {
        f.ev_kammer = s(&profil, &["kammer"]);
    }
    if f.ev_nummer.is_empty() {
        f.ev_nummer = s(&profil, &["mitgliedsnummer"]);
    }
    if let Some(i) = vorlage {
        let fruehere: Vec<Value> = st
            .db
            .fruehere_angaben(u.user_id(), ausser, 10)
            .await?
            .into_iter()
            .filter(|g| g.get("bauherrschaft").is_some())
            .collect();
        if let Some(g) = fruehere.get(i) {
            f.uebernimm_grundstueck(g);
            f.uebernimm_bauherrschaft(g);
        }
    }
    Ok(())
}

async fn neu_formular(
    State(st): State<AppState>,
    u: CurrentUser,
    Query(q): Query<VorlageQuery>,
) -> PageResult<Response> {
    u.require(plankammer_domain::zugriff::darf_vorgang_anlegen)?;
    let mut f = AngabenForm {
        verfahren: Verfahrensart::VereinfachtesVerfahren.slug().into(),
        ..Default::default()
    };
    vorbelegen(&st, &u, &mut f, 0, q.vorlage).await?;
    angaben_seite(&st, &u, None, &f, &[], StatusCode::OK).await
}

/// Keeps the architect's Kammer and Mitgliedsnummer in the profile for the next case.
async fn merke_profil(st: &AppState, u: &CurrentUser, angaben: &Value) -> Result<(), AppError> {
    let mut profil = st.db.profil(u.user_id()).await?;
    if !profil.is_object() {
        profil = json!({});
    }
    let kammer = s(angaben, &["entwurfsverfasser", "kammer"]);
    let nummer = s(angaben, &["entwurfsverfasser", "mitgliedsnummer"]);
    if s(&profil, &["kammer"]) != kammer || s(&profil, &["mitgliedsnummer"]) != nummer {
        profil["kammer"] = json!(kammer);
        profil["mitgliedsnummer"] = json!(nummer);
        st.db.setze_profil(u.user_id(), &profil).await?;
    }
    Ok(())
}

async fn neu_anlegen(
    State(st): State<AppState>,
    u: CurrentUser,
    Form(f): Form<AngabenForm>,
) -> PageResult<Response> {
    u.require(plankammer_domain::zugriff::darf_vorgang_anlegen)?;
    let (verfahren, angaben, ags) = match pruefe_angaben(&f) {
        Ok(x) => x,
        Err(fehler) => {
            return angaben_seite(&st, &u, None, &f, &fehler, StatusCode::UNPROCESSABLE_ENTITY)
                .await;
        }
    };
    let now = now_millis();
    let bezeichnung = f.bezeichnung.trim();
    let v = st
        .db
        .create_vorgang(u.tenant_id(), u.user_id(), bezeichnung, now)
        .await?;
    st.db
        .setze_angaben(
            v.id,
            bezeichnung,
            verfahren.slug(),
            &angaben,
            Some(&ags),
            now,
        )
        .await?;
    merke_profil(&st, &u, &angaben).await?;
    Ok(Redirect::to(&format!("/vorgaenge/{}", v.id)).into_response())
}

async fn angaben_formular(
    State(st): State<AppState>,
    u: CurrentUser,
    Path(id): Path<i64>,
    Query(q): Query<VorlageQuery>,
) -> PageResult<Response> {
    let a = eigener_antrag(&st, &u, id).await?;
    if ablauf::zustand(&a)? != Zustand::Entwurf {
        return Err(AppError::Conflict(
            "Die Angaben können nach dem Einreichen nicht mehr geändert werden.".into(),
        ));
    }
    let mut f = AngabenForm::aus_antrag(&a);
    if f.verfahren.is_empty() {
        f.verfahren = Verfahrensart::VereinfachtesVerfahren.slug().into();
    }
    vorbelegen(&st, &u, &mut f, a.id, q.vorlage).await?;
    angaben_seite(&st, &u, Some(a.id), &f, &[], StatusCode::OK).await
}

async fn angaben_speichern(
    State(st): State<AppState>,
    u: CurrentUser,
    Path(id): Path<i64>,
    Form(f): Form<AngabenForm>,
) -> PageResult<Response> {
    let a = eigener_antrag(&st, &u, id).await?;
    let (verfahren, angaben, ags) = match pruefe_angaben(&f) {
        Ok(x) => x,
        Err(fehler) => {
            return angaben_seite(
                &st,
                &u,
                Some(a.id),
                &f,
                &fehler,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await;
        }
    };
    st.db
        .setze_angaben(
            a.id,
            f.bezeichnung.trim(),
            verfahren.slug(),
            &angaben,
            Some(&ags),
            now_millis(),
        )
        .await
        .map_err(|e| {
            nachricht_zu(
                e,
                "Die Angaben können nach dem Einreichen nicht mehr geändert werden.",
            )
        })?;
    merke_profil(&st, &u, &angaben).await?;
    Ok(Redirect::to(&format!("/vorgaenge/{}", a.id)).into_response())
}

// --- Checklist ---------------------------------------------------------------------------

/// The tenant's checklist of the procedure, or the shipped default.
pub async fn checkliste_fuer(
    st: &AppState,
    a: &Antrag,
    v: Verfahrensart,
) -> Result<Checkliste, AppError> {
    if let Some((_, json)) = st.db.checkliste(a.tenant_id, v.slug()).await? {
        match Checkliste::aus_json(&json) {
            Ok(c) => return Ok(c),
            Err(e) => tracing::warn!(
                tenant_id = a.tenant_id,
                ?e,
                "stored checklist unusable, using the default"
            ),
        }
    }
    Ok(standard_checkliste(v))
}

/// Ids of the documents withdrawn from the current set.
pub async fn entfernte_dokumente(db: &Db, vorgang_id: i64) -> Result<HashSet<i64>, AppError> {
    let ids: Vec<i64> = sqlx::query_scalar(
        "SELECT id FROM dokumente WHERE vorgang_id = $1 AND entfernt_at IS NOT NULL",
    )
    .bind(vorgang_id)
    .fetch_all(db.pool())
    .await
    .map_err(AppError::internal)?;
    Ok(ids.into_iter().collect())
}

/// The current documents as the checklist sees them.
async fn hochgeladene(
    st: &AppState,
    vorgang_id: i64,
) -> Result<Vec<HochgeladenesDokument>, AppError> {
    let entfernt = entfernte_dokumente(&st.db, vorgang_id).await?;
    let mut out = Vec::new();
    for d in st.db.dokumente(vorgang_id).await? {
        if entfernt.contains(&d.id) {
            continue;
        }
        let Some(ver) = d.versionen.last() else {
            continue;
        };
        let stufen = st.db.stufen(ver.id).await?;
        let fehlgeschlagen = stufen.iter().any(|(_, j)| j.state == JobState::Failed);
        let verarbeitet = !stufen.is_empty()
            && stufen
                .iter()
                .all(|(_, j)| matches!(j.state, JobState::Succeeded | JobState::Failed));
        let mut schlimmste = st
            .db
            .feststellungen(ver.id)
            .await?
            .into_iter()
            .map(|f| f.schwere)
            .min();
        if fehlgeschlagen {
            schlimmste = Some(Schwere::Fehler);
        }
        let meta = st.db.metadaten(ver.id).await?;
        let vorgeschlagen = meta
            .iter()
            .find(|m| m.feld == "anlageart")
            .map(|m| m.wert.clone());
        out.push(HochgeladenesDokument {
            id: d.id,
            bezeichnung: d.bezeichnung.clone(),
            anlageart: d.anlageart.clone(),
            vorgeschlagene_anlageart: vorgeschlagen,
            schlimmste_feststellung: schlimmste,
            verarbeitet,
        });
    }
    Ok(out)
}

#[derive(Serialize)]
struct PositionView {
    anlageart: String,
    name: String,
    hinweis: Option<String>,
    anforderung: String,
    vorhanden: bool,
    blockiert: bool,
    text: String,
    befund: String,
    schwere: Option<&'static str>,
}

#[derive(Serialize)]
struct ChecklistenView {
    positionen: Vec<PositionView>,
    darf_einreichen: bool,
    gruende: Vec<String>,
    hinweise: Vec<String>,
    laufend: bool,
}

fn checklisten_view(aw: &Auswertung, laufend: bool) -> ChecklistenView {
    ChecklistenView {
        positionen: aw
            .positionen
            .iter()
            .map(|p| PositionView {
                anlageart: p.anlageart.clone(),
                name: p.name.clone(),
                hinweis: p.hinweis.clone(),
                anforderung: p.anforderung.bezeichnung(),
                vorhanden: p.vorhanden,
                blockiert: p.blockiert,
                text: p.text.clone(),
                befund: p.befund.zusammenfassung(),
                schwere: p.befund.schlimmste().map(|x| x.code()),
            })
            .collect(),
        darf_einreichen: aw.darf_einreichen,
        gruende: aw.gruende.clone(),
        hinweise: aw.hinweise.clone(),
        laufend,
    }
}

/// Everything that keeps the owner from submitting: checklist, Angaben, Bauherrschaft.
async fn einreichungshindernisse(
    st: &AppState,
    a: &Antrag,
    aw: Option<&Auswertung>,
) -> Result<Vec<String>, AppError> {
    let mut gruende = fehlende_angaben(a);
    match aw {
        Some(aw) => gruende.extend(aw.gruende.iter().cloned()),
        None => gruende.push("Bitte wählen Sie die Verfahrensart.".into()),
    }
    let beteiligte = st.db.beteiligte(a.id).await?;
    if beteiligte.is_empty() {
        gruende.push(
            "Bitte laden Sie die Bauherrschaft ein: Sie muss den Antrag vor dem Einreichen freizeichnen.".into(),
        );
    }
    for b in &beteiligte {
        if b.angenommen_at.is_none() {
            gruende.push(format!(
                "{} hat die Einladung noch nicht angenommen.",
                b.name
            ));
        } else if b.freigezeichnet_at.is_none() {
            gruende.push(format!(
                "{} hat den Antrag noch nicht freigezeichnet.",
                b.name
            ));
        }
    }
    Ok(gruende)
}

/// The data the case page (and the checklist fragment) shows about the Antrag.
pub async fn fallakte(st: &AppState, u: &CurrentUser, a: &Antrag) -> Result<Value, AppError> {
    let zustand = ablauf::zustand(a)?;
    let verfahren = ablauf::verfahren(a);
    let eigentuemer = ist_eigentuemer(u, a);
    let entwurf = zustand == Zustand::Entwurf;

    let (checkliste, auswertung) = match verfahren {
        Some(v) => {
            let docs = hochgeladene(st, a.id).await?;
            let laufend = docs.iter().any(|d| !d.verarbeitet);
            let aw = checkliste_fuer(st, a, v).await?.auswerten(&docs);
            (Some(checklisten_view(&aw, laufend)), Some(aw))
        }
        None => (None, None),
    };
    let hindernisse = if entwurf && eigentuemer {
        einreichungshindernisse(st, a, auswertung.as_ref()).await?
    } else {
        vec![]
    };

    let beteiligte: Vec<Value> = st
        .db
        .beteiligte(a.id)
        .await?
        .into_iter()
        .map(|b| {
            let stand = if let Some(t) = b.freigezeichnet_at {
                format!(
                    "freigezeichnet am {}",
                    plankammer_domain::zeit::format_berlin(t)
                )
            } else if b.angenommen_at.is_some() {
                "Einladung angenommen, Freizeichnung steht aus".to_string()
            } else {
                "eingeladen, noch nicht angenommen".to_string()
            };
            json!({
                "name": b.name, "email": b.email, "stand": stand,
                "ich": b.user_id == Some(u.user_id()),
                "darf_freizeichnen": entwurf && b.user_id == Some(u.user_id())
                    && b.angenommen_at.is_some() && b.freigezeichnet_at.is_none(),
            })
        })
        .collect();
    let darf_freizeichnen = beteiligte
        .iter()
        .any(|b| b["darf_freizeichnen"].as_bool() == Some(true));

    let heute = heute_berlin();
    let fristen: Vec<Value> = st
        .db
        .fristen(a.id)
        .await?
        .into_iter()
        .filter(|f| matches!(f.zustand.as_str(), "laeuft" | "faellig"))
        .map(|f| {
            let ende = frist::parse_datum(&f.ende).ok();
            let tage = ende.map(|e| frist::tage_bis(heute, e));
            json!({
                "art": match f.art.as_str() {
                    "nachforderung" => "Frist für die Nachreichung",
                    "entscheidung" => "Entscheidungsfrist",
                    x => x,
                },
                "rechtsgrundlage": f.rechtsgrundlage,
                "ende": ende.map(frist::tag_de).unwrap_or(f.ende.clone()),
                "tage": tage,
                "erklaerung": f.erklaerung,
            })
        })
        .collect();

    let mut fassungen = Vec::new();
    for fa in st.db.fassungen(a.id).await? {
        let dokumente = st.db.fassung_dokumente(fa.id).await?;
        fassungen.push(json!({
            "nummer": fa.nummer,
            "erstellt": plankammer_domain::zeit::format_berlin(fa.created_at),
            "dokumente": dokumente,
        }));
    }

    let entfernt = entfernte_dokumente(&st.db, a.id).await?;
    let alle_dokumente = st.db.dokumente(a.id).await?;
    let aktuelle_dokumente: Vec<Value> = alle_dokumente
        .iter()
        .filter(|d| !entfernt.contains(&d.id))
        .map(|d| json!({ "id": d.id, "bezeichnung": d.bezeichnung }))
        .collect();

    // What the Bauaufsicht asked for: the Befunde of the last round, while it is open.
    let nachgefordert: Vec<Value> = if zustand == Zustand::Nachforderung {
        let befunde = st.db.befunde(a.id).await?;
        let runde = befunde.iter().map(|b| b.runde).max();
        befunde
            .into_iter()
            .filter(|b| Some(b.runde) == runde)
            .map(|b| {
                json!({
                    "art": codeliste::formelle_befunde().name(&b.code).unwrap_or_default(),
                    "text": b.text,
                    "dokument": b.dokument_id.and_then(|id| {
                        alle_dokumente.iter().find(|d| d.id == id).map(|d| d.bezeichnung.clone())
                    }),
                })
            })
            .collect()
    } else {
        vec![]
    };

    let gemeinde = a
        .gemeinde_ags
        .as_deref()
        .and_then(|g| codeliste::gemeinden_hessen().name(g))
        .unwrap_or_default();
    let massnahme = codeliste::baumassnahmearten()
        .name(&s(&a.angaben, &["bauvorhaben", "massnahme"]))
        .unwrap_or_default()
        .to_string();
    let gebaeudeklasse = codeliste::gebaeudeklassen()
        .name(&s(&a.angaben, &["bauvorhaben", "gebaeudeklasse"]))
        .unwrap_or_default()
        .to_string();

    Ok(json!({
        "id": a.id,
        "zustand": zustand.slug(),
        "statuszeile": ablauf::statuszeile(zustand, verfahren),
        "verfahren": verfahren.map(|v| v.bezeichnung_mit_paragraph()),
        "aktenzeichen": a.aktenzeichen,
        "eingereicht": a.eingereicht_at.map(plankammer_domain::zeit::format_berlin),
        "angaben": a.angaben,
        "hat_angaben": a.angaben.get("bauvorhaben").is_some(),
        "gemeinde": gemeinde,
        "massnahme": massnahme,
        "gebaeudeklasse": gebaeudeklasse,
        "eigentuemer": eigentuemer,
        "entwurf": entwurf,
        "darf_bearbeiten": eigentuemer && entwurf,
        "darf_einladen": eigentuemer && entwurf,
        "darf_einreichen": eigentuemer && entwurf && hindernisse.is_empty(),
        "hindernisse": hindernisse,
        "darf_nachreichen": eigentuemer && zustand == Zustand::Nachforderung,
        "darf_freizeichnen": darf_freizeichnen,
        "ist_bauaufsicht": u.role() == Role::Bauaufsicht && u.tenant_id() == a.tenant_id,
        "checkliste": checkliste,
        "beteiligte": beteiligte,
        "fristen": fristen,
        "fassungen": fassungen,
        "aktuelle_dokumente": aktuelle_dokumente,
        "nachgefordert": nachgefordert,
        "zeitleiste": zeitleiste(st, a, u.role() == Role::Antragsteller).await?,
    }))
}

/// The timeline of a case for `_zeitleiste.html`; for the applicant side without the
/// entries of the Beteiligung that concern only the authorities.
pub async fn zeitleiste(
    st: &AppState,
    a: &Antrag,
    fuer_antragsteller: bool,
) -> Result<Vec<Value>, AppError> {
    Ok(st
        .db
        .ereignisse(a.id)
        .await?
        .into_iter()
        .filter(|e| !(fuer_antragsteller && plankammer_domain::vorgang::nur_fuer_behoerden(&e.art)))
        .rev()
        .map(|e| {
            json!({
                "wann": plankammer_domain::zeit::format_berlin(e.at),
                "wer": e.user_name.unwrap_or_else(|| "System".into()),
                "art": e.art,
                "text": e.text,
                "status_code": e.status_code,
                "zustand": e.zustand.as_deref().and_then(Zustand::from_slug).map(|z| z.bezeichnung()),
            })
        })
        .collect())
}

async fn checkliste_fragment(
    State(st): State<AppState>,
    u: CurrentUser,
    Path(id): Path<i64>,
) -> PageResult<Html<String>> {
    let a = sichtbarer_antrag(&st, &u, id).await?;
    let antrag = fallakte(&st, &u, &a).await?;
    render(
        "antrag_checkliste.html",
        context! { antrag, vorgang => context! { id => a.id }, layout => crate::pages::layout(&u, "/start") },
    )
}

// --- Bauherrschaft ----------------------------------------------------------------------

#[derive(Deserialize)]
struct EinladungForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    email: String,
}

async fn einladen(
    State(st): State<AppState>,
    u: CurrentUser,
    Path(id): Path<i64>,
    Form(f): Form<EinladungForm>,
) -> PageResult<Redirect> {
    let a = eigener_antrag(&st, &u, id).await?;
    if ablauf::zustand(&a)? != Zustand::Entwurf {
        return Err(AppError::Conflict(
            "Die Bauherrschaft kann nur vor dem Einreichen eingeladen werden.".into(),
        ));
    }
    let name = f.name.trim();
    if name.is_empty() || name.chars().count() > 200 {
        return Err(AppError::Invalid(
            "Bitte geben Sie den Namen der Bauherrschaft an (höchstens 200 Zeichen).".into(),
        ));
    }
    let email = Email::parse(&f.email)
        .map_err(|_| AppError::Invalid("Bitte geben Sie eine gültige E-Mail-Adresse an.".into()))?;
    if email.as_str().eq_ignore_ascii_case(&u.member().user.email) {
        return Err(AppError::Invalid(
            "Sie können sich nicht selbst als Bauherrschaft einladen.".into(),
        ));
    }
    let now = now_millis();
    let secret = random_token(32);
    // Invitation, mail and timeline entry commit together or not at all.
    let mut tx = st.db.begin().await?;
    Db::lade_beteiligten_ein(
        &mut tx,
        a.id,
        email.as_str(),
        name,
        &sha256_hex(&secret),
        now,
    )
    .await
    .map_err(|e| nachricht_zu(e, "Diese Person ist zu diesem Vorgang bereits eingeladen."))?;
    let mail = Notification::EinladungBauherrschaft {
        name: name.to_string(),
        eingeladen_von: u.member().user.display_name.clone(),
        vorhaben: a.bezeichnung.clone(),
        einladung_url: format!("{}/einladung/{secret}", st.config.public_url),
    };
    let rendered = mail.render().map_err(AppError::internal)?;
    Db::queue_mail(
        &mut tx,
        Some(a.tenant_id),
        mail.kind(),
        email.as_str(),
        &rendered,
        &st.config.mail_domain,
        now,
    )
    .await?;
    Db::ereignis(
        &mut tx,
        &NeuesEreignis {
            vorgang_id: a.id,
            user_id: Some(u.user_id()),
            art: "einladung",
            zustand: None,
            status_code: None,
            text: &format!("Bauherrschaft {name} eingeladen"),
        },
        now,
    )
    .await?;
    tx.commit().await.map_err(AppError::internal)?;
    Ok(Redirect::to(&format!("/vorgaenge/{}#beteiligte", a.id)))
}

async fn freizeichnen(
    State(st): State<AppState>,
    u: CurrentUser,
    Path(id): Path<i64>,
) -> PageResult<Redirect> {
    let a = sichtbarer_antrag(&st, &u, id).await?;
    let ich = st
        .db
        .beteiligte(a.id)
        .await?
        .into_iter()
        .find(|b| b.user_id == Some(u.user_id()) && b.angenommen_at.is_some())
        .ok_or(AppError::Forbidden)?;
    if ablauf::zustand(&a)? != Zustand::Entwurf {
        return Err(AppError::Conflict(
            "Der Antrag ist bereits eingereicht; eine Freizeichnung ist nicht mehr nötig.".into(),
        ));
    }
    let now = now_millis();
    let mut tx = st.db.begin().await?;
    Db::zeichne_frei(&mut tx, a.id, u.user_id(), now)
        .await
        .map_err(|e| nachricht_zu(e, "Sie haben den Antrag bereits freigezeichnet."))?;
    let text = format!("Bauherrschaft {} hat den Antrag freigezeichnet", ich.name);
    Db::ereignis(
        &mut tx,
        &NeuesEreignis {
            vorgang_id: a.id,
            user_id: Some(u.user_id()),
            art: "freizeichnung",
            zustand: None,
            status_code: None,
            text: &text,
        },
        now,
    )
    .await?;
    ablauf::benachrichtige(
        &st,
        &mut tx,
        &a,
        Mitteilung {
            titel: "Antrag freigezeichnet",
            text: &format!("{text}. Der Antrag kann jetzt eingereicht werden, sobald alle Unterlagen vollständig sind."),
            status: None,
            frist: None,
            an: ablauf::An::Antragsteller,
            pfad: None,
        },
        now,
    )
    .await?;
    tx.commit().await.map_err(AppError::internal)?;
    Ok(Redirect::to(&format!("/vorgaenge/{}", a.id)))
}

// --- Invitation -------------------------------------------------------------------------

async fn offene_einladung(
    st: &AppState,
    secret: &str,
) -> Result<(plankammer_storage::antrag::Beteiligter, Antrag), AppError> {
    if secret.len() > 128 {
        return Err(AppError::NotFound);
    }
    let b = st
        .db
        .beteiligter_per_einladung(&sha256_hex(secret))
        .await
        .map_err(|e| match e {
            StoreError::NotFound => AppError::Invalid(
                "Diese Einladung ist ungültig oder wurde bereits angenommen. Bitte melden Sie sich an oder fragen Sie nach einer neuen Einladung.".into(),
            ),
            e => e.into(),
        })?;
    let a = st.db.antrag(b.vorgang_id).await?;
    Ok((b, a))
}

fn anon_csrf(jar: &CookieJar) -> String {
    jar.get(ANON_CSRF_COOKIE)
        .map(|c| c.value().to_string())
        .filter(|v| v.len() == 64)
        .unwrap_or_else(|| random_token(32))
}

#[allow(clippy::too_many_arguments)]
async fn einladung_seite(
    st: &AppState,
    jar: CookieJar,
    u: Option<&CurrentUser>,
    secret: &str,
    fehler: Option<String>,
    name: &str,
    status: StatusCode,
) -> PageResult<Response> {
    let (b, a) = match offene_einladung(st, secret).await {
        Ok(x) => x,
        Err(AppError::Invalid(m)) => {
            let html = crate::templates::render_error_page(StatusCode::NOT_FOUND, &m);
            return Ok((StatusCode::NOT_FOUND, html).into_response());
        }
        Err(e) => return Err(e),
    };
    let owner = st.db.user(a.owner_user_id).await?;
    let konto_vorhanden = match Email::parse(&b.email) {
        Ok(e) => st.db.user_by_email(&e).await.is_ok(),
        Err(_) => false,
    };
    let einladung = context! {
        name => b.name, email => b.email, vorhaben => a.bezeichnung,
        eingeladen_von => owner.display_name, secret,
    };
    match u {
        Some(u) => {
            let passt = u.member().user.email.eq_ignore_ascii_case(&b.email);
            let html = render(
                "einladung.html",
                context! {
                    layout => crate::pages::layout(u, "/start"), einladung, angemeldet => true,
                    passt, csrf => u.0.csrf_token.clone(), fehler,
                },
            )?;
            Ok((status, html).into_response())
        }
        None => {
            let token = anon_csrf(&jar);
            let cookie = Cookie::build((ANON_CSRF_COOKIE, token.clone()))
                .path("/")
                .http_only(true)
                .secure(st.config.secure_cookies)
                .same_site(SameSite::Strict)
                .build();
            let weiter = format!("/einladung/{secret}");
            let anmelden = format!(
                "/anmelden?weiter={}",
                url::form_urlencoded::byte_serialize(weiter.as_bytes()).collect::<String>()
            );
            let html = render(
                "einladung.html",
                context! {
                    einladung, angemeldet => false, konto_vorhanden, anmelden,
                    csrf => token, fehler, name,
                },
            )?;
            Ok((status, jar.add(cookie), html).into_response())
        }
    }
}

async fn einladung(
    State(st): State<AppState>,
    jar: CookieJar,
    Extension(sitzung): Extension<Option<SessionInfo>>,
    Path(secret): Path<String>,
) -> PageResult<Response> {
    let u = sitzung.map(CurrentUser);
    einladung_seite(&st, jar, u.as_ref(), &secret, None, "", StatusCode::OK).await
}

#[derive(Deserialize)]
struct KontoForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    passwort: String,
    #[serde(default)]
    passwort_wiederholung: String,
}

/// A new account for the invited Bauherrschaft: user, membership as Antragsteller in the
/// case's tenant, the invitation accepted, a session — one step.
async fn einladung_konto(
    State(st): State<AppState>,
    jar: CookieJar,
    Extension(sitzung): Extension<Option<SessionInfo>>,
    Path(secret): Path<String>,
    Form(f): Form<KontoForm>,
) -> PageResult<Response> {
    if sitzung.is_some() {
        return Ok(Redirect::to(&format!("/einladung/{secret}")).into_response());
    }
    let (b, a) = offene_einladung(&st, &secret).await?;
    let name = f.name.trim().to_string();
    let fehler = if name.is_empty() || name.chars().count() > 200 {
        Some("Bitte geben Sie Ihren Namen an (höchstens 200 Zeichen).".to_string())
    } else if let Err(e) = plankammer_domain::account::check_password(&f.passwort) {
        Some(e.meldung.to_string())
    } else if f.passwort != f.passwort_wiederholung {
        Some("Die beiden Passwörter stimmen nicht überein.".to_string())
    } else {
        None
    };
    if let Some(m) = fehler {
        return einladung_seite(
            &st,
            jar,
            None,
            &secret,
            Some(m),
            &name,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    }
    let email = Email::parse(&b.email)?;
    if st.db.user_by_email(&email).await.is_ok() {
        return einladung_seite(
            &st,
            jar,
            None,
            &secret,
            Some("Für diese E-Mail-Adresse gibt es bereits ein Konto. Bitte melden Sie sich an und nehmen Sie die Einladung dann an.".into()),
            &name,
            StatusCode::CONFLICT,
        )
        .await;
    }
    let hash = crate::accounts::hash_password(f.passwort.clone()).await?;
    let now = now_millis();
    let mut tx = st.db.begin().await?;
    let user = Db::create_user(&mut tx, &email, &name, &hash, now).await?;
    Db::add_membership(&mut tx, user.id, a.tenant_id, Role::Antragsteller, now).await?;
    annehmen_in(&mut tx, &b, &a, user.id, &name, now).await?;
    tx.commit().await.map_err(AppError::internal)?;
    let ttl = st.config.session_ttl;
    let session = st
        .db
        .create_session(user.id, a.tenant_id, now, ttl.as_millis() as i64)
        .await?;
    let jar = jar
        .add(crate::auth::session_cookie(
            session.secret,
            st.config.secure_cookies,
            ttl,
        ))
        .add(crate::auth::removal_cookie(ANON_CSRF_COOKIE));
    Ok((jar, Redirect::to(&format!("/vorgaenge/{}", a.id))).into_response())
}

async fn annehmen_in(
    conn: &mut plankammer_storage::Conn,
    b: &plankammer_storage::antrag::Beteiligter,
    a: &Antrag,
    user_id: i64,
    name: &str,
    now: i64,
) -> Result<(), AppError> {
    Db::nimm_einladung_an(conn, b.id, user_id, now)
        .await
        .map_err(|e| nachricht_zu(e, "Diese Einladung wurde bereits angenommen."))?;
    Db::ereignis(
        conn,
        &NeuesEreignis {
            vorgang_id: a.id,
            user_id: Some(user_id),
            art: "einladung_angenommen",
            zustand: None,
            status_code: None,
            text: &format!("Bauherrschaft {name} hat die Einladung angenommen"),
        },
        now,
    )
    .await?;
    Ok(())
}

/// A logged-in person accepts: only with the invited address, only as applicant.
async fn einladung_annehmen(
    State(st): State<AppState>,
    u: CurrentUser,
    Path(secret): Path<String>,
) -> PageResult<Redirect> {
    let (b, a) = offene_einladung(&st, &secret).await?;
    if !u.member().user.email.eq_ignore_ascii_case(&b.email) {
        return Err(AppError::Invalid(format!(
            "Diese Einladung gilt für {}. Bitte melden Sie sich mit dieser Adresse an.",
            b.email
        )));
    }
    let now = now_millis();
    // Read before the transaction: with SQLite the pool has one connection, which the
    // transaction holds.
    let mitgliedschaft = st.db.member(u.user_id(), a.tenant_id).await;
    let mut tx = st.db.begin().await?;
    match mitgliedschaft {
        Ok(m) if m.role == Role::Antragsteller => {}
        Ok(_) => {
            return Err(AppError::Invalid(
                "Mit diesem Konto können Sie die Einladung nicht annehmen: Es gehört in dieser Behörde nicht zu den Antragstellenden.".into(),
            ));
        }
        Err(StoreError::NotFound) => {
            Db::add_membership(&mut tx, u.user_id(), a.tenant_id, Role::Antragsteller, now).await?
        }
        Err(e) => return Err(e.into()),
    }
    if u.role() != Role::Antragsteller {
        return Err(AppError::Invalid(
            "Bitte melden Sie sich als Antragstellerin oder Antragsteller an, um die Einladung anzunehmen.".into(),
        ));
    }
    annehmen_in(
        &mut tx,
        &b,
        &a,
        u.user_id(),
        &u.member().user.display_name,
        now,
    )
    .await?;
    tx.commit().await.map_err(AppError::internal)?;
    Ok(Redirect::to(&format!("/vorgaenge/{}", a.id)))
}

// --- Submission and Nachreichung ---------------------------------------------------------

async fn einreichen(
    State(st): State<AppState>,
    u: CurrentUser,
    Path(id): Path<i64>,
) -> PageResult<Redirect> {
    let a = eigener_antrag(&st, &u, id).await?;
    if ablauf::zustand(&a)? != Zustand::Entwurf {
        return Err(AppError::Conflict(match &a.aktenzeichen {
            Some(az) => format!("Der Antrag ist bereits eingereicht (Aktenzeichen {az})."),
            None => "Der Antrag ist bereits eingereicht.".into(),
        }));
    }
    let v = ablauf::verfahren(&a)
        .ok_or_else(|| AppError::Invalid("Bitte wählen Sie zuerst die Verfahrensart.".into()))?;
    let docs = hochgeladene(&st, a.id).await?;
    let aw = checkliste_fuer(&st, &a, v).await?.auswerten(&docs);
    let gruende = einreichungshindernisse(&st, &a, Some(&aw)).await?;
    if !gruende.is_empty() {
        return Err(AppError::Invalid(format!(
            "Der Antrag kann noch nicht eingereicht werden: {}",
            gruende.join(" ")
        )));
    }
    let now = now_millis();
    let jahr = i64::from(heute_berlin().year());
    let mut tx = st.db.begin().await?;
    let (nummer, format, kuerzel) =
        Db::naechste_aktenzeichen_nummer(&mut tx, a.tenant_id, jahr).await?;
    let az = ablauf::aktenzeichen(&format, &kuerzel, jahr, nummer);
    let mut mit_az = a.clone();
    mit_az.aktenzeichen = Some(az.clone());
    mit_az.eingereicht_at = Some(now);
    let mail_text = format!(
        "Ihr Antrag ist bei der Bauaufsicht eingegangen.\nAktenzeichen: {az}\nEingegangen am: {}\nDie eingereichten Unterlagen sind als Fassung 1 gespeichert ({} Unterlagen). Die Bauaufsicht prüft nun, ob der Antrag vollständig ist.",
        plankammer_domain::zeit::format_berlin(now),
        docs.len()
    );
    ablauf::wechsle(
        &st,
        &mut tx,
        &mit_az,
        Wechsel {
            ereignis: Ereignis::Einreichen,
            akteur: Some(&akteur(&u)),
            text: &format!(
                "Antrag eingereicht, Aktenzeichen {az}, Fassung 1 mit {} Unterlagen",
                docs.len()
            ),
            mail: Some(("Eingangsbestätigung", &mail_text)),
            frist: None,
        },
        now,
    )
    .await?;
    Db::setze_eingereicht(&mut tx, a.id, &az, now).await?;
    Db::friere_fassung(&mut tx, a.id, u.user_id(), now).await?;
    tx.commit().await.map_err(AppError::internal)?;
    Ok(Redirect::to(&format!(
        "/vorgaenge/{}#eingangsbestaetigung",
        a.id
    )))
}

async fn nachreichen(
    State(st): State<AppState>,
    u: CurrentUser,
    Path(id): Path<i64>,
) -> PageResult<Redirect> {
    let a = eigener_antrag(&st, &u, id).await?;
    if ablauf::zustand(&a)? != Zustand::Nachforderung {
        return Err(AppError::Conflict(
            "Es sind keine Unterlagen nachgefordert; eine Nachreichung ist jetzt nicht möglich."
                .into(),
        ));
    }
    let docs = hochgeladene(&st, a.id).await?;
    if let Some(d) = docs.iter().find(|d| !d.verarbeitet) {
        return Err(AppError::Invalid(format!(
            "„{}“ wird noch geprüft. Bitte warten Sie, bis die Prüfung abgeschlossen ist.",
            d.bezeichnung
        )));
    }
    let now = now_millis();
    let mut tx = st.db.begin().await?;
    let fassung = Db::friere_fassung(&mut tx, a.id, u.user_id(), now).await?;
    let text = format!("Unterlagen nachgereicht (Fassung {})", fassung.nummer);
    ablauf::wechsle(
        &st,
        &mut tx,
        &a,
        Wechsel {
            ereignis: Ereignis::Nachreichen,
            akteur: Some(&akteur(&u)),
            text: &text,
            mail: Some((
                "Nachreichung eingegangen",
                &format!("Die nachgereichten Unterlagen sind als Fassung {} gespeichert. Die Bauaufsicht setzt die Prüfung fort.", fassung.nummer),
            )),
            frist: None,
        },
        now,
    )
    .await?;
    Db::erledige_fristen(&mut tx, a.id, "nachforderung", now).await?;
    ablauf::benachrichtige(
        &st,
        &mut tx,
        &a,
        Mitteilung {
            titel: "Unterlagen nachgereicht",
            text: &format!("Die Antragstellerseite hat Unterlagen nachgereicht (Fassung {}). Bitte setzen Sie die formelle Prüfung fort.", fassung.nummer),
            status: Some(ablauf::statuszeile(Zustand::Nachgereicht, ablauf::verfahren(&a))),
            frist: None,
            an: ablauf::An::Bauaufsicht,
            pfad: None,
        },
        now,
    )
    .await?;
    tx.commit().await.map_err(AppError::internal)?;
    Ok(Redirect::to(&format!("/vorgaenge/{}", a.id)))
}

async fn dokument_entfernen(
    State(st): State<AppState>,
    u: CurrentUser,
    Path((id, did)): Path<(i64, i64)>,
) -> PageResult<Redirect> {
    let a = eigener_antrag(&st, &u, id).await?;
    if !ablauf::zustand(&a)?.unterlagen_aenderbar() {
        return Err(AppError::Conflict(
            "Unterlagen können nur im Entwurf oder während einer Nachforderung geändert werden."
                .into(),
        ));
    }
    let d = st
        .db
        .dokumente(a.id)
        .await?
        .into_iter()
        .find(|d| d.id == did)
        .ok_or(AppError::NotFound)?;
    let now = now_millis();
    if st.db.entferne_dokument(d.id, now).await? {
        let mut tx = st.db.begin().await?;
        Db::ereignis(
            &mut tx,
            &NeuesEreignis {
                vorgang_id: a.id,
                user_id: Some(u.user_id()),
                art: "dokument_entfernt",
                zustand: None,
                status_code: None,
                text: &format!("Unterlage „{}“ zurückgezogen", d.bezeichnung),
            },
            now,
        )
        .await?;
        tx.commit().await.map_err(AppError::internal)?;
    }
    Ok(Redirect::to(&format!("/vorgaenge/{}", a.id)))
}
