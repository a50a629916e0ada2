#!/usr/bin/env sh
# Every test. The end-to-end tests run the real pre-commit framework and
# the real Alembic from `.venv` (created here when it is missing), and the
# binary of the wheel built here, installed into a fresh venv: what users
# install is what is tested.
set -eu
cd "$(dirname "$0")/.."
if [ ! -x .venv/bin/pre-commit ] || [ ! -x .venv/bin/alembic ] || [ ! -x .venv/bin/maturin ]; then
    echo "creating .venv with pre-commit, alembic and maturin for the tests"
    python3 -m venv .venv
    .venv/bin/pip install --quiet --disable-pip-version-check pre-commit alembic maturin
fi

echo "building the wheel (manylinux, for this machine's glibc) and the sdist into target/wheels"
# A native build into target/release: the source-built hook's test gives
# pre-commit's `cargo install` this target directory, so the dependencies
# are compiled once. (Release wheels are built for manylinux2014 by the
# release workflow; docs/install.md says how to do that here with zig.)
rm -f target/wheels/alembic_preflight-*
PATH="$PWD/.venv/bin:$PATH" maturin build --quiet --release --out target/wheels
PATH="$PWD/.venv/bin:$PATH" maturin sdist --out target/wheels >/dev/null
# The wheel-based pre-commit hook builds its placeholder package with
# flit_core; with no index, it must be beside the wheel.
if ! ls target/wheels/flit_core-*.whl >/dev/null 2>&1; then
    .venv/bin/pip download --quiet --disable-pip-version-check --only-binary=:all: --dest target/wheels flit_core
fi
rm -rf target/wheel-venv
python3 -m venv target/wheel-venv
target/wheel-venv/bin/pip install --quiet --disable-pip-version-check --no-index --find-links target/wheels alembic-preflight
export ALEMBIC_PREFLIGHT_BIN="$PWD/target/wheel-venv/bin/alembic-preflight"
export ALEMBIC_PREFLIGHT_WHEELS="$PWD/target/wheels"
echo "testing $("$ALEMBIC_PREFLIGHT_BIN" --version), installed from the wheel"
rm -f target/hook-timings.txt
cargo test "$@"
if [ -f target/hook-timings.txt ]; then
    echo "measured:"
    sed 's/^/  /' target/hook-timings.txt
fi
