"""The Learn path's last two steps: the instrument catalog and the case library.

Rows open: a click on a table row (or the picker under it) opens the entry. An instrument
lists the documented cases that used it and a case the instruments it used, each a link to
the other. A filter that leaves nothing says what to try instead.
"""

from __future__ import annotations

import difflib
import re
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import streamlit as st

from assistant.knowledge.catalog import (
    DEVELOPMENT,
    PHASES,
    Case,
    Catalog,
    Instrument,
    Source,
)
from assistant.recommending.draft import strip_lines
from assistant.recommending.evidence import load_documents_meta, quote_citation
from assistant.settings import Settings
from assistant.ui import resources
from assistant.ui.cards import render_card
from assistant.ui.profile_form import words
from assistant.ui.safe_text import inert

STEP = "learn_step"  # the index of the path's current step
INSTRUMENT, CASE = "learn_instrument", "learn_case"  # the open entries (ids)
INSTRUMENT_FILTERS = ("ins_category", "ins_phase", "ins_setting")
CASE_FILTERS = {"case_country": [], "case_sector": "", "case_instrument": []}
SECTOR_HEAD = re.compile(r"\s*[(;,/]")  # 'Software / IT', 'Wine (ice wine)': the head first
MIXED = re.compile(r"(?i)multiple|cross-sector|exporters")


def open_instrument(instrument_id: str, step: int) -> None:
    """Callback: show ``instrument_id`` in the catalog step, whatever the filters were."""
    st.session_state.update({STEP: step, INSTRUMENT: instrument_id})
    st.session_state.update({key: [] for key in INSTRUMENT_FILTERS})


def open_case(case_id: str, step: int) -> None:
    """Callback: show ``case_id`` in the case step, whatever the filters were."""
    st.session_state.update({STEP: step, CASE: case_id, **CASE_FILTERS})


def link_pills(
    label: str, options: Sequence[str], names: dict[str, str], key: str, go: Callable[[str], None]
) -> None:
    """Entries as clickable pills; a click calls ``go(id)`` and clears the pills."""

    def clicked() -> None:
        value = st.session_state.get(key)
        st.session_state[key] = None
        if value:
            go(value)

    st.pills(label, list(options), format_func=names.__getitem__, key=key, on_change=clicked)


def render_sources(settings: Settings, sources: Sequence[Source | Case], key: str) -> None:
    """Knowledge-base quotes as source cards (the quote read in its document on request)."""
    manifest = load_documents_meta(settings.corpus_dir)
    store = resources.store(settings)
    for number, source in enumerate(sources, 1):
        citation = quote_citation(source, manifest)
        citation = citation.model_copy(
            update={"marker": number, "section": strip_lines(citation.section)}
        )
        render_card(citation, [], store, key=key)


def present(settings: Settings, sources: Sequence[Source]) -> list[Source]:
    """The sources whose document is still in the library."""
    folder = Path(settings.corpus_dir) / "documents"
    return [s for s in sources if (folder / s.doc).is_file()]


def _facts(rows: list[tuple[str, str]]) -> str:
    return "  \n".join(f"**{label}:** {inert(value)}" for label, value in rows if value)


def pick(shown: Sequence[Any], key: str, label: str, name: Callable[[Any], str]) -> Any:
    """The entry a table row or the picker opened (the first when none is)."""
    ids = [entry.id for entry in shown]
    if st.session_state.get(key) not in ids:
        st.session_state[key] = ids[0]
    chosen = st.selectbox(label, ids, key=key, format_func=lambda i: name(shown[ids.index(i)]))
    return shown[ids.index(chosen)]


def table(rows: list[dict[str, Any]], ids: list[str], key: str, target: str) -> None:
    """A table whose rows open their entry: a click selects it as ``target``."""

    def selected() -> None:
        picked = st.session_state[key].selection.rows
        if picked:
            st.session_state[target] = ids[picked[0]]

    st.dataframe(
        rows,
        hide_index=True,
        width="stretch",
        height=min(36 + 35 * len(rows), 320),
        key=key,
        on_select=selected,
        selection_mode="single-row",
    )


# ------------------------------------------------------------------------------ instruments


def instrument_detail(
    settings: Settings, catalog: Catalog, ins: Instrument, case_step: int
) -> None:
    with st.container(border=True):
        st.markdown(f"### {inert(ins.name)}")
        st.caption(f"{words(ins.category)} · {PHASES[ins.phase]}")
        st.markdown(inert(ins.description))
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
            st.markdown("**Cautions**  \n" + "\n".join(f"- {inert(c)}" for c in ins.cautions))
        used_in = [c for c in catalog.cases if ins.id in c.interventions]
        if used_in:
            names = {c.id: c.name for c in used_in}
            link_pills(
                f"Cases that used it ({len(used_in)}): open one",
                list(names),
                names,
                key=f"ins_cases_{ins.id}",
                go=lambda case_id: open_case(case_id, case_step),
            )
        else:
            st.caption("No documented case in the library names this instrument.")
        st.markdown("**Sources**")
        render_sources(settings, present(settings, ins.sources), key=f"ins_{ins.id}")


def filter_instruments(catalog: Catalog) -> list[Instrument]:
    cols = st.columns(3)
    categories = sorted({i.category for i in catalog.instruments})
    cat = cols[0].multiselect("Category", categories, format_func=words, key="ins_category")
    phase = cols[1].multiselect(
        "Phase", list(PHASES), format_func=PHASES.__getitem__, key="ins_phase"
    )
    dev = cols[2].multiselect("Setting", DEVELOPMENT, format_func=words, key="ins_setting")
    return [
        i
        for i in catalog.instruments
        if (not cat or i.category in cat)
        and (not phase or i.phase in phase)
        and (not dev or not i.fit.development_level or set(dev) & set(i.fit.development_level))
    ]


def clear(keys: dict[str, Any]) -> None:
    st.session_state.update(keys)


def render_instruments(settings: Settings, catalog: Catalog, case_step: int) -> None:
    shown = filter_instruments(catalog)
    if not shown:
        st.info(
            "No instrument matches all of these filters together. Remove one of them (a "
            "setting or a phase narrows the list most), or clear them all."
        )
        st.button("Clear the filters", on_click=clear, args=({k: [] for k in INSTRUMENT_FILTERS},))
        return
    rows = [
        {
            "Instrument": i.name,
            "Category": words(i.category),
            "Phase": PHASES[i.phase],
            "Settings": ", ".join(i.fit.development_level) or "any",
            "Cases": sum(i.id in c.interventions for c in catalog.cases),
        }
        for i in shown
    ]
    st.caption(f"{len(shown)} of {len(catalog.instruments)} instruments · click a row to open it")
    table(rows, [i.id for i in shown], "ins_table", INSTRUMENT)
    chosen = pick(shown, INSTRUMENT, "Open an instrument", lambda i: i.name)
    instrument_detail(settings, catalog, chosen, case_step)


# ------------------------------------------------------------------------------ cases


def case_detail(settings: Settings, catalog: Catalog, case: Case, instrument_step: int) -> None:
    with st.container(border=True):
        st.markdown(f"### {inert(case.name)}")
        st.caption(f"{inert(case.country)} · {inert(case.sector)}")
        st.markdown(_facts([("Situation", case.situation), ("Outcomes", case.outcomes)]))
        used = [i for i in case.interventions if i in catalog.by_id]
        if used:
            names = {i: catalog.by_id[i].name for i in used}
            link_pills(
                "What was done: open an instrument",
                used,
                names,
                key=f"case_ins_{case.id}",
                go=lambda ins_id: open_instrument(ins_id, instrument_step),
            )
        else:
            st.markdown("**What was done:** no deliberate intervention is described.")
        render_sources(settings, [case], key=f"case_{case.id}")


def sector_names(catalog: Catalog) -> list[str]:
    """The sectors of the case library by their first words ('Software / IT' is Software),
    most cases first; the mixed ones ('Multiple (…)', 'Cross-sector …') left out."""
    heads = (SECTOR_HEAD.split(c.sector)[0].strip() for c in catalog.cases)
    counts = Counter(h for h in heads if h and not MIXED.match(h))
    return [h for h, _ in counts.most_common()]


def sector_hint(catalog: Catalog, typed: str) -> str:
    """What to try when no case's sector holds ``typed``: close spellings, then common sectors."""
    known = sector_names(catalog)
    lowered = {h.lower(): h for h in known}
    close = [lowered[m] for m in difflib.get_close_matches(typed.lower(), lowered, 3, 0.75)]
    common = [h for h in known if h not in close][: 10 - len(close)]
    parts = [f"did you mean {', '.join(close)}?"] if close else []
    parts.append("sectors in the library include " + ", ".join(common))
    return "; ".join(parts)


def filter_cases(catalog: Catalog) -> list[Case]:
    cols = st.columns(3)
    countries = sorted({c.country for c in catalog.cases})
    country = cols[0].multiselect("Country", countries, key="case_country")
    sector = cols[1].text_input(
        "Sector contains", placeholder="e.g. textile, software, wine", key="case_sector"
    )
    used = sorted({i for c in catalog.cases for i in c.interventions if i in catalog.by_id})
    instruments = cols[2].multiselect(
        "Instrument used", used, format_func=lambda i: catalog.by_id[i].name, key="case_instrument"
    )
    return [
        c
        for c in catalog.cases
        if (not country or c.country in country)
        and sector.strip().lower() in c.sector.lower()
        and (not instruments or set(instruments) & set(c.interventions))
    ]


def render_cases(settings: Settings, catalog: Catalog, instrument_step: int) -> None:
    shown = filter_cases(catalog)
    if not shown:
        typed = str(st.session_state.get("case_sector", "")).strip()
        alone = typed and not any(typed.lower() in c.sector.lower() for c in catalog.cases)
        hint = (
            f"No case in the library is in a sector matching “{inert(typed)}”: "
            f"{sector_hint(catalog, typed)}."
            if alone
            else "No case matches all of these filters together. Remove one of them."
        )
        st.info(hint)
        st.button("Clear the filters", on_click=clear, args=(dict(CASE_FILTERS),))
        return
    rows = [
        {
            "Case": c.name,
            "Country": c.country,
            "Sector": c.sector,
            "Instruments used": len([i for i in c.interventions if i in catalog.by_id]),
        }
        for c in shown
    ]
    st.caption(f"{len(shown)} of {len(catalog.cases)} cases · click a row to open it")
    table(rows, [c.id for c in shown], "case_table", CASE)
    chosen = pick(shown, CASE, "Open a case", lambda c: c.name)
    case_detail(settings, catalog, chosen, instrument_step)
