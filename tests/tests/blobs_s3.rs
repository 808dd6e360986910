//! The document store against a real S3-API server on loopback (moto).

use bytes::Bytes;
use plankammer_storage::blobs::{BlobError, BlobStore};
use plankammer_storage::testing::tempfile_dir::TempDir;
use plankammer_tests::s3::S3Server;

fn chunks(
    data: &[u8],
    size: usize,
) -> impl futures_util_stream::Stream<Item = Result<Bytes, std::io::Error>> + Unpin {
    let parts: Vec<Result<Bytes, std::io::Error>> = data
        .chunks(size)
        .map(|c| Ok(Bytes::copy_from_slice(c)))
        .collect();
    futures_util_stream::iter(parts)
}

mod futures_util_stream {
    pub use futures::stream::{Stream, iter};
}

async fn s3_store(server: &S3Server, bucket: &str) -> BlobStore {
    server.create_bucket(bucket).await;
    // The store reads its settings from the environment, like in production.
    for (k, v) in server.env() {
        // SAFETY: set before any other thread of this test reads the environment; each test
        // in this file uses the same values.
        unsafe { std::env::set_var(k, v) };
    }
    BlobStore::from_url(&format!("s3://{bucket}")).unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn s3_stores_by_hash_once_refuses_too_large_and_leaves_nothing() {
    let logs = TempDir::new();
    let server = S3Server::start(logs.path()).await;
    let store = s3_store(&server, "plankammer-test").await;
    store.ping().await.expect("the S3 server is reachable");

    // Larger than one multipart part (8 MiB), so a real multipart upload happens.
    let data: Vec<u8> = (0..20_000_000u32).map(|i| (i % 253) as u8).collect();
    let a = store
        .put_stream(chunks(&data, 1 << 20), 100_000_000)
        .await
        .unwrap();
    use sha2::Digest;
    assert_eq!(a.sha256, hex::encode(sha2::Sha256::digest(&data)));
    assert!(a.new);
    let b = store
        .put_stream(chunks(&data, 300_000), 100_000_000)
        .await
        .unwrap();
    assert!(!b.new, "identical bytes stored once");
    assert_eq!(store.get_bytes(&a.sha256).await.unwrap().len(), data.len());
    assert!(store.exists(&a.sha256).await.unwrap());

    let err = store
        .put_stream(chunks(&data, 1 << 20), 10_000_000)
        .await
        .unwrap_err();
    assert!(matches!(err, BlobError::TooLarge { .. }), "{err}");
    assert!(
        store.temporary_objects().await.unwrap().is_empty(),
        "no temporary object left in the bucket"
    );

    store.delete(&a.sha256).await.unwrap();
    assert!(!store.exists(&a.sha256).await.unwrap());
}
