//! What the rules see: the contexts the check builds for file, source and
//! schema rules. Defined here, below the check, so the rules never depend
//! on how a run is put together.

use std::collections::HashSet;

use compact_str::CompactString;

use crate::change::{Change, Replayed};
use crate::config::Settings;
use crate::env::Environment;
use crate::graph::{Graph, MigrationFile};
use crate::metadata::Metadatas;
use crate::scan::app::AllCall;
use crate::scan::literal::Item;
use crate::scan::model::ModelFile;
use crate::scan::ops::Operation;
use crate::schema::Replay;

/// What a file rule sees: the file, its environment and the environment's
/// revision graph.
pub struct FileContext<'a> {
    pub file: &'a MigrationFile,
    /// What the revision does, replayed once for every rule.
    pub change: &'a Change<'a>,
    /// Set when the safe-migration rules judge this revision: it is new
    /// (the change adds it, or the base branch does not have it) and the
    /// environment runs on PostgreSQL.
    pub safety: Option<&'a Safety>,
    pub env: &'a Environment,
    pub graph: &'a Graph<'a>,
    pub settings: &'a Settings,
}

/// What the safe-migration rules know beyond the revision itself.
#[derive(Debug, Default)]
pub struct Safety {
    /// The revision files judged.
    pub judged: HashSet<String>,
    /// Tables the judged revisions create: new, empty and unpublished, so
    /// locking them costs nothing.
    pub new_tables: HashSet<String>,
    /// The tables the models declare: table → (model, path, its columns).
    pub declared: std::collections::HashMap<String, Vec<Declared>>,
}

/// A model table as the safe-migration rules see it.
#[derive(Debug)]
pub struct Declared {
    /// "model `Order`", or "`Table(\"orders\", ...)`".
    pub model: String,
    pub path: String,
    pub span: std::ops::Range<usize>,
    pub schema: crate::scan::model::DbSchema,
    pub columns: Vec<CompactString>,
}

impl Safety {
    /// The table exists with rows the running application uses: not
    /// created by a revision being judged.
    pub fn existing(&self, table: &str) -> bool {
        !self.new_tables.contains(table)
    }

    /// What `body` does to `table` locks a table the application uses: it
    /// exists, the body does not create it (new and empty), and the body
    /// does not drop it (the drop takes the strongest lock anyway).
    pub fn locks(&self, body: &Replayed<'_>, table: &str) -> bool {
        self.existing(table) && !body.creates_tables.contains(table) && !body.drops_tables.contains(table)
    }

    /// The model that declares `table` of `schema` (`None`: the default
    /// one), or its `column`, at the tip of the tree, unless a revision
    /// after `file` creates it again (then the model says nothing of
    /// `file`). A model whose schema cannot be read declares nothing here.
    /// The later revisions are looked at only when a model declares it.
    pub fn declaring(
        &self,
        graph: &Graph<'_>,
        file: &MigrationFile,
        (schema, table): (Option<&str>, &str),
        column: Option<&str>,
    ) -> Option<&Declared> {
        use crate::scan::model::DbSchema;
        let model = self.declared.get(table)?.iter().find(|d| {
            let same_schema = match &d.schema {
                DbSchema::Default => schema.is_none(),
                DbSchema::Named(name) => schema == Some(name.as_str()),
                DbSchema::Unknown => false,
            };
            same_schema && column.is_none_or(|c| d.columns.iter().any(|x| x == c))
        })?;
        let key = match column {
            Some(column) => format!("{table}.{column}"),
            None => table.to_owned(),
        };
        // A file the graph left out (a duplicate id) has no later revisions.
        let recreated = graph.node_of(file).is_some_and(|at| {
            graph
                .descendants(at)
                .into_iter()
                .filter(|&d| d != at)
                .flat_map(|d| graph.nodes[d].file.facts.upgrade.iter().flat_map(|u| &u.ops))
                .any(|op| op.created_names().contains(&key))
        });
        (!recreated).then_some(model)
    }

    /// `op` of `body` on `table` is for a rule to judge: it runs on
    /// PostgreSQL (not in an arm for MySQL) and locks a table in use.
    pub fn judges(&self, body: &Replayed<'_>, op: &Operation, table: &str) -> bool {
        !op.mysql && self.locks(body, table)
    }
}

/// What a rule on a Python file other than a revision sees.
pub struct SourceContext<'a> {
    pub path: &'a str,
    pub kind: FileKind,
    pub model: Option<&'a ModelFile>,
    pub calls: &'a [AllCall],
    pub settings: &'a Settings,
    /// The database every environment names, when they agree.
    pub dialect: Option<crate::env::Dialect>,
}

/// What kind of Python file something is, for the `create_all` rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    /// A revision file or an environment's `env.py`: `create_all` is always wrong.
    Alembic,
    /// Test code: exempt.
    Test,
    /// Everything else.
    App,
}

/// A model file and its facts.
#[derive(Debug)]
pub struct ModelSource {
    pub path: String,
    pub facts: ModelFile,
}

/// A package `__init__.py` and the sibling modules it imports.
#[derive(Debug)]
pub struct InitFile {
    pub path: String,
    pub imports: Vec<Item>,
}

/// Everything the schema rules look at.
pub struct Schema<'p> {
    pub models: &'p [ModelSource],
    /// The name of each model's indexes, by model and index: literal or
    /// from the convention, `None` where not known.
    pub model_index_names: Vec<Vec<Option<String>>>,
    /// The metadata of model tables.
    pub metadatas: &'p Metadatas,
    /// Classes without a table whose indexes their subclasses inherit.
    pub index_bases: &'p HashSet<CompactString>,
    pub replays: Vec<(&'p Graph<'p>, Replay<'p>)>,
    /// What each revision file does, by path: computed once, read by the
    /// file rules and by the chain's replay alike.
    pub changes: std::collections::HashMap<&'p str, Change<'p>>,
    pub files: &'p [String],
    pub inits: &'p [InitFile],
    pub settings: &'p Settings,
}
