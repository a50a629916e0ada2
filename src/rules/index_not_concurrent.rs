//! AP801 index-not-concurrent: see `docs/rules/index-not-concurrent.md`.

use super::{FileContext, Rule};
use crate::diagnostic::Emitter;
use crate::scan::ops::OpKind;

pub(crate) fn check(ctx: &FileContext<'_>, emit: &mut Emitter<'_>) {
    let (Some(safety), Some(upgrade)) = (ctx.safety, &ctx.change.upgrade) else {
        return;
    };
    for op in &upgrade.function.ops {
        // Built without locking.
        if op.concurrently {
            continue;
        }
        let (verb, table, name) = match &op.kind {
            OpKind::CreateIndex {
                table: Some(table),
                index,
            } => ("creates", table, index.name.literal()),
            OpKind::DropIndex {
                table: Some(table),
                name,
            } => ("drops", table, name.literal()),
            // A drop that does not name its table: which table is locked,
            // and whether it is new, is not known.
            _ => continue,
        };
        let table = table.value.as_str();
        if !safety.judges(upgrade, op, table) {
            continue;
        }
        let index = match name {
            Some(name) => format!("index `{}`", name.value),
            None => "an index".to_owned(),
        };
        let lock = if verb == "creates" {
            "blocks every write to it while the index builds"
        } else {
            "takes an exclusive lock on it, which waits behind every running query and blocks all others meanwhile"
        };
        emit.report(
            Rule::IndexNotConcurrent,
            &ctx.file.path,
            op.span.clone(),
            format!("`upgrade()` {verb} {index} on existing table `{table}` without `CONCURRENTLY`: it {lock}"),
        )
        .help(
            "make it concurrent (`postgresql_concurrently=True`, or `CONCURRENTLY` in SQL) and run it in \
             `with op.get_context().autocommit_block():`, outside the migration's transaction, as PostgreSQL requires",
        );
    }
}
