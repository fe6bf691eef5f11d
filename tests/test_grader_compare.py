"""Authoring markers, plain export and the comparison rules (grader and self-check).

Pure-Python tests: no sandbox, no notebook execution.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crmlab._checks import CrmlabInputError
from crmlab.grader.authoring import COMPARE_OPTIONS, parse_lab, parse_marker
from crmlab.grader.compare import check_digest, compare, compare_function, make_digest
from crmlab.grader.plain import UnsupportedAnswer, to_plain

FRAME_OPTS = {**COMPARE_OPTIONS["frame"], "ignore_order": True}
NUM = COMPARE_OPTIONS["number"]


# -- authoring --------------------------------------------------------------------------------

def test_marker_parses_every_documented_option():
    q = parse_marker("# QUESTION q2b points=0.5 answer=a,b compare=frame ignore_order=true "
                     "ignore_index=false check_dtype=yes columns=x|y rtol=1e-3 atol=0")
    assert (q.id, q.points, q.answer) == ("q2b", 0.5, ("a", "b"))
    assert q.options == {"rtol": 1e-3, "atol": 0.0, "ignore_order": True, "ignore_index": False,
                         "check_dtype": True, "columns": ("x", "y")}
    f = parse_marker("# QUESTION q4 points=3 answer=f compare=function returns=number rtol=1e-9")
    assert (f.compare, f.returns, f.value_kind, f.options["rtol"]) == ("function", "number", "number", 1e-9)


@pytest.mark.parametrize("line, message", [
    ("# QUESTION points=1 answer=x compare=number", "question id"),
    ("# QUESTION q1 answer=x compare=number", "missing points="),
    ("# QUESTION q1 points=-1 answer=x compare=number", "positive"),
    ("# QUESTION q1 points=1 answer=1x compare=number", "Python variables"),
    ("# QUESTION q1 points=1 answer=x compare=approx", "unknown comparison 'approx'"),
    ("# QUESTION q1 points=1 answer=x compare=number ignore_order=true", "does not apply to number"),
    ("# QUESTION q1 points=1 answer=x compare=frame ignore_order=maybe", "true or false"),
    ("# QUESTION q1 points=1 answer=f compare=function", "returns="),
    ("# QUESTION q1 points=1 answer=x compare=number rtol", "not key=value"),
])
def test_bad_markers_say_what_is_wrong(line, message):
    with pytest.raises(CrmlabInputError, match=message):
        parse_marker(line, "lab.ipynb, cell 3")


def _nb(*sources):
    return {"cells": [{"cell_type": "code", "source": s, "metadata": {}} for s in sources]}


def test_lab_validation_names_the_cell():
    ok = "# QUESTION q1 points=1 answer=x compare=number\n### BEGIN SOLUTION\nx = 1\n### END SOLUTION"
    assert parse_lab(_nb("import pandas", ok)).total_points == 1.0
    with pytest.raises(CrmlabInputError, match="cell 2: question id 'q1' used twice"):
        parse_lab(_nb(ok, ok))
    with pytest.raises(CrmlabInputError, match="never closed"):
        parse_lab(_nb("# QUESTION q1 points=1 answer=x compare=number\n### BEGIN SOLUTION\nx = 1"))
    with pytest.raises(CrmlabInputError, match="cell 1: a solution region outside a question cell"):
        parse_lab(_nb("### BEGIN SOLUTION\nx = 1\n### END SOLUTION"))
    with pytest.raises(CrmlabInputError, match="has no '# HIDDEN INPUTS q1' cell"):
        parse_lab(_nb("# QUESTION q1 points=1 answer=f compare=function returns=number\ndef f(): return 1"))
    with pytest.raises(CrmlabInputError, match="not a question above"):
        parse_lab(_nb("# HIDDEN INPUTS q9\ncases = []", ok))
    with pytest.raises(CrmlabInputError, match="no '# QUESTION' cell"):
        parse_lab(_nb("x = 1"))


# -- plain export -----------------------------------------------------------------------------

def test_plain_export_of_frames_keeps_values_kinds_and_missing():
    frame = pd.DataFrame({"id": [1, 2], "name": ["a", None], "when": pd.to_datetime(["2024-01-02", None]),
                          "x": [0.5, np.nan], "flag": [True, False], "cat": pd.Categorical(["u", "v"])})
    plain = to_plain(frame)
    assert plain["columns"] == ["id", "name", "when", "x", "flag", "cat"]
    assert plain["kinds"] == ["number", "text", "datetime", "number", "bool", "text"]
    assert plain["data"][0] == [1, 2] and plain["data"][1] == ["a", None]
    assert plain["data"][2] == [{"d": "2024-01-02T00:00:00.000000000"}, None]
    assert plain["data"][3] == [0.5, None] and plain["data"][5] == ["u", "v"]
    assert plain["index"] == {"range": [0, 2, 1], "names": ["None"]}
    assert to_plain(np.float32(0.25)) == {"t": "scalar", "v": 0.25}
    assert to_plain(np.True_) == {"t": "scalar", "v": True}
    assert to_plain(float("inf")) == {"t": "scalar", "v": {"f": "inf"}}


class AlwaysEqual:
    def __eq__(self, other):
        return True

    __hash__ = object.__hash__


class SneakyFloat(float):
    def __eq__(self, other):
        return True

    __hash__ = float.__hash__


class SneakyFrame(pd.DataFrame):
    def equals(self, other):
        return True


@pytest.mark.parametrize("obj", [AlwaysEqual(), SneakyFloat(1.0), SneakyFrame({"a": [1]}), [AlwaysEqual()],
                                 {"k": AlwaysEqual()}, object()])
def test_objects_of_unknown_or_subclassed_types_are_refused(obj):
    with pytest.raises(UnsupportedAnswer, match="cannot be graded"):
        to_plain(obj)


# -- comparison -------------------------------------------------------------------------------

def test_numbers_within_numpy_isclose_always_match_and_far_ones_never():
    # accepted: everything np.isclose accepts; refused: anything beyond 4 times the tolerance
    # (between the two, the self-check's rounding cells decide, and the grader follows them)
    opts = {"rtol": 1e-3, "atol": 1e-6}
    for a, b in [(1.0, 1.0009), (0.0, 5e-7), (100.0, 99.91), (3, 3.0), (1.0, 0.999)]:
        assert np.isclose(b, a, rtol=1e-3, atol=1e-6) and compare("number", opts, to_plain(a), to_plain(b)).ok
    for a, b in [(1.0, 1.0041), (100.0, 99.5), (0.0, 5e-6)]:
        assert not compare("number", opts, to_plain(a), to_plain(b)).ok
    assert compare("number", opts, to_plain(np.nan), to_plain(float("nan"))).ok
    assert compare("number", opts, to_plain(1), to_plain(True)).message == "expected a number, got a True/False value"


def test_text_choice_bool_set_sequence():
    assert compare("text", {"case_insensitive": True}, to_plain("Champions"), to_plain(" champions ")).ok
    assert not compare("text", {"case_insensitive": False}, to_plain("Champions"), to_plain("champions")).ok
    assert compare("choice", {"choices": ("A", "B")}, to_plain("B"), to_plain(" b")).ok
    assert compare("choice", {"choices": ("A", "B")}, to_plain("B"), to_plain("E")).message == \
        "'E' is not one of the choices A, B"
    assert not compare("bool", {}, to_plain(True), to_plain(1)).ok
    assert compare("bool", {}, to_plain(True), to_plain(np.True_)).ok
    v = compare("set", NUM, to_plain({1, 2, 3}), to_plain([3, 1, 1, 4]))
    assert v.problems == ["1 expected item is missing", "1 item that should not be there"]
    assert compare("set", NUM, to_plain({1, 2}), to_plain(np.array([2.0, 1.0]))).ok
    seq = compare("sequence", NUM, to_plain([1, 2, 3, 4]), to_plain((1, 2, 5, 6)))
    assert seq.message == "values differ from position 2 on (2 of 4)"
    assert compare("sequence", NUM, to_plain([1, 2]), to_plain([1, 2, 3])).message == "1 item too many"


def test_frame_messages_in_the_students_terms():
    expected = pd.DataFrame({"customer_id": range(20), "monetary": np.arange(20) * 1.5})
    exp = to_plain(expected)
    assert compare("frame", FRAME_OPTS, exp, to_plain(expected.drop(columns="monetary"))).message == \
        "missing column `monetary`"
    assert compare("frame", FRAME_OPTS, exp, to_plain(pd.concat([expected, expected.head(3)]))).message == \
        "3 rows too many"
    wrong = expected.copy()
    wrong.loc[12:, "monetary"] += 1
    assert compare("frame", {**FRAME_OPTS, "ignore_order": False}, exp, to_plain(wrong)).message == \
        "values differ from row 12 on (8 of 20 rows; column `monetary`)"
    shuffled = expected.sample(frac=1, random_state=1)
    assert compare("frame", FRAME_OPTS, exp, to_plain(shuffled)).ok
    assert not compare("frame", {**FRAME_OPTS, "ignore_order": False}, exp, to_plain(shuffled)).ok
    texty = expected.astype({"monetary": str})
    assert compare("frame", FRAME_OPTS, exp, to_plain(texty)).message == \
        "column `monetary` should hold numbers, it holds text"
    extra = expected.assign(note="x")
    assert compare("frame", FRAME_OPTS, exp, to_plain(extra)).message == "unexpected column `note`"
    assert compare("frame", {**FRAME_OPTS, "columns": ("monetary",)}, exp, to_plain(extra)).ok
    indexed = expected.set_index("customer_id")
    strict = {**FRAME_OPTS, "ignore_order": False, "ignore_index": False}
    e2 = to_plain(indexed)
    assert compare("frame", strict, e2, to_plain(indexed)).ok
    assert compare("frame", strict, e2, to_plain(indexed.set_axis(range(1, 21)))).message == \
        "the row labels (index) differ from row 0 on"


def test_function_scores_the_share_of_hidden_cases():
    expected = [{"value": to_plain(0.5)}, {"value": to_plain(1 / 3)}]
    calls = [{"value": to_plain(0.5)}, {"error": "raised ZeroDivisionError: division by zero"}]
    verdict = compare_function("number", NUM, expected, calls)
    assert verdict.score == 0.5 and "hidden case 2: raised ZeroDivisionError" in verdict.message


# -- the self-check digest agrees with the grader ---------------------------------------------

def test_digest_never_contains_the_answer():
    frame = pd.DataFrame({"segment": ["Champions", "At risk"], "value": [123.456, 7.0]})
    digest = make_digest("frame", FRAME_OPTS, to_plain(frame), "salt")
    text = str(digest)
    assert "Champions" not in text and "123.456" not in text and "At risk" not in text


@settings(max_examples=30, deadline=None)
@given(values=st.lists(st.floats(-1e6, 1e6, allow_nan=False), min_size=1, max_size=12),
       noise=st.floats(-0.3, 0.3), rtol_exp=st.integers(2, 9))
def test_digest_check_agrees_with_the_grader_away_from_the_tolerance_edge(values, noise, rtol_exp):
    rtol = 10.0 ** -rtol_exp
    opts = {**FRAME_OPTS, "rtol": rtol, "atol": 1e-12}
    expected = pd.DataFrame({"x": values})
    digest = make_digest("frame", opts, to_plain(expected), "s")
    close = expected * (1 + noise * rtol)  # well inside the tolerance
    assert compare("frame", opts, to_plain(expected), to_plain(close)).ok
    assert check_digest(digest, to_plain(close), opts, "s").ok
    far = expected.copy()
    far.loc[0, "x"] = values[0] + 100 * rtol * max(abs(values[0]), 1.0) + 1e-6  # well outside
    assert not compare("frame", opts, to_plain(expected), to_plain(far)).ok
    assert not check_digest(digest, to_plain(far), opts, "s").ok


@settings(max_examples=30, deadline=None)
@given(st.lists(st.sampled_from(["VIP", "重要型", "普通型", "a", "b"]), min_size=1, max_size=6), st.booleans())
def test_digest_and_grader_agree_on_sets_and_text(items, drop):
    expected = set(items)
    actual = set(list(expected)[1:]) if drop and len(expected) > 1 else set(expected)
    digest = make_digest("set", NUM, to_plain(expected), "s")
    assert check_digest(digest, to_plain(actual), NUM, "s").ok == compare("set", NUM, to_plain(expected),
                                                                          to_plain(actual)).ok == (actual == expected)


def test_rounding_boundary_is_accepted_by_both():
    # 1.0000005 and 1.0000004 round to different 7-digit strings; both sides must accept them.
    opts = {"rtol": 1e-6, "atol": 0.0}
    digest = make_digest("number", opts, to_plain(1.00000049), "s")
    assert math.isclose(1.00000051, 1.00000049, rel_tol=1e-6)
    assert check_digest(digest, to_plain(1.00000051), opts, "s").ok
    assert compare("number", opts, to_plain(1.00000049), to_plain(1.00000051)).ok


def test_digest_keeps_no_per_cell_trace_of_enumerable_columns():
    """Whole numbers, text and labels could be recovered cell by cell by trying every plausible
    value against a per-cell hash; their digest holds one slow hash of the whole column only."""
    frame = pd.DataFrame({"customer_id": ["C01", "C02", "C03"], "frequency": [3, 7, 12],
                          "monetary": [54.81, 12.0, 7.35]})
    opts = {**FRAME_OPTS, "ignore_order": False}
    digest = make_digest("frame", opts, to_plain(frame), "s")
    by_name = dict(zip(digest["facts"]["columns"], digest["cells"]))
    assert by_name["customer_id"] == "whole" and by_name["frequency"] == "whole"
    assert isinstance(by_name["monetary"], list) and len(by_name["monetary"]) == 3
    assert check_digest(digest, to_plain(frame), opts, "s").ok
    # a float computed with rounding noise still counts as the whole number it is
    noisy = frame.assign(frequency=frame["frequency"] + 1e-9)
    assert check_digest(digest, to_plain(noisy), opts, "s").ok
    wrong_int = frame.assign(frequency=[3, 8, 12])
    message = check_digest(digest, to_plain(wrong_int), opts, "s").message
    assert message.startswith("values differ in column `frequency` (the self-check does not say which rows")
    assert compare("frame", opts, to_plain(frame), to_plain(wrong_int)).message == \
        "values differ from row 1 on (1 of 3 rows; column `frequency`)"  # the grader does say
    wrong_float = frame.assign(monetary=[54.81, 12.5, 7.35])
    assert check_digest(digest, to_plain(wrong_float), opts, "s").message == \
        "values differ from row 1 on (1 of 3 rows; column `monetary`)"


def test_whole_index_and_sets_are_checked_as_a_whole():
    series = pd.Series([1.5, 2.25], index=["C01", "C02"])
    opts = {"rtol": 1e-6, "atol": 1e-9, "ignore_index": False}
    digest = make_digest("series", opts, to_plain(series), "s")
    assert isinstance(digest["index"], str)
    assert check_digest(digest, to_plain(series), opts, "s").ok
    assert check_digest(digest, to_plain(series.set_axis(["C01", "C09"])), opts, "s").message == \
        "the row labels (index) differ"
    digest = make_digest("set", NUM, to_plain({"C01", "C02", "C03"}), "s")
    assert digest["cells"] == ["whole"]
    assert check_digest(digest, to_plain(["C03", "C01", "C02", "C01"]), NUM, "s").ok
    assert not check_digest(digest, to_plain({"C01", "C02"}), NUM, "s").ok


@pytest.mark.parametrize("kind, value, wrong_shape", [
    ("sequence", [5, 4, 4, 3, 1], [5, 4]),
    ("series", pd.Series([1, 2, 3]), pd.Series([1, 2])),
    ("frame", pd.DataFrame({"r": [5, 4], "f": [1, 2]}), pd.DataFrame({"r": [5, 4]})),
    ("set", {"A", "B"}, 7),
])
def test_format_only_checks_the_form_of_collections_and_tables_without_their_values(kind, value, wrong_shape):
    opts = {"rtol": 1e-6, "atol": 1e-9}
    digest = make_digest(kind, opts, to_plain(value), "s", format_only=True)
    assert "cells" not in digest
    if kind == "set":
        other = {"C"}
    elif kind == "frame":
        other = value * 10
    else:
        other = value * 10 if kind == "series" else [v * 10 for v in value]
    verdict = check_digest(digest, to_plain(other), opts, "s")
    assert verdict.ok and "the value itself is not checked here" in verdict.note
    assert not check_digest(digest, to_plain(wrong_shape), opts, "s").ok
