//! Who may do what, route by route: every page and every `/api/v1` route (as
//! `routen::alle()` reads them from the source) against every kind of person and every
//! state a case is in.
//!
//! The world, built once by the procedure's steps:
//!
//! | case | state |
//! |---|---|
//! | E | Entwurf, an open invitation to a Bauherrschaft without account |
//! | N | Nachforderung with its Frist |
//! | B | Beteiligung: Stelle A asked (a Rückfrage, an Anlage), Stelle C asked and answered |
//! | X | Bescheid issued (Genehmigung, plans stamped) |
//!
//! In every case the architect is the owner and the Bauherr accepted the invitation.
//!
//! Each row says, for each person, in which cases the route is allowed. Denied is 401, 403,
//! 404 or a redirect to the login page; everything else is allowed (409 and 422 too: the
//! state refused, not the access). Denied requests and reads run on one shared copy of the
//! world (and must not change it); each allowed change runs on its own fresh copy.

use plankammer_domain::Role;
use plankammer_domain::beteiligung::Zustimmung;
use plankammer_storage::testing::Vorlage;
use plankammer_storage::{Db, heute_berlin, now_millis};
use plankammer_tests::routen;
use plankammer_tests::welt::{self, Fall, Fallangaben, Welt};
use plankammer_tests::zugriff::{Antwort, Instanz, Koerper, Zugang};
use plankammer_verfahren::Akteur;
use plankammer_verfahren::beteiligung::{Anfrage, Beteiligen};
use plankammer_verfahren::dokumente::{Hochladegrenzen, Ziel};
use plankammer_verfahren::fachstelle::StellungnahmeEingabe;
use plankammer_verfahren::pruefung::Befundangabe;
use serde_json::Value;
use std::collections::BTreeMap;
use std::time::Instant;

// --- The people --------------------------------------------------------------------------

const PERSONEN: [&str; 9] = [
    "Anonym",
    "Architektin",
    "Bauherr",
    "Andere",
    "Bauaufsicht",
    "Admin",
    "StelleA",
    "StelleB",
    "Fremd",
];
const BAUHERR: &str = "bauherr@example.org";
const ANDERE: &str = "andere@example.org";
const STELLE_A: &str = "stelle-a@example.org";
const STELLE_B: &str = "stelle-b@example.org";
const STELLE_C: &str = "stelle-c@example.org";
/// The open invitation of case E (to an address without account).
const EINLADUNG_E: &str = "einladung-der-matrix-0123456789abcdef";
/// The open invitation to the authority (to an address without account).
const ZUGANG: &str = "zugang-der-matrix-0123456789abcdef";

const FAELLE: [char; 4] = ['E', 'N', 'B', 'X'];

// --- The rows ----------------------------------------------------------------------------

/// One route: for each person in the order of [`PERSONEN`], the cases it is allowed in
/// (`-`: none); for routes of no case `+` (allowed) or `-`.
struct Zeile {
    methode: &'static str,
    pfad: &'static str,
    erlaubt: [&'static str; 9],
}

/// `z("GET /vorgaenge/{id}", "- ENBX ENBX - NBX NBX - - -")`.
fn z(route: &'static str, erlaubt: &'static str) -> Zeile {
    let (methode, pfad) = route.split_once(' ').expect("METHOD /path");
    let teile: Vec<&'static str> = erlaubt.split_whitespace().collect();
    Zeile {
        methode,
        pfad,
        erlaubt: teile
            .try_into()
            .unwrap_or_else(|t: Vec<_>| panic!("{route}: {} entries, not 9", t.len())),
    }
}

#[rustfmt::skip]
fn zeilen() -> Vec<Zeile> {
    vec![
        // Persons:                                          An  Ar  Bh  And BA  Adm SA  SB  Fr
        // Operations and public pages.
        z("GET /healthz",                                   "+ + + + + + + + +"),
        z("GET /readyz",                                    "+ + + + + + + + +"),
        z("GET /metrics",                                   "+ + + + + + + + +"),
        z("GET /api/openapi.json",                          "+ + + + + + + + +"),
        z("GET /",                                          "- + + + + + + + +"),
        z("GET /anmelden",                                  "+ + + + + + + + +"),
        z("GET /barrierefreiheit",                          "+ + + + + + + + +"),
        z("GET /leichte-sprache",                           "+ + + + + + + + +"),
        z("POST /anmelden",                                 "+ + + + + + + + +"),
        // The second step of a login exists only for a login waiting for its code (a
        // cookie the matrix never holds): everyone else is sent to the login page.
        z("GET /anmelden/zweiter-faktor",                   "- - - - - - - - -"),
        z("POST /anmelden/zweiter-faktor",                  "- - - - - - - - -"),
        z("GET /konto/zweiter-faktor",                      "- + + + + + + + +"),
        z("POST /konto/zweiter-faktor",                     "- + + + + + + + +"),
        z("POST /konto/zweiter-faktor/abschalten",          "- + + + + + + + +"),
        // Self-registration: public; a signed-in person is sent on to the start page.
        // Sign-in through an OpenID provider: the matrix's instance has none configured
        // (starting one is 404 for everyone); the way back without the browser's sign-in
        // cookie is refused (403) for everyone alike.
        z("POST /anmelden/extern",                          "- - - - - - - - -"),
        z("GET /anmelden/extern/rueckkehr",                 "- - - - - - - - -"),
        z("GET /anmelden/extern/behoerde",                  "- - - - - - - - -"),
        z("POST /anmelden/extern/behoerde",                 "- - - - - - - - -"),
        z("POST /konto/extern/verbinden",                   "- - - - - - - - -"),
        z("GET /registrieren",                              "+ + + + + + + + +"),
        z("POST /registrieren",                             "+ + + + + + + + +"),
        z("GET /registrieren/{secret}",                     "+ + + + + + + + +"),
        z("POST /registrieren/{secret}",                    "+ + + + + + + + +"),
        z("GET /passwort-vergessen",                        "+ + + + + + + + +"),
        z("POST /passwort-vergessen",                       "+ + + + + + + + +"),
        z("GET /passwort-vergessen/{secret}",               "+ + + + + + + + +"),
        z("POST /passwort-vergessen/{secret}",              "+ + + + + + + + +"),
        z("POST /abmelden",                                 "- + + + + + + + +"),
        z("GET /start",                                     "- + + + + + + + +"),
        z("GET /konto",                                     "- + + + + + + + +"),
        z("POST /konto/schluessel",                         "- + + + + + + + +"),
        z("POST /konto/schluessel/{id}/widerrufen",         "- + - - - - - - -"),
        // Nobody ends a session that is not theirs (the matrix names one of nobody's).
        z("POST /konto/sitzungen/{id}/beenden",             "- - - - - - - - -"),
        z("POST /konto/sitzungen/andere-beenden",           "- + + + + + + + +"),
        z("GET /api/v1/me",                                 "- + + + + + + + +"),
        z("GET /api/v1/tokens",                             "- + + + + + + + +"),
        // The matrix calls the API with tokens, and a token never makes one (403 for all);
        // that a signed-in person does is `web::tokens_have_rights_an_end_and_cannot_mint_tokens`.
        z("POST /api/v1/tokens",                            "- - - - - - - - -"),
        z("DELETE /api/v1/tokens/{id}",                     "- + - - - - - - -"),
        // The invitation (by its secret, of case E).
        z("GET /einladung/{secret}",                        "+ + + + + + + + +"),
        z("POST /einladung/{secret}",                       "+ + + + + + + + +"),
        z("POST /einladung/{secret}/annehmen",              "- + + + + + + + +"),
        z("POST /api/v1/einladungen/{secret}/annahme",      "- + + + + + + + +"),
        // The invitation to the authority (by its secret): anyone with the link sees it and
        // may set a password; accepting needs a sign-in (and then the invited address).
        z("GET /zugang/{secret}",                           "+ + + + + + + + +"),
        z("POST /zugang/{secret}",                          "+ + + + + + + + +"),
        z("POST /zugang/{secret}/annehmen",                 "- + + + + + + + +"),
        // Choosing among one's authorities: the matrix asks for the first tenant, which
        // the person of the other tenant does not belong to.
        z("GET /konto/behoerde",                            "- + + + + + + + +"),
        z("POST /konto/behoerde",                           "- + + + + + + + -"),
        // Applicants' own lists and new cases.
        z("GET /vorgaenge/neu",                             "- + + + - - - - -"),
        z("POST /vorgaenge/neu",                            "- + + + - - - - -"),
        z("POST /vorgaenge",                                "- + + + - - - - -"),
        z("GET /api/v1/cases",                              "- + + + + + - - +"),
        z("POST /api/v1/cases",                             "- + + + - - - - -"),
        // The authority's lists.
        z("GET /aufgaben",                                  "- - - - + - - - +"),
        z("GET /api/v1/aufgaben",                           "- - - - + - - - +"),
        z("GET /eingang",                                   "- - - - + + - - +"),
        z("GET /api/v1/eingang",                            "- - - - + + - - +"),
        z("GET /fristen",                                   "- - - - + - - - +"),
        z("GET /api/v1/fristen",                            "- - - - + - - - +"),
        z("GET /beteiligungen",                             "- - - - + - - - +"),
        z("GET /api/v1/beteiligungen",                      "- - - - + - - - +"),
        z("GET /api/v1/anfragen",                           "- - - - - - + + -"),
        // Administration.
        z("GET /verwaltung/benutzer",                       "- - - - - + - - -"),
        z("POST /verwaltung/benutzer",                      "- - - - - + - - -"),
        z("GET /verwaltung/benutzer/{id}",                 "- - - - - + - - -"),
        z("POST /verwaltung/benutzer/{id}",                "- - - - - + - - -"),
        z("POST /verwaltung/benutzer/einladungen/{id}/zurueckziehen", "- - - - - + - - -"),
        z("POST /verwaltung/zweiter-faktor",                "- - - - - + - - -"),
        z("GET /verwaltung/anmeldung",                      "- - - - - + - - -"),
        z("POST /verwaltung/anmeldung",                     "- - - - - + - - -"),
        z("POST /verwaltung/anmeldung/gruppen",             "- - - - - + - - -"),
        z("POST /verwaltung/anmeldung/gruppen/{id}/loeschen", "- - - - - + - - -"),
        // XBau: the tenant admin's partners and journal; the exchange answers only a
        // partner's secret, which nobody here holds.
        z("GET /verwaltung/xbau",                           "- - - - - + - - -"),
        z("POST /verwaltung/xbau/partner",                  "- - - - - + - - -"),
        z("POST /verwaltung/xbau/partner/{id}/widerrufen",  "- - - - - + - - -"),
        z("GET /verwaltung/xbau/nachrichten/{id}",          "- - - - - + - - -"),
        z("POST /verwaltung/xbau/nachrichten/{id}/erneut",  "- - - - - + - - -"),
        z("POST /api/v1/xbau/nachrichten",                  "- - - - - - - - -"),
        z("GET /api/v1/xbau/postausgang",                   "- - - - - - - - -"),
        z("GET /api/v1/xbau/postausgang/{uuid}",            "- - - - - - - - -"),
        z("GET /api/v1/xbau/postausgang/{uuid}/anlagen/{nr}", "- - - - - - - - -"),
        z("POST /api/v1/xbau/postausgang/{uuid}/abgeholt",  "- - - - - - - - -"),
        z("GET /verwaltung/stellen",                        "- - - - - + - - -"),
        z("POST /verwaltung/stellen",                       "- - - - - + - - -"),
        z("POST /verwaltung/stellen/{sid}",                 "- - - - - + - - -"),
        z("POST /verwaltung/stellen/{sid}/mitglieder",      "- - - - - + - - -"),
        z("POST /verwaltung/stellen/{sid}/mitglieder/{uid}/entfernen", "- - - - - + - - -"),
        z("GET /verwaltung/checklisten",                    "- - - - - + - - -"),
        z("GET /verwaltung/checklisten/{verfahren}",        "- - - - - + - - -"),
        z("POST /verwaltung/checklisten/{verfahren}",       "- - - - - + - - -"),
        z("GET /verwaltung/bescheid",                       "- - - - - + - - -"),
        z("POST /verwaltung/bescheid",                      "- - - - - + - - -"),
        z("GET /verwaltung/aktenzeichen",                   "- - - - - + - - -"),
        z("POST /verwaltung/aktenzeichen",                  "- - - - - + - - -"),
        z("GET /verwaltung/jobs",                           "- - - - - + - - -"),
        z("GET /api/v1/users",                              "- - - - - + - - -"),
        z("POST /api/v1/users",                             "- - - - - + - - -"),
        z("GET /api/v1/users/{id}",                        "- - - - - + - - -"),
        z("PUT /api/v1/users/{id}",                        "- - - - - + - - -"),
        z("POST /api/v1/users/{id}/passwort-link",         "- - - - - + - - -"),
        z("POST /api/v1/users/{id}/abmeldung",             "- - - - - + - - -"),
        z("GET /api/v1/invitations",                        "- - - - - + - - -"),
        z("DELETE /api/v1/invitations/{id}",               "- - - - - + - - -"),
        z("GET /api/v1/verwaltung/stellen",                 "- - - - - + - - -"),
        z("POST /api/v1/verwaltung/stellen",                "- - - - - + - - -"),
        z("PUT /api/v1/verwaltung/stellen/{id}",           "- - - - - + - - -"),
        z("PUT /api/v1/verwaltung/stellen/{id}/mitglieder/{user_id}", "- - - - - + - - -"),
        z("DELETE /api/v1/verwaltung/stellen/{id}/mitglieder/{user_id}", "- - - - - + - - -"),
        z("GET /api/v1/checklisten",                        "- - - - - + - - -"),
        z("GET /api/v1/checklisten/{verfahren}",            "- - - - - + - - -"),
        z("PUT /api/v1/checklisten/{verfahren}",            "- - - - - + - - -"),
        z("POST /api/v1/checklisten/{verfahren}/standard",  "- - - - - + - - -"),
        z("GET /api/v1/checklisten/{verfahren}/versionen",  "- - - - - + - - -"),
        z("GET /api/v1/bescheidvorlage",                    "- - - - - + - - -"),
        z("PUT /api/v1/bescheidvorlage",                    "- - - - - + - - -"),
        z("GET /api/v1/aktenzeichen",                       "- - - - - + - - -"),
        z("PUT /api/v1/aktenzeichen",                       "- - - - - + - - -"),
        z("GET /api/v1/jobs",                               "- - - - - + - - -"),
        z("GET /api/v1/jobs/{id}",                         "- - - - - + - - -"),
        // The case, as applicants and the authority see it (pages).
        z("GET /vorgaenge/{id}",                            "- ENBX ENBX - ENBX ENBX B - -"),
        z("GET /vorgaenge/{id}/dokumente",                  "- ENBX ENBX - ENBX ENBX - - -"),
        z("GET /vorgaenge/{id}/checkliste",                 "- ENBX ENBX - ENBX ENBX - - -"),
        z("GET /vorgaenge/{id}/angaben",                    "- ENBX - - - - - - -"),
        z("POST /vorgaenge/{id}/angaben",                   "- ENBX - - - - - - -"),
        z("POST /vorgaenge/{id}/beteiligte",                "- ENBX - - - - - - -"),
        z("POST /vorgaenge/{id}/freizeichnen",              "- - ENBX - - - - - -"),
        z("POST /vorgaenge/{id}/einreichen",                "- ENBX - - - - - - -"),
        z("POST /vorgaenge/{id}/nachreichen",               "- ENBX - - - - - - -"),
        z("POST /vorgaenge/{id}/zurueckziehen",             "- ENBX - - - - - - -"),
        z("POST /vorgaenge/{id}/dokumente",                 "- ENBX - - ENBX - - - -"),
        z("POST /vorgaenge/{id}/dokumente/{did}/anlageart", "- ENBX - - ENBX - - - -"),
        z("POST /vorgaenge/{id}/dokumente/{did}/entfernen", "- ENBX - - ENBX - - - -"),
        z("POST /vorgaenge/{id}/anlagearten",               "- ENBX - - ENBX - - - -"),
        z("POST /vorgaenge/{id}/versionen/{vid}/erneut-pruefen", "- ENBX - - ENBX - - - -"),
        z("GET /vorgaenge/{id}/plan/{vid}",                 "- - - - ENBX - - - -"),
        z("POST /vorgaenge/{id}/plan/{vid}",                "- - - - ENBX - - - -"),
        z("GET /vorgaenge/{id}/pruefung",                   "- - - - ENBX - - - -"),
        z("POST /vorgaenge/{id}/pruefung",                  "- - - - ENBX - - - -"),
        z("POST /vorgaenge/{id}/zustaendigkeit",            "- - - - ENBX - - - -"),
        z("POST /vorgaenge/{id}/notizen",                   "- - - - ENBX - - - -"),
        z("GET /vorgaenge/{id}/beteiligung",                "- - - - ENBX - - - -"),
        z("POST /vorgaenge/{id}/beteiligung",               "- - - - ENBX - - - -"),
        z("GET /vorgaenge/{id}/bescheid",                   "- - - - ENBX - - - -"),
        z("POST /vorgaenge/{id}/bescheid",                  "- - - - ENBX - - - -"),
        z("POST /vorgaenge/{id}/bescheid/erlassen",         "- - - - ENBX - - - -"),
        z("POST /vorgaenge/{id}/bescheid/erneut",           "- - - - - - - - -"),
        z("GET /vorgaenge/{id}/bescheid/stand",             "- - - - X - - - -"),
        z("GET /vorgaenge/{id}/bescheid/bescheid.pdf",      "- X X - X X - - -"),
        z("GET /vorgaenge/{id}/bescheid/plaene/{did}",      "- X X - X X - - -"),
        z("POST /fristen/{fid}/verlaengern",                "- - - - ENBX - - - -"),
        z("POST /fristen/{fid}/ruecknahmefiktion",          "- - - - ENBX - - - -"),
        // The case through the API.
        z("GET /api/v1/cases/{id}",                         "- ENBX ENBX - ENBX ENBX - - -"),
        z("GET /api/v1/cases/{id}/angaben",                 "- ENBX ENBX - ENBX ENBX - - -"),
        z("PUT /api/v1/cases/{id}/angaben",                 "- ENBX - - - - - - -"),
        z("GET /api/v1/cases/{id}/befunde",                 "- ENBX ENBX - ENBX ENBX - - -"),
        z("GET /api/v1/cases/{id}/checkliste",              "- ENBX ENBX - ENBX ENBX - - -"),
        z("GET /api/v1/cases/{id}/fassungen",               "- ENBX ENBX - ENBX ENBX - - -"),
        z("GET /api/v1/cases/{id}/fassungsvergleich",       "- - - - ENBX - - - -"),
        z("GET /api/v1/cases/{id}/fristen",                 "- ENBX ENBX - ENBX ENBX - - -"),
        z("GET /api/v1/cases/{id}/zeitleiste",              "- ENBX ENBX - ENBX ENBX - - -"),
        z("GET /api/v1/cases/{id}/search",                  "- ENBX ENBX - ENBX ENBX - - -"),
        z("GET /api/v1/cases/{id}/documents",               "- ENBX ENBX - ENBX ENBX - - -"),
        z("GET /api/v1/cases/{id}/beteiligte",              "- ENBX ENBX - ENBX ENBX - - -"),
        z("POST /api/v1/cases/{id}/beteiligte",             "- ENBX - - - - - - -"),
        z("POST /api/v1/cases/{id}/freizeichnung",          "- - ENBX - - - - - -"),
        z("POST /api/v1/cases/{id}/einreichung",            "- ENBX - - - - - - -"),
        z("POST /api/v1/cases/{id}/nachreichung",           "- ENBX - - - - - - -"),
        z("POST /api/v1/cases/{id}/ruecknahme",             "- ENBX - - - - - - -"),
        z("POST /api/v1/cases/{id}/documents",              "- ENBX - - ENBX - - - -"),
        z("PUT /api/v1/cases/{id}/documents/{dateiname}",   "- ENBX - - ENBX - - - -"),
        z("DELETE /api/v1/documents/{id}",                 "- ENBX - - ENBX - - - -"),
        z("PUT /api/v1/documents/{id}/anlageart",          "- ENBX - - ENBX - - - -"),
        z("PUT /api/v1/cases/{id}/anlagearten",             "- ENBX - - ENBX - - - -"),
        z("PUT /api/v1/documents/{id}/versions/{dateiname}", "- ENBX - - ENBX - - - -"),
        z("GET /api/v1/versions/{id}",                     "- ENBX ENBX - ENBX ENBX B - -"),
        z("GET /api/v1/versions/{id}/download",            "- ENBX ENBX - ENBX ENBX B - -"),
        z("GET /api/v1/versions/{id}/preview",             "- - - - - - - - -"),
        z("GET /api/v1/versions/{id}/pages/{n}/thumbnail", "- - - - - - - - -"),
        z("POST /api/v1/versions/{id}/retry",              "- ENBX - - ENBX - - - -"),
        z("GET /api/v1/versions/{id}/kommentare",          "- - - - ENBX - B - -"),
        z("POST /api/v1/versions/{id}/kommentare",         "- - - - ENBX - B - -"),
        z("POST /api/v1/cases/{id}/vollstaendigkeit",       "- - - - ENBX - - - -"),
        z("GET /api/v1/cases/{id}/zustaendigkeit",          "- - - - ENBX - - - -"),
        z("PUT /api/v1/cases/{id}/zustaendigkeit",          "- - - - ENBX - - - -"),
        z("GET /api/v1/cases/{id}/notizen",                 "- - - - ENBX - - - -"),
        z("POST /api/v1/cases/{id}/notizen",                "- - - - ENBX - - - -"),
        z("POST /api/v1/cases/{id}/nachforderung",          "- - - - ENBX - - - -"),
        z("GET /api/v1/cases/{id}/stellen",                 "- - - - ENBX - - - -"),
        z("GET /api/v1/cases/{id}/beteiligungen",           "- - - - ENBX - - - -"),
        z("POST /api/v1/cases/{id}/beteiligungen",          "- - - - ENBX - - - -"),
        z("GET /api/v1/cases/{id}/bescheid",                "- - - - ENBX - - - -"),
        z("PUT /api/v1/cases/{id}/bescheid",                "- - - - ENBX - - - -"),
        z("GET /api/v1/cases/{id}/bescheid/erlass",         "- - - - X - - - -"),
        z("POST /api/v1/cases/{id}/bescheid/erlass",        "- - - - ENBX - - - -"),
        z("POST /api/v1/cases/{id}/bescheid/erlass/wiederholung", "- - - - - - - - -"),
        z("GET /api/v1/cases/{id}/bescheid/pdf",            "- X X - X X - - -"),
        z("GET /api/v1/cases/{id}/bescheid/plaene/{did}",   "- X X - X X - - -"),
        z("POST /api/v1/fristen/{id}/verlaengerung",       "- - - - ENBX - - - -"),
        z("POST /api/v1/fristen/{id}/ruecknahmefiktion",   "- - - - ENBX - - - -"),
        // A request to a Stelle: the Stelle's side (pages and API).
        z("GET /beteiligungen/{bid}",                       "- - - - B - B - -"),
        z("POST /beteiligungen/{bid}/rueckfragen",          "- - - - - - B - -"),
        z("GET /beteiligungen/{bid}/stellungnahme",         "- - - - - - B - -"),
        z("POST /beteiligungen/{bid}/stellungnahme",        "- - - - - - B - -"),
        z("POST /beteiligungen/{bid}/anlagen",              "- - - - - - B - -"),
        z("POST /beteiligungen/{bid}/anlagen/{did}/entfernen", "- - - - - - B - -"),
        z("GET /beteiligungen/{bid}/plan/{vid}",            "- - - - - - B - -"),
        z("POST /beteiligungen/{bid}/plan/{vid}",           "- - - - - - B - -"),
        z("GET /api/v1/anfragen/{bid}",                     "- - - - - - B - -"),
        z("POST /api/v1/anfragen/{bid}/rueckfragen",        "- - - - - - B - -"),
        z("POST /api/v1/anfragen/{bid}/stellungnahmen",     "- - - - - - B - -"),
        z("GET /api/v1/anfragen/{bid}/anlagen",             "- - - - - - B - -"),
        z("PUT /api/v1/anfragen/{bid}/anlagen/{dateiname}", "- - - - - - B - -"),
        z("DELETE /api/v1/anlagen/{id}",                   "- - - - - - B - -"),
        // A request to a Stelle: the authority's side.
        z("POST /beteiligungen/{bid}/fassung",              "- - - - B - - - -"),
        z("POST /beteiligungen/{bid}/sichtbarkeit",         "- - - - B - - - -"),
        z("POST /beteiligungen/{bid}/verlaengern",          "- - - - B - - - -"),
        z("POST /beteiligungen/{bid}/zurueckziehen",        "- - - - B - - - -"),
        z("POST /beteiligungen/{bid}/rueckfragen/{rid}/antwort", "- - - - B - - - -"),
        z("POST /beteiligungen/{bid}/rueckfragen/{rid}/weitergeben", "- - - - B - - - -"),
        z("POST /beteiligungen/{bid}/stellungnahmen/{sid}/entscheidung", "- - - - B - - - -"),
        z("GET /api/v1/beteiligungen/{bid}",                "- - - - B - - - -"),
        z("POST /api/v1/beteiligungen/{bid}/fassungsfreigabe", "- - - - B - - - -"),
        z("PUT /api/v1/beteiligungen/{bid}/sichtbarkeit",   "- - - - B - - - -"),
        z("POST /api/v1/beteiligungen/{bid}/verlaengerung", "- - - - B - - - -"),
        z("POST /api/v1/beteiligungen/{bid}/zuruecknahme",  "- - - - B - - - -"),
        z("POST /api/v1/beteiligungen/{bid}/rueckfragen/{rid}/antwort", "- - - - B - - - -"),
        z("POST /api/v1/beteiligungen/{bid}/rueckfragen/{rid}/weitergabe", "- - - - B - - - -"),
        z("POST /api/v1/beteiligungen/{bid}/stellungnahmen/{sid}/entscheidung", "- - - - B - - - -"),
    ]
}

// --- The world ---------------------------------------------------------------------------

/// The ids of one case the paths are filled with.
#[derive(Debug, Clone, Default)]
struct FallIds {
    id: i64,
    did: i64,
    vid: i64,
    fid: Option<i64>,
    /// Stelle A's request, its Rückfrage and Anlage (case B).
    bid: Option<i64>,
    rid: Option<i64>,
    aid: Option<i64>,
    /// Stelle C's request and Stellungnahme (case B).
    cbid: Option<i64>,
    sid: Option<i64>,
}

struct Matrix {
    welt: Welt,
    faelle: BTreeMap<char, FallIds>,
    /// For each person: what their page requests and their API requests present.
    seiten: Vec<Zugang>,
    api: Vec<Zugang>,
    /// The architect's API token (to revoke).
    token_id: i64,
    stelle_a: welt::Stelle,
    stelle_b: welt::Stelle,
    job_id: i64,
    /// The open invitation to the authority.
    zugang_id: i64,
    /// A mapping of a group to a role.
    gruppe_id: i64,
    /// An XBau partner of the first tenant, and the refusal (1100) of a message it sent.
    xbau_partner_id: i64,
    xbau_journal_id: i64,
    xbau_uuid: String,
    vorlage: Vorlage,
    _ordner: plankammer_storage::testing::tempfile_dir::TempDir,
}

async fn akteur(w: &Welt, email: &str) -> Akteur {
    w.akteur(email).await
}

/// The Bauherr accepts an invitation to the case (made in the store with a known secret).
async fn lade_ein(w: &Welt, fall: i64, email: &str, name: &str, secret: &str) {
    let mut tx = w.app.db.begin().await.expect("tx");
    Db::lade_beteiligten_ein(
        &mut tx,
        fall,
        email,
        name,
        &plankammer_storage::sha256_hex(secret),
        now_millis(),
    )
    .await
    .expect("invitation");
    tx.commit().await.expect("commit");
}

async fn mit_bauherr(w: &Welt, bh: &Akteur, fall: Fall, nr: i64) -> Fall {
    let secret = format!("einladung-bauherr-{nr}-0123456789abcdef");
    lade_ein(w, fall.id, BAUHERR, "Jana Becker", &secret).await;
    w.app
        .verfahren
        .einladung_annehmen(bh, &secret)
        .await
        .expect("the Bauherr accepts");
    fall
}

fn pdf_strom(
    inhalt: Vec<u8>,
) -> impl futures::Stream<Item = Result<bytes::Bytes, std::io::Error>> + Unpin {
    futures::stream::iter(vec![Ok(bytes::Bytes::from(inhalt))])
}

async fn baue_welt() -> Matrix {
    let w = Welt::neu().await;
    let v = w.app.verfahren.clone();
    w.person(BAUHERR, Role::Antragsteller).await;
    w.person(ANDERE, Role::Antragsteller).await;
    let stelle_a = w.stelle("Brandschutzdienststelle", STELLE_A, None).await;
    let stelle_b = w.stelle("Denkmalschutzbehörde", STELLE_B, None).await;
    let stelle_c = w.stelle("Untere Naturschutzbehörde", STELLE_C, None).await;
    let bh = akteur(&w, BAUHERR).await;
    let ba = akteur(&w, welt::BAUAUFSICHT).await;
    let sa = akteur(&w, STELLE_A).await;
    let sc = akteur(&w, STELLE_C).await;

    let mut faelle = BTreeMap::new();
    // E: a draft, the Bauherr in, another invitation open.
    let e = w.fall(Fallangaben::nummer(1)).entwurf().await;
    let e = mit_bauherr(&w, &bh, e, 1).await;
    lade_ein(&w, e.id, "neu@example.org", "Nora Neu", EINLADUNG_E).await;
    faelle.insert(
        'E',
        FallIds {
            id: e.id,
            did: e.dokument_id,
            vid: e.version_id,
            ..FallIds::default()
        },
    );

    // N: submitted, documents requested with a deadline.
    let n = w.fall(Fallangaben::nummer(2)).eingereicht().await;
    let n = mit_bauherr(&w, &bh, n, 2).await;
    let vorschlag = plankammer_verfahren::pruefung::vorschlag_nachforderung(
        plankammer_domain::verfahren::Verfahrensart::VereinfachtesVerfahren,
        heute_berlin(),
    )
    .expect("proposal");
    v.nachfordern(
        &ba,
        n.id,
        &[Befundangabe {
            code: "01".into(),
            text: "Der Lageplan fehlt.".into(),
            dokument_id: None,
        }],
        &vorschlag.ende.format("%Y-%m-%d").to_string(),
    )
    .await
    .expect("Nachforderung");
    faelle.insert('N', ids_mit_frist(&w, &ba, n).await);

    // B: complete, Stellen A and C asked; A asks back and attaches, C states its view.
    let b = w.fall(Fallangaben::nummer(3)).eingereicht().await;
    let b = mit_bauherr(&w, &bh, b, 3).await;
    v.vollstaendig_erklaeren(&ba, b.id).await.expect("complete");
    let bids = v
        .stellen_anfragen(
            &ba,
            b.id,
            &Beteiligen {
                anfragen: vec![
                    Anfrage {
                        stelle_id: stelle_a.id,
                        ..Anfrage::default()
                    },
                    Anfrage {
                        stelle_id: stelle_c.id,
                        ..Anfrage::default()
                    },
                ],
                ..Beteiligen::default()
            },
        )
        .await
        .expect("Beteiligung");
    let (bid, cbid) = (bids[0], bids[1]);
    // "Exists since before now": the request must be older than this millisecond.
    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    v.anfrage_oeffnen(&sa, bid).await.expect("A opens");
    let rid = v
        .rueckfrage_stellen(&sa, bid, "Wo verläuft der zweite Rettungsweg?", true)
        .await
        .expect("Rückfrage");
    let ziel = v.anlagen_ziel(&sa, bid).await.expect("Anlage possible");
    let anlage = v
        .hochladen(
            &sa,
            &ziel.antrag,
            Ziel::Anlage {
                beteiligung_id: bid,
            },
            "stellungnahme_anlage.pdf",
            Hochladegrenzen::default(),
            pdf_strom(plankammer_tests::pdf::a4_salted(1, "anlage-a")),
        )
        .await
        .expect("Anlage");
    let sid = v
        .stellungnahme_abgeben(
            &sc,
            cbid,
            &StellungnahmeEingabe {
                tenor: "Keine Bedenken.".into(),
                zustimmung: Some(Zustimmung::Ja),
                ..StellungnahmeEingabe::default()
            },
        )
        .await
        .expect("Stellungnahme");
    let mut ids = ids_mit_frist(&w, &ba, b).await;
    ids.bid = Some(bid);
    ids.rid = Some(rid);
    ids.aid = Some(anlage.dokument_id);
    ids.cbid = Some(cbid);
    ids.sid = Some(sid);
    faelle.insert('B', ids);

    // X: complete, the Bescheid drafted, issued, its plan stamped, completed.
    let x = w.fall(Fallangaben::nummer(4)).eingereicht().await;
    let x = mit_bauherr(&w, &bh, x, 4).await;
    v.vollstaendig_erklaeren(&ba, x.id).await.expect("complete");
    let antrag = w.app.db.antrag(x.id).await.expect("case");
    let formular = v.standard_formular(&antrag).await.expect("form");
    let bescheid = v
        .entwurf_speichern(&ba, x.id, &formular)
        .await
        .expect("draft");
    v.erlassen(&ba, x.id).await.expect("issue");
    let erlass = v.erlass(bescheid).await.expect("erlass").expect("to issue");
    let stempel = w
        .app
        .blobs
        .put_bytes(bytes::Bytes::from(plankammer_tests::pdf::a4_salted(
            2,
            "gestempelt",
        )))
        .await
        .expect("stamp");
    for p in w.app.db.bescheid_plaene(bescheid).await.expect("plans") {
        v.gestempelten_plan_vermerken(
            &erlass,
            &p,
            &stempel.sha256,
            stempel.size as i64,
            now_millis(),
        )
        .await
        .expect("stamped");
    }
    let pdf = w
        .app
        .blobs
        .put_bytes(bytes::Bytes::from(plankammer_tests::pdf::a4_salted(
            1, "bescheid",
        )))
        .await
        .expect("Bescheid PDF");
    assert!(
        v.bescheid_abschliessen(&erlass, &pdf.sha256, pdf.size as i64, now_millis())
            .await
            .expect("completed")
    );
    faelle.insert('X', ids_mit_frist(&w, &ba, x).await);
    let job_id: i64 = sqlx::query_scalar("SELECT MAX(id) FROM jobs")
        .fetch_one(w.app.db.pool())
        .await
        .expect("the issuing job");
    // An open invitation to the authority, with a known secret.
    let zugang_id = {
        let mut tx = w.app.db.begin().await.expect("tx");
        let id = Db::zugangseinladung_anlegen(
            &mut tx,
            &plankammer_storage::zugang::NeueZugangseinladung {
                tenant_id: w.tenant,
                email: "zugang@example.org",
                name: "Zora Zugang",
                role: Role::Bauaufsicht,
                token_hash: &plankammer_storage::sha256_hex(ZUGANG),
                eingeladen_von: None,
                laeuft_ab_at: now_millis() + 86_400_000,
            },
            now_millis(),
        )
        .await
        .expect("invitation");
        tx.commit().await.expect("commit");
        id
    };
    // A mapping of a staff provider's group to a role.
    let gruppe_id = {
        let mut tx = w.app.db.begin().await.expect("tx");
        let id = Db::gruppenzuordnung_anlegen(
            &mut tx,
            w.tenant,
            "bauaufsicht",
            Role::Bauaufsicht,
            None,
            now_millis(),
        )
        .await
        .expect("mapping");
        tx.commit().await.expect("commit");
        id
    };

    // An XBau portal of the first tenant sent something that is not XML: the journal has
    // the message and its refusal (1100), which waits in the portal's outbox. Nobody of
    // the matrix holds the portal's secret.
    let (xbau_partner_id, xbau_journal_id, xbau_uuid) = {
        let p = v
            .xbau_partner_anlegen_betreiber(
                &plankammer_verfahren::Betreiber::an_der_konsole(),
                "kreis-a",
                plankammer_storage::xbau::PartnerArt::Portal,
                "Antragsportal",
                "portal:matrix",
                None,
            )
            .await
            .expect("partner")
            .0;
        v.xbau_empfangen(
            &p,
            plankammer_verfahren::xbau_austausch::EingehendeNachricht {
                xml: b"kein XML".to_vec(),
                beilagen: Vec::new(),
            },
            Hochladegrenzen::default(),
        )
        .await
        .expect("refused");
        let aus = v.xbau_postausgang(&p).await.expect("outbox");
        (p.id, aus[0].id, aus[0].uuid.clone())
    };

    // Everyone signs in and has an API token.
    let instanz = Instanz::neu(w.app.db.clone(), w.app.blobs.clone());
    let anonym = Zugang::Anonym {
        csrf: instanz.anonymer_csrf().await,
    };
    let emails = [
        welt::ARCHITEKTIN,
        BAUHERR,
        ANDERE,
        welt::BAUAUFSICHT,
        welt::ADMIN,
        STELLE_A,
        STELLE_B,
        welt::FREMD,
    ];
    let mut seiten = vec![anonym];
    let mut api = vec![Zugang::Keiner];
    let mut token_id = 0;
    for email in emails {
        seiten.push(instanz.anmelden(email).await);
        let a = akteur(&w, email).await;
        let (t, secret) = v
            .schluessel_erstellen(
                &a,
                plankammer_verfahren::konto::NeuerSchluessel {
                    name: "Zugriffsmatrix",
                    rechte: plankammer_storage::tokens::Rechte::Schreiben,
                    tage: None,
                    vorgang: None,
                },
            )
            .await
            .expect("token");
        if email == welt::ARCHITEKTIN {
            token_id = t.id;
        }
        api.push(Zugang::Schluessel(secret));
    }
    let ordner = plankammer_storage::testing::tempfile_dir::TempDir::new();
    let vorlage = Vorlage::aus(&w.app.db, ordner.path())
        .await
        .expect("template");
    Matrix {
        welt: w,
        faelle,
        seiten,
        api,
        token_id,
        stelle_a,
        stelle_b,
        job_id,
        zugang_id,
        gruppe_id,
        xbau_partner_id,
        xbau_journal_id,
        xbau_uuid,
        vorlage,
        _ordner: ordner,
    }
}

async fn ids_mit_frist(w: &Welt, ba: &Akteur, f: Fall) -> FallIds {
    let fristen = w
        .app
        .verfahren
        .fristen_des_vorgangs(ba, f.id)
        .await
        .expect("deadlines");
    FallIds {
        id: f.id,
        did: f.dokument_id,
        vid: f.version_id,
        fid: fristen.first().map(|f| f.id),
        ..FallIds::default()
    }
}

// --- Requests ----------------------------------------------------------------------------

impl Matrix {
    /// The path of a row for a case (`None`: the row has no object in this case). A
    /// parameter is filled by what the segment before it names.
    fn pfad(&self, zeile: &Zeile, fall: Option<char>) -> Option<String> {
        let ids = fall.map(|f| &self.faelle[&f]);
        let entscheidung = zeile.pfad.contains("/stellungnahmen/{sid}");
        let mut out = String::new();
        let mut rest = zeile.pfad;
        while let Some(a) = rest.find('{') {
            let b = rest[a..].find('}')? + a;
            out.push_str(&rest[..a]);
            let davor = out.trim_end_matches('/');
            let davor = davor[davor.rfind('/').map_or(0, |i| i + 1)..].to_string();
            let wert = match (&rest[a + 1..b], davor.as_str()) {
                ("id", "tokens" | "schluessel") => self.token_id.to_string(),
                ("id", "sitzungen") => "0".repeat(64),
                ("id", "users" | "benutzer") => self.welt.architektin.to_string(),
                ("id", "jobs") => self.job_id.to_string(),
                ("id" | "sid", "stellen") => self.stelle_a.id.to_string(),
                ("id", "cases" | "vorgaenge") => ids?.id.to_string(),
                ("id" | "did", "anlagen") => ids?.aid?.to_string(),
                ("id", "documents") | ("did", _) => ids?.did.to_string(),
                ("id", "versions") | ("vid", _) => ids?.vid.to_string(),
                ("id", "fristen") | ("fid", _) => ids?.fid?.to_string(),
                ("bid", _) if entscheidung => ids?.cbid?.to_string(),
                ("bid", _) => ids?.bid?.to_string(),
                ("rid", _) => ids?.rid?.to_string(),
                ("sid", "stellungnahmen") => ids?.sid?.to_string(),
                ("uid" | "user_id", _) => self.stelle_a.mitglied.to_string(),
                ("n", _) => "1".into(),
                ("secret", "zugang") => ZUGANG.into(),
                ("secret", _) => EINLADUNG_E.into(),
                ("id", "einladungen" | "invitations") => self.zugang_id.to_string(),
                ("id", "gruppen") => self.gruppe_id.to_string(),
                ("id", "partner") => self.xbau_partner_id.to_string(),
                ("id", "nachrichten") => self.xbau_journal_id.to_string(),
                ("uuid", _) => self.xbau_uuid.clone(),
                ("nr", _) => "0".into(),
                ("verfahren", _) => {
                    plankammer_domain::verfahren::Verfahrensart::VereinfachtesVerfahren
                        .slug()
                        .into()
                }
                ("dateiname", _) => "nachtrag.pdf".into(),
                (other, _) => panic!("{}: no value for {{{other}}}", zeile.pfad),
            };
            out.push_str(&wert);
            rest = &rest[b + 1..];
        }
        out.push_str(rest);
        if out.ends_with("/search") {
            out.push_str("?q=Grundriss");
        }
        Some(out)
    }

    /// Is the row about a case: does its path name one, or something of one?
    fn fallbezogen(zeile: &Zeile) -> bool {
        [
            "/cases/{id}",
            "/vorgaenge/{id}",
            "/documents/{id}",
            "/versions/{id}",
            "/anlagen/{id}",
            "/fristen/{id}",
            "{fid}",
            "{bid}",
        ]
        .iter()
        .any(|p| zeile.pfad.contains(p))
    }

    fn koerper(&self, zeile: &Zeile, openapi: &Value) -> Koerper {
        if zeile.methode == "GET" {
            return Koerper::Leer;
        }
        let pdf = || plankammer_tests::pdf::a4_salted(1, "matrix-nachtrag");
        if zeile.pfad.ends_with("{dateiname}") {
            return Koerper::Pdf(pdf());
        }
        if zeile.pfad.starts_with("/api/") {
            let op = &openapi["paths"][zeile.pfad][zeile.methode.to_lowercase()];
            let inhalt = &op["requestBody"]["content"];
            if inhalt.get("multipart/form-data").is_some() {
                return Koerper::Datei(pdf());
            }
            let json = &inhalt["application/json"];
            if json.is_null() {
                return Koerper::Leer;
            }
            let beispiel = [&json["example"], &json["schema"]["example"]]
                .into_iter()
                .find(|b| !b.is_null())
                .cloned()
                .or_else(|| {
                    json["examples"]
                        .as_object()
                        .and_then(|e| e.values().next())
                        .map(|e| e["value"].clone())
                })
                .or_else(|| {
                    let r = json["schema"]["$ref"].as_str()?.rsplit('/').next()?;
                    let s = &openapi["components"]["schemas"][r];
                    Some(s["example"].clone()).filter(|e| !e.is_null())
                });
            return Koerper::Json(beispiel.unwrap_or_else(|| Value::Object(Default::default())));
        }
        if zeile.pfad.ends_with("/dokumente") || zeile.pfad.ends_with("/anlagen") {
            return Koerper::Datei(pdf());
        }
        Koerper::Formular(self.formular(zeile))
    }

    /// One form with every field any page form reads; a few rows need their own values.
    fn formular(&self, zeile: &Zeile) -> String {
        let ende = (heute_berlin() + chrono::Duration::days(120))
            .format("%Y-%m-%d")
            .to_string();
        let stelle_b_mitglied = self.stelle_b.mitglied.to_string();
        let g = welt::angaben(
            plankammer_domain::verfahren::Verfahrensart::VereinfachtesVerfahren,
            "06412000",
            "Neubau Carport",
        );
        let mut felder: Vec<(&str, String)> = vec![
            ("name", "Nina Neu".into()),
            ("email", "nina.neu@example.org".into()),
            ("passwort", "ein-neues-sicheres-passwort".into()),
            (
                "passwort_wiederholung",
                "ein-neues-sicheres-passwort".into(),
            ),
            ("rolle", "antragsteller".into()),
            ("behoerde", self.welt.tenant.to_string()),
            ("pflicht", "nein".into()),
            ("code", "123456".into()),
            ("anbieter", "servicekonto".into()),
            ("gruppe", "bauaufsicht-neu".into()),
            ("art", "portal".into()),
            ("kennung", "portal:neu".into()),
            ("user_id", stelle_b_mitglied),
            (
                "rechtsbehelfsbelehrung",
                "Gegen diesen Bescheid kann Widerspruch erhoben werden.".into(),
            ),
            ("anschrift", "Rathausplatz 1, 34117 Kassel".into()),
            ("format", "{kuerzel}-{jahr}-{nummer:5}".into()),
            ("kuerzel", "BA".into()),
            ("aktion", "speichern".into()),
            ("frage", "Ist die Zufahrt gesichert?".into()),
            ("seite", "1".into()),
            ("x", "0.1".into()),
            ("y", "0.1".into()),
            ("w", "0.2".into()),
            ("h", "0.2".into()),
            ("text", "Bitte prüfen.".into()),
            ("antwort_auf", String::new()),
            ("zoom", "1".into()),
            ("anlageart", "2001".into()),
            ("neues_ende", ende),
            ("grund", "Die Stelle braucht mehr Zeit.".into()),
            ("antwort", "Über den Garten.".into()),
            ("beruecksichtigen", "ja".into()),
            ("fassung_id", "1".into()),
            ("rechtsbereich", "Denkmalschutz".into()),
            ("tenor", "Keine Bedenken.".into()),
            ("zustimmung", "ja".into()),
            ("begruendung", "Geprüft.".into()),
            ("sichtbar", "on".into()),
            ("verfahren", g.verfahren),
            ("bezeichnung", g.bezeichnung),
            ("massnahme", g.massnahme),
            ("gebaeudeklasse", g.gebaeudeklasse),
            ("strasse", g.strasse),
            ("hausnummer", g.hausnummer),
            ("plz", g.plz),
            ("ort", g.ort),
            ("gemeinde", g.gemeinde),
            ("gemarkung", g.gemarkung),
            ("flur", g.flur),
            ("flurstuecke", g.flurstuecke),
            ("bh_name", g.bh_name),
            ("bh_anschrift", g.bh_anschrift),
            ("bh_email", g.bh_email),
            ("ev_name", g.ev_name),
            ("ev_kammer", g.ev_kammer),
            ("ev_nummer", g.ev_nummer),
        ];
        if zeile.pfad == "/anmelden" {
            felder = vec![
                ("email", welt::ARCHITEKTIN.into()),
                ("passwort", plankammer_tests::PASSWORD.into()),
            ];
        }
        let mut s = url::form_urlencoded::Serializer::new(String::new());
        for (k, v) in &felder {
            s.append_pair(k, v);
        }
        s.finish()
    }

    fn zugang(&self, zeile: &Zeile, person: usize) -> &Zugang {
        if zeile.pfad.starts_with("/api/v1/") {
            &self.api[person]
        } else {
            &self.seiten[person]
        }
    }
}

/// What the store holds, counted: a denied request must leave it as it was.
async fn fingerabdruck(db: &Db, faelle: &BTreeMap<char, FallIds>) -> BTreeMap<String, String> {
    let tabellen: Vec<String> = match db.backend() {
        plankammer_storage::Backend::Sqlite => sqlx::query_scalar(
            "SELECT name FROM sqlite_master WHERE type = 'table' \
             AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_sqlx%'",
        ),
        plankammer_storage::Backend::Postgres => sqlx::query_scalar(
            "SELECT tablename::text FROM pg_tables WHERE schemaname = 'public' \
             AND tablename NOT LIKE '_sqlx%'",
        ),
    }
    .fetch_all(db.pool())
    .await
    .expect("tables");
    let mut out = BTreeMap::new();
    for t in tabellen {
        let n: i64 = sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {t}"))
            .fetch_one(db.pool())
            .await
            .expect("count");
        out.insert(t, n.to_string());
    }
    for (f, ids) in faelle {
        let a = db.antrag(ids.id).await.expect("case");
        out.insert(format!("Fall {f}"), format!("{:?}", a.zustand));
    }
    out
}

/// One request of the matrix and its outcome.
struct Ergebnis {
    zeile: usize,
    person: usize,
    fall: Option<char>,
    erwartet_erlaubt: bool,
    antwort: Antwort,
}

fn klasse(erlaubt: bool) -> &'static str {
    if erlaubt { "erlaubt" } else { "verweigert" }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn every_route_lets_in_exactly_whom_it_should() {
    let start = Instant::now();
    let zeilen = zeilen();

    // Every route has exactly one row, every row a route.
    let alle = routen::alle();
    let mut fehler: Vec<String> = Vec::new();
    let mut gesehen = std::collections::BTreeSet::new();
    for z in &zeilen {
        let r = (z.methode.to_string(), z.pfad.to_string());
        if !alle.contains(&r) {
            fehler.push(format!("stale row (no such route): {} {}", r.0, r.1));
        }
        if !gesehen.insert(r.clone()) {
            fehler.push(format!("two rows for {} {}", r.0, r.1));
        }
    }
    for r in &alle {
        if !gesehen.contains(r) {
            fehler.push(format!("route without a row: {} {}", r.0, r.1));
        }
    }
    assert!(
        fehler.is_empty(),
        "the matrix does not match the routes:\n{}",
        fehler.join("\n")
    );

    let m = baue_welt().await;
    let gebaut = start.elapsed();
    let openapi = serde_json::to_value(plankammer_api::api::openapi::openapi()).expect("openapi");
    let blobs = m.welt.app.blobs.clone();

    // Every (row, person, case) with its expectation.
    let mut faelle_je_zeile = Vec::new();
    for z in &zeilen {
        let faelle: Vec<Option<char>> = if Matrix::fallbezogen(z) {
            FAELLE
                .iter()
                .copied()
                .filter(|f| m.pfad(z, Some(*f)).is_some())
                .map(Some)
                .collect()
        } else {
            vec![None]
        };
        faelle_je_zeile.push(faelle);
    }
    let erwartet = |zi: usize, p: usize, f: Option<char>| -> bool {
        let e = zeilen[zi].erlaubt[p];
        match f {
            None => e == "+",
            Some(f) => e.contains(f),
        }
    };

    let mut ergebnisse: Vec<Ergebnis> = Vec::new();
    let geteilt_url = m.vorlage.kopie(m._ordner.path()).await.expect("copy");
    let geteilt_db = Db::connect(&geteilt_url).await.expect("connect copy");
    let geteilt = Instanz::neu(geteilt_db.clone(), blobs.clone());

    // 1. Every change by someone who must be refused, on the shared world: nothing changes.
    let vorher = fingerabdruck(&geteilt_db, &m.faelle).await;
    let mut anfragen = 0usize;
    for (zi, z) in zeilen.iter().enumerate() {
        if z.methode == "GET" {
            continue;
        }
        for f in &faelle_je_zeile[zi] {
            for p in 0..PERSONEN.len() {
                if erwartet(zi, p, *f) {
                    continue;
                }
                let pfad = m.pfad(z, *f).expect("path");
                let a = geteilt
                    .sende(z.methode, &pfad, m.zugang(z, p), &m.koerper(z, &openapi))
                    .await;
                anfragen += 1;
                ergebnisse.push(Ergebnis {
                    zeile: zi,
                    person: p,
                    fall: *f,
                    erwartet_erlaubt: false,
                    antwort: a,
                });
            }
        }
    }
    let nachher = fingerabdruck(&geteilt_db, &m.faelle).await;
    let veraendert: Vec<String> = vorher
        .iter()
        .filter(|(k, v)| nachher.get(*k) != Some(v))
        .map(|(k, v)| format!("{k}: {v} -> {:?}", nachher.get(k)))
        .collect();

    // 2. Every read, on the same world (which the refused changes left as it was).
    for (zi, z) in zeilen.iter().enumerate() {
        if z.methode != "GET" {
            continue;
        }
        for f in &faelle_je_zeile[zi] {
            for p in 0..PERSONEN.len() {
                let pfad = m.pfad(z, *f).expect("path");
                let a = geteilt
                    .sende(z.methode, &pfad, m.zugang(z, p), &Koerper::Leer)
                    .await;
                anfragen += 1;
                ergebnisse.push(Ergebnis {
                    zeile: zi,
                    person: p,
                    fall: *f,
                    erwartet_erlaubt: erwartet(zi, p, *f),
                    antwort: a,
                });
            }
        }
    }
    geteilt_db.pool().close().await;
    let _ = m.vorlage.entferne(&geteilt_url).await;
    let geteilt_fertig = start.elapsed();

    // 3. Every change by someone who may, each on its own fresh copy of the world.
    let mut erlaubte = Vec::new();
    for (zi, z) in zeilen.iter().enumerate() {
        if z.methode == "GET" {
            continue;
        }
        for f in &faelle_je_zeile[zi] {
            for p in 0..PERSONEN.len() {
                if erwartet(zi, p, *f) {
                    erlaubte.push((zi, p, *f));
                }
            }
        }
    }
    let m = &m;
    let zeilen_ref = &zeilen;
    let openapi_ref = &openapi;
    let blobs_ref = &blobs;
    use futures::StreamExt;
    let kopien: Vec<Ergebnis> = futures::stream::iter(erlaubte)
        .map(|(zi, p, f)| async move {
            let z = &zeilen_ref[zi];
            let url = m.vorlage.kopie(m._ordner.path()).await.expect("copy");
            let db = Db::connect(&url).await.expect("connect copy");
            let i = Instanz::neu(db.clone(), blobs_ref.clone());
            let pfad = m.pfad(z, f).expect("path");
            let a = i
                .sende(z.methode, &pfad, m.zugang(z, p), &m.koerper(z, openapi_ref))
                .await;
            db.pool().close().await;
            let _ = m.vorlage.entferne(&url).await;
            Ergebnis {
                zeile: zi,
                person: p,
                fall: f,
                erwartet_erlaubt: true,
                antwort: a,
            }
        })
        .buffer_unordered(4)
        .collect()
        .await;
    anfragen += kopien.len();
    ergebnisse.extend(kopien);

    // The verdict: every mismatch at once.
    let mut falsch = Vec::new();
    let mut unlesbar = Vec::new();
    let mut ist: BTreeMap<(usize, usize), String> = BTreeMap::new();
    for e in &ergebnisse {
        let erlaubt = !e.antwort.verweigert();
        let z = &zeilen[e.zeile];
        if erlaubt {
            let eintrag = ist.entry((e.zeile, e.person)).or_default();
            eintrag.push(e.fall.unwrap_or('+'));
        }
        if e.erwartet_erlaubt && e.antwort.unlesbar() {
            unlesbar.push(format!(
                "{:<7}{:<62}{:<12}{:<3}{} {}",
                z.methode,
                z.pfad,
                PERSONEN[e.person],
                e.fall.unwrap_or('-'),
                e.antwort.status,
                e.antwort.body.chars().take(160).collect::<String>()
            ));
        }
        if erlaubt != e.erwartet_erlaubt {
            falsch.push(format!(
                "{:<7}{:<62}{:<12}{:<3}expected {:<11}got {} {}",
                z.methode,
                z.pfad,
                PERSONEN[e.person],
                e.fall.unwrap_or('-'),
                klasse(e.erwartet_erlaubt),
                e.antwort.status,
                e.antwort.location.as_deref().unwrap_or(""),
            ));
        }
    }
    falsch.sort();
    // What the rows with a mismatch would have to say, to judge (not to copy blindly).
    let mut vorschlag = Vec::new();
    for (zi, z) in zeilen.iter().enumerate() {
        let hat_fehler = ergebnisse
            .iter()
            .any(|e| e.zeile == zi && e.antwort.verweigert() == e.erwartet_erlaubt);
        if !hat_fehler {
            continue;
        }
        let teile: Vec<String> = (0..PERSONEN.len())
            .map(|p| {
                let mut s: Vec<char> = ist
                    .get(&(zi, p))
                    .map(|s| s.chars().collect())
                    .unwrap_or_default();
                s.sort_by_key(|c| FAELLE.iter().position(|f| f == c).unwrap_or(9));
                let s: String = s.into_iter().collect();
                if s.is_empty() { "-".into() } else { s }
            })
            .collect();
        vorschlag.push(format!(
            "z(\"{} {}\", \"{}\"),",
            z.methode,
            z.pfad,
            teile.join(" ")
        ));
    }
    println!(
        "access matrix: {} rows, {anfragen} requests; world {:.1?}, shared {:.1?}, total {:.1?}",
        zeilen.len(),
        gebaut,
        geteilt_fertig - gebaut,
        start.elapsed()
    );
    let mut bericht = String::new();
    if !veraendert.is_empty() {
        bericht.push_str(&format!(
            "refused requests changed the world:\n{}\n\n",
            veraendert.join("\n")
        ));
    }
    if !unlesbar.is_empty() {
        bericht.push_str(&format!(
            "allowed requests the route could not read (fix the body):\n{}\n\n",
            unlesbar.join("\n")
        ));
    }
    if !falsch.is_empty() {
        bericht.push_str(&format!(
            "{} of {anfragen} requests had the wrong outcome:\n{}\n\nrows as observed:\n{}\n",
            falsch.len(),
            falsch.join("\n"),
            vorschlag.join("\n")
        ));
    }
    assert!(bericht.is_empty(), "{bericht}");
}
