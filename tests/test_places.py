"""Countries and regions from the gazetteer, and the stated development-level rule."""

from __future__ import annotations

from assistant.knowledge.places import country_level, find_place, find_places


def test_country_levels_follow_the_stated_rule() -> None:
    assert country_level("DEU") == "industrialised"  # Annex I and OECD
    assert country_level("UKR") == "emerging"  # Annex I only: economy in transition
    assert country_level("MEX") == "emerging"  # OECD only
    assert country_level("IND") == "emerging"  # BRICS
    assert country_level("ETH") == "developing"


def test_names_demonyms_capitals_and_regions_are_found() -> None:
    assert find_place("Kenyan flower growers").name == "Kenya"
    assert find_place("near Addis Ababa").name == "Ethiopia"
    region = find_place("a West African district")
    assert (region.kind, region.name, region.development_level) == (
        "region",
        "Western Africa",
        "developing",
    )
    assert find_place("copper mining region in southern Africa").name == "Southern Africa"


def test_lower_case_words_and_foreign_mentions_are_not_the_place() -> None:
    assert find_place("they make fine china and roast turkey") is None
    assert find_place("exports to Germany and buyers from Japan") is None
    ranked = find_places("Tanneries in Ethiopia sell to Italian buyers")
    assert [p.name for score, p in ranked if score >= 0] == ["Ethiopia"]
