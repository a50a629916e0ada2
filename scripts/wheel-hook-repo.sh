#!/usr/bin/env sh
# Makes DEST the wheel-based pre-commit hook repository, as the release
# publishes it: pre-commit-wheel/ as a git repository of its own (pre-commit's
# `repo:` must be a repository, not a folder inside one), with one commit.
# Prints the .pre-commit-config.yaml entry to use, and the variables that let
# pre-commit install the hook offline from the wheels in WHEELS (the
# alembic-preflight wheel and flit_core, the hook package's build backend;
# scripts/test.sh puts both in target/wheels).
# usage: scripts/wheel-hook-repo.sh DEST [WHEELS]
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
dest=${1:?usage: scripts/wheel-hook-repo.sh DEST [WHEELS]}
wheels=${2:-$here/target/wheels}
if ! ls "$wheels"/alembic_preflight-*.whl >/dev/null 2>&1 || ! ls "$wheels"/flit_core-*.whl >/dev/null 2>&1; then
    echo "$wheels needs the alembic-preflight wheel and flit_core's: run scripts/test.sh, or" >&2
    echo "  maturin build --release --out $wheels && pip download --only-binary=:all: --dest $wheels flit_core" >&2
    exit 2
fi
mkdir -p "$dest"
cp "$here"/pre-commit-wheel/.pre-commit-hooks.yaml "$here"/pre-commit-wheel/pyproject.toml \
    "$here"/pre-commit-wheel/alembic_preflight_pre_commit.py "$here"/pre-commit-wheel/README.md "$dest"/
cd "$dest"
git init -q
git add -A
git -c user.name=alembic-preflight -c user.email=alembic-preflight@localhost commit -q -m "hook repository"
rev=$(git rev-parse HEAD)
cat <<CONFIG
# .pre-commit-config.yaml
repos:
  - repo: $(pwd)
    rev: $rev
    hooks:
      - id: alembic-preflight

# then, offline:
PIP_NO_INDEX=1 PIP_FIND_LINKS=$wheels pre-commit install-hooks
CONFIG
