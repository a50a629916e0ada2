//! AP802 concurrently-in-transaction: see `docs/rules/concurrently-in-transaction.md`.

use super::{FileContext, Rule};
use crate::diagnostic::Emitter;

pub(crate) fn check(ctx: &FileContext<'_>, emit: &mut Emitter<'_>) {
    if ctx.safety.is_none() {
        return;
    }
    for (function, body) in [("upgrade", &ctx.change.upgrade), ("downgrade", &ctx.change.downgrade)] {
        let Some(body) = body else { continue };
        for op in body.function.ops.iter().filter(|op| op.concurrently && !op.autocommit) {
            emit.report(
                Rule::ConcurrentlyInTransaction,
                &ctx.file.path,
                op.span.clone(),
                format!(
                    "`{function}()` runs `CONCURRENTLY` inside the migration's transaction: PostgreSQL refuses it \
                     (\"cannot run inside a transaction block\") and the migration fails"
                ),
            )
            .help("run it in `with op.get_context().autocommit_block():`");
        }
    }
}
