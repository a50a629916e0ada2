use crate::support::{Project, findings, forked, json, revision};

/// The acceptance scenario: four bases, two dangling parents, a duplicate
/// id, a stale `Revises:` and a downgrade that is only a docstring and
/// `pass`, each reported with its code on its file and line.
#[test]
fn seed_faults_are_each_reported_where_they_are() {
    let p = Project::alembic();
    p.migration(
        "aaaa00000001_base.py",
        revision("aaaa00000001", "None", "2024-01-01 10:00:00"),
    )
    .migration(
        "bbbb00000002_second_root.py",
        revision("bbbb00000002", "None", "2024-01-02 10:00:00"),
    )
    .migration(
        "cccc00000003_third_root.py",
        revision("cccc00000003", "None", "2024-01-03 10:00:00"),
    )
    .migration(
        "dddd00000004_fourth_root.py",
        revision("dddd00000004", "None", "2024-01-04 10:00:00"),
    )
    .migration(
        "eeee00000005_dangling.py",
        revision("eeee00000005", "'ffff99999999'", "2024-01-05 10:00:00"),
    )
    .migration(
        "f1f100000006_dangling_name.py",
        revision("f1f100000006", "'aaaa00000001_base.py'", "2024-01-06 10:00:00"),
    )
    .migration(
        "a7a700000007_copy.py",
        revision("a7a700000007", "'aaaa00000001'", "2024-01-07 10:00:00"),
    )
    .migration(
        "a7a700000007_copy_again.py",
        revision("a7a700000007", "'aaaa00000001'", "2024-01-08 10:00:00"),
    )
    .migration(
        "b8b800000008_stale_header.py",
        revision("b8b800000008", "'a7a700000007'", "2024-01-09 10:00:00")
            .replace("Revises: a7a700000007", "Revises: aaaa00000001"),
    )
    .migration(
        "c9c900000009_empty_downgrade.py",
        revision("c9c900000009", "'b8b800000008'", "2024-01-10 10:00:00").replace(
            "    op.drop_column('t', 'c_c9c900000009')\n",
            "    \"\"\"Nothing to undo.\"\"\"\n    pass\n",
        ),
    );
    let out = p.run(&["check", "--format", "json", "."]);
    assert_eq!(out.code, 1, "{}{}", out.stdout, out.stderr);
    let doc = json(&out);
    let got = findings(&doc);
    let v = |name: &str| format!("migrations/versions/{name}");
    let expected = vec![
        ("AP203".to_owned(), v("a7a700000007_copy_again.py"), 12),
        ("AP204".to_owned(), v("bbbb00000002_second_root.py"), 13),
        ("AP104".to_owned(), v("b8b800000008_stale_header.py"), 4),
        ("AP502".to_owned(), v("c9c900000009_empty_downgrade.py"), 22),
        ("AP204".to_owned(), v("cccc00000003_third_root.py"), 13),
        ("AP204".to_owned(), v("dddd00000004_fourth_root.py"), 13),
        ("AP202".to_owned(), v("eeee00000005_dangling.py"), 13),
        ("AP202".to_owned(), v("f1f100000006_dangling_name.py"), 13),
    ];
    let mut sorted_expected = expected.clone();
    sorted_expected.sort();
    let mut sorted_got = got.clone();
    sorted_got.sort();
    assert_eq!(sorted_got, sorted_expected, "{}", out.stdout);
    // The document is sorted by path, then line.
    let mut order = got.clone();
    order.sort_by(|a, b| (&a.1, a.2).cmp(&(&b.1, b.2)));
    assert_eq!(got, order);
    assert_eq!(doc["version"], 1);
    assert_eq!(doc["summary"]["files_checked"], 11, "ten revision files and env.py");
    assert_eq!(doc["summary"]["errors"], 8);
    assert_eq!(doc["summary"]["warnings"], 0);
    // The file name used as a parent is recognised.
    let named = doc["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["path"] == v("f1f100000006_dangling_name.py"))
        .unwrap();
    assert_eq!(
        named["help"],
        "set `down_revision = \"aaaa00000001\"`: `aaaa00000001_base.py` is the file name of revision `aaaa00000001`"
    );
    // Each extra base is offered the revision created just before it.
    let third = doc["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["path"] == v("cccc00000003_third_root.py"))
        .unwrap();
    assert!(third["help"].as_str().unwrap().contains("\"bbbb00000002\""), "{third}");
}

#[test]
fn json_shape_is_the_stable_contract() {
    let p = forked();
    let out = p.run(&["check", "--format", "json"]);
    assert_eq!(out.code, 1);
    let doc = json(&out);
    let keys = |v: &serde_json::Value| v.as_object().unwrap().keys().cloned().collect::<Vec<_>>();
    assert_eq!(keys(&doc), ["diagnostics", "summary", "version"]);
    let d = &doc["diagnostics"][0];
    assert_eq!(
        keys(d),
        [
            "code",
            "column",
            "end_column",
            "end_line",
            "fix",
            "help",
            "line",
            "message",
            "name",
            "path",
            "related",
            "severity"
        ]
    );
    assert_eq!(d["code"], "AP201");
    assert_eq!(d["name"], "multiple-heads");
    assert_eq!(d["severity"], "error");
    assert_eq!(d["path"], "migrations/versions/c3d7e6f5a4b3_orders.py");
    assert_eq!((d["line"].as_u64(), d["column"].as_u64()), (Some(12), Some(13)));
    assert_eq!((d["end_line"].as_u64(), d["end_column"].as_u64()), (Some(12), Some(25)));
    assert!(d["fix"].is_null());
    let related = d["related"].as_array().unwrap();
    assert_eq!(keys(&related[0]), ["line", "message", "path"]);
    assert_eq!(related[0]["path"], "migrations/versions/b2c8d7e6f5a4_users.py");
    assert_eq!(keys(&doc["summary"]), ["errors", "files_checked", "warnings"]);
}

#[test]
fn paths_select_file_and_graph_diagnostics() {
    let p = Project::alembic();
    p.migration("a1b9c8d7e6f5_init.py", revision("a1b9c8d7e6f5", "None", "2024-01-01"))
        .migration(
            "b2c8d7e6f5a4_users.py",
            revision("b2c8d7e6f5a4", "'a1b9c8d7e6f5'", "2024-01-02").replace("Revises: a1b9c8d7e6f5", "Revises: 0000"),
        )
        .migration(
            "c3d7e6f5a4b3_orders.py",
            revision("c3d7e6f5a4b3", "'a1b9c8d7e6f5'", "2024-01-03"),
        );
    // The stale header of the users file is not this path's business, but
    // the second head it forms with the orders file is.
    let out = p.run(&[
        "check",
        "--format",
        "json",
        "migrations/versions/c3d7e6f5a4b3_orders.py",
    ]);
    let codes: Vec<String> = findings(&json(&out)).into_iter().map(|f| f.0).collect();
    assert_eq!(codes, ["AP201"]);
    assert_eq!(json(&out)["summary"]["files_checked"], 1);
    // The graph is built from every migration whichever file is passed.
    let out = p.run(&["check", "--format", "json", "migrations/versions/b2c8d7e6f5a4_users.py"]);
    let codes: Vec<String> = findings(&json(&out)).into_iter().map(|f| f.0).collect();
    assert_eq!(codes, ["AP104", "AP201"]);
    // A directory is swept below it.
    let out = p.run(&["check", "--format", "json", "migrations"]);
    assert_eq!(findings(&json(&out)).len(), 2);
}

/// A clean run says so in one line, as ruff does; `--quiet` says nothing.
#[test]
fn a_clean_project_says_all_checks_passed() {
    let p = Project::alembic();
    p.migration("a1b9c8d7e6f5_init.py", revision("a1b9c8d7e6f5", "None", "2024-01-01"))
        .migration(
            "b2c8d7e6f5a4_users.py",
            revision("b2c8d7e6f5a4", "'a1b9c8d7e6f5'", "2024-01-02"),
        );
    for args in [
        &["check"][..],
        &["check", "--all-files"],
        &["check", "."],
        &["check", "--format", "concise"],
    ] {
        let out = p.run(args);
        assert_eq!(
            (out.code, out.stdout.as_str(), out.stderr.as_str()),
            (0, "All checks passed!\n", ""),
            "{args:?}"
        );
        let quiet: Vec<&str> = args.iter().copied().chain(["--quiet"]).collect();
        let out = p.run(&quiet);
        assert_eq!(
            (out.code, out.stdout.as_str(), out.stderr.as_str()),
            (0, "", ""),
            "{quiet:?}"
        );
    }
    // `--output-file` takes what stdout would have had.
    let out = p.run(&["check", "--format", "json", "--output-file", "report.json"]);
    assert_eq!((out.code, out.stdout.as_str()), (0, ""), "{}", out.stderr);
    let written = std::fs::read_to_string(p.root().join("report.json")).expect("the report");
    let document: serde_json::Value = serde_json::from_str(&written).expect("JSON");
    assert_eq!(document["diagnostics"].as_array().map(Vec::len), Some(0));
}

/// Every rule that fired is named in the footer, the first in the command.
#[test]
fn the_footer_names_every_rule_that_fired() {
    let out = crate::support::run_in(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")),
        &["check", "examples/broken"],
    );
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(
        out.stdout.ends_with(
            "Run `alembic-preflight explain AP104` (and AP201, AP202, AP401, AP502) for what a rule checks and how to fix it.\n"
        ),
        "{}",
        out.stdout
    );
}

#[test]
fn warnings_alone_exit_zero() {
    let p = Project::alembic();
    p.migration("123456789abc_init.py", revision("123456789abc", "None", "2024-01-01"));
    let out = p.run(&["check", "--format", "concise"]);
    assert_eq!(out.code, 0, "{}", out.stdout);
    assert_eq!(
        out.stdout,
        "migrations/versions/123456789abc_init.py:12:13: AP107 [warning] revision id `123456789abc` looks hand-typed; the same placeholder on two branches collides\nFound 1 problem (1 warning) in 1 file\n"
    );
}

#[test]
fn environments_are_separate_graphs() {
    let p = crate::support::two_environments();
    p.write(
        "tenant/versions/a1b9c8d7e6f5_x.py",
        revision("a1b9c8d7e6f5", "None", "2024-01-01"),
    )
    .write(
        "tenant/versions/b2c8d7e6f5a4_y.py",
        revision("b2c8d7e6f5a4", "'a1b9c8d7e6f5'", "2024-01-02"),
    );
    let out = p.run(&["check"]);
    assert_eq!(
        (out.code, out.stdout.as_str()),
        (0, "All checks passed!\n"),
        "the same id in two environments is fine"
    );
    // Without git, a second `env.py` next to `versions/` is found too.
    p.write("other/db/env.py", "").write(
        "other/db/versions/c3d7e6f5a4b3_z.py",
        revision("c3d7e6f5a4b3", "'missing00000'", "2024-01-03"),
    );
    let out = p.run(&["check", "--format", "concise"]);
    assert_eq!(out.code, 1);
    assert!(
        out.stdout
            .starts_with("other/db/versions/c3d7e6f5a4b3_z.py:13:18: AP202"),
        "{}",
        out.stdout
    );
}

/// One revision whose `down_revision` cannot be read (a call, or a string
/// that never ends) used to hide two heads of the whole environment. Now
/// it is named, the heads it cannot take away are still reported, and a
/// parent bound to a module constant is read as Alembic reads it.
#[test]
fn an_unreadable_parent_is_named_and_never_hides_two_heads() {
    let p = forked();
    let codes = |p: &Project| -> Vec<(String, String)> {
        let out = p.run(&["check", "--all-files", "--format", "json"]);
        findings(&json(&out)).into_iter().map(|f| (f.0, f.1)).collect()
    };
    let two_heads = (
        "AP201".to_owned(),
        "migrations/versions/c3d7e6f5a4b3_orders.py".to_owned(),
    );
    assert!(codes(&p).contains(&two_heads));
    for parent in ["parent_of(revision)", "'b2c8d7e6f5a4"] {
        p.migration("d4e5f6a7b8c9_broken.py", revision("d4e5f6a7b8c9", parent, "2024-01-04"));
        let found = codes(&p);
        assert!(found.contains(&two_heads), "{parent}: {found:?}");
        // The string that never ends makes the file one Python refuses.
        let code = if parent.starts_with('\'') { "AP002" } else { "AP108" };
        assert!(
            found.contains(&(code.to_owned(), "migrations/versions/d4e5f6a7b8c9_broken.py".to_owned())),
            "{parent}: {found:?}"
        );
    }
    // A module constant is read: the new revision closes one head and is
    // the second itself, so two heads remain, and nothing is unreadable.
    p.migration(
        "d4e5f6a7b8c9_broken.py",
        revision("d4e5f6a7b8c9", "PARENT", "2024-01-04").replace("revision = ", "PARENT = 'b2c8d7e6f5a4'\nrevision = "),
    );
    let found = codes(&p);
    assert!(found.iter().all(|(code, _)| code != "AP108"), "{found:?}");
    assert!(found.iter().any(|(code, _)| code == "AP201"), "{found:?}");
}

/// A revision with an unclosed `(` in `upgrade()` is reported as what it
/// is, where the bracket opens, and not as a file without `downgrade()`.
#[test]
fn a_file_that_does_not_parse_is_named_and_not_misread() {
    let p = Project::alembic();
    p.migration(
        "a1b9c8d7e6f5_init.py",
        revision("a1b9c8d7e6f5", "None", "2024-01-01").replace(
            "sa.Column('c_a1b9c8d7e6f5', sa.Integer()))",
            "sa.Column('c_a1b9c8d7e6f5', sa.Integer())",
        ),
    );
    let out = p.run(&["check", "--all-files", "--format", "concise"]);
    assert_eq!(out.code, 1, "{}{}", out.stdout, out.stderr);
    assert_eq!(
        out.stdout,
        "migrations/versions/a1b9c8d7e6f5_init.py:19:18: AP002 [error] `(` was never closed: Python cannot load this revision, and Alembic fails on it\nFound 1 problem (1 error) in 1 file\n"
    );
}

/// A model file Python cannot parse is named, and its misread models are
/// judged by no rule.
#[test]
fn a_model_file_that_does_not_parse_is_named_and_not_misread() {
    let p = Project::alembic();
    p.migration("a1b9c8d7e6f5_init.py", revision("a1b9c8d7e6f5", "None", "2024-01-01"))
        .write(
            "app/models.py",
            "import sqlalchemy as sa\nfrom sqlalchemy.orm import declarative_base\n\nBase = declarative_base()\n\n\nclass User(Base):\n    __tablename__ = 'users'\n    id = sa.Column(sa.Integer, primary_key=True\n\n\nclass Other(Base):\n    __tablename__ = 'users'\n    id = sa.Column(sa.Integer, primary_key=True)\n",
        );
    let out = p.run(&["check", "--all-files", "--format", "concise"]);
    assert_eq!(out.code, 1, "{}{}", out.stdout, out.stderr);
    assert_eq!(
        out.stdout,
        "app/models.py:9:19: AP002 [error] `(` was never closed: Python cannot import this file\nFound 1 problem (1 error) in 1 file\n"
    );
}
