//! AP804 set-not-null: see `docs/rules/set-not-null.md`.

use super::{FileContext, Rule};
use crate::diagnostic::Emitter;
use crate::scan::ops::OpKind;

pub(crate) fn check(ctx: &FileContext<'_>, emit: &mut Emitter<'_>) {
    let (Some(safety), Some(upgrade)) = (ctx.safety, &ctx.change.upgrade) else {
        return;
    };
    // Tables whose `NOT VALID` constraints the body has validated so far: a
    // valid `CHECK (c IS NOT NULL)` lets `SET NOT NULL` skip its scan
    // (PostgreSQL 12 and later).
    let mut validated: Vec<&str> = Vec::new();
    for op in &upgrade.function.ops {
        if let OpKind::ValidateConstraint { table } = &op.kind {
            validated.push(&table.value);
        }
        let OpKind::AlterColumn {
            table,
            column,
            nullable: Some(false),
            ..
        } = &op.kind
        else {
            continue;
        };
        let table = table.value.as_str();
        if validated.contains(&table) || !safety.judges(upgrade, op, table) {
            continue;
        }
        emit.report(
            Rule::SetNotNull,
            &ctx.file.path,
            op.span.clone(),
            format!(
                "`upgrade()` sets `{table}.{}` `NOT NULL`: PostgreSQL scans every row of `{table}` under an exclusive lock, which blocks reads and writes until it is done",
                column.value
            ),
        )
        .help(format!(
            "add `op.create_check_constraint(\"ck_{table}_{0}_not_null\", \"{table}\", \"{0} IS NOT NULL\", postgresql_not_valid=True)`, \
             validate it in a later revision (`ALTER TABLE {table} VALIDATE CONSTRAINT ...`), then set `nullable=False`: \
             PostgreSQL 12 and later use the valid check and skip the scan",
            column.value
        ));
    }
}
