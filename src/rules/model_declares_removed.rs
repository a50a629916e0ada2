//! AP809 model-declares-removed: see `docs/rules/model-declares-removed.md`.

use super::removal::removals;
use super::{FileContext, Rule};
use crate::diagnostic::Emitter;

pub(crate) fn check(ctx: &FileContext<'_>, emit: &mut Emitter<'_>) {
    let Some(safety) = ctx.safety else { return };
    for removal in removals(ctx) {
        let Some(model) = safety.declaring(ctx.graph, ctx.file, (removal.schema, removal.table), removal.column) else {
            continue;
        };
        let (holder, fix) = match removal.column {
            Some(column) => (
                format!("{} still declares it", model.model),
                format!(
                    "remove `{column}` from {} and deploy that first (SQLAlchemy selects every mapped column)",
                    model.model
                ),
            ),
            None => (
                format!("{} still maps it", model.model),
                format!("remove {} from the models and deploy that first", model.model),
            ),
        };
        emit.report(
            Rule::ModelDeclaresRemoved,
            &ctx.file.path,
            removal.op.span.clone(),
            format!(
                "`upgrade()` {}, but {holder}: every query of it fails once this revision runs",
                removal.describe(false),
            ),
        )
        .related(&model.path, model.span.clone(), "declared here")
        .help(format!("{fix}; run this revision in a later deploy"));
    }
}
