"""Markup and footnote marks removed from extracted text, so that quoted sentences read clean.

Inline formatting tags (``<b>``, ``<br>``, ``<p>``) and footnote marks go: ``<sup>10</sup>`` in
running text and the footnote numbers PDF extraction glues to a sentence's end ("… in
clusters.10 Sociological …"). A footnote's own line (``<sup>3</sup>See Oyeleran…``) becomes
"Note 3: See Oyeleran…", which answers do not quote. Page labels live in block metadata and are
kept. Table residue (``<i>``, ``<ul …>`` in the mesopartner tables) is left as it is: answers skip
sentences holding tags (``assistant.answering.extractive.quotable``).
"""

from __future__ import annotations

import re

_NOTE_LINE = re.compile(r"^\s*<sup>\s*(\w{1,4})\s*</sup>\s*")
_SUP = re.compile(r"<sup>[^<]{0,12}</sup>")
_INLINE = re.compile(r"</?(?:b|strong|em|p|span|br)\s*/?>", re.IGNORECASE)
# "clusters.10 Sociological" / "firm strategies.21" / "(…).13": a word (two letters or more)
# or a closing bracket, punctuation, then a one- or two-digit note number.
_GLUED_NOTE = re.compile(r"([a-z]{2}[.,;:!?”\"’]|[a-z0-9]\)[.,;]?)\d{1,2}(?=\s+[A-Z“\"(]|\s*$)")


def clean_line(line: str) -> str:
    """``line`` without inline markup and footnote marks (a footnote line keeps its number)."""
    cleaned = _NOTE_LINE.sub(lambda m: f"Note {m.group(1)}: ", line)
    cleaned = _GLUED_NOTE.sub(r"\1", _INLINE.sub(" ", _SUP.sub("", cleaned)))
    return line if cleaned == line else re.sub(r" {2,}", " ", cleaned).strip()
