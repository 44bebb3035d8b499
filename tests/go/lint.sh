#!/usr/bin/env bash
# The Go checks of `make lint`: every module given (a folder with a go.mod) is gofmt-clean,
# go vet-clean and staticcheck-clean (staticcheck pinned in the Makefile, in build/go-tools).
# --gofmt-only: folders holding only the rendered part of a module (a golden fixture's output,
# whose static files are checked by hash), which cannot be type-checked alone.
set -euo pipefail
format_only=0
if [ "${1:-}" = "--gofmt-only" ]; then
  format_only=1
  shift
fi
root=$(cd "$(dirname "$0")/../.." && pwd)
staticcheck=$root/build/go-tools/staticcheck
status=0
for module in "$@"; do
  unformatted=$(gofmt -l "$module")
  if [ -n "$unformatted" ]; then
    echo "not gofmt-clean: $unformatted" >&2
    status=1
  fi
  if [ $format_only = 0 ]; then
    (cd "$module" && go vet ./... && "$staticcheck" ./...) || status=1
  fi
done
exit $status
