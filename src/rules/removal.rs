//! What AP809 and AP810 judge: the columns and tables an `upgrade()`
//! takes away from the application that runs while it does.

use super::FileContext;
use crate::scan::ops::{OpKind, Operation};
use crate::scan::sql::{self, Sql};

/// A column or table the revision drops or renames.
pub(super) struct Removal<'a> {
    pub op: &'a Operation,
    /// `schema=`, `None` for the default one.
    pub schema: Option<&'a str>,
    pub table: &'a str,
    pub column: Option<&'a str>,
    pub renamed: bool,
}

impl Removal<'_> {
    /// "drops column `c` of table `t`", "renames [existing ]table `t`".
    pub(super) fn describe(&self, existing: bool) -> String {
        let verb = if self.renamed { "renames" } else { "drops" };
        let existing = if existing { "existing " } else { "" };
        match self.column {
            Some(column) => format!("{verb} column `{column}` of {existing}table `{}`", self.table),
            None => format!("{verb} {existing}table `{}`", self.table),
        }
    }

    /// `t.c` or `t`.
    pub(super) fn object(&self) -> String {
        match self.column {
            Some(column) => format!("{}.{column}", self.table),
            None => self.table.to_owned(),
        }
    }
}

/// The drops and renames of a judged revision on tables that exist: not
/// created by this revision or by another judged with it, and not in an
/// arm that runs on MySQL only.
pub(super) fn removals<'a>(ctx: &FileContext<'a>) -> Vec<Removal<'a>> {
    let (Some(safety), Some(upgrade)) = (ctx.safety, &ctx.change.upgrade) else {
        return Vec::new();
    };
    let ops = &upgrade.function.ops;
    // Tables its SQL creates (a `CREATE TEMPORARY TABLE` to work in), and where.
    let sql_tables: Vec<(usize, String)> = upgrade
        .function
        .executed
        .iter()
        .flat_map(|e| {
            sql::statements(&e.source.text)
                .into_iter()
                .filter_map(move |s| match s {
                    Sql::CreateTable { name, .. } => Some((e.span.start, name)),
                    _ => None,
                })
        })
        .collect();
    let mut out = Vec::new();
    for (at, op) in ops.iter().enumerate() {
        let (table, column, renamed) = match &op.kind {
            OpKind::DropTable { table } => (table, None, false),
            OpKind::RenameTable { table, .. } => (table, None, true),
            OpKind::DropColumn { table, column } => (table, Some(column.value.as_str()), false),
            OpKind::RenameColumn { table, column, .. } => (table, Some(column.value.as_str()), true),
            _ => continue,
        };
        let table = table.value.as_str();
        if op.mysql || !safety.existing(table) || upgrade.creates_tables.contains(table) {
            continue;
        }
        let name = column.map_or_else(|| table.to_owned(), |c| format!("{table}.{c}"));
        let creates = |op: &Operation| op.created_names().contains(&name);
        // Added earlier by the same body: no running code knows it yet.
        // Dropped and added again (a type changed the hard way, or a new
        // column renamed into its place): the name is still there after.
        let made_by_sql = column.is_none()
            && sql_tables
                .iter()
                .any(|(start, t)| *start <= op.span.start && t == table);
        if made_by_sql || ops[..at].iter().any(creates) || (!renamed && ops[at + 1..].iter().any(creates)) {
            continue;
        }
        out.push(Removal {
            op,
            schema: op.schema.as_deref(),
            table,
            column,
            renamed,
        });
    }
    out
}
