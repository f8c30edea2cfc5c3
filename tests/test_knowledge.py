"""The knowledge base: schema validation with clear errors, and every quote found verbatim."""

from __future__ import annotations

import copy
import shutil
from pathlib import Path

import pytest
import yaml

from assistant.answering.extractive import quotable
from assistant.knowledge.catalog import (
    PHASES,
    KnowledgeError,
    load_catalog,
    misplaced_locators,
    missing_quotes,
    parse_catalog,
)
from assistant.knowledge.learning import cut_quotes, load_learning

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


# ------------------------------------------------------------------------------ the Learn path


def learning_copy(tmp_path: Path, change) -> Path:
    """The corpus's documents and frameworks.yaml in ``tmp_path``, the YAML changed."""
    shutil.copytree(CORPUS / "documents", tmp_path / "documents")
    data = yaml.safe_load((CORPUS / "frameworks.yaml").read_text(encoding="utf-8"))
    change(data)
    (tmp_path / "frameworks.yaml").write_text(yaml.safe_dump(data, allow_unicode=True))
    return tmp_path


def test_the_path_has_the_four_frameworks_in_order_and_a_glossary():
    learning = load_learning(CORPUS)
    assert [f.id for f in learning.frameworks] == [
        "life_cycle",
        "top_down_bottom_up",
        "four_phases",
        "rationales",
    ]
    terms = [g.term for g in learning.glossary]
    assert terms == sorted(terms, key=str.lower) and len(terms) >= 15


def test_every_passage_is_whole_sentences_of_its_document():
    learning = load_learning(CORPUS)
    assert cut_quotes(learning, CORPUS) == []
    for label, source in learning.sources():
        assert quotable(" ".join(source.quote.split())), label  # no question, heading, list intro


def test_a_passage_off_the_framework_is_rejected(tmp_path):
    def off_topic(data: dict) -> None:
        data["frameworks"][0]["passages"][0]["quote"] = "Trust takes years to build."

    with pytest.raises(KnowledgeError, match="names neither the framework"):
        load_learning(learning_copy(tmp_path, off_topic))


@pytest.mark.parametrize(
    ("cut", "problem"),
    [
        (lambda q: q[: q.index(" against")], "not whole sentences"),  # ends mid-sentence
        (lambda q: q[q.index("it is important") :], "not whole sentences"),  # starts mid-way
        (lambda q: q.replace("life-cycle", "lifecycle"), "quote not in"),
    ],
)
def test_a_cut_quote_is_reported(tmp_path, cut, problem):
    def change(data: dict) -> None:
        source = data["frameworks"][0]["passages"][0]
        source["quote"] = cut(" ".join(source["quote"].split()))

    corpus = learning_copy(tmp_path, change)
    problems = cut_quotes(load_learning(corpus), corpus)
    assert len(problems) == 1 and problem in problems[0] and "life_cycle" in problems[0]
