#!/usr/bin/env bash
# Every generated PHP file passes `php -l` and declares strict_types=1.
set -euo pipefail
status=0
count=0
while IFS= read -r -d '' file; do
  count=$((count + 1))
  if ! out=$(php -l "$file" 2>&1); then
    echo "$out"
    status=1
  fi
  if ! grep -q '^declare(strict_types=1);$' "$file"; then
    echo "$file: no declare(strict_types=1);"
    status=1
  fi
done < <(find "$@" -name '*.php' -print0)
if [ "$count" -eq 0 ]; then
  echo "no PHP files in $*"
  exit 1
fi
[ "$status" -eq 0 ] && echo "php -l and strict_types: $count files ok"
exit "$status"
