"""crmlab.basket: hand-worked rule metrics, brute-force and mlxtend cross-checks, properties,
bad input, and the razor → nappies rule planted in the retail data."""

from __future__ import annotations

import math
from itertools import combinations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crmlab import basket
from crmlab._checks import CrmlabInputError

# The classic five baskets. Counts: bread 4, milk 4, nappies 4, beer 3;
# beer & nappies 3, bread & milk 3, bread & nappies 3, milk & nappies 3, ...
CLASSIC = [["bread", "milk"], ["bread", "nappies", "beer"], ["milk", "nappies", "beer"],
           ["bread", "milk", "nappies", "beer"], ["bread", "milk", "nappies"]]


def rule(rules: pd.DataFrame, ante: tuple, cons: tuple) -> pd.Series:
    hit = rules[(rules["antecedents"] == ante) & (rules["consequents"] == cons)]
    assert len(hit) == 1, f"rule {ante} → {cons} not found exactly once"
    return hit.iloc[0]


def test_classic_pair_metrics_by_hand():
    rules = basket.association_rules(CLASSIC, min_support=0.6, min_confidence=0.7)
    # beer → nappies: s(beer)=3/5, s(nappies)=4/5, s(both)=3/5
    r = rule(rules, ("beer",), ("nappies",))
    assert r["support"] == pytest.approx(0.6)
    assert r["confidence"] == pytest.approx(1.0)          # 3/3
    assert r["lift"] == pytest.approx(1.25)                # 1 / 0.8
    assert r["leverage"] == pytest.approx(0.12)            # 0.6 − 0.6·0.8
    assert math.isinf(r["conviction"])                     # never wrong
    r = rule(rules, ("nappies",), ("beer",))
    assert r["confidence"] == pytest.approx(0.75)          # 3/4
    assert r["conviction"] == pytest.approx(1.6)           # (1 − 0.6) / (1 − 0.75)
    assert r["count"] == 3
    # bread → milk: 3/4 confidence, lift 0.75/0.8 = 0.9375 (slightly negative association)
    assert rule(rules, ("bread",), ("milk",))["lift"] == pytest.approx(0.9375)
    # sorted by lift first
    assert rules["lift"].is_monotonic_decreasing


def test_three_item_rules_by_hand():
    baskets = [["a", "b", "c"], ["a", "b"], ["a", "c"], ["b", "c"], ["a", "b", "c"]]
    # a, b, c: 4 each; ab, ac, bc: 3 each; abc: 2 (support 0.4)
    rules = basket.association_rules(baskets, min_support=0.4, min_confidence=0.0001)
    r = rule(rules, ("a", "b"), ("c",))
    assert r["support"] == pytest.approx(0.4)
    assert r["antecedent_support"] == pytest.approx(0.6)
    assert r["confidence"] == pytest.approx(2 / 3)
    assert r["lift"] == pytest.approx((2 / 3) / 0.8)
    assert r["leverage"] == pytest.approx(0.4 - 0.6 * 0.8)
    assert r["conviction"] == pytest.approx((1 - 0.8) / (1 - 2 / 3))
    r = rule(rules, ("c",), ("a", "b"))
    assert r["confidence"] == pytest.approx(0.5)           # 2/4
    assert r["consequent_support"] == pytest.approx(0.6)
    # 3 pairs × 2 directions + 1 triple × 6 splits
    assert len(rules) == 12


def test_frequent_itemsets_by_hand_and_boundary():
    baskets = [["a", "b", "c"], ["a", "b"], ["a", "c"], ["b", "c"], ["a", "b", "c"]]
    found = basket.frequent_itemsets(baskets, min_support=0.4)
    table = dict(zip(found["itemset"], found["count"], strict=True))
    assert table == {("a",): 4, ("b",): 4, ("c",): 4, ("a", "b"): 3, ("a", "c"): 3,
                     ("b", "c"): 3, ("a", "b", "c"): 2}
    # support exactly at the threshold is kept; just above drops the triple
    assert ("a", "b", "c") not in set(basket.frequent_itemsets(baskets, min_support=0.41)["itemset"])
    assert basket.frequent_itemsets(baskets, min_support=0.4, max_len=2)["length"].max() == 2


def test_confidence_boundary_is_inclusive():
    rules = basket.association_rules(CLASSIC, min_support=0.6, min_confidence=0.75)
    assert ("nappies",) in set(rules["antecedents"])  # confidence exactly 0.75 kept
    assert len(basket.association_rules(CLASSIC, min_support=0.6, min_confidence=0.76)) == 1


def test_min_lift_and_no_rules():
    assert (basket.association_rules(CLASSIC, min_support=0.6, min_lift=1)["lift"] >= 1).all()
    empty = basket.association_rules(CLASSIC, min_support=1.0)
    assert empty.empty and list(empty.columns) == basket.RULE_COLUMNS


def test_one_hot_and_list_give_the_same_rules():
    table = basket.one_hot(CLASSIC).astype(int)
    a = basket.association_rules(CLASSIC, min_support=0.4, min_confidence=0.5)
    b = basket.association_rules(table, min_support=0.4, min_confidence=0.5)
    pd.testing.assert_frame_equal(a, b)


def test_duplicates_in_a_basket_count_once():
    rules = basket.association_rules([["a", "a", "b"], ["a"]], min_support=0.5, min_confidence=0.1)
    assert rule(rules, ("a",), ("b",))["confidence"] == pytest.approx(0.5)


def _brute_force(baskets: list[list[str]], min_count: int) -> dict[tuple, int]:
    sets = [set(b) for b in baskets]
    items = sorted(set().union(*sets)) if sets else []
    out = {}
    for k in range(1, len(items) + 1):
        found = False
        for combo in combinations(items, k):
            n = sum(1 for s in sets if set(combo) <= s)
            if n >= min_count:
                out[combo] = n
                found = True
        if not found:
            break
    return out


baskets_strategy = st.lists(
    st.lists(st.sampled_from(list("abcdefg")), min_size=0, max_size=5), min_size=1, max_size=30)


@settings(max_examples=60, deadline=None)
@given(baskets_strategy, st.sampled_from([0.1, 0.2, 0.3, 0.5]))
def test_itemsets_match_brute_force(baskets, min_support):
    min_count = max(1, math.ceil(min_support * len(baskets) - 1e-9))
    expected = _brute_force(baskets, min_count)
    if not any(baskets):
        return
    found = basket.frequent_itemsets(baskets, min_support=min_support)
    assert dict(zip(found["itemset"], found["count"], strict=True)) == expected


@settings(max_examples=60, deadline=None)
@given(baskets_strategy, st.sampled_from([0.1, 0.25]), st.sampled_from([0.0001, 0.5]))
def test_rule_properties(baskets, min_support, min_confidence):
    if not any(baskets):
        return
    rules = basket.association_rules(baskets, min_support=min_support,
                                     min_confidence=min_confidence)
    n = len(baskets)
    item_support = {i: sum(i in b for b in baskets) / n for b in baskets for i in b}
    for _, r in rules.iterrows():
        for item in (*r["antecedents"], *r["consequents"]):
            assert r["support"] <= item_support[item] + 1e-12
        assert 0 <= r["confidence"] <= 1 + 1e-12
        assert r["confidence"] >= min_confidence - 1e-12
        assert r["support"] >= min_support - 1e-12
        assert not set(r["antecedents"]) & set(r["consequents"])
        assert r["lift"] == pytest.approx(r["confidence"] / r["consequent_support"])
        both = sum(set(r["antecedents"]) | set(r["consequents"]) <= set(b) for b in baskets)
        assert r["count"] == both


def test_matches_mlxtend_on_random_baskets():
    mlx = pytest.importorskip("mlxtend.frequent_patterns")
    rng = np.random.default_rng(3)
    matrix = rng.random((400, 12)) < np.linspace(0.05, 0.5, 12)
    matrix[:, 1] |= matrix[:, 0] & (rng.random(400) < 0.7)
    df = pd.DataFrame(matrix, columns=[f"i{j:02d}" for j in range(12)])
    ours = basket.association_rules(df, min_support=0.03, min_confidence=0.2)
    theirs = mlx.association_rules(mlx.fpgrowth(df, min_support=0.03, use_colnames=True),
                                   metric="confidence", min_threshold=0.2)
    assert len(ours) == len(theirs)
    key = lambda a, c: (tuple(sorted(a)), tuple(sorted(c)))  # noqa: E731
    ref = {key(a, c): row for a, c, row in zip(theirs["antecedents"], theirs["consequents"],
                                               theirs.to_dict("records"), strict=True)}
    for row in ours.to_dict("records"):
        other = ref[key(row["antecedents"], row["consequents"])]
        for metric in ("support", "confidence", "lift", "leverage"):
            assert row[metric] == pytest.approx(other[metric])
        assert row["conviction"] == pytest.approx(other["conviction"]) or (
            math.isinf(row["conviction"]) and math.isinf(other["conviction"]))


def test_baskets_from_transactions_match_the_plain_crosstab():
    rng = np.random.default_rng(5)
    n = 2000
    tx = pd.DataFrame({"receipt_id": rng.integers(0, 300, n),
                       "product_name": rng.choice([f"p{i:02d}" for i in range(25)], n),
                       "quantity": rng.integers(-1, 4, n)})
    table = basket.baskets_from_transactions(tx, quantity="quantity")
    rows = tx[tx["quantity"] > 0]
    plain = pd.crosstab(rows["receipt_id"], rows["product_name"]) > 0
    pd.testing.assert_frame_equal(table, plain, check_names=False, check_column_type=False)
    assert table.attrs["excluded"].excluded == (tx["quantity"] <= 0).sum() > 0


def test_baskets_from_transactions_reports_exclusions():
    tx = pd.DataFrame({"receipt_id": ["r1", "r1", "r2", None, "r3"],
                       "product_name": ["剃须刀", "纸尿裤", "纸尿裤", "牛奶", None],
                       "quantity": [1, 2, -1, 1, 1]})
    table = basket.baskets_from_transactions(tx, quantity="quantity")
    assert table.index.tolist() == ["r1"]
    assert table.loc["r1"].tolist() == [True, True]
    report = table.attrs["excluded"]
    assert report.excluded == 3
    assert "1 row of returns or without a positive quantity" in str(report)


@pytest.mark.parametrize("bad, message", [
    ("milk bread", "list of item lists"),
    (["milk", "bread"], "basket 0 must be a list"),
    ([["milk", None]], "missing item"),
    ([], "no baskets"),
    (pd.DataFrame({"a": [1, 2]}), "True/False or 0/1"),
    (pd.DataFrame({"a": [1.0, np.nan]}), "missing values"),
])
def test_bad_baskets(bad, message):
    with pytest.raises(CrmlabInputError, match=message):
        basket.association_rules(bad, min_support=0.5)


@pytest.mark.parametrize("value", [0, -0.1, 1.5, "often"])
def test_bad_thresholds(value):
    with pytest.raises(CrmlabInputError, match="min_support"):
        basket.frequent_itemsets(CLASSIC, min_support=value)
    with pytest.raises(CrmlabInputError, match="min_confidence"):
        basket.association_rules(CLASSIC, min_support=0.5, min_confidence=value)


def test_missing_columns_named():
    with pytest.raises(CrmlabInputError, match="'product_name'"):
        basket.baskets_from_transactions(pd.DataFrame({"receipt_id": [1]}))
    with pytest.raises(CrmlabInputError, match="side must be"):
        basket.rules_with_item(basket.association_rules(CLASSIC, min_support=0.6), "beer",
                               side="left")


def test_razor_nappies_rule_surfaces_in_retail_data():
    from crmlab.datasets import list_datasets, load_dataset

    if "retail_transactions" not in list_datasets():
        pytest.skip("retail data not generated yet")
    tx = load_dataset("retail_transactions")[["receipt_id", "product_id", "quantity"]]
    products = load_dataset("retail_products")[["product_id", "product_name"]]
    baskets = basket.baskets_from_transactions(tx.merge(products, on="product_id"),
                                               quantity="quantity")
    rules = basket.association_rules(baskets, min_support=0.002, min_confidence=0.05)
    top = rules.iloc[0]
    assert {top["antecedents"], top["consequents"]} == {("剃须刀",), ("纸尿裤",)}
    r = rule(rules, ("剃须刀",), ("纸尿裤",))
    assert 2.5 <= r["lift"] <= 3.5
    # independent check of the lift with plain pandas
    razor, nappies = baskets["剃须刀"], baskets["纸尿裤"]
    assert r["lift"] == pytest.approx((razor & nappies).mean() / (razor.mean() * nappies.mean()))
    # no other rule comes close
    others = rules[~rules["antecedents"].isin([("剃须刀",), ("纸尿裤",)])]
    assert others["lift"].max() < 2
