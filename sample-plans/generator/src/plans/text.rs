//! Text documents on A4: the Baubeschreibung (a multi-page form) and the
//! Stellplatznachweis (a table, set in the non-embedded standard font Helvetica).

use crate::canvas::{Align, Canvas, Paint, lw};
use crate::font::{FontKind, Fonts};
use crate::house;
use crate::model::{Date, PROJECT};
use crate::plans::lageplan;
use crate::sheet::Rect;
use crate::symbols::de_num;

const W: f64 = 210.0;
const H: f64 = 297.0;
const LEFT: f64 = 25.0;
const RIGHT: f64 = 20.0;
const TOP: f64 = 22.0;
const BOTTOM: f64 = 25.0;

/// Splits `s` into lines that fit `width` mm.
pub fn wrap(fonts: &Fonts, font: FontKind, size: f64, s: &str, width: f64) -> Vec<String> {
    let mut lines = Vec::new();
    let mut cur = String::new();
    for word in s.split_whitespace() {
        let cand = if cur.is_empty() {
            word.to_string()
        } else {
            format!("{cur} {word}")
        };
        if fonts.text_width(font, size, &cand) / crate::pdf::PT_PER_MM > width && !cur.is_empty() {
            lines.push(std::mem::take(&mut cur));
            cur = word.to_string();
        } else {
            cur = cand;
        }
    }
    if !cur.is_empty() {
        lines.push(cur);
    }
    lines
}

/// A flowing A4 document.
struct Flow<'f> {
    fonts: &'f Fonts,
    pages: Vec<Canvas<'f>>,
    y: f64,
    regular: FontKind,
    bold: FontKind,
}

impl<'f> Flow<'f> {
    fn new(fonts: &'f Fonts, regular: FontKind, bold: FontKind) -> Self {
        Flow {
            fonts,
            pages: vec![Canvas::new(fonts, W, H)],
            y: H - TOP,
            regular,
            bold,
        }
    }

    fn c(&mut self) -> &mut Canvas<'f> {
        let n = self.pages.len() - 1;
        &mut self.pages[n]
    }

    fn new_page(&mut self) {
        self.pages.push(Canvas::new(self.fonts, W, H));
        self.y = H - TOP - 10.0;
    }

    fn ensure(&mut self, h: f64) {
        if self.y - h < BOTTOM {
            self.new_page();
        }
    }

    fn heading(&mut self, s: &str) {
        self.ensure(16.0);
        self.y -= 5.0;
        let (y, b) = (self.y, self.bold);
        let c = self.c();
        c.fill_gray(0.9);
        c.rect(LEFT, y - 1.6, W - LEFT - RIGHT, 5.6, Paint::Fill);
        c.fill_gray(0.0);
        c.text(LEFT + 1.5, y, 10.0, b, Align::Left, s);
        self.y -= 7.5;
    }

    /// A form row: label left, value right (wrapped).
    fn row(&mut self, label: &str, value: &str) {
        let lw_ = 58.0;
        let vw = W - LEFT - RIGHT - lw_ - 2.0;
        let lines = wrap(self.fonts, self.regular, 9.0, value, vw);
        let llines = wrap(self.fonts, self.regular, 9.0, label, lw_ - 2.0);
        let n = lines.len().max(llines.len()).max(1);
        let h = n as f64 * 4.2 + 1.6;
        self.ensure(h);
        let (y, r) = (self.y, self.regular);
        let c = self.c();
        for (i, l) in llines.iter().enumerate() {
            c.fill_gray(0.3);
            c.text(LEFT + 1.5, y - i as f64 * 4.2, 9.0, r, Align::Left, l);
            c.fill_gray(0.0);
        }
        for (i, l) in lines.iter().enumerate() {
            c.text(LEFT + lw_, y - i as f64 * 4.2, 9.0, r, Align::Left, l);
        }
        c.line_width(lw::THIN);
        c.stroke_gray(0.6);
        let yb = y - (n as f64 - 1.0) * 4.2 - 1.8;
        c.line((LEFT, yb), (W - RIGHT, yb));
        c.stroke_gray(0.0);
        self.y -= h + 0.6;
    }

    fn para(&mut self, s: &str) {
        let lines = wrap(self.fonts, self.regular, 9.0, s, W - LEFT - RIGHT - 3.0);
        for l in lines {
            self.ensure(4.6);
            let (y, r) = (self.y, self.regular);
            self.c().text(LEFT + 1.5, y, 9.0, r, Align::Left, &l);
            self.y -= 4.4;
        }
        self.y -= 2.0;
    }

    /// Running header (pages 2 …) and footer "Seite n von N".
    fn finish(mut self, header: &str, footer_left: &str) -> Vec<Canvas<'f>> {
        let n = self.pages.len();
        let r = self.regular;
        for (i, c) in self.pages.iter_mut().enumerate() {
            if i > 0 {
                c.text(LEFT, H - 14.0, 7.5, r, Align::Left, header);
                c.line_width(lw::THIN);
                c.line((LEFT, H - 16.0), (W - RIGHT, H - 16.0));
            }
            c.line_width(lw::THIN);
            c.line((LEFT, 16.0), (W - RIGHT, 16.0));
            c.text(LEFT, 11.5, 7.0, r, Align::Left, footer_left);
            c.text(
                W - RIGHT,
                11.5,
                7.0,
                r,
                Align::Right,
                &format!("Seite {} von {}", i + 1, n),
            );
        }
        self.pages
    }
}

/// The header block (Kopfblock) on page 1 of a text document; returns its rectangle.
#[allow(clippy::too_many_arguments)]
fn header_block(
    c: &mut Canvas<'_>,
    top: f64,
    title: &str,
    subtitle: &str,
    datum: Date,
    anlage: &str,
    regular: FontKind,
    bold: FontKind,
) -> Rect {
    let x = LEFT;
    let w = W - LEFT - RIGHT;
    let rows: [(&str, String); 6] = [
        ("Bauherr", PROJECT.bauherr.to_string()),
        ("Anschrift Bauherr", PROJECT.bauherr_adresse.to_string()),
        ("Bauvorhaben", PROJECT.bauvorhaben.to_string()),
        (
            "Baugrundstück",
            format!("{}, {}", PROJECT.adresse, PROJECT.grundstueck),
        ),
        ("Entwurfsverfasser", PROJECT.entwurfsverfasser.to_string()),
        ("Datum", datum.german()),
    ];
    let title_h = 16.0;
    let row_h = 6.2;
    let h = title_h + rows.len() as f64 * row_h + 6.0;
    let y0 = top - h;
    c.line_width(lw::WIDE);
    c.rect(x, y0, w, h, Paint::Stroke);
    c.text(x + 3.0, top - 8.0, 16.0, bold, Align::Left, title);
    c.text(x + 3.0, top - 13.0, 8.0, regular, Align::Left, subtitle);
    c.text(x + w - 3.0, top - 8.0, 8.0, regular, Align::Right, anlage);
    c.line_width(lw::FINE);
    c.line((x, top - title_h), (x + w, top - title_h));
    let mut y = top - title_h;
    for (i, (l, v)) in rows.iter().enumerate() {
        let ty = y - 4.4;
        c.fill_gray(0.3);
        c.text(x + 3.0, ty, 7.5, regular, Align::Left, l);
        c.fill_gray(0.0);
        let size = if v.len() > 70 { 7.6 } else { 9.0 };
        let font = if i == 2 { bold } else { regular };
        c.text(x + 40.0, ty, size, font, Align::Left, v);
        y -= row_h;
        c.line_width(lw::THIN);
        c.line((x, y), (x + w, y));
    }
    c.text(
        x + 3.0,
        y - 4.0,
        6.5,
        regular,
        Align::Left,
        &format!("{} · fiktive Beispieldaten", PROJECT.verfahren),
    );
    Rect { x, y: y0, w, h }
}

pub const BAUBESCHREIBUNG_DATUM: Date = Date::new(2026, 9, 14);
pub const STELLPLATZ_DATUM: Date = Date::new(2026, 9, 10);

/// Baubeschreibung (Vordruck), three A4 pages. Returns the pages and the header block.
pub fn baubeschreibung(fonts: &Fonts) -> (Vec<Canvas<'_>>, Rect) {
    use FontKind::{Bold, Regular};
    let mut f = Flow::new(fonts, Regular, Bold);
    let hb = header_block(
        f.c(),
        H - TOP + 4.0,
        "Baubeschreibung",
        "Vordruck nach Bauvorlagenerlass Hessen (BVErl), Anlage 1502",
        BAUBESCHREIBUNG_DATUM,
        "Anlage 1502",
        Regular,
        Bold,
    );
    f.y = hb.y - 8.0;
    let area = lageplan::plot_area();
    let bgf = house::footprint() * 3.0 + house::footprint() * 0.75;
    let bri = house::footprint() * (house::ridge_level() - (-3.05)) * 0.86;

    f.heading("1  Art und Nutzung des Vorhabens");
    f.row(
        "Art der baulichen Anlage",
        "Wohngebäude (Einfamilienhaus) mit einer Wohneinheit, freistehend, mit Grenzgarage",
    );
    f.row("Gebäudeklasse (§ 2 Abs. 3 HBO)", "Gebäudeklasse 1 (freistehend, Höhe bis 7 m, nicht mehr als zwei Nutzungseinheiten von insgesamt nicht mehr als 400 m²)");
    f.row("Anzahl der Wohneinheiten", "1");
    f.row(
        "Geschosse",
        "Kellergeschoss, Erdgeschoss, Obergeschoss, Dachgeschoss (kein Vollgeschoss)",
    );
    f.row("Planungsrechtliche Grundlage", "Bebauungsplan Nr. VII/42 „Am Lindenweg“ der Stadt Kassel; Festsetzungen werden eingehalten");
    f.row("Verfahren", PROJECT.verfahren);

    f.heading("2  Grundstück und Erschließung");
    f.row(
        "Grundstück",
        &format!("{}, {}", PROJECT.adresse, PROJECT.grundstueck),
    );
    f.row("Grundstücksgröße", &format!("{} m²", de_num(area, 2)));
    f.row("Erschließung", "Öffentliche Straße Lindenweg; Anschluss an die öffentliche Wasserversorgung, Schmutz- und Regenwasserkanal (Trennsystem), Strom und Telekommunikation");
    f.row("Niederschlagswasser", "Versickerung über Rigole auf dem Grundstück, Notüberlauf an den Regenwasserkanal; Zisterne 5 m³ zur Gartenbewässerung");

    f.heading("3  Konstruktion");
    f.row("Gründung", "Stahlbeton-Bodenplatte WU-Beton C30/37, 25 cm, auf Sauberkeitsschicht und Kiesschüttung; Perimeterdämmung XPS 12 cm");
    f.row("Kellerwände", "Stahlbeton WU C30/37, 30 cm, außen Perimeterdämmung XPS 12 cm; Innenwände Kalksandstein 17,5 und 24 cm");
    f.row("Außenwände EG bis DG", "Hochlochziegel mit Dämmstofffüllung 36,5 cm, Wärmeleitfähigkeit 0,08 W/(mK), mineralischer Außenputz 2 cm, Innenputz 1,5 cm; U-Wert 0,18 W/(m²K)");
    f.row(
        "Innenwände",
        "tragend: Kalksandstein 24 cm; nichttragend: Kalksandstein 11,5 cm, verputzt",
    );
    f.row("Decken", "Stahlbeton-Flachdecken C25/30, 20 cm, mit schwimmendem Zementestrich 6,5 cm auf Trittschalldämmung");
    f.row("Treppen", "Zweiläufige Stahlbetontreppen mit Zwischenpodest, Belag Naturstein; Steigungsverhältnis EG–OG 18,1/25,0 cm");
    f.row("Dach", "Satteldach 30°, Sparrendach mit Kehlbalkenlage; Zwischensparrendämmung Mineralwolle 22 cm WLS 035; Eindeckung Betondachsteine anthrazit; Dachüberstand Traufe 50 cm, Ortgang 30 cm");
    f.row("Garage", "Mauerwerk 24 cm, Stahlbetondecke mit extensiver Dachbegrünung, Sektionaltor 2,50 × 2,125 m");

    f.heading("4  Ausbau");
    f.row("Fenster und Fenstertüren", "Kunststofffenster weiß, Dreifach-Wärmeschutzverglasung, Uw höchstens 0,85 W/(m²K); Rollläden mit Elektroantrieb in EG und OG");
    f.row(
        "Türen",
        "Haustür Aluminium, anthrazit, mit Seitenteil; Innentüren Röhrenspan, weiß lackiert",
    );
    f.row("Bodenbeläge", "Wohn- und Schlafräume Parkett Eiche; Diele, Küche, Bäder, WC und HWR Feinsteinzeug; Keller Estrich beschichtet");
    f.row(
        "Wand- und Deckenflächen",
        "Gipsputz Q2, Anstrich weiß; Bäder raumhoch gefliest im Spritzwasserbereich",
    );

    f.heading("5  Technische Gebäudeausrüstung");
    f.row("Heizung", "Luft-Wasser-Wärmepumpe 8 kW (Aufstellung Technikraum KG, Außeneinheit an der Ostseite), Fußbodenheizung in allen Geschossen");
    f.row(
        "Warmwasser",
        "Trinkwasserspeicher 300 l, über die Wärmepumpe beheizt",
    );
    f.row(
        "Lüftung",
        "Zentrale Lüftungsanlage mit Wärmerückgewinnung (Wärmebereitstellungsgrad mind. 85 %)",
    );
    f.row(
        "Photovoltaik",
        "PV-Anlage auf der Süddachfläche, 8 Module, ca. 3,4 kWp, mit Batteriespeicher 5 kWh",
    );
    f.row("Elektro", "Installation nach DIN 18015, Rauchwarnmelder in Schlafräumen, Kinderzimmern und Fluren nach § 14 Abs. 2 HBO");

    f.heading("6  Brandschutz und Standsicherheit");
    f.row("Brandschutz", "Gebäudeklasse 1: keine Anforderungen an die Feuerwiderstandsfähigkeit tragender Bauteile; Grenzgarage: Außenwand an der Grenze feuerbeständig (F 90), Tür zum Garten T30");
    f.row("Rettungswege", "Erster Rettungsweg über die notwendige Treppe; zweiter Rettungsweg über anleiterbare Fenster (lichte Öffnung mind. 0,90 × 1,20 m) in jedem Aufenthaltsraum");
    f.row(
        "Standsicherheitsnachweis",
        "Wird durch einen Tragwerksplaner erstellt und vor Baubeginn vorgelegt (§ 68 HBO)",
    );
    f.row("Wärmeschutz", "Nachweis nach Gebäudeenergiegesetz (GEG 2024), Effizienzhaus-Niveau 55; Energieausweis wird vorgelegt");

    f.heading("7  Maße und Kennwerte");
    f.row(
        "Grundfläche Wohnhaus",
        &format!(
            "{} m² ({} × {} m)",
            de_num(house::footprint(), 2),
            de_num(house::LEN_X, 2),
            de_num(house::LEN_Y, 2)
        ),
    );
    f.row(
        "Brutto-Grundfläche (DIN 277)",
        &format!("ca. {} m²", de_num(bgf, 0)),
    );
    f.row(
        "Brutto-Rauminhalt (DIN 277)",
        &format!("ca. {} m³", de_num(bri, 0)),
    );
    f.row("Wohnfläche (WoFlV)", "ca. 176 m²");
    f.row(
        "Traufhöhe / Firsthöhe über Gelände",
        &format!(
            "{} m / {} m",
            de_num(house::eaves_level() - house::TERRAIN, 2),
            de_num(house::ridge_level() - house::TERRAIN, 2)
        ),
    );
    f.row(
        "GRZ / GFZ",
        &format!(
            "{} / {}",
            de_num(lageplan::built_area() / area, 2),
            de_num(2.0 * house::footprint() / area, 2)
        ),
    );

    f.heading("8  Kosten");
    f.row(
        "Herstellungskosten (DIN 276, KG 300 + 400)",
        "ca. 585.000 € (brutto)",
    );
    f.row("Rohbaukosten", "ca. 245.000 € (brutto)");

    f.heading("9  Erklärung");
    f.para("Die Angaben in dieser Baubeschreibung sind vollständig und richtig. Die Entwurfsverfasserin ist bauvorlageberechtigt nach § 67 HBO. Alle Personen, Anschriften und Flurstücke in diesem Dokument sind frei erfunden.");
    f.ensure(28.0);
    f.y -= 10.0;
    let y = f.y;
    let c = f.c();
    c.line_width(lw::THIN);
    c.line((LEFT, y), (LEFT + 70.0, y));
    c.line((W - RIGHT - 70.0, y), (W - RIGHT, y));
    c.text(
        LEFT,
        y - 4.0,
        7.5,
        Regular,
        Align::Left,
        &format!("Kassel, {} – Bauherr", BAUBESCHREIBUNG_DATUM.german()),
    );
    c.text(
        W - RIGHT - 70.0,
        y - 4.0,
        7.5,
        Regular,
        Align::Left,
        &format!(
            "Kassel, {} – Entwurfsverfasserin",
            BAUBESCHREIBUNG_DATUM.german()
        ),
    );
    let pages = f.finish(
        &format!(
            "Baubeschreibung – {}, {}",
            PROJECT.bauvorhaben, PROJECT.adresse
        ),
        "Hoffmann Architektur · Kassel",
    );
    (pages, hb)
}

/// Stellplatznachweis: one A4 page, Helvetica (deliberately not embedded).
pub fn stellplatznachweis(fonts: &Fonts) -> (Vec<Canvas<'_>>, Rect) {
    use FontKind::{Helvetica as R, HelveticaBold as B};
    let mut f = Flow::new(fonts, R, B);
    let hb = header_block(
        f.c(),
        H - TOP + 4.0,
        "Stellplatznachweis",
        "Nachweis der notwendigen Stellplätze nach § 52 HBO und Stellplatzsatzung",
        STELLPLATZ_DATUM,
        "Anlage 2301",
        R,
        B,
    );
    f.y = hb.y - 8.0;
    f.heading("1  Bedarf nach Stellplatzsatzung der Stadt Kassel");
    // Table.
    let cols = [0.0, 52.0, 84.0, 116.0, 138.0];
    let head = ["Nutzung", "Bezugsgröße", "Richtzahl", "Bedarf", "Fahrräder"];
    let rows = [
        ["Einfamilienhaus", "1 Wohneinheit", "2 je WE", "2,0", "2"],
        ["Einliegerwohnung", "–", "1 je WE", "0,0", "0"],
        ["Summe", "", "", "2,0", "2"],
    ];
    let tw = W - LEFT - RIGHT;
    let rh = 7.0;
    let top = f.y;
    let c = f.c();
    c.fill_gray(0.88);
    c.rect(LEFT, top - rh, tw, rh, Paint::Fill);
    c.fill_gray(0.0);
    for (i, h) in head.iter().enumerate() {
        c.text(LEFT + cols[i] + 2.0, top - 4.8, 9.0, B, Align::Left, h);
    }
    for (r, row) in rows.iter().enumerate() {
        let y = top - rh * (r as f64 + 2.0) + 2.2;
        for (i, cell) in row.iter().enumerate() {
            let font = if r == rows.len() - 1 { B } else { R };
            c.text(LEFT + cols[i] + 2.0, y, 9.0, font, Align::Left, cell);
        }
    }
    let n = rows.len() as f64 + 1.0;
    c.line_width(lw::FINE);
    c.rect(LEFT, top - rh * n, tw, rh * n, Paint::Stroke);
    for k in 1..rows.len() + 1 {
        c.line(
            (LEFT, top - rh * k as f64),
            (LEFT + tw, top - rh * k as f64),
        );
    }
    for cx in &cols[1..] {
        c.line((LEFT + cx, top), (LEFT + cx, top - rh * n));
    }
    f.y = top - rh * n - 8.0;

    f.heading("2  Nachweis auf dem Grundstück");
    let top = f.y;
    let head2 = ["Nr.", "Art", "Lage", "Maße"];
    let cols2 = [0.0, 14.0, 62.0, 128.0];
    let rows2 = [
        [
            "1",
            "Garage (Grenzgarage)",
            "Ostgrenze, Zufahrt Lindenweg",
            "3,00 × 5,76 m",
        ],
        [
            "2",
            "Stellplatz vor der Garage",
            "Stauraum vor dem Tor",
            "3,24 × 5,40 m",
        ],
        [
            "F1–F2",
            "Fahrradabstellplätze",
            "Garage, Rückwand",
            "je 0,70 × 2,00 m",
        ],
    ];
    let c = f.c();
    c.fill_gray(0.88);
    c.rect(LEFT, top - rh, tw, rh, Paint::Fill);
    c.fill_gray(0.0);
    for (i, h) in head2.iter().enumerate() {
        c.text(LEFT + cols2[i] + 2.0, top - 4.8, 9.0, B, Align::Left, h);
    }
    for (r, row) in rows2.iter().enumerate() {
        let y = top - rh * (r as f64 + 2.0) + 2.2;
        for (i, cell) in row.iter().enumerate() {
            c.text(LEFT + cols2[i] + 2.0, y, 9.0, R, Align::Left, cell);
        }
    }
    let n = rows2.len() as f64 + 1.0;
    c.line_width(lw::FINE);
    c.rect(LEFT, top - rh * n, tw, rh * n, Paint::Stroke);
    for k in 1..rows2.len() + 1 {
        c.line(
            (LEFT, top - rh * k as f64),
            (LEFT + tw, top - rh * k as f64),
        );
    }
    for cx in &cols2[1..] {
        c.line((LEFT + cx, top), (LEFT + cx, top - rh * n));
    }
    f.y = top - rh * n - 8.0;

    f.heading("3  Ergebnis");
    f.para("Erforderlich sind 2 Stellplätze und 2 Fahrradabstellplätze. Nachgewiesen werden 2 Stellplätze (Garage und Stellplatz vor der Garage) und 2 Fahrradabstellplätze. Der Nachweis ist erbracht. Eine Ablösung nach § 52 Abs. 5 HBO ist nicht erforderlich.");
    f.para("Die Zufahrt erfolgt über eine Grundstückszufahrt von 3,24 m Breite vom Lindenweg. Der Stauraum vor der Garage beträgt 5,40 m; die Sicht auf den Gehweg ist frei.");

    // A small sketch of the two parking spaces (about 1:250) and the signature beside it.
    f.ensure(46.0);
    let y = f.y;
    let c = f.c();
    let (sx, sy) = (LEFT + 12.0, y - 44.0);
    let (gw, gd, sd) = (3.24 * 3.6, 6.24 * 3.6, 5.4 * 3.6);
    c.line_width(lw::WIDE);
    c.rect(sx, sy, gw, gd, Paint::Stroke);
    c.line_width(lw::FINE);
    c.dashed();
    c.rect(sx, sy + gd, gw, sd, Paint::Stroke);
    c.solid();
    c.text(sx + gw / 2.0, sy + gd / 2.0, 9.0, B, Align::Center, "1");
    c.text(
        sx + gw / 2.0,
        sy + gd / 2.0 - 4.0,
        6.5,
        R,
        Align::Center,
        "Garage",
    );
    c.text(
        sx + gw / 2.0,
        sy + gd + sd / 2.0,
        9.0,
        B,
        Align::Center,
        "2",
    );
    c.text(
        sx + gw / 2.0,
        sy + gd + sd / 2.0 - 4.0,
        5.5,
        R,
        Align::Center,
        "Stellplatz",
    );
    c.text(
        sx + gw + 4.0,
        sy + gd + sd - 3.0,
        7.0,
        R,
        Align::Left,
        "Lindenweg",
    );
    c.text(
        sx + gw + 4.0,
        sy + 2.0,
        7.0,
        R,
        Align::Left,
        "Skizze ohne Maßstab, Maße siehe Lageplan M 1:500",
    );
    let yl = sy + 16.0;
    c.line_width(lw::THIN);
    c.line((W - RIGHT - 70.0, yl), (W - RIGHT, yl));
    c.text(
        W - RIGHT - 70.0,
        yl - 4.0,
        7.5,
        R,
        Align::Left,
        &format!(
            "Kassel, {} – Entwurfsverfasserin",
            STELLPLATZ_DATUM.german()
        ),
    );
    let pages = f.finish(
        &format!("Stellplatznachweis – {}", PROJECT.bauvorhaben),
        "Hoffmann Architektur · Kassel",
    );
    (pages, hb)
}
