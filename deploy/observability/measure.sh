#!/usr/bin/env bash
# Measures what each service of a running local stack uses under a known
# load, the figures the Kubernetes requests and limits come from
# (docs/operations.md, "Resource requests and limits"):
#
#   LAISSEZ_DEV_CAPTCHA_ANSWER=TEST42 ./deploy/dev.sh up --detach
#   ./deploy/observability/measure.sh [TOURS] [PORTAL_GETS]
#
# The load: TOURS runs of deploy/tour.sh (a Fujian applicant registers
# nothing but signs in, answers, uploads four files and submits; the
# reviewer signs in with a TOTP code, claims and approves), 31 s apart since
# a TOTP code is taken once, while PORTAL_GETS portal and API reads run 8 at
# a time. It prints, per service, the resident memory before, its peak
# (VmHWM, the kernel's high-water mark) and the CPU seconds spent during
# the load (utime + stime from /proc), and the wall time.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
PID_DIR="$ROOT/.local/pids"
BASE="${LAISSEZ_TOUR_URL:-http://127.0.0.1:8080}"
TOURS="${1:-3}"
GETS="${2:-400}"
SERVICES=(identity intake review payment render notify gateway)
TICKS="$(getconf CLK_TCK)"

pid_of() {
    local file="$PID_DIR/$1.pid"
    [[ -s "$file" ]] || { echo "no $file: is the stack up (./deploy/dev.sh up --detach)?" >&2; exit 1; }
    local pid
    pid="$(cat "$file")"
    kill -0 "$pid" 2>/dev/null || { echo "$1 (pid $pid) is not running" >&2; exit 1; }
    echo "$pid"
}
# CPU ticks spent by a process (user + system).
ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
status_kib() { awk -v key="$2:" '$1 == key { print $2 }' "/proc/$1/status"; }

declare -A PIDS START_TICKS START_RSS
for service in "${SERVICES[@]}"; do
    PIDS[$service]="$(pid_of "$service")"
    START_TICKS[$service]="$(ticks "${PIDS[$service]}")"
    START_RSS[$service]="$(status_kib "${PIDS[$service]}" VmRSS)"
done

started="$(date +%s)"
# Reads an applicant and a visitor make: the front door, portal pages, the
# catalog and the API's description.
paths=(/ /portal/fj-exit-entry/nia-app/login /portal/hk-cts/hk-residents/login
    /portal/tw-nia/mainland-students/login /api/v1/openapi.json /verify)
(
    for ((i = 0; i < GETS; i++)); do
        printf '%s%s\n' "$BASE" "${paths[i % ${#paths[@]}]}"
    done | xargs -P 8 -n 1 curl -s -o /dev/null
) &
reads=$!
for ((tour = 1; tour <= TOURS; tour++)); do
    tour_started="$(date +%s)"
    "$ROOT/deploy/tour.sh" >/dev/null
    echo "tour $tour of $TOURS done in $(($(date +%s) - tour_started)) s" >&2
    ((tour < TOURS)) && sleep 31
done
wait "$reads"
wall="$(($(date +%s) - started))"

printf '\n%-9s %12s %12s %10s %12s\n' service "RSS MiB" "peak MiB" "CPU s" "CPU cores"
for service in "${SERVICES[@]}"; do
    pid="${PIDS[$service]}"
    spent="$(($(ticks "$pid") - START_TICKS[$service]))"
    awk -v name="$service" -v rss="${START_RSS[$service]}" -v peak="$(status_kib "$pid" VmHWM)" \
        -v spent="$spent" -v ticks="$TICKS" -v wall="$wall" \
        'BEGIN { printf "%-9s %12.1f %12.1f %10.2f %12.3f\n", name, rss / 1024, peak / 1024,
                 spent / ticks, spent / ticks / wall }'
done
printf 'wall %d s: %d tours, %d reads\n' "$wall" "$TOURS" "$GETS"
