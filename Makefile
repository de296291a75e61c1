# igb: replication of RIVM report 270161002 (2010). `make` lists the targets.
# Every step is a file target: a second `make all` does nothing when no input changed.

.DEFAULT_GOAL := help
SHELL := /bin/bash
.DELETE_ON_ERROR:

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
WAVE   ?= rivm2009
RAW     = $(firstword $(wildcard data/raw/$(WAVE)/responses.csv data/raw/$(WAVE)/responses.xlsx data/raw/$(WAVE)/responses.sav))
SRC    := $(shell find src -name '*.py' 2>/dev/null)
PARAMS := params/codebook.yaml params/recode.yaml $(wildcard params/waves/$(WAVE).yaml)
OUT    := data/processed/$(WAVE)

# Notebooks of the wave (igb knows which: 05_replication is for rivm2009 only; 07_compare_waves needs two waves
# and is rendered by `igb compare`) and the municipality reports, rendered together by one `igb run`, which
# skips every notebook and report whose inputs did not change. The stamp tells make that all of them are done.
RENDERED  := reports/$(WAVE)/.rendered
MAKEFLAGS += --jobs=2

# Python keeps each module's compiled bytecode (__pycache__) and reuses it. PYTHONDONTWRITEBYTECODE, set in some
# environments (this machine's among them), would make every process compile its ≈2,000 modules again, ≈5 s of
# CPU each for the kernels, workers, prepare and audit: a run took ~35 s of CPU more.
unexport PYTHONDONTWRITEBYTECODE

.PHONY: help setup all test clean reconstruction ensemble bench reports lab axe

help: ## Show this list of targets (the default)
	@grep -hE '^[a-zA-Z_.%/-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/' | awk -F'\t' '{printf "  %-14s %s\n", $$1, $$2}'
	@echo "  Variables: WAVE=$(WAVE) (the wave to run), PYTHON=$(PYTHON) (used to create $(VENV)), INSTALLER=$(INSTALLER) (uv or pip)"

setup: $(STAMP) ## Create .venv and install igb with pinned dependencies (if missing)

# uv installs the same pinned wheels several times faster than pip; pip (into the new .venv, with the lock as
# constraints) installs uv first, and is the fallback when uv cannot be had or fails (INSTALLER=pip: pip only).
INSTALLER ?= uv
$(STAMP): pyproject.toml requirements.lock
	$(PYTHON) -m venv $(VENV)
	@if [ "$(INSTALLER)" = uv ] && \
	    $(BIN)/python -m pip install --quiet --disable-pip-version-check -c requirements.lock uv >/dev/null 2>&1 && \
	    $(BIN)/uv pip install --quiet --python $(BIN)/python -c requirements.lock -e '.[dev]'; then \
	  echo "set up $(VENV) with uv"; \
	else \
	  [ "$(INSTALLER)" != uv ] || echo "note: uv could not be used; setting up $(VENV) with pip (slower)"; \
	  $(BIN)/python -m pip install --quiet --disable-pip-version-check -c requirements.lock -e '.[dev]'; \
	fi
	@$(BIN)/python -c '$(COMPILE_AHEAD)' || echo "note: modules not compiled ahead; the first run compiles them"
	touch $@

# uv writes no bytecode (`--compile-bytecode` compiles all of site-packages: ≈17 s more here), so each process
# compiled what it imported, again and again where PYTHONDONTWRITEBYTECODE is set. This imports what a run
# imports, once, and so compiles just that: a kernel warmed up as a worker warms it (the analysis stack) and, at
# the same time, a worker's papermill and nbconvert, prepare and audit.
COMPILE_AHEAD := import igb.cli, igb.pipeline, igb.rivm2009.audit, igb.survey.schema, igb.survey.recode; \
  from igb.report import kernels; kernels.compile_ahead("$(CURDIR)")

PUBLISHED := $(wildcard data/published/*.csv)

all: $(RENDERED) ## Set up if missing and run the full replication of WAVE (default rivm2009)
	@echo "reports of wave $(WAVE): reports/$(WAVE)/ (HTML without code; with-code/ for students; municipalities/ for advisers)"

reports: $(OUT)/respondents.parquet | $(STAMP) ## Render one report per municipality of WAVE (only those whose inputs changed)
	$(BIN)/igb reports --wave $(WAVE) --jobs 2

# One `igb run` prepares the wave (for rivm2009 with the audit of the published tables) while its two workers
# start their kernels, then renders what changed: the second core is busy from the first second.
$(RENDERED): $(RAW) $(PARAMS) $(PUBLISHED) $(wildcard notebooks/*.ipynb notebooks/templates/*.ipynb) $(SRC) $(wildcard params/*.yaml params/waves/*.yaml) | $(STAMP)
	$(BIN)/igb run --wave $(WAVE) --jobs 2
	touch $@

$(OUT)/respondents.parquet: $(RAW) $(PARAMS) $(SRC) | $(STAMP)
	$(BIN)/igb prepare --wave $(WAVE)

reconstruction: $(STAMP) ## Regenerate the committed SYNTHETIC wave data/raw/rivm2009 from data/published (seed 2009)
	$(BIN)/igb reconstruct --seed 2009 --out data/raw/rivm2009 --overwrite

ensemble: data/processed/rivm2009/ensemble/pinned.csv ## 100 reconstructions: what the published tables pin down

data/processed/rivm2009/ensemble/pinned.csv: $(PUBLISHED) $(SRC) | $(STAMP)
	$(BIN)/igb reconstruct --draws 100 --jobs 2

bench: $(STAMP) ## Run the benchmarks in benchmarks/ (ratios against a baseline measured in the same run)
	$(BIN)/python benchmarks/run.py

lab: $(STAMP) ## Open JupyterLab on notebooks/ with the project's kernel (read 01_response first)
	$(BIN)/jupyter lab --ServerApp.root_dir=notebooks

AXE := .ci/axe/node_modules/axe-core/axe.min.js

axe: $(AXE) ## Install axe-core (pinned in .ci/axe/package-lock.json) for the browser test

# npm ci installs exactly the lock's version; without npm (or the registry) the browser test skips and says why
$(AXE): .ci/axe/package.json .ci/axe/package-lock.json
	@if command -v npm >/dev/null 2>&1 && npm ci --prefix .ci/axe --no-audit --no-fund --silent; then touch $@; \
	else echo "note: axe-core could not be installed (npm); the browser test's accessibility check will be skipped"; fi

test: $(STAMP) ## Set up if missing (and axe-core, if npm is there) and run the tests
	@$(MAKE) --no-print-directory axe || true
	$(BIN)/python -m pytest

clean: ## Remove build products (data/processed, reports); keeps .venv and raw data
	rm -rf data/processed/*/ reports/
