//! Which metadata each model table belongs to, and its naming convention.
//!
//! Models name their metadata through a base class (`class User(Base)`),
//! a Flask-SQLAlchemy object (`db.Model`, `db.Table`) or a `MetaData`
//! (`Table("t", metadata)`). That name is looked up where Python would find
//! it: a definition in the same file, else the file's `from ... import`
//! (a definition of that name in the module it names), else the project's
//! one definition of that name (re-exports through a package). Abstract
//! models and aliases (`metadata = Base.metadata`) are followed the same
//! way from the file that defines them.
//!
//! A name defined nowhere in the project (imported from a package) has a
//! naming convention that cannot be known: names derived from it are not
//! known either, and nothing is reported on them. A name defined several
//! times where the imports do not say which (two databases, each with its
//! own `Base`) is a metadata of its own for each table: nothing is compared
//! across it.

use compact_str::CompactString;

use crate::scan::model::{Convention, DEFAULT_IX, Import, MetadataDef, metadata_root};
use std::collections::{HashMap, HashSet};

/// The metadata defined across the project.
#[derive(Debug, Default)]
pub struct Metadatas {
    /// Definitions by name: the defining file's path and the definition.
    defs: HashMap<CompactString, Vec<(String, MetadataDef)>>,
    /// Each model file's module-level imports, by path.
    imports: HashMap<String, Vec<Import>>,
    reassigned: HashSet<CompactString>,
    /// Every dotted module name the project's files can be imported as
    /// (`src.app.db`, `app.db`, `db` for `src/app/db.py`).
    modules: HashSet<String>,
    /// The `index-naming` setting: it overrides every convention.
    forced: Option<String>,
}

/// A table's metadata: a key that identifies it across files, and the `ix`
/// template of its convention (`None` when not known).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Resolved<'a> {
    pub identity: Identity,
    pub convention: Option<&'a str>,
}

/// What two tables must share to be in one metadata.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Identity {
    /// A definition in the project: its file and name.
    Defined(String, CompactString),
    /// A name defined nowhere here (from a package, or written inline).
    Named(String),
    /// It cannot be told which of several definitions: compared with
    /// nothing.
    Ambiguous,
}

/// Metadata identities as small numbers, for rules that group many
/// tables or indexes by metadata: each file's expression is resolved
/// once, and two equal identities get one number. `None`: ambiguous.
pub struct Interned<'m, 'a> {
    metadatas: &'m Metadatas,
    numbers: HashMap<Identity, u32>,
    resolved: HashMap<(&'a str, &'a str), Option<u32>>,
}

impl<'m, 'a> Interned<'m, 'a> {
    pub fn new(metadatas: &'m Metadatas) -> Self {
        Interned {
            metadatas,
            numbers: HashMap::new(),
            resolved: HashMap::new(),
        }
    }

    /// The number of the metadata written `metadata` in the file at `path`.
    pub fn of(&mut self, path: &'a str, metadata: &'a str) -> Option<u32> {
        if let Some(number) = self.resolved.get(&(path, metadata)) {
            return *number;
        }
        let identity = self.metadatas.resolve(path, metadata).identity;
        let number = (identity != Identity::Ambiguous).then(|| {
            let next = u32::try_from(self.numbers.len()).unwrap_or(u32::MAX);
            *self.numbers.entry(identity).or_insert(next)
        });
        self.resolved.insert((path, metadata), number);
        number
    }
}

impl Metadatas {
    pub fn new(forced: Option<String>) -> Self {
        Metadatas {
            forced,
            ..Metadatas::default()
        }
    }

    /// The project's Python files, to tell its modules from packages'.
    pub fn set_files<'f>(&mut self, files: impl Iterator<Item = &'f str>) {
        for path in files.filter(|p| crate::tree::is_python(p)) {
            let stem = path.strip_suffix(".py").unwrap_or(path);
            let stem = stem.strip_suffix("/__init__").unwrap_or(stem);
            let parts: Vec<&str> = stem.split('/').collect();
            for start in 0..parts.len() {
                self.modules.insert(parts[start..].join("."));
            }
        }
    }

    /// The facts of the model file at `path`.
    pub fn add(&mut self, path: &str, defs: Vec<MetadataDef>, reassigned: Vec<CompactString>, imports: Vec<Import>) {
        for def in defs {
            self.defs
                .entry(def.name.clone())
                .or_default()
                .push((path.to_owned(), def));
        }
        self.reassigned.extend(reassigned);
        if !imports.is_empty() {
            self.imports.insert(path.to_owned(), imports);
        }
    }

    /// The `index-naming` setting, or SQLAlchemy's default.
    pub fn default_convention(&self) -> &str {
        self.forced.as_deref().unwrap_or(DEFAULT_IX)
    }

    /// The metadata of a table written `metadata` in the file at `path`.
    pub fn resolve<'a>(&'a self, path: &str, metadata: &'a str) -> Resolved<'a> {
        let forced = self.forced.as_deref();
        if metadata.contains('(') {
            // An inline `MetaData()`: a metadata of its own.
            let convention = if metadata.contains("naming_convention") {
                None
            } else {
                Some(DEFAULT_IX)
            };
            return Resolved {
                identity: Identity::Named(format!("{path}#{metadata}")),
                convention: forced.or(convention),
            };
        }
        let root = metadata_root(metadata);
        let mut unknown = self.reassigned.contains(root);
        let (mut at_path, mut name) = (path.to_owned(), CompactString::from(root));
        // Aliases are followed a few steps; a loop ends in "unknown".
        for _ in 0..8 {
            match self.find(&at_path, &name) {
                Found::Def(def_path, def) => {
                    unknown |= self.reassigned.contains(def.name.as_str());
                    if let Some(next) = &def.alias_of {
                        at_path.clone_from(def_path);
                        name.clone_from(next);
                        continue;
                    }
                    let convention = match &def.convention {
                        Convention::Default => Some(DEFAULT_IX),
                        Convention::Literal(template) => Some(template.as_str()),
                        Convention::Unknown => None,
                    };
                    return Resolved {
                        identity: Identity::Defined(def_path.clone(), def.name.clone()),
                        convention: forced.or(if unknown { None } else { convention }),
                    };
                }
                Found::Nothing(from) => {
                    let convention = (name == "SQLModel" && !unknown).then_some(DEFAULT_IX);
                    return Resolved {
                        identity: Identity::Named(from),
                        convention: forced.or(convention),
                    };
                }
                Found::Several => break,
            }
        }
        Resolved {
            identity: Identity::Ambiguous,
            convention: forced,
        }
    }

    /// The definition `name` means in the file at `path`.
    fn find(&self, path: &str, name: &str) -> Found<'_> {
        let defs = self.defs.get(name).map(Vec::as_slice).unwrap_or_default();
        if let Some((p, def)) = defs.iter().find(|(p, _)| p == path) {
            return Found::Def(p, def);
        }
        // Through the file's import of that name.
        let import = self
            .imports
            .get(path)
            .and_then(|imports| imports.iter().find(|i| i.alias == name));
        let (wanted, module) = match import {
            Some(import) => (import.name.as_str(), Some(absolute_module(path, &import.module))),
            None => (name, None),
        };
        // From a package, not from the project.
        if let Some(module) = &module
            && !self.modules.is_empty()
            && !self.modules.contains(module)
        {
            return Found::Nothing(format!("{module}.{wanted}"));
        }
        let defs = self.defs.get(wanted).map(Vec::as_slice).unwrap_or_default();
        if let Some(module) = &module {
            let mut from_module = defs.iter().filter(|(p, _)| module_of(p, module));
            if let (Some((p, def)), None) = (from_module.next(), from_module.next()) {
                return Found::Def(p, def);
            }
        }
        // A re-export, or no import: the project's one definition.
        match defs {
            [] => Found::Nothing(wanted.to_owned()),
            [(p, def)] => Found::Def(p, def),
            _ => Found::Several,
        }
    }
}

enum Found<'a> {
    Def(&'a String, &'a MetadataDef),
    /// Defined nowhere here: the name it goes by.
    Nothing(String),
    Several,
}

/// `.base` in `app/models/user.py` is `app.models.base`.
fn absolute_module(path: &str, module: &str) -> String {
    let level = module.bytes().take_while(|&b| b == b'.').count();
    if level == 0 {
        return module.to_owned();
    }
    let mut package: Vec<&str> = path.split('/').collect();
    package.pop();
    for _ in 1..level {
        package.pop();
    }
    let rest = &module[level..];
    let mut out = package.join(".");
    if !rest.is_empty() {
        if !out.is_empty() {
            out.push('.');
        }
        out.push_str(rest);
    }
    out
}

/// The file at `path` is module `module` (or its package's `__init__`),
/// allowing for a source root above it (`src/app/db.py` is `app.db`).
fn module_of(path: &str, module: &str) -> bool {
    let stem = path.strip_suffix(".py").unwrap_or(path);
    let stem = stem.strip_suffix("/__init__").unwrap_or(stem);
    let dotted = stem.replace('/', ".");
    dotted == module || dotted.ends_with(&format!(".{module}")) || module.ends_with(&format!(".{dotted}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn def(name: &str, convention: Convention, alias_of: Option<&str>) -> MetadataDef {
        MetadataDef {
            name: name.into(),
            convention,
            alias_of: alias_of.map(Into::into),
        }
    }

    fn import(module: &str, name: &str) -> Import {
        Import {
            module: module.into(),
            name: name.into(),
            alias: name.into(),
        }
    }

    #[test]
    fn follows_aliases_to_the_convention() {
        let mut metadatas = Metadatas::new(None);
        let literal = Convention::Literal("ix_%(table_name)s".into());
        metadatas.add(
            "app/db.py",
            vec![def("metadata", literal, None)],
            Vec::new(),
            Vec::new(),
        );
        metadatas.add(
            "app/base.py",
            vec![
                def("Base", Convention::Unknown, Some("metadata")),
                def("Timestamped", Convention::Unknown, Some("Base")),
            ],
            Vec::new(),
            vec![import(".db", "metadata")],
        );
        let resolved = metadatas.resolve("app/models/user.py", "Timestamped");
        assert_eq!(
            resolved.identity,
            Identity::Defined("app/db.py".into(), "metadata".into())
        );
        assert_eq!(resolved.convention, Some("ix_%(table_name)s"));
        assert_eq!(
            metadatas.resolve("app/x.py", "Base.metadata").identity,
            resolved.identity
        );
    }

    #[test]
    fn two_databases_are_told_apart_by_their_imports() {
        let mut metadatas = Metadatas::new(None);
        metadatas.add(
            "api/db.py",
            vec![def("Base", Convention::Default, None)],
            Vec::new(),
            Vec::new(),
        );
        metadatas.add(
            "src/main/db.py",
            vec![def("Base", Convention::Default, None)],
            Vec::new(),
            Vec::new(),
        );
        metadatas.add("api/models.py", Vec::new(), Vec::new(), vec![import("api.db", "Base")]);
        metadatas.add(
            "src/main/models/user.py",
            Vec::new(),
            Vec::new(),
            vec![import("..db", "Base")],
        );
        let api = metadatas.resolve("api/models.py", "Base").identity;
        let main = metadatas.resolve("src/main/models/user.py", "Base").identity;
        assert_eq!(api, Identity::Defined("api/db.py".into(), "Base".into()));
        assert_eq!(main, Identity::Defined("src/main/db.py".into(), "Base".into()));
        // No import to go by: either could be meant.
        let unsure = metadatas.resolve("scripts/report.py", "Base").identity;
        assert_eq!(unsure, Identity::Ambiguous);
        // As numbers: one per identity, none for an ambiguous one.
        let mut interned = Interned::new(&metadatas);
        let api = interned.of("api/models.py", "Base");
        assert!(api.is_some());
        assert_eq!(interned.of("api/db.py", "Base"), api, "the same definition");
        assert_ne!(interned.of("src/main/models/user.py", "Base"), api);
        assert_eq!(interned.of("scripts/report.py", "Base"), None);
        assert_eq!(interned.of("api/models.py", "Base"), api, "asked again");
    }

    #[test]
    fn unknown_where_not_defined_or_reassigned() {
        let mut metadatas = Metadatas::new(None);
        metadatas.add(
            "app/db.py",
            vec![def("db", Convention::Default, None)],
            vec!["db".into()],
            Vec::new(),
        );
        assert_eq!(metadatas.resolve("app/m.py", "db.Model").convention, None);
        assert_eq!(metadatas.resolve("app/m.py", "Base").convention, None);
        assert_eq!(metadatas.resolve("app/m.py", "SQLModel").convention, Some(DEFAULT_IX));
        let forced = Metadatas::new(Some("ix_%(column_0_name)s".into()));
        assert_eq!(
            forced.resolve("app/m.py", "Base").convention,
            Some("ix_%(column_0_name)s")
        );
    }

    #[test]
    fn a_name_from_a_package_is_not_the_projects() {
        let mut metadatas = Metadatas::new(None);
        metadatas.set_files(["app/db.py", "app/plugin.py"].into_iter());
        metadatas.add(
            "app/db.py",
            vec![def("db", Convention::Default, None)],
            Vec::new(),
            Vec::new(),
        );
        metadatas.add(
            "app/plugin.py",
            Vec::new(),
            Vec::new(),
            vec![import("framework.core", "db")],
        );
        let resolved = metadatas.resolve("app/plugin.py", "db.Model");
        assert_eq!(resolved.identity, Identity::Named("framework.core.db".into()));
        assert_eq!(resolved.convention, None);
    }

    #[test]
    fn modules_from_paths() {
        assert_eq!(absolute_module("app/models/user.py", ".base"), "app.models.base");
        assert_eq!(absolute_module("app/models/user.py", "..db"), "app.db");
        assert_eq!(absolute_module("app/models/user.py", "."), "app.models");
        assert!(module_of("src/app/db/__init__.py", "app.db"));
        assert!(module_of("app/db.py", "app.db"));
        assert!(!module_of("api/db.py", "app.db"));
    }
}
