//! The layout of `services/api` stays a tree of rooms: no module imports another that
//! imports it back (directly or around a circle). Shared helpers live in their own modules
//! (`gemeinsam`, `sitzung`, …), never in a page module that its siblings then need.
//!
//! Units are modules up to two levels deep (`seiten::bauaufsicht`, `api::bescheid`,
//! `gemeinsam::layout`); an edge is a `crate::…` or `super::…` path in a unit's files. A
//! parent's use of its own children (assembling their routers) is ownership, not an edge.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

type Einheit = Vec<String>;

/// Every module of the crate with its source text.
fn module(wurzel: &Path) -> BTreeMap<Einheit, String> {
    let mut out = BTreeMap::new();
    sammle(wurzel, wurzel, &mut out);
    out
}

fn sammle(wurzel: &Path, dir: &Path, out: &mut BTreeMap<Einheit, String>) {
    for e in std::fs::read_dir(dir).expect("read dir") {
        let p = e.expect("entry").path();
        if p.is_dir() {
            sammle(wurzel, &p, out);
            continue;
        }
        if p.extension().is_none_or(|e| e != "rs") {
            continue;
        }
        let rel = p.strip_prefix(wurzel).unwrap().with_extension("");
        let mut teile: Vec<String> = rel
            .iter()
            .map(|t| t.to_string_lossy().into_owned())
            .collect();
        if teile.last().is_some_and(|t| t == "mod" || t == "lib") {
            teile.pop();
        }
        let text = std::fs::read_to_string(&p).expect("read source");
        out.entry(teile).or_default().push_str(&text);
    }
}

/// The module paths a source text refers to, resolved against the module `hier`.
fn verweise(hier: &Einheit, text: &str) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    for (anfang, basis) in [
        ("crate::", Vec::new()),
        ("super::", hier[..hier.len().saturating_sub(1)].to_vec()),
    ] {
        let mut rest = text;
        while let Some(i) = rest.find(anfang) {
            // `xsuper::` or `my_crate::` are not ours.
            let davor = rest[..i].chars().next_back();
            rest = &rest[i + anfang.len()..];
            if davor.is_some_and(|c| c.is_alphanumeric() || c == '_') {
                continue;
            }
            for pfad in pfade(rest) {
                let mut voll = basis.clone();
                voll.extend(pfad);
                out.push(voll);
            }
        }
    }
    out
}

/// `a::b::C` → [[a, b, C]]; `{a::b, c}` → [[a, b], [c]] (one level of braces).
fn pfade(text: &str) -> Vec<Vec<String>> {
    let ident = |s: &str| -> Vec<String> {
        let mut teile = Vec::new();
        let mut rest = s;
        loop {
            let n = rest
                .find(|c: char| !(c.is_alphanumeric() || c == '_'))
                .unwrap_or(rest.len());
            if n == 0 {
                break;
            }
            teile.push(rest[..n].to_string());
            rest = &rest[n..];
            match rest.strip_prefix("::") {
                Some(r) if !r.starts_with('{') => rest = r,
                _ => break,
            }
        }
        teile
    };
    let kopf = ident(text);
    let nach_kopf = {
        let laenge: usize = kopf.iter().map(|t| t.len() + 2).sum();
        text.get(laenge..).unwrap_or("")
    };
    if let Some(innen) = text.strip_prefix('{').or_else(|| {
        (!kopf.is_empty())
            .then(|| nach_kopf.strip_prefix('{'))
            .flatten()
    }) {
        let ende = innen.find('}').unwrap_or(innen.len());
        return innen[..ende]
            .split(',')
            .map(|t| {
                let mut p = kopf.clone();
                p.extend(ident(t.trim()));
                p
            })
            .collect();
    }
    vec![kopf]
}

fn einheit(modul: &[String]) -> Einheit {
    modul.iter().take(2).cloned().collect()
}

#[test]
fn the_modules_of_services_api_import_each_other_without_a_cycle() {
    let wurzel = plankammer_tests::repo_root().join("services/api/src");
    let module = module(&wurzel);
    let bekannt: BTreeSet<&Einheit> = module.keys().collect();
    let mut kanten: BTreeMap<Einheit, BTreeSet<Einheit>> = BTreeMap::new();
    for (modul, text) in &module {
        let von = einheit(modul);
        for pfad in verweise(modul, text) {
            // The longest known module the path starts with.
            let Some(ziel) = (0..=pfad.len())
                .rev()
                .map(|n| pfad[..n].to_vec())
                .find(|p| bekannt.contains(p))
            else {
                continue;
            };
            let nach = einheit(&ziel);
            if nach.is_empty() || nach == von || nach.starts_with(&von) {
                continue;
            }
            kanten.entry(von.clone()).or_default().insert(nach);
        }
    }
    assert!(
        kanten.keys().any(|k| k.len() == 2),
        "the scan finds the page modules' imports: {kanten:?}"
    );
    // Depth-first search for a way back.
    let mut kreise = Vec::new();
    for start in kanten.keys() {
        let mut stapel = vec![(start.clone(), vec![start.clone()])];
        let mut besucht = BTreeSet::new();
        while let Some((knoten, weg)) = stapel.pop() {
            for nach in kanten.get(&knoten).into_iter().flatten() {
                if nach == start {
                    let mut kreis: Vec<String> = weg.iter().map(|e| e.join("::")).collect();
                    kreis.push(start.join("::"));
                    kreise.push(kreis.join(" → "));
                } else if besucht.insert(nach.clone()) {
                    let mut w = weg.clone();
                    w.push(nach.clone());
                    stapel.push((nach.clone(), w));
                }
            }
        }
    }
    assert!(
        kreise.is_empty(),
        "modules of services/api that import each other in a circle:\n{}",
        kreise.join("\n")
    );
}

#[test]
fn the_scan_sees_a_cycle_where_there_is_one() {
    let a: Einheit = vec!["seiten".into(), "a".into()];
    let text = "use crate::seiten::b::hilfe;\nuse super::{b::x, c};";
    let v = verweise(&a, text);
    assert!(v.contains(&vec!["seiten".into(), "b".into(), "hilfe".into()]));
    assert!(v.contains(&vec!["seiten".into(), "b".into(), "x".into()]));
    assert!(v.contains(&vec!["seiten".into(), "c".into()]));
    assert_eq!(
        pfade("gemeinsam::{layout::Seite, format}"),
        vec![
            vec!["gemeinsam".to_string(), "layout".into(), "Seite".into()],
            vec!["gemeinsam".to_string(), "format".into()]
        ]
    );
}
