//! SARIF 2.1.0, for code scanning: the tool's driver with every rule, and
//! one result per diagnostic with its physical location and related ones.

use std::io::{self, Write};

use serde_json::{Value, json};

use super::Sources;
use crate::diagnostic::{Diagnostic, Severity};
use crate::rule::Rule;

fn level(severity: Option<Severity>) -> &'static str {
    match severity {
        Some(Severity::Error) => "error",
        Some(Severity::Warning) => "warning",
        None => "none",
    }
}

fn location(sources: &Sources, path: &str, range: &std::ops::Range<usize>) -> Value {
    let start = sources.position(path, range.start);
    let end = sources.position(path, range.end.max(range.start));
    json!({
        "physicalLocation": {
            "artifactLocation": { "uri": path, "uriBaseId": "%SRCROOT%" },
            "region": {
                "startLine": start.line,
                "startColumn": start.column,
                "endLine": end.line,
                "endColumn": end.column.max(if end.line == start.line { start.column + 1 } else { 1 }),
            }
        }
    })
}

pub(super) fn render(diagnostics: &[Diagnostic], sources: &Sources, out: &mut dyn Write) -> io::Result<()> {
    let rules: Vec<Value> = Rule::ALL
        .iter()
        .map(|rule| {
            let meta = rule.meta();
            json!({
                "id": meta.code,
                "name": meta.name,
                "shortDescription": { "text": meta.summary },
                "fullDescription": { "text": meta.summary },
                "help": { "text": meta.doc, "markdown": meta.doc },
                "defaultConfiguration": { "level": level(meta.default_severity) },
                "properties": { "tags": ["alembic"] },
            })
        })
        .collect();
    let results: Vec<Value> = diagnostics
        .iter()
        .map(|d| {
            let rule_index = Rule::ALL.iter().position(|r| *r == d.rule).unwrap_or(0);
            let mut text = d.message.clone();
            if let Some(help) = &d.help {
                text.push_str("\nhelp: ");
                text.push_str(help);
            }
            let related: Vec<Value> = d
                .related
                .iter()
                .enumerate()
                .map(|(i, r)| {
                    let mut loc = location(sources, &r.path, &r.range);
                    loc["id"] = json!(i + 1);
                    loc["message"] = json!({ "text": r.message });
                    loc
                })
                .collect();
            let mut result = json!({
                "ruleId": d.rule.code(),
                "ruleIndex": rule_index,
                "level": level(Some(d.severity)),
                "message": { "text": text },
                "locations": [location(sources, &d.path, &d.range)],
                "relatedLocations": related,
            });
            if let Some(fix) = &d.fix {
                // SARIF's replacement: a deleted region (empty for an
                // insertion) and the text put there.
                let replacements: Vec<Value> = fix
                    .edits
                    .iter()
                    .map(|e| {
                        let start = sources.position(&d.path, e.range.start);
                        let end = sources.position(&d.path, e.range.end);
                        json!({
                            "deletedRegion": {
                                "startLine": start.line,
                                "startColumn": start.column,
                                "endLine": end.line,
                                "endColumn": end.column,
                            },
                            "insertedContent": { "text": e.content },
                        })
                    })
                    .collect();
                result["fixes"] = json!([{
                    "description": { "text": fix.message },
                    "artifactChanges": [{
                        "artifactLocation": { "uri": d.path, "uriBaseId": "%SRCROOT%" },
                        "replacements": replacements,
                    }],
                    "properties": { "applicability": fix.applicability },
                }]);
            }
            result
        })
        .collect();
    let document = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {
                "driver": {
                    "name": "alembic-preflight",
                    "version": env!("CARGO_PKG_VERSION"),
                    "rules": rules,
                }
            },
            "columnKind": "unicodeCodePoints",
            "results": results,
        }]
    });
    serde_json::to_writer_pretty(&mut *out, &document)?;
    writeln!(out)
}
