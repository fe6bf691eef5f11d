"""crmlab: the helper package of a Jupyter course in customer relationship management analytics.

One module per course topic (see ``crmlab.<topic>``): ``datasets``, ``customers``,
``segmentation``, ``pareto``, ``value``, ``btyd``, ``scorecard``, ``survey``, ``loyalty``,
``quality``, ``sales``, ``basket``, ``service``, ``plots`` and ``grader``. Importing ``crmlab`` is
cheap: topic modules load on first use, so ``import crmlab`` never pulls in scikit-learn, seaborn
or nbclient.

Conventions
-----------
Every module follows these rules (each one is tested in ``tests/test_customers.py``):

1. **Data first, everything else keyword-only**: ``rfm_table(tx, as_of="2026-01-01")``,
   ``top_share(values, top=0.2)``; only the table (or Series) of data is positional.
2. **One customer column name**: ``customer_id``, the default of every ``customer=`` argument and
   the column of every course dataset. Other column names have defaults named like the course
   data (``date``, ``amount``, ``receipt_id``) and are changed with keywords.
3. **One customer summary**: first and last purchase, purchase occasions, net spend and returns
   come from :func:`crmlab.customers.customer_summary` (rules written there once: a purchase is
   an occasion with a positive net amount; returns are netted; money rounded to 6 decimals).
   Its quantities carry the same names everywhere: ``recency`` (days), ``frequency``
   (purchase occasions), ``monetary`` (net spend), ``mean_spend``, ``returns``,
   ``first_purchase``, ``last_purchase``.
4. **Occasions**: the ``occasion`` column (default ``receipt_id``) is optional; a log without it,
   or ``occasion=None``, counts calendar days.
5. **The as-of date** (``as_of=``, keyword-only, parsed by one function,
   :func:`crmlab._checks.parse_as_of`) is *exclusive*: the first day not analysed. Default: the
   day after the last date in the data. Rows on or after it are left out and reported.
6. **No guessing**: a DataFrame where a column choice is needed and not named is an error that
   says which argument to give (``pareto.top_share(transactions)`` asks for ``customer=``).
7. **Nothing dropped silently**: rows left out are reported in ``result.attrs["excluded"]``, an
   :class:`crmlab._checks.ExclusionReport` holding a count and at most three example row labels
   per reason; ``return_report=True`` also returns the full report (every label, via
   ``report.rows()``). Functions that return one number warn instead
   (:class:`crmlab._checks.CrmlabExclusionWarning`: how many rows, and why).
8. **Errors in the user's terms** (:class:`crmlab._checks.CrmlabInputError`): "the transactions
   are missing column 'amount'", "1 row without a customer id".
9. **Readable first**: a fast function's docstring shows the plain pandas it matches; its fast
   internals are private, commented, and tested against that plain version.

Examples
--------
>>> import crmlab
>>> df = crmlab.datasets.load_dataset("retail_members")  # doctest: +SKIP
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

_TOPICS = (
    "datasets", "customers", "segmentation", "pareto", "value", "btyd", "scorecard", "survey", "loyalty",
    "quality", "sales", "basket", "service", "plots", "grader", "cli",
)

#: Language helpers re-exported at the top (tiny module): ``crmlab.set_language("zh")`` in a
#: notebook's first cell, ``crmlab.tr("Customers", "客户")`` for a notebook's own labels.
_LANGUAGE_HELPERS = ("set_language", "tr")

__all__ = ["__version__", *_TOPICS, *_LANGUAGE_HELPERS]


def __getattr__(name: str) -> Any:
    """Import a topic module the first time it is used (keeps ``import crmlab`` light)."""
    if name in _LANGUAGE_HELPERS:
        value = getattr(importlib.import_module("crmlab.i18n"), name)
        globals()[name] = value
        return value
    if name in _TOPICS:
        module = importlib.import_module(f"crmlab.{name}")
        globals()[name] = module
        return module
    raise AttributeError(f"module 'crmlab' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)
