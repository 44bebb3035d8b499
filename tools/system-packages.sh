#!/usr/bin/env bash
# Installs, in one apt-get call, every Debian package the project needs that this machine lacks.
# `make` runs it once, before anything runs side by side: two apt-get runs at once fail on dpkg's
# lock ("Could not get lock /var/lib/apt/lists/lock"), which is how `make test` once failed on a
# fresh machine. Each line below is a probe (a shell test) and the packages that satisfy it.
set -euo pipefail

has() { command -v "$1" >/dev/null 2>&1; }
# grep reads all of php's output (no -q): under pipefail, php killed by SIGPIPE would read as "missing".
php_has() { has php && php -m 2>/dev/null | grep -ix "$1" >/dev/null; }

missing=()
need() {  # need "<probe>" package...
  local probe=$1; shift
  eval "$probe" || missing+=("$@")
}

need 'has curl'                      curl
need 'has openssl'                   openssl
need 'has node && has npm'           nodejs npm
need 'has chromium'                  chromium
need 'has redis-server'              redis-server
need 'has php'                       php-cli
need 'php_has curl'                  php-curl
need 'php_has mbstring'              php-mbstring
need 'php_has dom'                   php-xml
need 'php_has redis'                 php-redis
need 'has composer'                  composer
need 'has phpunit'                   phpunit
need 'has go && has gofmt'            golang-go

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
# One package can satisfy several probes (php-cli for php and its extensions' host): dedupe.
mapfile -t missing < <(printf '%s\n' "${missing[@]}" | awk '!seen[$0]++')
echo "installing Debian packages: ${missing[*]}"
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
