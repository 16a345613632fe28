#!/usr/bin/env bash
# Runs Okta's official SDKs (Python `okta`, Node `@okta/okta-sdk-nodejs`) against a real
# Latchkey, once per backend. The one entry point CI calls.
#
#   tests/sdk/run.sh                         # both backends: sqlite, then postgres
#   LATCHKEY_SDK_BACKENDS=sqlite tests/sdk/run.sh
#   LATCHKEY_BIN=target/release/latchkey tests/sdk/run.sh   # skip the cargo build
#
# Email factor codes go to a real SMTP server, smtp_sink.py (one per Latchkey, started with
# the venv's python): it writes each message to $LATCHKEY_SDK_MAILDIR as <n>.eml, where the
# suites read the codes back.
#
# PostgreSQL: a fresh database per run on LATCHKEY_SDK_PG_BASE (default
# postgres://postgres@127.0.0.1:5432), created through LATCHKEY_SDK_PG_ADMIN (default
# $LATCHKEY_SDK_PG_BASE/test) and dropped afterwards.
set -euo pipefail

SDK_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_DIR="$(cd "$SDK_DIR/../.." && pwd)"
PY_DIR="$SDK_DIR/python"
NODE_DIR="$SDK_DIR/node"
BACKENDS="${LATCHKEY_SDK_BACKENDS:-sqlite postgres}"
export LATCHKEY_SDK_PG_BASE="${LATCHKEY_SDK_PG_BASE:-postgres://postgres@127.0.0.1:5432}"
export LATCHKEY_SDK_PG_ADMIN="${LATCHKEY_SDK_PG_ADMIN:-$LATCHKEY_SDK_PG_BASE/test}"

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

checksum() { sha256sum "$1" | cut -d' ' -f1; }

VENV="$PY_DIR/.venv"
if [[ ! -x "$VENV/bin/python" ]]; then
  say "python venv"
  python3 -m venv "$VENV"
fi
if [[ "$(cat "$VENV/.requirements.sha256" 2>/dev/null)" != "$(checksum "$PY_DIR/requirements.txt")" ]]; then
  say "pip install -r requirements.txt"
  "$VENV/bin/pip" install -q --disable-pip-version-check -r "$PY_DIR/requirements.txt"
  checksum "$PY_DIR/requirements.txt" > "$VENV/.requirements.sha256"
fi

if [[ "$(cat "$NODE_DIR/node_modules/.package-lock.sha256" 2>/dev/null)" != "$(checksum "$NODE_DIR/package-lock.json")" ]]; then
  say "npm ci"
  (cd "$NODE_DIR" && npm ci --no-audit --no-fund --loglevel=error)
  checksum "$NODE_DIR/package-lock.json" > "$NODE_DIR/node_modules/.package-lock.sha256"
fi

# ------------------------------------------------------------------ one server per backend
SERVER_PID=""
SINK_PID=""
DATA_DIR=""
DATABASE=""

psql_admin() { psql "$LATCHKEY_SDK_PG_ADMIN" -v ON_ERROR_STOP=1 -q -c "$1" >/dev/null; }

stop_server() {
  if [[ -n "$SERVER_PID" ]]; then
    kill "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
    SERVER_PID=""
  fi
  if [[ -n "$SINK_PID" ]]; then
    kill "$SINK_PID" 2>/dev/null || true
    wait "$SINK_PID" 2>/dev/null || true
    SINK_PID=""
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

# The SMTP sink for this server's mail; waits up to 10 s for it to listen.
start_sink() {
  local port="$1" dir="$2"
  "$VENV/bin/python" "$SDK_DIR/smtp_sink.py" "$port" "$dir" >"$DATA_DIR/smtp-sink.log" 2>&1 &
  SINK_PID=$!
  local deadline=$((SECONDS + 10))
  until [[ -f "$dir/.ready" ]]; do
    if ! kill -0 "$SINK_PID" 2>/dev/null; then
      echo "the SMTP sink exited during startup:" >&2; cat "$DATA_DIR/smtp-sink.log" >&2; return 1
    fi
    if (( SECONDS >= deadline )); then
      echo "the SMTP sink did not start within 10 s" >&2; return 1
    fi
    sleep 0.1
  done
}

start_server() {
  local backend="$1" port smtp_port args
  port="$(free_port)"
  smtp_port="$(free_port)"
  while [[ "$smtp_port" == "$port" ]]; do smtp_port="$(free_port)"; done
  DATA_DIR="$(mktemp -d -t latchkey-sdk-XXXXXX)" || return 1
  start_sink "$smtp_port" "$DATA_DIR/mail" || return 1
  args=(serve --listen "127.0.0.1:$port" --data-dir "$DATA_DIR" --public-url "https://localhost:$port"
        --smtp-url "smtp://127.0.0.1:$smtp_port")
  if [[ "$backend" == postgres ]]; then
    DATABASE="latchkey_sdk_$(python3 -c 'import uuid; print(uuid.uuid4().hex[:12])')"
    psql_admin "create database $DATABASE" || return 1
    args+=(--database-url "$LATCHKEY_SDK_PG_BASE/$DATABASE")
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

  export OKTA_ORG_URL="https://localhost:$port"
  OKTA_API_TOKEN="$(cat "$DATA_DIR/admin-token")" || return 1
  export OKTA_API_TOKEN
  export SSL_CERT_FILE="$DATA_DIR/ca.pem"
  export NODE_EXTRA_CA_CERTS="$DATA_DIR/ca.pem"
  export LATCHKEY_SDK_BACKEND="$backend"
  export LATCHKEY_SDK_MAILDIR="$DATA_DIR/mail"
}

# Both SDKs follow HTTPS_PROXY and ignore NO_PROXY (CLIENTS.md 7).
unset HTTP_PROXY HTTPS_PROXY http_proxy https_proxy ALL_PROXY all_proxy
# The server reads LATCHKEY_* settings from the environment: only the flags below count.
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

  say "$backend: python okta $(grep -oP '^okta==\K.*' "$PY_DIR/requirements.txt")"
  if ! (cd "$PY_DIR" && "$VENV/bin/python" -m pytest -q -rfE); then
    failures+=("$backend: python")
  fi

  say "$backend: node @okta/okta-sdk-nodejs"
  if ! (cd "$NODE_DIR" && node --test); then
    failures+=("$backend: node")
  fi

  if (( ${#failures[@]} )); then server_log_tail; fi
  stop_server
done

if (( ${#failures[@]} )); then
  say "SDK contract tests FAILED"
  printf '  %s\n' "${failures[@]}"
  exit 1
fi
say "SDK contract tests passed on: $BACKENDS"
