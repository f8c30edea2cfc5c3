"""Parsing free-text cluster descriptions into a ClusterProfile (no LLM)."""

from __future__ import annotations

import json

import pytest
from openai_stub_server import Reply, StubServer

from assistant.llm import make_chat_model
from assistant.recommending.meaning import ConditionMatcher, negates, split_clauses
from assistant.recommending.profile import ClusterProfile, parse_profile
from assistant.settings import Settings


def test_developing_smallholder_cluster():
    profile = parse_profile(
        "About 3,500 smallholder banana growers in a Central American district sell "
        "individually to traders at low prices. A respected but small association has three "
        "staff. Little cooperation so far; trust is low. We have three years of donor money."
    )
    assert profile.development_level == "developing"
    assert profile.n_firms == 3500
    assert profile.trust == "low"
    assert profile.cooperation == "none"
    assert "micro" in profile.firm_sizes
    assert "association" in profile.institutions and "donor" in profile.institutions
    assert {"market_access", "low_trust", "no_cooperation"} <= set(profile.problems)
    assert "donor_funded" in profile.flags
    assert profile.time_frame == "We have three years"
    # evidence names the words each field came from
    assert "trust is low" in profile.evidence["trust"]
    assert any("3,500" in w for w in profile.evidence["n_firms"])


def test_mature_high_tech_cluster():
    profile = parse_profile(
        "Medical technology cluster in Sweden: 120 SMEs and two multinationals, a strong "
        "university and research institute; firms know each other well and trust is high. "
        "Regulatory approval is slow."
    )
    assert profile.development_level == "industrialised"
    assert profile.trust == "high"
    assert profile.fdi is True and profile.lead_firms is True
    assert {"university", "research_institute"} <= set(profile.institutions)
    assert "regulation" in profile.problems
    assert "high_tech" in profile.flags


def test_vague_description_leaves_fields_unknown():
    profile = parse_profile("We have some firms in our town. What should we do?")
    assert profile.development_level is None
    assert profile.lifecycle_stage is None
    assert profile.trust is None
    assert profile.n_firms is None
    assert profile.time_frame is None and profile.budget is None
    assert profile.problems == []
    assert profile.holds("trust:low") is None  # unknown, not false


def test_contradictory_description_is_flagged():
    profile = parse_profile(
        "A developing country cluster in an industrialised economy. Sales are growing fast, "
        "yet the industry is in decline."
    )
    assert profile.contradictions, profile
    fields = " ".join(profile.contradictions)
    assert "development_level" in fields and "lifecycle_stage" in fields


def test_explicit_trust_statement_beats_signals():
    profile = parse_profile(
        "Producers know each other but copy designs, so trust is only moderate."
    )
    assert profile.trust == "moderate"


def test_proposals_and_conditions():
    profile = parse_profile(
        "Footwear firms share nothing and copying is common. The SME agency proposes a joint "
        "raw-material purchasing cooperative; the association is dominated by the biggest "
        "exporters."
    )
    assert {"joint_purchasing", "dominant_association"} <= set(profile.proposals)
    assert profile.trust == "low"
    assert profile.holds("trust:low|trust:moderate") is True
    assert profile.holds("development:industrialised") is None
    # nothing says whether a cluster organisation exists: unknown, not "missing"
    assert profile.holds("lacks:cluster_organisation") is None


def test_conditions_read_by_meaning_with_the_clause_as_evidence(embeddings):
    text = "Borrowing is out of reach for the tailors: lenders want their homes as a pledge."
    assert "finance" not in parse_profile(text).problems  # no lexicon word for it
    profile = parse_profile(text, matcher=ConditionMatcher(embeddings))
    assert "finance" in profile.problems
    assert profile.evidence["problems.finance"] == [f"~ {text.rstrip('.')}"]


def test_a_negated_clause_does_not_read_as_its_opposite(embeddings):
    matcher = ConditionMatcher(embeddings)
    wants = parse_profile("The weavers want to export their shawls abroad.", matcher=matcher)
    local = parse_profile(
        "The workshops sell only to local shops and are not export-oriented at all.",
        matcher=matcher,
    )
    assert "export" in wants.problems
    assert "export" not in local.problems


@pytest.mark.parametrize("typed", ["don't", "don’t", "dont"])
def test_a_negation_typed_without_or_with_a_curly_apostrophe_still_negates(typed):
    assert negates(f"They {typed} trust each other at all")
    assert not negates("They trust each other and the Canterbury firms")


def test_clauses_are_cut_at_sentences_semicolons_dashes_and_but():
    clauses = split_clauses("- 40 small firms; no association. Trust is fine but skills are scarce")
    assert clauses == ["40 small firms", "no association", "Trust is fine", "skills are scarce"]
    assert split_clauses("ok. fine.") == []  # too short to mean anything


def test_numbers_in_words_and_staff_counts():
    profile = parse_profile(
        "In a Latin American country there are about thirty carpentry workshops, each with "
        "two to six people. There is no association."
    )
    assert profile.n_firms == 30
    assert profile.firm_sizes == ["micro"]  # staff counts, not the word "workshops"
    assert profile.evidence["firm_sizes.micro"] == ["with 2 to 6 people"]
    assert profile.absent == ["association"] and "association" not in profile.institutions
    assert profile.holds("lacks:association") is True
    assert parse_profile("Some two thousand weavers, most under 50 employees.").n_firms == 2000
    assert parse_profile("units with 10 to 40 workers").firm_sizes == ["sme"]


def test_countries_and_regions_come_from_the_gazetteer():
    ethiopia = parse_profile("About 300 family-owned tanneries in the Tigray region of Ethiopia.")
    assert (ethiopia.place, ethiopia.development_level, ethiopia.n_firms) == (
        "Ethiopia",
        "developing",
        300,
    )
    south_asia = parse_profile("A big South Asian city with 400 tanneries.")
    assert (south_asia.place, south_asia.development_level) == ("Southern Asia", "developing")
    wealthy = parse_profile("A life-science cluster in a wealthy EU member state.")
    assert wealthy.development_level == "industrialised"
    # the brands are Italian; the cluster is not in Italy
    abroad = parse_profile("150 garment SMEs in our town subcontract for Italian brands.")
    assert abroad.place != "Italy" and abroad.development_level is None
    assert parse_profile("A cluster somewhere.").place is None


def test_an_amount_of_money_is_not_a_proposal_and_export_words_need_an_aim():
    profile = parse_profile("The region has 50 million inhabitants; firms import machines.")
    assert "large_grants" not in profile.proposals
    assert "export" not in profile.problems
    assert "export" in parse_profile("The firms want to export to Europe.").problems


def test_profile_round_trips_as_json():
    profile = parse_profile("300 garment workshops in Ecuador; exports collapsed.")
    again = ClusterProfile.model_validate_json(profile.model_dump_json())
    assert again == profile
    assert again.lifecycle_stage == "declining"


@pytest.fixture(scope="module")
def stub():
    server = StubServer().start()
    yield server
    server.stop()


def _chat_model(stub):
    settings = Settings(
        llm_backend="openai", llm_model="stub-model", llm_base_url=stub.openai_url, llm_timeout=2
    )
    return make_chat_model(settings)


def test_llm_reading_fills_unknown_fields_only(stub):
    stub.script(
        json.dumps(
            {
                "development_level": "developing",
                "trust": "high",
                "sector": "coffee",
                "problems": ["finance", "not_a_problem"],
            }
        )
    )
    text = "Coffee growers around the town distrust each other and cannot get loans easily."
    profile = parse_profile(text, llm=_chat_model(stub))
    assert profile.development_level == "developing"
    assert profile.evidence["development_level"] == ["(LLM reading)"]
    assert profile.trust == "low"  # the words said so; the model does not override them
    assert "finance" in profile.problems and "not_a_problem" not in profile.problems
    sent = json.dumps(stub.requests[-1].body)
    assert "Coffee growers around the town" in sent


def test_llm_failure_keeps_the_pattern_profile(stub):
    stub.script(Reply(status=500), Reply(status=500), Reply(status=500))
    text = "Coffee growers distrust each other."
    assert parse_profile(text, llm=_chat_model(stub)) == parse_profile(text)


def test_negated_institutions_and_foreign_countries_are_not_taken_literally():
    profile = parse_profile(
        "Furniture makers in Kenya face cheap imports from China. No business association "
        "exists and there is no university nearby."
    )
    assert profile.development_level == "developing"  # Kenya, not China
    assert "association" not in profile.institutions
    assert "university" not in profile.institutions
    assert "weak_institutions" in profile.problems
    assert profile.holds("lacks:university") is True
