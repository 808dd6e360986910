//! Paging of every `/api/v1` list: `?limit=…&nach=…` in, `{eintraege, weiter}` out. The
//! cursor is opaque to clients (today the last id of the page); a list without `weiter` is
//! complete.

use serde::Deserialize;

/// Most entries of one page.
pub const MAX_LIMIT: i64 = 200;
/// Entries of a page when the client asks for no size.
pub const STANDARD_LIMIT: i64 = 50;

/// The query of a page.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct Seitenabfrage {
    /// Entries per page, 1–200 (default 50).
    pub limit: Option<i64>,
    /// The `weiter` of the previous page.
    pub nach: Option<String>,
}

impl Seitenabfrage {
    /// The size asked for, bounded.
    pub fn limit(&self) -> i64 {
        self.limit.unwrap_or(STANDARD_LIMIT).clamp(1, MAX_LIMIT)
    }

    /// The position after which the page starts (an id of the previous page's last entry).
    pub fn nach_id(&self) -> Result<Option<i64>, crate::AppError> {
        match self.nach.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            None => Ok(None),
            Some(s) => s.parse::<i64>().map(Some).map_err(|_| {
                crate::AppError::Invalid(
                    "Der Parameter „nach“ ist ungültig; verwenden Sie den Wert „weiter“ der vorigen Seite.".into(),
                )
            }),
        }
    }

    /// Cuts a list fetched with `limit() + 1` entries to the page and says where the next
    /// one starts.
    pub fn schneide<T>(
        &self,
        mut eintraege: Vec<T>,
        id: impl Fn(&T) -> i64,
    ) -> (Vec<T>, Option<String>) {
        let limit = self.limit() as usize;
        if eintraege.len() > limit {
            eintraege.truncate(limit);
            let weiter = eintraege.last().map(|e| id(e).to_string());
            (eintraege, weiter)
        } else {
            (eintraege, None)
        }
    }

    /// A page of a list held whole in memory (short lists: a case's timeline, its
    /// documents), by position.
    pub fn blaettere<T>(&self, alle: Vec<T>) -> Result<(Vec<T>, Option<String>), crate::AppError> {
        let ab = self.nach_id()?.unwrap_or(0).max(0) as usize;
        let limit = self.limit() as usize;
        let n = alle.len();
        let seite: Vec<T> = alle.into_iter().skip(ab).take(limit).collect();
        let weiter = (ab + seite.len() < n).then(|| (ab + seite.len()).to_string());
        Ok((seite, weiter))
    }
}

/// A page type of entries `$t`, named `$name` in the OpenAPI document.
#[macro_export]
macro_rules! seite {
    ($name:ident, $t:ty, $doc:literal) => {
        #[doc = $doc]
        #[derive(serde::Serialize, utoipa::ToSchema)]
        pub struct $name {
            pub eintraege: Vec<$t>,
            /// Present when there are more: pass it as `nach` for the next page.
            pub weiter: Option<String>,
        }
    };
}
