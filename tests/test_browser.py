"""End to end in a real browser: `streamlit run` on 127.0.0.1, driven by Playwright in Chromium."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from assistant.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed"),
]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_healthy(url: str, proc: subprocess.Popen, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"streamlit exited with code {proc.returncode}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as resp:
                if resp.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    raise TimeoutError(f"streamlit did not answer at {url}")


@contextmanager
def running_app(env: dict[str, str], tmp_path: Path) -> Iterator[str]:
    """The Streamlit app served on a free port of 127.0.0.1 with ``env``; yields its URL."""
    port = free_port()
    command = [sys.executable, "-m", "streamlit", "run", "streamlit_app.py"]
    command += ["--server.address", "127.0.0.1", "--server.port", str(port)]
    command += ["--server.headless", "true", "--browser.gatherUsageStats", "false"]
    log = (tmp_path / "streamlit.log").open("w")
    proc = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(url, proc)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=20)
        log.close()


@pytest.fixture
def app_url(starter_index: Settings, tmp_path: Path) -> Iterator[str]:
    """The app served by a real `streamlit run` on a free port, over the starter index."""
    env = {
        **os.environ,
        "CLUSTER_ASSISTANT_INDEX_DIR": str(starter_index.index_dir),
        "CLUSTER_ASSISTANT_CORPUS_DIR": str(starter_index.corpus_dir),
        "CLUSTER_ASSISTANT_FEEDBACK_FILE": str(tmp_path / "feedback.jsonl"),
    }
    with running_app(env, tmp_path) as url:
        yield url


def test_ask_in_browser_shows_a_citation_card(app_url: str, tmp_path: Path) -> None:
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.goto(app_url)
        box = page.get_by_test_id("stChatInputTextArea")
        expect(box).to_be_visible(timeout=60_000)
        box.fill("How can a cluster initiative build trust among firms?")
        box.press("Enter")
        marker = page.locator("a.cite").first
        expect(marker).to_be_visible(timeout=120_000)
        marker.click()  # a citation marker leads to its source card
        card = page.get_by_test_id("stExpander").filter(has_text="[1]").first
        expect(card).to_be_in_viewport()
        card.locator("summary").click()
        expect(card.locator("mark").first).to_be_visible()  # the cited sentence, highlighted
        page.wait_for_timeout(800)  # let the card finish opening
        shot = tmp_path / "ask-citation.png"
        page.screenshot(path=str(shot), full_page=True)
        browser.close()
    assert shot.stat().st_size > 10_000
