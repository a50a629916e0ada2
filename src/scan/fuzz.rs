//! Property-based tests: the scanner and the fact extractor return on any
//! input, without panicking, and every span they report lies on character
//! boundaries inside the text.

use proptest::prelude::*;

use super::Scan;
use super::migration::{Migration, Value};
use crate::source::SourceFile;

const SEED: &str = "\"\"\"add users\n\nRevision ID: 3c8e2d1a9b7f\nRevises: 1a2f3e4d5c6b, 0b1c\nCreate Date: 2024-03-05 14:22:31.123456\n\n\"\"\"\nfrom typing import Sequence, Union\n\nfrom alembic import op\nimport sqlalchemy as sa\n\n# revision identifiers, used by Alembic.\nrevision: str = '3c8e2d1a9b7f'\ndown_revision: Union[str, Sequence[str], None] = (\n    '1a2f3e4d5c6b',\n    u\"0b1c\",\n)\nbranch_labels = (cli.EXPAND_BRANCH,)\ndepends_on = None\n\n\ndef upgrade() -> None:\n    op.create_table(\"users\", sa.Column(\"id\", sa.Integer(), primary_key=True))  # comment\n    op.execute(r'''CREATE INDEX ix ON users (id)''')\n\n\ndef downgrade(op, tables, tester):\n    \"\"\"Undo.\"\"\"\n    raise NotImplementedError(f\"{x!r}\")\n";

/// Pieces of SQL, joined at random: statements cut anywhere, quotes and
/// dollar quotes left open, placeholders, deep nesting.
const SQL_PARTS: &[&str] = &[
    "CREATE ",
    "UNIQUE ",
    "INDEX ",
    "ix ",
    "ON ",
    "t ",
    "(",
    ")",
    "a",
    ", ",
    "DROP ",
    "TABLE ",
    "IF EXISTS ",
    "ALTER TABLE t ",
    "ADD COLUMN c int",
    ";",
    "'",
    "\"",
    "$$",
    "$x$",
    "--",
    "/*",
    "*/",
    "\n",
    "%(n)s",
    ":p",
    "{t}",
    "UPDATE t SET a = 1",
    "SELECT ",
    "((((((((",
    "))))))))",
    "PRAGMA x",
    "DO ",
    "BEGIN ",
    "END",
    "é",
    "COMMIT",
    "ADD CONSTRAINT k CHECK (a > 0) ",
    "FOREIGN KEY (a) REFERENCES u (id) ",
    "NOT VALID",
    "ALTER COLUMN c TYPE ",
    "SET NOT NULL",
    "DEFAULT gen_random_uuid() ",
    "RENAME TO ",
    "REINDEX ",
    "CONCURRENTLY ",
];

/// Fragments that stress the lexer when spliced into a migration.
const NASTY: &[&str] = &[
    "\"\"\"",
    "'''",
    "'",
    "\"",
    "\\",
    "\\\n",
    "(",
    ")",
    "[",
    "]",
    "{",
    "}",
    "#",
    "\r",
    "\r\n",
    "\n",
    "\t",
    "\u{feff}",
    "\0",
    "é",
    "\u{fffd}",
    ";",
    ":",
    "=",
    "r'",
    "b\"",
    "f'",
    "u'",
    "def ",
    "def downgrade():",
    "revision = ",
    "    ",
    ",",
    "...",
    "pass",
];

fn check_text(text: &str) {
    let scan = Scan::new(text);
    for token in &scan.tokens {
        assert!(token.start <= token.end && token.end <= text.len());
        assert!(text.is_char_boundary(token.start) && text.is_char_boundary(token.end));
    }
    for line in &scan.lines {
        assert!(line.tokens.end <= scan.tokens.len());
    }
    let facts = Migration::from_scan(&scan);
    for assignment in [
        &facts.revision,
        &facts.down_revision,
        &facts.branch_labels,
        &facts.depends_on,
    ]
    .into_iter()
    .flatten()
    {
        assert!(text.get(assignment.value_span.clone()).is_some());
        if let Some(items) = assignment.value.ids() {
            for item in items {
                assert!(text.get(item.span.clone()).is_some(), "item span {:?}", item.span);
            }
        }
        if let Value::Unknown(raw) = &assignment.value {
            assert!(!raw.is_empty());
        }
    }
    if let Some(header) = &facts.header {
        for span in [
            header.revision_id.as_ref().map(|i| &i.span),
            header.revises.as_ref().map(|r| &r.span),
        ]
        .into_iter()
        .flatten()
        {
            assert!(text.get(span.clone()).is_some());
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn any_sql_text_is_read_without_panic(
        parts in proptest::collection::vec(prop::sample::select(SQL_PARTS), 0..24)
    ) {
        let sql: String = parts.concat();
        let statements = super::sql::statements(&sql);
        prop_assert!(statements.len() <= sql.matches(';').count() + 1);
        // squawk reads the same text, in and out of a transaction.
        for in_transaction in [true, false] {
            for finding in crate::rules::raw_sql::lint(&sql, in_transaction, Some(10)) {
                prop_assert!(sql.get(finding.range.clone()).is_some() && sql.get(finding.statement.clone()).is_some());
            }
        }
    }

    #[test]
    fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        let file = SourceFile::from_bytes("x.py".into(), &bytes);
        check_text(&file.text);
        let _ = crate::rules::raw_sql::lint(&file.text, true, None);
    }

    #[test]
    fn mutated_migrations_never_panic(
        edits in proptest::collection::vec((any::<prop::sample::Index>(), 0..3u8, any::<prop::sample::Index>()), 1..12)
    ) {
        let mut text = SEED.to_owned();
        for (at, kind, what) in edits {
            let mut pos = at.index(text.len() + 1);
            while !text.is_char_boundary(pos) {
                pos -= 1;
            }
            match kind {
                0 => text.insert_str(pos, NASTY[what.index(NASTY.len())]),
                1 => {
                    let mut end = (pos + what.index(16) + 1).min(text.len());
                    while !text.is_char_boundary(end) {
                        end -= 1;
                    }
                    text.replace_range(pos..end, "");
                }
                _ => text.truncate(pos),
            }
        }
        check_text(&text);
    }
}

#[test]
fn the_seed_itself_is_read_fully() {
    let facts = Migration::from_scan(&Scan::new(SEED));
    assert_eq!(facts.revision_id(), Some("3c8e2d1a9b7f"));
    assert!(facts.is_merge());
    assert!(matches!(facts.branch_labels.map(|a| a.value), Some(Value::Unknown(_))));
    assert!(facts.downgrade.is_some() && facts.upgrade.is_some());
}
