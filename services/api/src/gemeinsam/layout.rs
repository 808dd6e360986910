//! The layout every page renders in: the person, the navigation of their role, the CSRF
//! token for the forms.

use crate::sitzung::CurrentUser;
use minijinja::context;
use plankammer_domain::Role;
use serde::Serialize;

#[derive(Serialize)]
struct NavItem {
    href: &'static str,
    label: &'static str,
    aktiv: bool,
}

/// What every page's layout needs: the person, the navigation for their role, the CSRF token.
pub fn layout(user: &CurrentUser, current: &str) -> minijinja::Value {
    let m = user.member();
    let mut nav = vec![match m.role {
        Role::Antragsteller => ("/start", "Meine Vorgänge"),
        // The case worker's start page is the work list (also at /start).
        Role::Bauaufsicht => ("/aufgaben", "Aufgaben"),
        Role::Fachstelle => ("/start", "Beteiligungen"),
        Role::Admin => ("/start", "Übersicht"),
    }];
    if matches!(m.role, Role::Bauaufsicht | Role::Admin) {
        nav.push(("/eingang", "Antragseingang"));
    }
    if m.role == Role::Bauaufsicht {
        nav.push(("/fristen", "Fristen"));
        nav.push(("/beteiligungen", "Beteiligungen"));
    }
    if m.role.may_manage_users() {
        nav.push(("/verwaltung/benutzer", "Benutzer"));
        nav.push(("/verwaltung/jobs", "Hintergrundaufgaben"));
    }
    if m.role == Role::Admin {
        nav.push(("/verwaltung/checklisten", "Checklisten"));
        nav.push(("/verwaltung/aktenzeichen", "Aktenzeichen"));
        nav.push(("/verwaltung/stellen", "Stellen"));
        nav.push(("/verwaltung/bescheid", "Bescheidvorlage"));
        nav.push(("/verwaltung/anmeldung", "Anmeldung"));
        nav.push(("/verwaltung/xbau", "XBau"));
    }
    nav.push(("/konto", "Mein Konto"));
    let nav: Vec<NavItem> = nav
        .into_iter()
        .map(|(href, label)| NavItem {
            href,
            label,
            aktiv: href == current,
        })
        .collect();
    minijinja::Value::from_serialize(context! {
        nutzer => context! {
            name => m.user.display_name,
            email => m.user.email,
            rolle => m.role.bezeichnung(),
            rolle_code => m.role.code(),
            behoerde => m.tenant.name,
        },
        csrf => user.0.csrf_token,
        nav => nav,
    })
}
