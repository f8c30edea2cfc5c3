"""Heading detection and paragraph rebuilding, on small inputs and on the starter documents."""

from __future__ import annotations

from pathlib import Path

import pytest
from fixtures_docs import paragraph, wrapped_text

from assistant.ingest.loaders import load_file
from assistant.ingest.structure import (
    CAPTION_LEVEL,
    heading_level,
    is_reference_entry,
    is_reference_list,
    structure_lines,
)

STARTER_DOCUMENTS = Path(__file__).resolve().parent.parent / "corpus" / "documents"


def _lines(text: str) -> list[tuple[str, None]]:
    return [(line, None) for line in text.splitlines()]


@pytest.mark.parametrize(
    ("line", "level"),
    [
        ("4.2.1 Building social capital", 3),
        ("2. Cluster development initiatives", 1),
        ("1.3 Conclusions for practitioners", 2),
        ("EXECUTIVE SUMMARY", 1),
        ("FOREWORD", 1),
        ("PART II", 1),
        ("Chapter 3 Evaluation", 1),
        ("Box 3. Social capital in Sialkot", CAPTION_LEVEL),
        ("Table 2: Possible cluster actions", CAPTION_LEVEL),
        ("Table 7 Benefits and challenges of the initiative", CAPTION_LEVEL),
        # body text that merely looks like a heading
        ("Table 2 offers a crude classification of cluster actions", None),
        ("Figure 7. For instance, a tourism cluster in Turkey cooperates,", None),
        ("UNCTAD", None),
        ("S&T, R&D", None),
        ("ISSN 1613-298X", None),
        ("12. Firms must first learn to trust each other.", None),
        ("3 firms in the region of", None),
        ("The cluster initiative started in 1998", None),
    ],
)
def test_heading_level(line: str, level: int | None) -> None:
    assert heading_level(line) == level


def test_markdown_headings_only_count_in_markdown() -> None:
    assert heading_level("## Diagnosis", markdown=True) == 2
    assert heading_level("## Diagnosis", markdown=False) is None


def test_numbered_headings_must_follow_the_chapter_sequence() -> None:
    text = "1 Introduction\nBody one.\n16 One\nBody two.\n2 Method\nBody three.\n9 Stray\n"
    headings = [b.text for b in structure_lines(_lines(text)) if b.is_heading]
    assert headings == ["1 Introduction", "2 Method"]


@pytest.mark.parametrize("double_spaced", [False, True])
def test_hard_wrapped_lines_are_joined_into_paragraphs(double_spaced: bool) -> None:
    blocks = structure_lines(_lines(wrapped_text(double_spaced)))
    body = [b.text for b in blocks if not b.is_heading]
    headings = [(b.heading_level, b.text) for b in blocks if b.is_heading]
    assert headings == [
        (1, "1 Introduction"),
        (1, "2 Instruments for cluster promotion"),
        (CAPTION_LEVEL, "Table 1: Instruments of cluster policy"),
    ]
    # the title line, then each hard-wrapped paragraph rebuilt in one piece
    expected = [paragraph(0, 5), paragraph(1, 5), paragraph(4, 5), paragraph(6, 3)]
    assert body == ["Cluster Policy Field Notes", *expected]


def test_running_headers_and_page_numbers_are_dropped() -> None:
    lines = []
    for page in range(6):
        lines += ["Cluster Report 2004", f"Paragraph {page} says something useful here.", str(page)]
    blocks = structure_lines(_lines("\n".join(lines)))
    assert all("Cluster Report 2004" not in b.text for b in blocks)
    assert not any(b.text.strip().isdigit() for b in blocks)


def test_wrapped_all_caps_heading_is_joined() -> None:
    text = "APPENDIX B: LEARNING WORKSHOP EVALUATION\nSHEETS\nThe sheets follow below."
    blocks = structure_lines(_lines(text))
    assert blocks[0].text == "APPENDIX B: LEARNING WORKSHOP EVALUATION SHEETS"
    assert blocks[1].text == "The sheets follow below."


STARTER_HEADINGS = {
    "benner-2013-cluster-policy-developing-countries.txt": [
        "5 Another top-down/bottom-up combination: the cluster promotion chain",
        "Table 1: Instruments of cluster policy",
    ],
    "enright-ffowcs-williams-oecd-2000-clusters-networks-smes.txt": [
        "INTRODUCTION AND SUMMARY",
        "2.3.3. How Public Authorities Select Clusters",
        "Box 1. Policy Guidelines on Clusters and Networks",
    ],
    "iked-2004-cluster-policies-whitebook.txt": [
        "4.2.1 Building social capital and creating trust",
        "1 BUILDING SOCIAL CAPITAL AND TRUST AND CIVIC ENTREPRENEURSHIP",
        "Box 1: Social capital",
        "APPENDIX B: LEARNING WORKSHOP EVALUATION SHEETS",
    ],
    "meyer-stamer-harmes-liedtke-2005-how-to-promote-clusters.md": [
        "4.1 Cooperation and the Prisoners' Dilemma",
        "3.2.4 *Bottom-up, private sector-driven initiatives",
    ],
    "unido-2010-cluster-development-pro-poor-growth.md": [
        "3.1 Trust and governance building",
        "Box 8. Empowerment of women through a cluster approach in Barpalli, India",
    ],
}
FALSE_HEADINGS = ["16 One", "S&T, R&D", "2. Start", "KIAB", "UNCTAD", "ISSN 1613-298X", "UNIDO"]


@pytest.mark.parametrize("name", sorted(STARTER_HEADINGS))
def test_starter_document_headings(name: str) -> None:
    blocks = load_file(STARTER_DOCUMENTS / name).blocks
    headings = [b.text for b in blocks if b.is_heading]
    assert set(STARTER_HEADINGS[name]) <= set(headings)
    assert not set(FALSE_HEADINGS) & set(headings)
    assert 10 <= len(headings) <= len(blocks) // 3


@pytest.mark.parametrize(
    ("line", "entry"),
    [
        ("- Porter, M. E. (1990): The Competitive Advantage of Nations. New York.", True),
        ("Whittington, Richard, & Curto, Francesco (1999): Chandlerism in Europe.", True),
        ("- Humphrey J .and Schmitz H. (1995). Principles for promoting clusters. UNIDO.", True),
        ("12. Enright (1995).", True),
        ("26. See Lagendijk and Charles (1999), for example.", True),
        ("It can use some of the cluster tools suggested by The World Bank (2009).", False),
        ("Porter (1990) argues that rivalry drives innovation in clusters.", False),
        ("Clusters need trust, as many studies of industrial districts show.", False),
    ],
)
def test_reference_entries(line: str, entry: bool) -> None:
    assert is_reference_entry(line) is entry


def test_a_chunk_is_a_reference_list_when_most_lines_are_entries() -> None:
    refs = "- Porter, M. (1990): Competitive Advantage.\n- Schmitz, H. (1989): Specialisation."
    prose = "Firms share a training centre.\nIt was financed by a levy on the payroll."
    assert is_reference_list(refs)
    assert not is_reference_list(prose)
    assert is_reference_list(refs + "\n" + prose.splitlines()[0])  # two of three lines
    assert not is_reference_list("")
