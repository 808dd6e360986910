//! OCR with tesseract (language `deu`) through tesseract-rs, linked to the system library.

use image::GrayImage;
use std::os::raw::{c_int, c_void};
use std::time::{Duration, Instant};
use tesseract_rs::TesseractAPI;

// tesseract's C API for a recognition deadline (ETEXT_DESC). tesseract-rs wraps the monitor
// but only calls `TessBaseAPIRecognize` without one, so we call it ourselves; the symbols
// come from the system libtesseract that tesseract-rs already links.
unsafe extern "C" {
    fn TessMonitorCreate() -> *mut c_void;
    fn TessMonitorDelete(monitor: *mut c_void);
    fn TessMonitorSetDeadlineMSecs(monitor: *mut c_void, deadline: c_int);
    fn TessMonitorSetCancelFunc(
        monitor: *mut c_void,
        cancel: Option<unsafe extern "C" fn(*mut c_void, c_int) -> bool>,
    );
    fn TessMonitorSetCancelThis(monitor: *mut c_void, cancel_this: *mut c_void);
    fn TessBaseAPIRecognize(handle: *mut c_void, monitor: *mut c_void) -> c_int;
}

pub struct Ocr {
    api: TesseractAPI,
    /// CPU time allowed for one recognition (one page or one title block).
    zeitlimit: Duration,
    /// A wall-clock end no recognition runs past: the sandbox's own wall-clock limit,
    /// which a loaded machine reaches before the CPU time runs out.
    wandfrist: Option<Instant>,
}

/// CPU time used by this thread. OCR budgets count it, not the wall clock: a machine busy
/// with other work reads the same fields of a page as an idle one, only later. (Tesseract
/// runs in the calling thread: `OMP_THREAD_LIMIT=1` in the sandbox.)
pub fn rechenzeit() -> Duration {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: clock_gettime writes the timespec it is given; CLOCK_THREAD_CPUTIME_ID is
    // supported by Linux for the calling thread.
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    if rc != 0 {
        return Duration::ZERO;
    }
    Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32)
}

/// A stopwatch of this thread's CPU time ([`rechenzeit`]), used like `Instant`.
#[derive(Debug, Clone, Copy)]
pub struct Rechenuhr(Duration);

impl Rechenuhr {
    pub fn start() -> Rechenuhr {
        Rechenuhr(rechenzeit())
    }

    pub fn elapsed(&self) -> Duration {
        rechenzeit().saturating_sub(self.0)
    }
}

/// What tesseract's cancel callback looks at: the CPU time at which to stop, and whether
/// it stopped.
struct Abbruch {
    ende: Duration,
    abgebrochen: bool,
}

/// Tesseract's cancel callback, called between words: true once the thread's CPU time
/// passed the end.
unsafe extern "C" fn abbrechen(abbruch: *mut c_void, _woerter: c_int) -> bool {
    // SAFETY: `abbruch` is the `Abbruch` that `erkenne_bis_zur_frist` registered for this
    // recognition; it outlives the call, and tesseract calls back in this thread only.
    let abbruch = unsafe { &mut *(abbruch as *mut Abbruch) };
    if rechenzeit() >= abbruch.ende {
        abbruch.abgebrochen = true;
    }
    abbruch.abgebrochen
}

/// How a recognition ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ende {
    Fertig,
    /// The deadline stopped tesseract; what it had recognised so far is kept.
    Zeitlimit,
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
    pub ende: Ende,
}

impl Ocr {
    /// `tessdata`: the folder with `deu.traineddata` (Debian: /usr/share/tesseract-ocr/5/tessdata).
    pub fn neu(tessdata: &str, sprache: &str) -> Result<Ocr, String> {
        let api = TesseractAPI::new();
        api.init(tessdata, sprache)
            .map_err(|e| format!("tesseract init ({tessdata}, {sprache}): {e}"))?;
        // Tesseract reads a line it is unsure of a second time inverted (white on black),
        // which title blocks and plans do not have: 4 % of the reading time of 100 scans,
        // and not one field of the development split more with it.
        api.set_variable("tessedit_do_invert", "0")
            .map_err(|e| format!("tesseract tessedit_do_invert: {e}"))?;
        Ok(Ocr {
            api,
            zeitlimit: Duration::from_secs(60),
            wandfrist: None,
        })
    }

    /// Sets one of tesseract's parameters (e.g. `thresholding_method`).
    pub fn setze_variable(&self, name: &str, wert: &str) -> Result<(), String> {
        self.api
            .set_variable(name, wert)
            .map_err(|e| format!("tesseract {name}={wert}: {e}"))
    }

    /// Sets the CPU time allowed for each following recognition (at least 1 ms).
    pub fn setze_zeitlimit(&mut self, zeitlimit: Duration) {
        self.zeitlimit = zeitlimit.max(Duration::from_millis(1));
    }

    /// Sets the wall-clock end no following recognition runs past.
    pub fn setze_wandfrist(&mut self, wandfrist: Instant) {
        self.wandfrist = Some(wandfrist);
    }

    /// Runs recognition on the image set before, stopping when its CPU time is used up or
    /// at the wall-clock end.
    fn erkenne_bis_zur_frist(&self) -> Result<Ende, String> {
        let mut abbruch = Abbruch {
            ende: rechenzeit() + self.zeitlimit,
            abgebrochen: false,
        };
        let wand_ms = self.wandfrist.map(|f| {
            let rest = f.saturating_duration_since(Instant::now()).as_millis();
            c_int::try_from(rest).unwrap_or(c_int::MAX).max(1)
        });
        let handle = self.api.handle.lock().map_err(|_| "tesseract mutex")?;
        // SAFETY: `handle` is the live TessBaseAPI of `self.api` (held locked for the call);
        // the monitor is created, used for this one call and deleted here; `abbruch` lives
        // on this stack frame until after the call.
        let rc = unsafe {
            let monitor = TessMonitorCreate();
            if monitor.is_null() {
                return Err("TessMonitorCreate failed".into());
            }
            if let Some(ms) = wand_ms {
                TessMonitorSetDeadlineMSecs(monitor, ms);
            }
            TessMonitorSetCancelFunc(monitor, Some(abbrechen));
            TessMonitorSetCancelThis(monitor, &mut abbruch as *mut Abbruch as *mut c_void);
            let rc = TessBaseAPIRecognize(*handle, monitor);
            TessMonitorDelete(monitor);
            rc
        };
        // tesseract returns -1 both for errors and for a stop.
        let wand_vorbei = self.wandfrist.is_some_and(|f| Instant::now() >= f);
        if abbruch.abgebrochen || wand_vorbei {
            Ok(Ende::Zeitlimit)
        } else if rc != 0 {
            Err("tesseract recognition failed".into())
        } else {
            Ok(Ende::Fertig)
        }
    }

    /// Recognises `img` (or the rectangle `x, y, w, h` of it) scanned at `dpi`.
    pub fn erkenne(
        &self,
        img: &GrayImage,
        dpi: u32,
        rect: Option<(u32, u32, u32, u32)>,
    ) -> Result<OcrText, String> {
        let ausschnitt = rect.map(|r| ausschnitt(img, r));
        self.setze_bild(ausschnitt.as_ref().map_or(img, |(a, _)| a), dpi)?;
        let ende = self.erkenne_bis_zur_frist()?;
        // After a recognition (finished or stopped) this returns its result, no second run.
        let text = self.api.get_utf8_text().map_err(|e| e.to_string())?;
        let konfidenz = self.api.mean_text_conf().unwrap_or(0) as f32;
        Ok(OcrText {
            text,
            konfidenz,
            ende,
        })
    }

    /// Recognises the rectangle and returns its words with their boxes (from tesseract's TSV).
    /// `sparse`: tesseract's sparse-text segmentation (cells of short text among ruled
    /// lines, in any order), else one block (the standard title block reads best so).
    pub fn woerter(
        &self,
        img: &GrayImage,
        dpi: u32,
        rect: (u32, u32, u32, u32),
        sparse: bool,
    ) -> Result<(Vec<Wort>, f32, Ende), String> {
        // (Rules stay: painted over in a whole title block, they cost a tenth of the
        // development split's fields; tesseract's segmentation finds cells by them.)
        let (bild, (dx, dy)) = ausschnitt(img, rect);
        let (bild, dpi, faktor) = hoechstens_lese_dpi(bild, dpi);
        self.setze_bild(&bild, dpi)?;
        if sparse {
            self.api
                .set_page_seg_mode(tesseract_rs::TessPageSegMode::PSM_SPARSE_TEXT)
                .map_err(|e| e.to_string())?;
        }
        let ende = self.erkenne_bis_zur_frist();
        let _ = self
            .api
            .set_page_seg_mode(tesseract_rs::TessPageSegMode::PSM_SINGLE_BLOCK);
        let ende = ende?;
        let tsv = self.api.get_tsv_text(0).map_err(|e| e.to_string())?;
        let konfidenz = self.api.mean_text_conf().unwrap_or(0) as f32;
        // Boxes in the pixels of the whole image, as the caller gave it.
        let gross = |v: i32| (f64::from(v) * faktor).round() as i32;
        let woerter = parse_tsv(&tsv)
            .into_iter()
            .map(|w| Wort {
                links: gross(w.links) + dx,
                oben: gross(w.oben) + dy,
                breite: gross(w.breite).max(1),
                hoehe: gross(w.hoehe).max(1),
                ..w
            })
            .collect();
        Ok((woerter, konfidenz, ende))
    }
}

impl Ocr {
    /// Hands `img` to tesseract, which copies it whole: so callers pass only the part to
    /// read (see [`ausschnitt`]), never a whole sheet for a title block.
    fn setze_bild(&self, img: &GrayImage, dpi: u32) -> Result<(), String> {
        let (w, h) = img.dimensions();
        self.api
            .set_image(img.as_raw(), w as i32, h as i32, 1, w as i32)
            .map_err(|e| e.to_string())?;
        self.api
            .set_source_resolution(dpi.clamp(70, 1200) as i32)
            .map_err(|e| e.to_string())
    }
}

/// The rectangle `x, y, w, h` of `img` (clipped to it) as an image of its own, and its
/// offset. Tesseract copies and thresholds the whole image it is given, so a title block
/// of an A0 scan handed over as the sheet plus a rectangle cost a copy of the sheet per
/// reading; a copy of the rectangle costs only its own pixels.
fn ausschnitt(
    img: &GrayImage,
    rect: (u32, u32, u32, u32),
) -> (std::borrow::Cow<'_, GrayImage>, (i32, i32)) {
    let (w, h) = img.dimensions();
    let (x, y) = (rect.0.min(w), rect.1.min(h));
    let (rw, rh) = (rect.2.min(w - x), rect.3.min(h - y));
    if (rw, rh) == (w, h) {
        return (std::borrow::Cow::Borrowed(img), (0, 0));
    }
    if rw == 0 || rh == 0 {
        // Nothing to read: one white pixel.
        let leer = GrayImage::from_pixel(1, 1, image::Luma([255]));
        return (std::borrow::Cow::Owned(leer), (x as i32, y as i32));
    }
    let mut raw = Vec::with_capacity(rw as usize * rh as usize);
    for zeile in y as usize..(y + rh) as usize {
        let anfang = zeile * w as usize + x as usize;
        raw.extend_from_slice(&img.as_raw()[anfang..anfang + rw as usize]);
    }
    let teil = GrayImage::from_raw(rw, rh, raw).expect("rw × rh bytes");
    (std::borrow::Cow::Owned(teil), (x as i32, y as i32))
}

/// Highest resolution a title block (or a place of one) is read at: tesseract scales each
/// line of text to a fixed height anyway, and a 300 dpi crop costs it more than twice the
/// pixels of a 200 dpi one to threshold and segment.
const LESE_DPI: u32 = 200;

/// `teil` (scanned at `dpi`) made smaller to [`LESE_DPI`] when it was scanned finer: the
/// image, its resolution now, and how many of its pixels one of the new ones spans.
fn hoechstens_lese_dpi(
    teil: std::borrow::Cow<'_, GrayImage>,
    dpi: u32,
) -> (std::borrow::Cow<'_, GrayImage>, u32, f64) {
    if dpi <= LESE_DPI * 11 / 10 {
        return (teil, dpi, 1.0);
    }
    let (w, h) = teil.dimensions();
    let (nw, nh) = (
        ((u64::from(w) * u64::from(LESE_DPI) / u64::from(dpi)) as u32).max(1),
        ((u64::from(h) * u64::from(LESE_DPI) / u64::from(dpi)) as u32).max(1),
    );
    let klein = image::imageops::resize(&*teil, nw, nh, image::imageops::FilterType::Triangle);
    (
        std::borrow::Cow::Owned(klein),
        LESE_DPI,
        f64::from(w) / f64::from(nw),
    )
}

/// Dark enough to be ink (of 255).
const TINTE: u8 = 140;

/// Shortest rule, in millimetres: longer than the tallest letter of a title block (a
/// capital of 24 pt is about 6 mm) and shorter than its lowest cell.
const LINIE_MM: u32 = 7;

/// Paints over the ruled lines of `img` (a title block or a cell of one, scanned at `dpi`):
/// runs of ink at least [`LINIE_MM`] long along a column or a row. Tesseract reads a cell's
/// rule beside a lone letter as "I" or "|", or the letter not at all ("C" beside its cell's
/// border read as "®"). A run is followed within two pixels either side, so the rule of a
/// scan skewed by a degree or two is still one run; only ink on the run's own column (row)
/// is painted over, in the paper's shade, so letters that touch a rule keep their shape.
pub fn ohne_linien(img: &mut GrayImage, dpi: u32) {
    let (w, h) = (img.width() as usize, img.height() as usize);
    let lang = (LINIE_MM * dpi * 10 / 254) as usize;
    if w == 0 || h == 0 || lang < 8 {
        return;
    }
    let tinte: Vec<bool> = img.as_raw().iter().map(|p| *p < TINTE).collect();
    let mut weiss = vec![false; w * h];
    // Along columns, then along rows: `(quer, laengs)` → index of the pixel.
    laeufe(w, h, lang, |x, y| y * w + x, &tinte, &mut weiss);
    laeufe(h, w, lang, |y, x| y * w + x, &tinte, &mut weiss);
    // The paper's shade, not white: a white stripe on grey paper is an edge of its own.
    let mut haeufig = [0u32; 256];
    for p in img.as_raw().iter().filter(|p| **p >= TINTE) {
        haeufig[*p as usize] += 1;
    }
    let papier = (0..256).max_by_key(|v| haeufig[*v]).unwrap_or(255) as u8;
    for (p, weg) in img.iter_mut().zip(&weiss) {
        if *weg {
            *p = papier;
        }
    }
}

/// [`ausschnitt`] with the ruled lines whitened ([`ohne_linien`]), judged with a margin of
/// one rule's length around the rectangle: a cell's border is a rule though only a piece
/// of it lies inside.
fn ausschnitt_ohne_linien(
    img: &GrayImage,
    rect: (u32, u32, u32, u32),
    dpi: u32,
) -> (GrayImage, (i32, i32)) {
    let rand = LINIE_MM * dpi * 10 / 254;
    let (w, h) = img.dimensions();
    let (x, y) = (rect.0.min(w), rect.1.min(h));
    let (x0, y0) = (x.saturating_sub(rand), y.saturating_sub(rand));
    let (x1, y1) = (
        (x + rect.2).min(w).saturating_add(rand).min(w),
        (y + rect.3).min(h).saturating_add(rand).min(h),
    );
    let mut weit = ausschnitt(img, (x0, y0, x1 - x0, y1 - y0)).0.into_owned();
    ohne_linien(&mut weit, dpi);
    let (rw, rh) = (rect.2.min(w - x), rect.3.min(h - y));
    let (teil, _) = ausschnitt(&weit, (x - x0, y - y0, rw, rh));
    (teil.into_owned(), (x as i32, y as i32))
}

/// Marks in `weiss` the runs of `tinte` at least `lang` long along each of `quer` lines
/// of `laengs` pixels (`index(q, l)`: the pixel at line `q`, place `l`). Ink within two
/// lines either side counts, so a slightly skewed rule is one run; only the run's own line
/// is marked.
fn laeufe(
    quer: usize,
    laengs: usize,
    lang: usize,
    index: impl Fn(usize, usize) -> usize,
    tinte: &[bool],
    weiss: &mut [bool],
) {
    for q in 0..quer {
        let (a, b) = (q.saturating_sub(2), (q + 2).min(quer - 1));
        let mut anfang = 0;
        for l in 0..=laengs {
            let dunkel = l < laengs && (a..=b).any(|k| tinte[index(k, l)]);
            if !dunkel {
                if l - anfang >= lang {
                    for ll in anfang..l {
                        weiss[index(q, ll)] = true;
                    }
                }
                anfang = l + 1;
            }
        }
    }
}

impl Ocr {
    /// Reads the rectangle as one line of text (a value in its cell), its rules painted
    /// over: its text and the confidence of its least certain word. `zeichen`: the only
    /// characters the value may have; `gross`: enlarged to about [`KLEIN_DPI`] first.
    pub fn zeile(
        &self,
        img: &GrayImage,
        dpi: u32,
        rect: (u32, u32, u32, u32),
        zeichen: Option<&str>,
        gross: bool,
    ) -> Result<(String, f32), String> {
        // (Cells' rules painted over: beside a lone letter OCR reads them, not the letter.)
        let teil = ausschnitt_ohne_linien(img, rect, dpi).0;
        let (teil, k) = if gross {
            vergroessert(teil, dpi)
        } else {
            (teil, 1)
        };
        self.setze_bild(&teil, dpi * k)?;
        self.api
            .set_page_seg_mode(tesseract_rs::TessPageSegMode::PSM_SINGLE_LINE)
            .map_err(|e| e.to_string())?;
        let ende = match zeichen {
            Some(z) => self
                .setze_variable("tessedit_char_whitelist", z)
                .and_then(|()| self.erkenne_bis_zur_frist()),
            None => self.erkenne_bis_zur_frist(),
        };
        // The engine's settings are back as they were, whatever happened: the next reading
        // (another cell, another page) must not inherit a whitelist or a line mode.
        if zeichen.is_some() {
            let _ = self.setze_variable("tessedit_char_whitelist", "");
        }
        let _ = self
            .api
            .set_page_seg_mode(tesseract_rs::TessPageSegMode::PSM_SINGLE_BLOCK);
        ende?;
        let woerter = parse_tsv(&self.api.get_tsv_text(0).map_err(|e| e.to_string())?);
        let text = verbinde(&woerter.iter().collect::<Vec<_>>());
        let k = woerter.iter().map(|w| w.konfidenz).fold(100.0f32, f32::min);
        Ok((text, if woerter.is_empty() { 0.0 } else { k }))
    }

    /// The text lines tesseract's layout analysis finds in `img` (no recognition: fast),
    /// as (left, top, right, bottom) pixel boxes.
    pub fn textzeilen(
        &self,
        img: &GrayImage,
        dpi: u32,
    ) -> Result<Vec<(i32, i32, i32, i32)>, String> {
        use tesseract_rs::TessPageIteratorLevel::RIL_TEXTLINE;
        self.setze_bild(img, dpi)?;
        // Layout analysis finds blocks only in an automatic segmentation mode.
        self.api
            .set_page_seg_mode(tesseract_rs::TessPageSegMode::PSM_AUTO)
            .map_err(|e| e.to_string())?;
        let it = self.api.analyse_layout();
        let _ = self
            .api
            .set_page_seg_mode(tesseract_rs::TessPageSegMode::PSM_SINGLE_BLOCK);
        let it = it.map_err(|e| e.to_string())?;
        let mut out = Vec::new();
        it.begin().map_err(|e| e.to_string())?;
        loop {
            if let Ok(b) = it.bounding_box(RIL_TEXTLINE) {
                out.push(b);
            }
            if out.len() > 20_000 || !it.next(RIL_TEXTLINE).map_err(|e| e.to_string())? {
                break;
            }
        }
        Ok(out)
    }
}

/// Confidence from which a word's place counts as read (see [`ungelesene_stellen`]).
pub const SICHER_GELESEN: f32 = 50.0;

/// Places of a title block where ink stands that no word read surely covers: a label or a lone
/// letter that tesseract's sparse segmentation passed over (small capitals in a shaded
/// cell, "C" beside its cell's border, "Architekt" before a name read). `rect` is the part
/// of `img` that was read, `woerter` what was read of it (pixels of `img`). Rules are left
/// out ([`ohne_linien`]), and so are specks, dashes and hairlines: a place is as high as a
/// small letter at least and holds as much ink as one. At most `max` places, those with the
/// most ink first, each with a margin, in pixels of `img`.
pub fn ungelesene_stellen(
    img: &GrayImage,
    rect: (u32, u32, u32, u32),
    woerter: &[Wort],
    dpi: u32,
    max: usize,
) -> Vec<(u32, u32, u32, u32)> {
    let (teil, (dx, dy)) = ausschnitt_ohne_linien(img, rect, dpi);
    let (w, h) = (teil.width() as usize, teil.height() as usize);
    let mm = |v: f64| v * f64::from(dpi) / 25.4;
    // Cells of about two thirds of a millimetre.
    let z = (mm(0.65).round() as usize).max(2);
    let (gw, gh) = (w.div_ceil(z), h.div_ceil(z));
    if gw == 0 || gh == 0 {
        return vec![];
    }
    // What was read surely, with a margin of a quarter of its height. (What OCR was unsure
    // of is read again: "Auttraggeter:" at confidence 0 was "Auftraggeber:".)
    let mut gelesen = vec![false; w * h];
    for wort in woerter.iter().filter(|w| w.konfidenz >= SICHER_GELESEN) {
        let rand = wort.hoehe / 4 + 1;
        let x0 = (wort.links - dx - rand).clamp(0, w as i32) as usize;
        let y0 = (wort.oben - dy - rand).clamp(0, h as i32) as usize;
        let x1 = (wort.links - dx + wort.breite + rand).clamp(0, w as i32) as usize;
        let y1 = (wort.oben - dy + wort.hoehe + rand).clamp(0, h as i32) as usize;
        for y in y0..y1 {
            gelesen[y * w + x0..y * w + x1].fill(true);
        }
    }
    let mut tinte = vec![0u32; gw * gh];
    for (i, p) in teil.as_raw().iter().enumerate() {
        if *p < TINTE && !gelesen[i] {
            tinte[(i / w / z) * gw + (i % w) / z] += 1;
        }
    }
    // Cells with ink, joined along their row over gaps of up to two cells (the space
    // between letters and words of a line), not across lines.
    let mut belegt: Vec<bool> = tinte.iter().map(|n| *n > 0).collect();
    for y in 0..gh {
        let mut letzte: Option<usize> = None;
        for x in 0..gw {
            if tinte[y * gw + x] > 0 {
                if let Some(l) = letzte
                    && x - l <= 3
                {
                    belegt[y * gw + l..y * gw + x].fill(true);
                }
                letzte = Some(x);
            }
        }
    }
    // Connected places (4-neighbours) with their extent in cells and their ink.
    let mut marke = vec![usize::MAX; gw * gh];
    let mut stellen: Vec<(usize, usize, usize, usize, u32)> = Vec::new();
    for start in 0..gw * gh {
        if !belegt[start] || marke[start] != usize::MAX {
            continue;
        }
        let nr = stellen.len();
        let mut stapel = vec![start];
        marke[start] = nr;
        let (mut x0, mut y0, mut x1, mut y1, mut summe) = (gw, gh, 0, 0, 0u32);
        while let Some(i) = stapel.pop() {
            let (x, y) = (i % gw, i / gw);
            (x0, y0, x1, y1) = (x0.min(x), y0.min(y), x1.max(x), y1.max(y));
            summe += tinte[i];
            let nachbarn = [
                (x > 0).then(|| i - 1),
                (x + 1 < gw).then(|| i + 1),
                (y > 0).then(|| i - gw),
                (y + 1 < gh).then(|| i + gw),
            ];
            for n in nachbarn.into_iter().flatten() {
                if belegt[n] && marke[n] == usize::MAX {
                    marke[n] = nr;
                    stapel.push(n);
                }
            }
        }
        stellen.push((x0, y0, x1, y1, summe));
    }
    // Cells with ink per column of each place: a rule's remains (a rule too faint or too
    // skewed to be painted over) run through one or two cells of each column, letters
    // through more.
    let mut spalten = vec![(0u32, 0u32); stellen.len()];
    for x in 0..gw {
        let mut je: Vec<(usize, u32)> = Vec::new();
        for y in 0..gh {
            let i = y * gw + x;
            if tinte[i] > 0 && marke[i] != usize::MAX {
                match je.iter_mut().find(|(m, _)| *m == marke[i]) {
                    Some(e) => e.1 += 1,
                    None => je.push((marke[i], 1)),
                }
            }
        }
        for (m, n) in je {
            spalten[m].0 += 1;
            spalten[m].1 += n;
        }
    }
    // As high as a small letter (1.3 mm) and no higher than a large line of text; as much
    // ink as half a square millimetre (a speck has less, a letter more).
    let (min_h, max_h) = (mm(1.3), mm(12.0));
    let min_tinte = (mm(1.0) * mm(1.0) * 0.5) as u32;
    let rand = mm(1.0) as usize;
    let mut gut: Vec<(u32, (u32, u32, u32, u32))> = stellen
        .into_iter()
        .zip(spalten)
        .filter_map(|((x0, y0, x1, y1, summe), (n_spalten, n_zellen))| {
            let (hoch, breit) = (((y1 - y0 + 1) * z) as f64, ((x1 - x0 + 1) * z) as f64);
            if hoch < min_h
                || hoch > max_h
                || breit < min_h
                || summe < min_tinte
                || n_zellen * 10 < n_spalten * 16
            {
                return None;
            }
            let (l, t) = ((x0 * z).saturating_sub(rand), (y0 * z).saturating_sub(rand));
            let (r, b) = (((x1 + 1) * z + rand).min(w), ((y1 + 1) * z + rand).min(h));
            Some((
                summe,
                (
                    l as u32 + dx as u32,
                    t as u32 + dy as u32,
                    (r - l) as u32,
                    (b - t) as u32,
                ),
            ))
        })
        .collect();
    gut.sort_by_key(|(summe, _)| std::cmp::Reverse(*summe));
    gut.into_iter().take(max).map(|(_, r)| r).collect()
}

/// Resolution a small place is read at: tesseract reads a lone letter scanned at 200 dpi
/// as "cC" or "[e", enlarged three times as "C".
const KLEIN_DPI: u32 = 500;

/// `teil` (scanned at `dpi`) enlarged to about [`KLEIN_DPI`], and by how much.
fn vergroessert(teil: GrayImage, dpi: u32) -> (GrayImage, u32) {
    let k = KLEIN_DPI.div_ceil(dpi.max(1)).clamp(1, 4);
    if k == 1 {
        return (teil, 1);
    }
    let gross = image::imageops::resize(
        &teil,
        teil.width() * k,
        teil.height() * k,
        image::imageops::FilterType::CatmullRom,
    );
    (gross, k)
}

impl Ocr {
    /// Reads the rectangle as one block of text, its rules painted over (a place no word
    /// of the title block's reading covered): its words, in pixels of `img`, their lines
    /// numbered from `block` on so they stay apart from the lines read before.
    pub fn block_ohne_linien(
        &self,
        img: &GrayImage,
        dpi: u32,
        rect: (u32, u32, u32, u32),
        block: i32,
    ) -> Result<Vec<Wort>, String> {
        let (teil, (dx, dy)) = ausschnitt_ohne_linien(img, rect, dpi);
        let (bild, k) = vergroessert(teil, dpi);
        self.setze_bild(&bild, dpi * k)?;
        self.erkenne_bis_zur_frist()?;
        let tsv = self.api.get_tsv_text(0).map_err(|e| e.to_string())?;
        let k = k as i32;
        Ok(parse_tsv(&tsv)
            .into_iter()
            .map(|w| Wort {
                links: w.links / k + dx,
                oben: w.oben / k + dy,
                breite: (w.breite / k).max(1),
                hoehe: (w.hoehe / k).max(1),
                zeile: (block + w.zeile.0, w.zeile.1, w.zeile.2),
                ..w
            })
            .collect())
    }
}

/// Below this gap between two words, in hundredths of the smaller word's height, the
/// second is the rest of the first when it starts with a small letter: OCR splits a word
/// where two letters stand apart ("Ga rage", "Archite kt", gaps of 3–18 hundredths on the
/// development sheets), while a space before a small word ("Julia und") measured 33 or
/// more, and before a capital 22 or more.
const GETRENNTES_WORT: i32 = 20;

/// The words of one printed line, left to right, as text: spaced as printed, with a word
/// OCR split in two joined again (OCR words only) (see [`GETRENNTES_WORT`]); a colon OCR saw at the split
/// ("Aufstockun: g") goes with it.
pub fn verbinde(woerter: &[&Wort]) -> String {
    let mut out = String::new();
    let mut vorher: Option<&Wort> = None;
    for w in woerter {
        if let Some(v) = vorher {
            let luecke = w.links - (v.links + v.breite);
            let hoehe = v.hoehe.min(w.hoehe).max(1);
            let klein = w.text.chars().next().is_some_and(char::is_lowercase);
            let buchstabe = v.text.trim_end_matches(':').chars().last();
            // (A text layer's words, confidence 100, are spaced as written.)
            // "A- 106": a number after a word that ends in a dash belongs to it.
            let nummer = v.text.ends_with('-')
                && v.text.chars().any(char::is_alphanumeric)
                && w.text.chars().next().is_some_and(|c| c.is_ascii_digit())
                && luecke < hoehe;
            if nummer && v.konfidenz.min(w.konfidenz) < 100.0 {
                // (joined as it stands)
            } else if klein
                && v.konfidenz.min(w.konfidenz) < 100.0
                && buchstabe.is_some_and(char::is_alphabetic)
                && luecke >= 0
                && luecke * 100 < hoehe * GETRENNTES_WORT
            {
                if out.ends_with(':') {
                    out.pop();
                }
            } else {
                out.push(' ');
            }
        }
        // Two dots where one and a space are printed ("Dr..Klaus", "Dipl.-Ing..(FH)").
        if w.konfidenz < 100.0 && w.text.contains("..") {
            out.push_str(&punkte(&w.text));
        } else if w.konfidenz < 100.0 && null_fuer_o(&w.text) {
            // "0G" is "OG": a zero before capitals only is the letter O.
            out.push('O');
            out.push_str(&w.text[1..]);
        } else {
            out.push_str(&w.text);
        }
        vorher = Some(w);
    }
    out
}

/// Whether an OCR word is a zero followed by capitals only ("0G", "0KFF"): OCR's reading
/// of the letter O; no number is written so.
fn null_fuer_o(text: &str) -> bool {
    text.strip_prefix('0')
        .is_some_and(|rest| !rest.is_empty() && rest.chars().all(char::is_uppercase))
}

/// `..` before a letter, digit or bracket as OCR reads ". " of a tight line: one dot and a
/// space (an ellipsis stays).
fn punkte(text: &str) -> String {
    let c: Vec<char> = text.chars().collect();
    let mut out = String::new();
    let mut i = 0;
    while i < c.len() {
        if c[i] == '.'
            && c.get(i + 1) == Some(&'.')
            && (i == 0 || c[i - 1] != '.')
            && c.get(i + 2)
                .is_some_and(|n| n.is_alphanumeric() || *n == '(')
        {
            out.push_str(". ");
            i += 2;
        } else {
            out.push(c[i]);
            i += 1;
        }
    }
    out
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cpu_stopwatch_counts_work_not_waiting() {
        let uhr = Rechenuhr::start();
        std::thread::sleep(Duration::from_millis(300));
        assert!(
            uhr.elapsed() < Duration::from_millis(100),
            "{:?}",
            uhr.elapsed()
        );
        // Busy for 150 ms of wall-clock time: most of it is CPU time (a loaded test
        // machine may take some of it away).
        let (uhr, wand) = (Rechenuhr::start(), Instant::now());
        let mut x = 0u64;
        while wand.elapsed() < Duration::from_millis(150) {
            x = std::hint::black_box(x.wrapping_mul(31).wrapping_add(7));
        }
        assert!(
            uhr.elapsed() >= Duration::from_millis(30),
            "{:?}",
            uhr.elapsed()
        );
    }

    fn wort(text: &str, links: i32, breite: i32, hoehe: i32, konfidenz: f32) -> Wort {
        Wort {
            text: text.into(),
            links,
            oben: 100,
            breite,
            hoehe,
            konfidenz,
            zeile: (1, 1, 1),
        }
    }

    #[test]
    fn a_word_ocr_split_is_joined_and_real_spaces_stay() {
        let zeile = |w: &[Wort]| verbinde(&w.iter().collect::<Vec<_>>());
        // "Ga rage": 1 px apart at 31 px letters; "mit Ga": a space of 9 px.
        let w = [
            wort("mit", 0, 40, 31, 95.0),
            wort("Ga", 49, 30, 31, 90.0),
            wort("rage", 80, 50, 31, 90.0),
        ];
        assert_eq!(zeile(&w), "mit Garage");
        // The same gap before a capital is a space ("Architekt Jan" can stand tight).
        let w = [wort("Ga", 0, 30, 31, 90.0), wort("Rage", 31, 50, 31, 90.0)];
        assert_eq!(zeile(&w), "Ga Rage");
        // A small word after a space of a fifth of the letter height and more stays apart.
        let w = [
            wort("Julia", 0, 60, 20, 90.0),
            wort("und", 64, 40, 20, 90.0),
        ];
        assert_eq!(zeile(&w), "Julia und");
        let w = [
            wort("Julia", 0, 60, 20, 90.0),
            wort("und", 63, 40, 20, 90.0),
        ];
        assert_eq!(zeile(&w), "Juliaund");
        // The colon OCR saw at the split goes; a text layer's words are never joined.
        let w = [
            wort("Aufstockun:", 0, 90, 16, 91.0),
            wort("g", 92, 8, 14, 63.0),
        ];
        assert_eq!(zeile(&w), "Aufstockung");
        let w = [
            wort("Ga", 0, 30, 31, 100.0),
            wort("rage", 31, 50, 31, 100.0),
        ];
        assert_eq!(zeile(&w), "Ga rage");
        // A plan number split after its dash.
        let w = [wort("A-", 0, 30, 26, 90.0), wort("106", 37, 40, 28, 96.0)];
        assert_eq!(zeile(&w), "A-106");
        let w = [
            wort("Nord-", 0, 60, 26, 90.0),
            wort("und", 67, 40, 20, 96.0),
        ];
        assert_eq!(zeile(&w), "Nord- und");
        // Words that overlap (two lines interleaved) are no split word.
        let w = [
            wort("Jonas", 0, 60, 20, 90.0),
            wort("vogt", 50, 40, 20, 90.0),
        ];
        assert_eq!(zeile(&w), "Jonas vogt");
    }

    #[test]
    fn two_dots_before_a_word_are_a_dot_and_a_space() {
        assert_eq!(punkte("Dr..Klaus"), "Dr. Klaus");
        assert_eq!(punkte("Dipl.-Ing..(FH)"), "Dipl.-Ing. (FH)");
        assert_eq!(punkte("usw..."), "usw...");
        assert_eq!(punkte("a...b"), "a...b");
        assert_eq!(punkte("Ende.."), "Ende..");
        let w = [wort("Dr..Klaus", 0, 60, 20, 41.0)];
        assert_eq!(verbinde(&w.iter().collect::<Vec<_>>()), "Dr. Klaus");
    }

    #[test]
    fn a_zero_before_capitals_is_the_letter_o() {
        let zeile = |w: &[Wort]| verbinde(&w.iter().collect::<Vec<_>>());
        let w = [
            wort("Grundriss", 0, 90, 20, 95.0),
            wort("0G", 100, 20, 20, 84.0),
        ];
        assert_eq!(zeile(&w), "Grundriss OG");
        assert_eq!(zeile(&[wort("0KFF", 0, 40, 20, 60.0)]), "OKFF");
        // Numbers stay, and so does a text layer's word.
        for text in ["0G5", "06", "0", "0a", "10G"] {
            assert_eq!(zeile(&[wort(text, 0, 40, 20, 60.0)]), text);
        }
        assert_eq!(zeile(&[wort("0G", 0, 40, 20, 100.0)]), "0G");
    }

    #[test]
    fn rules_are_painted_over_in_the_papers_shade_and_letters_stay() {
        // 300 dpi: a rule is at least 7 mm = 82 px long.
        let mut img = GrayImage::from_pixel(400, 300, image::Luma([230]));
        // A vertical rule (3 px, 250 px long), skewed by about 1.5° (4 px over its length).
        for y in 20..270u32 {
            let x = 100 + (y - 20) / 60;
            for dx in 0..3 {
                img.put_pixel(x + dx, y, image::Luma([20]));
            }
        }
        // A horizontal rule and a letter's stem of 6 mm (71 px) beside it.
        for x in 10..390 {
            img.put_pixel(x, 280, image::Luma([30]));
        }
        for y in 150..221 {
            for x in 200..206 {
                img.put_pixel(x, y, image::Luma([10]));
            }
        }
        ohne_linien(&mut img, 300);
        assert!((20..270).all(|y| (95..115).all(|x| img.get_pixel(x, y).0[0] == 230)));
        assert!((10..390).all(|x| img.get_pixel(x, 280).0[0] == 230));
        assert!((150..221).all(|y| img.get_pixel(203, y).0[0] == 10));
        // A rule only partly inside the rectangle is one all the same.
        let mut img = GrayImage::from_pixel(400, 300, image::Luma([230]));
        for y in 0..300 {
            img.put_pixel(350, y, image::Luma([20]));
        }
        img.put_pixel(330, 150, image::Luma([20]));
        let (teil, versatz) = ausschnitt_ohne_linien(&img, (300, 140, 80, 30), 300);
        assert_eq!((teil.dimensions(), versatz), ((80, 30), (300, 140)));
        assert_eq!(teil.get_pixel(50, 5).0[0], 230);
        assert_eq!(teil.get_pixel(30, 10).0[0], 20);
    }

    #[test]
    fn a_rectangle_is_copied_alone_and_clipped_to_the_image() {
        let img = GrayImage::from_fn(6, 4, |x, y| image::Luma([(y * 10 + x) as u8]));
        let (teil, versatz) = ausschnitt(&img, (2, 1, 3, 2));
        assert_eq!(versatz, (2, 1));
        assert_eq!(teil.as_raw(), &vec![12, 13, 14, 22, 23, 24]);
        // Beyond the edge: what is inside.
        let (teil, versatz) = ausschnitt(&img, (4, 3, 10, 10));
        assert_eq!((versatz, teil.dimensions()), ((4, 3), (2, 1)));
        // The whole image is not copied.
        assert!(matches!(
            ausschnitt(&img, (0, 0, 6, 4)).0,
            std::borrow::Cow::Borrowed(_)
        ));
        // Nothing: one white pixel.
        assert_eq!(ausschnitt(&img, (6, 0, 3, 3)).0.as_raw(), &vec![255]);
    }

    #[test]
    fn a_crop_scanned_finer_than_needed_is_made_200_dpi_with_the_factor_back() {
        let teil = GrayImage::from_pixel(300, 150, image::Luma([200]));
        let (klein, dpi, faktor) = hoechstens_lese_dpi(std::borrow::Cow::Borrowed(&teil), 300);
        assert_eq!((klein.dimensions(), dpi), ((200, 100), 200));
        assert!((faktor - 1.5).abs() < 1e-9);
        // The shade stays (a mean, not a pick of pixels).
        assert!(klein.pixels().all(|p| p.0[0] == 200));
        // 200 dpi, and a little more, is read as it is.
        for dpi in [150, 200, 220] {
            let (gleich, d, f) = hoechstens_lese_dpi(std::borrow::Cow::Borrowed(&teil), dpi);
            assert!(matches!(gleich, std::borrow::Cow::Borrowed(_)));
            assert_eq!((d, f), (dpi, 1.0));
        }
    }

    /// "Letters": strokes 3 px wide every 8 px, `w` × `h` at (`x`, `y`).
    fn schrift(img: &mut GrayImage, x: u32, y: u32, w: u32, h: u32) {
        for xx in (x..x + w).filter(|xx| (xx - x) % 8 < 3) {
            for yy in y..y + h {
                img.put_pixel(xx, yy, image::Luma([30]));
            }
        }
    }

    #[test]
    fn unread_ink_is_found_and_rules_specks_and_dashes_are_not() {
        // 200 dpi: a cell of the grid is 5 px, a small letter at least 10 px high.
        let mut img = GrayImage::from_pixel(800, 400, image::Luma([235]));
        // The cells' rules.
        for x in 0..800 {
            img.put_pixel(x, 100, image::Luma([20]));
            img.put_pixel(x, 101, image::Luma([20]));
        }
        for y in 0..400 {
            img.put_pixel(400, y, image::Luma([20]));
        }
        // A word read surely, a label not read at all, a word read unsurely.
        schrift(&mut img, 50, 40, 120, 20);
        schrift(&mut img, 450, 40, 80, 14);
        schrift(&mut img, 50, 150, 120, 20);
        let woerter = [
            Wort {
                oben: 40,
                ..wort("Wort", 50, 120, 20, 90.0)
            },
            Wort {
                oben: 150,
                ..wort("Wort", 50, 120, 20, 20.0)
            },
        ];
        // A speck, a dashed signature line, and what is left of a faint skewed rule
        // (pieces shorter than a rule, two pixels thick).
        for (x, y) in [(300, 300), (301, 300), (300, 301), (301, 301)] {
            img.put_pixel(x, y, image::Luma([20]));
        }
        for x in (450..750).filter(|x| x % 30 < 20) {
            img.put_pixel(x, 350, image::Luma([40]));
            img.put_pixel(x, 351, image::Luma([40]));
        }
        for x in (0..399u32).filter(|x| x % 40 < 35) {
            img.put_pixel(x, 250 + x / 30, image::Luma([60]));
            img.put_pixel(x, 251 + x / 30, image::Luma([60]));
        }
        let stellen = ungelesene_stellen(&img, (0, 0, 800, 400), &woerter, 200, 8);
        let enthaelt = |(x, y, w, h): (u32, u32, u32, u32), (l, t, r, b): (u32, u32, u32, u32)| {
            x <= l && y <= t && x + w >= r && y + h >= b
        };
        assert_eq!(stellen.len(), 2, "{stellen:?}");
        assert!(
            stellen.iter().any(|s| enthaelt(*s, (450, 40, 530, 54))),
            "{stellen:?}"
        );
        assert!(
            stellen.iter().any(|s| enthaelt(*s, (50, 150, 170, 170))),
            "{stellen:?}"
        );
        // None reaches into the word read surely.
        assert!(stellen.iter().all(|s| s.1 > 70 || s.0 > 170), "{stellen:?}");
        // At most `max`, the most ink first: the unsure word has more than the label.
        let eine = ungelesene_stellen(&img, (0, 0, 800, 400), &woerter, 200, 1);
        assert!(enthaelt(eine[0], (50, 150, 170, 170)), "{eine:?}");
    }
}
