//! `rules`: every rule with its code, name, severity as configured, and
//! summary.

use std::io::Write;
use std::path::Path;

use anyhow::Result;

use super::ExitStatus;
use super::{Project, settings};
use crate::config::{Overrides, Settings};
use crate::rule::{Rule, Severity};

pub fn run(config: Option<&Path>, isolated: bool, out: &mut dyn Write) -> Result<ExitStatus> {
    let project = Project::open()?;
    print_rules(
        &settings(&project.root(), config, isolated, &Overrides::default())?,
        out,
    )?;
    Ok(ExitStatus::Success)
}

fn print_rules(settings: &Settings, out: &mut dyn Write) -> Result<()> {
    let width = Rule::ALL.iter().map(|r| r.name().len()).max().unwrap_or(0);
    writeln!(out, "{:<6} {:<width$} {:<8} summary", "code", "name", "severity")?;
    let name = |s: Option<Severity>| s.map_or_else(|| "off".to_owned(), |s| s.to_string());
    for rule in Rule::ALL {
        let meta = rule.meta();
        let effective = settings.severity(*rule);
        let severity = if effective == meta.default_severity {
            name(effective)
        } else {
            format!("{} (default {})", name(effective), name(meta.default_severity))
        };
        writeln!(
            out,
            "{:<6} {:<width$} {:<8} {}",
            meta.code, meta.name, severity, meta.summary
        )?;
    }
    Ok(())
}
