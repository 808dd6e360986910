//! XBau 2.6 for Plankammer (issue 14): the messages it builds from its cases, and the check
//! of every message against the official schemas — outgoing ones before they leave,
//! incoming ones before they are read.
//!
//! | module | what |
//! |---|---|
//! | [`pruefung`] | the XSD validator (libxml2) with its limits against hostile input |
//! | [`nachrichten`] | builders of outgoing messages (1100, 1120, 1121, 1170, 0201, 0205, 0300, 0304) |
//! | [`eingang`] | incoming messages read (any header; 0200/0202, 1130, 0303, 0305) and built (those and 1180) |

mod dateien;
pub mod eingang;
pub mod nachrichten;
pub mod pruefung;

pub use pruefung::{Befund, Fehlerkennzahl, Geprueft, pruefen};

/// An outgoing message that is not valid is a bug in Plankammer: it never leaves.
#[derive(Debug, thiserror::Error)]
#[error("outgoing XBau message {nachricht} is not schema-valid: {befunde:?}")]
pub struct UngueltigeAusgabe {
    pub nachricht: String,
    pub befunde: Vec<Befund>,
}

/// Validates an outgoing message; the XML back when it is valid.
pub fn ausgehend(nachricht: &str, xml: String) -> Result<String, UngueltigeAusgabe> {
    match pruefen(xml.as_bytes()) {
        Ok(_) => Ok(xml),
        Err(befunde) => Err(UngueltigeAusgabe {
            nachricht: nachricht.to_string(),
            befunde,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::nachrichten::*;
    use super::*;
    use chrono::TimeZone;

    fn kopf() -> Kopf {
        Kopf {
            uuid: "6f1c2a4e-1d2b-4c3a-9e8f-0a1b2c3d4e5f".into(),
            erstellt: chrono::Utc.with_ymd_and_hms(2026, 12, 4, 9, 30, 0).unwrap(),
            autor: Behoerde {
                verzeichnisdienst: "DVDV".into(),
                kennung: "bauaufsicht-kassel".into(),
                name: "Bauaufsicht Kassel".into(),
            },
            leser: Behoerde {
                verzeichnisdienst: "DVDV".into(),
                kennung: "bauportal-hessen".into(),
                name: "Bauportal Hessen".into(),
            },
        }
    }

    fn bezug() -> Bezug {
        Bezug {
            referenz: Some("0a7d8c4e-2b1f-4e6a-8c3d-5f9e1a2b3c4d".into()),
            vorgang: Some("BA-2026-00017".into()),
        }
    }

    /// Each outgoing message type, built from fixed values, is valid against the schemas
    /// and stays as it was (snapshot).
    #[test]
    fn outgoing_messages_are_schema_valid_and_stable() {
        let status = status_fuer_antragsportal(&StatusFuerAntragsportal {
            kopf: kopf(),
            bezug: bezug(),
            status: "14".into(),
            frist: chrono::NaiveDate::from_ymd_opt(2027, 1, 15),
            begruendung: Some(
                "Bitte reichen Sie den Lageplan nach & prüfen <Sie> die Maße.".into(),
            ),
        });
        let eingang = eingangsbestaetigung(&Eingangsbestaetigung {
            kopf: kopf(),
            bezug: bezug(),
            information: Some("Ihr Antrag ist eingegangen.".into()),
        });
        let az = aktenzeichen(&Aktenzeichenmitteilung {
            kopf: kopf(),
            bezug: bezug(),
        });
        let pruefung = formelle_pruefung(&FormellePruefung {
            kopf: kopf(),
            bezug: bezug(),
            vollstaendig: false,
            befunde: vec![
                Befundzeile {
                    art: "01".into(),
                    anlageart: Some("2001".into()),
                    beschreibung: "Die Grundrisse sind nicht bemaßt.".into(),
                },
                Befundzeile {
                    art: "02".into(),
                    anlageart: None,
                    beschreibung: "Der Lageplan fehlt.".into(),
                },
            ],
            frist: chrono::NaiveDate::from_ymd_opt(2027, 1, 15),
            anschreiben: Some("Bitte reichen Sie die Unterlagen nach.".into()),
        });
        let bescheid_xml = bescheid(&BescheidNachricht {
            kopf: kopf(),
            bezug: bezug(),
            ist_genehmigung: true,
            nebenbestimmungen: vec![NebenbestimmungZeile {
                art: "2".into(),
                text: "Die Zufahrt ist für die Feuerwehr freizuhalten.".into(),
            }],
            begruendung: Some(
                "Das Vorhaben entspricht den öffentlich-rechtlichen Vorschriften.".into(),
            ),
            rechtsbehelfsbelehrung: Some(
                "Gegen diesen Bescheid kann Widerspruch erhoben werden.".into(),
            ),
            anlagen: vec![AnlageMeta {
                bezeichnung: "Baugenehmigung Nr. BG-2026-0001".into(),
                anlageart: None,
                version: Some(1),
                mime_type: "application/pdf".into(),
                dokument_id: "urn:plankammer:bescheid:1".into(),
                dateiname: "bescheid.pdf".into(),
                groesse: 12345,
                sha256: "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08".into(),
            }],
        });
        let zurueck = rueckweisung(&Rueckweisung {
            kopf: kopf(),
            gruende: vec![
                (
                    "X001".into(),
                    "Element „unbekannt“: This element is not expected.".into(),
                ),
                (
                    "S000".into(),
                    "Der Bauantrag nennt keine Bauherrschaft.".into(),
                ),
            ],
            nachricht: Some(b"<x/>".to_vec()),
        });
        let auf = aufforderung(&Aufforderung {
            kopf: kopf(),
            bezug: bezug(),
            referenz: "1b2c3d4e-5f60-4718-8a9b-0c1d2e3f4a5b".into(),
            stelle: "Brandschutzdienststelle – Landkreis".into(),
            rolle: "2".into(),
            grund: Some("Bitte prüfen Sie die Rettungswege.".into()),
            bauvorhaben: "Neubau Einfamilienhaus mit Garage".into(),
            anlagen: vec![AnlageMeta {
                bezeichnung: "Grundriss EG".into(),
                anlageart: Some("2001".into()),
                version: Some(2),
                mime_type: "application/pdf".into(),
                dokument_id: "urn:plankammer:version:7".into(),
                dateiname: "grundriss_eg.pdf".into(),
                groesse: 52345,
                sha256: "2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae".into(),
            }],
            frist: chrono::NaiveDate::from_ymd_opt(2027, 2, 1).unwrap(),
            rechtsfolge: Some(
                "Äußern Sie sich nicht bis zum Fristende, gilt Ihre Zustimmung als erteilt.".into(),
            ),
        });
        let rueck = ruecknahme_beteiligung(&RuecknahmeBeteiligung {
            kopf: kopf(),
            bezug: bezug(),
            referenz: "1b2c3d4e-5f60-4718-8a9b-0c1d2e3f4a5b".into(),
            information: Some("Der Antrag wurde zurückgenommen.".into()),
        });
        for (name, xml) in [
            ("ruecknahme_0304", &rueck),
            ("aufforderung_0300", &auf),
            ("rueckweisung_1100", &zurueck),
            ("bescheid_0205", &bescheid_xml),
            ("formelle_pruefung_0201", &pruefung),
            ("status_1170", &status),
            ("eingangsbestaetigung_1120", &eingang),
            ("aktenzeichen_1121", &az),
        ] {
            match pruefen(xml.as_bytes()) {
                Ok(g) => assert!(g.nachricht.ends_with(&name[name.len() - 4..]), "{g:?}"),
                Err(b) => panic!("{name} is not valid:\n{b:#?}\n{xml}"),
            }
            insta::assert_snapshot!(name, xml);
        }
        // The reason is HTML5 in base64, escaped before it was encoded.
        let b64 = status
            .split("<begruendung><text>")
            .nth(1)
            .unwrap()
            .split('<')
            .next()
            .unwrap();
        use base64::Engine;
        let html = String::from_utf8(
            base64::engine::general_purpose::STANDARD
                .decode(b64)
                .unwrap(),
        )
        .unwrap();
        assert_eq!(
            html,
            "<p>Bitte reichen Sie den Lageplan nach &amp; prüfen &lt;Sie&gt; die Maße.</p>"
        );
    }

    #[test]
    fn an_invalid_outgoing_message_never_leaves() {
        let mut b = bezug();
        // A reference that is no UUID breaks the schema's pattern.
        b.referenz = Some("keine-uuid".into());
        let xml = eingangsbestaetigung(&Eingangsbestaetigung {
            kopf: kopf(),
            bezug: b,
            information: None,
        });
        let e = ausgehend("1120", xml).unwrap_err();
        assert_eq!(e.befunde[0].kennzahl, Fehlerkennzahl::X001);
    }

    #[test]
    fn uuids_are_version_4() {
        let u = neue_uuid();
        assert_eq!(u.len(), 36);
        assert_eq!(&u[14..15], "4");
        assert_ne!(u, neue_uuid());
    }
}
