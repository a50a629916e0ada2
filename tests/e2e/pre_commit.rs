//! The real pre-commit framework (installed into `.venv` by `.ci/run`) runs
//! the hook from this repository with `pre-commit try-repo`.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::support::{GitProject, Output, committed_chain, revision};

fn run(p: &GitProject, pre_commit: &Path, args: &[&str]) -> Output {
    let home = std::env::var_os("HOME").map(PathBuf::from).unwrap_or_default();
    let cargo_home = std::env::var_os("CARGO_HOME").map_or_else(|| home.join(".cargo"), PathBuf::from);
    let rustup_home = std::env::var_os("RUSTUP_HOME").map_or_else(|| home.join(".rustup"), PathBuf::from);
    let output = Command::new(pre_commit)
        .args(args)
        .current_dir(p.root())
        .env_remove("GIT_DIR")
        .env_remove("GIT_INDEX_FILE")
        .env_remove("GIT_WORK_TREE")
        .env("HOME", p.root())
        .env("CARGO_HOME", cargo_home)
        .env("RUSTUP_HOME", rustup_home)
        .env(
            "PRE_COMMIT_HOME",
            Path::new(env!("CARGO_MANIFEST_DIR")).join("target/pre-commit-home"),
        )
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("NO_COLOR", "1")
        .output()
        .expect("pre-commit runs");
    Output {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

#[test]
#[allow(clippy::print_stderr)]
fn the_pre_commit_framework_runs_the_hook() {
    let Some(pre_commit) = crate::support::venv_program("pre-commit", &["--version"]) else {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must have the pre-commit venv: .ci/run creates .venv"
        );
        eprintln!(
            "skipped: no .venv/bin/pre-commit (run .ci/run, or `python3 -m venv .venv && .venv/bin/pip install pre-commit`)"
        );
        return;
    };
    let this_repo = env!("CARGO_MANIFEST_DIR");
    let p = committed_chain();
    // A second head, staged.
    p.migration(
        "c3d7e6f5a4b3_orders.py",
        revision("c3d7e6f5a4b3", "'a1b9c8d7e6f5'", "2024-01-03 10:00:00"),
    )
    .stage("migrations/versions/c3d7e6f5a4b3_orders.py");
    let blocked = run(&p, &pre_commit, &["try-repo", this_repo, "alembic-preflight"]);
    let said = format!("{}{}", blocked.stdout, blocked.stderr);
    assert_eq!(blocked.code, 1, "{said}");
    assert!(said.contains("error[AP201] multiple-heads"), "{said}");

    // The fix, staged, passes.
    p.migration(
        "c3d7e6f5a4b3_orders.py",
        revision("c3d7e6f5a4b3", "'b2c8d7e6f5a4'", "2024-01-03 10:00:00"),
    )
    .stage("migrations/versions/c3d7e6f5a4b3_orders.py");
    let passed = run(&p, &pre_commit, &["try-repo", this_repo, "alembic-preflight"]);
    let said = format!("{}{}", passed.stdout, passed.stderr);
    assert_eq!(passed.code, 0, "{said}");
    assert!(said.contains("Passed"), "{said}");
}
