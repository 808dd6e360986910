//! A Stelle's work on its request: opening it (the first opening moves it to „In
//! Bearbeitung“), asking the Bauaufsicht a Rückfrage, giving the structured Stellungnahme
//! (tenor, consent, Nebenbestimmungen, Begründung; corrections supersede, never overwrite;
//! a late one is taken in and flagged, § 70 Abs. 1 Satz 4 HBO; the attachments present are
//! frozen with it), and its attachments (Anlagen): the checks before an upload
//! ([`Verfahren::anlagen_ziel`]; the upload itself is [`Verfahren::hochladen`] with
//! [`crate::dokumente::Ziel::Anlage`]) and removing one not yet submitted.
//!
//! Who may act is decided by [`crate::zugriff`]: a member of the Stelle asked, from the
//! request on, not after a withdrawal ([`darf_handeln`]).

use crate::Verfahren;
use crate::akteur::Akteur;
use crate::beteiligung::{MAX_FRAGE, fehler_der_domain, stand};
use crate::dokumente::{MAX_ANLAGEN_JE_ANFRAGE, MAX_ANLAGEN_JE_HOCHLADEN};
use crate::fehler::{Ergebnis, Fehler};
use crate::mitteilung::{An, Mitteilung};
use crate::zugriff::{darf_handeln, zurueckgezogen};
use plankammer_domain::Role;
use plankammer_domain::beteiligung::{
    Ausloeser, BeteiligungsEreignis, BeteiligungsZustand, MAX_NEBENBESTIMMUNG, Nebenbestimmung,
    Rolle, StelleId, Stellungnahme as DomStellungnahme, StellungnahmeId, Zustimmung, uebergang,
};
use plankammer_domain::zeitleiste::Eintragsart;
use plankammer_storage::antrag::Antrag;
use plankammer_storage::audit::AuditEvent;
use plankammer_storage::beteiligung::{Beteiligung, NeueStellungnahme, Stellungnahme};
use plankammer_storage::{Db, Konflikt, heute_berlin, now_millis};
use serde::{Deserialize, Serialize};

/// One Nebenbestimmung as entered: a code of `nebenbestimmungart_3.0`, its text and why
/// the Stelle asks for it. A row with neither text nor Begründung is skipped (forms offer
/// empty rows).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Nebenbestimmungsangabe {
    pub art: String,
    pub text: String,
    pub begruendung: String,
}

impl Nebenbestimmungsangabe {
    fn gefuellt(&self) -> bool {
        !self.text.trim().is_empty() || !self.begruendung.trim().is_empty()
    }
}

/// A Stellungnahme as entered.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct StellungnahmeEingabe {
    pub tenor: String,
    /// `None`: nothing chosen (refused with the other problems).
    pub zustimmung: Option<Zustimmung>,
    pub nebenbestimmungen: Vec<Nebenbestimmungsangabe>,
    pub begruendung: String,
    /// A correction: the current Stellungnahme it replaces.
    pub ersetzt: Option<i64>,
}

/// Checks a Stellungnahme with the domain's rules plus the Begründung of each
/// Nebenbestimmung; every problem as a German sentence. Gives the consent and the
/// Nebenbestimmungen to store.
pub fn pruefe_stellungnahme(
    e: &StellungnahmeEingabe,
    b: &Beteiligung,
    heute: chrono::NaiveDate,
) -> Result<(Zustimmung, Vec<Nebenbestimmung>), Vec<String>> {
    let mut m = Vec::new();
    if e.zustimmung.is_none() {
        m.push(
            "Bitte wählen Sie, ob Sie zustimmen (ja, nein oder mit Nebenbestimmungen).".to_string(),
        );
    }
    let gefuellt: Vec<&Nebenbestimmungsangabe> = e
        .nebenbestimmungen
        .iter()
        .filter(|z| z.gefuellt())
        .collect();
    for (i, z) in gefuellt.iter().enumerate() {
        if z.begruendung.chars().count() > MAX_NEBENBESTIMMUNG {
            m.push(format!(
                "Nebenbestimmung {}: Die Begründung ist zu lang (höchstens {MAX_NEBENBESTIMMUNG} Zeichen).",
                i + 1
            ));
        }
    }
    let nebenbestimmungen: Vec<Nebenbestimmung> = gefuellt
        .iter()
        .map(|z| Nebenbestimmung {
            art: z.art.trim().to_string(),
            text: z.text.trim().to_string(),
            begruendung: z.begruendung.trim().to_string(),
            quelle: None,
        })
        .collect();
    let dom = DomStellungnahme {
        id: StellungnahmeId(0),
        stelle: StelleId(b.stelle_id),
        stelle_name: b.stelle_name.clone(),
        tenor: e.tenor.trim().to_string(),
        zustimmung: e.zustimmung.unwrap_or(Zustimmung::Ja),
        nebenbestimmungen,
        begruendung: e.begruendung.trim().to_string(),
        abgegeben_am: heute,
        ersetzt: e.ersetzt.map(StellungnahmeId),
    };
    if let Err(f) = dom.pruefe() {
        if e.zustimmung.is_some() {
            m.extend(f.meldungen);
        } else {
            // Without a choice, only the messages that do not depend on it.
            m.extend(
                f.meldungen
                    .into_iter()
                    .filter(|x| !x.contains("Zustimmung")),
            );
        }
    }
    if m.is_empty() {
        Ok((dom.zustimmung, dom.nebenbestimmungen))
    } else {
        Err(m)
    }
}

/// The current (not superseded) Stellungnahme of a request.
pub fn aktuelle(liste: &[Stellungnahme]) -> Option<&Stellungnahme> {
    liste
        .iter()
        .filter(|s| !liste.iter().any(|n| n.ersetzt_id == Some(s.id)))
        .max_by_key(|s| s.id)
}

/// May the Stelle give a (first) Stellungnahme now: while the request is open or after its
/// deadline passed (then late), never after a withdrawal.
pub fn kann_stellungnahme(b: &Beteiligung) -> bool {
    darf_handeln(b) && (b.zustand.ist_offen() || b.zustand == BeteiligungsZustand::FristAbgelaufen)
}

/// May the Stelle ask a Rückfrage now (the domain's state machine)?
pub fn kann_fragen(b: &Beteiligung) -> bool {
    darf_handeln(b)
        && matches!(
            b.zustand,
            BeteiligungsZustand::Angefragt | BeteiligungsZustand::InBearbeitung
        )
}

/// May the Stelle add or remove attachments to this request now? While it may give a
/// Stellungnahme or correct the current one — the same moments the page offers those forms.
pub fn anlagen_aenderbar(b: &Beteiligung, liste: &[Stellungnahme]) -> bool {
    darf_handeln(b) && (kann_stellungnahme(b) || aktuelle(liste).is_some())
}

/// Would a Stellungnahme given `heute` be late: after the deadline, or after its fiction?
pub fn waere_verspaetet(b: &Beteiligung, heute: chrono::NaiveDate) -> bool {
    heute > b.ende || b.fiktion_at.is_some()
}

/// The words of the consent for the role the Stelle is asked in (the Gemeinde's Einvernehmen).
pub fn zustimmung_text(b: &Beteiligung, z: Zustimmung) -> &'static str {
    if b.rolle == Rolle::Gemeinde {
        z.bezeichnung_gemeinde()
    } else {
        z.bezeichnung()
    }
}

fn geaendert() -> Fehler {
    Fehler::konflikt("Die Anfrage wurde inzwischen geändert. Bitte laden Sie die Seite neu.")
}

/// Where a Stelle's upload of attachments goes, checked: the case, the request, and how
/// many attachments it has.
#[derive(Debug, Clone)]
pub struct AnlagenZiel {
    pub antrag: Antrag,
    pub beteiligung: Beteiligung,
    /// Current attachments of the request.
    pub vorhanden: usize,
}

impl AnlagenZiel {
    /// How many files this upload may still add.
    pub fn hoechstens(&self) -> usize {
        MAX_ANLAGEN_JE_HOCHLADEN.min(MAX_ANLAGEN_JE_ANFRAGE.saturating_sub(self.vorhanden))
    }

    /// The refusal of a file beyond [`AnlagenZiel::hoechstens`].
    pub fn zu_viele(&self) -> Fehler {
        Fehler::ZuGross(format!(
            "Höchstens {MAX_ANLAGEN_JE_HOCHLADEN} Anlagen je Hochladen und {MAX_ANLAGEN_JE_ANFRAGE} Anlagen je Anfrage; {} sind bereits vorhanden.",
            self.vorhanden
        ))
    }
}

impl Verfahren {
    /// A member opens the request: the first opening (while it is not withdrawn) moves
    /// `angefragt` to `in_bearbeitung` with a timeline entry, once. Returns the request as
    /// it is now. Every opening is audited as a read: the page shows the case's Angaben.
    pub async fn anfrage_oeffnen(
        &self,
        akteur: &Akteur,
        beteiligung_id: i64,
    ) -> Ergebnis<Beteiligung> {
        let b = self
            .anfrage_oeffnen_ohne_vermerk(akteur, beteiligung_id)
            .await?;
        let a = self.db.antrag(b.vorgang_id).await?;
        self.gelesen(
            akteur,
            &a,
            "vorgang.lesen",
            "beteiligung",
            b.id.to_string(),
            serde_json::json!({ "was": "anfrage", "vorgang_id": a.id }),
        )
        .await?;
        Ok(b)
    }

    async fn anfrage_oeffnen_ohne_vermerk(
        &self,
        akteur: &Akteur,
        beteiligung_id: i64,
    ) -> Ergebnis<Beteiligung> {
        let b = self
            .beteiligung_des_mitglieds(akteur, beteiligung_id)
            .await?;
        if !(darf_handeln(&b)
            && (b.zustand == BeteiligungsZustand::Angefragt || b.geoeffnet_at.is_none()))
        {
            return Ok(b);
        }
        let now = now_millis();
        let mut tx = self.db.begin().await?;
        if Db::oeffne_beteiligung(&mut tx, b.id, now).await? {
            let text = format!(
                "Anfrage an „{}“ von der Stelle geöffnet; in Bearbeitung.",
                b.stelle_name
            );
            self.eintrag(
                &mut tx,
                b.vorgang_id,
                Some(akteur),
                Eintragsart::BeteiligungGeoeffnet,
                &text,
                now,
            )
            .await?;
        }
        tx.commit().await?;
        Ok(self.db.beteiligung(b.id).await?)
    }

    /// A member asks the Bauaufsicht a question (the request waits for the answer); with
    /// `an_antragsteller` it suggests passing it on to the applicants. The case workers get
    /// a mail. Returns the Rückfrage's id.
    pub async fn rueckfrage_stellen(
        &self,
        akteur: &Akteur,
        beteiligung_id: i64,
        frage: &str,
        an_antragsteller: bool,
    ) -> Ergebnis<i64> {
        let b = self
            .beteiligung_des_mitglieds(akteur, beteiligung_id)
            .await?;
        if !darf_handeln(&b) {
            return Err(zurueckgezogen());
        }
        let frage = frage.trim();
        if frage.is_empty() {
            return Err(Fehler::ungueltig("Bitte formulieren Sie Ihre Rückfrage."));
        }
        if frage.chars().count() > MAX_FRAGE {
            return Err(Fehler::ungueltig(format!(
                "Die Rückfrage ist zu lang (höchstens {MAX_FRAGE} Zeichen)."
            )));
        }
        let neu = uebergang(
            &stand(&b),
            &BeteiligungsEreignis::RueckfrageStellen,
            Ausloeser::Person(Role::Fachstelle),
        )
        .map_err(fehler_der_domain)?;
        let a = self.db.antrag(b.vorgang_id).await?;
        let now = now_millis();
        let mut tx = self.db.begin().await?;
        if !Db::wechsle_beteiligungszustand(&mut tx, b.id, b.zustand, neu.zustand, None, now)
            .await?
        {
            return Err(geaendert());
        }
        let rid = Db::stelle_rueckfrage(
            &mut tx,
            b.id,
            frage,
            an_antragsteller,
            false,
            akteur.user_id,
            now,
        )
        .await?;
        let text = format!(
            "Rückfrage der Stelle „{}“ an die Bauaufsicht{}.",
            b.stelle_name,
            if an_antragsteller {
                " (Weitergabe an die Antragstellenden angeregt)"
            } else {
                ""
            }
        );
        self.eintrag(
            &mut tx,
            a.id,
            Some(akteur),
            Eintragsart::BeteiligungRueckfrage,
            &text,
            now,
        )
        .await?;
        let mailtext = format!(
            "{text}\nBitte beantworten Sie die Rückfrage auf der Seite der Beteiligung. Ob die Rückfrage die Frist der Stelle hemmt, entscheiden Sie mit der Antwort."
        );
        self.benachrichtige(
            &mut tx,
            &a,
            &[An::Bauaufsicht],
            Mitteilung {
                titel: &format!("Rückfrage der Stelle {}", b.stelle_name),
                text: &mailtext,
                status: None,
                frist: None,
                pfad: Some(&format!(
                    "/vorgaenge/{}/beteiligung#beteiligung-{}",
                    a.id, b.id
                )),
            },
            now,
        )
        .await?;
        tx.commit().await?;
        tracing::info!(
            beteiligung_id = b.id,
            vorgang_id = a.id,
            "rueckfrage gestellt"
        );
        Ok(rid)
    }

    /// A member gives the Stelle's Stellungnahme, or corrects the current one (`ersetzt`).
    /// A first Stellungnahme moves the request through the domain's state machine (late
    /// after the deadline or its fiction, § 70 Abs. 1 Satz 4 HBO) and, when it answered the
    /// last open request, closes the Beteiligung; a correction replaces the current one and
    /// leaves the state. The attachments present are frozen with it; the case workers get a
    /// mail. Returns the Stellungnahme's id.
    pub async fn stellungnahme_abgeben(
        &self,
        akteur: &Akteur,
        beteiligung_id: i64,
        eingabe: &StellungnahmeEingabe,
    ) -> Ergebnis<i64> {
        let b = self
            .beteiligung_des_mitglieds(akteur, beteiligung_id)
            .await?;
        if !darf_handeln(&b) {
            return Err(zurueckgezogen());
        }
        let heute = heute_berlin();
        let (zustimmung, nebenbestimmungen) =
            pruefe_stellungnahme(eingabe, &b, heute).map_err(Fehler::Ungueltig)?;
        let liste = self.db.stellungnahmen(b.id).await?;
        let aktuell = aktuelle(&liste).map(|s| s.id);
        // A first statement moves the request through the state machine; a correction
        // replaces the current statement and leaves the state as it is.
        let (neuer_zustand, verspaetet) = match (eingabe.ersetzt, aktuell) {
            (None, None) => {
                let neu = uebergang(
                    &stand(&b),
                    &BeteiligungsEreignis::StellungnahmeAbgeben {
                        abgegeben_am: heute,
                    },
                    Ausloeser::Person(Role::Fachstelle),
                )
                .map_err(fehler_der_domain)?;
                (Some(neu.zustand), neu.verspaetet)
            }
            (Some(alt), Some(akt)) if alt == akt => (None, waere_verspaetet(&b, heute)),
            (Some(_), Some(_)) => {
                return Err(Fehler::konflikt(
                    "Diese Stellungnahme wurde bereits korrigiert; bitte korrigieren Sie die aktuelle Fassung.",
                ));
            }
            (None, Some(_)) => {
                return Err(Fehler::konflikt(
                    "Ihre Stelle hat bereits eine Stellungnahme abgegeben. Eine Korrektur wird als neue Stellungnahme abgegeben, die die bisherige ersetzt.",
                ));
            }
            (Some(_), None) => return Err(Fehler::NichtGefunden),
        };
        let a = self.db.antrag(b.vorgang_id).await?;
        let now = now_millis();
        let mut tx = self.db.begin().await?;
        // A first Stellungnahme may answer the last open request: lock the case row before
        // changing the request, so that of two Stellen submitting at once (or a submission
        // and a deemed consent or a withdrawal) the second waits and counts after the first.
        let gesperrt = match neuer_zustand {
            Some(_) => Some(self.sperre(&mut tx, a.id).await?),
            None => None,
        };
        if let Some(z) = neuer_zustand
            && !Db::wechsle_beteiligungszustand(&mut tx, b.id, b.zustand, z, None, now).await?
        {
            return Err(geaendert());
        }
        let sid = Db::gib_stellungnahme_ab(
            &mut tx,
            &NeueStellungnahme {
                beteiligung_id: b.id,
                ersetzt_id: eingabe.ersetzt,
                tenor: eingabe.tenor.trim(),
                zustimmung,
                nebenbestimmungen: &nebenbestimmungen,
                begruendung: eingabe.begruendung.trim(),
                verspaetet,
                user_id: akteur.user_id,
            },
            now,
        )
        .await
        .map_err(Fehler::bei(
            Konflikt::StellungnahmeSchonKorrigiert,
            "Diese Stellungnahme wurde inzwischen schon korrigiert (von Ihnen in einem anderen Fenster oder von einer Kollegin oder einem Kollegen Ihrer Stelle). Bitte laden Sie die Seite neu und korrigieren Sie, falls nötig, die aktuelle Fassung.",
        ))?;
        // The attachments current now are frozen with this Stellungnahme (a correction
        // carries those present at its own submission).
        let anlagen = Db::verknuepfe_anlagen(&mut tx, b.id, sid).await?;
        let mut zusatz = Vec::new();
        match nebenbestimmungen.len() {
            0 => {}
            1 => zusatz.push("1 Nebenbestimmung".to_string()),
            n => zusatz.push(format!("{n} Nebenbestimmungen")),
        }
        match anlagen {
            0 => {}
            1 => zusatz.push("1 Anlage".to_string()),
            n => zusatz.push(format!("{n} Anlagen")),
        }
        let korrektur = eingabe.ersetzt.is_some();
        let text = format!(
            "{} der Stelle „{}“ eingegangen: {}{}{}",
            if korrektur {
                "Korrigierte Stellungnahme"
            } else {
                "Stellungnahme"
            },
            b.stelle_name,
            zustimmung_text(&b, zustimmung),
            if zusatz.is_empty() {
                String::new()
            } else {
                format!(" ({})", zusatz.join(", "))
            },
            if verspaetet {
                ". Verspätet eingegangen (§ 70 Abs. 1 Satz 4 HBO); die Bauaufsicht entscheidet, ob sie berücksichtigt wird."
            } else {
                "."
            }
        );
        self.eintrag(
            &mut tx,
            a.id,
            Some(akteur),
            if korrektur {
                Eintragsart::StellungnahmeKorrigiert
            } else {
                Eintragsart::StellungnahmeAbgegeben
            },
            &text,
            now,
        )
        .await?;
        self.benachrichtige(
            &mut tx,
            &a,
            &[An::Bauaufsicht],
            Mitteilung {
                titel: &format!("Stellungnahme der Stelle {}", b.stelle_name),
                text: &text,
                status: None,
                frist: None,
                pfad: Some(&format!(
                    "/vorgaenge/{}/beteiligung#beteiligung-{}",
                    a.id, b.id
                )),
            },
            now,
        )
        .await?;
        if let Some(g) = gesperrt {
            self.beteiligung_schliessen_wenn_erledigt(&mut tx, &a, g, now)
                .await?;
        }
        tx.commit().await?;
        tracing::info!(
            beteiligung_id = b.id,
            stellungnahme_id = sid,
            verspaetet,
            anlagen,
            "stellungnahme abgegeben"
        );
        Ok(sid)
    }

    /// Before a member's upload of attachments: the request (a member's, not withdrawn, in
    /// a moment a Stellungnahme or its correction can be given), its case, and how many
    /// attachments it has. The adapter then stores each file with [`Verfahren::hochladen`]
    /// and [`crate::dokumente::Ziel::Anlage`], at most [`AnlagenZiel::hoechstens`].
    pub async fn anlagen_ziel(
        &self,
        akteur: &Akteur,
        beteiligung_id: i64,
    ) -> Ergebnis<AnlagenZiel> {
        let b = self
            .beteiligung_des_mitglieds(akteur, beteiligung_id)
            .await?;
        if !darf_handeln(&b) {
            return Err(zurueckgezogen());
        }
        if !anlagen_aenderbar(&b, &self.db.stellungnahmen(b.id).await?) {
            return Err(Fehler::konflikt(
                "Zu dieser Anfrage können keine Anlagen mehr hinzugefügt werden.",
            ));
        }
        let vorhanden = self.db.anlagen(b.id).await?.len();
        let antrag = self.db.antrag(b.vorgang_id).await?;
        Ok(AnlagenZiel {
            antrag,
            beteiligung: b,
            vorhanden,
        })
    }

    /// A member removes an attachment of its request that no submitted Stellungnahme
    /// carries (what was submitted stays as it was); audited.
    pub async fn anlage_entfernen(
        &self,
        akteur: &Akteur,
        beteiligung_id: i64,
        dokument_id: i64,
    ) -> Ergebnis<()> {
        let b = self
            .beteiligung_des_mitglieds(akteur, beteiligung_id)
            .await?;
        if !darf_handeln(&b) {
            return Err(zurueckgezogen());
        }
        let anlage = self
            .db
            .anlagen(b.id)
            .await?
            .into_iter()
            .find(|a| a.dokument_id == dokument_id)
            .ok_or(Fehler::NichtGefunden)?;
        if let Some(sid) = anlage.abgegeben_mit.first() {
            return Err(Fehler::Konflikt(format!(
                "Diese Anlage gehört zur abgegebenen Stellungnahme Nr. {sid} und bleibt deren Teil; sie kann nicht mehr entfernt werden."
            )));
        }
        let now = now_millis();
        let mut tx = self.db.begin().await?;
        if !Db::entferne_anlage(&mut tx, b.id, dokument_id, now).await? {
            return Err(geaendert());
        }
        Db::audit(
            &mut tx,
            AuditEvent {
                tenant_id: Some(anlage.version.tenant_id),
                actor_user_id: Some(akteur.user_id),
                action: "anlage.entfernen",
                object_type: "dokument",
                object_id: Some(dokument_id.to_string()),
                detail: serde_json::json!({ "vorgang_id": b.vorgang_id, "beteiligung_id": b.id }),
            },
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_rows_are_skipped_and_texts_trimmed() {
        let b = Beteiligung {
            id: 1,
            vorgang_id: 1,
            stelle_id: 1,
            stelle_name: "Brandschutz".into(),
            rolle: Rolle::Sachverstaendig,
            rechtsbereich: String::new(),
            notiz: String::new(),
            umfang: None,
            fassung_id: None,
            freigegeben_fassung_id: None,
            zustand: BeteiligungsZustand::InBearbeitung,
            start: chrono::NaiveDate::from_ymd_opt(2026, 3, 2).unwrap(),
            ende: chrono::NaiveDate::from_ymd_opt(2026, 4, 2).unwrap(),
            rechtsgrundlage: String::new(),
            erklaerung: String::new(),
            behoerdlich_gesetzt: false,
            schweigefolge: plankammer_domain::beteiligung::Schweigefolge::ZustimmungFingiert,
            fiktion_at: None,
            erinnerungen: vec![],
            andere_kommentare_sichtbar: false,
            grund: None,
            angefragt_at: 0,
            angefragt_by: 1,
            geoeffnet_at: None,
        };
        let heute = chrono::NaiveDate::from_ymd_opt(2026, 3, 10).unwrap();
        let e = StellungnahmeEingabe {
            tenor: " Zustimmung mit Auflage ".into(),
            zustimmung: Some(Zustimmung::MitNebenbestimmungen),
            nebenbestimmungen: vec![
                Nebenbestimmungsangabe {
                    art: "2".into(),
                    text: " Rauchmelder ".into(),
                    begruendung: "weil".into(),
                },
                Nebenbestimmungsangabe {
                    art: "2".into(),
                    ..Default::default()
                },
            ],
            ..Default::default()
        };
        let (z, nb) = pruefe_stellungnahme(&e, &b, heute).unwrap();
        assert_eq!(z, Zustimmung::MitNebenbestimmungen);
        assert_eq!(nb.len(), 1);
        assert_eq!(nb[0].text, "Rauchmelder");
        let ohne = StellungnahmeEingabe {
            zustimmung: None,
            ..e.clone()
        };
        let m = pruefe_stellungnahme(&ohne, &b, heute).unwrap_err();
        assert_eq!(
            m,
            vec!["Bitte wählen Sie, ob Sie zustimmen (ja, nein oder mit Nebenbestimmungen)."]
        );
        let lang = StellungnahmeEingabe {
            nebenbestimmungen: vec![Nebenbestimmungsangabe {
                art: "2".into(),
                text: "x".into(),
                begruendung: "y".repeat(MAX_NEBENBESTIMMUNG + 1),
            }],
            ..e
        };
        assert!(
            pruefe_stellungnahme(&lang, &b, heute).unwrap_err()[0]
                .contains("Die Begründung ist zu lang")
        );
    }
}
