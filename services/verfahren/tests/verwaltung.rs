//! The administration's steps against a real store (SQLite, or PostgreSQL with
//! `PLANKAMMER_TEST_DB=postgres`): only the tenant's admin (or the operator) acts, never on
//! another tenant; every change is audited; the German refusals of the old pages.

use chrono::Datelike;
use plankammer_domain::Role;
use plankammer_domain::antrag::AngabenEingabe;
use plankammer_domain::frist::FristArt;
use plankammer_domain::verfahren::{Verfahrensart, standard_checkliste};
use plankammer_domain::vorgang::Zustand;
use plankammer_domain::zeitleiste::Eintragsart;
use plankammer_storage::{Db, heute_berlin};
use plankammer_tests::spawn_app_with;
use plankammer_tests::welt::{self, Marke};
use plankammer_verfahren::demo::DemoPlan;
use plankammer_verfahren::verwaltung::{
    ChecklistenEingabe, NeuesKonto, StelleEingabe, ZeileEingabe, art_und_text,
};
use plankammer_verfahren::zugang::NeueEinladung;
use plankammer_verfahren::{Akteur, Betreiber, Fehler, Verfahren};

struct Welt {
    v: Verfahren,
    db: Db,
    /// The first tenant of the fixture, and the second.
    tenant: i64,
    andere: i64,
    admin: Akteur,
    ba: Akteur,
    owner: Akteur,
    fach: Akteur,
    admin_andere: Akteur,
    fach_andere: Akteur,
    /// Where audit log and outbox stood after the fixture: the counts are of the test's steps.
    seit: Marke,
    _basis: welt::Welt,
}

/// The fixture's two tenants: its architect and case worker, and the accounts this test names
/// (an admin whose name the checklist versions show, Fachstelle accounts on both sides).
async fn welt() -> Welt {
    let app = spawn_app_with(|c| c.mail_domain = "plankammer.test".into()).await;
    let w = welt::Welt::mit(app).await;
    let (tenant, andere) = (w.tenant, w.fremder_tenant);
    let admin = w
        .konto(tenant, "ada@example.org", "Ada Admin", Role::Admin)
        .await;
    let fach = w
        .konto(
            tenant,
            "fs@example.org",
            "Frida Fachstelle",
            Role::Fachstelle,
        )
        .await;
    let admin_andere = w
        .konto(andere, "admin@stadt.example", "Adam Stadt", Role::Admin)
        .await;
    let fach_andere = w
        .konto(andere, "fs@stadt.example", "Fritz Stadt", Role::Fachstelle)
        .await;
    Welt {
        v: w.app.verfahren.clone(),
        db: w.app.db.clone(),
        tenant,
        andere,
        admin,
        ba: w.akteur(welt::BAUAUFSICHT).await,
        owner: w.akteur(welt::ARCHITEKTIN).await,
        fach,
        admin_andere,
        fach_andere,
        seit: w.marke().await,
        _basis: w,
    }
}

impl Welt {
    /// The audit entries of the test's steps with this action.
    async fn audits(&self, action: &str) -> Vec<(Option<i64>, Option<i64>, String)> {
        sqlx::query_as::<_, (Option<i64>, Option<i64>, String)>(
            "SELECT tenant_id, actor_user_id, detail FROM audit_log WHERE action = $1 AND id > $2 ORDER BY id",
        )
        .bind(action)
        .bind(self.seit.audit_id)
        .fetch_all(self.db.pool())
        .await
        .unwrap()
    }
}

fn verboten<T>(r: Result<T, Fehler>) {
    match r {
        Err(Fehler::KeineBerechtigung) => {}
        Err(e) => panic!("expected 403, got {e:?}"),
        Ok(_) => panic!("expected 403, it was allowed"),
    }
}

fn nicht_gefunden<T>(r: Result<T, Fehler>) {
    match r {
        Err(Fehler::NichtGefunden) => {}
        Err(e) => panic!("expected 404, got {e:?}"),
        Ok(_) => panic!("expected 404, it was allowed"),
    }
}

fn ungueltig<T>(r: Result<T, Fehler>) -> Vec<String> {
    match r {
        Err(Fehler::Ungueltig(m)) => m,
        Err(e) => panic!("expected 422, got {e:?}"),
        Ok(_) => panic!("expected 422, it was allowed"),
    }
}

fn konflikt<T>(r: Result<T, Fehler>) -> String {
    match r {
        Err(Fehler::Konflikt(m)) => m,
        Err(e) => panic!("expected 409, got {e:?}"),
        Ok(_) => panic!("expected 409, it was allowed"),
    }
}

const PASSWORT: &str = "lang-genuges-passwort";

impl Welt {
    /// The secret of the last invitation link mailed to this address.
    async fn zugangslink(&self, an: &str) -> String {
        let body: String = sqlx::query_scalar(
            "SELECT body_text FROM outbox WHERE recipient = $1 AND kind = 'einladung_behoerde' ORDER BY id DESC LIMIT 1",
        )
        .bind(an)
        .fetch_one(self.db.pool())
        .await
        .unwrap();
        let start = body.find("/zugang/").expect("the mail has the link") + "/zugang/".len();
        body[start..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
            .collect()
    }
}

/// Issue 12 #15: a tenant admin invites; whether the address has an account in another
/// tenant changes nothing the admin sees (answer, audit entry, list, mail subject), and the
/// person accepts with a new account or the existing one.
#[tokio::test]
async fn the_admin_invites_and_learns_nothing_about_other_tenants() {
    let w = welt().await;
    let neu = NeueEinladung {
        email: "Neu@X.de",
        name: " Neue Person ",
        rolle: Role::Fachstelle,
    };
    for wer in [&w.ba, &w.owner, &w.fach] {
        verboten(w.v.zugang_einladen(wer, &neu).await);
    }
    // An address without an account, and one with an account in the other tenant.
    let id_neu = w.v.zugang_einladen(&w.admin, &neu).await.unwrap();
    let fremd = NeueEinladung {
        email: "fs@stadt.example",
        name: "Getippter Name",
        rolle: Role::Bauaufsicht,
    };
    let id_fremd = w.v.zugang_einladen(&w.admin, &fremd).await.unwrap();
    assert_eq!(
        w.audits("user.invite").await,
        vec![
            (
                Some(w.tenant),
                Some(w.admin.user_id),
                r#"{"role":"fachstelle"}"#.to_string()
            ),
            (
                Some(w.tenant),
                Some(w.admin.user_id),
                r#"{"role":"bauaufsicht"}"#.to_string()
            ),
        ],
        "the audit entries differ only in what the admin typed"
    );
    let offen = w.v.offene_zugaenge(&w.admin).await.unwrap();
    let zeilen: Vec<_> = offen
        .iter()
        .map(|e| (e.id, e.email.as_str(), e.name.as_str(), e.role))
        .collect();
    assert_eq!(
        zeilen,
        vec![
            (
                id_fremd,
                "fs@stadt.example",
                "Getippter Name",
                Role::Bauaufsicht
            ),
            (id_neu, "neu@x.de", "Neue Person", Role::Fachstelle),
        ],
        "the list shows what the admin typed, not the existing account's name"
    );
    let betreffe: Vec<(String, String)> =
        sqlx::query_as("SELECT recipient, subject FROM outbox WHERE id > $1 ORDER BY id")
            .bind(w.seit.outbox_id)
            .fetch_all(w.db.pool())
            .await
            .unwrap();
    let tenant_name = w.db.tenant(w.tenant).await.unwrap().name;
    let betreff = format!("Einladung: {tenant_name} in Plankammer");
    assert_eq!(
        betreffe,
        vec![
            ("neu@x.de".to_string(), betreff.clone()),
            ("fs@stadt.example".to_string(), betreff),
        ]
    );
    assert!(
        w.v.offene_zugaenge(&w.admin_andere)
            .await
            .unwrap()
            .is_empty(),
        "the other tenant sees none of it"
    );

    // What the admin may know is refused: own members, open invitations, bad input.
    assert_eq!(
        konflikt(
            w.v.zugang_einladen(
                &w.admin,
                &NeueEinladung {
                    email: "fs@example.org",
                    ..neu.clone()
                }
            )
            .await
        ),
        "Diese Person gehört bereits zu Ihrer Behörde."
    );
    assert!(konflikt(w.v.zugang_einladen(&w.admin, &neu).await).contains("bereits eine Einladung"));
    for (email, name) in [
        ("kein-at", "X"),
        ("x@y.de", "  "),
        ("x@y.de", "Zeile\r\nBcc: x"),
    ] {
        let e = NeueEinladung {
            email,
            name,
            rolle: Role::Bauaufsicht,
        };
        assert!(
            !ungueltig(w.v.zugang_einladen(&w.admin, &e).await).is_empty(),
            "{name}"
        );
    }

    // The new person sets a password; the link works once.
    let secret = w.zugangslink("neu@x.de").await;
    let o = w.v.zugang_oeffnen(&secret).await.unwrap();
    assert!(!o.konto_vorhanden);
    assert!(
        ungueltig(
            w.v.zugang_mit_neuem_konto(&secret, "Neue Person", PASSWORT, "anders-als-vorher")
                .await
        )[0]
        .contains("stimmen nicht")
    );
    let (user_id, tenant_id) =
        w.v.zugang_mit_neuem_konto(&secret, "Neue Person", PASSWORT, PASSWORT)
            .await
            .unwrap();
    assert_eq!(tenant_id, w.tenant);
    let m = w.db.member(user_id, w.tenant).await.unwrap();
    assert_eq!(
        (m.user.email.as_str(), m.user.display_name.as_str(), m.role),
        ("neu@x.de", "Neue Person", Role::Fachstelle)
    );
    assert!(
        w.v.zugang_mit_neuem_konto(&secret, "Noch mal", PASSWORT, PASSWORT)
            .await
            .is_err(),
        "a used link does not work again"
    );

    // The person with an account elsewhere signs in and accepts; nobody else can.
    let secret = w.zugangslink("fs@stadt.example").await;
    assert!(w.v.zugang_oeffnen(&secret).await.unwrap().konto_vorhanden);
    assert!(
        konflikt(
            w.v.zugang_mit_neuem_konto(&secret, "Kapern", PASSWORT, PASSWORT)
                .await
        )
        .contains("bereits ein Konto"),
        "the existing account is not replaced through the link"
    );
    assert!(ungueltig(w.v.zugang_annehmen(&w.ba, &secret).await)[0].contains("fs@stadt.example"));
    assert_eq!(
        w.v.zugang_annehmen(&w.fach_andere, &secret).await.unwrap(),
        w.tenant
    );
    let mitgliedschaften: Vec<_> =
        w.db.memberships_of(w.fach_andere.user_id)
            .await
            .unwrap()
            .into_iter()
            .map(|m| (m.tenant.id, m.role))
            .collect();
    assert_eq!(mitgliedschaften.len(), 2);
    assert!(mitgliedschaften.contains(&(w.andere, Role::Fachstelle)));
    assert!(mitgliedschaften.contains(&(w.tenant, Role::Bauaufsicht)));
    assert_eq!(w.audits("user.join").await.len(), 2);
    assert!(w.v.offene_zugaenge(&w.admin).await.unwrap().is_empty());

    // Withdrawn: the link is dead; another tenant's admin cannot withdraw.
    let id =
        w.v.zugang_einladen(
            &w.admin,
            &NeueEinladung {
                email: "spaeter@x.de",
                name: "Später",
                rolle: Role::Bauaufsicht,
            },
        )
        .await
        .unwrap();
    let secret = w.zugangslink("spaeter@x.de").await;
    nicht_gefunden(w.v.zugang_zurueckziehen(&w.admin_andere, id).await);
    w.v.zugang_zurueckziehen(&w.admin, id).await.unwrap();
    assert!(w.v.zugang_oeffnen(&secret).await.is_err());
    nicht_gefunden(w.v.zugang_zurueckziehen(&w.admin, id).await);
    assert_eq!(w.audits("user.invite.withdraw").await.len(), 1);
}

/// Mail in the authority's name stays bounded: 50 invitations a day per tenant.
#[tokio::test]
async fn invitations_per_tenant_and_day_are_bounded() {
    let w = welt().await;
    let mut gesendet = 0;
    let ergebnis = loop {
        let email = format!("p{gesendet}@x.de");
        let r =
            w.v.zugang_einladen(
                &w.admin,
                &NeueEinladung {
                    email: &email,
                    name: "P",
                    rolle: Role::Fachstelle,
                },
            )
            .await;
        if r.is_err() || gesendet > 60 {
            break r;
        }
        gesendet += 1;
    };
    assert_eq!(gesendet, 50);
    assert!(matches!(ergebnis, Err(Fehler::ZuViele(_))), "{ergebnis:?}");
    assert!(
        w.v.zugang_einladen(
            &w.admin_andere,
            &NeueEinladung {
                email: "p@stadt.example",
                name: "P",
                rolle: Role::Fachstelle
            }
        )
        .await
        .is_ok(),
        "another tenant is not affected"
    );
}

#[tokio::test]
async fn the_operator_creates_tenants_and_accounts_anywhere() {
    let w = welt().await;
    let b = Betreiber::an_der_konsole();
    let t =
        w.v.tenant_anlegen(&b, "landkreis-nord", " Bauaufsicht Nord ")
            .await
            .unwrap();
    assert_eq!(
        (t.slug.as_str(), t.name.as_str()),
        ("landkreis-nord", "Bauaufsicht Nord")
    );
    assert_eq!(
        w.audits("tenant.create").await,
        vec![(Some(t.id), None, r#"{"slug":"landkreis-nord"}"#.to_string())]
    );
    assert_eq!(
        konflikt(w.v.tenant_anlegen(&b, "landkreis-nord", "Zweite").await),
        "Eine Behörde mit diesem Kürzel gibt es bereits."
    );
    assert!(!ungueltig(w.v.tenant_anlegen(&b, "Nicht Gültig!", "X").await).is_empty());
    assert!(!ungueltig(w.v.tenant_anlegen(&b, "leer", " ").await).is_empty());
    let id =
        w.v.konto_anlegen_als_betreiber(
            &b,
            t.id,
            &NeuesKonto {
                email: "admin@nord.example",
                name: "Nora Nord",
                passwort: PASSWORT,
                rolle: Role::Admin,
            },
        )
        .await
        .unwrap();
    assert_eq!(w.db.member(id, t.id).await.unwrap().role, Role::Admin);
    let a = w.audits("user.create").await;
    assert_eq!(
        (a[0].0, a[0].1),
        (Some(t.id), None),
        "the operator has no account"
    );
    nicht_gefunden(
        w.v.konto_anlegen_als_betreiber(
            &b,
            9999,
            &NeuesKonto {
                email: "x@nirgends.example",
                name: "X",
                passwort: PASSWORT,
                rolle: Role::Admin,
            },
        )
        .await,
    );
}

fn stelle(name: &str, gemeinde: &str) -> StelleEingabe {
    StelleEingabe {
        name: name.into(),
        rechtsbereich: "Brandschutz".into(),
        gemeinde: gemeinde.into(),
    }
}

#[tokio::test]
async fn stellen_are_the_admins_of_their_tenant_and_land_wide_ones_the_operators() {
    let w = welt().await;
    let b = Betreiber::an_der_konsole();
    for wer in [&w.ba, &w.owner, &w.fach] {
        verboten(w.v.stelle_anlegen(wer, &stelle("Brandschutz", "")).await);
        verboten(w.v.stellenverwaltung(wer).await);
    }
    assert_eq!(
        ungueltig(w.v.stelle_anlegen(&w.admin, &stelle(" ", "99999999")).await),
        vec![
            "Bitte geben Sie den Namen der Stelle an.".to_string(),
            "Bitte wählen Sie die Gemeinde aus der Liste.".to_string()
        ]
    );
    let eigene =
        w.v.stelle_anlegen(&w.admin, &stelle(" Brandschutzdienststelle ", ""))
            .await
            .unwrap();
    let s = w.db.stelle(eigene).await.unwrap();
    assert_eq!(
        (s.tenant_id, s.name.as_str()),
        (Some(w.tenant), "Brandschutzdienststelle")
    );
    let land =
        w.v.stelle_anlegen_als_betreiber(&b, None, &stelle("Landesamt für Denkmalpflege", ""))
            .await
            .unwrap();
    assert_eq!(w.db.stelle(land).await.unwrap().tenant_id, None);
    let fremde =
        w.v.stelle_anlegen(&w.admin_andere, &stelle("Stadtbrandschutz", ""))
            .await
            .unwrap();
    let a = w.audits("stelle.angelegt").await;
    assert_eq!(
        a.iter().map(|x| (x.0, x.1)).collect::<Vec<_>>(),
        vec![
            (Some(w.tenant), Some(w.admin.user_id)),
            (None, None),
            (Some(w.andere), Some(w.admin_andere.user_id))
        ]
    );

    // Changing: only the tenant's own; a Land-wide or another tenant's Stelle is unknown.
    nicht_gefunden(
        w.v.stelle_aendern(&w.admin, land, &stelle("Landesamt", ""))
            .await,
    );
    nicht_gefunden(
        w.v.stelle_aendern(&w.admin, fremde, &stelle("Meins", ""))
            .await,
    );
    verboten(w.v.stelle_aendern(&w.ba, eigene, &stelle("X", "")).await);
    w.v.stelle_aendern(&w.admin, eigene, &stelle("Gemeinde Kassel", "06611000"))
        .await
        .unwrap();
    let s = w.db.stelle(eigene).await.unwrap();
    assert_eq!(
        (s.name.as_str(), s.gemeinde_ags.as_deref()),
        ("Gemeinde Kassel", Some("06611000"))
    );
    assert_eq!(w.db.stelle(fremde).await.unwrap().name, "Stadtbrandschutz");
    w.v.stelle_aendern_als_betreiber(&b, land, &stelle("Landesamt für Denkmalpflege Hessen", ""))
        .await
        .unwrap();
    assert_eq!(
        w.db.stelle(land).await.unwrap().name,
        "Landesamt für Denkmalpflege Hessen"
    );
    assert_eq!(w.audits("stelle.geaendert").await.len(), 2);
    nicht_gefunden(
        w.v.stelle_anlegen_als_betreiber(&b, Some(9999), &stelle("X", ""))
            .await,
    );
}

#[tokio::test]
async fn members_are_fachstelle_accounts_of_the_tenant() {
    let w = welt().await;
    let b = Betreiber::an_der_konsole();
    let eigene =
        w.v.stelle_anlegen(&w.admin, &stelle("Brandschutz", ""))
            .await
            .unwrap();
    let land =
        w.v.stelle_anlegen_als_betreiber(&b, None, &stelle("Landesamt", ""))
            .await
            .unwrap();
    let nur_fachstelle = "Mitglied einer Stelle kann nur ein aktives Konto Ihrer Behörde mit der Rolle Fachstelle werden.";
    for uid in [w.ba.user_id, w.owner.user_id, w.fach_andere.user_id, 9999] {
        assert_eq!(
            ungueltig(w.v.mitglied_hinzufuegen(&w.admin, eigene, uid).await),
            vec![nur_fachstelle.to_string()]
        );
    }
    verboten(
        w.v.mitglied_hinzufuegen(&w.fach, eigene, w.fach.user_id)
            .await,
    );
    nicht_gefunden(
        w.v.mitglied_hinzufuegen(&w.admin_andere, eigene, w.fach_andere.user_id)
            .await,
    );
    nicht_gefunden(
        w.v.mitglied_hinzufuegen(&w.admin, land, w.fach.user_id)
            .await,
    );
    assert!(
        w.v.mitglied_hinzufuegen(&w.admin, eigene, w.fach.user_id)
            .await
            .unwrap()
    );
    assert!(
        !w.v.mitglied_hinzufuegen(&w.admin, eigene, w.fach.user_id)
            .await
            .unwrap(),
        "once"
    );
    assert!(
        w.db.ist_stellenmitglied(eigene, w.fach.user_id)
            .await
            .unwrap()
    );
    assert_eq!(
        w.audits("stelle.mitglied_hinzugefuegt").await,
        vec![(
            Some(w.tenant),
            Some(w.admin.user_id),
            format!(r#"{{"user_id":{}}}"#, w.fach.user_id)
        )]
    );

    // The operator: a Land-wide Stelle takes Fachstelle accounts of any tenant; a tenant's
    // Stelle only its own.
    let (u, s, neu) =
        w.v.mitglied_hinzufuegen_als_betreiber(&b, land, "fs@stadt.example")
            .await
            .unwrap();
    assert_eq!((u.id, s.id, neu), (w.fach_andere.user_id, land, true));
    assert!(
        !w.v.mitglied_hinzufuegen_als_betreiber(&b, land, "FS@stadt.example")
            .await
            .unwrap()
            .2
    );
    w.v.mitglied_hinzufuegen_als_betreiber(&b, land, "fs@example.org")
        .await
        .unwrap();
    assert_eq!(
        ungueltig(w.v.mitglied_hinzufuegen_als_betreiber(&b, eigene, "fs@stadt.example").await),
        vec!["Mitglied dieser Stelle kann nur ein aktives Konto mit der Rolle Fachstelle in der Behörde der Stelle werden.".to_string()]
    );
    assert_eq!(
        ungueltig(
            w.v.mitglied_hinzufuegen_als_betreiber(&b, land, welt::BAUAUFSICHT)
                .await
        ),
        vec![
            "Mitglied einer Stelle kann nur ein aktives Konto mit der Rolle Fachstelle werden."
                .to_string()
        ]
    );
    assert_eq!(
        ungueltig(
            w.v.mitglied_hinzufuegen_als_betreiber(&b, land, "niemand@example.org")
                .await
        ),
        vec!["Für diese E-Mail-Adresse gibt es kein Konto.".to_string()]
    );

    // The admin's page shows a Land-wide Stelle's members only as far as they are its own.
    let seite = w.v.stellenverwaltung(&w.admin).await.unwrap();
    assert_eq!(
        seite.konten.iter().map(|k| k.id).collect::<Vec<_>>(),
        vec![w.fach.user_id]
    );
    assert_eq!(seite.eigene.len(), 1);
    assert_eq!(seite.eigene[0].mitglieder.len(), 1);
    assert!(seite.eigene[0].kandidaten.is_empty());
    let l = &seite.land[0];
    assert_eq!(l.anzahl_mitglieder, 2);
    assert_eq!(
        l.mitglieder.iter().map(|m| m.user_id).collect::<Vec<_>>(),
        vec![w.fach.user_id],
        "the other tenant's person is not named"
    );

    // Removing: once, audited; another tenant's admin cannot.
    nicht_gefunden(
        w.v.mitglied_entfernen(&w.admin_andere, eigene, w.fach.user_id)
            .await,
    );
    verboten(w.v.mitglied_entfernen(&w.ba, eigene, w.fach.user_id).await);
    assert!(
        w.v.mitglied_entfernen(&w.admin, eigene, w.fach.user_id)
            .await
            .unwrap()
    );
    assert!(
        !w.v.mitglied_entfernen(&w.admin, eigene, w.fach.user_id)
            .await
            .unwrap()
    );
    assert!(
        !w.db
            .ist_stellenmitglied(eigene, w.fach.user_id)
            .await
            .unwrap()
    );
    assert_eq!(w.audits("stelle.mitglied_entfernt").await.len(), 1);
}

/// The editor's form for a list: every row as it is.
fn formular(c: &plankammer_domain::verfahren::Checkliste, basis: i64) -> ChecklistenEingabe {
    ChecklistenEingabe {
        basis: Some(basis),
        aktion: "speichern".into(),
        zeilen: c
            .positionen
            .iter()
            .map(|p| {
                let (art, text) = art_und_text(&p.anforderung);
                ZeileEingabe {
                    code: p.anlageart.clone(),
                    art: art.into(),
                    text,
                    entfernen: false,
                }
            })
            .collect(),
        neu: ZeileEingabe::default(),
    }
}

#[tokio::test]
async fn checklists_are_versioned_per_tenant_and_checked() {
    let w = welt().await;
    let v = Verfahrensart::VereinfachtesVerfahren;
    let standard = standard_checkliste(v);
    verboten(
        w.v.checkliste_speichern(&w.ba, v, &formular(&standard, 0))
            .await,
    );
    verboten(w.v.geltende_checkliste(&w.owner, v).await);
    verboten(w.v.checklisten_versionen(&w.fach, v).await);
    verboten(w.v.checkliste_zuruecksetzen(&w.ba, v).await);

    // Unchanged: nothing stored; resetting the default: nothing stored.
    assert_eq!(
        w.v.checkliste_speichern(&w.admin, v, &formular(&standard, 0))
            .await
            .unwrap(),
        None
    );
    assert_eq!(
        w.v.checkliste_zuruecksetzen(&w.admin, v).await.unwrap(),
        None
    );

    // A row removed: version 1, in force for the tenant's drafts only.
    let mut f = formular(&standard, 0);
    let weg = f.zeilen[0].code.clone();
    f.zeilen[0].entfernen = true;
    assert_eq!(
        w.v.checkliste_speichern(&w.admin, v, &f).await.unwrap(),
        Some(1)
    );
    let g = w.v.geltende_checkliste(&w.admin, v).await.unwrap();
    assert_eq!(g.version, Some(1));
    assert!(g.liste.position(&weg).is_none());
    assert!(
        w.v.checkliste_fuer(w.tenant, v)
            .await
            .unwrap()
            .position(&weg)
            .is_none()
    );
    assert!(
        w.v.checkliste_fuer(w.andere, v)
            .await
            .unwrap()
            .position(&weg)
            .is_some()
    );
    let versionen = w.v.checklisten_versionen(&w.admin, v).await.unwrap();
    assert_eq!(versionen.len(), 1);
    assert_eq!(versionen[0].von.as_deref(), Some("Ada Admin"));
    assert_eq!(
        versionen[0].liste.as_ref().unwrap().positionen.len(),
        standard.positionen.len() - 1
    );
    assert!(
        w.v.checklisten_versionen(&w.admin_andere, v)
            .await
            .unwrap()
            .is_empty()
    );
    let a = w.audits("checkliste.speichern").await;
    assert_eq!(a.len(), 1);
    assert!(a[0].2.contains(r#""version":1"#), "{}", a[0].2);

    // A form built from the default while version 1 is in force: refused, nothing stored.
    assert_eq!(
        konflikt(
            w.v.checkliste_speichern(&w.admin, v, &formular(&standard, 0))
                .await
        ),
        "Die Checkliste wurde inzwischen geändert (jetzt Version 1). Ihre Änderungen wurden nicht gespeichert; unten steht die aktuelle Fassung. Bitte nehmen Sie Ihre Änderungen erneut vor."
    );
    // Every problem at once.
    let mut f = formular(&g.liste, 1);
    f.neu = ZeileEingabe {
        code: f.zeilen[0].code.clone(),
        art: "pflicht".into(),
        ..ZeileEingabe::default()
    };
    f.zeilen[1].art = "irgendwie".into();
    let m = ungueltig(w.v.checkliste_speichern(&w.admin, v, &f).await);
    assert!(m.iter().any(|s| s.contains("mehrfach")), "{m:?}");
    assert!(
        m.iter()
            .any(|s| s.starts_with("Bitte wählen Sie für die Anlageart")),
        "{m:?}"
    );
    assert_eq!(
        w.v.checklisten_versionen(&w.admin, v).await.unwrap().len(),
        1
    );

    // Back to the default: version 2, audited as a reset.
    assert_eq!(
        w.v.checkliste_zuruecksetzen(&w.admin, v).await.unwrap(),
        Some(2)
    );
    assert!(
        w.v.checkliste_fuer(w.tenant, v)
            .await
            .unwrap()
            .position(&weg)
            .is_some()
    );
    assert_eq!(w.audits("checkliste.zuruecksetzen").await.len(), 1);
}

#[tokio::test]
async fn the_aktenzeichen_format_is_checked_previewed_and_audited() {
    let w = welt().await;
    verboten(w.v.aktenzeichen_stand(&w.ba).await);
    verboten(
        w.v.aktenzeichen_format_setzen(&w.ba, "{jahr}-{nummer}", "BA")
            .await,
    );
    let jahr = i64::from(heute_berlin().year());
    let stand = w.v.aktenzeichen_stand(&w.admin).await.unwrap();
    let vorher = stand.gespeichert.clone();
    assert_eq!((stand.jahr, stand.nummer), (jahr, 1));
    assert_eq!(stand.naechstes, vorher.bilde(jahr, 1));
    assert_eq!(
        stand
            .vorschau(" 63/{nummer:4}/{jahr} ", "BA")
            .unwrap()
            .as_str(),
        format!("63/0001/{jahr}")
    );
    assert!(stand.vorschau("{kuerzel}-{jahr}", "BA").unwrap_err()[0].contains("laufende Nummer"));

    let m = ungueltig(
        w.v.aktenzeichen_format_setzen(&w.admin, "{kuerzel}-{nummer}", "B A")
            .await,
    );
    assert!(m.iter().any(|s| s.contains("das Jahr enthalten")), "{m:?}");
    assert!(m.iter().any(|s| s.starts_with("Das Kürzel muss")), "{m:?}");
    assert!(
        !w.v.aktenzeichen_format_setzen(&w.admin, vorher.format(), vorher.kuerzel())
            .await
            .unwrap(),
        "unchanged: nothing stored"
    );
    assert!(w.audits("aktenzeichen.format").await.is_empty());
    assert!(
        w.v.aktenzeichen_format_setzen(&w.admin, " 63/{nummer:4}/{jahr} ", " Bau.Amt ")
            .await
            .unwrap()
    );
    let stand = w.v.aktenzeichen_stand(&w.admin).await.unwrap();
    assert_eq!(stand.naechstes.as_str(), format!("63/0001/{jahr}"));
    assert_eq!(stand.gespeichert.kuerzel(), "Bau.Amt");
    let a = w.audits("aktenzeichen.format").await;
    assert_eq!(a.len(), 1);
    let detail: serde_json::Value = serde_json::from_str(&a[0].2).unwrap();
    assert_eq!(detail["format"], "63/{nummer:4}/{jahr}");
    assert_eq!(detail["vorher_format"], vorher.format());
    // The other tenant keeps its format.
    assert_eq!(
        w.v.aktenzeichen_stand(&w.admin_andere)
            .await
            .unwrap()
            .gespeichert,
        vorher
    );
}

#[tokio::test]
async fn the_operators_demo_case_arrives_complete_through_the_state_machine() {
    let w = welt().await;
    let eingabe = AngabenEingabe {
        verfahren: Verfahrensart::VereinfachtesVerfahren.slug().into(),
        bezeichnung: "Neubau Einfamilienhaus mit Garage".into(),
        massnahme: "11".into(),
        gebaeudeklasse: "1".into(),
        strasse: "Lindenweg".into(),
        hausnummer: "12".into(),
        plz: "34117".into(),
        ort: "Kassel".into(),
        gemeinde: "06611000".into(),
        gemarkung: "Musterhausen".into(),
        flur: "7".into(),
        flurstuecke: "123/4".into(),
        bh_name: "Jana Becker".into(),
        bh_anschrift: "Goethestraße 41, 34119 Kassel".into(),
        bh_email: String::new(),
        ev_name: "Anna Architektin".into(),
        ev_kammer: "Architekten- und Stadtplanerkammer Hessen".into(),
        ev_nummer: "12345".into(),
    };
    let angaben = eingabe.pruefe().unwrap().angaben;
    let plaene = [
        DemoPlan {
            dateiname: "01_Lageplan.pdf",
            bezeichnung: "Lageplan",
            inhalt: b"%PDF-1.4 Lageplan",
            anlageart: "1803",
        },
        DemoPlan {
            dateiname: "03_Grundriss_EG.pdf",
            bezeichnung: "Grundriss Erdgeschoss",
            inhalt: b"%PDF-1.4 Grundriss",
            anlageart: "2001",
        },
    ];
    let id =
        w.v.demo_vollstaendiger_fall(
            &Betreiber::an_der_konsole(),
            w.tenant,
            w.owner.user_id,
            &eingabe,
            &plaene,
        )
        .await
        .unwrap();
    let a = w.db.antrag(id).await.unwrap();
    assert_eq!(a.zustand, Zustand::Vollstaendig);
    assert_eq!(a.bezeichnung, "Neubau Einfamilienhaus mit Garage");
    assert_eq!(a.angaben.as_ref(), Some(&angaben));
    let az = a.aktenzeichen.clone().unwrap();
    let fassungen = w.db.fassungen(id).await.unwrap();
    assert_eq!(fassungen.len(), 1);
    assert_eq!(
        w.db.fassung_dokumente(fassungen[0].id).await.unwrap().len(),
        2
    );
    let arten: Vec<_> =
        w.db.ereignisse(id)
            .await
            .unwrap()
            .into_iter()
            .map(|e| (e.art, e.text))
            .collect();
    assert_eq!(
        arten,
        vec![
            (Eintragsart::Angelegt, "Vorgang angelegt".to_string()),
            (
                Eintragsart::Einreichen,
                format!("Antrag eingereicht, Aktenzeichen {az}, Fassung 1 mit 2 Unterlagen")
            ),
            (
                Eintragsart::VollstaendigErklaeren,
                "Formelle Prüfung abgeschlossen: Die Unterlagen sind vollständig.".to_string()
            ),
        ]
    );
    let fristen = w.db.fristen(id).await.unwrap();
    assert_eq!(fristen.len(), 1);
    assert_eq!(fristen[0].art, FristArt::Entscheidung);
    assert_eq!(fristen[0].start, heute_berlin());
    let jobs: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM jobs WHERE kind = 'pipeline.validate' AND tenant_id = $1",
    )
    .bind(w.tenant)
    .fetch_one(w.db.pool())
    .await
    .unwrap();
    assert_eq!(jobs, 2, "each document goes through the pipeline");
    let mails: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM outbox WHERE id > $1")
        .bind(w.seit.outbox_id)
        .fetch_one(w.db.pool())
        .await
        .unwrap();
    assert_eq!(mails, 0, "nobody is mailed for demo data");
    // The next case of the tenant gets the next number.
    assert_eq!(w.v.aktenzeichen_stand(&w.admin).await.unwrap().nummer, 2);
}
