//! The tenant's background jobs.

use crate::AppState;
use crate::error::PageResult;
use crate::gemeinsam::layout;
use crate::sitzung::CurrentUser;
use crate::templates::render;
use axum::Router;
use axum::extract::State;
use axum::response::Html;
use axum::routing::get;
use minijinja::context;
use plankammer_domain::Role;

pub fn router() -> Router<AppState> {
    Router::new().route("/verwaltung/jobs", get(jobs))
}

pub fn job_state_label(code: &str) -> &'static str {
    match code {
        "queued" => "wartend",
        "running" => "in Arbeit",
        "succeeded" => "erledigt",
        "failed" => "fehlgeschlagen",
        _ => "unbekannt",
    }
}

async fn jobs(State(st): State<AppState>, user: CurrentUser) -> PageResult<Html<String>> {
    user.require(Role::may_manage_users)?;
    let jobs: Vec<_> = st
        .db
        .jobs(Some(user.tenant_id()), None, 100)
        .await?
        .into_iter()
        .map(|j| {
            context! {
                id => j.id, art => j.kind, zustand => job_state_label(j.state.code()), zustand_code => j.state.code(),
                versuche => j.attempts, max_versuche => j.max_attempts, fortschritt => j.progress,
                notiz => j.progress_note, fehler => j.last_error, erstellt => plankammer_domain::zeit::format_berlin(j.created_at),
            }
        })
        .collect();
    let counts: Vec<_> = st
        .db
        .job_counts(Some(user.tenant_id()))
        .await?
        .into_iter()
        .map(|(s, n)| context! { zustand => job_state_label(s.code()), anzahl => n })
        .collect();
    render(
        "jobs.html",
        context! { layout => layout(&user, "/verwaltung/jobs"), jobs, counts },
    )
}
