# Two entry points: `make lab` and `make test`. Both set up everything they need.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip
TEST_STAMP := $(VENV)/.installed-test
LAB_STAMP := $(VENV)/.installed-lab

.PHONY: lab test venv bench clean

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PIP) install -q --upgrade pip

$(TEST_STAMP): $(PY) pyproject.toml
	$(PIP) install -q -e '.[test]'
	touch $@

$(LAB_STAMP): $(TEST_STAMP)
	$(PIP) install -q -e '.[test,lab]'
	touch $@

venv: $(TEST_STAMP)

# pytest exits 5 when it collected no tests: that must fail, not pass silently.
test: $(TEST_STAMP)
	$(PY) -m pytest -q -n 2 tests; rc=$$?; \
	  if [ $$rc -eq 5 ]; then echo "make test: no tests were collected"; fi; exit $$rc

lab: $(LAB_STAMP)
	$(VENV)/bin/jupyter lab --notebook-dir=notebooks $(LAB_ARGS)

bench: $(TEST_STAMP)
	$(PY) benchmarks/run_all.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) build lib/*.egg-info
