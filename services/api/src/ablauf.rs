//! The one way a case moves: check the transition against the domain's state machine and
//! the actor's role, change the stored state (compare-and-set), write the timeline entry
//! and queue the mails to everyone concerned — all in one transaction, so a case never
//! changes without its timeline entry and its mails, and never twice.
//!
//! Both the applicant's pages and the Bauaufsicht's pages go through here; so does the
//! deadline scheduler (with no actor).

use crate::{AppError, AppState};
use plankammer_domain::Role;
use plankammer_domain::verfahren::Verfahrensart;
use plankammer_domain::vorgang::{Ereignis, Zustand, darf_ausloesen, uebergang_im_verfahren};
use plankammer_domain::zugriff::Akteur;
use plankammer_storage::antrag::{Antrag, NeuesEreignis};
use plankammer_storage::mitteilung::Fallmitteilung;
use plankammer_storage::{Conn, Db, Millis, StoreError};

/// The stored state of a case as the domain type.
pub fn zustand(a: &Antrag) -> Result<Zustand, AppError> {
    Zustand::from_slug(&a.zustand)
        .ok_or_else(|| AppError::internal(format!("unknown state {:?}", a.zustand)))
}

/// The case's procedure; a draft may not have one yet.
pub fn verfahren(a: &Antrag) -> Option<Verfahrensart> {
    a.verfahren.as_deref().and_then(Verfahrensart::from_slug)
}

/// Who sees a case: the domain's rule for owner and tenant, plus the invited Bauherrschaft
/// once it accepted the invitation.
pub async fn darf_sehen(db: &Db, akteur: &Akteur, a: &Antrag) -> Result<bool, AppError> {
    let v = plankammer_domain::zugriff::VorgangRef {
        tenant_id: a.tenant_id,
        owner_user_id: a.owner_user_id,
    };
    if plankammer_domain::zugriff::darf_vorgang_sehen(akteur, &v) {
        return Ok(true);
    }
    if akteur.role != Role::Antragsteller {
        return Ok(false);
    }
    Ok(db
        .beteiligte(a.id)
        .await?
        .iter()
        .any(|b| b.user_id == Some(akteur.user_id) && b.angenommen_at.is_some()))
}

/// The German status line of a state in a procedure: "17 – Unterlagen nachgefordert".
pub fn statuszeile(z: Zustand, verfahren: Option<Verfahrensart>) -> String {
    let code = match verfahren {
        Some(v) => z.statusbauportal_code_im(v),
        None => z.statusbauportal_code(),
    };
    match code {
        Some(c) => format!("{c} – {}", z.bezeichnung()),
        None => z.bezeichnung().to_string(),
    }
}

/// A state change to make.
pub struct Wechsel<'a> {
    pub ereignis: Ereignis,
    /// `None`: the system (deadline scheduler).
    pub akteur: Option<&'a Akteur>,
    /// The timeline text (German, no personal data beyond what the case shows anyway).
    pub text: &'a str,
    /// Title and body of the mail to the people concerned; `None` sends none.
    pub mail: Option<(&'a str, &'a str)>,
    pub frist: Option<&'a str>,
}

/// Applies a state change in the caller's transaction and returns the new state.
pub async fn wechsle(
    st: &AppState,
    conn: &mut Conn,
    a: &Antrag,
    w: Wechsel<'_>,
    now: Millis,
) -> Result<Zustand, AppError> {
    let von = zustand(a)?;
    if let Some(akteur) = w.akteur
        && !darf_ausloesen(akteur.role, w.ereignis)
    {
        return Err(AppError::Forbidden);
    }
    let verfahren = verfahren(a)
        .ok_or_else(|| AppError::Invalid("Bitte wählen Sie zuerst die Verfahrensart.".into()))?;
    let nach = uebergang_im_verfahren(verfahren, von, w.ereignis)
        .map_err(|e| AppError::Conflict(e.to_string()))?;
    Db::wechsle_zustand(conn, a.id, von.slug(), nach.slug(), now)
        .await
        .map_err(|e| match e {
            StoreError::Conflict(_) => AppError::Conflict(
                "Der Vorgang wurde inzwischen von jemand anderem geändert. Bitte laden Sie die Seite neu.".into(),
            ),
            e => e.into(),
        })?;
    let code = nach.statusbauportal_code_im(verfahren);
    Db::ereignis(
        conn,
        &NeuesEreignis {
            vorgang_id: a.id,
            user_id: w.akteur.map(|x| x.user_id),
            art: w.ereignis.slug(),
            zustand: Some(nach.slug()),
            status_code: code,
            text: w.text,
        },
        now,
    )
    .await?;
    if let Some((titel, text)) = w.mail {
        benachrichtige(
            st,
            conn,
            a,
            Mitteilung {
                titel,
                text,
                status: Some(statuszeile(nach, Some(verfahren))),
                frist: w.frist,
                an: An::Antragsteller,
                pfad: None,
            },
            now,
        )
        .await?;
    }
    Ok(nach)
}

/// Who a mail about a case goes to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum An {
    /// The applicant side: the owner and the Bauherrschaft that accepted.
    Antragsteller,
    /// The tenant's case workers.
    Bauaufsicht,
    /// The members of a Stelle.
    Stelle(i64),
}

/// A mail about a case.
pub struct Mitteilung<'a> {
    pub titel: &'a str,
    pub text: &'a str,
    pub status: Option<String>,
    pub frist: Option<&'a str>,
    pub an: An,
    /// The page the recipient acts on (`/beteiligungen/7`); `None`: the case page.
    pub pfad: Option<&'a str>,
}

/// Queues one mail per person concerned, in the caller's transaction.
pub async fn benachrichtige(
    st: &AppState,
    conn: &mut Conn,
    a: &Antrag,
    m: Mitteilung<'_>,
    now: Millis,
) -> Result<(), AppError> {
    let empfaenger = match m.an {
        An::Antragsteller => Db::antragsteller_empfaenger(conn, a.owner_user_id, a.id).await?,
        An::Bauaufsicht => Db::bauaufsicht_empfaenger(conn, a.tenant_id).await?,
        An::Stelle(id) => Db::stellen_empfaenger(conn, id).await?,
    };
    let url = match m.pfad {
        Some(p) => format!("{}{p}", st.config.public_url),
        None => format!("{}/vorgaenge/{}", st.config.public_url, a.id),
    };
    Db::queue_fallmitteilung(
        conn,
        empfaenger,
        &Fallmitteilung {
            tenant_id: a.tenant_id,
            vorhaben: &a.bezeichnung,
            aktenzeichen: a.aktenzeichen.as_deref(),
            titel: m.titel,
            text: m.text,
            status: m.status.as_deref(),
            frist: m.frist,
            vorgang_url: &url,
        },
        &st.config.mail_domain,
        now,
    )
    .await?;
    Ok(())
}

/// The Aktenzeichen from a tenant's format: `{kuerzel}`, `{jahr}`, `{nummer}` or
/// `{nummer:N}` (zero-padded to N digits). Unknown placeholders stay as written.
pub fn aktenzeichen(format: &str, kuerzel: &str, jahr: i64, nummer: i64) -> String {
    let mut out = String::new();
    let mut rest = format;
    while let Some(start) = rest.find('{') {
        out.push_str(&rest[..start]);
        let Some(len) = rest[start..].find('}') else {
            out.push_str(&rest[start..]);
            return out;
        };
        let feld = &rest[start + 1..start + len];
        match feld.split_once(':') {
            _ if feld == "kuerzel" => out.push_str(kuerzel),
            _ if feld == "jahr" => out.push_str(&jahr.to_string()),
            _ if feld == "nummer" => out.push_str(&nummer.to_string()),
            Some(("nummer", breite)) if breite.parse::<usize>().is_ok_and(|b| b <= 12) => {
                let b: usize = breite.parse().unwrap_or(0);
                out.push_str(&format!("{nummer:0b$}"));
            }
            _ => out.push_str(&rest[start..start + len + 1]),
        }
        rest = &rest[start + len + 1..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aktenzeichen_follow_the_tenants_format() {
        assert_eq!(
            aktenzeichen("{kuerzel}-{jahr}-{nummer:5}", "BA", 2026, 17),
            "BA-2026-00017"
        );
        assert_eq!(
            aktenzeichen("63/{nummer}/{jahr}", "x", 2026, 1234),
            "63/1234/2026"
        );
        assert_eq!(
            aktenzeichen("{unbekannt}-{nummer}", "x", 2026, 1),
            "{unbekannt}-1"
        );
        assert_eq!(aktenzeichen("A{nummer:3", "x", 2026, 1), "A{nummer:3");
    }
}
