# The README's two commands: `make run` and `make test`. Everything else here serves them.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
export CIVICSHIELD_DATA_DIR ?= $(CURDIR)/.data

.PHONY: run test lint typecheck pytest test-postgres lock clean

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "CivicShield needs Python 3.11 or newer")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip==26.3

# Installs are stamped so that a second `make run` starts at once.
$(VENV)/.base-installed: requirements/base.txt pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet --require-hashes -r requirements/base.txt
	$(BIN)/pip install --quiet --no-deps -e .
	touch $@

$(VENV)/.dev-installed: requirements/dev.txt $(VENV)/.base-installed
	$(BIN)/pip install --quiet --require-hashes -r requirements/dev.txt
	touch $@

run: $(VENV)/.base-installed
	$(BIN)/civicshield demo --if-empty
	$(BIN)/civicshield serve

lint: $(VENV)/.dev-installed
	$(BIN)/ruff check src tests benchmarks scripts conftest.py
	$(BIN)/ruff format --check src tests benchmarks scripts conftest.py

typecheck: $(VENV)/.dev-installed
	$(BIN)/mypy src

pytest: $(VENV)/.dev-installed
	CIVICSHIELD_DATA_DIR=$$(mktemp -d) $(BIN)/pytest $(PYTEST_ARGS)

test: lint typecheck pytest

# The Django apps' tests again on a real PostgreSQL (DATABASE_URL must point at it).
test-postgres: $(VENV)/.dev-installed
	CIVICSHIELD_DATA_DIR=$$(mktemp -d) $(BIN)/pytest src/civicshield/web $(PYTEST_ARGS)

lock: | $(BIN)/python
	$(BIN)/pip install --quiet pip-tools==7.6.2
	cd requirements && ../$(BIN)/pip-compile -q --generate-hashes --allow-unsafe --strip-extras --extra postgres -o base.txt ../pyproject.toml
	cd requirements && ../$(BIN)/pip-compile -q --generate-hashes --allow-unsafe --strip-extras -o dev.txt dev.in

clean:
	rm -rf $(VENV) .data .mypy_cache .pytest_cache .ruff_cache
