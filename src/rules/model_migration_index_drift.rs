//! AP303 model-migration-index-drift: see `docs/rules/model-migration-index-drift.md`.

use crate::hash::FastMap;
use compact_str::CompactString;

use super::Rule;
use super::duplicate_model_index_name::model_index_name;
use crate::check::Schema;
use crate::diagnostic::Emitter;
use crate::scan::model::{ModelIndex, normalise_column};
use crate::schema::LiveIndex;

pub(crate) fn check(schema: &Schema<'_>, emit: &mut Emitter<'_>) {
    // Tables whose every declaration is complete, and their declared indexes.
    let mut tables: FastMap<&str, bool> = FastMap::default();
    for model in schema.models {
        for table in &model.facts.tables {
            let complete = table.complete && !table.extend_existing;
            let entry = tables.entry(table.name.value.as_str()).or_insert(complete);
            *entry &= complete;
        }
    }
    // Grouped by table once: the comparison is per table.
    let mut by_table: FastMap<&str, Vec<(&ModelIndex, &str)>> = FastMap::default();
    for model in schema.models {
        for index in &model.facts.indexes {
            by_table
                .entry(index.table.as_str())
                .or_default()
                .push((index, model.path.as_str()));
        }
    }
    let live: Vec<FastMap<&str, Vec<&LiveIndex>>> = schema
        .replays
        .iter()
        .map(|(_, replay)| {
            let mut map: FastMap<&str, Vec<&LiveIndex>> = FastMap::default();
            for index in replay.live() {
                if let Some(table) = index.table {
                    map.entry(table).or_default().push(index);
                }
            }
            map
        })
        .collect();
    // In name order, so the same inputs report in the same order.
    let mut complete: Vec<&str> = tables.into_iter().filter(|&(_, c)| c).map(|(t, _)| t).collect();
    complete.sort_unstable();
    for table in complete {
        // The one environment whose chain ends with this table.
        let mut chains = (0..schema.replays.len()).filter(|&i| schema.replays[i].1.tables.contains(table));
        let (Some(chain), None) = (chains.next(), chains.next()) else {
            continue;
        };
        let replay = &schema.replays[chain].1;
        if replay.opaque || replay.uncertain_tables.contains(table) {
            continue;
        }
        let mut declared = Vec::new();
        let mut known = true;
        for &(index, path) in by_table.get(table).map(Vec::as_slice).unwrap_or_default() {
            match model_index_name(schema.convention, table, &index.name, &index.columns) {
                Some(name) => declared.push((name, index, path)),
                // One unknown name and the comparison means nothing.
                None => known = false,
            }
        }
        if !known {
            continue;
        }
        let mut created: Vec<&LiveIndex> = live[chain].get(table).cloned().unwrap_or_default();
        // The replay keeps no order: by name, so the same inputs give the same report.
        created.sort_by(|a, b| a.name.cmp(&b.name));
        let columns = |cols: &[CompactString]| cols.iter().map(|c| normalise_column(c)).collect::<Vec<_>>();
        for (name, index, path) in &declared {
            if created.iter().any(|c| &c.name == name) {
                continue;
            }
            let renamed = created.iter().find(|c| {
                columns(c.columns) == columns(&index.columns) && !declared.iter().any(|(n, _, _)| *n == c.name)
            });
            let report = match renamed {
                Some(other) => emit
                    .report(
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
                    .related(other.path, other.span.clone(), format!("`{}` created here", other.name)),
                None => emit
                    .report(
                        Rule::ModelMigrationIndexDrift,
                        path,
                        index.span.clone(),
                        format!("the model declares index `{name}` on `{table}`, but no migration creates it"),
                    )
                    .help(
                        "generate a migration for it (`alembic revision --autogenerate`), or remove it from the model",
                    ),
            };
            let _ = report;
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
}
