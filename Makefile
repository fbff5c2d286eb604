# dynagen's two entry points (see README.md):
#   make example   build the example schema and run the tour against a local moto server
#   make test      lint, types, freshness of generated_example/, and the whole test suite
# Both create the virtual environment and install Python and node dependencies themselves.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.dynagen-installed

.PHONY: example test lint types fresh pytest bench-smoke bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

node_modules/.dynagen-installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

example: $(STAMP)
	$(BIN)/dynagen build schemas/shop.yaml -o generated_example/shop
	$(BIN)/python scripts/tour.py

# pytest runs last so that its summary is the last thing `make test` prints.
test: $(STAMP) node_modules/.dynagen-installed lint types fresh bench-smoke pytest

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

types: $(STAMP)
	MYPYPATH=generator:generated_example:scripts $(BIN)/mypy --strict generator/dynagen tests scripts benchmarks
	MYPYPATH=generated_example $(BIN)/mypy --strict -p shop

fresh: $(STAMP)
	$(BIN)/dynagen build schemas/shop.yaml -o generated_example/shop --check

pytest: $(STAMP) node_modules/.dynagen-installed
	$(BIN)/pytest -q -p no:cacheprovider

# The smoke run's tables go to a file; the terminal gets one line (or the whole log on failure).
bench-smoke: $(STAMP)
	@$(BIN)/python benchmarks/run.py --smoke > $(VENV)/bench-smoke.log 2>&1 \
		|| { cat $(VENV)/bench-smoke.log; exit 1; }
	@echo "bench-smoke: every benchmark ran ($$(tail -n 1 $(VENV)/bench-smoke.log | cut -d';' -f1)); tables in $(VENV)/bench-smoke.log"

bench: $(STAMP) node_modules/.dynagen-installed
	$(BIN)/python benchmarks/run.py

clean:
	rm -rf $(VENV) node_modules .mypy_cache .pytest_cache .ruff_cache
