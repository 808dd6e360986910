//! The document store on a local folder (the S3 path is tested against a real S3 server in
//! the tests crate).

use bytes::Bytes;
use plankammer_storage::blobs::{BlobError, BlobStore};
use plankammer_storage::testing::tempfile_dir::TempDir;

fn chunks(
    data: &[u8],
    size: usize,
) -> impl futures::Stream<Item = Result<Bytes, std::io::Error>> + Unpin {
    let parts: Vec<Result<Bytes, std::io::Error>> = data
        .chunks(size)
        .map(|c| Ok(Bytes::copy_from_slice(c)))
        .collect();
    futures::stream::iter(parts)
}

#[tokio::test]
async fn stores_by_content_hash_once() {
    let dir = TempDir::new();
    let store = BlobStore::from_url(&format!("file://{}", dir.path().display())).unwrap();
    let data: Vec<u8> = (0..3_000_000u32).map(|i| (i % 251) as u8).collect();
    let a = store
        .put_stream(chunks(&data, 65536), 10_000_000)
        .await
        .unwrap();
    use sha2::Digest;
    assert_eq!(a.sha256, hex::encode(sha2::Sha256::digest(&data)));
    assert_eq!((a.size, a.new), (3_000_000, true));
    let b = store
        .put_stream(chunks(&data, 1000), 10_000_000)
        .await
        .unwrap();
    assert_eq!(
        (b.sha256.clone(), b.new),
        (a.sha256.clone(), false),
        "identical bytes stored once"
    );
    assert_eq!(
        store.get_bytes(&a.sha256).await.unwrap().as_ref(),
        &data[..]
    );
    assert!(store.temporary_objects().await.unwrap().is_empty());
    let on_disk = dir
        .path()
        .join("sha256")
        .join(&a.sha256[..2])
        .join(&a.sha256);
    assert!(on_disk.is_file(), "content-addressed path {on_disk:?}");
}

#[tokio::test]
async fn an_upload_past_its_limit_leaves_nothing() {
    let dir = TempDir::new();
    let store = BlobStore::from_url(&format!("file://{}", dir.path().display())).unwrap();
    let data = vec![7u8; 20_000_000];
    let err = store
        .put_stream(chunks(&data, 1 << 20), 5_000_000)
        .await
        .unwrap_err();
    assert!(
        matches!(err, BlobError::TooLarge { limit: 5_000_000 }),
        "{err}"
    );
    assert!(
        store.temporary_objects().await.unwrap().is_empty(),
        "no temporary object left"
    );
    let files: Vec<_> = walk(dir.path());
    assert!(files.is_empty(), "nothing on disk: {files:?}");
}

#[tokio::test]
async fn a_broken_source_leaves_nothing() {
    let dir = TempDir::new();
    let store = BlobStore::from_url(&format!("file://{}", dir.path().display())).unwrap();
    let parts: Vec<Result<Bytes, std::io::Error>> = vec![
        Ok(Bytes::from(vec![1u8; 1000])),
        Err(std::io::Error::other("Verbindung abgebrochen")),
    ];
    let err = store
        .put_stream(futures::stream::iter(parts), 1 << 30)
        .await
        .unwrap_err();
    assert!(matches!(err, BlobError::Source(_)), "{err}");
    assert!(walk(dir.path()).is_empty());
}

#[test]
fn bad_urls_are_refused_with_the_reason() {
    assert!(matches!(
        BlobStore::from_url("ftp://x"),
        Err(BlobError::Config(_))
    ));
    assert!(matches!(
        BlobStore::from_url("file://relative/path"),
        Err(BlobError::Config(_))
    ));
    assert!(matches!(
        BlobStore::from_url("s3://"),
        Err(BlobError::Config(_))
    ));
}

fn walk(p: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(p).unwrap() {
        let e = e.unwrap().path();
        if e.is_dir() {
            out.extend(walk(&e));
        } else {
            out.push(e);
        }
    }
    out
}

/// The store's upload buffer bounds what all uploads hold at once: with room for one part,
/// a second upload waits while the first holds it (its client slow), then both finish with
/// their bytes intact. Uploads larger than the buffer go through it part by part.
#[tokio::test]
async fn uploads_at_once_share_the_buffer_and_wait_for_it() {
    use futures::StreamExt;
    use sha2::Digest;
    let dir = TempDir::new();
    let store = BlobStore::from_url(&format!("file://{}", dir.path().display()))
        .unwrap()
        .mit_puffer(1);
    // A: one MB, then its client stalls.
    let (tx, rx) = tokio::sync::mpsc::channel::<Result<Bytes, std::io::Error>>(4);
    let a_daten: Vec<u8> = (0..2_000_000u32).map(|i| (i % 241) as u8).collect();
    tx.send(Ok(Bytes::copy_from_slice(&a_daten[..1_000_000])))
        .await
        .unwrap();
    let a = {
        let store = store.clone();
        tokio::spawn(async move {
            store
                .put_stream(tokio_stream_aus(rx), 10_000_000)
                .await
                .unwrap()
        })
    };
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    // B: 20 MB at once, more than the whole buffer.
    let b_daten: Vec<u8> = (0..20_000_000u32).map(|i| (i % 239) as u8).collect();
    let b = {
        let (store, daten) = (store.clone(), b_daten.clone());
        tokio::spawn(async move {
            store
                .put_stream(chunks(&daten, 65536), 30_000_000)
                .await
                .unwrap()
        })
    };
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    assert!(!b.is_finished(), "B waits while A holds the buffer");
    tx.send(Ok(Bytes::copy_from_slice(&a_daten[1_000_000..])))
        .await
        .unwrap();
    drop(tx);
    let (a, b) = (a.await.unwrap(), b.await.unwrap());
    assert_eq!(a.sha256, hex::encode(sha2::Sha256::digest(&a_daten)));
    assert_eq!(b.sha256, hex::encode(sha2::Sha256::digest(&b_daten)));
    assert_eq!((a.size, b.size), (2_000_000, 20_000_000));
    let (_, mut gelesen) = store.get_stream(&b.sha256).await.unwrap();
    let mut n = 0;
    while let Some(t) = gelesen.next().await {
        n += t.unwrap().len();
    }
    assert_eq!(n, 20_000_000);
    // An empty upload is one empty part.
    let leer = store.put_stream(chunks(&[], 1), 10).await.unwrap();
    assert_eq!(leer.size, 0);
}

fn tokio_stream_aus(
    mut rx: tokio::sync::mpsc::Receiver<Result<Bytes, std::io::Error>>,
) -> impl futures::Stream<Item = Result<Bytes, std::io::Error>> + Unpin {
    Box::pin(futures::stream::poll_fn(move |cx| rx.poll_recv(cx)))
}
