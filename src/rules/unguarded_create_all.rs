//! AP401 unguarded-create-all: see `docs/rules/unguarded-create-all.md`.

use super::Rule;
use crate::diagnostic::Emitter;
use crate::rules::FileKind;
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
            FileKind::App if call.guard.is_none() && call.start_up => {
                let help = "guard it behind a setting (for tests or local use), move it into test code, or follow it with `command.stamp(alembic_cfg, \"head\")`";
                match (&call.caller, call.function.as_deref()) {
                    (Some((caller, span)), Some(function)) => {
                        emit.report(
                            Rule::UnguardedCreateAll,
                            path,
                            call.span.clone(),
                            format!("`create_all()` in `{function}()` runs at start-up ({caller} calls it there) and races `alembic upgrade`"),
                        )
                        .help(help)
                        .related(caller, span.clone(), format!("`{function}()` called at start-up here"));
                    }
                    _ => {
                        emit.report(
                            Rule::UnguardedCreateAll,
                            path,
                            call.span.clone(),
                            "`create_all()` creates tables outside the migrations; at start-up it races `alembic upgrade`",
                        )
                        .help(help);
                    }
                }
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

    #[test]
    fn start_up_hooks_and_what_they_call() {
        let tree = MemTree::new(&[
            (
                "app/main.py",
                b"def init_db():\n    Base.metadata.create_all(bind=engine)\n\n@app.on_event('startup')\nasync def on_start():\n    init_db()\n",
            ),
            (
                "app/factory.py",
                b"def create_app():\n    app = Flask(__name__)\n    db.create_all()\n    return app\n",
            ),
            // Callers out of sight: whether it runs at start-up is not known.
            (
                "app/lazy.py",
                b"class Store:\n    def create(self):\n        self.metadata.create_all(self.engine)\n\ndef ingest(engine):\n    Base.metadata.create_all(engine)\n",
            ),
        ]);
        let out = lint_tree(&tree, Some(Rule::UnguardedCreateAll));
        assert!(out.contains("app/main.py:2:5"), "{out}");
        assert!(out.contains("app/factory.py:3:5"), "{out}");
        assert!(!out.contains("app/lazy.py"), "{out}");
    }

    #[test]
    fn called_at_start_up_from_another_file() {
        let tree = MemTree::new(&[
            (
                "app/db.py",
                b"async def init_db():\n    async with engine.begin() as conn:\n        await conn.run_sync(Base.metadata.create_all)\n\ndef create_tables():\n    Base.metadata.create_all(engine)\n",
            ),
            (
                "app/main.py",
                b"from contextlib import asynccontextmanager\nfrom . import db\n\n@asynccontextmanager\nasync def lifespan(app):\n    await db.init_db()\n    yield\n",
            ),
            // A command that stamps after creating: Alembic's bootstrap.
            (
                "app/cli.py",
                b"from .db import create_tables\n\ndef bootstrap(cfg):\n    create_tables()\n    command.stamp(cfg, 'head')\n\nif __name__ == '__main__':\n    bootstrap(cfg)\n",
            ),
        ]);
        insta::assert_snapshot!(lint_tree(&tree, Some(Rule::UnguardedCreateAll)), @r#"
        error[AP401] unguarded-create-all: `create_all()` in `init_db()` runs at start-up (app/main.py calls it there) and races `alembic upgrade`
         --> app/db.py:3:29
          |
        3 |         await conn.run_sync(Base.metadata.create_all)
          |                             ^^^^^^^^^^^^^^^^^^^^^^^^
          |
         ::: app/main.py:6:14
          |
        6 |     await db.init_db()
          |              -------- `init_db()` called at start-up here
          |
          = help: guard it behind a setting (for tests or local use), move it into test code, or follow it with `command.stamp(alembic_cfg, "head")`

        Found 1 problem (1 error) in 1 file
        Run `alembic-preflight explain AP401` for what a rule checks and how to fix it.
        "#);
    }
}
