//! The real binary end to end: configuration errors, the admin commands, the all-in-one
//! process on embedded defaults, and the scaled-out topology (separate server and worker
//! processes, S3 document store, SMTP mail) against real servers on loopback.

mod common;

use common::{Site, wait_ready};
use plankammer_tests::s3::S3Server;
use plankammer_tests::smtp::SmtpServer;
use plankammer_tests::{free_port, login_at, wait_for};
use std::time::Duration;

#[tokio::test]
async fn a_wrong_setting_stops_start_up_naming_the_variable() {
    let site = Site::new().await;
    for (var, value) in [
        ("DATABASE_URL", "mysql://localhost/x"),
        ("OBJECT_STORE_URL", "ftp://dokumente"),
        ("MAIL_URL", "pigeon://x"),
        ("BIND", "überall"),
        ("WORKER_CONCURRENCY", "viele"),
        ("JOB_LEASE_MS", "5"),
        ("PUBLIC_URL", "ftp://x"),
        ("LOG_FORMAT", "xml"),
        ("MAIL_FROM", "kein absender"),
        ("TRUST_PROXY", "vielleicht"),
        ("TRUST_PROXY", "9"),
        ("OIDC_ANBIETER", "Groß"),
    ] {
        let (code, out) = site.run(&["migrate"], &[(var, value.to_string())]);
        assert_eq!(code, 2, "{var}={value}: {out}");
        assert!(out.contains(var), "{var} named in: {out}");
        assert!(out.contains("Konfigurationsfehler"));
    }
}

/// `plankammer xbau pruefen`: offline, one line per file, exit code 1 when one is not
/// valid; an XML bomb is refused before the parser.
#[tokio::test]
async fn xbau_messages_are_checked_offline_against_the_schemas() {
    use plankammer_xbau::nachrichten::*;
    let site = Site::new().await;
    let ordner = site.dir.path();
    let behoerde = |k: &str| Behoerde {
        verzeichnisdienst: "DVDV".into(),
        kennung: k.into(),
        name: k.into(),
    };
    let gueltig = eingangsbestaetigung(&Eingangsbestaetigung {
        kopf: Kopf {
            uuid: neue_uuid(),
            erstellt: chrono::Utc::now(),
            autor: behoerde("bauaufsicht"),
            leser: behoerde("portal"),
        },
        bezug: Bezug::default(),
        information: None,
    });
    std::fs::write(ordner.join("gut.xml"), &gueltig).unwrap();
    std::fs::write(
        ordner.join("bombe.xml"),
        "<?xml version=\"1.0\"?><!DOCTYPE a [<!ENTITY a \"aaaa\"><!ENTITY b \"&a;&a;&a;&a;\">]><a>&b;</a>",
    )
    .unwrap();
    std::fs::write(
        ordner.join("falsch.xml"),
        gueltig.replace("<nachrichtenkopf.g2g>", "<fremd/><nachrichtenkopf.g2g>"),
    )
    .unwrap();
    let pfad = |n: &str| ordner.join(n).display().to_string();
    let (code, out) = site.run(&["xbau", "pruefen", &pfad("gut.xml")], &[]);
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("gültig: prozessnachrichten.eingangsbestaetigung.1120"),
        "{out}"
    );
    let (code, out) = site.run(
        &[
            "xbau",
            "pruefen",
            &pfad("gut.xml"),
            &pfad("bombe.xml"),
            &pfad("falsch.xml"),
        ],
        &[],
    );
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("bombe.xml: ungültig\n  X000"), "{out}");
    assert!(out.contains("falsch.xml: ungültig\n  X001"), "{out}");
    assert!(
        out.contains("fremd"),
        "the finding names the element: {out}"
    );
    // With --antworten, each refused message gets its refusal (1100), itself valid.
    let antworten = ordner.join("antworten");
    let (code, out) = site.run(
        &[
            "xbau",
            "pruefen",
            "--antworten",
            &antworten.display().to_string(),
            &pfad("falsch.xml"),
        ],
        &[],
    );
    assert_eq!(code, 1, "{out}");
    let zurueck = antworten.join("falsch.xml.1100.xml");
    let xml = std::fs::read_to_string(&zurueck).expect("the refusal is written");
    assert!(xml.contains("<code>X001</code>"), "{xml}");
    let (code, out) = site.run(&["xbau", "pruefen", &zurueck.display().to_string()], &[]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("rueckweisung.G2G.1100"));
}

/// `plankammer xbau partner`, `ordner` and `import`: a portal is registered at the console,
/// its Bauantrag (the development fixture, with its two plans beside it) arrives in the
/// inbox folder and becomes a submitted case; the answers are written to the outbox folder,
/// each valid; the same message imported again is refused as a duplicate (S050).
#[tokio::test]
async fn a_bauantrag_arrives_through_the_folder_adapter_and_again_through_import() {
    let site = Site::new().await;
    let (code, out) = site.run(&["demo", "--nur-daten"], &[]);
    assert_eq!(code, 0, "{out}");
    let slug = "bauaufsicht-musterstadt";
    let (code, out) = site.run(
        &[
            "tenant",
            "xbau-kennung",
            "--slug",
            slug,
            "--kennung",
            "bau:06611000",
        ],
        &[],
    );
    assert_eq!(code, 0, "{out}");
    let (code, out) = site.run(
        &[
            "xbau",
            "partner",
            "--tenant",
            slug,
            "--art",
            "portal",
            "--name",
            "Bauportal Hessen",
            "--kennung",
            "psw:0600000001",
        ],
        &[],
    );
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("pkx_"), "the secret is printed once: {out}");
    let fixtures = plankammer_tests::repo_root().join("services/xbau/tests/nachrichten");
    let eingang = site.dir.path().join("eingang");
    let ausgang = site.dir.path().join("ausgang");
    std::fs::create_dir_all(eingang.join("antrag")).unwrap();
    std::fs::copy(
        fixtures.join("entwicklung-0200.xml"),
        eingang.join("antrag.xml"),
    )
    .unwrap();
    for f in ["grundriss.pdf", "stellplatznachweis.pdf"] {
        std::fs::copy(
            fixtures.join("anlagen").join(f),
            eingang.join("antrag").join(f),
        )
        .unwrap();
    }
    let ordner = |e: &std::path::Path, a: &std::path::Path| {
        site.run(
            &[
                "xbau",
                "ordner",
                "--tenant",
                slug,
                "--partner",
                "psw:0600000001",
                "--eingang",
                &e.display().to_string(),
                "--ausgang",
                &a.display().to_string(),
                "--einmal",
            ],
            &[],
        )
    };
    let (code, out) = ordner(&eingang, &ausgang);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("angenommen: 1, zurückgewiesen: 0"), "{out}");
    assert!(eingang.join("angenommen/antrag.xml").is_file());
    assert!(eingang.join("angenommen/antrag/grundriss.pdf").is_file());
    let mut antworten: Vec<String> = std::fs::read_dir(&ausgang)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "xml"))
        .map(|p| p.display().to_string())
        .collect();
    antworten.sort();
    let alle = antworten
        .iter()
        .map(|a| std::fs::read_to_string(a).unwrap())
        .collect::<String>();
    assert!(alle.contains("eingangsbestaetigung.1120"), "{antworten:?}");
    assert!(alle.contains("aktenzeichen.1121"), "{antworten:?}");
    let mut args = vec!["xbau", "pruefen"];
    args.extend(antworten.iter().map(String::as_str));
    let (code, out) = site.run(&args, &[]);
    assert_eq!(code, 0, "{out}");
    // Delivered once: the next round writes nothing new.
    let (code, out) = ordner(&eingang, &ausgang);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("zugestellt: 0"), "{out}");
    // The same message through `xbau import`: refused as a duplicate, nothing twice.
    let (code, out) = site.run(
        &[
            "xbau",
            "import",
            "--tenant",
            slug,
            &eingang.join("angenommen/antrag.xml").display().to_string(),
            &eingang
                .join("angenommen/antrag/grundriss.pdf")
                .display()
                .to_string(),
            &eingang
                .join("angenommen/antrag/stellplatznachweis.pdf")
                .display()
                .to_string(),
        ],
        &[],
    );
    assert_ne!(code, 0, "{out}");
    assert!(out.contains("S050"), "{out}");
    let db = site.db().await;
    let tenant = db.tenant_by_slug(slug).await.unwrap();
    let p = db
        .xbau_partner_mit_kennung(tenant.id, "psw:0600000001")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(db.vorgaenge_des_partners(p.id).await.unwrap().len(), 1);
}

/// `plankammer xbau export`: a real case's messages (the demo's complete case: submitted,
/// checked, complete) are written, each valid, and read back valid by `xbau pruefen`.
#[tokio::test]
async fn a_cases_xbau_messages_are_exported_valid() {
    let site = Site::new().await;
    let (code, out) = site.run(&["demo", "--nur-daten"], &[]);
    assert_eq!(code, 0, "{out}");
    // The operator registers the authority's DVDV identifier: the author of its messages.
    let kennung = |k: &str| {
        site.run(
            &[
                "tenant",
                "xbau-kennung",
                "--slug",
                "bauaufsicht-musterstadt",
                "--kennung",
                k,
            ],
            &[],
        )
    };
    let (code, out) = kennung("bau:06999000");
    assert_eq!(code, 0, "{out}");
    let (code, out) = kennung("<böse>");
    assert_ne!(code, 0, "{out}");
    let db = site.db().await;
    let fall = site.demo_fall(&db).await;
    let ordner = site.dir.path().join("xbau");
    let (code, out) = site.run(
        &[
            "xbau",
            "export",
            "--vorgang",
            &fall.id.to_string(),
            "--ordner",
            &ordner.display().to_string(),
        ],
        &[],
    );
    assert_eq!(code, 0, "{out}");
    let mut dateien: Vec<String> = std::fs::read_dir(&ordner)
        .unwrap()
        .map(|e| e.unwrap().path().display().to_string())
        .collect();
    dateien.sort();
    assert!(dateien[0].ends_with("01_prozessnachrichten.eingangsbestaetigung.1120.xml"));
    assert!(dateien[1].ends_with("02_prozessnachrichten.aktenzeichen.1121.xml"));
    let status: Vec<&String> = dateien
        .iter()
        .filter(|d| d.contains("statusFuerAntragsportal.1170"))
        .collect();
    assert!(status.len() >= 2, "one per change of state: {dateien:?}");
    // The formelle Prüfung ended with the documents complete.
    let pruefung: Vec<String> = dateien
        .iter()
        .filter(|d| d.contains("formellePruefung.0201"))
        .map(|d| std::fs::read_to_string(d).unwrap())
        .collect();
    assert!(
        pruefung
            .iter()
            .any(|x| x.contains("<xbau:antragVollstaendig>true</xbau:antragVollstaendig>")),
        "{pruefung:?}"
    );
    let az = fall.aktenzeichen.unwrap().to_string();
    let eingang = std::fs::read_to_string(&dateien[0]).unwrap();
    assert!(
        eingang.contains(&format!("<vorgang>{az}</vorgang>")),
        "{eingang}"
    );
    assert!(
        eingang.contains("<kennung>bau:06999000</kennung><name>Bauaufsicht Musterstadt"),
        "the author is the registered authority: {eingang}"
    );
    let mut args = vec!["xbau", "pruefen"];
    args.extend(dateien.iter().map(String::as_str));
    let (code, out) = site.run(&args, &[]);
    assert_eq!(code, 0, "{out}");
    assert_eq!(out.matches("gültig:").count(), dateien.len(), "{out}");
    // The same case exported again gives the same messages (stable UUIDs).
    let (code, _) = site.run(
        &[
            "xbau",
            "export",
            "--vorgang",
            &fall.id.to_string(),
            "--ordner",
            &site.dir.path().join("xbau2").display().to_string(),
        ],
        &[],
    );
    assert_eq!(code, 0);
    let zweit = std::fs::read_to_string(
        site.dir
            .path()
            .join("xbau2/01_prozessnachrichten.eingangsbestaetigung.1120.xml"),
    )
    .unwrap();
    assert_eq!(zweit, eingang);
}

#[tokio::test]
async fn admin_commands_create_tenants_and_users() {
    let site = Site::new().await;
    let (code, out) = site.run(&["migrate"], &[]);
    assert_eq!(code, 0, "{out}");
    let (code, out) = site.run(
        &[
            "tenant",
            "add",
            "--slug",
            "bauaufsicht-kassel",
            "--name",
            "Bauaufsicht Kassel",
        ],
        &[],
    );
    assert_eq!(code, 0, "{out}");
    let (code, out) = site.run(&["tenant", "add", "--slug", "Kassel!", "--name", "x"], &[]);
    assert_ne!(code, 0);
    assert!(out.contains("Kürzel"), "{out}");
    let pw = [(
        "PLANKAMMER_PASSWORD",
        "ein-sehr-langes-passwort".to_string(),
    )];
    let (code, out) = site.run(
        &[
            "user",
            "add",
            "--tenant",
            "bauaufsicht-kassel",
            "--email",
            "bea@kassel.de",
            "--name",
            "Bea",
            "--role",
            "bauaufsicht",
        ],
        &pw,
    );
    assert_eq!(code, 0, "{out}");
    let (code, out) = site.run(
        &[
            "user",
            "add",
            "--tenant",
            "bauaufsicht-kassel",
            "--email",
            "bea@kassel.de",
            "--name",
            "Bea",
            "--role",
            "bauaufsicht",
        ],
        &pw,
    );
    assert_ne!(code, 0);
    assert!(out.contains("bereits ein Konto"), "{out}");
    let (code, out) = site.run(
        &[
            "user",
            "add",
            "--tenant",
            "bauaufsicht-kassel",
            "--email",
            "x@kassel.de",
            "--name",
            "X",
            "--role",
            "chef",
        ],
        &pw,
    );
    assert_ne!(code, 0);
    assert!(out.contains("unknown role"), "{out}");
    let (_, out) = site.run(&["tenant", "list"], &[]);
    assert!(
        out.contains("bauaufsicht-kassel\tBauaufsicht Kassel"),
        "{out}"
    );
    // Stellen: a Land-wide one every tenant may ask, staffed with a Fachstelle account;
    // a Bauaufsicht account cannot work for a Stelle, a made-up AGS is refused.
    let (code, out) = site.run(
        &[
            "user",
            "add",
            "--tenant",
            "bauaufsicht-kassel",
            "--email",
            "denkmal@lfd.de",
            "--name",
            "Dora",
            "--role",
            "fachstelle",
        ],
        &pw,
    );
    assert_eq!(code, 0, "{out}");
    let (code, out) = site.run(
        &[
            "stelle",
            "add",
            "--name",
            "Landesamt für Denkmalpflege Hessen",
            "--rechtsbereich",
            "Denkmalschutz",
        ],
        &[],
    );
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("landesweit"), "{out}");
    let id: String = out
        .trim_start_matches("Stelle ")
        .split(' ')
        .next()
        .unwrap()
        .to_string();
    let (code, out) = site.run(
        &[
            "stelle",
            "mitglied",
            "--stelle",
            &id,
            "--email",
            "bea@kassel.de",
        ],
        &[],
    );
    assert_ne!(code, 0);
    assert!(out.contains("Rolle Fachstelle"), "{out}");
    let (code, out) = site.run(
        &[
            "stelle",
            "mitglied",
            "--stelle",
            &id,
            "--email",
            "denkmal@lfd.de",
        ],
        &[],
    );
    assert_eq!(code, 0, "{out}");
    let (code, out) = site.run(
        &[
            "stelle",
            "add",
            "--name",
            "Gemeinde",
            "--tenant",
            "bauaufsicht-kassel",
            "--gemeinde",
            "06999999",
        ],
        &[],
    );
    assert_ne!(code, 0);
    assert!(out.contains("Gemeinde aus der Liste"), "{out}");
    let (_, out) = site.run(&["stelle", "list"], &[]);
    assert!(
        out.contains(&format!(
            "{id}\tlandesweit\tLandesamt für Denkmalpflege Hessen\t1 Mitglied"
        )),
        "{out}"
    );
    let (code, out) = site.run(&["jobs", "probe", "--ms", "10"], &[]);
    assert_eq!(code, 0, "{out}");
    let (_, out) = site.run(&["jobs", "list", "--state", "queued"], &[]);
    assert!(out.contains("diag.warten"), "{out}");
}

#[tokio::test(flavor = "multi_thread")]
async fn all_in_one_on_embedded_defaults_with_demo_data() {
    let site = Site::new().await;
    let port = free_port();
    let url = format!("http://127.0.0.1:{port}");
    // Embedded defaults: documents and mail in the data folder.
    let mut p = site.start(&["demo"], &[("BIND", format!("127.0.0.1:{port}"))], "demo");
    wait_ready(&url, &p).await;
    let out = p.output();
    for login in [
        "architektin@musterstadt.example",
        "sachbearbeitung@musterstadt.example",
        "brandschutz@musterstadt.example",
        "naturschutz@musterstadt.example",
        "gemeinde@musterstadt.example",
        "admin@musterstadt.example",
        "plankammer-demo",
    ] {
        assert!(out.contains(login), "demo login {login} printed:\n{out}");
    }
    assert!(
        out.contains(&site.dir.path().join("mail").display().to_string()),
        "mail folder printed"
    );

    let (c, r) = login_at(
        &url,
        "sachbearbeitung@musterstadt.example",
        "plankammer-demo",
    )
    .await;
    assert_eq!(r.status(), 303);
    let start = c
        .get(format!("{url}/start"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(start.contains("Aufgaben"));

    let mail_dir = site.dir.path().join("mail");
    // Six welcome mails; the two Stellen asked in the demo's Beteiligung, and the applicant
    // told of it.
    let betreffe = wait_for(
        "the demo's mails as .eml files",
        Duration::from_secs(20),
        || async {
            let mut betreffe: Vec<String> = std::fs::read_dir(&mail_dir)
                .ok()?
                .filter_map(|e| e.ok())
                .filter(|e| e.path().extension().is_some_and(|x| x == "eml"))
                .filter_map(|e| {
                    let text = std::fs::read_to_string(e.path()).ok()?;
                    text.lines()
                        .find_map(|l| l.strip_prefix("Subject: ").map(str::to_string))
                })
                .collect();
            betreffe.sort();
            (betreffe.len() >= 9).then_some(betreffe)
        },
    )
    .await;
    let willkommen = betreffe
        .iter()
        .filter(|b| b.contains("Zugang zu Plankammer"))
        .count();
    assert_eq!(willkommen, 6, "{betreffe:?}");
    let anfragen = betreffe
        .iter()
        .filter(|b| b.starts_with("Bitte um Stellungnahme"))
        .count();
    assert_eq!(anfragen, 2, "{betreffe:?}");
    assert_eq!(betreffe.len(), 9, "{betreffe:?}");
    assert_eq!(
        p.terminate(Duration::from_secs(30)),
        Some(0),
        "graceful shutdown:\n{}",
        p.output()
    );

    // Loading the demo data again changes nothing.
    let (code, out) = site.run(&["demo", "--nur-daten"], &[]);
    assert_eq!(code, 0, "{out}");
    let db = site.db().await;
    let t = db.tenant_by_slug("bauaufsicht-musterstadt").await.unwrap();
    assert_eq!(db.members_of_tenant(t.id).await.unwrap().len(), 6);
    // The complete case of the sample plans, ready for the Beteiligung, and the draft.
    let faelle = db
        .eingang(
            t.id,
            &plankammer_storage::antrag::EingangsFilter {
                limit: 50,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    // Only the submitted cases are in the inbox (not the draft): one complete, one in the
    // Beteiligung with its two requests.
    let mut zustaende: Vec<&str> = faelle.iter().map(|f| f.zustand.slug()).collect();
    zustaende.sort();
    assert_eq!(zustaende, vec!["beteiligung", "vollstaendig"], "{faelle:?}");
    for f in &faelle {
        assert!(f.aktenzeichen.is_some());
        assert_eq!(db.dokumente(f.id).await.unwrap().len(), 4);
    }
    assert_eq!(db.stellen_fuer(t.id).await.unwrap().len(), 4);
}

#[tokio::test(flavor = "multi_thread")]
async fn scaled_out_server_and_worker_with_s3_and_smtp() {
    let site = Site::new().await;
    let s3 = S3Server::start(site.dir.path()).await;
    s3.create_bucket("plankammer").await;
    let smtp = SmtpServer::start(0);
    let port = free_port();
    let url = format!("http://127.0.0.1:{port}");
    let mut extra: Vec<(&str, String)> = s3.env();
    extra.push(("OBJECT_STORE_URL", "s3://plankammer".into()));
    extra.push(("MAIL_URL", smtp.url()));
    extra.push(("BIND", format!("127.0.0.1:{port}")));
    extra.push(("PUBLIC_URL", "https://plankammer.example".into()));
    let (code, out) = site.run(&["migrate"], &extra);
    assert_eq!(code, 0, "{out}");
    let mut server = site.start(&["serve"], &extra, "serve");
    let mut worker = site.start(&["worker"], &extra, "worker");
    wait_ready(&url, &server).await;
    let ready: serde_json::Value = reqwest::get(format!("{url}/readyz"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(ready["dokumentenspeicher"], "ok", "S3 reachable");

    site.run(
        &[
            "tenant",
            "add",
            "--slug",
            "kassel",
            "--name",
            "Bauaufsicht Kassel",
        ],
        &extra,
    );
    let (code, out) = site.run(
        &[
            "user",
            "add",
            "--tenant",
            "kassel",
            "--email",
            "fachstelle@kassel.de",
            "--name",
            "Fe",
            "--role",
            "fachstelle",
        ],
        &[
            extra.clone(),
            vec![("PLANKAMMER_PASSWORD", "ein-sehr-langes-passwort".into())],
        ]
        .concat(),
    );
    assert_eq!(code, 0, "{out}");
    let mails = wait_for(
        "the worker to deliver the welcome mail over SMTP",
        Duration::from_secs(30),
        || async {
            let m = smtp.mails();
            (!m.is_empty()).then_some(m)
        },
    )
    .await;
    assert_eq!(mails[0].to, vec!["fachstelle@kassel.de".to_string()]);
    assert!(
        mails[0]
            .data
            .contains("https://plankammer.example/anmelden"),
        "links use PUBLIC_URL"
    );

    // The server holds no sessions in memory: a second server on the same database accepts
    // the session the first one issued.
    let port2 = free_port();
    let url2 = format!("http://127.0.0.1:{port2}");
    let mut extra2 = extra.clone();
    extra2.retain(|(k, _)| *k != "BIND");
    extra2.push(("BIND", format!("127.0.0.1:{port2}")));
    let mut server2 = site.start(&["serve"], &extra2, "serve-2");
    wait_ready(&url2, &server2).await;
    // The tenant made with `tenant add` requires a second factor of its staff: the
    // Fachstelle sets it up at this first login, and that opens the session.
    let (c, login) = login_at(&url, "fachstelle@kassel.de", "ein-sehr-langes-passwort").await;
    assert_eq!(login.headers()["location"], "/anmelden/zweiter-faktor");
    let (_, pair) = plankammer_tests::zweiter_faktor_einrichten_at(&c, &url).await;
    let other = reqwest::Client::new()
        .get(format!("{url2}/api/v1/me"))
        .header("cookie", pair)
        .send()
        .await
        .unwrap();
    assert_eq!(other.status(), 200, "session valid on the second server");

    for p in [&mut server, &mut server2, &mut worker] {
        assert_eq!(p.terminate(Duration::from_secs(30)), Some(0));
    }
}

/// The sandbox child, confined as before every untrusted file, cannot read a file outside
/// the OCR data, write one, make a socket or start a program; it can still read the OCR
/// data. Where the kernel offers Landlock (every CI machine does) file confinement must be
/// active.
#[tokio::test]
async fn the_sandbox_child_cannot_open_files_sockets_or_programs() {
    use plankammer_workers::einschluss::Selbsttest;
    use plankammer_workers::sandbox::{SandboxConfig, run};
    let mut cfg = SandboxConfig::for_program(env!("CARGO_BIN_EXE_plankammer").into());
    let tessdata = std::path::PathBuf::from("/usr/share/tesseract-ocr/5/tessdata");
    cfg.lesbar = Some(tessdata.clone());
    // A file the worker itself can read, outside the readable folder.
    let fremd = std::env::temp_dir().join(format!("plankammer-geheim-{}", std::process::id()));
    std::fs::write(&fremd, b"geheim").unwrap();
    assert!(std::fs::read(&fremd).is_ok());
    let leer = futures::stream::empty::<Result<bytes::Bytes, std::convert::Infallible>>();
    let datei = fremd.to_str().unwrap();
    let b: Selbsttest = run(&cfg, &["selbsttest", "--datei", datei], leer)
        .await
        .expect("self-test runs");
    assert!(b.einschluss.seccomp, "{b:?}");
    assert!(!b.socket, "no socket: {b:?}");
    assert!(!b.programm, "no program: {b:?}");
    let _ = std::fs::remove_file(&fremd);
    let kernel_abi = plankammer_workers::einschluss::kernel_landlock_abi();
    if kernel_abi > 0 || std::env::var("CI").is_ok_and(|v| v == "true") {
        assert!(
            b.einschluss.landlock_abi > 0,
            "Landlock offered but not active: {b:?}"
        );
        assert!(!b.datei_gelesen, "no file outside the OCR data: {b:?}");
        assert!(!b.datei_geschrieben, "no file written: {b:?}");
    }
    assert_eq!(
        b.lesbar_gelesen,
        Some(true),
        "the OCR data stays readable: {b:?}"
    );
    assert!(b.einschluss.vollstaendig() || kernel_abi <= 0);
}

/// The image ships what the server serves: every asset folder of
/// `plankammer_api::security::ASSET_ORDNER` is copied from the build stage to the same place
/// below `WEB_DIR` (a folder left out made the plan viewer fail in the image: pdf.js).
#[test]
fn the_image_copies_every_asset_folder_the_server_serves() {
    let root = plankammer_tests::repo_root();
    let dockerfile = std::fs::read_to_string(root.join("Dockerfile")).unwrap();
    assert!(dockerfile.contains("WEB_DIR=/opt/plankammer/web"));
    let mut fehlt = Vec::new();
    for (pfad, ordner) in plankammer_api::security::ASSET_ORDNER {
        assert!(
            root.join("web").join(ordner).is_dir(),
            "{pfad}: web/{ordner} is not there (scripts/setup.sh installs it)"
        );
        let zeile = format!("COPY --from=build /src/web/{ordner} /opt/plankammer/web/{ordner}");
        if !dockerfile.lines().any(|l| l.trim() == zeile) {
            fehlt.push(zeile);
        }
    }
    assert!(
        fehlt.is_empty(),
        "missing in the Dockerfile:\n{}",
        fehlt.join("\n")
    );
}

/// The image's runtime stage installs the Debian package of every shared library the
/// binary links (as `readelf -d` names them; the base image brings libc and libgcc), and
/// nothing for building: no compiler, no -dev package.
#[test]
fn the_image_runtime_has_the_libraries_the_binary_links_and_no_build_tools() {
    let root = plankammer_tests::repo_root();
    let dockerfile = std::fs::read_to_string(root.join("Dockerfile")).unwrap();
    let laufzeit = dockerfile.split("\nFROM ").last().expect("a runtime stage");
    let pakete: Vec<&str> = laufzeit
        .lines()
        .filter(|l| l.contains("apt-get install"))
        .flat_map(|l| l.split_whitespace())
        .collect();
    assert!(
        pakete
            .iter()
            .all(|p| !p.ends_with("-dev") && !["clang", "gcc", "cargo", "npm"].contains(p)),
        "{pakete:?}"
    );
    let elf = std::process::Command::new("readelf")
        .args(["-d", env!("CARGO_BIN_EXE_plankammer")])
        .output()
        .expect("readelf (binutils)");
    assert!(elf.status.success());
    let noetig: Vec<String> = String::from_utf8_lossy(&elf.stdout)
        .lines()
        .filter(|l| l.contains("(NEEDED)"))
        .filter_map(|l| l.split('[').nth(1)?.split(']').next().map(str::to_string))
        .collect();
    assert!(
        noetig.iter().any(|l| l.starts_with("libtesseract")),
        "{noetig:?}"
    );
    for lib in &noetig {
        // Where the linker found it on this (Debian) machine, and its package.
        let pfad = std::process::Command::new("sh")
            .args([
                "-c",
                &format!("ldconfig -p | awk '$1 == \"{lib}\" {{print $NF; exit}}'"),
            ])
            .output()
            .unwrap();
        let pfad = String::from_utf8_lossy(&pfad.stdout).trim().to_string();
        assert!(!pfad.is_empty(), "{lib} not found by ldconfig");
        let echt = std::fs::canonicalize(&pfad).unwrap();
        // dpkg knows a file under the path its package ships it at: /lib or /usr/lib.
        let paket = [pfad.clone(), echt.display().to_string()]
            .iter()
            .flat_map(|p| match p.strip_prefix("/usr") {
                Some(ohne) => [p.clone(), ohne.to_string()],
                None => [p.clone(), format!("/usr{p}")],
            })
            .find_map(|p| {
                let o = std::process::Command::new("dpkg")
                    .args(["-S", &p])
                    .output()
                    .ok()?;
                o.status.success().then(|| {
                    String::from_utf8_lossy(&o.stdout)
                        .split(':')
                        .next()
                        .unwrap()
                        .to_string()
                })
            })
            .unwrap_or_else(|| panic!("no Debian package owns {pfad}"));
        if ["libc6", "libgcc-s1"].contains(&paket.as_str()) {
            continue;
        }
        assert!(
            pakete.contains(&paket.as_str()),
            "{lib} ({paket}) is not installed in the image's runtime stage: {pakete:?}"
        );
    }
}

/// One process of a topology: its role (`postgres`, `s3`, `s3-bucket`, `smtp`, `migrate`,
/// `serve`, `worker`, `loadbalancer`) and, for Plankammer's own processes, the names of the
/// variables it is given.
type Dienst = (String, std::collections::BTreeSet<String>);

/// `compose.yaml`, read as far as the topology goes: services by indentation, the role from
/// the image (Plankammer's from its command), the variables of `x-plankammer`'s
/// `environment: &env` and what a service adds to it. Enough YAML for this file, no more.
fn compose_dienste(compose: &str) -> Result<Vec<Dienst>, String> {
    let einzug = |l: &str| l.len() - l.trim_start().len();
    let zeilen: Vec<&str> = compose
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.trim_start().starts_with('#'))
        .collect();
    let schluessel = |l: &str| l.trim().split(':').next().unwrap_or_default().to_string();
    // The block below line `i`: the lines indented deeper than it.
    let block = |i: usize| -> Vec<&str> {
        let e = einzug(zeilen[i]);
        zeilen[i + 1..]
            .iter()
            .take_while(|l| einzug(l) > e)
            .copied()
            .collect()
    };
    let anker = zeilen
        .iter()
        .position(|l| l.trim() == "environment: &env")
        .ok_or("compose.yaml: no `environment: &env` in x-plankammer")?;
    let gemeinsam: std::collections::BTreeSet<String> =
        block(anker).iter().map(|l| schluessel(l)).collect();
    let start = zeilen
        .iter()
        .position(|l| *l == "services:")
        .ok_or("compose.yaml: no services")?;
    let mut dienste = Vec::new();
    for (i, zeile) in zeilen.iter().enumerate().skip(start + 1) {
        if einzug(zeile) == 0 {
            break;
        }
        if einzug(zeile) != 2 {
            continue;
        }
        let name = schluessel(zeile);
        let inhalt = block(i);
        let feld = |k: &str| {
            inhalt
                .iter()
                .find(|l| einzug(l) == 4 && schluessel(l) == k)
                .map(|l| l.trim()[k.len() + 1..].trim().to_string())
        };
        if inhalt.iter().any(|l| l.trim() == "<<: *plankammer") {
            let befehl = feld("command").ok_or(format!("{name}: no command"))?;
            let rolle = befehl
                .trim_matches(|c| c == '[' || c == ']')
                .split(',')
                .next()
                .unwrap_or_default()
                .trim()
                .trim_matches('"')
                .to_string();
            let mut variablen = gemeinsam.clone();
            if let Some(j) = inhalt
                .iter()
                .position(|l| einzug(l) == 4 && l.trim() == "environment:")
            {
                let e = einzug(inhalt[j]);
                for l in inhalt[j + 1..].iter().take_while(|l| einzug(l) > e) {
                    if l.trim() != "<<: *env" {
                        variablen.insert(schluessel(l));
                    }
                }
            }
            dienste.push((rolle, variablen));
            continue;
        }
        let bild = feld("image").ok_or(format!("{name}: no image"))?;
        let rolle = match bild.as_str() {
            b if b.starts_with("postgres") => "postgres",
            b if b.starts_with("minio/minio") => "s3",
            b if b.starts_with("minio/mc") => "s3-bucket",
            b if b.contains("mailpit") => "smtp",
            b if b.starts_with("caddy") => "loadbalancer",
            b => return Err(format!("{name}: image {b} has no role here yet")),
        };
        dienste.push((rolle.to_string(), Default::default()));
    }
    dienste.sort();
    Ok(dienste)
}

/// `scripts/cluster.sh`, read the same way: every `starte NAME …` (a process) and `einmal
/// NAME …` (a step) line is one service, its role the name without a `-N` suffix; a
/// Plankammer process gets the names of the `PLANKAMMER_ENV=(…)` array, and of
/// `WORKER_ENV=(…)` where the line passes it, and must run the subcommand of its role.
fn skript_dienste(skript: &str) -> Result<Vec<Dienst>, String> {
    let feld = |name: &str| -> Result<std::collections::BTreeSet<String>, String> {
        let kopf = format!("{name}=(");
        let mut zeilen = skript.lines().skip_while(|l| l.trim() != kopf);
        if zeilen.next().is_none() {
            return Err(format!("scripts/cluster.sh: no {kopf}"));
        }
        Ok(zeilen
            .take_while(|l| l.trim() != ")")
            .map(|l| {
                l.trim()
                    .trim_start_matches('"')
                    .split('=')
                    .next()
                    .unwrap_or_default()
                    .to_string()
            })
            .collect())
    };
    let gemeinsam = feld("PLANKAMMER_ENV")?;
    let worker = feld("WORKER_ENV")?;
    let mut dienste = Vec::new();
    for zeile in skript.lines().map(str::trim) {
        let mut woerter = zeile.split_whitespace();
        if !matches!(woerter.next(), Some("starte" | "einmal")) {
            continue;
        }
        let name = woerter.next().ok_or(format!("no name: {zeile}"))?;
        let rolle = match name.rsplit_once('-') {
            Some((r, n)) if n.chars().all(|c| c.is_ascii_digit()) => r,
            _ => name,
        };
        let mut variablen = std::collections::BTreeSet::new();
        if ["migrate", "serve", "worker"].contains(&rolle) {
            if zeile.split_whitespace().last() != Some(rolle) {
                return Err(format!("{name} does not run `plankammer {rolle}`: {zeile}"));
            }
            if zeile.contains("\"${PLANKAMMER_ENV[@]}\"") {
                variablen.extend(gemeinsam.iter().cloned());
            }
            if zeile.contains("\"${WORKER_ENV[@]}\"") {
                variablen.extend(worker.iter().cloned());
            }
        }
        dienste.push((rolle.to_string(), variablen));
    }
    dienste.sort();
    Ok(dienste)
}

/// `scripts/cluster.sh` runs what `compose.yaml` describes: the same services (PostgreSQL,
/// S3 and its bucket, SMTP, migrate, two servers, two workers, the load balancer) and the
/// same Plankammer variables for each (names; the values differ by host).
#[test]
fn the_cluster_script_runs_the_topology_of_compose() {
    let root = plankammer_tests::repo_root();
    let compose = compose_dienste(&std::fs::read_to_string(root.join("compose.yaml")).unwrap())
        .unwrap_or_else(|e| panic!("{e}"));
    let skript = skript_dienste(&std::fs::read_to_string(root.join("scripts/cluster.sh")).unwrap())
        .unwrap_or_else(|e| panic!("{e}"));
    let rollen = |d: &[Dienst]| d.iter().map(|(r, _)| r.clone()).collect::<Vec<_>>();
    assert_eq!(
        rollen(&compose),
        [
            "loadbalancer",
            "migrate",
            "postgres",
            "s3",
            "s3-bucket",
            "serve",
            "serve",
            "smtp",
            "worker",
            "worker"
        ],
        "compose.yaml read as expected"
    );
    let serve = &compose.iter().find(|(r, _)| r == "serve").unwrap().1;
    for v in [
        "DATABASE_URL",
        "OBJECT_STORE_URL",
        "MAIL_URL",
        "PUBLIC_URL",
        "BIND",
    ] {
        assert!(serve.contains(v), "{v} read from compose.yaml: {serve:?}");
    }
    assert_eq!(rollen(&compose), rollen(&skript), "the same services");
    for ((rolle, c), (_, s)) in compose.iter().zip(&skript) {
        assert_eq!(
            c,
            s,
            "{rolle}: only in compose.yaml {:?}, only in scripts/cluster.sh {:?}",
            c.difference(s).collect::<Vec<_>>(),
            s.difference(c).collect::<Vec<_>>()
        );
    }
}

/// The comparison above notices a variable the script forgot, a server only one side has,
/// and a process that runs the wrong subcommand.
#[test]
fn the_topology_comparison_notices_what_differs() {
    let root = plankammer_tests::repo_root();
    let compose = std::fs::read_to_string(root.join("compose.yaml")).unwrap();
    let skript = std::fs::read_to_string(root.join("scripts/cluster.sh")).unwrap();
    let c = compose_dienste(&compose).unwrap();
    assert_eq!(c, skript_dienste(&skript).unwrap());
    let ohne_variable: String = skript
        .lines()
        .filter(|l| !l.trim().starts_with("\"TRUST_PROXY="))
        .map(|l| format!("{l}\n"))
        .collect();
    assert_ne!(c, skript_dienste(&ohne_variable).unwrap());
    let dritter_server = compose.replace(
        "  serve-2:\n",
        "  serve-3:\n    <<: *plankammer\n    command: [\"serve\"]\n  serve-2:\n",
    );
    assert_ne!(
        compose_dienste(&dritter_server).unwrap(),
        skript_dienste(&skript).unwrap()
    );
    let worker_statt_server = skript.replacen("\"$BIN\" serve\n", "\"$BIN\" worker\n", 1);
    assert!(skript_dienste(&worker_statt_server).is_err());
    let unbekannt = compose.replace("image: axllent/mailpit", "image: anderer/fänger");
    assert!(compose_dienste(&unbekannt).is_err());
}
