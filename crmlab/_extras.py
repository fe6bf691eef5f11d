"""Optional dependencies: which extra of crmlab installs each, and errors that say so.

The core install (``pip install crmlab``) leaves out what only some users need:
``crmlab[excel]`` (openpyxl: writing and reading ``.xlsx`` files) and ``crmlab[grader]``
(nbformat: releasing and grading labs). A feature that needs a missing one raises
:class:`MissingExtraError`, whose message names the extra to install.
"""

from __future__ import annotations

import importlib
from types import ModuleType

__all__ = ["EXTRAS", "MissingExtraError", "optional_import", "missing_extra"]

#: Optional package (its import name) → the extra of crmlab that installs it.
EXTRAS = {"openpyxl": "excel", "nbformat": "grader", "docx": "word", "nbclient": "lab"}


class MissingExtraError(ModuleNotFoundError):
    """An optional package is not installed; the message says which crmlab extra installs it."""


def _message(package: str, purpose: str) -> str:
    extra = EXTRAS[package]
    return (f"{purpose} needs the optional package {package}, which is not installed: "
            f"pip install \"crmlab[{extra}]\"")


def optional_import(name: str, *, purpose: str) -> ModuleType:
    """Import the optional module ``name``, or raise an error naming the extra that installs it.

    Parameters
    ----------
    name
        The module, e.g. ``"openpyxl"`` or ``"openpyxl.styles"``; its top-level package must be
        in :data:`EXTRAS`.
    purpose
        What needs it, as the start of a sentence ("writing an Excel file").

    Returns
    -------
    ModuleType
        The imported module.

    Raises
    ------
    MissingExtraError
        When the package is not installed (an import error inside an installed package is
        raised as it is).

    Examples
    --------
    >>> optional_import("nbformat", purpose="grading labs").__name__
    'nbformat'
    """
    package = name.split(".")[0]
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as exc:
        if exc.name != package:
            raise
        raise MissingExtraError(_message(package, purpose), name=package) from None


def missing_extra(exc: BaseException) -> str | None:
    """The message to show for an import error caused by a missing optional package, else None.

    Recognises the package whether it was imported directly (``ModuleNotFoundError``) or through
    pandas (``pd.read_excel``: an ``ImportError`` caused by one).

    Examples
    --------
    >>> missing_extra(ModuleNotFoundError("No module named 'openpyxl'", name="openpyxl"))
    'this command needs the optional package openpyxl, which is not installed: pip install "crmlab[excel]"'
    >>> missing_extra(ModuleNotFoundError("No module named 'numpy'", name="numpy")) is None
    True
    """
    if isinstance(exc, MissingExtraError):
        return str(exc)
    for error in (exc, exc.__cause__, exc.__context__):
        name = getattr(error, "name", None) if isinstance(error, ImportError) else None
        if name in EXTRAS:
            return _message(name, "this command")
    return None
