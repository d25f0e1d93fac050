# The two commands of the README: `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run prod test test-browser setup lint bench clean

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

## Production-like stack on this machine: PostgreSQL, DEBUG off, gunicorn workers, static files by
## whitenoise, the background worker. TLS is the fronting web server's job (README, Production).
PROD_DB ?= postgres://postgres@127.0.0.1:5432/povertyprog
# Cookies are Secure (sent over HTTPS only) unless the operator says otherwise: for a trial over
# plain http on this machine, `SECURE_COOKIES=0 make prod`.
PROD_ENV = DEBUG=0 DATABASE_URL=$(PROD_DB) SECRET_KEY_FILE=var/secret_key SECURE_COOKIES=$${SECURE_COOKIES:-1} \
	ALLOWED_HOSTS=$${ALLOWED_HOSTS:-127.0.0.1,localhost}
WORKERS ?= 4
prod: setup
	@mkdir -p var && test -s var/secret_key || $(BIN)/python -c "import secrets; print(secrets.token_urlsafe(64))" > var/secret_key
	@psql "$(dir $(PROD_DB))postgres" -qc 'CREATE DATABASE "$(notdir $(PROD_DB))"' 2>/dev/null || true
	$(PROD_ENV) $(BIN)/python manage.py migrate --noinput
	$(PROD_ENV) $(BIN)/python manage.py collectstatic --noinput -v0
	$(PROD_ENV) $(BIN)/python manage.py load_units
	$(PROD_ENV) $(BIN)/python manage.py load_demo
	@echo "gunicorn ($(WORKERS) workers x 4 threads) + worker on http://$(HOST):$(PORT)/ (Ctrl-C stops both)"
	trap 'kill 0' EXIT; $(PROD_ENV) $(BIN)/python manage.py db_worker & \
	WORKERS=$(WORKERS) $(PROD_ENV) $(BIN)/gunicorn povertyprog.wsgi -c python:povertyprog.gunicorn_conf \
		--bind $(HOST):$(PORT) --access-logfile -

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
