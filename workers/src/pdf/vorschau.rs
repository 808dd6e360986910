//! The preview stage: a thumbnail of every page and a larger preview of page 1, rendered
//! with hayro (pure Rust) and encoded as PNG with the `image` crate. Runs in the sandbox:
//! hayro has no decompression limit of its own, so the child's limits are what bound it.

use base64::Engine;
use hayro::hayro_interpret::InterpreterSettings;
use hayro::hayro_syntax::Pdf;
use hayro::vello_cpu::color::palette::css::WHITE;
use hayro::{PixmapSettings, RenderCache, RenderSettings};
use plankammer_domain::feststellung::{Feststellung, katalog};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct VorschauGrenzen {
    /// Pages that get a thumbnail; later pages get none (and a note).
    pub max_seiten: usize,
    /// Longer side of a thumbnail, in pixels.
    pub daumen_px: u32,
    /// Longer side of the large preview of page 1, in pixels.
    pub gross_px: u32,
}

impl Default for VorschauGrenzen {
    fn default() -> Self {
        VorschauGrenzen {
            max_seiten: 300,
            daumen_px: 320,
            gross_px: 1600,
        }
    }
}

/// A rendered page as PNG (base64 in the JSON between child and worker).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Bild {
    pub seite: u32,
    pub breite: u32,
    pub hoehe: u32,
    pub png_base64: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Vorschauergebnis {
    pub daumen: Vec<Bild>,
    pub gross: Option<Bild>,
    pub feststellungen: Vec<Feststellung>,
}

fn render<'a>(
    page: &'a hayro::hayro_syntax::page::Page<'a>,
    cache: &RenderCache<'a>,
    seite: u32,
    laengste: u32,
) -> Option<Bild> {
    let (w, h) = page.render_dimensions();
    if !(w.is_finite() && h.is_finite()) || w <= 0.0 || h <= 0.0 {
        return None;
    }
    let scale = laengste as f32 / w.max(h);
    let pix = PixmapSettings {
        x_scale: scale,
        y_scale: scale,
        bg_color: WHITE,
    };
    let pm = hayro::render(
        page,
        cache,
        &InterpreterSettings::default(),
        &RenderSettings::default(),
        &pix,
    );
    let (pw, ph) = (pm.width() as u32, pm.height() as u32);
    let rgba = pm.data_as_u8_slice();
    // Premultiplied on an opaque white background: the colour channels are plain RGB.
    let rgb: Vec<u8> = rgba
        .chunks_exact(4)
        .flat_map(|p| [p[0], p[1], p[2]])
        .collect();
    let img = image::RgbImage::from_raw(pw, ph, rgb)?;
    let mut png = Vec::new();
    img.write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
        .ok()?;
    Some(Bild {
        seite,
        breite: pw,
        hoehe: ph,
        png_base64: base64::engine::general_purpose::STANDARD.encode(png),
    })
}

pub fn vorschau(bytes: &[u8], g: &VorschauGrenzen) -> Vorschauergebnis {
    let pdf = match Pdf::new(bytes.to_vec()) {
        Ok(p) => p,
        Err(e) => {
            return Vorschauergebnis {
                daumen: vec![],
                gross: None,
                feststellungen: vec![katalog::verarbeitung_abgebrochen(&format!(
                    "Vorschau nicht möglich: {e:?}"
                ))],
            };
        }
    };
    let cache = RenderCache::new();
    let mut daumen = Vec::new();
    let mut gross = None;
    let mut feststellungen = Vec::new();
    let pages = pdf.pages();
    for (i, page) in pages.iter().enumerate() {
        let seite = i as u32 + 1;
        if i >= g.max_seiten {
            feststellungen.push(katalog::grenze_erreicht(
                &format!("Vorschaubilder nur für die ersten {} Seiten", g.max_seiten),
                None,
            ));
            break;
        }
        if i == 0 {
            gross = render(page, &cache, seite, g.gross_px);
        }
        match render(page, &cache, seite, g.daumen_px) {
            Some(b) => daumen.push(b),
            None => feststellungen.push(Feststellung {
                code: "vorschau.seite".into(),
                schwere: plankammer_domain::feststellung::Schwere::Hinweis,
                meldung: format!("Für Seite {seite} konnte keine Vorschau erzeugt werden."),
                seite: Some(seite),
            }),
        }
    }
    Vorschauergebnis {
        daumen,
        gross,
        feststellungen,
    }
}
