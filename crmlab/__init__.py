"""crmlab: the helper package of a Jupyter course in customer relationship management analytics.

One module per course topic (see ``crmlab.<topic>``): ``datasets``, ``segmentation``, ``pareto``,
``value``, ``btyd``, ``scorecard``, ``survey``, ``loyalty``, ``quality``, ``sales``, ``basket``,
``service``, ``plots`` and ``grader``. Importing ``crmlab`` is cheap: topic modules load on first
use, so ``import crmlab`` never pulls in scikit-learn, seaborn or nbclient.

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
    "datasets", "segmentation", "pareto", "value", "btyd", "scorecard", "survey", "loyalty",
    "quality", "sales", "basket", "service", "plots", "grader", "cli",
)

__all__ = ["__version__", *_TOPICS]


def __getattr__(name: str) -> Any:
    """Import a topic module the first time it is used (keeps ``import crmlab`` light)."""
    if name in _TOPICS:
        module = importlib.import_module(f"crmlab.{name}")
        globals()[name] = module
        return module
    raise AttributeError(f"module 'crmlab' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)
