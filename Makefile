# The two set-up commands: `make run` and `make test`. Both create .venv when needed.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
export FLASK_APP := wsgi

.PHONY: run test serve install translations messages lint bench clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

install: $(STAMP)

# Compiled catalogues (.mo) are generated, never committed; compiled again only when the
# catalogue changed.
CATALOGUE := drafting/translations/es/LC_MESSAGES/messages
$(CATALOGUE).mo: $(CATALOGUE).po $(STAMP)
	@$(BIN)/pybabel compile -d drafting/translations >/dev/null

translations: $(CATALOGUE).mo

# Refresh the catalogues after changing user-visible strings.
messages: install
	$(BIN)/pybabel extract -F babel.cfg -k _l -o drafting/translations/messages.pot .
	$(BIN)/pybabel update -i drafting/translations/messages.pot -d drafting/translations

# First run: venv, install, migrations, demo (only when the database is empty), then serve;
# the address and the demo logins are printed last, once the server answers. A second run
# installs, compiles, migrates and loads nothing (the stamp, the .mo, the database are up
# to date).
run: translations
	@$(BIN)/python -m drafting.server --demo

# One server process configured by the environment only (HOST, PORT, DATABASE_URL,
# SECRET_KEY, SOCKETIO_MESSAGE_QUEUE, SOCKETIO_ASYNC_MODE); applies migrations, loads no demo.
serve: translations
	$(BIN)/python -m drafting.server

# The suite runs on every core, up to four workers (pytest-xdist), each test file whole in
# one worker and in its order (a file's tests share module fixtures such as the live server,
# and the PostgreSQL and Redis tests must not hear each other); TEST_WORKERS=0: one process.
TEST_WORKERS ?= auto --maxprocesses=4
test: translations
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadfile $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# Each prints its figures; bench/README.md holds the latest ones and the commands.
bench: install
	$(BIN)/python bench/diff.py
	$(BIN)/python bench/changes.py
	$(BIN)/python bench/export.py
	$(BIN)/python bench/page.py
	$(BIN)/python bench/importing.py
	$(BIN)/python bench/scale.py
	$(BIN)/python bench/live.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
