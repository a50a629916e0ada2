use crate::support::{Project, revision, run_in};

#[test]
fn rules_lists_every_rule() {
    let out = run_in(std::env::temp_dir().as_path(), &["rules"]);
    assert_eq!(out.code, 0);
    let lines: Vec<&str> = out.stdout.lines().collect();
    assert_eq!(
        lines[0].split_whitespace().collect::<Vec<_>>(),
        ["code", "name", "severity", "summary"]
    );
    for code in [
        "AP001", "AP002", "AP101", "AP102", "AP103", "AP104", "AP105", "AP106", "AP107", "AP108", "AP201", "AP202",
        "AP203", "AP204", "AP205", "AP206", "AP207", "AP301", "AP302", "AP303", "AP304", "AP305", "AP401", "AP402",
        "AP501", "AP502", "AP503", "AP504", "AP505", "AP506", "AP601", "AP602", "AP701", "AP801", "AP802", "AP803",
        "AP804", "AP805", "AP806", "AP807", "AP808", "AP809", "AP810", "AP811", "AP812", "AP813",
    ] {
        assert!(
            lines.iter().any(|l| l.starts_with(code)),
            "{code} missing from:\n{}",
            out.stdout
        );
    }
    assert_eq!(lines.len(), 47, "a header and one line per rule");
    assert!(
        out.stdout.contains("AP305  model-index-also-in-migration       off"),
        "{}",
        out.stdout
    );
}

#[test]
fn explain_prints_the_doc_by_code_or_name() {
    let dir = std::env::temp_dir();
    let by_code = run_in(&dir, &["explain", "AP201"]);
    let by_name = run_in(&dir, &["explain", "multiple-heads"]);
    assert_eq!(by_code.code, 0);
    assert_eq!(by_code.stdout, by_name.stdout);
    assert!(by_code.stdout.starts_with("# multiple-heads (AP201)"));
    assert!(by_code.stdout.contains("## Why is this bad?"));
    let lower = run_in(&dir, &["explain", "ap502"]);
    assert!(lower.stdout.starts_with("# empty-downgrade (AP502)"));
}

#[test]
fn unknown_rule_and_bad_flags_exit_two() {
    let dir = std::env::temp_dir();
    let out = run_in(&dir, &["explain", "AP999"]);
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("unknown rule `AP999`"), "{}", out.stderr);
    let out = run_in(&dir, &["check", "--format", "xml"]);
    assert_eq!(out.code, 2);
    let out = run_in(&dir, &["check", "--all-files", "x.py"]);
    assert_eq!(out.code, 2);
}

#[test]
fn missing_path_is_a_tool_error() {
    let p = Project::alembic();
    let out = p.run(&["check", "no/such/file.py"]);
    assert_eq!(out.code, 2);
    assert!(
        out.stderr.contains("no/such/file.py: no such file or directory"),
        "{}",
        out.stderr
    );
}

#[test]
fn colour_only_when_asked() {
    let p = Project::alembic();
    p.migration("a1b9c8d7e6f5_init.py", revision("a1b9c8d7e6f5", "'gone'", "2024-01-01"));
    let plain = p.run(&["check"]);
    assert!(!plain.stdout.contains('\u{1b}'), "piped output has no escapes");
    let coloured = p.run(&["check", "--color", "always"]);
    assert!(coloured.stdout.contains("\u{1b}["), "{}", coloured.stdout);
    // Colour never changes the content.
    let stripped = strip_ansi(&coloured.stdout);
    assert_eq!(stripped, plain.stdout);
}

fn strip_ansi(s: &str) -> String {
    let mut out = String::new();
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            for c in chars.by_ref() {
                if c == 'm' {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

#[test]
fn version_flag() {
    let out = run_in(std::env::temp_dir().as_path(), &["--version"]);
    assert_eq!(out.code, 0);
    assert!(out.stdout.starts_with("alembic-preflight "));
}

/// N11: errors from git are said in our words, without libgit2's class and
/// code numbers; N9: `install --help` says what `install` writes.
#[test]
fn git_errors_and_install_help_speak_plainly() {
    let p = crate::support::GitProject::new();
    let out = p.run(&["check", "--since", "nosuchbranch"]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(
        out.stderr.contains("`nosuchbranch` names no commit in this repository"),
        "{}",
        out.stderr
    );
    assert!(
        !out.stderr.contains("class=") && !out.stderr.contains("code="),
        "{}",
        out.stderr
    );
    let help = run_in(std::env::temp_dir().as_path(), &["install", "--help"]);
    assert!(
        help.stdout.contains("`pre-commit` and `pre-merge-commit`") && help.stdout.contains("is refused"),
        "{}",
        help.stdout
    );
}

/// `graph PATH` draws the environments at or below a path; the JSON lists
/// every revision with its parents and message; dot and mermaid labels
/// carry the message and the branch labels.
#[test]
fn graph_of_one_environment_with_messages_and_labels() {
    let p = crate::support::two_environments();
    p.write(
        "tenant/versions/b2c8d7e6f5a4_y.py",
        revision("b2c8d7e6f5a4", "None", "2024-01-02").replace("branch_labels = None", "branch_labels = ('tenants',)"),
    );
    let out = p.run(&["graph", "tenant", "--format", "json"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let document: serde_json::Value = serde_json::from_str(&out.stdout).expect("JSON");
    let environments = document["environments"].as_array().expect("environments");
    assert_eq!(environments.len(), 1, "{}", out.stdout);
    let revision = &environments[0]["revision_list"][0];
    assert_eq!(revision["id"], "b2c8d7e6f5a4");
    assert_eq!(revision["message"], "change b2c8d7e6f5a4");
    assert_eq!(revision["branch_labels"][0], "tenants");
    assert_eq!(revision["head"], true);
    let mermaid = p.run(&["graph", "tenant/versions/b2c8d7e6f5a4_y.py", "--format", "mermaid"]);
    assert!(
        mermaid
            .stdout
            .contains(r#"["b2c8d7e6f5a4<br/>change b2c8d7e6f5a4<br/>[tenants]"]"#),
        "{}",
        mermaid.stdout
    );
    assert!(!mermaid.stdout.contains("a1b9c8d7e6f5"), "{}", mermaid.stdout);
    let dot = p.run(&["graph", "--format", "dot"]);
    assert!(
        dot.stdout.contains(r#"label="a1b9c8d7e6f5\nchange a1b9c8d7e6f5""#),
        "{}",
        dot.stdout
    );
    let none = p.run(&["graph", "alembic.ini"]);
    assert!(
        none.stderr
            .contains("warning: no Alembic environment holds or lies below `alembic.ini`"),
        "{}",
        none.stderr
    );
}

/// N15: the crate's links are the Python package's.
#[test]
fn cargo_metadata_matches_the_python_package() {
    let cargo = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/Cargo.toml")).expect("Cargo.toml");
    let python = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/pyproject.toml")).expect("pyproject");
    for (cargo_key, python_key) in [("repository", "Repository"), ("documentation", "Documentation")] {
        let value = |text: &str, key: &str| {
            text.lines()
                .find_map(|l| l.strip_prefix(&format!("{key} = ")))
                .map(|v| v.trim().to_owned())
        };
        let url = value(&cargo, cargo_key);
        assert!(url.is_some(), "Cargo.toml has no {cargo_key}");
        assert_eq!(url, value(&python, python_key), "{cargo_key}");
    }
}
