"""The Streamlit app driven by AppTest over real indexes (no mocks of our components)."""

from __future__ import annotations

import html
import json
import re
import shutil
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from assistant.answering.extractive import quotable
from assistant.index.store import IndexStore
from assistant.knowledge.catalog import load_catalog
from assistant.knowledge.learning import load_learning
from assistant.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
APP = str(ROOT / "streamlit_app.py")
TIMEOUT = 180
QUESTION = "How can a cluster initiative build trust among firms?"
DESCRIPTION = (
    "About 3,500 smallholder banana growers in Nicaragua. A respected but small association; "
    "little cooperation and low trust. Three years of donor money."
)
NEW_DOC = b"""# Salmon Farming Cluster Notes

## Origins

The salmon farming cluster on the west coast grew from small family firms that shared boats,
feed suppliers and a vocational school. Cooperation began with joint disease monitoring.

## Policy

The regional agency funded a cluster facilitator for three years and a joint export office.
"""

pytestmark = pytest.mark.slow


def point_app_at(monkeypatch: pytest.MonkeyPatch, settings: Settings) -> None:
    monkeypatch.setenv("CLUSTER_ASSISTANT_INDEX_DIR", str(settings.index_dir))
    monkeypatch.setenv("CLUSTER_ASSISTANT_CORPUS_DIR", str(settings.corpus_dir))
    monkeypatch.delenv("CLUSTER_ASSISTANT_LLM_BACKEND", raising=False)


@pytest.fixture
def app(starter_index: Settings, monkeypatch: pytest.MonkeyPatch) -> AppTest:
    """The app over the shared (read-only) starter index."""
    point_app_at(monkeypatch, starter_index)
    return AppTest.from_file(APP, default_timeout=TIMEOUT).run()


@pytest.fixture
def own_library(
    starter_index: Settings, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> Settings:
    """A private copy of the starter corpus and index that a test may change."""
    shutil.copytree(starter_index.corpus_dir, tmp_path / "corpus")
    shutil.copytree(starter_index.index_dir, tmp_path / "index")
    settings = Settings(corpus_dir=tmp_path / "corpus", index_dir=tmp_path / "index")
    point_app_at(monkeypatch, settings)
    return settings


def answer_id(at: AppTest) -> str:
    return next(m["id"] for m in reversed(at.session_state["messages"]) if "id" in m)


def card_labels(at: AppTest) -> list[str]:
    labels = (html.unescape(e.label) for e in at.expander)  # labels are inert (safe_text)
    return [label for label in labels if label.startswith("[")]


def test_sidebar_shows_backend_model_and_index_size(app: AppTest) -> None:
    status = " ".join(m.value for m in app.sidebar.markdown)
    assert "extractive, no LLM" in status and "all-MiniLM-L6-v2" in status
    assert "all-mpnet-base-v2" in status
    assert "5 documents" in status


def test_question_gets_a_cited_answer_feedback_and_follow_up(
    app: AppTest, starter_index: Settings
) -> None:
    app.chat_input[0].set_value(QUESTION).run()
    assert not app.exception
    answer = app.chat_message[1]
    assert answer.name == "assistant"
    assert f'href="#src-{answer_id(app)}-1"' in answer.markdown[0].value
    labels = card_labels(app)
    assert labels and labels[0].startswith("[1] ")
    assert any("<mark>" in m.value for m in answer.markdown), "cited sentence not highlighted"

    app.feedback[0].set_value(1).run()
    feedback = starter_index.index_dir / "feedback.jsonl"  # beside the index answered from
    rows = [json.loads(x) for x in feedback.read_text().splitlines()]
    assert rows[-1]["rating"] == "up" and rows[-1]["question"] == QUESTION
    assert rows[-1]["chunk_ids"]
    app.feedback[0].set_value(0).run()
    app.text_input(key=f"fbc_{answer_id(app)}").set_value("misses financing").run()
    feedback = starter_index.index_dir / "feedback.jsonl"  # beside the index answered from
    rows = [json.loads(x) for x in feedback.read_text().splitlines()]
    assert rows[-1]["rating"] == "down" and rows[-1]["comment"] == "misses financing"

    app.chat_input[0].set_value("What about financing?").run()
    assert not app.exception
    captions = " ".join(c.value for c in app.chat_message[3].caption)
    assert "Follow-up understood as" in captions


def test_off_topic_question_abstains_helpfully(app: AppTest) -> None:
    app.chat_input[0].set_value("What is the boiling point of liquid nitrogen in kelvin?").run()
    infos = [i.value for i in app.chat_message[1].info]
    assert infos and "does not cover" in infos[0]


def test_described_cluster_yields_a_roadmap(app: AppTest) -> None:
    app.switch_page("assistant/ui/pages/recommend.py").run()
    app.text_area(key="rec_text").set_value(DESCRIPTION).run()
    next(b for b in app.button if b.label == "Read the description").click().run()
    development = next(s for s in app.selectbox if s.label == "Development level")
    assert development.value == "developing"
    next(b for b in app.button if b.label == "Build the roadmap").click().run()
    assert not app.exception
    headings = [m.value for m in app.markdown if m.value.startswith("### ")]
    assert any("Build trust" in h for h in headings)
    assert card_labels(app), "no source cards in the roadmap"
    assert [d.label for d in app.get("download_button")] == [
        "Strategy draft (Markdown)",
        "Strategy draft (Word)",
    ]
    assert "developing" in app.session_state["cluster_profile"]["summary"]

    app.switch_page("assistant/ui/pages/ask.py").run()
    assert [t.label for t in app.toggle] == ["Take my cluster into account"]


MARK = re.compile(r"<mark>(.*?)</mark>", re.S)


def passages(at: AppTest) -> list[str]:
    """The passage texts of the source cards shown, as plain text."""
    boxes = [m.value for m in at.markdown if 'class="src-passage"' in m.value]
    return [" ".join(html.unescape(re.sub(r"<[^>]+>", "", b)).split()) for b in boxes]


def test_learn_is_a_path_of_frameworks_explained_by_defining_sentences(app: AppTest) -> None:
    learning = load_learning(ROOT / "corpus")
    app.switch_page("assistant/ui/pages/learn.py").run()
    assert not app.exception
    path = app.radio(key="learn_step")
    steps = [f.name for f in learning.frameworks] + ["Glossary", "Instruments (45)"]
    assert path.options[: len(steps)] == [f"{n}. {s}" for n, s in enumerate(steps, 1)]
    for number, framework in enumerate(learning.frameworks):
        assert path.value == number
        assert app.header[0].value == framework.name
        shown = passages(app)
        assert len(shown) >= 3 and card_labels(app)
        for text in shown:  # whole sentences that define the framework, no list introduction
            assert quotable(text) and framework.defines(text), text
        context = next(t for t in app.toggle if t.label == "Show surrounding text")
        context.set_value(True).run()  # the first passage, read in its document
        around = [m.value for m in app.markdown if 'class="src-context"' in m.value]
        assert around and "<mark>" in around[0], framework.id
        context.set_value(False).run()
        app.toggle(key=f"fw_more_{framework.id}").set_value(True).run()  # search for more
        marked = [m.value for m in app.markdown if "<mark>" in m.value]
        found = [html.unescape(re.sub(r"<[^>]+>", "", x)) for m in marked for x in MARK.findall(m)]
        assert found, framework.id
        assert all(framework.defines(text) for text in found), found
        next(b for b in app.button if b.label.startswith("Next:")).click().run()
        path = app.radio(key="learn_step")
    assert app.header[0].value == "Glossary"
    app.text_input(key="gl_find").set_value("broker").run()
    found = " ".join(m.value for m in app.markdown)
    assert "Network broker" in found and "Cluster development agent" in found
    assert "Industrial district" not in found
    app.text_input(key="gl_find").set_value("blockchain").run()
    assert "Terms in it:" in app.info[0].value and "Social capital" in app.info[0].value


def test_learn_catalog_rows_open_and_link_instruments_to_cases(app: AppTest) -> None:
    catalog = load_catalog(ROOT / "corpus")
    app.switch_page("assistant/ui/pages/learn.py").run()
    app.radio(key="learn_step").set_value(5).run()  # the instrument catalog
    everything = len(app.selectbox(key="learn_instrument").options)
    next(m for m in app.multiselect if m.label == "Phase").set_value(["trust"]).run()
    picker = app.selectbox(key="learn_instrument")
    assert 0 < len(picker.options) < everything == len(catalog.instruments)
    assert len(app.dataframe[0].value) == len(picker.options)
    used = next(
        i
        for i in catalog.instruments
        if i.phase == "trust" and any(i.id in c.interventions for c in catalog.cases)
    )
    picker.set_value(used.id).run()
    assert any(h.value == f"### {used.name}" for h in app.markdown if h.value.startswith("###"))
    cases = app.pills(key=f"ins_cases_{used.id}")
    case = next(c for c in catalog.cases if used.id in c.interventions)
    assert case.id in cases.options or case.name in cases.options
    cases.set_value(case.id).run()  # a case that used it opens in the case library
    assert app.radio(key="learn_step").value == 6
    assert app.selectbox(key="learn_case").value == case.id
    assert app.header[0].value == "Case library"
    names = app.pills(key=f"case_ins_{case.id}")
    names.set_value(used.id).run()  # and back to the instrument
    assert app.radio(key="learn_step").value == 5
    assert app.selectbox(key="learn_instrument").value == used.id

    app.toggle[0].set_value(True).run()  # a catalog quote, read in its document
    context = [m.value for m in app.markdown if 'class="src-context"' in m.value]
    assert context and "<mark>" in context[0]


def test_a_sector_search_without_a_hit_suggests_sectors(app: AppTest) -> None:
    app.switch_page("assistant/ui/pages/learn.py").run()
    app.radio(key="learn_step").set_value(6).run()
    app.text_input(key="case_sector").set_value("sofware").run()  # a typo
    hint = app.info[0].value
    assert "did you mean Software?" in hint and "sectors in the library include" in hint
    assert not app.dataframe
    next(b for b in app.button if b.label == "Clear the filters").click().run()
    assert len(app.dataframe[0].value) == len(load_catalog(ROOT / "corpus").cases)


def test_upload_adds_a_document_and_removal_takes_it_out(own_library: Settings) -> None:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    at.switch_page("assistant/ui/pages/library.py").run()
    before = len(at.dataframe[0].value)
    at.file_uploader[0].set_value(("salmon notes.md", NEW_DOC, "text/markdown")).run()
    next(b for b in at.button if b.label == "Add to library").click().run()
    assert not at.exception and not at.error
    assert "Salmon Farming Cluster Notes" in list(at.dataframe[0].value["Title"])
    assert len(at.dataframe[0].value) == before + 1
    stored = Path(own_library.corpus_dir) / "documents" / "salmon-notes.md"
    assert stored.read_bytes() == NEW_DOC
    ledger = IndexStore(own_library).load_ledger()
    assert ledger.files["documents/salmon-notes.md"].chunk_ids

    at.selectbox[0].set_value("documents/salmon-notes.md")
    next(c for c in at.checkbox if c.label.startswith("Delete the file")).check().run()
    next(b for b in at.button if b.label == "Remove").click().run()
    assert not stored.exists()
    assert "documents/salmon-notes.md" not in IndexStore(own_library).load_ledger().files
    assert len(at.dataframe[0].value) == before


def test_bad_uploads_show_errors_and_change_nothing(own_library: Settings) -> None:
    from fpdf import FPDF

    blank = FPDF()
    blank.add_page()
    at = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    at.switch_page("assistant/ui/pages/library.py").run()
    folder = Path(own_library.corpus_dir) / "documents"
    files_before = sorted(p.name for p in folder.iterdir())
    ledger_before = (Path(own_library.index_dir) / "ledger.json").read_bytes()
    at.file_uploader[0].set_value(
        [
            ("report.pdf", b"plain text wearing a pdf name", "application/pdf"),
            ("scan.pdf", bytes(blank.output()), "application/pdf"),
        ]
    ).run()
    next(b for b in at.button if b.label == "Add to library").click().run()
    errors = " ".join(e.value for e in at.error)
    assert "report.pdf" in errors and "content is a text file" in errors
    assert "scan.pdf" in errors and "no text layer" in errors
    assert sorted(p.name for p in folder.iterdir()) == files_before
    assert (Path(own_library.index_dir) / "ledger.json").read_bytes() == ledger_before


def test_first_start_builds_the_index(
    make_settings, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    settings = make_settings()
    (Path(settings.corpus_dir) / "documents" / "salmon.md").write_bytes(NEW_DOC)
    point_app_at(monkeypatch, settings)
    at = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    assert not at.exception
    assert IndexStore(settings).exists()
    assert [t.value for t in at.title] == ["Ask the library"]
    assert "1 documents" in " ".join(m.value for m in at.sidebar.markdown)


def test_llm_answer_streams_through_the_app_with_the_cluster_as_context(
    starter_index: Settings, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from openai_stub_server import StubServer

    stub = StubServer().start()
    try:
        point_app_at(monkeypatch, starter_index)
        monkeypatch.setenv("CLUSTER_ASSISTANT_LLM_BACKEND", "openai")
        monkeypatch.setenv("CLUSTER_ASSISTANT_LLM_MODEL", "stub-model")
        monkeypatch.setenv("CLUSTER_ASSISTANT_LLM_BASE_URL", stub.openai_url)
        monkeypatch.setenv("CLUSTER_ASSISTANT_LLM_TIMEOUT", "5")
        at = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
        assert "openai: stub-model" in " ".join(m.value for m in at.sidebar.markdown)
        at.session_state["cluster_profile"] = {"summary": "sector: dairy; trust: low"}
        stub.script("Trust grows when firms start with small joint projects [1].")
        at.chat_input[0].set_value(QUESTION).run()
        assert not at.exception
        text = at.chat_message[1].markdown[0].value
        assert text.startswith("Trust grows when firms start with small joint projects")
        assert 'class="cite"' in text and card_labels(at)
        body = stub.requests[-1].body
        assert body["stream"] is True
        assert "sector: dairy; trust: low" in json.dumps(body["messages"])
    finally:
        stub.stop()
