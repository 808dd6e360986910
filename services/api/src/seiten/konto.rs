//! One's own account: the personal access tokens for machine clients.

use crate::AppState;
use crate::error::PageResult;
use crate::gemeinsam::layout;
use crate::sitzung::CurrentUser;
use crate::templates::render;
use axum::Router;
use axum::extract::{Form, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum_extra::extract::cookie::CookieJar;
use minijinja::context;
use plankammer_storage::tokens::Rechte;
use plankammer_verfahren::Fehler;
use plankammer_verfahren::konto::{
    NeuerSchluessel, SCHLUESSEL_TAGE_HOECHSTENS, SCHLUESSEL_TAGE_STANDARD,
};
use serde::{Deserialize, Serialize};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/konto", get(konto))
        .route("/konto/schluessel", post(create_token))
        .route("/konto/schluessel/{id}/widerrufen", post(revoke_token))
        .route("/konto/sitzungen/{id}/beenden", post(sitzung_beenden))
        .route("/konto/sitzungen/andere-beenden", post(andere_beenden))
        .route("/konto/behoerde", get(behoerde).post(behoerde_wechseln))
}

#[derive(Serialize)]
struct TokenView {
    id: i64,
    name: String,
    prefix: String,
    erstellt: String,
    zuletzt_genutzt: Option<String>,
    widerrufen: Option<String>,
    nur_lesen: bool,
    laeuft_ab: Option<String>,
    vorgang: Option<i64>,
    vorgang_name: Option<String>,
    abgelaufen: bool,
}

async fn konto_page(
    st: &AppState,
    user: &CurrentUser,
    neu: Option<(String, String)>,
    // Err: what went wrong; Ok: a success note.
    meldung: Option<Result<String, String>>,
    status: StatusCode,
) -> PageResult<Response> {
    let (hinweis, fehler) = match meldung {
        Some(Ok(h)) => (Some(h), None),
        Some(Err(f)) => (None, Some(f)),
        None => (None, None),
    };
    let now = plankammer_storage::now_millis();
    // The cases a token may be bound to: the newest ones the person sees (a Fachstelle
    // sees cases through its requests and binds a token through the API).
    let sichtbar = match st.verfahren.vorgaenge(user.akteur(), None, 200).await {
        Ok(v) => v,
        Err(Fehler::KeineBerechtigung) => Vec::new(),
        Err(e) => return Err(e.into()),
    };
    let name_von = |id: i64| {
        sichtbar
            .iter()
            .find(|a| a.id == id)
            .map_or_else(|| format!("Vorgang {id}"), |a| a.bezeichnung.clone())
    };
    let tokens: Vec<TokenView> = st
        .verfahren
        .schluessel(user.akteur())
        .await?
        .into_iter()
        .map(|t| TokenView {
            nur_lesen: t.rechte == Rechte::Lesen,
            vorgang: t.vorgang_id,
            vorgang_name: t.vorgang_id.map(name_von),
            laeuft_ab: t.laeuft_ab_at.map(plankammer_domain::zeit::format_berlin),
            abgelaufen: t.laeuft_ab_at.is_some_and(|a| a <= now),
            id: t.id,
            name: t.name,
            prefix: t.prefix,
            erstellt: plankammer_domain::zeit::format_berlin(t.created_at),
            zuletzt_genutzt: t.last_used_at.map(plankammer_domain::zeit::format_berlin),
            widerrufen: t.revoked_at.map(plankammer_domain::zeit::format_berlin),
        })
        .collect();
    let neu = neu.map(|(name, secret)| context! { name, secret });
    let eigene = plankammer_storage::sessions::sitzungs_id(&user.0.secret);
    let sitzungen: Vec<_> = st
        .verfahren
        .sitzungen(user.akteur())
        .await?
        .into_iter()
        .map(|s| {
            context! {
                diese => s.id == eigene,
                id => s.id,
                behoerde => s.behoerde,
                seit => plankammer_domain::zeit::format_berlin(s.created_at),
                bis => plankammer_domain::zeit::format_berlin(s.expires_at),
            }
        })
        .collect();
    let behoerden = st.verfahren.meine_behoerden(user.akteur()).await?.len();
    let zweiter_faktor = st
        .db
        .zweitfaktor(user.user_id())
        .await?
        .is_some_and(|z| z.bestaetigt);
    let codes_offen = st.db.wiederherstellungscodes_offen(user.user_id()).await?;
    // The providers a person may link their account to: the Servicekonto for applicants,
    // the authority's own for its staff.
    let verbunden = st.db.identitaeten_von(user.user_id()).await?;
    let organisation = st.db.organisation(user.user_id()).await?;
    let anmeldedienste: Vec<_> = st
        .oidc
        .alle()
        .iter()
        .filter(|a| match a.art {
            crate::oidc::Anbieterart::Buerger => {
                user.role() == plankammer_domain::Role::Antragsteller
            }
            crate::oidc::Anbieterart::Behoerde => {
                a.behoerde.as_deref() == Some(user.member().tenant.slug.as_str())
                    && user.role() != plankammer_domain::Role::Antragsteller
            }
        })
        .map(|a| {
            let name = match a.art {
                crate::oidc::Anbieterart::Buerger => "Servicekonto",
                crate::oidc::Anbieterart::Behoerde => "Anmeldedienst Ihrer Behörde",
            };
            context! { id => a.id, name, verbunden => verbunden.contains(&a.id) }
        })
        .collect();
    let vorgaenge: Vec<_> = sichtbar
        .into_iter()
        .map(|a| {
            let az = a.aktenzeichen.map(|z| z.to_string());
            context! { id => a.id, bezeichnung => a.bezeichnung, aktenzeichen => az }
        })
        .collect();
    let html = render(
        "konto.html",
        context! {
            layout => layout(user, "/konto"), tokens, neu, fehler, sitzungen, behoerden, vorgaenge,
            zweiter_faktor, codes_offen, anmeldedienste, hinweis, organisation,
            tage_standard => SCHLUESSEL_TAGE_STANDARD, tage_hoechstens => SCHLUESSEL_TAGE_HOECHSTENS,
        },
    )?;
    Ok((status, html).into_response())
}

#[derive(Deserialize, Default)]
struct KontoQuery {
    verbunden: Option<String>,
}

async fn konto(
    State(st): State<AppState>,
    user: CurrentUser,
    Query(q): Query<KontoQuery>,
) -> PageResult<Response> {
    let hinweis = q
        .verbunden
        .map(|_| "Ihr Konto ist mit dem Anmeldedienst verbunden. Sie können sich ab jetzt auch dort anmelden.".to_string());
    konto_page(&st, &user, None, hinweis.map(Ok), StatusCode::OK).await
}

#[derive(Deserialize)]
struct TokenForm {
    name: String,
    /// `lesen` or `schreiben`.
    #[serde(default)]
    rechte: String,
    /// Days of validity; empty: the default.
    #[serde(default)]
    tage: String,
    /// The one case the token reaches (its number); empty: every case.
    #[serde(default)]
    vorgang: String,
}

/// The rights and days of a token as a form or a client typed them.
pub(crate) fn schluessel_angaben<'a>(
    name: &'a str,
    rechte: &str,
    tage: &str,
    vorgang: &str,
) -> Result<NeuerSchluessel<'a>, Fehler> {
    let rechte = match rechte.trim() {
        "" | "schreiben" => Rechte::Schreiben,
        "lesen" => Rechte::Lesen,
        _ => {
            return Err(Fehler::ungueltig(
                "Die Rechte eines Schlüssels sind „lesen“ oder „schreiben“.",
            ));
        }
    };
    let tage = match tage.trim() {
        "" => None,
        t => Some(t.parse::<u32>().map_err(|_| {
            Fehler::ungueltig(format!(
                "Bitte geben Sie die Gültigkeit in Tagen an (1 bis {SCHLUESSEL_TAGE_HOECHSTENS})."
            ))
        })?),
    };
    let vorgang = match vorgang.trim().trim_start_matches('#') {
        "" => None,
        v => Some(v.parse::<i64>().ok().filter(|v| *v > 0).ok_or_else(|| {
            Fehler::ungueltig(
                "Bitte geben Sie die Nummer des Vorgangs an (die Zahl aus seiner Adresse, z. B. 17 in …/vorgaenge/17), oder lassen Sie das Feld leer.",
            )
        })?),
    };
    Ok(NeuerSchluessel {
        name,
        rechte,
        tage,
        vorgang,
    })
}

async fn create_token(
    State(st): State<AppState>,
    user: CurrentUser,
    Form(f): Form<TokenForm>,
) -> PageResult<Response> {
    let angaben = schluessel_angaben(&f.name, &f.rechte, &f.tage, &f.vorgang);
    let ergebnis = match angaben {
        Ok(neu) => st.verfahren.schluessel_erstellen(user.akteur(), neu).await,
        Err(e) => Err(e),
    };
    match ergebnis {
        Ok((token, secret)) => {
            konto_page(
                &st,
                &user,
                Some((token.name, secret)),
                None,
                StatusCode::CREATED,
            )
            .await
        }
        Err(Fehler::Ungueltig(m)) => {
            konto_page(
                &st,
                &user,
                None,
                Some(Err(m.join(" "))),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

async fn revoke_token(
    State(st): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
) -> PageResult<Redirect> {
    st.verfahren
        .schluessel_widerrufen(user.akteur(), id)
        .await?;
    Ok(Redirect::to("/konto"))
}

/// Ends one of the person's own sessions (another device).
async fn sitzung_beenden(
    State(st): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
) -> PageResult<Redirect> {
    st.verfahren.sitzung_beenden(user.akteur(), &id).await?;
    Ok(Redirect::to("/konto#sitzungen"))
}

/// Ends every session of the person but this one.
async fn andere_beenden(State(st): State<AppState>, user: CurrentUser) -> PageResult<Redirect> {
    let eigene = plankammer_storage::sessions::sitzungs_id(&user.0.secret);
    st.verfahren
        .andere_sitzungen_beenden(user.akteur(), &eigene)
        .await?;
    Ok(Redirect::to("/konto#sitzungen"))
}

#[derive(Deserialize, Default)]
struct WeiterQuery {
    weiter: Option<String>,
}

/// "Behörde wählen": a person of several authorities says which one they work for now
/// (after login, or from "Mein Konto").
async fn behoerde(
    State(st): State<AppState>,
    user: CurrentUser,
    Query(q): Query<WeiterQuery>,
) -> PageResult<Response> {
    let weiter = crate::seiten::anmeldung::safe_return_to(q.weiter.as_deref()).to_string();
    let behoerden: Vec<_> = st
        .verfahren
        .meine_behoerden(user.akteur())
        .await?
        .into_iter()
        .map(|m| {
            context! {
                id => m.tenant.id, name => m.tenant.name, rolle => m.role.bezeichnung(),
                aktuell => m.tenant.id == user.tenant_id(),
            }
        })
        .collect();
    let html = render(
        "behoerde_waehlen.html",
        context! { layout => layout(&user, "/konto"), behoerden, weiter },
    )?;
    Ok(html.into_response())
}

#[derive(Deserialize)]
struct BehoerdeForm {
    behoerde: i64,
    weiter: Option<String>,
}

/// Switches to the chosen authority: this session ends and one for the other tenant
/// begins (so nothing of the old tenant's session carries over).
async fn behoerde_wechseln(
    State(st): State<AppState>,
    jar: CookieJar,
    user: CurrentUser,
    Form(f): Form<BehoerdeForm>,
) -> PageResult<Response> {
    let weiter = crate::seiten::anmeldung::safe_return_to(f.weiter.as_deref()).to_string();
    if f.behoerde == user.tenant_id() {
        return Ok(Redirect::to(&weiter).into_response());
    }
    st.verfahren
        .behoerde_wechseln(user.akteur(), f.behoerde)
        .await?;
    st.db.delete_session(&user.0.secret).await?;
    // The new session began the way this one did: same provider, same trust level.
    let niveau = user.akteur().niveau.map(|n| n.code());
    let herkunft = user.0.anbieter.as_deref().map(|a| (a, niveau));
    let jar = crate::sitzung::sitzung_oeffnen_ueber(&st, jar, user.user_id(), f.behoerde, herkunft)
        .await?;
    Ok((jar, Redirect::to(&weiter)).into_response())
}
