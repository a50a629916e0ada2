//! The stable, versioned JSON document (`"version": 1`). Its shape is a
//! contract: fields are only ever added.

use std::io::{self, Write};

use serde::Serialize;

use super::{Sources, Totals};
use crate::diagnostic::{Diagnostic, Severity};

#[derive(Serialize)]
struct Document<'a> {
    version: u32,
    diagnostics: Vec<JsonDiagnostic<'a>>,
    summary: Summary,
}

#[derive(Serialize)]
struct JsonDiagnostic<'a> {
    code: &'static str,
    name: &'static str,
    severity: Severity,
    path: &'a str,
    line: usize,
    column: usize,
    end_line: usize,
    end_column: usize,
    message: &'a str,
    help: Option<&'a str>,
    related: Vec<JsonRelated<'a>>,
    fix: Option<()>,
}

#[derive(Serialize)]
struct JsonRelated<'a> {
    path: &'a str,
    line: usize,
    message: &'a str,
}

#[derive(Serialize)]
struct Summary {
    files_checked: usize,
    errors: usize,
    warnings: usize,
}

pub(super) fn render(
    diagnostics: &[Diagnostic],
    sources: &Sources,
    totals: Totals,
    out: &mut dyn Write,
) -> io::Result<()> {
    let document = Document {
        version: 1,
        diagnostics: diagnostics
            .iter()
            .map(|d| {
                let start = sources.position(&d.path, d.range.start);
                let end = sources.position(&d.path, d.range.end);
                JsonDiagnostic {
                    code: d.rule.code(),
                    name: d.rule.name(),
                    severity: d.severity,
                    path: &d.path,
                    line: start.line,
                    column: start.column,
                    end_line: end.line,
                    end_column: end.column,
                    message: &d.message,
                    help: d.help.as_deref(),
                    related: d
                        .related
                        .iter()
                        .map(|r| JsonRelated {
                            path: &r.path,
                            line: sources.position(&r.path, r.range.start).line,
                            message: &r.message,
                        })
                        .collect(),
                    fix: None,
                }
            })
            .collect(),
        summary: Summary {
            files_checked: totals.files_checked,
            errors: diagnostics.iter().filter(|d| d.severity == Severity::Error).count(),
            warnings: diagnostics.iter().filter(|d| d.severity == Severity::Warning).count(),
        },
    };
    serde_json::to_writer_pretty(&mut *out, &document)?;
    writeln!(out)
}
