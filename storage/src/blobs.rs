//! The document store: bytes addressed by their SHA-256, in a local folder or any
//! S3-compatible store through `object_store`.
//!
//! An upload streams to a temporary object while the hash is computed, then moves to its
//! content address `sha256/ab/abcdef…`; the same bytes are therefore stored once. Nothing is
//! ever held whole in memory, and an upload that passes its size limit is aborted and
//! leaves nothing behind.

use bytes::{Bytes, BytesMut};
use futures::stream::FuturesUnordered;
use futures::{Stream, StreamExt};
use object_store::path::Path;
use object_store::{ObjectStore, PutPayload};
use sha2::{Digest, Sha256};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

#[derive(Debug, thiserror::Error)]
pub enum BlobError {
    #[error("upload exceeds the limit of {limit} bytes")]
    TooLarge { limit: u64 },
    #[error("reading the upload failed: {0}")]
    Source(String),
    #[error("object store: {0}")]
    Store(#[from] object_store::Error),
    #[error("invalid OBJECT_STORE_URL: {0}")]
    Config(String),
    #[error("not a SHA-256 hex digest")]
    BadDigest,
}

impl BlobError {
    /// The store did not answer as it should (refused, timed out, an error status after the
    /// retries): it is away for now. A missing object is not that, nor is bad input.
    pub fn nicht_erreichbar(&self) -> bool {
        matches!(self, BlobError::Store(e) if !matches!(e, object_store::Error::NotFound { .. }))
    }
}

/// A part on its way to the store, in a task of its own (holding its share of the buffer).
type Teil = tokio::task::JoinHandle<object_store::Result<()>>;

/// Sends a part in a task of its own: it goes on while its upload reads on or waits, and
/// frees its share of the buffer when it is stored.
fn teil_senden(
    upload: &mut dyn object_store::MultipartUpload,
    daten: BytesMut,
    gehalten: OwnedSemaphorePermit,
) -> Teil {
    let fertig = upload.put_part(PutPayload::from(daten.freeze()));
    tokio::spawn(async move {
        let r = fertig.await;
        drop(gehalten);
        r
    })
}

fn teil_fertig(
    r: Result<object_store::Result<()>, tokio::task::JoinError>,
) -> Result<(), BlobError> {
    match r {
        Ok(r) => Ok(r?),
        Err(e) => Err(BlobError::Source(format!("part upload task: {e}"))),
    }
}

/// What was stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredBlob {
    pub sha256: String,
    pub size: u64,
    /// `false` when identical bytes were stored before.
    pub new: bool,
}

#[derive(Clone, Debug)]
pub struct BlobStore {
    store: Arc<dyn ObjectStore>,
    description: String,
    /// The upload buffer of the process, in bytes: every part being filled or on its way
    /// holds [`PART_SIZE`] of it (see [`BlobStore::mit_puffer`]).
    puffer: Arc<Semaphore>,
}

/// Parts of 8 MiB, at most 2 in flight: an upload holds at most ~24 MiB of buffers, and all
/// uploads together no more than the store's buffer.
const PART_SIZE: usize = 8 * 1024 * 1024;
/// What all uploads through one store may hold in memory at once unless
/// [`BlobStore::mit_puffer`] says otherwise: eight parts.
pub const UPLOAD_PUFFER: u64 = 8 * PART_SIZE as u64;
const PARTS_IN_FLIGHT: usize = 2;

/// Retries of one S3 request that failed for a transient reason (connection refused, 5xx).
pub const S3_VERSUCHE: usize = 4;
/// No retry starts later than this after the first attempt: an S3 server that is away is
/// reported within seconds (an upload is answered 503), not after object_store's default
/// of three minutes.
pub const S3_WIEDERHOLEN_BIS: Duration = Duration::from_secs(15);
/// Connecting to the S3 server.
pub const S3_VERBINDEN: Duration = Duration::from_secs(3);
/// One S3 request from start to its last byte (a part of an upload is 8 MiB).
pub const S3_ANFRAGE: Duration = Duration::from_secs(60);

impl BlobStore {
    /// `file:///abs/path` (created if missing) or `s3://bucket` (credentials, region and
    /// endpoint from the usual `AWS_*` variables; `AWS_ENDPOINT_URL=http://…` allows HTTP).
    pub fn from_url(url: &str) -> Result<BlobStore, BlobError> {
        if let Some(path) = url.strip_prefix("file://") {
            if !path.starts_with('/') {
                return Err(BlobError::Config(
                    "file:// needs an absolute path, e.g. file:///var/lib/plankammer/dokumente"
                        .into(),
                ));
            }
            std::fs::create_dir_all(path)
                .map_err(|e| BlobError::Config(format!("creating {path}: {e}")))?;
            let fs = object_store::local::LocalFileSystem::new_with_prefix(path)?
                .with_automatic_cleanup(true);
            return Ok(BlobStore {
                store: Arc::new(fs),
                description: format!("local folder {path}"),
                puffer: Arc::new(Semaphore::new(UPLOAD_PUFFER as usize)),
            });
        }
        if let Some(bucket) = url.strip_prefix("s3://") {
            let bucket = bucket.trim_end_matches('/');
            if bucket.is_empty() || bucket.contains('/') {
                return Err(BlobError::Config(
                    "s3:// needs a bucket name and nothing else, e.g. s3://plankammer".into(),
                ));
            }
            let endpoint = std::env::var("AWS_ENDPOINT_URL")
                .or_else(|_| std::env::var("AWS_ENDPOINT"))
                .ok();
            return Self::s3_bauen(
                object_store::aws::AmazonS3Builder::from_env(),
                bucket,
                endpoint.as_deref(),
            );
        }
        Err(BlobError::Config("must start with file:// or s3://".into()))
    }

    /// An S3 bucket with its access given here rather than by the `AWS_*` variables (a test
    /// process that talks to several servers).
    pub fn s3_mit(
        bucket: &str,
        endpoint: &str,
        access_key_id: &str,
        secret_access_key: &str,
        region: &str,
    ) -> Result<BlobStore, BlobError> {
        let b = object_store::aws::AmazonS3Builder::new()
            .with_access_key_id(access_key_id)
            .with_secret_access_key(secret_access_key)
            .with_region(region);
        Self::s3_bauen(b, bucket, Some(endpoint))
    }

    /// The bucket, the limits every S3 store gets (see [`S3_VERSUCHE`] and the constants
    /// beside it; set key by key, so client options from the environment stay), and the
    /// endpoint (plain HTTP allowed when it says so).
    fn s3_bauen(
        b: object_store::aws::AmazonS3Builder,
        bucket: &str,
        endpoint: Option<&str>,
    ) -> Result<BlobStore, BlobError> {
        use object_store::ClientConfigKey;
        use object_store::aws::AmazonS3ConfigKey;
        let sekunden = |d: Duration| format!("{}s", d.as_secs());
        let mut b = b
            .with_bucket_name(bucket)
            .with_retry(object_store::RetryConfig {
                backoff: Default::default(),
                max_retries: S3_VERSUCHE,
                retry_timeout: S3_WIEDERHOLEN_BIS,
            })
            .with_config(
                AmazonS3ConfigKey::Client(ClientConfigKey::ConnectTimeout),
                sekunden(S3_VERBINDEN),
            )
            .with_config(
                AmazonS3ConfigKey::Client(ClientConfigKey::Timeout),
                sekunden(S3_ANFRAGE),
            );
        if let Some(ep) = endpoint {
            b = b
                .with_allow_http(ep.starts_with("http://"))
                .with_endpoint(ep);
        }
        let s3 = b.build()?;
        Ok(BlobStore {
            store: Arc::new(s3),
            description: format!("S3 bucket {bucket}"),
            puffer: Arc::new(Semaphore::new(UPLOAD_PUFFER as usize)),
        })
    }

    pub fn description(&self) -> &str {
        &self.description
    }

    fn content_path(sha256: &str) -> Result<Path, BlobError> {
        if sha256.len() != 64
            || !sha256
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        {
            return Err(BlobError::BadDigest);
        }
        Ok(Path::from(format!("sha256/{}/{}", &sha256[..2], sha256)))
    }

    /// Streams `body` into the store, hashing as it goes; refuses more than `limit` bytes.
    pub async fn put_stream<S, E>(&self, mut body: S, limit: u64) -> Result<StoredBlob, BlobError>
    where
        S: Stream<Item = Result<Bytes, E>> + Unpin,
        E: std::fmt::Display,
    {
        let tmp = Path::from(format!("tmp/{}", crate::random_token(16)));
        let mut upload = self.store.put_multipart(&tmp).await?;
        let mut hasher = Sha256::new();
        let mut size: u64 = 0;
        // The part being filled, and the share of the process's buffer it holds; the parts
        // on their way to the store, each holding its share until it is stored.
        let mut teil = BytesMut::new();
        let mut anteil: Option<OwnedSemaphorePermit> = None;
        let mut unterwegs: FuturesUnordered<Teil> = FuturesUnordered::new();
        let mut teile = 0usize;
        let result: Result<(), BlobError> = async {
            loop {
                let Some(chunk) = body.next().await else {
                    // The last part whatever its size; an empty upload is one empty part.
                    if !teil.is_empty() || teile == 0 {
                        let gehalten = match anteil.take() {
                            Some(a) => a,
                            None => self.anteil(&mut unterwegs).await?,
                        };
                        unterwegs.push(teil_senden(&mut *upload, teil.split(), gehalten));
                        teile += 1;
                    }
                    break;
                };
                let mut chunk = chunk.map_err(|e| BlobError::Source(e.to_string()))?;
                size += chunk.len() as u64;
                if size > limit {
                    return Err(BlobError::TooLarge { limit });
                }
                hasher.update(&chunk);
                // Into parts of exactly PART_SIZE, each its own allocation: a part shares
                // no memory with the next, so a stored part frees all of its bytes even
                // while its upload waits for the next share.
                while !chunk.is_empty() {
                    if anteil.is_none() {
                        anteil = Some(self.anteil(&mut unterwegs).await?);
                        teil = BytesMut::with_capacity(PART_SIZE);
                    }
                    let n = (PART_SIZE - teil.len()).min(chunk.len());
                    teil.extend_from_slice(&chunk.split_to(n));
                    if teil.len() == PART_SIZE {
                        let gehalten = anteil.take().expect("a share is held while filling");
                        unterwegs.push(teil_senden(&mut *upload, teil.split(), gehalten));
                        teile += 1;
                    }
                }
            }
            while let Some(r) = unterwegs.next().await {
                teil_fertig(r)?;
            }
            Ok(())
        }
        .await;
        if let Err(e) = result {
            // Leave nothing behind: abort the multipart upload (and its parts).
            for t in unterwegs.iter() {
                t.abort();
            }
            let _ = upload.abort().await;
            let _ = self.store.delete(&tmp).await;
            return Err(e);
        }
        upload.complete().await?;
        let sha256 = hex::encode(hasher.finalize());
        let dest = Self::content_path(&sha256)?;
        let new = match self.store.head(&dest).await {
            Ok(_) => {
                self.store.delete(&tmp).await?;
                false
            }
            Err(object_store::Error::NotFound { .. }) => {
                self.store.rename(&tmp, &dest).await?;
                true
            }
            Err(e) => {
                let _ = self.store.delete(&tmp).await;
                return Err(e.into());
            }
        };
        Ok(StoredBlob { sha256, size, new })
    }

    /// The share of the process's upload buffer for one part ([`PART_SIZE`]): waits while
    /// this upload has [`PARTS_IN_FLIGHT`] parts on their way (finishing one of them), then
    /// while other uploads hold the whole buffer. So many uploads at once take no more
    /// memory than the buffer, and each of them slows down (TCP holds its client back)
    /// rather than the server growing.
    async fn anteil(
        &self,
        unterwegs: &mut FuturesUnordered<Teil>,
    ) -> Result<OwnedSemaphorePermit, BlobError> {
        while unterwegs.len() >= PARTS_IN_FLIGHT {
            if let Some(r) = unterwegs.next().await {
                teil_fertig(r)?;
            }
        }
        Ok(self
            .puffer
            .clone()
            .acquire_many_owned(PART_SIZE as u32)
            .await
            .expect("the buffer's semaphore is never closed"))
    }

    /// Bytes all uploads through this store may hold in memory at once (default
    /// [`UPLOAD_PUFFER`]; at least one part).
    pub fn mit_puffer(mut self, bytes: u64) -> BlobStore {
        let bytes = usize::try_from(bytes)
            .unwrap_or(usize::MAX)
            .max(PART_SIZE)
            .min(u32::MAX as usize);
        self.puffer = Arc::new(Semaphore::new(bytes));
        self
    }

    /// Stores bytes already in memory (small things: rendered previews, generated PDFs).
    pub async fn put_bytes(&self, bytes: Bytes) -> Result<StoredBlob, BlobError> {
        let limit = bytes.len() as u64;
        self.put_stream(
            futures::stream::iter([Ok::<_, std::convert::Infallible>(bytes)]),
            limit,
        )
        .await
    }

    /// The bytes at a content address, as a stream.
    pub async fn get_stream(
        &self,
        sha256: &str,
    ) -> Result<
        (
            u64,
            futures::stream::BoxStream<'static, object_store::Result<Bytes>>,
        ),
        BlobError,
    > {
        let r = self.store.get(&Self::content_path(sha256)?).await?;
        let size = r.meta.size;
        Ok((size, r.into_stream()))
    }

    pub async fn get_bytes(&self, sha256: &str) -> Result<Bytes, BlobError> {
        Ok(self
            .store
            .get(&Self::content_path(sha256)?)
            .await?
            .bytes()
            .await?)
    }

    pub async fn exists(&self, sha256: &str) -> Result<bool, BlobError> {
        match self.store.head(&Self::content_path(sha256)?).await {
            Ok(_) => Ok(true),
            Err(object_store::Error::NotFound { .. }) => Ok(false),
            Err(e) => Err(e.into()),
        }
    }

    pub async fn delete(&self, sha256: &str) -> Result<(), BlobError> {
        match self.store.delete(&Self::content_path(sha256)?).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(e.into()),
        }
    }

    /// Is the store reachable? (A missing probe object is fine; an error is not.)
    pub async fn ping(&self) -> Result<(), BlobError> {
        match self.store.head(&Path::from("readyz-probe")).await {
            Ok(_) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(e.into()),
        }
    }

    /// Objects under `prefix` last modified before `before` (Unix ms): (path, sha256 if a
    /// content address).
    pub async fn objects_older_than(
        &self,
        prefix: &str,
        before: i64,
    ) -> Result<Vec<(String, Option<String>)>, BlobError> {
        let mut out = Vec::new();
        let mut list = self.store.list(Some(&Path::from(prefix)));
        while let Some(meta) = list.next().await {
            let meta = meta?;
            if meta.last_modified.timestamp_millis() < before {
                let path = meta.location.to_string();
                let sha = path
                    .rsplit('/')
                    .next()
                    .filter(|n| n.len() == 64 && prefix == "sha256")
                    .map(str::to_string);
                out.push((path, sha));
            }
        }
        Ok(out)
    }

    /// Removes an object by its path in the store (maintenance only).
    pub async fn delete_path(&self, path: &str) -> Result<(), BlobError> {
        match self.store.delete(&Path::from(path)).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(e.into()),
        }
    }

    /// Names of everything under `tmp/`, for cleanup and for tests that check nothing leaked.
    pub async fn temporary_objects(&self) -> Result<Vec<String>, BlobError> {
        let mut out = Vec::new();
        let mut list = self.store.list(Some(&Path::from("tmp")));
        while let Some(meta) = list.next().await {
            out.push(meta?.location.to_string());
        }
        Ok(out)
    }
}
