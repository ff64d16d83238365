#!/usr/bin/env bash
# Deploy smoke test: scripts/smoke.sh URL [TOKEN]
#
#   URL    the API's base URL: the stack output ApiUrl (https://<id>.execute-api.<region>.amazonaws.com/<stage>),
#          the DashboardUrl (CloudFront forwards /v1/* to the API), or http://127.0.0.1:8000 for `make run`
#   TOKEN  an API token of a tenant (role admin or owner). Omitted: a throwaway tenant is signed up first.
#
# Checks, each bounded in time: health; create a bot; add a text source and ingest it (polls until ready);
# chat without streaming (answer and sources); chat streaming (SSE events sources, delta..., done). Cleans up
# the bot (and so its source and vectors). Needs curl and python3. Exit 0 only when every step passed.
# SMOKE_INGEST_TIMEOUT (seconds, default 180) bounds the wait for ingestion (cold image functions included).
set -euo pipefail

URL="${1:?usage: scripts/smoke.sh URL [TOKEN]}"
URL="${URL%/}"
TOKEN="${2:-}"
INGEST_TIMEOUT="${SMOKE_INGEST_TIMEOUT:-180}"
WORK="$(mktemp -d)"
BOT_ID=""
trap 'cleanup' EXIT

step() { printf '%-34s' "$1"; }
ok() { echo "ok${1:+ ($1)}"; }
fail() { echo "FAILED: $*"; exit 1; }
json() { python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2], {}, {"d": d}))' "$@"; }

# request METHOD PATH [JSON_BODY] -> response body in $WORK/body, status code echoed
request() {
  local method="$1" path="$2" body="${3:-}"
  local args=(-sS -o "$WORK/body" -w '%{http_code}' --max-time 60 -X "$method" "$URL$path"
    -H 'accept: application/json')
  [[ -n "$TOKEN" ]] && args+=(-H "authorization: Bearer $TOKEN")
  [[ -n "$body" ]] && args+=(-H 'content-type: application/json' --data "$body")
  curl "${args[@]}" 2>"$WORK/curl-error" || true # on a connection failure curl prints 000
}

# the last response body, shortened, for error messages
body() { head -c 300 "$WORK/body" 2>/dev/null || head -c 300 "$WORK/curl-error"; }

cleanup() {
  if [[ -n "$BOT_ID" ]]; then
    request DELETE "/v1/bot-profiles/$BOT_ID" >/dev/null || true
  fi
  rm -rf "$WORK"
}

step "health"
code="$(request GET /health)"
[[ "$code" == 200 ]] || fail "GET /health answered $code: $(body)"
ok

if [[ -z "$TOKEN" ]]; then
  step "sign up a throwaway tenant"
  slug="smoke-$(date +%s)-$RANDOM"
  code="$(request POST /v1/tenants "{\"tenant_name\":\"Smoke $slug\",\"tenant_slug\":\"$slug\",
    \"owner_email\":\"$slug@example.com\",\"owner_password\":\"smoke-$RANDOM-$RANDOM-password\"}")"
  [[ "$code" == 201 ]] || fail "POST /v1/tenants answered $code: $(body)"
  TOKEN="$(json "$WORK/body" 'd["api_token"]')"
  ok "$slug"
fi

step "create a bot"
code="$(request POST /v1/bot-profiles '{"name":"smoke test bot"}')"
[[ "$code" == 201 ]] || fail "POST /v1/bot-profiles answered $code: $(body)"
BOT_ID="$(json "$WORK/body" 'd["id"]')"
ok "$BOT_ID"

step "add a text source and ingest it"
text='## Launch\nThe smoke test launch code is 4242. It is kept in the blue binder.'
code="$(request POST '/v1/sources?ingest=true' "{\"bot_profile_id\":\"$BOT_ID\",\"name\":\"Smoke notes\",
  \"source_type\":\"text\",\"content\":\"$text\"}")"
[[ "$code" == 201 || "$code" == 202 ]] || fail "POST /v1/sources answered $code: $(body)"
SOURCE_ID="$(json "$WORK/body" 'd["id"]')"
deadline=$((SECONDS + INGEST_TIMEOUT))
status=""
while ((SECONDS < deadline)); do
  code="$(request GET "/v1/sources/$SOURCE_ID")"
  [[ "$code" == 200 ]] || fail "GET /v1/sources/$SOURCE_ID answered $code"
  status="$(json "$WORK/body" 'd["status"]')"
  case "$status" in
    ready) break ;;
    error|failed) fail "ingestion ended in $status: $(json "$WORK/body" 'd.get("error_message")')" ;;
  esac
  sleep 2
done
[[ "$status" == ready ]] || fail "source still $status after ${INGEST_TIMEOUT}s"
ok "ready in $((SECONDS - deadline + INGEST_TIMEOUT))s"

question="{\"bot_profile_id\":\"$BOT_ID\",\"message\":\"What is the smoke test launch code?\""
step "chat (buffered)"
code="$(request POST /v1/chat "$question}")"
[[ "$code" == 200 ]] || fail "POST /v1/chat answered $code: $(body)"
answer="$(json "$WORK/body" 'd["message"]["content"]')"
sources="$(json "$WORK/body" 'len(d["sources"])')"
[[ -n "$answer" && "$sources" -gt 0 ]] || fail "empty answer or no sources: $(body)"
[[ "$answer" == *4242* ]] && ok "$sources source(s), cites the code" || ok "$sources source(s); answer: ${answer:0:80}"

step "chat (streaming)"
curl -sS -N --max-time 120 -o "$WORK/sse" -w '%{http_code}' -X POST "$URL/v1/chat" \
  -H "authorization: Bearer $TOKEN" -H 'content-type: application/json' -H 'accept: text/event-stream' \
  --data "$question,\"stream\":true}" >"$WORK/code" || fail "the stream broke off"
code="$(cat "$WORK/code")"
[[ "$code" == 200 ]] || fail "streaming POST /v1/chat answered $code: $(head -c 300 "$WORK/sse")"
events="$(grep -o '^event: [a-z_]*' "$WORK/sse" | cut -d' ' -f2 | uniq | tr '\n' ' ')"
first="$(grep -m1 -o '^event: [a-z_]*' "$WORK/sse" | cut -d' ' -f2)"
last="$(grep -o '^event: [a-z_]*' "$WORK/sse" | tail -1 | cut -d' ' -f2)"
[[ "$first" == sources && "$last" == done && " $events " == *" delta "* ]] ||
  fail "expected sources, delta..., done; got: $events"
ok "$(grep -c '^event: delta' "$WORK/sse") deltas"

echo "smoke: all checks passed against $URL"
