"""Tests of crmlab._ids.id_codes and the receipt numbering of crmlab.segmentation: both fast
paths (Arrow slices encoded on threads; receipts numbered by runs) against ``pd.factorize``."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crmlab import _ids
from crmlab._ids import id_codes
from crmlab.segmentation import _occasion_codes

try:  # pandas 3's default str dtype
    ARROW_STR = pd.StringDtype("pyarrow", na_value=np.nan)
except TypeError:  # pandas 2.2 (the lowest supported) names the same dtype "pyarrow_numpy"
    ARROW_STR = pd.StringDtype("pyarrow_numpy")
ID_TEXT = st.one_of(st.none(), st.sampled_from(["", "a", "b", "M001", "M010", "会员7", "Ω"]),
                    st.text(max_size=4))


def same_grouping(codes: np.ndarray, expected: np.ndarray) -> bool:
    """True when two codings put the same rows together (and the same rows at -1)."""
    if not np.array_equal(codes < 0, expected < 0):
        return False
    pairs = set(zip(codes.tolist(), expected.tolist()))
    return len(pairs) == len({a for a, _ in pairs}) == len({b for _, b in pairs})


def test_id_codes_hand_worked_on_threads(monkeypatch):
    monkeypatch.setattr(_ids, "PARALLEL_MIN_ROWS", 0)
    monkeypatch.setattr(_ids, "_workers", lambda: 3)
    ids = pd.Series(["m2", "m1", None, "m2", "m3", "m1", None], dtype=ARROW_STR)
    # slices of 3 rows: [m2 m1 -], [m2 m3 m1], [-]; merged dictionary m2, m1, m3; sorted m1 m2 m3
    codes, uniques = id_codes(ids)
    assert codes.tolist() == [0, 1, -1, 0, 2, 1, -1]
    assert uniques.tolist() == ["m2", "m1", "m3"]
    codes, uniques = id_codes(ids, sort=True)
    assert codes.tolist() == [1, 0, -1, 1, 2, 0, -1]
    assert uniques.tolist() == ["m1", "m2", "m3"]


@given(st.lists(ID_TEXT, min_size=1, max_size=60), st.integers(1, 5), st.booleans())
@settings(max_examples=60, deadline=None)
def test_id_codes_threads_equal_pandas_factorize(values, workers, sort):
    ids = pd.Series(values, dtype=ARROW_STR)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(_ids, "PARALLEL_MIN_ROWS", 0)
        patch.setattr(_ids, "_workers", lambda: workers)
        codes, uniques = id_codes(ids, sort=sort)
    expected, expected_uniques = pd.factorize(ids.astype(object), sort=sort)
    assert codes.tolist() == expected.tolist()
    assert uniques.tolist() == list(expected_uniques)


def test_id_codes_other_columns_use_pandas():
    codes, uniques = id_codes(pd.Series([30, 10, 30, None]), sort=True)
    assert codes.tolist() == [1, 0, 1, -1]
    assert uniques.tolist() == [10.0, 30.0]


@pytest.mark.parametrize("ids, expected", [
    # lines of a receipt together, receipts in increasing order: numbered by runs
    (["r1", "r1", "r2", "r3", "r3"], [0, 0, 1, 2, 2]),
    # a receipt seen again later: not runs, pandas numbering (first appearance)
    (["r1", "r2", "r1"], [0, 1, 0]),
    # runs in decreasing order: pandas numbering
    (["r3", "r3", "r1"], [0, 0, 1]),
    # rows without an id are each an occasion of their own, even side by side
    (["r1", None, None, "r2"], [0, 1, 2, 3]),
    # the same receipt on both sides of a row without id is still one occasion
    (["r1", None, "r1"], [0, 2, 0]),
    ([5, 5, 7, 9, 9], [0, 0, 1, 2, 2]),
    # ids of mixed types cannot be ordered: pandas numbering
    (["r1", 2, 2, "r1"], [0, 1, 1, 0]),
])
def test_occasion_codes_hand_worked(ids, expected):
    codes = _occasion_codes(pd.Series(ids, dtype=object if 2 in ids else None))
    assert same_grouping(np.asarray(codes), np.asarray(expected))


@given(st.lists(st.one_of(st.none(), st.integers(0, 8)), min_size=1, max_size=50),
       st.booleans(), st.booleans())
@settings(max_examples=80, deadline=None)
def test_occasion_codes_group_like_factorize(numbers, sort_first, as_text):
    ids = pd.Series([None if n is None else f"R{n:03d}" if as_text else n for n in numbers],
                    dtype=ARROW_STR if as_text else "Float64")
    if sort_first:  # the receipt-ordered exports that take the fast path
        ids = ids.sort_values(ignore_index=True)
    codes = _occasion_codes(ids)
    expected, uniques = pd.factorize(ids)
    missing = expected < 0  # each row without an id is its own occasion
    expected[missing] = len(uniques) + np.arange(missing.sum())
    assert (codes >= 0).all()
    assert same_grouping(np.asarray(codes), expected)


def test_id_codes_of_a_column_in_several_arrow_chunks(monkeypatch):
    monkeypatch.setattr(_ids, "PARALLEL_MIN_ROWS", 0)
    monkeypatch.setattr(_ids, "_workers", lambda: 2)
    part = pd.Series(["b", None, "a", "c", "a"], dtype=ARROW_STR)
    ids = pd.concat([part, part.iloc[::-1], part], ignore_index=True)  # three Arrow chunks
    codes, uniques = id_codes(ids, sort=True)
    assert uniques.tolist() == ["a", "b", "c"]
    assert [None if c < 0 else uniques[c] for c in codes] == [
        None if pd.isna(v) else v for v in ids]


def test_receipts_in_receipt_order_are_numbered_without_hashing(monkeypatch):
    # The point of the run numbering is speed on 10 M lines: it must not fall back to hashing.
    def no_hashing(*args, **kwargs):
        raise AssertionError("pd.factorize was called")

    monkeypatch.setattr(pd, "factorize", no_hashing)
    ids = pd.Series(["R001", "R001", "R002", None, "R007", "R007"], dtype=ARROW_STR)
    assert _occasion_codes(ids).tolist() == [0, 0, 1, 2, 3, 3]
