# The two commands a new user runs (see README): `make check` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: install check test lint fmt system-deps

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

# The editable install leaves src/ uncompiled, and where PYTHONDONTWRITEBYTECODE is set (this project's CI
# machines) every command would compile the package again: compile it once here.
install: $(BIN)/python
	$(BIN)/python -m pip install -q -e '.[test]'
	$(BIN)/python -m compileall -q src

system-deps:
	bash scripts/ensure-system-deps.sh

# Main job: parse, reason (HermiT) and summarise the ontology and knowledge graph.
check: install system-deps
	$(BIN)/exo-onto check

# Test suite (what .ci/run runs): the linter first (the layer contract is tests/test_layers.py), then pytest.
test: install system-deps
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/python -m pytest

lint: install
	$(BIN)/ruff check src tests benchmarks

fmt: install
	$(BIN)/exo-onto fmt
