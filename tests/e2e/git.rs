use crate::support::{GitProject, committed_chain, findings, json, revision};

fn codes(out: &crate::support::Output) -> Vec<String> {
    findings(&json(out)).into_iter().map(|f| f.0).collect()
}

#[test]
fn staged_content_is_judged_not_the_working_tree() {
    let p = committed_chain();
    let bad = revision("c3d7e6f5a4b3", "'a1b9c8d7e6f5'", "2024-01-03 10:00:00");
    let good = revision("c3d7e6f5a4b3", "'b2c8d7e6f5a4'", "2024-01-03 10:00:00");
    p.migration("c3d7e6f5a4b3_orders.py", &bad)
        .stage("migrations/versions/c3d7e6f5a4b3_orders.py");
    // Fixed in the working tree only.
    p.migration("c3d7e6f5a4b3_orders.py", &good);
    let staged = p.run(&["check", "--staged", "--format", "json"]);
    assert_eq!(staged.code, 1, "{}{}", staged.stdout, staged.stderr);
    assert_eq!(codes(&staged), ["AP201"]);
    // A bare `check` in a work tree is the staged check.
    assert_eq!(p.run(&["check", "--format", "json"]).code, 1);
    // The working-tree file itself is fine.
    let path = p.run(&[
        "check",
        "--format",
        "json",
        "migrations/versions/c3d7e6f5a4b3_orders.py",
    ]);
    assert_eq!((path.code, codes(&path).len()), (0, 0), "{}", path.stdout);
}

#[test]
fn partially_staged_files_are_judged_by_their_staged_hunks() {
    let p = committed_chain();
    let staged_text = revision("c3d7e6f5a4b3", "'b2c8d7e6f5a4'", "2024-01-03 10:00:00");
    p.migration("c3d7e6f5a4b3_orders.py", &staged_text)
        .stage("migrations/versions/c3d7e6f5a4b3_orders.py");
    // An unstaged edit that empties the downgrade is not part of the commit.
    p.migration(
        "c3d7e6f5a4b3_orders.py",
        staged_text.replace("    op.drop_column('t', 'c_c3d7e6f5a4b3')\n", "    pass\n"),
    );
    assert_eq!(p.run(&["check"]).code, 0);
    assert_eq!(p.run(&["check", "migrations/versions/c3d7e6f5a4b3_orders.py"]).code, 1);
}

#[test]
fn a_new_head_blocks_and_old_debt_does_not() {
    let p = GitProject::new();
    // Old debt: a stale header in a committed file.
    p.migration(
        "a1b9c8d7e6f5_init.py",
        revision("a1b9c8d7e6f5", "None", "2024-01-01 10:00:00"),
    )
    .migration(
        "b2c8d7e6f5a4_users.py",
        revision("b2c8d7e6f5a4", "'a1b9c8d7e6f5'", "2024-01-02 10:00:00")
            .replace("Revises: a1b9c8d7e6f5", "Revises: 000000"),
    )
    .stage_all()
    .commit("initial");
    p.migration(
        "c3d7e6f5a4b3_orders.py",
        revision("c3d7e6f5a4b3", "'b2c8d7e6f5a4'", "2024-01-03 10:00:00"),
    )
    .stage("migrations/versions/c3d7e6f5a4b3_orders.py");
    let out = p.run(&["check"]);
    assert_eq!(
        (out.code, out.stdout.as_str()),
        (0, "All checks passed!\n"),
        "old debt elsewhere does not block"
    );
    p.migration(
        "d4e6f5a4b3c2_invoices.py",
        revision("d4e6f5a4b3c2", "'b2c8d7e6f5a4'", "2024-01-04 10:00:00"),
    )
    .stage("migrations/versions/d4e6f5a4b3c2_invoices.py");
    let out = p.run(&["check"]);
    assert_eq!(out.code, 1);
    assert!(
        out.stdout
            .contains("error[AP201] multiple-heads: 2 heads: `d4e6f5a4b3c2` and `c3d7e6f5a4b3`"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains("migrations/versions/c3d7e6f5a4b3_orders.py"),
        "both heads are named:\n{}",
        out.stdout
    );
    assert!(!out.stdout.contains("AP104"), "{}", out.stdout);
}

#[test]
fn editing_a_committed_revision_warns() {
    let p = committed_chain();
    p.migration(
        "b2c8d7e6f5a4_users.py",
        revision("b2c8d7e6f5a4", "'a1b9c8d7e6f5'", "2024-01-02 10:00:00").replace("sa.Integer()", "sa.BigInteger()"),
    )
    .stage("migrations/versions/b2c8d7e6f5a4_users.py");
    let out = p.run(&["check", "--format", "json"]);
    assert_eq!(
        (out.code, codes(&out)),
        (0, vec!["AP701".to_owned()]),
        "a warning does not block"
    );
    // Deleting one is reported too.
    std::fs::remove_file(p.root().join("migrations/versions/b2c8d7e6f5a4_users.py")).unwrap();
    let mut index = p.repo.index().unwrap();
    index
        .remove_path(std::path::Path::new("migrations/versions/b2c8d7e6f5a4_users.py"))
        .unwrap();
    index.write().unwrap();
    let out = p.run(&["check", "--format", "concise"]);
    assert!(
        out.stdout
            .contains("b2c8d7e6f5a4_users.py:1:1: AP701 [warning] this change deletes a revision HEAD already has"),
        "{}",
        out.stdout
    );
}

#[test]
fn first_commit_detached_head_and_nothing_staged() {
    let p = GitProject::new();
    assert_eq!(p.run(&["check"]).code, 0, "nothing staged, nothing to say");
    p.migration(
        "a1b9c8d7e6f5_init.py",
        revision("a1b9c8d7e6f5", "'missing'", "2024-01-01 10:00:00"),
    )
    .stage_all();
    let out = p.run(&["check", "--format", "json"]);
    assert_eq!(
        (out.code, codes(&out)),
        (1, vec!["AP202".to_owned()]),
        "unborn HEAD: {}{}",
        out.stdout,
        out.stderr
    );
    p.migration(
        "a1b9c8d7e6f5_init.py",
        revision("a1b9c8d7e6f5", "None", "2024-01-01 10:00:00"),
    )
    .stage_all()
    .commit("first");
    let head = p.repo.head().unwrap().target().unwrap();
    p.repo.set_head_detached(head).unwrap();
    p.migration(
        "b2c8d7e6f5a4_x.py",
        revision("b2c8d7e6f5a4", "'a1b9c8d7e6f5'", "2024-01-02 10:00:00"),
    )
    .stage_all();
    assert_eq!(p.run(&["check"]).code, 0);
}

#[test]
fn a_bare_repository_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    git2::Repository::init_bare(dir.path()).unwrap();
    let out = crate::support::run_in(dir.path(), &["check"]);
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("is a bare repository"), "{}", out.stderr);
    assert!(!out.stderr.contains("panicked"));
}

#[test]
fn since_catches_two_branches_on_one_parent() {
    let p = committed_chain();
    p.git(&["branch", "-M", "main"]);
    p.git(&["checkout", "-q", "-b", "feature"]);
    p.migration(
        "c3d7e6f5a4b3_feature.py",
        revision("c3d7e6f5a4b3", "'b2c8d7e6f5a4'", "2024-01-04 10:00:00"),
    )
    .stage_all()
    .commit("feature migration");
    p.git(&["checkout", "-q", "main"]);
    p.migration(
        "d4e6f5a4b3c2_main.py",
        revision("d4e6f5a4b3c2", "'b2c8d7e6f5a4'", "2024-01-03 10:00:00"),
    )
    .stage_all()
    .commit("main migration");
    let switched = p.git(&["checkout", "-q", "feature"]);
    assert_eq!(switched.code, 0, "{}", switched.stderr);
    let out = p.run(&["check", "--since", "main", "--format", "json"]);
    assert_eq!(out.code, 1, "{}{}", out.stdout, out.stderr);
    let doc = json(&out);
    assert_eq!(codes(&out), ["AP201"]);
    let d = &doc["diagnostics"][0];
    assert_eq!(d["path"], "migrations/versions/c3d7e6f5a4b3_feature.py");
    assert_eq!(d["related"][0]["path"], "migrations/versions/d4e6f5a4b3c2_main.py");
    // main itself is fine against itself.
    p.git(&["checkout", "-q", "main"]);
    assert_eq!(p.run(&["check", "--since", "main"]).code, 0);
    let bad = p.run(&["check", "--since", "no-such-branch"]);
    assert_eq!(bad.code, 2);
    assert!(
        bad.stderr.contains("`no-such-branch` names no commit"),
        "{}",
        bad.stderr
    );
}

#[test]
fn an_unreadable_index_is_a_clear_error() {
    let p = committed_chain();
    std::fs::write(p.root().join(".git/index"), b"DIRC garbage, not an index").unwrap();
    let out = p.run(&["check"]);
    assert_eq!(out.code, 2, "{}{}", out.stdout, out.stderr);
    assert!(out.stderr.contains("index"), "{}", out.stderr);
    assert!(!out.stderr.contains("panicked"), "{}", out.stderr);
}

#[test]
fn submodules_and_sparse_checkouts() {
    // A submodule's gitlink in the index is not a file to read.
    let inner = committed_chain();
    let p = committed_chain();
    let added = p.git(&[
        "-c",
        "protocol.file.allow=always",
        "submodule",
        "add",
        "-q",
        inner.root().to_str().unwrap(),
        "vendor/inner",
    ]);
    assert_eq!(added.code, 0, "{}", added.stderr);
    p.migration(
        "c3d7e6f5a4b3_orders.py",
        revision("c3d7e6f5a4b3", "'b2c8d7e6f5a4'", "2024-01-03 10:00:00"),
    )
    .stage("migrations/versions/c3d7e6f5a4b3_orders.py");
    let out = p.run(&["check", "--format", "json"]);
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    // Sparse checkout: files absent from the working tree are still read
    // from the index, so the graph is whole.
    let p = committed_chain();
    assert_eq!(
        p.git(&[
            "sparse-checkout",
            "set",
            "--no-cone",
            "/alembic.ini",
            "/migrations/env.py"
        ])
        .code,
        0
    );
    assert!(
        !p.root().join("migrations/versions/a1b9c8d7e6f5_init.py").exists(),
        "sparse"
    );
    std::fs::create_dir_all(p.root().join("migrations/versions")).unwrap();
    p.migration(
        "c3d7e6f5a4b3_orders.py",
        revision("c3d7e6f5a4b3", "'a1b9c8d7e6f5'", "2024-01-03 10:00:00"),
    );
    assert_eq!(
        p.git(&["add", "--sparse", "migrations/versions/c3d7e6f5a4b3_orders.py"])
            .code,
        0
    );
    let out = p.run(&["check", "--format", "json"]);
    assert_eq!(
        codes(&out),
        ["AP201"],
        "a second head, found through the index: {}",
        out.stdout
    );
}

/// Issue 15, item 2: `pre-commit run --all-files` (and a CI job) names
/// every file with nothing staged. HEAD then is the tree itself, so judging
/// against it hid a fork HEAD already has, and two heads passed.
#[test]
fn every_file_named_with_nothing_staged_reports_a_committed_fork() {
    let p = committed_chain();
    p.migration(
        "c3d7e6f5a4b3_orders.py",
        revision("c3d7e6f5a4b3", "'a1b9c8d7e6f5'", "2024-01-03 10:00:00"),
    )
    .stage_all()
    .commit("a second head");
    let files = [
        "alembic.ini",
        "migrations/env.py",
        "migrations/versions/a1b9c8d7e6f5_init.py",
        "migrations/versions/b2c8d7e6f5a4_users.py",
        "migrations/versions/c3d7e6f5a4b3_orders.py",
    ];
    let mut args = vec!["check", "--format", "json"];
    args.extend(files);
    let out = p.run(&args);
    assert_eq!(out.code, 1, "{}{}", out.stdout, out.stderr);
    assert_eq!(codes(&out), ["AP201"]);
    // N6: something else staged changes nothing: `pre-commit run
    // --all-files` names every file, whatever the index holds.
    p.project.write("README", "x\n");
    assert_eq!(p.git(&["add", "README"]).code, 0);
    let out = p.run(&args);
    assert_eq!(out.code, 1, "{}{}", out.stdout, out.stderr);
    assert_eq!(codes(&out), ["AP201"]);
    // Named files that are the staged change (pre-commit's commit run) are
    // judged against HEAD: the fork is old debt, not this change's.
    let users = "migrations/versions/b2c8d7e6f5a4_users.py";
    let edited = std::fs::read_to_string(p.project.root().join(users)).expect("users") + "# reviewed\n";
    p.project.write(users, edited);
    assert_eq!(p.git(&["add", users]).code, 0);
    let out = p.run(&["check", "--format", "json", users]);
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
}

/// Issue 15, "also": a bare `check` with nothing staged said nothing at
/// all; it now says why nothing was checked.
#[test]
fn a_bare_check_with_nothing_staged_says_so() {
    let p = committed_chain();
    let out = p.run(&["check"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stderr
            .contains("nothing is staged, so nothing was checked; `--all-files` checks everything"),
        "{}",
        out.stderr
    );
}

/// Issue 15, item 4: on a shallow clone (CI's default checkout) `--since`
/// exited 2 with libgit2's "no common ancestor"; it now says what to do.
#[test]
fn since_on_a_shallow_clone_says_to_fetch_the_history() {
    let p = committed_chain();
    p.git(&["branch", "-M", "main"]);
    p.git(&["checkout", "-q", "-b", "feature"]);
    p.migration(
        "c3d7e6f5a4b3_orders.py",
        revision("c3d7e6f5a4b3", "'b2c8d7e6f5a4'", "2024-01-03 10:00:00"),
    )
    .stage_all()
    .commit("feature");
    p.git(&["checkout", "-q", "main"]);
    p.project.write("README", "main moves on\n");
    p.stage_all().commit("main");
    let clones = tempfile::tempdir().expect("a directory for the clone");
    let url = format!("file://{}", p.root().display());
    let clone = crate::support::git_in(
        clones.path(),
        &["clone", "-q", "--depth", "1", "--branch", "feature", &url, "shallow"],
    );
    assert_eq!(clone.code, 0, "{}", clone.stderr);
    let shallow = clones.path().join("shallow");
    let fetched = crate::support::git_in(
        &shallow,
        &["fetch", "-q", "--depth", "1", "origin", "main:refs/remotes/origin/main"],
    );
    assert_eq!(fetched.code, 0, "{}", fetched.stderr);
    let out = crate::support::run_in(&shallow, &["check", "--since", "origin/main"]);
    assert_eq!(out.code, 2, "{}{}", out.stdout, out.stderr);
    assert!(
        out.stderr.contains("this shallow clone does not have"),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("fetch-depth: 0"), "{}", out.stderr);
    // With the history fetched, the same command works.
    assert_eq!(
        crate::support::git_in(&shallow, &["fetch", "-q", "--unshallow", "origin"]).code,
        0
    );
    assert_eq!(
        crate::support::git_in(&shallow, &["fetch", "-q", "origin", "main:refs/remotes/origin/main"]).code,
        0
    );
    let out = crate::support::run_in(&shallow, &["check", "--since", "origin/main"]);
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
}
