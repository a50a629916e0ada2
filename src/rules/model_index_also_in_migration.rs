//! AP305 model-index-also-in-migration: see `docs/rules/model-index-also-in-migration.md`.

use super::Rule;
use super::duplicate_model_index_name::model_index_name;
use crate::check::Schema;
use crate::diagnostic::Emitter;
use compact_str::CompactString;

pub(crate) fn check(schema: &Schema<'_>, emit: &mut Emitter<'_>) {
    if !emit.enabled(Rule::ModelIndexAlsoInMigration) {
        return;
    }
    for (_, replay) in &schema.replays {
        for created in &replay.explicit {
            for model in schema.models {
                for index in model.facts.indexes.iter().filter(|i| i.implicit) {
                    if model_index_name(schema.convention, &index.table, &index.name, &index.columns).as_deref()
                        != Some(created.name.as_ref())
                    {
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
