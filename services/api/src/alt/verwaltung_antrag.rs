//! The tenant admin's pages for the Antrag data: the document checklist of each procedure
//! (versioned: every save stores a new version, the newest one counts for the live checklist
//! of every draft) and the Aktenzeichen format with its short name.
//!
//! Only the tenant's Admin gets here (others 403); everything is scoped to the admin's own
//! tenant, so another tenant's data is never read or written. Every change is audited.

use crate::ablauf;
use crate::auth::CurrentUser;
use crate::templates::render;
use crate::{AppError, AppState, error::PageResult};
use axum::Router;
use axum::extract::{Form, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use chrono::Datelike;
use minijinja::context;
use plankammer_domain::Role;
use plankammer_domain::codeliste;
use plankammer_domain::verfahren::{
    Anforderung, Checkliste, Position, Verfahrensart, standard_checkliste,
};
use plankammer_domain::zeit::format_berlin;
use plankammer_storage::audit::AuditEvent;
use plankammer_storage::{Db, StoreError, now_millis};
use serde::{Deserialize, Serialize};
use serde_json::json;
use sqlx::Row;
use std::collections::BTreeMap;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/verwaltung/checklisten", get(checklisten))
        .route(
            "/verwaltung/checklisten/{verfahren}",
            get(checkliste_formular).post(checkliste_speichern),
        )
        .route(
            "/verwaltung/aktenzeichen",
            get(aktenzeichen_formular).post(aktenzeichen_speichern),
        )
}

fn nur_admin(u: &CurrentUser) -> Result<(), AppError> {
    u.require(|r| r == Role::Admin)
}

// --- Checklists: storage ------------------------------------------------------------------

/// The checklist in force for a procedure of a tenant.
struct Geltende {
    /// The tenant's newest version; `None`: the shipped default applies.
    version: Option<i64>,
    liste: Checkliste,
    /// The newest stored version cannot be read (then the default applies, as on the case
    /// pages).
    unlesbar: bool,
}

async fn geltende(db: &Db, tenant_id: i64, v: Verfahrensart) -> Result<Geltende, AppError> {
    match db.checkliste(tenant_id, v.slug()).await? {
        Some((version, json)) => match Checkliste::aus_json(&json) {
            Ok(liste) => Ok(Geltende {
                version: Some(version),
                liste,
                unlesbar: false,
            }),
            Err(e) => {
                tracing::warn!(tenant_id, version, ?e, "stored checklist unusable");
                Ok(Geltende {
                    version: Some(version),
                    liste: standard_checkliste(v),
                    unlesbar: true,
                })
            }
        },
        None => Ok(Geltende {
            version: None,
            liste: standard_checkliste(v),
            unlesbar: false,
        }),
    }
}

/// One stored version of a tenant's checklist, for the history.
#[derive(Debug, Serialize)]
struct VersionView {
    version: i64,
    wann: String,
    wer: String,
    positionen: usize,
    pflicht: usize,
}

/// Every stored version of a tenant's checklist of a procedure, newest first.
async fn versionen(db: &Db, tenant_id: i64, verfahren: &str) -> Result<Vec<VersionView>, AppError> {
    let rows = sqlx::query(
        "SELECT c.version, c.created_at, c.inhalt, u.display_name FROM checklisten c \
         LEFT JOIN users u ON u.id = c.created_by \
         WHERE c.tenant_id = $1 AND c.verfahren = $2 ORDER BY c.version DESC",
    )
    .bind(tenant_id)
    .bind(verfahren)
    .fetch_all(db.pool())
    .await
    .map_err(AppError::internal)?;
    rows.iter()
        .map(|r| {
            let inhalt: String = r.try_get("inhalt").map_err(AppError::internal)?;
            let (positionen, pflicht) = match serde_json::from_str::<Checkliste>(&inhalt) {
                Ok(c) => (
                    c.positionen.len(),
                    c.positionen
                        .iter()
                        .filter(|p| p.anforderung == Anforderung::Pflicht)
                        .count(),
                ),
                Err(_) => (0, 0),
            };
            let wer: Option<String> = r.try_get("display_name").map_err(AppError::internal)?;
            Ok(VersionView {
                version: r.try_get("version").map_err(AppError::internal)?,
                wann: format_berlin(r.try_get("created_at").map_err(AppError::internal)?),
                wer: wer.unwrap_or_else(|| "unbekannt".into()),
                positionen,
                pflicht,
            })
        })
        .collect()
}

// --- Checklists: overview -------------------------------------------------------------------

async fn checklisten(State(st): State<AppState>, u: CurrentUser) -> PageResult<Response> {
    nur_admin(&u)?;
    let mut liste = Vec::new();
    for v in Verfahrensart::ALL {
        let g = geltende(&st.db, u.tenant_id(), v).await?;
        let neueste = versionen(&st.db, u.tenant_id(), v.slug())
            .await?
            .into_iter()
            .next();
        let stand = match g.version {
            Some(n) => format!("Version {n}"),
            None => format!("Standard (Version {})", g.liste.version),
        };
        let pflicht = g
            .liste
            .positionen
            .iter()
            .filter(|p| p.anforderung == Anforderung::Pflicht)
            .count();
        liste.push(context! {
            slug => v.slug(),
            name => v.bezeichnung_mit_paragraph(),
            stand,
            standard => g.version.is_none(),
            unlesbar => g.unlesbar,
            geaendert => neueste.map(|n| format!("{} von {}", n.wann, n.wer)),
            positionen => g.liste.positionen.len(),
            pflicht,
        });
    }
    let html = render(
        "verwaltung_checklisten.html",
        context! { layout => crate::pages::layout(&u, "/verwaltung/checklisten"), liste },
    )?;
    Ok(html.into_response())
}

// --- Checklists: editor ---------------------------------------------------------------------

/// Most rows a checklist may have (the code list of Anlagearten has about 300 entries).
const MAX_ZEILEN: usize = 400;
/// Longest condition or time text of a row.
const MAX_TEXT: usize = 300;

const ARTEN: [(&str, &str); 4] = [
    ("pflicht", "Pflicht"),
    ("bedingt", "bedingt (mit Bedingung)"),
    ("bei_bedarf", "bei Bedarf"),
    ("spaeter", "später (mit Zeitpunkt)"),
];

fn art_und_text(a: &Anforderung) -> (&'static str, String) {
    match a {
        Anforderung::Pflicht => ("pflicht", String::new()),
        Anforderung::Bedingt(b) => ("bedingt", b.clone()),
        Anforderung::BeiBedarf => ("bei_bedarf", String::new()),
        Anforderung::Spaeter(z) => ("spaeter", z.clone()),
    }
}

fn anforderung_aus(art: &str, text: &str) -> Option<Anforderung> {
    match art.trim() {
        "pflicht" => Some(Anforderung::Pflicht),
        "bedingt" => Some(Anforderung::Bedingt(text.trim().to_string())),
        "bei_bedarf" => Some(Anforderung::BeiBedarf),
        "spaeter" => Some(Anforderung::Spaeter(text.trim().to_string())),
        _ => None,
    }
}

/// One row of the editor as the browser sends it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct ZeileEingabe {
    code: String,
    art: String,
    text: String,
    entfernen: bool,
}

/// The editor's form: rows `code_N`, `art_N`, `text_N`, `entfernen_N`; the new row
/// `neu_code`, `neu_art`, `neu_text`; the version the form was built from (`basis`, 0 for
/// the default) and the action (`speichern` or `standard`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct Eingabe {
    basis: Option<i64>,
    aktion: String,
    zeilen: Vec<ZeileEingabe>,
    neu: ZeileEingabe,
}

fn lies_eingabe(felder: Vec<(String, String)>) -> Result<Eingabe, AppError> {
    let mut e = Eingabe::default();
    let mut zeilen: BTreeMap<usize, ZeileEingabe> = BTreeMap::new();
    for (k, v) in felder {
        match k.as_str() {
            "basis" => e.basis = v.trim().parse().ok(),
            "aktion" => e.aktion = v,
            "neu_code" => e.neu.code = v.trim().to_string(),
            "neu_art" => e.neu.art = v,
            "neu_text" => e.neu.text = v,
            _ => {
                let Some((feld, nr)) = k.rsplit_once('_') else {
                    continue;
                };
                let Ok(nr) = nr.parse::<usize>() else {
                    continue;
                };
                if nr >= MAX_ZEILEN {
                    return Err(AppError::Invalid(format!(
                        "Eine Checkliste kann höchstens {MAX_ZEILEN} Positionen haben."
                    )));
                }
                let z = zeilen.entry(nr).or_default();
                match feld {
                    "code" => z.code = v.trim().to_string(),
                    "art" => z.art = v,
                    "text" => z.text = v,
                    "entfernen" => z.entfernen = true,
                    _ => {}
                }
            }
        }
    }
    e.zeilen = zeilen
        .into_values()
        .filter(|z| !z.code.is_empty())
        .collect();
    Ok(e)
}

/// The checklist the form asks for, checked with [`Checkliste::pruefe`]; or every German
/// reason why not. Notes and alternative Anlagearten of a row are kept from the list in
/// force (or the default of the procedure for a row added again).
fn baue(v: Verfahrensart, basis: &Checkliste, e: &Eingabe) -> Result<Checkliste, Vec<String>> {
    let standard = standard_checkliste(v);
    let anlagen = codeliste::anlagen();
    let mut fehler = Vec::new();
    let mut positionen = Vec::new();
    let neu = (!e.neu.code.is_empty()).then_some(&e.neu);
    for z in e.zeilen.iter().filter(|z| !z.entfernen).chain(neu) {
        let text = z.text.trim();
        if text.chars().count() > MAX_TEXT {
            fehler.push(format!(
                "Der Text zur Anlageart „{}“ ist zu lang (höchstens {MAX_TEXT} Zeichen).",
                z.code
            ));
        }
        let Some(anforderung) = anforderung_aus(&z.art, text) else {
            fehler.push(format!(
                "Bitte wählen Sie für die Anlageart „{}“, ob sie Pflicht, bedingt, bei Bedarf oder später einzureichen ist.",
                z.code
            ));
            continue;
        };
        let vorlage = basis
            .position(&z.code)
            .or_else(|| standard.position(&z.code));
        positionen.push(Position {
            anlageart: z.code.clone(),
            name: anlagen.name(&z.code).unwrap_or_default().to_string(),
            hinweis: vorlage.and_then(|p| p.hinweis.clone()),
            auch: vorlage.map(|p| p.auch.clone()).unwrap_or_default(),
            anforderung,
        });
    }
    let c = Checkliste {
        version: basis.version.max(1),
        verfahren: v,
        positionen,
    };
    if let Err(e) = c.pruefe() {
        fehler.extend(e.meldungen);
    }
    if fehler.is_empty() {
        Ok(c)
    } else {
        Err(fehler)
    }
}

/// One row of the editor as shown.
#[derive(Debug, Serialize)]
struct ZeileView {
    index: usize,
    anlageart: String,
    name: String,
    hinweis: Option<String>,
    auch: Vec<String>,
    art: String,
    text: String,
    entfernen: bool,
}

fn zeilen_aus_liste(c: &Checkliste) -> Vec<ZeileView> {
    c.positionen
        .iter()
        .enumerate()
        .map(|(index, p)| {
            let (art, text) = art_und_text(&p.anforderung);
            ZeileView {
                index,
                anlageart: p.anlageart.clone(),
                name: p.name.clone(),
                hinweis: p.hinweis.clone(),
                auch: p.auch.clone(),
                art: art.into(),
                text,
                entfernen: false,
            }
        })
        .collect()
}

/// The rows as the admin entered them (shown again with the errors, nothing lost).
fn zeilen_aus_eingabe(basis: &Checkliste, e: &Eingabe) -> Vec<ZeileView> {
    let anlagen = codeliste::anlagen();
    e.zeilen
        .iter()
        .enumerate()
        .map(|(index, z)| {
            let p = basis.position(&z.code);
            ZeileView {
                index,
                anlageart: z.code.clone(),
                name: anlagen
                    .name(&z.code)
                    .unwrap_or("unbekannte Anlageart")
                    .to_string(),
                hinweis: p.and_then(|p| p.hinweis.clone()),
                auch: p.map(|p| p.auch.clone()).unwrap_or_default(),
                art: z.art.clone(),
                text: z.text.clone(),
                entfernen: z.entfernen,
            }
        })
        .collect()
}

fn verfahren_aus(slug: &str) -> Result<Verfahrensart, AppError> {
    Verfahrensart::from_slug(slug).ok_or(AppError::NotFound)
}

struct Editor {
    zeilen: Option<Vec<ZeileView>>,
    neu: ZeileEingabe,
    fehler: Vec<String>,
    hinweis: Option<String>,
    status: StatusCode,
}

impl Editor {
    fn frisch(hinweis: Option<String>) -> Editor {
        Editor {
            zeilen: None,
            neu: ZeileEingabe::default(),
            fehler: Vec::new(),
            hinweis,
            status: StatusCode::OK,
        }
    }
}

async fn checkliste_seite(
    st: &AppState,
    u: &CurrentUser,
    v: Verfahrensart,
    ed: Editor,
) -> PageResult<Response> {
    let g = geltende(&st.db, u.tenant_id(), v).await?;
    let versionen = versionen(&st.db, u.tenant_id(), v.slug()).await?;
    let zeilen = ed.zeilen.unwrap_or_else(|| zeilen_aus_liste(&g.liste));
    let arten: Vec<_> = ARTEN
        .iter()
        .map(|(code, name)| context! { code, name })
        .collect();
    let anlagen: Vec<_> = codeliste::anlagen()
        .eintraege
        .iter()
        .map(|e| context! { code => e.code, name => e.name })
        .collect();
    let html = render(
        "verwaltung_checkliste.html",
        context! {
            layout => crate::pages::layout(u, "/verwaltung/checklisten"),
            verfahren => context! { slug => v.slug(), name => v.bezeichnung_mit_paragraph() },
            version => g.version,
            standard_version => g.liste.version,
            unlesbar => g.unlesbar,
            basis => g.version.unwrap_or(0),
            anzahl => zeilen.len(),
            zeilen,
            neu => context! { code => ed.neu.code, art => ed.neu.art, text => ed.neu.text },
            arten,
            anlagen,
            versionen,
            fehler => ed.fehler,
            hinweis => ed.hinweis,
        },
    )?;
    Ok((ed.status, html).into_response())
}

#[derive(Deserialize, Default)]
struct EditorQuery {
    gespeichert: Option<i64>,
    unveraendert: Option<String>,
}

async fn checkliste_formular(
    State(st): State<AppState>,
    u: CurrentUser,
    Path(slug): Path<String>,
    Query(q): Query<EditorQuery>,
) -> PageResult<Response> {
    nur_admin(&u)?;
    let v = verfahren_aus(&slug)?;
    let hinweis = match (q.gespeichert, q.unveraendert) {
        (Some(n), _) => Some(format!(
            "Version {n} ist gespeichert. Sie gilt ab sofort für alle Anträge im Entwurf; bereits eingereichte Anträge bleiben, wie sie geprüft wurden."
        )),
        (None, Some(_)) => {
            Some("Es gab keine Änderung; es wurde keine neue Version gespeichert.".into())
        }
        _ => None,
    };
    checkliste_seite(&st, &u, v, Editor::frisch(hinweis)).await
}

async fn speichere(
    st: &AppState,
    u: &CurrentUser,
    v: Verfahrensart,
    c: &Checkliste,
    aktion: &'static str,
) -> Result<i64, AppError> {
    let now = now_millis();
    let version = st
        .db
        .speichere_checkliste(u.tenant_id(), v.slug(), &c.zu_json(), Some(u.user_id()), now)
        .await
        .map_err(|e| match e {
            StoreError::Conflict(_) => AppError::Conflict(
                "Die Checkliste wurde gerade von jemand anderem gespeichert. Bitte laden Sie die Seite neu und nehmen Sie Ihre Änderungen erneut vor.".into(),
            ),
            e => e.into(),
        })?;
    st.db
        .audit_now(
            AuditEvent {
                tenant_id: Some(u.tenant_id()),
                actor_user_id: Some(u.user_id()),
                action: aktion,
                object_type: "checkliste",
                object_id: Some(v.slug().to_string()),
                detail: json!({
                    "verfahren": v.slug(),
                    "version": version,
                    "positionen": c.positionen.len(),
                    "pflicht": c.positionen.iter().filter(|p| p.anforderung == Anforderung::Pflicht).count(),
                }),
            },
            now,
        )
        .await?;
    tracing::info!(
        tenant_id = u.tenant_id(),
        verfahren = v.slug(),
        version,
        "checklist stored"
    );
    Ok(version)
}

async fn checkliste_speichern(
    State(st): State<AppState>,
    u: CurrentUser,
    Path(slug): Path<String>,
    Form(felder): Form<Vec<(String, String)>>,
) -> PageResult<Response> {
    nur_admin(&u)?;
    let v = verfahren_aus(&slug)?;
    let e = lies_eingabe(felder)?;
    let g = geltende(&st.db, u.tenant_id(), v).await?;
    let ziel = |version: i64| format!("/verwaltung/checklisten/{}?gespeichert={version}", v.slug());

    if e.aktion == "standard" {
        let standard = standard_checkliste(v);
        if g.version.is_none() {
            return Ok(Redirect::to(&format!(
                "/verwaltung/checklisten/{}?unveraendert=1",
                v.slug()
            ))
            .into_response());
        }
        let version = speichere(&st, &u, v, &standard, "checkliste.zuruecksetzen").await?;
        return Ok(Redirect::to(&ziel(version)).into_response());
    }

    if let Some(basis) = e.basis
        && basis != g.version.unwrap_or(0)
    {
        let mut ed = Editor::frisch(None);
        ed.fehler = vec![format!(
            "Die Checkliste wurde inzwischen geändert (jetzt {}). Ihre Änderungen wurden nicht gespeichert; unten steht die aktuelle Fassung. Bitte nehmen Sie Ihre Änderungen erneut vor.",
            match g.version {
                Some(n) => format!("Version {n}"),
                None => "der Standard".into(),
            }
        )];
        ed.status = StatusCode::CONFLICT;
        return checkliste_seite(&st, &u, v, ed).await;
    }

    match baue(v, &g.liste, &e) {
        Err(fehler) => {
            let ed = Editor {
                zeilen: Some(zeilen_aus_eingabe(&g.liste, &e)),
                neu: e.neu.clone(),
                fehler,
                hinweis: None,
                status: StatusCode::UNPROCESSABLE_ENTITY,
            };
            checkliste_seite(&st, &u, v, ed).await
        }
        Ok(c) if c == g.liste && !g.unlesbar => Ok(Redirect::to(&format!(
            "/verwaltung/checklisten/{}?unveraendert=1",
            v.slug()
        ))
        .into_response()),
        Ok(c) => {
            let version = speichere(&st, &u, v, &c, "checkliste.speichern").await?;
            Ok(Redirect::to(&ziel(version)).into_response())
        }
    }
}

// --- Aktenzeichen -------------------------------------------------------------------------

/// Longest Aktenzeichen format.
pub const MAX_FORMAT: usize = 60;
/// Longest short name.
pub const MAX_KUERZEL: usize = 20;

/// Checks a tenant's Aktenzeichen format and short name; the German reasons if they are not
/// acceptable. The format must contain the running number and the year: numbers are counted
/// per year, so without both the Aktenzeichen would not be unique.
pub fn pruefe_aktenzeichen_format(format: &str, kuerzel: &str) -> Vec<String> {
    let mut fehler = Vec::new();
    let erlaubt = "Erlaubt sind {kuerzel}, {jahr}, {nummer} und {nummer:N} (N = Stellenzahl 1 bis 12, mit führenden Nullen).";
    if format.is_empty() {
        fehler.push("Bitte geben Sie das Format der Aktenzeichen an.".to_string());
    } else if format.chars().count() > MAX_FORMAT {
        fehler.push(format!(
            "Das Format darf höchstens {MAX_FORMAT} Zeichen lang sein."
        ));
    }
    if format.chars().any(char::is_control) {
        fehler.push("Das Format darf keine Zeilenumbrüche oder Steuerzeichen enthalten.".into());
    }
    let (mut nummer, mut jahr) = (false, false);
    let mut rest = format;
    while let Some(start) = rest.find('{') {
        let Some(len) = rest[start..].find('}') else {
            fehler.push(format!(
                "Im Format fehlt nach „{}“ die schließende Klammer „}}“.",
                &rest[start..]
            ));
            break;
        };
        let feld = &rest[start + 1..start + len];
        match feld {
            "kuerzel" => {}
            "jahr" => jahr = true,
            "nummer" => nummer = true,
            _ => match feld.split_once(':') {
                Some(("nummer", breite)) => {
                    if breite.parse::<usize>().is_ok_and(|b| (1..=12).contains(&b)) {
                        nummer = true;
                    } else {
                        fehler.push(format!(
                            "Bei „{{{feld}}}“ muss die Stellenzahl eine Zahl von 1 bis 12 sein."
                        ));
                    }
                }
                _ => fehler.push(format!(
                    "Den Platzhalter „{{{feld}}}“ gibt es nicht. {erlaubt}"
                )),
            },
        }
        rest = &rest[start + len + 1..];
    }
    if !nummer {
        fehler.push(
            "Das Format muss die laufende Nummer enthalten ({nummer} oder {nummer:N}), sonst wären die Aktenzeichen nicht eindeutig.".into(),
        );
    }
    if !jahr {
        fehler.push(
            "Das Format muss das Jahr enthalten ({jahr}): Die laufende Nummer beginnt jedes Jahr neu, ohne Jahr wären die Aktenzeichen nicht eindeutig.".into(),
        );
    }
    let n = kuerzel.chars().count();
    if n == 0
        || n > MAX_KUERZEL
        || !kuerzel
            .chars()
            .all(|c| c.is_alphanumeric() || c == '-' || c == '.')
    {
        fehler.push(format!(
            "Das Kürzel muss 1 bis {MAX_KUERZEL} Zeichen lang sein und darf nur Buchstaben, Ziffern, Bindestrich und Punkt enthalten."
        ));
    }
    fehler
}

/// The tenant's stored format and short name.
async fn gespeichertes_format(db: &Db, tenant_id: i64) -> Result<(String, String), AppError> {
    let r =
        sqlx::query("SELECT aktenzeichen_format, aktenzeichen_kuerzel FROM tenants WHERE id = $1")
            .bind(tenant_id)
            .fetch_optional(db.pool())
            .await
            .map_err(AppError::internal)?
            .ok_or(AppError::NotFound)?;
    Ok((
        r.try_get("aktenzeichen_format")
            .map_err(AppError::internal)?,
        r.try_get("aktenzeichen_kuerzel")
            .map_err(AppError::internal)?,
    ))
}

/// The number the next submission of this year would get; reads the counter without
/// taking a number.
async fn naechste_nummer(db: &Db, tenant_id: i64, jahr: i64) -> Result<i64, AppError> {
    let letzte: Option<i64> = sqlx::query_scalar(
        "SELECT letzte FROM aktenzeichen_zaehler WHERE tenant_id = $1 AND jahr = $2",
    )
    .bind(tenant_id)
    .bind(jahr)
    .fetch_optional(db.pool())
    .await
    .map_err(AppError::internal)?;
    Ok(letzte.unwrap_or(0) + 1)
}

fn aktuelles_jahr() -> i64 {
    i64::from(crate::antrag_seiten::heute_berlin().year())
}

struct AzEingabe {
    format: String,
    kuerzel: String,
}

async fn aktenzeichen_seite(
    st: &AppState,
    u: &CurrentUser,
    eingabe: Option<AzEingabe>,
    fehler: Vec<String>,
    hinweis: Option<&str>,
    status: StatusCode,
) -> PageResult<Response> {
    let (format, kuerzel) = gespeichertes_format(&st.db, u.tenant_id()).await?;
    let jahr = aktuelles_jahr();
    let nummer = naechste_nummer(&st.db, u.tenant_id(), jahr).await?;
    let naechstes = ablauf::aktenzeichen(&format, &kuerzel, jahr, nummer);
    // The preview follows what is in the form; with errors it shows them instead.
    let (vorschau, vorschau_fehler, eingabe) = match eingabe {
        Some(e) => {
            let f = pruefe_aktenzeichen_format(&e.format, &e.kuerzel);
            let v = f
                .is_empty()
                .then(|| ablauf::aktenzeichen(&e.format, &e.kuerzel, jahr, nummer));
            (v, f, e)
        }
        None => (
            Some(naechstes.clone()),
            Vec::new(),
            AzEingabe {
                format: format.clone(),
                kuerzel: kuerzel.clone(),
            },
        ),
    };
    let html = render(
        "verwaltung_aktenzeichen.html",
        context! {
            layout => crate::pages::layout(u, "/verwaltung/aktenzeichen"),
            gespeichert => context! { format, kuerzel, naechstes },
            eingabe => context! { format => eingabe.format, kuerzel => eingabe.kuerzel },
            vorschau, vorschau_fehler, jahr, nummer,
            vergeben => nummer - 1,
            max_format => MAX_FORMAT,
            max_kuerzel => MAX_KUERZEL,
            fehler, hinweis,
        },
    )?;
    Ok((status, html).into_response())
}

#[derive(Deserialize, Default)]
struct AzQuery {
    format: Option<String>,
    kuerzel: Option<String>,
    gespeichert: Option<String>,
    unveraendert: Option<String>,
}

/// The page; with `format`/`kuerzel` in the query (the live preview while typing) the
/// preview shows what they would give, nothing is stored.
async fn aktenzeichen_formular(
    State(st): State<AppState>,
    u: CurrentUser,
    Query(q): Query<AzQuery>,
) -> PageResult<Response> {
    nur_admin(&u)?;
    let eingabe = (q.format.is_some() || q.kuerzel.is_some()).then(|| AzEingabe {
        format: q.format.unwrap_or_default().trim().to_string(),
        kuerzel: q.kuerzel.unwrap_or_default().trim().to_string(),
    });
    let hinweis = if q.gespeichert.is_some() {
        Some("Das Format ist gespeichert. Es gilt für alle künftig eingereichten Anträge.")
    } else if q.unveraendert.is_some() {
        Some("Format und Kürzel sind unverändert; es wurde nichts gespeichert.")
    } else {
        None
    };
    aktenzeichen_seite(&st, &u, eingabe, Vec::new(), hinweis, StatusCode::OK).await
}

#[derive(Deserialize)]
struct AzForm {
    #[serde(default)]
    format: String,
    #[serde(default)]
    kuerzel: String,
    #[serde(default)]
    aktion: String,
}

async fn aktenzeichen_speichern(
    State(st): State<AppState>,
    u: CurrentUser,
    Form(f): Form<AzForm>,
) -> PageResult<Response> {
    nur_admin(&u)?;
    let e = AzEingabe {
        format: f.format.trim().to_string(),
        kuerzel: f.kuerzel.trim().to_string(),
    };
    if f.aktion == "vorschau" {
        return aktenzeichen_seite(&st, &u, Some(e), Vec::new(), None, StatusCode::OK).await;
    }
    let fehler = pruefe_aktenzeichen_format(&e.format, &e.kuerzel);
    if !fehler.is_empty() {
        return aktenzeichen_seite(
            &st,
            &u,
            Some(e),
            fehler,
            None,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    }
    let (vorher_format, vorher_kuerzel) = gespeichertes_format(&st.db, u.tenant_id()).await?;
    if vorher_format == e.format && vorher_kuerzel == e.kuerzel {
        return Ok(Redirect::to("/verwaltung/aktenzeichen?unveraendert=1").into_response());
    }
    let now = now_millis();
    st.db
        .setze_aktenzeichen_format(u.tenant_id(), &e.format, &e.kuerzel)
        .await?;
    st.db
        .audit_now(
            AuditEvent {
                tenant_id: Some(u.tenant_id()),
                actor_user_id: Some(u.user_id()),
                action: "aktenzeichen.format",
                object_type: "tenant",
                object_id: Some(u.tenant_id().to_string()),
                detail: json!({
                    "format": e.format,
                    "kuerzel": e.kuerzel,
                    "vorher_format": vorher_format,
                    "vorher_kuerzel": vorher_kuerzel,
                }),
            },
            now,
        )
        .await?;
    tracing::info!(tenant_id = u.tenant_id(), "aktenzeichen format changed");
    Ok(Redirect::to("/verwaltung/aktenzeichen?gespeichert=1").into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn paare(p: &[(&str, &str)]) -> Vec<(String, String)> {
        p.iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn the_form_is_read_row_by_row() {
        let e = lies_eingabe(paare(&[
            ("_csrf", "x"),
            ("basis", "3"),
            ("code_1", "2201"),
            ("art_1", "pflicht"),
            ("entfernen_1", "1"),
            ("code_0", " 2001 "),
            ("art_0", "bei_bedarf"),
            ("art_7", "pflicht"),
            ("neu_code", "2801"),
            ("neu_art", "spaeter"),
            ("neu_text", "vor Baubeginn"),
        ]))
        .unwrap();
        assert_eq!(e.basis, Some(3));
        assert_eq!(e.zeilen.len(), 2, "a row without a code is dropped");
        assert_eq!(e.zeilen[0].code, "2001");
        assert!(e.zeilen[1].entfernen);
        assert_eq!(e.neu.code, "2801");
        assert!(lies_eingabe(paare(&[("code_100000", "2001")])).is_err());
    }

    #[test]
    fn building_keeps_notes_and_checks_the_list() {
        let v = Verfahrensart::VereinfachtesVerfahren;
        let basis = standard_checkliste(v);
        let mut e = Eingabe::default();
        for p in &basis.positionen {
            let (art, text) = art_und_text(&p.anforderung);
            e.zeilen.push(ZeileEingabe {
                code: p.anlageart.clone(),
                art: art.into(),
                text,
                entfernen: p.anlageart == "2201",
            });
        }
        assert_eq!(
            baue(v, &basis, &e).unwrap().positionen.len(),
            basis.positionen.len() - 1
        );
        let mut gleich = e.clone();
        for z in &mut gleich.zeilen {
            z.entfernen = false;
        }
        assert_eq!(
            baue(v, &basis, &gleich).unwrap(),
            basis,
            "unchanged form, same list"
        );
        gleich.neu = ZeileEingabe {
            code: "2001".into(),
            art: "pflicht".into(),
            ..Default::default()
        };
        let f = baue(v, &basis, &gleich).unwrap_err();
        assert!(f.iter().any(|m| m.contains("mehrfach")), "{f:?}");
        gleich.neu.code = "9998".into();
        let f = baue(v, &basis, &gleich).unwrap_err();
        assert!(
            f.iter().any(|m| m.contains("gibt es in der Codeliste")),
            "{f:?}"
        );
        gleich.neu = ZeileEingabe {
            code: "2801".into(),
            art: "bedingt".into(),
            ..Default::default()
        };
        gleich.zeilen.retain(|z| z.code != "2801");
        let f = baue(v, &basis, &gleich).unwrap_err();
        assert!(f.iter().any(|m| m.contains("fehlt die Bedingung")), "{f:?}");
    }

    #[test]
    fn aktenzeichen_formats_are_checked() {
        assert!(pruefe_aktenzeichen_format("{kuerzel}-{jahr}-{nummer:5}", "BA").is_empty());
        assert!(pruefe_aktenzeichen_format("63/{nummer}/{jahr}", "Bau.Amt-1").is_empty());
        let f = pruefe_aktenzeichen_format("{kuerzel}-{jahr}", "BA");
        assert!(f.iter().any(|m| m.contains("laufende Nummer")), "{f:?}");
        let f = pruefe_aktenzeichen_format("{kuerzel}-{nummer}", "BA");
        assert!(f.iter().any(|m| m.contains("das Jahr")), "{f:?}");
        let f = pruefe_aktenzeichen_format("{jahr}-{nummer:20}", "BA");
        assert!(f.iter().any(|m| m.contains("1 bis 12")), "{f:?}");
        let f = pruefe_aktenzeichen_format("{jahr}-{nummer}-{monat}", "BA");
        assert!(f.iter().any(|m| m.contains("„{monat}“")), "{f:?}");
        let f = pruefe_aktenzeichen_format("{jahr}-{nummer", "BA");
        assert!(f.iter().any(|m| m.contains("schließende")), "{f:?}");
        let lang = format!("{{jahr}}{{nummer}}{}", "x".repeat(60));
        assert!(!pruefe_aktenzeichen_format(&lang, "BA").is_empty());
        for k in ["", "B A", "BA/1", &"x".repeat(21)] {
            let f = pruefe_aktenzeichen_format("{jahr}-{nummer}", k);
            assert!(f.iter().any(|m| m.contains("Kürzel")), "{k:?}: {f:?}");
        }
        assert!(pruefe_aktenzeichen_format("{jahr}-{nummer}", "Bauamt-Süd").is_empty());
    }
}
