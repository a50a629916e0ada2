//! `install` and `uninstall`: the native git `pre-commit` hook.

use std::io::Write;

use anyhow::Result;

use super::ExitStatus;
use super::Project;

pub fn install(force: bool, out: &mut dyn Write) -> Result<ExitStatus> {
    let project = Project::open()?;
    crate::hook::install(
        project.repo("not inside a git repository: there is no hook to install")?,
        force,
        out,
    )?;
    Ok(ExitStatus::Success)
}

pub fn uninstall(out: &mut dyn Write) -> Result<ExitStatus> {
    let project = Project::open()?;
    crate::hook::uninstall(
        project.repo("not inside a git repository: there is no hook to remove")?,
        out,
    )?;
    Ok(ExitStatus::Success)
}
