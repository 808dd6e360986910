//! Full-text search over the text of a case's pages: PostgreSQL's `german` text search,
//! SQLite's FTS5. The two dialects' queries stand side by side here; the rest of the store
//! stays portable.

use crate::{Backend, Db, Result};
use serde::Serialize;
use sqlx::Row;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Treffer {
    pub version_id: i64,
    pub seite: i64,
    /// The matching passage, hits marked with « ».
    pub auszug: String,
}

/// Words of a search as plain terms (no operators from people's input reach the engine).
fn woerter(q: &str) -> Vec<String> {
    q.split(|c: char| !c.is_alphanumeric() && c != '-')
        .map(|w| w.trim_matches('-'))
        .filter(|w| w.chars().count() >= 2)
        .take(10)
        .map(str::to_string)
        .collect()
}

impl Db {
    /// Keeps the search index of a page in step with its text (SQLite keeps its own index;
    /// PostgreSQL indexes the column directly).
    pub(crate) async fn index_seite(&self, version_id: i64, nummer: i64, text: &str) -> Result<()> {
        if self.backend() == Backend::Sqlite {
            sqlx::query("DELETE FROM seiten_fts WHERE version_id = $1 AND nummer = $2")
                .bind(version_id)
                .bind(nummer)
                .execute(self.pool())
                .await?;
            sqlx::query("INSERT INTO seiten_fts (version_id, nummer, text) VALUES ($1, $2, $3)")
                .bind(version_id)
                .bind(nummer)
                .bind(text)
                .execute(self.pool())
                .await?;
        }
        Ok(())
    }

    /// Pages of the case's documents that contain all words of `q`, best first (at most 50).
    pub async fn suche(&self, vorgang_id: i64, q: &str) -> Result<Vec<Treffer>> {
        let w = woerter(q);
        if w.is_empty() {
            return Ok(vec![]);
        }
        let rows = match self.backend() {
            Backend::Postgres => {
                sqlx::query(
                    "SELECT s.version_id, s.nummer, \
                         ts_headline('german', s.text, q, 'StartSel=«, StopSel=», MaxWords=18, MinWords=6') AS auszug \
                     FROM seiten s JOIN dokument_versionen v ON v.id = s.version_id, plainto_tsquery('german', $1) q \
                     WHERE v.vorgang_id = $2 AND to_tsvector('german', coalesce(s.text, '')) @@ q \
                     ORDER BY ts_rank(to_tsvector('german', coalesce(s.text, '')), q) DESC, s.version_id, s.nummer LIMIT 50",
                )
                .bind(w.join(" "))
                .bind(vorgang_id)
                .fetch_all(self.pool())
                .await?
            }
            Backend::Sqlite => {
                // Each word quoted (no FTS syntax from input) and as a prefix, since FTS5 does
                // not stem German words.
                let m: Vec<String> = w.iter().map(|x| format!("\"{}\"*", x.replace('"', ""))).collect();
                sqlx::query(
                    "SELECT f.version_id AS version_id, f.nummer AS nummer, snippet(seiten_fts, 2, '«', '»', '…', 12) AS auszug \
                     FROM seiten_fts f JOIN dokument_versionen v ON v.id = f.version_id \
                     WHERE seiten_fts MATCH $1 AND v.vorgang_id = $2 ORDER BY rank LIMIT 50",
                )
                .bind(m.join(" "))
                .bind(vorgang_id)
                .fetch_all(self.pool())
                .await?
            }
        };
        rows.iter()
            .map(|r| {
                Ok(Treffer {
                    version_id: r.try_get("version_id")?,
                    seite: r.try_get("nummer")?,
                    auszug: r.try_get("auszug")?,
                })
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::woerter;

    #[test]
    fn search_input_becomes_plain_words() {
        assert_eq!(
            woerter("Grundriss \"EG\" OR x* NEAR(a b)"),
            ["Grundriss", "EG", "OR", "NEAR"]
        );
        assert!(woerter("- * \" ").is_empty());
    }
}
