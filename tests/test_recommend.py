"""The recommender on constructed profiles, with real retrieval over the starter index."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from assistant.knowledge.catalog import PHASES
from assistant.recommending.profile import ClusterProfile
from assistant.recommending.roadmap import Recommender, Roadmap

PHASE_ORDER = list(PHASES)

LOW_TRUST_SMES = ClusterProfile(
    description="About 400 small furniture workshops in a developing country; firms distrust "
    "each other and have never done anything jointly; the association is weak; a donor wants "
    "to help them invest jointly in a drying kiln.",
    sector="furniture and wood",
    development_level="developing",
    lifecycle_stage="latent",
    n_firms=400,
    firm_sizes=["micro", "sme"],
    trust="low",
    cooperation="none",
    institutions=["association", "donor"],
    problems=["low_trust", "no_cooperation", "weak_institutions", "technology"],
    flags=["donor_funded"],
    proposals=["joint_purchasing"],
)

MATURE_HIGH_TECH = ClusterProfile(
    description="A mature optics and photonics cluster in an industrialised region: 150 firms, "
    "two multinationals, a leading university; trust is high; firms worry about lock-in.",
    sector="optics",
    development_level="industrialised",
    lifecycle_stage="mature",
    n_firms=150,
    firm_sizes=["sme", "lead_firms"],
    lead_firms=True,
    fdi=True,
    trust="high",
    cooperation="strong",
    institutions=["university", "research_institute", "cluster_organisation"],
    problems=["innovation", "lock_in", "talent"],
    flags=["high_tech", "fdi"],
)


@pytest.fixture(scope="module")
def recommender(starter_index, embeddings) -> Recommender:
    return Recommender(starter_index, embeddings=embeddings)


@pytest.fixture(scope="module")
def low_trust(recommender) -> Roadmap:
    return recommender.recommend(LOW_TRUST_SMES)


@pytest.fixture(scope="module")
def high_tech(recommender) -> Roadmap:
    return recommender.recommend(MATURE_HIGH_TECH)


def _phase(roadmap: Roadmap, instrument_id: str) -> int:
    rec = next(r for r in roadmap.recommendations if r.instrument_id == instrument_id)
    return PHASE_ORDER.index(rec.phase)


def test_low_trust_cluster_starts_with_trust_and_a_facilitator(low_trust):
    top = low_trust.instrument_ids[:6]
    assert "cluster_facilitator_broker" in top
    assert "trust_building_quick_wins" in top
    # trust-building comes before any joint-action instrument in the roadmap
    joint = [r for r in low_trust.recommendations if r.phase == "joint_action"]
    for rec in joint:
        assert _phase(low_trust, "cluster_facilitator_broker") < PHASE_ORDER.index(rec.phase)
    phases = [PHASE_ORDER.index(r.phase) for r in low_trust.recommendations]
    assert phases == sorted(phases)


def test_low_trust_cluster_warns_against_joint_investment_first(low_trust):
    avoided = {n.instrument_id: n for n in low_trust.not_recommended}
    assert "joint_purchasing_first_in_low_trust" in avoided
    warning = avoided["joint_purchasing_first_in_low_trust"]
    assert "trust" in warning.reason.lower()
    assert warning.sources and warning.sources[0].doc_id == "meyer-stamer-2005"
    assert "joint_purchasing" not in low_trust.instrument_ids[:10]


def test_mature_high_tech_cluster_gets_a_different_list(low_trust, high_tech):
    top_high = set(high_tech.instrument_ids[:6])
    assert top_high != set(low_trust.instrument_ids[:6])
    assert len(top_high & set(low_trust.instrument_ids[:6])) <= 2
    assert top_high & {"university_industry_linkages", "collaborative_rd_support"}
    assert top_high & {"foresight_exercises", "inter_cluster_linkages"}
    assert "pro_poor_inclusion_empowerment" not in top_high


def test_rationale_names_profile_facts_and_citations_come_from_the_corpus(low_trust):
    rec = next(
        r for r in low_trust.recommendations if r.instrument_id == "cluster_facilitator_broker"
    )
    assert "low trust" in rec.rationale
    assert 1 <= len(rec.citations) <= 3
    for cit in rec.citations:
        assert {"chunk_id", "doc_id", "title", "section", "page", "text"} <= set(cit.to_dict())
        assert cit.chunk_id and cit.text.strip()


def test_to_dict_follows_the_cli_contract(low_trust):
    data = low_trust.to_dict()
    assert {"profile", "instrument_ids", "recommendations", "not_recommended", "similar_cases"} <= (
        set(data)
    )
    rec = data["recommendations"][0]
    assert {"instrument_id", "name", "phase", "score", "rationale", "cautions", "citations"} <= (
        set(rec)
    )
    assert all({"instrument_id", "reason"} <= set(n) for n in data["not_recommended"])
    assert all({"case_id", "name", "why"} <= set(c) for c in data["similar_cases"])
    json.dumps(data)  # serialisable


def test_similar_cases_say_why(low_trust):
    assert low_trust.similar_cases
    assert all(case.why for case in low_trust.similar_cases)


def test_disagreement_on_cluster_competitions_is_cited_on_both_sides(recommender):
    profile = LOW_TRUST_SMES.model_copy(
        update={"flags": ["national_programme"], "proposals": ["cluster_competition"]}
    )
    roadmap = recommender.recommend(profile)
    dis = [d for d in roadmap.disagreements if d.instrument_id == "cluster_competitions"]
    assert dis, roadmap.disagreements
    docs = {side.doc_id for side in dis[0].sides}
    assert {"benner-2013", "meyer-stamer-2005"} <= docs
    assert "cluster_competitions" not in roadmap.instrument_ids  # blocked in a developing country


def test_cli_batch_json_one_line_per_input(starter_index, tmp_path: Path):
    from assistant.cli import app

    batch = tmp_path / "in.jsonl"
    lines = [
        {"id": "a", "description": "300 garment workshops in Ecuador; exports collapsed."},
        {"id": "b", "description": "Medical technology firms in Denmark; trust is high."},
    ]
    batch.write_text("\n".join(json.dumps(x) for x in lines) + "\n", encoding="utf-8")
    result = CliRunner().invoke(
        app, ["recommend", "--batch", str(batch), "--json", "--index", str(starter_index.index_dir)]
    )
    assert result.exit_code == 0, result.output
    rows = [json.loads(x) for x in result.stdout.splitlines() if x.strip()]
    assert [r["id"] for r in rows] == ["a", "b"]
    assert all(r["instrument_ids"] and r["recommendations"] for r in rows)


def test_cli_rejects_missing_input():
    from assistant.cli import app

    result = CliRunner().invoke(app, ["recommend"])
    assert result.exit_code != 0
