"""Reading and writing the shipped CSV files, deterministically."""

from __future__ import annotations

import gzip
import io
from collections.abc import Iterable
from pathlib import Path

import pandas as pd

from crmlab.datasets._spec import TableSpec


def write_table(chunks: Iterable[pd.DataFrame], path: Path, spec: TableSpec) -> int:
    """Write ``chunks`` (DataFrames with the spec's columns) to ``path`` as UTF-8 CSV.

    The output is byte-identical for identical input: ``\\n`` line ends, ISO dates, no index,
    and for ``.csv.gz`` a gzip header without a timestamp. Chunks are written as they come so a
    large table is never held in memory twice. Returns the number of rows written.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    rows = 0
    raw = open(tmp, "wb")
    try:
        stream = gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0) if spec.compressed else raw
        header = True
        for chunk in chunks:
            missing = [c for c in spec.columns if c not in chunk.columns]
            if missing:
                raise ValueError(f"generator for {spec.name} did not produce columns {missing}")
            text = _format(chunk[list(spec.columns)], spec).to_csv(
                index=False, header=header, lineterminator="\n"
            )
            stream.write(text.encode("utf-8"))
            rows += len(chunk)
            header = False
        if header:  # no chunk at all: still write the header line
            stream.write((",".join(spec.columns) + "\n").encode("utf-8"))
        if stream is not raw:
            stream.close()
    finally:
        raw.close()
    tmp.replace(path)
    return rows


def _format(df: pd.DataFrame, spec: TableSpec) -> pd.DataFrame:
    out = df.copy()
    for column, kind in spec.columns.items():
        if kind == "date":
            out[column] = pd.to_datetime(out[column]).dt.strftime("%Y-%m-%d")
        elif kind == "datetime":
            out[column] = pd.to_datetime(out[column]).dt.strftime("%Y-%m-%d %H:%M:%S")
        elif kind == "float":
            out[column] = out[column].round(6)
        elif kind == "bool":
            out[column] = out[column].map({True: "true", False: "false"})
    return out


def read_table(path: Path, spec: TableSpec) -> pd.DataFrame:
    """Read a shipped table with the types its spec declares."""
    dtypes: dict[str, str] = {}
    for column, kind in spec.columns.items():
        if kind in ("str", "category", "date", "datetime", "bool"):
            dtypes[column] = "str"
        elif kind == "int":
            dtypes[column] = "Int64"
        elif kind == "float":
            dtypes[column] = "float64"
    if spec.compressed:
        with gzip.open(path, "rb") as fh:
            df = pd.read_csv(io.BytesIO(fh.read()), dtype=dtypes, keep_default_na=False,
                             na_values=[""])
    else:
        df = pd.read_csv(path, dtype=dtypes, keep_default_na=False, na_values=[""],
                         encoding="utf-8")
    for column, kind in spec.columns.items():
        if kind in ("date", "datetime"):
            df[column] = pd.to_datetime(df[column], format="ISO8601")
        elif kind == "category":
            df[column] = df[column].astype("category")
        elif kind == "bool":
            df[column] = df[column].map({"true": True, "false": False}).astype("boolean")
        elif kind == "int" and not df[column].isna().any():
            df[column] = df[column].astype("int64")
    return df
