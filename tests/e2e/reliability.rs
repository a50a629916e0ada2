//! Defects found by trying the tool as an attacker and a careless user
//! would, each named by its number in the reliability report, proven with
//! a real `git commit` through the installed hook.

use crate::support::{GitProject, committed_chain};

/// Installs the native hook and commits everything, as a user would.
fn commit_through_the_hook(p: &GitProject) -> crate::support::Output {
    assert_eq!(p.run(&["install"]).code, 0, "hook installed");
    assert_eq!(p.git(&["add", "-A"]).code, 0);
    p.git(&["commit", "-q", "-m", "change"])
}

/// F-02: a no-break space copied into a suppression comment made the
/// default output panic, so every commit of that file crashed the hook
/// (exit 101 blocked it).
#[test]
fn f02_a_no_break_space_in_a_suppression_is_reported_not_a_crash() {
    let p = committed_chain();
    p.migration(
        "c3d7e6f5a4b3_orders.py",
        "\"\"\"orders\n\nRevision ID: c3d7e6f5a4b3\nRevises: b2c8d7e6f5a4\nCreate Date: 2024-01-03 10:00:00\n\n\"\"\"\nrevision = \"c3d7e6f5a4b3\"  # noqa: AP107\u{a0}AP999\ndown_revision = \"b2c8d7e6f5a4\"\n\n\ndef upgrade():\n    pass\n\n\ndef downgrade():\n    pass\n",
    );
    let out = commit_through_the_hook(&p);
    let said = format!("{}{}", out.stdout, out.stderr);
    assert!(!said.contains("panicked"), "{said}");
    assert_eq!(out.code, 0, "a warning, not a crash that blocks the commit:\n{said}");
    assert!(
        said.contains("warning[AP001]") && said.contains("`AP999` names no rule"),
        "{said}"
    );
    // The column is the code's, after the two-byte space.
    assert!(said.contains("c3d7e6f5a4b3_orders.py:8:42"), "{said}");
}

/// F-04: each diagnostic reprinted its whole physical line, so N indexes
/// on one line printed N times that line: output quadratic in the input.
#[test]
fn f04_output_stays_linear_in_the_length_of_a_line() {
    let p = committed_chain();
    let mut indexes = String::new();
    for i in 0..1500 {
        indexes.push_str("Index(\"ix_t_");
        indexes.push_str(&i.to_string());
        indexes.push_str("\", \"c");
        indexes.push_str(&i.to_string());
        indexes.push_str("\"), ");
    }
    p.project.write(
        "app/models.py",
        format!(
            "from sqlalchemy import Column, Index, Integer\nfrom sqlalchemy.orm import declarative_base\n\nBase = declarative_base()\n\n\nclass T(Base):\n    __tablename__ = \"t\"\n    __table_args__ = ({indexes})\n    id = Column(Integer, primary_key=True)\n"
        ),
    );
    p.migration(
        "c3d7e6f5a4b3_t.py",
        "\"\"\"t\n\nRevision ID: c3d7e6f5a4b3\nRevises: b2c8d7e6f5a4\nCreate Date: 2024-01-03 10:00:00\n\n\"\"\"\nfrom alembic import op\nimport sqlalchemy as sa\n\nrevision = \"c3d7e6f5a4b3\"\ndown_revision = \"b2c8d7e6f5a4\"\n\n\ndef upgrade():\n    op.create_table(\"t\", sa.Column(\"id\", sa.Integer()))\n\n\ndef downgrade():\n    op.drop_table(\"t\")\n",
    );
    let input = std::fs::metadata(p.root().join("app/models.py"))
        .expect("model written")
        .len();
    let out = commit_through_the_hook(&p);
    let said = format!("{}{}", out.stdout, out.stderr);
    assert_eq!(out.code, 0, "warnings only: the commit goes through");
    assert!(
        said.matches("warning[AP303]").count() >= 1500,
        "every index is reported"
    );
    // Before: 1,500 copies of a 40 KB line (60 MB). Now each excerpt is a window.
    let output = u64::try_from(said.len()).expect("fits");
    assert!(output < 1500 * 1024, "{output} bytes of output for a {input}-byte line");
}

/// F-03: a committed link to a file outside the repository
/// (`/proc/self/environ`, `~/.ssh/id_rsa`) was read, and the `full`
/// format printed its line: a pull request could print a CI's secrets.
#[cfg(unix)]
#[test]
fn f03_a_link_out_of_the_repository_is_never_read() {
    let p = committed_chain();
    let outside = tempfile::tempdir().expect("a directory outside");
    let secret = outside.path().join("environ");
    std::fs::write(
        &secret,
        "revision = 'MY_SECRET_TOKEN=s3cr3t'\ndown_revision = 'nowhere'\n",
    )
    .expect("secret");
    std::os::unix::fs::symlink(&secret, p.root().join("migrations/versions/c3d7e6f5a4b3_leak.py")).expect("link");
    assert_eq!(p.git(&["checkout", "-q", "-b", "pr"]).code, 0);
    let committed = commit_through_the_hook(&p);
    let mut said = format!("{}{}", committed.stdout, committed.stderr);
    for args in [
        &["check", "--all-files"][..],
        &["check", "--since", "main"],
        &["check", "migrations/versions/c3d7e6f5a4b3_leak.py"],
    ] {
        let out = p.run(args);
        said.push_str(&out.stdout);
        said.push_str(&out.stderr);
    }
    assert!(!said.contains("s3cr3t"), "{said}");
}

/// F-21: a revision committed as a link to another file of the repository
/// is a revision Alembic loads; staged mode left it out, and the next
/// revision's parent looked unknown, so the hook refused a valid commit.
#[cfg(unix)]
#[test]
fn f21_a_link_inside_the_repository_is_read_in_staged_mode() {
    let p = committed_chain();
    p.project.write(
        "shared/c3d7e6f5a4b3_orders.py",
        crate::support::revision("c3d7e6f5a4b3", "'b2c8d7e6f5a4'", "2024-01-03 10:00:00"),
    );
    std::os::unix::fs::symlink(
        "../../shared/c3d7e6f5a4b3_orders.py",
        p.root().join("migrations/versions/c3d7e6f5a4b3_orders.py"),
    )
    .expect("link");
    assert_eq!(p.git(&["add", "-A"]).code, 0);
    assert_eq!(p.git(&["commit", "-q", "-m", "orders, shared"]).code, 0);
    p.migration(
        "d4e8f7a6b5c4_items.py",
        crate::support::revision("d4e8f7a6b5c4", "'c3d7e6f5a4b3'", "2024-01-04 10:00:00"),
    );
    let out = commit_through_the_hook(&p);
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
}

/// F-32: a reader that closed the pipe early (`| head -n 1` under
/// `pipefail`) turned exit 1 into exit 0, so CI passed on errors.
#[test]
fn f32_a_closed_pipe_keeps_the_exit_status() {
    use std::io::Read;
    use std::process::{Command, Stdio};
    let p = crate::support::Project::alembic();
    for i in 0..400 {
        p.migration(
            &format!("r{i:03}_m.py"),
            format!("revision = 'r{i:03}'\ndown_revision = 'missing{i:03}'\n\n\ndef upgrade():\n    pass\n\n\ndef downgrade():\n    pass\n"),
        );
    }
    let mut child = Command::new(crate::support::binary())
        .args(["check", "--all-files", "--no-cache"])
        .current_dir(p.root())
        .env("NO_COLOR", "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("runs");
    let mut first = [0u8; 16];
    child
        .stdout
        .take()
        .expect("stdout")
        .read_exact(&mut first)
        .expect("some output");
    // The reader is gone (its end of the pipe dropped) with most unread.
    let status = child.wait().expect("exits");
    assert_eq!(
        status.code(),
        Some(1),
        "errors were found: exit 1 even though the pipe closed"
    );
}

/// F-09: revision ids (after Python unescaping) and file names carrying
/// escape sequences or a line starting `::error` reached the terminal and
/// CI logs raw, where they act (GitHub runs `::` lines as commands).
#[test]
fn f09_text_from_files_is_escaped_in_every_human_format() {
    let p = crate::support::Project::alembic();
    p.migration("aaa_init.py", "revision = 'aaa'\ndown_revision = None\n");
    p.migration(
        "bbb_m.py",
        "revision = \"bbb\\n::error file=app.py,line=1::INJECTED\"\ndown_revision = \"aaa\"\n",
    );
    p.migration(
        "ccc_m.py",
        "revision = \"ccc\\x1b]0;PWNED\\x07\\x1b[2J\"\ndown_revision = \"aaa\"\n",
    );
    p.migration("ddd\n::warning::named.py", "revision = 'ddd'\ndown_revision = 'aaa'\n");
    let runs: [&[&str]; 9] = [
        &["check", "--all-files", "--no-cache", "--format", "junit"],
        &["check", "--all-files", "--no-cache", "--format", "gitlab"],
        &["check", "--all-files", "--no-cache"],
        &["check", "--all-files", "--no-cache", "--format", "concise"],
        &["check", "--all-files", "--no-cache", "--format", "github"],
        &["graph"],
        &["graph", "--format", "dot"],
        &["graph", "--format", "mermaid"],
        &["check", "--all-files", "--no-cache", "--statistics"],
    ];
    for args in runs {
        let out = p.run(args);
        let said = format!("{}{}", out.stdout, out.stderr);
        assert!(
            !said.contains('\u{1b}') && !said.contains('\u{7}'),
            "{args:?}: {said:?}"
        );
        assert!(
            !said.lines().any(|l| l.starts_with("::")) || args.contains(&"github"),
            "{args:?}:\n{said}"
        );
        if args.contains(&"github") {
            assert!(!said.lines().any(|l| l.starts_with("::error file=app.py")), "{said}");
        }
    }
}

/// F-10: an intent-to-add entry (`git add -N`) was checked as an empty
/// revision file, so the hook refused a commit that does not contain it.
#[test]
fn f10_an_intent_to_add_file_is_not_part_of_the_commit() {
    let p = committed_chain();
    assert_eq!(p.run(&["install"]).code, 0);
    p.migration(
        "c3d7e6f5a4b3_orders.py",
        crate::support::revision("c3d7e6f5a4b3", "'b2c8d7e6f5a4'", "2024-01-03 10:00:00"),
    );
    assert_eq!(
        p.git(&["add", "-N", "migrations/versions/c3d7e6f5a4b3_orders.py"]).code,
        0
    );
    p.project.write("README", "readme\n");
    assert_eq!(p.git(&["add", "README"]).code, 0);
    let out = p.git(&["commit", "-q", "-m", "readme"]);
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    assert_eq!(p.git(&["rev-list", "--count", "HEAD"]).stdout.trim(), "2");
}

/// F-08: every revision carried the labels of all its ancestors, so a
/// label on each revision of a history made memory (and the graph's text,
/// which printed those sets) quadratic in its length.
#[test]
fn f08_a_label_on_every_revision_stays_linear() {
    let p = crate::support::Project::alembic();
    let revisions = 1500;
    for n in 0..revisions {
        let down = if n == 0 {
            "None".to_owned()
        } else {
            format!("'r{}'", n - 1)
        };
        p.migration(
            &format!("r{n}_step.py"),
            format!(
                "revision = 'r{n}'\ndown_revision = {down}\nbranch_labels = ('line_{n}',)\n\n\ndef upgrade():\n    op.add_column('t', sa.Column('c{n}', sa.Integer()))\n\n\ndef downgrade():\n    op.drop_column('t', 'c{n}')\n"
            ),
        );
    }
    let out = p.run(&["graph"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    // One line per revision with its own label, and one list of labels.
    assert!(
        out.stdout.len() < revisions * 200,
        "{} bytes of graph",
        out.stdout.len()
    );
    assert!(
        out.stdout
            .contains("r0 -> r1 (line_1), migrations/versions/r1_step.py\n"),
        "{}",
        &out.stdout[..out.stdout.len().min(2000)]
    );
    let check = p.run(&["check", "--all-files", "--format", "concise"]);
    assert_eq!(check.code, 0, "one head, one base:\n{}", check.stdout);
    // A second head below the labelled line shares every label with the
    // first: the same branch, so AP201 names the newest label in effect.
    p.migration(
        "fork_step.py",
        "revision = 'fork'\ndown_revision = 'r1000'\n\n\ndef upgrade():\n    op.create_table('fork')\n\n\ndef downgrade():\n    op.drop_table('fork')\n",
    );
    let check = p.run(&["check", "--all-files", "--format", "concise"]);
    assert_eq!(check.code, 1, "{}", check.stdout);
    assert!(
        check.stdout.contains("AP201") && check.stdout.contains("on branch `line_0`"),
        "{}",
        check.stdout
    );
}

fn make_executable(path: &std::path::Path) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    }
}

/// F-16: a hook containing the marker anywhere counted as ours, so a user's
/// edits to it were overwritten by `install` and a team hook that quoted
/// the marker was deleted by `uninstall`.
#[test]
fn f16_an_edited_or_foreign_hook_is_never_overwritten_or_removed() {
    let p = committed_chain();
    let hook = p.root().join(".git/hooks/pre-commit");
    assert_eq!(p.run(&["install"]).code, 0);
    let ours = std::fs::read_to_string(&hook).expect("hook written");
    let edited = ours.replacen(
        "\n\n",
        "\necho my addition ran >> \"$(git rev-parse --git-dir)/mine.log\"\n\n",
        1,
    );
    std::fs::write(&hook, &edited).expect("edit the hook");
    let again = p.run(&["install"]);
    assert_eq!(again.code, 2, "{}", again.stderr);
    // `uninstall` removes only the unedited `pre-merge-commit` hook.
    let removed = p.run(&["uninstall"]);
    assert_eq!(removed.code, 0, "{}", removed.stderr);
    assert_eq!(p.run(&["uninstall"]).code, 2);
    assert_eq!(std::fs::read_to_string(&hook).expect("still there"), edited);
    // The edited hook still does both jobs on a real commit.
    p.project.write("README", "x\n");
    assert_eq!(p.git(&["add", "README"]).code, 0);
    let out = p.git(&["commit", "-q", "-m", "readme"]);
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    assert!(p.root().join(".git/mine.log").exists());

    let team = "#!/bin/sh\n# replaced the hook \"# installed by alembic-preflight\" with ours\nexit 0\n";
    std::fs::write(&hook, team).expect("team hook");
    assert_eq!(p.run(&["uninstall"]).code, 2);
    assert_eq!(std::fs::read_to_string(&hook).expect("kept"), team);
}

/// F-17: concurrent `install --force` shared one temporary name and moved
/// hooks with renames that overwrite, so the foreign hook could be lost and
/// `pre-commit.legacy` become a copy of ours, which ran itself without end.
#[test]
fn f17_concurrent_installs_keep_the_foreign_hook_and_never_recurse() {
    let p = committed_chain();
    let hooks = p.root().join(".git/hooks");
    std::fs::create_dir_all(&hooks).expect("hooks directory");
    for trial in 0..15 {
        let _ = std::fs::remove_file(hooks.join("pre-commit"));
        let _ = std::fs::remove_file(hooks.join("pre-commit.alembic-preflight-kept"));
        let foreign = format!("#!/bin/sh\necho FOREIGN-{trial}\n");
        std::fs::write(hooks.join("pre-commit"), &foreign).expect("foreign hook");
        make_executable(&hooks.join("pre-commit"));
        let children: Vec<_> = (0..6)
            .map(|_| {
                std::process::Command::new(crate::support::binary())
                    .args(["install", "--force"])
                    .current_dir(p.root())
                    .env("GIT_CONFIG_NOSYSTEM", "1")
                    .env("HOME", p.root())
                    .stdout(std::process::Stdio::null())
                    .stderr(std::process::Stdio::null())
                    .spawn()
                    .expect("install runs")
            })
            .collect();
        for mut child in children {
            child.wait().expect("install ends");
        }
        let legacy =
            std::fs::read_to_string(hooks.join("pre-commit.alembic-preflight-kept")).expect("the foreign hook is kept");
        assert_eq!(legacy, foreign, "trial {trial}");
        let hook = std::fs::read_to_string(hooks.join("pre-commit")).expect("our hook");
        assert!(
            hook.contains("# installed by alembic-preflight"),
            "trial {trial}: {hook}"
        );
        let left: Vec<_> = std::fs::read_dir(&hooks)
            .expect("list hooks")
            .filter_map(|e| e.ok()?.file_name().into_string().ok())
            .filter(|n| n.contains("tmp"))
            .collect();
        assert!(left.is_empty(), "temporary files left: {left:?}");
    }
    // The state a lost race used to leave: a copy of our hook as the legacy
    // one. The commit runs it once and ends.
    std::fs::copy(hooks.join("pre-commit"), hooks.join("pre-commit.legacy")).expect("copy");
    p.project.write("README", "x\n");
    assert_eq!(p.git(&["add", "README"]).code, 0);
    let out = p.git(&["commit", "-q", "-m", "readme"]);
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
}

/// F-18: `install --force` moved the foreign hook aside before writing
/// ours, so a failed write left no `pre-commit` at all and the foreign
/// hook silently stopped running. The report's failure was a directory in
/// the way of the temporary file.
#[test]
fn f18_a_failed_install_never_loses_the_foreign_hook() {
    let p = committed_chain();
    let hooks = p.root().join(".git/hooks");
    std::fs::create_dir_all(hooks.join("pre-commit.alembic-preflight-tmp")).expect("in the way");
    let foreign = "#!/bin/sh\necho FOREIGN >&2\nexit 1\n";
    std::fs::write(hooks.join("pre-commit"), foreign).expect("foreign hook");
    make_executable(&hooks.join("pre-commit"));
    let out = p.run(&["install", "--force"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    // The foreign hook still runs on a real commit, and blocks it.
    p.project.write("README", "x\n");
    assert_eq!(p.git(&["add", "README"]).code, 0);
    let commit = p.git(&["commit", "-q", "-m", "readme"]);
    assert_eq!(commit.code, 1, "{}{}", commit.stdout, commit.stderr);
    assert!(commit.stderr.contains("FOREIGN"), "{}", commit.stderr);
}

/// Stages everything, makes sure git pairs the change as a rename, and
/// checks the staged change.
fn check_a_staged_rename(p: &GitProject) -> crate::support::Output {
    assert_eq!(p.git(&["add", "-A"]).code, 0);
    assert!(
        p.git(&["status", "--short"]).stdout.starts_with("R "),
        "paired as a rename"
    );
    p.run(&["check", "--format", "concise"])
}

fn assert_reports(out: &crate::support::Output, line: &str) {
    assert!(
        out.stdout.contains(line),
        "{line}\nnot in:\n{}{}",
        out.stdout,
        out.stderr
    );
}

/// F-13: git pairs a moved-and-edited file, or a deleted revision and a
/// look-alike added in its place, as a rename; AP701 looked only at paths
/// HEAD has, so both edits of applied history went unreported.
#[test]
fn f13_edited_history_is_reported_when_git_pairs_it_as_a_rename() {
    let p = committed_chain();
    let old = "migrations/versions/b2c8d7e6f5a4_users.py";
    let moved = "migrations/versions/b2c8d7e6f5a4_users_renamed.py";
    assert_eq!(p.git(&["mv", old, moved]).code, 0);
    let text = std::fs::read_to_string(p.root().join(moved)).expect("moved");
    p.project.write(moved, text.replace("sa.Integer()", "sa.BigInteger()"));
    assert_reports(
        &check_a_staged_rename(&p),
        &format!("{moved}:12:13: AP701 [warning] this change moves and edits a revision HEAD already has (from {old})"),
    );
    // A plain move changes nothing Alembic sees.
    p.project.write(moved, &text);
    assert_eq!(p.git(&["add", "-A"]).code, 0);
    let out = p.run(&["check", "--format", "concise"]);
    assert!(!out.stdout.contains("AP701"), "{}", out.stdout);

    // Deleting the applied revision and adding a look-alike: a deletion.
    assert_eq!(p.git(&["reset", "-q", "--hard"]).code, 0);
    assert_eq!(p.git(&["rm", "-q", old]).code, 0);
    p.migration("c3d7e6f5a4b3_users.py", text.replace("b2c8d7e6f5a4", "c3d7e6f5a4b3"));
    assert_reports(
        &check_a_staged_rename(&p),
        &format!("{old}:1:1: AP701 [warning] this change deletes a revision HEAD already has"),
    );
    // The same with `--since`, against the commit.
    assert_eq!(p.git(&["commit", "-q", "--no-verify", "-m", "replace"]).code, 0);
    assert_reports(
        &p.run(&["check", "--since", "HEAD~1", "--format", "concise"]),
        &format!("{old}:1:1: AP701 [warning] this change deletes a revision HEAD~1 already has"),
    );
}

/// F-20: `--since` joined every revision file of the other branch that
/// this side lacked, so a file the other branch renamed showed twice: a
/// false AP203 that the real merge does not have. Files this side deleted
/// came back the same way.
#[test]
fn f20_since_sees_the_graph_a_merge_would_leave() {
    let p = committed_chain();
    assert_eq!(p.git(&["branch", "-M", "main"]).code, 0);
    assert_eq!(p.git(&["checkout", "-q", "-b", "feature"]).code, 0);
    p.migration(
        "c3d7e6f5a4b3_orders.py",
        crate::support::revision("c3d7e6f5a4b3", "'b2c8d7e6f5a4'", "2024-01-03 10:00:00"),
    );
    assert_eq!(p.git(&["add", "-A"]).code, 0);
    assert_eq!(p.git(&["commit", "-q", "-m", "feature"]).code, 0);
    assert_eq!(p.git(&["checkout", "-q", "main"]).code, 0);
    assert_eq!(
        p.git(&[
            "mv",
            "migrations/versions/b2c8d7e6f5a4_users.py",
            "migrations/versions/b2c8d7e6f5a4_renamed.py"
        ])
        .code,
        0
    );
    assert_eq!(p.git(&["commit", "-q", "-m", "rename"]).code, 0);
    assert_eq!(p.git(&["checkout", "-q", "feature"]).code, 0);
    let out = p.run(&["check", "--since", "main", "--format", "concise"]);
    assert_eq!(out.code, 0, "stdout:\n{}\nstderr:\n{}", out.stdout, out.stderr);
    assert_eq!(out.stdout, "All checks passed!\n");
    // The other side's new revisions still join: a second head is caught.
    assert_eq!(p.git(&["checkout", "-q", "main"]).code, 0);
    p.migration(
        "d4e6f5a4b3c2_audit.py",
        crate::support::revision("d4e6f5a4b3c2", "'b2c8d7e6f5a4'", "2024-01-04 10:00:00"),
    );
    assert_eq!(p.git(&["add", "-A"]).code, 0);
    assert_eq!(p.git(&["commit", "-q", "-m", "audit"]).code, 0);
    assert_eq!(p.git(&["checkout", "-q", "feature"]).code, 0);
    let out = p.run(&["check", "--since", "main", "--format", "concise"]);
    assert_eq!(out.code, 1, "{}{}", out.stdout, out.stderr);
    assert!(
        out.stdout.contains("AP201") && !out.stdout.contains("AP203"),
        "{}",
        out.stdout
    );
}

/// F-24: during a conflicted merge the conflicted revision file has no
/// stage-0 entry, so the staged check lost it and reported that a
/// revision naming it names nothing (a false AP202).
#[test]
fn f24_a_conflicted_revision_file_is_still_in_the_graph() {
    let p = committed_chain();
    let users = "migrations/versions/b2c8d7e6f5a4_users.py";
    let text = std::fs::read_to_string(p.root().join(users)).expect("users");
    assert_eq!(p.git(&["checkout", "-q", "-b", "side"]).code, 0);
    p.project.write(users, text.replace("sa.Integer()", "sa.BigInteger()"));
    p.migration(
        "c3d7e6f5a4b3_orders.py",
        crate::support::revision("c3d7e6f5a4b3", "'b2c8d7e6f5a4'", "2024-01-03 10:00:00"),
    );
    assert_eq!(p.git(&["add", "-A"]).code, 0);
    assert_eq!(p.git(&["commit", "-q", "-m", "side"]).code, 0);
    assert_eq!(p.git(&["checkout", "-q", "-"]).code, 0);
    p.project
        .write(users, text.replace("sa.Integer()", "sa.SmallInteger()"));
    assert_eq!(p.git(&["commit", "-q", "-am", "here"]).code, 0);
    assert_ne!(p.git(&["merge", "side"]).code, 0, "the merge conflicts");
    assert!(p.git(&["status", "--short"]).stdout.contains("UU "), "a conflict");
    let out = p.run(&["check", "--format", "concise"]);
    assert!(!out.stdout.contains("AP202"), "{}{}", out.stdout, out.stderr);
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
}

/// Runs `git` with the environment a separated repository needs.
fn git_env(dir: &std::path::Path, args: &[&str], vars: &[(&str, &std::path::Path)]) -> crate::support::Output {
    let output = std::process::Command::new("git")
        .args(args)
        .current_dir(dir)
        .env_remove("GIT_INDEX_FILE")
        .env("HOME", dir)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .envs(vars.iter().map(|(k, v)| (*k, v.as_os_str())))
        .output()
        .expect("git runs");
    crate::support::Output {
        code: output.status.code().expect("exit code"),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

/// F-11: `GIT_DIR` and `GIT_WORK_TREE` were ignored: `install` found no
/// repository and the hook failed every commit of a repository kept apart
/// from its work tree.
#[test]
fn f11_a_repository_named_by_git_dir_is_checked() {
    let p = crate::support::Project::alembic();
    p.migration(
        "a1b9c8d7e6f5_init.py",
        crate::support::revision("a1b9c8d7e6f5", "None", "2024-01-01 10:00:00"),
    );
    let store = tempfile::tempdir().expect("repository directory");
    let git_dir = store.path().join("repo.git");
    let vars = [("GIT_DIR", git_dir.as_path()), ("GIT_WORK_TREE", p.root())];
    assert_eq!(
        git_env(
            p.root(),
            &["init", "-q", "--bare", git_dir.to_str().expect("path")],
            &[]
        )
        .code,
        0
    );
    for args in [
        &["config", "core.bare", "false"][..],
        &["config", "user.email", "t@example.com"],
        &["config", "user.name", "T"],
        &["add", "-A"],
        &["commit", "-q", "-m", "init"],
    ] {
        assert_eq!(git_env(p.root(), args, &vars).code, 0, "{args:?}");
    }
    let env: Vec<(&str, &str)> = vars.iter().map(|(k, v)| (*k, v.to_str().expect("path"))).collect();
    let install = crate::support::run_with_env(p.root(), &["install"], &env);
    assert_eq!(install.code, 0, "{}", install.stderr);
    assert!(git_dir.join("hooks/pre-commit").exists());
    for id in ["b2c8d7e6f5a4", "c3d7e6f5a4b3"] {
        p.migration(
            &format!("{id}_x.py"),
            crate::support::revision(id, "'a1b9c8d7e6f5'", "2024-01-02 10:00:00"),
        );
    }
    assert_eq!(git_env(p.root(), &["add", "-A"], &vars).code, 0);
    let blocked = git_env(p.root(), &["commit", "-q", "-m", "two heads"], &vars);
    assert_eq!(blocked.code, 1, "{}", blocked.stderr);
    assert!(blocked.stderr.contains("error[AP201]"), "{}", blocked.stderr);
    assert_eq!(
        git_env(
            p.root(),
            &["rm", "-q", "--cached", "migrations/versions/c3d7e6f5a4b3_x.py"],
            &vars
        )
        .code,
        0
    );
    let accepted = git_env(p.root(), &["commit", "-q", "-m", "one head"], &vars);
    assert_eq!(accepted.code, 0, "{}", accepted.stderr);
}

/// F-33: a relative `GIT_INDEX_FILE` is git's, from the top of the work
/// tree; read from the current directory it was an empty index, and every
/// revision looked deleted.
#[test]
fn f33_a_relative_index_file_is_read_from_the_top_of_the_work_tree() {
    let p = committed_chain();
    let out = crate::support::run_with_env(
        &p.root().join("migrations"),
        &["check", "--format", "concise"],
        &[("GIT_INDEX_FILE", ".git/index")],
    );
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    assert!(out.stdout.is_empty(), "{}", out.stdout);
}

/// F-27: a `core.hooksPath` libgit2 could not expand (`~user/…`) counted
/// as unset, so the hook went to `.git/hooks`, where git never runs it.
#[test]
fn f27_a_hooks_path_with_a_home_directory_is_expanded_or_refused() {
    let p = committed_chain();
    assert_eq!(p.git(&["config", "core.hooksPath", "~no-such-user-here/hooks"]).code, 0);
    let out = p.run(&["install"]);
    assert_eq!(out.code, 2, "{}", out.stdout);
    assert!(
        out.stderr.contains("core.hooksPath is `~no-such-user-here/hooks`"),
        "{}",
        out.stderr
    );
    assert!(!p.root().join(".git/hooks/pre-commit").exists());
    // `~/` is the home directory, for git and for us.
    assert_eq!(p.git(&["config", "core.hooksPath", "~/team-hooks"]).code, 0);
    let out = p.run(&["install"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(p.root().join("team-hooks/pre-commit").exists());
    p.migration(
        "c3d7e6f5a4b3_orders.py",
        crate::support::revision("c3d7e6f5a4b3", "'a1b9c8d7e6f5'", "2024-01-03 10:00:00"),
    );
    assert_eq!(p.git(&["add", "migrations"]).code, 0);
    let blocked = p.git(&["commit", "-q", "-m", "second head"]);
    assert_eq!(blocked.code, 1, "git ran the hook: {}", blocked.stderr);
}

/// F-26: a `$HOME` whose git configuration cannot be read (not ours to
/// enter under `docker run --user`; here a link to itself, which any user
/// can make) stopped libgit2 from opening the repository, so every command
/// failed, `--all-files` too. git warns and goes on; so do we.
#[test]
fn f26_an_unreadable_home_is_warned_about_not_fatal() {
    let p = committed_chain();
    let home = p.root().join("home");
    #[cfg(unix)]
    std::os::unix::fs::symlink(&home, &home).expect("a link to itself");
    let home = home.to_str().expect("path");
    let vars = [("HOME", home), ("XDG_CONFIG_HOME", "")];
    let all = crate::support::run_with_env(p.root(), &["check", "--all-files"], &vars);
    assert_eq!(all.code, 0, "{}", all.stderr);
    assert!(all.stderr.contains("warning: cannot read"), "{}", all.stderr);
    p.migration(
        "c3d7e6f5a4b3_orders.py",
        crate::support::revision("c3d7e6f5a4b3", "'a1b9c8d7e6f5'", "2024-01-03 10:00:00"),
    );
    assert_eq!(p.git(&["add", "-A"]).code, 0);
    let staged = crate::support::run_with_env(p.root(), &["check", "--format", "concise"], &vars);
    assert_eq!(staged.code, 1, "{}", staged.stderr);
    assert!(staged.stdout.contains("AP201"), "{}", staged.stdout);
}

/// Runs the binary in `dir`, killed if it has not ended after 30 s: the
/// exit code, or `None` when it had to be killed.
fn run_within_deadline(dir: &std::path::Path, args: &[&str]) -> Option<i32> {
    let mut child = std::process::Command::new(crate::support::binary())
        .args(args)
        .current_dir(dir)
        .env("HOME", dir)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env_remove("GIT_DIR")
        .env_remove("GIT_INDEX_FILE")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("the binary runs");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    loop {
        if let Some(status) = child.try_wait().expect("wait") {
            return status.code();
        }
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            return None;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

/// F-29: the cache file (or `--config`) pointed at `/dev/zero` was read
/// without end, and a FIFO blocked the run forever.
#[cfg(unix)]
#[test]
fn f29_special_files_in_place_of_the_cache_or_configuration_are_not_read() {
    let p = committed_chain();
    let cache = p.root().join(".git/alembic-preflight");
    std::fs::create_dir_all(&cache).expect("cache directory");
    std::os::unix::fs::symlink("/dev/zero", cache.join("facts")).expect("link");
    assert_eq!(run_within_deadline(p.root(), &["check", "--all-files"]), Some(0));
    let _ = std::fs::remove_file(cache.join("facts"));
    let name = std::ffi::CString::new(cache.join("facts").to_str().expect("path")).expect("no NUL");
    // SAFETY: a valid NUL-terminated path.
    assert_eq!(unsafe { libc::mkfifo(name.as_ptr(), 0o600) }, 0);
    assert_eq!(run_within_deadline(p.root(), &["check", "--all-files"]), Some(0));
    let out = p.run(&["check", "--all-files", "--config", "/dev/zero"]);
    assert_eq!(out.code, 2);
    assert!(
        out.stderr.contains("cannot read /dev/zero") && out.stderr.contains("not a regular file"),
        "{}",
        out.stderr
    );
}

/// F-15: file names that are not UTF-8 were dropped in every mode, even
/// named on the command line, so a second head could hide behind one.
/// Alembic loads such files; they are checked under a readable name.
#[cfg(target_os = "linux")]
#[test]
fn f15_a_name_that_is_not_utf8_is_checked() {
    use std::os::unix::ffi::OsStrExt;
    let p = committed_chain();
    let name = std::ffi::OsStr::from_bytes(b"c3\xff_orders.py");
    let path = p.root().join("migrations/versions").join(name);
    std::fs::write(
        &path,
        crate::support::revision("c3d7e6f5a4b3", "'a1b9c8d7e6f5'", "2024-01-03 10:00:00"),
    )
    .expect("a file the kernel accepts");
    assert_eq!(p.git(&["add", "-A"]).code, 0);
    for args in [
        &["check", "--format", "concise"][..],
        &["check", "--all-files", "--format", "concise"],
    ] {
        let out = p.run(args);
        assert_eq!(out.code, 1, "{args:?}: {}{}", out.stdout, out.stderr);
        assert!(
            out.stdout.contains("migrations/versions/c3\\xff_orders.py") && out.stdout.contains("AP201"),
            "{args:?}: {}",
            out.stdout
        );
    }
    // Named as pre-commit names it: the real bytes.
    let named = std::process::Command::new(crate::support::binary())
        .args(["check", "--format", "concise"])
        .arg(std::path::Path::new("migrations/versions").join(name))
        .current_dir(p.root())
        .env("HOME", p.root())
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env_remove("GIT_DIR")
        .env_remove("GIT_INDEX_FILE")
        .output()
        .expect("the binary runs");
    let stdout = String::from_utf8_lossy(&named.stdout);
    assert_eq!(
        named.status.code(),
        Some(1),
        "{stdout}{}",
        String::from_utf8_lossy(&named.stderr)
    );
    assert!(
        stdout.contains("c3\\xff_orders.py") && stdout.contains("AP201"),
        "{stdout}"
    );
    let graph = p.run(&["graph"]);
    assert!(
        graph.stdout.contains("heads: b2c8d7e6f5a4, c3d7e6f5a4b3"),
        "{}",
        graph.stdout
    );
}

/// F-23: a version location the walk could not enter (a link to a
/// directory, or one the user may not read) gave 0 revisions and exit 0.
#[cfg(unix)]
#[test]
fn f23_a_version_location_that_cannot_be_walked_is_an_error() {
    let p = committed_chain();
    let versions = p.root().join("migrations/versions");
    let real = p.root().join("real_versions");
    std::fs::rename(&versions, &real).expect("move");
    std::os::unix::fs::symlink(&real, &versions).expect("link");
    let out = p.run(&["check", "--all-files"]);
    assert_eq!(out.code, 2, "{}{}", out.stdout, out.stderr);
    assert!(
        out.stderr
            .contains("migrations/versions: cannot read the directory (a symbolic link to a directory"),
        "{}",
        out.stderr
    );
    // Committed, the link hides them from the staged check too.
    assert_eq!(p.git(&["add", "-A"]).code, 0);
    let staged = p.run(&["check"]);
    assert_eq!(staged.code, 2, "{}{}", staged.stdout, staged.stderr);
    assert!(
        staged
            .stderr
            .contains("migrations/versions: cannot read the directory (a symbolic link"),
        "{}",
        staged.stderr
    );
    assert_eq!(p.git(&["reset", "-q"]).code, 0);
    // A link elsewhere in the project is nobody's business.
    std::fs::remove_file(&versions).expect("unlink");
    std::fs::rename(&real, &versions).expect("move back");
    std::os::unix::fs::symlink(&versions, p.root().join("docs")).expect("link");
    assert_eq!(p.run(&["check", "--all-files"]).code, 0);
}

/// F-33: a pipe or a device named on the command line was skipped
/// without a word.
#[cfg(unix)]
#[test]
fn f33_a_named_pipe_or_device_is_refused() {
    let p = committed_chain();
    std::os::unix::fs::symlink("/dev/zero", p.root().join("zero.py")).expect("link");
    let out = p.run(&["check", "zero.py"]);
    assert_eq!(out.code, 2, "{}{}", out.stdout, out.stderr);
    assert!(
        out.stderr.contains("zero.py: not a file or directory"),
        "{}",
        out.stderr
    );
}

/// F-12: with a split index (`git update-index --split-index`) or a sparse
/// index (`git sparse-checkout --sparse-index`, Scalar's default) every
/// staged check exited 2, so no commit went through the hook.
#[test]
fn f12_split_and_sparse_indexes_are_read() {
    for layout in ["split", "sparse"] {
        let p = committed_chain();
        p.project.write("docs/guide.md", "guide\n");
        assert_eq!(p.git(&["add", "-A"]).code, 0);
        assert_eq!(p.git(&["commit", "-q", "-m", "docs"]).code, 0);
        let set = if layout == "split" {
            p.git(&["update-index", "--split-index"])
        } else {
            p.git(&["sparse-checkout", "set", "--cone", "--sparse-index", "migrations"])
        };
        assert_eq!(set.code, 0, "{layout}: {}", set.stderr);
        assert_eq!(p.run(&["install"]).code, 0);
        p.migration(
            "c3d7e6f5a4b3_orders.py",
            crate::support::revision("c3d7e6f5a4b3", "'b2c8d7e6f5a4'", "2024-01-03 10:00:00"),
        );
        assert_eq!(p.git(&["add", "migrations"]).code, 0);
        let accepted = p.git(&["commit", "-q", "-m", "orders"]);
        assert_eq!(accepted.code, 0, "{layout}: {}", accepted.stderr);
        p.migration(
            "d4e6f5a4b3c2_audit.py",
            crate::support::revision("d4e6f5a4b3c2", "'b2c8d7e6f5a4'", "2024-01-04 10:00:00"),
        );
        assert_eq!(p.git(&["add", "migrations"]).code, 0);
        let blocked = p.git(&["commit", "-q", "-m", "audit"]);
        assert_eq!(blocked.code, 1, "{layout}: {}", blocked.stderr);
        assert!(blocked.stderr.contains("error[AP201]"), "{layout}: {}", blocked.stderr);
        // Files outside the sparse cone are still the commit's: nothing was
        // deleted.
        assert!(!blocked.stderr.contains("AP701"), "{layout}: {}", blocked.stderr);
    }
}

/// F-30: inputs of a few megabytes whose work grew with the square of
/// their size: each arm of an `if`/`elif` chain copied the conditions
/// before it (50,000 arms took 29 s), and each module-level `create_all`
/// re-read the whole module for its guard (20,000 calls: over 120 s).
/// Both now take a fraction of a second; the run must end well inside the
/// deadline, which only a return of the quadratic work would miss. The
/// benchmark prints the figures for these and the other shapes (many
/// classes, unknown parents, environments).
#[test]
fn f30_long_elif_chains_and_many_guarded_calls_stay_linear() {
    use std::fmt::Write;
    let p = committed_chain();
    let mut body = String::from("    if x == 0:\n        pass\n");
    for i in 1..50_000 {
        let _ = write!(body, "    elif x == {i}:\n        pass\n");
    }
    p.migration(
        "c3d7e6f5a4b3_branches.py",
        format!(
            "revision = 'c3d7e6f5a4b3'\ndown_revision = 'b2c8d7e6f5a4'\n\n\ndef upgrade():\n{body}    op.add_column('t', sa.Column('c', sa.Integer()))\n\n\ndef downgrade():\n    op.drop_column('t', 'c')\n"
        ),
    );
    let mut app = String::from("from app.db import db\n\n");
    for i in 0..20_000 {
        let _ = write!(
            app,
            "if settings.TESTING_{i}:\n    db.create_all()\nelif other_{i}:\n    db.create_all()\n"
        );
    }
    app.push_str("db.create_all()\n");
    p.project.write("app/main.py", app);
    assert_eq!(run_within_deadline(p.root(), &["check", "--all-files"]), Some(1));
    // The guards are still told apart: a chain that tests the
    // configuration guards every arm; the last call, outside, is bare.
    let out = p.run(&["check", "--all-files", "--format", "concise"]);
    assert_eq!(
        out.stdout.matches("AP401").count(),
        1,
        "{}",
        &out.stdout[..out.stdout.len().min(1000)]
    );
    assert!(out.stdout.contains("app/main.py:80003:1: AP401"), "{}", out.stdout);
}

/// F-33: `--help` and `--version` that could not be written exited 0,
/// where every other command exits 2.
#[cfg(target_os = "linux")]
#[test]
fn f33_help_and_version_that_cannot_be_written_exit_2() {
    for arg in ["--help", "--version"] {
        let full = std::fs::OpenOptions::new()
            .write(true)
            .open("/dev/full")
            .expect("/dev/full");
        let status = std::process::Command::new(crate::support::binary())
            .arg(arg)
            .stdout(full)
            .stderr(std::process::Stdio::null())
            .status()
            .expect("runs");
        assert_eq!(status.code(), Some(2), "{arg}");
    }
}

/// F-33: the column of a diagnostic after a multibyte character is the
/// same in every format: characters, from 1.
#[test]
fn f33_columns_count_characters_in_every_format() {
    let p = crate::support::Project::alembic();
    p.migration(
        "c3d7e6f5a4b3_orders.py",
        "revision = \"c3d7e6f5a4b3\"  # noqa: AP107\u{a0}AP999\ndown_revision = None\n\n\ndef upgrade():\n    op.create_table('t')\n\n\ndef downgrade():\n    op.drop_table('t')\n",
    );
    let concise = p.run(&["check", "--all-files", "--format", "concise"]);
    assert!(
        concise.stdout.contains("c3d7e6f5a4b3_orders.py:1:42: AP001"),
        "{}",
        concise.stdout
    );
    let json = crate::support::json(&p.run(&["check", "--all-files", "--format", "json"]));
    assert_eq!(json["diagnostics"][0]["column"], 42);
    let full = p.run(&["check", "--all-files"]);
    assert!(full.stdout.contains("c3d7e6f5a4b3_orders.py:1:42"), "{}", full.stdout);
}

/// F-01: facts were cached under the blob id the index's stat data named,
/// but scanned from the bytes read afterwards. A file edited between the
/// two (an editor's save during a run) left the committed blob mapped to
/// the edited file's facts, and the hook then accepted a second head. The
/// race is made certain here by an index whose stat data match the edited
/// file while naming the committed blob: exactly what the proof saw.
#[cfg(unix)]
#[test]
fn f01_a_file_edited_during_a_run_never_poisons_the_hook() {
    use std::os::unix::fs::MetadataExt;
    let p = committed_chain();
    let users = "migrations/versions/b2c8d7e6f5a4_users.py";
    let committed = std::fs::read_to_string(p.root().join(users)).expect("users");
    std::thread::sleep(std::time::Duration::from_millis(1100));
    p.project.write(
        users,
        committed.replace("down_revision = 'a1b9c8d7e6f5'", "down_revision = 'zzz'"),
    );
    // The index is written after the file: its stat data are no racy proof.
    std::thread::sleep(std::time::Duration::from_millis(1100));
    let meta = std::fs::metadata(p.root().join(users)).expect("stat");
    let mut index = p.repo.index().expect("index");
    let entry = index.get_path(std::path::Path::new(users), 0).expect("tracked");
    let seconds = |s: i64| i32::try_from(s).expect("a 32-bit time");
    let nanos = |n: i64| u32::try_from(n).expect("nanoseconds");
    #[allow(clippy::cast_possible_truncation)]
    index
        .add(&git2::IndexEntry {
            ctime: git2::IndexTime::new(seconds(meta.ctime()), nanos(meta.ctime_nsec())),
            mtime: git2::IndexTime::new(seconds(meta.mtime()), nanos(meta.mtime_nsec())),
            dev: meta.dev() as u32,
            ino: meta.ino() as u32,
            uid: meta.uid(),
            gid: meta.gid(),
            file_size: meta.size() as u32,
            ..entry
        })
        .expect("the index entry");
    index.write().expect("index written");
    // A sweep with the cache on: the proof names the committed blob, the
    // bytes read are the edited ones.
    let _ = p.run(&["check", "--all-files"]);
    // The user reverts the edit, and commits a second head through the hook.
    p.project.write(users, &committed);
    assert_eq!(p.git(&["add", users]).code, 0);
    let clean = p.run(&["check", "--all-files"]);
    assert_eq!(clean.code, 0, "{}{}", clean.stdout, clean.stderr);
    p.migration(
        "c3d7e6f5a4b3_orders.py",
        crate::support::revision("c3d7e6f5a4b3", "'a1b9c8d7e6f5'", "2024-01-03 10:00:00"),
    );
    let out = commit_through_the_hook(&p);
    assert_eq!(out.code, 1, "the second head is refused:\n{}{}", out.stdout, out.stderr);
    assert!(out.stderr.contains("error[AP201]"), "{}", out.stderr);
}

/// a committed configuration file that is a link to a file outside
/// the repository (`/proc/self/environ` in a CI job) was read, and the
/// TOML error quoted its line into the log: every secret of the job. Such a
/// link is refused in every command, root or nested, and a TOML error
/// never quotes a line whole.
#[cfg(unix)]
#[test]
fn r01_a_configuration_linked_out_of_the_repository_is_never_read() {
    let p = committed_chain();
    let outside = tempfile::tempdir().expect("a directory outside");
    let secret = outside.path().join("environ");
    // What an environment may hold, the name of our table included.
    std::fs::write(&secret, "AWS_SECRET=s3cr3t-token\0NOTE=tool.alembic-preflight\0").expect("secret");
    assert_eq!(p.git(&["checkout", "-q", "-b", "pr"]).code, 0);
    for name in ["alembic-preflight.toml", "backend/pyproject.toml"] {
        let link = p.root().join(name);
        std::fs::create_dir_all(link.parent().expect("a parent")).expect("dir");
        std::os::unix::fs::symlink(&secret, &link).expect("link");
        let committed = commit_through_the_hook(&p);
        let mut said = format!("{}{}", committed.stdout, committed.stderr);
        for args in [
            &["check", "--all-files"][..],
            &["check", "--since", "main", "--format", "json"],
            &["check", "--format", "github", "app.py"],
            &["graph"],
            &["rules"],
        ] {
            let out = p.run(args);
            said.push_str(&out.stdout);
            said.push_str(&out.stderr);
        }
        assert!(!said.contains("s3cr3t"), "{name}: {said}");
        // The root's configuration governs everything: refused aloud. A
        // nested one that leaves the repository is not even listed.
        if name == "alembic-preflight.toml" {
            assert!(
                said.contains("a symbolic link that leaves the repository"),
                "{name}: {said}"
            );
        }
        std::fs::remove_file(&link).expect("unlink");
        assert_eq!(p.git(&["add", "-A"]).code, 0);
        assert_eq!(
            p.git(&["commit", "-q", "--no-verify", "--allow-empty", "-m", "unlink"])
                .code,
            0
        );
    }
    // A long line in a broken configuration is clipped in the error.
    std::fs::write(
        p.root().join("alembic-preflight.toml"),
        format!("exclude = [\"{}", "x".repeat(5000)),
    )
    .expect("write");
    let out = p.run(&["check", "--all-files"]);
    assert_eq!(out.code, 2);
    assert!(out.stderr.lines().all(|l| l.chars().count() < 400), "{}", out.stderr);
}

/// `install --force` kept the team's hook as `pre-commit.legacy`,
/// the name pre-commit's installer moves the hook it finds to: `pre-commit
/// install` afterwards overwrote the team's hook. It is now kept under a
/// name no manager uses, still runs through both, and `uninstall` hands it
/// to pre-commit.
#[test]
fn r07_the_kept_hook_survives_pre_commit_install() {
    let p = committed_chain();
    let hooks = p.root().join(".git/hooks");
    std::fs::create_dir_all(&hooks).expect("hooks directory");
    let foreign = "#!/bin/sh\necho ran >> \"$(git rev-parse --git-dir)/team-hook.log\"\n";
    std::fs::write(hooks.join("pre-commit"), foreign).expect("the team's hook");
    make_executable(&hooks.join("pre-commit"));
    assert_eq!(p.run(&["install", "--force"]).code, 0);
    p.project.write(".pre-commit-config.yaml", "repos: []\n");
    p.stage(".pre-commit-config.yaml");
    let installed = crate::support::pre_commit(p.root(), &["install"]);
    assert_eq!(installed.code, 0, "{}{}", installed.stdout, installed.stderr);
    assert_eq!(
        std::fs::read_to_string(hooks.join("pre-commit.alembic-preflight-kept")).expect("the team's hook is kept"),
        foreign
    );
    let committed = p.git(&["commit", "-q", "-m", "pre-commit"]);
    assert_eq!(committed.code, 0, "{}{}", committed.stdout, committed.stderr);
    assert!(
        p.root().join(".git/team-hook.log").exists(),
        "the team's hook still runs"
    );
    let removed = p.run(&["uninstall"]);
    assert_eq!(removed.code, 0, "{}", removed.stderr);
    assert_eq!(
        std::fs::read_to_string(hooks.join("pre-commit.legacy")).expect("handed to pre-commit"),
        foreign
    );
}

/// paths and quoted configuration text reached stderr raw: a
/// directory name could start a GitHub workflow command or hold terminal
/// escapes, whatever the format. Every line of stderr is now escaped, and
/// no line it writes can start with `::`.
#[test]
fn r08_stderr_cannot_be_injected_through_names_or_configuration() {
    let p = crate::support::Project::alembic();
    p.migration(
        "a1b9c8d7e6f5_init.py",
        crate::support::revision("a1b9c8d7e6f5", "None", "2024-01-01"),
    );
    let name = "x\n::warning title=INJECTED::from a directory name\u{1b}]0;PWNED\u{7}";
    p.write(
        &format!("other/{name}/versions/z.py"),
        "revision = 'zzz'\ndown_revision = None\n",
    )
    .write(&format!("ini{name}/alembic.ini"), "junk\n")
    .write("svc/alembic-preflight.toml", "x = \"\u{1b}]0;PWNED\u{7}\n");
    for format in ["full", "github", "concise", "json"] {
        let out = crate::support::run_with_env(
            p.root(),
            &["check", "--all-files", "--format", format],
            &[("GITHUB_ACTIONS", "true")],
        );
        assert!(
            !out.stderr.contains('\u{1b}') && !out.stderr.contains('\u{7}'),
            "{format}: {:?}",
            out.stderr
        );
        assert!(
            !out.stderr.lines().any(|l| l.starts_with("::")),
            "{format}: {}",
            out.stderr
        );
        assert!(
            out.stderr.contains("INJECTED"),
            "the names are still said: {}",
            out.stderr
        );
    }
}

/// a link into `.git/` counted as inside the project and was read
/// (CI checkouts keep credentials in `.git/config`). It is outside now.
#[cfg(unix)]
#[test]
fn r19_a_link_into_the_git_directory_is_never_read() {
    let p = committed_chain();
    std::fs::write(
        p.root().join(".git/secret.py"),
        "revision = 's3cr3t'\ndown_revision = None\n",
    )
    .expect("secret");
    std::os::unix::fs::symlink("../../.git/secret.py", p.root().join("migrations/versions/x.py")).expect("link");
    for args in [&["check", "--all-files"][..], &["graph"]] {
        let out = p.run(args);
        assert!(
            !format!("{}{}", out.stdout, out.stderr).contains("s3cr3t"),
            "{args:?}: {}",
            out.stdout
        );
    }
}

/// an empty configuration file inside `versions/` made that
/// directory a project of its own, which cut every revision off its
/// environment; a second head then passed the hook with only a note.
#[test]
fn r03_a_configuration_inside_an_environment_never_splits_it() {
    let p = committed_chain();
    p.migration(
        "c3d7e6f5a4b3_second_head.py",
        crate::support::revision("c3d7e6f5a4b3", "'a1b9c8d7e6f5'", "2024-01-03 10:00:00"),
    );
    p.project.write("migrations/versions/alembic-preflight.toml", "");
    let out = commit_through_the_hook(&p);
    let said = format!("{}{}", out.stdout, out.stderr);
    assert_eq!(out.code, 1, "the second head blocks the commit:\n{said}");
    assert!(said.contains("AP201"), "{said}");
    assert!(
        out.stderr
            .contains("the configuration in `migrations/versions` is ignored"),
        "{}",
        out.stderr
    );
    for args in [
        &["check", "--all-files"][..],
        &["check", "--all-files", "--format", "json"],
    ] {
        let out = p.run(args);
        assert_eq!(out.code, 1, "{args:?}: {}{}", out.stdout, out.stderr);
        assert!(out.stdout.contains("AP201"), "{args:?}: {}", out.stdout);
    }
}

/// two files whose names differ only in bytes that are not UTF-8
/// were both keyed `x\u{fffd}.py`, so one stood for both and a second
/// head passed the hook. They are two files now, in every mode.
#[cfg(unix)]
#[test]
fn r02_names_that_differ_in_bytes_that_are_not_utf8_stay_two_files() {
    use std::os::unix::ffi::OsStrExt;
    let p = committed_chain();
    let versions = p.root().join("migrations/versions");
    let name = |byte: u8| versions.join(std::ffi::OsStr::from_bytes(&[b'x', byte, b'.', b'p', b'y']));
    std::fs::write(
        name(0xfe),
        crate::support::revision("d4e5f6a7b8c9", "'a1b9c8d7e6f5'", "2024-01-03 10:00:00"),
    )
    .expect("first");
    std::fs::write(
        name(0xff),
        crate::support::revision("c3d7e6f5a4b3", "'b2c8d7e6f5a4'", "2024-01-04 10:00:00"),
    )
    .expect("second");
    let out = commit_through_the_hook(&p);
    let said = format!("{}{}", out.stdout, out.stderr);
    assert_eq!(out.code, 1, "the second head blocks the commit:\n{said}");
    assert!(said.contains("AP201"), "{said}");
    assert!(said.contains("x\\xfe.py") || said.contains("x\\xff.py"), "{said}");
    let out = p.run(&["check", "--all-files"]);
    assert_eq!(out.code, 1, "{}{}", out.stdout, out.stderr);
    let graph = p.run(&["graph"]);
    assert!(graph.stdout.contains("4 revisions"), "{}", graph.stdout);
}

/// pre-push judged the checked-out work tree, not the commit being
/// pushed: `git push origin feature` from `master` let the feature's
/// second head through. The pushed commit is read from the object
/// database, checked out or not.
#[test]
fn r05_pre_push_judges_the_pushed_commit_not_the_checkout() {
    let p = committed_chain();
    let base = p.git(&["rev-parse", "HEAD"]).stdout.trim().to_owned();
    assert_eq!(p.git(&["checkout", "-q", "-b", "feature"]).code, 0);
    p.migration(
        "c3d7e6f5a4b3_second_head.py",
        crate::support::revision("c3d7e6f5a4b3", "'a1b9c8d7e6f5'", "2024-01-03 10:00:00"),
    );
    p.stage_all().commit("second head");
    let feature = p.git(&["rev-parse", "HEAD"]).stdout.trim().to_owned();
    assert_eq!(p.git(&["checkout", "-q", "master"]).code, 0);
    // What pre-commit's pre-push stage sets for `git push origin feature`.
    let pushed = crate::support::run_with_env(
        p.root(),
        &["check"],
        &[
            ("PRE_COMMIT_FROM_REF", base.as_str()),
            ("PRE_COMMIT_TO_REF", feature.as_str()),
        ],
    );
    assert_eq!(pushed.code, 1, "{}{}", pushed.stdout, pushed.stderr);
    assert!(pushed.stdout.contains("AP201"), "{}", pushed.stdout);
    assert!(
        pushed.stdout.contains("c3d7e6f5a4b3_second_head.py"),
        "{}",
        pushed.stdout
    );
    // The checked-out branch, pushed, is clean.
    let head = p.git(&["rev-parse", "HEAD"]).stdout.trim().to_owned();
    let clean = crate::support::run_with_env(
        p.root(),
        &["check"],
        &[
            ("PRE_COMMIT_FROM_REF", base.as_str()),
            ("PRE_COMMIT_TO_REF", head.as_str()),
        ],
    );
    assert_eq!(clean.code, 0, "{}{}", clean.stdout, clean.stderr);
    // An uncommitted edit is not pushed, and not judged.
    p.migration(
        "d4e8f7a6b5c4_draft.py",
        crate::support::revision("d4e8f7a6b5c4", "'a1b9c8d7e6f5'", "2024-01-04 10:00:00"),
    );
    let draft = crate::support::run_with_env(
        p.root(),
        &["check"],
        &[
            ("PRE_COMMIT_FROM_REF", base.as_str()),
            ("PRE_COMMIT_TO_REF", head.as_str()),
        ],
    );
    assert_eq!(draft.code, 0, "{}{}", draft.stdout, draft.stderr);
}

/// `--since` read every file both sides have from the work tree,
/// even one only the base branch changed, where a merge takes the base's
/// version: a base that renumbered a revision hid the dangling parent the
/// merge would make. A file only the other side modified is its version.
#[test]
fn r06_since_takes_the_base_branch_version_of_a_file_only_it_changed() {
    let p = committed_chain();
    assert_eq!(p.git(&["checkout", "-q", "-b", "feature"]).code, 0);
    p.migration(
        "c3d7e6f5a4b3_orders.py",
        crate::support::revision("c3d7e6f5a4b3", "'b2c8d7e6f5a4'", "2024-01-03 10:00:00"),
    );
    p.stage_all().commit("orders follows users");
    assert_eq!(p.git(&["checkout", "-q", "master"]).code, 0);
    // The base gives users its final id.
    p.migration(
        "b2c8d7e6f5a4_users.py",
        crate::support::revision("e5f9a8b7c6d5", "'a1b9c8d7e6f5'", "2024-01-02 10:00:00"),
    );
    p.stage_all().commit("users gets its final id");
    assert_eq!(p.git(&["checkout", "-q", "feature"]).code, 0);
    let since = p.run(&["check", "--since", "master", "--format", "concise"]);
    assert_eq!(since.code, 1, "{}{}", since.stdout, since.stderr);
    assert!(
        since.stdout.contains("c3d7e6f5a4b3_orders.py") && since.stdout.contains("AP202"),
        "{}",
        since.stdout
    );
    // What the real merge then says.
    assert_eq!(p.git(&["merge", "-q", "--no-edit", "master"]).code, 0);
    let merged = p.run(&["check", "--all-files", "--format", "concise"]);
    assert!(merged.stdout.contains("AP202"), "{}", merged.stdout);
}

/// in a sparse checkout the revisions outside its patterns are
/// absent from the work tree; paths mode, `--all-files` and `--since`
/// judged a graph without them (and `--since` said they were deleted).
/// Work-tree modes read them from the index.
#[test]
fn r04_a_sparse_checkout_still_judges_the_whole_graph() {
    let p = committed_chain();
    let sparse = p.git(&[
        "sparse-checkout",
        "set",
        "--no-cone",
        "/*",
        "!migrations/versions/b2c8d7e6f5a4_users.py",
    ]);
    assert_eq!(sparse.code, 0, "{}{}", sparse.stdout, sparse.stderr);
    assert!(!p.root().join("migrations/versions/b2c8d7e6f5a4_users.py").exists());
    p.migration(
        "c3d7e6f5a4b3_second_head.py",
        crate::support::revision("c3d7e6f5a4b3", "'a1b9c8d7e6f5'", "2024-01-03 10:00:00"),
    );
    assert_eq!(
        p.git(&["add", "migrations/versions/c3d7e6f5a4b3_second_head.py"]).code,
        0
    );
    for args in [
        &["check", "--format", "concise"][..],
        &[
            "check",
            "--format",
            "concise",
            "migrations/versions/c3d7e6f5a4b3_second_head.py",
        ],
        &["check", "--all-files", "--format", "concise"],
    ] {
        let out = p.run(args);
        assert_eq!(out.code, 1, "{args:?}: {}{}", out.stdout, out.stderr);
        assert!(out.stdout.contains("AP201"), "{args:?}: {}", out.stdout);
    }
    assert_eq!(p.git(&["commit", "-q", "--no-verify", "-m", "second head"]).code, 0);
    let since = p.run(&["check", "--since", "HEAD~1", "--format", "concise"]);
    assert_eq!(since.code, 1, "{}{}", since.stdout, since.stderr);
    assert!(since.stdout.contains("AP201"), "{}", since.stdout);
    assert!(!since.stdout.contains("AP701"), "nothing was deleted: {}", since.stdout);
}

/// a split index named by `GIT_INDEX_FILE` outside the git
/// directory (a tool staging into its own temporary index) was refused:
/// its shared part was looked for beside it, where git does not put it.
#[test]
fn r16_a_split_index_named_from_outside_the_git_directory() {
    let p = committed_chain();
    assert_eq!(p.git(&["update-index", "--split-index"]).code, 0);
    let elsewhere = tempfile::tempdir().expect("temporary directory");
    let index = elsewhere.path().join("index");
    std::fs::copy(p.root().join(".git/index"), &index).expect("index copied");
    p.migration(
        "c3d7e6f5a4b3_second_head.py",
        crate::support::revision("c3d7e6f5a4b3", "'a1b9c8d7e6f5'", "2024-01-03 10:00:00"),
    );
    let added = crate::support::git_with_env(p.root(), &["add", "-A"], &[("GIT_INDEX_FILE", index.as_path())]);
    assert_eq!(added.code, 0, "{}{}", added.stdout, added.stderr);
    let index = index.to_str().expect("a UTF-8 temporary path");
    let out = crate::support::run_with_env(
        p.root(),
        &["check", "--format", "concise"],
        &[("GIT_INDEX_FILE", index)],
    );
    assert_eq!(out.code, 1, "{}{}", out.stdout, out.stderr);
    assert!(out.stdout.contains("AP201"), "{}", out.stdout);
}

/// `python -m alembic_preflight` took a wrapper on PATH that runs
/// the module again for the binary, and the two ran each other without
/// end; no binary at all gave a traceback and exit 1, which means
/// "problems found". A wrapper is skipped, a loop is refused, and a
/// missing binary is exit 2 with one line.
#[cfg(unix)]
#[test]
fn r17_the_python_shim_never_loops_and_says_what_is_missing() {
    use std::os::unix::fs::PermissionsExt;
    let package = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("python");
    let scratch = tempfile::tempdir().expect("temporary directory");
    let bin = scratch.path().join("bin");
    std::fs::create_dir(&bin).expect("bin");
    let wrapper = bin.join("alembic-preflight");
    std::fs::write(&wrapper, "#!/bin/sh\nexec python3 -m alembic_preflight \"$@\"\n").expect("wrapper");
    std::fs::set_permissions(&wrapper, std::fs::Permissions::from_mode(0o755)).expect("executable");
    let shim = |path: &str| {
        std::process::Command::new("python3")
            .args(["-m", "alembic_preflight", "--version"])
            .env("PYTHONPATH", &package)
            .env("PATH", path)
            .env_remove("ALEMBIC_PREFLIGHT_SHIM")
            .current_dir(scratch.path())
            .output()
            .expect("python3 runs")
    };
    let system = std::env::var("PATH").unwrap_or_default();
    // Only the wrapper: skipped, so no binary is found.
    let wrapped = shim(&format!("{}:{system}", bin.display()));
    let said = String::from_utf8_lossy(&wrapped.stderr);
    assert_eq!(wrapped.status.code(), Some(2), "{said}");
    assert!(
        said.contains("binary is not installed") && !said.contains("Traceback"),
        "{said}"
    );
    // The real binary beside the wrapper: found and run.
    let real = scratch.path().join("real");
    std::fs::create_dir(&real).expect("real");
    std::fs::copy(crate::support::binary(), real.join("alembic-preflight")).expect("binary copied");
    let found = shim(&format!("{}:{}:{system}", bin.display(), real.display()));
    assert_eq!(
        found.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&found.stderr)
    );
    assert!(String::from_utf8_lossy(&found.stdout).contains("alembic-preflight"));
    // Run by itself: refused, not a loop.
    let looped = std::process::Command::new("python3")
        .args(["-m", "alembic_preflight", "--version"])
        .env("PYTHONPATH", &package)
        .env("ALEMBIC_PREFLIGHT_SHIM", "1")
        .output()
        .expect("python3 runs");
    assert_eq!(looped.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&looped.stderr).contains("runs `python -m alembic_preflight` again"));
}

/// a repository in a format libgit2 cannot read (SHA-256 object
/// names, reftable refs) made every command exit 2, `--all-files` too,
/// which needs no git. Sweeps and named files now check the files as a
/// plain directory with a note; what must read git says why it cannot and
/// how to go on.
#[test]
fn r18_a_repository_git2_cannot_read_still_gets_its_files_checked() {
    let p = crate::support::Project::alembic();
    p.migration(
        "a1b9c8d7e6f5_init.py",
        crate::support::revision("a1b9c8d7e6f5", "None", "2024-01-01 10:00:00"),
    )
    .migration(
        "c3d7e6f5a4b3_a.py",
        crate::support::revision("c3d7e6f5a4b3", "'a1b9c8d7e6f5'", "2024-01-02 10:00:00"),
    )
    .migration(
        "d4e8f7a6b5c4_b.py",
        crate::support::revision("d4e8f7a6b5c4", "'a1b9c8d7e6f5'", "2024-01-03 10:00:00"),
    );
    let init = crate::support::git_in(p.root(), &["init", "-q", "--object-format=sha256", "."]);
    assert_eq!(init.code, 0, "{}{}", init.stdout, init.stderr);
    let sweep = p.run(&["check", "--all-files", "--format", "concise"]);
    assert_eq!(sweep.code, 1, "{}{}", sweep.stdout, sweep.stderr);
    assert!(sweep.stdout.contains("AP201"), "{}", sweep.stdout);
    assert!(
        sweep.stderr.contains("cannot be read") && sweep.stderr.contains("plain directory"),
        "{}",
        sweep.stderr
    );
    let named = p.run(&["check", "--format", "concise", "migrations/versions/d4e8f7a6b5c4_b.py"]);
    assert_eq!(named.code, 1, "{}{}", named.stdout, named.stderr);
    let staged = p.run(&["check", "--staged"]);
    assert_eq!(staged.code, 2, "{}{}", staged.stdout, staged.stderr);
    assert!(staged.stderr.contains("--no-verify"), "{}", staged.stderr);
}
