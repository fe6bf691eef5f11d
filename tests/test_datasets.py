"""The dataset framework: loading with types, regeneration, packaging, SQLite, CLI, scale.

The planted patterns of each scenario are tested in ``test_datasets_<scenario>.py``.
"""

from __future__ import annotations

import filecmp
import gzip
import os
import re
import subprocess
import sys
import zipfile
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crmlab import cli, datasets
from crmlab._checks import CrmlabInputError
from crmlab.datasets import _io
from crmlab.datasets._registry import GENERATORS, generator_module, table_specs
from crmlab.datasets._spec import TableSpec

ROOT = Path(__file__).resolve().parent.parent

#: Shipped row counts of the retail and B2B tables (change them only on purpose).
EXPECTED_ROWS = {
    "retail_stores": 7, "retail_products": 67, "retail_members": 5000,
    "retail_transactions": 342_322, "b2b_customers": 300, "b2b_monthly_sales": 7200,
    "b2b_invoices": 7362,
}

_KIND_CHECK = {
    "date": lambda s: s.dtype.kind == "M",
    "datetime": lambda s: s.dtype.kind == "M",
    "category": lambda s: isinstance(s.dtype, pd.CategoricalDtype),
    "int": lambda s: str(s.dtype) in ("int64", "Int64"),
    "float": lambda s: s.dtype == "float64",
    "bool": lambda s: str(s.dtype) == "boolean",
    "str": lambda s: pd.api.types.is_string_dtype(s.dtype),
}


@cache
def _table(name: str) -> pd.DataFrame:
    return datasets.load_dataset(name)


def _generated_topics() -> list[str]:
    topics = sorted({topic for topic, _ in table_specs().values()})
    return [t for t in topics if not all(s.static for s in generator_module(t).TABLES)]


@pytest.mark.parametrize("name", sorted(table_specs()))
def test_every_table_loads_with_its_declared_types(name):
    spec = datasets.table_spec(name)
    df = _table(name)
    assert list(df.columns) == list(spec.columns)
    assert len(df) > 0
    wrong = {c: str(df[c].dtype) for c, kind in spec.columns.items() if not _KIND_CHECK[kind](df[c])}
    assert not wrong, f"{name}: columns with the wrong dtype {wrong}"
    if spec.primary_key:
        assert not df.duplicated(list(spec.primary_key)).any(), f"{name}: duplicate keys"


@pytest.mark.parametrize("name", sorted(table_specs()))
def test_foreign_keys_point_at_existing_rows(name):
    spec = datasets.table_spec(name)
    if not spec.foreign_keys:
        pytest.skip("no foreign keys")
    df = _table(name)
    for column, target in spec.foreign_keys.items():
        table, ref = target.split(".")
        if table not in table_specs():
            continue
        values = df[column].dropna()
        unknown = values[~values.isin(_table(table)[ref])]
        assert unknown.empty, f"{name}.{column}: unknown {sorted(set(unknown))[:5]}"


def test_row_counts_of_retail_and_b2b_tables():
    got = {name: len(_table(name)) for name in EXPECTED_ROWS}
    assert got == EXPECTED_ROWS


def test_list_datasets_names_the_scenarios_in_registry_order():
    names = datasets.list_datasets()
    assert names[:4] == ["retail_stores", "retail_products", "retail_members", "retail_transactions"]
    assert {"b2b_customers", "b2b_monthly_sales", "b2b_invoices"} <= set(names)
    assert len(names) == len(set(names))


def test_shipped_data_stays_small():
    total = sum(p.stat().st_size for p in datasets.data_dir().iterdir() if p.is_file())
    retail = sum(p.stat().st_size for p in datasets.data_dir().glob("retail_*"))
    assert retail < 8e6
    assert total < 15e6


def test_regeneration_is_byte_identical_for_every_generated_topic(tmp_path):
    """Regenerating every (non-static) topic into tmp_path gives the shipped files exactly."""
    topics = _generated_topics()
    assert {"retail", "b2b"} <= set(topics)
    written = datasets.regenerate(tmp_path, topics=topics)
    for name in written:
        file_name = datasets.table_spec(name).file_name
        assert filecmp.cmp(tmp_path / file_name, datasets.data_dir() / file_name, shallow=False), (
            f"{file_name} differs from the shipped file: run crmlab.datasets.regenerate("
            f"topics=[...]) and commit the result, or fix the generator's determinism"
        )
    shipped = {name for name, (topic, spec) in table_specs().items() if topic in topics and not spec.static}
    assert set(written) == shipped


def test_compressed_files_have_no_timestamp_in_their_gzip_header():
    for name, (_, spec) in table_specs().items():
        if spec.compressed:
            header = (datasets.data_dir() / spec.file_name).read_bytes()[:10]
            assert header[:2] == b"\x1f\x8b" and header[4:8] == b"\0\0\0\0", name


def test_writer_and_reader_round_trip_every_kind(tmp_path):
    spec = TableSpec("t", "test table", {"s": "str", "i": "int", "f": "float", "d": "date",
                                         "t": "datetime", "c": "category", "b": "bool"})
    df = pd.DataFrame({"s": ["a", None, "NA"], "i": [1, 2, 3], "f": [0.1, np.nan, 2.5],
                       "d": pd.to_datetime(["2024-01-31", None, "2025-12-31"]),
                       "t": pd.to_datetime(["2024-01-31 08:30:00", "2024-02-01 00:00:00", None]),
                       "c": ["x", "y", "x"], "b": [True, False, True]})
    for compressed in (False, True):
        spec_c = TableSpec("t", "test table", spec.columns, compressed=compressed)
        path = tmp_path / spec_c.file_name
        assert _io.write_table([df.iloc[:1], df.iloc[1:]], path, spec_c) == 3
        back = _io.read_table(path, spec_c)
        assert back["s"].tolist()[0] == "a" and pd.isna(back["s"][1]) and back["s"][2] == "NA"
        assert back["i"].tolist() == [1, 2, 3] and back["i"].dtype == "int64"
        assert back["d"].iloc[2] == pd.Timestamp("2025-12-31") and pd.isna(back["d"][1])
        assert back["t"].iloc[0] == pd.Timestamp("2024-01-31 08:30")
        assert back["b"].tolist() == [True, False, True]
        assert list(back["c"].cat.categories) == ["x", "y"]
    raw = (tmp_path / "t.csv").read_bytes()
    assert b"\r\n" not in raw and raw.startswith(b"s,i,f,d,t,c,b\n")
    assert gzip.decompress((tmp_path / "t.csv.gz").read_bytes()) == raw


_TEXT = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",), exclude_characters="\x00"),
                min_size=1, max_size=12)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(st.tuples(st.one_of(st.none(), _TEXT),
                               st.integers(-10**12, 10**12),
                               st.floats(-1e9, 1e9, allow_nan=False),
                               st.sampled_from(["济南", "淄博", "a,b", 'say "hi"'])),
                     min_size=1, max_size=20),
       split=st.integers(0, 20), compressed=st.booleans())
def test_any_table_survives_the_round_trip(tmp_path, rows, split, compressed):
    """Text with commas, quotes, Chinese, spaces or line breaks, big ints, floats (to 6
    decimals), written in two chunks, read back the same."""
    spec = TableSpec("h", "property test", {"s": "str", "i": "int", "f": "float", "c": "category"},
                     compressed=compressed)
    df = pd.DataFrame(rows, columns=["s", "i", "f", "c"])
    path = tmp_path / spec.file_name
    _io.write_table([df.iloc[:split], df.iloc[split:]], path, spec)
    back = _io.read_table(path, spec)
    assert back["s"].isna().tolist() == df["s"].isna().tolist()
    # text keeps every character, except that line ends are written as "\n"
    expected = df["s"].dropna().str.replace("\r\n", "\n").str.replace("\r", "\n")
    assert back["s"].dropna().tolist() == expected.tolist()
    assert back["i"].tolist() == df["i"].tolist()
    np.testing.assert_allclose(back["f"], df["f"].round(6), rtol=1e-12, atol=1e-9)
    assert back["c"].astype(str).tolist() == df["c"].tolist()


def test_an_interrupted_write_leaves_no_partial_file(tmp_path):
    spec = TableSpec("t", "test table", {"a": "int"})

    def chunks():
        yield pd.DataFrame({"a": [1]})
        raise RuntimeError("generator failed")

    with pytest.raises(RuntimeError):
        _io.write_table(chunks(), tmp_path / "t.csv", spec)
    assert list(tmp_path.iterdir()) == []
    with pytest.raises(ValueError, match=r"did not produce columns \['a'\]"):
        _io.write_table([pd.DataFrame({"b": [1]})], tmp_path / "t.csv", spec)


def test_unknown_dataset_names_get_a_helpful_error():
    with pytest.raises(CrmlabInputError, match=r"no dataset called 'retail_member'.*did you mean.*retail_members"):
        datasets.load_dataset("retail_member")
    with pytest.raises(CrmlabInputError, match="available: retail_stores"):
        datasets.describe("customers")
    with pytest.raises(CrmlabInputError, match="unknown dataset topic.*'shop'"):
        datasets.regenerate("/nonexistent", topics=["shop"])


def test_regenerate_refuses_to_overwrite_shipped_files_at_another_scale():
    with pytest.raises(CrmlabInputError, match="would overwrite the shipped datasets"):
        datasets.regenerate(scale=2)


def test_scale_streams_chunks_and_grows_the_tables(tmp_path):
    """scale=0.1 makes a tenth of the retail members; transactions arrive month by month."""
    seed = GENERATORS["retail"]
    counts: dict[str, list[int]] = {}
    for table, chunk in generator_module("retail").generate(seed, 0.1):
        counts.setdefault(table, []).append(len(chunk))
    assert counts["retail_members"] == [500]
    assert len(counts["retail_transactions"]) == 30  # 2023-07 … 2025-12, one chunk per month
    # about a tenth of the shipped lines (members drive the volume)
    assert 0.07 < sum(counts["retail_transactions"]) / EXPECTED_ROWS["retail_transactions"] < 0.13
    written = datasets.regenerate(tmp_path, scale=0.2, topics=["b2b"])
    assert written == {"b2b_customers": 60, "b2b_monthly_sales": 60 * 24,
                       "b2b_invoices": len(pd.read_csv(tmp_path / "b2b_invoices.csv"))}
    assert pd.read_csv(tmp_path / "b2b_customers.csv")["customer_id"].is_unique


def test_b2b_large_scale_comes_in_blocks_with_unique_keys():
    mod = generator_module("b2b")
    chunks = [(t, c) for t, c in mod.generate(GENERATORS["b2b"], 20) if t == "b2b_customers"]
    assert len(chunks) == 2  # 6,000 customers in blocks of 3,000
    customers = pd.concat([c for _, c in chunks])
    assert len(customers) == 6000
    assert customers["customer_id"].is_unique and customers["company_name"].is_unique


def test_generate_table_returns_one_table_in_memory():
    df = datasets.generate_table("b2b_customers", scale=0.1)
    assert len(df) == 30
    assert list(df.columns) == list(datasets.table_spec("b2b_customers").columns)


def test_describe_names_the_columns_kinds_and_keys():
    text = datasets.describe("retail_transactions")
    assert text.startswith("retail_transactions: One row per receipt line")
    assert f"{EXPECTED_ROWS['retail_transactions']:,} rows × 12 columns" in text
    assert "customer_id" in text and "missing" in text  # non-member receipts
    assert "key: receipt_id, line_no" in text
    assert "customer_id → retail_members.customer_id" in text


def test_export_to_csv_and_excel(tmp_path):
    csv = datasets.export("retail_stores", tmp_path / "stores.csv")
    assert csv.read_bytes().startswith("\ufeffstore_id".encode("utf-8"))  # BOM for Excel
    back = pd.read_csv(csv, encoding="utf-8-sig")
    assert back["store_name"].tolist() == datasets.load_dataset("retail_stores")["store_name"].tolist()
    xlsx = datasets.export("b2b_customers", tmp_path / "customers.xlsx")
    assert pd.read_excel(xlsx)["company_name"].tolist()[:3] == \
        datasets.load_dataset("b2b_customers")["company_name"].tolist()[:3]
    with pytest.raises(CrmlabInputError, match="use a .csv or .xlsx"):
        datasets.export("retail_stores", tmp_path / "stores.json")


def test_sql_join_through_connect_matches_pandas(tmp_path, monkeypatch):
    """Open receivables per region: SQLite join (invoices ⨝ customers) == pandas merge/groupby.

    Built with ``tables=`` to keep the test fast; notebook 00 builds and queries the full
    database (members ⨝ transactions) under nbval.
    """
    monkeypatch.setenv("CRMLAB_CACHE_DIR", str(tmp_path))
    wanted = ["b2b_customers", "b2b_invoices", "b2b_monthly_sales", "retail_stores", "retail_members"]
    con = datasets.connect(tables=wanted)
    try:
        sql = pd.read_sql_query(
            """SELECT c.region, ROUND(SUM(i.amount), 2) AS open_amount, COUNT(*) AS invoices
               FROM b2b_invoices i JOIN b2b_customers c ON c.customer_id = i.customer_id
               WHERE i.paid_date IS NULL OR i.paid_date > '2025-06-30'
                 AND i.invoice_date <= '2025-06-30'
               GROUP BY c.region ORDER BY c.region""", con)
        per_store = pd.read_sql_query(
            """SELECT s.store_name, COUNT(*) AS members FROM retail_members m
               JOIN retail_stores s ON s.store_id = m.home_store
               WHERE strftime('%Y', m.join_date) = '2025' GROUP BY s.store_name""", con)
        months = con.execute("SELECT COUNT(DISTINCT strftime('%Y-%m', month)) FROM b2b_monthly_sales").fetchone()[0]
        pk = con.execute("PRAGMA table_info(retail_members)").fetchall()
        fks = con.execute("PRAGMA foreign_key_list(b2b_invoices)").fetchall()
        names = [r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table' ORDER BY name")]
    finally:
        con.close()
    invoices = datasets.load_dataset("b2b_invoices")
    customers = datasets.load_dataset("b2b_customers")
    # the same condition, with SQL's precedence (AND before OR) spelled out
    mid = pd.Timestamp("2025-06-30")
    keep = invoices["paid_date"].isna() | ((invoices["paid_date"] > mid) & (invoices["invoice_date"] <= mid))
    merged = invoices[keep].merge(customers[["customer_id", "region"]], on="customer_id")
    pandas = (merged.groupby("region", observed=True)
              .agg(open_amount=("amount", "sum"), invoices=("amount", "size")).reset_index()
              .assign(region=lambda d: d["region"].astype(str)).sort_values("region"))
    assert sql["region"].tolist() == pandas["region"].tolist()
    np.testing.assert_allclose(sql["open_amount"], pandas["open_amount"].round(2), atol=0.011)
    assert sql["invoices"].tolist() == pandas["invoices"].tolist()
    members = datasets.load_dataset("retail_members")
    stores = datasets.load_dataset("retail_stores").set_index("store_id")["store_name"]
    new = members[members["join_date"].dt.year == 2025]["home_store"].map(stores).value_counts()
    assert per_store.set_index("store_name")["members"].sort_index().to_dict() == new.sort_index().to_dict()
    assert months == 24
    assert [row[1] for row in pk if row[5]] == ["customer_id"]  # declared primary key
    assert [(r[2], r[3], r[4]) for r in fks] == [("b2b_customers", "customer_id", "customer_id")]
    assert names == sorted(wanted)
    # built once in the cache directory, reused afterwards; other table sets get their own file
    assert len(list(tmp_path.glob("customers-*.sqlite"))) == 1
    datasets.connect(tables=wanted).close()
    assert len(list(tmp_path.glob("customers-*.sqlite"))) == 1
    datasets.connect(tables=["retail_stores"]).close()
    assert len(list(tmp_path.glob("customers-*.sqlite"))) == 2
    assert not list(tmp_path.glob("*.building"))
    with pytest.raises(CrmlabInputError, match="no dataset called 'stores'"):
        datasets.connect(tables=["stores"])


def test_cli_list_describe_export(tmp_path, capsys):
    assert cli.main(["datasets", "list"]) == 0
    out = capsys.readouterr().out
    assert "retail_transactions" in out and "b2b_invoices" in out
    assert cli.main(["datasets", "describe", "b2b_customers"]) == 0
    assert re.search(r"brand_standing +category", capsys.readouterr().out)
    target = tmp_path / "members.csv"
    assert cli.main(["datasets", "export", "retail_members", str(target)]) == 0
    assert f"wrote {target}" in capsys.readouterr().out
    assert len(pd.read_csv(target, encoding="utf-8-sig")) == 5000
    assert cli.main(["datasets", "describe", "retail_member"]) == 2
    assert "did you mean" in capsys.readouterr().err


def test_cli_regenerate_into_a_folder(tmp_path, capsys, monkeypatch):
    # only the small B2B generator, to keep the test fast (every topic is regenerated above)
    monkeypatch.setattr(datasets, "GENERATORS", {"b2b": GENERATORS["b2b"]})
    assert cli.main(["datasets", "regenerate", "--out", str(tmp_path), "--scale", "0.1"]) == 0
    out = capsys.readouterr().out
    assert "b2b_customers" in out and (tmp_path / "b2b_customers.csv").exists()
    assert cli.main(["datasets", "regenerate", "--scale", "3"]) == 2
    assert "would overwrite" in capsys.readouterr().err


def test_cli_as_a_subprocess():
    out = subprocess.run([sys.executable, "-m", "crmlab", "datasets", "describe", "retail_stores"],
                         capture_output=True, text=True, check=True, encoding="utf-8")
    assert "retail_stores: One row per store" in out.stdout
    assert "7 rows × 4 columns" in out.stdout


def test_the_wheel_carries_the_data_for_a_non_editable_install(tmp_path):
    """Build the wheel, unpack it, and load a table from it in a fresh interpreter."""
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
                    "--quiet", "-w", str(tmp_path / "dist"), str(ROOT)],
                   check=True, capture_output=True, text=True)
    wheel = next((tmp_path / "dist").glob("crmlab-*.whl"))
    site = tmp_path / "site"
    with zipfile.ZipFile(wheel) as zf:
        names = zf.namelist()
        zf.extractall(site)
    assert "crmlab/_data/retail_transactions.csv.gz" in names
    assert "crmlab/_data/README.md" in names
    assert "crmlab/py.typed" in names  # type checkers read crmlab's annotations (PEP 561)
    assert {"crmlab/scorecard/rules.py", "crmlab/quality/linkage.py"} <= set(names)
    code = ("import crmlab.datasets as d; df = d.load_dataset('b2b_customers'); "
            "print(d.data_dir().name, len(df), df['since'].dtype.kind)")
    env = {**os.environ, "PYTHONPATH": str(site)}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env=env, cwd=tmp_path, encoding="utf-8")
    assert out.stdout.split() == ["_data", "300", "M"]
