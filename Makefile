# The two commands of the README: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# A scratch database for `flask db check` (models and migrations agree).
SCHEMA_DB := $(CURDIR)/instance/schema-check.db

.PHONY: run test check bench bench-layers bench-appeals bench-faults

$(STAMP): requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $(STAMP)

## Set up, migrate, seed the demo and serve on http://127.0.0.1:5000 (embedded defaults).
run: $(STAMP)
	$(BIN)/flask --app wsgi db upgrade
	$(BIN)/flask --app wsgi seed-demo
	$(BIN)/flask --app wsgi run --host 127.0.0.1 --port 5000

## Set up and run the whole test suite (lint, types, import contract, schema, then the tests).
test: $(STAMP) check
	$(BIN)/pytest

## The static checks: ruff, mypy, the import contract, and models agreeing with migrations.
check: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports --no-cache
	rm -f $(SCHEMA_DB)
	DATABASE_URL=sqlite:///$(SCHEMA_DB) $(BIN)/flask --app wsgi db upgrade
	DATABASE_URL=sqlite:///$(SCHEMA_DB) $(BIN)/flask --app wsgi db check
	rm -f $(SCHEMA_DB)

## Load benchmark against PostgreSQL, Redis, gunicorn and a worker (see the README).
bench: $(STAMP)
	$(BIN)/python bench/signing.py

## What the libraries under signing cost by themselves, beside Chorus (see bench/layers.py).
bench-layers: $(STAMP)
	$(BIN)/python bench/layers.py

## An appeal to 100,000 contacts beside plain smtplib to the same sink (see bench/appeals.py).
bench-appeals: $(STAMP)
	$(BIN)/python bench/appeals.py

## The same deployment on its own PostgreSQL and Redis while they fail (see bench/faults.py).
bench-faults: $(STAMP)
	$(BIN)/python bench/faults.py
