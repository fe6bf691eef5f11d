"""Optional dependencies (crmlab[excel], crmlab[grader]): a missing one is named, with its extra."""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd
import pytest

from crmlab._extras import MissingExtraError, missing_extra, optional_import
from crmlab.cli import main
from crmlab.scorecard import export_grade_table


@pytest.fixture
def without_openpyxl(monkeypatch):
    """Make `import openpyxl` fail as it does when the package is not installed."""
    for name in [m for m in sys.modules if m == "openpyxl" or m.startswith("openpyxl.")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "openpyxl", None)


def test_grade_table_export_names_the_excel_extra(without_openpyxl, tmp_path):
    table = pd.DataFrame({"customer_id": ["C1"], "grade": ["A"]})
    with pytest.raises(MissingExtraError, match=r'grade table to Excel .* pip install "crmlab\[excel\]"'):
        export_grade_table(table, tmp_path / "grades.xlsx")
    # CSV needs nothing optional
    assert export_grade_table(table, tmp_path / "grades.csv").exists()


def test_command_reports_the_missing_extra_without_traceback(without_openpyxl, tmp_path, capsys):
    assert main(["datasets", "export", "b2b_customers", str(tmp_path / "c.xlsx")]) == 2
    err = capsys.readouterr().err
    assert err == ('crmlab: error: exporting b2b_customers to Excel (.xlsx) needs the optional '
                   'package openpyxl, which is not installed: pip install "crmlab[excel]"\n')


def test_import_error_raised_through_pandas_is_recognised():
    try:
        try:
            raise ModuleNotFoundError("No module named 'openpyxl'", name="openpyxl")
        except ModuleNotFoundError as inner:
            raise ImportError("Missing optional dependency 'openpyxl'.") from inner
    except ImportError as exc:
        assert missing_extra(exc).endswith('pip install "crmlab[excel]"')
    assert missing_extra(ImportError("cannot import name 'x' from 'numpy'")) is None


def test_a_broken_package_is_not_mistaken_for_a_missing_one():
    with pytest.raises(ModuleNotFoundError) as info:
        optional_import("nbformat.no_such_module", purpose="grading")
    assert not isinstance(info.value, MissingExtraError)


def test_assign_without_nbformat_names_the_grader_extra(monkeypatch, tmp_path, capsys):
    monkeypatch.setitem(sys.modules, "nbformat", None)
    source = Path(__file__).resolve().parent.parent / "exercises" / "lab01_segmentation.ipynb"
    assert main(["assign", str(source), "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("crmlab: error: this command needs the optional package nbformat")
    assert err.rstrip().endswith('pip install "crmlab[grader]"')
