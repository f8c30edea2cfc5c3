"""Turn lines of extracted text into paragraphs and headings.

Plain-text and PDF extractions are hard-wrapped: a paragraph arrives as many short lines, and
headings arrive as ordinary lines. These rules rebuild paragraphs and recognise the heading
styles of policy reports: numbered headings ("4.2.1 Building social capital"), Markdown
headings, all-caps headings, "Part II" / "Chapter 3", and "Box 3." / "Table 2" captions.
"""

from __future__ import annotations

import re
import statistics
from collections import Counter
from collections.abc import Iterable

from assistant.ingest.document import Block
from assistant.ingest.markup import clean_line

CAPTION_LEVEL = 9  # captions nest under whatever section they appear in
RUNNING_REPEATS = 5  # a short line seen this often is a running header or footer

_MD_HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$")
_NUMBERED = re.compile(r"^(\d{1,2}(?:\.\d{1,2}){0,4})\.?\s+(\S.*)$")
_PART = re.compile(r"^(part|chapter|annex|appendix)\s+([ivxlc]+|\d+)\b", re.IGNORECASE)
_CAPTION = re.compile(r"^(box|table|figure|fig\.|exhibit)\s+\d+[a-z]?\b", re.IGNORECASE)
_BULLET = re.compile(r"^([-*•▪◦–]|\(?[a-z0-9]{1,2}[).])\s+")
_TERMINAL = (".", "!", "?", ":", ".”", '."', "?”", '?"', ".)", ".’")
_TOC_TAIL = re.compile(r"(\s\.{2,}\s*|\s+)\d{1,4}$")


def _clean_heading(text: str) -> str:
    text = text.replace("**", "").replace("__", "").strip(" *_#\t")
    return _TOC_TAIL.sub("", text).strip() if re.search(r"\s\d{1,4}$", text) else text


_CONNECTORS = {"and", "or", "of", "the", "in", "to", "for", "with", "a", "an", "on", "by", "as"}


def heading_level(line: str, markdown: bool = False, width: float = 0.0) -> int | None:
    """The heading level of a line, or None when it reads as body text.

    ``width`` is the document's wrap width: a line that fills it is a wrapped body line.
    """
    line = line.strip()
    if not line or len(line) > 120:
        return None
    if markdown:
        m = _MD_HEADING.match(line)
        if m:
            return len(m.group(1))
    if _CAPTION.match(line):
        return CAPTION_LEVEL if _is_caption(line) else None
    if _PART.match(line) and len(line.split()) <= 12:
        return 1
    words = line.split()
    if (width and len(line) >= 0.8 * width) or (
        words[-1].lower() in _CONNECTORS and not _is_caps(line)
    ):
        return None
    m = _NUMBERED.match(line)
    if m and len(words) <= 14 and not line.endswith((",", ";", ".", ")")):
        title = m.group(2).lstrip("*_ ")
        top = int(m.group(1).split(".")[0])
        if title[:1].isupper() and 0 < top <= 30 and not title.replace(" ", "").isdigit():
            return m.group(1).count(".") + 1
    if _is_caps_heading(line, words):
        return 1
    return None


def _is_caption(line: str) -> bool:
    """A "Table 2: …" caption, not a sentence that starts with "Table 2 shows …"."""
    rest = line[_CAPTION.match(line).end() :].strip()  # type: ignore[union-attr]
    if len(line) > 110 or line.endswith(","):
        return False
    return not rest or rest[0] in ":.–—-" or not rest[0].islower()


_SHORT_CAPS_HEADINGS = {"INDEX", "NOTES", "ANNEX", "TABLES", "BOXES"}


def _is_caps_heading(line: str, words: list[str]) -> bool:
    """An all-caps heading; not an acronym alone ("UNCTAD") or a code ("ISSN 1613-298X")."""
    if not _is_caps(line) or len(words) > 10 or line.endswith((".", ",")):
        return False
    letters = sum(c.isalpha() for c in line)
    if letters < 0.6 * len(line.replace(" ", "")) or letters < 5:
        return False
    return len(words) > 1 or letters >= 7 or line in _SHORT_CAPS_HEADINGS


def _is_caps(line: str) -> bool:
    letters = [c for c in line if c.isalpha()]
    return len(letters) >= 4 and sum(c.isupper() for c in letters) / len(letters) > 0.9


def _wrap_width(lines: list[str]) -> float:
    lengths = [len(x) for x in lines if 30 < len(x) <= 160]
    if len(lengths) < 5:
        return 0.0
    return statistics.quantiles(lengths, n=10)[7]  # ~80th percentile: a full wrapped line


def _continues(prev: str, nxt: str, width: float) -> bool:
    """Whether ``nxt`` continues the paragraph that ``prev`` ends."""
    if _BULLET.match(nxt):
        return False
    if not prev.rstrip().endswith(_TERMINAL):
        return True
    if nxt[:1].islower():
        return True
    return bool(width) and 0.85 * width <= len(prev) <= 1.15 * width


def _drop_running_lines(items: list[tuple[str, str | None]]) -> list[tuple[str, str | None]]:
    """Remove page numbers and running headers/footers (short lines repeated many times)."""
    counts = Counter(text.strip() for text, _ in items)
    return [
        (text, page)
        for text, page in items
        if not text.strip().isdigit()
        and not (counts[text.strip()] >= RUNNING_REPEATS and len(text.strip()) <= 80)
    ]


def _continues_caps_heading(
    blocks: list[Block], para: list[str], line: str, markdown: bool
) -> bool:
    """Whether ``line`` is the second line of an all-caps heading wrapped over two lines."""
    last = blocks[-1] if blocks else None
    return bool(
        not para
        and last is not None
        and last.is_heading
        and _is_caps(last.text)
        and _is_caps(line)
        and len(line.split()) <= 10
        and not _NUMBERED.match(line)
        and not (markdown and _MD_HEADING.match(line))
    )


class _Numbering:
    """Keeps numbered headings in sequence, so that a stray "16 One" or a numbered list item
    ("2. Start") far from the current chapter number is read as body text."""

    def __init__(self, slack: int = 2) -> None:
        self.slack = slack
        self.top: int | None = None

    def accepts(self, line: str, markdown: bool) -> bool:
        m = _NUMBERED.match(line)
        if m is None or (markdown and _MD_HEADING.match(line)):
            return True
        top = int(m.group(1).split(".")[0])
        if self.top is not None and top != 1 and not self.top <= top <= self.top + self.slack:
            return False
        self.top = top
        return True


def structure_lines(lines: Iterable[tuple[str, str | None]], markdown: bool = False) -> list[Block]:
    """Group ``(line, page)`` pairs into heading and paragraph blocks.

    Blank lines do not end a paragraph on their own (some extractions double-space every
    line); a paragraph ends where a line closes a sentence and the next line does not look
    like its continuation, or where a heading or bullet starts.
    """
    items = _drop_running_lines([(clean_line(line.rstrip()), page) for line, page in lines])
    width = _wrap_width([text.strip() for text, _ in items])
    blocks: list[Block] = []
    para: list[str] = []
    para_page: str | None = None
    gap = False
    numbering = _Numbering()

    def flush() -> None:
        nonlocal para
        if para:
            blocks.append(Block(" ".join(para), None, para_page))
            para = []

    for raw, page in items:
        line = raw.strip()
        if not line:
            gap = True
            continue
        level = heading_level(line, markdown, width)
        if level is not None and not numbering.accepts(line, markdown):
            level = None
        if _continues_caps_heading(blocks, para, line, markdown):
            last = blocks[-1]
            text = f"{last.text} {_clean_heading(line)}"
            blocks[-1] = Block(text, last.heading_level, last.page)
        elif level is not None:
            flush()
            blocks.append(Block(_clean_heading(_MD_HEADING.sub(r"\2", line)), level, page))
        elif para and _continues(para[-1], line, width) and not (gap and _BULLET.match(line)):
            para.append(line)
        else:
            flush()
            para, para_page = [line], page
        gap = False
    flush()
    return blocks


# A bibliography entry or a citation-only footnote: "- Porter, M. (1990): The Competitive…",
# "12. Enright (1995).", "26. See Lagendijk and Charles (1999)". What precedes the year must
# read as names (no lower-case word of four letters or more) and punctuation must follow it,
# so prose that cites a source ("the tools suggested by the World Bank (2009)", "Porter
# (1990) argues") is not an entry.
_ENTRY = re.compile(
    r"^\W*(?:\d{1,3}\.?\s+)?(?:<sup>[^<]*</sup>\s*)?([^()\n]{2,160}?)"
    r"\(\d{4}[a-z]?(?:[,;:][^)]*)?\)\s*[.,:;]"
)
_NAME_WORDS = {"eds", "with", "also"}
REFERENCE_SHARE = 0.5  # share of a chunk's lines that are entries for it to count as references


def is_reference_entry(line: str) -> bool:
    """Whether ``line`` is a bibliography entry or a footnote that only cites sources."""
    match = _ENTRY.match(line)
    if not match:
        return False
    words = re.findall(r"\b[a-z]{4,}\b", match.group(1))
    return all(w in _NAME_WORDS for w in words)


def is_reference_list(text: str) -> bool:
    """Whether a chunk is mostly bibliography entries or citation footnotes."""
    lines = [line for line in text.splitlines() if line.strip()]
    entries = sum(is_reference_entry(line) for line in lines)
    return bool(lines) and entries / len(lines) >= REFERENCE_SHARE
