# Every developer task has a recipe. `just --list` shows them.
# (just is not a Debian package: `pip install rust-just` or `cargo install just --locked`.)

set shell := ["bash", "-euo", "pipefail", "-c"]

# One build cache for every clone on this machine (the scripts use the same default).
export CARGO_TARGET_DIR := env_var_or_default("CARGO_TARGET_DIR", home_directory() / ".cache/laissez-target" / sha256(justfile_directory()))

# buf from the npm registry, pinned so every machine lints with the same rules.
buf_version := "1.75.0"

# List the recipes.
default:
    @just --list

# Bring the whole platform up locally (Ctrl-C stops it; --detach to leave it running).
up *args:
    ./deploy/dev.sh up {{args}}

# Stop the services and the mail catcher started by `up`.
down:
    ./deploy/dev.sh down

# Infrastructure and per-service state (pid, /readyz).
status:
    ./deploy/dev.sh status

# Follow the logs of one service, or of all of them.
logs *service:
    ./deploy/dev.sh logs {{service}}

# Ensure PostgreSQL, Redis, RabbitMQ, the mail catcher and test tools are there.
deps:
    ./deploy/dev.sh deps

# The whole test suite (what CI runs: .ci/run).
test *args:
    ./deploy/dev.sh test {{args}}

# Format check, clippy with warnings as errors, proto lint.
lint: fmt-check clippy proto-lint

# Format all Rust code.
fmt:
    cargo fmt --all

# Check formatting without changing files.
fmt-check:
    cargo fmt --all -- --check

# Clippy on every crate and target; any warning fails.
clippy:
    cargo clippy --workspace --all-targets -- -D warnings

# The deployment checked offline: manifests, operators' schemas, SLO rules and their tests, dashboards, buf breaking.
ops-check:
    ./deploy/check/check.sh

# Rewrite deploy/observability's rules, tests and dashboards from generate.py.
observability:
    python3 deploy/observability/generate.py

# Lint the .proto contracts with buf (STANDARD rules, see proto/buf.yaml).
proto-lint:
    npx --yes @bufbuild/buf@{{buf_version}} lint proto

# What a change must pass: lint, then the whole test suite.
verify: lint test
