//! The `Executor` over bundled SQLite, for host tests and benchmarks. It applies the same
//! `migrations/*.sql` files wrangler applies to D1, and gives a batch the same all-or-nothing
//! meaning D1 does (a transaction).

use std::path::Path;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use rusqlite::types::ValueRef;
use rusqlite::{Connection, params_from_iter};

use super::{Executor, Row, Statement, StoreError, Value};

pub struct SqliteExecutor {
    conn: Mutex<Connection>,
    /// Calls of `batch` and `query`: what would be D1 round trips in the Worker.
    round_trips: AtomicU64,
}

impl SqliteExecutor {
    /// A fresh in-memory database with every migration in `migrations_dir` applied in name
    /// order, as `wrangler d1 migrations apply` does.
    pub fn in_memory(migrations_dir: &Path) -> Result<Self, StoreError> {
        Self::migrated_through(migrations_dir, None)
    }

    /// A fresh in-memory database with the migrations up to and including the one whose file
    /// name starts with `last` (every one when `None`): a test seeds rows there, then applies
    /// the rest with `apply_migrations_after`, as a deployed database meets a new migration.
    pub fn migrated_through(migrations_dir: &Path, last: Option<&str>) -> Result<Self, StoreError> {
        let conn = Connection::open_in_memory().map_err(db_error)?;
        conn.execute_batch("PRAGMA foreign_keys = ON;")
            .map_err(db_error)?;
        let executor = Self {
            conn: Mutex::new(conn),
            round_trips: AtomicU64::new(0),
        };
        for file in migration_files(migrations_dir)? {
            executor.apply_migration(&file)?;
            if last.is_some_and(|last| file_name(&file).starts_with(last)) {
                break;
            }
        }
        Ok(executor)
    }

    /// Applies every migration whose file name sorts after the one starting with `last`.
    pub fn apply_migrations_after(
        &self,
        migrations_dir: &Path,
        last: &str,
    ) -> Result<(), StoreError> {
        let mut after = false;
        for file in migration_files(migrations_dir)? {
            if after {
                self.apply_migration(&file)?;
            } else if file_name(&file).starts_with(last) {
                after = true;
            }
        }
        Ok(())
    }

    /// One migration file inside one transaction, as D1 applies it: all or nothing, and a
    /// `PRAGMA defer_foreign_keys` in it lasts until its end (0029 rebuilds `tickets` so).
    fn apply_migration(&self, file: &Path) -> Result<(), StoreError> {
        let sql = std::fs::read_to_string(file).map_err(|e| StoreError::Database(e.to_string()))?;
        let conn = self.lock();
        conn.execute_batch(&format!("BEGIN;\n{sql}\nCOMMIT;"))
            .map_err(|e| {
                // A failed statement leaves the transaction open; close it before reporting.
                let _ = conn.execute_batch("ROLLBACK;");
                db_error(e)
            })
    }

    /// Runs raw SQL (test fixtures only: seeding sites, inspecting tables).
    pub fn execute_script(&self, sql: &str) -> Result<(), StoreError> {
        self.lock().execute_batch(sql).map_err(db_error)
    }

    /// How many round trips (batches and queries) this executor has served.
    pub fn round_trips(&self) -> u64 {
        self.round_trips.load(Ordering::Relaxed)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Connection> {
        // A panic while holding the lock leaves no half-applied batch (the transaction is rolled
        // back on drop), so a poisoned lock is still safe to use.
        self.conn
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl Executor for SqliteExecutor {
    async fn batch(&self, statements: Vec<Statement>) -> Result<Vec<Vec<Row>>, StoreError> {
        self.round_trips.fetch_add(1, Ordering::Relaxed);
        let mut conn = self.lock();
        let tx = conn.transaction().map_err(db_error)?;
        let results = statements
            .iter()
            .map(|s| run(&tx, s))
            .collect::<Result<Vec<_>, _>>()?;
        tx.commit().map_err(db_error)?;
        Ok(results)
    }

    async fn query(&self, statement: Statement) -> Result<Vec<Row>, StoreError> {
        self.round_trips.fetch_add(1, Ordering::Relaxed);
        run(&self.lock(), &statement)
    }
}

fn run(conn: &Connection, statement: &Statement) -> Result<Vec<Row>, StoreError> {
    let mut stmt = conn.prepare_cached(statement.sql).map_err(db_error)?;
    let names: Vec<String> = stmt.column_names().into_iter().map(str::to_owned).collect();
    let params = statement.params.iter().map(|v| match v {
        Value::Null => rusqlite::types::Value::Null,
        Value::Integer(n) => rusqlite::types::Value::Integer(*n),
        Value::Text(s) => rusqlite::types::Value::Text(s.clone()),
    });
    let mut rows = stmt.query(params_from_iter(params)).map_err(db_error)?;
    let mut out = Vec::new();
    while let Some(row) = rows.next().map_err(db_error)? {
        let mut object = Row::new();
        for (i, name) in names.iter().enumerate() {
            let value = match row.get_ref(i).map_err(db_error)? {
                ValueRef::Null => serde_json::Value::Null,
                ValueRef::Integer(n) => n.into(),
                ValueRef::Real(f) => f.into(),
                ValueRef::Text(t) => String::from_utf8_lossy(t).into_owned().into(),
                ValueRef::Blob(_) => {
                    return Err(StoreError::RowShape(format!("blob in column {name}")));
                }
            };
            object.insert(name.clone(), value);
        }
        out.push(object);
    }
    Ok(out)
}

fn db_error(e: rusqlite::Error) -> StoreError {
    StoreError::from_message(e.to_string())
}

/// The `.sql` files of `dir`, in name order.
fn migration_files(dir: &Path) -> Result<Vec<std::path::PathBuf>, StoreError> {
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .map_err(|e| StoreError::Database(e.to_string()))?
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "sql"))
        .collect();
    files.sort();
    Ok(files)
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_default()
}
