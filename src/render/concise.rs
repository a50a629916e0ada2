//! `path:line:col: AP201 [error] message`, one line per diagnostic.

use std::io::{self, Write};

use colored::Colorize;

use super::{Sources, summary};
use crate::diagnostic::{Diagnostic, Severity};

pub(super) fn render(
    diagnostics: &[Diagnostic],
    sources: &Sources,
    quiet: bool,
    out: &mut dyn Write,
) -> io::Result<()> {
    for d in diagnostics {
        let at = sources.position(&d.path, d.range.start);
        let severity = match d.severity {
            Severity::Error => "error".red().bold(),
            Severity::Warning => "warning".yellow().bold(),
        };
        writeln!(
            out,
            "{}:{}:{}: {} [{severity}] {}",
            d.path.bold(),
            at.line,
            at.column,
            d.rule.code().bold(),
            d.message
        )?;
    }
    if let Some(summary) = summary(diagnostics).filter(|_| !quiet) {
        writeln!(out, "{summary}")?;
    }
    Ok(())
}
