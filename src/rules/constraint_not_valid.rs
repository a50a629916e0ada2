//! AP806 constraint-not-valid: see `docs/rules/constraint-not-valid.md`.

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
            kind: kind @ (ConstraintKind::ForeignKey | ConstraintKind::Check),
        } = &op.kind
        else {
            continue;
        };
        let table = table.value.as_str();
        let not_valid = op.postgresql.iter().any(|k| k == "postgresql_not_valid");
        if not_valid || !safety.judges(upgrade, op, table) {
            continue;
        }
        let (what, lock) = match kind {
            ConstraintKind::ForeignKey => (
                "foreign key",
                "checks every row under a lock that blocks writes to it and to the table it references",
            ),
            _ => (
                "check constraint",
                "checks every row under an exclusive lock that blocks reads and writes",
            ),
        };
        let name = name.literal().map_or(String::new(), |n| format!(" `{}`", n.value));
        emit.report(
            Rule::ConstraintNotValid,
            &ctx.file.path,
            op.span.clone(),
            format!("`upgrade()` adds {what}{name} to existing table `{table}`: PostgreSQL {lock}"),
        )
        .help(format!(
            "add it with `postgresql_not_valid=True`, then validate it in a later revision \
             (`op.execute(\"ALTER TABLE {table} VALIDATE CONSTRAINT ...\")`), which takes a lock that lets writes through"
        ));
    }
}
