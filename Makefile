# Two commands set up and run everything: `make test` and `make demo`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
export MPLBACKEND ?= Agg

.PHONY: test demo docs bench figures lint clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev,viz]"
	touch $(STAMP)

test: $(STAMP)
	$(BIN)/python -m pytest -q
	$(MAKE) docs

demo: $(STAMP)
	$(BIN)/python -m tinygradconv demo

docs: $(STAMP)
	$(BIN)/python -m sphinx -W --keep-going -q -b html docs docs/_build/html

bench: $(STAMP)
	$(BIN)/python benchmarks/run.py

figures: $(STAMP)
	$(BIN)/python -m tinygradconv figures --out docs/_static

lint: $(STAMP)
	$(BIN)/python -m ruff check tinygradconv tests benchmarks examples tutorials

clean:
	rm -rf $(VENV) docs/_build docs/auto_examples docs/auto_tutorials
