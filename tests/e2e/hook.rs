use std::path::Path;

use crate::support::{GitProject, committed_chain, git_in, revision};

fn hook_text(p: &GitProject) -> String {
    std::fs::read_to_string(p.root().join(".git/hooks/pre-commit")).expect("hook written")
}

fn commit(p: &GitProject, message: &str) -> crate::support::Output {
    p.git(&["commit", "-q", "-m", message])
}

#[test]
fn install_blocks_a_bad_commit_and_lets_the_fix_through() {
    let p = committed_chain();
    let out = p.run(&["install"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stdout.contains("installed") && out.stdout.contains(".git/hooks/pre-commit"),
        "{}",
        out.stdout
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(p.root().join(".git/hooks/pre-commit"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o111, 0o111, "executable");
    }
    // Installing twice is harmless.
    let again = p.run(&["install"]);
    assert_eq!(again.code, 0);
    assert!(!p.root().join(".git/hooks/pre-commit.legacy").exists());

    // A second head is refused by a real `git commit`.
    p.migration(
        "c3d7e6f5a4b3_orders.py",
        revision("c3d7e6f5a4b3", "'a1b9c8d7e6f5'", "2024-01-03 10:00:00"),
    );
    assert_eq!(p.git(&["add", "-A"]).code, 0);
    let refused = commit(&p, "orders");
    assert_ne!(
        refused.code, 0,
        "the commit must be blocked:\n{}{}",
        refused.stdout, refused.stderr
    );
    let said = format!("{}{}", refused.stdout, refused.stderr);
    assert!(
        said.contains("AP201") && said.contains("set `down_revision = \"b2c8d7e6f5a4\"`"),
        "{said}"
    );
    assert_eq!(p.git(&["rev-list", "--count", "HEAD"]).stdout.trim(), "1");

    // With the fix staged, it goes through.
    p.migration(
        "c3d7e6f5a4b3_orders.py",
        revision("c3d7e6f5a4b3", "'b2c8d7e6f5a4'", "2024-01-03 10:00:00"),
    );
    assert_eq!(p.git(&["add", "-A"]).code, 0);
    let accepted = commit(&p, "orders");
    assert_eq!(accepted.code, 0, "{}{}", accepted.stdout, accepted.stderr);
    assert_eq!(p.git(&["rev-list", "--count", "HEAD"]).stdout.trim(), "2");
}

#[test]
fn a_foreign_hook_is_never_lost() {
    let p = GitProject::new();
    let hooks = p.root().join(".git/hooks");
    std::fs::create_dir_all(&hooks).unwrap();
    let foreign = "#!/bin/sh\necho foreign hook ran >> \"$(git rev-parse --git-dir)/foreign.log\"\n";
    std::fs::write(hooks.join("pre-commit"), foreign).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(hooks.join("pre-commit"), std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    let refused = p.run(&["install"]);
    assert_eq!(refused.code, 2);
    assert!(
        refused.stderr.contains("is not a hook alembic-preflight installed") && refused.stderr.contains("--force"),
        "{}",
        refused.stderr
    );
    assert_eq!(
        std::fs::read_to_string(hooks.join("pre-commit")).unwrap(),
        foreign,
        "untouched"
    );

    let forced = p.run(&["install", "--force"]);
    assert_eq!(forced.code, 0, "{}", forced.stderr);
    assert_eq!(
        std::fs::read_to_string(hooks.join("pre-commit.legacy")).unwrap(),
        foreign
    );
    assert!(hook_text(&p).contains("# installed by alembic-preflight"));
    // The kept hook still runs, before the check.
    p.migration(
        "a1b9c8d7e6f5_init.py",
        revision("a1b9c8d7e6f5", "None", "2024-01-01 10:00:00"),
    );
    assert_eq!(p.git(&["add", "-A"]).code, 0);
    let committed = commit(&p, "init");
    assert_eq!(committed.code, 0, "{}{}", committed.stdout, committed.stderr);
    assert!(p.root().join(".git/foreign.log").exists(), "the legacy hook ran");
    // Uninstall restores it; a second uninstall has nothing to do.
    let removed = p.run(&["uninstall"]);
    assert_eq!(removed.code, 0, "{}", removed.stderr);
    assert_eq!(std::fs::read_to_string(hooks.join("pre-commit")).unwrap(), foreign);
    assert!(!hooks.join("pre-commit.legacy").exists());
    let refused = p.run(&["uninstall"]);
    assert_eq!(refused.code, 2, "the foreign hook is not removed");
    assert_eq!(std::fs::read_to_string(hooks.join("pre-commit")).unwrap(), foreign);
}

#[test]
fn hooks_path_and_linked_worktrees() {
    let p = GitProject::new();
    p.migration(
        "a1b9c8d7e6f5_init.py",
        revision("a1b9c8d7e6f5", "None", "2024-01-01 10:00:00"),
    )
    .stage_all()
    .commit("initial");
    assert_eq!(p.git(&["config", "core.hooksPath", "githooks"]).code, 0);
    let out = p.run(&["install"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        p.root().join("githooks/pre-commit").exists(),
        "installed where git looks"
    );
    assert!(!p.root().join(".git/hooks/pre-commit").exists());
    assert_eq!(p.git(&["config", "--unset", "core.hooksPath"]).code, 0);

    // A linked worktree shares the common hooks directory.
    let outside = tempfile::tempdir().unwrap();
    let tree = outside.path().join("linked");
    let added = p.git(&["worktree", "add", "-q", tree.to_str().unwrap()]);
    assert_eq!(added.code, 0, "{}", added.stderr);
    let out = crate::support::run_in(&tree, &["install"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(p.root().join(".git/hooks/pre-commit").exists(), "{}", out.stdout);
    // And the hook blocks a bad commit made in the linked worktree.
    std::fs::write(
        tree.join("migrations/versions/b2c8d7e6f5a4_x.py"),
        revision("b2c8d7e6f5a4", "'nowhere'", "2024-01-02 10:00:00"),
    )
    .unwrap();
    assert_eq!(git_in(&tree, &["add", "-A"]).code, 0);
    let refused = git_in(&tree, &["commit", "-q", "-m", "bad"]);
    assert_ne!(refused.code, 0);
    assert!(format!("{}{}", refused.stdout, refused.stderr).contains("AP202"));
    let _ = Path::new("");
}
