//! What the browser journeys share: mails as people read them (decoded from what the real
//! SMTP server received) and a browser session with the few gestures a journey needs.

#![allow(dead_code)]

use fantoccini::{Client, Locator};
use plankammer_tests::browser::Browser;
use plankammer_tests::smtp::{ReceivedMail, SmtpServer};
use plankammer_tests::wait_for;
use serde_json::Value;
use std::path::PathBuf;
use std::time::{Duration, Instant};

/// One page load or form answer.
pub const SEITE: Duration = Duration::from_secs(30);
/// A mail through the outbox, the worker and SMTP.
pub const MAIL: Duration = Duration::from_secs(60);

// --- Mail ---------------------------------------------------------------------------------

/// A received mail, decoded: recipients, subject and the text part.
#[derive(Debug, Clone)]
pub struct Mail {
    pub to: Vec<String>,
    pub subject: String,
    pub text: String,
}

pub fn base64_decode(s: &str) -> Vec<u8> {
    let wert = |c: u8| match c {
        b'A'..=b'Z' => Some(c - b'A'),
        b'a'..=b'z' => Some(c - b'a' + 26),
        b'0'..=b'9' => Some(c - b'0' + 52),
        b'+' => Some(62),
        b'/' => Some(63),
        _ => None,
    };
    let mut out = Vec::new();
    let (mut puffer, mut bits) = (0u32, 0u32);
    for v in s.bytes().filter_map(wert) {
        puffer = (puffer << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push(((puffer >> bits) & 0xff) as u8);
        }
    }
    out
}

/// Quoted-printable; `unterstrich_ist_leer` for the Q encoding of header words.
fn qp_decode(s: &str, unterstrich_ist_leer: bool) -> Vec<u8> {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let hex = b
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match b[i] {
            b'=' if b[i + 1..].starts_with(b"\r\n") => i += 3,
            b'=' if b[i + 1..].starts_with(b"\n") => i += 2,
            b'=' if hex.is_some() => {
                out.extend(hex);
                i += 3;
            }
            b'_' if unterstrich_ist_leer => {
                out.push(b' ');
                i += 1;
            }
            c => {
                out.push(c);
                i += 1;
            }
        }
    }
    out
}

/// A header value with RFC 2047 encoded words decoded (adjacent words joined first, so a
/// character split between two words survives).
fn header_decode(v: &str) -> String {
    let mut out = String::new();
    let mut bytes: Vec<u8> = Vec::new();
    let mut rest = v;
    while let Some(start) = rest.find("=?") {
        let zwischen = &rest[..start];
        // Blanks between two encoded words do not count.
        if !zwischen.trim().is_empty() || bytes.is_empty() {
            out.push_str(&String::from_utf8_lossy(&std::mem::take(&mut bytes)));
            out.push_str(zwischen);
        }
        let teile: Vec<&str> = rest[start + 2..].splitn(3, '?').collect();
        let Some(ende) = teile.get(2).and_then(|t| t.find("?=")) else {
            break;
        };
        let daten = &teile[2][..ende];
        if teile[1].eq_ignore_ascii_case("b") {
            bytes.extend(base64_decode(daten));
        } else {
            bytes.extend(qp_decode(daten, true));
        }
        rest = &rest[start + 2 + teile[0].len() + 1 + teile[1].len() + 1 + ende + 2..];
    }
    out.push_str(&String::from_utf8_lossy(&bytes));
    out.push_str(rest);
    out
}

/// Header block into (lower-case name, unfolded value) pairs.
fn kopfzeilen(block: &str) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    for zeile in block.lines() {
        if zeile.starts_with([' ', '\t']) {
            if let Some(letzte) = out.last_mut() {
                letzte.1.push(' ');
                letzte.1.push_str(zeile.trim());
            }
        } else if let Some((k, v)) = zeile.split_once(':') {
            out.push((k.trim().to_ascii_lowercase(), v.trim().to_string()));
        }
    }
    out
}

fn kopf<'a>(k: &'a [(String, String)], name: &str) -> &'a str {
    k.iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.as_str())
        .unwrap_or("")
}

fn teile_kopf_und_rumpf(s: &str) -> (&str, &str) {
    s.split_once("\r\n\r\n")
        .or_else(|| s.split_once("\n\n"))
        .unwrap_or((s, ""))
}

/// The decoded text of a single part (by its Content-Transfer-Encoding).
fn rumpf_decode(k: &[(String, String)], rumpf: &str) -> String {
    let cte = kopf(k, "content-transfer-encoding").to_ascii_lowercase();
    let bytes = match cte.as_str() {
        "base64" => base64_decode(rumpf),
        "quoted-printable" => qp_decode(rumpf, false),
        _ => rumpf.as_bytes().to_vec(),
    };
    String::from_utf8_lossy(&bytes).replace("\r\n", "\n")
}

impl Mail {
    pub fn aus(m: &ReceivedMail) -> Mail {
        let (kopfblock, rumpf) = teile_kopf_und_rumpf(&m.data);
        let k = kopfzeilen(kopfblock);
        let subject = header_decode(kopf(&k, "subject"));
        let typ = kopf(&k, "content-type").to_string();
        let text = match typ.split("boundary=").nth(1) {
            Some(b) => {
                let grenze = format!(
                    "--{}",
                    b.split(';').next().unwrap_or("").trim().trim_matches('"')
                );
                rumpf
                    .split(grenze.as_str())
                    .filter_map(|teil| {
                        let (kb, r) = teile_kopf_und_rumpf(teil.trim_start_matches(['\r', '\n']));
                        let tk = kopfzeilen(kb);
                        kopf(&tk, "content-type")
                            .to_ascii_lowercase()
                            .starts_with("text/plain")
                            .then(|| rumpf_decode(&tk, r))
                    })
                    .next()
                    .unwrap_or_default()
            }
            None => rumpf_decode(&k, rumpf),
        };
        Mail {
            to: m.to.clone(),
            subject,
            text,
        }
    }
}

/// Waits for the mail to `an` whose subject starts with `betreff`.
pub async fn mail_an(smtp: &SmtpServer, an: &str, betreff: &str) -> Mail {
    wait_for(
        &format!("the mail „{betreff}…“ to {an}"),
        MAIL,
        || {
            let m = smtp
                .mails()
                .iter()
                .map(Mail::aus)
                .find(|m| m.to.iter().any(|t| t == an) && m.subject.starts_with(betreff));
            async move { m }
        },
    )
    .await
}

// --- Browser ------------------------------------------------------------------------------

pub struct Reise {
    pub browser: Browser,
    pub url: String,
    pub ordner: String,
    pub bilder: std::cell::Cell<u32>,
    /// The pages (paths with ids as "N") already checked with axe-core.
    pub gepruefte_seiten: std::cell::RefCell<std::collections::HashSet<String>>,
    /// Each person's authenticator app: the TOTP secret and the last time step used.
    pub apps: std::cell::RefCell<std::collections::HashMap<String, (Vec<u8>, i64)>>,
}

impl Reise {
    pub fn neu(browser: Browser, url: String, ordner: String) -> Reise {
        Reise {
            browser,
            url,
            ordner,
            bilder: std::cell::Cell::new(0),
            gepruefte_seiten: Default::default(),
            apps: Default::default(),
        }
    }

    /// The first time the journey stands on a page (its path, ids as "N"), axe-core checks
    /// it: every page a journey visits is checked, not only the ones it photographs.
    async fn axe_bei_neuer_seite(&self) {
        let Ok(url) = self.b().current_url().await else {
            return;
        };
        let muster: String = url
            .path()
            .split('/')
            .map(|t| {
                if !t.is_empty() && t.chars().all(|c| c.is_ascii_digit()) {
                    "N"
                } else {
                    t
                }
            })
            .collect::<Vec<_>>()
            .join("/");
        if !self.gepruefte_seiten.borrow_mut().insert(muster) {
            return;
        }
        let befunde = self.browser.axe().await;
        assert!(
            befunde.is_empty(),
            "axe-core findings on {} (first visit):\n{}",
            url.path(),
            befunde.join("\n")
        );
    }

    pub fn b(&self) -> &Client {
        &self.browser.client
    }

    /// Runs `script` in the page; `None` while the page is being replaced.
    pub async fn js(&self, script: &str) -> Option<Value> {
        self.b().execute(script, vec![]).await.ok()
    }

    /// Polls `script` (a function body that returns a value) until it returns something other
    /// than `null`, `false` or `undefined`, and returns that.
    pub async fn warte(&self, was: &str, timeout: Duration, script: &str) -> Value {
        let start = Instant::now();
        loop {
            if let Some(v) = self.js(script).await
                && !v.is_null()
                && v != Value::Bool(false)
            {
                return v;
            }
            if start.elapsed() > timeout {
                let body = self
                    .js("return document.body ? document.body.innerText : ''")
                    .await
                    .unwrap_or_default();
                let pfad = self.b().current_url().await.map(|u| u.to_string());
                panic!(
                    "timed out after {timeout:?} waiting for {was}; at {pfad:?}:\n{}",
                    body.as_str().unwrap_or("")
                );
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    /// Waits for an element, then gives the page a moment to settle.
    pub async fn warte_auf(&self, css: &str) {
        let script = format!(
            "return document.readyState === 'complete' && !!document.querySelector({css:?})"
        );
        self.warte(css, SEITE, &script).await;
        self.axe_bei_neuer_seite().await;
    }

    pub async fn gehe(&self, pfad: &str) {
        self.b()
            .goto(&format!("{}{pfad}", self.url))
            .await
            .unwrap_or_else(|e| panic!("open {pfad}: {e}"));
    }

    pub async fn pfad(&self) -> String {
        self.b().current_url().await.unwrap().path().to_string()
    }

    /// Submits the form of the element `css` (a button below the fold, as a click would;
    /// the button is the submitter, so its name and value are sent).
    pub async fn absenden(&self, css: &str) {
        let script = format!(
            "const e = document.querySelector({css:?}); if (!e) return false; \
             const f = e.tagName === 'FORM' ? e : e.form; \
             if (e.tagName === 'BUTTON') f.requestSubmit(e); else f.requestSubmit(); return true;"
        );
        let ok = self.js(&script).await;
        assert_eq!(ok, Some(Value::Bool(true)), "no form at {css}");
    }

    /// Follows a link (or clicks a control) wherever it is on the page.
    pub async fn folge(&self, css: &str) {
        let script = format!(
            "const e = document.querySelector({css:?}); if (!e) return false; e.click(); return true;"
        );
        let ok = self.js(&script).await;
        assert_eq!(ok, Some(Value::Bool(true)), "nothing to click at {css}");
    }

    pub async fn tippe(&self, id: &str, text: &str) {
        let e = self
            .b()
            .find(Locator::Id(id))
            .await
            .unwrap_or_else(|e| panic!("#{id}: {e}"));
        e.clear().await.unwrap();
        e.send_keys(text).await.unwrap();
    }

    pub async fn waehle(&self, id: &str, wert: &str) {
        self.b()
            .find(Locator::Id(id))
            .await
            .unwrap_or_else(|e| panic!("#{id}: {e}"))
            .select_by_value(wert)
            .await
            .unwrap_or_else(|e| panic!("#{id} = {wert}: {e}"));
    }

    pub async fn text(&self, css: &str) -> String {
        let script =
            format!("const e = document.querySelector({css:?}); return e ? e.innerText : null");
        self.js(&script)
            .await
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_else(|| panic!("no element {css}"))
    }

    /// Scrolls `css` to the top of the window (or the page's top with `None`), at once (KERN
    /// scrolls smoothly, which a screenshot would catch half-way).
    pub async fn zeige(&self, css: Option<&str>) {
        let script = match css {
            Some(css) => format!(
                "const e = document.querySelector({css:?}); \
                 if (e) e.scrollIntoView({{block: 'start', behavior: 'instant'}}); \
                 else window.scrollTo({{top: 0, behavior: 'instant'}});"
            ),
            None => "window.scrollTo({top: 0, behavior: 'instant'})".to_string(),
        };
        self.js(&script).await;
        tokio::time::sleep(Duration::from_millis(150)).await;
    }

    /// A screenshot, numbered in the order they are taken: `NN_name.png`. Every state of
    /// the journey worth a picture is also checked with axe-core (WCAG 2.1 A/AA and best
    /// practices): a finding fails the journey, naming the rule and the element.
    pub async fn bild(&self, name: &str) -> PathBuf {
        let befunde = self.browser.axe().await;
        assert!(
            befunde.is_empty(),
            "{name}: axe-core findings on {}:\n{}",
            self.browser
                .client
                .current_url()
                .await
                .map(|u| u.path().to_string())
                .unwrap_or_default(),
            befunde.join("\n")
        );
        let nr = self.bilder.get() + 1;
        self.bilder.set(nr);
        let p = self
            .browser
            .screenshot(&format!("{}/{nr:02}_{name}", self.ordner))
            .await;
        assert!(
            std::fs::metadata(&p).unwrap().len() > 10_000,
            "{name}: a real page, not a blank image"
        );
        p
    }

    /// [`Reise::bild`], and the same page state through a 375 px phone screen: nothing may
    /// scroll sideways and axe-core must find nothing there either (`NN_name_375.png`).
    pub async fn bild_und_schmal(&self, name: &str) -> PathBuf {
        let p = self.bild(name).await;
        let nr = self.bilder.get();
        let s = self
            .browser
            .als_telefon(&format!("{}/{nr:02}_{name}_375", self.ordner))
            .await;
        let pfad = self.pfad().await;
        assert!(
            s.breite <= s.fenster,
            "{name}: {pfad} scrolls sideways at phone width ({} px content on a {} px screen)",
            s.breite,
            s.fenster
        );
        assert!(
            s.axe.is_empty(),
            "{name}: axe-core findings at phone width on {pfad}:\n{}",
            s.axe.join("\n")
        );
        p
    }

    pub async fn anmelden(&self, email: &str, passwort: &str) {
        self.gehe("/anmelden").await;
        self.warte_auf("#email").await;
        self.tippe("email", email).await;
        self.tippe("passwort", passwort).await;
        self.absenden("[data-testid=anmelden]").await;
        let schritt = self
            .warte(
                "the start page or the second factor",
                SEITE,
                "if (document.readyState !== 'complete') return null; \
                 if (document.querySelector('[data-testid=startseite]')) return 'start'; \
                 if (!document.querySelector('#code')) return null; \
                 return document.querySelector('[data-testid=totp-schluessel]') ? 'einrichten' : 'code';",
            )
            .await;
        match schritt.as_str() {
            Some("einrichten") => {
                // The authority requires a second factor: set it up as a person with an
                // authenticator app would, keep the recovery codes, go on.
                self.warte_auf("#code").await;
                let schluessel = self.text("[data-testid=totp-schluessel]").await;
                let geheimnis =
                    plankammer_domain::totp::base32_lesen(&schluessel).expect("the key is base32");
                let code = self.naechster_code(email, geheimnis).await;
                self.tippe("code", &code).await;
                self.absenden("#code").await;
                self.warte_auf("[data-testid=wiederherstellungscodes]")
                    .await;
                self.folge("[data-testid=weiter]").await;
                self.warte_auf("[data-testid=startseite]").await;
            }
            Some("code") => {
                self.warte_auf("#code").await;
                let geheimnis = self.apps.borrow()[email].0.clone();
                let code = self.naechster_code(email, geheimnis).await;
                self.tippe("code", &code).await;
                self.absenden("#code").await;
                self.warte_auf("[data-testid=startseite]").await;
            }
            _ => self.axe_bei_neuer_seite().await,
        }
    }

    /// The code the person's app shows next: a code works once, so a second login within
    /// the same 30 seconds takes the next one (the server accepts one step early), and a
    /// third waits for it.
    async fn naechster_code(&self, email: &str, geheimnis: Vec<u8>) -> String {
        use plankammer_domain::totp;
        let letzter = self.apps.borrow().get(email).map_or(-1, |a| a.1);
        loop {
            let jetzt = totp::schritt(plankammer_storage::now_millis());
            let schritt = jetzt.max(letzter + 1);
            if schritt <= jetzt + 1 {
                self.apps
                    .borrow_mut()
                    .insert(email.to_string(), (geheimnis.clone(), schritt));
                return format!(
                    "{:06}",
                    totp::hotp(&geheimnis, schritt as u64, totp::STELLEN)
                );
            }
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
    }

    pub async fn abmelden(&self) {
        self.absenden("[data-testid=abmelden]").await;
        self.warte(
            "the logout",
            SEITE,
            "return location.pathname === '/anmelden' && !!document.querySelector('[role=status]')",
        )
        .await;
    }
}
