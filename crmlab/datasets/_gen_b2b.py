"""B2B manufacturer: ~300 corporate customers, 24 months of sales, invoices with due and paid dates.

Story: an industrial components manufacturer sells to about 300 companies across China. Its
customer-relationship regulation (客户关系管理规定) asks for a monthly customer review from the
receivables-ageing table: year-on-year sales classes, customers who stopped ordering, a
collections matrix, and an A–D grade per customer. The data covers 2024-01 … 2025-12 and ends on
2025-12-31 (invoices still unpaid then have no ``paid_date``).

Choices:

* ``b2b_monthly_sales`` has **all 24 months for every customer**, with 0 for months without
  sales (and for the months before a new customer's first order), so year-on-year comparisons
  are a simple sum per year. A month's sales equal the sum of that month's invoices.
* Payment delay = ``paid_date − due_date`` (negative = paid early); an invoice is open as of a
  month end when it was issued by then and not yet paid by then (``paid_date`` missing or later).
* ``due_date = invoice_date + payment_terms_months`` calendar months (cash customers, terms 0,
  are due on the invoice date).

Patterns planted (checked by ``tests/test_datasets_b2b.py``):

* every YoY class (2025 vs 2024): increase ≥ 120 %, flat 80–120 %, decline 50–80 %, lost < 50 %,
  plus customers new in 2025 without a 2024 base;
* customers not ordering: long-term (last invoice more than 3 months before 2025-12-31),
  medium-term (1–3 months), short-term (ordered in December 2025);
* receivables at 2025-12-31 in all four collection cells (open amount over / under 100,000 CNY ×
  oldest open invoice overdue by more / less than 2 months);
* per-customer payment behaviour from always on time to more than 4 months late;
* a Pareto concentration of sales (the top 20 % of customers hold about three quarters);
* a handful of customers that slide from grade B to grade C in the last two months of 2025
  (their sales collapse in the second half of 2025 and they start paying 1–2 months late).
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pandas as pd

from crmlab.datasets._spec import TableSpec

START = pd.Timestamp("2024-01-01")
END = pd.Timestamp("2025-12-31")
MONTHS = pd.date_range(START, END, freq="MS")

#: Customers per generated chunk (scale > 1 streams chunk by chunk).
_BLOCK = 3000

_REGIONS = {
    "华北": [("北京", "北京"), ("天津", "天津"), ("河北", "石家庄"), ("河北", "唐山"), ("山西", "太原")],
    "华东": [("上海", "上海"), ("江苏", "苏州"), ("江苏", "无锡"), ("江苏", "南京"), ("浙江", "杭州"),
           ("浙江", "宁波"), ("山东", "青岛"), ("山东", "济南"), ("安徽", "合肥"), ("福建", "厦门")],
    "华南": [("广东", "广州"), ("广东", "深圳"), ("广东", "东莞"), ("广东", "佛山"), ("广西", "南宁")],
    "华中": [("河南", "郑州"), ("湖北", "武汉"), ("湖南", "长沙"), ("江西", "南昌")],
    "西南": [("四川", "成都"), ("重庆", "重庆"), ("云南", "昆明"), ("贵州", "贵阳")],
    "西北": [("陕西", "西安"), ("甘肃", "兰州"), ("新疆", "乌鲁木齐")],
    "东北": [("辽宁", "沈阳"), ("辽宁", "大连"), ("吉林", "长春"), ("黑龙江", "哈尔滨")],
}
_REGION_SHARE = {"华北": 0.16, "华东": 0.36, "华南": 0.18, "华中": 0.11, "西南": 0.08,
                 "西北": 0.04, "东北": 0.07}
_INDUSTRIES = {
    "汽车制造": ("汽车零部件", "汽车", "车桥", "汽配"),
    "电子电器": ("电子", "电器", "光电", "电子科技"),
    "机械装备": ("机械", "重工", "精密机械", "装备"),
    "化工材料": ("化工", "新材料", "塑胶", "涂料"),
    "建筑建材": ("建材", "建工", "钢构", "管业"),
    "家电": ("家电", "电器制造", "厨电", "空调设备"),
    "医药健康": ("医疗器械", "制药", "生物科技", "医药"),
    "食品饮料": ("食品", "饮料", "包装", "乳业"),
}
_CORES = ("恒通", "华信", "鑫源", "宏达", "天成", "永盛", "金泰", "瑞丰", "中联", "海川", "远航",
          "博创", "正泰", "新源", "东方", "长城", "国信", "联合", "三友", "华力", "嘉诚", "凯达",
          "盛世", "创新", "明阳", "卓越", "安达", "德润", "泰和", "力拓", "中科", "九州", "华润",
          "兴业", "万通", "鼎盛", "鸿运", "锦程", "汇丰", "金桥", "龙腾", "宝利", "晨光", "天合",
          "利民", "丰华", "立信", "华宇", "中天", "银河")
_LEGAL = {"global500": ("集团股份有限公司",), "top50": ("集团有限公司", "股份有限公司"),
          "global500_affiliate": ("有限公司",), "top50_affiliate": ("有限公司", "有限责任公司"),
          "other": ("有限公司", "有限责任公司", "股份有限公司")}
#: brand standing → (share of customers, size multiplier)
_STANDING = {"global500": (0.04, 6.0), "global500_affiliate": (0.08, 3.0), "top50": (0.12, 2.5),
             "top50_affiliate": (0.10, 1.6), "other": (0.66, 1.0)}
_TERMS = (0, 1, 2, 3, 4, 6)
_TERMS_P = (0.15, 0.30, 0.25, 0.15, 0.10, 0.05)
SALES_REPS = ("张伟", "王芳", "李娜", "刘洋", "陈静", "赵磊", "孙丽", "周强")
_SEASON = np.array([1.0, 0.7, 1.05, 1.0, 1.0, 1.05, 0.95, 0.95, 1.05, 1.05, 1.1, 1.2])
#: YoY class → (share of existing customers, range of the 2025 / 2024 sales ratio)
_YOY = {"increase": (0.20, (1.30, 2.20)), "flat": (0.42, (0.85, 1.15)),
        "decline": (0.20, (0.55, 0.75)), "lost": (0.18, (0.08, 0.42))}
_NEW_SHARE = 0.08
#: payment behaviour → (share of customers, range of days paid after the due date)
_PAYMENT = {"on_time": (0.40, (-5, 0)), "late_lt_1m": (0.25, (4, 27)),
            "late_1_2m": (0.15, (33, 57)), "late_2_4m": (0.12, (66, 115)),
            "late_gt_4m": (0.08, (128, 220))}
_DRIFT = 6  # customers (at scale 1) that slide from grade B to C in Nov and Dec 2025

TABLES = [
    TableSpec(
        name="b2b_customers",
        description="One row per corporate customer: industry, region, brand standing, outlook, "
                    "payment terms, sales rep",
        columns={"customer_id": "str", "company_name": "str", "industry": "category",
                 "region": "category", "province": "category", "brand_standing": "category",
                 "outlook_points": "int", "payment_terms_months": "int", "sales_rep": "category",
                 "since": "date"},
        primary_key=("customer_id",),
    ),
    TableSpec(
        name="b2b_monthly_sales",
        description="One row per customer and month (2024-01 … 2025-12, zeros included): "
                    "invoiced sales in CNY",
        columns={"customer_id": "str", "month": "date", "sales": "float"},
        primary_key=("customer_id", "month"),
        foreign_keys={"customer_id": "b2b_customers.customer_id"},
    ),
    TableSpec(
        name="b2b_invoices",
        description="One row per invoice: date, due date, amount (CNY), paid date (missing = "
                    "unpaid at 2025-12-31)",
        columns={"invoice_id": "str", "customer_id": "str", "invoice_date": "date",
                 "due_date": "date", "amount": "float", "paid_date": "date"},
        primary_key=("invoice_id",),
        foreign_keys={"customer_id": "b2b_customers.customer_id"},
    ),
]


def _names(rng: np.random.Generator, start: int, city: np.ndarray, industry: np.ndarray,
           standing: np.ndarray, seen: set[str]) -> list[str]:
    """Unique, realistic company names: city + core + industry word + legal form.

    ``seen`` holds the names already given (in earlier blocks); new names are added to it.
    """
    n = len(city)
    cores = np.array(_CORES)[rng.integers(0, len(_CORES), n)]
    names = []
    for i in range(n):
        words = _INDUSTRIES[industry[i]]
        legal = _LEGAL[standing[i]]
        for attempt in range(50):
            core = cores[i] if attempt == 0 else _CORES[int(rng.integers(len(_CORES)))]
            word = words[int(rng.integers(len(words)))]
            if standing[i] == "global500_affiliate" or standing[i] == "top50_affiliate":
                name = f"{core}{word}（{city[i]}）{legal[int(rng.integers(len(legal)))]}"
            else:
                name = f"{city[i]}{core}{word}{legal[int(rng.integers(len(legal)))]}"
            if name not in seen:
                break
        else:  # only at very large scales (the name space is used up): a numbered branch
            name = f"{city[i]}{core}{word}第{start + i + 1}分公司"
        seen.add(name)
        names.append(name)
    return names


def _customers(rng: np.random.Generator, start: int, n: int, n_total: int,
               seen: set[str]) -> pd.DataFrame:
    standing = rng.choice(list(_STANDING), n, p=[v[0] for v in _STANDING.values()])
    region = rng.choice(list(_REGION_SHARE), n, p=list(_REGION_SHARE.values()))
    place = [_REGIONS[r][int(rng.integers(len(_REGIONS[r])))] for r in region]
    industry = rng.choice(list(_INDUSTRIES), n)
    size = rng.lognormal(np.log(300_000), 1.5, n) * np.array([_STANDING[s][1] for s in standing])
    new = rng.random(n) < _NEW_SHARE
    yoy = np.where(new, "new", rng.choice(list(_YOY), n, p=[v[0] for v in _YOY.values()]))
    payment = rng.choice(list(_PAYMENT), n, p=[v[0] for v in _PAYMENT.values()])
    terms = rng.choice(_TERMS, n, p=_TERMS_P)
    outlook = np.clip(np.rint(rng.normal(9, 3, n)
                              + np.select([yoy == "increase", yoy == "lost"], [2, -2], 0)), 0, 15)
    # dormancy: long-term (last order Mar–Aug 2025), medium-term (Oct–Nov 2025), else December
    r = rng.random(n)
    last_month = np.full(n, 23)
    long_ok = np.isin(yoy, ["lost", "decline"])
    last_month[long_ok & (r < 0.30)] = rng.integers(14, 20, n)[long_ok & (r < 0.30)]
    medium_ok = np.isin(yoy, ["flat", "decline", "lost"]) & ~(long_ok & (r < 0.30))
    pick = medium_ok & (rng.random(n) < 0.10)
    last_month[pick] = rng.integers(21, 23, n)[pick]
    # grade drifters: mid-large "top 50" customers with 2-month terms and steady sales
    drift = np.zeros(n, dtype=bool)
    n_drift = max(1, round(_DRIFT * n / n_total)) if n >= 30 else 0
    rank = np.argsort(np.argsort(-size)) / n
    candidates = np.flatnonzero((rank > 0.10) & (rank < 0.16) & ~new)
    drift[rng.choice(candidates, min(n_drift, len(candidates)), replace=False)] = True
    standing[drift], terms[drift], outlook[drift] = "top50", 2, 8
    yoy[drift], payment[drift], last_month[drift] = "decline", "on_time", 23
    # slow payers among the largest customers, so that the "key collection" cell is populated
    big = np.flatnonzero((rank < 0.10) & ~drift)
    payment[rng.choice(big, min(3, len(big)), replace=False)] = "late_2_4m"

    first_month = np.where(new, rng.integers(13, 22, n), 0)
    since = np.where(
        new, MONTHS[first_month].to_numpy() - rng.integers(0, 60, n).astype("timedelta64[D]"),
        np.datetime64("2008-01-01") + rng.integers(0, 5660, n).astype("timedelta64[D]"))
    return pd.DataFrame({
        "customer_id": [f"C{i:04d}" for i in range(start + 1, start + n + 1)],
        "company_name": _names(rng, start, np.array([p[1] for p in place]), industry, standing, seen),
        "industry": industry, "region": region, "province": [p[0] for p in place],
        "brand_standing": standing, "outlook_points": outlook.astype(int),
        "payment_terms_months": terms.astype(int),
        "sales_rep": np.array(SALES_REPS)[rng.integers(0, len(SALES_REPS), n)],
        "since": since.astype("datetime64[D]").astype("datetime64[s]"),
        "_size": size, "_yoy": yoy, "_payment": payment, "_last": last_month,
        "_first": first_month, "_drift": drift,
    })


def _monthly(rng: np.random.Generator, c: pd.DataFrame) -> np.ndarray:
    """Sales matrix (customers × 24 months) in whole cents, with the planted YoY classes."""
    n = len(c)
    size = c["_size"].to_numpy()
    season = np.tile(_SEASON, 2)
    sales = size[:, None] / 12 * season[None, :] * rng.gamma(8.0, 1 / 8.0, (n, 24))
    p_zero = np.where(size < 300_000, 0.30, 0.05)
    sales[rng.random((n, 24)) < p_zero[:, None]] = 0.0
    yoy = c["_yoy"].to_numpy()
    # a 2025 trend, so growth and decline build up over the year
    lo = np.array([_YOY.get(y, (0, (1.0, 1.0)))[1][0] for y in yoy])
    hi = np.array([_YOY.get(y, (0, (1.0, 1.0)))[1][1] for y in yoy])
    ratio = lo + (hi - lo) * rng.random(n)
    trend = 1 + (ratio - 1)[:, None] * np.linspace(0.3, 1.7, 12)[None, :]
    sales[:, 12:] *= np.maximum(trend, 0.02)
    drift = c["_drift"].to_numpy()
    ratio[drift] = 0.62
    sales[drift, 12:] = sales[drift, :12] * np.r_[np.full(6, 0.95), np.full(6, 0.28)]
    first, last = c["_first"].to_numpy(), c["_last"].to_numpy()
    month = np.arange(24)[None, :]
    sales[(month < first[:, None]) | (month > last[:, None])] = 0.0
    # every customer orders in its last month (and existing ones in 2024), new ones in month one
    rows = np.arange(n)
    sales[rows, last] = np.maximum(sales[rows, last], size / 12 * 0.8)
    sales[rows, first] = np.maximum(sales[rows, first], size / 12 * 0.8)
    # hit the YoY ratio exactly (the new customers keep their 2025 level)
    base = sales[:, :12].sum(axis=1)
    now = sales[:, 12:].sum(axis=1)
    factor = np.where((yoy != "new") & (now > 0), ratio * base / np.where(now > 0, now, 1), 1.0)
    sales[:, 12:] *= factor[:, None]
    return np.rint(sales * 100).astype(np.int64)


def _invoices(rng: np.random.Generator, c: pd.DataFrame, cents: np.ndarray) -> pd.DataFrame:
    """Split each month's sales into 1–4 invoices with due and paid dates."""
    cust, month = np.nonzero(cents)
    total = cents[cust, month]
    k = 1 + np.minimum(rng.poisson(np.clip(total / 30_000_000, 0.1, 3.0)), 3)
    inv_cust, inv_month = np.repeat(cust, k), np.repeat(month, k)
    share = rng.gamma(3.0, 1.0, len(inv_cust))
    group = np.repeat(np.arange(len(cust)), k)
    share = share / np.bincount(group, share)[group]
    amount = np.floor(share * total[group]).astype(np.int64)
    last_of_group = np.r_[group[1:] != group[:-1], True]
    amount[last_of_group] += total - np.bincount(group, amount, minlength=len(cust)).astype(np.int64)
    first_day = MONTHS.to_numpy().astype("datetime64[D]")[inv_month]
    days_in = (MONTHS + pd.offsets.MonthEnd(0)).day.to_numpy()[inv_month]
    date = first_day + (rng.random(len(inv_cust)) * days_in).astype(int).astype("timedelta64[D]")

    terms = c["payment_terms_months"].to_numpy()[inv_cust]
    inv_date = pd.Series(date.astype("datetime64[s]"))
    due = inv_date.copy()
    for t in np.unique(terms):
        sel = terms == t
        due[sel] = inv_date[sel] + pd.DateOffset(months=int(t))
    payment = c["_payment"].to_numpy()[inv_cust]
    lo = np.array([_PAYMENT[p][1][0] for p in payment])
    hi = np.array([_PAYMENT[p][1][1] for p in payment])
    delay = lo + np.floor(rng.random(len(inv_cust)) * (hi - lo + 1)).astype(int)
    late_drift = c["_drift"].to_numpy()[inv_cust] & (date >= np.datetime64("2025-07-01"))
    delay[late_drift] = rng.integers(35, 56, late_drift.sum())
    paid = (due + pd.to_timedelta(delay, unit="D")).clip(lower=inv_date)  # cash: not before
    paid = paid.where(paid <= END)
    df = pd.DataFrame({"customer_id": c["customer_id"].to_numpy()[inv_cust], "invoice_date": inv_date,
                       "due_date": due, "amount": amount / 100, "paid_date": paid})
    return df.sort_values(["invoice_date", "customer_id"], kind="stable").reset_index(drop=True)


def generate(seed: int, scale: float = 1.0) -> Iterator[tuple[str, pd.DataFrame]]:
    """Yield the B2B tables (in blocks of customers when ``scale`` is large)."""
    rng = np.random.default_rng(seed)
    n_total = max(30, round(300 * scale))
    next_invoice = 1
    seen: set[str] = set()
    for start in range(0, n_total, _BLOCK):
        customers = _customers(rng, start, min(_BLOCK, n_total - start), n_total, seen)
        cents = _monthly(rng, customers)
        yield "b2b_customers", customers.loc[:, ~customers.columns.str.startswith("_")]
        yield "b2b_monthly_sales", pd.DataFrame({
            "customer_id": np.repeat(customers["customer_id"].to_numpy(), 24),
            "month": np.tile(MONTHS.to_numpy(), len(customers)),
            "sales": cents.ravel() / 100,
        })
        invoices = _invoices(rng, customers, cents)
        invoices.insert(0, "invoice_id",
                        [f"INV{i:07d}" for i in range(next_invoice, next_invoice + len(invoices))])
        next_invoice += len(invoices)
        yield "b2b_invoices", invoices
