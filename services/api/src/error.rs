//! One error type for the HTTP side, mapped to a response once: a German page for people,
//! RFC 9457 problem details for API clients ([`ApiError`]). The procedure's errors
//! ([`Fehler`]) and the store's conflicts ([`Konflikt`]) become HTTP here and nowhere else.
//! Internal errors are logged in English and answered with a generic German message that
//! leaks nothing.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use plankammer_storage::{Konflikt, StoreError};
use plankammer_verfahren::Fehler;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// Not logged in: pages redirect to the login, the API answers 401.
    #[error("not authenticated")]
    NotLoggedIn { return_to: Option<String> },
    #[error("forbidden")]
    Forbidden,
    /// Forbidden, with the reason the person (or client) can act on; German.
    #[error("forbidden: {0}")]
    Verweigert(String),
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
    /// A store is away for now; the German sentence says which (503 with Retry-After).
    #[error("unavailable: {0}")]
    Unavailable(String),
    #[error("internal error: {0}")]
    Internal(String),
}

/// Seconds a client is asked to wait before it tries again while a store is away.
pub const RETRY_AFTER_SECS: u32 = 5;

/// The German words for a conflict of the store that no step worded more precisely.
pub fn konflikt_meldung(k: Konflikt) -> &'static str {
    match k {
        Konflikt::EmailVergeben => "Für diese E-Mail-Adresse gibt es bereits ein Konto.",
        Konflikt::TenantVergeben => "Eine Behörde mit diesem Kürzel gibt es bereits.",
        Konflikt::MitgliedschaftVorhanden => "Die Person ist bereits Mitglied dieser Behörde.",
        Konflikt::StellenmitgliedVorhanden => "Die Person arbeitet bereits für diese Stelle.",
        Konflikt::AktenzeichenVergeben => {
            "Dieses Aktenzeichen ist bereits vergeben. Bitte versuchen Sie es erneut."
        }
        Konflikt::FassungVergeben | Konflikt::VersionVergeben | Konflikt::ZustandGeaendert => {
            "Der Vorgang wurde inzwischen von jemand anderem geändert. Bitte laden Sie die Seite neu."
        }
        Konflikt::BeteiligterVorhanden => "Diese Person ist zu diesem Vorgang bereits eingeladen.",
        Konflikt::ChecklisteVergeben => {
            "Die Checkliste wurde inzwischen geändert. Bitte laden Sie die Seite neu."
        }
        Konflikt::BescheidentwurfVorhanden => "Zu diesem Vorgang gibt es bereits einen Entwurf.",
        Konflikt::BescheidnummerVergeben => {
            "Diese Bescheidnummer ist bereits vergeben. Bitte versuchen Sie es erneut."
        }
        Konflikt::BescheidplanVorhanden => "Dieser Plan gehört bereits zum Bescheid.",
        Konflikt::StempelVorhanden => "Dieser Plan ist bereits gestempelt.",
        Konflikt::StellungnahmeSchonKorrigiert => {
            "Diese Stellungnahme wurde inzwischen schon korrigiert. Bitte laden Sie die Seite neu."
        }
        Konflikt::VorgangNichtImEntwurf => "Der Antrag ist bereits eingereicht.",
        Konflikt::EinladungAngenommen => "Diese Einladung wurde bereits angenommen.",
        Konflikt::SchonFreigezeichnet => "Der Antrag ist bereits freigezeichnet.",
        Konflikt::FristNichtOffen => {
            "Diese Frist ist nicht mehr offen und kann nicht verlängert werden."
        }
        Konflikt::BescheidBeantragt => {
            "Der Bescheid wird bereits erlassen; der Entwurf kann nicht mehr geändert werden."
        }
        Konflikt::BeteiligungNichtOffen => {
            "Diese Anfrage ist nicht mehr offen. Bitte laden Sie die Seite neu."
        }
        Konflikt::BeteiligungsfristAbgelaufen => "Die Frist dieser Anfrage ist abgelaufen.",
        Konflikt::RueckfrageBeantwortet => "Diese Rückfrage ist bereits beantwortet.",
        Konflikt::Doppelt => "Der Eintrag existiert bereits.",
        Konflikt::FehlenderVerweis => {
            "Der Eintrag bezieht sich auf etwas, das es nicht (mehr) gibt. Bitte laden Sie die Seite neu."
        }
    }
}

impl AppError {
    pub fn internal(e: impl std::fmt::Display) -> AppError {
        AppError::Internal(e.to_string())
    }

    pub fn status(&self) -> StatusCode {
        match self {
            AppError::NotLoggedIn { .. } => StatusCode::UNAUTHORIZED,
            AppError::Forbidden | AppError::Verweigert(_) | AppError::Csrf => StatusCode::FORBIDDEN,
            AppError::NotFound => StatusCode::NOT_FOUND,
            AppError::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::Conflict(_) => StatusCode::CONFLICT,
            AppError::TooManyRequests(_) => StatusCode::TOO_MANY_REQUESTS,
            AppError::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// A stable machine-readable code for API clients.
    pub fn code(&self) -> &'static str {
        match self {
            AppError::NotLoggedIn { .. } => "nicht_angemeldet",
            AppError::Forbidden | AppError::Verweigert(_) => "keine_berechtigung",
            AppError::NotFound => "nicht_gefunden",
            AppError::Invalid(_) => "ungueltige_eingabe",
            AppError::Conflict(_) => "konflikt",
            AppError::Csrf => "sicherheitspruefung_fehlgeschlagen",
            AppError::TooManyRequests(_) => "zu_viele_anfragen",
            AppError::TooLarge(_) => "zu_gross",
            AppError::Unavailable(_) => "nicht_erreichbar",
            AppError::Internal(_) => "interner_fehler",
        }
    }

    /// The short German title of the kind of problem (problem details' `title`).
    pub fn titel(&self) -> &'static str {
        match self {
            AppError::NotLoggedIn { .. } => "Nicht angemeldet",
            AppError::Forbidden | AppError::Verweigert(_) => "Keine Berechtigung",
            AppError::NotFound => "Nicht gefunden",
            AppError::Invalid(_) => "Ungültige Eingabe",
            AppError::Conflict(_) => "Konflikt",
            AppError::Csrf => "Sicherheitsprüfung fehlgeschlagen",
            AppError::TooManyRequests(_) => "Zu viele Anfragen",
            AppError::TooLarge(_) => "Zu groß",
            AppError::Unavailable(_) => "Vorübergehend nicht erreichbar",
            AppError::Internal(_) => "Interner Fehler",
        }
    }

    /// The German sentence shown to people.
    pub fn meldung(&self) -> String {
        match self {
            AppError::NotLoggedIn { .. } => "Bitte melden Sie sich an.".into(),
            AppError::Forbidden => "Sie haben keine Berechtigung für diese Seite.".into(),
            AppError::NotFound => "Die angeforderte Seite wurde nicht gefunden.".into(),
            AppError::Invalid(m) | AppError::Conflict(m) | AppError::TooManyRequests(m) | AppError::TooLarge(m) | AppError::Verweigert(m) | AppError::Unavailable(m) => m.clone(),
            AppError::Csrf => "Die Sicherheitsprüfung des Formulars ist fehlgeschlagen. Bitte laden Sie die Seite neu und versuchen Sie es erneut.".into(),
            AppError::Internal(_) => "Es ist ein interner Fehler aufgetreten. Bitte versuchen Sie es später erneut.".into(),
        }
    }

    /// A store that is away: the client may try again after [`RETRY_AFTER_SECS`].
    fn retry_after(&self, resp: &mut Response) {
        if matches!(self, AppError::Unavailable(_)) {
            resp.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(RETRY_AFTER_SECS));
        }
    }

    fn log(&self) {
        if let AppError::Internal(e) = self {
            tracing::error!(error = %e, "internal error");
        }
    }
}

impl From<Fehler> for AppError {
    fn from(e: Fehler) -> Self {
        match e {
            Fehler::NichtGefunden => AppError::NotFound,
            Fehler::KeineBerechtigung => AppError::Forbidden,
            Fehler::Ungueltig(m) => AppError::Invalid(m.join(" ")),
            Fehler::Konflikt(m) => AppError::Conflict(m),
            Fehler::Speicherkonflikt(k) => AppError::Conflict(konflikt_meldung(k).to_string()),
            Fehler::ZuGross(m) => AppError::TooLarge(m),
            Fehler::ZuViele(m) => AppError::TooManyRequests(m),
            Fehler::NichtErreichbar(m) => AppError::Unavailable(m),
            Fehler::Intern(m) => AppError::Internal(m),
        }
    }
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        Fehler::from(e).into()
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
        let mut resp = (status, html).into_response();
        self.retry_after(&mut resp);
        resp
    }
}

/// A problem of an `/api/v1` request as RFC 9457 problem details
/// (`application/problem+json`), with two extension members: the stable code `fehler`
/// and the German sentence again as `meldung`.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
#[schema(example = json!({
    "type": "https://plankammer.de/probleme/konflikt",
    "title": "Konflikt",
    "status": 409,
    "detail": "Der Antrag ist bereits eingereicht (Aktenzeichen BA-2026-00001).",
    "fehler": "konflikt",
    "meldung": "Der Antrag ist bereits eingereicht (Aktenzeichen BA-2026-00001)."
}))]
pub struct ApiErrorBody {
    /// A URI naming the kind of problem.
    #[serde(rename = "type")]
    pub typ: String,
    /// Short German title of the kind of problem.
    pub title: String,
    /// The HTTP status.
    pub status: u16,
    /// German sentence for people: what went wrong and what to do.
    pub detail: String,
    /// Stable code, e.g. `nicht_gefunden`.
    pub fehler: String,
    /// The same German sentence as `detail` (kept for clients of the first API version).
    pub meldung: String,
}

impl ApiErrorBody {
    pub fn aus(e: &AppError) -> ApiErrorBody {
        ApiErrorBody {
            typ: format!(
                "https://plankammer.de/probleme/{}",
                e.code().replace('_', "-")
            ),
            title: e.titel().into(),
            status: e.status().as_u16(),
            detail: e.meldung(),
            fehler: e.code().into(),
            meldung: e.meldung(),
        }
    }
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
        let body = ApiErrorBody::aus(&self.0);
        let mut resp = (self.0.status(), axum::Json(body)).into_response();
        resp.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        );
        self.0.retry_after(&mut resp);
        if matches!(self.0, AppError::NotLoggedIn { .. }) {
            resp.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"plankammer\""),
            );
        }
        resp
    }
}

pub type PageResult<T> = Result<T, AppError>;
pub type ApiResult<T> = Result<T, ApiError>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_error_of_the_procedure_has_its_status() {
        let faelle = [
            (Fehler::NichtGefunden, 404),
            (Fehler::KeineBerechtigung, 403),
            (Fehler::ungueltig("x"), 422),
            (Fehler::konflikt("x"), 409),
            (Fehler::Speicherkonflikt(Konflikt::EmailVergeben), 409),
            (Fehler::ZuGross("x".into()), 413),
            (Fehler::ZuViele("x".into()), 429),
            (Fehler::NichtErreichbar("x".into()), 503),
            (Fehler::Intern("x".into()), 500),
        ];
        for (f, status) in faelle {
            assert_eq!(AppError::from(f).status().as_u16(), status);
        }
        let e = AppError::from(Fehler::Speicherkonflikt(Konflikt::EmailVergeben));
        assert_eq!(
            e.meldung(),
            "Für diese E-Mail-Adresse gibt es bereits ein Konto."
        );
    }

    #[test]
    fn problem_details_name_the_kind_and_say_it_in_german() {
        let b = ApiErrorBody::aus(&AppError::NotFound);
        assert_eq!(b.status, 404);
        assert_eq!(b.typ, "https://plankammer.de/probleme/nicht-gefunden");
        assert_eq!(b.fehler, "nicht_gefunden");
        assert_eq!(b.detail, b.meldung);
    }

    #[test]
    fn a_store_that_is_away_asks_pages_and_clients_to_come_back() {
        let e = || {
            AppError::from(Fehler::NichtErreichbar(
                "Die Datenbank antwortet nicht.".into(),
            ))
        };
        for resp in [e().into_response(), ApiError(e()).into_response()] {
            assert_eq!(resp.status(), 503);
            assert_eq!(
                resp.headers().get(header::RETRY_AFTER).unwrap(),
                &RETRY_AFTER_SECS.to_string()
            );
        }
        let b = ApiErrorBody::aus(&e());
        assert_eq!(b.fehler, "nicht_erreichbar");
        assert_eq!(b.detail, "Die Datenbank antwortet nicht.");
        // No other error carries it.
        let resp = ApiError(AppError::Internal("x".into())).into_response();
        assert!(resp.headers().get(header::RETRY_AFTER).is_none());
    }
}
