//! What a function body does to the database: changes its schema, changes
//! only its data, nothing at all, or something that cannot be read here.
//!
//! A body changes the schema when it calls an Alembic schema operation
//! (`op.create_table`, `batch_op.alter_column`, `op.rename_table`, ...), a
//! `create` / `drop` method given a connection (`sa.Enum(...).create(bind)`),
//! or executes SQL (read by the SQL parser, [`super::sql`]) that creates,
//! alters, drops, renames or comments on an object — except statements on
//! temporary tables and switching triggers off and on, which leave the
//! schema as it was. `SELECT`, `SET`, `PRAGMA`, `ANALYZE`, `VACUUM` change
//! nothing; `INSERT`, `UPDATE`, `DELETE`, `op.bulk_insert`, SQLAlchemy Core
//! statements and a session's writes change data. SQL given to
//! `op.execute` as a name is looked up among the file's string assignments;
//! SQL that cannot be read there (an import, a call) is an unknown effect,
//! which no rule guesses at. Module functions the body calls are followed.

use std::collections::BTreeMap;
use std::ops::Range;

use serde::{Deserialize, Serialize};

use super::ops::matching;
use super::sql::{self, Sql};
use super::{Kind, Scan, Token};

/// What a body does to the database, each kind kept apart: a body that
/// both rebuilds a table and copies rows changes the schema *and* the data.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Effects {
    pub schema: bool,
    pub data: bool,
    /// It runs SQL that cannot be read here.
    pub unknown: bool,
}

impl Effects {
    /// The strongest of them, for rules that judge a body as a whole.
    pub fn strongest(self) -> Effect {
        if self.schema {
            Effect::Schema
        } else if self.unknown {
            Effect::Unknown
        } else if self.data {
            Effect::Data
        } else {
            Effect::Nothing
        }
    }

    fn add(&mut self, effect: Effect) {
        match effect {
            Effect::Nothing => {}
            Effect::Data => self.data = true,
            Effect::Unknown => self.unknown = true,
            Effect::Schema => self.schema = true,
        }
    }
}

/// The strongest thing a body does, weakest first.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Effect {
    /// Only `pass`, `return`, conditions, logging.
    #[default]
    Nothing,
    /// Writes rows: `UPDATE`, `INSERT`, `op.bulk_insert`, a session's writes.
    Data,
    /// Runs SQL that cannot be read here (a name bound elsewhere, a call
    /// that builds it): it may change the schema, or not. Rules that judge
    /// by the effect stay silent.
    Unknown,
    /// Creates, alters or drops a table, column, index, constraint or type.
    Schema,
}

const SCHEMA_METHODS: &[&str] = &[
    "add_column",
    "alter_column",
    "batch_alter_table",
    "create_all",
    "create_check_constraint",
    "create_exclude_constraint",
    "create_foreign_key",
    "create_index",
    "create_primary_key",
    "create_table",
    "create_table_comment",
    "create_unique_constraint",
    "drop_all",
    "drop_column",
    "drop_constraint",
    "drop_index",
    "drop_table",
    "drop_table_comment",
    "rename_table",
];

const DATA_METHODS: &[&str] = &[
    "add",
    "add_all",
    "bulk_insert",
    "bulk_insert_mappings",
    "bulk_save_objects",
    "bulk_update_mappings",
    "commit",
    "delete",
    "flush",
    "insert",
    "merge",
    "query",
    "update",
];

const EXECUTE_METHODS: &[&str] = &["execute", "executemany", "exec_driver_sql"];

/// Names that show a `create(...)` / `drop(...)` call is given a connection.
const CONNECTIONS: &[&str] = &["bind", "get_bind", "connection", "conn", "engine", "checkfirst"];

/// The effects of the body on logical lines `lines` (its `def` line
/// first), following calls of the module functions in `functions`.
pub fn effects(scan: &Scan<'_>, lines: Range<usize>, functions: &BTreeMap<&str, Range<usize>>) -> Effects {
    let mut seen = vec![lines.start];
    let mut pending = vec![lines];
    let mut found = Effects::default();
    let mut temporary = Vec::new();
    while let Some(lines) = pending.pop() {
        let Some(tokens) = body_tokens(scan, &lines) else {
            continue;
        };
        for i in 0..tokens.len().saturating_sub(1) {
            let (name, open) = (tokens[i], tokens[i + 1]);
            if name.kind != Kind::Name || !scan.is(open, "(") {
                continue;
            }
            let callee = scan.str(name);
            let method = i > 0 && scan.is(tokens[i - 1], ".");
            let effect = if !method {
                if let Some(range) = functions.get(callee)
                    && !seen.contains(&range.start)
                {
                    seen.push(range.start);
                    pending.push(range.clone());
                }
                Effect::Nothing
            } else if SCHEMA_METHODS.contains(&callee) {
                Effect::Schema
            } else if matches!(callee, "create" | "drop") {
                // `sa.Enum(...).create(bind)` creates a type; `Model.create(
                // name=...)` (peewee, services) makes a row.
                let bound = call_args(scan, &tokens[i + 1..])
                    .iter()
                    .any(|&t| t.kind == Kind::Name && CONNECTIONS.contains(&scan.str(t)));
                if bound { Effect::Schema } else { Effect::Data }
            } else if EXECUTE_METHODS.contains(&callee) {
                let receiver = (i >= 2).then(|| scan.str(tokens[i - 2]));
                execute_effect(scan, &tokens[i + 1..], receiver == Some("op"), &mut temporary)
            } else if DATA_METHODS.contains(&callee) {
                Effect::Data
            } else {
                Effect::Nothing
            };
            found.add(effect);
        }
    }
    found
}

/// The tokens of a function's body, header included.
fn body_tokens<'s>(scan: &'s Scan<'_>, lines: &Range<usize>) -> Option<&'s [Token]> {
    let first = scan.lines.get(lines.start)?.tokens.start;
    let last = scan.lines.get(lines.end.checked_sub(1)?)?.tokens.end;
    scan.tokens.get(first..last)
}

/// The tokens inside the brackets of a call; `from` starts at its `(`.
fn call_args<'t>(scan: &Scan<'_>, from: &'t [Token]) -> &'t [Token] {
    let end = matching(scan, from, 0).unwrap_or(from.len());
    &from[1.min(end)..end]
}

/// What an `execute(...)` call does; `from` starts at its `(`.
/// `temporary` collects the temporary tables its SQL creates.
fn execute_effect(scan: &Scan<'_>, from: &[Token], on_op: bool, temporary: &mut Vec<String>) -> Effect {
    let args = call_args(scan, from);
    // SQL whose text is known, built from constants included.
    if let Some(sql) = super::format::sql_text(scan, args) {
        return sql_effect(&sql, temporary);
    }
    let strings: Vec<&str> = args
        .iter()
        .filter(|t| t.kind == Kind::Str)
        .map(|&t| scan.str(t))
        .collect();
    if !strings.is_empty() {
        return sql_effect(&literal_text(&strings), temporary);
    }
    if !on_op {
        // `conn.execute(table.update()...)`: SQL built with SQLAlchemy's
        // expression language writes rows.
        return Effect::Data;
    }
    // `op.execute(t.update().where(...))`, `op.execute(sa.insert(t))`: a
    // statement of SQLAlchemy's expression language writes or reads rows.
    let core = args.windows(2).any(|w| {
        w[0].kind == Kind::Name
            && matches!(scan.str(w[0]), "update" | "insert" | "delete" | "select")
            && scan.is(w[1], "(")
    });
    if core {
        return Effect::Data;
    }
    // `op.execute(NAME)` or `op.execute(sa.text(NAME))`: the file's
    // assignment of that name, if it is a string.
    let assigned: Vec<&str> = args
        .iter()
        .filter(|t| t.kind == Kind::Name)
        .filter_map(|&t| assigned_strings(scan, scan.str(t)))
        .flatten()
        .collect();
    if assigned.is_empty() {
        Effect::Unknown
    } else {
        sql_effect(&literal_text(&assigned), temporary)
    }
}

/// The text of the SQL written in `literals` (string tokens, prefixes and
/// quotes included), one line each.
fn literal_text(literals: &[&str]) -> String {
    let mut sql = String::new();
    for literal in literals {
        if let Some(value) = super::string_value(literal) {
            sql.push_str(&value);
        } else {
            // An f-string or bytes: its text, placeholders and all.
            let body = literal.trim_start_matches(|c: char| c.is_ascii_alphabetic());
            sql.push_str(body.trim_matches(|c| c == '"' || c == '\''));
        }
        sql.push('\n');
    }
    sql
}

/// What `sql` does, statement by statement, read with the SQL parser.
fn sql_effect(sql: &str, temporary: &mut Vec<String>) -> Effect {
    let mut strongest = Effect::Nothing;
    for statement in sql::statements(sql) {
        if let Sql::CreateTable { name, temporary: true } = &statement {
            temporary.push(name.to_ascii_lowercase());
        }
        let found = if statement.changes_schema(temporary) {
            Effect::Schema
        } else {
            match statement {
                Sql::Data => Effect::Data,
                Sql::Unknown => Effect::Unknown,
                _ => Effect::Nothing,
            }
        };
        strongest = strongest.max(found);
    }
    strongest
}

/// The string literals of `NAME = "..."` statements in the file, or
/// `None` when the name is never assigned a plain string.
fn assigned_strings<'s>(scan: &Scan<'s>, name: &str) -> Option<Vec<&'s str>> {
    let mut found = Vec::new();
    for line in &scan.lines {
        let tokens = scan.line_tokens(line);
        if let [target, eq, value @ ..] = tokens
            && target.kind == Kind::Name
            && scan.str(*target) == name
            && scan.is(*eq, "=")
            && !value.is_empty()
        {
            if value.iter().any(|t| t.kind != Kind::Str) {
                return None;
            }
            found.extend(value.iter().map(|&t| scan.str(t)));
        }
    }
    (!found.is_empty()).then_some(found)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn of(src: &str) -> Effect {
        all(src).strongest()
    }

    fn all(src: &str) -> Effects {
        let scan = Scan::new(src);
        let mut functions = BTreeMap::new();
        for (index, line) in scan.lines.iter().enumerate() {
            let tokens = scan.line_tokens(line);
            if line.indent == 0 && tokens.len() > 1 && scan.is(tokens[0], "def") {
                let end = scan.lines[index + 1..]
                    .iter()
                    .position(|l| l.indent == 0)
                    .map_or(scan.lines.len(), |p| index + 1 + p);
                functions.insert(scan.str(tokens[1]), index..end);
            }
        }
        let upgrade = functions["upgrade"].clone();
        effects(&scan, upgrade, &functions)
    }

    #[test]
    fn schema_and_data_kept_apart() {
        let both = all(
            "def upgrade():\n    op.add_column('t', sa.Column('c', sa.Integer()))\n    op.execute('UPDATE t SET c = 1')\n",
        );
        assert!(both.schema && both.data && !both.unknown);
        let unread = all("def upgrade():\n    op.execute(imported_sql)\n    op.execute('UPDATE t SET a = 1')\n");
        assert!(!unread.schema && unread.data && unread.unknown);
    }

    #[test]
    fn schema_operations_and_ddl() {
        for body in [
            "    op.create_table('t')\n",
            "    with op.batch_alter_table('t') as b:\n        b.alter_column('c')\n",
            "    op.execute(\"ALTER TYPE state ADD VALUE 'X'\")\n",
            "    op.execute(\"\"\"\n        UPDATE t SET a = 1;\n        DROP TABLE old\n    \"\"\")\n",
            "    op.execute(SQL)\nSQL = 'CREATE INDEX ix ON t (a)'\n",
            "    sa.Enum('a', name='e').create(op.get_bind())\n",
            "    status.create(bind, checkfirst=True)\n",
            "    op.execute(\"CREATE TEMP TABLE mm AS SELECT 1; CREATE INDEX ix ON real_table (a)\")\n",
            "    helper()\ndef helper():\n    op.drop_column('t', 'c')\n",
        ] {
            assert_eq!(of(&format!("def upgrade():\n{body}")), Effect::Schema, "{body}");
        }
    }

    #[test]
    fn data_only_and_nothing() {
        for body in [
            "    op.execute(\"UPDATE t SET a = 'create x'\")\n",
            "    op.execute(\"\"\"\n        CREATE TEMPORARY TABLE mm AS SELECT 1;\n        CREATE INDEX ix_mm ON mm USING btree (a);\n        UPDATE t SET a = 1;\n        DROP TABLE mm;\n    \"\"\")\n",
            "    op.execute('ALTER TABLE t DISABLE TRIGGER check_t')\n    op.execute('UPDATE t SET a = 1')\n",
            "    AccessToken.create(name='x', code=code)\n",
            "    op.bulk_insert(table, rows)\n",
            "    op.execute(users.update().where(users.c.a == None).values(a=1))\n",
            "    op.execute(sa.delete(t).where(t.c.id > 5))\n",
            "    conn = op.get_bind()\n    conn.execute(t.update().values(a=1))\n",
            "    session = Session(bind=op.get_bind())\n    session.add(x)\n    session.commit()\n",
            "    op.execute(SQL)\nSQL = 'DELETE FROM t'\n",
            "    backfill()\ndef backfill():\n    op.execute('INSERT INTO t VALUES (1)')\n",
        ] {
            assert_eq!(of(&format!("def upgrade():\n{body}")), Effect::Data, "{body}");
        }
        for body in [
            "    op.execute(imported_sql)\n",
            "    op.execute(CreateSequence(seq))\n",
            "    op.execute(imported_sql)\n    op.execute('UPDATE t SET a = 1')\n",
        ] {
            assert_eq!(of(&format!("def upgrade():\n{body}")), Effect::Unknown, "{body}");
        }
        for body in [
            "    pass\n",
            "    if skip(op, __name__):\n        return\n    pass\n",
            "    log.info('nothing to do')\n",
            "    upgrade()\n",
        ] {
            assert_eq!(of(&format!("def upgrade():\n{body}")), Effect::Nothing, "{body}");
        }
    }
}
