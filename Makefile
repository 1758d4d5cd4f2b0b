# docintel: `make run` sets up everything that is missing and runs the main job on the
# bundled samples; `make test` does the same set-up and runs the test suite.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: run test system-deps venv bench clean

system-deps:
	@bash scripts/install-system-deps.sh

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	@touch $(STAMP)

venv: system-deps $(STAMP)

# The main job: load the sample order book, then ingest the sample scans into the archive
# under DOCINTEL_HOME (./docintel-data): extract, match, flag, and print the summary.
run: venv
	$(BIN)/docintel orders import samples/orders.csv
	$(BIN)/docintel ingest samples/

test: venv
	$(BIN)/python -m pytest

bench: venv
	$(BIN)/python benchmarks/accuracy.py --generate 60 --seed 7
	$(BIN)/python benchmarks/throughput.py

clean:
	rm -rf $(VENV) docintel-data .pytest_cache
