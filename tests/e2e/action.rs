//! The GitHub Action's shell steps (`action/install.sh`, `action/check.sh`),
//! run here as the runner would run them: the release installed from the
//! local wheel directory, and a pull request's shallow checkout judged
//! against its base.

use std::path::Path;
use std::process::Command;

use crate::support::{Output, committed_chain, git_in, revision};

fn step(script: &str, dir: &Path, vars: &[(&str, &Path)]) -> Output {
    let mut bash = Command::new("bash");
    crate::support::scrubbed(&mut bash, dir)
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("action").join(script))
        .env_remove("GITHUB_BASE_REF")
        .env("ACTION_PATH", env!("CARGO_MANIFEST_DIR"))
        .envs(vars.iter().copied());
    Output::lossy(&bash.output().expect("bash runs"))
}

#[test]
fn the_action_installs_the_release_and_annotates_a_fork_from_a_shallow_checkout() {
    let wheels = crate::pre_commit::wheels();
    // The repository on the server, with main and a pull request's branch
    // that forks the history.
    let server = tempfile::tempdir().unwrap();
    let origin = server.path().join("origin.git");
    assert_eq!(
        git_in(server.path(), &["init", "-q", "--bare", origin.to_str().unwrap()]).code,
        0
    );
    let p = committed_chain();
    let url = format!("file://{}", origin.display());
    assert_eq!(p.git(&["remote", "add", "origin", &url]).code, 0);
    assert_eq!(p.git(&["push", "-q", "origin", "HEAD:refs/heads/main"]).code, 0);
    assert_eq!(p.git(&["checkout", "-q", "-b", "feature"]).code, 0);
    p.migration(
        "c3d7e6f5a4b3_orders.py",
        revision("c3d7e6f5a4b3", "'a1b9c8d7e6f5'", "2024-01-03 10:00:00"),
    );
    assert_eq!(p.git(&["add", "-A"]).code, 0);
    assert_eq!(p.git(&["commit", "-q", "-m", "orders"]).code, 0);
    assert_eq!(p.git(&["push", "-q", "origin", "feature"]).code, 0);

    // The runner: a one-commit-deep checkout of the branch.
    let runner = tempfile::tempdir().unwrap();
    let workspace = runner.path().join("workspace");
    let cloned = git_in(
        runner.path(),
        &[
            "clone",
            "-q",
            "--depth",
            "1",
            "--branch",
            "feature",
            &url,
            workspace.to_str().unwrap(),
        ],
    );
    assert_eq!(cloned.code, 0, "{}", cloned.stderr);
    let temp = runner.path().join("temp");
    std::fs::create_dir_all(&temp).unwrap();
    let github_path = runner.path().join("github_path");

    let installed = step(
        "install.sh",
        &workspace,
        &[
            ("RUNNER_TEMP", &temp),
            ("GITHUB_PATH", &github_path),
            ("PIP_NO_INDEX", Path::new("1")),
            ("PIP_FIND_LINKS", &wheels),
        ],
    );
    assert_eq!(installed.code, 0, "{}{}", installed.stdout, installed.stderr);
    assert!(
        installed
            .stdout
            .contains(&format!("alembic-preflight {}", env!("CARGO_PKG_VERSION"))),
        "{}",
        installed.stdout
    );
    let bin = std::fs::read_to_string(&github_path).unwrap();
    let path = format!("{}:{}", bin.trim(), std::env::var("PATH").unwrap_or_default());

    let checked = step(
        "check.sh",
        &workspace,
        &[("PATH", Path::new(&path)), ("GITHUB_BASE_REF", Path::new("main"))],
    );
    assert_eq!(checked.code, 1, "{}{}", checked.stdout, checked.stderr);
    assert!(
        checked
            .stdout
            .starts_with("::error file=migrations/versions/c3d7e6f5a4b3_orders.py,"),
        "{}",
        checked.stdout
    );
}
