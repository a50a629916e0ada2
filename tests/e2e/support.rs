//! The `Project` harness: a temporary directory, files written into it, and
//! the binary run inside it with a scrubbed environment.

use std::path::{Path, PathBuf};
use std::process::Command;

pub(crate) struct Project {
    _dir: tempfile::TempDir,
    root: PathBuf,
}

pub(crate) struct Output {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Project {
    pub(crate) fn new() -> Self {
        let dir = tempfile::tempdir().expect("temporary directory");
        let root = dir.path().canonicalize().expect("canonical temporary directory");
        Self { _dir: dir, root }
    }

    /// A project with an `alembic.ini` and `migrations/env.py`.
    pub(crate) fn alembic() -> Self {
        let project = Self::new();
        project.write("alembic.ini", "[alembic]\nscript_location = %(here)s/migrations\n");
        project.write("migrations/env.py", "from alembic import context\n");
        project
    }

    pub(crate) fn root(&self) -> &Path {
        &self.root
    }

    pub(crate) fn write(&self, path: &str, contents: impl AsRef<[u8]>) -> &Self {
        let full = self.root.join(path);
        std::fs::create_dir_all(full.parent().expect("a parent")).expect("create directories");
        std::fs::write(full, contents).expect("write file");
        self
    }

    /// Writes `migrations/versions/<name>`.
    pub(crate) fn migration(&self, name: &str, contents: impl AsRef<[u8]>) -> &Self {
        self.write(&format!("migrations/versions/{name}"), contents)
    }

    pub(crate) fn run(&self, args: &[&str]) -> Output {
        run_in(&self.root, args)
    }
}

/// The binary under test: the one `ALEMBIC_PREFLIGHT_BIN` names (CI
/// installs the wheel and tests its binary), else the one cargo built.
pub(crate) fn binary() -> PathBuf {
    std::env::var_os("ALEMBIC_PREFLIGHT_BIN")
        .map_or_else(|| PathBuf::from(env!("CARGO_BIN_EXE_alembic-preflight")), PathBuf::from)
}

pub(crate) fn run_in(dir: &Path, args: &[&str]) -> Output {
    run_with_env(dir, args, &[])
}

/// Runs the binary with extra environment variables.
pub(crate) fn run_with_env(dir: &Path, args: &[&str], vars: &[(&str, &str)]) -> Output {
    let output = Command::new(binary())
        .args(args)
        .current_dir(dir)
        .env_remove("GIT_DIR")
        .env_remove("GIT_INDEX_FILE")
        .env_remove("GIT_WORK_TREE")
        .env_remove("FORCE_COLOR")
        .env_remove("GITHUB_ACTIONS")
        .env("HOME", dir)
        .env("XDG_CONFIG_HOME", dir)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("NO_COLOR", "1")
        .envs(vars.iter().copied())
        .output()
        .expect("the binary runs");
    Output {
        code: output.status.code().expect("exited normally, not by a signal"),
        stdout: String::from_utf8(output.stdout).expect("stdout is UTF-8"),
        stderr: String::from_utf8(output.stderr).expect("stderr is UTF-8"),
    }
}

/// A revision file in the style of Alembic's own template.
pub(crate) fn revision(id: &str, down: &str, create_date: &str) -> String {
    let revises = down
        .trim_matches(|c| c == '\'' || c == '(' || c == ')')
        .replace('\'', "");
    let revises = if revises == "None" { String::new() } else { revises };
    format!(
        "\"\"\"change {id}\n\nRevision ID: {id}\nRevises: {revises}\nCreate Date: {create_date}\n\n\"\"\"\nfrom alembic import op\nimport sqlalchemy as sa\n\n\nrevision = '{id}'\ndown_revision = {down}\nbranch_labels = None\ndepends_on = None\n\n\ndef upgrade():\n    op.add_column('t', sa.Column('c_{id}', sa.Integer()))\n\n\ndef downgrade():\n    op.drop_column('t', 'c_{id}')\n"
    )
}

pub(crate) fn json(output: &Output) -> serde_json::Value {
    serde_json::from_str(&output.stdout).unwrap_or_else(|e| panic!("stdout is JSON ({e}):\n{}", output.stdout))
}

/// `(code, path, line)` of every diagnostic of a JSON document.
pub(crate) fn findings(document: &serde_json::Value) -> Vec<(String, String, u64)> {
    document["diagnostics"]
        .as_array()
        .expect("a diagnostics array")
        .iter()
        .map(|d| {
            (
                d["code"].as_str().expect("code").to_owned(),
                d["path"].as_str().expect("path").to_owned(),
                d["line"].as_u64().expect("line"),
            )
        })
        .collect()
}

/// A git repository around an Alembic project.
pub(crate) struct GitProject {
    pub(crate) project: Project,
    pub(crate) repo: git2::Repository,
}

impl GitProject {
    pub(crate) fn new() -> Self {
        let project = Project::alembic();
        let repo = git2::Repository::init(project.root()).expect("git init");
        {
            let mut config = repo.config().expect("config");
            config.set_str("user.name", "Test").expect("user.name");
            config.set_str("user.email", "test@example.com").expect("user.email");
            config.set_str("init.defaultBranch", "main").expect("branch");
        }
        Self { project, repo }
    }

    pub(crate) fn root(&self) -> &Path {
        self.project.root()
    }

    pub(crate) fn migration(&self, name: &str, contents: impl AsRef<[u8]>) -> &Self {
        self.project.migration(name, contents);
        self
    }

    pub(crate) fn stage(&self, path: &str) -> &Self {
        let mut index = self.repo.index().expect("index");
        index.add_path(Path::new(path)).expect("add to index");
        index.write().expect("write index");
        self
    }

    pub(crate) fn stage_all(&self) -> &Self {
        let mut index = self.repo.index().expect("index");
        index
            .add_all(["*"], git2::IndexAddOption::DEFAULT, None)
            .expect("add all");
        index.update_all(["*"], None).expect("update all");
        index.write().expect("write index");
        self
    }

    pub(crate) fn commit(&self, message: &str) -> &Self {
        let mut index = self.repo.index().expect("index");
        let tree_id = index.write_tree().expect("write tree");
        let tree = self.repo.find_tree(tree_id).expect("tree");
        let signature = git2::Signature::now("Test", "test@example.com").expect("signature");
        let parent = self.repo.head().ok().and_then(|h| h.peel_to_commit().ok());
        let parents: Vec<&git2::Commit<'_>> = parent.iter().collect();
        self.repo
            .commit(Some("HEAD"), &signature, &signature, message, &tree, &parents)
            .expect("commit");
        self
    }

    pub(crate) fn run(&self, args: &[&str]) -> Output {
        self.project.run(args)
    }

    /// The `git` command itself, in the repository, with a scrubbed
    /// environment.
    pub(crate) fn git(&self, args: &[&str]) -> Output {
        git_in(self.root(), args)
    }
}

pub(crate) fn git_in(dir: &Path, args: &[&str]) -> Output {
    git_with_env(dir, args, &[])
}

/// `git` with extra environment variables (for the hooks it runs).
pub(crate) fn git_with_env(dir: &Path, args: &[&str], vars: &[(&str, &Path)]) -> Output {
    let mut git = Command::new("git");
    scrubbed(&mut git, dir)
        .args(args)
        .env("XDG_CONFIG_HOME", dir)
        .envs(vars.iter().copied());
    Output::lossy(&git.output().expect("git runs"))
}

/// `command` run in `dir`, with `dir` as its home, no git variables
/// inherited from a hook, no system git configuration and no colour.
pub(crate) fn scrubbed<'c>(command: &'c mut Command, dir: &Path) -> &'c mut Command {
    command
        .current_dir(dir)
        .env_remove("GIT_DIR")
        .env_remove("GIT_INDEX_FILE")
        .env_remove("GIT_WORK_TREE")
        .env("HOME", dir)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("NO_COLOR", "1")
}

impl Output {
    /// A process's output, its text decoded lossily (git and pre-commit
    /// may print any bytes); `-1` when a signal ended it.
    pub(crate) fn lossy(output: &std::process::Output) -> Self {
        Output {
            code: output.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    }
}

/// A repository with two committed revisions, `a1b9c8d7e6f5` <- `b2c8d7e6f5a4`.
pub(crate) fn committed_chain() -> GitProject {
    let p = GitProject::new();
    p.migration(
        "a1b9c8d7e6f5_init.py",
        revision("a1b9c8d7e6f5", "None", "2024-01-01 10:00:00"),
    )
    .migration(
        "b2c8d7e6f5a4_users.py",
        revision("b2c8d7e6f5a4", "'a1b9c8d7e6f5'", "2024-01-02 10:00:00"),
    )
    .stage_all()
    .commit("initial");
    p
}

/// A program of the project's `.venv` (or of `ALEMBIC_PREFLIGHT_VENV`),
/// checked by running it with `check`. The tests that need one fail
/// without it: `scripts/test.sh` (the README's test command) creates it.
pub(crate) fn venv_program(name: &str, check: &[&str]) -> PathBuf {
    let venv = std::env::var_os("ALEMBIC_PREFLIGHT_VENV")
        .map_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join(".venv"), PathBuf::from);
    let bin = venv.join("bin").join(name);
    let works = Command::new(&bin)
        .args(check)
        .output()
        .is_ok_and(|o| o.status.success());
    assert!(
        works,
        "this test runs {} from the venv, which is missing or broken: run `scripts/test.sh` \
         (or `python3 -m venv .venv && .venv/bin/pip install pre-commit alembic`)",
        bin.display()
    );
    bin
}

/// The venv's Python, with Alembic importable.
pub(crate) fn alembic_python() -> PathBuf {
    venv_program("python", &["-c", "import alembic"])
}

/// Runs the venv's `pre-commit` in `dir`, with its own home (shared by the
/// tests, so hook environments are built once) and a scrubbed environment.
pub(crate) fn pre_commit(dir: &Path, args: &[&str]) -> Output {
    pre_commit_with_env(dir, args, &[])
}

/// `pre-commit` with extra environment variables, which win.
pub(crate) fn pre_commit_with_env(dir: &Path, args: &[&str], vars: &[(&str, &Path)]) -> Output {
    let pre_commit = venv_program("pre-commit", &["--version"]);
    let home = std::env::var_os("HOME").map(PathBuf::from).unwrap_or_default();
    let cargo_home = std::env::var_os("CARGO_HOME").map_or_else(|| home.join(".cargo"), PathBuf::from);
    let rustup_home = std::env::var_os("RUSTUP_HOME").map_or_else(|| home.join(".rustup"), PathBuf::from);
    let mut command = Command::new(pre_commit);
    scrubbed(&mut command, dir)
        .args(args)
        .env("CARGO_HOME", cargo_home)
        .env("RUSTUP_HOME", rustup_home)
        .env(
            "PRE_COMMIT_HOME",
            Path::new(env!("CARGO_MANIFEST_DIR")).join("target/pre-commit-home"),
        )
        .envs(vars.iter().copied());
    Output::lossy(&command.output().expect("pre-commit runs"))
}

/// Records a measured figure for `scripts/test.sh` to print after the
/// tests (libtest hides what passing tests print).
pub(crate) fn record_timing(line: &str) {
    use std::io::Write;
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/hook-timings.txt");
    if let Ok(mut file) = std::fs::OpenOptions::new().create(true).append(true).open(path) {
        let _ = writeln!(file, "{line}");
    }
}

/// An Alembic project whose init revision forks into two heads
/// (`b2c8d7e6f5a4` users and `c3d7e6f5a4b3` orders).
pub(crate) fn forked() -> Project {
    let p = Project::alembic();
    p.migration("a1b9c8d7e6f5_init.py", revision("a1b9c8d7e6f5", "None", "2024-01-01"))
        .migration(
            "b2c8d7e6f5a4_users.py",
            revision("b2c8d7e6f5a4", "'a1b9c8d7e6f5'", "2024-01-02"),
        )
        .migration(
            "c3d7e6f5a4b3_orders.py",
            revision("c3d7e6f5a4b3", "'a1b9c8d7e6f5'", "2024-01-03"),
        );
    p
}

/// Two environments in one `alembic.ini` (`main` and `[tenant]`), `main`
/// holding one revision.
pub(crate) fn two_environments() -> Project {
    let p = Project::new();
    p.write(
        "alembic.ini",
        "[alembic]\nscript_location = main\n\n[tenant]\nscript_location = tenant\n",
    )
    .write("main/env.py", "")
    .write("tenant/env.py", "")
    .write(
        "main/versions/a1b9c8d7e6f5_x.py",
        revision("a1b9c8d7e6f5", "None", "2024-01-01"),
    );
    p
}

/// A directory copied whole, below `to`.
pub(crate) fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}
