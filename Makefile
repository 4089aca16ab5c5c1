# tinhso — two commands for a fresh machine (see README.md):
#   make demo   create the environment, install, set up the SQLite demo and serve http://127.0.0.1:8000
#   make test   run the whole test suite (SQLite; set DATABASE_URL for PostgreSQL)
SHELL := /bin/bash
.DEFAULT_GOAL := help
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

help:
	@sed -n '1,4p' Makefile

# Python 3.13 (3.12 works): .python-version selects 3.13.0 under pyenv; else the first found.
$(PY):
	@set -e; for c in python3.13 python3.12 python3; do \
	  if command -v $$c >/dev/null && $$c -c 'import sys; sys.exit(sys.version_info < (3, 12))'; then \
	    echo "Tạo môi trường với $$($$c --version)"; $$c -m venv $(VENV); exit 0; fi; done; \
	  echo "Cần Python >= 3.12 / Python >= 3.12 is required" >&2; exit 1

$(STAMP): pyproject.toml | $(PY)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	@touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(VENV)/bin/tinhso demo

test: $(STAMP)
	$(PY) -m pytest -n $${TINHSO_TEST_WORKERS:-2} -q

.PHONY: help install demo test
