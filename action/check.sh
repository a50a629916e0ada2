#!/usr/bin/env bash
# The action's second step: `check --since` the base of the change, with
# annotations. The base's history is fetched as far as the check needs it
# (the checkout action clones one commit deep by default).
set -euo pipefail
since="${INPUT_SINCE:-}"
if [ -z "$since" ]; then
    branch="${GITHUB_BASE_REF:-${DEFAULT_BRANCH:-main}}"
    since="origin/$branch"
    if [ "$(git rev-parse --is-shallow-repository)" = "true" ]; then
        git fetch --quiet --no-tags --unshallow origin
    fi
    git fetch --quiet --no-tags origin "+refs/heads/$branch:refs/remotes/origin/$branch"
fi
# shellcheck disable=SC2086 # more arguments, split as a shell would
exec alembic-preflight check --since "$since" --format github ${INPUT_ARGS:-}
