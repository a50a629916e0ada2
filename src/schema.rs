//! Replaying an environment's upgrade chain to know which indexes exist.
//!
//! Revisions are replayed in topological order (parents first); within a
//! revision, `upgrade()` operations in order. A creation of a name that is
//! already live is a duplicate unless it is guarded, or the two creations
//! are alternatives (two arms of one `if`/`else`), or both are conditional in
//! different revisions (their conditions cannot be compared). Dropping an
//! index, its table or one of its columns ends its life. Index names are
//! schema-wide, except inside MySQL-only arms, where they are per table.

use std::collections::{BTreeMap, BTreeSet};
use std::ops::Range;

use crate::graph::Graph;
use crate::scan::model::convention_name;
use crate::scan::ops::{ColumnDef, Name, OpKind, Operation};

#[derive(Debug, Clone)]
pub struct LiveIndex {
    pub name: String,
    pub table: Option<String>,
    pub columns: Vec<String>,
    pub path: String,
    pub span: Range<usize>,
    /// From `index=True` on a column.
    pub implicit: bool,
    /// Node of the revision that created it.
    pub node: usize,
    pub arms: Vec<(usize, usize)>,
    /// Keyed per table (created in a MySQL-only arm).
    pub per_table: bool,
}

#[derive(Debug, Default)]
pub struct Replay {
    /// Indexes alive after the last revision, by name.
    live: BTreeMap<String, Vec<LiveIndex>>,
    /// `(second creation, live one it collides with)`.
    pub duplicates: Vec<(LiveIndex, LiveIndex)>,
    /// Indexes created by an explicit `create_index` (not `index=True`).
    pub explicit: Vec<LiveIndex>,
    /// Tables that exist after the last revision.
    pub tables: BTreeSet<String>,
    /// Tables touched by an index operation whose name is not known.
    pub uncertain_tables: BTreeSet<String>,
    /// Some SQL the replay could not read may create or drop indexes.
    pub opaque: bool,
}

impl Replay {
    /// Indexes alive after the last revision.
    pub fn live(&self) -> impl Iterator<Item = &LiveIndex> {
        self.live.values().flatten()
    }
}

pub fn replay(graph: &Graph<'_>, convention: &str) -> Replay {
    let mut state = Replay::default();
    let mut order: Vec<usize> = (0..graph.nodes.len()).collect();
    order.sort_by_key(|&i| graph.order[i]);
    for node in order {
        let file = graph.nodes[node].file;
        let Some(upgrade) = &file.facts.upgrade else { continue };
        for op in &upgrade.ops {
            apply(&mut state, op, node, &file.path, convention);
        }
    }
    state
}

fn apply(state: &mut Replay, op: &Operation, node: usize, path: &str, convention: &str) {
    let new = |name: String, table: Option<&str>, columns: Vec<String>, span: Range<usize>, implicit: bool| LiveIndex {
        name,
        table: table.map(str::to_owned),
        columns,
        path: path.to_owned(),
        span,
        implicit,
        node,
        arms: op.arms.clone(),
        per_table: op.mysql,
    };
    // The index `index=True` gives a column, named by the convention.
    let column_index = |state: &mut Replay, table: &str, column: &ColumnDef| {
        let cols = vec![column.name.value.clone()];
        if let Some(name) = convention_name(convention, table, &cols) {
            create(
                state,
                new(name, Some(table), cols, column.span.clone(), true),
                op.guarded,
            );
        }
    };
    match &op.kind {
        OpKind::CreateTable {
            table,
            columns,
            indexes,
        } => {
            state.tables.insert(table.value.clone());
            for column in columns.iter().filter(|c| c.index) {
                column_index(state, &table.value, column);
            }
            for index in indexes {
                match resolve(&index.name, convention, Some(&table.value), &index.columns) {
                    Some(name) => create(
                        state,
                        new(
                            name,
                            Some(&table.value),
                            index.columns.clone(),
                            index.span.clone(),
                            false,
                        ),
                        op.guarded,
                    ),
                    None => {
                        state.uncertain_tables.insert(table.value.clone());
                    }
                }
            }
        }
        OpKind::CreateIndex { table, index } => {
            let table_name = table.as_ref().map(|t| t.value.as_str());
            match resolve(&index.name, convention, table_name, &index.columns) {
                Some(name) => {
                    let live = new(name, table_name, index.columns.clone(), op.span.clone(), false);
                    state.explicit.push(live.clone());
                    create(state, live, op.guarded);
                }
                None => {
                    state.uncertain_tables.extend(table_name.map(str::to_owned));
                }
            }
        }
        OpKind::AddColumn { table, column } if column.index => column_index(state, &table.value, column),
        OpKind::DropIndex { table, name } => match name {
            Name::Literal(item) => {
                let table = table.as_ref().map(|t| t.value.as_str());
                if let Some(entries) = state.live.get_mut(&item.value) {
                    entries.retain(|l| l.per_table && table.is_some_and(|t| l.table.as_deref() != Some(t)));
                }
            }
            _ => {
                state.uncertain_tables.extend(table.as_ref().map(|t| t.value.clone()));
            }
        },
        OpKind::DropTable { table } => {
            state.tables.remove(&table.value);
            for entries in state.live.values_mut() {
                entries.retain(|l| l.table.as_deref() != Some(table.value.as_str()));
            }
        }
        OpKind::DropColumn { table, column } => {
            for entries in state.live.values_mut() {
                entries.retain(|l| {
                    !(l.table.as_deref() == Some(table.value.as_str()) && l.columns.contains(&column.value))
                });
            }
        }
        OpKind::OpaqueSql { mentions_index } => state.opaque |= mentions_index,
        OpKind::AddColumn { .. } | OpKind::CreateConstraint { .. } | OpKind::DropConstraint { .. } => {}
    }
}

fn resolve(name: &Name, convention: &str, table: Option<&str>, columns: &[String]) -> Option<String> {
    match name {
        Name::Literal(item) => Some(item.value.clone()),
        Name::Convention => convention_name(convention, table?, columns),
        Name::Unknown => None,
    }
}

fn create(state: &mut Replay, index: LiveIndex, guarded: bool) {
    let existing = state.live.get(&index.name).and_then(|entries| {
        entries
            .iter()
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
