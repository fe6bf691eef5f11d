"""``crmlab scorecard``: run, template, explain, bad input."""

from __future__ import annotations

import pandas as pd
from openpyxl import load_workbook

from crmlab.cli import main
from crmlab.scorecard import Scorecard, default_scorecard
from test_scorecard_grading import _b2b


def _write(folder, data=None):
    for name, table in (data or _b2b()).items():
        table.to_csv(folder / f"{name}.csv", index=False)
    return folder


def test_run_writes_graded_month_with_two_c_rule(tmp_path, capsys):
    data = _write(tmp_path)
    out = tmp_path / "grades.xlsx"
    code = main(["scorecard", "run", "--month-end", "2025-06-30", "--data", str(data),
                 "--out", str(out)])
    assert code == 0
    printed = capsys.readouterr().out
    # hand-worked in test_scorecard_grading: June scores A 1, B 4, C 4, D 1; the four C's were
    # also C in May, so they become D
    assert "graded 10 customers at 2025-06-30: A 1, B 4, D 5" in printed
    assert "4 customers moved from C to D" in printed
    sheet = load_workbook(out).active
    assert sheet["A1"].value.startswith("机密 / Confidential")
    header = [c.value for c in sheet[2]]
    grades = [r[header.index("grade")] for r in sheet.iter_rows(min_row=3, values_only=True)]
    assert sorted(grades) == ["A", "B", "B", "B", "B", "D", "D", "D", "D", "D"]


def test_template_round_trip_and_config(tmp_path, capsys):
    path = tmp_path / "card.yaml"
    assert main(["scorecard", "template", str(path)]) == 0
    assert Scorecard.load(path) == default_scorecard()
    # a teacher lowers the A floor to 70: C1 (70 points) becomes A
    path.write_text(path.read_text(encoding="utf-8").replace("A: 80.0", "A: 70.0"),
                    encoding="utf-8")
    out = tmp_path / "g.csv"
    code = main(["scorecard", "run", "--month-end", "2025-06-30", "--data",
                 str(_write(tmp_path)), "--config", str(path), "--out", str(out),
                 "--history-months", "1"])
    assert code == 0
    table = pd.read_csv(out, skiprows=1, encoding="utf-8-sig").set_index("customer_id")
    assert table.loc["C1", "grade"] == "A"


def test_explain(tmp_path, capsys):
    code = main(["scorecard", "explain", "C2", "--month-end", "2025-06-30", "--data",
                 str(_write(tmp_path))])
    assert code == 0
    assert "Customer C2: grade D, 38 of 100 points" in capsys.readouterr().out


def test_bad_input_exit_codes(tmp_path, capsys):
    data = _b2b()
    data["b2b_customers"].loc[0, "brand_standing"] = "famous"
    code = main(["scorecard", "run", "--month-end", "2025-06-30", "--data",
                 str(_write(tmp_path, data))])
    assert code == 1
    assert "unknown labels 'famous'" in capsys.readouterr().err
    assert main(["scorecard", "run", "--month-end", "2025-06-30", "--data",
                 str(tmp_path / "nowhere")]) == 2


def test_collections_by_invoice_date_and_by_due_date(tmp_path, capsys):
    """Hand-worked: at 2025-12-31, A owes 80,000 invoiced 2025-09-30 (due 10-31) and 30,000
    invoiced 11-20 (due 12-20); B owes 5,000 invoiced 08-01 (due 08-15); C's 9,000 is due 2026-01-31.
    By invoice date (账龄): A's open total 110,000 is large; 80,000 is 3 months old → key, 30,000 is
    1 month old → on-site; B's 5,000 is 4 months old → letter. By due date: A's 30,000 is 0 months
    overdue → on-site too; the 80,000 is 2 months overdue → key. C's invoice is in no cell."""
    invoices = pd.DataFrame({
        "invoice_id": ["I1", "I2", "I3", "I4"], "customer_id": ["A", "A", "B", "C"],
        "amount": [80_000.0, 30_000.0, 5_000.0, 9_000.0],
        "invoice_date": ["2025-09-30", "2025-11-20", "2025-08-01", "2025-12-31"],
        "due_date": ["2025-10-31", "2025-12-20", "2025-08-15", "2026-01-31"],
        "paid_date": [None, None, None, None]})
    invoices.to_csv(tmp_path / "b2b_invoices.csv", index=False)
    for basis in ("invoice", "due"):
        out = tmp_path / f"ageing_{basis}.csv"
        assert main(["scorecard", "collections", "--month-end", "2025-12-31", "--data", str(tmp_path),
                     "--age-basis", basis, "--out", str(out)]) == 0
        printed = capsys.readouterr().out
        assert "not yet due (in no cell): 1 receivables of 1 customers, 9,000.00" in printed
        table = pd.read_csv(out, skiprows=1, encoding="utf-8-sig").set_index("invoice_id")
        assert table["action"].to_dict() == {"I1": "key", "I2": "on_site", "I3": "letter", "I4": "not_due"}
    assert main(["scorecard", "collections", "--month-end", "2025-12-31", "--data", str(tmp_path / "none")]) == 2
    capsys.readouterr()
    invoices.loc[2, "due_date"] = "2025-13-40"  # a typo in the export: refused with its row, not a traceback
    invoices.to_csv(tmp_path / "b2b_invoices.csv", index=False)
    assert main(["scorecard", "collections", "--month-end", "2025-12-31", "--data", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert "column 'due_date'" in err and "'2025-13-40'" in err and "rows 2" in err
