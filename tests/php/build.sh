#!/usr/bin/env bash
# Copy the generated Composer package (generated/php) to a build folder and let Composer write
# its autoloader there (from the package's own composer.json), never into generated/.
set -euo pipefail
src=${1:?usage: build.sh SOURCE DEST}
dest=${2:?usage: build.sh SOURCE DEST}
rm -rf "$dest"
mkdir -p "$(dirname "$dest")"
cp -r "$src" "$dest"
COMPOSER_ALLOW_SUPERUSER=1 COMPOSER_DISABLE_NETWORK=1 composer dump-autoload \
  --working-dir="$dest" --no-interaction --quiet --classmap-authoritative
