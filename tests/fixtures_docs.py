"""Real test documents built on the fly: PDFs (fpdf2 + pypdf), Word files, text files.

Every builder writes a file under the folder it is given and returns its path.
"""

from __future__ import annotations

import io
from pathlib import Path

SENTENCES = [
    "Cluster initiatives bring firms, universities and public agencies around one table.",
    "Trust grows slowly when competitors first meet to discuss shared problems.",
    "A facilitator with no stake in any single firm can broker the first joint projects.",
    "Joint purchasing of raw materials often gives small firms their first visible gain.",
    "Export consortia let small producers reach buyers that none could serve alone.",
    "Training programmes are designed together with the firms that will hire the graduates.",
    "Evaluation should track linkages between actors, not only jobs and sales.",
    "Public funding works best when it tapers off as private contributions grow.",
]


def paragraph(seed: int, sentences: int = 4) -> str:
    """A deterministic paragraph of plain English built from ``SENTENCES``."""
    return " ".join(SENTENCES[(seed + i) % len(SENTENCES)] for i in range(sentences))


def markdown_doc(folder: Path, name: str, seed: int, title: str = "Document") -> Path:
    """A Markdown file of six paragraphs under one heading, titled ``title`` and ``seed``."""
    body = "\n\n".join(paragraph(seed + i, 6) for i in range(6))
    path = folder / name
    path.write_text(f"# {title} {seed}\n\n## Part one\n\n{body}\n", "utf-8")
    return path


# -- PDF ------------------------------------------------------------------------------------
def pdf_bytes(
    pages: list[list[tuple[str, str]]], title: str = "", author: str = "", header: str = ""
) -> bytes:
    """A text PDF: each page is a list of ``("h"|"p", text)`` items; ``header`` runs on top."""
    from fpdf import FPDF

    pdf = FPDF()
    pdf.set_auto_page_break(False)
    if title:
        pdf.set_title(title)
    if author:
        pdf.set_author(author)
    for items in pages:
        pdf.add_page()
        if header:
            pdf.set_font("Helvetica", size=8)
            pdf.cell(0, 6, header, new_x="LMARGIN", new_y="NEXT")
        for kind, text in items:
            if kind == "h":
                pdf.set_font("Helvetica", style="B", size=13)
                pdf.cell(0, 10, text, new_x="LMARGIN", new_y="NEXT")
            else:
                pdf.set_font("Helvetica", size=11)
                pdf.multi_cell(0, 6, text, new_x="LMARGIN", new_y="NEXT")
                pdf.ln(3)
    return bytes(pdf.output())


def write_pdf(path: Path, data: bytes, labels: bool = False, password: str = "") -> Path:
    """Write ``data`` through pypdf, optionally with page labels (i, ii, 1, 2, …) or a password.

    With ``labels`` the first two pages are numbered in lower-case Roman numerals and the
    rest in decimals starting at 1, as in a report with front matter.
    """
    from pypdf import PdfReader, PdfWriter
    from pypdf.constants import PageLabelStyle

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(data)))
    if labels:
        last = len(writer.pages) - 1
        writer.set_page_label(0, 1, style=PageLabelStyle.LOWERCASE_ROMAN, start=1)
        writer.set_page_label(2, last, style=PageLabelStyle.DECIMAL, start=1)
    if password:
        writer.encrypt(user_password=password, algorithm="RC4-128")
    with path.open("wb") as fh:
        writer.write(fh)
    return path


def report_pdf(folder: Path, name: str = "report.pdf", **meta: str) -> Path:
    """A six-page report with front matter, numbered sections, page labels and a running head."""
    pages = [
        [("h", "FOREWORD"), ("p", paragraph(0))],
        [("h", "EXECUTIVE SUMMARY"), ("p", paragraph(1))],
        [("h", "1 Building trust among firms"), ("p", paragraph(2)), ("p", paragraph(3))],
        [("h", "1.1 The role of the facilitator"), ("p", paragraph(4)), ("p", paragraph(5))],
        [("h", "2 Joint action"), ("p", paragraph(6)), ("p", "Export consortia unique phrase.")],
        [("h", "2.1 Evaluation of results"), ("p", paragraph(7)), ("p", paragraph(0))],
    ]
    data = pdf_bytes(pages, header="Cluster Test Report", **meta)
    return write_pdf(folder / name, data, labels=True)


def encrypted_pdf(folder: Path, name: str = "locked.pdf") -> Path:
    data = pdf_bytes([[("h", "1 Secret"), ("p", paragraph(1))]])
    return write_pdf(folder / name, data, password="s3cret")


def image_only_pdf(folder: Path, name: str = "scan.pdf") -> Path:
    """A PDF whose pages hold only drawn shapes: no text layer at all."""
    from fpdf import FPDF

    pdf = FPDF()
    for _ in range(2):
        pdf.add_page()
        pdf.set_fill_color(120, 120, 120)
        pdf.rect(20, 20, 150, 200, style="F")
    path = folder / name
    path.write_bytes(bytes(pdf.output()))
    return path


def truncated_pdf(folder: Path, name: str = "broken.pdf") -> Path:
    """The first third of a valid PDF: a download that stopped half-way."""
    data = pdf_bytes([[("h", "1 Broken"), ("p", paragraph(i))] for i in range(4)])
    path = folder / name
    path.write_bytes(data[: len(data) // 3])
    return path


# -- Word -----------------------------------------------------------------------------------
def report_docx(
    folder: Path, name: str = "notes.docx", title: str = "", author: str = "", year: int = 0
) -> Path:
    """A Word file with a title, two heading levels and paragraphs."""
    import datetime as dt

    import docx

    document = docx.Document()
    document.add_heading("Networking Notes", level=0)
    document.add_heading("Brokering networks", level=1)
    document.add_paragraph(paragraph(2))
    document.add_heading("Choosing the broker", level=2)
    document.add_paragraph(paragraph(3))
    document.add_paragraph("Network brokers need a docx-only phrase to be found.")
    document.add_heading("Funding networks", level=1)
    document.add_paragraph(paragraph(4))
    props = document.core_properties
    props.title, props.author = title, author
    if year:
        props.created = dt.datetime(year, 5, 1, tzinfo=dt.UTC)
    path = folder / name
    document.save(str(path))
    return path


# -- Text -----------------------------------------------------------------------------------
def hard_wrap(text: str, width: int = 70) -> list[str]:
    import textwrap

    return textwrap.wrap(text, width=width)


def wrapped_text(double_spaced: bool = False) -> str:
    """A plain-text report hard-wrapped at 70 columns, like a text extraction of a PDF.

    ``double_spaced`` puts a blank line after every line, as in the Benner starter file.
    """
    lines = ["Cluster Policy Field Notes", "", "1 Introduction", ""]
    for seed in range(2):
        lines += [*hard_wrap(paragraph(seed, 5)), ""]
    lines += ["2 Instruments for cluster promotion", ""]
    lines += [*hard_wrap(paragraph(4, 5)), ""]
    lines += ["Table 1: Instruments of cluster policy", ""]
    lines += [*hard_wrap(paragraph(6, 3)), ""]
    if double_spaced:
        return "\n\n".join(line for line in lines if line) + "\n"
    return "\n".join(lines) + "\n"


MARKDOWN = """# Field Guide to Clusters

Intro paragraph about clusters and why they matter for regional economies.

## Diagnosis

{p1}

### Mapping actors

{p2}

## Action

{p3}
"""


def markdown_text() -> str:
    return MARKDOWN.format(p1=paragraph(1), p2=paragraph(2), p3=paragraph(3))


# -- hostile Word files ---------------------------------------------------------------------
def docx_with(folder: Path, name: str, parts: dict[str, bytes]) -> Path:
    """A copy of ``report_docx`` with some zip members replaced or added (deflated)."""
    import tempfile
    import zipfile

    with tempfile.TemporaryDirectory() as tmp:
        good = report_docx(Path(tmp)).read_bytes()
    path = folder / name
    with (
        zipfile.ZipFile(io.BytesIO(good)) as src,
        zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst,
    ):
        for info in src.infolist():
            if info.filename not in parts:
                dst.writestr(info, src.read(info))
        for member, data in parts.items():
            dst.writestr(member, data)
    return path


def corrupt_member(path: Path, member: str) -> Path:
    """Overwrite the start of one member's deflate stream with garbage (an invalid block type);
    its zip entry stays intact."""
    import zipfile

    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as archive:
        info = archive.getinfo(member)
    name_len = int.from_bytes(data[info.header_offset + 26 : info.header_offset + 28], "little")
    extra_len = int.from_bytes(data[info.header_offset + 28 : info.header_offset + 30], "little")
    start = info.header_offset + 30 + name_len + extra_len
    data[start : start + 16] = b"\xff" * 16
    path.write_bytes(bytes(data))
    return path


def _relabel_last_as_deflated(data: bytearray, header_offset: int, crc: int, size: int) -> None:
    """Relabel the last (stored) zip member as deflated, with this CRC and inflated size."""
    fields = (
        (header_offset, 8, 14, 22),  # local header: offsets of method, CRC, inflated size
        (data.rindex(b"PK\x01\x02"), 10, 16, 24),  # its central directory entry: the last
    )
    for base, method, crc_at, size_at in fields:
        data[base + method : base + method + 2] = (8).to_bytes(2, "little")
        data[base + crc_at : base + crc_at + 4] = crc.to_bytes(4, "little")
        data[base + size_at : base + size_at + 4] = size.to_bytes(4, "little")


def zip_bomb_docx(folder: Path, name: str = "bomb.docx", megabytes: int = 2048) -> Path:
    """A Word file of a few MB whose document.xml truly inflates to ``megabytes`` MB of zeros.

    The deflate stream is one fully flushed block for 1 MB of zeros, repeated; the member is
    written stored and relabelled as deflated, with the CRC of the inflated bytes.
    """
    import zipfile
    import zlib

    zeros = bytes(1 << 20)
    packer = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = packer.compress(zeros) + packer.flush(zlib.Z_FULL_FLUSH)
    stream = block * megabytes + packer.flush()
    crc = 0
    for _ in range(megabytes):
        crc = zlib.crc32(zeros, crc)
    path = docx_with(folder, name, {})
    with zipfile.ZipFile(path) as archive:
        keep = {i.filename: archive.read(i) for i in archive.infolist()}
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for member, data in keep.items():
            if member != "word/document.xml":
                archive.writestr(member, data)
        archive.writestr("word/document.xml", stream, compress_type=zipfile.ZIP_STORED)
        info = archive.getinfo("word/document.xml")
    data = bytearray(path.read_bytes())
    _relabel_last_as_deflated(data, info.header_offset, crc, megabytes << 20)
    path.write_bytes(bytes(data))
    return path


def _raw_pdf(objects: list[bytes], trailer: bytes) -> bytes:
    """A PDF file from its numbered objects (1, 2, …) with a correct cross-reference table."""
    out, offsets = bytearray(b"%PDF-1.6\n"), []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d %s >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        trailer,
        xref,
    )
    return bytes(out)


def aes_pdf(folder: Path, name: str = "aes.pdf") -> Path:
    """A one-page PDF protected with AES-128 (V4, AESV2) and an empty user password, as
    owner-only protection is. pypdf writes AES only with ``cryptography``: the dictionary is
    built here (O and U use only MD5 and RC4) and the page is left unencrypted, which no
    reader can tell before it has to decrypt it with AES."""
    from pypdf._encryption import AlgV4  # the key algorithms of the PDF standard

    file_id, permissions = b"cluster-test-id!", -4
    owner_key = AlgV4.compute_O_value_key(b"owner", 4, 128)
    o_value = AlgV4.compute_O_value(owner_key, b"", 4)
    key = AlgV4.compute_key(b"", 4, 128, o_value, permissions & 0xFFFFFFFF, file_id, True)
    u_value = AlgV4.compute_U_value(key, 4, file_id)
    content = b"BT /F1 12 Tf 72 720 Td (Trust grows slowly when competitors first meet.) Tj ET"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R"
        b" /Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(content), content),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Filter /Standard /V 4 /R 4 /Length 128 /P %d /O <%s> /U <%s>"
        b" /CF << /StdCF << /CFM /AESV2 /AuthEvent /DocOpen /Length 16 >> >>"
        b" /StmF /StdCF /StrF /StdCF >>"
        % (permissions, o_value.hex().encode(), u_value.hex().encode()),
    ]
    trailer = b"/Root 1 0 R /Encrypt 6 0 R /ID [<%s> <%s>]" % ((file_id.hex().encode(),) * 2)
    path = folder / name
    path.write_bytes(_raw_pdf(objects, trailer))
    return path
