# The two commands of a fresh clone (README.md):
#   make book   create .venv, install the pinned dependencies, run every chapter, build the HTML
#   make test   lint, unit tests, every chapter with quick parameters, a book build, browser test
#   make lab    JupyterLab from .venv, to run a chapter cell by cell (CHAPTER=strided opens it)
# Options: make test BROWSER=0 (skip only the browser test), QUICK_DRAWS=50,
#          PYTHON=/path/to/python3.11, BOOK_JOBS=2 (chapters executed in parallel),
#          make book PDF=1 (also save every figure as PDF, vector, next to its PNG).

SHELL := /bin/bash
.DEFAULT_GOAL := help
# Stages run one after the other, even under make -j.
.NOTPARALLEL:

PYTHON ?= $(shell command -v python3.11 2>/dev/null || command -v python3 2>/dev/null)
VENV ?= .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
STAMP := $(VENV)/.installed
QUICK_DRAWS ?= 50
BENCH_ARGS ?=
# make lab: the chapter to open (a stem, e.g. strided; empty: the book/ folder) and extra
# arguments for jupyter lab (e.g. LAB_ARGS="--no-browser --port 8890").
CHAPTER ?=
LAB_ARGS ?=
LAB_CHAPTER = book/$(basename $(notdir $(CHAPTER))).ipynb
# Jupyter refuses to run as root (containers, CI) unless told so.
LAB_ROOT = $(if $(filter 0,$(shell id -u)),--allow-root)
LINT_PATHS := $(wildcard lib tests scripts benchmarks)
QUICK_OUT := _build/quick
BROWSER ?= 1
# make book PDF=1: scripts/build_book.py --pdf (figures as PDF too; PNG only by default).
PDF ?= 0
BOOK_FLAGS := $(if $(filter 1,$(PDF)),--pdf)
PIP := $(PY) -m pip --disable-pip-version-check

# $(call stage,NAME,COMMAND): run COMMAND under a heading, report its time, stop on failure.
define stage
	@printf '\n==> %s\n' "$(1)"; start=$$(date +%s); \
	if $(2); then printf '<== %s: ok (%ss)\n' "$(1)" "$$(( $$(date +%s) - start ))"; \
	else status=$$?; printf '<== %s: FAILED (exit %s)\n' "$(1)" "$$status"; exit $$status; fi
endef

.PHONY: help book test lint unit quick-book browser-test bench venv clean lab

help:
	@echo "make book    build the book (creates $(VENV), runs every chapter) -> _build/html/index.html"
	@echo "             (make book PDF=1 also saves every figure as PDF)"
	@echo "make test    ruff, unit tests, every chapter with n_draws=$(QUICK_DRAWS), book build, browser test"
	@echo "             (make test BROWSER=0 skips only the browser test)"
	@echo "make lab     JupyterLab from $(VENV) on book/ (make lab CHAPTER=strided opens that chapter)"
	@echo "make bench   run the benchmarks (benchmarks/run.py; BENCH_ARGS=--quick for a smoke test)"
	@echo "make clean   remove _build/"

venv: $(STAMP)

$(STAMP): requirements.txt pyproject.toml
	@test -n "$(PYTHON)" || { echo "error: no python3.11 found; install Python 3.11 or pass PYTHON=/path/to/python3.11"; exit 1; }
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))' || { echo "error: $(PYTHON) is not Python 3.11; pass PYTHON=/path/to/python3.11"; exit 1; }
	@test -x $(PY) || { echo "==> creating $(VENV) with $(PYTHON)"; $(PYTHON) -m venv $(VENV); }
	@echo "==> installing the pinned dependencies (requirements.txt) and randfb into $(VENV)"
	$(PIP) install --quiet -r requirements.txt
	$(PIP) install --quiet --no-deps -e .
	@touch $@

book: $(STAMP)
	$(call stage,book: every chapter with papermill then Jupyter Book,$(PY) scripts/build_book.py $(BOOK_FLAGS))

test: lint unit quick-book browser-test
	@echo; echo "make test: all stages passed"

lint: $(STAMP)
	$(call stage,lint: ruff check $(LINT_PATHS),$(BIN)/ruff check $(LINT_PATHS))

unit: $(STAMP)
	$(call stage,unit tests: pytest tests (browser test excluded),$(BIN)/pytest tests --ignore=tests/browser -q)

quick-book: $(STAMP)
	$(call stage,quick book: every chapter with -p n_draws $(QUICK_DRAWS) then Jupyter Book,$(PY) scripts/build_book.py --out $(QUICK_OUT) -p n_draws $(QUICK_DRAWS))

ifeq ($(BROWSER),0)
browser-test:
	@printf '\n==> browser test SKIPPED (BROWSER=0): the pages were not checked in Chromium\n'
else
browser-test: $(STAMP)
	$(call stage,browser test setup: Debian's chromium,bash scripts/ensure_chromium.sh)
	$(call stage,browser test: every page of $(QUICK_OUT)/_build/html in headless Chromium,RANDFB_BOOK_HTML=$(QUICK_OUT)/_build/html $(BIN)/pytest tests/browser -q)
endif

# JupyterLab of the project's environment: its kernel python3 is $(VENV)'s Python, which
# imports this checkout's randfb. Saving a chapter stores its outputs: clear them before
# committing (python scripts/clear_notebooks.py book/<name>.ipynb).
lab: $(STAMP)
	@test -z "$(CHAPTER)" || test -f "$(LAB_CHAPTER)" || { echo "error: no chapter" \
	  "$(LAB_CHAPTER); the chapters are: $(basename $(notdir $(wildcard book/*.ipynb)))"; \
	  exit 2; }
	@echo "==> JupyterLab from $(VENV) (kernel python3: $(PY)); stop it with Ctrl-C twice"
	PATH="$(abspath $(BIN)):$$PATH" JUPYTER_PREFER_ENV_PATH=1 \
	  $(BIN)/jupyter lab $(LAB_ROOT) $(LAB_ARGS) $(if $(CHAPTER),$(LAB_CHAPTER),book/)

bench: $(STAMP)
	@test -f benchmarks/run.py || { echo "error: benchmarks/run.py does not exist yet"; exit 1; }
	$(call stage,benchmarks: benchmarks/run.py $(BENCH_ARGS),$(PY) benchmarks/run.py $(BENCH_ARGS))

clean:
	rm -rf _build
