//! `graph`: each revision graph, as text, JSON, dot or mermaid.

use std::io::Write;
use std::path::Path;

use anyhow::Result;

use super::ExitStatus;
use super::{Project, settings};
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
        render::graph::render(format, graphs, out)
    });
    written?;
    for error in &errors {
        writeln!(
            err,
            "{} {error}",
            colored::Colorize::bold(colored::Colorize::red("error:"))
        )?;
    }
    Ok(if errors.is_empty() {
        ExitStatus::Success
    } else {
        ExitStatus::Error
    })
}
