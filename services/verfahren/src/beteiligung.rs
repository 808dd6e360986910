//! The Bauaufsicht's side of the Beteiligung: asking one or more Stellen in one step (the
//! deadline proposed by the engine, or set by the case worker and recorded as „behördlich
//! gesetzt“), withdrawing and extending a request, answering a Stelle's Rückfrage (with the
//! decision whether it suspended the deadline, § 209 BGB) or passing it on to the applicants,
//! deciding whether a late Stellungnahme is considered (§ 70 Abs. 1 Satz 4 HBO), letting a
//! Stelle see the others' plan comments, and sharing a later Fassung with it.
//!
//! The Beteiligung of a case closes (status 09) when no request of it is open any more:
//! after the last Stellungnahme, a withdrawal, a deemed consent, or — for a case that
//! slipped through — the clock's sweep. All four go through one function,
//! [`Verfahren::beteiligung_schliessen_wenn_erledigt`], in the transaction of the change
//! that answered the request, after the case row was locked ([`Verfahren::sperre`]).

use crate::Verfahren;
use crate::ablauf::Wechsel;
use crate::akteur::Akteur;
use crate::fehler::{Ergebnis, Fehler};
use crate::mitteilung::{An, Mitteilung};
use chrono::NaiveDate;
use plankammer_domain::beteiligung::{
    Ausloeser, BeteiligungsEreignis, BeteiligungsFehler, BeteiligungsZustand, Beteiligungsstand,
    Rolle, Schweigefolge, behoerdlich_gesetzt, fristvorschlag_standard, uebergang,
};
use plankammer_domain::frist;
use plankammer_domain::vorgang::{
    BETEILIGUNG_ABGESCHLOSSEN, BETEILIGUNG_ABGESCHLOSSEN_MAIL, Ereignis, Zustand,
    uebergang_im_verfahren,
};
use plankammer_domain::zeitleiste::Eintragsart;
use plankammer_storage::antrag::Antrag;
use plankammer_storage::audit::AuditEvent;
use plankammer_storage::beteiligung::{Beteiligung, NeueBeteiligung, Stelle};
use plankammer_storage::{Db, Konflikt, Millis, StoreError, Tx, heute_berlin, now_millis};
use serde::{Deserialize, Serialize};
use std::collections::{HashMap, HashSet};

/// Longest note or Rechtsbereich of one request.
pub const MAX_TEXT: usize = 2000;
/// Longest reason of a withdrawal or extension.
pub const MAX_GRUND: usize = 1000;
/// Longest Rückfrage, and longest answer to one.
pub const MAX_FRAGE: usize = 4000;

/// What an adapter could not read of one request (a form value that is no role code, a
/// document id that is no number). The step words it with the Stelle's name, together with
/// every other problem of the input.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Unlesbar {
    Rolle,
    Umfang,
}

/// One Stelle to ask, as entered (a row of the page's form, an element of the API's list).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Anfrage {
    pub stelle_id: i64,
    /// `None`: the Stelle's usual role ([`standardrolle`]: a Gemeinde's Stelle as Gemeinde).
    pub rolle: Option<Rolle>,
    pub rechtsbereich: String,
    /// A note of the Bauaufsicht to the Stelle.
    pub notiz: String,
    /// The documents (ids of the newest Fassung) the Stelle is to state its view on;
    /// `None`: all of them. An empty list is refused.
    pub umfang: Option<Vec<i64>>,
    /// The last day as typed (`YYYY-MM-DD` or `TT.MM.JJJJ`); `None` or empty: the engine's
    /// proposal. Another day than the proposal is recorded as „behördlich gesetzt“.
    pub ende: Option<String>,
    /// What the adapter could not read of this row.
    #[serde(skip)]
    pub unlesbar: Vec<Unlesbar>,
}

/// The input of [`Verfahren::stellen_anfragen`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Beteiligen {
    pub anfragen: Vec<Anfrage>,
    /// Values the adapter got for a Stelle that are no Stelle id (a form's `stelle=abc`).
    #[serde(skip)]
    pub unlesbare_stellen: Vec<String>,
}

/// The role a Stelle is asked in by default: a Stelle of a Gemeinde as the Gemeinde.
pub fn standardrolle(s: &Stelle) -> Rolle {
    if s.gemeinde_ags.is_some() {
        Rolle::Gemeinde
    } else {
        Rolle::Zustaendig
    }
}

/// May Stellen be asked about this case now (the domain's state machine)?
pub fn kann_beteiligen(a: &Antrag) -> bool {
    a.verfahren
        .is_some_and(|v| uebergang_im_verfahren(v, a.zustand, Ereignis::Beteiligen).is_ok())
}

/// The end of a deadline suspended for `tage` days (§ 209 BGB): the old end plus the days
/// the Rückfrage was open, moved to the next Werktag (§ 193 BGB).
pub fn gehemmtes_ende(ende: NaiveDate, tage: u64) -> NaiveDate {
    let mut neu = ende
        .checked_add_days(chrono::Days::new(tage))
        .unwrap_or(ende);
    while !frist::ist_arbeitstag(neu) {
        match neu.succ_opt() {
            Some(n) => neu = n,
            None => break,
        }
    }
    neu
}

/// The Berlin calendar day of a point in time.
pub(crate) fn tag_in_berlin(ms: Millis) -> Option<NaiveDate> {
    chrono::DateTime::<chrono::Utc>::from_timestamp_millis(ms)
        .map(plankammer_storage::uhr::berlin_datum)
}

/// The domain's view of one stored request.
pub(crate) fn stand(b: &Beteiligung) -> Beteiligungsstand {
    let mut s = Beteiligungsstand::neu(b.ende, b.schweigefolge);
    s.zustand = b.zustand;
    s
}

/// A refusal of the request's state machine, in the procedure's words.
pub(crate) fn fehler_der_domain(e: BeteiligungsFehler) -> Fehler {
    match e {
        BeteiligungsFehler::Unzulaessig { meldung, .. } => Fehler::Konflikt(meldung),
        BeteiligungsFehler::NichtBerechtigt { .. } => Fehler::KeineBerechtigung,
        BeteiligungsFehler::Angabe(m) => Fehler::ungueltig(m),
    }
}

fn nicht_offen() -> Fehler {
    Fehler::konflikt(
        "Diese Anfrage ist nicht mehr offen (Stellungnahme abgegeben, Frist abgelaufen oder zurückgezogen). Bitte laden Sie die Seite neu.",
    )
}

/// A Bescheid of the case is being issued: no more Stellen can be asked.
fn erlass_laeuft() -> Fehler {
    Fehler::konflikt(
        "Der Bescheid zu diesem Vorgang wird gerade erlassen. Solange das läuft, können keine weiteren Stellen beteiligt werden.",
    )
}

fn geaendert() -> Fehler {
    Fehler::konflikt(
        "Der Vorgang wurde inzwischen von jemand anderem geändert. Bitte laden Sie die Seite neu.",
    )
}

/// The deadline of an open request has passed (its legal effect took place at midnight,
/// even if the clock has not recorded it yet): it can be neither extended nor suspended.
/// `was`: "verlängert", "gehemmt".
fn frist_abgelaufen(b: &Beteiligung, was: &str) -> Fehler {
    let ende = frist::datum_de(b.ende);
    let folge = match b.schweigefolge {
        Schweigefolge::ZustimmungFingiert => format!(
            "Die Zustimmung der Stelle gilt damit als erteilt ({}).",
            b.rechtsgrundlage
        ),
        Schweigefolge::EinvernehmenFingiert => format!(
            "Das Einvernehmen der Gemeinde gilt damit als erteilt ({}).",
            b.rechtsgrundlage
        ),
        Schweigefolge::Keine => "Eine gesetzliche Folge des Schweigens ist nicht vorgesehen; eine spätere Stellungnahme gilt als verspätet.".to_string(),
    };
    Fehler::Konflikt(format!(
        "Die Frist der Stelle „{}“ ist am {ende} abgelaufen. {folge} Die Frist kann deshalb nicht mehr {was} werden.",
        b.stelle_name
    ))
}

/// The conflicts of [`Db::verlaengere_beteiligung`] and [`Db::hemme_beteiligungsfrist`].
fn frist_nicht_aenderbar<'a>(
    b: &'a Beteiligung,
    was: &'a str,
) -> impl Fn(StoreError) -> Fehler + 'a {
    move |e| match e {
        StoreError::Konflikt(Konflikt::BeteiligungsfristAbgelaufen) => frist_abgelaufen(b, was),
        StoreError::Konflikt(Konflikt::BeteiligungNichtOffen) => nicht_offen(),
        e => e.into(),
    }
}

/// The reason of a withdrawal or extension: given, bounded. `was`: "der Rücknahme".
fn pruefe_grund<'a>(grund: &'a str, was: &str) -> Ergebnis<&'a str> {
    let grund = grund.trim();
    if grund.is_empty() {
        return Err(Fehler::ungueltig(format!(
            "Bitte geben Sie den Grund {was} an."
        )));
    }
    if grund.chars().count() > MAX_GRUND {
        return Err(Fehler::ungueltig(format!(
            "Der Grund ist zu lang (höchstens {MAX_GRUND} Zeichen)."
        )));
    }
    Ok(grund)
}

/// A checked request, ready to store.
struct Gepruefte {
    stelle: Stelle,
    umfang: Option<Vec<i64>>,
    rolle: Rolle,
    rechtsbereich: String,
    notiz: String,
    start: NaiveDate,
    ende: NaiveDate,
    rechtsgrundlage: String,
    erklaerung: String,
    behoerdlich: bool,
    schweigefolge: Schweigefolge,
}

/// The state of a case read under its row lock, in the step's transaction: a second
/// transaction that locks the same case waits until this one ends. Only [`Verfahren::sperre`]
/// makes one, so whoever holds it has locked the case.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Gesperrt(Zustand);

impl Gesperrt {
    pub(crate) fn zustand(self) -> Zustand {
        self.0
    }
}

impl Verfahren {
    /// Locks the case row for the rest of the transaction ([`Db::sperre_vorgang`]) and
    /// returns its state as of now. A step that decides something about the case from
    /// several rows (is this the last open request?) locks before it changes a request.
    pub(crate) async fn sperre(&self, tx: &mut Tx, vorgang_id: i64) -> Ergebnis<Gesperrt> {
        Ok(Gesperrt(Db::sperre_vorgang(tx, vorgang_id).await?))
    }

    /// The one way the Beteiligung of a case closes: if the case is (under the lock) in the
    /// Beteiligung (08) and no request of it is open any more — counted through the
    /// transaction, never the pool (the SQLite pool has one connection, held by the
    /// transaction) — the system closes it (09) through the domain's transition rule, with
    /// the timeline entry and the applicants' mail. In the transaction of the change that
    /// answered the last request (a Stellungnahme, a withdrawal, a deemed consent) or of the
    /// clock's sweep. True when it closed it.
    pub(crate) async fn beteiligung_schliessen_wenn_erledigt(
        &self,
        tx: &mut Tx,
        a: &Antrag,
        gesperrt: Gesperrt,
        now: Millis,
    ) -> Ergebnis<bool> {
        if gesperrt.zustand() != Zustand::Beteiligung || Db::offene_anfragen(tx, a.id).await? > 0 {
            return Ok(false);
        }
        // `a` may have been read before the transaction; the state that counts is the one
        // under the lock.
        let a = Antrag {
            zustand: gesperrt.zustand(),
            ..a.clone()
        };
        self.wechsle(
            tx,
            &a,
            Wechsel {
                ereignis: Ereignis::BeteiligungAbschliessen,
                akteur: None,
                text: BETEILIGUNG_ABGESCHLOSSEN,
                mail: Some(BETEILIGUNG_ABGESCHLOSSEN_MAIL),
                frist: None,
            },
            now,
        )
        .await?;
        Ok(true)
    }

    /// Asks one or more Stellen in one step: each with its role, Rechtsbereich, note,
    /// documents in scope and deadline (the engine's proposal, or a Werktag the case worker
    /// sets, recorded as „behördlich gesetzt“) and the legal consequence of its silence. The
    /// case moves to the Beteiligung (08) if it is not there yet; every Stelle's members get
    /// one mail. One transaction; every problem of the input comes back at once. Returns the
    /// new requests' ids.
    pub async fn stellen_anfragen(
        &self,
        akteur: &Akteur,
        vorgang_id: i64,
        eingabe: &Beteiligen,
    ) -> Ergebnis<Vec<i64>> {
        let a = self.vorgang_der_bauaufsicht(akteur, vorgang_id).await?;
        let verfahren = a.verfahren.ok_or_else(|| {
            Fehler::konflikt("Für diesen Vorgang ist keine Verfahrensart angegeben.")
        })?;
        uebergang_im_verfahren(verfahren, a.zustand, Ereignis::Beteiligen)?;
        let heute = heute_berlin();
        let mut fehler: Vec<String> = eingabe
            .unlesbare_stellen
            .iter()
            .map(|x| format!("„{x}“ ist keine gültige Stelle."))
            .collect();
        let angebot: HashMap<i64, Stelle> = self
            .db
            .stellen_fuer(akteur.tenant_id)
            .await?
            .into_iter()
            .map(|s| (s.id, s))
            .collect();
        // The documents of the newest Fassung: what a request can be about.
        let fassung_id = self.db.fassungen(a.id).await?.last().map(|f| f.id);
        let dokumente: Vec<i64> = match fassung_id {
            Some(f) => self
                .db
                .fassung_dokumente(f)
                .await?
                .iter()
                .map(|d| d.dokument_id)
                .collect(),
            None => Vec::new(),
        };
        let mut gesehen: HashSet<i64> = HashSet::new();
        let mut anfragen: Vec<Gepruefte> = Vec::new();
        for an in &eingabe.anfragen {
            let sid = an.stelle_id;
            let Some(stelle) = angebot.get(&sid) else {
                fehler.push(format!(
                    "Die Stelle mit der Nummer {sid} gibt es nicht oder sie darf von Ihrer Behörde nicht beteiligt werden."
                ));
                continue;
            };
            let name = &stelle.name;
            if !gesehen.insert(sid) {
                fehler.push(format!(
                    "{name}: Die Stelle ist mehrfach angegeben; bitte fragen Sie jede Stelle einmal an."
                ));
                continue;
            }
            if an.unlesbar.contains(&Unlesbar::Rolle) {
                fehler.push(format!("{name}: Bitte wählen Sie eine gültige Rolle."));
                continue;
            }
            let rolle = an.rolle.unwrap_or_else(|| standardrolle(stelle));
            let (rechtsbereich, notiz) = (an.rechtsbereich.trim(), an.notiz.trim());
            if rechtsbereich.chars().count() > MAX_TEXT || notiz.chars().count() > MAX_TEXT {
                fehler.push(format!(
                    "{name}: Rechtsbereich und Hinweis dürfen höchstens {MAX_TEXT} Zeichen lang sein."
                ));
                continue;
            }
            // The documents in scope: all (None) unless some were left out.
            let umfang = match &an.umfang {
                _ if an.unlesbar.contains(&Unlesbar::Umfang) => {
                    fehler.push(format!(
                        "{name}: Bitte wählen Sie nur Unterlagen dieses Vorgangs aus."
                    ));
                    continue;
                }
                None => None,
                Some(u) if u.iter().any(|d| !dokumente.contains(d)) => {
                    fehler.push(format!(
                        "{name}: Bitte wählen Sie nur Unterlagen dieses Vorgangs aus."
                    ));
                    continue;
                }
                Some(u) if u.is_empty() => {
                    fehler.push(format!(
                        "{name}: Bitte wählen Sie mindestens eine Unterlage aus, zu der die Stelle Stellung nehmen soll."
                    ));
                    continue;
                }
                Some(u) if dokumente.iter().all(|d| u.contains(d)) => None,
                Some(u) => {
                    let mut u = u.clone();
                    u.sort_unstable();
                    u.dedup();
                    Some(u)
                }
            };
            let vs = match fristvorschlag_standard(rolle, verfahren, heute) {
                Ok(vs) => vs,
                Err(e) => {
                    fehler.push(format!("{name}: {e}"));
                    continue;
                }
            };
            let gesetzt = an.ende.as_deref().map(str::trim).filter(|s| !s.is_empty());
            let (ende, erklaerung, behoerdlich) = match gesetzt {
                None => (vs.letzter_tag(), vs.erklaerung.join("\n"), false),
                Some(text) => match frist::parse_datum(text) {
                    Err(e) => {
                        fehler.push(format!("{name}: Fristende: {e}"));
                        continue;
                    }
                    Ok(d) if d == vs.letzter_tag() => (d, vs.erklaerung.join("\n"), false),
                    Ok(d) => match behoerdlich_gesetzt(d, heute) {
                        Err(e) => {
                            fehler.push(format!("{name}: {e}"));
                            continue;
                        }
                        Ok(b) => (
                            d,
                            format!(
                                "{}\nVorschlag nach §§ 187 ff. BGB wäre {} gewesen ({}, {}).",
                                b.erklaerung(),
                                frist::tag_de(vs.letzter_tag()),
                                vs.ende.dauer,
                                vs.rechtsgrundlage
                            ),
                            true,
                        ),
                    },
                },
            };
            anfragen.push(Gepruefte {
                stelle: stelle.clone(),
                umfang,
                rolle,
                rechtsbereich: rechtsbereich.to_string(),
                notiz: notiz.to_string(),
                start: vs.ende.start,
                ende,
                rechtsgrundlage: vs.rechtsgrundlage.clone(),
                erklaerung,
                behoerdlich,
                schweigefolge: vs.schweigefolge,
            });
        }
        if anfragen.is_empty() && fehler.is_empty() {
            fehler.push(
                "Bitte wählen Sie mindestens eine Stelle aus, die beteiligt werden soll.".into(),
            );
        }
        if !fehler.is_empty() {
            return Err(Fehler::Ungueltig(fehler));
        }
        let now = now_millis();
        let mut tx = self.db.begin().await?;
        // The case row first (the state read above may be stale: a last Stellungnahme may
        // have closed the Beteiligung meanwhile), then whether a Bescheid is being issued.
        if self.sperre(&mut tx, a.id).await?.zustand() != a.zustand {
            return Err(geaendert());
        }
        if Db::erlass_laeuft(&mut tx, a.id).await? {
            return Err(erlass_laeuft());
        }
        if a.zustand != Zustand::Beteiligung {
            let text = format!(
                "Beteiligung der Stellen eingeleitet ({} {}).",
                anfragen.len(),
                if anfragen.len() == 1 {
                    "Stelle"
                } else {
                    "Stellen"
                }
            );
            self.wechsle(
                &mut tx,
                &a,
                Wechsel {
                    ereignis: Ereignis::Beteiligen,
                    akteur: Some(akteur),
                    text: &text,
                    mail: Some((
                        "Beteiligung der Stellen",
                        "Die Bauaufsicht hat die für Ihren Antrag zuständigen Stellen um ihre Stellungnahme gebeten. Sie werden benachrichtigt, sobald es weitergeht.",
                    )),
                    frist: None,
                },
                now,
            )
            .await?;
        }
        let mut ids = Vec::with_capacity(anfragen.len());
        for an in &anfragen {
            let bid = Db::frage_stelle_an(
                &mut tx,
                &NeueBeteiligung {
                    vorgang_id: a.id,
                    stelle_id: an.stelle.id,
                    rolle: an.rolle,
                    rechtsbereich: &an.rechtsbereich,
                    notiz: &an.notiz,
                    umfang: an.umfang.as_deref(),
                    fassung_id,
                    start: an.start,
                    ende: an.ende,
                    rechtsgrundlage: &an.rechtsgrundlage,
                    erklaerung: &an.erklaerung,
                    behoerdlich_gesetzt: an.behoerdlich,
                    schweigefolge: an.schweigefolge,
                    user_id: akteur.user_id,
                },
                now,
            )
            .await?;
            ids.push(bid);
            let text = format!(
                "Stelle „{}“ beteiligt als {} (Anfrage {bid}), Frist bis {}{}.",
                an.stelle.name,
                an.rolle.bezeichnung(),
                frist::datum_de(an.ende),
                if an.behoerdlich {
                    " (behördlich gesetzt)"
                } else {
                    ""
                }
            );
            self.eintrag(
                &mut tx,
                a.id,
                Some(akteur),
                Eintragsart::BeteiligungAngefragt,
                &text,
                now,
            )
            .await?;
            // The Stelle's members are asked by mail, with what they need to plan their work.
            let mut mailtext = format!(
                "{} bittet Ihre Stelle „{}“ als {} um eine Stellungnahme.\nFrist: bis {} ({}){}.\nWenn bis dahin keine Stellungnahme eingeht: {}.\nUnterlagen: {}.",
                akteur.behoerde,
                an.stelle.name,
                an.rolle.bezeichnung(),
                frist::tag_de(an.ende),
                an.rechtsgrundlage,
                if an.behoerdlich {
                    ", behördlich gesetzt"
                } else {
                    ""
                },
                an.schweigefolge.folge_text(),
                match &an.umfang {
                    None => "alle Unterlagen des Antrags".to_string(),
                    Some(d) if d.len() == 1 => "1 ausgewählte Unterlage".to_string(),
                    Some(d) => format!("{} ausgewählte Unterlagen", d.len()),
                }
            );
            if !an.notiz.is_empty() {
                mailtext.push_str(&format!("\nHinweis der Bauaufsicht: {}", an.notiz));
            }
            self.benachrichtige(
                &mut tx,
                &a,
                &[An::Stelle(an.stelle.id)],
                Mitteilung {
                    titel: "Bitte um Stellungnahme",
                    text: &mailtext,
                    status: None,
                    frist: Some(&frist::datum_de(an.ende)),
                    pfad: Some(&format!("/beteiligungen/{bid}")),
                },
                now,
            )
            .await?;
        }
        tx.commit().await?;
        tracing::info!(vorgang_id = a.id, anfragen = ids.len(), "stellen angefragt");
        Ok(ids)
    }

    /// Withdraws an open request, with a reason. Closes the Beteiligung when it was the last
    /// open request.
    pub async fn beteiligung_zurueckziehen(
        &self,
        akteur: &Akteur,
        beteiligung_id: i64,
        grund: &str,
    ) -> Ergebnis<()> {
        let (b, a) = self
            .beteiligung_der_bauaufsicht(akteur, beteiligung_id)
            .await?;
        if !b.zustand.ist_offen() {
            return Err(nicht_offen());
        }
        let grund = pruefe_grund(grund, "der Rücknahme")?;
        let neu = uebergang(
            &stand(&b),
            &BeteiligungsEreignis::Zurueckziehen {
                grund: grund.to_string(),
            },
            Ausloeser::Person(akteur.role),
        )
        .map_err(fehler_der_domain)?;
        let now = now_millis();
        let mut tx = self.db.begin().await?;
        // The case row before the request: a withdrawal may end the last open request.
        let gesperrt = self.sperre(&mut tx, a.id).await?;
        if !Db::wechsle_beteiligungszustand(&mut tx, b.id, b.zustand, neu.zustand, Some(grund), now)
            .await?
        {
            return Err(nicht_offen());
        }
        let text = format!(
            "Anfrage an „{}“ zurückgezogen. Grund: {grund}",
            b.stelle_name
        );
        self.eintrag(
            &mut tx,
            a.id,
            Some(akteur),
            Eintragsart::BeteiligungZurueckgezogen,
            &text,
            now,
        )
        .await?;
        self.beteiligung_schliessen_wenn_erledigt(&mut tx, &a, gesperrt, now)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Extends the deadline of an open request that still runs, to a later Werktag, with a
    /// reason; the new end counts as „behördlich gesetzt“ and the reminders start again.
    pub async fn beteiligung_verlaengern(
        &self,
        akteur: &Akteur,
        beteiligung_id: i64,
        neues_ende: &str,
        grund: &str,
    ) -> Ergebnis<()> {
        let (b, a) = self
            .beteiligung_der_bauaufsicht(akteur, beteiligung_id)
            .await?;
        if !b.zustand.ist_offen() {
            return Err(nicht_offen());
        }
        let grund = pruefe_grund(grund, "der Verlängerung")?;
        let heute = heute_berlin();
        if b.ende < heute {
            return Err(frist_abgelaufen(&b, "verlängert"));
        }
        let neu = frist::parse_datum(neues_ende)
            .map_err(|e| Fehler::ungueltig(format!("Neues Fristende: {e}")))?;
        if neu <= b.ende {
            return Err(Fehler::ungueltig(
                "Das neue Fristende muss nach dem bisherigen Fristende liegen.",
            ));
        }
        let gesetzt =
            behoerdlich_gesetzt(neu, heute).map_err(|e| Fehler::ungueltig(e.to_string()))?;
        let alt_de = frist::datum_de(b.ende);
        let neu_de = frist::datum_de(neu);
        let erklaerung = format!(
            "{}\nVerlängert am {} von {alt_de} bis {}. Grund: {grund}\n{}",
            b.erklaerung,
            frist::tag_de(heute),
            frist::tag_de(neu),
            gesetzt.erklaerung()
        );
        let text = format!(
            "Frist der Anfrage an „{}“ verlängert von {alt_de} bis {neu_de}. Grund: {grund}",
            b.stelle_name
        );
        let now = now_millis();
        let mut tx = self.db.begin().await?;
        Db::verlaengere_beteiligung(&mut tx, b.id, neu, &erklaerung, heute, now)
            .await
            .map_err(frist_nicht_aenderbar(&b, "verlängert"))?;
        self.eintrag(
            &mut tx,
            a.id,
            Some(akteur),
            Eintragsart::BeteiligungVerlaengert,
            &text,
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Answers a Stelle's Rückfrage (once). With `hemmt_frist` the days the question was
    /// open do not count (§ 209 BGB): the deadline of a request that still runs ends that
    /// many days later (on a Werktag). The Stelle's members get the answer by mail.
    pub async fn rueckfrage_beantworten(
        &self,
        akteur: &Akteur,
        beteiligung_id: i64,
        rueckfrage_id: i64,
        antwort: &str,
        hemmt_frist: bool,
    ) -> Ergebnis<()> {
        let (r, b, a) = self
            .rueckfrage_der_bauaufsicht(akteur, rueckfrage_id)
            .await?;
        if b.id != beteiligung_id {
            return Err(Fehler::NichtGefunden);
        }
        let schon = || Fehler::konflikt("Diese Rückfrage ist bereits beantwortet.");
        if r.antwort.is_some() {
            return Err(schon());
        }
        let antwort = antwort.trim();
        if antwort.is_empty() {
            return Err(Fehler::ungueltig("Bitte geben Sie eine Antwort ein."));
        }
        if antwort.chars().count() > MAX_FRAGE {
            return Err(Fehler::ungueltig(format!(
                "Die Antwort ist zu lang (höchstens {MAX_FRAGE} Zeichen)."
            )));
        }
        let heute = heute_berlin();
        let gestellt = tag_in_berlin(r.gestellt_at);
        // Hemmung: the days the question was open do not count (only while the deadline runs).
        let hemmung = match (hemmt_frist && b.zustand.ist_offen(), gestellt) {
            (true, Some(gestellt)) => {
                let tage = u64::try_from((heute - gestellt).num_days().max(0)).unwrap_or(0);
                (tage > 0).then(|| (tage, b.ende, gehemmtes_ende(b.ende, tage)))
            }
            _ => None,
        };
        if hemmung.is_some_and(|(_, alt, _)| alt < heute) {
            return Err(frist_abgelaufen(&b, "gehemmt"));
        }
        // A request waiting for the answer goes back to work (the domain's state machine).
        let weiter = match b.zustand {
            BeteiligungsZustand::Rueckfrage => Some(
                uebergang(
                    &stand(&b),
                    &BeteiligungsEreignis::RueckfrageBeantwortet,
                    Ausloeser::Person(akteur.role),
                )
                .map_err(fehler_der_domain)?
                .zustand,
            ),
            _ => None,
        };
        let now = now_millis();
        let mut tx = self.db.begin().await?;
        if !Db::beantworte_rueckfrage_mit(&mut tx, r.id, antwort, hemmt_frist, akteur.user_id, now)
            .await?
        {
            return Err(schon());
        }
        if let Some(nach) = weiter {
            Db::wechsle_beteiligungszustand(&mut tx, b.id, b.zustand, nach, None, now).await?;
        }
        let mut text = format!("Rückfrage der Stelle „{}“ beantwortet.", b.stelle_name);
        let mut frist_de = frist::datum_de(b.ende);
        let tage_wort = |t: u64| if t == 1 { "Tag" } else { "Tage" };
        if let Some((tage, alt, neu)) = hemmung {
            let erklaerung = format!(
                "{}\nGehemmt durch die Rückfrage vom {} bis {} ({tage} {}, § 209 BGB): Fristende {} statt {}.",
                b.erklaerung,
                frist::datum_de(gestellt.unwrap_or(heute)),
                frist::datum_de(heute),
                tage_wort(tage),
                frist::tag_de(neu),
                frist::datum_de(alt),
            );
            Db::hemme_beteiligungsfrist(&mut tx, b.id, neu, &erklaerung, heute, now)
                .await
                .map_err(frist_nicht_aenderbar(&b, "gehemmt"))?;
            text.push_str(&format!(
                " Die Rückfrage hemmt die Frist um {tage} {}; neues Fristende {}.",
                tage_wort(tage),
                frist::datum_de(neu)
            ));
            frist_de = frist::datum_de(neu);
        } else if hemmt_frist {
            text.push_str(
                " Die Rückfrage hemmt die Frist; am selben Tag beantwortet, das Fristende bleibt.",
            );
        }
        self.eintrag(
            &mut tx,
            a.id,
            Some(akteur),
            Eintragsart::BeteiligungRueckfrageBeantwortet,
            &text,
            now,
        )
        .await?;
        self.benachrichtige(
            &mut tx,
            &a,
            &[An::Stelle(b.stelle_id)],
            Mitteilung {
                titel: "Antwort auf Ihre Rückfrage",
                text: &format!("{text}\nDie Antwort finden Sie auf der Seite der Anfrage."),
                status: None,
                frist: Some(&frist_de),
                pfad: Some(&format!("/beteiligungen/{}#rueckfragen", b.id)),
            },
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Passes a Stelle's open Rückfrage on to the applicants (once), by mail.
    pub async fn rueckfrage_weitergeben(
        &self,
        akteur: &Akteur,
        beteiligung_id: i64,
        rueckfrage_id: i64,
    ) -> Ergebnis<()> {
        let (r, b, a) = self
            .rueckfrage_der_bauaufsicht(akteur, rueckfrage_id)
            .await?;
        if b.id != beteiligung_id {
            return Err(Fehler::NichtGefunden);
        }
        let now = now_millis();
        let mut tx = self.db.begin().await?;
        if !Db::gib_rueckfrage_weiter(&mut tx, r.id, now).await? {
            return Err(Fehler::konflikt(
                "Diese Rückfrage ist bereits weitergegeben oder beantwortet.",
            ));
        }
        let text = format!(
            "Rückfrage der Stelle „{}“ an die Antragstellenden weitergegeben.",
            b.stelle_name
        );
        self.eintrag(
            &mut tx,
            a.id,
            Some(akteur),
            Eintragsart::BeteiligungRueckfrageWeitergegeben,
            &text,
            now,
        )
        .await?;
        let mailtext = format!(
            "Im Rahmen der Beteiligung hat die Stelle „{}“ eine Frage zu Ihrem Antrag, die die Bauaufsicht an Sie weitergibt:\n\n{}\n\nBitte antworten Sie der Bauaufsicht.",
            b.stelle_name, r.frage
        );
        self.benachrichtige(
            &mut tx,
            &a,
            &[An::Antragsteller],
            Mitteilung {
                titel: "Rückfrage zu Ihrem Antrag",
                text: &mailtext,
                status: None,
                frist: None,
                pfad: None,
            },
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Decides (once) whether a late Stellungnahme is considered (§ 70 Abs. 1 Satz 4 HBO);
    /// timeline entry and audit log. `None`: no decision was given.
    pub async fn verspaetete_entscheiden(
        &self,
        akteur: &Akteur,
        beteiligung_id: i64,
        stellungnahme_id: i64,
        beruecksichtigen: Option<bool>,
    ) -> Ergebnis<()> {
        let (b, a) = self
            .beteiligung_der_bauaufsicht(akteur, beteiligung_id)
            .await?;
        let s = self
            .db
            .stellungnahmen(b.id)
            .await?
            .into_iter()
            .find(|s| s.id == stellungnahme_id)
            .ok_or(Fehler::NichtGefunden)?;
        let Some(ja) = beruecksichtigen else {
            return Err(Fehler::ungueltig(
                "Bitte entscheiden Sie, ob die Stellungnahme berücksichtigt wird.",
            ));
        };
        let entschieden = || {
            Fehler::konflikt(
                "Über diese Stellungnahme ist bereits entschieden, oder sie ist nicht verspätet.",
            )
        };
        if !s.verspaetet || s.beruecksichtigt.is_some() {
            return Err(entschieden());
        }
        let now = now_millis();
        let mut tx = self.db.begin().await?;
        if !Db::entscheide_verspaetete_in(&mut tx, s.id, ja).await? {
            return Err(entschieden());
        }
        let text = format!(
            "Verspätete Stellungnahme der Stelle „{}“ (Nr. {}) wird {} (§ 70 Abs. 1 Satz 4 HBO).",
            b.stelle_name,
            s.id,
            if ja {
                "berücksichtigt"
            } else {
                "nicht berücksichtigt"
            }
        );
        self.eintrag(
            &mut tx,
            a.id,
            Some(akteur),
            Eintragsart::StellungnahmeVerspaetetEntschieden,
            &text,
            now,
        )
        .await?;
        Db::audit(
            &mut tx,
            AuditEvent {
                tenant_id: Some(a.tenant_id),
                actor_user_id: Some(akteur.user_id),
                action: "stellungnahme.verspaetet_entschieden",
                object_type: "stellungnahme",
                object_id: Some(s.id.to_string()),
                detail: serde_json::json!({ "vorgang_id": a.id, "beruecksichtigt": ja }),
            },
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Whether the Stelle of this request sees the plan comments of the other Stellen (and
    /// the Bauaufsicht's outside its own threads); audited.
    pub async fn sichtbarkeit_setzen(
        &self,
        akteur: &Akteur,
        beteiligung_id: i64,
        sichtbar: bool,
    ) -> Ergebnis<()> {
        let (b, a) = self
            .beteiligung_der_bauaufsicht(akteur, beteiligung_id)
            .await?;
        let now = now_millis();
        let mut tx = self.db.begin().await?;
        Db::setze_andere_kommentare_sichtbar(&mut tx, b.id, sichtbar).await?;
        Db::audit(
            &mut tx,
            AuditEvent {
                tenant_id: Some(a.tenant_id),
                actor_user_id: Some(akteur.user_id),
                action: "beteiligung.kommentare_sichtbar",
                object_type: "beteiligung",
                object_id: Some(b.id.to_string()),
                detail: serde_json::json!({ "vorgang_id": a.id, "sichtbar": sichtbar }),
            },
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Shares a later Fassung of the case with the Stelle (not after a withdrawal): its
    /// members see the documents in scope in that Fassung too, and get a mail. `None`: no
    /// Fassung was chosen.
    pub async fn fassung_teilen(
        &self,
        akteur: &Akteur,
        beteiligung_id: i64,
        fassung_id: Option<i64>,
    ) -> Ergebnis<()> {
        let (b, a) = self
            .beteiligung_der_bauaufsicht(akteur, beteiligung_id)
            .await?;
        if b.zustand == BeteiligungsZustand::Zurueckgezogen {
            return Err(Fehler::konflikt(
                "Die Anfrage ist zurückgezogen; es kann keine Fassung mehr geteilt werden.",
            ));
        }
        let fassungen = self.db.fassungen(a.id).await?;
        let eigene = b
            .fassung_id
            .and_then(|id| fassungen.iter().find(|f| f.id == id))
            .map(|f| f.nummer)
            .unwrap_or(0);
        let f = fassung_id
            .and_then(|id| fassungen.iter().find(|f| f.id == id))
            .ok_or_else(|| Fehler::ungueltig("Bitte wählen Sie eine Fassung dieses Vorgangs."))?;
        if f.nummer <= eigene {
            return Err(Fehler::ungueltig(format!(
                "Die Stelle kennt Fassung {eigene} bereits; teilen Sie eine spätere Fassung."
            )));
        }
        let now = now_millis();
        let text = format!(
            "Fassung {} für die Stelle „{}“ freigegeben.",
            f.nummer, b.stelle_name
        );
        let mut tx = self.db.begin().await?;
        Db::teile_fassung(&mut tx, b.id, f.id).await?;
        self.eintrag(
            &mut tx,
            a.id,
            Some(akteur),
            Eintragsart::BeteiligungFassungGeteilt,
            &text,
            now,
        )
        .await?;
        self.benachrichtige(
            &mut tx,
            &a,
            &[An::Stelle(b.stelle_id)],
            Mitteilung {
                titel: "Neue Fassung der Unterlagen",
                text: &format!("{text}\nSie finden die Unterlagen auf der Seite der Anfrage."),
                status: None,
                frist: None,
                pfad: Some(&format!("/beteiligungen/{}#dokumente", b.id)),
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

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn a_suspended_deadline_ends_later_on_a_werktag() {
        // Friday + 1 day = Saturday → Monday.
        assert_eq!(gehemmtes_ende(d("2026-03-06"), 1), d("2026-03-09"));
        assert_eq!(gehemmtes_ende(d("2026-03-04"), 2), d("2026-03-06"));
        // Gründonnerstag + 1 = Karfreitag → Dienstag after Ostermontag.
        assert_eq!(gehemmtes_ende(d("2026-04-02"), 1), d("2026-04-07"));
    }

    #[test]
    fn a_gemeinde_is_asked_as_gemeinde_by_default() {
        let s = |ags: Option<&str>| Stelle {
            id: 1,
            tenant_id: None,
            name: "x".into(),
            rechtsbereich: String::new(),
            gemeinde_ags: ags.map(str::to_string),
        };
        assert_eq!(standardrolle(&s(Some("06611000"))), Rolle::Gemeinde);
        assert_eq!(standardrolle(&s(None)), Rolle::Zustaendig);
    }
}
