//! A JSON request body whose refusal is a problem detail like every other error of
//! `/api/v1` (axum's own `Json` answers a body it cannot read with plain text).

use crate::AppError;
use crate::error::ApiError;
use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequest, Request};
use serde::de::DeserializeOwned;

/// The body of a request as JSON of type `T`; anything else is 422 with a German `detail`
/// that names what did not fit.
#[derive(Debug, Clone, Copy, Default)]
pub struct JsonEingabe<T>(pub T);

impl<T, S> FromRequest<S> for JsonEingabe<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(t)) => Ok(JsonEingabe(t)),
            Err(e) => Err(ApiError(AppError::Invalid(meldung(&e)))),
        }
    }
}

fn meldung(e: &JsonRejection) -> String {
    match e {
        JsonRejection::MissingJsonContentType(_) => {
            "Bitte senden Sie den Inhalt als JSON (Content-Type: application/json).".into()
        }
        JsonRejection::JsonSyntaxError(_) => {
            "Der Inhalt der Anfrage ist kein gültiges JSON.".into()
        }
        // serde names the field and what it expected; the format is in the OpenAPI document.
        JsonRejection::JsonDataError(d) => format!(
            "Der Inhalt der Anfrage passt nicht zum erwarteten Format ({}); siehe /api/openapi.json.",
            d.body_text()
                .trim_start_matches("Failed to deserialize the JSON body into the target type: ")
        ),
        _ => "Der Inhalt der Anfrage konnte nicht gelesen werden.".into(),
    }
}
