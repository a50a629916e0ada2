//! AP808 add-column-default-rewrite: see `docs/rules/add-column-default-rewrite.md`.

use super::{FileContext, Rule};
use crate::diagnostic::Emitter;
use crate::scan::ops::OpKind;

/// Functions PostgreSQL marks volatile that defaults use: each row gets its
/// own value, so adding the column fills every row by a rewrite. `now()`
/// and `CURRENT_TIMESTAMP` are stable: one value for the statement.
const VOLATILE: [&str; 7] = [
    "gen_random_uuid(",
    "uuid_generate_v1(",
    "uuid_generate_v4(",
    "random(",
    "clock_timestamp(",
    "timeofday(",
    "nextval(",
];

pub(crate) fn check(ctx: &FileContext<'_>, emit: &mut Emitter<'_>) {
    let (Some(safety), Some(upgrade)) = (ctx.safety, &ctx.change.upgrade) else {
        return;
    };
    // Before PostgreSQL 11 every default rewrote the table.
    let old_server = ctx.settings.postgres_version.is_some_and(|v| v < 11);
    for op in &upgrade.function.ops {
        let OpKind::AddColumn { table, column } = &op.kind else {
            continue;
        };
        let Some(default) = &column.server_default else {
            continue;
        };
        let table = table.value.as_str();
        if !safety.judges(upgrade, op, table) {
            continue;
        }
        let lower = default.to_ascii_lowercase();
        let volatile = VOLATILE.iter().find(|f| lower.contains(*f));
        let why = match (volatile, old_server) {
            (Some(function), _) => format!("the volatile default `{function})`"),
            (None, true) => format!(
                "a default, which PostgreSQL {} fills in by rewriting",
                ctx.settings.postgres_version.unwrap_or(10)
            ),
            (None, false) => continue,
        };
        emit.report(
            Rule::AddColumnDefaultRewrite,
            &ctx.file.path,
            op.span.clone(),
            format!(
                "`upgrade()` adds `{table}.{}` with {why}: PostgreSQL rewrites `{table}` and its indexes under an exclusive lock to fill every row",
                column.name.value
            ),
        )
        .help(
            "add the column without that default, set the default in a second step (`alter_column(..., server_default=...)` \
             applies to new rows only), and fill the existing rows in batches",
        );
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::Rule;
    use crate::rules::tests::{MemTree, lint_tree_with, settings_of};

    /// Before PostgreSQL 11 any default rewrote the table: the
    /// configuration's `postgres-version` says which server it is.
    #[test]
    fn any_default_before_postgres_11() {
        let revision = "revision = 'a'\ndown_revision = None\ndef upgrade():\n    op.add_column('orders', sa.Column('state', sa.String(10), server_default='new'))\ndef downgrade():\n    op.drop_column('orders', 'state')\n";
        let tree = MemTree::versions(&[("a.py", revision)]);
        let mut settings = settings_of(Some(Rule::AddColumnDefaultRewrite));
        settings.audit = true;
        settings.dialect = Some(crate::env::Dialect::PostgreSql);
        assert!(
            lint_tree_with(&tree, &settings).is_empty(),
            "a constant default is free from 11 on"
        );
        settings.postgres_version = Some(10);
        let out = lint_tree_with(&tree, &settings);
        assert!(
            out.contains("a default, which PostgreSQL 10 fills in by rewriting"),
            "{out}"
        );
    }
}
