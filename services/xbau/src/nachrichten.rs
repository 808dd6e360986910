//! Building outgoing messages. Each builder writes the XML of one message type from plain
//! values (the adapters fill them from a case); [`crate::ausgehend`] validates before
//! anything leaves.

use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};

/// Product attributes every message carries.
pub const PRODUKT: &str = "Plankammer";
pub const PRODUKTHERSTELLER: &str = "Plankammer (EUPL-1.2)";

/// An authority as the XÖV header names it: its identifier in a directory service and its
/// name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Behoerde {
    /// The directory service, `DVDV` for the Deutsches Verwaltungsdiensteverzeichnis.
    pub verzeichnisdienst: String,
    pub kennung: String,
    pub name: String,
}

/// The XÖV header: which message, when, from whom, to whom.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Kopf {
    pub uuid: String,
    pub erstellt: DateTime<Utc>,
    pub autor: Behoerde,
    pub leser: Behoerde,
}

/// What a message refers to: the applicant's message it answers (its UUID) and the
/// authority's Aktenzeichen.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Bezug {
    pub referenz: Option<String>,
    pub vorgang: Option<String>,
}

/// A new random UUID (version 4) for a message.
pub fn neue_uuid() -> String {
    let mut b: [u8; 16] = rand::random();
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let h = hex::encode(b);
    format!(
        "{}-{}-{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    )
}

/// A UUID derived from a name (stable across exports of the same message): the first 16
/// bytes of its SHA-256, marked as RFC 9562 version 8 (custom).
pub fn uuid_aus(name: &str) -> String {
    use sha2::Digest;
    let d = sha2::Sha256::digest(name.as_bytes());
    let mut b = [0u8; 16];
    b.copy_from_slice(&d[..16]);
    b[6] = (b[6] & 0x0f) | 0x80;
    b[8] = (b[8] & 0x3f) | 0x80;
    let h = hex::encode(b);
    format!(
        "{}-{}-{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    )
}

/// A value for DIN SPEC 91379's datatypes C and D (names, identifiers): characters
/// outside the common subset of both become their plain form (typographic quotes and
/// dashes) or `?`; line breaks and tabs become spaces.
pub fn din(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            ' '..='~' => c,
            '\u{A0}'..='\u{AC}' | '\u{AE}'..='\u{17E}' | '’' | '€' => c,
            '„' | '“' | '”' => '"',
            '‚' | '‘' => '\'',
            '–' | '—' | '•' | '‐' | '‑' => '-',
            '\t' | '\n' | '\r' => ' ',
            _ => '?',
        })
        .collect()
}

/// A file name as XBau's `Dateiname` allows it: letters, digits, German umlauts and a
/// few signs, and an extension.
pub fn dateiname(s: &str) -> String {
    let erlaubt = |c: char| c.is_ascii_alphanumeric() || "ÄÖÜäöüß -_!=+~,;.#°§$%()[]".contains(c);
    let (stamm, endung) = match s.rsplit_once('.') {
        Some((a, b))
            if !a.is_empty() && !b.is_empty() && b.chars().all(|c| c.is_ascii_alphanumeric()) =>
        {
            (a, b)
        }
        _ => (s, "bin"),
    };
    let stamm: String = stamm
        .chars()
        .map(|c| if erlaubt(c) { c } else { '_' })
        .collect();
    let stamm = if stamm.is_empty() {
        "datei".to_string()
    } else {
        stamm
    };
    format!("{stamm}.{endung}")
}

/// Text for XML content and attribute values.
pub fn esc(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '&' => o.push_str("&amp;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&apos;"),
            // Characters XML 1.0 does not allow are dropped (they never belong in a message).
            c if (c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r') => {}
            '\u{FFFE}' | '\u{FFFF}' => {}
            c => o.push(c),
        }
    }
    o
}

/// `Text`: one `textabsatz` per paragraph (blank lines separate paragraphs).
pub(crate) fn text(tag: &str, t: &str) -> String {
    let mut s = format!("<{tag}>");
    for absatz in t.split("\n\n").map(str::trim).filter(|a| !a.is_empty()) {
        s.push_str(&format!("<textabsatz>{}</textabsatz>", esc(absatz)));
    }
    s.push_str(&format!("</{tag}>"));
    s
}

/// `TextFormatiert`: the text as HTML5 flow content (paragraphs), base64-encoded.
pub(crate) fn text_formatiert(tag: &str, t: &str) -> String {
    use base64::Engine;
    let html: String = t
        .split("\n\n")
        .map(str::trim)
        .filter(|a| !a.is_empty())
        .map(|a| format!("<p>{}</p>", esc(a)))
        .collect();
    format!(
        "<{tag}><text>{}</text></{tag}>",
        base64::engine::general_purpose::STANDARD.encode(html.as_bytes())
    )
}

pub(crate) fn behoerde(tag: &str, b: &Behoerde) -> String {
    format!(
        "<{tag}><verzeichnisdienst listVersionID=\"2\"><code>{}</code></verzeichnisdienst><kennung>{}</kennung><name>{}</name></{tag}>",
        esc(&din(&b.verzeichnisdienst)),
        esc(&din(&b.kennung)),
        esc(&din(&b.name))
    )
}

/// The Kernmodul's header (`nachrichtenkopf.g2g`) for message type `typ` (e.g. `1170`).
pub(crate) fn kopf_kernmodul(k: &Kopf, typ: &str) -> String {
    format!(
        "<nachrichtenkopf.g2g><identifikation.nachricht><nachrichtenUUID>{}</nachrichtenUUID>\
         <nachrichtentyp listURI=\"urn:xoev-de:xbau-kernmodul:codeliste:xbau-kernmodul-nachrichten\" listVersionID=\"3.0\"><code>{typ}</code></nachrichtentyp>\
         <erstellungszeitpunkt>{}</erstellungszeitpunkt></identifikation.nachricht>{}{}</nachrichtenkopf.g2g>",
        esc(&k.uuid),
        k.erstellt.to_rfc3339_opts(SecondsFormat::Secs, true),
        behoerde("leser", &k.leser),
        behoerde("autor", &k.autor),
    )
}

pub(crate) fn bezug(b: &Bezug) -> String {
    if b.referenz.is_none() && b.vorgang.is_none() {
        return String::new();
    }
    let mut s = String::from("<bezug>");
    if let Some(r) = &b.referenz {
        s.push_str(&format!("<referenz>{}</referenz>", esc(r)));
    }
    if let Some(v) = &b.vorgang {
        s.push_str(&format!("<vorgang>{}</vorgang>", esc(&din(v))));
    }
    s.push_str("</bezug>");
    s
}

pub(crate) fn wurzel_kernmodul(name: &str, inhalt: &str) -> String {
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<xbauk:{name} xmlns:xbauk=\"{}\" produkt=\"{PRODUKT}\" produkthersteller=\"{}\" produktversion=\"{}\" standard=\"XBau-Kernmodul\" version=\"1.3.0\">{inhalt}</xbauk:{name}>\n",
        crate::pruefung::NS_KERNMODUL,
        esc(PRODUKTHERSTELLER),
        env!("CARGO_PKG_VERSION"),
    )
}

/// `prozessnachrichten.statusFuerAntragsportal.1170`: the case's status
/// (`statusbauportal` 3.0) for the applicant's portal, with a deadline where one runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusFuerAntragsportal {
    pub kopf: Kopf,
    pub bezug: Bezug,
    /// The `statusbauportal` 3.0 code (two digits).
    pub status: String,
    pub frist: Option<NaiveDate>,
    pub begruendung: Option<String>,
}

pub fn status_fuer_antragsportal(n: &StatusFuerAntragsportal) -> String {
    let mut inhalt = kopf_kernmodul(&n.kopf, "1170");
    inhalt.push_str(&bezug(&n.bezug));
    inhalt.push_str(&format!(
        "<statusAntragsportal listURI=\"urn:xoev-de:xbau:codeliste:statusbauportal\" listVersionID=\"3.0\"><code>{}</code></statusAntragsportal>",
        esc(&n.status)
    ));
    if let Some(f) = n.frist {
        inhalt.push_str(&format!("<frist>{}</frist>", f.format("%Y-%m-%d")));
    }
    if let Some(b) = &n.begruendung {
        inhalt.push_str(&text_formatiert("begruendung", b));
    }
    wurzel_kernmodul("prozessnachrichten.statusFuerAntragsportal.1170", &inhalt)
}

/// `prozessnachrichten.eingangsbestaetigung.1120`: the application arrived and is being
/// handled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Eingangsbestaetigung {
    pub kopf: Kopf,
    pub bezug: Bezug,
    pub information: Option<String>,
}

pub fn eingangsbestaetigung(n: &Eingangsbestaetigung) -> String {
    let mut inhalt = kopf_kernmodul(&n.kopf, "1120");
    inhalt.push_str(&bezug(&n.bezug));
    if let Some(i) = &n.information {
        inhalt.push_str(&text("information", i));
    }
    wurzel_kernmodul("prozessnachrichten.eingangsbestaetigung.1120", &inhalt)
}

/// `prozessnachrichten.aktenzeichen.1121`: the Aktenzeichen the authority handles the
/// application under.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Aktenzeichenmitteilung {
    pub kopf: Kopf,
    pub bezug: Bezug,
}

pub fn aktenzeichen(n: &Aktenzeichenmitteilung) -> String {
    let mut inhalt = kopf_kernmodul(&n.kopf, "1121");
    inhalt.push_str(&bezug(&n.bezug));
    wurzel_kernmodul("prozessnachrichten.aktenzeichen.1121", &inhalt)
}

/// The XBau 2.6 header (`nachrichtenkopf.g2g`, unqualified) for message type `typ`
/// (e.g. `0201`).
pub(crate) fn kopf_xbau(k: &Kopf, typ: &str) -> String {
    format!(
        "<nachrichtenkopf.g2g><identifikation.nachricht><nachrichtenUUID>{}</nachrichtenUUID>\
         <nachrichtentyp listURI=\"urn:xoev-de:xbau:codeliste:xbau-nachrichten\" listVersionID=\"4.0\"><code>{typ}</code></nachrichtentyp>\
         <erstellungszeitpunkt>{}</erstellungszeitpunkt></identifikation.nachricht>{}{}</nachrichtenkopf.g2g>",
        esc(&k.uuid),
        k.erstellt.to_rfc3339_opts(SecondsFormat::Secs, true),
        behoerde("leser", &k.leser),
        behoerde("autor", &k.autor),
    )
}

/// The `bezug` of an XBau 2.6 message: the element is XBau's (qualified), its content the
/// Kernmodul's (unqualified).
pub(crate) fn bezug_xbau(b: &Bezug) -> String {
    let s = bezug(b);
    if s.is_empty() {
        return s;
    }
    s.replace("<bezug>", "<xbau:bezug>")
        .replace("</bezug>", "</xbau:bezug>")
}

/// The reference of a Beteiligung request, which every later message about it names.
pub(crate) fn referenz_aufforderung(referenz: &str) -> String {
    format!(
        "<xbau:referenzAufforderung><xbau:referenzAuftrag>{}</xbau:referenzAuftrag></xbau:referenzAufforderung>",
        esc(referenz)
    )
}

pub(crate) fn wurzel_xbau(name: &str, inhalt: &str) -> String {
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<xbau:{name} xmlns:xbau=\"{}\" produkt=\"{PRODUKT}\" produkthersteller=\"{}\" produktversion=\"{}\" standard=\"XBau-Hochbau\" version=\"2.6\">{inhalt}</xbau:{name}>\n",
        crate::pruefung::NS_XBAU,
        esc(PRODUKTHERSTELLER),
        env!("CARGO_PKG_VERSION"),
    )
}

/// One Befund of the formelle Prüfung.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Befundzeile {
    /// `formellebefundeart` 2.0 code.
    pub art: String,
    /// The `anlagen` 3.0 code of the document it concerns, if one.
    pub anlageart: Option<String>,
    pub beschreibung: String,
}

/// `baugenehmigung.formellePruefung.0201`: the result of the formelle Prüfung — complete,
/// or the Befunde with the deadline to answer them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FormellePruefung {
    pub kopf: Kopf,
    pub bezug: Bezug,
    pub vollstaendig: bool,
    pub befunde: Vec<Befundzeile>,
    pub frist: Option<NaiveDate>,
    pub anschreiben: Option<String>,
}

pub fn formelle_pruefung(n: &FormellePruefung) -> String {
    let mut inhalt = kopf_xbau(&n.kopf, "0201");
    inhalt.push_str(&bezug_xbau(&n.bezug));
    inhalt.push_str(&format!(
        "<xbau:antragVollstaendig>{}</xbau:antragVollstaendig>",
        n.vollstaendig
    ));
    if !n.befunde.is_empty() || n.frist.is_some() {
        inhalt.push_str("<xbau:befundFrist>");
        if !n.befunde.is_empty() {
            inhalt.push_str("<xbau:befundliste>");
            for b in &n.befunde {
                inhalt.push_str("<xbau:befund>");
                inhalt.push_str(&format!(
                    "<xbau:artDesBefundes listURI=\"urn:xoev-de:xbau:codeliste:formellebefundeart\" listVersionID=\"2.0\"><code>{}</code></xbau:artDesBefundes>",
                    esc(&b.art)
                ));
                if let Some(a) = &b.anlageart {
                    inhalt.push_str(&format!(
                        "<xbau:betroffeneAnlage listVersionID=\"3.0\"><code>{}</code></xbau:betroffeneAnlage>",
                        esc(a)
                    ));
                }
                inhalt.push_str(&text("xbau:beschreibung", &b.beschreibung));
                inhalt.push_str("</xbau:befund>");
            }
            inhalt.push_str("</xbau:befundliste>");
        }
        if let Some(f) = n.frist {
            inhalt.push_str(&format!(
                "<xbau:frist>{}</xbau:frist>",
                f.format("%Y-%m-%d")
            ));
        }
        inhalt.push_str("</xbau:befundFrist>");
    }
    if let Some(a) = &n.anschreiben {
        inhalt.push_str(&text("xbau:anschreiben", a));
    }
    wurzel_xbau("baugenehmigung.formellePruefung.0201", &inhalt)
}

/// A file beside a message (XBau intends the bytes to travel next to the XML): what it is
/// and how to check it (size and SHA-256).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AnlageMeta {
    pub bezeichnung: String,
    /// `anlagen` 3.0 code.
    pub anlageart: Option<String>,
    pub version: Option<u64>,
    pub mime_type: String,
    /// A stable id of the file (Plankammer's document version).
    pub dokument_id: String,
    pub dateiname: String,
    pub groesse: u64,
    pub sha256: String,
}

pub(crate) fn anlagen(liste: &[AnlageMeta]) -> String {
    if liste.is_empty() {
        return String::new();
    }
    let mut s = String::from("<xbau:anlagen>");
    for a in liste {
        s.push_str("<anlage>");
        // XBau's rules forbid empty elements: what is not known is left out.
        if !a.bezeichnung.trim().is_empty() {
            s.push_str(&format!(
                "<bezeichnung>{}</bezeichnung>",
                esc(&a.bezeichnung)
            ));
        }
        if let Some(v) = a.version {
            s.push_str(&format!("<versionsnummer>{v}</versionsnummer>"));
        }
        if let Some(art) = &a.anlageart {
            s.push_str(&format!(
                "<anlageart listVersionID=\"3.0\"><code>{}</code></anlageart>",
                esc(art)
            ));
        }
        if !a.mime_type.trim().is_empty() {
            s.push_str(&format!(
                // XBau leaves the list of media types open: the IANA registry (RFC 6838).
                "<mimeType listURI=\"urn:ietf:rfc:6838\" listVersionID=\"2013\"><code>{}</code></mimeType>",
                esc(&a.mime_type)
            ));
        }
        s.push_str(&format!(
            // The schema's documentation asks for the bare hex digits (SHA2-256); the
            // algorithm prefix is Plankammer's (the reader in `eingang` takes both).
            "<anhangOderVerlinkung><anhang filesize=\"{}\" hashValue=\"{}\"><dokumentid>{}</dokumentid><dateiname>{}</dateiname></anhang></anhangOderVerlinkung>",
            a.groesse.max(1),
            esc(&a.sha256),
            esc(&a.dokument_id),
            esc(&dateiname(&a.dateiname))
        ));
        s.push_str("</anlage>");
    }
    s.push_str("</xbau:anlagen>");
    s
}

/// One Nebenbestimmung of a Bescheid.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NebenbestimmungZeile {
    /// `nebenbestimmungart` 3.0 code.
    pub art: String,
    pub text: String,
}

/// `baugenehmigung.bescheid.0205`: the Bescheid, with the Bescheid PDF and the stamped
/// plans as files beside it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BescheidNachricht {
    pub kopf: Kopf,
    pub bezug: Bezug,
    pub ist_genehmigung: bool,
    pub nebenbestimmungen: Vec<NebenbestimmungZeile>,
    pub begruendung: Option<String>,
    pub rechtsbehelfsbelehrung: Option<String>,
    pub anlagen: Vec<AnlageMeta>,
}

pub fn bescheid(n: &BescheidNachricht) -> String {
    let mut inhalt = kopf_xbau(&n.kopf, "0205");
    inhalt.push_str(&bezug_xbau(&n.bezug));
    inhalt.push_str("<xbau:bescheid>");
    inhalt.push_str(&format!(
        "<xbau:tenor><xbau:istGenehmigung>{}</xbau:istGenehmigung></xbau:tenor>",
        n.ist_genehmigung
    ));
    for nb in &n.nebenbestimmungen {
        inhalt.push_str(&format!(
            "<xbau:nebenbestimmung><xbau:art listURI=\"urn:xoev-de:xbau:codeliste:nebenbestimmungart\" listVersionID=\"3.0\"><code>{}</code></xbau:art>{}</xbau:nebenbestimmung>",
            esc(&nb.art),
            text_formatiert("xbau:nebenbestimmung", &nb.text)
        ));
    }
    if let Some(b) = &n.begruendung {
        inhalt.push_str(&text_formatiert("xbau:begruendung", b));
    }
    if let Some(r) = &n.rechtsbehelfsbelehrung {
        inhalt.push_str(&text("xbau:rechtshelfsbelehrung", r));
    }
    inhalt.push_str("</xbau:bescheid>");
    inhalt.push_str(&anlagen(&n.anlagen));
    wurzel_xbau("baugenehmigung.bescheid.0205", &inhalt)
}

/// `prozessnachrichten.rueckweisung.G2G.1100`: a message that cannot be taken, with the
/// XBau error codes and reasons, and (where small enough) the refused message itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rueckweisung {
    pub kopf: Kopf,
    /// (`xbau-fehlerkennzahlen` 2.2 code, text).
    pub gruende: Vec<(String, String)>,
    /// The refused message, returned to its sender (base64 in the XML).
    pub nachricht: Option<Vec<u8>>,
}

/// Refused messages larger than this are not sent back inside the refusal.
pub const MAX_ZURUECK: usize = 1024 * 1024;

pub fn rueckweisung(n: &Rueckweisung) -> String {
    use base64::Engine;
    let mut inhalt = kopf_kernmodul(&n.kopf, "1100");
    inhalt.push_str("<rueckweisungDaten>");
    for (code, text) in &n.gruende {
        // datatypeC (DIN 91379); libxml2's texts can quote whole patterns: kept short.
        let text: String = din(text).chars().take(500).collect();
        inhalt.push_str(&format!(
            "<rueckweisungsgrund><grund listVersionID=\"2.2\"><code>{}</code></grund><fehlertext>{}</fehlertext></rueckweisungsgrund>",
            esc(code),
            esc(&text)
        ));
    }
    if let Some(m) = n.nachricht.as_ref().filter(|m| m.len() <= MAX_ZURUECK) {
        inhalt.push_str(&format!(
            "<nachricht>{}</nachricht>",
            base64::engine::general_purpose::STANDARD.encode(m)
        ));
    }
    inhalt.push_str("</rueckweisungDaten>");
    wurzel_kernmodul("prozessnachrichten.rueckweisung.G2G.1100", &inhalt)
}

/// `beteiligung.aufforderung.0300`: a Stelle is asked for its statement on the documents
/// in scope, by a deadline, with the legal effect of silence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Aufforderung {
    pub kopf: Kopf,
    pub bezug: Bezug,
    /// The request's own reference (a UUID), which the Stelle's answers name.
    pub referenz: String,
    pub stelle: String,
    /// `beteiligungrolle` 2.0 code.
    pub rolle: String,
    pub grund: Option<String>,
    pub bauvorhaben: String,
    pub anlagen: Vec<AnlageMeta>,
    pub frist: NaiveDate,
    pub rechtsfolge: Option<String>,
}

pub fn aufforderung(n: &Aufforderung) -> String {
    let mut inhalt = kopf_xbau(&n.kopf, "0300");
    inhalt.push_str(&bezug_xbau(&n.bezug));
    inhalt.push_str(&referenz_aufforderung(&n.referenz));
    inhalt.push_str(&format!(
        "<xbau:zuBeteiligendeStelle>{}</xbau:zuBeteiligendeStelle>",
        esc(&din(&n.stelle))
    ));
    inhalt.push_str(&format!(
        "<xbau:anliegenBeteiligung><xbau:rolle listURI=\"urn:xoev-de:xbau:codeliste:beteiligungrolle\" listVersionID=\"2.0\"><code>{}</code></xbau:rolle>",
        esc(&n.rolle)
    ));
    if let Some(g) = &n.grund {
        inhalt.push_str(&text_formatiert("xbau:grundDerBeteiligung", g));
    }
    inhalt.push_str("</xbau:anliegenBeteiligung>");
    inhalt.push_str(&format!(
        "<xbau:bauvorhaben><xbau:bezeichnungDesBauvorhabens>{}</xbau:bezeichnungDesBauvorhabens></xbau:bauvorhaben>",
        esc(&din(&n.bauvorhaben))
    ));
    inhalt.push_str(&anlagen(&n.anlagen));
    inhalt.push_str(&format!(
        "<xbau:frist>{}</xbau:frist>",
        n.frist.format("%Y-%m-%d")
    ));
    if let Some(r) = &n.rechtsfolge {
        inhalt.push_str(&text("xbau:rechtsfolgeFristversaeumnis", r));
    }
    wurzel_xbau("beteiligung.aufforderung.0300", &inhalt)
}

/// `beteiligung.ruecknahme.0304`: the Bauaufsicht withdraws a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuecknahmeBeteiligung {
    pub kopf: Kopf,
    pub bezug: Bezug,
    /// The reference of the request (its 0300's `referenzAuftrag`).
    pub referenz: String,
    pub information: Option<String>,
}

pub fn ruecknahme_beteiligung(n: &RuecknahmeBeteiligung) -> String {
    let mut inhalt = kopf_xbau(&n.kopf, "0304");
    inhalt.push_str(&bezug_xbau(&n.bezug));
    inhalt.push_str(&referenz_aufforderung(&n.referenz));
    if let Some(i) = &n.information {
        inhalt.push_str(&text("xbau:information", i));
    }
    wurzel_xbau("beteiligung.ruecknahme.0304", &inhalt)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_file_names_are_made_fit_for_din_91379() {
        assert_eq!(
            din("Stadt Kassel – Bauaufsicht „Mitte“ 😀"),
            "Stadt Kassel - Bauaufsicht \"Mitte\" ?"
        );
        assert_eq!(din("Müller\tGeb.\nÉcole"), "Müller Geb. École");
        assert_eq!(
            dateiname("Grundriss EG & OG (Entwurf).pdf"),
            "Grundriss EG _ OG (Entwurf).pdf"
        );
        assert_eq!(dateiname("plan"), "plan.bin");
        assert_eq!(dateiname("été@büro.PDF"), "_t__büro.PDF");
        assert_eq!(esc("a\u{FFFE}b\u{1}c"), "abc");
    }
}
