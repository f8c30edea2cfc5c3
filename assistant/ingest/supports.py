"""Each catalog instrument's supporting passages, found at ingest time and kept with the index.

The catalog quotes each instrument's sources verbatim (``corpus/instruments.yaml``): the chunks
holding a quote are the instrument's supporting passages. Beside them are kept the chunks of the
cited documents, and of the whole library, closest in meaning (first model's vectors) to the
instrument's name and description, and for a quote no chunk holds whole (cut by a chunk
boundary), the cited document's chunk closest to it. The recommender ranks these few
candidates against a profile without searching the index.

``refresh_supports`` writes them to ``supports.json`` in the index folder (atomically, beside
the ledger), keyed by the catalog's instruments and the index's chunk ids: it does nothing when
neither changed, so a no-change ingest stays cheap. ``load_supports`` reads them back, or
gives None when the key no longer matches (the catalog or the documents changed since).
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from langchain_core.embeddings import Embeddings

from assistant.index.store import IndexStore, Ledger, atomic_write_json, chunk_digest
from assistant.knowledge.catalog import Catalog, Instrument

SUPPORTS_FILE = "supports.json"
SUPPORTS_VERSION = 1  # bump when the way candidates are found changes
NEAREST = 6  # chunks closest to the instrument, in its cited documents and in the whole library
PAGE = 5000  # chunks read from Chroma at a time

ENTRY = re.compile(r"^\s*(-\s*)?[A-Z][\w'’.-]+,\s+[A-Z].{0,120}?\(?(19|20)\d\d")
YEAR = re.compile(r"\b(19|20)\d\d\b")


def looks_like_references(text: str) -> bool:
    """A bibliography or list of notes rather than a discussion."""
    lines = [ln for ln in text.splitlines() if ln.strip()]
    if not lines:
        return False
    entries = sum(bool(ENTRY.match(ln)) for ln in lines)
    dense = len(YEAR.findall(text)) * 10 > len(text.split())
    return entries * 2 >= len(lines) or dense


def norm(text: str) -> str:
    """Text with soft hyphens removed, whitespace collapsed and lower case (quote matching)."""
    return " ".join(text.replace("\u00ad", "").split()).lower()


def instrument_text(ins: Instrument) -> str:
    """The text that stands for an instrument in embedding comparisons."""
    return f"{ins.name}. {ins.description}"


@dataclass(frozen=True)
class Candidate:
    """A chunk that may support an instrument: whether it holds one of its quotes, and
    whether it belongs to a document the catalog cites for it."""

    chunk_id: str
    quote: bool
    cited: bool


def catalog_digest(catalog: Catalog) -> str:
    """Changes when an instrument's text or sources change (what the candidates depend on)."""
    data = [
        [i.id, instrument_text(i), [[s.doc, s.quote] for s in i.sources]]
        for i in catalog.instruments
    ]
    return hashlib.sha256(json.dumps(data).encode()).hexdigest()[:32]


def supports_key(catalog: Catalog, ledger: Ledger) -> dict[str, Any]:
    return {
        "version": SUPPORTS_VERSION,
        "catalog": catalog_digest(catalog),
        "chunks": chunk_digest(ledger.chunk_ids()),
    }


def load_supports(
    store: IndexStore, catalog: Catalog, ledger: Ledger | None = None
) -> dict[str, list[Candidate]] | None:
    """The stored candidates by instrument id, or None when missing or out of date."""
    path = store.root / SUPPORTS_FILE
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if data.get("key") != supports_key(catalog, ledger or store.load_ledger()):
        return None
    return {
        ins_id: [Candidate(c["id"], bool(c["quote"]), bool(c["cited"])) for c in found]
        for ins_id, found in data.get("instruments", {}).items()
    }


def refresh_supports(
    store: IndexStore, ledger: Ledger, catalog: Catalog, embeddings: Embeddings
) -> bool:
    """Write the candidates when the catalog or the chunks changed; whether it wrote."""
    key = supports_key(catalog, ledger)
    path = store.root / SUPPORTS_FILE
    try:
        if json.loads(path.read_text(encoding="utf-8")).get("key") == key:
            return False
    except (OSError, ValueError):
        pass
    found = find_supports(store, ledger, catalog, embeddings)
    instruments = {
        ins_id: [{"id": c.chunk_id, "quote": c.quote, "cited": c.cited} for c in cands]
        for ins_id, cands in found.items()
    }
    atomic_write_json(path, {"key": key, "instruments": instruments})
    return True


class _Best:
    """The ``n`` best (similarity, chunk id) pairs seen so far."""

    def __init__(self, n: int) -> None:
        self.n, self.items = n, list[tuple[float, str]]()

    def add(self, sims: np.ndarray, ids: list[str]) -> None:
        if not ids:
            return
        top = np.argsort(-sims)[: self.n]
        self.items = sorted([*self.items, *((float(sims[j]), ids[j]) for j in top)])[::-1][: self.n]

    def ids(self) -> list[str]:
        return [i for _, i in self.items]


def embedded_texts(catalog: Catalog) -> list[str]:
    """Every text ``find_supports`` may embed: the instruments' texts and all their quotes
    (it embeds the quotes no chunk holds whole), for shipping their vectors with a corpus."""
    texts = [instrument_text(i) for i in catalog.instruments]
    texts += [s.quote for i in catalog.instruments for s in i.sources]
    return list(dict.fromkeys(texts))


def find_supports(
    store: IndexStore, ledger: Ledger, catalog: Catalog, embeddings: Embeddings
) -> dict[str, list[Candidate]]:
    """Each instrument's candidate chunks: quote holders, then the nearest by meaning."""
    doc_of_file = {Path(key).name: entry.doc_id for key, entry in ledger.files.items()}
    instruments = catalog.instruments
    sources = [(n, s) for n, ins in enumerate(instruments) for s in ins.sources]
    source_docs = [doc_of_file.get(s.doc, Path(s.doc).stem) for _, s in sources]
    cited = [
        {source_docs[m] for m, (k, _) in enumerate(sources) if k == n}
        for n in range(len(instruments))
    ]
    holders, doc_of = _quote_holders(store, [norm(s.quote) for _, s in sources])
    unheld = [m for m in range(len(sources)) if not holders[m]]
    vectors = np.asarray(
        embeddings.embed_documents(
            [instrument_text(i) for i in instruments] + [sources[m][1].quote for m in unheld]
        ),
        dtype=np.float32,
    )
    ins_vecs, quote_vecs = vectors[: len(instruments)], vectors[len(instruments) :]
    near_quote = [_Best(1) for _ in unheld]  # a quote cut by a chunk boundary: the closest
    near_cited = [_Best(NEAREST) for _ in instruments]
    near_any = [_Best(NEAREST) for _ in instruments]
    for docs, vecs in store.pages(PAGE, vectors=True):
        keep = [j for j, d in enumerate(docs) if str(d.id) in doc_of]  # no reference lists
        ids = [str(docs[j].id) for j in keep]
        doc_ids = np.array([doc_of[i] for i in ids])
        vecs = vecs[keep]
        ins_sims, quote_sims = vecs @ ins_vecs.T, vecs @ quote_vecs.T
        for q, m in enumerate(unheld):
            near_quote[q].add(np.where(doc_ids == source_docs[m], quote_sims[:, q], -2.0), ids)
        for n in range(len(instruments)):
            in_cited = np.isin(doc_ids, list(cited[n]))
            near_any[n].add(ins_sims[:, n], ids)
            near_cited[n].add(np.where(in_cited, ins_sims[:, n], -2.0), ids)
    closest = {m: near_quote[q] for q, m in enumerate(unheld)}
    found: dict[str, list[Candidate]] = {}
    for n, ins in enumerate(instruments):
        own = [m for m, (k, _) in enumerate(sources) if k == n]
        held = {cid for m in own for cid in holders[m]}
        ranked = [
            *(cid for m in own for cid in holders[m]),
            *(cid for m in own if m in closest for s, cid in closest[m].items if s > -2.0),
            *(cid for s, cid in near_cited[n].items if s > -2.0),
            *near_any[n].ids(),
        ]
        found[ins.id] = [
            Candidate(cid, cid in held, doc_of.get(cid) in cited[n])
            for cid in dict.fromkeys(ranked)
        ]
    return found


def _quote_holders(
    store: IndexStore, quotes: list[str]
) -> tuple[list[dict[str, None]], dict[str, str]]:
    """Per quote the chunks holding it whole, and the document of every chunk that is not a
    reference list (those are never candidates)."""
    holders: list[dict[str, None]] = [{} for _ in quotes]
    doc_of: dict[str, str] = {}
    for docs, _ in store.pages(PAGE):
        kept = [d for d in docs if not looks_like_references(d.page_content)]
        doc_of.update((str(d.id), str(d.metadata.get("doc_id", ""))) for d in kept)
        texts = [(str(d.id), norm(d.page_content)) for d in kept]
        for m, quote in enumerate(quotes):
            holders[m].update((cid, None) for cid, text in texts if quote in text)
    return holders, doc_of
