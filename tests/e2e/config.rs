use crate::support::{Project, findings, json, revision};

fn codes(out: &crate::support::Output) -> Vec<String> {
    findings(&json(out)).into_iter().map(|f| f.0).collect()
}

/// A placeholder id (AP107, a warning) and an empty upgrade (AP505, a warning).
fn project() -> Project {
    let p = Project::alembic();
    p.migration("123456789abc_init.py", revision("123456789abc", "None", "2024-01-01"))
        .migration(
            "b2c8d7e6f5a4_noop.py",
            revision("b2c8d7e6f5a4", "'123456789abc'", "2024-01-02")
                .replace(
                    "    op.add_column('t', sa.Column('c_b2c8d7e6f5a4', sa.Integer()))\n",
                    "    pass\n",
                )
                .replace("    op.drop_column('t', 'c_b2c8d7e6f5a4')\n", "    pass\n"),
        );
    p
}

#[test]
fn a_rule_turned_off_by_code_and_promoted_by_name_in_pyproject() {
    let p = project();
    let out = p.run(&["check", "--format", "json"]);
    assert_eq!(
        (out.code, codes(&out)),
        (0, vec!["AP107".to_owned(), "AP505".to_owned()])
    );
    p.write(
        "pyproject.toml",
        "[project]\nname = \"x\"\n\n[tool.alembic-preflight.rules]\nAP107 = \"off\"\nempty-upgrade = \"error\"\n",
    );
    let out = p.run(&["check", "--format", "json"]);
    assert_eq!((out.code, codes(&out)), (1, vec!["AP505".to_owned()]), "{}", out.stdout);
    assert_eq!(json(&out)["diagnostics"][0]["severity"], "error");
    // `--isolated` reads no file; `--ignore` on the command line wins over it.
    assert_eq!(codes(&p.run(&["check", "--format", "json", "--isolated"])).len(), 2);
    let out = p.run(&["check", "--format", "json", "--ignore", "AP5"]);
    assert_eq!((out.code, codes(&out).len()), (0, 0));
    let out = p.run(&[
        "check",
        "--format",
        "json",
        "--isolated",
        "--select",
        "placeholder-revision-id",
    ]);
    assert_eq!(codes(&out), ["AP107"]);
    // `rules` shows the configured severities.
    let rules = p.run(&["rules"]);
    assert!(
        rules
            .stdout
            .contains("AP107  placeholder-revision-id             off (default warning)"),
        "{}",
        rules.stdout
    );
}

#[test]
fn exclude_applies_to_explicit_paths() {
    let p = project();
    p.write("legacy/env.py", "").write(
        "legacy/versions/a1b9c8d7e6f5_old.py",
        revision("a1b9c8d7e6f5", "'nowhere'", "2020-01-01"),
    );
    let out = p.run(&["check", "--format", "json", "legacy/versions/a1b9c8d7e6f5_old.py"]);
    assert_eq!(codes(&out), ["AP202"]);
    p.write(".alembic-preflight.toml", "exclude = [\"legacy/\"]\n");
    let out = p.run(&["check", "--format", "json", "legacy/versions/a1b9c8d7e6f5_old.py"]);
    assert_eq!((out.code, codes(&out).len()), (0, 0), "{}", out.stdout);
    let out = p.run(&["check", "--format", "json"]);
    assert!(!codes(&out).contains(&"AP202".to_owned()));
}

#[test]
fn project_settings() {
    let p = Project::alembic();
    p.migration(
        "a1b9c8d7e6f5_init.py",
        revision("a1b9c8d7e6f5", "'plugin_0001'", "2024-01-01"),
    )
    .migration(
        "b2c8d7e6f5a4_x.py",
        revision("b2c8d7e6f5a4", "'a1b9c8d7e6f5'", "2024-01-02"),
    )
    .migration(
        "c3d7e6f5a4b3_y.py",
        revision("c3d7e6f5a4b3", "'a1b9c8d7e6f5'", "2024-01-03")
            .replace("def downgrade():\n    op.drop_column('t', 'c_c3d7e6f5a4b3')\n", ""),
    );
    let out = p.run(&["check", "--format", "json"]);
    assert_eq!(
        codes(&out),
        ["AP202", "AP201", "AP501"].map(str::to_owned),
        "{}",
        out.stdout
    );
    p.write(
        "alembic-preflight.toml",
        "external-revisions = [\"plugin_0001\"]\ndowngrade = \"optional\"\nexpected-heads = { migrations = 2 }\n",
    );
    let out = p.run(&["check", "--format", "json"]);
    assert_eq!((out.code, codes(&out).len()), (0, 0), "{}", out.stdout);
}

#[test]
fn a_bad_configuration_exits_two_with_the_place() {
    let p = project();
    p.write("alembic-preflight.toml", "exclude = []\nmax-identifer-length = 30\n");
    let out = p.run(&["check"]);
    assert_eq!(out.code, 2);
    assert!(
        out.stderr.contains("alembic-preflight.toml") && out.stderr.contains("line 2, column 1"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains("unknown field `max-identifer-length`"),
        "{}",
        out.stderr
    );
    let out = p.run(&["check", "--select", "E501"]);
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("`E501` is neither a rule code"), "{}", out.stderr);
}

#[test]
fn suppression_comments() {
    let p = Project::alembic();
    let mut text = revision("123456789abc", "None", "2024-01-01");
    text = text.replace(
        "revision = '123456789abc'",
        "revision = '123456789abc'  # alembic-preflight: ignore[AP107]",
    );
    p.migration("123456789abc_init.py", &text);
    // On the line.
    let out = p.run(&["check", "--format", "json"]);
    assert_eq!((out.code, codes(&out).len()), (0, 0), "{}", out.stdout);
    // Alone on the line above, by name.
    p.migration(
        "123456789abc_init.py",
        revision("123456789abc", "None", "2024-01-01").replace(
            "revision = '",
            "# alembic-preflight: ignore[placeholder-revision-id]\nrevision = '",
        ),
    );
    assert_eq!(codes(&p.run(&["check", "--format", "json"])).len(), 0);
    // For the whole file, and with noqa.
    p.migration(
        "123456789abc_init.py",
        format!(
            "# alembic-preflight: ignore-file[AP107]\n{}",
            revision("123456789abc", "None", "2024-01-01")
        ),
    );
    assert_eq!(codes(&p.run(&["check", "--format", "json"])).len(), 0);
    p.migration(
        "123456789abc_init.py",
        revision("123456789abc", "None", "2024-01-01").replace(
            "revision = '123456789abc'",
            "revision = '123456789abc'  # noqa: E501,AP107",
        ),
    );
    assert_eq!(codes(&p.run(&["check", "--format", "json"])).len(), 0);
    // An unknown code is itself reported, and an unused one when asked.
    p.migration(
        "123456789abc_init.py",
        revision("123456789abc", "None", "2024-01-01").replace(
            "revision = '123456789abc'",
            "revision = '123456789abc'  # alembic-preflight: ignore[AP107, AP999]",
        ),
    );
    let out = p.run(&["check", "--format", "concise"]);
    assert!(
        out.stdout.contains("AP001 [warning] `AP999` names no rule"),
        "{}",
        out.stdout
    );
    p.migration(
        "123456789abc_init.py",
        revision("123456789abc", "None", "2024-01-01").replace(
            "down_revision = None",
            "down_revision = None  # alembic-preflight: ignore[AP201]",
        ),
    );
    let out = p.run(&[
        "check",
        "--format",
        "concise",
        "--report-unused-suppressions",
        "--ignore",
        "AP107",
    ]);
    assert!(
        out.stdout
            .contains("AP001 [warning] this suppression of `AP201` is unused"),
        "{}",
        out.stdout
    );
}

/// A monorepo: the closest configuration file above a file governs it, as
/// in ruff. `backend/pyproject.toml` is `backend/`'s, with paths relative to
/// `backend/`; the root's governs the rest. In every mode.
#[test]
fn the_closest_configuration_governs_each_project_of_a_monorepo() {
    let p = crate::support::GitProject::new();
    let heads = |dir: &str| {
        p.project
            .write(
                &format!("{dir}a1b9c8d7e6f5_init.py"),
                revision("a1b9c8d7e6f5", "None", "2024-01-01"),
            )
            .write(
                &format!("{dir}b2c8d7e6f5a4_users.py"),
                revision("b2c8d7e6f5a4", "'a1b9c8d7e6f5'", "2024-01-02"),
            )
            .write(
                &format!("{dir}c3d7e6f5a4b3_orders.py"),
                revision("c3d7e6f5a4b3", "'a1b9c8d7e6f5'", "2024-01-03"),
            );
    };
    // Two heads in each project.
    heads("migrations/versions/");
    heads("backend/db/versions/");
    p.project
        .write("alembic-preflight.toml", "[rules]\nmultiple-heads = \"off\"\n")
        .write("backend/alembic.ini", "[alembic]\nscript_location = %(here)s/db\n")
        .write("backend/db/env.py", "from alembic import context\n")
        .write(
            "backend/pyproject.toml",
            "[project]\nname = \"backend\"\n\n[tool.alembic-preflight.rules]\nmultiple-heads = \"warning\"\n",
        );
    let all = p.run(&["check", "--all-files", "--format", "json"]);
    let found = findings(&json(&all));
    assert_eq!(all.code, 0, "{}{}", all.stdout, all.stderr);
    assert_eq!(
        found,
        vec![(
            "AP201".to_owned(),
            "backend/db/versions/c3d7e6f5a4b3_orders.py".to_owned(),
            12
        )],
        "the root's heads are off, backend's a warning"
    );
    assert_eq!(json(&all)["diagnostics"][0]["severity"], "warning");

    // Staged: the same projects, from the index.
    p.stage_all();
    let staged = p.run(&["check", "--format", "concise"]);
    assert_eq!(staged.code, 0, "{}", staged.stderr);
    assert!(
        staged
            .stdout
            .starts_with("backend/db/versions/c3d7e6f5a4b3_orders.py:12:13: AP201 [warning]"),
        "{}",
        staged.stdout
    );

    // `--isolated` reads no configuration at all: both forks are errors.
    let isolated = p.run(&["check", "--all-files", "--isolated", "--format", "json"]);
    assert_eq!(isolated.code, 1);
    assert_eq!(codes(&isolated), ["AP201", "AP201"]);
}

/// N8: `rules` and `check --show-settings` read the configuration that
/// governs where they run, as `check` applies it, and say which file it is.
#[test]
fn rules_and_show_settings_read_the_closest_configuration() {
    let p = crate::support::GitProject::new();
    p.project.write(
        "backend/pyproject.toml",
        "[tool.alembic-preflight.rules]\nAP502 = \"off\"\n",
    );
    let backend = p.root().join("backend");
    let rules = crate::support::run_in(&backend, &["rules"]);
    assert!(
        rules
            .stdout
            .lines()
            .any(|l| l.starts_with("AP502") && l.contains("off (default error)")),
        "{}",
        rules.stdout
    );
    let root_rules = p.run(&["rules", "--format", "json"]);
    let document: serde_json::Value = serde_json::from_str(&root_rules.stdout).expect("JSON");
    let ap502 = document["rules"]
        .as_array()
        .and_then(|rules| rules.iter().find(|r| r["code"] == "AP502"))
        .expect("AP502");
    assert_eq!(
        (ap502["severity"].as_str(), ap502["default"].as_str()),
        (Some("error"), Some("error"))
    );
    let shown = crate::support::run_in(&backend, &["check", "--show-settings"]);
    assert_eq!(shown.code, 0, "{}", shown.stderr);
    assert!(
        shown
            .stdout
            .contains(&format!("Settings path: {}", backend.join("pyproject.toml").display())),
        "{}",
        shown.stdout
    );
    let at_root = p.run(&["check", "--show-settings", "app.py"]);
    assert!(
        at_root.stdout.contains("Settings path: none (the defaults)"),
        "{}",
        at_root.stdout
    );
}

/// N12: a misspelt rule name is found where it stands in the configuration
/// and in `explain`, with the rule it most likely means; names take any
/// case, as codes do.
#[test]
fn a_misspelt_rule_gets_a_suggestion_and_names_take_any_case() {
    let p = crate::support::Project::alembic();
    p.write(
        "pyproject.toml",
        "[tool.alembic-preflight.rules]\nmultiple-head = \"off\"\n",
    );
    let out = p.run(&["check", "--all-files"]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(
        out.stderr.contains("pyproject.toml") && out.stderr.contains("line 2, column 1"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr
            .contains("unknown rule `multiple-head`; did you mean `multiple-heads` (AP201)?"),
        "{}",
        out.stderr
    );
    let explained = p.run(&["explain", "multiple-head"]);
    assert_eq!(explained.code, 2);
    assert!(
        explained.stderr.contains("did you mean `multiple-heads` (AP201)?"),
        "{}",
        explained.stderr
    );
    p.write(
        "pyproject.toml",
        "[tool.alembic-preflight.rules]\nMultiple-Heads = \"off\"\n",
    );
    assert_eq!(p.run(&["check", "--all-files"]).code, 0);
    assert!(
        p.run(&["explain", "Multiple-Heads"])
            .stdout
            .starts_with("# multiple-heads (AP201)")
    );
}
