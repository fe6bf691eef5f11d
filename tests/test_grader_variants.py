"""Hidden data variants: the grader runs the source and every submission on course tables
regenerated from the instructor's secret, so answers copied from the public data earn nothing.

Fixtures: ``tests/grader_cases/lab_data_mini.ipynb`` (4 questions on ``b2b_customers``, 5 points;
q3 is a choice marked ``data=fixed``) and ``tests/grader_cases/variants/``: a submission that
computes its answers and one that hard-codes the public data's answers.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pandas as pd
import pytest

from crmlab.grader.sandbox import Limits, bwrap_path

CASES = Path(__file__).parent / "grader_cases"
SOURCE = CASES / "lab_data_mini.ipynb"
SECRET = "spring-2026-secret"
LIMITS = Limits(cell_timeout=30, notebook_timeout=60, memory_mb=1024)


@pytest.fixture(scope="module")
def variant(tmp_path_factory):
    from crmlab.grader.variants import make_variant

    return make_variant(SECRET, tmp_path_factory.mktemp("variants"), ["b2b"])


def test_a_variant_has_the_same_tables_and_columns_but_other_numbers(variant):
    from crmlab.datasets import load_dataset, shipped_data_dir
    from crmlab.datasets._io import read_table
    from crmlab.datasets import table_spec

    spec = table_spec("b2b_customers")
    public, hidden = load_dataset("b2b_customers"), read_table(variant / spec.file_name, spec)
    assert list(hidden.columns) == list(public.columns) and dict(hidden.dtypes) == dict(public.dtypes)
    assert len(hidden) == len(public) and hidden["customer_id"].is_unique
    assert not hidden["outlook_points"].equals(public["outlook_points"])
    assert set(hidden["region"].cat.categories) == set(public["region"].cat.categories)
    # tables of other topics, and files that are not generated, are the shipped ones
    for name in ("retail_members.csv", "survey_codebook.yaml", "cdnow_summary.csv"):
        assert (variant / name).read_bytes() == (shipped_data_dir() / name).read_bytes()


def test_the_same_secret_reuses_its_variant_and_short_secrets_are_refused(variant):
    from crmlab._checks import CrmlabInputError
    from crmlab.grader.variants import make_variant

    stamp = (variant / "b2b_customers.csv").stat().st_mtime_ns
    assert make_variant(SECRET, variant.parent, ["b2b"]) == variant
    assert (variant / "b2b_customers.csv").stat().st_mtime_ns == stamp
    with pytest.raises(CrmlabInputError, match="at least 8 characters"):
        make_variant("1234", variant.parent)


def test_load_dataset_reads_the_variant_named_in_the_job_environment(variant, monkeypatch):
    from crmlab.datasets import VARIANT_VARIABLE, data_dir, load_dataset, shipped_data_dir

    public = load_dataset("b2b_customers")
    monkeypatch.setenv(VARIANT_VARIABLE, str(variant))
    assert data_dir() == variant and shipped_data_dir() != variant
    hidden = load_dataset("b2b_customers")
    assert hidden["outlook_points"].mean() != public["outlook_points"].mean()
    assert pd.read_csv(variant / "b2b_customers.csv")["outlook_points"].mean() == hidden["outlook_points"].mean()


def test_data_fixed_answers_must_not_change_and_varying_ones_should():
    from crmlab._checks import CrmlabInputError
    from crmlab.grader.authoring import parse_lab
    from crmlab.grader.grade import variant_notices
    from crmlab.grader.plain import to_plain

    lab = parse_lab({"cells": [
        {"cell_type": "code", "metadata": {}, "source": "# QUESTION q1 points=1 answer=n compare=number\nn = 1"},
        {"cell_type": "code", "metadata": {}, "source": "# QUESTION q2 points=1 answer=c compare=choice data=fixed\nc = 'A'"},
    ]})

    def answers(n, c):
        return {"answers": {"q1": {"n": {"value": to_plain(n)}}, "q2": {"c": {"value": to_plain(c)}}}}

    assert variant_notices(lab, answers(1, "A"), answers(2, "A")) == []
    assert variant_notices(lab, answers(1, "A"), answers(1, "A"))[0].startswith(
        "q1: the source's answer is the same on the public data and on the hidden variant")
    with pytest.raises(CrmlabInputError, match="q2 is marked data=fixed, but the source's answer changes"):
        variant_notices(lab, answers(1, "A"), answers(2, "B"))


UNDER_CI = os.environ.get("CI", "").lower() not in ("", "0", "false", "no")


@pytest.mark.skipif(bwrap_path() is None and not UNDER_CI, reason="grading needs bubblewrap")
def test_hard_coded_public_answers_score_zero_on_the_variant(tmp_path):
    from crmlab.cli import main
    from crmlab.grader.grade import grade

    if bwrap_path() is None:
        pytest.fail("bubblewrap is missing and CI is set: install it (apt-get install bubblewrap)")

    subs = tmp_path / "subs"
    shutil.copytree(CASES / "variants", subs)
    plain = {r["student"]: r for r in grade(SOURCE, subs, tmp_path / "public", jobs=1, limits=LIMITS, progress=False)}
    # on the public data, copying its answers works: that is the attack
    assert plain["hardcodes_public_answers"]["total"] == plain["computes"]["total"] == 5.0
    out = tmp_path / "hidden"
    (out / ".private").mkdir(parents=True)
    (out / ".private" / "variant-seed").write_text(SECRET + "\n")  # kept beside the gradebook
    assert main(["grade", str(SOURCE), str(subs), "--out", str(out), "--quiet", "--jobs", "1"]) == 0
    rows = {r["student"]: r for r in grade(SOURCE, subs, out, jobs=1, limits=LIMITS, progress=False)}
    assert rows["computes"]["total"] == 5.0
    hard = rows["hardcodes_public_answers"]
    assert (hard["q1"], hard["q2"], hard["q3"], hard["q4"]) == (0.0, 0.0, 1.0, 0.0)  # only data=fixed q3 stands
    meta = json.loads((out / "gradebook.meta.json").read_text())
    assert meta["variant"] is True and meta["variant_notices"] == []
    assert SECRET not in json.dumps(meta) and not list((out / ".private" / "variants").glob(f"*{SECRET}*"))
