"""The indexing pipeline: discover → load → chunk → embed → upsert, incrementally and safely.

Each file's chunks are written to Chroma before the ledger records them, and the ledger is
written atomically. A run that was killed half-way therefore leaves, at worst, chunks that no
ledger entry claims (deleted by the next run's repair step) or a ledger entry whose chunks are
missing (re-indexed by the next run): the next run always ends in the state of a clean build.
A marker file exists while a run writes; a run that finds no marker knows the last one
finished, skips the repair step and, when nothing changed, neither opens Chroma nor writes.
"""

from __future__ import annotations

import contextlib
import hashlib
import time
from collections import deque
from collections.abc import Callable, Generator, Iterable
from dataclasses import asdict, dataclass, field, replace
from functools import cached_property, lru_cache, partial
from pathlib import Path
from typing import Any

from langchain_core.documents import Document

from assistant.index.embeddings import LocalEmbeddings, first_embeddings, second_embeddings
from assistant.index.lexical import BM25Index
from assistant.index.publish import remove_stale_generations
from assistant.index.sentences import (
    SPLIT_VERSION,
    SplitPassage,
    passage_texts,
    split_and_embed,
)
from assistant.index.store import FileEntry, IndexStore, Ledger, chunk_digest
from assistant.ingest.chunking import Chunker, embedding_text
from assistant.ingest.document import DocumentMeta, LoadedDocument, LoadError
from assistant.ingest.loaders import SUPPORTED_SUFFIXES, load_file
from assistant.ingest.memory import release_freed_memory
from assistant.ingest.metadata import document_meta, keyed_id, load_manifest, manifest_digest
from assistant.ingest.supports import refresh_supports
from assistant.ingest.vectors import (
    SENTENCE_VECTORS_FILE,
    VECTORS_FILE,
    CachedEmbeddings,
    VectorCache,
)
from assistant.knowledge.catalog import KnowledgeError, load_catalog
from assistant.settings import Settings

CHUNKER_VERSION = 5  # bump when structure or chunking rules change: forces a rebuild
PARSE_AHEAD = 3  # files parsed ahead of the one being embedded: bounds the texts held
Progress = Callable[[int, int, str], None]  # (chunks done, chunks total, current file)
PageProgress = Callable[[int, int], None]  # (pages read, pages) of the file being parsed
PAGES = " (pages)"  # ends the file name of a progress report that counts pages read, not chunks
OUTSIDE_LINK = "a link to a file outside {folder}: not indexed (copy the file in instead)"


@dataclass
class IngestReport:
    """What one ingest run did."""

    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)
    notices: list[str] = field(default_factory=list)
    chunks_embedded: int = 0
    vectors_shipped: int = 0  # of those, chunks whose vectors the corpus folder shipped
    total_chunks: int = 0
    seconds: float = 0.0

    @property
    def changed(self) -> bool:
        return bool(self.added or self.updated or self.removed)


@dataclass
class _Pending:
    key: str
    path: Path
    sha256: str
    meta_sha256: str
    chunks: list[Document]
    title: str
    doc_id: str
    is_new: bool


class Planned:
    """The changed files, parsed in a worker thread up to ``PARSE_AHEAD`` files ahead of the
    one being embedded: iterating gives each parsed file in order (failures go to the
    report), so the texts of a large ingest are never all held at once."""

    def __init__(
        self,
        changed: list[tuple[Path, str, str, str]],
        parse: Callable[..., _Pending | str],
        report: IngestReport,
        progress: Progress | None = None,
    ) -> None:
        self.changed, self.parse, self.report = changed, parse, report
        self.progress = progress
        # pages read of the file being parsed, set by the parse thread and reported from the
        # calling thread (a Streamlit progress bar may only be updated from its own thread)
        self.pages: dict[str, tuple[int, int]] = {}
        self.bytes_total = sum(_size(path) for path, *_ in changed) or 1
        self.bytes_done = 0

    def __iter__(self) -> Generator[_Pending, None, None]:
        from concurrent.futures import ThreadPoolExecutor

        pool = ThreadPoolExecutor(1, thread_name_prefix="parse")
        try:
            queue = deque(self._submit(pool, item) for item in self.changed[:PARSE_AHEAD])
            for n, item in enumerate(self.changed):
                result = self._wait(queue.popleft(), item[1])
                if n + PARSE_AHEAD < len(self.changed):
                    queue.append(self._submit(pool, self.changed[n + PARSE_AHEAD]))
                self.bytes_done += _size(item[0])
                if isinstance(result, str):
                    self.report.failed[item[1]] = result
                else:
                    yield result
        finally:
            pool.shutdown(wait=True, cancel_futures=True)

    def _submit(self, pool: Any, item: tuple[Path, str, str, str]) -> Any:
        def on_page(done: int, pages: int) -> None:
            self.pages[item[1]] = (done, pages)

        return pool.submit(self.parse, item, on_page=on_page)

    def _wait(self, future: Any, key: str) -> _Pending | str:
        """The parse result, reporting the pages read while a long file is parsed."""
        from concurrent.futures import TimeoutError as Pending

        while True:
            try:
                result = future.result(timeout=0.5)
            except Pending:
                self._report_pages(key, self.pages.get(key))
            else:
                self._report_pages(key, self.pages.pop(key, None))
                return result

    def _report_pages(self, key: str, pages: tuple[int, int] | None) -> None:
        if self.progress and pages:
            self.progress(*pages, key + PAGES)

    def estimated_chunks(self, chunks_so_far: int) -> int:
        """All the chunks this run will embed, estimated from the bytes parsed so far."""
        return round(chunks_so_far * self.bytes_total / max(self.bytes_done, 1))


def plan_order(path: Path) -> tuple[int, Path]:
    """The order in which files are indexed (and their chunks kept in BM25): the files nearest
    the top of the folder tree first, then by path."""
    return len(path.parts), path


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def unique_chunks(chunks: list[Document]) -> list[Document]:
    """The chunks with duplicate ids dropped (a repeated passage placed at the same offset)."""
    first: dict[str, Document] = {}
    for chunk in chunks:
        first.setdefault(chunk.metadata["chunk_id"], chunk)
    return list(first.values())


def claim_doc_id(meta: DocumentMeta, key: str, claimed: dict[str, str]) -> DocumentMeta:
    """``meta`` with a doc_id no other file holds: a manifest entry is matched by file name, so
    a second file of that name (another folder) gets the id with a hash of its key appended.

    ``claimed`` maps doc_ids to the ledger key of the file that holds them; it is updated.
    """
    doc_id = meta.doc_id
    if claimed.setdefault(doc_id, key) != key:
        doc_id = keyed_id(doc_id, key)
        claimed[doc_id] = key
    return replace(meta, doc_id=doc_id)


def _wanted(path: Path, folder: Path) -> bool:
    """A supported file, not hidden and not an editor's lock file ("~$report.docx")."""
    parts = path.relative_to(folder).parts
    return (
        path.suffix.lower() in SUPPORTED_SUFFIXES
        and not any(part.startswith((".", "~$")) for part in parts)
        and path.is_file()
    )


def discover(
    paths: Iterable[Path], refused: dict[Path, str] | None = None
) -> tuple[list[Path], list[Path]]:
    """Supported files under ``paths`` (sorted), and the folders that were scanned.

    A file in a folder that is a symbolic link to a file outside that folder is left out (and
    put in ``refused`` with the reason): its passages would outlive the link's removal, and the
    folder's owner may not own the file. A file named in ``paths`` is taken as it is.
    """
    files: set[Path] = set()
    folders: list[Path] = []
    for path in map(Path, paths):
        if path.is_dir():
            folder = path.resolve()
            folders.append(folder)
            for found in (p for p in path.rglob("*") if _wanted(p, path)):
                if found.resolve().is_relative_to(folder):
                    files.add(found.resolve())
                elif refused is not None:
                    refused[folder / found.relative_to(path)] = OUTSIDE_LINK.format(folder=path)
        elif path.exists():
            files.add(path.resolve())
        else:
            raise FileNotFoundError(f"no such file or folder: {path}")
    return sorted(files), folders


class Indexer:
    """Keeps one index in step with a set of files."""

    def __init__(self, settings: Settings, embeddings: LocalEmbeddings | None = None) -> None:
        self.settings = settings
        self.store = IndexStore(settings)
        self.embeddings = embeddings or first_embeddings(settings)
        self.second_embeddings = second_embeddings(settings)
        # vectors shipped with the corpus (the starter corpus has its own): not computed again
        self.known_vectors = VectorCache(Path(settings.corpus_dir) / VECTORS_FILE)
        self.known_sentences = VectorCache(Path(settings.corpus_dir) / SENTENCE_VECTORS_FILE)

    @cached_property
    def chunker(self) -> Chunker:
        # the splitter measures the same pieces many times: remember their token counts
        # (files are parsed in a thread while the model embeds: it counts with its own tokenizer)
        return Chunker(
            lru_cache(maxsize=1 << 16)(self.embeddings.token_counter()),
            max_tokens=min(self.settings.chunk_tokens, self.embeddings.max_tokens),
            overlap_tokens=self.settings.chunk_overlap_tokens,
        )

    @property
    def signature(self) -> dict[str, object]:
        s = self.settings
        return {
            "model": self.embeddings.model_id,
            "second_model": self.second_embeddings.model_id if self.second_embeddings else None,
            "chunk_tokens": s.chunk_tokens,
            "chunk_overlap_tokens": s.chunk_overlap_tokens,
            "embed_headers": s.embed_headers,
            "chunker": CHUNKER_VERSION,
            "sentences": SPLIT_VERSION,
        }

    def key(self, path: Path) -> str:
        """The ledger key of a file: relative to the corpus folder when inside it."""
        corpus = Path(self.settings.corpus_dir).resolve()
        return str(path.relative_to(corpus)) if path.is_relative_to(corpus) else str(path)

    def run(
        self,
        paths: Iterable[Path] | None = None,
        rebuild: bool = False,
        progress: Progress | None = None,
        on_wait: Callable[[], None] | None = None,
    ) -> IngestReport:
        """Index ``paths`` (default: the corpus documents folder) and return what changed."""
        started = time.perf_counter()
        report = IngestReport()
        refused: dict[Path, str] = {}
        files, folders = discover(paths or [Path(self.settings.corpus_dir) / "documents"], refused)
        report.failed.update({self.key(p): why for p, why in refused.items()})
        with self.store.write_lock(on_wait):
            before = self.store.load_ledger()
            ledger = self._prepare(rebuild, report)
            if not ledger.files and before.files:
                # a rebuild indexes again every file the index held, not only ``paths``
                files = sorted({*files, *self._existing(before)})
            pending = self._plan(files, folders, ledger, report, progress)
            try:
                self._write(pending, ledger, report, progress)
            except KeyboardInterrupt:
                self._stop(ledger, report)
                raise
            self._refresh_bm25(ledger, force=report.changed)
            self._refresh_supports(ledger, report)
            self.store.sentences.keep_files(set(ledger.files))
            self._publish(ledger)
            self.store.run_marker.unlink(missing_ok=True)
        report.total_chunks = len(ledger.chunk_ids())
        report.seconds = time.perf_counter() - started
        return report

    def _existing(self, ledger: Ledger) -> list[Path]:
        paths = (Path(self.settings.corpus_dir, key).resolve() for key in ledger.files)
        return [p for p in paths if p.is_file()]

    def _prepare(self, rebuild: bool, report: IngestReport) -> Ledger:
        """Load the ledger; rebuild on request or model change; repair a half-done run."""
        ledger = self.store.load_ledger()
        if ledger.files and ledger.signature != self.signature and not rebuild:
            report.notices.append(
                "The embedding model or chunking settings changed: rebuilding the whole index."
            )
            rebuild = True
        elif rebuild:
            report.notices.append("Rebuilding the whole index, as asked.")
        if rebuild:
            self.store.reset()
            ledger = Ledger()
        self.store.check_writer(ledger)
        ledger.signature = self.signature
        # after a finished run nothing needs repair, and Chroma need not even be opened
        finished = (
            bool(ledger.files)
            and not self.store.run_marker.exists()
            and self.store.has_local_chroma()
        )
        self.store.run_marker.touch()
        if not finished:
            self._repair(ledger, report)
            self.store.save_ledger(ledger)
        return ledger

    def _repair(self, ledger: Ledger, report: IngestReport) -> None:
        """Forget files whose chunks are missing from either collection; delete chunks that no
        file claims from both (a run killed between the two collections' writes leaves them
        apart)."""
        present = self._present_ids()
        complete = set.intersection(*present)
        for key, entry in list(ledger.files.items()):
            if not set(entry.chunk_ids) <= complete:
                del ledger.files[key]  # incomplete: its file is indexed again below
        orphans = set.union(*present) - ledger.chunk_ids()
        if orphans:
            self.store.delete(orphans)
            report.notices.append(f"Repaired the index: removed {len(orphans)} orphan chunks.")

    def _present_ids(self) -> list[set[str]]:
        """The chunk ids in each collection (the first model's, and the second's if any)."""
        second = self.store.second_collection
        present = [self.store.all_ids()]
        if second is not None:
            present.append(set(second.get(include=[])["ids"]))
        return present

    def _plan(
        self,
        files: list[Path],
        folders: list[Path],
        ledger: Ledger,
        report: IngestReport,
        progress: Progress | None = None,
    ) -> Planned:
        manifest = load_manifest(Path(self.settings.corpus_dir))
        seen = {self.key(p) for p in files}
        for key, entry in list(ledger.files.items()):
            path = Path(self.settings.corpus_dir, key).resolve()
            in_scope = any(path.is_relative_to(f) for f in folders)
            if key not in seen and in_scope and not path.exists():
                self.store.delete(entry.chunk_ids)
                del ledger.files[key]
                report.removed.append(key)
        if report.removed:
            self.store.save_ledger(ledger)
        changed: list[tuple[Path, str, str, str]] = []
        # the file nearest the top of the folder tree claims its manifest id first
        for path in sorted(files, key=plan_order):
            key = self.key(path)
            try:
                digest, meta_digest = sha256_file(path), manifest_digest(manifest, path)
            except OSError as exc:
                report.failed[key] = f"cannot read the file ({exc.strerror or exc})"
                continue
            old = ledger.files.get(key)
            if old and (old.sha256, old.meta_sha256) == (digest, meta_digest):
                report.unchanged.append(key)
            else:
                changed.append((path, key, digest, meta_digest))
        claimed = {entry.doc_id: key for key, entry in ledger.files.items()}
        parse = partial(self._parse, manifest=manifest, claimed=claimed, ledger=ledger)
        return Planned(changed, parse, report, progress)

    def _parse(
        self,
        item: tuple[Path, str, str, str],
        manifest: dict,
        claimed: dict[str, str],
        ledger: Ledger,
        on_page: PageProgress | None = None,
    ) -> _Pending | str:
        """One changed file loaded and chunked, or the reason it could not be."""
        path, key, digest, meta_digest = item
        try:
            loaded = self._load(path, on_page)
            meta = claim_doc_id(document_meta(path, loaded, manifest, key), key, claimed)
            chunks = unique_chunks(self.chunker.chunk(loaded.blocks, meta, key))
            if not chunks:
                raise LoadError("no text to index after removing headings")
        except LoadError as exc:
            return str(exc)
        except OSError as exc:
            return f"cannot read the file ({exc.strerror or exc})"
        is_new = key not in ledger.files
        return _Pending(key, path, digest, meta_digest, chunks, meta.title, meta.doc_id, is_new)

    def _load(self, path: Path, on_page: PageProgress | None) -> LoadedDocument:
        """Load one file within the size and page limits; a long PDF reports its pages."""
        limit = int(self.settings.max_file_mb * 1e6)
        return load_file(path, limit, self.settings.max_pages, on_page)

    def _write(
        self,
        pending: Planned,
        ledger: Ledger,
        report: IngestReport,
        progress: Progress | None,
    ) -> None:
        done = 0
        if progress:
            progress(0, 0, "")
        items = iter(pending)
        with contextlib.closing(items):  # on Ctrl+C, the parsing thread stops at once
            for item in items:
                done = self._write_one(item, ledger, report, done, pending, progress)

    def _write_one(
        self,
        item: _Pending,
        ledger: Ledger,
        report: IngestReport,
        done: int,
        pending: Planned,
        progress: Progress | None,
    ) -> int:
        """Embed and store one file's chunks, then record it; returns the chunks done."""
        total = pending.estimated_chunks(done + len(item.chunks))
        vectors, second_vectors, passages = self._embed(
            item.chunks, done, total, item.key, progress, report
        )
        self.store.upsert(item.chunks, vectors, second_vectors)
        self.store.sentences.put(self.embeddings.model_id, item.key, passages)
        new_ids = [c.metadata["chunk_id"] for c in item.chunks]
        old = ledger.files.get(item.key)
        if old:
            self.store.delete(set(old.chunk_ids) - set(new_ids))
        ledger.files[item.key] = FileEntry(
            item.key, item.sha256, item.doc_id, item.title, new_ids, item.meta_sha256
        )
        self.store.save_ledger(ledger)
        (report.added if item.is_new else report.updated).append(item.key)
        report.chunks_embedded += len(item.chunks)
        release_freed_memory()  # else resident memory grows with every file (memory.py)
        return done + len(item.chunks)

    def _embed(
        self,
        chunks: list[Document],
        done: int,
        total: int,
        name: str,
        progress: Progress | None,
        report: IngestReport,
    ) -> tuple[list[list[float]], list[list[float]] | None, list[tuple[str, SplitPassage]]]:
        """The chunks' vectors from the first model and, when configured, the second, and
        the passages retrieval can return for them, split into sentences and embedded by the
        first model (``index.sentences``); ``report`` counts the vectors the corpus shipped."""
        texts = [embedding_text(c, self.settings.embed_headers) for c in chunks]
        unknown = self.known_vectors.missing(self.embeddings.model_id, texts)
        report.vectors_shipped += len(texts) - len(unknown)
        # Large steps let sentence-transformers sort by length (less padding); measured here:
        # 51 chunks/s with steps of 64, 57 with 256. Progress is still reported per step.
        step = max(self.settings.embedding_batch_size * 8, 256)
        models = [m for m in (self.embeddings, self.second_embeddings) if m is not None]
        model_ids = [m.model_id for m in models]
        vectors: list[list[list[float]]] = [[] for _ in models]
        runs = passage_texts(chunks)
        passages: list[tuple[str, SplitPassage]] = []
        for start in range(0, len(texts), step):
            batch = texts[start : start + step]
            for model, model_id, out in zip(models, model_ids, vectors, strict=True):
                out.extend(self.known_vectors.embed(model_id, batch, model.embed_documents))
            step_runs = runs[start : start + step]
            embed = self.embeddings.embed_documents
            found = partial(self.known_sentences.embed, model_ids[0], embed=embed)
            passages += zip(step_runs, split_and_embed(step_runs, found), strict=True)
            if progress:
                progress(done + min(start + step, len(texts)), total, name)
        return vectors[0], (vectors[1] if len(vectors) > 1 else None), passages

    def _stop(self, ledger: Ledger, report: IngestReport) -> None:
        """After Ctrl+C: leave the index consistent (the files indexed so far, no stray
        chunks, BM25 in step) so that it can be searched, and the next run resumes."""
        self._repair(ledger, report)
        self.store.save_ledger(ledger)
        self._refresh_bm25(ledger, force=True)
        self._refresh_supports(ledger, report)
        self.store.sentences.keep_files(set(ledger.files))
        self._publish(ledger)
        self.store.run_marker.unlink(missing_ok=True)

    def _refresh_bm25(self, ledger: Ledger, force: bool) -> None:
        """Rebuild BM25 when chunks changed or it disagrees with the ledger, from the last
        build's state and the chunks of the files that changed (``index.lexical_state``); the
        new index replaces the old one atomically (``index.publish``)."""
        link = self.store.bm25_dir
        if not force and link.exists():
            try:
                if set(BM25Index.stored_ids(link)) == ledger.chunk_ids():
                    remove_stale_generations(link)
                    return
            except Exception:  # unreadable or half-written: rebuild it
                pass
        headers = self.settings.embed_headers
        corpus = Path(self.settings.corpus_dir).resolve()
        keys = sorted(ledger.files, key=lambda key: plan_order(corpus / key))
        files = {key: asdict(ledger.files[key]) for key in keys}
        self.store.write_bm25(files, ledger.signature, lambda d: embedding_text(d, headers))

    def _refresh_supports(self, ledger: Ledger, report: IngestReport) -> None:
        """Each catalog instrument's supporting passages (``ingest.supports``), found again
        when the catalog or the chunks changed; skipped for a corpus without a catalog."""
        corpus = Path(self.settings.corpus_dir)
        if not (corpus / "instruments.yaml").exists():
            return
        try:
            catalog = load_catalog(corpus)
        except KnowledgeError as exc:
            report.notices.append(f"Supporting passages not updated: {exc}")
            return
        embeddings = CachedEmbeddings(self.embeddings, self.known_vectors)
        refresh_supports(self.store, ledger, catalog, embeddings)

    def _publish(self, ledger: Ledger) -> None:
        """On a Chroma server, record the chunks this run left: readers elsewhere follow it."""
        if self.store.remote and self.store.published_state() != chunk_digest(ledger.chunk_ids()):
            self.store.publish(ledger)
