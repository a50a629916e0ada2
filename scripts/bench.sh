#!/usr/bin/env bash
# The speed benchmark: alembic-preflight side by side with ripgrep, Alembic,
# ruff and git on seeded synthetic projects, on this machine, in one run.
# Prints medians, the ratios the targets are stated in, and peak memory.
#
# Its ratios are compared with the figures committed in bench/baseline.json
# for the same sizes (ratios, not times: machines differ).
#
#   scripts/bench.sh                     # 10,000 revisions, 1,000 models, 5,000 other files
#   scripts/bench.sh --record            # and write its ratios as the new baseline
#   MIGRATIONS=2000 RUNS=5 scripts/bench.sh
set -euo pipefail
record=0
[ "${1:-}" = "--record" ] && record=1
cd "$(dirname "$0")/.."
root=$PWD
# shellcheck source=scripts/bench-staged.sh
. scripts/bench-staged.sh
migrations=${MIGRATIONS:-10000}
models=${MODELS:-1000}
others=${OTHERS:-5000}
runs=${RUNS:-20}
work=${BENCH_DIR:-$root/target/bench}

need() { command -v "$1" >/dev/null 2>&1; }
if ! need hyperfine || ! need rg; then
    if [ "$(id -u)" = 0 ] && need apt-get; then
        echo "installing hyperfine and ripgrep" >&2
        apt-get update -qq && apt-get install -y -qq hyperfine ripgrep >/dev/null
    else
        echo "bench.sh needs hyperfine and ripgrep (apt-get install hyperfine ripgrep)" >&2
        exit 2
    fi
fi
if [ ! -x .venv/bin/alembic ] || [ ! -x .venv/bin/ruff ]; then
    [ -x .venv/bin/python ] || python3 -m venv .venv
    .venv/bin/pip install --quiet --disable-pip-version-check alembic ruff
fi
cargo build --release --quiet
bin=$root/target/release/alembic-preflight

full=$work/project-$migrations-$models-$others
versions_only=$work/versions-$migrations
if [ ! -d "$full" ]; then
    python3 scripts/gen_project.py "$full" --migrations "$migrations" --models "$models" --others "$others"
fi
if [ ! -d "$versions_only" ]; then
    python3 scripts/gen_project.py "$versions_only" --migrations "$migrations" --models 0 --others 0
fi

# The worst shapes found for the graph rules and the scanners: 10,000
# revisions (or environments); one file of 50,000 `elif` arms, 20,000
# guarded `create_all()` calls or 50,000 model classes.
shapes="heads roots labels dangling environments elif create-all classes"
size() { case $1 in elif|classes) echo 50000 ;; create-all) echo 20000 ;; *) echo 10000 ;; esac; }
for shape in $shapes; do
    if [ ! -d "$work/shape-$shape" ]; then
        python3 scripts/gen_project.py "$work/shape-$shape" --migrations "$(size "$shape")" --models 0 --others 0 --shape "$shape"
    fi
done

# 6: the shapes an attacker would write, each at 1x, 2x and 4x its base
# size: the time should grow about as the size does (linear), never as its
# square. Base sizes: 50,000 operations in one upgrade; 4,000 indexes on one
# model line (a diagnostic each, in the full format); alembic.ini references
# 8 to a line, ten deep, over an empty leaf; 16,000 alembic.ini sections;
# 1,000 sibling nested projects.
scales="ops long-line ini-fan ini-sections siblings"
base() { case $1 in ops) echo 50000 ;; long-line) echo 4000 ;; ini-fan) echo 8 ;; ini-sections) echo 16000 ;; siblings) echo 1000 ;; esac; }
for scale in $scales; do
    for times in 1 2 4; do
        dir=$work/scale-$scale-$times
        if [ ! -d "$dir" ]; then
            python3 scripts/gen_project.py "$dir" --migrations "$(( $(base "$scale") * times ))" --models 0 --others 0 --shape "$scale"
        fi
    done
done

results=$(mktemp -d)
bench() { # name, directory, command...
    local name=$1 dir=$2
    shift 2
    (cd "$dir" && hyperfine --style none --warmup 2 --runs "$runs" --ignore-failure \
        --export-json "$results/$name.json" --command-name "$name" "$*" >/dev/null)
    (cd "$dir" && /usr/bin/time -f "%M" -o "$results/$name.mem" sh -c "$* >/dev/null 2>&1" || true)
}

# 1 and 2: the versions directory alone.
bench preflight_versions "$versions_only" "$bin check --all-files --isolated"
bench preflight_versions_nocache "$versions_only" "$bin check --all-files --isolated --no-cache"
bench rg_versions "$versions_only" "rg --count --no-ignore -e '^(revision|down_revision|branch_labels|depends_on)\b' -e '^def (upgrade|downgrade)' -e 'op\.(create|drop)_(index|table)' -e 'Revision ID:|Revises:' migrations/versions"
bench alembic_get_heads "$versions_only" "$root/.venv/bin/python -c \"from alembic.script import ScriptDirectory; ScriptDirectory('migrations').get_heads()\""

# 3: the whole project, against a Rust linter that parses Python.
bench preflight_sweep "$full" "$bin check --all-files --isolated"
bench preflight_sweep_nocache "$full" "$bin check --all-files --isolated --no-cache"
bench ruff_check "$full" "$root/.venv/bin/ruff check --no-cache --quiet --exit-zero ."

# 5: pathological graphs (fewer runs: they exist to show growth, not speed).
for shape in $shapes; do
    (cd "$work/shape-$shape" && hyperfine --style none --warmup 1 --runs 3 --ignore-failure \
        --export-json "$results/shape_$shape.json" --command-name "shape_$shape" \
        "$bin check --all-files --isolated --no-cache" >/dev/null)
    (cd "$work/shape-$shape" && /usr/bin/time -f "%M" -o "$results/shape_$shape.mem" \
        sh -c "$bin check --all-files --isolated --no-cache >/dev/null 2>&1" || true)
done

# 6: growth with size.
for scale in $scales; do
    for times in 1 2 4; do
        (cd "$work/scale-$scale-$times" && hyperfine --style none --warmup 1 --runs 3 --ignore-failure \
            --export-json "$results/scale_${scale}_$times.json" --command-name "scale_${scale}_$times" \
            "$bin check --all-files --isolated --no-cache --format full" >/dev/null)
    done
done

# 4: one staged migration in the whole project.
staged=$(stage_revision "$full" "$bin")
bench preflight_staged "$full" "$bin check --staged --isolated"
bench preflight_staged_nocache "$full" "$bin check --staged --isolated --no-cache"
bench git_diff_cached "$full" "git diff --cached --name-only"
unstage_revision "$full" "$staged"

python3 - "$results" "$migrations" "$models" "$others" "$scales" "$record" <<'PY'
import json, os, sys
results, migrations, models, others, scales, record = sys.argv[1], *sys.argv[2:]
def median(name):
    with open(os.path.join(results, name + ".json")) as f:
        return json.load(f)["results"][0]["median"] * 1000
def memory(name):
    try:
        with open(os.path.join(results, name + ".mem")) as f:
            return int(f.read().split()[-1]) / 1024
    except (OSError, ValueError, IndexError):
        return float("nan")
rows = [
    ("check, versions only", "preflight_versions"),
    ("  the same, --no-cache", "preflight_versions_nocache"),
    ("rg, same files and patterns", "rg_versions"),
    ("Alembic ScriptDirectory.get_heads()", "alembic_get_heads"),
    ("check --all-files, whole project", "preflight_sweep"),
    ("  the same, --no-cache", "preflight_sweep_nocache"),
    ("ruff check, whole project", "ruff_check"),
    ("check --staged, one staged migration", "preflight_staged"),
    ("  the same, --no-cache", "preflight_staged_nocache"),
    ("git diff --cached --name-only", "git_diff_cached"),
    ("10,000 heads on one base, --no-cache", "shape_heads"),
    ("10,000 unrelated bases, --no-cache", "shape_roots"),
    ("10,000 labelled revisions, --no-cache", "shape_labels"),
    ("10,000 revisions each naming an unknown parent, --no-cache", "shape_dangling"),
    ("10,000 environments, --no-cache", "shape_environments"),
    ("one upgrade() with 50,000 elif arms, --no-cache", "shape_elif"),
    ("20,000 guarded create_all() in one module, --no-cache", "shape_create-all"),
    ("50,000 model classes in one file, --no-cache", "shape_classes"),
]
print(f"Synthetic project: {migrations} revisions, {models} model files, {others} other files ({os.cpu_count()} cores)\n")
print(f"| {'what':<40} | {'median':>10} | {'peak memory':>11} |")
print(f"|{'-' * 42}|{'-' * 12}|{'-' * 13}|")
for label, name in rows:
    print(f"| {label:<40} | {median(name):>7.1f} ms | {memory(name):>7.1f} MiB |")
peak = max(memory(n) for _, n in rows if n.startswith("preflight"))  # the shapes are reported, not held to it
# (key, label, value, target, lower is better)
ratios = [
    ("cold_vs_rg", "check --no-cache (versions) / rg", median("preflight_versions_nocache") / median("rg_versions"), 1.5, True),
    ("warm_vs_rg", "check, warm cache (versions) / rg", median("preflight_versions") / median("rg_versions"), 1.0, True),
    ("alembic_vs_warm", "Alembic get_heads / check, warm", median("alembic_get_heads") / median("preflight_versions"), 100, False),
    ("sweep_vs_ruff", "check --all-files / ruff check", median("preflight_sweep") / median("ruff_check"), None, True),
    ("staged_vs_sweep", "check --staged / check --all-files", median("preflight_staged") / median("preflight_sweep"), 0.3, True),
    ("staged_vs_git", "check --staged / git diff --cached", median("preflight_staged") / median("git_diff_cached"), 3, True),
    ("peak_mib", "peak memory of check (MiB)", peak, 100, True),
]
profile = f"full-{migrations}-{models}-{others}"
baseline_path = "bench/baseline.json"
baseline = {}
if os.path.exists(baseline_path):
    with open(baseline_path) as f:
        baseline = json.load(f)
known = baseline.get(profile, {})
print(f"\n| {'ratio':<40} | {'measured':>9} | {'target':>7} | {'met':>3} | {'baseline':>8} | {'change':>6} |")
print(f"|{'-' * 42}|{'-' * 11}|{'-' * 9}|{'-' * 5}|{'-' * 10}|{'-' * 8}|")
for key, label, value, target, lower in ratios:
    met = "" if target is None else ("yes" if (value <= target if lower else value >= target) else "no")
    goal = "" if target is None else (f"<= {target}" if lower else f">= {target}")
    base = known.get(key)
    change = "" if base is None else f"{(value / base if lower else base / value):.2f}x"
    base = "" if base is None else f"{base:.2f}"
    print(f"| {label:<40} | {value:>9.2f} | {goal:>7} | {met:>3} | {base:>8} | {change:>6} |")
print("(change: how many times worse than the baseline; below 1 is better)")
if record == "1":
    baseline[profile] = {key: round(value, 3) for key, _, value, _, _ in ratios}
    with open(baseline_path, "w") as f:
        json.dump(baseline, f, indent=2, sort_keys=True)
        f.write("\n")
    print(f"recorded {profile} in {baseline_path}")
print(f"\n| {'growth with size, --no-cache':<40} | {'1x':>10} | {'2x':>10} | {'4x':>10} | {'4x / 1x':>8} |")
print(f"|{'-' * 42}|{'-' * 12}|{'-' * 12}|{'-' * 12}|{'-' * 10}|")
labels = {
    "ops": "operations in one upgrade (50k)",
    "long-line": "indexes on one line, full format (4k)",
    "ini-fan": "alembic.ini references, 8 a line",
    "ini-sections": "alembic.ini sections (16k)",
    "siblings": "sibling nested projects (1k)",
}
for scale in scales.split():
    times = [median(f"scale_{scale}_{t}") for t in (1, 2, 4)]
    cells = " | ".join(f"{t:>7.1f} ms" for t in times)
    print(f"| {labels[scale]:<40} | {cells} | {times[2] / times[0]:>7.1f}x |")
print("(linear growth is about 4x from 1x to 4x; a square would be 16x)")
PY
rm -rf "$results"
