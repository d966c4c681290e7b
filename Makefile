# Two commands are all a new user needs: `make run`, then `make test`.
# Both build the virtual environment in .venv from requirements.txt on first use.

# Python 3.11 to build the environment with: python3.11 if present, else python3.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

# Extra options for `make lab`, for example LAB_ARGS="--allow-root --no-browser" in a container.
LAB_ARGS ?=

.PHONY: help run test unit notebooks lab execute sync clean

## help: list the targets (the default)
help:
	@sed -n 's/^## //p' Makefile

$(STAMP): requirements.txt pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))' 2>/dev/null || { \
		echo "Python 3.11 is required, but '$(PYTHON)' is not Python 3.11 (or is missing)."; \
		echo "Install Python 3.11, or run: make $(MAKECMDGOALS) PYTHON=/path/to/python3.11"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet -r requirements.txt
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $(STAMP)

## run: execute every notebook into build/notebooks, figures into build/figures
run: $(STAMP)
	$(BIN)/python scripts/run_notebooks.py

## test: unit tests of helpers, then nbval re-running every notebook
test: unit notebooks

## unit: only the unit tests of helpers/ and the environment files
unit: $(STAMP)
	$(BIN)/python -m pytest tests

## notebooks: only nbval on every notebook
notebooks: $(STAMP)
	$(BIN)/python -m pytest --nbval --nbval-current-env --nbval-sanitize-with tests/nbval_sanitize.cfg notebooks

## lab: open JupyterLab on the notebooks
lab: $(STAMP)
	$(BIN)/jupyter lab $(LAB_ARGS) notebooks

## execute: re-execute the notebooks in place, to refresh the committed outputs
execute: $(STAMP)
	$(BIN)/python scripts/run_notebooks.py --in-place

## sync: regenerate environment.yml, binder/environment.yml, the notebooks' Colab and
## versions cells and the README launch links, after a change to requirements.txt,
## pyproject.toml or the list of notebooks (the tests fail until this has run)
sync: $(STAMP)
	$(BIN)/python scripts/sync_environment.py
	$(BIN)/python scripts/sync_notebooks.py

## clean: remove build/ (executed copies and figures); .venv stays
clean:
	rm -rf build
