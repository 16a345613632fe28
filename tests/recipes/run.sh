#!/usr/bin/env bash
# Runs every test-org recipe against the latchkey binary, as a user's project would: the
# shell script (CLI + curl), pytest with Okta's Python SDK, Vitest with Okta's Node SDK, and
# `go test`. The one entry point CI calls.
#
#   tests/recipes/run.sh
#   LATCHKEY_BIN=target/release/latchkey tests/recipes/run.sh   # skip the cargo build
#
# Go is Debian's golang-go, installed here when missing and running as root.
set -euo pipefail
RECIPES="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_DIR="$(cd "$RECIPES/../.." && pwd)"
# shellcheck source=../lib/server.sh
source "$REPO_DIR/tests/lib/server.sh"

latchkey_binary "$REPO_DIR"

# Python: the SDK suite's venv (okta, pytest).
PY_DIR="$REPO_DIR/tests/sdk/python"
python_venv "$PY_DIR"

npm_ci_if_changed "$RECIPES/vitest"

if ! command -v go >/dev/null 2>&1; then
  if [[ "$(id -u)" == 0 ]] && command -v apt-get >/dev/null 2>&1; then
    say "apt-get install golang-go"
    DEBIAN_FRONTEND=noninteractive apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq golang-go >/dev/null
  else
    echo "the Go recipe needs go (Debian: apt-get install golang-go)" >&2
    exit 1
  fi
fi
export GOFLAGS=-mod=mod GOPROXY=off GOTOOLCHAIN=local
export GOCACHE="${GOCACHE:-$RECIPES/go/.cache/build}" GOPATH="${GOPATH:-$RECIPES/go/.cache/path}"

run_recipe() {
  local name="$1"; shift
  local started=$SECONDS
  say "recipe: $name"
  "$@"
  echo "recipe $name passed in $((SECONDS - started)) s"
}

run_recipe shell "$RECIPES/shell/test-org.sh"
run_recipe pytest "$VENV/bin/python" -m pytest -q "$RECIPES/pytest"
run_recipe vitest bash -c "cd '$RECIPES/vitest' && npx vitest run"
run_recipe go bash -c "cd '$RECIPES/go' && go test -count=1 ./..."
say "all recipes passed"
