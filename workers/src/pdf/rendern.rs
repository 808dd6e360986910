//! Pages rendered as grey images for OCR, where there is no single scan to take: text drawn
//! as outlines (common in CAD exports), several image tiles, or image codecs we do not decode
//! ourselves (JBIG2, CCITT). Rendered with hayro, like the previews; runs in the sandbox,
//! whose limits bound hayro (it has no decompression limit of its own).

use hayro::hayro_interpret::InterpreterSettings;
use hayro::hayro_interpret::util::TransformExt;
use hayro::hayro_syntax::Pdf;
use hayro::kurbo::Affine;
use hayro::vello_cpu::color::palette::css::WHITE;
use hayro::vello_cpu::{self, Pixmap, RenderContext};
use hayro::{RenderCache, RenderSettings};
use image::GrayImage;

/// A parsed PDF ready to render pages from.
pub struct Seitenmaler {
    pdf: Pdf,
}

impl Seitenmaler {
    pub fn neu(bytes: &[u8]) -> Result<Seitenmaler, String> {
        Pdf::new(bytes.to_vec())
            .map(|pdf| Seitenmaler { pdf })
            .map_err(|e| format!("{e:?}"))
    }

    pub fn seitenzahl(&self) -> usize {
        self.pdf.pages().len()
    }

    /// Renders page `index` (0-based) at `dpi`, or only the rectangle `(x, y, w, h)` (pixels
    /// of the whole page at that resolution) of it. Refuses (None) images above `max_pixel`.
    pub fn grau(
        &self,
        index: usize,
        dpi: u32,
        ausschnitt: Option<(u32, u32, u32, u32)>,
        max_pixel: u64,
    ) -> Option<GrayImage> {
        let pages = self.pdf.pages();
        let page = pages.get(index)?;
        let (w_pt, h_pt) = page.render_dimensions();
        if !(w_pt.is_finite() && h_pt.is_finite()) || w_pt <= 0.0 || h_pt <= 0.0 {
            return None;
        }
        let scale = f64::from(dpi) / 72.0;
        let (ganz_w, ganz_h) = (
            (f64::from(w_pt) * scale) as u32,
            (f64::from(h_pt) * scale) as u32,
        );
        let (x, y, w, h) = ausschnitt.unwrap_or((0, 0, ganz_w, ganz_h));
        if w == 0 || h == 0 || w > u32::from(u16::MAX) || h > u32::from(u16::MAX) {
            return None;
        }
        if u64::from(w) * u64::from(h) > max_pixel {
            return None;
        }
        let mut ctx = RenderContext::new(w as u16, h as u16);
        let transform = Affine::translate((-f64::from(x), -f64::from(y)))
            * Affine::scale(scale)
            * page.initial_transform(true).to_kurbo();
        let cache = RenderCache::new();
        hayro::render_into(
            page,
            &cache,
            &InterpreterSettings::default(),
            &RenderSettings::default(),
            &mut ctx,
            transform,
        );
        ctx.flush();
        let mut pixmap = Pixmap::new(ctx.width(), ctx.height());
        ctx.render_with(
            &mut pixmap,
            &mut vello_cpu::Resources::default(),
            vello_cpu::RasterizerSettings {
                target_init: vello_cpu::TargetInit::Clear(WHITE),
                ..Default::default()
            },
        );
        // Premultiplied on opaque white: plain RGB; ITU-R BT.601 luma.
        let grau: Vec<u8> = pixmap
            .data_as_u8_slice()
            .chunks_exact(4)
            .map(|p| {
                ((u32::from(p[0]) * 299 + u32::from(p[1]) * 587 + u32::from(p[2]) * 114) / 1000)
                    as u8
            })
            .collect();
        GrayImage::from_raw(u32::from(pixmap.width()), u32::from(pixmap.height()), grau)
    }
}
