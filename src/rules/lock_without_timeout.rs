//! AP812 lock-without-timeout: see `docs/rules/lock-without-timeout.md`.

use super::{FileContext, Rule};
use crate::diagnostic::Emitter;
use crate::scan::ops::{OpKind, Operation};
use crate::scan::sql::{self, Sql};

pub(crate) fn check(ctx: &FileContext<'_>, emit: &mut Emitter<'_>) {
    let (Some(safety), Some(upgrade)) = (ctx.safety, &ctx.change.upgrade) else {
        return;
    };
    // Without `env.py` there is nothing to tell whether every migration
    // runs under a timeout already.
    let Some(set_for_all) = &ctx.env.timeouts else { return };
    let missing: Vec<&str> = ctx
        .settings
        .timeouts
        .iter()
        .copied()
        .filter(|t| !set_for_all.contains(t))
        .collect();
    if missing.is_empty() {
        return;
    }
    let executed = &upgrade.function.executed;
    // Dropping a table waits for its lock too.
    let in_use = |t: &str| safety.existing(t) && !upgrade.creates_tables.contains(t);
    // The first statement that locks a table the application uses: an
    // operation, or an `ALTER TABLE` in SQL.
    let by_op = upgrade.function.ops.iter().filter(|op| !op.mysql).find_map(|op| {
        locked_table(op)
            .filter(|t| in_use(t))
            .map(|t| (op.span.clone(), t.to_owned()))
    });
    let by_sql = executed.iter().filter(|e| !e.mysql && !e.autocommit).find_map(|e| {
        sql::statements(&e.source.text).into_iter().find_map(|s| match s {
            Sql::OtherSchema { table: Some(t) } if in_use(&t) => Some((e.span.clone(), t)),
            _ => None,
        })
    });
    let Some((span, table)) = [by_op, by_sql].into_iter().flatten().min_by_key(|(span, _)| span.start) else {
        return;
    };
    // Set by the revision itself before it locks.
    let missing: Vec<&str> = missing
        .into_iter()
        .filter(|t| {
            !executed
                .iter()
                .any(|e| e.span.start < span.start && e.source.text.to_ascii_lowercase().contains(t))
        })
        .collect();
    let Some(first) = missing.first() else { return };
    let names = missing
        .iter()
        .map(|t| format!("`{t}`"))
        .collect::<Vec<_>>()
        .join(" or ");
    emit.report(
        Rule::LockWithoutTimeout,
        &ctx.file.path,
        span,
        format!(
            "`upgrade()` locks existing table `{table}` with no {names} set, in `env.py` or before it here: \
             behind a long query it waits, and every query of `{table}` queues behind it"
        ),
    )
    .help(format!(
        "set it for every migration in `env.py` (`context.execute(\"SET LOCAL {first} = '5s'\")` inside \
         `context.begin_transaction()`), or here first: `op.execute(\"SET LOCAL {first} = '5s'\")`; a timed-out \
         migration can simply be run again"
    ));
}

/// The table an operation locks against reads or writes, when it names it.
fn locked_table(op: &Operation) -> Option<&str> {
    let table = match &op.kind {
        OpKind::AddColumn { table, .. }
        | OpKind::DropColumn { table, .. }
        | OpKind::RenameColumn { table, .. }
        | OpKind::RenameTable { table, .. }
        | OpKind::AlterColumn { table, .. }
        | OpKind::DropTable { table } => table,
        OpKind::CreateConstraint { table: Some(table), .. } | OpKind::DropConstraint { table: Some(table), .. } => {
            table
        }
        OpKind::CreateIndex { table: Some(table), .. } | OpKind::DropIndex { table: Some(table), .. }
            if !op.concurrently =>
        {
            table
        }
        _ => return None,
    };
    Some(table.value.as_str())
}
