//! The demo data: a tenant with one account per role, its Stellen with members, a complete
//! case of the sample plan set (submitted, declared complete, ready for the Beteiligung) and
//! an applicant's draft. Loaded once: running it again changes nothing.

use crate::config::Config;
use anyhow::{Context, Result};
use plankammer_api::accounts::{NewAccount, create_account};
use plankammer_domain::antrag::AngabenEingabe;
use plankammer_domain::verfahren::Verfahrensart;
use plankammer_domain::{Role, TenantSlug};
use plankammer_storage::blobs::BlobStore;
use plankammer_storage::{Db, now_millis};
use plankammer_verfahren::demo::DemoPlan;
use plankammer_verfahren::{Betreiber, Einstellungen, Verfahren};

/// The demo's Stellen (the Fachstelle account works for the Brandschutzdienststelle) and a
/// prepared draft of the architect, so the Antrag and the Beteiligung can be clicked
/// through at once. Loaded once: nothing happens if the Stellen exist already.
async fn demo_beteiligung_und_antrag(db: &Db, config: &Config, tenant_id: i64) -> Result<()> {
    if !db.stellen_fuer(tenant_id).await?.is_empty() {
        return Ok(());
    }
    let now = now_millis();
    let email =
        |e: &str| plankammer_domain::Email::parse(e).map_err(|e| anyhow::anyhow!(e.meldung));
    let brandschutz = db
        .lege_stelle_an(
            Some(tenant_id),
            "Brandschutzdienststelle Musterstadt",
            "Brandschutz",
            None,
            now,
        )
        .await?;
    let fach = db
        .user_by_email(&email("brandschutz@musterstadt.example")?)
        .await?;
    db.fuege_stellenmitglied_hinzu(brandschutz, fach.id).await?;
    let naturschutz = db
        .lege_stelle_an(
            Some(tenant_id),
            "Untere Naturschutzbehörde Musterkreis",
            "Naturschutz",
            None,
            now,
        )
        .await?;
    let nat = db
        .user_by_email(&email("naturschutz@musterstadt.example")?)
        .await?;
    db.fuege_stellenmitglied_hinzu(naturschutz, nat.id).await?;
    let gemeinde = db
        .lege_stelle_an(
            Some(tenant_id),
            "Gemeinde Musterstadt (Einvernehmen)",
            "Planungsrecht",
            Some("06611000"),
            now,
        )
        .await?;
    let gem = db
        .user_by_email(&email("gemeinde@musterstadt.example")?)
        .await?;
    db.fuege_stellenmitglied_hinzu(gemeinde, gem.id).await?;
    db.lege_stelle_an(
        None,
        "Landesamt für Denkmalpflege Hessen",
        "Denkmalschutz",
        None,
        now,
    )
    .await?;
    let architektin = db
        .user_by_email(&email("architektin@musterstadt.example")?)
        .await?;
    let betreiber = Betreiber::an_der_konsole();
    let verfahren = verfahren(db, config)?;
    verfahren
        .demo_vollstaendiger_fall(
            &betreiber,
            tenant_id,
            architektin.id,
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
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    verfahren
        .demo_entwurf(
            &betreiber,
            tenant_id,
            architektin.id,
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
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    Ok(())
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

/// The procedure over the demo's store.
fn verfahren(db: &Db, config: &Config) -> Result<Verfahren> {
    let blobs = BlobStore::from_url(&config.object_store_url).context("OBJECT_STORE_URL")?;
    let mut e = Einstellungen::fuer_url(&config.public_url);
    e.mail_domain = crate::mail_domain(config);
    Ok(Verfahren::neu(db.clone(), blobs, e))
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
    let tenant = match db.tenant_by_slug(DEMO_TENANT).await {
        Ok(t) => t,
        Err(plankammer_storage::StoreError::NotFound) => {
            db.create_tenant(
                &TenantSlug::parse(DEMO_TENANT).map_err(|e| anyhow::anyhow!(e.meldung))?,
                "Bauaufsicht Musterstadt (Demo)",
                now_millis(),
            )
            .await?
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
            let new = NewAccount {
                email,
                display_name: name,
                password: DEMO_PASSWORD,
                tenant_id: tenant.id,
                role,
                actor_user_id: None,
            };
            create_account(db, &config.public_url, &crate::mail_domain(config), new)
                .await
                .map_err(|e| anyhow::anyhow!("{}", e.meldung()))?;
        }
    }
    demo_beteiligung_und_antrag(db, config, tenant.id).await?;
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
    println!("Datenbank:  {}", crate::redact(&config.database_url));
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
