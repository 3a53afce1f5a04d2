#!/usr/bin/env bash
# Runs every Sesame test: the Rust workspace (store suite on SQLite, and on PostgreSQL when
# SESAME_TEST_POSTGRES_URL is set), then the seed guide's Python SDK end-to-end suite against a
# live `sesame serve`. Installs what it needs: the Python packages go into a venv under the
# cargo target directory.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ -z "${SESAME_TEST_POSTGRES_URL:-}" ]; then
  echo "!!! SESAME_TEST_POSTGRES_URL is not set: the PostgreSQL store tests will be SKIPPED." >&2
  echo "!!! e.g. export SESAME_TEST_POSTGRES_URL=postgres://postgres@127.0.0.1:5432/test" >&2
fi

target_dir=$(cargo metadata --format-version 1 --no-deps | python3 -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')

cargo build --locked --bin sesame
cargo test --locked --workspace

# Performance smoke: every benchmarked flow for about a second against a real `sesame serve`
# on SQLite (prints its table; fails on any failed request). Full runs: docs/performance.md.
cargo run --locked --quiet -p sesame-bench -- --smoke --sesame-bin "$target_dir/debug/sesame"

# The hosted pages are tested in a real browser: Debian's Chromium (Playwright drives it; it
# downloads no browser of its own).
if [ ! -x /usr/bin/chromium ]; then
  apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y chromium
fi

venv="$target_dir/py-venv"
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv" || { apt-get update && apt-get install -y python3-venv && python3 -m venv "$venv"; }
fi
requirements=compat/python/requirements.txt
stamp="$venv/.requirements.sha256"
if ! sha256sum --status -c "$stamp" 2>/dev/null; then
  "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$requirements"
  sha256sum "$requirements" > "$stamp"
fi
SESAME_BIN="$target_dir/debug/sesame" "$venv/bin/python" -m pytest -q -p no:cacheprovider compat/python
