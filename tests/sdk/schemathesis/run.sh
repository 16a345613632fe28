#!/usr/bin/env bash
# Runs schemathesis against a real Latchkey (SQLite) with okta-management-subset.yaml: Okta's
# Management OpenAPI spec cut down to the operations Latchkey routes (make_subset.py makes it).
#
#   tests/sdk/schemathesis/run.sh                       # the short CI run (30-40 s on 2 cores)
#   SCHEMATHESIS_FULL=1 tests/sdk/schemathesis/run.sh   # adds the coverage phase, more examples
#   LATCHKEY_BIN=target/release/latchkey tests/sdk/schemathesis/run.sh   # skip the cargo build
#   SCHEMATHESIS_SEED=123 ...                           # replay a run (its seed is printed)
#   SCHEMATHESIS_MAX_EXAMPLES=50 ...                    # more cases per operation (default 10)
#
# Fails on any server error (5xx) and on requests the server drops or leaves unanswered; the
# built-in Everyone group's 501 E0000060 is deliberate and does not count (hooks.py).
# Response-schema differences are collected in the same run and listed, never failing it: each
# one is explained in tests/sdk/SPEC-DIFFERENCES.md or is a bug to fix.
# The run's files (schemathesis's output and JSON report, summary.txt with the documented
# differences by key, findings.jsonl with every finding in full, the server log) are kept in
# ${CARGO_TARGET_DIR:-target}/schemathesis/.
set -euo pipefail

ST_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_DIR="$(cd "$ST_DIR/../../.." && pwd)"
FULL="${SCHEMATHESIS_FULL:-0}"
OUT_DIR="${CARGO_TARGET_DIR:-$REPO_DIR/target}/schemathesis"
START=$SECONDS

say() { printf '==> %s\n' "$*"; }

# ------------------------------------------------------------------ build and install
if [[ -z "${LATCHKEY_BIN:-}" ]]; then
  (cd "$REPO_DIR" && cargo build -q --workspace --all-features)
  LATCHKEY_BIN="${CARGO_TARGET_DIR:-$REPO_DIR/target}/debug/latchkey"
fi
[[ -x "$LATCHKEY_BIN" ]] || { echo "no latchkey binary at $LATCHKEY_BIN" >&2; exit 1; }

checksum() { sha256sum "$1" | cut -d' ' -f1; }

VENV="$ST_DIR/.venv"
if [[ ! -x "$VENV/bin/python" ]]; then
  say "python venv for schemathesis"
  python3 -m venv "$VENV"
fi
if [[ "$(cat "$VENV/.requirements.sha256" 2>/dev/null)" != "$(checksum "$ST_DIR/requirements.txt")" ]]; then
  say "pip install -r tests/sdk/schemathesis/requirements.txt"
  "$VENV/bin/pip" install -q --disable-pip-version-check -r "$ST_DIR/requirements.txt"
  checksum "$ST_DIR/requirements.txt" > "$VENV/.requirements.sha256"
fi

# ------------------------------------------------------------------ the server
unset HTTP_PROXY HTTPS_PROXY http_proxy https_proxy ALL_PROXY all_proxy
unset LATCHKEY_CONFIG LATCHKEY_DATA_DIR LATCHKEY_DATABASE_URL LATCHKEY_LISTEN LATCHKEY_PUBLIC_URL \
  LATCHKEY_TLS_CERT LATCHKEY_TLS_KEY LATCHKEY_INSECURE_HTTP LATCHKEY_SMTP_URL LATCHKEY_SMTP_FROM

SERVER_PID=""
DATA_DIR="$(mktemp -d -t latchkey-schemathesis-XXXXXX)"
stop_server() {
  if [[ -n "$SERVER_PID" ]]; then
    kill "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
    SERVER_PID=""
  fi
  rm -rf "$DATA_DIR"
}
trap stop_server EXIT
trap 'exit 130' INT TERM

# The last lines of the server log, without the INFO line each refused request leaves.
server_log_tail() {
  echo "---- last lines of the server log (without INFO) ----"
  sed 's/\x1b\[[0-9;]*m//g' "$DATA_DIR/server.log" | grep -v ' INFO ' | tail -n 40 || true
  echo "-----------------------------------------------------"
}

PORT="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
URL="https://localhost:$PORT"
# No rate limits (schemathesis sends thousands of requests a minute) and cheap password hashes
# (the two cores are shared with schemathesis); nothing else differs from a default server.
"$LATCHKEY_BIN" serve --listen "127.0.0.1:$PORT" --data-dir "$DATA_DIR" --public-url "$URL" \
  --no-rate-limits --argon2-memory-kib 1024 --argon2-iterations 1 >"$DATA_DIR/server.log" 2>&1 &
SERVER_PID=$!

deadline=$((SECONDS + 30))
until [[ -f "$DATA_DIR/ca.pem" && -f "$DATA_DIR/admin-token" ]] &&
      curl -fsS --max-time 2 --cacert "$DATA_DIR/ca.pem" "$URL/health" >/dev/null 2>&1; do
  if ! kill -0 "$SERVER_PID" 2>/dev/null; then
    echo "latchkey exited during startup" >&2; server_log_tail >&2; exit 1
  fi
  if (( SECONDS >= deadline )); then
    echo "latchkey not healthy after 30 s" >&2; server_log_tail >&2; exit 1
  fi
  sleep 0.2
done
TOKEN="$(cat "$DATA_DIR/admin-token")"

# A spare token for the operations that revoke a token (schemathesis.toml, hooks.py).
SPARE_TOKEN="$("$LATCHKEY_BIN" token create --data-dir "$DATA_DIR" --name schemathesis-spare 2>"$DATA_DIR/token.log")" ||
  { echo "latchkey token create failed:" >&2; cat "$DATA_DIR/token.log" >&2; exit 1; }
token_ids="$(curl -fsS --cacert "$DATA_DIR/ca.pem" -H "Authorization: SSWS $TOKEN" "$URL/api/v1/api-tokens" |
  python3 -c '
import json, sys
tokens = json.load(sys.stdin)
spare = [t["id"] for t in tokens if t["name"] == "schemathesis-spare"]
main = [t for t in tokens if t["name"] != "schemathesis-spare"]
print(main[0]["id"] if len(main) == 1 else "", spare[0] if len(spare) == 1 else "",
      main[0]["userId"] if len(main) == 1 else "")')"
read -r TOKEN_ID SPARE_TOKEN_ID ADMIN_ID <<<"$token_ids"
[[ -n "$TOKEN_ID" && -n "$SPARE_TOKEN_ID" && -n "$ADMIN_ID" ]] ||
  { echo "could not find the ids of the API tokens (got: '$token_ids')" >&2; exit 1; }

# ------------------------------------------------------------------ schemathesis
if [[ "$FULL" == 1 ]]; then
  phases=examples,coverage,fuzzing,stateful
  max_examples="${SCHEMATHESIS_MAX_EXAMPLES:-50}"
else
  phases=examples,fuzzing,stateful
  max_examples="${SCHEMATHESIS_MAX_EXAMPLES:-10}"
fi
seed_args=()
[[ -n "${SCHEMATHESIS_SEED:-}" ]] && seed_args=(--seed "$SCHEMATHESIS_SEED")

rm -rf "$OUT_DIR"
mkdir -p "$OUT_DIR"
export SCHEMATHESIS_HOOKS="$ST_DIR/hooks.py"
export LATCHKEY_ST_TOKEN_ID="$TOKEN_ID" LATCHKEY_ST_SPARE_TOKEN_ID="$SPARE_TOKEN_ID"
export LATCHKEY_ST_ADMIN_ID="$ADMIN_ID"
export LATCHKEY_ST_SPARE_TOKEN="$SPARE_TOKEN" LATCHKEY_ST_FINDINGS="$OUT_DIR/findings.jsonl"
: >"$LATCHKEY_ST_FINDINGS"

# Its own exit status is not the verdict (it also counts the spec's generation errors and the
# failures hooks.py drops): report.py decides, from the JSON report and the findings.
# The working directory is the data dir, so its caches go away with it.
st_status=0
(cd "$DATA_DIR" && "$VENV/bin/schemathesis" --config-file "$ST_DIR/schemathesis.toml" run \
  "$ST_DIR/okta-management-subset.yaml" \
  --url "$URL" \
  --header "Authorization: SSWS $TOKEN" \
  --tls-verify "$DATA_DIR/ca.pem" \
  --checks not_a_server_error,response_schema_conformance \
  --phases "$phases" \
  --max-examples "$max_examples" \
  --workers 2 \
  --request-timeout 10 \
  --suppress-health-check all \
  --generation-database none \
  "${seed_args[@]}" \
  --report json --report-json-path "$OUT_DIR/report.json" \
  --no-color) >"$OUT_DIR/schemathesis.log" 2>&1 || st_status=$?

report_status=0
"$VENV/bin/python" "$ST_DIR/report.py" "$OUT_DIR/report.json" "$LATCHKEY_ST_FINDINGS" \
  --spec "$ST_DIR/okta-management-subset.yaml" --known "$ST_DIR/../SPEC-DIFFERENCES.md" \
  --summary "$OUT_DIR/summary.txt" >"$OUT_DIR/brief.txt" ||
  report_status=$?

# The server must have lived through it, and the run's token must still work.
alive=1
if ! kill -0 "$SERVER_PID" 2>/dev/null ||
   [[ "$(curl -sS -o /dev/null -w '%{http_code}' --max-time 5 --cacert "$DATA_DIR/ca.pem" \
         -H "Authorization: SSWS $TOKEN" "$URL/api/v1/users/me" 2>/dev/null)" != 200 ]]; then
  alive=0
fi
sed 's/\x1b\[[0-9;]*m//g' "$DATA_DIR/server.log" >"$OUT_DIR/server.log"

cat "$OUT_DIR/brief.txt"
if (( report_status != 0 || alive == 0 )); then
  (( alive == 1 )) || echo "the server died, or stopped accepting the run's token, during the run"
  echo "---- schemathesis output (exit status $st_status) ----"
  cat "$OUT_DIR/schemathesis.log"
  server_log_tail
  echo "schemathesis: FAILED after $((SECONDS - START)) s (files in $OUT_DIR)"
  exit 1
fi
echo "schemathesis: passed in $((SECONDS - START)) s (files in $OUT_DIR)"
