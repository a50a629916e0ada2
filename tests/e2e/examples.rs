use std::path::Path;

use crate::support::{findings, json, run_in};

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
