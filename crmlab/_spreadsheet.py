"""CSV files a person opens in Excel: UTF-8 with BOM, and no cell that runs as a formula.

Excel on Chinese Windows reads a CSV without a byte-order mark as GBK, so Chinese names come out
garbled; a BOM makes it read UTF-8. A text cell starting with ``=``, ``+``, ``-`` or ``@`` (a
student's file name, a respondent's free-text answer) is run as a formula when the file is opened
("CSV injection"); such cells get a leading apostrophe, which Excel shows as text. Numbers are
left alone. Every CSV the course writes for a teacher or an analyst goes through here.

Examples
--------
>>> print(spreadsheet_safe('=HYPERLINK("http://x")'), spreadsheet_safe(-1.5), spreadsheet_safe("wang"))
'=HYPERLINK("http://x") -1.5 wang
>>> csv_text(["name", "score"], [["=1+1", 3]]).encode("utf-8")[:3] == b"\\xef\\xbb\\xbf"
True
"""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

#: First characters that make a spreadsheet treat a text cell as a formula.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(value: Any) -> Any:
    """``value`` with a leading apostrophe when it is text a spreadsheet would run as a formula.

    Parameters
    ----------
    value : Any
        A cell value.

    Returns
    -------
    Any
        The value, unchanged unless it is a string starting with one of :data:`FORMULA_START`.

    Examples
    --------
    >>> spreadsheet_safe("@SUM(A1)"), spreadsheet_safe(7), spreadsheet_safe("王丽")
    ("'@SUM(A1)", 7, '王丽')
    """
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def csv_text(header: list[str], rows: list[list[Any]]) -> str:
    """CSV text for a spreadsheet: a BOM first, CRLF line ends, every cell made safe.

    Parameters
    ----------
    header : list of str
        Column names.
    rows : list of list
        The rows' cells.

    Returns
    -------
    str
        The file's text (write it as UTF-8).

    Examples
    --------
    >>> csv_text(["student"], [["-x"]])
    "\\ufeffstudent\\r\\n'-x\\r\\n"
    """
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([spreadsheet_safe(h) for h in header])
    writer.writerows([[spreadsheet_safe(v) for v in row] for row in rows])
    return buffer.getvalue()


def safe_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` whose text cells (and column names) cannot run as formulas.

    Examples
    --------
    >>> import pandas as pd
    >>> safe_frame(pd.DataFrame({"advice": ["=cmd|' /C calc'!A0", "好"], "n": [-1, 2]}))["advice"].tolist()
    ["'=cmd|' /C calc'!A0", '好']
    """
    out = frame.copy()
    for column in out.columns:
        if out[column].dtype == object or str(out[column].dtype) in ("string", "str"):
            out[column] = out[column].map(spreadsheet_safe)
    out.columns = [spreadsheet_safe(c) if isinstance(c, str) else c for c in out.columns]
    if out.index.dtype == object:
        out.index = out.index.map(spreadsheet_safe)
    return out


def text_cells_as_text(sheet: Any) -> int:
    """Make every cell of an openpyxl sheet that openpyxl took for a formula plain text again.

    openpyxl stores any string starting with ``=`` as a formula, so a respondent's comment
    ``=HYPERLINK(...)`` written with ``DataFrame.to_excel`` would run when the workbook is opened.
    The course never writes formulas into data sheets, so each such cell is turned back into text.

    Parameters
    ----------
    sheet : openpyxl.worksheet.worksheet.Worksheet
        A sheet just written.

    Returns
    -------
    int
        How many cells were turned back into text.

    Examples
    --------
    >>> from openpyxl import Workbook
    >>> sheet = Workbook().active
    >>> sheet.append(["=1+1", "好", 3])
    >>> text_cells_as_text(sheet), sheet["A1"].data_type, sheet["A1"].value
    (1, 's', '=1+1')
    """
    changed = 0
    for row in sheet.iter_rows():
        for cell in row:
            if cell.data_type == "f":
                cell.data_type = "s"
                changed += 1
    return changed


def write_frame_csv(frame: pd.DataFrame, path: str | Path, *, index: bool = False) -> Path:
    """Write ``frame`` as a spreadsheet-safe UTF-8-with-BOM CSV (see :func:`safe_frame`).

    Parameters
    ----------
    frame : DataFrame
        The table.
    path : str or Path
        Where to write.
    index : bool
        Write the index as the first column.

    Returns
    -------
    Path
        ``path``.

    Examples
    --------
    >>> import pandas as pd, tempfile, pathlib
    >>> p = write_frame_csv(pd.DataFrame({"name": ["+86 138"]}), pathlib.Path(tempfile.mkdtemp()) / "x.csv")
    >>> p.read_bytes()
    b"\\xef\\xbb\\xbfname\\r\\n'+86 138\\r\\n"
    """
    path = Path(path)
    safe_frame(frame).to_csv(path, index=index, encoding="utf-8-sig", lineterminator="\r\n")
    return path
