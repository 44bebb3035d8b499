# rcsdk: `make` installs, regenerates and shows the SDK working; `make test` checks everything.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PY     := $(BIN)/python
STAMP  := $(VENV)/.installed

.DEFAULT_GOAL := all
.PHONY: all system test-deps install vendor official-js official-python generate check lint \
	test test-python demo record bench clean js-tools build-js typecheck-js test-js build-php test-php \
	go-tools test-go go-modules

all: generate build-js build-php demo

# The venv is rebuilt when pyproject.toml changes (the toolchain is pinned there).
$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $@

install: $(STAMP)

# Every Debian package the project needs (chromium for the docs page, redis-server for the store,
# php, composer and phpunit, node and npm, openssl, curl), installed by one apt-get call when any
# is missing. Everything that needs one depends on `system` (the file targets order-only, so it
# rebuilds nothing), which make runs once per invocation: no two apt-get runs ever overlap, however
# many jobs run side by side (`make -j`, `make test`'s suites; tests/test_install.py).
system:
	@bash tools/system-packages.sh
	@bash tools/go-toolchain.sh

# A Go fetched by tools/go-toolchain.sh (when the machine's is older than go.mod asks) comes first.
export PATH := $(CURDIR)/build/go-toolchain/bin:$(PATH)

# The docs page's search library (MiniSearch), pinned in templates/docs/_vendor/package-lock.json
# and copied into the page by the generator, and axe-core, which only the browser test injects
# into the page (a dev dependency, never shipped); npm comes from Debian when it is missing.
VENDOR := templates/docs/_vendor/node_modules/.package-lock.json
$(VENDOR): templates/docs/_vendor/package-lock.json | system
	npm ci --prefix templates/docs/_vendor --ignore-scripts --no-audit --no-fund --loglevel=error
	touch $@

vendor: $(VENDOR)

# generated/ from spec/, and each golden fixture's output from its own spec (tests/golden/): only
# what that spec renders is checked in; static runtime copies are in its manifest by hash.
GOLDEN := $(wildcard tests/golden/*/spec.yaml)
generate: install $(VENDOR)
	$(PY) -m generator
	@for spec in $(GOLDEN); do $(PY) -m generator -q --hash-static --spec $$spec --out $${spec%spec.yaml}generated || exit 1; done

# Fails (and prints the diff) when generated/ is not what spec/ and templates/ make.
check: install $(VENDOR)
	$(PY) -m generator --check
	@for spec in $(GOLDEN); do $(PY) -m generator --check --hash-static --spec $$spec --out $${spec%spec.yaml}generated || exit 1; done

lint: install system
	$(BIN)/ruff check generator generated/rcsdk templates tests bench
	$(BIN)/ruff format --check generator generated/rcsdk templates tests bench
	$(BIN)/mypy --strict generator generated/rcsdk tests bench
	@bash tests/php/lint.sh generated/php generated/examples/quickstart.php tests/golden/*/generated/php tests/php bench/calls_php.php
	@$(MAKE) --no-print-directory go-tools go-modules
	@bash tests/go/lint.sh generated/go generated/go/redis generated/examples/go tests/go bench/go
	@bash tests/go/lint.sh --gofmt-only tests/golden/*/generated/go

# Everything the suites need, installed one step after another (-j1) before they run side by side:
# installs never overlap (npm, pip and apt-get each keep state that two runs at once can break).
test-deps:
	@$(MAKE) --no-print-directory -j1 system install js-tools official-js official-python build-js build-php go-tools go-modules

# The suites run side by side (each language's target adds its suite to TEST_SUITES); output is
# kept per suite (-O), so each prints its own summary.
TEST_SUITES := test-python test-js test-php test-go
test: check lint
	@$(MAKE) --no-print-directory -O -j $(words $(TEST_SUITES)) $(TEST_SUITES)

# pytest on two workers (pytest-xdist): every test makes its own servers, ports and files.
test-python: test-deps
	$(PY) -m pytest -n 2

# JavaScript: Node >= 18 and npm (Debian's, when missing); TypeScript and @types/node pinned in
# tests/js/package-lock.json, installed there by `npm ci` (nothing global). The package is
# compiled (tsc --strict: the type check) from generated/js into build/js, never into generated/.
NODE_TOOLS := tests/js/node_modules/.installed
$(NODE_TOOLS): tests/js/package-lock.json | system
	cd tests/js && npm ci --no-audit --no-fund --loglevel=error
	touch $@

js-tools: $(NODE_TOOLS)

# A file target: rebuilt only when generated/js changes, so suites running side by side never
# rebuild build/js under each other.
JS_BUILD := build/js/dist/index.js
$(JS_BUILD): $(NODE_TOOLS) $(shell find generated/js generated/examples -type f 2>/dev/null)
	bash tests/js/build.sh generated/js build/js

build-js: $(JS_BUILD)

# The Node tests (node --test): behaviour, the shared case table, security and store rules.
test-js: test-deps
	PATH="$(CURDIR)/$(BIN):$$PATH" node --test --test-reporter=dot tests/js/

# PHP: Debian's php-cli with the curl, mbstring and xml extensions, composer (for the autoloader)
# and phpunit, from `system` (no other PHP registry is used). The Composer package is copied from
# generated/php into build/php, where composer writes its autoloader.

# A file target, like build/js: rebuilt only when generated/php changes.
PHP_BUILD := build/php/vendor/autoload.php
$(PHP_BUILD): $(shell find generated/php -type f 2>/dev/null) | system
	bash tests/php/build.sh generated/php build/php

build-php: $(PHP_BUILD)

# PHPUnit (tests/php/); `make lint` runs php -l and checks strict_types on every PHP file.
test-php: test-deps
	PATH="$(CURDIR)/$(BIN):$$PATH" phpunit --configuration tests/php/phpunit.xml

# Go: the toolchain (Debian's golang-go from `system` when `go` is missing) and staticcheck,
# pinned here and installed into build/go-tools (nothing global). The module generated/go has no
# dependency; tests/go uses it through a replace directive.
STATICCHECK_VERSION := v0.8.2
STATICCHECK := build/go-tools/.staticcheck-$(STATICCHECK_VERSION)
$(STATICCHECK):
	@$(MAKE) --no-print-directory system
	GOBIN=$(CURDIR)/build/go-tools go install honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION)
	touch $@

go-tools: $(STATICCHECK)

# The Go modules' dependencies: go-redis for the Redis store (generated/go/redis, a module of its
# own so that the core needs nothing outside the standard library), pinned by the go.sum files,
# downloaded here, one install after another, never by suites running side by side.
GO_MODULES := build/go-tools/.modules
$(GO_MODULES): tests/go/go.sum generated/go/redis/go.sum | system
	cd generated/go/redis && go mod download
	cd tests/go && go mod download
	mkdir -p $(dir $@) && touch $@

go-modules: $(GO_MODULES)

# The Go tests (go test in tests/go): the shared case and security tables, the store, the
# concurrency and the authorizing http.Client, against loopback servers and the local platform.
test-go: test-deps
	cd tests/go && RCSDK_PYTHON=$(CURDIR)/$(PY) go test -count=1 ./...

# RingCentral's official JavaScript SDK, pinned by its lockfile, for the flows the tests run
# against the local platform (not a dependency of any rcsdk package).
OFFICIAL_JS := tests/official-js/node_modules/.installed
$(OFFICIAL_JS): tests/official-js/package-lock.json $(NODE_TOOLS)
	cd tests/official-js && npm ci --no-audit --no-fund --loglevel=error
	touch $@

official-js: $(OFFICIAL_JS)

# RingCentral's official Python SDK, pinned, in its own venv (not a dependency of rcsdk), for
# the auth flows tests/test_official_python_sdk.py runs against the local platform.
OFFICIAL_PY := .venv-official/.installed
$(OFFICIAL_PY):
	$(PYTHON) -m venv .venv-official
	.venv-official/bin/pip install --quiet --disable-pip-version-check ringcentral==0.9.2
	touch $@

official-python: $(OFFICIAL_PY)

# The quickstart in Python, with the cURL snippets, in JavaScript, in PHP and in Go, against the
# local platform.
demo: install build-js build-php
	$(PY) -m rcsdk.testing run -- $(PY) generated/examples/quickstart.py
	$(PY) -m rcsdk.testing run -- bash generated/examples/quickstart.sh
	$(PY) -m rcsdk.testing run -- node build/examples/quickstart.mjs
	$(PY) -m rcsdk.testing run -- php generated/examples/quickstart.php
	$(PY) -m rcsdk.testing run -- go -C generated/examples/go run .

# Record the cassettes that are missing, or OP=<operation id> (OP=all: every one), against
# RC_SERVER when it and credentials are set, else locally (tests/record.py).
record: install
	OP='$(OP)' $(PY) tests/record.py

# rcsdk against raw requests and the official SDK; updates bench/results.json and README.md.
bench: test-deps
	$(PY) bench/run.py

clean:
	rm -rf build tests/js/node_modules $(VENV) .venv-official .mypy_cache .ruff_cache \
	  .pytest_cache *.egg-info generated/*.egg-info
