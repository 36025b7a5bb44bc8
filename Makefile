# Çınar — the two commands a fresh machine needs are `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
export DJANGO_SETTINGS_MODULE ?= config.settings.local

.PHONY: install system-packages run serve worker test test-postgres test-browser lint format bench messages clean

# The environment alone: Python packages in .venv, front-end packages from npm copied
# into static/vendor, compiled translations.
install: system-packages $(VENV)/.installed static/vendor/.installed locale/.compiled

system-packages:
	@scripts/system_packages.sh

$(VENV)/.installed: pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "Python 3.11 is required ($(PYTHON) not found)"; exit 1; }
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip wheel
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $@

static/vendor/.installed: package.json package-lock.json scripts/vendor_assets.py
	@command -v npm >/dev/null || { echo "npm is required (apt-get install nodejs npm)"; exit 1; }
	npm ci --no-audit --no-fund --loglevel=error
	$(PY) scripts/vendor_assets.py
	touch $@

locale/.compiled: $(VENV)/.installed scripts/compile_messages.py $(shell find locale -name '*.po' 2>/dev/null)
	$(PY) scripts/compile_messages.py
	mkdir -p $(@D)
	touch $@

run: install
	# The file-system broker's folders exist before seed_demo queues its first notifications.
	mkdir -p var/broker/queue var/broker/processed var/broker/control var/mail
	$(PY) manage.py migrate --no-input -v0
	$(PY) manage.py seed_demo --quiet-logins --history 3000
	PORT=$(PORT) $(PY) scripts/run.py

test: install
	$(PY) -m pytest -q -n 2

test-postgres: install
	DATABASE_URL=$${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/cinar} $(PY) -m pytest -q -n 2

test-browser: install
	$(PY) -m pytest -q -m browser tests/browser

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy cinar config
	$(VENV)/bin/lint-imports
	DATABASE_URL=sqlite:///:memory: $(PY) manage.py makemigrations --check --dry-run -v0
	$(PY) scripts/check_translations.py

format: install
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

# Extract into locale/{tr,en}; then translate every new msgid of locale/tr and drop any
# "#, fuzzy" flag after checking the text. Options kept in step with
# scripts/check_translations.py (MAKEMESSAGES_OPTIONS).
messages: install
	$(PY) manage.py makemessages -l tr -l en --ignore=.venv --ignore=node_modules --ignore='*/tests/*' --ignore=tests --ignore=bench --ignore=static/vendor --add-location=file -v0

bench: install
	$(PY) bench/run.py

clean:
	rm -rf $(VENV) node_modules static/vendor var
