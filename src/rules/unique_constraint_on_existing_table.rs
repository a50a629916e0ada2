//! AP807 unique-constraint-on-existing-table: see `docs/rules/unique-constraint-on-existing-table.md`.

use super::{FileContext, Rule};
use crate::diagnostic::Emitter;
use crate::scan::ops::{ConstraintKind, OpKind};

pub(crate) fn check(ctx: &FileContext<'_>, emit: &mut Emitter<'_>) {
    let (Some(safety), Some(upgrade)) = (ctx.safety, &ctx.change.upgrade) else {
        return;
    };
    for op in &upgrade.function.ops {
        let OpKind::CreateConstraint {
            table: Some(table),
            name,
            kind: kind @ (ConstraintKind::Unique | ConstraintKind::PrimaryKey),
        } = &op.kind
        else {
            continue;
        };
        let table = table.value.as_str();
        if !safety.judges(upgrade, op, table) {
            continue;
        }
        let what = if *kind == ConstraintKind::Unique {
            "a unique constraint"
        } else {
            "a primary key"
        };
        let name = name.literal().map_or("name".to_owned(), |n| n.value.to_string());
        emit.report(
            Rule::UniqueConstraintOnExistingTable,
            &ctx.file.path,
            op.span.clone(),
            format!(
                "`upgrade()` adds {what} to existing table `{table}`: PostgreSQL builds its index under an exclusive lock, which blocks reads and writes until it is built"
            ),
        )
        .help(format!(
            "build a unique index first with `postgresql_concurrently=True` in `autocommit_block()`, then add the constraint on it: \
             `op.execute(\"ALTER TABLE {table} ADD CONSTRAINT {name} {} USING INDEX <index>\")`",
            if *kind == ConstraintKind::Unique { "UNIQUE" } else { "PRIMARY KEY" }
        ));
    }
}
