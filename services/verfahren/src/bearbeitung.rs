//! The case worker's side of a case: the work list (Aufgaben) across the tenant's cases, who
//! handles a case (Sachbearbeiter and deputy), and internal notes. Only the Bauaufsicht of
//! the case's tenant reaches any of it; applicants and Stellen never see it.

use crate::fehler::Ergebnis;
use crate::mitteilung::{An, Mitteilung};
use crate::{Akteur, Fehler, Verfahren, zugriff};
use chrono::NaiveDate;
use plankammer_domain::aufgabe::{AufgabenArt, reihenfolge};
use plankammer_domain::frist::{self, FristArt};
use plankammer_domain::zeitleiste::Eintragsart;
use plankammer_storage::audit::AuditEvent;
use plankammer_storage::bearbeitung::{Notiz, Person, Zustaendigkeit};
use plankammer_storage::{Db, now_millis};
use serde::Serialize;

/// Longest internal note, in characters.
pub const MAX_NOTIZ: usize = 4000;
/// The work list's horizon for deadlines, in days, unless the person chooses another.
pub const STANDARD_HORIZONT: u32 = 7;
/// The longest horizon one can choose.
pub const MAX_HORIZONT: u32 = 365;

/// The work list's horizon from what a person chose (`None`: the standard), or the German
/// sentence saying what is allowed. Pages and API check with this, as the step does.
pub fn horizont(angabe: Option<u32>) -> Result<u32, String> {
    match angabe {
        None => Ok(STANDARD_HORIZONT),
        Some(n) if (1..=MAX_HORIZONT).contains(&n) => Ok(n),
        Some(_) => Err(format!(
            "Bitte wählen Sie für die Fristen einen Zeitraum von 1 bis {MAX_HORIZONT} Tagen."
        )),
    }
}

/// One entry of the work list, worded for the person who does it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Aufgabe {
    pub art: AufgabenArt,
    pub titel: &'static str,
    /// What happened and what to do, in a sentence.
    pub text: String,
    pub vorgang_id: i64,
    pub aktenzeichen: Option<String>,
    pub bezeichnung: String,
    pub bearbeiter: Option<String>,
    pub frist: Option<NaiveDate>,
    /// When the event happened.
    pub seit: Option<i64>,
    /// Where to do it.
    pub pfad: String,
}

impl Verfahren {
    /// The work list of the tenant's Bauaufsicht on `heute`: every task, deadlines that end
    /// within `tage` days included, most urgent first; with `nur_meine` only the cases this
    /// person handles or deputises.
    pub async fn aufgaben(
        &self,
        akteur: &Akteur,
        heute: NaiveDate,
        tage: u32,
        nur_meine: bool,
    ) -> Ergebnis<Vec<Aufgabe>> {
        zugriff::nur_bauaufsicht(akteur)?;
        self.aufgaben_aus(akteur, heute, tage, nur_meine, None)
            .await
    }

    /// The work list's entries of one case (for its "Jetzt zu tun"), deadlines within the
    /// standard horizon.
    pub async fn aufgaben_am_vorgang(
        &self,
        akteur: &Akteur,
        vorgang_id: i64,
        heute: NaiveDate,
    ) -> Ergebnis<Vec<Aufgabe>> {
        let a = self.vorgang_der_bauaufsicht(akteur, vorgang_id).await?;
        self.aufgaben_aus(akteur, heute, STANDARD_HORIZONT, false, Some(a.id))
            .await
    }

    async fn aufgaben_aus(
        &self,
        akteur: &Akteur,
        heute: NaiveDate,
        tage: u32,
        nur_meine: bool,
        vorgang: Option<i64>,
    ) -> Ergebnis<Vec<Aufgabe>> {
        let tage = horizont(Some(tage)).map_err(Fehler::ungueltig)?;
        let bis = heute
            .checked_add_days(chrono::Days::new(u64::from(tage)))
            .unwrap_or(heute);
        let quellen = self
            .db
            .aufgaben_quellen(
                akteur.tenant_id,
                bis,
                nur_meine.then_some(akteur.user_id),
                vorgang,
            )
            .await?;
        let mut out: Vec<Aufgabe> = quellen
            .into_iter()
            .map(|q| {
                let id = q.vorgang_id;
                let frist_de = q.frist.map(frist::datum_de).unwrap_or_default();
                let beteiligung = format!("/vorgaenge/{id}/beteiligung");
                let (text, pfad) = match q.art {
                    AufgabenArt::NeuerAntrag => (
                        "Der Antrag ist eingegangen. Die formelle Prüfung steht an.".to_string(),
                        format!("/vorgaenge/{id}/pruefung"),
                    ),
                    AufgabenArt::Nachreichung => (
                        "Die Antragstellenden haben nachgereicht. Prüfen Sie, ob der Antrag jetzt vollständig ist.".into(),
                        format!("/vorgaenge/{id}/pruefung"),
                    ),
                    AufgabenArt::BeteiligungStarten => (
                        "Der Antrag ist vollständig. Beteiligen Sie die Stellen, deren Stellungnahme nötig ist.".into(),
                        beteiligung.clone(),
                    ),
                    AufgabenArt::BescheidEntwerfen => (
                        "Alle Stellen haben geantwortet. Entwerfen und erlassen Sie den Bescheid.".into(),
                        format!("/vorgaenge/{id}/bescheid"),
                    ),
                    AufgabenArt::RuecknahmefiktionFaellig => (
                        format!("Die Frist für die Nachreichung endete am {frist_de}. Stellen Sie die Rücknahmefiktion fest oder verlängern Sie die Frist."),
                        "/fristen".into(),
                    ),
                    AufgabenArt::FristEndet => {
                        let art = FristArt::from_slug(&q.detail)
                            .map(|a| a.bezeichnung_fuer_antragsteller())
                            .unwrap_or("Frist");
                        (format!("{art} endet am {frist_de}."), format!("/vorgaenge/{id}#fristen"))
                    }
                    AufgabenArt::StellenfristEndet => (
                        format!("Die Frist der Stelle „{}“ endet am {frist_de}; ihre Stellungnahme fehlt noch.", q.detail),
                        format!("{beteiligung}#beteiligung-{}", q.bezug_id.unwrap_or_default()),
                    ),
                    AufgabenArt::OffeneRueckfrage => (
                        format!("Die Stelle „{}“ hat eine Rückfrage gestellt. Beantworten Sie sie oder geben Sie sie an die Antragstellenden weiter.", q.detail),
                        format!("{beteiligung}#beteiligung-{}", q.bezug_id.unwrap_or_default()),
                    ),
                    AufgabenArt::NeueStellungnahme => (
                        format!("Die Stelle „{}“ hat Stellung genommen.", q.detail),
                        format!("{beteiligung}#beteiligung-{}", q.bezug_id.unwrap_or_default()),
                    ),
                    AufgabenArt::VerspaeteteStellungnahme => (
                        format!("Die Stellungnahme der Stelle „{}“ kam nach Fristende. Entscheiden Sie, ob sie berücksichtigt wird.", q.detail),
                        format!("{beteiligung}#beteiligung-{}", q.bezug_id.unwrap_or_default()),
                    ),
                    AufgabenArt::VerarbeitungFehlgeschlagen => (
                        format!("Die Datei „{}“ konnte nicht verarbeitet werden. Lassen Sie die Prüfung wiederholen oder fordern Sie eine lesbare Datei nach.", q.detail),
                        format!("/vorgaenge/{id}#dokumente"),
                    ),
                };
                Aufgabe {
                    art: q.art,
                    titel: q.art.bezeichnung(),
                    text,
                    vorgang_id: id,
                    aktenzeichen: q.aktenzeichen,
                    bezeichnung: q.bezeichnung,
                    bearbeiter: q.bearbeiter,
                    frist: q.frist,
                    seit: q.seit,
                    pfad,
                }
            })
            .collect();
        out.sort_by(|a, b| {
            reihenfolge(
                (a.art, a.frist, a.seit.unwrap_or(0)),
                (b.art, b.frist, b.seit.unwrap_or(0)),
            )
        });
        Ok(out)
    }

    /// Who handles the case, and who it can be given to.
    pub async fn zustaendigkeit(
        &self,
        akteur: &Akteur,
        vorgang_id: i64,
    ) -> Ergebnis<(Zustaendigkeit, Vec<Person>)> {
        let a = self.vorgang_der_bauaufsicht(akteur, vorgang_id).await?;
        Ok((
            self.db.zustaendigkeit(a.id).await?,
            self.db.sachbearbeitende(a.tenant_id).await?,
        ))
    }

    /// Gives the case to a Sachbearbeiter with a deputy (either may be empty), both active
    /// Bauaufsicht members of the tenant and not the same person. A timeline entry for the
    /// authorities, an audit entry, and a mail to whoever is newly named.
    pub async fn zustaendigkeit_setzen(
        &self,
        akteur: &Akteur,
        vorgang_id: i64,
        bearbeiter: Option<i64>,
        vertretung: Option<i64>,
    ) -> Ergebnis<()> {
        let a = self.vorgang_der_bauaufsicht(akteur, vorgang_id).await?;
        if bearbeiter.is_some() && bearbeiter == vertretung {
            return Err(Fehler::ungueltig(
                "Sachbearbeitung und Vertretung müssen verschiedene Personen sein.",
            ));
        }
        let moegliche = self.db.sachbearbeitende(a.tenant_id).await?;
        let name = |id: Option<i64>| -> Ergebnis<Option<String>> {
            match id {
                None => Ok(None),
                Some(id) => moegliche
                    .iter()
                    .find(|p| p.id == id)
                    .map(|p| Some(p.name.clone()))
                    .ok_or_else(|| {
                        Fehler::ungueltig(
                            "Bitte wählen Sie eine Person aus der Bauaufsicht dieser Behörde.",
                        )
                    }),
            }
        };
        let bearbeiter_name = name(bearbeiter)?;
        let vertretung_name = name(vertretung)?;
        let vorher = self.db.zustaendigkeit(a.id).await?;
        let now = now_millis();
        let mut tx = self.db.begin().await?;
        if !Db::setze_zustaendigkeit(&mut tx, a.id, bearbeiter, vertretung).await? {
            return Ok(());
        }
        let text = format!(
            "Sachbearbeitung: {}; Vertretung: {}.",
            bearbeiter_name.as_deref().unwrap_or("niemand"),
            vertretung_name.as_deref().unwrap_or("niemand"),
        );
        self.eintrag(
            &mut tx,
            a.id,
            Some(akteur),
            Eintragsart::ZustaendigkeitGeaendert,
            &text,
            now,
        )
        .await?;
        Db::audit(
            &mut tx,
            AuditEvent {
                tenant_id: Some(a.tenant_id),
                actor_user_id: Some(akteur.user_id),
                action: "vorgang.zustaendigkeit",
                object_type: "vorgang",
                object_id: Some(a.id.to_string()),
                detail: serde_json::json!({ "bearbeiter": bearbeiter, "vertretung": vertretung }),
            },
            now,
        )
        .await?;
        let vorher_ids = [
            vorher.bearbeiter.map(|p| p.id),
            vorher.vertretung.map(|p| p.id),
        ];
        for (id, rolle) in [(bearbeiter, "Sachbearbeitung"), (vertretung, "Vertretung")] {
            let Some(id) = id else { continue };
            if vorher_ids.contains(&Some(id)) || id == akteur.user_id {
                continue;
            }
            self.benachrichtige(
                &mut tx,
                &a,
                &[An::Person(id)],
                Mitteilung {
                    titel: "Ihnen wurde ein Vorgang zugewiesen",
                    text: &format!(
                        "{} hat Ihnen die {rolle} für diesen Vorgang übertragen. Mitteilungen zum Vorgang erhalten jetzt Sie und die Vertretung.",
                        akteur.name
                    ),
                    status: None,
                    frist: None,
                    pfad: None,
                },
                now,
            )
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// The internal notes of a case, oldest first.
    pub async fn notizen(&self, akteur: &Akteur, vorgang_id: i64) -> Ergebnis<Vec<Notiz>> {
        let a = self.vorgang_der_bauaufsicht(akteur, vorgang_id).await?;
        Ok(self.db.notizen(a.id).await?)
    }

    /// Adds an internal note (audited without its text, which may name people).
    pub async fn notiz_anlegen(
        &self,
        akteur: &Akteur,
        vorgang_id: i64,
        text: &str,
    ) -> Ergebnis<i64> {
        let a = self.vorgang_der_bauaufsicht(akteur, vorgang_id).await?;
        let text = text.trim();
        if text.is_empty() {
            return Err(Fehler::ungueltig("Bitte schreiben Sie die Notiz."));
        }
        if text.chars().count() > MAX_NOTIZ {
            return Err(Fehler::ungueltig(format!(
                "Die Notiz ist zu lang (höchstens {MAX_NOTIZ} Zeichen)."
            )));
        }
        let now = now_millis();
        let mut tx = self.db.begin().await?;
        let id = Db::lege_notiz_an(&mut tx, a.id, akteur.user_id, text, now).await?;
        Db::audit(
            &mut tx,
            AuditEvent {
                tenant_id: Some(a.tenant_id),
                actor_user_id: Some(akteur.user_id),
                action: "vorgang.notiz",
                object_type: "vorgang",
                object_id: Some(a.id.to_string()),
                detail: serde_json::json!({ "notiz_id": id, "zeichen": text.chars().count() }),
            },
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    /// The Bauaufsicht opened the case's Beteiligung: its Stellungnahmen are no longer new
    /// on the work list. Returns how many were new. When the case is assigned to an active
    /// Sachbearbeiter or deputy, only their opening counts (a colleague looking in leaves
    /// the news for them); an unassigned case is seen by any case worker of the tenant.
    pub async fn stellungnahmen_gesehen(&self, akteur: &Akteur, vorgang_id: i64) -> Ergebnis<u64> {
        let a = self.vorgang_der_bauaufsicht(akteur, vorgang_id).await?;
        let z = self.db.zustaendigkeit(a.id).await?;
        let zugewiesen: Vec<i64> = [z.bearbeiter, z.vertretung]
            .into_iter()
            .flatten()
            .map(|p| p.id)
            .collect();
        if !zugewiesen.is_empty() && !zugewiesen.contains(&akteur.user_id) {
            let aktiv = self.db.sachbearbeitende(a.tenant_id).await?;
            if aktiv.iter().any(|p| zugewiesen.contains(&p.id)) {
                return Ok(0);
            }
        }
        Ok(self
            .db
            .markiere_stellungnahmen_gesehen(a.id, now_millis())
            .await?)
    }
}
