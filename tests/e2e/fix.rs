//! `--fix`, `--diff` and `--show-fixes`: on the shipped broken example, and
//! in `--staged` mode through a real `git commit`.

use std::path::Path;

use crate::support::{GitProject, committed_chain, copy_dir, revision, run_in};

/// `--diff` shows every safe fix of `examples/broken` and changes nothing;
/// `--fix` applies them, and the run after it reports only what has no
/// safe fix.
#[test]
fn the_broken_example_is_fixed_where_a_fix_is_safe() {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/broken"),
        dir.path(),
    );
    let before = std::fs::read(dir.path().join("migrations/versions/db187e54b904_add_user_names.py")).unwrap();

    let diff = run_in(dir.path(), &["check", "--all-files", "--diff"]);
    assert_eq!(diff.code, 1, "{}{}", diff.stdout, diff.stderr);
    assert!(
        diff.stdout.contains("-Revises: 68c4691444a8\n+Revises: c2a6eef40a3c\n"),
        "{}",
        diff.stdout
    );
    assert!(
        diff.stdout
            .contains("+down_revision: Union[str, Sequence[str], None] = \"c2a6eef40a3c\"\n"),
        "{}",
        diff.stdout
    );
    assert!(diff.stderr.contains("Would fix 2 problems"), "{}", diff.stderr);
    let after_diff = std::fs::read(dir.path().join("migrations/versions/db187e54b904_add_user_names.py")).unwrap();
    assert_eq!(before, after_diff, "--diff changes nothing");

    let fixed = run_in(dir.path(), &["check", "--all-files", "--fix", "--show-fixes"]);
    assert_eq!(fixed.code, 1, "errors without a safe fix remain: {}", fixed.stdout);
    assert!(fixed.stderr.contains("fixed 2 problems in 2 files"), "{}", fixed.stderr);
    assert!(
        fixed.stderr.contains("(AP104)") && fixed.stderr.contains("(AP202)"),
        "{}",
        fixed.stderr
    );
    for gone in ["AP104", "AP202"] {
        assert!(!fixed.stdout.contains(gone), "{gone} remains: {}", fixed.stdout);
    }
    for left in ["AP201", "AP401", "AP502"] {
        assert!(fixed.stdout.contains(left), "{left} has no safe fix: {}", fixed.stdout);
    }
    let again = run_in(dir.path(), &["check", "--all-files", "--diff"]);
    assert_eq!(again.code, 0, "nothing more to fix: {}", again.stdout);
    assert!(again.stdout.is_empty(), "{}", again.stdout);
}

/// In `--staged` mode the working tree is fixed and the commit stays
/// blocked until the fix is staged; a file with edits not staged is never
/// touched. CRLF line ends and a byte-order mark are kept.
#[test]
fn staged_fixes_edit_the_work_tree_and_ask_for_a_re_stage() {
    let p = committed_chain();
    assert_eq!(p.run(&["install"]).code, 0);
    let text = revision("c3d7e6f5a4b3", "'b2c8d7e6f5a4'", "2024-01-03 10:00:00")
        .replace("Revision ID: c3d7e6f5a4b3", "Revision ID: c3d7e6f5a4b2")
        .replace('\n', "\r\n");
    let mut bytes = b"\xEF\xBB\xBF".to_vec();
    bytes.extend_from_slice(text.as_bytes());
    p.migration("c3d7e6f5a4b3_more.py", &bytes);
    assert_eq!(p.git(&["add", "-A"]).code, 0);

    let blocked = p.git(&["commit", "-q", "-m", "more"]);
    assert_ne!(blocked.code, 0, "{}", blocked.stderr);
    assert!(blocked.stdout.contains("AP103") || blocked.stderr.contains("AP103"));

    let fixed = p.run(&["check", "--staged", "--fix"]);
    assert_eq!(
        fixed.code, 1,
        "the index still holds the stale header: {}{}",
        fixed.stdout, fixed.stderr
    );
    assert!(fixed.stderr.contains("re-stage them (`git add"), "{}", fixed.stderr);
    let path = p.root().join("migrations/versions/c3d7e6f5a4b3_more.py");
    let on_disk = std::fs::read(&path).unwrap();
    let expected = {
        let mut b = b"\xEF\xBB\xBF".to_vec();
        b.extend_from_slice(
            text.replace("Revision ID: c3d7e6f5a4b2", "Revision ID: c3d7e6f5a4b3")
                .as_bytes(),
        );
        b
    };
    assert_eq!(on_disk, expected, "only the header changed; BOM and CRLF kept");
    let staged = p.git(&["show", ":migrations/versions/c3d7e6f5a4b3_more.py"]);
    assert!(
        staged.stdout.contains("Revision ID: c3d7e6f5a4b2"),
        "the index is not touched"
    );

    assert_eq!(p.git(&["add", "-A"]).code, 0);
    let committed = p.git(&["commit", "-q", "-m", "more"]);
    assert_eq!(committed.code, 0, "{}{}", committed.stdout, committed.stderr);

    // Edits not staged: the file is left alone, and the reason said.
    let stale = revision("d4e6f5a4b3c2", "'c3d7e6f5a4b3'", "2024-01-04 10:00:00")
        .replace("Revision ID: d4e6f5a4b3c2", "Revision ID: d4e6f5a4b3c1");
    p.migration("d4e6f5a4b3c2_last.py", &stale);
    assert_eq!(p.git(&["add", "-A"]).code, 0);
    p.migration("d4e6f5a4b3c2_last.py", format!("{stale}# a note not staged\n"));
    let refused = p.run(&["check", "--staged", "--fix"]);
    assert_eq!(refused.code, 1);
    assert!(
        refused.stderr.contains("differs from the staged one"),
        "{}",
        refused.stderr
    );
    let kept = std::fs::read_to_string(p.root().join("migrations/versions/d4e6f5a4b3c2_last.py")).unwrap();
    assert!(kept.contains("Revision ID: d4e6f5a4b3c1"), "not edited");
}

/// A revision reached through a symbolic link is not rewritten: the link
/// stays a link, and the reason is said.
#[cfg(unix)]
#[test]
fn a_symbolic_link_is_not_followed_by_a_fix() {
    let p = GitProject::new();
    let text = revision("a1b9c8d7e6f5", "None", "2024-01-01 10:00:00")
        .replace("Revision ID: a1b9c8d7e6f5", "Revision ID: a1b9c8d7e6f4");
    p.project.write("shared/real.py", &text);
    std::fs::create_dir_all(p.root().join("migrations/versions")).unwrap();
    let link = p.root().join("migrations/versions/a1b9c8d7e6f5_init.py");
    std::os::unix::fs::symlink(p.root().join("shared/real.py"), &link).unwrap();
    let seen = p.run(&["check", "--all-files"]);
    assert!(
        seen.stdout.contains("AP103"),
        "the linked revision is read: {}",
        seen.stdout
    );
    let out = p.run(&["check", "--all-files", "--fix"]);
    assert_eq!(out.code, 1, "reported, not a failure of the tool: {}", out.stderr);
    assert!(
        out.stderr.contains("not fixed") && out.stderr.contains("symbolic link"),
        "{}",
        out.stderr
    );
    assert!(std::fs::symlink_metadata(&link).unwrap().file_type().is_symlink());
    assert_eq!(std::fs::read_to_string(p.root().join("shared/real.py")).unwrap(), text);
}

/// Two heads, one of them the revision a commit adds: the fix re-points
/// that revision (and its header) onto the other head. A revision the
/// baseline already has is never re-pointed.
#[test]
fn a_new_revision_is_re_pointed_onto_the_other_head() {
    let p = committed_chain();
    p.migration(
        "c3d7e6f5a4b3_more.py",
        revision("c3d7e6f5a4b3", "'a1b9c8d7e6f5'", "2024-01-03 10:00:00"),
    );
    assert_eq!(p.git(&["add", "-A"]).code, 0);
    let diff = p.run(&["check", "--staged", "--diff"]);
    assert_eq!(diff.code, 1, "{}{}", diff.stdout, diff.stderr);
    assert!(
        diff.stdout.contains("-Revises: a1b9c8d7e6f5\n+Revises: b2c8d7e6f5a4\n"),
        "{}",
        diff.stdout
    );
    assert!(
        diff.stdout
            .contains("-down_revision = 'a1b9c8d7e6f5'\n+down_revision = 'b2c8d7e6f5a4'\n"),
        "{}",
        diff.stdout
    );
    let fixed = p.run(&["check", "--staged", "--fix"]);
    assert!(fixed.stderr.contains("re-stage"), "{}", fixed.stderr);
    assert_eq!(p.git(&["add", "-A"]).code, 0);
    let clean = p.run(&["check", "--staged"]);
    assert_eq!(clean.code, 0, "{}{}", clean.stdout, clean.stderr);

    // Committed without the check: history, not this change's to rewrite.
    assert_eq!(p.git(&["commit", "-q", "--no-verify", "-m", "more"]).code, 0);
    p.migration(
        "d4e6f5a4b3c2_old_fork.py",
        revision("d4e6f5a4b3c2", "'b2c8d7e6f5a4'", "2024-01-04 10:00:00"),
    );
    assert_eq!(p.git(&["add", "-A"]).code, 0);
    assert_eq!(p.git(&["commit", "-q", "--no-verify", "-m", "fork"]).code, 0);
    let sweep = p.run(&["check", "--all-files", "--diff"]);
    assert!(!sweep.stdout.contains("down_revision"), "{}", sweep.stdout);
}
