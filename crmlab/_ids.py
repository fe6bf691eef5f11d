"""Integer codes for id columns (customer ids, receipt numbers), fast on millions of rows.

Grouping transactions by customer starts by numbering the customers: every row gets the code of
its id. For text ids pandas keeps in Apache Arrow memory (pandas 3's default ``str`` columns when
pyarrow is installed, as it is with crmlab; Arrow-backed string columns on pandas 2.2), Arrow's
dictionary encoding does this; on large columns :func:`id_codes` encodes slices of the column on
several threads and merges the small per-slice dictionaries, which halves the time on two
cores. Any other column goes to ``pd.factorize``. The result is the same either way.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pandas as pd

__all__ = ["id_codes"]

#: Columns shorter than this are encoded in one piece (threads would not pay for themselves).
PARALLEL_MIN_ROWS = 1_000_000


def id_codes(ids: pd.Series, *, sort: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """Number the distinct ids of a column.

    Parameters
    ----------
    ids
        One id per row; missing ids get code -1.
    sort
        Number the ids in sorted order (otherwise in order of first appearance).

    Returns
    -------
    (codes, uniques)
        ``codes`` (int64, one per row) index into ``uniques`` (a NumPy array of the distinct
        ids, missing excluded), so ``uniques[codes]`` gives back the non-missing ids.

    Examples
    --------
    >>> codes, uniques = id_codes(pd.Series(["b", "a", None, "b"]), sort=True)
    >>> codes.tolist(), uniques.tolist()
    ([1, 0, -1, 1], ['a', 'b'])
    """
    pieces = _arrow_pieces(ids)
    if pieces is None:
        codes, uniques = pd.factorize(ids, sort=sort)
        return codes.astype(np.int64, copy=False), np.asarray(uniques)
    import pyarrow as pa
    import pyarrow.compute as pc

    with ThreadPoolExecutor(max_workers=len(pieces)) as pool:
        encoded = list(pool.map(_encode, pieces))
    dictionary, positions = _merge_dictionaries(encoded)
    if sort:
        order = np.asarray(pc.array_sort_indices(dictionary))
        rank = np.empty(len(order), dtype=np.int64)
        rank[order] = np.arange(len(order))
        positions = [rank[position] for position in positions]
        dictionary = dictionary.take(pa.array(order))
    codes = np.empty(len(ids), dtype=np.int64)
    start = 0
    for piece, position in zip(encoded, positions):
        local = piece.indices
        if local.null_count:
            local = local.fill_null(-1)
        # One lookup per row: slice code → final code; the appended -1 keeps missing at -1.
        codes[start:start + len(local)] = np.append(position, -1).take(local.to_numpy())
        start += len(local)
    return codes, dictionary.to_numpy(zero_copy_only=False)


def _arrow_pieces(ids: pd.Series) -> list | None:
    """The column as slices of one Arrow string array, or None when Arrow is not worth it."""
    dtype = ids.dtype
    # pandas 3's default str dtype has storage "pyarrow"; pandas 2.2 calls the same Arrow-backed
    # dtype (pd.options.future.infer_string) "pyarrow_numpy".
    arrow_backed = isinstance(dtype, pd.ArrowDtype) or (
        isinstance(dtype, pd.StringDtype) and dtype.storage in ("pyarrow", "pyarrow_numpy"))
    if not arrow_backed or len(ids) < PARALLEL_MIN_ROWS:
        return None
    import pyarrow as pa

    array = pa.array(ids.array)  # the column's Arrow data (an Array or ChunkedArray), not copied
    if not (pa.types.is_string(array.type) or pa.types.is_large_string(array.type)):
        return None
    step = -(-len(array) // _workers())
    return [array.slice(start, step) for start in range(0, len(array), step)]


def _encode(piece):
    """Dictionary-encode one slice (a slice of a chunked column is first made contiguous)."""
    if hasattr(piece, "combine_chunks"):
        piece = piece.combine_chunks()
    return piece.dictionary_encode()


def _workers() -> int:
    """Threads to use: Arrow's CPU count (which honours ``OMP_NUM_THREADS``), at most 8."""
    import pyarrow as pa

    return max(1, min(pa.cpu_count(), 8))


def _merge_dictionaries(encoded: list) -> tuple:
    """One dictionary for dictionary-encoded slices of a column, and for each slice where its
    own dictionary's entries sit in it (ids first seen in a later slice go on the end)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    dictionary = encoded[0].dictionary
    positions = [np.arange(len(dictionary), dtype=np.int64)]
    for piece in encoded[1:]:
        where = pc.index_in(piece.dictionary, value_set=dictionary)
        new = np.asarray(where.is_null())
        position = where.fill_null(-1).to_numpy(zero_copy_only=False).astype(np.int64)
        position[new] = len(dictionary) + np.arange(int(new.sum()))
        dictionary = pa.concat_arrays([dictionary, piece.dictionary.filter(pa.array(new))])
        positions.append(position)
    return dictionary, positions
