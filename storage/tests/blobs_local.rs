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
