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

say() { printf '\n==> %s\n' "$*"; }

# ------------------------------------------------------------------ build and install
if [[ -z "${LATCHKEY_BIN:-}" ]]; then
  say "cargo build"
  # The workspace with all features: what ./scripts/test's cargo test built, so nothing is
  # compiled again there.
  (cd "$REPO_DIR" && cargo build -q --workspace --all-features)
  LATCHKEY_BIN="${CARGO_TARGET_DIR:-$REPO_DIR/target}/debug/latchkey"
fi
LATCHKEY_BIN="$(cd "$(dirname "$LATCHKEY_BIN")" && pwd)/$(basename "$LATCHKEY_BIN")"
export LATCHKEY_BIN
[[ -x "$LATCHKEY_BIN" ]] || { echo "no latchkey binary at $LATCHKEY_BIN" >&2; exit 1; }

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

checksum() { sha256sum "$1" | cut -d' ' -f1; }

if [[ "$(cat "$BROWSER_DIR/node_modules/.package-lock.sha256" 2>/dev/null)" != "$(checksum "$BROWSER_DIR/package-lock.json")" ]]; then
  say "npm ci"
  (cd "$BROWSER_DIR" && npm ci --no-audit --no-fund --loglevel=error)
  checksum "$BROWSER_DIR/package-lock.json" > "$BROWSER_DIR/node_modules/.package-lock.sha256"
fi

# ------------------------------------------------------------------ one server per backend
SERVER_PID=""
DATA_DIR=""
DATABASE=""

psql_admin() { psql "$PG_ADMIN" -v ON_ERROR_STOP=1 -q -c "$1" >/dev/null; }

stop_server() {
  if [[ -n "$SERVER_PID" ]]; then
    kill "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
    SERVER_PID=""
  fi
  if [[ -n "$DATABASE" ]]; then
    psql_admin "drop database if exists $DATABASE with (force)" || true
    DATABASE=""
  fi
  if [[ -n "$DATA_DIR" ]]; then
    rm -rf "$DATA_DIR"
    DATA_DIR=""
  fi
}
trap stop_server EXIT
trap 'exit 130' INT TERM

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

server_log_tail() {
  [[ -n "$DATA_DIR" && -f "$DATA_DIR/server.log" ]] || return 0
  echo "---- last lines of the server log ----"
  tail -n 40 "$DATA_DIR/server.log" | sed 's/\x1b\[[0-9;]*m//g'
  echo "--------------------------------------"
}

start_server() {
  local backend="$1" port args database_url=""
  port="$(free_port)"
  DATA_DIR="$(mktemp -d -t latchkey-browser-XXXXXX)" || return 1
  args=(serve --listen "127.0.0.1:$port" --data-dir "$DATA_DIR" --public-url "https://localhost:$port")
  if [[ "$backend" == postgres ]]; then
    DATABASE="latchkey_browser_$(python3 -c 'import uuid; print(uuid.uuid4().hex[:12])')"
    psql_admin "create database $DATABASE" || return 1
    database_url="$PG_BASE/$DATABASE"
    args+=(--database-url "$database_url")
  fi
  "$LATCHKEY_BIN" "${args[@]}" >"$DATA_DIR/server.log" 2>&1 &
  SERVER_PID=$!

  # Poll /health every 0.2 s for up to 30 s.
  local deadline=$((SECONDS + 30))
  until [[ -f "$DATA_DIR/ca.pem" && -f "$DATA_DIR/admin-token" ]] &&
        curl -fsS --max-time 2 --cacert "$DATA_DIR/ca.pem" "https://localhost:$port/health" >/dev/null 2>&1; do
    if ! kill -0 "$SERVER_PID" 2>/dev/null; then
      echo "latchkey exited during startup" >&2; server_log_tail; return 1
    fi
    if (( SECONDS >= deadline )); then
      echo "latchkey not healthy after 30 s" >&2; server_log_tail; return 1
    fi
    sleep 0.2
  done

  # For the tests only: the next server is started with the flags above, never with these.
  TEST_ENV=(
    OKTA_ORG_URL="https://localhost:$port"
    OKTA_API_TOKEN="$(cat "$DATA_DIR/admin-token")"
    LATCHKEY_DATA_DIR="$DATA_DIR"
    LATCHKEY_DATABASE_URL="$database_url"
    NODE_EXTRA_CA_CERTS="$DATA_DIR/ca.pem"
    LATCHKEY_BROWSER_BACKEND="$backend"
    LATCHKEY_SCREENSHOTS="$SCREENSHOTS_ROOT/$backend"
  )
  mkdir -p "$SCREENSHOTS_ROOT/$backend"
  rm -f "$SCREENSHOTS_ROOT/$backend"/*.png
}

# The org and the test pages are local: no proxy in between.
unset HTTP_PROXY HTTPS_PROXY http_proxy https_proxy ALL_PROXY all_proxy
# The server reads LATCHKEY_* settings from the environment: only the flags above count.
unset LATCHKEY_CONFIG LATCHKEY_DATA_DIR LATCHKEY_DATABASE_URL LATCHKEY_LISTEN LATCHKEY_PUBLIC_URL \
  LATCHKEY_TLS_CERT LATCHKEY_TLS_KEY LATCHKEY_INSECURE_HTTP LATCHKEY_SMTP_URL LATCHKEY_SMTP_FROM

failures=()
for backend in $BACKENDS; do
  say "backend: $backend"
  if ! start_server "$backend"; then
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
