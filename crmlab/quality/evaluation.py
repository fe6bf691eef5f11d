"""Evaluation of a duplicate finder: pairwise precision, recall and F1 against a ground truth.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from crmlab._checks import CrmlabInputError, require_columns


def _labels(obj: pd.DataFrame | pd.Series | Sequence, column: str, key: str,
            what: str) -> pd.Series:
    if isinstance(obj, pd.DataFrame):
        require_columns(obj, [key, column], what=what)
        if obj[key].duplicated().any():
            raise CrmlabInputError(f"{what} lists some {key!r} values more than once")
        return pd.Series(obj[column].to_numpy(), index=obj[key].to_numpy())
    if isinstance(obj, pd.Series):
        return obj
    return pd.Series(list(obj))


def _pairs_in(labels: pd.Series) -> int:
    sizes = labels.value_counts().to_numpy()
    return int((sizes * (sizes - 1) // 2).sum())


def evaluate_duplicates(predicted: pd.DataFrame | pd.Series | Sequence,
                        truth: pd.DataFrame | pd.Series | Sequence, *, key: str = "record_id",
                        predicted_col: str = "cluster_id",
                        truth_col: str = "entity_id") -> pd.Series:
    """Pairwise precision, recall and F1 of a duplicate finder against the ground truth.

    A pair of records counts as predicted when both are in one predicted cluster, and as true
    when both belong to one real entity. precision = correct / predicted pairs, recall =
    correct / true pairs, F1 their harmonic mean. Pairs are counted from cluster sizes
    (Σ n(n−1)/2), never enumerated. With no predicted (true) pairs precision (recall) is NaN.

    Parameters
    ----------
    predicted, truth
        DataFrames with ``key`` and ``predicted_col`` / ``truth_col`` (matched by key), or
        Series / sequences of labels aligned by index / position.
    key : str
        The column naming each record, in both DataFrames.
    predicted_col, truth_col : str
        The columns of predicted cluster ids and of true entity ids.

    Returns
    -------
    Series: precision, recall, f1, predicted_pairs, true_pairs, correct_pairs.

    Examples
    --------
    >>> evaluate_duplicates(["x", "x", "x", "y"], ["a", "a", "b", "b"])[["precision", "recall"]].round(3).tolist()
    [0.333, 0.5]
    """
    pred = _labels(predicted, predicted_col, key, "predicted")
    true = _labels(truth, truth_col, key, "truth")
    if len(pred) != len(true) or not pred.index.sort_values().equals(true.index.sort_values()):
        only_p = pred.index.difference(true.index)
        only_t = true.index.difference(pred.index)
        raise CrmlabInputError(
            f"predicted and truth must cover the same records: {len(only_p)} only in predicted "
            f"(e.g. {list(only_p[:3])}), {len(only_t)} only in truth (e.g. {list(only_t[:3])})")
    true = true.reindex(pred.index)
    if pred.isna().any() or true.isna().any():
        raise CrmlabInputError("every record needs a predicted cluster and a true entity "
                               f"({int(pred.isna().sum())} and {int(true.isna().sum())} missing)")
    joint = pd.Series(list(zip(pred.astype(str), true.astype(str))))
    p, t, c = _pairs_in(pred), _pairs_in(true), _pairs_in(joint)
    precision = c / p if p else np.nan
    recall = c / t if t else np.nan
    if np.isnan(precision) or np.isnan(recall):
        f1 = np.nan
    else:
        f1 = 0.0 if precision + recall == 0 else 2 * precision * recall / (precision + recall)
    return pd.Series({"precision": precision, "recall": recall, "f1": f1,
                      "predicted_pairs": p, "true_pairs": t, "correct_pairs": c})


