//! Simulated scans: a vector sheet is rasterised with hayro, turned to gray, rotated a
//! little, put on slightly grey paper with mild noise and speckles, and stored as one
//! image per page (JPEG or Flate), like a paper plan that went through an office scanner.

use crate::pdf::{ImageData, ImageFilter};
use crate::rng::Rng;
use anyhow::{Context, Result, anyhow};
use hayro::hayro_interpret::InterpreterSettings;
use hayro::hayro_syntax::Pdf;
use hayro::vello_cpu::color::palette::css::WHITE;
use hayro::{PixmapSettings, RenderCache, RenderSettings};
use std::io::Write;

/// An 8-bit gray image, rows top to bottom.
#[derive(Clone, Debug)]
pub struct Gray {
    pub w: u32,
    pub h: u32,
    pub px: Vec<u8>,
}

/// How a page is scanned.
#[derive(Clone, Copy, Debug)]
pub struct ScanSpec {
    pub dpi: u32,
    /// Counter-clockwise rotation of the content on the page, degrees.
    pub angle_deg: f64,
    pub seed: u64,
    pub filter: ImageFilter,
    /// JPEG quality (ignored for Flate).
    pub quality: u8,
    /// Standard deviation of the per-pixel noise (gray levels).
    pub noise: f64,
}

/// Pixel size of a page of `mm` at `dpi`.
pub fn pixels(mm: f64, dpi: u32) -> u32 {
    (mm / 25.4 * dpi as f64).round() as u32
}

/// Renders every page of a PDF to gray at `dpi`.
pub fn render_gray(pdf_bytes: &[u8], dpi: u32) -> Result<Vec<Gray>> {
    let pdf =
        Pdf::new(pdf_bytes.to_vec()).map_err(|e| anyhow!("hayro: PDF nicht lesbar: {e:?}"))?;
    let cache = RenderCache::new();
    let settings = InterpreterSettings::default();
    let render = RenderSettings::default();
    let scale = dpi as f32 / 72.0;
    let pix = PixmapSettings {
        x_scale: scale,
        y_scale: scale,
        bg_color: WHITE,
    };
    let mut out = Vec::new();
    for page in pdf.pages().iter() {
        let pm = hayro::render(page, &cache, &settings, &render, &pix);
        let (w, h) = (pm.width() as u32, pm.height() as u32);
        let rgba = pm.data_as_u8_slice();
        let mut px = Vec::with_capacity((w * h) as usize);
        for p in rgba.chunks_exact(4) {
            // Premultiplied on an opaque white background: plain RGB.
            let l = (299 * p[0] as u32 + 587 * p[1] as u32 + 114 * p[2] as u32 + 500) / 1000;
            px.push(l.min(255) as u8);
        }
        out.push(Gray { w, h, px });
    }
    Ok(out)
}

/// Turns a clean rendering into a scan of `w_mm` × `h_mm` paper.
pub fn degrade(src: &Gray, w_mm: f64, h_mm: f64, spec: &ScanSpec) -> Gray {
    let w = pixels(w_mm, spec.dpi);
    let h = pixels(h_mm, spec.dpi);
    let mut rng = Rng::new(spec.seed);
    let t = spec.angle_deg.to_radians();
    let (sn, cs) = (t.sin(), t.cos());
    let sx = src.w as f64 / w as f64;
    let sy = src.h as f64 / h as f64;
    let (cx, cy) = (w as f64 / 2.0, h as f64 / 2.0);
    // Paper: base tone with a soft gradient (scanner lamp) and a darker band at one edge.
    let base = 236.0 + rng.range(-3.0, 3.0);
    let grad_x = rng.range(-5.0, 5.0);
    let grad_y = rng.range(-4.0, 4.0);
    let ink = 26.0 + rng.range(0.0, 10.0);
    let mut px = vec![0u8; (w as usize) * (h as usize)];
    for y in 0..h {
        let fy = y as f64 + 0.5 - cy;
        for x in 0..w {
            let fx = x as f64 + 0.5 - cx;
            // Image y points down; a counter-clockwise turn of the content on the page is
            // clockwise in image coordinates, so sample with the inverse rotation.
            let ux = cs * fx - sn * fy;
            let uy = sn * fx + cs * fy;
            let srcx = (ux + cx) * sx - 0.5;
            let srcy = (uy + cy) * sy - 0.5;
            let v = sample(src, srcx, srcy);
            let nx = x as f64 / w as f64 - 0.5;
            let ny = y as f64 / h as f64 - 0.5;
            let edge = {
                let d = (x.min(w - 1 - x).min(y).min(h - 1 - y)) as f64 / spec.dpi as f64;
                if d < 0.12 { (0.12 - d) * 60.0 } else { 0.0 }
            };
            let paper = base + grad_x * nx + grad_y * ny - edge;
            let k = 1.0 - v / 255.0;
            let mut out = paper - k * (paper - ink);
            if spec.noise > 0.0 {
                out += rng.normalish() * spec.noise;
            }
            px[(y * w + x) as usize] = out.round().clamp(0.0, 255.0) as u8;
        }
    }
    // Speckles and a few dust marks.
    let area_cm2 = w_mm * h_mm / 100.0;
    let count = (area_cm2 * 0.6) as u64;
    let px_per_mm = spec.dpi as f64 / 25.4;
    for _ in 0..count {
        let x = rng.below(w as u64) as i64;
        let y = rng.below(h as u64) as i64;
        let r = (rng.range(0.04, 0.16) * px_per_mm).max(0.6);
        let tone = rng.range(40.0, 150.0);
        dot(&mut px, w, h, x, y, r, tone);
    }
    for _ in 0..3 {
        let x = rng.below(w as u64) as i64;
        let y = rng.below(h as u64) as i64;
        let r = rng.range(0.3, 0.7) * px_per_mm;
        dot(&mut px, w, h, x, y, r, rng.range(90.0, 170.0));
    }
    Gray { w, h, px }
}

fn dot(px: &mut [u8], w: u32, h: u32, x: i64, y: i64, r: f64, tone: f64) {
    let ri = r.ceil() as i64;
    for dy in -ri..=ri {
        for dx in -ri..=ri {
            let d = ((dx * dx + dy * dy) as f64).sqrt();
            if d > r {
                continue;
            }
            let (xx, yy) = (x + dx, y + dy);
            if xx < 0 || yy < 0 || xx >= w as i64 || yy >= h as i64 {
                continue;
            }
            let i = (yy as u32 * w + xx as u32) as usize;
            let a = (1.0 - d / (r + 0.5)).clamp(0.0, 1.0);
            let v = px[i] as f64 * (1.0 - a) + tone * a;
            px[i] = v.min(px[i] as f64).round() as u8;
        }
    }
}

/// Bilinear sample; outside the source is white paper.
fn sample(src: &Gray, x: f64, y: f64) -> f64 {
    let x0 = x.floor();
    let y0 = y.floor();
    let fx = x - x0;
    let fy = y - y0;
    let get = |xi: i64, yi: i64| -> f64 {
        if xi < 0 || yi < 0 || xi >= src.w as i64 || yi >= src.h as i64 {
            255.0
        } else {
            src.px[(yi as u32 * src.w + xi as u32) as usize] as f64
        }
    };
    let (xi, yi) = (x0 as i64, y0 as i64);
    let a = get(xi, yi) * (1.0 - fx) + get(xi + 1, yi) * fx;
    let b = get(xi, yi + 1) * (1.0 - fx) + get(xi + 1, yi + 1) * fx;
    a * (1.0 - fy) + b * fy
}

/// A 3 × 3 box blur (soft optics of a cheap scanner); the edge pixels are kept.
pub fn box_blur(src: &Gray) -> Gray {
    let (w, h) = (src.w as usize, src.h as usize);
    if w < 3 || h < 3 {
        return src.clone();
    }
    // Horizontal pass into sums of three, then vertical.
    let mut rows = vec![0u16; w * h];
    for y in 0..h {
        let r = &src.px[y * w..(y + 1) * w];
        let o = &mut rows[y * w..(y + 1) * w];
        o[0] = r[0] as u16 * 3;
        o[w - 1] = r[w - 1] as u16 * 3;
        for x in 1..w - 1 {
            o[x] = r[x - 1] as u16 + r[x] as u16 + r[x + 1] as u16;
        }
    }
    let mut px = src.px.clone();
    for y in 1..h - 1 {
        for x in 0..w {
            let s = rows[(y - 1) * w + x] as u32
                + rows[y * w + x] as u32
                + rows[(y + 1) * w + x] as u32;
            px[y * w + x] = ((s + 4) / 9) as u8;
        }
    }
    Gray {
        w: src.w,
        h: src.h,
        px,
    }
}

/// The image turned by a quarter: counter-clockwise (as seen) with `ccw`, else clockwise.
pub fn quarter_turn(src: &Gray, ccw: bool) -> Gray {
    let (w, h) = (src.w as usize, src.h as usize);
    let mut px = vec![0u8; w * h];
    // New image: h wide, w high.
    for y in 0..h {
        for x in 0..w {
            let (nx, ny) = if ccw { (y, w - 1 - x) } else { (h - 1 - y, x) };
            px[ny * h + nx] = src.px[y * w + x];
        }
    }
    Gray {
        w: src.h,
        h: src.w,
        px,
    }
}

/// Encodes a gray image for a PDF image XObject.
pub fn encode(img: &Gray, spec: &ScanSpec) -> Result<ImageData> {
    let data = match spec.filter {
        ImageFilter::Dct => {
            let mut out = Vec::new();
            let mut enc =
                image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, spec.quality);
            enc.set_pixel_density(image::codecs::jpeg::PixelDensity::dpi(spec.dpi as u16));
            enc.encode(&img.px, img.w, img.h, image::ExtendedColorType::L8)
                .context("JPEG-Kodierung")?;
            out
        }
        ImageFilter::Flate => {
            let mut enc = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
            enc.write_all(&img.px)?;
            enc.finish()?
        }
    };
    Ok(ImageData {
        width: img.w,
        height: img.h,
        filter: spec.filter,
        data,
    })
}

/// Decodes an image stream back to gray pixels (for tests and checks).
pub fn decode(img: &ImageData) -> Result<Gray> {
    match img.filter {
        ImageFilter::Dct => {
            let dynimg = image::load_from_memory_with_format(&img.data, image::ImageFormat::Jpeg)
                .context("JPEG nicht lesbar")?;
            let g = dynimg.to_luma8();
            Ok(Gray {
                w: g.width(),
                h: g.height(),
                px: g.into_raw(),
            })
        }
        ImageFilter::Flate => {
            use std::io::Read;
            let mut d = flate2::read::ZlibDecoder::new(&img.data[..]);
            let mut px = Vec::new();
            d.read_to_end(&mut px)?;
            Ok(Gray {
                w: img.width,
                h: img.height,
                px,
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quarter_turns_and_blur() {
        // 3 wide, 2 high: a b c / d e f.
        let g = Gray {
            w: 3,
            h: 2,
            px: vec![1, 2, 3, 4, 5, 6],
        };
        let l = quarter_turn(&g, true);
        assert_eq!((l.w, l.h), (2, 3));
        // Counter-clockwise: the right column comes up on top.
        assert_eq!(l.px, vec![3, 6, 2, 5, 1, 4]);
        let r = quarter_turn(&g, false);
        assert_eq!(r.px, vec![4, 1, 5, 2, 6, 3]);
        assert_eq!(quarter_turn(&l, false).px, g.px);
        let flat = Gray {
            w: 5,
            h: 5,
            px: vec![100; 25],
        };
        assert_eq!(box_blur(&flat).px, flat.px);
    }

    #[test]
    fn degrade_is_deterministic_and_sized() {
        let src = Gray {
            w: 100,
            h: 141,
            px: (0..100 * 141)
                .map(|i| if i % 7 == 0 { 0 } else { 255 })
                .collect(),
        };
        let spec = ScanSpec {
            dpi: 30,
            angle_deg: 0.8,
            seed: 5,
            filter: ImageFilter::Dct,
            quality: 80,
            noise: 2.0,
        };
        let a = degrade(&src, 210.0, 297.0, &spec);
        let b = degrade(&src, 210.0, 297.0, &spec);
        assert_eq!(a.px, b.px);
        assert_eq!((a.w, a.h), (pixels(210.0, 30), pixels(297.0, 30)));
        let enc = encode(&a, &spec).expect("jpeg");
        let dec = decode(&enc).expect("decode");
        assert_eq!((dec.w, dec.h), (a.w, a.h));
        let flate = encode(
            &a,
            &ScanSpec {
                filter: ImageFilter::Flate,
                ..spec
            },
        )
        .expect("flate");
        assert_eq!(decode(&flate).expect("inflate").px, a.px);
    }
}
