# Two verbs on the README's first screen: `make demo` and `make test`.
# Both create or refresh .venv from pyproject.toml; only python3 and make are needed.
VENV      := .venv
BIN       := $(VENV)/bin
STAMP     := $(VENV)/.installed
DEV_STAMP := $(VENV)/.installed-dev
PYTHON3   ?= python3

.PHONY: install install-dev engines demo test check dev lint clean

# What the demo needs: the warehouse, dbt on DuckDB, Dagster, Great Expectations.
$(STAMP): pyproject.toml
	@echo "installing recontact into $(VENV) (about a minute the first time)"
	@$(PYTHON3) -m venv $(VENV)
	@$(BIN)/python -m pip install -qq --upgrade pip
	@$(BIN)/python -m pip install -qq -e .
	@touch $(STAMP)

# What the tests need besides: pytest and linters, and the Spark and PostgreSQL targets.
$(DEV_STAMP): $(STAMP)
	@echo "installing the test tools and the Spark and PostgreSQL targets into $(VENV)"
	@$(BIN)/python -m pip install -qq -e '.[dev,engines]'
	@touch $(DEV_STAMP)

install: $(STAMP)
install-dev: $(DEV_STAMP)

## demo: generate a sample export, build the marts as of today, print a summary
demo: install
	@$(BIN)/recontact demo

## engines: what the Spark and PostgreSQL targets need on the machine, from Debian packages
## when missing (CI runs as root on a fresh machine): a PostgreSQL server, a JDK for Spark,
## and headless Chromium for the compliance report's screenshot test
engines:
	@if ! command -v pg_ctl >/dev/null 2>&1 && ! ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1; then \
		echo "installing the PostgreSQL server (Debian package postgresql)"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null; \
	fi
	@if ! command -v chromium-headless-shell >/dev/null 2>&1; then \
		echo "installing headless Chromium for the report's screenshot test (Debian package chromium-headless-shell)"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium-headless-shell >/dev/null; \
	fi
	@if ! command -v java >/dev/null 2>&1; then \
		echo "installing a JDK for Spark (Debian package openjdk-17-jre-headless)"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq openjdk-17-jre-headless >/dev/null; \
	fi

## test: the whole test suite (dbt unit tests and pytest, DuckDB, Spark and PostgreSQL);
## .ci/run calls exactly this. Two pytest-xdist workers, one test file each at a time
## (a file's fixtures, e.g. the Spark and PostgreSQL builds, stay on one worker): a dbt
## build is mostly single-threaded Python, so two run side by side on two cores. The
## longest files start first (LONGEST_FIRST in tests/conftest.py).
test: install-dev engines
	$(BIN)/pytest -n 2 --dist loadfile --no-loadscope-reorder

## check: the fast tier for the inner loop: every test that needs no dbt build beyond the
## one shared sample warehouse (no Spark, no PostgreSQL); `slow` is set in tests/conftest.py
check: install-dev
	$(BIN)/pytest -m "not slow" -q

## dev: the Dagster UI on http://127.0.0.1:3000 (asset graph, checks, schedules, sensor)
dev: install-dev
	exec $(BIN)/python -m orchestration.dev

lint: install-dev
	$(BIN)/ruff check loader erasure orchestration sample_exports tests
	$(BIN)/ruff format --check loader erasure orchestration sample_exports tests
	@mkdir -p data  # sqlfluff's dbt templater opens the DuckDB file of the default target
	$(BIN)/sqlfluff lint dbt_project

clean:
	rm -rf data target logs

## bench: scale benchmark at 100k and 1M candidates (several minutes; not part of `make test`)
.PHONY: bench
bench: install-dev
	$(BIN)/python -m bench.run --sizes 100000 1000000 --out bench/results.json
