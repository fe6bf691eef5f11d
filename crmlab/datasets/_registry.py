"""Which generator module produces which tables.

Each generator module ``crmlab.datasets._gen_<topic>`` defines

* ``TABLES``: a list of :class:`~crmlab.datasets._spec.TableSpec`, and
* ``generate(seed: int, scale: float = 1.0) -> Iterator[tuple[str, pandas.DataFrame]]``: yields
  ``(table name, chunk)`` pairs; a table may come in several chunks (in order), so that a large
  ``scale`` never holds a whole table in memory twice. ``scale=1`` is the shipped size.

Static tables (copied from a public source, e.g. CDNOW) have ``static=True`` and are produced by
their module's ``generate`` from the original files only when those are available.
"""

from __future__ import annotations

import importlib
from functools import cache
from types import ModuleType

from crmlab.datasets._spec import TableSpec

#: Generator modules in the order their tables are listed; each has a fixed seed below.
GENERATORS: dict[str, int] = {
    "retail": 20240101,
    "b2b": 20240102,
    "survey": 20240103,
    "customer_master": 20240104,
    "sales": 20240105,
    "service": 20240106,
    "cdnow": 0,
}


def generator_module(topic: str) -> ModuleType:
    """Import ``crmlab.datasets._gen_<topic>``."""
    return importlib.import_module(f"crmlab.datasets._gen_{topic}")


@cache
def table_specs() -> dict[str, tuple[str, TableSpec]]:
    """Table name → (generator topic, spec), for every generator module that exists."""
    specs: dict[str, tuple[str, TableSpec]] = {}
    for topic in GENERATORS:
        try:
            module = generator_module(topic)
        except ModuleNotFoundError as exc:  # pragma: no cover - only while a topic is missing
            if exc.name != f"crmlab.datasets._gen_{topic}":
                raise
            continue
        for spec in module.TABLES:
            specs[spec.name] = (topic, spec)
    return specs
