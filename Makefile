# Two commands set up and run everything: `make test` and `make demo`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
DEMO_STAMP := $(VENV)/.demo-stamp
export MPLBACKEND ?= Agg

.PHONY: test demo docs docs-check notebooks bench gpu-wheels gpu-check figures lint clean

# Everything: the package with its test, docs and plotting tools, and h5py for the .keras file tests.
$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev,docs,viz,keras-format]"
	touch $(STAMP) $(DEMO_STAMP)

# Only what the demo and the tutorials need: the package, its plotting extra (matplotlib, Pillow), and the exercises'
# extra (array-api-strict, with which the checkers tell portable code from NumPy-only code).
$(DEMO_STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[viz,exercises]"
	touch $(DEMO_STAMP)

test: $(STAMP)
	$(BIN)/python -m pytest -q
	$(MAKE) docs-check

# Trains the toy upsampler; writes ./tinygradconv-demo/ (upsampler.weights.npz, training_curve.png, predictions.png).
demo: $(DEMO_STAMP)
	$(BIN)/python -m tinygradconv demo

# A fresh build folder each time, so that pages of deleted or moved sources cannot linger (docs-check reads it all).
docs: $(STAMP)
	rm -rf docs/_build/html
	$(BIN)/python -m sphinx -W --keep-going -q -b html docs docs/_build/html

# The built site in headless Chromium: every maths typeset, every image loaded, every internal link resolved.
docs-check: docs
	$(BIN)/python docs/_ext/docs_check.py docs/_build/html

# The tutorials as Jupyter notebooks, in notebooks/ (git-ignored), from their one source in tutorials/.
notebooks: $(STAMP)
	mkdir -p notebooks
	for f in tutorials/[0-9][0-9]_*.py; do \
	  $(BIN)/python -m jupytext --quiet --to ipynb --set-kernel python3 -o notebooks/$$(basename $$f .py).ipynb $$f \
	  || exit 1; done

# Writes docs/performance/<cpu-kind>.md and .json for this machine's kind, and the index docs/performance.md.
bench: $(STAMP)
	$(BIN)/python benchmarks/run.py

# Wheels for a GPU machine without network (Python 3.12, CuPy, PyTorch, pytest and hypothesis already there): this
# package and its pure-Python dependencies, into the git-ignored .whl/; benchmarks/gpu_check.sh installs them from
# there. Not hypothesis: the GPU image has it, and its wheels are now built per Python version (6.170 ships cp312
# wheels only for 3.12), so a carried one would not install on the CPU machine where `make gpu-check` is tried first.
WHEELS := .whl
GPU_WHEEL_DEPS := array-api-compat array-api-strict threadpoolctl tqdm
gpu-wheels:
	rm -rf $(WHEELS) && mkdir -p $(WHEELS)
	$(PYTHON) -m pip download --quiet --no-deps --only-binary=:all: --python-version 3.12 --implementation cp \
	    --platform manylinux_2_28_x86_64 --platform manylinux_2_17_x86_64 --platform manylinux2014_x86_64 \
	    -d $(WHEELS) $(GPU_WHEEL_DEPS)
	$(PYTHON) -m pip wheel --quiet --no-deps -w $(WHEELS) .
	ls $(WHEELS)

# The GPU check (CuPy tests + GPU benchmark); on a machine without a GPU it says what it skips and exits 0.
gpu-check:
	PYTHON=$(PYTHON) benchmarks/gpu_check.sh

figures: $(STAMP)
	$(BIN)/python -m tinygradconv figures --out docs/_static

lint: $(STAMP)
	$(BIN)/python -m ruff check tinygradconv tests benchmarks examples tutorials

clean:
	rm -rf $(VENV) $(WHEELS) docs/_build docs/auto_examples docs/auto_tutorials docs/tutorials notebooks
