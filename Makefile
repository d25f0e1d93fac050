# The two commands of the README: `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test test-browser setup lint bench clean

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	touch $@

setup: $(BIN)/.installed

## Run the app with demo data on the embedded SQLite database (var/db.sqlite3).
run: setup
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py load_units
	$(BIN)/python manage.py load_demo
	@echo "Worker for background imports + web server on http://$(HOST):$(PORT)/ (Ctrl-C stops both)"
	trap 'kill 0' EXIT; $(BIN)/python manage.py db_worker --no-startup-delay & \
	$(BIN)/python manage.py runserver $(HOST):$(PORT)

## Run the whole test suite (SQLite by default; set DATABASE_URL for PostgreSQL).
test: setup
	$(BIN)/python -m pytest $(PYTEST_ARGS)

## Only the browser journeys, failing (not skipping) when Chromium is missing.
test-browser: setup
	REQUIRE_BROWSER=1 $(BIN)/python -m pytest -m browser $(PYTEST_ARGS)

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python manage.py makemigrations --check --dry-run

bench: setup
	$(BIN)/python bench/load_units.py

clean:
	rm -rf $(VENV) var test-artifacts .pytest_cache
