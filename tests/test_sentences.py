"""Sentences stored at ingest: an answer reads them instead of splitting and embedding its
passages, gets the same scores, and a changed or removed file takes its rows along."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
from test_supports import CountingEmbeddings

from assistant.answering.extractive import score_sentences, split_passages
from assistant.index.embeddings import LocalEmbeddings
from assistant.index.sentences import (
    SentenceStore,
    SplitPassage,
    passages_by_document,
    split_and_embed,
    split_sentences,
)
from assistant.index.store import IndexStore
from assistant.ingest.pipeline import Indexer
from assistant.retrieval.hybrid import HybridRetriever

ROOT = Path(__file__).resolve().parent.parent
QUESTION = "How did the wine estates of Ruritania cooperate on exports?"


@pytest.fixture
def indexed(make_settings):
    """The three-document retrieval corpus indexed with the first model only."""
    settings = make_settings(second_embedding_model="")
    source = ROOT / "tests" / "data" / "retrieval_corpus"
    shutil.copytree(source, settings.corpus_dir, dirs_exist_ok=True)
    Indexer(settings).run()
    return settings


def _passages_by_doc(settings) -> dict[str, list[str]]:
    return passages_by_document(IndexStore(settings).all_documents())


def test_an_answer_reads_the_stored_sentences_and_scores_them_alike(indexed, embeddings):
    docs = HybridRetriever.from_settings(indexed).invoke(QUESTION)
    store = IndexStore(indexed).sentences
    counting = CountingEmbeddings()
    model_id = counting.model_id

    stored = split_passages(docs, counting, store, model_id)
    assert counting.texts == []  # nothing embedded: every passage was stored at ingest
    assert [p.sentences for p in stored] == [split_sentences(d.page_content) for d in docs]

    vector = np.asarray(embeddings.embed_query(QUESTION))
    fresh, _ = score_sentences(QUESTION, vector, docs, embeddings)
    read, _ = score_sentences(QUESTION, vector, docs, embeddings, passages=stored)
    assert [s.text for s in read] == [s.text for s in fresh]
    assert [s.score for s in read] == pytest.approx([s.score for s in fresh], abs=2e-3)


def test_without_the_store_the_passages_are_split_and_embedded_as_before(indexed, tmp_path):
    docs = HybridRetriever.from_settings(indexed).invoke(QUESTION)
    counting = CountingEmbeddings()
    missing = SentenceStore(tmp_path / "absent.sqlite")

    passages = split_passages(docs, counting, missing, counting.model_id)
    sentences = [s for d in docs for s in split_sentences(d.page_content)]
    assert [s for p in passages for s in p.sentences] == sentences
    assert sorted(counting.texts) == sorted(set(sentences))  # each distinct sentence once


def test_a_removed_file_takes_its_stored_sentences_along(indexed):
    store = IndexStore(indexed).sentences
    model_id = LocalEmbeddings().model_id
    before = _passages_by_doc(indexed)
    (indexed.corpus_dir / "documents" / "ruritania-wine-2001.md").unlink()
    Indexer(indexed).run()

    for doc_id, texts in before.items():
        found = store.get(model_id, texts)
        assert len(found) == (0 if doc_id.startswith("ruritania") else len(set(texts))), doc_id


def test_an_edited_file_has_its_new_passages_stored(indexed):
    store = IndexStore(indexed).sentences
    model_id = LocalEmbeddings().model_id
    path = indexed.corpus_dir / "documents" / "sylvania-software-2018.md"
    path.write_text(path.read_text("utf-8") + "\n\nThe founders met in a garage.\n", "utf-8")
    Indexer(indexed).run()

    passages = _passages_by_doc(indexed)
    for texts in passages.values():
        assert len(store.get(model_id, texts)) == len(set(texts))
    every = store.get(model_id, [text for texts in passages.values() for text in texts])
    assert any("garage" in s for p in every.values() for s in p.sentences)


def test_a_rebuild_starts_the_store_afresh(indexed):
    path = IndexStore(indexed).sentences.path
    SentenceStore(path).put(
        "another-model",
        "stray.md",
        [
            (
                "Some stray text. It has two sentences here for sure.",
                SplitPassage(["It has two sentences here for sure."], np.ones((1, 3)), np.ones(3)),
            )
        ],
    )
    Indexer(indexed).run(rebuild=True)

    assert (
        SentenceStore(path).get(
            "another-model", ["Some stray text. It has two sentences here for sure."]
        )
        == {}
    )


def test_split_and_embed_embeds_each_distinct_piece_once(embeddings):
    counting = CountingEmbeddings()
    text = "Firms in the cluster share a training centre. The centre is run by the association."
    first, second = split_and_embed([text, text], counting.embed_documents)

    assert counting.texts == [text, *split_sentences(text)]
    assert first.sentences == second.sentences == split_sentences(text)
    assert np.allclose(first.vectors, embeddings.embed_documents(first.sentences), atol=1e-5)
    assert first.passage is not None
    assert np.allclose(first.passage, embeddings.embed_query(text), atol=1e-5)


def test_a_quotation_of_several_sentences_is_split_into_them() -> None:
    quoted = (
        "“Collective efficiency is defined as having two aspects to it: external economies that "
        "clustered agents accrue by virtue of their location, and joint action benefits that "
        "arise from deliberate cooperation between local agents. I view external economies as "
        "the ‘passive’ dimension of collective efficiency. The term passive describes the "
        "nature of ties required between local agents in order to obtain externality gains. In "
        "contrast, joint action is the ‘active’ dimension of collective efficiency requiring "
        "deliberate and active cooperation.” (Nadvi 1999, 1608)"
    )

    sentences = split_sentences(quoted)

    assert len(sentences) == 4
    assert sentences[0].startswith("Collective efficiency is defined as")
    assert (
        sentences[1]
        == "I view external economies as the ‘passive’ dimension of collective efficiency."
    )
    assert all(s in quoted for s in sentences)
