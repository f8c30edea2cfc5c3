"""The knowledge base: schema validation with clear errors, and every quote found verbatim."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
import yaml

from assistant.knowledge.catalog import (
    PHASES,
    KnowledgeError,
    load_catalog,
    misplaced_locators,
    missing_quotes,
    parse_catalog,
)

CORPUS = Path(__file__).resolve().parent.parent / "corpus"


@pytest.fixture(scope="module")
def raw() -> tuple[dict, dict]:
    instruments = yaml.safe_load((CORPUS / "instruments.yaml").read_text(encoding="utf-8"))
    cases = yaml.safe_load((CORPUS / "cases.yaml").read_text(encoding="utf-8"))
    return instruments, cases


def test_catalog_loads_with_stable_ids_and_phases():
    catalog = load_catalog(CORPUS)
    assert len(catalog.instruments) == 45
    assert "cluster_facilitator_broker" in catalog.by_id
    assert {i.phase for i in catalog.instruments} == set(PHASES)
    assert len(catalog.cases) >= 71
    assert catalog.pitfalls and catalog.disagreements


def test_every_quote_is_found_in_its_document():
    catalog = load_catalog(CORPUS)
    assert missing_quotes(catalog, CORPUS) == []


def test_every_locator_line_holds_its_quote():
    catalog = load_catalog(CORPUS)
    assert misplaced_locators(catalog, CORPUS) == []


def test_a_changed_quote_is_reported(raw, tmp_path):
    instruments, cases = copy.deepcopy(raw)
    instruments["instruments"][0]["sources"][0]["quote"] = "words that appear in no document"
    catalog = parse_catalog(instruments, cases)
    problems = missing_quotes(catalog, CORPUS)
    assert len(problems) == 1
    assert instruments["instruments"][0]["id"] in problems[0]


def test_bad_phase_names_entry_and_field(raw):
    instruments, cases = copy.deepcopy(raw)
    entry = instruments["instruments"][3]
    entry["phase"] = "someday"
    with pytest.raises(KnowledgeError) as err:
        parse_catalog(instruments, cases)
    assert f"instrument '{entry['id']}'" in str(err.value)
    assert "field 'phase'" in str(err.value)


def test_unknown_condition_vocabulary_is_rejected(raw):
    instruments, cases = copy.deepcopy(raw)
    entry = instruments["instruments"][5]
    entry["fit"]["prerequisites"] = ["trust:enormous"]
    with pytest.raises(KnowledgeError) as err:
        parse_catalog(instruments, cases)
    message = str(err.value)
    assert entry["id"] in message and "fit.prerequisites" in message and "enormous" in message


def test_case_with_unknown_instrument_is_rejected(raw):
    instruments, cases = copy.deepcopy(raw)
    cases["cases"][0]["interventions"] = ["no_such_instrument"]
    with pytest.raises(KnowledgeError, match="no_such_instrument"):
        parse_catalog(instruments, cases)


def test_case_error_names_the_cases_file(raw):
    instruments, cases = copy.deepcopy(raw)
    del cases["cases"][2]["situation"]
    with pytest.raises(KnowledgeError) as err:
        parse_catalog(instruments, cases)
    assert "cases.yaml" in str(err.value)
    assert cases["cases"][2]["id"] in str(err.value)
    assert "situation" in str(err.value)


def test_duplicate_ids_and_missing_files(raw, tmp_path):
    instruments, cases = copy.deepcopy(raw)
    instruments["instruments"].append(instruments["instruments"][0])
    with pytest.raises(KnowledgeError, match="duplicate"):
        parse_catalog(instruments, cases)
    with pytest.raises(KnowledgeError, match="not found"):
        load_catalog(tmp_path)
