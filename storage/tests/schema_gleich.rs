//! The SQLite and the PostgreSQL migrations (`storage/migrations/sqlite/` and
//! `storage/migrations/postgres/`) must describe the same schema, so that the portable
//! queries of the store behave alike on both and the two folders cannot drift apart silently.
//!
//! The test migrates BOTH backends itself, whatever `PLANKAMMER_TEST_DB` says: a fresh SQLite
//! file in a temporary folder and a fresh database on the PostgreSQL test server
//! (`PLANKAMMER_TEST_PG_URL`). If PostgreSQL cannot be reached the test fails; it never skips.
//!
//! Each schema is read from the database's catalogue and turned into a set of normalised
//! facts per table, for example `column email: text, NOT NULL, no default` or
//! `foreign key (user_id) references users (id) on delete CASCADE on update NO ACTION`. The
//! two sets must be equal except for the few genuine dialect differences in [`ALLOWED`].
//!
//! What is compared, per table (bookkeeping tables — `_sqlx_migrations`, `sqlite_*`, the
//! shadow tables of SQLite virtual tables — are left out):
//! - that it exists, and whether it is a table, a view or a virtual table;
//! - its columns in order; each column's type class (see [`sqlite_type_class`] and
//!   [`postgres_type_class`]), nullability, default (normalised text: casts and parentheses
//!   removed) and whether it is a generated id (SQLite `INTEGER PRIMARY KEY`, the rowid alias;
//!   PostgreSQL identity or serial). `GENERATED ALWAYS` versus `BY DEFAULT` is not compared:
//!   SQLite cannot express it;
//! - the primary key (columns in order);
//! - unique constraints (columns in order);
//! - foreign keys: columns → table (columns), ON DELETE and ON UPDATE actions;
//! - CHECK constraints: the columns they name and the literals they contain (PostgreSQL
//!   rewrites `x IN ('a', 'b')` to `x = ANY (ARRAY['a'::text, …])`, so operators are not
//!   compared, but a value added on one side only is found);
//! - indexes other than those backing a primary key or unique constraint, by name: key
//!   columns in order (an expression shows as `<expression>`), DESC, uniqueness, access
//!   method if not a B-tree, and the partial-index predicate (normalised like defaults);
//! - triggers: timing, event and row/statement level (names and bodies differ by dialect).

use plankammer_storage::testing::{fresh_database_url, tempfile_dir::TempDir};
use plankammer_storage::{Backend, Db};
use sqlx::Row;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

/// A genuine dialect difference: a fact that exists only on the SQLite side, only on the
/// PostgreSQL side, or a pair of facts that stand for the same thing. Each side is
/// `(table, fact)` exactly as the diff prints it.
struct Allowed {
    sqlite: Option<(&'static str, &'static str)>,
    postgres: Option<(&'static str, &'static str)>,
    reason: &'static str,
}

/// The allow-list, as small as possible. An entry that no longer matches a difference makes
/// the test fail too, so the list cannot outlive its reasons.
const ALLOWED: &[Allowed] = &[
    Allowed {
        sqlite: Some(("seiten_fts", "virtual table using fts5")),
        postgres: Some((
            "seiten",
            "index seiten_text_fts: on (<expression>) using gin",
        )),
        reason: "Full-text search is dialect-specific by design (0004_volltext.sql, \
                 storage/src/suche.rs): SQLite keeps a separate FTS5 index that the store fills \
                 (Db::index_seite), PostgreSQL indexes seiten.text directly with a GIN index over \
                 to_tsvector('german', …).",
    },
    // SQLite's documented legacy quirk: PRIMARY KEY does not imply NOT NULL (except for an
    // INTEGER PRIMARY KEY and WITHOUT ROWID tables), so these primary-key columns, declared
    // without NOT NULL, would accept NULL on SQLite, while PostgreSQL's PRIMARY KEY forbids
    // it. The store always binds a value there. Adding NOT NULL on SQLite needs a rebuild of
    // the table (and `blobs` is referenced by other tables), which is out of proportion; new
    // tables write NOT NULL on such columns (this test flags them otherwise).
    Allowed {
        sqlite: Some(("sessions", "column id_hash: text, nullable, no default")),
        postgres: Some(("sessions", "column id_hash: text, NOT NULL, no default")),
        reason: "SQLite legacy: a TEXT PRIMARY KEY without NOT NULL accepts NULL (0001).",
    },
    Allowed {
        sqlite: Some(("blobs", "column sha256: text, nullable, no default")),
        postgres: Some(("blobs", "column sha256: text, NOT NULL, no default")),
        reason: "SQLite legacy: a TEXT PRIMARY KEY without NOT NULL accepts NULL (0002).",
    },
    Allowed {
        sqlite: Some((
            "bescheid_vorlagen",
            "column tenant_id: ganzzahl, nullable, no default",
        )),
        postgres: Some((
            "bescheid_vorlagen",
            "column tenant_id: ganzzahl, NOT NULL, no default",
        )),
        reason: "SQLite legacy: BIGINT PRIMARY KEY is no rowid alias and without NOT NULL \
                 accepts NULL (0009).",
    },
];

/// One statement about one table of a schema.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Fact {
    table: String,
    text: String,
}

type Schema = BTreeSet<Fact>;

fn add(schema: &mut Schema, table: &str, text: impl Into<String>) {
    schema.insert(Fact {
        table: table.to_string(),
        text: text.into(),
    });
}

#[tokio::test]
async fn sqlite_and_postgres_migrations_give_the_same_schema() {
    let started = std::time::Instant::now();
    let dir = TempDir::new();
    // Both URLs come from the shared test helper, which picks the backend from
    // PLANKAMMER_TEST_DB; this test needs both, so it sets the variable for each call.
    let sqlite_url = fresh_url(Backend::Sqlite, dir.path()).await;
    let postgres_url = fresh_url(Backend::Postgres, dir.path()).await;

    let sqlite = Db::connect(&sqlite_url).await.expect("connect SQLite");
    sqlite.migrate().await.expect("migrate SQLite");
    let postgres = Db::connect(&postgres_url)
        .await
        .expect("connect PostgreSQL");
    postgres.migrate().await.expect("migrate PostgreSQL");

    let sqlite_schema = read_sqlite(&sqlite).await.expect("read the SQLite schema");
    let postgres_schema = read_postgres(&postgres)
        .await
        .expect("read the PostgreSQL schema");
    sqlite.close().await;
    postgres.close().await;

    // Guard against an introspection that silently reads nothing.
    for (name, schema) in [("SQLite", &sqlite_schema), ("PostgreSQL", &postgres_schema)] {
        assert!(
            schema.iter().any(|f| f.table == "users"),
            "{name}: no facts about the table users were read"
        );
    }

    let report = compare(&sqlite_schema, &postgres_schema);
    assert!(report.is_empty(), "{report}");
    eprintln!(
        "schema_gleich: {} facts per backend agree ({} allowed differences) in {:.1?}",
        postgres_schema.len(),
        ALLOWED.len(),
        started.elapsed()
    );
}

/// A fresh database URL for `backend` from `plankammer_storage::testing`.
async fn fresh_url(backend: Backend, dir: &std::path::Path) -> String {
    // SAFETY: this file holds a single test, and both calls run at its very start, before
    // any database connection (and thus any thread besides the test's own) exists, so
    // nothing reads the environment while it is written.
    unsafe { std::env::set_var("PLANKAMMER_TEST_DB", backend.name()) };
    fresh_database_url(dir).await
}

/// Compares the two schemas; returns an empty string if they agree (up to [`ALLOWED`]),
/// else a readable report.
fn compare(sqlite: &Schema, postgres: &Schema) -> String {
    let mut only_sqlite: BTreeSet<&Fact> = sqlite.difference(postgres).collect();
    let mut only_postgres: BTreeSet<&Fact> = postgres.difference(sqlite).collect();
    let mut stale = Vec::new();
    for entry in ALLOWED {
        let as_fact = |side: Option<(&str, &str)>| {
            side.map(|(table, text)| Fact {
                table: table.to_string(),
                text: text.to_string(),
            })
        };
        let s = as_fact(entry.sqlite);
        let p = as_fact(entry.postgres);
        let matches = s.as_ref().is_none_or(|f| only_sqlite.contains(f))
            && p.as_ref().is_none_or(|f| only_postgres.contains(f));
        if matches {
            if let Some(f) = &s {
                only_sqlite.remove(f);
            }
            if let Some(f) = &p {
                only_postgres.remove(f);
            }
        } else {
            stale.push((s, p, entry.reason));
        }
    }

    // (fact, 0 for SQLite / 1 for PostgreSQL) per table.
    let mut by_table: BTreeMap<&str, Vec<(&str, u8)>> = BTreeMap::new();
    for f in &only_sqlite {
        by_table.entry(&f.table).or_default().push((&f.text, 0));
    }
    for f in &only_postgres {
        by_table.entry(&f.table).or_default().push((&f.text, 1));
    }

    let mut out = String::new();
    if !by_table.is_empty() {
        out.push_str(
            "The SQLite and the PostgreSQL migrations give different schemas.\n\
             `- sqlite` lines exist only after storage/migrations/sqlite, `+ postgres` lines only \
             after storage/migrations/postgres.\n\
             Fix the drift with a new migration pair (the same next number in both folders; never \
             edit an applied migration), or, for a genuine dialect difference, add an entry with \
             its reason to ALLOWED in storage/tests/schema_gleich.rs.\n",
        );
        for (table, mut lines) in by_table {
            // Sorted by what the fact is about (the text before its first ':', e.g.
            // `column subject`), so the two versions of one column or index stand together,
            // SQLite's first.
            lines.sort_by_key(|(text, side)| (text.split(':').next(), *side, *text));
            let _ = writeln!(out, "\ntable {table}");
            for (text, side) in lines {
                let side = if side == 0 {
                    "- sqlite:  "
                } else {
                    "+ postgres:"
                };
                let _ = writeln!(out, "  {side} {text}");
            }
        }
    }
    if !stale.is_empty() {
        out.push_str(
            "\nThese ALLOWED entries no longer match a difference; remove or update them:\n",
        );
        let side = |f: Option<Fact>| match f {
            Some(f) => format!("{}: {}", f.table, f.text),
            None => "-".to_string(),
        };
        for (s, p, reason) in stale {
            let _ = writeln!(
                out,
                "  sqlite [{}] / postgres [{}]\n    ({reason})",
                side(s),
                side(p)
            );
        }
    }
    out
}

/// How one column is described on both sides.
struct Column {
    name: String,
    class: String,
    not_null: bool,
    default: Option<String>,
    generated_id: bool,
}

fn add_columns(schema: &mut Schema, table: &str, columns: &[Column]) {
    for c in columns {
        let mut text = format!(
            "column {}: {}, {}, {}",
            c.name,
            c.class,
            if c.not_null { "NOT NULL" } else { "nullable" },
            match &c.default {
                Some(d) => format!("default {d}"),
                None => "no default".to_string(),
            }
        );
        if c.generated_id {
            text.push_str(", generated id");
        }
        add(schema, table, text);
    }
    let order: Vec<&str> = columns.iter().map(|c| c.name.as_str()).collect();
    add(schema, table, format!("column order: {}", order.join(", ")));
}

fn index_fact(
    name: &str,
    unique: bool,
    columns: &[String],
    method: &str,
    predicate: &str,
) -> String {
    let mut text = format!(
        "index {name}: {}on ({})",
        if unique { "unique " } else { "" },
        columns.join(", ")
    );
    if method != "btree" {
        let _ = write!(text, " using {method}");
    }
    if !predicate.is_empty() {
        let _ = write!(text, " where {predicate}");
    }
    text
}

fn foreign_key_fact(
    columns: &[String],
    parent: &str,
    parent_columns: &[String],
    on_delete: &str,
    on_update: &str,
) -> String {
    format!(
        "foreign key ({}) references {parent} ({}) on delete {on_delete} on update {on_update}",
        columns.join(", "),
        parent_columns.join(", ")
    )
}

/// Type classes. SQLite stores by type affinity (https://sqlite.org/datatype3.html §3.1), so
/// the declared type is classified by SQLite's own rules:
///
/// | class | SQLite declared type | PostgreSQL |
/// |---|---|---|
/// | `ganzzahl` (64-bit integer) | contains `INT` (INTEGER, BIGINT …) | `bigint`, `bigserial` |
/// | `text` | contains `CHAR`, `CLOB` or `TEXT` | `text`, `varchar`/`char` without a length |
/// | `gleitkomma` (64-bit float) | contains `REAL`, `FLOA` or `DOUB` | `double precision` |
/// | `binaer` | contains `BLOB` | `bytea` |
/// | `wahrheitswert` | `BOOLEAN`, `BOOL` | `boolean` |
/// | `numerisch` | `NUMERIC`, `DECIMAL` | `numeric` |
///
/// Deliberately classes of their own, which SQLite never yields, so they show as drift:
/// PostgreSQL `integer`/`smallint`/`serial` (`ganzzahl32`: an SQLite INTEGER holds 64 bits,
/// and Unix milliseconds overflow 32), `real` (`gleitkomma32`), a `varchar(n)` with a length
/// (`text(max n)`: SQLite does not enforce lengths), an SQLite column without a type
/// (`ohne typ`), and any other type (`unbekannt(…)`).
fn sqlite_type_class(declared: &str) -> String {
    let t = declared.trim().to_ascii_uppercase();
    let class = if t.is_empty() {
        "ohne typ"
    } else if t == "BOOLEAN" || t == "BOOL" {
        "wahrheitswert"
    } else if t.contains("INT") {
        "ganzzahl"
    } else if t.contains("CHAR") || t.contains("CLOB") || t.contains("TEXT") {
        "text"
    } else if t.contains("BLOB") {
        "binaer"
    } else if t.contains("REAL") || t.contains("FLOA") || t.contains("DOUB") {
        "gleitkomma"
    } else if t.starts_with("NUMERIC") || t.starts_with("DECIMAL") {
        "numerisch"
    } else {
        return format!("unbekannt({})", t.to_lowercase());
    };
    class.to_string()
}

/// See [`sqlite_type_class`]; `data_type` as `information_schema.columns` gives it.
fn postgres_type_class(data_type: &str, max_length: Option<i64>) -> String {
    let class = match data_type {
        "bigint" => "ganzzahl",
        "integer" | "smallint" => "ganzzahl32",
        "text" => "text",
        "character varying" | "character" => match max_length {
            None => "text",
            Some(n) => return format!("text(max {n})"),
        },
        "double precision" => "gleitkomma",
        "real" => "gleitkomma32",
        "bytea" => "binaer",
        "boolean" => "wahrheitswert",
        "numeric" => "numerisch",
        other => return format!("unbekannt({other})"),
    };
    class.to_string()
}

// ---------------------------------------------------------------------------------------
// SQLite

async fn read_sqlite(db: &Db) -> anyhow::Result<Schema> {
    let pool = db.pool();
    let mut schema = Schema::new();

    let tables = sqlx::query(
        "SELECT name, type, wr FROM pragma_table_list WHERE schema = 'main' ORDER BY name",
    )
    .fetch_all(pool)
    .await?;
    for row in tables {
        let table: String = row.try_get("name")?;
        let kind: String = row.try_get("type")?;
        let without_rowid: i64 = row.try_get("wr")?;
        // The shadow tables of a virtual table (FTS5's _data, _idx, …) are its storage.
        if table.starts_with("sqlite_") || table == "_sqlx_migrations" || kind == "shadow" {
            continue;
        }
        let sql: String = sqlx::query_scalar(
            "SELECT sql FROM sqlite_master WHERE name = $1 AND type IN ('table', 'view')",
        )
        .bind(&table)
        .fetch_one(pool)
        .await?;
        let sql = tokens(&sql);
        match kind.as_str() {
            "table" => add(&mut schema, &table, "table"),
            "view" => {
                add(&mut schema, &table, "view");
                continue;
            }
            "virtual" => {
                // Its columns are the module's business, not the relational schema.
                let module = sql
                    .iter()
                    .position(|t| *t == Token::Word("using".into()))
                    .and_then(|i| sql.get(i + 1))
                    .map(render)
                    .unwrap_or_default();
                add(&mut schema, &table, format!("virtual table using {module}"));
                continue;
            }
            other => anyhow::bail!("{table}: unexpected kind of table {other:?}"),
        }

        // Columns and primary key.
        let rows = sqlx::query(
            "SELECT name, type, \"notnull\" AS not_null, dflt_value, pk \
             FROM pragma_table_info($1) ORDER BY cid",
        )
        .bind(&table)
        .fetch_all(pool)
        .await?;
        let mut raw = Vec::new();
        for r in &rows {
            let name: String = r.try_get("name")?;
            let declared: String = r.try_get("type")?;
            let not_null: i64 = r.try_get("not_null")?;
            let default: Option<String> = r.try_get("dflt_value")?;
            let pk: i64 = r.try_get("pk")?;
            raw.push((name, declared, not_null != 0, default, pk));
        }
        let mut primary_key: Vec<(i64, String)> = raw
            .iter()
            .filter(|c| c.4 > 0)
            .map(|c| (c.4, c.0.clone()))
            .collect();
        primary_key.sort();
        let primary_key: Vec<String> = primary_key.into_iter().map(|(_, n)| n).collect();
        // The rowid alias: the only primary-key column, declared exactly INTEGER, in a table
        // with rowid. SQLite assigns it when NULL is inserted, so it is never NULL.
        let rowid_alias = match (primary_key.as_slice(), without_rowid) {
            ([only], 0) => raw
                .iter()
                .find(|c| c.0 == *only && c.1.trim().eq_ignore_ascii_case("INTEGER"))
                .map(|c| c.0.clone()),
            _ => None,
        };
        let columns: Vec<Column> = raw
            .iter()
            .map(|(name, declared, not_null, default, _)| {
                let generated_id = rowid_alias.as_deref() == Some(name.as_str());
                Column {
                    name: name.clone(),
                    class: sqlite_type_class(declared),
                    not_null: *not_null || generated_id,
                    default: default
                        .as_deref()
                        .map(|d| normalised_expression(&tokens(d))),
                    generated_id,
                }
            })
            .collect();
        add_columns(&mut schema, &table, &columns);
        if !primary_key.is_empty() {
            add(
                &mut schema,
                &table,
                format!("primary key ({})", primary_key.join(", ")),
            );
        }

        // CHECK constraints, from the table's SQL (no pragma lists them).
        let names: BTreeSet<String> = columns.iter().map(|c| c.name.to_lowercase()).collect();
        for check in check_clauses(&sql) {
            add(&mut schema, &table, check_fact(check, &names));
        }

        // Unique constraints and indexes. The index behind the primary key is the primary key.
        let indexes = sqlx::query(
            "SELECT name, \"unique\" AS is_unique, origin, partial FROM pragma_index_list($1)",
        )
        .bind(&table)
        .fetch_all(pool)
        .await?;
        for r in indexes {
            let name: String = r.try_get("name")?;
            let unique: i64 = r.try_get("is_unique")?;
            let origin: String = r.try_get("origin")?;
            let partial: i64 = r.try_get("partial")?;
            let keys = sqlx::query(
                "SELECT name, \"desc\" AS descending FROM pragma_index_xinfo($1) \
                 WHERE key = 1 ORDER BY seqno",
            )
            .bind(&name)
            .fetch_all(pool)
            .await?;
            let mut columns = Vec::new();
            for k in keys {
                let column: Option<String> = k.try_get("name")?;
                let descending: i64 = k.try_get("descending")?;
                let mut c = column.unwrap_or_else(|| "<expression>".to_string());
                if descending != 0 {
                    c.push_str(" DESC");
                }
                columns.push(c);
            }
            match origin.as_str() {
                "pk" => {}
                "u" => add(
                    &mut schema,
                    &table,
                    format!("unique ({})", columns.join(", ")),
                ),
                _ => {
                    let predicate = if partial != 0 {
                        let sql: String = sqlx::query_scalar(
                            "SELECT sql FROM sqlite_master WHERE type = 'index' AND name = $1",
                        )
                        .bind(&name)
                        .fetch_one(pool)
                        .await?;
                        index_predicate(&tokens(&sql))
                    } else {
                        String::new()
                    };
                    add(
                        &mut schema,
                        &table,
                        index_fact(&name, unique != 0, &columns, "btree", &predicate),
                    );
                }
            }
        }

        // Foreign keys, one per id, columns in order.
        let keys = sqlx::query(
            "SELECT id, \"table\" AS parent, \"from\" AS child_column, \"to\" AS parent_column, \
             on_update, on_delete FROM pragma_foreign_key_list($1) ORDER BY id, seq",
        )
        .bind(&table)
        .fetch_all(pool)
        .await?;
        let mut foreign: BTreeMap<i64, SqliteForeignKey> = BTreeMap::new();
        for k in keys {
            let id: i64 = k.try_get("id")?;
            let parent: String = k.try_get("parent")?;
            let from: String = k.try_get("child_column")?;
            let to: Option<String> = k.try_get("parent_column")?;
            let on_update: String = k.try_get("on_update")?;
            let on_delete: String = k.try_get("on_delete")?;
            let key = foreign.entry(id).or_insert_with(|| SqliteForeignKey {
                parent,
                from: Vec::new(),
                to: Vec::new(),
                on_delete,
                on_update,
            });
            key.from.push(from);
            key.to.push(to);
        }
        for key in foreign.into_values() {
            // `REFERENCES t` without columns means t's primary key.
            let to: Vec<String> = if key.to.iter().all(Option::is_some) {
                key.to.into_iter().flatten().collect()
            } else {
                sqlx::query_scalar(
                    "SELECT name FROM pragma_table_info($1) WHERE pk > 0 ORDER BY pk",
                )
                .bind(&key.parent)
                .fetch_all(pool)
                .await?
            };
            add(
                &mut schema,
                &table,
                foreign_key_fact(&key.from, &key.parent, &to, &key.on_delete, &key.on_update),
            );
        }
    }

    // Triggers: SQLite has only row-level triggers; BEFORE when no timing is written.
    let triggers = sqlx::query("SELECT tbl_name, sql FROM sqlite_master WHERE type = 'trigger'")
        .fetch_all(pool)
        .await?;
    for r in triggers {
        let table: String = r.try_get("tbl_name")?;
        let sql: String = r.try_get("sql")?;
        let (timing, event) = sqlite_trigger(&tokens(&sql))
            .ok_or_else(|| anyhow::anyhow!("cannot read trigger on {table}: {sql}"))?;
        add(
            &mut schema,
            &table,
            format!("trigger {timing} {event} FOR EACH ROW"),
        );
    }
    Ok(schema)
}

/// One foreign key as `pragma_foreign_key_list` gives it, row by row.
struct SqliteForeignKey {
    parent: String,
    from: Vec<String>,
    /// None where the statement names no parent column (then the parent's primary key).
    to: Vec<Option<String>>,
    on_delete: String,
    on_update: String,
}

/// Timing and event of `CREATE TRIGGER [IF NOT EXISTS] name [BEFORE|AFTER|INSTEAD OF] event …`.
fn sqlite_trigger(sql: &[Token]) -> Option<(String, String)> {
    let word = |i: usize| match sql.get(i) {
        Some(Token::Word(w)) => Some(w.as_str()),
        _ => None,
    };
    let mut i = sql
        .iter()
        .position(|t| *t == Token::Word("trigger".into()))?
        + 1;
    if word(i) == Some("if") {
        i += 3;
    }
    i += 1; // the name
    if sql.get(i) == Some(&Token::Sym(".".into())) {
        i += 2; // schema.name
    }
    let timing = match word(i)? {
        "before" | "after" => {
            i += 1;
            word(i - 1)?.to_uppercase()
        }
        "instead" => {
            i += 2;
            "INSTEAD OF".to_string()
        }
        _ => "BEFORE".to_string(),
    };
    let event = word(i)?.to_uppercase();
    Some((timing, event))
}

// ---------------------------------------------------------------------------------------
// PostgreSQL. Every value is cast to text, bigint or boolean: sqlx's Any driver knows no
// `name`, `"char"`, array or information_schema domain types.

async fn read_postgres(db: &Db) -> anyhow::Result<Schema> {
    let pool = db.pool();
    let mut schema = Schema::new();

    let tables = sqlx::query(
        "SELECT table_name::text AS name, table_type::text AS kind FROM information_schema.tables \
         WHERE table_schema = current_schema() AND table_name <> '_sqlx_migrations'",
    )
    .fetch_all(pool)
    .await?;
    let mut views = BTreeSet::new();
    for r in tables {
        let table: String = r.try_get("name")?;
        let kind: String = r.try_get("kind")?;
        let kind = match kind.as_str() {
            "BASE TABLE" => "table".to_string(),
            "VIEW" => {
                views.insert(table.clone());
                "view".to_string()
            }
            other => other.to_lowercase(),
        };
        add(&mut schema, &table, kind);
    }

    let rows = sqlx::query(
        "SELECT table_name::text AS tab, column_name::text AS name, data_type::text AS data_type, \
         character_maximum_length::bigint AS max_length, is_nullable::text AS nullable, \
         column_default::text AS dflt, is_identity::text AS identity \
         FROM information_schema.columns \
         WHERE table_schema = current_schema() AND table_name <> '_sqlx_migrations' \
         ORDER BY table_name, ordinal_position",
    )
    .fetch_all(pool)
    .await?;
    let mut columns: BTreeMap<String, Vec<Column>> = BTreeMap::new();
    for r in rows {
        let table: String = r.try_get("tab")?;
        let name: String = r.try_get("name")?;
        let data_type: String = r.try_get("data_type")?;
        let max_length: Option<i64> = r.try_get("max_length")?;
        let nullable: String = r.try_get("nullable")?;
        let default: Option<String> = r.try_get("dflt")?;
        let identity: String = r.try_get("identity")?;
        // An identity column, or a serial one (its default draws from a sequence).
        let serial = default
            .as_deref()
            .is_some_and(|d| d.starts_with("nextval("));
        let generated_id = identity == "YES" || serial;
        columns.entry(table).or_default().push(Column {
            name,
            class: postgres_type_class(&data_type, max_length),
            not_null: nullable == "NO",
            default: if serial {
                None
            } else {
                default
                    .as_deref()
                    .map(|d| normalised_expression(&tokens(d)))
            },
            generated_id,
        });
    }
    for (table, columns) in &columns {
        // A view's columns are not compared (SQLite's side reads none either).
        if !views.contains(table) {
            add_columns(&mut schema, table, columns);
        }
    }

    // Primary keys, unique, foreign-key and CHECK constraints (pg_constraint rather than
    // information_schema: it keeps the column order of composite foreign keys).
    let rows = sqlx::query(
        "SELECT t.relname::text AS tab, c.contype::text AS kind, \
           array_to_string(ARRAY(SELECT a.attname::text FROM unnest(c.conkey) WITH ORDINALITY \
             AS k(attnum, ord) JOIN pg_attribute a ON a.attrelid = c.conrelid \
             AND a.attnum = k.attnum ORDER BY k.ord), ',') AS cols, \
           coalesce(p.relname::text, '') AS parent, \
           coalesce(array_to_string(ARRAY(SELECT a.attname::text FROM unnest(c.confkey) \
             WITH ORDINALITY AS k(attnum, ord) JOIN pg_attribute a ON a.attrelid = c.confrelid \
             AND a.attnum = k.attnum ORDER BY k.ord), ','), '') AS parent_cols, \
           c.confdeltype::text AS on_delete, c.confupdtype::text AS on_update, \
           pg_get_constraintdef(c.oid) AS def \
         FROM pg_constraint c \
         JOIN pg_class t ON t.oid = c.conrelid \
         JOIN pg_namespace n ON n.oid = t.relnamespace \
         LEFT JOIN pg_class p ON p.oid = c.confrelid \
         WHERE n.nspname = current_schema() AND t.relname <> '_sqlx_migrations' \
           AND c.contype IN ('p', 'u', 'f', 'c')",
    )
    .fetch_all(pool)
    .await?;
    for r in rows {
        let table: String = r.try_get("tab")?;
        let kind: String = r.try_get("kind")?;
        let cols: String = r.try_get("cols")?;
        let cols: Vec<String> = cols.split(',').map(str::to_string).collect();
        match kind.as_str() {
            "p" => add(
                &mut schema,
                &table,
                format!("primary key ({})", cols.join(", ")),
            ),
            "u" => add(&mut schema, &table, format!("unique ({})", cols.join(", "))),
            "f" => {
                let parent: String = r.try_get("parent")?;
                let parent_cols: String = r.try_get("parent_cols")?;
                let parent_cols: Vec<String> = parent_cols.split(',').map(str::to_string).collect();
                let on_delete: String = r.try_get("on_delete")?;
                let on_update: String = r.try_get("on_update")?;
                add(
                    &mut schema,
                    &table,
                    foreign_key_fact(
                        &cols,
                        &parent,
                        &parent_cols,
                        postgres_action(&on_delete)?,
                        postgres_action(&on_update)?,
                    ),
                );
            }
            _ => {
                let def: String = r.try_get("def")?;
                let names: BTreeSet<String> = columns
                    .get(&table)
                    .map(|cs| cs.iter().map(|c| c.name.to_lowercase()).collect())
                    .unwrap_or_default();
                add(&mut schema, &table, check_fact(&tokens(&def), &names));
            }
        }
    }

    // Indexes that do not merely back a primary key, unique or exclusion constraint.
    let rows = sqlx::query(
        "SELECT t.relname::text AS tab, i.relname::text AS name, x.indisunique AS is_unique, \
           am.amname::text AS method, \
           coalesce(pg_get_expr(x.indpred, x.indrelid), '') AS predicate, \
           array_to_string(ARRAY(SELECT CASE WHEN k.attnum = 0 THEN '<expression>' \
               ELSE a.attname::text END \
             || CASE WHEN x.indoption[k.ord - 1] & 1 = 1 THEN ' DESC' ELSE '' END \
             FROM unnest(x.indkey::int2[]) WITH ORDINALITY AS k(attnum, ord) \
             LEFT JOIN pg_attribute a ON a.attrelid = x.indrelid AND a.attnum = k.attnum \
             WHERE k.ord <= x.indnkeyatts ORDER BY k.ord), ',') AS cols \
         FROM pg_index x \
         JOIN pg_class i ON i.oid = x.indexrelid \
         JOIN pg_class t ON t.oid = x.indrelid \
         JOIN pg_namespace n ON n.oid = t.relnamespace \
         JOIN pg_am am ON am.oid = i.relam \
         WHERE n.nspname = current_schema() AND t.relname <> '_sqlx_migrations' \
           AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid \
             AND c.conrelid = x.indrelid AND c.contype IN ('p', 'u', 'x'))",
    )
    .fetch_all(pool)
    .await?;
    for r in rows {
        let table: String = r.try_get("tab")?;
        let name: String = r.try_get("name")?;
        let unique: bool = r.try_get("is_unique")?;
        let method: String = r.try_get("method")?;
        let predicate: String = r.try_get("predicate")?;
        let cols: String = r.try_get("cols")?;
        let cols: Vec<String> = cols.split(',').map(str::to_string).collect();
        let predicate = normalised_expression(&tokens(&predicate));
        add(
            &mut schema,
            &table,
            index_fact(&name, unique, &cols, &method, &predicate),
        );
    }

    // Triggers: information_schema lists one row per event.
    let rows = sqlx::query(
        "SELECT event_object_table::text AS tab, action_timing::text AS timing, \
           event_manipulation::text AS event, action_orientation::text AS orientation \
         FROM information_schema.triggers WHERE trigger_schema = current_schema()",
    )
    .fetch_all(pool)
    .await?;
    for r in rows {
        let table: String = r.try_get("tab")?;
        let timing: String = r.try_get("timing")?;
        let event: String = r.try_get("event")?;
        let orientation: String = r.try_get("orientation")?;
        add(
            &mut schema,
            &table,
            format!("trigger {timing} {event} FOR EACH {orientation}"),
        );
    }
    Ok(schema)
}

/// `pg_constraint.confdeltype`/`confupdtype` in SQLite's spelling.
fn postgres_action(code: &str) -> anyhow::Result<&'static str> {
    Ok(match code {
        "a" => "NO ACTION",
        "r" => "RESTRICT",
        "c" => "CASCADE",
        "n" => "SET NULL",
        "d" => "SET DEFAULT",
        other => anyhow::bail!("unknown foreign-key action {other:?}"),
    })
}

// ---------------------------------------------------------------------------------------
// A small SQL tokeniser, enough to read CHECK clauses, index predicates and defaults of both
// dialects and compare them in one normal form.

#[derive(Debug, Clone, PartialEq)]
enum Token {
    /// A bare word (keyword or identifier), lowercased.
    Word(String),
    /// A quoted identifier ("x", `x`), lowercased. (SQLite's `[x]` is not read as one:
    /// PostgreSQL prints `ARRAY[…]`, and the migrations use no brackets.)
    Ident(String),
    /// A string literal, unescaped.
    Str(String),
    Num(String),
    Sym(String),
}

fn tokens(sql: &str) -> Vec<Token> {
    let c: Vec<char> = sql.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < c.len() {
        let ch = c[i];
        let next = c.get(i + 1).copied();
        if ch.is_whitespace() {
            i += 1;
        } else if ch == '-' && next == Some('-') {
            while i < c.len() && c[i] != '\n' {
                i += 1;
            }
        } else if ch == '/' && next == Some('*') {
            i += 2;
            while i < c.len() && !(c[i] == '*' && c.get(i + 1) == Some(&'/')) {
                i += 1;
            }
            i += 2;
        } else if matches!(ch, '\'' | '"' | '`') {
            let close = ch;
            let mut s = String::new();
            i += 1;
            while i < c.len() {
                if c[i] == close {
                    // A doubled quote is one quote character.
                    if c.get(i + 1) == Some(&close) {
                        s.push(close);
                        i += 2;
                        continue;
                    }
                    i += 1;
                    break;
                }
                s.push(c[i]);
                i += 1;
            }
            out.push(if ch == '\'' {
                Token::Str(s)
            } else {
                Token::Ident(s.to_lowercase())
            });
        } else if ch.is_ascii_digit() {
            let start = i;
            while i < c.len() && (c[i].is_ascii_alphanumeric() || c[i] == '.') {
                i += 1;
            }
            out.push(Token::Num(c[start..i].iter().collect()));
        } else if ch.is_alphanumeric() || ch == '_' {
            let start = i;
            while i < c.len() && (c[i].is_alphanumeric() || c[i] == '_' || c[i] == '$') {
                i += 1;
            }
            out.push(Token::Word(
                c[start..i].iter().collect::<String>().to_lowercase(),
            ));
        } else {
            let two: String = c[i..(i + 2).min(c.len())].iter().collect();
            if matches!(two.as_str(), "::" | "<=" | ">=" | "<>" | "!=" | "||" | "==") {
                out.push(Token::Sym(two));
                i += 2;
            } else {
                out.push(Token::Sym(ch.to_string()));
                i += 1;
            }
        }
    }
    out
}

fn render(t: &Token) -> String {
    match t {
        Token::Word(s) | Token::Ident(s) | Token::Num(s) | Token::Sym(s) => s.clone(),
        Token::Str(s) => format!("'{}'", s.replace('\'', "''")),
    }
}

/// An expression in one normal form for both dialects: lowercase words, no parentheses
/// (PostgreSQL adds its own when it prints an expression back) and no casts
/// (`'x'::text`, `::character varying`, `::double precision`).
fn normalised_expression(expr: &[Token]) -> String {
    let mut out = Vec::new();
    let mut i = 0;
    while i < expr.len() {
        match &expr[i] {
            Token::Sym(s) if s == "(" || s == ")" => {}
            Token::Sym(s) if s == "::" => {
                i += 1; // the type name
                while matches!(expr.get(i + 1), Some(Token::Word(w)) if w == "varying" || w == "precision")
                {
                    i += 1;
                }
            }
            t => out.push(render(t)),
        }
        i += 1;
    }
    out.join(" ")
}

/// The bodies of the `CHECK (…)` clauses in a `CREATE TABLE` statement.
fn check_clauses(sql: &[Token]) -> Vec<&[Token]> {
    let mut out = Vec::new();
    for i in 0..sql.len() {
        if sql[i] == Token::Word("check".into()) && sql.get(i + 1) == Some(&Token::Sym("(".into()))
        {
            let mut depth = 0;
            for (j, t) in sql.iter().enumerate().skip(i + 1) {
                match t {
                    Token::Sym(s) if s == "(" => depth += 1,
                    Token::Sym(s) if s == ")" => {
                        depth -= 1;
                        if depth == 0 {
                            out.push(&sql[i + 2..j]);
                            break;
                        }
                    }
                    _ => {}
                }
            }
        }
    }
    out
}

/// A CHECK constraint as the columns it names and the literals it holds.
fn check_fact(expr: &[Token], columns: &BTreeSet<String>) -> String {
    let mut named = BTreeSet::new();
    let mut literals = BTreeSet::new();
    let mut after_cast = false;
    for t in expr {
        match t {
            Token::Word(w) | Token::Ident(w) if !after_cast && columns.contains(w) => {
                named.insert(w.clone());
            }
            Token::Str(_) | Token::Num(_) => {
                literals.insert(render(t));
            }
            _ => {}
        }
        after_cast = *t == Token::Sym("::".into());
    }
    let named: Vec<String> = named.into_iter().collect();
    let literals: Vec<String> = literals.into_iter().collect();
    format!(
        "check on ({}) with {}",
        named.join(", "),
        if literals.is_empty() {
            "no literals".to_string()
        } else {
            literals.join(", ")
        }
    )
}

/// The normalised `WHERE` of a `CREATE INDEX` statement, or "" if it has none.
fn index_predicate(sql: &[Token]) -> String {
    let mut depth = 0;
    for (i, t) in sql.iter().enumerate() {
        match t {
            Token::Sym(s) if s == "(" => depth += 1,
            Token::Sym(s) if s == ")" => depth -= 1,
            Token::Word(w) if w == "where" && depth == 0 => {
                return normalised_expression(&sql[i + 1..]);
            }
            _ => {}
        }
    }
    String::new()
}
