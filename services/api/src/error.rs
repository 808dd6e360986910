//! One error type for the HTTP side, mapped to a response once: a German page for people,
//! JSON for API clients (`ApiError`). Internal errors are logged in English and answered
//! with a generic German message that leaks nothing.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use plankammer_storage::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// Not logged in: pages redirect to the login, the API answers 401.
    #[error("not authenticated")]
    NotLoggedIn { return_to: Option<String> },
    #[error("forbidden")]
    Forbidden,
    #[error("not found")]
    NotFound,
    /// The request is wrong in a way the person can fix; the text is German.
    #[error("invalid input: {0}")]
    Invalid(String),
    #[error("conflict: {0}")]
    Conflict(String),
    #[error("CSRF check failed")]
    Csrf,
    #[error("too many requests")]
    TooManyRequests(String),
    #[error("payload too large")]
    TooLarge(String),
    #[error("internal error: {0}")]
    Internal(String),
}

impl AppError {
    pub fn internal(e: impl std::fmt::Display) -> AppError {
        AppError::Internal(e.to_string())
    }

    pub fn status(&self) -> StatusCode {
        match self {
            AppError::NotLoggedIn { .. } => StatusCode::UNAUTHORIZED,
            AppError::Forbidden | AppError::Csrf => StatusCode::FORBIDDEN,
            AppError::NotFound => StatusCode::NOT_FOUND,
            AppError::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::Conflict(_) => StatusCode::CONFLICT,
            AppError::TooManyRequests(_) => StatusCode::TOO_MANY_REQUESTS,
            AppError::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// A stable machine-readable code for API clients.
    pub fn code(&self) -> &'static str {
        match self {
            AppError::NotLoggedIn { .. } => "nicht_angemeldet",
            AppError::Forbidden => "keine_berechtigung",
            AppError::NotFound => "nicht_gefunden",
            AppError::Invalid(_) => "ungueltige_eingabe",
            AppError::Conflict(_) => "konflikt",
            AppError::Csrf => "sicherheitspruefung_fehlgeschlagen",
            AppError::TooManyRequests(_) => "zu_viele_anfragen",
            AppError::TooLarge(_) => "zu_gross",
            AppError::Internal(_) => "interner_fehler",
        }
    }

    /// The German sentence shown to people.
    pub fn meldung(&self) -> String {
        match self {
            AppError::NotLoggedIn { .. } => "Bitte melden Sie sich an.".into(),
            AppError::Forbidden => "Sie haben keine Berechtigung für diese Seite.".into(),
            AppError::NotFound => "Die angeforderte Seite wurde nicht gefunden.".into(),
            AppError::Invalid(m) | AppError::Conflict(m) | AppError::TooManyRequests(m) | AppError::TooLarge(m) => m.clone(),
            AppError::Csrf => "Die Sicherheitsprüfung des Formulars ist fehlgeschlagen. Bitte laden Sie die Seite neu und versuchen Sie es erneut.".into(),
            AppError::Internal(_) => "Es ist ein interner Fehler aufgetreten. Bitte versuchen Sie es später erneut.".into(),
        }
    }

    fn log(&self) {
        if let AppError::Internal(e) = self {
            tracing::error!(error = %e, "internal error");
        }
    }
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound => AppError::NotFound,
            StoreError::Conflict(what) => AppError::Conflict(match what {
                "user email" => "Für diese E-Mail-Adresse gibt es bereits ein Konto.".into(),
                "tenant slug" => "Eine Behörde mit diesem Kürzel gibt es bereits.".into(),
                "membership" => "Die Person ist bereits Mitglied dieser Behörde.".into(),
                other => format!("Der Eintrag existiert bereits ({other})."),
            }),
            other => AppError::Internal(other.to_string()),
        }
    }
}

impl From<plankammer_domain::account::ParseError> for AppError {
    fn from(e: plankammer_domain::account::ParseError) -> Self {
        AppError::Invalid(e.meldung.to_string())
    }
}

/// Pages: a German error page, or the login for people who are not logged in.
impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        self.log();
        if let AppError::NotLoggedIn { return_to } = &self {
            let target = match return_to {
                Some(p) => format!(
                    "/anmelden?weiter={}",
                    url::form_urlencoded::byte_serialize(p.as_bytes()).collect::<String>()
                ),
                None => "/anmelden".to_string(),
            };
            return Redirect::to(&target).into_response();
        }
        let status = self.status();
        let html = crate::templates::render_error_page(status, &self.meldung());
        (status, html).into_response()
    }
}

/// The JSON form of an error, for `/api/v1`.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct ApiErrorBody {
    /// Stable code, e.g. `nicht_gefunden`.
    pub fehler: String,
    /// German sentence for people.
    pub meldung: String,
}

#[derive(Debug)]
pub struct ApiError(pub AppError);

impl<E: Into<AppError>> From<E> for ApiError {
    fn from(e: E) -> Self {
        ApiError(e.into())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        self.0.log();
        let body = ApiErrorBody {
            fehler: self.0.code().into(),
            meldung: self.0.meldung(),
        };
        let mut resp = (self.0.status(), axum::Json(body)).into_response();
        if matches!(self.0, AppError::NotLoggedIn { .. }) {
            resp.headers_mut().insert(
                axum::http::header::WWW_AUTHENTICATE,
                axum::http::HeaderValue::from_static("Bearer realm=\"plankammer\""),
            );
        }
        resp
    }
}

pub type PageResult<T> = Result<T, AppError>;
pub type ApiResult<T> = Result<T, ApiError>;
