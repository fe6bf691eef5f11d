"""Customer information quality: normalise records, find duplicates, merge golden records.

The course's argument (chapter 7): a CRM is only as good as its customer list. When one coal
firm is keyed as 山西煤业, 山西煤矿 and 山西煤产品总公司, it counts as three customers, its sales
are split three ways and nobody sees its full value. This module makes "complete, accurate,
timely" measurable and repairable:

* :func:`normalize_company_name`, :func:`parse_company_name`, :func:`normalize_phone`,
  :func:`normalize_address`, :func:`valid_credit_code` — pure functions for one value;
* :func:`candidate_pairs`, :func:`duplicate_pairs`, :func:`find_duplicates` — blocking, a
  transparent weighted similarity score and clustering with a guard against chaining;
* :func:`evaluate_duplicates` — pairwise precision, recall and F1 against a ground truth;
* :func:`golden_record` — one surviving record per cluster by documented survivorship rules;
* :func:`quality_score` — completeness, validity and uniqueness per column;
* :func:`first_time_buyers` — customers whose first purchase falls in a period.

Why rapidfuzz: it implements the Indel ratio, Levenshtein and Jaro–Winkler similarities in C
(about a microsecond per short pair), scores whole arrays of pairs in one call
(``process.cpdist``), and is maintained and MIT-licensed; hand-written Python edit distances
would be one to two orders of magnitude slower. What keeps large tables feasible is blocking:
100,000 records compare about half a million candidate pairs instead of five billion.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, NamedTuple

import numpy as np
import pandas as pd

from crmlab._checks import (
    CrmlabInputError,
    checked_transactions,
    require_columns,
    require_not_empty,
    to_datetime,
    to_numeric,
)

__all__ = [
    "LEGAL_SUFFIXES", "PROVINCES", "CITIES", "CompanyName", "parse_company_name",
    "normalize_company_name", "normalize_phone", "normalize_address", "valid_credit_code",
    "to_simplified", "normalize_records", "COMPANY_FIELDS", "COMPANY_BLOCKING", "candidate_pairs",
    "duplicate_pairs", "find_duplicates", "evaluate_duplicates", "golden_record",
    "quality_score", "first_time_buyers",
]

# --------------------------------------------------------------------------------------------
# Normalising one value
# --------------------------------------------------------------------------------------------

#: Legal-form endings removed from company names, longest first; removal repeats from the end
#: (山西煤业集团有限公司 → 山西煤业集团 → 山西煤业).
LEGAL_SUFFIXES: tuple[str, ...] = (
    "集团股份有限公司", "股份有限公司", "有限责任公司", "集团有限公司", "有限公司", "集团公司",
    "集团", "总公司", "分公司", "公司", "总厂", "厂",
)

#: Province-level regions: short name → accepted spellings at the start of a name or address.
PROVINCES: dict[str, tuple[str, ...]] = {
    short: (short + suffix, short) for short, suffix in [
        ("北京", "市"), ("天津", "市"), ("上海", "市"), ("重庆", "市"), ("河北", "省"),
        ("山西", "省"), ("辽宁", "省"), ("吉林", "省"), ("黑龙江", "省"), ("江苏", "省"),
        ("浙江", "省"), ("安徽", "省"), ("福建", "省"), ("江西", "省"), ("山东", "省"),
        ("河南", "省"), ("湖北", "省"), ("湖南", "省"), ("广东", "省"), ("海南", "省"),
        ("四川", "省"), ("贵州", "省"), ("云南", "省"), ("陕西", "省"), ("甘肃", "省"),
        ("青海", "省"), ("台湾", "省"),
    ]
} | {"内蒙古": ("内蒙古自治区", "内蒙古"), "广西": ("广西壮族自治区", "广西"),
     "西藏": ("西藏自治区", "西藏"), "宁夏": ("宁夏回族自治区", "宁夏"),
     "新疆": ("新疆维吾尔自治区", "新疆"), "香港": ("香港特别行政区", "香港"),
     "澳门": ("澳门特别行政区", "澳门")}

#: Major prefecture-level cities → their province (a city prefix counts as that region).
CITIES: dict[str, str] = {
    "太原": "山西", "大同": "山西", "阳泉": "山西", "长治": "山西", "晋城": "山西", "临汾": "山西",
    "西安": "陕西", "宝鸡": "陕西", "咸阳": "陕西", "延安": "陕西", "榆林": "陕西",
    "济南": "山东", "青岛": "山东", "烟台": "山东", "潍坊": "山东", "石家庄": "河北",
    "唐山": "河北", "保定": "河北", "郑州": "河南", "洛阳": "河南", "南京": "江苏", "苏州": "江苏",
    "无锡": "江苏", "常州": "江苏", "杭州": "浙江", "宁波": "浙江", "温州": "浙江", "广州": "广东",
    "深圳": "广东", "东莞": "广东", "佛山": "广东", "武汉": "湖北", "成都": "四川", "沈阳": "辽宁",
    "大连": "辽宁", "厦门": "福建", "福州": "福建", "长沙": "湖南", "合肥": "安徽", "南昌": "江西",
    "昆明": "云南", "贵阳": "贵州", "兰州": "甘肃", "哈尔滨": "黑龙江", "长春": "吉林",
    "呼和浩特": "内蒙古", "南宁": "广西", "海口": "海南", "乌鲁木齐": "新疆", "银川": "宁夏",
    "西宁": "青海", "拉萨": "西藏", "北京": "北京", "上海": "上海", "天津": "天津", "重庆": "重庆",
}

# Traditional → simplified for characters that occur in company names and addresses (opencc is
# not a dependency; this table covers the common ones and is easy to extend).
_TRADITIONAL = (
    "業业華华東东貿贸實实發发電电機机濟济國国際际產产礦矿鐵铁鋼钢運运輸输務务興兴開开陽阳龍龙區区"
    "門门廣广貨货號号樓楼場场銷销團团責责總总廠厂陝陕遼辽寧宁慶庆蘇苏衛卫農农醫医藥药設设計计築筑"
    "裝装飾饰術术訊讯網网絡络軟软體体數数據据聯联環环節节錦锦紡纺織织製制車车財财經经營营銀银險险"
    "證证達达眾众衆众豐丰廈厦長长時时煉炼動动點点線线單单來来倉仓儲储燈灯億亿萬万與与觀观鄭郑陸陆"
    "滬沪灣湾員员爾尔為为齊齐濱滨漢汉紅红綠绿藍蓝質质糧粮飯饭館馆鮮鲜園园匯汇歐欧黃黄鳳凤嶺岭蘭兰"
    "備备學学鴻鸿遠远誠诚順顺關关澤泽雲云邊边層层險险鑑鉴壽寿會会漁渔礎础紀纪豪豪橋桥縣县鎮镇莊庄"
    "灃沣榮荣勝胜輝辉傑杰順顺韓韩馬马劉刘張张陳陈楊杨趙赵吳吴孫孙鄧邓蕭萧譚谭餘余羅罗鄒邹葉叶魯鲁"
    "鍋锅閩闽贛赣湘湘嶽岳滙汇傳传廳厅麗丽亞亚夠够權权樂乐藝艺車车輪轮鏈链"
)
_T2S = str.maketrans({_TRADITIONAL[i]: _TRADITIONAL[i + 1] for i in range(0, len(_TRADITIONAL), 2)})
_PUNCT = re.compile(r"[\s\W_]+", flags=re.UNICODE)


def to_simplified(text: str) -> str:
    """Traditional → simplified Chinese for the characters common in names and addresses.

    Examples
    --------
    >>> to_simplified("山西煤業有限責任公司")
    '山西煤业有限责任公司'
    """
    return text.translate(_T2S)


def _clean_text(text: Any) -> str | None:
    """NFKC (full-width → half-width), simplified characters, no spaces or punctuation."""
    if text is None or (isinstance(text, float) and np.isnan(text)) or text is pd.NA:
        return None
    out = _PUNCT.sub("", to_simplified(unicodedata.normalize("NFKC", str(text))))
    return out.lower() or None


class CompanyName(NamedTuple):
    """A company name split into its parts (see :func:`parse_company_name`)."""

    region: str       #: province short name ('' when the name has no region prefix)
    core: str         #: the distinctive part: trade name and industry (华通物流)
    legal_form: str   #: the removed legal-form endings, outermost last ('' when none)


_PROVINCE_SPELLING = {s: short for short, spellings in PROVINCES.items() for s in spellings}
_CITY_SPELLING = {s: city for city in CITIES for s in (city + "市", city)}
_PROVINCE_RE = re.compile("|".join(sorted(map(re.escape, _PROVINCE_SPELLING), key=len, reverse=True)))
_CITY_RE = re.compile("|".join(sorted(map(re.escape, _CITY_SPELLING), key=len, reverse=True)))


def _region_prefix(text: str) -> tuple[str, str, str]:
    """Split a leading province and/or city: (province short name, city short name, rest).

    A prefix is only removed when something is left after it; a city of another province than
    the one just named is not a prefix (山西 + 西安… is not read as a city).
    """
    province, city = "", ""
    hit = _PROVINCE_RE.match(text)
    if hit and hit.end() < len(text):
        province, text = _PROVINCE_SPELLING[hit.group()], text[hit.end():]
    hit = _CITY_RE.match(text)
    if hit and hit.end() < len(text):
        name = _CITY_SPELLING[hit.group()]
        if not province or CITIES[name] == province:
            city, province, text = name, CITIES[name], text[hit.end():]
    if not city and province and CITIES.get(province) == province:
        city = province  # a municipality (北京, 上海) is its own city
    return province, city, text


def _strip_region(text: str) -> tuple[str, str]:
    """Remove a province and/or city prefix; return (province short name, rest)."""
    province, _, rest = _region_prefix(text)
    return province, rest


def parse_company_name(name: Any) -> CompanyName | None:
    """Split a company name into region, core name and legal form.

    Steps: NFKC (full-width → half-width), traditional → simplified, spaces and punctuation
    removed; legal-form endings (:data:`LEGAL_SUFFIXES`) removed repeatedly from the end, longest
    first; a leading province (山西省, 山西) or major city (太原市 → 山西) becomes ``region``.
    A name that is nothing but a legal form keeps it as its core. Missing or blank → ``None``.

    Examples
    --------
    >>> parse_company_name("山西煤業（集团）有限责任公司")
    CompanyName(region='山西', core='煤业', legal_form='集团有限责任公司')
    >>> parse_company_name("太原市 华通物流有限公司").core
    '华通物流'
    """
    text = _clean_text(name)
    if text is None:
        return None
    if text in LEGAL_SUFFIXES:  # nothing but a legal form: keep it as the core
        return CompanyName("", text, "")
    removed: list[str] = []
    stripped = True
    while stripped:
        stripped = False
        for suffix in LEGAL_SUFFIXES:
            if text.endswith(suffix) and len(text) > len(suffix):
                text = text[: -len(suffix)]
                removed.insert(0, suffix)
                stripped = True
                break
    region, core = _strip_region(text)
    return CompanyName(region, core, "".join(removed))


def normalize_company_name(name: Any, *, keep_region: bool = True) -> str | None:
    """A company name reduced to region + core, for comparing and grouping names.

    山西煤業有限公司 and 山西煤业（集团）有限责任公司 both become ``'山西煤业'``; with
    ``keep_region=False`` only the core (``'煤业'``) remains. Missing or blank → ``None``.

    Examples
    --------
    >>> normalize_company_name("ＡＢＣ　贸易有限公司")
    'abc贸易'
    >>> normalize_company_name("陕西省华通物流股份有限公司", keep_region=False)
    '华通物流'
    """
    parsed = parse_company_name(name)
    if parsed is None:
        return None
    return (parsed.region + parsed.core) if keep_region else parsed.core


def normalize_phone(phone: Any) -> str | None:
    """A Chinese phone number in one canonical form, or ``None`` when it cannot be one.

    Mobile numbers become 11 digits (``13812345678``); landlines ``0AAA-NNNNNNN`` with the area
    code (2-digit codes 010 and 02x, otherwise 3 digits after the 0). Country codes (+86, 0086,
    86), spaces, dashes, brackets and extensions (转 123, ext 123, x123) are removed. Numbers with
    an impossible length, and landlines without an area code, return ``None``.

    Examples
    --------
    >>> normalize_phone("+86 351 123 4567"), normalize_phone("(0351)1234567转12")
    ('0351-1234567', '0351-1234567')
    >>> normalize_phone("0086-138-1234-5678"), normalize_phone("12345")
    ('13812345678', None)
    """
    if phone is None or (isinstance(phone, float) and np.isnan(phone)) or phone is pd.NA:
        return None
    text = unicodedata.normalize("NFKC", str(phone)).strip().lower()
    text = re.split(r"转|ext\.?|x|#", text)[0]
    international = text.startswith("+")
    digits = re.sub(r"\D", "", text)
    if digits.startswith("0086"):
        digits, international = digits[4:], True
    elif digits.startswith("86") and (international or len(digits) >= 11):
        digits, international = digits[2:], True
    elif international:
        return None  # another country
    mobile = re.fullmatch(r"1[3-9]\d{9}", digits) is not None
    if international and not mobile:
        digits = "0" + digits.lstrip("0")
    if mobile:
        return digits
    if digits.startswith("1"):
        return None
    if not digits.startswith("0") or not 10 <= len(digits) <= 12:
        return None
    area = 3 if digits[1] in "12" else 4
    local = digits[area:]
    if not 7 <= len(local) <= 8:
        return None
    return f"{digits[:area]}-{local}"


def normalize_address(address: Any) -> str | None:
    """An address reduced to a comparable form: no country or province, city by its short name.

    NFKC (full-width digits → ASCII), traditional → simplified, spaces and punctuation removed,
    a leading 中国 and province (山西省 / 山西) removed, the city written without 市.
    Missing or blank → ``None``.

    Examples
    --------
    >>> normalize_address("山西省太原市小店区长风街１２３号")
    '太原小店区长风街123号'
    >>> normalize_address("太原 小店區 长风街123號")
    '太原小店区长风街123号'
    """
    text = _clean_text(address)
    if text is None:
        return None
    if text.startswith("中国"):
        text = text[2:]
    _, city, rest = _region_prefix(text)
    return city + rest


def valid_credit_code(code: Any) -> bool:
    """Whether ``code`` is a well-formed unified social credit code (统一社会信用代码).

    18 characters from ``0-9`` and ``ABCDEFGHJKLMNPQRTUWXY`` (no I, O, S, V, Z), the last one a
    check character computed by GB 32100-2015: weights ``3^i mod 31``, check = ``31 − (Σ mod 31)``
    (31 → 0). One mistyped character always breaks the check.

    Examples
    --------
    >>> valid_credit_code("91350100M000100Y43"), valid_credit_code("91350100M000100Y44")
    (True, False)
    """
    if not isinstance(code, str):
        return False
    code = unicodedata.normalize("NFKC", code).strip().upper()
    if len(code) != 18 or any(c not in _USCC_VALUE for c in code):
        return False
    total = sum(_USCC_VALUE[c] * w for c, w in zip(code[:17], _USCC_WEIGHTS))
    return _USCC_CHARS[(31 - total % 31) % 31] == code[17]


_USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_VALUE = {c: i for i, c in enumerate(_USCC_CHARS)}
_USCC_WEIGHTS = [pow(3, i, 31) for i in range(17)]


def _clean_generic(value: Any) -> str | None:
    if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)):
        return None
    text = " ".join(unicodedata.normalize("NFKC", str(value)).lower().split())
    return text or None


def _clean_code(value: Any) -> str | None:
    text = _clean_generic(value)
    return text.upper().replace(" ", "") if text else None


# --------------------------------------------------------------------------------------------
# Comparators: how one field of two records is compared (similarity in [0, 1])
# --------------------------------------------------------------------------------------------

def _cpdist(a: Sequence[str], b: Sequence[str], scorer: Callable) -> np.ndarray:
    from rapidfuzz import process

    if not len(a):
        return np.zeros(0)
    return np.asarray(process.cpdist(a, b, scorer=scorer, workers=1), dtype=float)


def _ratio(a, b):
    from rapidfuzz import fuzz

    return _cpdist(a, b, fuzz.ratio) / 100.0


def _jaro_winkler(a, b):
    from rapidfuzz.distance import JaroWinkler

    return _cpdist(a, b, JaroWinkler.normalized_similarity)


def _levenshtein(a, b):
    from rapidfuzz.distance import Levenshtein

    return _cpdist(a, b, Levenshtein.normalized_similarity)


def _exact(a, b):
    return np.fromiter((x == y for x, y in zip(a, b)), dtype=float, count=len(a))


def _company_similarity(a, b):
    """Indel ratio of region + core; when either name lacks a region, of the cores only."""
    a_reg, a_core = zip(*a) if len(a) else ((), ())
    b_reg, b_core = zip(*b) if len(b) else ((), ())
    both = np.fromiter((bool(x and y) for x, y in zip(a_reg, b_reg)), dtype=bool, count=len(a))
    full_a = [r + c if k else c for r, c, k in zip(a_reg, a_core, both)]
    full_b = [r + c if k else c for r, c, k in zip(b_reg, b_core, both)]
    return _ratio(full_a, full_b)


def _phone_similarity(a, b):
    """1 for the same number; 0.9 when only the area code is missing on one side; else 0."""
    out = np.zeros(len(a))
    for k, (x, y) in enumerate(zip(a, b)):
        if x == y:
            out[k] = 1.0
        elif x[-7:] == y[-7:] and (x.split("-")[-1] == y.split("-")[-1]):
            out[k] = 0.9
    return out


_NUMBER = re.compile(r"\d+")


def _address_similarity(a, b):
    """Indel ratio, halved when both addresses hold a house number and the first ones differ."""
    sims = _ratio(a, b)
    for k, (x, y) in enumerate(zip(a, b)):
        nx, ny = _NUMBER.findall(x), _NUMBER.findall(y)
        if nx and ny and nx[0] != ny[0]:
            sims[k] *= 0.5
    return sims


#: Comparator name → (normaliser of one value, similarity of arrays of normalised values).
COMPARATORS: dict[str, tuple[Callable[[Any], Any], Callable]] = {
    "company_name": (lambda v: (lambda p: None if p is None else (p.region, p.core))(
        parse_company_name(v)), _company_similarity),
    "phone": (normalize_phone, _phone_similarity),
    "address": (normalize_address, _address_similarity),
    "ratio": (_clean_generic, _ratio),
    "jaro_winkler": (_clean_generic, _jaro_winkler),
    "levenshtein": (_clean_generic, _levenshtein),
    "exact": (_clean_generic, _exact),
}

#: Default fields for the shipped customer master: column → (comparator, weight, weight when
#: the values differ). A firm has several phone lines, so two different numbers are weak
#: evidence against a match (weight 0.1) while the same number is strong evidence for it (0.3).
COMPANY_FIELDS: dict[str, tuple[str, float, float]] = {
    "company_name": ("company_name", 0.4, 0.4),
    "phone": ("phone", 0.3, 0.1),
    "address": ("address", 0.3, 0.3),
}

#: Default blocking keys: records sharing any of these keys become candidate pairs.
#: ``(column, n)`` blocks on the first n characters of the normalised value (for company names,
#: of the core name, after the region, so 山西华通… and 太原华通… share a key); ``(column, regex)``
#: on the regex's first match (for addresses: everything up to the house number).
COMPANY_BLOCKING: tuple = ("credit_code", "phone", ("company_name", 2), ("address", r"^\D*\d+"))


def _normalized_column(records: pd.DataFrame, column: str, comparator: str) -> list:
    normalise = COMPARATORS[comparator][0]
    cache: dict[Any, Any] = {}
    out = []
    for value in records[column].tolist():
        key = value if isinstance(value, str) else repr(value)
        if key not in cache:
            cache[key] = normalise(value)
        out.append(cache[key])
    return out


def _parse_fields(fields: Mapping[str, Any] | None) -> dict[str, tuple[str, float, float]]:
    fields = COMPANY_FIELDS if fields is None else fields
    parsed: dict[str, tuple[str, float, float]] = {}
    for column, spec in fields.items():
        spec = (spec,) if isinstance(spec, str) else tuple(spec)
        comparator, weight = spec[0], (spec[1] if len(spec) > 1 else 1.0)
        if comparator not in COMPARATORS:
            raise CrmlabInputError(
                f"field {column!r}: unknown comparator {comparator!r} "
                f"(choose from {', '.join(COMPARATORS)})")
        weight = float(weight)
        if not weight > 0:
            raise CrmlabInputError(f"field {column!r}: weight must be positive, got {weight}")
        differ = float(spec[2]) if len(spec) > 2 else weight
        if not 0 <= differ <= weight:
            raise CrmlabInputError(f"field {column!r}: the weight when values differ must be "
                                   f"between 0 and the weight {weight}, got {differ}")
        parsed[column] = (comparator, weight, differ)
    if not parsed:
        raise CrmlabInputError("fields is empty: name at least one column to compare")
    return parsed


def _block_values(records: pd.DataFrame, item: Any, fields: dict[str, tuple[str, float, float]],
                  normalized: dict[str, list]) -> tuple[str, list]:
    if callable(item):
        keys = pd.Series(item(records), index=records.index)
        return _block_label(item), [None if pd.isna(k) else str(k) for k in keys]
    column, n = (item, None) if isinstance(item, str) else item
    if column not in records.columns:
        raise CrmlabInputError(f"blocking key {column!r} is not a column of the records")
    if column in normalized:
        values = normalized[column]
        if fields[column][0] == "company_name":  # region + core: a prefix counts from the core
            values = [None if v is None else (v[0] + "|" + v[1][:n] if n else v[0] + v[1])
                      for v in values]
            n = None
    elif column in ("credit_code",):
        values = [_clean_code(v) for v in records[column].tolist()]
    else:
        values = [_clean_generic(v) for v in records[column].tolist()]
    if isinstance(n, str):
        pattern = re.compile(n)
        values = [None if v is None else (lambda m: m.group() if m else None)(pattern.search(v))
                  for v in values]
    elif n is not None:
        values = [None if v is None or len(v) < min(n, 2) else v[:n] for v in values]
    return _block_label(item), values


def _block_label(item: Any) -> str:
    if callable(item):
        return getattr(item, "__name__", "callable")
    column, n = (item, None) if isinstance(item, str) else item
    return column if n is None else f"{column}[:{n}]"


def candidate_pairs(records: pd.DataFrame, *, blocking: Iterable = COMPANY_BLOCKING,
                    fields: Mapping[str, Any] | None = None,
                    max_block_size: int = 500, _normalized: dict | None = None) -> pd.DataFrame:
    """Pairs of record positions that share at least one blocking key (never all n² pairs).

    Parameters
    ----------
    records
        One row per record.
    blocking
        Keys; each is a column name (records with the same normalised value are compared), a
        ``(column, n)`` tuple (first ``n`` characters of the normalised value), a
        ``(column, regex)`` tuple (the first match of ``regex`` in it) or a function of
        the records returning one key per row. Missing keys never match.
    fields
        Used to normalise blocking columns that are also compared fields (see
        :func:`duplicate_pairs`).
    max_block_size
        Blocks with more records than this are skipped (they would add ~n²/2 pairs of mostly
        different records); they are listed in ``result.attrs["skipped_blocks"]``.

    Returns
    -------
    DataFrame with columns ``i`` and ``j`` (0-based positions, ``i < j``) and ``keys`` (which
    blocking keys the pair shares). ``attrs["block_stats"]`` counts pairs per key.

    Examples
    --------
    >>> df = pd.DataFrame({"phone": ["0351-1234567", "(0351)1234567", "010-88886666"],
    ...                    "company_name": ["甲", "乙", "丙"], "address": [None] * 3})
    >>> candidate_pairs(df, blocking=["phone"])[["i", "j"]].values.tolist()
    [[0, 1]]
    """
    parsed = _parse_fields(fields) if fields is not None else {
        c: s for c, s in _parse_fields(None).items() if c in records.columns}
    normalized = _normalized if _normalized is not None else {
        c: _normalized_column(records, c, spec[0]) for c, spec in parsed.items()
        if c in records.columns}
    n = len(records)
    codes_all: list[np.ndarray] = []
    key_of: list[np.ndarray] = []
    stats, skipped = {}, []
    for k, item in enumerate(blocking):
        label, values = _block_values(records, item, parsed, normalized)
        keys = pd.Series(values, dtype=object)
        present = keys.notna().to_numpy()
        pos = np.flatnonzero(present)
        if not len(pos):
            stats[label] = 0
            continue
        codes_k, uniques = pd.factorize(keys[present].to_numpy(), sort=True)
        order = np.argsort(codes_k, kind="stable")
        sorted_pos, sorted_codes = pos[order], codes_k[order]
        starts = np.flatnonzero(np.r_[True, sorted_codes[1:] != sorted_codes[:-1]])
        sizes = np.diff(np.r_[starts, len(sorted_codes)])
        pieces = []
        for size in np.unique(sizes[sizes >= 2]):
            first = starts[sizes == size]
            if size > max_block_size:
                skipped.extend((label, uniques[sorted_codes[f]], int(size)) for f in first)
                continue
            members = sorted_pos[first[:, None] + np.arange(size)[None, :]]  # blocks × size
            a, b = np.triu_indices(size, k=1)
            pieces.append((members[:, a].astype(np.int64) * n + members[:, b]).ravel())
        codes = np.unique(np.concatenate(pieces)) if pieces else np.zeros(0, dtype=np.int64)
        stats[label] = len(codes)
        codes_all.append(codes)
        key_of.append(np.full(len(codes), k))
    if codes_all:
        frame = pd.DataFrame({"code": np.concatenate(codes_all),
                              "bit": np.left_shift(1, np.concatenate(key_of))})
        masks = frame.groupby("code", sort=True)["bit"].sum()
        labels = [_block_label(item) for item in blocking]
        names = {m: ",".join(labels[k] for k in range(len(labels)) if m >> k & 1)
                 for m in masks.unique()}
        code_values = masks.index.to_numpy()
        out = pd.DataFrame({"i": code_values // n, "j": code_values % n,
                            "keys": masks.map(names).to_numpy()})
    else:
        out = pd.DataFrame({"i": np.zeros(0, dtype=np.int64), "j": np.zeros(0, dtype=np.int64),
                            "keys": pd.Series([], dtype=object)})
    out.attrs["block_stats"] = stats
    out.attrs["skipped_blocks"] = skipped
    return out


# --------------------------------------------------------------------------------------------
# Scoring pairs and clustering them
# --------------------------------------------------------------------------------------------

def _check_records(records: pd.DataFrame, columns: Iterable[str], key: str | None) -> None:
    require_columns(records, [*columns, *([key] if key else [])], what="records")
    require_not_empty(records, what="records")
    if key:
        dup = records[key].duplicated(keep=False)
        if dup.any():
            raise CrmlabInputError(
                f"column {key!r} of records must identify each record once; "
                f"{records.loc[dup, key].nunique()} values repeat, e.g. "
                f"{records.loc[dup, key].iloc[0]!r}")


def _id_values(records: pd.DataFrame, column: str) -> list[str | None]:
    values = [_clean_code(v) for v in records[column].tolist()]
    if column == "credit_code":  # an invalid code is a typing error: it decides nothing
        values = [v if v is not None and valid_credit_code(v) else None for v in values]
    return values


def duplicate_pairs(records: pd.DataFrame, fields: Mapping[str, Any] | None = None, *,
                    blocking: Iterable = COMPANY_BLOCKING,
                    id_fields: Sequence[str] = ("credit_code",), threshold: float = 0.7,
                    key: str | None = "record_id", max_block_size: int = 500,
                    _ids: dict | None = None) -> pd.DataFrame:
    """Score every candidate pair of records; one row per pair with each field's similarity.

    The score is transparent: for the fields present in *both* records,
    ``score = Σ weight × similarity / Σ weight`` (a missing value neither helps nor hurts).
    Identifier fields (``id_fields``, e.g. the unified social credit code) decide alone when both
    records hold a valid one: the same code → score 1, different codes → score 0.

    Parameters
    ----------
    records
        One row per record.
    fields
        Column → comparator name or ``(comparator, weight)``. Comparators: ``"company_name"``
        (region + core name, Indel ratio), ``"phone"`` (canonical number, 1 / 0.9 / 0),
        ``"address"`` (normalised, Indel ratio, halved when house numbers differ), ``"ratio"``,
        ``"jaro_winkler"``, ``"levenshtein"``, ``"exact"`` (lower-cased, spaces collapsed).
        Default :data:`COMPANY_FIELDS`.
    blocking
        Which records are compared at all (see :func:`candidate_pairs`).
    id_fields
        Columns that identify an entity when present; an invalid credit code is ignored.
    threshold
        Pairs with ``score >= threshold`` are matches (column ``match``).
    key
        Column that names each record (``None``: the index).
    max_block_size
        See :func:`candidate_pairs`.

    Returns
    -------
    DataFrame: ``left``, ``right`` (record keys), ``i``, ``j`` (positions), ``keys`` (shared
    blocking keys), ``sim_<field>`` per field (NaN when missing on either side), ``id_agree``
    (True / False / NA), ``score`` and ``match``.

    Examples
    --------
    >>> df = pd.DataFrame({"record_id": ["a", "b", "c"],
    ...     "company_name": ["山西煤业有限公司", "山西煤矿有限责任公司", "陕西煤业有限公司"],
    ...     "phone": ["0351-2345678", "+86 351 2345678", "029-88776655"],
    ...     "address": ["太原市长风街1号", "山西省太原市长风街1号", "西安市长安路9号"]})
    >>> duplicate_pairs(df, id_fields=())[["left", "right", "match"]].values.tolist()
    [['a', 'b', True]]
    >>> everyone = lambda records: ["all"] * len(records)   # compare every pair (tiny tables only)
    >>> duplicate_pairs(df, blocking=[everyone])["score"].round(3).tolist()
    [0.9, 0.429, 0.304]
    """
    parsed = _parse_fields(fields)
    ids_by_field = _ids if _ids is not None else {}
    id_fields = [c for c in id_fields if c in records.columns or c not in ("credit_code",)]
    _check_records(records, [*parsed, *id_fields], key)
    if not 0 <= threshold <= 1:
        raise CrmlabInputError(f"threshold must be between 0 and 1, got {threshold}")
    blocking = list(blocking)
    if not blocking:
        raise CrmlabInputError("blocking is empty: give at least one key (comparing all pairs "
                               "of a large table is never feasible)")
    # block only on columns the records have (the default keys include credit_code)
    blocking = [b for b in blocking if callable(b) or (b if isinstance(b, str) else b[0])
                in records.columns]
    normalized = {c: _normalized_column(records, c, spec[0]) for c, spec in parsed.items()}
    pairs = candidate_pairs(records, blocking=blocking, fields=parsed,
                            max_block_size=max_block_size, _normalized=normalized)
    i, j = pairs["i"].to_numpy(), pairs["j"].to_numpy()
    names = records[key].to_numpy() if key else records.index.to_numpy()
    out = pd.DataFrame({"left": names[i], "right": names[j], "i": i, "j": j,
                        "keys": pairs["keys"].to_numpy()})
    num = np.zeros(len(out))
    den = np.zeros(len(out))
    for column, (comparator, weight, differ) in parsed.items():
        values = np.empty(len(records), dtype=object)
        values[:] = normalized[column]
        a, b = values[i], values[j]
        present = np.fromiter((x is not None and y is not None for x, y in zip(a, b)),
                              dtype=bool, count=len(out))
        sims = np.full(len(out), np.nan)
        sims[present] = COMPARATORS[comparator][1](list(a[present]), list(b[present]))
        out[f"sim_{column}"] = sims
        w = np.where(sims[present] > 0, weight, differ)
        num[present] += w * sims[present]
        den[present] += w
    with np.errstate(invalid="ignore", divide="ignore"):
        score = np.where(den > 0, num / np.where(den > 0, den, 1), np.nan)
    agree = pd.Series(pd.NA, index=out.index, dtype="boolean")
    for column in id_fields:
        values = np.empty(len(records), dtype=object)
        values[:] = ids_by_field.setdefault(column, _id_values(records, column))
        a, b = values[i], values[j]
        both = np.fromiter((x is not None and y is not None for x, y in zip(a, b)), dtype=bool,
                           count=len(out))
        same = np.fromiter((x == y for x, y in zip(a, b)), dtype=bool, count=len(out))
        undecided = agree.isna().to_numpy()
        agree[both & undecided] = same[both & undecided]
    decided = agree.notna().to_numpy()
    score[decided] = agree[decided].astype(float).to_numpy()
    out["id_agree"] = agree
    out["score"] = score
    out["match"] = np.nan_to_num(score, nan=0.0) >= threshold
    out.attrs["block_stats"] = pairs.attrs["block_stats"]
    out.attrs["skipped_blocks"] = pairs.attrs["skipped_blocks"]
    return out


def _find(parent: list[int], x: int) -> int:
    while parent[x] != x:
        parent[x] = parent[parent[x]]
        x = parent[x]
    return x


def _cluster(n: int, pairs: pd.DataFrame, ids: list[set], *, chain_threshold: float,
             max_cluster_size: int) -> tuple[np.ndarray, int]:
    """Merge matched pairs strongest first, refusing merges the guard forbids."""
    parent = list(range(n))
    members: dict[int, list[int]] = {}
    codes: dict[int, set] = {}
    scores = dict(zip(zip(pairs["i"].tolist(), pairs["j"].tolist()), pairs["score"].tolist()))
    edges = pairs.loc[pairs["match"], ["i", "j", "score"]].sort_values(
        ["score", "i", "j"], ascending=[False, True, True], kind="mergesort")
    refused = 0
    for a, b in zip(edges["i"].tolist(), edges["j"].tolist()):
        ra, rb = _find(parent, a), _find(parent, b)
        if ra == rb:
            continue
        ma, mb = members.get(ra, [ra]), members.get(rb, [rb])
        ca, cb = codes.get(ra, ids[ra]), codes.get(rb, ids[rb])
        ok = len(ma) + len(mb) <= max_cluster_size and not (ca and cb and ca != cb)
        if ok and len(ma) + len(mb) > 2:
            cross = [scores.get((x, y) if x < y else (y, x)) for x in ma for y in mb]
            cross = [s for s in cross if s is not None and s == s]  # s == s: not NaN
            ok = bool(cross) and sum(cross) / len(cross) >= chain_threshold
        if not ok:
            refused += 1
            continue
        parent[rb] = ra
        members[ra] = ma + mb
        codes[ra] = ca | cb
        members.pop(rb, None)
        codes.pop(rb, None)
    roots = np.array([_find(parent, x) for x in range(n)])
    return roots, refused


def find_duplicates(records: pd.DataFrame, fields: Mapping[str, Any] | None = None, *,
                    blocking: Iterable = COMPANY_BLOCKING,
                    id_fields: Sequence[str] = ("credit_code",), threshold: float = 0.7,
                    chain_threshold: float | None = None, max_cluster_size: int = 50,
                    key: str | None = "record_id", max_block_size: int = 500) -> pd.DataFrame:
    """Group records that are one customer: a cluster (entity) id for every record.

    1. **Blocking** (:func:`candidate_pairs`): only records sharing a key (same phone, same code,
       same first characters of the core name or address) are compared — never all n² pairs.
    2. **Scoring** (:func:`duplicate_pairs`): weighted field similarities; identifiers decide.
    3. **Clustering**: matched pairs (``score >= threshold``) are merged strongest first
       (transitive closure) with a guard against chaining unrelated records: two groups are not
       merged when they hold different valid identifiers, when the merged group would exceed
       ``max_cluster_size``, or when the mean score of all compared pairs across the two groups
       is below ``chain_threshold`` (default: ``threshold``) — A≈B and B≈C does not make A≈C if
       A and C were compared and clearly differ.

    Parameters
    ----------
    records, fields, blocking, id_fields, threshold, key, max_block_size
        As in :func:`duplicate_pairs`; the defaults suit the shipped ``customer_master``.
    chain_threshold
        Minimum mean cross-group score for merging groups of more than two records.
    max_cluster_size
        No cluster grows beyond this many records.

    Returns
    -------
    DataFrame with one row per record in input order: the key column, ``cluster_id``
    (``"C000001"``…, numbered by first appearance) and ``cluster_size``. ``attrs`` holds
    ``candidate_pairs``, ``matched_pairs``, ``refused_merges`` and ``skipped_blocks``.

    Examples
    --------
    >>> df = pd.DataFrame({"record_id": ["a", "b", "c"],
    ...     "company_name": ["山西煤业有限公司", "山西煤矿有限责任公司", "陕西煤业有限公司"],
    ...     "phone": ["0351-2345678", "+86 351 2345678", "029-88776655"],
    ...     "address": ["太原市长风街1号", "山西省太原市长风街1号", "西安市长安路9号"]})
    >>> find_duplicates(df, id_fields=())["cluster_id"].tolist()
    ['C000001', 'C000001', 'C000002']
    """
    ids_by_field: dict[str, list] = {}
    pairs = duplicate_pairs(records, fields, blocking=blocking, id_fields=id_fields,
                            threshold=threshold, key=key, max_block_size=max_block_size,
                            _ids=ids_by_field)
    if max_cluster_size < 2:
        raise CrmlabInputError(f"max_cluster_size must be at least 2, got {max_cluster_size}")
    n = len(records)
    ids: list[set] = [set() for _ in range(n)]
    for column in id_fields:
        if column in records.columns:
            for pos, value in enumerate(ids_by_field.get(column) or _id_values(records, column)):
                if value is not None:
                    ids[pos].add((column, value))
    roots, refused = _cluster(n, pairs, ids,
                              chain_threshold=threshold if chain_threshold is None
                              else chain_threshold, max_cluster_size=max_cluster_size)
    codes, first = pd.factorize(roots)
    names = records[key].to_numpy() if key else records.index.to_numpy()
    out = pd.DataFrame({(key or "record"): names,
                        "cluster_id": [f"C{c + 1:06d}" for c in codes],
                        "cluster_size": np.bincount(codes)[codes]})
    out.attrs.update(candidate_pairs=len(pairs), matched_pairs=int(pairs["match"].sum()),
                     refused_merges=refused, skipped_blocks=pairs.attrs["skipped_blocks"])
    return out


def _labels(obj: pd.DataFrame | pd.Series | Sequence, column: str, key: str,
            what: str) -> pd.Series:
    if isinstance(obj, pd.DataFrame):
        require_columns(obj, [key, column], what=what)
        if obj[key].duplicated().any():
            raise CrmlabInputError(f"{what} lists some {key!r} values more than once")
        return pd.Series(obj[column].to_numpy(), index=obj[key].to_numpy())
    if isinstance(obj, pd.Series):
        return obj
    return pd.Series(list(obj))


def _pairs_in(labels: pd.Series) -> int:
    sizes = labels.value_counts().to_numpy()
    return int((sizes * (sizes - 1) // 2).sum())


def evaluate_duplicates(predicted: pd.DataFrame | pd.Series | Sequence,
                        truth: pd.DataFrame | pd.Series | Sequence, *, key: str = "record_id",
                        predicted_col: str = "cluster_id",
                        truth_col: str = "entity_id") -> pd.Series:
    """Pairwise precision, recall and F1 of a duplicate finder against the ground truth.

    A pair of records counts as predicted when both are in one predicted cluster, and as true
    when both belong to one real entity. precision = correct / predicted pairs, recall =
    correct / true pairs, F1 their harmonic mean. Pairs are counted from cluster sizes
    (Σ n(n−1)/2), never enumerated. With no predicted (true) pairs precision (recall) is NaN.

    Parameters
    ----------
    predicted, truth
        DataFrames with ``key`` and ``predicted_col`` / ``truth_col`` (matched by key), or
        Series / sequences of labels aligned by index / position.

    Returns
    -------
    Series: precision, recall, f1, predicted_pairs, true_pairs, correct_pairs.

    Examples
    --------
    >>> evaluate_duplicates(["x", "x", "x", "y"], ["a", "a", "b", "b"])[["precision", "recall"]].round(3).tolist()
    [0.333, 0.5]
    """
    pred = _labels(predicted, predicted_col, key, "predicted")
    true = _labels(truth, truth_col, key, "truth")
    if len(pred) != len(true) or not pred.index.sort_values().equals(true.index.sort_values()):
        only_p = pred.index.difference(true.index)
        only_t = true.index.difference(pred.index)
        raise CrmlabInputError(
            f"predicted and truth must cover the same records: {len(only_p)} only in predicted "
            f"(e.g. {list(only_p[:3])}), {len(only_t)} only in truth (e.g. {list(only_t[:3])})")
    true = true.reindex(pred.index)
    if pred.isna().any() or true.isna().any():
        raise CrmlabInputError("every record needs a predicted cluster and a true entity "
                               f"({int(pred.isna().sum())} and {int(true.isna().sum())} missing)")
    joint = pd.Series(list(zip(pred.astype(str), true.astype(str))))
    p, t, c = _pairs_in(pred), _pairs_in(true), _pairs_in(joint)
    precision = c / p if p else np.nan
    recall = c / t if t else np.nan
    if np.isnan(precision) or np.isnan(recall):
        f1 = np.nan
    else:
        f1 = 0.0 if precision + recall == 0 else 2 * precision * recall / (precision + recall)
    return pd.Series({"precision": precision, "recall": recall, "f1": f1,
                      "predicted_pairs": p, "true_pairs": t, "correct_pairs": c})


# --------------------------------------------------------------------------------------------
# Golden record
# --------------------------------------------------------------------------------------------

#: Survivorship rules :func:`golden_record` understands.
SURVIVORSHIP_RULES = ("most_recent", "most_complete", "most_frequent")


def golden_record(records: pd.DataFrame, clusters: pd.DataFrame | pd.Series,
                  rules: Mapping[str, str] | None = None, *, key: str = "record_id",
                  cluster: str = "cluster_id", date: str | None = "updated_at",
                  default_rule: str = "most_complete") -> pd.DataFrame:
    """One surviving ("golden") record per cluster, field by field by survivorship rules.

    Rules (a missing value never wins while the cluster has a non-missing one):

    * ``"most_recent"``: the value of the record with the latest ``date`` (e.g. a phone number
      changes; the latest one is most likely right);
    * ``"most_complete"``: the value of the record with the most non-missing fields (the most
      carefully keyed record); ties go to the most recent record;
    * ``"most_frequent"``: the value most records agree on; ties go to the value of the most
      recent record.

    Remaining ties go to the record listed first. Columns without a rule use ``default_rule``.

    Parameters
    ----------
    records
        The records (with ``key``).
    clusters
        :func:`find_duplicates` output (``key`` and ``cluster``), or a Series of cluster ids
        aligned with ``records``.
    rules
        Column → rule. Columns not named (except key and date) use ``default_rule``.
    date
        Column telling when a record was last updated (``None``: input order counts as time,
        later rows more recent).

    Returns
    -------
    DataFrame, one row per cluster (ordered by cluster id): ``cluster_id``, ``n_records``,
    ``record_ids`` (comma-joined), then the merged columns.

    Examples
    --------
    >>> recs = pd.DataFrame({"record_id": ["a", "b", "c"], "phone": ["1", None, "2"],
    ...                      "name": ["X", "X", "Y"], "updated_at": ["2024-01-01", "2025-01-01",
    ...                                                              "2023-01-01"]})
    >>> g = golden_record(recs, pd.Series(["k", "k", "k"]),
    ...                   {"phone": "most_recent", "name": "most_frequent"})
    >>> g[["phone", "name"]].values.tolist()
    [['1', 'X']]
    """
    require_columns(records, [key] + ([date] if date else []), what="records")
    if isinstance(clusters, pd.DataFrame):
        require_columns(clusters, [key, cluster], what="clusters")
        labels = records[key].map(pd.Series(clusters[cluster].to_numpy(),
                                            index=clusters[key].to_numpy()))
        if labels.isna().any():
            raise CrmlabInputError(f"{int(labels.isna().sum())} records have no cluster "
                                   f"(e.g. {records.loc[labels.isna(), key].iloc[0]!r})")
    else:
        if len(clusters) != len(records):
            raise CrmlabInputError("clusters must have one label per record")
        labels = pd.Series(np.asarray(clusters), index=records.index)
    rules = dict(rules or {})
    columns = [c for c in records.columns if c not in (key, date)]
    for column in rules:
        if column not in records.columns:
            raise CrmlabInputError(f"rule for {column!r}, which is not a column of records")
    for column in columns:
        rules.setdefault(column, default_rule)
    bad = {c: r for c, r in rules.items() if r not in SURVIVORSHIP_RULES}
    if bad:
        raise CrmlabInputError(f"unknown survivorship rules {bad}; use one of "
                               f"{', '.join(SURVIVORSHIP_RULES)}")
    work = records.copy()
    work["_cluster"] = labels.to_numpy()
    work["_order"] = np.arange(len(work))
    work["_time"] = (to_datetime(work[date], column=date, what="records") if date
                     else pd.Series(np.arange(len(work)), index=work.index))
    filled = work[columns].notna() & (work[columns].astype("string").apply(
        lambda s: s.str.strip() != "").fillna(False))
    work["_complete"] = filled.sum(axis=1)
    recent = work.sort_values(["_cluster", "_time", "_order"], ascending=[True, False, True],
                              kind="mergesort")
    complete = work.sort_values(["_cluster", "_complete", "_time", "_order"],
                                ascending=[True, False, False, True], kind="mergesort")
    grouped = recent.groupby("_cluster", sort=True)
    out = pd.DataFrame({
        "cluster_id": grouped.size().index,
        "n_records": grouped.size().to_numpy(),
        "record_ids": grouped[key].agg(lambda s: ",".join(map(str, sorted(s)))).to_numpy(),
    })
    for column in (c for c in records.columns if c in rules):
        rule = rules[column]
        if rule == "most_recent":
            values = recent.groupby("_cluster", sort=True)[column].first()
        elif rule == "most_complete":
            values = complete.groupby("_cluster", sort=True)[column].first()
        else:
            values = recent.groupby("_cluster", sort=True)[column].agg(_mode_first)
        out[column] = values.reindex(out["cluster_id"]).to_numpy()
    if date:
        out[date] = grouped["_time"].max().to_numpy()
    return out


def _mode_first(values: pd.Series) -> Any:
    """Most frequent non-missing value; ties → the one that appears first (most recent)."""
    present = values.dropna()
    if present.empty:
        return values.iloc[0] if len(values) else None
    counts = present.value_counts(sort=False)  # keeps order of first appearance
    return counts.index[int(np.argmax(counts.to_numpy()))]


# --------------------------------------------------------------------------------------------
# Data-quality score and first-time buyers
# --------------------------------------------------------------------------------------------

def _valid_date(value: Any) -> bool:
    return not pd.isna(pd.to_datetime(value, errors="coerce"))


#: Validators by name for :func:`quality_score`.
VALIDATORS: dict[str, Callable[[Any], bool]] = {
    "phone": lambda v: normalize_phone(v) is not None,
    "credit_code": valid_credit_code,
    "date": _valid_date,
    "nonnegative": lambda v: (lambda x: not np.isnan(x) and x >= 0)(
        pd.to_numeric(pd.Series([v]), errors="coerce").iloc[0]),
    "email": lambda v: bool(re.fullmatch(r"[^@\s]+@[^@\s]+\.[a-zA-Z]{2,}", str(v))),
}


def quality_score(table: pd.DataFrame, *, validators: Mapping[str, Any] | None = None,
                  unique: Sequence[str] = (), columns: Sequence[str] | None = None
                  ) -> pd.DataFrame:
    """Completeness, validity and uniqueness per column: "complete, accurate, timely" measured.

    * completeness = share of rows with a value (blank text counts as missing);
    * validity = share of present values that pass the column's validator (NaN if none);
    * uniqueness = distinct present values / present values, for columns in ``unique`` (which
      should identify a row or an entity, e.g. a record id or credit code), else NaN;
    * score = mean of the three measures that apply.

    Parameters
    ----------
    table
        Any table.
    validators
        Column → validator name (``"phone"``, ``"credit_code"``, ``"date"``, ``"nonnegative"``,
        ``"email"``) or a function of one value returning True when valid.
    unique
        Columns that should hold each value once.
    columns
        Columns to report (default: all).

    Examples
    --------
    >>> t = pd.DataFrame({"id": [1, 2, 2], "phone": ["13812345678", "bad", None]})
    >>> q = quality_score(t, validators={"phone": "phone"}, unique=["id"])
    >>> q.set_index("column").loc["phone", ["completeness", "validity"]].round(3).tolist()
    [0.667, 0.5]
    """
    if not isinstance(table, pd.DataFrame):
        raise CrmlabInputError(f"table must be a pandas DataFrame, got {type(table).__name__}")
    validators = dict(validators or {})
    columns = list(table.columns) if columns is None else list(columns)
    require_columns(table, [*columns, *validators, *unique], what="the table")
    require_not_empty(table, what="the table")
    rows = []
    for column in columns:
        series = table[column]
        present = series.notna() & (series.astype("string").str.strip() != "").fillna(False)
        n_present = int(present.sum())
        check = validators.get(column)
        if isinstance(check, str):
            if check not in VALIDATORS:
                raise CrmlabInputError(f"unknown validator {check!r} for column {column!r} "
                                       f"(choose from {', '.join(VALIDATORS)})")
            check = VALIDATORS[check]
        validity = np.nan
        if check is not None and n_present:
            validity = float(np.mean([bool(check(v)) for v in series[present]]))
        uniqueness = (series[present].nunique() / n_present
                      if column in unique and n_present else np.nan)
        completeness = n_present / len(table)
        parts = [m for m in (completeness, validity, uniqueness) if not np.isnan(m)]
        rows.append({"column": column, "present": n_present, "completeness": completeness,
                     "validity": validity, "uniqueness": uniqueness,
                     "score": float(np.mean(parts))})
    return pd.DataFrame(rows)


def _period_bounds(period: Any) -> tuple[pd.Timestamp, pd.Timestamp]:
    if isinstance(period, tuple | list) and len(period) == 2:
        start, end = (pd.Timestamp(p) for p in period)
    else:
        try:
            p = pd.Period(period)
        except (ValueError, TypeError) as exc:
            raise CrmlabInputError(f"period {period!r} is not a period such as '2025-03', "
                                   "'2025Q1', '2025' or a (start, end) pair") from exc
        start, end = p.start_time.normalize(), p.end_time.normalize()
    if end < start:
        raise CrmlabInputError(f"period ends ({end.date()}) before it starts ({start.date()})")
    return start, end


def first_time_buyers(transactions: pd.DataFrame, period: Any, *, customer: str = "member_id",
                      date: str = "date", amount: str | None = "amount") -> pd.DataFrame:
    """Customers whose first-ever purchase falls within ``period`` (first-time buyers, 新客户).

    A customer is a first-time buyer of a period when they bought in it and never before it
    (the whole history in ``transactions`` is searched). Both period ends are included.
    Transactions without a customer id (non-members) cannot be attributed and are excluded;
    the count is in ``result.attrs["excluded"]`` (a text summary of the exclusion report).

    Parameters
    ----------
    transactions
        One row per purchase (or receipt line).
    period
        ``"2025-03"``, ``"2025Q1"``, ``"2025"`` or a ``(start, end)`` pair of dates.
    customer, date, amount
        Column names; ``amount=None`` skips the first-day spend.

    Returns
    -------
    DataFrame: ``customer``, ``first_purchase`` (date) and ``first_day_amount`` (sum of that
    day's amounts), sorted by first purchase then customer.

    Examples
    --------
    >>> tx = pd.DataFrame({"member_id": ["a", "a", "b", None], "amount": [10, 5, 7, 3],
    ...                    "date": ["2024-12-30", "2025-01-05", "2025-01-02", "2025-01-03"]})
    >>> first_time_buyers(tx, "2025-01")["member_id"].tolist()
    ['b']
    """
    start, end = _period_bounds(period)
    # A row without an amount still dates a first purchase, so amounts are only converted here.
    checked, report = checked_transactions(transactions, customer=customer, date=date,
                                           extra=[amount] if amount else [], what="transactions")
    work = pd.DataFrame({customer: checked["customer"], "day": checked["date"].dt.normalize()})
    if amount:
        work["amt"] = to_numeric(checked[amount], column=amount, what="transactions")
    first = work.groupby(customer, sort=False)["day"].min()
    new = first[(first >= start) & (first <= end)]
    out = pd.DataFrame({customer: new.index, "first_purchase": new.to_numpy()})
    if amount:
        day_total = work.groupby([customer, "day"], sort=False)["amt"].sum()
        out["first_day_amount"] = [day_total[(c, d)] for c, d in
                                   zip(out[customer], out["first_purchase"])]
    out = out.sort_values(["first_purchase", customer], kind="mergesort").reset_index(drop=True)
    out.attrs["excluded"] = str(report)  # text: attrs must stay comparable
    return out
