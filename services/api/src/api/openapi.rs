//! The OpenAPI 3.1 document of `/api/v1`, generated from the code of each resource's
//! module and served at `/api/openapi.json`.

use crate::AppState;
use crate::error::ApiErrorBody;
use axum::routing::get;
use axum::{Json, Router};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

pub fn router() -> Router<AppState> {
    Router::new().route("/api/openapi.json", get(openapi_json))
}

#[derive(OpenApi)]
#[openapi(
    info(title = "Plankammer API", description = "Digitale Baugenehmigung: Programmierschnittstelle für Antragstellende, Bauaufsicht und Fachstellen. Fehler kommen als RFC 9457 Problem Details (application/problem+json) mit deutschem `detail`.", license(name = "EUPL-1.2", identifier = "EUPL-1.2")),
    components(schemas(ApiErrorBody)),
    modifiers(&BearerAuth),
    security(("bearer" = []), ("session" = [])),
    tags((name = "vorgaenge", description = "Vorgänge, ihre Angaben und Bauvorlagen: vom Entwurf bis zur Einreichung"), (name = "pruefung", description = "Formelle Prüfung, Antragseingang und Fristen der Bauaufsicht"), (name = "konto", description = "Das eigene Konto und persönliche Zugangsschlüssel"), (name = "verwaltung", description = "Verwaltung der Behörde (Rolle Administration)"))
)]
pub struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let c = openapi.components.get_or_insert_with(Default::default);
        c.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("pkt_…")
                    .description(Some(
                        "Persönlicher Zugangsschlüssel, erstellt unter „Mein Konto“.",
                    ))
                    .build(),
            ),
        );
        c.add_security_scheme(
            "session",
            SecurityScheme::ApiKey(utoipa::openapi::security::ApiKey::Cookie(utoipa::openapi::security::ApiKeyValue::with_description(
                crate::sitzung::SESSION_COOKIE,
                "Sitzung im Browser; zustandsändernde Anfragen brauchen zusätzlich den Kopf X-CSRF-Token.",
            ))),
        );
    }
}

/// The whole document: the frame above and every resource module's paths and schemas.
pub fn openapi() -> utoipa::openapi::OpenApi {
    let mut doc = ApiDoc::openapi();
    for teil in [
        super::konto::Doc::openapi(),
        super::verwaltung::Doc::openapi(),
        super::vorgaenge::Doc::openapi(),
        super::dokumente::Doc::openapi(),
        super::pruefung::Doc::openapi(),
        super::bearbeitung::Doc::openapi(),
        super::beteiligungen::Doc::openapi(),
        super::fachstelle::Doc::openapi(),
        super::plan::Doc::openapi(),
        super::bescheid::Doc::openapi(),
        super::xbau::Doc::openapi(),
    ] {
        doc.merge(teil);
    }
    problem_json(&mut doc);
    doc
}

/// Errors are sent as `application/problem+json` (RFC 9457): the document says so for every
/// response whose body is [`ApiErrorBody`].
fn problem_json(doc: &mut utoipa::openapi::OpenApi) {
    use utoipa::openapi::RefOr;
    for item in doc.paths.paths.values_mut() {
        for op in [
            &mut item.get,
            &mut item.post,
            &mut item.put,
            &mut item.delete,
            &mut item.patch,
        ]
        .into_iter()
        .flatten()
        {
            for antwort in op.responses.responses.values_mut() {
                let RefOr::T(antwort) = antwort else { continue };
                let ist_problem = antwort.content.get("application/json").is_some_and(|c| {
                    matches!(&c.schema, Some(RefOr::Ref(r)) if r.ref_location.ends_with("/ApiErrorBody"))
                });
                if ist_problem && let Some(c) = antwort.content.shift_remove("application/json") {
                    antwort
                        .content
                        .insert("application/problem+json".to_string(), c);
                }
            }
        }
    }
}

async fn openapi_json() -> Json<utoipa::openapi::OpenApi> {
    Json(openapi())
}
