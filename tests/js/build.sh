#!/usr/bin/env bash
# Compile a generated JavaScript package (default generated/js) with the pinned tsc into a build
# folder (default build/js), outside generated/: sources, package.json and dist/ (ESM and
# CommonJS, each with .d.ts).
# Usage: tests/js/build.sh [GENERATED_JS_DIR] [OUT_DIR]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
src=$(cd "${1:-$root/generated/js}" && pwd)
out=${2:-$root/build/js}
mkdir -p "$out" && out=$(cd "$out" && pwd)
if [ ! -x "$here/node_modules/.bin/tsc" ]; then
  (cd "$here" && npm ci --no-audit --no-fund --loglevel=error)
fi
rm -rf "$out"
mkdir -p "$out"
cp -R "$src/." "$out/"
ln -s "$here/node_modules" "$out/node_modules"
# Both module systems: ESM in dist/, CommonJS in dist/cjs/ (its package.json says so), each with
# its .d.ts; package.json's exports give `import` the one and `require` the other.
"$here/node_modules/.bin/tsc" -p "$out"
"$here/node_modules/.bin/tsc" -p "$out/tsconfig.cjs.json"
echo '{"type": "commonjs"}' > "$out/dist/cjs/package.json"
# A package folder next to it resolves `import "rcsdk"` for the demo, the docs and the tests.
mkdir -p "$out/../node_modules"
ln -sfn "$out" "$out/../node_modules/rcsdk"
# The quickstart next to it, as a project that installed the package would hold it.
if [ -d "$src/../examples" ]; then
  mkdir -p "$out/../examples"
  cp "$src"/../examples/*.mjs "$out/../examples/" 2>/dev/null || true
fi
