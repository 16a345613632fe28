#!/usr/bin/env bash
# Runs the browser tests (Chromium driven by playwright-core against a real Latchkey: the Okta
# Sign-In Widget on the Classic Engine, and the hosted pages with okta-auth-js), once per backend.
#
#   tests/browser/run.sh                              # both backends: sqlite, then postgres
#   LATCHKEY_BROWSER_BACKENDS=sqlite tests/browser/run.sh
#   LATCHKEY_BIN=target/release/latchkey tests/browser/run.sh   # skip the cargo build
#
# The browser is the system Chromium (/usr/bin/chromium, or LATCHKEY_CHROMIUM): playwright-core
# downloads none. When it is missing and this runs as root, `apt-get install chromium`.
#
# The server runs without --smtp-url: mail stays in the org's outbox.
#
# Screenshots of every widget screen and hosted page go to $LATCHKEY_SCREENSHOTS/<backend> (default
# target/browser-screenshots/<backend>); the PNGs of an earlier run there are removed first.
#
# PostgreSQL: a fresh database per run on LATCHKEY_BROWSER_PG_BASE (default
# postgres://postgres@127.0.0.1:5432), created through LATCHKEY_BROWSER_PG_ADMIN (default
# $LATCHKEY_BROWSER_PG_BASE/test) and dropped afterwards.
set -euo pipefail

BROWSER_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_DIR="$(cd "$BROWSER_DIR/../.." && pwd)"
BACKENDS="${LATCHKEY_BROWSER_BACKENDS:-sqlite postgres}"
PG_BASE="${LATCHKEY_BROWSER_PG_BASE:-postgres://postgres@127.0.0.1:5432}"
PG_ADMIN="${LATCHKEY_BROWSER_PG_ADMIN:-$PG_BASE/test}"
SCREENSHOTS_ROOT="${LATCHKEY_SCREENSHOTS:-${CARGO_TARGET_DIR:-$REPO_DIR/target}/browser-screenshots}"

# shellcheck source=../lib/server.sh
source "$REPO_DIR/tests/lib/server.sh"

# ------------------------------------------------------------------ build and install
latchkey_binary "$REPO_DIR"

CHROMIUM="${LATCHKEY_CHROMIUM:-/usr/bin/chromium}"
if [[ ! -x "$CHROMIUM" ]]; then
  if [[ "$CHROMIUM" == /usr/bin/chromium && "$(id -u)" == 0 ]] && command -v apt-get >/dev/null 2>&1; then
    say "apt-get install chromium"
    DEBIAN_FRONTEND=noninteractive apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  fi
  if [[ ! -x "$CHROMIUM" ]]; then
    echo "no Chromium at $CHROMIUM: install Debian's chromium package (apt-get install -y chromium," >&2
    echo "as root) or point LATCHKEY_CHROMIUM at a Chromium or Chrome binary" >&2
    exit 1
  fi
fi
export LATCHKEY_CHROMIUM="$CHROMIUM"

npm_ci_if_changed "$BROWSER_DIR"

# ------------------------------------------------------------------ one server per backend
start_browser_server() {
  local backend="$1"
  start_server "$backend" browser || return 1
  # For the tests only: the next server is started with the flags above, never with these.
  TEST_ENV=(
    OKTA_ORG_URL="https://localhost:$PORT"
    OKTA_API_TOKEN="$(cat "$DATA_DIR/admin-token")"
    LATCHKEY_DATA_DIR="$DATA_DIR"
    LATCHKEY_DATABASE_URL="$DATABASE_URL"
    NODE_EXTRA_CA_CERTS="$DATA_DIR/ca.pem"
    LATCHKEY_BROWSER_BACKEND="$backend"
    LATCHKEY_SCREENSHOTS="$SCREENSHOTS_ROOT/$backend"
  )
  mkdir -p "$SCREENSHOTS_ROOT/$backend"
  rm -f "$SCREENSHOTS_ROOT/$backend"/*.png
}

failures=()
for backend in $BACKENDS; do
  say "backend: $backend"
  if ! start_browser_server "$backend"; then
    failures+=("$backend: server did not start")
    stop_server
    continue
  fi

  say "$backend: Chromium $("$CHROMIUM" --version 2>/dev/null | grep -oE '[0-9]+(\.[0-9]+)+' | head -n1), playwright-core, @okta/okta-signin-widget, @okta/okta-auth-js"
  # --test-timeout: a test that hangs (a browser waiting forever) fails instead.
  if ! (cd "$BROWSER_DIR" && env "${TEST_ENV[@]}" node --test --test-concurrency=1 --test-timeout=300000); then
    failures+=("$backend: browser tests")
  fi
  echo "screenshots: $SCREENSHOTS_ROOT/$backend"

  if (( ${#failures[@]} )); then server_log_tail; fi
  stop_server
done

if (( ${#failures[@]} )); then
  say "browser tests FAILED"
  printf '  %s\n' "${failures[@]}"
  exit 1
fi
say "browser tests passed on: $BACKENDS"
