//! A real S3-API server on loopback: moto's server (PyPI `moto[server]`, installed into
//! `.tools/venv` by `scripts/setup.sh`).

use crate::process::Proc;
use std::path::PathBuf;

pub struct S3Server {
    pub endpoint: String,
    _proc: Proc,
}

fn moto_binary() -> PathBuf {
    if let Ok(p) = std::env::var("PLANKAMMER_MOTO_SERVER") {
        return PathBuf::from(p);
    }
    crate::repo_root().join(".tools/venv/bin/moto_server")
}

impl S3Server {
    pub async fn start(log_dir: &std::path::Path) -> S3Server {
        let bin = moto_binary();
        assert!(
            bin.is_file(),
            "no S3 test server at {}: run scripts/setup.sh (installs moto[server] into .tools/venv)",
            bin.display()
        );
        let port = crate::free_port();
        let proc = Proc::start(
            &bin,
            &["-H", "127.0.0.1", "-p", &port.to_string()],
            &[],
            log_dir,
            "moto",
        );
        let endpoint = format!("http://127.0.0.1:{port}");
        let client = reqwest::Client::new();
        crate::wait_for(
            "the S3 server to answer",
            std::time::Duration::from_secs(30),
            || {
                let c = client.clone();
                let e = endpoint.clone();
                async move { c.get(&e).send().await.ok().map(|_| ()) }
            },
        )
        .await;
        S3Server {
            endpoint,
            _proc: proc,
        }
    }

    /// Creates a bucket (moto accepts unsigned requests for this).
    pub async fn create_bucket(&self, name: &str) {
        let resp = reqwest::Client::new()
            .put(format!("{}/{name}", self.endpoint))
            .send()
            .await
            .expect("create bucket");
        assert!(
            resp.status().is_success(),
            "create bucket: {}",
            resp.status()
        );
    }

    /// The environment for `OBJECT_STORE_URL=s3://bucket` against this server.
    pub fn env(&self) -> Vec<(&'static str, String)> {
        vec![
            ("AWS_ENDPOINT_URL", self.endpoint.clone()),
            ("AWS_ACCESS_KEY_ID", "test".into()),
            ("AWS_SECRET_ACCESS_KEY", "test".into()),
            ("AWS_REGION", "eu-central-1".into()),
        ]
    }
}
