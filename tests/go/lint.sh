#!/usr/bin/env bash
# The Go checks of `make lint`: every module given (a folder with a go.mod) is gofmt-clean,
# go vet-clean and staticcheck-clean (staticcheck pinned in the Makefile, in build/go-tools).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
staticcheck=$root/build/go-tools/staticcheck
status=0
for module in "$@"; do
  unformatted=$(gofmt -l "$module")
  if [ -n "$unformatted" ]; then
    echo "not gofmt-clean: $unformatted" >&2
    status=1
  fi
  (cd "$module" && go vet ./... && "$staticcheck" ./...) || status=1
done
exit $status
