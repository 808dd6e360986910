//! Incoming messages: the header of any XBau 2.6 or Kernmodul message, the Bauantrag
//! (0200, and its change 0202), the withdrawal of an application (1130), a Stelle's
//! Stellungnahme (0303) and Zwischennachricht (0305) — read, and also built (a portal or a
//! Stelle sends them; Plankammer builds them for its own portal, its tests and its demo),
//! and the generic acknowledgement of receipt (1180).
//!
//! Reading always comes after [`crate::pruefen`] passed: the readers do not validate, they
//! take what the schema allows and pick out what Plankammer needs. Elements are matched by
//! local name and namespace (XBau's qualified elements, the Kernmodul's unqualified ones),
//! never by prefix, so any prefix or a default namespace reads the same. The parser
//! (roxmltree) refuses document type declarations, like the validator's guard.
//!
//! Where XBau leaves a code list to the Land — the Verfahrensart — Plankammer publishes its
//! own ([`CODELISTE_VERFAHRENSART`], `codelisten/plankammer-verfahrensart.xml`).

use crate::nachrichten::{
    AnlageMeta, Behoerde, Bezug, Kopf, NebenbestimmungZeile, anlagen, behoerde, bezug, bezug_xbau,
    din, esc, kopf_kernmodul, kopf_xbau, referenz_aufforderung, text, text_formatiert,
    wurzel_kernmodul, wurzel_xbau,
};
use crate::pruefung::{MAX_NACHRICHT, NS_KERNMODUL, NS_XBAU};
use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveDateTime, Utc};
use roxmltree::{Document, Node, ParsingOptions};
use std::sync::LazyLock;

// ---------------------------------------------------------------------------------------------
// Code lists
// ---------------------------------------------------------------------------------------------

/// Plankammer's code list of the Verfahrensart (genericode 1.0), for XBau's
/// `Code.Verfahrensart`, which names no list of its own.
pub const CODELISTE_VERFAHRENSART: &str =
    include_str!("../codelisten/plankammer-verfahrensart.xml");
/// Its `listURI`.
pub const VERFAHRENSART_URI: &str = "urn:plankammer:codeliste:verfahrensart";
/// Its `listVersionID`.
pub const VERFAHRENSART_VERSION: &str = "1.0";

/// One code of Plankammer's Verfahrensart list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerfahrensartCode {
    /// The Plankammer slug, e.g. `vereinfacht`.
    pub code: String,
    /// e.g. "Vereinfachtes Baugenehmigungsverfahren".
    pub name: String,
    /// e.g. "§ 65 HBO".
    pub rechtsgrundlage: String,
}

/// The codes of [`CODELISTE_VERFAHRENSART`], read from the embedded file (one source).
pub fn verfahrensarten() -> &'static [VerfahrensartCode] {
    static LISTE: LazyLock<Vec<VerfahrensartCode>> = LazyLock::new(|| {
        let doc = Document::parse(CODELISTE_VERFAHRENSART)
            .unwrap_or_else(|e| panic!("eingebettete Codeliste Verfahrensart: {e}"));
        let mut aus = Vec::new();
        for row in doc.descendants().filter(|n| n.has_tag_name("Row")) {
            let spalte = |id: &str| {
                row.children()
                    .find(|v| v.has_tag_name("Value") && v.attribute("ColumnRef") == Some(id))
                    .and_then(|v| v.children().find(|c| c.has_tag_name("SimpleValue")))
                    .map(inhalt)
                    .unwrap_or_default()
            };
            aus.push(VerfahrensartCode {
                code: spalte("Code"),
                name: spalte("Beschreibung"),
                rechtsgrundlage: spalte("Rechtsgrundlage"),
            });
        }
        aus
    });
    &LISTE
}

/// The `kammer` 2.0 list of XBau (the chambers of architects and engineers); XBau's schema
/// fixes the codes (01–31), the names are the list's.
pub const KAMMERN: [(&str, &str); 31] = [
    ("01", "Architektenkammer Nordrhein-Westfalen"),
    ("02", "Ingenieurkammer-Bau Nordrhein-Westfalen"),
    ("03", "Architektenkammer Baden-Württemberg"),
    ("04", "Ingenieurkammer Baden-Württemberg"),
    ("05", "Bayerische Architektenkammer"),
    ("06", "Bayerische Ingenieurkammer-Bau"),
    ("07", "Architektenkammer Berlin"),
    ("08", "Baukammer Berlin"),
    ("09", "Brandenburgische Architektenkammer"),
    ("10", "Brandenburgische Ingenieurkammer"),
    ("11", "Architektenkammer der Freien Hansestadt Bremen"),
    ("12", "Ingenieurkammer der Freien Hansestadt Bremen"),
    ("13", "Hamburgische Architektenkammer"),
    ("14", "Hamburgische Ingenieurkammer-Bau"),
    ("15", "Architekten- und Stadtplanerkammer Hessen"),
    ("16", "Ingenieurkammer Hessen"),
    ("17", "Architektenkammer Mecklenburg-Vorpommern"),
    ("18", "Ingenieurkammer Mecklenburg-Vorpommern"),
    ("19", "Architektenkammer Niedersachsen"),
    ("20", "Ingenieurkammer Niedersachsen"),
    ("21", "Architektenkammer Rheinland-Pfalz"),
    ("22", "Ingenieurkammer Rheinland-Pfalz"),
    ("23", "Architektenkammer des Saarlandes"),
    ("24", "Ingenieurkammer des Saarlandes"),
    ("25", "Architektenkammer Sachsen"),
    ("26", "Ingenieurkammer Sachsen"),
    ("27", "Architektenkammer Sachsen-Anhalt"),
    ("28", "Ingenieurkammer Sachsen-Anhalt"),
    ("29", "Architekten- und Ingenieurkammer Schleswig-Holstein"),
    ("30", "Architektenkammer Thüringen"),
    ("31", "Ingenieurkammer Thüringen"),
];

/// The `kammer` code of a chamber named as in the list (or given as its code).
fn kammer_code(kammer: &str) -> Option<&'static str> {
    let k = kammer.trim();
    KAMMERN
        .iter()
        .find(|(code, name)| *code == k || name.eq_ignore_ascii_case(k))
        .map(|(code, _)| *code)
}

/// The types `generischeQuittierungEingang.1180` acknowledges (`nachricht-eingangsquittierung`
/// 1.0). The schema takes any code; the list names these.
pub const QUITTIERBARE_NACHRICHTEN: [&str; 26] = [
    "0121", "0201", "0203", "0211", "0213", "0221", "0223", "0231", "0233", "0241", "0243", "0251",
    "0253", "0261", "0263", "0300", "0301", "0302", "0306", "0502", "0711", "0900", "0912", "1140",
    "1160", "1203",
];

const AGS_URI: &str = "urn:de:bund:destatis:bevoelkerungsstatistik:schluessel:ags";

// ---------------------------------------------------------------------------------------------
// Reading: the tree and its helpers
// ---------------------------------------------------------------------------------------------

/// XBau 2.6's qualified elements.
const X: Option<&str> = Some(NS_XBAU);
/// Unqualified elements (the Kernmodul's and XÖV's types, the headers, code values).
const U: Option<&str> = None;

fn dokument(xml: &[u8]) -> Result<Document<'_>, String> {
    if xml.len() > MAX_NACHRICHT {
        return Err(format!(
            "Die Nachricht ist größer als {} MB.",
            MAX_NACHRICHT / (1024 * 1024)
        ));
    }
    let s = std::str::from_utf8(xml)
        .map_err(|_| "Die Nachricht ist nicht in UTF-8 kodiert.".to_string())?;
    let s = s.strip_prefix('\u{FEFF}').unwrap_or(s);
    Document::parse_with_options(
        s,
        ParsingOptions {
            allow_dtd: false,
            nodes_limit: 2_000_000,
            ..ParsingOptions::default()
        },
    )
    .map_err(|e| format!("Die Nachricht ist kein lesbares XML-Dokument ({e})."))
}

/// The element children named `name` in namespace `ns`.
fn kinder<'a, 'i>(
    n: Node<'a, 'i>,
    ns: Option<&str>,
    name: &str,
) -> impl Iterator<Item = Node<'a, 'i>> {
    n.children()
        .filter(move |c| c.is_element() && c.tag_name().name() == name && namensraum(*c) == ns)
}

/// An element's namespace; `None` for none (roxmltree gives `Some("")` where `xmlns=""`
/// undeclares the default namespace).
fn namensraum<'a>(n: Node<'a, '_>) -> Option<&'a str> {
    n.tag_name().namespace().filter(|ns| !ns.is_empty())
}

fn kind<'a, 'i>(n: Node<'a, 'i>, ns: Option<&str>, name: &str) -> Option<Node<'a, 'i>> {
    kinder(n, ns, name).next()
}

/// The first element along a path of (namespace, name) steps.
fn pfad<'a, 'i>(n: Node<'a, 'i>, schritte: &[(Option<&str>, &str)]) -> Option<Node<'a, 'i>> {
    schritte
        .iter()
        .try_fold(n, |knoten, (ns, name)| kind(knoten, *ns, name))
}

/// The text content of an element, trimmed.
fn inhalt(n: Node) -> String {
    n.children()
        .filter(|c| c.is_text())
        .filter_map(|c| c.text())
        .collect::<String>()
        .trim()
        .to_string()
}

/// The text of a child element, `None` when absent or blank.
fn wert(n: Node, ns: Option<&str>, name: &str) -> Option<String> {
    kind(n, ns, name).map(inhalt).filter(|t| !t.is_empty())
}

/// The `code` of a code element (XÖV: `<x listURI=".." listVersionID=".."><code>..</code></x>`).
fn code(n: Node) -> Option<String> {
    wert(n, U, "code")
}

fn behoerde_lesen(n: Node) -> Behoerde {
    Behoerde {
        verzeichnisdienst: kind(n, U, "verzeichnisdienst")
            .and_then(code)
            .unwrap_or_default(),
        kennung: wert(n, U, "kennung").unwrap_or_default(),
        name: wert(n, U, "name").unwrap_or_default(),
    }
}

/// `Text` (Kernmodul): the `textabsatz` paragraphs, separated by blank lines.
fn text_lesen(n: Node) -> String {
    kinder(n, U, "textabsatz")
        .map(inhalt)
        .filter(|t| !t.is_empty())
        .collect::<Vec<_>>()
        .join("\n\n")
}

/// `TextFormatiert` (Kernmodul): HTML5 in base64 as plain text, paragraphs separated by
/// blank lines. The alternative `textOffice` (an office document) is not read.
fn text_formatiert_lesen(n: Node) -> String {
    use base64::Engine;
    let Some(b64) = kind(n, U, "text").map(inhalt) else {
        return String::new();
    };
    let b64: String = b64.chars().filter(|c| !c.is_whitespace()).collect();
    match base64::engine::general_purpose::STANDARD.decode(b64) {
        Ok(bytes) => html_zu_text(&String::from_utf8_lossy(&bytes)),
        Err(_) => String::new(),
    }
}

/// HTML flow content as plain text: block ends and `<br>` become paragraph breaks, tags go,
/// entities are resolved.
fn html_zu_text(html: &str) -> String {
    const BLOECKE: [&str; 14] = [
        "p",
        "div",
        "li",
        "ul",
        "ol",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "table",
        "tr",
        "blockquote",
    ];
    let mut roh = String::new();
    let mut rest = html;
    while let Some(i) = rest.find('<') {
        roh.push_str(&rest[..i]);
        let Some(j) = rest[i..].find('>') else {
            rest = "";
            break;
        };
        let tag = rest[i + 1..i + j].trim().trim_start_matches('/');
        let name: String = tag
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric())
            .collect::<String>()
            .to_ascii_lowercase();
        if name == "br" || BLOECKE.contains(&name.as_str()) {
            roh.push_str("\n\n");
        }
        rest = &rest[i + j + 1..];
    }
    roh.push_str(rest);
    let text = entitaeten(&roh);
    text.split("\n\n")
        .map(str::trim)
        .filter(|a| !a.is_empty())
        .collect::<Vec<_>>()
        .join("\n\n")
}

fn entitaeten(s: &str) -> String {
    let mut aus = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find('&') {
        aus.push_str(&rest[..i]);
        let nach = &rest[i + 1..];
        let ende = nach.find(';').filter(|e| *e <= 10);
        let ersetzt = ende.and_then(|e| {
            let name = &nach[..e];
            let c = match name {
                "amp" => Some('&'),
                "lt" => Some('<'),
                "gt" => Some('>'),
                "quot" => Some('"'),
                "apos" => Some('\''),
                "nbsp" => Some('\u{A0}'),
                _ => {
                    if let Some(h) = name.strip_prefix("#x").or(name.strip_prefix("#X")) {
                        u32::from_str_radix(h, 16).ok().and_then(char::from_u32)
                    } else if let Some(d) = name.strip_prefix('#') {
                        d.parse().ok().and_then(char::from_u32)
                    } else {
                        None
                    }
                }
            };
            c.map(|c| (c, e))
        });
        match ersetzt {
            Some((c, e)) => {
                aus.push(c);
                rest = &nach[e + 1..];
            }
            None => {
                aus.push('&');
                rest = nach;
            }
        }
    }
    aus.push_str(rest);
    aus
}

/// `xs:dateTime`: with a zone as given; without one, German civil time (CET/CEST), which
/// is what a German sender means.
fn zeitpunkt(s: &str) -> Option<DateTime<Utc>> {
    if let Ok(t) = DateTime::parse_from_rfc3339(s.trim()) {
        return Some(t.with_timezone(&Utc));
    }
    let naiv = NaiveDateTime::parse_from_str(s.trim(), "%Y-%m-%dT%H:%M:%S%.f").ok()?;
    // Summer time runs from 01:00 UTC on the last Sunday of March to 01:00 UTC on the last
    // Sunday of October. (Checked arithmetic: the year comes from outside.)
    let letzter_sonntag = |monat: u32| {
        let letzter = NaiveDate::from_ymd_opt(naiv.year(), monat + 1, 1)?.pred_opt()?;
        let zurueck = letzter.weekday().num_days_from_sunday();
        letzter
            .checked_sub_signed(Duration::days(i64::from(zurueck)))?
            .and_hms_opt(1, 0, 0)
    };
    let als_winterzeit = naiv.checked_sub_signed(Duration::hours(1))?;
    let sommer = als_winterzeit >= letzter_sonntag(3)? && als_winterzeit < letzter_sonntag(10)?;
    let utc = naiv.checked_sub_signed(Duration::hours(if sommer { 2 } else { 1 }))?;
    Some(utc.and_utc())
}

// ---------------------------------------------------------------------------------------------
// The header
// ---------------------------------------------------------------------------------------------

/// Header of any incoming XBau 2.6 or Kernmodul message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Eingang {
    pub uuid: String,
    /// The message type, e.g. `0200` (the header's `nachrichtentyp`, else the end of the
    /// root's name).
    pub typ: String,
    /// The root's name, e.g. `baugenehmigung.antrag.0200`.
    pub nachricht: String,
    pub erstellt: Option<DateTime<Utc>>,
    pub autor: Option<Behoerde>,
    pub leser: Option<Behoerde>,
    /// `bezug/referenz`: the UUID of the message answered.
    pub bezug_referenz: Option<String>,
    /// `bezug/vorgang`: the authority's Aktenzeichen.
    pub bezug_vorgang: Option<String>,
}

/// The header as far as it is there (the UUID may be missing: the readers name that).
struct KopfRoh {
    uuid: Option<String>,
    typ: String,
    nachricht: String,
    erstellt: Option<DateTime<Utc>>,
    autor: Option<Behoerde>,
    leser: Option<Behoerde>,
    bezug: Bezug,
}

fn kopf_roh(doc: &Document) -> Result<KopfRoh, String> {
    let wurzel = doc.root_element();
    let ns = wurzel.tag_name().namespace().unwrap_or("");
    if ns != NS_XBAU && ns != NS_KERNMODUL {
        return Err(format!(
            "Die Nachricht ist weder eine XBau-2.6- noch eine XBau-Kernmodul-Nachricht (Namensraum „{ns}“)."
        ));
    }
    let nachricht = wurzel.tag_name().name().to_string();
    let kopf = kind(wurzel, U, "nachrichtenkopf.g2g");
    let ident = kopf.and_then(|k| kind(k, U, "identifikation.nachricht"));
    let typ = ident
        .and_then(|i| kind(i, U, "nachrichtentyp"))
        .and_then(code)
        .unwrap_or_else(|| nachricht.rsplit('.').next().unwrap_or("").to_string());
    // XBau's messages qualify their `bezug`, the Kernmodul's do not; its content is
    // unqualified in both.
    let bezug_ns = if ns == NS_XBAU { X } else { U };
    let b = kind(wurzel, bezug_ns, "bezug");
    Ok(KopfRoh {
        uuid: ident.and_then(|i| wert(i, U, "nachrichtenUUID")),
        typ,
        nachricht,
        erstellt: ident
            .and_then(|i| wert(i, U, "erstellungszeitpunkt"))
            .and_then(|t| zeitpunkt(&t)),
        autor: kopf.and_then(|k| kind(k, U, "autor")).map(behoerde_lesen),
        leser: kopf.and_then(|k| kind(k, U, "leser")).map(behoerde_lesen),
        bezug: Bezug {
            referenz: b.and_then(|b| wert(b, U, "referenz")),
            vorgang: b.and_then(|b| wert(b, U, "vorgang")),
        },
    })
}

impl KopfRoh {
    /// The [`Kopf`] of the read message: a missing time is the time of reading, a missing
    /// author or reader an empty [`Behoerde`].
    fn kopf(&self) -> Kopf {
        let leer = || Behoerde {
            verzeichnisdienst: String::new(),
            kennung: String::new(),
            name: String::new(),
        };
        Kopf {
            uuid: self.uuid.clone().unwrap_or_default(),
            erstellt: self.erstellt.unwrap_or_else(Utc::now),
            autor: self.autor.clone().unwrap_or_else(leer),
            leser: self.leser.clone().unwrap_or_else(leer),
        }
    }

    fn uuid_fehlt(&self, fehler: &mut Vec<String>) {
        if self.uuid.is_none() {
            fehler.push(FEHLT_UUID.to_string());
        }
    }
}

const FEHLT_UUID: &str = "Die Nachricht hat keine Nachrichten-UUID (nachrichtenkopf.g2g/identifikation.nachricht/nachrichtenUUID).";

/// The header of any XBau 2.6 or Kernmodul message (after [`crate::pruefen`]).
pub fn kopf_lesen(xml: &[u8]) -> Result<Eingang, String> {
    let doc = dokument(xml)?;
    let k = kopf_roh(&doc)?;
    let Some(uuid) = k.uuid else {
        return Err(format!(
            "Der Nachrichtenkopf der Nachricht „{}“ ist nicht lesbar: {FEHLT_UUID}",
            k.nachricht
        ));
    };
    Ok(Eingang {
        uuid,
        typ: k.typ,
        nachricht: k.nachricht,
        erstellt: k.erstellt,
        autor: k.autor,
        leser: k.leser,
        bezug_referenz: k.bezug.referenz,
        bezug_vorgang: k.bezug.vorgang,
    })
}

/// The document and its header, or the one sentence why it is not the expected message.
fn nachricht_von<'i>(
    xml: &'i [u8],
    erwartet: &[&str],
) -> Result<(Document<'i>, KopfRoh), Vec<String>> {
    let doc = dokument(xml).map_err(|e| vec![e])?;
    let k = kopf_roh(&doc).map_err(|e| vec![e])?;
    if !erwartet.contains(&k.nachricht.as_str()) {
        return Err(vec![format!(
            "Die Nachricht ist keine {}, sondern eine „{}“.",
            erwartet.join(" bzw. "),
            k.nachricht
        )]);
    }
    Ok((doc, k))
}

// ---------------------------------------------------------------------------------------------
// Bauantrag (0200, 0202)
// ---------------------------------------------------------------------------------------------

/// A person or organisation as Plankammer records the Bauherrschaft.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Person {
    pub name: String,
    /// One line, "Musterweg 1, 34117 Kassel".
    pub anschrift: String,
    /// "" if none.
    pub email: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Entwurfsverfasser {
    pub name: String,
    /// The chamber's name as in XBau's `kammer` list (e.g. "Architekten- und
    /// Stadtplanerkammer Hessen").
    pub kammer: String,
    pub mitgliedsnummer: String,
}

/// The content of a 0200 (and of a 0202, which carries the same content for a changed
/// application).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bauantrag {
    pub kopf: Kopf,
    /// `referenzAntragsservice`: the portal's id of the application (0200 only).
    pub referenz_antragsservice: Option<String>,
    /// `empfangendeStelle`, if given (0200 only).
    pub empfaenger: Option<Behoerde>,
    /// Plankammer slug: `baugenehmigung` | `vereinfacht` | `freistellung` | `vorbescheid`.
    pub verfahrensart: String,
    pub bezeichnung: String,
    /// `baumassnahmeart` 2.0 code (the first `artDerMassnahme`), "" if none.
    pub massnahme: String,
    /// `gebaeudeklasse` 3.0 code or "".
    pub gebaeudeklasse: String,
    pub strasse: String,
    pub hausnummer: String,
    pub plz: String,
    pub ort: String,
    /// 8-digit Amtlicher Gemeindeschlüssel.
    pub gemeinde_ags: String,
    /// The Gemeinde's name. XBau carries only the key; reading fills the name from the
    /// Hessian Gemeinden list (plankammer-domain), "" outside Hessen; building ignores it.
    pub gemeinde: String,
    /// The Gemarkung (name, or number where the message gives a number); several distinct
    /// ones are joined by ", ".
    pub gemarkung: String,
    /// The Flur; several distinct ones are joined by ", ".
    pub flur: String,
    /// Zähler/Nenner.
    pub flurstuecke: Vec<(u32, Option<u32>)>,
    pub bauherr: Person,
    pub entwurfsverfasser: Entwurfsverfasser,
    /// The documents with a file beside the message (announced ones, `wirdNachgereicht`,
    /// have none and are not listed).
    pub anlagen: Vec<AnlageMeta>,
}

const NAME_0200: &str = "baugenehmigung.antrag.0200";
const NAME_0202: &str = "baugenehmigung.antragGeaendert.0202";

/// Legal forms that make a name an organisation's wherever they stand (Plankammer records
/// one name; XBau tells persons from organisations).
const RECHTSFORMEN: [&str; 22] = [
    "GmbH", "gGmbH", "mbH", "AG", "KG", "KGaA", "OHG", "GbR", "eG", "e.V.", "eV", "UG", "SE",
    "PartG", "PartGmbB", "mbB", "Ltd.", "Ltd", "Inc.", "&", "Co.", "AöR",
];
/// Public bodies, when the name starts with them ("Stadt Kassel"; "Erika Land" is a person).
const KOERPERSCHAFTEN: [&str; 11] = [
    "Stadt",
    "Gemeinde",
    "Landkreis",
    "Kreis",
    "Land",
    "Bundesrepublik",
    "Bistum",
    "Landeskirche",
    "Zweckverband",
    "Universität",
    "Hochschule",
];
/// Word endings of organisations ("Wohnungsbaugesellschaft", "Turnverein",
/// "Kirchengemeinde").
const ORGANISATIONSENDUNGEN: [&str; 6] = [
    "gesellschaft",
    "genossenschaft",
    "verein",
    "stiftung",
    "verband",
    "gemeinde",
];

fn ist_organisation(name: &str) -> bool {
    let woerter: Vec<&str> = name
        .split(|c: char| c.is_whitespace() || c == ',')
        .filter(|w| !w.is_empty())
        .collect();
    woerter.first().is_some_and(|w| KOERPERSCHAFTEN.contains(w))
        || woerter.iter().any(|w| {
            RECHTSFORMEN.contains(w) || {
                let klein = w.to_lowercase();
                ORGANISATIONSENDUNGEN.iter().any(|e| klein.ends_with(e))
            }
        })
}

/// The parts of a one-line address "Straße Nr, PLZ Ort".
#[derive(Debug, Default, PartialEq, Eq)]
struct AnschriftTeile {
    strasse: String,
    hausnummer: String,
    /// Where the line cannot be split: all of it.
    strasse_hausnummer: String,
    plz: String,
    ort: String,
}

fn anschrift_zerlegen(zeile: &str) -> AnschriftTeile {
    let zeile = zeile.trim();
    let mut t = AnschriftTeile::default();
    let Some((vorn, hinten)) = zeile.rsplit_once(',') else {
        t.strasse_hausnummer = zeile.to_string();
        return t;
    };
    let (vorn, hinten) = (vorn.trim(), hinten.trim());
    match hinten.split_once(' ') {
        Some((plz, ort)) if plz.len() == 5 && plz.chars().all(|c| c.is_ascii_digit()) => {
            t.plz = plz.to_string();
            t.ort = ort.trim().to_string();
        }
        _ if hinten.len() == 5 && hinten.chars().all(|c| c.is_ascii_digit()) => {
            t.plz = hinten.to_string();
        }
        _ => t.ort = hinten.to_string(),
    }
    match vorn.rsplit_once(' ') {
        Some((strasse, nr)) if nr.starts_with(|c: char| c.is_ascii_digit()) => {
            t.strasse = strasse.trim().to_string();
            t.hausnummer = nr.to_string();
        }
        _ => t.strasse = vorn.to_string(),
    }
    t
}

/// `Anschrift` content (unqualified elements) of a one-line address.
fn anschrift_inhalt(zeile: &str) -> String {
    let t = anschrift_zerlegen(zeile);
    let mut s = String::new();
    for (tag, w) in [
        ("strasse", &t.strasse),
        ("hausnummer", &t.hausnummer),
        ("strasseHausnummer", &t.strasse_hausnummer),
        ("postleitzahl", &t.plz),
        ("ort", &t.ort),
    ] {
        if !w.is_empty() {
            s.push_str(&format!("<{tag}>{}</{tag}>", esc(&din(w))));
        }
    }
    s
}

/// One line of an `Anschrift`: "Straße Nr, PLZ Ort".
fn anschrift_zeile(a: Node) -> String {
    let strasse = match (wert(a, U, "strasse"), wert(a, U, "hausnummer")) {
        (Some(s), Some(n)) => Some(format!("{s} {n}")),
        (Some(s), None) => Some(s),
        (None, Some(n)) => Some(n),
        (None, None) => wert(a, U, "strasseHausnummer")
            .or_else(|| wert(a, U, "postfach").map(|p| format!("Postfach {p}"))),
    };
    let ort = match (wert(a, U, "postleitzahl"), wert(a, U, "ort")) {
        (Some(p), Some(o)) => Some(format!("{p} {o}")),
        (p, o) => p.or(o),
    };
    [strasse, ort]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(", ")
}

fn email_xml(email: &str) -> String {
    let e = email.trim();
    if e.is_empty() {
        return String::new();
    }
    format!(
        "<kommunikation><kanal listURI=\"urn:de:xoev:codeliste:erreichbarkeit\" listVersionID=\"4.1\"><code>01</code></kanal><kennung>{}</kennung></kommunikation>",
        esc(&din(e))
    )
}

/// The first e-mail address among `kommunikation` elements (channel 01, or a bare address
/// without a channel).
fn email_lesen<'a, 'i: 'a>(kommunikation: impl Iterator<Item = Node<'a, 'i>>) -> Option<String> {
    kommunikation.into_iter().find_map(|k| {
        let kanal = kind(k, U, "kanal").and_then(code);
        let kennung = wert(k, U, "kennung")?;
        let kennung = kennung
            .strip_prefix("mailto:")
            .unwrap_or(&kennung)
            .to_string();
        match kanal.as_deref() {
            Some("01") => Some(kennung),
            None if kennung.contains('@') && !kennung.contains(' ') => Some(kennung),
            _ => None,
        }
    })
}

/// The content of an `Akteur` (Kernmodul): an organisation when the name says so, else a
/// natural person (family name = last word).
fn akteur(name: &str, anschrift: &str, email: &str) -> String {
    let name = din(name.trim());
    let anschrift = anschrift_inhalt(anschrift);
    let anschrift = if anschrift.is_empty() {
        anschrift
    } else {
        format!("<anschrift>{anschrift}</anschrift>")
    };
    let kommunikation = email_xml(email);
    if ist_organisation(&name) {
        return format!(
            "<organisation><name><name>{}</name></name>{anschrift}{kommunikation}</organisation>",
            esc(&name)
        );
    }
    let (vorname, familienname) = match name.trim().rsplit_once(' ') {
        Some((v, f)) => (v.trim(), f),
        None => ("", name.trim()),
    };
    let mut n = String::new();
    if !familienname.is_empty() {
        n.push_str(&format!(
            "<familienname><name>{}</name></familienname>",
            esc(familienname)
        ));
    }
    if !vorname.is_empty() {
        n.push_str(&format!("<vorname><name>{}</name></vorname>", esc(vorname)));
    }
    let n = if n.is_empty() {
        n
    } else {
        format!("<name>{n}</name>")
    };
    format!("<natuerlichePerson>{n}{anschrift}{kommunikation}</natuerlichePerson>")
}

/// An `Akteur` as a [`Person`]; `None` if it names neither a person nor an organisation.
fn akteur_lesen(a: Node) -> Option<Person> {
    if let Some(p) = kind(a, U, "natuerlichePerson") {
        let name = kind(p, U, "name")
            .map(|n| {
                [
                    wert(n, U, "titel"),
                    kind(n, U, "vorname").and_then(|v| wert(v, U, "name")),
                    kind(n, U, "familienname").and_then(|f| wert(f, U, "name")),
                ]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>()
                .join(" ")
            })
            .unwrap_or_default();
        return Some(Person {
            name,
            anschrift: kind(p, U, "anschrift")
                .map(anschrift_zeile)
                .unwrap_or_default(),
            email: email_lesen(kinder(p, U, "kommunikation")).unwrap_or_default(),
        });
    }
    let o = kind(a, U, "organisation")?;
    let name = kind(o, U, "name")
        .and_then(|n| wert(n, U, "name").or_else(|| wert(n, U, "kurzbezeichnung")))
        .unwrap_or_default();
    let email = email_lesen(kinder(o, U, "kommunikation")).or_else(|| {
        kinder(o, U, "ansprechpartner").find_map(|ap| email_lesen(kinder(ap, U, "kommunikation")))
    });
    Some(Person {
        name,
        anschrift: kind(o, U, "anschrift")
            .map(anschrift_zeile)
            .unwrap_or_default(),
        email: email.unwrap_or_default(),
    })
}

fn entwurfsverfasser_xml(e: &Entwurfsverfasser) -> String {
    let mut s = String::new();
    if !e.name.trim().is_empty() {
        s.push_str(&format!(
            "<xbau:personendaten>{}</xbau:personendaten>",
            akteur(&e.name, "", "")
        ));
    }
    let nummer = e.mitgliedsnummer.trim();
    let kammer = kammer_code(&e.kammer);
    if !nummer.is_empty() || kammer.is_some() {
        s.push_str("<xbau:berechtigung><xbau:mitgliedschaftInland><xbau:nummernKammer>");
        if !nummer.is_empty() {
            s.push_str(&format!(
                "<xbau:mitgliedsnummer>{}</xbau:mitgliedsnummer>",
                esc(nummer)
            ));
        }
        if let Some(k) = kammer {
            s.push_str(&format!(
                "<xbau:kammer listURI=\"urn:xoev-de:xbau:codeliste:kammer\" listVersionID=\"2.0\"><code>{k}</code></xbau:kammer>"
            ));
        }
        s.push_str("</xbau:nummernKammer></xbau:mitgliedschaftInland></xbau:berechtigung>");
    }
    if s.is_empty() {
        s
    } else {
        format!("<xbau:entwurfsverfasser>{s}</xbau:entwurfsverfasser>")
    }
}

fn entwurfsverfasser_lesen(e: Node) -> Entwurfsverfasser {
    let name = kind(e, X, "personendaten")
        .and_then(akteur_lesen)
        .map(|p| p.name)
        .unwrap_or_default();
    let inland = pfad(e, &[(X, "berechtigung"), (X, "mitgliedschaftInland")]);
    let (mitgliedsnummer, kammer) = match inland {
        Some(i) => {
            if let Some(nk) = kind(i, X, "nummernKammer") {
                let kammer = kind(nk, X, "kammer")
                    .and_then(code)
                    .map(|c| {
                        KAMMERN
                            .iter()
                            .find(|(k, _)| *k == c)
                            .map(|(_, n)| n.to_string())
                            .unwrap_or(c)
                    })
                    .unwrap_or_default();
                (wert(nk, X, "mitgliedsnummer").unwrap_or_default(), kammer)
            } else {
                let nr = kind(i, X, "mitgliedsnummerBundesland")
                    .and_then(|m| wert(m, X, "mitgliedsnummer"))
                    .unwrap_or_default();
                (nr, String::new())
            }
        }
        None => (String::new(), String::new()),
    };
    Entwurfsverfasser {
        name,
        kammer,
        mitgliedsnummer,
    }
}

/// `xbau:Bauvorhaben` content: bezeichnung, beteiligte (Bauherr, Entwurfsverfasser),
/// gegenstand (Maßnahme, Gebäudeklasse), verortung (Grundstück).
fn bauvorhaben_xml(n: &Bauantrag) -> String {
    let mut s = String::new();
    if !n.bezeichnung.trim().is_empty() {
        s.push_str(&format!(
            "<xbau:bezeichnungDesBauvorhabens>{}</xbau:bezeichnungDesBauvorhabens>",
            esc(&din(n.bezeichnung.trim()))
        ));
    }
    let bauherr = &n.bauherr;
    let ev = entwurfsverfasser_xml(&n.entwurfsverfasser);
    if !bauherr.name.trim().is_empty() || !ev.is_empty() {
        s.push_str("<xbau:beteiligte>");
        if !bauherr.name.trim().is_empty() {
            s.push_str(&format!(
                "<xbau:bauherr><xbau:bauherr>{}</xbau:bauherr></xbau:bauherr>",
                akteur(&bauherr.name, &bauherr.anschrift, &bauherr.email)
            ));
        }
        s.push_str(&ev);
        s.push_str("</xbau:beteiligte>");
    }
    let mut gegenstand = String::new();
    if !n.massnahme.trim().is_empty() {
        gegenstand.push_str(&format!(
            "<xbau:artDerMassnahme listURI=\"urn:xoev-de:xbau:codeliste:baumassnahmeart\" listVersionID=\"2.0\"><code>{}</code></xbau:artDerMassnahme>",
            esc(n.massnahme.trim())
        ));
    }
    if !n.gebaeudeklasse.trim().is_empty() {
        gegenstand.push_str(&format!(
            "<xbau:bauordnungsrechtlicheKlassifikation><xbau:gebaeudeklasse listURI=\"urn:xoev-de:xbau:codeliste:gebaeudeklasse\" listVersionID=\"3.0\"><code>{}</code></xbau:gebaeudeklasse></xbau:bauordnungsrechtlicheKlassifikation>",
            esc(n.gebaeudeklasse.trim())
        ));
    }
    if !gegenstand.is_empty() {
        s.push_str(&format!("<xbau:gegenstand>{gegenstand}</xbau:gegenstand>"));
    }
    let grundstueck = grundstueck_xml(n);
    if !grundstueck.is_empty() {
        s.push_str(&format!(
            "<xbau:verortung><xbau:baugrundstueck><xbau:grundstueck>{grundstueck}</xbau:grundstueck></xbau:baugrundstueck></xbau:verortung>"
        ));
    }
    s
}

fn grundstueck_xml(n: &Bauantrag) -> String {
    let mut s = String::new();
    let mut anschrift = String::new();
    for (tag, w) in [
        ("strasse", &n.strasse),
        ("hausnummer", &n.hausnummer),
        ("postleitzahl", &n.plz),
        ("ort", &n.ort),
    ] {
        if !w.trim().is_empty() {
            anschrift.push_str(&format!("<{tag}>{}</{tag}>", esc(&din(w.trim()))));
        }
    }
    if !n.gemeinde_ags.trim().is_empty() {
        anschrift.push_str(&format!(
            "<xbau:gemeindeschluessel listURI=\"{AGS_URI}\" listVersionID=\"{}\"><code>{}</code></xbau:gemeindeschluessel>",
            esc(&plankammer_domain::codeliste::gemeinden_hessen().version),
            esc(n.gemeinde_ags.trim())
        ));
    }
    if !anschrift.is_empty() {
        s.push_str(&format!("<xbau:anschrift>{anschrift}</xbau:anschrift>"));
    }
    let gemarkung = n.gemarkung.trim();
    let gemarkung = if gemarkung.is_empty() {
        String::new()
    } else if gemarkung.chars().all(|c| c.is_ascii_digit()) {
        format!("<gemarkung><nummer>{gemarkung}</nummer></gemarkung>")
    } else {
        format!(
            "<gemarkung><bezeichnung>{}</bezeichnung></gemarkung>",
            esc(&din(gemarkung))
        )
    };
    let flur = if n.flur.trim().is_empty() {
        String::new()
    } else {
        format!("<flur>{}</flur>", esc(n.flur.trim()))
    };
    for (zaehler, nenner) in &n.flurstuecke {
        let nenner = nenner
            .map(|x| format!("<nenner>{x}</nenner>"))
            .unwrap_or_default();
        s.push_str(&format!(
            "<xbau:flurstueck><kodierungFlurstueck>{gemarkung}{flur}<zaehler>{zaehler}</zaehler>{nenner}</kodierungFlurstueck></xbau:flurstueck>"
        ));
    }
    s
}

fn prozessmerkmale_xml(verfahrensart: &str) -> String {
    let v = verfahrensart.trim();
    if v.is_empty() {
        return String::new();
    }
    format!(
        "<xbau:prozessmerkmale><xbau:verfahrensart listURI=\"{VERFAHRENSART_URI}\" listVersionID=\"{VERFAHRENSART_VERSION}\"><code>{}</code></xbau:verfahrensart></xbau:prozessmerkmale>",
        esc(v)
    )
}

/// `baugenehmigung.antrag.0200`: a Bauantrag as a portal sends it. The Bauherrschaft is
/// both the applicant (`antragsteller`) and the Bauvorhaben's `bauherr`; the Verfahrensart
/// is a code of [`CODELISTE_VERFAHRENSART`]; `gemeinde` (the name) is not carried.
pub fn antrag(n: &Bauantrag) -> String {
    let mut inhalt = kopf_xbau(&n.kopf, "0200");
    if let Some(r) = &n.referenz_antragsservice {
        inhalt.push_str(&format!(
            "<xbau:referenzAntragsservice><referenzAntragsservice>{}</referenzAntragsservice></xbau:referenzAntragsservice>",
            esc(r)
        ));
    }
    if let Some(e) = &n.empfaenger {
        inhalt.push_str(&behoerde("xbau:empfangendeStelle", e));
    }
    if !n.bauherr.name.trim().is_empty() {
        inhalt.push_str(&format!(
            "<xbau:antragsteller>{}</xbau:antragsteller>",
            akteur(&n.bauherr.name, &n.bauherr.anschrift, &n.bauherr.email)
        ));
    }
    inhalt.push_str(&prozessmerkmale_xml(&n.verfahrensart));
    let bv = bauvorhaben_xml(n);
    if !bv.is_empty() {
        inhalt.push_str(&format!("<xbau:bauvorhaben>{bv}</xbau:bauvorhaben>"));
    }
    inhalt.push_str(&anlagen(&n.anlagen));
    wurzel_xbau(NAME_0200, &inhalt)
}

/// `baugenehmigung.antragGeaendert.0202`: the changed application, the whole content
/// again (`bauvorhabenAenderungsdaten`, a "Brutto-Datensatz"), referring to the case and,
/// where it answers one, to the 0201. A 0202 has no `referenzAntragsservice`,
/// `empfangendeStelle` or `antragsteller`: those fields are not written.
pub fn antrag_geaendert(n: &Bauantrag, b: &Bezug) -> String {
    let mut inhalt = kopf_xbau(&n.kopf, "0202");
    inhalt.push_str(&bezug_xbau(b));
    inhalt.push_str(&prozessmerkmale_xml(&n.verfahrensart));
    let bv = bauvorhaben_xml(n);
    if !bv.is_empty() {
        inhalt.push_str(&format!(
            "<xbau:bauvorhabenAenderungsdaten>{bv}</xbau:bauvorhabenAenderungsdaten>"
        ));
    }
    inhalt.push_str(&anlagen(&n.anlagen));
    wurzel_xbau(NAME_0202, &inhalt)
}

/// A hash value as XBau's schema asks for it (SHA2-256 as hexadecimal digits); a prefix
/// `sha256:` (as Plankammer writes it) is accepted. Lower case.
fn sha256_wert(h: &str) -> Option<String> {
    let h = h.trim();
    let h = ["sha256:", "sha-256:"]
        .iter()
        .find_map(|p| {
            h.get(..p.len())
                .filter(|k| k.eq_ignore_ascii_case(p))
                .map(|_| &h[p.len()..])
        })
        .unwrap_or(h);
    (h.len() == 64 && h.chars().all(|c| c.is_ascii_hexdigit())).then(|| h.to_ascii_lowercase())
}

/// The `anlagen` of an XBau message: the ones with a file, and a sentence for each that
/// lacks what Plankammer needs to match its file.
/// Also how many documents the message lists that are not merely announced.
fn anlagen_lesen(wurzel: Node, fehler: &mut Vec<String>) -> (Vec<AnlageMeta>, usize) {
    let mut aus = Vec::new();
    let mut gezaehlt = 0;
    let Some(liste) = kind(wurzel, X, "anlagen") else {
        return (aus, gezaehlt);
    };
    for (i, a) in kinder(liste, U, "anlage").enumerate() {
        let nachgereicht = wert(a, X, "wirdNachgereicht").is_some_and(|w| w == "true" || w == "1");
        if nachgereicht {
            continue;
        }
        gezaehlt += 1;
        let bezeichnung = wert(a, U, "bezeichnung").unwrap_or_default();
        let anhang = pfad(a, &[(U, "anhangOderVerlinkung"), (U, "anhang")]);
        let dateiname = anhang.and_then(|h| wert(h, U, "dateiname"));
        let name = if !bezeichnung.is_empty() {
            bezeichnung.clone()
        } else if let Some(d) = &dateiname {
            d.clone()
        } else {
            format!("Nr. {}", i + 1)
        };
        let Some(anhang) = anhang else {
            fehler.push(format!(
                "Die Anlage „{name}“ ist keine Datei neben der Nachricht (anhangOderVerlinkung/anhang); Plankammer braucht jede Anlage mit dokumentid, dateiname und hashValue."
            ));
            continue;
        };
        let dokument_id = wert(anhang, U, "dokumentid");
        let hash = anhang.attribute("hashValue").map(str::trim);
        let sha256 = hash.and_then(sha256_wert);
        if dokument_id.is_none() {
            fehler.push(format!(
                "Die Anlage „{name}“ hat keine Dokument-ID (anhang/dokumentid)."
            ));
        }
        if dateiname.is_none() {
            fehler.push(format!(
                "Die Anlage „{name}“ hat keinen Dateinamen (anhang/dateiname)."
            ));
        }
        match (hash, &sha256) {
            (None, _) | (Some(""), _) => fehler.push(format!(
                "Die Anlage „{name}“ hat keinen SHA-256-Hashwert (anhang/@hashValue)."
            )),
            (Some(h), None) => fehler.push(format!(
                "Der Hashwert „{h}“ der Anlage „{name}“ ist kein SHA-256-Wert (64 Hexadezimalziffern)."
            )),
            _ => {}
        }
        let (Some(dokument_id), Some(dateiname), Some(sha256)) = (dokument_id, dateiname, sha256)
        else {
            continue;
        };
        aus.push(AnlageMeta {
            bezeichnung,
            anlageart: kind(a, U, "anlageart").and_then(code),
            version: wert(a, U, "versionsnummer").and_then(|v| v.parse().ok()),
            mime_type: kind(a, U, "mimeType").and_then(code).unwrap_or_default(),
            dokument_id,
            dateiname,
            groesse: anhang
                .attribute("filesize")
                .and_then(|g| g.trim().parse().ok())
                .unwrap_or(0),
            sha256,
        });
    }
    (aus, gezaehlt)
}

/// What Plankammer needs of an incoming 0200 or 0202 (schema-valid is not enough: almost
/// everything is optional in XBau 2.6): the message UUID, the Bauherrschaft with a name,
/// the Grundstück with an 8-digit Gemeindeschlüssel and at least one Flurstück, a
/// Verfahrensart of Plankammer's list, the Bauvorhaben's bezeichnung and at least one
/// document with dokumentid, dateiname and SHA-256 (every document that is not announced
/// as `wirdNachgereicht` needs all three).
///
/// `Err`: one German sentence per missing thing, naming it exactly.
pub fn antrag_lesen(xml: &[u8]) -> Result<Bauantrag, Vec<String>> {
    let (doc, k) = nachricht_von(xml, &[NAME_0200, NAME_0202])?;
    let wurzel = doc.root_element();
    let ist_0200 = k.nachricht == NAME_0200;
    let mut fehler = Vec::new();
    k.uuid_fehlt(&mut fehler);

    let bv = if ist_0200 {
        kind(wurzel, X, "bauvorhaben")
    } else {
        kind(wurzel, X, "bauvorhabenAenderungsdaten")
    };
    let bv_name = if ist_0200 {
        "bauvorhaben"
    } else {
        "bauvorhabenAenderungsdaten"
    };

    // Bauherrschaft: the Bauvorhaben's bauherr, else the (first) applicant.
    let beteiligte = bv.and_then(|b| kind(b, X, "beteiligte"));
    let bauherr = beteiligte
        .into_iter()
        .flat_map(|b| kinder(b, X, "bauherr"))
        .filter_map(|b| kind(b, X, "bauherr"))
        .chain(kinder(wurzel, X, "antragsteller"))
        .filter_map(akteur_lesen)
        .find(|p| !p.name.is_empty());
    if bauherr.is_none() {
        fehler.push(
            "Die Nachricht nennt keine Bauherrschaft (antragsteller bzw. bauherr).".to_string(),
        );
    }
    let entwurfsverfasser = beteiligte
        .and_then(|b| kind(b, X, "entwurfsverfasser"))
        .map(entwurfsverfasser_lesen)
        .unwrap_or_default();

    // Verfahrensart.
    let va = pfad(wurzel, &[(X, "prozessmerkmale"), (X, "verfahrensart")]);
    let mut verfahrensart = String::new();
    match va {
        None => fehler.push(
            "Die Nachricht nennt keine Verfahrensart (prozessmerkmale/verfahrensart).".to_string(),
        ),
        Some(v) => {
            let uri = v.attribute("listURI").unwrap_or("").trim();
            let c = code(v).unwrap_or_default();
            if uri == VERFAHRENSART_URI && verfahrensarten().iter().any(|x| x.code == c) {
                verfahrensart = c;
            } else {
                fehler.push(format!(
                    "Die Verfahrensart „{c}“ der Codeliste „{uri}“ kennt Plankammer nicht; erwartet wird ein Code der Codeliste {VERFAHRENSART_URI} ({}).",
                    verfahrensarten()
                        .iter()
                        .map(|x| x.code.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ));
            }
        }
    }

    // Bauvorhaben.
    let bezeichnung = bv
        .and_then(|b| wert(b, X, "bezeichnungDesBauvorhabens"))
        .unwrap_or_default();
    if bezeichnung.is_empty() {
        fehler.push(format!(
            "Die Nachricht nennt keine Bezeichnung des Bauvorhabens ({bv_name}/bezeichnungDesBauvorhabens)."
        ));
    }
    let gegenstand = bv.and_then(|b| kind(b, X, "gegenstand"));
    let massnahme = gegenstand
        .and_then(|g| kind(g, X, "artDerMassnahme"))
        .and_then(code)
        .unwrap_or_default();
    let gebaeudeklasse = gegenstand
        .and_then(|g| {
            pfad(
                g,
                &[
                    (X, "bauordnungsrechtlicheKlassifikation"),
                    (X, "gebaeudeklasse"),
                ],
            )
        })
        .and_then(code)
        .unwrap_or_default();

    // Grundstück.
    let grundstuecke: Vec<Node> = bv
        .and_then(|b| pfad(b, &[(X, "verortung"), (X, "baugrundstueck")]))
        .into_iter()
        .flat_map(|b| kinder(b, X, "grundstueck"))
        .collect();
    let anschriften: Vec<Node> = grundstuecke
        .iter()
        .flat_map(|g| kinder(*g, X, "anschrift"))
        .collect();
    let adresse = anschriften.iter().find(|a| {
        ["strasse", "strasseHausnummer", "postleitzahl", "ort"]
            .iter()
            .any(|t| wert(**a, U, t).is_some())
    });
    let (mut strasse, mut hausnummer, mut plz, mut ort) =
        (String::new(), String::new(), String::new(), String::new());
    if let Some(a) = adresse {
        let a = *a;
        strasse = wert(a, U, "strasse")
            .or_else(|| wert(a, U, "strasseHausnummer"))
            .unwrap_or_default();
        hausnummer = wert(a, U, "hausnummer")
            .or_else(|| {
                let b = kind(a, X, "hausnummernbereich")?;
                let von = [
                    wert(b, X, "hausnummerVon"),
                    wert(b, X, "hausnummerVonZusatz"),
                ]
                .into_iter()
                .flatten()
                .collect::<String>();
                let bis = [
                    wert(b, X, "hausnummerBis"),
                    wert(b, X, "hausnummerBisZusatz"),
                ]
                .into_iter()
                .flatten()
                .collect::<String>();
                Some(if bis.is_empty() {
                    von
                } else {
                    format!("{von}-{bis}")
                })
            })
            .unwrap_or_default();
        plz = wert(a, U, "postleitzahl").unwrap_or_default();
        ort = wert(a, U, "ort").unwrap_or_default();
    }
    let ags = anschriften
        .iter()
        .find_map(|a| kind(*a, X, "gemeindeschluessel").and_then(code));
    let mut gemeinde_ags = String::new();
    let mut gemarkungen: Vec<String> = Vec::new();
    let mut fluren: Vec<String> = Vec::new();
    let mut flurstuecke = Vec::new();
    let mut flurstueck_fehler = false;
    if grundstuecke.is_empty() {
        fehler.push(format!(
            "Die Nachricht nennt kein Baugrundstück ({bv_name}/verortung/baugrundstueck/grundstueck)."
        ));
    } else {
        match ags {
            None => fehler.push(
                "Das Baugrundstück hat keinen Amtlichen Gemeindeschlüssel (grundstueck/anschrift/gemeindeschluessel).".to_string(),
            ),
            Some(a) if a.len() != 8 || !a.chars().all(|c| c.is_ascii_digit()) => fehler.push(
                format!("Der Gemeindeschlüssel „{a}“ des Baugrundstücks hat nicht acht Ziffern."),
            ),
            Some(a) => gemeinde_ags = a,
        }
        let zahl = |t: &str| t.parse::<u32>().ok().filter(|z| *z > 0 && t.len() <= 9);
        for f in grundstuecke
            .iter()
            .flat_map(|g| kinder(*g, X, "flurstueck"))
            .filter_map(|f| kind(f, U, "kodierungFlurstueck"))
        {
            if let Some(g) = kind(f, U, "gemarkung")
                .and_then(|g| wert(g, U, "bezeichnung").or_else(|| wert(g, U, "nummer")))
                && !gemarkungen.contains(&g)
            {
                gemarkungen.push(g);
            }
            if let Some(fl) = wert(f, U, "flur")
                && !fluren.contains(&fl)
            {
                fluren.push(fl);
            }
            let Some(z) = wert(f, U, "zaehler") else {
                flurstueck_fehler = true;
                fehler.push(
                    "Ein Flurstück des Baugrundstücks hat keinen Zähler (kodierungFlurstueck/zaehler).".to_string(),
                );
                continue;
            };
            let Some(zaehler) = zahl(&z) else {
                flurstueck_fehler = true;
                fehler.push(format!(
                    "Der Flurstückszähler „{z}“ ist keine Zahl (kodierungFlurstueck/zaehler)."
                ));
                continue;
            };
            let nenner = match wert(f, U, "nenner") {
                None => None,
                Some(n) => match zahl(&n) {
                    Some(n) => Some(n),
                    None => {
                        flurstueck_fehler = true;
                        fehler.push(format!(
                            "Der Flurstücksnenner „{n}“ ist keine Zahl (kodierungFlurstueck/nenner)."
                        ));
                        continue;
                    }
                },
            };
            flurstuecke.push((zaehler, nenner));
        }
        if flurstuecke.is_empty() && !flurstueck_fehler {
            fehler.push(
                "Das Baugrundstück nennt kein Flurstück (grundstueck/flurstueck/kodierungFlurstueck)."
                    .to_string(),
            );
        }
    }

    // Documents.
    let (anlagen, gezaehlt) = anlagen_lesen(wurzel, &mut fehler);
    if gezaehlt == 0 {
        fehler.push(
            "Die Nachricht enthält keine Anlage (anlagen/anlage mit anhang: dokumentid, dateiname und hashValue).".to_string(),
        );
    }

    if !fehler.is_empty() {
        return Err(fehler);
    }
    let gemeinde = plankammer_domain::codeliste::gemeinden_hessen()
        .name(&gemeinde_ags)
        .unwrap_or("")
        .to_string();
    Ok(Bauantrag {
        kopf: k.kopf(),
        referenz_antragsservice: kind(wurzel, X, "referenzAntragsservice")
            .and_then(|r| wert(r, U, "referenzAntragsservice")),
        empfaenger: kind(wurzel, X, "empfangendeStelle").map(behoerde_lesen),
        verfahrensart,
        bezeichnung,
        massnahme,
        gebaeudeklasse,
        strasse,
        hausnummer,
        plz,
        ort,
        gemeinde_ags,
        gemeinde,
        gemarkung: gemarkungen.join(", "),
        flur: fluren.join(", "),
        flurstuecke,
        bauherr: bauherr.unwrap_or_default(),
        entwurfsverfasser,
        anlagen,
    })
}

// ---------------------------------------------------------------------------------------------
// Rücknahme (1130)
// ---------------------------------------------------------------------------------------------

const NAME_1130: &str = "prozessnachrichten.ruecknahme.1130";

/// `prozessnachrichten.ruecknahme.1130` (Kernmodul): the applicant withdraws an
/// application. `bezug.referenz` is the application's UUID (its `referenzAntragsservice`
/// or its message UUID), `bezug.vorgang` the Aktenzeichen; the reason is `information`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ruecknahme {
    pub kopf: Kopf,
    pub bezug: Bezug,
    pub begruendung: Option<String>,
}

pub fn ruecknahme(n: &Ruecknahme) -> String {
    let mut inhalt = kopf_kernmodul(&n.kopf, "1130");
    inhalt.push_str(&bezug(&n.bezug));
    if let Some(b) = n.begruendung.as_deref().filter(|b| !b.trim().is_empty()) {
        inhalt.push_str(&text("information", b));
    }
    wurzel_kernmodul(NAME_1130, &inhalt)
}

/// Minimum: the message UUID and a `bezug` naming the application (`referenz` or
/// `vorgang`).
pub fn ruecknahme_lesen(xml: &[u8]) -> Result<Ruecknahme, Vec<String>> {
    let (doc, k) = nachricht_von(xml, &[NAME_1130])?;
    let mut fehler = Vec::new();
    k.uuid_fehlt(&mut fehler);
    if k.bezug.referenz.is_none() && k.bezug.vorgang.is_none() {
        fehler.push(
            "Die Rücknahme nennt keinen Antrag (bezug/referenz bzw. bezug/vorgang).".to_string(),
        );
    }
    if !fehler.is_empty() {
        return Err(fehler);
    }
    let begruendung = kind(doc.root_element(), U, "information")
        .map(text_lesen)
        .filter(|t| !t.is_empty());
    Ok(Ruecknahme {
        kopf: k.kopf(),
        bezug: k.bezug.clone(),
        begruendung,
    })
}

// ---------------------------------------------------------------------------------------------
// Beteiligung: Stellungnahme (0303), Zwischennachricht (0305)
// ---------------------------------------------------------------------------------------------

const NAME_0303: &str = "beteiligung.stellungnahme.0303";
const NAME_0305: &str = "beteiligung.zwischennachricht.0305";

/// `beteiligung.stellungnahme.0303`: a Stelle's statement on a request.
///
/// XBau has no single vote field; the structured statement (`stellungnahmeStrukturiert`)
/// carries `tenor/istZustimmung` (true: consent, false: refusal). `zustimmung` is that
/// value — `None` when no tenor is given; when a message has several structured
/// statements (e.g. one per Rechtsbereich) a single refusal makes it `Some(false)`.
/// `text` is the `begruendung` (several joined by blank lines), followed by the
/// `hinweise`; building writes it as the `begruendung`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stellungnahme {
    pub kopf: Kopf,
    pub bezug: Bezug,
    /// The request's reference (`referenzAufforderung/referenzAuftrag` of the 0300).
    pub referenz: String,
    pub zustimmung: Option<bool>,
    pub text: String,
    /// `nebenbestimmungart` 3.0 code and text.
    pub nebenbestimmungen: Vec<NebenbestimmungZeile>,
}

pub fn stellungnahme(n: &Stellungnahme) -> String {
    let mut inhalt = kopf_xbau(&n.kopf, "0303");
    inhalt.push_str(&bezug_xbau(&n.bezug));
    inhalt.push_str(&referenz_aufforderung(&n.referenz));
    let mut s = String::new();
    if let Some(z) = n.zustimmung {
        s.push_str(&format!(
            "<xbau:tenor><xbau:istZustimmung>{z}</xbau:istZustimmung></xbau:tenor>"
        ));
    }
    for nb in &n.nebenbestimmungen {
        s.push_str(&format!(
            "<xbau:nebenbestimmung><xbau:art listURI=\"urn:xoev-de:xbau:codeliste:nebenbestimmungart\" listVersionID=\"3.0\"><code>{}</code></xbau:art>{}</xbau:nebenbestimmung>",
            esc(&nb.art),
            text_formatiert("xbau:nebenbestimmung", &nb.text)
        ));
    }
    if !n.text.trim().is_empty() {
        s.push_str(&text_formatiert("xbau:begruendung", &n.text));
    }
    if !s.is_empty() {
        inhalt.push_str(&format!(
            "<xbau:stellungnahme><xbau:stellungnahmeStrukturiert>{s}</xbau:stellungnahmeStrukturiert></xbau:stellungnahme>"
        ));
    }
    wurzel_xbau(NAME_0303, &inhalt)
}

const FEHLT_REFERENZ: &str =
    "Die Nachricht nennt keine Beteiligungsaufforderung (referenzAufforderung/referenzAuftrag).";

fn referenz_lesen(wurzel: Node) -> Option<String> {
    pfad(
        wurzel,
        &[(X, "referenzAufforderung"), (X, "referenzAuftrag")],
    )
    .map(inhalt)
}

/// Minimum: the message UUID, the request's reference, and a statement (a tenor, a text
/// or a Nebenbestimmung).
pub fn stellungnahme_lesen(xml: &[u8]) -> Result<Stellungnahme, Vec<String>> {
    let (doc, k) = nachricht_von(xml, &[NAME_0303])?;
    let wurzel = doc.root_element();
    let mut fehler = Vec::new();
    k.uuid_fehlt(&mut fehler);
    let referenz = referenz_lesen(wurzel).filter(|r| !r.is_empty());
    if referenz.is_none() {
        fehler.push(FEHLT_REFERENZ.to_string());
    }
    let st = kind(wurzel, X, "stellungnahme");
    let mut zustimmung: Option<bool> = None;
    let mut texte = Vec::new();
    let mut nebenbestimmungen = Vec::new();
    for s in st
        .into_iter()
        .flat_map(|s| kinder(s, X, "stellungnahmeStrukturiert"))
    {
        if let Some(z) = kind(s, X, "tenor").and_then(|t| wert(t, X, "istZustimmung")) {
            let z = z == "true" || z == "1";
            zustimmung = Some(zustimmung.unwrap_or(true) && z);
        }
        for nb in kinder(s, X, "nebenbestimmung") {
            nebenbestimmungen.push(NebenbestimmungZeile {
                art: kind(nb, X, "art").and_then(code).unwrap_or_default(),
                text: kind(nb, X, "nebenbestimmung")
                    .map(text_formatiert_lesen)
                    .unwrap_or_default(),
            });
        }
        if let Some(b) = kind(s, X, "begruendung").map(text_formatiert_lesen) {
            texte.push(b);
        }
    }
    if let Some(h) = st
        .and_then(|s| kind(s, X, "hinweise"))
        .map(text_formatiert_lesen)
    {
        texte.push(h);
    }
    let text = texte
        .into_iter()
        .filter(|t| !t.is_empty())
        .collect::<Vec<_>>()
        .join("\n\n");
    if zustimmung.is_none() && text.is_empty() && nebenbestimmungen.is_empty() {
        fehler.push(
            "Die Stellungnahme ist leer: sie enthält weder ein Votum (stellungnahmeStrukturiert/tenor/istZustimmung) noch einen Text (begruendung bzw. hinweise) noch Nebenbestimmungen.".to_string(),
        );
    }
    if !fehler.is_empty() {
        return Err(fehler);
    }
    Ok(Stellungnahme {
        kopf: k.kopf(),
        bezug: k.bezug.clone(),
        referenz: referenz.unwrap_or_default(),
        zustimmung,
        text,
        nebenbestimmungen,
    })
}

/// `beteiligung.zwischennachricht.0305`: a Stelle's interim message on a request (e.g. a
/// request for more time); `text` is the `anliegenZwischennachricht`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Zwischennachricht {
    pub kopf: Kopf,
    pub bezug: Bezug,
    /// The request's reference (`referenzAufforderung/referenzAuftrag`).
    pub referenz: String,
    pub text: String,
}

pub fn zwischennachricht(n: &Zwischennachricht) -> String {
    let mut inhalt = kopf_xbau(&n.kopf, "0305");
    inhalt.push_str(&bezug_xbau(&n.bezug));
    inhalt.push_str(&referenz_aufforderung(&n.referenz));
    if !n.text.trim().is_empty() {
        inhalt.push_str(&text("xbau:anliegenZwischennachricht", &n.text));
    }
    wurzel_xbau(NAME_0305, &inhalt)
}

/// Minimum: the message UUID, the request's reference and the Anliegen.
pub fn zwischennachricht_lesen(xml: &[u8]) -> Result<Zwischennachricht, Vec<String>> {
    let (doc, k) = nachricht_von(xml, &[NAME_0305])?;
    let wurzel = doc.root_element();
    let mut fehler = Vec::new();
    k.uuid_fehlt(&mut fehler);
    let referenz = referenz_lesen(wurzel).filter(|r| !r.is_empty());
    if referenz.is_none() {
        fehler.push(FEHLT_REFERENZ.to_string());
    }
    let text = kind(wurzel, X, "anliegenZwischennachricht")
        .map(text_lesen)
        .unwrap_or_default();
    if text.is_empty() {
        fehler.push(
            "Die Zwischennachricht nennt kein Anliegen (anliegenZwischennachricht).".to_string(),
        );
    }
    if !fehler.is_empty() {
        return Err(fehler);
    }
    Ok(Zwischennachricht {
        kopf: k.kopf(),
        bezug: k.bezug.clone(),
        referenz: referenz.unwrap_or_default(),
        text,
    })
}

/// The request reference (`referenzAufforderung/referenzAuftrag`) of a 0300 or 0304 —
/// or of any XBau message that carries one (0302, 0303, 0305, …).
pub fn aufforderung_referenz_lesen(xml: &[u8]) -> Option<String> {
    let doc = dokument(xml).ok()?;
    let w = doc.root_element();
    if namensraum(w) != X {
        return None;
    }
    referenz_lesen(w).filter(|r| !r.is_empty())
}

// ---------------------------------------------------------------------------------------------
// Quittierung (1180)
// ---------------------------------------------------------------------------------------------

const NAME_1180: &str = "prozessnachrichten.generischeQuittierungEingang.1180";

/// `prozessnachrichten.generischeQuittierungEingang.1180` (Kernmodul): receipt of a
/// message, for types without an acknowledgement of their own. `bezug.referenz` is the
/// acknowledged message's UUID; `nachrichtentyp` its type (list
/// `nachricht-eingangsquittierung` 1.0, see [`QUITTIERBARE_NACHRICHTEN`]; the schema
/// takes any code, "" leaves the element out).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Quittierung {
    pub kopf: Kopf,
    pub bezug: Bezug,
    pub nachrichtentyp: String,
}

pub fn quittierung(n: &Quittierung) -> String {
    let mut inhalt = kopf_kernmodul(&n.kopf, "1180");
    inhalt.push_str(&bezug(&n.bezug));
    if !n.nachrichtentyp.trim().is_empty() {
        inhalt.push_str(&format!(
            "<nachrichtentyp listURI=\"urn:xoev-de:xbau:codeliste:nachricht-eingangsquittierung\" listVersionID=\"1.0\"><code>{}</code></nachrichtentyp>",
            esc(n.nachrichtentyp.trim())
        ));
    }
    wurzel_kernmodul(NAME_1180, &inhalt)
}

/// Reads a 1180 (Plankammer's own, e.g. in tests; minimum: UUID and `bezug/referenz`).
pub fn quittierung_lesen(xml: &[u8]) -> Result<Quittierung, Vec<String>> {
    let (doc, k) = nachricht_von(xml, &[NAME_1180])?;
    let mut fehler = Vec::new();
    k.uuid_fehlt(&mut fehler);
    if k.bezug.referenz.is_none() {
        fehler
            .push("Die Quittierung nennt keine quittierte Nachricht (bezug/referenz).".to_string());
    }
    if !fehler.is_empty() {
        return Err(fehler);
    }
    Ok(Quittierung {
        kopf: k.kopf(),
        bezug: k.bezug.clone(),
        nachrichtentyp: kind(doc.root_element(), U, "nachrichtentyp")
            .and_then(code)
            .unwrap_or_default(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pruefen;
    use chrono::TimeZone;

    fn kopf(uuid: &str) -> Kopf {
        Kopf {
            uuid: uuid.into(),
            erstellt: Utc.with_ymd_and_hms(2026, 12, 4, 9, 30, 0).unwrap(),
            autor: Behoerde {
                verzeichnisdienst: "DVDV".into(),
                kennung: "psw:0600000001".into(),
                name: "Bauportal Hessen".into(),
            },
            leser: Behoerde {
                verzeichnisdienst: "DVDV".into(),
                kennung: "bau:06611000".into(),
                name: "Bauaufsicht Kassel".into(),
            },
        }
    }

    fn bezug() -> Bezug {
        Bezug {
            referenz: Some("0a7d8c4e-2b1f-4e6a-8c3d-5f9e1a2b3c4d".into()),
            vorgang: Some("BA-2026-00017".into()),
        }
    }

    fn anlage(name: &str, art: &str, hash: char) -> AnlageMeta {
        AnlageMeta {
            bezeichnung: name.into(),
            anlageart: Some(art.into()),
            version: Some(1),
            mime_type: "application/pdf".into(),
            dokument_id: format!("urn:plankammer:version:{art}"),
            dateiname: format!("{art}.pdf"),
            groesse: 52345,
            sha256: hash.to_string().repeat(64),
        }
    }

    fn bauantrag() -> Bauantrag {
        Bauantrag {
            kopf: kopf("6f1c2a4e-1d2b-4c3a-9e8f-0a1b2c3d4e5f"),
            referenz_antragsservice: Some("9d8c7b6a-5f4e-4d3c-8b2a-1f0e9d8c7b6a".into()),
            empfaenger: Some(kopf("").leser),
            verfahrensart: "vereinfacht".into(),
            bezeichnung: "Neubau Einfamilienhaus mit Garage".into(),
            massnahme: "11".into(),
            gebaeudeklasse: "1".into(),
            strasse: "Musterweg".into(),
            hausnummer: "3".into(),
            plz: "34117".into(),
            ort: "Kassel".into(),
            gemeinde_ags: "06611000".into(),
            gemeinde: "Kassel, documenta-Stadt".into(),
            gemarkung: "Kassel".into(),
            flur: "12".into(),
            flurstuecke: vec![(112, Some(3)), (57, None)],
            bauherr: Person {
                name: "Erika Mustermann".into(),
                anschrift: "Musterweg 1, 34117 Kassel".into(),
                email: "erika@example.org".into(),
            },
            entwurfsverfasser: Entwurfsverfasser {
                name: "Paula Planer".into(),
                kammer: "Architekten- und Stadtplanerkammer Hessen".into(),
                mitgliedsnummer: "A-12345".into(),
            },
            anlagen: vec![
                anlage("Grundriss EG", "2001", 'a'),
                anlage("Lageplan", "1803", 'b'),
            ],
        }
    }

    fn gueltig(name: &str, xml: &str) {
        if let Err(b) = pruefen(xml.as_bytes()) {
            panic!("{name} is not valid:\n{b:#?}\n{xml}");
        }
    }

    /// Removes every element `<tag …>…</tag>` (no nesting of the same tag).
    fn ohne(xml: &str, tag: &str) -> String {
        let mut s = xml.to_string();
        let ende = format!("</{tag}>");
        while let Some(i) = s
            .find(&format!("<{tag}>"))
            .or_else(|| s.find(&format!("<{tag} ")))
        {
            let j = s[i..].find(&ende).expect("closed") + i + ende.len();
            s.replace_range(i..j, "");
        }
        s
    }

    #[test]
    fn the_verfahrensart_list_is_plankammers() {
        let codes: Vec<_> = verfahrensarten().iter().map(|v| v.code.as_str()).collect();
        let slugs: Vec<_> = plankammer_domain::verfahren::Verfahrensart::ALL
            .iter()
            .map(|v| v.slug())
            .collect();
        assert_eq!(codes, slugs);
        for v in plankammer_domain::verfahren::Verfahrensart::ALL {
            let c = verfahrensarten()
                .iter()
                .find(|c| c.code == v.slug())
                .unwrap();
            assert_eq!(c.rechtsgrundlage, v.paragraph());
        }
        assert!(
            CODELISTE_VERFAHRENSART
                .contains(&format!("<CanonicalUri>{VERFAHRENSART_URI}</CanonicalUri>"))
        );
        assert!(
            CODELISTE_VERFAHRENSART
                .contains(&format!("<Version>{VERFAHRENSART_VERSION}</Version>"))
        );
    }

    #[test]
    fn messages_built_are_valid_read_back_equal_and_stable() {
        // 0200 with a natural person as Bauherr.
        let a = bauantrag();
        let xml = antrag(&a);
        gueltig("0200", &xml);
        assert_eq!(antrag_lesen(xml.as_bytes()).unwrap(), a);
        insta::assert_snapshot!("antrag_0200", xml);

        // 0202: the same content, no portal reference, recipient or applicant.
        let mut g = bauantrag();
        g.kopf.uuid = "7a1c2a4e-1d2b-4c3a-9e8f-0a1b2c3d4e5f".into();
        g.referenz_antragsservice = None;
        g.empfaenger = None;
        g.anlagen.truncate(1);
        let xml = antrag_geaendert(&g, &bezug());
        gueltig("0202", &xml);
        assert_eq!(antrag_lesen(xml.as_bytes()).unwrap(), g);
        let k = kopf_lesen(xml.as_bytes()).unwrap();
        assert_eq!(k.typ, "0202");
        assert_eq!(k.bezug_referenz, bezug().referenz);
        assert_eq!(k.bezug_vorgang, bezug().vorgang);
        insta::assert_snapshot!("antrag_geaendert_0202", xml);

        // 1130.
        let r = Ruecknahme {
            kopf: kopf("1b2c3d4e-5f60-4718-8a9b-0c1d2e3f4a5b"),
            bezug: bezug(),
            begruendung: Some(
                "Wir ziehen den Antrag zurück.\n\nDas Grundstück wurde verkauft.".into(),
            ),
        };
        let xml = ruecknahme(&r);
        gueltig("1130", &xml);
        assert_eq!(ruecknahme_lesen(xml.as_bytes()).unwrap(), r);
        insta::assert_snapshot!("ruecknahme_1130", xml);

        // 0303 with a consent, Nebenbestimmungen and a text with markup characters.
        let s = Stellungnahme {
            kopf: kopf("2c3d4e5f-6071-4829-9bac-1d2e3f4a5b6c"),
            bezug: bezug(),
            referenz: "1b2c3d4e-5f60-4718-8a9b-0c1d2e3f4a5b".into(),
            zustimmung: Some(true),
            text: "Keine Bedenken, wenn die Zufahrt < 3 m & frei bleibt.\n\nZweiter Absatz.".into(),
            nebenbestimmungen: vec![
                NebenbestimmungZeile {
                    art: "2".into(),
                    text: "Die Feuerwehrzufahrt ist freizuhalten.".into(),
                },
                NebenbestimmungZeile {
                    art: "4".into(),
                    text: "Hinweis: Löschwasser 48 m³/h.".into(),
                },
            ],
        };
        let xml = stellungnahme(&s);
        gueltig("0303", &xml);
        assert_eq!(stellungnahme_lesen(xml.as_bytes()).unwrap(), s);
        insta::assert_snapshot!("stellungnahme_0303", xml);
        // A refusal without text, and a statement without a vote.
        for z in [Some(false), None] {
            let s2 = Stellungnahme {
                zustimmung: z,
                text: if z.is_some() {
                    String::new()
                } else {
                    "Nur ein Text.".into()
                },
                nebenbestimmungen: vec![],
                ..s.clone()
            };
            let xml = stellungnahme(&s2);
            gueltig("0303", &xml);
            assert_eq!(stellungnahme_lesen(xml.as_bytes()).unwrap(), s2);
        }

        // 0305.
        let z = Zwischennachricht {
            kopf: kopf("3d4e5f60-7182-493a-8cbd-2e3f4a5b6c7d"),
            bezug: bezug(),
            referenz: "1b2c3d4e-5f60-4718-8a9b-0c1d2e3f4a5b".into(),
            text: "Wir bitten um Fristverlängerung bis zum 15. März.".into(),
        };
        let xml = zwischennachricht(&z);
        gueltig("0305", &xml);
        assert_eq!(zwischennachricht_lesen(xml.as_bytes()).unwrap(), z);
        assert_eq!(
            aufforderung_referenz_lesen(xml.as_bytes()).as_deref(),
            Some("1b2c3d4e-5f60-4718-8a9b-0c1d2e3f4a5b")
        );
        insta::assert_snapshot!("zwischennachricht_0305", xml);

        // 1180.
        let q = Quittierung {
            kopf: kopf("4e5f6071-8293-4a4b-9dce-3f4a5b6c7d8e"),
            bezug: Bezug {
                referenz: Some("2c3d4e5f-6071-4829-9bac-1d2e3f4a5b6c".into()),
                vorgang: Some("BA-2026-00017".into()),
            },
            nachrichtentyp: "0300".into(),
        };
        let xml = quittierung(&q);
        gueltig("1180", &xml);
        assert_eq!(quittierung_lesen(xml.as_bytes()).unwrap(), q);
        assert!(QUITTIERBARE_NACHRICHTEN.contains(&q.nachrichtentyp.as_str()));
        insta::assert_snapshot!("quittierung_1180", xml);
    }

    #[test]
    fn an_organisation_as_bauherr_is_written_and_read_as_one() {
        let mut a = bauantrag();
        a.bauherr = Person {
            name: "Wohnbau Nordhessen GmbH & Co. KG".into(),
            anschrift: "Kölnische Straße 12a, 34117 Kassel".into(),
            email: String::new(),
        };
        let xml = antrag(&a);
        gueltig("0200", &xml);
        assert!(xml.contains(
            "<organisation><name><name>Wohnbau Nordhessen GmbH &amp; Co. KG</name></name>"
        ));
        assert!(!xml.contains("<natuerlichePerson><name><familienname><name>KG"));
        assert_eq!(antrag_lesen(xml.as_bytes()).unwrap(), a);

        // An organisation only as the applicant (no Bauvorhaben bauherr) is the Bauherr.
        let xml = ohne(&xml, "xbau:beteiligte");
        gueltig("0200", &xml);
        let mut erwartet = a.clone();
        erwartet.entwurfsverfasser = Entwurfsverfasser::default();
        assert_eq!(antrag_lesen(xml.as_bytes()).unwrap(), erwartet);
    }

    #[test]
    fn each_missing_minimum_is_named_in_one_german_sentence() {
        let voll = antrag(&bauantrag());
        let faelle: Vec<(String, &str)> = vec![
            (
                ohne(&voll, "nachrichtenUUID"),
                "Die Nachricht hat keine Nachrichten-UUID (nachrichtenkopf.g2g/identifikation.nachricht/nachrichtenUUID).",
            ),
            (
                ohne(&ohne(&voll, "xbau:antragsteller"), "xbau:beteiligte"),
                "Die Nachricht nennt keine Bauherrschaft (antragsteller bzw. bauherr).",
            ),
            (
                ohne(&voll, "xbau:verortung"),
                "Die Nachricht nennt kein Baugrundstück (bauvorhaben/verortung/baugrundstueck/grundstueck).",
            ),
            (
                ohne(&voll, "xbau:gemeindeschluessel"),
                "Das Baugrundstück hat keinen Amtlichen Gemeindeschlüssel (grundstueck/anschrift/gemeindeschluessel).",
            ),
            (
                voll.replace("<code>06611000</code>", "<code>066110</code>"),
                "Der Gemeindeschlüssel „066110“ des Baugrundstücks hat nicht acht Ziffern.",
            ),
            (
                ohne(&voll, "xbau:flurstueck"),
                "Das Baugrundstück nennt kein Flurstück (grundstueck/flurstueck/kodierungFlurstueck).",
            ),
            (
                voll.replace("<zaehler>57</zaehler>", "<zaehler>57a</zaehler>"),
                "Der Flurstückszähler „57a“ ist keine Zahl (kodierungFlurstueck/zaehler).",
            ),
            (
                ohne(&voll, "xbau:prozessmerkmale"),
                "Die Nachricht nennt keine Verfahrensart (prozessmerkmale/verfahrensart).",
            ),
            (
                voll.replace(
                    &format!("listURI=\"{VERFAHRENSART_URI}\" listVersionID=\"1.0\"><code>vereinfacht"),
                    "listURI=\"urn:xoev-de:xbau:hh:codeliste:verfahrensart\" listVersionID=\"1.0\"><code>1",
                ),
                "Die Verfahrensart „1“ der Codeliste „urn:xoev-de:xbau:hh:codeliste:verfahrensart“ kennt Plankammer nicht; erwartet wird ein Code der Codeliste urn:plankammer:codeliste:verfahrensart (baugenehmigung, vereinfacht, freistellung, vorbescheid).",
            ),
            (
                ohne(&voll, "xbau:bezeichnungDesBauvorhabens"),
                "Die Nachricht nennt keine Bezeichnung des Bauvorhabens (bauvorhaben/bezeichnungDesBauvorhabens).",
            ),
            (
                ohne(&voll, "xbau:anlagen"),
                "Die Nachricht enthält keine Anlage (anlagen/anlage mit anhang: dokumentid, dateiname und hashValue).",
            ),
            (
                voll.replace(&format!(" hashValue=\"{}\"", "a".repeat(64)), ""),
                "Die Anlage „Grundriss EG“ hat keinen SHA-256-Hashwert (anhang/@hashValue).",
            ),
            (
                voll.replace(&"b".repeat(64), "md5:abc"),
                "Der Hashwert „md5:abc“ der Anlage „Lageplan“ ist kein SHA-256-Wert (64 Hexadezimalziffern).",
            ),
            (
                voll.replace("<dokumentid>urn:plankammer:version:2001</dokumentid>", ""),
                "Die Anlage „Grundriss EG“ hat keine Dokument-ID (anhang/dokumentid).",
            ),
            (
                voll.replace("<dateiname>1803.pdf</dateiname>", ""),
                "Die Anlage „Lageplan“ hat keinen Dateinamen (anhang/dateiname).",
            ),
        ];
        for (xml, satz) in faelle {
            assert_ne!(xml, voll, "{satz}");
            // Schema-valid is not enough: almost everything is optional in XBau 2.6.
            gueltig(satz, &xml);
            assert_eq!(
                antrag_lesen(xml.as_bytes()).unwrap_err(),
                vec![satz.to_string()]
            );
        }
        // Everything missing at once: one sentence each.
        let leer = antrag(&Bauantrag {
            verfahrensart: String::new(),
            bezeichnung: String::new(),
            strasse: String::new(),
            hausnummer: String::new(),
            plz: String::new(),
            ort: String::new(),
            gemeinde_ags: String::new(),
            flurstuecke: vec![],
            bauherr: Person::default(),
            entwurfsverfasser: Entwurfsverfasser::default(),
            anlagen: vec![],
            ..bauantrag()
        });
        gueltig("0200", &leer);
        let fehler = antrag_lesen(ohne(&leer, "nachrichtenUUID").as_bytes()).unwrap_err();
        assert_eq!(fehler.len(), 6, "{fehler:#?}");
        // A message of another type is named as such.
        let z = zwischennachricht(&Zwischennachricht {
            kopf: kopf("3d4e5f60-7182-493a-8cbd-2e3f4a5b6c7d"),
            bezug: bezug(),
            referenz: "1b2c3d4e-5f60-4718-8a9b-0c1d2e3f4a5b".into(),
            text: "x".into(),
        });
        assert_eq!(
            antrag_lesen(z.as_bytes()).unwrap_err(),
            vec!["Die Nachricht ist keine baugenehmigung.antrag.0200 bzw. baugenehmigung.antragGeaendert.0202, sondern eine „beteiligung.zwischennachricht.0305“.".to_string()]
        );
    }

    #[test]
    fn announced_documents_and_bare_hashes() {
        let a = bauantrag();
        let xml = antrag(&a).replace(
            &format!("hashValue=\"sha256:{}\"", "b".repeat(64)),
            &format!("hashValue=\"{}\"", "B".repeat(64)),
        );
        // The hash as the schema documents it (bare hex digits, here in upper case) reads
        // the same; an announced document without a file is not listed and not missed.
        let xml = xml.replace(
            "</xbau:anlagen>",
            "<anlage><bezeichnung>Standsicherheitsnachweis</bezeichnung><anlageart listVersionID=\"3.0\"><code>2801</code></anlageart><xbau:wirdNachgereicht>true</xbau:wirdNachgereicht></anlage></xbau:anlagen>",
        );
        gueltig("0200", &xml);
        assert_eq!(antrag_lesen(xml.as_bytes()).unwrap(), a);
        // A linked document (no file beside the message) is refused by name.
        let xml = antrag(&a).replace(
            "</xbau:anlagen>",
            "<anlage><bezeichnung>Baugrundgutachten</bezeichnung><anhangOderVerlinkung><verlinkung><uriVerlinkung>https://example.org/gutachten.pdf</uriVerlinkung></verlinkung></anhangOderVerlinkung></anlage></xbau:anlagen>",
        );
        gueltig("0200", &xml);
        assert_eq!(
            antrag_lesen(xml.as_bytes()).unwrap_err(),
            vec!["Die Anlage „Baugrundgutachten“ ist keine Datei neben der Nachricht (anhangOderVerlinkung/anhang); Plankammer braucht jede Anlage mit dokumentid, dateiname und hashValue.".to_string()]
        );
    }

    #[test]
    fn minimum_of_the_other_messages() {
        let r = ruecknahme(&Ruecknahme {
            kopf: kopf("1b2c3d4e-5f60-4718-8a9b-0c1d2e3f4a5b"),
            bezug: Bezug::default(),
            begruendung: None,
        });
        gueltig("1130", &r);
        assert_eq!(
            ruecknahme_lesen(r.as_bytes()).unwrap_err(),
            vec![
                "Die Rücknahme nennt keinen Antrag (bezug/referenz bzw. bezug/vorgang)."
                    .to_string()
            ]
        );
        let s = stellungnahme(&Stellungnahme {
            kopf: kopf("2c3d4e5f-6071-4829-9bac-1d2e3f4a5b6c"),
            bezug: bezug(),
            referenz: "1b2c3d4e-5f60-4718-8a9b-0c1d2e3f4a5b".into(),
            zustimmung: None,
            text: String::new(),
            nebenbestimmungen: vec![],
        });
        let s = ohne(&s, "xbau:referenzAufforderung");
        gueltig("0303", &s);
        assert_eq!(
            stellungnahme_lesen(s.as_bytes()).unwrap_err(),
            vec![
                FEHLT_REFERENZ.to_string(),
                "Die Stellungnahme ist leer: sie enthält weder ein Votum (stellungnahmeStrukturiert/tenor/istZustimmung) noch einen Text (begruendung bzw. hinweise) noch Nebenbestimmungen.".to_string()
            ]
        );
        let z = zwischennachricht(&Zwischennachricht {
            kopf: kopf("3d4e5f60-7182-493a-8cbd-2e3f4a5b6c7d"),
            bezug: bezug(),
            referenz: "1b2c3d4e-5f60-4718-8a9b-0c1d2e3f4a5b".into(),
            text: String::new(),
        });
        gueltig("0305", &z);
        assert_eq!(
            zwischennachricht_lesen(z.as_bytes()).unwrap_err(),
            vec![
                "Die Zwischennachricht nennt kein Anliegen (anliegenZwischennachricht)."
                    .to_string()
            ]
        );
    }

    #[test]
    fn headers_of_any_message_are_read() {
        use crate::nachrichten::{
            Aufforderung, RuecknahmeBeteiligung, aufforderung, ruecknahme_beteiligung,
        };
        let auf = aufforderung(&Aufforderung {
            kopf: kopf("5f607182-93a4-4b5c-8def-4a5b6c7d8e9f"),
            bezug: bezug(),
            referenz: "1b2c3d4e-5f60-4718-8a9b-0c1d2e3f4a5b".into(),
            stelle: "Brandschutzdienststelle".into(),
            rolle: "2".into(),
            grund: None,
            bauvorhaben: "Neubau".into(),
            anlagen: vec![],
            frist: NaiveDate::from_ymd_opt(2027, 2, 1).unwrap(),
            rechtsfolge: None,
        });
        let k = kopf_lesen(auf.as_bytes()).unwrap();
        assert_eq!(
            k,
            Eingang {
                uuid: "5f607182-93a4-4b5c-8def-4a5b6c7d8e9f".into(),
                typ: "0300".into(),
                nachricht: "beteiligung.aufforderung.0300".into(),
                erstellt: Some(kopf("").erstellt),
                autor: Some(kopf("").autor),
                leser: Some(kopf("").leser),
                bezug_referenz: bezug().referenz,
                bezug_vorgang: bezug().vorgang,
            }
        );
        assert_eq!(
            aufforderung_referenz_lesen(auf.as_bytes()).as_deref(),
            Some("1b2c3d4e-5f60-4718-8a9b-0c1d2e3f4a5b")
        );
        let rb = ruecknahme_beteiligung(&RuecknahmeBeteiligung {
            kopf: kopf("5f607182-93a4-4b5c-8def-4a5b6c7d8e9f"),
            bezug: bezug(),
            referenz: "2b2c3d4e-5f60-4718-8a9b-0c1d2e3f4a5b".into(),
            information: None,
        });
        assert_eq!(
            aufforderung_referenz_lesen(rb.as_bytes()).as_deref(),
            Some("2b2c3d4e-5f60-4718-8a9b-0c1d2e3f4a5b")
        );
        // A Kernmodul message: its bezug is unqualified.
        let q = quittierung(&Quittierung {
            kopf: kopf("4e5f6071-8293-4a4b-9dce-3f4a5b6c7d8e"),
            bezug: bezug(),
            nachrichtentyp: String::new(),
        });
        let k = kopf_lesen(q.as_bytes()).unwrap();
        assert_eq!((k.typ.as_str(), k.bezug_vorgang), ("1180", bezug().vorgang));
        assert_eq!(aufforderung_referenz_lesen(q.as_bytes()), None);
        // No header, another namespace, a DOCTYPE: a German sentence.
        let ohne_kopf = ohne(&q, "nachrichtenkopf.g2g");
        assert!(
            kopf_lesen(ohne_kopf.as_bytes())
                .unwrap_err()
                .contains("nachrichtenUUID")
        );
        assert!(
            kopf_lesen(b"<a xmlns=\"urn:x\"/>")
                .unwrap_err()
                .contains("urn:x")
        );
        assert!(
            kopf_lesen(b"<!DOCTYPE a [<!ENTITY e \"x\">]><a>&e;</a>")
                .unwrap_err()
                .starts_with("Die Nachricht ist kein lesbares XML-Dokument")
        );
    }

    #[test]
    fn addresses_names_times_and_texts() {
        for zeile in [
            "Musterweg 1, 34117 Kassel",
            "Am Markt 3a, 34117 Kassel",
            "Hauptstraße 12-14, 65185 Wiesbaden",
            "Am Anger, 34117 Kassel",
            "c/o Müller, Musterweg 1, 34117 Kassel",
            "Musterweg 1, Kassel",
            "Postfach 1234",
        ] {
            let xml = format!("<anschrift>{}</anschrift>", anschrift_inhalt(zeile));
            let doc = Document::parse(&xml).unwrap();
            assert_eq!(anschrift_zeile(doc.root_element()), zeile);
        }
        assert_eq!(
            anschrift_zerlegen("Musterweg 1, 34117 Kassel"),
            AnschriftTeile {
                strasse: "Musterweg".into(),
                hausnummer: "1".into(),
                strasse_hausnummer: String::new(),
                plz: "34117".into(),
                ort: "Kassel".into(),
            }
        );
        assert!(ist_organisation("Musterbau GmbH"));
        assert!(ist_organisation("Stadt Kassel"));
        assert!(ist_organisation("Müller & Söhne"));
        assert!(!ist_organisation("Erika Mustermann"));
        assert!(!ist_organisation("Hans-Georg von Landsberg"));
        assert!(!ist_organisation("Erika Land"));
        assert!(ist_organisation("Wohnungsbaugesellschaft Kassel"));
        assert!(ist_organisation("Evangelische Kirchengemeinde Wehlheiden"));
        assert_eq!(kammer_code("Ingenieurkammer Hessen"), Some("16"));
        assert_eq!(kammer_code("15"), Some("15"));
        assert_eq!(kammer_code("Kammer X"), None);

        // Winter and summer time without a zone; with a zone as given.
        assert_eq!(
            zeitpunkt("2026-01-15T10:00:00").unwrap().to_rfc3339(),
            "2026-01-15T09:00:00+00:00"
        );
        assert_eq!(
            zeitpunkt("2026-07-15T10:00:00.250").unwrap().to_rfc3339(),
            "2026-07-15T08:00:00.250+00:00"
        );
        assert_eq!(
            zeitpunkt("2026-07-15T10:00:00+01:00").unwrap().to_rfc3339(),
            "2026-07-15T09:00:00+00:00"
        );
        assert_eq!(zeitpunkt("gestern"), None);
        // The switch days: 29 March and 25 October 2026.
        assert_eq!(
            zeitpunkt("2026-03-29T03:30:00").unwrap().to_rfc3339(),
            "2026-03-29T01:30:00+00:00"
        );
        assert_eq!(
            zeitpunkt("2026-03-29T01:30:00").unwrap().to_rfc3339(),
            "2026-03-29T00:30:00+00:00"
        );
        assert_eq!(
            zeitpunkt("2026-10-25T04:00:00").unwrap().to_rfc3339(),
            "2026-10-25T03:00:00+00:00"
        );

        assert_eq!(
            html_zu_text("<p>Erster &amp; &lt;b&gt;</p><p>Zweiter<br/>Dritter &#228;&#xfc;</p>"),
            "Erster & <b>\n\nZweiter\n\nDritter äü"
        );
        assert_eq!(html_zu_text("Nur Text & mehr"), "Nur Text & mehr");
        assert_eq!(sha256_wert(&"A".repeat(64)), Some("a".repeat(64)));
        assert_eq!(
            sha256_wert(&format!("sha256:{}", "0".repeat(64))),
            Some("0".repeat(64))
        );
        assert_eq!(sha256_wert("abc"), None);
    }
}
