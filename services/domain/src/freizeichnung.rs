//! The Bauherrschaft's Freizeichnung binds to what was signed: the Angaben (as a digest) and
//! the exact versions of the current Bauvorlagen (with their SHA-256). Whether it still
//! holds is a comparison of that record with the case as it is now, under the rule of
//! `docs/decisions/0006-freizeichnung.md`:
//!
//! - before submission every change (Angaben, a new document, a new version, a removed
//!   document) needs a new Freizeichnung;
//! - in a Nachreichung only changes of what describes the Vorhaben do — the Antragsformulare
//!   and the Bauvorlagen that define what is applied for (Baubeschreibung,
//!   Betriebsbeschreibung, Lageplan, Bauzeichnungen), and any document without a type; the
//!   Nachweise of the Entwurfsverfasser/in and the Fachplaner (Standsicherheit, Brandschutz,
//!   Berechnungen, Statistik …) are shown to the Bauherrschaft but need no new signature.

use serde::{Deserialize, Serialize};

/// One current document as it was (or is) signed: its exact version and content.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct GezeichneteUnterlage {
    pub dokument_id: i64,
    pub version_id: i64,
    /// SHA-256 of the version's bytes.
    pub sha256: String,
    /// The Anlageart code at the time (for the Nachreichung rule and for messages; a later
    /// change of the type alone changes no content and is no change here).
    pub anlageart: Option<String>,
    pub bezeichnung: String,
}

/// What a Freizeichnung covers (or what the case is now), in a canonical order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Freizeichnungsinhalt {
    /// SHA-256 of the canonical text of the Angaben ([`angaben_text`]).
    pub angaben_sha256: String,
    /// The current Bauvorlagen, ordered by document id.
    pub unterlagen: Vec<GezeichneteUnterlage>,
}

/// The canonical text of the Angaben a Freizeichnung covers: name, procedure and Angaben as
/// JSON (the fields in the order of their types, so the same Angaben give the same text).
pub fn angaben_text(
    bezeichnung: &str,
    verfahren: Option<crate::verfahren::Verfahrensart>,
    angaben: Option<&crate::antrag::Angaben>,
) -> String {
    serde_json::json!({
        "bezeichnung": bezeichnung,
        "verfahren": verfahren.map(|v| v.slug()),
        "angaben": angaben,
    })
    .to_string()
}

impl Freizeichnungsinhalt {
    pub fn neu(angaben_sha256: String, mut unterlagen: Vec<GezeichneteUnterlage>) -> Self {
        unterlagen.sort_by_key(|u| u.dokument_id);
        Freizeichnungsinhalt {
            angaben_sha256,
            unterlagen,
        }
    }

    /// The binding part as one text (its SHA-256 is the Freizeichnung's hash): the Angaben's
    /// digest and each document's id, version and content hash — not names or types.
    pub fn kern(&self) -> String {
        let mut s = format!("angaben:{}\n", self.angaben_sha256);
        for u in &self.unterlagen {
            s.push_str(&format!(
                "dokument:{}:{}:{}\n",
                u.dokument_id, u.version_id, u.sha256
            ));
        }
        s
    }

    /// The stored form (JSON).
    pub fn json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    pub fn aus_json(s: &str) -> Option<Self> {
        serde_json::from_str(s).ok()
    }
}

/// One difference between what was signed and the case now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "art", rename_all = "snake_case")]
pub enum Aenderung {
    /// Name, procedure or Angaben changed.
    Angaben,
    /// A document that was not signed.
    NeueUnterlage {
        dokument_id: i64,
        bezeichnung: String,
        anlageart: Option<String>,
    },
    /// A signed document has another version now.
    NeueVersion {
        dokument_id: i64,
        bezeichnung: String,
        anlageart: Option<String>,
    },
    /// A signed document was withdrawn.
    Entfernt {
        dokument_id: i64,
        bezeichnung: String,
        anlageart: Option<String>,
    },
}

impl Aenderung {
    /// What changed, in German ("neue Version von „Grundriss EG“").
    pub fn beschreibung(&self) -> String {
        match self {
            Aenderung::Angaben => "die Angaben zum Antrag wurden geändert".into(),
            Aenderung::NeueUnterlage { bezeichnung, .. } => {
                format!("„{bezeichnung}“ wurde hinzugefügt")
            }
            Aenderung::NeueVersion { bezeichnung, .. } => {
                format!("von „{bezeichnung}“ gibt es eine neue Version")
            }
            Aenderung::Entfernt { bezeichnung, .. } => {
                format!("„{bezeichnung}“ wurde zurückgezogen")
            }
        }
    }

    /// Does this change need a new Freizeichnung in a Nachreichung (after submission)?
    /// Changed Angaben and every change of a document that describes the Vorhaben do.
    pub fn braucht_freizeichnung_in_nachreichung(&self) -> bool {
        match self {
            Aenderung::Angaben => true,
            Aenderung::NeueUnterlage { anlageart, .. }
            | Aenderung::NeueVersion { anlageart, .. }
            | Aenderung::Entfernt { anlageart, .. } => beschreibt_vorhaben(anlageart.as_deref()),
        }
    }
}

/// Does a Bauvorlage of this Anlageart describe the Vorhaben itself — what the Bauherrschaft
/// applies for — rather than prove something about it? The groups of `anlagen_3.0`: 11
/// Anträge, 13 Vorhaben im Außenbereich, 15 Baubeschreibung, 16 Betriebsbeschreibung, 18
/// Lageplan und Liegenschaftskarte, 20 Bauzeichnungen. A document without a type might be
/// any of them, so it counts too.
pub fn beschreibt_vorhaben(anlageart: Option<&str>) -> bool {
    match anlageart {
        None => true,
        Some(code) => matches!(code.get(..2), Some("11" | "13" | "15" | "16" | "18" | "20")),
    }
}

/// When the comparison is made: before submission every change counts; in a Nachreichung
/// only those of [`Aenderung::braucht_freizeichnung_in_nachreichung`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    Entwurf,
    Nachreichung,
}

/// Every difference between what was signed and the case now, Angaben first, then the
/// documents by id.
pub fn aenderungen(
    gezeichnet: &Freizeichnungsinhalt,
    jetzt: &Freizeichnungsinhalt,
) -> Vec<Aenderung> {
    let mut out = Vec::new();
    if gezeichnet.angaben_sha256 != jetzt.angaben_sha256 {
        out.push(Aenderung::Angaben);
    }
    let mut ids: Vec<i64> = gezeichnet
        .unterlagen
        .iter()
        .chain(&jetzt.unterlagen)
        .map(|u| u.dokument_id)
        .collect();
    ids.sort_unstable();
    ids.dedup();
    for id in ids {
        let vorher = gezeichnet.unterlagen.iter().find(|u| u.dokument_id == id);
        let nachher = jetzt.unterlagen.iter().find(|u| u.dokument_id == id);
        match (vorher, nachher) {
            (None, Some(n)) => out.push(Aenderung::NeueUnterlage {
                dokument_id: id,
                bezeichnung: n.bezeichnung.clone(),
                anlageart: n.anlageart.clone(),
            }),
            (Some(v), None) => out.push(Aenderung::Entfernt {
                dokument_id: id,
                bezeichnung: v.bezeichnung.clone(),
                anlageart: v.anlageart.clone(),
            }),
            (Some(v), Some(n)) if v.version_id != n.version_id || v.sha256 != n.sha256 => {
                // The type as it is now decides: a plan typed after signing is a plan.
                let anlageart = n.anlageart.clone().or_else(|| v.anlageart.clone());
                out.push(Aenderung::NeueVersion {
                    dokument_id: id,
                    bezeichnung: n.bezeichnung.clone(),
                    anlageart,
                })
            }
            _ => {}
        }
    }
    out
}

/// The changes that invalidate a Freizeichnung in this phase (empty: it still holds).
pub fn entwertende_aenderungen(
    gezeichnet: &Freizeichnungsinhalt,
    jetzt: &Freizeichnungsinhalt,
    phase: Phase,
) -> Vec<Aenderung> {
    aenderungen(gezeichnet, jetzt)
        .into_iter()
        .filter(|a| phase == Phase::Entwurf || a.braucht_freizeichnung_in_nachreichung())
        .collect()
}

/// "die Angaben zum Antrag wurden geändert; „Statik“ wurde hinzugefügt".
pub fn beschreibe(aenderungen: &[Aenderung]) -> String {
    aenderungen
        .iter()
        .map(Aenderung::beschreibung)
        .collect::<Vec<_>>()
        .join("; ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn u(id: i64, ver: i64, art: Option<&str>) -> GezeichneteUnterlage {
        GezeichneteUnterlage {
            dokument_id: id,
            version_id: ver,
            sha256: format!("sha{ver}"),
            anlageart: art.map(str::to_string),
            bezeichnung: format!("Dok {id}"),
        }
    }

    fn inhalt(angaben: &str, us: Vec<GezeichneteUnterlage>) -> Freizeichnungsinhalt {
        Freizeichnungsinhalt::neu(angaben.into(), us)
    }

    #[test]
    fn the_same_case_has_no_change_and_the_same_kern() {
        let a = inhalt("x", vec![u(2, 5, Some("2001")), u(1, 3, None)]);
        let b = inhalt("x", vec![u(1, 3, None), u(2, 5, Some("2001"))]);
        assert!(aenderungen(&a, &b).is_empty());
        assert_eq!(a.kern(), b.kern());
        assert_eq!(Freizeichnungsinhalt::aus_json(&a.json()), Some(a.clone()));
        // A type given later changes nothing that was signed.
        let c = inhalt("x", vec![u(1, 3, Some("1502")), u(2, 5, Some("2001"))]);
        assert!(aenderungen(&a, &c).is_empty());
        assert_eq!(a.kern(), c.kern());
    }

    #[test]
    fn every_change_counts_before_submission() {
        let a = inhalt("x", vec![u(1, 3, Some("2001")), u(2, 4, Some("2801"))]);
        let b = inhalt("y", vec![u(1, 7, Some("2001")), u(3, 8, Some("2701"))]);
        let ae = entwertende_aenderungen(&a, &b, Phase::Entwurf);
        assert_eq!(ae.len(), 4);
        assert_eq!(ae[0], Aenderung::Angaben);
        assert!(matches!(
            ae[1],
            Aenderung::NeueVersion { dokument_id: 1, .. }
        ));
        assert!(matches!(ae[2], Aenderung::Entfernt { dokument_id: 2, .. }));
        assert!(matches!(
            ae[3],
            Aenderung::NeueUnterlage { dokument_id: 3, .. }
        ));
        assert!(beschreibe(&ae).contains("neue Version"));
    }

    #[test]
    fn a_nachreichung_of_proofs_needs_no_new_signature_but_of_plans_does() {
        let a = inhalt("x", vec![u(1, 3, Some("2001")), u(2, 4, Some("2801"))]);
        // A corrected Standsicherheitsnachweis and a new Brandschutznachweis: shown only.
        let b = inhalt(
            "x",
            vec![
                u(1, 3, Some("2001")),
                u(2, 9, Some("2801")),
                u(5, 10, Some("2701")),
            ],
        );
        assert_eq!(aenderungen(&a, &b).len(), 2);
        assert!(entwertende_aenderungen(&a, &b, Phase::Nachreichung).is_empty());
        // A new Grundriss, a new untyped document, a withdrawn Lageplan: signed again.
        for neu in [
            inhalt("x", vec![u(1, 11, Some("2001")), u(2, 4, Some("2801"))]),
            inhalt(
                "x",
                vec![u(1, 3, Some("2001")), u(2, 4, Some("2801")), u(6, 12, None)],
            ),
            inhalt("x", vec![u(2, 4, Some("2801"))]),
        ] {
            assert_eq!(
                entwertende_aenderungen(&a, &neu, Phase::Nachreichung).len(),
                1
            );
        }
    }

    #[test]
    fn the_groups_that_describe_the_vorhaben() {
        for c in [
            "1101", "1102", "1502", "1600", "1802", "1803", "2001", "2002", "2003",
        ] {
            assert!(beschreibt_vorhaben(Some(c)), "{c}");
        }
        for c in [
            "0401", "0601", "1901", "2102", "2201", "2301", "2501", "2701", "2801",
        ] {
            assert!(!beschreibt_vorhaben(Some(c)), "{c}");
        }
        assert!(beschreibt_vorhaben(None));
    }
}
