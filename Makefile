# Two verbs on the README's first screen: `make demo` and `make test`.
# Both create or refresh .venv from pyproject.toml; only python3 and make are needed.
VENV    := .venv
BIN     := $(VENV)/bin
STAMP   := $(VENV)/.installed
PYTHON3 ?= python3

.PHONY: install demo test dev lint clean

$(STAMP): pyproject.toml
	$(PYTHON3) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

## demo: generate a sample export, build the marts as of today, print a summary
demo: install
	$(BIN)/recontact demo

## test: the whole test suite (dbt unit tests and pytest); .ci/run calls exactly this
test: install
	$(BIN)/pytest

## dev: the Dagster UI on http://127.0.0.1:3000 (asset graph, checks, schedules, sensor)
dev: install
	$(BIN)/dbt parse --quiet
	PATH="$(CURDIR)/$(BIN):$$PATH" DAGSTER_HOME=$(CURDIR)/dagster_home $(BIN)/dagster dev --host 127.0.0.1 --port 3000

lint: install
	$(BIN)/ruff check orchestration tests
	$(BIN)/ruff format --check orchestration tests
	$(BIN)/sqlfluff lint dbt_project

clean:
	rm -rf data target logs

## bench: scale benchmark at 100k and 1M candidates (several minutes; not part of `make test`)
.PHONY: bench
bench: install
	$(BIN)/python -m bench.run --sizes 100000 1000000 --out bench/results.json
