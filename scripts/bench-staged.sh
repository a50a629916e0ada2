#!/usr/bin/env bash
# Shared by scripts/bench.sh and scripts/bench-guard.sh: stages one new
# revision on the head of a generated project, for the staged figure.
#
#   stage_revision DIR BIN      # prints the staged file's path
#   unstage_revision DIR FILE
#
# The figure is of that one revision: anything else already staged (left
# by hand) would measure another check, so the project is refused.

stage_revision() {
    local dir=$1 bin=$2 staged head_id
    if ! (cd "$dir" && git diff --cached --quiet); then
        echo "$dir has staged changes; unstage them (git reset) before benchmarking" >&2
        return 2
    fi
    staged=$dir/migrations/versions/5b1e0c9d7a3f_bench_staged.py
    head_id=$(cd "$dir" && "$bin" graph --format json --isolated |
        python3 -c 'import json,sys; print(json.load(sys.stdin)["environments"][0]["heads"][0])')
    printf 'revision = "5b1e0c9d7a3f"\ndown_revision = "%s"\n\n\ndef upgrade():\n    op.add_column("table_1", sa.Column("extra", sa.Integer()))\n\n\ndef downgrade():\n    op.drop_column("table_1", "extra")\n' \
        "$head_id" >"$staged"
    (cd "$dir" && git add "$staged")
    echo "$staged"
}

unstage_revision() {
    (cd "$1" && git rm --cached -q "$2" && rm -f "$2")
}
