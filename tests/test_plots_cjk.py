"""Chinese labels render with a real CJK font, and a missing font is reported once, clearly."""

from __future__ import annotations

import warnings

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402
from matplotlib import font_manager  # noqa: E402
from matplotlib.ft2font import FT2Font  # noqa: E402

import crmlab.plots as plots  # noqa: E402

LABELS = "客户金字塔 二八法则 门店销售额"


@pytest.fixture
def fresh_font_state(monkeypatch):
    monkeypatch.setattr(plots, "_chosen", None)
    monkeypatch.setattr(plots, "_warned", False)
    saved = dict(matplotlib.rcParams)
    yield
    matplotlib.rcParams.update(saved)


def _has_cjk_font() -> bool:
    return plots.use_cjk_font(warn=False) is not None


def test_chinese_text_renders_with_glyphs(fresh_font_state):
    if not _has_cjk_font():
        pytest.skip("no CJK font installed here (CI installs fonts-wqy-microhei)")
    family = plots.use_cjk_font()
    path = font_manager.findfont(font_manager.FontProperties(family=family), fallback_to_default=False)
    font = FT2Font(path)
    # every character of the labels has a real glyph in the chosen font (index 0 = missing box)
    assert all(font.get_char_index(ord(ch)) != 0 for ch in LABELS if not ch.isspace())
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # "Glyph … missing from font" would fail here
        ax = plots.new_axes()
        ax.set_title(LABELS)
        ax.set_xlabel("客户")
        ax.figure.canvas.draw()
    plt.close(ax.figure)
    assert matplotlib.rcParams["font.sans-serif"][0] == family
    assert matplotlib.rcParams["axes.unicode_minus"] is False


def test_cjk_font_survives_seaborn_theme(fresh_font_state):
    if not _has_cjk_font():
        pytest.skip("no CJK font installed here")
    import seaborn as sns

    sns.set_theme()  # resets font.sans-serif
    ax = plots.new_axes()  # must notice and select the CJK font again
    assert matplotlib.rcParams["font.sans-serif"][0] in plots.CJK_FONT_CANDIDATES
    plt.close(ax.figure)


def test_missing_font_warns_once_with_install_hint(fresh_font_state, monkeypatch):
    monkeypatch.setattr(plots, "CJK_FONT_CANDIDATES", ("No Such Font Family",))
    monkeypatch.setattr(plots, "_FONT_DIRS", ())
    with pytest.warns(UserWarning, match="fonts-noto-cjk") as record:
        assert plots.use_cjk_font() is None
        assert plots.use_cjk_font() is None
    assert len(record) == 1


def test_unknown_chart_name_is_an_attribute_error():
    with pytest.raises(AttributeError, match="no chart called 'no_such_chart'"):
        plots.no_such_chart  # noqa: B018


def test_a_broken_chart_file_does_not_hide_the_others(monkeypatch, tmp_path):
    import crmlab.plots.pareto as pareto_plots

    (tmp_path / "broken_for_test.py").write_text("raise RuntimeError('boom')\n")
    monkeypatch.setattr(plots, "__path__", [*plots.__path__, str(tmp_path)])
    monkeypatch.setattr(plots, "_TOPIC_FILES", ("broken_for_test", *plots._TOPIC_FILES))
    monkeypatch.delitem(plots.__dict__, "pareto_chart", raising=False)
    assert plots.pareto_chart is pareto_plots.pareto_chart
    with pytest.raises(AttributeError, match=r"failed to import: crmlab\.plots\.broken_for_test"):
        plots.no_such_chart_either  # noqa: B018
