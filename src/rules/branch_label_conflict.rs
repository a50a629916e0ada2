//! AP207 branch-label-conflict: see `docs/rules/branch-label-conflict.md`.

use super::{Rule, describe};
use crate::diagnostic::Emitter;
use crate::graph::Graph;

pub(crate) fn check(graph: &Graph<'_>, emit: &mut Emitter<'_>) {
    for conflict in &graph.label_conflicts {
        let other = &graph.nodes[conflict.other];
        let label = &conflict.item.value;
        let (message, related) = if conflict.is_revision_id {
            (
                format!(
                    "branch label `{label}` of {} is also the id of a revision",
                    describe(conflict.file)
                ),
                format!("revision `{}`", other.id),
            )
        } else {
            (
                format!(
                    "branch label `{label}` of {} is already used by `{}`",
                    describe(conflict.file),
                    other.id
                ),
                format!("`{}` declares `{label}`", other.id),
            )
        };
        emit.report(
            Rule::BranchLabelConflict,
            &conflict.file.path,
            conflict.item.span.clone(),
            message,
        )
        .help(
            "choose a label no other revision uses and that is not a revision id; Alembic refuses to load the history",
        )
        .related(&other.file.path, other.file.revision_span(), related);
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::Rule;
    use crate::rules::tests::{lint_graph, lint_graph_ok};

    #[test]
    fn label_used_twice() {
        insta::assert_snapshot!(lint_graph(&[
            ("a.py", "revision = 'a'\ndown_revision = None\nbranch_labels = ('billing',)\n"),
            ("b.py", "revision = 'b'\ndown_revision = None\nbranch_labels = ('billing',)\n"),
        ], Rule::BranchLabelConflict), @"
        error[AP207] branch-label-conflict: branch label `billing` of `b` is already used by `a`
         --> versions/b.py:3:19
          |
        3 | branch_labels = ('billing',)
          |                   ^^^^^^^
          |
         ::: versions/a.py:1:13
          |
        1 | revision = 'a'
          |             - `a` declares `billing`
          |
          = help: choose a label no other revision uses and that is not a revision id; Alembic refuses to load the history

        Found 1 problem (1 error) in 1 file
        Run `alembic-preflight explain AP207` for what a rule checks and how to fix it.
        ");
    }

    #[test]
    fn label_equal_to_an_id() {
        let out = lint_graph(
            &[("a.py", "revision = 'a'\ndown_revision = None\nbranch_labels = ['a']\n")],
            Rule::BranchLabelConflict,
        );
        assert!(out.contains("is also the id of a revision"), "{out}");
    }

    #[test]
    fn distinct_labels() {
        lint_graph_ok(
            &[
                (
                    "a.py",
                    "revision = 'a'\ndown_revision = None\nbranch_labels = ('billing',)\n",
                ),
                (
                    "b.py",
                    "revision = 'b'\ndown_revision = None\nbranch_labels = 'audit'\n",
                ),
            ],
            Rule::BranchLabelConflict,
        );
    }
}
