#!/usr/bin/env bash
# Rebuilds the portal's vendored GOV.UK Frontend stylesheet
# (services/gateway/vendor/govuk-frontend/govuk-frontend.css) from the
# npm registry's package, compiled with dart-sass and the settings in
# govuk.scss beside it. The output is committed and embedded in the gateway
# at build time: nothing is fetched at run time, and building needs no Node.
# Needs Node.js and the npm registry; run it to move to another version.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VERSION="${1:-6.6.0}"
SASS_VERSION="1.108.2"
OUT="$ROOT/services/gateway/vendor/govuk-frontend"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
cd "$WORK"
npm pack --silent "govuk-frontend@$VERSION" >/dev/null
tar xzf "govuk-frontend-$VERSION.tgz"
npx --yes "sass@$SASS_VERSION" --no-source-map --style=compressed --quiet-deps \
    --load-path=package/dist "$OUT/govuk.scss" "$OUT/govuk-frontend.css"
printf '%s\n' "$VERSION" >"$OUT/VERSION"
echo "govuk-frontend $VERSION -> $OUT/govuk-frontend.css ($(wc -c <"$OUT/govuk-frontend.css") bytes)"
