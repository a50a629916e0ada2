//! The native git `pre-commit` hook: installed where git looks for hooks,
//! never at the cost of a hook that was already there.

use std::fs;
use std::io::Write;
use std::path::Path;

use anyhow::{Context, Result, bail};

use crate::git::Repo;

/// The line that marks a hook as ours.
pub const MARKER: &str = "# installed by alembic-preflight";
const TEMPLATE: &str = include_str!("../hooks/pre-commit");

/// The hook script, running the binary at `binary` (or the one on `PATH`).
pub fn script(binary: &Path) -> String {
    TEMPLATE.replace("@BINARY@", &shell_quote(&binary.to_string_lossy()))
}

fn shell_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', "'\\''"))
}

fn is_ours(path: &Path) -> bool {
    fs::read(path).is_ok_and(|bytes| String::from_utf8_lossy(&bytes).contains(MARKER))
}

pub fn install(repo: &Repo, force: bool, out: &mut dyn Write) -> Result<()> {
    let dir = repo.hooks_dir()?;
    fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let hook = dir.join("pre-commit");
    let legacy = dir.join("pre-commit.legacy");
    let binary = std::env::current_exe().context("cannot tell where this binary is")?;
    let binary = binary.canonicalize().unwrap_or(binary);
    let exists = hook.symlink_metadata().is_ok();
    if exists && !is_ours(&hook) {
        if !force {
            bail!(
                "{} already exists and was not installed by alembic-preflight; nothing was changed.\n\
                 Run `alembic-preflight install --force` to keep it as pre-commit.legacy and run it before the check,\n\
                 or add `alembic-preflight check --staged` to it yourself",
                hook.display()
            );
        }
        if legacy.symlink_metadata().is_ok() {
            bail!(
                "{} already exists too; move one of the two hooks away first",
                legacy.display()
            );
        }
        fs::rename(&hook, &legacy).with_context(|| format!("cannot move {} aside", hook.display()))?;
        writeln!(out, "moved the existing hook to {}; it runs first", legacy.display())?;
    }
    write_executable(&hook, &script(&binary))?;
    let verb = if exists && is_ours(&hook) && !legacy.exists() {
        "updated"
    } else {
        "installed"
    };
    writeln!(
        out,
        "{verb} {}: runs `{} check --staged` before each commit",
        hook.display(),
        binary.display()
    )?;
    Ok(())
}

pub fn uninstall(repo: &Repo, out: &mut dyn Write) -> Result<()> {
    let dir = repo.hooks_dir()?;
    let hook = dir.join("pre-commit");
    let legacy = dir.join("pre-commit.legacy");
    if hook.symlink_metadata().is_err() {
        writeln!(out, "no pre-commit hook in {}; nothing to do", dir.display())?;
        return Ok(());
    }
    if !is_ours(&hook) {
        bail!(
            "{} was not installed by alembic-preflight; it was left as it is",
            hook.display()
        );
    }
    fs::remove_file(&hook).with_context(|| format!("cannot remove {}", hook.display()))?;
    writeln!(out, "removed {}", hook.display())?;
    if legacy.symlink_metadata().is_ok() {
        fs::rename(&legacy, &hook).with_context(|| format!("cannot restore {}", legacy.display()))?;
        writeln!(out, "restored the previous hook from {}", legacy.display())?;
    }
    Ok(())
}

/// Writes through a temporary file and a rename, then marks it executable.
fn write_executable(path: &Path, contents: &str) -> Result<()> {
    let temporary = path.with_extension("alembic-preflight-tmp");
    fs::write(&temporary, contents).with_context(|| format!("cannot write {}", temporary.display()))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(&temporary, fs::Permissions::from_mode(0o755))
            .with_context(|| format!("cannot make {} executable", temporary.display()))?;
    }
    fs::rename(&temporary, path).with_context(|| format!("cannot write {}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_binary_path_is_quoted_for_sh() {
        let s = script(Path::new("/opt/it's here/alembic-preflight"));
        assert!(s.contains("binary='/opt/it'\\''s here/alembic-preflight'\n"), "{s}");
        assert!(s.starts_with("#!/bin/sh\n") && s.contains(MARKER));
        assert!(!s.contains("@BINARY@"));
    }
}
