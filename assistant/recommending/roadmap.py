"""From a cluster profile to a cited roadmap of policy instruments.

``Recommender(settings).recommend("3,500 smallholder banana growers ...")`` parses the
description into a ``ClusterProfile``, scores every catalog instrument against it (problems
addressed, fit conditions, prerequisites, conflicts), blends those scores with the learned
reader of the description (``reader``), sequences the chosen ones by phase, and
attaches 1-3 corpus citations per instrument (among its supporting passages, found at
ingest time), what not to do (with reason
and source), similar documented cases and disagreements between documents.
"""

from __future__ import annotations

from collections import Counter
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
from pydantic import BaseModel, Field

from assistant.citations import Citation
from assistant.index.embeddings import first_embeddings, second_embeddings
from assistant.index.store import IndexStore
from assistant.ingest.supports import instrument_text
from assistant.knowledge.catalog import PHASES, Catalog, load_catalog
from assistant.llm import load_prompt
from assistant.recommending.evidence import CitationFinder, load_documents_meta, quote_citation
from assistant.recommending.meaning import ConditionMatcher
from assistant.recommending.profile import ClusterProfile, parse_profile
from assistant.recommending.reader import (
    MODEL_FILE,
    ReaderModel,
    blend,
    description_features,
    note_reading,
)
from assistant.recommending.scoring import (
    Score,
    order,
    score_instrument,
    similar_cases,
    triggered_pitfalls,
)
from assistant.settings import Settings

PHASE_ORDER = list(PHASES)
MIN_SCORE = 3.0
MIN_RECOMMENDATIONS = 6
MAX_RECOMMENDATIONS = 10
MAX_NOT_RECOMMENDED = 6


class Recommendation(BaseModel):
    """One instrument in the roadmap."""

    instrument_id: str
    name: str
    phase: str
    phase_label: str
    score: float
    rationale: str
    cautions: list[str] = Field(default_factory=list)
    citations: list[Citation] = Field(default_factory=list)
    facts: list[str] = Field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return self.model_dump()


class NotRecommended(BaseModel):
    """Something the documents warn against in this situation."""

    instrument_id: str
    name: str
    reason: str
    because: list[str] = Field(default_factory=list)
    sources: list[Citation] = Field(default_factory=list)


class SimilarCase(BaseModel):
    case_id: str
    name: str
    why: str
    country: str = ""
    source: Citation | None = None


class Disagreement(BaseModel):
    instrument_id: str
    topic: str
    sides: list[Citation]


class Roadmap(BaseModel):
    """The whole answer for one described cluster."""

    profile: ClusterProfile
    recommendations: list[Recommendation]
    ranking: list[str] = Field(default_factory=list, description="instrument ids, best first")
    not_recommended: list[NotRecommended] = Field(default_factory=list)
    similar_cases: list[SimilarCase] = Field(default_factory=list)
    disagreements: list[Disagreement] = Field(default_factory=list)

    @property
    def instrument_ids(self) -> list[str]:
        return self.ranking or [r.instrument_id for r in self.recommendations]

    def by_phase(self) -> dict[str, list[Recommendation]]:
        """Recommendations grouped by phase label, in roadmap order."""
        groups: dict[str, list[Recommendation]] = {}
        for rec in self.recommendations:
            groups.setdefault(rec.phase_label, []).append(rec)
        return groups

    def to_dict(self) -> dict[str, Any]:
        """The JSON shape of the command-line contract (DESIGN.md), plus extra detail."""
        return {
            "profile": self.profile.model_dump(),
            "instrument_ids": self.instrument_ids,
            "recommendations": [r.to_dict() for r in self.recommendations],
            "not_recommended": [n.model_dump() for n in self.not_recommended],
            "similar_cases": [c.model_dump() for c in self.similar_cases],
            "disagreements": [d.model_dump() for d in self.disagreements],
        }


class Recommender:
    """Scores the catalog against a profile and builds a cited, phased roadmap."""

    def __init__(
        self,
        settings: Settings,
        store: IndexStore | None = None,
        catalog: Catalog | None = None,
        embeddings: Any | None = None,
        llm: Any | None = None,
        with_citations: bool = True,
        second: Any | None = None,
        reader_file: Path | None = MODEL_FILE,
    ) -> None:
        self.settings = settings
        self.catalog = catalog or load_catalog(settings.corpus_dir)
        self.embeddings = embeddings or first_embeddings(settings)
        self.second = second or second_embeddings(settings)
        self.reader_file = reader_file
        self._instrument_vectors: np.ndarray | None = None
        self.llm = llm
        self.with_citations = with_citations
        self._store = store
        self._finder: CitationFinder | None = None
        self.manifest = load_documents_meta(settings.corpus_dir)

    @cached_property
    def matcher(self) -> ConditionMatcher:
        """Reads profile conditions by meaning (its statements are embedded on first use)."""
        return ConditionMatcher(self.embeddings)

    @property
    def finder(self) -> CitationFinder:
        if self._finder is None:
            store = self._store or IndexStore(self.settings)
            self._finder = CitationFinder(store, self.catalog, self.embeddings)
        return self._finder

    def profile(self, description: str) -> ClusterProfile:
        return parse_profile(
            description,
            llm=self.llm,
            matcher=self.matcher,
            prompt_template=load_prompt(self.settings, "profile.md") if self.llm else None,
        )

    def scores(self, profile: ClusterProfile) -> list[Score]:
        """Every instrument scored by the rules, in catalog order."""
        practice = Counter(i for case in self.catalog.cases for i in case.interventions)
        sims = self._similarities(profile.description)
        return [
            score_instrument(ins, profile, practice[ins.id], sims.get(ins.id, 0.0))
            for ins in self.catalog.instruments
        ]

    @cached_property
    def reader(self) -> ReaderModel | None:
        """The learned reader, when one is saved for these embedding models."""
        reader = ReaderModel.load(self.reader_file) if self.reader_file else None
        if reader is None or self.second is None:
            return None
        models = (
            getattr(self.embeddings, "model_id", None),
            getattr(self.second, "model_id", None),
        )
        if reader.model_ids != models:
            return None
        return reader

    def rank(self, profile: ClusterProfile) -> list[Score]:
        """Every instrument scored, best first (blocked ones last): by the rules, blended
        with the learned reader when there is one."""
        scores = self.scores(profile)
        reader = self.reader
        if reader is None or self.second is None or not profile.description:
            return order(scores)
        features = description_features(profile.description, self.embeddings, self.second)
        reading = reader.log_chances(features)
        chances = reader.chances(reading)
        for score in scores:
            note_reading(score, chances.get(score.instrument.id), reader.scenarios)
        return blend(scores, reading, reader.weight)

    def _similarities(self, description: str) -> dict[str, float]:
        """Cosine similarity of the description to each instrument's name and description."""
        if not description or self.embeddings is None:
            return {}
        if self._instrument_vectors is None:
            texts = [instrument_text(i) for i in self.catalog.instruments]
            self._instrument_vectors = np.array(self.embeddings.embed_documents(texts))
        sims = self._instrument_vectors @ np.array(self.embeddings.embed_query(description))
        return {i.id: float(v) for i, v in zip(self.catalog.instruments, sims, strict=True)}

    def recommend(self, description_or_profile: str | ClusterProfile) -> Roadmap:
        profile = (
            description_or_profile
            if isinstance(description_or_profile, ClusterProfile)
            else self.profile(description_or_profile)
        )
        ranked = self.rank(profile)
        usable = [s for s in ranked if s.blocked is None]
        chosen = [
            s
            for n, s in enumerate(usable[:MAX_RECOMMENDATIONS])
            if n < MIN_RECOMMENDATIONS or s.value >= MIN_SCORE
        ]
        cited = (
            self.finder.find_all([s.instrument for s in chosen], profile)
            if self.with_citations
            else {}
        )
        recs = [self._recommendation(s, profile, cited.get(s.instrument.id, [])) for s in chosen]
        recs.sort(key=lambda r: (PHASE_ORDER.index(r.phase), -r.score))
        not_rec = self._not_recommended(profile, ranked)
        involved = {r.instrument_id for r in recs} | {n.instrument_id for n in not_rec}
        involved |= {i for n in not_rec for i in n.because if i in self.catalog.by_id}
        return Roadmap(
            profile=profile,
            recommendations=recs,
            ranking=[s.instrument.id for s in chosen],
            not_recommended=not_rec,
            similar_cases=self._cases(profile, [s.instrument.id for s in chosen]),
            disagreements=self._disagreements(involved),
        )

    # ------------------------------------------------------------------ parts

    def _recommendation(
        self, score: Score, profile: ClusterProfile, citations: list[Citation]
    ) -> Recommendation:
        ins = score.instrument
        return Recommendation(
            instrument_id=ins.id,
            name=ins.name,
            phase=ins.phase,
            phase_label=PHASES[ins.phase],
            score=round(score.value, 2),
            rationale=score.rationale(profile),
            cautions=score.cautions,
            citations=citations,
            facts=score.facts,
        )

    def _not_recommended(
        self, profile: ClusterProfile, ranked: list[Score]
    ) -> list[NotRecommended]:
        docs = self.manifest
        out: list[NotRecommended] = []
        covered: set[str] = set()
        for pit, because in triggered_pitfalls(self.catalog.pitfalls, profile):
            out.append(
                NotRecommended(
                    instrument_id=pit.id,
                    name=pit.name,
                    reason=pit.reason,
                    because=[*because, *pit.related],
                    sources=[quote_citation(s, docs) for s in pit.sources],
                )
            )
            covered |= set(pit.related)
        for s in ranked:
            if s.blocked is None or s.instrument.id in covered or s.value < MIN_SCORE:
                continue
            out.append(
                NotRecommended(
                    instrument_id=s.instrument.id,
                    name=s.instrument.name,
                    reason=s.blocked.reason,
                    because=list(s.blocked.when),
                    sources=[quote_citation(s.blocked.source, docs)],
                )
            )
        return out[:MAX_NOT_RECOMMENDED]

    def _cases(self, profile: ClusterProfile, chosen: list[str]) -> list[SimilarCase]:
        docs = self.manifest
        found = similar_cases(self.catalog, profile, chosen)
        return [
            SimilarCase(
                case_id=case.id,
                name=case.name,
                why=why,
                country=case.country,
                source=quote_citation(case, docs),
            )
            for case, why in found
        ]

    def _disagreements(self, involved: set[str]) -> list[Disagreement]:
        docs = self.manifest
        return [
            Disagreement(
                instrument_id=d.instrument,
                topic=d.topic,
                sides=[quote_citation(s, docs) for s in d.sides],
            )
            for d in self.catalog.disagreements
            if d.instrument in involved
        ]
