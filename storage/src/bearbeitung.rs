//! The case worker's side of a case: who handles it (Sachbearbeiter and deputy), internal
//! notes, and what the work list (Aufgaben) is made of, read across the tenant's cases.

use crate::antrag::{tag_aus, tag_text};
use crate::{Db, Millis, Result, Tx};
use chrono::NaiveDate;
use plankammer_domain::Role;
use plankammer_domain::aufgabe::AufgabenArt;
use serde::Serialize;
use sqlx::Row;

/// Rows each source of the work list contributes at most.
pub const JE_QUELLE: i64 = 200;

/// Who handles a case.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Zustaendigkeit {
    pub bearbeiter: Option<Person>,
    pub vertretung: Option<Person>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Person {
    pub id: i64,
    pub name: String,
}

/// An internal note on a case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Notiz {
    pub id: i64,
    pub vorgang_id: i64,
    pub text: String,
    pub user_id: i64,
    pub user_name: String,
    pub created_at: Millis,
}

/// One entry of the work list as stored facts; the procedure layer words it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AufgabenQuelle {
    pub art: AufgabenArt,
    pub vorgang_id: i64,
    pub aktenzeichen: Option<String>,
    pub bezeichnung: String,
    /// The Sachbearbeiter of the case, if assigned.
    pub bearbeiter: Option<String>,
    /// The deadline the task is bound to.
    pub frist: Option<NaiveDate>,
    /// When the event happened (submission, Stellungnahme, question, failure).
    pub seit: Option<Millis>,
    /// The Stelle concerned, the deadline's kind or the failed step.
    pub detail: String,
    /// The request (Beteiligung) or deadline the task is about, for the link.
    pub bezug_id: Option<i64>,
}

/// The case columns every source selects, with the Sachbearbeiter's name.
const FALL: &str =
    "v.id AS vid, v.aktenzeichen AS vaz, v.bezeichnung AS vbez, bu.display_name AS vbearbeiter";
const FALL_JOIN: &str =
    "JOIN vorgaenge v ON v.id = {V} LEFT JOIN users bu ON bu.id = v.bearbeiter_id";
/// `$1` tenant, `$2` the user for "meine Vorgänge" (0: everyone's), `$3` one case (0: all).
const FALL_FILTER: &str = "v.tenant_id = $1 AND ($2 = 0 OR v.bearbeiter_id = $2 OR v.vertretung_id = $2) \
     AND ($3 = 0 OR v.id = $3)";

/// A query of the work list with the case filter's three values bound ([`FALL_FILTER`]);
/// the caller binds its own from `$4` on.
fn fall_abfrage(
    sql: &str,
    tenant_id: i64,
    wer: i64,
    vorgang: i64,
) -> sqlx::query::Query<'_, sqlx::Any, sqlx::any::AnyArguments<'_>> {
    sqlx::query(sql).bind(tenant_id).bind(wer).bind(vorgang)
}

fn fall_join(spalte: &str) -> String {
    FALL_JOIN.replace("{V}", spalte)
}

fn quelle(
    r: &sqlx::any::AnyRow,
    art: AufgabenArt,
    frist: Option<NaiveDate>,
    seit: Option<Millis>,
    detail: String,
    bezug_id: Option<i64>,
) -> Result<AufgabenQuelle> {
    Ok(AufgabenQuelle {
        art,
        vorgang_id: r.try_get("vid")?,
        aktenzeichen: r.try_get("vaz")?,
        bezeichnung: r.try_get("vbez")?,
        bearbeiter: r.try_get("vbearbeiter")?,
        frist,
        seit,
        detail,
        bezug_id,
    })
}

impl Db {
    /// Who handles the case.
    pub async fn zustaendigkeit(&self, vorgang_id: i64) -> Result<Zustaendigkeit> {
        let r = sqlx::query(
            "SELECT b.id AS bid, b.display_name AS bname, w.id AS wid, w.display_name AS wname \
             FROM vorgaenge v LEFT JOIN users b ON b.id = v.bearbeiter_id \
             LEFT JOIN users w ON w.id = v.vertretung_id WHERE v.id = $1",
        )
        .bind(vorgang_id)
        .fetch_one(self.pool())
        .await?;
        let person = |id: Option<i64>, name: Option<String>| {
            id.map(|id| Person {
                id,
                name: name.unwrap_or_default(),
            })
        };
        Ok(Zustaendigkeit {
            bearbeiter: person(r.try_get("bid")?, r.try_get("bname")?),
            vertretung: person(r.try_get("wid")?, r.try_get("wname")?),
        })
    }

    /// Sets who handles the case; true when something changed.
    pub async fn setze_zustaendigkeit(
        conn: &mut Tx,
        vorgang_id: i64,
        bearbeiter: Option<i64>,
        vertretung: Option<i64>,
    ) -> Result<bool> {
        Ok(sqlx::query(
            "UPDATE vorgaenge SET bearbeiter_id = $2, vertretung_id = $3 \
             WHERE id = $1 AND (COALESCE(bearbeiter_id, 0) <> COALESCE($2, 0) \
             OR COALESCE(vertretung_id, 0) <> COALESCE($3, 0))",
        )
        .bind(vorgang_id)
        .bind(bearbeiter)
        .bind(vertretung)
        .execute(conn.c())
        .await?
        .rows_affected()
            == 1)
    }

    /// The tenant's active Bauaufsicht members, by name: who a case can be assigned to.
    pub async fn sachbearbeitende(&self, tenant_id: i64) -> Result<Vec<Person>> {
        let rows = sqlx::query(
            "SELECT u.id, u.display_name FROM memberships m JOIN users u ON u.id = m.user_id \
             WHERE m.tenant_id = $1 AND m.role = $2 AND u.disabled_at IS NULL \
             ORDER BY u.display_name, u.id",
        )
        .bind(tenant_id)
        .bind(Role::Bauaufsicht.code())
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| {
                Ok(Person {
                    id: r.try_get("id")?,
                    name: r.try_get("display_name")?,
                })
            })
            .collect()
    }

    /// The internal notes of a case, oldest first.
    pub async fn notizen(&self, vorgang_id: i64) -> Result<Vec<Notiz>> {
        let rows = sqlx::query(
            "SELECT n.id, n.vorgang_id, n.text, n.user_id, u.display_name, n.created_at \
             FROM notizen n JOIN users u ON u.id = n.user_id WHERE n.vorgang_id = $1 ORDER BY n.id",
        )
        .bind(vorgang_id)
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| {
                Ok(Notiz {
                    id: r.try_get("id")?,
                    vorgang_id: r.try_get("vorgang_id")?,
                    text: r.try_get("text")?,
                    user_id: r.try_get("user_id")?,
                    user_name: r.try_get("display_name")?,
                    created_at: r.try_get("created_at")?,
                })
            })
            .collect()
    }

    pub async fn lege_notiz_an(
        conn: &mut Tx,
        vorgang_id: i64,
        user_id: i64,
        text: &str,
        now: Millis,
    ) -> Result<i64> {
        Ok(sqlx::query_scalar(
            "INSERT INTO notizen (vorgang_id, text, user_id, created_at) VALUES ($1, $2, $3, $4) RETURNING id",
        )
        .bind(vorgang_id)
        .bind(text)
        .bind(user_id)
        .bind(now)
        .fetch_one(conn.c())
        .await?)
    }

    /// Marks the case's Stellungnahmen as seen by the Bauaufsicht; how many were new.
    pub async fn markiere_stellungnahmen_gesehen(
        &self,
        vorgang_id: i64,
        now: Millis,
    ) -> Result<u64> {
        Ok(sqlx::query(
            "UPDATE stellungnahmen SET gesehen_at = $2 WHERE gesehen_at IS NULL \
             AND beteiligung_id IN (SELECT id FROM beteiligungen WHERE vorgang_id = $1)",
        )
        .bind(vorgang_id)
        .bind(now)
        .execute(self.pool())
        .await?
        .rows_affected())
    }

    /// Everything on the tenant's cases that waits for the Bauaufsicht: new and answered
    /// applications, deadlines that are due or end by `bis` (the case's and each Stelle's),
    /// open Rückfragen, new and undecided late Stellungnahmen, and failed document jobs.
    /// `nur_fuer`: only cases this user handles or deputises. Unordered.
    pub async fn aufgaben_quellen(
        &self,
        tenant_id: i64,
        bis: NaiveDate,
        nur_fuer: Option<i64>,
        nur_vorgang: Option<i64>,
    ) -> Result<Vec<AufgabenQuelle>> {
        let wer = nur_fuer.unwrap_or(0);
        let vorgang = nur_vorgang.unwrap_or(0);
        let mut out = Vec::new();

        // Cases whose state waits for the Bauaufsicht: new and answered applications (the
        // formelle Prüfung), complete ones (the Beteiligung), those whose Stellen have all
        // answered (the Bescheid); each bound to the running decision deadline, if any.
        let rows = fall_abfrage(&format!(
            "SELECT {FALL}, v.zustand, v.eingereicht_at, v.updated_at, \
             (SELECT MIN(f.ende) FROM fristen f WHERE f.vorgang_id = v.id AND f.art = 'entscheidung' \
               AND f.zustand IN ('laeuft', 'faellig')) AS entscheidung_bis \
             FROM vorgaenge v LEFT JOIN users bu ON bu.id = v.bearbeiter_id WHERE {FALL_FILTER} \
             AND v.zustand IN ('eingegangen', 'nachgereicht', 'vollstaendig', 'beteiligung_abgeschlossen') \
             ORDER BY v.id LIMIT $4"
        ), tenant_id, wer, vorgang)
        .bind(JE_QUELLE)
        .fetch_all(self.pool())
        .await?;
        for r in &rows {
            let zustand: String = r.try_get("zustand")?;
            let (art, seit) = match zustand.as_str() {
                "nachgereicht" => (AufgabenArt::Nachreichung, r.try_get("updated_at")?),
                "vollstaendig" => (AufgabenArt::BeteiligungStarten, r.try_get("updated_at")?),
                "beteiligung_abgeschlossen" => {
                    (AufgabenArt::BescheidEntwerfen, r.try_get("updated_at")?)
                }
                _ => (AufgabenArt::NeuerAntrag, r.try_get("eingereicht_at")?),
            };
            let bis: Option<String> = r.try_get("entscheidung_bis")?;
            let bis = bis.map(|d| tag_aus("fristen.ende", &d)).transpose()?;
            out.push(quelle(r, art, bis, seit, String::new(), None)?);
        }

        // The case's own deadlines: due ones, and running ones that end by `bis`.
        let rows = fall_abfrage(&format!(
            "SELECT {FALL}, f.id AS fid, f.art, f.zustand, f.ende FROM fristen f {} \
             WHERE {FALL_FILTER} AND (f.zustand = 'faellig' OR (f.zustand = 'laeuft' AND f.ende <= $4)) \
             ORDER BY f.ende LIMIT $5",
            fall_join("f.vorgang_id")
        ), tenant_id, wer, vorgang)
        .bind(tag_text(bis))
        .bind(JE_QUELLE)
        .fetch_all(self.pool())
        .await?;
        for r in &rows {
            let zustand: String = r.try_get("zustand")?;
            let art_slug: String = r.try_get("art")?;
            let ende: String = r.try_get("ende")?;
            let art = if zustand == "faellig" {
                AufgabenArt::RuecknahmefiktionFaellig
            } else {
                AufgabenArt::FristEndet
            };
            out.push(quelle(
                r,
                art,
                Some(tag_aus("fristen.ende", &ende)?),
                None,
                art_slug,
                Some(r.try_get("fid")?),
            )?);
        }

        // Each Stelle's deadline that ends by `bis` while it has not answered.
        let rows = fall_abfrage(
            &format!(
                "SELECT {FALL}, b.id AS bid, b.ende, s.name AS stelle FROM beteiligungen b \
             JOIN stellen s ON s.id = b.stelle_id {} \
             WHERE {FALL_FILTER} AND b.zustand IN ('angefragt', 'in_bearbeitung', 'rueckfrage') \
             AND b.ende <= $4 ORDER BY b.ende LIMIT $5",
                fall_join("b.vorgang_id")
            ),
            tenant_id,
            wer,
            vorgang,
        )
        .bind(tag_text(bis))
        .bind(JE_QUELLE)
        .fetch_all(self.pool())
        .await?;
        for r in &rows {
            let ende: String = r.try_get("ende")?;
            out.push(quelle(
                r,
                AufgabenArt::StellenfristEndet,
                Some(tag_aus("beteiligungen.ende", &ende)?),
                None,
                r.try_get("stelle")?,
                Some(r.try_get("bid")?),
            )?);
        }

        // Open Rückfragen, bound to the Stelle's deadline while the request is open.
        let rows = fall_abfrage(&format!(
            "SELECT {FALL}, b.id AS bid, b.ende, b.zustand AS bzustand, s.name AS stelle, r.gestellt_at \
             FROM rueckfragen r JOIN beteiligungen b ON b.id = r.beteiligung_id \
             JOIN stellen s ON s.id = b.stelle_id {} \
             WHERE {FALL_FILTER} AND r.antwort IS NULL ORDER BY r.id LIMIT $4",
            fall_join("b.vorgang_id")
        ), tenant_id, wer, vorgang)
        .bind(JE_QUELLE)
        .fetch_all(self.pool())
        .await?;
        for r in &rows {
            let ende: String = r.try_get("ende")?;
            let bzustand: String = r.try_get("bzustand")?;
            let offen = matches!(
                bzustand.as_str(),
                "angefragt" | "in_bearbeitung" | "rueckfrage"
            );
            out.push(quelle(
                r,
                AufgabenArt::OffeneRueckfrage,
                offen
                    .then(|| tag_aus("beteiligungen.ende", &ende))
                    .transpose()?,
                r.try_get("gestellt_at")?,
                r.try_get("stelle")?,
                Some(r.try_get("bid")?),
            )?);
        }

        // Stellungnahmen not opened yet, and late ones not decided yet (the current one of
        // each chain: a superseded Stellungnahme is no longer a task).
        let rows = fall_abfrage(&format!(
            "SELECT {FALL}, b.id AS bid, s.name AS stelle, sn.created_at, sn.verspaetet, sn.beruecksichtigt, sn.gesehen_at \
             FROM stellungnahmen sn JOIN beteiligungen b ON b.id = sn.beteiligung_id \
             JOIN stellen s ON s.id = b.stelle_id {} \
             WHERE {FALL_FILTER} AND (sn.gesehen_at IS NULL OR (sn.verspaetet = 1 AND sn.beruecksichtigt IS NULL)) \
             AND NOT EXISTS (SELECT 1 FROM stellungnahmen n WHERE n.ersetzt_id = sn.id) \
             ORDER BY sn.id LIMIT $4",
            fall_join("b.vorgang_id")
        ), tenant_id, wer, vorgang)
        .bind(JE_QUELLE)
        .fetch_all(self.pool())
        .await?;
        for r in &rows {
            let verspaetet: i64 = r.try_get("verspaetet")?;
            let beruecksichtigt: Option<i64> = r.try_get("beruecksichtigt")?;
            let art = if verspaetet == 1 && beruecksichtigt.is_none() {
                AufgabenArt::VerspaeteteStellungnahme
            } else {
                AufgabenArt::NeueStellungnahme
            };
            out.push(quelle(
                r,
                art,
                None,
                r.try_get("created_at")?,
                r.try_get("stelle")?,
                Some(r.try_get("bid")?),
            )?);
        }

        // Document pipeline stages that failed for good on a submitted case.
        let rows = fall_abfrage(&format!(
            "SELECT {FALL}, ds.stufe, j.finished_at, dv.dateiname FROM dokument_stufen ds \
             JOIN jobs j ON j.id = ds.job_id JOIN dokument_versionen dv ON dv.id = ds.version_id {} \
             WHERE j.tenant_id = $1 AND j.state = 'failed' AND {FALL_FILTER} AND v.zustand <> 'entwurf' \
             ORDER BY j.id LIMIT $4",
            fall_join("dv.vorgang_id")
        ), tenant_id, wer, vorgang)
        .bind(JE_QUELLE)
        .fetch_all(self.pool())
        .await?;
        for r in &rows {
            let datei: String = r.try_get("dateiname")?;
            out.push(quelle(
                r,
                AufgabenArt::VerarbeitungFehlgeschlagen,
                None,
                r.try_get("finished_at")?,
                datei,
                None,
            )?);
        }
        Ok(out)
    }
}
