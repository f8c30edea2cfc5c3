"""The parsed cluster profile as an editable form; returns the corrected profile."""

from __future__ import annotations

from typing import Any

import streamlit as st

from assistant.knowledge.catalog import CONDITIONS
from assistant.recommending.profile import ClusterProfile

UNKNOWN = "unknown"
CHOICES = {
    "development_level": CONDITIONS["development"],
    "lifecycle_stage": CONDITIONS["stage"],
    "trust": CONDITIONS["trust"],
    "cooperation": ("none", "some", "strong"),
}
LISTS = {
    "firm_sizes": CONDITIONS["firms"],
    "institutions": CONDITIONS["has"],
    "problems": CONDITIONS["problem"],
    "proposals": CONDITIONS["proposal"],
    "flags": CONDITIONS["flag"],
}
LABELS = {
    "sector": "Sector",
    "place": "Place",
    "development_level": "Development level",
    "lifecycle_stage": "Life-cycle stage",
    "n_firms": "Number of firms",
    "trust": "Trust among firms",
    "cooperation": "Cooperation today",
    "lead_firms": "Lead firms present",
    "fdi": "Foreign investors (FDI)",
    "firm_sizes": "Firm sizes",
    "institutions": "Existing institutions",
    "problems": "Problems",
    "proposals": "Measures being considered",
    "flags": "Other facts",
    "goals": "Goals (comma-separated)",
    "time_frame": "Time frame",
    "budget": "Budget",
}


def words(value: str) -> str:
    return value.replace("_", " ")


def evidence_help(profile: ClusterProfile, field: str) -> str | None:
    """'Read from: …' for a field, from the parser's record of which words set it."""
    found = [w for key, ws in profile.evidence.items() if key.split(".")[0] == field for w in ws]
    return "Read from: " + ", ".join(f"“{w}”" for w in dict.fromkeys(found)) if found else None


def _choice(profile: ClusterProfile, field: str, key: str) -> str | None:
    options = [UNKNOWN, *CHOICES[field]]
    current = getattr(profile, field) or UNKNOWN
    value = st.selectbox(
        LABELS[field],
        options,
        index=options.index(current),
        format_func=words,
        help=evidence_help(profile, field),
        key=f"{key}_{field}",
    )
    return None if value == UNKNOWN else value


def _yes_no(profile: ClusterProfile, field: str, key: str) -> bool | None:
    options = {UNKNOWN: None, "yes": True, "no": False}
    current = next(k for k, v in options.items() if v == getattr(profile, field))
    value = st.selectbox(
        LABELS[field], list(options), index=list(options).index(current), key=f"{key}_{field}"
    )
    return options[value]


def _many(profile: ClusterProfile, field: str, key: str) -> list[str]:
    current = list(getattr(profile, field))
    options = list(dict.fromkeys([*LISTS[field], *current]))
    return st.multiselect(
        LABELS[field],
        options,
        default=current,
        format_func=words,
        help=evidence_help(profile, field),
        key=f"{key}_{field}",
    )


def _text(profile: ClusterProfile, field: str, key: str) -> str | None:
    value = st.text_input(
        LABELS[field],
        getattr(profile, field) or "",
        help=evidence_help(profile, field),
        key=f"{key}_{field}",
    )
    return value.strip() or None


def profile_form(profile: ClusterProfile, key: str) -> ClusterProfile | None:
    """Show ``profile`` for correction; the corrected profile when the form is submitted."""
    with st.form(f"{key}_form", border=True):
        updates: dict[str, Any] = {}
        cols = st.columns(3)
        with cols[2]:
            updates["time_frame"] = _text(profile, "time_frame", key)
            updates["budget"] = _text(profile, "budget", key)
        with cols[0]:
            updates["sector"] = _text(profile, "sector", key)
            updates["place"] = _text(profile, "place", key)
            firms = st.number_input(
                LABELS["n_firms"],
                min_value=0,
                value=profile.n_firms or 0,
                help=(evidence_help(profile, "n_firms") or "") + " (0 = unknown)",
                key=f"{key}_n_firms",
            )
            updates["n_firms"] = int(firms) or None
        with cols[1]:
            for field in CHOICES:
                updates[field] = _choice(profile, field, key)
        with cols[2]:
            updates["lead_firms"] = _yes_no(profile, "lead_firms", key)
            updates["fdi"] = _yes_no(profile, "fdi", key)
        halves = st.columns(2)
        for number, field in enumerate(LISTS):
            with halves[number % 2]:
                updates[field] = _many(profile, field, key)
        goals = st.text_input(LABELS["goals"], ", ".join(profile.goals), key=f"{key}_goals")
        updates["goals"] = [g.strip() for g in goals.split(",") if g.strip()]
        submitted = st.form_submit_button("Build the roadmap", type="primary")
    return profile.model_copy(update=updates) if submitted else None
