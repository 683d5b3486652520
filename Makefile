# Two commands do everything on a fresh machine (Python 3.11, pip, gcc):
#   make run   - create .venv, install khabar, run the main job on the bundled sample
#   make test  - create .venv, install khabar with test extras, run the test suite
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

score: setup
	$(PY) ../shared/devkit/score.py --project . --python $(PY)

clean:
	rm -rf output .pytest_cache build *.egg-info
