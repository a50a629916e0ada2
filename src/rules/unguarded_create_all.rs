//! AP401 unguarded-create-all: see `docs/rules/unguarded-create-all.md`.

use super::Rule;
use crate::diagnostic::Emitter;
use crate::rules::FileKind;
use crate::scan::app::{AllCall, Entry, Method};

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
            FileKind::App if call.guard.is_none() && call.runs.is_some() => {
                let entry = call.runs.unwrap_or(Entry::StartUp);
                let effect = match entry {
                    Entry::StartUp => "races `alembic upgrade`",
                    _ => "creates tables no revision made; `alembic upgrade` then fails on them",
                };
                let help = "guard it behind a setting (for tests or local use), move it into test code, or follow it with `command.stamp(alembic_cfg, \"head\")`";
                match (&call.caller, call.function.as_deref()) {
                    (Some((caller, span)), Some(function)) => {
                        let place = entry.describe();
                        let (through, called) = match &call.via {
                            Some(via) => (format!(" through `{via}()`"), via.as_str()),
                            None => (String::new(), function),
                        };
                        emit.report(
                            Rule::UnguardedCreateAll,
                            path,
                            call.span.clone(),
                            format!("`create_all()` in `{function}()` runs {place} ({caller} calls it there{through}) and {effect}"),
                        )
                        .help(help)
                        .related(caller, span.clone(), format!("`{called}()` called {place} here"));
                    }
                    _ if entry == Entry::StartUp => {
                        emit.report(
                            Rule::UnguardedCreateAll,
                            path,
                            call.span.clone(),
                            "`create_all()` creates tables outside the migrations; at start-up it races `alembic upgrade`",
                        )
                        .help(help);
                    }
                    _ => {
                        emit.report(
                            Rule::UnguardedCreateAll,
                            path,
                            call.span.clone(),
                            format!("`create_all()` runs {} and {effect}", entry.describe()),
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
    fn request_handlers_commands_and_jobs_are_entry_points() {
        let tree = MemTree::new(&[
            (
                "app/views.py",
                b"@app.route('/setup')\ndef setup():\n    db.create_all()\n    return 'ok'\n",
            ),
            (
                "app/commands.py",
                b"@app.cli.command('init-db')\ndef init_db():\n    prepare()\n\ndef prepare():\n    db.create_all()\n\n@app.cli.command('bootstrap')\ndef bootstrap():\n    db.create_all()\n    stamp()\n",
            ),
            (
                "app/jobs.py",
                b"@shared_task\ndef rebuild():\n    Base.metadata.create_all(engine)\n",
            ),
            // Nothing runs it: no entry point, no caller anywhere.
            ("app/legacy.py", b"def register_models(engine):\n    BASE.metadata.create_all(engine)\n"),
        ]);
        let out = lint_tree(&tree, Some(Rule::UnguardedCreateAll));
        assert!(
            out.contains("`create_all()` runs in a request handler and creates tables no revision made"),
            "{out}"
        );
        assert!(out.contains("app/views.py:3:5"), "{out}");
        assert!(
            out.contains("app/commands.py:6:5") && out.contains("in a command-line command"),
            "{out}"
        );
        assert!(!out.contains("app/commands.py:10"), "stamped afterwards: {out}");
        assert!(
            out.contains("app/jobs.py:3:5") && out.contains("in a scheduled or queued job"),
            "{out}"
        );
        assert!(!out.contains("app/legacy.py"), "{out}");
    }

    #[test]
    fn followed_through_functions_of_other_files() {
        let tree = MemTree::new(&[
            ("app/db.py", b"def init_db():\n    Base.metadata.create_all(engine)\n"),
            (
                "app/setup.py",
                b"from .db import init_db\n\ndef prepare():\n    init_db()\n",
            ),
            (
                "app/cli.py",
                b"import click\nfrom .setup import prepare\n\n@click.command()\ndef main():\n    prepare()\n",
            ),
        ]);
        insta::assert_snapshot!(lint_tree(&tree, Some(Rule::UnguardedCreateAll)), @r#"
        error[AP401] unguarded-create-all: `create_all()` in `init_db()` runs in a command-line command (app/cli.py calls it there through `prepare()`) and creates tables no revision made; `alembic upgrade` then fails on them
         --> app/db.py:2:5
          |
        2 |     Base.metadata.create_all(engine)
          |     ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^
          |
         ::: app/cli.py:6:5
          |
        6 |     prepare()
          |     -------- `prepare()` called in a command-line command here
          |
          = help: guard it behind a setting (for tests or local use), move it into test code, or follow it with `command.stamp(alembic_cfg, "head")`

        Found 1 problem (1 error) in 1 file
        Run `alembic-preflight explain AP401` for what a rule checks and how to fix it.
        "#);
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
