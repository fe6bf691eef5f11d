"""Customer master: one firm keyed several times by different departments (chapter 7).

The story: a distributor's customer list was merged from four systems (ERP, CRM, web shop,
trade-fair sign-ups). The same firm appears several times with its name, phone and address
typed differently — the course's 山西煤业 / 山西煤矿 / 山西煤产品总公司 example — and different
firms have deceptively similar names (山西煤业 vs 陕西煤业 vs 山西焦煤). The separate
``customer_master_truth`` table says which records are one firm, so a duplicate finder can be
scored.

Planted patterns (each record of a firm draws its variants independently):

* name: legal form varies (有限公司, 有限责任公司, 股份有限公司, 集团有限公司, 总公司 …), the
  industry word may be a synonym (煤业 → 煤矿 / 煤产品, 贸易 → 商贸 …), (集团) inserted, the
  region prefix dropped, traditional characters, full-width brackets and spaces, a one-character
  typo in the trade name;
* phone: +86 / 0086 / 86 prefixes, dashes, spaces, brackets; sometimes a second line or missing;
* address: province dropped, 省/市 omitted, full-width digits, a floor/room added, or missing;
* unified social credit code (统一社会信用代码, with a valid GB 32100 check character) on about
  a third of the records, and a mistyped (invalid) code on about 1 %;
* hard negatives: "families" of distinct firms whose names differ only in the province
  (山西/陕西, which sound alike), the industry (煤业/焦煤) or one character of the trade name,
  each with its own phone, address and code.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pandas as pd

from crmlab.datasets._spec import TableSpec

TABLES = [
    TableSpec(
        name="customer_master",
        description=("One customer record as keyed in one of four source systems; the same firm "
                     "may appear several times with variant names, phones and addresses."),
        columns={
            "record_id": "str", "company_name": "str", "credit_code": "str",
            "contact_person": "str", "phone": "str", "address": "str",
            "source_system": "category", "created_at": "date", "updated_at": "date",
        },
        primary_key=("record_id",),
    ),
    TableSpec(
        name="customer_master_truth",
        description="Ground truth for customer_master: which firm (entity_id) each record is.",
        columns={"record_id": "str", "entity_id": "str"},
        primary_key=("record_id",),
        foreign_keys={"record_id": "customer_master.record_id"},
    ),
]

#: Entities per generated chunk (fixed, so chunking never changes the random stream).
_CHUNK_ENTITIES = 2_000
#: Entities at scale 1 (about 2,000 records).
_ENTITIES = 860

# province short name, province full name, [(city, area code, [districts], [streets])]
_REGIONS = [
    ("山西", "山西省", [("太原", "0351", ["小店区", "迎泽区", "杏花岭区"], ["长风街", "并州路", "府西街"]),
                     ("大同", "0352", ["平城区", "云冈区"], ["御河路", "魏都大道"])]),
    ("陕西", "陕西省", [("西安", "029", ["雁塔区", "碑林区", "未央区"], ["长安路", "友谊西路", "凤城八路"]),
                     ("宝鸡", "0917", ["渭滨区", "金台区"], ["经二路", "宝光路"])]),
    ("山东", "山东省", [("济南", "0531", ["历下区", "市中区"], ["泉城路", "经十路"]),
                     ("青岛", "0532", ["市南区", "崂山区"], ["香港中路", "海尔路"])]),
    ("河北", "河北省", [("石家庄", "0311", ["长安区", "桥西区"], ["中山路", "裕华路"])]),
    ("河南", "河南省", [("郑州", "0371", ["金水区", "中原区"], ["花园路", "建设路"])]),
    ("江苏", "江苏省", [("南京", "025", ["鼓楼区", "玄武区"], ["中山北路", "北京东路"]),
                     ("苏州", "0512", ["姑苏区", "吴中区"], ["干将路", "东吴北路"])]),
    ("浙江", "浙江省", [("杭州", "0571", ["西湖区", "上城区"], ["文三路", "解放路"]),
                     ("宁波", "0574", ["海曙区", "鄞州区"], ["中山西路", "天童南路"])]),
    ("广东", "广东省", [("广州", "020", ["天河区", "越秀区"], ["天河路", "东风中路"]),
                     ("深圳", "0755", ["南山区", "福田区"], ["深南大道", "科技园路"])]),
    ("湖北", "湖北省", [("武汉", "027", ["江汉区", "洪山区"], ["解放大道", "珞喻路"])]),
    ("四川", "四川省", [("成都", "028", ["武侯区", "锦江区"], ["人民南路", "红星路"])]),
    ("辽宁", "辽宁省", [("沈阳", "024", ["和平区", "沈河区"], ["青年大街", "北京街"])]),
    ("福建", "福建省", [("厦门", "0592", ["思明区", "湖里区"], ["湖滨南路", "嘉禾路"])]),
    ("北京", "北京市", [("北京", "010", ["朝阳区", "海淀区", "东城区"], ["建国路", "中关村大街", "东长安街"])]),
    ("上海", "上海市", [("上海", "021", ["浦东新区", "徐汇区", "黄浦区"], ["世纪大道", "漕溪北路", "南京东路"])]),
]

# industry word → synonyms a clerk may type for the same firm
_INDUSTRIES = {
    "煤业": ["煤矿", "煤产品"], "焦煤": ["焦煤集团"], "贸易": ["商贸"], "科技": ["科技发展"],
    "物流": ["物流运输"], "机械": ["机械设备"], "电子": ["电子科技"], "化工": ["化学工业"],
    "建材": ["建筑材料"], "食品": ["食品工业"], "医药": ["药业"], "纺织": ["纺织品"],
    "能源": ["新能源"], "钢铁": ["钢材"], "汽车配件": ["汽配"], "实业": ["实业发展"],
    "建设": ["建设工程"], "信息技术": ["信息科技"], "环保": ["环保科技"], "包装": ["包装材料"],
}
_TRADE_CHARS = list("华通恒达鑫源宏兴泰丰盛安信利隆昌顺发金瑞祥德鸿远永新中天海宇光明嘉诚")
# near-miss replacements for a one-character typo (similar sound or shape)
_TYPO = {"华": "化", "通": "同", "恒": "衡", "达": "大", "鑫": "新", "源": "元", "宏": "红",
         "兴": "星", "泰": "太", "丰": "风", "盛": "胜", "安": "按", "信": "新", "利": "力",
         "隆": "龙", "昌": "常", "顺": "舜", "发": "法", "金": "今", "瑞": "锐", "祥": "翔",
         "德": "得", "鸿": "宏", "远": "园", "永": "涌", "新": "欣", "中": "忠", "天": "添",
         "海": "还", "宇": "雨", "光": "广", "明": "名", "嘉": "佳", "诚": "城"}
_LEGAL = ["有限公司", "有限责任公司", "股份有限公司", "集团有限公司"]
_LEGAL_VARIANTS = ["有限公司", "有限责任公司", "股份有限公司", "集团有限公司", "总公司", "公司"]
# simplified → traditional for the characters the names and addresses use
_TRAD = str.maketrans({
    "业": "業", "华": "華", "东": "東", "贸": "貿", "实": "實", "发": "發", "电": "電",
    "机": "機", "济": "濟", "国": "國", "际": "際", "产": "產", "矿": "礦", "铁": "鐵",
    "钢": "鋼", "运": "運", "输": "輸", "务": "務", "兴": "興", "开": "開", "龙": "龍",
    "区": "區", "广": "廣", "团": "團", "责": "責", "总": "總", "陕": "陝", "宁": "寧",
    "苏": "蘇", "药": "藥", "设": "設", "备": "備", "筑": "築", "术": "術", "纺": "紡",
    "织": "織", "汽": "汽", "车": "車", "配": "配", "达": "達", "丰": "豐", "长": "長",
    "鸿": "鴻", "远": "遠", "诚": "誠", "宏": "宏", "隆": "隆", "顺": "順", "门": "門",
    "关": "關", "庆": "慶", "泽": "澤", "云": "雲", "边": "邊", "号": "號", "楼": "樓",
    "层": "層", "环": "環", "保": "保", "包": "包", "装": "裝", "料": "料", "信": "信",
    "息": "息", "技": "技", "学": "學", "汉": "漢", "阳": "陽", "湖": "湖",
    "为": "為", "来": "來", "时": "時",
})
_SURNAMES = list("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾")
_GIVEN = list("伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰红")
_SOURCES = ["ERP", "CRM", "网店", "展会"]
_SOURCE_P = [0.4, 0.3, 0.2, 0.1]
# GB 32100-2015 unified social credit code
_USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]
_FULLWIDTH = str.maketrans({**{str(d): chr(0xFF10 + d) for d in range(10)},
                            "(": "（", ")": "）", " ": "\u3000", "-": "－", "+": "＋"})


def _credit_code(rng: np.random.Generator, area: str) -> str:
    body = "91" + "14" + area[-4:].rjust(4, "0") + "".join(
        _USCC_CHARS[i] for i in rng.integers(0, 31, 9))
    body = body[:17]
    total = sum(_USCC_CHARS.index(c) * w for c, w in zip(body, _USCC_WEIGHTS))
    return body + _USCC_CHARS[(31 - total % 31) % 31]


def _entity(rng: np.random.Generator, region: tuple, industry: str, trade: str,
            use_city: bool) -> dict:
    short, full, cities = region
    city, area, districts, streets = cities[int(rng.integers(len(cities)))]
    prefix = city if use_city else short
    landline = area + str(int(rng.integers(2, 9))) + "".join(
        str(d) for d in rng.integers(0, 10, 7 if len(area) == 3 else 6))
    mobile = "1" + str(int(rng.choice([3, 5, 8]))) + "".join(str(d) for d in rng.integers(0, 10, 9))
    return {
        "province": short, "province_full": full, "city": city, "prefix": prefix,
        "trade": trade, "industry": industry, "legal": _LEGAL[int(rng.integers(len(_LEGAL)))],
        "phone": landline if rng.random() < 0.7 else mobile, "phone2": mobile,
        "district": districts[int(rng.integers(len(districts)))],
        "street": streets[int(rng.integers(len(streets)))],
        "number": int(rng.integers(1, 400)),
        "credit_code": _credit_code(rng, area),
        "contact": _SURNAMES[int(rng.integers(len(_SURNAMES)))]
        + "".join(_GIVEN[i] for i in rng.integers(0, len(_GIVEN), int(rng.integers(1, 3)))),
    }


def _entities(rng: np.random.Generator, n: int, scale: float = 1.0) -> list[dict]:
    """``n`` firms, about 40 % of them in families of look-alike names (hard negatives).

    A firm named only by region and industry (山西煤业) is 15 % of firms at scale 1; at larger
    scales the share shrinks with the scale so that the few hundred such names are not shared by
    dozens of distinct firms (same random draws, so scale 1 is unchanged).
    """
    out: list[dict] = []
    no_trade = 0.15 / max(1.0, scale)
    industries = list(_INDUSTRIES)
    while len(out) < n:
        region = _REGIONS[int(rng.integers(len(_REGIONS)))]
        industry = industries[int(rng.integers(len(industries)))]
        trade = "" if rng.random() < no_trade else "".join(
            _TRADE_CHARS[i] for i in rng.choice(len(_TRADE_CHARS), 2, replace=False))
        use_city = bool(rng.random() < 0.3) and not trade == ""
        base = _entity(rng, region, industry, trade, use_city)
        out.append(base)
        if rng.random() < 0.4:
            kind = int(rng.integers(3))
            if kind == 0:    # same name in a look-alike province (山西 ↔ 陕西) or another one
                other = _REGIONS[1] if region[0] == "山西" else (
                    _REGIONS[0] if region[0] == "陕西" else _REGIONS[int(rng.integers(len(_REGIONS)))])
                out.append(_entity(rng, other, industry, trade, False))
            elif kind == 1:  # same region and trade name, another industry (山西煤业 ↔ 山西焦煤)
                alt = industries[int(rng.integers(len(industries)))]
                if alt == industry:
                    alt = "焦煤" if industry == "煤业" else "煤业"
                out.append(_entity(rng, region, alt, trade, use_city))
            elif trade:      # one character of the trade name differs (恒达 ↔ 恒通)
                swap = _TRADE_CHARS[int(rng.integers(len(_TRADE_CHARS)))]
                new = trade[0] + (swap if swap != trade[1] else _TYPO[trade[1]])
                out.append(_entity(rng, region, industry, new, use_city))
    return out[:n]


def _format_phone(rng: np.random.Generator, number: str) -> str:
    if number.startswith("1"):
        style = int(rng.integers(5))
        return [number, f"{number[:3]} {number[3:7]} {number[7:]}", f"+86 {number}",
                f"{number[:3]}-{number[3:7]}-{number[7:]}", f"0086{number}"][style]
    area_len = 3 if number[1] in "12" else 4
    area, local = number[:area_len], number[area_len:]
    style = int(rng.integers(7))
    return [f"{area}-{local}", f"{area} {local[:4]} {local[4:]}", f"({area}){local}",
            f"+86 {area[1:]} {local}", f"86-{area[1:]}-{local}", f"{area}{local}",
            f"{area}-{local}转{int(rng.integers(100, 900))}"][style]


def _record(rng: np.random.Generator, e: dict) -> dict:
    industry = e["industry"]
    if rng.random() < 0.2:
        syn = _INDUSTRIES[industry]
        industry = syn[int(rng.integers(len(syn)))]
    trade = e["trade"]
    if trade and rng.random() < 0.05:
        trade = trade[0] + _TYPO.get(trade[1], "一")
    prefix = e["prefix"]
    if trade and rng.random() < 0.1:
        prefix = ""
    elif rng.random() < 0.1:
        prefix = e["province_full"] if prefix == e["province"] else prefix + "市"
    legal = e["legal"] if rng.random() < 0.5 else _LEGAL_VARIANTS[int(rng.integers(len(_LEGAL_VARIANTS)))]
    group = "(集团)" if rng.random() < 0.08 and not legal.startswith("集团") else ""
    name = prefix + trade + industry + group + legal
    if rng.random() < 0.12:
        name = name.translate(_TRAD)
    if rng.random() < 0.12:
        name = name.translate(_FULLWIDTH)
    if rng.random() < 0.08:
        cut = len(prefix) if prefix else 2
        name = name[:cut] + (" " if rng.random() < 0.5 else "\u3000") + name[cut:]

    u = rng.random()
    phone = (_format_phone(rng, e["phone"]) if u < 0.75 else
             _format_phone(rng, e["phone2"]) if u < 0.85 else None)

    u = rng.random()
    if u < 0.1:
        address = None
    else:
        province = "" if rng.random() < 0.3 else (e["province_full"] if rng.random() < 0.6
                                                  else e["province"])
        if e["province"] in ("北京", "上海"):
            province = ""
        city = e["city"] + ("市" if rng.random() < 0.7 else "")
        number = f"{e['number']}号"
        if rng.random() < 0.15:
            number = number.translate(_FULLWIDTH)
        extra = ""
        if rng.random() < 0.2:
            extra = f"{int(rng.integers(2, 20))}楼" if rng.random() < 0.5 else "A座"
        address = province + city + e["district"] + e["street"] + number + extra
        if rng.random() < 0.05:
            address = address.translate(_TRAD)

    u = rng.random()
    code = None
    if u < 0.33:
        code = e["credit_code"]
    elif u < 0.34:  # a typing error: one character changed, check character now wrong
        pos = int(rng.integers(2, 17))
        code = e["credit_code"]
        wrong = _USCC_CHARS[(_USCC_CHARS.index(code[pos]) + 1) % 31]
        code = code[:pos] + wrong + code[pos + 1:]
    created = pd.Timestamp("2018-01-01") + pd.Timedelta(days=int(rng.integers(0, 2500)))
    updated = created + pd.Timedelta(days=int(rng.integers(0, 600)))
    return {
        "company_name": name, "credit_code": code,
        "contact_person": e["contact"] if rng.random() < 0.8 else None,
        "phone": phone, "address": address,
        "source_system": _SOURCES[int(rng.choice(4, p=_SOURCE_P))],
        "created_at": created, "updated_at": min(updated, pd.Timestamp("2025-12-31")),
    }


def generate(seed: int, scale: float = 1.0) -> Iterator[tuple[str, pd.DataFrame]]:
    """Yield ``customer_master`` and ``customer_master_truth`` chunks (about 2,000 records at 1)."""
    rng = np.random.default_rng(seed)
    n_entities = max(10, round(_ENTITIES * scale))
    n_records_per = rng.choice([1, 2, 3, 4, 5, 6], size=n_entities,
                               p=[0.30, 0.27, 0.20, 0.12, 0.07, 0.04])
    next_record = 1
    for start in range(0, n_entities, _CHUNK_ENTITIES):
        stop = min(n_entities, start + _CHUNK_ENTITIES)
        ents = _entities(rng, stop - start, scale)
        rows, truth = [], []
        for k, e in enumerate(ents):
            for _ in range(int(n_records_per[start + k])):
                rows.append(_record(rng, e))
                truth.append(f"E{start + k + 1:06d}")
        order = rng.permutation(len(rows))  # records of one firm are not adjacent
        df = pd.DataFrame([rows[i] for i in order])
        ids = [f"CM{i:07d}" for i in range(next_record, next_record + len(rows))]
        df.insert(0, "record_id", ids)
        next_record += len(rows)
        yield "customer_master", df
        yield "customer_master_truth", pd.DataFrame(
            {"record_id": ids, "entity_id": [truth[i] for i in order]})
