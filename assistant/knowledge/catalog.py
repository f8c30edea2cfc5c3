"""The curated knowledge base: policy instruments, pitfalls and documented cases.

``load_catalog(corpus_dir)`` reads ``instruments.yaml`` and ``cases.yaml`` from the corpus folder
and validates them with the pydantic models below; a bad entry raises ``KnowledgeError`` naming
the file, the entry id and the field.

Fit conditions are machine-readable: each is ``field:value`` over the vocabulary in
``CONDITIONS`` (e.g. ``trust:low``, ``development:developing``, ``problem:finance``,
``has:university``, ``proposal:rescue_subsidy``), evaluated against a ``ClusterProfile``.
"""

from __future__ import annotations

import re
from functools import cached_property
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

Phase = Literal["diagnose", "trust", "joint_action", "institutionalise"]
PHASES: dict[str, str] = {
    "diagnose": "1. Diagnose and mobilise",
    "trust": "2. Build trust and quick wins",
    "joint_action": "3. Joint action and services",
    "institutionalise": "4. Institutionalise, scale and evaluate",
}
DEVELOPMENT = ("developing", "emerging", "industrialised")
STAGES = ("latent", "emerging", "growing", "mature", "declining")
TRUST = ("low", "moderate", "high")
FIRMS = ("micro", "sme", "lead_firms")
PROBLEMS = (
    "no_cooperation",
    "low_trust",
    "fragmented_support",
    "weak_institutions",
    "no_strategy",
    "information_gap",
    "market_access",
    "export",
    "branding",
    "buyer_power",
    "supplier_linkages",
    "finance",
    "skills",
    "technology",
    "quality_standards",
    "innovation",
    "input_costs",
    "infrastructure",
    "regulation",
    "public_demand",
    "decline",
    "lock_in",
    "entrepreneurship",
    "poverty_inclusion",
    "environment",
    "small_market",
    "investment_gap",
    "monitoring",
    "talent",
    "diversification",
    "programme_design",
    "risk_capital",
)
INSTITUTIONS = (
    "association",
    "chamber",
    "university",
    "training_institute",
    "research_institute",
    "local_government",
    "national_government",
    "donor",
    "bank",
    "cluster_organisation",
)
PROPOSALS = (
    "rescue_subsidy",
    "protection",
    "public_credit_line",
    "joint_purchasing",
    "government_led",
    "cluster_competition",
    "science_park",
    "new_cluster_from_scratch",
    "individual_subsidies",
    "large_grants",
    "free_services",
    "price_competition",
    "donor_delivers_services",
    "dominant_association",
    "domestic_focus",
    "studies_first",
    "mne_led",
    "copy_model",
    "quick_results",
)
FLAGS = (
    "small_country",
    "donor_funded",
    "rural",
    "high_tech",
    "national_programme",
    "fdi",
    "crisis",
    "public_willing",
    "gov_distrust",
)
CONDITIONS: dict[str, tuple[str, ...]] = {
    "development": DEVELOPMENT,
    "stage": STAGES,
    "trust": TRUST,
    "firms": FIRMS,
    "problem": PROBLEMS,
    "has": INSTITUTIONS,
    "lacks": INSTITUTIONS,
    "proposal": PROPOSALS,
    "flag": FLAGS,
}


class KnowledgeError(ValueError):
    """The knowledge base files are missing or invalid (message names file, entry and field)."""


def check_condition(text: str) -> str:
    """Validate a ``field:value`` condition (``|`` joins alternatives) against ``CONDITIONS``."""
    for option in text.split("|"):
        field, _, value = option.strip().partition(":")
        if field not in CONDITIONS:
            raise ValueError(
                f"unknown condition field '{field}' in '{text}' (use {sorted(CONDITIONS)})"
            )
        if value not in CONDITIONS[field]:
            raise ValueError(
                f"unknown value '{value}' for '{field}' (use {list(CONDITIONS[field])})"
            )
    return text


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Source(Strict):
    """A place in a corpus document with a short verbatim quote (one line of the file)."""

    doc: str
    locator: str
    quote: str = Field(min_length=8)


class Fit(Strict):
    """Where an instrument fits; empty lists mean 'any'."""

    development_level: list[Literal["developing", "emerging", "industrialised"]] = []
    lifecycle_stage: list[Literal["latent", "emerging", "growing", "mature", "declining"]] = []
    trust_level: list[Literal["low", "moderate", "high"]] = []
    firm_structure: list[Literal["micro", "sme", "lead_firms"]] = []
    addresses: list[str] = []
    prerequisites: list[str] = []
    boost_when: list[str] = []
    # Where the documents treat the instrument as a need of most clusters of a kind
    # (its when_appropriate text says why): it counts unless the profile rules it out.
    common_need: list[str] = []

    @field_validator("addresses")
    @classmethod
    def _problems(cls, values: list[str]) -> list[str]:
        return [check_condition(f"problem:{v}").partition(":")[2] for v in values]

    @field_validator("prerequisites", "boost_when", "common_need")
    @classmethod
    def _conditions(cls, values: list[str]) -> list[str]:
        return [check_condition(v) for v in values]


class Conflict(Strict):
    """A situation in which the documents warn against the instrument."""

    when: list[str] = Field(min_length=1)
    reason: str
    source: Source

    @field_validator("when")
    @classmethod
    def _conditions(cls, values: list[str]) -> list[str]:
        return [check_condition(v) for v in values]


class WhenAppropriate(Strict):
    development_level: str = ""
    lifecycle_stage: str = ""
    trust_level: str = ""
    firm_structure: str = ""
    sector_notes: str = ""


class Instrument(Strict):
    """A cluster-policy instrument as the documents describe it."""

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    name: str
    category: str
    description: str
    phase: Phase
    when_appropriate: WhenAppropriate
    fit: Fit
    conflicts: list[Conflict] = []
    cautions: list[str] = []
    typical_actors: list[str] = []
    sources: list[Source] = Field(min_length=1)


class Pitfall(Strict):
    """Something the documents warn against, triggered by profile conditions."""

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    name: str
    when: list[list[str]] = Field(min_length=1, description="any of these all-of condition lists")
    reason: str
    related: list[str] = []
    sources: list[Source] = Field(min_length=1)

    @field_validator("when")
    @classmethod
    def _conditions(cls, values: list[list[str]]) -> list[list[str]]:
        return [[check_condition(v) for v in group] for group in values]


class Disagreement(Strict):
    """Documents that disagree about an instrument: both sides cited."""

    id: str
    instrument: str
    topic: str
    sides: list[Source] = Field(min_length=2)
    when: list[str] = []


class Case(Strict):
    """A named case documented in the corpus."""

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    name: str
    country: str
    sector: str
    doc: str
    locator: str
    also_in: list[dict[str, str]] = []
    depth: Literal["detailed", "short", "mention"]
    situation: str
    interventions: list[str] = []
    outcomes: str
    quote: str
    profile: list[str] = []

    @field_validator("profile")
    @classmethod
    def _conditions(cls, values: list[str]) -> list[str]:
        return [check_condition(v) for v in values]


class Catalog(BaseModel):
    """Instruments, pitfalls, disagreements and cases, cross-checked."""

    model_config = ConfigDict(frozen=True)

    instruments: list[Instrument]
    pitfalls: list[Pitfall] = []
    disagreements: list[Disagreement] = []
    cases: list[Case] = []

    @model_validator(mode="after")
    def _references(self) -> Catalog:
        ids = [i.id for i in self.instruments]
        dupes = {i for i in ids if ids.count(i) > 1}
        if dupes:
            raise ValueError(f"duplicate instrument ids: {sorted(dupes)}")
        known = set(ids)
        for case in self.cases:
            for ref in case.interventions:
                if ref not in known:
                    raise ValueError(f"case '{case.id}' field 'interventions': unknown '{ref}'")
        for pit in self.pitfalls:
            for ref in pit.related:
                if ref not in known:
                    raise ValueError(f"pitfall '{pit.id}' field 'related': unknown '{ref}'")
        for dis in self.disagreements:
            if dis.instrument not in known:
                raise ValueError(f"disagreement '{dis.id}' field 'instrument': unknown")
        return self

    @cached_property
    def by_id(self) -> dict[str, Instrument]:
        return {i.id: i for i in self.instruments}

    @cached_property
    def cases_by_id(self) -> dict[str, Case]:
        return {c.id: c for c in self.cases}

    def sources(self) -> list[tuple[str, Source]]:
        """Every quoted source in the catalog, labelled with its entry."""
        found: list[tuple[str, Source]] = []
        for ins in self.instruments:
            found += [(f"instrument {ins.id}", s) for s in ins.sources]
            found += [(f"instrument {ins.id} conflict", c.source) for c in ins.conflicts]
        for pit in self.pitfalls:
            found += [(f"pitfall {pit.id}", s) for s in pit.sources]
        for dis in self.disagreements:
            found += [(f"disagreement {dis.id}", s) for s in dis.sides]
        for case in self.cases:
            found.append(
                (f"case {case.id}", Source(doc=case.doc, locator=case.locator, quote=case.quote))
            )
        return found


# libyaml's parser when PyYAML was built with it: the same results, ten times faster on the catalog.
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load_yaml(text: str) -> Any:
    """``yaml.safe_load`` of ``text``, with libyaml's parser where available."""
    return yaml.load(text, Loader=_YAML_LOADER)  # a safe loader (C or Python)


def _read_yaml(path: Path) -> dict:
    if not path.exists():
        raise KnowledgeError(f"{path}: file not found")
    try:
        data = load_yaml(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise KnowledgeError(f"{path}: not valid YAML ({exc})") from exc
    if not isinstance(data, dict):
        raise KnowledgeError(f"{path}: expected a mapping at the top level")
    return data


def _describe(exc: ValidationError, folder: Path, data: dict) -> str:
    """Turn pydantic errors into lines naming the file, entry id and field."""
    lines = []
    for err in exc.errors()[:10]:
        loc = list(err["loc"])
        where, entry = "instruments.yaml", "catalog"
        if len(loc) >= 2 and isinstance(loc[1], int):
            section = str(loc[0])
            where = "cases.yaml" if section == "cases" else where
            items = data.get(section) or []
            raw = items[loc[1]] if loc[1] < len(items) else {}
            ident = raw.get("id", f"#{loc[1]}") if isinstance(raw, dict) else f"#{loc[1]}"
            entry = f"{section.rstrip('s')} '{ident}'"
            loc = loc[2:]
        field = ".".join(str(x) for x in loc) or "(entry)"
        lines.append(f"{folder / where}: {entry} field '{field}': {err['msg']}")
    return "\n".join(lines)


def parse_catalog(instruments: dict, cases: dict, where: Path = Path(".")) -> Catalog:
    """Validate already-read YAML mappings into a ``Catalog``."""
    data = {**instruments, "cases": cases.get("cases", [])}
    try:
        return Catalog.model_validate(data)
    except ValidationError as exc:
        raise KnowledgeError(_describe(exc, where, data)) from exc


def load_catalog(corpus_dir: Path | str) -> Catalog:
    """Read and validate ``instruments.yaml`` and ``cases.yaml`` from ``corpus_dir``."""
    folder = Path(corpus_dir)
    return parse_catalog(
        _read_yaml(folder / "instruments.yaml"), _read_yaml(folder / "cases.yaml"), folder
    )


def document_texts(corpus_dir: Path | str) -> dict[str, str]:
    """The text of each corpus document by file name (for checking quotes)."""
    folder = Path(corpus_dir) / "documents"
    return {p.name: p.read_text(encoding="utf-8") for p in sorted(folder.iterdir()) if p.is_file()}


def missing_quotes(catalog: Catalog, corpus_dir: Path | str) -> list[str]:
    """Entries whose quote is not found verbatim in the named document."""
    texts = document_texts(corpus_dir)
    flat = {name: " ".join(text.split()) for name, text in texts.items()}
    problems = []
    for label, src in catalog.sources():
        if src.doc not in texts:
            problems.append(f"{label}: unknown document '{src.doc}'")
        elif " ".join(src.quote.split()) not in flat[src.doc]:
            problems.append(f"{label}: quote not in {src.doc}: {src.quote!r}")
    return problems


LINE_IN_LOCATOR = re.compile(r"\(line (\d+)\)")


def misplaced_locators(catalog: Catalog, corpus_dir: Path | str) -> list[str]:
    """Entries whose locator names a line ('line N') that does not hold the quote."""
    lines = {name: text.split("\n") for name, text in document_texts(corpus_dir).items()}
    problems = []
    for label, src in catalog.sources():
        match = LINE_IN_LOCATOR.search(src.locator)
        doc_lines = lines.get(src.doc, [])
        if match and not (
            0 < int(match.group(1)) <= len(doc_lines)
            and src.quote in doc_lines[int(match.group(1)) - 1]
        ):
            problems.append(f"{label}: '{src.quote[:40]}' is not on line {match.group(1)}")
    return problems


def load_condition_statements() -> dict[str, dict[str, list[str]]]:
    """The shipped condition statements (``conditions.yaml``), each condition checked.

    Maps a condition (``problem:finance``) to ``{"says": [...], "not": [...]}``: plain
    statements meaning the condition holds, and counter-statements meaning it does not.
    """
    from importlib.resources import files

    data = load_yaml(files("assistant.knowledge").joinpath("conditions.yaml").read_text())
    out: dict[str, dict[str, list[str]]] = {}
    for condition, groups in data.items():
        try:
            check_condition(condition)
        except ValueError as exc:
            raise KnowledgeError(f"conditions.yaml: {exc}") from exc
        if not groups.get("says"):
            raise KnowledgeError(f"conditions.yaml: '{condition}' has no statements ('says')")
        out[condition] = {"says": list(groups["says"]), "not": list(groups.get("not", []))}
    return out
