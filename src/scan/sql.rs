//! SQL written in a revision, read with a real SQL parser.
//!
//! `sqlparser` tokenizes the text (quotes, dollar-quoted bodies, comments
//! and all), which splits it into statements at the semicolons that really
//! end one; each statement is then parsed, with the generic dialect first
//! and PostgreSQL's, MySQL's and SQLite's after it, since a revision's
//! facts are read before its environment's database is known. A statement
//! no dialect parses (placeholders such as `%(name)s`, a template) is
//! classified by its leading keywords alone, and never said to name an
//! object it may not name.

use sqlparser::ast::{AlterTableOperation, ObjectName, ObjectNamePart, ObjectType, Statement};
use sqlparser::dialect::{Dialect, GenericDialect, MySqlDialect, PostgreSqlDialect, SQLiteDialect};
use sqlparser::parser::Parser;
use sqlparser::tokenizer::{Token, Tokenizer};

/// A name and the schema that qualifies it (`s` of `s.t`), unquoted.
pub type Qualified = (Option<String>, String);

/// What one SQL statement does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Sql {
    CreateIndex {
        name: Option<String>,
        table: Qualified,
        /// Column names, or the SQL text of expressions.
        columns: Vec<String>,
        unique: bool,
        if_not_exists: bool,
        /// `CREATE INDEX CONCURRENTLY`: PostgreSQL builds it without
        /// locking writes, outside any transaction.
        concurrently: bool,
    },
    /// `DROP INDEX [CONCURRENTLY] a, b [ON t]`.
    DropIndex {
        names: Vec<Qualified>,
        table: Option<Qualified>,
        if_exists: bool,
        concurrently: bool,
    },
    CreateTable {
        name: String,
        temporary: bool,
    },
    DropTable {
        names: Vec<Qualified>,
        if_exists: bool,
    },
    /// `ALTER TABLE t ENABLE|DISABLE TRIGGER ...` alone: the schema after
    /// is the schema before.
    TriggerSwitch,
    /// `ALTER TABLE t VALIDATE CONSTRAINT c` alone: checks rows a `NOT
    /// VALID` constraint has not seen, changing nothing.
    Validate {
        table: String,
    },
    /// Any other statement that creates, alters, drops, renames or
    /// comments on an object, on the table it names when it names one.
    OtherSchema {
        table: Option<String>,
    },
    /// Writes rows: `INSERT`, `UPDATE`, `DELETE`, `MERGE`, `COPY`,
    /// `TRUNCATE`, a call.
    Data,
    /// Reads or sets something, changes nothing: `SELECT`, `SET`,
    /// `PRAGMA`, `ANALYZE`, `VACUUM`, `SHOW`, transaction control.
    Nothing,
    /// A statement that may do anything (`DO $$ ... $$`, `EXECUTE`), or
    /// text that is not SQL.
    Unknown,
}

impl Sql {
    /// The statement changes the schema of a table that is not one of
    /// `temporary` (lower-case names).
    pub fn changes_schema(&self, temporary: &[String]) -> bool {
        let on_temporary = |name: &str| temporary.iter().any(|t| t == &name.to_ascii_lowercase());
        match self {
            Sql::CreateIndex { table, .. } => !on_temporary(&table.1),
            Sql::DropTable { names, .. } => !names.iter().all(|n| on_temporary(&n.1)),
            Sql::CreateTable { temporary, .. } => !temporary,
            Sql::DropIndex { .. } | Sql::OtherSchema { .. } => true,
            Sql::TriggerSwitch | Sql::Validate { .. } | Sql::Data | Sql::Nothing | Sql::Unknown => false,
        }
    }
}

/// Every statement of `sql`, in order.
pub fn statements(sql: &str) -> Vec<Sql> {
    let dialects: [&dyn Dialect; 4] = [
        &GenericDialect {},
        &PostgreSqlDialect {},
        &MySqlDialect {},
        &SQLiteDialect {},
    ];
    // The first dialect that tokenizes the text splits it.
    let Some((dialect_at, tokens)) = dialects
        .iter()
        .enumerate()
        .find_map(|(i, d)| Tokenizer::new(*d, sql).tokenize().ok().map(|t| (i, t)))
    else {
        // Not SQL the tokenizers accept (an unclosed quote): by keywords.
        return sql
            .split(';')
            .filter(|s| !s.trim().is_empty())
            .map(by_keywords)
            .collect();
    };
    split(tokens)
        .into_iter()
        .map(|statement| {
            let text = statement.iter().map(ToString::to_string).collect::<String>();
            // `DROP INDEX CONCURRENTLY`, which the parser does not know: read
            // without the word, and marked.
            let words: Vec<usize> = statement
                .iter()
                .enumerate()
                .filter(|(_, t)| matches!(t, Token::Word(_)))
                .map(|(i, _)| i)
                .take(3)
                .collect();
            let word = |n: usize| match words.get(n).map(|&i| &statement[i]) {
                Some(Token::Word(w)) => w.value.to_ascii_uppercase(),
                _ => String::new(),
            };
            let concurrent_drop = word(0) == "DROP" && word(1) == "INDEX" && word(2) == "CONCURRENTLY";
            let statement = if concurrent_drop {
                let mut without = statement.clone();
                without.remove(words[2]);
                without
            } else {
                statement
            };
            let mut sql = dialects[dialect_at..]
                .iter()
                .find_map(|d| parse(*d, &statement))
                .unwrap_or_else(|| by_keywords(&text));
            if let Sql::DropIndex { concurrently, .. } = &mut sql {
                *concurrently = concurrent_drop;
            }
            sql
        })
        .collect()
}

/// The tokens of each statement, without white space, comments and the
/// semicolons between them.
fn split(tokens: Vec<Token>) -> Vec<Vec<Token>> {
    let mut out = Vec::new();
    let mut current = Vec::new();
    for token in tokens {
        match token {
            Token::SemiColon => out.push(std::mem::take(&mut current)),
            Token::Whitespace(_) if current.is_empty() => {}
            Token::EOF => {}
            token => current.push(token),
        }
    }
    out.push(current);
    out.retain(|s| s.iter().any(|t| !matches!(t, Token::Whitespace(_))));
    out
}

fn parse(dialect: &dyn Dialect, tokens: &[Token]) -> Option<Sql> {
    let mut parser = Parser::new(dialect).with_tokens(tokens.to_vec());
    let statement = parser.parse_statement().ok()?;
    // A statement followed by more text was not the whole statement.
    if parser.peek_token().token != Token::EOF {
        return None;
    }
    Some(classify(&statement))
}

fn classify(statement: &Statement) -> Sql {
    match statement {
        Statement::CreateIndex(index) => Sql::CreateIndex {
            name: index.name.as_ref().map(last_part),
            table: qualified(&index.table_name),
            columns: index
                .columns
                .iter()
                .map(|c| c.column.expr.to_string().replace('"', ""))
                .collect(),
            unique: index.unique,
            if_not_exists: index.if_not_exists,
            concurrently: index.concurrently,
        },
        Statement::CreateTable(table) => Sql::CreateTable {
            name: last_part(&table.name),
            temporary: table.temporary,
        },
        Statement::Drop {
            object_type,
            if_exists,
            names,
            table,
            temporary,
            ..
        } => match object_type {
            ObjectType::Index => Sql::DropIndex {
                names: names.iter().map(qualified).collect(),
                table: table.as_ref().map(qualified),
                if_exists: *if_exists,
                // Set from the statement's words by `statements`.
                concurrently: false,
            },
            ObjectType::Table if *temporary => Sql::Nothing,
            ObjectType::Table => Sql::DropTable {
                names: names.iter().map(qualified).collect(),
                if_exists: *if_exists,
            },
            _ => Sql::OtherSchema { table: None },
        },
        Statement::AlterTable(alter) => {
            let switches = alter.operations.iter().all(|op| {
                matches!(
                    op,
                    AlterTableOperation::EnableTrigger { .. } | AlterTableOperation::DisableTrigger { .. }
                )
            });
            let validates = alter
                .operations
                .iter()
                .all(|op| matches!(op, AlterTableOperation::ValidateConstraint { .. }));
            if switches && !alter.operations.is_empty() {
                Sql::TriggerSwitch
            } else if validates && !alter.operations.is_empty() {
                Sql::Validate {
                    table: last_part(&alter.name),
                }
            } else {
                Sql::OtherSchema {
                    table: Some(last_part(&alter.name)),
                }
            }
        }
        Statement::Insert(_)
        | Statement::Update(_)
        | Statement::Delete(_)
        | Statement::Merge(_)
        | Statement::Truncate(_)
        | Statement::Copy { .. }
        | Statement::Call(_)
        | Statement::LoadData { .. } => Sql::Data,
        // A query is read by its text: `WITH ... INSERT` writes.
        Statement::Query(query) => {
            let text = query.to_string().to_ascii_uppercase();
            if ["INSERT ", "UPDATE ", "DELETE "].iter().any(|k| text.contains(k)) {
                Sql::Data
            } else {
                Sql::Nothing
            }
        }
        other => by_keywords(&other.to_string()),
    }
}

/// The unqualified name: `t` of `s.t`, without quotes.
fn last_part(name: &ObjectName) -> String {
    name.0.last().map(part).unwrap_or_default()
}

/// `(Some("s"), "t")` of `s.t`, `(None, "t")` of `t`.
fn qualified(name: &ObjectName) -> Qualified {
    let schema = name.0.len().checked_sub(2).map(|i| part(&name.0[i]));
    (schema, last_part(name))
}

fn part(part: &ObjectNamePart) -> String {
    match part {
        ObjectNamePart::Identifier(ident) => ident.value.clone(),
        other @ ObjectNamePart::Function(_) => other.to_string(),
    }
}

/// A statement classified by its leading keywords.
fn by_keywords(text: &str) -> Sql {
    let words: Vec<String> = text
        .split(|c: char| !c.is_ascii_alphanumeric() && c != '_')
        .filter(|w| !w.is_empty())
        .take(4)
        .map(str::to_ascii_uppercase)
        .collect();
    let word = |i: usize| words.get(i).map_or("", String::as_str);
    match word(0) {
        "CREATE" | "ALTER" | "DROP" | "RENAME" | "COMMENT" | "REINDEX" | "CLUSTER" => {
            let temporary = matches!(word(1), "TEMP" | "TEMPORARY")
                || (matches!(word(1), "GLOBAL" | "LOCAL") && matches!(word(2), "TEMP" | "TEMPORARY"));
            if temporary {
                Sql::Nothing
            } else {
                Sql::OtherSchema { table: None }
            }
        }
        "INSERT" | "UPDATE" | "DELETE" | "MERGE" | "COPY" | "TRUNCATE" | "REPLACE" | "CALL" | "UPSERT" => Sql::Data,
        "SELECT" | "SET" | "RESET" | "PRAGMA" | "ANALYZE" | "ANALYSE" | "VACUUM" | "SHOW" | "BEGIN" | "COMMIT"
        | "ROLLBACK" | "START" | "END" | "LOCK" | "NOTIFY" | "LISTEN" | "GRANT" | "REVOKE" | "EXPLAIN"
        | "SAVEPOINT" | "RELEASE" | "CHECKPOINT" | "USE" | "FLUSH" | "OPTIMIZE" => Sql::Nothing,
        "WITH" => {
            let upper = text.to_ascii_uppercase();
            if ["INSERT", "UPDATE", "DELETE"].iter().any(|k| upper.contains(k)) {
                Sql::Data
            } else {
                Sql::Nothing
            }
        }
        _ => Sql::Unknown,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statements_are_split_where_they_end() {
        let found = statements(
            "CREATE FUNCTION f() RETURNS trigger AS $$ BEGIN NEW.a := 1; RETURN NEW; END $$ LANGUAGE plpgsql;\n\
             UPDATE t SET a = 'x; y';\n-- DROP TABLE commented_out;\nSELECT 1",
        );
        assert_eq!(found, vec![Sql::OtherSchema { table: None }, Sql::Data, Sql::Nothing]);
    }

    #[test]
    fn concurrently_is_read_on_both_index_statements() {
        assert!(
            matches!(
                statements("DROP INDEX CONCURRENTLY IF EXISTS ix_a").as_slice(),
                [Sql::DropIndex { concurrently: true, .. }]
            ),
            "{:?}",
            statements("DROP INDEX CONCURRENTLY IF EXISTS ix_a")
        );
        assert!(matches!(
            statements("DROP INDEX ix_a").as_slice(),
            [Sql::DropIndex {
                concurrently: false,
                ..
            }]
        ));
        assert!(matches!(
            statements("CREATE INDEX CONCURRENTLY ix_a ON t (a)").as_slice(),
            [Sql::CreateIndex { concurrently: true, .. }]
        ));
    }

    #[test]
    fn objects_named_by_ddl() {
        assert_eq!(
            statements("CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS ix_u_e ON public.users (lower(email))"),
            vec![Sql::CreateIndex {
                name: Some("ix_u_e".into()),
                table: (Some("public".into()), "users".into()),
                columns: vec!["lower(email)".into()],
                unique: true,
                if_not_exists: true,
                concurrently: true,
            }]
        );
        assert_eq!(
            statements("DROP INDEX IF EXISTS ix_a, ix_b"),
            vec![Sql::DropIndex {
                names: vec![(None, "ix_a".into()), (None, "ix_b".into())],
                table: None,
                if_exists: true,
                concurrently: false,
            }]
        );
        assert_eq!(
            statements("DROP TABLE \"Old\""),
            vec![Sql::DropTable {
                names: vec![(None, "Old".into())],
                if_exists: false,
            }]
        );
        assert_eq!(
            statements("ALTER TABLE t DISABLE TRIGGER ALL"),
            vec![Sql::TriggerSwitch]
        );
        assert_eq!(
            statements("ALTER TABLE t ADD COLUMN c int"),
            vec![Sql::OtherSchema {
                table: Some("t".into())
            }]
        );
        assert_eq!(
            statements("CREATE TEMP TABLE mm AS SELECT 1"),
            vec![Sql::CreateTable {
                name: "mm".into(),
                temporary: true
            }]
        );
    }

    #[test]
    fn what_changes_nothing_and_what_cannot_be_read() {
        for sql in [
            "PRAGMA foreign_keys=OFF",
            "SET lock_timeout = '5s'",
            "ANALYZE users",
            "VACUUM",
            "SELECT setval('s', 1)",
        ] {
            assert_eq!(statements(sql), vec![Sql::Nothing], "{sql}");
        }
        for sql in [
            "INSERT INTO t VALUES (%(a)s)",
            "UPDATE t SET a = :a WHERE id = :id",
            "DELETE FROM t",
            "TRUNCATE t",
        ] {
            assert_eq!(statements(sql), vec![Sql::Data], "{sql}");
        }
        assert_eq!(statements("DO $$ BEGIN PERFORM 1; END $$"), vec![Sql::Unknown]);
        // Placeholders a parser refuses: the keywords still tell.
        assert_eq!(
            statements("ALTER TABLE {table} ADD COLUMN {column} int"),
            vec![Sql::OtherSchema { table: None }]
        );
        assert_eq!(statements("UPDATE t SET a = 'unterminated"), vec![Sql::Data]);
    }
}
