use crate::support::{Project, findings, json, revision};

#[test]
fn awkward_bytes_never_stop_the_sweep() {
    let p = Project::alembic();
    p.migration("a1b9c8d7e6f5_init.py", revision("a1b9c8d7e6f5", "None", "2024-01-01"))
        // Not UTF-8, with a BOM-less Latin-1 comment: decoded lossily and still checked.
        .migration("b2c8d7e6f5a4_latin1.py", [revision("b2c8d7e6f5a4", "'a1b9c8d7e6f5'", "2024-01-02").as_bytes(), b"# caf\xe9\n"].concat())
        // A BOM and CRLF line endings.
        .migration(
            "c3d7e6f5a4b3_bom_crlf.py",
            [b"\xef\xbb\xbf".as_slice(), revision("c3d7e6f5a4b3", "'b2c8d7e6f5a4'", "2024-01-03").replace('\n', "\r\n").as_bytes()].concat(),
        )
        .migration("d4e6f5a4b3c2_empty.py", "")
        .migration("e5f5a4b3c2d1_nul.py", b"revision = 'e5f5\x00'\n\x00\x00")
        .migration("f6a4b3c2d1e0_unterminated.py", "revision = 'f6a4b3c2d1e0\ndown_revision = ('c3d7e6f5a4b3',\n")
        .migration("0a7b3c2d1e0f_binary.py", (0u8..=255).cycle().take(4096).collect::<Vec<u8>>())
        .migration("1b8c2d1e0f9a_tabs.py", "revision = '1b8c2d1e0f9a'\ndown_revision = 'c3d7e6f5a4b3'\ndef upgrade():\n\top.x()\ndef downgrade():\n\top.y()\n");
    let out = p.run(&["check", "--format", "json"]);
    assert!(out.code == 1, "{}{}", out.stdout, out.stderr);
    assert!(!out.stderr.contains("panicked"), "{}", out.stderr);
    let got = findings(&json(&out));
    // The lossily decoded and BOM/CRLF files were read: their ids resolve,
    // so the chain a1b9 <- b2c8 <- c3d7 has no dangling parent.
    assert!(
        !got.iter()
            .any(|(code, path, _)| code == "AP202" && path.contains("c3d7")),
        "{got:?}"
    );
    // The empty file lacks a revision: reported, line 1.
    assert!(
        got.contains(&(
            "AP101".to_owned(),
            "migrations/versions/d4e6f5a4b3c2_empty.py".to_owned(),
            1
        )),
        "{got:?}"
    );
    // Positions in the BOM/CRLF file count from after the BOM.
    let crlf = p.run(&[
        "check",
        "--format",
        "concise",
        "migrations/versions/c3d7e6f5a4b3_bom_crlf.py",
    ]);
    assert!(
        !crlf.stdout.contains("c3d7e6f5a4b3_bom_crlf.py:"),
        "a clean file: {}",
        crlf.stdout
    );
}

#[test]
fn broken_alembic_ini_is_reported_and_the_rest_is_checked() {
    let p = Project::new();
    p.write("alembic.ini", "script_location = migrations\n")
        .write("migrations/env.py", "")
        .write(
            "migrations/versions/a1b9c8d7e6f5_x.py",
            revision("a1b9c8d7e6f5", "'nowhere'", "2024-01-01"),
        );
    let out = p.run(&["check", "--format", "concise"]);
    assert_eq!(out.code, 2, "{}{}", out.stdout, out.stderr);
    assert!(
        out.stderr
            .contains("alembic.ini: line 1: `script_location = migrations` comes before any `[section]` header"),
        "{}",
        out.stderr
    );
    // The environment is still found by its env.py, and checked.
    assert!(out.stdout.contains("AP202"), "{}", out.stdout);
}

#[test]
fn broken_pyproject_with_alembic_table_is_reported() {
    let p = Project::new();
    p.write("pyproject.toml", "[tool.alembic]\nscript_location = \n");
    let out = p.run(&["check"]);
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("pyproject.toml: not valid TOML"), "{}", out.stderr);
}

#[test]
fn paths_with_spaces_and_non_ascii() {
    let p = Project::new();
    p.write(
        "my app/alembic.ini",
        "[alembic]\nscript_location = %(here)s/mïgrations\n",
    )
    .write("my app/mïgrations/env.py", "")
    .write(
        "my app/mïgrations/versions/a1b9c8d7e6f5_ünïcode.py",
        revision("a1b9c8d7e6f5", "'x'", "2024-01-01"),
    );
    let out = p.run(&["check", "--format", "concise", "my app"]);
    assert_eq!(out.code, 1, "{}{}", out.stdout, out.stderr);
    assert!(
        out.stdout
            .starts_with("my app/mïgrations/versions/a1b9c8d7e6f5_ünïcode.py:13:18: AP202"),
        "{}",
        out.stdout
    );
}

#[test]
fn a_project_outside_the_current_directory() {
    let p = Project::alembic();
    p.migration("a1b9c8d7e6f5_x.py", revision("a1b9c8d7e6f5", "'x'", "2024-01-01"));
    let elsewhere = tempfile::tempdir().unwrap();
    let out = crate::support::run_in(
        elsewhere.path(),
        &["check", "--format", "concise", p.root().to_str().unwrap()],
    );
    assert_eq!(out.code, 1, "{}{}", out.stdout, out.stderr);
    // Shown from the current directory, outside the project: absolute.
    let shown = format!(
        "{}/migrations/versions/a1b9c8d7e6f5_x.py:13:18: AP202",
        p.root().display()
    );
    assert!(out.stdout.starts_with(&shown), "{}", out.stdout);
    // JSON keeps the project-relative path.
    let out = crate::support::run_in(
        elsewhere.path(),
        &["check", "--format", "json", p.root().to_str().unwrap()],
    );
    let document = crate::support::json(&out);
    assert_eq!(
        document["diagnostics"][0]["path"],
        "migrations/versions/a1b9c8d7e6f5_x.py"
    );
}

#[test]
fn a_broken_configuration_elsewhere_does_not_fail_the_selected_paths() {
    let p = Project::new();
    p.write(
        "service_a/alembic.ini",
        "[alembic]\nscript_location = %(here)s/migrations\n",
    )
    .write("service_a/migrations/env.py", "")
    .write(
        "service_a/migrations/versions/a1b9c8d7e6f5_x.py",
        revision("a1b9c8d7e6f5", "None", "2024-01-01"),
    )
    .write("service_b/alembic.ini", "not an ini file\n");
    let out = p.run(&["check", "service_a/migrations/versions/a1b9c8d7e6f5_x.py"]);
    assert_eq!((out.code, out.stderr.as_str()), (0, ""));
    let out = p.run(&["check", "service_b"]);
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("service_b/alembic.ini: line 1"), "{}", out.stderr);
}

/// A mistyped `script_location` is what Alembic stops at ("Path doesn't
/// exist"): an error naming the file, the key and the path, never an
/// empty graph that passes. A location the application fills in, or one
/// inside a package, is not a typo.
#[test]
fn a_script_location_that_names_nothing_is_an_error() {
    let p = Project::alembic();
    p.migration("a1b9c8d7e6f5_init.py", revision("a1b9c8d7e6f5", "None", "2024-01-01"))
        .write("alembic.ini", "[alembic]\nscript_location = %(here)s/migration\n");
    for args in [&["check", "--all-files"][..], &["check", "alembic.ini"]] {
        let out = p.run(args);
        assert_eq!(out.code, 2, "{args:?}: {}{}", out.stdout, out.stderr);
        assert!(
            out.stderr.contains(
                "alembic.ini: `script_location` names `migration`, which holds no file in this repository; \
                 Alembic fails there with \"Path doesn't exist\""
            ),
            "{}",
            out.stderr
        );
    }
    // N3: a location that exists but holds no revision, while revision
    // files sit below the script location, is an error too.
    p.write(
        "alembic.ini",
        "[alembic]\nscript_location = %(here)s/migrations\nversion_locations = %(here)s/migrations/version\n",
    );
    let out = p.run(&["check", "--all-files"]);
    assert_eq!(out.code, 2, "{}{}", out.stdout, out.stderr);
    assert!(
        out.stderr.contains(
            "alembic.ini: its version locations (migrations/version) hold no revision, but 1 revision file below \
             `migrations` sits there (`migrations/versions/a1b9c8d7e6f5_init.py`)"
        ),
        "{}",
        out.stderr
    );
    for location in ["{alembic_dir}", "app.db:migrations", "%(here)s/migrations"] {
        p.write("alembic.ini", format!("[alembic]\nscript_location = {location}\n"));
        let out = p.run(&["check", "--all-files"]);
        assert_eq!(out.code, 0, "{location}: {}{}", out.stdout, out.stderr);
    }
}

/// N13: a run that finds nothing to check says so on stderr, as ruff's
/// "No Python files found", and keeps exit 0; a named file the tool never
/// reads is named.
#[test]
fn a_run_with_nothing_to_check_says_so() {
    let p = Project::new();
    assert_eq!(
        std::process::Command::new("git")
            .args(["init", "-q"])
            .current_dir(p.root())
            .status()
            .expect("git")
            .code(),
        Some(0)
    );
    p.write("notes.txt", "x\n");
    for args in [&["check", "--all-files"][..], &["graph"], &["check", "notes.txt"]] {
        let out = p.run(args);
        assert_eq!((out.code, out.stdout.as_str()), (0, ""), "{args:?}");
        assert!(
            out.stderr.contains("warning: no Alembic environment found in "),
            "{args:?}: {}",
            out.stderr
        );
    }
    let out = p.run(&["check", "notes.txt"]);
    assert!(
        out.stderr
            .contains("warning: notes.txt: not a Python file or an Alembic configuration file, so it was not checked"),
        "{}",
        out.stderr
    );
    // A path outside the project is checked as a project of its own: said.
    let project = Project::alembic();
    project.migration("a1b9c8d7e6f5_init.py", revision("a1b9c8d7e6f5", "None", "2024-01-01"));
    p.write("elsewhere.py", "x = 1\n");
    let elsewhere = p.root().join("elsewhere.py");
    let out = project.run(&["check", elsewhere.to_str().expect("UTF-8 path")]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stderr.contains("elsewhere.py: outside the project at ")
            && out
                .stderr
                .contains(&format!("no Alembic environment found in {}", p.root().display())),
        "{}",
        out.stderr
    );
}
