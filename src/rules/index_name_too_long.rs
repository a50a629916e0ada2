//! AP304 index-name-too-long: see `docs/rules/index-name-too-long.md`.

use std::ops::Range;

use super::{FileContext, Rule, SourceContext};
use crate::diagnostic::Emitter;
use crate::env::Dialect;
use crate::scan::ops::OpKind;

/// The limit that applies: the configured one, else the database's, else
/// PostgreSQL's (the strictest common one). `None`: no limit (SQLite).
fn limit(configured: Option<usize>, dialect: Option<Dialect>) -> Option<(usize, Option<Dialect>)> {
    match (configured, dialect) {
        (Some(max), _) => Some((max, dialect)),
        (None, Some(dialect)) => dialect.max_identifier_length().map(|max| (max, Some(dialect))),
        (None, None) => Some((63, None)),
    }
}

fn report(path: &str, name: &str, span: Range<usize>, limit: Option<(usize, Option<Dialect>)>, emit: &mut Emitter<'_>) {
    let Some((max, dialect)) = limit else { return };
    let len = name.chars().count();
    if len <= max {
        return;
    }
    let consequence = match dialect {
        Some(d) if !d.truncates() => format!("{} refuses names longer than {max}", d.name()),
        Some(d) => format!("{} keeps only the first {max}, so two such names can collide", d.name()),
        None => format!(
            "PostgreSQL keeps only the first {max} and MySQL refuses names over 64, so two such names can collide"
        ),
    };
    emit.report(
        Rule::IndexNameTooLong,
        path,
        span,
        format!("index name `{name}` is {len} characters; {consequence}"),
    )
    .help(format!("use a name of at most {max} characters"));
}

pub(crate) fn check_migration(ctx: &FileContext<'_>, emit: &mut Emitter<'_>) {
    let Some(upgrade) = &ctx.file.facts.upgrade else { return };
    let limit = limit(ctx.settings.max_identifier_length, ctx.env.dialect);
    // The literal index names this upgrade creates.
    let names = upgrade.ops.iter().flat_map(|op| match &op.kind {
        OpKind::CreateIndex { index, .. } => index.name.literal().into_iter().collect::<Vec<_>>(),
        OpKind::CreateTable { indexes, .. } => indexes.iter().filter_map(|i| i.name.literal()).collect(),
        _ => Vec::new(),
    });
    for item in names {
        report(&ctx.file.path, &item.value, item.span.clone(), limit, emit);
    }
}

pub(crate) fn check_model(ctx: &SourceContext<'_>, emit: &mut Emitter<'_>) {
    let Some(model) = ctx.model else { return };
    let limit = limit(ctx.settings.max_identifier_length, ctx.dialect);
    for item in model.indexes.iter().filter_map(|i| i.name.literal()) {
        report(ctx.path, &item.value, item.span.clone(), limit, emit);
    }
}

#[cfg(test)]
mod tests {
    use crate::env::Dialect;
    use crate::rules::Rule;
    use crate::rules::tests::{MemTree, lint, lint_ok, lint_tree};

    #[test]
    fn long_and_short() {
        let long = format!("ix_{}", "a".repeat(70));
        let out = lint(
            "a.py",
            &format!(
                "revision = 'a'\ndown_revision = None\ndef upgrade():\n    op.create_index('{long}', 't', ['a'])\n"
            ),
            Rule::IndexNameTooLong,
        );
        assert!(out.contains("is 73 characters"), "{out}");
        lint_ok(
            "a.py",
            "revision = 'a'\ndown_revision = None\ndef upgrade():\n    op.create_index('ix_t_a', 't', ['a'])\n",
            Rule::IndexNameTooLong,
        );
    }

    /// One project whose `alembic.ini` names `url`, with a revision that
    /// creates an index named with `len` characters.
    fn project(url: &str, len: usize) -> String {
        let name = format!("ix_{}", "a".repeat(len - 3));
        let ini = format!("[alembic]\nscript_location = migrations\nsqlalchemy.url = {url}\n");
        let revision = format!(
            "revision = 'a1b2c3d4e5f6'\ndown_revision = None\ndef upgrade():\n    op.create_index('{name}', 't', ['a'])\n"
        );
        let tree = MemTree::new(&[
            ("alembic.ini", ini.as_bytes()),
            ("migrations/env.py", b"# env\n"),
            ("migrations/versions/a1b2c3d4e5f6_x.py", revision.as_bytes()),
        ]);
        lint_tree(&tree, Some(Rule::IndexNameTooLong))
    }

    #[test]
    fn the_environments_database_sets_the_limit() {
        let pg = project("postgresql+psycopg://app@db/app", 64);
        assert!(pg.contains("PostgreSQL keeps only the first 63"), "{pg}");
        assert!(project("mysql+pymysql://app@db/app", 64).is_empty());
        let mysql = project("mysql+pymysql://app@db/app", 65);
        assert!(mysql.contains("MySQL refuses names longer than 64"), "{mysql}");
        assert!(project("mssql+pyodbc://app@db/app", 128).is_empty());
        assert!(project("mssql+pyodbc://app@db/app", 129).contains("SQL Server refuses"));
        assert!(project("sqlite:///app.db", 300).is_empty(), "SQLite has no limit");
        // Alembic's placeholder names no database: the strictest common limit.
        let unknown = project("driver://user:pass@localhost/dbname", 64);
        assert!(unknown.contains("is 64 characters"), "{unknown}");
    }

    #[test]
    fn dialects_from_urls() {
        assert_eq!(Dialect::from_url("postgres://x"), Some(Dialect::PostgreSql));
        assert_eq!(Dialect::from_url("mariadb+mariadbconnector://x"), Some(Dialect::MySql));
        assert_eq!(Dialect::from_url("%(DB_URL)s"), None);
    }
}
