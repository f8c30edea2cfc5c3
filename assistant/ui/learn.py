"""Learn page: the instrument catalog, the case library and the corpus's key frameworks."""

from __future__ import annotations

from typing import Any

import streamlit as st

from assistant.knowledge.catalog import (
    DEVELOPMENT,
    PHASES,
    Case,
    Catalog,
    Instrument,
    KnowledgeError,
)
from assistant.recommending.evidence import load_documents_meta, quote_citation
from assistant.settings import Settings
from assistant.ui import resources
from assistant.ui.answering import to_message
from assistant.ui.cards import answer_html, answer_markdown, render_answer_sources, render_card
from assistant.ui.profile_form import words

FRAMEWORKS: dict[str, tuple[str, str]] = {
    "The cluster life cycle": (
        "Clusters change over time, and what policy can do depends on the stage. The documents "
        "describe stages from agglomeration or emergence to maturity, decline and transformation.",
        "What are the stages of the cluster life cycle?",
    ),
    "Top-down and bottom-up initiatives": (
        "Initiatives differ by who starts and drives them: government or agencies (top-down) or "
        "firms and local actors (bottom-up), publicly or privately driven.",
        "What is the difference between top-down and bottom-up cluster initiatives?",
    ),
    "The four phases of a cluster initiative": (
        "The Whitebook describes the clustering process in four phases: building social "
        "capital and trust, strategic linkages, a shared strategy and vision, cluster action.",
        "What are the phases of the clustering process, from building trust to cluster action?",
    ),
    "Why intervene: policy rationales": (
        "Cluster policy needs a rationale: market failures, government (policy) failures and "
        "systemic failures that spontaneous market action does not correct.",
        "What is the rationale for cluster policy: market failure, government failure, systemic "
        "failure?",
    ),
}


@st.cache_data(show_spinner=False, max_entries=32)
def _explain(question: str, version: float, key: str, _settings: Settings) -> dict[str, Any]:
    return to_message(resources.answerer(_settings).answer(question))


def explain(settings: Settings, question: str) -> dict[str, Any]:
    """A cited answer to a framework question (cached per index version)."""
    key = settings.model_dump_json()
    return _explain(question, resources.index_version(settings), key, settings)


def _facts(rows: list[tuple[str, str]]) -> str:
    return "  \n".join(f"**{label}:** {value}" for label, value in rows if value)


def render_sources(settings: Settings, sources: list, key: str) -> None:
    manifest = load_documents_meta(settings.corpus_dir)
    store = resources.store(settings)
    for number, source in enumerate(sources, 1):
        citation = quote_citation(source, manifest).model_copy(update={"marker": number})
        render_card(citation, [], store, key=key)


def instrument_detail(settings: Settings, ins: Instrument) -> None:
    with st.container(border=True):
        st.markdown(f"### {ins.name}")
        st.caption(f"{words(ins.category)} · {PHASES[ins.phase]}")
        st.markdown(ins.description)
        when = ins.when_appropriate
        st.markdown(
            _facts(
                [
                    ("Development level", when.development_level),
                    ("Life-cycle stage", when.lifecycle_stage),
                    ("Trust", when.trust_level),
                    ("Firm structure", when.firm_structure),
                    ("Sector notes", when.sector_notes),
                    ("Typical actors", ", ".join(ins.typical_actors)),
                ]
            )
        )
        if ins.cautions:
            st.markdown("**Cautions**  \n" + "\n".join(f"- {c}" for c in ins.cautions))
        st.markdown("**Sources**")
        render_sources(settings, ins.sources, key=f"ins_{ins.id}")


def filter_instruments(catalog: Catalog) -> list[Instrument]:
    cols = st.columns(3)
    categories = sorted({i.category for i in catalog.instruments})
    picked_cat = cols[0].multiselect("Category", categories, format_func=words)
    picked_phase = cols[1].multiselect("Phase", list(PHASES), format_func=lambda p: PHASES[p])
    picked_dev = cols[2].multiselect("Setting", DEVELOPMENT, format_func=words)
    return [
        i
        for i in catalog.instruments
        if (not picked_cat or i.category in picked_cat)
        and (not picked_phase or i.phase in picked_phase)
        and (
            not picked_dev
            or not i.fit.development_level
            or set(picked_dev) & set(i.fit.development_level)
        )
    ]


def render_instruments(settings: Settings, catalog: Catalog) -> None:
    shown = filter_instruments(catalog)
    st.dataframe(
        [
            {
                "Instrument": i.name,
                "Category": words(i.category),
                "Phase": PHASES[i.phase],
                "Settings": ", ".join(i.fit.development_level) or "any",
                "Sources": len(i.sources),
            }
            for i in shown
        ],
        hide_index=True,
        width="stretch",
        height=280,
    )
    if shown:
        chosen = st.selectbox("Open an instrument", shown, format_func=lambda i: i.name)
        instrument_detail(settings, chosen)


def case_detail(settings: Settings, catalog: Catalog, case: Case) -> None:
    with st.container(border=True):
        st.markdown(f"### {case.name}")
        st.caption(f"{case.country} · {case.sector}")
        names = [catalog.by_id[i].name for i in case.interventions if i in catalog.by_id]
        st.markdown(
            _facts(
                [
                    ("Situation", case.situation),
                    ("What was done", "; ".join(names) or "no deliberate intervention described"),
                    ("Outcomes", case.outcomes),
                ]
            )
        )
        render_sources(settings, [case], key=f"case_{case.id}")


def filter_cases(catalog: Catalog) -> list[Case]:
    cols = st.columns(3)
    countries = sorted({c.country for c in catalog.cases})
    picked_country = cols[0].multiselect("Country", countries)
    sector = cols[1].text_input("Sector contains", placeholder="e.g. textile, agriculture")
    used = sorted({i for c in catalog.cases for i in c.interventions if i in catalog.by_id})
    picked_ins = cols[2].multiselect(
        "Instrument used", used, format_func=lambda i: catalog.by_id[i].name
    )
    return [
        c
        for c in catalog.cases
        if (not picked_country or c.country in picked_country)
        and sector.lower() in c.sector.lower()
        and (not picked_ins or set(picked_ins) & set(c.interventions))
    ]


def render_cases(settings: Settings, catalog: Catalog) -> None:
    shown = filter_cases(catalog)
    st.dataframe(
        [
            {"Case": c.name, "Country": c.country, "Sector": c.sector, "Detail": c.depth}
            for c in shown
        ],
        hide_index=True,
        width="stretch",
        height=280,
    )
    if shown:
        chosen = st.selectbox("Open a case", shown, format_func=lambda c: c.name)
        case_detail(settings, catalog, chosen)


def render_frameworks(settings: Settings) -> None:
    name = st.radio("Framework", list(FRAMEWORKS), horizontal=True)
    intro, question = FRAMEWORKS[name]
    st.markdown(intro)
    with st.spinner("Finding the passages…"):
        message = explain(settings, question)
    st.markdown("**In the documents' own words**")
    if message["abstained"]:
        st.info(answer_markdown(message["content"]))
    else:
        st.markdown(answer_html(message["content"], "fw"), unsafe_allow_html=True)
    store = resources.store(settings)
    render_answer_sources(message, store, scope="fw", key=f"fw_{name}")


def render(settings: Settings) -> None:
    """The Learn page."""
    st.title("Learn")
    st.caption("For trainees: the instruments, the documented cases and the main frameworks.")
    try:
        catalog = resources.catalog(settings)
    except KnowledgeError as exc:
        st.error(f"The knowledge base cannot be read: {exc}")
        return
    tabs = st.tabs(
        [
            f"Instrument catalog ({len(catalog.instruments)})",
            f"Case library ({len(catalog.cases)})",
            "Key frameworks",
        ]
    )
    with tabs[0]:
        render_instruments(settings, catalog)
    with tabs[1]:
        render_cases(settings, catalog)
    with tabs[2]:
        render_frameworks(settings)
