use crate::support::{GitProject, committed_chain, findings, json, revision, run_with_env};

const FACTS: &str = ".git/alembic-preflight/facts";
const RESULTS: &str = ".git/alembic-preflight/results";

/// How one sweep used the cache, as `ALEMBIC_PREFLIGHT_TIMINGS` tells.
#[derive(Debug, PartialEq, Eq)]
enum Use {
    /// Facts: from the cache, of the files read.
    Facts(usize, usize),
    /// The last result, recalled: the files proven unchanged.
    Recalled(usize),
}

fn cache_use(p: &GitProject) -> Use {
    let out = run_with_env(
        p.root(),
        &["check", "--all-files", "--format", "json"],
        &[("ALEMBIC_PREFLIGHT_TIMINGS", "1")],
    );
    let numbers = |line: &str| -> Vec<usize> { line.split(' ').filter_map(|w| w.parse().ok()).collect() };
    if let Some(line) = out.stderr.lines().find(|l| l.contains("recalled: ")) {
        return Use::Recalled(numbers(line)[1]);
    }
    let line = out
        .stderr
        .lines()
        .find(|l| l.ends_with("files' facts from the cache"))
        .unwrap_or_else(|| panic!("no cache line in {}", out.stderr));
    let numbers = numbers(line);
    Use::Facts(numbers[0], numbers[1])
}

/// A committed project with something for every kind of fact: two heads,
/// a dangling parent, an empty downgrade, a suppression comment, models and
/// a `create_all` at start-up.
fn busy_project() -> GitProject {
    let p = committed_chain();
    p.migration(
        "c3d7e6f5a4b3_orders.py",
        revision("c3d7e6f5a4b3", "'a1b9c8d7e6f5'", "2024-01-03 10:00:00"),
    )
    .migration(
        "d4e6f5a4b3c2_gone.py",
        revision("d4e6f5a4b3c2", "'0000_missing'", "2024-01-04 10:00:00")
            .replace("    op.drop_column('t', 'c_d4e6f5a4b3c2')\n", "    pass\n"),
    )
    .migration(
        "e5f4a3b2c1d0_quiet.py",
        revision("e5f4a3b2c1d0", "'b2c8d7e6f5a4'", "2024-01-05 10:00:00")
            .replace("    op.drop_column('t', 'c_e5f4a3b2c1d0')\n", "    pass\n")
            .replace(
                "def downgrade():",
                "def downgrade():  # alembic-preflight: ignore[AP502]",
            ),
    );
    p.project
        .write(
            "app/models.py",
            "from sqlalchemy import Column, Integer, String\nfrom .base import Base\n\n\nclass User(Base):\n    __tablename__ = 'users'\n    id = Column(Integer, primary_key=True)\n    email = Column(String, index=True)\n",
        )
        .write(
            "app/main.py",
            "from .models import Base\nfrom .db import engine\n\nBase.metadata.create_all(engine)\n",
        );
    p.stage_all().commit("more");
    p
}

#[test]
fn cached_runs_report_exactly_what_uncached_runs_report() {
    let p = busy_project();
    assert!(!p.root().join(FACTS).exists());
    let uncached_json = p.run(&["check", "--all-files", "--format", "json", "--no-cache"]);
    let uncached_full = p.run(&["check", "--all-files", "--no-cache"]);
    assert!(!p.root().join(FACTS).exists(), "--no-cache wrote the cache");
    let codes: Vec<String> = findings(&json(&uncached_json)).into_iter().map(|f| f.0).collect();
    for code in ["AP201", "AP202", "AP502", "AP401"] {
        assert!(codes.iter().any(|c| c == code), "{code} missing: {codes:?}");
    }
    assert_eq!(
        codes.iter().filter(|c| *c == "AP502").count(),
        1,
        "the suppressed empty downgrade is reported"
    );
    // The first run fills the cache, the others read it.
    for round in 0..3 {
        let cached = p.run(&["check", "--all-files", "--format", "json"]);
        assert_eq!(cached.stdout, uncached_json.stdout, "round {round}");
        assert_eq!(cached.code, uncached_json.code);
        assert!(p.root().join(FACTS).exists());
        let full = p.run(&["check", "--all-files"]);
        assert_eq!(full.stdout, uncached_full.stdout, "round {round}: excerpts differ");
    }
    // The staged check and file paths read the same cache.
    p.migration(
        "f6a5b4c3d2e1_new.py",
        revision("f6a5b4c3d2e1", "'c3d7e6f5a4b3'", "2024-01-06 10:00:00"),
    )
    .stage("migrations/versions/f6a5b4c3d2e1_new.py");
    let staged = p.run(&["check", "--staged", "--format", "json"]);
    let staged_uncached = p.run(&["check", "--staged", "--format", "json", "--no-cache"]);
    assert_eq!(staged.stdout, staged_uncached.stdout);
    assert_eq!(staged.code, staged_uncached.code);
}

#[test]
fn an_edit_that_keeps_the_size_and_the_mtime_is_still_read() {
    let p = committed_chain();
    // A file written within the index's own timestamp proves nothing (git
    // calls it racily clean): the index is written again a moment later.
    std::thread::sleep(std::time::Duration::from_millis(50));
    p.stage_all();
    assert_eq!(
        cache_use(&p),
        Use::Facts(0, 3),
        "nothing cached yet: two revisions and env.py"
    );
    assert!(p.root().join(FACTS).exists());
    // The revision files, env.py and alembic.ini.
    assert_eq!(
        cache_use(&p),
        Use::Recalled(4),
        "every file proven unchanged by its stat data"
    );
    // The same number of bytes, a parent that does not exist, and the old
    // modification time put back: only the change time tells.
    let path = p.root().join("migrations/versions/b2c8d7e6f5a4_users.py");
    let before = std::fs::metadata(&path).expect("stat");
    let text = std::fs::read_to_string(&path).expect("read");
    let edited = text.replace("down_revision = 'a1b9c8d7e6f5'", "down_revision = 'a1b9c8d7e6f0'");
    assert_eq!(edited.len(), text.len());
    std::fs::write(&path, edited).expect("write");
    let file = std::fs::File::options().write(true).open(&path).expect("open");
    file.set_modified(before.modified().expect("mtime")).expect("set mtime");
    drop(file);
    assert_eq!(
        std::fs::metadata(&path).expect("stat").modified().ok(),
        before.modified().ok()
    );
    assert_eq!(cache_use(&p), Use::Facts(2, 3), "the edited file was read");
    let out = p.run(&["check", "--all-files", "--format", "json"]);
    let codes: Vec<String> = findings(&json(&out)).into_iter().map(|f| f.0).collect();
    assert!(codes.iter().any(|c| c == "AP202"), "{}", out.stdout);
}

#[test]
fn a_file_changed_since_it_was_staged_is_read_not_remembered() {
    let p = committed_chain();
    assert_eq!(p.run(&["check", "--all-files"]).code, 0);
    // A second head in the working tree only, written after the index.
    std::thread::sleep(std::time::Duration::from_millis(20));
    p.migration(
        "b2c8d7e6f5a4_users.py",
        revision("b2c8d7e6f5a4", "None", "2024-01-02 10:00:00"),
    );
    let out = p.run(&["check", "--all-files", "--format", "json"]);
    let codes: Vec<String> = findings(&json(&out)).into_iter().map(|f| f.0).collect();
    assert!(codes.iter().any(|c| c == "AP204"), "{}", out.stdout);
}

#[test]
fn a_damaged_cache_is_ignored_and_rebuilt() {
    let p = busy_project();
    let expected = p.run(&["check", "--all-files", "--format", "json", "--no-cache"]);
    let first = p.run(&["check", "--all-files", "--format", "json"]);
    assert_eq!(first.stdout, expected.stdout);
    // Each file of the cache on its own: the facts, then the results.
    for name in [FACTS, RESULTS] {
        let file = p.root().join(name);
        let good = std::fs::read(&file).expect("the cache was written");
        let mut flipped = good.clone();
        let middle = flipped.len() / 2;
        flipped[middle] ^= 0x55;
        for damaged in [
            Vec::new(),
            b"not a cache".to_vec(),
            good[..good.len() / 3].to_vec(),
            flipped,
        ] {
            std::fs::write(&file, &damaged).expect("damage the cache");
            // Without results the facts are read; without facts, nothing
            // is read that the results do not say.
            if name == FACTS {
                std::fs::remove_file(p.root().join(RESULTS)).expect("no results");
            }
            let out = p.run(&["check", "--all-files", "--format", "json"]);
            assert_eq!(out.stdout, expected.stdout, "{name}");
            assert_eq!(out.code, expected.code, "{}", out.stderr);
            assert!(out.stderr.is_empty(), "{}", out.stderr);
            let rebuilt = std::fs::read(&file).expect("rebuilt");
            assert!(rebuilt.starts_with(b"APFC") && rebuilt != damaged, "{name} not rebuilt");
        }
    }
    // A directory where a cache file should be: still no error, just no cache.
    for name in [FACTS, RESULTS] {
        let file = p.root().join(name);
        std::fs::remove_file(&file).expect("remove");
        std::fs::create_dir(&file).expect("a directory in the way");
        let out = p.run(&["check", "--all-files", "--format", "json"]);
        assert_eq!(
            (out.stdout.as_str(), out.code),
            (expected.stdout.as_str(), expected.code)
        );
    }
}

#[test]
fn files_git_may_convert_are_always_read() {
    let p = committed_chain();
    p.project.write(".gitattributes", "*.py text eol=crlf\n");
    p.stage_all().commit("attributes");
    assert_eq!(p.run(&["check", "--all-files"]).code, 0);
    // With conversions possible, stat data prove nothing: the last result
    // is recalled only once every file is read and hashed again, and an
    // edit that keeps size and times is still seen.
    assert_eq!(cache_use(&p), Use::Recalled(4));
    let path = p.root().join("migrations/versions/b2c8d7e6f5a4_users.py");
    let text = std::fs::read_to_string(&path).expect("read");
    std::fs::write(
        &path,
        text.replace("down_revision = 'a1b9c8d7e6f5'", "down_revision = 'a1b9c8d7e6f0'"),
    )
    .expect("write");
    let out = p.run(&["check", "--all-files", "--format", "json"]);
    let codes: Vec<String> = findings(&json(&out)).into_iter().map(|f| f.0).collect();
    assert!(codes.iter().any(|c| c == "AP202"), "{}", out.stdout);
}

/// The phase table names each pass, the rule passes under `lint`, and the
/// time of each.
#[test]
fn the_phase_table_times_every_pass() {
    let p = committed_chain();
    let out = run_with_env(
        p.root(),
        &["check", "--all-files"],
        &[("ALEMBIC_PREFLIGHT_TIMINGS", "1")],
    );
    let rows: Vec<&str> = out.stderr.lines().filter(|l| l.contains(" ms  ")).collect();
    for phase in [
        "walk the work tree",
        "load: environments, revision and other files' facts",
        "analyse: graphs, replayed schemas, model index names",
        "  file rules, the safe-migration rules (AP8xx) and their SQL",
        "  graph rules",
        "  source rules",
        "  schema rules: the replayed history and the models",
        "lint: file, graph, source and schema rules",
        "report: suppressions, selection and baseline, order, texts",
    ] {
        assert!(
            rows.iter().any(|r| r.ends_with(&format!(" ms  {phase}"))),
            "no row `{phase}` in:\n{}",
            out.stderr
        );
    }
    // A lint sub-row comes before its phase's row, as load's do.
    let at = |name: &str| rows.iter().position(|r| r.ends_with(name)).expect("a row");
    assert!(
        at("  schema rules: the replayed history and the models") < at("lint: file, graph, source and schema rules")
    );
}

/// A JSON sweep's arguments, with `extra`.
fn sweep<'a>(extra: &[&'a str]) -> Vec<&'a str> {
    let mut args = vec!["check", "--all-files", "--format", "json"];
    args.extend_from_slice(extra);
    args
}

/// A sweep of an unchanged project recalls the last result; any change
/// that can change a finding — a file edited, added or removed (tracked or
/// not), the configuration, a command-line option — makes the check run
/// again, and every answer, recalled or not, is the uncached one.
#[test]
fn a_result_is_recalled_only_while_nothing_it_depends_on_changed() {
    let p = busy_project();
    let same_as_uncached = |step: &str, extra: &[&str]| {
        let mut uncached_args = sweep(extra);
        uncached_args.push("--no-cache");
        let uncached = p.run(&uncached_args);
        let timed = |expect_recall: bool| {
            let out = run_with_env(p.root(), &sweep(extra), &[("ALEMBIC_PREFLIGHT_TIMINGS", "1")]);
            assert_eq!(out.stdout, uncached.stdout, "{step}");
            assert_eq!(out.code, uncached.code, "{step}");
            let recalled = out.stderr.contains("recalled: ");
            assert_eq!(recalled, expect_recall, "{step}: recalled {recalled}\n{}", out.stderr);
        };
        // The change is seen, then remembered.
        timed(false);
        timed(true);
    };
    same_as_uncached("first run", &[]);
    // An edit of a model: the drift rules read it.
    p.project.write(
        "app/models.py",
        "from sqlalchemy import Column, Integer, String, Index\nfrom .base import Base\n\n\nclass User(Base):\n    __tablename__ = 'users'\n    __table_args__ = (Index('ix_users_name', 'name'),)\n    id = Column(Integer, primary_key=True)\n",
    );
    same_as_uncached("a model edited", &[]);
    // A new revision file, untracked: a third head.
    p.migration(
        "f6a5b4c3d2e1_new.py",
        revision("f6a5b4c3d2e1", "'e5f4a3b2c1d0'", "2024-01-06 10:00:00"),
    );
    same_as_uncached("a revision added", &[]);
    // The untracked file edited: read and hashed, never proven by stat data.
    p.migration(
        "f6a5b4c3d2e1_new.py",
        revision("f6a5b4c3d2e1", "'0000_missing_too'", "2024-01-06 10:00:00"),
    );
    same_as_uncached("an untracked revision edited", &[]);
    std::fs::remove_file(p.root().join("migrations/versions/f6a5b4c3d2e1_new.py")).expect("remove");
    same_as_uncached("a revision removed", &[]);
    // A file no rule reads: the listing changed, so the check runs.
    p.project.write("docs/notes.txt", "nothing\n");
    same_as_uncached("a file added elsewhere", &[]);
    // The configuration.
    p.project
        .write("pyproject.toml", "[tool.alembic-preflight.rules]\nAP502 = \"off\"\n");
    same_as_uncached("the configuration", &[]);
    p.project.write(
        "alembic.ini",
        "[alembic]\nscript_location = %(here)s/migrations\nsqlalchemy.url = postgresql://localhost/app\n",
    );
    same_as_uncached("alembic.ini", &[]);
    // The command line.
    same_as_uncached("--select", &["--select", "AP2"]);
    same_as_uncached("--audit", &["--audit"]);
}
