//! AP205 revision-cycle: see `docs/rules/revision-cycle.md`.

use super::Rule;
use crate::diagnostic::Emitter;
use crate::graph::Graph;

pub(crate) fn check(graph: &Graph<'_>, emit: &mut Emitter<'_>) {
    for &(i, item) in &graph.self_loops {
        let node = &graph.nodes[i];
        emit.report(
            Rule::RevisionCycle,
            &node.file.path,
            item.span.clone(),
            format!("revision `{}` names itself as its own parent", node.id),
        )
        .help("point `down_revision` at the revision before this one (the previous head)");
    }
    for cycle in &graph.cycles {
        let first = &graph.nodes[cycle[0]];
        let mut walk: Vec<String> = cycle.iter().map(|&i| format!("`{}`", graph.nodes[i].id)).collect();
        walk.push(format!("`{}`", first.id));
        let mut report = emit
            .report(
                Rule::RevisionCycle,
                &first.file.path,
                first.file.down_revision_span(),
                format!("{}: each revision names the next as its parent", walk.join(" -> ")),
            )
            .help("break the cycle: the oldest of these revisions must point at a revision outside it");
        for &i in &cycle[1..] {
            let node = &graph.nodes[i];
            report = report.related(
                &node.file.path,
                node.file.down_revision_span(),
                format!("`{}` is in the cycle", node.id),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::Rule;
    use crate::rules::tests::{lint_graph, lint_graph_ok};

    #[test]
    fn three_revisions_in_a_ring() {
        insta::assert_snapshot!(lint_graph(&[
            ("a.py", "revision = 'a'\ndown_revision = 'c'\n"),
            ("b.py", "revision = 'b'\ndown_revision = 'a'\n"),
            ("c.py", "revision = 'c'\ndown_revision = 'b'\n"),
        ], Rule::RevisionCycle), @"
        error[AP205] revision-cycle: `a` -> `c` -> `b` -> `a`: each revision names the next as its parent
         --> versions/a.py:2:17
          |
        2 | down_revision = 'c'
          |                 ^^^
          |
         ::: versions/c.py:2:17
          |
        2 | down_revision = 'b'
          |                 --- `c` is in the cycle
          |
         ::: versions/b.py:2:17
          |
        2 | down_revision = 'a'
          |                 --- `b` is in the cycle
          |
          = help: break the cycle: the oldest of these revisions must point at a revision outside it

        Found 1 problem (1 error) in 1 file
        Run `alembic-preflight explain AP205` for what a rule checks and how to fix it.
        ");
    }

    #[test]
    fn self_loop() {
        let out = lint_graph(
            &[("a.py", "revision = 'a'\ndown_revision = 'a'\n")],
            Rule::RevisionCycle,
        );
        assert!(out.contains("names itself"), "{out}");
    }

    #[test]
    fn a_chain_is_not_a_cycle() {
        lint_graph_ok(
            &[
                ("a.py", "revision = 'a'\ndown_revision = None\n"),
                ("b.py", "revision = 'b'\ndown_revision = 'a'\ndepends_on = 'a'\n"),
            ],
            Rule::RevisionCycle,
        );
    }
}
