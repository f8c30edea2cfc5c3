"""Recommend page: a described cluster → editable profile → cited roadmap by phase."""

from __future__ import annotations

import logging
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial
from pathlib import Path

import streamlit as st

from assistant.citations import Citation
from assistant.recommending.draft import (
    case_reasons,
    instrument_topic,
    short_name,
    strip_lines,
    used_instruments,
    why_sentence,
)
from assistant.recommending.export import to_docx, to_markdown
from assistant.recommending.profile import ClusterProfile
from assistant.recommending.quotes import key_sentence
from assistant.recommending.roadmap import Recommendation, Roadmap
from assistant.settings import Settings
from assistant.ui import resources
from assistant.ui.answering import CLUSTER
from assistant.ui.cards import render_card
from assistant.ui.profile_form import profile_form
from assistant.ui.safe_text import inert

log = logging.getLogger(__name__)
PROFILE, ROADMAP, ROUND, PENDING = "rec_profile", "rec_roadmap", "rec_round", "rec_pending"
EXAMPLE = (
    "About 3,500 smallholder banana growers around Rivas, Nicaragua. A respected but small "
    "producers' association exists; there is little cooperation and mistrust of buyers. Most "
    "sell unprocessed fruit locally. We have three years of donor money."
)


def numbered(citations: list[Citation]) -> list[Citation]:
    """The citations numbered for their cards, catalog locators without line numbers."""
    return [
        c.model_copy(update={"marker": i, "section": strip_lines(c.section)})
        for i, c in enumerate(citations, 1)
    ]


def render_quotes(settings: Settings, citations: list[Citation], key: str) -> None:
    """Cards for curated quotes (a pitfall, a case, a disagreement): the quote highlighted."""
    store = resources.store(settings)
    for citation in numbered(citations):
        render_card(citation, [citation.text], store, key=key)


def cluster_summary(profile: ClusterProfile) -> str:
    return "; ".join(profile.facts()) or profile.description[:200]


def request_reading(example: str | None = None) -> None:
    """Button callback: read the description (the example one if given) on this run.

    The button is never disabled: a browser commits a text area's value when it loses focus,
    so a button disabled while the area was empty would swallow the click that moves the focus.
    """
    if example:
        st.session_state["rec_text"] = example
    st.session_state[PENDING] = True


@contextmanager
def reported(action: str) -> Iterator[None]:
    """Show a failure of ``action`` as an error message and stop the page (no traceback)."""
    try:
        yield
    except Exception as exc:
        log.exception("%s failed", action)
        st.error(f"{action} failed: {exc}")
        st.stop()


def read_description(settings: Settings, text: str) -> None:
    with st.spinner("Reading the description…"), reported("Reading the description"):
        profile = resources.recommender(settings).profile(text)
    st.session_state[PROFILE] = profile
    st.session_state.pop(ROADMAP, None)
    st.session_state[ROUND] = st.session_state.get(ROUND, 0) + 1


def build_roadmap(settings: Settings, profile: ClusterProfile) -> None:
    with (
        st.spinner("Scoring instruments and finding the passages that support them…"),
        reported("Building the roadmap"),
    ):
        roadmap = resources.recommender(settings).recommend(profile)
    st.session_state[PROFILE] = profile
    st.session_state[ROADMAP] = roadmap
    st.session_state[CLUSTER] = {"summary": cluster_summary(profile), "profile": profile}


def render_recommendation(settings: Settings, rec: Recommendation) -> None:
    with st.container(border=True):
        st.markdown(f"#### {rec.name}")
        st.markdown(f"**Why:** {inert(why_sentence(rec))}")  # each piece of evidence named once
        if rec.cautions:
            st.markdown("**Cautions**  \n" + "\n".join(f"- {inert(c)}" for c in rec.cautions))
        store = resources.store(settings)
        topic = instrument_topic(rec, resources.catalog(settings))
        for citation in numbered(rec.citations):
            found = key_sentence(citation.text, topic, short_name(rec.name))
            sentences = [found] if found else []
            render_card(citation, sentences, store, key=f"rec_{rec.instrument_id}")


def render_not_recommended(settings: Settings, roadmap: Roadmap) -> None:
    if not roadmap.not_recommended:
        st.info("Nothing in the description triggers a known pitfall.")
    for item in roadmap.not_recommended:
        with st.container(border=True):
            st.markdown(f"#### :material/block: {item.name}")
            st.markdown(item.reason)
            render_quotes(settings, item.sources, key=f"not_{item.instrument_id}")


def render_cases(settings: Settings, roadmap: Roadmap) -> None:
    if not roadmap.similar_cases:
        st.info("No documented case is close enough to compare: add facts to the profile above.")
    catalog = resources.catalog(settings)
    for case in roadmap.similar_cases:
        with st.container(border=True):
            st.markdown(f"#### {case.name}" + (f" · {case.country}" if case.country else ""))
            if reasons := case_reasons(case.why):
                st.markdown(f"**Similar because:** {inert(reasons)}")
            if used := used_instruments(case.case_id, roadmap, catalog):
                st.markdown(
                    "**Used instruments of this roadmap:**  \n" + "\n".join(f"- {u}" for u in used)
                )
            entry = catalog.cases_by_id.get(case.case_id)
            if entry:
                st.markdown(f"**What it teaches:** {' '.join(entry.outcomes.split())}")
            if case.source:
                render_quotes(settings, [case.source], key=f"case_{case.case_id}")


def render_disagreements(settings: Settings, roadmap: Roadmap) -> None:
    if not roadmap.disagreements:
        st.info("The documents do not disagree about the instruments in this roadmap.")
    for item in roadmap.disagreements:
        with st.container(border=True):
            st.markdown(f"**{item.topic}**")
            render_quotes(settings, item.sides, key=f"dis_{item.instrument_id}")


def docx_bytes(roadmap: Roadmap, corpus_dir: Path) -> bytes:
    """The strategy draft as a Word file's bytes."""
    with tempfile.TemporaryDirectory() as tmp:
        return to_docx(roadmap, Path(tmp) / "draft.docx", corpus_dir).read_bytes()


def render_downloads(settings: Settings, roadmap: Roadmap) -> None:
    # The drafts are written when a button is clicked, not at every rerun of the page (the
    # two took about 1 s of each rerun).
    left, right, _ = st.columns([1, 1, 2])
    left.download_button(
        "Strategy draft (Markdown)",
        partial(to_markdown, roadmap, settings.corpus_dir),
        file_name="cluster-strategy-draft.md",
        mime="text/markdown",
        icon=":material/description:",
    )
    right.download_button(
        "Strategy draft (Word)",
        partial(docx_bytes, roadmap, settings.corpus_dir),
        file_name="cluster-strategy-draft.docx",
        mime="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        icon=":material/article:",
    )


def render_roadmap(settings: Settings, roadmap: Roadmap) -> None:
    st.subheader("3. Roadmap")
    render_downloads(settings, roadmap)
    st.page_link(
        "assistant/ui/pages/ask.py",
        label="Ask questions about this cluster on the Ask page",
        icon=":material/forum:",
    )
    tabs = st.tabs(
        [
            f"Roadmap ({len(roadmap.recommendations)})",
            f"What not to do ({len(roadmap.not_recommended)})",
            f"Similar cases ({len(roadmap.similar_cases)})",
            f"Where sources disagree ({len(roadmap.disagreements)})",
        ]
    )
    with tabs[0]:
        if not roadmap.recommendations:
            st.info("No instrument fits what is known yet: add facts to the profile above.")
        for phase, recs in roadmap.by_phase().items():
            st.markdown(f"### {phase}")
            for rec in recs:
                render_recommendation(settings, rec)
    with tabs[1]:
        render_not_recommended(settings, roadmap)
    with tabs[2]:
        render_cases(settings, roadmap)
    with tabs[3]:
        render_disagreements(settings, roadmap)


def render_profile(settings: Settings, profile: ClusterProfile) -> None:
    st.subheader("2. Check what was understood")
    st.caption(
        "Correct anything the reader got wrong; fields it could not tell stay “unknown”. "
        "The (?) next to a field shows the words its value was read from."
    )
    for note in profile.contradictions:
        st.warning(note, icon=":material/warning:")
    edited = profile_form(profile, key=f"profile_{st.session_state.get(ROUND, 0)}")
    if edited is not None:
        build_roadmap(settings, edited)


def render(settings: Settings) -> None:
    """The Recommend page."""
    st.title("Recommend a strategy")
    st.caption(
        "Describe a cluster in your own words; get the instruments that fit, in what order, "
        "why, what to avoid, similar documented cases, and the passages behind each point."
    )
    st.subheader("1. Describe the cluster")
    st.session_state.setdefault("rec_text", "")
    text = st.text_area(
        "Cluster description",
        key="rec_text",
        height=130,
        placeholder=EXAMPLE,
        help="Sector, place, number and size of firms, trust and cooperation, institutions, "
        "problems, goals, time frame and budget: whatever you know.",
    )
    left, right, _ = st.columns([1, 1, 3])
    left.button("Read the description", type="primary", on_click=request_reading)
    right.button("Try an example", on_click=request_reading, args=(EXAMPLE,))
    if st.session_state.pop(PENDING, False):
        if text.strip():
            read_description(settings, text)
        else:
            st.warning("Write a few sentences about the cluster first, or try the example.")
    if PROFILE in st.session_state:
        render_profile(settings, st.session_state[PROFILE])
    if ROADMAP in st.session_state:
        render_roadmap(settings, st.session_state[ROADMAP])
