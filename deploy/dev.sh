#!/usr/bin/env bash
# Laissez local stack and developer loop.
#
# The README's two commands:
#   ./deploy/dev.sh up      bring the whole platform up on this machine
#   ./deploy/dev.sh test    run the whole test suite
#
# Everything lives under .local/ in the repository (logs, pids, mail, blobs).
# See docs/local-stack.md for details.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

# Builds live outside the clone, in one folder for every clone of the
# repository: a fresh clone (CI's, a second checkout) reuses the compiled
# dependencies. Test binaries embed their checkout's path
# (CARGO_MANIFEST_DIR), so when the folder last built another checkout the
# workspace's own packages are rebuilt first (claim_target_dir).
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/laissez-target/laissez}"

LOCAL_DIR="$ROOT/.local"
LOG_DIR="$LOCAL_DIR/logs"
PID_DIR="$LOCAL_DIR/pids"
MAIL_DIR="$LOCAL_DIR/mail"
BLOB_DIR="$LOCAL_DIR/blobs"
DEMO_DIR="$ROOT/deploy/demo"

# Where the infrastructure is. Point these at existing servers to use them
# instead of local ones; `deps` only installs and starts what is local and down.
DEV_POSTGRES_URL="${LAISSEZ_DEV_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432}"
PG_CLUSTER="${LAISSEZ_DEV_PG_CLUSTER:-main}" # the Debian cluster name, when local
DEV_REDIS_URL="${LAISSEZ_DEV_REDIS_URL:-redis://127.0.0.1:6379}"
DEV_AMQP_URL="${LAISSEZ_DEV_AMQP_URL:-amqp://guest:guest@127.0.0.1:5672/%2f}"
SMTP_HOST="${LAISSEZ_DEV_SMTP_HOST:-127.0.0.1}"
SMTP_PORT="${LAISSEZ_DEV_SMTP_PORT:-1025}"
MAIL_UI_PORT="${LAISSEZ_DEV_MAIL_UI_PORT:-8025}"
# The payment providers' simulator (hosted pages, notices) and the payment
# service's listener for the providers' notices.
PAYSIM_PORT="${LAISSEZ_DEV_PAYSIM_PORT:-8090}"
PAYMENT_CALLBACK_PORT="${LAISSEZ_DEV_PAYMENT_CALLBACK_PORT:-8064}"
PAYMENT_PROVIDERS=(card webatm egov bank cvs)
# `up --observability`: a local Prometheus (Debian's package) that scrapes
# every service and evaluates deploy/observability's rules.
PROMETHEUS_PORT="${LAISSEZ_DEV_PROMETHEUS_PORT:-9095}"

# Seconds to wait for infrastructure ports and for each service's /readyz,
# and the shutdown grace period: SIGTERM, then SIGKILL after this long (the
# services drain for up to shutdown.grace_seconds, 20 s by default).
DEPS_TIMEOUT="${LAISSEZ_DEV_DEPS_TIMEOUT:-90}"
READY_TIMEOUT="${LAISSEZ_DEV_READY_TIMEOUT:-60}"
GRACE_SECONDS="${LAISSEZ_DEV_GRACE_SECONDS:-25}"

# buf, the proto linter, from the npm registry: pinned so every machine
# lints with the same rules (the justfile names the same version).
BUF_VERSION="1.75.0"
# kubernetes-validate from PyPI checks the built-in kinds of the overlays.
KUBERNETES_VALIDATE_VERSION="1.37.0"
# axe-core from the npm registry: the browser tests run its WCAG 2.2 AA
# rules on every page they visit. Installed outside the clone, where the
# tests look for it (services/gateway/tests/browser/accessibility.rs).
AXE_CORE_VERSION="4.10.3"
AXE_CORE_DIR="${LAISSEZ_AXE_CORE_DIR:-$HOME/.cache/laissez-tools/axe-core}"
# schemathesis from PyPI: the platform suite's fuzzer of the JSON API
# (integration-tests/tests/platform/fuzzer.rs), in a virtualenv of its own
# outside the clone, where the test looks for it.
SCHEMATHESIS_VERSION="4.32.5"
SCHEMATHESIS_DIR="${LAISSEZ_SCHEMATHESIS_DIR:-$HOME/.cache/laissez-tools/schemathesis}"

# Where `up` finds the service binaries (`cargo build --bins` puts them here).
BIN_DIR="${LAISSEZ_DEV_BIN_DIR:-$CARGO_TARGET_DIR/debug}"

# service  main port  admin port   (ARCHITECTURE.md, "Ports")
SERVICES=(identity intake review payment render notify gateway)
declare -A MAIN_PORT=([identity]=50061 [intake]=50062 [review]=50063 [payment]=50064
                      [render]=50065 [notify]=50066 [gateway]=8080)
declare -A ADMIN_PORT=([identity]=9061 [intake]=9062 [review]=9063 [payment]=9064
                       [render]=9065 [notify]=9066 [gateway]=9080)
# Start order: identity first (the others fetch its token-verification keys),
# the gateway last (it calls everyone).
START_STAGES=("identity" "intake review payment render notify" "gateway")

usage() {
    cat <<EOF
Usage: deploy/dev.sh <command> [options]

Commands:
  up [--detach] [--no-build] [--observability]
                  ensure dependencies, create databases, build and start every
                  service, wait until ready, print the URLs; Ctrl-C stops all.
                  --detach leaves the services running (stop with 'down');
                  --no-build starts the binaries already in \$LAISSEZ_DEV_BIN_DIR
                  (default \$CARGO_TARGET_DIR/debug);
                  --observability also starts Prometheus (Debian's package) on
                  127.0.0.1:\$LAISSEZ_DEV_PROMETHEUS_PORT (9095) with the SLO
                  rules and alerts of deploy/observability.
  down            stop the services and the mail catcher started by 'up'
  status          infrastructure ports, and per service: pid alive? /readyz?
  logs [service]  follow the logs of one service (or all of them)
  test [args]     ensure dependencies; format check, proto lint, clippy
                  (-D warnings) beside the deployment checks
                  (deploy/check/check.sh); then cargo test --workspace
                  --all-targets --no-fail-fast [args]; ends with a 'total:' line
  deps            only ensure PostgreSQL, Redis, RabbitMQ, the mail catcher and
                  the tools the tests need (installs Debian packages if missing)
  totp LOGIN      the current authenticator code of a demo staff account
                  (deploy/demo/; 'up' prints every demo account)
  help            this text

Services: ${SERVICES[*]}
Logs, pids and mail: .local/{logs,pids,mail}/   Build: \$CARGO_TARGET_DIR ($CARGO_TARGET_DIR)
EOF
}

# ---------------------------------------------------------------- output ---

if [[ -t 1 ]]; then BOLD=$'\e[1m' RED=$'\e[31m' GREEN=$'\e[32m' YELLOW=$'\e[33m' RESET=$'\e[0m'
else BOLD="" RED="" GREEN="" YELLOW="" RESET=""; fi

info() { printf '%s==>%s %s\n' "$BOLD" "$RESET" "$*"; }
warn() { printf '%swarning:%s %s\n' "$YELLOW" "$RESET" "$*" >&2; }
die() { printf '%serror:%s %s\n' "$RED" "$RESET" "$*" >&2; exit 1; }

# ------------------------------------------------------------- utilities ---

# port_open HOST PORT: true when something accepts TCP connections there.
port_open() {
    timeout 2 bash -c "exec 3<>/dev/tcp/$1/$2" 2>/dev/null
}

# wait_for_port NAME HOST PORT TIMEOUT
wait_for_port() {
    local name="$1" host="$2" port="$3" limit="$4" waited=0
    until port_open "$host" "$port"; do
        if ((waited >= limit)); then
            die "$name did not answer on $host:$port within ${limit}s"
        fi
        sleep 1
        waited=$((waited + 1))
    done
}

# url_host_port URL: prints "HOST PORT" of a postgres://, redis:// or amqp:// URL.
url_host_port() {
    local url="$1" default_port
    case "$url" in
        postgres*) default_port=5432 ;;
        redis*) default_port=6379 ;;
        amqp*) default_port=5672 ;;
        *) default_port=80 ;;
    esac
    local rest="${url#*://}"
    rest="${rest#*@}"
    rest="${rest%%/*}"
    local host="${rest%%:*}" port="${rest##*:}"
    [[ "$rest" == *:* ]] || port="$default_port"
    echo "$host $port"
}

is_local_host() {
    [[ "$1" == "127.0.0.1" || "$1" == "localhost" || "$1" == "::1" ]]
}

# as_root CMD...: run as root (via sudo when we are not root).
as_root() {
    if ((EUID == 0)); then
        "$@"
    elif command -v sudo >/dev/null; then
        sudo "$@"
    else
        die "need root to run: $* (install sudo or run as root)"
    fi
}

APT_UPDATED=0
# apt_install PACKAGE...: install Debian packages (apt-get update once per run).
apt_install() {
    command -v apt-get >/dev/null ||
        die "missing $*, and this is not a Debian-like system: install them yourself (see docs/local-stack.md)"
    info "installing Debian packages: $*"
    if ((APT_UPDATED == 0)); then
        as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q
        APT_UPDATED=1
    fi
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "$@"
}

# http_status URL: the HTTP status code, or 000 when nothing answers.
http_status() {
    command -v curl >/dev/null || { echo 000; return 0; }
    curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$1" 2>/dev/null || true
}

pid_file() { echo "$PID_DIR/$1.pid"; }

# last_run_log SERVICE: the last 40 lines the service logged since its latest start.
last_run_log() {
    local log="$LOG_DIR/$1.log"
    [[ -f "$log" ]] || return 0
    awk '/^----- .* starting laissez-/ { n = 0; delete lines } { lines[++n] = $0 }
         END { for (i = (n > 40 ? n - 39 : 1); i <= n; i++) print lines[i] }' "$log" >&2
}

# running_pid NAME: prints the pid from NAME's pid file if that process is alive.
running_pid() {
    local file pid
    file="$(pid_file "$1")"
    [[ -f "$file" ]] || return 1
    pid="$(<"$file")"
    [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null || return 1
    echo "$pid"
}

# ---------------------------------------------------------- dependencies ---

ensure_tools() {
    local missing=()
    # The proto lint runs buf from the npm registry (`dev.sh test`, `just lint`).
    command -v npx >/dev/null || missing+=(npm)
    command -v curl >/dev/null || missing+=(curl ca-certificates)
    command -v python3 >/dev/null || missing+=(python3)
    command -v psql >/dev/null || missing+=(postgresql-client)
    command -v cc >/dev/null || missing+=(gcc libc6-dev)
    mail_python >/dev/null || missing+=(python3-aiosmtpd)
    # Render lays documents out in Noto CJK (OFL), with HanaMin for the CJK
    # characters outside the BMP; its tests read PDFs back with poppler and
    # decode their QR codes with zbar.
    [[ -e /usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc ]] || missing+=(fonts-noto-cjk)
    [[ -e /usr/share/fonts/truetype/hanazono/HanaMinB.ttf ]] || missing+=(fonts-hanazono)
    command -v pdftoppm >/dev/null || missing+=(poppler-utils)
    command -v zbarimg >/dev/null || missing+=(zbar-tools)
    if [[ "${LAISSEZ_DEV_SKIP_BROWSER:-0}" != 1 ]]; then
        # The gateway's browser tests drive Debian's chromium through chromedriver.
        command -v chromium >/dev/null || missing+=(chromium)
        command -v chromedriver >/dev/null || missing+=(chromium-driver)
        # Without a Chinese font the zh-Hant and zh-Hans pages' screenshots
        # show boxes instead of text.
        fc-list :lang=zh 2>/dev/null | grep -q . || missing+=(fonts-wqy-microhei)
    fi
    # The deployment checks (deploy/check/check.sh): kubectl's kustomize,
    # promtool (Debian's prometheus, which `up --observability` also runs)
    # and kubernetes-validate from PyPI.
    command -v kubectl >/dev/null || missing+=(kubectl)
    command -v promtool >/dev/null || missing+=(prometheus)
    python3 -m pip --version >/dev/null 2>&1 || missing+=(python3-pip)
    python3 -c 'import ensurepip, venv' >/dev/null 2>&1 || missing+=(python3-venv)
    ((${#missing[@]} == 0)) || apt_install "${missing[@]}"
    if [[ "${LAISSEZ_DEV_SKIP_BROWSER:-0}" != 1 ]]; then
        ensure_axe_core
    fi
    ensure_schemathesis
    if ! command -v kubernetes-validate >/dev/null; then
        info "installing kubernetes-validate $KUBERNETES_VALIDATE_VERSION (PyPI)"
        python3 -m pip install --quiet "kubernetes-validate==$KUBERNETES_VALIDATE_VERSION" 2>/dev/null ||
            python3 -m pip install --quiet --user --break-system-packages \
                "kubernetes-validate==$KUBERNETES_VALIDATE_VERSION"
    fi
}

# ensure_axe_core: the pinned axe-core under $AXE_CORE_DIR (npm install
# into a folder of its own; the package is one script the tests inject).
ensure_axe_core() {
    local installed=""
    [[ -f "$AXE_CORE_DIR/node_modules/axe-core/package.json" ]] &&
        installed="$(sed -n 's/^ *"version": *"\([^"]*\)".*/\1/p' "$AXE_CORE_DIR/node_modules/axe-core/package.json" | head -n 1)"
    [[ "$installed" == "$AXE_CORE_VERSION" ]] && return 0
    info "installing axe-core $AXE_CORE_VERSION (npm) under $AXE_CORE_DIR"
    mkdir -p "$AXE_CORE_DIR"
    npm install --silent --no-audit --no-fund --prefix "$AXE_CORE_DIR" "axe-core@$AXE_CORE_VERSION" >/dev/null
}

# ensure_schemathesis: the pinned schemathesis in its own virtualenv.
ensure_schemathesis() {
    if [[ -x "$SCHEMATHESIS_DIR/bin/st" ]] &&
        "$SCHEMATHESIS_DIR/bin/st" --version 2>/dev/null | grep -qF "$SCHEMATHESIS_VERSION"; then
        return 0
    fi
    info "installing schemathesis $SCHEMATHESIS_VERSION (PyPI) under $SCHEMATHESIS_DIR"
    python3 -m venv "$SCHEMATHESIS_DIR"
    "$SCHEMATHESIS_DIR/bin/pip" install --quiet "schemathesis==$SCHEMATHESIS_VERSION"
}

# postgres_version: the newest PostgreSQL major version with a cluster config.
postgres_version() {
    find /etc/postgresql -mindepth 1 -maxdepth 1 -type d -printf '%f\n' 2>/dev/null | sort -V | tail -n 1 || true
}

ensure_postgres() {
    local host port version
    read -r host port < <(url_host_port "$DEV_POSTGRES_URL")
    if ! port_open "$host" "$port"; then
        is_local_host "$host" || die "PostgreSQL at $host:$port does not answer (LAISSEZ_DEV_POSTGRES_URL)"
        if ! command -v pg_ctlcluster >/dev/null || [[ -z "$(postgres_version)" ]]; then
            # The package creates the cluster "main" and may start it already.
            apt_install postgresql
        fi
        version="$(postgres_version)"
        [[ -n "$version" ]] || die "no PostgreSQL cluster under /etc/postgresql (try: pg_createcluster <version> $PG_CLUSTER)"
        if ! port_open "$host" "$port"; then
            info "starting PostgreSQL $version/$PG_CLUSTER"
            as_root pg_ctlcluster --skip-systemctl-redirect "$version" "$PG_CLUSTER" start
        fi
        wait_for_port PostgreSQL "$host" "$port" "$DEPS_TIMEOUT"
    fi
    allow_local_trust_login
}

# A fresh Debian cluster authenticates TCP logins with a password
# (scram-sha-256) and local socket logins with peer. The development URL is
# postgres://postgres@127.0.0.1:5432 without a password, so on a local
# cluster where that login fails we put two lines at the top of pg_hba.conf
# that trust user postgres from the loopback addresses only, and reload.
# This is for a development machine; production uses real credentials.
allow_local_trust_login() {
    psql "$DEV_POSTGRES_URL/postgres" -w -qAt -c 'select 1' >/dev/null 2>&1 && return 0
    local host port version hba
    read -r host port < <(url_host_port "$DEV_POSTGRES_URL")
    is_local_host "$host" || die "cannot log in to PostgreSQL with $DEV_POSTGRES_URL (set LAISSEZ_DEV_POSTGRES_URL)"
    version="$(postgres_version)"
    hba="/etc/postgresql/$version/$PG_CLUSTER/pg_hba.conf"
    [[ -n "$version" && -f "$hba" ]] || die "cannot log in to PostgreSQL with $DEV_POSTGRES_URL and found no pg_hba.conf to fix"
    if ! grep -q 'laissez-dev' "$hba"; then
        info "allowing passwordless login for user postgres from 127.0.0.1 and ::1 ($hba)"
        local patched
        patched="$(mktemp)"
        {
            echo "# laissez-dev: trust user postgres on loopback (added by deploy/dev.sh, development only)"
            echo "host    all    postgres    127.0.0.1/32    trust"
            echo "host    all    postgres    ::1/128         trust"
            cat "$hba"
        } >"$patched"
        as_root cp "$patched" "$hba"
        rm -f "$patched"
    fi
    as_root pg_ctlcluster --skip-systemctl-redirect "$version" "$PG_CLUSTER" reload
    sleep 1
    psql "$DEV_POSTGRES_URL/postgres" -w -qAt -c 'select 1' >/dev/null ||
        die "still cannot log in to PostgreSQL with $DEV_POSTGRES_URL; see $hba"
}

ensure_redis() {
    local host port
    read -r host port < <(url_host_port "$DEV_REDIS_URL")
    port_open "$host" "$port" && return 0
    is_local_host "$host" || die "Redis at $host:$port does not answer (LAISSEZ_DEV_REDIS_URL)"
    command -v redis-server >/dev/null || apt_install redis-server
    info "starting Redis"
    # No persistence: the local stack treats Redis as a cache of sessions and counters.
    as_root redis-server --daemonize yes --bind 127.0.0.1 -::1 --port "$port" --save "" --appendonly no >/dev/null
    wait_for_port Redis "$host" "$port" "$DEPS_TIMEOUT"
}

ensure_rabbitmq() {
    local host port limit
    read -r host port < <(url_host_port "$DEV_AMQP_URL")
    if port_open "$host" "$port"; then
        if amqp_answers "$host" "$port"; then
            is_local_host "$host" || return 0
            # Quorum queues keep files open; a broker started with the usual
            # 1024 descriptors runs out during a test run and then hangs.
            limit="$(rabbitmq_open_files_limit)"
            if [[ -n "$limit" ]] && ((limit < 8192)) && can_manage_rabbitmq; then
                restart_local_rabbitmq "its open-files limit is $limit"
            fi
            return 0
        fi
        is_local_host "$host" || die "RabbitMQ at $host:$port accepts connections but does not answer AMQP"
        can_manage_rabbitmq || die "RabbitMQ at $host:$port accepts connections but does not answer AMQP; restart it"
        restart_local_rabbitmq "it accepts connections but does not answer AMQP"
        return 0
    fi
    is_local_host "$host" || die "RabbitMQ at $host:$port does not answer (LAISSEZ_DEV_AMQP_URL)"
    [[ -x /usr/sbin/rabbitmq-server ]] || command -v rabbitmq-server >/dev/null || apt_install rabbitmq-server
    start_local_rabbitmq
    wait_for_amqp "$host" "$port"
}

# amqp_answers HOST PORT: whether the broker answers the AMQP protocol header
# with a frame. A wedged broker still accepts TCP connections but says nothing.
amqp_answers() {
    local reply
    reply="$(timeout 5 bash -c 'exec 3<>"/dev/tcp/$0/$1" && printf "AMQP\x00\x00\x09\x01" >&3 && head -c 1 <&3 | od -An -tx1' "$1" "$2" 2>/dev/null)" || return 1
    [[ "${reply// /}" == 01 ]]
}

wait_for_amqp() {
    local waited=0
    until amqp_answers "$1" "$2"; do
        ((waited < DEPS_TIMEOUT)) || die "RabbitMQ at $1:$2 did not answer AMQP within ${DEPS_TIMEOUT}s"
        sleep 1
        waited=$((waited + 1))
    done
}

# The broker's Erlang VM (not a CLI tool's, which runs beam.smp too).
RABBITMQ_SERVER_PATTERN='beam.smp.*-s rabbit boot'
rabbitmq_pid() { pgrep -u rabbitmq -f "$RABBITMQ_SERVER_PATTERN" 2>/dev/null | head -n 1 || true; }

rabbitmq_open_files_limit() {
    local pid
    pid="$(rabbitmq_pid)"
    [[ -n "$pid" && -r "/proc/$pid/limits" ]] || return 0
    awk '/^Max open files/ { print $4 }' "/proc/$pid/limits"
}

# Only a broker of this machine that we may restart (root, or sudo).
can_manage_rabbitmq() {
    [[ -n "$(rabbitmq_pid)" ]] || return 1
    ((EUID == 0)) || command -v sudo >/dev/null
}

start_local_rabbitmq() {
    info "starting RabbitMQ (takes a few seconds)"
    # As many descriptors as the system allows (quorum queues need more than
    # 1024). The init script keeps that limit for the broker; `su`, which
    # rabbitmq-server uses when started by root, would reset it.
    if [[ -x /etc/init.d/rabbitmq-server ]]; then
        as_root bash -c 'ulimit -n "$(ulimit -Hn)" 2>/dev/null; exec /etc/init.d/rabbitmq-server start' >/dev/null ||
            die "could not start RabbitMQ (see /var/log/rabbitmq/)"
    else
        as_root env PATH="/usr/sbin:$PATH" bash -c \
            'ulimit -n "$(ulimit -Hn)" 2>/dev/null; exec rabbitmq-server -detached'
    fi
}

restart_local_rabbitmq() {
    local host port waited=0
    read -r host port < <(url_host_port "$DEV_AMQP_URL")
    info "restarting RabbitMQ: $1"
    as_root env PATH="/usr/sbin:$PATH" timeout 30 rabbitmqctl shutdown >/dev/null 2>&1 || true
    while [[ -n "$(rabbitmq_pid)" ]] && ((waited < 10)); do
        sleep 1
        waited=$((waited + 1))
    done
    # A wedged broker ignores shutdown.
    [[ -z "$(rabbitmq_pid)" ]] || as_root pkill -9 -u rabbitmq -f "$RABBITMQ_SERVER_PATTERN" || true
    sleep 1
    start_local_rabbitmq
    wait_for_amqp "$host" "$port"
}

# Exchanges and queues that earlier test runs left behind (a failed or killed
# test does not clean up). Each quorum queue holds files and processes in the
# broker, so they must not pile up from run to run. Names: the tests' and
# benchmarks' prefixes only; do not run two test suites against one broker.
purge_test_topology() {
    local host port
    read -r host port < <(url_host_port "$DEV_AMQP_URL")
    is_local_host "$host" && can_manage_rabbitmq || return 0
    local erl='Prefixes = [<<"test.">>, <<"bench.">>, <<"laissez.bench">>],
        Match = fun(N) -> lists:any(fun(P) -> binary:part(N, 0, min(byte_size(P), byte_size(N))) =:= P end, Prefixes) end,
        Queues = [Q || Q <- rabbit_amqqueue:list(), Match(element(4, amqqueue:get_name(Q)))],
        [catch rabbit_amqqueue:delete(Q, false, false, <<"laissez-dev">>) || Q <- Queues],
        Exchanges = [element(2, X) || X <- rabbit_exchange:list(), Match(element(4, element(2, X)))],
        [catch rabbit_exchange:delete(X, false, <<"laissez-dev">>) || X <- Exchanges],
        {length(Queues), length(Exchanges)}.'
    local removed
    removed="$(as_root env PATH="/usr/sbin:$PATH" timeout 120 rabbitmqctl eval "$erl" 2>/dev/null | tail -n 1)" || {
        info "could not remove earlier test queues (rabbitmqctl eval failed); continuing"
        return 0
    }
    info "removed earlier test queues and exchanges: $removed"
}

# mail_python: prints a python interpreter that can import aiosmtpd. Debian's
# python3-aiosmtpd is visible to /usr/bin/python3, not to a pyenv python.
mail_python() {
    local candidate
    for candidate in python3 /usr/bin/python3; do
        if command -v "$candidate" >/dev/null && "$candidate" -c 'import aiosmtpd' 2>/dev/null; then
            command -v "$candidate"
            return 0
        fi
    done
    return 1
}

ensure_mail_python() {
    mail_python >/dev/null || die "python3-aiosmtpd is installed but /usr/bin/python3 cannot import aiosmtpd"
}

# ensure_payment_simulator: the providers' simulator (a binary of the
# payment crate), with the same per-provider secrets payment signs with.
ensure_payment_simulator() {
    if running_pid paysim >/dev/null; then return 0; fi
    local binary="$BIN_DIR/laissez-payment-sim" provider
    [[ -x "$binary" ]] || die "$binary does not exist (was it built?)"
    local -a secrets=()
    for provider in "${PAYMENT_PROVIDERS[@]}"; do
        secrets+=("LAISSEZ_SIM_SECRET_${provider^^}=$(local_secret "provider-$provider")")
    done
    mkdir -p "$LOG_DIR" "$PID_DIR"
    info "starting the payment providers' simulator (http://127.0.0.1:$PAYSIM_PORT/)"
    env "${secrets[@]}" setsid "$binary" --listen "127.0.0.1:$PAYSIM_PORT" \
        --public-url "http://127.0.0.1:$PAYSIM_PORT" \
        >>"$LOG_DIR/paysim.log" 2>&1 </dev/null &
    echo $! >"$(pid_file paysim)"
    disown $!
    wait_for_port "the payment simulator" 127.0.0.1 "$PAYSIM_PORT" 15
}

# ensure_prometheus: Prometheus on 127.0.0.1:$PROMETHEUS_PORT scraping each
# service's admin port (job = the service) with the SLO and platform rules.
ensure_prometheus() {
    if running_pid prometheus >/dev/null; then return 0; fi
    command -v prometheus >/dev/null || apt_install prometheus
    local config="$LOCAL_DIR/prometheus.yml" service
    mkdir -p "$LOG_DIR" "$PID_DIR" "$LOCAL_DIR/prometheus"
    {
        echo "# Written by deploy/dev.sh up --observability."
        echo "global: { scrape_interval: 15s, evaluation_interval: 15s }"
        echo "rule_files: ['$ROOT/deploy/observability/rules/*.rules.yml']"
        echo "scrape_configs:"
        for service in "${SERVICES[@]}"; do
            echo "  - job_name: $service"
            echo "    static_configs: [{ targets: ['127.0.0.1:${ADMIN_PORT[$service]}'] }]"
        done
    } >"$config"
    info "starting Prometheus (http://127.0.0.1:$PROMETHEUS_PORT/, rules from deploy/observability)"
    setsid prometheus --config.file="$config" --storage.tsdb.path="$LOCAL_DIR/prometheus" \
        --web.listen-address="127.0.0.1:$PROMETHEUS_PORT" \
        >>"$LOG_DIR/prometheus.log" 2>&1 </dev/null &
    echo $! >"$(pid_file prometheus)"
    disown $!
    wait_for_port "Prometheus" 127.0.0.1 "$PROMETHEUS_PORT" 30
}

ensure_mailcatcher() {
    if running_pid mailcatcher >/dev/null; then return 0; fi
    if port_open "$SMTP_HOST" "$SMTP_PORT"; then
        info "something already answers SMTP on $SMTP_HOST:$SMTP_PORT; using it as the mail catcher"
        return 0
    fi
    is_local_host "$SMTP_HOST" || die "SMTP at $SMTP_HOST:$SMTP_PORT does not answer (LAISSEZ_DEV_SMTP_HOST)"
    local python
    python="$(mail_python)"
    mkdir -p "$LOG_DIR" "$PID_DIR" "$MAIL_DIR"
    info "starting the mail catcher (SMTP $SMTP_HOST:$SMTP_PORT, web http://127.0.0.1:$MAIL_UI_PORT/)"
    setsid "$python" "$ROOT/deploy/local/mailcatcher.py" \
        --smtp "$SMTP_HOST:$SMTP_PORT" --http "127.0.0.1:$MAIL_UI_PORT" --dir "$MAIL_DIR" \
        >>"$LOG_DIR/mailcatcher.log" 2>&1 </dev/null &
    echo $! >"$(pid_file mailcatcher)"
    disown $!
    wait_for_port "the mail catcher" "$SMTP_HOST" "$SMTP_PORT" 15
}

# ensure_infrastructure: everything the test suite needs.
ensure_infrastructure() {
    ensure_tools
    ensure_postgres
    ensure_redis
    ensure_rabbitmq
    ensure_mail_python
}

cmd_deps() {
    ensure_infrastructure
    ensure_mailcatcher
    info "dependencies ready: PostgreSQL ($DEV_POSTGRES_URL), Redis ($DEV_REDIS_URL), RabbitMQ ($DEV_AMQP_URL), mail ($SMTP_HOST:$SMTP_PORT)"
}

# ------------------------------------------------------------- databases ---

database_name() { echo "laissez_$1"; }

create_databases() {
    local service name
    for service in "${SERVICES[@]}"; do
        [[ "$service" == gateway ]] && continue # stateless
        name="$(database_name "$service")"
        if [[ -z "$(psql "$DEV_POSTGRES_URL/postgres" -w -qAt -c "select 1 from pg_database where datname = '$name'")" ]]; then
            info "creating database $name"
            psql "$DEV_POSTGRES_URL/postgres" -w -q -c "create database $name"
        fi
    done
}

# -------------------------------------------------------------- services ---

# service_env SERVICE: the LAISSEZ_* environment of one service, one per line.
# local_secret NAME: a random key kept in .local/secrets/NAME (made on first use).
local_secret() {
    local file="$LOCAL_DIR/secrets/$1"
    if [[ ! -s "$file" ]]; then
        mkdir -p "$LOCAL_DIR/secrets"
        (umask 077 && head -c 48 /dev/urandom | base64 | tr -d '/+=\n' | head -c 40 >"$file")
    fi
    cat "$file"
}

# seal_key_dir: where render keeps each agency's seal key (made on first use).
seal_key_dir() {
    (umask 077 && mkdir -p "$LOCAL_DIR/secrets/seal-keys")
    echo "$LOCAL_DIR/secrets/seal-keys"
}

service_env() {
    local service="$1"
    echo "LAISSEZ_ENVIRONMENT=development"
    echo "LAISSEZ_ADMIN__LISTEN=127.0.0.1:${ADMIN_PORT[$service]}"
    echo "LAISSEZ_REDIS__URL=$DEV_REDIS_URL"
    echo "LAISSEZ_EVENTS__URL=$DEV_AMQP_URL"
    echo "LAISSEZ_TELEMETRY__FORMAT=${LAISSEZ_TELEMETRY__FORMAT:-pretty}"
    [[ -n "${LAISSEZ_TELEMETRY__OTLP_ENDPOINT:-}" ]] &&
        echo "LAISSEZ_TELEMETRY__OTLP_ENDPOINT=$LAISSEZ_TELEMETRY__OTLP_ENDPOINT"
    echo "LAISSEZ_AUTH__IDENTITY_URL=http://127.0.0.1:${MAIN_PORT[identity]}"
    if [[ "$service" == gateway ]]; then
        echo "LAISSEZ_HTTP__LISTEN=127.0.0.1:${MAIN_PORT[gateway]}"
        # One CSRF key per checkout, kept across restarts so open forms stay valid.
        echo "LAISSEZ_GATEWAY__SESSION__CSRF_SECRET=$(local_secret csrf)"
        local other upper
        for other in identity intake review payment render notify; do
            upper="${other^^}"
            echo "LAISSEZ_SERVICES__${upper}=http://127.0.0.1:${MAIN_PORT[$other]}"
        done
    else
        echo "LAISSEZ_GRPC__LISTEN=127.0.0.1:${MAIN_PORT[$service]}"
        echo "LAISSEZ_DATABASE__URL=$DEV_POSTGRES_URL/$(database_name "$service")"
    fi
    case "$service" in
        identity | intake)
            # The demo people (accounts and records); both services refuse
            # this setting in production. LAISSEZ_DEV_NO_DEMO=1 starts empty.
            [[ -z "${LAISSEZ_DEV_NO_DEMO:-}" ]] && echo "LAISSEZ_DEMO__DIR=$DEMO_DIR"
            ;;&
        identity)
            # Automated runs against the local stack (browser journeys): every
            # captcha's answer is this text. Identity refuses it in production.
            [[ -n "${LAISSEZ_DEV_CAPTCHA_ANSWER:-}" ]] &&
                echo "LAISSEZ_IDENTITY__DEV_CAPTCHA_ANSWER=$LAISSEZ_DEV_CAPTCHA_ANSWER"
            ;;
        intake)
            echo "LAISSEZ_BLOB__ROOT=$BLOB_DIR/intake"
            echo "LAISSEZ_CATALOG__DIR=$ROOT/deploy/agencies"
            ;;
        render)
            echo "LAISSEZ_BLOB__ROOT=$BLOB_DIR/render"
            echo "LAISSEZ_SERVICES__INTAKE=http://127.0.0.1:${MAIN_PORT[intake]}"
            # Each agency's seal key is made on first use and kept with the
            # checkout's other local secrets; production mounts them.
            echo "LAISSEZ_SEAL__KEY_DIR=$(seal_key_dir)"
            echo "LAISSEZ_SEAL__GENERATE_MISSING=true"
            ;;
        payment)
            echo "LAISSEZ_SERVICES__INTAKE=http://127.0.0.1:${MAIN_PORT[intake]}"
            echo "LAISSEZ_PROVIDERS__CALLBACK_LISTEN=127.0.0.1:$PAYMENT_CALLBACK_PORT"
            echo "LAISSEZ_PROVIDERS__CALLBACK_BASE_URL=http://127.0.0.1:$PAYMENT_CALLBACK_PORT"
            local provider
            for provider in "${PAYMENT_PROVIDERS[@]}"; do
                echo "LAISSEZ_PROVIDERS__PROVIDERS__${provider^^}__URL=http://127.0.0.1:$PAYSIM_PORT/$provider"
                echo "LAISSEZ_PROVIDERS__PROVIDERS__${provider^^}__SECRET=$(local_secret "provider-$provider")"
            done
            ;;
        notify)
            echo "LAISSEZ_SMTP__HOST=$SMTP_HOST"
            echo "LAISSEZ_SMTP__PORT=$SMTP_PORT"
            ;;
    esac
}

start_service() {
    local service="$1" binary="$BIN_DIR/laissez-$1" log="$LOG_DIR/$1.log"
    [[ -x "$binary" ]] || die "$binary does not exist (was it built?)"
    local -a environment
    mapfile -t environment < <(service_env "$service")
    {
        echo
        echo "----- $(date -u '+%Y-%m-%dT%H:%M:%SZ') starting laissez-$service"
    } >>"$log"
    # setsid: a session of its own, so Ctrl-C in this terminal reaches only
    # this script, which then stops each service with SIGTERM (and SIGKILL
    # after the grace period). setsid execs in place, so $! is the service.
    # The script's own LAISSEZ_DEV_* knobs are not service settings: keep them
    # out of the service's environment (a strict config would reject them).
    local knob
    local -a unset_knobs=()
    for knob in ${!LAISSEZ_DEV_@}; do unset_knobs+=(-u "$knob"); done
    env "${unset_knobs[@]}" "${environment[@]}" setsid "$binary" >>"$log" 2>&1 </dev/null &
    echo $! >"$(pid_file "$service")"
    disown $! # no "Killed" job notices from bash; the pid file tracks it
}

# wait_until_ready SERVICE: poll the admin /readyz until it answers 200.
wait_until_ready() {
    local service="$1" url="http://127.0.0.1:${ADMIN_PORT[$1]}/readyz" waited=0 status
    while :; do
        if ! running_pid "$service" >/dev/null; then
            warn "laissez-$service exited during start-up; last lines of $LOG_DIR/$service.log:"
            last_run_log "$service"
            return 1
        fi
        status="$(http_status "$url")"
        [[ "$status" == 200 ]] && return 0
        if ((waited >= READY_TIMEOUT)); then
            warn "laissez-$service not ready after ${READY_TIMEOUT}s ($url answered $status); last lines of $LOG_DIR/$service.log:"
            last_run_log "$service"
            return 1
        fi
        sleep 1
        waited=$((waited + 1))
    done
}

# stop_process NAME BINARY_NAME: SIGTERM, wait up to the grace period, SIGKILL.
# Only signals the pid from the pid file, and only if it still runs BINARY_NAME
# (a stale pid file must not make us kill an unrelated process).
stop_process() {
    local name="$1" expected="$2" pid waited=0
    pid="$(running_pid "$name")" || { rm -f "$(pid_file "$name")"; return 0; }
    if ! tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q -- "$expected"; then
        warn "pid $pid from $(pid_file "$name") is not $expected any more; leaving it alone"
        rm -f "$(pid_file "$name")"
        return 0
    fi
    kill -TERM "$pid" 2>/dev/null || true
    while kill -0 "$pid" 2>/dev/null; do
        if ((waited >= GRACE_SECONDS * 10)); then
            warn "$name did not stop within ${GRACE_SECONDS}s; sending SIGKILL"
            kill -KILL "$pid" 2>/dev/null || true
            break
        fi
        sleep 0.1
        waited=$((waited + 1))
    done
    rm -f "$(pid_file "$name")"
}

# stop_services: all services at once (each drains in parallel), gateway first.
stop_services() {
    local service
    local -a stoppers=()
    stop_process gateway laissez-gateway
    for service in "${SERVICES[@]}"; do
        [[ "$service" == gateway ]] && continue
        stop_process "$service" "laissez-$service" &
        stoppers+=($!)
    done
    ((${#stoppers[@]} == 0)) || wait "${stoppers[@]}"
}

print_urls() {
    cat <<EOF

${GREEN}Laissez is up.${RESET}
  portal and API    http://127.0.0.1:${MAIN_PORT[gateway]}/   (JSON API under /api/v1)
  mail catcher      http://127.0.0.1:$MAIL_UI_PORT/   (SMTP $SMTP_HOST:$SMTP_PORT, files in .local/mail/)
  payment providers http://127.0.0.1:$PAYSIM_PORT/   (simulated; POST /<provider>/operator/settle settles a transfer or slip)
  metrics           http://127.0.0.1:<admin port>/metrics   (also /healthz, /readyz)
EOF
    local service
    for service in "${SERVICES[@]}"; do
        printf '    %-9s %-22s admin http://127.0.0.1:%s/metrics\n' \
            "$service" "127.0.0.1:${MAIN_PORT[$service]}" "${ADMIN_PORT[$service]}"
    done
    echo "  logs              .local/logs/<service>.log   (deploy/dev.sh logs [service])"
    echo
    print_demo_accounts
}

# The demo accounts identity loaded from deploy/demo/ (see docs/local-stack.md).
print_demo_accounts() {
    [[ -z "${LAISSEZ_DEV_NO_DEMO:-}" && -x "$BIN_DIR/laissez" ]] || return 0
    echo "${BOLD}Demo accounts${RESET} (applicants: /portal/<agency>/<portal>/login, staff: /portal/<agency>/staff/login,"
    echo "the platform operator through the JSON API). Staff also type their authenticator's code:"
    echo "  deploy/dev.sh totp <login>   prints it (secrets in deploy/demo/*.yaml)"
    "$BIN_DIR/laissez" demo accounts --dir "$DEMO_DIR" | sed 's/^/  /'
    echo
}

# totp LOGIN: the current authenticator code of a demo staff account.
cmd_totp() {
    local login="${1:-}"
    [[ -n "$login" ]] || die "usage: deploy/dev.sh totp <staff login> (e.g. tw.reviewer)"
    local laissez="$BIN_DIR/laissez"
    [[ -x "$laissez" ]] || die "$laissez is missing: run 'deploy/dev.sh up' (or cargo build --bins) first"
    local secret
    secret="$("$laissez" demo accounts --dir "$DEMO_DIR" --tsv | awk -F '\t' -v login="$login" '$3 == login && $6 != "" && !found { print $6; found = 1 }')"
    [[ -n "$secret" ]] || die "no demo staff account '$login' in deploy/demo/"
    # RFC 6238: HMAC-SHA1 over the 30-second step, 6 digits; and how long it lasts.
    python3 - "$secret" <<'PY'
import base64, hashlib, hmac, struct, sys, time
secret = base64.b32decode(sys.argv[1].upper() + "=" * (-len(sys.argv[1]) % 8))
now = int(time.time())
digest = hmac.new(secret, struct.pack(">Q", now // 30), hashlib.sha1).digest()
offset = digest[-1] & 0x0F
code = (struct.unpack(">I", digest[offset:offset + 4])[0] & 0x7FFFFFFF) % 1_000_000
print(f"{code:06d}   (valid {30 - now % 30} s more; each code signs in once)")
PY
}

# The build folder remembers which checkout it last built. Another one's
# workspace packages are cleaned (dependencies kept), so no test binary or
# service built from another path is run from this one.
claim_target_dir() {
    local marker="$CARGO_TARGET_DIR/.laissez-checkout" last="" packages
    mkdir -p "$CARGO_TARGET_DIR"
    [[ -f "$marker" ]] && last="$(cat "$marker")"
    if [[ -n "$last" && "$last" != "$ROOT" ]]; then
        info "the build folder last built $last: rebuilding this checkout's own packages"
        packages="$(cargo metadata --no-deps --format-version 1 --offline 2>/dev/null |
            python3 -c 'import json, sys; print(" ".join("-p " + p["name"] for p in json.load(sys.stdin)["packages"]))')" ||
            packages=""
        if [[ -n "$packages" ]]; then
            # shellcheck disable=SC2086 # one word per flag
            cargo clean --quiet $packages
        else
            warn "could not list the workspace's packages: cleaning the whole build folder"
            cargo clean --quiet
        fi
    fi
    printf '%s' "$ROOT" >"$marker"
}

cmd_up() {
    local detach=0 build=1 observability=0
    while (($#)); do
        case "$1" in
            --detach | -d) detach=1 ;;
            --no-build) build=0 ;;
            --observability) observability=1 ;;
            *) die "unknown option for up: $1" ;;
        esac
        shift
    done

    local service
    for service in "${SERVICES[@]}"; do
        if running_pid "$service" >/dev/null; then
            die "laissez-$service is already running (pid $(running_pid "$service")); run 'deploy/dev.sh down' first"
        fi
        if port_open 127.0.0.1 "${MAIN_PORT[$service]}" || port_open 127.0.0.1 "${ADMIN_PORT[$service]}"; then
            die "port ${MAIN_PORT[$service]} or ${ADMIN_PORT[$service]} ($service) is already in use by another process"
        fi
    done

    ensure_infrastructure
    create_databases
    [[ -d "$ROOT/deploy/agencies" ]] || warn "deploy/agencies/ is missing: intake will start without demo agencies"
    mkdir -p "$LOG_DIR" "$PID_DIR" "$BLOB_DIR/intake" "$BLOB_DIR/render"

    if ((build)); then
        claim_target_dir
        info "building (cargo build --bins, target $CARGO_TARGET_DIR)"
        cargo build --bins || die "the build failed (see above); nothing was started"
    fi
    ensure_mailcatcher
    ensure_payment_simulator

    trap 'echo; cmd_down; exit 130' INT TERM
    local stage
    for stage in "${START_STAGES[@]}"; do
        for service in $stage; do
            info "starting laissez-$service"
            start_service "$service"
        done
        for service in $stage; do
            if ! wait_until_ready "$service"; then
                cmd_down
                die "laissez-$service did not become ready; everything stopped"
            fi
        done
    done

    ((observability)) && ensure_prometheus
    print_urls
    if ((detach)); then
        trap - INT TERM
        info "running in the background; stop with: deploy/dev.sh down"
        return 0
    fi

    info "press Ctrl-C to stop everything"
    while :; do
        for service in "${SERVICES[@]}"; do
            if ! running_pid "$service" >/dev/null; then
                warn "laissez-$service exited; last lines of $LOG_DIR/$service.log:"
                last_run_log "$service"
                cmd_down
                die "stopped everything because laissez-$service exited"
            fi
        done
        # sleep in the background and wait for it, so Ctrl-C is handled at once
        sleep 2 &
        wait $! || true
    done
}

cmd_down() {
    info "stopping services"
    stop_services
    stop_process mailcatcher mailcatcher.py
    stop_process paysim laissez-payment-sim
    stop_process prometheus prometheus
    info "stopped (PostgreSQL, Redis and RabbitMQ are left running)"
}

cmd_status() {
    local host port name url state
    printf '%s%-12s %-28s %s%s\n' "$BOLD" "dependency" "address" "state" "$RESET"
    for name in PostgreSQL Redis RabbitMQ; do
        case "$name" in
            PostgreSQL) url="$DEV_POSTGRES_URL" ;;
            Redis) url="$DEV_REDIS_URL" ;;
            RabbitMQ) url="$DEV_AMQP_URL" ;;
        esac
        read -r host port < <(url_host_port "$url")
        if port_open "$host" "$port"; then state="${GREEN}up${RESET}"; else state="${RED}down${RESET}"; fi
        printf '%-12s %-28s %s\n' "$name" "$host:$port" "$state"
    done
    if port_open "$SMTP_HOST" "$SMTP_PORT"; then state="${GREEN}up${RESET}"; else state="${RED}down${RESET}"; fi
    printf '%-12s %-28s %s\n' "mail" "$SMTP_HOST:$SMTP_PORT  ui :$MAIL_UI_PORT" "$state"

    echo
    printf '%s%-10s %-8s %-8s %-22s %s%s\n' "$BOLD" "service" "pid" "process" "listen" "readyz" "$RESET"
    local service pid alive ready
    for service in "${SERVICES[@]}"; do
        if pid="$(running_pid "$service")"; then
            alive="${GREEN}alive${RESET}   "
        else
            alive="${RED}stopped${RESET} "
            pid="-"
        fi
        ready="$(http_status "http://127.0.0.1:${ADMIN_PORT[$service]}/readyz")"
        case "$ready" in
            200) ready="${GREEN}200 ready${RESET}" ;;
            000) ready="no answer" ;;
            *) ready="${YELLOW}$ready not ready${RESET}" ;;
        esac
        printf '%-10s %-8s %s %-22s %s\n' "$service" "$pid" "$alive" \
            "127.0.0.1:${MAIN_PORT[$service]}" "$ready (admin :${ADMIN_PORT[$service]})"
    done
}

cmd_logs() {
    mkdir -p "$LOG_DIR"
    if (($# == 0)); then
        shopt -s nullglob
        local files=("$LOG_DIR"/*.log)
        ((${#files[@]})) || die "no logs yet in $LOG_DIR (run deploy/dev.sh up)"
        exec tail -n 20 -F "${files[@]}"
    fi
    local service="$1"
    [[ -v "MAIN_PORT[$service]" || "$service" == mailcatcher ]] ||
        die "unknown service '$service' (one of: ${SERVICES[*]} mailcatcher)"
    [[ -f "$LOG_DIR/$service.log" ]] || die "no log yet: $LOG_DIR/$service.log"
    exec tail -n 100 -F "$LOG_DIR/$service.log"
}

cmd_test() {
    ensure_infrastructure
    purge_test_topology
    claim_target_dir
    # Where the tests find the infrastructure (each test creates its own
    # database, exchange and queues from these). Not DATABASE_URL: sqlx's
    # macros would read that at compile time.
    export LAISSEZ_TEST_DATABASE_URL="${LAISSEZ_TEST_DATABASE_URL:-$DEV_POSTGRES_URL/postgres}"
    export LAISSEZ_TEST_REDIS_URL="${LAISSEZ_TEST_REDIS_URL:-$DEV_REDIS_URL}"
    export LAISSEZ_TEST_AMQP_URL="${LAISSEZ_TEST_AMQP_URL:-$DEV_AMQP_URL}"
    # The script the browser tests inject to check every page they visit.
    export LAISSEZ_AXE_CORE="${LAISSEZ_AXE_CORE:-$AXE_CORE_DIR/node_modules/axe-core/axe.min.js}"
    # The fuzzer the platform suite runs against the JSON API.
    export LAISSEZ_SCHEMATHESIS="${LAISSEZ_SCHEMATHESIS:-$SCHEMATHESIS_DIR/bin/st}"
    [[ -t 1 ]] && export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-always}"

    # The habits the code asks for, checked before the tests: formatting,
    # clippy with warnings as errors, and the proto lint (buf from the npm
    # registry, as `just lint`). A failure is reported and fails the run,
    # but the tests still run so one push shows everything.
    local lint_failed=()
    info "cargo fmt --all -- --check"
    cargo fmt --all -- --check || lint_failed+=("cargo fmt --check")
    info "npx @bufbuild/buf@$BUF_VERSION lint proto"
    npx --yes "@bufbuild/buf@$BUF_VERSION" lint proto || lint_failed+=("buf lint")
    # The deployment checks (manifests, rules, dashboards, buf breaking) use
    # no Rust: they run beside clippy, their output kept for the end.
    local operations_log operations_pid
    operations_log="$(mktemp)"
    BUF_VERSION="$BUF_VERSION" "$ROOT/deploy/check/check.sh" >"$operations_log" 2>&1 &
    operations_pid=$!
    info "cargo clippy --workspace --all-targets -- -D warnings"
    cargo clippy --workspace --all-targets -- -D warnings || lint_failed+=("cargo clippy")
    info "deploy/check/check.sh (ran beside clippy)"
    wait "$operations_pid" || lint_failed+=("deploy/check/check.sh")
    cat "$operations_log"
    rm -f "$operations_log"

    info "cargo test --workspace --all-targets --no-fail-fast (target $CARGO_TARGET_DIR)"

    # Cargo runs every test binary through this runner: a binary that hangs
    # (a broker that never answers, a lock never released) is stopped after
    # LAISSEZ_TEST_BINARY_TIMEOUT seconds and reported as failed, and the
    # binaries after it still run, so one hang cannot eat the whole run.
    local host runner_variable
    host="$(rustc -vV | sed -n 's/^host: //p')"
    runner_variable="CARGO_TARGET_$(tr 'a-z.-' 'A-Z__' <<<"$host")_RUNNER"
    export "$runner_variable=timeout --kill-after=30 ${LAISSEZ_TEST_BINARY_TIMEOUT:-1200}"

    # cargo test prints one "test result:" line per test binary, so its last
    # line only describes the last binary. Add up all of them into one closing
    # line; the exit code stays cargo's.
    local output status
    output="$(mktemp)"
    set +e
    cargo test --workspace --all-targets --no-fail-fast "$@" 2>&1 | tee "$output"
    status="${PIPESTATUS[0]}"
    set -e
    awk '/^test result:/ {
             for (i = 2; i <= NF; i++) {
                 if ($i == "passed;") passed += $(i - 1)
                 if ($i == "failed;") failed += $(i - 1)
                 if ($i == "ignored;") ignored += $(i - 1)
             }
         }
         END { printf "total: %d passed, %d failed, %d skipped\n", passed, failed, ignored }' "$output"
    rm -f "$output"
    if ((${#lint_failed[@]})); then
        printf '%slint failed:%s %s\n' "$RED" "$RESET" "${lint_failed[*]}" >&2
        ((status != 0)) || status=1
    fi
    exit "$status"
}

main() {
    local command="${1:-help}"
    (($#)) && shift
    case "$command" in
        up) cmd_up "$@" ;;
        down) cmd_down ;;
        status) cmd_status ;;
        logs) cmd_logs "$@" ;;
        test) cmd_test "$@" ;;
        deps) cmd_deps ;;
        totp) cmd_totp "$@" ;;
        help | -h | --help) usage ;;
        *)
            usage >&2
            exit 2
            ;;
    esac
}

main "$@"
