//! The `check` pipeline for one project root: discover environments, scan
//! every revision file once into facts, run file rules on the selected files
//! and graph rules on each environment's whole graph, then keep what the
//! selection asks for, sorted.

use crate::diagnostic::{Diagnostic, Emitter, Severity};
use crate::env::{self, Environment};
use crate::graph::{Graph, MigrationFile};
use crate::render::Sources;
use crate::rules::{self, FileContext, Rule};
use crate::scan::Scan;
use crate::scan::migration::Migration;
use crate::source::SourceFile;
use crate::tree::{self, Tree};

/// Which files the user asked about.
#[derive(Debug, Clone)]
pub enum Selection {
    /// Everything: all diagnostics of the project.
    All,
    /// These root-relative files or directories (`""` is the root). File
    /// diagnostics of these files, and graph diagnostics that involve them.
    Paths(Vec<String>),
}

impl Selection {
    pub fn contains(&self, path: &str) -> bool {
        match self {
            Selection::All => true,
            Selection::Paths(paths) => paths.iter().any(|p| p == path || tree::is_under(path, p)),
        }
    }
}

#[derive(Debug, Default)]
pub struct Outcome {
    pub diagnostics: Vec<Diagnostic>,
    pub sources: Sources,
    pub files_checked: usize,
    /// Problems of the tool itself (unreadable files, broken configuration):
    /// reported on stderr, and the run exits 2.
    pub errors: Vec<String>,
    pub environments: Vec<Environment>,
}

pub fn check(tree: &dyn Tree, selection: &Selection, severity: &dyn Fn(Rule) -> Option<Severity>) -> Outcome {
    let mut outcome = Outcome::default();
    let (envs, config_errors) = env::discover(tree);
    // A broken configuration matters where it could describe what was
    // selected: a directory above a selected path, or inside a selected one.
    for error in config_errors {
        let dir = tree::parent(&error.path);
        let relevant = match selection {
            Selection::All => true,
            Selection::Paths(paths) => paths
                .iter()
                .any(|p| tree::is_under(p, dir) || p == dir || selection.contains(&error.path)),
        };
        if relevant {
            outcome.errors.push(format!("{}: {:#}", error.path, error.error));
        }
    }
    let mut emit = Emitter::new(severity);
    for env in &envs {
        let mut files = Vec::with_capacity(env.files.len());
        for path in &env.files {
            let bytes = match tree.read(path) {
                Ok(bytes) => bytes,
                Err(error) => {
                    outcome.errors.push(format!("{path}: cannot read the file: {error}"));
                    continue;
                }
            };
            let source = SourceFile::from_bytes(path.clone(), &bytes);
            let facts = Migration::from_scan(&Scan::new(&source.text));
            files.push((
                MigrationFile {
                    path: path.clone(),
                    facts,
                },
                source.text,
            ));
        }
        let refs: Vec<&MigrationFile> = files.iter().map(|(f, _)| f).collect();
        let graph = Graph::build(env, &refs);
        for (file, text) in &files {
            if selection.contains(&file.path) {
                outcome.files_checked += 1;
                rules::check_file(
                    &FileContext {
                        file,
                        text,
                        env,
                        graph: &graph,
                    },
                    &mut emit,
                );
            }
        }
        rules::check_graph(&graph, &mut emit);
        for (file, text) in files {
            outcome.sources.insert(file.path, text);
        }
    }
    let mut diagnostics = emit.into_diagnostics();
    diagnostics.retain(|d| match d.rule.meta().scope {
        rules::Scope::File => selection.contains(&d.path),
        rules::Scope::Project => d.paths().any(|p| selection.contains(p)),
    });
    diagnostics.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()).then_with(|| a.message.cmp(&b.message)));
    diagnostics.dedup();
    outcome.sources.retain_used(&diagnostics);
    outcome.diagnostics = diagnostics;
    outcome.environments = envs;
    outcome
}

#[cfg(test)]
mod tests {
    use std::io;
    use std::path::Path;

    use super::{Selection, check};
    use crate::rules::Rule;
    use crate::rules::tests::MemTree;
    use crate::tree::Tree;

    /// A tree whose one file cannot be read.
    struct Unreadable(MemTree);

    impl Tree for Unreadable {
        fn files(&self) -> &[String] {
            self.0.files()
        }
        fn read(&self, path: &str) -> io::Result<Vec<u8>> {
            if path.ends_with("b.py") {
                return Err(io::Error::new(io::ErrorKind::PermissionDenied, "permission denied"));
            }
            self.0.read(path)
        }
        fn root(&self) -> &Path {
            self.0.root()
        }
    }

    #[test]
    fn an_unreadable_file_is_a_tool_error_and_the_rest_is_checked() {
        let tree = Unreadable(MemTree::versions(&[
            ("a.py", "revision = 'a'\ndown_revision = 'gone'\n"),
            ("b.py", "revision = 'b'\ndown_revision = 'a'\n"),
        ]));
        let outcome = check(&tree, &Selection::All, &|r: Rule| Some(r.meta().default_severity));
        assert_eq!(outcome.errors, ["versions/b.py: cannot read the file: permission denied"]);
        assert!(outcome.diagnostics.iter().any(|d| d.rule == Rule::UnknownDownRevision && d.path == "versions/a.py"));
    }
}
