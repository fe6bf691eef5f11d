"""Every chart the course shows, drawn with seaborn/matplotlib, with Chinese labels supported.

Plot functions live in one file per topic (``crmlab/plots/pareto.py``, ``…/survey.py``) and are
all reachable from here: ``crmlab.plots.pareto_chart(...)``. Each takes a result frame from the
matching topic module and an optional matplotlib ``ax``, and returns the Axes.

Chinese text needs a CJK font. :func:`use_cjk_font` finds one among the installed fonts (called
automatically by every plot function); when none is installed it warns once and says how to
install one.

Every title, axis label, legend and annotation the plot functions write comes from the course's
message catalogue (:mod:`crmlab.i18n`, keys ``plot.*``) and follows the language:
``crmlab.set_language("zh")`` (also reachable as ``crmlab.plots.set_language``) draws them in
Chinese, ``"en"`` in English; without a choice, ``CRMLAB_LANG`` or the locale decides.
"""

from __future__ import annotations

import importlib
import warnings
from pathlib import Path
from typing import Any

from crmlab.i18n import set_language, t

__all__ = ["use_cjk_font", "CJK_FONT_CANDIDATES", "new_axes", "set_language"]

#: Font family names tried in order: Linux (Noto, WenQuanYi), Windows, macOS.
CJK_FONT_CANDIDATES = (
    "Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "WenQuanYi Micro Hei",
    "WenQuanYi Zen Hei", "Microsoft YaHei", "SimHei", "PingFang SC", "Heiti SC", "Hiragino Sans GB",
    "Arial Unicode MS", "Droid Sans Fallback",
)

# Where font files live when matplotlib's font cache predates their installation.
_FONT_DIRS = ("/usr/share/fonts", "/usr/local/share/fonts", str(Path.home() / ".fonts"),
              str(Path.home() / ".local/share/fonts"), "/Library/Fonts", "/System/Library/Fonts",
              "C:/Windows/Fonts")
_FONT_FILE_HINTS = ("notosanscjk", "notosanssc", "wqy", "msyh", "simhei", "pingfang",
                    "sourcehansans", "droidsansfallback")


_chosen: str | None = None
_warned = False


def _register_font_files() -> None:
    """Add CJK font files that matplotlib's (possibly older) font cache does not know yet."""
    from matplotlib import font_manager

    known = {Path(f.fname).name for f in font_manager.fontManager.ttflist}
    for folder in _FONT_DIRS:
        root = Path(folder)
        if not root.is_dir():
            continue
        for path in root.rglob("*"):
            name = path.name.lower()
            if (path.suffix.lower() in (".ttf", ".ttc", ".otf")
                    and any(h in name.replace("-", "").replace("_", "") for h in _FONT_FILE_HINTS)
                    and path.name not in known):
                try:
                    font_manager.fontManager.addfont(str(path))
                except Exception:  # noqa: BLE001 - an unreadable font file is simply skipped
                    continue


def use_cjk_font(*, warn: bool = True) -> str | None:
    """Make matplotlib render Chinese text with an installed CJK font; return its family name.

    Call it after ``seaborn.set_theme()`` (which resets the font list).

    Parameters
    ----------
    warn : bool
        Warn (once per session) when no CJK font is installed.

    Returns
    -------
    str or None
        The font family now first in ``font.sans-serif``; None when no CJK font is installed.

    Examples
    --------
    >>> family = use_cjk_font(warn=False)
    >>> family is None or isinstance(family, str)
    True
    """
    global _chosen, _warned
    import matplotlib as mpl
    from matplotlib import font_manager

    available = {f.name for f in font_manager.fontManager.ttflist}
    family = next((name for name in CJK_FONT_CANDIDATES if name in available), None)
    if family is None:
        _register_font_files()
        available = {f.name for f in font_manager.fontManager.ttflist}
        family = next((name for name in CJK_FONT_CANDIDATES if name in available), None)
    if family is None:
        if warn and not _warned:
            warnings.warn(t("plot.no_cjk_font"), UserWarning, stacklevel=2)
            _warned = True
        return None
    sans = [f for f in mpl.rcParams["font.sans-serif"] if f != family]
    mpl.rcParams["font.sans-serif"] = [family, *sans]
    mpl.rcParams["font.family"] = "sans-serif"
    mpl.rcParams["axes.unicode_minus"] = False
    _chosen = family
    return family


def new_axes(ax: Any = None, figsize: tuple[float, float] = (7, 4.5)) -> Any:
    """Return ``ax``, or a new Axes of ``figsize``; makes sure a CJK font is in use.

    Every plot function starts with ``ax = new_axes(ax)``.

    Parameters
    ----------
    ax : matplotlib.axes.Axes, optional
        Axes to draw on; returned as it is.
    figsize : tuple of float
        Width and height in inches of the new figure when ``ax`` is None.

    Returns
    -------
    matplotlib.axes.Axes
        ``ax``, or the Axes of a new figure.

    Examples
    --------
    >>> ax = new_axes(figsize=(4, 3))
    >>> new_axes(ax) is ax
    True
    """
    import matplotlib.pyplot as plt

    if _chosen is None or _chosen not in plt.rcParams["font.sans-serif"][:1]:
        use_cjk_font()
    if ax is None:
        _, ax = plt.subplots(figsize=figsize)
    return ax


def _diagonal(ax: Any, label: str) -> None:
    """Draw the reference line y = x from (0, 0) to (1, 1) once per Axes, labelled ``label``."""
    if not any(line.get_label() == label for line in ax.get_lines()):
        ax.plot([0, 1], [0, 1], color="grey", ls="--", lw=1, label=label)


# Topic files holding plot functions; each lists its public functions in ``__all__``.
_TOPIC_FILES = ("datasets", "segmentation", "pareto", "value", "btyd", "scorecard", "survey",
                "loyalty", "quality", "sales", "basket", "service")


def __getattr__(name: str) -> Any:
    broken: list[str] = []
    for topic in _TOPIC_FILES:
        try:
            module = importlib.import_module(f"crmlab.plots.{topic}")
        except ModuleNotFoundError as exc:
            if exc.name == f"crmlab.plots.{topic}":
                continue
            broken.append(f"crmlab.plots.{topic} ({exc})")
            continue
        except Exception as exc:  # noqa: BLE001 - one broken topic file must not hide the others
            broken.append(f"crmlab.plots.{topic} ({type(exc).__name__}: {exc})")
            continue
        if name in getattr(module, "__all__", ()):
            value = getattr(module, name)
            globals()[name] = value
            return value
    hint = f"; these chart files failed to import: {'; '.join(broken)}" if broken else ""
    raise AttributeError(f"crmlab.plots has no chart called {name!r}{hint}")
