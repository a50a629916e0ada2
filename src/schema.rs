//! Replaying an environment's upgrade chain to know which indexes exist.
//!
//! Revisions are replayed in topological order (parents first); within a
//! revision, `upgrade()` operations in order. A creation of a name that is
//! already live is a duplicate unless it is guarded, or the two creations
//! are alternatives (two arms of one `if`/`else`), or both are conditional in
//! different revisions (their conditions cannot be compared), or the two
//! revisions share no history (independent bases, as separate branches that
//! are never upgraded together). Dropping an index, its table or one of its
//! columns ends its life; a helper handed `op` may drop any index of the
//! tables it names. Index names are per database schema (`schema=`), except
//! inside MySQL-only arms, where they are per table. Without a known naming
//! convention, indexes named by it are not known either.

use std::borrow::Cow;
use std::ops::Range;

use compact_str::CompactString;

use crate::change::Change;
use crate::graph::Graph;
use crate::scan::model::convention_name;
use crate::scan::ops::{ColumnDef, IndexDef, Name, OpKind, Operation};
use std::collections::{HashMap, HashSet};

#[derive(Debug, Clone)]
pub struct LiveIndex<'p> {
    pub name: Cow<'p, str>,
    pub table: Option<&'p str>,
    /// The database schema (`schema=`), when not the default one.
    pub schema: Option<&'p str>,
    pub columns: &'p [CompactString],
    pub path: &'p str,
    pub span: Range<usize>,
    /// From `index=True` on a column.
    pub implicit: bool,
    /// Node of the revision that created it.
    pub node: usize,
    /// The connected part of the graph that node is in.
    pub component: usize,
    pub arms: &'p [(usize, usize)],
    /// Keyed per table (created in a MySQL-only arm).
    pub per_table: bool,
}

/// The state of the schema after an upgrade chain. It borrows from the
/// revision files' facts: replaying 10,000 revisions copies no names.
#[derive(Debug, Default)]
pub struct Replay<'p> {
    /// Indexes alive after the last revision, by name.
    live: HashMap<Cow<'p, str>, Vec<LiveIndex<'p>>>,
    /// `(second creation, live one it collides with)`.
    pub duplicates: Vec<(LiveIndex<'p>, LiveIndex<'p>)>,
    /// Indexes created by an explicit `create_index` (not `index=True`).
    pub explicit: Vec<LiveIndex<'p>>,
    /// Tables that exist after the last revision.
    pub tables: HashSet<&'p str>,
    /// Tables touched by an index operation whose name is not known.
    pub uncertain_tables: HashSet<&'p str>,
    /// Some SQL the replay could not read may create or drop indexes.
    pub opaque: bool,
}

impl<'p> Replay<'p> {
    /// Indexes alive after the last revision, in no set order.
    pub fn live(&self) -> impl Iterator<Item = &LiveIndex<'p>> {
        self.live.values().flatten()
    }
}

/// `convention` is the `ix` template of the naming convention, `None` when
/// it cannot be known. `changes` are what each revision file does (by
/// path): the replay reads each upgrade's operations from there.
pub fn replay<'p, S: std::hash::BuildHasher>(
    graph: &Graph<'p>,
    changes: &HashMap<&str, Change<'p>, S>,
    convention: Option<&str>,
) -> Replay<'p> {
    let mut state = Replay::default();
    let mut order: Vec<usize> = (0..graph.nodes.len()).collect();
    order.sort_by_key(|&i| graph.order[i]);
    let components = components(graph);
    for node in order {
        let file = graph.nodes[node].file;
        let Some(upgrade) = changes.get(file.path.as_str()).and_then(|c| c.upgrade.as_ref()) else {
            continue;
        };
        let at = Revision {
            node,
            component: components[node],
            path: &file.path,
        };
        for op in &upgrade.function.ops {
            apply(&mut state, op, &at, convention);
        }
    }
    state
}

/// The weakly connected part of the graph each node belongs to: revisions
/// of two parts are never upgraded one after the other.
fn components(graph: &Graph<'_>) -> Vec<usize> {
    let n = graph.nodes.len();
    let mut part = vec![usize::MAX; n];
    for start in 0..n {
        if part[start] != usize::MAX {
            continue;
        }
        let mut stack = vec![start];
        while let Some(v) = stack.pop() {
            if part[v] != usize::MAX {
                continue;
            }
            part[v] = start;
            let node = &graph.nodes[v];
            stack.extend(node.parents.iter().chain(&node.children).copied());
        }
    }
    part
}

struct Revision<'p> {
    node: usize,
    component: usize,
    path: &'p str,
}

fn apply<'p>(state: &mut Replay<'p>, op: &'p Operation, at: &Revision<'p>, convention: Option<&str>) {
    let step = Step {
        op,
        at,
        convention,
        schema: op.schema.as_deref(),
    };
    match &op.kind {
        OpKind::CreateTable {
            table,
            columns,
            indexes,
        } => step.create_table(state, &table.value, columns, indexes),
        OpKind::CreateIndex { table, index } => {
            step.create_index(state, table.as_ref().map(|t| t.value.as_str()), index);
        }
        OpKind::AddColumn { table, column } if column.index => step.column_index(state, &table.value, column),
        OpKind::DropIndex { table, name } => step.drop_index(state, table.as_ref().map(|t| t.value.as_str()), name),
        OpKind::DropTable { table } => {
            state.tables.remove(table.value.as_str());
            for entries in state.live.values_mut() {
                entries.retain(|l| !step.same_schema(l) || l.table != Some(table.value.as_str()));
            }
        }
        OpKind::DropColumn { table, column } => {
            for entries in state.live.values_mut() {
                entries.retain(|l| {
                    !(step.same_schema(l) && l.table == Some(table.value.as_str()) && l.columns.contains(&column.value))
                });
            }
        }
        OpKind::RenameTable { table, new_name } => step.rename_table(state, &table.value, &new_name.value),
        OpKind::OpaqueSql { mentions_index } => state.opaque |= mentions_index,
        // A helper that names nothing may touch anything.
        OpKind::Helper { strings } if strings.is_empty() => state.opaque = true,
        OpKind::Helper { strings } => {
            for s in strings {
                for entries in state.live.values_mut() {
                    entries.retain(|l| l.table != Some(s.as_str()) && l.name != s.as_str());
                }
                state.uncertain_tables.insert(s);
            }
        }
        OpKind::AddColumn { .. }
        | OpKind::AlterColumn { .. }
        | OpKind::ValidateConstraint { .. }
        | OpKind::RenameColumn { .. }
        | OpKind::CreateConstraint { .. }
        | OpKind::DropConstraint { .. } => {}
    }
}

/// One operation being replayed, in its revision, under the convention.
struct Step<'p, 'c> {
    op: &'p Operation,
    at: &'c Revision<'p>,
    convention: Option<&'c str>,
    schema: Option<&'p str>,
}

impl<'p> Step<'p, '_> {
    fn same_schema(&self, l: &LiveIndex<'_>) -> bool {
        l.schema == self.schema
    }

    fn index(
        &self,
        name: Cow<'p, str>,
        table: Option<&'p str>,
        columns: &'p [CompactString],
        span: Range<usize>,
        implicit: bool,
    ) -> LiveIndex<'p> {
        LiveIndex {
            name,
            table,
            schema: self.schema,
            columns,
            path: self.at.path,
            span,
            implicit,
            node: self.at.node,
            component: self.at.component,
            arms: &self.op.arms,
            per_table: self.op.mysql,
        }
    }

    /// The index `index=True` gives a column, named by the convention.
    fn column_index(&self, state: &mut Replay<'p>, table: &'p str, column: &'p ColumnDef) {
        let cols = std::slice::from_ref(&column.name.value);
        match self
            .convention
            .and_then(|c| convention_name(c, table, self.schema, cols))
        {
            Some(name) => {
                let live = self.index(Cow::Owned(name), Some(table), cols, column.span.clone(), true);
                create(state, live, self.op.guarded);
            }
            None => {
                state.uncertain_tables.insert(table);
            }
        }
    }

    fn create_table(&self, state: &mut Replay<'p>, table: &'p str, columns: &'p [ColumnDef], indexes: &'p [IndexDef]) {
        state.tables.insert(table);
        for column in columns.iter().filter(|c| c.index) {
            self.column_index(state, table, column);
        }
        for index in indexes {
            match resolve(&index.name, self.convention, (Some(table), self.schema), &index.columns) {
                Some(name) => {
                    let live = self.index(name, Some(table), &index.columns, index.span.clone(), false);
                    create(state, live, self.op.guarded);
                }
                None => {
                    state.uncertain_tables.insert(table);
                }
            }
        }
    }

    fn create_index(&self, state: &mut Replay<'p>, table: Option<&'p str>, index: &'p IndexDef) {
        match resolve(&index.name, self.convention, (table, self.schema), &index.columns) {
            Some(name) => {
                let live = self.index(name, table, &index.columns, self.op.span.clone(), false);
                state.explicit.push(live.clone());
                create(state, live, self.op.guarded);
            }
            // Any table may have it.
            None if table.is_none() => state.opaque = true,
            None => {
                state.uncertain_tables.extend(table);
            }
        }
    }

    fn drop_index(&self, state: &mut Replay<'p>, table: Option<&'p str>, name: &'p Name) {
        match name {
            Name::Literal(item) => {
                if let Some(entries) = state.live.get_mut(item.value.as_str()) {
                    entries
                        .retain(|l| !self.same_schema(l) || (l.per_table && table.is_some_and(|t| l.table != Some(t))));
                }
            }
            _ => match table {
                Some(table) => {
                    state.uncertain_tables.insert(table);
                }
                None => state.opaque = true,
            },
        }
    }

    /// Its indexes keep their names and move with it.
    fn rename_table(&self, state: &mut Replay<'p>, table: &'p str, new_name: &'p str) {
        if state.tables.remove(table) {
            state.tables.insert(new_name);
        }
        if state.uncertain_tables.contains(table) {
            state.uncertain_tables.insert(new_name);
        }
        for entries in state.live.values_mut() {
            for l in entries
                .iter_mut()
                .filter(|l| self.same_schema(l) && l.table == Some(table))
            {
                l.table = Some(new_name);
            }
        }
    }
}

fn resolve<'p>(
    name: &'p Name,
    convention: Option<&str>,
    (table, schema): (Option<&str>, Option<&str>),
    columns: &[CompactString],
) -> Option<Cow<'p, str>> {
    match name {
        Name::Literal(item) => Some(Cow::Borrowed(&item.value)),
        Name::Convention => convention_name(convention?, table?, schema, columns).map(Cow::Owned),
        Name::Unknown => None,
    }
}

fn create<'p>(state: &mut Replay<'p>, index: LiveIndex<'p>, guarded: bool) {
    let existing = state.live.get(&index.name).and_then(|entries| {
        entries
            .iter()
            .filter(|l| l.schema == index.schema && l.component == index.component)
            .find(|l| !(l.per_table || index.per_table) || l.table == index.table)
    });
    match existing {
        None => state.live.entry(index.name.clone()).or_default().push(index),
        Some(first) => {
            let alternatives = first.node == index.node
                && first
                    .arms
                    .iter()
                    .any(|(g, a)| index.arms.iter().any(|(g2, a2)| g == g2 && a != a2));
            let both_conditional = first.node != index.node && !first.arms.is_empty() && !index.arms.is_empty();
            if !guarded && !alternatives && !both_conditional {
                state.duplicates.push((index, first.clone()));
            }
        }
    }
}
