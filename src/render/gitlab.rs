//! GitLab's Code Quality report: a JSON array with one issue per
//! diagnostic, which merge requests show inline.

use std::io::{self, Write};

use serde::Serialize;

use super::Sources;
use crate::diagnostic::{Diagnostic, Severity};

#[derive(Serialize)]
struct Issue<'a> {
    description: String,
    check_name: &'static str,
    fingerprint: String,
    severity: &'static str,
    location: Location<'a>,
}

#[derive(Serialize)]
struct Location<'a> {
    path: &'a str,
    lines: Lines,
}

#[derive(Serialize)]
struct Lines {
    begin: usize,
    end: usize,
}

pub(super) fn render(diagnostics: &[Diagnostic], sources: &Sources, out: &mut dyn Write) -> io::Result<()> {
    let mut seen: Vec<u64> = Vec::with_capacity(diagnostics.len());
    let issues: Vec<Issue<'_>> = diagnostics
        .iter()
        .map(|d| {
            let begin = sources.position(&d.path, d.range.start).line;
            let end = sources.position(&d.path, d.range.end).line;
            // Stable across runs and line moves: the rule, the file and the
            // message, and how many such issues came before it.
            let base = fnv1a(&[d.rule.code(), &d.path, &d.message]);
            let repeat = seen.iter().filter(|&&s| s == base).count();
            seen.push(base);
            Issue {
                description: format!("{}: {}", d.rule.code(), d.message),
                check_name: d.rule.name(),
                fingerprint: format!("{base:016x}{repeat:04x}"),
                severity: match d.severity {
                    Severity::Error => "major",
                    Severity::Warning => "minor",
                },
                location: Location {
                    path: &d.path,
                    lines: Lines { begin, end },
                },
            }
        })
        .collect();
    serde_json::to_writer_pretty(&mut *out, &issues)?;
    writeln!(out)
}

/// FNV-1a over the parts, each ended by a zero byte: the same on every
/// machine and every run.
fn fnv1a(parts: &[&str]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for part in parts {
        for &byte in part.as_bytes().iter().chain(&[0]) {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    hash
}
