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
        std::fs::read_to_string(hooks.join("pre-commit.alembic-preflight-kept")).unwrap(),
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
    assert!(!hooks.join("pre-commit.alembic-preflight-kept").exists());
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

/// N10: `install`, then `pre-commit install` with the framework's
/// configuration holding the alembic-preflight hook: both would check the
/// commit. The native copy, renamed `.legacy`, defers to the framework, and
/// each problem is said once.
#[test]
fn with_both_hooks_each_problem_is_said_once() {
    let p = committed_chain();
    let hook = format!(
        "repos:\n  - repo: local\n    hooks:\n      - id: alembic-preflight\n        name: alembic-preflight\n        \
         entry: {} check\n        language: system\n        types: [python]\n        always_run: true\n        \
         require_serial: true\n",
        crate::support::binary().display()
    );
    p.project.write(".pre-commit-config.yaml", hook);
    p.stage(".pre-commit-config.yaml").commit("pre-commit");
    assert_eq!(p.run(&["install"]).code, 0);
    let installed = crate::support::pre_commit(p.root(), &["install"]);
    assert_eq!(installed.code, 0, "{}{}", installed.stdout, installed.stderr);
    assert!(p.root().join(".git/hooks/pre-commit.legacy").exists());
    p.migration(
        "c3d7e6f5a4b3_orders.py",
        revision("c3d7e6f5a4b3", "'a1b9c8d7e6f5'", "2024-01-03 10:00:00"),
    )
    .stage("migrations/versions/c3d7e6f5a4b3_orders.py");
    let refused = commit(&p, "orders");
    let said = format!("{}{}", refused.stdout, refused.stderr);
    assert_ne!(refused.code, 0, "blocked: {said}");
    assert_eq!(said.matches("error[AP201]").count(), 1, "said once: {said}");
}

/// `install`, then `pre-commit install`: pre-commit keeps our hook as
/// `pre-commit.legacy` and runs it. It runs once, never itself, and a
/// second head is still blocked by a real `git commit`.
#[test]
fn under_the_pre_commit_framework_the_native_hook_runs_once() {
    let p = committed_chain();
    p.project.write(".pre-commit-config.yaml", "repos: []\n");
    p.stage(".pre-commit-config.yaml").commit("pre-commit");
    assert_eq!(p.run(&["install"]).code, 0);
    let installed = crate::support::pre_commit(p.root(), &["install"]);
    assert_eq!(installed.code, 0, "{}{}", installed.stdout, installed.stderr);
    assert!(p.root().join(".git/hooks/pre-commit.legacy").exists());

    p.migration(
        "c3d7e6f5a4b3_orders.py",
        revision("c3d7e6f5a4b3", "'a1b9c8d7e6f5'", "2024-01-03 10:00:00"),
    )
    .stage("migrations/versions/c3d7e6f5a4b3_orders.py");
    let started = std::time::Instant::now();
    let refused = commit(&p, "orders");
    let said = format!("{}{}", refused.stdout, refused.stderr);
    assert_ne!(refused.code, 0, "blocked: {said}");
    assert_eq!(said.matches("error[AP201]").count(), 1, "the check ran once: {said}");
    assert!(started.elapsed().as_secs() < 60, "no loop: {said}");

    // Installing again would put pre-commit's hook aside, where it would run
    // itself: refused, whatever the flags, with what to do instead.
    let merge_hook = std::fs::read(p.root().join(".git/hooks/pre-merge-commit")).unwrap();
    for args in [&["install"][..], &["install", "--force"]] {
        let again = p.run(args);
        assert_eq!(again.code, 2, "{}", again.stdout);
        assert!(
            again.stderr.contains("managed by pre-commit") && again.stderr.contains("hook id is `alembic-preflight`"),
            "{}",
            again.stderr
        );
    }
    assert_eq!(
        std::fs::read(p.root().join(".git/hooks/pre-merge-commit")).unwrap(),
        merge_hook,
        "nothing was changed"
    );
    let kept = std::fs::read_to_string(p.root().join(".git/hooks/pre-commit.legacy")).unwrap();
    assert!(kept.contains("# installed by alembic-preflight"), "{kept}");
    // `uninstall` takes ours out of pre-commit's chain and leaves pre-commit's.
    let removed = p.run(&["uninstall"]);
    assert_eq!(removed.code, 0, "{}", removed.stderr);
    assert!(!p.root().join(".git/hooks/pre-commit.legacy").exists());
    assert!(
        std::fs::read_to_string(p.root().join(".git/hooks/pre-commit"))
            .unwrap()
            .contains("pre-commit.com")
    );
}

#[test]
#[cfg(unix)]
fn edited_and_linked_hooks_and_an_unusable_hooks_directory_are_explained() {
    let p = committed_chain();
    let hooks = p.root().join(".git/hooks");
    // One of ours, edited.
    assert_eq!(p.run(&["install"]).code, 0);
    let edited = hook_text(&p).replace("exec ", "./lint.sh\nexec ");
    std::fs::write(hooks.join("pre-commit"), &edited).unwrap();
    let refused = p.run(&["install"]);
    assert_eq!(refused.code, 2);
    assert!(refused.stderr.contains("it was edited since"), "{}", refused.stderr);
    assert_eq!(hook_text(&p), edited, "untouched");
    let refused = p.run(&["uninstall"]);
    assert_eq!(
        refused.code, 0,
        "the unedited pre-merge-commit hook is removed: {}",
        refused.stderr
    );
    assert_eq!(hook_text(&p), edited, "the edited one is left");

    // A symbolic link is kept as a link.
    std::fs::remove_file(hooks.join("pre-commit")).unwrap();
    std::fs::write(p.root().join("shared-hook.sh"), "#!/bin/sh\nexit 0\n").unwrap();
    std::os::unix::fs::symlink(p.root().join("shared-hook.sh"), hooks.join("pre-commit")).unwrap();
    let refused = p.run(&["install"]);
    assert_eq!(refused.code, 2);
    assert!(refused.stderr.contains("symbolic link"), "{}", refused.stderr);
    let forced = p.run(&["install", "--force"]);
    assert_eq!(forced.code, 0, "{}", forced.stderr);
    let kept = hooks.join("pre-commit.alembic-preflight-kept");
    assert!(kept.symlink_metadata().unwrap().file_type().is_symlink());
    assert_eq!(std::fs::read_link(&kept).unwrap(), p.root().join("shared-hook.sh"));

    // core.hooksPath naming a file: a clear error, nothing written.
    let q = committed_chain();
    std::fs::write(q.root().join("not-a-dir"), "").unwrap();
    assert_eq!(q.git(&["config", "core.hooksPath", "not-a-dir"]).code, 0);
    let failed = q.run(&["install"]);
    assert_eq!(failed.code, 2);
    assert!(
        failed.stderr.contains("cannot create") && failed.stderr.contains("not-a-dir"),
        "{}",
        failed.stderr
    );
    assert_eq!(std::fs::read_to_string(q.root().join("not-a-dir")).unwrap(), "");
}

/// A clean `git merge` runs `pre-merge-commit`, not `pre-commit`: a merge
/// joining two branches' migrations into two heads is blocked there, and
/// the fix names the revision the merge brings in (the first parent, main,
/// already has the other), header included.
#[test]
fn a_merge_that_makes_two_heads_is_blocked() {
    let p = committed_chain();
    assert_eq!(p.run(&["install"]).code, 0);
    let main = p.git(&["rev-parse", "--abbrev-ref", "HEAD"]).stdout.trim().to_owned();
    assert_eq!(p.git(&["checkout", "-q", "-b", "feature"]).code, 0);
    p.migration(
        "c3d7e6f5a4b3_orders.py",
        revision("c3d7e6f5a4b3", "'b2c8d7e6f5a4'", "2024-01-03 10:00:00"),
    );
    assert_eq!(p.git(&["add", "-A"]).code, 0);
    assert_eq!(commit(&p, "orders").code, 0);
    assert_eq!(p.git(&["checkout", "-q", &main]).code, 0);
    // Main's migration is the newer one.
    p.migration(
        "d4e8f7a6b5c4_invoices.py",
        revision("d4e8f7a6b5c4", "'b2c8d7e6f5a4'", "2024-01-04 10:00:00"),
    );
    assert_eq!(p.git(&["add", "-A"]).code, 0);
    assert_eq!(commit(&p, "invoices").code, 0);

    let merged = p.git(&["merge", "--no-edit", "feature"]);
    let said = format!("{}{}", merged.stdout, merged.stderr);
    assert_ne!(merged.code, 0, "the merge must be blocked: {said}");
    assert!(said.contains("error[AP201]"), "{said}");
    assert!(
        said.contains(
            "help: set `down_revision = \"d4e8f7a6b5c4\"` in migrations/versions/c3d7e6f5a4b3_orders.py \
             (and `Revises: d4e8f7a6b5c4` in its docstring)"
        ),
        "the merged-in revision is the one to re-point: {said}"
    );
    assert_eq!(
        p.git(&["rev-list", "--count", "HEAD"]).stdout.trim(),
        "2",
        "no merge commit"
    );

    // Following the help exactly, the merge commits.
    p.migration(
        "c3d7e6f5a4b3_orders.py",
        revision("c3d7e6f5a4b3", "'d4e8f7a6b5c4'", "2024-01-03 10:00:00"),
    );
    assert_eq!(p.git(&["add", "-A"]).code, 0);
    let committed = p.git(&["commit", "-q", "--no-edit"]);
    assert_eq!(committed.code, 0, "{}{}", committed.stdout, committed.stderr);
    assert_eq!(p.git(&["rev-list", "--count", "HEAD"]).stdout.trim(), "4");
}

/// N5: merging main into a feature branch, where main's new revision is
/// already on `origin/main`: the help re-points the feature's revision,
/// never main's published one.
#[test]
fn merging_main_in_re_points_the_branchs_revision_not_mains() {
    let p = committed_chain();
    let remote = tempfile::tempdir().unwrap();
    let url = remote.path().join("origin.git");
    assert_eq!(
        git_in(remote.path(), &["init", "-q", "--bare", url.to_str().unwrap()]).code,
        0
    );
    assert_eq!(p.git(&["remote", "add", "origin", url.to_str().unwrap()]).code, 0);
    let main = p.git(&["rev-parse", "--abbrev-ref", "HEAD"]).stdout.trim().to_owned();
    assert_eq!(p.git(&["checkout", "-q", "-b", "feature"]).code, 0);
    p.migration(
        "c3d7e6f5a4b3_orders.py",
        revision("c3d7e6f5a4b3", "'b2c8d7e6f5a4'", "2024-01-03 10:00:00"),
    );
    assert_eq!(p.git(&["add", "-A"]).code, 0);
    assert_eq!(commit(&p, "orders").code, 0);
    assert_eq!(p.git(&["push", "-q", "-u", "origin", "feature"]).code, 0);
    assert_eq!(p.git(&["checkout", "-q", &main]).code, 0);
    p.migration(
        "d4e8f7a6b5c4_invoices.py",
        revision("d4e8f7a6b5c4", "'b2c8d7e6f5a4'", "2024-01-04 10:00:00"),
    );
    assert_eq!(p.git(&["add", "-A"]).code, 0);
    assert_eq!(commit(&p, "invoices").code, 0);
    assert_eq!(p.git(&["push", "-q", "origin", &main]).code, 0);
    assert_eq!(p.git(&["checkout", "-q", "feature"]).code, 0);
    assert_eq!(p.run(&["install"]).code, 0);

    let merged = p.git(&["merge", "--no-edit", &format!("origin/{main}")]);
    let said = format!("{}{}", merged.stdout, merged.stderr);
    assert_ne!(merged.code, 0, "the merge must be blocked: {said}");
    assert!(
        said.contains("help: set `down_revision = \"d4e8f7a6b5c4\"` in migrations/versions/c3d7e6f5a4b3_orders.py"),
        "the feature's revision is the one to re-point: {said}"
    );
}

/// Amending a commit no remote has yet rewrites a draft: no
/// edited-applied-migration warning. A revision a remote branch has is
/// still one databases may have run.
#[test]
fn amending_an_unpushed_revision_is_not_editing_history() {
    let p = committed_chain();
    let remote = tempfile::tempdir().unwrap();
    let url = remote.path().join("origin.git");
    assert_eq!(
        git_in(remote.path(), &["init", "-q", "--bare", url.to_str().unwrap()]).code,
        0
    );
    assert_eq!(p.git(&["remote", "add", "origin", url.to_str().unwrap()]).code, 0);
    let pushed = p.git(&["push", "-q", "-u", "origin", "HEAD"]);
    assert_eq!(pushed.code, 0, "{}", pushed.stderr);
    assert_eq!(p.run(&["install"]).code, 0);

    p.migration(
        "c3d7e6f5a4b3_orders.py",
        revision("c3d7e6f5a4b3", "'b2c8d7e6f5a4'", "2024-01-03 10:00:00"),
    );
    assert_eq!(p.git(&["add", "-A"]).code, 0);
    assert_eq!(commit(&p, "orders").code, 0);
    // The draft revision, edited and amended.
    let edited = revision("c3d7e6f5a4b3", "'b2c8d7e6f5a4'", "2024-01-03 10:00:00").replace("c_c3", "status");
    p.migration("c3d7e6f5a4b3_orders.py", edited);
    assert_eq!(p.git(&["add", "-A"]).code, 0);
    let amended = p.git(&["commit", "-q", "--amend", "--no-edit"]);
    let said = format!("{}{}", amended.stdout, amended.stderr);
    assert_eq!(amended.code, 0, "{said}");
    assert!(!said.contains("AP701"), "an unpushed revision is a draft: {said}");

    // A pushed one still warns.
    let published = revision("b2c8d7e6f5a4", "'a1b9c8d7e6f5'", "2024-01-02 10:00:00").replace("c_b2", "renamed");
    p.migration("b2c8d7e6f5a4_users.py", published);
    assert_eq!(p.git(&["add", "-A"]).code, 0);
    let warned = p.git(&["commit", "-q", "--amend", "--no-edit"]);
    let said = format!("{}{}", warned.stdout, warned.stderr);
    assert!(said.contains("warning[AP701]"), "{said}");
    // A4: said as what makes it applied, and pointed at the revision id.
    assert!(said.contains("edits a revision a remote branch already has"), "{said}");
    assert!(said.contains("b2c8d7e6f5a4_users.py:12:13"), "{said}");
}
