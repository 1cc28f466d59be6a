# arcforge: `make run` runs the main job offline; `make test` runs lint and every test.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PIP := $(BIN)/pip install --quiet --disable-pip-version-check -c constraints.txt
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: run test lint system-sandbox system-browser bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check --upgrade pip

$(VENV)/.installed: $(BIN)/python pyproject.toml constraints.txt
	$(PIP) -e .
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed
	$(PIP) -e '.[test]'
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

run: $(VENV)/.installed system-sandbox
	$(BIN)/arcforge demo

lint: $(VENV)/.installed-test
	$(BIN)/ruff check src tests benchmarks

test: $(VENV)/.installed-test system-sandbox system-browser lint
	$(BIN)/python -m pytest -q

bench: $(VENV)/.installed-test system-sandbox
	@for script in benchmarks/bench_*.py; do echo "== $$script"; $(BIN)/python $$script || exit 1; done

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
