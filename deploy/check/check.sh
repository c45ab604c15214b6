#!/usr/bin/env bash
# The deployment, checked offline (run by `./deploy/dev.sh test`, beside the
# Rust tests):
#   - deploy/observability is what generate.py writes;
#   - promtool checks the rule files and runs their unit tests (every
#     burn-rate alert fires on synthetic series and stays quiet below it);
#   - every overlay under k8s/overlays builds with kubectl kustomize, its
#     built-in kinds pass kubernetes-validate --strict, and its custom
#     resources pass the operators' schemas (validate-resources.mjs);
#   - buf breaking: the protos of this commit against the previous one's.
# Needs kubectl, promtool (Debian's prometheus), kubernetes-validate (PyPI),
# node and npm; `dev.sh deps` installs them.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
failed=()

step() { printf '==> %s\n' "$*"; }

step "deploy/observability is up to date (generate.py --check)"
python3 deploy/observability/generate.py --check || failed+=("observability out of date")

step "promtool check rules / test rules"
promtool check rules deploy/observability/rules/*.rules.yml || failed+=("promtool check rules")
(cd deploy/observability/tests && promtool test rules ./*.test.yml) || failed+=("promtool test rules")

step "custom resource schemas (npm ci in deploy/check)"
(cd deploy/check && npm ci --no-audit --no-fund --silent) || failed+=("npm ci deploy/check")

for overlay in k8s/overlays/*/; do
    name="$(basename "$overlay")"
    step "kubectl kustomize $overlay"
    if ! kubectl kustomize "$overlay" >"$work/$name.yaml"; then
        failed+=("kustomize $name")
        continue
    fi
    # Built-in kinds, strictly (unknown fields refused); custom kinds are
    # left to the operators' schemas below.
    if ! kubernetes-validate --strict --quiet --no-warn "$work/$name.yaml"; then
        failed+=("kubernetes-validate $name")
    fi
    node deploy/check/validate-resources.mjs "$work/$name.yaml" || failed+=("custom resources $name")
done

step "buf breaking against the previous commit"
if git rev-parse --verify --quiet HEAD~1 >/dev/null; then
    npx --yes "@bufbuild/buf@${BUF_VERSION:-1.75.0}" breaking proto \
        --against "$root/.git#ref=HEAD~1,subdir=proto" || failed+=("buf breaking")
else
    echo "no previous commit here (a shallow clone): skipped"
fi

if ((${#failed[@]})); then
    printf 'operations checks failed: %s\n' "${failed[*]}" >&2
    exit 1
fi
echo "operations checks passed"
