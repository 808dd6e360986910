//! The Angaben of a Bauantrag: Bauvorhaben, Grundstück with its Flurstücke, Bauherrschaft
//! and Entwurfsverfasser/in — parsed from what a person or a machine client entered, and
//! stored as they are here.

use crate::Email;
use crate::codeliste;
use crate::verfahren::Verfahrensart;
use serde::{Deserialize, Serialize};
use std::fmt;

/// Longest single entry (street, name, …).
pub const MAX_ANGABE: usize = 300;
/// Most Flurstücke of one application.
pub const MAX_FLURSTUECKE: usize = 50;

/// A parcel of the Liegenschaftskataster: its number as Zähler and, where it has one, Nenner
/// (`123/4`; `57` has no Nenner).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Flurstueck {
    pub zaehler: u32,
    pub nenner: Option<u32>,
}

impl Flurstueck {
    /// `123/4`, `123`, with spaces around the slash allowed. Zähler up to 5 digits, Nenner
    /// up to 4 (the Flurstückskennzeichen of ALKIS).
    pub fn parse(raw: &str) -> Result<Flurstueck, String> {
        let s = raw.trim();
        let falsch = || {
            format!(
                "„{s}“ ist keine Flurstücksnummer. Bitte schreiben Sie sie als Zähler/Nenner, z. B. 112/3, oder nur den Zähler, z. B. 57."
            )
        };
        let zahl = |t: &str, stellen: usize| -> Result<u32, String> {
            let t = t.trim();
            if t.is_empty() || t.len() > stellen || !t.chars().all(|c| c.is_ascii_digit()) {
                return Err(falsch());
            }
            match t.parse::<u32>() {
                Ok(0) | Err(_) => Err(falsch()),
                Ok(n) => Ok(n),
            }
        };
        match s.split_once('/') {
            Some((z, n)) => Ok(Flurstueck {
                zaehler: zahl(z, 5)?,
                nenner: Some(zahl(n, 4)?),
            }),
            None => Ok(Flurstueck {
                zaehler: zahl(s, 5)?,
                nenner: None,
            }),
        }
    }

    /// A list as people type it: separated by commas, semicolons or lines.
    pub fn parse_liste(raw: &str) -> Result<Vec<Flurstueck>, Vec<String>> {
        let mut fehler = Vec::new();
        let mut out = Vec::new();
        for teil in raw.split([',', ';', '\n']).map(str::trim) {
            if teil.is_empty() {
                continue;
            }
            match Flurstueck::parse(teil) {
                Ok(f) => out.push(f),
                Err(e) => fehler.push(e),
            }
        }
        if fehler.is_empty() {
            Ok(out)
        } else {
            Err(fehler)
        }
    }
}

impl fmt::Display for Flurstueck {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.nenner {
            Some(n) => write!(f, "{}/{n}", self.zaehler),
            None => write!(f, "{}", self.zaehler),
        }
    }
}

impl TryFrom<String> for Flurstueck {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        Flurstueck::parse(&s)
    }
}

impl From<Flurstueck> for String {
    fn from(f: Flurstueck) -> String {
        f.to_string()
    }
}

/// The plot: its address, Gemeinde (AGS and name), and where it lies in the cadastre.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Grundstueck {
    pub strasse: String,
    pub hausnummer: String,
    pub plz: String,
    pub ort: String,
    /// Amtlicher Gemeindeschlüssel, 8 digits (Hessen: 06…).
    pub gemeinde_ags: String,
    /// The Gemeinde's name as in the code list.
    pub gemeinde: String,
    pub gemarkung: String,
    pub flur: String,
    /// Each as Zähler/Nenner, e.g. `123/4`, or the Zähler alone.
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<String>, example = json!(["123/4", "57"])))]
    pub flurstuecke: Vec<Flurstueck>,
}

impl Grundstueck {
    /// "Musterweg 1, 34117 Kassel".
    pub fn anschrift(&self) -> String {
        format!(
            "{} {}, {} {}",
            self.strasse, self.hausnummer, self.plz, self.ort
        )
    }

    /// "112/3, 112/4".
    pub fn flurstuecke_text(&self) -> String {
        self.flurstuecke
            .iter()
            .map(Flurstueck::to_string)
            .collect::<Vec<_>>()
            .join(", ")
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Bauvorhaben {
    pub bezeichnung: String,
    /// Code of `baumassnahmeart`.
    pub massnahme: String,
    /// Code of `gebaeudeklasse`, empty when not given.
    pub gebaeudeklasse: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Bauherrschaft {
    pub name: String,
    pub anschrift: String,
    /// Empty when not given.
    pub email: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Entwurfsverfasser {
    pub name: String,
    pub kammer: String,
    pub mitgliedsnummer: String,
}

/// The Angaben of an application, complete and checked.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Angaben {
    pub bauvorhaben: Bauvorhaben,
    pub grundstueck: Grundstueck,
    pub bauherrschaft: Bauherrschaft,
    pub entwurfsverfasser: Entwurfsverfasser,
}

/// The Angaben as a form sends them: flat strings, Flurstücke as one text.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AngabenEingabe {
    pub verfahren: String,
    pub bezeichnung: String,
    pub massnahme: String,
    pub gebaeudeklasse: String,
    pub strasse: String,
    pub hausnummer: String,
    pub plz: String,
    pub ort: String,
    /// The Gemeinde's AGS.
    pub gemeinde: String,
    pub gemarkung: String,
    pub flur: String,
    /// Comma-, semicolon- or line-separated.
    pub flurstuecke: String,
    pub bh_name: String,
    pub bh_anschrift: String,
    pub bh_email: String,
    pub ev_name: String,
    pub ev_kammer: String,
    pub ev_nummer: String,
}

impl AngabenEingabe {
    /// The form filled with stored Angaben.
    pub fn aus(verfahren: Option<Verfahrensart>, bezeichnung: &str, g: &Angaben) -> Self {
        let mut f = AngabenEingabe {
            verfahren: verfahren.map(|v| v.slug().to_string()).unwrap_or_default(),
            bezeichnung: bezeichnung.to_string(),
            massnahme: g.bauvorhaben.massnahme.clone(),
            gebaeudeklasse: g.bauvorhaben.gebaeudeklasse.clone(),
            ev_name: g.entwurfsverfasser.name.clone(),
            ev_kammer: g.entwurfsverfasser.kammer.clone(),
            ev_nummer: g.entwurfsverfasser.mitgliedsnummer.clone(),
            ..Default::default()
        };
        f.uebernimm_grundstueck(&g.grundstueck);
        f.uebernimm_bauherrschaft(&g.bauherrschaft);
        f
    }

    pub fn uebernimm_grundstueck(&mut self, gr: &Grundstueck) {
        self.strasse = gr.strasse.clone();
        self.hausnummer = gr.hausnummer.clone();
        self.plz = gr.plz.clone();
        self.ort = gr.ort.clone();
        self.gemeinde = gr.gemeinde_ags.clone();
        self.gemarkung = gr.gemarkung.clone();
        self.flur = gr.flur.clone();
        self.flurstuecke = gr.flurstuecke_text();
    }

    pub fn uebernimm_bauherrschaft(&mut self, b: &Bauherrschaft) {
        self.bh_name = b.name.clone();
        self.bh_anschrift = b.anschrift.clone();
        self.bh_email = b.email.clone();
    }

    /// Parses the form: the procedure, the case's name and the Angaben, or every German
    /// reason why not.
    pub fn pruefe(&self) -> Result<GepruefteAngaben, Vec<String>> {
        let f = self;
        let mut fehler = Vec::new();
        let t = |x: &str| x.trim().to_string();
        let mut pflicht = |wert: &str, name: &str| {
            if wert.trim().is_empty() {
                fehler.push(format!("Bitte geben Sie {name} an."));
            }
        };
        pflicht(&f.strasse, "die Straße des Grundstücks");
        pflicht(&f.hausnummer, "die Hausnummer");
        pflicht(&f.ort, "den Ort");
        pflicht(&f.gemarkung, "die Gemarkung");
        pflicht(&f.flur, "die Flur");
        pflicht(&f.bh_name, "den Namen der Bauherrschaft");
        pflicht(&f.bh_anschrift, "die Anschrift der Bauherrschaft");
        pflicht(
            &f.ev_name,
            "den Namen der Entwurfsverfasserin oder des Entwurfsverfassers",
        );
        pflicht(
            &f.ev_kammer,
            "die Kammer der Entwurfsverfasserin oder des Entwurfsverfassers",
        );
        pflicht(&f.ev_nummer, "die Mitgliedsnummer bei der Kammer");
        let verfahren = Verfahrensart::from_slug(f.verfahren.trim());
        if verfahren.is_none() {
            fehler.push("Bitte wählen Sie die Verfahrensart.".into());
        }
        let bezeichnung = t(&f.bezeichnung);
        if bezeichnung.is_empty() || bezeichnung.chars().count() > MAX_ANGABE {
            fehler.push(format!(
                "Bitte beschreiben Sie das Vorhaben (höchstens {MAX_ANGABE} Zeichen)."
            ));
        }
        if !codeliste::baumassnahmearten().enthaelt(f.massnahme.trim()) {
            fehler.push("Bitte wählen Sie die Art der Maßnahme.".into());
        }
        if !f.gebaeudeklasse.trim().is_empty()
            && !codeliste::gebaeudeklassen().enthaelt(f.gebaeudeklasse.trim())
        {
            fehler.push("Bitte wählen Sie eine Gebäudeklasse aus der Liste.".into());
        }
        let plz = t(&f.plz);
        if plz.len() != 5 || !plz.chars().all(|c| c.is_ascii_digit()) {
            fehler.push("Die Postleitzahl muss aus fünf Ziffern bestehen.".into());
        }
        let ags = t(&f.gemeinde);
        let gemeinde = codeliste::gemeinden_hessen().name(&ags);
        if ags.is_empty() {
            fehler.push("Bitte wählen Sie die Gemeinde des Grundstücks.".into());
        } else if gemeinde.is_none() {
            fehler.push(format!(
                "Der Gemeindeschlüssel „{ags}“ gehört zu keiner hessischen Gemeinde. Bitte wählen Sie die Gemeinde aus der Liste."
            ));
        }
        let flurstuecke = match Flurstueck::parse_liste(&f.flurstuecke) {
            Ok(l) if l.is_empty() => {
                fehler.push("Bitte geben Sie mindestens ein Flurstück an.".into());
                vec![]
            }
            Ok(l) if l.len() > MAX_FLURSTUECKE => {
                fehler.push(format!(
                    "Bitte geben Sie höchstens {MAX_FLURSTUECKE} Flurstücke an."
                ));
                vec![]
            }
            Ok(l) => l,
            Err(e) => {
                fehler.extend(e);
                vec![]
            }
        };
        let bh_email = t(&f.bh_email);
        if !bh_email.is_empty() && Email::parse(&bh_email).is_err() {
            fehler.push("Die E-Mail-Adresse der Bauherrschaft ist nicht gültig.".into());
        }
        let zu_lang = [
            &f.strasse,
            &f.hausnummer,
            &f.ort,
            &f.gemarkung,
            &f.flur,
            &f.bh_name,
            &f.bh_anschrift,
            &f.ev_name,
            &f.ev_kammer,
            &f.ev_nummer,
        ]
        .iter()
        .any(|x| x.chars().count() > MAX_ANGABE);
        if zu_lang {
            fehler.push(format!(
                "Jede Angabe darf höchstens {MAX_ANGABE} Zeichen lang sein."
            ));
        }
        match verfahren {
            Some(verfahren) if fehler.is_empty() => Ok(GepruefteAngaben {
                verfahren,
                angaben: Angaben {
                    bauvorhaben: Bauvorhaben {
                        bezeichnung: bezeichnung.clone(),
                        massnahme: t(&f.massnahme),
                        gebaeudeklasse: t(&f.gebaeudeklasse),
                    },
                    grundstueck: Grundstueck {
                        strasse: t(&f.strasse),
                        hausnummer: t(&f.hausnummer),
                        plz,
                        ort: t(&f.ort),
                        gemeinde_ags: ags,
                        gemeinde: gemeinde.unwrap_or_default().to_string(),
                        gemarkung: t(&f.gemarkung),
                        flur: t(&f.flur),
                        flurstuecke,
                    },
                    bauherrschaft: Bauherrschaft {
                        name: t(&f.bh_name),
                        anschrift: t(&f.bh_anschrift),
                        email: bh_email,
                    },
                    entwurfsverfasser: Entwurfsverfasser {
                        name: t(&f.ev_name),
                        kammer: t(&f.ev_kammer),
                        mitgliedsnummer: t(&f.ev_nummer),
                    },
                },
                bezeichnung,
            }),
            _ => Err(fehler),
        }
    }
}

/// Angaben that passed [`AngabenEingabe::pruefe`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GepruefteAngaben {
    pub verfahren: Verfahrensart,
    /// The case's name (the Bauvorhaben's Bezeichnung).
    pub bezeichnung: String,
    pub angaben: Angaben,
}

impl Angaben {
    /// Are the stored Angaben complete enough to submit? The German reasons if not.
    pub fn fehlende(
        verfahren: Option<Verfahrensart>,
        bezeichnung: &str,
        angaben: Option<&Angaben>,
    ) -> Vec<String> {
        let Some(g) = angaben else {
            return vec![
                "Die Angaben zum Bauvorhaben, zum Grundstück und zu den Beteiligten fehlen noch."
                    .into(),
            ];
        };
        match AngabenEingabe::aus(verfahren, bezeichnung, g).pruefe() {
            Ok(_) => vec![],
            Err(f) => f,
        }
    }

    /// The text an earlier case is offered by: "Bauherr – Straße 1, 34117 Kassel".
    pub fn vorlage_text(&self) -> String {
        format!(
            "{} – {}",
            self.bauherrschaft.name,
            self.grundstueck.anschrift()
        )
    }
}

/// The e-mail address of the Bauherrschaft, when one was given and is valid.
pub fn email_der_bauherrschaft(g: &Angaben) -> Option<Email> {
    let e = g.bauherrschaft.email.trim();
    if e.is_empty() {
        None
    } else {
        Email::parse(e).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flurstuecke_are_zaehler_and_nenner() {
        assert_eq!(
            Flurstueck::parse("123/4").unwrap(),
            Flurstueck {
                zaehler: 123,
                nenner: Some(4)
            }
        );
        assert_eq!(Flurstueck::parse(" 57 ").unwrap().to_string(), "57");
        assert_eq!(Flurstueck::parse("12 / 3").unwrap().to_string(), "12/3");
        for falsch in [
            "", "0", "12/0", "a", "1/2/3", "123456", "12/34567", "-1", "1.5",
        ] {
            assert!(Flurstueck::parse(falsch).is_err(), "{falsch:?}");
        }
        assert_eq!(
            Flurstueck::parse_liste("112/3, 112/4;\n5").unwrap().len(),
            3
        );
        let e = Flurstueck::parse_liste("112/3, Garten").unwrap_err();
        assert!(e[0].contains("„Garten“"), "{e:?}");
        let json = serde_json::to_string(&Flurstueck::parse("45/2").unwrap()).unwrap();
        assert_eq!(json, "\"45/2\"");
        let f: Flurstueck = serde_json::from_str("\"45/2\"").unwrap();
        assert_eq!(f.nenner, Some(2));
    }

    fn eingabe() -> AngabenEingabe {
        AngabenEingabe {
            verfahren: "vereinfacht".into(),
            bezeichnung: "Neubau Einfamilienhaus".into(),
            massnahme: codeliste::baumassnahmearten().eintraege[0].code.clone(),
            strasse: "Musterweg".into(),
            hausnummer: "1".into(),
            plz: "34117".into(),
            ort: "Kassel".into(),
            gemeinde: "06611000".into(),
            gemarkung: "Kassel".into(),
            flur: "7".into(),
            flurstuecke: "112/3, 112/4".into(),
            bh_name: "Erika Muster".into(),
            bh_anschrift: "Musterweg 2, 34117 Kassel".into(),
            ev_name: "Anna Architektin".into(),
            ev_kammer: "AKH".into(),
            ev_nummer: "12345".into(),
            ..Default::default()
        }
    }

    #[test]
    fn checked_angaben_round_trip_through_the_form() {
        let g = eingabe().pruefe().unwrap();
        assert_eq!(g.verfahren, Verfahrensart::VereinfachtesVerfahren);
        assert!(g.angaben.grundstueck.gemeinde.starts_with("Kassel"));
        assert_eq!(g.angaben.grundstueck.flurstuecke.len(), 2);
        let wieder = AngabenEingabe::aus(Some(g.verfahren), &g.bezeichnung, &g.angaben);
        assert_eq!(wieder.pruefe().unwrap(), g);
        assert!(Angaben::fehlende(Some(g.verfahren), &g.bezeichnung, Some(&g.angaben)).is_empty());
        assert_eq!(
            Angaben::fehlende(Some(g.verfahren), &g.bezeichnung, None).len(),
            1
        );
    }

    #[test]
    fn wrong_angaben_say_why_in_german() {
        let mut f = eingabe();
        f.plz = "3411".into();
        f.flurstuecke = "Acker".into();
        f.gemeinde = "99999999".into();
        let e = f.pruefe().unwrap_err();
        assert!(e.iter().any(|m| m.contains("Postleitzahl")));
        assert!(e.iter().any(|m| m.contains("„Acker“")));
        assert!(e.iter().any(|m| m.contains("99999999")));
    }
}
