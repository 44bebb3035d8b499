#!/usr/bin/env bash
# A Go toolchain new enough for generated/go (go.mod: 1.22) and the pinned staticcheck (1.26).
# Debian's golang-go (bookworm's is 1.19) is too old. Go's own toolchain switch (GOTOOLCHAIN)
# fetches newer releases as the module golang.org/toolchain from the module proxy; this does the
# same, into build/go-toolchain, which the Makefile puts first on PATH. When the `go` on PATH is
# new enough, it does nothing.
set -euo pipefail
cd "$(dirname "$0")/.."
minimum=26 # Go 1.x: the pinned staticcheck (Makefile) needs 1.26
release=go1.26.8
dest=build/go-toolchain

current=$(go env GOVERSION 2>/dev/null || true) # "go1.19.8"
minor=$(printf '%s' "$current" | sed -n 's/^go1\.\([0-9][0-9]*\).*/\1/p')
if [ -n "$minor" ] && [ "$minor" -ge "$minimum" ]; then
  exit 0
fi
echo "Go ${current:-(unknown)} is older than 1.$minimum: fetching $release as golang.org/toolchain from the module proxy"
module="golang.org/toolchain@v0.0.1-$release.$(go env GOOS)-$(go env GOARCH)"
cache=$(mktemp -d)
trap 'chmod -R u+w "$cache" 2>/dev/null; rm -rf "$cache"' EXIT
dir=$(cd "$cache" && GOMODCACHE="$cache/mod" GOFLAGS=-mod=mod go mod download -json "$module" |
  sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
[ -n "$dir" ] && [ -f "$dir/bin/go" ] || { echo "no toolchain in $module" >&2; exit 1; }
rm -rf "$dest"
mkdir -p "$(dirname "$dest")"
cp -r "$dir" "$dest"
# Module zips keep no file modes: the binaries are made executable, as Go's switch does.
chmod -R u+w "$dest"
chmod +x "$dest"/bin/* "$dest"/pkg/tool/*/*
"$dest/bin/go" version
