# Two commands do everything on a fresh clone:
#   make render   render, validate and police every release (no cluster needed)
#   make test     set-up, lint, schema and docs checks and the test suite
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
CHARTKIT := $(BIN)/chartkit
PYTEST_WORKERS ?= 2
export PATH := $(CURDIR)/.tools/bin:$(CURDIR)/$(BIN):$(PATH)

.PHONY: help setup tools bytecode render lint docs test smoke bench clean

# `make` or `make help` lists every target with the text after its `##`.
help: ## list the targets
	@awk 'BEGIN { FS = ":[^#]*## " } /^[a-z]+:.*## / { printf "make %-7s %s\n", $$1, $$2 }' $(firstword $(MAKEFILE_LIST))

# --- set-up: each step does nothing when already done ----------------------------------
$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --silent --no-audit --no-fund
	touch $@

tools: ## fetch the pinned helm versions and kubectl into .tools/ (ci/tools.json)
	@$(PYTHON) scripts/install-tools

# chartkit's own bytecode, so a run does not compile its modules again: an editable install
# writes none, and Python writes none either where PYTHONDONTWRITEBYTECODE is set.
bytecode: $(VENV)/.installed ## compile chartkit's modules once (an editable install writes no bytecode)
	@$(BIN)/python -m compileall -q src >/dev/null

setup: $(VENV)/.installed node_modules/.installed tools bytecode ## .venv/ (chartkit and its test tools), node_modules/ and tools

# --- the main job -------------------------------------------------------------------------
# Bare and every overlay of values/env (dev, prod) in one run: helm renders them in parallel.
render: $(VENV)/.installed tools bytecode ## render every release to build/manifests/ and validate it (bare, dev, prod)
	$(CHARTKIT) render --all-overlays

# --- checks -------------------------------------------------------------------------------
lint: setup ## ruff, vulture, helm lint --strict, schema and README staleness checks
	$(BIN)/ruff check src tests scripts/install-tools scripts/bench
	$(BIN)/ruff format --check src tests scripts/install-tools scripts/bench
	$(BIN)/vulture src ci/vulture_allowlist.py --min-confidence 60
	$(CHARTKIT) lint
	$(CHARTKIT) schema --check
	$(CHARTKIT) docs --check

docs: setup ## assemble values.schema.json files, regenerate chart READMEs from ## @param comments
	$(CHARTKIT) schema
	$(CHARTKIT) docs

test: lint ## lint, then the test suite (pytest, PYTEST_WORKERS=2)
	$(BIN)/pytest -n $(PYTEST_WORKERS) -m "not smoke"

# Smoke options (SMOKE_ARGS): --kube-context=<ctx> --kube-version=1.30 --keep-cluster
# --smoke-releases=a,b --smoke-parallel=4 --namespace-prefix=smoke- --rwx-storage-class=<c>
# --upgrade-from=origin/main (changed charts' releases installed from the base chart first)
smoke: setup ## install every release into a cluster (KUBECONFIG, or kind; SMOKE_ARGS=...)
	$(BIN)/pytest tests/smoke -m smoke -p no:xdist -v $(SMOKE_ARGS)

# Benchmark, not a test: chartkit render against bare sequential helm template, in one run.
bench: setup ## time chartkit against bare helm template, interleaved (BENCH_ARGS=--rounds 5)
	$(BIN)/python scripts/bench $(BENCH_ARGS)

clean: ## remove build/, .pytest_cache/ and chartkit's cache (.cache/)
	rm -rf build .pytest_cache .cache
