"""Retail chain: the supermarket case (7 stores, about 5,000 card members, receipts with lines).

Story: 惠邻超市 (Huilin Supermarkets) runs six stores in Shandong and opened a seventh, in
Weifang, on 2024-09-28. Shoppers who hold a member card (会员卡) show it at the till, so their
receipts carry a ``customer_id``; a few percent of receipts are from shoppers without a card. The
data covers 2023-07-01 … 2025-12-31; lessons analyse it "as of" 2026-01-01.

Patterns planted for the lessons (each is checked by ``tests/test_datasets_retail.py``):

* **Pareto concentration** (二八法则): the top 20 % of members bring about 70–80 % of the
  members' net revenue.
* **Visit-frequency tiers** (the KFC case): heavy shoppers visit about once a week, medium
  shoppers about once a month and light shoppers about twice a year (rates vary around these
  per member, and weekends are busier than weekdays).
* **Churners who fade out** (流失): about one member in nine visits less and less over a few
  months and then stops, at the latest on 2025-06-30, half a year before the data ends.
* **New members** (新客户): members who joined in 2025, and every member of the new store S7.
* **Razor → nappies** (啤酒与尿布-style story, 剃须刀与纸尿裤): receipts with a razor contain
  nappies about three times as often as receipts in general (lift ≈ 3).
* **Returns** (退货): a few receipts return part of an earlier purchase (negative quantity and
  amount, ``original_receipt_id`` names the purchase), and **non-member** receipts (no
  ``customer_id``, about 4 % of receipts).

``generate(seed, scale)`` streams the transactions month by month, so ``scale=50`` (about 250,000
members and 19 million lines) never holds more than one month of lines in memory.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pandas as pd

from crmlab.datasets._spec import TableSpec

START = pd.Timestamp("2023-07-01")
END = pd.Timestamp("2025-12-31")
#: The date the lessons analyse the data "as of" (the day after the last receipt).
AS_OF = pd.Timestamp("2026-01-01")
#: Every churner has stopped by this date (half a year before the data ends).
LAST_CHURN_STOP = pd.Timestamp("2025-06-30")

# store_id, store_name, city, opened, share of members whose home store it is
_STORES = (
    ("S1", "惠邻超市泉城路店", "济南", "2009-05-01", 0.20),
    ("S2", "惠邻超市经十路店", "济南", "2011-09-15", 0.18),
    ("S3", "惠邻超市历山路店", "济南", "2014-04-20", 0.16),
    ("S4", "惠邻超市高新区店", "济南", "2017-11-08", 0.13),
    ("S5", "惠邻超市张店店", "淄博", "2015-06-18", 0.13),
    ("S6", "惠邻超市泰山店", "泰安", "2019-08-30", 0.11),
    ("S7", "惠邻超市奎文店", "潍坊", "2024-09-28", 0.09),
)

# category → [(product_name, unit_price CNY, popularity weight)]
_PRODUCTS = {
    "生鲜果蔬": [("红富士苹果(1kg)", 12.8, 9), ("香蕉(1kg)", 7.9, 9), ("西红柿(500g)", 4.5, 8),
              ("黄瓜(500g)", 3.9, 7), ("土豆(1kg)", 5.6, 7), ("大白菜(个)", 6.8, 5),
              ("鸡蛋(30枚)", 19.9, 9), ("砂糖橘(1kg)", 11.8, 6), ("菠菜(500g)", 5.2, 5)],
    "肉禽水产": [("猪肉五花(500g)", 18.9, 6), ("猪里脊(500g)", 21.5, 5), ("鸡胸肉(500g)", 13.9, 5),
              ("牛腩(500g)", 45.8, 3), ("鲜活鲈鱼(条)", 32.0, 3), ("冻虾仁(250g)", 29.9, 2)],
    "粮油调味": [("东北大米(5kg)", 39.9, 5), ("花生油(5L)", 79.9, 3), ("面粉(2.5kg)", 16.8, 4),
              ("生抽酱油(500ml)", 9.9, 5), ("陈醋(500ml)", 7.5, 4), ("食盐(400g)", 2.5, 3),
              ("挂面(1kg)", 8.9, 4), ("白砂糖(500g)", 6.9, 2)],
    "乳品烘焙": [("纯牛奶(12盒)", 45.0, 7), ("酸奶(4杯)", 13.9, 7), ("全麦面包", 9.8, 6),
              ("奶酪片(10片)", 25.9, 2), ("鲜牛奶(950ml)", 15.8, 5), ("蛋糕卷", 12.5, 3)],
    "休闲零食": [("薯片(大包)", 9.9, 6), ("坚果礼盒", 89.0, 1), ("巧克力(排)", 15.9, 4),
              ("饼干(家庭装)", 18.8, 4), ("瓜子(500g)", 14.5, 4), ("牛肉干(100g)", 29.8, 2),
              ("果冻(6杯)", 8.8, 3)],
    "酒水饮料": [("矿泉水(24瓶)", 29.9, 5), ("可乐(2L)", 8.5, 6), ("啤酒(6罐)", 26.0, 5),
              ("绿茶饮料(500ml)", 3.5, 6), ("橙汁(1L)", 12.9, 4), ("白酒(500ml)", 168.0, 1),
              ("红酒(750ml)", 98.0, 1), ("咖啡(20条)", 39.9, 2)],
    "个人护理": [("剃须刀", 59.0, 0), ("牙膏(120g)", 12.9, 5), ("洗发水(750ml)", 49.9, 3),
              ("沐浴露(1L)", 39.9, 3), ("牙刷(3支)", 15.9, 3), ("洗面奶", 35.0, 2),
              ("卫生巾(10片)", 16.5, 3)],
    "家居清洁": [("洗衣液(3kg)", 45.9, 4), ("洗洁精(1.5kg)", 14.9, 4), ("卷纸(10卷)", 32.8, 6),
              ("抽纸(6包)", 19.9, 5), ("垃圾袋(100只)", 12.0, 4), ("消毒液(1L)", 22.5, 2)],
    "母婴用品": [("纸尿裤", 99.0, 0), ("婴儿湿巾(80抽)", 14.9, 2), ("婴儿奶粉(800g)", 258.0, 1),
              ("儿童牙膏", 18.0, 1)],
    "日用百货": [("保鲜膜", 11.9, 3), ("电池(4节)", 19.9, 2), ("一次性纸杯(50只)", 8.5, 2),
              ("雨伞", 39.0, 1), ("毛巾", 22.0, 2), ("衣架(10个)", 15.0, 1)],
}
RAZOR = "剃须刀"
NAPPIES = "纸尿裤"
#: Share of receipts with a razor; P(nappies | razor) and P(nappies | no razor): lift ≈ 3.07.
_P_RAZOR, _P_NAPPIES_WITH_RAZOR, _P_NAPPIES_WITHOUT = 0.025, 0.12, 0.037

_GENDERS = ("女", "男")
_AGE_BANDS = ("18-24", "25-34", "35-44", "45-54", "55-64", "65+")
_AGE_SHARES = (0.08, 0.22, 0.24, 0.20, 0.15, 0.11)
# tier → (share of members, mean visits per day)
_TIERS = {"heavy": (0.18, 1 / 7), "medium": (0.40, 1 / 30), "light": (0.42, 1 / 182)}
_CHURN_SHARE = 0.12
_NEW_2025_SHARE = 0.08
_JOINED_IN_PERIOD_SHARE = 0.15
_HOME_STORE_SHARE = 0.85
_NON_MEMBER_RECEIPTS_PER_STORE_DAY = 1.3
_RETURN_SHARE = 0.004  # of member purchase lines
_DISCOUNTS = np.array([0, 5, 10, 15, 20, 30])  # percent
_DISCOUNT_P = np.array([0.80, 0.05, 0.07, 0.03, 0.03, 0.02])
_WEEKDAY_FACTOR = np.array([0.8, 0.8, 0.8, 0.8, 0.85, 1.0, 1.0])  # Monday … Sunday

TABLES = [
    TableSpec(
        name="retail_stores",
        description="One row per store of the supermarket chain: name, city, opening date",
        columns={"store_id": "str", "store_name": "str", "city": "category", "opened": "date"},
        primary_key=("store_id",),
    ),
    TableSpec(
        name="retail_products",
        description="One row per product the supermarket sells: name, category, list price (CNY)",
        columns={"product_id": "str", "product_name": "str", "category": "category",
                 "unit_price": "float"},
        primary_key=("product_id",),
    ),
    TableSpec(
        name="retail_members",
        description="One row per card member: join date, gender, age band, city, home store",
        columns={"customer_id": "str", "join_date": "date", "gender": "category",
                 "age_band": "category", "city": "category", "home_store": "str"},
        primary_key=("customer_id",),
        foreign_keys={"home_store": "retail_stores.store_id"},
    ),
    TableSpec(
        name="retail_transactions",
        description="One row per receipt line (2023-07 … 2025-12): product, quantity, price, "
                    "discount, amount; returns have negative quantity",
        columns={"receipt_id": "str", "line_no": "int", "date": "date", "store_id": "str",
                 "customer_id": "str", "product_id": "str", "category": "category",
                 "quantity": "int", "unit_price": "float", "discount": "float",
                 "amount": "float", "original_receipt_id": "str"},
        primary_key=("receipt_id", "line_no"),
        foreign_keys={"store_id": "retail_stores.store_id",
                      "customer_id": "retail_members.customer_id",
                      "product_id": "retail_products.product_id"},
        compressed=True,
    ),
]


def _stores() -> pd.DataFrame:
    return pd.DataFrame(
        [(sid, name, city, pd.Timestamp(opened)) for sid, name, city, opened, _ in _STORES],
        columns=["store_id", "store_name", "city", "opened"],
    )


def _products() -> pd.DataFrame:
    rows = [(name, category, price, weight)
            for category, items in _PRODUCTS.items() for name, price, weight in items]
    df = pd.DataFrame(rows, columns=["product_name", "category", "unit_price", "weight"])
    df.insert(0, "product_id", [f"P{i:03d}" for i in range(1, len(df) + 1)])
    return df


def _days_between(rng: np.random.Generator, start: pd.Timestamp, end: pd.Timestamp,
                  n: int) -> np.ndarray:
    """``n`` uniform random dates in [start, end] as datetime64[D]."""
    span = (end - start).days + 1
    return np.datetime64(start.date()) + rng.integers(0, span, n).astype("timedelta64[D]")


def _members(rng: np.random.Generator, n: int) -> pd.DataFrame:
    """Member attributes, including the hidden behaviour parameters (dropped before writing)."""
    store_ids = np.array([s[0] for s in _STORES])
    cities = np.array([s[2] for s in _STORES])
    opened = np.array([np.datetime64(s[3]) for s in _STORES])
    home = rng.choice(len(_STORES), n, p=[s[4] for s in _STORES])

    kind = rng.choice(3, n, p=[_NEW_2025_SHARE, _JOINED_IN_PERIOD_SHARE,
                               1 - _NEW_2025_SHARE - _JOINED_IN_PERIOD_SHARE])
    join = np.where(
        kind == 0, _days_between(rng, pd.Timestamp("2025-01-01"), pd.Timestamp("2025-11-30"), n),
        np.where(kind == 1, _days_between(rng, START, pd.Timestamp("2024-12-31"), n),
                 _days_between(rng, pd.Timestamp("2016-01-01"), START - pd.Timedelta(days=1), n)))
    # members of a store cannot join before it opened: the new store's members are all new
    late_store = join < opened[home]
    join = np.where(late_store, opened[home] + rng.integers(0, 400, n).astype("timedelta64[D]"),
                    join)
    join = np.minimum(join, np.datetime64("2025-11-30"))

    tier = rng.choice(list(_TIERS), n, p=[t[0] for t in _TIERS.values()])
    base_rate = np.array([_TIERS[t][1] for t in tier])
    rate = base_rate * rng.gamma(6.0, 1 / 6.0, n) / _WEEKDAY_FACTOR.mean()

    can_churn = join < np.datetime64("2024-06-30")
    churn = can_churn & (rng.random(n) < _CHURN_SHARE / can_churn.mean())
    fade_start = _days_between(rng, pd.Timestamp("2023-12-01"), pd.Timestamp("2025-01-31"), n)
    fade_start = np.maximum(fade_start, join + np.timedelta64(60, "D"))
    stop = np.minimum(fade_start + rng.integers(150, 330, n).astype("timedelta64[D]"),
                      np.datetime64(LAST_CHURN_STOP.date()))
    return pd.DataFrame({
        "customer_id": [f"M{i:05d}" for i in range(1, n + 1)],
        "join_date": join.astype("datetime64[s]"),
        "gender": np.array(_GENDERS)[rng.choice(2, n, p=[0.6, 0.4])],
        "age_band": np.array(_AGE_BANDS)[rng.choice(len(_AGE_BANDS), n, p=_AGE_SHARES)],
        "city": cities[home],
        "home_store": store_ids[home],
        # hidden behaviour parameters
        "_home": home,
        "_rate": rate,
        "_spend": rng.lognormal(0.0, 0.45, n),
        "_churn": churn,
        "_fade_start": np.where(churn, fade_start, np.datetime64("2100-01-01")),
        "_stop": np.where(churn, stop, np.datetime64("2100-01-01")),
    })


def _visits(rng: np.random.Generator, members: pd.DataFrame, first: np.datetime64,
            last: np.datetime64, scale: float) -> pd.DataFrame:
    """Receipts (one row each) of one month: date, store index, member index (−1 = none)."""
    days = int((last - first).astype(int)) + 1
    opened = np.array([np.datetime64(s[3]) for s in _STORES])
    join = members["join_date"].to_numpy().astype("datetime64[D]")
    # candidate visits at the member's top rate, thinned by weekday, join date and fading
    counts = rng.poisson(members["_rate"].to_numpy() * days)
    who = np.repeat(np.arange(len(members)), counts)
    date = first + rng.integers(0, days, len(who)).astype("timedelta64[D]")
    fade_start = members["_fade_start"].to_numpy().astype("datetime64[D]")[who]
    stop = members["_stop"].to_numpy().astype("datetime64[D]")[who]
    span = np.maximum((stop - fade_start).astype(float), 1.0)
    fade = np.clip((stop - date).astype(float) / span, 0.0, 1.0)
    weekday = (date.astype("datetime64[D]").view("int64") - 4) % 7  # 1970-01-01 was a Thursday
    keep = (date >= join[who]) & (rng.random(len(who)) < _WEEKDAY_FACTOR[weekday] * fade)
    who, date = who[keep], date[keep]
    home = members["_home"].to_numpy()[who]
    other = rng.integers(0, len(_STORES), len(who))
    away = (rng.random(len(who)) > _HOME_STORE_SHARE) & (opened[other] <= date)
    store = np.where(away, other, home)
    # shoppers without a member card, per open store and day
    store_days = [(d, s) for d in range(days) for s in range(len(_STORES))
                  if opened[s] <= first + np.timedelta64(d, "D")]
    n_anon = rng.poisson(_NON_MEMBER_RECEIPTS_PER_STORE_DAY * scale, len(store_days))
    anon_day = np.repeat([d for d, _ in store_days], n_anon)
    anon_store = np.repeat([s for _, s in store_days], n_anon)
    return pd.DataFrame({
        "date": np.concatenate([date, first + anon_day.astype("timedelta64[D]")]),
        "store": np.concatenate([store, anon_store]).astype(int),
        "member": np.concatenate([who, np.full(len(anon_day), -1)]),
    })


def _lines(rng: np.random.Generator, receipts: pd.DataFrame, spend: np.ndarray,
           products: pd.DataFrame) -> pd.DataFrame:
    """Purchase lines of ``receipts`` (index = receipt number within the month)."""
    member = receipts["member"].to_numpy()
    basket_mean = np.where(member >= 0, 1.9 * spend[np.maximum(member, 0)], 1.9)
    n_lines = 1 + rng.poisson(np.maximum(basket_mean - 1, 0.05))
    receipt = np.repeat(np.arange(len(receipts)), n_lines)
    weight = products["weight"].to_numpy(float)
    product = rng.choice(len(products), len(receipt), p=weight / weight.sum())
    # the razor → nappies association, added on top of the ordinary basket
    names = products["product_name"].to_numpy()
    razor_idx, nappies_idx = int(np.flatnonzero(names == RAZOR)[0]), int(np.flatnonzero(names == NAPPIES)[0])
    has_razor = rng.random(len(receipts)) < _P_RAZOR
    p_nappies = np.where(has_razor, _P_NAPPIES_WITH_RAZOR, _P_NAPPIES_WITHOUT)
    has_nappies = rng.random(len(receipts)) < p_nappies
    receipt = np.concatenate([receipt, np.flatnonzero(has_razor), np.flatnonzero(has_nappies)])
    product = np.concatenate([product, np.full(has_razor.sum(), razor_idx),
                              np.full(has_nappies.sum(), nappies_idx)])
    lines = pd.DataFrame({"receipt": receipt, "product": product})
    lines = lines.drop_duplicates(["receipt", "product"]).sort_values("receipt", kind="stable")
    n = len(lines)
    quantity = rng.choice([1, 2, 3, 4], n, p=[0.68, 0.22, 0.07, 0.03])
    quantity = np.where(np.isin(lines["product"], [razor_idx, nappies_idx]), 1, quantity)
    lines["quantity"] = quantity
    lines["discount_pct"] = rng.choice(_DISCOUNTS, n, p=_DISCOUNT_P)
    return lines.reset_index(drop=True)


def _returns(rng: np.random.Generator, lines: pd.DataFrame, receipts: pd.DataFrame,
             last: np.datetime64) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A few return receipts (one line each) for member purchase lines of the same month."""
    date = receipts["date"].to_numpy()[lines["receipt"].to_numpy()]
    member = receipts["member"].to_numpy()[lines["receipt"].to_numpy()]
    eligible = np.flatnonzero((member >= 0) & (date < last))
    pick = eligible[rng.random(len(eligible)) < _RETURN_SHARE]
    original = lines.iloc[pick]
    delay = rng.integers(1, 15, len(pick)).astype("timedelta64[D]")
    ret_date = np.minimum(date[pick] + delay, last)
    src = receipts.iloc[original["receipt"].to_numpy()]
    new_receipts = pd.DataFrame({"date": ret_date, "store": src["store"].to_numpy(),
                                 "member": src["member"].to_numpy(),
                                 "original": original["receipt"].to_numpy()})
    new_lines = pd.DataFrame({
        "receipt": len(receipts) + np.arange(len(pick)),
        "product": original["product"].to_numpy(),
        "quantity": -rng.integers(1, original["quantity"].to_numpy() + 1),
        "discount_pct": original["discount_pct"].to_numpy(),
    })
    return new_receipts, new_lines


def _month_transactions(rng: np.random.Generator, members: pd.DataFrame, products: pd.DataFrame,
                        first: np.datetime64, last: np.datetime64, scale: float,
                        receipt_offset: int) -> pd.DataFrame:
    receipts = _visits(rng, members, first, last, scale)
    receipts["original"] = -1
    lines = _lines(rng, receipts, members["_spend"].to_numpy(), products)
    ret_receipts, ret_lines = _returns(rng, lines, receipts, last)
    receipts = pd.concat([receipts, ret_receipts], ignore_index=True)
    lines = pd.concat([lines, ret_lines], ignore_index=True)
    # number the receipts in date order (ties: store, then a random till order)
    receipts["tie"] = rng.random(len(receipts))
    order = np.lexsort((receipts["tie"].to_numpy(), receipts["store"].to_numpy(),
                        receipts["date"].to_numpy()))
    number = np.empty(len(receipts), dtype=np.int64)
    number[order] = receipt_offset + np.arange(1, len(receipts) + 1)
    lines["number"] = number[lines["receipt"].to_numpy()]
    lines = lines.sort_values(["number", "product"], kind="stable").reset_index(drop=True)
    lines["line_no"] = lines.groupby("number").cumcount() + 1
    rec = receipts.iloc[lines["receipt"].to_numpy()]

    price = products["unit_price"].to_numpy()[lines["product"].to_numpy()]
    cents = np.rint(price * 100).astype(np.int64) * lines["quantity"].to_numpy() \
        * (100 - lines["discount_pct"].to_numpy())
    amount_cents = np.sign(cents) * ((np.abs(cents) + 50) // 100)  # half away from zero
    customer_ids = members["customer_id"].to_numpy()
    customer_idx = rec["member"].to_numpy()
    original = rec["original"].to_numpy()
    has_original = original >= 0
    # receipt ids are formatted once per receipt, then repeated for its lines
    ids = np.array([f"R{n:08d}" for n in range(receipt_offset + 1,
                                                receipt_offset + len(receipts) + 1)], dtype=object)
    original_id = np.full(len(lines), None, dtype=object)
    original_id[has_original] = ids[number[original[has_original]] - receipt_offset - 1]
    return pd.DataFrame({
        "receipt_id": ids[lines["number"].to_numpy() - receipt_offset - 1],
        "line_no": lines["line_no"].to_numpy(),
        "date": rec["date"].to_numpy().astype("datetime64[s]"),
        "store_id": np.array([s[0] for s in _STORES])[rec["store"].to_numpy()],
        "customer_id": np.where(customer_idx >= 0, customer_ids[np.maximum(customer_idx, 0)], None),
        "product_id": products["product_id"].to_numpy()[lines["product"].to_numpy()],
        "category": products["category"].to_numpy()[lines["product"].to_numpy()],
        "quantity": lines["quantity"].to_numpy(),
        "unit_price": price,
        "discount": lines["discount_pct"].to_numpy() / 100,
        "amount": amount_cents / 100,
        "original_receipt_id": original_id,
    })


def generate(seed: int, scale: float = 1.0) -> Iterator[tuple[str, pd.DataFrame]]:
    """Yield the retail tables; transactions come one month per chunk."""
    rng = np.random.default_rng(seed)
    yield "retail_stores", _stores()
    products = _products()
    yield "retail_products", products.drop(columns="weight")
    members = _members(rng, max(1, round(5000 * scale)))
    yield "retail_members", members.loc[:, ~members.columns.str.startswith("_")]
    offset = 0
    for first in pd.date_range(START, END, freq="MS"):
        last = first + pd.offsets.MonthEnd(0)
        chunk = _month_transactions(rng, members, products, np.datetime64(first.date()),
                                    np.datetime64(last.date()), scale, offset)
        offset += chunk["receipt_id"].nunique()
        yield "retail_transactions", chunk
