//! The whole Antrag in a real browser, against the real binary (server and workers, so the
//! real document pipeline checks every upload) with mail through a real SMTP server:
//!
//! 1. setup as the product would: tenant and accounts through the binary's CLI; the tenant's
//!    admin fits the checklist of the vereinfachtes Verfahren on its page;
//! 2. the architect creates the case with its Angaben, uploads the sample plan set and
//!    watches the checklist fill; types the Antragsformular (which nothing recognises) on
//!    its card, following the checklist's link, and removes a file uploaded by mistake;
//!    then invites the Bauherrschaft;
//! 3. the Bauherrschaft opens the link from the mail, creates an account and signs;
//! 4. the architect submits: Eingangsbestätigung with Aktenzeichen, status 14;
//! 5. the case worker finds the case in the inbox, adds a Befund and requests documents
//!    with the proposed deadline (status 17);
//! 6. the architect replaces the Schnitt with a new version; that invalidates the
//!    Freizeichnung (mails to both), the Bauherrschaft signs again, and the architect
//!    completes the Nachreichung (status 16);
//! 7. the case worker sees what changed between the Fassungen and declares the documents
//!    complete (status 18); the timeline shows every step.
//!
//! Screenshots of every step: target/test-artifacts/antrag_journey-<backend>/NN_….png.

mod common;
mod reise;

use common::{Site, wait_ready};
use fantoccini::Locator;
use plankammer_tests::browser::Browser;
use plankammer_tests::smtp::SmtpServer;
use plankammer_tests::{artifacts_dir, free_port, repo_root};
use reise::{Reise, SEITE, mail_an};
use serde_json::Value;
use std::time::{Duration, Instant};

const TENANT: &str = "bauaufsicht-kassel";
const ARCHITEKTIN: &str = "sabine.hoffmann@architektur-hoffmann.example";
const SACHBEARBEITUNG: &str = "m.weber@bauaufsicht-kassel.example";
const ADMIN: &str = "it@bauaufsicht-kassel.example";
const BAUHERR: &str = "jana.becker@example.de";
const PASSWORT: &str = "ein-sehr-langes-passwort";
const PASSWORT_BAUHERR: &str = "bauherrin-passwort-2026";

/// The pipeline over the whole upload (scan with OCR included) on a loaded machine.
const PIPELINE: Duration = Duration::from_secs(420);

// --- The journey --------------------------------------------------------------------------

fn beispiel(datei: &str) -> String {
    let p = repo_root().join("sample-plans/einfamilienhaus").join(datei);
    assert!(p.is_file(), "sample plan {}", p.display());
    p.display().to_string()
}

/// The Anlagearten of the sample set this journey uploads.
const SATZ: [&str; 6] = ["1803", "2001", "2002", "2003", "1502", "2301"];

/// The checklist rows as (Anlageart, vorhanden, Stand), whether it still polls, and
/// whether it allows submission: one snapshot in the page (htmx swaps it any time).
const CHECKLISTE: &str = "const c = document.getElementById('checkliste'); if (!c) return null; \
    return {polling: c.hasAttribute('hx-get'), einreichen: c.dataset.darfEinreichen, \
    zeilen: Array.from(c.querySelectorAll('[data-testid=position]')).map(r => \
    [r.dataset.anlageart, r.dataset.vorhanden, r.querySelector('td:last-child').innerText.trim()])};";

#[tokio::test(flavor = "multi_thread")]
async fn an_antrag_from_the_first_upload_to_complete_documents_in_a_real_browser() {
    let gesamt = Instant::now();
    let backend = plankammer_storage::testing::test_backend().name();
    let ordner = format!("antrag_journey-{backend}");
    let bilder = artifacts_dir().join(&ordner);
    let _ = std::fs::remove_dir_all(&bilder);
    std::fs::create_dir_all(&bilder).unwrap();

    // --- 1. Setup: tenant and accounts through the CLI, as an operator would. ---------------
    let site = Site::new().await;
    let smtp = SmtpServer::start(0);
    let port = free_port();
    let url = format!("http://127.0.0.1:{port}");
    let extra: Vec<(&str, String)> = vec![
        ("BIND", format!("127.0.0.1:{port}")),
        ("MAIL_URL", smtp.url()),
        ("MAIL_RETRY_BASE_MS", "1000".into()),
    ];
    let (code, out) = site.run(&["migrate"], &extra);
    assert_eq!(code, 0, "{out}");
    let (code, out) = site.run(
        &[
            "tenant",
            "add",
            "--slug",
            TENANT,
            "--name",
            "Bauaufsicht Kassel",
        ],
        &extra,
    );
    assert_eq!(code, 0, "{out}");
    let mit_passwort = [
        extra.clone(),
        vec![("PLANKAMMER_PASSWORD", PASSWORT.into())],
    ]
    .concat();
    for (email, name, rolle) in [
        (ARCHITEKTIN, "Sabine Hoffmann", "antragsteller"),
        (SACHBEARBEITUNG, "Markus Weber", "bauaufsicht"),
        (ADMIN, "Petra Schulz", "admin"),
    ] {
        let (code, out) = site.run(
            &[
                "user", "add", "--tenant", TENANT, "--email", email, "--name", name, "--role",
                rolle,
            ],
            &mit_passwort,
        );
        assert_eq!(code, 0, "{email}: {out}");
    }
    let app = site.start(&[], &extra, "plankammer");
    wait_ready(&url, &app).await;
    // The accounts' welcome mails go out through the real SMTP server.
    let willkommen = mail_an(&smtp, ARCHITEKTIN, "Ihr Zugang zu Plankammer").await;
    assert!(
        willkommen.text.contains(&format!("{url}/anmelden")),
        "{willkommen:?}"
    );

    let r = Reise::neu(Browser::start(site.dir.path()).await, url.clone(), ordner);
    r.b().set_window_size(1280, 1400).await.unwrap();

    // The tenant's admin fits the checklist of the vereinfachtes Verfahren to what this
    // Bauaufsicht asks for here: the shipped default also requires documents the sample set
    // does not have (Antragsformular 1101, amtlicher Lageplan 1802, Standsicherheit 2201,
    // …); those required rows are removed, the conditional and later ones stay.
    r.anmelden(ADMIN, PASSWORT).await;
    r.folge("a.pk-nav__link[href='/verwaltung/checklisten']")
        .await;
    let zeile = "[data-testid=checkliste-zeile][data-verfahren=vereinfacht]";
    r.warte_auf(zeile).await;
    assert!(
        r.text(zeile).await.contains("Standard"),
        "the default applies first"
    );
    r.bild("verwaltung_checklisten").await;
    r.folge(&format!("{zeile} a")).await;
    r.warte_auf("[data-testid=checkliste-formular]").await;
    let entfernt = r
        .js(&format!(
            "const behalten = {SATZ:?}; const weg = []; \
             document.querySelectorAll('[data-testid=checkliste-formular] [data-testid=position]').forEach(z => {{ \
               const art = z.querySelector('select'); \
               if (art.value === 'pflicht' && !behalten.includes(z.dataset.anlageart)) {{ \
                 z.querySelector('input[type=checkbox]').click(); weg.push(z.dataset.anlageart); }} }}); \
             return weg;"
        ))
        .await
        .unwrap();
    assert_eq!(
        entfernt,
        serde_json::json!(["1101", "1802", "2201", "2102", "2501", "0401"]),
        "the required rows the sample set cannot fulfil"
    );
    r.zeige(Some("[data-testid=positionen]")).await;
    r.bild("verwaltung_checkliste_anpassen").await;
    r.absenden("[data-testid=speichern]").await;
    r.warte_auf("[data-testid=hinweis]").await;
    let hinweis = r.text("[data-testid=hinweis]").await;
    assert!(hinweis.contains("Version 1 ist gespeichert"), "{hinweis}");
    r.zeige(None).await;
    r.bild("verwaltung_checkliste_gespeichert").await;
    r.abmelden().await;

    // --- 2. The architect: Angaben, uploads, the checklist filling, the invitation. -------
    r.anmelden(ARCHITEKTIN, PASSWORT).await;
    r.bild_und_schmal("start_architektin").await;
    r.folge("[data-testid=antrag-neu]").await;
    r.warte_auf("[data-testid=angaben-formular]").await;
    r.folge("#verfahren-vereinfacht").await;
    r.tippe("bezeichnung", "Neubau Einfamilienhaus mit Garage")
        .await;
    r.waehle("massnahme", "11").await;
    r.waehle("gebaeudeklasse", "1").await;
    r.tippe("strasse", "Lindenweg").await;
    r.tippe("hausnummer", "12").await;
    r.tippe("plz", "34117").await;
    r.tippe("ort", "Kassel").await;
    r.waehle("gemeinde", "06611000").await;
    r.tippe("gemarkung", "Kirchditmold").await;
    r.tippe("flur", "7").await;
    r.tippe("flurstuecke", "112/3, 112/4").await;
    r.tippe("bh_name", "Jana Becker").await;
    r.tippe("bh_anschrift", "Am Weinberg 3, 34119 Kassel").await;
    r.tippe("bh_email", BAUHERR).await;
    assert_eq!(
        r.js("return document.getElementById('ev_name').value")
            .await,
        Some(Value::from("Sabine Hoffmann")),
        "the Entwurfsverfasserin is taken from the account"
    );
    r.tippe("ev_kammer", "Architekten- und Stadtplanerkammer Hessen")
        .await;
    r.tippe("ev_nummer", "12345").await;
    r.zeige(Some("#bezeichnung")).await;
    r.bild_und_schmal("neuer_antrag_angaben").await;
    r.absenden("[data-testid=angaben-speichern]").await;
    r.warte_auf("[data-testid=vorgang-titel]").await;
    let fall_pfad = r.pfad().await;
    let id: i64 = fall_pfad
        .trim_start_matches("/vorgaenge/")
        .parse()
        .unwrap_or_else(|_| panic!("a case page, got {fall_pfad}"));
    let status = r.text("[data-testid=statuszeile]").await;
    assert!(
        status.contains("Entwurf") && status.contains("§ 65 HBO"),
        "{status}"
    );
    let angaben = r.text("[data-testid=angaben]").await;
    assert!(
        angaben.contains("Gemeinde Kassel, documenta-Stadt")
            && !angaben.contains("06611000")
            && angaben.contains("112/3, 112/4"),
        "{angaben}"
    );
    let leer = r.warte("the empty checklist", SEITE, CHECKLISTE).await;
    let arten: Vec<&str> = leer["zeilen"]
        .as_array()
        .unwrap()
        .iter()
        .map(|z| z[0].as_str().unwrap())
        .collect();
    assert!(
        SATZ.iter().all(|a| arten.contains(a)) && !arten.contains(&"1101"),
        "the tenant's checklist applies: {leer}"
    );
    assert!(
        leer["zeilen"]
            .as_array()
            .unwrap()
            .iter()
            .all(|z| z[1] == "nein"),
        "{leer}"
    );
    r.zeige(Some("#checkliste")).await;
    r.bild("vorgang_checkliste_leer").await;

    // The sample set, one submission per Anlageart (the form takes one per submission);
    // the scan goes without one: the pipeline reads its title block and suggests it.
    let gruppen: [(&str, &[&str]); 7] = [
        ("1803", &["01_Lageplan.pdf"]),
        (
            "2001",
            &[
                "02_Grundriss_KG.pdf",
                "03_Grundriss_EG.pdf",
                "04_Grundriss_OG.pdf",
                "05_Grundriss_DG.pdf",
            ],
        ),
        ("2002", &["06_Schnitt_A-A.pdf"]),
        ("2003", &["07_Ansichten.pdf"]),
        ("1502", &["08_Baubeschreibung.pdf"]),
        ("2301", &["09_Stellplatznachweis.pdf"]),
        ("", &["13_Scan_Lageplan.pdf"]),
    ];
    let mut hochgeladen = 0;
    let mut zwischenbild = false;
    for (art, dateien) in gruppen {
        r.waehle("anlageart", art).await;
        let pfade: Vec<String> = dateien.iter().map(|d| beispiel(d)).collect();
        r.b()
            .find(Locator::Id("datei"))
            .await
            .unwrap()
            .send_keys(&pfade.join("\n"))
            .await
            .unwrap();
        r.absenden("form.pk-upload").await;
        let n = dateien.len();
        let fertig = r
            .warte(
                &format!("the upload of {dateien:?}"),
                Duration::from_secs(120),
                &format!(
                    "const l = Array.from(document.querySelectorAll('.pk-progress-list li')); \
                     return l.length === {n} && l.every(li => li.className) ? l.map(li => [li.className, li.innerText]) : null;"
                ),
            )
            .await;
        for zeile in fertig.as_array().unwrap() {
            assert_eq!(zeile[0], "pk-progress--ok", "{fertig}");
        }
        hochgeladen += n;
        // The checklist fills while the files are checked (screenshot once, half-way).
        if !zwischenbild && hochgeladen >= 5 {
            r.warte(
                "the checklist to show the first positions",
                SEITE,
                "const c = document.getElementById('checkliste'); \
                 return c && c.querySelector('[data-vorhanden=ja]') !== null;",
            )
            .await;
            r.zeige(Some("#checkliste")).await;
            r.bild("checkliste_fuellt_sich").await;
            zwischenbild = true;
        }
    }
    r.zeige(Some("form.pk-upload")).await;
    r.bild("hochgeladen").await;
    // Without reloading the page: the checklist polls until the pipeline is done.
    let start = Instant::now();
    let stand = loop {
        let s = r.js(CHECKLISTE).await.unwrap_or(Value::Null);
        let docs = r
            .js("const d = document.querySelector('[data-testid=dokumente]'); \
                 return d ? [d.dataset.laufend, document.querySelectorAll('[data-testid=dokument]').length, \
                 Array.from(document.querySelectorAll('[data-testid=stufe-zustand]')).map(e => e.textContent.trim())] : null")
            .await
            .unwrap_or(Value::Null);
        let zeilen_fertig = s["zeilen"].as_array().is_some_and(|z| {
            let satz: Vec<&Value> = z
                .iter()
                .filter(|z| SATZ.contains(&z[0].as_str().unwrap_or("")))
                .collect();
            satz.len() == SATZ.len()
                && satz
                    .iter()
                    .all(|z| z[1] == "ja" && !z[2].as_str().unwrap_or("").contains("in Prüfung"))
        });
        if zeilen_fertig
            && s["polling"] == false
            && docs[0] == "nein"
            && docs[1] == hochgeladen
            && docs[2]
                .as_array()
                .is_some_and(|z| z.iter().all(|x| x == "fertig" || x == "folgt"))
        {
            break s;
        }
        assert!(
            start.elapsed() < PIPELINE,
            "the pipeline did not finish: checklist {s}, documents {docs}\n{}",
            app.output()
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    };
    let pipeline_dauer = start.elapsed();
    // The scan counts as a Lageplan through the pipeline's suggestion.
    let lageplan = stand["zeilen"]
        .as_array()
        .unwrap()
        .iter()
        .find(|z| z[0] == "1803")
        .unwrap();
    assert!(
        lageplan[2].as_str().unwrap().starts_with("vorhanden"),
        "{stand}"
    );
    let hinweise = r.text("#checkliste").await;
    assert!(
        hinweise.contains("13_Scan_Lageplan") && hinweise.contains("nur vorgeschlagen"),
        "the suggested Anlageart is a note: {hinweise}"
    );
    // The sample plans' title blocks name this application's Bauherrschaft, Entwurfs-
    // verfasserin and street: the plausibility check finds nothing to warn about.
    assert_eq!(
        r.js("return document.querySelectorAll('[data-testid=plan-abweichung]').length")
            .await,
        Some(Value::from(0)),
        "{}",
        r.text("#checkliste").await
    );
    r.zeige(Some("#checkliste")).await;
    r.bild_und_schmal("checkliste_vollstaendig").await;
    r.zeige(Some("[data-testid=dokumente]")).await;
    r.bild("bauvorlagen_geprueft").await;
    // What was recognised is said in words: no Anlageart code like "(1803)".
    let dokumente = r.text("[data-testid=dokumente]").await;
    assert!(
        dokumente.contains("Erkannt: Lageplan")
            && !dokumente.chars().collect::<Vec<_>>().windows(6).any(|w| {
                w[0] == '(' && w[5] == ')' && w[1..5].iter().all(char::is_ascii_digit)
            }),
        "{dokumente}"
    );
    let hindernisse = r.text("[data-testid=hindernisse]").await;
    assert!(
        hindernisse.contains("Bitte laden Sie die Bauherrschaft ein"),
        "{hindernisse}"
    );

    // Two more files: the Antragsformular (no plan: the pipeline recognises no type) and a
    // file uploaded by mistake. The checklist says what is missing and links to the card;
    // the architect types the one there and removes the other after confirming.
    let antragsformular = site.dir.path().join("Antragsformular.pdf");
    std::fs::write(
        &antragsformular,
        plankammer_tests::pdf::a4_salted(1, "antragsformular"),
    )
    .unwrap();
    let versehen = site.dir.path().join("Versehentlich_hochgeladen.pdf");
    std::fs::write(&versehen, plankammer_tests::pdf::a4_salted(1, "versehen")).unwrap();
    r.waehle("anlageart", "").await;
    r.b()
        .find(Locator::Id("datei"))
        .await
        .unwrap()
        .send_keys(&format!(
            "{}\n{}",
            antragsformular.display(),
            versehen.display()
        ))
        .await
        .unwrap();
    r.absenden("form.pk-upload").await;
    let fertig = r
        .warte(
            "the upload of the two files",
            Duration::from_secs(120),
            "const l = Array.from(document.querySelectorAll('.pk-progress-list li')); \
             return l.length === 2 && l.every(li => li.className) ? l.map(li => li.className) : null;",
        )
        .await;
    assert_eq!(
        fertig,
        serde_json::json!(["pk-progress--ok", "pk-progress--ok"])
    );
    hochgeladen += 2;
    let karte = |name: &str| {
        format!(
            "Array.from(document.querySelectorAll('[data-testid=dokument]')).find(a => a.querySelector('h3').innerText.includes('{name}'))"
        )
    };
    r.warte(
        "the two files to be checked",
        PIPELINE,
        &format!(
            "const d = document.querySelector('[data-testid=dokumente]'); \
             return d && d.dataset.laufend === 'nein' && document.querySelectorAll('[data-testid=dokument]').length === {hochgeladen} \
             && !!document.querySelector('[data-testid=anlagearten]');"
        ),
    )
    .await;
    let id_von = |name: &str| {
        format!(
            "const a = {}; return a ? a.dataset.dokument : null;",
            karte(name)
        )
    };
    let formular_id = r
        .js(&id_von("Antragsformular"))
        .await
        .and_then(|v| v.as_str().map(str::to_string))
        .expect("the Antragsformular's card");
    let versehen_id = r
        .js(&id_von("Versehentlich_hochgeladen"))
        .await
        .and_then(|v| v.as_str().map(str::to_string))
        .expect("the card of the file uploaded by mistake");
    let hindernisse = r.text("[data-testid=hindernisse]").await;
    assert!(
        hindernisse.contains(
            "Für „Antragsformular“ ist keine Anlageart angegeben. Bitte wählen Sie aus, um welche Unterlage es sich handelt. Anlageart wählen"
        ),
        "{hindernisse}"
    );
    let offen = r.text("[data-testid=anlagearten]").await;
    assert!(
        offen.contains("Antragsformular") && offen.contains("Versehentlich_hochgeladen"),
        "{offen}"
    );
    // The checklist's link leads to the card's select.
    r.folge(&format!(
        "[data-testid=hindernis-link][href='#anlageart-{formular_id}']"
    ))
    .await;
    r.warte(
        "the link to the select",
        SEITE,
        &format!("return location.hash === '#anlageart-{formular_id}';"),
    )
    .await;
    r.waehle(&format!("anlageart-{formular_id}"), "1101").await;
    r.zeige(Some("[data-testid=anlagearten]")).await;
    r.bild_und_schmal("anlagearten_waehlen").await;
    r.zeige(Some(&format!("#dokument-{formular_id}"))).await;
    r.bild("anlageart_auf_der_karte").await;
    // Saved in place (htmx), the checklist with it.
    r.absenden(&format!(
        "#dokument-{formular_id} [data-testid=anlageart-wahl] button"
    ))
    .await;
    r.warte(
        "the Antragsformular to be typed",
        SEITE,
        &format!(
            "const a = {}; const b = a && a.querySelector('[data-testid=anlageart]'); \
             const h = document.querySelector('[data-testid=hindernisse]'); \
             return b && b.innerText.includes('Antragsformulare') && !a.querySelector('[data-testid=anlageart-wahl]') \
             && h && !h.innerText.includes('„Antragsformular“');",
            karte("Antragsformular")
        ),
    )
    .await;
    assert_eq!(
        r.js("return location.pathname").await,
        Some(Value::from(fall_pfad.as_str())),
        "in place, no reload elsewhere"
    );
    // A confirmed type can be changed on its card (in place): typed wrongly as
    // Baubeschreibung, then back.
    for (code, badge) in [("1502", "Baubeschreibung"), ("1101", "Antragsformulare")] {
        r.js(&format!(
            "const a = {}; a.querySelector('details.pk-anlageart-aendern').open = true; \
             a.scrollIntoView({{block: 'start', behavior: 'instant'}});",
            karte("Antragsformular")
        ))
        .await;
        r.waehle(&format!("anlageart-neu-{formular_id}"), code)
            .await;
        if code == "1502" {
            r.bild("anlageart_aendern").await;
        }
        r.absenden(&format!(
            "#dokument-{formular_id} [data-testid=anlageart-aendern-speichern]"
        ))
        .await;
        r.warte(
            &format!("the Antragsformular typed as {badge}"),
            SEITE,
            &format!(
                "const a = {}; const b = a && a.querySelector('[data-testid=anlageart]'); \
                 return b && b.innerText.includes('{badge}') \
                 && !a.querySelector('details.pk-anlageart-aendern[open]');",
                karte("Antragsformular")
            ),
        )
        .await;
    }
    // The file uploaded by mistake: removed after confirming.
    r.js(&format!(
        "const a = {}; a.querySelector('details.pk-entfernen').open = true; \
         a.scrollIntoView({{block: 'start', behavior: 'instant'}});",
        karte("Versehentlich_hochgeladen")
    ))
    .await;
    let frage = r
        .text(&format!("#dokument-{versehen_id} [data-testid=entfernen]"))
        .await;
    assert!(
        frage.contains(
            "Soll „Versehentlich_hochgeladen“ wirklich aus den Unterlagen entfernt werden?"
        ),
        "{frage}"
    );
    r.bild("unterlage_entfernen_bestaetigen").await;
    r.absenden(&format!(
        "#dokument-{versehen_id} [data-testid=entfernen-bestaetigen]"
    ))
    .await;
    hochgeladen -= 1;
    r.warte(
        "the removal",
        SEITE,
        &format!(
            "return !document.getElementById('dokument-{versehen_id}') \
             && document.querySelectorAll('[data-testid=dokument]').length === {hochgeladen} \
             && !document.querySelector('[data-testid=anlagearten]');"
        ),
    )
    .await;
    let hindernisse = r.text("[data-testid=hindernisse]").await;
    assert!(
        !hindernisse.contains("Anlageart")
            && hindernisse.contains("Bitte laden Sie die Bauherrschaft ein"),
        "{hindernisse}"
    );
    r.zeige(Some("[data-testid=dokumente]")).await;
    r.bild("unterlagen_bereinigt").await;

    // The invitation: name and address are taken from the Angaben.
    assert_eq!(
        r.js("return document.getElementById('bh-email').value")
            .await,
        Some(Value::from(BAUHERR))
    );
    r.absenden("[data-testid=einladen]").await;
    r.warte(
        "the invited Bauherrschaft",
        SEITE,
        "const b = document.querySelector('[data-testid=beteiligter]'); \
         return b && b.innerText.includes('eingeladen, noch nicht angenommen');",
    )
    .await;
    r.zeige(Some("#beteiligte")).await;
    r.bild("bauherrschaft_eingeladen").await;
    r.abmelden().await;

    // --- 3. The Bauherrschaft: link from the mail, account, Freizeichnung. ---------------
    let einladung = mail_an(&smtp, BAUHERR, "Einladung zu Ihrem Bauantrag").await;
    assert!(
        einladung
            .subject
            .contains("Neubau Einfamilienhaus mit Garage"),
        "{einladung:?}"
    );
    assert!(
        einladung.text.contains("Sabine Hoffmann"),
        "{}",
        einladung.text
    );
    let start_link = einladung
        .text
        .find(&format!("{url}/einladung/"))
        .unwrap_or_else(|| panic!("the link in the mail: {}", einladung.text));
    let link: String = einladung.text[start_link..]
        .chars()
        .take_while(|c| !c.is_whitespace())
        .collect();
    r.b().goto(&link).await.unwrap();
    r.warte_auf("[data-testid=einladung-konto]").await;
    let seite = r.text("main").await;
    assert!(
        seite.contains("Sabine Hoffmann hat Sie als Bauherrschaft"),
        "{seite}"
    );
    r.tippe("passwort", PASSWORT_BAUHERR).await;
    r.tippe("passwort_wiederholung", PASSWORT_BAUHERR).await;
    r.bild("einladung_konto_anlegen").await;
    r.absenden("[data-testid=einladung-konto]").await;
    r.warte_auf("[data-testid=freizeichnen]").await;
    assert_eq!(r.pfad().await, fall_pfad, "straight to the case");
    r.zeige(Some("#beteiligte")).await;
    r.bild_und_schmal("bauherrschaft_sieht_den_antrag").await;
    r.absenden("[data-testid=freizeichnen]").await;
    r.warte(
        "the Freizeichnung",
        SEITE,
        "const b = document.querySelector('[data-testid=beteiligter]'); \
         return b && b.innerText.includes('freigezeichnet am') && !document.querySelector('[data-testid=freizeichnen]');",
    )
    .await;
    r.zeige(Some("#beteiligte")).await;
    r.bild("freigezeichnet").await;
    let frei = mail_an(&smtp, ARCHITEKTIN, "Antrag freigezeichnet").await;
    assert!(
        frei.text
            .contains("Bauherrschaft Jana Becker hat den Antrag freigezeichnet"),
        "{}",
        frei.text
    );
    r.abmelden().await;

    // --- 4. The architect submits. -------------------------------------------------------
    r.anmelden(ARCHITEKTIN, PASSWORT).await;
    r.gehe(&fall_pfad).await;
    r.warte(
        "the case to be ready to submit",
        SEITE,
        "const c = document.getElementById('checkliste'); \
         return c && c.dataset.darfEinreichen === 'ja' && !document.querySelector('[data-testid=hindernisse]');",
    )
    .await;
    r.zeige(Some("#checkliste")).await;
    r.bild("bereit_zum_einreichen").await;
    // A legal act: the button opens what will happen; a second click does it.
    r.folge("[data-testid=einreichen-oeffnen]").await;
    let folgen = r.text("[data-testid=einreichen-bestaetigen]").await;
    assert!(
        folgen.contains("Eingangsbestätigung") && folgen.contains("nicht mehr ändern"),
        "{folgen}"
    );
    r.zeige(Some("[data-testid=einreichen-bestaetigen]")).await;
    r.bild_und_schmal("einreichen_bestaetigen").await;
    r.absenden("[data-testid=einreichen]").await;
    r.warte_auf("[data-testid=eingangsbestaetigung]").await;
    let az = r.text("[data-testid=aktenzeichen]").await;
    let jahr = chrono::Utc::now().format("%Y").to_string();
    assert_eq!(az, format!("BA-{jahr}-00001"));
    let status = r.text("[data-testid=statuszeile]").await;
    assert!(
        status.contains("Eingegangen") && !status.contains("14 –"),
        "status in words, no portal code: {status}"
    );
    let eb = r.text("[data-testid=eingangsbestaetigung]").await;
    assert!(
        eb.contains(&az) && eb.contains("Fassung 1 vom") && eb.contains("(11 Unterlagen)"),
        "{eb}"
    );
    r.zeige(None).await;
    r.bild_und_schmal("eingangsbestaetigung").await;
    for an in [ARCHITEKTIN, BAUHERR] {
        let m = mail_an(&smtp, an, "Eingangsbestätigung").await;
        assert!(m.subject.contains(&az), "{an}: {}", m.subject);
        assert!(
            m.text.contains(&format!("Aktenzeichen: {az}"))
                && m.text.contains("Eingegangen")
                && !m.text.contains("14 – ")
                && m.text.contains("Mit freundlichen Grüßen")
                && m.text.lines().any(|l| l.trim() == "Bauaufsicht Kassel")
                && !m.text.contains("Plankammer-Team"),
            "signed by the authority, status in words — {an}: {}",
            m.text
        );
    }
    r.abmelden().await;

    // --- 5. The case worker: inbox, formelle Prüfung, Nachforderung. ---------------------
    r.anmelden(SACHBEARBEITUNG, PASSWORT).await;
    r.folge("a.pk-nav__link[href='/eingang']").await;
    let zeile = format!("[data-testid=eingang-zeile][data-vorgang='{id}']");
    r.warte_auf(&zeile).await;
    let eingang = r.text(&zeile).await;
    assert!(
        eingang.contains(&az)
            && eingang.contains("Kassel")
            && eingang.contains("Eingegangen")
            && !eingang.contains("14 – "),
        "{eingang}"
    );
    r.bild_und_schmal("antragseingang").await;
    r.folge(&format!("{zeile} a[href='/vorgaenge/{id}']")).await;
    r.warte_auf("[data-testid=formelle-pruefung]").await;
    r.folge("[data-testid=formelle-pruefung]").await;
    r.warte_auf("[data-testid=pruefung-formular]").await;
    r.waehle("befund-code-1", "04").await;
    r.tippe(
        "befund-text-1",
        "Im Schnitt A-A fehlen die Höhenkoten über NHN; bitte ergänzen.",
    )
    .await;
    let schnitt_id = r
        .js("const o = Array.from(document.querySelectorAll('#befund-dokument-1 option')).find(o => o.textContent.includes('Schnitt')); return o ? o.value : null")
        .await
        .and_then(|v| v.as_str().map(str::to_string))
        .expect("the Schnitt is offered as the document of the Befund");
    r.waehle("befund-dokument-1", &schnitt_id).await;
    // Five rows are there; "Weiterer Befund" adds a sixth in place, the focus in it.
    assert_eq!(
        r.js("return document.querySelectorAll('[data-testid=befund-zeile]').length")
            .await,
        Some(Value::from(5))
    );
    r.folge("[data-testid=befund-hinzufuegen]").await;
    assert_eq!(
        r.js("return [document.querySelectorAll('[data-testid=befund-zeile]').length, document.activeElement.id]")
            .await,
        Some(serde_json::json!([6, "befund-code-6"]))
    );
    let code = r
        .js("return document.querySelectorAll('#befund-code-6 option')[1].value")
        .await
        .and_then(|v| v.as_str().map(str::to_string))
        .expect("a Befund code");
    r.waehle("befund-code-6", &code).await;
    r.tippe(
        "befund-text-6",
        "Die Baubeschreibung ist nicht unterschrieben.",
    )
    .await;
    let frist_iso = r
        .js("return document.getElementById('frist_ende').value")
        .await
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default();
    let frist = chrono::NaiveDate::parse_from_str(&frist_iso, "%Y-%m-%d")
        .unwrap_or_else(|_| panic!("the proposed deadline is filled in: {frist_iso:?}"));
    let frist_de = frist.format("%d.%m.%Y").to_string();
    let hinweis = r.text("#frist-hinweis").await;
    assert!(hinweis.contains(&frist_de), "{hinweis}");
    r.zeige(Some("[data-testid=pruefung-formular]")).await;
    r.bild_und_schmal("befund").await;
    r.js("document.getElementById('frist_ende').scrollIntoView({block: 'center', behavior: 'instant'})")
        .await;
    r.bild("frist_vorschlag").await;
    r.folge("[data-testid=nachfordern-oeffnen]").await;
    let folgen = r.text("[data-testid=nachfordern-bestaetigen]").await;
    assert!(
        folgen.contains("§ 70 Abs. 2 HBO") && folgen.contains("per E-Mail"),
        "who is told, which deadline: {folgen}"
    );
    r.zeige(Some("[data-testid=nachfordern-bestaetigen]")).await;
    r.bild("nachforderung_bestaetigen").await;
    r.absenden("[data-testid=nachfordern]").await;
    r.warte(
        "the Nachforderung",
        SEITE,
        "const s = document.querySelector('[data-testid=pruefung-status]'); \
         return s && s.innerText.includes('Unterlagen nachgefordert');",
    )
    .await;
    let bisher = r.text("[data-testid=befunde-bisher]").await;
    assert!(
        bisher.contains("Höhenkoten")
            && bisher.contains("nicht unterschrieben")
            && !bisher.contains("(04)"),
        "both Befunde, the one of the added row too: {bisher}"
    );
    r.zeige(None).await;
    let erfolg = r.text("[data-testid=erfolg]").await;
    assert!(erfolg.contains("Nachforderung ist versandt"), "{erfolg}");
    r.bild("nachforderung_gesendet").await;
    let nf = mail_an(&smtp, ARCHITEKTIN, "Unterlagen nachgefordert").await;
    assert!(
        nf.text.contains(&format!("Frist bis:    {frist_de}"))
            && nf.text.contains("Unterlagen nachgefordert")
            && nf.text.contains("Höhenkoten")
            && nf.text.contains(&az),
        "{}",
        nf.text
    );
    r.abmelden().await;

    // --- 6. The architect replaces the Schnitt and completes the Nachreichung. -----------
    r.anmelden(ARCHITEKTIN, PASSWORT).await;
    r.gehe(&fall_pfad).await;
    r.warte_auf("[data-testid=nachreichung]").await;
    // What to do comes first: the Nachforderung with its deadline, above the
    // Eingangsbestätigung and everything else, with a way to it.
    let jetzt = r.text("[data-testid=jetzt-zu-tun]").await;
    assert!(
        jetzt.contains("Unterlagen nachreichen") && jetzt.contains(&frist_de),
        "{jetzt}"
    );
    let zuerst = r
        .js("const o = s => document.querySelector(s).getBoundingClientRect().top; \
             return o('[data-testid=jetzt-zu-tun]') < o('[data-testid=eingangsbestaetigung]') \
               && !!document.querySelector('[data-testid=jetzt-zu-tun] a[href=\"#nachreichung\"]');")
        .await
        .unwrap();
    assert_eq!(zuerst, serde_json::json!(true));
    let fristen = r.text("[data-testid=fristen]").await;
    assert!(
        fristen.contains("Frist für die Nachreichung") && fristen.contains(&frist_de),
        "{fristen}"
    );
    let gebeten = r.text("[data-testid=nachgefordert]").await;
    assert!(
        gebeten.contains("Höhenkoten") && gebeten.contains("betrifft 06_Schnitt_A-A"),
        "the architect sees what is asked for: {gebeten}"
    );
    r.zeige(Some("[data-testid=fristen]")).await;
    r.bild_und_schmal("nachforderung_beim_architekten").await;
    r.zeige(Some("[data-testid=nachreichung]")).await;
    r.bild("nachreichung").await;
    let schnitt: String = r
        .js("const a = Array.from(document.querySelectorAll('[data-testid=dokument]')).find(a => a.querySelector('h3').innerText.includes('06_Schnitt')); \
             if (!a) return null; const d = a.querySelector('details.pk-neue-version'); d.open = true; \
             a.scrollIntoView({block: 'start', behavior: 'instant'}); return a.querySelector('input[name=dokument]').value;")
        .await
        .and_then(|v| v.as_str().map(str::to_string))
        .expect("the Schnitt offers „Neue Version hochladen“");
    assert_eq!(schnitt, schnitt_id, "the document the Befund names");
    r.b()
        .find(Locator::Id(&format!("neue-version-{schnitt}")))
        .await
        .unwrap()
        .send_keys(&beispiel("14_Kurven_Schnitt_A-A.pdf"))
        .await
        .unwrap();
    r.bild("neue_version_waehlen").await;
    r.absenden(&format!("#neue-version-{schnitt}")).await;
    r.warte(
        "the new version to be stored",
        SEITE,
        "const e = document.querySelector('[data-testid=hochlade-ergebnis]'); \
         return e && e.innerText.includes('14_Kurven_Schnitt_A-A.pdf: gespeichert');",
    )
    .await;
    let schnitt_css = "Array.from(document.querySelectorAll('[data-testid=dokument]')).find(a => a.querySelector('h3').innerText.includes('06_Schnitt'))";
    let start = Instant::now();
    r.warte(
        "the pipeline to check the new version",
        PIPELINE,
        &format!(
            "const a = {schnitt_css}; const d = document.querySelector('[data-testid=dokumente]'); \
             return a && d && d.dataset.laufend === 'nein' && a.innerText.includes('Version 2 (1 frühere)') \
             && Array.from(a.querySelectorAll('[data-testid=stufe-zustand]')).every(s => ['fertig', 'folgt'].includes(s.textContent.trim()));"
        ),
    )
    .await;
    let neue_version_dauer = start.elapsed();
    let karte = r
        .js(&format!(
            "const a = {schnitt_css}; return a ? a.innerText : null"
        ))
        .await
        .unwrap_or_default();
    let karte = karte.as_str().unwrap_or("");
    assert!(
        karte.contains("Index B") && karte.contains("per Texterkennung"),
        "the title block of the new version is read by OCR: {karte}"
    );
    assert!(
        !karte.contains("Text wird gelesen"),
        "no stale progress note on a finished stage: {karte}"
    );
    r.js(&format!(
        "const a = {schnitt_css}; if (a) a.scrollIntoView({{block: 'start', behavior: 'instant'}});"
    ))
    .await;
    r.bild("neue_version_geprueft").await;
    // The new Schnitt changes what the Bauherrschaft signed: the page says so, both sides
    // get a mail, and the Bauherrschaft signs again before the Nachreichung
    // (docs/decisions/0006-freizeichnung.md).
    let hinweis = r.text("[data-testid=nachreichung-freizeichnung]").await;
    assert!(
        hinweis.contains("Jana Becker") && hinweis.contains("erneut freizeichnen"),
        "{hinweis}"
    );
    for an in [ARCHITEKTIN, BAUHERR] {
        let m = mail_an(&smtp, an, "Erneute Freizeichnung nötig").await;
        assert!(
            m.text.contains("06_Schnitt") && m.text.contains("erneut freizeichnen"),
            "{an}: {}",
            m.text
        );
    }
    r.abmelden().await;
    r.anmelden(BAUHERR, PASSWORT_BAUHERR).await;
    r.gehe(&fall_pfad).await;
    r.warte_auf("[data-testid=freizeichnung-ungueltig]").await;
    let beteiligter = r.text("[data-testid=beteiligter]").await;
    assert!(
        beteiligter.contains("gilt nicht mehr") && beteiligter.contains("06_Schnitt"),
        "{beteiligter}"
    );
    r.zeige(Some("#beteiligte")).await;
    r.bild_und_schmal("freizeichnung_ungueltig").await;
    r.absenden("[data-testid=freizeichnen]").await;
    r.warte(
        "the Freizeichnung given again",
        SEITE,
        "const b = document.querySelector('[data-testid=beteiligter]'); \
         return b && b.innerText.includes('freigezeichnet am') && !document.querySelector('[data-testid=freizeichnen]');",
    )
    .await;
    r.zeige(Some("#beteiligte")).await;
    r.bild("erneut_freigezeichnet").await;
    r.abmelden().await;
    r.anmelden(ARCHITEKTIN, PASSWORT).await;
    r.gehe(&fall_pfad).await;
    r.warte_auf("[data-testid=nachreichen]").await;
    assert!(
        r.js("return !document.querySelector('[data-testid=nachreichung-freizeichnung]')")
            .await
            .and_then(|v| v.as_bool())
            .unwrap_or(false),
        "no more warning once signed again"
    );
    r.absenden("[data-testid=nachreichen]").await;
    r.warte(
        "the Nachreichung",
        SEITE,
        "const s = document.querySelector('[data-testid=statuszeile]'); \
         return s && s.innerText.includes('Unterlagen nachgereicht');",
    )
    .await;
    r.zeige(None).await;
    r.bild("nachgereicht").await;
    let nr = mail_an(&smtp, SACHBEARBEITUNG, "Unterlagen nachgereicht").await;
    assert!(
        nr.text.contains("Fassung 2") && nr.text.contains("Unterlagen nachgereicht"),
        "{}",
        nr.text
    );
    r.abmelden().await;

    // --- 7. The case worker sees the change and declares the documents complete. ---------
    r.anmelden(SACHBEARBEITUNG, PASSWORT).await;
    r.gehe(&fall_pfad).await;
    r.warte_auf("[data-testid=formelle-pruefung]").await;
    r.folge("[data-testid=formelle-pruefung]").await;
    r.warte_auf("[data-testid=fassungsvergleich]").await;
    let diff = r.text("[data-testid=fassungsvergleich]").await;
    assert!(
        diff.contains("Änderungen von Fassung 1 zu Fassung 2"),
        "{diff}"
    );
    let ersetzt = r.text("[data-testid=diff-ersetzt]").await;
    assert!(
        ersetzt.contains("06_Schnitt")
            && ersetzt.contains("Version 1 → Version 2")
            && ersetzt.contains("14_Kurven_Schnitt_A-A.pdf"),
        "{ersetzt}"
    );
    let seite1 = r.text("[data-testid=diff-seite]").await;
    assert!(
        seite1.starts_with("Seite 1: "),
        "the differing page: {seite1}"
    );
    // 11 in Fassung 1 (the plan set, the scan, the Antragsformular), one replaced.
    assert!(diff.contains("10 Unterlage(n) unverändert"), "{diff}");
    r.zeige(Some("[data-testid=fassungsvergleich]")).await;
    r.bild_und_schmal("fassungsvergleich").await;
    r.folge("[data-testid=vollstaendig-oeffnen]").await;
    let folgen = r.text("[data-testid=vollstaendig-bestaetigen]").await;
    assert!(folgen.contains("Entscheidungsfrist beginnt"), "{folgen}");
    r.absenden("[data-testid=vollstaendig]").await;
    r.warte(
        "the documents to be declared complete",
        SEITE,
        "const s = document.querySelector('[data-testid=pruefung-status]'); \
         return s && s.innerText.includes('Vollständig');",
    )
    .await;
    r.zeige(None).await;
    let erfolg = r.text("[data-testid=erfolg]").await;
    assert!(
        erfolg.contains("als vollständig erklärt") && erfolg.contains("Beteiligung starten"),
        "{erfolg}"
    );
    r.bild("unterlagen_vollstaendig").await;
    for an in [ARCHITEKTIN, BAUHERR] {
        let m = mail_an(&smtp, an, "Antrag vollständig").await;
        assert!(
            m.text.contains("Die Unterlagen sind vollständig") && m.text.contains("Vollständig"),
            "{an}: {}",
            m.text
        );
    }

    // The timeline on the case page: every step, with its status in words.
    r.gehe(&fall_pfad).await;
    r.warte_auf("[data-testid=zeitleiste] [data-testid=ereignis]")
        .await;
    let verlauf = r
        .js("return Array.from(document.querySelectorAll('[data-testid=ereignis]')).map(e => [e.dataset.art, e.querySelector('td:last-child').innerText.trim()]).reverse()")
        .await
        .unwrap();
    let arten: Vec<&str> = verlauf
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e[0].as_str().unwrap())
        .collect();
    for art in [
        "einladung",
        "einladung_angenommen",
        "freizeichnung",
        "einreichen",
        "nachfordern",
        "freizeichnung_ungueltig",
        "nachreichen",
        "vollstaendig_erklaeren",
    ] {
        assert!(arten.contains(&art), "{art} in the timeline: {verlauf}");
    }
    // The status column speaks words in the order the case went; no portal code (14, 17 …)
    // stands in it — those are for XBau and the API.
    let status: Vec<&str> = verlauf
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e[1].as_str())
        .filter(|s| !s.is_empty())
        .collect();
    assert!(
        status
            .iter()
            .all(|s| !s.starts_with(|c: char| c.is_ascii_digit())),
        "{verlauf}"
    );
    let mut ab = 0;
    for wort in [
        "Eingegangen",
        "Unterlagen nachgefordert",
        "Unterlagen nachgereicht",
        "Vollständig",
    ] {
        let i = status[ab..]
            .iter()
            .position(|s| *s == wort)
            .unwrap_or_else(|| panic!("{wort} after entry {ab}: {verlauf}"));
        ab += i + 1;
    }
    assert!(
        arten.contains(&"angelegt"),
        "the timeline starts with the case: {verlauf}"
    );
    r.zeige(Some("[data-testid=zeitleiste]")).await;
    r.bild_und_schmal("verlauf").await;

    eprintln!(
        "antrag_journey ({backend}): pipeline over the upload {pipeline_dauer:?}, new version {neue_version_dauer:?}, whole journey {:?}; screenshots in {}",
        gesamt.elapsed(),
        bilder.display()
    );
    r.browser.client.clone().close().await.unwrap();
}
