//! The SQL of `op.execute(...)` (and of `execute(...)` on `op.get_bind()`)
//! in a judged revision, linted by squawk.
//!
//! squawk parses PostgreSQL's own grammar and knows the locks each
//! statement takes. Its findings are ours by topic: a constraint without
//! `NOT VALID` is AP806 whether `op.create_foreign_key` or SQL adds it, so
//! one code silences one hazard however it is written. What squawk cannot
//! know, we add: a table this change creates is new and empty, so nothing
//! on it is reported; a statement squawk could not parse says nothing.
//!
//! The squawk rules enabled are the safety rules our op model does not
//! already judge in SQL (index creation and removal, and `CONCURRENTLY` in
//! a transaction, are read from the SQL by the op model itself, with the
//! new-table exemptions): see [`ours`]. Its style rules (`prefer-*`,
//! `ban-char-field`) are opinions about schema design, not about the
//! deploy, and stay off; so do its timeout rules, which read only the SQL
//! text, while the lock timeout is usually set once in `env.py`.

use std::ops::Range;
use std::sync::LazyLock;

use regex::Regex;

use squawk_linter::{Linter, Rule as Squawk};
use squawk_syntax::SourceFile;
use squawk_syntax::ast::AstNode;

use super::{FileContext, Rule};
use crate::diagnostic::Emitter;
use crate::scan::sql::{self, Sql};

/// The rule of ours each enabled squawk rule reports under.
pub(crate) fn ours(rule: Squawk) -> Option<Rule> {
    Some(match rule {
        Squawk::AddingRequiredField => Rule::NotNullColumnWithoutDefault,
        Squawk::AddingNotNullableField => Rule::SetNotNull,
        Squawk::ChangingColumnType => Rule::ColumnTypeRewrite,
        Squawk::ConstraintMissingNotValid | Squawk::AddingForeignKeyConstraint => Rule::ConstraintNotValid,
        Squawk::DisallowedUniqueConstraint | Squawk::AddingSerialPrimaryKeyField => {
            Rule::UniqueConstraintOnExistingTable
        }
        Squawk::AddingFieldWithDefault => Rule::AddColumnDefaultRewrite,
        Squawk::BanDropColumn | Squawk::RenamingColumn | Squawk::RenamingTable => Rule::BreakingRemoval,
        Squawk::RequireConcurrentReindex
        | Squawk::RequireConcurrentPartitionDetach
        | Squawk::TransactionNesting
        | Squawk::BanDropDatabase
        | Squawk::BanTruncateCascade => Rule::UnsafeSql,
        _ => return None,
    })
}

/// The squawk rules enabled, in the order `explain` lists them.
pub(crate) const ENABLED: [Squawk; 16] = [
    Squawk::AddingRequiredField,
    Squawk::AddingNotNullableField,
    Squawk::ChangingColumnType,
    Squawk::ConstraintMissingNotValid,
    Squawk::AddingForeignKeyConstraint,
    Squawk::DisallowedUniqueConstraint,
    Squawk::AddingSerialPrimaryKeyField,
    Squawk::AddingFieldWithDefault,
    Squawk::BanDropColumn,
    Squawk::RenamingColumn,
    Squawk::RenamingTable,
    Squawk::RequireConcurrentReindex,
    Squawk::RequireConcurrentPartitionDetach,
    Squawk::TransactionNesting,
    Squawk::BanDropDatabase,
    Squawk::BanTruncateCascade,
];

/// One finding, placed in the SQL text.
pub(crate) struct Finding {
    pub rule: Rule,
    pub squawk: Squawk,
    pub message: String,
    pub help: Option<String>,
    pub range: Range<usize>,
    /// The statement it is in, in the SQL text.
    pub statement: Range<usize>,
}

pub(crate) fn check(ctx: &FileContext<'_>, emit: &mut Emitter<'_>) {
    let (Some(safety), Some(upgrade)) = (ctx.safety, &ctx.change.upgrade) else {
        return;
    };
    if !ENABLED
        .iter()
        .filter_map(|&r| ours(r))
        .chain([Rule::ModelDeclaresRemoved])
        .any(|r| emit.enabled(r))
    {
        return;
    }
    for executed in &upgrade.function.executed {
        if executed.mysql {
            continue;
        }
        let source = &executed.source;
        let findings = lint(&source.text, !executed.autocommit, ctx.settings.postgres_version);
        for finding in findings {
            let statement = &source.text[finding.statement.clone()];
            if finding.squawk == Squawk::ChangingColumnType && free_cast(ctx, &source.text, &finding) {
                continue;
            }
            // The table the statement is about: new tables cost nothing.
            let table = sql::statements(statement).into_iter().find_map(|s| match s {
                Sql::OtherSchema { table } => table,
                Sql::Validate { table } => Some(table),
                _ => None,
            });
            if table.as_deref().is_some_and(|t| !safety.locks(upgrade, t)) {
                continue;
            }
            let range = match source.origin {
                Some(origin) => origin + finding.range.start..origin + finding.range.end,
                None => executed.span.clone(),
            };
            // A column the SQL drops or renames that a model still maps
            // is AP809's, as with `op.drop_column`.
            if matches!(finding.squawk, Squawk::BanDropColumn | Squawk::RenamingColumn)
                && emit.enabled(Rule::ModelDeclaresRemoved)
                && let Some((schema, table, column)) = removed_column(statement)
                && let Some(model) = safety.declaring(ctx.graph, ctx.file, (schema.as_deref(), &table), Some(&column))
            {
                let verb = if finding.squawk == Squawk::BanDropColumn {
                    "drops"
                } else {
                    "renames"
                };
                let _ = emit
                    .report(
                        Rule::ModelDeclaresRemoved,
                        &ctx.file.path,
                        range,
                        format!(
                            "`upgrade()` runs SQL that {verb} column `{column}` of table `{table}`, but {} still declares \
                             it: every query of it fails once this revision runs",
                            model.model
                        ),
                    )
                    .related(&model.path, model.span.clone(), "declared here")
                    .help(format!(
                        "remove `{column}` from {} and deploy that first (SQLAlchemy selects every mapped column); run \
                         this revision in a later deploy",
                        model.model
                    ));
                continue;
            }
            let on = table.map_or_else(String::new, |t| format!(" on existing table `{t}`"));
            let report = emit.report(
                finding.rule,
                &ctx.file.path,
                range,
                format!(
                    "`upgrade()` runs SQL{on} that squawk's `{}` reports: {}",
                    finding.squawk, finding.message
                ),
            );
            if let Some(help) = finding.help {
                report.help(help);
            }
        }
    }
}

/// `ALTER TABLE [ONLY] [IF EXISTS] [s.]t DROP [COLUMN] [IF EXISTS] c` or
/// `... RENAME [COLUMN] c TO d`: the schema, table and column.
static COLUMN_REMOVAL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r#"(?is)^\s*alter\s+table\s+(?:only\s+)?(?:if\s+exists\s+)?(?:"?(\w+)"?\.)?"?(\w+)"?\s+(?:drop|rename)\s+(?:column\s+)?(?:if\s+exists\s+)?"?(\w+)"?"#,
    )
    .expect("valid regex")
});

/// The column a statement drops or renames, and its table.
fn removed_column(statement: &str) -> Option<(Option<String>, String, String)> {
    let found = COLUMN_REMOVAL.captures(statement)?;
    let lower = |i: usize| found.get(i).map(|m| m.as_str().to_ascii_lowercase());
    let column = lower(3)?;
    // `RENAME TO` renames the table, not a column.
    (column != "to").then(|| (lower(1).filter(|s| s != "public"), lower(2).unwrap_or_default(), column))
}

/// `ALTER [COLUMN] c [SET DATA] TYPE t`: the column and the type.
static TYPE_CHANGE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"(?is)\balter\s+(?:column\s+)?"?(\w+)"?\s+(?:set\s+data\s+)?type\s+(.+?)(?:\s+using\b|\s+collate\b|\s*,\s*alter\b|\s*;|\s*$)"#)
        .expect("valid regex")
});

/// A type change squawk reports that costs nothing: the revision's
/// `downgrade()`, which puts the column back, names the type it had, and
/// the cast from it is one PostgreSQL makes without a rewrite.
fn free_cast(ctx: &FileContext<'_>, text: &str, finding: &Finding) -> bool {
    // The `ALTER ... TYPE` action the finding is about, from its statement.
    let head = &text[finding.statement.start..finding.range.end.min(text.len())];
    let Some(change) = TYPE_CHANGE.captures_iter(head).last() else {
        return false;
    };
    let (column, new) = (change[1].to_ascii_lowercase(), change[2].trim().to_owned());
    let Some(downgrade) = &ctx.change.downgrade else {
        return false;
    };
    let from_sql = downgrade.function.executed.iter().flat_map(|e| {
        TYPE_CHANGE
            .captures_iter(&e.source.text)
            .filter(|c| c[1].eq_ignore_ascii_case(&column))
            .map(|c| c[2].trim().to_owned())
            .collect::<Vec<_>>()
    });
    let from_ops = downgrade.function.ops.iter().filter_map(|op| match &op.kind {
        crate::scan::ops::OpKind::AlterColumn {
            column: c,
            type_: Some(type_),
            ..
        } if c.value.eq_ignore_ascii_case(&column) => Some(type_.to_string()),
        _ => None,
    });
    let old: Vec<String> = from_sql.chain(from_ops).collect();
    !old.is_empty()
        && old
            .iter()
            .all(|old| super::column_type_rewrite::binary_compatible(old, &new))
}

/// squawk's findings on `text`, one per rule of ours and statement,
/// without those in statements it could not parse.
pub(crate) fn lint(text: &str, in_transaction: bool, postgres_version: Option<u32>) -> Vec<Finding> {
    let parse = SourceFile::parse(text);
    let mut linter = Linter::from(ENABLED);
    linter.settings.assume_in_transaction = in_transaction;
    if let Some(version) = postgres_version.and_then(|v| format!("{v}").parse().ok()) {
        linter.settings.pg_version = version;
    }
    let statements: Vec<Range<usize>> = parse
        .tree()
        .stmts()
        .map(|s| {
            let r = s.syntax().text_range();
            usize::from(r.start())..usize::from(r.end())
        })
        .collect();
    // Each statement reaches to the next one: an error squawk's recovery
    // left between them belongs to the one before.
    let extents: Vec<Range<usize>> = statements
        .iter()
        .enumerate()
        .map(|(i, s)| s.start..statements.get(i + 1).map_or(text.len() + 1, |n| n.start))
        .collect();
    let broken: Vec<usize> = parse.errors().iter().map(|e| usize::from(e.range().start())).collect();
    let mut out: Vec<Finding> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for violation in linter.lint(&parse, text) {
        let Some(rule) = ours(violation.code) else { continue };
        let range = usize::from(violation.text_range.start())..usize::from(violation.text_range.end());
        // Statements are in order: the last one starting at or before it.
        let Some(at) = statements.partition_point(|s| s.start <= range.start).checked_sub(1) else {
            continue;
        };
        let statement = statements[at].clone();
        if !statement.contains(&range.start) || broken.iter().any(|b| extents[at].contains(b)) {
            continue;
        }
        if !seen.insert((rule, statement.start)) {
            continue;
        }
        // squawk's help for nesting speaks of its own settings.
        let help = match violation.code {
            Squawk::TransactionNesting => Some(
                "Alembic opens and commits the migration's transaction itself: run what must be outside it in \
                 `with op.get_context().autocommit_block():`"
                    .to_owned(),
            ),
            Squawk::ChangingColumnType => Some(
                "add a column of the new type, fill it, move the code to it, then drop the old one; only a longer \
                 `VARCHAR`, `TEXT`, or a `NUMERIC` of larger precision and the same scale is free"
                    .to_owned(),
            ),
            Squawk::BanDropColumn | Squawk::RenamingColumn | Squawk::RenamingTable => Some(
                "deploy the code that no longer uses the old name first, then run this revision in a later deploy"
                    .to_owned(),
            ),
            _ => violation.help,
        };
        out.push(Finding {
            rule,
            squawk: violation.code,
            message: violation.message,
            help,
            range,
            statement,
        });
    }
    // `NOT VALID` is for foreign keys and checks: a unique constraint or
    // primary key is AP807's alone.
    let unique: std::collections::HashSet<usize> = out
        .iter()
        .filter(|f| f.rule == Rule::UniqueConstraintOnExistingTable)
        .map(|f| f.statement.start)
        .collect();
    out.retain(|f| !(f.squawk == Squawk::ConstraintMissingNotValid && unique.contains(&f.statement.start)));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn codes(text: &str) -> Vec<String> {
        lint(text, true, None)
            .iter()
            .map(|f| format!("{} {}", f.rule.code(), f.squawk))
            .collect()
    }

    #[test]
    fn findings_are_ours_by_topic_once_per_statement() {
        assert_eq!(
            codes("ALTER TABLE users ADD CONSTRAINT fk FOREIGN KEY (org_id) REFERENCES orgs (id)"),
            ["AP806 constraint-missing-not-valid"]
        );
        assert_eq!(
            codes("ALTER TABLE users ADD CONSTRAINT u UNIQUE (email)"),
            ["AP807 disallowed-unique-constraint"]
        );
        assert_eq!(
            codes("ALTER TABLE users ADD COLUMN x bigint NOT NULL; ALTER TABLE users ALTER COLUMN y SET NOT NULL"),
            ["AP803 adding-required-field", "AP804 adding-not-nullable-field"]
        );
        assert_eq!(
            codes("BEGIN; UPDATE t SET a = 1; COMMIT"),
            ["AP811 transaction-nesting", "AP811 transaction-nesting"]
        );
        assert_eq!(codes("REINDEX INDEX ix_a"), ["AP811 require-concurrent-reindex"]);
    }

    #[test]
    fn safe_and_unparsed_sql_says_nothing() {
        assert!(codes("ALTER TABLE users ADD CONSTRAINT fk FOREIGN KEY (a) REFERENCES o (id) NOT VALID").is_empty());
        assert!(codes("ALTER TABLE users ADD COLUMN c timestamptz DEFAULT now()").is_empty());
        assert!(codes("ALTER TABLE users ADD COLUMN x bigint").is_empty());
        assert!(codes("UPDATE users SET a = %(a)s").is_empty());
        assert!(codes("ALTER TABLE users ADD CONSTRAINT fk FOREIGN KEY (a) REFERENCES o (id) %s").is_empty());
        // Outside the migration's transaction, `COMMIT` nests nothing.
        assert!(lint("BEGIN; UPDATE t SET a = 1; COMMIT", false, None).is_empty());
    }

    #[test]
    fn volatile_defaults_follow_the_postgres_version() {
        assert!(
            codes("ALTER TABLE users ADD COLUMN c uuid DEFAULT gen_random_uuid()")
                .contains(&"AP808 adding-field-with-default".to_owned())
        );
        assert!(
            lint("ALTER TABLE users ADD COLUMN c int DEFAULT 0", true, Some(10))
                .iter()
                .any(|f| f.rule == Rule::AddColumnDefaultRewrite)
        );
        assert!(lint("ALTER TABLE users ADD COLUMN c int DEFAULT 0", true, Some(16)).is_empty());
    }
}
