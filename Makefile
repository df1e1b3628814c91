# The everyday commands. `make run` and `make test` work on a fresh machine with only these commands:
# bin/python3.13 finds (or installs) CPython 3.13, the Lambda runtime's version; bin/poetry runs Poetry 2
# from a tool environment of its own (.tools/poetry); .venv is synced from poetry.lock.
SHELL := /bin/bash
PY := .venv/bin/python
POETRY := bin/poetry

.PHONY: run test test-fast lint sync lock admin migration openapi bench seed layers-requirements sam-build

.venv/.synced: pyproject.toml poetry.lock bin/python3.13
	@[ -x $(PY) ] && $(PY) -c 'import sys; assert sys.version_info[:2] == (3, 13)' 2>/dev/null || \
		{ rm -rf .venv && $(POETRY) env use "$$(bin/python3.13)" >/dev/null; }
	$(POETRY) sync --all-groups --compile
	@touch $@

sync: .venv/.synced

lock: ## after editing pyproject.toml: poetry lock, then the requirements files of the layer and functions
	$(POETRY) lock
	layers/export-requirements

run: sync ## the whole API on http://127.0.0.1:8000 with embedded services (PORT overrides)
	$(PY) -m local_gateway serve

test: sync lint ## every test tier, then flake8 and mypy --strict
	$(PY) -m pytest

test-fast: sync
	$(PY) -m pytest -x -q

lint: sync
	$(PY) -m flake8 shared functions local_gateway tests migrations bench
	$(PY) -m mypy

admin: sync ## make admin EMAIL=... PASSWORD=...
	ADMIN_PASSWORD="$(PASSWORD)" $(PY) -m shared.users.cli create-admin --email "$(EMAIL)"

migration: sync ## make migration NAME="add tours"
	$(PY) -m alembic revision --autogenerate -m "$(NAME)"

openapi: sync ## regenerate functions/system/openapi.json from the template and the handlers
	$(PY) -m local_gateway.openapi

seed: sync ## make seed N=100000 (tours, 10 departures each) into DATABASE_URL or the embedded database
	$(PY) -m local_gateway.seed --tours $(or $(N),10000) --departures $(or $(DEPARTURES),10)

layers-requirements: ## regenerate the requirements files (with hashes) from poetry.lock
	layers/export-requirements

sam-build: ## sam validate --lint, then sam build (SAM CLI in a tool environment of its own)
	bin/sam-build

bench: sync ## cold starts, warm invocations, metrics push cost, gateway overhead (see bench/README.md)
	$(PY) -m bench.run

# -- the web app (web/): built when its sources change, served by the gateway at / -----------------------------
.PHONY: web web-client web-test web-lock
WEB_SOURCES := $(shell find web/src web/public -type f 2>/dev/null) web/index.html web/package.json \
	web/tsconfig.json web/vite.config.ts

web/node_modules/.installed: web/package.json web/package-lock.json
	@if command -v npm >/dev/null; then cd web && npm ci --no-audit --no-fund && touch node_modules/.installed; \
	else echo "npm not found: the API runs without the web app (install Node.js 20+, then make web)" >&2; fi

web/dist/.built: web/node_modules/.installed $(WEB_SOURCES)
	@if command -v npm >/dev/null; then cd web && npm run build && touch dist/.built; fi

web: web/dist/.built ## build the web app (npm ci + vite build) when its sources changed

web-lock: ## after editing web/package.json: npm install, then drop the addresses npm writes into the lock
	cd web && npm install --no-audit --no-fund && node scripts/lock-without-urls.mjs

web-client: web/node_modules/.installed ## regenerate web/src/api/schema.d.ts from functions/system/openapi.json
	cd web && npm run client

web-test: web/dist/.built sync ## Vitest, then the Playwright journeys in Debian's Chromium against a gateway
	cd web && npm test
	$(PY) -m pytest -q tests/contract/test_web_app.py tests/e2e/test_web_journeys.py

run test: web/dist/.built
