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
