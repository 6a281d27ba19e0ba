# Everything runs inside .venv, created and filled on first use. The stamp file makes the
# install idempotent: it is redone only when pyproject.toml changes.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
LOCALE := bot/locale
PO_FILES := $(wildcard $(LOCALE)/*/LC_MESSAGES/guildwork.po)
MO_FILES := $(PO_FILES:.po=.mo)

.PHONY: install run demo browser postgres test test-pg drill lint format messages compile bench bench-smoke bench-pg backup \
	clean

install: $(STAMP) $(MO_FILES)

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

# Translations: English is the source; catalogs are compiled from .po files when present.
$(LOCALE)/%/LC_MESSAGES/guildwork.mo: $(LOCALE)/%/LC_MESSAGES/guildwork.po $(STAMP)
	$(BIN)/pybabel compile --domain guildwork --input-file $< --output-file $@

messages: $(STAMP)
	$(BIN)/pybabel extract --mapping babel.cfg --keywords gettext --keywords ngettext:1,2 --keywords plural:1,2 --keywords context:1c,2 --keywords NP:1,2 --keywords N_ \
		--no-location --sort-output --output-file $(LOCALE)/guildwork.pot bot handlers scheduler
	@for po in $(PO_FILES); do \
		$(BIN)/pybabel update --domain guildwork --input-file $(LOCALE)/guildwork.pot \
			--output-file $$po --locale $$(basename $$(dirname $$(dirname $$po))) \
			--no-fuzzy-matching --ignore-obsolete --width 100; \
	done

compile: $(MO_FILES)

run: install
	$(BIN)/python -m bot

# A checked copy of the SQLite database, safe while the bot runs: make backup TO=backups/x.db
backup: install
	@test -n "$(TO)" || { echo "usage: make backup TO=<file> [FORCE=1]" >&2; exit 2; }
	$(BIN)/python -m bot backup "$(TO)" $(if $(FORCE),--force)

# Try the bot without Telegram: the fake Bot API, the bot and a web page on 127.0.0.1:8080.
demo: install
	$(BIN)/python -m tgfake.demo

# A headless browser for the demo page's test (Debian's Chromium shell), unless one is there.
browser:
	@command -v chromium-headless-shell >/dev/null || command -v chromium >/dev/null || { \
		sudo=$$([ "$$(id -u)" = 0 ] || echo sudo); \
		$$sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
		$$sudo apt-get install -y -qq --no-install-recommends chromium-headless-shell; }

test: install
	$(BIN)/python -m pytest -q

# PostgreSQL (Debian's package), unless its initdb is there: for the suite on PostgreSQL.
postgres:
	@command -v initdb >/dev/null || ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || { \
		sudo=$$([ "$$(id -u)" = 0 ] || echo sudo); \
		$$sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
		$$sudo apt-get install -y -qq --no-install-recommends postgresql; }

# The same suite on a throwaway PostgreSQL on loopback, started and removed around the run
# (tests of SQLite's own machinery open their SQLite files as before).
test-pg: install postgres
	$(BIN)/python -m tgfake.pgserver -- $(BIN)/python -m pytest -q

# The long drills: replay, the whole authorization matrix, fuzzing, faults, crashes (CI too).
drill: install postgres
	$(BIN)/python -m pytest -q -m drill

# ruff, then the type check of the bot's own packages (mypy reads its settings from pyproject).
lint: install
	$(BIN)/ruff check .
	$(BIN)/mypy

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

bench: install
	$(BIN)/python -m bench

bench-smoke: install
	$(BIN)/python -m bench --smoke

# Case 13: the bot on PostgreSQL against SQLite (a throwaway server on loopback).
bench-pg: install postgres
	$(BIN)/python -m bench --cases 13

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache *.egg-info
