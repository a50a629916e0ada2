//! AP402 drop-all-outside-tests: see `docs/rules/drop-all-outside-tests.md`.

use super::Rule;
use crate::diagnostic::Emitter;
use crate::rules::FileKind;
use crate::scan::app::{AllCall, Entry, Method};

pub(crate) fn check(path: &str, kind: FileKind, calls: &[AllCall], emit: &mut Emitter<'_>) {
    if kind == FileKind::Test {
        return;
    }
    for call in calls.iter().filter(|c| c.method == Method::DropAll) {
        // A setting or an in-memory database makes it a deliberate, local
        // act; so does a command run by hand (a reset command), or a
        // function no entry point is seen to run.
        let deliberate = kind == FileKind::App
            && (call.guard.is_some_and(|g| g != crate::scan::app::Guard::Stamp)
                || matches!(call.runs, None | Some(Entry::Command)));
        if deliberate {
            continue;
        }
        let report = emit
            .report(
                Rule::DropAllOutsideTests,
                path,
                call.span.clone(),
                "`drop_all()` outside tests drops every table of the metadata",
            )
            .help("move it into test code or a command run by hand; a schema change belongs in a revision file");
        if let (Some((caller, span)), Some(function), Some(entry)) = (&call.caller, call.function.as_deref(), call.runs)
        {
            report.related(
                caller,
                span.clone(),
                format!("`{function}()` called {} here", entry.describe()),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::Rule;
    use crate::rules::tests::{MemTree, lint_tree};

    #[test]
    fn outside_and_inside_tests() {
        let tree = MemTree::new(&[
            (
                "app/admin.py",
                b"@app.on_event('startup')\ndef fresh():\n    db.drop_all()\n\ndef reset_command():\n    db.drop_all()\n",
            ),
            ("tests/test_x.py", b"def teardown():\n    db.drop_all()\n"),
            (
                "app/cli.py",
                b"import click\n\n@click.command()\ndef reset():\n    db.drop_all()\n\n@celery.task\ndef nightly():\n    db.drop_all()\n",
            ),
            (
                "app/dev.py",
                b"def reset():\n    engine = create_engine('sqlite://')\n    Base.metadata.drop_all(engine)\n",
            ),
        ]);
        let out = lint_tree(&tree, Some(Rule::DropAllOutsideTests));
        assert!(out.contains("app/admin.py:3:5"), "{out}");
        assert!(!out.contains("app/admin.py:6"), "a command is deliberate: {out}");
        assert!(
            !out.contains("app/cli.py:5"),
            "a command run by hand is deliberate: {out}"
        );
        assert!(out.contains("app/cli.py:9:5"), "a queued job is not: {out}");
        assert!(!out.contains("tests/test_x.py") && !out.contains("app/dev.py"), "{out}");
    }
}
