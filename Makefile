# Aduan — `make help` lists the targets.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
PY     := $(BIN)/python
MANAGE := $(PY) manage.py
HOST   ?= 127.0.0.1
PORT   ?= 8000
WEB_WORKERS ?= 3
PYTEST_ARGS ?=

.PHONY: help
help: ## Show this help
	@grep -hE '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*?## "}; {printf "  \033[36m%-14s\033[0m %s\n", $$1, $$2}'

$(BIN)/activate:
	@$(PYTHON) -m venv $(VENV) 2>/dev/null || { \
	  echo "python3 -m venv failed: installing python3-venv (needs root)"; \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq python3-venv; \
	  else sudo apt-get update -qq && sudo apt-get install -y -qq python3-venv; fi; \
	  rm -rf $(VENV); $(PYTHON) -m venv $(VENV); }

$(VENV)/.installed: $(BIN)/activate pyproject.toml requirements.lock
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -c requirements.lock -e ".[dev]"
	@touch $@

.PHONY: install
install: $(VENV)/.installed ## Create .venv and install Aduan with its development tools

.PHONY: migrate
migrate: install ## Apply database migrations (SQLite under var/ unless DATABASE_URL is set)
	$(MANAGE) migrate --no-input
	$(MANAGE) createcachetable

.PHONY: directory
directory: migrate ## Load regions, agencies and categories (idempotent)
	$(MANAGE) load_directory

.PHONY: demo
demo: directory ## Re-create the demo accounts and reports
	$(MANAGE) load_demo --reset

.PHONY: static
static: install
	$(MANAGE) collectstatic --no-input -v 0

.PHONY: run
run: directory static ## Install, migrate, load directory + demo, serve site and worker on :8000
	@$(MANAGE) load_demo --if-empty
	@echo "Aduan: http://$(HOST):$(PORT)/  (demo accounts: see README.md)"
	HOST=$(HOST) PORT=$(PORT) WEB_WORKERS=$(WEB_WORKERS) $(BIN)/honcho -f Procfile start

.PHONY: lint
lint: install ## ruff (lint + format check) and makemigrations --check
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(MANAGE) makemigrations --check --dry-run
	DJANGO_SETTINGS_MODULE=aduan.config.settings.production ADUAN_SECRET_KEY=$$(openssl rand -hex 32 2>/dev/null || echo ci-only-0123456789abcdef0123456789abcdef0123456789abcdef) \
	  DATABASE_URL=$${DATABASE_URL:-sqlite:///$(CURDIR)/var/check.sqlite3} ADUAN_ALLOWED_HOSTS=aduan.example.id \
	  $(MANAGE) check --deploy --fail-level WARNING

.PHONY: test
test: lint ## Lint, then the full test suite (on PostgreSQL when DATABASE_URL is set)
	$(BIN)/pytest $(PYTEST_ARGS)

.PHONY: fmt
fmt: install ## Format and auto-fix
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

.PHONY: bench
bench: install ## Fill PostgreSQL with N reports and time the hot queries (see bench/README.md)
	$(PY) bench/generate.py $(BENCH_ARGS)

.PHONY: clean
clean: ## Remove the virtualenv and local data
	rm -rf $(VENV) var
