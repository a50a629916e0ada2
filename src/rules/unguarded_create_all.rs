//! AP401 unguarded-create-all: see `docs/rules/unguarded-create-all.md`.

use super::Rule;
use crate::check::FileKind;
use crate::diagnostic::Emitter;
use crate::scan::app::{AllCall, Method};

pub(crate) fn check(path: &str, kind: FileKind, calls: &[AllCall], emit: &mut Emitter<'_>) {
    for call in calls.iter().filter(|c| c.method == Method::CreateAll) {
        match kind {
            FileKind::Alembic => {
                emit.report(
                    Rule::UnguardedCreateAll,
                    path,
                    call.span.clone(),
                    "`create_all()` inside the migration environment creates tables behind Alembic's back",
                )
                .help("create tables with operations in revision files (`alembic revision --autogenerate`), never with `create_all()`");
            }
            FileKind::App if call.guard.is_none() => {
                emit.report(
                    Rule::UnguardedCreateAll,
                    path,
                    call.span.clone(),
                    "`create_all()` creates tables outside the migrations; at start-up it races `alembic upgrade`",
                )
                .help("guard it behind a setting (for tests or local use), move it into test code, or follow it with `command.stamp(alembic_cfg, \"head\")`");
            }
            FileKind::App | FileKind::Test => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::Rule;
    use crate::rules::tests::{MemTree, lint_tree};

    #[test]
    fn module_level_fastapi_app_only() {
        let tree = MemTree::new(&[
            ("app/main.py", b"from fastapi import FastAPI\nfrom .db import Base, engine\n\nBase.metadata.create_all(bind=engine)\napp = FastAPI()\n"),
            ("app/cli.py", b"def init(cfg):\n    db.create_all()\n    command.stamp(cfg, 'head')\n"),
            ("tests/conftest.py", b"def db():\n    Base.metadata.create_all(engine)\n"),
            ("app/notes.py", b"# Base.metadata.create_all(engine)\nDOC = 'call db.create_all() first'\n"),
        ]);
        insta::assert_snapshot!(lint_tree(&tree, Some(Rule::UnguardedCreateAll)), @r#"
        error[AP401] unguarded-create-all: `create_all()` creates tables outside the migrations; at start-up it races `alembic upgrade`
         --> app/main.py:4:1
          |
        4 | Base.metadata.create_all(bind=engine)
          | ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^
          |
          = help: guard it behind a setting (for tests or local use), move it into test code, or follow it with `command.stamp(alembic_cfg, "head")`

        Found 1 problem (1 error) in 1 file
        Run `alembic-preflight explain AP401` for what a rule checks and how to fix it.
        "#);
    }
}
