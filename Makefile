# Housing Credit Platform — the two set-up commands are `make run` and `make test`.
SHELL := /bin/bash
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
WORKERS ?= 3
PG_URL ?= postgres://postgres@127.0.0.1:5432/housing_credit
# Settings: manage.py and the WSGI application default to config.settings (the embedded default);
# pytest uses config.settings.test (pyproject.toml); a proxy-fronted install exports
# DJANGO_SETTINGS_MODULE=config.settings.production.

.PHONY: run test test-sqlite test-postgres lint system-deps seed-demo lock messages bench-scoring clean

# Two lock files: requirements.lock is what production runs (`make run` installs only it);
# requirements-dev.lock adds the test and development tools (`make test`, `make lint`, benchmarks).
$(BIN)/.installed: requirements.lock pyproject.toml
	@test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements.lock
	@touch $@

$(BIN)/.installed-dev: requirements-dev.lock $(BIN)/.installed
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements-dev.lock
	@touch $@

# Debian packages the platform needs: gettext (compiled translations), Pango and Noto CJK fonts
# (PDF notices and certificates), Chromium (browser tests). Installed when we are root, otherwise named exactly.
system-deps:
	@missing=""; \
	command -v msgfmt >/dev/null || missing="$$missing gettext"; \
	ldconfig -p | grep -q libpangoft2-1.0 || missing="$$missing libpango-1.0-0 libpangoft2-1.0-0"; \
	test -d /usr/share/fonts/opentype/noto || missing="$$missing fonts-noto-cjk"; \
	if [ "$(NEED_BROWSER)" = "1" ]; then \
	  test -x /usr/bin/chromium || missing="$$missing chromium"; \
	fi; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "Installing Debian packages:$$missing"; \
	    (apt-get install -y -q $$missing || (apt-get update -q && apt-get install -y -q $$missing)) >/dev/null; \
	  else \
	    echo "Missing Debian packages:$$missing — run: sudo apt-get install$$missing"; exit 1; \
	  fi; \
	fi

messages: $(BIN)/.installed system-deps
	@if find . -path ./.venv -prune -o -name '*.po' -print | grep -q .; then \
	  $(BIN)/python manage.py compilemessages --ignore=.venv -v0; fi

# Start the platform on its embedded default: SQLite in ./var (or HC_DATA_DIR), demo data on
# first start, an administrator with a printed one-time password; then three supervised processes
# (run_platform): gunicorn + WhiteNoise, the job worker and the scheduler. Ctrl-C stops all three.
run: $(BIN)/.installed messages
	$(BIN)/python manage.py bootstrap
	$(BIN)/python manage.py run_platform --bind $(HOST):$(PORT) --workers $(WORKERS)

# The whole suite on SQLite, then on PostgreSQL (PG_URL; the tests create and drop their own
# database). Without PostgreSQL the second half is skipped loudly, except in CI (CI=1).
test: $(BIN)/.installed-dev
	@$(MAKE) --no-print-directory NEED_BROWSER=1 system-deps messages
	$(BIN)/ruff check .
	$(BIN)/lint-imports  # the flow's layers (.importlinter): no app imports an app to its right
	HC_DATA_DIR=$$(mktemp -d) $(BIN)/python manage.py makemigrations --check --dry-run -v1
	@$(MAKE) --no-print-directory test-sqlite test-postgres

test-sqlite:
	HC_DATA_DIR=$$(mktemp -d) DJANGO_SETTINGS_MODULE=config.settings.test $(BIN)/pytest -q -p no:cacheprovider

test-postgres:
	@if $(BIN)/python -c "import psycopg,sys; psycopg.connect('$(PG_URL)'.rsplit('/',1)[0]+'/postgres', connect_timeout=3).close()" 2>/dev/null; then \
	  HC_DATA_DIR=$$(mktemp -d) DATABASE_URL=$(PG_URL) DJANGO_SETTINGS_MODULE=config.settings.test $(BIN)/pytest -q -p no:cacheprovider; \
	elif [ "$$CI" = "1" ]; then \
	  echo "PostgreSQL at $(PG_URL) is not reachable and CI=1: failing."; exit 1; \
	else \
	  echo; echo "!!! SKIPPED: the PostgreSQL half of the suite — nothing answers at $(PG_URL) !!!"; echo; \
	fi

lint: $(BIN)/.installed-dev
	$(BIN)/ruff check .

seed-demo: $(BIN)/.installed
	$(BIN)/python manage.py seed_demo $(ARGS)

# Both lock files from pyproject.toml: production first, then development constrained to it
# (the same versions of every package both install).
lock: $(BIN)/.installed-dev
	$(BIN)/pip-compile -q --strip-extras --allow-unsafe --no-emit-index-url \
	  --no-emit-find-links -o requirements.lock pyproject.toml
	$(BIN)/pip-compile -q --extra dev --strip-extras --allow-unsafe --no-emit-index-url \
	  --no-emit-find-links -c requirements.lock -o requirements-dev.lock pyproject.toml

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache

# The credit-check API against a bare Django JSON endpoint on the same gunicorn, loaded by wrk at
# 32 connections (issue 5); prints throughput ratio, p99, errors and the machine. Default scale
# 1,000,000 subjects on SQLite (seeded once into /tmp/hc_bench_api.sqlite3, then reused).
# BENCH_ARGS="--subjects 100000 --duration 20" or "--db-url postgres://…/hc_bench_api".
.PHONY: bench-api
bench-api: $(BIN)/.installed-dev
	@command -v wrk >/dev/null || { if [ "$$(id -u)" = 0 ]; then apt-get install -y -q wrk >/dev/null; \
	  else echo "wrk is missing — run: sudo apt-get install wrk"; exit 1; fi; }
	$(BIN)/python -m bench.bench_api $(BENCH_ARGS)

# Bulk credit check vs the same checks one by one, same run (issue 12): 1,000 subjects of a
# 20,000-subject demo county (seeded once into /tmp/hc_bench_bulk.sqlite3, then reused).
# BENCH_ARGS="--batch 500" or "--db-url postgres://…/hc_bench_bulk".
.PHONY: bench-bulk-check
bench-bulk-check: $(BIN)/.installed-dev
	$(BIN)/python -m bench.bench_bulk_check $(BENCH_ARGS)

# Scoring benchmark (issue 3 "Performance"): 1,000,000 subjects / 10,000,000 records, generated
# once and reused (SQLite ./var/bench/scoring.sqlite3, PostgreSQL database hc_bench); prints
# full re-grade vs the database's bare GROUP BY vs DuckDB, peak memory and one-subject timing.
# ARGS="--db sqlite --subjects 100000 --records 1000000" for a smaller run.
BENCH_PG_URL ?= postgres://postgres@127.0.0.1:5432/hc_bench
bench-import: $(BIN)/.installed-dev  # validated 双公示 import vs bare bulk insert; BENCH_ARGS="--rows 100000"
	$(BIN)/python -m bench.bench_import $(BENCH_ARGS)
bench-scoring: $(BIN)/.installed-dev
	BENCH_PG_URL=$(BENCH_PG_URL) $(BIN)/python -m bench.bench_scoring $(ARGS)

# Batch review (issue 12): a batch of 200 approvals vs the same approvals one by one, and the list
# exports vs bare csv/openpyxl writers, in a fresh /tmp/hc_bench_review.sqlite3 (or DATABASE_URL
# naming a database with "bench" in its name); last line RESULT {json}.
.PHONY: bench-review
bench-review: $(BIN)/.installed-dev
	$(BIN)/python -m bench.bench_review $(BENCH_ARGS)

# XK export batch (issue 12): a batch of 10,000 licences granted with credit measures vs a bare
# csv writer over one query of the same rows, seeded once into /tmp/hc_bench_xk.sqlite3 (or
# DATABASE_URL naming a database with "bench" in its name) and reused; last line RESULT {json}.
.PHONY: bench-xk-export
bench-xk-export: $(BIN)/.installed-dev
	$(BIN)/python -m bench.bench_xk_export $(BENCH_ARGS)
