//! OCR with tesseract (language `deu`) through tesseract-rs, linked to the system library.

use image::GrayImage;
use tesseract_rs::TesseractAPI;

pub struct Ocr {
    api: TesseractAPI,
}

/// A recognised word with its box (pixels of the image) and confidence.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Wort {
    pub text: String,
    pub links: i32,
    pub oben: i32,
    pub breite: i32,
    pub hoehe: i32,
    pub konfidenz: f32,
    /// Tesseract's (block, paragraph, line): words of one printed line share it.
    #[serde(default)]
    pub zeile: (i32, i32, i32),
}

/// Recognised text of a region, with tesseract's mean confidence (0–100).
#[derive(Debug, Clone)]
pub struct OcrText {
    pub text: String,
    pub konfidenz: f32,
}

impl Ocr {
    /// `tessdata`: the folder with `deu.traineddata` (Debian: /usr/share/tesseract-ocr/5/tessdata).
    pub fn neu(tessdata: &str, sprache: &str) -> Result<Ocr, String> {
        let api = TesseractAPI::new();
        api.init(tessdata, sprache)
            .map_err(|e| format!("tesseract init ({tessdata}, {sprache}): {e}"))?;
        Ok(Ocr { api })
    }

    /// Recognises `img` (or the rectangle `x, y, w, h` of it) scanned at `dpi`.
    pub fn erkenne(
        &self,
        img: &GrayImage,
        dpi: u32,
        rect: Option<(u32, u32, u32, u32)>,
    ) -> Result<OcrText, String> {
        let (w, h) = img.dimensions();
        self.api
            .set_image(img.as_raw(), w as i32, h as i32, 1, w as i32)
            .map_err(|e| e.to_string())?;
        self.api
            .set_source_resolution(dpi.clamp(70, 1200) as i32)
            .map_err(|e| e.to_string())?;
        if let Some((x, y, rw, rh)) = rect {
            self.api
                .set_rectangle(x as i32, y as i32, rw as i32, rh as i32)
                .map_err(|e| e.to_string())?;
        }
        let text = self.api.get_utf8_text().map_err(|e| e.to_string())?;
        let konfidenz = self.api.mean_text_conf().unwrap_or(0) as f32;
        Ok(OcrText { text, konfidenz })
    }

    /// Recognises the rectangle and returns its words with their boxes (from tesseract's TSV).
    pub fn woerter(
        &self,
        img: &GrayImage,
        dpi: u32,
        rect: (u32, u32, u32, u32),
    ) -> Result<(Vec<Wort>, f32), String> {
        let (w, h) = img.dimensions();
        self.api
            .set_image(img.as_raw(), w as i32, h as i32, 1, w as i32)
            .map_err(|e| e.to_string())?;
        self.api
            .set_source_resolution(dpi.clamp(70, 1200) as i32)
            .map_err(|e| e.to_string())?;
        self.api
            .set_rectangle(rect.0 as i32, rect.1 as i32, rect.2 as i32, rect.3 as i32)
            .map_err(|e| e.to_string())?;
        self.api.recognize().map_err(|e| e.to_string())?;
        let tsv = self.api.get_tsv_text(0).map_err(|e| e.to_string())?;
        let konfidenz = self.api.mean_text_conf().unwrap_or(0) as f32;
        Ok((parse_tsv(&tsv), konfidenz))
    }
}

/// Words (level 5) of tesseract's TSV output.
pub fn parse_tsv(tsv: &str) -> Vec<Wort> {
    tsv.lines()
        .filter_map(|l| {
            let c: Vec<&str> = l.split('\t').collect();
            if c.len() < 12 || c[0] != "5" {
                return None;
            }
            let text = c[11].trim();
            if text.is_empty() {
                return None;
            }
            Some(Wort {
                text: text.to_string(),
                links: c[6].parse().ok()?,
                oben: c[7].parse().ok()?,
                breite: c[8].parse().ok()?,
                hoehe: c[9].parse().ok()?,
                konfidenz: c[10].parse().ok()?,
                zeile: (c[2].parse().ok()?, c[3].parse().ok()?, c[4].parse().ok()?),
            })
        })
        .collect()
}
