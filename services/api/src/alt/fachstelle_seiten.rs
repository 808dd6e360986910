//! The Fachstelle's side of the Beteiligung: its inbox (every request to the Stellen the
//! person works for, by deadline), the page of one request (what is needed to judge the
//! case, the documents in scope, Rückfragen, Stellungnahmen, the relevant timeline), asking
//! a Rückfrage, and giving a structured Stellungnahme (corrections supersede, never
//! overwrite; late ones are taken in and flagged, § 70 Abs. 1 Satz 4 HBO).
//!
//! # Who sees what — the access rule, in one place
//!
//! A member of a Fachstelle sees a case only through a request (Beteiligung) to one of their
//! Stellen, and only from the moment it was asked. Through it they see:
//!
//! - only the documents in scope (`umfang`; `None` = all documents),
//! - in the versions of the Fassung current when they were asked (`fassung_id`),
//! - plus the versions of a later Fassung the Bauaufsicht shared (`freigegeben_fassung_id`).
//!
//! A withdrawn request: the Stelle keeps read access to what it already saw — if a member had
//! opened the request before the withdrawal, its page and the documents stay readable (the
//! Stelle may need to know what it commented on and why its work stopped); if nobody had
//! opened it, no document is shown. In both cases it can no longer act (no comment, no
//! Rückfrage, no Stellungnahme).
//!
//! [`sichtbare_versionen`] computes the versions of one request, [`fachstelle_darf_version_sehen`]
//! answers for one version; every route that serves document content (the downloads,
//! previews and thumbnails of `/api/v1`, the plan viewer) asks it for the Fachstelle role,
//! and answers 404 for everything else.
//!
//! Attachments (Anlagen) a Stelle uploads for its Stellungnahme are documents of the case
//! but not Bauvorlagen. An attachment version is visible to the members of the Stelle whose
//! request it belongs to (also after a withdrawal: the Stelle wrote it) and to the tenant's
//! Bauaufsicht — never to applicants (they do not see Stellungnahmen), other
//! Stellen or the admin. [`anlage_sichtbar`] answers that for every role; the `/api/v1`
//! version routes ask it before their case rule.

use crate::ablauf::{self, Mitteilung, Wechsel};
use crate::antrag_seiten::heute_berlin;
use crate::auth::CurrentUser;
use crate::templates::render;
use crate::{AppError, AppState, error::PageResult};
use axum::Router;
use axum::extract::{Form, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use chrono::NaiveDate;
use minijinja::context;
use plankammer_domain::beteiligung::{
    Ausloeser, BeteiligungsEreignis, BeteiligungsZustand, Beteiligungsstand, MAX_NEBENBESTIMMUNG,
    MAX_NEBENBESTIMMUNGEN, Nebenbestimmung, Rolle, Schweigefolge, StelleId,
    Stellungnahme as DomStellungnahme, StellungnahmeId, Zustimmung, uebergang,
};
use plankammer_domain::vorgang::{Ereignis, Zustand};
use plankammer_domain::zugriff::Akteur;
use plankammer_domain::{Role, codeliste, frist, zeit};
use plankammer_storage::antrag::{Antrag, NeuesEreignis};
use plankammer_storage::beteiligung::{Beteiligung, NeueStellungnahme, OFFEN, Stellungnahme};
use plankammer_storage::dokumente::Version;
use plankammer_storage::{Conn, Db, Millis, StoreError, now_millis};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use std::collections::HashMap;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/beteiligungen/{bid}", get(anfrage_seite))
        .route("/beteiligungen/{bid}/rueckfragen", post(rueckfrage_stellen))
        .route(
            "/beteiligungen/{bid}/stellungnahme",
            get(stellungnahme_formular).post(stellungnahme_abgeben),
        )
        // The upload (`POST /beteiligungen/{bid}/anlagen`) is in
        // `vorgang_seiten::upload_router`, outside the form body limit.
        .route(
            "/beteiligungen/{bid}/anlagen/{did}/entfernen",
            post(anlage_entfernen),
        )
}

/// Longest Rückfrage (and answer).
pub const MAX_FRAGE: usize = 4000;
/// Rows of Nebenbestimmungen the empty form offers.
const STANDARD_ZEILEN: usize = 2;

// --- The access rule ------------------------------------------------------------------------

/// May the Stelle still act on this request (comment, ask, state its view)? Not after the
/// Bauaufsicht withdrew it; whether the state accepts the act is the domain's decision.
pub fn darf_handeln(b: &Beteiligung) -> bool {
    b.zustand != BeteiligungsZustand::Zurueckgezogen.slug()
}

/// May the Stelle read the documents of this request? Yes, unless it was withdrawn before
/// any member had opened it (see the module documentation).
pub fn darf_dokumente_lesen(b: &Beteiligung) -> bool {
    darf_handeln(b) || b.geoeffnet_at.is_some()
}

/// The request `bid`, if the person is a Fachstelle member of the Stelle asked and the request
/// exists since before now. Everyone else: 404 (nothing reveals that it exists).
pub async fn beteiligung_des_mitglieds(
    db: &Db,
    role: Role,
    user_id: i64,
    bid: i64,
) -> Result<Beteiligung, AppError> {
    if role != Role::Fachstelle {
        return Err(AppError::NotFound);
    }
    let b = db.beteiligung(bid).await?;
    let mitglied = db
        .stellen_von(user_id)
        .await?
        .iter()
        .any(|s| s.id == b.stelle_id);
    if !mitglied || b.angefragt_at > now_millis() {
        return Err(AppError::NotFound);
    }
    Ok(b)
}

/// One document version a Stelle may see through a request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SichtbareVersion {
    pub dokument_id: i64,
    pub bezeichnung: String,
    pub anlageart: Option<String>,
    pub version_id: i64,
    pub version_nummer: i64,
    pub dateiname: String,
    pub fassung_nummer: i64,
    /// From a later Fassung the Bauaufsicht shared (not the one current at the request).
    pub spaeter_freigegeben: bool,
}

/// The versions a Stelle sees through one request: the documents in scope in the Fassung
/// current at the request, and in a later Fassung the Bauaufsicht shared. Empty when the
/// request was withdrawn before anyone opened it.
pub async fn sichtbare_versionen(
    db: &Db,
    b: &Beteiligung,
) -> Result<Vec<SichtbareVersion>, AppError> {
    if !darf_dokumente_lesen(b) {
        return Ok(vec![]);
    }
    let nummern: HashMap<i64, i64> = db
        .fassungen(b.vorgang_id)
        .await?
        .into_iter()
        .map(|f| (f.id, f.nummer))
        .collect();
    let im_umfang = |dokument_id: i64| b.umfang.as_ref().is_none_or(|u| u.contains(&dokument_id));
    let mut out: Vec<SichtbareVersion> = Vec::new();
    let fassungen = [(b.fassung_id, false), (b.freigegeben_fassung_id, true)];
    for (fassung, spaeter) in fassungen {
        let Some(fid) = fassung else { continue };
        // A Fassung of another case is never shown, whatever the row says.
        let Some(&nummer) = nummern.get(&fid) else {
            continue;
        };
        for d in db.fassung_dokumente(fid).await? {
            if !im_umfang(d.dokument_id) || out.iter().any(|v| v.version_id == d.version_id) {
                continue;
            }
            out.push(SichtbareVersion {
                dokument_id: d.dokument_id,
                bezeichnung: d.bezeichnung,
                anlageart: d.anlageart,
                version_id: d.version_id,
                version_nummer: d.version_nummer,
                dateiname: d.dateiname,
                fassung_nummer: nummer,
                spaeter_freigegeben: spaeter,
            });
        }
    }
    Ok(out)
}

/// May this Fachstelle member see this document version? `Some(request)` through which they
/// see it (the newest one when several Stellen of theirs were asked; for an attachment, the
/// request it belongs to), `None`: deny (404).
pub async fn fachstelle_darf_version_sehen(
    db: &Db,
    user_id: i64,
    version: &Version,
) -> Result<Option<Beteiligung>, AppError> {
    if let Some(bid) = db.anlage_beteiligung(version.dokument_id).await? {
        // The Stelle wrote it: it stays readable to its members, also after a withdrawal.
        return match beteiligung_des_mitglieds(db, Role::Fachstelle, user_id, bid).await {
            Ok(b) => Ok(Some(b)),
            Err(AppError::NotFound) => Ok(None),
            Err(e) => Err(e),
        };
    }
    let now = now_millis();
    let mut anfragen: Vec<Beteiligung> = db
        .beteiligungen_fuer_mitglied(user_id)
        .await?
        .into_iter()
        .filter(|b| b.vorgang_id == version.vorgang_id && b.angefragt_at <= now)
        .collect();
    anfragen.sort_by_key(|b| std::cmp::Reverse(b.id));
    for b in anfragen {
        if sichtbare_versionen(db, &b)
            .await?
            .iter()
            .any(|v| v.version_id == version.id)
        {
            return Ok(Some(b));
        }
    }
    Ok(None)
}

/// Is this version a Stelle's attachment, and may the actor see it? `None`: not an
/// attachment (the rules for Bauvorlagen apply). `Some(true)`: a member of the Stelle whose
/// request it belongs to, or the Bauaufsicht of the case's tenant. `Some(false)`: anyone
/// else — applicants, other Stellen, the admin (404).
pub async fn anlage_sichtbar(
    db: &Db,
    akteur: &Akteur,
    version: &Version,
) -> Result<Option<bool>, AppError> {
    if db.anlage_beteiligung(version.dokument_id).await?.is_none() {
        return Ok(None);
    }
    Ok(Some(match akteur.role {
        Role::Fachstelle => fachstelle_darf_version_sehen(db, akteur.user_id, version)
            .await?
            .is_some(),
        Role::Bauaufsicht => version.tenant_id == akteur.tenant_id,
        Role::Antragsteller | Role::Admin => false,
    }))
}

/// The case page for a Fachstelle member: their newest request on this case (the page
/// shows what the access rule allows), or 404 when they have none.
pub async fn vorgang_fuer_fachstelle(
    st: &AppState,
    u: &CurrentUser,
    vorgang_id: i64,
) -> PageResult<Response> {
    let now = now_millis();
    let b = st
        .db
        .beteiligungen_fuer_mitglied(u.user_id())
        .await?
        .into_iter()
        .filter(|b| b.vorgang_id == vorgang_id && b.angefragt_at <= now)
        .max_by_key(|b| b.id)
        .ok_or(AppError::NotFound)?;
    Ok(Redirect::to(&format!("/beteiligungen/{}", b.id)).into_response())
}

// --- Views ------------------------------------------------------------------------------------

fn datum(s: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").ok()
}

pub(crate) fn schweigefolge(b: &Beteiligung) -> Schweigefolge {
    match b.schweigefolge.as_str() {
        "zustimmung" => Schweigefolge::ZustimmungFingiert,
        "einvernehmen" => Schweigefolge::EinvernehmenFingiert,
        _ => Schweigefolge::Keine,
    }
}

fn badge(z: Option<BeteiligungsZustand>, f: Schweigefolge) -> &'static str {
    match z.map(|z| z.ampel_bei(f).klasse()) {
        Some("gruen") => "success",
        Some("gelb") => "warning",
        Some("rot") => "danger",
        _ => "info",
    }
}

/// The colour of the days left: red at 3 days or less (or past), yellow up to 7, else green.
fn rest_badge(tage: i64) -> &'static str {
    match tage {
        t if t <= 3 => "danger",
        t if t <= 7 => "warning",
        _ => "success",
    }
}

fn schweigefolge_satz(f: Schweigefolge) -> &'static str {
    match f {
        Schweigefolge::ZustimmungFingiert => {
            "Äußert sich die Stelle bis zum Fristende nicht, gilt ihre Zustimmung als erteilt; eine spätere Stellungnahme wird angenommen, aber als verspätet gekennzeichnet."
        }
        Schweigefolge::EinvernehmenFingiert => {
            "Verweigert die Gemeinde ihr Einvernehmen nicht bis zum Fristende, gilt es als erteilt."
        }
        Schweigefolge::Keine => "Das Schweigen der Stelle hat keine gesetzliche Folge.",
    }
}

/// The request as the Fachstelle sees it.
pub(crate) fn anfrage_view(b: &Beteiligung, heute: NaiveDate) -> Value {
    let z = BeteiligungsZustand::from_slug(&b.zustand);
    let f = schweigefolge(b);
    let ende = datum(&b.ende);
    let offen = OFFEN.contains(&b.zustand.as_str());
    let tage = ende.map(|e| frist::tage_bis(heute, e));
    json!({
        "id": b.id,
        "vorgang_id": b.vorgang_id,
        "stelle": b.stelle_name,
        "rolle": Rolle::from_code(&b.rolle).map(Rolle::bezeichnung).unwrap_or(b.rolle.as_str()),
        "rolle_code": b.rolle,
        "rechtsbereich": b.rechtsbereich,
        "notiz": b.notiz,
        "zustand": z.map(|z| z.bezeichnung_bei(f)).unwrap_or(b.zustand.as_str()),
        "zustand_code": b.zustand,
        "badge": badge(z, f),
        "ende": ende.map(frist::datum_de).unwrap_or_else(|| b.ende.clone()),
        "ende_iso": b.ende,
        "rest": if offen { ende.map(|e| crate::pruefung_seiten::resttage_text(heute, e)) } else { None },
        "rest_badge": tage.map(rest_badge).unwrap_or("info"),
        "tage": tage,
        "offen": offen,
        "zurueckgezogen": b.zustand == BeteiligungsZustand::Zurueckgezogen.slug(),
        "grund": b.grund,
        "rechtsgrundlage": b.rechtsgrundlage,
        "behoerdlich_gesetzt": b.behoerdlich_gesetzt,
        "schweigefolge": f.bezeichnung(),
        "schweigefolge_satz": schweigefolge_satz(f),
        "erklaerung": b.erklaerung.lines().collect::<Vec<_>>(),
        "angefragt": zeit::format_berlin(b.angefragt_at),
        "neu": b.geoeffnet_at.is_none(),
    })
}

/// Stellungnahmen for display: newest first, superseded ones marked with their successor.
pub(crate) fn stellungnahmen_view(liste: &[Stellungnahme]) -> Vec<Value> {
    let mut out: Vec<Value> = liste
        .iter()
        .map(|s| {
            let ersetzt_durch = liste.iter().find(|n| n.ersetzt_id == Some(s.id)).map(|n| n.id);
            let zustimmung = zustimmung_aus(&s.zustimmung);
            let nb: Vec<Value> = s
                .nebenbestimmungen
                .as_array()
                .cloned()
                .unwrap_or_default()
                .into_iter()
                .map(|n| {
                    let art = n["art"].as_str().unwrap_or_default().to_string();
                    json!({
                        "art": art,
                        "art_name": codeliste::nebenbestimmungsarten().name(&art).unwrap_or("unbekannte Art"),
                        "text": n["text"].as_str().unwrap_or_default(),
                        "begruendung": n["begruendung"].as_str().unwrap_or_default(),
                    })
                })
                .collect();
            json!({
                "id": s.id,
                "tenor": s.tenor,
                "zustimmung": zustimmung.map(Zustimmung::bezeichnung).unwrap_or(s.zustimmung.as_str()),
                "zustimmung_code": s.zustimmung,
                "nebenbestimmungen": nb,
                "begruendung": s.begruendung,
                "verspaetet": s.verspaetet,
                "beruecksichtigt": s.beruecksichtigt,
                "abgegeben": zeit::format_berlin(s.created_at),
                "ersetzt_id": s.ersetzt_id,
                "ersetzt_durch": ersetzt_durch,
                "aktuell": ersetzt_durch.is_none(),
            })
        })
        .collect();
    out.reverse();
    out
}

/// [`stellungnahmen_view`] with the attachments each Stellungnahme carries (`anlagen`:
/// version id, file name, size), as frozen at its submission.
pub(crate) async fn stellungnahmen_mit_anlagen(
    db: &Db,
    beteiligung_id: i64,
    liste: &[Stellungnahme],
) -> Result<Vec<Value>, AppError> {
    let links = db.anlagen_verknuepfungen(beteiligung_id).await?;
    let mut out = stellungnahmen_view(liste);
    for v in &mut out {
        let id = v["id"].as_i64();
        let anlagen: Vec<Value> = links
            .iter()
            .filter(|(s, _)| Some(*s) == id)
            .map(|(_, ver)| {
                json!({
                    "version_id": ver.id,
                    "dateiname": ver.dateiname,
                    "groesse": crate::upload::mb(ver.groesse.max(0) as u64),
                })
            })
            .collect();
        v["anlagen"] = json!(anlagen);
    }
    Ok(out)
}

/// The request's current attachments for the page, each with its pipeline state (as the
/// case page shows versions), and whether a check still runs.
async fn anlagen_view(st: &AppState, b: &Beteiligung) -> Result<(Vec<Value>, bool), AppError> {
    let mut out = Vec::new();
    let mut laufend = false;
    for a in st.db.anlagen(b.id).await? {
        let v = crate::vorgang_seiten::version_view(st, a.version).await?;
        laufend |= v.laufend;
        let (zustand, code) = if v.laufend {
            ("wird geprüft", "laeuft")
        } else if v.fehlgeschlagen {
            ("Prüfung fehlgeschlagen", "fehlgeschlagen")
        } else {
            ("geprüft", "fertig")
        };
        out.push(json!({
            "dokument_id": a.dokument_id,
            "bezeichnung": a.bezeichnung,
            "zustand": zustand,
            "zustand_code": code,
            "abgegeben_mit": a.abgegeben_mit,
            "entfernbar": a.abgegeben_mit.is_empty(),
            "version": v,
        }));
    }
    Ok((out, laufend))
}

/// May the Stelle add attachments to this request now? While it may give a Stellungnahme
/// or correct the current one — the same moments the page offers those forms.
fn anlagen_aenderbar(b: &Beteiligung, liste: &[Stellungnahme]) -> bool {
    let zustand = BeteiligungsZustand::from_slug(&b.zustand);
    let kann_stellungnahme =
        zustand.is_some_and(|z| z.ist_offen() || z == BeteiligungsZustand::FristAbgelaufen);
    darf_handeln(b) && (kann_stellungnahme || aktuelle(liste).is_some())
}

fn zustimmung_aus(code: &str) -> Option<Zustimmung> {
    Zustimmung::ALL
        .into_iter()
        .find(|z| zustimmung_code(*z) == code)
}

fn zustimmung_code(z: Zustimmung) -> &'static str {
    match z {
        Zustimmung::Ja => "ja",
        Zustimmung::Nein => "nein",
        Zustimmung::MitNebenbestimmungen => "mit_nebenbestimmungen",
    }
}

/// The current (not superseded) Stellungnahme of a request.
fn aktuelle(liste: &[Stellungnahme]) -> Option<&Stellungnahme> {
    liste
        .iter()
        .filter(|s| !liste.iter().any(|n| n.ersetzt_id == Some(s.id)))
        .max_by_key(|s| s.id)
}

pub(crate) fn rueckfragen_view(
    liste: &[plankammer_storage::beteiligung::Rueckfrage],
) -> Vec<Value> {
    liste
        .iter()
        .map(|r| {
            json!({
                "id": r.id,
                "frage": r.frage,
                "an_antragsteller": r.an_antragsteller,
                "hemmt_frist": r.hemmt_frist,
                "antwort": r.antwort,
                "gestellt": zeit::format_berlin(r.gestellt_at),
                "beantwortet": r.beantwortet_at.map(zeit::format_berlin),
                "weitergegeben": r.weitergegeben_at.map(zeit::format_berlin),
                "offen": r.antwort.is_none(),
            })
        })
        .collect()
}

/// What the Stelle needs to judge the case — and no more: the Vorhaben and the Grundstück,
/// the procedure; never the Bauherrschaft or the Entwurfsverfasser.
fn fall_view(a: &Antrag) -> Value {
    let g = &a.angaben["grundstueck"];
    let bv = &a.angaben["bauvorhaben"];
    let s = |v: &Value| v.as_str().unwrap_or_default().trim().to_string();
    let anschrift = [
        format!("{} {}", s(&g["strasse"]), s(&g["hausnummer"]))
            .trim()
            .to_string(),
        format!("{} {}", s(&g["plz"]), s(&g["ort"]))
            .trim()
            .to_string(),
    ]
    .into_iter()
    .filter(|x| !x.is_empty())
    .collect::<Vec<_>>()
    .join(", ");
    let flurstuecke: Vec<String> = g["flurstuecke"]
        .as_array()
        .map(|l| l.iter().map(s).filter(|x| !x.is_empty()).collect())
        .unwrap_or_default();
    let massnahme = s(&bv["massnahme"]);
    let gk = s(&bv["gebaeudeklasse"]);
    json!({
        "id": a.id,
        "aktenzeichen": a.aktenzeichen,
        "bezeichnung": a.bezeichnung,
        "verfahren": ablauf::verfahren(a).map(|v| v.bezeichnung_mit_paragraph()),
        "status": ablauf::zustand(a).ok().map(|z| ablauf::statuszeile(z, ablauf::verfahren(a))),
        "anschrift": anschrift,
        "gemeinde": s(&g["gemeinde"]),
        "gemarkung": s(&g["gemarkung"]),
        "flur": s(&g["flur"]),
        "flurstuecke": flurstuecke.join(", "),
        "massnahme": codeliste::baumassnahmearten().name(&massnahme).map(str::to_string).unwrap_or(massnahme),
        "gebaeudeklasse": codeliste::gebaeudeklassen().name(&gk).map(str::to_string).unwrap_or(gk),
    })
}

/// The timeline entries about this request's Stelle (each names it in „…“).
async fn verlauf(db: &Db, b: &Beteiligung) -> Result<Vec<Value>, AppError> {
    let marke = format!("„{}“", b.stelle_name);
    Ok(db
        .ereignisse(b.vorgang_id)
        .await?
        .into_iter()
        .filter(|e| e.text.contains(&marke))
        .map(|e| {
            json!({
                "wann": zeit::format_berlin(e.at),
                "art": e.art,
                "text": e.text,
            })
        })
        .collect())
}

// --- Inbox ------------------------------------------------------------------------------------

/// The Fachstelle's inbox rows: every request to the person's Stellen, by deadline end;
/// withdrawn ones stay listed, marked.
pub async fn eingang_zeilen(st: &AppState, u: &CurrentUser) -> Result<Vec<Value>, AppError> {
    if u.role() != Role::Fachstelle {
        return Ok(vec![]);
    }
    let heute = heute_berlin();
    let now = now_millis();
    let mut faelle: HashMap<i64, Antrag> = HashMap::new();
    let mut zeilen = Vec::new();
    for b in st.db.beteiligungen_fuer_mitglied(u.user_id()).await? {
        if b.angefragt_at > now {
            continue;
        }
        if let std::collections::hash_map::Entry::Vacant(e) = faelle.entry(b.vorgang_id) {
            e.insert(st.db.antrag(b.vorgang_id).await?);
        }
        let a = &faelle[&b.vorgang_id];
        let mut v = anfrage_view(&b, heute);
        v["aktenzeichen"] = json!(a.aktenzeichen.clone().unwrap_or_default());
        v["bezeichnung"] = json!(a.bezeichnung);
        zeilen.push(v);
    }
    Ok(zeilen)
}

/// The Fachstelle's start page: its inbox.
pub async fn startseite(st: &AppState, u: &CurrentUser) -> PageResult<Html<String>> {
    let zeilen = eingang_zeilen(st, u).await?;
    let stellen: Vec<String> = st
        .db
        .stellen_von(u.user_id())
        .await?
        .into_iter()
        .map(|s| s.name)
        .collect();
    render(
        "fachstelle_eingang.html",
        context! { layout => crate::pages::layout(u, "/start"), zeilen, stellen },
    )
}

// --- The request page -------------------------------------------------------------------------

async fn anfrage_seite(
    State(st): State<AppState>,
    u: CurrentUser,
    Path(bid): Path<i64>,
) -> PageResult<Response> {
    if u.role() == Role::Bauaufsicht {
        // The Bauaufsicht works on the case's Beteiligung page.
        let b = st.db.beteiligung(bid).await?;
        let a = st.db.antrag(b.vorgang_id).await?;
        if a.tenant_id != u.tenant_id() {
            return Err(AppError::NotFound);
        }
        return Ok(Redirect::to(&format!(
            "/vorgaenge/{}/beteiligung#beteiligung-{bid}",
            a.id
        ))
        .into_response());
    }
    let mut b = beteiligung_des_mitglieds(&st.db, u.role(), u.user_id(), bid).await?;
    if darf_handeln(&b)
        && (b.zustand == BeteiligungsZustand::Angefragt.slug() || b.geoeffnet_at.is_none())
    {
        oeffnen(&st, &u, &b).await?;
        b = st.db.beteiligung(bid).await?;
    }
    let html = anfrage_rendern(&st, &u, &b, vec![], "", false, vec![]).await?;
    Ok(html.into_response())
}

/// The first opening by a member: `angefragt` → `in_bearbeitung`, with a timeline entry.
async fn oeffnen(st: &AppState, u: &CurrentUser, b: &Beteiligung) -> Result<(), AppError> {
    let now = now_millis();
    let mut tx = st.db.begin().await?;
    if Db::oeffne_beteiligung(&mut tx, b.id, now).await? {
        let text = format!(
            "Anfrage an „{}“ von der Stelle geöffnet; in Bearbeitung.",
            b.stelle_name
        );
        Db::ereignis(
            &mut tx,
            &NeuesEreignis {
                vorgang_id: b.vorgang_id,
                user_id: Some(u.user_id()),
                art: "beteiligung_geoeffnet",
                zustand: None,
                status_code: None,
                text: &text,
            },
            now,
        )
        .await?;
    }
    tx.commit().await.map_err(AppError::internal)?;
    Ok(())
}

async fn anfrage_rendern(
    st: &AppState,
    u: &CurrentUser,
    b: &Beteiligung,
    fehler: Vec<String>,
    frage: &str,
    an_antragsteller: bool,
    anlage_fehler: Vec<String>,
) -> PageResult<Html<String>> {
    let heute = heute_berlin();
    let a = st.db.antrag(b.vorgang_id).await?;
    let dokumente = sichtbare_versionen(&st.db, b).await?;
    let stellungnahmen = st.db.stellungnahmen(b.id).await?;
    let aktuell = aktuelle(&stellungnahmen).map(|s| s.id);
    let rueckfragen = st.db.rueckfragen(b.id).await?;
    let zustand = BeteiligungsZustand::from_slug(&b.zustand);
    let kann_fragen = darf_handeln(b)
        && zustand.is_some_and(|z| {
            matches!(
                z,
                BeteiligungsZustand::Angefragt | BeteiligungsZustand::InBearbeitung
            )
        });
    let kann_stellungnahme = darf_handeln(b)
        && zustand.is_some_and(|z| z.ist_offen() || z == BeteiligungsZustand::FristAbgelaufen);
    let kann_korrigieren = darf_handeln(b) && aktuell.is_some() && !kann_stellungnahme;
    let (anlagen, anlagen_laufend) = anlagen_view(st, b).await?;
    render(
        "fachstelle_anfrage.html",
        context! {
            layout => crate::pages::layout(u, "/start"),
            anfrage => anfrage_view(b, heute),
            fall => fall_view(&a),
            dokumente,
            darf_lesen => darf_dokumente_lesen(b),
            stellungnahmen => stellungnahmen_mit_anlagen(&st.db, b.id, &stellungnahmen).await?,
            aktuell,
            anlagen, anlagen_laufend, anlage_fehler,
            anlagen_bearbeiten => anlagen_aenderbar(b, &stellungnahmen),
            max_anlagen => crate::upload::MAX_ANLAGEN_JE_HOCHLADEN,
            max_datei => crate::upload::mb(st.config.upload_max_file),
            rueckfragen => rueckfragen_view(&rueckfragen),
            verlauf => verlauf(&st.db, b).await?,
            kann_fragen, kann_stellungnahme, kann_korrigieren,
            darf_handeln => darf_handeln(b),
            fehler, frage, an_antragsteller,
            max_frage => MAX_FRAGE,
        },
    )
}

// --- Rückfrage --------------------------------------------------------------------------------

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct FrageForm {
    frage: String,
    an_antragsteller: Option<String>,
}

fn stand(b: &Beteiligung) -> Result<Beteiligungsstand, AppError> {
    let zustand = BeteiligungsZustand::from_slug(&b.zustand)
        .ok_or_else(|| AppError::internal(format!("unknown request state {:?}", b.zustand)))?;
    let fristende = datum(&b.ende)
        .ok_or_else(|| AppError::internal(format!("request {} has no valid end", b.id)))?;
    let mut s = Beteiligungsstand::neu(fristende, schweigefolge(b));
    s.zustand = zustand;
    Ok(s)
}

fn fehler_der_domain(e: plankammer_domain::beteiligung::BeteiligungsFehler) -> AppError {
    use plankammer_domain::beteiligung::BeteiligungsFehler as F;
    match e {
        F::Unzulaessig { meldung, .. } => AppError::Conflict(meldung),
        F::NichtBerechtigt { .. } => AppError::Forbidden,
        F::Angabe(m) => AppError::Invalid(m),
    }
}

fn zurueckgezogen() -> AppError {
    AppError::Conflict(
        "Die Bauaufsicht hat diese Anfrage zurückgezogen; Sie können dazu nichts mehr einreichen."
            .into(),
    )
}

fn geaendert() -> AppError {
    AppError::Conflict(
        "Die Anfrage wurde inzwischen geändert. Bitte laden Sie die Seite neu.".into(),
    )
}

async fn rueckfrage_stellen(
    State(st): State<AppState>,
    u: CurrentUser,
    Path(bid): Path<i64>,
    Form(f): Form<FrageForm>,
) -> PageResult<Response> {
    let b = beteiligung_des_mitglieds(&st.db, u.role(), u.user_id(), bid).await?;
    if !darf_handeln(&b) {
        return Err(zurueckgezogen());
    }
    let frage = f.frage.trim();
    let an_antragsteller = f.an_antragsteller.is_some();
    let mut fehler = Vec::new();
    if frage.is_empty() {
        fehler.push("Bitte formulieren Sie Ihre Rückfrage.".to_string());
    } else if frage.chars().count() > MAX_FRAGE {
        fehler.push(format!(
            "Die Rückfrage ist zu lang (höchstens {MAX_FRAGE} Zeichen)."
        ));
    }
    if !fehler.is_empty() {
        let html = anfrage_rendern(&st, &u, &b, fehler, frage, an_antragsteller, vec![]).await?;
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, html).into_response());
    }
    let neu = uebergang(
        &stand(&b)?,
        &BeteiligungsEreignis::RueckfrageStellen,
        Ausloeser::Person(Role::Fachstelle),
    )
    .map_err(fehler_der_domain)?;
    let a = st.db.antrag(b.vorgang_id).await?;
    let now = now_millis();
    let mut tx = st.db.begin().await?;
    if !Db::wechsle_beteiligungszustand(&mut tx, b.id, &b.zustand, neu.zustand.slug(), None, now)
        .await?
    {
        return Err(geaendert());
    }
    Db::stelle_rueckfrage(
        &mut tx,
        b.id,
        frage,
        an_antragsteller,
        false,
        u.user_id(),
        now,
    )
    .await?;
    let text = format!(
        "Rückfrage der Stelle „{}“ an die Bauaufsicht{}.",
        b.stelle_name,
        if an_antragsteller {
            " (Weitergabe an die Antragstellenden angeregt)"
        } else {
            ""
        }
    );
    Db::ereignis(
        &mut tx,
        &NeuesEreignis {
            vorgang_id: a.id,
            user_id: Some(u.user_id()),
            art: "beteiligung_rueckfrage",
            zustand: None,
            status_code: None,
            text: &text,
        },
        now,
    )
    .await?;
    let mailtext = format!(
        "{text}\nBitte beantworten Sie die Rückfrage auf der Seite der Beteiligung. Ob die Rückfrage die Frist der Stelle hemmt, entscheiden Sie mit der Antwort."
    );
    ablauf::benachrichtige(
        &st,
        &mut tx,
        &a,
        Mitteilung {
            titel: &format!("Rückfrage der Stelle {}", b.stelle_name),
            text: &mailtext,
            status: None,
            frist: None,
            an: ablauf::An::Bauaufsicht,
            pfad: Some(&format!(
                "/vorgaenge/{}/beteiligung#beteiligung-{}",
                a.id, b.id
            )),
        },
        now,
    )
    .await?;
    tx.commit().await.map_err(AppError::internal)?;
    tracing::info!(
        beteiligung_id = b.id,
        vorgang_id = a.id,
        "rueckfrage gestellt"
    );
    Ok(Redirect::to(&format!("/beteiligungen/{}#rueckfragen", b.id)).into_response())
}

// --- Stellungnahme ------------------------------------------------------------------------------

/// One row of Nebenbestimmungen as entered.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct NbZeile {
    pub art: String,
    pub text: String,
    pub begruendung: String,
}

/// The Stellungnahme form as entered.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct Eingabe {
    pub tenor: String,
    pub zustimmung: String,
    pub begruendung: String,
    pub ersetzt: Option<i64>,
    pub zeilen: Vec<NbZeile>,
    /// "zeile": one more row, anything else: submit.
    pub aktion: String,
}

impl Eingabe {
    /// Reads the form: `nb_art_N`, `nb_text_N`, `nb_begruendung_N` for rows N = 1…;
    /// row numbers above [`MAX_NEBENBESTIMMUNGEN`] are refused.
    pub fn aus_formular(felder: &[(String, String)]) -> Result<Eingabe, String> {
        let mut e = Eingabe::default();
        let mut zeilen: std::collections::BTreeMap<usize, NbZeile> = Default::default();
        for (k, v) in felder {
            match k.as_str() {
                "tenor" => e.tenor = v.clone(),
                "zustimmung" => e.zustimmung = v.trim().to_string(),
                "begruendung" => e.begruendung = v.clone(),
                "aktion" => e.aktion = v.clone(),
                "ersetzt" if !v.trim().is_empty() => {
                    e.ersetzt = Some(v.trim().parse().map_err(|_| {
                        "Die Stellungnahme, die korrigiert werden soll, ist ungültig angegeben."
                            .to_string()
                    })?)
                }
                _ => {
                    let Some(rest) = k.strip_prefix("nb_") else {
                        continue;
                    };
                    let Some((feld, nr)) = rest.rsplit_once('_') else {
                        continue;
                    };
                    let Ok(nr) = nr.parse::<usize>() else {
                        continue;
                    };
                    if nr == 0 || nr > MAX_NEBENBESTIMMUNGEN {
                        return Err(format!(
                            "Eine Stellungnahme kann höchstens {MAX_NEBENBESTIMMUNGEN} Nebenbestimmungen enthalten."
                        ));
                    }
                    let z = zeilen.entry(nr).or_default();
                    match feld {
                        "art" => z.art = v.trim().to_string(),
                        "text" => z.text = v.clone(),
                        "begruendung" => z.begruendung = v.clone(),
                        _ => {}
                    }
                }
            }
        }
        e.zeilen = zeilen.into_values().collect();
        Ok(e)
    }

    /// The rows with content (a row with neither text nor Begründung is an unused row).
    fn gefuellte(&self) -> Vec<&NbZeile> {
        self.zeilen
            .iter()
            .filter(|z| !z.text.trim().is_empty() || !z.begruendung.trim().is_empty())
            .collect()
    }
}

/// Checks the form with the domain's rules plus the Begründung of each Nebenbestimmung;
/// every problem as a German sentence.
pub fn pruefe_eingabe(
    e: &Eingabe,
    b: &Beteiligung,
    heute: NaiveDate,
) -> Result<(Zustimmung, Vec<Value>), Vec<String>> {
    let mut m = Vec::new();
    let zustimmung = zustimmung_aus(&e.zustimmung);
    if zustimmung.is_none() {
        m.push(
            "Bitte wählen Sie, ob Sie zustimmen (ja, nein oder mit Nebenbestimmungen).".to_string(),
        );
    }
    let gefuellt = e.gefuellte();
    let nebenbestimmungen: Vec<Nebenbestimmung> = gefuellt
        .iter()
        .map(|z| Nebenbestimmung {
            art: z.art.clone(),
            text: z.text.trim().to_string(),
        })
        .collect();
    for (i, z) in gefuellt.iter().enumerate() {
        if z.begruendung.chars().count() > MAX_NEBENBESTIMMUNG {
            m.push(format!(
                "Nebenbestimmung {}: Die Begründung ist zu lang (höchstens {MAX_NEBENBESTIMMUNG} Zeichen).",
                i + 1
            ));
        }
    }
    let dom = DomStellungnahme {
        id: StellungnahmeId(0),
        stelle: StelleId(b.stelle_id),
        stelle_name: b.stelle_name.clone(),
        tenor: e.tenor.trim().to_string(),
        zustimmung: zustimmung.unwrap_or(Zustimmung::Ja),
        nebenbestimmungen,
        begruendung: e.begruendung.trim().to_string(),
        abgegeben_am: heute,
        ersetzt: e.ersetzt.map(StellungnahmeId),
    };
    if let Err(f) = dom.pruefe() {
        if zustimmung.is_some() {
            m.extend(f.meldungen);
        } else {
            // Without a choice, only the messages that do not depend on it.
            m.extend(
                f.meldungen
                    .into_iter()
                    .filter(|x| !x.contains("Zustimmung")),
            );
        }
    }
    if !m.is_empty() {
        return Err(m);
    }
    let json: Vec<Value> = gefuellt
        .iter()
        .map(|z| json!({"art": z.art, "text": z.text.trim(), "begruendung": z.begruendung.trim()}))
        .collect();
    Ok((dom.zustimmung, json))
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct FormularQuery {
    ersetzt: Option<i64>,
}

async fn stellungnahme_formular(
    State(st): State<AppState>,
    u: CurrentUser,
    Path(bid): Path<i64>,
    Query(q): Query<FormularQuery>,
) -> PageResult<Response> {
    let b = beteiligung_des_mitglieds(&st.db, u.role(), u.user_id(), bid).await?;
    if !darf_handeln(&b) {
        return Err(zurueckgezogen());
    }
    let liste = st.db.stellungnahmen(b.id).await?;
    let mut e = Eingabe::default();
    if let Some(alt_id) = q.ersetzt {
        // A correction starts from the statement it corrects.
        let alt = liste
            .iter()
            .find(|s| s.id == alt_id)
            .ok_or(AppError::NotFound)?;
        e.ersetzt = Some(alt.id);
        e.tenor = alt.tenor.clone();
        e.zustimmung = alt.zustimmung.clone();
        e.begruendung = alt.begruendung.clone();
        e.zeilen = alt
            .nebenbestimmungen
            .as_array()
            .cloned()
            .unwrap_or_default()
            .iter()
            .map(|n| NbZeile {
                art: n["art"].as_str().unwrap_or_default().into(),
                text: n["text"].as_str().unwrap_or_default().into(),
                begruendung: n["begruendung"].as_str().unwrap_or_default().into(),
            })
            .collect();
    } else if let Some(akt) = aktuelle(&liste) {
        // Already given: the way forward is a correction.
        return Ok(Redirect::to(&format!(
            "/beteiligungen/{}/stellungnahme?ersetzt={}",
            b.id, akt.id
        ))
        .into_response());
    }
    Ok(formular_rendern(&st, &u, &b, e, vec![], StatusCode::OK)
        .await?
        .into_response())
}

async fn formular_rendern(
    st: &AppState,
    u: &CurrentUser,
    b: &Beteiligung,
    mut e: Eingabe,
    fehler: Vec<String>,
    status: StatusCode,
) -> PageResult<(StatusCode, Html<String>)> {
    let heute = heute_berlin();
    while e.zeilen.len() < STANDARD_ZEILEN {
        e.zeilen.push(NbZeile::default());
    }
    for z in &mut e.zeilen {
        if z.art.is_empty() {
            z.art = "2".into();
        }
    }
    let a = st.db.antrag(b.vorgang_id).await?;
    let arten: Vec<Value> = codeliste::nebenbestimmungsarten()
        .eintraege
        .iter()
        .map(|x| json!({"code": x.code, "name": x.name}))
        .collect();
    let zustimmungen: Vec<Value> = Zustimmung::ALL
        .into_iter()
        .map(|z| {
            json!({
                "code": zustimmung_code(z),
                "name": if b.rolle == Rolle::Gemeinde.code() { z.bezeichnung_gemeinde() } else { z.bezeichnung() },
            })
        })
        .collect();
    let ende = datum(&b.ende);
    let verspaetet = ende.is_some_and(|e| heute > e) || b.fiktion_at.is_some();
    let (anlagen, anlagen_laufend) = anlagen_view(st, b).await?;
    let html = render(
        "fachstelle_stellungnahme.html",
        context! {
            layout => crate::pages::layout(u, "/start"),
            anfrage => anfrage_view(b, heute),
            fall => fall_view(&a),
            eingabe => e,
            arten, zustimmungen, fehler, verspaetet,
            anlagen, anlagen_laufend,
            anlagen_bearbeiten => false,
            max_zeilen => MAX_NEBENBESTIMMUNGEN,
            max_nb => MAX_NEBENBESTIMMUNG,
            max_tenor => plankammer_domain::beteiligung::MAX_TENOR,
            max_begruendung => plankammer_domain::beteiligung::MAX_BEGRUENDUNG,
        },
    )?;
    Ok((status, html))
}

async fn stellungnahme_abgeben(
    State(st): State<AppState>,
    u: CurrentUser,
    Path(bid): Path<i64>,
    Form(felder): Form<Vec<(String, String)>>,
) -> PageResult<Response> {
    let b = beteiligung_des_mitglieds(&st.db, u.role(), u.user_id(), bid).await?;
    if !darf_handeln(&b) {
        return Err(zurueckgezogen());
    }
    let heute = heute_berlin();
    let mut e = match Eingabe::aus_formular(&felder) {
        Ok(e) => e,
        Err(m) => {
            let e = Eingabe::default();
            return Ok(
                formular_rendern(&st, &u, &b, e, vec![m], StatusCode::UNPROCESSABLE_ENTITY)
                    .await?
                    .into_response(),
            );
        }
    };
    if e.aktion == "zeile" {
        if e.zeilen.len() >= MAX_NEBENBESTIMMUNGEN {
            let m = format!(
                "Eine Stellungnahme kann höchstens {MAX_NEBENBESTIMMUNGEN} Nebenbestimmungen enthalten."
            );
            return Ok(
                formular_rendern(&st, &u, &b, e, vec![m], StatusCode::UNPROCESSABLE_ENTITY)
                    .await?
                    .into_response(),
            );
        }
        e.zeilen.push(NbZeile::default());
        return Ok(formular_rendern(&st, &u, &b, e, vec![], StatusCode::OK)
            .await?
            .into_response());
    }
    let (zustimmung, nebenbestimmungen) = match pruefe_eingabe(&e, &b, heute) {
        Ok(x) => x,
        Err(m) => {
            return Ok(
                formular_rendern(&st, &u, &b, e, m, StatusCode::UNPROCESSABLE_ENTITY)
                    .await?
                    .into_response(),
            );
        }
    };
    let liste = st.db.stellungnahmen(b.id).await?;
    let aktuell = aktuelle(&liste).map(|s| s.id);
    // A first statement moves the request through the state machine; a correction replaces
    // the current statement and leaves the state as it is.
    let (neuer_zustand, verspaetet) = match (e.ersetzt, aktuell) {
        (None, None) => {
            let neu = uebergang(
                &stand(&b)?,
                &BeteiligungsEreignis::StellungnahmeAbgeben {
                    abgegeben_am: heute,
                },
                Ausloeser::Person(Role::Fachstelle),
            )
            .map_err(fehler_der_domain)?;
            (Some(neu.zustand), neu.verspaetet)
        }
        (Some(alt), Some(akt)) if alt == akt => {
            let ende = datum(&b.ende);
            (
                None,
                ende.is_some_and(|e| heute > e) || b.fiktion_at.is_some(),
            )
        }
        (Some(_), Some(_)) => {
            return Err(AppError::Conflict(
                "Diese Stellungnahme wurde bereits korrigiert; bitte korrigieren Sie die aktuelle Fassung.".into(),
            ));
        }
        (None, Some(_)) => {
            return Err(AppError::Conflict(
                "Ihre Stelle hat bereits eine Stellungnahme abgegeben. Eine Korrektur wird als neue Stellungnahme abgegeben, die die bisherige ersetzt.".into(),
            ));
        }
        (Some(_), None) => return Err(AppError::NotFound),
    };
    let a = st.db.antrag(b.vorgang_id).await?;
    let zustimmung_text = if b.rolle == Rolle::Gemeinde.code() {
        zustimmung.bezeichnung_gemeinde()
    } else {
        zustimmung.bezeichnung()
    };
    let now = now_millis();
    let mut tx = st.db.begin().await?;
    // A first Stellungnahme may answer the last open request: lock the case row before
    // changing the request, so that of two Stellen submitting at once (or a submission and
    // a deemed consent or a withdrawal) the second waits and counts after the first.
    let vorgangszustand = match neuer_zustand {
        Some(_) => Some(Db::sperre_vorgang(&mut tx, a.id).await?),
        None => None,
    };
    if let Some(z) = neuer_zustand
        && !Db::wechsle_beteiligungszustand(&mut tx, b.id, &b.zustand, z.slug(), None, now).await?
    {
        return Err(geaendert());
    }
    let nb_json = Value::Array(nebenbestimmungen);
    let sid = Db::gib_stellungnahme_ab(
        &mut tx,
        &NeueStellungnahme {
            beteiligung_id: b.id,
            ersetzt_id: e.ersetzt,
            tenor: e.tenor.trim(),
            zustimmung: zustimmung_code(zustimmung),
            nebenbestimmungen: &nb_json,
            begruendung: e.begruendung.trim(),
            verspaetet,
            user_id: u.user_id(),
        },
        now,
    )
    .await
    .map_err(|e| match e {
        StoreError::Conflict("stellungnahme_schon_korrigiert") => AppError::Conflict(
            "Diese Stellungnahme wurde inzwischen schon korrigiert (von Ihnen in einem anderen Fenster oder von einer Kollegin oder einem Kollegen Ihrer Stelle). Bitte laden Sie die Seite neu und korrigieren Sie, falls nötig, die aktuelle Fassung.".into(),
        ),
        e => e.into(),
    })?;
    // The attachments current now are frozen with this Stellungnahme (a correction carries
    // those present at its own submission).
    let anlagen = Db::verknuepfe_anlagen(&mut tx, b.id, sid).await?;
    let anzahl = nb_json.as_array().map(Vec::len).unwrap_or(0);
    let mut zusatz = Vec::new();
    match anzahl {
        0 => {}
        1 => zusatz.push("1 Nebenbestimmung".to_string()),
        n => zusatz.push(format!("{n} Nebenbestimmungen")),
    }
    match anlagen {
        0 => {}
        1 => zusatz.push("1 Anlage".to_string()),
        n => zusatz.push(format!("{n} Anlagen")),
    }
    let text = format!(
        "{} der Stelle „{}“ eingegangen: {zustimmung_text}{}{}",
        if e.ersetzt.is_some() {
            "Korrigierte Stellungnahme"
        } else {
            "Stellungnahme"
        },
        b.stelle_name,
        if zusatz.is_empty() {
            String::new()
        } else {
            format!(" ({})", zusatz.join(", "))
        },
        if verspaetet {
            ". Verspätet eingegangen (§ 70 Abs. 1 Satz 4 HBO); die Bauaufsicht entscheidet, ob sie berücksichtigt wird."
        } else {
            "."
        }
    );
    Db::ereignis(
        &mut tx,
        &NeuesEreignis {
            vorgang_id: a.id,
            user_id: Some(u.user_id()),
            art: if e.ersetzt.is_some() {
                "stellungnahme_korrigiert"
            } else {
                "stellungnahme_abgegeben"
            },
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
            titel: &format!("Stellungnahme der Stelle {}", b.stelle_name),
            text: &text,
            status: None,
            frist: None,
            an: ablauf::An::Bauaufsicht,
            pfad: Some(&format!(
                "/vorgaenge/{}/beteiligung#beteiligung-{}",
                a.id, b.id
            )),
        },
        now,
    )
    .await?;
    if let Some(z) = vorgangszustand {
        schliesse_wenn_letzte(&st, &mut tx, &a, &z, now).await?;
    }
    tx.commit().await.map_err(AppError::internal)?;
    tracing::info!(
        beteiligung_id = b.id,
        stellungnahme_id = sid,
        verspaetet,
        anlagen,
        "stellungnahme abgegeben"
    );
    Ok(Redirect::to(&format!("/beteiligungen/{}#stellungnahmen", b.id)).into_response())
}

// --- Anlagen --------------------------------------------------------------------------------

/// `POST /beteiligungen/{bid}/anlagen` (multipart, files in `datei` fields, the CSRF token
/// in the query): a member of the Stelle adds PDFs to its request. They stream through the
/// same machinery as Bauvorlagen (type sniffed, size limits, the pipeline's validate stage
/// queued); at most [`crate::upload::MAX_ANLAGEN_JE_HOCHLADEN`] per upload and
/// [`crate::upload::MAX_ANLAGEN_JE_ANFRAGE`] per request. Not after a withdrawal, and only
/// while a Stellungnahme or its correction can be given.
pub async fn anlagen_hochladen(
    State(st): State<AppState>,
    u: CurrentUser,
    Path(bid): Path<i64>,
    mut form: axum::extract::Multipart,
) -> PageResult<Response> {
    use crate::upload::{DateiErgebnis, Formularart, speichere_dateien};
    let b = beteiligung_des_mitglieds(&st.db, u.role(), u.user_id(), bid).await?;
    if !darf_handeln(&b) {
        return Err(zurueckgezogen());
    }
    if !anlagen_aenderbar(&b, &st.db.stellungnahmen(b.id).await?) {
        return Err(AppError::Conflict(
            "Zu dieser Anfrage können keine Anlagen mehr hinzugefügt werden.".into(),
        ));
    }
    let vorhanden = st.db.anlagen(b.id).await?.len();
    let vorgang = st.db.antrag(b.vorgang_id).await?.vorgang();
    let akteur = crate::vorgang_seiten::akteur(&u);
    let art = Formularart::Anlagen {
        beteiligung_id: b.id,
        vorhanden,
    };
    let (dateien, status) = match speichere_dateien(&st, &akteur, &vorgang, &mut form, art).await {
        Ok(x) => x,
        Err(AppError::Invalid(m)) => (
            vec![DateiErgebnis {
                dateiname: String::new(),
                ergebnis: Err(m),
            }],
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        Err(e) => return Err(e),
    };
    let gespeichert = dateien.iter().filter(|d| d.ergebnis.is_ok()).count();
    tracing::info!(beteiligung_id = b.id, gespeichert, "anlagen hochgeladen");
    if status == StatusCode::CREATED {
        return Ok(Redirect::to(&format!("/beteiligungen/{}#anlagen", b.id)).into_response());
    }
    let meldungen: Vec<String> = dateien
        .into_iter()
        .filter_map(|d| match d.ergebnis {
            Err(m) if d.dateiname.is_empty() => Some(m),
            Err(m) => Some(format!("{}: {m}", d.dateiname)),
            Ok(_) => None,
        })
        .collect();
    let html = anfrage_rendern(&st, &u, &b, vec![], "", false, meldungen).await?;
    Ok((status, html).into_response())
}

/// A member removes an attachment of its request that no submitted Stellungnahme carries
/// (what was submitted stays as it was).
async fn anlage_entfernen(
    State(st): State<AppState>,
    u: CurrentUser,
    Path((bid, did)): Path<(i64, i64)>,
) -> PageResult<Redirect> {
    let b = beteiligung_des_mitglieds(&st.db, u.role(), u.user_id(), bid).await?;
    if !darf_handeln(&b) {
        return Err(zurueckgezogen());
    }
    let anlage = st
        .db
        .anlagen(b.id)
        .await?
        .into_iter()
        .find(|a| a.dokument_id == did)
        .ok_or(AppError::NotFound)?;
    if let Some(sid) = anlage.abgegeben_mit.first() {
        return Err(AppError::Conflict(format!(
            "Diese Anlage gehört zur abgegebenen Stellungnahme Nr. {sid} und bleibt deren Teil; sie kann nicht mehr entfernt werden."
        )));
    }
    let now = now_millis();
    if !st.db.entferne_anlage(b.id, did, now).await? {
        return Err(geaendert());
    }
    st.db
        .audit_now(
            plankammer_storage::audit::AuditEvent {
                tenant_id: Some(anlage.version.tenant_id),
                actor_user_id: Some(u.user_id()),
                action: "anlage.entfernen",
                object_type: "dokument",
                object_id: Some(did.to_string()),
                detail: json!({ "vorgang_id": b.vorgang_id, "beteiligung_id": b.id }),
            },
            now,
        )
        .await?;
    Ok(Redirect::to(&format!("/beteiligungen/{}#anlagen", b.id)))
}

/// After a request of the case was answered or withdrawn, in the same transaction: if the
/// case is still in the Beteiligung (`zustand`, as returned by [`Db::sperre_vorgang`], which
/// the caller took before changing the request) and no request is open any more — counted
/// through the transaction, never the pool (the SQLite pool has one connection, held by the
/// transaction) — the system closes the Beteiligung. True when it did.
pub(crate) async fn schliesse_wenn_letzte(
    st: &AppState,
    conn: &mut Conn,
    a: &Antrag,
    zustand: &str,
    now: Millis,
) -> Result<bool, AppError> {
    if zustand != Zustand::Beteiligung.slug() || Db::offene_anfragen(conn, a.id).await? > 0 {
        return Ok(false);
    }
    // `a` was read before the transaction; the state that counts is the one under the lock.
    let a = Antrag {
        zustand: zustand.to_string(),
        ..a.clone()
    };
    schliesse_beteiligung(st, conn, &a, now).await?;
    Ok(true)
}

/// Every request of the case is answered (statement, fiction or withdrawal): the system
/// closes the Beteiligung (status 09), with its timeline entry and the applicants' mail.
pub(crate) async fn schliesse_beteiligung(
    st: &AppState,
    conn: &mut Conn,
    a: &Antrag,
    now: Millis,
) -> Result<(), AppError> {
    ablauf::wechsle(
        st,
        conn,
        a,
        Wechsel {
            ereignis: Ereignis::BeteiligungAbschliessen,
            akteur: None,
            text: plankammer_domain::vorgang::BETEILIGUNG_ABGESCHLOSSEN,
            mail: Some(plankammer_domain::vorgang::BETEILIGUNG_ABGESCHLOSSEN_MAIL),
            frist: None,
        },
        now,
    )
    .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn f(k: &str, v: &str) -> (String, String) {
        (k.to_string(), v.to_string())
    }

    #[test]
    fn form_rows_are_read_in_order_and_bounded() {
        let e = Eingabe::aus_formular(&[
            f("tenor", "Zustimmung"),
            f("zustimmung", "mit_nebenbestimmungen"),
            f("nb_art_2", "4"),
            f("nb_text_2", "Hinweis"),
            f("nb_art_1", "2"),
            f("nb_text_1", "Auflage"),
            f("nb_begruendung_1", "weil"),
            f("ersetzt", "7"),
        ])
        .unwrap();
        assert_eq!(e.zeilen.len(), 2);
        assert_eq!(e.zeilen[0].text, "Auflage");
        assert_eq!(e.zeilen[0].begruendung, "weil");
        assert_eq!(e.zeilen[1].art, "4");
        assert_eq!(e.ersetzt, Some(7));
        let zu_viele = format!("nb_text_{}", MAX_NEBENBESTIMMUNGEN + 1);
        assert!(Eingabe::aus_formular(&[f(&zu_viele, "x")]).is_err());
        assert!(Eingabe::aus_formular(&[f("nb_text_0", "x")]).is_err());
        assert!(Eingabe::aus_formular(&[f("ersetzt", "abc")]).is_err());
    }

    #[test]
    fn days_left_colours() {
        assert_eq!(rest_badge(-2), "danger");
        assert_eq!(rest_badge(3), "danger");
        assert_eq!(rest_badge(5), "warning");
        assert_eq!(rest_badge(30), "success");
    }

    #[test]
    fn zustimmung_codes_round_trip() {
        for z in Zustimmung::ALL {
            assert_eq!(zustimmung_aus(zustimmung_code(z)), Some(z));
        }
        assert_eq!(zustimmung_aus("vielleicht"), None);
    }
}
