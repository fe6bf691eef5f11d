"""Turn an answer object into plain JSON data, trusting nothing about the object.

Runs where the answer was computed (the student's process, or the self-check in the student's
kernel); the grader then compares plain data only. Only exact, known types are accepted (a
subclass of ``int``, ``str`` or ``DataFrame`` with a rigged ``__eq__`` is refused with a
reason), and values are read through numpy arrays, never through the object's own methods such
as ``__eq__``, ``__repr__`` or ``__iter__``.

The plain form is a dict with a type tag ``t``: ``scalar`` (key ``v``), ``list``, ``set``
(key ``items``), ``dict``, ``series`` or ``frame`` (columns of values). Scalars are JSON
scalars: numbers, strings, booleans, ``None`` for a missing value (``NaN``, ``NaT``, ``NA``),
``{"f": "inf"}`` / ``{"f": "-inf"}`` for infinities and ``{"d": "<ISO>"}`` for datetimes.

Examples
--------
>>> to_plain(3)
{'t': 'scalar', 'v': 3}
>>> import pandas as pd
>>> to_plain(pd.DataFrame({"a": [1, 2]}))["columns"]
['a']
"""

from __future__ import annotations

import datetime as _dt
import math
from typing import Any

from crmlab.i18n import t

MAX_ITEMS = 2_000_000  # cells in one answer; larger answers are refused


class UnsupportedAnswer(TypeError):
    """The answer's type cannot be exported safely (the message says what to return instead)."""


def _type_name(obj: Any) -> str:
    cls = type(obj)
    return f"{cls.__module__}.{cls.__qualname__}" if cls.__module__ != "builtins" else cls.__qualname__


def _float_scalar(value: float) -> Any:
    if math.isnan(value):
        return None
    if math.isinf(value):
        return {"f": "inf" if value > 0 else "-inf"}
    return value


def scalar(obj: Any) -> Any:
    """One cell value as a JSON scalar (see the module docstring); raises UnsupportedAnswer."""
    import numpy as np

    cls = type(obj)
    if obj is None:
        return None
    if cls is bool or cls is np.bool_:
        return bool(obj)
    if cls is int:
        return int.__int__(obj)
    if cls is float:
        return _float_scalar(float.__float__(obj))
    if cls is str:
        return str.__str__(obj)
    if cls.__module__ == "numpy" and isinstance(obj, np.generic):
        if isinstance(obj, np.integer):
            return int(np.asarray(obj).astype(np.int64 if isinstance(obj, np.signedinteger) else np.uint64).item())
        if isinstance(obj, np.floating):
            return _float_scalar(float(np.asarray(obj, dtype=np.float64).item()))
        if isinstance(obj, np.str_):
            return str(np.asarray(obj).item())
        if isinstance(obj, np.datetime64):
            return _datetime_scalar(obj)
    import pandas as pd

    if cls is pd.Timestamp or cls is _dt.datetime or cls is _dt.date:
        return _datetime_scalar(obj)
    if obj is pd.NaT or obj is pd.NA:
        return None
    if cls is pd.Timedelta or cls is _dt.timedelta:
        return _float_scalar(pd.Timedelta(obj).total_seconds())
    raise UnsupportedAnswer(t("plain.unsupported_type", type=_type_name(obj)))


def _datetime_scalar(obj: Any) -> Any:
    import numpy as np

    value = np.datetime64(obj, "ns") if not isinstance(obj, np.datetime64) else obj.astype("datetime64[ns]")
    if np.isnat(value):
        return None
    return {"d": str(value)}


def column_values(values: Any) -> tuple[str, list[Any]]:
    """A 1-d array-like (numpy array or pandas array) → (kind, list of JSON scalars)."""
    import numpy as np
    import pandas as pd

    if isinstance(values, pd.Categorical) or isinstance(getattr(values, "dtype", None), pd.CategoricalDtype):
        values = np.asarray(pd.Categorical(values).astype(object))
    dtype = getattr(values, "dtype", None)
    if dtype is not None and pd.api.types.is_bool_dtype(dtype) and not pd.api.types.is_object_dtype(dtype):
        arr = pd.array(values, dtype="boolean")
        return "bool", [None if v is pd.NA else bool(v) for v in arr]
    if dtype is not None and pd.api.types.is_numeric_dtype(dtype):
        arr = np.asarray(pd.array(values).to_numpy(dtype="float64", na_value=np.nan)
                         if not isinstance(values, np.ndarray) else values)
        if arr.dtype.kind in "iu":
            return "number", [int(v) for v in arr.tolist()]
        arr = arr.astype(np.float64)
        return "number", [_float_scalar(v) for v in arr.tolist()]
    if dtype is not None and pd.api.types.is_datetime64_any_dtype(dtype):
        arr = np.asarray(pd.to_datetime(pd.Series(values)).dt.tz_localize(None)
                         if getattr(dtype, "tz", None) else values).astype("datetime64[ns]")
        return "datetime", [None if np.isnat(v) else {"d": str(v)} for v in arr]
    if dtype is not None and pd.api.types.is_timedelta64_dtype(dtype):
        arr = np.asarray(values).astype("timedelta64[ns]").astype(np.int64)
        nat = np.isnat(np.asarray(values).astype("timedelta64[ns]"))
        return "number", [None if n else v / 1e9 for v, n in zip(arr.tolist(), nat.tolist(), strict=True)]
    items = [scalar(v) for v in np.asarray(values, dtype=object).tolist()]
    kinds = {_scalar_kind(v) for v in items if v is not None}
    kind = kinds.pop() if len(kinds) == 1 else ("mixed" if kinds else "text")
    return kind, items


def _scalar_kind(value: Any) -> str:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, (int, float)) or (isinstance(value, dict) and "f" in value):
        return "number"
    if isinstance(value, dict) and "d" in value:
        return "datetime"
    return "text"


def _label(label: Any) -> str:
    if type(label) is tuple:
        return " / ".join(_label(part) for part in label)
    value = scalar(label)
    if isinstance(value, dict):
        return str(next(iter(value.values())))
    return str(value)


def _index(index: Any) -> dict[str, Any]:
    import pandas as pd

    if isinstance(index, pd.MultiIndex):
        levels = [column_values(index.get_level_values(i).to_numpy())[1] for i in range(index.nlevels)]
        return {"values": [list(row) for row in zip(*levels, strict=True)], "names": [str(n) for n in index.names]}
    if isinstance(index, pd.RangeIndex):
        return {"range": [int(index.start), int(index.stop), int(index.step)], "names": [str(index.name)]}
    return {"values": column_values(index.to_numpy() if not isinstance(index.dtype, pd.CategoricalDtype)
                                    else index.astype(object).to_numpy())[1], "names": [str(index.name)]}


def to_plain(obj: Any) -> dict[str, Any]:
    """Convert an answer to plain, JSON-serialisable data; raises :class:`UnsupportedAnswer`."""
    import numpy as np
    import pandas as pd

    cls = type(obj)
    if cls is pd.DataFrame:
        if obj.size > MAX_ITEMS:
            raise UnsupportedAnswer(t("plain.too_large", what="DataFrame", size=f"{obj.size:,}", limit=f"{MAX_ITEMS:,}"))
        columns, kinds, data = [], [], []
        for position in range(obj.shape[1]):
            kind, values = column_values(obj.iloc[:, position].array)
            columns.append(_label(obj.columns[position]))
            kinds.append(kind)
            data.append(values)
        return {"t": "frame", "columns": columns, "kinds": kinds, "data": data,
                "nrows": int(obj.shape[0]), "index": _index(obj.index)}
    if cls is pd.Series:
        if obj.size > MAX_ITEMS:
            raise UnsupportedAnswer(t("plain.too_large", what="Series", size=f"{obj.size:,}", limit=f"{MAX_ITEMS:,}"))
        kind, values = column_values(obj.array)
        name = None if obj.name is None else _label(obj.name)
        return {"t": "series", "name": name, "kind": kind, "values": values, "index": _index(obj.index)}
    if cls is np.ndarray or cls is pd.Index:
        arr = np.asarray(obj)
        if arr.size > MAX_ITEMS:
            raise UnsupportedAnswer(t("plain.too_large", what="array", size=f"{arr.size:,}", limit=f"{MAX_ITEMS:,}"))
        if arr.ndim > 1:
            return {"t": "list", "items": [to_plain(row) for row in arr]}
        return {"t": "list", "items": [{"t": "scalar", "v": v} for v in column_values(arr)[1]]}
    if cls in (list, tuple, set, frozenset, dict):
        if len(obj) > MAX_ITEMS:
            raise UnsupportedAnswer(t("plain.too_large", what=cls.__name__, size=f"{len(obj):,}",
                                      limit=f"{MAX_ITEMS:,}"))
        if cls is dict:
            return {"t": "dict", "items": [[to_plain(k), to_plain(v)] for k, v in dict.items(obj)]}
        items = list(tuple.__iter__(obj)) if cls is tuple else (list(list.__iter__(obj)) if cls is list
                                                                else list(set.__iter__(obj) if cls is set
                                                                          else frozenset.__iter__(obj)))
        return {"t": "set" if cls in (set, frozenset) else "list", "items": [to_plain(item) for item in items]}
    return {"t": "scalar", "v": scalar(obj)}
