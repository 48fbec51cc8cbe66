# The two set-up commands of the README: `make report` and `make test`.
# Both create .venv if it is missing and install the package with its extras.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
EXTRAS ?= test,notebooks,report,nest,neuroml,dask
STAMP := $(VENV)/.izh_brian-installed

.PHONY: install report test bench clean

$(STAMP): setup.cfg pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e ".[$(EXTRAS)]"
	touch $(STAMP)

install: $(STAMP)

report: $(STAMP)
	$(VENV)/bin/izh-brian report --out report/build

test: $(STAMP)
	$(PY) -m pytest -n 2 tests

bench: $(STAMP)
	$(PY) -m izh_brian.bench all

clean:
	rm -rf report/build .pytest_cache
