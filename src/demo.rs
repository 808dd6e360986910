//! The demo data: a tenant with one account per role, its Stellen with members, a complete
//! case of the sample plan set (submitted, declared complete, ready for the Beteiligung) and
//! an applicant's draft. Loaded once: running it again changes nothing.

use crate::config::Config;
use anyhow::{Context, Result};
use bytes::Bytes;
use chrono::Datelike;
use plankammer_api::accounts::{NewAccount, create_account};
use plankammer_domain::frist;
use plankammer_domain::verfahren::{Verfahrensart, standard_fristvorgaben};
use plankammer_domain::vorgang::Zustand;
use plankammer_domain::{Role, TenantSlug};
use plankammer_storage::antrag::{NeueFrist, NeuesEreignis};
use plankammer_storage::blobs::BlobStore;
use plankammer_storage::dokumente::NeueVersion;
use plankammer_storage::{Db, heute_berlin, now_millis};

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
    vollstaendiger_fall(db, config, tenant_id, architektin.id).await?;
    let v = db
        .create_vorgang(tenant_id, architektin.id, "Anbau eines Wintergartens", now)
        .await?;
    // All persons and places are invented.
    let angaben = serde_json::json!({
        "bauvorhaben": {
            "bezeichnung": "Anbau eines Wintergartens",
            "massnahme": "21",
            "gebaeudeklasse": "1"
        },
        "grundstueck": {
            "strasse": "Am Rosenhang", "hausnummer": "5", "plz": "34128", "ort": "Kassel",
            "gemeinde_ags": "06611000", "gemeinde": "Kassel, documenta-Stadt",
            "gemarkung": "Harleshausen", "flur": "3",
            "flurstuecke": ["45/2"]
        },
        "bauherrschaft": {
            "name": "Erika Mustermann", "anschrift": "Am Rosenhang 5, 34128 Kassel",
            "email": "bauherrschaft@musterstadt.example"
        },
        "entwurfsverfasser": {
            "name": "Anna Architektin", "kammer": "Architekten- und Stadtplanerkammer Hessen",
            "mitgliedsnummer": "12345"
        }
    });
    db.setze_angaben(
        v.id,
        "Anbau eines Wintergartens",
        "vereinfacht",
        &angaben,
        Some("06611000"),
        now,
    )
    .await?;
    Ok(())
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
const DEMO_PLAENE: [(&str, &str, &[u8], &str); 4] = [
    (
        "01_Lageplan.pdf",
        "Lageplan",
        include_bytes!("../sample-plans/einfamilienhaus/01_Lageplan.pdf"),
        "1803",
    ),
    (
        "03_Grundriss_EG.pdf",
        "Grundriss Erdgeschoss",
        include_bytes!("../sample-plans/einfamilienhaus/03_Grundriss_EG.pdf"),
        "2001",
    ),
    (
        "06_Schnitt_A-A.pdf",
        "Schnitt A-A",
        include_bytes!("../sample-plans/einfamilienhaus/06_Schnitt_A-A.pdf"),
        "2002",
    ),
    (
        "08_Baubeschreibung.pdf",
        "Baubeschreibung",
        include_bytes!("../sample-plans/einfamilienhaus/08_Baubeschreibung.pdf"),
        "1502",
    ),
];

/// The sample plan set as a case the Bauaufsicht has declared complete (status 18), with
/// Aktenzeichen, Fassung 1, the decision deadline of § 65 Abs. 2 HBO and its timeline; the
/// pipeline checks the plans when the worker starts. The next step is the Beteiligung.
async fn vollstaendiger_fall(
    db: &Db,
    config: &Config,
    tenant_id: i64,
    architektin: i64,
) -> Result<()> {
    let now = now_millis();
    let heute = heute_berlin();
    let bez = "Neubau Einfamilienhaus mit Garage";
    let v = db.create_vorgang(tenant_id, architektin, bez, now).await?;
    // All persons and places are invented (the same as in the sample plans' title blocks).
    let angaben = serde_json::json!({
        "bauvorhaben": {"bezeichnung": bez, "massnahme": "11", "gebaeudeklasse": "1"},
        "grundstueck": {
            "strasse": "Lindenweg", "hausnummer": "12", "plz": "34117", "ort": "Kassel",
            "gemeinde_ags": "06611000", "gemeinde": "Kassel, documenta-Stadt",
            "gemarkung": "Musterhausen", "flur": "7", "flurstuecke": ["123/4"]
        },
        "bauherrschaft": {
            "name": "Jana und Tom Becker", "anschrift": "Goethestraße 41, 34119 Kassel",
            "email": "becker@musterstadt.example"
        },
        "entwurfsverfasser": {
            "name": "Anna Architektin", "kammer": "Architekten- und Stadtplanerkammer Hessen",
            "mitgliedsnummer": "12345"
        }
    });
    db.setze_angaben(v.id, bez, "vereinfacht", &angaben, Some("06611000"), now)
        .await?;
    let blobs = BlobStore::from_url(&config.object_store_url).context("OBJECT_STORE_URL")?;
    let mut gespeichert = Vec::new();
    for (datei, bezeichnung, bytes, anlageart) in DEMO_PLAENE {
        let blob = blobs
            .put_bytes(Bytes::from_static(bytes))
            .await
            .with_context(|| format!("storing {datei}"))?;
        gespeichert.push((datei, bezeichnung, anlageart, blob));
    }
    let verfahren = Verfahrensart::VereinfachtesVerfahren;
    let vorgabe = standard_fristvorgaben(verfahren)
        .entscheidung
        .context("the vereinfachtes Verfahren has a decision deadline")?;
    let dauer: frist::Dauer = vorgabe.dauer.parse().map_err(|e| anyhow::anyhow!("{e}"))?;
    let entscheidung = frist::berechne(heute, dauer)
        .map_err(|e| anyhow::anyhow!("{e}"))?
        .mit_rechtsgrundlage(vorgabe.rechtsgrundlage.clone());
    let mut tx = db.begin().await?;
    for (datei, bezeichnung, anlageart, blob) in &gespeichert {
        let ver = Db::add_version(
            &mut tx,
            &NeueVersion {
                vorgang_id: v.id,
                tenant_id,
                dokument_id: None,
                bezeichnung,
                anlageart: Some(anlageart),
                sha256: &blob.sha256,
                groesse: blob.size as i64,
                dateiname: datei,
                user_id: architektin,
            },
            now,
        )
        .await?;
        Db::enqueue_stufe(
            &mut tx,
            ver.id,
            tenant_id,
            plankammer_api::upload::STUFE_VALIDATE,
            now,
        )
        .await?;
    }
    let jahr = i64::from(heute.year());
    let (nummer, format, kuerzel) =
        Db::naechste_aktenzeichen_nummer(&mut tx, tenant_id, jahr).await?;
    let az = plankammer_api::ablauf::aktenzeichen(&format, &kuerzel, jahr, nummer);
    let schritte = [
        (
            Zustand::Entwurf,
            Zustand::Eingegangen,
            "einreichen",
            format!(
                "Antrag eingereicht, Aktenzeichen {az}, Fassung 1 mit {} Unterlagen",
                gespeichert.len()
            ),
        ),
        (
            Zustand::Eingegangen,
            Zustand::Vollstaendig,
            "vollstaendig_erklaeren",
            "Formelle Prüfung abgeschlossen: Die Unterlagen sind vollständig.".to_string(),
        ),
    ];
    Db::setze_eingereicht(&mut tx, v.id, &az, now).await?;
    Db::friere_fassung(&mut tx, v.id, architektin, now).await?;
    for (von, nach, art, text) in schritte {
        Db::wechsle_zustand(&mut tx, v.id, von.slug(), nach.slug(), now).await?;
        Db::ereignis(
            &mut tx,
            &NeuesEreignis {
                vorgang_id: v.id,
                user_id: None,
                art,
                zustand: Some(nach.slug()),
                status_code: nach.statusbauportal_code_im(verfahren),
                text: &text,
            },
            now,
        )
        .await?;
    }
    Db::lege_frist_an(
        &mut tx,
        &NeueFrist {
            vorgang_id: v.id,
            art: "entscheidung",
            rechtsgrundlage: &vorgabe.rechtsgrundlage,
            start: &entscheidung.start.format("%Y-%m-%d").to_string(),
            ende: &entscheidung.ende.format("%Y-%m-%d").to_string(),
            erklaerung: &entscheidung.erklaerung(),
        },
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
