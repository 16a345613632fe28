#!/usr/bin/env bash
# Runs every test-org recipe against the latchkey binary, as a user's project would: the
# shell script (CLI + curl), pytest with Okta's Python SDK, Vitest with Okta's Node SDK, and
# `go test`. Each recipe starts and stops its own ephemeral org. The one entry point CI calls.
#
#   tests/recipes/run.sh
#   LATCHKEY_BIN=target/debug/latchkey tests/recipes/run.sh   # skip the cargo build
#
# Python reuses the SDK suite's venv (tests/sdk/python/.venv: okta, pytest). Go is Debian's
# golang-go, installed here when missing and running as root; the Go recipe needs nothing
# but the standard library, so no module proxy is used.
set -euo pipefail
RECIPES="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_DIR="$(cd "$RECIPES/../.." && pwd)"
# shellcheck source=../lib/server.sh
source "$REPO_DIR/tests/lib/server.sh"

# ------------------------------------------------------------------ tools
latchkey_binary "$REPO_DIR"

python_venv "$REPO_DIR/tests/sdk/python"

npm_ci_if_changed "$RECIPES/vitest"

if ! command -v go >/dev/null 2>&1; then
  if [[ "$(id -u)" != 0 ]] || ! command -v apt-get >/dev/null 2>&1; then
    echo "the Go recipe needs go: install Debian's golang-go, or run this as root on Debian" >&2
    exit 1
  fi
  say "apt-get install golang-go"
  if ! { DEBIAN_FRONTEND=noninteractive apt-get update -qq &&
         DEBIAN_FRONTEND=noninteractive apt-get install -y -qq golang-go >/dev/null; } ||
     ! command -v go >/dev/null 2>&1; then
    echo "could not install golang-go with apt-get; install Go and run again" >&2
    exit 1
  fi
fi
export GOFLAGS=-mod=mod GOPROXY=off GOTOOLCHAIN=local
export GOCACHE="${GOCACHE:-$RECIPES/go/.cache/build}" GOPATH="${GOPATH:-$RECIPES/go/.cache/path}"

# ------------------------------------------------------------------ the recipes, in order
failures=()
summary=()

# run_recipe NAME DIR COMMAND...: runs COMMAND in DIR and records its result and duration.
run_recipe() {
  local name="$1" dir="$2" started=$SECONDS result
  shift 2
  say "recipe: $name"
  if (cd "$dir" && "$@"); then result=passed; else result=FAILED; failures+=("$name"); fi
  summary+=("$(printf '%-7s %-6s in %3d s' "$name" "$result" $((SECONDS - started)))")
  echo "recipe $name $result in $((SECONDS - started)) s"
}

run_recipe shell  "$RECIPES/shell"  ./test-org.sh
run_recipe pytest "$RECIPES/pytest" "$VENV/bin/python" -m pytest -q -rfE
run_recipe vitest "$RECIPES/vitest" npx vitest run
run_recipe go     "$RECIPES/go"     go test -count=1 ./...

say "recipes"
printf '  %s\n' "${summary[@]}"
if (( ${#failures[@]} )); then
  echo "FAILED: ${failures[*]}" >&2
  exit 1
fi
echo "all recipes passed"
