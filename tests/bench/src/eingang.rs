//! Inbox benchmark: N cases of two Bauaufsichten in a fresh database, seeded through the
//! store, then every page query of the inbox through `Db::eingang`, timed one by one, with
//! the database's plan.

use crate::mb;
use anyhow::{Context, Result, bail};
use plankammer_domain::verfahren::Verfahrensart;
use plankammer_domain::vorgang::Zustand;
use std::path::PathBuf;
use std::time::Instant;

const SEITE: i64 = 50;
const AUFWAERMEN: usize = 5;

/// A small deterministic random source (SplitMix64): every run seeds the same cases.
struct Zufall(u64);

impl Zufall {
    fn zahl(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    fn anteil(&mut self) -> f64 {
        (self.zahl() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Uniform in [0, n).
    fn bis(&mut self, n: usize) -> usize {
        ((self.anteil() * n as f64) as usize).min(n.saturating_sub(1))
    }

    /// Uniform in [von, bis] (days).
    fn tage(&mut self, von: i64, bis: i64) -> i64 {
        von + self.bis((bis - von + 1) as usize) as i64
    }

    /// One of the choices, by weight.
    fn gewichtet<T: Copy>(&mut self, auswahl: &[(T, u32)]) -> T {
        let summe: u32 = auswahl.iter().map(|(_, g)| g).sum();
        let mut x = self.bis(summe as usize) as u32;
        for (t, g) in auswahl {
            if x < *g {
                return *t;
            }
            x -= g;
        }
        auswahl[auswahl.len() - 1].0
    }
}

/// States of submitted cases by the time since submission: new cases are mostly in the
/// formelle Prüfung, old ones mostly decided.
const ZUSTAENDE_BIS_30_TAGE: [(&str, u32); 7] = [
    ("eingegangen", 40),
    ("nachforderung", 25),
    ("nachgereicht", 10),
    ("vollstaendig", 15),
    ("beteiligung", 6),
    ("zurueckgezogen", 3),
    ("zurueckgewiesen", 1),
];
const ZUSTAENDE_BIS_180_TAGE: [(&str, u32); 11] = [
    ("eingegangen", 3),
    ("nachforderung", 12),
    ("nachgereicht", 8),
    ("vollstaendig", 15),
    ("beteiligung", 25),
    ("beteiligung_abgeschlossen", 10),
    ("genehmigt", 18),
    ("abgelehnt", 2),
    ("genehmigungsfiktion", 2),
    ("ruecknahmefiktion", 3),
    ("zurueckgezogen", 2),
];
const ZUSTAENDE_AELTER: [(&str, u32); 7] = [
    ("genehmigt", 80),
    ("abgelehnt", 6),
    ("zurueckgewiesen", 1),
    ("genehmigungsfiktion", 3),
    ("ruecknahmefiktion", 4),
    ("zurueckgezogen", 5),
    ("beteiligung", 1),
];
const VERFAHREN: [(&str, u32); 4] = [
    ("baugenehmigung", 25),
    ("vereinfacht", 50),
    ("freistellung", 15),
    ("vorbescheid", 10),
];
const VORHABEN: [&str; 10] = [
    "Neubau eines Einfamilienhauses mit Garage",
    "Anbau eines Wintergartens",
    "Umbau und Nutzungsänderung einer Scheune zu Wohnzwecken",
    "Neubau eines Mehrfamilienhauses mit 8 Wohneinheiten",
    "Errichtung eines Carports",
    "Aufstockung eines Wohnhauses",
    "Neubau einer Lagerhalle",
    "Dachgeschossausbau mit Gauben",
    "Abbruch und Neubau eines Doppelhauses",
    "Errichtung einer Photovoltaik-Freiflächenanlage",
];
const STRASSEN: [&str; 8] = [
    "Hauptstraße",
    "Bahnhofstraße",
    "Gartenweg",
    "Am Sportplatz",
    "Lindenallee",
    "Schulstraße",
    "Mühlweg",
    "Kirchgasse",
];

/// One generated case.
struct Fall {
    id: i64,
    behoerde: usize,
    owner: usize,
    bezeichnung: String,
    verfahren: Option<&'static str>,
    zustand: &'static str,
    aktenzeichen: Option<String>,
    angaben: serde_json::Value,
    gemeinde: &'static str,
    eingereicht_at: Option<i64>,
    naechste_frist: Option<String>,
    created_at: i64,
}

/// `n` cases over the last three years, oldest first: 60 % for the first Bauaufsicht,
/// about 5 % drafts, the Gemeinden Zipf-distributed (a few large towns, many villages).
fn erzeuge_faelle(
    n: usize,
    heute: chrono::NaiveDate,
    jetzt: i64,
    gemeinden: &[(&'static str, &'static str)],
) -> Vec<Fall> {
    const TAG: i64 = 86_400_000;
    let mut z = Zufall(0x504c_414e_4b41_4d4d);
    let spanne = 3 * 365 * TAG;
    let schritt = spanne / n.max(1) as i64;
    // Cumulative Zipf weights (exponent 0.8) over the Gemeinden in a shuffled order.
    let mut summe = 0.0;
    let kumuliert: Vec<f64> = (0..gemeinden.len())
        .map(|r| {
            summe += 1.0 / ((r + 1) as f64).powf(0.8);
            summe
        })
        .collect();
    let mut nummern = [
        std::collections::HashMap::<i32, u32>::new(),
        Default::default(),
    ];
    let mut faelle = Vec::with_capacity(n);
    for i in 0..n {
        let axis = jetzt - spanne + i as i64 * schritt;
        let behoerde = usize::from(z.anteil() >= 0.6);
        let x = z.anteil() * summe;
        let gemeinde = kumuliert
            .partition_point(|k| *k < x)
            .min(gemeinden.len() - 1);
        let (ags, gemeinde_name) = gemeinden[gemeinde];
        let entwurf = z.anteil() < 0.05;
        let verfahren = if entwurf && z.anteil() < 0.3 {
            None
        } else {
            Some(z.gewichtet(&VERFAHREN))
        };
        let (zustand, eingereicht_at, created_at) = if entwurf {
            ("entwurf", None, axis)
        } else {
            let alter_tage = (jetzt - axis) / TAG;
            let zustand = if alter_tage < 30 {
                z.gewichtet(&ZUSTAENDE_BIS_30_TAGE)
            } else if alter_tage < 180 {
                z.gewichtet(&ZUSTAENDE_BIS_180_TAGE)
            } else {
                z.gewichtet(&ZUSTAENDE_AELTER)
            };
            (zustand, Some(axis), axis - z.tage(1, 40) * TAG)
        };
        let frist_tage = match zustand {
            "nachforderung" => Some(z.tage(-7, 45)),
            "vollstaendig" | "beteiligung" | "beteiligung_abgeschlossen" => Some(z.tage(-3, 90)),
            _ => None,
        };
        let naechste_frist = frist_tage
            .and_then(|t| heute.checked_add_signed(chrono::Duration::days(t)))
            .map(|d| d.format("%Y-%m-%d").to_string());
        let aktenzeichen = eingereicht_at.map(|t| {
            use chrono::Datelike;
            let jahr = chrono::DateTime::from_timestamp_millis(t).map_or(2025, |d| d.year());
            let nr = nummern[behoerde].entry(jahr).or_insert(0);
            *nr += 1;
            format!("{}-{jahr}-{:05}", ["BA", "BAU"][behoerde], nr)
        });
        let vorhaben = VORHABEN[z.bis(VORHABEN.len())];
        let strasse = STRASSEN[z.bis(STRASSEN.len())];
        let hausnummer = z.tage(1, 120);
        let bezeichnung = format!("{vorhaben}, {strasse} {hausnummer}, {gemeinde_name}");
        let angaben = serde_json::json!({
            "bauvorhaben": {
                "bezeichnung": vorhaben,
                "massnahme": "errichtung",
                "gebaeudeklasse": (1 + z.bis(4)).to_string(),
            },
            "grundstueck": {
                "strasse": strasse,
                "hausnummer": hausnummer.to_string(),
                "plz": format!("3{:04}", z.bis(10_000)),
                "ort": gemeinde_name,
                "gemeinde_ags": ags,
                "gemeinde": gemeinde_name,
                "gemarkung": gemeinde_name,
                "flur": z.tage(1, 30).to_string(),
                "flurstuecke": [format!("{}/{}", z.tage(1, 900), z.tage(1, 9))],
            },
            "bauherrschaft": {
                "name": format!("Bauherrschaft {i}"),
                "anschrift": format!("{strasse} {hausnummer}, {gemeinde_name}"),
                "email": format!("bauherrschaft{i}@example.org"),
            },
            "entwurfsverfasser": {
                "name": format!("Architekturbüro {}", i % 97),
                "kammer": "AKH",
                "mitgliedsnummer": format!("{:05}", i % 97),
            },
        });
        faelle.push(Fall {
            id: 0,
            behoerde,
            owner: z.bis(10),
            bezeichnung,
            verfahren,
            zustand,
            aktenzeichen,
            angaben,
            gemeinde: ags,
            eingereicht_at,
            naechste_frist,
            created_at,
        });
    }
    faelle
}

/// Does the case belong on the inbox page with these filters (as `Db::eingang` decides)?
fn im_eingang(
    f: &Fall,
    behoerde: usize,
    filter: &plankammer_storage::antrag::EingangsFilter,
) -> bool {
    f.behoerde == behoerde
        && f.zustand != "entwurf"
        && filter.zustand.is_none_or(|z| z.slug() == f.zustand)
        && filter
            .verfahren
            .is_none_or(|v| Some(v.slug()) == f.verfahren)
        && filter
            .gemeinde_ags
            .as_deref()
            .is_none_or(|g| g == f.gemeinde)
        && filter.frist_bis.is_none_or(|b| {
            f.naechste_frist
                .as_deref()
                .is_some_and(|n| n <= b.format("%Y-%m-%d").to_string().as_str())
        })
        && filter.vor_id.is_none_or(|v| f.id < v)
}

/// Where the benchmark's database lives; it is removed afterwards.
pub(crate) enum Messdatenbank {
    Sqlite { dir: PathBuf },
    Postgres { admin: String, name: String },
}

impl Messdatenbank {
    /// Creates an empty database; returns it with its URL.
    pub(crate) async fn neu(datenbank: &str) -> Result<(Messdatenbank, String)> {
        use plankammer_storage::testing;
        let admin = match datenbank {
            "sqlite" => {
                let dir = std::env::temp_dir().join(format!(
                    "plankammer-bench-eingang-{}",
                    plankammer_storage::random_token(8)
                ));
                let url = format!("sqlite://{}?mode=rwc", dir.join("eingang.db").display());
                return Ok((Messdatenbank::Sqlite { dir }, url));
            }
            "postgres" | "postgresql" => testing::pg_admin_url(),
            u if u.starts_with("postgres://") || u.starts_with("postgresql://") => u.to_string(),
            _ => bail!("--datenbank: sqlite, postgres oder eine postgres://-URL"),
        };
        let (name, url) = testing::neue_postgres_datenbank(&admin, "plankammer_bench_")
            .await
            .with_context(|| {
                format!(
                    "PostgreSQL unter {}: keine neue Datenbank",
                    plankammer_storage::redact(&admin)
                )
            })?;
        Ok((Messdatenbank::Postgres { admin, name }, url))
    }

    pub(crate) async fn entfernen(self) -> Result<()> {
        match self {
            Messdatenbank::Sqlite { dir } => {
                let _ = std::fs::remove_dir_all(dir);
            }
            Messdatenbank::Postgres { admin, name } => {
                plankammer_storage::testing::entferne_postgres_datenbank(&admin, &name)
                    .await
                    .with_context(|| format!("DROP DATABASE {name}"))?;
            }
        }
        Ok(())
    }
}

/// `plankammer-bench eingang`: the Bauaufsicht's inbox over `faelle` cases of two tenants
/// in a fresh database (SQLite file or PostgreSQL database, removed afterwards).
pub async fn eingang(faelle: u64, datenbank: &str, laeufe: usize) -> Result<()> {
    let (messdb, url) = Messdatenbank::neu(datenbank).await?;
    let ergebnis = match plankammer_storage::Db::connect(&url).await {
        Ok(db) => {
            let ergebnis = eingang_messen(&db, faelle as usize, &url, laeufe.max(1)).await;
            // Closed before the database is removed, also after an error.
            db.close().await;
            ergebnis
        }
        Err(e) => Err(anyhow::Error::new(e).context("Messdatenbank")),
    };
    let entfernt = messdb.entfernen().await;
    ergebnis?;
    entfernt
}

/// What [`befuellen`] seeded.
pub(crate) struct Befuellt {
    /// The two Bauaufsichten (`bauaufsicht-a` with 60 % of the cases, `bauaufsicht-b`).
    pub behoerden: Vec<i64>,
    faelle: Vec<Fall>,
    gemeinden: Vec<(&'static str, &'static str)>,
    /// Seconds to generate and to insert the cases.
    pub erzeugen: f64,
    pub einfuegen: f64,
}

/// `n` cases of two Bauaufsichten (`bauaufsicht-a`, `bauaufsicht-b`) and ten applicants who
/// cannot log in, inserted through the store (`Db::saee_vorgaenge`) into a migrated
/// database. Deterministic: every run seeds the same cases.
pub(crate) async fn befuellen(
    db: &plankammer_storage::Db,
    n: usize,
    jetzt: i64,
    heute: chrono::NaiveDate,
) -> Result<Befuellt> {
    use plankammer_storage::Db;
    use plankammer_storage::testing::messung::NeuerMessvorgang;
    // Two Bauaufsichten, ten applicants.
    let mut behoerden = Vec::new();
    for (slug, name) in [
        ("bauaufsicht-a", "Bauaufsicht A (Messung)"),
        ("bauaufsicht-b", "Bauaufsicht B (Messung)"),
    ] {
        let slug =
            plankammer_domain::TenantSlug::parse(slug).map_err(|e| anyhow::anyhow!(e.meldung))?;
        behoerden.push(db.create_tenant(&slug, name, jetzt).await?.id);
    }
    let mut owner = Vec::new();
    let mut tx = db.begin().await?;
    for i in 0..10 {
        let email = plankammer_domain::Email::parse(&format!("antragsteller{i}@messung.example"))
            .map_err(|e| anyhow::anyhow!(e.meldung))?;
        // "!" is no argon2 hash: these accounts cannot log in.
        let user =
            Db::create_user(&mut tx, &email, &format!("Antragsteller {i}"), "!", jetzt).await?;
        owner.push(user.id);
    }
    tx.commit().await?;

    let gemeinden: Vec<(&'static str, &'static str)> = {
        let mut g: Vec<_> = plankammer_domain::codeliste::gemeinden_hessen()
            .eintraege
            .iter()
            .map(|e| (e.code.as_str(), e.name.as_str()))
            .collect();
        // A fixed shuffle, so that the large towns of the Zipf spread are spread over Hessen.
        let mut z = Zufall(42);
        for i in (1..g.len()).rev() {
            g.swap(i, z.bis(i + 1));
        }
        g
    };
    if gemeinden.is_empty() {
        bail!("Codeliste gemeinden_hessen ist leer");
    }
    let t = Instant::now();
    let mut faelle = erzeuge_faelle(n, heute, jetzt, &gemeinden);
    let erzeugen = t.elapsed().as_secs_f64();

    // Seeding through the store: multi-row INSERTs with bound values, in one transaction.
    let neu: Vec<NeuerMessvorgang> = faelle
        .iter()
        .map(|f| NeuerMessvorgang {
            tenant_id: behoerden[f.behoerde],
            owner_user_id: owner[f.owner],
            bezeichnung: &f.bezeichnung,
            verfahren: f.verfahren,
            zustand: f.zustand,
            aktenzeichen: f.aktenzeichen.as_deref(),
            angaben: &f.angaben,
            gemeinde_ags: Some(f.gemeinde),
            eingereicht_at: f.eingereicht_at,
            naechste_frist: f.naechste_frist.as_deref(),
            created_at: f.created_at,
            updated_at: f.eingereicht_at.unwrap_or(f.created_at),
        })
        .collect();
    let t = Instant::now();
    let ids = db.saee_vorgaenge(&neu).await.context("Fälle einfügen")?;
    let einfuegen = t.elapsed().as_secs_f64();
    drop(neu);
    if ids.len() != faelle.len() {
        bail!("{} Fälle eingefügt, {} gemeldet", faelle.len(), ids.len());
    }
    for (f, id) in faelle.iter_mut().zip(ids) {
        f.id = id;
    }
    Ok(Befuellt {
        behoerden,
        faelle,
        gemeinden,
        erzeugen,
        einfuegen,
    })
}

async fn eingang_messen(
    db: &plankammer_storage::Db,
    n: usize,
    url: &str,
    laeufe: usize,
) -> Result<()> {
    use plankammer_storage::antrag::EingangsFilter;
    use plankammer_storage::testing::messung::ZEILEN_JE_INSERT;
    use plankammer_storage::{Backend, now_millis};

    let jetzt = now_millis();
    let heute = plankammer_storage::heute_berlin();
    let t = Instant::now();
    db.migrate().await.context("Messdatenbank migrieren")?;
    let migration = t.elapsed().as_secs_f64();
    let v = db.datenbankversion().await?;
    let version: String = match db.backend() {
        Backend::Sqlite => format!("SQLite {v} (temporäre Datei, WAL)"),
        Backend::Postgres => {
            format!(
                "PostgreSQL {v} (frische Datenbank {}, danach gelöscht)",
                plankammer_storage::redact(url)
            )
        }
    };
    println!("Eingang der Bauaufsicht: {n} Fälle, {version}");

    let Befuellt {
        behoerden,
        faelle,
        gemeinden,
        erzeugen,
        einfuegen,
    } = befuellen(db, n, jetzt, heute).await?;
    // PostgreSQL: statistics as autovacuum would gather them soon after such an insert.
    // SQLite: none, as in operation (Plankammer never runs ANALYZE there).
    let statistik = match db.backend() {
        Backend::Postgres => {
            let t = Instant::now();
            db.analysiere_vorgaenge().await?;
            format!("ANALYZE {:.2} s", t.elapsed().as_secs_f64())
        }
        Backend::Sqlite => "ohne ANALYZE wie im Betrieb".to_string(),
    };
    let groesse = db.groesse_vorgaenge().await?;
    println!(
        "Befüllen: {n} Fälle in {einfuegen:.2} s = {:.0} Fälle/s (Db::saee_vorgaenge: INSERT zu \
         {ZEILEN_JE_INSERT} Zeilen, eine Transaktion); erzeugt in {erzeugen:.2} s, Migration {migration:.2} s, \
         {statistik}; Tabelle mit Indizes {:.0} MB",
        n as f64 / einfuegen.max(1e-9),
        mb(groesse)
    );

    // The measured Bauaufsicht: the first. Its submitted cases, newest first.
    let a = 0;
    let tenant = behoerden[a];
    let alle = EingangsFilter {
        limit: SEITE,
        ..Default::default()
    };
    let eingereicht: Vec<i64> = {
        let mut v: Vec<i64> = faelle
            .iter()
            .filter(|f| im_eingang(f, a, &alle))
            .map(|f| f.id)
            .collect();
        v.sort_unstable_by(|x, y| y.cmp(x));
        v
    };
    let eigene = faelle.iter().filter(|f| f.behoerde == a).count();
    // Gemeinden of this Bauaufsicht by number of submitted cases: the largest and a
    // typical one (the median among those with cases).
    let mut je_gemeinde = std::collections::HashMap::<&str, usize>::new();
    for f in faelle.iter().filter(|f| im_eingang(f, a, &alle)) {
        *je_gemeinde.entry(f.gemeinde).or_default() += 1;
    }
    let mut rang: Vec<(&str, usize)> = je_gemeinde.into_iter().collect();
    rang.sort_by(|x, y| y.1.cmp(&x.1).then(x.0.cmp(y.0)));
    let name_von = |ags: &str| {
        gemeinden
            .iter()
            .find(|(c, _)| *c == ags)
            .map_or("?", |(_, n)| *n)
    };
    let gross = rang.first().map_or("06412000", |(g, _)| *g);
    let klein = rang.get(rang.len() / 2).map_or(gross, |(g, _)| *g);
    let seiten = eingereicht.len().div_ceil(SEITE as usize).max(1);
    let tief = seiten.min(1000);
    let vor_tief = (tief > 1).then(|| eingereicht[(tief - 1) * SEITE as usize - 1]);
    let frist_bis = heute.checked_add_signed(chrono::Duration::days(14));
    println!(
        "Gemessen: Bauaufsicht A mit {eigene} Fällen, davon {} eingereicht ({seiten} Seiten zu \
         {SEITE}); {} Gemeinden mit Fällen; {laeufe} Läufe je Abfrage nach {AUFWAERMEN} zum Aufwärmen",
        eingereicht.len(),
        rang.len()
    );

    let f = |zustand: Option<&str>,
             verfahren: Option<&str>,
             gemeinde: Option<&str>,
             frist: bool,
             vor_id: Option<i64>| {
        EingangsFilter {
            zustand: zustand.map(|z| Zustand::from_slug(z).expect("known state")),
            verfahren: verfahren.map(|v| Verfahrensart::from_slug(v).expect("known kind")),
            gemeinde_ags: gemeinde.map(String::from),
            frist_bis: if frist { frist_bis } else { None },
            vor_id,
            bearbeitet_von: None,
            limit: SEITE,
        }
    };
    let frist_text = format!(
        "Frist bis {} (heute + 14)",
        frist_bis.map_or("?".to_string(), |d| d.format("%Y-%m-%d").to_string())
    );
    let messungen: Vec<(String, EingangsFilter)> = vec![
        (
            "Seite 1, ohne Filter".into(),
            f(None, None, None, false, None),
        ),
        (
            format!("Seite {tief} per Keyset (vor_id {})", vor_tief.unwrap_or(0)),
            f(None, None, None, false, vor_tief),
        ),
        (
            "Status eingegangen".into(),
            f(Some("eingegangen"), None, None, false, None),
        ),
        (
            "Verfahren vorbescheid".into(),
            f(None, Some("vorbescheid"), None, false, None),
        ),
        (
            format!("Gemeinde groß: {} ({gross})", name_von(gross)),
            f(None, None, Some(gross), false, None),
        ),
        (
            format!("Gemeinde typisch: {} ({klein})", name_von(klein)),
            f(None, None, Some(klein), false, None),
        ),
        (frist_text.clone(), f(None, None, None, true, None)),
        (
            format!("Status nachforderung + {frist_text}"),
            f(Some("nachforderung"), None, None, true, None),
        ),
        (
            "Status eingegangen + Verfahren vereinfacht + Gemeinde groß".into(),
            f(
                Some("eingegangen"),
                Some("vereinfacht"),
                Some(gross),
                false,
                None,
            ),
        ),
        (
            "Status eingegangen + Gemeinde typisch".into(),
            f(Some("eingegangen"), None, Some(klein), false, None),
        ),
        (
            "Status genehmigt + Gemeinde typisch".into(),
            f(Some("genehmigt"), None, Some(klein), false, None),
        ),
        (
            format!("Verfahren vereinfacht, Seite {} per Keyset", tief.min(100)),
            {
                let vereinfacht = f(None, Some("vereinfacht"), None, false, None);
                let mut v: Vec<i64> = faelle
                    .iter()
                    .filter(|c| im_eingang(c, a, &vereinfacht))
                    .map(|c| c.id)
                    .collect();
                v.sort_unstable_by(|x, y| y.cmp(x));
                let s = tief.min(100).min(v.len().div_ceil(SEITE as usize).max(1));
                f(
                    None,
                    Some("vereinfacht"),
                    None,
                    false,
                    (s > 1).then(|| v[(s - 1) * SEITE as usize - 1]),
                )
            },
        ),
    ];

    println!(
        "{:<64} {:>15} {:>10} {:>10}",
        "Abfrage (Db::eingang, Seitengröße 50)", "Treffer/gesamt", "Median", "p95"
    );
    let mut langsamste = (String::new(), 0.0f64);
    for (name, filter) in &messungen {
        // The page must be the right one before it is timed.
        let mut erwartet: Vec<i64> = faelle
            .iter()
            .filter(|c| im_eingang(c, a, filter))
            .map(|c| c.id)
            .collect();
        let gesamt = erwartet.len();
        erwartet.sort_unstable_by(|x, y| y.cmp(x));
        erwartet.truncate(SEITE as usize);
        let seite: Vec<i64> = db
            .eingang(tenant, filter)
            .await?
            .iter()
            .map(|c| c.id)
            .collect();
        if seite != erwartet {
            bail!("{name}: Db::eingang liefert eine andere Seite als erwartet");
        }
        let (median, p95) = zeiten(laeufe, || async {
            Ok(db.eingang(tenant, filter).await?.len())
        })
        .await?;
        if median > langsamste.1 {
            langsamste = (name.clone(), median);
        }
        println!(
            "{name:<64} {:>15} {median:>7.2} ms {p95:>7.2} ms",
            format!("{}/{gesamt}", seite.len())
        );
    }

    // For comparison: the same deep page by OFFSET, as a paging without keyset would do it
    // (read into the same rows as Db::eingang's).
    let offset = (tief - 1) * SEITE as usize;
    let per_offset: Vec<i64> = db
        .eingang_per_offset(tenant, SEITE, offset as i64)
        .await?
        .iter()
        .map(|c| c.id)
        .collect();
    let per_keyset: Vec<i64> = db
        .eingang(tenant, &messungen[1].1)
        .await?
        .iter()
        .map(|c| c.id)
        .collect();
    if per_offset != per_keyset {
        bail!("Seite {tief}: OFFSET und Keyset liefern verschiedene Fälle");
    }
    let (median, p95) = zeiten(laeufe, || async {
        Ok(db
            .eingang_per_offset(tenant, SEITE, offset as i64)
            .await?
            .len())
    })
    .await?;
    let offset_name = format!("zum Vergleich: Seite {tief} per OFFSET {offset}");
    println!(
        "{offset_name:<64} {:>15} {median:>7.2} ms {p95:>7.2} ms",
        format!("{}/{}", per_offset.len(), eingereicht.len())
    );
    println!(
        "Langsamste Abfrage über Db::eingang: {} mit Median {:.2} ms (Ziel bei 100000 Fällen: unter 20 ms)",
        langsamste.0, langsamste.1
    );

    println!(
        "Abfragepläne ({}):",
        match db.backend() {
            Backend::Sqlite => "EXPLAIN QUERY PLAN",
            Backend::Postgres => "EXPLAIN",
        }
    );
    for (name, filter) in &messungen {
        println!("  {name}:");
        for zeile in db.eingang_plan(tenant, filter).await? {
            println!("    {zeile}");
        }
    }
    println!("  {offset_name}:");
    for zeile in db
        .eingang_per_offset_plan(tenant, SEITE, offset as i64)
        .await?
    {
        println!("    {zeile}");
    }
    Ok(())
}

/// Median and 95th percentile (ms) of `laeufe` runs of `abfrage`, after a few to warm up
/// (statement caches, and PostgreSQL's choice between custom and generic plans).
async fn zeiten<F, Fut>(laeufe: usize, mut abfrage: F) -> Result<(f64, f64)>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<usize>>,
{
    for _ in 0..AUFWAERMEN {
        abfrage().await?;
    }
    let mut ms = Vec::with_capacity(laeufe);
    for _ in 0..laeufe {
        let t = Instant::now();
        std::hint::black_box(abfrage().await?);
        ms.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    ms.sort_by(f64::total_cmp);
    let median = if ms.len() % 2 == 1 {
        ms[ms.len() / 2]
    } else {
        (ms[ms.len() / 2 - 1] + ms[ms.len() / 2]) / 2.0
    };
    let p95 = ms[((ms.len() as f64 * 0.95).ceil() as usize).clamp(1, ms.len()) - 1];
    Ok((median, p95))
}
