//! The Beteiligung: Stellen and their members, requests per case with their deadline and
//! its legal consequence, comments anchored on plan pages, Rückfragen and Stellungnahmen (the
//! Bescheid is in `bescheid.rs`). Effects with legal weight (deemed consent, reminders) are
//! compare-and-set, so they happen exactly once however many workers run.

use crate::antrag::{code_aus, tag_aus, tag_text};
use crate::{Db, Konflikt, Millis, Result, StoreError, Tx};
use chrono::NaiveDate;
use plankammer_domain::beteiligung::{
    BeteiligungsZustand, Nebenbestimmung, Rolle, Schweigefolge, Zustimmung,
};
use serde::Serialize;
use sqlx::Row;

/// The SQL list of the states in which a request is open (its deadline runs).
const OFFEN_SQL: &str = "('angefragt', 'in_bearbeitung', 'rueckfrage')";

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Stelle {
    pub id: i64,
    /// `None`: Land-wide, every tenant may ask it.
    pub tenant_id: Option<i64>,
    pub name: String,
    pub rechtsbereich: String,
    pub gemeinde_ags: Option<String>,
}

pub(crate) fn stelle_aus(r: &sqlx::any::AnyRow) -> Result<Stelle> {
    Ok(Stelle {
        id: r.try_get("id")?,
        tenant_id: r.try_get("tenant_id")?,
        name: r.try_get("name")?,
        rechtsbereich: r.try_get("rechtsbereich")?,
        gemeinde_ags: r.try_get("gemeinde_ags")?,
    })
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Beteiligung {
    pub id: i64,
    pub vorgang_id: i64,
    pub stelle_id: i64,
    pub stelle_name: String,
    pub rolle: Rolle,
    pub rechtsbereich: String,
    pub notiz: String,
    /// Document ids in scope; `None`: all.
    pub umfang: Option<Vec<i64>>,
    pub fassung_id: Option<i64>,
    pub freigegeben_fassung_id: Option<i64>,
    pub zustand: BeteiligungsZustand,
    /// The day of the request (not counted) and the last day of its deadline.
    pub start: NaiveDate,
    pub ende: NaiveDate,
    pub rechtsgrundlage: String,
    pub erklaerung: String,
    pub behoerdlich_gesetzt: bool,
    pub schweigefolge: Schweigefolge,
    pub fiktion_at: Option<Millis>,
    /// Days-before-end whose reminder went out.
    pub erinnerungen: Vec<u32>,
    pub andere_kommentare_sichtbar: bool,
    pub grund: Option<String>,
    pub angefragt_at: Millis,
    pub angefragt_by: i64,
    /// When a member of the Stelle first opened the request; `None`: never opened.
    pub geoeffnet_at: Option<Millis>,
}

const BETEILIGUNG_SPALTEN: &str = "b.id, b.vorgang_id, b.stelle_id, s.name AS stelle_name, b.rolle, b.rechtsbereich, b.notiz, b.umfang, b.fassung_id, b.freigegeben_fassung_id, b.zustand, b.start, b.ende, b.rechtsgrundlage, b.erklaerung, b.behoerdlich_gesetzt, b.schweigefolge, b.fiktion_at, b.erinnerungen, b.andere_kommentare_sichtbar, b.grund, b.angefragt_at, b.angefragt_by, b.geoeffnet_at";

/// A running request with what a list across cases shows of its case.
#[derive(Debug, Clone)]
pub struct LaufendeAnfrage {
    pub beteiligung: Beteiligung,
    pub aktenzeichen: Option<String>,
    pub bezeichnung: String,
}

fn beteiligung_aus(r: &sqlx::any::AnyRow) -> Result<Beteiligung> {
    let umfang: Option<String> = r.try_get("umfang")?;
    let erinnerungen: String = r.try_get("erinnerungen")?;
    let rolle: String = r.try_get("rolle")?;
    let zustand: String = r.try_get("zustand")?;
    let start: String = r.try_get("start")?;
    let ende: String = r.try_get("ende")?;
    let schweigefolge: String = r.try_get("schweigefolge")?;
    Ok(Beteiligung {
        id: r.try_get("id")?,
        vorgang_id: r.try_get("vorgang_id")?,
        stelle_id: r.try_get("stelle_id")?,
        stelle_name: r.try_get("stelle_name")?,
        rolle: code_aus("beteiligungen.rolle", &rolle, Rolle::from_code)?,
        rechtsbereich: r.try_get("rechtsbereich")?,
        notiz: r.try_get("notiz")?,
        umfang: umfang
            .map(|u| serde_json::from_str(&u))
            .transpose()
            .map_err(|e| StoreError::Corrupt(format!("beteiligungen.umfang: {e}")))?,
        fassung_id: r.try_get("fassung_id")?,
        freigegeben_fassung_id: r.try_get("freigegeben_fassung_id")?,
        zustand: code_aus(
            "beteiligungen.zustand",
            &zustand,
            BeteiligungsZustand::from_slug,
        )?,
        start: tag_aus("beteiligungen.start", &start)?,
        ende: tag_aus("beteiligungen.ende", &ende)?,
        rechtsgrundlage: r.try_get("rechtsgrundlage")?,
        erklaerung: r.try_get("erklaerung")?,
        behoerdlich_gesetzt: r.try_get::<i64, _>("behoerdlich_gesetzt")? != 0,
        schweigefolge: code_aus(
            "beteiligungen.schweigefolge",
            &schweigefolge,
            Schweigefolge::from_code,
        )?,
        fiktion_at: r.try_get("fiktion_at")?,
        erinnerungen: erinnerungen
            .split(',')
            .filter_map(|t| t.trim().parse().ok())
            .collect(),
        andere_kommentare_sichtbar: r.try_get::<i64, _>("andere_kommentare_sichtbar")? != 0,
        grund: r.try_get("grund")?,
        angefragt_at: r.try_get("angefragt_at")?,
        angefragt_by: r.try_get("angefragt_by")?,
        geoeffnet_at: r.try_get("geoeffnet_at")?,
    })
}

/// A request to a Stelle.
#[derive(Debug, Clone)]
pub struct NeueBeteiligung<'a> {
    pub vorgang_id: i64,
    pub stelle_id: i64,
    pub rolle: Rolle,
    pub rechtsbereich: &'a str,
    pub notiz: &'a str,
    pub umfang: Option<&'a [i64]>,
    pub fassung_id: Option<i64>,
    pub start: NaiveDate,
    pub ende: NaiveDate,
    pub rechtsgrundlage: &'a str,
    pub erklaerung: &'a str,
    pub behoerdlich_gesetzt: bool,
    pub schweigefolge: Schweigefolge,
    pub user_id: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Kommentar {
    pub id: i64,
    pub vorgang_id: i64,
    pub beteiligung_id: Option<i64>,
    pub version_id: i64,
    pub seite: i64,
    pub x: f64,
    pub y: f64,
    pub w: Option<f64>,
    pub h: Option<f64>,
    pub antwort_auf: Option<i64>,
    pub text: String,
    pub user_id: i64,
    pub user_name: String,
    pub stelle_id: Option<i64>,
    pub created_at: Millis,
}

#[derive(Debug, Clone)]
pub struct NeuerKommentar<'a> {
    pub vorgang_id: i64,
    pub beteiligung_id: Option<i64>,
    pub version_id: i64,
    pub seite: i64,
    pub x: f64,
    pub y: f64,
    pub w: Option<f64>,
    pub h: Option<f64>,
    pub antwort_auf: Option<i64>,
    pub text: &'a str,
    pub user_id: i64,
    pub stelle_id: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Rueckfrage {
    pub id: i64,
    pub beteiligung_id: i64,
    pub frage: String,
    pub an_antragsteller: bool,
    pub hemmt_frist: bool,
    pub antwort: Option<String>,
    pub gestellt_at: Millis,
    pub gestellt_by: i64,
    pub beantwortet_at: Option<Millis>,
    /// When the Bauaufsicht passed the question on to the applicants.
    pub weitergegeben_at: Option<Millis>,
}

const RUECKFRAGE_SPALTEN: &str = "id, beteiligung_id, frage, an_antragsteller, hemmt_frist, antwort, gestellt_at, gestellt_by, beantwortet_at, weitergegeben_at";

fn rueckfrage_aus(r: &sqlx::any::AnyRow) -> Result<Rueckfrage> {
    Ok(Rueckfrage {
        id: r.try_get("id")?,
        beteiligung_id: r.try_get("beteiligung_id")?,
        frage: r.try_get("frage")?,
        an_antragsteller: r.try_get::<i64, _>("an_antragsteller")? != 0,
        hemmt_frist: r.try_get::<i64, _>("hemmt_frist")? != 0,
        antwort: r.try_get("antwort")?,
        gestellt_at: r.try_get("gestellt_at")?,
        gestellt_by: r.try_get("gestellt_by")?,
        beantwortet_at: r.try_get("beantwortet_at")?,
        weitergegeben_at: r.try_get("weitergegeben_at")?,
    })
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Stellungnahme {
    pub id: i64,
    pub beteiligung_id: i64,
    pub ersetzt_id: Option<i64>,
    pub tenor: String,
    pub zustimmung: Zustimmung,
    pub nebenbestimmungen: Vec<Nebenbestimmung>,
    pub begruendung: String,
    pub verspaetet: bool,
    pub beruecksichtigt: Option<bool>,
    pub created_at: Millis,
    pub created_by: i64,
}

#[derive(Debug, Clone)]
pub struct NeueStellungnahme<'a> {
    pub beteiligung_id: i64,
    pub ersetzt_id: Option<i64>,
    pub tenor: &'a str,
    pub zustimmung: Zustimmung,
    pub nebenbestimmungen: &'a [Nebenbestimmung],
    pub begruendung: &'a str,
    pub verspaetet: bool,
    pub user_id: i64,
}

impl Db {
    // --- Stellen ---------------------------------------------------------------------

    pub async fn lege_stelle_an(
        &self,
        tenant_id: Option<i64>,
        name: &str,
        rechtsbereich: &str,
        gemeinde_ags: Option<&str>,
        now: Millis,
    ) -> Result<i64> {
        Ok(sqlx::query_scalar(
            "INSERT INTO stellen (tenant_id, name, rechtsbereich, gemeinde_ags, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING id",
        )
        .bind(tenant_id)
        .bind(name)
        .bind(rechtsbereich)
        .bind(gemeinde_ags)
        .bind(now)
        .fetch_one(self.pool())
        .await?)
    }

    /// The Stellen a tenant may ask: its own and the Land-wide ones.
    pub async fn stellen_fuer(&self, tenant_id: i64) -> Result<Vec<Stelle>> {
        let rows = sqlx::query(
            "SELECT id, tenant_id, name, rechtsbereich, gemeinde_ags FROM stellen \
             WHERE tenant_id = $1 OR tenant_id IS NULL ORDER BY name, id",
        )
        .bind(tenant_id)
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(stelle_aus).collect()
    }

    pub async fn stelle(&self, id: i64) -> Result<Stelle> {
        let r = sqlx::query(
            "SELECT id, tenant_id, name, rechtsbereich, gemeinde_ags FROM stellen WHERE id = $1",
        )
        .bind(id)
        .fetch_optional(self.pool())
        .await?
        .ok_or(StoreError::NotFound)?;
        stelle_aus(&r)
    }

    pub async fn fuege_stellenmitglied_hinzu(&self, stelle_id: i64, user_id: i64) -> Result<()> {
        sqlx::query("INSERT INTO stellen_mitglieder (stelle_id, user_id) VALUES ($1, $2)")
            .bind(stelle_id)
            .bind(user_id)
            .execute(self.pool())
            .await
            .map_err(|e| StoreError::on_unique(e, Konflikt::StellenmitgliedVorhanden))?;
        Ok(())
    }

    /// The Stellen a user works for.
    pub async fn stellen_von(&self, user_id: i64) -> Result<Vec<Stelle>> {
        let rows = sqlx::query(
            "SELECT s.id, s.tenant_id, s.name, s.rechtsbereich, s.gemeinde_ags FROM stellen s \
             JOIN stellen_mitglieder m ON m.stelle_id = s.id WHERE m.user_id = $1 ORDER BY s.name",
        )
        .bind(user_id)
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(stelle_aus).collect()
    }

    // --- Requests ----------------------------------------------------------------------

    pub async fn frage_stelle_an(
        conn: &mut Tx,
        b: &NeueBeteiligung<'_>,
        now: Millis,
    ) -> Result<i64> {
        let umfang = b
            .umfang
            .map(|u| serde_json::to_string(u).unwrap_or_else(|_| "[]".into()));
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO beteiligungen (vorgang_id, stelle_id, rolle, rechtsbereich, notiz, umfang, fassung_id, zustand, \
             start, ende, rechtsgrundlage, erklaerung, behoerdlich_gesetzt, schweigefolge, angefragt_at, angefragt_by, geaendert_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, 'angefragt', $8, $9, $10, $11, $12, $13, $14, $15, $14) RETURNING id",
        )
        .bind(b.vorgang_id)
        .bind(b.stelle_id)
        .bind(b.rolle.code())
        .bind(b.rechtsbereich)
        .bind(b.notiz)
        .bind(umfang)
        .bind(b.fassung_id)
        .bind(tag_text(b.start))
        .bind(tag_text(b.ende))
        .bind(b.rechtsgrundlage)
        .bind(b.erklaerung)
        .bind(i64::from(b.behoerdlich_gesetzt))
        .bind(b.schweigefolge.code())
        .bind(now)
        .bind(b.user_id)
        .fetch_one(conn.c())
        .await?;
        Db::aktualisiere_naechste_frist(conn, b.vorgang_id).await?;
        Ok(id)
    }

    pub async fn beteiligung(&self, id: i64) -> Result<Beteiligung> {
        let r = sqlx::query(&format!(
            "SELECT {BETEILIGUNG_SPALTEN} FROM beteiligungen b JOIN stellen s ON s.id = b.stelle_id WHERE b.id = $1"
        ))
        .bind(id)
        .fetch_optional(self.pool())
        .await?
        .ok_or(StoreError::NotFound)?;
        beteiligung_aus(&r)
    }

    pub async fn beteiligungen(&self, vorgang_id: i64) -> Result<Vec<Beteiligung>> {
        let rows = sqlx::query(&format!(
            "SELECT {BETEILIGUNG_SPALTEN} FROM beteiligungen b JOIN stellen s ON s.id = b.stelle_id \
             WHERE b.vorgang_id = $1 ORDER BY b.ende, b.id"
        ))
        .bind(vorgang_id)
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(beteiligung_aus).collect()
    }

    /// The requests to the Stellen a user works for (the Fachstelle's inbox), by deadline.
    pub async fn beteiligungen_fuer_mitglied(&self, user_id: i64) -> Result<Vec<Beteiligung>> {
        let rows = sqlx::query(&format!(
            "SELECT {BETEILIGUNG_SPALTEN} FROM beteiligungen b JOIN stellen s ON s.id = b.stelle_id \
             WHERE b.stelle_id IN (SELECT stelle_id FROM stellen_mitglieder WHERE user_id = $1) \
             ORDER BY b.ende, b.id"
        ))
        .bind(user_id)
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(beteiligung_aus).collect()
    }

    /// All running requests of a tenant's cases, by deadline (the cross-case view).
    pub async fn laufende_beteiligungen(&self, tenant_id: i64) -> Result<Vec<Beteiligung>> {
        Ok(self
            .laufende_anfragen(tenant_id)
            .await?
            .into_iter()
            .map(|l| l.beteiligung)
            .collect())
    }

    /// The same running requests, each with its case's Aktenzeichen and Bezeichnung, in one
    /// query (the lists across cases: Fristen, Beteiligungen).
    pub async fn laufende_anfragen(&self, tenant_id: i64) -> Result<Vec<LaufendeAnfrage>> {
        let rows = sqlx::query(&format!(
            "SELECT {BETEILIGUNG_SPALTEN}, v.aktenzeichen AS v_aktenzeichen, \
             v.bezeichnung AS v_bezeichnung \
             FROM beteiligungen b JOIN stellen s ON s.id = b.stelle_id \
             JOIN vorgaenge v ON v.id = b.vorgang_id \
             WHERE v.tenant_id = $1 AND b.zustand IN {OFFEN_SQL} \
             ORDER BY b.ende, b.id"
        ))
        .bind(tenant_id)
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| {
                Ok(LaufendeAnfrage {
                    beteiligung: beteiligung_aus(r)?,
                    aktenzeichen: r.try_get("v_aktenzeichen")?,
                    bezeichnung: r.try_get("v_bezeichnung")?,
                })
            })
            .collect()
    }

    /// Compare-and-set of a request's state; true when this call made the change.
    pub async fn wechsle_beteiligungszustand(
        conn: &mut Tx,
        id: i64,
        von: BeteiligungsZustand,
        nach: BeteiligungsZustand,
        grund: Option<&str>,
        now: Millis,
    ) -> Result<bool> {
        let geaendert = sqlx::query(
            "UPDATE beteiligungen SET zustand = $3, grund = COALESCE($4, grund), geaendert_at = $5 \
             WHERE id = $1 AND zustand = $2",
        )
        .bind(id)
        .bind(von.slug())
        .bind(nach.slug())
        .bind(grund)
        .bind(now)
        .execute(conn.c())
        .await?
        .rows_affected()
            == 1;
        if geaendert {
            Self::naechste_frist_der_beteiligung(conn, id).await?;
        }
        Ok(geaendert)
    }

    /// Keeps the case's next deadline ([`Db::aktualisiere_naechste_frist`]) true after a
    /// request's deadline or state changed.
    async fn naechste_frist_der_beteiligung(conn: &mut Tx, id: i64) -> Result<()> {
        let vorgang_id: i64 =
            sqlx::query_scalar("SELECT vorgang_id FROM beteiligungen WHERE id = $1")
                .bind(id)
                .fetch_one(conn.c())
                .await?;
        Db::aktualisiere_naechste_frist(conn, vorgang_id).await
    }

    /// A new end for an open request (an extension, with its reason in the explanation),
    /// only while its deadline still runs: its last day `ende` is `heute` (the Berlin date)
    /// or later. A deadline that has passed took its legal effect at midnight (deemed
    /// consent), even if the hourly job has not recorded it yet, so it cannot be undone:
    /// `Conflict("beteiligungsfrist_abgelaufen")`; `Conflict("beteiligung_nicht_offen")`
    /// when the request is no longer open.
    pub async fn verlaengere_beteiligung(
        conn: &mut Tx,
        id: i64,
        ende: NaiveDate,
        erklaerung: &str,
        heute: NaiveDate,
        now: Millis,
    ) -> Result<()> {
        let n = sqlx::query(
            "UPDATE beteiligungen SET ende = $2, erklaerung = $3, behoerdlich_gesetzt = 1, erinnerungen = '', geaendert_at = $4 \
             WHERE id = $1 AND zustand IN ('angefragt', 'in_bearbeitung', 'rueckfrage') AND ende >= $5",
        )
        .bind(id)
        .bind(tag_text(ende))
        .bind(erklaerung)
        .bind(now)
        .bind(tag_text(heute))
        .execute(conn.c())
        .await?
        .rows_affected();
        if n == 1 {
            Self::naechste_frist_der_beteiligung(conn, id).await
        } else {
            Err(Self::warum_nicht_aenderbar(conn, id, heute).await?)
        }
    }

    /// Why an open request's deadline could not be changed: it passed, or the request is
    /// no longer open.
    async fn warum_nicht_aenderbar(conn: &mut Tx, id: i64, heute: NaiveDate) -> Result<StoreError> {
        let r = sqlx::query("SELECT zustand, ende FROM beteiligungen WHERE id = $1")
            .bind(id)
            .fetch_optional(conn.c())
            .await?;
        let Some(r) = r else {
            return Ok(StoreError::NotFound);
        };
        let zustand: String = r.try_get("zustand")?;
        let zustand = code_aus(
            "beteiligungen.zustand",
            &zustand,
            BeteiligungsZustand::from_slug,
        )?;
        let ende: String = r.try_get("ende")?;
        Ok(
            if zustand.ist_offen() && tag_aus("beteiligungen.ende", &ende)? < heute {
                StoreError::Konflikt(Konflikt::BeteiligungsfristAbgelaufen)
            } else {
                StoreError::Konflikt(Konflikt::BeteiligungNichtOffen)
            },
        )
    }

    /// How many requests of the case are open, read through the caller's connection (in a
    /// transaction: after [`Db::sperre_vorgang`], so the answer stays true until commit).
    pub async fn offene_anfragen(conn: &mut Tx, vorgang_id: i64) -> Result<i64> {
        Ok(sqlx::query_scalar(
            "SELECT CAST(COUNT(*) AS BIGINT) FROM beteiligungen WHERE vorgang_id = $1 \
             AND zustand IN ('angefragt', 'in_bearbeitung', 'rueckfrage')",
        )
        .bind(vorgang_id)
        .fetch_one(conn.c())
        .await?)
    }

    /// Open requests whose last day is before `heute`: their deemed consent is due.
    pub async fn abgelaufene_beteiligungen(
        &self,
        heute: NaiveDate,
        limit: i64,
    ) -> Result<Vec<Beteiligung>> {
        let rows = sqlx::query(&format!(
            "SELECT {BETEILIGUNG_SPALTEN} FROM beteiligungen b JOIN stellen s ON s.id = b.stelle_id \
             WHERE b.zustand IN {OFFEN_SQL} AND b.fiktion_at IS NULL AND b.ende < $1 \
             ORDER BY b.ende, b.id LIMIT $2"
        ))
        .bind(tag_text(heute))
        .bind(limit)
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(beteiligung_aus).collect()
    }

    /// Open requests (every tenant) whose last day is between `von` and `bis` (both
    /// included), by end: those a reminder may be due for.
    pub async fn offene_beteiligungen_bis(
        &self,
        von: NaiveDate,
        bis: NaiveDate,
    ) -> Result<Vec<Beteiligung>> {
        let rows = sqlx::query(&format!(
            "SELECT {BETEILIGUNG_SPALTEN} FROM beteiligungen b JOIN stellen s ON s.id = b.stelle_id \
             WHERE b.zustand IN {OFFEN_SQL} AND b.ende >= $1 AND b.ende <= $2 ORDER BY b.ende, b.id"
        ))
        .bind(tag_text(von))
        .bind(tag_text(bis))
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(beteiligung_aus).collect()
    }

    /// Cases (every tenant) still in the Beteiligung (08) that have requests but none open
    /// any more: their Beteiligung should have been closed. At most `limit`, by id.
    pub async fn erledigte_beteiligungen(&self, limit: i64) -> Result<Vec<i64>> {
        Ok(sqlx::query_scalar(&format!(
            "SELECT v.id FROM vorgaenge v WHERE v.zustand = $1 \
             AND EXISTS (SELECT 1 FROM beteiligungen b WHERE b.vorgang_id = v.id) \
             AND NOT EXISTS (SELECT 1 FROM beteiligungen b WHERE b.vorgang_id = v.id AND b.zustand IN {OFFEN_SQL}) \
             ORDER BY v.id LIMIT $2"
        ))
        .bind(plankammer_domain::vorgang::Zustand::Beteiligung.slug())
        .bind(limit)
        .fetch_all(self.pool())
        .await?)
    }

    /// Records the deemed consent of an open request, exactly once: true when this call
    /// recorded it (the caller then writes the timeline entry and the mails).
    pub async fn trage_fiktion_ein(
        conn: &mut Tx,
        id: i64,
        nach: BeteiligungsZustand,
        heute: NaiveDate,
        now: Millis,
    ) -> Result<bool> {
        let eingetragen = sqlx::query(
            "UPDATE beteiligungen SET zustand = $2, fiktion_at = $4, geaendert_at = $4 \
             WHERE id = $1 AND fiktion_at IS NULL AND ende < $3 \
             AND zustand IN ('angefragt', 'in_bearbeitung', 'rueckfrage')",
        )
        .bind(id)
        .bind(nach.slug())
        .bind(tag_text(heute))
        .bind(now)
        .execute(conn.c())
        .await?
        .rows_affected()
            == 1;
        if eingetragen {
            Self::naechste_frist_der_beteiligung(conn, id).await?;
        }
        Ok(eingetragen)
    }

    /// Notes that the reminder `tage` days before the end went out; false if it had
    /// already (so it is never sent twice).
    pub async fn vermerke_erinnerung(conn: &mut Tx, id: i64, tage: u32) -> Result<bool> {
        let tag = tage.to_string();
        Ok(sqlx::query(
            "UPDATE beteiligungen SET erinnerungen = CASE WHEN erinnerungen = '' THEN $2 ELSE erinnerungen || ',' || $2 END \
             WHERE id = $1 AND (',' || erinnerungen || ',') NOT LIKE ('%,' || $2 || ',%')",
        )
        .bind(id)
        .bind(&tag)
        .execute(conn.c())
        .await?
        .rows_affected()
            == 1)
    }

    /// Shares a later Fassung with the Stelle, in the caller's transaction (with its timeline
    /// entry and mail).
    /// Leaves `andere_kommentare_sichtbar` alone: that is set on its own
    /// ([`Db::setze_andere_kommentare_sichtbar`]), and a value read before this transaction
    /// could undo a change made in between.
    pub async fn teile_fassung(conn: &mut Tx, beteiligung_id: i64, fassung_id: i64) -> Result<()> {
        sqlx::query("UPDATE beteiligungen SET freigegeben_fassung_id = $2 WHERE id = $1")
            .bind(beteiligung_id)
            .bind(fassung_id)
            .execute(conn.c())
            .await?;
        Ok(())
    }

    /// A member of the Stelle opens the request: notes the first opening (not of a withdrawn
    /// request: that would open its documents), and moves `angefragt` to `in_bearbeitung`.
    /// True when this call moved the state (once).
    pub async fn oeffne_beteiligung(conn: &mut Tx, id: i64, now: Millis) -> Result<bool> {
        sqlx::query(
            "UPDATE beteiligungen SET geoeffnet_at = $2 WHERE id = $1 AND geoeffnet_at IS NULL AND zustand <> 'zurueckgezogen'",
        )
        .bind(id)
        .bind(now)
        .execute(conn.c())
        .await?;
        Ok(sqlx::query(
            "UPDATE beteiligungen SET zustand = 'in_bearbeitung', geaendert_at = $2 WHERE id = $1 AND zustand = 'angefragt'",
        )
        .bind(id)
        .bind(now)
        .execute(conn.c())
        .await?
        .rows_affected()
            == 1)
    }

    /// Whether the Stelle of this request sees the comments of other Stellen (and of the
    /// Bauaufsicht outside its own threads).
    /// In the caller's transaction (with its audit entry).
    pub async fn setze_andere_kommentare_sichtbar(
        conn: &mut Tx,
        id: i64,
        sichtbar: bool,
    ) -> Result<()> {
        sqlx::query("UPDATE beteiligungen SET andere_kommentare_sichtbar = $2 WHERE id = $1")
            .bind(id)
            .bind(i64::from(sichtbar))
            .execute(conn.c())
            .await?;
        Ok(())
    }

    /// A deadline suspended by a Rückfrage (Hemmung): the new end and its explanation. Not
    /// "behördlich gesetzt"; reminders are due again for the new end. Like an extension only
    /// while the deadline runs (its last day is `heute` or later), with the same conflicts as
    /// [`Db::verlaengere_beteiligung`].
    pub async fn hemme_beteiligungsfrist(
        conn: &mut Tx,
        id: i64,
        ende: NaiveDate,
        erklaerung: &str,
        heute: NaiveDate,
        now: Millis,
    ) -> Result<()> {
        let n = sqlx::query(
            "UPDATE beteiligungen SET ende = $2, erklaerung = $3, erinnerungen = '', geaendert_at = $4 \
             WHERE id = $1 AND zustand IN ('angefragt', 'in_bearbeitung', 'rueckfrage') AND ende >= $5",
        )
        .bind(id)
        .bind(tag_text(ende))
        .bind(erklaerung)
        .bind(now)
        .bind(tag_text(heute))
        .execute(conn.c())
        .await?
        .rows_affected();
        if n == 1 {
            Self::naechste_frist_der_beteiligung(conn, id).await
        } else {
            Err(Self::warum_nicht_aenderbar(conn, id, heute).await?)
        }
    }

    // --- Comments, Rückfragen ------------------------------------------------------------

    pub async fn kommentiere(&self, k: &NeuerKommentar<'_>, now: Millis) -> Result<i64> {
        // A point has no size. Its NULLs are written as literals, not bound: sqlx 0.8's Any
        // driver declares a bound NULL f64 as float4 on PostgreSQL (its Real/Double mapping
        // is swapped), and a statement prepared that way once refused the float8 of a later
        // rectangle ("incorrect binary data format in bind parameter 7"). So a float
        // parameter here is always a number.
        // (The domain's anchor has both sizes or neither.)
        let (groesse, sql) = match (k.w, k.h) {
            (Some(w), Some(h)) => (
                Some((w, h)),
                "INSERT INTO kommentare (vorgang_id, beteiligung_id, version_id, seite, x, y, antwort_auf, text, user_id, stelle_id, created_at, w, h) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING id",
            ),
            _ => (
                None,
                "INSERT INTO kommentare (vorgang_id, beteiligung_id, version_id, seite, x, y, antwort_auf, text, user_id, stelle_id, created_at, w, h) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, NULL, NULL) RETURNING id",
            ),
        };
        let mut q = sqlx::query_scalar(sql)
            .bind(k.vorgang_id)
            .bind(k.beteiligung_id)
            .bind(k.version_id)
            .bind(k.seite)
            .bind(k.x)
            .bind(k.y)
            .bind(k.antwort_auf)
            .bind(k.text)
            .bind(k.user_id)
            .bind(k.stelle_id)
            .bind(now);
        if let Some((w, h)) = groesse {
            q = q.bind(w).bind(h);
        }
        Ok(q.fetch_one(self.pool()).await?)
    }

    /// Every comment on a version, oldest first (the caller filters by visibility).
    pub async fn kommentare(&self, version_id: i64) -> Result<Vec<Kommentar>> {
        let rows = sqlx::query(
            "SELECT k.id, k.vorgang_id, k.beteiligung_id, k.version_id, k.seite, k.x, k.y, k.w, k.h, k.antwort_auf, k.text, \
             k.user_id, u.display_name, k.stelle_id, k.created_at \
             FROM kommentare k JOIN users u ON u.id = k.user_id WHERE k.version_id = $1 ORDER BY k.id",
        )
        .bind(version_id)
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| {
                Ok(Kommentar {
                    id: r.try_get("id")?,
                    vorgang_id: r.try_get("vorgang_id")?,
                    beteiligung_id: r.try_get("beteiligung_id")?,
                    version_id: r.try_get("version_id")?,
                    seite: r.try_get("seite")?,
                    x: r.try_get("x")?,
                    y: r.try_get("y")?,
                    w: r.try_get("w")?,
                    h: r.try_get("h")?,
                    antwort_auf: r.try_get("antwort_auf")?,
                    text: r.try_get("text")?,
                    user_id: r.try_get("user_id")?,
                    user_name: r.try_get("display_name")?,
                    stelle_id: r.try_get("stelle_id")?,
                    created_at: r.try_get("created_at")?,
                })
            })
            .collect()
    }

    pub async fn stelle_rueckfrage(
        conn: &mut Tx,
        beteiligung_id: i64,
        frage: &str,
        an_antragsteller: bool,
        hemmt_frist: bool,
        user_id: i64,
        now: Millis,
    ) -> Result<i64> {
        Ok(sqlx::query_scalar(
            "INSERT INTO rueckfragen (beteiligung_id, frage, an_antragsteller, hemmt_frist, gestellt_at, gestellt_by) \
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        )
        .bind(beteiligung_id)
        .bind(frage)
        .bind(i64::from(an_antragsteller))
        .bind(i64::from(hemmt_frist))
        .bind(now)
        .bind(user_id)
        .fetch_one(conn.c())
        .await?)
    }

    /// Answers a Rückfrage once.
    pub async fn beantworte_rueckfrage(
        conn: &mut Tx,
        id: i64,
        antwort: &str,
        user_id: i64,
        now: Millis,
    ) -> Result<()> {
        let n = sqlx::query(
            "UPDATE rueckfragen SET antwort = $2, beantwortet_at = $3, beantwortet_by = $4 WHERE id = $1 AND antwort IS NULL",
        )
        .bind(id)
        .bind(antwort)
        .bind(now)
        .bind(user_id)
        .execute(conn.c())
        .await?
        .rows_affected();
        if n == 1 {
            Ok(())
        } else {
            Err(StoreError::Konflikt(Konflikt::RueckfrageBeantwortet))
        }
    }

    pub async fn rueckfragen(&self, beteiligung_id: i64) -> Result<Vec<Rueckfrage>> {
        let rows = sqlx::query(&format!(
            "SELECT {RUECKFRAGE_SPALTEN} FROM rueckfragen WHERE beteiligung_id = $1 ORDER BY id"
        ))
        .bind(beteiligung_id)
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(rueckfrage_aus).collect()
    }

    pub async fn rueckfrage(&self, id: i64) -> Result<Rueckfrage> {
        let r = sqlx::query(&format!(
            "SELECT {RUECKFRAGE_SPALTEN} FROM rueckfragen WHERE id = $1"
        ))
        .bind(id)
        .fetch_optional(self.pool())
        .await?
        .ok_or(StoreError::NotFound)?;
        rueckfrage_aus(&r)
    }

    /// Answers a Rückfrage once, recording whether it suspended the deadline (the
    /// Bauaufsicht's decision). False if it had been answered already.
    pub async fn beantworte_rueckfrage_mit(
        conn: &mut Tx,
        id: i64,
        antwort: &str,
        hemmt_frist: bool,
        user_id: i64,
        now: Millis,
    ) -> Result<bool> {
        Ok(sqlx::query(
            "UPDATE rueckfragen SET antwort = $2, hemmt_frist = $3, beantwortet_at = $4, beantwortet_by = $5 \
             WHERE id = $1 AND antwort IS NULL",
        )
        .bind(id)
        .bind(antwort)
        .bind(i64::from(hemmt_frist))
        .bind(now)
        .bind(user_id)
        .execute(conn.c())
        .await?
        .rows_affected()
            == 1)
    }

    /// Notes that the Bauaufsicht passed the question on to the applicants (once).
    pub async fn gib_rueckfrage_weiter(conn: &mut Tx, id: i64, now: Millis) -> Result<bool> {
        Ok(sqlx::query(
            "UPDATE rueckfragen SET weitergegeben_at = $2 WHERE id = $1 AND weitergegeben_at IS NULL AND antwort IS NULL",
        )
        .bind(id)
        .bind(now)
        .execute(conn.c())
        .await?
        .rows_affected()
            == 1)
    }

    // --- Stellungnahmen ----------------------------------------------------------------

    /// Writes a Stellungnahme (immutable from here on). A correction names the one it
    /// supersedes, which must belong to the same request; a Stellungnahme is superseded at
    /// most once (unique index), so of two corrections of the same one the second gets
    /// `Conflict("stellungnahme_schon_korrigiert")`.
    pub async fn gib_stellungnahme_ab(
        conn: &mut Tx,
        s: &NeueStellungnahme<'_>,
        now: Millis,
    ) -> Result<i64> {
        if let Some(alt) = s.ersetzt_id {
            let n: i64 = sqlx::query_scalar(
                "SELECT COUNT(*) FROM stellungnahmen WHERE id = $1 AND beteiligung_id = $2",
            )
            .bind(alt)
            .bind(s.beteiligung_id)
            .fetch_one(conn.c())
            .await?;
            if n != 1 {
                return Err(StoreError::NotFound);
            }
        }
        sqlx::query_scalar(
            "INSERT INTO stellungnahmen (beteiligung_id, ersetzt_id, tenor, zustimmung, nebenbestimmungen, begruendung, verspaetet, created_at, created_by) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
        )
        .bind(s.beteiligung_id)
        .bind(s.ersetzt_id)
        .bind(s.tenor)
        .bind(s.zustimmung.code())
        .bind(
            serde_json::to_string(s.nebenbestimmungen)
                .map_err(|e| StoreError::Corrupt(format!("nebenbestimmungen: {e}")))?,
        )
        .bind(s.begruendung)
        .bind(i64::from(s.verspaetet))
        .bind(now)
        .bind(s.user_id)
        .fetch_one(conn.c())
        .await
        .map_err(|e| StoreError::on_unique(e, Konflikt::StellungnahmeSchonKorrigiert))
    }

    pub async fn stellungnahmen(&self, beteiligung_id: i64) -> Result<Vec<Stellungnahme>> {
        let rows = sqlx::query(
            "SELECT id, beteiligung_id, ersetzt_id, tenor, zustimmung, nebenbestimmungen, begruendung, verspaetet, beruecksichtigt, created_at, created_by \
             FROM stellungnahmen WHERE beteiligung_id = $1 ORDER BY id",
        )
        .bind(beteiligung_id)
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| {
                let nb: String = r.try_get("nebenbestimmungen")?;
                let zustimmung: String = r.try_get("zustimmung")?;
                Ok(Stellungnahme {
                    id: r.try_get("id")?,
                    beteiligung_id: r.try_get("beteiligung_id")?,
                    ersetzt_id: r.try_get("ersetzt_id")?,
                    tenor: r.try_get("tenor")?,
                    zustimmung: code_aus(
                        "stellungnahmen.zustimmung",
                        &zustimmung,
                        Zustimmung::from_code,
                    )?,
                    nebenbestimmungen: serde_json::from_str(&nb).map_err(|e| {
                        StoreError::Corrupt(format!("stellungnahmen.nebenbestimmungen: {e}"))
                    })?,
                    begruendung: r.try_get("begruendung")?,
                    verspaetet: r.try_get::<i64, _>("verspaetet")? != 0,
                    beruecksichtigt: r
                        .try_get::<Option<i64>, _>("beruecksichtigt")?
                        .map(|b| b != 0),
                    created_at: r.try_get("created_at")?,
                    created_by: r.try_get("created_by")?,
                })
            })
            .collect()
    }

    /// [`Db::entscheide_verspaetete`] in the caller's transaction.
    pub async fn entscheide_verspaetete_in(
        conn: &mut Tx,
        id: i64,
        beruecksichtigen: bool,
    ) -> Result<bool> {
        Ok(sqlx::query(
            "UPDATE stellungnahmen SET beruecksichtigt = $2 WHERE id = $1 AND verspaetet = 1 AND beruecksichtigt IS NULL",
        )
        .bind(id)
        .bind(i64::from(beruecksichtigen))
        .execute(conn.c())
        .await?
        .rows_affected()
            == 1)
    }

    /// The Bauaufsicht's decision on a late Stellungnahme: consider it or not (once).
    pub async fn entscheide_verspaetete(&self, id: i64, beruecksichtigen: bool) -> Result<bool> {
        Ok(sqlx::query(
            "UPDATE stellungnahmen SET beruecksichtigt = $2 WHERE id = $1 AND verspaetet = 1 AND beruecksichtigt IS NULL",
        )
        .bind(id)
        .bind(i64::from(beruecksichtigen))
        .execute(self.pool())
        .await?
        .rows_affected()
            == 1)
    }
}
