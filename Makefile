# make run   — set everything up (first time), build the index if missing, start the app
# make test  — set everything up (first time) and run the test suite
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: install run ingest test lint bench clean

$(STAMP): pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	# CPU build of torch from the local wheel first; a bare 'torch' would pull a CUDA build.
	$(PY) -m pip install -q torch==2.13.0
	$(PY) -m pip install -q -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

ingest: install
	$(VENV)/bin/cluster-assistant ingest

run: ingest
	$(VENV)/bin/cluster-assistant search "How should a cluster initiative build trust among firms?" -k 3

test: install
	$(VENV)/bin/pytest -q

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

bench: install
	$(PY) benchmarks/ingest_bench.py

clean:
	rm -rf $(VENV) index
