//! `graph`: each revision graph, as text, JSON, dot or mermaid.

use std::io::Write;
use std::path::Path;

use anyhow::Result;

use super::ExitStatus;
use colored::Colorize;

use super::{Project, labelled, settings};
use crate::check;
use crate::config::Overrides;
use crate::render::{self, graph::GraphFormat};
use crate::tree::WorkTree;

pub fn run(
    path: Option<&Path>,
    format: GraphFormat,
    config: Option<&Path>,
    isolated: bool,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<ExitStatus> {
    let project = Project::open()?;
    let root = project.root();
    let settings = settings(&root, config, isolated, &Overrides::default())?;
    // The path as the graphs name their locations: from the root, with `/`.
    let wanted = match path {
        Some(path) => {
            let absolute: std::path::PathBuf = project.cwd.join(path).components().collect();
            if !absolute.exists() {
                anyhow::bail!("{}: no such file or directory", path.display());
            }
            let relative = absolute
                .strip_prefix(&root)
                .map_err(|_| anyhow::anyhow!("{}: outside the project at {}", path.display(), root.display()))?;
            Some(crate::tree::path_name(relative))
        }
        None => None,
    };
    let (written, errors) = check::with_graphs(&WorkTree::walk(&root), &settings, |graphs| {
        let chosen: Vec<&crate::graph::Graph<'_>> = graphs
            .iter()
            .filter(|g| wanted.as_deref().is_none_or(|w| concerns(g, w)))
            .collect();
        render::graph::render_some(format, &chosen, out).map(|()| chosen.is_empty())
    });
    if written? {
        let said = match &wanted {
            Some(w) => format!("no Alembic environment holds or lies below `{w}`; nothing to draw"),
            None => super::no_environment(&root),
        };
        labelled(err, &"warning:".yellow().bold(), &[said])?;
    }
    labelled(err, &"error:".red().bold(), &errors)?;
    Ok(if errors.is_empty() {
        ExitStatus::Success
    } else {
        ExitStatus::Error
    })
}

/// The graph lies at or below `path`, or holds it.
fn concerns(graph: &crate::graph::Graph<'_>, path: &str) -> bool {
    let related = |location: &str| {
        path.is_empty()
            || location == path
            || crate::tree::is_under(location, path)
            || crate::tree::is_under(path, location)
    };
    related(&graph.env.script_location) || graph.locations.iter().any(|l| related(l))
}
