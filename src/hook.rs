//! The native git hooks, `pre-commit` and `pre-merge-commit`: installed
//! where git looks for hooks, never at the cost of a hook already there.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};

use crate::git::Repo;

/// The line that marks a hook as ours, for people reading it.
pub const MARKER: &str = "# installed by alembic-preflight";
const TEMPLATE: &str = include_str!("../hooks/pre-commit");
/// Templates earlier versions installed: their hooks are ours too.
const EARLIER: &[&str] = &[
    include_str!("../hooks/earlier/pre-commit-1"),
    include_str!("../hooks/earlier/pre-commit-2"),
    include_str!("../hooks/earlier/pre-commit-3"),
    include_str!("../hooks/earlier/pre-commit-4"),
];

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

/// The hooks git runs that `install` writes, with when git runs them: a
/// clean `git merge` runs `pre-merge-commit`, not `pre-commit`.
pub const HOOKS: &[(&str, &str)] = &[("pre-commit", "each commit"), ("pre-merge-commit", "each merge commit")];

/// What is at a hook's path.
enum Found {
    Nothing,
    Ours,
    /// A file that is not one of our hooks, and why it is not.
    Theirs(&'static str),
    /// The pre-commit framework's hook: it runs `<hook>.legacy` itself, so
    /// keeping it aside there would make it run itself.
    PreCommits,
}

/// The marks of the pre-commit framework's hook scripts, current and prior.
const PRE_COMMIT_IDS: &[&str] = &[
    "138fd403232d2ddd5efb44317e38bf03",
    "4d9958c90bc262f47553e2c073f14cfe",
    "d8ee923c46731b42cd95cc869add4062",
    "49fd668cb42069aa1b6048464be5d395",
    "79f09a650522a87b0da915d0d983b2de",
    "e358c9dae00eac5d06b38dfdb1e33a8c",
];

fn found(path: &Path) -> Found {
    let Ok(meta) = path.symlink_metadata() else {
        return Found::Nothing;
    };
    if meta.file_type().is_symlink() {
        return Found::Theirs("it is a symbolic link, which alembic-preflight never installs");
    }
    if !meta.is_file() {
        return Found::Theirs("it is not a regular file");
    }
    let Ok(bytes) = fs::read(path) else {
        return Found::Theirs("it cannot be read");
    };
    let text = String::from_utf8_lossy(&bytes);
    if is_ours(&bytes) {
        Found::Ours
    } else if PRE_COMMIT_IDS.iter().any(|id| text.contains(id)) {
        Found::PreCommits
    } else if text.contains(MARKER) {
        Found::Theirs("alembic-preflight installed it, but it was edited since")
    } else {
        Found::Theirs("another tool or a person wrote it")
    }
}

/// The message for a repository whose hooks the pre-commit framework runs.
fn managed_by_pre_commit(hook: &Path) -> String {
    format!(
        "{} is the pre-commit framework's hook: this repository's hooks are managed by pre-commit; nothing was changed.\n\
         Add alembic-preflight to .pre-commit-config.yaml instead (its hook id is `alembic-preflight`; see \
         docs/install.md, \"With the pre-commit framework\"), then run `pre-commit install`",
        hook.display()
    )
}

pub fn install(repo: &Repo, force: bool, out: &mut dyn Write) -> Result<()> {
    let dir = repo.hooks_dir()?;
    let binary = std::env::current_exe().context("cannot tell where this binary is")?;
    let binary = binary.canonicalize().unwrap_or(binary);
    let hooks: Vec<(PathBuf, &str, Found)> = HOOKS
        .iter()
        .map(|(name, when)| {
            let hook = dir.join(name);
            let before = found(&hook);
            (hook, *when, before)
        })
        .collect();
    // Every hook is judged before any is written: a refusal changes nothing.
    for (hook, _, before) in &hooks {
        match before {
            Found::PreCommits => bail!("{}", managed_by_pre_commit(hook)),
            Found::Theirs(why) if !force => bail!(
                "{} already exists and is not a hook alembic-preflight installed ({why}); nothing was changed.\n\
                 Run `alembic-preflight install --force` to keep it as {} and run it before the check,\n\
                 or add `alembic-preflight check --staged` to it yourself",
                hook.display(),
                kept_of(hook).display()
            ),
            _ => {}
        }
    }
    fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    for (hook, when, before) in hooks {
        place(&dir, &hook, &binary, &before, out)?;
        let verb = if matches!(before, Found::Ours) {
            "updated"
        } else {
            "installed"
        };
        writeln!(
            out,
            "{verb} {}: runs `{} check --staged` before {when}",
            hook.display(),
            binary.display()
        )?;
    }
    Ok(())
}

fn legacy_of(hook: &Path) -> PathBuf {
    let mut name = hook.as_os_str().to_owned();
    name.push(".legacy");
    PathBuf::from(name)
}

/// Where `install --force` keeps a foreign hook: a name no hook manager
/// uses (pre-commit's installer moves the hook it finds to `.legacy`,
/// over whatever is there).
fn kept_of(hook: &Path) -> PathBuf {
    let mut name = hook.as_os_str().to_owned();
    name.push(".alembic-preflight-kept");
    PathBuf::from(name)
}

/// Writes our hook at `hook`, keeping a foreign one as
/// `<hook>.alembic-preflight-kept`.
fn place(dir: &Path, hook: &Path, binary: &Path, before: &Found, out: &mut dyn Write) -> Result<()> {
    // Ours is written in full before anything is moved: a failure leaves
    // the hooks as they were.
    let temporary = Temporary::write(dir, &script(binary))?;
    if !matches!(before, Found::Theirs(_)) {
        return temporary.replace(hook);
    }
    let legacy = kept_of(hook);
    // A second name for their hook, made only if none exists: two installs
    // at once cannot both move a hook there, nor overwrite one. A symbolic
    // link is linked itself, not what it points to.
    fs::hard_link(hook, &legacy).map_err(|e| {
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
    if let Err(e) = temporary.replace(hook) {
        // Theirs is still in place; drop the second name.
        let _ = fs::remove_file(&legacy);
        return Err(e);
    }
    writeln!(out, "kept the existing hook as {}; it runs first", legacy.display())?;
    Ok(())
}

pub fn uninstall(repo: &Repo, out: &mut dyn Write) -> Result<()> {
    let dir = repo.hooks_dir()?;
    let mut left = Vec::new();
    let mut removed_any = false;
    for (name, _) in HOOKS {
        let hook = dir.join(name);
        let kept = kept_of(&hook);
        // Where the hook we replaced is: our name for it, or the name an
        // earlier version kept it under.
        let legacy = if kept.symlink_metadata().is_ok() {
            kept.clone()
        } else {
            legacy_of(&hook)
        };
        match found(&hook) {
            Found::Nothing => continue,
            Found::Ours => {}
            Found::PreCommits if matches!(found(&legacy_of(&hook)), Found::Ours) => {
                // pre-commit kept our hook aside and runs it first; the
                // hook we kept goes where pre-commit runs it.
                let ours = legacy_of(&hook);
                fs::remove_file(&ours).with_context(|| format!("cannot remove {}", ours.display()))?;
                writeln!(out, "removed {} (the pre-commit framework ran it)", ours.display())?;
                if kept.symlink_metadata().is_ok() {
                    fs::rename(&kept, &ours).with_context(|| format!("cannot restore {}", kept.display()))?;
                    writeln!(
                        out,
                        "restored the previous hook from {} as {} (the pre-commit framework runs it)",
                        kept.display(),
                        ours.display()
                    )?;
                }
                removed_any = true;
                continue;
            }
            Found::PreCommits => {
                left.push((hook, "it is the pre-commit framework's"));
                continue;
            }
            Found::Theirs(why) => {
                left.push((hook, why));
                continue;
            }
        }
        removed_any = true;
        if legacy.symlink_metadata().is_ok() {
            // One rename puts the previous hook back in place of ours.
            fs::rename(&legacy, &hook).with_context(|| format!("cannot restore {}", legacy.display()))?;
            writeln!(out, "removed {}", hook.display())?;
            writeln!(out, "restored the previous hook from {}", legacy.display())?;
        } else {
            fs::remove_file(&hook).with_context(|| format!("cannot remove {}", hook.display()))?;
            writeln!(out, "removed {}", hook.display())?;
        }
    }
    if !removed_any {
        if let Some((hook, why)) = left.first() {
            bail!(
                "{} is not a hook alembic-preflight installed ({why}); it was left as it is",
                hook.display()
            );
        }
        writeln!(out, "no alembic-preflight hook in {}; nothing to do", dir.display())?;
    }
    for (hook, why) in left {
        writeln!(
            out,
            "left {} as it is: not a hook alembic-preflight installed ({why})",
            hook.display()
        )?;
    }
    Ok(())
}

/// An executable file beside the hook, named for this process so that two
/// installs at once never share it, and removed unless it replaces the hook.
struct Temporary {
    path: PathBuf,
    placed: bool,
}

impl Temporary {
    fn write(dir: &Path, contents: &str) -> Result<Self> {
        let path = dir.join(format!("alembic-preflight-{}.tmp", std::process::id()));
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
