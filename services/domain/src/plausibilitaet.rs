//! Plans against the application: what the title blocks (Schriftfelder) of the plans say
//! about Bauherrschaft, Entwurfsverfasser and Grundstück, compared with the Angaben. A
//! mismatch is a warning for the architect before submission and a hint in the formelle
//! Prüfung, never a block: the reading of a plan can be wrong, and the Angaben decide.
//!
//! Names are compared by their significant words (a surname, a firm), so "Familie Jana und
//! Tom Becker" in the plan fits "Jana Becker" in the Angaben, and titles or "Architektin"
//! do not count; the Grundstück fits when the title block names its street with the house
//! number, or one of its Flurstücke.

use crate::antrag::Angaben;
use serde::Serialize;

/// A field read from a plan with less confidence (0–1) than this is a suggestion for a
/// person to confirm: shown as such, never compared with the Angaben or taken silently.
pub const SICHER_AB: f64 = 0.6;

/// What was read from one plan's title block.
#[derive(Debug, Clone, Default)]
pub struct Schriftfeld<'a> {
    /// The document, as the applicant named it.
    pub dokument: &'a str,
    pub bauherr: Option<&'a str>,
    pub entwurfsverfasser: Option<&'a str>,
    /// The text of the title block (or of the page it is on), for the Grundstück.
    pub text: &'a str,
}

/// One thing a plan says differently from the Angaben.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Abweichung {
    pub dokument: String,
    /// "Bauherrschaft", "Entwurfsverfasser/in", "Grundstück".
    pub feld: &'static str,
    /// What the plan says; `None`: the plan does not name it.
    pub im_plan: Option<String>,
    pub im_antrag: String,
}

impl Abweichung {
    /// The warning in a German sentence.
    pub fn satz(&self) -> String {
        match &self.im_plan {
            Some(p) => format!(
                "„{}“: {} im Schriftfeld „{p}“, im Antrag „{}“.",
                self.dokument, self.feld, self.im_antrag
            ),
            None => format!(
                "„{}“: Das Schriftfeld nennt {} „{}“ nicht.",
                self.dokument,
                match self.feld {
                    "Grundstück" => "das Grundstück",
                    "Bauherrschaft" => "die Bauherrschaft",
                    _ => "die Entwurfsverfasserin oder den Entwurfsverfasser",
                },
                self.im_antrag
            ),
        }
    }
}

/// The warnings in German sentences, one per kind of mismatch: the same difference on
/// several plans is one sentence naming them all.
pub fn saetze(abweichungen: &[Abweichung]) -> Vec<String> {
    let mut gruppen: Vec<(Abweichung, Vec<&str>)> = Vec::new();
    for a in abweichungen {
        match gruppen
            .iter_mut()
            .find(|(g, _)| g.feld == a.feld && g.im_plan == a.im_plan && g.im_antrag == a.im_antrag)
        {
            Some((_, dokumente)) => dokumente.push(&a.dokument),
            None => gruppen.push((a.clone(), vec![&a.dokument])),
        }
    }
    gruppen
        .into_iter()
        .map(|(mut g, dokumente)| {
            g.dokument = dokumente.join("“, „");
            g.satz()
        })
        .collect()
}

/// Words that say nothing about who someone is.
const FUELLWOERTER: &[&str] = &[
    "familie",
    "und",
    "herr",
    "herrn",
    "frau",
    "dipl",
    "ing",
    "dr",
    "prof",
    "architekt",
    "architektin",
    "architekten",
    "bauherr",
    "bauherrin",
    "gmbh",
    "mbh",
    "co",
    "kg",
    "ag",
    "msc",
    "bsc",
    "freier",
    "freie",
];

/// Lower case, umlauts and ß spelled out, everything but letters and digits a space.
fn normal(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars().flat_map(char::to_lowercase) {
        match c {
            'ä' => out.push_str("ae"),
            'ö' => out.push_str("oe"),
            'ü' => out.push_str("ue"),
            'ß' => out.push_str("ss"),
            c if c.is_alphanumeric() || c == '/' => out.push(c),
            _ => out.push(' '),
        }
    }
    out
}

fn woerter(s: &str) -> Vec<String> {
    normal(s).split_whitespace().map(str::to_string).collect()
}

/// The words of a name that identify it.
fn kennwoerter(name: &str) -> Vec<String> {
    woerter(name)
        .into_iter()
        .filter(|w| w.chars().count() >= 3 && !FUELLWOERTER.contains(&w.as_str()))
        .collect()
}

/// Does the name read from a plan fit the name in the Angaben? True when a significant word
/// of the Angaben's name is a word of the plan's (or when either has none to compare).
pub fn namen_passen(im_antrag: &str, im_plan: &str) -> bool {
    let antrag = kennwoerter(im_antrag);
    let plan = woerter(im_plan);
    antrag.is_empty() || plan.is_empty() || antrag.iter().any(|w| plan.contains(w))
}

/// A street name in its common spellings: "Lindenstraße", "Lindenstr." and "Linden Straße"
/// all become "lindenstr".
fn strasse_normal(s: &str) -> String {
    let n = normal(s).replace(' ', "");
    for (lang, kurz) in [("strasse", "str"), ("weg", "weg"), ("platz", "pl")] {
        if let Some(stamm) = n.strip_suffix(lang) {
            return format!("{stamm}{kurz}");
        }
    }
    n
}

/// Does the text name the Grundstück: its street with the house number, or a Flurstück?
pub fn grundstueck_genannt(g: &Angaben, text: &str) -> bool {
    let t = normal(text);
    let gs = &g.grundstueck;
    let flurstueck = gs
        .flurstuecke
        .iter()
        .map(|f| f.to_string())
        .any(|f| t.split_whitespace().any(|w| w == f));
    if flurstueck {
        return true;
    }
    let strasse = strasse_normal(&gs.strasse);
    if strasse.is_empty() {
        return true;
    }
    let nummer = normal(&gs.hausnummer).replace(' ', "");
    // Words of the text joined pairwise, so "Linden straße 12" and "Lindenstr. 12" fit.
    let w: Vec<&str> = t.split_whitespace().collect();
    (0..w.len()).any(|i| {
        let einzeln = strasse_normal(w[i]);
        let paar = w
            .get(i + 1)
            .map(|n| strasse_normal(&format!("{}{n}", w[i])));
        let (treffer, weiter) = if einzeln == strasse {
            (true, i + 1)
        } else if paar.as_deref() == Some(strasse.as_str()) {
            (true, i + 2)
        } else {
            (false, i)
        };
        treffer
            && (nummer.is_empty()
                || w.get(weiter).is_some_and(|n| *n == nummer)
                || w.get(weiter)
                    .zip(w.get(weiter + 1))
                    .is_some_and(|(a, b)| format!("{a}{b}") == nummer))
    })
}

/// Every mismatch between the plans' title blocks and the Angaben, plan by plan.
pub fn abweichungen(g: &Angaben, plaene: &[Schriftfeld]) -> Vec<Abweichung> {
    let mut out = Vec::new();
    for p in plaene {
        let bh = &g.bauherrschaft.name;
        if let Some(b) = p.bauherr.filter(|b| !b.trim().is_empty())
            && !bh.trim().is_empty()
            && !namen_passen(bh, b)
        {
            out.push(Abweichung {
                dokument: p.dokument.to_string(),
                feld: "Bauherrschaft",
                im_plan: Some(b.trim().to_string()),
                im_antrag: bh.trim().to_string(),
            });
        }
        let ev = &g.entwurfsverfasser.name;
        if let Some(e) = p.entwurfsverfasser.filter(|e| !e.trim().is_empty())
            && !ev.trim().is_empty()
            && !namen_passen(ev, e)
        {
            out.push(Abweichung {
                dokument: p.dokument.to_string(),
                feld: "Entwurfsverfasser/in",
                im_plan: Some(e.trim().to_string()),
                im_antrag: ev.trim().to_string(),
            });
        }
        if !p.text.trim().is_empty() && !grundstueck_genannt(g, p.text) {
            let gs = &g.grundstueck;
            let mut im_antrag = format!("{} {}", gs.strasse.trim(), gs.hausnummer.trim())
                .trim()
                .to_string();
            if !gs.flurstuecke.is_empty() {
                let f: Vec<String> = gs.flurstuecke.iter().map(|f| f.to_string()).collect();
                im_antrag.push_str(&format!(", Flurstück {}", f.join(", ")));
            }
            out.push(Abweichung {
                dokument: p.dokument.to_string(),
                feld: "Grundstück",
                im_plan: None,
                im_antrag,
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::antrag::Flurstueck;

    fn angaben() -> Angaben {
        let mut g = Angaben::default();
        g.bauherrschaft.name = "Jana Becker".into();
        g.entwurfsverfasser.name = "Sabine Hoffmann".into();
        g.grundstueck.strasse = "Lindenweg".into();
        g.grundstueck.hausnummer = "12".into();
        g.grundstueck.flurstuecke = vec![Flurstueck::parse("123/4").unwrap()];
        g
    }

    const SCHRIFTFELD: &str = "Bauherr Familie Jana und Tom Becker Goethestraße 41, 34119 Kassel \
        Bauvorhaben Neubau Einfamilienhaus mit Garage Lindenweg 12, 34117 Kassel \
        Gemarkung Kassel, Flur 7, Flurstück 123/4";

    fn plan<'a>(bauherr: &'a str, ev: &'a str, text: &'a str) -> Schriftfeld<'a> {
        Schriftfeld {
            dokument: "Grundriss EG",
            bauherr: Some(bauherr),
            entwurfsverfasser: Some(ev),
            text,
        }
    }

    #[test]
    fn a_plan_of_this_application_fits() {
        let p = plan(
            "Familie Jana und Tom Becker",
            "Dipl.-Ing. Architektin Sabine Hoffmann, Architektenkammer Hessen Nr. 12345",
            SCHRIFTFELD,
        );
        assert_eq!(abweichungen(&angaben(), &[p]), vec![]);
    }

    #[test]
    fn umlauts_titles_and_street_spellings_do_not_make_a_mismatch() {
        assert!(namen_passen("Jürgen Müller", "Herrn Juergen Mueller"));
        assert!(namen_passen("Müller Bau GmbH", "MÜLLER BAU"));
        assert!(namen_passen("Dr. Anna Groß", "A. Gross"));
        let mut g = angaben();
        g.grundstueck.strasse = "Goethestraße".into();
        g.grundstueck.hausnummer = "41a".into();
        g.grundstueck.flurstuecke = vec![];
        for text in [
            "Goethestr. 41a, Kassel",
            "Goethe Straße 41 a",
            "GOETHESTRASSE 41A",
        ] {
            assert!(grundstueck_genannt(&g, text), "{text}");
        }
        assert!(!grundstueck_genannt(&g, "Goethestraße 14"));
        assert!(!grundstueck_genannt(&g, "Schillerstraße 41a"));
    }

    #[test]
    fn another_bauherr_entwurfsverfasser_and_grundstueck_are_each_named() {
        let p = plan(
            "Familie Schneider",
            "Architekturbüro Weber",
            "Bauvorhaben Neubau Doppelhaus, Am Hang 3, Gemarkung Wehlheiden, Flurstück 88",
        );
        let a = abweichungen(&angaben(), &[p]);
        let felder: Vec<_> = a.iter().map(|x| x.feld).collect();
        assert_eq!(
            felder,
            vec!["Bauherrschaft", "Entwurfsverfasser/in", "Grundstück"]
        );
        assert_eq!(
            a[0].satz(),
            "„Grundriss EG“: Bauherrschaft im Schriftfeld „Familie Schneider“, im Antrag „Jana Becker“."
        );
        assert_eq!(
            a[2].satz(),
            "„Grundriss EG“: Das Schriftfeld nennt das Grundstück „Lindenweg 12, Flurstück 123/4“ nicht."
        );
    }

    #[test]
    fn the_same_difference_on_several_plans_is_one_sentence() {
        let a: Vec<Abweichung> = ["Lageplan", "Grundriss EG"]
            .into_iter()
            .flat_map(|d| {
                abweichungen(
                    &angaben(),
                    &[Schriftfeld {
                        dokument: d,
                        bauherr: Some("Familie Jana und Tom Becker"),
                        entwurfsverfasser: Some("Architekturbüro Weber"),
                        text: SCHRIFTFELD,
                    }],
                )
            })
            .collect();
        assert_eq!(a.len(), 2);
        assert_eq!(
            saetze(&a),
            vec!["„Lageplan“, „Grundriss EG“: Entwurfsverfasser/in im Schriftfeld „Architekturbüro Weber“, im Antrag „Sabine Hoffmann“.".to_string()]
        );
    }

    #[test]
    fn nothing_read_is_no_mismatch() {
        let p = Schriftfeld {
            dokument: "Scan",
            ..Schriftfeld::default()
        };
        assert!(abweichungen(&angaben(), &[p]).is_empty());
        // Nor are empty Angaben compared.
        let p = plan("Familie Schneider", "Weber", "irgendwo");
        assert!(abweichungen(&Angaben::default(), &[p]).is_empty());
    }

    #[test]
    fn a_flurstueck_alone_names_the_grundstueck() {
        let mut g = angaben();
        g.grundstueck.strasse = "Unbekannte Straße".into();
        assert!(grundstueck_genannt(
            &g,
            "Gemarkung Kassel Flur 7 Flurstück 123/4"
        ));
        assert!(!grundstueck_genannt(&g, "Flurstück 123/45"));
    }
}
