"""Instrument scores: no condition decides by default, warnings hold back, facts are shown."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.knowledge.catalog import Catalog, load_catalog
from assistant.recommending.profile import ClusterProfile
from assistant.recommending.scoring import score_instrument

CORPUS = Path(__file__).resolve().parent.parent / "corpus"


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog(CORPUS)


def _score(catalog: Catalog, instrument_id: str, profile: ClusterProfile):
    return score_instrument(catalog.by_id[instrument_id], profile)


def test_a_missing_cluster_organisation_counts_only_when_stated(catalog: Catalog) -> None:
    silent = ClusterProfile(trust="high")
    stated = ClusterProfile(trust="high", absent=["cluster_organisation"])
    assert silent.holds("lacks:cluster_organisation") is None
    ifc = "cluster_organisation_ifc"
    assert _score(catalog, ifc, stated).value > _score(catalog, ifc, silent).value


def test_one_word_of_a_warned_situation_holds_back_two_rule_out(catalog: Catalog) -> None:
    one_word = ClusterProfile(trust="low", evidence={"trust": ["rivals"]})
    attested = ClusterProfile(trust="low", evidence={"trust": ["distrust", "copy designs"]})
    held_back = _score(catalog, "joint_purchasing", one_word)
    assert held_back.blocked is None and held_back.against
    rationale = held_back.rationale(one_word)
    assert "Held back because" in rationale and "the documents warn" in rationale
    assert not rationale.endswith("..")
    assert _score(catalog, "joint_purchasing", attested).blocked is not None


def test_a_common_need_counts_fully_for_its_kind_and_half_when_unknown(catalog: Catalog) -> None:
    training = "demand_driven_training"
    smes, unknown = ClusterProfile(firm_sizes=["sme"]), ClusterProfile()
    large = ClusterProfile(firm_sizes=["lead_firms"])
    values = [_score(catalog, training, p).value for p in (smes, unknown, large)]
    assert values[0] > values[1] > values[2]
    assert "most clusters of this kind" in _score(catalog, training, smes).rationale(smes)


def test_a_fact_that_counts_twice_is_named_once(catalog: Catalog) -> None:
    words = {"trust": ["do not trust"], "problems.low_trust": ["do not trust"]}
    profile = ClusterProfile(trust="low", problems=["low_trust"], evidence=words)
    broker = _score(catalog, "cluster_facilitator_broker", profile)

    assert broker.value > _score(catalog, "cluster_facilitator_broker", ClusterProfile()).value
    assert broker.rationale(profile).count("low trust among firms") == 1
