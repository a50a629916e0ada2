//! AP601 duplicate-table-name: see `docs/rules/duplicate-table-name.md`.

use std::collections::HashMap;

use super::Rule;
use super::duplicate_model_index_name::top_dir;
use crate::diagnostic::Emitter;
use crate::metadata::Interned;
use crate::rules::Schema;
use crate::scan::model::{DbSchema, TableDecl};

pub(crate) fn check(schema: &Schema<'_>, emit: &mut Emitter<'_>) {
    let count = schema.models.iter().map(|m| m.facts.tables.len()).sum();
    let mut seen: HashMap<(&str, u32, &DbSchema, &str), (&str, &TableDecl)> = HashMap::with_capacity(count);
    let mut metadatas = Interned::new(schema.metadatas);
    for model in schema.models {
        for table in model
            .facts
            .tables
            .iter()
            .filter(|t| !t.extend_existing && t.schema != DbSchema::Unknown)
        {
            let Some(metadata) = metadatas.of(&model.path, &table.metadata) else {
                continue;
            };
            let key = (top_dir(&model.path), metadata, &table.schema, table.name.value.as_str());
            if let Some((path, first)) = seen.get(&key) {
                let by = first
                    .class
                    .as_ref()
                    .map_or_else(|| "a `Table(...)`".to_owned(), |c| format!("class `{c}`"));
                emit.report(
                    Rule::DuplicateTableName,
                    &model.path,
                    table.name.span.clone(),
                    format!("table `{}` is also declared by {by} in {path}", table.name.value),
                )
                .help(
                    "remove one declaration, or pass `extend_existing=True` if both describe the same table on purpose",
                )
                .related(
                    path,
                    first.name.span.clone(),
                    format!("`{}` first declared here", table.name.value),
                );
            } else {
                seen.insert(key, (&model.path, table));
            }
        }
    }
}
