"""Tests for crmlab.quality: normalisers, duplicate finding, evaluation, golden record, scores."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crmlab import quality as q
from crmlab._checks import CrmlabInputError
from crmlab.datasets import load_dataset, regenerate


# ---------------------------------------------------------------- company names
@pytest.mark.parametrize("raw, expected", [
    ("山西煤業有限公司", "山西煤业"),                 # traditional characters
    ("山西煤业（集团）有限责任公司", "山西煤业"),      # full-width brackets, (集团), 有限责任公司
    ("山西煤业集团有限公司", "山西煤业"),
    ("山西省煤业股份有限公司", "山西煤业"),           # 省 removed with the province
    ("太原市华通物流有限公司", "山西华通物流"),        # a city counts as its province
    ("山西 煤业　有限公司", "山西煤业"),              # ASCII and ideographic spaces
    ("山西煤产品总公司", "山西煤产品"),
    ("ＡＢＣ贸易有限公司", "abc贸易"),                # full-width Latin → ASCII, lower case
    ("有限公司", "有限公司"),                        # nothing but a legal form stays
    ("陕西煤业有限公司", "陕西煤业"),                 # 陕西 is not 山西
    ("西安华通物流公司", "陕西华通物流"),
])
def test_normalize_company_name(raw, expected):
    assert q.normalize_company_name(raw) == expected


def test_parse_company_name_parts():
    assert q.parse_company_name("山西煤業（集团）有限责任公司") == q.CompanyName(
        "山西", "煤业", "集团有限责任公司")
    assert q.parse_company_name("华通物流分公司") == q.CompanyName("", "华通物流", "分公司")
    assert q.normalize_company_name("北京华通物流有限公司", keep_region=False) == "华通物流"


@pytest.mark.parametrize("missing", [None, np.nan, "", "   ", pd.NA])
def test_missing_values_normalise_to_none(missing):
    assert q.normalize_company_name(missing) is None
    assert q.normalize_phone(missing) is None
    assert q.normalize_address(missing) is None


# ---------------------------------------------------------------- phones
@pytest.mark.parametrize("raw, expected", [
    ("0351-1234567", "0351-1234567"),
    ("(0351)1234567", "0351-1234567"),
    ("0351 1234 567", "0351-1234567"),
    ("+86 351 1234567", "0351-1234567"),
    ("86-351-1234567", "0351-1234567"),
    ("0086 351 1234567", "0351-1234567"),
    ("0351-1234567转812", "0351-1234567"),
    ("010-88886666", "010-88886666"),          # two-digit area code (Beijing)
    ("+86 10 8888 6666", "010-88886666"),
    ("02912345678", "029-12345678"),            # Xi'an, 8-digit local number
    ("138 1234 5678", "13812345678"),
    ("+86 138-1234-5678", "13812345678"),
    ("008613812345678", "13812345678"),
    ("8613812345678", "13812345678"),
    ("１３８１２３４５６７８", "13812345678"),      # full-width digits
    ("12345", None),                            # too short
    ("1381234567", None),                       # mobile with 10 digits
    ("+1 212 555 0100", None),                  # not a Chinese number
    ("1234567", None),                          # landline without area code
])
def test_normalize_phone(raw, expected):
    assert q.normalize_phone(raw) == expected


# ---------------------------------------------------------------- addresses
@pytest.mark.parametrize("raw, expected", [
    ("山西省太原市小店区长风街123号", "太原小店区长风街123号"),
    ("山西太原小店区长风街１２３号", "太原小店区长风街123号"),
    ("太原市 小店區 长风街123號", "太原小店区长风街123号"),
    ("中国山西省太原市小店区长风街123号", "太原小店区长风街123号"),
    ("北京市朝阳区建国路1号", "北京朝阳区建国路1号"),
    ("小店区长风街123号", "小店区长风街123号"),
])
def test_normalize_address(raw, expected):
    assert q.normalize_address(raw) == expected


# ---------------------------------------------------------------- credit codes
def _check_char(body: str) -> str:
    """Independent check character: weights 3^i mod 31 listed by hand from GB 32100."""
    chars = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    weights = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]
    total = sum(chars.index(c) * w for c, w in zip(body, weights))
    return chars[(31 - total % 31) % 31]


def test_valid_credit_code_published_examples():
    # published example codes (a Fujian firm, and a Beijing one)
    assert q.valid_credit_code("91350100M000100Y43")
    assert q.valid_credit_code("91110000600037341L")
    assert not q.valid_credit_code("91350100M000100Y44")   # check character changed
    assert not q.valid_credit_code("91350100M000100Y4")    # 17 characters
    assert not q.valid_credit_code("91350100I000100Y43")   # I is not allowed
    assert not q.valid_credit_code(None)
    assert q.valid_credit_code(" 91350100m000100y43 ")     # case and spaces are tolerated


@settings(max_examples=60, deadline=None)
@given(st.text(alphabet="0123456789ABCDEFGHJKLMNPQRTUWXY", min_size=17, max_size=17),
       st.integers(0, 16), st.integers(1, 30))
def test_credit_code_single_typo_always_detected(body, pos, shift):
    chars = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    code = body + _check_char(body)
    assert q.valid_credit_code(code)
    typo = body[:pos] + chars[(chars.index(body[pos]) + shift) % 31] + body[pos + 1:]
    assert not q.valid_credit_code(typo + code[-1])


# ---------------------------------------------------------------- properties of normalisers
@settings(max_examples=80, deadline=None)
@given(st.text(alphabet="山西陕煤业华通物流有限责任公司集团（）() 　省市", min_size=1, max_size=20))
def test_company_normalisation_is_idempotent(name):
    once = q.normalize_company_name(name)
    if once is not None:
        assert q.normalize_company_name(once) in (once, q.normalize_company_name(once))
        assert " " not in once and "（" not in once


@settings(max_examples=80, deadline=None)
@given(st.from_regex(r"1[3-9][0-9]{9}", fullmatch=True),
       st.sampled_from(["{}", "+86 {}", "0086{}", "86-{}", "{0[0]}{0[1]}{0[2]} {0[3]}{0[4]}{0[5]}"
                        "{0[6]} {0[7]}{0[8]}{0[9]}{0[10]}"]))
def test_mobile_formats_round_trip(number, template):
    assert q.normalize_phone(template.format(number)) == number


# ---------------------------------------------------------------- pairs and clusters
SHANXI = pd.DataFrame({
    "record_id": ["a", "b", "c", "d", "e", "f"],
    "company_name": ["山西煤业有限公司", "山西煤矿有限责任公司", "山西煤产品总公司",
                     "陕西煤业有限公司", "山西焦煤集团有限公司", "山西煤業（集团）有限公司"],
    "phone": ["0351-2345678", "+86 351 2345678", "(0351)2345678", "029-88776655",
              "0351-7654321", None],
    "address": ["太原市长风街1号", "山西省太原市长风街1号", "太原长风街1号", "西安市长安路9号",
                "太原市并州路50号", "山西太原长风街１号"],
    "credit_code": [None, None, None, None, None, None],
})


def test_course_example_three_records_one_firm_hard_negatives_apart():
    clusters = q.find_duplicates(SHANXI)
    ids = dict(zip(clusters["record_id"], clusters["cluster_id"]))
    assert ids["a"] == ids["b"] == ids["c"] == ids["f"]   # 山西煤业 / 煤矿 / 煤产品 / 煤業
    assert ids["d"] != ids["a"] and ids["e"] != ids["a"]  # 陕西煤业 and 山西焦煤 are others
    assert clusters.loc[clusters["record_id"] == "a", "cluster_size"].item() == 4


def test_score_is_the_documented_weighted_mean():
    everyone = [lambda r: ["all"] * len(r)]    # 山西/陕西 are in different name blocks
    pairs = q.duplicate_pairs(SHANXI, blocking=everyone).set_index(["left", "right"])
    row = pairs.loc[("a", "d")]
    # hand-worked: name 山西煤业 vs 陕西煤业 → Indel ratio 2·3/8 = 0.75; phones differ (0, weight
    # 0.1); addresses 太原长风街1号 vs 西安长安路9号: house numbers differ → ratio halved
    assert row["sim_company_name"] == pytest.approx(0.75)
    assert row["sim_phone"] == 0
    # addresses normalise to 太原长风街1号 / 西安长安路9号: longest common subsequence 长…号 (2),
    # Indel ratio 2·2/14 = 0.2857, halved because house numbers 1 and 9 differ → 0.142857
    assert row["sim_address"] == pytest.approx(2 * 2 / 14 / 2)
    assert row["score"] == pytest.approx((0.4 * 0.75 + 0.1 * 0 + 0.3 * 2 / 14) / 0.8)
    assert row["score"] == pytest.approx(0.428571, abs=1e-6)
    # a vs b: same phone (1.0), same normalised address (1.0), names 煤业/煤矿 0.75
    ab = pairs.loc[("a", "b")]
    assert ab["score"] == pytest.approx((0.4 * 0.75 + 0.3 + 0.3) / 1.0)
    # a vs f: phone missing on f → only name and address count
    af = pairs.loc[("a", "f")]
    assert np.isnan(af["sim_phone"])
    assert af["score"] == pytest.approx((0.4 * 1 + 0.3 * 1) / 0.7)


def test_credit_codes_decide_and_invalid_codes_are_ignored():
    good1, good2 = "91350100M000100Y43", "91110000600037341L"
    df = pd.DataFrame({"record_id": ["x", "y", "z", "w"],
                       "company_name": ["甲公司", "乙集团", "华通物流有限公司", "华通物流公司"],
                       "phone": [None] * 4, "address": [None] * 4,
                       "credit_code": [good1, good1, good2, "91350100M000100Y44"]})
    pairs = q.duplicate_pairs(df).set_index(["left", "right"])
    assert pairs.loc[("x", "y"), "score"] == 1.0       # same valid code: one firm
    assert bool(pairs.loc[("x", "y"), "id_agree"])
    assert pd.isna(pairs.loc[("z", "w"), "id_agree"])   # w's code is invalid: decides nothing
    assert pairs.loc[("z", "w"), "score"] == pytest.approx(1.0)   # names decide


def test_chaining_guard_refuses_merge_across_conflicting_codes():
    code1, code2 = "91350100M000100Y43", "91110000600037341L"
    df = pd.DataFrame({"record_id": ["a", "b", "c"],
                       "company_name": ["华通物流有限公司", "华通物流公司", "华通物流集团"],
                       "phone": ["0351-2345678", "0351-2345678", "0351-2345678"],
                       "address": [None] * 3, "credit_code": [code1, None, code2]})
    clusters = q.find_duplicates(df)
    ids = clusters.set_index("record_id")["cluster_id"]
    assert ids["a"] != ids["c"]            # b links to both, but a and c are different firms
    assert clusters.attrs["refused_merges"] >= 1
    # without the identifier both would chain into one cluster
    chained = q.find_duplicates(df, id_fields=())
    assert chained["cluster_id"].nunique() == 1


def test_chain_guard_uses_mean_cross_score():
    # b is close to a and to c, but a and c were compared and differ: not one cluster
    df = pd.DataFrame({"record_id": ["a", "b", "c"], "name": ["abcdef", "abcxyz", "uvwxyz"]})
    fields = {"name": "ratio"}
    block = [lambda r: pd.Series(["k"] * len(r), index=r.index)]
    loose = q.find_duplicates(df, fields=fields, blocking=block, id_fields=(), threshold=0.5,
                              chain_threshold=0.0)
    strict = q.find_duplicates(df, fields=fields, blocking=block, id_fields=(), threshold=0.5)
    assert loose["cluster_id"].nunique() == 1
    assert strict["cluster_id"].nunique() == 2


def test_blocking_never_compares_all_pairs():
    df = pd.DataFrame({"record_id": list("abcd"), "company_name": ["甲", "乙", "丙", "丁"],
                       "phone": ["010-88880001", "010-88880001", "010-88880002", None],
                       "address": [None] * 4})
    pairs = q.candidate_pairs(df, blocking=["phone"])
    assert pairs[["i", "j"]].values.tolist() == [[0, 1]]
    assert pairs.attrs["block_stats"] == {"phone": 1}
    capped = q.candidate_pairs(df, blocking=["phone"], max_block_size=1)
    assert len(capped) == 0
    report = capped.attrs["excluded"]
    reason = "records in phone blocks of more than 1 records (not compared on phone)"
    assert report.counts == {reason: 2} and report.examples[reason] == (0, 1)
    assert pairs.attrs["excluded"].counts == {}


def test_find_duplicates_does_not_mutate_input_and_keeps_order():
    before = SHANXI.copy()
    out = q.find_duplicates(SHANXI)
    pd.testing.assert_frame_equal(SHANXI, before)
    assert out["record_id"].tolist() == SHANXI["record_id"].tolist()
    assert out["cluster_id"].iloc[0] == "C000001"


def test_bad_inputs_are_named():
    with pytest.raises(CrmlabInputError, match="missing column 'phone'"):
        q.find_duplicates(SHANXI.drop(columns="phone"))
    with pytest.raises(CrmlabInputError, match="unknown comparator 'soundex'"):
        q.find_duplicates(SHANXI, fields={"company_name": "soundex"})
    with pytest.raises(CrmlabInputError, match="identify each record once"):
        q.find_duplicates(pd.concat([SHANXI, SHANXI.head(1)]))
    with pytest.raises(CrmlabInputError, match="empty"):
        q.find_duplicates(SHANXI.head(0))
    with pytest.raises(CrmlabInputError, match="threshold"):
        q.find_duplicates(SHANXI, threshold=7)
    with pytest.raises(CrmlabInputError, match="blocking is empty"):
        q.find_duplicates(SHANXI, blocking=[])
    with pytest.raises(CrmlabInputError, match="weight"):
        q.find_duplicates(SHANXI, fields={"company_name": ("company_name", -1)})


# ---------------------------------------------------------------- evaluation
def _naive_prf(pred, true):
    n = len(pred)
    pp = {(i, j) for i, j in itertools.combinations(range(n), 2) if pred[i] == pred[j]}
    tp = {(i, j) for i, j in itertools.combinations(range(n), 2) if true[i] == true[j]}
    c = len(pp & tp)
    return c / len(pp), c / len(tp)


def test_evaluate_hand_worked():
    # predicted {1,2,3},{4}; truth {1,2},{3,4}: predicted pairs 12 13 23, true 12 34, correct 12
    r = q.evaluate_duplicates(["x", "x", "x", "y"], ["a", "a", "b", "b"])
    assert r["predicted_pairs"] == 3 and r["true_pairs"] == 2 and r["correct_pairs"] == 1
    assert r["precision"] == pytest.approx(1 / 3)
    assert r["recall"] == pytest.approx(1 / 2)
    assert r["f1"] == pytest.approx(2 * (1 / 3) * (1 / 2) / (1 / 3 + 1 / 2))   # = 0.4


def test_evaluate_matches_by_key_not_position():
    pred = pd.DataFrame({"record_id": ["r1", "r2", "r3"], "cluster_id": ["C1", "C1", "C2"]})
    truth = pd.DataFrame({"record_id": ["r3", "r2", "r1"], "entity_id": ["E2", "E1", "E1"]})
    r = q.evaluate_duplicates(pred, truth)
    assert r["precision"] == 1 and r["recall"] == 1 and r["f1"] == 1


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 4), st.integers(0, 4)), min_size=2, max_size=25))
def test_evaluate_equals_naive_pair_enumeration(labels):
    pred, true = [a for a, _ in labels], [b for _, b in labels]
    r = q.evaluate_duplicates(pred, true)
    if r["predicted_pairs"] and r["true_pairs"]:
        p, rec = _naive_prf(pred, true)
        assert r["precision"] == pytest.approx(p) and r["recall"] == pytest.approx(rec)
        assert 0 <= r["f1"] <= 1


def test_evaluate_bad_inputs():
    pred = pd.DataFrame({"record_id": ["r1", "r2"], "cluster_id": ["C1", "C1"]})
    truth = pd.DataFrame({"record_id": ["r1", "r9"], "entity_id": ["E1", "E1"]})
    with pytest.raises(CrmlabInputError, match="same records"):
        q.evaluate_duplicates(pred, truth)
    with pytest.raises(CrmlabInputError, match="missing column 'entity_id'"):
        q.evaluate_duplicates(pred, truth.rename(columns={"entity_id": "x"}))
    r = q.evaluate_duplicates(["a", "b"], ["x", "y"])        # no pairs anywhere: undefined
    assert np.isnan(r["precision"]) and np.isnan(r["recall"])


# ---------------------------------------------------------------- shipped customer master
@pytest.fixture(scope="module")
def master():
    return load_dataset("customer_master"), load_dataset("customer_master_truth")


def test_customer_master_f1_at_least_095(master):
    records, truth = master
    clusters = q.find_duplicates(records)
    result = q.evaluate_duplicates(clusters, truth)
    assert result["f1"] >= 0.95, result
    assert result["precision"] >= 0.95 and result["recall"] >= 0.95
    # blocking keeps the work small: far fewer than all n(n-1)/2 pairs
    assert clusters.attrs["candidate_pairs"] < 0.01 * len(records) ** 2 / 2


def test_customer_master_has_the_planted_patterns(master):
    records, truth = master
    assert 1_800 <= len(records) <= 2_400
    assert records["record_id"].is_unique and set(truth["record_id"]) == set(records["record_id"])
    names = records["company_name"]
    assert names.str.contains("業|團|責").any()                 # traditional characters
    assert names.str.contains("（|\u3000").any()                # full-width brackets / spaces
    assert records["phone"].str.startswith("+86").any()
    codes = records["credit_code"].dropna()
    assert 0.25 < len(codes) / len(records) < 0.45
    assert (~codes.map(q.valid_credit_code)).sum() >= 5        # mistyped codes planted
    sizes = truth["entity_id"].value_counts()
    assert sizes.max() >= 5 and (sizes == 1).any()
    # hard negatives: distinct firms sharing a normalised core name
    core = records["company_name"].map(lambda n: q.normalize_company_name(n, keep_region=False))
    per_core = pd.DataFrame({"core": core, "entity": records["record_id"].map(
        truth.set_index("record_id")["entity_id"])}).groupby("core")["entity"].nunique()
    assert (per_core > 1).sum() >= 50


def test_customer_master_regenerates_byte_identically(tmp_path):
    from crmlab.datasets import data_dir

    regenerate(tmp_path, topics=["customer_master"])
    for name in ("customer_master.csv", "customer_master_truth.csv"):
        assert (tmp_path / name).read_bytes() == (data_dir() / name).read_bytes()


# ---------------------------------------------------------------- golden record
def test_golden_record_rules_hand_worked():
    recs = pd.DataFrame({
        "record_id": ["a", "b", "c", "d"],
        "name": ["山西煤业", "山西煤矿", "山西煤业", "其他"],
        "phone": ["111", None, "333", "444"],
        "address": ["长风街1号", "长风街1号A座", None, "x"],
        "updated_at": ["2024-01-01", "2025-06-01", "2023-01-01", "2020-01-01"],
    })
    clusters = pd.DataFrame({"record_id": list("abcd"), "cluster_id": ["K", "K", "K", "L"]})
    g = q.golden_record(recs, clusters, {"name": "most_frequent",
                                                    "phone": "most_recent",
                                                    "address": "most_complete"})
    golden_K = g.set_index("cluster_id").loc["K"]
    assert golden_K["name"] == "山西煤业"          # 2 of 3 records say so
    assert golden_K["phone"] == "111"              # b is newest but has no phone → next newest a
    assert golden_K["address"] == "长风街1号"       # a has 3 filled fields, b and c only 2
    assert golden_K["n_records"] == 3 and golden_K["record_ids"] == "a,b,c"
    assert str(golden_K["updated_at"].date()) == "2025-06-01"
    assert g.set_index("cluster_id").loc["L", "phone"] == "444"


def test_golden_record_bad_rule():
    recs = pd.DataFrame({"record_id": ["a"], "x": [1], "updated_at": ["2024-01-01"]})
    with pytest.raises(CrmlabInputError, match="unknown survivorship"):
        q.golden_record(recs, pd.Series(["k"]), {"x": "longest"})
    with pytest.raises(CrmlabInputError, match="not a column"):
        q.golden_record(recs, pd.Series(["k"]), {"y": "most_recent"})


# ---------------------------------------------------------------- quality score
def test_quality_score_hand_worked():
    t = pd.DataFrame({"id": [1, 2, 2, 4], "phone": ["13812345678", "bad", None, " "],
                      "code": ["91350100M000100Y43", "91350100M000100Y44", None, None]})
    s = q.quality_score(t, validators={"phone": "phone", "code": "credit_code"},
                        unique=["id"]).set_index("column")
    assert s.loc["phone", "completeness"] == pytest.approx(2 / 4)     # blank counts as missing
    assert s.loc["phone", "validity"] == pytest.approx(1 / 2)
    assert s.loc["code", "validity"] == pytest.approx(1 / 2)
    assert s.loc["id", "uniqueness"] == pytest.approx(3 / 4)
    assert s.loc["id", "score"] == pytest.approx((1 + 0.75) / 2)
    assert np.isnan(s.loc["phone", "uniqueness"])


def test_quality_score_bad_inputs():
    with pytest.raises(CrmlabInputError, match="unknown validator"):
        q.quality_score(pd.DataFrame({"a": [1]}), validators={"a": "zip"})
    with pytest.raises(CrmlabInputError, match="missing column 'b'"):
        q.quality_score(pd.DataFrame({"a": [1]}), unique=["b"])


def test_docstring_examples_run():
    import doctest
    import importlib
    import pkgutil

    modules = [q] + [importlib.import_module(f"crmlab.quality.{m.name}")
                     for m in pkgutil.iter_modules(q.__path__)]
    results = [doctest.testmod(m, optionflags=doctest.NORMALIZE_WHITESPACE) for m in modules]
    assert sum(r.attempted for r in results) > 15
    assert sum(r.failed for r in results) == 0
