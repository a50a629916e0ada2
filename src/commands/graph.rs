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
    format: GraphFormat,
    config: Option<&Path>,
    isolated: bool,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<ExitStatus> {
    let root = Project::open()?.root();
    let settings = settings(&root, config, isolated, &Overrides::default())?;
    let (written, errors) = check::with_graphs(&WorkTree::walk(&root), &settings, |graphs| {
        render::graph::render(format, graphs, out).map(|()| graphs.is_empty())
    });
    if written? {
        labelled(err, &"warning:".yellow().bold(), &[super::no_environment(&root)])?;
    }
    labelled(err, &"error:".red().bold(), &errors)?;
    Ok(if errors.is_empty() {
        ExitStatus::Success
    } else {
        ExitStatus::Error
    })
}
