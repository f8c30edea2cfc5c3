"""Find the sentence of a passage that an answer sentence cites, and mark it in HTML."""

from __future__ import annotations

import html
import re

MARKER = re.compile(r"\s*\[(\d+)\]")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[\"'“(\[]?[A-Z0-9])|(?<=\])\s+(?=[A-Z])")
_WORD = re.compile(r"\w+")
MIN_OVERLAP = 0.5


def split_sentences(text: str) -> list[str]:
    """Rough sentence split that keeps each sentence's trailing citation markers."""
    return [s.strip() for s in _SENTENCE_END.split(text) if s.strip()]


def cited_sentences(answer: str, marker: int) -> list[str]:
    """The answer's sentences that carry ``[marker]``, markers removed."""
    tag = f"[{marker}]"
    return [MARKER.sub("", s).strip() for s in split_sentences(answer) if tag in s]


def _words(text: str) -> set[str]:
    return {w.lower() for w in _WORD.findall(text) if len(w) > 2}


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip().strip("\"'“”").rstrip(".")


def find_span(passage: str, sentence: str) -> tuple[int, int] | None:
    """Character span of ``sentence`` in ``passage``: verbatim, else the closest sentence."""
    target = _norm(sentence)
    if len(target) > 15:
        pattern = r"\s+".join(re.escape(w) for w in target.split())
        match = re.search(pattern, passage)
        if match:
            return match.span()
    wanted = _words(sentence)
    if not wanted:
        return None
    best, best_span = 0.0, None
    for match in re.finditer(r"[^.!?]+[.!?]?", passage):
        overlap = len(wanted & _words(match.group())) / len(wanted)
        if overlap > best:
            best, best_span = overlap, match.span()
    return best_span if best >= MIN_OVERLAP else None


def highlight_html(passage: str, sentences: list[str]) -> str:
    """The passage as escaped HTML with the cited sentences wrapped in ``<mark>``."""
    spans = sorted(s for s in (find_span(passage, x) for x in sentences) if s)
    out, cursor = [], 0
    for start, end in spans:
        if start < cursor:
            continue
        out += [html.escape(passage[cursor:start]), "<mark>", html.escape(passage[start:end])]
        out.append("</mark>")
        cursor = end
    out.append(html.escape(passage[cursor:]))
    return "".join(out).replace("\n", "<br>")
