"""Each user's task walked in a real browser (Playwright, Debian's Chromium) over the starter
index: a policymaker asks three questions and a follow-up, a trainee follows the Learn path, a
consultant describes a cluster and downloads the strategy draft.

A screenshot of every step goes to ``$CLUSTER_ASSISTANT_SHOTS`` (default: the test's temporary
folder) as ``walk-*.png``.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from docx import Document
from test_browser import CHROMIUM, CHROMIUM_ARGS, running_app

from assistant.answering.extractive import quotable
from assistant.knowledge.catalog import load_catalog
from assistant.knowledge.learning import load_learning
from assistant.settings import Settings
from assistant.ui.highlight import split_sentences

ROOT = Path(__file__).resolve().parent.parent
QUESTIONS = [
    "How can a cluster initiative build trust among firms?",
    "Why do top-down cluster policies often fail?",
    "What does a cluster development agent do?",
]
FOLLOW_UP = "And who pays for it?"
RESOLVED = "cluster development agent"  # what "it" refers to in the third question
DESCRIPTION = (
    "About 300 family garment workshops in an Andean town of a developing country. Exports "
    "collapsed; firms have no design capability and the vocational school teaches outdated "
    "skills. Producers copy designs, so trust is low. The mayor is keen to help."
)
MARKUP = re.compile(r"\*\*|</?[a-z][^>]*>|&lt;|&#")
TIMEOUT = 180_000
WIDTH, HEIGHT = 1400, 1000
# An element to the top of its scrolling container, below the app's top bar.
SCROLL_TO_TOP = """e => { e.scrollIntoView({block: 'start'}); let box = e.parentElement;
    while (box && box.scrollHeight <= box.clientHeight) box = box.parentElement;
    if (box) box.scrollTop -= 80; }"""
ROW_HEIGHT = 35  # of a Streamlit table row, the header row included

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed"),
]


@pytest.fixture
def shots(tmp_path: Path) -> Path:
    folder = Path(os.environ.get("CLUSTER_ASSISTANT_SHOTS") or tmp_path / "shots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture
def page(starter_index: Settings, tmp_path: Path) -> Iterator:
    """A Chromium page on the app served over the starter index."""
    from playwright.sync_api import sync_playwright

    env = {
        **os.environ,
        "CLUSTER_ASSISTANT_INDEX_DIR": str(starter_index.index_dir),
        "CLUSTER_ASSISTANT_CORPUS_DIR": str(starter_index.corpus_dir),
        "CLUSTER_ASSISTANT_FEEDBACK_FILE": str(tmp_path / "feedback.jsonl"),
    }
    env.pop("CLUSTER_ASSISTANT_LLM_BACKEND", None)
    with running_app(env, tmp_path) as url, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        tab = browser.new_page(viewport={"width": WIDTH, "height": HEIGHT}, accept_downloads=True)
        tab.set_default_timeout(TIMEOUT)
        tab.goto(url)
        tab.get_by_test_id("stChatInputTextArea").wait_for()
        yield tab
        browser.close()


def snap(page, folder: Path, name: str, first=None, last=None) -> None:
    """A screenshot of the whole page (the window made as tall as the app's content), or
    from element ``first`` to element ``last`` (scrolled to the top of the window)."""
    if first is not None and last is not None:
        top, bottom = first.bounding_box(), last.bounding_box()
        height = bottom["y"] + bottom["height"] - top["y"] + 140  # the top bar's height
    else:
        height = page.evaluate(
            "() => Math.max(...[...document.querySelectorAll('*')]"
            ".map(e => e.scrollHeight), 0) + 120"
        )
    page.set_viewport_size({"width": WIDTH, "height": int(min(max(height, HEIGHT), 9000))})
    page.wait_for_timeout(800)  # let the page lay itself out again
    if first is not None:
        first.evaluate(SCROLL_TO_TOP)
        page.wait_for_timeout(300)
    page.screenshot(path=str(folder / f"walk-{name}.png"))
    page.set_viewport_size({"width": WIDTH, "height": HEIGHT})


def idle(page) -> None:
    """Wait until the app has finished running the script."""
    page.wait_for_timeout(300)
    page.get_by_test_id("stStatusWidget").wait_for(state="hidden")


def sentences(text: str) -> list[str]:
    return split_sentences(" ".join(text.split()))


def answer_parts(message) -> tuple[str, str, str]:
    """An answer message's lead paragraph and whole text (markers left out), and its HTML."""
    body = message.locator('[data-testid="stMarkdownContainer"]:has(a.cite)').first
    plain = body.evaluate(
        """el => { const c = el.cloneNode(true);
                   c.querySelectorAll('a.cite').forEach(a => a.remove());
                   return [c.querySelector('p') ? c.querySelector('p').innerText : '',
                           c.innerText]; }"""
    )
    return plain[0], plain[1], body.inner_html()


def ask(page, question: str) -> object:
    box = page.get_by_test_id("stChatInputTextArea")
    count = page.get_by_test_id("stChatMessage").count()
    box.fill(question)
    box.press("Enter")
    answer = page.get_by_test_id("stChatMessage").nth(count + 1)  # after the question's
    answer.locator("a.cite").first.wait_for()
    idle(page)
    return answer


def test_policymaker_asks_three_questions_and_a_follow_up(page, shots: Path) -> None:
    for number, question in enumerate([*QUESTIONS, FOLLOW_UP], 1):
        message = ask(page, question)
        lead, whole, markup = answer_parts(message)
        assert lead and not lead.startswith("Supporting points"), lead
        assert all(quotable(s) for s in sentences(lead)), lead  # a bottom line first
        quoted = re.findall(r"“([^”]+)”", whole)
        for sentence in sentences(lead) + quoted:
            assert not sentence.rstrip('”"’) ').endswith("?"), sentence  # no question
        assert not MARKUP.search(whole) and "<sup>" not in markup, whole  # no markup
        if question == FOLLOW_UP:
            understood = message.get_by_test_id("stCaptionContainer").first.inner_text()
            assert "Follow-up understood as" in understood
            rewritten = understood.split(":", 1)[1].strip().lower()
            assert RESOLVED in rewritten and not re.search(r"\bit\b", rewritten), rewritten
        asked = page.get_by_test_id("stChatMessage").nth(2 * number - 2)
        snap(page, shots, f"ask-{number}", asked, message)


def test_trainee_follows_the_learn_path(page, shots: Path) -> None:
    learning, catalog = load_learning(ROOT / "corpus"), load_catalog(ROOT / "corpus")
    page.get_by_role("link", name="Learn").click()
    for number, framework in enumerate(learning.frameworks, 1):
        heading = page.get_by_role("heading", name=framework.name, exact=True)
        heading.wait_for()
        idle(page)
        boxes = page.locator(".src-passage")
        boxes.nth(2).wait_for()
        for text in boxes.all_inner_texts():
            assert quotable(" ".join(text.split())) and framework.defines(text), text
        snap(page, shots, f"learn-{number}-{framework.id}")
        page.get_by_role("button", name=re.compile(r"^Next:")).click()
    page.get_by_role("heading", name="Glossary", exact=True).wait_for()
    page.get_by_label("Find a term").fill("trust")
    page.get_by_label("Find a term").press("Enter")
    idle(page)
    assert page.get_by_text("Social capital", exact=False).count() >= 1
    snap(page, shots, "learn-5-glossary")
    page.get_by_role("button", name=re.compile(r"^Next:")).click()
    page.get_by_role("heading", name="Instrument catalog", exact=True).wait_for()
    idle(page)
    row, used = next(  # a row opens its instrument: one that documented cases used
        (n, i)
        for n, i in enumerate(catalog.instruments)
        if n and any(i.id in c.interventions for c in catalog.cases)
    )
    grid = page.get_by_test_id("stDataFrame").first
    grid.click(position={"x": 18, "y": ROW_HEIGHT * (row + 1) + ROW_HEIGHT // 2})
    page.get_by_role("heading", name=used.name, exact=True).wait_for()
    idle(page)
    snap(page, shots, "learn-6-instrument")
    case_name = next(c.name for c in catalog.cases if used.id in c.interventions)
    case_pill = page.get_by_text(case_name, exact=True).first
    case_pill.click()  # an instrument's case opens in the case library
    page.get_by_role("heading", name="Case library", exact=True).wait_for()
    page.get_by_role("heading", name=case_name, exact=True).wait_for()
    idle(page)
    snap(page, shots, "learn-7-case")
    page.get_by_label("Sector contains").fill("spaceships")
    page.get_by_label("Sector contains").press("Enter")
    hint = page.get_by_text("sectors in the library include", exact=False)
    hint.wait_for()
    snap(page, shots, "learn-8-no-sector")


def test_consultant_describes_a_cluster_and_downloads_the_draft(
    page, shots: Path, tmp_path: Path
) -> None:
    page.get_by_role("link", name="Recommend").click()
    page.get_by_role("textbox").first.fill(DESCRIPTION)
    page.get_by_role("button", name="Read the description").click()
    # The first reading loads the profile's models in the app process: minutes on a busy machine.
    page.get_by_role("button", name="Build the roadmap").wait_for(timeout=360_000)
    idle(page)
    snap(page, shots, "recommend-1-profile")
    page.get_by_role("button", name="Build the roadmap").click()
    word = page.get_by_role("button", name="Strategy draft (Word)")
    word.wait_for()
    idle(page)
    snap(page, shots, "recommend-2-roadmap")
    with page.expect_download() as download:
        word.click()
    path = tmp_path / "draft.docx"
    download.value.save_as(path)
    doc = Document(str(path))
    headers = [[c.text for c in t.rows[0].cells] for t in doc.tables]
    assert any({"Phase", "Instrument", "Who leads", "Timing"} <= set(h) for h in headers)
    texts = [p.text for p in doc.paragraphs]
    references = texts[texts.index("References") + 1 :]
    entries = [t for t in references if re.search(r"\((19|20)\d\d\)\.", t)]
    assert entries and all(re.match(r"^[A-Z][\w'’ -]+, [A-Z]\.|^[A-Z]{3,} \(", e) for e in entries)
    assert any(e.startswith("Meyer-Stamer, J., & Harmes-Liedtke, U. (2005)") for e in entries)
