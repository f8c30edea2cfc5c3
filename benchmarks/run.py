"""Speed, size and memory of the product, printed as one table (``make bench``).

    python benchmarks/run.py [--skip-fresh] [--skip-ingest] [--index DIR] [--rounds N] [--json]

Rows:
- first answer from a fresh clone: ``git clone`` of this checkout's HEAD into a temporary
  folder, ``make install``, ``cluster-assistant ingest``, ``cluster-assistant ask`` (minutes;
  ``--skip-fresh`` leaves it out). The pip cache and the model cache of this user are reused.
- cold CLI start: wall time of ``cluster-assistant ask QUESTION --json`` in a fresh process.
- warm ``ask``, ``search`` and roadmap p50/p95: in this process, models loaded once, over the
  questions and scenarios of ``eval/`` (``--rounds`` times each); the same in the Streamlit app
  (``AppTest``, a new session per question; ``--skip-app`` leaves them out).
- ingest: the starter corpus from scratch in a fresh process, without the vectors it ships
  (every chunk embedded), its rate against the embedding models' raw rate on the same chunks,
  a no-change re-run, the index size on disk.
- venv size, the unpacked second model (in the model cache, outside the venv) and the peak
  memory (max RSS) of each process measured.

Warm figures use ``--index`` (copied first) or else the index the ingest row built. The load
average is printed too: other jobs on the CPU slow every figure down.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
EVAL = ROOT / "eval"
QUESTION = "Who should attract new rivals into a cluster?"
Rows = list[tuple[str, str]]


@dataclass
class Run:
    """A finished child process: wall seconds, peak memory (MB) and its stdout."""

    seconds: float
    peak_mb: float
    stdout: str


def run(cmd: list[str], cwd: Path = ROOT, env: dict[str, str] | None = None) -> Run:
    """Run ``cmd`` to its end (stderr aside in a file); exit with its stderr when it fails."""
    started = time.perf_counter()
    with tempfile.TemporaryFile("w+") as errors:
        proc = subprocess.Popen(
            cmd, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=errors, text=True
        )
        stdout = proc.stdout.read()  # type: ignore[union-attr]
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - started
        proc.returncode = os.waitstatus_to_exitcode(status)
        if proc.returncode != 0:
            errors.seek(0)
            sys.exit(f"{' '.join(cmd)} failed ({proc.returncode}):\n{errors.read()[-2000:]}")
    return Run(seconds, usage.ru_maxrss / 1024, stdout)


def clean_env(fresh: bool = False, **extra: str) -> dict[str, str]:
    """The environment without this shell's project settings (and, for the fresh clone,
    without its import path)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CLUSTER_ASSISTANT_")}
    if fresh:
        env.pop("PYTHONPATH", None)
    return {**env, **extra}


def spread(items: list[str], limit: int) -> list[str]:
    """At most ``limit`` items, taken evenly over the list (varied, not the first few)."""
    step = max(1, len(items) / limit)
    return [items[int(i * step)] for i in range(min(limit, len(items)))]


def folder_mb(path: Path) -> float:
    return (
        sum(p.stat().st_size for p in path.rglob("*") if p.is_file() and not p.is_symlink()) / 1e6
    )


def percentiles(values: list[float]) -> str:
    """p50 / p95 in milliseconds, with the number of calls."""
    cuts = statistics.quantiles(values, n=20, method="inclusive")
    return f"{statistics.median(values) * 1000:.0f} / {cuts[-1] * 1000:.0f} ms (n={len(values)})"


def timed(call: Callable[[str], object], inputs: list[str], rounds: int) -> list[float]:
    timings = []
    for _ in range(rounds):
        for text in inputs:
            started = time.perf_counter()
            call(text)
            timings.append(time.perf_counter() - started)
    return timings


def jsonl_field(field: str, *files: Path) -> list[str]:
    rows = (json.loads(line) for f in files for line in f.read_text("utf-8").splitlines() if line)
    return [str(row[field]) for row in rows if row.get(field)]


# --- first answer from a fresh clone -------------------------------------------------------


def fresh_clone(tmp: Path) -> tuple[Rows, dict[str, Any]]:
    """Clone, install, index, ask: each step's time, and the clone's ingest report."""
    clone = tmp / "clone"
    head = subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.strip()
    started = time.perf_counter()
    run(["git", "clone", "-q", "--no-checkout", str(ROOT), str(clone)], cwd=tmp)
    run(["git", "checkout", "-q", head], cwd=clone)
    env = clean_env(fresh=True)
    install = run(["make", "install"], cwd=clone, env=env)
    cli = str(clone / ".venv" / "bin" / "cluster-assistant")
    ingest = run([cli, "ingest", "--json"], cwd=clone, env=env)
    ask = run([cli, "ask", QUESTION, "--json", "--no-llm"], cwd=clone, env=env)
    total = time.perf_counter() - started
    cited = bool(json.loads(ask.stdout)["citations"])
    rows = [
        ("fresh clone: make install", f"{install.seconds:.0f} s"),
        ("fresh clone: ingest, then first ask", f"{ingest.seconds:.0f} s + {ask.seconds:.1f} s"),
        (
            "fresh clone: first cited answer after install",
            f"{ingest.seconds + ask.seconds:.0f} s ({'cited' if cited else 'NOT cited'})",
        ),
        ("fresh clone: clone to first answer", f"{total / 60:.1f} min"),
        ("venv size (fresh clone)", f"{folder_mb(clone / '.venv') / 1000:.2f} GB"),
    ]
    report = {"process": ingest, "index": clone / "index", "cli": cli, "env": env}
    return rows, json.loads(ingest.stdout) | report


# --- ingest ---------------------------------------------------------------------------------


def ingest_here(tmp: Path, corpus: Path) -> dict[str, Any]:
    """The corpus indexed from scratch by this checkout's CLI, in a fresh process, every chunk
    embedded (a copy of the corpus without its shipped vectors, ``vectors.npz``)."""
    index, cli = tmp / "index", str(BIN / "cluster-assistant")
    shutil.copytree(corpus, tmp / "corpus", ignore=shutil.ignore_patterns("vectors.npz"))
    env = clean_env(CLUSTER_ASSISTANT_CORPUS_DIR=str(tmp / "corpus"))
    proc = run([cli, "ingest", "--index", str(index), "--json"], env=env)
    return json.loads(proc.stdout) | {"process": proc, "index": index, "cli": cli, "env": env}


def raw_rate(index: Path) -> float:
    """Chunks per second of the embedding models alone, on the texts the ingest embedded."""
    from assistant.index.embeddings import LocalEmbeddings
    from assistant.index.store import IndexStore
    from assistant.ingest.chunking import embedding_text
    from assistant.settings import Settings

    settings = Settings(index_dir=index)
    docs = sorted(IndexStore(settings).all_documents(), key=lambda d: d.metadata["seq"])
    texts = [embedding_text(d, settings.embed_headers) for d in docs]
    names = [settings.embedding_model, settings.second_embedding_model]
    seconds = 0.0
    for model in [LocalEmbeddings(n, settings.embedding_batch_size) for n in names if n]:
        model.embed_documents(texts[:64])  # warm-up
        started = time.perf_counter()
        model.embed_documents(texts)
        seconds += time.perf_counter() - started
    return len(texts) / seconds


def ingest_rows(report: dict[str, Any]) -> Rows:
    index: Path = report["index"]
    chunks, proc = report["chunks_embedded"], report["process"]
    again = run([report["cli"], "ingest", "--index", str(index), "--json"], env=report["env"])
    assert json.loads(again.stdout)["chunks_embedded"] == 0, "the no-change re-run embedded chunks"
    raw = raw_rate(index)
    rate = chunks / report["seconds"]
    return [
        ("ingest from scratch (whole process)", f"{proc.seconds:.0f} s, {chunks} chunks"),
        ("ingest rate / raw embedding rate", f"{rate:.1f} / {raw:.1f} chunks/s = {rate / raw:.0%}"),
        ("no-change re-run", f"{again.seconds:.2f} s"),
        ("index size on disk", f"{folder_mb(index):.1f} MB"),
        ("peak memory: ingest", f"{proc.peak_mb:.0f} MB"),
    ]


# --- cold start and warm latency ------------------------------------------------------------


def cold_rows(index: Path, times: int = 3) -> Rows:
    cmd = [str(BIN / "cluster-assistant"), "ask", QUESTION, "--json", "--no-llm"]
    runs = [run([*cmd, "--index", str(index)], env=clean_env()) for _ in range(times)]
    seconds = sorted(r.seconds for r in runs)
    return [
        (f"cold CLI start: ask (median of {times})", f"{statistics.median(seconds):.1f} s"),
        ("peak memory: one CLI ask", f"{max(r.peak_mb for r in runs):.0f} MB"),
    ]


def warm_rows(index: Path, rounds: int, limit: int) -> Rows:
    from assistant.answering.answerer import Answerer
    from assistant.recommending.roadmap import Recommender
    from assistant.settings import Settings

    settings = Settings(index_dir=index, llm_backend="none")
    files = ("dev_questions", "dev_out_of_scope", "written/questions")
    questions = spread(jsonl_field("question", *(EVAL / f"{f}.jsonl" for f in files)), limit)
    files = ("dev_scenarios", "written/scenarios")
    scenarios = spread(jsonl_field("description", *(EVAL / f"{f}.jsonl" for f in files)), limit)
    answerer = Answerer.from_settings(settings)
    answerer.answer(QUESTION)  # loads the models and the index
    recommender = Recommender(settings, store=answerer.retriever.index.store)
    recommender.recommend(scenarios[0])
    return [
        ("warm search p50 / p95", percentiles(timed(answerer.retriever.invoke, questions, rounds))),
        ("warm ask p50 / p95", percentiles(timed(answerer.answer, questions, rounds))),
        ("warm roadmap p50 / p95", percentiles(timed(recommender.recommend, scenarios, rounds))),
        ("peak memory: this process (warm)", f"{_self_peak_mb():.0f} MB"),
    ]


def app_rows(index: Path, limit: int) -> Rows:
    """Warm ``ask`` and roadmap in the Streamlit app (``AppTest``: the whole script reruns per
    interaction, as in a browser session), each question in a new chat, models loaded once."""
    from streamlit.testing.v1 import AppTest

    os.environ["CLUSTER_ASSISTANT_INDEX_DIR"] = str(index)
    os.environ["CLUSTER_ASSISTANT_LLM_BACKEND"] = "none"
    files = ("dev_questions", "dev_out_of_scope", "written/questions")
    questions = spread(jsonl_field("question", *(EVAL / f"{f}.jsonl" for f in files)), limit)
    files = ("dev_scenarios", "written/scenarios")
    scenarios = spread(jsonl_field("description", *(EVAL / f"{f}.jsonl" for f in files)), limit)
    app = str(ROOT / "streamlit_app.py")
    AppTest.from_file(app, default_timeout=300).run().chat_input[0].set_value(QUESTION).run()

    def ask(question: str) -> None:
        page = AppTest.from_file(app, default_timeout=300).run()
        started = time.perf_counter()
        page.chat_input[0].set_value(question).run()
        timings.append(time.perf_counter() - started)

    def roadmap(description: str) -> None:
        page = AppTest.from_file(app, default_timeout=300).run()
        page.switch_page("assistant/ui/pages/recommend.py").run()
        page.text_area(key="rec_text").set_value(description).run()
        started = time.perf_counter()
        next(b for b in page.button if b.label == "Read the description").click().run()
        next(b for b in page.button if b.label == "Build the roadmap").click().run()
        timings.append(time.perf_counter() - started)

    rows = []
    for what, call, inputs in (("ask", ask, questions), ("roadmap", roadmap, scenarios)):
        timings: list[float] = []
        for text in inputs:
            call(text)
        rows.append((f"app: warm {what} p50 / p95 (whole rerun)", percentiles(timings)))
    return rows


def model_cache_size() -> str:
    from assistant.settings import Settings

    cache = Settings().model_cache_dir
    return f"{folder_mb(cache) / 1000:.2f} GB ({cache})" if cache.is_dir() else "none"


def _self_peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


@contextmanager
def copied_index(source: Path | None, tmp: Path) -> Iterator[Path | None]:
    """A private copy of ``source`` (the benchmarks never write to the original)."""
    if source is None:
        yield None
        return
    target = tmp / "warm-index"
    shutil.copytree(source, target)
    yield target


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skip-fresh", action="store_true", help="leave out the fresh clone")
    parser.add_argument("--skip-ingest", action="store_true", help="no ingest rows (needs --index)")
    parser.add_argument("--skip-cold", action="store_true", help="leave out the cold CLI start")
    parser.add_argument("--skip-app", action="store_true", help="leave out the app's timings")
    parser.add_argument("--index", type=Path, help="index for cold and warm figures (copied)")
    parser.add_argument("--corpus", type=Path, default=ROOT / "corpus")
    parser.add_argument("--rounds", type=int, default=1, help="repetitions of each input")
    parser.add_argument("--limit", type=int, default=40, help="questions and scenarios, at most")
    parser.add_argument("--json", action="store_true", help="print the rows as JSON")
    args = parser.parse_args()
    if args.skip_ingest and args.index is None:
        parser.error("--skip-ingest needs --index")
    load = os.getloadavg()[0]
    rows: Rows = []
    with (
        tempfile.TemporaryDirectory(prefix="bench-") as name,
        copied_index(args.index, Path(name)) as warm,
    ):
        tmp = Path(name)
        built: dict[str, Any] | None = None
        if not args.skip_fresh:
            fresh, built = fresh_clone(tmp)
            rows += fresh
        if not args.skip_ingest:
            built = built or ingest_here(tmp, args.corpus.resolve())
            rows += ingest_rows(built)
        index = warm or built["index"]  # type: ignore[index]
        if not args.skip_cold:
            rows += cold_rows(index)
        rows += warm_rows(index, args.rounds, args.limit)
        if not args.skip_app:
            rows += app_rows(index, args.limit)
        rows.append(("venv size (this one)", f"{folder_mb(Path(sys.prefix)) / 1000:.2f} GB"))
        rows.append(("unpacked second model (model cache, outside the venv)", model_cache_size()))
    rows.append(
        (
            "load average (start / end), CPUs",
            f"{load:.1f} / {os.getloadavg()[0]:.1f}, {os.cpu_count()}",
        )
    )
    if args.json:
        print(json.dumps(dict(rows), indent=2))
        return
    print("| what | figure |\n|---|---|")
    for what, figure in rows:
        print(f"| {what} | {figure} |")


if __name__ == "__main__":
    main()
