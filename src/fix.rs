//! Applying fixes: choosing them, editing the bytes of a file the way it
//! was decoded, showing the change as a unified diff, and writing it
//! atomically.
//!
//! A fix is applied whole or not at all: one whose edits overlap an edit
//! already chosen waits for the next run. Edits are offsets into the text
//! a file was decoded to (without its byte-order mark; invalid UTF-8
//! replaced), mapped back to the file's own bytes, so a Latin-1 file keeps
//! its bytes and a BOM stays. Every edit states the text it replaces: a
//! file that no longer holds it is left alone, and the reason said.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::Write;
use std::ops::Range;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};

use crate::diagnostic::{Applicability, Diagnostic, Edit, Fix};

/// The fixes to apply, by file (absolute path), each file's edits sorted.
#[derive(Debug, Default)]
pub struct Plan<'d> {
    pub files: BTreeMap<PathBuf, Vec<&'d Edit>>,
    /// The fixes chosen, with the diagnostic each fixes.
    pub fixes: Vec<(&'d Diagnostic, &'d Fix)>,
}

/// Chooses the fixes of `diagnostics` that `--fix` applies (the unsafe
/// ones too with `unsafe_fixes`), leaving out any that overlaps one chosen
/// before it.
pub fn plan(diagnostics: &[Diagnostic], unsafe_fixes: bool) -> Plan<'_> {
    let mut plan = Plan::default();
    for d in diagnostics {
        let Some(fix) = &d.fix else { continue };
        if fix.applicability == Applicability::Unsafe && !unsafe_fixes {
            continue;
        }
        let overlaps = fix.edits.iter().any(|e| {
            plan.files.get(Path::new(&e.path)).is_some_and(|chosen| {
                chosen.iter().any(|c| {
                    c.range.start < e.range.end.max(e.range.start + 1)
                        && e.range.start < c.range.end.max(c.range.start + 1)
                })
            })
        });
        if overlaps {
            continue;
        }
        for edit in &fix.edits {
            plan.files.entry(PathBuf::from(&edit.path)).or_default().push(edit);
        }
        plan.fixes.push((d, fix));
    }
    for edits in plan.files.values_mut() {
        edits.sort_by_key(|e| e.range.start);
        edits.dedup_by(|a, b| a.range == b.range && a.content == b.content);
    }
    plan
}

/// `bytes` with `edits` made, or why they cannot be.
pub fn edit_bytes(bytes: &[u8], edits: &[&Edit]) -> Result<Vec<u8>, String> {
    let bom = if bytes.starts_with(b"\xEF\xBB\xBF") { 3 } else { 0 };
    let map = OffsetMap::new(&bytes[bom..]);
    let mut out = Vec::with_capacity(bytes.len());
    let mut at = 0;
    for edit in edits {
        let start = bom + map.to_bytes(edit.range.start).ok_or("an edit falls outside the file")?;
        let end = bom + map.to_bytes(edit.range.end).ok_or("an edit falls outside the file")?;
        if start < at || end < start {
            return Err("two edits overlap".to_owned());
        }
        if bytes.get(start..end) != Some(edit.expected.as_bytes()) {
            return Err(format!(
                "it no longer holds `{}` where the check read it",
                edit.expected.trim()
            ));
        }
        out.extend_from_slice(&bytes[at..start]);
        out.extend_from_slice(edit.content.as_bytes());
        at = end;
    }
    out.extend_from_slice(&bytes[at..]);
    Ok(out)
}

/// Offsets in the lossily decoded text, back to offsets in the bytes:
/// each invalid sequence became one U+FFFD (three bytes of text).
struct OffsetMap {
    /// (text offset, byte offset) where each invalid sequence starts, and
    /// its length in bytes.
    invalid: Vec<(usize, usize, usize)>,
    text_len: usize,
}

impl OffsetMap {
    fn new(bytes: &[u8]) -> Self {
        let mut invalid = Vec::new();
        let (mut text, mut byte) = (0, 0);
        for chunk in bytes.utf8_chunks() {
            text += chunk.valid().len();
            byte += chunk.valid().len();
            if !chunk.invalid().is_empty() {
                invalid.push((text, byte, chunk.invalid().len()));
                text += 3;
                byte += chunk.invalid().len();
            }
        }
        OffsetMap {
            invalid,
            text_len: text,
        }
    }

    /// The byte offset of a text offset; `None` inside a replacement
    /// character or past the end.
    fn to_bytes(&self, offset: usize) -> Option<usize> {
        if offset > self.text_len {
            return None;
        }
        // Each replacement before it: three bytes of text, `len` of file.
        let (mut replaced, mut lengths) = (0, 0);
        for &(text, _, len) in &self.invalid {
            if offset <= text {
                break;
            }
            if offset < text + 3 {
                return None;
            }
            replaced += 3;
            lengths += len;
        }
        Some(offset - replaced + lengths)
    }
}

/// A unified diff of `old` to `new`, labelled with `name`: one hunk per run
/// of changed lines, three lines of context around each.
pub fn unified_diff(name: &str, old: &[u8], new: &[u8]) -> String {
    let old_text = String::from_utf8_lossy(old);
    let new_text = String::from_utf8_lossy(new);
    let a: Vec<&str> = old_text.split_inclusive('\n').collect();
    let b: Vec<&str> = new_text.split_inclusive('\n').collect();
    let mut out = format!("--- a/{name}\n+++ b/{name}\n");
    // Edits never add or remove a line, so line `i` of one is line `i` of
    // the other; when they do (no newline at the end changed), one hunk
    // covers what differs between the common head and tail. Each run is
    // (lines of `a`, lines of `b`).
    let runs: Vec<(Range<usize>, Range<usize>)> = if a.len() == b.len() {
        let mut runs: Vec<Range<usize>> = Vec::new();
        for i in (0..a.len()).filter(|&i| a[i] != b[i]) {
            match runs.last_mut() {
                Some(run) if run.end + 6 >= i => run.end = i + 1,
                _ => runs.push(i..i + 1),
            }
        }
        runs.into_iter().map(|r| (r.clone(), r)).collect()
    } else {
        let head = a.iter().zip(&b).take_while(|(x, y)| x == y).count();
        let tail = a[head..]
            .iter()
            .rev()
            .zip(b[head..].iter().rev())
            .take_while(|(x, y)| x == y)
            .count();
        std::iter::once((head..a.len() - tail, head..b.len() - tail)).collect()
    };
    for (in_a, in_b) in runs {
        let from = in_a.start.saturating_sub(3);
        let to_a = (in_a.end + 3).min(a.len());
        let to_b = (in_b.end + 3).min(b.len());
        let _ = writeln!(out, "@@ -{},{} +{},{} @@", from + 1, to_a - from, from + 1, to_b - from);
        let line = |out: &mut String, mark: char, text: &str| {
            out.push(mark);
            out.push_str(text);
            if !text.ends_with('\n') {
                out.push_str("\n\\ No newline at end of file\n");
            }
        };
        for text in &a[from..in_a.start] {
            line(&mut out, ' ', text);
        }
        for text in &a[in_a.clone()] {
            line(&mut out, '-', text);
        }
        for text in &b[in_b] {
            line(&mut out, '+', text);
        }
        for text in &a[in_a.end..to_a] {
            line(&mut out, ' ', text);
        }
    }
    out
}

/// Replaces the file at `path` with `bytes`: written beside it and renamed
/// over it, with its permissions. A symbolic link is refused: the file it
/// leads to may be outside the repository, and replacing the link would
/// turn it into a copy.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> Result<()> {
    let meta = std::fs::symlink_metadata(path).with_context(|| format!("cannot read {}", path.display()))?;
    if meta.file_type().is_symlink() {
        bail!(
            "{} is a symbolic link: fixed by hand, in the file it leads to",
            path.display()
        );
    }
    let dir = path.parent().context("a file to fix has a directory")?;
    let name = path.file_name().context("a file to fix has a name")?.to_string_lossy();
    let temporary = dir.join(format!(".{name}.alembic-preflight-{}", std::process::id()));
    let written = (|| -> std::io::Result<()> {
        let mut file = std::fs::File::create(&temporary)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        std::fs::set_permissions(&temporary, meta.permissions())?;
        std::fs::rename(&temporary, path)
    })();
    if let Err(error) = written {
        let _ = std::fs::remove_file(&temporary);
        return Err(error).with_context(|| format!("cannot write {}", path.display()));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn edit(range: Range<usize>, expected: &str, content: &str) -> Edit {
        Edit::replace("f.py", range, expected, content)
    }

    #[test]
    fn edits_keep_bom_crlf_and_latin1_bytes() {
        let e = edit(18..20, "b1", "b2");
        assert_eq!(
            edit_bytes(b"\xEF\xBB\xBF\"\"\"\r\nRevision ID: b1\r\n", &[&e]).unwrap(),
            b"\xEF\xBB\xBF\"\"\"\r\nRevision ID: b2\r\n"
        );
        // `é` in Latin-1 is one invalid byte, three bytes of decoded text.
        let text = String::from_utf8_lossy(b"# caf\xE9\nRevision ID: b1\n").into_owned();
        let at = text.find("b1").unwrap();
        let e = edit(at..at + 2, "b1", "b2");
        assert_eq!(
            edit_bytes(b"# caf\xE9\nRevision ID: b1\n", &[&e]).unwrap(),
            b"# caf\xE9\nRevision ID: b2\n"
        );
    }

    #[test]
    fn a_changed_file_is_not_edited() {
        let e = edit(13..15, "b1", "b2");
        let why = edit_bytes(b"Revision ID: c9\n", &[&e]).unwrap_err();
        assert!(why.contains("no longer holds `b1`"), "{why}");
        assert!(edit_bytes(b"short", &[&edit(40..42, "b1", "b2")]).is_err());
    }

    #[test]
    fn the_diff_is_unified() {
        let old = b"a\nb\nc\nd\ne\nf\ng\nh\ni\nRevision ID: b1\nj\n";
        let new = b"a\nb\nc\nd\ne\nf\ng\nh\ni\nRevision ID: b2\nj\n";
        assert_eq!(
            unified_diff("v/x.py", old, new),
            "--- a/v/x.py\n+++ b/v/x.py\n@@ -7,5 +7,5 @@\n g\n h\n i\n-Revision ID: b1\n+Revision ID: b2\n j\n"
        );
    }

    #[test]
    fn overlapping_fixes_wait_for_the_next_run() {
        let d = |content: &str| Diagnostic {
            rule: crate::rule::Rule::DocstringRevisionMismatch,
            severity: crate::diagnostic::Severity::Error,
            path: "f.py".to_owned(),
            range: 0..1,
            message: String::new(),
            help: None,
            related: Vec::new(),
            identity: None,
            fix: Some(Fix {
                applicability: Applicability::Safe,
                message: String::new(),
                edits: vec![edit(3..5, "b1", content)],
            }),
        };
        let mut unsafe_one = d("z");
        unsafe_one.fix.as_mut().unwrap().applicability = Applicability::Unsafe;
        let all = [d("b2"), d("b3"), unsafe_one];
        let chosen = plan(&all, true);
        assert_eq!(chosen.fixes.len(), 1);
        assert_eq!(chosen.files[Path::new("f.py")][0].content, "b2");
        assert_eq!(plan(&all[2..], false).fixes.len(), 0);
    }
}
