//! `merge` against real Alembic: the same file, for the same heads, under
//! Alembic's own templates.

use std::path::Path;
use std::process::Command;

use crate::support::{copy_dir, run_in, venv_program};

fn alembic(dir: &Path, args: &[&str]) {
    let alembic = venv_program("alembic", &["--version"]);
    let out = Command::new(alembic)
        .args(args)
        .current_dir(dir)
        .output()
        .expect("alembic runs");
    assert!(
        out.status.success(),
        "alembic {args:?}: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A project from `alembic init -t TEMPLATE` with two heads, `bbb...` and
/// `ccc...` on `aaa...`.
fn forked(template: &str, file_template: Option<&str>) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    alembic(dir.path(), &["init", "-t", template, "migrations"]);
    if let Some(file_template) = file_template {
        for config in ["alembic.ini", "pyproject.toml"] {
            let path = dir.path().join(config);
            let Ok(text) = std::fs::read_to_string(&path) else {
                continue;
            };
            let line = if config == "alembic.ini" {
                format!("file_template = {file_template}\n")
            } else {
                format!("file_template = \"{file_template}\"\n")
            };
            let text = text.replacen("# file_template = ", &format!("{line}# was: "), 1);
            std::fs::write(&path, text).unwrap();
        }
    }
    alembic(dir.path(), &["revision", "-m", "first", "--rev-id", "aaa111aaa111"]);
    alembic(dir.path(), &["revision", "-m", "second", "--rev-id", "bbb222bbb222"]);
    alembic(
        dir.path(),
        &[
            "revision",
            "-m",
            "third one",
            "--rev-id",
            "ccc333ccc333",
            "--head",
            "aaa111aaa111",
            "--splice",
        ],
    );
    dir
}

fn new_files(before: &[String], dir: &Path) -> Vec<(String, String)> {
    let versions = dir.join("migrations/versions");
    let mut out = Vec::new();
    for entry in walk(&versions) {
        let name = entry.strip_prefix(&versions).unwrap().to_string_lossy().into_owned();
        if !before.contains(&name) && Path::new(&name).extension().is_some_and(|e| e == "py") {
            let text = std::fs::read_to_string(&entry).unwrap();
            // The creation time is the one thing that differs.
            let text: String = text
                .lines()
                .map(|l| {
                    if l.starts_with("Create Date: ") {
                        "Create Date: <now>"
                    } else {
                        l
                    }
                })
                .collect::<Vec<_>>()
                .join("\n");
            out.push((name, text));
        }
    }
    out
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        if entry.file_type().unwrap().is_dir() {
            out.extend(walk(&entry.path()));
        } else {
            out.push(entry.path());
        }
    }
    out
}

fn compare(template: &str, file_template: Option<&str>) {
    let theirs = forked(template, file_template);
    let ours = tempfile::tempdir().unwrap();
    copy_dir(theirs.path(), ours.path());
    let versions = theirs.path().join("migrations/versions");
    let before: Vec<String> = walk(&versions)
        .iter()
        .map(|p| p.strip_prefix(&versions).unwrap().to_string_lossy().into_owned())
        .collect();
    alembic(
        theirs.path(),
        &[
            "merge",
            "-m",
            "merge heads",
            "--rev-id",
            "ddd444ddd444",
            "bbb222bbb222",
            "ccc333ccc333",
        ],
    );
    let out = run_in(
        ours.path(),
        &[
            "merge",
            "bbb222bbb222",
            "ccc333ccc333",
            "-m",
            "merge heads",
            "--rev-id",
            "ddd444ddd444",
        ],
    );
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    let expected = new_files(&before, theirs.path());
    let written = new_files(&before, ours.path());
    assert_eq!(expected.len(), 1, "{template}: alembic wrote one file");
    assert_eq!(
        written, expected,
        "{template}: the same file name and text as `alembic merge`"
    );
    // The merge is what the graph needed: one head again.
    let graph = run_in(ours.path(), &["check", "--all-files"]);
    assert_eq!(graph.code, 0, "{}", graph.stdout);
}

#[test]
fn the_generic_template_as_alembic_writes_it() {
    compare("generic", None);
}

#[test]
fn the_async_template_as_alembic_writes_it() {
    compare("async", None);
}

#[test]
fn the_pyproject_template_as_alembic_writes_it() {
    compare("pyproject", None);
}

#[test]
fn a_dated_file_template_as_alembic_fills_it() {
    compare("generic", Some("%%(year)d_%%(month).2d_%%(day).2d-%%(rev)s_%%(slug)s"));
}

/// A template using Mako beyond what `merge` renders is refused, and
/// nothing is written.
#[test]
fn a_template_beyond_substitution_is_refused() {
    let dir = forked("generic", None);
    let template = dir.path().join("migrations/script.py.mako");
    let text = std::fs::read_to_string(&template).unwrap();
    std::fs::write(&template, format!("<%! import re %>\n{text}")).unwrap();
    let before = walk(&dir.path().join("migrations/versions")).len();
    let out = run_in(dir.path(), &["merge", "-m", "merge heads"]);
    assert_eq!(out.code, 2, "{}{}", out.stdout, out.stderr);
    assert!(
        out.stderr.contains("not rendered, so nothing was written"),
        "{}",
        out.stderr
    );
    assert_eq!(walk(&dir.path().join("migrations/versions")).len(), before);
}

#[test]
fn a_dated_file_template_in_pyproject_as_alembic_fills_it() {
    compare(
        "pyproject",
        Some("%%(year)d_%%(month).2d_%%(day).2d-%%(rev)s_%%(slug)s"),
    );
}
