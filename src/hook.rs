//! The native git `pre-commit` hook: installed where git looks for hooks,
//! never at the cost of a hook that was already there.

use std::fs;
use std::io::Write;
use std::path::Path;

use anyhow::{Context, Result, bail};

use crate::git::Repo;

/// The line that marks a hook as ours, for people reading it.
pub const MARKER: &str = "# installed by alembic-preflight";
const TEMPLATE: &str = include_str!("../hooks/pre-commit");
/// Templates earlier versions installed: their hooks are ours too.
const EARLIER: &[&str] = &[include_str!("../hooks/earlier/pre-commit-1")];

/// The hook script, running the binary at `binary` (or the one on `PATH`).
pub fn script(binary: &Path) -> String {
    fill(TEMPLATE, &shell_quote(&binary.to_string_lossy()))
}

fn fill(template: &str, quoted: &str) -> String {
    template.replace("@BINARY@", quoted)
}

fn shell_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', "'\\''"))
}

/// A hook is ours when it is one of our templates exactly, filled in with
/// some binary: a hook that merely mentions the marker, or one of ours a
/// user has edited, is theirs and is never overwritten or removed.
fn is_ours(bytes: &[u8]) -> bool {
    let Ok(text) = std::str::from_utf8(bytes) else {
        return false;
    };
    std::iter::once(TEMPLATE)
        .chain(EARLIER.iter().copied())
        .any(|template| {
            let (before, _) = template.split_once("@BINARY@").expect("the template names the binary");
            text.strip_prefix(before)
                .and_then(|rest| rest.split_once('\n'))
                .is_some_and(|(quoted, _)| fill(template, quoted) == text)
        })
}

/// What is at `path`: nothing, one of our hooks, or someone else's.
enum Found {
    Nothing,
    Ours,
    Theirs,
}

fn found(path: &Path) -> Found {
    match path.symlink_metadata() {
        Err(_) => Found::Nothing,
        Ok(meta) if meta.is_file() && fs::read(path).is_ok_and(|b| is_ours(&b)) => Found::Ours,
        Ok(_) => Found::Theirs,
    }
}

pub fn install(repo: &Repo, force: bool, out: &mut dyn Write) -> Result<()> {
    let dir = repo.hooks_dir()?;
    fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let hook = dir.join("pre-commit");
    let legacy = dir.join("pre-commit.legacy");
    let binary = std::env::current_exe().context("cannot tell where this binary is")?;
    let binary = binary.canonicalize().unwrap_or(binary);
    let before = found(&hook);
    if matches!(before, Found::Theirs) && !force {
        bail!(
            "{} already exists and is not a hook alembic-preflight installed (or it was edited since); nothing was changed.\n\
             Run `alembic-preflight install --force` to keep it as pre-commit.legacy and run it before the check,\n\
             or add `alembic-preflight check --staged` to it yourself",
            hook.display()
        );
    }
    // Ours is written in full before anything is moved: a failure leaves
    // the hooks as they were.
    let temporary = Temporary::write(&dir, &script(&binary))?;
    if matches!(before, Found::Theirs) {
        // A second name for their hook, made only if none exists: two
        // installs at once cannot both move a hook there, nor overwrite one.
        fs::hard_link(&hook, &legacy).map_err(|e| {
            if e.kind() == std::io::ErrorKind::AlreadyExists {
                anyhow::anyhow!(
                    "{} already exists too; move one of the two hooks away first; nothing was changed",
                    legacy.display()
                )
            } else {
                anyhow::Error::new(e).context(format!(
                    "cannot keep {} as {}; nothing was changed",
                    hook.display(),
                    legacy.display()
                ))
            }
        })?;
        if let Err(e) = temporary.replace(&hook) {
            // Theirs is still in place; drop the second name.
            let _ = fs::remove_file(&legacy);
            return Err(e);
        }
        writeln!(out, "kept the existing hook as {}; it runs first", legacy.display())?;
    } else {
        temporary.replace(&hook)?;
    }
    let verb = if matches!(before, Found::Ours) {
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
    match found(&hook) {
        Found::Nothing => {
            writeln!(out, "no pre-commit hook in {}; nothing to do", dir.display())?;
            return Ok(());
        }
        Found::Theirs => bail!(
            "{} is not a hook alembic-preflight installed (or it was edited since); it was left as it is",
            hook.display()
        ),
        Found::Ours => {}
    }
    if legacy.symlink_metadata().is_ok() {
        // One rename puts the previous hook back in place of ours.
        fs::rename(&legacy, &hook).with_context(|| format!("cannot restore {}", legacy.display()))?;
        writeln!(out, "removed {}", hook.display())?;
        writeln!(out, "restored the previous hook from {}", legacy.display())?;
    } else {
        fs::remove_file(&hook).with_context(|| format!("cannot remove {}", hook.display()))?;
        writeln!(out, "removed {}", hook.display())?;
    }
    Ok(())
}

/// An executable file beside the hook, named for this process so that two
/// installs at once never share it, and removed unless it replaces the hook.
struct Temporary {
    path: std::path::PathBuf,
    placed: bool,
}

impl Temporary {
    fn write(dir: &Path, contents: &str) -> Result<Self> {
        let path = dir.join(format!("pre-commit.alembic-preflight-{}.tmp", std::process::id()));
        let _ = fs::remove_file(&path);
        let temporary = Temporary { path, placed: false };
        let mut options = fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o755);
        }
        let written = options
            .open(&temporary.path)
            .and_then(|mut file| file.write_all(contents.as_bytes()).and_then(|()| file.sync_all()));
        written.with_context(|| format!("cannot write {}; nothing was changed", temporary.path.display()))?;
        #[cfg(unix)]
        {
            // The mode given at creation is masked by the umask.
            use std::os::unix::fs::PermissionsExt;
            fs::set_permissions(&temporary.path, fs::Permissions::from_mode(0o755)).with_context(|| {
                format!(
                    "cannot make {} executable; nothing was changed",
                    temporary.path.display()
                )
            })?;
        }
        Ok(temporary)
    }

    fn replace(mut self, hook: &Path) -> Result<()> {
        fs::rename(&self.path, hook).with_context(|| format!("cannot write {}", hook.display()))?;
        self.placed = true;
        Ok(())
    }
}

impl Drop for Temporary {
    fn drop(&mut self) {
        if !self.placed {
            let _ = fs::remove_file(&self.path);
        }
    }
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

    #[test]
    fn ours_is_exactly_one_of_our_templates() {
        for binary in ["/usr/bin/alembic-preflight", "/opt/it's here/ap"] {
            assert!(is_ours(script(Path::new(binary)).as_bytes()), "{binary}");
        }
        let earlier = fill(EARLIER[0], &shell_quote("/usr/local/bin/alembic-preflight"));
        assert!(is_ours(earlier.as_bytes()));
        let ours = script(Path::new("/usr/bin/alembic-preflight"));
        assert!(!is_ours(ours.replacen("\n\n", "\n./lint.sh\n\n", 1).as_bytes()));
        assert!(!is_ours(format!("{ours}\n").as_bytes()));
        assert!(!is_ours(format!("#!/bin/sh\n{MARKER}\nexit 0\n").as_bytes()));
        assert!(!is_ours(b"\xff"));
    }
}
