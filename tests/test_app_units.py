"""The app's pure helpers: upload checks, cited-sentence highlighting, feedback and export."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from assistant.ui.feedback import append_feedback, conversation_markdown, feedback_record
from assistant.ui.highlight import cited_sentences, highlight_html
from assistant.ui.uploads import UploadError, check_upload, safe_name, save_uploads

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF"


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("../../etc/passwd.md", "passwd.md"),
        ("C:\\Users\\me\\Report 2024 (final).PDF", "Report-2024-final.pdf"),
        (".hidden.txt", "hidden.txt"),
        ("Économie régionale.docx", "Economie-regionale.docx"),
        ("???.md", "document.md"),
        ("東京.md", "東京.md"),
        ("Москва отчёт 2024.pdf", "Москва-отчёт-2024.pdf"),
        ("..\\東京/../報告 書\u202e.docx", "報告-書.docx"),
        ("東" * 120 + ".txt", "東" * 50 + ".txt"),  # 150 bytes of UTF-8
    ],
)
def test_safe_name_strips_folders_and_odd_characters(name: str, expected: str) -> None:
    assert safe_name(name) == expected


def test_check_upload_accepts_matching_content() -> None:
    assert check_upload("a.pdf", PDF, max_mb=1).name == "a.pdf"
    assert check_upload("東京.md", "# 東京\n\nクラスター".encode(), max_mb=1).name == "東京.md"
    assert check_upload("notes.md", b"# Title\n\nText.", max_mb=1).data.startswith(b"# Title")


@pytest.mark.parametrize(
    ("name", "data", "reason"),
    [
        ("fake.pdf", b"just some text pretending", "content is a text file"),
        ("notes.txt", PDF, "content is a PDF"),
        ("tool.exe", b"MZ\x90\x00", "unsupported file type"),
        ("empty.md", b"", "empty"),
        ("big.txt", b"x" * 2_000_001, "over the 2 MB limit"),
        ("blob.md", b"\x00\x01\x02binary", "binary data"),
    ],
)
def test_check_upload_refuses_with_a_reason(name: str, data: bytes, reason: str) -> None:
    with pytest.raises(UploadError, match=reason):
        check_upload(name, data, max_mb=2)


def test_check_upload_refuses_a_file_already_in_the_library() -> None:
    import hashlib

    known = {hashlib.sha256(PDF).hexdigest(): "Cluster Policy in Developing Countries"}
    with pytest.raises(UploadError, match=r"already in the library \(Cluster Policy"):
        check_upload("copy.pdf", PDF, max_mb=1, known=known)


def test_save_uploads_never_overwrites_a_different_file(tmp_path: Path) -> None:
    (tmp_path / "a.md").write_text("old")
    first = save_uploads(tmp_path, [check_upload("a.md", b"new text", 1)])
    again = save_uploads(tmp_path, [check_upload("a.md", b"new text", 1)])
    assert list(first) == [tmp_path / "a-1.md"] and first[tmp_path / "a-1.md"] is True
    assert again == {tmp_path / "a-1.md": False}
    assert (tmp_path / "a.md").read_text() == "old"


def test_cited_sentence_is_highlighted_in_its_passage() -> None:
    answer = "“Trust grows from quick wins.” [1] “Money does not buy cooperation.” [2]"
    passage = "Firms are wary. Trust grows from quick wins. Then larger projects follow."
    assert cited_sentences(answer, 1) == ["“Trust grows from quick wins.”"]
    html = highlight_html(passage, cited_sentences(answer, 1))
    assert "<mark>Trust grows from quick wins.</mark>" in html
    assert "<mark>" not in highlight_html(passage, cited_sentences(answer, 2))


def test_long_passage_is_cut_around_the_cited_sentence() -> None:
    passage = "Lead text here. " * 60 + "Trust grows from quick wins. " + "Tail text there. " * 60
    html = highlight_html(passage, ["Trust grows from quick wins."], width=100)
    assert html.startswith("… ") and html.endswith(" …")
    assert "<mark>Trust grows from quick wins.</mark>" in html
    assert len(html) < 350
    assert highlight_html("Short. Trust grows.", ["Trust grows."], width=100).count("…") == 0


def test_an_excerpt_is_cut_between_sentences_where_it_can_be() -> None:
    passage = "A rather long opening sentence about the cluster and its many firms. " * 8
    passage += "Trust grows from quick wins. " + "Then the firms share a stand at a fair. " * 8
    html = highlight_html(passage, ["Trust grows from quick wins."], width=120)
    kept = html.removeprefix("… ").removesuffix(" …").replace("<mark>", "").replace("</mark>", "")
    assert kept.startswith("A rather long") and kept.endswith("at a fair."), kept


def test_paraphrased_sentence_is_matched_by_word_overlap() -> None:
    passage = "Intro. Brokers help small firms find partners for joint projects. End."
    html = highlight_html(passage, ["Brokers help small firms find partners [1]."])
    assert "<mark>Brokers help small firms find partners for joint projects.</mark>" in html


def test_feedback_and_export(tmp_path: Path) -> None:
    citation = {
        "marker": 1,
        "chunk_id": "c1",
        "title": "How to Promote Clusters",
        "authors": "A; B",
        "year": 2005,
        "section": "4 Obstacles",
        "page": None,
        "text": "Trust grows from quick wins.",
    }
    message = {
        "id": "m1",
        "role": "assistant",
        "question": "How?",
        "rewritten_query": None,
        "content": "“Trust grows from quick wins.” [1]",
        "abstained": False,
        "citations": [citation],
    }
    path = tmp_path / "sub" / "feedback.jsonl"
    append_feedback(path, feedback_record(message, "up", "extractive, no LLM"))
    row = json.loads(path.read_text().splitlines()[0])
    assert row["rating"] == "up" and row["chunk_ids"] == ["c1"] and row["question"] == "How?"
    md = conversation_markdown([{"role": "user", "content": "How?"}, message], "Talk")
    assert "## Q: How?" in md and "[1] **How to Promote Clusters**" in md
    assert "> Trust grows from quick wins." in md


def test_supporting_points_stay_a_list_and_nothing_else_becomes_markup() -> None:
    from assistant.ui.cards import answer_html

    text = "Brokers build trust. [1]\n\nSupporting points:\n- Benner (2013): “a - b.” [2]"
    html = answer_html(text, "m")
    assert "\n- Benner &#40;2013&#41;" in html  # a Markdown list item
    assert "a &#45; b" in html and '<a class="cite" href="#src-m-2">2</a>' in html
    assert answer_html("- [x](https://e.example) [1]", "m").startswith("- &#91;x&#93;")
