//! The safe-migration rules (AP8xx) end to end: a real `git commit`
//! through the installed hook, on a PostgreSQL project.

use crate::support::{GitProject, Output};

/// A PostgreSQL project with an `orders` table committed.
fn postgres_project() -> GitProject {
    let p = GitProject::new();
    p.project.write(
        "alembic.ini",
        "[alembic]\nscript_location = %(here)s/migrations\nsqlalchemy.url = postgresql+psycopg://app@localhost/app\n",
    );
    p.migration(
        "4f9e2b7c1d30_orders.py",
        revision(
            "4f9e2b7c1d30",
            "None",
            "    op.create_table(\"orders\", sa.Column(\"id\", sa.Integer(), primary_key=True), sa.Column(\"customer_id\", sa.Integer()))\n",
            "    op.drop_table(\"orders\")\n",
        ),
    );
    p.stage_all().commit("orders");
    assert_eq!(p.run(&["install"]).code, 0, "hook installed");
    p
}

fn revision(id: &str, down: &str, upgrade: &str, downgrade: &str) -> String {
    let down = if down == "None" {
        down.to_owned()
    } else {
        format!("\"{down}\"")
    };
    format!(
        "\"\"\"change\n\nRevision ID: {id}\nRevises: {}\nCreate Date: 2024-06-01 10:00:00\n\n\"\"\"\nfrom alembic import op\nimport sqlalchemy as sa\n\nrevision = \"{id}\"\ndown_revision = {down}\nbranch_labels = None\ndepends_on = None\n\n\ndef upgrade():\n{upgrade}\n\ndef downgrade():\n{downgrade}",
        down.trim_matches('"').replace("None", "")
    )
}

fn commit(p: &GitProject) -> Output {
    assert_eq!(p.git(&["add", "-A"]).code, 0);
    p.git(&["commit", "-q", "-m", "change"])
}

fn said(out: &Output) -> String {
    format!("{}{}", out.stdout, out.stderr)
}

/// A revision that adds a `NOT NULL` column without a default to the
/// existing table, and builds an index on it under a write lock, is
/// blocked; written safely, the same change passes.
#[test]
fn an_unsafe_revision_is_blocked_and_the_safe_one_passes() {
    let p = postgres_project();
    let unsafe_ = revision(
        "8a3c5e7f9b21",
        "4f9e2b7c1d30",
        "    op.add_column(\"orders\", sa.Column(\"currency\", sa.String(3), nullable=False))\n    op.create_index(\"ix_orders_customer_id\", \"orders\", [\"customer_id\"])\n    op.alter_column(\"orders\", \"customer_id\", existing_type=sa.Integer(), nullable=False)\n    op.alter_column(\"orders\", \"customer_id\", existing_type=sa.Integer(), type_=sa.BigInteger())\n    op.create_foreign_key(\"fk_orders_customer\", \"orders\", \"customers\", [\"customer_id\"], [\"id\"])\n    op.create_unique_constraint(\"uq_orders_customer_id\", \"orders\", [\"customer_id\"])\n",
        "    op.drop_index(\"ix_orders_customer_id\", table_name=\"orders\")\n    op.drop_column(\"orders\", \"currency\")\n",
    );
    p.migration("8a3c5e7f9b21_currency.py", &unsafe_);
    let blocked = commit(&p);
    assert_ne!(blocked.code, 0, "{}", said(&blocked));
    for code in [
        "error[AP803]",
        "warning[AP801]",
        "warning[AP804]",
        "warning[AP805]",
        "warning[AP806]",
        "warning[AP807]",
    ] {
        assert!(said(&blocked).contains(code), "{code}: {}", said(&blocked));
    }

    let safe = revision(
        "8a3c5e7f9b21",
        "4f9e2b7c1d30",
        "    op.add_column(\"orders\", sa.Column(\"currency\", sa.String(3), nullable=False, server_default=\"EUR\"))\n    with op.get_context().autocommit_block():\n        op.create_index(\"ix_orders_customer_id\", \"orders\", [\"customer_id\"], postgresql_concurrently=True)\n        op.create_index(\"uq_orders_customer_id\", \"orders\", [\"customer_id\"], unique=True, postgresql_concurrently=True)\n    op.execute(\"ALTER TABLE orders ADD CONSTRAINT uq_orders_customer_id UNIQUE USING INDEX uq_orders_customer_id\")\n    op.execute(\"ALTER TABLE orders VALIDATE CONSTRAINT ck_orders_customer_id_not_null\")\n    op.alter_column(\"orders\", \"customer_id\", existing_type=sa.Integer(), nullable=False)\n    op.create_foreign_key(\"fk_orders_customer\", \"orders\", \"customers\", [\"customer_id\"], [\"id\"], postgresql_not_valid=True)\n",
        "    with op.get_context().autocommit_block():\n        op.drop_index(\"ix_orders_customer_id\", table_name=\"orders\", postgresql_concurrently=True)\n    op.drop_column(\"orders\", \"currency\")\n",
    );
    p.migration("8a3c5e7f9b21_currency.py", &safe);
    let passed = commit(&p);
    assert_eq!(passed.code, 0, "{}", said(&passed));
    assert!(!said(&passed).contains("AP80"), "{}", said(&passed));
}

/// A revision already committed is history: a later commit that does not
/// touch it is not blocked by it. A sweep judges nothing without a base
/// branch, and says so; `--audit` judges every revision.
#[test]
fn history_is_judged_only_by_an_audit() {
    let p = postgres_project();
    p.migration(
        "8a3c5e7f9b21_currency.py",
        revision(
            "8a3c5e7f9b21",
            "4f9e2b7c1d30",
            "    op.add_column(\"orders\", sa.Column(\"currency\", sa.String(3), nullable=False))\n",
            "    op.drop_column(\"orders\", \"currency\")\n",
        ),
    );
    assert_eq!(p.git(&["add", "-A"]).code, 0);
    assert_eq!(p.git(&["commit", "-q", "--no-verify", "-m", "old debt"]).code, 0);
    p.project.write("app/models.py", "import sqlalchemy as sa\n");
    let unrelated = commit(&p);
    assert_eq!(unrelated.code, 0, "{}", said(&unrelated));

    let sweep = p.run(&["check", "--all-files"]);
    assert_eq!(sweep.code, 0, "{}", said(&sweep));
    assert!(sweep.stderr.contains("judged no revision"), "{}", sweep.stderr);
    let audit = p.run(&["check", "--all-files", "--audit"]);
    assert_eq!(audit.code, 1, "{}", said(&audit));
    assert!(audit.stdout.contains("error[AP803]"), "{}", audit.stdout);
}

/// Outside PostgreSQL the rules stay silent.
#[test]
fn other_databases_are_not_judged() {
    let p = postgres_project();
    p.project.write(
        "alembic.ini",
        "[alembic]\nscript_location = %(here)s/migrations\nsqlalchemy.url = sqlite:///app.db\n",
    );
    p.migration(
        "8a3c5e7f9b21_currency.py",
        revision(
            "8a3c5e7f9b21",
            "4f9e2b7c1d30",
            "    op.add_column(\"orders\", sa.Column(\"currency\", sa.String(3), nullable=False))\n",
            "    op.drop_column(\"orders\", \"currency\")\n",
        ),
    );
    let out = commit(&p);
    assert_eq!(out.code, 0, "{}", said(&out));
}

/// Before the first commit everything staged is the change: its
/// revisions are judged (a table they create is new, one they do not is
/// not).
#[test]
fn a_first_commit_is_judged_whole() {
    let p = GitProject::new();
    p.project.write(
        "alembic.ini",
        "[alembic]\nscript_location = %(here)s/migrations\nsqlalchemy.url = postgresql+psycopg://app@localhost/app\n",
    );
    p.migration(
        "4f9e2b7c1d30_orders.py",
        revision(
            "4f9e2b7c1d30",
            "None",
            "    op.create_table(\"orders\", sa.Column(\"id\", sa.Integer(), primary_key=True))\n    op.add_column(\"orders\", sa.Column(\"state\", sa.String(10), nullable=False))\n    op.add_column(\"legacy\", sa.Column(\"state\", sa.String(10), nullable=False))\n",
            "    op.drop_column(\"legacy\", \"state\")\n    op.drop_table(\"orders\")\n",
        ),
    );
    assert_eq!(p.run(&["install"]).code, 0, "hook installed");
    let out = commit(&p);
    assert_ne!(out.code, 0, "{}", said(&out));
    assert_eq!(said(&out).matches("error[AP803]").count(), 1, "{}", said(&out));
    assert!(said(&out).contains("`legacy.state`"), "{}", said(&out));
}

/// Dropping a column a model still declares is blocked, and so is SQL
/// that ends the migration's transaction; with the model updated in the
/// same commit and the SQL fixed, the drop is only a warning that says
/// what to deploy first, and `lock_timeout` set by the revision counts.
#[test]
fn breaking_drops_raw_sql_and_timeouts_end_to_end() {
    let p = postgres_project();
    p.project.write(
        "migrations/env.py",
        "from alembic import context\n\nwith context.begin_transaction():\n    context.run_migrations()\n",
    );
    p.project.write(
        "app/models.py",
        "from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column\n\n\nclass Base(DeclarativeBase):\n    pass\n\n\nclass Order(Base):\n    __tablename__ = \"orders\"\n\n    id: Mapped[int] = mapped_column(primary_key=True)\n    customer_id: Mapped[int]\n",
    );
    p.stage_all().commit("models");
    p.migration(
        "8a3c5e7f9b21_drop_customer.py",
        revision(
            "8a3c5e7f9b21",
            "4f9e2b7c1d30",
            "    op.execute(\"COMMIT\")\n    op.drop_column(\"orders\", \"customer_id\")\n    op.execute(\"ALTER TABLE orders ADD CONSTRAINT ck_orders_id CHECK (id > 0)\")\n",
            "    op.add_column(\"orders\", sa.Column(\"customer_id\", sa.Integer()))\n",
        ),
    );
    let blocked = commit(&p);
    assert_ne!(blocked.code, 0, "{}", said(&blocked));
    for code in ["error[AP809]", "warning[AP811]", "warning[AP812]", "warning[AP806]"] {
        assert!(said(&blocked).contains(code), "{code}: {}", said(&blocked));
    }
    assert!(
        said(&blocked).contains("squawk's `transaction-nesting`"),
        "{}",
        said(&blocked)
    );

    p.project.write(
        "app/models.py",
        "from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column\n\n\nclass Base(DeclarativeBase):\n    pass\n\n\nclass Order(Base):\n    __tablename__ = \"orders\"\n\n    id: Mapped[int] = mapped_column(primary_key=True)\n",
    );
    p.migration(
        "8a3c5e7f9b21_drop_customer.py",
        revision(
            "8a3c5e7f9b21",
            "4f9e2b7c1d30",
            "    op.execute(\"SET LOCAL lock_timeout = '5s'\")\n    op.drop_column(\"orders\", \"customer_id\")\n    op.execute(\"ALTER TABLE orders ADD CONSTRAINT ck_orders_id CHECK (id > 0) NOT VALID\")\n",
            "    op.add_column(\"orders\", sa.Column(\"customer_id\", sa.Integer()))\n",
        ),
    );
    let passed = commit(&p);
    assert_eq!(passed.code, 0, "{}", said(&passed));
    assert!(said(&passed).contains("warning[AP810]"), "{}", said(&passed));
    for code in ["AP809", "AP811", "AP812", "AP806"] {
        assert!(!said(&passed).contains(code), "{code}: {}", said(&passed));
    }
}
