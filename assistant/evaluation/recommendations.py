"""Recommendation evaluation: recall@k per ``eval/score_reference.py`` and two baselines.

recall@k: the share of a scenario's expected instruments (names mapped to catalog ids by the
vocabulary file) found among the first k ``instrument_ids``. Beside it, the rules' ranking
alone (without the learned reader, ``assistant.recommending.reader``). Baselines computed in
the same run: instruments ranked by embedding similarity of their name and description to the
scenario description, and the same most common expected instruments for every scenario.
The pitfall check counts the expected "not recommended" items that one of our warnings
matches (embedding similarity of the item and its reason to our warning's name and reason).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from assistant.ingest.supports import instrument_text
from assistant.recommending.scoring import order

PITFALL_MATCH = 0.6


def recall_at_k(
    scenarios: Sequence[dict[str, Any]],
    rankings: dict[str, list[str]],
    vocab: dict[str, list[str]],
    k: int = 6,
) -> float:
    """Share of expected instruments found among each scenario's first k ids."""
    got = total = 0
    for s in scenarios:
        top = rankings.get(s["id"], [])[:k]
        for name in s["expected_instruments"]:
            total += 1
            got += any(i in top for i in vocab[name])
    return round(got / total, 3) if total else 0.0


def most_common_baseline(
    scenarios: Sequence[dict[str, Any]], vocab: dict[str, list[str]], k: int = 6
) -> list[str]:
    """The k most common expected instruments (first catalog id of each name)."""
    counts = Counter(name for s in scenarios for name in s["expected_instruments"])
    return [vocab[name][0] for name, _ in counts.most_common(k)]


def embedding_baseline(
    scenarios: Sequence[dict[str, Any]], instruments: Sequence[Any], embeddings: Any
) -> dict[str, list[str]]:
    """Instruments ranked by cosine similarity of name + description to each description."""
    texts = [instrument_text(i) for i in instruments]
    ins_vecs = np.array(embeddings.embed_documents(texts))
    desc_vecs = np.array(embeddings.embed_documents([s["description"] for s in scenarios]))
    sims = desc_vecs @ ins_vecs.T
    return {
        s["id"]: [instruments[j].id for j in np.argsort(-sims[n])] for n, s in enumerate(scenarios)
    }


def paraphrase_overlap(
    scenarios: Sequence[dict[str, Any]], rankings: dict[str, list[str]], k: int = 6
) -> dict[str, int]:
    """For each scenario with a ``paraphrase_of`` id that ``rankings`` also holds: how many of
    its first k instruments are among the first k of the scenario it rewords."""
    return {
        s["id"]: len(set(rankings[s["id"]][:k]) & set(rankings[s["paraphrase_of"]][:k]))
        for s in scenarios
        if s.get("paraphrase_of") in rankings and s["id"] in rankings
    }


@dataclass
class PitfallCheck:
    expected: int
    caught: int
    missed: list[str]

    @property
    def rate(self) -> float:
        return round(self.caught / self.expected, 3) if self.expected else 1.0


def pitfall_check(
    scenarios: Sequence[dict[str, Any]],
    warnings: dict[str, list[dict[str, Any]]],
    embeddings: Any,
    threshold: float = PITFALL_MATCH,
) -> PitfallCheck:
    """How many expected 'not recommended' items one of our warnings matches."""
    expected = caught = 0
    missed: list[str] = []
    for s in scenarios:
        ours = warnings.get(s["id"], [])
        if not ours:
            expected += len(s.get("not_recommended", []))
            missed += [f"{s['id']}: {n['instrument']}" for n in s.get("not_recommended", [])]
            continue
        our_vecs = np.array(
            embeddings.embed_documents([f"{w['name']}. {w['reason']}" for w in ours])
        )
        for item in s.get("not_recommended", []):
            expected += 1
            vec = np.array(embeddings.embed_query(f"{item['instrument']}. {item['reason']}"))
            if float((our_vecs @ vec).max()) >= threshold:
                caught += 1
            else:
                missed.append(f"{s['id']}: {item['instrument']}")
    return PitfallCheck(expected, caught, missed)


def evaluate_recommendations(
    scenarios: Sequence[dict[str, Any]],
    vocab: dict[str, list[str]],
    recommender: Any,
    embeddings: Any,
    k: int = 6,
    originals: Sequence[dict[str, Any]] = (),
) -> dict[str, Any]:
    """recall@k of ``recommender`` (a ``Recommender``) beside both baselines, per scenario,
    and the pitfall check, as one JSON-ready dict. With ``originals`` (the scenarios that
    some of ``scenarios`` reword, ``paraphrase_of``), also the top-k overlap of each
    paraphrase with its original."""
    unknown = {n for r in scenarios for n in r.get("expected_instruments", []) if n not in vocab}
    if unknown:
        raise ValueError(f"expected instruments missing from the vocabulary: {sorted(unknown)}")
    roadmaps = {r["id"]: recommender.recommend(r["description"]) for r in scenarios}
    ours = {sid: rm.instrument_ids for sid, rm in roadmaps.items()}
    rules = {
        sid: [s.instrument.id for s in order(recommender.scores(rm.profile))]
        for sid, rm in roadmaps.items()
    }
    first = {o["id"]: recommender.recommend(o["description"]).instrument_ids for o in originals}
    overlap = paraphrase_overlap(scenarios, {**first, **ours}, k)
    common = most_common_baseline(scenarios, vocab, k)
    warnings = {sid: [n.model_dump() for n in rm.not_recommended] for sid, rm in roadmaps.items()}
    pitfalls = pitfall_check(scenarios, warnings, embeddings)
    by_embedding = embedding_baseline(scenarios, recommender.catalog.instruments, embeddings)
    return {
        "scenarios": len(scenarios),
        f"recall@{k}": recall_at_k(scenarios, ours, vocab, k),
        f"rules_alone_recall@{k}": recall_at_k(scenarios, rules, vocab, k),
        f"baseline_embedding_recall@{k}": recall_at_k(scenarios, by_embedding, vocab, k),
        f"baseline_most_common_recall@{k}": recall_at_k(
            scenarios, {r["id"]: common for r in scenarios}, vocab, k
        ),
        "pitfalls_caught": f"{pitfalls.caught}/{pitfalls.expected}",
        "pitfalls_missed": pitfalls.missed,
        "per_scenario": {r["id"]: recall_at_k([r], ours, vocab, k) for r in scenarios},
        f"paraphrase_overlap@{k}": overlap,
        "paraphrases_overlapping_4_of_6": (
            f"{sum(v >= 4 for v in overlap.values())}/{len(overlap)}" if overlap else None
        ),
        "rankings": {sid: ids[:k] for sid, ids in ours.items()},
    }
