//! Comments anchored on plan pages: a point or a rectangle in coordinates normalised to the
//! page (0..1 from the top left, so they stay put at any zoom), threads with replies.
//!
//! Who may look at which plan, and through what, is [`Verfahren::planzugang`]. Who sees
//! which comment is the domain's rule ([`kommentar_sichtbar`]), applied per thread by
//! [`sichtbare_kommentare`]: the Bauaufsicht sees every comment; a Stelle its own threads,
//! and the others' only when the Bauaufsicht allowed it for its request.

use crate::Verfahren;
use crate::akteur::Akteur;
use crate::fehler::{Ergebnis, Fehler};
use crate::zugriff::{Planweg, Planzugang};
use plankammer_domain::Role;
use plankammer_domain::beteiligung::{Anker, StelleId, VersionId, kommentar_sichtbar};
use plankammer_storage::beteiligung::{Beteiligung, Kommentar, NeuerKommentar};
use plankammer_storage::now_millis;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// Longest comment.
pub const MAX_KOMMENTAR: usize = 2000;

/// A comment as entered: numbers as typed (a decimal point or comma), so every problem can
/// be named; width and height empty for a point. A reply (`antwort_auf`) sits where its
/// thread sits, whatever the position says.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct KommentarEingabe {
    pub seite: String,
    pub x: String,
    pub y: String,
    pub w: String,
    pub h: String,
    pub text: String,
    pub antwort_auf: Option<i64>,
}

/// The comments a reader may see: whole threads whose first comment is visible by the
/// domain's rule ([`kommentar_sichtbar`]); every reply in a visible thread is shown (the
/// Bauaufsicht's answer to a Stelle's comment reaches that Stelle). `beteiligung`: the
/// Stelle's request the reader looks through; `None`: the Bauaufsicht.
pub fn sichtbare_kommentare(
    beteiligung: Option<&Beteiligung>,
    alle: Vec<Kommentar>,
) -> Vec<Kommentar> {
    let (leser_stelle, rolle, andere) = match beteiligung {
        Some(b) => (
            Some(StelleId(b.stelle_id)),
            Role::Fachstelle,
            b.andere_kommentare_sichtbar,
        ),
        None => (None, Role::Bauaufsicht, true),
    };
    let wurzel_von: HashMap<i64, Option<i64>> =
        alle.iter().map(|c| (c.id, c.antwort_auf)).collect();
    let wurzel = |mut id: i64| {
        // Replies point at the first comment; a chain is followed a bounded number of steps.
        for _ in 0..16 {
            match wurzel_von.get(&id).copied().flatten() {
                Some(p) => id = p,
                None => break,
            }
        }
        id
    };
    let sichtbar: HashMap<i64, bool> = alle
        .iter()
        .filter(|c| c.antwort_auf.is_none())
        .map(|c| {
            (
                c.id,
                kommentar_sichtbar(leser_stelle, c.stelle_id.map(StelleId), rolle, andere),
            )
        })
        .collect();
    alle.into_iter()
        .filter(|c| sichtbar.get(&wurzel(c.id)).copied().unwrap_or(false))
        .collect()
}

/// A coordinate as typed: a decimal point or comma; empty is `None`.
fn zahl(s: &str, name: &str, m: &mut Vec<String>) -> Option<f64> {
    let t = s.trim();
    if t.is_empty() {
        return None;
    }
    match t.replace(',', ".").parse::<f64>() {
        Ok(x) => Some(x),
        Err(_) => {
            m.push(format!("Die Angabe {name} „{t}“ ist keine Zahl."));
            None
        }
    }
}

/// Checks a new comment: the text, and the anchor (by the domain's rule, and the page must
/// exist when the page count is known).
pub fn pruefe_kommentar(
    f: &KommentarEingabe,
    version_id: i64,
    seitenzahl: Option<u32>,
) -> Result<Anker, Vec<String>> {
    let mut m = Vec::new();
    let n = f.text.trim().chars().count();
    if n == 0 {
        m.push("Bitte schreiben Sie einen Kommentar.".to_string());
    } else if n > MAX_KOMMENTAR {
        m.push(format!(
            "Der Kommentar ist zu lang (höchstens {MAX_KOMMENTAR} Zeichen)."
        ));
    }
    let seite = match f.seite.trim().parse::<u32>() {
        Ok(s) => s,
        Err(_) => {
            m.push("Bitte geben Sie die Seite als ganze Zahl ab 1 an.".to_string());
            1
        }
    };
    let x = zahl(&f.x, "x", &mut m);
    let y = zahl(&f.y, "y", &mut m);
    if x.is_none() || y.is_none() {
        if !m.iter().any(|t| t.contains("keine Zahl")) {
            m.push(
                "Bitte geben Sie die Position an (x und y zwischen 0 und 1) – oder klicken Sie in den Plan."
                    .to_string(),
            );
        }
        return Err(m);
    }
    let anker = Anker {
        version_id: VersionId(version_id),
        seite,
        x: x.unwrap_or(f64::NAN),
        y: y.unwrap_or(f64::NAN),
        breite: zahl(&f.w, "Breite", &mut m),
        hoehe: zahl(&f.h, "Höhe", &mut m),
    };
    let geprueft = match seitenzahl {
        Some(n) => anker.pruefe_fuer(n),
        None => anker.pruefe(),
    };
    if let Err(e) = geprueft {
        m.extend(e.meldungen);
    }
    if m.is_empty() { Ok(anker) } else { Err(m) }
}

impl Verfahren {
    /// The comments on a plan this person may see ([`Verfahren::planzugang`],
    /// [`sichtbare_kommentare`]), oldest first.
    pub async fn kommentare(
        &self,
        akteur: &Akteur,
        weg: Planweg,
        version_id: i64,
    ) -> Ergebnis<Vec<Kommentar>> {
        let z = self.planzugang(akteur, weg, version_id).await?;
        self.kommentare_im(&z).await
    }

    /// The comments visible through a plan access already decided (for a page that shows
    /// the plan too).
    pub async fn kommentare_im(&self, z: &Planzugang) -> Ergebnis<Vec<Kommentar>> {
        let alle = self.db.kommentare(z.version.id).await?;
        Ok(sichtbare_kommentare(z.beteiligung.as_ref(), alle))
    }

    /// Comments a plan, or replies to a comment this person sees: a Fachstelle member for
    /// its Stelle (not after a withdrawal), the Bauaufsicht for itself (a reply belongs to
    /// the thread's request). Returns the new comment's id and where it sits.
    pub async fn kommentieren(
        &self,
        akteur: &Akteur,
        weg: Planweg,
        version_id: i64,
        eingabe: &KommentarEingabe,
    ) -> Ergebnis<(i64, Anker)> {
        let z = self.planzugang(akteur, weg, version_id).await?;
        if !z.darf_kommentieren {
            return Err(Fehler::konflikt(
                "Die Anfrage wurde zurückgezogen; Sie können nicht mehr kommentieren.",
            ));
        }
        let seiten = self.db.seiten(z.version.id).await?.len();
        let seitenzahl = u32::try_from(seiten).ok().filter(|n| *n > 0);
        // A reply: to a comment this reader sees; it sits where the thread sits.
        let antwort_auf = match eingabe.antwort_auf {
            None => None,
            Some(id) => Some(
                self.kommentare_im(&z)
                    .await?
                    .into_iter()
                    .find(|c| c.id == id)
                    .ok_or(Fehler::NichtGefunden)?,
            ),
        };
        let mut f = eingabe.clone();
        if let Some(c) = &antwort_auf {
            f.seite = c.seite.to_string();
            f.x = c.x.to_string();
            f.y = c.y.to_string();
            f.w = c.w.map(|w| w.to_string()).unwrap_or_default();
            f.h = c.h.map(|h| h.to_string()).unwrap_or_default();
        }
        let anker = pruefe_kommentar(&f, z.version.id, seitenzahl).map_err(Fehler::Ungueltig)?;
        let (beteiligung_id, stelle_id) = match (&z.beteiligung, &antwort_auf) {
            (Some(b), _) => (Some(b.id), Some(b.stelle_id)),
            // The Bauaufsicht's reply belongs to the thread's request; its own comment to none.
            (None, Some(c)) => (c.beteiligung_id, None),
            (None, None) => (None, None),
        };
        let id = self
            .db
            .kommentiere(
                &NeuerKommentar {
                    vorgang_id: z.antrag.id,
                    beteiligung_id,
                    version_id: z.version.id,
                    seite: i64::from(anker.seite),
                    x: anker.x,
                    y: anker.y,
                    w: anker.breite,
                    h: anker.hoehe,
                    antwort_auf: antwort_auf.as_ref().map(|c| c.antwort_auf.unwrap_or(c.id)),
                    text: f.text.trim(),
                    user_id: akteur.user_id,
                    stelle_id,
                },
                now_millis(),
            )
            .await?;
        Ok((id, anker))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(seite: &str, x: &str, y: &str, w: &str, h: &str, text: &str) -> KommentarEingabe {
        KommentarEingabe {
            seite: seite.into(),
            x: x.into(),
            y: y.into(),
            w: w.into(),
            h: h.into(),
            text: text.into(),
            antwort_auf: None,
        }
    }

    #[test]
    fn anchors_are_checked_with_clear_messages() {
        assert!(
            pruefe_kommentar(&form("1", "0,5", "0.25", "", "", "Fluchtweg?"), 1, Some(2)).is_ok()
        );
        let r =
            pruefe_kommentar(&form("1", "0.1", "0.1", "0.2", "0.3", "Bereich"), 1, None).unwrap();
        assert!(r.ist_bereich());
        let fehler =
            |f: KommentarEingabe, n: Option<u32>| pruefe_kommentar(&f, 1, n).unwrap_err().join(" ");
        assert!(fehler(form("1", "1.5", "0.5", "", "", "x"), None).contains("zwischen 0 und 1"));
        assert!(fehler(form("1", "-0.1", "0.5", "", "", "x"), None).contains("zwischen 0 und 1"));
        assert!(fehler(form("1", "NaN", "0.5", "", "", "x"), None).contains("keine gültige Zahl"));
        assert!(fehler(form("1", "inf", "0.5", "", "", "x"), None).contains("keine gültige Zahl"));
        assert!(fehler(form("1", "abc", "0.5", "", "", "x"), None).contains("keine Zahl"));
        assert!(
            fehler(form("3", "0.5", "0.5", "", "", "x"), Some(2)).contains("Seite 3 gibt es nicht")
        );
        assert!(fehler(form("0", "0.5", "0.5", "", "", "x"), None).contains("beginnt bei 1"));
        assert!(fehler(form("1", "0.9", "0.5", "0.2", "0.1", "x"), None).contains("Seitenrand"));
        assert!(fehler(form("1", "0.5", "0.5", "0.2", "", "x"), None).contains("Breite und Höhe"));
        assert!(fehler(form("1", "0.5", "0.5", "", "", "  "), None).contains("schreiben Sie"));
        let lang = "x".repeat(MAX_KOMMENTAR + 1);
        assert!(fehler(form("1", "0.5", "0.5", "", "", &lang), None).contains("zu lang"));
        assert!(fehler(form("1", "", "", "", "", "x"), None).contains("Position"));
    }
}
