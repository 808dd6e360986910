//! The fictional project: people, plot, dates, and what a title block says.

use serde::Serialize;

/// A calendar date (no time zone; the sheets carry dates only).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Date {
    pub y: u16,
    pub m: u8,
    pub d: u8,
}

impl Date {
    pub const fn new(y: u16, m: u8, d: u8) -> Self {
        Date { y, m, d }
    }

    /// German format, as printed: `14.09.2026`.
    pub fn german(&self) -> String {
        format!("{:02}.{:02}.{:04}", self.d, self.m, self.y)
    }

    /// ISO 8601, as in the ground truth: `2026-09-14`.
    pub fn iso(&self) -> String {
        format!("{:04}-{:02}-{:02}", self.y, self.m, self.d)
    }

    /// A fixed PDF date string for the information dictionary (10:00 local time, CEST).
    pub fn pdf(&self) -> String {
        format!("D:{:04}{:02}{:02}100000+02'00'", self.y, self.m, self.d)
    }
}

/// Paper formats of DIN EN ISO 216, in mm (portrait: width < height).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum Paper {
    A0,
    A1,
    A2,
    A3,
    A4,
}

impl Paper {
    pub fn portrait_mm(self) -> (f64, f64) {
        match self {
            Paper::A0 => (841.0, 1189.0),
            Paper::A1 => (594.0, 841.0),
            Paper::A2 => (420.0, 594.0),
            Paper::A3 => (297.0, 420.0),
            Paper::A4 => (210.0, 297.0),
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Paper::A0 => "A0",
            Paper::A1 => "A1",
            Paper::A2 => "A2",
            Paper::A3 => "A3",
            Paper::A4 => "A4",
        }
    }

    /// Width and height in mm in the given orientation.
    pub fn size(self, landscape: bool) -> (f64, f64) {
        let (w, h) = self.portrait_mm();
        if landscape { (h, w) } else { (w, h) }
    }
}

/// People and plot, the same on every sheet.
pub struct Project {
    pub bauherr: &'static str,
    pub bauherr_adresse: &'static str,
    pub bauvorhaben: &'static str,
    pub adresse: &'static str,
    pub grundstueck: &'static str,
    pub entwurfsverfasser: &'static str,
    pub buero: &'static str,
    pub verfahren: &'static str,
}

pub const PROJECT: Project = Project {
    bauherr: "Familie Jana und Tom Becker",
    bauherr_adresse: "Goethestraße 41, 34119 Kassel",
    bauvorhaben: "Neubau Einfamilienhaus mit Garage",
    adresse: "Lindenweg 12, 34117 Kassel",
    grundstueck: "Gemarkung Kassel, Flur 7, Flurstück 123/4",
    entwurfsverfasser: "Dipl.-Ing. Architektin Sabine Hoffmann, Architektenkammer Hessen Nr. 12345",
    buero: "Hoffmann Architektur · Friedrichsplatz 5 · 34117 Kassel · Tel. 0561 7394-0",
    verfahren: "Bauantrag im vereinfachten Verfahren nach § 65 HBO",
};

/// One row of the revision table (Änderungen) above the title block.
#[derive(Clone, Debug)]
pub struct Revision {
    pub index: &'static str,
    pub datum: Date,
    pub text: &'static str,
}

/// What a sheet's title block (Schriftfeld) says.
#[derive(Clone, Debug)]
pub struct TitleBlock {
    pub planinhalt: String,
    pub geschoss: Option<String>,
    /// Normalised, e.g. `1:100`; printed as `M 1:100`.
    pub massstab: Option<String>,
    pub plannummer: String,
    pub index: String,
    pub datum: Date,
    pub blatt: String,
    pub anlageart: &'static str,
    pub anlage_name: &'static str,
    pub revisions: Vec<Revision>,
}
