"""Countries and world regions named in a description, and their development level.

The gazetteer is ``countryinfo`` (names, other spellings, demonyms, capitals and UN M49
regions of 250 countries). A country's development level follows one stated rule,
``DEVELOPMENT_RULE``, on membership lists from ``countrygroups``: the UNFCCC's Annex I (the
industrialised countries and the economies in transition) and the OECD. A region's level is
the level most of its countries share, or unknown when no level has two thirds of them.

    >>> find_place("about 300 family-owned tanneries near Addis Ababa, Ethiopia").name
    'Ethiopia'
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache

DEVELOPMENT_RULE = (
    "industrialised: in UNFCCC Annex I and an OECD member; emerging: in Annex I or the OECD "
    "only (economies in transition, newer OECD members) or a BRICS member; developing: every "
    "other country (UNFCCC Annex I and OECD lists from the countrygroups package)"
)
REGION_MAJORITY = 2 / 3

# Words after a demonym or before a name that put the place outside the cluster:
# "Italian brands", "buyers from Germany", "exports to Japan".
FOREIGN_AFTER = re.compile(
    r"^\s+(brands?|buyers?|customers?|clients?|importers?|investors?|tourists?|visitors?|"
    r"companies|firms?|markets?|owners?|chains?|retailers?|partners?|competitors?|"
    r"consultants?|experts?|donors?|agency)\b",
    re.IGNORECASE,
)
FOREIGN_BEFORE = re.compile(
    r"\b(from|to|into|than|like|versus|vs\.?|against|for|with|toward|towards)\s+(the\s+)?$",
    re.IGNORECASE,
)
HOME_BEFORE = re.compile(r"\b(in|of|across|throughout|within)\s+(the\s+|a\s+|an\s+)?$")


@dataclass(frozen=True)
class Place:
    """A country or region found in a text, with the words it was found in."""

    name: str
    kind: str  # "country" or "region"
    development_level: str | None
    words: str


def country_level(iso3: str) -> str | None:
    """Development level of a country by ``DEVELOPMENT_RULE``."""
    import countrygroups as cg

    annex, oecd = iso3 in cg.ANNEX_ONE, iso3 in cg.OECD
    if annex and oecd:
        return "industrialised"
    if annex or oecd or iso3 in cg.BRICS:
        return "emerging"
    return "developing"


@dataclass(frozen=True)
class _Entry:
    name: str
    kind: str
    level: str | None
    demonym: bool


@lru_cache(maxsize=1)
def _gazetteer() -> dict[str, _Entry]:
    """Lower-case name -> entry, for countries (names, spellings, demonyms) and regions."""
    from countryinfo import all_countries

    names: dict[str, _Entry] = {}
    regions: dict[str, list[str | None]] = {}
    for country in all_countries():
        info = country.info()
        iso3 = (info.get("ISO") or {}).get("alpha3")
        if not iso3:
            continue
        level = country_level(iso3)
        entry = _Entry(info["name"], "country", level, demonym=False)
        for spelling in [info["name"], *info.get("altSpellings", []), info.get("capital") or ""]:
            if len(spelling) >= 4 and not spelling.isupper() and spelling.isascii():
                names.setdefault(spelling.lower(), entry)
        if demonym := info.get("demonym"):
            names.setdefault(demonym.lower(), _Entry(info["name"], "country", level, True))
        for key in ("region", "subregion", "intermediateregion"):
            if region := info.get(key):
                regions.setdefault(str(region), []).append(level)
    import countrygroups as cg

    for group, members in (("European Union", cg.EUROPEAN_UNION), ("OECD", cg.OECD)):
        regions[group] = [country_level(iso3) for iso3 in members]
    for region, levels in regions.items():
        entry = _Entry(region, "region", _majority(levels), demonym=False)
        for alias in _region_aliases(region):
            names.setdefault(alias, entry)
    return names


def _majority(levels: list[str | None]) -> str | None:
    counts = Counter(v for v in levels if v)
    if not counts:
        return None
    level, n = counts.most_common(1)[0]
    return level if n / sum(counts.values()) >= REGION_MAJORITY else None


def _region_aliases(region: str) -> set[str]:
    """'Southern Asia' -> southern asia, south asia, south asian, ...; 'South-eastern Asia' too."""
    base = region.lower()
    forms = {base, base.split(" and the ")[0]}
    for long, short in (
        ("south-eastern", "south-east"),
        ("southern", "south"),
        ("northern", "north"),
        ("eastern", "east"),
        ("western", "west"),
    ):
        forms |= {f.replace(long, short) for f in forms}
    forms |= {f.replace("south-east", "southeast") for f in forms}
    forms |= {f.replace("south-east", "south east") for f in forms}
    if region == "European Union":
        forms |= {"eu", "european union"}
    return forms | {f + "n" for f in forms if f.endswith("a")}


@lru_cache(maxsize=1)
def _pattern() -> re.Pattern[str]:
    keys = sorted(_gazetteer(), key=len, reverse=True)
    return re.compile(r"(?<![\w-])(" + "|".join(map(re.escape, keys)) + r")(?![\w-])", re.I)


def find_places(text: str) -> list[tuple[int, Place]]:
    """Every place named in ``text`` with a preference score (higher = the cluster's own)."""
    found = []
    for m in _pattern().finditer(text):
        if not any(word[0].isupper() for word in m.group(0).split()):
            continue  # "china" the porcelain, "turkey" the bird
        entry = _gazetteer()[m.group(0).lower()]
        before, after = text[max(0, m.start() - 30) : m.start()], text[m.end() : m.end() + 30]
        score = 1 if HOME_BEFORE.search(before) else 0
        if FOREIGN_BEFORE.search(before) or (entry.demonym and FOREIGN_AFTER.search(after)):
            score -= 3
        place = Place(entry.name, entry.kind, entry.level, m.group(0))
        found.append((score + (entry.kind == "country"), place))
    return found


def find_place(text: str) -> Place | None:
    """The place the text most likely describes: a country before a region, home before abroad."""
    candidates = [(score, -n, place) for n, (score, place) in enumerate(find_places(text))]
    candidates = [c for c in candidates if c[0] >= 0]
    return max(candidates, key=lambda c: (c[0], c[1]))[2] if candidates else None
