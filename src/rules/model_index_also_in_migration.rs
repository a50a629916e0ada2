//! AP305 model-index-also-in-migration: see `docs/rules/model-index-also-in-migration.md`.

use super::Rule;
use crate::diagnostic::Emitter;
use crate::rules::Schema;
use compact_str::CompactString;

pub(crate) fn check(schema: &Schema<'_>, emit: &mut Emitter<'_>) {
    if !emit.enabled(Rule::ModelIndexAlsoInMigration) {
        return;
    }
    for (_, replay) in &schema.replays {
        for created in &replay.explicit {
            for (model, names) in schema.models.iter().zip(&schema.model_index_names) {
                for (index, name) in model.facts.indexes.iter().zip(names).filter(|(i, _)| i.implicit) {
                    if name.as_deref() != Some(created.name.as_ref()) {
                        continue;
                    }
                    let column = index.columns.first().map_or("", CompactString::as_str);
                    emit.report(
                        Rule::ModelIndexAlsoInMigration,
                        created.path,
                        created.span.clone(),
                        format!("index `{}` is created here and also declared by `index=True` on `{}.{column}`", created.name, index.table),
                    )
                    .help("keep one source of DDL: drop `index=True` from the model, or stop creating the index in migrations")
                    .related(&model.path, index.span.clone(), "`index=True` declared here");
                }
            }
        }
    }
}
