"""The names a question may use for a document, and finding them in questions."""

from __future__ import annotations

from langchain_core.documents import Document

from assistant.ingest.document import DocumentMeta
from assistant.ingest.metadata import source_names
from assistant.retrieval.named_sources import SourceNames


def test_source_names_come_from_aliases_surnames_and_publisher_acronyms() -> None:
    meta = DocumentMeta(
        doc_id="oecd-2000",
        title="Local Partnership, Clusters and SME Globalisation",
        authors=["Michael J. Enright", "Ifor Ffowcs-Williams"],
        publisher="OECD, LEED Programme",
        aliases=["the background report"],
    )
    assert source_names(meta) == [
        "the background report",
        "Enright",
        "Ffowcs-Williams",
        "OECD",
        "LEED",
    ]


def test_an_organisation_with_its_people_gives_every_name() -> None:
    meta = DocumentMeta(doc_id="u", title="t", authors=["UNIDO (Giovanna Ceglie", "Anna Stancher)"])
    assert source_names(meta) == ["UNIDO", "Ceglie", "Stancher"]


def test_a_family_name_written_first_is_one_name() -> None:
    authors = ["Thomas Andersson", "Schwaag Serger, Sylvia"]
    meta = DocumentMeta(doc_id="w", title="t", authors=authors)
    assert source_names(meta) == ["Andersson", "Schwaag Serger"]


def _chunk(doc_id: str, aliases: str) -> Document:
    return Document(page_content="text", metadata={"doc_id": doc_id, "aliases": aliases})


def test_questions_name_documents_by_whole_words() -> None:
    names = SourceNames.of(
        [_chunk("iked", "Whitebook; IKED"), _chunk("benner", "Benner"), _chunk("unido", "BIT")]
    )
    assert names.mentioned("What does the Whitebook’s chapter 4 say?") == ["iked"]
    assert names.mentioned("according to benner, and the IKED study") == ["iked", "benner"]
    assert names.mentioned("Is a bit of subsidy enough?") == []  # acronyms only in capitals
    assert names.mentioned("What do Whitebooks say?") == []
    assert names.mentioned("no names here") == []
