#!/usr/bin/env sh
# Scores a build on both shared corpora of real repositories with
# ../shared/corpus/score.py. Fails unless, on each: every head agrees with
# Alembic, at least 95 % of the true problems are found, there is no false
# error, at most 5 false warnings, and no diagnostic is left unjudged (our
# own verdicts are in tests/realworld/verdicts.json). Each is scored as a
# sweep and as an audit (`--audit`, verdicts in verdicts-audit.json).
# usage: scripts/score-corpora.sh BINARY [more score.py arguments]
set -eu
cd "$(dirname "$0")/.."
bin=$1
shift
shared=../shared
if [ ! -f "$shared/corpus/score.py" ]; then
    echo "$shared/corpus is not here: the real-repository scores were skipped"
    exit 0
fi
status=0
# Each corpus twice: as a sweep judges it, and audited (`--audit`: the
# safe-migration rules judge every revision, not only new ones).
for run in "corpus" "corpus2" "corpus --audit" "corpus2 --audit"; do
    corpus=${run%% *}
    audit=
    verdicts=tests/realworld/verdicts.json
    if [ "$run" != "$corpus" ]; then
        # The audit's own verdicts: the safe-migration rules' findings on
        # every revision, each judged (a sweep of these corpora judges none).
        audit=--audit
        verdicts=tests/realworld/verdicts-audit.json
    fi
    [ -d "$shared/$corpus" ] || { echo "$shared/$corpus is not here: skipped"; continue; }
    out=$(python3 "$shared/corpus/score.py" "$bin" "$shared/$corpus" "$shared/$corpus/truth.json" \
        --thresholds --extra "$verdicts" --check-args "$audit" "$@") || status=1
    printf '%s\n' "$out"
    summary=$(printf '%s\n' "$out" | tail -n 1)
    warnings=$(printf '%s\n' "$summary" | sed -n 's/.*false warnings \([0-9]*\) (\([0-9]*\) unlabelled).*/\1/p')
    unlabelled=$(printf '%s\n' "$summary" | sed -n 's/.*false warnings \([0-9]*\) (\([0-9]*\) unlabelled).*/\2/p')
    if [ -z "$warnings" ] || [ "$warnings" -gt 5 ] || [ "$unlabelled" -gt 0 ]; then
        echo "$corpus: more than 5 false warnings, or diagnostics nobody judged: $summary"
        status=1
    fi
done
exit $status
