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
    fix: Option<JsonFix<'a>>,
}

#[derive(Serialize)]
struct JsonFix<'a> {
    applicability: crate::diagnostic::Applicability,
    message: &'a str,
    edits: Vec<JsonEdit<'a>>,
}

/// An edit, placed like the diagnostic (its end exclusive).
#[derive(Serialize)]
struct JsonEdit<'a> {
    path: &'a str,
    line: usize,
    column: usize,
    end_line: usize,
    end_column: usize,
    content: &'a str,
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
                    fix: d.fix.as_ref().map(|fix| JsonFix {
                        applicability: fix.applicability,
                        message: &fix.message,
                        edits: fix
                            .edits
                            .iter()
                            .map(|e| {
                                let start = sources.position(&d.path, e.range.start);
                                let end = sources.position(&d.path, e.range.end);
                                JsonEdit {
                                    path: &d.path,
                                    line: start.line,
                                    column: start.column,
                                    end_line: end.line,
                                    end_column: end.column,
                                    content: &e.content,
                                }
                            })
                            .collect(),
                    }),
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
