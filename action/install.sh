#!/usr/bin/env bash
# The action's first step: alembic-preflight from PyPI (or wherever pip is
# pointed, `PIP_FIND_LINKS`), in a venv of its own, put on the job's PATH.
set -euo pipefail
version="${INPUT_VERSION:-}"
if [ -z "$version" ]; then
    # This action's own version.
    version=$(sed -n 's/^version = "\(.*\)"$/\1/p' "$ACTION_PATH/Cargo.toml" | head -n 1)
fi
python=$(command -v python3 || command -v python)
venv="${RUNNER_TEMP:?}/alembic-preflight-venv"
"$python" -m venv "$venv"
bin="$venv/bin"
if [ ! -d "$bin" ]; then
    bin="$venv/Scripts"
fi
"$bin/python" -m pip install --quiet --disable-pip-version-check "alembic-preflight==$version"
echo "$bin" >> "${GITHUB_PATH:?}"
"$bin/alembic-preflight" --version
