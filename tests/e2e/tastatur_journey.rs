//! The Fachstelle's whole way with the keyboard alone, in a real browser against the real
//! binary: sign in, open the request from the inbox, ask a Rückfrage, place a comment on a
//! spot of a plan, write the Stellungnahme, open its confirmation and give it. Every control is reached with Tab
//! (never by a click or a script), each focused control shows where the focus is, and
//! Enter or Space acts on it. A control that Tab cannot reach fails the journey.
//!
//! Only the setup (the case worker asking the Stelle) uses the page's forms directly.
//! Screenshots: target/test-artifacts/tastatur_journey-<backend>/NN_….png, each state
//! checked with axe-core.

mod common;
mod reise;

use common::{Site, wait_ready};
use fantoccini::actions::{InputSource, KeyAction, KeyActions};
use fantoccini::key::Key;
use plankammer_tests::browser::Browser;
use plankammer_tests::{artifacts_dir, free_port};
use reise::{Reise, SEITE};
use serde_json::Value;

const PASSWORT: &str = "plankammer-demo";
const SACHBEARBEITUNG: &str = "sachbearbeitung@musterstadt.example";
const BRANDSCHUTZ: &str = "brandschutz@musterstadt.example";
/// More Tab presses than any page of the way has controls before its target.
const HOECHSTENS_TABS: usize = 120;

/// Presses and releases keys as a keyboard does (WebDriver key actions), on whatever has
/// the focus.
async fn tasten(r: &Reise, zeichen: impl IntoIterator<Item = char>) {
    let mut a = KeyActions::new("tastatur".into());
    for c in zeichen {
        a = a
            .then(KeyAction::Down { value: c })
            .then(KeyAction::Up { value: c });
    }
    r.b()
        .perform_actions(a)
        .await
        .unwrap_or_else(|e| panic!("keys: {e}"));
}

async fn taste(r: &Reise, k: Key) {
    tasten(r, [char::from(k)]).await;
}

/// Types into the focused control.
async fn schreibe(r: &Reise, text: &str) {
    tasten(r, text.chars()).await;
}

/// Presses Tab until the focus is on `css`; fails if it never gets there. Checks that the
/// focused control shows a visible focus indicator (outline or KERN's box shadow).
async fn tab_bis(r: &Reise, css: &str) {
    let ist_da =
        format!("return !!document.activeElement && document.activeElement.matches({css:?})");
    for _ in 0..HOECHSTENS_TABS {
        if r.js(&ist_da).await == Some(Value::Bool(true)) {
            let sichtbar = r
                .js(
                    "const s = getComputedStyle(document.activeElement); \
                     return (s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0) || s.boxShadow !== 'none';",
                )
                .await;
            assert_eq!(
                sichtbar,
                Some(Value::Bool(true)),
                "{css} has the focus but shows no focus indicator"
            );
            return;
        }
        taste(r, Key::Tab).await;
    }
    let wo = r
        .js("const e = document.activeElement; return e ? e.outerHTML.slice(0, 200) : null")
        .await;
    panic!(
        "{css} is not reachable with Tab on {} (focus ends at {wo:?})",
        r.pfad().await
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_fachstelle_gives_its_stellungnahme_with_the_keyboard_alone() {
    let backend = plankammer_storage::testing::test_backend().name();
    let ordner = format!("tastatur_journey-{backend}");
    let bilder = artifacts_dir().join(&ordner);
    let _ = std::fs::remove_dir_all(&bilder);
    std::fs::create_dir_all(&bilder).unwrap();

    let site = Site::new().await;
    let port = free_port();
    let url = format!("http://127.0.0.1:{port}");
    let extra: Vec<(&str, String)> = vec![("BIND", format!("127.0.0.1:{port}"))];
    let (code, out) = site.run(&["demo", "--nur-daten"], &extra);
    assert_eq!(code, 0, "{out}");
    let app = site.start(&[], &extra, "plankammer");
    wait_ready(&url, &app).await;
    let db = site.db().await;
    let fall = site.demo_fall(&db).await;

    let r = Reise::neu(Browser::start(site.dir.path()).await, url.clone(), ordner);
    // A tablet in landscape: the Fachstelle's usual device.
    r.b().set_window_size(1024, 768).await.unwrap();

    // --- Setup: the case worker asks the Brandschutzdienststelle. --------------------------
    r.anmelden(SACHBEARBEITUNG, PASSWORT).await;
    r.gehe(&format!("/vorgaenge/{}/beteiligung", fall.id)).await;
    r.warte_auf("[data-testid=beteiligung-formular]").await;
    let gewaehlt = r
        .js("let n = 0; document.querySelectorAll('[data-testid=stelle-zeile]').forEach(z => { \
               if (!z.innerText.includes('Brandschutzdienststelle')) return; \
               document.getElementById('stelle-' + z.dataset.stelle).checked = true; \
               document.getElementById('rolle-' + z.dataset.stelle).value = '1'; n++; }); return n;")
        .await;
    assert_eq!(gewaehlt, Some(Value::from(1)));
    r.absenden("[data-testid=anfragen]").await;
    r.warte_auf("[data-testid=beteiligung-zeile]").await;
    r.abmelden().await;
    let anfrage = db
        .beteiligungen(fall.id)
        .await
        .unwrap()
        .into_iter()
        .find(|b| b.stelle_name.starts_with("Brandschutz"))
        .expect("the request")
        .id;

    // --- The Fachstelle, keys only. ------------------------------------------------------
    r.gehe("/anmelden").await;
    r.warte_auf("#email").await;
    // The first Tab reaches the skip link: the way past the header.
    taste(&r, Key::Tab).await;
    assert_eq!(
        r.js("return document.activeElement.classList.contains('pk-skip')")
            .await,
        Some(Value::Bool(true)),
        "the skip link comes first"
    );
    tab_bis(&r, "#email").await;
    schreibe(&r, BRANDSCHUTZ).await;
    taste(&r, Key::Tab).await;
    tab_bis(&r, "#passwort").await;
    schreibe(&r, PASSWORT).await;
    taste(&r, Key::Enter).await;
    r.warte_auf("[data-testid=startseite]").await;
    r.bild("eingang").await;

    // The request from the inbox (the demo has another one).
    tab_bis(
        &r,
        &format!("[data-testid=anfrage-link][href='/beteiligungen/{anfrage}']"),
    )
    .await;
    taste(&r, Key::Enter).await;
    r.warte_auf("#stellungnahme-abgeben").await;
    r.bild("anfrage").await;

    // A Rückfrage: the textarea, then its button.
    tab_bis(&r, "#rueckfrage-text").await;
    schreibe(&r, "Liegt ein Feuerwehrplan nach DIN 14095 vor?").await;
    tab_bis(&r, "#rueckfrage-senden").await;
    taste(&r, Key::Enter).await;
    r.warte_auf("[data-testid=rueckfrage]").await;
    r.bild("rueckfrage_gestellt").await;

    // A comment on a spot of a plan: the plan viewer takes the focus, the arrow keys move the
    // crosshair (5 % per press), Enter sets the point and moves the focus to the text.
    tab_bis(&r, "[data-testid=plan-link]").await;
    taste(&r, Key::Enter).await;
    r.warte(
        "the plan rendered by pdf.js",
        SEITE,
        "const s = document.getElementById('plan-status'); return s && s.dataset.zustand === 'bereit';",
    )
    .await;
    tab_bis(&r, "#plan-buehne").await;
    tasten(
        &r,
        [
            char::from(Key::Right),
            char::from(Key::Right),
            char::from(Key::Down),
        ],
    )
    .await;
    let ansage = r.text("#plan-status").await;
    assert!(
        ansage.contains("60 % von links") && ansage.contains("55 % von oben"),
        "the position in words: {ansage}"
    );
    r.bild("plan_kreuz").await;
    taste(&r, Key::Enter).await;
    assert_eq!(
        r.js("return [document.getElementById('kommentar-x').value, document.getElementById('kommentar-y').value, document.activeElement.id]")
            .await,
        Some(serde_json::json!(["0.6", "0.55", "kommentar-text"]))
    );
    schreibe(&r, "Feuerwehrzufahrt: Aufstellfläche fehlt.").await;
    tab_bis(&r, "#kommentar-speichern").await;
    taste(&r, Key::Enter).await;
    r.warte(
        "the saved comment",
        SEITE,
        "const k = document.getElementById('kommentare'); return !!k && k.innerText.includes('Aufstellfläche');",
    )
    .await;
    r.bild("plan_kommentar").await;
    // A frame by keyboard: Space fixes a corner at the crosshair (the middle), the arrows
    // draw it to the opposite corner, Enter sets it.
    r.warte(
        "the plan rendered again",
        SEITE,
        "const s = document.getElementById('plan-status'); return s && s.dataset.zustand === 'bereit';",
    )
    .await;
    tab_bis(&r, "#plan-buehne").await;
    tasten(
        &r,
        [
            ' ',
            char::from(Key::Right),
            char::from(Key::Right),
            char::from(Key::Down),
        ],
    )
    .await;
    let ansage = r.text("#plan-status").await;
    assert!(
        ansage
            .contains("Rahmen von 50 % von links, 50 % von oben bis 60 % von links, 55 % von oben"),
        "the frame in words: {ansage}"
    );
    r.bild("plan_rahmen").await;
    taste(&r, Key::Enter).await;
    assert_eq!(
        r.js("return ['x', 'y', 'w', 'h'].map(n => document.getElementById('kommentar-' + n).value).concat([document.activeElement.id])")
            .await,
        Some(serde_json::json!(["0.5", "0.5", "0.1", "0.05", "kommentar-text"]))
    );
    schreibe(&r, "Treppenraum: Rauchabzug fehlt.").await;
    tab_bis(&r, "#kommentar-speichern").await;
    taste(&r, Key::Enter).await;
    r.warte(
        "the saved frame",
        SEITE,
        "const k = [...document.querySelectorAll('#kommentare > li')].find(l => l.innerText.includes('Rauchabzug')); \
         return !!k && k.dataset.w === '0.1' && k.dataset.h === '0.05';",
    )
    .await;
    // Back to the request by the link above the plan.
    tab_bis(&r, "[data-testid=zurueck]").await;
    taste(&r, Key::Enter).await;
    r.warte_auf("#stellungnahme-abgeben").await;

    // The Stellungnahme: the link, the consent (a radio, chosen with Space), the tenor.
    tab_bis(&r, "#stellungnahme-abgeben").await;
    taste(&r, Key::Enter).await;
    r.warte_auf("#stellungnahme-form").await;
    tab_bis(&r, "#zustimmung-ja").await;
    taste(&r, Key::Space).await;
    assert_eq!(
        r.js("return document.getElementById('zustimmung-ja').checked")
            .await,
        Some(Value::Bool(true))
    );
    tab_bis(&r, "#tenor").await;
    schreibe(
        &r,
        "Aus Sicht des vorbeugenden Brandschutzes bestehen keine Bedenken.",
    )
    .await;
    r.bild("stellungnahme_formular").await;
    // Giving it is a legal act: the summary opens with Enter, then the explicit "Ja".
    tab_bis(&r, "[data-testid=stellungnahme-oeffnen]").await;
    taste(&r, Key::Enter).await;
    r.warte(
        "the confirmation opened by keyboard",
        SEITE,
        "return !!document.querySelector('[data-testid=stellungnahme-bestaetigen][open]')",
    )
    .await;
    r.bild("stellungnahme_bestaetigen").await;
    tab_bis(&r, "#stellungnahme-senden").await;
    taste(&r, Key::Enter).await;
    r.warte_auf("[data-testid=stellungnahme]").await;
    r.bild("stellungnahme_abgegeben").await;

    // It is recorded as if given with a mouse.
    let anfragen = db.beteiligungen(fall.id).await.unwrap();
    let bs = anfragen
        .iter()
        .find(|b| b.stelle_name.starts_with("Brandschutz"))
        .expect("the request");
    let st = db.stellungnahmen(bs.id).await.unwrap();
    assert_eq!(st.len(), 1);
    assert!(st[0].tenor.contains("keine Bedenken"), "{:?}", st[0].tenor);
    assert_eq!(db.rueckfragen(bs.id).await.unwrap().len(), 1);
}
