"""crmlab._compat: the numpy < 2 fallbacks give what numpy 2's functions give."""

from __future__ import annotations

import numpy as np
import pytest

from crmlab import _compat


@pytest.fixture
def numpy_1(monkeypatch):
    """Hide numpy 2's functions so the fallbacks run (as they do on numpy 1.26)."""
    monkeypatch.delattr(np, "bitwise_count", raising=False)
    monkeypatch.setattr(_compat, "_STRINGS", np.char)


def test_bitwise_count_fallback_counts_bits_of_every_word(numpy_1):
    rng = np.random.default_rng(7)
    words = rng.integers(0, 2**63, size=(50, 3), dtype=np.uint64) * np.uint64(2) + np.uint64(1)
    expected = [[bin(int(w)).count("1") for w in row] for row in words]
    assert _compat.bitwise_count(words).tolist() == expected
    assert _compat.bitwise_count(np.array([2**64 - 1], dtype=np.uint64)).tolist() == [64]


def test_string_fallbacks(numpy_1):
    text = np.array(["  a b ", "", "\t会员\n", "x"])
    assert _compat.str_strip(text).tolist() == ["a b", "", "会员", "x"]
    assert _compat.str_len(_compat.str_strip(text)).tolist() == [3, 0, 2, 1]
