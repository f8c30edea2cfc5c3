"""A strategy draft a consultant can edit: Markdown text or a Word document.

Both carry the profile (with the words each fact came from), the roadmap by phase with
rationale, cautions and numbered citations, what not to do, disagreements between documents,
similar cases, and a bibliography of the cited documents.
"""

from __future__ import annotations

from pathlib import Path

from assistant.citations import Citation
from assistant.recommending.roadmap import Roadmap

TITLE = "Cluster development strategy (draft)"


def _excerpt(text: str, limit: int = 400) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1].rsplit(" ", 1)[0] + " …"


class _Numbering:
    """Numbers citations across the document so the bibliography can list them."""

    def __init__(self) -> None:
        self.items: list[Citation] = []
        self._index: dict[str, int] = {}

    def number(self, cit: Citation) -> int:
        key = cit.chunk_id or f"{cit.doc_id}:{cit.text[:40]}"
        if key not in self._index:
            self.items.append(cit)
            self._index[key] = len(self.items)
        return self._index[key]


def _sections(roadmap: Roadmap) -> list[tuple[str, list[tuple[str, str]]]]:
    """The draft as (heading, [(kind, text)]) blocks shared by Markdown and DOCX writers.

    kinds: ``h3`` sub-heading, ``p`` paragraph, ``li`` bullet, ``quote`` block quote.
    """
    refs = _Numbering()
    profile = roadmap.profile
    out: list[tuple[str, list[tuple[str, str]]]] = []
    desc = [("p", profile.description)] if profile.description else []
    facts = [("li", fact) for fact in profile.facts()] or [("p", "Nothing could be inferred.")]
    unknown = [
        name.replace("_", " ")
        for name in ("sector", "development_level", "lifecycle_stage", "trust", "time_frame")
        if getattr(profile, name) in (None, "")
    ]
    if unknown:
        facts.append(("p", "Unknown (to be completed): " + ", ".join(unknown) + "."))
    facts += [("p", f"Contradiction in the description: {c}") for c in profile.contradictions]
    out.append(("Cluster profile", desc + facts))

    road: list[tuple[str, str]] = []
    for phase, recs in roadmap.by_phase().items():
        road.append(("h3", phase))
        for rec in recs:
            marks = " ".join(f"[{refs.number(c)}]" for c in rec.citations)
            road.append(("li", f"{rec.name} (score {rec.score}) {marks}".rstrip()))
            road.append(("p", rec.rationale))
            for caution in rec.cautions:
                road.append(("p", f"Caution: {caution}"))
            for cit in rec.citations:
                road.append(("quote", f"[{refs.number(cit)}] {_excerpt(cit.text)}"))
    out.append(("Roadmap by phase", road or [("p", "No instrument fits the description.")]))

    avoid: list[tuple[str, str]] = []
    for item in roadmap.not_recommended:
        marks = " ".join(f"[{refs.number(s)}]" for s in item.sources)
        avoid.append(("li", f"{item.name}: {item.reason} {marks}".rstrip()))
    out.append(("What not to do", avoid or [("p", "No specific warning triggered.")]))

    if roadmap.disagreements:
        dis = []
        for d in roadmap.disagreements:
            marks = " ".join(f"[{refs.number(s)}]" for s in d.sides)
            dis.append(("li", f"{d.topic} {marks}"))
        out.append(("Where the documents disagree", dis))

    cases = [
        (
            "li",
            f"{c.name} ({c.country}): {c.why}"
            + (f" [{refs.number(c.source)}]" if c.source else ""),
        )
        for c in roadmap.similar_cases
    ]
    out.append(("Similar documented cases", cases or [("p", "No close case found.")]))

    bib = [("li", f"[{n}] {c.label()}") for n, c in enumerate(refs.items, 1)]
    docs: dict[str, Citation] = {}
    for c in refs.items:
        docs.setdefault(c.doc_id or c.title, c)
    bib.append(("h3", "Documents cited"))
    bib += [
        ("li", f"{c.title} ({c.authors or c.doc_id}" + (f", {c.year}" if c.year else "") + ")")
        for c in docs.values()
    ]
    out.append(("References", bib))
    return out


def to_markdown(roadmap: Roadmap) -> str:
    """The strategy draft as Markdown."""
    lines = [f"# {TITLE}", ""]
    for heading, blocks in _sections(roadmap):
        lines += [f"## {heading}", ""]
        for kind, text in blocks:
            if kind == "h3":
                lines += [f"### {text}", ""]
            elif kind == "li":
                lines.append(f"- {text}")
            elif kind == "quote":
                lines += [f"  > {text}", ""]
            else:
                lines += [f"  {text}" if lines and lines[-1].startswith("- ") else text, ""]
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def to_docx(roadmap: Roadmap, path: Path | str) -> Path:
    """Write the strategy draft as a Word document (python-docx) and return its path."""
    from docx import Document

    doc = Document()
    doc.add_heading(TITLE, level=0)
    for heading, blocks in _sections(roadmap):
        doc.add_heading(heading, level=1)
        for kind, text in blocks:
            if kind == "h3":
                doc.add_heading(text, level=2)
            elif kind == "li":
                doc.add_paragraph(text, style="List Bullet")
            elif kind == "quote":
                doc.add_paragraph(text, style="Intense Quote")
            else:
                doc.add_paragraph(text)
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    doc.save(str(target))
    return target
