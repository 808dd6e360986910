//! The Bescheid (decision) as an A4 PDF: letterhead, recipient, Aktenzeichen and date, title,
//! tenor, Nebenbestimmungen, Begründung, Gebühren table, the list of approved plans with their
//! SHA-256, Rechtsbehelfsbelehrung, "Seite x von y" on every page.
//!
//! A pure function of [`BescheidDaten`]: no clock, no randomness, so the same data gives the
//! same bytes. Fonts: the DejaVu subsets compiled in for the stamp (see `super::stempel`),
//! embedded as TrueType with WinAnsiEncoding and a ToUnicode CMap, so the text extracts with
//! umlauts, ß and € intact. Built along PDF/A-2b lines (embedded fonts, ToUnicode, XMP
//! metadata matching the Info dictionary, document ID, no transparency, no encryption, only
//! DeviceGray) but it does not claim PDF/A: that would need an output intent with an ICC
//! profile and a validator run (veraPDF), neither of which is part of this crate.

use lopdf::{Dictionary, Document, Object, ObjectId, Stream, StringFormat};
use serde::{Deserialize, Serialize};
use std::fmt::Write as _;

use super::stempel::{
    Schrift, Schriften, bette_ein, codes, komprimierter_stream, n, pdf_literal, schriften,
    text_string, winansi,
};

/// What the Bescheid decides.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum BescheidArt {
    Baugenehmigung,
    Ablehnung,
    Vorbescheid,
}

impl BescheidArt {
    pub fn titel(self) -> &'static str {
        match self {
            BescheidArt::Baugenehmigung => "Baugenehmigung",
            BescheidArt::Ablehnung => "Ablehnung des Bauantrags",
            BescheidArt::Vorbescheid => "Vorbescheid",
        }
    }

    fn plaene_ueberschrift(self) -> &'static str {
        match self {
            BescheidArt::Baugenehmigung => "Genehmigte Bauvorlagen",
            BescheidArt::Ablehnung => "Geprüfte Bauvorlagen",
            BescheidArt::Vorbescheid => "Bauvorlagen zum Vorbescheid",
        }
    }
}

/// The domain's one Nebenbestimmung: its kind is shown by its official name
/// (`nebenbestimmungart_3.0`), its source by the Stelle's name.
pub use plankammer_domain::nebenbestimmung::Nebenbestimmung;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Gebuehr {
    pub beschreibung: String,
    pub betrag_cent: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GenehmigterPlan {
    pub dateiname: String,
    pub version: String,
    /// Hex, as stored.
    pub sha256: String,
}

/// Everything the Bescheid shows. Text fields may contain line breaks; an empty line starts a
/// new paragraph.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BescheidDaten {
    pub art: BescheidArt,
    pub behoerde_name: String,
    /// Street, postcode and town, telephone…, one per line.
    pub behoerde_anschrift: Vec<String>,
    /// Recipient's address, one line each.
    pub empfaenger: Vec<String>,
    /// "Kassel" (shown as "Kassel, 29.11.2026"); may be empty.
    pub ort: String,
    /// "29.11.2026".
    pub datum: String,
    pub aktenzeichen: String,
    /// "2026/17"; may be empty.
    pub bescheid_nummer: String,
    /// "Neubau eines Einfamilienhauses mit Garage".
    pub vorhaben: String,
    /// "Lindenweg 12, 34117 Kassel; Gemarkung Kassel, Flur 7, Flurstück 123/4".
    pub grundstueck: String,
    pub tenor: String,
    pub nebenbestimmungen: Vec<Nebenbestimmung>,
    pub begruendung: String,
    pub gebuehren: Vec<Gebuehr>,
    pub plaene: Vec<GenehmigterPlan>,
    pub rechtsbehelfsbelehrung: String,
    /// Closing lines, e.g. "Mit freundlichen Grüßen", "Im Auftrag", "Petra Schneider".
    pub schluss: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BescheidFehler {
    #[error("Für den Bescheid fehlt: {0}.")]
    Unvollstaendig(&'static str),
    #[error("Der Bescheid wäre länger als {0} Seiten.")]
    ZuLang(usize),
    #[error("Der Bescheid konnte nicht geschrieben werden ({0}).")]
    Schreiben(String),
}

/// Most pages a Bescheid may have.
pub const MAX_SEITEN: usize = 500;

/// Euro amounts as Germans write them; the domain's formatting, used by the pages too.
pub use plankammer_domain::bescheid::euro;

// Page geometry in points (A4).
const BREITE: f64 = 595.276;
const HOEHE: f64 = 841.89;
const MM: f64 = 72.0 / 25.4;
const LINKS: f64 = 25.0 * MM;
const RECHTS: f64 = BREITE - 20.0 * MM;
const OBEN: f64 = HOEHE - 18.0 * MM;
const UNTEN: f64 = 25.0 * MM;
const TEXT: f64 = 10.0;
const ZEILE: f64 = 13.5;

#[derive(Debug, Clone, Copy, PartialEq)]
enum S {
    Normal,
    Fett,
    Mono,
}

fn schrift(s: &Schriften, f: S) -> &Schrift {
    match f {
        S::Normal => &s.normal,
        S::Fett => &s.fett,
        S::Mono => &s.mono,
    }
}

enum Op {
    Text {
        x: f64,
        y: f64,
        f: S,
        groesse: f64,
        text: String,
    },
    Linie {
        x1: f64,
        y1: f64,
        x2: f64,
        y2: f64,
        breite: f64,
    },
}

/// Breaks `text` into lines no wider than `breite`: at spaces, and inside words that are
/// wider than a line on their own. `\n` breaks a line.
fn umbrechen(fs: &Schrift, groesse: f64, text: &str, breite: f64) -> Vec<String> {
    let mut out = Vec::new();
    for hart in text.split('\n') {
        let mut zeile = String::new();
        for wort in hart.split_whitespace() {
            let kandidat = if zeile.is_empty() {
                wort.to_string()
            } else {
                format!("{zeile} {wort}")
            };
            if fs.breite(&kandidat, groesse) <= breite {
                zeile = kandidat;
                continue;
            }
            if !zeile.is_empty() {
                out.push(std::mem::take(&mut zeile));
            }
            // The word alone: split it if it is too wide.
            let mut stueck = String::new();
            for c in wort.chars() {
                stueck.push(c);
                if fs.breite(&stueck, groesse) > breite && stueck.chars().count() > 1 {
                    stueck.pop();
                    out.push(std::mem::take(&mut stueck));
                    stueck.push(c);
                }
            }
            zeile = stueck;
        }
        out.push(zeile);
    }
    out
}

/// Paragraphs of a text field: separated by empty lines; single line breaks are kept.
fn absaetze(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur: Vec<&str> = Vec::new();
    for zeile in text.lines() {
        if zeile.trim().is_empty() {
            if !cur.is_empty() {
                out.push(cur.join("\n"));
                cur.clear();
            }
        } else {
            cur.push(zeile.trim_end());
        }
    }
    if !cur.is_empty() {
        out.push(cur.join("\n"));
    }
    out
}

struct Setzer<'a> {
    s: &'a Schriften,
    seiten: Vec<Vec<Op>>,
    y: f64,
}

impl<'a> Setzer<'a> {
    fn neu(s: &'a Schriften) -> Self {
        Setzer {
            s,
            seiten: vec![Vec::new()],
            y: OBEN,
        }
    }

    fn neue_seite(&mut self) {
        self.seiten.push(Vec::new());
        self.y = OBEN;
    }

    /// Starts a new page unless `hoehe` still fits.
    fn platz(&mut self, hoehe: f64) {
        if self.y - hoehe < UNTEN && self.y < OBEN {
            self.neue_seite();
        }
    }

    fn op(&mut self, op: Op) {
        if let Some(s) = self.seiten.last_mut() {
            s.push(op);
        }
    }

    fn text(&mut self, x: f64, y: f64, f: S, groesse: f64, text: &str) {
        if !text.is_empty() {
            self.op(Op::Text {
                x,
                y,
                f,
                groesse,
                text: text.to_string(),
            });
        }
    }

    fn rechtsbuendig(&mut self, rechts: f64, y: f64, f: S, groesse: f64, text: &str) {
        let w = schrift(self.s, f).breite(text, groesse);
        self.text(rechts - w, y, f, groesse, text);
    }

    fn linie(&mut self, x1: f64, x2: f64, y: f64, breite: f64) {
        self.op(Op::Linie {
            x1,
            y1: y,
            x2,
            y2: y,
            breite,
        });
    }

    /// A wrapped paragraph from the current position; breaks pages between lines.
    fn absatz(&mut self, x: f64, breite: f64, f: S, groesse: f64, abstand: f64, text: &str) {
        let zeilen = umbrechen(schrift(self.s, f), groesse, text, breite);
        for z in zeilen {
            self.platz(abstand);
            self.y -= abstand;
            self.text(x, self.y, f, groesse, &z);
        }
    }

    fn ueberschrift(&mut self, text: &str) {
        // Keep with at least three lines of what follows.
        self.platz(8.0 + 16.0 + 3.0 * ZEILE);
        self.y -= 8.0;
        self.y -= 16.0;
        self.text(LINKS, self.y, S::Fett, 11.5, text);
        self.y -= 2.0;
    }

    fn text_absaetze(&mut self, text: &str) {
        for (i, a) in absaetze(text).iter().enumerate() {
            if i > 0 {
                self.y -= 5.0;
            }
            self.absatz(LINKS, RECHTS - LINKS, S::Normal, TEXT, ZEILE, a);
        }
    }
}

fn pruefe_daten(b: &BescheidDaten) -> Result<(), BescheidFehler> {
    let fehlt = |s: &str| s.trim().is_empty();
    if fehlt(&b.behoerde_name) {
        return Err(BescheidFehler::Unvollstaendig("der Name der Behörde"));
    }
    if fehlt(&b.aktenzeichen) {
        return Err(BescheidFehler::Unvollstaendig("das Aktenzeichen"));
    }
    if fehlt(&b.datum) {
        return Err(BescheidFehler::Unvollstaendig("das Datum"));
    }
    if b.empfaenger.iter().all(|z| fehlt(z)) {
        return Err(BescheidFehler::Unvollstaendig("der Empfänger"));
    }
    if fehlt(&b.tenor) {
        return Err(BescheidFehler::Unvollstaendig("der Tenor"));
    }
    if fehlt(&b.rechtsbehelfsbelehrung) {
        return Err(BescheidFehler::Unvollstaendig("die Rechtsbehelfsbelehrung"));
    }
    Ok(())
}

fn setze(b: &BescheidDaten, s: &Schriften) -> Result<Vec<Vec<Op>>, BescheidFehler> {
    let mut t = Setzer::neu(s);
    let breite = RECHTS - LINKS;

    // Letterhead.
    t.y -= 14.0;
    t.text(LINKS, t.y, S::Fett, 14.0, b.behoerde_name.trim());
    for z in &b.behoerde_anschrift {
        t.y -= 11.0;
        t.text(LINKS, t.y, S::Normal, 8.5, z.trim());
    }
    t.y -= 6.0;
    t.linie(LINKS, RECHTS, t.y, 0.6);

    // Recipient (left) and info block (right), side by side.
    let oben = t.y - 14.0 * MM;
    let spalte = 85.0 * MM;
    // Return address: name and as many address lines as fit on one line.
    let teile: Vec<&str> = std::iter::once(b.behoerde_name.trim())
        .chain(b.behoerde_anschrift.iter().take(2).map(|z| z.trim()))
        .filter(|z| !z.is_empty())
        .collect();
    let absender = (1..=teile.len())
        .rev()
        .map(|k| teile[..k].join(" · "))
        .find(|a| s.normal.breite(a, 6.5) <= spalte)
        .unwrap_or_else(|| {
            umbrechen(&s.normal, 6.5, teile[0], spalte)
                .into_iter()
                .next()
                .unwrap_or_default()
        });
    t.text(LINKS, oben, S::Normal, 6.5, &absender);
    t.linie(LINKS, LINKS + spalte, oben - 2.5, 0.3);
    let mut y = oben - 4.0;
    for z in b.empfaenger.iter().filter(|z| !z.trim().is_empty()) {
        for zeile in umbrechen(&s.normal, TEXT, z.trim(), spalte) {
            y -= 12.5;
            t.text(LINKS, y, S::Normal, TEXT, &zeile);
        }
    }
    // Label and value as one run each, so the text reads "Aktenzeichen: BA-…".
    let info_x = 125.0 * MM;
    let mut iy = oben;
    let mut info = vec![("Aktenzeichen", b.aktenzeichen.trim())];
    if !b.bescheid_nummer.trim().is_empty() {
        info.push(("Bescheid-Nr.", b.bescheid_nummer.trim()));
    }
    info.push(("Datum", b.datum.trim()));
    for (label, wert) in info {
        for zeile in umbrechen(&s.normal, 9.0, &format!("{label}: {wert}"), RECHTS - info_x) {
            t.text(info_x, iy, S::Normal, 9.0, &zeile);
            iy -= 12.0;
        }
    }
    t.y = y.min(iy) - 12.0 * MM;

    // Place, date, title.
    if !b.ort.trim().is_empty() {
        t.rechtsbuendig(
            RECHTS,
            t.y,
            S::Normal,
            TEXT,
            &format!("{}, {}", b.ort.trim(), b.datum.trim()),
        );
        t.y -= 8.0 * MM;
    }
    t.y -= 16.0;
    t.text(LINKS, t.y, S::Fett, 16.0, b.art.titel());
    t.y -= 6.0;

    // Vorhaben / Grundstück: bold label, value right after it, continuation lines indented.
    for (label, wert) in [("Vorhaben:", &b.vorhaben), ("Grundstück:", &b.grundstueck)] {
        if wert.trim().is_empty() {
            continue;
        }
        let label_w = s.fett.breite(&format!("{label} "), TEXT);
        let zeilen = umbrechen(&s.normal, TEXT, wert.trim(), breite - label_w);
        for (i, z) in zeilen.iter().enumerate() {
            t.platz(ZEILE);
            t.y -= ZEILE;
            if i == 0 {
                t.text(LINKS, t.y, S::Fett, TEXT, label);
            }
            t.text(LINKS + label_w, t.y, S::Normal, TEXT, z);
        }
    }
    t.y -= 8.0;

    // Tenor.
    t.text_absaetze(&b.tenor);

    if !b.nebenbestimmungen.is_empty() {
        t.ueberschrift("Nebenbestimmungen");
        let einzug = 9.0 * MM;
        for (i, nb) in b.nebenbestimmungen.iter().enumerate() {
            t.y -= 5.0;
            t.platz(2.0 * ZEILE);
            t.y -= ZEILE;
            let art = nb.art_bezeichnung().unwrap_or("Nebenbestimmung");
            let kopf = match nb.quelle.as_ref().map(|q| q.stelle_name.trim()) {
                Some(stelle) if !stelle.is_empty() => format!("{art} – Stelle: {stelle}"),
                _ => art.to_string(),
            };
            // Number and head as one run (reading order), continuation lines indented.
            let nummer = format!("{}.", i + 1);
            let nummer_w = s.fett.breite(&format!("{nummer} "), TEXT);
            let zeilen = umbrechen(&s.fett, TEXT, &kopf, breite - einzug);
            for (j, z) in zeilen.iter().enumerate() {
                if j == 0 {
                    t.text(
                        LINKS + einzug - nummer_w,
                        t.y,
                        S::Fett,
                        TEXT,
                        &format!("{nummer} {z}"),
                    );
                } else {
                    t.platz(ZEILE);
                    t.y -= ZEILE;
                    t.text(LINKS + einzug, t.y, S::Fett, TEXT, z);
                }
            }
            for (j, a) in absaetze(&nb.text).iter().enumerate() {
                if j > 0 {
                    t.y -= 4.0;
                }
                t.absatz(LINKS + einzug, breite - einzug, S::Normal, TEXT, ZEILE, a);
            }
        }
    }

    if !b.begruendung.trim().is_empty() {
        t.ueberschrift("Begründung");
        t.text_absaetze(&b.begruendung);
    }

    if !b.gebuehren.is_empty() {
        t.ueberschrift("Gebühren");
        let betrag_w = 35.0 * MM;
        let desc_w = breite - betrag_w - 4.0 * MM;
        t.platz(ZEILE + 4.0);
        t.y -= ZEILE;
        t.text(LINKS, t.y, S::Fett, TEXT, "Gebührentatbestand");
        t.rechtsbuendig(RECHTS, t.y, S::Fett, TEXT, "Betrag");
        t.y -= 4.0;
        t.linie(LINKS, RECHTS, t.y, 0.5);
        let mut summe: i64 = 0;
        for g in &b.gebuehren {
            summe = summe.saturating_add(g.betrag_cent);
            let zeilen = umbrechen(&s.normal, TEXT, g.beschreibung.trim(), desc_w);
            // A row stays on one page (unless it is longer than a page).
            t.platz(zeilen.len() as f64 * ZEILE + 3.0);
            t.y -= 3.0;
            for (i, z) in zeilen.iter().enumerate() {
                t.platz(ZEILE);
                t.y -= ZEILE;
                t.text(LINKS, t.y, S::Normal, TEXT, z);
                if i == 0 {
                    t.rechtsbuendig(RECHTS, t.y, S::Normal, TEXT, &euro(g.betrag_cent));
                }
            }
        }
        t.platz(ZEILE + 8.0);
        t.y -= 4.0;
        t.linie(LINKS, RECHTS, t.y, 0.5);
        t.y -= ZEILE;
        t.text(LINKS, t.y, S::Fett, TEXT, "Summe");
        t.rechtsbuendig(RECHTS, t.y, S::Fett, TEXT, &euro(summe));
        t.y -= 2.0;
        t.linie(LINKS, RECHTS, t.y - 1.5, 0.5);
        t.linie(LINKS + breite - betrag_w, RECHTS, t.y - 3.0, 0.5);
        t.y -= 4.0;
    }

    if !b.plaene.is_empty() {
        t.ueberschrift(b.art.plaene_ueberschrift());
        if b.art == BescheidArt::Baugenehmigung {
            t.absatz(
                LINKS,
                breite,
                S::Normal,
                TEXT,
                ZEILE,
                "Die folgenden Bauvorlagen sind mit Genehmigungsvermerk versehen und Bestandteil \
                 dieser Baugenehmigung. Die Prüfsumme (SHA-256) bezeichnet jeweils die \
                 gestempelte Fassung.",
            );
        }
        let einzug = 9.0 * MM;
        let label = "SHA-256: ";
        let label_w = s.normal.breite(label, 8.0);
        for (i, p) in b.plaene.iter().enumerate() {
            let hash_zeilen = umbrechen(&s.mono, 8.0, p.sha256.trim(), breite - einzug - label_w);
            t.platz(ZEILE + 11.0 * (1 + hash_zeilen.len()) as f64);
            t.y -= 4.0;
            let name = if p.version.trim().is_empty() {
                p.dateiname.trim().to_string()
            } else {
                format!("{} (Version {})", p.dateiname.trim(), p.version.trim())
            };
            let nummer = format!("{}.", i + 1);
            let nummer_w = s.normal.breite(&format!("{nummer} "), TEXT);
            t.y -= ZEILE;
            for (j, z) in umbrechen(&s.normal, TEXT, &name, breite - einzug)
                .iter()
                .enumerate()
            {
                if j == 0 {
                    t.text(
                        LINKS + einzug - nummer_w,
                        t.y,
                        S::Normal,
                        TEXT,
                        &format!("{nummer} {z}"),
                    );
                } else {
                    t.platz(ZEILE);
                    t.y -= ZEILE;
                    t.text(LINKS + einzug, t.y, S::Normal, TEXT, z);
                }
            }
            for (j, z) in hash_zeilen.iter().enumerate() {
                t.platz(11.0);
                t.y -= 11.0;
                if j == 0 {
                    t.text(LINKS + einzug, t.y, S::Normal, 8.0, label.trim_end());
                }
                t.text(LINKS + einzug + label_w, t.y, S::Mono, 8.0, z);
            }
        }
    }

    // The closing lines (signature block) never stand alone on a page: they are kept with
    // the last lines of the Rechtsbehelfsbelehrung, so a page break moves those along.
    let schluss: Vec<Vec<String>> = b
        .schluss
        .iter()
        .map(|z| z.trim())
        .filter(|z| !z.is_empty())
        .map(|z| umbrechen(&s.normal, TEXT, z, breite))
        .collect();
    let schluss_hoehe = if schluss.is_empty() {
        0.0
    } else {
        12.0 + schluss.iter().map(Vec::len).sum::<usize>() as f64 * ZEILE
    };
    t.ueberschrift("Rechtsbehelfsbelehrung");
    let belehrung = absaetze(&b.rechtsbehelfsbelehrung);
    for (i, a) in belehrung.iter().enumerate() {
        if i > 0 {
            t.y -= 5.0;
        }
        let zeilen = umbrechen(&s.normal, TEXT, a, breite);
        let letzter = i + 1 == belehrung.len();
        let mitnehmen = if letzter { zeilen.len().min(3) } else { 0 };
        for (j, z) in zeilen.iter().enumerate() {
            let uebrig = zeilen.len() - j;
            if uebrig == mitnehmen {
                t.platz(uebrig as f64 * ZEILE + schluss_hoehe);
            } else {
                t.platz(ZEILE);
            }
            t.y -= ZEILE;
            t.text(LINKS, t.y, S::Normal, TEXT, z);
        }
    }
    if !schluss.is_empty() {
        t.platz(schluss_hoehe);
        t.y -= 12.0;
        for z in schluss.iter().flatten() {
            t.platz(ZEILE);
            t.y -= ZEILE;
            t.text(LINKS, t.y, S::Normal, TEXT, z);
        }
    }
    if t.seiten.len() > MAX_SEITEN {
        return Err(BescheidFehler::ZuLang(MAX_SEITEN));
    }
    // Footer: Aktenzeichen left, page number right, on every page.
    let gesamt = t.seiten.len();
    let az = format!("Az. {}", b.aktenzeichen.trim());
    for (i, seite) in t.seiten.iter_mut().enumerate() {
        let y = 14.0 * MM;
        seite.push(Op::Linie {
            x1: LINKS,
            y1: y + 10.0,
            x2: RECHTS,
            y2: y + 10.0,
            breite: 0.3,
        });
        seite.push(Op::Text {
            x: LINKS,
            y,
            f: S::Normal,
            groesse: 8.0,
            text: az.clone(),
        });
        let nr = format!("Seite {} von {}", i + 1, gesamt);
        seite.push(Op::Text {
            x: RECHTS - s.normal.breite(&nr, 8.0),
            y,
            f: S::Normal,
            groesse: 8.0,
            text: nr,
        });
    }
    Ok(t.seiten)
}

/// The content stream of one page.
fn inhalt(ops: &[Op]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut linien = String::from("q 0 G 0 J [] 0 d\n");
    for op in ops {
        if let Op::Linie {
            x1,
            y1,
            x2,
            y2,
            breite,
        } = op
        {
            let _ = writeln!(
                linien,
                "{} w {} {} m {} {} l S",
                n(*breite),
                n(*x1),
                n(*y1),
                n(*x2),
                n(*y2)
            );
        }
    }
    linien.push_str("Q\n");
    out.extend_from_slice(linien.as_bytes());
    out.extend_from_slice(b"BT 0 g\n");
    let mut aktuell: Option<(S, f64)> = None;
    for op in ops {
        if let Op::Text {
            x,
            y,
            f,
            groesse,
            text,
        } = op
        {
            if aktuell != Some((*f, *groesse)) {
                let name = match f {
                    S::Normal => "F1",
                    S::Fett => "F2",
                    S::Mono => "F3",
                };
                out.extend_from_slice(format!("/{name} {} Tf\n", n(*groesse)).as_bytes());
                aktuell = Some((*f, *groesse));
            }
            out.extend_from_slice(format!("1 0 0 1 {} {} Tm ", n(*x), n(*y)).as_bytes());
            pdf_literal(&mut out, &winansi(text));
            out.extend_from_slice(b" Tj\n");
        }
    }
    out.extend_from_slice(b"ET\n");
    out
}

/// FNV-1a, for a document ID that depends only on the content.
fn fnv(data: &[u8], seed: u64) -> u64 {
    let mut h = 0xcbf2_9ce4_8422_2325u64 ^ seed;
    for b in data {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

fn xml(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Renders the Bescheid.
pub fn render(b: &BescheidDaten) -> Result<Vec<u8>, BescheidFehler> {
    pruefe_daten(b)?;
    let s = schriften();
    let seiten = setze(b, s)?;

    let mut doc = Document::with_version("1.7");
    let pages_id: ObjectId = doc.new_object_id();
    let benutzt = |welche: S| {
        codes(seiten.iter().flatten().filter_map(|op| match op {
            Op::Text { f, text, .. } if *f == welche => Some(text.as_str()),
            _ => None,
        }))
    };
    let f1 = bette_ein(&mut doc, &s.normal, &benutzt(S::Normal));
    let f2 = bette_ein(&mut doc, &s.fett, &benutzt(S::Fett));
    let f3 = bette_ein(&mut doc, &s.mono, &benutzt(S::Mono));
    let resources = doc.add_object(Dictionary::from_iter(vec![(
        "Font",
        Object::Dictionary(Dictionary::from_iter(vec![
            ("F1", Object::Reference(f1)),
            ("F2", Object::Reference(f2)),
            ("F3", Object::Reference(f3)),
        ])),
    )]));
    let mut kids = Vec::new();
    let mut id_daten = Vec::new();
    for ops in &seiten {
        let c = inhalt(ops);
        id_daten.extend_from_slice(&c);
        let content_id = doc.add_object(komprimierter_stream(Dictionary::new(), &c));
        let page_id = doc.add_object(Dictionary::from_iter(vec![
            ("Type", Object::Name(b"Page".to_vec())),
            ("Parent", Object::Reference(pages_id)),
            (
                "MediaBox",
                Object::Array(vec![
                    Object::Integer(0),
                    Object::Integer(0),
                    Object::Real(BREITE as f32),
                    Object::Real(HOEHE as f32),
                ]),
            ),
            ("Resources", Object::Reference(resources)),
            ("Contents", Object::Reference(content_id)),
        ]));
        kids.push(Object::Reference(page_id));
    }
    let count = kids.len() as i64;
    doc.objects.insert(
        pages_id,
        Object::Dictionary(Dictionary::from_iter(vec![
            ("Type", Object::Name(b"Pages".to_vec())),
            ("Kids", Object::Array(kids)),
            ("Count", Object::Integer(count)),
        ])),
    );

    let titel = format!("{} – Az. {}", b.art.titel(), b.aktenzeichen.trim());
    let autor = b.behoerde_name.trim().to_string();
    let producer = "Plankammer";
    let xmp = format!(
        "<?xpacket begin=\"\u{feff}\" id=\"W5M0MpCehiHzreSzNTczkc9d\"?>\n\
         <x:xmpmeta xmlns:x=\"adobe:ns:meta/\">\n\
         <rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\">\n\
         <rdf:Description rdf:about=\"\" xmlns:dc=\"http://purl.org/dc/elements/1.1/\" \
         xmlns:pdf=\"http://ns.adobe.com/pdf/1.3/\" xmlns:xmp=\"http://ns.adobe.com/xap/1.0/\">\n\
         <dc:format>application/pdf</dc:format>\n\
         <dc:title><rdf:Alt><rdf:li xml:lang=\"x-default\">{}</rdf:li></rdf:Alt></dc:title>\n\
         <dc:creator><rdf:Seq><rdf:li>{}</rdf:li></rdf:Seq></dc:creator>\n\
         <dc:language><rdf:Bag><rdf:li>de-DE</rdf:li></rdf:Bag></dc:language>\n\
         <pdf:Producer>{producer}</pdf:Producer>\n\
         <xmp:CreatorTool>{producer}</xmp:CreatorTool>\n\
         </rdf:Description>\n</rdf:RDF>\n</x:xmpmeta>\n<?xpacket end=\"w\"?>",
        xml(&titel),
        xml(&autor)
    );
    id_daten.extend_from_slice(xmp.as_bytes());
    let mut meta = Stream::new(
        Dictionary::from_iter(vec![
            ("Type", Object::Name(b"Metadata".to_vec())),
            ("Subtype", Object::Name(b"XML".to_vec())),
        ]),
        xmp.into_bytes(),
    );
    // PDF/A wants the metadata readable without filters.
    meta.allows_compression = false;
    let meta_id = doc.add_object(meta);
    let catalog = doc.add_object(Dictionary::from_iter(vec![
        ("Type", Object::Name(b"Catalog".to_vec())),
        ("Pages", Object::Reference(pages_id)),
        ("Metadata", Object::Reference(meta_id)),
        (
            "Lang",
            Object::String(b"de-DE".to_vec(), StringFormat::Literal),
        ),
        (
            "ViewerPreferences",
            Object::Dictionary(Dictionary::from_iter(vec![(
                "DisplayDocTitle",
                Object::Boolean(true),
            )])),
        ),
    ]));
    let info = doc.add_object(Dictionary::from_iter(vec![
        ("Title", text_string(&titel)),
        ("Author", text_string(&autor)),
        ("Creator", text_string(producer)),
        ("Producer", text_string(producer)),
    ]));
    let mut id = Vec::with_capacity(16);
    id.extend_from_slice(&fnv(&id_daten, 1).to_be_bytes());
    id.extend_from_slice(&fnv(&id_daten, 2).to_be_bytes());
    doc.trailer.set("Root", Object::Reference(catalog));
    doc.trailer.set("Info", Object::Reference(info));
    doc.trailer.set(
        "ID",
        Object::Array(vec![
            Object::String(id.clone(), StringFormat::Hexadecimal),
            Object::String(id, StringFormat::Hexadecimal),
        ]),
    );
    let mut out = Vec::new();
    doc.save_to(&mut out)
        .map_err(|e| BescheidFehler::Schreiben(e.to_string()))?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn euro_amounts_in_german() {
        assert_eq!(euro(123_456), "1.234,56 €");
        assert_eq!(euro(5), "0,05 €");
        assert_eq!(euro(100_000_000), "1.000.000,00 €");
        assert_eq!(euro(-99_950), "-999,50 €");
        assert_eq!(euro(i64::MIN), "-92.233.720.368.547.758,08 €");
    }

    #[test]
    fn wrapping_respects_width_and_keeps_every_character() {
        let s = schriften();
        let text = "Die Baugenehmigung erlischt, wenn innerhalb von drei Jahren nach ihrer \
                    Erteilung mit der Ausführung nicht begonnen wurde. \
                    0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
        let zeilen = umbrechen(&s.normal, 10.0, text, 150.0);
        assert!(zeilen.len() > 4);
        for z in &zeilen {
            assert!(s.normal.breite(z, 10.0) <= 150.0, "{z}");
        }
        assert_eq!(
            zeilen.concat().replace(' ', ""),
            text.replace(' ', ""),
            "nothing lost"
        );
        assert_eq!(
            absaetze("a\nb\n\n\nc\n"),
            vec!["a\nb".to_string(), "c".to_string()]
        );
    }
}
