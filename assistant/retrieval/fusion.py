"""Rank fusion and diversity on plain id lists (no index needed, easy to test).

``rrf`` fuses best-first rankings by reciprocal rank; ``diversify`` then picks from the fused
list so that no document takes more than its share of the result slots and no hit repeats a
passage already returned (e.g. its neighbour in the same document).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

RRF_K = 60


def rrf(
    rankings: Sequence[Sequence[str]],
    k: int = RRF_K,
    weights: Sequence[float] | None = None,
) -> list[tuple[str, float]]:
    """Weighted reciprocal rank fusion: ``sum_r w_r / (k + rank_r(id))``, best first.

    Ties keep the order of first appearance (the first ranking wins), so results are stable.
    """
    weights = weights or [1.0] * len(rankings)
    scores: dict[str, float] = {}
    for ranking, weight in zip(rankings, weights, strict=True):
        for rank, item in enumerate(ranking, 1):
            scores[item] = scores.get(item, 0.0) + weight / (k + rank)
    return sorted(scores.items(), key=lambda pair: -pair[1])


def diversify(
    ranked: Sequence[str],
    group_of: Callable[[str], str],
    n: int,
    max_per_group: int,
    overlaps: Callable[[str, str], bool] | None = None,
) -> list[str]:
    """The first ``n`` ids of ``ranked``, at most ``max_per_group`` per group, none redundant.

    An id is redundant when ``overlaps(id, chosen)`` holds for an id already chosen. When the
    caps leave fewer than ``n`` ids, the best capped (never redundant) ones fill the gap, in
    rank order, so a corpus of one document still returns ``n`` passages.
    """
    chosen: list[str] = []
    capped: list[str] = []
    per_group: dict[str, int] = {}
    for item in ranked:
        if len(chosen) == n:
            break
        if overlaps and any(overlaps(item, c) for c in chosen):
            continue
        group = group_of(item)
        if per_group.get(group, 0) >= max_per_group:
            capped.append(item)
            continue
        per_group[group] = per_group.get(group, 0) + 1
        chosen.append(item)
    for item in capped:
        if len(chosen) == n:
            break
        if not (overlaps and any(overlaps(item, c) for c in chosen)):
            chosen.append(item)
    order = {item: i for i, item in enumerate(ranked)}
    return sorted(chosen, key=order.__getitem__)
