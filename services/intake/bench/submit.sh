#!/usr/bin/env bash
# Intake submissions per second (each with one 200 KB document) and p50/p99
# latency, against pgbench running a comparable insert transaction on the
# same machine and the same PostgreSQL, with the same number of clients.
# Prints both figures and the ratio intake submissions/s ÷ pgbench tps
# (target ≥ 0.5), then the same ratio for the applicant's whole sequence
# (start, photo, answers, document, submit) for comparison. Intake and
# pgbench run in alternating rounds; the ratios are of the medians.
#
#   services/intake/bench/submit.sh
#
# Environment: BENCH_SUBMISSIONS (400), BENCH_CLIENTS (8), BENCH_ROUNDS (5),
# LAISSEZ_TEST_DATABASE_URL (postgres://postgres@127.0.0.1:5432/postgres),
# CARGO_TARGET_DIR. RabbitMQ must be reachable as for the tests.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)"
cd "$root"
submissions="${BENCH_SUBMISSIONS:-400}"
clients="${BENCH_CLIENTS:-8}"
rounds="${BENCH_ROUNDS:-5}"
admin_url="${LAISSEZ_TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
export BENCH_SUBMISSIONS="$submissions" BENCH_CLIENTS="$clients"

if ! command -v pgbench >/dev/null; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
        echo "pgbench missing: installing postgresql-contrib" >&2
        apt-get update -qq && apt-get install -y -qq postgresql-contrib postgresql-client >/dev/null
    else
        echo "pgbench is missing: install postgresql-contrib (Debian) as root, then run again" >&2
        exit 1
    fi
fi

echo "building the benchmark (release)" >&2
cargo build --quiet --release -p laissez-intake --example bench_submit
binary="${CARGO_TARGET_DIR:-$root/target}/release/examples/bench_submit"

# pgbench: one transaction per submission, in a scratch database.
scratch="laissez_pgbench_$$_$RANDOM"
scratch_url="$(sed "s#/[^/?]*\(?.*\)\?\$#/$scratch\1#" <<<"$admin_url")"
script="$(mktemp --suffix=.sql)"
# Every intake round's blobs stay here until the end: deleting a round's
# thousands of files just before the next round would slow that round's file
# creation on ext4 without a journal (inodes freed in the last 30 seconds are
# skipped one lookup at a time), a cost of the benchmark, not of intake.
blob_root="$(mktemp -d)"
cleanup() {
    rm -f "$script"
    rm -rf "$blob_root"
    psql -q "$admin_url" -c "DROP DATABASE IF EXISTS \"$scratch\" WITH (FORCE)" >/dev/null 2>&1 || true
}
trap cleanup EXIT
psql -q "$admin_url" -c "CREATE DATABASE \"$scratch\"" >/dev/null
psql -q "$scratch_url" >/dev/null <<'SQL'
CREATE TABLE cases (
    id uuid PRIMARY KEY, agency text NOT NULL, account_id text NOT NULL,
    application_type text NOT NULL, state text NOT NULL, applicant jsonb NOT NULL,
    answers jsonb NOT NULL, receipt_number text, group_number text,
    created_at timestamptz NOT NULL DEFAULT now(), submitted_at timestamptz,
    UNIQUE (agency, receipt_number));
CREATE INDEX cases_by_account ON cases (agency, account_id, created_at DESC);
CREATE TABLE case_documents (
    id uuid PRIMARY KEY, case_id uuid NOT NULL REFERENCES cases (id), agency text NOT NULL,
    requirement text NOT NULL, file_name text NOT NULL, media_type text NOT NULL,
    size_bytes bigint NOT NULL, sha256 text NOT NULL, blob_key text NOT NULL,
    uploaded_at timestamptz NOT NULL DEFAULT now());
-- Stands in for the blob write; stored uncompressed, as a JPEG would be.
CREATE TABLE blobs (key uuid PRIMARY KEY, content bytea NOT NULL);
ALTER TABLE blobs ALTER COLUMN content SET STORAGE EXTERNAL;
CREATE TABLE case_transitions (
    id bigserial PRIMARY KEY, case_id uuid NOT NULL REFERENCES cases (id), agency text NOT NULL,
    from_state text NOT NULL, to_state text NOT NULL, actor text NOT NULL,
    at timestamptz NOT NULL DEFAULT now());
CREATE TABLE agency_counters (
    agency text NOT NULL, counter text NOT NULL, period text NOT NULL, last_value bigint NOT NULL,
    PRIMARY KEY (agency, counter, period));
INSERT INTO agency_counters VALUES ('tw-nia', 'receipt', '2026', 0);
CREATE TABLE outbox (
    id uuid PRIMARY KEY, agency text NOT NULL, event_type text NOT NULL,
    aggregate_id text NOT NULL, payload bytea NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now());
SQL
cat >"$script" <<'SQL'
\set n random(1, 2000000000)
BEGIN;
INSERT INTO cases (id, agency, account_id, application_type, state, applicant, answers, created_at)
VALUES (md5(:n::text || clock_timestamp()::text)::uuid, 'tw-nia', 'bench-' || :n, 'data_change', 'submitted',
  '{"name": "陳大文", "date_of_birth": "1999-03-23", "relationship": "self", "document_number": "350102199903230018", "contact_email": "student@example.org", "language": 1}',
  '{"photo": "0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b", "student_category": "general", "resumed_studies": true, "chinese_name": "陳大文", "date_of_birth": "1999-03-23", "mainland_id_number": "350102199903230018", "sex": "male", "department": "法律學系", "school": "國立臺灣大學", "permit_number": "S100", "place_of_birth": "fujian", "mainland_address": "福建省福州市鼓樓區1號", "taiwan_address": "臺北市大安區羅斯福路四段1號", "father_name": "陳父", "mother_name": "林母", "political_posts": {"option": "never"}}',
  now())
RETURNING id \gset case_
INSERT INTO blobs (key, content)
VALUES (md5('blob' || :n::text || clock_timestamp()::text)::uuid, decode(repeat(md5(:n::text), 12800), 'hex'))
RETURNING key \gset blob_
INSERT INTO case_documents (id, case_id, agency, requirement, file_name, media_type, size_bytes, sha256, blob_key)
VALUES (md5('doc' || :n::text || clock_timestamp()::text)::uuid, ':case_id', 'tw-nia', 'change_proof', 'proof.jpg', 'image/jpeg', 204800,
  md5(:n::text) || md5(:n::text), ':blob_key');
INSERT INTO case_transitions (case_id, agency, from_state, to_state, actor)
VALUES (':case_id', 'tw-nia', 'draft', 'submitted', 'bench-' || :n);
UPDATE agency_counters SET last_value = last_value + 1
WHERE agency = 'tw-nia' AND counter = 'receipt' AND period = '2026' RETURNING last_value \gset counter_
UPDATE cases SET receipt_number = '115' || lpad(:counter_last_value::text, 9, '0'), submitted_at = now() WHERE id = ':case_id';
INSERT INTO outbox (id, agency, event_type, aggregate_id, payload)
VALUES (md5('event' || :n::text || clock_timestamp()::text)::uuid, 'tw-nia', 'intake.case.submitted', ':case_id',
  convert_to(repeat('x', 600), 'UTF8'));
COMMIT;
SQL

per_client=$(( (submissions + clients - 1) / clients ))
threads=$(( clients < 2 ? 1 : 2 ))
field() { sed -n "s/.* $1=\([0-9.]*\).*/\1/p" <<<"$2"; }
median() { tr ' ' '\n' | sed '/^$/d' | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
intake_rates="" whole_rates="" pgbench_rates=""
# Rounds alternate intake and pgbench so both see the same share of any
# background load (shared cores); the ratio is of the medians.
for round in $(seq 1 "$rounds"); do
    echo "round $round/$rounds: intake, $submissions submissions, $clients clients" >&2
    intake_output="$(BENCH_BLOB_ROOT="$blob_root/round-$round" "$binary")"
    intake_line="$(grep "^intake:" <<<"$intake_output")"
    whole_line="$(grep "^intake whole flow:" <<<"$intake_output")"
    [ "$round" = 1 ] && grep "^jpeg check:" <<<"$intake_output"
    echo "$intake_line"
    echo "$whole_line"
    intake_rates+=" $(field submissions_per_s "$intake_line")"
    whole_rates+=" $(field submissions_per_s "$whole_line")"

    echo "round $round/$rounds: pgbench, $clients clients x $per_client transactions" >&2
    pgbench_output="$(pgbench -n -c "$clients" -j "$threads" -t "$per_client" -f "$script" "$scratch_url" 2>&1)" || {
        echo "$pgbench_output" >&2
        exit 1
    }
    pgbench_tps="$(sed -n 's/^tps = \([0-9.]*\).*/\1/p' <<<"$pgbench_output" | head -1)"
    pgbench_latency="$(sed -n 's/^latency average = \([0-9.]*\) ms.*/\1/p' <<<"$pgbench_output")"
    echo "pgbench: transactions=$((per_client * clients)) clients=$clients tps=$pgbench_tps latency_avg_ms=$pgbench_latency"
    pgbench_rates+=" $pgbench_tps"
done
intake_rate="$(median <<<"$intake_rates")"
whole_rate="$(median <<<"$whole_rates")"
pgbench_rate="$(median <<<"$pgbench_rates")"
echo "medians of $rounds rounds: intake$intake_rates -> $intake_rate; whole flow$whole_rates -> $whole_rate; pgbench$pgbench_rates -> $pgbench_rate"
awk -v intake="$intake_rate" -v whole="$whole_rate" -v pgbench="$pgbench_rate" 'BEGIN {
    ratio = intake / pgbench
    printf "ratio: intake %.1f submissions/s / pgbench %.1f tps = %.2f (target >= 0.5) %s\n",
        intake, pgbench, ratio, (ratio >= 0.5 ? "OK" : "BELOW TARGET")
    printf "whole flow ratio: intake %.1f sequences/s / pgbench %.1f tps = %.2f\n",
        whole, pgbench, whole / pgbench
}'
