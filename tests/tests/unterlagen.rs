//! The architect's documents on the case page and in `/api/v1`: documents without a
//! recognised type are typed on their cards, several at once; a document is removed from
//! the current set after a confirmation, never from a submitted Fassung; an identical file
//! is refused as a duplicate naming the document it already is — and nothing stored is lost
//! on any refusal.

use bytes::Bytes;
use plankammer_domain::Role;
use plankammer_domain::zeitleiste::Eintragsart;
use plankammer_tests::pdf::a4_salted;
use plankammer_tests::welt::{self, Fallangaben, Welt};
use plankammer_verfahren::dokumente::{Hochladegrenzen, Ziel};
use serde_json::Value;

const ANDERE: &str = "andere@example.org";

/// Uploads `pdf` as a new document without a type, as the architect, through the step.
async fn ohne_typ(w: &Welt, vorgang_id: i64, bezeichnung: &str, pdf: Vec<u8>) -> i64 {
    let akteur = w.akteur(welt::ARCHITEKTIN).await;
    let a = w.app.db.antrag(vorgang_id).await.unwrap();
    let body = futures::stream::iter([Ok::<Bytes, std::io::Error>(Bytes::from(pdf))]);
    w.app
        .verfahren
        .hochladen(
            &akteur,
            &a,
            Ziel::NeuesDokument {
                bezeichnung,
                anlageart: None,
            },
            &format!("{bezeichnung}.pdf"),
            Hochladegrenzen::default(),
            body,
        )
        .await
        .unwrap_or_else(|e| panic!("{}", e.meldung()))
        .dokument_id
}

async fn seite(c: &reqwest::Client, url: String) -> (u16, String) {
    let r = c.get(url).send().await.unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

async fn formular(
    c: &reqwest::Client,
    url: String,
    felder: &[(&str, &str)],
) -> (u16, String, String) {
    let r = c.post(url).form(felder).send().await.unwrap();
    let ort = r
        .headers()
        .get("location")
        .map(|l| l.to_str().unwrap().to_string())
        .unwrap_or_default();
    (r.status().as_u16(), ort, r.text().await.unwrap())
}

/// The multipart upload of the case page (`dokument`: a new version of it).
async fn seiten_upload(
    w: &Welt,
    c: &reqwest::Client,
    csrf: &str,
    vorgang_id: i64,
    dokument: Option<i64>,
    pdf: Vec<u8>,
) -> (u16, String) {
    let mut form = reqwest::multipart::Form::new().text("_csrf", csrf.to_string());
    if let Some(d) = dokument {
        form = form.text("dokument", d.to_string());
    }
    let form = form.part(
        "datei",
        reqwest::multipart::Part::bytes(pdf)
            .file_name("nochmal.pdf")
            .mime_str("application/pdf")
            .unwrap(),
    );
    let r = c
        .post(format!("{}/vorgaenge/{vorgang_id}/dokumente", w.app.url))
        .multipart(form)
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

async fn anlageart(w: &Welt, dokument_id: i64) -> Option<String> {
    w.app
        .db
        .dokument_anlageart(dokument_id)
        .await
        .unwrap()
        .map(|a| a.code().to_string())
}

async fn audit(w: &Welt, action: &str) -> Vec<Value> {
    w.app
        .db
        .audit_entries(w.tenant, 500)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.action == action)
        .map(|e| e.detail)
        .collect()
}

async fn zahl(w: &Welt, sql: &str) -> i64 {
    sqlx::query_scalar(sql)
        .fetch_one(w.app.db.pool())
        .await
        .unwrap()
}

#[tokio::test]
async fn documents_without_a_type_are_typed_on_their_cards_several_at_once() {
    let w = Welt::neu().await;
    let f = w.fall(Fallangaben::nummer(1)).entwurf().await;
    let formular_doc = ohne_typ(&w, f.id, "Antragsformular", a4_salted(1, "af")).await;
    let statik = ohne_typ(&w, f.id, "Statik", a4_salted(1, "statik")).await;
    let (c, csrf) = w.app.login(welt::ARCHITEKTIN).await;
    let url = format!("{}/vorgaenge/{}", w.app.url, f.id);

    // Each untyped card has a select tied to the one typing form; the typed one has none.
    let (s, page) = seite(&c, url.clone()).await;
    assert_eq!(s, 200);
    assert!(page.contains("data-testid=\"anlagearten\""), "{page}");
    assert!(page.contains("2 Unterlagen brauchen noch ihre Anlageart"));
    for d in [formular_doc, statik] {
        assert!(
            page.contains(&format!(
                "id=\"anlageart-{d}\" name=\"anlageart_{d}\" form=\"anlagearten-form\""
            )),
            "{page}"
        );
    }
    assert!(!page.contains(&format!("name=\"anlageart_{}\"", f.dokument_id)));
    // German names, the procedure's first.
    assert!(page.contains("<optgroup label=\"Für dieses Verfahren verlangt\">"));
    assert!(page.contains(">Antragsformulare [Alle möglichen Anträge]</option>"));
    // The form's token travels in the body, never in its URL.
    assert!(page.contains(&format!("action=\"/vorgaenge/{}/anlagearten\"", f.id)));
    assert!(!page.contains("/anlagearten?_csrf"));
    // The checklist names what is missing and links to the card's select.
    let hindernis = format!("href=\"#anlageart-{formular_doc}\"");
    assert!(page.contains(&hindernis), "{page}");
    assert!(page.contains("Anlageart wählen"));

    // One submit types both; a field left empty changes nothing.
    let typen = format!("{}/vorgaenge/{}/anlagearten", w.app.url, f.id);
    let feld_a = format!("anlageart_{formular_doc}");
    let feld_b = format!("anlageart_{statik}");
    let feld_c = format!("anlageart_{}", f.dokument_id);
    let (s, ort, _) = formular(
        &c,
        typen.clone(),
        &[
            ("_csrf", &csrf),
            (&feld_a, "1101"),
            (&feld_b, "0304"),
            (&feld_c, ""),
        ],
    )
    .await;
    assert_eq!(
        (s, ort.as_str()),
        (303, &*format!("/vorgaenge/{}#dokumente", f.id))
    );
    assert_eq!(anlageart(&w, formular_doc).await.as_deref(), Some("1101"));
    assert_eq!(anlageart(&w, statik).await.as_deref(), Some("0304"));
    assert_eq!(anlageart(&w, f.dokument_id).await.as_deref(), Some("2001"));
    assert_eq!(audit(&w, "dokument.anlageart").await.len(), 2);
    let (_, page) = seite(&c, url.clone()).await;
    assert!(!page.contains("data-testid=\"anlagearten\""));
    assert!(!page.contains("keine Anlageart angegeben"));

    // All or nothing: one unknown code and no document changes.
    let (s, _, page) = formular(
        &c,
        typen.clone(),
        &[("_csrf", &csrf), (&feld_a, "1502"), (&feld_b, "9998")],
    )
    .await;
    assert_eq!(s, 422, "{page}");
    assert!(page.contains("anlagen_3.0"));
    assert_eq!(anlageart(&w, formular_doc).await.as_deref(), Some("1101"));
    // A document of another case is not this case's to type.
    let fremd = w.fall(Fallangaben::nummer(2)).entwurf().await;
    let feld_fremd = format!("anlageart_{}", fremd.dokument_id);
    let (s, _, _) = formular(
        &c,
        typen.clone(),
        &[("_csrf", &csrf), (&feld_a, "1502"), (&feld_fremd, "1502")],
    )
    .await;
    // Refused as a bad form (the case itself is this person's), naming nothing of the other.
    assert_eq!(s, 422);
    assert_eq!(anlageart(&w, formular_doc).await.as_deref(), Some("1101"));
    assert_eq!(
        anlageart(&w, fremd.dokument_id).await.as_deref(),
        Some("2001")
    );

    // Others: not without the CSRF token, not another applicant, not the administration.
    let (s, _, _) = formular(&c, typen.clone(), &[(&feld_a, "1502")]).await;
    assert_eq!(s, 403);
    w.person(ANDERE, Role::Antragsteller).await;
    let (andere, andere_csrf) = w.app.login(ANDERE).await;
    let (s, _, _) = formular(
        &andere,
        typen.clone(),
        &[("_csrf", &andere_csrf), (&feld_a, "1502")],
    )
    .await;
    assert_eq!(s, 404);
    let (admin, admin_csrf) = w.app.login(welt::ADMIN).await;
    let (s, _, _) = formular(
        &admin,
        typen.clone(),
        &[("_csrf", &admin_csrf), (&feld_a, "1502")],
    )
    .await;
    assert_eq!(s, 403);
    assert_eq!(anlageart(&w, formular_doc).await.as_deref(), Some("1101"));

    // Submitted: the types of what was submitted stay.
    let eingereicht = w.fall(Fallangaben::nummer(3)).eingereicht().await;
    let (s, _, _) = formular(
        &c,
        format!("{}/vorgaenge/{}/anlagearten", w.app.url, eingereicht.id),
        &[
            ("_csrf", &csrf),
            (&format!("anlageart_{}", eingereicht.dokument_id), "2002"),
        ],
    )
    .await;
    assert_eq!(s, 409);
    assert_eq!(
        anlageart(&w, eingereicht.dokument_id).await.as_deref(),
        Some("2001")
    );
}

#[tokio::test]
async fn a_draft_document_is_removed_after_confirmation_and_a_submitted_one_stays() {
    let w = Welt::neu().await;
    let f = w.fall(Fallangaben::nummer(1)).entwurf().await;
    let zweites = ohne_typ(&w, f.id, "Baubeschreibung", a4_salted(1, "bb")).await;
    let (c, csrf) = w.app.login(welt::ARCHITEKTIN).await;

    // The card asks before it removes.
    let (_, page) = seite(&c, format!("{}/vorgaenge/{}", w.app.url, f.id)).await;
    assert!(page.contains("Unterlage entfernen …"));
    assert!(page.contains("Soll „Baubeschreibung“ wirklich aus den Unterlagen entfernt werden?"));
    assert!(page.contains(&format!(
        "action=\"/vorgaenge/{}/dokumente/{zweites}/entfernen\"",
        f.id
    )));

    let entfernen = format!(
        "{}/vorgaenge/{}/dokumente/{zweites}/entfernen",
        w.app.url, f.id
    );
    // Not another applicant, not the administration, not without the token.
    w.person(ANDERE, Role::Antragsteller).await;
    let (andere, andere_csrf) = w.app.login(ANDERE).await;
    let (s, _, _) = formular(&andere, entfernen.clone(), &[("_csrf", &andere_csrf)]).await;
    assert_eq!(s, 404);
    let (admin, admin_csrf) = w.app.login(welt::ADMIN).await;
    let (s, _, _) = formular(&admin, entfernen.clone(), &[("_csrf", &admin_csrf)]).await;
    assert_eq!(s, 403);
    let (s, _, _) = formular(&c, entfernen.clone(), &[]).await;
    assert_eq!(s, 403);
    assert!(w.app.db.entfernte_dokumente(f.id).await.unwrap().is_empty());

    // The owner removes it: gone from the current set, on the timeline and in the audit
    // log; its version and bytes stay in the store.
    let (s, ort, _) = formular(&c, entfernen.clone(), &[("_csrf", &csrf)]).await;
    assert_eq!(
        (s, ort.as_str()),
        (303, &*format!("/vorgaenge/{}#dokumente", f.id))
    );
    let aktuell: Vec<i64> = w
        .app
        .verfahren
        .hochgeladene(f.id)
        .await
        .unwrap()
        .iter()
        .map(|d| d.id)
        .collect();
    assert_eq!(aktuell, vec![f.dokument_id]);
    let eintraege = w.app.db.ereignisse(f.id).await.unwrap();
    assert!(
        eintraege
            .iter()
            .any(|e| e.art == Eintragsart::DokumentEntfernt && e.text.contains("Baubeschreibung")),
        "{eintraege:?}"
    );
    let a = audit(&w, "dokument.entfernen").await;
    assert_eq!(a.len(), 1);
    assert_eq!(a[0]["vorgang_id"], f.id);
    assert_eq!(
        zahl(
            &w,
            &format!("SELECT COUNT(*) FROM dokument_versionen WHERE dokument_id = {zweites}")
        )
        .await,
        1
    );
    let (_, page) = seite(&c, format!("{}/vorgaenge/{}", w.app.url, f.id)).await;
    assert!(!page.contains("Soll „Baubeschreibung“ wirklich"));

    // The Bauaufsicht, who may add documents, may remove one too (API).
    let (ba, ba_csrf) = w.app.login(welt::BAUAUFSICHT).await;
    let r = ba
        .delete(format!("{}/api/v1/documents/{}", w.app.url, f.dokument_id))
        .header("x-csrf-token", &ba_csrf)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);

    // Submitted: nothing is removed, and Fassung 1 keeps what was submitted.
    let e = w.fall(Fallangaben::nummer(2)).eingereicht().await;
    let (s, _, page) = formular(
        &c,
        format!(
            "{}/vorgaenge/{}/dokumente/{}/entfernen",
            w.app.url, e.id, e.dokument_id
        ),
        &[("_csrf", &csrf)],
    )
    .await;
    assert_eq!(s, 409);
    assert!(
        page.contains("nur im Entwurf oder während einer Nachforderung"),
        "{page}"
    );
    let r = c
        .delete(format!("{}/api/v1/documents/{}", w.app.url, e.dokument_id))
        .header("x-csrf-token", &csrf)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 409);
    let p: Value = r.json().await.unwrap();
    assert_eq!(p["fehler"], "konflikt");
    assert!(w.app.db.entfernte_dokumente(e.id).await.unwrap().is_empty());
    let fassung = &w.app.db.fassungen(e.id).await.unwrap()[0];
    let drin = w.app.db.fassung_dokumente(fassung.id).await.unwrap();
    assert_eq!(drin.len(), 1);
    assert_eq!(drin[0].version_id, e.version_id);
    let (_, page) = seite(&c, format!("{}/vorgaenge/{}", w.app.url, e.id)).await;
    assert!(!page.contains("Unterlage entfernen …"));
}

#[tokio::test]
async fn an_identical_file_is_refused_as_a_duplicate_and_nothing_stored_is_lost() {
    let w = Welt::neu().await;
    let plan = a4_salted(2, "grundriss-eg");
    let f = w
        .fall(Fallangaben::nummer(1).plan(plan.clone()))
        .entwurf()
        .await;
    let (c, csrf) = w.app.login(welt::ARCHITEKTIN).await;
    let gleich = "Diese Datei ist bereits als „Grundrisse Erdgeschoss“ hochgeladen.";
    let bestand = || async {
        (
            zahl(&w, "SELECT COUNT(*) FROM dokumente").await,
            zahl(&w, "SELECT COUNT(*) FROM dokument_versionen").await,
            zahl(&w, "SELECT COUNT(*) FROM blobs").await,
        )
    };
    let vorher = bestand().await;

    // The page: as a new document, and as a new version of the same document.
    for dokument in [None, Some(f.dokument_id)] {
        let (s, page) = seiten_upload(&w, &c, &csrf, f.id, dokument, plan.clone()).await;
        assert_eq!(s, 422, "{page}");
        assert!(page.contains(gleich), "{page}");
        assert!(page.contains("data-testid=\"hochlade-ergebnis\""));
    }
    // The API: 409 problem details naming the document.
    for pfad in [
        format!("/api/v1/cases/{}/documents/kopie.pdf", f.id),
        format!("/api/v1/documents/{}/versions/kopie.pdf", f.dokument_id),
    ] {
        let r = c
            .put(format!("{}{pfad}", w.app.url))
            .header("x-csrf-token", &csrf)
            .body(plan.clone())
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 409, "{pfad}");
        assert_eq!(
            r.headers()["content-type"].to_str().unwrap(),
            "application/problem+json"
        );
        let p: Value = r.json().await.unwrap();
        assert_eq!(p["detail"], gleich);
    }
    // The multipart API reports the file as refused.
    let form = reqwest::multipart::Form::new().part(
        "datei",
        reqwest::multipart::Part::bytes(plan.clone())
            .file_name("kopie.pdf")
            .mime_str("application/pdf")
            .unwrap(),
    );
    let r = c
        .post(format!("{}/api/v1/cases/{}/documents", w.app.url, f.id))
        .header("x-csrf-token", &csrf)
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    let dateien: Value = r.json().await.unwrap();
    assert_eq!(dateien[0]["angenommen"], false);
    assert_eq!(dateien[0]["meldung"], gleich);

    // Nothing new, nothing lost: the existing version still downloads, byte for byte.
    assert_eq!(bestand().await, vorher);
    let r = c
        .get(format!(
            "{}/api/v1/versions/{}/download",
            w.app.url, f.version_id
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.bytes().await.unwrap().to_vec(), plan);

    // Other bytes are a new version; once the plan is removed, its old file may come again.
    let r = c
        .put(format!(
            "{}/api/v1/documents/{}/versions/index-b.pdf",
            w.app.url, f.dokument_id
        ))
        .header("x-csrf-token", &csrf)
        .body(a4_salted(2, "grundriss-eg-b"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let r = c
        .put(format!(
            "{}/api/v1/cases/{}/documents/alt.pdf",
            w.app.url, f.id
        ))
        .header("x-csrf-token", &csrf)
        .body(plan.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201, "an earlier version is not the current one");
}
