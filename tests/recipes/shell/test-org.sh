#!/usr/bin/env bash
# A test org from a shell script or a CI step, with nothing but the latchkey binary and curl:
# start it, wait for it, drive it with the CLI, stop it. Exits non-zero on the first broken
# expectation. The users, passwords and phone numbers are the ones tests/test-org/org.yaml
# declares.
#
#   LATCHKEY_BIN=path/to/latchkey tests/recipes/shell/test-org.sh
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ORG_FILE="$HERE/../../test-org/org.yaml"
LATCHKEY="${LATCHKEY_BIN:-latchkey}"
WORK="$(mktemp -d -t latchkey-shell-XXXXXX)"
# The `latchkey test`, `seed` and `export` commands find the org through this file.
export LATCHKEY_READY_FILE="$WORK/org.json"

"$LATCHKEY" serve --ephemeral --listen 127.0.0.1:0 --seed "$ORG_FILE" \
  --admin-token shell-recipe-token-0123456789 --ready-file "$LATCHKEY_READY_FILE" \
  >"$WORK/server.log" 2>&1 &
SERVER=$!
stop_server() { # on SIGTERM the server deletes its data and the ready file
  kill "$SERVER" 2>/dev/null || true
  wait "$SERVER" 2>/dev/null || true
  rm -rf "$WORK"
}
trap stop_server EXIT

# Ready once the ready file exists: the server writes it in one piece, after the seed.
for _ in $(seq 1 300); do
  [[ -f "$LATCHKEY_READY_FILE" ]] && break
  kill -0 "$SERVER" 2>/dev/null || { echo "latchkey exited:" >&2; cat "$WORK/server.log" >&2; exit 1; }
  sleep 0.1
done
[[ -f "$LATCHKEY_READY_FILE" ]] || { echo "latchkey not ready in 30 s:" >&2; cat "$WORK/server.log" >&2; exit 1; }

# One string field of the ready file (one `"key": "value"` per line).
field() { grep -o "\"$1\": *\"[^\"]*\"" "$LATCHKEY_READY_FILE" | cut -d'"' -f4; }
ORG="$(field orgUrl)"; TOKEN="$(field token)"; CA="$(field caCertificate)"
api() { # api [curl args] URL: with the admin token; fails on an HTTP error
  curl -sS --fail-with-body --cacert "$CA" -H "Authorization: SSWS $TOKEN" \
    -H 'Content-Type: application/json' -H 'Accept: application/json' "$@"
}
public() { # the same without a token (the Authn API)
  curl -sS --fail-with-body --cacert "$CA" -H 'Content-Type: application/json' -H 'Accept: application/json' "$@"
}
expect() { # expect DESCRIPTION TEXT EXPECTED_PART
  if [[ "$2" != *"$3"* ]]; then echo "FAIL: $1: expected '$3' in: $2" >&2; exit 1; fi
  echo "ok: $1"
}
expect_empty_list() { # expect_empty_list DESCRIPTION JSON
  if [[ "$(tr -d '[:space:]' <<<"$2")" != "[]" ]]; then echo "FAIL: $1: expected [], got: $2" >&2; exit 1; fi
  echo "ok: $1"
}

expect "the seed made alice" "$(api "$ORG/api/v1/users/alice@example.com")" '"status":"ACTIVE"'
expect "a second seed changes nothing" "$("$LATCHKEY" seed "$ORG_FILE")" "0 created, 0 updated"

# A change, then a reset back to the seed.
api -X POST "$ORG/api/v1/users?activate=false" \
  -d '{"profile":{"login":"temp@example.com","email":"temp@example.com","firstName":"T","lastName":"Emp"}}' >/dev/null
expect "the user is there before the reset" "$(api "$ORG/api/v1/users/temp@example.com")" '"status":"STAGED"'
expect "the reset answers" "$("$LATCHKEY" test reset)" '"reset": true'
status="$(curl -s -o /dev/null -w '%{http_code}' --cacert "$CA" -H "Authorization: SSWS $TOKEN" \
  "$ORG/api/v1/users/temp@example.com")"
expect "the user is gone after the reset" "$status" "404"

# SMS codes land in the outbox (a test org needs no telephony hook).
expect "bob's recovery starts" "$(public -X POST "$ORG/api/v1/authn/recovery/password" \
  -d '{"username":"bob@example.com","factorType":"SMS"}')" '"status":"RECOVERY_CHALLENGE"'
expect "bob's code is in the outbox" "$("$LATCHKEY" test outbox --to +15555550123)" '"code": "'
"$LATCHKEY" test outbox --clear >/dev/null
expect_empty_list "the outbox is empty" "$("$LATCHKEY" test outbox)"

# Time: the Support password policy expires passwords after 30 days.
sign_in='{"username":"bob@example.com","password":"CanWeFixIt-2026!"}'
expect "bob signs in today" "$(public -X POST "$ORG/api/v1/authn" -d "$sign_in")" '"status":"SUCCESS"'
expect "the clock moves" "$("$LATCHKEY" test clock advance 31d)" '"offsetMs": 2678400000'
expect "31 days on, bob's password has expired" "$(public -X POST "$ORG/api/v1/authn" -d "$sign_in")" \
  '"status":"PASSWORD_EXPIRED"'
expect "the clock goes back to real time" "$("$LATCHKEY" test clock real)" '"offsetMs": 0'

# The System Log, read and cleared.
expect "the log has the seed's users" "$("$LATCHKEY" test logs --event-type user.lifecycle.create)" \
  "alice@example.com"
"$LATCHKEY" test logs --clear >/dev/null
expect_empty_list "the log is empty" "$("$LATCHKEY" test logs)"

# A hand-changed org becomes a file.
"$LATCHKEY" export org -o "$WORK/exported.yaml"
expect "the export holds the apps" "$(cat "$WORK/exported.yaml")" 'clientId: "web-app-client"'
echo "shell recipe: all expectations met"
