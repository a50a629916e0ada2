#!/usr/bin/env bash
# The speed guard CI runs: a short version of scripts/bench.sh on a
# generated project (2,000 revisions by default), measured with hyperfine,
# its ratios compared with the committed figures in bench/baseline.json.
# Ratios, not times: machines differ, and a ratio to ripgrep or to Alembic
# on the same machine moves less. On these shared machines a ratio still
# moves by up to +-50 % from run to run, so the guard fails only on a
# regression beyond 2x.
#
#   scripts/bench-guard.sh                 # compare with bench/baseline.json
#   scripts/bench-guard.sh --record        # write the figures as the new baseline
#   ALEMBIC_PREFLIGHT_BIN=path scripts/bench-guard.sh   # measure that binary
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
# shellcheck source=scripts/bench-staged.sh
. scripts/bench-staged.sh
migrations=${MIGRATIONS:-2000}
runs=${RUNS:-10}
work=${BENCH_DIR:-$root/target/bench-guard}
record=0
[ "${1:-}" = "--record" ] && record=1

need() { command -v "$1" >/dev/null 2>&1; }
if ! need hyperfine || ! need rg; then
    if [ "$(id -u)" = 0 ] && need apt-get; then
        echo "installing hyperfine and ripgrep" >&2
        apt-get install -y -qq hyperfine ripgrep >/dev/null 2>&1 ||
            { apt-get update -qq && apt-get install -y -qq hyperfine ripgrep >/dev/null; }
    else
        echo "bench-guard.sh needs hyperfine and ripgrep (apt-get install hyperfine ripgrep)" >&2
        exit 2
    fi
fi
if [ ! -x .venv/bin/alembic ]; then
    [ -x .venv/bin/python ] || python3 -m venv .venv
    .venv/bin/pip install --quiet --disable-pip-version-check alembic
fi
bin=${ALEMBIC_PREFLIGHT_BIN:-}
if [ -z "$bin" ]; then
    cargo build --release --quiet
    bin=$root/target/release/alembic-preflight
fi

versions=$work/versions-$migrations
full=$work/project-$migrations
[ -d "$versions" ] || python3 scripts/gen_project.py "$versions" --migrations "$migrations" --models 0 --others 0 >/dev/null
[ -d "$full" ] || python3 scripts/gen_project.py "$full" --migrations "$migrations" --models $((migrations / 10)) --others $((migrations / 2)) >/dev/null

results=$(mktemp -d)
trap 'rm -rf "$results"' EXIT
bench() { # name, directory, command
    (cd "$2" && hyperfine --style none --warmup 2 --runs "$runs" --ignore-failure \
        --export-json "$results/$1.json" --command-name "$1" "$3" >/dev/null)
}
bench cold "$versions" "$bin check --all-files --isolated --no-cache"
bench warm "$versions" "$bin check --all-files --isolated"
bench rg "$versions" "rg --count --no-ignore -e '^(revision|down_revision|branch_labels|depends_on)\b' -e '^def (upgrade|downgrade)' -e 'op\.(create|drop)_(index|table)' -e 'Revision ID:|Revises:' migrations/versions"
bench alembic "$versions" "$root/.venv/bin/python -c \"from alembic.script import ScriptDirectory; ScriptDirectory('migrations').get_heads()\""
bench sweep "$full" "$bin check --all-files --isolated"
staged=$(stage_revision "$full" "$bin")
bench staged "$full" "$bin check --staged --isolated"
unstage_revision "$full" "$staged"

python3 - "$results" bench/baseline.json "$record" "$migrations" <<'PY'
import json, os, sys
results, baseline_path, record, migrations = sys.argv[1], sys.argv[2], sys.argv[3] == "1", sys.argv[4]
def median(name):
    with open(os.path.join(results, name + ".json")) as f:
        return json.load(f)["results"][0]["median"]
# (key, label, value, lower is better)
rows = [
    ("cold_vs_rg", "check --no-cache (versions) / rg", median("cold") / median("rg"), True),
    ("warm_vs_rg", "check, warm cache (versions) / rg", median("warm") / median("rg"), True),
    ("alembic_vs_warm", "Alembic get_heads / check, warm", median("alembic") / median("warm"), False),
    ("staged_vs_sweep", "check --staged / warm sweep (project)", median("staged") / median("sweep"), True),
]
profile = f"guard-{migrations}"
baseline = {}
if os.path.exists(baseline_path):
    with open(baseline_path) as f:
        baseline = json.load(f)
if record:
    baseline[profile] = {key: round(value, 3) for key, _, value, _ in rows}
    with open(baseline_path, "w") as f:
        json.dump(baseline, f, indent=2, sort_keys=True)
        f.write("\n")
    print(f"recorded {profile} in {baseline_path}")
known = baseline.get(profile, {})
print(f"{migrations} revisions, {os.cpu_count()} cores; medians: " + ", ".join(
    f"{n} {median(n) * 1000:.1f} ms" for n in ("cold", "warm", "rg", "alembic", "sweep", "staged")))
print(f"| {'ratio':<40} | {'now':>8} | {'baseline':>8} | {'change':>7} |")
print(f"|{'-' * 42}|{'-' * 10}|{'-' * 10}|{'-' * 9}|")
worse = []
for key, label, value, lower_better in rows:
    base = known.get(key)
    if base is None:
        print(f"| {label:<40} | {value:>7.2f}x | {'none':>8} | {'':>7} |")
        worse.append(f"{key}: no baseline figure for {profile} (run scripts/bench-guard.sh --record)")
        continue
    change = value / base if lower_better else base / value
    print(f"| {label:<40} | {value:>7.2f}x | {base:>7.2f}x | {change:>6.2f}x |")
    if change > 2.0:
        worse.append(f"{key}: {value:.2f} against {base:.2f}, {change:.1f}x worse")
if worse:
    print("speed regression beyond 2x (or no baseline):\n  " + "\n  ".join(worse))
    sys.exit(1)
print("no ratio is more than 2x worse than the baseline")
PY
