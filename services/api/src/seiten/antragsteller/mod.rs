//! The pages of the applicants (the Entwurfsverfasser/in and the invited Bauherrschaft):
//! the Angaben of a case, the way to submission, the invitation. The case page itself is
//! shared with the Bauaufsicht (`seiten::vorgang`).

pub mod angaben;
pub mod einladung;
pub mod einreichung;

use crate::AppState;
use axum::Router;

pub fn router() -> Router<AppState> {
    Router::new()
        .merge(angaben::router())
        .merge(einreichung::router())
        .merge(einladung::router())
}
