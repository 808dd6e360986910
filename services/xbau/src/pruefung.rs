//! Every XBau message is checked against the official XSDs (XBau 2.6, XBau-Kernmodul
//! 1.3.0, as published by the Leitstelle) with libxml2's schema validator before it leaves
//! and before it is read.
//!
//! Before libxml2 sees a byte: at most [`MAX_NACHRICHT`] bytes, and no document type
//! declaration (XBau messages have none; refusing every DOCTYPE refuses entity expansion
//! bombs and external entities alike). libxml2 then parses without network access.
//!
//! The schemas are part of the binary and are written once per process into a folder of
//! the system's temporary directory (named by their content's hash), because the schemas
//! import each other by relative file names.

use crate::dateien::DATEIEN;
use libxml::parser::{Parser, ParserOptions};
use libxml::schemas::{SchemaParserContext, SchemaValidationContext};
use sha2::{Digest, Sha256};
use std::cell::RefCell;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// The namespace of XBau 2.6's messages.
pub const NS_XBAU: &str = "http://www.xleitstelle.de/xbau/2/6";
/// The namespace of the XBau-Kernmodul 1.3.0 (process messages such as 1120, 1170, 1180).
pub const NS_KERNMODUL: &str = "http://www.xleitstelle.de/xbau/kernmodul/1/3/0";

/// The largest message read: the documents travel beside the message, so the XML itself
/// stays small (the biggest real `0200` are a few hundred kilobytes). The bound also caps
/// what libxml2 may collect as findings for a hostile message.
pub const MAX_NACHRICHT: usize = 5 * 1024 * 1024;

/// Most findings reported for one message (a broken message can have thousands).
pub const MAX_BEFUNDE: usize = 50;

/// What is wrong, as the XBau error code list (`xbau-fehlerkennzahlen` 2.2) names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fehlerkennzahl {
    /// X000: not well-formed XML (also: too large, a DOCTYPE).
    X000,
    /// X001: not valid against the schema.
    X001,
    /// V000: an XBau version Plankammer does not handle (another XBau namespace).
    V000,
    /// V001: a message type Plankammer does not handle (an unknown namespace).
    V001,
}

impl Fehlerkennzahl {
    pub fn code(self) -> &'static str {
        match self {
            Fehlerkennzahl::X000 => "X000",
            Fehlerkennzahl::X001 => "X001",
            Fehlerkennzahl::V000 => "V000",
            Fehlerkennzahl::V001 => "V001",
        }
    }
}

/// One finding: the code, the line where libxml2 saw it, and its words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Befund {
    pub kennzahl: Fehlerkennzahl,
    pub zeile: Option<u32>,
    /// German for people where Plankammer words it; libxml2's own (English) text for
    /// schema findings, which name the element and the expected content.
    pub meldung: String,
}

impl std::fmt::Display for Befund {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.zeile {
            Some(z) => write!(f, "{} Zeile {z}: {}", self.kennzahl.code(), self.meldung),
            None => write!(f, "{}: {}", self.kennzahl.code(), self.meldung),
        }
    }
}

/// A message that passed: its root element (the message type) and namespace.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Geprueft {
    /// e.g. `prozessnachrichten.statusFuerAntragsportal.1170`.
    pub nachricht: String,
    pub namensraum: String,
}

impl Geprueft {
    /// The message number at the end of the root's name (`1170`).
    pub fn nummer(&self) -> &str {
        self.nachricht.rsplit('.').next().unwrap_or("")
    }
}

fn befund(kennzahl: Fehlerkennzahl, meldung: impl Into<String>) -> Vec<Befund> {
    vec![Befund {
        kennzahl,
        zeile: None,
        meldung: meldung.into(),
    }]
}

/// The folder with the schemas (written on first use).
fn schema_ordner() -> Result<&'static Path, String> {
    static ORDNER: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    ORDNER
        .get_or_init(|| {
            let mut h = Sha256::new();
            for (name, inhalt) in DATEIEN {
                h.update(name.as_bytes());
                h.update(inhalt);
            }
            let kennung = hex::encode(&h.finalize()[..8]);
            let ordner = eigener_ordner(&std::env::temp_dir(), &kennung)?;
            let mut dateien: Vec<(&str, &[u8])> = DATEIEN.to_vec();
            // The messages of XBau 2.6 are spread over one file per procedure; one schema
            // that includes them all validates any of them.
            let alle = alle_nachrichten();
            dateien.push((ALLE_XBAU, alle.as_bytes()));
            for (name, inhalt) in dateien {
                let ziel = ordner.join(name);
                if std::fs::read(&ziel).ok().as_deref() == Some(inhalt) {
                    continue;
                }
                // Written beside and renamed: another process may read it meanwhile.
                let tmp = ordner.join(format!(
                    ".{name}.{}.{}",
                    std::process::id(),
                    hex::encode(rand::random::<[u8; 8]>())
                ));
                {
                    use std::io::Write;
                    let mut f = std::fs::OpenOptions::new()
                        .write(true)
                        .create_new(true)
                        .open(&tmp)
                        .map_err(|e| format!("writing {name}: {e}"))?;
                    f.write_all(inhalt)
                        .map_err(|e| format!("writing {name}: {e}"))?;
                }
                std::fs::rename(&tmp, &ziel).map_err(|e| format!("writing {name}: {e}"))?;
            }
            Ok(ordner)
        })
        .as_deref()
        .map_err(Clone::clone)
}

/// A folder only this user can write: the shared one of this schema version when it is
/// ours (owned by us, mode 0700, no symlink), else a fresh one of this process. Another
/// local user can neither plant schemas nor links there.
fn eigener_ordner(basis: &Path, kennung: &str) -> Result<PathBuf, String> {
    use std::os::unix::fs::{DirBuilderExt, MetadataExt, PermissionsExt};
    let uid = std::fs::metadata("/proc/self").map(|m| m.uid()).ok();
    let unser = |p: &Path| {
        std::fs::symlink_metadata(p).is_ok_and(|m| {
            m.is_dir()
                && !m.file_type().is_symlink()
                && Some(m.uid()) == uid
                && m.permissions().mode() & 0o077 == 0
        })
    };
    let geteilt = basis.join(format!("plankammer-xbau-{kennung}"));
    let _ = std::fs::DirBuilder::new().mode(0o700).create(&geteilt);
    if unser(&geteilt) {
        return Ok(geteilt);
    }
    let eigen = basis.join(format!(
        "plankammer-xbau-{kennung}-{}-{}",
        std::process::id(),
        hex::encode(rand::random::<[u8; 8]>())
    ));
    std::fs::DirBuilder::new()
        .mode(0o700)
        .create(&eigen)
        .map_err(|e| format!("schema folder: {e}"))?;
    let _ = std::fs::set_permissions(&eigen, std::fs::Permissions::from_mode(0o700));
    Ok(eigen)
}

const ALLE_XBAU: &str = "plankammer-alle-xbau-nachrichten.xsd";

fn alle_nachrichten() -> String {
    let mut s = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<xs:schema xmlns:xs=\"http://www.w3.org/2001/XMLSchema\" targetNamespace=\"{NS_XBAU}\" elementFormDefault=\"qualified\">\n"
    );
    for (name, _) in DATEIEN {
        if name.starts_with("xbau-nachrichten-")
            || *name == "xbau-bauordnungsrechtlicheProzessnachrichten.xsd"
        {
            s.push_str(&format!("  <xs:include schemaLocation=\"{name}\"/>\n"));
        }
    }
    s.push_str("</xs:schema>\n");
    s
}

thread_local! {
    // Compiled schemas are not shareable between threads (libxml2 contexts); each thread
    // that validates compiles them once.
    static XBAU: RefCell<Option<SchemaValidationContext>> = const { RefCell::new(None) };
    static KERNMODUL: RefCell<Option<SchemaValidationContext>> = const { RefCell::new(None) };
}

fn kompiliert(datei: &str) -> Result<SchemaValidationContext, String> {
    let pfad = schema_ordner()?.join(datei);
    let mut parser = SchemaParserContext::from_file(&pfad.to_string_lossy());
    SchemaValidationContext::from_parser(&mut parser).map_err(|fehler| {
        let erste: Vec<String> = fehler
            .iter()
            .take(5)
            .map(|e| e.message.clone().unwrap_or_default())
            .collect();
        format!("compiling {datei}: {}", erste.join("; "))
    })
}

/// Checks a message: size, no DOCTYPE, well-formed, a namespace Plankammer knows, valid
/// against its schema. Findings are in the order libxml2 reports them, at most
/// [`MAX_BEFUNDE`].
pub fn pruefen(xml: &[u8]) -> Result<Geprueft, Vec<Befund>> {
    if xml.len() > MAX_NACHRICHT {
        return Err(befund(
            Fehlerkennzahl::X000,
            format!(
                "Die Nachricht ist größer als {} MB; Unterlagen gehören als Anlagen neben die Nachricht, nicht in sie.",
                MAX_NACHRICHT / (1024 * 1024)
            ),
        ));
    }
    // UTF-8 only (XBau's encoding): in UTF-16 or another encoding a DOCTYPE would not be
    // seen by the byte check below.
    if xml.contains(&0) || xml.starts_with(&[0xFE, 0xFF]) || xml.starts_with(&[0xFF, 0xFE]) {
        return Err(befund(
            Fehlerkennzahl::X000,
            "Die Nachricht ist nicht in UTF-8 kodiert; XBau-Nachrichten sind UTF-8.",
        ));
    }
    if let Some(kopf) = xml.get(..xml.len().min(200))
        && let Ok(kopf) = std::str::from_utf8(kopf.split(|b| *b == b'>').next().unwrap_or(kopf))
        && kopf.starts_with("<?xml")
        && let Some(i) = kopf.find("encoding")
    {
        let wert = kopf[i + 8..]
            .trim_start_matches([' ', '='])
            .trim_start_matches(['"', '\''])
            .split(['"', '\''])
            .next()
            .unwrap_or("");
        if !wert.eq_ignore_ascii_case("utf-8") {
            return Err(befund(
                Fehlerkennzahl::X000,
                format!("Die Nachricht ist als „{wert}“ kodiert; XBau-Nachrichten sind UTF-8."),
            ));
        }
    }
    if xml.windows(9).any(|w| w == b"<!DOCTYPE") || xml.windows(8).any(|w| w == b"<!ENTITY") {
        return Err(befund(
            Fehlerkennzahl::X000,
            "Die Nachricht enthält eine Dokumenttyp-Deklaration (DOCTYPE/ENTITY); XBau-Nachrichten haben keine, sie wird aus Sicherheitsgründen nicht gelesen.",
        ));
    }
    // No repairs: a broken message is broken (the schema must judge the bytes that were
    // sent, not a tree libxml2 mended); bytes as UTF-8 whatever they declare.
    let optionen = ParserOptions {
        recover: false,
        no_net: true,
        no_error: true,
        no_warning: true,
        encoding: Some("UTF-8"),
        ignore_enc: true,
        ..Default::default()
    };
    let doc = match Parser::default().parse_string_with_options(xml, optionen) {
        Ok(d) => d,
        Err(_) => {
            return Err(befund(
                Fehlerkennzahl::X000,
                "Die Nachricht ist kein wohlgeformtes XML-Dokument.",
            ));
        }
    };
    let Some(wurzel) = doc.get_root_element() else {
        return Err(befund(
            Fehlerkennzahl::X000,
            "Die Nachricht hat kein Wurzelelement.",
        ));
    };
    let namensraum = wurzel
        .get_namespace()
        .map(|n| n.get_href())
        .unwrap_or_default();
    let nachricht = wurzel.get_name();
    let schema = match namensraum.as_str() {
        NS_XBAU => &XBAU,
        NS_KERNMODUL => &KERNMODUL,
        // Another version of XBau or of its Kernmodul: the service is not offered in it.
        n if n.starts_with("http://www.xleitstelle.de/xbau/") => {
            return Err(befund(
                Fehlerkennzahl::V000,
                format!(
                    "Die XBau-Version des Namensraums „{n}“ verarbeitet Plankammer nicht; es nimmt XBau 2.6 ({NS_XBAU}) und das XBau-Kernmodul 1.3.0 ({NS_KERNMODUL}) entgegen."
                ),
            ));
        }
        _ => {
            return Err(befund(
                Fehlerkennzahl::V001,
                format!(
                    "Der Namensraum „{namensraum}“ ist weder XBau 2.6 ({NS_XBAU}) noch das XBau-Kernmodul 1.3.0 ({NS_KERNMODUL})."
                ),
            ));
        }
    };
    let ergebnis = schema.with(|s| {
        let mut s = s.borrow_mut();
        if s.is_none() {
            let datei = if namensraum == NS_XBAU {
                ALLE_XBAU
            } else {
                "xbau-kernmodul-prozessnachrichten.xsd"
            };
            *s = Some(kompiliert(datei)?);
        }
        let ctx = s.as_mut().expect("compiled above");
        let r = ctx.validate_document(&doc);
        Ok::<_, String>(r)
    });
    match ergebnis {
        Err(intern) => Err(befund(
            Fehlerkennzahl::X001,
            format!("Die Schemata konnten nicht geladen werden: {intern}"),
        )),
        Ok(Ok(())) => Ok(Geprueft {
            nachricht,
            namensraum,
        }),
        Ok(Err(fehler)) => Err(fehler
            .into_iter()
            .take(MAX_BEFUNDE)
            .map(|e| Befund {
                kennzahl: Fehlerkennzahl::X001,
                zeile: e.line.and_then(|l| u32::try_from(l).ok()),
                meldung: e.message.unwrap_or_default().trim().to_string(),
            })
            .collect()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_schema_folder_someone_else_could_write_is_not_used() {
        use std::os::unix::fs::PermissionsExt;
        let basis = std::env::temp_dir().join(format!(
            "pk-xbau-test-{}-{}",
            std::process::id(),
            hex::encode(rand::random::<[u8; 4]>())
        ));
        std::fs::create_dir_all(&basis).unwrap();
        // Our own, private: reused.
        let a = eigener_ordner(&basis, "k1").unwrap();
        assert_eq!(a, basis.join("plankammer-xbau-k1"));
        assert_eq!(eigener_ordner(&basis, "k1").unwrap(), a);
        // Writable by others (as if planted): a fresh folder of this process instead.
        let fremd = basis.join("plankammer-xbau-k2");
        std::fs::create_dir(&fremd).unwrap();
        std::fs::set_permissions(&fremd, std::fs::Permissions::from_mode(0o777)).unwrap();
        let b = eigener_ordner(&basis, "k2").unwrap();
        assert_ne!(b, fremd);
        let m = std::fs::metadata(&b).unwrap().permissions().mode();
        assert_eq!(m & 0o077, 0, "private");
        // A symlink in its place is not followed.
        let ziel = basis.join("woanders");
        std::fs::create_dir(&ziel).unwrap();
        std::os::unix::fs::symlink(&ziel, basis.join("plankammer-xbau-k3")).unwrap();
        assert_ne!(
            eigener_ordner(&basis, "k3").unwrap(),
            basis.join("plankammer-xbau-k3")
        );
        let _ = std::fs::remove_dir_all(&basis);
    }

    #[test]
    fn the_schemas_compile() {
        for datei in [ALLE_XBAU, "xbau-kernmodul-prozessnachrichten.xsd"] {
            if let Err(e) = kompiliert(datei) {
                panic!("{e}");
            }
        }
    }

    #[test]
    fn hostile_and_broken_input_is_refused_before_or_by_the_parser() {
        let bombe = br#"<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>
<lolz>&lol2;</lolz>"#;
        let xxe = br#"<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>"#;
        for (name, xml) in [("bomb", &bombe[..]), ("xxe", &xxe[..])] {
            let b = pruefen(xml).expect_err(name);
            assert_eq!(b[0].kennzahl, Fehlerkennzahl::X000, "{name}");
            assert!(b[0].meldung.contains("DOCTYPE"), "{name}: {}", b[0].meldung);
        }
        let b = pruefen(b"kein xml").unwrap_err();
        assert_eq!(b[0].kennzahl, Fehlerkennzahl::X000);
        let b = pruefen(b"<a xmlns=\"urn:anders\"/>").unwrap_err();
        assert_eq!(b[0].kennzahl, Fehlerkennzahl::V001);
        // XBau, but another version of it: the version is not offered (V000).
        let b = pruefen(b"<a xmlns=\"http://www.xleitstelle.de/xbau/2/5\"/>").unwrap_err();
        assert_eq!(b[0].kennzahl, Fehlerkennzahl::V000);
        // UTF-16 (where a byte search would not see a DOCTYPE) and another declared
        // encoding are refused; so is a truncated message (no repairs).
        let utf16: Vec<u8> = "<?xml version=\"1.0\" encoding=\"UTF-16\"?><!DOCTYPE a><a/>"
            .encode_utf16()
            .flat_map(|c| c.to_le_bytes())
            .collect();
        assert_eq!(
            pruefen(&utf16).unwrap_err()[0].kennzahl,
            Fehlerkennzahl::X000
        );
        let latin = b"<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><a/>";
        assert!(
            pruefen(latin).unwrap_err()[0]
                .meldung
                .contains("ISO-8859-1")
        );
        let abgeschnitten = format!(
            "<x:prozessnachrichten.statusFuerAntragsportal.1170 xmlns:x=\"{NS_KERNMODUL}\" produkt=\"P\" produkthersteller=\"H\" standard=\"XBau-Kernmodul\" version=\"1.3.0\"><bezug>"
        );
        assert_eq!(
            pruefen(abgeschnitten.as_bytes()).unwrap_err()[0].kennzahl,
            Fehlerkennzahl::X000
        );
        let gross = vec![b' '; MAX_NACHRICHT + 1];
        assert_eq!(
            pruefen(&gross).unwrap_err()[0].kennzahl,
            Fehlerkennzahl::X000
        );
        // Schema-invalid: an element XBau does not know inside a real message.
        let falsch = format!(
            "<x:prozessnachrichten.statusFuerAntragsportal.1170 xmlns:x=\"{NS_KERNMODUL}\" produkt=\"P\" produkthersteller=\"H\" version=\"1.3.0\"><unbekannt/></x:prozessnachrichten.statusFuerAntragsportal.1170>"
        );
        let b = pruefen(falsch.as_bytes()).unwrap_err();
        assert_eq!(b[0].kennzahl, Fehlerkennzahl::X001);
        assert!(b.iter().any(|x| x.meldung.contains("unbekannt")), "{b:?}");
    }
}
