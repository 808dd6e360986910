//! OCR with tesseract (language `deu`) through tesseract-rs, linked to the system library.

use image::GrayImage;
use tesseract_rs::TesseractAPI;

pub struct Ocr {
    api: TesseractAPI,
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
}
