//! The default format: the rule and message, the location, the source line
//! with a caret, each related location with its own excerpt, the help line,
//! and one summary line at the end.

use std::io::{self, Write};
use std::ops::Range;

use colored::{ColoredString, Colorize};

use super::{Sources, summary};
use crate::diagnostic::{Diagnostic, Severity};

const TAB: &str = "    ";

pub(super) fn render(diagnostics: &[Diagnostic], sources: &Sources, out: &mut dyn Write) -> io::Result<()> {
    for d in diagnostics {
        render_one(d, sources, out)?;
        writeln!(out)?;
    }
    if let Some(summary) = summary(diagnostics) {
        writeln!(out, "{}", summary.bold())?;
        let mut codes: Vec<&str> = diagnostics.iter().map(|d| d.rule.code()).collect();
        codes.sort_unstable();
        codes.dedup();
        writeln!(
            out,
            "Run `alembic-preflight explain {}` for what a rule checks and how to fix it.",
            codes[0]
        )?;
    }
    Ok(())
}

fn render_one(d: &Diagnostic, sources: &Sources, out: &mut dyn Write) -> io::Result<()> {
    let (label, marker_colour): (ColoredString, fn(&str) -> ColoredString) = match d.severity {
        Severity::Error => ("error".red().bold(), |s| s.red().bold()),
        Severity::Warning => ("warning".yellow().bold(), |s| s.yellow().bold()),
    };
    writeln!(
        out,
        "{label}{} {}",
        format!("[{}]", d.rule.code()).bold(),
        format!("{}: {}", d.rule.name(), d.message).bold()
    )?;
    let width = std::iter::once((&d.path, &d.range))
        .chain(d.related.iter().map(|r| (&r.path, &r.range)))
        .map(|(path, range)| sources.position(path, range.start).line.to_string().len())
        .max()
        .unwrap_or(1);
    let pad = " ".repeat(width);
    let at = sources.position(&d.path, d.range.start);
    writeln!(out, "{pad}{} {}:{}:{}", "-->".blue().bold(), d.path, at.line, at.column)?;
    excerpt(sources, &d.path, &d.range, width, "^", "", marker_colour, out)?;
    for related in &d.related {
        let at = sources.position(&related.path, related.range.start);
        writeln!(
            out,
            "{pad}{} {}:{}:{}",
            ":::".blue().bold(),
            related.path,
            at.line,
            at.column
        )?;
        excerpt(
            sources,
            &related.path,
            &related.range,
            width,
            "-",
            &related.message,
            |s| s.blue().bold(),
            out,
        )?;
    }
    if let Some(help) = &d.help {
        writeln!(out, "{pad} {} {help}", "= help:".cyan().bold())?;
    }
    Ok(())
}

#[allow(clippy::too_many_arguments)]
fn excerpt(
    sources: &Sources,
    path: &str,
    range: &Range<usize>,
    width: usize,
    mark: &str,
    note: &str,
    colour: fn(&str) -> ColoredString,
    out: &mut dyn Write,
) -> io::Result<()> {
    let pad = " ".repeat(width);
    let bar = format!("{pad} |").blue().bold();
    let Some((text, index)) = sources.get(path) else {
        return Ok(());
    };
    let start = range.start.min(text.len());
    let line = index.line_of(start);
    let line_range = index.line_range(text, line);
    let source = &text[line_range.clone()];
    let before = &text[line_range.start..start.max(line_range.start)];
    let end = range.end.clamp(start, line_range.end.max(start));
    let marked = &text[start..end];
    let shown = source.replace('\t', TAB);
    let offset = display_width(before);
    let len = display_width(marked).max(1);
    writeln!(out, "{bar}")?;
    let number = format!("{:>width$} |", line + 1).blue().bold();
    writeln!(out, "{}", format!("{number} {shown}").trim_end())?;
    let markers = colour(&mark.repeat(len));
    let note = if note.is_empty() {
        String::new()
    } else {
        format!(" {}", colour(note))
    };
    writeln!(out, "{bar} {}{markers}{note}", " ".repeat(offset))?;
    writeln!(out, "{bar}")
}

fn display_width(s: &str) -> usize {
    s.chars().map(|c| if c == '\t' { TAB.len() } else { 1 }).sum()
}
