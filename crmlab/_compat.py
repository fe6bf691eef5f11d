"""Small shims for the oldest library versions crmlab supports (numpy 1.26, see pyproject.toml).

Each one uses the newer API when it exists and an equivalent older one otherwise, so topic
modules can call one name on every supported version.
"""

from __future__ import annotations

import numpy as np

__all__ = ["bitwise_count", "str_len", "str_strip"]

# Vectorised string functions: np.strings (numpy 2.0+), else the older np.char (same results).
_STRINGS = getattr(np, "strings", None) or np.char
# Bits set in each byte value 0-255 (for bitwise_count on numpy < 2.0).
_BYTE_BITS = np.unpackbits(np.arange(256, dtype=np.uint8)[:, None], axis=1).sum(axis=1)


def bitwise_count(words: np.ndarray) -> np.ndarray:
    """Number of 1 bits in each unsigned integer (``np.bitwise_count``, numpy 2.0+).

    Examples
    --------
    >>> bitwise_count(np.array([0, 1, 3, 2**63 + 1], dtype=np.uint64)).tolist()
    [0, 1, 2, 2]
    """
    if hasattr(np, "bitwise_count"):
        return np.bitwise_count(words)
    words = np.ascontiguousarray(words)
    per_byte = _BYTE_BITS[words.view(np.uint8)].reshape(*words.shape, words.itemsize)
    return per_byte.sum(axis=-1, dtype=np.uint8)


def str_strip(text: np.ndarray) -> np.ndarray:
    """Strip surrounding white space from each string (``np.strings.strip``, numpy 2.0+).

    Examples
    --------
    >>> str_strip(np.array([" a ", "b\\t"])).tolist()
    ['a', 'b']
    """
    return _STRINGS.strip(text)


def str_len(text: np.ndarray) -> np.ndarray:
    """Length of each string (``np.strings.str_len``, numpy 2.0+).

    Examples
    --------
    >>> str_len(np.array(["", "会员"])).tolist()
    [0, 2]
    """
    return _STRINGS.str_len(text)
