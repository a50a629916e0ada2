//! GitHub Actions workflow commands: one annotation per diagnostic,
//! `::error file=…,line=…,col=…,endLine=…,endColumn=…,title=AP201 multiple-heads::message`.

use std::io::{self, Write};

use super::Sources;
use crate::diagnostic::{Diagnostic, Severity};

pub(super) fn render(diagnostics: &[Diagnostic], sources: &Sources, out: &mut dyn Write) -> io::Result<()> {
    for d in diagnostics {
        let start = sources.position(&d.path, d.range.start);
        let end = sources.position(&d.path, d.range.end);
        let command = match d.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        let mut message = d.message.clone();
        if let Some(help) = &d.help {
            message.push_str("\nhelp: ");
            message.push_str(help);
        }
        writeln!(
            out,
            "::{command} file={},line={},col={},endLine={},endColumn={},title={}::{}",
            property(&d.path),
            start.line,
            start.column,
            end.line,
            end.column,
            property(&format!("{} {}", d.rule.code(), d.rule.name())),
            data(&message)
        )?;
    }
    Ok(())
}

/// Escaping for the message part of a workflow command.
fn data(s: &str) -> String {
    s.replace('%', "%25").replace('\r', "%0D").replace('\n', "%0A")
}

/// Escaping for a property value.
fn property(s: &str) -> String {
    data(s).replace(':', "%3A").replace(',', "%2C")
}
