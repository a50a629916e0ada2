//! The `graph` command's output: the revision graphs themselves, as text
//! (like `alembic history`, but instant), JSON (stable, versioned), Graphviz
//! dot, or Mermaid.

use std::collections::BTreeMap;
use std::io::{self, Write};

use clap::ValueEnum;
use serde::Serialize;

use crate::graph::Graph;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum GraphFormat {
    Text,
    Json,
    Dot,
    Mermaid,
}

#[derive(Serialize)]
struct Document {
    version: u32,
    environments: Vec<Environment>,
}

#[derive(Serialize)]
struct Environment {
    script_location: String,
    version_locations: Vec<String>,
    revisions: usize,
    heads: Vec<String>,
    bases: Vec<String>,
    /// Each literal label, with the revisions that declare it.
    branch_labels: BTreeMap<String, Vec<String>>,
    /// Every revision, newest first.
    revision_list: Vec<Revision>,
}

#[derive(Serialize)]
struct Revision {
    id: String,
    path: String,
    /// The revisions `down_revision` names that are in the graph.
    down_revisions: Vec<String>,
    depends_on: Vec<String>,
    /// The labels this revision declares.
    branch_labels: Vec<String>,
    /// The first line of the docstring.
    message: Option<String>,
    head: bool,
    base: bool,
}

fn revisions(graph: &Graph<'_>) -> Vec<Revision> {
    let ids = |nodes: &[usize]| -> Vec<String> { nodes.iter().map(|&i| graph.nodes[i].id.to_owned()).collect() };
    sorted(graph)
        .into_iter()
        .map(|i| {
            let node = &graph.nodes[i];
            Revision {
                id: node.id.to_owned(),
                path: node.file.path.clone(),
                down_revisions: ids(&node.parents),
                depends_on: ids(&node.dependencies),
                branch_labels: node.own_labels.clone(),
                message: node.file.facts.message.as_deref().map(str::to_owned),
                head: graph.is_head(i),
                base: node.is_base,
            }
        })
        .collect()
}

/// A node's label in dot and mermaid: its id, its message, its labels.
fn node_label(graph: &Graph<'_>, node: usize) -> Vec<String> {
    let node = &graph.nodes[node];
    let mut lines = vec![node.id.to_owned()];
    if let Some(message) = &node.file.facts.message {
        let clipped: String = message.chars().take(60).collect();
        lines.push(clipped);
    }
    if !node.own_labels.is_empty() {
        lines.push(format!("[{}]", node.own_labels.join(", ")));
    }
    lines
}

fn sorted_ids(graph: &Graph<'_>, nodes: &[usize]) -> Vec<String> {
    let mut ids: Vec<String> = nodes.iter().map(|&i| graph.nodes[i].id.to_owned()).collect();
    ids.sort();
    ids
}

fn labels(graph: &Graph<'_>) -> BTreeMap<String, Vec<String>> {
    let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for node in &graph.nodes {
        for label in node.own_labels.iter().filter(|l| !l.starts_with('<')) {
            out.entry(label.clone()).or_default().push(node.id.to_owned());
        }
    }
    for ids in out.values_mut() {
        ids.sort();
    }
    out
}

pub fn render(format: GraphFormat, graphs: &[Graph<'_>], out: &mut dyn Write) -> io::Result<()> {
    render_some(format, &graphs.iter().collect::<Vec<_>>(), out)
}

/// [`render`] for some of the graphs.
pub fn render_some(format: GraphFormat, graphs: &[&Graph<'_>], out: &mut dyn Write) -> io::Result<()> {
    match format {
        GraphFormat::Json => json(graphs, out),
        GraphFormat::Text => text(graphs, out),
        GraphFormat::Dot => dot(graphs, out),
        GraphFormat::Mermaid => mermaid(graphs, out),
    }
}

/// The stable JSON document: one entry per graph.
fn json(graphs: &[&Graph<'_>], out: &mut dyn Write) -> io::Result<()> {
    let document = Document {
        version: 1,
        environments: graphs
            .iter()
            .map(|g| Environment {
                script_location: g.env.script_location.clone(),
                version_locations: g.locations.clone(),
                revisions: g.nodes.len(),
                heads: sorted_ids(g, &g.heads),
                bases: sorted_ids(g, &g.bases),
                branch_labels: labels(g),
                revision_list: revisions(g),
            })
            .collect(),
    };
    serde_json::to_writer_pretty(&mut *out, &document)?;
    writeln!(out)
}

/// Graphviz: one cluster per graph, heads as double octagons, dependencies
/// dashed.
fn dot(graphs: &[&Graph<'_>], out: &mut dyn Write) -> io::Result<()> {
    writeln!(out, "digraph revisions {{")?;
    writeln!(out, "  rankdir=BT;")?;
    for (n, graph) in graphs.iter().enumerate() {
        let name = |node: usize| format!("{n}:{}", graph.nodes[node].id);
        writeln!(out, "  subgraph cluster_{n} {{")?;
        writeln!(out, "    label={:?};", graph.locations.join(", "))?;
        for node in sorted(graph) {
            let shape = if graph.is_head(node) { "doubleoctagon" } else { "box" };
            let label = node_label(graph, node)
                .iter()
                .map(|l| super::printable(l).into_owned())
                .collect::<Vec<_>>()
                .join("\n");
            writeln!(out, "    {:?} [label={:?}, shape={shape}];", name(node), label)?;
        }
        for node in sorted(graph) {
            for &parent in &graph.nodes[node].parents {
                writeln!(out, "    {:?} -> {:?};", name(node), name(parent))?;
            }
            for &dependency in &graph.nodes[node].dependencies {
                writeln!(out, "    {:?} -> {:?} [style=dashed];", name(node), name(dependency))?;
            }
        }
        writeln!(out, "  }}")?;
    }
    writeln!(out, "}}")
}

/// Mermaid: one subgraph per graph, dependencies dotted.
fn mermaid(graphs: &[&Graph<'_>], out: &mut dyn Write) -> io::Result<()> {
    writeln!(out, "graph BT")?;
    for (n, graph) in graphs.iter().enumerate() {
        let title = mermaid_text(&graph.locations.join(", "))
            .replace('[', "#91;")
            .replace(']', "#93;");
        writeln!(out, "  subgraph g{n} [{title}]")?;
        for node in sorted(graph) {
            let id = graph.nodes[node].id;
            let label = node_label(graph, node)
                .iter()
                .map(|l| mermaid_text(l))
                .collect::<Vec<_>>()
                .join("<br/>");
            writeln!(out, "    g{n}_{}[\"{label}\"]", mermaid_id(id))?;
        }
        for node in sorted(graph) {
            let id = mermaid_id(graph.nodes[node].id);
            for &parent in &graph.nodes[node].parents {
                writeln!(out, "    g{n}_{id} --> g{n}_{}", mermaid_id(graph.nodes[parent].id))?;
            }
            for &dependency in &graph.nodes[node].dependencies {
                writeln!(
                    out,
                    "    g{n}_{id} -.-> g{n}_{}",
                    mermaid_id(graph.nodes[dependency].id)
                )?;
            }
        }
        writeln!(out, "  end")?;
    }
    Ok(())
}

fn mermaid_id(id: &str) -> String {
    id.chars()
        .map(|c| if c.is_ascii_alphanumeric() || c == '_' { c } else { '_' })
        .collect()
}

/// Nodes, newest first (reverse topological order, then id).
fn sorted(graph: &Graph<'_>) -> Vec<usize> {
    let mut nodes: Vec<usize> = (0..graph.nodes.len()).collect();
    nodes.sort_by(|&a, &b| {
        graph.order[b]
            .cmp(&graph.order[a])
            .then_with(|| graph.nodes[a].id.cmp(graph.nodes[b].id))
    });
    nodes
}

/// Ids, labels and file names come from files: every one is made
/// printable, so no control character of theirs reaches the terminal.
fn text(graphs: &[&Graph<'_>], out: &mut dyn Write) -> io::Result<()> {
    let shown = |s: &str| super::printable(s).into_owned();
    let all = |ids: &[&str]| ids.iter().map(|id| shown(id)).collect::<Vec<_>>().join(", ");
    for (n, graph) in graphs.iter().enumerate() {
        if n > 0 {
            writeln!(out)?;
        }
        writeln!(
            out,
            "{} ({}): {}",
            shown(&graph.locations.join(", ")),
            shown(&graph.env.origin),
            super::plural(graph.nodes.len(), "revision")
        )?;
        for (what, nodes) in [("heads", &graph.heads), ("bases", &graph.bases)] {
            let ids = sorted_ids(graph, nodes);
            writeln!(
                out,
                "{what}: {}",
                all(&ids.iter().map(String::as_str).collect::<Vec<_>>())
            )?;
        }
        let labels = labels(graph);
        if !labels.is_empty() {
            let shown: Vec<String> = labels
                .iter()
                .map(|(l, ids)| {
                    format!(
                        "{} ({})",
                        shown(l),
                        all(&ids.iter().map(String::as_str).collect::<Vec<_>>())
                    )
                })
                .collect();
            writeln!(out, "branch labels: {}", shown.join(", "))?;
        }
        for node in sorted(graph) {
            let entry = &graph.nodes[node];
            let parents: Vec<&str> = entry.parents.iter().map(|&p| graph.nodes[p].id).collect();
            let from = match (parents.is_empty(), entry.is_base) {
                (false, _) => all(&parents),
                (true, true) => "<base>".to_owned(),
                (true, false) => "<missing>".to_owned(),
            };
            let mut marks = Vec::new();
            if graph.is_head(node) {
                marks.push("head".to_owned());
            }
            if entry.children.len() > 1 {
                marks.push("branchpoint".to_owned());
            }
            if entry.parents.len() > 1 {
                marks.push("mergepoint".to_owned());
            }
            // The labels declared here: the ones in effect below repeat
            // every ancestor's, output quadratic in a labelled history.
            if !entry.own_labels.is_empty() {
                marks.push(shown(&entry.own_labels.join(", ")));
            }
            let marks = if marks.is_empty() {
                String::new()
            } else {
                format!(" ({})", marks.join(") ("))
            };
            writeln!(out, "{from} -> {}{marks}, {}", shown(entry.id), shown(&entry.file.path))?;
        }
    }
    Ok(())
}

/// Text inside a quoted mermaid label: quotes as entities, control
/// characters escaped.
fn mermaid_text(s: &str) -> String {
    super::printable(s).replace('"', "#quot;")
}
