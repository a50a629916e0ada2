//! AP803 not-null-column-without-default: see `docs/rules/not-null-column-without-default.md`.

use super::{FileContext, Rule};
use crate::diagnostic::Emitter;
use crate::scan::ops::OpKind;

pub(crate) fn check(ctx: &FileContext<'_>, emit: &mut Emitter<'_>) {
    let (Some(safety), Some(upgrade)) = (ctx.safety, &ctx.change.upgrade) else {
        return;
    };
    for op in &upgrade.function.ops {
        let OpKind::AddColumn { table, column } = &op.kind else {
            continue;
        };
        let table = table.value.as_str();
        if !column.not_null || column.filled || !safety.judges(upgrade, op, table) {
            continue;
        }
        emit.report(
            Rule::NotNullColumnWithoutDefault,
            &ctx.file.path,
            op.span.clone(),
            format!(
                "column `{table}.{}` is added `NOT NULL` without a `server_default`: on a table that has rows, \
                 PostgreSQL refuses it and the deploy fails",
                column.name.value
            ),
        )
        .help(
            "give it a `server_default` (a Python-side `default=` does not fill existing rows), or add it \
             nullable, fill it, and set `nullable=False` in a later revision",
        );
    }
}
