# Tenure — the two commands: `make demo` (set up and serve on SQLite) and `make test` (everything).
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat requirements.lock pyproject.toml | sha1sum | cut -c1-12)
PORT ?= 8000

.PHONY: demo test install system-packages lint typecheck test-sqlite test-postgres screenshots benchmarks clean

## Set up everything on SQLite (var/tenure.sqlite3), load demo data, serve on http://127.0.0.1:$(PORT)
demo: $(STAMP)
	$(BIN)/tenure migrate
	$(BIN)/tenure demo-data
	@echo "Open http://127.0.0.1:$(PORT)/ and log in with a demo login above."
	$(BIN)/tenure serve --port $(PORT)

## ruff, mypy, then the whole pytest suite on SQLite and on a real PostgreSQL server
test: $(STAMP) system-packages lint typecheck test-sqlite test-postgres

install: $(STAMP)

$(STAMP): requirements.lock pyproject.toml
	test -x $(BIN)/python || { scripts/install-system-packages --python && $(PYTHON) -m venv $(VENV); }
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps -e .
	rm -f $(VENV)/.installed-* && touch $@

system-packages:
	scripts/install-system-packages

lint: $(STAMP)
	$(BIN)/ruff check conftest.py src tests $(wildcard benchmarks)
	$(BIN)/ruff format --check conftest.py src tests $(wildcard benchmarks)

typecheck: $(STAMP)
	$(BIN)/mypy src

test-sqlite: $(STAMP)
	env -u DATABASE_URL CI=true $(BIN)/pytest -q -p no:cacheprovider

test-postgres: $(STAMP)
	CI=true scripts/with-postgres $(BIN)/pytest -q -p no:cacheprovider

## Refresh docs/screenshots/ (the browser tests take the pictures)
screenshots: $(STAMP) system-packages
	env -u DATABASE_URL TENURE_SCREENSHOTS=$(CURDIR)/docs/screenshots $(BIN)/pytest -q -p no:cacheprovider tests/browser tests/cti -k "screenshot or upload_reports"

## Benchmarks are not tests: see docs/benchmarks.md
benchmarks: $(STAMP) system-packages
	$(BIN)/python benchmarks/run.py

clean:
	rm -rf $(VENV) var/ .pytest_cache .mypy_cache .ruff_cache
