//! The real pre-commit framework (installed into `.venv` by `.ci/run`) runs
//! the hook from this repository with `pre-commit try-repo`.

use crate::support::{committed_chain, pre_commit, revision};

#[test]
fn the_pre_commit_framework_runs_the_hook() {
    let this_repo = env!("CARGO_MANIFEST_DIR");
    let p = committed_chain();
    // A second head, staged.
    p.migration(
        "c3d7e6f5a4b3_orders.py",
        revision("c3d7e6f5a4b3", "'a1b9c8d7e6f5'", "2024-01-03 10:00:00"),
    )
    .stage("migrations/versions/c3d7e6f5a4b3_orders.py");
    let blocked = pre_commit(p.root(), &["try-repo", this_repo, "alembic-preflight"]);
    let said = format!("{}{}", blocked.stdout, blocked.stderr);
    assert_eq!(blocked.code, 1, "{said}");
    assert!(said.contains("error[AP201] multiple-heads"), "{said}");

    // The fix, staged, passes.
    p.migration(
        "c3d7e6f5a4b3_orders.py",
        revision("c3d7e6f5a4b3", "'b2c8d7e6f5a4'", "2024-01-03 10:00:00"),
    )
    .stage("migrations/versions/c3d7e6f5a4b3_orders.py");
    let passed = pre_commit(p.root(), &["try-repo", this_repo, "alembic-preflight"]);
    let said = format!("{}{}", passed.stdout, passed.stderr);
    assert_eq!(passed.code, 0, "{said}");
    assert!(said.contains("Passed"), "{said}");
}
