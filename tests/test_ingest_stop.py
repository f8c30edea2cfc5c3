"""A large ingest: Ctrl+C (a real SIGINT to a real ``cluster-assistant ingest``) leaves a
consistent index that the next run resumes; progress estimates the chunks still to come."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import fixtures_docs as docs
from test_ingest_cli import index_state, ledger_files

from assistant.index.embeddings import LocalEmbeddings
from assistant.index.store import IndexStore
from assistant.ingest.pipeline import Indexer
from assistant.settings import Settings

CLI = str(Path(sys.executable).with_name("cluster-assistant"))
FILES = 40


def many_documents(corpus: Path, count: int = FILES) -> Path:
    """``count`` Markdown reports of similar length, each with its own words."""
    folder = corpus / "documents"
    folder.mkdir(parents=True)
    for n in range(count):
        sections = [
            f"## Part {part}\n\n{docs.paragraph(n + part, 6)} Report {n} item {part}."
            for part in range(6)
        ]
        text = f"# Report {n}\n\n" + "\n\n".join(sections)
        (folder / f"report-{n:03d}.md").write_text(text, encoding="utf-8")
    return folder


def settings_for(root: Path) -> Settings:
    return Settings(corpus_dir=root / "corpus", index_dir=root / "index", second_embedding_model="")


def test_ctrl_c_leaves_a_consistent_index_that_the_next_run_resumes(
    tmp_path: Path, embeddings: LocalEmbeddings
) -> None:
    many_documents(tmp_path / "corpus")
    env = {
        **os.environ,
        "CLUSTER_ASSISTANT_CORPUS_DIR": str(tmp_path / "corpus"),
        "CLUSTER_ASSISTANT_SECOND_EMBEDDING_MODEL": "",
    }
    index = tmp_path / "index"
    proc = subprocess.Popen(
        [CLI, "ingest", "--index", str(index)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        # a runner in the background ignores SIGINT, and its children would inherit that
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    deadline = time.monotonic() + 300
    while ledger_files(index) < 2 and proc.poll() is None:
        assert time.monotonic() < deadline, "ingest wrote nothing in time"
        time.sleep(0.02)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err
    assert "Traceback" not in err

    settings = settings_for(tmp_path)
    store = IndexStore(settings)
    kept = set(store.load_ledger().files)
    assert 2 <= len(kept) < FILES, "the run finished before it could be stopped"
    assert not store.run_marker.exists()  # stopped cleanly: nothing for the next run to repair
    chroma, bm25, ledger = index_state(settings)
    assert len(chroma) == len(set(chroma)) and set(chroma) == bm25 == ledger

    report = Indexer(settings, embeddings).run()
    assert set(report.unchanged) == kept and not report.failed and not report.notices
    assert len(report.added) == FILES - len(kept)
    chroma, bm25, ledger = index_state(settings)
    assert set(chroma) == bm25 == ledger and len(store.load_ledger().files) == FILES


def test_progress_estimates_the_total_as_files_are_parsed(
    tmp_path: Path, embeddings: LocalEmbeddings
) -> None:
    many_documents(tmp_path / "corpus", 12)
    seen: list[tuple[int, int, str]] = []
    report = Indexer(settings_for(tmp_path), embeddings).run(
        progress=lambda done, total, name: seen.append((done, total, name))
    )
    final = report.chunks_embedded
    assert len(report.added) == 12 and seen[-1][:2] == (final, final)
    estimates = [total for done, total, name in seen if name]
    # files of about the same size: the first file's estimate is already near the truth
    assert all(abs(total - final) <= 0.3 * final for total in estimates)
    assert [done for done, *_ in seen] == sorted(done for done, *_ in seen)
