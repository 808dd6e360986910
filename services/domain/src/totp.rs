//! Time-based one-time passwords (RFC 6238 over RFC 4226): the second factor staff enter
//! from an authenticator app. Pure: the caller keeps the secret and the last step used.

use hmac::{Hmac, Mac};

/// Seconds one code is valid.
pub const SCHRITT_SEKUNDEN: i64 = 30;
/// Digits of a code.
pub const STELLEN: u32 = 6;
/// Bytes of a new secret (160 bits, as RFC 4226 recommends).
pub const GEHEIMNIS_BYTES: usize = 20;

/// The time step of an instant (Unix milliseconds).
pub fn schritt(unix_ms: i64) -> i64 {
    unix_ms.div_euclid(1000 * SCHRITT_SEKUNDEN)
}

/// The HOTP value of a step (RFC 4226 5.3: HMAC-SHA1, dynamic truncation), `stellen` digits.
pub fn hotp(geheimnis: &[u8], zaehler: u64, stellen: u32) -> u32 {
    let mut mac = Hmac::<sha1::Sha1>::new_from_slice(geheimnis).expect("HMAC takes any key length");
    mac.update(&zaehler.to_be_bytes());
    let h = mac.finalize().into_bytes();
    let o = (h[19] & 0x0f) as usize;
    let bin = (u32::from(h[o] & 0x7f) << 24)
        | (u32::from(h[o + 1]) << 16)
        | (u32::from(h[o + 2]) << 8)
        | u32::from(h[o + 3]);
    bin % 10u32.pow(stellen)
}

/// The code an app shows at this instant, as six digits.
pub fn code(geheimnis: &[u8], unix_ms: i64) -> String {
    format!(
        "{:06}",
        hotp(geheimnis, schritt(unix_ms).max(0) as u64, STELLEN)
    )
}

/// Checks a typed code: the current step or one either side (clock drift), and only a step
/// after `letzter` (a code is used once). Spaces are ignored. Returns the step it matched.
pub fn pruefe(geheimnis: &[u8], eingabe: &str, unix_ms: i64, letzter: i64) -> Option<i64> {
    let ziffern: String = eingabe.chars().filter(|c| !c.is_whitespace()).collect();
    if ziffern.len() != STELLEN as usize || !ziffern.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let jetzt = schritt(unix_ms);
    (jetzt - 1..=jetzt + 1)
        .filter(|s| *s > letzter && *s >= 0)
        .find(|s| format!("{:06}", hotp(geheimnis, *s as u64, STELLEN)) == ziffern)
}

/// RFC 4648 base32 without padding: how apps take the secret when typed.
pub fn base32(daten: &[u8]) -> String {
    const ABC: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let mut out = String::new();
    let (mut puffer, mut bits) = (0u32, 0u32);
    for b in daten {
        puffer = (puffer << 8) | u32::from(*b);
        bits += 8;
        while bits >= 5 {
            out.push(ABC[((puffer >> (bits - 5)) & 31) as usize] as char);
            bits -= 5;
        }
    }
    if bits > 0 {
        out.push(ABC[((puffer << (5 - bits)) & 31) as usize] as char);
    }
    out
}

/// Reads RFC 4648 base32 (spaces and padding ignored, either case); `None` for another
/// character.
pub fn base32_lesen(text: &str) -> Option<Vec<u8>> {
    const ABC: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let mut out = Vec::new();
    let (mut puffer, mut bits) = (0u32, 0u32);
    for c in text.chars().filter(|c| !c.is_whitespace() && *c != '=') {
        puffer = (puffer << 5) | ABC.find(c.to_ascii_uppercase())? as u32;
        bits += 5;
        if bits >= 8 {
            out.push((puffer >> (bits - 8)) as u8);
            bits -= 8;
        }
    }
    Some(out)
}

/// The secret in groups of four, for typing it into an app by hand.
pub fn gruppiert(geheimnis: &[u8]) -> String {
    base32(geheimnis)
        .as_bytes()
        .chunks(4)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect::<Vec<_>>()
        .join(" ")
}

/// The `otpauth://` link authenticator apps understand (Key Uri Format).
pub fn otpauth(aussteller: &str, konto: &str, geheimnis: &[u8]) -> String {
    let enc = |s: &str| {
        s.bytes()
            .map(|b| match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                    (b as char).to_string()
                }
                _ => format!("%{b:02X}"),
            })
            .collect::<String>()
    };
    format!(
        "otpauth://totp/{}:{}?secret={}&issuer={}&algorithm=SHA1&digits={STELLEN}&period={SCHRITT_SEKUNDEN}",
        enc(aussteller),
        enc(konto),
        base32(geheimnis),
        enc(aussteller)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 6238 Appendix B (SHA1): the 8-digit values at the given times.
    #[test]
    fn rfc_6238_test_vectors() {
        let k = b"12345678901234567890";
        for (t, erwartet) in [
            (59_i64, 94287082_u32),
            (1111111109, 7081804),
            (1111111111, 14050471),
            (1234567890, 89005924),
            (2000000000, 69279037),
            (20000000000, 65353130),
        ] {
            assert_eq!(hotp(k, (t / 30) as u64, 8), erwartet, "T = {t}");
        }
        assert_eq!(code(k, 59_000), "287082");
    }

    #[test]
    fn rfc_4648_base32() {
        assert_eq!(base32(b""), "");
        assert_eq!(base32(b"f"), "MY");
        assert_eq!(base32(b"foobar"), "MZXW6YTBOI");
        assert_eq!(
            base32(b"12345678901234567890"),
            "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
        );
    }

    #[test]
    fn codes_work_one_step_either_side_and_only_once() {
        let k = b"12345678901234567890";
        let t = 1_700_000_000_000_i64;
        let jetzt = code(k, t);
        let s = pruefe(k, &jetzt, t, 0).unwrap();
        assert_eq!(s, schritt(t));
        assert!(pruefe(k, &jetzt, t, s).is_none(), "used once");
        assert!(
            pruefe(k, &code(k, t - 30_000), t, 0).is_some(),
            "one step late"
        );
        assert!(
            pruefe(k, &code(k, t + 30_000), t, 0).is_some(),
            "one step early"
        );
        assert!(
            pruefe(k, &code(k, t - 90_000), t, 0).is_none(),
            "three steps off"
        );
        let mit_leerzeichen = format!("{} {}", &jetzt[..3], &jetzt[3..]);
        assert!(pruefe(k, &mit_leerzeichen, t, 0).is_some());
        assert!(pruefe(k, "12345", t, 0).is_none());
        assert!(pruefe(k, "abcdef", t, 0).is_none());
    }

    #[test]
    fn the_link_names_issuer_account_and_secret() {
        let l = otpauth("Plankammer Kassel", "m.weber@kassel.example", b"foobar");
        assert_eq!(
            l,
            "otpauth://totp/Plankammer%20Kassel:m.weber%40kassel.example?secret=MZXW6YTBOI&issuer=Plankammer%20Kassel&algorithm=SHA1&digits=6&period=30"
        );
    }
}
