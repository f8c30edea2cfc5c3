"""Pseudo-relevance feedback for BM25: expand a query with the terms of its best passages.

The passages ranked first by the first (fused) search are taken as relevant; their terms are
weighted by how often they occur there and how rare they are in the whole index (tf-idf, as in
RM3), and the best few are added to the query with a weight below the query's own terms.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence


def expansion_terms(
    query_tokens: Sequence[str],
    feedback: Sequence[Sequence[str]],
    doc_freq: Callable[[str], int],
    n_docs: int,
    n_terms: int = 10,
) -> list[tuple[str, float]]:
    """The ``n_terms`` best new terms of the feedback passages, weights scaled to max 1."""
    if not feedback or n_docs <= 0:
        return []
    weights: dict[str, float] = defaultdict(float)
    for tokens in feedback:
        if not tokens:
            continue
        counts = Counter(tokens)
        for term, tf in counts.items():
            weights[term] += tf / len(tokens)
    asked = set(query_tokens)
    scored = [
        (term, w * math.log(1 + n_docs / (1 + df)))
        for term, w in weights.items()
        if term not in asked and (df := doc_freq(term)) > 0
    ]
    best = sorted(scored, key=lambda pair: (-pair[1], pair[0]))[:n_terms]
    top = best[0][1] if best else 1.0
    return [(term, weight / top) for term, weight in best]
