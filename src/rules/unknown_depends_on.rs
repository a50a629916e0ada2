//! AP206 unknown-depends-on: see `docs/rules/unknown-depends-on.md`.

use super::{Rule, describe};
use crate::diagnostic::Emitter;
use crate::graph::{Graph, edit_distance};

pub(crate) fn check(graph: &Graph<'_>, emit: &mut Emitter<'_>) {
    if graph.unknown_ids {
        return;
    }
    for dangling in &graph.unknown_dependencies {
        let value = &dangling.item.value;
        let report = emit.report(
            Rule::UnknownDependsOn,
            &dangling.file.path,
            dangling.item.span.clone(),
            format!(
                "`depends_on` of {} names `{value}`, which is neither a revision nor a branch label",
                describe(dangling.file)
            ),
        );
        // A label a few edits away is the likelier meaning.
        let label = graph
            .nodes
            .iter()
            .flat_map(|n| n.own_labels.iter().filter(|l| !l.starts_with('<')).map(move |l| (l, n)))
            .map(|(l, n)| (edit_distance(value, l), l, n))
            .filter(|&(d, l, _)| d <= (l.chars().count() / 4).max(1))
            .min_by(|a, b| a.0.cmp(&b.0).then_with(|| a.1.cmp(b.1)));
        if let Some((_, label, node)) = label {
            report.help(format!("name the branch label `{label}` instead")).related(
                &node.file.path,
                node.file.revision_span(),
                format!("`{}` declares `{label}`", node.id),
            );
            continue;
        }
        match graph.suggest(value, dangling.file) {
            Some((i, _)) => {
                let node = &graph.nodes[i];
                report
                    .help(format!("name `{}` instead, the closest revision", node.id))
                    .related(
                        &node.file.path,
                        node.file.revision_span(),
                        format!("revision `{}`", node.id),
                    );
            }
            None => {
                let _ = report.help("name an existing revision id or branch label, or remove the dependency");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::Rule;
    use crate::rules::tests::{lint_graph, lint_graph_ok};

    #[test]
    fn unknown_dependency() {
        insta::assert_snapshot!(lint_graph(&[
            ("a.py", "revision = 'a'\ndown_revision = None\n"),
            ("b.py", "revision = 'b'\ndown_revision = 'a'\ndepends_on = ('zzzz',)\n"),
        ], Rule::UnknownDependsOn), @"
        error[AP206] unknown-depends-on: `depends_on` of `b` names `zzzz`, which is neither a revision nor a branch label
         --> versions/b.py:3:16
          |
        3 | depends_on = ('zzzz',)
          |                ^^^^
          |
          = help: name an existing revision id or branch label, or remove the dependency

        Found 1 problem (1 error) in 1 file
        Run `alembic-preflight explain AP206` for what a rule checks and how to fix it.
        ");
    }

    #[test]
    fn labels_and_ids_resolve() {
        lint_graph_ok(
            &[
                (
                    "a.py",
                    "revision = 'a'\ndown_revision = None\nbranch_labels = ('core',)\n",
                ),
                (
                    "x.py",
                    "revision = 'x'\ndown_revision = None\nbranch_labels = ('extra',)\ndepends_on = 'core'\n",
                ),
                ("y.py", "revision = 'y'\ndown_revision = 'x'\ndepends_on = ['a']\n"),
            ],
            Rule::UnknownDependsOn,
        );
    }
}
