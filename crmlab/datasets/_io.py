"""Reading and writing the shipped CSV files, deterministically."""

from __future__ import annotations

import gzip
from collections.abc import Iterable
from pathlib import Path

import pandas as pd

from crmlab.datasets._spec import TableSpec


class TableWriter:
    """Write one table to ``path`` chunk by chunk (UTF-8 CSV, or gzip when ``spec.compressed``).

    The output is byte-identical for identical input: ``\\n`` line ends, ISO dates, no index,
    and for ``.csv.gz`` a gzip header without a timestamp. Rows go to ``<path>.tmp`` first and the
    file is moved into place by :meth:`close`, so an interrupted run never leaves half a table.
    Use it as a context manager; several writers may be open at once (generators may interleave
    the chunks of different tables).
    """

    def __init__(self, path: Path, spec: TableSpec) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path, self.spec, self.rows = path, spec, 0
        self._tmp = path.with_name(path.name + ".tmp")
        self._raw = open(self._tmp, "wb")
        # level 6: about 3x faster than gzip's default 9 for a file 7 % larger
        self._stream = (gzip.GzipFile(filename="", mode="wb", fileobj=self._raw, mtime=0,
                                      compresslevel=6)
                        if spec.compressed else self._raw)
        self._header = True

    def write(self, chunk: pd.DataFrame) -> None:
        """Append ``chunk`` (a DataFrame with at least the spec's columns)."""
        missing = [c for c in self.spec.columns if c not in chunk.columns]
        if missing:
            raise ValueError(f"generator for {self.spec.name} did not produce columns {missing}")
        text = _format(chunk[list(self.spec.columns)], self.spec).to_csv(
            index=False, header=self._header, lineterminator="\n"
        )
        self._stream.write(text.encode("utf-8"))
        self.rows += len(chunk)
        self._header = False

    def close(self, *, keep: bool = True) -> int:
        """Finish the file (move it into place when ``keep``); returns the rows written."""
        if self._raw.closed:
            return self.rows
        try:
            if keep and self._header:  # no chunk at all: still write the header line
                self._stream.write((",".join(self.spec.columns) + "\n").encode("utf-8"))
            if self._stream is not self._raw:
                self._stream.close()
        finally:
            self._raw.close()
        if keep:
            self._tmp.replace(self.path)
        else:
            self._tmp.unlink(missing_ok=True)
        return self.rows

    def __enter__(self) -> TableWriter:
        return self

    def __exit__(self, exc_type, exc, tb) -> None:  # noqa: ANN001
        self.close(keep=exc_type is None)


def write_table(chunks: Iterable[pd.DataFrame], path: Path, spec: TableSpec) -> int:
    """Write ``chunks`` to ``path`` with a :class:`TableWriter`; returns the rows written."""
    with TableWriter(path, spec) as writer:
        for chunk in chunks:
            writer.write(chunk)
    return writer.rows


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
        elif kind in ("str", "category") and _has_carriage_return(out[column]):
            # the CSV writer only quotes "\n": a bare "\r" would end the row when read back
            out[column] = (out[column].astype("string").str.replace("\r\n", "\n", regex=False)
                           .str.replace("\r", "\n", regex=False))
    return out


def _has_carriage_return(values: pd.Series) -> bool:
    return bool(values.astype("string").str.contains("\r", regex=False).any())


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
    # "" is the only missing-value marker: text such as "NA" or "None" stays text
    df = pd.read_csv(path, dtype=dtypes, keep_default_na=False, na_values=[""], encoding="utf-8",
                     compression="gzip" if spec.compressed else None)
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
