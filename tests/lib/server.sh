# Shared by the suites that run against a real `latchkey serve` (tests/sdk/run.sh,
# tests/browser/run.sh); sourced, not run. It gives:
#
#   latchkey_binary REPO_DIR     LATCHKEY_BIN set, absolute and executable (cargo build if unset)
#   npm_ci_if_changed DIR        `npm ci` in DIR when its package-lock.json changed
#   python_venv DIR              DIR/.venv with DIR/requirements.txt installed (again only when
#                                the file changed); sets VENV
#   start_server BACKEND NAME [serve flags...]
#                                one server on a free port, SQLite in a fresh data folder or a
#                                fresh PostgreSQL database ($PG_BASE, created through $PG_ADMIN);
#                                waits for /health; sets PORT, DATA_DIR and DATABASE_URL
#   stop_server                  stops it, drops its database and data folder (also on exit);
#                                runs `on_stop` first when the caller defines it
#   server_log_tail              the last lines of its log
#
# The caller sets PG_BASE and PG_ADMIN before starting a PostgreSQL server.

say() { printf '\n==> %s\n' "$*"; }

checksum() { sha256sum "$1" | cut -d' ' -f1; }

latchkey_binary() {
  local repo="$1"
  if [[ -z "${LATCHKEY_BIN:-}" ]]; then
    say "cargo build"
    # The workspace with all features: what ./scripts/test's cargo test built, so nothing is
    # compiled again.
    (cd "$repo" && cargo build -q --workspace --all-features)
    LATCHKEY_BIN="${CARGO_TARGET_DIR:-$repo/target}/debug/latchkey"
  fi
  LATCHKEY_BIN="$(cd "$(dirname "$LATCHKEY_BIN")" && pwd)/$(basename "$LATCHKEY_BIN")"
  export LATCHKEY_BIN
  [[ -x "$LATCHKEY_BIN" ]] || { echo "no latchkey binary at $LATCHKEY_BIN" >&2; exit 1; }
}

npm_ci_if_changed() {
  local dir="$1"
  if [[ "$(cat "$dir/node_modules/.package-lock.sha256" 2>/dev/null)" != "$(checksum "$dir/package-lock.json")" ]]; then
    say "npm ci ($dir)"
    (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
    checksum "$dir/package-lock.json" > "$dir/node_modules/.package-lock.sha256"
  fi
}

python_venv() {
  local dir="$1"
  VENV="$dir/.venv"
  if [[ ! -x "$VENV/bin/python" ]]; then
    say "python venv ($dir)"
    python3 -m venv "$VENV"
  fi
  if [[ "$(cat "$VENV/.requirements.sha256" 2>/dev/null)" != "$(checksum "$dir/requirements.txt")" ]]; then
    say "pip install -r $dir/requirements.txt"
    "$VENV/bin/pip" install -q --disable-pip-version-check -r "$dir/requirements.txt"
    checksum "$dir/requirements.txt" > "$VENV/.requirements.sha256"
  fi
}

SERVER_PID=""
DATA_DIR=""
DATABASE=""
DATABASE_URL=""
PORT=""

psql_admin() { psql "$PG_ADMIN" -v ON_ERROR_STOP=1 -q -c "$1" >/dev/null; }

stop_server() {
  if declare -F on_stop >/dev/null; then on_stop; fi
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
  PORT=""
  DATABASE_URL=""
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

# A data folder for the next server (the caller may put things in it first, e.g. a mail sink).
new_data_dir() {
  DATA_DIR="$(mktemp -d -t "latchkey-$1-XXXXXX")"
}

start_server() {
  local backend="$1" name="$2"
  shift 2
  [[ -n "$DATA_DIR" ]] || new_data_dir "$name" || return 1
  [[ -n "$PORT" ]] || PORT="$(free_port)"
  local args=(serve --listen "127.0.0.1:$PORT" --data-dir "$DATA_DIR"
              --public-url "https://localhost:$PORT" "$@")
  DATABASE_URL=""
  if [[ "$backend" == postgres ]]; then
    DATABASE="latchkey_${name}_$(python3 -c 'import uuid; print(uuid.uuid4().hex[:12])')"
    psql_admin "create database $DATABASE" || return 1
    DATABASE_URL="$PG_BASE/$DATABASE"
    args+=(--database-url "$DATABASE_URL")
  fi
  "$LATCHKEY_BIN" "${args[@]}" >"$DATA_DIR/server.log" 2>&1 &
  SERVER_PID=$!

  # Poll /health every 0.2 s for up to 30 s.
  local deadline=$((SECONDS + 30))
  until [[ -f "$DATA_DIR/ca.pem" && -f "$DATA_DIR/admin-token" ]] &&
        curl -fsS --max-time 2 --cacert "$DATA_DIR/ca.pem" "https://localhost:$PORT/health" >/dev/null 2>&1; do
    if ! kill -0 "$SERVER_PID" 2>/dev/null; then
      echo "latchkey exited during startup" >&2; server_log_tail; return 1
    fi
    if (( SECONDS >= deadline )); then
      echo "latchkey not healthy after 30 s" >&2; server_log_tail; return 1
    fi
    sleep 0.2
  done
}

# The org and its clients are local: no proxy in between (the SDKs follow HTTPS_PROXY and
# ignore NO_PROXY, CLIENTS.md 7).
unset HTTP_PROXY HTTPS_PROXY http_proxy https_proxy ALL_PROXY all_proxy
# The server reads LATCHKEY_* settings from the environment: only the flags count.
unset LATCHKEY_CONFIG LATCHKEY_DATA_DIR LATCHKEY_DATABASE_URL LATCHKEY_LISTEN LATCHKEY_PUBLIC_URL \
  LATCHKEY_TLS_CERT LATCHKEY_TLS_KEY LATCHKEY_INSECURE_HTTP LATCHKEY_SMTP_URL LATCHKEY_SMTP_FROM
