//! AP203 duplicate-revision-id: see `docs/rules/duplicate-revision-id.md`.

use super::Rule;
use crate::diagnostic::Emitter;
use crate::graph::Graph;

pub(crate) fn check(graph: &Graph<'_>, emit: &mut Emitter<'_>) {
    for &(file, first) in &graph.duplicates {
        let first = &graph.nodes[first];
        emit.report(
            Rule::DuplicateRevisionId,
            &file.path,
            file.revision_span(),
            format!(
                "revision id `{}` is also declared by {}; Alembic keeps only one of them",
                first.id, first.file.path
            ),
        )
        .help("give this revision a fresh id (and update the `down_revision` of the revision that follows it)")
        .related(&first.file.path, first.file.revision_span(), "first declared here");
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::Rule;
    use crate::rules::tests::{lint_graph, lint_graph_ok};

    #[test]
    fn same_id_twice() {
        insta::assert_snapshot!(lint_graph(&[
            ("a1_users.py", "revision = 'a1'\ndown_revision = None\n"),
            ("a1_orders.py", "revision = 'a1'\ndown_revision = 'a1'\n"),
        ], Rule::DuplicateRevisionId), @"
        error[AP203] duplicate-revision-id: revision id `a1` is also declared by versions/a1_orders.py; Alembic keeps only one of them
         --> versions/a1_users.py:1:13
          |
        1 | revision = 'a1'
          |             ^^
          |
         ::: versions/a1_orders.py:1:13
          |
        1 | revision = 'a1'
          |             -- first declared here
          |
          = help: give this revision a fresh id (and update the `down_revision` of the revision that follows it)

        Found 1 problem (1 error) in 1 file
        Run `alembic-preflight explain AP203` for what a rule checks and how to fix it.
        ");
    }

    #[test]
    fn distinct_ids() {
        lint_graph_ok(
            &[
                ("a.py", "revision = 'a'\ndown_revision = None\n"),
                ("b.py", "revision = 'b'\ndown_revision = 'a'\n"),
            ],
            Rule::DuplicateRevisionId,
        );
    }
}
