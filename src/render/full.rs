//! The default format: the rule and message, the location, the source line
//! with a caret, each related location with its own excerpt, the help line,
//! and one summary line at the end.

use std::io::{self, Write};
use std::ops::Range;

use colored::{ColoredString, Colorize};

use super::{Sources, summary};
use crate::diagnostic::{Diagnostic, Severity};
use crate::source::floor_char_boundary;

const TAB: &str = "    ";

pub(super) fn render(
    diagnostics: &[Diagnostic],
    sources: &Sources,
    quiet: bool,
    out: &mut dyn Write,
) -> io::Result<()> {
    for d in diagnostics {
        render_one(d, sources, out)?;
        writeln!(out)?;
    }
    if quiet {
        return Ok(());
    }
    if let Some(summary) = summary(diagnostics) {
        writeln!(out, "{}", summary.bold())?;
    }
    let fixable = |a| {
        diagnostics
            .iter()
            .filter(|d| d.fix.as_ref().is_some_and(|f| f.applicability == a))
            .count()
    };
    let (safe, unsafe_) = (
        fixable(crate::diagnostic::Applicability::Safe),
        fixable(crate::diagnostic::Applicability::Unsafe),
    );
    if safe > 0 {
        writeln!(
            out,
            "{safe} fixable with `alembic-preflight check --fix` (`--diff` shows the change first)."
        )?;
    }
    if unsafe_ > 0 {
        let more = if safe > 0 { " more" } else { "" };
        writeln!(out, "{unsafe_}{more} fixable with `--fix --unsafe-fixes`, to review.")?;
    }
    let mut codes: Vec<&str> = diagnostics.iter().map(|d| d.rule.code()).collect();
    codes.sort_unstable();
    codes.dedup();
    // Every rule that fired is named, the first in the command.
    if let Some((first, rest)) = codes.split_first() {
        let also = if rest.is_empty() {
            String::new()
        } else {
            format!(" (and {})", rest.join(", "))
        };
        writeln!(
            out,
            "Run `alembic-preflight explain {first}`{also} for what a rule checks and how to fix it."
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
    if let Some(fix) = &d.fix {
        let how = match fix.applicability {
            crate::diagnostic::Applicability::Safe => "--fix",
            crate::diagnostic::Applicability::Unsafe => "--fix --unsafe-fixes",
        };
        writeln!(out, "{pad} {} {} (`{how}`)", "= fix:".green().bold(), fix.message)?;
    }
    Ok(())
}

/// The most characters of a source line shown around a span: a longer
/// line is clipped, so output stays linear in the input.
const WINDOW: usize = 200;

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
    // Spans may come from a text that changed since: clamp them to
    // character boundaries of this one.
    let start = floor_char_boundary(text, range.start.min(text.len()));
    let line = index.line_of(start);
    let line_range = index.line_range(text, line);
    let start = start.clamp(line_range.start, line_range.end.max(line_range.start));
    let end = floor_char_boundary(text, range.end.clamp(start, line_range.end.max(start)));
    let (shown, offset, len) = window(
        &text[line_range.start..start],
        &text[start..end],
        &text[end..line_range.end.max(end)],
    );
    writeln!(out, "{bar}")?;
    let number = format!("{:>width$} |", line + 1).blue().bold();
    writeln!(out, "{}", format!("{number} {shown}").trim_end())?;
    let markers = colour(&mark.repeat(len.max(1)));
    let note = if note.is_empty() {
        String::new()
    } else {
        format!(" {}", colour(note))
    };
    writeln!(out, "{bar} {}{markers}{note}", " ".repeat(offset))?;
    writeln!(out, "{bar}")
}

/// The line as shown (tabs expanded, control characters escaped, clipped
/// to [`WINDOW`] characters around the span with `...` where cut), the
/// column the span starts at in it, and how many columns it covers.
fn window(before: &str, marked: &str, after: &str) -> (String, usize, usize) {
    // Only the characters that can be shown are read (one more on each
    // side, to know whether to cut): a long line costs each diagnostic on
    // it the window, not the line.
    let mut before: Vec<String> = before.chars().rev().take(WINDOW + 1).map(shown).collect();
    before.reverse();
    let marked: Vec<String> = marked.chars().take(WINDOW + 1).map(shown).collect();
    let after: Vec<String> = after.chars().take(WINDOW + 1).map(shown).collect();
    let marked_len = marked.len().min(WINDOW);
    let room = WINDOW - marked_len;
    // Context on both sides, most of it before the span.
    let keep_before = before.len().min(room - after.len().min(room / 3));
    let keep_after = after.len().min(room - keep_before);
    let mut line = String::new();
    if keep_before < before.len() {
        line.push_str("...");
    }
    let tail = &before[before.len() - keep_before..];
    line.extend(tail.iter().map(String::as_str));
    let offset = display_width(&line);
    let marked_text: String = marked[..marked_len].concat();
    let len = display_width(&marked_text);
    line.push_str(&marked_text);
    line.extend(after[..keep_after].iter().map(String::as_str));
    if marked_len < marked.len() || keep_after < after.len() {
        line.push_str("...");
    }
    (line, offset, len)
}

/// One character as the excerpt shows it: a tab as spaces, a control
/// character (an escape sequence, a NUL) as its escape, never raw.
fn shown(c: char) -> String {
    match c {
        '\t' => TAB.to_owned(),
        c => super::printable_char(c),
    }
}

fn display_width(s: &str) -> usize {
    s.chars().count()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn f04_long_lines_are_clipped_around_the_span() {
        let before = "x".repeat(10_000);
        let after = "y".repeat(10_000);
        let (line, offset, len) = window(&before, "Index(\"ix_9\")", &after);
        assert!(line.len() <= WINDOW + 6, "{} characters shown", line.len());
        assert!(line.starts_with("...") && line.ends_with("..."), "{line}");
        assert_eq!(&line[offset..offset + len], "Index(\"ix_9\")");
        let (short, offset, len) = window("a = ", "1", "  # ok");
        assert_eq!((short.as_str(), offset, len), ("a = 1  # ok", 4, 1));
    }

    #[test]
    fn f09_control_characters_are_escaped_in_excerpts() {
        let (line, _, _) = window("revision = '", "\u{1b}[31mred", "'");
        assert!(!line.contains('\u{1b}'), "{line:?}");
        assert!(line.contains("\\u{1b}"), "{line:?}");
    }
}
