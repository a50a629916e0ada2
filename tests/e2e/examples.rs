use std::path::Path;

use crate::support::{copy_dir, findings, json, run_in};

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The README's first command: the broken example shows its faults.
#[test]
fn broken_example_reports_its_faults() {
    let out = run_in(repo(), &["check", "--format", "json", "examples/broken"]);
    assert_eq!(out.code, 1, "{}{}", out.stdout, out.stderr);
    let mut codes: Vec<String> = findings(&json(&out)).into_iter().map(|f| f.0).collect();
    codes.sort();
    assert_eq!(codes, ["AP104", "AP201", "AP202", "AP401", "AP502"]);
}

#[test]
fn basic_example_is_clean() {
    let out = run_in(repo(), &["check", "examples/basic"]);
    assert_eq!(
        (out.code, out.stdout.as_str(), out.stderr.as_str()),
        (0, "All checks passed!\n", "")
    );
}

/// The fenced blocks of a Markdown text, in order: (the info string, the
/// lines).
fn blocks(text: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut lines = text.lines();
    while let Some(line) = lines.next() {
        if let Some(info) = line.strip_prefix("```") {
            let body: Vec<&str> = lines.by_ref().take_while(|l| !l.starts_with("```")).collect();
            out.push((info.to_owned(), body.join("\n") + "\n"));
        }
    }
    out
}

fn readme() -> String {
    std::fs::read_to_string(repo().join("README.md")).expect("README.md")
}

/// P1: the README's sample output is the real output of its first command
/// (the concise block whole, the full diagnostic a part of the full output).
/// Set ALEMBIC_PREFLIGHT_BLESS=1 to rewrite the concise block.
#[test]
fn the_readme_shows_the_real_output() {
    let text = readme();
    let outputs: Vec<String> = blocks(&text)
        .into_iter()
        .filter(|(info, _)| info == "text")
        .map(|(_, body)| body)
        .collect();
    assert_eq!(outputs.len(), 2, "the README has a concise and a full sample");
    let concise = run_in(repo(), &["check", "examples/broken", "--format", "concise"]);
    if std::env::var_os("ALEMBIC_PREFLIGHT_BLESS").is_some() {
        std::fs::write(repo().join("README.md"), text.replace(&outputs[0], &concise.stdout)).expect("write");
        return;
    }
    assert_eq!(
        outputs[0], concise.stdout,
        "README's concise sample (ALEMBIC_PREFLIGHT_BLESS=1 rewrites it)"
    );
    let full = run_in(repo(), &["check", "examples/broken", "--color", "never"]);
    assert!(
        full.stdout.contains(&outputs[1]),
        "README's full sample is not in the real output:\n{}",
        full.stdout
    );
}

/// Every `alembic-preflight` command the README and docs/usage.md show runs
/// as written, in a copy of the broken example made a git repository with
/// a `main` branch on a remote: none is refused as a usage error or fails
/// as a tool error (exit 2).
#[test]
fn the_documented_commands_run() {
    let project = tempfile::tempdir().expect("a directory");
    let root = project.path();
    copy_dir(&repo().join("examples/broken"), root);
    std::fs::create_dir_all(root.join("path/to/dir")).expect("dirs");
    std::fs::write(root.join("path/to/file.py"), "x = 1\n").expect("file");
    std::fs::create_dir_all(root.join("backend")).expect("backend");
    for args in [
        &["init", "-q", "-b", "main"][..],
        &["add", "-A"],
        &[
            "-c",
            "user.name=t",
            "-c",
            "user.email=t@example.com",
            "commit",
            "-q",
            "-m",
            "x",
        ],
        &["update-ref", "refs/remotes/origin/main", "HEAD"],
    ] {
        assert_eq!(crate::support::git_in(root, args).code, 0, "git {args:?}");
    }
    let mut ran = 0;
    for doc in ["README.md", "docs/usage.md"] {
        let text = std::fs::read_to_string(repo().join(doc)).expect("doc");
        for (info, body) in blocks(&text) {
            if info != "sh" {
                continue;
            }
            for line in body.lines() {
                let Some(command) = line.strip_prefix("alembic-preflight ") else {
                    continue;
                };
                let command = command.split(" #").next().unwrap_or(command).trim();
                let args: Vec<&str> = command.split_whitespace().collect();
                let out = run_in(root, &args);
                assert_ne!(out.code, 2, "{doc}: `{line}`:\n{}{}", out.stdout, out.stderr);
                ran += 1;
            }
        }
    }
    assert!(ran >= 12, "only {ran} commands found");
}
