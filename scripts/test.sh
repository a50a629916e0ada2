#!/usr/bin/env sh
# Every test. The end-to-end tests run the real pre-commit framework and
# the real Alembic from `.venv`: it is created here when it is missing.
set -eu
cd "$(dirname "$0")/.."
if [ ! -x .venv/bin/pre-commit ] || [ ! -x .venv/bin/alembic ]; then
    echo "creating .venv with pre-commit and alembic for the end-to-end tests"
    python3 -m venv .venv
    .venv/bin/pip install --quiet --disable-pip-version-check pre-commit alembic
fi
exec cargo test "$@"
