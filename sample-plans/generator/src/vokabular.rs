//! The words of the title-block corpus: the label variants of every field, which split uses
//! which, and the fictional values printed under them (people, projects, plan numbers,
//! dates). All names, addresses and numbers are made up.

use crate::model::Date;
use crate::rng::Rng;

/// The two halves of the corpus: tune on `entwicklung`, report on `evaluation`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Split {
    Entwicklung,
    Evaluation,
}

impl Split {
    pub const ALLE: [Split; 2] = [Split::Entwicklung, Split::Evaluation];

    pub fn name(self) -> &'static str {
        match self {
            Split::Entwicklung => "entwicklung",
            Split::Evaluation => "evaluation",
        }
    }

    pub fn parse(s: &str) -> Option<Split> {
        Split::ALLE.into_iter().find(|x| x.name() == s)
    }

    /// The fixed seed of the split; the two differ, so do all their sheets.
    pub fn seed(self) -> u64 {
        match self {
            Split::Entwicklung => 0x5346_454E_5457_0001,
            Split::Evaluation => 0x5346_4556_414C_0002,
        }
    }
}

/// The fields of the ground truth's `schriftfeld`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Feld {
    Bauherr,
    Bauvorhaben,
    Planinhalt,
    Geschoss,
    Massstab,
    Plannummer,
    Index,
    Datum,
    Entwurfsverfasser,
}

impl Feld {
    pub const ALLE: [Feld; 9] = [
        Feld::Bauherr,
        Feld::Bauvorhaben,
        Feld::Planinhalt,
        Feld::Geschoss,
        Feld::Massstab,
        Feld::Plannummer,
        Feld::Index,
        Feld::Datum,
        Feld::Entwurfsverfasser,
    ];

    /// The key in the ground truth.
    pub fn key(self) -> &'static str {
        match self {
            Feld::Bauherr => "bauherr",
            Feld::Bauvorhaben => "bauvorhaben",
            Feld::Planinhalt => "planinhalt",
            Feld::Geschoss => "geschoss",
            Feld::Massstab => "massstab",
            Feld::Plannummer => "plannummer",
            Feld::Index => "index",
            Feld::Datum => "datum",
            Feld::Entwurfsverfasser => "entwurfsverfasser",
        }
    }
}

/// What the value under a label must be, so that label and value agree
/// ("Bauherrin" over a woman, "Bauträger" over a company).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Passt {
    Alle,
    Frau,
    Mann,
    Firma,
}

/// One way of labelling a field.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Variante {
    /// The label as written normally; `None`: the value stands without a label.
    pub text: Option<&'static str>,
    /// Held out of the development split.
    pub nur_evaluation: bool,
    pub passt: Passt,
}

const fn v(text: &'static str, nur_evaluation: bool, passt: Passt) -> Variante {
    Variante {
        text: Some(text),
        nur_evaluation,
        passt,
    }
}

const OHNE: Variante = Variante {
    text: None,
    nur_evaluation: false,
    passt: Passt::Alle,
};

const DEV: bool = false;
const EVAL: bool = true;

use Passt::{Alle, Firma, Frau, Mann};

const PLANINHALT: &[Variante] = &[
    v("Planinhalt", DEV, Alle),
    v("Darstellung", DEV, Alle),
    v("Planbezeichnung", DEV, Alle),
    v("Inhalt", EVAL, Alle),
    v("Planart", EVAL, Alle),
];

const MASSSTAB: &[Variante] = &[
    v("Maßstab", DEV, Alle),
    v("M", DEV, Alle),
    v("Mst.", DEV, Alle),
    OHNE,
    v("Maßst.", EVAL, Alle),
    v("Massstab", EVAL, Alle),
];

const PLANNUMMER: &[Variante] = &[
    v("Plan-Nr.", DEV, Alle),
    v("Plannummer", DEV, Alle),
    v("Zeichnungs-Nr.", DEV, Alle),
    v("Blatt", DEV, Alle),
    v("Blatt-Nr.", EVAL, Alle),
    v("Zeichnungsnummer", EVAL, Alle),
    v("Plan Nr.", EVAL, Alle),
];

const DATUM: &[Variante] = &[
    v("Datum", DEV, Alle),
    v("Stand", DEV, Alle),
    OHNE,
    v("Plandatum", EVAL, Alle),
];

const BAUHERR: &[Variante] = &[
    v("Bauherr", DEV, Alle),
    v("Bauherrschaft", DEV, Alle),
    v("Auftraggeber", DEV, Alle),
    v("Bauherrin", EVAL, Frau),
    v("Bauträger", EVAL, Firma),
];

const ENTWURFSVERFASSER: &[Variante] = &[
    v("Entwurfsverfasser", DEV, Alle),
    v("Planverfasser", DEV, Alle),
    v("Architekt", DEV, Mann),
    v("Planung", DEV, Alle),
    v("Entwurfsverfasserin", EVAL, Frau),
    v("Architektin", EVAL, Frau),
];

const BAUVORHABEN: &[Variante] = &[
    v("Bauvorhaben", DEV, Alle),
    v("Projekt", DEV, Alle),
    v("Vorhaben", EVAL, Alle),
];

const INDEX: &[Variante] = &[
    v("Index", DEV, Alle),
    v("Änderung", DEV, Alle),
    v("Rev.", DEV, Alle),
    v("Änderungsindex", EVAL, Alle),
];

const GESCHOSS: &[Variante] = &[v("Geschoss", DEV, Alle), v("Ebene", EVAL, Alle)];

/// The label variants of a field; those marked `EVAL` occur in the evaluation split only.
pub fn varianten(feld: Feld) -> &'static [Variante] {
    match feld {
        Feld::Planinhalt => PLANINHALT,
        Feld::Massstab => MASSSTAB,
        Feld::Plannummer => PLANNUMMER,
        Feld::Datum => DATUM,
        Feld::Bauherr => BAUHERR,
        Feld::Entwurfsverfasser => ENTWURFSVERFASSER,
        Feld::Bauvorhaben => BAUVORHABEN,
        Feld::Index => INDEX,
        Feld::Geschoss => GESCHOSS,
    }
}

/// Picks the label of a field for a split. The development split never sees the held-out
/// variants; the evaluation split takes one of them half of the time, otherwise any.
/// `ohne_erlaubt`: whether a value without label may be chosen here.
pub fn waehle_label(rng: &mut Rng, split: Split, feld: Feld, ohne_erlaubt: bool) -> Variante {
    let kandidaten: Vec<Variante> = varianten(feld)
        .iter()
        .copied()
        .filter(|v| split == Split::Evaluation || !v.nur_evaluation)
        .filter(|v| ohne_erlaubt || v.text.is_some())
        .collect();
    let neu: Vec<Variante> = kandidaten
        .iter()
        .copied()
        .filter(|v| v.nur_evaluation)
        .collect();
    if split == Split::Evaluation && !neu.is_empty() && rng.unit() < 0.5 {
        return *pick(rng, &neu);
    }
    *pick(rng, &kandidaten)
}

/// A uniformly chosen element (the lists here are never empty).
pub fn pick<'a, T>(rng: &mut Rng, items: &'a [T]) -> &'a T {
    &items[rng.below(items.len() as u64) as usize]
}

/// An element chosen by weight.
pub fn weighted<'a, T>(rng: &mut Rng, items: &'a [(T, f64)]) -> &'a T {
    let total: f64 = items.iter().map(|(_, w)| w).sum();
    let mut x = rng.unit() * total;
    for (item, w) in items {
        if x < *w {
            return item;
        }
        x -= w;
    }
    &items[items.len() - 1].0
}

/// Draws values with `f` until one has at most `max` characters (after 30 tries the
/// shortest one seen).
pub fn hoechstens<T>(
    rng: &mut Rng,
    max: usize,
    len: impl Fn(&T) -> usize,
    mut f: impl FnMut(&mut Rng) -> T,
) -> T {
    let mut best = f(rng);
    for _ in 0..30 {
        if len(&best) <= max {
            break;
        }
        let next = f(rng);
        if len(&next) < len(&best) {
            best = next;
        }
    }
    best
}

const VORNAMEN_F: &[&str] = &[
    "Sabine",
    "Anna",
    "Julia",
    "Katrin",
    "Miriam",
    "Petra",
    "Claudia",
    "Lena",
    "Sophie",
    "Birgit",
    "Franziska",
    "Jana",
    "Elif",
    "Marta",
    "Henrike",
    "Ute",
];

const VORNAMEN_M: &[&str] = &[
    "Thomas", "Jonas", "Michael", "Stefan", "Andreas", "Lukas", "Matthias", "Tobias", "Jan",
    "Florian", "Mehmet", "Klaus", "Peter", "Henrik", "Bernd", "Ole",
];

const NACHNAMEN: &[&str] = &[
    "Becker", "Wagner", "Schulte", "Krüger", "Hoffmann", "Neumann", "Vogt", "Berg", "Schäfer",
    "Koch", "Richter", "Wolf", "Lorenz", "Brandt", "Yilmaz", "Kowalski", "Engel", "Haas", "Pohl",
    "Seidel", "Ziegler", "Winter", "Sommer", "Franke", "Öztürk", "Meißner",
];

const ORTE: &[(&str, &str)] = &[
    ("Kassel", "341"),
    ("Göttingen", "370"),
    ("Fulda", "360"),
    ("Marburg", "350"),
    ("Gießen", "353"),
    ("Baunatal", "342"),
    ("Korbach", "344"),
    ("Eschwege", "372"),
    ("Bad Hersfeld", "362"),
    ("Witzenhausen", "372"),
    ("Hann. Münden", "343"),
    ("Melsungen", "342"),
];

const STRASSEN: &[&str] = &[
    "Lindenweg",
    "Goethestraße",
    "Am Mühlbach",
    "Bahnhofstraße",
    "Kirchgasse",
    "Birkenallee",
    "Schillerstraße",
    "Im Wiesengrund",
    "Hauptstraße",
    "Rosenstraße",
    "Talweg",
    "Friedrich-Ebert-Straße",
    "Am Sportplatz",
    "Ahornring",
    "Untere Mühlstraße",
];

const REGIONEN: &[&str] = &[
    "Nordhessen",
    "Werra-Meißner",
    "Fuldatal",
    "Kaufunger Wald",
    "Diemelland",
    "Schwalm-Eder",
];

fn nachname(rng: &mut Rng) -> String {
    pick(rng, NACHNAMEN).to_string()
}

/// A place of the fictional projects: (city, PLZ).
pub fn ort(rng: &mut Rng) -> (&'static str, String) {
    let (stadt, plz) = *pick(rng, ORTE);
    (stadt, format!("{plz}{:02}", rng.below(100)))
}

/// A street address: `Lindenweg 12`.
pub fn strasse(rng: &mut Rng) -> String {
    let nr = 1 + rng.below(88);
    let zusatz = if rng.unit() < 0.1 { "a" } else { "" };
    format!("{} {nr}{zusatz}", pick(rng, STRASSEN))
}

/// `Lindenweg 12, 34117 Kassel`.
pub fn anschrift(rng: &mut Rng) -> String {
    let s = strasse(rng);
    let (stadt, plz) = ort(rng);
    format!("{s}, {plz} {stadt}")
}

/// The Bauherr line and an address line under it.
pub fn bauherr(rng: &mut Rng, passt: Passt) -> (String, String) {
    let f = |rng: &mut Rng| pick(rng, VORNAMEN_F).to_string();
    let m = |rng: &mut Rng| pick(rng, VORNAMEN_M).to_string();
    let name = match passt {
        Passt::Frau => match rng.below(3) {
            0 => format!("Frau {} {}", f(rng), nachname(rng)),
            1 => format!("Dr. {} {}", f(rng), nachname(rng)),
            _ => format!("{} {}", f(rng), nachname(rng)),
        },
        Passt::Firma => firma(rng),
        Passt::Mann | Passt::Alle => match rng.below(8) {
            0 | 1 => format!("Familie {} und {} {}", f(rng), m(rng), nachname(rng)),
            2 => format!("Familie {}", nachname(rng)),
            3 => format!("Dr. {} {}", m(rng), nachname(rng)),
            4 => format!("Herr {} {}", m(rng), nachname(rng)),
            5 => format!("{} und {} {}", f(rng), m(rng), nachname(rng)),
            _ => firma(rng),
        },
    };
    (name, anschrift(rng))
}

fn firma(rng: &mut Rng) -> String {
    match rng.below(6) {
        0 => format!("{} Immobilien GmbH", nachname(rng)),
        1 => format!("Wohnbau {} eG", pick(rng, REGIONEN)),
        2 => format!("{} Projektentwicklung GmbH", nachname(rng)),
        3 => format!("Bauverein {} eG", ort(rng).0),
        4 => format!("{} & {} Grundbesitz GbR", nachname(rng), nachname(rng)),
        _ => format!("{} Wohnbau GmbH & Co. KG", nachname(rng)),
    }
}

/// The project line and the lines under it (site address, sometimes the parcel).
pub fn bauvorhaben(rng: &mut Rng) -> (String, Vec<String>) {
    let n = 3 + rng.below(10);
    let name = match rng.below(13) {
        0 => "Neubau Einfamilienhaus mit Garage".to_string(),
        1 => format!("Neubau Mehrfamilienhaus mit {n} Wohneinheiten"),
        2 => "Neubau Mehrfamilienhaus".to_string(),
        3 => "Neubau Doppelhaushälfte".to_string(),
        4 => "Anbau Wintergarten".to_string(),
        5 => "Anbau an bestehendes Wohnhaus".to_string(),
        6 => "Umbau und Aufstockung Wohnhaus".to_string(),
        7 => "Umbau und Aufstockung des Bestandsgebäudes".to_string(),
        8 => "Errichtung einer Doppelgarage".to_string(),
        9 => "Nutzungsänderung Laden in Wohnung".to_string(),
        10 => format!("Neubau von {n} Reihenhäusern"),
        11 => "Ausbau Dachgeschoss mit Gauben".to_string(),
        _ => "Neubau Kindertagesstätte".to_string(),
    };
    let mut lines = vec![anschrift(rng)];
    if rng.unit() < 0.4 {
        lines.push(format!(
            "Gemarkung {}, Flur {}, Flurstück {}/{}",
            ort(rng).0,
            1 + rng.below(30),
            10 + rng.below(400),
            1 + rng.below(9)
        ));
    }
    (name, lines)
}

/// The Entwurfsverfasser line, the office's name and its address.
pub fn entwurfsverfasser(rng: &mut Rng, passt: Passt) -> (String, String, String) {
    let passt = match passt {
        Passt::Alle | Passt::Firma => {
            if rng.unit() < 0.5 {
                Passt::Frau
            } else {
                Passt::Mann
            }
        }
        p => p,
    };
    let nn = nachname(rng);
    let name = if passt == Passt::Frau {
        let f = pick(rng, VORNAMEN_F);
        match rng.below(5) {
            0 => format!("Dipl.-Ing. Architektin {f} {nn}"),
            1 => format!("Architektin {f} {nn}"),
            2 => format!("{f} {nn}, Architektin"),
            3 => format!("Dipl.-Ing. (FH) {f} {nn}"),
            _ => format!("M.A. {f} {nn}, Architektin AKH"),
        }
    } else {
        let m = pick(rng, VORNAMEN_M);
        match rng.below(5) {
            0 => format!("Dipl.-Ing. Architekt {m} {nn}"),
            1 => format!("Architekt {m} {nn}"),
            2 => format!("{m} {nn}, Architekt BDA"),
            3 => format!("Dipl.-Ing. {m} {nn}"),
            _ => format!("B.Sc. {m} {nn}"),
        }
    };
    let buero = buero_name(rng, &nn);
    (name, buero, anschrift(rng))
}

/// An architecture office named after `nn`.
pub fn buero_name(rng: &mut Rng, nn: &str) -> String {
    match rng.below(4) {
        0 => format!("{nn} Architektur"),
        1 => format!("{nn} Architekten PartGmbB"),
        2 => format!("Planungsbüro {nn}"),
        _ => format!("{nn} + Partner Architekten"),
    }
}

/// Initials for gezeichnet / geprüft.
pub fn kuerzel(rng: &mut Rng) -> String {
    let a = (b'A' + rng.below(26) as u8) as char;
    let b = (b'A' + rng.below(26) as u8) as char;
    if rng.unit() < 0.3 {
        format!("{}{}", a.to_ascii_lowercase(), b.to_ascii_lowercase())
    } else {
        format!("{a}{b}")
    }
}

/// A telephone number of an office.
pub fn telefon(rng: &mut Rng) -> String {
    format!(
        "0{} {}{}-{}",
        pick(rng, &["561", "551", "661", "6421", "641", "5631"]),
        100 + rng.below(900),
        rng.below(100),
        rng.below(30)
    )
}

/// The kinds of plan in the corpus, with their XBau `anlagen_3.0` code.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Planart {
    Lageplan,
    Grundriss,
    Schnitt,
    Ansicht,
}

impl Planart {
    pub fn name(self) -> &'static str {
        match self {
            Planart::Lageplan => "Lageplan",
            Planart::Grundriss => "Grundriss",
            Planart::Schnitt => "Schnitt",
            Planart::Ansicht => "Ansicht",
        }
    }

    pub fn anlageart(self) -> &'static str {
        match self {
            Planart::Lageplan => "1803",
            Planart::Grundriss => "2001",
            Planart::Schnitt => "2002",
            Planart::Ansicht => "2003",
        }
    }
}

/// Storeys as the ground truth writes them (the short forms of `metadaten.rs`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Geschoss {
    KG,
    UG,
    EG,
    OG,
    DG,
}

impl Geschoss {
    pub fn kurz(self) -> &'static str {
        match self {
            Geschoss::KG => "KG",
            Geschoss::UG => "UG",
            Geschoss::EG => "EG",
            Geschoss::OG => "OG",
            Geschoss::DG => "DG",
        }
    }

    pub fn lang(self) -> &'static str {
        match self {
            Geschoss::KG => "Kellergeschoss",
            Geschoss::UG => "Untergeschoss",
            Geschoss::EG => "Erdgeschoss",
            Geschoss::OG => "Obergeschoss",
            Geschoss::DG => "Dachgeschoss",
        }
    }
}

/// The Planinhalt as printed, with the storey of a floor plan.
pub fn planinhalt(rng: &mut Rng, planart: Planart) -> (String, Option<Geschoss>) {
    match planart {
        Planart::Lageplan => (
            pick(
                rng,
                &[
                    "Lageplan",
                    "Lageplan",
                    "Lageplan zum Bauantrag",
                    "Lageplan mit Abstandsflächen",
                ],
            )
            .to_string(),
            None,
        ),
        Planart::Grundriss => {
            let g = *weighted(
                rng,
                &[
                    (Geschoss::KG, 1.0),
                    (Geschoss::UG, 0.5),
                    (Geschoss::EG, 2.0),
                    (Geschoss::OG, 1.5),
                    (Geschoss::DG, 1.0),
                ],
            );
            let text = match rng.below(5) {
                0 => format!("Grundriss {}", g.kurz()),
                1 => format!("{} Grundriss", g.lang()),
                _ => format!("Grundriss {}", g.lang()),
            };
            (text, Some(g))
        }
        Planart::Schnitt => (
            pick(
                rng,
                &[
                    "Schnitt A-A",
                    "Schnitt B-B",
                    "Schnitte A-A und B-B",
                    "Längsschnitt A-A",
                    "Querschnitt B-B",
                    "Schnitt 1-1",
                ],
            )
            .to_string(),
            None,
        ),
        Planart::Ansicht => (
            pick(
                rng,
                &[
                    "Ansicht Nord",
                    "Ansicht Süd",
                    "Ansichten Ost und West",
                    "Ansicht Straßenseite",
                    "Ansichten Nord, Süd",
                    "Ansicht West",
                ],
            )
            .to_string(),
            None,
        ),
    }
}

/// The scale denominator of a plan.
pub fn massstab(rng: &mut Rng, planart: Planart) -> u32 {
    match planart {
        Planart::Lageplan => *weighted(rng, &[(500, 3.0), (1000, 1.0), (200, 1.0)]),
        _ => *weighted(rng, &[(100, 6.0), (50, 3.0), (200, 1.0)]),
    }
}

/// The scale as printed. Under the label "M" (which already says "Maßstab") without a
/// second "M"; without any label often as `M 1:100`.
pub fn massstab_text(rng: &mut Rng, nenner: u32, label: Option<&str>) -> String {
    let plain = format!("1:{nenner}");
    let spaced = format!("1 : {nenner}");
    let m = format!("M 1:{nenner}");
    match label {
        Some("M") => {
            if rng.unit() < 0.7 {
                plain
            } else {
                spaced
            }
        }
        None => {
            if rng.unit() < 0.6 {
                m
            } else {
                plain
            }
        }
        Some(_) => match rng.below(3) {
            0 => plain,
            1 => m,
            _ => spaced,
        },
    }
}

/// A plan number in one of several office patterns. `2026-014-GR-02` and `P.12` are held
/// out of the development split.
pub fn plannummer(
    rng: &mut Rng,
    split: Split,
    planart: Planart,
    geschoss: Option<Geschoss>,
    jahr: u16,
) -> String {
    let muster = if split == Split::Evaluation { 6 } else { 4 };
    let kind = match planart {
        Planart::Lageplan => ("LP", 0),
        Planart::Grundriss => ("GR", 1),
        Planart::Schnitt => ("SN", 2),
        Planart::Ansicht => ("AN", 3),
    };
    let n = 1 + rng.below(9);
    match rng.below(muster) {
        0 => format!("A-{}{:02}", kind.1, n),
        1 => match geschoss {
            Some(g) => format!("{}-{:02}", g.kurz(), n),
            None => format!("{}-{:02}", kind.0, n),
        },
        2 => format!("{}{:02}", kind.1 + 1, n),
        3 => format!("BA {:02}", n + 1),
        4 => format!("{jahr}-{:03}-{}-{:02}", 1 + rng.below(60), kind.0, n),
        _ => format!("P.{}", 1 + rng.below(40)),
    }
}

const MONATE: [&str; 12] = [
    "Januar",
    "Februar",
    "März",
    "April",
    "Mai",
    "Juni",
    "Juli",
    "August",
    "September",
    "Oktober",
    "November",
    "Dezember",
];

fn tage_im_monat(y: u16, m: u8) -> u8 {
    match m {
        2 if y.is_multiple_of(4) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// A plan date between 2024 and 2026.
pub fn datum(rng: &mut Rng) -> Date {
    let y = 2024 + rng.below(3) as u16;
    let m = 1 + rng.below(12) as u8;
    let d = 1 + rng.below(tage_im_monat(y, m) as u64) as u8;
    Date::new(y, m, d)
}

/// Every form in which the corpus prints a date (all name the day).
pub fn datum_formen(d: Date) -> Vec<String> {
    vec![
        d.german(),
        format!("{}.{}.{}", d.d, d.m, d.y),
        format!("{:02}.{:02}.{:02}", d.d, d.m, d.y % 100),
        format!("{}. {} {}", d.d, MONATE[d.m as usize - 1], d.y),
        d.iso(),
    ]
}

/// The date as printed; the spelled-out month and ISO form are held out of the development
/// split. Without a label often with the place: `Kassel, den 14.09.2026`.
pub fn datum_text(rng: &mut Rng, split: Split, d: Date, mit_label: bool, stadt: &str) -> String {
    let formen = datum_formen(d);
    let n = if split == Split::Evaluation { 5 } else { 3 };
    let i = *weighted(
        rng,
        &[(0usize, 5.0), (1, 1.5), (2, 1.0), (3, 1.5), (4, 1.0)][..n],
    );
    let s = formen[i].clone();
    if mit_label {
        return s;
    }
    match rng.below(3) {
        0 => format!("{stadt}, {s}"),
        1 => format!("{stadt}, den {s}"),
        _ => s,
    }
}

/// The printed index and whether it names a revision (`-` and `–` mean none).
pub fn index(rng: &mut Rng) -> String {
    match rng.below(20) {
        0..=7 => ((b'A' + rng.below(4) as u8) as char).to_string(),
        8..=10 => ((b'a' + rng.below(3) as u8) as char).to_string(),
        11..=14 => format!("{:02}", rng.below(5)),
        15..=16 => "-".to_string(),
        17 => "–".to_string(),
        _ => ((b'B' + rng.below(3) as u8) as char).to_string(),
    }
}

/// Whether a printed index stands for "no revision".
pub fn index_leer(s: &str) -> bool {
    matches!(s, "-" | "–")
}

/// Applies the sheet's label style: upper case (`MASSSTAB`) and a trailing colon.
pub fn label_form(label: &str, gross: bool, doppelpunkt: bool) -> String {
    let mut s = if gross {
        label.to_uppercase()
    } else {
        label.to_string()
    };
    if doppelpunkt && !s.ends_with(':') {
        s.push(':');
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_per_split() {
        let mut rng = Rng::new(3);
        for feld in Feld::ALLE {
            for _ in 0..200 {
                let v = waehle_label(&mut rng, Split::Entwicklung, feld, true);
                assert!(!v.nur_evaluation, "{feld:?}: {v:?}");
            }
            let eval_only = varianten(feld).iter().any(|v| v.nur_evaluation);
            let seen = (0..200)
                .filter(|_| waehle_label(&mut rng, Split::Evaluation, feld, true).nur_evaluation)
                .count();
            assert_eq!(eval_only, seen > 40, "{feld:?}: {seen}");
        }
        assert_eq!(label_form("Maßstab", true, true), "MASSSTAB:");
        assert_eq!(label_form("Plan-Nr.", false, false), "Plan-Nr.");
    }

    #[test]
    fn values_are_winansi() {
        let mut rng = Rng::new(9);
        for _ in 0..300 {
            let (b, a) = bauherr(&mut rng, Passt::Alle);
            let (e, o, oa) = entwurfsverfasser(&mut rng, Passt::Alle);
            let (p, lines) = bauvorhaben(&mut rng);
            let d = datum(&mut rng);
            for s in [b, a, e, o, oa, p]
                .into_iter()
                .chain(lines)
                .chain(datum_formen(d))
            {
                assert!(
                    s.chars().all(|c| crate::font::winansi_code(c).is_some()),
                    "{s}"
                );
            }
        }
    }
}
