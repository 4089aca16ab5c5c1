#!/usr/bin/env bash
# Rebuilds tinhso's vendored front-end assets from the npm registry (build time only).
#
#   tools/build_frontend.sh
#
# Needs Node >= 20 and npm. Installs the exact versions of tools/frontend/package-lock.json into a
# temporary directory (never into the repository), compiles tools/frontend/src/tinhso.scss with
# dart-sass, subsets the Be Vietnam Pro font, and copies the results, with their licences, into
#   src/tinhso/web/static/tinhso/{css,js,fonts,images}/   (served by Django, committed)
#   tests/browser/vendor/                                  (axe-core, used by browser tests only)
# Commit the output: nothing here runs when tinhso is installed or started.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
src="$repo/tools/frontend"
static="$repo/src/tinhso/web/static/tinhso"
vendor="$repo/tests/browser/vendor"

work="$(mktemp -d "${TMPDIR:-/tmp}/tinhso-frontend.XXXXXX")"
trap 'rm -rf "$work"' EXIT

cp "$src/package.json" "$src/package-lock.json" "$src/subset-fonts.mjs" "$work/"
cp -r "$src/src" "$work/src"
(cd "$work" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error)
modules="$work/node_modules"

rm -rf "$static/css" "$static/js" "$static/fonts" "$static/images"
mkdir -p "$static/css" "$static/js" "$static/fonts" "$static/images" "$vendor"

# CSS: GOV.UK Frontend configured for Vietnamese + tinhso's components, compressed, no source map.
(cd "$work" && node_modules/.bin/sass --load-path=node_modules --style=compressed --no-source-map \
  --quiet-deps src/tinhso.scss "$static/css/tinhso.css")

# JS: GOV.UK Frontend's ES module bundle (source-map comment removed: the map is not shipped, and
# Django's manifest storage refuses a reference to a missing file) and tinhso's entry module.
sed -e 's#//\# sourceMappingURL=[^ ]*$##' "$modules/govuk-frontend/dist/govuk/govuk-frontend.min.js" \
  > "$static/js/govuk-frontend.min.js"
cp "$src/src/tinhso.mjs" "$static/js/tinhso.mjs"

# Fonts: Be Vietnam Pro 400 and 700, Latin + Vietnamese in one file per weight.
(cd "$work" && node subset-fonts.mjs "$modules" "$static/fonts")

cp "$src/src/favicon.svg" "$static/images/favicon.svg"

# Licences next to what they cover.
cp "$src/licences/govuk-frontend-LICENSE.txt" "$static/css/LICENSE-govuk-frontend.txt"
cp "$src/licences/govuk-frontend-LICENSE.txt" "$static/js/LICENSE-govuk-frontend.txt"
cp "$modules/@expo-google-fonts/be-vietnam-pro/LICENSE_FONT" "$static/fonts/OFL-be-vietnam-pro.txt"

cat > "$static/README.txt" <<'README'
Built by tools/build_frontend.sh from tools/frontend/ (GOV.UK Frontend, Be Vietnam Pro, tinhso's
SCSS). Do not edit these files by hand: change the sources and rebuild. See docs/modules/web.md.
Licences: css/ and js/LICENSE-govuk-frontend.txt (MIT), fonts/OFL-be-vietnam-pro.txt (SIL OFL 1.1).
README

# axe-core (MPL-2.0) for the accessibility checks of tests/browser; never served.
cp "$modules/axe-core/axe.min.js" "$vendor/axe.min.js"
cp "$modules/axe-core/LICENSE" "$vendor/LICENSE-axe-core.txt"
node -p "require('$modules/axe-core/package.json').version" > "$vendor/axe-core.version"

# Every url() in the CSS must point at a shipped file (collectstatic's manifest step checks too).
missing=0
while read -r ref; do
  [ -e "$static/css/$ref" ] || { echo "missing asset referenced by tinhso.css: $ref" >&2; missing=1; }
done < <(grep -o 'url([^)]*)' "$static/css/tinhso.css" | sed -E 's/^url\(["'\'']?//; s/["'\'']?\)$//' \
         | grep -v '^data:' | sort -u)
[ "$missing" -eq 0 ]

echo "Built assets:"
(cd "$static" && find . -type f \( -name '*.css' -o -name '*.js' -o -name '*.mjs' -o -name '*.woff2' -o -name '*.svg' \) \
  -exec du -b {} + | sort -k2)
