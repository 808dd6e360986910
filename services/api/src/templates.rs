//! The German page templates (minijinja, HTML auto-escaped), compiled into the binary from
//! `web/templates/pages/`.

use axum::http::StatusCode;
use axum::response::Html;
use minijinja::Environment;
use serde::Serialize;
use std::sync::OnceLock;

const PAGES: &[(&str, &str)] = &[
    (
        "base.html",
        include_str!("../../../web/templates/pages/base.html"),
    ),
    (
        "anmelden.html",
        include_str!("../../../web/templates/pages/anmelden.html"),
    ),
    (
        "aufgaben.html",
        include_str!("../../../web/templates/pages/aufgaben.html"),
    ),
    (
        "barrierefreiheit.html",
        include_str!("../../../web/templates/pages/barrierefreiheit.html"),
    ),
    (
        "leichte_sprache.html",
        include_str!("../../../web/templates/pages/leichte_sprache.html"),
    ),
    (
        "start.html",
        include_str!("../../../web/templates/pages/start.html"),
    ),
    (
        "behoerde_waehlen.html",
        include_str!("../../../web/templates/pages/behoerde_waehlen.html"),
    ),
    (
        "zweiter_faktor.html",
        include_str!("../../../web/templates/pages/zweiter_faktor.html"),
    ),
    (
        "wiederherstellungscodes.html",
        include_str!("../../../web/templates/pages/wiederherstellungscodes.html"),
    ),
    (
        "zugang.html",
        include_str!("../../../web/templates/pages/zugang.html"),
    ),
    (
        "konto.html",
        include_str!("../../../web/templates/pages/konto.html"),
    ),
    (
        "benutzer.html",
        include_str!("../../../web/templates/pages/benutzer.html"),
    ),
    (
        "benutzer_detail.html",
        include_str!("../../../web/templates/pages/benutzer_detail.html"),
    ),
    (
        "verwaltung_checklisten.html",
        include_str!("../../../web/templates/pages/verwaltung_checklisten.html"),
    ),
    (
        "verwaltung_checkliste.html",
        include_str!("../../../web/templates/pages/verwaltung_checkliste.html"),
    ),
    (
        "verwaltung_aktenzeichen.html",
        include_str!("../../../web/templates/pages/verwaltung_aktenzeichen.html"),
    ),
    (
        "jobs.html",
        include_str!("../../../web/templates/pages/jobs.html"),
    ),
    (
        "eingang.html",
        include_str!("../../../web/templates/pages/eingang.html"),
    ),
    (
        "pruefung.html",
        include_str!("../../../web/templates/pages/pruefung.html"),
    ),
    (
        "fristen.html",
        include_str!("../../../web/templates/pages/fristen.html"),
    ),
    (
        "beteiligung.html",
        include_str!("../../../web/templates/pages/beteiligung.html"),
    ),
    (
        "beteiligungen.html",
        include_str!("../../../web/templates/pages/beteiligungen.html"),
    ),
    (
        "bescheid.html",
        include_str!("../../../web/templates/pages/bescheid.html"),
    ),
    (
        "bescheid_stand.html",
        include_str!("../../../web/templates/pages/bescheid_stand.html"),
    ),
    (
        "bescheid_abschnitt.html",
        include_str!("../../../web/templates/pages/bescheid_abschnitt.html"),
    ),
    (
        "bescheid_vorlage.html",
        include_str!("../../../web/templates/pages/bescheid_vorlage.html"),
    ),
    (
        "fachstelle_eingang.html",
        include_str!("../../../web/templates/pages/fachstelle_eingang.html"),
    ),
    (
        "fachstelle_anfrage.html",
        include_str!("../../../web/templates/pages/fachstelle_anfrage.html"),
    ),
    (
        "fachstelle_stellungnahme.html",
        include_str!("../../../web/templates/pages/fachstelle_stellungnahme.html"),
    ),
    (
        "fachstelle_anlagen.html",
        include_str!("../../../web/templates/pages/fachstelle_anlagen.html"),
    ),
    (
        "fachstelle_stellungnahme_karte.html",
        include_str!("../../../web/templates/pages/fachstelle_stellungnahme_karte.html"),
    ),
    (
        "plan_ansicht.html",
        include_str!("../../../web/templates/pages/plan_ansicht.html"),
    ),
    (
        "verwaltung_stellen.html",
        include_str!("../../../web/templates/pages/verwaltung_stellen.html"),
    ),
    (
        "fehler.html",
        include_str!("../../../web/templates/pages/fehler.html"),
    ),
    (
        "vorgang.html",
        include_str!("../../../web/templates/pages/vorgang.html"),
    ),
    (
        "antrag_angaben.html",
        include_str!("../../../web/templates/pages/antrag_angaben.html"),
    ),
    (
        "antrag_checkliste.html",
        include_str!("../../../web/templates/pages/antrag_checkliste.html"),
    ),
    (
        "_zeitleiste.html",
        include_str!("../../../web/templates/pages/_zeitleiste.html"),
    ),
    (
        "einladung.html",
        include_str!("../../../web/templates/pages/einladung.html"),
    ),
    (
        "passwort_vergessen.html",
        include_str!("../../../web/templates/pages/passwort_vergessen.html"),
    ),
    (
        "verwaltung_anmeldung.html",
        include_str!("../../../web/templates/pages/verwaltung_anmeldung.html"),
    ),
    (
        "verwaltung_xbau.html",
        include_str!("../../../web/templates/pages/verwaltung_xbau.html"),
    ),
    (
        "verwaltung_xbau_nachricht.html",
        include_str!("../../../web/templates/pages/verwaltung_xbau_nachricht.html"),
    ),
    (
        "anmelden_behoerde.html",
        include_str!("../../../web/templates/pages/anmelden_behoerde.html"),
    ),
    (
        "registrieren.html",
        include_str!("../../../web/templates/pages/registrieren.html"),
    ),
    (
        "registrierung_bestaetigen.html",
        include_str!("../../../web/templates/pages/registrierung_bestaetigen.html"),
    ),
    (
        "_dokumente.html",
        include_str!("../../../web/templates/pages/_dokumente.html"),
    ),
    (
        "_vorgangsliste.html",
        include_str!("../../../web/templates/pages/_vorgangsliste.html"),
    ),
];

fn env() -> &'static Environment<'static> {
    static ENV: OnceLock<Environment<'static>> = OnceLock::new();
    ENV.get_or_init(|| {
        let mut env = Environment::new();
        env.set_undefined_behavior(minijinja::UndefinedBehavior::Chainable);
        env.add_filter("datum", datum);
        for (name, src) in PAGES {
            // Compiled into the binary and covered by the page tests: a syntax error is a
            // build defect, so failing loudly at first use is right.
            env.add_template(name, src).expect("page template compiles");
        }
        env
    })
}

/// Unix milliseconds → "28.11.2026, 13:05 Uhr" (German local time).
fn datum(ms: i64) -> String {
    plankammer_domain::zeit::format_berlin(ms)
}

pub fn render<S: Serialize>(name: &str, ctx: S) -> Result<Html<String>, crate::AppError> {
    env()
        .get_template(name)
        .and_then(|t| t.render(ctx))
        .map(Html)
        .map_err(|e| crate::AppError::Internal(format!("rendering {name}: {e:#}")))
}

/// The error page; never fails (falls back to plain text).
pub fn render_error_page(status: StatusCode, meldung: &str) -> Html<String> {
    let titel = match status.as_u16() {
        401 => "Anmeldung erforderlich",
        403 => "Zugriff verweigert",
        404 => "Seite nicht gefunden",
        413 => "Datei oder Formular zu groß",
        422 => "Eingabe nicht gültig",
        429 => "Zu viele Anfragen",
        _ => "Fehler",
    };
    let ctx = minijinja::context! { titel, meldung, status => status.as_u16() };
    render("fehler.html", ctx).unwrap_or_else(|_| {
        Html(format!(
            "<!DOCTYPE html><title>{titel}</title><p>{titel}</p>"
        ))
    })
}
