//! Maintenance removes what failed uploads left behind, and nothing that a row refers to.

use bytes::Bytes;
use plankammer_storage::Db;
use plankammer_storage::blobs::BlobStore;
use plankammer_storage::testing::fresh_db;
use plankammer_workers::pipeline::entferne_ueberbleibsel;

#[tokio::test]
async fn orphans_go_and_recorded_documents_stay() {
    let (db, dir) = fresh_db().await;
    let blobs = BlobStore::from_url(&format!(
        "file://{}",
        dir.path().join("dokumente").display()
    ))
    .unwrap();
    let orphan = blobs
        .put_bytes(Bytes::from_static(b"%PDF-1.7 orphan"))
        .await
        .unwrap();
    let kept = blobs
        .put_bytes(Bytes::from_static(b"%PDF-1.7 kept"))
        .await
        .unwrap();
    sqlx::query("INSERT INTO blobs (sha256, groesse, created_at) VALUES ($1, $2, $3)")
        .bind(&kept.sha256)
        .bind(kept.size as i64)
        .bind(0i64)
        .execute(db.pool())
        .await
        .unwrap();
    // Right now both are younger than an hour: nothing is touched.
    assert_eq!(
        entferne_ueberbleibsel(&db, &blobs, plankammer_storage::now_millis())
            .await
            .unwrap(),
        0
    );
    // Two hours later the orphan goes.
    let later = plankammer_storage::now_millis() + 2 * 3600 * 1000;
    assert_eq!(entferne_ueberbleibsel(&db, &blobs, later).await.unwrap(), 1);
    assert!(!blobs.exists(&orphan.sha256).await.unwrap());
    assert!(blobs.exists(&kept.sha256).await.unwrap());
    let _: &Db = &db;
}
