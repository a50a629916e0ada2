//! AP810 breaking-removal: see `docs/rules/breaking-removal.md`.

use super::removal::removals;
use super::{FileContext, Rule};
use crate::diagnostic::Emitter;

pub(crate) fn check(ctx: &FileContext<'_>, emit: &mut Emitter<'_>) {
    let Some(safety) = ctx.safety else { return };
    for removal in removals(ctx) {
        // A model that still declares it is AP809's: an error, not a warning.
        if emit.enabled(Rule::ModelDeclaresRemoved)
            && safety
                .declaring(ctx.graph, ctx.file, (removal.schema, removal.table), removal.column)
                .is_some()
        {
            continue;
        }
        let object = removal.object();
        let help = if removal.renamed {
            format!(
                "the application deployed before this revision still uses `{object}`: add the new name beside \
                 the old one, move the code to it in one deploy, and drop the old name in a later revision"
            )
        } else {
            format!(
                "deploy the code that no longer reads or writes `{object}` first, then run this revision in a \
                 later deploy"
            )
        };
        emit.report(
            Rule::BreakingRemoval,
            &ctx.file.path,
            removal.op.span.clone(),
            format!(
                "`upgrade()` {}: code still running during the deploy fails on it",
                removal.describe(true)
            ),
        )
        .help(help);
    }
}
