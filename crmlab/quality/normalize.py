"""Normalising one value: company names, phone numbers, addresses, credit codes.

Pure functions of one value; the record-linkage comparators (:mod:`crmlab.quality.linkage`)
build on them.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any, NamedTuple

import numpy as np
import pandas as pd


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

    Parameters
    ----------
    text : str
        Any text; characters outside the table are kept as they are.

    Returns
    -------
    str
        The text with those characters simplified.

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
    """A company name split into its parts (see :func:`parse_company_name`).

    Parameters
    ----------
    region : str
        Province short name ('' when the name has no region prefix).
    core : str
        The distinctive part: trade name and industry (华通物流).
    legal_form : str
        The removed legal-form endings, outermost last ('' when none).

    Examples
    --------
    >>> CompanyName("山西", "煤业", "有限公司").core
    '煤业'
    """

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

    Parameters
    ----------
    name : object
        A company name (any value; not text → its ``str``).

    Returns
    -------
    CompanyName or None
        ``(region, core, legal_form)``; None for a missing or blank name.

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

    Parameters
    ----------
    name : object
        A company name.
    keep_region : bool
        Keep the region (province short name) in front of the core.

    Returns
    -------
    str or None
        The comparable name; None for a missing or blank name.

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

    Parameters
    ----------
    phone : object
        A phone number as typed (text or number).

    Returns
    -------
    str or None
        The canonical number, or None.

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

    Parameters
    ----------
    address : object
        An address as typed.

    Returns
    -------
    str or None
        The comparable address; None for a missing or blank one.

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

    Parameters
    ----------
    code : object
        The code as typed; spaces and lower case are accepted, missing values are not valid.

    Returns
    -------
    bool
        True when the code is well formed and its check character matches.

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


