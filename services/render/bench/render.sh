#!/usr/bin/env bash
# bench_render: tw-nia electronic permits per second on one core, p50/p99
# and PDF size, against WeasyPrint laying out the same permit from HTML in
# the same run (installed here with pip into a cached virtualenv). Prints
# both figures and the ratio (target ≥ 20×, < 10 ms median, < 150 KB).
#
#   services/render/bench/render.sh
#
# Environment: BENCH_PERMITS (400), BENCH_WEASYPRINT_PERMITS (10: WeasyPrint takes seconds
# per permit with CJK fonts), CARGO_TARGET_DIR.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)"
cd "$root"
venv="${XDG_CACHE_HOME:-$HOME/.cache}/laissez/weasyprint-venv"
if [[ ! -x "$venv/bin/python" ]] || ! "$venv/bin/python" -c 'import weasyprint' 2>/dev/null; then
    if ! python3 -c 'import venv, ensurepip' 2>/dev/null; then
        if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
            apt-get update -qq && apt-get install -y -qq python3-venv >/dev/null
        else
            echo "python3-venv is missing: install it (Debian) as root, then run again" >&2
            exit 1
        fi
    fi
    echo "installing WeasyPrint into $venv" >&2
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet weasyprint
fi

echo "building the benchmark (release)" >&2
cargo build --quiet --release -p laissez-render --example bench_render
binary="${CARGO_TARGET_DIR:-$root/target}/release/examples/bench_render"
# One core for both sides.
exec taskset -c 0 "$binary" \
    --permits "${BENCH_PERMITS:-400}" \
    --weasyprint "$venv/bin/python" \
    --weasyprint-permits "${BENCH_WEASYPRINT_PERMITS:-10}"
