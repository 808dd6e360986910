//! Documents: storing an upload (streamed into the document store while its SHA-256 is
//! computed, never held whole in memory; its type decided from its bytes; size limits per
//! file and per case enforced while streaming; then one transaction records the version,
//! its audit entry and the first pipeline job), and reading a document — every read of
//! content audited.

use crate::Verfahren;
use crate::akteur::Akteur;
use crate::fehler::{Ergebnis, Fehler};
use bytes::Bytes;
use futures::stream::BoxStream;
use futures::{Stream, StreamExt, stream};
use plankammer_domain::anlageart::Anlageart;
use plankammer_storage::antrag::Antrag;
use plankammer_storage::audit::AuditEvent;
use plankammer_storage::blobs::BlobError;
use plankammer_storage::dokumente::{NeueVersion, Version};
use plankammer_storage::{Db, now_millis};

/// How many leading bytes are looked at to decide the type.
const SNIFF_BYTES: usize = plankammer_domain::dateityp::KOPF_BYTES;

/// The first pipeline stage; it enqueues the next ones.
pub const STUFE_VALIDATE: &str = "validate";

/// Most attachments in one upload.
pub const MAX_ANLAGEN_JE_HOCHLADEN: usize = 20;
/// Most current attachments of one request.
pub const MAX_ANLAGEN_JE_ANFRAGE: usize = 50;

/// Most documents of one case (Bauvorlagen and attachments of requests), and most versions.
pub const MAX_DOKUMENTE_JE_VORGANG: i64 = 300;
pub const MAX_VERSIONEN_JE_VORGANG: i64 = 1000;

/// Limits of uploads: one file, and the total of one case (a request's attachments have
/// their own total of the same size).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Hochladegrenzen {
    pub datei: u64,
    pub vorgang: u64,
    /// Longest pause in a file's bytes before the upload is given up.
    pub leerlauf: std::time::Duration,
    /// Longest time one file may take to arrive.
    pub gesamt: std::time::Duration,
}

impl Default for Hochladegrenzen {
    fn default() -> Self {
        Hochladegrenzen {
            datei: 250_000_000,
            vorgang: 2_000_000_000,
            leerlauf: std::time::Duration::from_secs(60),
            // 250 MB at 1.2 Mbit/s.
            gesamt: std::time::Duration::from_secs(30 * 60),
        }
    }
}

/// A body stream that ends with an error when no bytes come for `leerlauf`, or when the
/// whole takes longer than `gesamt`: a client that stalls cannot hold a connection (and,
/// for a case, a worker of the server) for ever.
pub fn zeitbegrenzt<S, E>(
    body: S,
    leerlauf: std::time::Duration,
    gesamt: std::time::Duration,
) -> impl Stream<Item = Result<Bytes, String>> + Unpin
where
    S: Stream<Item = Result<Bytes, E>> + Unpin,
    E: std::fmt::Display,
{
    let ende = tokio::time::Instant::now() + gesamt;
    Box::pin(
        stream::unfold(Some(body), move |zustand| async move {
            let mut body = zustand?;
            let bis = (tokio::time::Instant::now() + leerlauf).min(ende);
            match tokio::time::timeout_at(bis, body.next()).await {
                Ok(Some(Ok(b))) => Some((Ok(b), Some(body))),
                Ok(Some(Err(e))) => Some((Err(e.to_string()), None)),
                Ok(None) => None,
                Err(_) if bis == ende => Some((
                    Err(format!(
                        "länger als {} Minuten",
                        gesamt.as_secs().div_ceil(60)
                    )),
                    None,
                )),
                Err(_) => Some((
                    Err(format!("{} Sekunden ohne Daten", leerlauf.as_secs())),
                    None,
                )),
            }
        })
        .fuse(),
    )
}

/// Characters that change how text is shown without being seen: bidirectional overrides and
/// isolates (a "Plan\u{202E}fdp.exe" reads as "Planexe.pdf"), marks, zero-width characters.
pub(crate) fn unsichtbar(c: char) -> bool {
    matches!(c,
        '\u{061C}' | '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}'
        | '\u{2060}'..='\u{2069}' | '\u{FEFF}')
}

/// A safe, readable file name: no path, no control, invisible or reserved characters, at
/// most 120 characters, ending in `.pdf`.
pub fn sichere_dateiname(raw: &str) -> String {
    let base = raw.rsplit(['/', '\\']).next().unwrap_or("");
    let cleaned: String = base
        .chars()
        .map(|c| {
            if c.is_control() || unsichtbar(c) || "<>:\"|?*;".contains(c) {
                '_'
            } else {
                c
            }
        })
        .collect();
    let cleaned = cleaned.trim();
    // Keep the extension's spelling if it is .pdf in any case; otherwise add one.
    let (stem, ext) = match cleaned
        .len()
        .checked_sub(4)
        .filter(|&i| cleaned.is_char_boundary(i))
    {
        Some(i) if cleaned[i..].eq_ignore_ascii_case(".pdf") => (&cleaned[..i], &cleaned[i..]),
        _ => (cleaned, ".pdf"),
    };
    let stem = stem.trim().trim_start_matches('.');
    let stem: String = if stem.is_empty() {
        "dokument".into()
    } else {
        stem.chars().take(116).collect()
    };
    format!("{stem}{ext}")
}

/// "250 MB", "1,5 MB", "820 KB", "12 Byte": sizes as people read them.
pub fn mb(bytes: u64) -> String {
    if bytes < 1_000 {
        format!("{bytes} Byte")
    } else if bytes < 1_000_000 {
        format!("{} KB", bytes / 1_000)
    } else if bytes >= 10_000_000 || bytes.is_multiple_of(1_000_000) {
        format!("{} MB", bytes / 1_000_000)
    } else {
        format!("{:.1} MB", bytes as f64 / 1e6).replace('.', ",")
    }
}

/// An Anlageart code from a form or query: a code of XBau's `anlagen_3.0`, or nothing.
pub fn anlageart_angabe(a: Option<&str>) -> Ergebnis<Option<Anlageart>> {
    match a.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(code) => Anlageart::parse(code).map(Some).map_err(|_| {
            Fehler::ungueltig(
                "Die Anlageart muss ein vierstelliger Code aus der XBau-Liste anlagen_3.0 sein (z. B. 2001).",
            )
        }),
    }
}

/// Where an upload goes.
#[derive(Debug, Clone)]
pub enum Ziel<'a> {
    /// A new document of the case.
    NeuesDokument {
        bezeichnung: &'a str,
        anlageart: Option<&'a Anlageart>,
    },
    /// A new version of an existing document (Nachreichung).
    NeueVersion { dokument_id: i64 },
    /// An attachment (Anlage) a Stelle adds to its request: a document of the case that is
    /// not a Bauvorlage (see `plankammer_storage::anlagen`), with its own quota.
    Anlage { beteiligung_id: i64 },
}

/// Why one file was not taken.
#[derive(Debug, thiserror::Error)]
pub enum HochladeFehler {
    #[error("empty file")]
    Leer,
    #[error("not a PDF: {0}")]
    KeinPdf(&'static str),
    #[error("file larger than {0} bytes")]
    DateiZuGross(u64),
    #[error("case storage quota of {0} bytes exhausted")]
    VorgangVoll(u64),
    #[error("request attachment quota of {0} bytes exhausted")]
    AnfrageVoll(u64),
    /// The case has as many documents (or versions) as one case may have.
    #[error("case has {0} documents or versions, the most allowed")]
    ZuVieleUnterlagen(i64),
    /// The same bytes are the current version of a document of the case (its name).
    #[error("duplicate of a current document")]
    Doppelt(String),
    #[error(transparent)]
    Verfahren(#[from] Fehler),
}

impl HochladeFehler {
    /// What the person reads.
    pub fn meldung(&self) -> String {
        match self {
            HochladeFehler::Leer => "Die Datei ist leer (0 Byte).".into(),
            HochladeFehler::KeinPdf(t) => format!(
                "Die Datei ist kein PDF-Dokument (erkannt: {t}). Bitte laden Sie Pläne als PDF hoch."
            ),
            HochladeFehler::DateiZuGross(n) => {
                format!("Die Datei ist größer als erlaubt (höchstens {}).", mb(*n))
            }
            HochladeFehler::VorgangVoll(n) => format!(
                "Für diesen Vorgang ist der Speicher erschöpft (höchstens {} je Vorgang).",
                mb(*n)
            ),
            HochladeFehler::AnfrageVoll(n) => format!(
                "Für die Anlagen dieser Anfrage ist der Speicher erschöpft (höchstens {} je Anfrage).",
                mb(*n)
            ),
            HochladeFehler::ZuVieleUnterlagen(n) => format!(
                "Dieser Vorgang hat bereits {n} Unterlagen bzw. Versionen, so viele wie ein Vorgang haben kann. Bitte fassen Sie Pläne zu mehrseitigen PDF-Dateien zusammen."
            ),
            HochladeFehler::Doppelt(bezeichnung) => {
                format!("Diese Datei ist bereits als „{bezeichnung}“ hochgeladen.")
            }
            HochladeFehler::Verfahren(Fehler::Ungueltig(m)) => m.join(" "),
            HochladeFehler::Verfahren(Fehler::Konflikt(m) | Fehler::ZuGross(m)) => m.clone(),
            HochladeFehler::Verfahren(e) => e.to_string(),
        }
    }

    /// Is it about the size (the rest of the request is then not read)?
    pub fn zu_gross(&self) -> bool {
        matches!(
            self,
            HochladeFehler::DateiZuGross(_)
                | HochladeFehler::VorgangVoll(_)
                | HochladeFehler::AnfrageVoll(_)
                | HochladeFehler::ZuVieleUnterlagen(_)
        )
    }

    /// The procedure's error for an upload that was one file.
    pub fn als_fehler(self) -> Fehler {
        match self {
            HochladeFehler::Verfahren(e) => e,
            e @ HochladeFehler::Doppelt(_) => Fehler::Konflikt(e.meldung()),
            e if e.zu_gross() => Fehler::ZuGross(e.meldung()),
            e => Fehler::ungueltig(e.meldung()),
        }
    }
}

/// A document's bytes to hand out.
pub struct Inhalt {
    pub groesse: u64,
    pub daten: BoxStream<'static, Result<Bytes, std::io::Error>>,
}

/// How a person reads a document, for the audit log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lesart {
    /// In the browser (a session).
    Sitzung,
    /// A machine client with an access token.
    Schluessel,
}

impl Lesart {
    fn code(self) -> &'static str {
        match self {
            Lesart::Sitzung => "sitzung",
            Lesart::Schluessel => "schluessel",
        }
    }
}

impl Verfahren {
    /// Streams one file into the store and records it as a version of `vorgang` (already
    /// checked by the caller: [`Verfahren::vorgang_fuer_aenderung`] for Bauvorlagen, the
    /// Stelle's request for attachments). A Bauvorlage whose bytes are the current version of
    /// a document of the case already is refused as a duplicate ([`HochladeFehler::Doppelt`]),
    /// as a new document and as a new version. On any refusal nothing remains (and nothing
    /// stored before is touched).
    pub async fn hochladen<S, E>(
        &self,
        akteur: &Akteur,
        vorgang: &Antrag,
        ziel: Ziel<'_>,
        dateiname: &str,
        grenzen: Hochladegrenzen,
        body: S,
    ) -> Result<Version, HochladeFehler>
    where
        S: Stream<Item = Result<Bytes, E>> + Unpin,
        E: std::fmt::Display,
    {
        let mut body = zeitbegrenzt(body, grenzen.leerlauf, grenzen.gesamt);
        // Sniff the type from the first bytes before anything is stored.
        let mut prefix: Vec<u8> = Vec::with_capacity(SNIFF_BYTES);
        let mut ended = false;
        while prefix.len() < SNIFF_BYTES {
            match body.next().await {
                Some(Ok(chunk)) => prefix.extend_from_slice(&chunk),
                Some(Err(e)) => {
                    return Err(Fehler::ungueltig(format!(
                        "Die Übertragung der Datei ist abgebrochen ({e})."
                    ))
                    .into());
                }
                None => {
                    ended = true;
                    break;
                }
            }
        }
        if prefix.is_empty() && ended {
            return Err(HochladeFehler::Leer);
        }
        if let Some(t) = plankammer_domain::dateityp::kein_pdf(&prefix) {
            return Err(HochladeFehler::KeinPdf(t));
        }
        // The Bauvorlagen share the case's quota; a request's attachments have their own,
        // of the same size, so a Stelle never uses up the applicants' room.
        let used = match ziel {
            Ziel::Anlage { beteiligung_id } => self.db.anlagen_bytes(beteiligung_id).await,
            _ => self.db.vorgang_bytes(vorgang.id).await,
        }
        .map_err(Fehler::from)?
        .max(0) as u64;
        let room = grenzen.vorgang.saturating_sub(used);
        let limit = grenzen.datei.min(room);
        let head = stream::iter([Ok::<Bytes, String>(Bytes::from(prefix))]);
        let rest = body;
        let stored = match self.blobs.put_stream(head.chain(rest), limit).await {
            Ok(s) => s,
            Err(BlobError::TooLarge { .. }) if room < grenzen.datei => {
                return Err(match ziel {
                    Ziel::Anlage { .. } => HochladeFehler::AnfrageVoll(grenzen.vorgang),
                    _ => HochladeFehler::VorgangVoll(grenzen.vorgang),
                });
            }
            Err(BlobError::TooLarge { .. }) => {
                return Err(HochladeFehler::DateiZuGross(grenzen.datei));
            }
            Err(BlobError::Source(e)) => {
                return Err(Fehler::ungueltig(format!(
                    "Die Übertragung der Datei ist abgebrochen ({e})."
                ))
                .into());
            }
            Err(e) => return Err(Fehler::speicher(e).into()),
        };
        let dateiname = sichere_dateiname(dateiname);
        let (dokument_id, bezeichnung, anlageart, anlage_von) = match ziel {
            Ziel::NeuesDokument {
                bezeichnung,
                anlageart,
            } => (None, bezeichnung, anlageart, None),
            Ziel::NeueVersion { dokument_id } => (Some(dokument_id), "", None, None),
            Ziel::Anlage { beteiligung_id } => (None, "", None, Some(beteiligung_id)),
        };
        let bezeichnung = if bezeichnung.trim().is_empty() {
            dateiname.trim_end_matches(".pdf").to_string()
        } else {
            bezeichnung.trim().to_string()
        };
        let now = now_millis();
        let record = async {
            let mut tx = self.db.begin().await?;
            // The case row is locked until commit: a submission, a decision or another
            // upload to this case waits, so the state and the quota checked here stay true
            // for the version recorded below (a slow upload that ends after the case was
            // submitted is refused, and parallel uploads cannot overshoot the quota).
            let zustand = Db::sperre_vorgang(&mut tx, vorgang.id).await?;
            if anlage_von.is_none() && zustand != vorgang.zustand && !zustand.unterlagen_aenderbar() {
                return Err(Fehler::konflikt(
                    "Der Vorgang wurde während des Hochladens eingereicht oder weitergeführt; Unterlagen können jetzt nicht mehr geändert werden.",
                ));
            }
            let belegt = Db::belegte_bytes(&mut tx, vorgang.id, anlage_von).await?.max(0) as u64;
            if belegt.saturating_add(stored.size) > grenzen.vorgang {
                return Ok(Err(match anlage_von {
                    Some(_) => HochladeFehler::AnfrageVoll(grenzen.vorgang),
                    None => HochladeFehler::VorgangVoll(grenzen.vorgang),
                }));
            }
            // Each version costs four pipeline jobs: a case holds a bounded number.
            let (dokumente, versionen) = Db::unterlagen_gezaehlt(&mut tx, vorgang.id).await?;
            if versionen >= MAX_VERSIONEN_JE_VORGANG
                || (dokument_id.is_none() && dokumente >= MAX_DOKUMENTE_JE_VORGANG)
            {
                return Ok(Err(HochladeFehler::ZuVieleUnterlagen(
                    if versionen >= MAX_VERSIONEN_JE_VORGANG { versionen } else { dokumente },
                )));
            }
            if anlage_von.is_none()
                && let Some(vorhanden) =
                    Db::aktuelles_dokument_mit_inhalt(&mut tx, vorgang.id, &stored.sha256).await?
            {
                return Ok(Err(HochladeFehler::Doppelt(vorhanden)));
            }
            let neu = NeueVersion {
                vorgang_id: vorgang.id,
                tenant_id: vorgang.tenant_id,
                dokument_id,
                bezeichnung: &bezeichnung,
                anlageart,
                sha256: &stored.sha256,
                groesse: stored.size as i64,
                dateiname: &dateiname,
                user_id: akteur.user_id,
            };
            let version = Db::add_version(&mut tx, &neu, now).await?;
            if let Some(bid) = anlage_von {
                Db::markiere_als_anlage(&mut tx, version.dokument_id, bid).await?;
            }
            Db::enqueue_stufe(&mut tx, version.id, vorgang.tenant_id, STUFE_VALIDATE, now).await?;
            if anlage_von.is_none() {
                // A new Bauvorlage or version: a Freizeichnung that covered the old set no
                // longer does.
                self.freizeichnung_nach_aenderung(&mut tx, vorgang.id, Some(akteur), now)
                    .await?;
            }
            Db::audit(
                &mut tx,
                AuditEvent {
                    tenant_id: Some(vorgang.tenant_id),
                    actor_user_id: Some(akteur.user_id),
                    action: "dokument.hochladen",
                    object_type: "dokument_version",
                    object_id: Some(version.id.to_string()),
                    detail: serde_json::json!({ "vorgang_id": vorgang.id, "dokument_id": version.dokument_id, "beteiligung_id": anlage_von, "groesse": stored.size, "sha256": stored.sha256 }),
                },
                now,
            )
            .await?;
            tx.commit().await?;
            Ok::<_, Fehler>(Ok(version))
        }
        .await;
        match record {
            Ok(Err(refusal)) => {
                self.verwaiste_bytes_entfernen(stored.new, &stored.sha256)
                    .await;
                Err(refusal)
            }
            Ok(Ok(v)) => {
                tracing::info!(
                    vorgang_id = vorgang.id,
                    version_id = v.id,
                    bytes = stored.size,
                    new_blob = stored.new,
                    "document version stored"
                );
                Ok(v)
            }
            Err(e) => {
                self.verwaiste_bytes_entfernen(stored.new, &stored.sha256)
                    .await;
                Err(e.into())
            }
        }
    }

    /// Removes the bytes of an upload that was not recorded, if they were new to the store
    /// and no version took the same bytes meanwhile (a parallel upload of the same file);
    /// otherwise the maintenance job finds them later.
    async fn verwaiste_bytes_entfernen(&self, neu: bool, sha256: &str) {
        if !neu {
            return;
        }
        match self.db.unreferenced_blobs(&[sha256.to_string()]).await {
            Ok(frei) if frei.iter().any(|s| s == sha256) => {
                if let Err(del) = self.blobs.delete(sha256).await {
                    tracing::warn!(error = %del, "could not remove the bytes of a refused upload; maintenance will");
                }
            }
            Ok(_) => {}
            Err(e) => {
                tracing::warn!(error = %e, "could not check the bytes of a refused upload; maintenance will")
            }
        }
    }

    /// Writes the audit entry of a read of document content.
    async fn lesen_vermerken(
        &self,
        akteur: &Akteur,
        a: &Antrag,
        version: &Version,
        action: &str,
        detail: serde_json::Value,
    ) -> Ergebnis<()> {
        self.gelesen(
            akteur,
            a,
            action,
            "dokument_version",
            version.id.to_string(),
            detail,
        )
        .await
    }

    /// The one place a read of personal data or document content is audited: who read
    /// what of which case. Only ids and counts go into the entry, never the content.
    pub(crate) async fn gelesen(
        &self,
        akteur: &Akteur,
        a: &Antrag,
        action: &str,
        object_type: &str,
        object_id: String,
        detail: serde_json::Value,
    ) -> Ergebnis<()> {
        self.db
            .audit_now(
                AuditEvent {
                    tenant_id: Some(a.tenant_id),
                    actor_user_id: Some(akteur.user_id),
                    action,
                    object_type,
                    object_id: Some(object_id),
                    detail,
                },
                now_millis(),
            )
            .await?;
        Ok(())
    }

    /// The case with its Angaben (names, addresses of the Bauherrschaft and the
    /// Entwurfsverfasser) for whoever sees it ([`Verfahren::vorgang`]), audited as read.
    /// `was` says what was shown: `akte` (the case page or record), `dokumente` (the
    /// documents with their extracted metadata).
    pub async fn akte_lesen(
        &self,
        akteur: &Akteur,
        id: i64,
        was: &str,
        lesart: Lesart,
    ) -> Ergebnis<Antrag> {
        let a = self.vorgang(akteur, id).await?;
        self.gelesen(
            akteur,
            &a,
            "vorgang.lesen",
            "vorgang",
            a.id.to_string(),
            serde_json::json!({ "was": was, "via": lesart.code() }),
        )
        .await?;
        Ok(a)
    }

    /// A version's record with its extracted metadata (title block, pages), audited.
    pub async fn version_lesen(
        &self,
        akteur: &Akteur,
        version_id: i64,
        lesart: Lesart,
    ) -> Ergebnis<(Antrag, Version)> {
        let (a, version) = self.version(akteur, version_id).await?;
        self.lesen_vermerken(
            akteur,
            &a,
            &version,
            "dokument.metadaten",
            serde_json::json!({ "vorgang_id": a.id, "via": lesart.code() }),
        )
        .await?;
        Ok((a, version))
    }

    /// The bytes of a version this person may read ([`Verfahren::version`]), audited.
    pub async fn version_herunterladen(
        &self,
        akteur: &Akteur,
        version_id: i64,
        lesart: Lesart,
    ) -> Ergebnis<(Antrag, Version, Inhalt)> {
        let (a, version) = self.version(akteur, version_id).await?;
        let inhalt = self.inhalt(&version.sha256).await?;
        self.lesen_vermerken(
            akteur,
            &a,
            &version,
            "dokument.lesen",
            serde_json::json!({ "vorgang_id": a.id, "via": lesart.code() }),
        )
        .await?;
        Ok((a, version, inhalt))
    }

    /// A stored preview image of a version this person may read (`seite`: that page's
    /// thumbnail; `None`: the large preview of page 1), audited. 404 while none is made.
    pub async fn vorschau(
        &self,
        akteur: &Akteur,
        version_id: i64,
        seite: Option<i64>,
    ) -> Ergebnis<Bytes> {
        let (a, version) = self.version(akteur, version_id).await?;
        let sha = match seite {
            None => self.db.vorschau_gross(version.id).await?,
            Some(n) => self
                .db
                .seiten(version.id)
                .await?
                .into_iter()
                .find(|s| s.nummer == n)
                .and_then(|s| s.vorschau_sha256),
        }
        .ok_or(Fehler::NichtGefunden)?;
        let bytes = self.blobs.get_bytes(&sha).await.map_err(Fehler::speicher)?;
        let bild = match seite {
            None => "gross".to_string(),
            Some(n) => format!("seite {n}"),
        };
        self.lesen_vermerken(
            akteur,
            &a,
            &version,
            "dokument.vorschau",
            serde_json::json!({ "vorgang_id": a.id, "bild": bild }),
        )
        .await?;
        Ok(bytes)
    }

    /// The bytes at a content address (for a read whose access the step decided).
    pub(crate) async fn inhalt(&self, sha256: &str) -> Ergebnis<Inhalt> {
        let (groesse, daten) = self
            .blobs
            .get_stream(sha256)
            .await
            .map_err(Fehler::speicher)?;
        Ok(Inhalt {
            groesse,
            daten: daten.map(|r| r.map_err(std::io::Error::other)).boxed(),
        })
    }
}

/// The longest search a person may type.
pub const MAX_SUCHE: usize = 200;

impl Verfahren {
    /// Pages of the case's Bauvorlagen that contain all words of `q`, best first (at most
    /// 50), for whoever sees the case. A Stelle's attachments are not Bauvorlagen and are
    /// never among them.
    pub async fn suche(
        &self,
        akteur: &Akteur,
        vorgang_id: i64,
        q: &str,
    ) -> Ergebnis<Vec<plankammer_storage::suche::Treffer>> {
        let a = self.vorgang(akteur, vorgang_id).await?;
        if q.chars().count() > MAX_SUCHE {
            return Err(Fehler::ungueltig(format!(
                "Die Suche ist zu lang (höchstens {MAX_SUCHE} Zeichen)."
            )));
        }
        let treffer = self.db.suche(a.id, q).await?;
        let anlagen = self.db.anlagen_versionen_des_vorgangs(a.id).await?;
        let treffer: Vec<_> = treffer
            .into_iter()
            .filter(|t| !anlagen.contains(&t.version_id))
            .collect();
        // The hits carry text excerpts of the plans: a read of document content. The words
        // searched for are not kept (they may be names).
        self.gelesen(
            akteur,
            &a,
            "dokument.suche",
            "vorgang",
            a.id.to_string(),
            serde_json::json!({ "treffer": treffer.len() }),
        )
        .await?;
        Ok(treffer)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_read_like_people_write_them() {
        assert_eq!(mb(12), "12 Byte");
        assert_eq!(mb(820_000), "820 KB");
        assert_eq!(mb(1_500_000), "1,5 MB");
        assert_eq!(mb(250_000_000), "250 MB");
    }

    #[test]
    fn file_names_are_made_safe() {
        assert_eq!(sichere_dateiname("../../etc/passwd"), "passwd.pdf");
        assert_eq!(
            sichere_dateiname("C:\\Pläne\\EG Grundriss.PDF"),
            "EG Grundriss.PDF"
        );
        assert_eq!(sichere_dateiname("a\u{0}b\"c<d>.pdf"), "a_b_c_d_.pdf");
        // A right-to-left override would show "Planexe.pdf".
        assert_eq!(sichere_dateiname("Plan\u{202E}fdp.exe"), "Plan_fdp.exe.pdf");
        assert_eq!(
            sichere_dateiname("\u{FEFF}EG\u{200B}\u{2066}.pdf"),
            "_EG__.pdf"
        );
        assert_eq!(sichere_dateiname(""), "dokument.pdf");
        assert_eq!(sichere_dateiname(".pdf"), "dokument.pdf");
        assert_eq!(sichere_dateiname(&"x".repeat(500)).chars().count(), 120);
    }

    #[test]
    fn anlagearten_of_forms_are_codes_of_the_list() {
        assert_eq!(anlageart_angabe(None).unwrap(), None);
        assert_eq!(anlageart_angabe(Some(" ")).unwrap(), None);
        assert_eq!(
            anlageart_angabe(Some("2001")).unwrap().unwrap().code(),
            "2001"
        );
        assert!(anlageart_angabe(Some("20x1")).is_err());
    }
}
