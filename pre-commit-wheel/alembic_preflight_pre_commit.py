"""The alembic-preflight pre-commit hook repository's package: it only pins
the alembic-preflight wheel (see pyproject.toml)."""
