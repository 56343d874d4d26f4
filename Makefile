# `make run` starts Tidings with demo users; `make test` runs every test on SQLite and on PostgreSQL.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export TIDINGS_DATA_DIR ?= $(CURDIR)/var
# The PostgreSQL that tests use; Django creates and drops its own test_ database there.
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/tidings
BENCH_PG_ADMIN_URL ?= postgres://postgres@127.0.0.1:5432/postgres
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test test-sqlite test-postgres lint typecheck fmt bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/tidings migrate --no-input
	$(BIN)/tidings seed-demo
	$(BIN)/tidings serve --host $(HOST) --port $(PORT)

# The two databases' suites run side by side: most of their time is spent waiting (browsers, workers, peers), so
# together they take little longer than one; each target's output is printed whole when it ends.
test: lint typecheck
	$(MAKE) --no-print-directory -j2 --output-sync=target test-sqlite test-postgres

test-sqlite: $(STAMP)
	env -u DATABASE_URL TIDINGS_DATA_DIR=$(TIDINGS_DATA_DIR)/test-sqlite \
		$(BIN)/pytest -p no:cacheprovider -m "not postgres"

test-postgres: $(STAMP)
	TIDINGS_DATA_DIR=$(TIDINGS_DATA_DIR)/test-postgres DATABASE_URL=$(TEST_DATABASE_URL) TIDINGS_REQUIRE_POSTGRES=1 \
		$(BIN)/pytest -p no:cacheprovider

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy

bench: $(STAMP)
	BENCH_PG_ADMIN_URL=$(BENCH_PG_ADMIN_URL) $(BIN)/python bench/publish.py all
	$(BIN)/python bench/pages.py
	BENCH_PG_ADMIN_URL=$(BENCH_PG_ADMIN_URL) $(BIN)/python bench/renewal.py all

fmt: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache .hypothesis
