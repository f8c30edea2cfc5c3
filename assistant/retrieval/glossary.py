"""A small cluster-policy glossary for query expansion: the names one idea goes by.

A question that says "SME" should also find passages that say "small firms"; one that says
"after the fact" should find "ex post". Each group lists equivalent phrases; a group whose
phrase occurs in the question adds the other phrases' words to the BM25 query, with a weight
below the question's own words. Only specific terms belong here: generic words ("state",
"firm") would pull in noise.
"""

from __future__ import annotations

import re
from functools import lru_cache

GROUPS: tuple[tuple[str, ...], ...] = (
    ("sme", "smes", "small firms", "small and medium enterprises", "small businesses"),
    ("msme", "msmes", "micro enterprises", "microenterprises"),
    ("social capital", "trust"),
    ("ifc", "ifcs", "institutions for collaboration", "cluster organisation"),
    ("cda", "cdas", "cluster development agent", "cluster broker"),
    ("network broker", "network brokers", "brokerage", "facilitator"),
    ("ex post", "after the fact", "after-the-fact"),
    ("r&d", "research and development"),
    ("fdi", "foreign direct investment", "inward investment"),
    ("bds", "business development services"),
    ("tvet", "vocational training", "technical training"),
    ("ngo", "ngos", "non-governmental organisation"),
    ("mou", "memorandum of understanding"),
    ("smart specialisation", "smart specialization", "s3"),
    ("triple helix", "university industry government"),
    ("value chain", "supply chain"),
    ("spin-off", "spin-offs", "spinoff", "spin-out"),
    ("start-up", "start-ups", "startup", "new firm formation"),
    ("incubator", "incubators", "business incubation"),
    ("donor", "donors", "development agency", "aid agency"),
    ("matchmaking", "brokering"),
)


@lru_cache(maxsize=1)
def _patterns() -> list[tuple[re.Pattern[str], tuple[str, ...]]]:
    return [
        (re.compile(r"(?<![\w&-])(" + "|".join(map(re.escape, g)) + r")(?![\w&-])"), g)
        for g in GROUPS
    ]


def expansions(query: str) -> list[str]:
    """The equivalent phrases of every glossary group the query mentions (not those it used)."""
    text = query.lower().replace("’", "'")
    found: list[str] = []
    for pattern, group in _patterns():
        used = set(pattern.findall(text))
        if used:
            found += [phrase for phrase in group if phrase not in used]
    return found
