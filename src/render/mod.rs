//! Output formats. Each renderer writes a sorted slice of diagnostics to a
//! `Write`; colour comes from the `colored` crate's global override, set
//! once at start-up, and never changes the content.

mod concise;
mod full;
mod github;
mod gitlab;
pub mod graph;
mod json;
mod junit;
mod sarif;

use std::collections::BTreeMap;
use std::io::{self, Write};

use clap::ValueEnum;

use crate::diagnostic::{Diagnostic, Severity};
use crate::source::{LineIndex, Position};

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    /// Source excerpts, help and a summary: for people.
    Full,
    /// One line per diagnostic: for grep and editors.
    Concise,
    /// A stable, versioned JSON document: for tools.
    Json,
    /// GitHub Actions annotations.
    Github,
    /// SARIF 2.1.0, for code scanning.
    Sarif,
    /// GitLab's Code Quality report, for merge requests.
    Gitlab,
    /// JUnit XML, for CI systems that show test results.
    Junit,
}

/// The texts diagnostics point into, by root-relative path.
#[derive(Debug, Default)]
pub struct Sources {
    /// Each text, with its line index built the first time it is asked for:
    /// most texts are never rendered.
    texts: BTreeMap<String, (String, std::cell::OnceCell<LineIndex>)>,
}

impl Sources {
    pub fn insert(&mut self, path: String, text: String) {
        self.texts.insert(path, (text, std::cell::OnceCell::new()));
    }

    pub fn paths(&self) -> impl Iterator<Item = &str> {
        self.texts.keys().map(String::as_str)
    }

    /// The text alone, without building its line index.
    pub fn text(&self, path: &str) -> Option<&str> {
        self.texts.get(path).map(|(t, _)| t.as_str())
    }

    pub fn get(&self, path: &str) -> Option<(&str, &LineIndex)> {
        self.texts
            .get(path)
            .map(|(t, i)| (t.as_str(), i.get_or_init(|| LineIndex::new(t))))
    }

    pub fn position(&self, path: &str, offset: usize) -> Position {
        self.get(path).map_or(Position { line: 1, column: 1 }, |(text, index)| {
            index.position(text, offset)
        })
    }

    /// The same texts under the paths `rename` gives.
    #[must_use]
    pub fn renamed(self, rename: impl Fn(&str) -> String) -> Self {
        Self {
            texts: self
                .texts
                .into_iter()
                .map(|(path, text)| (rename(&path), text))
                .collect(),
        }
    }

    /// Keeps only the texts some diagnostic points into; returns the others.
    pub fn retain_used(&mut self, diagnostics: &[Diagnostic]) -> Vec<String> {
        let used: std::collections::BTreeSet<&str> = diagnostics.iter().flat_map(Diagnostic::paths).collect();
        let (kept, unused) = std::mem::take(&mut self.texts)
            .into_iter()
            .partition(|(path, _)| used.contains(path.as_str()));
        self.texts = kept;
        unused.into_iter().map(|(_, (text, _))| text).collect::<Vec<String>>()
    }
}

/// What the run looked at, for summaries.
#[derive(Debug, Clone, Copy, Default)]
pub struct Totals {
    pub files_checked: usize,
}

pub fn render(
    format: OutputFormat,
    diagnostics: &[Diagnostic],
    sources: &Sources,
    totals: Totals,
    out: &mut dyn Write,
) -> io::Result<()> {
    render_quietly(format, diagnostics, sources, totals, false, out)
}

/// [`render`]; `quiet` leaves out the human formats' summary lines.
pub fn render_quietly(
    format: OutputFormat,
    diagnostics: &[Diagnostic],
    sources: &Sources,
    totals: Totals,
    quiet: bool,
    out: &mut dyn Write,
) -> io::Result<()> {
    match format {
        OutputFormat::Full => full::render(&printable_all(diagnostics), sources, quiet, out),
        OutputFormat::Concise => concise::render(&printable_all(diagnostics), sources, quiet, out),
        OutputFormat::Json => json::render(diagnostics, sources, totals, out),
        OutputFormat::Github => github::render(&printable_all(diagnostics), sources, out),
        OutputFormat::Sarif => sarif::render(diagnostics, sources, out),
        OutputFormat::Gitlab => gitlab::render(diagnostics, sources, out),
        OutputFormat::Junit => junit::render(diagnostics, sources, out),
    }
}

/// `s` with every control character escaped (`\u{1b}`, `\n`): text from
/// files (an id, a file name) must never reach a terminal or a CI log raw,
/// where an escape sequence or a line starting `::error` would act.
pub fn printable(s: &str) -> std::borrow::Cow<'_, str> {
    if !s.chars().any(char::is_control) {
        return std::borrow::Cow::Borrowed(s);
    }
    std::borrow::Cow::Owned(s.chars().map(printable_char).collect())
}

/// One character as [`printable`] shows it.
pub(crate) fn printable_char(c: char) -> String {
    if c.is_control() {
        c.escape_default().to_string()
    } else {
        c.to_string()
    }
}

/// The diagnostics with their paths and texts made [`printable`], for the
/// formats people and CI logs read (JSON and SARIF escape on their own).
fn printable_all(diagnostics: &[Diagnostic]) -> Vec<Diagnostic> {
    diagnostics
        .iter()
        .map(|d| {
            let mut d = d.clone();
            d.path = printable(&d.path).into_owned();
            d.message = printable(&d.message).into_owned();
            d.help = d.help.map(|h| printable(&h).into_owned());
            for related in &mut d.related {
                related.message = printable(&related.message).into_owned();
                related.path = printable(&related.path).into_owned();
            }
            d
        })
        .collect()
}

/// `--statistics`: how many diagnostics each rule produced, most first.
pub fn statistics(format: OutputFormat, diagnostics: &[Diagnostic], out: &mut dyn Write) -> io::Result<()> {
    let mut counts: Vec<(crate::rule::Rule, Severity, usize)> = Vec::new();
    for d in diagnostics {
        match counts.iter_mut().find(|(r, _, _)| *r == d.rule) {
            Some(entry) => entry.2 += 1,
            None => counts.push((d.rule, d.severity, 1)),
        }
    }
    counts.sort_by(|a, b| b.2.cmp(&a.2).then(a.0.cmp(&b.0)));
    if format == OutputFormat::Json {
        let rows: Vec<serde_json::Value> = counts
            .iter()
            .map(|(rule, severity, count)| serde_json::json!({ "code": rule.code(), "name": rule.name(), "severity": severity, "count": count }))
            .collect();
        serde_json::to_writer_pretty(&mut *out, &rows)?;
        return writeln!(out);
    }
    let width = counts.iter().map(|c| c.2.to_string().len()).max().unwrap_or(1);
    for (rule, severity, count) in &counts {
        writeln!(
            out,
            "{count:>width$}  {}  {:<7}  {}",
            rule.code(),
            severity.to_string(),
            rule.name()
        )?;
    }
    if let Some(summary) = summary(diagnostics) {
        writeln!(out, "{summary}")?;
    }
    Ok(())
}

/// `Found 3 problems (2 errors, 1 warning) in 2 files`, or `All checks
/// passed!` when clean, as ruff says it.
pub fn summary(diagnostics: &[Diagnostic]) -> Option<String> {
    if diagnostics.is_empty() {
        return Some("All checks passed!".to_owned());
    }
    let errors = diagnostics.iter().filter(|d| d.severity == Severity::Error).count();
    let warnings = diagnostics.len() - errors;
    let files = diagnostics
        .iter()
        .map(|d| d.path.as_str())
        .collect::<std::collections::BTreeSet<_>>()
        .len();
    let mut counts = Vec::new();
    if errors > 0 {
        counts.push(plural(errors, "error"));
    }
    if warnings > 0 {
        counts.push(plural(warnings, "warning"));
    }
    Some(format!(
        "Found {} ({}) in {}",
        plural(diagnostics.len(), "problem"),
        counts.join(", "),
        plural(files, "file")
    ))
}

pub(crate) fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("1 {word}")
    } else {
        format!("{n} {word}s")
    }
}

impl Sources {
    pub fn merge(&mut self, other: Sources) {
        self.texts.extend(other.texts);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostic::{Related, Severity};
    use crate::rule::Rule;

    /// A small deterministic generator (xorshift), so a failure replays.
    struct Random(u64);

    impl Random {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }

        fn below(&mut self, n: usize) -> usize {
            usize::try_from(self.next() % (n.max(1) as u64)).unwrap_or(0)
        }
    }

    /// Random diagnostics over random text, in every format: no span (out of
    /// range, inside a character, reversed, on a line ending) may panic, and
    /// the output stays linear in the input (F-02, F-04, F-19).
    #[test]
    fn f02_f19_any_span_over_any_text_renders_without_panic() {
        const PIECES: [&str; 12] = [
            "a",
            " ",
            "\u{a0}",
            "\u{3000}",
            "é",
            "€",
            "𝄞",
            "\t",
            "\n",
            "\r\n",
            "\r",
            "\u{1b}[2J",
        ];
        let mut random = Random(0x9e37_79b9_7f4a_7c15);
        for round in 0..400 {
            let mut text = String::new();
            for _ in 0..random.below(300) {
                text.push_str(PIECES[random.below(PIECES.len())]);
            }
            let mut sources = Sources::default();
            sources.insert("versions/a.py".to_owned(), text.clone());
            let span = |random: &mut Random| {
                let a = random.below(text.len() + 8);
                let b = random.below(text.len() + 8);
                a..b
            };
            let diagnostics: Vec<Diagnostic> = (0..=random.below(4))
                .map(|_| Diagnostic {
                    rule: Rule::ALL[random.below(Rule::ALL.len())],
                    severity: Severity::Error,
                    path: "versions/a.py".to_owned(),
                    range: span(&mut random),
                    message: "m".to_owned(),
                    help: Some("h".to_owned()),
                    related: vec![Related {
                        path: "versions/a.py".to_owned(),
                        range: span(&mut random),
                        message: "r".to_owned(),
                    }],
                    identity: None,
                    fix: None,
                })
                .collect();
            for format in [
                OutputFormat::Full,
                OutputFormat::Concise,
                OutputFormat::Json,
                OutputFormat::Github,
                OutputFormat::Sarif,
            ] {
                let mut out = Vec::new();
                render(format, &diagnostics, &sources, Totals::default(), &mut out).expect("rendered");
                // SARIF carries the rule catalogue (every rule's page): a
                // constant that grows with the rules, 6 KB a rule at most.
                let catalogue = 6 * 1024 * Rule::ALL.len();
                let bound = catalogue + 4096 * diagnostics.len() + 8 * text.len();
                assert!(
                    out.len() <= bound,
                    "round {round}, {format:?}: {} bytes of output:\n{}",
                    out.len(),
                    String::from_utf8_lossy(&out[..out.len().min(3000)])
                );
            }
        }
    }
}
