//! The approval stamp on plan files: every sample plan stays valid (qpdf), keeps its text
//! layer, gains no validator findings, and shows the stamp upright at the top right.
//!
//! Needs `qpdf` and `pdftotext` (poppler-utils) on the PATH: a missing tool fails the test.

mod pdfwerkzeug;

use base64::Engine;
use lopdf::{Document, Object};
use pdfwerkzeug::{pdftotext, pdftotext_seite, qpdf_check, temp_file};
use plankammer_domain::feststellung::Schwere;
use plankammer_workers::pdf::muster;
use plankammer_workers::pdf::stempel::{Stempel, StempelFehler, StempelGrenzen, stemple};
use plankammer_workers::pdf::vorschau::{VorschauGrenzen, vorschau};
use plankammer_workers::pdf::{Grenzen, pruefe};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

fn stempel() -> Stempel {
    Stempel {
        zeilen: vec![
            "GENEHMIGT".into(),
            "Bauaufsicht Musterstadt".into(),
            "Az. BA-2026-00017".into(),
            "vom 29.11.2026".into(),
            "Bescheid Nr. 2026/17".into(),
        ],
    }
}

fn samples() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../sample-plans/einfamilienhaus");
    let mut v: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("sample-plans/einfamilienhaus")
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "pdf"))
        .collect();
    v.sort();
    assert!(v.len() >= 14, "sample plans missing: {}", v.len());
    v
}

fn norm(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Codes of error and warning findings.
fn ernste_codes(bytes: &[u8]) -> BTreeSet<String> {
    pruefe(bytes, &Grenzen::default())
        .feststellungen
        .into_iter()
        .filter(|f| matches!(f.schwere, Schwere::Fehler | Schwere::Warnung))
        .map(|f| f.code)
        .collect()
}

#[test]
fn every_sample_plan_is_stamped_validly() {
    for path in samples() {
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        let orig = std::fs::read(&path).unwrap();
        let out = stemple(&orig, &stempel(), &StempelGrenzen::default())
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        qpdf_check(&out, &name);

        let vorher = pruefe(&orig, &Grenzen::default());
        let nachher = pruefe(&out, &Grenzen::default());
        assert!(nachher.lesbar, "{name}");
        assert_eq!(vorher.seitenzahl, nachher.seitenzahl, "{name}: page count");
        let neu: Vec<_> = ernste_codes(&out)
            .difference(&ernste_codes(&orig))
            .cloned()
            .collect();
        assert!(neu.is_empty(), "{name}: new findings {neu:?}");

        // Text layer, per page. In content-stream order (`pdftotext -raw`) the original text
        // comes first, unchanged, then the stamp.
        let doc = Document::load_mem(&orig).unwrap();
        for seite in 1..=doc.get_pages().len() {
            let a = norm(&pdftotext_seite(&orig, &name, seite, true));
            let b = norm(&pdftotext_seite(&out, &name, seite, true));
            assert!(
                b.starts_with(&a),
                "{name} S. {seite}: original text not kept\n--- vorher\n{a}\n--- nachher\n{b}"
            );
            for z in &stempel().zeilen {
                assert!(
                    b.contains(z.as_str()),
                    "{name} S. {seite}: stamp line {z:?} missing"
                );
            }
        }
        // In pdftotext's default layout order the stamp may sit between the plan's text
        // blocks and split its lines differently where it overlaps them, so here: every
        // character of the original is still there, as often as before.
        let a = pdftotext(&orig, &name);
        let b = pdftotext(&out, &name);
        let mut zeichen: BTreeMap<char, i64> = BTreeMap::new();
        for c in b.chars().filter(|c| !c.is_whitespace()) {
            *zeichen.entry(c).or_default() += 1;
        }
        for c in a.chars().filter(|c| !c.is_whitespace()) {
            let n = zeichen.entry(c).or_default();
            *n -= 1;
            assert!(*n >= 0, "{name}: character {c:?} lost");
        }
        let stamp_chars = stempel()
            .zeilen
            .iter()
            .flat_map(|z| z.chars())
            .filter(|c| !c.is_whitespace())
            .count() as i64
            * nachher.seitenzahl as i64;
        assert_eq!(
            zeichen.values().sum::<i64>(),
            stamp_chars,
            "{name}: only the stamp added"
        );
        eprintln!(
            "{name}: {} → {} bytes (+{}), {} pages",
            orig.len(),
            out.len(),
            out.len() as i64 - orig.len() as i64,
            nachher.seitenzahl
        );
    }
}

#[test]
fn stamping_is_deterministic() {
    let orig = std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../sample-plans/einfamilienhaus/07_Ansichten.pdf"),
    )
    .unwrap();
    let a = stemple(&orig, &stempel(), &StempelGrenzen::default()).unwrap();
    let b = stemple(&orig, &stempel(), &StempelGrenzen::default()).unwrap();
    assert_eq!(a, b);
    // A different stamp gives a different file.
    let mut s = stempel();
    s.zeilen[0] = "ABGELEHNT".into();
    assert_ne!(a, stemple(&orig, &s, &StempelGrenzen::default()).unwrap());
}

/// Renders page 1 and returns the bounding box of red pixels as fractions of the image
/// (x0, y0, x1, y1; y downwards), plus the image size.
fn rote_box(pdf: &[u8]) -> ((f64, f64, f64, f64), (u32, u32)) {
    let v = vorschau(
        pdf,
        &VorschauGrenzen {
            max_seiten: 1,
            daumen_px: 100,
            gross_px: 1000,
        },
    );
    let bild = v.gross.expect("rendered");
    let png = base64::engine::general_purpose::STANDARD
        .decode(bild.png_base64)
        .unwrap();
    let img = image::load_from_memory(&png).unwrap().to_rgb8();
    let (w, h) = img.dimensions();
    let (mut x0, mut y0, mut x1, mut y1) = (u32::MAX, u32::MAX, 0, 0);
    for (x, y, p) in img.enumerate_pixels() {
        if p[0] > 120 && p[1] < 90 && p[2] < 90 {
            x0 = x0.min(x);
            y0 = y0.min(y);
            x1 = x1.max(x);
            y1 = y1.max(y);
        }
    }
    assert!(x1 > 0, "no red pixels");
    (
        (
            f64::from(x0) / f64::from(w),
            f64::from(y0) / f64::from(h),
            f64::from(x1) / f64::from(w),
            f64::from(y1) / f64::from(h),
        ),
        (w, h),
    )
}

/// Page 1 rendered about 600 px on its long side.
fn gerendert(pdf: &[u8]) -> image::RgbImage {
    let v = vorschau(
        pdf,
        &VorschauGrenzen {
            max_seiten: 1,
            daumen_px: 50,
            gross_px: 600,
        },
    );
    let png = base64::engine::general_purpose::STANDARD
        .decode(v.gross.expect("rendered").png_base64)
        .unwrap();
    image::load_from_memory(&png).unwrap().to_rgb8()
}

/// Share of the original's ink (dark pixels) under the stamp on page 1: the stamp is where
/// the stamped rendering is red and the original's is not (plans have red of their own).
fn tinte_unter_dem_stempel(orig: &[u8], gestempelt: &[u8]) -> f64 {
    let vorher = gerendert(orig);
    let nachher = gerendert(gestempelt);
    assert_eq!(vorher.dimensions(), nachher.dimensions());
    let rot = |p: &image::Rgb<u8>| p[0] > 120 && p[1] < 90 && p[2] < 90;
    let (mut x0, mut y0, mut x1, mut y1) = (u32::MAX, u32::MAX, 0, 0);
    for (x, y, p) in nachher.enumerate_pixels() {
        if rot(p) && !rot(vorher.get_pixel(x, y)) {
            x0 = x0.min(x);
            y0 = y0.min(y);
            x1 = x1.max(x);
            y1 = y1.max(y);
        }
    }
    assert!(x1 > x0 && y1 > y0, "no stamp found");
    let mut dunkel = 0u32;
    let mut alle = 0u32;
    for y in y0..=y1 {
        for x in x0..=x1 {
            let p = vorher.get_pixel(x, y);
            alle += 1;
            if (u32::from(p[0]) * 299 + u32::from(p[1]) * 587 + u32::from(p[2]) * 114) / 1000 < 200
            {
                dunkel += 1;
            }
        }
    }
    f64::from(dunkel) / f64::from(alle.max(1))
}

/// A text page with a solid "north arrow" drawn where the stamp usually goes.
fn mit_nordpfeil_oben_rechts() -> Vec<u8> {
    let mut doc = Document::load_mem(&muster::mit_text("Lageplan")).unwrap();
    let pid = *doc.get_pages().get(&1).unwrap();
    let pfeil = doc.add_object(lopdf::Stream::new(
        lopdf::Dictionary::new(),
        b"q 0 0 0 rg 470 690 m 530 820 l 580 690 l h f 500 640 60 40 re f Q".to_vec(),
    ));
    let mut inhalte = match doc.get_dictionary(pid).unwrap().get(b"Contents").unwrap() {
        Object::Array(a) => a.clone(),
        o => vec![o.clone()],
    };
    inhalte.push(Object::Reference(pfeil));
    doc.get_dictionary_mut(pid)
        .unwrap()
        .set("Contents", Object::Array(inhalte));
    let mut out = Vec::new();
    doc.save_to(&mut out).unwrap();
    out
}

#[test]
fn stamp_avoids_a_drawing_in_the_top_right_corner() {
    let orig = mit_nordpfeil_oben_rechts();
    let out = stemple(&orig, &stempel(), &StempelGrenzen::default()).unwrap();
    qpdf_check(&out, "nordpfeil.pdf");
    let anteil = tinte_unter_dem_stempel(&orig, &out);
    assert!(
        anteil < 0.002,
        "{:.2} % of the stamp covers drawing",
        anteil * 100.0
    );
    // Without the arrow the same page is stamped at the top right (the usual place).
    let leer = muster::mit_text("Lageplan");
    let ((x0, y0, _, _), _) =
        rote_box(&stemple(&leer, &stempel(), &StempelGrenzen::default()).unwrap());
    assert!(
        x0 > 0.5 && y0 < 0.1,
        "top right on a free page: {x0:.2},{y0:.2}"
    );
    // With the search switched off, the corner is used even over the arrow.
    let grenzen = StempelGrenzen {
        max_suchseiten: 0,
        ..StempelGrenzen::default()
    };
    let fest = stemple(&orig, &stempel(), &grenzen).unwrap();
    assert!(
        tinte_unter_dem_stempel(&orig, &fest) > 0.05,
        "the test page has a drawing there"
    );
}

/// Drawing sheets have free areas, and the stamp finds one; a text document filled to its
/// margins has none, and the stamp covers less of it than at the fixed corner.
#[test]
fn stamp_covers_no_drawing_on_any_sample_plan() {
    let fest = StempelGrenzen {
        max_suchseiten: 0,
        ..StempelGrenzen::default()
    };
    let mut gesucht = Vec::new();
    for path in samples() {
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        let orig = std::fs::read(&path).unwrap();
        let out = stemple(&orig, &stempel(), &StempelGrenzen::default()).unwrap();
        let anteil = tinte_unter_dem_stempel(&orig, &out);
        let zeichnung = ["Lageplan", "Grundriss", "Schnitt", "Ansichten"]
            .iter()
            .any(|z| name.contains(z));
        if zeichnung {
            gesucht.push(format!("{name}: {:.2} %", anteil * 100.0));
            assert!(anteil < 0.005, "{}", gesucht.last().unwrap());
        } else {
            let ecke = tinte_unter_dem_stempel(&orig, &stemple(&orig, &stempel(), &fest).unwrap());
            gesucht.push(format!(
                "{name}: {:.2} % (corner {:.2} %)",
                anteil * 100.0,
                ecke * 100.0
            ));
            assert!(anteil <= ecke + 0.001, "{}", gesucht.last().unwrap());
        }
    }
    println!("{}", gesucht.join("\n"));
}

/// A text page with `/Rotate` and an offset CropBox set through lopdf.
fn gedreht(rotate: i64) -> Vec<u8> {
    let mut doc = Document::load_mem(&muster::mit_text("Grundriss Erdgeschoss")).unwrap();
    let pid = *doc.get_pages().get(&1).unwrap();
    let page = doc.get_dictionary_mut(pid).unwrap();
    page.set("Rotate", Object::Integer(rotate));
    page.set(
        "CropBox",
        Object::Array(vec![20.into(), 30.into(), 580.into(), 820.into()]),
    );
    let mut out = Vec::new();
    doc.save_to(&mut out).unwrap();
    out
}

#[test]
fn stamp_is_upright_at_the_top_right_for_every_rotation() {
    for rotate in [0, 90, 180, 270, -90] {
        let orig = gedreht(rotate);
        let out = stemple(&orig, &stempel(), &StempelGrenzen::default()).unwrap();
        qpdf_check(&out, &format!("rotate{rotate}.pdf"));
        let ((x0, y0, x1, y1), (w, h)) = rote_box(&out);
        let quer = rotate.rem_euclid(180) == 90;
        assert_eq!(w > h, quer, "rotate {rotate}: rendered {w}×{h}");
        assert!(
            x0 > 0.5 && y1 < 0.35 && x1 < 0.99 && y0 > 0.005,
            "rotate {rotate}: red box at {x0:.2},{y0:.2}–{x1:.2},{y1:.2}"
        );
        // Upright: the box is wider than high as viewed (70 × 30 mm).
        let bw = (x1 - x0) * f64::from(w);
        let bh = (y1 - y0) * f64::from(h);
        assert!(bw > 1.8 * bh, "rotate {rotate}: box {bw:.0}×{bh:.0} px");

        // The text matrix is upright too: pdftotext reads the stamp lines as lines.
        let text = pdftotext(&out, &format!("rotate{rotate}.pdf"));
        for z in &stempel().zeilen {
            assert!(
                text.contains(z.as_str()),
                "rotate {rotate}: {z:?} in {text:?}"
            );
        }
        assert!(text.contains("Grundriss Erdgeschoss"));
    }
}

#[test]
fn inherited_and_shared_resources_are_copied_not_changed() {
    // Two pages sharing one resource dictionary inherited from the page tree.
    let content = b"BT /F1 12 Tf 72 720 Td (Seite) Tj ET";
    let pdf = muster::assemble(&[
        b"<< /Type /Catalog /Pages 2 0 R >>".to_vec(),
        b"<< /Type /Pages /Kids [3 0 R 4 0 R] /Count 2 /Resources 5 0 R /MediaBox [0 0 595 842] >>"
            .to_vec(),
        b"<< /Type /Page /Parent 2 0 R /Contents 6 0 R >>".to_vec(),
        b"<< /Type /Page /Parent 2 0 R /Contents 6 0 R /Rotate 90 >>".to_vec(),
        b"<< /Font << /F1 7 0 R >> >>".to_vec(),
        muster::stream("", content),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>"
            .to_vec(),
    ]);
    let out = stemple(&pdf, &stempel(), &StempelGrenzen::default()).unwrap();
    qpdf_check(&out, "geerbt.pdf");
    let doc = Document::load_mem(&out).unwrap();
    // The shared dictionary still has only F1.
    let shared = doc.get_dictionary((5, 0)).unwrap();
    let fonts = shared.get(b"Font").unwrap().as_dict().unwrap();
    assert_eq!(fonts.len(), 1);
    for pid in doc.get_pages().values() {
        let page = doc.get_dictionary(*pid).unwrap();
        let res = page.get(b"Resources").unwrap().as_dict().unwrap();
        let fonts = res.get(b"Font").unwrap().as_dict().unwrap();
        assert!(fonts.has(b"F1") && fonts.has(b"PKStempelFett"));
        let contents = page.get(b"Contents").unwrap().as_array().unwrap();
        assert_eq!(contents.len(), 3, "q, original, stamp");
        assert_eq!(contents[1], Object::Reference((6, 0)), "original untouched");
    }
    let text = pdftotext(&out, "geerbt.pdf");
    assert_eq!(text.matches("GENEHMIGT").count(), 2);
    assert_eq!(text.matches("Seite").count(), 2);
}

#[test]
fn a_stamp_cannot_be_hurt_by_the_page_state() {
    // The page leaves a huge text size, white fill, a clip and a skewed matrix behind.
    let content = b"2 0 0 2 0 0 cm 0.5 0.5 0.5 rg 0 0 10 10 re W n 1 1 1 rg BT /F1 99 Tf 7 Tr";
    let pdf = muster::pdf_with(
        &[muster::A4],
        "",
        "/Resources << /Font << /F1 9 0 R >> >> /Contents 10 0 R",
        &[
            b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>".to_vec(),
            muster::stream("", content),
        ],
    );
    let out = stemple(&pdf, &stempel(), &StempelGrenzen::default()).unwrap();
    let ((x0, _, _, y1), _) = rote_box(&out);
    assert!(x0 > 0.5 && y1 < 0.35);
}

#[test]
fn encrypted_and_broken_files_are_refused_in_german() {
    let plain = muster::mit_text("Lageplan");
    let plain_path = temp_file(&plain, "plain.pdf");
    for (args, name) in [
        (
            vec!["--encrypt", "geheim", "owner", "256", "--"],
            "passwort.pdf",
        ),
        (
            vec!["--encrypt", "", "owner", "256", "--print=none", "--"],
            "rechte.pdf",
        ),
    ] {
        let out_path = plain_path.with_file_name(name);
        let st = Command::new("qpdf")
            .args(&args)
            .arg(&plain_path)
            .arg(&out_path)
            .status()
            .expect("qpdf must be installed");
        assert!(st.success(), "{name}");
        let enc = std::fs::read(&out_path).unwrap();
        let e = stemple(&enc, &stempel(), &StempelGrenzen::default()).unwrap_err();
        assert_eq!(e, StempelFehler::Verschluesselt, "{name}");
        assert!(e.to_string().contains("verschlüsselt"), "{e}");
    }
    for (bytes, name) in [
        (b"Hallo Welt, kein PDF".to_vec(), "text"),
        (muster::feindlich::falsche_signatur(), "png"),
        (muster::feindlich::abgeschnitten(), "abgeschnitten"),
        (Vec::new(), "leer"),
        (b"%PDF-1.7\n garbage garbage".to_vec(), "müll"),
    ] {
        match stemple(&bytes, &stempel(), &StempelGrenzen::default()) {
            Err(e) => {
                let m = e.to_string();
                assert!(
                    m.contains("PDF") && (m.contains("keine") || m.contains("lesbar")),
                    "{name}: {m}"
                );
            }
            // A truncated file may still be repairable; then the result must be valid.
            Ok(out) => qpdf_check(&out, name),
        }
    }
    let e = stemple(&muster::a4(0), &stempel(), &StempelGrenzen::default()).unwrap_err();
    assert_eq!(e, StempelFehler::KeineSeiten);
    let e = stemple(
        &muster::feindlich::viele_seiten(30),
        &stempel(),
        &StempelGrenzen {
            max_seiten: 20,
            ..StempelGrenzen::default()
        },
    )
    .unwrap_err();
    assert_eq!(e, StempelFehler::ZuVieleSeiten { max: 20 });
    assert!(e.to_string().contains("mehr als 20 Seiten"));
    let e = stemple(
        &muster::a4(1),
        &Stempel { zeilen: vec![] },
        &StempelGrenzen::default(),
    )
    .unwrap_err();
    assert_eq!(e, StempelFehler::LeererStempel);
}

#[test]
fn many_pages_share_one_stamp_stream() {
    let out = stemple(
        &muster::feindlich::viele_seiten(200),
        &stempel(),
        &StempelGrenzen::default(),
    )
    .unwrap();
    qpdf_check(&out, "200.pdf");
    let doc = Document::load_mem(&out).unwrap();
    let stamps: BTreeSet<_> = doc
        .get_pages()
        .values()
        .map(|p| {
            let c = doc.get_dictionary(*p).unwrap().get(b"Contents").unwrap();
            c.as_array()
                .unwrap()
                .last()
                .unwrap()
                .as_reference()
                .unwrap()
        })
        .collect();
    assert_eq!(stamps.len(), 1);
}

/// Not a check: writes a stamped plan and its rendering for a person to look at, when
/// `PLANKAMMER_STEMPEL_PNG` names a folder.
#[test]
#[ignore = "a tool, not a check: PLANKAMMER_STEMPEL_PNG=/tmp/bilder cargo test -p plankammer-workers -- --ignored write_pictures_for_inspection"]
fn write_pictures_for_inspection() {
    let Some(dir) = std::env::var_os("PLANKAMMER_STEMPEL_PNG") else {
        panic!("set PLANKAMMER_STEMPEL_PNG to the folder for stamped plans");
    };
    let dir = PathBuf::from(dir);
    std::fs::create_dir_all(&dir).unwrap();
    for name in [
        "01_Lageplan.pdf",
        "03_Grundriss_EG.pdf",
        "07_Ansichten.pdf",
        "08_Baubeschreibung.pdf",
        "13_Scan_Lageplan.pdf",
    ] {
        let orig = std::fs::read(
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("../sample-plans/einfamilienhaus")
                .join(name),
        )
        .unwrap();
        let out = stemple(&orig, &stempel(), &StempelGrenzen::default()).unwrap();
        std::fs::write(dir.join(format!("gestempelt_{name}")), &out).unwrap();
    }
    std::fs::write(
        dir.join("gestempelt_rotate90.pdf"),
        stemple(&gedreht(90), &stempel(), &StempelGrenzen::default()).unwrap(),
    )
    .unwrap();
}
