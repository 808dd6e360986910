//! The Bauaufsicht's formelle Prüfung: the application is complete (the decision deadline
//! starts), or documents are requested with a deadline (Nachforderung, Befunde of
//! `formellebefundeart_2.0`); a missed Nachforderung deadline ends in the Rücknahmefiktion,
//! which a case worker confirms; deadlines are extended with a reason.
//!
//! The Rücknahmefiktion is a fiction of the law: the domain lets no person fire it
//! ([`plankammer_domain::vorgang::darf_ausloesen`]). The clock marks a missed Nachforderung
//! deadline as due ([`crate::fristen`]); a case worker confirms it here, and the fiction is
//! then fired as a system event. Who confirmed it is recorded in the timeline text and in
//! the audit log.

use crate::ablauf::Wechsel;
use crate::akteur::Akteur;
use crate::fehler::{Ergebnis, Fehler};
use crate::mitteilung::{An, Mitteilung};
use crate::{Verfahren, statuszeile};
use chrono::NaiveDate;
use plankammer_domain::bescheid::{VERLAENGERUNG_HOECHSTENS, verlaengerung_zulaessig};
use plankammer_domain::codeliste;
use plankammer_domain::frist::{self, Dauer, FristArt, FristZustand};
use plankammer_domain::verfahren::{Verfahrensart, standard_fristvorgaben};
use plankammer_domain::vorgang::{Ereignis, uebergang_im_verfahren};
use plankammer_domain::zeitleiste::Eintragsart;
use plankammer_storage::antrag::{Antrag, Frist, NeueFrist};
use plankammer_storage::audit::AuditEvent;
use plankammer_storage::{Db, Konflikt, heute_berlin, now_millis};
use std::collections::HashMap;

/// Rechtsgrundlage of a Nachforderung deadline.
pub const RECHTSGRUNDLAGE_NACHFORDERUNG: &str = "§ 70 Abs. 2 HBO";
/// Longest text of one Befund.
pub const MAX_BEFUNDTEXT: usize = 2000;
/// Most Befunde of one Nachforderung.
pub const MAX_BEFUNDE: usize = 50;
/// Longest reason of an extension.
pub const MAX_GRUND: usize = 1000;

/// One Befund as entered: a code of `formellebefundeart_2.0`, what is missing, and the
/// document it concerns. A row with nothing in it is skipped (forms offer empty rows).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Befundangabe {
    pub code: String,
    pub text: String,
    pub dokument_id: Option<i64>,
}

impl Befundangabe {
    fn ist_leer(&self) -> bool {
        self.code.trim().is_empty() && self.text.trim().is_empty() && self.dokument_id.is_none()
    }
}

/// The engine's proposal for a Nachforderung deadline from `heute`.
pub fn vorschlag_nachforderung(v: Verfahrensart, heute: NaiveDate) -> Ergebnis<frist::Fristende> {
    let vorgabe = standard_fristvorgaben(v).nachforderung;
    let dauer: Dauer = vorgabe.dauer.parse().map_err(Fehler::intern)?;
    Ok(frist::berechne(heute, dauer)
        .map_err(Fehler::intern)?
        .mit_rechtsgrundlage(RECHTSGRUNDLAGE_NACHFORDERUNG))
}

/// The decision deadline from `heute`, where the procedure has one.
pub fn entscheidungsfrist(
    v: Verfahrensart,
    heute: NaiveDate,
) -> Ergebnis<Option<frist::Fristende>> {
    let Some(vorgabe) = standard_fristvorgaben(v).entscheidung else {
        return Ok(None);
    };
    let dauer: Dauer = vorgabe.dauer.parse().map_err(Fehler::intern)?;
    Ok(Some(
        frist::berechne(heute, dauer)
            .map_err(Fehler::intern)?
            .mit_rechtsgrundlage(vorgabe.rechtsgrundlage),
    ))
}

/// A deadline a case worker sets instead of the engine's proposal: after today, a Werktag
/// in Hessen, at most a year ahead. `was` names it in the sentences ("Das Fristende",
/// "Das neue Fristende").
fn pruefe_gesetztes_ende(d: NaiveDate, heute: NaiveDate, was: &str) -> Result<(), String> {
    if d <= heute {
        return Err(format!("{was} muss nach dem heutigen Tag liegen."));
    }
    if !frist::ist_arbeitstag(d) {
        return Err(format!(
            "Der {} ist kein Werktag in Hessen (Samstag, Sonntag oder Feiertag). Bitte wählen Sie einen Werktag als Fristende.",
            frist::tag_de(d)
        ));
    }
    if frist::tage_bis(heute, d) > 366 {
        return Err(format!(
            "{was} darf höchstens ein Jahr in der Zukunft liegen."
        ));
    }
    Ok(())
}

/// The reason of an extension, checked: given, bounded.
fn pruefe_grund(grund: &str) -> Ergebnis<&str> {
    let grund = grund.trim();
    if grund.is_empty() {
        return Err(Fehler::ungueltig(
            "Bitte geben Sie den Grund der Verlängerung an.",
        ));
    }
    if grund.chars().count() > MAX_GRUND {
        return Err(Fehler::ungueltig(format!(
            "Der Grund ist zu lang (höchstens {MAX_GRUND} Zeichen)."
        )));
    }
    Ok(grund)
}

impl Verfahren {
    /// The case for a Prüfung step: the case worker's, with a procedure, in a state that
    /// accepts `ereignis` (409 with the state machine's words otherwise).
    async fn zur_pruefung(
        &self,
        akteur: &Akteur,
        vorgang_id: i64,
        ereignis: Ereignis,
    ) -> Ergebnis<(Antrag, Verfahrensart)> {
        let a = self.vorgang_der_bauaufsicht(akteur, vorgang_id).await?;
        let v = a.verfahren.ok_or_else(|| {
            Fehler::konflikt("Für diesen Vorgang ist keine Verfahrensart angegeben.")
        })?;
        uebergang_im_verfahren(v, a.zustand, ereignis)?;
        Ok((a, v))
    }

    /// The application is complete: status 18, the Nachforderung deadline is done, and the
    /// decision deadline starts today where the procedure has one.
    pub async fn vollstaendig_erklaeren(&self, akteur: &Akteur, vorgang_id: i64) -> Ergebnis<()> {
        let (a, v) = self
            .zur_pruefung(akteur, vorgang_id, Ereignis::VollstaendigErklaeren)
            .await?;
        let heute = heute_berlin();
        let now = now_millis();
        let entscheidung = entscheidungsfrist(v, heute)?;
        let ende_text = entscheidung.as_ref().map(|e| frist::datum_de(e.ende));
        let mut mailtext = String::from(
            "Die Bauaufsicht hat Ihren Antrag geprüft: Die Unterlagen sind vollständig.",
        );
        if let Some(e) = &entscheidung {
            mailtext.push_str(&format!(
                "\nDie Frist für die Entscheidung ({}, {}) beginnt heute und endet am {}.",
                e.dauer,
                e.rechtsgrundlage.as_deref().unwrap_or(""),
                frist::tag_de(e.ende)
            ));
        }
        let mut tx = self.db.begin().await?;
        self.wechsle(
            &mut tx,
            &a,
            Wechsel {
                ereignis: Ereignis::VollstaendigErklaeren,
                akteur: Some(akteur),
                text: "Formelle Prüfung abgeschlossen: Die Unterlagen sind vollständig.",
                mail: Some(("Antrag vollständig", &mailtext)),
                frist: ende_text.as_deref(),
            },
            now,
        )
        .await?;
        Db::erledige_fristen(&mut tx, a.id, FristArt::Nachforderung, now).await?;
        if let Some(e) = &entscheidung {
            Db::lege_frist_an(
                &mut tx,
                &NeueFrist {
                    vorgang_id: a.id,
                    art: FristArt::Entscheidung,
                    rechtsgrundlage: e.rechtsgrundlage.as_deref().unwrap_or(""),
                    start: e.start,
                    ende: e.ende,
                    erklaerung: &e.erklaerung(),
                },
                now,
            )
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Requests documents: the Befunde (at least one), a deadline (the engine's proposal or
    /// a Werktag the case worker sets), status 17, the mail listing what is missing. Every
    /// problem with the input comes back at once, as German sentences.
    pub async fn nachfordern(
        &self,
        akteur: &Akteur,
        vorgang_id: i64,
        befunde: &[Befundangabe],
        frist_ende: &str,
    ) -> Ergebnis<()> {
        let (a, v) = self
            .zur_pruefung(akteur, vorgang_id, Ereignis::Nachfordern)
            .await?;
        let heute = heute_berlin();
        let mut fehler = Vec::new();
        let dokumente = self.db.dokumente(a.id).await?;
        let dok_namen: HashMap<i64, String> = dokumente
            .iter()
            .map(|d| (d.id, d.bezeichnung.clone()))
            .collect();
        if befunde.len() > MAX_BEFUNDE {
            fehler.push(format!(
                "Bitte geben Sie höchstens {MAX_BEFUNDE} Befunde an."
            ));
        }
        let mut gepruefte: Vec<&Befundangabe> = Vec::new();
        for (i, b) in befunde.iter().enumerate().take(MAX_BEFUNDE) {
            let zeile = i + 1;
            if b.ist_leer() {
                continue;
            }
            if !codeliste::formelle_befunde().enthaelt(b.code.trim()) {
                fehler.push(format!(
                    "Befund {zeile}: Bitte wählen Sie die Art des Befunds."
                ));
            }
            if b.text.trim().is_empty() {
                fehler.push(format!(
                    "Befund {zeile}: Bitte beschreiben Sie, was fehlt oder zu ändern ist."
                ));
            } else if b.text.trim().chars().count() > MAX_BEFUNDTEXT {
                fehler.push(format!(
                    "Befund {zeile}: Der Text ist zu lang (höchstens {MAX_BEFUNDTEXT} Zeichen)."
                ));
            }
            if let Some(d) = b.dokument_id
                && !dok_namen.contains_key(&d)
            {
                fehler.push(format!(
                    "Befund {zeile}: Das gewählte Dokument gehört nicht zu diesem Vorgang."
                ));
            }
            gepruefte.push(b);
        }
        if gepruefte.is_empty() && fehler.is_empty() {
            fehler.push(
                "Bitte geben Sie mindestens einen Befund an, damit die Antragstellenden wissen, was sie nachreichen sollen."
                    .into(),
            );
        }
        let vorschlag = vorschlag_nachforderung(v, heute)?;
        // The deadline: the engine's proposal, or a day the case worker set.
        let frist = if frist_ende.trim().is_empty() {
            fehler.push("Bitte geben Sie das Fristende an.".into());
            None
        } else {
            match frist::parse_datum(frist_ende) {
                Err(e) => {
                    fehler.push(format!("Fristende: {e}"));
                    None
                }
                Ok(d) if d == vorschlag.ende => Some((d, vorschlag.erklaerung())),
                Ok(d) => match pruefe_gesetztes_ende(d, heute, "Das Fristende") {
                    Err(m) => {
                        fehler.push(m);
                        None
                    }
                    Ok(()) => Some((
                        d,
                        format!(
                            "Rechtsgrundlage der Frist: {RECHTSGRUNDLAGE_NACHFORDERUNG}.\n\
                             Frist behördlich gesetzt am {} (Vorschlag nach §§ 187 ff. BGB wäre {} gewesen).\n\
                             Fristende: {}, mit Ablauf des Tages.",
                            frist::tag_de(heute),
                            frist::tag_de(vorschlag.ende),
                            frist::tag_de(d)
                        ),
                    )),
                },
            }
        };
        let Some((ende, erklaerung)) = frist.filter(|_| fehler.is_empty()) else {
            return Err(Fehler::Ungueltig(fehler));
        };
        let runde = self
            .db
            .befunde(a.id)
            .await?
            .iter()
            .map(|b| b.runde)
            .max()
            .unwrap_or(0)
            + 1;
        let mut mailtext = String::from(
            "Die Bauaufsicht hat Ihren Antrag geprüft und bittet Sie, Folgendes nachzureichen:",
        );
        for b in &gepruefte {
            let art = codeliste::formelle_befunde()
                .name(b.code.trim())
                .unwrap_or("");
            mailtext.push_str(&format!("\n- {art}: {}", b.text.trim()));
            if let Some(n) = b.dokument_id.and_then(|d| dok_namen.get(&d)) {
                mailtext.push_str(&format!(" (Dokument: {n})"));
            }
        }
        mailtext.push_str(&format!(
            "\nBitte reichen Sie die Unterlagen bis zum {} ein. Wird die Frist nicht eingehalten, gilt der Antrag als zurückgenommen ({RECHTSGRUNDLAGE_NACHFORDERUNG}).",
            frist::tag_de(ende)
        ));
        let ende_de = frist::datum_de(ende);
        let zeitleiste = format!(
            "Unterlagen nachgefordert ({} {}), Frist bis {ende_de}.",
            gepruefte.len(),
            if gepruefte.len() == 1 {
                "Befund"
            } else {
                "Befunde"
            }
        );
        let now = now_millis();
        let mut tx = self.db.begin().await?;
        self.wechsle(
            &mut tx,
            &a,
            Wechsel {
                ereignis: Ereignis::Nachfordern,
                akteur: Some(akteur),
                text: &zeitleiste,
                mail: Some(("Unterlagen nachgefordert", &mailtext)),
                frist: Some(&ende_de),
            },
            now,
        )
        .await?;
        for b in &gepruefte {
            Db::speichere_befund(
                &mut tx,
                a.id,
                runde,
                b.code.trim(),
                b.text.trim(),
                b.dokument_id,
                akteur.user_id,
                now,
            )
            .await?;
        }
        Db::erledige_fristen(&mut tx, a.id, FristArt::Nachforderung, now).await?;
        Db::lege_frist_an(
            &mut tx,
            &NeueFrist {
                vorgang_id: a.id,
                art: FristArt::Nachforderung,
                rechtsgrundlage: RECHTSGRUNDLAGE_NACHFORDERUNG,
                start: heute,
                ende,
                erklaerung: &erklaerung,
            },
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// A case worker confirms that a missed Nachforderung deadline ended in the
    /// Rücknahmefiktion (status 12): the fiction is fired by the system, exactly once.
    pub async fn ruecknahmefiktion_feststellen(
        &self,
        akteur: &Akteur,
        frist_id: i64,
    ) -> Ergebnis<()> {
        let (f, a) = self.frist_der_bauaufsicht(akteur, frist_id).await?;
        if f.art != FristArt::Nachforderung {
            return Err(Fehler::konflikt(
                "Die Rücknahmefiktion folgt nur aus einer versäumten Nachforderungsfrist.",
            ));
        }
        let now = now_millis();
        let ende = frist::datum_de(f.ende);
        let text = format!(
            "Die Frist zur Nachreichung der Unterlagen ist am {ende} abgelaufen. Die Rücknahmefiktion ({RECHTSGRUNDLAGE_NACHFORDERUNG}) wurde festgestellt von {}.",
            akteur.name
        );
        let mailtext = format!(
            "Die Frist zur Nachreichung der angeforderten Unterlagen ist am {ende} abgelaufen, ohne dass die Unterlagen eingegangen sind.\nIhr Antrag gilt daher als zurückgenommen ({RECHTSGRUNDLAGE_NACHFORDERUNG})."
        );
        let mut tx = self.db.begin().await?;
        if !Db::wechsle_fristzustand(
            &mut tx,
            f.id,
            FristZustand::Faellig,
            FristZustand::Ausgeloest,
            now,
        )
        .await?
        {
            return Err(Fehler::konflikt(
                "Für diese Frist wurde bereits entschieden (Rücknahmefiktion festgestellt, Frist verlängert oder erledigt). Bitte laden Sie die Seite neu.",
            ));
        }
        // The fiction is fired by the system (no person may fire it); the confirming case
        // worker is named in the timeline text and in the audit log.
        self.wechsle(
            &mut tx,
            &a,
            Wechsel {
                ereignis: Ereignis::RuecknahmefiktionEintreten,
                akteur: None,
                text: &text,
                mail: Some(("Antrag gilt als zurückgenommen", &mailtext)),
                frist: None,
            },
            now,
        )
        .await?;
        Db::audit(
            &mut tx,
            AuditEvent {
                tenant_id: Some(a.tenant_id),
                actor_user_id: Some(akteur.user_id),
                action: "ruecknahmefiktion_festgestellt",
                object_type: "vorgang",
                object_id: Some(a.id.to_string()),
                detail: serde_json::json!({"frist_id": f.id, "frist_ende": f.ende.to_string()}),
            },
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Extends a deadline with a reason: a Nachforderung deadline to a later Werktag (at
    /// most a year ahead), or — once, before it ends, by at most two months (§ 65 Abs. 2
    /// Satz 2 HBO) — the decision deadline of the vereinfachtes Verfahren.
    pub async fn frist_verlaengern(
        &self,
        akteur: &Akteur,
        frist_id: i64,
        neues_ende: &str,
        grund: &str,
    ) -> Ergebnis<()> {
        let (f, a) = self.frist_der_bauaufsicht(akteur, frist_id).await?;
        match f.art {
            FristArt::Entscheidung => {
                self.entscheidungsfrist_verlaengern(akteur, &f, &a, neues_ende, grund)
                    .await
            }
            FristArt::Nachforderung => {
                self.nachforderungsfrist_verlaengern(akteur, &f, &a, neues_ende, grund)
                    .await
            }
        }
    }

    async fn nachforderungsfrist_verlaengern(
        &self,
        akteur: &Akteur,
        f: &Frist,
        a: &Antrag,
        neues_ende: &str,
        grund: &str,
    ) -> Ergebnis<()> {
        if !f.zustand.ist_offen() {
            return Err(Fehler::konflikt(
                "Diese Frist ist nicht mehr offen und kann nicht verlängert werden.",
            ));
        }
        let heute = heute_berlin();
        let grund = pruefe_grund(grund)?;
        let neu = frist::parse_datum(neues_ende)
            .map_err(|e| Fehler::ungueltig(format!("Neues Fristende: {e}")))?;
        if neu > heute && neu <= f.ende {
            return Err(Fehler::ungueltig(
                "Das neue Fristende muss nach dem bisherigen Fristende liegen.",
            ));
        }
        pruefe_gesetztes_ende(neu, heute, "Das neue Fristende").map_err(Fehler::ungueltig)?;
        let alt_de = frist::datum_de(f.ende);
        let neu_de = frist::datum_de(neu);
        let erklaerung = format!(
            "{}\nVerlängert am {} von {alt_de} bis {} (behördlich gesetzt). Grund: {grund}",
            f.erklaerung,
            frist::tag_de(heute),
            frist::tag_de(neu)
        );
        let text =
            format!("Nachforderungsfrist verlängert von {alt_de} bis {neu_de}. Grund: {grund}");
        let mailtext = format!(
            "Die Bauaufsicht hat die Frist zur Nachreichung der Unterlagen verlängert: Sie endet jetzt am {}.\nGrund: {grund}",
            frist::tag_de(neu)
        );
        let now = now_millis();
        let mut tx = self.db.begin().await?;
        self.schreibe_verlaengerung(
            &mut tx,
            akteur,
            a,
            Verlaengerung {
                frist_id: f.id,
                art: Eintragsart::FristVerlaengert,
                neu,
                erklaerung: &erklaerung,
                text: &text,
                titel: "Frist verlängert",
                mailtext: &mailtext,
            },
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The one extension of the decision deadline in the vereinfachtes Verfahren: before it
    /// ends, by at most two months, to a Werktag, with a reason; on the timeline and mailed
    /// to the applicants, since it postpones their Genehmigungsfiktion.
    async fn entscheidungsfrist_verlaengern(
        &self,
        akteur: &Akteur,
        f: &Frist,
        a: &Antrag,
        neues_ende: &str,
        grund: &str,
    ) -> Ergebnis<()> {
        if a.verfahren != Some(Verfahrensart::VereinfachtesVerfahren) {
            return Err(Fehler::konflikt(
                "Nur die Entscheidungsfrist des vereinfachten Verfahrens (§ 65 Abs. 2 HBO) kann verlängert werden.",
            ));
        }
        if f.zustand != FristZustand::Laeuft {
            return Err(Fehler::konflikt(
                "Diese Frist ist nicht mehr offen und kann nicht verlängert werden.",
            ));
        }
        let grund = pruefe_grund(grund)?;
        let neu = frist::parse_datum(neues_ende)
            .map_err(|e| Fehler::ungueltig(format!("Neues Fristende: {e}")))?;
        let bisher = self
            .db
            .ereignisse(a.id)
            .await?
            .iter()
            .filter(|e| e.art == Eintragsart::EntscheidungsfristVerlaengert)
            .count();
        let heute = heute_berlin();
        verlaengerung_zulaessig(
            u32::try_from(bisher).unwrap_or(u32::MAX),
            f.ende,
            neu,
            VERLAENGERUNG_HOECHSTENS,
            heute,
        )
        .map_err(|e| Fehler::ungueltig(e.to_string()))?;
        let (alt_de, neu_de) = (frist::datum_de(f.ende), frist::datum_de(neu));
        let erklaerung = format!(
            "{}\nEinmalig verlängert am {} von {alt_de} bis {} (§ 65 Abs. 2 Satz 2 HBO). Grund: {grund}",
            f.erklaerung,
            frist::tag_de(heute),
            frist::tag_de(neu)
        );
        let text = format!(
            "Entscheidungsfrist einmalig verlängert von {alt_de} bis {neu_de} (§ 65 Abs. 2 Satz 2 HBO). Grund: {grund}"
        );
        let mailtext = format!(
            "Die Bauaufsicht hat die Frist für die Entscheidung über Ihren Antrag einmalig verlängert (§ 65 Abs. 2 Satz 2 HBO): Sie endet jetzt am {}.\nGrund: {grund}",
            frist::tag_de(neu)
        );
        let now = now_millis();
        let mut tx = self.db.begin().await?;
        // The count above is read outside the transaction; the timeline entry is the record
        // of the one extension, so check again inside it before writing — after locking the
        // case row: on PostgreSQL (read committed) a second extension running at the same
        // time would not see the first one's uncommitted entry; with the lock it waits and
        // then sees it.
        Db::sperre_vorgang(&mut tx, a.id).await?;
        if Db::zaehle_eintraege(&mut tx, a.id, Eintragsart::EntscheidungsfristVerlaengert).await?
            > 0
        {
            return Err(Fehler::ungueltig(
                plankammer_domain::bescheid::VerlaengerungsFehler::SchonVerlaengert.to_string(),
            ));
        }
        self.schreibe_verlaengerung(
            &mut tx,
            akteur,
            a,
            Verlaengerung {
                frist_id: f.id,
                art: Eintragsart::EntscheidungsfristVerlaengert,
                neu,
                erklaerung: &erklaerung,
                text: &text,
                titel: "Entscheidungsfrist verlängert",
                mailtext: &mailtext,
            },
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Writes an extension in the step's transaction: the new end (only of an open
    /// deadline), the timeline entry and the mail to the applicants.
    async fn schreibe_verlaengerung(
        &self,
        tx: &mut plankammer_storage::Tx,
        akteur: &Akteur,
        a: &Antrag,
        v: Verlaengerung<'_>,
        now: plankammer_storage::Millis,
    ) -> Ergebnis<()> {
        Db::verlaengere_frist(tx, v.frist_id, v.neu, v.erklaerung, now)
            .await
            .map_err(Fehler::bei(
                Konflikt::FristNichtOffen,
                "Diese Frist ist nicht mehr offen und kann nicht verlängert werden.",
            ))?;
        self.eintrag(tx, a.id, Some(akteur), v.art, v.text, now)
            .await?;
        self.benachrichtige(
            tx,
            a,
            &[An::Antragsteller],
            Mitteilung {
                titel: v.titel,
                text: v.mailtext,
                status: Some(statuszeile(a.zustand)),
                frist: Some(&frist::datum_de(v.neu)),
                pfad: None,
            },
            now,
        )
        .await?;
        Ok(())
    }
}

/// An extension of a deadline as it is written.
struct Verlaengerung<'a> {
    frist_id: i64,
    art: Eintragsart,
    neu: NaiveDate,
    erklaerung: &'a str,
    text: &'a str,
    titel: &'a str,
    mailtext: &'a str,
}

impl Verfahren {
    /// The tenant's inbox of submitted cases, newest first, one page (keyset paging): for
    /// its case workers and its administration.
    pub async fn eingang(
        &self,
        akteur: &Akteur,
        filter: &plankammer_storage::antrag::EingangsFilter,
    ) -> Ergebnis<Vec<Antrag>> {
        crate::zugriff::nur(
            akteur,
            &[
                plankammer_domain::Role::Bauaufsicht,
                plankammer_domain::Role::Admin,
            ],
        )?;
        Ok(self.db.eingang(akteur.tenant_id, filter).await?)
    }

    /// The open deadlines of the tenant's cases, earliest end first, for its case workers.
    pub async fn offene_fristen(
        &self,
        akteur: &Akteur,
    ) -> Ergebnis<Vec<plankammer_storage::antrag::OffeneFrist>> {
        crate::zugriff::nur_bauaufsicht(akteur)?;
        Ok(self
            .db
            .offene_fristen_des_tenants(akteur.tenant_id, 500)
            .await?)
    }
}

// --- What changed between two Fassungen -----------------------------------------------------

/// Whitespace collapsed, so re-flowed text of the same words compares equal.
pub fn normalisiere_text(t: &str) -> String {
    t.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// One page of a version as the comparison needs it: its format and its text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeitenStand {
    pub format: String,
    pub text: String,
}

/// The pages that differ between two versions, with the reason, in page order.
pub fn seitenunterschiede(
    alt: &std::collections::BTreeMap<i64, SeitenStand>,
    neu: &std::collections::BTreeMap<i64, SeitenStand>,
) -> Vec<Seitenaenderung> {
    let mut nummern: Vec<i64> = alt.keys().chain(neu.keys()).copied().collect();
    nummern.sort_unstable();
    nummern.dedup();
    let mut out = Vec::new();
    for n in nummern {
        let grund = match (alt.get(&n), neu.get(&n)) {
            (Some(_), None) => "Seite entfallen".to_string(),
            (None, Some(_)) => "Seite hinzugekommen".to_string(),
            (Some(a), Some(b)) if a.format != b.format => {
                format!("Format geändert ({} → {})", a.format, b.format)
            }
            (Some(a), Some(b)) if a.text != b.text => "Inhalt geändert".to_string(),
            _ => continue,
        };
        out.push(Seitenaenderung { nummer: n, grund });
    }
    out
}

/// A page that changed, and how.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Seitenaenderung {
    pub nummer: i64,
    /// "Inhalt geändert", "Format geändert (A3 quer → A2 quer)", "Seite entfallen" …
    pub grund: String,
}

/// A document whose version changed from one Fassung to the next.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Ersetzung {
    pub alt: plankammer_storage::antrag::FassungsDokument,
    pub neu: plankammer_storage::antrag::FassungsDokument,
    /// The same bytes uploaded again.
    pub gleicher_inhalt: bool,
    /// The pages that changed; `None` while the pipeline has not read both versions.
    pub seiten: Option<Vec<Seitenaenderung>>,
}

/// What changed from the second-last to the last Fassung of a case.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Fassungsvergleich {
    pub von: i64,
    pub nach: i64,
    pub hinzugefuegt: Vec<plankammer_storage::antrag::FassungsDokument>,
    pub entfernt: Vec<plankammer_storage::antrag::FassungsDokument>,
    pub ersetzt: Vec<Ersetzung>,
    /// Documents in the same version in both.
    pub unveraendert: usize,
}

impl Verfahren {
    /// The pages of a version with their format and (normalised) text.
    async fn seitenstand(
        &self,
        version_id: i64,
    ) -> Ergebnis<std::collections::BTreeMap<i64, SeitenStand>> {
        let texte: HashMap<i64, String> = self
            .db
            .seiten_texte(version_id)
            .await?
            .into_iter()
            .map(|t| (t.nummer, normalisiere_text(t.text.as_deref().unwrap_or(""))))
            .collect();
        Ok(self
            .db
            .seiten(version_id)
            .await?
            .into_iter()
            .map(|s| {
                let format = if s.format == "Sonderformat" {
                    format!("{:.0} × {:.0} mm", s.breite_mm, s.hoehe_mm)
                } else {
                    format!("{} {}", s.format, s.ausrichtung)
                };
                let text = texte.get(&s.nummer).cloned().unwrap_or_default();
                (s.nummer, SeitenStand { format, text })
            })
            .collect())
    }

    /// What changed from the second-last to the last Fassung, down to the page; `None`
    /// while the case has fewer than two. For the case workers of the tenant.
    pub async fn fassungsvergleich(
        &self,
        akteur: &Akteur,
        vorgang_id: i64,
    ) -> Ergebnis<Option<Fassungsvergleich>> {
        let a = self.vorgang_der_bauaufsicht(akteur, vorgang_id).await?;
        let fassungen = self.db.fassungen(a.id).await?;
        let [.., alt, neu] = fassungen.as_slice() else {
            return Ok(None);
        };
        let alte = self.db.fassung_dokumente(alt.id).await?;
        let neue = self.db.fassung_dokumente(neu.id).await?;
        let alt_map: HashMap<i64, _> = alte.iter().map(|d| (d.dokument_id, d)).collect();
        let neu_ids: std::collections::HashSet<i64> = neue.iter().map(|d| d.dokument_id).collect();
        let mut hinzugefuegt = Vec::new();
        let mut ersetzt = Vec::new();
        let mut unveraendert = 0;
        for d in &neue {
            match alt_map.get(&d.dokument_id) {
                None => hinzugefuegt.push(d.clone()),
                Some(a) if a.version_id != d.version_id => {
                    let sa = self.seitenstand(a.version_id).await?;
                    let sn = self.seitenstand(d.version_id).await?;
                    let seiten =
                        (!sa.is_empty() && !sn.is_empty()).then(|| seitenunterschiede(&sa, &sn));
                    ersetzt.push(Ersetzung {
                        alt: (*a).clone(),
                        neu: d.clone(),
                        gleicher_inhalt: a.sha256 == d.sha256,
                        seiten,
                    });
                }
                Some(_) => unveraendert += 1,
            }
        }
        let entfernt = alte
            .iter()
            .filter(|d| !neu_ids.contains(&d.dokument_id))
            .cloned()
            .collect();
        Ok(Some(Fassungsvergleich {
            von: alt.nummer,
            nach: neu.nummer,
            hinzugefuegt,
            entfernt,
            ersetzt,
            unveraendert,
        }))
    }
}

impl Verfahren {
    /// The deadlines of a case, for whoever sees it: the Bauaufsicht of its tenant all of
    /// them (also those ended or met), the applicants the ones still running.
    pub async fn fristen_des_vorgangs(
        &self,
        akteur: &Akteur,
        vorgang_id: i64,
    ) -> Ergebnis<Vec<Frist>> {
        let a = self.vorgang(akteur, vorgang_id).await?;
        let alle =
            akteur.role == plankammer_domain::Role::Bauaufsicht && akteur.tenant_id == a.tenant_id;
        Ok(self
            .db
            .fristen(a.id)
            .await?
            .into_iter()
            .filter(|f| alle || f.zustand.ist_offen())
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn s(format: &str, text: &str) -> SeitenStand {
        SeitenStand {
            format: format.into(),
            text: normalisiere_text(text),
        }
    }

    #[test]
    fn pages_differ_by_format_text_or_presence() {
        let alt = BTreeMap::from([
            (1, s("A3 quer", "Grundriss EG")),
            (2, s("A3 quer", "Grundriss  OG\n")),
            (3, s("A4 hoch", "Legende")),
        ]);
        let neu = BTreeMap::from([
            (1, s("A3 quer", "Grundriss\nEG")),
            (2, s("A2 quer", "Grundriss OG")),
            (4, s("A4 hoch", "neu")),
        ]);
        let d: Vec<(i64, String)> = seitenunterschiede(&alt, &neu)
            .into_iter()
            .map(|x| (x.nummer, x.grund))
            .collect();
        assert_eq!(
            d,
            vec![
                (2, "Format geändert (A3 quer → A2 quer)".to_string()),
                (3, "Seite entfallen".to_string()),
                (4, "Seite hinzugekommen".to_string()),
            ]
        );
    }
}
