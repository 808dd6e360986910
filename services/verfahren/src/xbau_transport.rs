//! How XBau messages and the files beside them move (issue 14): the temporary folder a
//! receiving transport writes files into while hashing them, files read from disk, the
//! interface of a transport the server drives ([`Postweg`]) and its folder adapter. What a
//! message means is decided in [`crate::xbau_austausch`], once for every transport.

use crate::Verfahren;
use crate::dokumente::{Hochladegrenzen, Inhalt};
use crate::fehler::{Ergebnis, Fehler};
use crate::xbau_austausch::{Beilagedatei, EingehendeNachricht, Empfang};
use bytes::Bytes;
use futures::StreamExt;
use plankammer_storage::xbau::{Beilage, JournalEintrag, XbauPartner};
use std::path::PathBuf;

/// Streams a file from disk in 64 KiB pieces.
pub(crate) fn datei_strom(
    pfad: PathBuf,
) -> impl futures::Stream<Item = Result<Bytes, std::io::Error>> + Unpin + Send + 'static {
    use tokio::io::AsyncReadExt;
    Box::pin(futures::stream::unfold(
        (None::<tokio::fs::File>, pfad, false),
        |(datei, pfad, fertig)| async move {
            if fertig {
                return None;
            }
            let mut datei = match datei {
                Some(d) => d,
                None => match tokio::fs::File::open(&pfad).await {
                    Ok(d) => d,
                    Err(e) => return Some((Err(e), (None, pfad, true))),
                },
            };
            let mut puffer = vec![0u8; 64 * 1024];
            match datei.read(&mut puffer).await {
                Ok(0) => None,
                Ok(n) => {
                    puffer.truncate(n);
                    Some((Ok(Bytes::from(puffer)), (Some(datei), pfad, false)))
                }
                Err(e) => Some((Err(e), (None, pfad, true))),
            }
        },
    ))
}

/// A folder of the system's temporary directory for the files of one incoming message,
/// removed with everything in it when dropped. Transports that receive bytes (the HTTP
/// exchange) write each file here while hashing it: a file is never held in memory whole
/// (the bound is one 64 KiB piece, plus what the transport buffers).
pub struct Zwischenablage {
    ordner: PathBuf,
}

impl Zwischenablage {
    pub async fn neu() -> std::io::Result<Zwischenablage> {
        let ordner = std::env::temp_dir().join(format!(
            "plankammer-xbau-{}",
            plankammer_storage::random_token(12).to_lowercase()
        ));
        tokio::fs::create_dir_all(&ordner).await?;
        Ok(Zwischenablage { ordner })
    }

    /// Writes one file (at most `grenze` bytes; `Err` with German words beyond, or when the
    /// stream breaks) and returns it as a Beilage.
    pub async fn aufnehmen<S, E>(
        &self,
        name: &str,
        strom: S,
        grenze: u64,
    ) -> Result<Beilagedatei, String>
    where
        S: futures::Stream<Item = Result<Bytes, E>> + Unpin,
        E: std::fmt::Display,
    {
        use sha2::{Digest, Sha256};
        use tokio::io::AsyncWriteExt;
        let nr = std::fs::read_dir(&self.ordner)
            .map(|d| d.count())
            .unwrap_or(0);
        let pfad = self.ordner.join(format!("{nr:04}.bin"));
        let mut datei = tokio::fs::File::create(&pfad)
            .await
            .map_err(|e| format!("Die Datei konnte nicht zwischengespeichert werden ({e})."))?;
        let mut h = Sha256::new();
        let mut groesse: u64 = 0;
        let mut strom = strom;
        while let Some(teil) = strom.next().await {
            let teil =
                teil.map_err(|e| format!("Die Übertragung von „{name}“ ist abgebrochen ({e})."))?;
            groesse = groesse.saturating_add(teil.len() as u64);
            if groesse > grenze {
                return Err(format!(
                    "Die Datei „{name}“ ist größer als {}.",
                    crate::dokumente::mb(grenze)
                ));
            }
            h.update(&teil);
            datei
                .write_all(&teil)
                .await
                .map_err(|e| format!("Die Datei konnte nicht zwischengespeichert werden ({e})."))?;
        }
        datei
            .flush()
            .await
            .map_err(|e| format!("Die Datei konnte nicht zwischengespeichert werden ({e})."))?;
        Ok(Beilagedatei {
            name: name.to_string(),
            pfad,
            groesse,
            sha256: hex::encode(h.finalize()),
        })
    }
}

impl Drop for Zwischenablage {
    fn drop(&mut self) {
        if let Err(e) = std::fs::remove_dir_all(&self.ordner) {
            tracing::warn!(error = %e, "could not remove an XBau spool folder");
        }
    }
}

/// A file already on disk (the folder adapter, `plankammer xbau import`), hashed by
/// streaming it once.
pub async fn beilage_von_datei(pfad: &std::path::Path) -> std::io::Result<Beilagedatei> {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    let mut groesse: u64 = 0;
    let mut strom = datei_strom(pfad.to_path_buf());
    while let Some(teil) = strom.next().await {
        let teil = teil?;
        groesse += teil.len() as u64;
        h.update(&teil);
    }
    Ok(Beilagedatei {
        name: pfad
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default(),
        pfad: pfad.to_path_buf(),
        groesse,
        sha256: hex::encode(h.finalize()),
    })
}

/// A transport that the server drives (the folder adapter; an XTA 2 / OSCI client would be
/// another): it hands over what arrived and delivers what is due. The procedure behind it
/// is [`Verfahren::xbau_empfangen`] and [`Verfahren::xbau_postausgang`], the same as the
/// HTTP exchange's, so a new transport touches no step.
#[allow(async_fn_in_trait)]
pub trait Postweg {
    /// A message waiting to be received, with its handle for [`Postweg::erledigt`].
    type Handle;
    /// What arrived since the last call.
    async fn abholen(&self) -> std::io::Result<Vec<(Self::Handle, EingehendeNachricht)>>;
    /// The message was taken or refused (the answer is in the outbox).
    async fn erledigt(&self, handle: Self::Handle, empfang: &Empfang) -> std::io::Result<()>;
    /// Delivers one outgoing message with its files; only after `Ok` is it marked fetched.
    async fn zustellen(
        &self,
        nachricht: &JournalEintrag,
        beilagen: Vec<(Beilage, Inhalt)>,
    ) -> std::io::Result<()>;
}

/// What one round over a transport did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Runde {
    pub angenommen: usize,
    pub zurueckgewiesen: usize,
    pub zugestellt: usize,
}

impl Verfahren {
    /// One round over a server-driven transport: receive what arrived, deliver what is due.
    pub async fn xbau_postweg<P: Postweg>(
        &self,
        partner: &XbauPartner,
        weg: &P,
        grenzen: Hochladegrenzen,
    ) -> Ergebnis<Runde> {
        let mut runde = Runde::default();
        for (handle, n) in weg.abholen().await.map_err(Fehler::intern)? {
            let e = self.xbau_empfangen(partner, n, grenzen).await?;
            match e {
                Empfang::Angenommen { .. } => runde.angenommen += 1,
                Empfang::Zurueckgewiesen { .. } => runde.zurueckgewiesen += 1,
            }
            weg.erledigt(handle, &e).await.map_err(Fehler::intern)?;
        }
        for kurz in self.xbau_postausgang(partner).await? {
            let e = self.xbau_ausgehend(partner, &kurz.uuid).await?;
            let mut beilagen = Vec::new();
            for nr in 0..e.beilagen.len() {
                beilagen.push(self.xbau_beilage(partner, &e.uuid, nr).await?);
            }
            weg.zustellen(&e, beilagen).await.map_err(Fehler::intern)?;
            self.xbau_abgeholt(partner, &e.uuid).await?;
            runde.zugestellt += 1;
        }
        Ok(runde)
    }
}

/// The folder adapter: messages arrive as `<name>.xml` in the inbox with their files in a
/// folder `<name>/` beside it (named as their `anlage` entries' `dateiname`), and move to
/// `angenommen/` or `zurueckgewiesen/` once read; outgoing messages are written to the
/// outbox as `<uuid>.xml` with their files in `<uuid>/` (each written beside and renamed, so
/// a reader never sees half a file; the message last).
pub struct Ordnerpostweg {
    pub eingang: PathBuf,
    pub ausgang: PathBuf,
}

impl Postweg for Ordnerpostweg {
    type Handle = PathBuf;

    async fn abholen(&self) -> std::io::Result<Vec<(PathBuf, EingehendeNachricht)>> {
        let mut namen = Vec::new();
        let mut dir = tokio::fs::read_dir(&self.eingang).await?;
        while let Some(e) = dir.next_entry().await? {
            let p = e.path();
            if p.extension().is_some_and(|x| x == "xml") && e.file_type().await?.is_file() {
                namen.push(p);
            }
        }
        namen.sort();
        let mut aus = Vec::new();
        for p in namen {
            // A message larger than a message may be is read only as far as the check needs.
            let xml = {
                use tokio::io::AsyncReadExt;
                let f = tokio::fs::File::open(&p).await?;
                let mut v = Vec::new();
                f.take(plankammer_xbau::pruefung::MAX_NACHRICHT as u64 + 1)
                    .read_to_end(&mut v)
                    .await?;
                v
            };
            let mut beilagen = Vec::new();
            let ordner = p.with_extension("");
            if let Ok(mut d) = tokio::fs::read_dir(&ordner).await {
                while let Some(e) = d.next_entry().await? {
                    if e.file_type().await?.is_file() {
                        beilagen.push(beilage_von_datei(&e.path()).await?);
                    }
                }
            }
            beilagen.sort_by(|a, b| a.name.cmp(&b.name));
            aus.push((p, EingehendeNachricht { xml, beilagen }));
        }
        Ok(aus)
    }

    async fn erledigt(&self, handle: PathBuf, empfang: &Empfang) -> std::io::Result<()> {
        let ziel = self.eingang.join(match empfang {
            Empfang::Angenommen { .. } => "angenommen",
            Empfang::Zurueckgewiesen { .. } => "zurueckgewiesen",
        });
        tokio::fs::create_dir_all(&ziel).await?;
        let name = handle.file_name().unwrap_or_default().to_owned();
        let ordner = handle.with_extension("");
        if tokio::fs::metadata(&ordner).await.is_ok() {
            let z = ziel.join(ordner.file_name().unwrap_or_default());
            let _ = tokio::fs::remove_dir_all(&z).await;
            tokio::fs::rename(&ordner, z).await?;
        }
        tokio::fs::rename(&handle, ziel.join(name)).await
    }

    async fn zustellen(
        &self,
        nachricht: &JournalEintrag,
        beilagen: Vec<(Beilage, Inhalt)>,
    ) -> std::io::Result<()> {
        use tokio::io::AsyncWriteExt;
        let uuid = plankammer_xbau::nachrichten::dateiname(&nachricht.uuid);
        if !beilagen.is_empty() {
            let ordner = self.ausgang.join(uuid.trim_end_matches(".bin"));
            tokio::fs::create_dir_all(&ordner).await?;
            for (b, mut inhalt) in beilagen {
                let name = plankammer_xbau::nachrichten::dateiname(&b.dateiname);
                let tmp = ordner.join(format!(".{name}.teil"));
                let mut f = tokio::fs::File::create(&tmp).await?;
                while let Some(teil) = inhalt.daten.next().await {
                    f.write_all(&teil?).await?;
                }
                f.flush().await?;
                tokio::fs::rename(&tmp, ordner.join(name)).await?;
            }
        }
        let stamm = uuid.trim_end_matches(".bin");
        let tmp = self.ausgang.join(format!(".{stamm}.xml.teil"));
        tokio::fs::write(&tmp, nachricht.xml.as_bytes()).await?;
        tokio::fs::rename(&tmp, self.ausgang.join(format!("{stamm}.xml"))).await
    }
}
