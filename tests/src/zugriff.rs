//! Requests to the whole router in this process, without a socket, for the access matrix
//! (`tests/tests/zugriff.rs`): who presents what (nothing, the anonymous CSRF cookie, a
//! session, a personal access token), what is sent, and what came back.

use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Method, Request, StatusCode, header};
use plankammer_api::{ApiConfig, AppState};
use plankammer_storage::Db;
use plankammer_storage::blobs::BlobStore;
use std::net::SocketAddr;
use tower::ServiceExt;

/// What a request presents to prove who sends it.
#[derive(Debug, Clone)]
pub enum Zugang {
    /// Nothing at all (API and GET).
    Keiner,
    /// Not signed in, with the double-submit CSRF cookie of the login page (page POSTs).
    Anonym { csrf: String },
    /// A browser session and its CSRF token.
    Sitzung { cookie: String, csrf: String },
    /// A personal access token.
    Schluessel(String),
}

/// What a request sends.
#[derive(Debug, Clone)]
pub enum Koerper {
    Leer,
    Formular(String),
    Json(serde_json::Value),
    /// A file as the raw body (`PUT …/{dateiname}`).
    Pdf(Vec<u8>),
    /// A multipart upload of one file in the field `datei`.
    Datei(Vec<u8>),
}

/// What came back.
#[derive(Debug, Clone)]
pub struct Antwort {
    pub status: StatusCode,
    pub location: Option<String>,
    pub body: String,
}

impl Antwort {
    /// Refused: 401, 403, 404, or sent to the login page.
    pub fn verweigert(&self) -> bool {
        matches!(self.status.as_u16(), 401 | 403 | 404)
            || (self.status.is_redirection()
                && self
                    .location
                    .as_deref()
                    .is_some_and(|l| l.starts_with("/anmelden") && !l.contains("abgemeldet")))
    }

    /// The request itself could not be read (a rejection of an extractor, not a decision
    /// of the procedure): then an allowed answer says nothing about access.
    pub fn unlesbar(&self) -> bool {
        matches!(self.status.as_u16(), 400 | 415)
            || self.body.starts_with("Failed to deserialize")
            || self.body.starts_with("Failed to parse")
            || self.body.starts_with("Expected request with")
            || self.body.starts_with("Invalid `boundary`")
    }
}

/// The application over one database, as a router.
#[derive(Clone)]
pub struct Instanz {
    pub router: Router,
    pub db: Db,
}

impl Instanz {
    pub fn neu(db: Db, blobs: BlobStore) -> Instanz {
        let config = ApiConfig::for_url("http://127.0.0.1:8080", crate::repo_root().join("web"));
        let router = plankammer_api::router(AppState::new(db.clone(), blobs, config));
        Instanz { router, db }
    }

    pub async fn sende(
        &self,
        methode: &str,
        pfad: &str,
        zugang: &Zugang,
        koerper: &Koerper,
    ) -> Antwort {
        let methode = Method::from_bytes(methode.as_bytes()).expect("method");
        let mut b = Request::builder()
            .method(methode)
            .uri(pfad)
            .header(header::HOST, "127.0.0.1:8080");
        match zugang {
            Zugang::Keiner => {}
            Zugang::Anonym { csrf } => {
                b = b
                    .header(header::COOKIE, format!("pk_csrf={csrf}"))
                    .header("x-csrf-token", csrf.as_str());
            }
            Zugang::Sitzung { cookie, csrf } => {
                b = b
                    .header(header::COOKIE, format!("pk_sitzung={cookie}"))
                    .header("x-csrf-token", csrf.as_str());
            }
            Zugang::Schluessel(s) => {
                b = b.header(header::AUTHORIZATION, format!("Bearer {s}"));
            }
        }
        let body = match koerper {
            Koerper::Leer => Body::empty(),
            Koerper::Formular(f) => {
                b = b.header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
                Body::from(f.clone())
            }
            Koerper::Json(v) => {
                b = b.header(header::CONTENT_TYPE, "application/json");
                Body::from(serde_json::to_vec(v).expect("json"))
            }
            Koerper::Pdf(p) => {
                b = b.header(header::CONTENT_TYPE, "application/pdf");
                Body::from(p.clone())
            }
            Koerper::Datei(p) => {
                let grenze = "zugriffsmatrixgrenze";
                b = b.header(
                    header::CONTENT_TYPE,
                    format!("multipart/form-data; boundary={grenze}"),
                );
                let mut m = format!(
                    "--{grenze}\r\nContent-Disposition: form-data; name=\"datei\"; filename=\"plan.pdf\"\r\nContent-Type: application/pdf\r\n\r\n"
                )
                .into_bytes();
                m.extend_from_slice(p);
                m.extend_from_slice(format!("\r\n--{grenze}--\r\n").as_bytes());
                Body::from(m)
            }
        };
        let mut req = b.body(body).expect("request");
        req.extensions_mut()
            .insert(ConnectInfo(SocketAddr::from(([127, 0, 0, 1], 40000))));
        let resp = self
            .router
            .clone()
            .oneshot(req)
            .await
            .expect("the router answers");
        let status = resp.status();
        let location = resp
            .headers()
            .get(header::LOCATION)
            .and_then(|l| l.to_str().ok())
            .map(str::to_string);
        let bytes = axum::body::to_bytes(resp.into_body(), 64 << 20)
            .await
            .unwrap_or_default();
        let body = String::from_utf8_lossy(&bytes[..bytes.len().min(4000)]).into_owned();
        Antwort {
            status,
            location,
            body,
        }
    }

    /// The anonymous CSRF token (cookie and form field) of the login page.
    pub async fn anonymer_csrf(&self) -> String {
        let a = self
            .sende("GET", "/anmelden", &Zugang::Keiner, &Koerper::Leer)
            .await;
        crate::csrf_from(&a.body).expect("the login form has a CSRF token")
    }

    /// Signs in through the login form; the session cookie and its CSRF token.
    pub async fn anmelden(&self, email: &str) -> Zugang {
        let csrf = self.anonymer_csrf().await;
        let form = url::form_urlencoded::Serializer::new(String::new())
            .append_pair("email", email)
            .append_pair("passwort", crate::PASSWORD)
            .append_pair("_csrf", &csrf)
            .finish();
        let methode = Method::POST;
        let mut req = Request::builder()
            .method(methode)
            .uri("/anmelden")
            .header(header::HOST, "127.0.0.1:8080")
            .header(header::COOKIE, format!("pk_csrf={csrf}"))
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(form))
            .expect("request");
        req.extensions_mut()
            .insert(ConnectInfo(SocketAddr::from(([127, 0, 0, 1], 40000))));
        let resp = self.router.clone().oneshot(req).await.expect("login");
        assert_eq!(resp.status(), 303, "login of {email}");
        let cookie = resp
            .headers()
            .get_all(header::SET_COOKIE)
            .iter()
            .filter_map(|c| c.to_str().ok())
            .find_map(|c| c.strip_prefix("pk_sitzung="))
            .and_then(|c| c.split(';').next())
            .expect("a session cookie")
            .to_string();
        let start = self
            .sende(
                "GET",
                "/start",
                &Zugang::Sitzung {
                    cookie: cookie.clone(),
                    csrf: String::new(),
                },
                &Koerper::Leer,
            )
            .await;
        let csrf = crate::csrf_from(&start.body).expect("the start page carries a CSRF token");
        Zugang::Sitzung { cookie, csrf }
    }
}
