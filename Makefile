# Orienta's everyday commands. `make` alone lists them; `make run` and `make test` are
# the two that matter. Everything runs from the virtualenv in $(VENV), made on first use.

SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help
MAKEFLAGS += --no-print-directory

PYTHON ?= python3
VENV ?= .venv
BIN = $(VENV)/bin
STAMP = $(VENV)/.install-stamp
PYTEST_ARGS ?=
TEST_WORKERS ?= auto

# Translation catalogs: French is the source (the template, orienta.pot); each other
# language has bot/locales/<lang>/LC_MESSAGES/orienta.po. See docs/translating.md.
LOCALES = bot/locales
TEMPLATE = $(LOCALES)/orienta.pot

.PHONY: help install i18n-compile i18n-extract i18n-update i18n-status i18n-admin sms-cost migrate run chat test bench check fmt clean

help: ## list the targets
	@echo "Orienta — make targets:"
	@grep -E '^[a-z0-9-]+:.*## ' $(MAKEFILE_LIST) \
		| awk 'BEGIN { FS = ":.*## " } { printf "  %-14s %s\n", $$1, $$2 }'

install: $(STAMP) ## create the virtualenv and install Orienta with its dev tools

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# Re-installs only when pyproject.toml changes.
$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/pip install -e '.[dev]'
	touch $@

i18n-compile: $(STAMP) ## check every catalog and compile it (.po → .mo); fails on a bad catalog
	$(BIN)/orienta i18n compile

i18n-extract: $(STAMP) ## collect every M("id", "texte") into bot/locales/orienta.pot
	mkdir -p $(LOCALES)
	$(BIN)/pybabel extract -F babel.cfg -k M:1c,2 --no-default-keywords --sort-by-file \
		--project=Orienta --copyright-holder=Orienta \
		--msgid-bugs-address=traduction@orienta.invalid -o $(TEMPLATE) bot

i18n-update: i18n-extract ## extract, then merge new and changed strings into each catalog
	$(BIN)/orienta i18n update

# The admin's own catalog (domain `admin`): French source, English translation.
ADMIN_LOCALES = admin/locales
i18n-admin: $(STAMP) ## collect the admin's texts into admin/locales/admin.pot and merge them into English
	$(BIN)/pybabel extract -F admin/babel.cfg -k lazy -k gettext_ -k ngettext_:1,2 -k _ -k ngettext:1,2 \
		--no-default-keywords --sort-by-file --project=Orienta-admin --copyright-holder=Orienta \
		--msgid-bugs-address=traduction@orienta.invalid -o $(ADMIN_LOCALES)/admin.pot admin
	if [ -f $(ADMIN_LOCALES)/en/LC_MESSAGES/admin.po ]; then \
		$(BIN)/pybabel update -D admin -i $(ADMIN_LOCALES)/admin.pot -d $(ADMIN_LOCALES) -l en --no-fuzzy-matching; \
	else \
		$(BIN)/pybabel init -D admin -i $(ADMIN_LOCALES)/admin.pot -d $(ADMIN_LOCALES) -l en; \
	fi

i18n-status: $(STAMP) ## per language: translated, reviewed and voice-recorded shares
	$(BIN)/orienta i18n status

sms-cost: i18n-compile ## SMS parts of each orientation step, per language
	$(BIN)/orienta sms-cost

migrate: install i18n-compile ## create or upgrade the database schema
	$(BIN)/orienta migrate

run: install i18n-compile ## start Orienta on http://127.0.0.1:8000 (SQLite under var/, nothing to configure)
	$(BIN)/orienta migrate
	$(BIN)/orienta seed-demo
	@echo "To talk to the bot as a returnee would, in another terminal: $(BIN)/orienta chat"
	@echo "The admin for staff: http://127.0.0.1:8000/admin/ (the first time, open the set-up link printed below)"
	$(BIN)/orienta serve

chat: install i18n-compile ## talk to Orienta in the terminal, as a returnee would on a phone
	$(BIN)/orienta chat

# The suite creates and drops its own database on that server (one per test process);
# every storage test runs on SQLite and on PostgreSQL, in parallel on every core
# (TEST_WORKERS=0 runs them in this process, one after the other).
test: install i18n-compile ## run the tests (PYTEST_ARGS="-k consent" to pick some)
	ORIENTA_TEST_POSTGRES_URL=$${ORIENTA_TEST_POSTGRES_URL:-postgresql+psycopg://postgres@127.0.0.1:5432/postgres} \
		$(BIN)/pytest -n $(TEST_WORKERS) $(PYTEST_ARGS)

# Not part of `make test`: figures, not pass/fail. Needs PostgreSQL, like the tests.
# BENCH_ARGS="inbound cost" runs some sections only; ORIENTA_BENCH_RUNS=5 takes medians of 5.
BENCH_ARGS ?=
bench: install i18n-compile ## measure throughput, reply time, fan-out, scale-out, SMS cost (under 10 min)
	ORIENTA_BENCH_POSTGRES_URL=$${ORIENTA_BENCH_POSTGRES_URL:-postgresql+psycopg://postgres@127.0.0.1:5432/postgres} \
		$(BIN)/python -m bench $(BENCH_ARGS)

check: install ## lint, format check and type check
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

fmt: install ## format the code and apply safe lint fixes
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# Never removes var/: it holds the local database and the keys its phone look-ups depend on.
clean: ## remove the virtualenv, caches and compiled catalogs (keeps var/)
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache build *.egg-info
	find . -path ./.git -prune -o -type d -name __pycache__ -prune -exec rm -rf {} +
	rm -f $(LOCALES)/*/LC_MESSAGES/*.mo
