//! AP202 unknown-down-revision: see `docs/rules/unknown-down-revision.md`.

use super::{Rule, describe};
use crate::diagnostic::{Applicability, Edit, Emitter, Fix};
use crate::graph::{Because, Graph, MigrationFile};

pub(crate) fn check(graph: &Graph<'_>, emit: &mut Emitter<'_>) {
    if graph.unknown_ids {
        return;
    }
    for dangling in &graph.unknown_parents {
        let value = &dangling.item.value;
        let message = format!(
            "`down_revision` of {} names `{value}`, which no revision in {} declares",
            describe(dangling.file),
            graph.env.version_locations.join(", ")
        );
        let report = emit.report(
            Rule::UnknownDownRevision,
            &dangling.file.path,
            dangling.item.span.clone(),
            message,
        );
        match graph.suggest(value, dangling.file) {
            Some((i, because)) => {
                let node = &graph.nodes[i];
                let why = match because {
                    Because::FileName => format!("`{value}` is the file name of revision `{}`", node.id),
                    Because::Prefix => format!("`{value}` is the start of `{}`", node.id),
                    Because::Similar => format!("the closest id is `{}`", node.id),
                };
                let report = report
                    .help(format!("set `down_revision = \"{}\"`: {why}", node.id))
                    .related(
                        &node.file.path,
                        node.file.revision_span(),
                        format!("revision `{}`", node.id),
                    );
                // A file name says which revision it is; a prefix or a
                // near miss is a guess.
                if because == Because::FileName {
                    let _ = report.fix(file_name_fix(dangling.file, &dangling.item.span, value, node.id));
                }
            }
            None => {
                let _ = report.help(
                    "point `down_revision` at the id of the revision this one follows (`alembic history` lists them)",
                );
            }
        }
    }
}

/// `down_revision` (and a header that names the same file) set to the id
/// of the revision whose file name it holds.
fn file_name_fix(file: &MigrationFile, span: &std::ops::Range<usize>, value: &str, id: &str) -> Fix {
    let mut edits = vec![Edit::replace(&file.path, span.clone(), value, id)];
    if let Some(revises) = file.facts.header.as_ref().and_then(|h| h.revises.as_ref())
        && revises.ids.iter().any(|i| i == value)
    {
        let ids: Vec<&str> = revises
            .ids
            .iter()
            .map(|i| if i == value { id } else { i.as_str() })
            .collect();
        edits.extend(super::docstring_revises_mismatch::revises_fix(&file.path, revises, &ids).edits);
    }
    Fix {
        applicability: Applicability::Safe,
        message: format!("set `down_revision` to `{id}`, the id of `{value}`"),
        edits,
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::Rule;
    use crate::rules::tests::{lint_graph, lint_graph_ok};

    #[test]
    fn a_file_name_instead_of_an_id() {
        insta::assert_snapshot!(lint_graph(&[
            ("3c8e2d1a9b7f_add_users.py", "revision = '3c8e2d1a9b7f'\ndown_revision = None\n"),
            ("5d9f3e2b8a4c_add_orders.py", "revision = '5d9f3e2b8a4c'\ndown_revision = '3c8e2d1a9b7f_add_users'\n"),
        ], Rule::UnknownDownRevision), @r#"
        error[AP202] unknown-down-revision: `down_revision` of `5d9f3e2b8a4c` names `3c8e2d1a9b7f_add_users`, which no revision in versions declares
         --> versions/5d9f3e2b8a4c_add_orders.py:2:18
          |
        2 | down_revision = '3c8e2d1a9b7f_add_users'
          |                  ^^^^^^^^^^^^^^^^^^^^^^
          |
         ::: versions/3c8e2d1a9b7f_add_users.py:1:13
          |
        1 | revision = '3c8e2d1a9b7f'
          |             ------------ revision `3c8e2d1a9b7f`
          |
          = help: set `down_revision = "3c8e2d1a9b7f"`: `3c8e2d1a9b7f_add_users` is the file name of revision `3c8e2d1a9b7f`
          = fix: set `down_revision` to `3c8e2d1a9b7f`, the id of `3c8e2d1a9b7f_add_users` (`--fix`)

        Found 1 problem (1 error) in 1 file
        1 fixable with `alembic-preflight check --fix` (`--diff` shows the change first).
        Run `alembic-preflight explain AP202` for what a rule checks and how to fix it.
        "#);
    }

    #[test]
    fn a_typo() {
        let out = lint_graph(
            &[
                ("a.py", "revision = '3c8e2d1a9b7f'\ndown_revision = None\n"),
                ("b.py", "revision = 'b'\ndown_revision = '3c8e2d1a9b7e'\n"),
            ],
            Rule::UnknownDownRevision,
        );
        assert!(out.contains("the closest id is `3c8e2d1a9b7f`"), "{out}");
    }

    /// F-25: the help named the referring revision itself (a self-loop).
    #[test]
    fn f25_never_suggests_itself_or_a_later_revision() {
        let out = lint_graph(
            &[
                ("a.py", "revision = '1a2b3c4d5e6f'\ndown_revision = None\n"),
                ("b.py", "revision = '1a2b3c4d5e70'\ndown_revision = '1a2b3c4d5e7'\n"),
                ("c.py", "revision = '1a2b3c4d5e71'\ndown_revision = '1a2b3c4d5e70'\n"),
            ],
            Rule::UnknownDownRevision,
        );
        assert!(!out.contains("set `down_revision = \"1a2b3c4d5e70\"`"), "{out}");
        assert!(!out.contains("set `down_revision = \"1a2b3c4d5e71\"`"), "{out}");
        assert!(out.contains("the closest id is `1a2b3c4d5e6f`"), "{out}");
    }

    #[test]
    fn a_branch_label_is_a_valid_parent() {
        lint_graph_ok(
            &[
                (
                    "a.py",
                    "revision = 'a'\ndown_revision = None\nbranch_labels = ('core',)\n",
                ),
                ("b.py", "revision = 'b'\ndown_revision = 'core'\n"),
            ],
            Rule::UnknownDownRevision,
        );
    }
}
