# Two commands for a fresh clone: `make lab` opens the course, `make test` runs every test.
# Each creates .venv when it is missing and installs the project once (again only when
# pyproject.toml or constraints.txt change).
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
READY  := $(VENV)/.crmlab-installed
PYTEST_ARGS ?=
ROOT_FLAG := $(if $(filter 0,$(shell id -u)),--allow-root,)

.PHONY: lab test test-lowest notebooks lock bench docs clean student crmlab

$(READY): pyproject.toml constraints.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e ".[lab,test,excel,grader,word]"
	@touch $@

# The venv's bin folder goes first on PATH (exported for every recipe), so the notebook kernels
# that `make lab` starts find `crmlab`: `!crmlab ...` works inside the notebooks.
# LAB_ARGS: extra options, e.g. LAB_ARGS="--no-browser --port=8899" (the browser test uses it).
export PATH := $(abspath $(BIN)):$(PATH)

# LANG=zh opens the Chinese edition (中文版): make lab LANG=zh. Anything else: English. (LANG is
# also the locale variable: only its value "zh" picks the Chinese edition.)
LAB_FIRST := $(if $(filter zh,$(LANG)),notebooks/zh/00_getting_started.ipynb,notebooks/00_getting_started.ipynb)

lab: $(READY)
	$(BIN)/jupyter lab $(ROOT_FLAG) --ServerApp.root_dir=. \
	    --LabApp.default_url=/lab/tree/$(LAB_FIRST) $(LAB_ARGS)

test: $(READY)
	$(BIN)/python -m pytest -n 2 $(PYTEST_ARGS)

# The course as students receive it (git-ignored): chapter notebooks and labs in both editions
# (notebooks/zh, labs/zh), labs released with self-checks and no solutions, datasets, a README.
student: $(READY)
	$(BIN)/crmlab student --out student

# Run the crmlab command without activating the venv: make crmlab ARGS="datasets list"
crmlab: $(READY)
	$(BIN)/crmlab $(ARGS)

# The unit tests and docstring examples against the lowest versions pyproject.toml allows
# (constraints-lowest.txt), in a separate venv. Notebooks are left out: their stored outputs
# belong to the versions pinned in constraints.txt.
test-lowest:
	@test -x .venv-lowest/bin/python || $(PYTHON) -m venv .venv-lowest
	.venv-lowest/bin/python -m pip install --quiet --upgrade pip
	.venv-lowest/bin/python -m pip install --quiet -c constraints-lowest.txt hatchling editables
	.venv-lowest/bin/python -m pip install --quiet -c constraints-lowest.txt --no-build-isolation -e ".[test,excel,grader,word]"
	.venv-lowest/bin/python -m pytest -n 2 tests crmlab $(PYTEST_ARGS)

# Build the Chinese edition of every chapter notebook (notebooks/zh/, from the English source and
# notebooks/translations/*.zh.yaml; stops on a missing or stale translation), then re-execute
# both editions and the report notebooks (reports/) in place (after a change to crmlab, to constraints.txt or to a translation).
notebooks: $(READY)
	$(BIN)/python -m crmlab.editions build notebooks/[0-9]*.ipynb
	$(BIN)/jupyter nbconvert --to notebook --execute --inplace \
	    --ExecutePreprocessor.timeout=600 notebooks/[0-9]*.ipynb notebooks/zh/[0-9]*.ipynb \
	    reports/*.ipynb

# Refresh the pinned versions: newest releases, then re-run the notebooks so outputs match.
lock:
	rm -rf .lock-venv && $(PYTHON) -m venv .lock-venv
	.lock-venv/bin/python -m pip install --quiet --upgrade pip
	.lock-venv/bin/python -m pip install --quiet -e ".[lab,test,excel,grader,docs]"
	.lock-venv/bin/python -m pip freeze --exclude-editable | grep -v '^-e' > constraints.txt
	rm -rf .lock-venv
	$(MAKE) notebooks

bench: $(READY)
	$(BIN)/python -m pip install --quiet -c constraints.txt -e ".[bench]"
	@for b in benchmarks/bench_*.py; do echo "== $$b"; $(BIN)/python $$b || exit 1; done

# The API reference (docs/api/), built from the docstrings; any warning fails the build,
# including numpydoc's check that every public function has Parameters, Returns and an example.
docs: $(READY)
	$(BIN)/python -m pip install --quiet -c constraints.txt -e ".[docs]"
	rm -rf docs/_build
	$(BIN)/python -m sphinx -W --keep-going -q -b html docs docs/_build/html
	@echo "API reference: docs/_build/html/index.html"

clean:
	rm -rf $(VENV) .venv-lowest build dist *.egg-info docs/_build
