//! The XBau exchange (issue 14): a case travels from one authority to another as a `0200`
//! with its documents beside it and becomes a submitted case there; the answers (the
//! Eingangsbestätigung 1120, 1121, 1170) wait in the portal's outbox, each schema-valid; the same message twice
//! is taken once; hostile or incomplete messages are refused with a `1100` naming the XBau
//! error code, over the HTTP exchange too, and nothing of them is stored.

use plankammer_domain::Role;
use plankammer_domain::vorgang::Zustand;
use plankammer_storage::xbau::{PartnerArt, XbauPartner};
use plankammer_tests::welt::{Fallangaben, Welt, gespeicherte_angaben};
use plankammer_verfahren::Betreiber;
use plankammer_verfahren::dokumente::Hochladegrenzen;
use plankammer_verfahren::xbau_austausch::{
    Beilagedatei, EingehendeNachricht, Empfang, Zwischenablage,
};
use plankammer_xbau::nachrichten::Behoerde;

/// Tenant B (`kreis-b`) with a portal partner that is tenant A's Plankammer (`kreis-a`).
async fn portal_bei_b(w: &Welt) -> XbauPartner {
    w.app
        .verfahren
        .xbau_partner_anlegen_betreiber(
            &Betreiber::an_der_konsole(),
            "kreis-b",
            PartnerArt::Portal,
            "Plankammer Kreis A",
            "kreis-a",
            None,
        )
        .await
        .unwrap()
        .0
}

fn an_b() -> Behoerde {
    Behoerde {
        verzeichnisdienst: "DVDV".into(),
        kennung: "kreis-b".into(),
        name: "Kreis B".into(),
    }
}

/// The 0200 of case `fall` to B, with its files written to disk as a transport would.
async fn antrag_an_b(w: &Welt, fall: i64, ablage: &Zwischenablage) -> (Vec<u8>, Vec<Beilagedatei>) {
    let n = w
        .app
        .verfahren
        .xbau_antrag(&Betreiber::an_der_konsole(), fall, &an_b())
        .await
        .unwrap();
    let mut dateien = Vec::new();
    for b in &n.beilagen {
        let bytes = w.app.blobs.get_bytes(&b.sha256).await.unwrap();
        let strom = futures::stream::iter([Ok::<_, std::io::Error>(bytes)]);
        dateien.push(
            ablage
                .aufnehmen(&b.dateiname, strom, u64::MAX)
                .await
                .unwrap(),
        );
    }
    (n.xml.into_bytes(), dateien)
}

async fn empfangen(
    w: &Welt,
    p: &XbauPartner,
    xml: Vec<u8>,
    beilagen: Vec<Beilagedatei>,
) -> Empfang {
    w.app
        .verfahren
        .xbau_empfangen(
            p,
            EingehendeNachricht { xml, beilagen },
            Hochladegrenzen::default(),
        )
        .await
        .unwrap()
}

fn codes(e: &Empfang) -> Vec<String> {
    match e {
        Empfang::Zurueckgewiesen { gruende, .. } => gruende.iter().map(|g| g.0.clone()).collect(),
        Empfang::Angenommen { .. } => panic!("expected a refusal, got {e:?}"),
    }
}

/// The partner's outbox: every message fetched, each schema-valid; their types.
async fn postausgang(w: &Welt, p: &XbauPartner) -> Vec<(String, String)> {
    let v = &w.app.verfahren;
    let mut aus = Vec::new();
    for e in v.xbau_postausgang(p).await.unwrap() {
        let voll = v.xbau_ausgehend(p, &e.uuid).await.unwrap();
        let g = plankammer_xbau::pruefen(voll.xml.as_bytes())
            .unwrap_or_else(|b| panic!("{}: {b:?}", voll.nachricht));
        assert_eq!(g.nachricht, voll.nachricht);
        aus.push((voll.nachricht, voll.xml));
    }
    aus
}

#[tokio::test]
async fn a_case_travels_as_0200_to_another_authority_and_comes_in_submitted() {
    let w = Welt::neu().await;
    let v = &w.app.verfahren;
    let fall = w.fall(Fallangaben::nummer(7)).eingereicht().await;
    let p = portal_bei_b(&w).await;
    let ablage = Zwischenablage::neu().await.unwrap();
    let (xml, beilagen) = antrag_an_b(&w, fall.id, &ablage).await;
    let e = empfangen(&w, &p, xml.clone(), beilagen.clone()).await;
    let Empfang::Angenommen {
        vorgang_id: Some(neu),
        aktenzeichen: Some(az),
        ..
    } = &e
    else {
        panic!("not taken: {e:?}");
    };
    let neu = *neu;
    // The same Angaben, Beteiligte and Flurstücke; the same documents, byte for byte.
    assert_eq!(
        gespeicherte_angaben(&w.app, neu).await,
        gespeicherte_angaben(&w.app, fall.id).await
    );
    let b = w.app.db.antrag(neu).await.unwrap();
    assert_eq!(b.tenant_id, w.fremder_tenant);
    assert_eq!(b.zustand, Zustand::Eingegangen);
    assert_eq!(b.aktenzeichen.as_ref().unwrap().to_string(), *az);
    let db = &w.app.db;
    let docs = |id| async move {
        let mut d: Vec<(String, Option<String>, String)> = db
            .dokumente(id)
            .await
            .unwrap()
            .into_iter()
            .map(|d| {
                (
                    d.bezeichnung.clone(),
                    d.anlageart.map(|a| a.code().to_string()),
                    d.versionen.last().unwrap().sha256.clone(),
                )
            })
            .collect();
        d.sort();
        d
    };
    assert_eq!(docs(neu).await, docs(fall.id).await);
    // Its documents run through the pipeline like every upload.
    let jobs: i64 = sqlx::query_scalar::<_, i64>(
        "SELECT COUNT(*) FROM dokument_stufen s JOIN dokument_versionen v ON v.id = s.version_id JOIN dokumente d ON d.id = v.dokument_id WHERE d.vorgang_id = $1",
    )
    .bind(neu)
    .fetch_one(w.app.db.pool())
    .await
    .unwrap();
    assert!(jobs >= 1, "no pipeline job for the imported documents");
    // The case worker of B sees it; the timeline says where it came from.
    let zeitleiste = w.app.db.ereignisse(neu).await.unwrap();
    assert!(
        zeitleiste.iter().any(|z| z
            .text
            .starts_with("Antrag über XBau eingegangen (von „Plankammer Kreis A“)")),
        "{zeitleiste:?}"
    );
    // The portal's outbox: the acknowledgement and the case's messages, all valid, all
    // naming the 0200 they answer.
    let uuid = plankammer_xbau::eingang::kopf_lesen(&xml).unwrap().uuid;
    let aus = postausgang(&w, &p).await;
    let typen: Vec<&str> = aus
        .iter()
        .map(|(n, _)| n.rsplit('.').next().unwrap())
        .collect();
    for t in ["1120", "1121", "1170"] {
        assert!(typen.contains(&t), "{t} missing in {typen:?}");
    }
    for (n, x) in &aus {
        assert!(x.contains(&uuid), "{n} does not name the 0200 {uuid}");
        assert!(
            x.contains("<kennung>kreis-a</kennung>"),
            "{n} not to the portal"
        );
    }
    // The same message again creates nothing twice.
    let nochmal = empfangen(&w, &p, xml, beilagen).await;
    assert_eq!(codes(&nochmal), ["S050"]);
    assert_eq!(
        w.app.db.vorgaenge_des_partners(p.id).await.unwrap(),
        vec![neu]
    );
    // Fetched and acknowledged, a message leaves the outbox; the admin can resend it.
    let erste = v.xbau_postausgang(&p).await.unwrap()[0].clone();
    v.xbau_abgeholt(&p, &erste.uuid).await.unwrap();
    assert!(
        v.xbau_postausgang(&p)
            .await
            .unwrap()
            .iter()
            .all(|e| e.uuid != erste.uuid)
    );
    assert!(v.xbau_abgeholt(&p, &erste.uuid).await.is_err());
    let admin_b = w
        .konto(
            w.fremder_tenant,
            "admin-b@example.org",
            "Admin B",
            Role::Admin,
        )
        .await;
    v.xbau_erneut_senden(&admin_b, erste.id).await.unwrap();
    assert!(
        v.xbau_postausgang(&p)
            .await
            .unwrap()
            .iter()
            .any(|e| e.uuid == erste.uuid)
    );
    // The journal shows both directions to B's admin, and to nobody else.
    let journal = v.xbau_journal(&admin_b, None).await.unwrap();
    assert!(
        journal
            .iter()
            .any(|e| e.nachricht == "baugenehmigung.antrag.0200" && e.ergebnis == "angenommen")
    );
    let sb = w.akteur(plankammer_tests::welt::BAUAUFSICHT).await;
    assert!(v.xbau_journal(&sb, None).await.is_err());
}

#[tokio::test]
async fn hostile_and_incomplete_messages_are_refused_with_their_code_and_store_nothing() {
    let w = Welt::neu().await;
    let fall = w.fall(Fallangaben::nummer(8)).eingereicht().await;
    let p = portal_bei_b(&w).await;
    let ablage = Zwischenablage::neu().await.unwrap();
    let (xml, beilagen) = antrag_an_b(&w, fall.id, &ablage).await;
    let text = String::from_utf8(xml.clone()).unwrap();
    let mut faelle: Vec<(&str, Vec<u8>, Vec<Beilagedatei>, &str)> = vec![
        ("not XML", b"this is no message".to_vec(), vec![], "X000"),
        (
            "entity expansion",
            format!(
                "<?xml version=\"1.0\"?><!DOCTYPE a [<!ENTITY b \"bbbbbbbbbb\"><!ENTITY c \"&b;&b;&b;&b;&b;&b;&b;&b;\">]>{}",
                text.split_once("?>").unwrap().1
            )
            .into_bytes(),
            beilagen.clone(),
            "X000",
        ),
        (
            "external entity",
            format!(
                "<?xml version=\"1.0\"?><!DOCTYPE a [<!ENTITY x SYSTEM \"file:///etc/passwd\">]>{}",
                text.split_once("?>").unwrap().1
            )
            .into_bytes(),
            beilagen.clone(),
            "X000",
        ),
        (
            "wrong namespace",
            text.replace("http://www.xleitstelle.de/xbau/2/6", "http://example.org/xbau/9")
                .into_bytes(),
            beilagen.clone(),
            "V001",
        ),
        (
            "another XBau version",
            text.replace(
                "http://www.xleitstelle.de/xbau/2/6",
                "http://www.xleitstelle.de/xbau/2/5",
            )
            .into_bytes(),
            beilagen.clone(),
            "V000",
        ),
        ("missing file", xml.clone(), beilagen[1..].to_vec(), "A001"),
        (
            "unknown addressee",
            text.replace("<kennung>kreis-b</kennung>", "<kennung>kreis-x</kennung>")
                .into_bytes(),
            beilagen.clone(),
            "T080",
        ),
        (
            "author is not the partner",
            text.replace("<kennung>kreis-a</kennung>", "<kennung>jemand-anders</kennung>")
                .into_bytes(),
            beilagen.clone(),
            "T070",
        ),
    ];
    // A file whose bytes do not match its anlage entry.
    let falsch = ablage
        .aufnehmen(
            &beilagen[0].name,
            futures::stream::iter([Ok::<_, std::io::Error>(bytes::Bytes::from_static(
                b"%PDF-1.4 not the plan",
            ))]),
            u64::MAX,
        )
        .await
        .unwrap();
    let mut vertauscht = beilagen.clone();
    vertauscht[0] = falsch;
    faelle.push(("hash mismatch", xml.clone(), vertauscht, "A006"));
    for (was, xml, beilagen, code) in faelle {
        let e = empfangen(&w, &p, xml, beilagen).await;
        let c = codes(&e);
        assert!(
            c.iter().any(|x| x == code),
            "{was}: {c:?} (expected {code})"
        );
        assert!(
            w.app
                .db
                .vorgaenge_des_partners(p.id)
                .await
                .unwrap()
                .is_empty(),
            "{was}: a case was stored"
        );
    }
    // Each refusal is a valid 1100 in the outbox, with its reason.
    let aus = postausgang(&w, &p).await;
    assert_eq!(aus.len(), 9);
    assert!(
        aus.iter()
            .all(|(n, _)| n == "prozessnachrichten.rueckweisung.G2G.1100")
    );
    assert!(aus.iter().any(|(_, x)| x.contains("<code>A006</code>")));
    // The refused message was not taken: corrected, it comes in (its UUID is free).
    let e = empfangen(&w, &p, xml, beilagen).await;
    assert!(matches!(e, Empfang::Angenommen { .. }), "{e:?}");
}

#[tokio::test]
async fn a_schema_valid_0200_without_bauherr_or_grundstueck_is_refused_naming_what_is_missing() {
    let w = Welt::neu().await;
    let fall = w.fall(Fallangaben::nummer(9)).eingereicht().await;
    let p = portal_bei_b(&w).await;
    let ablage = Zwischenablage::neu().await.unwrap();
    let (xml, beilagen) = antrag_an_b(&w, fall.id, &ablage).await;
    let text = String::from_utf8(xml).unwrap();
    // Cut the applicant (and with it the Bauherr) and the plot out: still schema-valid.
    let ohne = |s: &str, tag: &str| -> String {
        let mut s = s.to_string();
        while let Some(a) = s.find(&format!("<xbau:{tag}>")) {
            let ende = format!("</xbau:{tag}>");
            let b = s[a..].find(&ende).unwrap() + a + ende.len();
            s.replace_range(a..b, "");
        }
        s
    };
    let ohne_alles = ohne(&ohne(&text, "antragsteller"), "bauvorhaben");
    assert!(
        plankammer_xbau::pruefen(ohne_alles.as_bytes()).is_ok(),
        "the cut message must stay schema-valid"
    );
    let e = empfangen(&w, &p, ohne_alles.into_bytes(), beilagen).await;
    let Empfang::Zurueckgewiesen { gruende, .. } = &e else {
        panic!("taken: {e:?}");
    };
    let alles = gruende
        .iter()
        .map(|g| g.1.as_str())
        .collect::<Vec<_>>()
        .join(" ");
    assert!(alles.contains("Bauherr"), "{alles}");
    assert!(alles.contains("Baugrundstück"), "{alles}");
    assert!(
        w.app
            .db
            .vorgaenge_des_partners(p.id)
            .await
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn the_http_exchange_takes_a_0200_with_its_files_and_hands_out_the_answers() {
    let w = Welt::neu().await;
    let fall = w.fall(Fallangaben::nummer(10)).eingereicht().await;
    let (p, secret) = w
        .app
        .verfahren
        .xbau_partner_anlegen_betreiber(
            &Betreiber::an_der_konsole(),
            "kreis-b",
            PartnerArt::Portal,
            "Plankammer Kreis A",
            "kreis-a",
            None,
        )
        .await
        .unwrap();
    let n = w
        .app
        .verfahren
        .xbau_antrag(&Betreiber::an_der_konsole(), fall.id, &an_b())
        .await
        .unwrap();
    let c = reqwest::Client::new();
    let url = format!("{}/api/v1/xbau/nachrichten", w.app.url);
    let formular = |mit_dateien: bool, xml: &str| {
        let mut f = reqwest::multipart::Form::new().part(
            "nachricht",
            reqwest::multipart::Part::text(xml.to_string()).file_name("antrag.xml"),
        );
        if mit_dateien {
            for b in &n.beilagen {
                let bytes = futures::executor::block_on(w.app.blobs.get_bytes(&b.sha256)).unwrap();
                f = f.part(
                    "datei",
                    reqwest::multipart::Part::bytes(bytes.to_vec()).file_name(b.dateiname.clone()),
                );
            }
        }
        f
    };
    // Without a valid secret: 401, nothing read.
    let r = c
        .post(&url)
        .bearer_auth("pkx_falsch")
        .multipart(formular(true, &n.xml))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    // Not XML: 422 with the code and a German reason.
    let r = c
        .post(&url)
        .bearer_auth(&secret)
        .multipart(formular(false, "kein XML"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    let j: serde_json::Value = r.json().await.unwrap();
    assert_eq!(j["ergebnis"], "zurueckgewiesen");
    assert_eq!(j["gruende"][0]["code"], "X000");
    // The message and its files: taken, with the Aktenzeichen.
    let r = c
        .post(&url)
        .bearer_auth(&secret)
        .multipart(formular(true, &n.xml))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let j: serde_json::Value = r.json().await.unwrap();
    assert_eq!(j["ergebnis"], "angenommen", "{j}");
    assert!(j["aktenzeichen"].as_str().is_some());
    // A message larger than a message may be: 413, the server stays up.
    let gross = format!(
        "{}{}",
        n.xml,
        " ".repeat(plankammer_xbau::pruefung::MAX_NACHRICHT)
    );
    let r = c
        .post(&url)
        .bearer_auth(&secret)
        .multipart(formular(false, &gross))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 413);
    // The outbox: list, fetch each message (valid XML), acknowledge it.
    let liste: serde_json::Value = c
        .get(format!("{}/api/v1/xbau/postausgang", w.app.url))
        .bearer_auth(&secret)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let liste = liste.as_array().unwrap().clone();
    // The refusal of the non-XML post, the Eingangsbestätigung, the Aktenzeichen, a status.
    assert!(liste.len() >= 4, "{liste:?}");
    for e in &liste {
        let href = e["href"].as_str().unwrap();
        let xml = c
            .get(format!("{}{href}", w.app.url))
            .bearer_auth(&secret)
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(plankammer_xbau::pruefen(xml.as_bytes()).is_ok(), "{xml}");
        let r = c
            .post(format!("{}{href}/abgeholt", w.app.url))
            .bearer_auth(&secret)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 204);
    }
    let leer: serde_json::Value = c
        .get(format!("{}/api/v1/xbau/postausgang", w.app.url))
        .bearer_auth(&secret)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(leer.as_array().unwrap().len(), 0);
    // Another partner cannot read this one's messages.
    let r = c
        .get(format!(
            "{}{}",
            w.app.url,
            liste[0]["href"].as_str().unwrap()
        ))
        .bearer_auth("pkx_nicht-der-richtige")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    assert_eq!(
        w.app.db.vorgaenge_des_partners(p.id).await.unwrap().len(),
        1
    );
}

#[tokio::test]
async fn a_stelle_reached_through_xbau_gets_0300_and_its_0303_is_recorded_as_in_the_browser() {
    use plankammer_verfahren::beteiligung::{Anfrage, Beteiligen};
    use plankammer_xbau::eingang::{
        Stellungnahme, Zwischennachricht, stellungnahme, zwischennachricht,
    };
    use plankammer_xbau::nachrichten::{Bezug, Kopf, NebenbestimmungZeile, neue_uuid};
    let w = Welt::neu().await;
    let v = &w.app.verfahren;
    let ba = w.akteur(plankammer_tests::welt::BAUAUFSICHT).await;
    let admin = w.akteur(plankammer_tests::welt::ADMIN).await;
    let stelle_id = w
        .stelle_von(Some(w.tenant), "Untere Wasserbehörde", "Wasserrecht", None)
        .await;
    // The Stelle works in its own system: it is registered with its DVDV identifier.
    let (p, _) = v
        .xbau_partner_anlegen(
            &admin,
            PartnerArt::Stelle,
            "Fachverfahren Wasser",
            "uwb:06611001",
            Some(stelle_id),
        )
        .await
        .unwrap();
    // Only a Stelle of the authority, and one system per Stelle.
    assert!(
        v.xbau_partner_anlegen(
            &admin,
            PartnerArt::Stelle,
            "Zweites",
            "uwb:2",
            Some(stelle_id)
        )
        .await
        .is_err()
    );
    let fall = w.fall(Fallangaben::nummer(11)).eingereicht().await;
    v.vollstaendig_erklaeren(&ba, fall.id).await.unwrap();
    let bids = v
        .stellen_anfragen(
            &ba,
            fall.id,
            &Beteiligen {
                anfragen: vec![Anfrage {
                    stelle_id,
                    ..Anfrage::default()
                }],
                ..Beteiligen::default()
            },
        )
        .await
        .unwrap();
    // Asking it put a 0300 with the plan beside it into its outbox.
    let aus = v.xbau_postausgang(&p).await.unwrap();
    assert_eq!(aus.len(), 1, "{aus:?}");
    assert_eq!(aus[0].nachricht, "beteiligung.aufforderung.0300");
    assert_eq!(aus[0].beilagen.len(), 1);
    let auf = v.xbau_ausgehend(&p, &aus[0].uuid).await.unwrap();
    assert!(plankammer_xbau::pruefen(auf.xml.as_bytes()).is_ok());
    assert!(auf.xml.contains("<kennung>uwb:06611001</kennung>"));
    let (b, inhalt) = v.xbau_beilage(&p, &aus[0].uuid, 0).await.unwrap();
    assert_eq!(inhalt.groesse as i64, b.groesse);
    let referenz = plankammer_xbau::eingang::aufforderung_referenz_lesen(auf.xml.as_bytes())
        .expect("the request's reference");
    let kopf = || Kopf {
        uuid: neue_uuid(),
        erstellt: chrono::Utc::now(),
        autor: Behoerde {
            verzeichnisdienst: "DVDV".into(),
            kennung: "uwb:06611001".into(),
            name: "Untere Wasserbehörde".into(),
        },
        leser: Behoerde {
            verzeichnisdienst: "DVDV".into(),
            kennung: "kreis-a".into(),
            name: "Kreis A".into(),
        },
    };
    let bezug = Bezug {
        referenz: Some(aus[0].uuid.clone()),
        vorgang: None,
    };
    // An interim message becomes the Stelle's question to the Bauaufsicht.
    let z = zwischennachricht(&Zwischennachricht {
        kopf: kopf(),
        bezug: bezug.clone(),
        referenz: referenz.clone(),
        text: "Wir prüfen die Versickerung und melden uns bis Monatsende.".into(),
    });
    let e = empfangen(&w, &p, z.into_bytes(), vec![]).await;
    assert!(matches!(e, Empfang::Angenommen { .. }), "{e:?}");
    assert_eq!(w.app.db.rueckfragen(bids[0]).await.unwrap().len(), 1);
    // The Stellungnahme with a Nebenbestimmung: recorded by the browser's step, the
    // Beteiligung closes (its one request answered).
    let s = stellungnahme(&Stellungnahme {
        kopf: kopf(),
        bezug: bezug.clone(),
        referenz: referenz.clone(),
        zustimmung: Some(true),
        text: "Keine Bedenken bei Einhaltung der Auflage.".into(),
        nebenbestimmungen: vec![NebenbestimmungZeile {
            art: "1".into(),
            text: "Das Niederschlagswasser ist auf dem Grundstück zu versickern.".into(),
        }],
    });
    let e = empfangen(&w, &p, s.into_bytes(), vec![]).await;
    assert!(matches!(e, Empfang::Angenommen { .. }), "{e:?}");
    let liste = w.app.db.stellungnahmen(bids[0]).await.unwrap();
    assert_eq!(liste.len(), 1);
    // Its one request answered, the Beteiligung closed as after a browser's Stellungnahme.
    assert_eq!(
        w.app.db.antrag(fall.id).await.unwrap().zustand,
        Zustand::BeteiligungAbgeschlossen
    );
    assert_eq!(
        liste[0].zustimmung,
        plankammer_domain::beteiligung::Zustimmung::MitNebenbestimmungen
    );
    assert!(
        liste[0].nebenbestimmungen[0].text.contains("versickern"),
        "{:?}",
        liste[0].nebenbestimmungen
    );
    // The acknowledgement waits in the Stelle's outbox, valid.
    let typen: Vec<String> = postausgang(&w, &p)
        .await
        .into_iter()
        .map(|(n, _)| n)
        .collect();
    assert!(
        typen.contains(&"prozessnachrichten.generischeQuittierungEingang.1180".to_string()),
        "{typen:?}"
    );
    // A reference nobody knows is refused (S090), nothing recorded.
    let fremd = stellungnahme(&Stellungnahme {
        kopf: kopf(),
        bezug,
        referenz: neue_uuid(),
        zustimmung: Some(false),
        text: "Abgelehnt.".into(),
        nebenbestimmungen: vec![],
    });
    let e = empfangen(&w, &p, fremd.into_bytes(), vec![]).await;
    assert_eq!(codes(&e), ["S090"]);
    assert_eq!(w.app.db.stellungnahmen(bids[0]).await.unwrap().len(), 1);
}

#[tokio::test]
async fn the_admin_registers_a_portal_in_the_browser_and_reads_the_journal() {
    let w = Welt::neu().await;
    let (c, csrf) = w.app.login(plankammer_tests::welt::ADMIN).await;
    let r = c
        .post(format!("{}/verwaltung/xbau/partner", w.app.url))
        .form(&[
            ("_csrf", csrf.as_str()),
            ("art", "portal"),
            ("name", "Bauportal Hessen"),
            ("kennung", "psw:0600000001"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let html = r.text().await.unwrap();
    let secret = html
        .split("data-testid=\"zugangsschluessel\">")
        .nth(1)
        .and_then(|r| r.split('<').next())
        .expect("the secret is shown once")
        .to_string();
    assert!(secret.starts_with("pkx_"));
    // The secret works on the exchange; a message that is not XML lands in the journal.
    let r = reqwest::Client::new()
        .post(format!("{}/api/v1/xbau/nachrichten", w.app.url))
        .bearer_auth(&secret)
        .multipart(reqwest::multipart::Form::new().text("nachricht", "<kaputt"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    let seite = c
        .get(format!("{}/verwaltung/xbau", w.app.url))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(seite.contains("Bauportal Hessen"));
    assert!(!seite.contains(&secret), "the secret is shown only once");
    assert!(seite.contains("prozessnachrichten.rueckweisung.G2G.1100"));
    assert!(seite.contains("zurückgewiesen"));
    // The refusal's page shows its XML (escaped) and offers a resend.
    let id = seite
        .split("/verwaltung/xbau/nachrichten/")
        .nth(1)
        .and_then(|r| r.split('"').next())
        .unwrap()
        .to_string();
    let detail = c
        .get(format!("{}/verwaltung/xbau/nachrichten/{id}", w.app.url))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(detail.contains("&lt;"), "the XML is shown as text");
    assert!(detail.contains("erneut-senden") || detail.contains("Gründe der Zurückweisung"));
}

#[tokio::test]
async fn a_changed_application_is_taken_only_for_its_own_case_while_documents_are_asked_for() {
    use plankammer_xbau::eingang::{antrag_geaendert, antrag_lesen, kopf_lesen};
    use plankammer_xbau::nachrichten::{Bezug, neue_uuid};
    let w = Welt::neu().await;
    let fall = w.fall(Fallangaben::nummer(12)).eingereicht().await;
    let p = portal_bei_b(&w).await;
    let ablage = Zwischenablage::neu().await.unwrap();
    let (xml, beilagen) = antrag_an_b(&w, fall.id, &ablage).await;
    let e = empfangen(&w, &p, xml.clone(), beilagen.clone()).await;
    let Empfang::Angenommen {
        vorgang_id: Some(neu),
        ..
    } = e
    else {
        panic!("{e:?}")
    };
    let original = kopf_lesen(&xml).unwrap().uuid;
    let aenderung = |referenz: &str| {
        let mut a = antrag_lesen(&xml).unwrap();
        a.kopf.uuid = neue_uuid();
        antrag_geaendert(
            &a,
            &Bezug {
                referenz: Some(referenz.to_string()),
                vorgang: None,
            },
        )
        .into_bytes()
    };
    // Nothing is asked for (the case was just submitted): the sequence is refused.
    let e = empfangen(&w, &p, aenderung(&original), beilagen.clone()).await;
    assert_eq!(codes(&e), ["S101"]);
    // A change of a case nobody knows.
    let e = empfangen(&w, &p, aenderung(&neue_uuid()), beilagen.clone()).await;
    assert_eq!(codes(&e), ["S090"]);
    // In a Nachforderung, the same files as before change nothing: refused, no Fassung.
    let ba = w
        .konto(
            w.fremder_tenant,
            "sb-b@example.org",
            "SB B",
            Role::Bauaufsicht,
        )
        .await;
    let frist = plankammer_verfahren::pruefung::vorschlag_nachforderung(
        plankammer_domain::verfahren::Verfahrensart::VereinfachtesVerfahren,
        plankammer_storage::heute_berlin(),
    )
    .unwrap()
    .ende;
    w.app
        .verfahren
        .nachfordern(
            &ba,
            neu,
            &[plankammer_verfahren::pruefung::Befundangabe {
                code: "01".into(),
                text: "Der Lageplan fehlt.".into(),
                dokument_id: None,
            }],
            &frist.format("%Y-%m-%d").to_string(),
        )
        .await
        .unwrap();
    let e = empfangen(&w, &p, aenderung(&original), beilagen).await;
    assert_eq!(codes(&e), ["S999"]);
    assert_eq!(
        w.app.db.antrag(neu).await.unwrap().zustand,
        Zustand::Nachforderung
    );
}

#[tokio::test]
async fn a_portals_1130_withdraws_the_application_through_the_applicants_step() {
    use plankammer_xbau::eingang::{Ruecknahme, kopf_lesen, ruecknahme};
    use plankammer_xbau::nachrichten::{Bezug, Kopf, neue_uuid};
    let w = Welt::neu().await;
    let fall = w.fall(Fallangaben::nummer(13)).eingereicht().await;
    let p = portal_bei_b(&w).await;
    let ablage = Zwischenablage::neu().await.unwrap();
    let (xml, beilagen) = antrag_an_b(&w, fall.id, &ablage).await;
    let Empfang::Angenommen {
        vorgang_id: Some(neu),
        ..
    } = empfangen(&w, &p, xml.clone(), beilagen).await
    else {
        panic!("not taken")
    };
    let k = kopf_lesen(&xml).unwrap();
    let r = |uuid: String| {
        ruecknahme(&Ruecknahme {
            kopf: Kopf {
                uuid,
                erstellt: chrono::Utc::now(),
                autor: k.autor.clone().unwrap(),
                leser: k.leser.clone().unwrap(),
            },
            bezug: Bezug {
                referenz: Some(k.uuid.clone()),
                vorgang: None,
            },
            begruendung: Some("Das Grundstück wird nicht gekauft.".into()),
        })
        .into_bytes()
    };
    let e = empfangen(&w, &p, r(neue_uuid()), vec![]).await;
    assert!(matches!(e, Empfang::Angenommen { .. }), "{e:?}");
    assert_eq!(
        w.app.db.antrag(neu).await.unwrap().zustand,
        Zustand::Zurueckgezogen
    );
    let zeitleiste = w.app.db.ereignisse(neu).await.unwrap();
    assert!(
        zeitleiste.iter().any(|z| z.text
            == "Antrag zurückgezogen über XBau (von „Plankammer Kreis A“). Grund: Das Grundstück wird nicht gekauft."),
        "{zeitleiste:?}"
    );
    // The portal learns the status 15 (Rücknahme des Vorgangs bestätigt).
    let aus = postausgang(&w, &p).await;
    assert!(
        aus.iter()
            .any(|(n, x)| n.ends_with(".1170") && x.contains("<code>15</code>")),
        "{:?}",
        aus.iter().map(|a| &a.0).collect::<Vec<_>>()
    );
    // Withdrawn is final: another 1130 breaks the sequence.
    let e = empfangen(&w, &p, r(neue_uuid()), vec![]).await;
    assert_eq!(codes(&e), ["S101"]);
}

#[tokio::test]
async fn the_owner_withdraws_the_application_and_the_deadlines_end() {
    let w = Welt::neu().await;
    let fall = w.fall(Fallangaben::nummer(14)).eingereicht().await;
    let v = &w.app.verfahren;
    let architektin = w.akteur(plankammer_tests::welt::ARCHITEKTIN).await;
    let ba = w.akteur(plankammer_tests::welt::BAUAUFSICHT).await;
    // Nobody else withdraws someone's application.
    assert!(v.zurueckziehen(&ba, fall.id, "").await.is_err());
    let frist = plankammer_verfahren::pruefung::vorschlag_nachforderung(
        plankammer_domain::verfahren::Verfahrensart::VereinfachtesVerfahren,
        plankammer_storage::heute_berlin(),
    )
    .unwrap()
    .ende;
    v.nachfordern(
        &ba,
        fall.id,
        &[plankammer_verfahren::pruefung::Befundangabe {
            code: "01".into(),
            text: "Der Lageplan fehlt.".into(),
            dokument_id: None,
        }],
        &frist.format("%Y-%m-%d").to_string(),
    )
    .await
    .unwrap();
    assert!(
        v.zurueckziehen(&architektin, fall.id, &"x".repeat(2001))
            .await
            .is_err(),
        "an overlong reason"
    );
    v.zurueckziehen(&architektin, fall.id, "").await.unwrap();
    assert_eq!(
        w.app.db.antrag(fall.id).await.unwrap().zustand,
        Zustand::Zurueckgezogen
    );
    assert!(
        w.app
            .db
            .fristen(fall.id)
            .await
            .unwrap()
            .iter()
            .all(|f| f.zustand == plankammer_domain::frist::FristZustand::Erledigt),
        "the Nachforderung's deadline ended"
    );
    assert!(v.zurueckziehen(&architektin, fall.id, "").await.is_err());
}

#[tokio::test]
async fn a_huge_attachment_over_http_is_refused_while_it_arrives_and_nothing_is_kept() {
    // A small limit per file, as an operator may set it (UPLOAD_MAX_FILE_MB).
    let app = plankammer_tests::spawn_app_with(|c| c.upload_max_file = 1_000_000).await;
    let w = Welt::mit(app).await;
    let fall = w.fall(Fallangaben::nummer(15)).eingereicht().await;
    let (p, secret) = w
        .app
        .verfahren
        .xbau_partner_anlegen_betreiber(
            &Betreiber::an_der_konsole(),
            "kreis-b",
            PartnerArt::Portal,
            "Plankammer Kreis A",
            "kreis-a",
            None,
        )
        .await
        .unwrap();
    let n = w
        .app
        .verfahren
        .xbau_antrag(&Betreiber::an_der_konsole(), fall.id, &an_b())
        .await
        .unwrap();
    // 3 MB of "PDF" beside the message: refused at the limit, the rest not read.
    let mut gross = b"%PDF-1.4\n".to_vec();
    gross.resize(3_000_000, b' ');
    let r = reqwest::Client::new()
        .post(format!("{}/api/v1/xbau/nachrichten", w.app.url))
        .bearer_auth(&secret)
        .multipart(
            reqwest::multipart::Form::new()
                .text("nachricht", n.xml.clone())
                .part(
                    "datei",
                    reqwest::multipart::Part::bytes(gross)
                        .file_name(n.beilagen[0].dateiname.clone()),
                ),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 413);
    let j: serde_json::Value = r.json().await.unwrap();
    assert!(
        j["detail"].as_str().unwrap().contains("größer als"),
        "a German reason: {j}"
    );
    assert!(
        w.app
            .db
            .vorgaenge_des_partners(p.id)
            .await
            .unwrap()
            .is_empty()
    );
    // The server is still up.
    let liste = reqwest::Client::new()
        .get(format!("{}/api/v1/xbau/postausgang", w.app.url))
        .bearer_auth(&secret)
        .send()
        .await
        .unwrap();
    assert_eq!(liste.status(), 200);
}

#[tokio::test]
async fn the_spool_of_a_message_is_removed_with_it() {
    let ablage = Zwischenablage::neu().await.unwrap();
    let b = ablage
        .aufnehmen(
            "plan.pdf",
            futures::stream::iter([Ok::<_, std::io::Error>(bytes::Bytes::from_static(
                b"%PDF-1.4 klein",
            ))]),
            1_000,
        )
        .await
        .unwrap();
    assert!(b.pfad.is_file());
    // Beyond its limit a file is refused with German words, while it arrives.
    let zu_gross = ablage
        .aufnehmen(
            "gross.pdf",
            futures::stream::iter([Ok::<_, std::io::Error>(bytes::Bytes::from(vec![
                0u8;
                2_000
            ]))]),
            1_000,
        )
        .await
        .unwrap_err();
    assert!(zu_gross.contains("größer als"), "{zu_gross}");
    let ordner = b.pfad.parent().unwrap().to_path_buf();
    drop(ablage);
    assert!(!ordner.exists(), "the spool folder is gone");
}
