//! `rules`: every rule with its code, name, severity as configured for the
//! project the current directory belongs to, and summary.

use std::io::Write;
use std::path::Path;

use anyhow::Result;

use super::ExitStatus;
use super::{Project, closest_settings};
use crate::config::{Overrides, Settings};
use crate::rule::{Rule, Severity};

pub fn run(config: Option<&Path>, isolated: bool, json: bool, out: &mut dyn Write) -> Result<ExitStatus> {
    let project = Project::open()?;
    let (_, settings) = closest_settings(&project, Path::new("."), config, isolated, &Overrides::default())?;
    if json {
        print_json(&settings, out)?;
    } else {
        print_rules(&settings, out)?;
    }
    Ok(ExitStatus::Success)
}

fn severity_name(s: Option<Severity>) -> String {
    s.map_or_else(|| "off".to_owned(), |s| s.to_string())
}

pub(crate) fn print_rules(settings: &Settings, out: &mut dyn Write) -> Result<()> {
    let width = Rule::ALL.iter().map(|r| r.name().len()).max().unwrap_or(0);
    writeln!(out, "{:<6} {:<width$} {:<8} summary", "code", "name", "severity")?;
    for rule in Rule::ALL {
        let meta = rule.meta();
        let effective = settings.severity(*rule);
        let severity = if effective == meta.default_severity {
            severity_name(effective)
        } else {
            format!(
                "{} (default {})",
                severity_name(effective),
                severity_name(meta.default_severity)
            )
        };
        writeln!(
            out,
            "{:<6} {:<width$} {:<8} {}",
            meta.code, meta.name, severity, meta.summary
        )?;
    }
    Ok(())
}

/// One object per rule: `code`, `name`, `severity` (as configured, `off`
/// when off), `default`, `summary`; and which file configured it.
fn print_json(settings: &Settings, out: &mut dyn Write) -> Result<()> {
    let rules: Vec<serde_json::Value> = Rule::ALL
        .iter()
        .map(|rule| {
            let meta = rule.meta();
            serde_json::json!({
                "code": meta.code,
                "name": meta.name,
                "severity": severity_name(settings.severity(*rule)),
                "default": severity_name(meta.default_severity),
                "summary": meta.summary,
            })
        })
        .collect();
    let document = serde_json::json!({
        "settings": settings.source.as_ref().map(|p| p.to_string_lossy().into_owned()),
        "rules": rules,
    });
    serde_json::to_writer_pretty(&mut *out, &document)?;
    writeln!(out)?;
    Ok(())
}
