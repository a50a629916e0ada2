//! `explain`: a rule's documentation, by code or name.

use std::io::Write;

use anyhow::Result;

use super::ExitStatus;
use crate::rule::Rule;

pub fn run(rule: &str, out: &mut dyn Write) -> Result<ExitStatus> {
    let rule: Rule = rule.parse().map_err(|e: String| match Rule::closest(rule) {
        Some(_) => anyhow::anyhow!("{e}"),
        None => anyhow::anyhow!("{e}; `alembic-preflight rules` lists them"),
    })?;
    out.write_all(rule.meta().doc.as_bytes())?;
    Ok(ExitStatus::Success)
}
