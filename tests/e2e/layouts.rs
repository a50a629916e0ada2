//! The layouts real projects use, each checked against Alembic: package
//! notation, named sections, release folders with labels and `depends_on`
//! across them (one graph), one folder per dialect reusing ids (one graph
//! each), and a `script_location` filled in at run time (found through
//! `env.py`, and said so). `graph` is snapshotted in every format.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use crate::support::{copy_dir, run_in};

fn layout(name: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(
        &Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/layouts")
            .join(name),
        dir.path(),
    );
    dir
}

/// Heads by environment name, as Alembic sees them.
fn alembic_heads(python: &Path, root: &Path, entries: &serde_json::Value) -> BTreeMap<String, serde_json::Value> {
    let list = root.join("entries.json");
    std::fs::write(&list, entries.to_string()).unwrap();
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/alembic_graphs.py");
    let output = Command::new(python)
        .arg(&script)
        .arg(&list)
        .current_dir(root)
        .output()
        .unwrap();
    std::fs::remove_file(&list).unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let results: BTreeMap<String, serde_json::Value> = serde_json::from_slice(&output.stdout).unwrap();
    results
        .into_iter()
        .map(|(name, r)| {
            assert!(
                r["error"].is_null() && r["warnings"].as_array().unwrap().is_empty(),
                "{name}: {r}"
            );
            (name, r["heads"].clone())
        })
        .collect()
}

/// Our heads by the environment's version locations (joined), or script location.
fn our_heads(root: &Path) -> BTreeMap<String, serde_json::Value> {
    let out = run_in(root, &["graph", "--format", "json"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let doc: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    doc["environments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            let locations: Vec<&str> = e["version_locations"]
                .as_array()
                .unwrap()
                .iter()
                .map(|l| l.as_str().unwrap())
                .collect();
            (locations.join(" "), e["heads"].clone())
        })
        .collect()
}

/// (layout, what Alembic loads, which of its environments is which of ours)
type Case = (&'static str, serde_json::Value, &'static [(&'static str, &'static str)]);

#[test]
fn every_layout_names_the_heads_alembic_names() {
    let python = crate::support::alembic_python();
    let cases: [Case; 9] = [
        (
            "package_notation",
            serde_json::json!([{"name": "main", "ini": "alembic.ini"}]),
            &[("main", "shop/db/migrations/versions")],
        ),
        (
            "named_sections",
            serde_json::json!([{"name": "main", "ini": "alembic.ini"}, {"name": "tenant", "ini": "alembic.ini", "section": "tenant"}]),
            &[
                ("main", "main/versions"),
                ("tenant", "tenant/versions tenant/shared_versions"),
            ],
        ),
        (
            "release_folders",
            serde_json::json!([{"name": "db", "ini": "alembic.ini"}]),
            &[("db", "db/versions")],
        ),
        (
            "dialect_folders",
            serde_json::json!([
                {"name": "postgresql", "dir": "db", "version_locations": ["db/versions/postgresql"]},
                {"name": "sqlite", "dir": "db", "version_locations": ["db/versions/sqlite"]},
            ]),
            &[
                ("postgresql", "db/versions/postgresql"),
                ("sqlite", "db/versions/sqlite"),
            ],
        ),
        ("runtime_template", serde_json::json!(["db"]), &[("db", "db/versions")]),
        // `version_locations` set in env.py, as OpenStack projects do.
        (
            "versions_in_code",
            serde_json::json!([{"name": "db", "dir": "db", "version_locations": [
                "db/versions", "db/versions/liberty/expand", "db/versions/liberty/contract",
                "db/versions/mitaka/expand", "db/versions/mitaka/contract"]}]),
            &[("db", "db/versions")],
        ),
        // Several colons in package notation; the dialect folder chosen in code.
        (
            "colon_package",
            serde_json::json!([
                {"name": "postgresql", "dir": "shop/db/migrations", "version_locations": ["shop/db/migrations/versions/postgresql"]},
                {"name": "sqlite", "dir": "shop/db/migrations", "version_locations": ["shop/db/migrations/versions/sqlite"]},
            ]),
            &[
                ("postgresql", "shop/db/migrations/versions/postgresql"),
                ("sqlite", "shop/db/migrations/versions/sqlite"),
            ],
        ),
        // A folder of old revisions nothing links to: Alembic does not load it.
        (
            "archived_folder",
            serde_json::json!([{"name": "db", "ini": "alembic.ini"}]),
            &[("db", "db/versions")],
        ),
        // Revision directories named in `version-locations`.
        (
            "spread_packages",
            serde_json::json!([{"name": "all", "dir": "accounts", "version_locations": ["accounts/alembic", "orders/alembic"]}]),
            &[("all", "accounts/alembic orders/alembic")],
        ),
    ];
    for (name, entries, pairs) in cases {
        let dir = layout(name);
        let theirs = alembic_heads(&python, dir.path(), &entries);
        let ours = our_heads(dir.path());
        assert_eq!(ours.len(), pairs.len(), "{name}: environments {ours:?}");
        for (env, locations) in pairs {
            assert_eq!(
                ours.get(*locations),
                theirs.get(*env),
                "{name}: heads of {env} ({locations})"
            );
        }
    }
}

#[test]
fn graph_in_every_format() {
    let dir = layout("release_folders");
    for format in ["text", "json", "dot", "mermaid"] {
        let out = run_in(dir.path(), &["graph", "--format", format]);
        assert_eq!(out.code, 0, "{}", out.stderr);
        insta::assert_snapshot!(format!("graph_{format}"), out.stdout);
    }
    let dir = layout("runtime_template");
    let out = run_in(dir.path(), &["graph"]);
    insta::assert_snapshot!("graph_runtime_template", out.stdout);
}

#[test]
fn nested_revision_files_no_graph_links_are_named_on_stderr() {
    let dir = layout("archived_folder");
    let out = run_in(dir.path(), &["check", "--all-files"]);
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    assert_eq!(out.stdout, "All checks passed!\n");
    assert_eq!(
        out.stderr,
        "note: 2 revision files are in no Alembic environment, so no graph rule checked them: \
         db/versions/old/1a2f3e4d5c6b_squashed_away.py, db/versions/old/7e6d5c4b3a29_squashed_too.py; \
         if Alembic loads them, name their directories in `version-locations`\n"
    );
    // Linked or self-contained nested folders are read without a note.
    for name in ["versions_in_code", "colon_package", "spread_packages"] {
        let out = run_in(layout(name).path(), &["check", "--all-files"]);
        assert_eq!(
            (out.code, out.stdout.as_str(), out.stderr.as_str()),
            (0, "All checks passed!\n", ""),
            "{name}"
        );
    }
}

/// A script that only holds a revision file's text in a string (a project
/// generator, a template) is no revision file: no note names it. One stray
/// revision file is named, in the singular.
#[test]
fn a_revision_template_in_a_string_is_not_a_stray_revision() {
    let p = crate::support::Project::alembic();
    p.migration(
        "a1b9c8d7e6f5_init.py",
        crate::support::revision("a1b9c8d7e6f5", "None", "2024-01-01"),
    )
    .write(
        "scripts/make_revision.py",
        "TEMPLATE = '''\nrevision = {rev!r}\ndown_revision = {down!r}\n'''\n\n\ndef render(rev, down):\n    return TEMPLATE.format(rev=rev, down=down)\n",
    );
    let out = p.run(&["check", "--all-files"]);
    assert_eq!(
        (out.code, out.stdout.as_str(), out.stderr.as_str()),
        (0, "All checks passed!\n", "")
    );
    p.write(
        "archive/b2c8d7e6f5a4_old.py",
        crate::support::revision("b2c8d7e6f5a4", "'a1b9c8d7e6f5'", "2024-01-02"),
    );
    let out = p.run(&["check", "--all-files"]);
    assert_eq!(
        out.stderr,
        "note: 1 revision file is in no Alembic environment, so no graph rule checked it: \
         archive/b2c8d7e6f5a4_old.py; if Alembic loads it, name its directory in `version-locations`\n"
    );
}
