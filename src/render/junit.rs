//! JUnit XML, which most CI systems show as test results: one test suite
//! per file with diagnostics, one failing test case per diagnostic; a clean
//! run is one passing test case.

use std::io::{self, Write};

use super::{Sources, printable};
use crate::diagnostic::{Diagnostic, Severity};

pub(super) fn render(diagnostics: &[Diagnostic], sources: &Sources, out: &mut dyn Write) -> io::Result<()> {
    writeln!(out, r#"<?xml version="1.0" encoding="UTF-8"?>"#)?;
    let tests = diagnostics.len().max(1);
    writeln!(
        out,
        r#"<testsuites name="alembic-preflight" tests="{tests}" failures="{}" errors="0">"#,
        diagnostics.len()
    )?;
    if diagnostics.is_empty() {
        writeln!(
            out,
            r#"  <testsuite name="alembic-preflight" tests="1" failures="0" errors="0">"#
        )?;
        writeln!(
            out,
            r#"    <testcase name="All checks passed" classname="alembic-preflight"/>"#
        )?;
        writeln!(out, "  </testsuite>")?;
    }
    // Diagnostics come sorted by path: one suite per run of a path.
    let mut start = 0;
    while start < diagnostics.len() {
        let path = &diagnostics[start].path;
        let end = start + diagnostics[start..].iter().take_while(|d| &d.path == path).count();
        let group = &diagnostics[start..end];
        writeln!(
            out,
            r#"  <testsuite name="{}" tests="{}" failures="{}" errors="0">"#,
            escape(path),
            group.len(),
            group.len()
        )?;
        for d in group {
            let at = sources.position(&d.path, d.range.start);
            let kind = match d.severity {
                Severity::Error => "error",
                Severity::Warning => "warning",
            };
            writeln!(
                out,
                r#"    <testcase name="{} {}:{}:{}" classname="{}" file="{}" line="{}">"#,
                d.rule.code(),
                escape(&d.path),
                at.line,
                at.column,
                escape(d.rule.name()),
                escape(&d.path),
                at.line
            )?;
            let mut text = format!(
                "{}:{}:{}: {} [{kind}] {}",
                d.path,
                at.line,
                at.column,
                d.rule.code(),
                d.message
            );
            if let Some(help) = &d.help {
                text.push_str("\nhelp: ");
                text.push_str(help);
            }
            writeln!(
                out,
                r#"      <failure message="{}" type="{}">{}</failure>"#,
                escape(&d.message),
                d.rule.code(),
                escape(&text)
            )?;
            writeln!(out, "    </testcase>")?;
        }
        writeln!(out, "  </testsuite>")?;
        start = end;
    }
    writeln!(out, "</testsuites>")
}

/// Text as XML attribute and element content: the five markup characters
/// escaped, control characters (which XML 1.0 cannot hold) shown escaped.
fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\n' => out.push_str("&#10;"),
            c if c.is_control() => out.push_str(&printable(&c.to_string())),
            c => out.push(c),
        }
    }
    out
}
