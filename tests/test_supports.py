"""What ingest prepares so that answers come fast: each instrument's supporting passages
(found once, kept with the index) and chunk vectors shipped with a corpus."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np

from assistant.index.embeddings import LocalEmbeddings
from assistant.index.sentences import passage_texts, passages_by_document, split_sentences
from assistant.index.store import IndexStore
from assistant.ingest.chunking import embedding_text
from assistant.ingest.pipeline import Indexer
from assistant.ingest.supports import (
    SUPPORTS_FILE,
    find_supports,
    load_supports,
    looks_like_references,
    norm,
)
from assistant.ingest.vectors import (
    SENTENCE_VECTORS_FILE,
    VECTORS_FILE,
    CachedEmbeddings,
    VectorCache,
    export_index_vectors,
    export_sentence_vectors,
)
from assistant.knowledge.catalog import load_catalog
from assistant.recommending.roadmap import Recommender
from assistant.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
DESCRIPTION = (
    "About 300 small leather tanneries in a developing country; the firms distrust each other "
    "and have never cooperated, and effluent from the tanneries pollutes the river."
)


def _quotes(ins) -> list[str]:
    return [norm(s.quote) for s in ins.sources]


def test_every_chunk_holding_an_instruments_quote_is_found_at_ingest(starter_index) -> None:
    store = IndexStore(starter_index)
    catalog = load_catalog(starter_index.corpus_dir)
    found = load_supports(store, catalog)
    assert found is not None and set(found) == {i.id for i in catalog.instruments}
    docs = {str(d.id): d for d in store.all_documents()}
    with_holders = 0
    for ins in catalog.instruments:
        quotes = _quotes(ins)
        holders = {
            cid
            for cid, d in docs.items()
            if any(q in norm(d.page_content) for q in quotes)
            and not looks_like_references(d.page_content)
        }
        candidates = found[ins.id]
        assert holders <= {c.chunk_id for c in candidates}, ins.id
        for cand in candidates:
            assert cand.quote == (cand.chunk_id in holders), (ins.id, cand.chunk_id)
        with_holders += bool(holders)
    assert with_holders >= 0.8 * len(catalog.instruments)


def test_a_roadmap_cites_a_passage_holding_the_instruments_quote(starter_index) -> None:
    catalog = load_catalog(starter_index.corpus_dir)
    found = load_supports(IndexStore(starter_index), catalog)
    assert found is not None
    roadmap = Recommender(starter_index).recommend(DESCRIPTION)
    checked = 0
    for rec in roadmap.recommendations:
        ins = catalog.by_id[rec.instrument_id]
        assert 1 <= len(rec.citations) <= 3
        if any(c.quote for c in found[ins.id]):
            first = norm(rec.citations[0].text)
            assert any(q in first for q in _quotes(ins)), ins.id
            checked += 1
    assert checked >= 3


def _copy(settings: Settings, root: Path) -> Settings:
    shutil.copytree(settings.corpus_dir, root / "corpus")
    shutil.copytree(settings.index_dir, root / "index", symlinks=True)
    return Settings(corpus_dir=root / "corpus", index_dir=root / "index")


def test_the_passages_follow_the_catalog_and_a_no_change_run_leaves_them(
    starter_index, embeddings, tmp_path
) -> None:
    settings = _copy(starter_index, tmp_path)
    path = settings.index_dir / SUPPORTS_FILE
    written = path.stat().st_mtime_ns
    Indexer(settings, embeddings).run()
    assert path.stat().st_mtime_ns == written
    catalog_file = settings.corpus_dir / "instruments.yaml"
    text = catalog_file.read_text("utf-8")
    first = load_catalog(settings.corpus_dir).instruments[0]
    catalog_file.write_text(
        text.replace(f"name: {first.name}", f"name: {first.name} (renamed)", 1), "utf-8"
    )
    catalog = load_catalog(settings.corpus_dir)
    store = IndexStore(settings)
    assert load_supports(store, catalog) is None  # out of date: the reader finds them itself
    Indexer(settings, embeddings).run()
    assert load_supports(store, catalog) is not None


class CountingEmbeddings(LocalEmbeddings):
    """The real model, counting the texts it is asked to embed."""

    def __init__(self) -> None:
        super().__init__()
        self.texts: list[str] = []

    @property
    def embedded(self) -> int:
        return len(self.texts)

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        self.texts += texts
        return super().embed_documents(texts)


def test_an_ingest_embeds_only_the_chunks_the_shipped_vectors_lack(make_settings, tmp_path):
    settings = make_settings(second_embedding_model="")
    source = ROOT / "tests" / "data" / "retrieval_corpus"
    shutil.copytree(source, settings.corpus_dir, dirs_exist_ok=True)
    first = CountingEmbeddings()
    Indexer(settings, first).run()
    assert first.embedded > 0
    export_index_vectors(settings, settings.corpus_dir / VECTORS_FILE)
    export_sentence_vectors(settings, settings.corpus_dir / SENTENCE_VECTORS_FILE)
    edited = settings.corpus_dir / "documents" / "ruritania-wine-2001.md"
    edited.write_text(edited.read_text("utf-8") + "\n\nA new closing paragraph.\n", "utf-8")
    again = settings.model_copy(update={"index_dir": tmp_path / "again"})
    second = CountingEmbeddings()
    Indexer(again, second).run()
    store = IndexStore(again)
    docs = store.all_documents()
    changed = [d for d in docs if d.metadata["doc_id"].startswith("ruritania")]
    assert 0 < second.embedded < first.embedded
    # only the edited document's chunks, passages and sentences are embedded again
    texts = {embedding_text(d) for d in changed} | set(passage_texts(changed))
    assert all(any(t in text for text in texts) for t in second.texts)
    got = store.collection.get(include=["embeddings"])
    computed = first.embed_documents([embedding_text(d) for d in store.get(list(got["ids"]))])
    assert np.allclose(np.asarray(got["embeddings"]), np.asarray(computed), atol=1e-4)


def test_the_shipped_vectors_cover_the_starter_chunks(starter_index) -> None:
    """Fails when chunking or the corpus changed: refresh with ``make starter-vectors``."""
    cache = VectorCache(ROOT / "corpus" / VECTORS_FILE)
    store = IndexStore(starter_index)
    texts = [embedding_text(d, starter_index.embed_headers) for d in store.all_documents()]
    indexer = Indexer(starter_index)
    for model in filter(None, (indexer.embeddings, indexer.second_embeddings)):
        assert cache.missing(model.model_id, texts) == [], model.model_name


def test_the_shipped_sentence_vectors_cover_the_starter_passages(starter_index) -> None:
    """Fails when chunking, sentence splitting or the corpus changed: ``make starter-vectors``."""
    cache = VectorCache(ROOT / "corpus" / SENTENCE_VECTORS_FILE)
    docs = IndexStore(starter_index).all_documents()
    passages = [t for texts in passages_by_document(docs).values() for t in texts]
    pieces = [piece for text in passages for piece in (text, *split_sentences(text))]
    model_id = Indexer(starter_index).embeddings.model_id
    assert len(passages) == len(docs)
    assert cache.missing(model_id, pieces) == []


class _NoModel(LocalEmbeddings):
    """The first model's identity, but no model: embedding anything fails the test."""

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        raise AssertionError(f"embedded {len(texts)} texts, e.g. {texts[0][:60]!r}")


def test_the_supporting_passages_of_the_starter_corpus_need_no_model(starter_index) -> None:
    """With the shipped vectors, a first ingest of the starter corpus loads no model."""
    store = IndexStore(starter_index)
    ledger, catalog = store.load_ledger(), load_catalog(ROOT / "corpus")
    real = Indexer(starter_index).embeddings
    cache = VectorCache(ROOT / "corpus" / VECTORS_FILE)
    offline = CachedEmbeddings(_NoModel(real.model_name, cache_dir=real.cache_dir), cache)

    shipped = find_supports(store, ledger, catalog, offline)

    computed = find_supports(store, ledger, catalog, real)
    first = {ins: [c.chunk_id for c in found[:3]] for ins, found in computed.items()}
    assert {ins: [c.chunk_id for c in found[:3]] for ins, found in shipped.items()} == first
