//! The real pre-commit framework (installed into `.venv` by `.ci/run`) runs
//! the hook from this repository with `pre-commit try-repo`.

use std::path::Path;

use crate::support::{GitProject, Output, committed_chain, git_in, pre_commit, pre_commit_with_env, revision};

/// `pre-commit try-repo` with this checkout's target directory for
/// cargo: each run clones the repository afresh, and `cargo install`
/// then compiles only this crate, its dependencies being those
/// `scripts/test.sh` built for the wheel (when `Cargo.lock` is what
/// cargo resolves anew, as pre-commit installs without `--locked`).
fn try_repo(dir: &Path) -> Output {
    let this_repo = env!("CARGO_MANIFEST_DIR");
    let target = Path::new(this_repo).join("target");
    pre_commit_with_env(
        dir,
        &["try-repo", this_repo, "alembic-preflight"],
        &[("CARGO_TARGET_DIR", &target)],
    )
}

#[test]
fn the_pre_commit_framework_runs_the_hook() {
    let p = committed_chain();
    // A second head, staged.
    p.migration(
        "c3d7e6f5a4b3_orders.py",
        revision("c3d7e6f5a4b3", "'a1b9c8d7e6f5'", "2024-01-03 10:00:00"),
    )
    .stage("migrations/versions/c3d7e6f5a4b3_orders.py");
    let started = std::time::Instant::now();
    let blocked = try_repo(p.root());
    crate::support::record_timing(&format!(
        "source-built hook: first run {:.1} s (pre-commit try-repo; cargo builds the hook unless this tree was built before)",
        started.elapsed().as_secs_f64()
    ));
    let said = format!("{}{}", blocked.stdout, blocked.stderr);
    assert_eq!(blocked.code, 1, "{said}");
    assert!(said.contains("error[AP201] multiple-heads"), "{said}");

    // The fix, staged, passes.
    p.migration(
        "c3d7e6f5a4b3_orders.py",
        revision("c3d7e6f5a4b3", "'b2c8d7e6f5a4'", "2024-01-03 10:00:00"),
    )
    .stage("migrations/versions/c3d7e6f5a4b3_orders.py");
    let started = std::time::Instant::now();
    let passed = try_repo(p.root());
    crate::support::record_timing(&format!(
        "source-built hook: second run {:.1} s (a fresh clone: cargo compiles this crate again)",
        started.elapsed().as_secs_f64()
    ));
    let said = format!("{}{}", passed.stdout, passed.stderr);
    assert_eq!(passed.code, 0, "{said}");
    assert!(said.contains("Passed"), "{said}");
}

/// The manifest's hook as a `repo: local` hook running the built binary:
/// the real framework applies the manifest's `types`, `always_run` and
/// `stages` exactly, without building the hook from source.
fn local_config() -> String {
    let manifest =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/.pre-commit-hooks.yaml")).expect("the manifest");
    let entry = format!("entry: {} check", crate::support::binary().display());
    let mut hook = String::new();
    // The first hook, the one the id `alembic-preflight` names.
    let first = manifest.split("\n\n").next().expect("a hook");
    for line in first
        .lines()
        .filter(|l| !l.trim_start().starts_with('#') && !l.contains("minimum_pre_commit_version"))
    {
        // The anchor the second id merges from is not needed here.
        let line = line
            .replace("- &source", "-")
            .replace("language: rust", "language: system")
            .replace("entry: alembic-preflight check", &entry);
        hook.push_str("    ");
        hook.push_str(&line);
        hook.push('\n');
    }
    assert!(hook.contains("language: system") && hook.contains(&entry), "{hook}");
    format!("repos:\n  - repo: local\n    hooks:\n{hook}")
}

/// A committed chain with the local hook configured and installed for
/// commits and merges.
fn with_the_hook() -> GitProject {
    let p = committed_chain();
    p.project.write(".pre-commit-config.yaml", local_config());
    p.stage(".pre-commit-config.yaml").commit("pre-commit");
    let installed = pre_commit(
        p.root(),
        &[
            "install",
            "--hook-type",
            "pre-commit",
            "--hook-type",
            "pre-merge-commit",
        ],
    );
    assert_eq!(installed.code, 0, "{}{}", installed.stdout, installed.stderr);
    p
}

fn said(out: &Output) -> String {
    format!("{}{}", out.stdout, out.stderr)
}

/// A commit that only deletes a migration, or only edits `alembic.ini`,
/// has no Python file to pass: the hook runs anyway and blocks what it
/// breaks.
#[test]
fn deletions_and_configuration_alone_are_checked() {
    let p = with_the_hook();
    p.migration(
        "c3d7e6f5a4b3_orders.py",
        revision("c3d7e6f5a4b3", "'b2c8d7e6f5a4'", "2024-01-03 10:00:00"),
    );
    // A second versions directory, not yet a version location.
    p.project.write(
        "legacy/d4e8f7a6b5c4_old.py",
        revision("d4e8f7a6b5c4", "'b2c8d7e6f5a4'", "2024-01-04 10:00:00"),
    );
    p.stage_all().commit("orders");

    assert_eq!(
        p.git(&["rm", "-q", "migrations/versions/b2c8d7e6f5a4_users.py"]).code,
        0
    );
    let deleted = p.git(&["commit", "-q", "-m", "drop users"]);
    assert_ne!(deleted.code, 0, "a dangling down_revision: {}", said(&deleted));
    assert!(said(&deleted).contains("error[AP202]"), "{}", said(&deleted));
    assert_eq!(p.git(&["reset", "-q", "--hard"]).code, 0);

    p.project.write(
        "alembic.ini",
        "[alembic]\nscript_location = %(here)s/migrations\n\
         version_locations = %(here)s/migrations/versions %(here)s/legacy\n",
    );
    assert_eq!(p.git(&["add", "alembic.ini"]).code, 0);
    let configured = p.git(&["commit", "-q", "-m", "legacy versions"]);
    assert_ne!(configured.code, 0, "two heads: {}", said(&configured));
    assert!(said(&configured).contains("error[AP201]"), "{}", said(&configured));
}

/// N6: `pre-commit run --all-files` judges every file, whatever the index
/// holds: two committed heads fail it with or without something staged.
#[test]
fn run_all_files_reports_committed_heads_whatever_is_staged() {
    let p = with_the_hook();
    p.migration(
        "c3d7e6f5a4b3_orders.py",
        revision("c3d7e6f5a4b3", "'a1b9c8d7e6f5'", "2024-01-03 10:00:00"),
    )
    .stage_all();
    assert_eq!(p.git(&["commit", "-q", "--no-verify", "-m", "a second head"]).code, 0);
    let clean = pre_commit(p.root(), &["run", "--all-files"]);
    assert_ne!(clean.code, 0, "{}", said(&clean));
    assert!(said(&clean).contains("AP201"), "{}", said(&clean));
    p.project.write(
        "app/main.py",
        "import sqlalchemy as sa
",
    );
    assert_eq!(p.git(&["add", "app/main.py"]).code, 0);
    let staged = pre_commit(p.root(), &["run", "--all-files"]);
    assert_ne!(staged.code, 0, "{}", said(&staged));
    assert!(said(&staged).contains("AP201"), "{}", said(&staged));
}

/// An untracked, half-written migration is not part of the commit: it does
/// not block an unrelated one.
#[test]
fn an_untracked_draft_does_not_block_a_commit() {
    let p = with_the_hook();
    p.migration(
        "c3d7e6f5a4b3_draft.py",
        revision("c3d7e6f5a4b3", "'a1b9c8d7e6f5'", "2024-01-03 10:00:00"),
    );
    p.project.write("app/models.py", "import sqlalchemy as sa\n");
    assert_eq!(p.git(&["add", "app/models.py"]).code, 0);
    let committed = p.git(&["commit", "-q", "-m", "models"]);
    assert_eq!(committed.code, 0, "{}", said(&committed));
    // Staged, the draft is judged.
    assert_eq!(p.git(&["add", "migrations/versions/c3d7e6f5a4b3_draft.py"]).code, 0);
    let refused = p.git(&["commit", "-q", "-m", "draft"]);
    assert_ne!(refused.code, 0, "{}", said(&refused));
    assert!(said(&refused).contains("error[AP201]"), "{}", said(&refused));
}

/// The pre-push stage judges the pushed range against its base: a fork
/// the base already has does not block a push that builds on it; a fork
/// the range makes does.
#[test]
fn pre_push_judges_the_pushed_range() {
    let p = with_the_hook();
    // Old debt, committed before the range: two heads.
    p.migration(
        "c3d7e6f5a4b3_orders.py",
        revision("c3d7e6f5a4b3", "'b2c8d7e6f5a4'", "2024-01-03 10:00:00"),
    )
    .migration(
        "d4e8f7a6b5c4_invoices.py",
        revision("d4e8f7a6b5c4", "'b2c8d7e6f5a4'", "2024-01-04 10:00:00"),
    );
    p.stage_all().commit("debt");
    let base = p.git(&["rev-parse", "HEAD"]).stdout.trim().to_owned();
    p.migration(
        "e5f9a8b7c6d5_refunds.py",
        revision("e5f9a8b7c6d5", "'d4e8f7a6b5c4'", "2024-01-05 10:00:00"),
    );
    p.stage_all().commit("refunds");
    let range = [
        "run",
        "--hook-stage",
        "pre-push",
        "--from-ref",
        base.as_str(),
        "--to-ref",
        "HEAD",
    ];
    let clean = pre_commit(p.root(), &range);
    assert_eq!(clean.code, 0, "{}", said(&clean));

    p.migration(
        "f6a0b9c8d7e6_fork.py",
        revision("f6a0b9c8d7e6", "'b2c8d7e6f5a4'", "2024-01-06 10:00:00"),
    );
    p.stage_all().commit("fork");
    let forked = pre_commit(p.root(), &range);
    assert_eq!(forked.code, 1, "{}", said(&forked));
    assert!(
        said(&forked).contains("error[AP201] multiple-heads: 3 heads"),
        "{}",
        said(&forked)
    );
}

/// pushing a branch that is not checked out (`git push origin
/// feature` from `master`) judges the pushed commit, not the checkout.
#[test]
fn pre_push_judges_the_pushed_commit_not_the_checkout() {
    let p = with_the_hook();
    let base = p.git(&["rev-parse", "HEAD"]).stdout.trim().to_owned();
    assert_eq!(p.git(&["checkout", "-q", "-b", "feature"]).code, 0);
    p.migration(
        "c3d7e6f5a4b3_second_head.py",
        revision("c3d7e6f5a4b3", "'a1b9c8d7e6f5'", "2024-01-03 10:00:00"),
    );
    p.stage_all();
    assert_eq!(p.git(&["commit", "-q", "--no-verify", "-m", "second head"]).code, 0);
    assert_eq!(p.git(&["checkout", "-q", "master"]).code, 0);
    let pushed = pre_commit(
        p.root(),
        &[
            "run",
            "--hook-stage",
            "pre-push",
            "--from-ref",
            base.as_str(),
            "--to-ref",
            "feature",
        ],
    );
    assert_eq!(pushed.code, 1, "{}", said(&pushed));
    assert!(said(&pushed).contains("error[AP201]"), "{}", said(&pushed));
}

/// The directory of built wheels: `ALEMBIC_PREFLIGHT_WHEELS`, else
/// `target/wheels` (`scripts/test.sh` builds the wheel there).
pub(crate) fn wheels() -> std::path::PathBuf {
    let dir = std::env::var_os("ALEMBIC_PREFLIGHT_WHEELS").map_or_else(
        || Path::new(env!("CARGO_MANIFEST_DIR")).join("target/wheels"),
        std::path::PathBuf::from,
    );
    let names: Vec<String> = std::fs::read_dir(&dir)
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    let wheel = format!("alembic_preflight-{}-", env!("CARGO_PKG_VERSION"));
    assert!(
        names
            .iter()
            .any(|n| n.starts_with(&wheel) && Path::new(n).extension().is_some_and(|e| e == "whl"))
            && names.iter().any(|n| n.starts_with("flit_core-")),
        "this test installs the wheel from {} (with flit_core beside it): run `scripts/test.sh`, which puts them there",
        dir.display()
    );
    dir
}

/// The wheel-based hook repository (`pre-commit-wheel/`), installed by the
/// real pre-commit framework into a fresh home from a local wheel directory
/// and no package index, blocks a second head in a real `git commit`.
#[test]
fn the_wheel_hook_installs_from_local_wheels_and_blocks_a_second_head() {
    let wheels = wheels();
    // The hook repository, as it is published: its own git repository,
    // made by the script the README gives for trying it from a checkout.
    let hooks = tempfile::tempdir().unwrap();
    let made = std::process::Command::new(concat!(env!("CARGO_MANIFEST_DIR"), "/scripts/wheel-hook-repo.sh"))
        .arg(hooks.path())
        .arg(&wheels)
        .output()
        .expect("the script runs");
    let printed = String::from_utf8_lossy(&made.stdout).into_owned();
    assert!(
        made.status.success(),
        "{printed}{}",
        String::from_utf8_lossy(&made.stderr)
    );
    let rev = git_in(hooks.path(), &["rev-parse", "HEAD"]).stdout.trim().to_owned();
    assert!(printed.contains(&format!("rev: {rev}")), "{printed}");
    let p = committed_chain();
    p.project.write(
        ".pre-commit-config.yaml",
        format!(
            "repos:\n  - repo: {}\n    rev: {rev}\n    hooks:\n      - id: alembic-preflight\n",
            hooks.path().display()
        ),
    );
    p.stage(".pre-commit-config.yaml").commit("pre-commit");
    let home = tempfile::tempdir().unwrap();
    let offline: [(&str, &Path); 3] = [
        ("PRE_COMMIT_HOME", home.path()),
        ("PIP_NO_INDEX", Path::new("1")),
        ("PIP_FIND_LINKS", &wheels),
    ];
    let started = std::time::Instant::now();
    let installed = crate::support::pre_commit_with_env(p.root(), &["install-hooks"], &offline);
    let took = started.elapsed();
    assert_eq!(installed.code, 0, "{}", said(&installed));
    crate::support::record_timing(&format!(
        "wheel-based hook: first install {:.1} s (pre-commit install-hooks into an empty home, from local wheels)",
        took.as_secs_f64()
    ));
    let installed = crate::support::pre_commit_with_env(p.root(), &["install"], &offline);
    assert_eq!(installed.code, 0, "{}", said(&installed));

    p.migration(
        "c3d7e6f5a4b3_orders.py",
        revision("c3d7e6f5a4b3", "'a1b9c8d7e6f5'", "2024-01-03 10:00:00"),
    )
    .stage("migrations/versions/c3d7e6f5a4b3_orders.py");
    let refused = crate::support::git_with_env(p.root(), &["commit", "-q", "-m", "orders"], &offline);
    assert_ne!(refused.code, 0, "{}", said(&refused));
    assert!(
        said(&refused).contains("error[AP201] multiple-heads"),
        "{}",
        said(&refused)
    );
    assert_eq!(p.git(&["rev-list", "--count", "HEAD"]).stdout.trim(), "2");
}

/// The hook repository pins the wheel of this version, and is that version.
#[test]
fn the_wheel_hook_pins_this_version() {
    let project =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/pre-commit-wheel/pyproject.toml")).unwrap();
    let version = env!("CARGO_PKG_VERSION");
    assert!(
        project.contains(&format!("version = \"{version}\"\n"))
            && project.contains(&format!("dependencies = [\"alembic-preflight=={version}\"]")),
        "pre-commit-wheel/pyproject.toml must be and pin version {version}"
    );
}
