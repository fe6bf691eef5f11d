"""Tests of crmlab.pareto: hand-worked values, a naive second computation, properties, bad input."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crmlab._checks import CrmlabInputError
from crmlab.pareto import (
    abc_classes, customer_pyramid, customer_values, customers_for_share, gini, lorenz_curve,
    pareto_table, pyramid_layers, sales_rank_class, top_share,
)

HAND = pd.Series([1.0, 2, 3, 4, 10], index=list("vwxyz"))  # total 20


# --------------------------------------------------------------------------- hand-worked values
def test_gini_hand_worked():
    # sorted ascending 1,2,3,4,10; Σ i·x = 1+4+9+16+50 = 80; G = 2*80/(5*20) - 6/5 = 0.4
    assert gini(HAND) == pytest.approx(0.4)
    # sample correction n/(n-1) = 5/4 → 0.5
    assert gini(HAND, correction=True) == pytest.approx(0.5)


def naive_gini(x):
    x = np.asarray(x, dtype=float)
    n = len(x)
    return sum(abs(a - b) for a, b in itertools.product(x, x)) / (2 * n * n * x.mean())


@given(st.lists(st.floats(0, 1e6, allow_nan=False), min_size=1, max_size=40)
       .filter(lambda v: sum(v) > 1e-3))
@settings(max_examples=60, deadline=None)
def test_gini_matches_double_sum_and_lorenz_area(v):
    g = gini(pd.Series(v))
    assert g == pytest.approx(naive_gini(v), abs=1e-9)
    assert 0 <= g < 1
    curve = lorenz_curve(pd.Series(v))
    area = (getattr(np, "trapezoid", None) or np.trapz)(curve["cum_value_share"], curve["cum_customer_share"])
    assert g == pytest.approx(1 - 2 * area, abs=1e-9)


def test_top_share_and_customers_for_share_hand_worked():
    # descending 10,4,3,2,1: cumulative shares 0.5, 0.7, 0.85, 0.95, 1.0
    assert top_share(HAND, top=0.2) == pytest.approx(0.5)
    assert top_share(HAND, top=0.4) == pytest.approx(0.7)
    # 30 % of customers = 1.5 customers: halfway between 0.5 and 0.7
    assert top_share(HAND, top=0.3) == pytest.approx(0.6)
    # 80 % lies 2/3 of the way from 0.7 (2 customers) to 0.85 (3 customers): (2 + 2/3)/5
    assert customers_for_share(HAND, share=0.8) == pytest.approx((2 + 2 / 3) / 5)
    assert customers_for_share(HAND, share=0.5) == pytest.approx(0.2)
    assert customers_for_share(HAND, share=1.0) == pytest.approx(1.0)
    assert customers_for_share(HAND, share=0.0) == 0.0
    assert top_share(HAND, top=0) == 0.0 and top_share(HAND, top=1) == pytest.approx(1.0)


def test_pareto_table_hand_worked():
    t = pareto_table(HAND)
    assert t["customer"].tolist() == ["z", "y", "x", "w", "v"]
    assert t["rank"].tolist() == [1, 2, 3, 4, 5]
    assert t["share"].tolist() == pytest.approx([0.5, 0.2, 0.15, 0.1, 0.05])
    assert t["cum_value_share"].tolist() == pytest.approx([0.5, 0.7, 0.85, 0.95, 1.0])
    assert t["cum_customer_share"].tolist() == pytest.approx([0.2, 0.4, 0.6, 0.8, 1.0])
    assert t.attrs["excluded"].excluded == 0 and t.attrs["excluded"].received == 5


def test_pareto_table_sums_transactions_and_reports_missing_ids():
    tx = pd.DataFrame({"customer_id": ["a", "b", None, "a", "c", None],
                       "amount": [5.0, 3.0, 100.0, 2.0, 1.0, -4.0]})
    t = pareto_table(tx, value="amount", customer="customer_id")
    # a = 5 + 2 = 7, b = 3, c = 1; the two rows without an id (100 and -4) are reported
    assert dict(zip(t["customer"], t["value"])) == {"a": 7.0, "b": 3.0, "c": 1.0}
    report = t.attrs["excluded"]
    assert report.received == 6 and report.excluded == 2
    assert list(report.examples["rows without a customer id"]) == [2, 5]
    assert tx.shape == (6, 2)  # input not mutated


def test_ties_are_ordered_by_customer_id():
    t = pareto_table(pd.Series([5.0, 5.0, 9.0], index=["m", "b", "k"]))
    assert t["customer"].tolist() == ["k", "b", "m"]


def test_lorenz_curve_hand_worked():
    c = lorenz_curve(HAND)
    assert c["cum_customer_share"].tolist() == pytest.approx([0, 0.2, 0.4, 0.6, 0.8, 1.0])
    assert c["cum_value_share"].tolist() == pytest.approx([0, 0.05, 0.15, 0.30, 0.50, 1.0])


# --------------------------------------------------------------------------- classes
def test_abc_both_rules_hand_worked():
    # shares ahead (start): 0, .5, .7, .85, .95 → A A A B C ; own cumulative (end):
    # .5, .7, .85, .95, 1 → A A B B C
    v = pd.Series([10.0, 4, 3, 2, 1], index=list("abcde"))
    assert abc_classes(v).tolist() == list("AAABC")
    assert abc_classes(v, rule="end").tolist() == list("AABBC")
    # returned in input order
    assert abc_classes(v[::-1]).tolist() == list("CBAAA")


def test_abc_ties_share_a_class():
    # 4 customers of 25 each: cumulative .25 .5 .75 1 — one tie block
    v = pd.Series([25.0] * 4)
    assert set(abc_classes(v)) == {"A"}  # nobody ahead of the block
    assert set(abc_classes(v, rule="end")) == {"C"}  # the block ends at 100 %


def test_sales_rank_class_ten_and_hundred_customers():
    ten = pd.Series(np.arange(10, 0, -1.0), index=[f"c{i}" for i in range(10)])
    assert sales_rank_class(ten).tolist() == ["I"] + ["II"] * 2 + ["III"] * 7
    hundred = pd.Series(np.arange(100.0))
    counts = sales_rank_class(hundred).value_counts()
    assert (counts["I"], counts["II"], counts["III"]) == (10, 20, 70)
    # the top 10 by sales (values 90..99) are Class I
    assert set(hundred.index[sales_rank_class(hundred) == "I"]) == set(range(90, 100))


def test_sales_rank_class_ties_and_small_bases():
    # ranks(min) 1,1,3,...: both tied leaders have nobody strictly ahead → Class I
    s = pd.Series([50.0, 50, 40, 30, 20, 10, 9, 8, 7, 6])
    assert sales_rank_class(s).tolist()[:4] == ["I", "I", "II", "III"]
    # a tie across the 30 % line (positions 3–4 of 10) lifts the whole tie to Class II
    s = pd.Series([10.0, 9, 8, 8, 6, 5, 4, 3, 2, 1])
    assert sales_rank_class(s).tolist()[:5] == ["I", "II", "II", "II", "III"]
    # a tie at positions 4–5 has 3 of 10 (30 %) strictly ahead → Class III, both
    s = pd.Series([10.0, 9, 8, 7, 7, 5, 4, 3, 2, 1])
    assert sales_rank_class(s).tolist()[:5] == ["I", "II", "II", "III", "III"]
    # with 5 customers the best one has 0 % ahead → I; 2nd has 20 % ahead → II; rest III
    assert sales_rank_class(pd.Series([5.0, 4, 3, 2, 1])).tolist() == ["I", "II", "III",
                                                                     "III", "III"]
    one = sales_rank_class(pd.Series([7.0], index=["only"]))
    assert one.tolist() == ["I"] and one.index.tolist() == ["only"]
    assert set(sales_rank_class(pd.Series([3.0] * 6))) == {"I"}  # all equal: nobody is ahead


def test_sales_rank_class_is_ordered_categorical_and_allows_negatives():
    s = pd.Series([-5.0, 100, 3], index=["x", "y", "z"])
    c = sales_rank_class(s)
    assert c.cat.ordered and list(c.cat.categories) == ["I", "II", "III"]
    assert c.index.tolist() == ["x", "y", "z"]
    assert c["y"] == "I" and c["x"] == "III"
    assert c["y"] < c["x"]  # I ranks before III


def test_pyramid_hand_worked():
    v = pd.Series([500.0, 90, 80, 0, 10], index=list("abcde"))
    p = customer_pyramid(v, cutoffs=(0.2, 0.6))
    # VIP: a (500/680); important: b, c (170/680); ordinary: d, e (10/680)
    assert p["customers"].tolist() == [1, 2, 2]
    assert p["value_share"].tolist() == pytest.approx([500 / 680, 170 / 680, 10 / 680])
    assert p["mean_value"].tolist() == pytest.approx([500, 85, 5])
    layers = pyramid_layers(v, cutoffs=(0.25, 0.5), inactive_at_most=0)
    # d is inactive; ranking the other 4: a 0 ahead → VIP, b 25 % ahead → important,
    # c 50 % → ordinary, e → ordinary
    assert layers.tolist() == ["VIP", "important", "ordinary", "inactive", "ordinary"]
    p = customer_pyramid(v, cutoffs=(0.25, 0.5), inactive_at_most=0)
    assert p["layer"].tolist() == ["VIP", "important", "ordinary", "inactive"]
    assert p["customers"].tolist() == [1, 1, 2, 1]


def test_pyramid_default_is_5_and_20_percent():
    p = customer_pyramid(pd.Series(np.arange(1.0, 101)))
    assert p["customers"].tolist() == [5, 15, 80]
    assert p["value"].sum() == pytest.approx(5050)


# --------------------------------------------------------------------------- properties
values_strategy = st.lists(st.floats(0, 1e5, allow_nan=False), min_size=1, max_size=60).filter(
    lambda v: sum(v) > 1e-3)


@given(values_strategy)
@settings(max_examples=60, deadline=None)
def test_pareto_shares_monotone_and_end_at_one(v):
    t = pareto_table(pd.Series(v))
    assert np.all(np.diff(t["cum_value_share"]) >= -1e-12)
    assert np.all(np.diff(t["value"]) <= 0)
    assert t["cum_value_share"].iloc[-1] == pytest.approx(1.0)
    assert t["cum_customer_share"].iloc[-1] == pytest.approx(1.0)
    # the top 20 % always hold at least 20 %
    assert top_share(pd.Series(v), top=0.2) >= 0.2 - 1e-9


@given(values_strategy, st.floats(0.01, 0.99))
@settings(max_examples=60, deadline=None)
def test_customers_for_share_inverts_top_share(v, share):
    x = customers_for_share(pd.Series(v), share=share)
    assert 0 <= x <= 1
    assert top_share(pd.Series(v), top=x) == pytest.approx(share, abs=1e-7)


@given(values_strategy)
@settings(max_examples=60, deadline=None)
def test_classes_partition_customers_and_respect_order(v):
    s = pd.Series(v)
    for classes in (abc_classes(s), abc_classes(s, rule="end"), sales_rank_class(s),
                    pyramid_layers(s)):
        assert len(classes) == len(s) and classes.notna().all()
        # a larger value never gets a worse class
        codes = classes.cat.codes.to_numpy()
        order = np.argsort(-s.to_numpy(), kind="stable")
        assert np.all(np.diff(codes[order]) >= 0)
        # equal values share a class
        assert (pd.Series(codes).groupby(s.to_numpy()).nunique() == 1).all()
    assert customer_pyramid(s)["customers"].sum() == len(s)


@given(st.lists(st.floats(-1e4, 1e4, allow_nan=False), min_size=1, max_size=80))
@settings(max_examples=60, deadline=None)
def test_sales_rank_class_matches_naive_count(v):
    s = pd.Series(v)
    got = sales_rank_class(s).astype(str).tolist()
    n = len(v)
    for value, cls in zip(v, got):
        ahead = sum(other > value for other in v)  # customers with strictly higher sales
        want = "I" if ahead < 0.1 * n - 1e-9 else "II" if ahead < 0.3 * n - 1e-9 else "III"
        assert cls == want


# --------------------------------------------------------------------------- bad input
def test_single_customer_and_all_equal():
    assert gini(pd.Series([5.0])) == 0.0
    assert gini(pd.Series([3.0] * 7)) == 0.0
    assert top_share(pd.Series([3.0] * 10), top=0.2) == pytest.approx(0.2)
    with pytest.raises(CrmlabInputError, match="at least 2 customers"):
        gini(pd.Series([5.0]), correction=True)


@pytest.mark.parametrize("func", [pareto_table, gini, lorenz_curve, top_share,
                                  customers_for_share, abc_classes, customer_pyramid])
def test_bad_input_messages(func):
    with pytest.raises(CrmlabInputError, match="no customers"):
        func(pd.Series([], dtype=float))
    with pytest.raises(CrmlabInputError, match="negative value.*negatives='exclude'"):
        func(pd.Series([3.0, -1.0], index=["a", "b"]))
    with pytest.raises(CrmlabInputError, match="missing value"):
        func(pd.Series([3.0, np.nan]))
    with pytest.raises(CrmlabInputError, match="must hold numbers; rows 1"):
        func(pd.Series(["3", "lots"]))
    with pytest.raises(CrmlabInputError, match="add up to 0"):
        func(pd.Series([0.0, 0.0]))
    with pytest.raises(CrmlabInputError, match="missing column 'amount'"):
        func(pd.DataFrame({"sales": [1.0], "id": ["a"]}), customer="id")
    # a table without customer= is refused (never read as one row per customer)
    with pytest.raises(CrmlabInputError, match="without customer=: name its column"):
        func(pd.DataFrame({"amount": [1.0]}))


def test_negatives_can_be_excluded_and_are_reported():
    t = pareto_table(pd.Series([3.0, -1.0, 1.0], index=["a", "b", "c"]), negatives="exclude")
    assert t["customer"].tolist() == ["a", "c"]
    assert list(t.attrs["excluded"].examples["customers with a negative value"]) == ["b"]


def test_bad_parameters():
    with pytest.raises(CrmlabInputError, match="between 0 and 1"):
        top_share(HAND, top=20)
    with pytest.raises(CrmlabInputError, match="increasing fractions"):
        sales_rank_class(HAND, cutoffs=(0.3, 0.1))
    with pytest.raises(CrmlabInputError, match="3 classes, but 2 labels"):
        abc_classes(HAND, labels=("A", "B"))
    with pytest.raises(CrmlabInputError, match="rule must be"):
        abc_classes(HAND, rule="middle")
    with pytest.raises(CrmlabInputError, match="which column holds the value"):
        pareto_table(pd.DataFrame({"x": [1]}), value=None)
    with pytest.raises(CrmlabInputError, match="takes a Series"):
        sales_rank_class(pd.DataFrame({"sales": [1.0]}))


def test_customer_values_accepts_lists():
    v, report = customer_values([1, 2, 3])
    assert v.tolist() == [1.0, 2.0, 3.0] and report.received == 3
    with pytest.raises(CrmlabInputError, match="list of numbers"):
        customer_values(object())


def test_docstring_examples_run():
    import doctest

    import crmlab.pareto

    result = doctest.testmod(crmlab.pareto, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 10 and result.failed == 0


def test_ids_of_mixed_types_are_summed_and_ordered():
    # numbers before text, as pandas sorts mixed ids; sums by hand: 2 → 2 + 5, "a" → 3, "b" → 1
    tx = pd.DataFrame({"id": ["b", 2, "a", None, 2], "amount": [1, 2, 3, 4, 5]})
    values, report = customer_values(tx, value="amount", customer="id")
    assert values.index.tolist() == [2, "a", "b"]
    assert values.tolist() == [7.0, 3.0, 1.0]
    assert report.excluded == 1


# --------------------------------------------------------------------------- the plain pandas of the docstrings
def test_fast_paths_match_the_plain_pandas_of_their_docstrings():
    rng = np.random.default_rng(7)
    n = 3000
    ids = rng.choice([f"C{i:04d}" for i in range(400)], size=n).astype(object)
    ids[rng.choice(n, size=25, replace=False)] = None
    tx = pd.DataFrame({"customer_id": ids,
                       "amount": rng.integers(1, 20_000, size=n) / 100})  # cents, as in receipts
    # customer_values: a groupby sum, rounded to 6 decimals (rows without an id dropped)
    v, report = customer_values(tx, value="amount", customer="customer_id")
    plain = tx.groupby("customer_id")["amount"].sum().round(6)
    pd.testing.assert_series_equal(v, plain, check_names=False)
    assert report.excluded == 25
    # pareto_table: sort largest first (ties by id), share and cumulative share
    t = pareto_table(v)
    ordered = plain.sort_index().sort_values(ascending=False, kind="stable")
    plain_t = ordered.rename("value").rename_axis("customer").reset_index()
    plain_t["share"] = plain_t["value"] / plain_t["value"].sum()
    plain_t["cum_value_share"] = plain_t["share"].cumsum()
    pd.testing.assert_frame_equal(t[["customer", "value", "share", "cum_value_share"]], plain_t)
    # top_share at a whole number of customers: the top k's sum over the total
    k = 80  # 20 % of the 400 customers
    assert len(v) == 400
    assert top_share(v, top=0.2) == pytest.approx(
        plain.sort_values(ascending=False).head(k).sum() / plain.sum(), abs=1e-12)
    # gini: the O(n²) definition
    x = plain.to_numpy()
    assert gini(v) == pytest.approx(
        np.abs(x[:, None] - x[None, :]).sum() / (2 * len(x) ** 2 * x.mean()), abs=1e-9)
