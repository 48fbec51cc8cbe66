# The two set-up commands of the README: `make lab` (students) and `make test`; `make report` for writers.
# Both create .venv if it is missing and install the package with its extras.
#
# Python: the newest of 3.13, 3.12, 3.11 found on PATH or managed by pyenv, unless PYTHON=... is given
# (brian2 2.11 needs 3.13, 2.10.1 serves 3.12, 2.9.0 is the newest for 3.11).
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.izh_brian-installed

PYTHON ?= $(shell sh tools/find-python)

# nest-simulator publishes Linux wheels only: the nest extra installs nothing elsewhere (a marker in setup.cfg).
EXTRAS ?= test,notebooks,report,nest,neuroml,dask,course

.PHONY: install report test test-core lab lessons bench bench-neuroml bench-grade clean which-python

which-python:
	@echo "izh_brian: using $(PYTHON) ($$($(PYTHON) --version 2>&1)); override with PYTHON=..."

$(STAMP): setup.cfg pyproject.toml
	@echo "izh_brian: creating $(VENV) with $(PYTHON) ($$($(PYTHON) --version 2>&1)); override with PYTHON=..."
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e ".[$(EXTRAS)]"
	touch $(STAMP)

install: $(STAMP)

# `python -m izh_brian.cli` rather than the izh-brian script: Brian2's cache key includes sys.executable, so
# the report then shares its compiled code with the tests.
report: $(STAMP)
	$(PY) -m izh_brian.cli report --out report/build

# The whole suite, in steps that print their time: ruff, the docstrings' examples, the tests in tests/, the
# NeuroML/LEMS engine's tests (the `lems` marker) as a step of their own, and every lesson and
# solution under nbval (--dist loadfile keeps each notebook's cells in one kernel). The 25 slowest tests of
# each step are listed at its end.
test: $(STAMP)
	@echo "== ruff"; $(PY) -m ruff check izh_brian tests benchmarks
	@echo "== doctests"; $(PY) -m pytest -q -n 2 --doctest-modules izh_brian
	@echo "== tests/ (all but the NeuroML/LEMS engine's)"; s=$$(date +%s); rc=0; \
	  $(PY) -m pytest -n 2 --dist loadfile --durations=25 -m "not lems" tests || rc=$$?; \
	  echo "== tests/ took $$(( $$(date +%s) - s )) s"; exit $$rc
	@echo "== tests/ of the NeuroML/LEMS engine (-m lems)"; s=$$(date +%s); rc=0; \
	  $(PY) -m pytest -n 2 --dist loadfile --durations=25 -m lems tests || rc=$$?; \
	  echo "== lems tests took $$(( $$(date +%s) - s )) s"; exit $$rc
	@echo "== lessons (nbval)"; s=$$(date +%s); rc=0; $(PY) -m pytest -n 2 --dist loadfile --nbval-lax --durations=25 notebooks || rc=$$?; \
	  echo "== lessons took $$(( $$(date +%s) - s )) s"; exit $$rc

# The older stack in CI: the 28 protocols to the step, the command line, and one run of every command and
# public function (tests/test_smoke.py).
test-core: $(STAMP)
	$(PY) -m pytest -n 2 --durations=25 tests/test_core.py tests/test_cli.py tests/test_smoke.py

# Regenerates notebooks/ (the students' lessons) and notebooks/solutions/ from the one source of each lesson,
# izh_brian/course/lessons/NN_name.ipynb (nbgrader's format); edit the sources, never the generated notebooks.
lessons: $(STAMP)
	$(PY) -m izh_brian.course.lessons

# The students' command: installs (once) and opens lesson 00 in JupyterLab, the lessons beside it.
# --allow-root only as root (containers, cloud machines), where JupyterLab refuses to start without it.
lab: $(STAMP)
	cd notebooks && $(abspath $(VENV))/bin/jupyter lab 00_write_the_model.ipynb $$( [ "$$(id -u)" = 0 ] && echo --allow-root )

# The report shows report/build/bench_results.json when present (else a quick measurement, and says so).
bench: $(STAMP)
	mkdir -p report/build
	$(PY) -m benchmarks.bench all --save report/build/bench_results.json

# jNeuroML against izh_brian on a 1000-cell NeuroML network over 1 s: jNeuroML alone takes tens of minutes.
bench-neuroml: $(STAMP)
	mkdir -p report/build
	$(PY) -m benchmarks.bench neuroml --save report/build/bench_results.json

# izh-brian grade on 30 lesson-00 notebooks and 200 spike files, and check in process (issue goals: 10 min, 30 s,
# 20 ms), each against a baseline measured in the same run; a few minutes on 2 cores.
bench-grade: $(STAMP)
	mkdir -p report/build
	$(PY) -m benchmarks.bench grade --save report/build/bench_grade.json

clean:
	rm -rf report/build .pytest_cache
