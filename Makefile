# Two entry points do all set-up on a machine with only Python 3.11 and make:
#   make serve   demo server on http://127.0.0.1:8000 (HTTP + WebSocket), embedded defaults
#   make test    the whole test suite
# Installs are skipped while the lock file is unchanged: each lock has a stamp file in
# .venv that is newer than the lock after a successful install.

PYTHON ?= python3.11
VENV ?= .venv
HOST ?= 127.0.0.1
PORT ?= 8000
# The demo runs with DEBUG on; production deployments never use `make serve`.
DEBUG ?= 1
# Seconds uvicorn lets requests in flight finish after SIGTERM/Ctrl-C before it cancels them
# (docs/operations.md#shutdown-and-the-worker; docker-compose.yml uses the same value).
GRACEFUL_SHUTDOWN ?= 25
PYTEST_ARGS ?=

BIN := $(VENV)/bin
RUNTIME_STAMP := $(VENV)/.installed-requirements.lock
DEV_STAMP := $(VENV)/.installed-requirements-dev.lock

.PHONY: help install install-dev serve migrate seed test lint schema check-schema worker bench clean

help:
	@echo "make serve        create .venv, migrate, seed demo data, serve on http://$(HOST):$(PORT)"
	@echo "make test         create .venv (with dev tools) and run the whole test suite"
	@echo "make lint         ruff check ."
	@echo "make schema       regenerate docs/schema.graphql from the live schema"
	@echo "make worker       run the background job worker"
	@echo "make bench        users query throughput: GraphQL vs hand-written SQL"
	@echo "make clean        remove .venv and the demo SQLite database"

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(RUNTIME_STAMP): requirements.lock | $(BIN)/python
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements.lock
	@touch $@

$(DEV_STAMP): requirements-dev.lock | $(BIN)/python
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements-dev.lock
	@touch $@

install: $(RUNTIME_STAMP)

install-dev: $(DEV_STAMP)

migrate: $(RUNTIME_STAMP)
	$(BIN)/python manage.py migrate --noinput

seed: migrate
	$(BIN)/python manage.py seed_demo --host $(HOST) --port $(PORT)

serve: seed
	@echo "Serving on http://$(HOST):$(PORT)  (GraphiQL: http://$(HOST):$(PORT)/graphql, Ctrl-C stops)"
	exec env DEBUG=$(DEBUG) $(BIN)/uvicorn config.asgi:application --host $(HOST) --port $(PORT) --ws-per-message-deflate false \
		--timeout-graceful-shutdown $(GRACEFUL_SHUTDOWN)

worker: $(RUNTIME_STAMP)
	$(BIN)/python manage.py run_worker

test: $(DEV_STAMP)
	$(BIN)/pytest $(PYTEST_ARGS)

lint: $(DEV_STAMP)
	$(BIN)/ruff check .

schema: $(RUNTIME_STAMP)
	$(BIN)/python manage.py export_schema

bench: $(RUNTIME_STAMP)
	$(BIN)/python bench/users_throughput.py

clean:
	rm -rf $(VENV) db.sqlite3 db.sqlite3-shm db.sqlite3-wal
