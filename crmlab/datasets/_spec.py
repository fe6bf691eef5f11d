"""Table specifications: the contract between the dataset generators, the loader and SQLite."""

from __future__ import annotations

from dataclasses import dataclass, field

#: Column kinds a table spec may use, and how the loader reads them.
COLUMN_KINDS = ("str", "int", "float", "date", "datetime", "category", "bool")


@dataclass(frozen=True)
class TableSpec:
    """One shipped table.

    Parameters
    ----------
    name
        The name users pass to :func:`crmlab.datasets.load_dataset`, e.g. ``"retail_members"``.
    description
        One sentence: what a row is and what the table is for.
    columns
        Column name → kind (one of :data:`COLUMN_KINDS`), in file order. ``int`` columns with
        missing values load as pandas' nullable ``Int64``.
    primary_key
        Columns that identify a row (used for the SQLite database).
    foreign_keys
        Column → ``"other_table.column"`` (used for the SQLite database).
    static
        True for tables copied from a public source rather than generated (CDNOW): they are not
        rewritten by :func:`crmlab.datasets.regenerate`.
    compressed
        True when the table ships as ``<name>.csv.gz`` (only for the largest tables).
    """

    name: str
    description: str
    columns: dict[str, str]
    primary_key: tuple[str, ...] = ()
    foreign_keys: dict[str, str] = field(default_factory=dict)
    static: bool = False
    compressed: bool = False

    def __post_init__(self) -> None:
        bad = {c: k for c, k in self.columns.items() if k not in COLUMN_KINDS}
        if bad:
            raise ValueError(f"table {self.name}: unknown column kinds {bad}")

    @property
    def file_name(self) -> str:
        return f"{self.name}.csv.gz" if self.compressed else f"{self.name}.csv"
