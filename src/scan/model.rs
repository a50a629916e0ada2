//! Facts about SQLAlchemy model files: the tables they declare and the
//! indexes those tables get.
//!
//! Tables come from `__tablename__` (or the defaults of Flask-SQLAlchemy and
//! SQLModel) and from `Table("name", metadata, ...)`. Indexes come from
//! columns with `index=True` (`Column`, `mapped_column`, `db.Column`,
//! `sa.Column`, SQLModel's `Field`), and from `Index("name", ...)` in
//! `__table_args__` (tuple, tuple ending in a dict, annotated, returned by a
//! `@declared_attr`), in a class body, inside `Table(...)` or at module
//! level. Tables and their indexes carry their database schema
//! (`{"schema": ...}` in `__table_args__`, `Table(..., schema=...)`).
//!
//! Each file also lists the metadata it defines (`Base = declarative_base()`,
//! `metadata = MetaData(...)`, `db = SQLAlchemy()`, `class Base(DeclarativeBase)`,
//! abstract model classes) and the naming convention each one has: a literal
//! `naming_convention` with an `ix` template overrides SQLAlchemy's default
//! `ix_%(column_0_label)s`; one that is not a literal, or that is assigned
//! later, is unknown.

use std::ops::Range;

use compact_str::CompactString;
use serde::{Deserialize, Serialize};

use super::blocks::{BlockKind, walk};
use super::literal::{Item, string_item};
use super::ops::{Args, Name, call_of, index_def, is_true};
use super::{Kind, Scan, Token, split_top_level};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TableDecl {
    pub name: Item,
    /// The class that maps it, if any.
    pub class: Option<CompactString>,
    /// The metadata it belongs to: the base class or the metadata argument,
    /// as written.
    pub metadata: CompactString,
    /// Every column and index of the table is visible here: no mixin or
    /// unknown base could add more.
    pub complete: bool,
    /// `extend_existing=True`: redeclaring the table is intended.
    pub extend_existing: bool,
    pub schema: DbSchema,
    /// The class's bases, by their last name (`Base`, `TimestampMixin`).
    pub bases: Vec<CompactString>,
    /// The database names of the columns declared here (not those a mixin
    /// or base adds): `Column`, `mapped_column` and `Field` calls, and
    /// `Mapped[...]` annotations without a value.
    pub columns: Vec<CompactString>,
}

/// The database schema a table is in.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum DbSchema {
    /// The connection's default schema.
    #[default]
    Default,
    /// `schema="name"`, or the source text of a non-literal value.
    Named(CompactString),
    /// `__table_args__` is built where it cannot be read: it may name one.
    Unknown,
}

impl DbSchema {
    /// The schema's name; `None` for the default one, and for one that
    /// cannot be read (callers that must tell these apart match instead).
    pub fn name(&self) -> Option<&str> {
        match self {
            DbSchema::Named(name) => Some(name),
            DbSchema::Default | DbSchema::Unknown => None,
        }
    }
}

/// The naming convention of one metadata.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Convention {
    /// SQLAlchemy's default.
    Default,
    /// The `ix` template of a literal convention.
    Literal(String),
    /// Not a literal, or changed after the metadata was made.
    Unknown,
}

/// A name bound to a metadata (or to something that carries one).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MetadataDef {
    pub name: CompactString,
    pub convention: Convention,
    /// The name it takes its metadata from (`metadata = Base.metadata`,
    /// `declarative_base(metadata=metadata)`, an abstract model class).
    pub alias_of: Option<CompactString>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ModelIndex {
    pub table: CompactString,
    pub name: Name,
    pub columns: Vec<CompactString>,
    pub unique: bool,
    /// Where it is declared: the `Index(...)` call or the column.
    pub span: Range<usize>,
    /// From `index=True` on a column: named by the naming convention.
    pub implicit: bool,
    /// The metadata of its table, as written (see `TableDecl::metadata`).
    pub metadata: CompactString,
    pub schema: DbSchema,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ModelFile {
    pub tables: Vec<TableDecl>,
    pub indexes: Vec<ModelIndex>,
    /// The `ix` template of a literal naming convention.
    pub naming_convention: Option<String>,
    /// Metadata defined here, in order.
    pub defs: Vec<MetadataDef>,
    /// Names whose naming convention is assigned after they are made
    /// (`Base.metadata.naming_convention = ...`).
    pub reassigned: Vec<CompactString>,
    /// Classes without a table that declare indexes (`index=True` columns,
    /// `Index(...)`): every model that inherits from one has them too.
    pub index_bases: Vec<CompactString>,
    /// `from module import name as alias` at module level, with relative
    /// modules as written (`.base`).
    pub imports: Vec<Import>,
}

/// One name a module-level `from ... import ...` binds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Import {
    pub module: CompactString,
    pub name: CompactString,
    /// The name it is bound to here.
    pub alias: CompactString,
}

impl ModelFile {
    /// True when the text may declare models: a cheap byte test done
    /// before scanning, for every word the scanner records a fact from
    /// (a call may have blanks or a line continuation before its `(`).
    /// A test proves it skips no file of the shared corpora that has one.
    pub fn may_declare_models(bytes: &[u8]) -> bool {
        // One regex: its literal search (memchr and SIMD) finds the words,
        // not a compare of each at every byte.
        static ANY: std::sync::LazyLock<regex::bytes::Regex> = std::sync::LazyLock::new(|| {
            regex::bytes::Regex::new(concat!(
                r"__tablename__|__table__|__table_args__|__abstract__|declarative_base|DeclarativeBase|automap_base|naming_convention",
                // `Base.metadata` read or assigned: an alias, a reassignment.
                r"|\.[ \t]*metadata",
                // Tables named from their class: SQLModel's, Flask-SQLAlchemy's.
                r"|SQLModel|\.[ \t]*Model\b",
                r"|(?:Table|Column|mapped_column|Field|Index|MetaData|SQLAlchemy|registry)[ \t\r\n\\]*\(",
            ))
            .expect("valid regex")
        });
        ANY.is_match(bytes)
    }

    pub fn from_scan(scan: &Scan<'_>) -> Self {
        let mut file = ModelFile::default();
        // Classes: name → (table, bases, is SQLModel table, metadata, complete).
        let mut classes: Vec<ClassInfo> = Vec::new();
        let mut class_at: std::collections::HashMap<usize, usize> = std::collections::HashMap::new();
        let mut table_vars: Vec<(String, String)> = Vec::new();
        walk(scan, 0..scan.lines.len(), |statement| {
            let tokens = statement.tokens;
            // The innermost class, when the statement is in its body (or in a
            // method such as a `@declared_attr __table_args__`).
            let class = statement
                .blocks
                .iter()
                .rposition(|b| matches!(b.kind, BlockKind::Class { .. }));
            if let Some(ci) = class {
                let BlockKind::Class { name, bases } = &statement.blocks[ci].kind else {
                    unreachable!()
                };
                let header = statement.blocks[ci].line;
                // By the header's line: one lookup per statement, however
                // many classes the file has.
                let at = *class_at.entry(header).or_insert_with(|| {
                    classes.push(ClassInfo::new(scan, name.clone(), bases.clone()));
                    classes.len() - 1
                });
                let info = &mut classes[at];
                let in_body = ci == statement.blocks.len() - 1;
                let in_table_args = statement.blocks[ci + 1..].iter().any(
                    |b| matches!(&b.kind, BlockKind::Def { name } if &scan.text[name.clone()] == "__table_args__"),
                );
                class_statement(
                    scan,
                    tokens,
                    info,
                    (in_body, in_table_args),
                    file.naming_convention.as_deref(),
                );
                return;
            }
            if !statement.blocks.is_empty() {
                return;
            }
            module_statement(scan, tokens, &mut file, &mut table_vars, &classes);
        });
        for class in classes {
            file.add_class(class);
        }
        file.place_class_indexes();
        file.tables.sort_by_key(|t| t.name.span.start);
        file.indexes.sort_by_key(|i| i.span.start);
        file
    }
}

impl ModelFile {
    /// Takes in a class: its table with its indexes, or (without a table) a
    /// metadata it defines and the indexes its subclasses inherit.
    fn add_class(&mut self, class: ClassInfo) {
        let Some(table) = class.table_name() else {
            if let Some(def) = class.metadata_def() {
                self.defs.push(def);
            }
            if !class.indexed.is_empty() || !class.indexes.is_empty() {
                self.index_bases.push(class.name.as_str().into());
            }
            return;
        };
        for (column, span) in class.indexed {
            self.indexes.push(ModelIndex {
                table: table.value.clone(),
                name: Name::Convention,
                columns: vec![column.0.into()],
                unique: column.1,
                span,
                implicit: true,
                metadata: class.metadata.as_str().into(),
                schema: class.schema.clone(),
            });
        }
        for mut index in class.indexes {
            index.table.clone_from(&table.value);
            index.metadata = class.metadata.as_str().into();
            index.schema = class.schema.clone();
            self.indexes.push(index);
        }
        self.tables.push(TableDecl {
            name: table,
            class: Some(class.name.as_str().into()),
            metadata: class.metadata.as_str().into(),
            complete: class.complete,
            extend_existing: class.extend_existing,
            schema: class.schema,
            bases: class.bases,
            columns: class.columns,
        });
    }

    /// Module-level indexes waiting for their class's table get it; those
    /// whose class has none are dropped.
    fn place_class_indexes(&mut self) {
        let pending: Vec<ModelIndex> = std::mem::take(&mut self.indexes);
        let mut indexes = Vec::with_capacity(pending.len());
        let mut by_class: std::collections::HashMap<&str, &TableDecl> = std::collections::HashMap::new();
        for t in &self.tables {
            if let Some(class) = t.class.as_deref() {
                by_class.entry(class).or_insert(t);
            }
        }
        for mut index in pending {
            if let Some(class) = index.table.strip_prefix("class:") {
                match by_class.get(class) {
                    Some(t) => {
                        index.table.clone_from(&t.name.value);
                        index.metadata.clone_from(&t.metadata);
                        index.schema = t.schema.clone();
                    }
                    None => continue,
                }
            }
            indexes.push(index);
        }
        self.indexes = indexes;
    }
}

#[allow(clippy::struct_excessive_bools)]
struct ClassInfo {
    name: String,
    name_span: Range<usize>,
    metadata: String,
    tablename: Option<Item>,
    sqlmodel_table: bool,
    flask_model: bool,
    abstract_: bool,
    complete: bool,
    extend_existing: bool,
    schema: DbSchema,
    /// The positional bases, by their last name.
    bases: Vec<CompactString>,
    /// Subclasses SQLAlchemy's `DeclarativeBase`: it defines a metadata.
    declarative: bool,
    /// The convention of a `metadata = MetaData(...)` in its body.
    convention: Option<Convention>,
    /// `index=True` columns: ((name, unique), span).
    indexed: Vec<((String, bool), Range<usize>)>,
    indexes: Vec<ModelIndex>,
    /// Database names of the columns the body declares.
    columns: Vec<CompactString>,
}

impl ClassInfo {
    fn new(scan: &Scan<'_>, name_span: Range<usize>, bases: Range<usize>) -> Self {
        let name = &scan.text[name_span.clone()];
        let text = &scan.text[bases];
        let parts: Vec<&str> = text.split(',').map(str::trim).filter(|p| !p.is_empty()).collect();
        let positional: Vec<&str> = parts.iter().copied().filter(|p| !p.contains('=')).collect();
        let known_root = |b: &str| {
            let last = b.rsplit('.').next().unwrap_or(b);
            matches!(
                last,
                "Model" | "Base" | "SQLModel" | "DeclarativeBase" | "DeclarativeBaseNoMeta"
            ) || last.ends_with("Base")
        };
        // The base that carries the metadata: mixins may come first.
        let metadata = positional
            .iter()
            .find(|b| known_root(b))
            .or(positional.first())
            .copied()
            .unwrap_or("");
        Self {
            name: name.to_owned(),
            name_span,
            metadata: metadata.to_owned(),
            tablename: None,
            sqlmodel_table: positional.contains(&"SQLModel")
                && parts.iter().any(|p| p.replace(' ', "") == "table=True"),
            flask_model: positional.iter().any(|b| b.ends_with(".Model")),
            abstract_: false,
            complete: positional.len() == 1 && known_root(positional[0]),
            extend_existing: false,
            schema: DbSchema::Default,
            bases: positional
                .iter()
                .map(|b| b.rsplit('.').next().unwrap_or(b).trim().into())
                .collect(),
            declarative: positional
                .iter()
                .any(|b| matches!(b.rsplit('.').next(), Some("DeclarativeBase" | "DeclarativeBaseNoMeta"))),
            convention: None,
            indexed: Vec::new(),
            indexes: Vec::new(),
            columns: Vec::new(),
        }
    }

    /// A class without a table that models inherit from: a declarative
    /// base, or an abstract model that passes its base's metadata on.
    fn metadata_def(&self) -> Option<MetadataDef> {
        let name = self.name.as_str().into();
        if self.declarative {
            return Some(MetadataDef {
                name,
                convention: self.convention.clone().unwrap_or(Convention::Default),
                alias_of: None,
            });
        }
        if self.metadata.is_empty() || self.metadata == "object" {
            return None;
        }
        Some(MetadataDef {
            name,
            convention: self.convention.clone().unwrap_or(Convention::Unknown),
            alias_of: Some(metadata_root(&self.metadata).into()),
        })
    }

    fn table_name(&self) -> Option<Item> {
        if self.abstract_ {
            return None;
        }
        if let Some(name) = &self.tablename {
            return Some(name.clone());
        }
        let span = self.name_span.clone();
        if self.sqlmodel_table {
            return Some(Item {
                value: self.name.to_lowercase().into(),
                span,
            });
        }
        if self.flask_model {
            return Some(Item {
                value: snake_case(&self.name).into(),
                span,
            });
        }
        None
    }
}

/// Flask-SQLAlchemy's default table name: `UserRole` → `user_role`.
fn snake_case(name: &str) -> String {
    let mut out = String::new();
    for (i, c) in name.chars().enumerate() {
        if c.is_uppercase() && i > 0 {
            out.push('_');
        }
        out.extend(c.to_lowercase());
    }
    out
}

/// `NAME [: annotation] = value` → (NAME, value tokens).
fn assignment<'a>(scan: &Scan<'a>, tokens: &'a [Token]) -> Option<(&'a str, &'a [Token])> {
    let first = *tokens.first()?;
    if first.kind != Kind::Name {
        return None;
    }
    let parts = split_top_level(scan, tokens, "=");
    if parts.len() != 2 || parts[1].is_empty() {
        return None;
    }
    let target = parts[0];
    if target.len() > 1 && !scan.is(target[1], ":") {
        return None;
    }
    Some((scan.str(first), parts[1]))
}

/// `place` is (in the class body itself, in a `__table_args__` method);
/// `known` is the file's literal convention so far.
fn class_statement(scan: &Scan<'_>, tokens: &[Token], info: &mut ClassInfo, place: (bool, bool), known: Option<&str>) {
    let (in_body, in_table_args) = place;
    if in_table_args {
        // `return (Index(...), ...)` in a `@declared_attr def __table_args__`.
        if tokens.first().is_some_and(|&t| scan.is(t, "return")) {
            table_args(scan, &tokens[1..], info);
        }
        return;
    }
    if !in_body {
        return;
    }
    if let Some((name, value)) = assignment(scan, tokens) {
        match name {
            "__tablename__" => info.tablename = string_item(scan, value),
            "__abstract__" => info.abstract_ = is_true(scan, value),
            "__table_args__" => table_args(scan, value, info),
            "__table__" => info.complete = false,
            "metadata" => info.convention = Some(convention_of(scan, value, known)),
            _ => match call_of(scan, value) {
                Some((callee, inner)) => column_like(scan, name, callee, inner, value, info),
                None => annotated_column(scan, tokens, info),
            },
        }
    } else if tokens.get(1).is_some_and(|&t| scan.is(t, ":")) {
        annotated_column(scan, tokens, info);
    } else if let Some(index) = index_def(scan, tokens) {
        info.indexes.push(model_index(index));
    }
}

fn model_index(index: super::ops::IndexDef) -> ModelIndex {
    ModelIndex {
        table: CompactString::default(),
        name: index.name,
        columns: index.columns,
        unique: index.unique,
        span: index.span,
        implicit: false,
        metadata: CompactString::default(),
        schema: DbSchema::Default,
    }
}

fn column_like(scan: &Scan<'_>, attribute: &str, callee: &str, inner: &[Token], whole: &[Token], info: &mut ClassInfo) {
    if !matches!(callee, "Column" | "mapped_column" | "Field") {
        return;
    }
    let args = Args::parse(scan, inner);
    let column = args
        .positional()
        .first()
        .and_then(|p| string_item(scan, p))
        .map_or_else(|| attribute.to_owned(), |item| item.value.into());
    if args.keyword("index").is_some_and(|t| is_true(scan, t)) {
        let unique = args.keyword("unique").is_some_and(|t| is_true(scan, t));
        info.indexed
            .push(((column.clone(), unique), whole[0].start..whole[whole.len() - 1].end));
    }
    if args.keyword("sa_column").is_some() {
        // The column is built elsewhere: its flags are not visible here.
        info.complete = false;
    } else if callee != "Field" || info.sqlmodel_table {
        info.columns.push(column.into());
    }
}

/// `name: Mapped[...]` without a value declares a column; in a SQLModel
/// table every annotated field does, but a `ClassVar`, a private name and
/// a `Relationship(...)`.
fn annotated_column(scan: &Scan<'_>, tokens: &[Token], info: &mut ClassInfo) {
    let [name, colon, rest @ ..] = tokens else { return };
    if name.kind != Kind::Name || !scan.is(*colon, ":") || rest.is_empty() {
        return;
    }
    let parts = split_top_level(scan, rest, "=");
    let annotation = &scan.text[rest[0].start..parts[0].last().map_or(rest[0].end, |t| t.end)];
    let attribute = scan.str(*name);
    let value = parts.get(1).copied().unwrap_or_default();
    let declares = if info.sqlmodel_table {
        !attribute.starts_with('_')
            && !annotation.contains("ClassVar")
            && !matches!(call_of(scan, value), Some(("Relationship" | "relationship", _)))
    } else {
        value.is_empty() && annotation.trim_start().starts_with("Mapped[")
    };
    if declares && parts.len() <= 2 {
        info.columns.push(attribute.into());
    }
}

/// `(Index(...), UniqueConstraint(...), {"extend_existing": True})`, a dict,
/// or one index.
fn table_args(scan: &Scan<'_>, value: &[Token], info: &mut ClassInfo) {
    let inner = match (value.first(), value.last()) {
        (Some(&a), Some(&b)) if scan.is(a, "(") && scan.is(b, ")") => &value[1..value.len() - 1],
        _ => value,
    };
    let mut understood = true;
    for part in split_top_level(scan, inner, ",") {
        if part.is_empty() {
            continue;
        }
        if let Some(index) = index_def(scan, part) {
            info.indexes.push(model_index(index));
        } else if scan.is(part[0], "{") {
            let text = &scan.text[part[0].start..part[part.len() - 1].end];
            if text.contains("extend_existing") && text.contains("True") {
                info.extend_existing = true;
            }
            info.schema = dict_schema(scan, part);
        } else if call_of(scan, part).is_none() {
            // A name (a shared tuple, a mixin's args): indexes may hide there.
            understood = false;
        }
    }
    if !understood {
        info.complete = false;
        if info.schema == DbSchema::Default {
            info.schema = DbSchema::Unknown;
        }
    }
}

fn module_statement(
    scan: &Scan<'_>,
    tokens: &[Token],
    file: &mut ModelFile,
    table_vars: &mut Vec<(String, String)>,
    classes: &[ClassInfo],
) {
    if let Some(root) = reassigned_convention(scan, tokens) {
        file.reassigned.push(root.into());
        return;
    }
    if tokens.first().is_some_and(|&t| scan.is(t, "from")) {
        file.imports.extend(from_import(scan, tokens));
        return;
    }
    let (target, value) = match assignment(scan, tokens) {
        Some((name, value)) => (Some(name), value),
        None => (None, tokens),
    };
    // A literal naming convention, in `MetaData(naming_convention=...)` or
    // in a dict assigned to a name that says so.
    let text = &scan.text[value[0].start..value[value.len() - 1].end];
    if (text.contains("naming_convention") || target.is_some_and(|t| t.to_lowercase().contains("convention")))
        && let Some(template) = ix_template(scan, value)
    {
        file.naming_convention = Some(template);
    }
    if let Some(target) = target
        && let Some(def) = metadata_def(scan, target, value, file)
    {
        file.defs.push(def);
        return;
    }
    if let Some(("Table", inner)) = call_of(scan, value) {
        table_statement(scan, (target, value), inner, file, table_vars);
        return;
    }
    module_index(scan, value, file, table_vars, classes);
}

/// `[name =] Table("name", metadata, Column(...), Index(...), ...)`: the
/// table, with the indexes its columns and arguments declare.
fn table_statement(
    scan: &Scan<'_>,
    (target, value): (Option<&str>, &[Token]),
    inner: &[Token],
    file: &mut ModelFile,
    table_vars: &mut Vec<(String, String)>,
) {
    let args = Args::parse(scan, inner);
    let Some(name) = args.positional().first().and_then(|p| string_item(scan, p)) else {
        return;
    };
    // Flask-SQLAlchemy's `db.Table("name", db.Column(...))` takes no metadata.
    let second = args.positional().get(1).copied().unwrap_or_default();
    let implicit_metadata = second.is_empty()
        || matches!(
            call_of(scan, second),
            Some((
                "Column" | "Index" | "ForeignKeyConstraint" | "PrimaryKeyConstraint" | "UniqueConstraint",
                _
            ))
        );
    let (metadata, first_column) = if implicit_metadata {
        (scan.text[value[0].start..value[0].end].to_owned(), 1)
    } else {
        (scan.text[second[0].start..second[second.len() - 1].end].to_owned(), 2)
    };
    let schema = args
        .keyword("schema")
        .map_or(DbSchema::Default, |t| DbSchema::Named(super::ops::column_text(scan, t)));
    for part in args.positional().iter().skip(first_column) {
        if let Some(("Column" | "mapped_column", column_args)) = call_of(scan, part) {
            let cargs = Args::parse(scan, column_args);
            if let Some(column) = cargs.positional().first().and_then(|p| string_item(scan, p))
                && cargs.keyword("index").is_some_and(|t| is_true(scan, t))
            {
                file.indexes.push(ModelIndex {
                    table: name.value.clone(),
                    name: Name::Convention,
                    columns: vec![column.value],
                    unique: cargs.keyword("unique").is_some_and(|t| is_true(scan, t)),
                    span: part[0].start..part[part.len() - 1].end,
                    implicit: true,
                    metadata: metadata.as_str().into(),
                    schema: schema.clone(),
                });
            }
        } else if let Some(index) = index_def(scan, part) {
            let mut index = model_index(index);
            index.table.clone_from(&name.value);
            index.metadata = metadata.as_str().into();
            index.schema = schema.clone();
            file.indexes.push(index);
        }
    }
    let extend_existing = args.keyword("extend_existing").is_some_and(|t| is_true(scan, t));
    let columns = args
        .positional()
        .iter()
        .skip(first_column)
        .filter_map(|part| match call_of(scan, part) {
            Some(("Column", column_args)) => {
                let cargs = Args::parse(scan, column_args);
                cargs
                    .positional()
                    .first()
                    .and_then(|p| string_item(scan, p))
                    .map(|i| i.value)
            }
            _ => None,
        })
        .collect();
    if let Some(target) = target {
        table_vars.push((target.to_owned(), name.value.to_string()));
    }
    file.tables.push(TableDecl {
        name,
        class: None,
        metadata: metadata.into(),
        complete: true,
        extend_existing,
        schema,
        bases: Vec::new(),
        columns,
    });
}

/// `Index("name", Model.column)` or `Index("name", table.c.column)` at
/// module level: an index of a class's or a `Table`'s table.
fn module_index(
    scan: &Scan<'_>,
    value: &[Token],
    file: &mut ModelFile,
    table_vars: &[(String, String)],
    classes: &[ClassInfo],
) {
    let Some(index) = index_def(scan, value) else { return };
    let first_column = index.columns.first().cloned().unwrap_or_default();
    let owner = first_column.split('.').next().unwrap_or("").to_owned();
    let mut index = model_index(index);
    let table = if let Some((_, table)) = table_vars.iter().find(|(var, _)| *var == owner) {
        if let Some(decl) = file.tables.iter().find(|t| t.name.value == table.as_str()) {
            index.metadata.clone_from(&decl.metadata);
            index.schema = decl.schema.clone();
        }
        table.clone()
    } else if classes.iter().any(|c| c.name == owner) {
        format!("class:{owner}")
    } else {
        return;
    };
    index.columns = index
        .columns
        .iter()
        .map(|c| c.rsplit('.').next().unwrap_or(c).into())
        .collect();
    index.table = table.into();
    file.indexes.push(index);
}

/// The `"ix": "..."` entry of a dict literal inside `tokens` (or the
/// `("ix", "...")` pair of a sequence of pairs).
fn ix_template(scan: &Scan<'_>, tokens: &[Token]) -> Option<String> {
    tokens.windows(3).find_map(|w| {
        let key = string_item(scan, &w[..1])?;
        (key.value == "ix" && (scan.is(w[1], ":") || scan.is(w[1], ",")))
            .then(|| string_item(scan, &w[2..3]).map(|i| i.value.into()))
            .flatten()
    })
}

/// `from module import a, b as c` (parenthesised or not).
fn from_import(scan: &Scan<'_>, tokens: &[Token]) -> Vec<Import> {
    let Some(at) = tokens.iter().position(|&t| scan.is(t, "import")) else {
        return Vec::new();
    };
    let module: String = tokens[1..at].iter().map(|&t| scan.str(t)).collect();
    let names = tokens[at + 1..]
        .iter()
        .copied()
        .filter(|&t| !scan.is(t, "(") && !scan.is(t, ")"))
        .collect::<Vec<_>>();
    let mut out = Vec::new();
    for part in names.split(|&t| scan.is(t, ",")) {
        match part {
            [name] if name.kind == Kind::Name => out.push(Import {
                module: module.as_str().into(),
                name: scan.str(*name).into(),
                alias: scan.str(*name).into(),
            }),
            [name, as_, alias] if scan.is(*as_, "as") => out.push(Import {
                module: module.as_str().into(),
                name: scan.str(*name).into(),
                alias: scan.str(*alias).into(),
            }),
            _ => {}
        }
    }
    out
}

/// The first name of a metadata as written: `Base` for `Base.metadata`,
/// `db` for `db.Model`.
pub fn metadata_root(metadata: &str) -> &str {
    metadata.split('.').next().unwrap_or(metadata).trim()
}

/// `{"schema": "name", ...}`.
fn dict_schema(scan: &Scan<'_>, tokens: &[Token]) -> DbSchema {
    for w in tokens.windows(3) {
        if string_item(scan, &w[..1]).is_some_and(|k| k.value == "schema") && scan.is(w[1], ":") {
            let end = tokens
                .iter()
                .position(|t| t.start == w[2].start)
                .map_or(3, |at| split_top_level(scan, &tokens[at..], ",")[0].len());
            let at = tokens.iter().position(|t| t.start == w[2].start).unwrap_or(0);
            let value = &tokens[at..(at + end).min(tokens.len())];
            let value = match value.last() {
                Some(&last) if scan.is(last, "}") => &value[..value.len() - 1],
                _ => value,
            };
            if value.is_empty() {
                return DbSchema::Unknown;
            }
            return DbSchema::Named(super::ops::column_text(scan, value));
        }
    }
    DbSchema::Default
}

/// `X.naming_convention = ...`, `X.metadata.naming_convention = ...` or
/// `X.metadata = ...`: the convention of `X` changes after it is made.
fn reassigned_convention<'a>(scan: &Scan<'a>, tokens: &[Token]) -> Option<&'a str> {
    let parts = split_top_level(scan, tokens, "=");
    if parts.len() < 2 {
        return None;
    }
    let target = parts[0];
    let first = *target.first()?;
    let last = *target.last()?;
    let attribute = target.len() >= 3 && matches!(scan.str(last), "naming_convention" | "metadata");
    (first.kind == Kind::Name && attribute && target.iter().skip(1).step_by(2).all(|&t| scan.is(t, ".")))
        .then(|| scan.str(first))
}

/// `NAME = declarative_base(...)`, `MetaData(...)`, `SQLAlchemy(...)`,
/// `registry(...)`, or `NAME = OTHER.metadata`.
fn metadata_def(scan: &Scan<'_>, target: &str, value: &[Token], file: &ModelFile) -> Option<MetadataDef> {
    let name: CompactString = target.into();
    if let Some((callee, inner)) = call_of(scan, value) {
        if !matches!(
            callee,
            "declarative_base" | "MetaData" | "SQLAlchemy" | "registry" | "automap_base"
        ) {
            return None;
        }
        let args = Args::parse(scan, inner);
        let carrier = args.keyword("metadata").or_else(|| args.keyword("model_class"));
        if let Some(carrier) = carrier {
            if let [t] = carrier
                && t.kind == Kind::Name
            {
                return Some(MetadataDef {
                    name,
                    convention: Convention::Unknown,
                    alias_of: Some(scan.str(*t).into()),
                });
            }
            return Some(MetadataDef {
                name,
                convention: convention_of(scan, carrier, file.naming_convention.as_deref()),
                alias_of: None,
            });
        }
        return Some(MetadataDef {
            name,
            convention: convention_of(scan, value, file.naming_convention.as_deref()),
            alias_of: None,
        });
    }
    // `metadata = Base.metadata`.
    if let [base, dot, attribute] = value
        && base.kind == Kind::Name
        && scan.is(*dot, ".")
        && scan.str(*attribute) == "metadata"
    {
        return Some(MetadataDef {
            name,
            convention: Convention::Unknown,
            alias_of: Some(scan.str(*base).into()),
        });
    }
    None
}

/// The convention a metadata is made with: `value` is the call that makes
/// it; `known` is the file's literal convention, for one passed by name.
fn convention_of(scan: &Scan<'_>, value: &[Token], known: Option<&str>) -> Convention {
    let text = &scan.text[value[0].start..value[value.len() - 1].end];
    if !text.contains("naming_convention") {
        return if text.contains("metadata") {
            Convention::Unknown
        } else {
            Convention::Default
        };
    }
    if let Some(template) = ix_template(scan, value) {
        return Convention::Literal(template);
    }
    let literal_dict = value.iter().any(|&t| scan.is(t, "{"));
    match known {
        _ if literal_dict => Convention::Default,
        Some(template) => Convention::Literal(template.to_owned()),
        None => Convention::Unknown,
    }
}

/// The name SQLAlchemy gives an index from a naming-convention template;
/// `None` when a token is not supported or a column is an expression. A
/// column's label includes the table's schema (`events_roles_event_id`).
pub fn convention_name(template: &str, table: &str, schema: Option<&str>, columns: &[CompactString]) -> Option<String> {
    if columns.is_empty()
        || columns
            .iter()
            .any(|c| c.is_empty() || !c.chars().all(|ch| ch.is_alphanumeric() || ch == '_'))
    {
        return None;
    }
    let labelled = match schema {
        Some(schema) => format!("{schema}_{table}"),
        None => table.to_owned(),
    };
    let mut out = String::new();
    let mut rest = template;
    while let Some(at) = rest.find("%(") {
        out.push_str(&rest[..at]);
        let end = rest[at..].find(")s")? + at;
        let token = &rest[at + 2..end];
        let value = match token {
            "table_name" => table.to_owned(),
            "column_0_name" => columns[0].to_string(),
            "column_0_label" => format!("{labelled}_{}", columns[0]),
            "column_0N_name" => columns.concat(),
            "column_0_N_name" => columns.join("_"),
            "column_0N_label" => columns.iter().fold(String::new(), |acc, c| acc + &labelled + "_" + c),
            "column_0_N_label" => columns
                .iter()
                .map(|c| format!("{labelled}_{c}"))
                .collect::<Vec<_>>()
                .join("_"),
            _ => return None,
        };
        out.push_str(&value);
        rest = &rest[end + 2..];
    }
    out.push_str(rest);
    Some(out)
}

/// SQLAlchemy's default `ix` template.
pub const DEFAULT_IX: &str = "ix_%(column_0_label)s";

/// Text of an index column for comparisons: quotes and spaces removed,
/// lowercase (`func.lower("name")` and `lower(name)` compare equal).
pub fn normalise_column(column: &str) -> String {
    let mut s: String = column
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '"' && *c != '\'')
        .collect::<String>()
        .to_lowercase();
    for prefix in ["sa.func.", "func.", "sqlalchemy.func."] {
        if let Some(rest) = s.strip_prefix(prefix) {
            s = rest.to_owned();
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts(text: &str) -> ModelFile {
        ModelFile::from_scan(&Scan::new(text))
    }

    fn columns(file: &ModelFile) -> Vec<String> {
        file.tables
            .iter()
            .map(|t| format!("{}: {}", t.name.value, t.columns.join(",")))
            .collect()
    }

    #[test]
    fn the_columns_a_model_declares_by_their_database_names() {
        let file = facts(
            "class Order(Base):\n    __tablename__ = 'orders'\n    id: Mapped[int] = mapped_column(primary_key=True)\n    \
             ref = Column('customer_ref', Integer)\n    note: Mapped[str | None]\n    lines: Mapped[list['Line']] = \
             relationship()\n    _cache: dict = {}\n\n\
             class Hero(SQLModel, table=True):\n    id: int | None = Field(default=None, primary_key=True)\n    \
             name: str\n    age: int | None = None\n    team: 'Team' = Relationship()\n\n\
             heroes = Table('legacy', metadata, Column('id', Integer), Column('code', String(3)))\n",
        );
        assert_eq!(
            columns(&file),
            ["orders: id,customer_ref,note", "hero: id,name,age", "legacy: id,code"]
        );
    }

    fn index_names(file: &ModelFile) -> Vec<String> {
        file.indexes
            .iter()
            .map(|i| {
                let name = match &i.name {
                    Name::Literal(item) => item.value.to_string(),
                    Name::Convention => convention_name(DEFAULT_IX, &i.table, None, &i.columns).unwrap_or_default(),
                    Name::Unknown => "?".into(),
                };
                format!("{}:{name}({})", i.table, i.columns.join(","))
            })
            .collect()
    }

    #[test]
    fn declarative_flask_sqlmodel_and_core() {
        let text = r#"
from sqlalchemy import Column, Index, Integer, String, Table, MetaData, func
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

class Base(DeclarativeBase):
    pass

class User(Base):
    __tablename__ = "users"
    __table_args__ = (
        Index("ix_users_name_lower", func.lower("name")),
        {"schema": "app"},
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(255), index=True, unique=True)
    name = Column("full_name", String, index=True)

class UserRole(db.Model):
    role = db.Column(db.String(20), index=True)

class Hero(SQLModel, table=True):
    name: str = Field(index=True)

class Mixin:
    x = Column(Integer, index=True)

class Abstract(Base):
    __abstract__ = True

orders = Table("orders", metadata_obj, Column("id", Integer), Column("state", String, index=True), Index("ix_orders_x", "x"))
followers = db.Table("followers", db.Column("follower_id", db.Integer, index=True))
Index("ix_orders_state_id", orders.c.state, orders.c.id)
Index("ix_users_email_name", User.email, User.name)
"#;
        let file = facts(text);
        let tables: Vec<&str> = file.tables.iter().map(|t| t.name.value.as_str()).collect();
        assert_eq!(tables, ["users", "user_role", "hero", "orders", "followers"]);
        assert_eq!(file.tables[4].metadata, "db");
        assert_eq!(
            index_names(&file),
            [
                "users:ix_users_name_lower(func.lower(\"name\"))",
                "users:ix_users_email(email)",
                "users:ix_users_full_name(full_name)",
                "user_role:ix_user_role_role(role)",
                "hero:ix_hero_name(name)",
                "orders:ix_orders_state(state)",
                "orders:ix_orders_x(x)",
                "followers:ix_followers_follower_id(follower_id)",
                "orders:ix_orders_state_id(state,id)",
                "users:ix_users_email_name(email,name)",
            ]
        );
        assert!(file.tables[0].complete);
    }

    #[test]
    fn declared_attr_table_args_and_conventions() {
        let text = "convention = {\"ix\": \"ix_%(table_name)s_%(column_0_N_name)s\", \"uq\": \"uq_%(table_name)s\"}\nmetadata = MetaData(naming_convention=convention)\n\nclass Thing(Base, TimestampMixin):\n    __tablename__ = 'things'\n\n    @declared_attr\n    def __table_args__(cls):\n        return (Index('ix_things_a', 'a'),)\n";
        let file = facts(text);
        assert_eq!(
            file.naming_convention.as_deref(),
            Some("ix_%(table_name)s_%(column_0_N_name)s")
        );
        assert_eq!(index_names(&file), ["things:ix_things_a(a)"]);
        assert!(!file.tables[0].complete, "a mixin may add columns");
    }

    #[test]
    fn convention_tokens() {
        let cols: Vec<CompactString> = vec!["a".into(), "b".into()];
        assert_eq!(convention_name(DEFAULT_IX, "t", None, &cols).as_deref(), Some("ix_t_a"));
        assert_eq!(
            convention_name("ix_%(table_name)s_%(column_0_N_name)s", "t", None, &cols).as_deref(),
            Some("ix_t_a_b")
        );
        assert_eq!(
            convention_name("ix_%(column_0N_name)s", "t", None, &cols).as_deref(),
            Some("ix_ab")
        );
        assert_eq!(convention_name(DEFAULT_IX, "t", None, &["lower(a)".into()]), None);
        assert_eq!(
            convention_name(DEFAULT_IX, "roles", Some("events"), &["event_id".into()]).as_deref(),
            Some("ix_events_roles_event_id")
        );
        assert_eq!(
            normalise_column("func.lower(\"name\")"),
            normalise_column("lower(name)")
        );
    }
}
