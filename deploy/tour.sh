#!/usr/bin/env bash
# The quick tour through the JSON API, with the demo people of deploy/demo/:
# a Fujian applicant signs in, applies for a one-time permit (answers and
# four uploads), submits; the agency's reviewer signs in with the
# authenticator's code, claims the case and approves it; the applicant sees
# the decision. Needs a stack started with the development captcha:
#
#   LAISSEZ_DEV_CAPTCHA_ANSWER=TEST42 ./deploy/dev.sh up --detach
#   ./deploy/tour.sh
#
# Each step prints what it did; read it beside the README's "Quick tour".
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BASE="${LAISSEZ_TOUR_URL:-http://127.0.0.1:8080}/api/v1"
CAPTCHA="${LAISSEZ_DEV_CAPTCHA_ANSWER:-TEST42}"
PASSWORD="Demo-Passw0rd-2026"
AGENCY=fj-exit-entry
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

step() { printf '\n\e[1m== %s\e[0m\n' "$*"; }
# call METHOD PATH [TOKEN] [JSON]: the answer's body; stops the tour on an error.
call() {
    local method="$1" path="$2" token="${3:-}" body="${4:-}"
    local args=(-sS -X "$method" -w '\n%{http_code}')
    [[ -n "$token" ]] && args+=(-H "authorization: Bearer $token")
    [[ -n "$body" ]] && args+=(-H 'content-type: application/json' -H "idempotency-key: tour-$RANDOM$RANDOM" -d "$body")
    local answer status
    answer="$(curl "${args[@]}" "$BASE$path")"
    status="${answer##*$'\n'}"
    answer="${answer%$'\n'*}"
    if ((status >= 400)); then
        printf '%s %s answered %s:\n%s\n' "$method" "$path" "$status" "$answer" >&2
        exit 1
    fi
    printf '%s' "$answer"
}
json() { python3 -c "import json,sys; print(json.load(sys.stdin)$1)"; }

# A small PNG (stdlib only), width x height: a portrait on a plain white
# background, in colour, as the agencies' photo rules ask.
png() {
    python3 - "$1" "$2" "$3" <<'PY'
import struct, sys, zlib
path, width, height = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
def chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
def pixel(x, y):
    dx, dy = (x - width / 2) / (width * 0.27), (y - height * 0.42) / (height * 0.28)
    return b"\xe0\xac\x8c" if dx * dx + dy * dy <= 1 or y > height * 0.85 else b"\xf8\xf8\xf6"
raw = b"".join(b"\x00" + b"".join(pixel(x, y) for x in range(width)) for y in range(height))
with open(path, "wb") as out:
    out.write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
              + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))
PY
}

step "The applicant A123456789 signs in to the Fujian portal"
APPLICANT="$(call POST "/agencies/$AGENCY/portals/nia-app/sessions" "" \
    "{\"login_name\":\"A123456789\",\"password\":\"$PASSWORD\"}" | json "['session_token']")"
echo "session token ${APPLICANT:0:8}…"

step "Starts a one-time permit application (notice accepted)"
CASE="$(call POST /cases "$APPLICANT" \
    '{"application_type":"one_time_taiwan_permit","notice_version":"2024-04","notice_accepted":true,"applicant":{"date_of_birth":"1985-06-01"}}' | json "['case_id']")"
echo "case $CASE"

step "Uploads the photo and three scans"
upload() {
    png "$WORK/$2.png" "$3" "$4"
    curl -sS -X POST -H "authorization: Bearer $APPLICANT" -H 'content-type: image/png' \
        --data-binary "@$WORK/$2.png" "$BASE/cases/$CASE/documents?requirement=$1&file_name=$2.png"
}
PHOTO="$(upload photo photo 354 472 | json "['document_id']")"
for requirement in tw_id_card_front tw_id_card_back tw_exit_entry_document; do
    upload "$requirement" "$requirement" 600 400 >/dev/null
done
echo "photo $PHOTO and three scans"

step "Answers the entry information and submits"
ENTRY="$(date -d '+30 days' +%F)"
ANSWERS="{\\\"photo\\\":\\\"$PHOTO\\\",\\\"port_of_entry\\\":\\\"xiamen_wutong\\\",\\\"planned_entry_date\\\":\\\"$ENTRY\\\"}"
call PUT "/cases/$CASE/draft" "$APPLICANT" "{\"answers_json\":\"$ANSWERS\"}" >/dev/null
RECEIPT="$(call POST /submissions "$APPLICANT" "{\"case_ids\":[\"$CASE\"]}" | json "['cases'][0]['receipt_number']")"
echo "submitted: receipt number $RECEIPT (the mail catcher at http://127.0.0.1:8025/ has the email)"

step "The reviewer fj.reviewer signs in (captcha, authenticator code)"
CAPTCHA_ID="$(call POST "/agencies/$AGENCY/portals/staff/captchas" "" '{}')"
PRE_SESSION="$(printf '%s' "$CAPTCHA_ID" | json "['pre_session']")"
CAPTCHA_ID="$(printf '%s' "$CAPTCHA_ID" | json "['captcha_id']")"
CODE="$("$ROOT/deploy/dev.sh" totp fj.reviewer | cut -d' ' -f1)"
REVIEWER="$(call POST "/agencies/$AGENCY/portals/staff/sessions" "" \
    "{\"login_name\":\"fj.reviewer\",\"password\":\"$PASSWORD\",\"pre_session\":\"$PRE_SESSION\",\"captcha_id\":\"$CAPTCHA_ID\",\"captcha_answer\":\"$CAPTCHA\",\"totp_code\":\"$CODE\"}" |
    json "['session_token']")"
echo "staff session ${REVIEWER:0:8}…"

step "Claims the next case of the queue (waits for the submission to arrive)"
for _ in $(seq 1 30); do
    CLAIMED="$(curl -sS -X POST -H "authorization: Bearer $REVIEWER" -H 'content-type: application/json' \
        -d '{"application_type":"one_time_taiwan_permit"}' "$BASE/review/claims" || true)"
    grep -q "$CASE" <<<"$CLAIMED" && break
    sleep 1
done
grep -q "$CASE" <<<"$CLAIMED" || { echo "the case did not reach the review queue: $CLAIMED" >&2; exit 1; }
echo "claimed $CASE"

step "Approves it"
call POST "/review/cases/$CASE/decision" "$REVIEWER" '{"decision":"DECISION_APPROVED","comment":""}' >/dev/null
for _ in $(seq 1 30); do
    STATE="$(call GET "/cases/$CASE" "$APPLICANT" | json "['state']")"
    [[ "$STATE" != CASE_STATE_SUBMITTED && "$STATE" != CASE_STATE_UNDER_REVIEW ]] && break
    sleep 1
done
echo "the applicant's case is now: $STATE (the agency's workflow puts payment after approval)"
echo
echo "Open http://127.0.0.1:8080/portal/$AGENCY/nia-app/login to see it in the portal (A123456789 / $PASSWORD)."
