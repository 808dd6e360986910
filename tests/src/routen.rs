//! Every route the HTTP side registers, read from its source (`.route("/pfad", get(..).post(..))`
//! in `services/api/src`), so a test over "every route" notices a route nobody listed.

use std::collections::BTreeSet;
use std::path::Path;

/// (method, path template), e.g. `("POST", "/vorgaenge/{id}/einreichen")`.
pub type Route = (String, String);

/// Every `.route(...)` of the Rust files under `services/api/src`.
pub fn alle() -> BTreeSet<Route> {
    let mut out = BTreeSet::new();
    sammle(&crate::repo_root().join("services/api/src"), &mut out);
    out
}

fn sammle(dir: &Path, out: &mut BTreeSet<Route>) {
    let mut eintraege: Vec<_> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("read {}: {e}", dir.display()))
        .map(|e| e.expect("dir entry").path())
        .collect();
    eintraege.sort();
    for p in eintraege {
        if p.is_dir() {
            sammle(&p, out);
        } else if p.extension().is_some_and(|e| e == "rs") {
            let text = std::fs::read_to_string(&p).expect("read source");
            routen_in(&text, out);
        }
    }
}

/// The routes of one source text.
pub fn routen_in(text: &str, out: &mut BTreeSet<Route>) {
    let mut rest = text;
    while let Some(i) = rest.find(".route(") {
        let ab = &rest[i + ".route(".len()..];
        // The call's text up to its closing parenthesis.
        let mut tiefe = 1usize;
        let mut ende = ab.len();
        for (k, c) in ab.char_indices() {
            match c {
                '(' => tiefe += 1,
                ')' => {
                    tiefe -= 1;
                    if tiefe == 0 {
                        ende = k;
                        break;
                    }
                }
                _ => {}
            }
        }
        let aufruf = &ab[..ende];
        rest = &ab[ende..];
        let Some(a) = aufruf.find('"') else { continue };
        let Some(b) = aufruf[a + 1..].find('"') else {
            continue;
        };
        let pfad = &aufruf[a + 1..a + 1 + b];
        let handler = &aufruf[a + 1 + b + 1..];
        for (wort, methode) in [
            ("get(", "GET"),
            ("post(", "POST"),
            ("put(", "PUT"),
            ("delete(", "DELETE"),
            ("patch(", "PATCH"),
        ] {
            let mut h = handler;
            while let Some(k) = h.find(wort) {
                // `get(` but not `forget(`: the character before is no identifier char.
                let davor = h[..k].chars().last();
                if davor.is_none_or(|c| !(c.is_alphanumeric() || c == '_')) {
                    out.insert((methode.to_string(), pfad.to_string()));
                    break;
                }
                h = &h[k + wort.len()..];
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes_are_read_with_every_method() {
        let mut r = BTreeSet::new();
        routen_in(
            r#"Router::new()
                .route("/a/{id}", get(x).post(y))
                .route(
                    "/b",
                    axum::routing::delete(z),
                )
                .route("/c", put(forget(q)))"#,
            &mut r,
        );
        let r: Vec<_> = r.into_iter().collect();
        assert_eq!(
            r,
            vec![
                ("DELETE".to_string(), "/b".to_string()),
                ("GET".into(), "/a/{id}".into()),
                ("POST".into(), "/a/{id}".into()),
                ("PUT".into(), "/c".into()),
            ]
        );
    }
}
