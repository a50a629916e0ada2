use crate::support::{Project, revision, run_with_env};

/// Two heads (an error with related locations) and a placeholder id (a warning).
fn project() -> Project {
    let p = Project::alembic();
    p.migration(
        "123456789abc_init.py",
        revision("123456789abc", "None", "2024-01-01 10:00:00"),
    )
    .migration(
        "b2c8d7e6f5a4_users.py",
        revision("b2c8d7e6f5a4", "'123456789abc'", "2024-01-02 10:00:00"),
    )
    .migration(
        "c3d7e6f5a4b3_orders.py",
        revision("c3d7e6f5a4b3", "'123456789abc'", "2024-01-03 10:00:00"),
    );
    p
}

#[test]
fn every_format_for_the_same_diagnostics() {
    let p = project();
    for format in ["full", "concise", "json", "github", "gitlab", "junit"] {
        let out = p.run(&["check", "--format", format]);
        assert_eq!(out.code, 1);
        insta::assert_snapshot!(format!("format_{format}"), out.stdout);
    }
    let out = p.run(&["check", "--statistics"]);
    insta::assert_snapshot!("statistics", out.stdout);
    let out = p.run(&["check", "--statistics", "--format", "json"]);
    insta::assert_snapshot!("statistics_json", out.stdout);
}

#[test]
fn github_actions_gets_annotations_by_default_and_exit_zero_passes() {
    let p = project();
    let out = run_with_env(p.root(), &["check"], &[("GITHUB_ACTIONS", "true")]);
    assert!(
        out.stdout
            .starts_with("::warning file=migrations/versions/123456789abc_init.py,line=12,col=13,"),
        "{}",
        out.stdout
    );
    assert!(out.stdout.contains("::error file=migrations/versions/c3d7e6f5a4b3_orders.py,line=12,col=13,endLine=12,endColumn=25,title=AP201 multiple-heads::2 heads"));
    let out = p.run(&["check", "--exit-zero"]);
    assert_eq!(out.code, 0);
    assert!(out.stdout.contains("error[AP201]"));
}

#[test]
fn sarif_parses_back_with_a_typed_model() {
    let p = project();
    let out = p.run(&["check", "--format", "sarif"]);
    assert_eq!(out.code, 1);
    let sarif: serde_sarif::sarif::Sarif = serde_json::from_str(&out.stdout).expect("valid SARIF 2.1.0");
    assert_eq!(serde_json::to_value(&sarif.version).unwrap(), "2.1.0");
    let run = &sarif.runs[0];
    let driver = &run.tool.driver;
    assert_eq!(driver.name, "alembic-preflight");
    let rules = driver.rules.as_ref().expect("rules");
    assert!(
        rules
            .iter()
            .any(|r| r.id == "AP201" && r.name.as_deref() == Some("multiple-heads"))
    );
    assert!(rules.iter().all(|r| r.short_description.is_some() && r.help.is_some()));
    let results = run.results.as_ref().expect("results");
    assert_eq!(results.len(), 2);
    let heads = results
        .iter()
        .find(|r| r.rule_id.as_deref() == Some("AP201"))
        .expect("AP201");
    assert_eq!(serde_json::to_value(heads.level.as_ref().unwrap()).unwrap(), "error");
    let location = heads.locations.as_ref().unwrap()[0].physical_location.as_ref().unwrap();
    assert_eq!(
        location.artifact_location.as_ref().unwrap().uri.as_deref(),
        Some("migrations/versions/c3d7e6f5a4b3_orders.py")
    );
    let region = location.region.as_ref().unwrap();
    assert_eq!((region.start_line, region.start_column), (Some(12), Some(13)));
    let related = heads.related_locations.as_ref().unwrap();
    assert!(
        related
            .iter()
            .any(|r| r.message.as_ref().and_then(|m| m.text.as_deref()) == Some("other head `b2c8d7e6f5a4`"))
    );
    let rule_index = usize::try_from(heads.rule_index.unwrap()).unwrap();
    assert_eq!(rules[rule_index].id, "AP201");
}

/// Run from a sub-directory of a repository, the human formats show paths
/// from there, as ruff does; JSON, SARIF and GitHub annotations keep them
/// relative to the repository root.
#[test]
fn human_formats_show_paths_from_the_current_directory() {
    let p = crate::support::committed_chain();
    p.migration(
        "c3d7e6f5a4b3_orders.py",
        revision("c3d7e6f5a4b3", "'a1b9c8d7e6f5'", "2024-01-03 10:00:00"),
    );
    p.project.write("app/models.py", "x = 1\n");
    let app = p.root().join("app");
    let concise = crate::support::run_in(&app, &["check", "--all-files", "--format", "concise"]);
    assert!(
        concise
            .stdout
            .starts_with("../migrations/versions/c3d7e6f5a4b3_orders.py:12:13: AP201"),
        "{}",
        concise.stdout
    );
    let versions = p.root().join("migrations/versions");
    let full = crate::support::run_in(&versions, &["check", "--all-files"]);
    assert!(
        full.stdout.contains("--> c3d7e6f5a4b3_orders.py:12:13"),
        "{}",
        full.stdout
    );
    assert!(
        full.stdout.contains("::: b2c8d7e6f5a4_users.py:12:13"),
        "{}",
        full.stdout
    );
    let json = crate::support::run_in(&versions, &["check", "--all-files", "--format", "json"]);
    assert_eq!(
        crate::support::json(&json)["diagnostics"][0]["path"],
        "migrations/versions/c3d7e6f5a4b3_orders.py"
    );
    let github = crate::support::run_in(&versions, &["check", "--all-files", "--format", "github"]);
    assert!(
        github
            .stdout
            .contains("file=migrations/versions/c3d7e6f5a4b3_orders.py,"),
        "{}",
        github.stdout
    );
}

/// GitLab's Code Quality issues: one per diagnostic, with a fingerprint
/// that no line move changes; JUnit: every diagnostic a failing case, a
/// clean run one passing case.
#[test]
fn gitlab_and_junit_reports_for_ci() {
    let p = project();
    let out = p.run(&["check", "--format", "gitlab"]);
    assert_eq!(out.code, 1);
    let issues: Vec<serde_json::Value> = serde_json::from_str(&out.stdout).expect("a JSON array");
    assert_eq!(issues.len(), 2);
    let head = issues
        .iter()
        .find(|i| i["check_name"] == "multiple-heads")
        .expect("AP201");
    assert_eq!(head["severity"], "major");
    assert_eq!(head["location"]["path"], "migrations/versions/c3d7e6f5a4b3_orders.py");
    assert_eq!(head["location"]["lines"]["begin"], 12);
    let fingerprint = head["fingerprint"].clone();
    // A line added above the diagnostic keeps its fingerprint.
    let orders = p.root().join("migrations/versions/c3d7e6f5a4b3_orders.py");
    let text = std::fs::read_to_string(&orders).expect("orders");
    std::fs::write(&orders, format!("# moved down\n{text}")).expect("write");
    let again: Vec<serde_json::Value> =
        serde_json::from_str(&p.run(&["check", "--format", "gitlab"]).stdout).expect("a JSON array");
    let moved = again
        .iter()
        .find(|i| i["check_name"] == "multiple-heads")
        .expect("AP201");
    assert_eq!(
        (
            moved["fingerprint"].clone(),
            moved["location"]["lines"]["begin"].clone()
        ),
        (fingerprint, 13.into())
    );

    let out = p.run(&["check", "--format", "junit"]);
    assert!(
        out.stdout
            .contains(r#"<testsuites name="alembic-preflight" tests="2" failures="2" errors="0">"#),
        "{}",
        out.stdout
    );
    assert_eq!(out.stdout.matches("<failure ").count(), 2, "{}", out.stdout);
    let clean = Project::alembic();
    clean.migration("a1b9c8d7e6f5_init.py", revision("a1b9c8d7e6f5", "None", "2024-01-01"));
    let out = clean.run(&["check", "--format", "junit"]);
    assert_eq!(out.code, 0);
    assert!(
        out.stdout
            .contains(r#"<testcase name="All checks passed" classname="alembic-preflight"/>"#),
        "{}",
        out.stdout
    );
}

/// A fix reaches JSON and SARIF as edits: where, and the text to put there.
#[test]
fn fixes_are_carried_by_json_and_sarif() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/broken");
    let out = crate::support::run_in(&dir, &["check", "--all-files", "--format", "json"]);
    let document: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    let fixed: Vec<&serde_json::Value> = document["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| !d["fix"].is_null())
        .collect();
    assert_eq!(fixed.len(), 2, "{}", out.stdout);
    let header = fixed.iter().find(|d| d["code"] == "AP104").expect("AP104 is fixable");
    assert_eq!(header["fix"]["applicability"], "safe");
    let edit = &header["fix"]["edits"][0];
    assert_eq!((edit["line"].as_u64(), edit["column"].as_u64()), (Some(4), Some(10)));
    assert_eq!(
        (edit["end_line"].as_u64(), edit["end_column"].as_u64()),
        (Some(4), Some(22))
    );
    assert_eq!(edit["content"], "c2a6eef40a3c");

    let out = crate::support::run_in(&dir, &["check", "--all-files", "--format", "sarif"]);
    let sarif: serde_sarif::sarif::Sarif = serde_json::from_str(&out.stdout).expect("valid SARIF 2.1.0");
    let results = sarif.runs[0].results.as_ref().unwrap();
    let with_fixes: Vec<_> = results.iter().filter(|r| r.fixes.is_some()).collect();
    assert_eq!(with_fixes.len(), 2);
    let change = &with_fixes[0].fixes.as_ref().unwrap()[0].artifact_changes[0];
    let replacement = &change.replacements[0];
    assert!(
        replacement
            .inserted_content
            .as_ref()
            .and_then(|c| c.text.as_deref())
            .is_some()
    );
    assert!(replacement.deleted_region.start_line.is_some());
}
