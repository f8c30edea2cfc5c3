"""A strategy draft a consultant can edit: Markdown text or a Word document (A4).

Both forms write the same content (``assistant.recommending.draft``): an executive summary, the
profile and the roadmap as tables, a rationale per instrument with short inline quotes, what not
to do, similar cases, disagreements and an author-date bibliography. The Word form sets the
document properties (title, author, subject, keywords, created), A4 pages (the roadmap table on
a landscape page), a header row repeated on every page, and page numbers in the footer.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from assistant.recommending.draft import Block, Draft, Run, build_draft
from assistant.recommending.roadmap import Roadmap

TITLE = "Cluster development strategy"
AUTHOR = "Cluster Policy Assistant"
FONT = "Arial"
INK = (0x1F, 0x2D, 0x3A)
ACCENT = (0x1F, 0x5F, 0x7A)
HEADER_FILL = "DCE6EC"
A4 = (210, 297)  # millimetres
MARGIN_CM = 2.0


def _draft(roadmap: Roadmap, corpus_dir: Path | str | None) -> Draft:
    if corpus_dir is None:
        from assistant.settings import Settings

        corpus_dir = Settings().corpus_dir
    return build_draft(roadmap, corpus_dir)


# ------------------------------------------------------------------------------ Markdown


def _md_runs(runs: list[Run]) -> str:
    marks = {"b": "**", "i": "*", "": ""}
    out = []
    for text, style in runs:
        core = text.strip()
        if not core or not style:
            out.append(text)
            continue
        lead, tail = text[: len(text) - len(text.lstrip())], text[len(text.rstrip()) :]
        out.append(f"{lead}{marks[style]}{core}{marks[style]}{tail}")
    return "".join(out).replace("\n", " ").rstrip()


def _md_table(block: Block) -> list[str]:
    def row(cells: list[str]) -> str:
        return "| " + " | ".join(c.replace("|", "/").replace("\n", " ") for c in cells) + " |"

    return [row(block.header), row(["---"] * len(block.header)), *map(row, block.rows), ""]


def _md_block(block: Block, number: int) -> list[str]:
    if block.kind == "table":
        return _md_table(block)
    text = _md_runs(block.runs)
    prefix = {"h1": "## ", "h2": "### ", "li": "- ", "num": f"{number}. "}.get(block.kind, "")
    if block.kind == "small":
        text = f"*{text}*"
    if block.kind in ("li", "num"):
        return [prefix + text]
    return [prefix + text, ""]


def markdown(draft: Draft) -> str:
    lines = [f"# {draft.title}", "", f"*{draft.subtitle}*", ""]
    number = 0
    for n, block in enumerate(draft.blocks):
        number = number + 1 if block.kind == "num" else 0
        lines += _md_block(block, number)
        following = draft.blocks[n + 1].kind if n + 1 < len(draft.blocks) else ""
        if block.kind in ("li", "num") and following != block.kind:
            lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def to_markdown(roadmap: Roadmap, corpus_dir: Path | str | None = None) -> str:
    """The strategy draft as Markdown (quotes read from ``corpus_dir``, default: settings)."""
    return markdown(_draft(roadmap, corpus_dir))


# ------------------------------------------------------------------------------ Word


def _styles(doc: Any) -> None:
    from docx.shared import Pt, RGBColor

    normal = doc.styles["Normal"]
    normal.font.name, normal.font.size = FONT, Pt(10)
    normal.font.color.rgb = RGBColor(*INK)
    normal.paragraph_format.space_after = Pt(6)
    normal.paragraph_format.line_spacing = 1.15
    for name, size in (("Title", 24), ("Heading 1", 15), ("Heading 2", 11)):
        style = doc.styles[name]
        style.font.name, style.font.size = FONT, Pt(size)
        style.font.italic = False
        style.font.color.rgb = RGBColor(*ACCENT)
        style.paragraph_format.space_before = Pt(14 if name == "Heading 1" else 8)
        style.paragraph_format.space_after = Pt(4)
    for name in ("List Bullet", "List Number"):
        doc.styles[name].paragraph_format.space_after = Pt(4)


def _page(section: Any, landscape: bool) -> None:
    from docx.enum.section import WD_ORIENT
    from docx.shared import Cm, Mm

    width, height = (A4[1], A4[0]) if landscape else A4
    section.orientation = WD_ORIENT.LANDSCAPE if landscape else WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Mm(width), Mm(height)
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, Cm(MARGIN_CM))


def _page_number(section: Any) -> None:
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    para = section.footer.paragraphs[0]
    para.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = para.add_run()
    for kind, text in (("begin", None), (None, "PAGE"), ("end", None)):
        if kind:
            element = OxmlElement("w:fldChar")
            element.set(qn("w:fldCharType"), kind)
        else:
            element = OxmlElement("w:instrText")
            element.set(qn("xml:space"), "preserve")
            element.text = text
        run._r.append(element)


def _runs(para: Any, runs: list[Run]) -> None:
    for text, style in runs:
        run = para.add_run(text)
        run.bold = style == "b" or None
        run.italic = style == "i" or None


def _shade(cell: Any, fill: str) -> None:
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    shading = OxmlElement("w:shd")
    shading.set(qn("w:val"), "clear")
    shading.set(qn("w:color"), "auto")
    shading.set(qn("w:fill"), fill)
    cell._tc.get_or_add_tcPr().append(shading)


def _row_flag(row: Any, name: str) -> None:
    """Set a row property: ``tblHeader`` (repeat on each page), ``cantSplit`` (keep whole)."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    flag = OxmlElement(f"w:{name}")
    flag.set(qn("w:val"), "true")
    row._tr.get_or_add_trPr().append(flag)


def _table(doc: Any, block: Block, text_width_cm: float) -> None:
    from docx.shared import Cm, Pt

    table = doc.add_table(rows=1, cols=len(block.header))
    table.style = doc.styles["Table Grid"]
    table.autofit = False
    total = sum(block.widths) or len(block.header)
    widths = [Cm(text_width_cm * w / total) for w in block.widths or [1] * len(block.header)]
    size = Pt(8.5 if len(block.header) > 4 else 9.5)
    for column, width in zip(table.columns, widths, strict=True):
        column.width = width
    _row_flag(table.rows[0], "tblHeader")
    for row_no, cells in enumerate([block.header, *block.rows]):
        row = table.rows[0] if row_no == 0 else table.add_row()
        _row_flag(row, "cantSplit")
        for col, (cell, text) in enumerate(zip(row.cells, cells, strict=True)):
            cell.width = widths[col]
            para = cell.paragraphs[0]
            para.paragraph_format.space_after = Pt(2)
            run = para.add_run(text)
            run.font.size, run.bold = size, row_no == 0 or (col == 0 and bool(text)) or None
            if row_no == 0:
                _shade(cell, HEADER_FILL)


def _word_block(doc: Any, block: Block) -> None:
    from docx.enum.section import WD_SECTION
    from docx.shared import Cm, Pt

    landscape = doc.sections[-1].page_width > doc.sections[-1].page_height
    if block.wide != landscape and block.kind in ("h1", "table"):
        _page(doc.add_section(WD_SECTION.NEW_PAGE), landscape=block.wide)
    if block.kind == "table":
        width = (A4[1] if block.wide else A4[0]) / 10 - 2 * MARGIN_CM
        _table(doc, block, width)
        return
    if block.kind in ("h1", "h2"):
        doc.add_heading(block.text, level=1 if block.kind == "h1" else 2)
        return
    style = {"li": "List Bullet", "num": "List Number"}.get(block.kind)
    para = doc.add_paragraph(style=style)
    _runs(para, block.runs)
    if block.kind == "small":
        para.paragraph_format.space_before = Pt(4)
        for run in para.runs:
            run.font.size, run.italic = Pt(8.5), True
    if block.kind == "ref":  # hanging indent, as reference lists are set
        para.paragraph_format.left_indent = Cm(1)
        para.paragraph_format.first_line_indent = Cm(-1)


def word(draft: Draft, path: Path | str) -> Path:
    from docx import Document
    from docx.shared import Pt

    doc = Document()
    _styles(doc)
    _page(doc.sections[0], landscape=False)
    _page_number(doc.sections[0])
    props = doc.core_properties
    props.title, props.author, props.subject = draft.title, AUTHOR, draft.subject
    props.keywords = "cluster policy; strategy; roadmap"
    props.comments = "Draft written from the library's documents; check each point against them."
    props.created = props.modified = datetime.now(UTC).replace(microsecond=0)
    props.last_modified_by = AUTHOR
    doc.add_paragraph(draft.title, style="Title")
    subtitle = doc.add_paragraph().add_run(draft.subtitle)
    subtitle.font.size, subtitle.italic = Pt(12), True
    for block in draft.blocks:
        _word_block(doc, block)
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    doc.save(str(target))
    return target


def to_docx(roadmap: Roadmap, path: Path | str, corpus_dir: Path | str | None = None) -> Path:
    """Write the strategy draft as a Word document (python-docx) and return its path."""
    return word(_draft(roadmap, corpus_dir), path)
