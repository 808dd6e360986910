//! The Antrag side of a case: procedure, state, Aktenzeichen and entered data; the
//! Bauherrschaft and its Freizeichnung; frozen Fassungen; the timeline; deadlines; the
//! Befunde of the formelle Prüfung; per-tenant checklists; the Bauaufsicht's inbox.
//!
//! State changes are compare-and-set on the stored state, so two people (or two workers)
//! acting on the same case cannot both move it: the second gets `Conflict`.

use crate::{Db, Konflikt, Millis, Result, StoreError, Tx};
use chrono::NaiveDate;
use plankammer_domain::aktenzeichen::{Aktenzeichen, AktenzeichenFormat};
use plankammer_domain::anlageart::Anlageart;
use plankammer_domain::antrag::Angaben;
use plankammer_domain::freizeichnung::{Freizeichnungsinhalt, GezeichneteUnterlage};
use plankammer_domain::frist::{FristArt, FristZustand};
use plankammer_domain::verfahren::Verfahrensart;
use plankammer_domain::vorgang::Zustand;
use plankammer_domain::zeitleiste::Eintragsart;
use serde::Serialize;
use sqlx::Row;

/// A case as the procedure knows it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Antrag {
    pub id: i64,
    pub tenant_id: i64,
    pub owner_user_id: i64,
    pub bezeichnung: String,
    /// A fresh draft may not have its procedure yet.
    pub verfahren: Option<Verfahrensart>,
    pub zustand: Zustand,
    pub aktenzeichen: Option<Aktenzeichen>,
    /// `None` until the applicant entered them.
    pub angaben: Option<Angaben>,
    pub gemeinde_ags: Option<String>,
    pub eingereicht_at: Option<Millis>,
    /// The last day of the case's earliest open deadline.
    pub naechste_frist: Option<NaiveDate>,
    pub created_at: Millis,
}

impl Antrag {
    /// The case as the document side knows it (no second read of the same row).
    pub fn vorgang(&self) -> crate::dokumente::Vorgang {
        crate::dokumente::Vorgang {
            id: self.id,
            tenant_id: self.tenant_id,
            owner_user_id: self.owner_user_id,
            bezeichnung: self.bezeichnung.clone(),
            created_at: self.created_at,
        }
    }
}

const ANTRAG_SPALTEN: &str = "id, tenant_id, owner_user_id, bezeichnung, verfahren, zustand, aktenzeichen, angaben, gemeinde_ags, eingereicht_at, naechste_frist, created_at";

/// A stored calendar day (`YYYY-MM-DD`).
pub(crate) fn tag_aus(spalte: &str, s: &str) -> Result<NaiveDate> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .map_err(|e| StoreError::Corrupt(format!("{spalte}: {s:?}: {e}")))
}

/// How a calendar day is stored.
pub(crate) fn tag_text(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

/// A stored code of a domain enum.
pub(crate) fn code_aus<T>(spalte: &str, s: &str, parse: impl Fn(&str) -> Option<T>) -> Result<T> {
    parse(s).ok_or_else(|| StoreError::Corrupt(format!("{spalte}: unknown code {s:?}")))
}

fn antrag_aus(r: &sqlx::any::AnyRow) -> Result<Antrag> {
    let angaben: String = r.try_get("angaben")?;
    let angaben: serde_json::Value = serde_json::from_str(&angaben)
        .map_err(|e| StoreError::Corrupt(format!("vorgaenge.angaben: {e}")))?;
    // A draft's Angaben start as `{}`.
    let angaben = if angaben.get("bauvorhaben").is_some() {
        Some(
            serde_json::from_value(angaben)
                .map_err(|e| StoreError::Corrupt(format!("vorgaenge.angaben: {e}")))?,
        )
    } else {
        None
    };
    let verfahren: Option<String> = r.try_get("verfahren")?;
    let zustand: String = r.try_get("zustand")?;
    let aktenzeichen: Option<String> = r.try_get("aktenzeichen")?;
    let naechste_frist: Option<String> = r.try_get("naechste_frist")?;
    Ok(Antrag {
        id: r.try_get("id")?,
        tenant_id: r.try_get("tenant_id")?,
        owner_user_id: r.try_get("owner_user_id")?,
        bezeichnung: r.try_get("bezeichnung")?,
        verfahren: verfahren
            .map(|v| code_aus("vorgaenge.verfahren", &v, Verfahrensart::from_slug))
            .transpose()?,
        zustand: code_aus("vorgaenge.zustand", &zustand, Zustand::from_slug)?,
        aktenzeichen: aktenzeichen
            .map(|a| {
                Aktenzeichen::parse(&a)
                    .map_err(|e| StoreError::Corrupt(format!("vorgaenge.aktenzeichen: {e}")))
            })
            .transpose()?,
        angaben,
        gemeinde_ags: r.try_get("gemeinde_ags")?,
        eingereicht_at: r.try_get("eingereicht_at")?,
        naechste_frist: naechste_frist
            .map(|d| tag_aus("vorgaenge.naechste_frist", &d))
            .transpose()?,
        created_at: r.try_get("created_at")?,
    })
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Beteiligter {
    pub id: i64,
    pub vorgang_id: i64,
    pub rolle: String,
    pub email: String,
    pub name: String,
    pub user_id: Option<i64>,
    pub eingeladen_at: Millis,
    pub angenommen_at: Option<Millis>,
    pub freigezeichnet_at: Option<Millis>,
    /// What the last Freizeichnung covered (`None`: not signed, or signed before the
    /// Freizeichnung recorded its content — such a one binds to nothing and holds no more).
    pub freizeichnung: Option<Freizeichnungsinhalt>,
    /// SHA-256 of the binding part of [`Beteiligter::freizeichnung`].
    pub freizeichnung_sha256: Option<String>,
    /// When a later change invalidated the last Freizeichnung.
    pub freizeichnung_ungueltig_at: Option<Millis>,
}

fn beteiligter_aus(r: &sqlx::any::AnyRow) -> Result<Beteiligter> {
    Ok(Beteiligter {
        id: r.try_get("id")?,
        vorgang_id: r.try_get("vorgang_id")?,
        rolle: r.try_get("rolle")?,
        email: r.try_get("email")?,
        name: r.try_get("name")?,
        user_id: r.try_get("user_id")?,
        eingeladen_at: r.try_get("eingeladen_at")?,
        angenommen_at: r.try_get("angenommen_at")?,
        freigezeichnet_at: r.try_get("freigezeichnet_at")?,
        freizeichnung: match r.try_get::<Option<String>, _>("freizeichnung_inhalt")? {
            None => None,
            Some(j) => Some(Freizeichnungsinhalt::aus_json(&j).ok_or_else(|| {
                StoreError::Corrupt("beteiligte.freizeichnung_inhalt: not a Freizeichnung".into())
            })?),
        },
        freizeichnung_sha256: r.try_get("freizeichnung_sha256")?,
        freizeichnung_ungueltig_at: r.try_get("freizeichnung_ungueltig_at")?,
    })
}

/// The current Bauvorlagen with their newest versions (the same set a Fassung freezes).
const UNTERLAGENSTAND: &str = "SELECT d.id AS dokument_id, v.id AS version_id, v.sha256, d.anlageart, d.bezeichnung \
     FROM dokumente d JOIN dokument_versionen v ON v.dokument_id = d.id \
     WHERE d.vorgang_id = $1 AND d.entfernt_at IS NULL AND d.beteiligung_id IS NULL \
     AND v.nummer = (SELECT MAX(w.nummer) FROM dokument_versionen w WHERE w.dokument_id = d.id) \
     ORDER BY d.id";

fn unterlage_aus(r: &sqlx::any::AnyRow) -> Result<GezeichneteUnterlage> {
    Ok(GezeichneteUnterlage {
        dokument_id: r.try_get("dokument_id")?,
        version_id: r.try_get("version_id")?,
        sha256: r.try_get("sha256")?,
        anlageart: r.try_get("anlageart")?,
        bezeichnung: r.try_get("bezeichnung")?,
    })
}

const BETEILIGTE_SPALTEN: &str = "id, vorgang_id, rolle, email, name, user_id, eingeladen_at, angenommen_at, freigezeichnet_at, \
     freizeichnung_inhalt, freizeichnung_sha256, freizeichnung_ungueltig_at";

/// One entry of the timeline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Ereignis {
    pub id: i64,
    pub vorgang_id: i64,
    pub at: Millis,
    pub user_id: Option<i64>,
    pub user_name: Option<String>,
    pub art: Eintragsart,
    /// The state the case moved to, for entries of a state change.
    pub zustand: Option<Zustand>,
    /// Its `statusbauportal_3.0` code.
    pub status_code: Option<String>,
    pub text: String,
}

/// What to write to the timeline.
#[derive(Debug, Clone)]
pub struct NeuesEreignis<'a> {
    pub vorgang_id: i64,
    pub user_id: Option<i64>,
    pub art: Eintragsart,
    pub zustand: Option<Zustand>,
    pub status_code: Option<&'a str>,
    pub text: &'a str,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Frist {
    pub id: i64,
    pub vorgang_id: i64,
    pub art: FristArt,
    pub rechtsgrundlage: String,
    /// Berlin calendar days: the triggering day (not counted) and the last day.
    pub start: NaiveDate,
    pub ende: NaiveDate,
    pub erklaerung: String,
    pub zustand: FristZustand,
    pub created_at: Millis,
    pub geaendert_at: Millis,
}

const FRIST_SPALTEN: &str = "id, vorgang_id, art, rechtsgrundlage, start, ende, erklaerung, zustand, created_at, geaendert_at";

fn frist_aus(r: &sqlx::any::AnyRow) -> Result<Frist> {
    let art: String = r.try_get("art")?;
    let zustand: String = r.try_get("zustand")?;
    let start: String = r.try_get("start")?;
    let ende: String = r.try_get("ende")?;
    Ok(Frist {
        id: r.try_get("id")?,
        vorgang_id: r.try_get("vorgang_id")?,
        art: code_aus("fristen.art", &art, FristArt::from_slug)?,
        rechtsgrundlage: r.try_get("rechtsgrundlage")?,
        start: tag_aus("fristen.start", &start)?,
        ende: tag_aus("fristen.ende", &ende)?,
        erklaerung: r.try_get("erklaerung")?,
        zustand: code_aus("fristen.zustand", &zustand, FristZustand::from_slug)?,
        created_at: r.try_get("created_at")?,
        geaendert_at: r.try_get("geaendert_at")?,
    })
}

#[derive(Debug, Clone)]
pub struct NeueFrist<'a> {
    pub vorgang_id: i64,
    pub art: FristArt,
    pub rechtsgrundlage: &'a str,
    pub start: NaiveDate,
    pub ende: NaiveDate,
    pub erklaerung: &'a str,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Befund {
    pub id: i64,
    pub runde: i64,
    pub code: String,
    pub text: String,
    pub dokument_id: Option<i64>,
    pub created_at: Millis,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Fassung {
    pub id: i64,
    pub nummer: i64,
    pub created_at: Millis,
    pub created_by: i64,
}

/// One document of a Fassung, in the version frozen there.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FassungsDokument {
    pub dokument_id: i64,
    pub bezeichnung: String,
    pub anlageart: Option<Anlageart>,
    pub version_id: i64,
    pub version_nummer: i64,
    pub sha256: String,
    pub dateiname: String,
}

/// An open deadline of a tenant with its case (the Bauaufsicht's deadline overview).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OffeneFrist {
    pub frist: Frist,
    pub aktenzeichen: Option<Aktenzeichen>,
    pub bezeichnung: String,
    pub verfahren: Option<Verfahrensart>,
    /// How often the case's decision deadline was extended already.
    pub verlaengerungen: i64,
}

/// Filters of the Bauaufsicht's inbox.
#[derive(Debug, Clone, Default)]
pub struct EingangsFilter {
    pub zustand: Option<Zustand>,
    pub verfahren: Option<Verfahrensart>,
    pub gemeinde_ags: Option<String>,
    /// Only cases with a running deadline ending on or before this day.
    pub frist_bis: Option<NaiveDate>,
    /// Keyset paging: only cases with an id below this one.
    pub vor_id: Option<i64>,
    /// "Meine Vorgänge": only cases this user handles or deputises.
    pub bearbeitet_von: Option<i64>,
    pub limit: i64,
}

impl Db {
    pub async fn antrag(&self, id: i64) -> Result<Antrag> {
        let r = sqlx::query(&format!(
            "SELECT {ANTRAG_SPALTEN} FROM vorgaenge WHERE id = $1"
        ))
        .bind(id)
        .fetch_optional(self.pool())
        .await?
        .ok_or(StoreError::NotFound)?;
        antrag_aus(&r)
    }

    /// [`Db::antrag`] read through the caller's transaction.
    pub async fn antrag_in(tx: &mut Tx, id: i64) -> Result<Antrag> {
        let r = sqlx::query(&format!(
            "SELECT {ANTRAG_SPALTEN} FROM vorgaenge WHERE id = $1"
        ))
        .bind(id)
        .fetch_optional(tx.c())
        .await?
        .ok_or(StoreError::NotFound)?;
        antrag_aus(&r)
    }

    /// Stores the entered data of a case that is still a draft (the Gemeinde's AGS is
    /// kept in a column of its own for the inbox filter).
    pub async fn setze_angaben(
        tx: &mut Tx,
        id: i64,
        bezeichnung: &str,
        verfahren: Verfahrensart,
        angaben: &Angaben,
        now: Millis,
    ) -> Result<()> {
        let json = serde_json::to_string(angaben)
            .map_err(|e| StoreError::Corrupt(format!("angaben: {e}")))?;
        let n = sqlx::query(
            "UPDATE vorgaenge SET bezeichnung = $2, verfahren = $3, angaben = $4, gemeinde_ags = $5, updated_at = $6 \
             WHERE id = $1 AND zustand = 'entwurf'",
        )
        .bind(id)
        .bind(bezeichnung)
        .bind(verfahren.slug())
        .bind(json)
        .bind(angaben.grundstueck.gemeinde_ags.as_str())
        .bind(now)
        .execute(tx.c())
        .await?
        .rows_affected();
        if n == 1 {
            Ok(())
        } else {
            Err(StoreError::Konflikt(Konflikt::VorgangNichtImEntwurf))
        }
    }

    /// Locks the case row for the rest of the caller's transaction (a harmless self-update)
    /// and returns the case's state as of now. Transactions that decide something about the
    /// case as a whole from several rows (is this the last open request? was the deadline
    /// extended before?) take this lock first, so on PostgreSQL a second such transaction
    /// waits for the first to commit and then sees its changes; on SQLite the write lock
    /// does the same. `NotFound` if there is no such case.
    pub async fn sperre_vorgang(conn: &mut Tx, id: i64) -> Result<Zustand> {
        let z: String = sqlx::query_scalar(
            "UPDATE vorgaenge SET updated_at = updated_at WHERE id = $1 RETURNING zustand",
        )
        .bind(id)
        .fetch_optional(conn.c())
        .await?
        .ok_or(StoreError::NotFound)?;
        code_aus("vorgaenge.zustand", &z, Zustand::from_slug)
    }

    /// Moves a case from `von` to `nach`, in the caller's transaction; `Conflict` when the
    /// case is no longer in `von` (someone else moved it first).
    pub async fn wechsle_zustand(
        conn: &mut Tx,
        id: i64,
        von: Zustand,
        nach: Zustand,
        now: Millis,
    ) -> Result<()> {
        let n = sqlx::query(
            "UPDATE vorgaenge SET zustand = $3, updated_at = $4 WHERE id = $1 AND zustand = $2",
        )
        .bind(id)
        .bind(von.slug())
        .bind(nach.slug())
        .bind(now)
        .execute(conn.c())
        .await?
        .rows_affected();
        if n == 1 {
            // A decided or ended case has no Stellen deadlines that matter any more.
            Self::aktualisiere_naechste_frist(conn, id).await
        } else {
            Err(StoreError::Konflikt(Konflikt::ZustandGeaendert))
        }
    }

    /// Takes the next Aktenzeichen number of a tenant and year (never given back) and
    /// returns the Aktenzeichen in the tenant's format.
    pub async fn naechstes_aktenzeichen(
        conn: &mut Tx,
        tenant_id: i64,
        jahr: i64,
    ) -> Result<Aktenzeichen> {
        let nummer: i64 = sqlx::query_scalar(
            "INSERT INTO aktenzeichen_zaehler (tenant_id, jahr, letzte) VALUES ($1, $2, 1) \
             ON CONFLICT (tenant_id, jahr) DO UPDATE SET letzte = aktenzeichen_zaehler.letzte + 1 \
             RETURNING letzte",
        )
        .bind(tenant_id)
        .bind(jahr)
        .fetch_one(conn.c())
        .await?;
        let r = sqlx::query(
            "SELECT aktenzeichen_format, aktenzeichen_kuerzel FROM tenants WHERE id = $1",
        )
        .bind(tenant_id)
        .fetch_one(conn.c())
        .await?;
        let format = format_aus(&r)?;
        Ok(format.bilde(jahr, nummer))
    }

    /// The tenant's Aktenzeichen format.
    pub async fn aktenzeichen_format(&self, tenant_id: i64) -> Result<AktenzeichenFormat> {
        let r = sqlx::query(
            "SELECT aktenzeichen_format, aktenzeichen_kuerzel FROM tenants WHERE id = $1",
        )
        .bind(tenant_id)
        .fetch_optional(self.pool())
        .await?
        .ok_or(StoreError::NotFound)?;
        format_aus(&r)
    }

    /// The number the next submission of this year would get; reads the counter without
    /// taking a number.
    pub async fn naechste_aktenzeichen_nummer(&self, tenant_id: i64, jahr: i64) -> Result<i64> {
        let letzte: Option<i64> = sqlx::query_scalar(
            "SELECT letzte FROM aktenzeichen_zaehler WHERE tenant_id = $1 AND jahr = $2",
        )
        .bind(tenant_id)
        .bind(jahr)
        .fetch_optional(self.pool())
        .await?;
        Ok(letzte.unwrap_or(0) + 1)
    }

    pub async fn setze_aktenzeichen_format(
        &self,
        tenant_id: i64,
        format: &AktenzeichenFormat,
    ) -> Result<()> {
        let (format, kuerzel) = (format.format(), format.kuerzel());
        sqlx::query(
            "UPDATE tenants SET aktenzeichen_format = $2, aktenzeichen_kuerzel = $3 WHERE id = $1",
        )
        .bind(tenant_id)
        .bind(format)
        .bind(kuerzel)
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// Marks a case as submitted with its Aktenzeichen, in the caller's transaction.
    pub async fn setze_eingereicht(
        conn: &mut Tx,
        id: i64,
        aktenzeichen: &Aktenzeichen,
        now: Millis,
    ) -> Result<()> {
        sqlx::query("UPDATE vorgaenge SET aktenzeichen = $2, eingereicht_at = $3 WHERE id = $1")
            .bind(id)
            .bind(aktenzeichen.as_str())
            .bind(now)
            .execute(conn.c())
            .await
            .map_err(|e| StoreError::on_unique(e, Konflikt::AktenzeichenVergeben))?;
        Ok(())
    }

    /// Freezes the current set (every Bauvorlage not withdrawn, in its newest version) as the
    /// next Fassung; a Stelle's attachments are not part of it. Returns its number.
    pub async fn friere_fassung(
        conn: &mut Tx,
        vorgang_id: i64,
        user_id: i64,
        now: Millis,
    ) -> Result<Fassung> {
        let nummer: i64 = sqlx::query_scalar(
            "SELECT CAST(COALESCE(MAX(nummer), 0) + 1 AS BIGINT) FROM fassungen WHERE vorgang_id = $1",
        )
        .bind(vorgang_id)
        .fetch_one(conn.c())
        .await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO fassungen (vorgang_id, nummer, created_at, created_by) VALUES ($1, $2, $3, $4) RETURNING id",
        )
        .bind(vorgang_id)
        .bind(nummer)
        .bind(now)
        .bind(user_id)
        .fetch_one(conn.c())
        .await
        .map_err(|e| StoreError::on_unique(e, Konflikt::FassungVergeben))?;
        sqlx::query(
            "INSERT INTO fassung_dokumente (fassung_id, dokument_id, version_id) \
             SELECT $1, d.id, (SELECT v.id FROM dokument_versionen v WHERE v.dokument_id = d.id ORDER BY v.nummer DESC LIMIT 1) \
             FROM dokumente d WHERE d.vorgang_id = $2 AND d.entfernt_at IS NULL AND d.beteiligung_id IS NULL \
             AND EXISTS (SELECT 1 FROM dokument_versionen v WHERE v.dokument_id = d.id)",
        )
        .bind(id)
        .bind(vorgang_id)
        .execute(conn.c())
        .await?;
        Ok(Fassung {
            id,
            nummer,
            created_at: now,
            created_by: user_id,
        })
    }

    pub async fn fassungen(&self, vorgang_id: i64) -> Result<Vec<Fassung>> {
        let rows = sqlx::query(
            "SELECT id, nummer, created_at, created_by FROM fassungen WHERE vorgang_id = $1 ORDER BY nummer",
        )
        .bind(vorgang_id)
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| {
                Ok(Fassung {
                    id: r.try_get("id")?,
                    nummer: r.try_get("nummer")?,
                    created_at: r.try_get("created_at")?,
                    created_by: r.try_get("created_by")?,
                })
            })
            .collect()
    }

    pub async fn fassung_dokumente(&self, fassung_id: i64) -> Result<Vec<FassungsDokument>> {
        let rows = sqlx::query(
            "SELECT fd.dokument_id, d.bezeichnung, d.anlageart, fd.version_id, v.nummer AS version_nummer, v.sha256, v.dateiname \
             FROM fassung_dokumente fd JOIN dokumente d ON d.id = fd.dokument_id \
             JOIN dokument_versionen v ON v.id = fd.version_id \
             WHERE fd.fassung_id = $1 AND d.beteiligung_id IS NULL ORDER BY fd.dokument_id",
        )
        .bind(fassung_id)
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| {
                Ok(FassungsDokument {
                    dokument_id: r.try_get("dokument_id")?,
                    bezeichnung: r.try_get("bezeichnung")?,
                    anlageart: anlageart_aus(r.try_get("anlageart")?)?,
                    version_id: r.try_get("version_id")?,
                    version_nummer: r.try_get("version_nummer")?,
                    sha256: r.try_get("sha256")?,
                    dateiname: r.try_get("dateiname")?,
                })
            })
            .collect()
    }

    /// Withdraws a document from the current set (in the caller's transaction, with its
    /// timeline entry); earlier Fassungen keep it. False when it was withdrawn before.
    pub async fn entferne_dokument(tx: &mut Tx, dokument_id: i64, now: Millis) -> Result<bool> {
        Ok(sqlx::query(
            "UPDATE dokumente SET entfernt_at = $2 WHERE id = $1 AND entfernt_at IS NULL",
        )
        .bind(dokument_id)
        .bind(now)
        .execute(tx.c())
        .await?
        .rows_affected()
            == 1)
    }

    /// Ids of the documents of a case withdrawn from its current set.
    pub async fn entfernte_dokumente(
        &self,
        vorgang_id: i64,
    ) -> Result<std::collections::HashSet<i64>> {
        let ids: Vec<i64> = sqlx::query_scalar(
            "SELECT id FROM dokumente WHERE vorgang_id = $1 AND entfernt_at IS NOT NULL",
        )
        .bind(vorgang_id)
        .fetch_all(self.pool())
        .await?;
        Ok(ids.into_iter().collect())
    }

    // --- Beteiligte (Bauherrschaft) ---------------------------------------------------

    /// Records an invitation in the caller's transaction (with its mail).
    /// How many invitations a case and its owner sent, in the caller's transaction (after
    /// [`Db::sperre_vorgang`] and [`Db::sperre_person`], so parallel invitations count each
    /// other): open ones of the case, the case's since `seit`, the owner's (all cases) since
    /// `seit`.
    pub async fn einladungen_gezaehlt(
        conn: &mut Tx,
        vorgang_id: i64,
        owner_user_id: i64,
        seit: Millis,
    ) -> Result<(i64, i64, i64)> {
        let offen: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM beteiligte WHERE vorgang_id = $1 AND angenommen_at IS NULL",
        )
        .bind(vorgang_id)
        .fetch_one(conn.c())
        .await?;
        let im_vorgang: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM beteiligte WHERE vorgang_id = $1 AND eingeladen_at > $2",
        )
        .bind(vorgang_id)
        .bind(seit)
        .fetch_one(conn.c())
        .await?;
        let vom_absender: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM beteiligte b JOIN vorgaenge v ON v.id = b.vorgang_id \
             WHERE v.owner_user_id = $1 AND b.eingeladen_at > $2",
        )
        .bind(owner_user_id)
        .bind(seit)
        .fetch_one(conn.c())
        .await?;
        Ok((offen, im_vorgang, vom_absender))
    }

    /// Serialises the caller's transaction with every other that takes this person's lock
    /// (an advisory lock on PostgreSQL; SQLite has one writer anyway): for limits that count
    /// a person's actions across cases.
    pub async fn sperre_person(conn: &mut Tx, backend: crate::Backend, user_id: i64) -> Result<()> {
        if backend == crate::Backend::Postgres {
            sqlx::query("SELECT pg_advisory_xact_lock(7, CAST($1 AS INTEGER))")
                .bind(user_id)
                .execute(conn.c())
                .await?;
        }
        Ok(())
    }

    pub async fn lade_beteiligten_ein(
        conn: &mut Tx,
        vorgang_id: i64,
        email: &str,
        name: &str,
        einladung_hash: &str,
        now: Millis,
    ) -> Result<i64> {
        sqlx::query_scalar(
            "INSERT INTO beteiligte (vorgang_id, rolle, email, name, einladung_hash, eingeladen_at) \
             VALUES ($1, 'bauherrschaft', $2, $3, $4, $5) RETURNING id",
        )
        .bind(vorgang_id)
        .bind(email)
        .bind(name)
        .bind(einladung_hash)
        .bind(now)
        .fetch_one(conn.c())
        .await
        .map_err(|e| StoreError::on_unique(e, Konflikt::BeteiligterVorhanden))
    }

    pub async fn beteiligte(&self, vorgang_id: i64) -> Result<Vec<Beteiligter>> {
        let rows = sqlx::query(&format!(
            "SELECT {BETEILIGTE_SPALTEN} FROM beteiligte WHERE vorgang_id = $1 ORDER BY id"
        ))
        .bind(vorgang_id)
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(beteiligter_aus).collect()
    }

    pub async fn beteiligter_per_einladung(&self, einladung_hash: &str) -> Result<Beteiligter> {
        let r = sqlx::query(&format!(
            "SELECT {BETEILIGTE_SPALTEN} FROM beteiligte WHERE einladung_hash = $1"
        ))
        .bind(einladung_hash)
        .fetch_optional(self.pool())
        .await?
        .ok_or(StoreError::NotFound)?;
        beteiligter_aus(&r)
    }

    /// Binds an invitation to the user who accepted it; the secret is used up.
    pub async fn nimm_einladung_an(
        conn: &mut Tx,
        beteiligter_id: i64,
        user_id: i64,
        now: Millis,
    ) -> Result<()> {
        let n = sqlx::query(
            "UPDATE beteiligte SET user_id = $2, angenommen_at = $3, einladung_hash = NULL \
             WHERE id = $1 AND angenommen_at IS NULL",
        )
        .bind(beteiligter_id)
        .bind(user_id)
        .bind(now)
        .execute(conn.c())
        .await?
        .rows_affected();
        if n == 1 {
            Ok(())
        } else {
            Err(StoreError::Konflikt(Konflikt::EinladungAngenommen))
        }
    }

    /// [`Db::beteiligte`] read through the caller's transaction.
    pub async fn beteiligte_in(conn: &mut Tx, vorgang_id: i64) -> Result<Vec<Beteiligter>> {
        let rows = sqlx::query(&format!(
            "SELECT {BETEILIGTE_SPALTEN} FROM beteiligte WHERE vorgang_id = $1 ORDER BY id"
        ))
        .bind(vorgang_id)
        .fetch_all(conn.c())
        .await?;
        rows.iter().map(beteiligter_aus).collect()
    }

    /// Records the Bauherrschaft's Freizeichnung of `inhalt` (whose binding part hashes to
    /// `sha256`): the first, or a new one after a change invalidated the last. Signing the
    /// same content twice while it holds is `SchonFreigezeichnet`.
    pub async fn zeichne_frei(
        conn: &mut Tx,
        vorgang_id: i64,
        user_id: i64,
        inhalt: &Freizeichnungsinhalt,
        sha256: &str,
        now: Millis,
    ) -> Result<()> {
        let n = sqlx::query(
            "UPDATE beteiligte SET freigezeichnet_at = $3, freizeichnung_inhalt = $4, \
             freizeichnung_sha256 = $5, freizeichnung_ungueltig_at = NULL \
             WHERE vorgang_id = $1 AND user_id = $2 AND (freigezeichnet_at IS NULL \
             OR freizeichnung_ungueltig_at IS NOT NULL OR freizeichnung_sha256 IS NULL \
             OR freizeichnung_sha256 <> $5)",
        )
        .bind(vorgang_id)
        .bind(user_id)
        .bind(now)
        .bind(inhalt.json())
        .bind(sha256)
        .execute(conn.c())
        .await?
        .rows_affected();
        if n == 1 {
            Ok(())
        } else {
            Err(StoreError::Konflikt(Konflikt::SchonFreigezeichnet))
        }
    }

    /// Marks the Freizeichnung `sha256` of a participant invalid; `false` if it was marked
    /// already or replaced meanwhile (so whoever gets `true` sends the mails, once).
    pub async fn entwerte_freizeichnung(
        conn: &mut Tx,
        beteiligter_id: i64,
        sha256: &str,
        now: Millis,
    ) -> Result<bool> {
        let n = sqlx::query(
            "UPDATE beteiligte SET freizeichnung_ungueltig_at = $3 \
             WHERE id = $1 AND freizeichnung_sha256 = $2 AND freizeichnung_ungueltig_at IS NULL",
        )
        .bind(beteiligter_id)
        .bind(sha256)
        .bind(now)
        .execute(conn.c())
        .await?
        .rows_affected();
        Ok(n == 1)
    }

    /// The current Bauvorlagen of a case as a Freizeichnung covers them: every document not
    /// withdrawn and not a Stelle's attachment, with its newest version and its content hash.
    pub async fn unterlagenstand(&self, vorgang_id: i64) -> Result<Vec<GezeichneteUnterlage>> {
        let rows = sqlx::query(UNTERLAGENSTAND)
            .bind(vorgang_id)
            .fetch_all(self.pool())
            .await?;
        rows.iter().map(unterlage_aus).collect()
    }

    /// [`Db::unterlagenstand`] read through the caller's transaction.
    pub async fn unterlagenstand_in(
        conn: &mut Tx,
        vorgang_id: i64,
    ) -> Result<Vec<GezeichneteUnterlage>> {
        let rows = sqlx::query(UNTERLAGENSTAND)
            .bind(vorgang_id)
            .fetch_all(conn.c())
            .await?;
        rows.iter().map(unterlage_aus).collect()
    }

    /// Cases a user takes part in without owning them.
    pub async fn vorgaenge_als_beteiligter(&self, user_id: i64) -> Result<Vec<Antrag>> {
        let rows = sqlx::query(&format!(
            "SELECT {} FROM vorgaenge WHERE id IN (SELECT vorgang_id FROM beteiligte WHERE user_id = $1) ORDER BY id DESC",
            ANTRAG_SPALTEN
        ))
        .bind(user_id)
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(antrag_aus).collect()
    }

    /// An applicant's cases in a tenant: those they own and those they take part in as the
    /// Bauherrschaft that accepted, newest first, one page (keyset: ids below `vor_id`).
    pub async fn vorgaenge_des_antragstellers(
        &self,
        tenant_id: i64,
        user_id: i64,
        vor_id: Option<i64>,
        limit: i64,
    ) -> Result<Vec<Antrag>> {
        let rows = sqlx::query(&format!(
            "SELECT {ANTRAG_SPALTEN} FROM vorgaenge WHERE tenant_id = $1 AND id < $3 AND (owner_user_id = $2 \
             OR id IN (SELECT vorgang_id FROM beteiligte WHERE user_id = $2 AND angenommen_at IS NOT NULL)) \
             ORDER BY id DESC LIMIT $4"
        ))
        .bind(tenant_id)
        .bind(user_id)
        .bind(vor_id.unwrap_or(i64::MAX))
        .bind(limit)
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(antrag_aus).collect()
    }

    // --- Timeline -----------------------------------------------------------------------

    pub async fn ereignis(conn: &mut Tx, e: &NeuesEreignis<'_>, now: Millis) -> Result<i64> {
        Ok(sqlx::query_scalar(
            "INSERT INTO ereignisse (vorgang_id, at, user_id, art, zustand, status_code, text) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
        )
        .bind(e.vorgang_id)
        .bind(now)
        .bind(e.user_id)
        .bind(e.art.slug())
        .bind(e.zustand.map(Zustand::slug))
        .bind(e.status_code)
        .bind(e.text)
        .fetch_one(conn.c())
        .await?)
    }

    pub async fn ereignisse(&self, vorgang_id: i64) -> Result<Vec<Ereignis>> {
        let rows = sqlx::query(
            "SELECT e.id, e.vorgang_id, e.at, e.user_id, u.display_name, e.art, e.zustand, e.status_code, e.text \
             FROM ereignisse e LEFT JOIN users u ON u.id = e.user_id WHERE e.vorgang_id = $1 ORDER BY e.id",
        )
        .bind(vorgang_id)
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| {
                let art: String = r.try_get("art")?;
                let zustand: Option<String> = r.try_get("zustand")?;
                Ok(Ereignis {
                    id: r.try_get("id")?,
                    vorgang_id: r.try_get("vorgang_id")?,
                    at: r.try_get("at")?,
                    user_id: r.try_get("user_id")?,
                    user_name: r.try_get("display_name")?,
                    art: code_aus("ereignisse.art", &art, Eintragsart::from_slug)?,
                    zustand: zustand
                        .map(|z| code_aus("ereignisse.zustand", &z, Zustand::from_slug))
                        .transpose()?,
                    status_code: r.try_get("status_code")?,
                    text: r.try_get("text")?,
                })
            })
            .collect()
    }

    // --- Fristen ------------------------------------------------------------------------

    pub async fn lege_frist_an(conn: &mut Tx, f: &NeueFrist<'_>, now: Millis) -> Result<i64> {
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO fristen (vorgang_id, art, rechtsgrundlage, start, ende, erklaerung, zustand, created_at, geaendert_at) \
             VALUES ($1, $2, $3, $4, $5, $6, 'laeuft', $7, $7) RETURNING id",
        )
        .bind(f.vorgang_id)
        .bind(f.art.slug())
        .bind(f.rechtsgrundlage)
        .bind(tag_text(f.start))
        .bind(tag_text(f.ende))
        .bind(f.erklaerung)
        .bind(now)
        .fetch_one(conn.c())
        .await?;
        Self::aktualisiere_naechste_frist(conn, f.vorgang_id).await?;
        Ok(id)
    }

    /// The case's next deadline for the inbox: the earliest open one of its own (Nachforderung,
    /// decision) and, while the case is undecided, of the Stellen it asked. Called by every
    /// change of either and of the case's state.
    pub(crate) async fn aktualisiere_naechste_frist(conn: &mut Tx, vorgang_id: i64) -> Result<()> {
        sqlx::query(
            "UPDATE vorgaenge SET naechste_frist = (SELECT MIN(e) FROM ( \
               SELECT ende AS e FROM fristen WHERE vorgang_id = $1 AND zustand IN ('laeuft', 'faellig') \
               UNION ALL SELECT b.ende AS e FROM beteiligungen b JOIN vorgaenge v ON v.id = b.vorgang_id \
                 WHERE b.vorgang_id = $1 AND b.zustand IN ('angefragt', 'in_bearbeitung', 'rueckfrage') \
                 AND v.zustand IN ('vollstaendig', 'beteiligung', 'beteiligung_abgeschlossen')) AS alle) \
             WHERE id = $1",
        )
        .bind(vorgang_id)
        .execute(conn.c())
        .await?;
        Ok(())
    }

    pub async fn fristen(&self, vorgang_id: i64) -> Result<Vec<Frist>> {
        let rows = sqlx::query(&format!(
            "SELECT {FRIST_SPALTEN} FROM fristen WHERE vorgang_id = $1 ORDER BY id"
        ))
        .bind(vorgang_id)
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(frist_aus).collect()
    }

    pub async fn frist(&self, id: i64) -> Result<Frist> {
        let r = sqlx::query(&format!(
            "SELECT {FRIST_SPALTEN} FROM fristen WHERE id = $1"
        ))
        .bind(id)
        .fetch_optional(self.pool())
        .await?
        .ok_or(StoreError::NotFound)?;
        frist_aus(&r)
    }

    /// Running deadlines of one kind whose last day is before `heute` (`YYYY-MM-DD`): they
    /// have passed. One kind at a time, so passed decision deadlines cannot crowd passed
    /// Nachforderung deadlines out of a page.
    pub async fn abgelaufene_fristen(
        &self,
        art: FristArt,
        heute: NaiveDate,
        limit: i64,
    ) -> Result<Vec<Frist>> {
        let rows = sqlx::query(&format!(
            "SELECT {FRIST_SPALTEN} FROM fristen WHERE zustand = 'laeuft' AND art = $1 AND ende < $2 ORDER BY ende, id LIMIT $3"
        ))
        .bind(art.slug())
        .bind(tag_text(heute))
        .bind(limit)
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(frist_aus).collect()
    }

    /// Compare-and-set of a deadline's state, in the caller's transaction: true when this
    /// call made the change (so its effect happens exactly once).
    pub async fn wechsle_fristzustand(
        conn: &mut Tx,
        id: i64,
        von: FristZustand,
        nach: FristZustand,
        now: Millis,
    ) -> Result<bool> {
        let r = sqlx::query(
            "UPDATE fristen SET zustand = $3, geaendert_at = $4 WHERE id = $1 AND zustand = $2 RETURNING vorgang_id",
        )
        .bind(id)
        .bind(von.slug())
        .bind(nach.slug())
        .bind(now)
        .fetch_optional(conn.c())
        .await?;
        match r {
            Some(r) => {
                let vorgang_id: i64 = r.try_get("vorgang_id")?;
                Self::aktualisiere_naechste_frist(conn, vorgang_id).await?;
                Ok(true)
            }
            None => Ok(false),
        }
    }

    /// Ends every running deadline of a kind on a case (answered, decided …).
    pub async fn erledige_fristen(
        conn: &mut Tx,
        vorgang_id: i64,
        art: FristArt,
        now: Millis,
    ) -> Result<u64> {
        let n = sqlx::query(
            "UPDATE fristen SET zustand = 'erledigt', geaendert_at = $3 \
             WHERE vorgang_id = $1 AND art = $2 AND zustand IN ('laeuft', 'faellig')",
        )
        .bind(vorgang_id)
        .bind(art.slug())
        .bind(now)
        .execute(conn.c())
        .await?
        .rows_affected();
        Self::aktualisiere_naechste_frist(conn, vorgang_id).await?;
        Ok(n)
    }

    /// A new end for a running or due deadline (an extension with its explanation).
    pub async fn verlaengere_frist(
        conn: &mut Tx,
        id: i64,
        ende: NaiveDate,
        erklaerung: &str,
        now: Millis,
    ) -> Result<()> {
        let r = sqlx::query(
            "UPDATE fristen SET ende = $2, erklaerung = $3, zustand = 'laeuft', geaendert_at = $4 \
             WHERE id = $1 AND zustand IN ('laeuft', 'faellig') RETURNING vorgang_id",
        )
        .bind(id)
        .bind(tag_text(ende))
        .bind(erklaerung)
        .bind(now)
        .fetch_optional(conn.c())
        .await?
        .ok_or(StoreError::Konflikt(Konflikt::FristNichtOffen))?;
        let vorgang_id: i64 = r.try_get("vorgang_id")?;
        Self::aktualisiere_naechste_frist(conn, vorgang_id).await
    }

    /// The open (running or due) deadlines of a tenant's cases, earliest end first, each with
    /// its case and how often the case's decision deadline was extended already.
    pub async fn offene_fristen_des_tenants(
        &self,
        tenant_id: i64,
        limit: i64,
    ) -> Result<Vec<OffeneFrist>> {
        let rows = sqlx::query(
            "SELECT f.id, f.vorgang_id, f.art, f.rechtsgrundlage, f.start, f.ende, f.erklaerung, f.zustand, f.created_at, f.geaendert_at, \
             v.aktenzeichen, v.bezeichnung, v.verfahren, \
             (SELECT COUNT(*) FROM ereignisse e WHERE e.vorgang_id = f.vorgang_id AND e.art = $2) AS verlaengerungen \
             FROM fristen f JOIN vorgaenge v ON v.id = f.vorgang_id \
             WHERE v.tenant_id = $1 AND f.zustand IN ('laeuft', 'faellig') ORDER BY f.ende, f.id LIMIT $3",
        )
        .bind(tenant_id)
        .bind(Eintragsart::EntscheidungsfristVerlaengert.slug())
        .bind(limit)
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| {
                let aktenzeichen: Option<String> = r.try_get("aktenzeichen")?;
                let verfahren: Option<String> = r.try_get("verfahren")?;
                Ok(OffeneFrist {
                    frist: frist_aus(r)?,
                    aktenzeichen: aktenzeichen
                        .map(|a| {
                            Aktenzeichen::parse(&a).map_err(|e| {
                                StoreError::Corrupt(format!("vorgaenge.aktenzeichen: {e}"))
                            })
                        })
                        .transpose()?,
                    bezeichnung: r.try_get("bezeichnung")?,
                    verfahren: verfahren
                        .map(|v| code_aus("vorgaenge.verfahren", &v, Verfahrensart::from_slug))
                        .transpose()?,
                    verlaengerungen: r.try_get("verlaengerungen")?,
                })
            })
            .collect()
    }

    /// How many timeline entries of a kind a case has, read through the caller's
    /// transaction (after [`Db::sperre_vorgang`], so the count stays true until commit).
    pub async fn zaehle_eintraege(tx: &mut Tx, vorgang_id: i64, art: Eintragsart) -> Result<i64> {
        Ok(sqlx::query_scalar(
            "SELECT CAST(COUNT(*) AS BIGINT) FROM ereignisse WHERE vorgang_id = $1 AND art = $2",
        )
        .bind(vorgang_id)
        .bind(art.slug())
        .fetch_one(tx.c())
        .await?)
    }

    // --- Befunde ------------------------------------------------------------------------

    #[allow(clippy::too_many_arguments)]
    pub async fn speichere_befund(
        conn: &mut Tx,
        vorgang_id: i64,
        runde: i64,
        code: &str,
        text: &str,
        dokument_id: Option<i64>,
        user_id: i64,
        now: Millis,
    ) -> Result<i64> {
        Ok(sqlx::query_scalar(
            "INSERT INTO befunde (vorgang_id, runde, code, text, dokument_id, created_at, created_by) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
        )
        .bind(vorgang_id)
        .bind(runde)
        .bind(code)
        .bind(text)
        .bind(dokument_id)
        .bind(now)
        .bind(user_id)
        .fetch_one(conn.c())
        .await?)
    }

    pub async fn befunde(&self, vorgang_id: i64) -> Result<Vec<Befund>> {
        let rows = sqlx::query(
            "SELECT id, runde, code, text, dokument_id, created_at FROM befunde WHERE vorgang_id = $1 ORDER BY runde, id",
        )
        .bind(vorgang_id)
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| {
                Ok(Befund {
                    id: r.try_get("id")?,
                    runde: r.try_get("runde")?,
                    code: r.try_get("code")?,
                    text: r.try_get("text")?,
                    dokument_id: r.try_get("dokument_id")?,
                    created_at: r.try_get("created_at")?,
                })
            })
            .collect()
    }

    // --- Checklists, profiles, reuse ------------------------------------------------------

    /// The tenant's newest checklist for a procedure: (version, JSON), if it edited one.
    pub async fn checkliste(
        &self,
        tenant_id: i64,
        verfahren: Verfahrensart,
    ) -> Result<Option<(i64, String)>> {
        let r = sqlx::query(
            "SELECT version, inhalt FROM checklisten WHERE tenant_id = $1 AND verfahren = $2 ORDER BY version DESC LIMIT 1",
        )
        .bind(tenant_id)
        .bind(verfahren.slug())
        .fetch_optional(self.pool())
        .await?;
        r.map(|r| Ok((r.try_get::<i64, _>("version")?, r.try_get("inhalt")?)))
            .transpose()
    }

    /// Stores a new version of a tenant's checklist; returns its version number.
    pub async fn speichere_checkliste(
        &self,
        tenant_id: i64,
        verfahren: Verfahrensart,
        inhalt: &str,
        user_id: Option<i64>,
        now: Millis,
    ) -> Result<i64> {
        let version: i64 = sqlx::query_scalar(
            "INSERT INTO checklisten (tenant_id, verfahren, version, inhalt, created_at, created_by) \
             SELECT $1, $2, CAST(COALESCE(MAX(version), 0) + 1 AS BIGINT), $3, $4, $5 FROM checklisten WHERE tenant_id = $1 AND verfahren = $2 \
             RETURNING version",
        )
        .bind(tenant_id)
        .bind(verfahren.slug())
        .bind(inhalt)
        .bind(now)
        .bind(user_id)
        .fetch_one(self.pool())
        .await
        .map_err(|e| StoreError::on_unique(e, Konflikt::ChecklisteVergeben))?;
        Ok(version)
    }

    pub async fn profil(&self, user_id: i64) -> Result<serde_json::Value> {
        let s: String = sqlx::query_scalar("SELECT profil FROM users WHERE id = $1")
            .bind(user_id)
            .fetch_optional(self.pool())
            .await?
            .ok_or(StoreError::NotFound)?;
        serde_json::from_str(&s).map_err(|e| StoreError::Corrupt(format!("users.profil: {e}")))
    }

    pub async fn setze_profil(tx: &mut Tx, user_id: i64, profil: &serde_json::Value) -> Result<()> {
        sqlx::query("UPDATE users SET profil = $2 WHERE id = $1")
            .bind(user_id)
            .bind(profil.to_string())
            .execute(tx.c())
            .await?;
        Ok(())
    }

    /// The entered data of a user's earlier cases, newest first (for "once only" offers).
    pub async fn fruehere_angaben(
        &self,
        owner_user_id: i64,
        ausser: i64,
        limit: i64,
    ) -> Result<Vec<Angaben>> {
        let rows: Vec<String> = sqlx::query_scalar(
            "SELECT angaben FROM vorgaenge WHERE owner_user_id = $1 AND id <> $2 ORDER BY id DESC LIMIT $3",
        )
        .bind(owner_user_id)
        .bind(ausser)
        .bind(limit)
        .fetch_all(self.pool())
        .await?;
        // Drafts without Angaben (`{}`) offer nothing to take over.
        Ok(rows
            .iter()
            .filter_map(|s| serde_json::from_str::<serde_json::Value>(s).ok())
            .filter(|v| v.get("bauherrschaft").is_some())
            .filter_map(|v| serde_json::from_value(v).ok())
            .collect())
    }

    // --- Inbox ------------------------------------------------------------------------------

    /// Submitted cases of a tenant, newest first, filtered, one page (keyset on the id, so a
    /// page costs the same at case 100 and at case 100000).
    pub async fn eingang(&self, tenant_id: i64, f: &EingangsFilter) -> Result<Vec<Antrag>> {
        let (sql, werte) = eingang_abfrage(tenant_id, f);
        let rows = binde(sqlx::query(&sql), &werte)
            .fetch_all(self.pool())
            .await?;
        rows.iter().map(antrag_aus).collect()
    }

    /// The plan the database chooses for [`Db::eingang`] with these filters, one line per
    /// step (`EXPLAIN QUERY PLAN` on SQLite, `EXPLAIN` on PostgreSQL), for
    /// `plankammer-bench eingang`.
    pub async fn eingang_plan(&self, tenant_id: i64, f: &EingangsFilter) -> Result<Vec<String>> {
        let (sql, werte) = eingang_abfrage(tenant_id, f);
        let sql = match self.backend() {
            crate::Backend::Sqlite => format!("EXPLAIN QUERY PLAN {sql}"),
            crate::Backend::Postgres => format!("EXPLAIN {sql}"),
        };
        let rows = binde(sqlx::query(&sql), &werte)
            .fetch_all(self.pool())
            .await?;
        plan_zeilen(self.backend(), &rows)
    }

    /// The plan of a query without bound values, as [`Db::eingang_plan`] prints it.
    pub async fn abfrageplan(&self, sql: &str) -> Result<Vec<String>> {
        let sql = match self.backend() {
            crate::Backend::Sqlite => format!("EXPLAIN QUERY PLAN {sql}"),
            crate::Backend::Postgres => format!("EXPLAIN {sql}"),
        };
        let rows = sqlx::query(&sql).fetch_all(self.pool()).await?;
        plan_zeilen(self.backend(), &rows)
    }

    /// The inbox page at `offset` counted by `OFFSET` instead of a keyset (all submitted
    /// cases of the tenant, newest first): what a deep page costs without the keyset, for
    /// comparison in `plankammer-bench eingang`. Never used by the product.
    #[cfg(feature = "testing")]
    pub async fn eingang_per_offset(
        &self,
        tenant_id: i64,
        limit: i64,
        offset: i64,
    ) -> Result<Vec<Antrag>> {
        let rows = sqlx::query(&eingang_offset_abfrage(tenant_id, limit, offset))
            .fetch_all(self.pool())
            .await?;
        rows.iter().map(antrag_aus).collect()
    }

    /// The plan of [`Db::eingang_per_offset`], as [`Db::abfrageplan`] prints it.
    #[cfg(feature = "testing")]
    pub async fn eingang_per_offset_plan(
        &self,
        tenant_id: i64,
        limit: i64,
        offset: i64,
    ) -> Result<Vec<String>> {
        self.abfrageplan(&eingang_offset_abfrage(tenant_id, limit, offset))
            .await
    }
}

/// The inbox by `OFFSET`, its numbers written into the text as a hand-written paging query
/// would have them (so [`Db::abfrageplan`] can explain it without bound values).
#[cfg(feature = "testing")]
fn eingang_offset_abfrage(tenant_id: i64, limit: i64, offset: i64) -> String {
    format!(
        "SELECT {ANTRAG_SPALTEN} FROM vorgaenge WHERE tenant_id = {tenant_id} \
         AND zustand <> 'entwurf' ORDER BY id DESC LIMIT {limit} OFFSET {offset}"
    )
}

/// A bound value of a query built at run time.
enum Wert<'a> {
    Zahl(i64),
    Text(std::borrow::Cow<'a, str>),
}

fn binde<'q>(
    mut q: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>>,
    werte: &[Wert<'q>],
) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>> {
    for w in werte {
        q = match w {
            Wert::Zahl(z) => q.bind(*z),
            Wert::Text(t) => q.bind(t.clone().into_owned()),
        };
    }
    q
}

/// The inbox query for these filters and its bound values. Only the active filters are in
/// the WHERE clause, each with a bound value: an `($n IS NULL OR column = $n)` term would
/// keep SQLite (and PostgreSQL's generic plans) from using the index on that column.
fn eingang_abfrage(tenant_id: i64, f: &EingangsFilter) -> (String, Vec<Wert<'_>>) {
    let mut sql = format!(
        "SELECT {ANTRAG_SPALTEN} FROM vorgaenge WHERE tenant_id = $1 AND zustand <> 'entwurf'"
    );
    let mut werte = vec![Wert::Zahl(tenant_id)];
    let filter = [
        ("zustand =", f.zustand.map(|z| Wert::Text(z.slug().into()))),
        (
            "verfahren =",
            f.verfahren.map(|v| Wert::Text(v.slug().into())),
        ),
        (
            "gemeinde_ags =",
            f.gemeinde_ags.as_deref().map(|g| Wert::Text(g.into())),
        ),
        (
            "naechste_frist <=",
            f.frist_bis.map(|d| Wert::Text(tag_text(d).into())),
        ),
        ("id <", f.vor_id.map(Wert::Zahl)),
    ];
    for (ausdruck, wert) in filter {
        if let Some(wert) = wert {
            werte.push(wert);
            sql.push_str(&format!(" AND {ausdruck} ${}", werte.len()));
        }
    }
    if let Some(wer) = f.bearbeitet_von {
        werte.push(Wert::Zahl(wer));
        let n = werte.len();
        sql.push_str(&format!(
            " AND (bearbeiter_id = ${n} OR vertretung_id = ${n})"
        ));
    }
    werte.push(Wert::Zahl(f.limit));
    sql.push_str(&format!(" ORDER BY id DESC LIMIT ${}", werte.len()));
    (sql, werte)
}

/// The rows of `EXPLAIN QUERY PLAN` (SQLite: indented by nesting) or `EXPLAIN` (PostgreSQL).
fn plan_zeilen(backend: crate::Backend, rows: &[sqlx::any::AnyRow]) -> Result<Vec<String>> {
    match backend {
        crate::Backend::Sqlite => {
            let mut tiefe = std::collections::HashMap::<i64, usize>::new();
            rows.iter()
                .map(|r| {
                    let id: i64 = r.try_get("id")?;
                    let eltern: i64 = r.try_get("parent")?;
                    let detail: String = r.try_get("detail")?;
                    let t = tiefe.get(&eltern).map_or(0, |t| t + 1);
                    tiefe.insert(id, t);
                    Ok(format!("{}{detail}", "  ".repeat(t)))
                })
                .collect()
        }
        crate::Backend::Postgres => rows
            .iter()
            .map(|r| Ok(r.try_get::<String, _>(0)?))
            .collect(),
    }
}

fn format_aus(r: &sqlx::any::AnyRow) -> Result<AktenzeichenFormat> {
    let format: String = r.try_get("aktenzeichen_format")?;
    let kuerzel: String = r.try_get("aktenzeichen_kuerzel")?;
    AktenzeichenFormat::parse(&format, &kuerzel)
        .map_err(|e| StoreError::Corrupt(format!("tenants.aktenzeichen_format: {e}")))
}

/// A stored Anlageart code (`NULL`: none chosen yet).
pub(crate) fn anlageart_aus(code: Option<String>) -> Result<Option<Anlageart>> {
    code.map(|c| Anlageart::parse(&c).map_err(|e| StoreError::Corrupt(format!("anlageart: {e}"))))
        .transpose()
}
