//! What a file is, decided from its first bytes, never from its name.

/// PDF readers accept the `%PDF-` header anywhere in the first 1024 bytes.
pub const KOPF_BYTES: usize = 1024;

/// `None` for a PDF; otherwise what the bytes are, in German, for the refusal.
pub fn kein_pdf(prefix: &[u8]) -> Option<&'static str> {
    let window = &prefix[..prefix.len().min(KOPF_BYTES)];
    if window.windows(5).any(|w| w == b"%PDF-") {
        return None;
    }
    Some(if prefix.starts_with(b"\x89PNG") {
        "PNG-Bild"
    } else if prefix.starts_with(&[0xFF, 0xD8, 0xFF]) {
        "JPEG-Bild"
    } else if prefix.starts_with(b"GIF8") {
        "GIF-Bild"
    } else if prefix.starts_with(b"II*\0") || prefix.starts_with(b"MM\0*") {
        "TIFF-Bild"
    } else if prefix.starts_with(b"PK\x03\x04") {
        "ZIP-Archiv oder Office-Dokument"
    } else if prefix.starts_with(b"AC10") {
        "DWG-Zeichnung"
    } else if prefix.starts_with(b"{\\rtf") {
        "RTF-Dokument"
    } else if prefix.starts_with(&[0xD0, 0xCF, 0x11, 0xE0]) {
        "älteres Office-Dokument"
    } else if std::str::from_utf8(window)
        .map(|_| true)
        .unwrap_or_else(|e| e.valid_up_to() + 4 > window.len())
    {
        "Textdatei"
    } else {
        "unbekannter Dateityp"
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn types_are_decided_from_bytes() {
        assert_eq!(kein_pdf(b"%PDF-1.7\n..."), None);
        assert_eq!(
            kein_pdf(b"\r\n  junk before %PDF-1.4"),
            None,
            "a header within 1024 bytes counts"
        );
        assert_eq!(kein_pdf(b"\x89PNG\r\n\x1a\n"), Some("PNG-Bild"));
        assert_eq!(
            kein_pdf(b"PK\x03\x04rest"),
            Some("ZIP-Archiv oder Office-Dokument")
        );
        assert_eq!(kein_pdf(b"Hallo Welt"), Some("Textdatei"));
        let mut late = vec![b' '; 1100];
        late.extend_from_slice(b"%PDF-1.4");
        assert_eq!(
            kein_pdf(&late),
            Some("Textdatei"),
            "a header after 1024 bytes does not"
        );
    }
}
