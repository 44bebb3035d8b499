#!/usr/bin/env bash
# The npm package rcsdk, built from this checkout's generated/js into a tarball, whose path it
# prints (and nothing else on stdout), so that one command adds it to any project:
#   npm install "$(bash /path/to/rcsdk/tools/js-package.sh)"
# It needs Node >= 18 and npm, nothing else (no `make`, no Python): npm ci installs the pinned
# TypeScript in tests/js (once), tsc compiles ESM and CommonJS with their .d.ts into OUT_DIR
# (default build/js-package: not build/js, which the test suites use), and npm pack packs it.
# A tarball built from the same sources is reused.
# Usage: tools/js-package.sh [OUT_DIR]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-$root/build/js-package}
# The sources' hash, by Node (sha256sum is GNU's: not on every machine with Node).
sources=$(cd "$root" && find generated/js tests/js/build.sh tests/js/package-lock.json -type f \
  | LC_ALL=C sort | node -e '
    const fs = require("fs"), hash = require("crypto").createHash("sha256");
    for (const file of fs.readFileSync(0, "utf8").split("\n").filter(Boolean)) {
      hash.update(file + "\0").update(fs.readFileSync(file));
    }
    console.log(hash.digest("hex"));')
if [ -f "$out/sources" ] && [ "$(cat "$out/sources")" = "$sources" ] && [ -f "$out/tarball" ] \
  && [ -f "$(cat "$out/tarball")" ]; then
  cat "$out/tarball"
  exit 0
fi
rm -f "$out/sources"
bash "$root/tests/js/build.sh" "$root/generated/js" "$out/rcsdk" >&2
name=$(cd "$out/rcsdk" && npm pack --pack-destination "$out" --silent --ignore-scripts 2>/dev/null \
  | tail -n 1)
echo "$out/$name" > "$out/tarball"
echo "$sources" > "$out/sources"
cat "$out/tarball"
