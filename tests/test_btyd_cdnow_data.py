"""The shipped CDNOW tables: contents, and byte-identical regeneration from the original files."""

from __future__ import annotations

import hashlib

import pytest

from crmlab.datasets import data_dir, load_dataset, regenerate
from crmlab.datasets._gen_cdnow import TABLES, source_dir


def test_cdnow_transactions_contents():
    tx = load_dataset("cdnow_transactions")
    # README of the source: 69,659 purchases of 23,570 customers; 6,919 of 2,357 in the sample
    assert len(tx) == 69_659 and tx["customer_id"].nunique() == 23_570
    sample = tx[tx["in_sample"]]
    assert len(sample) == 6_919 and sample["customer_id"].nunique() == 2_357
    assert sample["sample_id"].nunique() == 2_357 and tx.loc[~tx["in_sample"], "sample_id"].isna().all()
    assert tx["date"].min().strftime("%Y-%m-%d") == "1997-01-01"
    assert tx["date"].max().strftime("%Y-%m-%d") == "1998-06-30"
    assert (tx["amount"] >= 0).all() and (tx["cds"] >= 1).all()
    # the first row of CDNOW_master.txt: "00001 19970101  1   11.77"
    assert tx.iloc[0][["customer_id", "cds", "amount"]].tolist() == [1, 1, 11.77]


def test_cdnow_summary_links_to_transactions():
    summary = load_dataset("cdnow_summary")
    tx = load_dataset("cdnow_transactions")
    assert len(summary) == 2_357 and summary["sample_id"].tolist() == list(range(1, 2_358))
    ids = tx.loc[tx["in_sample"], ["customer_id", "sample_id"]].drop_duplicates().set_index("sample_id")
    assert (summary.set_index("sample_id")["customer_id"] == ids["customer_id"].reindex(
        summary["sample_id"])).all()
    # first line of the published file: ID 1, x=2, t_x=30.43, T=38.86, zbar=22.35
    assert summary.iloc[0][["frequency", "recency", "T", "monetary_value"]].tolist() == [2, 30.43, 38.86, 22.35]


@pytest.mark.skipif(source_dir() is None, reason="the original CDNOW files are not on this machine")
def test_cdnow_regenerates_byte_identical(tmp_path):
    written = regenerate(out_dir=tmp_path, topics=["cdnow"])
    assert written == {"cdnow_transactions": 69_659, "cdnow_summary": 2_357}
    for spec in TABLES:
        new = hashlib.sha256((tmp_path / spec.file_name).read_bytes()).hexdigest()
        shipped = hashlib.sha256((data_dir() / spec.file_name).read_bytes()).hexdigest()
        assert new == shipped, spec.name


def test_cdnow_files_stay_small():
    total = sum((data_dir() / spec.file_name).stat().st_size for spec in TABLES)
    assert total < 2.5e6
