//! AP201 multiple-heads: see `docs/rules/multiple-heads.md`.

use super::{Ownership, Rule};
use crate::config::Settings;
use compact_str::CompactString;

use crate::diagnostic::{Applicability, Edit, Emitter, Fix};
use crate::graph::{Graph, MigrationFile};
use crate::scan::migration::Value;

pub(crate) fn check(graph: &Graph<'_>, settings: &Settings, owned: &dyn Fn(&str) -> Ownership, emit: &mut Emitter<'_>) {
    if graph.incomplete || graph.heads.len() < 2 {
        return;
    }
    // Heads conflict when no label tells them apart and they share history
    // (a root above both); heads of unrelated roots are the business of
    // multiple-bases.
    let expected = settings.expected_heads(&graph.env.script_location);
    for mut heads in graph.head_groups() {
        // Heads kept on purpose (`expected-heads`). A revision whose parent
        // cannot be read, below one of these heads, may join two of them
        // into one: only the heads no such revision can take away are
        // certain. One that no head here descends from can only add one.
        let reach = if graph.unreadable_parents.is_empty() {
            Vec::new()
        } else {
            graph.ancestors_of_any(&heads)
        };
        let may_join = graph.unreadable_parents.iter().filter(|&&u| reach[u]).count();
        if heads.len().saturating_sub(may_join) <= expected.max(1) {
            continue;
        }
        // The head to re-point, and to report on, is the one the change
        // adds: re-pointing a head the baseline has rewrites history, and
        // one another branch has published (a merge brings it in) is never
        // this branch's to change. Among heads equally owned, the newest.
        heads.sort_by_key(|&h| (owned(&graph.nodes[h].file.path), graph.age_key(h)));
        let newest = *heads.last().expect("groups have two members");
        let others = &heads[..heads.len() - 1];
        let node = |i: usize| &graph.nodes[i];
        let ids: Vec<String> = heads.iter().rev().map(|&h| format!("`{}`", node(h).id)).collect();
        let common = graph.common_ancestor(&heads);
        let branch = match graph.labels_of(newest).first() {
            Some(label) => format!(" on branch `{label}`"),
            None => String::new(),
        };
        let fork = common.map_or(String::new(), |c| format!("; they fork from `{}`", node(c).id));
        let unreadable = match graph.unreadable_parents.len() {
            0 => String::new(),
            1 => "; 1 revision of this environment has a `down_revision` that cannot be read".to_owned(),
            n => format!("; {n} revisions of this environment have a `down_revision` that cannot be read"),
        };
        let message = format!("{} heads{branch}: {}{fork}{unreadable}", heads.len(), join_and(&ids));
        let merge_ids: Vec<&str> = heads.iter().map(|&h| node(h).id).collect();
        let merge = format!(
            "`alembic-preflight merge {} -m \"merge heads\"` (or `alembic merge` with the same heads)",
            merge_ids.join(" ")
        );
        let help = match (others, common) {
            ([other], Some(common)) => {
                let start = branch_start(graph, newest, common, others);
                // The docstring's `Revises:` must follow, or the next check
                // reports it stale.
                let header = if node(start)
                    .file
                    .facts
                    .header
                    .as_ref()
                    .is_some_and(|h| h.revises.is_some())
                {
                    format!(" (and `Revises: {}` in its docstring)", node(*other).id)
                } else {
                    String::new()
                };
                format!(
                    "set `down_revision = \"{}\"` in {}{header} so that `{}` follows `{}` ({}), or run {merge}",
                    node(*other).id,
                    node(start).file.path,
                    node(start).id,
                    node(*other).id,
                    node(*other).file.path,
                )
            }
            _ => format!("run {merge} and commit the merge revision"),
        };
        let fork_point = common.map_or("no common ancestor", |c| node(c).id);
        let mut report = emit
            .report(
                Rule::MultipleHeads,
                &node(newest).file.path,
                node(newest).file.revision_span(),
                message,
            )
            .help(help)
            .identity(format!("{fork_point} into {}", heads.len()));
        for &other in others {
            report = report.related(
                &node(other).file.path,
                node(other).file.revision_span(),
                format!("other head `{}`", node(other).id),
            );
        }
        // Re-pointing is certain only for a revision this change adds: one
        // the baseline has is history others may have applied.
        if let ([other], Some(common)) = (others, common) {
            let start = branch_start(graph, newest, common, others);
            if owned(&node(start).file.path) == Ownership::Added
                && let Some(fix) = repoint(node(start).file, node(common).id, node(*other).id)
            {
                report = report.fix(fix);
            }
        }
        if let Some(common) = common {
            let start = branch_start(graph, newest, common, others);
            if start != newest {
                report = report.related(
                    &node(start).file.path,
                    node(start).file.down_revision_span(),
                    format!("`{}` branches off `{}` here", node(start).id, node(common).id),
                );
            }
            let _ = report.related(
                &node(common).file.path,
                node(common).file.revision_span(),
                format!("common ancestor `{}`", node(common).id),
            );
        }
    }
}

/// `file`'s `down_revision` (and its header) moved from `from` to `onto`,
/// when it names `from` alone, as a literal.
fn repoint(file: &MigrationFile, from: &str, onto: &str) -> Option<Fix> {
    let down = file.facts.down_revision.as_ref()?;
    let item = match &down.value {
        Value::Str(item) => item,
        Value::Seq(items) if items.len() == 1 => &items[0],
        _ => return None,
    };
    if item.value != from {
        return None;
    }
    let mut edits = vec![Edit::replace(&file.path, item.span.clone(), from, onto)];
    if let Some(revises) = file.facts.header.as_ref().and_then(|h| h.revises.as_ref())
        && revises.ids.iter().map(CompactString::as_str).eq([from])
    {
        edits.extend(super::docstring_revises_mismatch::revises_fix(&file.path, revises, &[onto]).edits);
    }
    Some(Fix {
        applicability: Applicability::Safe,
        message: format!("set `down_revision` of the new revision to `{onto}`, the other head"),
        edits,
    })
}

/// The revision on `head`'s side whose `down_revision` names `common`: the
/// one to re-point onto the other head.
fn branch_start(graph: &Graph<'_>, head: usize, common: usize, others: &[usize]) -> usize {
    let theirs = graph.ancestors_of_any(others);
    let mine = graph.ancestors(head);
    (0..graph.nodes.len())
        .filter(|&n| mine[n] && graph.nodes[n].parents.contains(&common) && !theirs[n])
        .min_by_key(|&n| graph.order[n])
        .unwrap_or(head)
}

pub(crate) fn join_and(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::Rule;
    use crate::rules::tests::{lint_graph, lint_graph_ok};

    #[test]
    fn two_branches_from_one_parent() {
        insta::assert_snapshot!(lint_graph(&[
            ("a1_init.py", "\"\"\"Create Date: 2024-01-01 10:00:00\"\"\"\nrevision = 'a1'\ndown_revision = None\n"),
            ("b2_users.py", "\"\"\"Create Date: 2024-01-02 10:00:00\"\"\"\nrevision = 'b2'\ndown_revision = 'a1'\n"),
            ("c3_orders.py", "\"\"\"Create Date: 2024-01-03 10:00:00\"\"\"\nrevision = 'c3'\ndown_revision = 'a1'\n"),
        ], Rule::MultipleHeads), @r#"
        error[AP201] multiple-heads: 2 heads: `c3` and `b2`; they fork from `a1`
         --> versions/c3_orders.py:2:13
          |
        2 | revision = 'c3'
          |             ^^
          |
         ::: versions/b2_users.py:2:13
          |
        2 | revision = 'b2'
          |             -- other head `b2`
          |
         ::: versions/a1_init.py:2:13
          |
        2 | revision = 'a1'
          |             -- common ancestor `a1`
          |
          = help: set `down_revision = "b2"` in versions/c3_orders.py so that `c3` follows `b2` (versions/b2_users.py), or run `alembic-preflight merge b2 c3 -m "merge heads"` (or `alembic merge` with the same heads)

        Found 1 problem (1 error) in 1 file
        Run `alembic-preflight explain AP201` for what a rule checks and how to fix it.
        "#);
    }

    /// F-07: grouping compared every pair of heads over whole ancestry
    /// vectors (cubic: 5,000 heads took 30 s). Heads now meet through the
    /// roots above them and their labels, in one pass; the benchmark's
    /// 10,000-head row shows the growth. The groups are the same.
    #[test]
    fn f07_heads_group_through_shared_roots_and_labels() {
        let mut files = vec![(
            "base.py".to_owned(),
            "revision = 'base'\ndown_revision = None\n".to_owned(),
        )];
        for i in 0..2000 {
            files.push((
                format!("h{i}.py"),
                format!("revision = 'h{i}'\ndown_revision = 'base'\n"),
            ));
        }
        // Another history, its two heads told apart by their labels.
        files.push((
            "other.py".to_owned(),
            "revision = 'other'\ndown_revision = None\nbranch_labels = ('x',)\n".to_owned(),
        ));
        files.push((
            "o1.py".to_owned(),
            "revision = 'o1'\ndown_revision = 'other'\nbranch_labels = ('y',)\n".to_owned(),
        ));
        files.push((
            "o2.py".to_owned(),
            "revision = 'o2'\ndown_revision = 'other'\nbranch_labels = ('z',)\n".to_owned(),
        ));
        let borrowed: Vec<(&str, &str)> = files.iter().map(|(p, t)| (p.as_str(), t.as_str())).collect();
        let out = lint_graph(&borrowed, Rule::MultipleHeads);
        assert_eq!(
            out.matches("error[AP201]").count(),
            2,
            "{}",
            &out[..out.len().min(2000)]
        );
        assert!(out.contains("2000 heads"), "{}", &out[..out.len().min(600)]);
        assert!(
            out.contains("2 heads on branch `x`"),
            "{}",
            &out[out.len().saturating_sub(1500)..]
        );
    }

    /// F-08: a head carries the labels of every revision above it, and
    /// heads below one label conflict however far down they fork.
    #[test]
    fn heads_below_one_label_conflict_and_other_labels_stay_apart() {
        let out = lint_graph(
            &[
                ("a.py", "revision = 'a'\ndown_revision = None\n"),
                (
                    "e.py",
                    "revision = 'e'\ndown_revision = 'a'\nbranch_labels = ('expand',)\n",
                ),
                ("e1.py", "revision = 'e1'\ndown_revision = 'e'\n"),
                (
                    "e2.py",
                    "revision = 'e2'\ndown_revision = 'e1'\nbranch_labels = ('tidy',)\n",
                ),
                ("e3.py", "revision = 'e3'\ndown_revision = 'e1'\n"),
                (
                    "c.py",
                    "revision = 'c'\ndown_revision = 'a'\nbranch_labels = ('contract',)\n",
                ),
            ],
            Rule::MultipleHeads,
        );
        assert_eq!(out.matches("error[AP201]").count(), 1, "{out}");
        assert!(out.contains("2 heads on branch `expand`: `e3` and `e2`"), "{out}");
    }

    #[test]
    fn an_unreadable_parent_only_silences_heads_it_could_join() {
        // `u`'s parent may be `b`: then `m` descends from both heads.
        lint_graph_ok(
            &[
                ("a.py", "revision = 'a'\ndown_revision = None\n"),
                ("b.py", "revision = 'b'\ndown_revision = 'a'\n"),
                ("c.py", "revision = 'c'\ndown_revision = 'a'\n"),
                ("u.py", "revision = 'u'\ndown_revision = parent()\n"),
                ("m.py", "revision = 'm'\ndown_revision = ('u', 'c')\n"),
            ],
            Rule::MultipleHeads,
        );
        // No head descends from `u`: whatever its parent, `b` and `c` stay.
        let out = lint_graph(
            &[
                ("a.py", "revision = 'a'\ndown_revision = None\n"),
                ("b.py", "revision = 'b'\ndown_revision = 'a'\n"),
                ("c.py", "revision = 'c'\ndown_revision = 'a'\n"),
                ("u.py", "revision = 'u'\ndown_revision = parent()\n"),
            ],
            Rule::MultipleHeads,
        );
        assert!(
            out.contains("2 heads: `c` and `b`; they fork from `a`; 1 revision of this environment has a `down_revision` that cannot be read"),
            "{out}"
        );
    }

    #[test]
    fn merged_and_labelled_heads_are_fine() {
        lint_graph_ok(
            &[
                ("a.py", "revision = 'a'\ndown_revision = None\n"),
                ("b.py", "revision = 'b'\ndown_revision = 'a'\n"),
                ("c.py", "revision = 'c'\ndown_revision = 'a'\n"),
                ("m.py", "revision = 'm'\ndown_revision = ('b', 'c')\n"),
            ],
            Rule::MultipleHeads,
        );
        lint_graph_ok(
            &[
                ("a.py", "revision = 'a'\ndown_revision = None\n"),
                (
                    "e.py",
                    "revision = 'e'\ndown_revision = 'a'\nbranch_labels = ('expand',)\n",
                ),
                (
                    "c.py",
                    "revision = 'c'\ndown_revision = 'a'\nbranch_labels = ('contract',)\n",
                ),
            ],
            Rule::MultipleHeads,
        );
    }
}
