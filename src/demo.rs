//! The demo data: a tenant with one account per role, its Stellen with members, a complete
//! case of the sample plan set (submitted, declared complete, ready for the Beteiligung) and
//! an applicant's draft. Loaded once: running it again changes nothing.

use crate::config::Config;
use crate::fehler;
use anyhow::Result;
use plankammer_domain::Role;
use plankammer_domain::antrag::AngabenEingabe;
use plankammer_domain::verfahren::Verfahrensart;
use plankammer_storage::Db;
use plankammer_verfahren::demo::DemoPlan;
use plankammer_verfahren::verwaltung::{NeuesKonto, StelleEingabe};
use plankammer_verfahren::{Betreiber, Verfahren};

/// A demo Stelle: name, Rechtsbereich, the AGS of the Gemeinde it is, its member's account
/// (`None`: a Land-wide Stelle without members).
type DemoStelle = (
    &'static str,
    &'static str,
    Option<&'static str>,
    Option<&'static str>,
);

const DEMO_STELLEN: [DemoStelle; 4] = [
    (
        "Brandschutzdienststelle Musterstadt",
        "Brandschutz",
        None,
        Some("brandschutz@musterstadt.example"),
    ),
    (
        "Untere Naturschutzbehörde Musterkreis",
        "Naturschutz",
        None,
        Some("naturschutz@musterstadt.example"),
    ),
    (
        "Gemeinde Musterstadt (Einvernehmen)",
        "Planungsrecht",
        Some("06611000"),
        Some("gemeinde@musterstadt.example"),
    ),
    (
        "Landesamt für Denkmalpflege Hessen",
        "Denkmalschutz",
        None,
        None,
    ),
];

/// The demo's Stellen (each Fachstelle account works for one of the tenant's own, the
/// Landesamt is Land-wide) and three cases of the architect (a draft, a complete case, one in
/// the Beteiligung), so the Antrag and the Beteiligung can be clicked through at once. Loaded once: nothing happens if the Stellen exist already.
async fn demo_beteiligung_und_antrag(db: &Db, verfahren: &Verfahren, tenant_id: i64) -> Result<()> {
    if !db.stellen_fuer(tenant_id).await?.is_empty() {
        return Ok(());
    }
    let betreiber = Betreiber::an_der_konsole();
    for (name, rechtsbereich, gemeinde, mitglied) in DEMO_STELLEN {
        let eingabe = StelleEingabe {
            name: name.into(),
            rechtsbereich: rechtsbereich.into(),
            gemeinde: gemeinde.unwrap_or_default().into(),
        };
        let eigene = mitglied.is_some().then_some(tenant_id);
        let id = verfahren
            .stelle_anlegen_als_betreiber(&betreiber, eigene, &eingabe)
            .await
            .map_err(fehler)?;
        if let Some(email) = mitglied {
            verfahren
                .mitglied_hinzufuegen_als_betreiber(&betreiber, id, email)
                .await
                .map_err(fehler)?;
        }
    }
    // The authority's letterhead: its address and contact sign every mail and head the
    // Bescheid. Saved through the admin's step, with the default Rechtsbehelfsbelehrung.
    let admin = demo_akteur(db, "admin@musterstadt.example", tenant_id).await?;
    let (vorlage, _) = verfahren.bescheid_vorlage(&admin).await.map_err(fehler)?;
    verfahren
        .vorlage_speichern(
            &admin,
            &plankammer_verfahren::bescheid::Vorlage {
                anschrift: "Rathausplatz 1\n34117 Musterstadt\n\
                            Telefon 0561 787-0 · bauaufsicht@musterstadt.example"
                    .into(),
                ort: "Musterstadt".into(),
                ..vorlage
            },
        )
        .await
        .map_err(fehler)?;
    let architektin = demo_akteur(db, "architektin@musterstadt.example", tenant_id).await?;
    verfahren
        .demo_vollstaendiger_fall(
            &betreiber,
            tenant_id,
            architektin.user_id,
            &angaben(
                "Neubau Einfamilienhaus mit Garage",
                ("Lindenweg", "12", "34117"),
                ("Musterhausen", "7", "123/4"),
                (
                    "Jana und Tom Becker",
                    "Goethestraße 41, 34119 Kassel",
                    "becker@musterstadt.example",
                ),
            ),
            &DEMO_PLAENE,
        )
        .await
        .map_err(fehler)?;
    // A third case already in the Beteiligung: the Brandschutz and Naturschutz accounts
    // find a request with plans to comment on as soon as they sign in. Asked through the
    // procedure's own step, as the Sachbearbeitung would.
    let beteiligt = verfahren
        .demo_vollstaendiger_fall(
            &betreiber,
            tenant_id,
            architektin.user_id,
            &angaben(
                "Neubau Doppelhaus mit Carport",
                ("Am Weinberg", "3", "34119"),
                ("Kirchditmold", "9", "211/7"),
                (
                    "Familie Schäfer",
                    "Am Weinberg 1, 34119 Kassel",
                    "schaefer@musterstadt.example",
                ),
            ),
            &DEMO_PLAENE,
        )
        .await
        .map_err(fehler)?;
    let akteur = demo_akteur(db, "sachbearbeitung@musterstadt.example", tenant_id).await?;
    let stellen = db.stellen_fuer(tenant_id).await?;
    let anfragen = stellen
        .iter()
        .filter(|s| s.rechtsbereich == "Brandschutz" || s.rechtsbereich == "Naturschutz")
        .map(|s| plankammer_verfahren::beteiligung::Anfrage {
            stelle_id: s.id,
            rolle: None,
            rechtsbereich: s.rechtsbereich.clone(),
            notiz: String::new(),
            umfang: None,
            ende: None,
            unlesbar: Vec::new(),
        })
        .collect();
    verfahren
        .stellen_anfragen(
            &akteur,
            beteiligt,
            &plankammer_verfahren::beteiligung::Beteiligen {
                anfragen,
                unlesbare_stellen: Vec::new(),
            },
        )
        .await
        .map_err(fehler)?;
    verfahren
        .demo_entwurf(
            &betreiber,
            tenant_id,
            architektin.user_id,
            &angaben(
                "Anbau eines Wintergartens",
                ("Am Rosenhang", "5", "34128"),
                ("Harleshausen", "3", "45/2"),
                (
                    "Erika Mustermann",
                    "Am Rosenhang 5, 34128 Kassel",
                    "bauherrschaft@musterstadt.example",
                ),
            ),
        )
        .await
        .map_err(fehler)?;
    Ok(())
}

/// A demo account as it acts in the demo tenant.
async fn demo_akteur(db: &Db, email: &str, tenant_id: i64) -> Result<plankammer_verfahren::Akteur> {
    let email = plankammer_domain::Email::parse(email).map_err(|e| anyhow::anyhow!(e.meldung))?;
    let user = db.user_by_email(&email).await?;
    Ok(plankammer_verfahren::Akteur::aus(
        &db.member(user.id, tenant_id).await?,
    ))
}

/// The Angaben of a demo case in Kassel (all persons and places are invented; the first
/// case's are those of the sample plans' title blocks).
fn angaben(
    bezeichnung: &str,
    (strasse, hausnummer, plz): (&str, &str, &str),
    (gemarkung, flur, flurstueck): (&str, &str, &str),
    (bauherr, anschrift, email): (&str, &str, &str),
) -> AngabenEingabe {
    AngabenEingabe {
        verfahren: Verfahrensart::VereinfachtesVerfahren.slug().into(),
        bezeichnung: bezeichnung.into(),
        massnahme: if bezeichnung.starts_with("Neubau") {
            "11"
        } else {
            // An Anbau changes the existing building.
            "12"
        }
        .into(),
        gebaeudeklasse: "1".into(),
        strasse: strasse.into(),
        hausnummer: hausnummer.into(),
        plz: plz.into(),
        ort: "Kassel".into(),
        gemeinde: "06611000".into(),
        gemarkung: gemarkung.into(),
        flur: flur.into(),
        flurstuecke: flurstueck.into(),
        bh_name: bauherr.into(),
        bh_anschrift: anschrift.into(),
        bh_email: email.into(),
        ev_name: "Anna Architektin".into(),
        ev_kammer: "Architekten- und Stadtplanerkammer Hessen".into(),
        ev_nummer: "12345".into(),
    }
}

pub const DEMO_TENANT: &str = "bauaufsicht-musterstadt";
pub const DEMO_PASSWORD: &str = "plankammer-demo";

pub async fn load_demo(db: &Db, config: &Config) -> Result<()> {
    let accounts = [
        (
            "architektin@musterstadt.example",
            "Anna Architektin",
            Role::Antragsteller,
        ),
        (
            "sachbearbeitung@musterstadt.example",
            "Bernd Bauaufsicht",
            Role::Bauaufsicht,
        ),
        (
            "brandschutz@musterstadt.example",
            "Frida Fachstelle",
            Role::Fachstelle,
        ),
        (
            "naturschutz@musterstadt.example",
            "Nils Naturschutz",
            Role::Fachstelle,
        ),
        (
            "gemeinde@musterstadt.example",
            "Greta Gemeinde",
            Role::Fachstelle,
        ),
        (
            "admin@musterstadt.example",
            "Ada Administration",
            Role::Admin,
        ),
    ];
    let verfahren = crate::verfahren(config, db)?;
    let betreiber = Betreiber::an_der_konsole();
    let tenant = match db.tenant_by_slug(DEMO_TENANT).await {
        Ok(t) => t,
        Err(plankammer_storage::StoreError::NotFound) => {
            let t = verfahren
                .tenant_anlegen(&betreiber, DEMO_TENANT, "Bauaufsicht Musterstadt (Demo)")
                .await
                .map_err(fehler)?;
            // The demo is tried by people without an authenticator app at hand: its staff
            // sign in with the password alone until an admin switches the second factor on
            // under „Benutzer“.
            db.zweiter_faktor_pflicht_jetzt(t.id, false).await?;
            t
        }
        Err(e) => return Err(e.into()),
    };
    for (email, name, role) in accounts {
        let exists = db
            .user_by_email(
                &plankammer_domain::Email::parse(email).map_err(|e| anyhow::anyhow!(e.meldung))?,
            )
            .await
            .is_ok();
        if !exists {
            let neu = NeuesKonto {
                email,
                name,
                passwort: DEMO_PASSWORD,
                rolle: role,
            };
            verfahren
                .konto_anlegen_als_betreiber(&betreiber, tenant.id, &neu)
                .await
                .map_err(fehler)?;
        }
    }
    demo_beteiligung_und_antrag(db, &verfahren, tenant.id).await?;
    println!();
    println!("Demo-Daten geladen: {}", tenant.name);
    println!(
        "Anmeldung unter {}/anmelden, Passwort für alle: {DEMO_PASSWORD}",
        config.public_url
    );
    for (email, _, role) in accounts {
        println!("  {:<18} {email}", role.bezeichnung());
    }
    println!("Daten:      {}", config.data_dir.display());
    println!(
        "Datenbank:  {}",
        plankammer_storage::redact(&config.database_url)
    );
    println!("Dokumente:  {}", config.object_store_url);
    println!("E-Mails:    {}", config.mail_url);
    println!();
    Ok(())
}

/// The sample plans of the complete demo case, built into the binary so the demo works from
/// any folder: (file, Bezeichnung, Anlageart).
const DEMO_PLAENE: [DemoPlan; 4] = [
    DemoPlan {
        dateiname: "01_Lageplan.pdf",
        bezeichnung: "Lageplan",
        inhalt: include_bytes!("../sample-plans/einfamilienhaus/01_Lageplan.pdf"),
        anlageart: "1803",
    },
    DemoPlan {
        dateiname: "03_Grundriss_EG.pdf",
        bezeichnung: "Grundriss Erdgeschoss",
        inhalt: include_bytes!("../sample-plans/einfamilienhaus/03_Grundriss_EG.pdf"),
        anlageart: "2001",
    },
    DemoPlan {
        dateiname: "06_Schnitt_A-A.pdf",
        bezeichnung: "Schnitt A-A",
        inhalt: include_bytes!("../sample-plans/einfamilienhaus/06_Schnitt_A-A.pdf"),
        anlageart: "2002",
    },
    DemoPlan {
        dateiname: "08_Baubeschreibung.pdf",
        bezeichnung: "Baubeschreibung",
        inhalt: include_bytes!("../sample-plans/einfamilienhaus/08_Baubeschreibung.pdf"),
        anlageart: "1502",
    },
];
