use crate::support::{Project, findings, json};

/// The acceptance scenario: an index created again by a later migration, a
/// column `index=True` followed by `create_index` of the same name,
/// `create_all` unguarded in an ingestion function and in `init_db()`, each
/// run at start-up by another file — reported on their lines — and nothing
/// for the guarded call, tests, comments or strings.
#[test]
fn duplicate_ddl_and_create_all_are_reported_exactly() {
    let p = Project::alembic();
    let header = |id: &str, down: &str| {
        format!(
            "\"\"\"change\n\nRevision ID: {id}\nRevises: {down}\nCreate Date: 2024-05-01 10:00:00\n\n\"\"\"\nfrom alembic import op\nimport sqlalchemy as sa\n\nrevision = '{id}'\ndown_revision = {}\n\n\n",
            if down.is_empty() {
                "None".to_owned()
            } else {
                format!("'{down}'")
            }
        )
    };
    p.migration(
        "0c1d2e3f4a5b_events.py",
        format!(
            "{}def upgrade():\n    op.create_table(\n        'events',\n        sa.Column('id', sa.Integer(), primary_key=True),\n        sa.Column('d', sa.Date(), index=True),\n        sa.Column('kind', sa.String(20)),\n    )\n    op.create_index('ix_events_d', 'events', ['d'])\n    op.create_index('ix_events_kind', 'events', ['kind'])\n\n\ndef downgrade():\n    op.drop_table('events')\n",
            header("0c1d2e3f4a5b", "")
        ),
    )
    .migration(
        "6a7b8c9d0e1f_kind_again.py",
        format!(
            "{}def upgrade():\n    op.create_index('ix_events_kind', 'events', ['kind'], unique=True)\n\n\ndef downgrade():\n    op.drop_index('ix_events_kind', table_name='events')\n",
            header("6a7b8c9d0e1f", "0c1d2e3f4a5b")
        ),
    )
    .write(
        "app/ingest.py",
        "import os\n\n\ndef ingest(rows, engine):\n    # Base.metadata.create_all(engine) would race the migrations\n    Base.metadata.create_all(engine)\n    load(rows)\n\n\ndef maybe_create(engine):\n    if not os.environ.get(\"ALEMBIC_RUNNING\"):\n        Base.metadata.create_all(engine)\n",
    )
    .write("app/db.py", "\"\"\"Never call db.create_all() here.\"\"\"\n\n\nasync def init_db():\n    async with engine.begin() as conn:\n        await conn.run_sync(Base.metadata.create_all)\n")
    .write(
        "app/main.py",
        "from contextlib import asynccontextmanager\n\nfrom .db import init_db\n\n\n@asynccontextmanager\nasync def lifespan(app):\n    await init_db()\n    yield\n",
    )
    .write(
        "app/worker.py",
        "from .ingest import ingest\n\nif __name__ == \"__main__\":\n    ingest(read_rows(), engine)\n",
    )
    .write("tests/conftest.py", "def fixture(engine):\n    Base.metadata.create_all(engine)\n")
    .write("app/strings.py", "HELP = 'run metadata.create_all() in tests only'\n");
    let out = p.run(&["check", "--format", "json"]);
    assert_eq!(out.code, 1, "{}{}", out.stdout, out.stderr);
    let got = findings(&json(&out));
    assert_eq!(
        got,
        [
            ("AP401".to_owned(), "app/db.py".to_owned(), 6),
            ("AP401".to_owned(), "app/ingest.py".to_owned(), 6),
            (
                "AP301".to_owned(),
                "migrations/versions/0c1d2e3f4a5b_events.py".to_owned(),
                22
            ),
            (
                "AP301".to_owned(),
                "migrations/versions/6a7b8c9d0e1f_kind_again.py".to_owned(),
                16
            ),
        ],
        "{}",
        out.stdout
    );
}
