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

PG_BASE="$LATCHKEY_SDK_PG_BASE"
PG_ADMIN="$LATCHKEY_SDK_PG_ADMIN"

# shellcheck source=../lib/server.sh
source "$REPO_DIR/tests/lib/server.sh"

# ------------------------------------------------------------------ build and install
latchkey_binary "$REPO_DIR"

python_venv "$PY_DIR"

npm_ci_if_changed "$NODE_DIR"

# ------------------------------------------------------------------ one server per backend
SINK_PID=""

# Called by stop_server: the mail sink goes with its server.
on_stop() {
  if [[ -n "$SINK_PID" ]]; then
    kill "$SINK_PID" 2>/dev/null || true
    wait "$SINK_PID" 2>/dev/null || true
    SINK_PID=""
  fi
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

start_sdk_server() {
  local backend="$1" smtp_port
  new_data_dir sdk || return 1
  PORT="$(free_port)"
  smtp_port="$(free_port)"
  while [[ "$smtp_port" == "$PORT" ]]; do smtp_port="$(free_port)"; done
  start_sink "$smtp_port" "$DATA_DIR/mail" || return 1
  start_server "$backend" sdk --smtp-url "smtp://127.0.0.1:$smtp_port" || return 1
  export OKTA_ORG_URL="https://localhost:$PORT"
  OKTA_API_TOKEN="$(cat "$DATA_DIR/admin-token")" || return 1
  export OKTA_API_TOKEN
  export SSL_CERT_FILE="$DATA_DIR/ca.pem"
  export NODE_EXTRA_CA_CERTS="$DATA_DIR/ca.pem"
  export LATCHKEY_SDK_BACKEND="$backend"
  export LATCHKEY_SDK_MAILDIR="$DATA_DIR/mail"
}

failures=()
for backend in $BACKENDS; do
  say "backend: $backend"
  if ! start_sdk_server "$backend"; then
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
