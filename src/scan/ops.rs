//! Schema operations of an `upgrade()` or `downgrade()` body, in order.
//!
//! Recognised: `op.create_table` (with `sa.Column(..., index=True)` and
//! `sa.Index(...)` arguments), `op.drop_table`, `op.create_index` and
//! `op.drop_index` in every argument form, `op.add_column` /
//! `op.drop_column`, the `create_*_constraint` / `create_foreign_key` /
//! `create_primary_key` / `drop_constraint` family, the same calls on a
//! `with op.batch_alter_table("t") as batch_op:` alias (acting on `t`), and
//! `CREATE [UNIQUE] INDEX`, `DROP INDEX` and `DROP TABLE` inside
//! `op.execute(...)`, `op.rename_table`, renames through `alter_column(...,
//! new_column_name=...)`, and calls handed `op` (helpers). A call inside
//! `for name in ("a", "b"):` that uses `name` is one operation per value.
//! Each operation records whether a guard protects it (`if_not_exists=True`
//! / `if_exists=True`, or an `if` that inspects the database), which
//! `if`/`else` arms it sits in (arms of one chain are alternatives, never a
//! sequence) and its database schema (`schema=`, or `s.t` in SQL).

use std::collections::HashMap;
use std::ops::Range;

use serde::{Deserialize, Serialize};

use compact_str::CompactString;

use super::blocks::{Block, BlockKind, walk};
use super::constants::Constant;
use super::literal::{Item, string_item};
use super::sql::{self, Sql};
use super::{Kind, Scan, Token, split_top_level, string_value};

/// An index or constraint name as written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Name {
    Literal(Item),
    /// `None`: the naming convention decides.
    Convention,
    /// A variable, an f-string, an expression.
    Unknown,
}

impl Name {
    pub fn literal(&self) -> Option<&Item> {
        match self {
            Name::Literal(item) => Some(item),
            _ => None,
        }
    }
}

// Each flag is an independent fact of the call, read from its own argument.
#[allow(clippy::struct_excessive_bools)]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ColumnDef {
    pub name: Item,
    pub index: bool,
    pub unique: bool,
    /// `nullable=False` or `primary_key=True`.
    pub not_null: bool,
    /// A value the database fills in for existing rows: `server_default=`
    /// (not `None`), or a generated column (`Identity()`, `Computed(...)`).
    pub filled: bool,
    /// The source text of `server_default=`, when given.
    pub server_default: Option<CompactString>,
    /// The whole `Column(...)` call.
    pub span: Range<usize>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IndexDef {
    pub name: Name,
    /// Column names, or the SQL text of expressions (`lower(name)`).
    pub columns: Vec<CompactString>,
    pub unique: bool,
    pub span: Range<usize>,
}

/// The text of the SQL an `execute(...)` call runs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SqlSource {
    pub text: String,
    /// Where `text` starts in the file, when it is one literal written
    /// without escapes, so that an offset in it is an offset in the file.
    pub origin: Option<usize>,
}

/// An `execute(...)` whose SQL is known.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Executed {
    /// From the receiver to the closing parenthesis.
    pub span: Range<usize>,
    pub source: SqlSource,
    /// Inside `with op.get_context().autocommit_block():`.
    pub autocommit: bool,
    /// Inside an arm that runs on MySQL only.
    pub mysql: bool,
}

/// Which constraint an operation creates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ConstraintKind {
    ForeignKey,
    Unique,
    Check,
    PrimaryKey,
    Exclude,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum OpKind {
    CreateTable {
        table: Item,
        columns: Vec<ColumnDef>,
        indexes: Vec<IndexDef>,
    },
    DropTable {
        table: Item,
    },
    CreateIndex {
        table: Option<Item>,
        index: IndexDef,
    },
    DropIndex {
        table: Option<Item>,
        name: Name,
    },
    AddColumn {
        table: Item,
        column: ColumnDef,
    },
    DropColumn {
        table: Item,
        column: Item,
    },
    /// `alter_column(table, column, new_column_name=...)`.
    RenameColumn {
        table: Item,
        column: Item,
        /// The new name, when it is a literal.
        new_name: Option<Item>,
    },
    /// `rename_table(old, new)`.
    RenameTable {
        table: Item,
        new_name: Item,
    },
    CreateConstraint {
        table: Option<Item>,
        name: Name,
        kind: ConstraintKind,
    },
    /// `alter_column(table, column, ...)` without a new name: what it sets.
    AlterColumn {
        table: Item,
        column: Item,
        /// `nullable=False` / `nullable=True`.
        nullable: Option<bool>,
        /// The source text of `type_=` and of `existing_type=`.
        type_: Option<CompactString>,
        existing_type: Option<CompactString>,
    },
    DropConstraint {
        table: Option<Item>,
        name: Name,
    },
    /// `ALTER TABLE t VALIDATE CONSTRAINT ...` in `op.execute(...)`: the
    /// table's `NOT VALID` constraints now hold for every row.
    ValidateConstraint {
        table: Item,
    },
    /// `op.execute(...)` with SQL not (fully) understood; `mentions_index`
    /// when that SQL may create or drop an index.
    OpaqueSql {
        mentions_index: bool,
    },
    /// A call that is handed `op` (`helper(op, "t")`, or a method of an
    /// object built from `op`): it may create or drop anything. `strings`
    /// are the string literals among its arguments (tables, columns or
    /// index names).
    Helper {
        strings: Vec<CompactString>,
    },
}

// Each flag is an independent fact of the call: its guard, its arm, its
// arguments, its enclosing block.
#[allow(clippy::struct_excessive_bools)]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Operation {
    pub kind: OpKind,
    /// The call, from the receiver to the closing parenthesis.
    pub span: Range<usize>,
    /// Protected by `if_not_exists` / `if_exists` or an `if` that inspects
    /// the database.
    pub guarded: bool,
    /// `(chain, arm)` of every enclosing `if`/`elif`/`else` arm.
    pub arms: Vec<(usize, usize)>,
    /// Inside an arm that runs on MySQL only (index names are per table there).
    pub mysql: bool,
    /// The `schema=` argument: its literal value, or its source text.
    pub schema: Option<CompactString>,
    /// `postgresql_concurrently=True`, or `CONCURRENTLY` in its SQL.
    pub concurrently: bool,
    /// Inside `with op.get_context().autocommit_block():`, outside the
    /// migration's transaction.
    pub autocommit: bool,
    /// The PostgreSQL-only keyword arguments the call is given
    /// (`postgresql_not_valid`, `postgresql_using`, ...), and those only.
    pub postgresql: Vec<CompactString>,
}

impl Operation {
    /// The tables (`t`) and columns (`t.c`) it creates.
    pub fn created_names(&self) -> Vec<String> {
        match &self.kind {
            OpKind::CreateTable { table, columns, .. } => std::iter::once(table.value.to_string())
                .chain(columns.iter().map(|c| format!("{}.{}", table.value, c.name.value)))
                .collect(),
            OpKind::AddColumn { table, column } => vec![format!("{}.{}", table.value, column.name.value)],
            OpKind::RenameTable { new_name, .. } => vec![new_name.value.to_string()],
            OpKind::RenameColumn {
                table,
                new_name: Some(new_name),
                ..
            } => vec![format!("{}.{}", table.value, new_name.value)],
            _ => Vec::new(),
        }
    }
}

/// The operations of the function whose header is logical line `lines.start`.
pub fn operations(scan: &Scan<'_>, lines: Range<usize>) -> Vec<Operation> {
    let mut out = Vec::new();
    // Names bound to an object built from `op` (`reflect = Reflect(op)`).
    let mut helpers: Vec<&str> = Vec::new();
    let mut chains: HashMap<(usize, usize), bool> = HashMap::new();
    walk(scan, lines, |statement| {
        let around = Around::of(scan, statement.blocks, &mut chains);
        let tokens = statement.tokens;
        // `reflect = Reflect(op)` only binds the helper: its methods act.
        let mut binding = None;
        if let [target, eq, rest @ ..] = tokens
            && target.kind == Kind::Name
            && scan.is(*eq, "=")
            && call_of(scan, rest).is_some_and(|(_, inner)| receives_op(scan, inner))
        {
            helpers.push(scan.str(*target));
            binding = Some(rest[0].start..rest[rest.len() - 1].end);
        }
        for (span, args) in plain_calls(scan, tokens) {
            if receives_op(scan, args) && binding.as_ref() != Some(&span) {
                // A chained call (`Helper(op).drop("t")`) acts with the rest.
                let rest = tokens.iter().position(|t| t.start >= span.start).unwrap_or(0);
                let strings = string_literals(scan, &tokens[rest..]);
                out.push(around.operation(Interpreted::of(OpKind::Helper { strings }), span));
            }
        }
        for call in calls(scan, tokens) {
            if binding.as_ref() != Some(&call.span) {
                call_operations(scan, &call, &around, &helpers, &mut out);
            }
        }
    });
    out
}

/// What the blocks around a statement say of its operations.
struct Around<'a> {
    /// `with op.batch_alter_table(...) as alias:` blocks: alias and table.
    batches: Vec<(&'a str, Option<Item>)>,
    guarded: bool,
    mysql: bool,
    arms: Vec<(usize, usize)>,
    /// `for name in ("a", "b"):` loops over literals.
    loops: Vec<(&'a str, Vec<Item>)>,
    /// Inside `with ... autocommit_block():`.
    autocommit: bool,
}

impl<'a> Around<'a> {
    /// `chains` remembers, for each arm seen, whether a condition up to it
    /// guards: weighed once per arm, a chain of K arms costs K, not K².
    fn of(scan: &Scan<'a>, blocks: &[Block], chains: &mut HashMap<(usize, usize), bool>) -> Self {
        let mut around = Around {
            batches: Vec::new(),
            guarded: false,
            mysql: false,
            arms: Vec::new(),
            loops: Vec::new(),
            autocommit: false,
        };
        for block in blocks {
            match &block.kind {
                BlockKind::Other => around.loops.extend(literal_loop(scan, block.line)),
                BlockKind::Arm {
                    group,
                    arm,
                    condition,
                    previous,
                } => {
                    around.arms.push((*group, *arm));
                    let before = match arm.checked_sub(1).and_then(|a| chains.get(&(*group, a))) {
                        Some(&known) => known,
                        None => previous.iter().any(|c| is_guard(&scan.text[c.clone()])),
                    };
                    let up_to_here = before || is_guard(&scan.text[condition.clone()]);
                    chains.insert((*group, *arm), up_to_here);
                    around.guarded |= up_to_here;
                    around.mysql |= is_mysql_only(&scan.text[condition.clone()]);
                }
                BlockKind::With { header } => {
                    around.autocommit |= scan.text[header.clone()].contains("autocommit_block");
                    around.batches.extend(batch_alias(scan, header));
                }
                _ => {}
            }
        }
        around
    }

    fn operation(&self, read: Interpreted, span: Range<usize>) -> Operation {
        Operation {
            kind: read.kind,
            span,
            guarded: self.guarded || read.guarded,
            arms: self.arms.clone(),
            mysql: self.mysql,
            schema: read.schema,
            concurrently: read.concurrently,
            autocommit: self.autocommit,
            postgresql: read.postgresql,
        }
    }
}

/// The operations of one `NAME.method(...)` call: a helper's, or `op`'s
/// (or a batch alias's), once per value of a loop over literals it uses.
fn call_operations(scan: &Scan<'_>, call: &Call<'_>, around: &Around<'_>, helpers: &[&str], out: &mut Vec<Operation>) {
    let batch = around.batches.iter().rev().find(|(alias, _)| *alias == call.receiver);
    if helpers.contains(&call.receiver) || (call.receiver != "op" && receives_op(scan, call.args)) {
        let strings = string_literals(scan, call.args);
        out.push(around.operation(Interpreted::of(OpKind::Helper { strings }), call.span.clone()));
        return;
    }
    if call.receiver != "op" && batch.is_none() {
        return;
    }
    let batch_table = batch.map(|(_, table)| table.clone());
    let args = Args::parse(scan, call.args);
    let explicit_guard = ["if_not_exists", "if_exists"]
        .iter()
        .any(|k| args.keyword(k).is_some_and(|t| is_true(scan, t)));
    // Inside `for name in ("a", "b"):`, a call that uses `name` is one
    // operation per value.
    let loop_values = around
        .loops
        .iter()
        .rev()
        .find(|(var, _)| call.args.iter().any(|&t| t.kind == Kind::Name && scan.str(t) == *var));
    let interpreted: Vec<Interpreted> = match loop_values {
        Some((var, values)) => values
            .iter()
            .flat_map(|value| interpret(scan, call, &args, batch_table.clone(), Some((var, value))))
            .collect(),
        None => interpret(scan, call, &args, batch_table, None),
    };
    // PostgreSQL-only arguments: `postgresql_concurrently=True` and the
    // others the safety rules read.
    let postgresql: Vec<CompactString> = args
        .keywords()
        .filter(|(name, value)| name.starts_with("postgresql_") && !is_false(scan, value))
        .map(|(name, _)| CompactString::from(name))
        .collect();
    let concurrently = args
        .keyword("postgresql_concurrently")
        .is_some_and(|t| is_true(scan, t));
    for mut read in interpreted {
        read.guarded |= explicit_guard;
        read.concurrently |= concurrently;
        read.postgresql.clone_from(&postgresql);
        out.push(around.operation(read, call.span.clone()));
    }
}

/// `for NAME in ("a", "b"):` at logical line `line`: the name and the
/// values. The sequence is a list or tuple of string literals, or a module
/// constant bound to one, possibly wrapped in `reversed(...)`,
/// `sorted(...)`, `list(...)`, `tuple(...)` or `set(...)` (which change the
/// order at most).
fn literal_loop<'a>(scan: &Scan<'a>, line: usize) -> Option<(&'a str, Vec<Item>)> {
    let tokens = &scan.tokens[scan.lines[line].tokens.clone()];
    let [keyword, var, in_, rest @ ..] = tokens else {
        return None;
    };
    if !scan.is(*keyword, "for") || var.kind != Kind::Name || !scan.is(*in_, "in") {
        return None;
    }
    let colon = rest.iter().rposition(|&t| scan.is(t, ":"))?;
    let mut sequence = &rest[..colon];
    while let [callee, open, inner @ .., close] = sequence
        && matches!(scan.str(*callee), "reversed" | "sorted" | "list" | "tuple" | "set")
        && scan.is(*open, "(")
        && scan.is(*close, ")")
    {
        sequence = inner;
    }
    if let [name] = sequence
        && name.kind == Kind::Name
    {
        let Some(Constant::Strs(values)) = scan.constant(scan.str(*name)) else {
            return None;
        };
        let values = values
            .iter()
            .map(|value| Item {
                value: value.clone(),
                span: name.span(),
            })
            .collect();
        return Some((scan.str(*var), values));
    }
    let (first, last) = (*sequence.first()?, *sequence.last()?);
    let bracketed = (scan.is(first, "(") && scan.is(last, ")")) || (scan.is(first, "[") && scan.is(last, "]"));
    if !bracketed {
        return None;
    }
    let values: Option<Vec<Item>> = split_top_level(scan, &sequence[1..sequence.len() - 1], ",")
        .into_iter()
        .filter(|part| !part.is_empty())
        .map(|part| string_item(scan, part))
        .collect();
    Some((scan.str(*var), values?))
}

/// `op` is one of the positional arguments.
fn receives_op(scan: &Scan<'_>, args: &[Token]) -> bool {
    split_top_level(scan, args, ",")
        .iter()
        .any(|part| matches!(part, [t] if scan.is(*t, "op")))
}

/// Every `NAME(...)` call in a statement that is not a method call: its
/// span and its argument tokens.
fn plain_calls<'a>(scan: &Scan<'a>, tokens: &'a [Token]) -> Vec<(Range<usize>, &'a [Token])> {
    let mut out = Vec::new();
    for i in 0..tokens.len().saturating_sub(1) {
        if tokens[i].kind != Kind::Name || !scan.is(tokens[i + 1], "(") || (i > 0 && scan.is(tokens[i - 1], ".")) {
            continue;
        }
        if let Some(close) = matching(scan, tokens, i + 1) {
            out.push((tokens[i].start..tokens[close].end, &tokens[i + 2..close]));
        }
    }
    out
}

/// The plain string literals anywhere in `tokens`.
fn string_literals(scan: &Scan<'_>, tokens: &[Token]) -> Vec<CompactString> {
    tokens
        .iter()
        .filter(|t| t.kind == Kind::Str)
        .filter_map(|t| string_item(scan, std::slice::from_ref(t)))
        .map(|item| item.value)
        .collect()
}

struct Call<'a> {
    receiver: &'a str,
    method: &'a str,
    args: &'a [Token],
    span: Range<usize>,
}

/// Every `NAME.NAME(...)` call in a statement, nested ones included.
fn calls<'a>(scan: &Scan<'a>, tokens: &'a [Token]) -> Vec<Call<'a>> {
    let mut out = Vec::new();
    for i in 0..tokens.len().saturating_sub(3) {
        let (r, dot, m, open) = (tokens[i], tokens[i + 1], tokens[i + 2], tokens[i + 3]);
        if r.kind != Kind::Name || m.kind != Kind::Name || !scan.is(dot, ".") || !scan.is(open, "(") {
            continue;
        }
        if i > 0 && scan.is(tokens[i - 1], ".") {
            continue;
        }
        let Some(close) = matching(scan, tokens, i + 3) else {
            continue;
        };
        out.push(Call {
            receiver: scan.str(r),
            method: scan.str(m),
            args: &tokens[i + 4..close],
            span: r.start..tokens[close].end,
        });
    }
    out
}

/// Index of the bracket closing the one at `open`.
pub(crate) fn matching(scan: &Scan<'_>, tokens: &[Token], open: usize) -> Option<usize> {
    let mut depth = 0usize;
    for (i, &t) in tokens.iter().enumerate().skip(open) {
        if t.kind != Kind::Op {
            continue;
        }
        match scan.str(t) {
            "(" | "[" | "{" => depth += 1,
            ")" | "]" | "}" => {
                depth = depth.checked_sub(1)?;
                if depth == 0 {
                    return Some(i);
                }
            }
            _ => {}
        }
    }
    None
}

pub(crate) struct Args<'a> {
    positional: Vec<&'a [Token]>,
    keywords: Vec<(&'a str, &'a [Token])>,
}

impl<'a> Args<'a> {
    pub(crate) fn parse(scan: &Scan<'a>, tokens: &'a [Token]) -> Self {
        let mut args = Args {
            positional: Vec::new(),
            keywords: Vec::new(),
        };
        for part in split_top_level(scan, tokens, ",") {
            if part.is_empty() {
                continue;
            }
            if part.len() >= 2 && part[0].kind == Kind::Name && scan.is(part[1], "=") {
                args.keywords.push((scan.str(part[0]), &part[2..]));
            } else {
                args.positional.push(part);
            }
        }
        args
    }

    pub(crate) fn keyword(&self, name: &str) -> Option<&'a [Token]> {
        self.keywords.iter().find(|(k, _)| *k == name).map(|(_, v)| *v)
    }

    /// The argument at `position`, or given as `keyword`.
    pub(crate) fn get(&self, position: usize, keyword: &str) -> Option<&'a [Token]> {
        self.keyword(keyword).or_else(|| self.positional.get(position).copied())
    }

    pub(crate) fn positional(&self) -> &[&'a [Token]] {
        &self.positional
    }

    /// Every keyword argument, in order.
    pub(crate) fn keywords(&self) -> impl Iterator<Item = (&'a str, &'a [Token])> + '_ {
        self.keywords.iter().copied()
    }
}

/// `False` or `None`: an argument given only to say no.
pub(crate) fn is_false(scan: &Scan<'_>, tokens: &[Token]) -> bool {
    matches!(tokens, [t] if matches!(scan.str(*t), "False" | "None"))
}

pub(crate) fn is_true(scan: &Scan<'_>, tokens: &[Token]) -> bool {
    matches!(tokens, [t] if scan.str(*t) == "True")
}

/// `NAME(...)` or `a.b.NAME(...)` spanning all of `tokens`: the last name
/// and the argument tokens.
pub(crate) fn call_of<'a>(scan: &Scan<'a>, tokens: &'a [Token]) -> Option<(&'a str, &'a [Token])> {
    let open = tokens.iter().position(|&t| scan.is(t, "("))?;
    if open == 0 || matching(scan, tokens, open)? != tokens.len() - 1 {
        return None;
    }
    let head = &tokens[..open];
    let chained = head.iter().enumerate().all(|(i, &t)| {
        if i % 2 == 0 {
            t.kind == Kind::Name
        } else {
            scan.is(t, ".")
        }
    });
    if !chained || head.len().is_multiple_of(2) {
        return None;
    }
    Some((scan.str(head[head.len() - 1]), &tokens[open + 1..tokens.len() - 1]))
}

/// A name argument: a string, `op.f("x")`, `None`, or unknown.
pub(crate) fn name_arg(scan: &Scan<'_>, tokens: &[Token]) -> Name {
    if let Some(item) = string_item(scan, tokens) {
        return Name::Literal(item);
    }
    if matches!(tokens, [t] if scan.str(*t) == "None") {
        return Name::Convention;
    }
    if let Some(("f" | "conv", inner)) = call_of(scan, tokens) {
        return name_arg(scan, inner);
    }
    Name::Unknown
}

/// A list or tuple of columns: names, `sa.text("...")` expressions, or the
/// source text of anything else.
pub(crate) fn column_list(scan: &Scan<'_>, tokens: &[Token]) -> Vec<CompactString> {
    let inner = match (tokens.first(), tokens.last()) {
        (Some(&a), Some(&b)) if (scan.is(a, "[") && scan.is(b, "]")) || (scan.is(a, "(") && scan.is(b, ")")) => {
            &tokens[1..tokens.len() - 1]
        }
        _ => tokens,
    };
    split_top_level(scan, inner, ",")
        .into_iter()
        .filter(|p| !p.is_empty())
        .map(|p| column_text(scan, p))
        .collect()
}

pub(crate) fn column_text(scan: &Scan<'_>, tokens: &[Token]) -> CompactString {
    if let Some(item) = string_item(scan, tokens) {
        return item.value;
    }
    if let Some(("text" | "literal_column", inner)) = call_of(scan, tokens)
        && let Some(item) = string_item(scan, inner)
    {
        return item.value;
    }
    match (tokens.first(), tokens.last()) {
        (Some(a), Some(b)) => scan.text[a.start..b.end].into(),
        _ => CompactString::default(),
    }
}

/// `Column(...)` / `mapped_column(...)` with its name and flags.
pub(crate) fn column_def(scan: &Scan<'_>, tokens: &[Token]) -> Option<ColumnDef> {
    let (callee, inner) = call_of(scan, tokens)?;
    if !matches!(callee, "Column" | "mapped_column") {
        return None;
    }
    let args = Args::parse(scan, inner);
    let name = args
        .positional()
        .first()
        .and_then(|p| string_item(scan, p))
        .or_else(|| args.keyword("name").and_then(|t| string_item(scan, t)))?;
    let not_null = args
        .keyword("nullable")
        .is_some_and(|t| matches!(t, [value] if scan.str(*value) == "False"))
        || args.keyword("primary_key").is_some_and(|t| is_true(scan, t));
    let generated = args
        .positional()
        .iter()
        .any(|p| call_of(scan, p).is_some_and(|(callee, _)| matches!(callee, "Identity" | "Computed")));
    // An integer primary key that autoincrements is a `SERIAL` on
    // PostgreSQL: its sequence numbers the existing rows.
    let serial = args.keyword("primary_key").is_some_and(|t| is_true(scan, t))
        && !args.keyword("autoincrement").is_some_and(|t| is_false(scan, t))
        && args.positional().get(1).is_some_and(|ty| {
            ty.iter()
                .any(|&t| t.kind == Kind::Name && scan.str(t).ends_with("Integer"))
        });
    let server_default = args
        .keyword("server_default")
        .filter(|t| !is_false(scan, t))
        .map(|t| column_text(scan, t));
    let filled = generated || serial || server_default.is_some();
    Some(ColumnDef {
        name,
        index: args.keyword("index").is_some_and(|t| is_true(scan, t)),
        unique: args.keyword("unique").is_some_and(|t| is_true(scan, t)),
        not_null,
        filled,
        server_default,
        span: tokens[0].start..tokens[tokens.len() - 1].end,
    })
}

/// `Index(name, *columns, unique=...)`.
pub(crate) fn index_def(scan: &Scan<'_>, tokens: &[Token]) -> Option<IndexDef> {
    let (callee, inner) = call_of(scan, tokens)?;
    if callee != "Index" {
        return None;
    }
    let args = Args::parse(scan, inner);
    let name = args.positional().first().map_or(Name::Unknown, |t| name_arg(scan, t));
    let columns = args.positional().iter().skip(1).map(|p| column_text(scan, p)).collect();
    Some(IndexDef {
        name,
        columns,
        unique: args.keyword("unique").is_some_and(|t| is_true(scan, t)),
        span: tokens[0].start..tokens[tokens.len() - 1].end,
    })
}

/// The operations of one call, each with whether its own SQL guards it
/// (`IF NOT EXISTS` / `IF EXISTS`). `batch_table` is `None` outside a batch
/// block, and `Some(None)` in a batch block whose table is not a literal.
#[allow(clippy::option_option)]
fn interpret(
    scan: &Scan<'_>,
    call: &Call<'_>,
    args: &Args<'_>,
    batch_table: Option<Option<Item>>,
    bound: Option<(&str, &Item)>,
) -> Vec<Interpreted> {
    if call.method == "execute" {
        return sql_operations(scan, call.args);
    }
    let reading = Reading {
        scan,
        call,
        args,
        in_batch: batch_table.is_some(),
        batch_table: batch_table.flatten(),
        bound,
    };
    let Some(kind) = reading.table_op().or_else(|| reading.other_op()) else {
        return Vec::new();
    };
    let schema = args
        .keyword("schema")
        .map(|t| column_text(scan, t))
        .filter(|s| !is_default_schema(s));
    let mut read = Interpreted::of(kind);
    read.schema = schema;
    vec![read]
}

/// One call's arguments, read as Alembic takes them.
struct Reading<'a, 's> {
    scan: &'a Scan<'s>,
    call: &'a Call<'a>,
    args: &'a Args<'a>,
    /// In a `batch_alter_table` block: the table argument is implied.
    in_batch: bool,
    batch_table: Option<Item>,
    /// A loop variable and the value it stands for in this pass.
    bound: Option<(&'a str, &'a Item)>,
}

impl Reading<'_, '_> {
    fn bound_value(&self, tokens: &[Token]) -> Option<Item> {
        match (tokens, self.bound) {
            ([t], Some((var, value))) if t.kind == Kind::Name && self.scan.str(*t) == var => Some(Item {
                value: value.value.clone(),
                span: t.start..t.end,
            }),
            _ => None,
        }
    }

    fn item(&self, position: usize, keyword: &str) -> Option<Item> {
        let tokens = self.args.get(position, keyword)?;
        string_item(self.scan, tokens).or_else(|| self.bound_value(tokens))
    }

    /// In a batch block later arguments move up one.
    fn shift(&self) -> usize {
        usize::from(!self.in_batch)
    }

    fn table(&self, position: usize, keyword: &str) -> Option<Item> {
        if self.in_batch {
            self.batch_table.clone()
        } else {
            self.item(position, keyword)
        }
    }

    fn name(&self, position: usize, keyword: &str) -> Name {
        self.args.get(position, keyword).map_or(Name::Unknown, |t| {
            self.bound_value(t)
                .map_or_else(|| name_arg(self.scan, t), Name::Literal)
        })
    }

    /// `create_table`, `drop_table`, `rename_table` (not in a batch).
    fn table_op(&self) -> Option<OpKind> {
        if self.in_batch {
            return None;
        }
        match self.call.method {
            "create_table" => {
                let table = self.item(0, "table_name")?;
                let mut columns = Vec::new();
                let mut indexes = Vec::new();
                for part in self.args.positional().iter().skip(1) {
                    if let Some(column) = column_def(self.scan, part) {
                        columns.push(column);
                    } else if let Some(index) = index_def(self.scan, part) {
                        indexes.push(index);
                    }
                }
                Some(OpKind::CreateTable {
                    table,
                    columns,
                    indexes,
                })
            }
            "drop_table" => Some(OpKind::DropTable {
                table: self.item(0, "table_name")?,
            }),
            "rename_table" => Some(OpKind::RenameTable {
                table: self.item(0, "old_table_name")?,
                new_name: self.item(1, "new_table_name")?,
            }),
            _ => None,
        }
    }

    /// Indexes, columns and constraints.
    fn other_op(&self) -> Option<OpKind> {
        let shift = self.shift();
        Some(match self.call.method {
            "create_index" => OpKind::CreateIndex {
                table: self.table(1, "table_name"),
                index: IndexDef {
                    name: self.name(0, "index_name"),
                    columns: self
                        .args
                        .get(1 + shift, "columns")
                        .map(|t| column_list(self.scan, t))
                        .unwrap_or_default(),
                    unique: self.args.keyword("unique").is_some_and(|t| is_true(self.scan, t)),
                    span: self.call.span.clone(),
                },
            },
            "drop_index" => OpKind::DropIndex {
                table: self.table(1, "table_name"),
                name: self.name(0, "index_name"),
            },
            "add_column" => OpKind::AddColumn {
                table: self.table(0, "table_name")?,
                column: self.args.get(shift, "column").and_then(|t| column_def(self.scan, t))?,
            },
            "drop_column" => OpKind::DropColumn {
                table: self.table(0, "table_name")?,
                column: self.item(shift, "column_name")?,
            },
            "alter_column" if self.args.keyword("new_column_name").is_some() => OpKind::RenameColumn {
                table: self.table(0, "table_name")?,
                column: self.item(shift, "column_name")?,
                new_name: self
                    .args
                    .keyword("new_column_name")
                    .and_then(|t| string_item(self.scan, t)),
            },
            "alter_column" => OpKind::AlterColumn {
                table: self.table(0, "table_name")?,
                column: self.item(shift, "column_name")?,
                nullable: self.args.keyword("nullable").and_then(|t| match t {
                    [value] if self.scan.str(*value) == "False" => Some(false),
                    [value] if self.scan.str(*value) == "True" => Some(true),
                    _ => None,
                }),
                type_: self.args.keyword("type_").map(|t| column_text(self.scan, t)),
                existing_type: self.args.keyword("existing_type").map(|t| column_text(self.scan, t)),
            },
            "create_foreign_key"
            | "create_unique_constraint"
            | "create_check_constraint"
            | "create_primary_key"
            | "create_exclude_constraint" => OpKind::CreateConstraint {
                table: self.table(1, "source_table").or_else(|| self.table(1, "table_name")),
                name: self.name(0, "constraint_name"),
                kind: match self.call.method {
                    "create_foreign_key" => ConstraintKind::ForeignKey,
                    "create_unique_constraint" => ConstraintKind::Unique,
                    "create_check_constraint" => ConstraintKind::Check,
                    "create_primary_key" => ConstraintKind::PrimaryKey,
                    _ => ConstraintKind::Exclude,
                },
            },
            "drop_constraint" => OpKind::DropConstraint {
                table: self.table(1, "table_name"),
                name: self.name(0, "constraint_name"),
            },
            _ => return None,
        })
    }
}

/// An operation as one call (or one SQL statement) gives it.
struct Interpreted {
    kind: OpKind,
    /// Its own SQL guards it (`IF NOT EXISTS`), or its arguments do.
    guarded: bool,
    schema: Option<CompactString>,
    concurrently: bool,
    postgresql: Vec<CompactString>,
}

impl Interpreted {
    fn of(kind: OpKind) -> Self {
        Interpreted {
            kind,
            guarded: false,
            schema: None,
            concurrently: false,
            postgresql: Vec::new(),
        }
    }

    fn sql(kind: OpKind, guarded: bool, schema: Option<CompactString>, concurrently: bool) -> Self {
        Interpreted {
            kind,
            guarded,
            schema,
            concurrently,
            postgresql: Vec::new(),
        }
    }
}

/// `with op.batch_alter_table("t", ...) as alias:` → `(alias, table)`.
fn batch_alias<'a>(scan: &Scan<'a>, header: &Range<usize>) -> Option<(&'a str, Option<Item>)> {
    let tokens: Vec<Token> = scan
        .tokens
        .iter()
        .copied()
        .filter(|t| t.start >= header.start && t.end <= header.end)
        .collect();
    let open = tokens.iter().position(|&t| scan.is(t, "("))?;
    if open < 1 || scan.str(tokens[open - 1]) != "batch_alter_table" {
        return None;
    }
    let close = matching(scan, &tokens, open)?;
    let alias = tokens
        .get(close + 2)
        .filter(|_| tokens.get(close + 1).is_some_and(|&t| scan.is(t, "as")))?;
    let inner = &tokens[open + 1..close];
    let args = Args::parse(scan, inner);
    let table = args.get(0, "table_name").and_then(|t| string_item(scan, t));
    Some((scan.str(*alias), table))
}

/// Conditions that inspect the database before acting.
fn is_guard(condition: &str) -> bool {
    [
        "inspect(",
        "get_indexes",
        "get_table_names",
        "get_columns",
        "get_unique_constraints",
        "has_index",
        "has_table",
        "has_column",
        " not in ",
        "exists(",
    ]
    .iter()
    .any(|needle| condition.contains(needle))
}

fn is_mysql_only(condition: &str) -> bool {
    let lower = condition.to_ascii_lowercase();
    (lower.contains("mysql") || lower.contains("mariadb")) && !lower.contains("!=") && !lower.contains("not ")
}

/// PostgreSQL's default schema, and `None` written out.
fn is_default_schema(schema: &str) -> bool {
    matches!(schema, "public" | "None")
}

/// The index and table operations written as SQL in `op.execute(...)`.
fn sql_operations(scan: &Scan<'_>, args: &[Token]) -> Vec<Interpreted> {
    let strings: Vec<&Token> = args.iter().filter(|t| t.kind == Kind::Str).collect();
    let raw = match (args.first(), args.last()) {
        (Some(a), Some(b)) => scan.text[a.start..b.end].to_ascii_lowercase(),
        _ => String::new(),
    };
    // Anything not a literal may hold index DDL.
    let opaque = OpKind::OpaqueSql {
        mentions_index: raw.contains("index") || strings.is_empty(),
    };
    let Some(sql) = super::format::sql_text(scan, args).or_else(|| {
        let mut sql = String::new();
        for t in &strings {
            sql.push_str(&string_value(scan.str(**t))?);
        }
        Some(sql)
    }) else {
        return vec![Interpreted::of(opaque)];
    };
    let (Some(start), Some(end)) = (args.first(), args.last()) else {
        return vec![Interpreted::of(opaque)];
    };
    // Spans of SQL items point at the first literal (or the expression
    // that builds the SQL): the text inside may have escapes, so offsets
    // inside it are not exact.
    let at = strings.first().map_or(start.start..end.end, |first| first.span());
    let item = |value: String| Item {
        value: value.into(),
        span: at.clone(),
    };
    let schema = |qualifier: &Option<String>| {
        qualifier
            .as_deref()
            .filter(|s| !is_default_schema(s))
            .map(CompactString::from)
    };
    let statements = sql::statements(&sql);
    let mut out = Vec::new();
    let mut unread = 0;
    for statement in &statements {
        match statement {
            Sql::CreateIndex {
                name: Some(name),
                table,
                columns,
                unique,
                if_not_exists,
                concurrently,
            } => {
                let index = IndexDef {
                    name: Name::Literal(item(name.clone())),
                    columns: columns.iter().map(CompactString::from).collect(),
                    unique: *unique,
                    span: at.clone(),
                };
                out.push(Interpreted::sql(
                    OpKind::CreateIndex {
                        table: Some(item(table.1.clone())),
                        index,
                    },
                    *if_not_exists,
                    schema(&table.0),
                    *concurrently,
                ));
            }
            Sql::DropIndex {
                names,
                table,
                if_exists,
                concurrently,
            } => {
                for (qualifier, name) in names {
                    out.push(Interpreted::sql(
                        OpKind::DropIndex {
                            table: table.as_ref().map(|t| item(t.1.clone())),
                            name: Name::Literal(item(name.clone())),
                        },
                        *if_exists,
                        schema(qualifier).or_else(|| table.as_ref().and_then(|t| schema(&t.0))),
                        *concurrently,
                    ));
                }
            }
            Sql::DropTable { names, if_exists } => {
                for (qualifier, name) in names {
                    out.push(Interpreted::sql(
                        OpKind::DropTable {
                            table: item(name.clone()),
                        },
                        *if_exists,
                        schema(qualifier),
                        false,
                    ));
                }
            }
            Sql::Validate { table } => out.push(Interpreted::sql(
                OpKind::ValidateConstraint {
                    table: item(table.clone()),
                },
                false,
                None,
                false,
            )),
            Sql::Data | Sql::Nothing | Sql::TriggerSwitch => {}
            _ => unread += 1,
        }
    }
    // Other DDL, or SQL that may do anything, may touch indexes too.
    if unread > 0 || statements.is_empty() {
        out.push(Interpreted::of(opaque));
    }
    out
}

/// The SQL each `execute(...)` of the function's body runs, where its text
/// is known: on `op`, on a batch alias, on `op.get_bind()` or on a name
/// bound to it (`conn = op.get_bind()`).
pub fn executed(scan: &Scan<'_>, lines: Range<usize>) -> Vec<Executed> {
    let mut out = Vec::new();
    let mut binds: Vec<&str> = Vec::new();
    let mut chains: HashMap<(usize, usize), bool> = HashMap::new();
    walk(scan, lines, |statement| {
        let tokens = statement.tokens;
        if let [target, eq, rest @ ..] = tokens
            && target.kind == Kind::Name
            && scan.is(*eq, "=")
            && rest.iter().any(|&t| scan.str(t) == "get_bind")
        {
            binds.push(scan.str(*target));
        }
        if !tokens.iter().any(|&t| scan.str(t) == "execute") {
            return;
        }
        let around = Around::of(scan, statement.blocks, &mut chains);
        for (i, &t) in tokens.iter().enumerate() {
            if scan.str(t) != "execute" || !tokens.get(i + 1).is_some_and(|&o| scan.is(o, "(")) || i < 2 {
                continue;
            }
            if !scan.is(tokens[i - 1], ".") {
                continue;
            }
            let receiver = scan.str(tokens[i - 2]);
            // `op.get_bind().execute(...)`.
            let on_bind =
                receiver == ")" && i >= 4 && scan.is(tokens[i - 3], "(") && scan.str(tokens[i - 4]) == "get_bind";
            let named = tokens[i - 2].kind == Kind::Name
                && (i < 3 || !scan.is(tokens[i - 3], "."))
                && (receiver == "op"
                    || binds.contains(&receiver)
                    || around.batches.iter().any(|(alias, _)| *alias == receiver));
            if !on_bind && !named {
                continue;
            }
            let start = if on_bind {
                tokens[i.saturating_sub(6)].start
            } else {
                tokens[i - 2].start
            };
            let Some(close) = matching(scan, tokens, i + 1) else {
                continue;
            };
            let args = &tokens[i + 2..close];
            let Some(text) = super::format::sql_text(scan, args) else {
                continue;
            };
            let strings: Vec<&Token> = args.iter().filter(|t| t.kind == Kind::Str).collect();
            let origin = match strings.as_slice() {
                [only] => verbatim_body(scan.str(**only), &text).map(|at| only.start + at),
                _ => None,
            };
            out.push(Executed {
                span: start..tokens[close].end,
                source: SqlSource { text, origin },
                autocommit: around.autocommit,
                mysql: around.mysql,
            });
        }
    });
    out
}

/// Where `value` starts in `literal`, when the literal's body is `value`
/// as written (no escape changed it).
fn verbatim_body(literal: &str, value: &str) -> Option<usize> {
    let quote_at = literal.find(['\'', '"'])?;
    let quote = &literal[quote_at..];
    let width = if quote.starts_with("\"\"\"") || quote.starts_with("'''") {
        3
    } else {
        1
    };
    let body = literal.get(quote_at + width..literal.len().checked_sub(width)?)?;
    (body == value).then_some(quote_at + width)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ops(body: &str) -> Vec<Operation> {
        let text = format!("def upgrade():\n{body}");
        let scan = Scan::new(&text);
        operations(&scan, 0..scan.lines.len())
    }

    fn names(ops: &[Operation]) -> Vec<String> {
        ops.iter()
            .map(|o| match &o.kind {
                OpKind::CreateTable {
                    table,
                    columns,
                    indexes,
                } => format!(
                    "create_table {} cols={} ix={}",
                    table.value,
                    columns
                        .iter()
                        .map(|c| format!("{}{}", c.name.value, if c.index { "+ix" } else { "" }))
                        .collect::<Vec<_>>()
                        .join(","),
                    indexes.len()
                ),
                OpKind::DropTable { table } => format!("drop_table {}", table.value),
                OpKind::CreateIndex { table, index } => format!(
                    "create_index {:?} on {} ({}){}",
                    index.name.literal().map(|i| i.value.clone()),
                    table.as_ref().map_or("?", |t| t.value.as_str()),
                    index.columns.join(","),
                    if o.guarded { " guarded" } else { "" }
                ),
                OpKind::DropIndex { table, name } => {
                    format!(
                        "drop_index {:?} on {}",
                        name.literal().map(|i| i.value.clone()),
                        table.as_ref().map_or("?", |t| t.value.as_str())
                    )
                }
                OpKind::AddColumn { table, column } => format!(
                    "add_column {}.{}{}",
                    table.value,
                    column.name.value,
                    if column.index { "+ix" } else { "" }
                ),
                OpKind::DropColumn { table, column } => format!("drop_column {}.{}", table.value, column.value),
                OpKind::RenameColumn { table, column, .. } => format!("rename_column {}.{}", table.value, column.value),
                OpKind::AlterColumn {
                    table,
                    column,
                    nullable,
                    type_,
                    existing_type,
                } => format!(
                    "alter_column {}.{} nullable={nullable:?} type={} from={}",
                    table.value,
                    column.value,
                    type_.as_deref().unwrap_or("-"),
                    existing_type.as_deref().unwrap_or("-")
                ),
                OpKind::RenameTable { table, new_name } => format!("rename_table {} {}", table.value, new_name.value),
                OpKind::CreateConstraint { name, kind, .. } => {
                    format!(
                        "create_constraint {kind:?} {:?}",
                        name.literal().map(|i| i.value.clone())
                    )
                }
                OpKind::DropConstraint { name, .. } => {
                    format!("drop_constraint {:?}", name.literal().map(|i| i.value.clone()))
                }
                OpKind::OpaqueSql { .. } => "sql".to_owned(),
                OpKind::ValidateConstraint { table } => format!("validate {}", table.value),
                OpKind::Helper { strings } => format!("helper {}", strings.join(",")),
            })
            .collect()
    }

    #[test]
    fn helpers_handed_op() {
        let got = ops(
            "    reflect = ReflectMigrations(op)\n    tool = tools.Reflect(op)\n    reflect.drop_indexes('t', 'uuid')\n    Reflect(op).drop_indexes('u', 'name')\n    utils.drop_index_if_exists(op, 'ix_v')\n    other.call('w')\n",
        );
        assert_eq!(names(&got), ["helper t,uuid", "helper u,name", "helper ix_v"]);
    }

    #[test]
    fn loops_over_literals_and_renames() {
        let got = ops(
            "    for name in ('a', 'b'):\n        op.drop_table(name)\n    for t in tables:\n        op.drop_table(t)\n    op.rename_table('x_tmp', 'x')\n",
        );
        assert_eq!(names(&got), ["drop_table a", "drop_table b", "rename_table x_tmp x"]);
    }

    #[test]
    fn schemas_of_operations() {
        let got = ops(
            "    op.create_index('ix_a', 't', ['a'], schema='events')\n    op.drop_index('ix_a', table_name='t', schema='public')\n    op.execute('CREATE INDEX ix_b ON users.t (b)')\n",
        );
        let schemas: Vec<Option<&str>> = got.iter().map(|o| o.schema.as_deref()).collect();
        assert_eq!(schemas, [Some("events"), None, Some("users")]);
    }

    #[test]
    fn index_forms() {
        let got = ops(
            "    op.create_table('t', sa.Column('id', sa.Integer()), sa.Column('d', sa.Date(), index=True), sa.Index('ix_t_x', 'x'))\n    op.create_index(op.f('ix_t_a'), 't', ['a'], unique=False)\n    op.create_index(index_name='ix_kw', table_name='t', columns=[sa.text('lower(name)')])\n    op.create_index(None, 't', ['b'])\n    op.create_index(name_var, 't', ['c'])\n    op.drop_index('ix_t_a', table_name='t')\n    op.create_index('ix_g', 't', ['g'], if_not_exists=True)\n",
        );
        assert_eq!(
            names(&got),
            [
                "create_table t cols=id,d+ix ix=1",
                "create_index Some(\"ix_t_a\") on t (a)",
                "create_index Some(\"ix_kw\") on t (lower(name))",
                "create_index None on t (b)",
                "create_index None on t (c)",
                "drop_index Some(\"ix_t_a\") on t",
                "create_index Some(\"ix_g\") on t (g) guarded",
            ]
        );
        assert_eq!(
            got[3].kind,
            OpKind::CreateIndex {
                table: got_table(&got[3]),
                index: IndexDef {
                    name: Name::Convention,
                    columns: vec!["b".into()],
                    unique: false,
                    span: got[3].span.clone()
                }
            }
        );
    }

    fn got_table(op: &Operation) -> Option<Item> {
        match &op.kind {
            OpKind::CreateIndex { table, .. } => table.clone(),
            _ => None,
        }
    }

    #[test]
    fn batch_blocks_guards_and_arms() {
        let got = ops(
            "    with op.batch_alter_table('users', schema=None) as batch_op:\n        batch_op.create_index(batch_op.f('ix_users_e'), ['e'], unique=True)\n        batch_op.add_column(sa.Column('n', sa.String(), index=True))\n        batch_op.drop_column('old')\n    if 'ix_x' not in [i['name'] for i in inspector.get_indexes('t')]:\n        op.create_index('ix_x', 't', ['x'])\n    if bind.dialect.name == 'mysql':\n        op.create_index('ix_y', 't', ['y'])\n    else:\n        op.create_index('ix_y', 't', ['y'])\n",
        );
        assert_eq!(
            names(&got),
            [
                "create_index Some(\"ix_users_e\") on users (e)",
                "add_column users.n+ix",
                "drop_column users.old",
                "create_index Some(\"ix_x\") on t (x) guarded",
                "create_index Some(\"ix_y\") on t (y)",
                "create_index Some(\"ix_y\") on t (y)",
            ]
        );
        assert!(got[4].mysql && !got[5].mysql);
        assert_ne!(got[4].arms, got[5].arms);
        assert_eq!(got[4].arms[0].0, got[5].arms[0].0, "one chain, two arms");
    }

    #[test]
    fn raw_sql() {
        let got = ops(
            "    op.execute('CREATE UNIQUE INDEX IF NOT EXISTS \"ix_a\" ON public.t (lower(a))')\n    op.execute(sa.text(\"DROP INDEX ix_b\"))\n    op.execute('DROP TABLE IF EXISTS old_t; UPDATE x SET y = 1')\n    op.execute(f'DROP INDEX {name}')\n",
        );
        assert_eq!(
            names(&got),
            [
                "create_index Some(\"ix_a\") on t (lower(a)) guarded",
                "drop_index Some(\"ix_b\") on ?",
                "drop_table old_t",
                // The UPDATE is read as a data change; the f-string's index
                // name is not known.
                "sql",
            ]
        );
        // Built from module constants: known before the function runs.
        let got = ops(
            "    op.execute(f'DROP INDEX {IX}')\n    op.execute(DDL)\n    op.create_index('ix_%s_a' % TABLE, TABLE, ['a'])\nIX = 'ix_old'\nTABLE = 't'\nDDL = 'DROP TABLE legacy'\n",
        );
        assert_eq!(
            names(&got),
            [
                "drop_index Some(\"ix_old\") on ?",
                "drop_table legacy",
                "create_index Some(\"ix_t_a\") on t (a)"
            ]
        );
        // DDL other than index and table operations may drop anything.
        let got = ops("    op.execute('ALTER TABLE t DROP COLUMN c; UPDATE t SET a = 1')\n");
        assert_eq!(names(&got), ["sql"]);
        assert!(ops("    op.execute('UPDATE t SET a = 1; SELECT 1')\n").is_empty());
    }

    #[test]
    fn constraints_and_columns() {
        let got = ops(
            "    op.add_column('t', sa.Column('c', sa.Integer(), nullable=True))\n    op.create_foreign_key('fk_t_u', 't', 'u', ['u_id'], ['id'], postgresql_not_valid=True)\n    op.create_unique_constraint(op.f('uq_t_c'), 't', ['c'])\n    op.drop_constraint('fk_old', 't', type_='foreignkey')\n    op.drop_column('t', 'old')\n    other.create_index('ix_no', 't', ['x'])\n    op.alter_column('t', 'c', nullable=False, type_=sa.String(20), existing_type=sa.String(10))\n",
        );
        assert_eq!(
            names(&got),
            [
                "add_column t.c",
                "create_constraint ForeignKey Some(\"fk_t_u\")",
                "create_constraint Unique Some(\"uq_t_c\")",
                "drop_constraint Some(\"fk_old\")",
                "drop_column t.old",
                "alter_column t.c nullable=Some(false) type=sa.String(20) from=sa.String(10)",
            ]
        );
        assert_eq!(got[1].postgresql, ["postgresql_not_valid"]);
    }
}
