"""CDNOW: real purchase histories of an online CD retailer's 1997 cohort (static, copied tables).

The CDNOW data set (Fader & Hardie) is the standard test bed of buy-till-you-die models: every
purchase, from January 1997 to the end of June 1998, of the 23,570 customers who made their first
purchase at CDNOW in the first quarter of 1997. Fader, Hardie & Lee (2005) fitted the BG/NBD model
on a 1/10 sample of 2,357 customers with a 39-week calibration period; the published summary of
that sample ships as ``cdnow_summary`` so the course can reproduce the paper exactly.

The tables are *copied*, not generated: :func:`generate` converts the original text files (the
copies in the MIT-licensed ``lifetimes`` package, see ``datasets/LICENSE-cdnow.txt``) when they
are available, from ``$CRMLAB_CDNOW_SOURCE`` or ``../shared/reference/cdnow`` next to the source
checkout, and yields nothing otherwise (the shipped CSV files are then the only copy).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pandas as pd

from crmlab.datasets._spec import TableSpec

TABLES = [
    TableSpec(
        name="cdnow_transactions",
        description=(
            "One row per CDNOW purchase record (69,659) of the 23,570 customers of the Q1-1997 "
            "cohort, Jan 1997 – Jun 1998, with the 2,357-customer 1/10 research sample flagged"
        ),
        columns={
            "customer_id": "int", "sample_id": "int", "in_sample": "bool", "date": "date",
            "cds": "int", "amount": "float",
        },
        static=True,
    ),
    TableSpec(
        name="cdnow_summary",
        description=(
            "Published calibration summary of the 2,357-customer CDNOW sample (39 weeks to "
            "1997-09-30): repeat purchases x, recency t_x, age T in weeks, mean repeat spend zbar"
        ),
        columns={
            "sample_id": "int", "customer_id": "int", "frequency": "int", "recency": "float",
            "T": "float", "monetary_value": "float",
        },
        primary_key=("sample_id",),
        static=True,
    ),
]


def source_dir() -> Path | None:
    """Folder with the original CDNOW files, or ``None`` when they are not on this machine."""
    candidates = []
    if os.environ.get("CRMLAB_CDNOW_SOURCE"):
        candidates.append(Path(os.environ["CRMLAB_CDNOW_SOURCE"]))
    repo = Path(__file__).resolve().parents[2]
    candidates.append(repo.parent / "shared" / "reference" / "cdnow")
    for folder in candidates:
        if (folder / "CDNOW_master.txt").is_file() and (folder / "CDNOW_sample.txt").is_file():
            return folder
    return None


def _read_master(folder: Path) -> pd.DataFrame:
    master = pd.read_csv(folder / "CDNOW_master.txt", sep=r"\s+", dtype=str)
    master.columns = ["customer_id", "date", "cds", "amount"]
    return pd.DataFrame({
        "customer_id": master["customer_id"].astype("int64"),
        "date": pd.to_datetime(master["date"], format="%Y%m%d"),
        "cds": master["cds"].astype("int64"),
        "amount": master["amount"].astype("float64"),
    })


def _read_sample_ids(folder: Path) -> pd.Series:
    sample = pd.read_csv(folder / "CDNOW_sample.txt", sep=r"\s+", header=None, dtype=str,
                         names=["customer_id", "sample_id", "date", "cds", "amount"])
    ids = sample[["customer_id", "sample_id"]].drop_duplicates().astype("int64")
    return ids.set_index("customer_id")["sample_id"]


def generate(seed: int = 0, scale: float = 1.0) -> Iterator[tuple[str, pd.DataFrame]]:
    """Yield the two CDNOW tables converted from the original files (``seed``/``scale`` unused).

    Real data cannot be scaled: every ``scale`` yields the same rows. Yields nothing when the
    original files are not available (see :func:`source_dir`).
    """
    folder = source_dir()
    if folder is None:
        return
    master = _read_master(folder)
    sample_ids = _read_sample_ids(folder)
    sample_id = master["customer_id"].map(sample_ids).astype("Int64")
    transactions = master.assign(sample_id=sample_id, in_sample=sample_id.notna().to_numpy())
    yield "cdnow_transactions", transactions[list(TABLES[0].columns)]

    summary = pd.read_csv(folder / "cdnow_customers_summary_with_transactions.csv")
    by_sample = pd.Series(sample_ids.index.to_numpy(), index=sample_ids.to_numpy())
    yield "cdnow_summary", pd.DataFrame({
        "sample_id": summary["ID"].astype("int64"),
        "customer_id": summary["ID"].map(by_sample).astype("int64"),
        "frequency": summary["x"].astype("int64"),
        "recency": summary["t_x"].astype("float64"),
        "T": summary["T"].astype("float64"),
        "monetary_value": summary["zbar"].astype("float64"),
    })


__all__ = ["TABLES", "generate", "source_dir"]
