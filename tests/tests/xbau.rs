//! XBau messages built from a real case (issue 14): a Nachforderung with Befunde and its
//! deadline becomes a `0201`, the later completeness another, each schema-valid.

use plankammer_domain::verfahren::Verfahrensart;
use plankammer_storage::heute_berlin;
use plankammer_tests::welt::{BAUAUFSICHT, Fallangaben, Welt};
use plankammer_verfahren::Betreiber;
use plankammer_verfahren::pruefung::{Befundangabe, vorschlag_nachforderung};

#[tokio::test]
async fn the_formelle_pruefung_of_a_case_travels_as_valid_0201_messages() {
    let w = Welt::neu().await;
    let v = &w.app.verfahren;
    let ba = w.akteur(BAUAUFSICHT).await;
    let fall = w.fall(Fallangaben::nummer(5)).eingereicht().await;
    let frist = vorschlag_nachforderung(Verfahrensart::VereinfachtesVerfahren, heute_berlin())
        .unwrap()
        .ende;
    v.nachfordern(
        &ba,
        fall.id,
        &[
            Befundangabe {
                code: "01".into(),
                text: "Der Lageplan fehlt.".into(),
                dokument_id: None,
            },
            Befundangabe {
                code: "02".into(),
                text: "Die Grundrisse sind nicht bemaßt & unvollständig.".into(),
                dokument_id: Some(fall.dokument_id),
            },
        ],
        &frist.format("%Y-%m-%d").to_string(),
    )
    .await
    .unwrap();
    let n = v
        .xbau_nachrichten(&Betreiber::an_der_konsole(), fall.id)
        .await
        .unwrap();
    let namen: Vec<&str> = n.iter().map(|x| x.name.as_str()).collect();
    assert_eq!(
        &namen[..3],
        [
            "prozessnachrichten.eingangsbestaetigung.1120",
            "prozessnachrichten.aktenzeichen.1121",
            "baugenehmigung.formellePruefung.0201",
        ],
        "{namen:?}"
    );
    let pruefung = &n[2].xml;
    assert!(pruefung.contains("<xbau:antragVollstaendig>false</xbau:antragVollstaendig>"));
    assert!(pruefung.contains(&format!(
        "<xbau:frist>{}</xbau:frist>",
        frist.format("%Y-%m-%d")
    )));
    assert_eq!(pruefung.matches("<xbau:befund>").count(), 2, "{pruefung}");
    // The Befund on the Grundriss names its Anlageart (2001).
    assert!(pruefung.contains("<code>2001</code>"), "{pruefung}");
    assert!(pruefung.contains("bemaßt &amp; unvollständig"));
    // Every message is valid (the step validated; checked again here), and the status
    // messages follow the changes of state (14 eingegangen, 17 Nachforderung).
    for m in &n {
        plankammer_xbau::pruefen(m.xml.as_bytes()).unwrap_or_else(|b| panic!("{}: {b:?}", m.name));
    }
    // The status message of the Nachforderung names its deadline.
    let frist_text = format!("<frist>{}</frist>", frist.format("%Y-%m-%d"));
    assert!(
        n.iter()
            .any(|m| m.name.ends_with("1170") && m.xml.contains(&frist_text)),
        "{n:#?}"
    );
    // Exported again: the same messages with the same UUIDs.
    let wieder = v
        .xbau_nachrichten(&Betreiber::an_der_konsole(), fall.id)
        .await
        .unwrap();
    assert_eq!(wieder, n);
}

#[tokio::test]
async fn a_request_to_a_stelle_and_its_withdrawal_travel_as_0300_and_0304() {
    use plankammer_verfahren::beteiligung::{Anfrage, Beteiligen};
    let w = Welt::neu().await;
    let v = &w.app.verfahren;
    let ba = w.akteur(BAUAUFSICHT).await;
    let stelle = w
        .stelle("Untere Naturschutzbehörde", "unb@example.org", None)
        .await;
    let fall = w.fall(Fallangaben::nummer(6)).eingereicht().await;
    v.vollstaendig_erklaeren(&ba, fall.id).await.unwrap();
    let bids = v
        .stellen_anfragen(
            &ba,
            fall.id,
            &Beteiligen {
                anfragen: vec![Anfrage {
                    stelle_id: stelle.id,
                    ..Anfrage::default()
                }],
                ..Beteiligen::default()
            },
        )
        .await
        .unwrap();
    v.beteiligung_zurueckziehen(&ba, bids[0], "Das Vorhaben wurde geändert.")
        .await
        .unwrap();
    let n = v
        .xbau_nachrichten(&Betreiber::an_der_konsole(), fall.id)
        .await
        .unwrap();
    let auf = n
        .iter()
        .find(|m| m.name == "beteiligung.aufforderung.0300")
        .expect("the request");
    let rueck = n
        .iter()
        .find(|m| m.name == "beteiligung.ruecknahme.0304")
        .expect("its withdrawal");
    assert!(auf.xml.contains("Untere Naturschutzbeh"), "{}", auf.xml);
    assert!(
        auf.xml.contains("<anlage>"),
        "the plan is in scope: {}",
        auf.xml
    );
    // The withdrawal names the request it withdraws, and why.
    let referenz = |x: &str| {
        x.split("<xbau:referenzAuftrag>")
            .nth(1)
            .and_then(|r| r.split('<').next())
            .unwrap()
            .to_string()
    };
    assert_eq!(referenz(&auf.xml), referenz(&rueck.xml));
    assert!(rueck.xml.contains("Das Vorhaben wurde geändert."));
    // The completeness went out as 0201 too.
    assert!(n.iter().any(|m| {
        m.name == "baugenehmigung.formellePruefung.0201"
            && m.xml
                .contains("<xbau:antragVollstaendig>true</xbau:antragVollstaendig>")
    }));
}

/// Replaces what differs from run to run and day to day — creation times, dates computed
/// from today (ISO and German), the year in the Aktenzeichen — and numbers each UUID by its
/// first appearance across all messages, so that the snapshot shows which message answers
/// which. The HTML reasons of status messages (base64 in XBau) are shown decoded.
fn gleichbleibend(xml: &str, uuids: &mut std::collections::HashMap<String, usize>) -> String {
    use base64::Engine;
    use regex::Regex;
    let b64 = Regex::new(r"<begruendung><text>([A-Za-z0-9+/=]+)</text>").unwrap();
    let s = b64.replace_all(xml, |c: &regex::Captures| {
        let html = base64::engine::general_purpose::STANDARD
            .decode(&c[1])
            .expect("base64");
        format!(
            "<begruendung><text>[base64 of: {}]</text>",
            String::from_utf8(html).expect("UTF-8")
        )
    });
    let uuid = Regex::new(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}").unwrap();
    let s = uuid.replace_all(&s, |c: &regex::Captures| {
        let n = uuids.len() + 1;
        format!("UUID-{}", uuids.entry(c[0].to_string()).or_insert(n))
    });
    let zeit =
        Regex::new(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})?").unwrap();
    let s = zeit.replace_all(&s, "ZEIT");
    let datum = Regex::new(r"\d{4}-\d{2}-\d{2}|\d{2}\.\d{2}\.\d{4}").unwrap();
    let s = datum.replace_all(&s, "DATUM");
    let jahr = Regex::new(r"BA-\d{4}-").unwrap();
    jahr.replace_all(&s, "BA-JAHR-").into_owned()
}

/// Every message type Plankammer sends about a case, built from one real case that runs
/// from submission through a Nachforderung, completeness, a Beteiligung and its withdrawal
/// to the Bescheid — each schema-valid, and its XML as recorded (the same on SQLite and
/// PostgreSQL: the snapshot is shared).
#[tokio::test]
async fn every_outgoing_message_of_a_real_case_is_valid_and_as_recorded() {
    use plankammer_storage::now_millis;
    use plankammer_verfahren::beteiligung::{Anfrage, Beteiligen};
    use plankammer_xbau::nachrichten::Behoerde;
    let w = Welt::neu().await;
    let v = &w.app.verfahren;
    let ba = w.akteur(BAUAUFSICHT).await;
    let konsole = Betreiber::an_der_konsole();
    v.xbau_kennung_setzen(&konsole, "kreis-a", "bau:06412000")
        .await
        .unwrap();
    let stelle = w
        .stelle("Untere Naturschutzbehörde", "unb@example.org", None)
        .await;
    let fall = w.fall(Fallangaben::nummer(7)).eingereicht().await;
    let frist = vorschlag_nachforderung(Verfahrensart::VereinfachtesVerfahren, heute_berlin())
        .unwrap()
        .ende;
    v.nachfordern(
        &ba,
        fall.id,
        &[Befundangabe {
            code: "01".into(),
            text: "Der Lageplan fehlt.".into(),
            dokument_id: None,
        }],
        &frist.format("%Y-%m-%d").to_string(),
    )
    .await
    .unwrap();
    // The architect answers (a Nachreichung), the documents are declared complete.
    let architektin = w.akteur(plankammer_tests::welt::ARCHITEKTIN).await;
    plankammer_tests::welt::pipeline_fertig(&w.app, fall.id).await;
    v.nachreichen(&architektin, fall.id).await.unwrap();
    v.vollstaendig_erklaeren(&ba, fall.id).await.unwrap();
    let bids = v
        .stellen_anfragen(
            &ba,
            fall.id,
            &Beteiligen {
                anfragen: vec![Anfrage {
                    stelle_id: stelle.id,
                    ..Anfrage::default()
                }],
                ..Beteiligen::default()
            },
        )
        .await
        .unwrap();
    v.beteiligung_zurueckziehen(&ba, bids[0], "Das Vorhaben wurde geändert.")
        .await
        .unwrap();
    // The Bescheid: drafted, issued; the issuing job's work (stamp, PDF) done by hand.
    let antrag = w.app.db.antrag(fall.id).await.unwrap();
    let formular = v.standard_formular(&antrag).await.unwrap();
    let bescheid = v.entwurf_speichern(&ba, fall.id, &formular).await.unwrap();
    v.erlassen(&ba, fall.id).await.unwrap();
    let erlass = v.erlass(bescheid).await.unwrap().expect("to issue");
    let stempel = w
        .app
        .blobs
        .put_bytes(bytes::Bytes::from(plankammer_tests::pdf::a4_salted(
            2,
            "gestempelt",
        )))
        .await
        .unwrap();
    for p in w.app.db.bescheid_plaene(bescheid).await.unwrap() {
        v.gestempelten_plan_vermerken(
            &erlass,
            &p,
            &stempel.sha256,
            stempel.size as i64,
            now_millis(),
        )
        .await
        .unwrap();
    }
    let pdf = w
        .app
        .blobs
        .put_bytes(bytes::Bytes::from(plankammer_tests::pdf::a4_salted(
            1, "bescheid",
        )))
        .await
        .unwrap();
    assert!(
        v.bescheid_abschliessen(&erlass, &pdf.sha256, pdf.size as i64, now_millis())
            .await
            .unwrap()
    );

    let mut alle = v.xbau_nachrichten(&konsole, fall.id).await.unwrap();
    alle.push(
        v.xbau_antrag(
            &konsole,
            fall.id,
            &Behoerde {
                verzeichnisdienst: "DVDV".into(),
                kennung: "bau:06611000".into(),
                name: "Bauaufsicht Kassel".into(),
            },
        )
        .await
        .unwrap(),
    );
    let mut typen: Vec<&str> = alle
        .iter()
        .map(|m| m.name.rsplit('.').next().unwrap())
        .collect();
    typen.sort();
    typen.dedup();
    assert_eq!(
        typen,
        [
            "0200", "0201", "0205", "0300", "0304", "1120", "1121", "1170"
        ],
        "every type a case sends"
    );
    // The request names the plan as the Stelle was sent it, not the stamped version issued
    // later with the Bescheid.
    let auf = alle.iter().find(|m| m.name.ends_with("0300")).unwrap();
    assert!(
        auf.xml.contains("<versionsnummer>1</versionsnummer>")
            && !auf.xml.contains("genehmigt.pdf"),
        "{}",
        auf.xml
    );
    let mut aufnahme = String::new();
    let mut uuids = std::collections::HashMap::new();
    for m in &alle {
        let g = plankammer_xbau::pruefen(m.xml.as_bytes())
            .unwrap_or_else(|b| panic!("{}: {b:#?}\n{}", m.name, m.xml));
        assert_eq!(g.nachricht, m.name);
        aufnahme.push_str(&format!(
            "===== {} ({} Beilagen)\n{}\n",
            m.name,
            m.beilagen.len(),
            gleichbleibend(&m.xml, &mut uuids)
        ));
    }
    insta::assert_snapshot!("nachrichten_eines_falls", aufnahme);
}
