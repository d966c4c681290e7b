# Two commands are all a new user needs: `make run`, then `make test`.
# Both build the virtual environment in .venv from requirements.txt on first use.

PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test unit notebooks lab execute clean

$(STAMP): requirements.txt pyproject.toml
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "$(PYTHON) not found: install Python 3.11, or run make PYTHON=/path/to/python3.11"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet -r requirements.txt
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $(STAMP)

## run: execute every notebook into build/notebooks, figures into build/figures
run: $(STAMP)
	$(BIN)/python scripts/run_notebooks.py

## test: unit tests of helpers, then nbval re-running every notebook
test: unit notebooks

unit: $(STAMP)
	$(BIN)/python -m pytest tests

notebooks: $(STAMP)
	$(BIN)/python -m pytest --nbval --nbval-current-env --sanitize-with tests/nbval_sanitize.cfg notebooks

## lab: open JupyterLab on the notebooks
lab: $(STAMP)
	$(BIN)/jupyter lab notebooks

## execute: re-execute the notebooks in place, to refresh the committed outputs
execute: $(STAMP)
	$(BIN)/python scripts/run_notebooks.py --in-place

clean:
	rm -rf build
