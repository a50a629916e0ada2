//! AP204 multiple-bases: see `docs/rules/multiple-bases.md`.

use super::Rule;
use crate::diagnostic::{Applicability, Edit, Emitter, Fix};
use crate::graph::{Graph, MigrationFile};
use crate::scan::migration::Value;

pub(crate) fn check(graph: &Graph<'_>, emit: &mut Emitter<'_>) {
    let groups = graph.base_groups();
    if groups.is_empty() {
        return;
    }
    // Every revision's Create Date, parsed once for all the extra bases.
    let dates: Vec<Option<[u32; 7]>> = graph.nodes.iter().map(crate::graph::Node::date).collect();
    // Sorted once: each base finds the newest revision before it by search.
    let mut dated: Vec<([u32; 7], usize)> = dates
        .iter()
        .enumerate()
        .filter_map(|(i, d)| d.map(|d| (d, i)))
        .collect();
    dated.sort_unstable();
    for mut bases in groups {
        bases.sort_by(|&a, &b| {
            let (ka, kb) = (graph.age_key(a), graph.age_key(b));
            // Dated revisions first, oldest first; then by path.
            (!ka.0, ka.1, ka.2).cmp(&(!kb.0, kb.1, kb.2))
        });
        let first = &graph.nodes[bases[0]];
        for extra in unmerged(graph, &bases) {
            let node = &graph.nodes[extra];
            let message = format!(
                "`{}` is another base (`down_revision = None`), but `{}` ({}) already starts this history",
                node.id, first.id, first.file.path
            );
            let parent = intended_parent(graph, &dated, &dates, extra);
            let help = match parent {
                Some(parent) => format!(
                    "set `down_revision = \"{}\"`: `{}` is the newest revision created before this one",
                    graph.nodes[parent].id, graph.nodes[parent].id
                ),
                None => "set `down_revision` to the revision this one follows, or give it its own `branch_labels` if it starts a separate branch".to_owned(),
            };
            let report = emit
                .report(
                    Rule::MultipleBases,
                    &node.file.path,
                    node.file.down_revision_span(),
                    message,
                )
                .help(help)
                .related(
                    &first.file.path,
                    first.file.down_revision_span(),
                    format!("first base `{}`", first.id),
                );
            if let Some(parent) = parent
                && let Some(fix) = follow(node.file, graph.nodes[parent].id)
            {
                let _ = report.fix(fix);
            }
        }
    }
}

/// `down_revision = None` (and an empty header) set to `parent`. Unsafe:
/// the parent is guessed from the dates, for the author to confirm.
fn follow(file: &MigrationFile, parent: &str) -> Option<Fix> {
    let down = file.facts.down_revision.as_ref()?;
    if !matches!(down.value, Value::None) {
        return None;
    }
    let mut edits = vec![Edit::replace(
        &file.path,
        down.value_span.clone(),
        "None",
        format!("\"{parent}\""),
    )];
    if let Some(revises) = file.facts.header.as_ref().and_then(|h| h.revises.as_ref())
        && revises.ids.is_empty()
    {
        edits.extend(super::docstring_revises_mismatch::revises_fix(&file.path, revises, &[parent]).edits);
    }
    Some(Fix {
        applicability: Applicability::Unsafe,
        message: format!("set `down_revision` to `{parent}`, the newest revision created before it"),
        edits,
    })
}

/// The bases after the first that no merge joins to it. Two roots merged
/// into one head are one history, as Alembic loads them: `upgrade head`
/// runs both. A base whose heads meet the first base's (through other
/// bases so joined, too) is part of its history.
fn unmerged(graph: &Graph<'_>, bases: &[usize]) -> Vec<usize> {
    let heads: Vec<Vec<usize>> = bases
        .iter()
        .map(|&b| graph.descendants(b).into_iter().filter(|&d| graph.is_head(d)).collect())
        .collect();
    let mut joined = vec![false; bases.len()];
    joined[0] = true;
    let mut reached: std::collections::HashSet<usize> = heads[0].iter().copied().collect();
    let mut grew = true;
    while grew {
        grew = false;
        for (i, own) in heads.iter().enumerate() {
            if !joined[i] && own.iter().any(|h| reached.contains(h)) {
                joined[i] = true;
                reached.extend(own.iter().copied());
                grew = true;
            }
        }
    }
    bases.iter().zip(joined).filter(|(_, j)| !j).map(|(&b, _)| b).collect()
}

/// The revision created last before `base` (by `Create Date`) outside the
/// history `base` starts: the head the author meant to follow.
fn intended_parent(
    graph: &Graph<'_>,
    dated: &[([u32; 7], usize)],
    dates: &[Option<[u32; 7]>],
    base: usize,
) -> Option<usize> {
    let date = dates[base]?;
    let mut own = vec![false; graph.nodes.len()];
    for d in graph.descendants(base) {
        own[d] = true;
    }
    // The newest dated revision before it, outside its own history.
    let before = dated.partition_point(|(d, _)| *d < date);
    dated[..before].iter().rev().find(|(_, i)| !own[*i]).map(|&(_, i)| i)
}

#[cfg(test)]
mod tests {
    use crate::rules::Rule;
    use crate::rules::tests::{lint_graph, lint_graph_ok};

    #[test]
    fn second_root_with_dates() {
        insta::assert_snapshot!(lint_graph(&[
            ("a.py", "\"\"\"Create Date: 2024-01-01 10:00:00\"\"\"\nrevision = 'a'\ndown_revision = None\n"),
            ("b.py", "\"\"\"Create Date: 2024-01-02 10:00:00\"\"\"\nrevision = 'b'\ndown_revision = 'a'\n"),
            ("c.py", "\"\"\"Create Date: 2024-01-03 10:00:00\"\"\"\nrevision = 'c'\ndown_revision = None\n"),
        ], Rule::MultipleBases), @r#"
        error[AP204] multiple-bases: `c` is another base (`down_revision = None`), but `a` (versions/a.py) already starts this history
         --> versions/c.py:3:17
          |
        3 | down_revision = None
          |                 ^^^^
          |
         ::: versions/a.py:3:17
          |
        3 | down_revision = None
          |                 ---- first base `a`
          |
          = help: set `down_revision = "b"`: `b` is the newest revision created before this one
          = fix: set `down_revision` to `b`, the newest revision created before it (`--fix --unsafe-fixes`)

        Found 1 problem (1 error) in 1 file
        1 fixable with `--fix --unsafe-fixes`, to review.
        Run `alembic-preflight explain AP204` for what a rule checks and how to fix it.
        "#);
    }

    #[test]
    fn two_roots_merged_into_one_head_are_one_history() {
        lint_graph_ok(
            &[
                ("a.py", "revision = 'a'\ndown_revision = None\n"),
                ("b.py", "revision = 'b'\ndown_revision = None\n"),
                ("c.py", "revision = 'c'\ndown_revision = 'b'\n"),
                ("m.py", "revision = 'm'\ndown_revision = ('a', 'c')\n"),
            ],
            Rule::MultipleBases,
        );
        // A third root that no merge joins is still another base.
        let out = lint_graph(
            &[
                ("a.py", "revision = 'a'\ndown_revision = None\n"),
                ("b.py", "revision = 'b'\ndown_revision = None\n"),
                ("m.py", "revision = 'm'\ndown_revision = ('a', 'b')\n"),
                ("x.py", "revision = 'x'\ndown_revision = None\n"),
            ],
            Rule::MultipleBases,
        );
        assert_eq!(out.matches("error[AP204]").count(), 1, "{out}");
        assert!(out.contains("`x` is another base"), "{out}");
    }

    #[test]
    fn a_labelled_second_root_is_intended() {
        lint_graph_ok(
            &[
                ("a.py", "revision = 'a'\ndown_revision = None\n"),
                (
                    "b.py",
                    "revision = 'b'\ndown_revision = None\nbranch_labels = ('audit',)\n",
                ),
            ],
            Rule::MultipleBases,
        );
    }
}
