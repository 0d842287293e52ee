#!/usr/bin/env bash
# Runs sqlmap (Debian package) against a running Rampart's main endpoints: sign-in (JSON body),
# payment intents and funding (JSON body, bearer session), records search (query string),
# operator ledger look-ups (path). Usage:
#   scripts/sqlmap.sh [BASE_URL]          default http://127.0.0.1:8080 (start: npm start)
# Needs a demo server (`rampart serve --demo`): it signs in as the demo user Alice to get a
# session. Exit 1 when sqlmap reports an injectable parameter. Results: docs/security-testing.md.
set -euo pipefail
BASE="${1:-http://127.0.0.1:8080}"
OUT="$(mktemp -d)"
command -v sqlmap >/dev/null || { echo "sqlmap is not installed (apt-get install -y sqlmap)"; exit 2; }

# A session for Alice (demo): password, then the SMS code from the developer inbox.
first=$(curl -sf -H 'content-type: application/json' \
  -d '{"phone":"+8613800138000","password":"alice-demo-2026"}' "$BASE/api/v1/auth/sign-in")
token=$(node -e 'const b=JSON.parse(process.argv[1]); process.stdout.write(b.token ?? "")' "$first")
if [ -z "$token" ]; then
  challenge=$(node -e 'process.stdout.write(JSON.parse(process.argv[1]).challengeToken)' "$first")
  curl -sf -H 'content-type: application/json' -d "{\"challengeToken\":\"$challenge\"}" \
    "$BASE/api/v1/auth/sign-in/send-code" >/dev/null
  sleep 2
  code=$(curl -sf "$BASE/api/v1/dev/inbox?to=%2B8613800138000&limit=1" |
    node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>process.stdout.write(/\b\d{6}\b/.exec(JSON.parse(s).messages[0].text)[0]))')
  verified=$(curl -sf -H 'content-type: application/json' \
    -d "{\"challengeToken\":\"$challenge\",\"method\":\"sms\",\"code\":\"$code\"}" "$BASE/api/v1/auth/sign-in/verify")
  token=$(node -e 'process.stdout.write(JSON.parse(process.argv[1]).token)' "$verified")
fi

common=(--batch --level 2 --risk 1 --threads 2 --timeout 10 --retries 1 --output-dir "$OUT"
  --disable-coloring --smart -v 0)
run() {
  echo "== sqlmap $*"
  sqlmap "${common[@]}" "$@" 2>&1 | grep -E "injectable|might be injectable|all tested parameters|no parameter|WARNING.*(injectable|dynamic)|CRITICAL" || true
}
run -u "$BASE/api/v1/auth/sign-in" --method POST --headers 'Content-Type: application/json' \
  --data '{"phone":"+8613800138000*","password":"x*"}'
run -u "$BASE/api/v1/payments/intents" --method POST \
  --headers "$(printf 'Content-Type: application/json\nAuthorization: Bearer %s' "$token")" \
  --data '{"payee":{"merchantId":"mch_demo_coffee*"},"amount":{"amountMinor":"1*","currency":"CNY"},"channel":"balance","clientRequestId":"sqlmap-1*"}'
run -u "$BASE/api/v1/me/records?counterparty=coffee*&limit=20" --headers "Authorization: Bearer $token"
run -u "$BASE/api/v1/payments/intents/pi_1*" --headers "Authorization: Bearer $token"
run -u "$BASE/api/v1/qr/resolve" --method POST \
  --headers "$(printf 'Content-Type: application/json\nAuthorization: Bearer %s' "$token")" --data '{"code":"abc*"}'

if grep -rqs "is vulnerable\|injectable" "$OUT" 2>/dev/null && grep -rqs "Parameter:" "$OUT"; then
  echo "sqlmap found an injectable parameter: see $OUT"
  exit 1
fi
echo "sqlmap: no injectable parameter found (logs: $OUT)"
