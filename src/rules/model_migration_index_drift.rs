//! AP303 model-migration-index-drift: see `docs/rules/model-migration-index-drift.md`.

use compact_str::CompactString;
use std::collections::HashMap;

use super::Rule;
use crate::diagnostic::Emitter;
use crate::parallel;
use crate::rules::Schema;
use crate::scan::model::{DbSchema, ModelIndex, normalise_column};
use crate::schema::LiveIndex;

/// Each table's model indexes: the index, its file, its name if known.
type Declared<'a> = HashMap<String, Vec<(&'a ModelIndex, &'a str, Option<&'a str>)>>;

/// A table as the comparison knows it: `schema.table`, or `table` in the
/// default schema.
fn qualified(schema: Option<&str>, table: &str) -> String {
    match schema {
        Some(schema) => format!("{schema}.{table}"),
        None => table.to_owned(),
    }
}

pub(crate) fn check(schema: &Schema<'_>, emit: &mut Emitter<'_>) {
    // Tables whose every declaration is complete, and their declared indexes.
    let mut tables: HashMap<String, bool> = HashMap::new();
    for model in schema.models {
        for table in &model.facts.tables {
            // A base class elsewhere that declares indexes adds them to this
            // table, out of this file's sight.
            let inherits = table.bases.iter().any(|b| schema.index_bases.contains(b));
            let complete = table.complete && !table.extend_existing && !inherits && table.schema != DbSchema::Unknown;
            let entry = tables
                .entry(qualified(table.schema.name(), &table.name.value))
                .or_insert(complete);
            *entry &= complete;
        }
    }
    // Grouped by table once: the comparison is per table.
    let mut by_table: Declared<'_> = HashMap::new();
    for (model, names) in schema.models.iter().zip(&schema.model_index_names) {
        for (index, name) in model.facts.indexes.iter().zip(names) {
            by_table
                .entry(qualified(index.schema.name(), &index.table))
                .or_default()
                .push((index, model.path.as_str(), name.as_deref()));
        }
    }
    // In name order, so the same inputs report in the same order.
    let mut complete: Vec<String> = tables.into_iter().filter(|&(_, c)| c).map(|(t, _)| t).collect();
    if complete.is_empty() {
        return;
    }
    complete.sort_unstable();
    // The live indexes of the tables compared, and no others: a history
    // of thousands of tables with few models indexes only those.
    let compared: std::collections::HashSet<&str> = complete.iter().map(String::as_str).collect();
    let live: Vec<HashMap<String, Vec<&LiveIndex>>> = schema
        .replays
        .iter()
        .map(|(_, replay)| {
            let mut map: HashMap<String, Vec<&LiveIndex>> = HashMap::new();
            for index in replay.live() {
                if let Some(table) = index.table {
                    let name = qualified(index.schema, table);
                    if compared.contains(name.as_str()) {
                        map.entry(name).or_default().push(index);
                    }
                }
            }
            map
        })
        .collect();
    // Each table on its own: in shares, on every core.
    let blank = emit.sibling();
    let size = (complete.len() / 16).max(256);
    let shares = parallel::map(complete.chunks(size).collect(), |share| {
        let mut emit = blank.sibling();
        for table in share {
            compare(schema, table, &by_table, &live, &mut emit);
        }
        emit.into_diagnostics()
    });
    for share in shares {
        emit.extend(share);
    }
}

/// Compares what the models declare on `table` with what its upgrade
/// chain leaves.
fn compare(
    schema: &Schema<'_>,
    table: &str,
    by_table: &Declared<'_>,
    live: &[HashMap<String, Vec<&LiveIndex>>],
    emit: &mut Emitter<'_>,
) {
    // The one environment whose chain ends with this table.
    let bare = table.rsplit_once('.').map_or(table, |(_, bare)| bare);
    let mut chains = (0..schema.replays.len()).filter(|&i| schema.replays[i].1.tables.contains(bare));
    let (Some(chain), None) = (chains.next(), chains.next()) else {
        return;
    };
    let replay = &schema.replays[chain].1;
    if replay.opaque || replay.uncertain_tables.contains(bare) {
        return;
    }
    let mut declared = Vec::new();
    for &(index, path, name) in by_table.get(table).map(Vec::as_slice).unwrap_or_default() {
        // One unknown name and the comparison means nothing.
        let Some(name) = name else { return };
        declared.push((name, index, path));
    }
    let mut created: Vec<&LiveIndex> = live[chain].get(table).cloned().unwrap_or_default();
    // The replay keeps no order: by name, so the same inputs give the same report.
    created.sort_by(|a, b| a.name.cmp(&b.name));
    for &(name, index, path) in &declared {
        if !created.iter().any(|c| c.name == name) {
            not_created(table, (name, index, path), &declared, &created, emit);
        }
    }
    for created in &created {
        let known = declared
            .iter()
            .any(|(n, i, _)| *n == created.name || columns(&i.columns) == columns(created.columns));
        if !known {
            emit.report(
                Rule::ModelMigrationIndexDrift,
                created.path,
                created.span.clone(),
                format!(
                    "the migrations create index `{}` on `{table}`, which no model declares",
                    created.name
                ),
            )
            .help(format!(
                "declare it on the model (`Index(\"{}\", ...)` in `__table_args__`), or drop it in a new migration",
                created.name
            ));
        }
    }
}

/// Columns as compared: normalised, in order.
fn columns(cols: &[CompactString]) -> Vec<String> {
    cols.iter().map(|c| normalise_column(c)).collect()
}

/// A model index no migration creates by its name: renamed when a
/// migration creates one on the same columns that the model does not name,
/// else missing.
fn not_created(
    table: &str,
    (name, index, path): (&str, &ModelIndex, &str),
    declared: &[(&str, &ModelIndex, &str)],
    created: &[&LiveIndex],
    emit: &mut Emitter<'_>,
) {
    let renamed = created
        .iter()
        .find(|c| columns(c.columns) == columns(&index.columns) && !declared.iter().any(|(n, _, _)| *n == c.name));
    match renamed {
        Some(other) => {
            emit.report(
                Rule::ModelMigrationIndexDrift,
                path,
                index.span.clone(),
                format!(
                    "the model names the index on `{table}` ({}) `{name}`, the migrations name it `{}`",
                    index.columns.join(", "),
                    other.name
                ),
            )
            .help(format!(
                "use one name: `{}` here, or rename the index in a new migration",
                other.name
            ))
            .related(other.path, other.span.clone(), format!("`{}` created here", other.name));
        }
        None => {
            emit.report(
                Rule::ModelMigrationIndexDrift,
                path,
                index.span.clone(),
                format!("the model declares index `{name}` on `{table}`, but no migration creates it"),
            )
            .help("generate a migration for it (`alembic revision --autogenerate`), or remove it from the model");
        }
    }
}
