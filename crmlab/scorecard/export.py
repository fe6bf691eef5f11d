"""Export of the customer grade table to Excel (or CSV), marked confidential (机密).

Excel needs the optional ``openpyxl`` package (``pip install "crmlab[excel]"``).
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd

from crmlab._checks import CrmlabInputError, require_columns
from crmlab._extras import optional_import


# --------------------------------------------------------------------------------------------
# export
# --------------------------------------------------------------------------------------------
#: Fill colours of the grades in the Excel export (green, blue, amber, red).
GRADE_COLOURS = {"A": "C6EFCE", "B": "DDEBF7", "C": "FFEB9C", "D": "FFC7CE"}
CONFIDENTIAL = "机密 / Confidential"


def export_grade_table(table: pd.DataFrame, path: str | Path, *, title: str = "客户分级表",
                       grade: str = "grade") -> Path:
    """Write the grade table to ``.xlsx`` or ``.csv``, marked confidential (机密) in the header.

    The regulation (5.3.6) makes the grade list a confidential document, so the first line of
    either file is ``机密 / Confidential — <title>``; the column headers follow on the second
    line (read back with ``pd.read_csv(path, skiprows=1)`` or ``pd.read_excel(path,
    skiprows=1)``).

    Excel: the marking row, a bold header row, panes frozen below the header and right of the
    first column, grade cells coloured (:data:`GRADE_COLOURS`), the marking also in the printed
    page header, and columns sized to their content (needs ``crmlab[excel]``). CSV: UTF-8 with
    BOM so Excel shows Chinese text.

    Parameters
    ----------
    table : pandas.DataFrame
        The grade table, e.g. from :func:`crmlab.scorecard.monthly_grading`.
    path : str or pathlib.Path
        The file to write: ``.xlsx`` or ``.csv``.
    title : str
        The document title in the marking line (and the Excel sheet's name).
    grade : str
        The column of grades (coloured in Excel).

    Returns
    -------
    pathlib.Path
        The file written, ready to send (marked confidential).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> table = pd.DataFrame({"customer_id": ["C1", "C2"], "total": [85.0, 42.0],
    ...                       "grade": ["A", "D"]})
    >>> path = export_grade_table(table, pathlib.Path(tempfile.mkdtemp()) / "grades.csv")
    >>> path.read_text(encoding="utf-8-sig").splitlines()[:2]
    ['机密 / Confidential — 客户分级表', 'customer_id,total,grade']
    """
    path = Path(path)
    require_columns(table, [grade], what="the grade table")
    marking = f"{CONFIDENTIAL} — {title}"
    frame = table.copy()
    for col in frame.columns:
        if isinstance(frame[col].dtype, pd.CategoricalDtype):
            frame[col] = frame[col].astype(object)
        if pd.api.types.is_datetime64_any_dtype(frame[col]):
            frame[col] = frame[col].dt.date
    suffix = path.suffix.lower()
    if suffix == ".csv":
        from crmlab._spreadsheet import safe_frame  # a name starting with "=" stays text

        with path.open("w", encoding="utf-8-sig", newline="") as handle:
            handle.write(marking + "\n")
            safe_frame(frame).to_csv(handle, index=False, lineterminator="\n")
        return path
    if suffix != ".xlsx":
        raise CrmlabInputError(f"export to .xlsx or .csv, not {path.suffix or 'no suffix'!r}")
    optional_import("openpyxl", purpose="writing the grade table to Excel (.xlsx)")
    from openpyxl import Workbook
    from openpyxl.styles import Font, PatternFill
    from openpyxl.utils import get_column_letter

    book = Workbook()
    sheet = book.active
    sheet.title = title[:31]
    sheet.append([marking])
    sheet["A1"].font = Font(bold=True, color="C00000")
    sheet.append([str(c) for c in frame.columns])
    for cell in sheet[2]:
        cell.font = Font(bold=True)
    for values in frame.itertuples(index=False, name=None):
        sheet.append([None if (isinstance(v, float) and math.isnan(v)) else
                      (v.item() if isinstance(v, np.generic) else v) for v in values])
    grade_col = list(frame.columns).index(grade) + 1
    fills = {g: PatternFill("solid", start_color=c, end_color=c) for g, c in GRADE_COLOURS.items()}
    for (cell,) in sheet.iter_rows(min_row=3, min_col=grade_col, max_col=grade_col):
        if cell.value in fills:
            cell.fill = fills[cell.value]
    from crmlab._spreadsheet import text_cells_as_text

    text_cells_as_text(sheet)  # a company name starting with "=" stays text
    sheet.freeze_panes = "B3"
    sheet.oddHeader.center.text = marking
    for i, col in enumerate(frame.columns, start=1):
        width = max([len(str(col))] + [len(str(v)) for v in frame[col].head(200)])
        sheet.column_dimensions[get_column_letter(i)].width = min(max(8, width + 2), 40)
    book.save(path)
    return path
