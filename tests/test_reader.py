"""The learned reader: blending with the rules, fitting, cross-validation, the shipped model."""

from __future__ import annotations

import numpy as np
import pytest

from assistant.evaluation.reader import Example, choose, cross_validate, fit, targets
from assistant.recommending.reader import MODEL_FILE, ReaderModel, blended_order


def test_weight_zero_keeps_the_rule_order_and_blocked_go_last():
    values = {"a": 1.0, "b": 5.0, "c": 3.0, "d": 9.0}
    odds = {"a": 4.0, "b": -4.0, "c": 0.0, "d": 4.0}
    assert blended_order(values, {"d"}, odds, 0.0) == ["b", "c", "a", "d"]


def test_a_heavy_weight_follows_the_reader_and_unknown_instruments_sit_at_its_median():
    values = {"a": 1.0, "b": 5.0, "c": 3.0, "new": 100.0}
    odds = {"a": 2.0, "b": -3.0, "c": 0.5}  # the reader never saw "new"
    ranked = blended_order(values, set(), odds, 1e6)
    # "new" counts at the median reading (c's 0.5); the tie goes to the higher rule value
    assert ranked == ["a", "new", "c", "b"]


def test_a_moderate_weight_lets_a_strong_reading_overtake_a_close_rule_score():
    values = {"a": 4.0, "b": 4.5, "c": 0.0}
    odds = {"a": 3.0, "b": -3.0, "c": 0.0}
    assert blended_order(values, set(), odds, 0.5)[0] == "a"
    assert blended_order(values, set(), odds, 0.0)[0] == "b"


def _example(n: int, features: list[float], expected: list[set[str]], order: list[str]) -> Example:
    return Example(
        id=f"s{n}",
        group=f"s{n}",
        source="made",
        features=np.array(features),
        values={i: 0.0 for i in order},  # rules that cannot tell the instruments apart
        blocked=set(),
        rule_order=order,
        expected=expected,
    )


def test_a_name_several_ids_satisfy_is_credited_to_the_one_the_rules_rank_highest():
    ex = _example(
        0, [0.0], [{"broker", "network"}, {"training"}], ["network", "training", "broker"]
    )
    y = targets([ex], ["broker", "network", "training"])
    assert y.tolist() == [[0.0, 1.0, 1.0]]  # "broker" is not credited: the rules rank it last


def _two_kinds(count: int) -> list[Example]:
    """Scenarios of two kinds, told apart only by their features (noisy)."""
    rng = np.random.default_rng(1)
    order = ["credit", "training", "rnd", "brand"]
    out = []
    for n in range(count):
        poor = n % 2 == 0
        centre = np.array([1.0, 0.0]) if poor else np.array([0.0, 1.0])
        features = centre + rng.normal(0, 0.3, 2)
        expected = [{"credit"}, {"training"}] if poor else [{"rnd"}, {"brand"}]
        out.append(_example(n, features.tolist(), expected, order))
    return out


def test_the_fitted_reader_tells_the_kinds_apart():
    model = fit(_two_kinds(40), ("m1", "m2"), weight=0.5)
    assert set(model.instrument_ids) == {"credit", "training", "rnd", "brand"}
    poor = model.log_chances(np.array([1.0, 0.0]))
    rich = model.log_chances(np.array([0.0, 1.0]))
    assert poor["credit"] > poor["rnd"] and rich["rnd"] > rich["credit"]
    assert sum(np.exp(list(poor.values()))) == pytest.approx(1.0)  # the instruments share it
    assert model.labels_per_scenario == 2.0
    chances = model.chances(poor)  # each of a poor cluster's two instruments: nearly certain
    assert chances["credit"] > 0.8 and chances["training"] > 0.8 and chances["rnd"] < 0.2


def test_a_reader_of_two_instruments_still_gives_both_a_share():
    one_each = [
        _example(n, [float(n % 2)], [{"rnd"} if n % 2 else {"credit"}], ["credit", "rnd"])
        for n in range(20)
    ]
    model = fit(one_each, ("m1", "m2"), weight=0.5)  # scikit-learn fits one row for two classes
    assert model.coef.shape == (2, 1)
    high = model.log_chances(np.array([1.0]))
    assert high["rnd"] > high["credit"]
    assert sum(np.exp(list(high.values()))) == pytest.approx(1.0)
    with pytest.raises(ValueError, match="at least two instruments"):
        fit(one_each[:1], ("m1", "m2"), weight=0.5)


def test_cross_validation_scores_unseen_scenarios_and_the_reader_beats_blind_rules():
    report = cross_validate(_two_kinds(40), weights=(0.5,), k=2)
    assert report["reader"]["made"] >= 0.95
    assert report["rules"]["made"] == pytest.approx(0.5)  # always credit, training first
    assert choose(report) == 0.5


def test_cross_validation_averages_over_shufflings_of_the_folds():
    examples = _two_kinds(6)  # few scenarios: which land together in a fold matters
    apart = [cross_validate(examples, weights=(0.5,), k=2, seeds=(s,)) for s in range(6)]
    both = cross_validate(examples, weights=(0.5,), k=2, seeds=range(6))
    figures = [one["reader"]["made"] for one in apart]
    assert len(set(figures)) > 1  # the shufflings differ...
    assert both["reader"]["made"] == pytest.approx(np.mean(figures), abs=1e-3)  # ...and average
    assert both["rules"] == apart[0]["rules"]  # the rules do not depend on the folds


def test_a_saved_reader_loads_back(tmp_path):
    model = fit(_two_kinds(20), ("m1", "m2"), weight=0.4)
    model.save(tmp_path / "reader.npz")
    back = ReaderModel.load(tmp_path / "reader.npz")
    assert back is not None
    assert back.instrument_ids == model.instrument_ids and back.weight == 0.4
    assert back.labels_per_scenario == model.labels_per_scenario
    x = np.array([0.3, 0.7])
    for i, v in model.log_chances(x).items():
        assert back.log_chances(x)[i] == pytest.approx(v, abs=1e-4)
    assert ReaderModel.load(tmp_path / "none.npz") is None


def test_the_shipped_reader_fits_the_catalog_and_the_default_models(starter_index, embeddings):
    from assistant.index.embeddings import second_embeddings
    from assistant.knowledge.catalog import load_catalog

    reader = ReaderModel.load(MODEL_FILE)
    assert reader is not None, "assistant/recommending/reader.npz is missing"
    catalog = {i.id for i in load_catalog(starter_index.corpus_dir).instruments}
    assert set(reader.instrument_ids) <= catalog
    second = second_embeddings(starter_index)
    assert reader.model_ids == (embeddings.model_id, second.model_id)
    assert reader.coef.shape == (len(reader.instrument_ids), 2 * (384 + 768))
    assert reader.scenarios >= 300


TANNERS = (
    "About 300 family-owned tanneries in a town in Ethiopia, most with fewer than ten workers. "
    "They sell hides to traders, the river is badly polluted, and the owners do not trust each "
    "other. A weak association exists; the regional bureau wants to help."
)


@pytest.fixture(scope="module")
def recommender(starter_index, embeddings):
    from assistant.recommending.roadmap import Recommender

    return Recommender(starter_index, embeddings=embeddings, with_citations=False)


def test_the_recommender_blends_the_shipped_reader_and_says_so(recommender):
    from assistant.recommending.scoring import order

    assert recommender.reader is not None
    roadmap = recommender.recommend(TANNERS)
    rules = [s.instrument.id for s in order(recommender.scores(roadmap.profile))]
    assert roadmap.instrument_ids[:6] != rules[:6]  # the reading moves something
    said = [r.rationale for r in roadmap.recommendations if "labelled scenarios" in r.rationale]
    assert said, "no rationale names the learned reading"


def test_without_a_reader_the_rules_rank_alone(starter_index, embeddings):
    from assistant.recommending.roadmap import Recommender
    from assistant.recommending.scoring import order

    plain = Recommender(
        starter_index, embeddings=embeddings, with_citations=False, reader_file=None
    )
    profile = plain.profile(TANNERS)
    assert plain.reader is None
    assert [s.instrument.id for s in plain.rank(profile)] == [
        s.instrument.id for s in order(plain.scores(profile))
    ]


def test_a_reader_fitted_with_other_models_is_not_used(starter_index, embeddings, tmp_path):
    from assistant.recommending.roadmap import Recommender

    fit(_two_kinds(10), ("other-model:0", "another:0"), weight=0.5).save(tmp_path / "r.npz")
    rec = Recommender(starter_index, embeddings=embeddings, reader_file=tmp_path / "r.npz")
    assert rec.reader is None


def test_a_roadmap_embeds_each_text_once_per_model(starter_index):
    from collections import Counter

    from assistant.index.embeddings import LocalEmbeddings, first_embeddings, second_embeddings
    from assistant.recommending.roadmap import Recommender

    computed: Counter[tuple[str, str]] = Counter()

    class Counting(LocalEmbeddings):
        def _compute(self, texts: list[str]) -> np.ndarray:
            computed.update((self.model_name, t) for t in texts)
            return super()._compute(texts)

    def counting(model: LocalEmbeddings | None) -> Counting:
        assert model is not None
        return Counting(model.model_name, model.batch_size, model.cache_dir)

    first, second = (
        counting(first_embeddings(starter_index)),
        counting(second_embeddings(starter_index)),
    )
    recommender = Recommender(starter_index, embeddings=first, second=second, with_citations=False)
    recommender.recommend(TANNERS)
    mine = {key: n for key, n in computed.items() if key[1] in TANNERS}  # the description, clauses
    assert mine and max(mine.values()) == 1
    assert {model for model, _ in mine} == {first.model_name, second.model_name}
    vector = first.embed_query(TANNERS)  # seen: read back, not computed again
    assert computed[(first.model_name, TANNERS)] == 1
    assert np.allclose(vector, first._compute([TANNERS])[0], atol=1e-5)
