# vault — every target creates .venv itself on a fresh machine (only python3 needed).
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
UV_VERSION := 0.13.8
PYTEST_ARGS ?=
SCALE_MB ?= 200 2000
SCALE_ARGS ?=

export DAGSTER_HOME ?= $(CURDIR)/.dagster_home
export VAULT_HOME ?= $(CURDIR)/.vault_home

.DEFAULT_GOAL := help
.PHONY: help install postgres-server chromium dagster-home demo ui lint typecheck contract unit test bench-pii bench-pii-independent bench-storage bench-ingest bench-registry bench-scale bench-workers bench-events bench-anonymize bench-raw bench-audit bench-erase bench-subject-index clean

help: ## list the targets
	@grep -hE '^[a-z][a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | awk -F ':.*## ' '{printf "  %-12s %s\n", $$1, $$2}'

$(BIN)/uv:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet "uv==$(UV_VERSION)"

# --compile-bytecode: where PYTHONDONTWRITEBYTECODE is set (as on these machines) every process
# would compile Dagster & co. again: about 5 s of each worker's start (7.9 -> 2.7 s to import the
# definitions), paid once here instead (about a minute).
$(VENV)/.installed: pyproject.toml uv.lock | $(BIN)/uv
	$(BIN)/uv sync --frozen --compile-bytecode --extra dev --extra demo --extra postgres --extra dask --extra kms --extra k8s --extra lineage --python $(BIN)/python
	$(BIN)/python -c 'from vault_core.pii.gazetteer import build_cache; print("gazetteer names:", build_cache())'
	touch $@

# The tests start a real PostgreSQL server (tests/postgres_server.py): Debian's package, installed
# here when its server binaries are missing (root and apt-get needed; otherwise install it yourself).
POSTGRES_INITDB := $(firstword $(wildcard /usr/lib/postgresql/*/bin/initdb))
postgres-server:
	@if [ -z "$(POSTGRES_INITDB)" ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null; \
	  else echo "PostgreSQL server missing: install Debian's postgresql package" >&2; exit 1; fi; \
	fi

# The UI browser test drives Debian's chromium through Playwright (executable_path): nothing is
# downloaded from a browser CDN. Installed here when missing (root and apt-get needed).
CHROMIUM := $(firstword $(wildcard /usr/bin/chromium))
chromium:
	@if [ -z "$(CHROMIUM)" ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium >/dev/null; \
	  else echo "chromium missing: install Debian's chromium package" >&2; exit 1; fi; \
	fi

install: $(VENV)/.installed postgres-server chromium ## create .venv, install the locked dependencies, PostgreSQL's server and chromium

# The instance: SQLite (dagster.yaml) by default, PostgreSQL (dagster.postgres.yaml) when
# VAULT_DAGSTER_PG_URL is set. Copied on every run, so switching takes effect at once.
DAGSTER_YAML := $(if $(VAULT_DAGSTER_PG_URL),dagster.postgres.yaml,dagster.yaml)
dagster-home:
	mkdir -p $(DAGSTER_HOME)
	cp $(DAGSTER_YAML) $(DAGSTER_HOME)/dagster.yaml

demo: install dagster-home ## land synthetic data, materialize the whole graph, print a summary
	$(BIN)/vault demo

ui: install dagster-home ## start the Dagster UI (dagster dev) on the local instance
	$(BIN)/dagster dev -w workspace.yaml

lint: install ## ruff lint and format check
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: install ## mypy --strict on vault_core
	$(BIN)/mypy

contract: install ## import-linter: the layers (vault_core < vault_pipelines < vault_demo)
	$(BIN)/lint-imports

unit: install ## the test suite only
	$(BIN)/pytest $(PYTEST_ARGS)

test: lint typecheck contract unit ## lint, type checks, layer contract and the whole test suite

bench-pii: install ## PII engine: accuracy and throughput beside Presidio (benchmarks/pii_eval.py)
	$(BIN)/python benchmarks/pii_eval.py

bench-pii-independent: install ## PII engine beside Presidio on presidio-evaluator's sentences (not ours)
	$(BIN)/python benchmarks/pii_eval.py --corpus independent

bench-storage: install ## sealed storage throughput beside the raw crypto and fsync limits
	$(BIN)/python benchmarks/storage_bench.py

bench-ingest: install ## ingest and ingest_stream speed and peak memory on 50 MB generated JSONL and CSV
	$(BIN)/python benchmarks/ingest_bench.py

bench-registry: install ## registry lineage and sync beside raw Dagster instance queries
	$(BIN)/python benchmarks/registry_bench.py

bench-events: install ## events derived per second from 10,000 materializations and webhook latency p50/p99
	$(BIN)/python benchmarks/events_bench.py

bench-anonymize: install ## the anonymized stage alone on one 100 MB day (CPU s); ANON_AGAINST=<git ref>: beside that ref, output compared
	$(BIN)/python benchmarks/anonymize_bench.py $(if $(ANON_AGAINST),--against $(ANON_AGAINST)) $(ANON_ARGS)

bench-audit: install ## access decision + audit entry per 1 MiB raw object opened, beside the open itself
	$(BIN)/python benchmarks/audit_bench.py

bench-scale: install ## whole pipeline at SCALE_MB of daily landing: MB/s, peak RSS, 1% append, vs the engine
	$(BIN)/python benchmarks/scale_bench.py --scale-mb $(SCALE_MB) $(SCALE_ARGS)

bench-workers: install ## a two-day range on one process against two worker processes, patterns and full
	$(BIN)/python benchmarks/workers_bench.py

bench-erase: install ## erase one subject from N daily partitions beside a full rewrite of the dataset (ERASE_ARGS)
	$(BIN)/python benchmarks/erase_bench.py $(ERASE_ARGS)

bench-subject-index: install ## subject index rows alone on one 100 MB day (CPU s); SIDX_AGAINST=<git ref>: beside that ref, rows compared
	$(BIN)/python benchmarks/subject_index_bench.py $(if $(SIDX_AGAINST),--against $(SIDX_AGAINST)) $(SIDX_ARGS)

bench-raw: install ## the raw stage alone on one 100 MB day of bench-scale tickets: MB/s per CPU second, peak RSS
	$(BIN)/python benchmarks/raw_bench.py $(RAW_ARGS)

clean: ## remove the venv, the local instance and the demo vault
	rm -rf $(VENV) .dagster_home .vault_home .pytest_cache .mypy_cache .ruff_cache
