//! What a revision does: the one model of a revision's `upgrade()` and
//! `downgrade()` that the rules asking "what does this change" query.
//!
//! Each body is replayed once, its operations in order, into:
//! - its **effects**: schema, data and what cannot be read, kept apart
//!   (from the effect scan, helpers and SQL included);
//! - what it **creates** and leaves behind, under the name it ends with:
//!   a table created and dropped again in the same body is temporary; a
//!   table created under a name the body renamed away or dropped earlier
//!   is the original rebuilt (SQLite's copy-and-swap), as is a copy renamed
//!   over a dropped original; an index, column or constraint built on a
//!   table the body drops later went with it; an index or constraint
//!   dropped and created again, or a column dropped and added again (or
//!   renamed away first), is **restored**, not new;
//! - what it **removes** of what existed before it: tables dropped or
//!   renamed away, indexes, columns and constraints by name, and whether
//!   it drops an index or constraint whose name cannot be read;
//! - whether it runs something it **cannot see**: SQL that cannot be read,
//!   a helper handed `op`. A rule stays silent about what that may do.
//!
//! The model depends on the file's facts alone. Rules about the whole
//! chain (the schema replay of [`crate::schema`]) read the same
//! operations in the order of the graph.

use std::collections::BTreeSet;

use compact_str::CompactString;

use crate::scan::effect::Effects;
use crate::scan::migration::{Body, Function, Migration};
use crate::scan::ops::{Name, OpKind, Operation};

/// What one revision does.
#[derive(Debug, Default)]
pub struct Change<'p> {
    pub upgrade: Option<Box<Replayed<'p>>>,
    pub downgrade: Option<Box<Replayed<'p>>>,
}

impl<'p> Change<'p> {
    /// Each body boxed: a project's changes sit in one map, whose table
    /// (rounded up to a power of two) then holds two pointers a revision,
    /// not two bodies.
    pub fn of(migration: &'p Migration) -> Self {
        let replayed = |function| Box::new(Replayed::of(function));
        Change {
            upgrade: migration.upgrade.as_ref().map(replayed),
            downgrade: migration.downgrade.as_ref().map(replayed),
        }
    }
}

/// An object of the schema, by the names the operations give it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Object<'p> {
    /// A table under the name it ends with, and the name it was created as.
    Table {
        name: &'p str,
        created_as: &'p str,
    },
    Column {
        table: &'p str,
        column: &'p str,
    },
    Index {
        name: &'p str,
        table: Option<&'p str>,
        columns: &'p [CompactString],
    },
    Constraint {
        name: &'p str,
        table: Option<&'p str>,
    },
}

impl Object<'_> {
    /// How a message names it.
    pub fn describe(&self) -> String {
        match self {
            Object::Table { name, created_as } if name == created_as => format!("table `{name}`"),
            Object::Table { name, created_as } => format!("table `{name}` (created as `{created_as}`)"),
            Object::Column { table, column } => format!("column `{table}.{column}`"),
            Object::Index { name, .. } => format!("index `{name}`"),
            Object::Constraint { name, .. } => format!("constraint `{name}`"),
        }
    }

    /// The Alembic call that removes it.
    pub fn removal(&self) -> String {
        match self {
            Object::Table { name, .. } => format!("op.drop_table(\"{name}\")"),
            Object::Column { table, column } => format!("op.drop_column(\"{table}\", \"{column}\")"),
            Object::Index {
                name, table: Some(t), ..
            } => format!("op.drop_index(\"{name}\", table_name=\"{t}\")"),
            Object::Index { name, table: None, .. } => format!("op.drop_index(\"{name}\")"),
            Object::Constraint { name, table: Some(t) } => format!("op.drop_constraint(\"{name}\", \"{t}\")"),
            Object::Constraint { name, table: None } => format!("op.drop_constraint(\"{name}\", ...)"),
        }
    }

    /// The table it belongs to (its own name for a table).
    pub fn table(&self) -> Option<&str> {
        match self {
            Object::Table { name, .. } => Some(name),
            Object::Column { table, .. } => Some(table),
            Object::Index { table, .. } | Object::Constraint { table, .. } => *table,
        }
    }
}

/// An object a body creates, with the operation that creates it.
#[derive(Debug, Clone)]
pub struct Created<'p> {
    pub object: Object<'p>,
    pub op: &'p Operation,
}

/// A set of the names a body creates or removes: usually one or two, and
/// one set of each kind for each of thousands of revisions, so a sorted
/// vector sized to fit rather than a tree whose every node has room for
/// eleven. Filled with [`Names::insert`], then [`Names::seal`]ed (sorted,
/// without repeats) before it is asked anything.
#[derive(Debug, Clone)]
pub struct Names<T> {
    items: Vec<T>,
    sealed: bool,
}

impl<T> Default for Names<T> {
    fn default() -> Self {
        Names {
            items: Vec::new(),
            sealed: true,
        }
    }
}

impl<T: Ord> Names<T> {
    pub fn insert(&mut self, item: T) {
        self.items.push(item);
        self.sealed = false;
    }

    /// Sorted, without repeats, with no spare room: O(n log n) however
    /// many were inserted.
    pub fn seal(&mut self) {
        self.items.sort_unstable();
        self.items.dedup();
        self.items.shrink_to_fit();
        self.sealed = true;
    }

    pub fn contains<Q: Ord + ?Sized>(&self, item: &Q) -> bool
    where
        T: std::borrow::Borrow<Q>,
    {
        debug_assert!(self.sealed, "a set asked before it was sealed");
        self.items.binary_search_by(|x| x.borrow().cmp(item)).is_ok()
    }
}

impl<T: Ord> Extend<T> for Names<T> {
    fn extend<I: IntoIterator<Item = T>>(&mut self, items: I) {
        for item in items {
            self.insert(item);
        }
    }
}

/// What a body removes of what existed before it.
#[derive(Debug, Default)]
pub struct Removed<'p> {
    /// Dropped, or renamed away (`rename_table("t", "t_old")`).
    pub tables: Names<&'p str>,
    pub indexes: Names<&'p str>,
    pub columns: Names<(&'p str, &'p str)>,
    pub constraints: Names<&'p str>,
    /// An index or constraint dropped under a name not known: it may be any.
    pub any_index: bool,
    pub any_constraint: bool,
    /// Tables some of whose columns are dropped.
    column_tables: Names<&'p str>,
    /// What follows each `_` of a dropped constraint's name: the names a
    /// naming convention may have been given (`positive` of `ck_t_positive`).
    constraint_suffixes: Names<&'p str>,
}

impl<'p> Removed<'p> {
    fn column(&mut self, table: &'p str, column: &'p str) {
        self.columns.insert((table, column));
        self.column_tables.insert(table);
    }

    fn constraint_name(&mut self, name: &'p str) {
        self.constraints.insert(name);
        for (at, _) in name.match_indices('_') {
            self.constraint_suffixes.insert(&name[at + 1..]);
        }
    }

    /// Some column of `table` is dropped.
    pub fn any_column_of_table(&self, table: &str) -> bool {
        self.column_tables.contains(table)
    }

    /// The database drops every index that uses a dropped column,
    /// expression indexes over it included (`lower(email)` goes with
    /// `email`).
    pub fn any_column_of(&self, table: &str, columns: &[CompactString]) -> bool {
        columns.iter().any(|c| {
            self.columns.contains(&(table, c.as_str()))
                || c.split(|ch: char| !ch.is_alphanumeric() && ch != '_')
                    .any(|word| self.columns.contains(&(table, word)))
        })
    }

    /// A constraint dropped, also under the name a naming convention
    /// makes of it (`ck_t_positive` for `positive`).
    pub fn constraint(&self, name: &str) -> bool {
        self.constraints.contains(name) || self.constraint_suffixes.contains(name)
    }
}

/// One body, replayed.
#[derive(Debug)]
pub struct Replayed<'p> {
    pub function: &'p Function,
    pub effects: Effects,
    /// What it leaves behind that did not exist before it, in order.
    pub created: Vec<Created<'p>>,
    /// What it took away and put back: existing before and after.
    pub restored: Vec<Created<'p>>,
    pub removed: Removed<'p>,
    /// Index and constraint names it creates, temporaries included.
    pub creates_names: Names<&'p str>,
    /// Tables it creates, under the names they are created as.
    pub creates_tables: Names<&'p str>,
    /// Tables it drops (not those it only renames away).
    pub drops_tables: Names<&'p str>,
    /// It runs SQL that cannot be read or calls a helper handed `op` (or a
    /// module function whose operations are not followed): it may do more.
    pub unseen: bool,
}

impl<'p> Replayed<'p> {
    pub fn of(function: &'p Function) -> Self {
        let ops = &function.ops;
        let mut replayed = Replayed {
            function,
            effects: function.effects,
            created: Vec::new(),
            restored: Vec::new(),
            removed: Removed::default(),
            creates_names: Names::default(),
            creates_tables: Names::default(),
            drops_tables: Names::default(),
            unseen: function.calls_helper,
        };
        // A column renamed anywhere in the body: its story goes on under a
        // name that may be treated in many ways.
        let renamed: BTreeSet<(&str, &str)> = ops
            .iter()
            .filter_map(|op| match &op.kind {
                OpKind::RenameColumn { table, column, .. } => Some((table.value.as_str(), column.value.as_str())),
                _ => None,
            })
            .collect();
        let later = Later::of(ops);
        let mut before = Before::default();
        for (at, op) in ops.iter().enumerate() {
            replayed.take(op);
            before.take(op);
            let Some(object) = created(op, &later[at], &before) else {
                continue;
            };
            let entry = Created { object, op };
            if before.restores(&entry.object, &renamed) {
                replayed.restored.push(entry);
            } else {
                replayed.created.push(entry);
            }
        }
        // One change for every revision is kept for the whole run.
        replayed.created.shrink_to_fit();
        replayed.restored.shrink_to_fit();
        for names in [
            &mut replayed.creates_names,
            &mut replayed.creates_tables,
            &mut replayed.drops_tables,
            &mut replayed.removed.tables,
            &mut replayed.removed.indexes,
            &mut replayed.removed.constraints,
            &mut replayed.removed.column_tables,
            &mut replayed.removed.constraint_suffixes,
        ] {
            names.seal();
        }
        replayed.removed.columns.seal();
        replayed
    }

    /// Records what `op` removes and creates by name.
    fn take(&mut self, op: &'p Operation) {
        let removed = &mut self.removed;
        if let OpKind::DropTable { table } = &op.kind {
            self.drops_tables.insert(table.value.as_str());
        }
        match &op.kind {
            OpKind::DropTable { table } | OpKind::RenameTable { table, .. } => {
                removed.tables.insert(table.value.as_str());
            }
            OpKind::DropIndex {
                name: Name::Literal(item),
                ..
            } => {
                removed.indexes.insert(item.value.as_str());
            }
            OpKind::DropIndex { .. } => removed.any_index = true,
            OpKind::DropColumn { table, column } => {
                removed.column(table.value.as_str(), column.value.as_str());
            }
            OpKind::DropConstraint {
                name: Name::Literal(item),
                ..
            } => {
                removed.constraint_name(item.value.as_str());
            }
            OpKind::DropConstraint { .. } => removed.any_constraint = true,
            OpKind::OpaqueSql { .. } | OpKind::Helper { .. } => self.unseen = true,
            OpKind::CreateIndex { index, .. } => {
                self.creates_names
                    .extend(index.name.literal().map(|n| n.value.as_str()));
            }
            OpKind::CreateConstraint {
                name: Name::Literal(name),
                ..
            } => {
                self.creates_names.insert(name.value.as_str());
            }
            OpKind::CreateTable { table, .. } => {
                self.creates_tables.insert(table.value.as_str());
            }
            _ => {}
        }
    }

    /// The body is empty (`pass`, a docstring): it does nothing.
    pub fn is_empty(&self) -> bool {
        self.function.body == Body::Empty
    }

    /// The table is gone after this body: dropped or renamed away.
    pub fn removes_table(&self, table: &str) -> bool {
        self.removed.tables.contains(table)
    }

    /// Whether this body (a downgrade) takes `object` away again, directly
    /// or with the table or column it belongs to. `upgrade` is the body
    /// that created it.
    pub fn removes(&self, object: &Object<'_>, upgrade: &Replayed<'_>) -> bool {
        let removed = &self.removed;
        // What is built on a table the upgrade itself creates goes when
        // the table goes; the table is reported on its own.
        let table_gone = |t: &str| removed.tables.contains(t) || upgrade.creates_tables.contains(t);
        match object {
            Object::Table { name, .. } => removed.tables.contains(name),
            Object::Column { table, column } => table_gone(table) || removed.columns.contains(&(*table, *column)),
            Object::Index { name, table, columns } => {
                removed.any_index
                    || removed.indexes.contains(name)
                    || table.is_some_and(|t| table_gone(t) || removed.any_column_of(t, columns))
            }
            Object::Constraint { name, table } => {
                removed.any_constraint
                    || removed.constraint(name)
                    || table.is_some_and(|t| table_gone(t) || removed.any_column_of_table(t))
            }
        }
    }

    /// The calls that undo this body, newest first, when every operation
    /// is a creation read whole; `None` when any is something else (a
    /// drop, a rename, SQL): undoing those needs what only the author
    /// knows.
    pub fn undo(&self) -> Option<Vec<String>> {
        let calls: Vec<String> = self
            .function
            .ops
            .iter()
            .rev()
            .map(|op| {
                let object = match &op.kind {
                    OpKind::CreateTable { table, .. } => Object::Table {
                        name: &table.value,
                        created_as: &table.value,
                    },
                    OpKind::AddColumn { table, column } => Object::Column {
                        table: &table.value,
                        column: &column.name.value,
                    },
                    OpKind::CreateIndex {
                        table: Some(table),
                        index,
                    } => Object::Index {
                        name: &index.name.literal()?.value,
                        table: Some(&table.value),
                        columns: &index.columns,
                    },
                    OpKind::CreateConstraint {
                        table: Some(table),
                        name: Name::Literal(name),
                        ..
                    } => Object::Constraint {
                        name: &name.value,
                        table: Some(&table.value),
                    },
                    _ => return None,
                };
                Some(object.removal())
            })
            .collect::<Option<_>>()?;
        (!calls.is_empty()).then_some(calls)
    }
}

/// What a body has taken away so far.
#[derive(Default)]
struct Before<'p> {
    names: BTreeSet<&'p str>,
    tables: BTreeSet<&'p str>,
    columns: BTreeSet<(&'p str, &'p str)>,
}

impl<'p> Before<'p> {
    fn take(&mut self, op: &'p Operation) {
        match &op.kind {
            OpKind::DropIndex {
                name: Name::Literal(item),
                ..
            }
            | OpKind::DropConstraint {
                name: Name::Literal(item),
                ..
            } => {
                self.names.insert(item.value.as_str());
            }
            OpKind::DropColumn { table, column } => {
                self.columns.insert((table.value.as_str(), column.value.as_str()));
            }
            // A table renamed away leaves its name free: a table created
            // under it later rebuilds the original.
            OpKind::DropTable { table } | OpKind::RenameTable { table, .. } => {
                self.tables.insert(table.value.as_str());
            }
            _ => {}
        }
    }

    /// The object existed before the body and was taken away by it first.
    fn restores(&self, object: &Object<'_>, renamed: &BTreeSet<(&str, &str)>) -> bool {
        match object {
            Object::Index { name, .. } | Object::Constraint { name, .. } => self.names.contains(name),
            Object::Column { table, column } => {
                self.columns.contains(&(*table, *column)) || renamed.contains(&(*table, *column))
            }
            Object::Table { .. } => false,
        }
    }
}

/// What happens after one operation, as far as its creation is
/// concerned: found for every operation in one backward pass, so a body
/// of K operations is replayed in O(K log K).
#[derive(Debug, Default, Clone, Copy)]
struct Later<'p> {
    /// The index or column this operation creates is dropped again later.
    undone: bool,
    /// The table this operation works on is dropped later, under its name
    /// or a name a later rename gives it.
    table_dropped: bool,
    /// The name the table ends with, when it survives.
    final_name: Option<&'p str>,
    /// That final name is dropped later (an original replaced by its copy).
    final_dropped: bool,
}

impl<'p> Later<'p> {
    fn of(ops: &'p [Operation]) -> Vec<Later<'p>> {
        let mut out = vec![Later::default(); ops.len()];
        // What becomes of the table a name stands for, from here on:
        // `None` dropped, `Some(name)` renamed to it (absent: kept).
        let mut fate: std::collections::HashMap<&'p str, Option<&'p str>> = std::collections::HashMap::new();
        let mut dropped_tables: BTreeSet<&'p str> = BTreeSet::new();
        let mut dropped_indexes: BTreeSet<&'p str> = BTreeSet::new();
        let mut dropped_columns: BTreeSet<(&'p str, &'p str)> = BTreeSet::new();
        for (at, op) in ops.iter().enumerate().rev() {
            let table_fate = |table: &'p str| fate.get(table).copied().unwrap_or(Some(table));
            let mut later = Later::default();
            match &op.kind {
                OpKind::CreateTable { table, .. } => {
                    let t = table.value.as_str();
                    match table_fate(t) {
                        None => later.table_dropped = true,
                        Some(end) => {
                            later.final_name = Some(end);
                            later.final_dropped = end != t && dropped_tables.contains(end);
                        }
                    }
                }
                OpKind::CreateIndex { table, index } => {
                    later.undone = index
                        .name
                        .literal()
                        .is_some_and(|n| dropped_indexes.contains(n.value.as_str()));
                    later.table_dropped = table.as_ref().is_some_and(|t| table_fate(&t.value).is_none());
                }
                OpKind::AddColumn { table, column } => {
                    later.undone = dropped_columns.contains(&(table.value.as_str(), column.name.value.as_str()));
                    later.table_dropped = table_fate(&table.value).is_none();
                }
                OpKind::CreateConstraint { table, .. } => {
                    later.table_dropped = table.as_ref().is_some_and(|t| table_fate(&t.value).is_none());
                }
                _ => {}
            }
            out[at] = later;
            match &op.kind {
                OpKind::DropTable { table } => {
                    fate.insert(&table.value, None);
                    dropped_tables.insert(&table.value);
                }
                OpKind::RenameTable { table, new_name } => {
                    let after = fate
                        .get(new_name.value.as_str())
                        .copied()
                        .unwrap_or(Some(&new_name.value));
                    fate.insert(&table.value, after);
                }
                OpKind::DropIndex {
                    name: Name::Literal(name),
                    ..
                } => {
                    dropped_indexes.insert(&name.value);
                }
                OpKind::DropColumn { table, column } => {
                    dropped_columns.insert((&table.value, &column.value));
                }
                _ => {}
            }
        }
        out
    }
}

/// What `op` creates that outlives the body: `None` for anything else, a
/// temporary, a rebuild, or what is built on a table dropped later.
fn created<'p>(op: &'p Operation, later: &Later<'p>, before: &Before<'p>) -> Option<Object<'p>> {
    match &op.kind {
        // A table dropped again within the body was temporary; `t_tmp`
        // built, `t` dropped, `t_tmp` renamed to `t` is `t` rebuilt, and so
        // is a table created under a name the body freed earlier.
        OpKind::CreateTable { table, .. } => {
            let name = later.final_name?;
            let rebuilt = before.tables.contains(name) || later.final_dropped;
            (!rebuilt).then_some(Object::Table {
                name,
                created_as: &table.value,
            })
        }
        OpKind::CreateIndex { table, index } => {
            let name = index.name.literal()?.value.as_str();
            if later.undone || later.table_dropped {
                return None;
            }
            Some(Object::Index {
                name,
                table: table.as_ref().map(|t| t.value.as_str()),
                columns: &index.columns,
            })
        }
        OpKind::AddColumn { table, column } => {
            if later.undone || later.table_dropped {
                return None;
            }
            Some(Object::Column {
                table: &table.value,
                column: &column.name.value,
            })
        }
        OpKind::CreateConstraint {
            table,
            name: Name::Literal(name),
            ..
        } => {
            if later.table_dropped {
                return None;
            }
            Some(Object::Constraint {
                name: &name.value,
                table: table.as_ref().map(|t| t.value.as_str()),
            })
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scan::Scan;

    fn upgrade(body: &str) -> Migration {
        Migration::from_scan(&Scan::new(&format!(
            "revision = 'a'\ndown_revision = None\ndef upgrade():\n{body}def downgrade():\n    pass\n"
        )))
    }

    fn created(migration: &Migration) -> Vec<String> {
        let change = Change::of(migration);
        change
            .upgrade
            .unwrap()
            .created
            .iter()
            .map(|c| c.object.describe())
            .collect()
    }

    #[test]
    fn names_are_a_set_once_sealed() {
        let mut names = super::Names::default();
        for name in ["ix_b", "ix_a", "ix_b", "ix_c", "ix_a"] {
            names.insert(name);
        }
        names.seal();
        assert!(names.contains("ix_a") && names.contains("ix_b") && names.contains("ix_c"));
        assert!(!names.contains("ix_d") && !names.contains(""));
        let mut pairs = super::Names::default();
        pairs.extend([("t", "b"), ("t", "a"), ("u", "a")]);
        pairs.seal();
        assert!(pairs.contains(&("t", "a")) && pairs.contains(&("u", "a")));
        assert!(!pairs.contains(&("u", "b")));
        // Many names: sealed once, in O(n log n).
        let many: Vec<String> = (0..50_000).rev().map(|i| format!("ix_{i}")).collect();
        let mut big = super::Names::default();
        big.extend(many.iter().map(String::as_str));
        big.seal();
        assert!(big.contains("ix_0") && big.contains("ix_49999") && !big.contains("ix_50000"));
    }

    #[test]
    fn temporaries_rebuilds_and_restorations_are_not_new() {
        // SQLite's copy-and-swap: the copy renamed over the original.
        let swap = upgrade(
            "    op.create_table('t_new', sa.Column('id', sa.Integer()))\n    op.execute('INSERT INTO t_new SELECT * FROM t')\n    op.drop_table('t')\n    op.rename_table('t_new', 't')\n",
        );
        assert!(created(&swap).is_empty(), "{:?}", created(&swap));
        // The original renamed away, a new table under its name.
        let rename_away = upgrade(
            "    op.rename_table('t', 't_old')\n    op.add_column('t_old', sa.Column('x', sa.Integer()))\n    op.create_table('t', sa.Column('id', sa.Integer()))\n    op.drop_table('t_old')\n",
        );
        assert!(created(&rename_away).is_empty(), "{:?}", created(&rename_away));
        let temporary = upgrade("    op.create_table('scratch')\n    op.drop_table('scratch')\n");
        assert!(created(&temporary).is_empty());
        let restored = upgrade("    op.drop_index('ix_a')\n    op.create_index('ix_a', 't', ['a', 'b'])\n");
        let change = Change::of(&restored);
        let body = change.upgrade.unwrap();
        assert!(body.created.is_empty());
        assert_eq!(body.restored.len(), 1);
        assert!(body.removed.indexes.contains("ix_a"));
    }

    #[test]
    fn what_is_left_behind_under_its_final_name() {
        let renamed = upgrade(
            "    op.create_table('t_tmp')\n    op.rename_table('t_tmp', 'accounts')\n    op.add_column('u', sa.Column('c', sa.Integer()))\n    op.create_index('ix_u_c', 'u', ['c'])\n",
        );
        assert_eq!(
            created(&renamed),
            [
                "table `accounts` (created as `t_tmp`)",
                "column `u.c`",
                "index `ix_u_c`"
            ]
        );
    }

    #[test]
    fn effects_and_what_cannot_be_seen() {
        let both = upgrade(
            "    op.add_column('t', sa.Column('c', sa.Integer()))\n    op.execute('UPDATE t SET c = 1')\n    op.execute(imported)\n",
        );
        let change = Change::of(&both);
        let body = change.upgrade.unwrap();
        assert!(body.effects.schema && body.effects.data && body.effects.unknown);
        assert!(body.unseen);
        let plain = upgrade("    op.add_column('t', sa.Column('c', sa.Integer()))\n");
        assert!(!Change::of(&plain).upgrade.unwrap().unseen);
    }

    #[test]
    fn a_downgrade_removes_with_the_table_or_column() {
        let m = Migration::from_scan(&Scan::new(
            "revision = 'a'\ndown_revision = None\ndef upgrade():\n    op.create_index('ix_t_lower', 't', [sa.text('lower(email)')])\n    op.create_check_constraint('positive', 'u', 'n > 0')\ndef downgrade():\n    op.drop_column('t', 'email')\n    op.drop_constraint('ck_u_positive', 'u')\n",
        ));
        let change = Change::of(&m);
        let (up, down) = (change.upgrade.unwrap(), change.downgrade.unwrap());
        assert_eq!(up.created.len(), 2);
        for created in &up.created {
            assert!(down.removes(&created.object, &up), "{:?}", created.object);
        }
        assert_eq!(
            up.undo().unwrap(),
            [
                "op.drop_constraint(\"positive\", \"u\")",
                "op.drop_index(\"ix_t_lower\", table_name=\"t\")"
            ]
        );
    }
}
