"""The Recommend page driven by AppTest over the real starter index (no mocks)."""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from assistant.knowledge.catalog import load_catalog
from assistant.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
APP = str(ROOT / "streamlit_app.py")
PAGE = "assistant/ui/pages/recommend.py"
DESCRIPTION = (
    "About 300 family garment workshops in an Andean town of a developing country. Exports "
    "collapsed after dollarisation; firms have no design capability and the vocational school "
    "teaches outdated skills. Producers copy designs, so trust is only moderate."
)
YEAR_IN_LABEL = re.compile(r"^\[\d+\] .+ \([^()]*\b(19|20)\d\d\)$")

pytestmark = pytest.mark.slow


@pytest.fixture
def page(starter_index: Settings, monkeypatch: pytest.MonkeyPatch) -> AppTest:
    monkeypatch.setenv("CLUSTER_ASSISTANT_INDEX_DIR", str(starter_index.index_dir))
    monkeypatch.setenv("CLUSTER_ASSISTANT_CORPUS_DIR", str(starter_index.corpus_dir))
    monkeypatch.delenv("CLUSTER_ASSISTANT_LLM_BACKEND", raising=False)
    at = AppTest.from_file(APP, default_timeout=60).run()
    return at.switch_page(PAGE).run()


def button(at: AppTest, label: str):
    return next(b for b in at.button if b.label == label)


def test_the_first_click_reads_the_description(page: AppTest) -> None:
    # A browser commits the text area on the click that leaves it: the button must be live
    # before the text arrives, and that one click must read it.
    assert not button(page, "Read the description").disabled
    button(page, "Read the description").click().run()
    assert "Write a few sentences" in page.warning[0].value
    page.text_area(key="rec_text").set_value(DESCRIPTION)
    button(page, "Read the description").click().run()
    assert not page.exception
    development = next(s for s in page.selectbox if s.label == "Development level")
    assert development.value == "developing"


def test_roadmap_cards_cases_and_no_scores(page: AppTest, starter_index: Settings) -> None:
    page.text_area(key="rec_text").set_value(DESCRIPTION)
    button(page, "Read the description").click().run()
    button(page, "Build the roadmap").click().run(timeout=180)
    assert not page.exception
    texts = [m.value for m in page.markdown] + [c.value for c in page.caption]
    joined = "\n".join(texts)
    assert not re.search(r"fit score|score \d", joined), "a score is shown"
    assert not re.search(r"\(line \d+\)", joined), "a catalog line number is shown"

    labels = (html.unescape(e.label) for e in page.expander)  # labels are inert (safe_text)
    labels = [label for label in labels if label.startswith("[")]
    assert labels and all(YEAR_IN_LABEL.match(label) for label in labels), labels[:3]
    passages = [t for t in texts if 'class="src-passage"' in t]
    marked = [t for t in passages if "<mark>" in t]
    assert len(marked) * 10 >= len(passages) * 9, "cards without a highlighted sentence"

    roadmap = page.session_state["rec_roadmap"]
    catalog = load_catalog(starter_index.corpus_dir)
    ids = {i.id for i in catalog.instruments}
    assert not [i for i in ids if re.search(rf"\b{i}\b", joined)], "instrument ids shown"
    cases = [t for t in texts if t.startswith("**Used instruments of this roadmap:**")]
    assert cases, "similar cases do not name the instruments they used"
    names = {r.name.split(" (")[0] for r in roadmap.recommendations}
    assert all(any(n in case for n in names) for case in cases)
    assert any(t.startswith("**What it teaches:**") for t in texts)
