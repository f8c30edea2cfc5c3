"""``cluster-assistant ingest`` end to end: summary, errors, a killed run, concurrent runs."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import fixtures_docs as docs
import pytest
from typer.testing import CliRunner

from assistant.cli import app
from assistant.index.lexical import BM25Index
from assistant.index.store import IndexStore
from assistant.ingest.pipeline import Indexer
from assistant.settings import Settings

CLI = str(Path(sys.executable).with_name("cluster-assistant"))
STARTER = Path(__file__).resolve().parent.parent / "corpus"
# The runs below embed with the first model alone (7 times faster than with both); chunk ids
# do not depend on the models, so they compare with the starter index built with both.
ONE_MODEL = {"CLUSTER_ASSISTANT_SECOND_EMBEDDING_MODEL": ""}
# two starter documents (~250 chunks): enough for a run to be caught half-way
SUBSET = [
    "benner-2013-cluster-policy-developing-countries.txt",
    "unido-2010-cluster-development-pro-poor-growth.md",
]


def starter_subset(root: Path, names: list[str]) -> Path:
    """A corpus folder holding some starter documents and the manifest."""
    corpus = root / "corpus"
    (corpus / "documents").mkdir(parents=True)
    shutil.copy(STARTER / "manifest.yaml", corpus / "manifest.yaml")
    for name in names:
        shutil.copy(STARTER / "documents" / name, corpus / "documents" / name)
    return corpus


def clean_build_ids(starter_index: Settings, names: list[str]) -> set[str]:
    """The chunk ids a clean build gives these files (per-file ids do not depend on others)."""
    files = IndexStore(starter_index).load_ledger().files
    return {cid for name in names for cid in files[f"documents/{name}"].chunk_ids}


def index_state(settings: Settings) -> tuple[list[str], set[str], set[str]]:
    """Chroma ids (as a list, to see duplicates), BM25 ids and ledger ids."""
    store = IndexStore(settings)
    chroma = store.collection.get(include=[])["ids"]
    return chroma, set(BM25Index.load(store.bm25_dir).ids), store.load_ledger().chunk_ids()


def start_ingest(root: Path, corpus: Path, *args: str) -> subprocess.Popen:
    env = {**os.environ, **ONE_MODEL, "CLUSTER_ASSISTANT_CORPUS_DIR": str(corpus)}
    return subprocess.Popen(
        [CLI, "ingest", "--index", str(root / "index"), *args],
        cwd=root,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def ledger_files(index: Path) -> int:
    try:
        return len(json.loads((index / "ledger.json").read_text("utf-8"))["files"])
    except (OSError, ValueError, KeyError):
        return 0


def cli(*args: str, corpus: Path | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ}
    if corpus:
        env["CLUSTER_ASSISTANT_CORPUS_DIR"] = str(corpus)
    return subprocess.run([CLI, *args], capture_output=True, text=True, env=env, timeout=300)


def test_killed_run_is_repaired_to_a_clean_build(tmp_path: Path, starter_index, embeddings) -> None:
    corpus = starter_subset(tmp_path, SUBSET)
    proc = start_ingest(tmp_path, corpus)
    deadline = time.monotonic() + 240
    while ledger_files(tmp_path / "index") < 1 and proc.poll() is None:
        assert time.monotonic() < deadline, "ingest wrote nothing in time"
        time.sleep(0.05)
    proc.terminate()
    proc.communicate(timeout=60)
    assert proc.returncode < 0, "the run finished before it could be killed"
    assert ledger_files(tmp_path / "index") < len(SUBSET)

    settings = Settings(corpus_dir=corpus, index_dir=tmp_path / "index", second_embedding_model="")
    report = Indexer(settings, embeddings).run()
    assert not report.failed
    chroma, bm25, ledger = index_state(settings)
    assert len(chroma) == len(set(chroma))
    assert set(chroma) == bm25 == ledger == clean_build_ids(starter_index, SUBSET)


def test_concurrent_ingests_leave_a_consistent_index(tmp_path: Path, starter_index) -> None:
    names = SUBSET[:1]
    corpus = starter_subset(tmp_path, names)
    procs = [start_ingest(tmp_path, corpus, "--json") for _ in range(2)]
    outputs = [p.communicate(timeout=300) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outputs
    reports = [json.loads(out) for out, _ in outputs]
    expected = clean_build_ids(starter_index, names)
    # one run indexed everything, the other found it all done: nothing embedded twice
    assert sorted(r["chunks_embedded"] for r in reports) == [0, len(expected)]
    settings = Settings(corpus_dir=corpus, index_dir=tmp_path / "index", second_embedding_model="")
    chroma, bm25, ledger = index_state(settings)
    assert len(chroma) == len(set(chroma))
    assert set(chroma) == bm25 == ledger == expected


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["ingest", "--bogus"], "No such option"),
        (["ingest", "/no/such/folder"], "no such file or folder"),
    ],
)
def test_user_errors_are_one_clear_line(tmp_path: Path, args: list[str], message: str) -> None:
    result = cli(*args, "--index", str(tmp_path / "index"))
    assert result.returncode == 2
    assert message in result.stderr and "Traceback" not in result.stderr + result.stdout


def test_broken_manifest_is_a_clear_error(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    (corpus / "documents").mkdir(parents=True)
    (corpus / "documents" / "guide.md").write_text(docs.markdown_text(), "utf-8")
    (corpus / "manifest.yaml").write_text("documents: [unclosed", "utf-8")
    result = cli("ingest", "--index", str(tmp_path / "index"), corpus=corpus)
    assert result.returncode == 2
    assert "manifest.yaml is not valid YAML" in result.stderr.replace("\n", "")
    assert "Traceback" not in result.stderr


def _ingest(runner: CliRunner, corpus: Path, index: Path, *args: str) -> str:
    env = {"CLUSTER_ASSISTANT_CORPUS_DIR": str(corpus)}
    result = runner.invoke(app, ["ingest", "--index", str(index), *args], env=env)
    assert result.exit_code == 0, result.output
    return result.output


def _count(output: str, label: str) -> int:
    return int(re.search(rf"^\s*{label}\s+(\d+)", output, re.MULTILINE).group(1))


def test_summary_lists_what_changed(tmp_path: Path, embeddings) -> None:
    corpus = tmp_path / "corpus"
    folder = corpus / "documents"
    folder.mkdir(parents=True)
    docs.report_pdf(folder)
    docs.report_docx(folder)
    (folder / "guide.md").write_text(docs.markdown_text(), "utf-8")
    docs.encrypted_pdf(folder)
    runner, index = CliRunner(), tmp_path / "index"

    first = _ingest(runner, corpus, index)
    counts = {k: _count(first, k) for k in ("added", "updated", "removed", "unchanged", "failed")}
    assert counts == {"added": 3, "updated": 0, "removed": 0, "unchanged": 0, "failed": 1}
    assert "locked.pdf: the PDF is encrypted" in first

    (folder / "guide.md").write_text(docs.markdown_text() + "\n## Coda\n\nA new ending.\n")
    (folder / "notes.docx").unlink()
    second = _ingest(runner, corpus, index)
    counts = {k: _count(second, k) for k in ("added", "updated", "removed", "unchanged", "failed")}
    assert counts == {"added": 0, "updated": 1, "removed": 1, "unchanged": 1, "failed": 1}

    rebuilt = _ingest(runner, corpus, index, "--rebuild")
    assert "Rebuilding the whole index" in rebuilt
    assert (_count(rebuilt, "added"), _count(rebuilt, "unchanged")) == (2, 0)
