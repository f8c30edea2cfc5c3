"""Quotable sentences and references for strategy drafts and the Recommend page.

A draft quotes its sources as short inline quotes: one whole declarative sentence, never a
question, a heading, a reference-list line or a fragment, and never cut with "…".
``best_sentence`` picks such a sentence from a retrieved passage; ``whole_sentence`` widens a
curated quote (one line of a document) to the sentence that holds it. ``in_text`` and
``bibliography_entry`` give the author-year forms of a source.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any

from assistant.citations import Citation, initials, name_parts

MIN_WORDS, MAX_WORDS = 8, 45
_MARKUP = re.compile(r"<sup>.*?</sup>|<[^>]+>|[¹²³⁴⁵⁶⁷⁸⁹⁰]+|\*\*?|(?<!\w)_(?=\w)|(?<=\w)_(?!\w)")
_ENUM = re.compile(r"^(?:[-•–]\s+|\(?\d{1,2}[.)]\s+|\(?[a-z][.)]\s+)")
_BAD = re.compile(r"\?|…|\.\.\.|\||\bSource:|^(?:Table|Figure|Box|Chart)\s+\d|https?://|\bet al\.")
_YEAR = re.compile(r"\b(?:19|20)\d\d\b")
_END = re.compile(r"[.!]['\"”’)]*$")
_START = re.compile(r"^['\"“‘(]?[A-Z]")
_WORD = re.compile(r"[A-Za-z][A-Za-z'-]+")
_SPLIT = re.compile(r"(?<=[.!?])['\"”’)]*\s+(?=['\"“‘(]?[A-Z0-9])")
# A heading run into its paragraph: 'Key discussion and conclusions One of the motives ...'.
_RUN_ON = re.compile(
    r"\b[a-z]{3,} (?:The|One|In|An?|This|These|It|We|Our|For|As|However|Since|When) [a-z]"
)
_PRONOUN_START = re.compile(r"^(?:This|These|Those|It|They|Such|Here|There|However|Thus)\b")


def clean(text: str) -> str:
    """Text without HTML, Markdown emphasis, footnote marks and line breaks."""
    return " ".join(_MARKUP.sub("", text).split())


def quotable(sentence: str, max_words: int = MAX_WORDS) -> bool:
    """A whole declarative sentence of a readable length, free of references and residue."""
    words = sentence.split()
    return (
        MIN_WORDS <= len(words) <= max_words
        and bool(_START.match(sentence))
        and bool(_END.search(sentence))
        and not _BAD.search(sentence)
        and not _RUN_ON.search(sentence)
        and len(_YEAR.findall(sentence)) < 2
        and sum(w[:1].isupper() for w in words) * 2 < len(words)
    )


def _heading(line: str, previous: str) -> bool:
    """A short line without final punctuation after a finished sentence: a heading."""
    return (
        len(line) < 60
        and not re.search(r"[.!?:;,]['\"”’)]*$", line)
        and (not previous or bool(re.search(r"[.!?:]['\"”’)]*$", previous)))
    )


def sentences(passage: str) -> list[str]:
    """The sentences of a passage, paragraph by paragraph, headings and table rows left out."""
    out: list[str] = []
    for block in re.split(r"\n\s*\n", passage):
        kept: list[str] = []
        for line in (ln.strip() for ln in block.splitlines()):
            if (
                line
                and not line.startswith(("#", "|"))
                and not _heading(line, kept[-1] if kept else "")
            ):
                kept.append(line)
        text = clean(" ".join(kept))
        out += [_ENUM.sub("", s).strip() for s in _SPLIT.split(text) if s.strip()]
    return out


COMMON = {"cluste", "firms", "policy", "polici"}


def stems(text: str) -> set[str]:
    """Crude stems (first six letters) of the longer words, for overlap counts."""
    return {w.lower()[:6] for w in _WORD.findall(text) if len(w) > 3} - COMMON


def relevance(sentence: str, name: str, topic: str) -> float:
    """Overlap with the instrument's name (double) and its topic, per length, 0 if off-topic."""
    own = stems(sentence)
    named, shared = len(stems(name) & own), len((stems(topic) - stems(name)) & own)
    if named == 0 and shared < 3:
        return 0.0
    value = 2 * named + shared - 0.5 * bool(_PRONOUN_START.match(sentence))
    return value / (1 + len(sentence.split()) / 25)


def best_sentence(
    passage: str, topic: str, avoid: Iterable[str] = (), name: str = ""
) -> str | None:
    """The quotable sentence of ``passage`` closest to ``name`` and ``topic`` (or None)."""
    skip = set(avoid)
    best, best_value = None, 0.0
    for sentence in sentences(passage):
        if sentence in skip or not quotable(sentence):
            continue
        value = relevance(sentence, name, topic)
        if value > best_value:
            best, best_value = sentence, value
    return best


def key_sentence(passage: str, topic: str, name: str = "") -> str | None:
    """The sentence to highlight: the best quotable one, else the one sharing most words."""
    found = best_sentence(passage, topic, name=name)
    if found:
        return found
    wanted = stems(f"{name} {topic}")
    scored = [(len(wanted & stems(s)), s) for s in sentences(passage) if len(s.split()) >= 6]
    best = max(scored, default=(0, ""), key=lambda item: item[0])
    return best[1] if best[0] >= 2 else None


def whole_sentence(text: str, fragment: str, max_words: int = 60) -> str | None:
    """The sentence of ``text`` that holds ``fragment`` (a curated quote), if quotable."""
    words = clean(fragment).split()
    if not words:
        return None
    match = re.search(r"\s+".join(re.escape(w) for w in words), text)
    if match is None:
        return None
    para_start = max(text.rfind("\n\n", 0, match.start()), text.rfind("\n#", 0, match.start()))
    para_end = text.find("\n\n", match.end())
    para = text[para_start + 1 : para_end if para_end >= 0 else len(text)]
    at = match.start() - para_start  # just after the fragment's first character
    for sentence in sentences(para[:at] + "\x00" + para[at:]):
        if "\x00" in sentence:
            found = sentence.replace("\x00", "")
            return found if quotable(found, max_words) else None
    return None


@lru_cache(maxsize=16)
def _document_text(path: str, stamp: float) -> str:
    return Path(path).read_text(encoding="utf-8", errors="replace")


def document_text(corpus_dir: Path, file_name: str) -> str:
    """A corpus document's text ("" when it is not there)."""
    path = Path(corpus_dir) / "documents" / file_name
    if not path.is_file():
        return ""
    return _document_text(str(path), path.stat().st_mtime)


# ------------------------------------------------------------------------------ references


def _names(authors: str | list[str]) -> list[str]:
    """Author names from a list or an 'A; B' string (a ';' inside brackets does not split)."""
    if isinstance(authors, list):  # a YAML list may split 'UNIDO (A, B)' at its comma
        authors = "; ".join(str(a) for a in authors)
    names, depth, current = [], 0, ""
    for char in authors:
        depth += (char == "(") - (char == ")")
        if char == ";" and depth == 0:
            names.append(current)
            current = ""
        else:
            current += char
    return [n.strip() for n in [*names, current] if n.strip()]


def _corporate(name: str) -> tuple[str, list[str]] | None:
    """'UNIDO (Giovanna Ceglie, Anna Stancher)' -> ('UNIDO', ['Giovanna Ceglie', ...])."""
    match = re.fullmatch(r"([^()]+?)\s*\((.+)\)", name)
    if not match:
        return None
    return match.group(1).strip(), [n.strip() for n in re.split(r"[;,]", match.group(2))]


def surname(name: str) -> str:
    return name_parts(name)[0]


def short_authors(authors: str | list[str]) -> str:
    """'Benner', 'Meyer-Stamer and Harmes-Liedtke', 'Andersson et al.', 'UNIDO'."""
    names = _names(authors)
    if not names:
        return ""
    corporate = _corporate(names[0])
    if corporate:
        return corporate[0]
    if len(names) == 2:
        return f"{surname(names[0])} and {surname(names[1])}"
    return surname(names[0]) + (" et al." if len(names) > 2 else "")


def in_text(citation: Citation) -> str:
    """'Benner 2013' or 'UNIDO 2010, p. 12': the short form used in the text."""
    who = short_authors(citation.authors) or citation.title or "Anonymous"
    out = f"{who} {citation.year}" if citation.year else who
    return out + (f", p. {citation.page}" if citation.page else "")


def _inverted(name: str) -> str:
    """'Michael J. Enright' -> 'Enright, M. J.'; 'Schwaag Serger, Sylvia' -> 'Schwaag
    Serger, S.'."""
    family, given = name_parts(name)
    short = initials(given)
    return f"{family}, {short}" if short else family


def author_list(authors: str | list[str]) -> str:
    """Authors as a reference list writes them: 'Meyer-Stamer, J., & Harmes-Liedtke, U.'."""
    names = _names(authors)
    if len(names) == 1 and (corporate := _corporate(names[0])):
        return f"{corporate[0]} ({' & '.join(corporate[1])})"
    inverted = [_inverted(n) for n in names]
    if len(inverted) <= 1:
        return "".join(inverted)
    return ", ".join(inverted[:-1]) + ", & " + inverted[-1]


def bibliography_entry(meta: Mapping[str, Any]) -> tuple[str, str, str]:
    """(authors and year, title, publisher): one reference in author-date style."""
    authors = author_list(meta.get("authors") or []) or str(meta.get("title", ""))
    year = meta.get("year") or "n.d."
    head = f"{authors} ({year})."
    publisher = str(meta.get("publisher") or "").strip()
    return head, str(meta.get("title", "")).rstrip("."), publisher + "." if publisher else ""


def alias_table(manifest: Mapping[str, Mapping[str, Any]]) -> dict[str, str]:
    """Names the catalog uses for documents ('Whitebook', 'OECD') -> their short authors."""
    table: dict[str, str] = {}
    for meta in manifest.values():
        names = _names(meta.get("authors") or [])
        if not names:
            continue
        short = short_authors(names)
        aliases = [*(meta.get("aliases") or []), str(meta.get("publisher", "")).split(" ")[0]]
        if not _corporate(names[0]):
            aliases.append(surname(names[0]))
        for alias in (a.rstrip(",") for a in aliases):
            if alias[:1].isupper() and alias != short:
                table[alias] = short
    return table


def restyle_references(text: str, aliases: Mapping[str, str]) -> str:
    """'(Whitebook 2004 §4.3.4)' -> '(Andersson et al. 2004, §4.3.4)' in a catalog note."""
    if aliases:
        names = "|".join(re.escape(a) for a in sorted(aliases, key=len, reverse=True))
        text = re.sub(rf"\b({names}) ((?:19|20)\d\d)\b", lambda m: f"{aliases[m[1]]} {m[2]}", text)
    return re.sub(
        r"\([^()]*\)",
        lambda m: re.sub(r"\b((?:19|20)\d\d) (?=[§A-Z]|para)", r"\1, ", m[0]),
        text,
    )
