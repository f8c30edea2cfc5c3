"""Learn page: a path for trainees through the corpus's frameworks, its words, the instruments
and the cases that used them.

The steps come in order: each key framework (``corpus/frameworks.yaml``) explained by the
passages that define it, a glossary, then the instrument catalog and the case library
(``learn_catalog``). Previous / next buttons walk the path; the step picker jumps.
"""

from __future__ import annotations

import streamlit as st

from assistant.answering.extractive import quotable
from assistant.citations import Citation
from assistant.index.sentences import split_sentences
from assistant.knowledge.catalog import PHASES, STAGES, Catalog, KnowledgeError, Source
from assistant.knowledge.learning import Framework, GlossaryEntry, Learning
from assistant.recommending.evidence import load_documents_meta, quote_citation
from assistant.settings import Settings
from assistant.ui import resources
from assistant.ui.cards import render_card
from assistant.ui.learn_catalog import (
    STEP,
    link_pills,
    open_instrument,
    present,
    render_cases,
    render_instruments,
)
from assistant.ui.safe_text import inert

MORE = 4  # defining sentences found by searching the library, at most
STAGE_WORDS = {s: s[:5] for s in STAGES}  # "emerg" finds emerging, emergence
STAGE_LABELS = {
    "latent": "Latent clusters",
    "emerging": "Emerging clusters",
    "growing": "Growing clusters",
    "mature": "Mature clusters",
    "declining": "Declining clusters",
}


def step_labels(learning: Learning | None, catalog: Catalog) -> list[str]:
    frameworks = [f.name for f in learning.frameworks] if learning else []
    return [
        *frameworks,
        "Glossary" if learning else "",
        f"Instruments ({len(catalog.instruments)})",
        f"Cases ({len(catalog.cases)})",
    ]


def go(step: int) -> None:
    st.session_state[STEP] = step


def render_path(labels: list[str]) -> int:
    """The step picker; returns the step to show."""
    return int(
        st.radio(
            "Your path",
            range(len(labels)),
            format_func=lambda i: f"{i + 1}. {labels[i]}",
            key=STEP,
            horizontal=True,
        )
    )


def render_steps_nav(labels: list[str], step: int) -> None:
    """Previous and next buttons under a step."""
    left, right = st.columns(2)
    if step > 0:
        left.button(f"← {labels[step - 1]}", on_click=go, args=(step - 1,), key="learn_prev")
    if step + 1 < len(labels):
        right.button(
            f"Next: {labels[step + 1]} →",
            on_click=go,
            args=(step + 1,),
            type="primary",
            key="learn_next",
        )


def passage_citation(source: Source, manifest: dict, number: int) -> Citation:
    return quote_citation(source, manifest).model_copy(update={"marker": number})


def render_framework(
    settings: Settings, framework: Framework, catalog: Catalog, instrument_step: int
) -> None:
    st.header(framework.name)
    st.markdown(framework.intro)
    passages = present(settings, framework.passages)
    if not passages:
        st.info(
            "The documents that define this framework are not in the library any more; ask "
            "about it on the Ask page to see what the remaining documents say."
        )
    else:
        st.markdown("**In the documents' own words**")
    manifest = load_documents_meta(settings.corpus_dir)
    store = resources.store(settings)
    for number, source in enumerate(passages, 1):
        citation = passage_citation(source, manifest, number)
        render_card(citation, [], store, key=f"fw_{framework.id}", expanded=True)
    render_more(settings, framework, {" ".join(p.quote.split()) for p in passages})
    if framework.instruments_by:
        render_instrument_groups(catalog, framework, instrument_step)


@st.cache_data(show_spinner=False, max_entries=16)
def _defining(
    framework_id: str, version: float, key: str, _settings: Settings, _framework: Framework
) -> list[tuple[dict, str]]:
    found: list[tuple[dict, str]] = []
    for doc in resources.retriever(_settings).search(_framework.question).documents:
        for sentence in split_sentences(doc.page_content):
            if quotable(sentence) and _framework.defines(sentence):
                found.append((Citation.from_document(doc).model_dump(), sentence))
    return found


def defining_sentences(
    settings: Settings, framework: Framework, known: set[str]
) -> list[tuple[Citation, str]]:
    """Whole sentences of the passages the library finds for the framework's question that
    name it or define a part of it, other than ``known`` (at most one per passage)."""
    found = _defining(
        framework.id,
        resources.index_version(settings),
        settings.model_dump_json(),
        settings,
        framework,
    )
    picked: dict[str, tuple[Citation, str]] = {}
    for data, sentence in found:
        citation = Citation.model_validate(data)
        flat = " ".join(sentence.split())
        if flat not in known and not any(flat in k or k in flat for k in known):
            picked.setdefault(citation.chunk_id, (citation, sentence))
    return list(picked.values())[:MORE]


def render_more(settings: Settings, framework: Framework, known: set[str]) -> None:
    """More defining sentences from the whole library, searched on request."""
    if not st.toggle("Search the whole library for more", key=f"fw_more_{framework.id}"):
        return
    with st.spinner("Searching the library…"):
        found = defining_sentences(settings, framework, known)
    if not found:
        st.caption("No other passage in the library names this framework.")
        return
    store = resources.store(settings)
    for number, (citation, sentence) in enumerate(found, len(known) + 1):
        citation = citation.model_copy(update={"marker": number})
        render_card(citation, [sentence], store, key=f"fw_more_{framework.id}")


def instrument_groups(catalog: Catalog, field: str) -> list[tuple[str, list[str]]]:
    """(label, instrument ids) for each phase, or each life-cycle stage an instrument's fit or
    its note on the stage names."""
    if field == "phase":
        return [
            (label, [i.id for i in catalog.instruments if i.phase == phase])
            for phase, label in PHASES.items()
        ]
    return [
        (
            STAGE_LABELS[stage],
            [
                i.id
                for i in catalog.instruments
                if stage in i.fit.lifecycle_stage
                or STAGE_WORDS[stage] in i.when_appropriate.lifecycle_stage.lower()
            ],
        )
        for stage in STAGES
    ]


def render_instrument_groups(catalog: Catalog, framework: Framework, step: int) -> None:
    if framework.instruments_by == "phase":
        st.markdown("**The roadmap's four phases, and the instruments of each**")
    else:
        st.markdown("**Instruments whose catalog entry names a stage** (open one to read why)")
    names = {i.id: i.name for i in catalog.instruments}
    for label, ids in instrument_groups(catalog, framework.instruments_by or ""):
        if ids:
            link_pills(
                label,
                ids,
                names,
                key=f"fw_ins_{framework.id}_{label}",
                go=lambda ins_id: open_instrument(ins_id, step),
            )


def glossary_entry(entry: GlossaryEntry, sources: list[Source], manifest: dict) -> str:
    lines = [f"**{inert(entry.term)}**: {inert(entry.gloss)}"]
    for source in sources:
        cit = quote_citation(source, manifest)
        where = ", ".join(x for x in (cit.short_authors, str(cit.year or "")) if x)
        lines.append(
            f"> “{inert(' '.join(source.quote.split()))}” ({inert(where)}, {inert(source.locator)})"
        )
    return "\n\n".join(lines)


def render_glossary(settings: Settings, learning: Learning) -> None:
    st.header("Glossary")
    st.markdown(
        "The words the documents use, each in plain words and then in the documents' own "
        "definition."
    )
    typed = st.text_input("Find a term", placeholder="e.g. trust, broker", key="gl_find")
    shown = [g for g in learning.glossary if g.matches(typed)] if typed.strip() else None
    if shown == []:
        st.info(
            f"No term or definition in the glossary mentions “{inert(typed.strip())}”. Terms "
            f"in it: {', '.join(inert(g.term) for g in learning.glossary)}. For anything "
            "else, ask on the Ask page: it searches every document."
        )
        return
    manifest = load_documents_meta(settings.corpus_dir)
    for entry in shown or learning.glossary:
        sources = present(settings, entry.sources)
        if sources:
            st.markdown(glossary_entry(entry, sources, manifest))


def load(settings: Settings) -> tuple[Catalog | None, Learning | None]:
    """The catalog and the frameworks, each None (with an error shown) when unreadable."""
    catalog = learning = None
    try:
        catalog = resources.catalog(settings)
    except KnowledgeError as exc:
        st.error(f"The knowledge base cannot be read: {exc}")
    try:
        learning = resources.learning(settings)
    except KnowledgeError as exc:
        st.warning(f"The frameworks cannot be read, so the path starts at the catalog: {exc}")
    return catalog, learning


def render(settings: Settings) -> None:
    """The Learn page."""
    st.title("Learn")
    st.caption(
        "A path for trainees: the main frameworks in the documents' own words, the words "
        "they use, then the instruments and the documented cases that used them."
    )
    catalog, learning = load(settings)
    if catalog is None:
        return
    labels = [label for label in step_labels(learning, catalog) if label]
    step = render_path(labels)
    frameworks = learning.frameworks if learning else []
    instrument_step, case_step = len(labels) - 2, len(labels) - 1
    with st.container():
        if step < len(frameworks):
            render_framework(settings, frameworks[step], catalog, instrument_step)
        elif learning and step == len(frameworks):
            render_glossary(settings, learning)
        elif step == instrument_step:
            st.header("Instrument catalog")
            render_instruments(settings, catalog, case_step)
        else:
            st.header("Case library")
            render_cases(settings, catalog, instrument_step)
    st.divider()
    render_steps_nav(labels, step)
