//! Which metadata each model table belongs to, and its naming convention.
//!
//! Models name their metadata through a base class (`class User(Base)`),
//! a Flask-SQLAlchemy object (`db.Model`, `db.Table`) or a `MetaData`
//! (`Table("t", metadata)`). Those names are looked up among the metadata
//! the project defines (`Base = declarative_base()`, `db = SQLAlchemy()`,
//! `class Base(DeclarativeBase)`, abstract models and aliases followed). A
//! name defined nowhere in the project (imported from a package) has a
//! naming convention that cannot be known: names derived from it are not
//! known either, and nothing is reported on them.

use compact_str::CompactString;

use crate::hash::{FastMap, FastSet};
use crate::scan::model::{Convention, DEFAULT_IX, MetadataDef, metadata_root};

/// The metadata defined across the project.
#[derive(Debug, Default)]
pub struct Metadatas {
    defs: FastMap<CompactString, Vec<MetadataDef>>,
    reassigned: FastSet<CompactString>,
    /// The `index-naming` setting: it overrides every convention.
    forced: Option<String>,
}

/// A table's metadata: a name that identifies it across files, and the
/// `ix` template of its convention (`None` when not known).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolved<'a> {
    pub identity: &'a str,
    pub convention: Option<&'a str>,
}

impl Metadatas {
    pub fn new(forced: Option<String>) -> Self {
        Metadatas {
            forced,
            ..Metadatas::default()
        }
    }

    pub fn add(&mut self, defs: Vec<MetadataDef>, reassigned: Vec<CompactString>) {
        for def in defs {
            self.defs.entry(def.name.clone()).or_default().push(def);
        }
        self.reassigned.extend(reassigned);
    }

    /// The metadata of a table whose metadata is written `metadata`.
    pub fn resolve<'a>(&'a self, metadata: &'a str) -> Resolved<'a> {
        let forced = self.forced.as_deref();
        if metadata.contains('(') {
            // An inline `MetaData()`: a metadata of its own.
            let convention = if metadata.contains("naming_convention") {
                None
            } else {
                Some(DEFAULT_IX)
            };
            return Resolved {
                identity: metadata,
                convention: forced.or(convention),
            };
        }
        let mut root = metadata_root(metadata);
        let mut unknown = false;
        let mut convention = None;
        // Aliases are followed a few steps; a loop ends in "unknown".
        for _ in 0..8 {
            unknown |= self.reassigned.contains(root);
            let Some(defs) = self.defs.get(root) else {
                if root == "SQLModel" {
                    convention = Some(DEFAULT_IX);
                }
                break;
            };
            let aliases: FastSet<&str> = defs.iter().filter_map(|d| d.alias_of.as_deref()).collect();
            if aliases.len() == 1 && defs.iter().all(|d| d.alias_of.is_some()) {
                let next = aliases.into_iter().next().expect("one alias");
                if next != root {
                    root = next;
                    continue;
                }
            }
            let first = &defs[0].convention;
            if defs.iter().all(|d| d.alias_of.is_none() && d.convention == *first) {
                convention = match first {
                    Convention::Default => Some(DEFAULT_IX),
                    Convention::Literal(template) => Some(template.as_str()),
                    Convention::Unknown => None,
                };
            }
            break;
        }
        Resolved {
            identity: root,
            convention: forced.or(if unknown { None } else { convention }),
        }
    }
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

    #[test]
    fn follows_aliases_to_the_convention() {
        let mut metadatas = Metadatas::new(None);
        metadatas.add(
            vec![
                def("metadata", Convention::Literal("ix_%(table_name)s".into()), None),
                def("Base", Convention::Unknown, Some("metadata")),
                def("Timestamped", Convention::Unknown, Some("Base")),
            ],
            Vec::new(),
        );
        let resolved = metadatas.resolve("Timestamped");
        assert_eq!(resolved.identity, "metadata");
        assert_eq!(resolved.convention, Some("ix_%(table_name)s"));
        assert_eq!(metadatas.resolve("Base.metadata").identity, "metadata");
    }

    #[test]
    fn unknown_where_not_defined_or_reassigned() {
        let mut metadatas = Metadatas::new(None);
        metadatas.add(vec![def("db", Convention::Default, None)], vec!["db".into()]);
        assert_eq!(metadatas.resolve("db.Model").convention, None);
        assert_eq!(metadatas.resolve("Base").convention, None);
        assert_eq!(metadatas.resolve("SQLModel").convention, Some(DEFAULT_IX));
        let forced = Metadatas::new(Some("ix_%(column_0_name)s".into()));
        assert_eq!(forced.resolve("Base").convention, Some("ix_%(column_0_name)s"));
    }

    #[test]
    fn disagreeing_definitions_are_unknown() {
        let mut metadatas = Metadatas::new(None);
        metadatas.add(
            vec![
                def("Base", Convention::Default, None),
                def("Base", Convention::Literal("ix_%(table_name)s".into()), None),
            ],
            Vec::new(),
        );
        assert_eq!(metadatas.resolve("Base").convention, None);
        assert_eq!(metadatas.resolve("Base").identity, "Base");
    }
}
