//! Suppression comments.
//!
//! `# alembic-preflight: ignore[AP201, empty-downgrade]` on the reported
//! line, or alone on the line above it; `# alembic-preflight:
//! ignore-file[AP105]` anywhere in a file; and `# noqa: AP201`, where only
//! our codes count (other tools' codes in the same `noqa` are theirs).
//! Diagnostics inside a multi-line string (a docstring's `Revises:` line)
//! are suppressed by our directive written in that line of the string, or
//! by a comment after the string's closing quotes, which covers every line
//! of the string. A code that names no rule is reported (AP001
//! invalid-suppression), and so, with `--report-unused-suppressions`, is
//! one that suppresses nothing.

use std::collections::BTreeMap;
use std::ops::Range;
use std::sync::LazyLock;

use regex::Regex;

use crate::diagnostic::{Diagnostic, Emitter};
use crate::render::Sources;
use crate::rule::Rule;
use crate::scan::Scan;

#[derive(Debug)]
struct Directive {
    /// 0-based line of the comment.
    line: usize,
    /// The first line it covers: `line`, or the first line of a
    /// multi-line string that closes on `line` before the comment.
    first: usize,
    /// The comment is the only thing on its line.
    alone: bool,
    file_level: bool,
    codes: Vec<(String, Range<usize>)>,
    used: Vec<bool>,
}

static OURS: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"alembic-preflight:\s*(ignore-file|ignore)\[([^\]]*)\]").expect("valid regex"));
/// Our directive with no code list, or an empty one: it suppresses nothing.
static BARE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"alembic-preflight:\s*(?:ignore-file|ignore)(\[\s*\])?").expect("valid regex"));
static NOQA: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"(?i)\bnoqa\s*:\s*([\w,\s-]+)").expect("valid regex"));

/// A cheap byte test done before scanning a file for directives.
pub fn may_have_directives(bytes: &[u8]) -> bool {
    // One pass with the regex crate's literal search (memchr and SIMD),
    // not a compare at every byte: every file read goes through here.
    static NEEDLES: LazyLock<regex::bytes::Regex> =
        LazyLock::new(|| regex::bytes::Regex::new(r"(?i-u:noqa)|alembic-preflight:").expect("valid regex"));
    NEEDLES.is_match(bytes)
}

/// Whether `text` holds a directive: what [`may_have_directives`] must
/// never miss.
#[cfg(test)]
pub(crate) fn has_directives(text: &str) -> bool {
    !directives(text, &crate::source::LineIndex::new(text)).is_empty()
}

fn directives(text: &str, index: &crate::source::LineIndex) -> Vec<Directive> {
    let scan = Scan::new(text);
    let mut out = Vec::new();
    // Multi-line strings, as (first line, last line).
    let strings: Vec<(usize, usize)> = scan
        .tokens
        .iter()
        .filter(|t| t.kind == crate::scan::Kind::Str)
        .map(|t| (index.line_of(t.start), index.line_of(t.end.saturating_sub(1))))
        .filter(|(first, last)| first < last)
        .collect();
    // Our directive written inside a multi-line string covers its own line.
    for &t in scan.tokens.iter().filter(|t| t.kind == crate::scan::Kind::Str) {
        let body = &text[t.start..t.end];
        if !body.contains('\n') {
            continue;
        }
        for caps in OURS.captures_iter(body) {
            let list = caps.get(2).expect("group 2 always matches");
            let codes = split_codes(list.as_str(), t.start + list.start(), |_| true);
            if !codes.is_empty() {
                let line = index.line_of(t.start + caps.get(0).expect("whole match").start());
                out.push(Directive {
                    line,
                    first: line,
                    alone: false,
                    file_level: &caps[1] == "ignore-file",
                    used: vec![false; codes.len()],
                    codes,
                });
            }
        }
    }
    for comment in &scan.comments {
        let body = &text[comment.clone()];
        let line = index.line_of(comment.start);
        let line_text = &text[index.line_range(text, line)];
        let alone = line_text.trim_start().starts_with('#');
        let first = strings
            .iter()
            .find(|(_, last)| *last == line)
            .map_or(line, |(first, _)| *first);
        let mut push = |file_level: bool, codes: Vec<(String, Range<usize>)>| {
            if !codes.is_empty() {
                let used = vec![false; codes.len()];
                out.push(Directive {
                    line,
                    first,
                    alone,
                    file_level,
                    codes,
                    used,
                });
            }
        };
        for caps in OURS.captures_iter(body) {
            let list = caps.get(2).expect("group 2 always matches");
            let codes = split_codes(list.as_str(), comment.start + list.start(), |_| true);
            push(&caps[1] == "ignore-file", codes);
        }
        // `ignore` with no codes: an empty code, reported as naming none.
        for found in BARE.find_iter(body) {
            let after = &body[found.end()..];
            if found.as_str().ends_with(']') || !after.starts_with('[') {
                let span = comment.start + found.start()..comment.start + found.end();
                push(false, vec![(String::new(), span)]);
            }
        }
        for caps in NOQA.captures_iter(body) {
            let list = caps.get(1).expect("group 1 always matches");
            let ours = |code: &str| {
                code.len() > 2 && code[..2].eq_ignore_ascii_case("AP") && code[2..].bytes().all(|b| b.is_ascii_digit())
            };
            push(false, split_codes(list.as_str(), comment.start + list.start(), ours));
        }
    }
    out
}

fn split_codes(list: &str, offset: usize, keep: impl Fn(&str) -> bool) -> Vec<(String, Range<usize>)> {
    let mut out = Vec::new();
    let mut start = 0;
    // Separators may be several bytes long (a no-break space): offsets
    // come from the characters' own positions.
    let separators = list
        .char_indices()
        .filter(|&(_, c)| c == ',' || c.is_whitespace())
        .map(|(at, c)| (at, at + c.len_utf8()))
        .chain(std::iter::once((list.len(), list.len())));
    for (end, next) in separators {
        let part = &list[start..end];
        if !part.is_empty() && keep(part) {
            out.push((part.to_owned(), offset + start..offset + end));
        }
        start = next;
    }
    out
}

/// Drops suppressed diagnostics; reports invalid (and, when asked, unused)
/// suppressions in `paths` through `emit`.
pub fn apply(
    diagnostics: Vec<Diagnostic>,
    sources: &Sources,
    paths: &[String],
    report_unused: bool,
    emit: &mut Emitter<'_>,
) -> Vec<Diagnostic> {
    let mut by_file = directives_of(&diagnostics, sources, paths);
    let kept = diagnostics
        .into_iter()
        .filter(|d| !suppressed(d, sources, &mut by_file))
        .collect();
    let selected: std::collections::HashSet<&str> = paths.iter().map(String::as_str).collect();
    for (path, directives) in &by_file {
        if selected.contains(path.as_str()) {
            check_directives(path, directives, report_unused, emit);
        }
    }
    kept
}

/// The directives of every file a diagnostic is in, and of `paths`.
fn directives_of(diagnostics: &[Diagnostic], sources: &Sources, paths: &[String]) -> BTreeMap<String, Vec<Directive>> {
    let mut by_file: BTreeMap<String, Vec<Directive>> = BTreeMap::new();
    for path in diagnostics
        .iter()
        .map(|d| d.path.as_str())
        .chain(paths.iter().map(String::as_str))
    {
        if by_file.contains_key(path) {
            continue;
        }
        // Scanning is only worth it where a directive may be.
        if sources
            .text(path)
            .is_some_and(|text| may_have_directives(text.as_bytes()))
            && let Some((text, index)) = sources.get(path)
        {
            by_file.insert(path.to_owned(), directives(text, index));
        }
    }
    by_file
}

/// Whether a directive covers `d`; each one that does is marked used.
fn suppressed(d: &Diagnostic, sources: &Sources, by_file: &mut BTreeMap<String, Vec<Directive>>) -> bool {
    let line = sources
        .get(&d.path)
        .map(|(text, index)| index.line_of(d.range.start.min(text.len())));
    let (Some(line), Some(directives)) = (line, by_file.get_mut(d.path.as_str())) else {
        return false;
    };
    let mut suppressed = false;
    for directive in directives.iter_mut() {
        let here = directive.file_level
            || (directive.first..=directive.line).contains(&line)
            || (directive.alone && directive.line + 1 == line);
        if !here {
            continue;
        }
        for (i, (code, _)) in directive.codes.iter().enumerate() {
            if code.parse::<Rule>().is_ok_and(|r| r == d.rule) {
                directive.used[i] = true;
                suppressed = true;
            }
        }
    }
    suppressed
}

/// AP001 for the codes of a selected file's directives that name no rule,
/// and (when asked) for those that suppressed nothing.
fn check_directives(path: &str, directives: &[Directive], report_unused: bool, emit: &mut Emitter<'_>) {
    for directive in directives {
        for (i, (code, span)) in directive.codes.iter().enumerate() {
            match code.parse::<Rule>() {
                Err(_) if code.is_empty() => {
                    emit.report(
                        Rule::InvalidSuppression,
                        path,
                        span.clone(),
                        "this suppression names no rule, so it suppresses nothing",
                    )
                    .help("name the rules it is for: `# alembic-preflight: ignore[AP201]` (or a rule's name)");
                }
                Err(_) => {
                    let help = match Rule::closest(code) {
                        Some(rule) => format!("did you mean `{}` ({})?", rule.code(), rule.name()),
                        None => "use a code or name from `alembic-preflight rules`".to_owned(),
                    };
                    emit.report(
                        Rule::InvalidSuppression,
                        path,
                        span.clone(),
                        format!("`{code}` names no rule, so this suppression does nothing"),
                    )
                    .help(help);
                }
                Ok(rule) if report_unused && !directive.used[i] => {
                    emit.report(
                        Rule::InvalidSuppression,
                        path,
                        span.clone(),
                        format!(
                            "this suppression of `{}` is unused: nothing here reports it",
                            rule.code()
                        ),
                    )
                    .help("remove it");
                }
                Ok(_) => {}
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::may_have_directives;

    #[test]
    fn the_directive_prefilter_is_the_byte_by_byte_one() {
        let naive = |b: &[u8]| {
            b.windows(4).any(|w| w.eq_ignore_ascii_case(b"noqa")) || b.windows(18).any(|w| w == b"alembic-preflight:")
        };
        for text in [
            &b"x = 1  # noqa: AP201\n"[..],
            b"# NoQa\n",
            b"# alembic-preflight: ignore[AP105]\n",
            b"# Alembic-Preflight: ignore\n",
            b"# alembic-preflight ignore\n",
            b"no qa\n",
            b"\xff\xfenoqa\xe9",
            b"",
            b"noq",
        ] {
            assert_eq!(
                may_have_directives(text),
                naive(text),
                "{:?}",
                String::from_utf8_lossy(text)
            );
        }
    }

    use super::*;
    use crate::source::LineIndex;

    fn codes(text: &str) -> Vec<(usize, bool, Vec<String>)> {
        directives(text, &LineIndex::new(text))
            .into_iter()
            .map(|d| (d.line, d.file_level, d.codes.into_iter().map(|c| c.0).collect()))
            .collect()
    }

    #[test]
    fn forms() {
        let text = "x = 1  # alembic-preflight: ignore[AP201, empty-downgrade]\n# alembic-preflight: ignore-file[AP105]\ny = 2  # noqa: E501, AP502\ns = '# alembic-preflight: ignore[AP999]'\n";
        assert_eq!(
            codes(text),
            [
                (0, false, vec!["AP201".to_owned(), "empty-downgrade".to_owned()]),
                (1, true, vec!["AP105".to_owned()]),
                (2, false, vec!["AP502".to_owned()]),
            ]
        );
    }

    #[test]
    fn a_directive_without_codes_is_kept_as_naming_none() {
        let text = "x = 1  # alembic-preflight: ignore\ny = 2  # alembic-preflight: ignore-file[ ]\nz = 3  # alembic-preflight: ignore[AP201]\n";
        assert_eq!(
            codes(text),
            [
                (0, false, vec![String::new()]),
                (1, false, vec![String::new()]),
                (2, false, vec!["AP201".to_owned()]),
            ]
        );
    }

    #[test]
    fn docstring_diagnostics_are_suppressed_in_and_after_the_string() {
        use crate::rules::tests::{MemTree, lint_tree};
        let file = |header: &str, close: &str| {
            format!(
                "\"\"\"Add users.\n\nRevision ID: 1f2e3d4c5b6a\n{header}\nCreate Date: 2024-05-01 10:00:00\n\n\"\"\"{close}\nrevision = '1f2e3d4c5b6a'\ndown_revision = None\n"
            )
        };
        let lint = |text: String| {
            let tree = MemTree::versions(&[("1f2e3d4c5b6a_users.py", text.as_str())]);
            lint_tree(&tree, Some(Rule::DocstringRevisesMismatch))
        };
        assert!(lint(file("Revises: 4a5b6c7d8e9f", "")).contains("AP104"));
        assert_eq!(
            lint(file("Revises: 4a5b6c7d8e9f  alembic-preflight: ignore[AP104]", "")),
            ""
        );
        assert_eq!(lint(file("Revises: 4a5b6c7d8e9f", "  # noqa: AP104")), "");
    }

    #[test]
    fn f02_codes_after_a_multi_byte_space_point_at_the_code() {
        let text = "revision = 'b'  # noqa: AP201\u{a0}AP999\nx = 1  # alembic-preflight: ignore[AP201\u{3000}AP998]\n";
        let found = directives(text, &LineIndex::new(text));
        let spans: Vec<&str> = found
            .iter()
            .flat_map(|d| d.codes.iter().map(|(_, span)| &text[span.clone()]))
            .collect();
        assert_eq!(spans, ["AP201", "AP999", "AP201", "AP998"]);
    }

    #[test]
    fn in_and_after_multi_line_strings() {
        let text = "\"\"\"Add users.\n\nRevises: 1a2b  alembic-preflight: ignore[AP104]\n\"\"\"\n\"\"\"Second.\n\nRevision ID: x\n\"\"\"  # noqa: AP103\n";
        let found: Vec<(usize, usize, Vec<String>)> = directives(text, &LineIndex::new(text))
            .into_iter()
            .map(|d| (d.first, d.line, d.codes.into_iter().map(|c| c.0).collect()))
            .collect();
        assert_eq!(
            found,
            [(2, 2, vec!["AP104".to_owned()]), (4, 7, vec!["AP103".to_owned()])]
        );
    }
}
