#!/usr/bin/env bash
# A test org from a shell script or a CI step, with nothing but the latchkey binary and curl:
# start it, wait for it, drive it with the CLI, stop it. Exits non-zero on the first broken
# expectation.
#
#   LATCHKEY_BIN=path/to/latchkey tests/recipes/shell/test-org.sh
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ORG_FILE="$HERE/../../test-org/org.yaml"
LATCHKEY="${LATCHKEY_BIN:-latchkey}"
WORK="$(mktemp -d)"
export LATCHKEY_READY_FILE="$WORK/org.json"

"$LATCHKEY" serve --ephemeral --listen 127.0.0.1:0 --seed "$ORG_FILE" \
  --admin-token shell-recipe-token-0123456789 --ready-file "$LATCHKEY_READY_FILE" \
  >"$WORK/server.log" 2>&1 &
SERVER=$!
trap 'kill "$SERVER" 2>/dev/null; wait "$SERVER" 2>/dev/null; rm -rf "$WORK"' EXIT

# Ready when the ready file appears (the server writes it whole, once seeded).
for _ in $(seq 1 300); do
  [[ -f "$LATCHKEY_READY_FILE" ]] && break
  kill -0 "$SERVER" 2>/dev/null || { cat "$WORK/server.log" >&2; exit 1; }
  sleep 0.1
done
[[ -f "$LATCHKEY_READY_FILE" ]] || { echo "not ready in 30 s" >&2; cat "$WORK/server.log" >&2; exit 1; }

field() { python3 -c "import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])" "$LATCHKEY_READY_FILE" "$1"; }
ORG="$(field orgUrl)"; TOKEN="$(field token)"; CA="$(field caCertificate)"
api() { curl -sS --fail-with-body --cacert "$CA" -H "Authorization: SSWS $TOKEN" \
  -H 'Content-Type: application/json' -H 'Accept: application/json' "$@"; }
expect() { # expect DESCRIPTION HAYSTACK NEEDLE
  if [[ "$2" != *"$3"* ]]; then echo "FAIL: $1: expected '$3' in: $2" >&2; exit 1; fi
  echo "ok: $1"
}

expect "the seed made alice" "$(api "$ORG/api/v1/users/alice@example.com")" '"status":"ACTIVE"'
expect "a second seed changes nothing" "$("$LATCHKEY" seed "$ORG_FILE")" "0 created, 0 updated"

# A change, then a reset back to the seed.
api -X POST "$ORG/api/v1/users?activate=false" \
  -d '{"profile":{"login":"temp@example.com","email":"temp@example.com","firstName":"T","lastName":"Emp"}}' >/dev/null
expect "the reset answers" "$("$LATCHKEY" test reset)" '"reset": true'
code="$(curl -s -o /dev/null -w '%{http_code}' --cacert "$CA" -H "Authorization: SSWS $TOKEN" "$ORG/api/v1/users/temp@example.com")"
expect "the user made after the seed is gone" "$code" "404"

# SMS codes land in the outbox (no telephony hook needed in a test org).
curl -sS --cacert "$CA" -H 'Content-Type: application/json' -X POST "$ORG/api/v1/authn/recovery/password" \
  -d '{"username":"bob@example.com","factorType":"SMS"}' >/dev/null
expect "bob's code is in the outbox" "$("$LATCHKEY" test outbox --to +15555550123)" '"code": "'

# Time: bob's password policy expires passwords after 30 days.
"$LATCHKEY" test clock advance 31d >/dev/null
signin="$(curl -sS --cacert "$CA" -H 'Content-Type: application/json' -X POST "$ORG/api/v1/authn" \
  -d '{"username":"bob@example.com","password":"CanWeFixIt-2026!"}')"
expect "31 days on, bob's password has expired" "$signin" '"status":"PASSWORD_EXPIRED"'
expect "the clock goes back to real time" "$("$LATCHKEY" test clock real)" '"offsetMs": 0'

# The System Log, read and cleared.
expect "the log has the seed's users" "$("$LATCHKEY" test logs --event-type user.lifecycle.create)" "alice@example.com"
"$LATCHKEY" test logs --clear >/dev/null
expect "the log is empty" "$("$LATCHKEY" test logs)" "[]"

# A hand-changed org becomes a file.
"$LATCHKEY" export org -o "$WORK/exported.yaml"
expect "the export holds the apps" "$(cat "$WORK/exported.yaml")" 'clientId: "web-app-client"'
echo "shell recipe: all expectations met"
