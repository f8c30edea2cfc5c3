"""Find the sentence of a passage that an answer sentence cites, and mark it in HTML."""

from __future__ import annotations

import re

from assistant.ui.safe_text import inert

MARKER = re.compile(r"\s*\[(\d+)\]")
MARKER_GROUP = re.compile(r"((?:\s*\[\d+\])+)")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[\"'“(]?[A-Z0-9])")
_WORD = re.compile(r"\w+")
MIN_OVERLAP = 0.5


def split_sentences(text: str) -> list[str]:
    """A rough sentence split (enough to find a cited statement in a passage)."""
    return [s.strip() for s in _SENTENCE_END.split(text) if s.strip()]


def cited_sentences(answer: str, marker: int) -> list[str]:
    """The statements of the answer that carry ``[marker]`` (the text before the marker)."""
    parts = MARKER_GROUP.split(answer)
    cited = []
    for text, markers in zip(parts[::2], parts[1::2], strict=False):
        if marker in {int(m) for m in re.findall(r"\d+", markers)} and text.strip():
            cited.append(text.strip())
    return cited


def _words(text: str) -> set[str]:
    return {w.lower() for w in _WORD.findall(text) if len(w) > 2}


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip().strip("\"'“”").rstrip(".")


def _verbatim(passage: str, text: str) -> tuple[int, int] | None:
    target = _norm(text)
    if len(target) <= 15:
        return None
    match = re.search(r"\s+".join(re.escape(w) for w in target.split()), passage)
    if not match:
        return None
    end = match.end()
    while end < len(passage) and passage[end] in ".!?”\"'":
        end += 1
    return match.start(), end


def find_span(passage: str, statement: str) -> tuple[int, int] | None:
    """Span of ``statement`` in ``passage``: verbatim, else its last sentence's closest match."""
    span = _verbatim(passage, statement)
    if span:
        return span
    sentence = (split_sentences(statement) or [statement])[-1]
    span = _verbatim(passage, sentence)
    if span:
        return span
    wanted = _words(sentence)
    if not wanted:
        return None
    best, best_span = 0.0, None
    for match in re.finditer(r"[^.!?]+[.!?]?", passage):
        overlap = len(wanted & _words(match.group())) / len(wanted)
        if overlap > best:
            lead = len(match.group()) - len(match.group().lstrip())
            best, best_span = overlap, (match.start() + lead, match.end())
    return best_span if best >= MIN_OVERLAP else None


_SENTENCE_GAP = re.compile(r"(?P<stop>[.!?][”\"’)]*)\s+(?=[“\"‘(]?[A-Z0-9])|\n\s*")


def _window(passage: str, spans: list[tuple[int, int]], width: int) -> tuple[int, int]:
    """Bounds of the text around the marked spans (about ``width`` characters either side),
    cut between sentences where a sentence ends in the margin."""
    if not spans or len(passage) <= 2 * width + (spans[-1][1] - spans[0][0]):
        return 0, len(passage)
    start, end = max(0, spans[0][0] - width), min(len(passage), spans[-1][1] + width)
    if start:  # cut between sentences, else between words
        opening = _SENTENCE_GAP.search(passage, start, spans[0][0])
        cut = passage.find(" ", start, spans[0][0])
        start = opening.end() if opening else cut + 1 if cut >= 0 else start
    if end < len(passage):
        gaps = _SENTENCE_GAP.finditer(passage, spans[-1][1], end)
        closing = [m.end("stop") if m.group("stop") else m.start() for m in gaps]
        cut = passage.rfind(" ", spans[-1][1], end)
        end = closing[-1] if closing else cut if cut >= 0 else end
    return start, end


def highlight_html(passage: str, sentences: list[str], width: int | None = None) -> str:
    """The passage as inert HTML (``safe_text``) with the cited sentences wrapped in ``<mark>``.

    With ``width``, only the text around the marked sentences is kept (cut with "…").
    """
    spans = sorted(s for s in (find_span(passage, x) for x in sentences) if s)
    first, last = _window(passage, spans, width) if width else (0, len(passage))
    out, cursor = ["… " if first else ""], first
    for start, end in spans:
        if start < cursor:
            continue
        out += [inert(passage[cursor:start]), "<mark>", inert(passage[start:end])]
        out.append("</mark>")
        cursor = end
    out.append(inert(passage[cursor:last]) + (" …" if last < len(passage) else ""))
    return "".join(out).replace("\n", "<br>")
