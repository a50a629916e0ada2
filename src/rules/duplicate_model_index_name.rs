//! AP302 duplicate-model-index-name: see `docs/rules/duplicate-model-index-name.md`.

use compact_str::CompactString;
use std::collections::HashMap;
use std::ops::Range;

use super::Rule;
use crate::diagnostic::Emitter;
use crate::metadata::Interned;
use crate::rules::Schema;
use crate::scan::model::{DbSchema, convention_name};
use crate::scan::ops::Name;

/// The name a model index gets: its literal name, or the convention's.
/// `convention` is the `ix` template of the table's metadata, `None` when
/// it is not known.
pub fn model_index_name(
    convention: Option<&str>,
    (table, schema): (&str, &DbSchema),
    name: &Name,
    columns: &[CompactString],
) -> Option<String> {
    // The label would include a schema that cannot be read.
    if *schema == DbSchema::Unknown {
        return name.literal().map(|item| item.value.to_string());
    }
    let schema = schema.name();
    match name {
        Name::Literal(item) => Some(item.value.to_string()),
        Name::Convention => convention_name(convention?, table, schema, columns),
        Name::Unknown => None,
    }
}

/// Projects in separate top-level directories of a monorepo have separate
/// schemas.
pub(crate) fn top_dir(path: &str) -> &str {
    path.split_once('/').map_or("", |(top, _)| top)
}

/// (top-level directory, metadata's number, database schema, index name).
type Key<'a> = (&'a str, u32, &'a DbSchema, &'a str);

pub(crate) fn check(schema: &Schema<'_>, emit: &mut Emitter<'_>) {
    // Index names are shared by one schema of one database: one metadata.
    let count = schema.models.iter().map(|m| m.facts.indexes.len()).sum();
    let mut seen: HashMap<Key<'_>, (&str, Range<usize>, &str)> = HashMap::with_capacity(count);
    let mut metadatas = Interned::new(schema.metadatas);
    for (model, names) in schema.models.iter().zip(&schema.model_index_names) {
        for (index, name) in model.facts.indexes.iter().zip(names) {
            let Some(name) = name else {
                continue;
            };
            if index.schema == DbSchema::Unknown {
                continue;
            }
            let Some(metadata) = metadatas.of(&model.path, &index.metadata) else {
                continue;
            };
            let key = (top_dir(&model.path), metadata, &index.schema, name.as_str());
            match seen.get(&key) {
                Some((path, span, table)) => {
                    let message = if *path == model.path && *table == index.table {
                        format!("index `{name}` is declared twice on `{table}`")
                    } else if *path == model.path {
                        format!(
                            "index `{name}` is declared twice (tables `{table}` and `{}`)",
                            index.table
                        )
                    } else {
                        format!("index `{name}` is also declared by {path} (table `{table}`)")
                    };
                    emit.report(Rule::DuplicateModelIndexName, &model.path, index.span.clone(), message)
                        .help("give one of the two another name: index names are shared by the whole schema, so creating the second fails")
                        .related(path, span.clone(), format!("`{name}` declared here"));
                }
                None => {
                    seen.insert(key, (&model.path, index.span.clone(), &index.table));
                }
            }
        }
    }
}
