//! The XBau schematron rules (`schemas/xbau-schematron.sch` and
//! `xbau-schematron-leere-elemente.sch`, query binding XSLT 2) over every message type
//! Plankammer builds and over the incoming fixtures, run by a maintained tool: Saxon-HE
//! (Debian `libsaxonhe-java`, MPL-2.0) with SchXslt 1.10 (MIT, vendored in
//! `schematron/schxslt/`). `scripts/setup.sh --test` installs Java and Saxon; without them
//! this test fails (CI has them), it never skips.
//!
//! The rules Plankammer's messages meet only with real DVDV identifiers (`sch-xbau-001/002`:
//! `^[a-z]{3}:\d+$`), which is why the authority's identifier is registered with
//! `plankammer tenant xbau-kennung`; a case shows it fails without one.

use chrono::{TimeZone, Utc};
use plankammer_xbau::eingang::*;
use plankammer_xbau::nachrichten::*;
use std::path::{Path, PathBuf};
use std::process::Command;

const SAXON: &str = "/usr/share/java/Saxon-HE.jar";

fn krate() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn saxon(args: &[&str]) -> String {
    assert!(
        Path::new(SAXON).is_file(),
        "Saxon-HE is missing ({SAXON}): scripts/setup.sh --test installs libsaxonhe-java and a Java runtime"
    );
    let out = Command::new("java")
        .arg("-cp")
        .arg(SAXON)
        .arg("net.sf.saxon.Transform")
        .args(args)
        .output()
        .expect("java runs (scripts/setup.sh --test installs default-jre-headless)");
    assert!(
        out.status.success(),
        "saxon {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn behoerde(kennung: &str, name: &str) -> Behoerde {
    Behoerde {
        verzeichnisdienst: "DVDV".into(),
        kennung: kennung.into(),
        name: name.into(),
    }
}

/// A header from `autor` to `leser`.
fn kopf(autor: &str, leser: &str) -> Kopf {
    Kopf {
        uuid: neue_uuid(),
        erstellt: Utc.with_ymd_and_hms(2026, 12, 4, 10, 0, 0).unwrap(),
        autor: behoerde(autor, "Bauaufsicht Kassel"),
        leser: behoerde(leser, "Bauportal Hessen"),
    }
}

fn anlage() -> AnlageMeta {
    AnlageMeta {
        bezeichnung: "Grundriss Erdgeschoss".into(),
        anlageart: Some("2001".into()),
        version: Some(1),
        mime_type: "application/pdf".into(),
        dokument_id: "urn:plankammer:version:7".into(),
        dateiname: "grundriss_eg.pdf".into(),
        groesse: 955,
        sha256: "a".repeat(64),
    }
}

/// Every message type Plankammer builds, from and to real-looking DVDV identifiers.
fn nachrichten(bau: &str, portal: &str) -> Vec<(&'static str, String)> {
    let bezug = Bezug {
        referenz: Some(neue_uuid()),
        vorgang: Some("BA-2026-00001".into()),
    };
    let tag = chrono::NaiveDate::from_ymd_opt(2027, 1, 15).unwrap();
    let dev = std::fs::read(krate().join("tests/nachrichten/entwicklung-0200.xml")).unwrap();
    let mut antrag_daten = antrag_lesen(&dev).expect("the fixture");
    antrag_daten.kopf = kopf(portal, bau);
    vec![
        (
            "1120",
            eingangsbestaetigung(&Eingangsbestaetigung {
                kopf: kopf(bau, portal),
                bezug: bezug.clone(),
                information: Some("Ihr Antrag ist eingegangen.".into()),
            }),
        ),
        (
            "1121",
            aktenzeichen(&Aktenzeichenmitteilung {
                kopf: kopf(bau, portal),
                bezug: bezug.clone(),
            }),
        ),
        (
            "1170",
            status_fuer_antragsportal(&StatusFuerAntragsportal {
                kopf: kopf(bau, portal),
                bezug: bezug.clone(),
                status: "17".into(),
                frist: Some(tag),
                begruendung: Some("Unterlagen nachgefordert".into()),
            }),
        ),
        (
            "0201",
            formelle_pruefung(&FormellePruefung {
                kopf: kopf(bau, portal),
                bezug: bezug.clone(),
                vollstaendig: false,
                befunde: vec![Befundzeile {
                    art: "01".into(),
                    anlageart: Some("2001".into()),
                    beschreibung: "Der Grundriss ist nicht bemaßt.".into(),
                }],
                frist: Some(tag),
                anschreiben: None,
            }),
        ),
        (
            "0205",
            bescheid(&BescheidNachricht {
                kopf: kopf(bau, portal),
                bezug: bezug.clone(),
                ist_genehmigung: true,
                nebenbestimmungen: vec![NebenbestimmungZeile {
                    art: "1".into(),
                    text: "Die Hecke ist zu schützen.".into(),
                }],
                begruendung: Some("Das Vorhaben ist zulässig.".into()),
                rechtsbehelfsbelehrung: Some("Widerspruch binnen eines Monats.".into()),
                anlagen: vec![anlage()],
            }),
        ),
        (
            "0300",
            aufforderung(&Aufforderung {
                kopf: kopf(bau, "unb:06633001"),
                bezug: bezug.clone(),
                referenz: neue_uuid(),
                stelle: "Untere Naturschutzbehörde".into(),
                rolle: "1".into(),
                grund: Some("Bitte prüfen Sie den Artenschutz.".into()),
                bauvorhaben: "Neubau Einfamilienhaus".into(),
                anlagen: vec![anlage()],
                frist: tag,
                rechtsfolge: Some("Schweigen gilt als Zustimmung.".into()),
            }),
        ),
        (
            "0304",
            ruecknahme_beteiligung(&RuecknahmeBeteiligung {
                kopf: kopf(bau, "unb:06633001"),
                bezug: bezug.clone(),
                referenz: neue_uuid(),
                information: Some("Das Vorhaben wurde geändert.".into()),
            }),
        ),
        (
            "1100",
            rueckweisung(&Rueckweisung {
                kopf: kopf(bau, portal),
                gruende: vec![("X001".into(), "Element 'x' is not expected.".into())],
                nachricht: Some(b"<kaputt/>".to_vec()),
            }),
        ),
        (
            "1180",
            quittierung(&Quittierung {
                kopf: kopf(bau, portal),
                bezug: bezug.clone(),
                nachrichtentyp: String::new(),
            }),
        ),
        ("0200", antrag(&antrag_daten)),
        ("0202", {
            let mut g = antrag_daten.clone();
            g.kopf = kopf(portal, bau);
            antrag_geaendert(&g, &bezug)
        }),
        (
            "1130",
            ruecknahme(&Ruecknahme {
                kopf: kopf(portal, bau),
                bezug: bezug.clone(),
                begruendung: Some("Das Grundstück wird nicht gekauft.".into()),
            }),
        ),
        (
            "0303",
            stellungnahme(&Stellungnahme {
                kopf: kopf("unb:06633001", bau),
                bezug: bezug.clone(),
                referenz: neue_uuid(),
                zustimmung: Some(true),
                text: "Keine Bedenken.".into(),
                nebenbestimmungen: vec![NebenbestimmungZeile {
                    art: "1".into(),
                    text: "Die Hecke ist zu schützen.".into(),
                }],
            }),
        ),
        (
            "0305",
            zwischennachricht(&Zwischennachricht {
                kopf: kopf("unb:06633001", bau),
                bezug,
                referenz: neue_uuid(),
                text: "Wir melden uns bis Monatsende.".into(),
            }),
        ),
    ]
}

/// Runs both rule files over every `*.xml` in `ordner`; the failed assertions per file.
fn pruefe_ordner(ordner: &Path) -> Vec<(String, String)> {
    let arbeit = ordner.join("_schematron");
    std::fs::create_dir_all(&arbeit).unwrap();
    let pipeline = krate().join("schematron/schxslt/pipeline-for-svrl.xsl");
    let mut fehler = Vec::new();
    for regeln in ["xbau-schematron.sch", "xbau-schematron-leere-elemente.sch"] {
        let xsl = arbeit.join(format!("{regeln}.xsl"));
        saxon(&[
            &format!("-s:{}", krate().join("schemas").join(regeln).display()),
            &format!("-xsl:{}", pipeline.display()),
            &format!("-o:{}", xsl.display()),
        ]);
        let aus = arbeit.join(format!("{regeln}.svrl"));
        std::fs::create_dir_all(&aus).unwrap();
        // One JVM for the whole folder.
        let eingang = arbeit.join("eingang");
        if !eingang.exists() {
            std::fs::create_dir_all(&eingang).unwrap();
            for e in std::fs::read_dir(ordner).unwrap() {
                let p = e.unwrap().path();
                if p.extension().is_some_and(|x| x == "xml") {
                    std::fs::copy(&p, eingang.join(p.file_name().unwrap())).unwrap();
                }
            }
        }
        saxon(&[
            &format!("-s:{}", eingang.display()),
            &format!("-xsl:{}", xsl.display()),
            &format!("-o:{}", aus.display()),
        ]);
        for e in std::fs::read_dir(&aus).unwrap() {
            let p = e.unwrap().path();
            let svrl = std::fs::read_to_string(&p).unwrap();
            for teil in svrl.split("<svrl:failed-assert").skip(1) {
                let ende = teil.find("</svrl:failed-assert>").unwrap_or(teil.len());
                fehler.push((
                    format!("{regeln}: {}", p.file_name().unwrap().to_string_lossy()),
                    teil[..ende].to_string(),
                ));
            }
        }
    }
    fehler
}

fn ordner(name: &str) -> PathBuf {
    let o = std::env::temp_dir().join(format!(
        "plankammer-schematron-{name}-{}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&o);
    std::fs::create_dir_all(&o).unwrap();
    o
}

#[test]
fn every_message_plankammer_builds_and_the_fixtures_meet_the_schematron_rules() {
    let o = ordner("gut");
    for (typ, xml) in nachrichten("bau:06611000", "psw:0600000001") {
        assert!(
            plankammer_xbau::pruefen(xml.as_bytes()).is_ok(),
            "{typ} is schema-valid"
        );
        std::fs::write(o.join(format!("{typ}.xml")), xml).unwrap();
    }
    for f in ["entwicklung-0200.xml", "evaluation-0200.xml"] {
        std::fs::copy(krate().join("tests/nachrichten").join(f), o.join(f)).unwrap();
    }
    let fehler = pruefe_ordner(&o);
    assert!(fehler.is_empty(), "{fehler:#?}");
    let _ = std::fs::remove_dir_all(&o);
}

#[test]
fn an_identifier_that_is_not_a_dvdv_one_breaks_the_rules() {
    let o = ordner("schlecht");
    // (The rules address XBau's own messages; the Kernmodul's have none.)
    let (_, xml) = nachrichten("bauaufsicht-kassel", "psw:0600000001")
        .into_iter()
        .find(|(t, _)| *t == "0201")
        .unwrap();
    std::fs::write(o.join("0201.xml"), xml).unwrap();
    let fehler = pruefe_ordner(&o);
    assert!(
        fehler.iter().any(|(_, f)| f.contains("sch-xbau-00")),
        "the DVDV rule fires: {fehler:#?}"
    );
    let _ = std::fs::remove_dir_all(&o);
}
