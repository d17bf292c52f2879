# Aduan — `make help` lists the targets. Set-up on a fresh Debian/Ubuntu: `make run`.
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
# pytest-xdist: one process per core, at most 4 (each gets its own test database).
# On the 2-core CI machine this takes the suite from 66 s to 45 s on PostgreSQL and from
# 52 s to 29 s on SQLite. PYTEST_WORKERS=0 runs in one process.
PYTEST_WORKERS ?= auto
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: help
help: ## Show this help
	@echo "Aduan — targets (variables: PORT=$(PORT) HOST=$(HOST) WEB_WORKERS=$(WEB_WORKERS) DATABASE_URL PYTEST_WORKERS=$(PYTEST_WORKERS) PYTEST_ARGS):"
	@grep -hE '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*?## "}; {printf "  \033[36m%-12s\033[0m %s\n", $$1, $$2}'

# A venv with pip in it. Debian/Ubuntu ship `venv` without `ensurepip` unless python3-venv
# is installed: install it (as root, or through sudo) and try again.
$(BIN)/pip:
	@$(PYTHON) -m venv $(VENV) >/dev/null 2>&1 && [ -x $(BIN)/pip ] || { \
	  echo "$(PYTHON) -m venv failed: installing python3-venv"; \
	  SUDO=; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
	  $$SUDO apt-get update -qq && $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv; \
	  rm -rf $(VENV); $(PYTHON) -m venv $(VENV); }

# Pinned: requirements.lock holds the exact versions every developer and CI install.
$(VENV)/.installed: $(BIN)/pip pyproject.toml requirements.lock
	$(BIN)/pip install -q -c requirements.lock -e ".[dev]"
	@touch $@

.PHONY: install
install: $(VENV)/.installed ## Create .venv and install Aduan with its development tools (pinned)

.PHONY: lock
lock: install ## Re-pin requirements.lock from the current .venv after changing dependencies
	$(BIN)/pip freeze --exclude-editable | grep -v '^-e ' > requirements.lock

.PHONY: migrate
migrate: install ## Apply migrations (SQLite under var/ unless DATABASE_URL is set)
	$(MANAGE) migrate --no-input -v 0
	$(MANAGE) createcachetable

.PHONY: directory
directory: migrate ## Load regions, agencies, categories and priority programmes (idempotent)
	$(MANAGE) load_directory
	$(MANAGE) load_programmes

.PHONY: demo
demo: directory ## Re-create the demo accounts and reports from scratch
	$(MANAGE) load_demo --reset

.PHONY: static
static: install ## Collect static files (served by the app through whitenoise)
	$(MANAGE) collectstatic --no-input -v 0

# The .mo files are committed, so gettext is optional: with msgfmt, compile the catalogues
# whose .po is newer than its .mo; without it, use the committed .mo files.
.PHONY: messages
messages: install ## Compile translations whose .po changed (uses gettext's msgfmt when present)
	@stale=$$(find src -name '*.po' -path '*/locale/*' | while read -r po; do \
	  [ "$${po%.po}.mo" -nt "$$po" ] || echo "$$po"; done); \
	if [ -z "$$stale" ]; then echo "translations: up to date"; \
	elif command -v msgfmt >/dev/null; then $(MANAGE) compilemessages -v 0 --ignore '.venv*'; \
	else echo "translations: msgfmt not installed, using the committed .mo files"; fi

.PHONY: run
run: directory static messages ## Install, migrate, load directory + demo, serve site, worker and scheduler on 127.0.0.1:8000 (HOST, PORT), restarted if they die
	$(MANAGE) load_demo --if-empty
	@echo "Aduan: http://$(HOST):$(PORT)/  (demo accounts: README.md; stop with Ctrl-C)"
	HOST=$(HOST) PORT=$(PORT) WEB_WORKERS=$(WEB_WORKERS) $(BIN)/supervisord --nodaemon -c deploy/supervisord.conf

# The browser journeys (tests/test_journeys.py) inject axe-core into every page they visit;
# without it they are skipped (a failure under ADUAN_REQUIRE_ALL=1). Pinned; var/ is not
# in git.
AXE_VERSION := 4.10.3
.PHONY: axe
axe: ## Install axe-core (npm registry) under var/axe/ for the browser journeys' accessibility check
	@[ -f var/axe/node_modules/axe-core/axe.min.js ] && grep -q '"version": "$(AXE_VERSION)"' var/axe/node_modules/axe-core/package.json \
	  || npm install --no-audit --no-fund --silent --prefix var/axe axe-core@$(AXE_VERSION)

.PHONY: lint
lint: install ## ruff lint + format check, makemigrations --check, check --deploy (production)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(MANAGE) makemigrations --check --dry-run
	@echo "manage.py check --deploy on aduan.config.settings.production"
	@DJANGO_SETTINGS_MODULE=aduan.config.settings.production \
	  ADUAN_SECRET_KEY=$$($(PY) -c 'import secrets; print(secrets.token_urlsafe(50))') \
	  DATABASE_URL=$${DATABASE_URL:-postgres://aduan@127.0.0.1:5432/aduan} \
	  ADUAN_ALLOWED_HOSTS=aduan.example.id \
	  ADUAN_AUDIT_KEYS=lint:$$($(PY) -c 'import base64, secrets; print(base64.b64encode(secrets.token_bytes(32)).decode())') \
	  $(MANAGE) check --deploy --fail-level WARNING

.PHONY: test
test: lint ## Lint, then the full test suite (on PostgreSQL when DATABASE_URL is set)
	$(BIN)/pytest -n $(PYTEST_WORKERS) --maxprocesses=4 $(PYTEST_ARGS)

.PHONY: fmt
fmt: install ## Format and auto-fix
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# Not part of `make test`: minutes of load on PostgreSQL and Redis (bench/README.md).
.PHONY: bench
bench: install ## Load test: fill (or reuse) the bench database, serve, drive with wrk beside the peers; BENCH_ARGS
	$(PY) bench/run.py $(BENCH_ARGS)

.PHONY: clean
clean: ## Remove the virtualenv and local data (the SQLite database, uploads, secret key)
	rm -rf $(VENV) var
